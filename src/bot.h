/* bot: the bot object, the call pipeline, errors. Generated methods (gen/api.h) and the generic
   tg_call all go through it.

   Memory: every result a call returns (typed structs, strings, raw JSON) lives in the bot's arena
   until tg_bot_reset(bot). A loop that calls and then resets stays flat in memory:
       for (;;) { tg_get_me(bot, NULL, &me); use(me); tg_bot_reset(bot); }
   Inside an update handler the dispatcher resets after the handler returns.

   Retries: reads and idempotent calls are retried on network errors, 5xx, answers that are not a
   Bot API envelope and 429 (with exponential back-off and jitter, honouring retry_after). A call
   that sends something or spends Stars is retried only when the library knows the request did not
   reach Telegram (connection refused, a stale connection that took no byte) or Telegram rejected it
   with 429. Once any byte of it may have reached the server, only a complete, well-formed
   {"ok":true,...} or an ok:false with a 4xx error_code is an outcome; anything else (a TLS error
   after the request was written, a 502/503/504 page or any non-JSON body, a 500 with a JSON error,
   a 200 whose body is cut or not valid JSON, a timeout, a reset) fails with TG_ERR_OUTCOME_UNKNOWN,
   request_sent set, and is never repeated silently.

   Calls from callbacks: every call owns its state, so the API may be called from any callback
   (handlers, on_sent, on_error, on_retry, on_rate_limited, on_throttled, on_breaker, a completion
   callback); such calls nest at most 3 deep (deeper ones fail with TG_ERR_BUSY and send nothing).
   Not from a logger. Do not call tg_bot_reset from a callback. Async calls and the loop: async.h. */

typedef struct tg_json_value { const tg_json_doc *doc; uint32_t tok; } tg_json_value;

/* The settings of the optional modules are declared in every build, and tg_bot_desc always has
   the same members: a file built with the module switches and one built without them agree on its
   layout (switches remove code, never members). A module that is compiled out ignores its settings. */

typedef struct tg_store tg_store;   /* store.h (TGBOT_ENABLE_STORE); named here for the descs below */
/* Cache settings (TGBOT_ENABLE_CACHE; see cache.h). Off unless enabled; zero bounds = the defaults. */
typedef struct tg_cache_desc {
    bool enabled;             /* cache read answers for this bot (tg_cache_enable does the same later) */
    uint32_t max_entries;     /* 0: 256 */
    size_t max_bytes;         /* 0: 1 MiB (keys, bodies and bookkeeping) */
    tg_store *shared;         /* NULL: entries in this process; else kept in this store and shared by
                                 every bot of the same token using it (TGBOT_ENABLE_STORE; cache.h) */
} tg_cache_desc;
/* Rate limiter settings (TGBOT_ENABLE_RATELIMIT; see ratelimit.h). Zero everywhere = Telegram's
   published limits: 30 messages/s per bot, 1/s per private chat, 20/min per group or channel,
   1000/s for paid broadcasts (allow_paid_broadcast=true). */
typedef struct tg_ratelimit_desc {
    bool disabled;            /* no limiting for this bot */
    bool fail_fast;           /* never wait: a call that would have to wait fails with TG_ERR_LIMIT */
    uint32_t max_wait_ms;     /* 0: no bound; a wait longer than this fails with TG_ERR_LIMIT */
    uint32_t global_per_s;    /* 0: 30 (sliding window over 1 s) */
    uint32_t private_per_s;   /* 0: 1  (leaky bucket) */
    uint32_t private_burst;   /* 0: 1  (messages a private chat may get back to back) */
    uint32_t group_per_min;   /* 0: 20 (sliding window over 60 s; chat_id < 0 or "@name") */
    uint32_t paid_per_s;      /* 0: 1000 (token bucket; replaces the global lane for paid broadcasts) */
    uint32_t recover_ms;      /* 0: 60000: after a 429 pause the scope runs at half rate, back to full over this */
    tg_store *store;          /* NULL: limits kept in this process. A store (e.g. Redis, store.h) shares the
                                 lanes with every process sending for this token: see ratelimit.h */
} tg_ratelimit_desc;
/* Circuit breaker settings (TGBOT_ENABLE_BREAKER; see breaker.h). Zero = the defaults. */
typedef struct tg_breaker_desc {
    bool disabled;            /* no breaker for this bot */
    uint32_t failures;        /* 0: 10 consecutive failed attempts open it */
    uint32_t open_ms;         /* 0: 30000: how long it stays open before letting probes through */
    uint32_t probes;          /* 0: 1: successful probes in half-open that close it */
} tg_breaker_desc;

/* The engine every call runs on (async.h). Zero = the defaults. */
typedef struct tg_engine_desc {
    uint32_t max_connections; /* 0: 8 keep-alive connections to the API host (at most 1024) */
    uint32_t max_queued;      /* 0: 1024 calls in flight at most */
    bool wait_when_full;      /* a submit beyond max_queued drives the loop instead of failing TG_ERR_BUSY */
} tg_engine_desc;

typedef struct tg_bot_desc {
    const char *token;        /* NULL: token_file, then the TELEGRAM_BOT_TOKEN environment variable */
    const char *token_file;   /* a file whose first line is the token */
    const char *base_url;     /* NULL: "https://api.telegram.org"; e.g. "http://127.0.0.1:8081" */
    bool test_environment;    /* Telegram's test environment (/bot<token>/test/<method>) */
    tg_proxy proxy;
    tg_tls_options tls;
    tg_http_limits limits;
    tg_timeouts timeouts;
    uint32_t max_retries;     /* 0: 3 */
    tg_allocator allocator;
    tg_logger logger;
    tg_platform platform;
    void *user_data;
    tg_cache_desc cache;          /* TGBOT_ENABLE_CACHE */
    tg_ratelimit_desc ratelimit;  /* TGBOT_ENABLE_RATELIMIT */
    tg_breaker_desc breaker;      /* TGBOT_ENABLE_BREAKER */
    tg_engine_desc engine;
} tg_bot_desc;

TGBOT_API tg_err tg_bot_new(tg_bot **out, const tg_bot_desc *desc, tg_error *err);
TGBOT_API void tg_bot_free(tg_bot *bot);                  /* also wipes the token from memory */
TGBOT_API const tg_error *tg_bot_last_error(const tg_bot *bot);
TGBOT_API void tg_bot_reset(tg_bot *bot);                 /* releases every result since the last reset */
TGBOT_API tg_arena *tg_bot_arena(tg_bot *bot);
TGBOT_API void *tg_bot_user_data(const tg_bot *bot);
TGBOT_API int64_t tg_bot_id(const tg_bot *bot);           /* the numeric part of the token */

/* Calls any method by name with raw JSON parameters (an object, or NULL for none); result points
   at the "result" value of the answer (NULL: ignore it). For methods newer than the generated API. */
TGBOT_API tg_err tg_call(tg_bot *bot, const char *method, const char *params_json, tg_json_value *result);

/* Downloads a file from Telegram's file endpoint (/file/bot<token>/<file_path>), file_path being
   what getFile returned. The bytes live in the bot's arena until tg_bot_reset, like every result;
   a file over max_bytes (0: TGBOT_DOWNLOAD_MAX, 20 MiB: the cloud Bot API's own download limit) is
   refused with TG_ERR_LIMIT before it is read whole. Retried like a read. With a local Bot API server
   started with --local, getFile returns an absolute path on that machine: read the file directly. */
TGBOT_API tg_err tg_download_file(tg_bot *bot, const char *file_path, size_t max_bytes, tg_str *out);
/* getFile, then tg_download_file */
TGBOT_API tg_err tg_download_file_id(tg_bot *bot, const char *file_id, size_t max_bytes, tg_str *out);

/* Stages: every call passes one chain of stages: the built-in cache (may answer it), circuit
   breaker (may refuse it), rate limiter (may delay or refuse it) and analytics (sees it end), then
   the user's stages in the order added. admit runs before each attempt (return non-zero, err filled,
   to refuse the call: nothing is sent, on_error fires), outcome after each attempt, done once when
   the call ends, refused included (ms: from submit to end); a call answered from the cache skips
   every later stage. Hooks may be NULL; they may call the API. */
typedef struct tg_call_info {
    uint32_t id;                  /* the call's id (async.h) */
    const char *method;           /* "sendMessage"; "downloadFile" for file downloads */
    const char *params;           /* the JSON parameters ("{}" for none) */
    size_t params_len;
    uint32_t attempt;             /* 0 for the first */
    bool read, sends, spends;     /* the method's class: a read; sends something; spends Stars */
} tg_call_info;
typedef struct tg_stage {
    tg_err (*admit)(void *ud, const tg_call_info *call, tg_error *err);
    void (*outcome)(void *ud, const tg_call_info *call, tg_err code, const tg_error *err);
    void (*done)(void *ud, const tg_call_info *call, tg_err code, const tg_error *err, uint64_t ms);
    void *ud;
} tg_stage;
TGBOT_API tg_err tg_bot_add_stage(tg_bot *bot, const tg_stage *stage);   /* TG_ERR_LIMIT beyond 8 */

TGBOT_API bool tg_error_is_unauthorized(const tg_error *e);      /* 401: bad token */
TGBOT_API bool tg_error_is_forbidden(const tg_error *e);         /* 403: e.g. the bot was blocked by the user */
TGBOT_API bool tg_error_is_bad_request(const tg_error *e);       /* 400 */
TGBOT_API bool tg_error_is_not_found(const tg_error *e);         /* 404 */
TGBOT_API bool tg_error_is_conflict(const tg_error *e);          /* 409: webhook set / another poller */
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e); /* 429: see retry_after */
