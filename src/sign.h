/* sign: short signed tokens (HMAC-SHA256) for inline buttons and deep links, and signed requests
   between your own processes, with key rotation through a tg_keyring (secret.h).

   Tokens: tg_sign packs key id, issue time, expiry, up to TG_SIGN_PAYLOAD_MAX payload bytes and a
   96-bit tag into at most 64 characters of [A-Za-z0-9_-]: valid as callback_data (<= 64 bytes) and
   as a /start deep-link parameter (<= 64 characters of that alphabet). A modified client cannot
   forge or alter a button press: tg_verify refuses (TG_ERR_SIGNATURE) a token changed in any byte,
   made with a key the ring does not hold, or malformed; TG_ERR_EXPIRED once now >= expiry (the tag
   was right). What a token does not do: hide the payload (it is readable), or stop the same token
   being used twice (a button can be pressed again; make the action idempotent).

       char data[TG_SIGN_TOKEN_MAX + 1];
       tg_sign(&keys, "buy:42", 6, time(NULL), 3600, data, sizeof data);      // callback_data
       ...on the callback: tg_verify(&keys, cq->data, time(NULL), buf, sizeof buf, &n) == TG_OK

   Requests: tg_sign_request signs method, path, the SHA-256 of the body, a timestamp and a random
   nonce into one header value (at most TG_REQSIG_MAX characters); tg_verify_request checks it
   within +-window_s of now and refuses a second use through a bounded replay cache (TG_ERR_REPLAY):
   a request whose tag is cached, or whose timestamp is not newer than the newest one the full
   cache has forgotten (bounded memory, never a false accept; size the cache for the requests of
   one window). Method and path must not contain '\n'. */

#define TG_SIGN_PAYLOAD_MAX 27
#define TG_SIGN_TOKEN_MAX 64
#define TG_REQSIG_MAX 96

/* ttl_s 0: never expires. now: Unix seconds, 0 .. 2^32 - 1. out: cap >= 65 is always enough. */
TGBOT_API tg_err tg_sign(const tg_keyring *kr, const void *payload, size_t n, int64_t now, uint32_t ttl_s,
                         char *out, size_t cap);
/* the payload into out (cap bytes), its length into *n; also refuses tokens issued more than 60 s
   after now (TG_ERR_EXPIRED: a clock far behind the signer's) */
TGBOT_API tg_err tg_verify(const tg_keyring *kr, const char *token, int64_t now, void *out, size_t cap, size_t *n);

typedef struct tg_replay_slot { uint64_t tag; int64_t ts; } tg_replay_slot;
typedef struct tg_replay_cache { tg_replay_slot *slots; size_t cap, used, next; int64_t floor; } tg_replay_cache;
TGBOT_API void tg_replay_init(tg_replay_cache *c, tg_replay_slot *slots, size_t n);   /* slots: your storage */

TGBOT_API tg_err tg_sign_request(const tg_keyring *kr, const char *method, const char *path, const void *body,
                                 size_t len, int64_t now, char *out, size_t cap);
TGBOT_API tg_err tg_verify_request(const tg_keyring *kr, tg_replay_cache *rc, const char *sig, const char *method,
                                   const char *path, const void *body, size_t len, int64_t now, uint32_t window_s);
