/* stars: placeholder */
