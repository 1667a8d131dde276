/* webapp (internal): HMAC in two halves and hex digits, shared with secret.c and sign.c. */
TGBOT__INTERN void tg__hmac_begin(tg_sha256 *inner, unsigned char okey[64], const void *key, size_t key_len);
TGBOT__INTERN void tg__hmac_end(tg_sha256 *inner, const unsigned char okey[64], unsigned char out[32]);
TGBOT__INTERN int tg__hexval(char c);   /* 0..15, or -1 */
