/* secret (internal): base64url digits, shared with sign.c. */
TGBOT__INTERN int tg__secret_b64val(char c);   /* 0..63, or -1 */
/* len (1..256) characters of Telegram's secret_token charset from p's random source (NULL: the OS's) */
TGBOT__INTERN tg_err tg__secret_fill(const tg_platform *p, char *out, size_t len);
