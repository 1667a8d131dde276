/* secret: webhook secret tokens from the OS random source, and the bot token and keys from files
   or environment variables, refusing files other users can read. Keys live in a tg_keyring: up to
   TG_KEYRING_MAX keys of 32 bytes, each with a one-byte id; the last one added is the newest
   (tg_sign and tg_seal use it), every one verifies or opens (rotation: add the new key, keep the
   old ones until nothing signed or sealed with them is left). Error texts name the file, the
   variable or the entry number, never a byte of a secret.

       char tok[128]; tg_error err;
       if (tg_secret_load_file("/etc/bot/token", 0, tok, sizeof tok, NULL, &err) != TG_OK) ...err.description...
       tg_keyring kr = {0};
       tg_keyring_load_env(&kr, "BOT_KEYS", &err);     // BOT_KEYS="1:<64 hex digits> 2:<43 base64url>"

   Key text: entries "ID:KEY" (ID 0-255; KEY 64 hex digits or 43 base64url characters) separated
   by spaces, commas or newlines, oldest first; '#' starts a comment to the end of the line. */

#define TG_SECRET_ALLOW_SHARED 1u   /* flag: accept a file its group or others may read or write */
#define TG_KEYRING_MAX 8

/* len random characters of [A-Za-z0-9_-] (Telegram's secret_token alphabet, 6 bits each, no bias)
   and a '\0' into out (len + 1 bytes). len 1-256. TG_ERR_IO when the OS has no random source. */
TGBOT_API tg_err tg_secret_token_generate(char *out, size_t len);

/* The whole file (at most cap - 1 bytes, trailing spaces and newlines removed, '\0'-terminated)
   into out; *len its length when len is not NULL. Refused (TG_ERR_ARG) unless a regular file, not
   empty and, without TG_SECRET_ALLOW_SHARED, with no permission bits for group or others (chmod
   600 or 400). TG_ERR_NOT_FOUND missing, TG_ERR_LIMIT longer, TG_ERR_IO unreadable. err (may be
   NULL) gets a description. On any failure out is wiped. */
TGBOT_API tg_err tg_secret_load_file(const char *path, unsigned flags, char *out, size_t cap, size_t *len, tg_error *err);
/* the value of environment variable name, the same way (no permission check) */
TGBOT_API tg_err tg_secret_load_env(const char *name, char *out, size_t cap, size_t *len, tg_error *err);

typedef struct tg_key { uint8_t id; uint8_t key[32]; } tg_key;
typedef struct tg_keyring { tg_key keys[TG_KEYRING_MAX]; size_t n; } tg_keyring;   /* zero = empty */

/* TG_ERR_ARG a repeated id, TG_ERR_LIMIT full */
TGBOT_API tg_err tg_keyring_add(tg_keyring *kr, uint8_t id, const uint8_t key[32]);
TGBOT_API const tg_key *tg_keyring_find(const tg_keyring *kr, uint8_t id);   /* NULL: no such id */
TGBOT_API const tg_key *tg_keyring_newest(const tg_keyring *kr);            /* NULL: empty */
TGBOT_API tg_err tg_keyring_parse(tg_keyring *kr, const char *text, tg_error *err);
TGBOT_API tg_err tg_keyring_load_file(tg_keyring *kr, const char *path, unsigned flags, tg_error *err);
TGBOT_API tg_err tg_keyring_load_env(tg_keyring *kr, const char *name, tg_error *err);
TGBOT_API void tg_keyring_wipe(tg_keyring *kr);
