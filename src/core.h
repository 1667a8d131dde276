/* core: errors, allocator, logger, platform hooks, strings, arena. Every other room builds on it. */

typedef struct tg_bot tg_bot;   /* opaque; see bot.h */

/* The version of the implementation that was linked: TGBOT_VERSION_STRING at the time it was built
   (compare with the header's TGBOT_VERSION_STRING when the implementation lives in another TU). */
TGBOT_API const char *tg_version(void);

/* ---- errors ---- one X-list so codes and texts never drift */
#define TG__ERR_LIST(X) \
    X(TG_OK,                 "ok") \
    X(TG_ERR_ARG,            "invalid argument") \
    X(TG_ERR_NOMEM,          "out of memory") \
    X(TG_ERR_LIMIT,          "a configured limit was exceeded") \
    X(TG_ERR_JSON,           "malformed JSON") \
    X(TG_ERR_UTF8,           "invalid UTF-8") \
    X(TG_ERR_DNS,            "name resolution failed") \
    X(TG_ERR_CONNECT,        "connection failed") \
    X(TG_ERR_TIMEOUT,        "timed out") \
    X(TG_ERR_IO,             "network I/O error") \
    X(TG_ERR_CLOSED,         "connection closed by peer") \
    X(TG_ERR_PROXY,          "proxy error") \
    X(TG_ERR_TLS,            "TLS error") \
    X(TG_ERR_TLS_UNTRUSTED,  "TLS: certificate not trusted") \
    X(TG_ERR_TLS_HOSTNAME,   "TLS: certificate does not match the host name") \
    X(TG_ERR_TLS_EXPIRED,    "TLS: certificate expired or not yet valid") \
    X(TG_ERR_HTTP,           "HTTP protocol error") \
    X(TG_ERR_API,            "the Bot API returned an error") \
    X(TG_ERR_OUTCOME_UNKNOWN,"the request may have reached Telegram; outcome unknown, not retried") \
    X(TG_ERR_STOPPED,        "stopped") \
    X(TG_ERR_UNSUPPORTED,    "not supported in this build") \
    X(TG_ERR_NOT_FOUND,      "not found") \
    X(TG_ERR_TYPE,           "value has an unexpected type") \
    X(TG_ERR_PROXY_AUTH,     "proxy: authentication failed (wrong or missing credentials)") \
    X(TG_ERR_BREAKER_OPEN,   "circuit breaker open: the call was not sent") \
    X(TG_ERR_SIGNATURE,      "signature does not match (data not from Telegram, or another bot's)") \
    X(TG_ERR_EXPIRED,        "signed data is older than the allowed age") \
    X(TG_ERR_BUSY,           "not sent: the bot is busy (calls nested too deep, or too many in flight)") \
    X(TG_ERR_REPLAY,         "signed request already seen, or too old to tell (replay)") \
    X(TG_ERR_AGAIN,          "not processed now: the update is to be delivered again later") \
    X(TG_ERR_PENDING,        "submitted: the result comes to the completion callback") \
    X(TG_ERR_CANCELLED,      "cancelled before any byte was sent")

typedef enum tg_err {
#define TG__ERR_ENUM(name, text) name,
    TG__ERR_LIST(TG__ERR_ENUM)
#undef TG__ERR_ENUM
    TG__ERR_COUNT
} tg_err;

typedef enum tg_err_kind {
    TG_KIND_NONE = 0, TG_KIND_NETWORK, TG_KIND_TLS, TG_KIND_HTTP, TG_KIND_JSON,
    TG_KIND_VALIDATION, TG_KIND_TELEGRAM, TG_KIND_INTERNAL
} tg_err_kind;

typedef enum tg_phase {
    TG_PHASE_NONE = 0, TG_PHASE_VALIDATE, TG_PHASE_RESOLVE, TG_PHASE_CONNECT, TG_PHASE_PROXY,
    TG_PHASE_TLS, TG_PHASE_SEND, TG_PHASE_RECV_HEADERS, TG_PHASE_RECV_BODY, TG_PHASE_DECODE,
    TG_PHASE_API
} tg_phase;

typedef struct tg_error {
    tg_err code;
    tg_phase phase;
    int http_status;             /* HTTP status of the response, 0 if none */
    int error_code;              /* Telegram's error_code, 0 if none */
    int32_t retry_after;         /* parameters.retry_after (seconds), 0 if none */
    int64_t migrate_to_chat_id;  /* parameters.migrate_to_chat_id, 0 if none */
    int sys_errno;               /* errno of a failed system call */
    int tls_code;                /* backend-specific TLS error */
    bool request_sent;           /* some request bytes may have reached the server */
    char method[64];             /* Bot API method, never the URL (the URL holds the token) */
    char description[256];       /* human-readable; Telegram's description for TG_ERR_API */
} tg_error;

TGBOT_API const char *tg_err_str(tg_err code);
TGBOT_API tg_err_kind tg_err_kind_of(tg_err code);
TGBOT_API const char *tg_phase_str(tg_phase phase);

/* ---- hooks ---- zero-initialised members mean "library default" */
typedef struct tg_allocator {
    void *(*alloc)(size_t n, void *ud);
    void *(*realloc)(void *p, size_t old_n, size_t new_n, void *ud);
    void (*free)(void *p, size_t n, void *ud);
    void *ud;
} tg_allocator;

typedef enum tg_log_level {
    TG_LOG_NONE = 0, TG_LOG_ERROR, TG_LOG_WARN, TG_LOG_INFO, TG_LOG_DEBUG
} tg_log_level;

typedef struct tg_logger {
    void (*fn)(void *ud, tg_log_level level, const char *msg);   /* NULL = silent */
    void *ud;
    tg_log_level level;                                          /* 0 = TG_LOG_INFO */
} tg_logger;

TGBOT_API void tg_log_stderr(void *ud, tg_log_level level, const char *msg);  /* a stock logger */

typedef struct tg_platform {
    uint64_t (*now_ms)(void *ud);                  /* monotonic milliseconds */
    int64_t (*wall_time)(void *ud);                /* Unix seconds (TLS certificate validity) */
    int (*random)(void *ud, void *buf, size_t n);  /* 0 on success */
    void (*sleep_ms)(void *ud, uint32_t ms);       /* back-off waits; tests inject a fake */
    void *ud;
} tg_platform;

typedef struct tg_str { const char *ptr; size_t len; } tg_str;

/* ---- arena: bump allocation, freed all at once; reset keeps the blocks for reuse ---- */
typedef struct tg__arena_block tg__arena_block;
typedef struct tg_arena {
    tg__arena_block *head;      /* block being filled */
    tg__arena_block *spare;     /* blocks kept by reset/rewind for reuse */
    size_t high_water;          /* most bytes in use at once (diagnostics, tests) */
    const tg_allocator *alloc;
} tg_arena;

TGBOT_API void tg_arena_init(tg_arena *a, const tg_allocator *alloc);
/* aligned for any type (as max_align_t: 16 bytes on x86-64, 8 on armhf), given an allocator that
   aligns like malloc; NULL on OOM */
TGBOT_API void *tg_arena_alloc(tg_arena *a, size_t n);
TGBOT_API char *tg_arena_strndup(tg_arena *a, const char *s, size_t n);
TGBOT_API size_t tg_arena_mark(const tg_arena *a);
TGBOT_API void tg_arena_rewind(tg_arena *a, size_t mark);       /* frees everything allocated after mark */
TGBOT_API void tg_arena_reset(tg_arena *a);
TGBOT_API void tg_arena_free(tg_arena *a);
