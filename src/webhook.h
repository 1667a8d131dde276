#if TGBOT__HAS_WEBHOOK
/* webhook (TGBOT_ENABLE_WEBHOOK): an HTTP/1.1 server that receives Telegram's update deliveries
   and hands them to a dispatcher, on the caller's thread.

       tg_webhook_desc wd = { .port = 8443, .path = "/tg", .secret_token = secret,
                              .tls_cert_file = "cert.pem", .tls_key_file = "key.pem",
                              .handle_signals = true };
       tg_run_webhook(dispatcher, &wd);        // until tg_stop() or SIGINT/SIGTERM

   One poll()-driven loop serves many connections with keep-alive and pipelining. A delivery is a
   POST to `path` whose X-Telegram-Bot-Api-Secret-Token header equals `secret_token` (compared in
   constant time); its JSON body is dispatched, then answered 200. Refusals, each counted in
   tg_webhook_stats: missing secret 401, wrong secret 403, other path 404, other method 405, no
   Content-Length (chunked bodies are not accepted; Telegram never sends them) 411, body over the
   limit 413, head over the limit 431, malformed HTTP or a body that is not a JSON object 400. A
   connection whose request (or answer) is not through within read_timeout_ms is dropped.

   A secret_token is required: tg_webhook_new refuses a desc without one unless
   reachable_only_via_trusted_upstream says that nothing but a trusted reverse proxy or a local Bot
   API server can reach the port.

   Source filter and per-source limits (see the desc fields): CIDR allow/deny lists checked at
   accept (Telegram's ranges with .allow_telegram), the client taken from X-Forwarded-For (or RFC
   7239 Forwarded) only behind trusted_proxies, at most N connections per source (on by default:
   100), a token bucket of requests per second per source (429 with Retry-After), and a threat
   score per source that blocks it for a while (on by default).

   Resource bounds: when accept() fails for want of descriptors (EMFILE/ENFILE) the server stops
   accepting for TG_WEBHOOK_ACCEPT_PAUSE_MS and keeps serving the connections it has (no busy
   loop); the bot's arena may grow by at most max_update_memory while one delivery is decoded, and
   is brought back to its usual size after a big one.

   Handlers run inside the server loop: while one runs, other deliveries wait. Answer fast: a
   handler that only replies can put its call in the response body instead (tg_webhook_reply).
   Delivery guarantee: the 200 goes out after the handler returned, so an update whose handler was
   cut short by a crash is delivered again by Telegram (at-least-once); Telegram waits about 60 s
   for the answer before it repeats a delivery.

   Graceful stop (tg_stop() from a handler, or a signal with handle_signals): the listening socket
   closes, requests already received are dispatched and answered, answers are flushed, then the
   call returns (after the on_shutdown event). A request still arriving is dropped unanswered, so
   Telegram delivers it again. */

typedef struct tg_webhook tg_webhook;
typedef struct tg_webhook_source tg_webhook_source;     /* below */

typedef struct tg_webhook_desc {
    const char *host;              /* address to bind; NULL = "0.0.0.0" */
    uint16_t port;                 /* 0 = an ephemeral port (tg_webhook_port tells which) */
    const char *path;              /* request path deliveries go to; NULL = "/" (the query is ignored) */
    const char *secret_token;      /* setWebhook's secret_token; required (see the next field) */
    /* true: only a trusted reverse proxy or a local Bot API server (telegram-bot-api --local) can
       connect, so secret_token may be NULL (then any POST to path is dispatched). false (default):
       tg_webhook_new refuses a desc without secret_token (TG_ERR_ARG). */
    bool reachable_only_via_trusted_upstream;
    const char *tls_cert_file;     /* PEM certificate chain and key: both set = HTTPS */
    const char *tls_key_file;
    uint32_t max_header_bytes;     /* request head: 0 = 8 KiB */
    size_t max_body_bytes;         /* request body: 0 = 1 MiB; more than 1 GiB is refused (TG_ERR_ARG) */
    uint32_t read_timeout_ms;      /* a whole request (and the TLS handshake) must arrive within: 0 = 10 s */
    uint32_t idle_timeout_ms;      /* an idle keep-alive connection is closed after: 0 = 60 s */
    uint32_t max_connections;      /* open at once: 0 = 256; at most 2^20. At the limit a new connection
                                      takes the place of the oldest one that never carried the right
                                      secret (evicted); with none, it is closed at once */
    bool handle_signals;           /* tg_run_webhook/tg_webhook_run: SIGINT/SIGTERM stop gracefully */

    /* Source filter (CIDR lists: off by default). CIDR strings ("149.154.160.0/20", "2001:db8::/32", a bare
       address = one host; syntax in netfilter.h), parsed at tg_webhook_new: a malformed one is
       TG_ERR_ARG naming it. A TCP peer that deny matches, or that a non-empty allow list does not,
       is closed at accept, before a byte is read (ip_refused). IPv4 rules match IPv4-mapped peers.
       The default is no filter because the right list depends on the deployment: behind a reverse
       proxy or a local Bot API server (telegram-bot-api --local) the peer is that proxy or server,
       not Telegram. Straight from Telegram: .allow_telegram = true. */
    const char *const *allow; size_t allow_count;
    const char *const *deny; size_t deny_count;    /* wins over allow */
    bool allow_telegram;           /* adds TG_TELEGRAM_WEBHOOK_RANGES (149.154.160.0/20, 91.108.4.0/22) to allow */
    /* Reverse proxies: only a TCP peer inside trusted_proxies may name the client, in
       X-Forwarded-For; the client is the right-most entry that is not itself a trusted proxy (the
       entries left of it come from the client and are never read). allow/deny and the per-source
       limits then apply to that client, per request (refused: 403, ip_refused); a trusted proxy
       itself passes accept. An entry that had to be read and does not parse: 403
       (forwarded_invalid). No header: the client is the proxy. From any other peer the header is
       ignored. List only the proxies' own addresses: a range that also holds clients lets them
       name any address. With trust_forwarded the RFC 7239 Forwarded header is read instead. */
    const char *const *trusted_proxies; size_t trusted_proxies_count;
    /* Per-source limits. A source is an IPv4 address or an IPv6 /64. */
    uint32_t max_connections_per_source;   /* more at once are closed at accept (source_connections_refused):
                                      0 = 100 (Telegram opens at most setWebhook's max_connections, 1-100,
                                      at once), TG_WEBHOOK_UNLIMITED = no limit. Behind a reverse proxy
                                      that is not in trusted_proxies every client is the proxy's address:
                                      list the proxy, or raise this. */
    uint32_t requests_per_second;  /* token bucket per source: over it, 429 with Retry-After (rate_limited); 0 = off */
    uint32_t requests_burst;       /* the bucket's size: 0 = requests_per_second */
    /* Threat score (on by default). A refusal of a request that did not carry the right secret
       adds points to its source's score (TG_WEBHOOK_SCORE_*: wrong secret, missing secret,
       malformed request or JSON, over-size head or body or no length, over the rate, a read
       timeout (slow client), wrong path or method, a TLS handshake failure); the filter's own 403s
       add nothing. The score halves every score_half_life_ms. Reaching block_score blocks the
       source for block_ms (sources_blocked, a WARN line, on_blocked): its connections are closed
       at accept and its requests answered 403 (blocked_refused); the connection that made it is
       closed. A request with the right secret sets the score to 0. Under pressure (open
       connections at 3/4 of max_connections or more, or accept() short of descriptors in the last
       10 s) the threshold is halved (pressure_blocks). Without trusted_proxies, behind a proxy,
       every client is the proxy's address: anyone could get the proxy blocked. List the proxy
       in trusted_proxies, or set block_score = TG_WEBHOOK_UNLIMITED (off). */
    uint32_t block_score;          /* points: 0 = 100 */
    uint32_t block_ms;             /* 0 = 10 minutes */
    uint32_t score_half_life_ms;   /* 0 = 60 s */
    /* called from the server loop when a block begins and when it ends (the end is noticed within
       a step of it); the source's view as tg_webhook_sources gives it */
    void (*on_blocked)(void *ud, const tg_webhook_source *src);
    void (*on_unblocked)(void *ud, const tg_webhook_source *src);
    void *event_ud;
    /* behind trusted_proxies: read RFC 7239 Forwarded ("for=" nodes) instead of X-Forwarded-For.
       Only one of the two is read, the one the proxy writes: a client can send either header and
       a proxy that does not overwrite it passes it on. */
    bool trust_forwarded;
    /* memory one delivery may take to parse and decode (its token array, 20 bytes a token, plus
       what the bot's arena grows by): 0 = 16 MiB. A body that would need more is answered 200 and
       not dispatched (too_big_decoded, a WARN line): Telegram repeats anything else forever. */
    size_t max_update_memory;
    /* the table of sources: fixed at tg_webhook_new, 64 bytes a slot; 0 = 1024 (64 KiB), rounded up
       to a power of two, 64 to 2^20 (64 MiB). A source with no open connection and no running block may be evicted (least recently seen
       first) to make room; a new source that finds nothing to evict is refused (sources_full). */
    uint32_t max_sources;
} tg_webhook_desc;

typedef struct tg_webhook_stats {
    uint64_t connections;          /* accepted */
    uint64_t connections_refused;  /* closed at once: max_connections were open */
    uint64_t connections_open;     /* now */
    uint64_t requests;             /* request heads received */
    uint64_t dispatched;           /* deliveries handed to the dispatcher and answered 200 */
    uint64_t replied_with_method;  /* ... of which answered with a method call in the body */
    uint64_t retry_later;          /* ... of which answered 503: a middleware said TG_RETRY_LATER */
    uint64_t undecodable;          /* ... of which a JSON object the dispatcher could not decode */
    uint64_t unauthorized;         /* 401: secret header missing */
    uint64_t forbidden;            /* 403: secret header wrong */
    uint64_t not_found;            /* 404 */
    uint64_t method_not_allowed;   /* 405 */
    uint64_t length_required;      /* 411 */
    uint64_t body_too_large;       /* 413 */
    uint64_t header_too_large;     /* 431 */
    uint64_t bad_request;          /* 400: malformed HTTP */
    uint64_t bad_json;             /* 400: the body is not a JSON object */
    uint64_t timeouts;             /* dropped: request or answer not through within read_timeout_ms */
    uint64_t idle_closed;          /* keep-alive connections closed after idle_timeout_ms */
    uint64_t tls_failures;         /* handshake or record errors */
    uint64_t ip_refused;           /* allow/deny: closed at accept, or (via a trusted proxy) 403 */
    uint64_t forwarded_invalid;    /* 403: X-Forwarded-For from a trusted proxy did not parse */
    uint64_t source_connections_refused;   /* closed at accept: max_connections_per_source open */
    uint64_t rate_limited;         /* 429: requests_per_second */
    uint64_t sources_blocked;      /* blocks begun (block_after) */
    uint64_t blocked_refused;      /* connections closed or requests refused 403: the source is blocked */
    uint64_t sources_full;         /* refused: no slot in the source table */
    uint64_t sources_unblocked;    /* blocks ended */
    uint64_t pressure_blocks;      /* ... of sources_blocked, at the halved threshold (under pressure) */
    uint64_t tls_scored;           /* TLS handshake failures scored against their source */
    uint64_t accept_failures;      /* accept() calls that failed */
    uint64_t accept_pauses;        /* ... of which short of descriptors: accepting paused TG_WEBHOOK_ACCEPT_PAUSE_MS */
    uint64_t too_big_decoded;      /* authenticated bodies whose decoded form passed max_update_memory */
    uint64_t arena_trims;          /* the bot's arena brought back to its usual size after a big update */
    uint64_t evicted;              /* closed to make room (max_connections or no descriptor): the oldest
                                      connection that never carried the right secret */
} tg_webhook_stats;

/* one source in the table (tg_webhook_sources, on_blocked, on_unblocked) */
struct tg_webhook_source {
    tg_ip addr;                    /* an IPv4 address, or an IPv6 /64's network (the rest zero) */
    uint32_t score;                /* threat score now, in milli-points (block_score * 1000 blocks) */
    uint32_t connections;          /* open now */
    uint32_t blocked_ms;           /* the block's remaining time, 0 = not blocked */
    uint32_t blocks;               /* blocks so far */
};

#define TG_WEBHOOK_UNLIMITED UINT32_MAX
#define TG_WEBHOOK_ACCEPT_PAUSE_MS 100
/* threat score points per signal */
#define TG_WEBHOOK_SCORE_WRONG_SECRET 40
#define TG_WEBHOOK_SCORE_NO_SECRET 25
#define TG_WEBHOOK_SCORE_MALFORMED 34
#define TG_WEBHOOK_SCORE_OVERSIZE 25
#define TG_WEBHOOK_SCORE_OVER_RATE 10
#define TG_WEBHOOK_SCORE_SLOW 34
#define TG_WEBHOOK_SCORE_WRONG_PATH 20
#define TG_WEBHOOK_SCORE_TLS 34

/* for a loop of your own: the sockets the server waits on */
typedef struct tg_webhook_fd { int fd; bool read, write; } tg_webhook_fd;

TGBOT_API tg_err tg_webhook_new(tg_webhook **out, tg_dispatcher *d, const tg_webhook_desc *desc, tg_error *err);
TGBOT_API void tg_webhook_free(tg_webhook *w);                  /* closes every connection */
TGBOT_API uint16_t tg_webhook_port(const tg_webhook *w);        /* the bound port */
TGBOT_API void tg_webhook_get_stats(const tg_webhook *w, tg_webhook_stats *out);
/* Serves until tg_stop(dispatcher) or (handle_signals) SIGINT/SIGTERM, then stops gracefully. */
TGBOT_API tg_err tg_webhook_run(tg_webhook *w);
/* tg_webhook_new + tg_webhook_run + tg_webhook_free */
TGBOT_API tg_err tg_run_webhook(tg_dispatcher *d, const tg_webhook_desc *desc);
/* One round: waits up to timeout_ms (0 = no wait, -1 = until something happens) for the server's
   sockets, serves what is ready and drops connections past their deadline. In your own loop: poll
   your descriptors plus tg_webhook_fds() with at most tg_webhook_timeout_ms(), then call
   tg_webhook_step(w, 0). Returns TG_ERR_STOPPED once tg_stop() was called (after stopping gracefully). */
TGBOT_API tg_err tg_webhook_step(tg_webhook *w, int timeout_ms);
TGBOT_API size_t tg_webhook_fds(const tg_webhook *w, tg_webhook_fd *fds, size_t cap);  /* count (may exceed cap) */
TGBOT_API int tg_webhook_timeout_ms(const tg_webhook *w);       /* until the next deadline; -1 none */
/* the per-source table: up to cap sources (table order, scores decayed to now); returns how many
   there are (may exceed cap) */
TGBOT_API size_t tg_webhook_sources(const tg_webhook *w, tg_webhook_source *out, size_t cap);

/* Telegram's shortcut: answer this delivery with one Bot API call in the HTTP response body
   (`{"method":"sendMessage",...}`), which saves a request. Telegram never says whether that call
   worked: its result, and even its success, are unknowable. So it is refused (TG_ERR_ARG) for
   methods that spend Stars (sendGift, giftPremiumSubscription, upgradeGift, transferGift,
   convertGiftToStars, transferBusinessAccountStars, refundStarPayment) and for parameters that can
   spend them (allow_paid_broadcast, suggested_post_parameters): call those with the typed API and
   check the result. params_json is a JSON object (or NULL). One call per update (TG_ERR_LIMIT for
   a second); TG_ERR_UNSUPPORTED when the update did not come through the webhook server. */
TGBOT_API tg_err tg_webhook_reply(tg_ctx *ctx, const char *method, const char *params_json);
/* sendMessage with `text` to the update's chat, as the response body (see above) */
TGBOT_API tg_err tg_webhook_reply_text(tg_ctx *ctx, const char *text);

/* setWebhook / deleteWebhook helpers. secret_token: 1-256 characters of A-Z a-z 0-9 _ -. */
#define TG_WEBHOOK_SECRET_MAX 256
TGBOT_API bool tg_webhook_secret_valid(const char *secret);
/* writes a random secret of len characters (1..256; 0 = 32) and a NUL into out (len+1 bytes) */
TGBOT_API tg_err tg_webhook_secret_generate(tg_bot *bot, char *out, size_t len);
/* setWebhook with args (url required). The secret is checked before anything is sent (TG_ERR_ARG,
   phase VALIDATE). args->secret_token NULL and generated_secret non-NULL: a random 32-character
   secret is made, sent, and written to generated_secret (TG_WEBHOOK_SECRET_MAX+1 bytes). */
TGBOT_API tg_err tg_webhook_set(tg_bot *bot, const tg_set_webhook_args *args, char *generated_secret);
TGBOT_API tg_err tg_webhook_delete(tg_bot *bot, bool drop_pending_updates);
#endif /* TGBOT__HAS_WEBHOOK */
