/* secret (internal): base64url digits, shared with sign.c. */
TGBOT__INTERN int tg__secret_b64val(char c);   /* 0..63, or -1 */
