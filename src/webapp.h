/* webapp: checking what a Telegram Web App (Mini App) or the Login Widget hands to your server,
   with HMAC-SHA256 computed here (no TLS library needed, so it works with TGBOT_TLS_NONE too).

       int64_t auth_date;
       if (tg_webapp_validate(token, init_data, time(NULL), 3600, &auth_date) == TG_OK) ...trust it...

   Web App initData (Telegram.WebApp.initData, a URL-encoded query string): every field but `hash`,
   URL-decoded, sorted by key, written "key=value" and joined with '\n', must give
   hash = hex(HMAC_SHA256(key = HMAC_SHA256(key = "WebAppData", msg = bot_token), msg = that text)).
   Login Widget (the query string of its redirect, or its fields as key=value&...): the same text,
   with key = SHA256(bot_token). The hash is compared in constant time. max_age_s > 0 also requires
   auth_date within max_age_s seconds before now (and not more than 60 s after: clock skew); pass
   the current Unix time as now. Input is at most TGBOT_WEBAPP_MAX bytes (8 KiB) and 64 fields; a
   repeated key, a field without '=', or bad percent-encoding is refused as malformed (TG_ERR_ARG).
   Errors: TG_ERR_ARG malformed or no hash, TG_ERR_SIGNATURE hash mismatch, TG_ERR_EXPIRED too old
   (the signature was checked first: an expired error means the data itself is genuine). */

#ifndef TGBOT_WEBAPP_MAX
#define TGBOT_WEBAPP_MAX 8192
#endif

TGBOT_API tg_err tg_webapp_validate(const char *bot_token, const char *init_data, int64_t now,
                                    uint32_t max_age_s, int64_t *auth_date);
TGBOT_API tg_err tg_login_widget_validate(const char *bot_token, const char *query, int64_t now,
                                          uint32_t max_age_s, int64_t *auth_date);
/* the URL-decoded value of field `key` of a query string (e.g. "user": the WebAppUser JSON, for
   tg_json_parse); returns its length, or -1 when absent, malformed or longer than cap - 1 */
TGBOT_API long tg_query_field(const char *query, const char *key, char *out, size_t cap);

/* Third-party validation (Bot API 8.0): initData also carries `signature`, an Ed25519 signature
   (base64url, 86 characters) by Telegram over "<bot_id>:WebAppData\n" + the data-check-string above
   without `hash` and `signature`. Needs only the bot's numeric id (the token's part before ':') and
   Telegram's public key: NULL means the production key; TG_WEBAPP_KEY_TEST for the test environment.
   max_age_s > 0 checks auth_date as above (0: no age check). Errors: TG_ERR_ARG malformed, bot_id
   <= 0, or no/garbled signature; TG_ERR_SIGNATURE not signed by that key for that bot;
   TG_ERR_EXPIRED genuine but too old (or dated more than 60 s ahead). */
#define TG_WEBAPP_KEY_PRODUCTION "\xe7\xbf\x03\xa2\xfa\x46\x02\xaf\x45\x80\x70\x3d\x88\xdd\xa5\xbb" \
                                 "\x59\xf3\x2e\xd8\xb0\x2a\x56\xc1\x87\xfe\x7d\x34\xca\xed\x24\x2d"
#define TG_WEBAPP_KEY_TEST       "\x40\x05\x50\x58\xa4\xee\x38\x15\x6a\x06\x56\x2e\x52\xee\xce\x92" \
                                 "\xa7\x71\xbc\xd8\x34\x6a\x8c\x46\x15\xcb\x73\x76\xed\xdf\x72\xec"
TGBOT_API tg_err tg_webapp_validate_signature(const char *init_data, int64_t bot_id, const uint8_t public_key[32] /* NULL: production key */,
                                              int64_t now, int64_t max_age_s, int64_t *auth_date);

/* the primitives, for other uses (signing outgoing requests, say) */
typedef struct tg_sha256 { uint32_t h[8]; uint64_t bytes; unsigned char block[64]; size_t fill; } tg_sha256;
TGBOT_API void tg_sha256_init(tg_sha256 *s);
TGBOT_API void tg_sha256_update(tg_sha256 *s, const void *data, size_t n);
TGBOT_API void tg_sha256_final(tg_sha256 *s, unsigned char out[32]);
TGBOT_API void tg_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]);
