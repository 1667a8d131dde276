/* tgbot.h -- a single-header C library for the Telegram Bot API.
   Version 0.1.0, Bot API 10.3. MIT licence (text at the end of this file).

   GENERATED FILE: tgbot.h is written by ./amalgamate from src/. Edit src/, then run ./amalgamate.

   QUICK START
       // in exactly ONE .c file:
       #define TGBOT_IMPLEMENTATION
       // everywhere else just #include "tgbot.h"
   Compile lines (Debian):
       BearSSL (default): cc -std=c99 app.c -I/usr/include/bearssl -lbearssl
       mbedTLS:           cc -std=c99 -DTGBOT_TLS_MBEDTLS app.c -lmbedtls -lmbedx509 -lmbedcrypto
       no TLS:            cc -std=c99 -DTGBOT_TLS_NONE app.c     (plain http://, e.g. a local Bot API server)

   CONTENTS
       configuration macros . module switches . memory and lifetimes . errors . threading
       core (errors, allocator, logger, platform hooks, arena) . json . http options . bot . Bot API
       (generated) . updates (polling, dispatcher) . optional modules . implementation . licence

   CONFIGURATION MACROS (define before including; all optional)
       TGBOT_IMPLEMENTATION     emit the implementation in this translation unit
       TGBOT_STATIC             make every function static (private copy per TU)
       TGBOT_API                override the linkage of public functions (default: extern)
       TGBOT_USER_CONFIG        "file.h" included first, for vendored builds
       TGBOT_TLS_BEARSSL        TLS through BearSSL (default)
       TGBOT_TLS_MBEDTLS        TLS through mbedTLS 2.28+
       TGBOT_TLS_NONE           no TLS: only http:// base URLs work
       TGBOT_MALLOC(n,ud) TGBOT_REALLOC(p,n,ud) TGBOT_FREE(p,ud)
                                default allocator (all three or none); default malloc/realloc/free.
                                A per-bot tg_allocator overrides it at run time.
       TGBOT_ASSERT(c)          programmer-error checks; default assert(c). Never used on network input.
       TGBOT_JSON_MAX_DEPTH     default JSON nesting limit (64; hard cap 1024)
       TGBOT_DOWNLOAD_MAX       default size limit of tg_download_file (20 MiB, the cloud API's limit)
       TGBOT_WEBAPP_MAX         longest initData / Login Widget query tg_webapp_validate takes (8192)
       TGBOT_RATELIMIT_CHATS    per-chat states the rate limiter keeps per bot (256, LRU-evicted)

   MODULE SWITCHES (off by default; "#define X" or "#define X 1" = on, "#define X 0" = off)
       TGBOT_ENABLE_CACHE       TTL+LRU cache for read methods (opt-in per bot: cache.h)
       TGBOT_ENABLE_RATELIMIT   Telegram's limits per scope, 429 pauses per chat (ratelimit.h)
       TGBOT_ENABLE_BREAKER     circuit breaker, closed/open/half-open     (breaker.h)
       TGBOT_ENABLE_ANALYTICS   metrics, Prometheus/JSON export (opt-in per bot: tg_analytics_enable)
       TGBOT_ENABLE_WEBHOOK     HTTP/1.1 webhook server (+TLS)
       TGBOT_ENABLE_ASYNC       many requests in flight                   (module not written yet)
       TGBOT_ENABLE_ALL         all of the above
   A switch that is off removes its module entirely. Build with -Wundef: every switch is normalised
   here into an internal 0/1 macro (TGBOT__HAS_*), so a misspelt one is caught.

   MEMORY AND LIFETIMES
       No per-field frees. Every result a call returns (typed or raw JSON) lives in the bot's arena
       until tg_bot_reset(bot); inside an update handler the dispatcher resets after the handler
       returns. Strings in results point into the response buffer (decoded in place).

   ERRORS
       Every fallible function returns tg_err (0 = TG_OK) and fills a tg_error with the kind, the
       phase, Telegram's error_code/description, retry_after and migrate_to_chat_id. The library never
       aborts on bad input and never prints except through the logger you give it. The bot token
       never appears in an error message or a log line.

   THREADING
       The library runs on the caller's thread and starts no threads. One bot per thread, or lock.
*/
#ifndef TGBOT_H
#define TGBOT_H

#define TGBOT_VERSION_MAJOR 0
#define TGBOT_VERSION_MINOR 1
#define TGBOT_VERSION_PATCH 0
#define TGBOT_VERSION_STRING "0.1.0"
/* TGBOT_BOTAPI_VERSION, TGBOT_BOTAPI_METHODS, TGBOT_BOTAPI_TYPES: generated, in the Bot API section */

#ifdef TGBOT_USER_CONFIG
#include TGBOT_USER_CONFIG
#endif

/* The implementation needs POSIX.1-2008 (getaddrinfo, clock_gettime, poll); request it before the
   first system header. If your file includes system headers before tgbot.h, compile with
   -D_DEFAULT_SOURCE (or include tgbot.h first). */
#if defined(TGBOT_IMPLEMENTATION) && !defined(_WIN32)
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#endif

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

/* ---- switch normalisation: on when defined empty or non-zero, off when undefined or 0 ---- */
#if defined(TGBOT_ENABLE_ALL) && ((0 - TGBOT_ENABLE_ALL - 1) != -1)
#define TGBOT__ALL 1
#else
#define TGBOT__ALL 0
#endif
#if TGBOT__ALL || (defined(TGBOT_ENABLE_CACHE) && ((0 - TGBOT_ENABLE_CACHE - 1) != -1))
#define TGBOT__HAS_CACHE 1
#else
#define TGBOT__HAS_CACHE 0
#endif
#if TGBOT__ALL || (defined(TGBOT_ENABLE_RATELIMIT) && ((0 - TGBOT_ENABLE_RATELIMIT - 1) != -1))
#define TGBOT__HAS_RATELIMIT 1
#else
#define TGBOT__HAS_RATELIMIT 0
#endif
#if TGBOT__ALL || (defined(TGBOT_ENABLE_BREAKER) && ((0 - TGBOT_ENABLE_BREAKER - 1) != -1))
#define TGBOT__HAS_BREAKER 1
#else
#define TGBOT__HAS_BREAKER 0
#endif
#if TGBOT__ALL || (defined(TGBOT_ENABLE_ANALYTICS) && ((0 - TGBOT_ENABLE_ANALYTICS - 1) != -1))
#define TGBOT__HAS_ANALYTICS 1
#else
#define TGBOT__HAS_ANALYTICS 0
#endif
#if TGBOT__ALL || (defined(TGBOT_ENABLE_WEBHOOK) && ((0 - TGBOT_ENABLE_WEBHOOK - 1) != -1))
#define TGBOT__HAS_WEBHOOK 1
#else
#define TGBOT__HAS_WEBHOOK 0
#endif
#if TGBOT__ALL || (defined(TGBOT_ENABLE_ASYNC) && ((0 - TGBOT_ENABLE_ASYNC - 1) != -1))
#define TGBOT__HAS_ASYNC 1
#else
#define TGBOT__HAS_ASYNC 0
#endif

/* TLS backend: exactly one. */
#if defined(TGBOT_TLS_MBEDTLS) && defined(TGBOT_TLS_NONE)
#error "tgbot.h: define at most one of TGBOT_TLS_BEARSSL, TGBOT_TLS_MBEDTLS, TGBOT_TLS_NONE"
#endif
#if defined(TGBOT_TLS_BEARSSL) && (defined(TGBOT_TLS_MBEDTLS) || defined(TGBOT_TLS_NONE))
#error "tgbot.h: define at most one of TGBOT_TLS_BEARSSL, TGBOT_TLS_MBEDTLS, TGBOT_TLS_NONE"
#endif
#if defined(TGBOT_TLS_MBEDTLS)
#define TGBOT__TLS_BEARSSL 0
#define TGBOT__TLS_MBEDTLS 1
#define TGBOT__TLS_NONE 0
#elif defined(TGBOT_TLS_NONE)
#define TGBOT__TLS_BEARSSL 0
#define TGBOT__TLS_MBEDTLS 0
#define TGBOT__TLS_NONE 1
#else
#define TGBOT__TLS_BEARSSL 1
#define TGBOT__TLS_MBEDTLS 0
#define TGBOT__TLS_NONE 0
#endif

/* Allocator macros: all or none. */
#if defined(TGBOT_MALLOC) || defined(TGBOT_REALLOC) || defined(TGBOT_FREE)
#if !defined(TGBOT_MALLOC) || !defined(TGBOT_REALLOC) || !defined(TGBOT_FREE)
#error "tgbot.h: define all of TGBOT_MALLOC, TGBOT_REALLOC and TGBOT_FREE, or none"
#endif
#endif

#ifndef TGBOT_JSON_MAX_DEPTH
#define TGBOT_JSON_MAX_DEPTH 64
#endif
#ifndef TGBOT_DOWNLOAD_MAX
#define TGBOT_DOWNLOAD_MAX ((size_t)20 << 20)
#endif

/* ---- linkage ---- */
#ifndef TGBOT_API
#if defined(TGBOT_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define TGBOT_API static __attribute__((unused))
#elif defined(TGBOT_STATIC)
#define TGBOT_API static
#elif defined(_WIN32) && defined(TGBOT_DLL) && defined(TGBOT_IMPLEMENTATION)
#define TGBOT_API __declspec(dllexport)
#elif defined(_WIN32) && defined(TGBOT_DLL)
#define TGBOT_API __declspec(dllimport)
#else
#define TGBOT_API extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== src/core.h ==== */
/* core: errors, allocator, logger, platform hooks, strings, arena. Every other room builds on it. */

typedef struct tg_bot tg_bot;   /* opaque; see bot.h */

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
    X(TG_ERR_EXPIRED,        "signed data is older than the allowed age")

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
TGBOT_API void *tg_arena_alloc(tg_arena *a, size_t n);          /* 16-byte aligned; NULL on OOM */
TGBOT_API char *tg_arena_strndup(tg_arena *a, const char *s, size_t n);
TGBOT_API size_t tg_arena_mark(const tg_arena *a);
TGBOT_API void tg_arena_rewind(tg_arena *a, size_t mark);       /* frees everything allocated after mark */
TGBOT_API void tg_arena_reset(tg_arena *a);
TGBOT_API void tg_arena_free(tg_arena *a);

/* ==== src/json.h ==== */
/* json: a strict RFC 8259 tokenizer that decodes strings in place, typed accessors, and a writer.

   Tokens are flat: a container is followed by its children; `next` jumps over a whole subtree.
   Objects hold key,value,key,value...; a key is a STRING token. Nothing is allocated while parsing.

   Numbers: tg_json_i64 is exact for every integer in [-2^63, 2^63-1]; "-0" reads as 0; an integer
   outside that range (12345678901234567890) or any number with a fraction/exponent makes tg_json_i64
   return false (never a wrapped value). tg_json_f64 reads any number independently of the C locale;
   a value beyond the double range (1e400) makes it return false. */

typedef enum tg_json_type {
    TG_JSON_NONE = 0, TG_JSON_OBJECT, TG_JSON_ARRAY, TG_JSON_STRING, TG_JSON_NUMBER,
    TG_JSON_TRUE, TG_JSON_FALSE, TG_JSON_NULL
} tg_json_type;

typedef struct tg_json_tok {
    uint32_t type;   /* tg_json_type in the low 8 bits (flags above: use tg_json_type_of) */
    uint32_t start;  /* strings: first byte of the decoded, NUL-terminated text; others: first byte */
    uint32_t len;    /* strings: decoded length; numbers: text length; containers: byte span */
    uint32_t next;   /* index of the token after this one's subtree */
    uint32_t count;  /* object: members; array: elements */
} tg_json_tok;

typedef struct tg_json_opts {
    uint32_t max_depth;   /* 0 = TGBOT_JSON_MAX_DEPTH; never more than 1024 */
    size_t max_bytes;     /* 0 = 4 GiB - 1 */
} tg_json_opts;

typedef struct tg_json_doc {
    char *buf; size_t len;           /* the parsed input, modified in place */
    tg_json_tok *toks; uint32_t ntoks, cap;
    uint32_t needed;                 /* tokens the document needs (set also on a token shortage) */
    size_t err_offset;               /* on error: byte offset */
    const char *err_reason;          /* on error: static text */
} tg_json_doc;

#define TG_JSON_NOTFOUND 0xFFFFFFFFu

/* Parses buf[0..len) in place. toks == NULL only counts (doc->needed). Returns TG_OK, TG_ERR_JSON,
   TG_ERR_UTF8, or TG_ERR_LIMIT (depth, size, or too few tokens: see doc->needed). */
TGBOT_API tg_err tg_json_parse(tg_json_doc *doc, char *buf, size_t len, tg_json_tok *toks,
                               uint32_t cap, const tg_json_opts *opts);

TGBOT_API tg_json_type tg_json_type_of(const tg_json_doc *d, uint32_t t);
TGBOT_API uint32_t tg_json_get(const tg_json_doc *d, uint32_t obj, const char *key);
TGBOT_API uint32_t tg_json_at(const tg_json_doc *d, uint32_t arr, uint32_t i);
TGBOT_API uint32_t tg_json_path(const tg_json_doc *d, uint32_t root, const char *path); /* "a.b[0].c" */
TGBOT_API bool tg_json_i64(const tg_json_doc *d, uint32_t t, int64_t *out);
TGBOT_API bool tg_json_f64(const tg_json_doc *d, uint32_t t, double *out);
TGBOT_API bool tg_json_bool(const tg_json_doc *d, uint32_t t, bool *out);
TGBOT_API bool tg_json_str(const tg_json_doc *d, uint32_t t, const char **s, size_t *len);
/* source text of a number, true, false or null (containers: use tg_json_write_value) */
TGBOT_API bool tg_json_raw(const tg_json_doc *d, uint32_t t, const char **p, size_t *len);

/* Writer: commas and colons are automatic; the first error sticks in w->err; a fixed buffer that
   is too small gives TG_ERR_LIMIT (never silent truncation). The text is NUL-terminated while
   err == TG_OK. */
#define TG_JSON_WRITER_DEPTH 64
typedef struct tg_json_writer {
    char *buf; size_t len, cap;
    const tg_allocator *alloc; bool growable;
    tg_err err;
    uint32_t depth;
    uint8_t first[TG_JSON_WRITER_DEPTH];   /* per level: no element written yet */
} tg_json_writer;

TGBOT_API void tg_json_writer_init(tg_json_writer *w, char *buf, size_t cap);
TGBOT_API void tg_json_writer_init_grow(tg_json_writer *w, const tg_allocator *a);
TGBOT_API void tg_json_writer_reset(tg_json_writer *w);
TGBOT_API void tg_json_writer_free(tg_json_writer *w);
TGBOT_API void tg_json_obj_begin(tg_json_writer *w);
TGBOT_API void tg_json_obj_end(tg_json_writer *w);
TGBOT_API void tg_json_arr_begin(tg_json_writer *w);
TGBOT_API void tg_json_arr_end(tg_json_writer *w);
TGBOT_API void tg_json_key(tg_json_writer *w, const char *key);
TGBOT_API void tg_json_write_str(tg_json_writer *w, const char *s);
TGBOT_API void tg_json_write_strn(tg_json_writer *w, const char *s, size_t n);
TGBOT_API void tg_json_write_i64(tg_json_writer *w, int64_t v);
TGBOT_API void tg_json_write_f64(tg_json_writer *w, double v);   /* NaN/Inf: TG_ERR_ARG */
TGBOT_API void tg_json_write_bool(tg_json_writer *w, bool v);
TGBOT_API void tg_json_write_null(tg_json_writer *w);
TGBOT_API void tg_json_write_raw(tg_json_writer *w, const char *json, size_t n);
/* adds the members of a raw JSON object ("{...}") to the object being written */
TGBOT_API tg_err tg_json_merge_object(tg_json_writer *w, const char *object_json);
/* re-encodes a parsed value (any type, whole subtree) */
TGBOT_API void tg_json_write_value(tg_json_writer *w, const tg_json_doc *d, uint32_t t);

/* ==== src/http.h ==== */
/* http (public part): the network options a bot is created with, and files to upload. */

typedef enum tg_proxy_type {
    TG_PROXY_NONE = 0, TG_PROXY_HTTP, TG_PROXY_SOCKS5, TG__PROXY_FORCE_U32 = 0x7FFFFFFF
} tg_proxy_type;

typedef struct tg_proxy {
    tg_proxy_type type;
    const char *host;
    uint16_t port;
    const char *username;   /* Basic auth (HTTP CONNECT) or RFC 1929 (SOCKS5) */
    const char *password;
    const char *url;        /* alternative: "http://user:pass@host:port", "socks5://..." or "socks5h://..." */
} tg_proxy;                 /* SOCKS5 always resolves the API host on the proxy (remote DNS) */

typedef struct tg_tls_options {
    const char *ca_file;          /* PEM bundle; NULL = probe the usual system paths */
    const char *ca_pem;           /* PEM text in memory instead of a file */
    const void *anchors;          /* compiled-in trust anchors (BearSSL br_x509_trust_anchor[]) */
    size_t anchors_count;
    const char *server_name;      /* name to verify instead of the URL's host */
} tg_tls_options;

typedef struct tg_http_limits {   /* 0 = default */
    uint32_t max_status_line;     /* 1 KiB */
    uint32_t max_header_bytes;    /* 16 KiB */
    uint32_t max_headers;         /* 64 */
    size_t max_body_bytes;        /* 64 MiB */
} tg_http_limits;

typedef struct tg_timeouts {      /* milliseconds, 0 = default */
    uint32_t connect_ms;          /* TCP + proxy + TLS handshake: 10 s */
    uint32_t request_ms;          /* whole request: 60 s (long polling adds its own poll time) */
    uint32_t idle_ms;             /* an unused keep-alive connection is closed after: 30 s */
} tg_timeouts;

/* A file to upload. Exactly one source: path (streamed from disk), data+size (memory), or a read
   callback (streamed; size 0 = unknown length, sent with chunked transfer encoding). Or id_or_url:
   send an existing file_id or an HTTP URL instead of uploading. */
typedef struct tg_input_file {
    const char *path;
    const void *data;
    size_t size;
    long (*read)(void *ud, void *buf, size_t n);   /* bytes read, 0 at the end, < 0 on error */
    void *read_ud;
    const char *filename;        /* default: the path's last component, or "file" */
    const char *mime_type;       /* default: application/octet-stream */
    const char *id_or_url;
} tg_input_file;

/* ==== src/bot.h ==== */
/* bot: the bot object, the call pipeline, errors. Generated methods (gen/api.h) and the generic
   tg_call all go through it.

   Memory: every result a call returns (typed structs, strings, raw JSON) lives in the bot's arena
   until tg_bot_reset(bot). A loop that calls and then resets stays flat in memory:
       for (;;) { tg_get_me(bot, NULL, &me); use(me); tg_bot_reset(bot); }
   Inside an update handler the dispatcher resets after the handler returns.

   Retries: reads and idempotent calls are retried on network errors, 5xx and 429 (with exponential
   back-off and jitter, honouring retry_after). A call that sends something or spends Stars is
   retried only when the library knows the request did not reach Telegram (connection refused, a
   stale connection that took no byte) or Telegram rejected it with 429; otherwise it fails with
   TG_ERR_OUTCOME_UNKNOWN and is never repeated silently. */

typedef struct tg_json_value { const tg_json_doc *doc; uint32_t tok; } tg_json_value;

#if TGBOT__HAS_CACHE
/* Cache settings (TGBOT_ENABLE_CACHE; see cache.h). Off unless enabled; zero bounds = the defaults. */
typedef struct tg_cache_desc {
    bool enabled;             /* cache read answers for this bot (tg_cache_enable does the same later) */
    uint32_t max_entries;     /* 0: 256 */
    size_t max_bytes;         /* 0: 1 MiB (keys, bodies and bookkeeping) */
} tg_cache_desc;
#endif
#if TGBOT__HAS_RATELIMIT
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
} tg_ratelimit_desc;
#endif
#if TGBOT__HAS_BREAKER
/* Circuit breaker settings (TGBOT_ENABLE_BREAKER; see breaker.h). Zero = the defaults. */
typedef struct tg_breaker_desc {
    bool disabled;            /* no breaker for this bot */
    uint32_t failures;        /* 0: 10 consecutive failed attempts open it */
    uint32_t open_ms;         /* 0: 30000: how long it stays open before letting probes through */
    uint32_t probes;          /* 0: 1: successful probes in half-open that close it */
} tg_breaker_desc;
#endif

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
#if TGBOT__HAS_CACHE
    tg_cache_desc cache;
#endif
#if TGBOT__HAS_RATELIMIT
    tg_ratelimit_desc ratelimit;
#endif
#if TGBOT__HAS_BREAKER
    tg_breaker_desc breaker;
#endif
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

TGBOT_API bool tg_error_is_unauthorized(const tg_error *e);      /* 401: bad token */
TGBOT_API bool tg_error_is_forbidden(const tg_error *e);         /* 403: e.g. the bot was blocked by the user */
TGBOT_API bool tg_error_is_bad_request(const tg_error *e);       /* 400 */
TGBOT_API bool tg_error_is_not_found(const tg_error *e);         /* 404 */
TGBOT_API bool tg_error_is_conflict(const tg_error *e);          /* 409: webhook set / another poller */
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e); /* 429: see retry_after */

/* ==== src/codec.h ==== */
/* codec (public part): shapes shared by the generated Bot API types and arguments. */

typedef struct tg_chat_ref {      /* "Integer or String": a numeric chat id or an @username */
    int64_t id;                   /* used when username is NULL; 0 + NULL = not sent */
    const char *username;
} tg_chat_ref;

typedef enum tg_flag {            /* a Boolean parameter whose Telegram default is True */
    TG_FLAG_UNSET = 0,            /* not sent: Telegram's default applies */
    TG_FLAG_TRUE,
    TG_FLAG_FALSE,
    TG__FLAG_FORCE_U32 = 0x7FFFFFFF
} tg_flag;

/* ==== src/gen/api_types.h ==== */
/* GENERATED by tools/gen_api.py from the Bot API 10.3 schema (src/gen/botapi-schema.json): do not edit. */
/* Types: https://core.telegram.org/bots/api#available-types  Methods: https://core.telegram.org/bots/api#available-methods
   Memory: see bot.h (results live in the bot arena until tg_bot_reset).
   Presence when encoding: 0 / NULL / false means "not sent", except: an array is sent when its
   pointer is non-NULL, even with count 0 (results = [] is a valid answer); an optional number
   whose Telegram default is not 0 has a has_<name> member that sends 0; a Boolean parameter
   whose default is True is a tg_flag. Required members are marked "required". An object
   parameter may instead be given as raw JSON in <name>_json; extra_json adds raw parameters. */
#define TGBOT_BOTAPI_VERSION "10.3"
#define TGBOT_BOTAPI_METHODS 185
#define TGBOT_BOTAPI_TYPES 400
typedef enum tg_type_id {
    TG_TYPE_UPDATE,
    TG_TYPE_WEBHOOK_INFO,
    TG_TYPE_USER,
    TG_TYPE_CHAT,
    TG_TYPE_CHAT_FULL_INFO,
    TG_TYPE_MESSAGE,
    TG_TYPE_MESSAGE_ID,
    TG_TYPE_INACCESSIBLE_MESSAGE,
    TG_TYPE_MAYBE_INACCESSIBLE_MESSAGE,
    TG_TYPE_MESSAGE_ENTITY,
    TG_TYPE_TEXT_QUOTE,
    TG_TYPE_EXTERNAL_REPLY_INFO,
    TG_TYPE_REPLY_PARAMETERS,
    TG_TYPE_EPHEMERAL_MESSAGE_PARAMETERS,
    TG_TYPE_MESSAGE_ORIGIN,
    TG_TYPE_MESSAGE_ORIGIN_USER,
    TG_TYPE_MESSAGE_ORIGIN_HIDDEN_USER,
    TG_TYPE_MESSAGE_ORIGIN_CHAT,
    TG_TYPE_MESSAGE_ORIGIN_CHANNEL,
    TG_TYPE_PHOTO_SIZE,
    TG_TYPE_ANIMATION,
    TG_TYPE_AUDIO,
    TG_TYPE_DOCUMENT,
    TG_TYPE_LIVE_PHOTO,
    TG_TYPE_STORY,
    TG_TYPE_VIDEO_QUALITY,
    TG_TYPE_VIDEO,
    TG_TYPE_VIDEO_NOTE,
    TG_TYPE_VOICE,
    TG_TYPE_PAID_MEDIA_INFO,
    TG_TYPE_PAID_MEDIA,
    TG_TYPE_PAID_MEDIA_LIVE_PHOTO,
    TG_TYPE_PAID_MEDIA_PHOTO,
    TG_TYPE_PAID_MEDIA_PREVIEW,
    TG_TYPE_PAID_MEDIA_VIDEO,
    TG_TYPE_CONTACT,
    TG_TYPE_DICE,
    TG_TYPE_LINK,
    TG_TYPE_POLL_MEDIA,
    TG_TYPE_INPUT_POLL_MEDIA,
    TG_TYPE_INPUT_POLL_OPTION_MEDIA,
    TG_TYPE_POLL_OPTION,
    TG_TYPE_INPUT_POLL_OPTION,
    TG_TYPE_POLL_ANSWER,
    TG_TYPE_POLL,
    TG_TYPE_CHECKLIST_TASK,
    TG_TYPE_CHECKLIST,
    TG_TYPE_INPUT_CHECKLIST_TASK,
    TG_TYPE_INPUT_CHECKLIST,
    TG_TYPE_LOCATION,
    TG_TYPE_VENUE,
    TG_TYPE_WEB_APP_DATA,
    TG_TYPE_PROXIMITY_ALERT_TRIGGERED,
    TG_TYPE_MESSAGE_AUTO_DELETE_TIMER_CHANGED,
    TG_TYPE_MANAGED_BOT_CREATED,
    TG_TYPE_MANAGED_BOT_UPDATED,
    TG_TYPE_BOT_SUBSCRIPTION_UPDATED,
    TG_TYPE_MESSAGE_GENERATION_STOPPED,
    TG_TYPE_POLL_OPTION_ADDED,
    TG_TYPE_POLL_OPTION_DELETED,
    TG_TYPE_CHAT_BOOST_ADDED,
    TG_TYPE_BACKGROUND_FILL,
    TG_TYPE_BACKGROUND_FILL_SOLID,
    TG_TYPE_BACKGROUND_FILL_GRADIENT,
    TG_TYPE_BACKGROUND_FILL_FREEFORM_GRADIENT,
    TG_TYPE_BACKGROUND_TYPE,
    TG_TYPE_BACKGROUND_TYPE_FILL,
    TG_TYPE_BACKGROUND_TYPE_WALLPAPER,
    TG_TYPE_BACKGROUND_TYPE_PATTERN,
    TG_TYPE_BACKGROUND_TYPE_CHAT_THEME,
    TG_TYPE_CHAT_BACKGROUND,
    TG_TYPE_CHECKLIST_TASKS_DONE,
    TG_TYPE_CHECKLIST_TASKS_ADDED,
    TG_TYPE_COMMUNITY_CHAT_ADDED,
    TG_TYPE_COMMUNITY_CHAT_JOINED,
    TG_TYPE_COMMUNITY_CHAT_REMOVED,
    TG_TYPE_FORUM_TOPIC_CREATED,
    TG_TYPE_FORUM_TOPIC_CLOSED,
    TG_TYPE_FORUM_TOPIC_EDITED,
    TG_TYPE_FORUM_TOPIC_REOPENED,
    TG_TYPE_GENERAL_FORUM_TOPIC_HIDDEN,
    TG_TYPE_GENERAL_FORUM_TOPIC_UNHIDDEN,
    TG_TYPE_SHARED_USER,
    TG_TYPE_USERS_SHARED,
    TG_TYPE_CHAT_SHARED,
    TG_TYPE_WRITE_ACCESS_ALLOWED,
    TG_TYPE_VIDEO_CHAT_SCHEDULED,
    TG_TYPE_VIDEO_CHAT_STARTED,
    TG_TYPE_VIDEO_CHAT_ENDED,
    TG_TYPE_VIDEO_CHAT_PARTICIPANTS_INVITED,
    TG_TYPE_PAID_MESSAGE_PRICE_CHANGED,
    TG_TYPE_DIRECT_MESSAGE_PRICE_CHANGED,
    TG_TYPE_SUGGESTED_POST_APPROVED,
    TG_TYPE_SUGGESTED_POST_APPROVAL_FAILED,
    TG_TYPE_SUGGESTED_POST_DECLINED,
    TG_TYPE_SUGGESTED_POST_PAID,
    TG_TYPE_SUGGESTED_POST_REFUNDED,
    TG_TYPE_GIVEAWAY_CREATED,
    TG_TYPE_GIVEAWAY,
    TG_TYPE_GIVEAWAY_WINNERS,
    TG_TYPE_GIVEAWAY_COMPLETED,
    TG_TYPE_LINK_PREVIEW_OPTIONS,
    TG_TYPE_SUGGESTED_POST_PRICE,
    TG_TYPE_SUGGESTED_POST_INFO,
    TG_TYPE_SUGGESTED_POST_PARAMETERS,
    TG_TYPE_DIRECT_MESSAGES_TOPIC,
    TG_TYPE_USER_PROFILE_PHOTOS,
    TG_TYPE_USER_PROFILE_AUDIOS,
    TG_TYPE_FILE,
    TG_TYPE_WEB_APP_INFO,
    TG_TYPE_REPLY_KEYBOARD_MARKUP,
    TG_TYPE_KEYBOARD_BUTTON,
    TG_TYPE_KEYBOARD_BUTTON_REQUEST_USERS,
    TG_TYPE_KEYBOARD_BUTTON_REQUEST_CHAT,
    TG_TYPE_KEYBOARD_BUTTON_REQUEST_MANAGED_BOT,
    TG_TYPE_KEYBOARD_BUTTON_POLL_TYPE,
    TG_TYPE_REPLY_KEYBOARD_REMOVE,
    TG_TYPE_INLINE_KEYBOARD_MARKUP,
    TG_TYPE_INLINE_KEYBOARD_BUTTON,
    TG_TYPE_LOGIN_URL,
    TG_TYPE_SWITCH_INLINE_QUERY_CHOSEN_CHAT,
    TG_TYPE_COPY_TEXT_BUTTON,
    TG_TYPE_DISABLED_BUTTON,
    TG_TYPE_CALLBACK_QUERY,
    TG_TYPE_FORCE_REPLY,
    TG_TYPE_COMMUNITY,
    TG_TYPE_CHAT_PHOTO,
    TG_TYPE_CHAT_INVITE_LINK,
    TG_TYPE_CHAT_ADMINISTRATOR_RIGHTS,
    TG_TYPE_CHAT_MEMBER_UPDATED,
    TG_TYPE_CHAT_MEMBER,
    TG_TYPE_CHAT_MEMBER_OWNER,
    TG_TYPE_CHAT_MEMBER_ADMINISTRATOR,
    TG_TYPE_CHAT_MEMBER_MEMBER,
    TG_TYPE_CHAT_MEMBER_RESTRICTED,
    TG_TYPE_CHAT_MEMBER_LEFT,
    TG_TYPE_CHAT_MEMBER_BANNED,
    TG_TYPE_CHAT_JOIN_REQUEST,
    TG_TYPE_CHAT_PERMISSIONS,
    TG_TYPE_BIRTHDATE,
    TG_TYPE_BUSINESS_INTRO,
    TG_TYPE_BUSINESS_LOCATION,
    TG_TYPE_BUSINESS_OPENING_HOURS_INTERVAL,
    TG_TYPE_BUSINESS_OPENING_HOURS,
    TG_TYPE_USER_RATING,
    TG_TYPE_STORY_AREA_POSITION,
    TG_TYPE_LOCATION_ADDRESS,
    TG_TYPE_STORY_AREA_TYPE,
    TG_TYPE_STORY_AREA_TYPE_LOCATION,
    TG_TYPE_STORY_AREA_TYPE_SUGGESTED_REACTION,
    TG_TYPE_STORY_AREA_TYPE_LINK,
    TG_TYPE_STORY_AREA_TYPE_WEATHER,
    TG_TYPE_STORY_AREA_TYPE_UNIQUE_GIFT,
    TG_TYPE_STORY_AREA,
    TG_TYPE_CHAT_LOCATION,
    TG_TYPE_REACTION_TYPE,
    TG_TYPE_REACTION_TYPE_EMOJI,
    TG_TYPE_REACTION_TYPE_CUSTOM_EMOJI,
    TG_TYPE_REACTION_TYPE_PAID,
    TG_TYPE_REACTION_COUNT,
    TG_TYPE_MESSAGE_REACTION_UPDATED,
    TG_TYPE_MESSAGE_REACTION_COUNT_UPDATED,
    TG_TYPE_FORUM_TOPIC,
    TG_TYPE_GIFT_BACKGROUND,
    TG_TYPE_GIFT,
    TG_TYPE_GIFTS,
    TG_TYPE_UNIQUE_GIFT_MODEL,
    TG_TYPE_UNIQUE_GIFT_SYMBOL,
    TG_TYPE_UNIQUE_GIFT_BACKDROP_COLORS,
    TG_TYPE_UNIQUE_GIFT_BACKDROP,
    TG_TYPE_UNIQUE_GIFT_COLORS,
    TG_TYPE_UNIQUE_GIFT,
    TG_TYPE_GIFT_INFO,
    TG_TYPE_UNIQUE_GIFT_INFO,
    TG_TYPE_OWNED_GIFT,
    TG_TYPE_OWNED_GIFT_REGULAR,
    TG_TYPE_OWNED_GIFT_UNIQUE,
    TG_TYPE_OWNED_GIFTS,
    TG_TYPE_BOT_ACCESS_SETTINGS,
    TG_TYPE_ACCEPTED_GIFT_TYPES,
    TG_TYPE_STAR_AMOUNT,
    TG_TYPE_BOT_COMMAND,
    TG_TYPE_BOT_COMMAND_SCOPE,
    TG_TYPE_BOT_COMMAND_SCOPE_DEFAULT,
    TG_TYPE_BOT_COMMAND_SCOPE_ALL_PRIVATE_CHATS,
    TG_TYPE_BOT_COMMAND_SCOPE_ALL_GROUP_CHATS,
    TG_TYPE_BOT_COMMAND_SCOPE_ALL_CHAT_ADMINISTRATORS,
    TG_TYPE_BOT_COMMAND_SCOPE_CHAT,
    TG_TYPE_BOT_COMMAND_SCOPE_CHAT_ADMINISTRATORS,
    TG_TYPE_BOT_COMMAND_SCOPE_CHAT_MEMBER,
    TG_TYPE_BOT_NAME,
    TG_TYPE_BOT_DESCRIPTION,
    TG_TYPE_BOT_SHORT_DESCRIPTION,
    TG_TYPE_MENU_BUTTON,
    TG_TYPE_MENU_BUTTON_COMMANDS,
    TG_TYPE_MENU_BUTTON_WEB_APP,
    TG_TYPE_MENU_BUTTON_DEFAULT,
    TG_TYPE_CHAT_BOOST_SOURCE,
    TG_TYPE_CHAT_BOOST_SOURCE_PREMIUM,
    TG_TYPE_CHAT_BOOST_SOURCE_GIFT_CODE,
    TG_TYPE_CHAT_BOOST_SOURCE_GIVEAWAY,
    TG_TYPE_CHAT_BOOST,
    TG_TYPE_CHAT_BOOST_UPDATED,
    TG_TYPE_CHAT_BOOST_REMOVED,
    TG_TYPE_CHAT_OWNER_LEFT,
    TG_TYPE_CHAT_OWNER_CHANGED,
    TG_TYPE_USER_CHAT_BOOSTS,
    TG_TYPE_BUSINESS_BOT_RIGHTS,
    TG_TYPE_BUSINESS_CONNECTION,
    TG_TYPE_BUSINESS_MESSAGES_DELETED,
    TG_TYPE_SENT_WEB_APP_MESSAGE,
    TG_TYPE_SENT_GUEST_MESSAGE,
    TG_TYPE_PREPARED_INLINE_MESSAGE,
    TG_TYPE_PREPARED_KEYBOARD_BUTTON,
    TG_TYPE_RESPONSE_PARAMETERS,
    TG_TYPE_INPUT_MEDIA,
    TG_TYPE_INPUT_MEDIA_ANIMATION,
    TG_TYPE_INPUT_MEDIA_AUDIO,
    TG_TYPE_INPUT_MEDIA_DOCUMENT,
    TG_TYPE_INPUT_MEDIA_LINK,
    TG_TYPE_INPUT_MEDIA_LIVE_PHOTO,
    TG_TYPE_INPUT_MEDIA_LOCATION,
    TG_TYPE_INPUT_MEDIA_PHOTO,
    TG_TYPE_INPUT_MEDIA_STICKER,
    TG_TYPE_INPUT_MEDIA_VENUE,
    TG_TYPE_INPUT_MEDIA_VIDEO,
    TG_TYPE_INPUT_MEDIA_VOICE_NOTE,
    TG_TYPE_INPUT_FILE,
    TG_TYPE_INPUT_PAID_MEDIA,
    TG_TYPE_INPUT_PAID_MEDIA_LIVE_PHOTO,
    TG_TYPE_INPUT_PAID_MEDIA_PHOTO,
    TG_TYPE_INPUT_PAID_MEDIA_VIDEO,
    TG_TYPE_INPUT_PROFILE_PHOTO,
    TG_TYPE_INPUT_PROFILE_PHOTO_STATIC,
    TG_TYPE_INPUT_PROFILE_PHOTO_ANIMATED,
    TG_TYPE_INPUT_STORY_CONTENT,
    TG_TYPE_INPUT_STORY_CONTENT_PHOTO,
    TG_TYPE_INPUT_STORY_CONTENT_VIDEO,
    TG_TYPE_STICKER,
    TG_TYPE_STICKER_SET,
    TG_TYPE_MASK_POSITION,
    TG_TYPE_INPUT_STICKER,
    TG_TYPE_RICH_MESSAGE,
    TG_TYPE_RICH_MESSAGE_BUTTON,
    TG_TYPE_INPUT_RICH_MESSAGE,
    TG_TYPE_INPUT_RICH_MESSAGE_MEDIA,
    TG_TYPE_RICH_TEXT,
    TG_TYPE_RICH_TEXT_BOLD,
    TG_TYPE_RICH_TEXT_ITALIC,
    TG_TYPE_RICH_TEXT_UNDERLINE,
    TG_TYPE_RICH_TEXT_STRIKETHROUGH,
    TG_TYPE_RICH_TEXT_SPOILER,
    TG_TYPE_RICH_TEXT_DATE_TIME,
    TG_TYPE_RICH_TEXT_TEXT_MENTION,
    TG_TYPE_RICH_TEXT_SUBSCRIPT,
    TG_TYPE_RICH_TEXT_SUPERSCRIPT,
    TG_TYPE_RICH_TEXT_MARKED,
    TG_TYPE_RICH_TEXT_CODE,
    TG_TYPE_RICH_TEXT_CUSTOM_EMOJI,
    TG_TYPE_RICH_TEXT_MATHEMATICAL_EXPRESSION,
    TG_TYPE_RICH_TEXT_URL,
    TG_TYPE_RICH_TEXT_EMAIL_ADDRESS,
    TG_TYPE_RICH_TEXT_PHONE_NUMBER,
    TG_TYPE_RICH_TEXT_BANK_CARD_NUMBER,
    TG_TYPE_RICH_TEXT_MENTION,
    TG_TYPE_RICH_TEXT_HASHTAG,
    TG_TYPE_RICH_TEXT_CASHTAG,
    TG_TYPE_RICH_TEXT_BOT_COMMAND,
    TG_TYPE_RICH_TEXT_BUTTON,
    TG_TYPE_RICH_TEXT_ANCHOR,
    TG_TYPE_RICH_TEXT_ANCHOR_LINK,
    TG_TYPE_RICH_TEXT_REFERENCE,
    TG_TYPE_RICH_TEXT_REFERENCE_LINK,
    TG_TYPE_RICH_BLOCK_CAPTION,
    TG_TYPE_RICH_BLOCK_TABLE_CELL,
    TG_TYPE_RICH_BLOCK_LIST_ITEM,
    TG_TYPE_RICH_BLOCK,
    TG_TYPE_RICH_BLOCK_PARAGRAPH,
    TG_TYPE_RICH_BLOCK_SECTION_HEADING,
    TG_TYPE_RICH_BLOCK_PREFORMATTED,
    TG_TYPE_RICH_BLOCK_FOOTER,
    TG_TYPE_RICH_BLOCK_DIVIDER,
    TG_TYPE_RICH_BLOCK_MATHEMATICAL_EXPRESSION,
    TG_TYPE_RICH_BLOCK_ANCHOR,
    TG_TYPE_RICH_BLOCK_LIST,
    TG_TYPE_RICH_BLOCK_BLOCK_QUOTATION,
    TG_TYPE_RICH_BLOCK_EXPANDABLE_BLOCK_QUOTATION,
    TG_TYPE_RICH_BLOCK_PULL_QUOTATION,
    TG_TYPE_RICH_BLOCK_COLLAGE,
    TG_TYPE_RICH_BLOCK_SLIDESHOW,
    TG_TYPE_RICH_BLOCK_TABLE,
    TG_TYPE_RICH_BLOCK_DETAILS,
    TG_TYPE_RICH_BLOCK_MAP,
    TG_TYPE_RICH_BLOCK_BUTTONS,
    TG_TYPE_RICH_BLOCK_ANIMATION,
    TG_TYPE_RICH_BLOCK_AUDIO,
    TG_TYPE_RICH_BLOCK_DOCUMENT,
    TG_TYPE_RICH_BLOCK_PHOTO,
    TG_TYPE_RICH_BLOCK_VIDEO,
    TG_TYPE_RICH_BLOCK_VOICE_NOTE,
    TG_TYPE_RICH_BLOCK_THINKING,
    TG_TYPE_INPUT_RICH_BLOCK_LIST_ITEM,
    TG_TYPE_INPUT_RICH_BLOCK,
    TG_TYPE_INPUT_RICH_BLOCK_PARAGRAPH,
    TG_TYPE_INPUT_RICH_BLOCK_SECTION_HEADING,
    TG_TYPE_INPUT_RICH_BLOCK_PREFORMATTED,
    TG_TYPE_INPUT_RICH_BLOCK_FOOTER,
    TG_TYPE_INPUT_RICH_BLOCK_DIVIDER,
    TG_TYPE_INPUT_RICH_BLOCK_MATHEMATICAL_EXPRESSION,
    TG_TYPE_INPUT_RICH_BLOCK_ANCHOR,
    TG_TYPE_INPUT_RICH_BLOCK_LIST,
    TG_TYPE_INPUT_RICH_BLOCK_BLOCK_QUOTATION,
    TG_TYPE_INPUT_RICH_BLOCK_EXPANDABLE_BLOCK_QUOTATION,
    TG_TYPE_INPUT_RICH_BLOCK_PULL_QUOTATION,
    TG_TYPE_INPUT_RICH_BLOCK_COLLAGE,
    TG_TYPE_INPUT_RICH_BLOCK_SLIDESHOW,
    TG_TYPE_INPUT_RICH_BLOCK_TABLE,
    TG_TYPE_INPUT_RICH_BLOCK_DETAILS,
    TG_TYPE_INPUT_RICH_BLOCK_MAP,
    TG_TYPE_INPUT_RICH_BLOCK_BUTTONS,
    TG_TYPE_INPUT_RICH_BLOCK_ANIMATION,
    TG_TYPE_INPUT_RICH_BLOCK_AUDIO,
    TG_TYPE_INPUT_RICH_BLOCK_DOCUMENT,
    TG_TYPE_INPUT_RICH_BLOCK_PHOTO,
    TG_TYPE_INPUT_RICH_BLOCK_VIDEO,
    TG_TYPE_INPUT_RICH_BLOCK_VOICE_NOTE,
    TG_TYPE_INPUT_RICH_BLOCK_THINKING,
    TG_TYPE_INLINE_QUERY,
    TG_TYPE_INLINE_QUERY_RESULTS_BUTTON,
    TG_TYPE_INLINE_QUERY_RESULT,
    TG_TYPE_INLINE_QUERY_RESULT_ARTICLE,
    TG_TYPE_INLINE_QUERY_RESULT_PHOTO,
    TG_TYPE_INLINE_QUERY_RESULT_GIF,
    TG_TYPE_INLINE_QUERY_RESULT_MPEG4_GIF,
    TG_TYPE_INLINE_QUERY_RESULT_VIDEO,
    TG_TYPE_INLINE_QUERY_RESULT_AUDIO,
    TG_TYPE_INLINE_QUERY_RESULT_VOICE,
    TG_TYPE_INLINE_QUERY_RESULT_DOCUMENT,
    TG_TYPE_INLINE_QUERY_RESULT_LOCATION,
    TG_TYPE_INLINE_QUERY_RESULT_VENUE,
    TG_TYPE_INLINE_QUERY_RESULT_CONTACT,
    TG_TYPE_INLINE_QUERY_RESULT_GAME,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_PHOTO,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_GIF,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_MPEG4_GIF,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_STICKER,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_DOCUMENT,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_VIDEO,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_VOICE,
    TG_TYPE_INLINE_QUERY_RESULT_CACHED_AUDIO,
    TG_TYPE_INPUT_MESSAGE_CONTENT,
    TG_TYPE_INPUT_TEXT_MESSAGE_CONTENT,
    TG_TYPE_INPUT_RICH_MESSAGE_CONTENT,
    TG_TYPE_INPUT_LOCATION_MESSAGE_CONTENT,
    TG_TYPE_INPUT_VENUE_MESSAGE_CONTENT,
    TG_TYPE_INPUT_CONTACT_MESSAGE_CONTENT,
    TG_TYPE_INPUT_INVOICE_MESSAGE_CONTENT,
    TG_TYPE_CHOSEN_INLINE_RESULT,
    TG_TYPE_LABELED_PRICE,
    TG_TYPE_INVOICE,
    TG_TYPE_SHIPPING_ADDRESS,
    TG_TYPE_ORDER_INFO,
    TG_TYPE_SHIPPING_OPTION,
    TG_TYPE_SUCCESSFUL_PAYMENT,
    TG_TYPE_REFUNDED_PAYMENT,
    TG_TYPE_SHIPPING_QUERY,
    TG_TYPE_PRE_CHECKOUT_QUERY,
    TG_TYPE_PAID_MEDIA_PURCHASED,
    TG_TYPE_REVENUE_WITHDRAWAL_STATE,
    TG_TYPE_REVENUE_WITHDRAWAL_STATE_PENDING,
    TG_TYPE_REVENUE_WITHDRAWAL_STATE_SUCCEEDED,
    TG_TYPE_REVENUE_WITHDRAWAL_STATE_FAILED,
    TG_TYPE_AFFILIATE_INFO,
    TG_TYPE_TRANSACTION_PARTNER,
    TG_TYPE_TRANSACTION_PARTNER_USER,
    TG_TYPE_TRANSACTION_PARTNER_CHAT,
    TG_TYPE_TRANSACTION_PARTNER_AFFILIATE_PROGRAM,
    TG_TYPE_TRANSACTION_PARTNER_FRAGMENT,
    TG_TYPE_TRANSACTION_PARTNER_TELEGRAM_ADS,
    TG_TYPE_TRANSACTION_PARTNER_TELEGRAM_API,
    TG_TYPE_TRANSACTION_PARTNER_OTHER,
    TG_TYPE_STAR_TRANSACTION,
    TG_TYPE_STAR_TRANSACTIONS,
    TG_TYPE_PASSPORT_DATA,
    TG_TYPE_PASSPORT_FILE,
    TG_TYPE_ENCRYPTED_PASSPORT_ELEMENT,
    TG_TYPE_ENCRYPTED_CREDENTIALS,
    TG_TYPE_PASSPORT_ELEMENT_ERROR,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_DATA_FIELD,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_FRONT_SIDE,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_REVERSE_SIDE,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_SELFIE,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_FILE,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_FILES,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_TRANSLATION_FILE,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_TRANSLATION_FILES,
    TG_TYPE_PASSPORT_ELEMENT_ERROR_UNSPECIFIED,
    TG_TYPE_GAME,
    TG_TYPE_CALLBACK_GAME,
    TG_TYPE_GAME_HIGH_SCORE,
    TG__TYPE_COUNT
} tg_type_id;
typedef struct tg_update tg_update;
typedef struct tg_webhook_info tg_webhook_info;
typedef struct tg_user tg_user;
typedef struct tg_chat tg_chat;
typedef struct tg_chat_full_info tg_chat_full_info;
typedef struct tg_message tg_message;
typedef struct tg_message_id tg_message_id;
typedef struct tg_inaccessible_message tg_inaccessible_message;
typedef struct tg_maybe_inaccessible_message tg_maybe_inaccessible_message;
typedef struct tg_message_entity tg_message_entity;
typedef struct tg_text_quote tg_text_quote;
typedef struct tg_external_reply_info tg_external_reply_info;
typedef struct tg_reply_parameters tg_reply_parameters;
typedef struct tg_ephemeral_message_parameters tg_ephemeral_message_parameters;
typedef struct tg_message_origin tg_message_origin;
typedef struct tg_message_origin_user tg_message_origin_user;
typedef struct tg_message_origin_hidden_user tg_message_origin_hidden_user;
typedef struct tg_message_origin_chat tg_message_origin_chat;
typedef struct tg_message_origin_channel tg_message_origin_channel;
typedef struct tg_photo_size tg_photo_size;
typedef struct tg_animation tg_animation;
typedef struct tg_audio tg_audio;
typedef struct tg_document tg_document;
typedef struct tg_live_photo tg_live_photo;
typedef struct tg_story tg_story;
typedef struct tg_video_quality tg_video_quality;
typedef struct tg_video tg_video;
typedef struct tg_video_note tg_video_note;
typedef struct tg_voice tg_voice;
typedef struct tg_paid_media_info tg_paid_media_info;
typedef struct tg_paid_media tg_paid_media;
typedef struct tg_paid_media_live_photo tg_paid_media_live_photo;
typedef struct tg_paid_media_photo tg_paid_media_photo;
typedef struct tg_paid_media_preview tg_paid_media_preview;
typedef struct tg_paid_media_video tg_paid_media_video;
typedef struct tg_contact tg_contact;
typedef struct tg_dice tg_dice;
typedef struct tg_link tg_link;
typedef struct tg_poll_media tg_poll_media;
typedef struct tg_input_poll_media tg_input_poll_media;
typedef struct tg_input_poll_option_media tg_input_poll_option_media;
typedef struct tg_poll_option tg_poll_option;
typedef struct tg_input_poll_option tg_input_poll_option;
typedef struct tg_poll_answer tg_poll_answer;
typedef struct tg_poll tg_poll;
typedef struct tg_checklist_task tg_checklist_task;
typedef struct tg_checklist tg_checklist;
typedef struct tg_input_checklist_task tg_input_checklist_task;
typedef struct tg_input_checklist tg_input_checklist;
typedef struct tg_location tg_location;
typedef struct tg_venue tg_venue;
typedef struct tg_web_app_data tg_web_app_data;
typedef struct tg_proximity_alert_triggered tg_proximity_alert_triggered;
typedef struct tg_message_auto_delete_timer_changed tg_message_auto_delete_timer_changed;
typedef struct tg_managed_bot_created tg_managed_bot_created;
typedef struct tg_managed_bot_updated tg_managed_bot_updated;
typedef struct tg_bot_subscription_updated tg_bot_subscription_updated;
typedef struct tg_message_generation_stopped tg_message_generation_stopped;
typedef struct tg_poll_option_added tg_poll_option_added;
typedef struct tg_poll_option_deleted tg_poll_option_deleted;
typedef struct tg_chat_boost_added tg_chat_boost_added;
typedef struct tg_background_fill tg_background_fill;
typedef struct tg_background_fill_solid tg_background_fill_solid;
typedef struct tg_background_fill_gradient tg_background_fill_gradient;
typedef struct tg_background_fill_freeform_gradient tg_background_fill_freeform_gradient;
typedef struct tg_background_type tg_background_type;
typedef struct tg_background_type_fill tg_background_type_fill;
typedef struct tg_background_type_wallpaper tg_background_type_wallpaper;
typedef struct tg_background_type_pattern tg_background_type_pattern;
typedef struct tg_background_type_chat_theme tg_background_type_chat_theme;
typedef struct tg_chat_background tg_chat_background;
typedef struct tg_checklist_tasks_done tg_checklist_tasks_done;
typedef struct tg_checklist_tasks_added tg_checklist_tasks_added;
typedef struct tg_community_chat_added tg_community_chat_added;
typedef struct tg_community_chat_joined tg_community_chat_joined;
typedef struct tg_community_chat_removed tg_community_chat_removed;
typedef struct tg_forum_topic_created tg_forum_topic_created;
typedef struct tg_forum_topic_closed tg_forum_topic_closed;
typedef struct tg_forum_topic_edited tg_forum_topic_edited;
typedef struct tg_forum_topic_reopened tg_forum_topic_reopened;
typedef struct tg_general_forum_topic_hidden tg_general_forum_topic_hidden;
typedef struct tg_general_forum_topic_unhidden tg_general_forum_topic_unhidden;
typedef struct tg_shared_user tg_shared_user;
typedef struct tg_users_shared tg_users_shared;
typedef struct tg_chat_shared tg_chat_shared;
typedef struct tg_write_access_allowed tg_write_access_allowed;
typedef struct tg_video_chat_scheduled tg_video_chat_scheduled;
typedef struct tg_video_chat_started tg_video_chat_started;
typedef struct tg_video_chat_ended tg_video_chat_ended;
typedef struct tg_video_chat_participants_invited tg_video_chat_participants_invited;
typedef struct tg_paid_message_price_changed tg_paid_message_price_changed;
typedef struct tg_direct_message_price_changed tg_direct_message_price_changed;
typedef struct tg_suggested_post_approved tg_suggested_post_approved;
typedef struct tg_suggested_post_approval_failed tg_suggested_post_approval_failed;
typedef struct tg_suggested_post_declined tg_suggested_post_declined;
typedef struct tg_suggested_post_paid tg_suggested_post_paid;
typedef struct tg_suggested_post_refunded tg_suggested_post_refunded;
typedef struct tg_giveaway_created tg_giveaway_created;
typedef struct tg_giveaway tg_giveaway;
typedef struct tg_giveaway_winners tg_giveaway_winners;
typedef struct tg_giveaway_completed tg_giveaway_completed;
typedef struct tg_link_preview_options tg_link_preview_options;
typedef struct tg_suggested_post_price tg_suggested_post_price;
typedef struct tg_suggested_post_info tg_suggested_post_info;
typedef struct tg_suggested_post_parameters tg_suggested_post_parameters;
typedef struct tg_direct_messages_topic tg_direct_messages_topic;
typedef struct tg_user_profile_photos tg_user_profile_photos;
typedef struct tg_user_profile_audios tg_user_profile_audios;
typedef struct tg_file tg_file;
typedef struct tg_web_app_info tg_web_app_info;
typedef struct tg_reply_keyboard_markup tg_reply_keyboard_markup;
typedef struct tg_keyboard_button tg_keyboard_button;
typedef struct tg_keyboard_button_request_users tg_keyboard_button_request_users;
typedef struct tg_keyboard_button_request_chat tg_keyboard_button_request_chat;
typedef struct tg_keyboard_button_request_managed_bot tg_keyboard_button_request_managed_bot;
typedef struct tg_keyboard_button_poll_type tg_keyboard_button_poll_type;
typedef struct tg_reply_keyboard_remove tg_reply_keyboard_remove;
typedef struct tg_inline_keyboard_markup tg_inline_keyboard_markup;
typedef struct tg_inline_keyboard_button tg_inline_keyboard_button;
typedef struct tg_login_url tg_login_url;
typedef struct tg_switch_inline_query_chosen_chat tg_switch_inline_query_chosen_chat;
typedef struct tg_copy_text_button tg_copy_text_button;
typedef struct tg_disabled_button tg_disabled_button;
typedef struct tg_callback_query tg_callback_query;
typedef struct tg_force_reply tg_force_reply;
typedef struct tg_community tg_community;
typedef struct tg_chat_photo tg_chat_photo;
typedef struct tg_chat_invite_link tg_chat_invite_link;
typedef struct tg_chat_administrator_rights tg_chat_administrator_rights;
typedef struct tg_chat_member_updated tg_chat_member_updated;
typedef struct tg_chat_member tg_chat_member;
typedef struct tg_chat_member_owner tg_chat_member_owner;
typedef struct tg_chat_member_administrator tg_chat_member_administrator;
typedef struct tg_chat_member_member tg_chat_member_member;
typedef struct tg_chat_member_restricted tg_chat_member_restricted;
typedef struct tg_chat_member_left tg_chat_member_left;
typedef struct tg_chat_member_banned tg_chat_member_banned;
typedef struct tg_chat_join_request tg_chat_join_request;
typedef struct tg_chat_permissions tg_chat_permissions;
typedef struct tg_birthdate tg_birthdate;
typedef struct tg_business_intro tg_business_intro;
typedef struct tg_business_location tg_business_location;
typedef struct tg_business_opening_hours_interval tg_business_opening_hours_interval;
typedef struct tg_business_opening_hours tg_business_opening_hours;
typedef struct tg_user_rating tg_user_rating;
typedef struct tg_story_area_position tg_story_area_position;
typedef struct tg_location_address tg_location_address;
typedef struct tg_story_area_type tg_story_area_type;
typedef struct tg_story_area_type_location tg_story_area_type_location;
typedef struct tg_story_area_type_suggested_reaction tg_story_area_type_suggested_reaction;
typedef struct tg_story_area_type_link tg_story_area_type_link;
typedef struct tg_story_area_type_weather tg_story_area_type_weather;
typedef struct tg_story_area_type_unique_gift tg_story_area_type_unique_gift;
typedef struct tg_story_area tg_story_area;
typedef struct tg_chat_location tg_chat_location;
typedef struct tg_reaction_type tg_reaction_type;
typedef struct tg_reaction_type_emoji tg_reaction_type_emoji;
typedef struct tg_reaction_type_custom_emoji tg_reaction_type_custom_emoji;
typedef struct tg_reaction_type_paid tg_reaction_type_paid;
typedef struct tg_reaction_count tg_reaction_count;
typedef struct tg_message_reaction_updated tg_message_reaction_updated;
typedef struct tg_message_reaction_count_updated tg_message_reaction_count_updated;
typedef struct tg_forum_topic tg_forum_topic;
typedef struct tg_gift_background tg_gift_background;
typedef struct tg_gift tg_gift;
typedef struct tg_gifts tg_gifts;
typedef struct tg_unique_gift_model tg_unique_gift_model;
typedef struct tg_unique_gift_symbol tg_unique_gift_symbol;
typedef struct tg_unique_gift_backdrop_colors tg_unique_gift_backdrop_colors;
typedef struct tg_unique_gift_backdrop tg_unique_gift_backdrop;
typedef struct tg_unique_gift_colors tg_unique_gift_colors;
typedef struct tg_unique_gift tg_unique_gift;
typedef struct tg_gift_info tg_gift_info;
typedef struct tg_unique_gift_info tg_unique_gift_info;
typedef struct tg_owned_gift tg_owned_gift;
typedef struct tg_owned_gift_regular tg_owned_gift_regular;
typedef struct tg_owned_gift_unique tg_owned_gift_unique;
typedef struct tg_owned_gifts tg_owned_gifts;
typedef struct tg_bot_access_settings tg_bot_access_settings;
typedef struct tg_accepted_gift_types tg_accepted_gift_types;
typedef struct tg_star_amount tg_star_amount;
typedef struct tg_bot_command tg_bot_command;
typedef struct tg_bot_command_scope tg_bot_command_scope;
typedef struct tg_bot_command_scope_default tg_bot_command_scope_default;
typedef struct tg_bot_command_scope_all_private_chats tg_bot_command_scope_all_private_chats;
typedef struct tg_bot_command_scope_all_group_chats tg_bot_command_scope_all_group_chats;
typedef struct tg_bot_command_scope_all_chat_administrators tg_bot_command_scope_all_chat_administrators;
typedef struct tg_bot_command_scope_chat tg_bot_command_scope_chat;
typedef struct tg_bot_command_scope_chat_administrators tg_bot_command_scope_chat_administrators;
typedef struct tg_bot_command_scope_chat_member tg_bot_command_scope_chat_member;
typedef struct tg_bot_name tg_bot_name;
typedef struct tg_bot_description tg_bot_description;
typedef struct tg_bot_short_description tg_bot_short_description;
typedef struct tg_menu_button tg_menu_button;
typedef struct tg_menu_button_commands tg_menu_button_commands;
typedef struct tg_menu_button_web_app tg_menu_button_web_app;
typedef struct tg_menu_button_default tg_menu_button_default;
typedef struct tg_chat_boost_source tg_chat_boost_source;
typedef struct tg_chat_boost_source_premium tg_chat_boost_source_premium;
typedef struct tg_chat_boost_source_gift_code tg_chat_boost_source_gift_code;
typedef struct tg_chat_boost_source_giveaway tg_chat_boost_source_giveaway;
typedef struct tg_chat_boost tg_chat_boost;
typedef struct tg_chat_boost_updated tg_chat_boost_updated;
typedef struct tg_chat_boost_removed tg_chat_boost_removed;
typedef struct tg_chat_owner_left tg_chat_owner_left;
typedef struct tg_chat_owner_changed tg_chat_owner_changed;
typedef struct tg_user_chat_boosts tg_user_chat_boosts;
typedef struct tg_business_bot_rights tg_business_bot_rights;
typedef struct tg_business_connection tg_business_connection;
typedef struct tg_business_messages_deleted tg_business_messages_deleted;
typedef struct tg_sent_web_app_message tg_sent_web_app_message;
typedef struct tg_sent_guest_message tg_sent_guest_message;
typedef struct tg_prepared_inline_message tg_prepared_inline_message;
typedef struct tg_prepared_keyboard_button tg_prepared_keyboard_button;
typedef struct tg_response_parameters tg_response_parameters;
typedef struct tg_input_media tg_input_media;
typedef struct tg_input_media_animation tg_input_media_animation;
typedef struct tg_input_media_audio tg_input_media_audio;
typedef struct tg_input_media_document tg_input_media_document;
typedef struct tg_input_media_link tg_input_media_link;
typedef struct tg_input_media_live_photo tg_input_media_live_photo;
typedef struct tg_input_media_location tg_input_media_location;
typedef struct tg_input_media_photo tg_input_media_photo;
typedef struct tg_input_media_sticker tg_input_media_sticker;
typedef struct tg_input_media_venue tg_input_media_venue;
typedef struct tg_input_media_video tg_input_media_video;
typedef struct tg_input_media_voice_note tg_input_media_voice_note;
typedef struct tg_input_paid_media tg_input_paid_media;
typedef struct tg_input_paid_media_live_photo tg_input_paid_media_live_photo;
typedef struct tg_input_paid_media_photo tg_input_paid_media_photo;
typedef struct tg_input_paid_media_video tg_input_paid_media_video;
typedef struct tg_input_profile_photo tg_input_profile_photo;
typedef struct tg_input_profile_photo_static tg_input_profile_photo_static;
typedef struct tg_input_profile_photo_animated tg_input_profile_photo_animated;
typedef struct tg_input_story_content tg_input_story_content;
typedef struct tg_input_story_content_photo tg_input_story_content_photo;
typedef struct tg_input_story_content_video tg_input_story_content_video;
typedef struct tg_sticker tg_sticker;
typedef struct tg_sticker_set tg_sticker_set;
typedef struct tg_mask_position tg_mask_position;
typedef struct tg_input_sticker tg_input_sticker;
typedef struct tg_rich_message tg_rich_message;
typedef struct tg_rich_message_button tg_rich_message_button;
typedef struct tg_input_rich_message tg_input_rich_message;
typedef struct tg_input_rich_message_media tg_input_rich_message_media;
typedef struct tg_rich_text tg_rich_text;
typedef struct tg_rich_text_bold tg_rich_text_bold;
typedef struct tg_rich_text_italic tg_rich_text_italic;
typedef struct tg_rich_text_underline tg_rich_text_underline;
typedef struct tg_rich_text_strikethrough tg_rich_text_strikethrough;
typedef struct tg_rich_text_spoiler tg_rich_text_spoiler;
typedef struct tg_rich_text_date_time tg_rich_text_date_time;
typedef struct tg_rich_text_text_mention tg_rich_text_text_mention;
typedef struct tg_rich_text_subscript tg_rich_text_subscript;
typedef struct tg_rich_text_superscript tg_rich_text_superscript;
typedef struct tg_rich_text_marked tg_rich_text_marked;
typedef struct tg_rich_text_code tg_rich_text_code;
typedef struct tg_rich_text_custom_emoji tg_rich_text_custom_emoji;
typedef struct tg_rich_text_mathematical_expression tg_rich_text_mathematical_expression;
typedef struct tg_rich_text_url tg_rich_text_url;
typedef struct tg_rich_text_email_address tg_rich_text_email_address;
typedef struct tg_rich_text_phone_number tg_rich_text_phone_number;
typedef struct tg_rich_text_bank_card_number tg_rich_text_bank_card_number;
typedef struct tg_rich_text_mention tg_rich_text_mention;
typedef struct tg_rich_text_hashtag tg_rich_text_hashtag;
typedef struct tg_rich_text_cashtag tg_rich_text_cashtag;
typedef struct tg_rich_text_bot_command tg_rich_text_bot_command;
typedef struct tg_rich_text_button tg_rich_text_button;
typedef struct tg_rich_text_anchor tg_rich_text_anchor;
typedef struct tg_rich_text_anchor_link tg_rich_text_anchor_link;
typedef struct tg_rich_text_reference tg_rich_text_reference;
typedef struct tg_rich_text_reference_link tg_rich_text_reference_link;
typedef struct tg_rich_block_caption tg_rich_block_caption;
typedef struct tg_rich_block_table_cell tg_rich_block_table_cell;
typedef struct tg_rich_block_list_item tg_rich_block_list_item;
typedef struct tg_rich_block tg_rich_block;
typedef struct tg_rich_block_paragraph tg_rich_block_paragraph;
typedef struct tg_rich_block_section_heading tg_rich_block_section_heading;
typedef struct tg_rich_block_preformatted tg_rich_block_preformatted;
typedef struct tg_rich_block_footer tg_rich_block_footer;
typedef struct tg_rich_block_divider tg_rich_block_divider;
typedef struct tg_rich_block_mathematical_expression tg_rich_block_mathematical_expression;
typedef struct tg_rich_block_anchor tg_rich_block_anchor;
typedef struct tg_rich_block_list tg_rich_block_list;
typedef struct tg_rich_block_block_quotation tg_rich_block_block_quotation;
typedef struct tg_rich_block_expandable_block_quotation tg_rich_block_expandable_block_quotation;
typedef struct tg_rich_block_pull_quotation tg_rich_block_pull_quotation;
typedef struct tg_rich_block_collage tg_rich_block_collage;
typedef struct tg_rich_block_slideshow tg_rich_block_slideshow;
typedef struct tg_rich_block_table tg_rich_block_table;
typedef struct tg_rich_block_details tg_rich_block_details;
typedef struct tg_rich_block_map tg_rich_block_map;
typedef struct tg_rich_block_buttons tg_rich_block_buttons;
typedef struct tg_rich_block_animation tg_rich_block_animation;
typedef struct tg_rich_block_audio tg_rich_block_audio;
typedef struct tg_rich_block_document tg_rich_block_document;
typedef struct tg_rich_block_photo tg_rich_block_photo;
typedef struct tg_rich_block_video tg_rich_block_video;
typedef struct tg_rich_block_voice_note tg_rich_block_voice_note;
typedef struct tg_rich_block_thinking tg_rich_block_thinking;
typedef struct tg_input_rich_block_list_item tg_input_rich_block_list_item;
typedef struct tg_input_rich_block tg_input_rich_block;
typedef struct tg_input_rich_block_paragraph tg_input_rich_block_paragraph;
typedef struct tg_input_rich_block_section_heading tg_input_rich_block_section_heading;
typedef struct tg_input_rich_block_preformatted tg_input_rich_block_preformatted;
typedef struct tg_input_rich_block_footer tg_input_rich_block_footer;
typedef struct tg_input_rich_block_divider tg_input_rich_block_divider;
typedef struct tg_input_rich_block_mathematical_expression tg_input_rich_block_mathematical_expression;
typedef struct tg_input_rich_block_anchor tg_input_rich_block_anchor;
typedef struct tg_input_rich_block_list tg_input_rich_block_list;
typedef struct tg_input_rich_block_block_quotation tg_input_rich_block_block_quotation;
typedef struct tg_input_rich_block_expandable_block_quotation tg_input_rich_block_expandable_block_quotation;
typedef struct tg_input_rich_block_pull_quotation tg_input_rich_block_pull_quotation;
typedef struct tg_input_rich_block_collage tg_input_rich_block_collage;
typedef struct tg_input_rich_block_slideshow tg_input_rich_block_slideshow;
typedef struct tg_input_rich_block_table tg_input_rich_block_table;
typedef struct tg_input_rich_block_details tg_input_rich_block_details;
typedef struct tg_input_rich_block_map tg_input_rich_block_map;
typedef struct tg_input_rich_block_buttons tg_input_rich_block_buttons;
typedef struct tg_input_rich_block_animation tg_input_rich_block_animation;
typedef struct tg_input_rich_block_audio tg_input_rich_block_audio;
typedef struct tg_input_rich_block_document tg_input_rich_block_document;
typedef struct tg_input_rich_block_photo tg_input_rich_block_photo;
typedef struct tg_input_rich_block_video tg_input_rich_block_video;
typedef struct tg_input_rich_block_voice_note tg_input_rich_block_voice_note;
typedef struct tg_input_rich_block_thinking tg_input_rich_block_thinking;
typedef struct tg_inline_query tg_inline_query;
typedef struct tg_inline_query_results_button tg_inline_query_results_button;
typedef struct tg_inline_query_result tg_inline_query_result;
typedef struct tg_inline_query_result_article tg_inline_query_result_article;
typedef struct tg_inline_query_result_photo tg_inline_query_result_photo;
typedef struct tg_inline_query_result_gif tg_inline_query_result_gif;
typedef struct tg_inline_query_result_mpeg4_gif tg_inline_query_result_mpeg4_gif;
typedef struct tg_inline_query_result_video tg_inline_query_result_video;
typedef struct tg_inline_query_result_audio tg_inline_query_result_audio;
typedef struct tg_inline_query_result_voice tg_inline_query_result_voice;
typedef struct tg_inline_query_result_document tg_inline_query_result_document;
typedef struct tg_inline_query_result_location tg_inline_query_result_location;
typedef struct tg_inline_query_result_venue tg_inline_query_result_venue;
typedef struct tg_inline_query_result_contact tg_inline_query_result_contact;
typedef struct tg_inline_query_result_game tg_inline_query_result_game;
typedef struct tg_inline_query_result_cached_photo tg_inline_query_result_cached_photo;
typedef struct tg_inline_query_result_cached_gif tg_inline_query_result_cached_gif;
typedef struct tg_inline_query_result_cached_mpeg4_gif tg_inline_query_result_cached_mpeg4_gif;
typedef struct tg_inline_query_result_cached_sticker tg_inline_query_result_cached_sticker;
typedef struct tg_inline_query_result_cached_document tg_inline_query_result_cached_document;
typedef struct tg_inline_query_result_cached_video tg_inline_query_result_cached_video;
typedef struct tg_inline_query_result_cached_voice tg_inline_query_result_cached_voice;
typedef struct tg_inline_query_result_cached_audio tg_inline_query_result_cached_audio;
typedef struct tg_input_message_content tg_input_message_content;
typedef struct tg_input_text_message_content tg_input_text_message_content;
typedef struct tg_input_rich_message_content tg_input_rich_message_content;
typedef struct tg_input_location_message_content tg_input_location_message_content;
typedef struct tg_input_venue_message_content tg_input_venue_message_content;
typedef struct tg_input_contact_message_content tg_input_contact_message_content;
typedef struct tg_input_invoice_message_content tg_input_invoice_message_content;
typedef struct tg_chosen_inline_result tg_chosen_inline_result;
typedef struct tg_labeled_price tg_labeled_price;
typedef struct tg_invoice tg_invoice;
typedef struct tg_shipping_address tg_shipping_address;
typedef struct tg_order_info tg_order_info;
typedef struct tg_shipping_option tg_shipping_option;
typedef struct tg_successful_payment tg_successful_payment;
typedef struct tg_refunded_payment tg_refunded_payment;
typedef struct tg_shipping_query tg_shipping_query;
typedef struct tg_pre_checkout_query tg_pre_checkout_query;
typedef struct tg_paid_media_purchased tg_paid_media_purchased;
typedef struct tg_revenue_withdrawal_state tg_revenue_withdrawal_state;
typedef struct tg_revenue_withdrawal_state_pending tg_revenue_withdrawal_state_pending;
typedef struct tg_revenue_withdrawal_state_succeeded tg_revenue_withdrawal_state_succeeded;
typedef struct tg_revenue_withdrawal_state_failed tg_revenue_withdrawal_state_failed;
typedef struct tg_affiliate_info tg_affiliate_info;
typedef struct tg_transaction_partner tg_transaction_partner;
typedef struct tg_transaction_partner_user tg_transaction_partner_user;
typedef struct tg_transaction_partner_chat tg_transaction_partner_chat;
typedef struct tg_transaction_partner_affiliate_program tg_transaction_partner_affiliate_program;
typedef struct tg_transaction_partner_fragment tg_transaction_partner_fragment;
typedef struct tg_transaction_partner_telegram_ads tg_transaction_partner_telegram_ads;
typedef struct tg_transaction_partner_telegram_api tg_transaction_partner_telegram_api;
typedef struct tg_transaction_partner_other tg_transaction_partner_other;
typedef struct tg_star_transaction tg_star_transaction;
typedef struct tg_star_transactions tg_star_transactions;
typedef struct tg_passport_data tg_passport_data;
typedef struct tg_passport_file tg_passport_file;
typedef struct tg_encrypted_passport_element tg_encrypted_passport_element;
typedef struct tg_encrypted_credentials tg_encrypted_credentials;
typedef struct tg_passport_element_error tg_passport_element_error;
typedef struct tg_passport_element_error_data_field tg_passport_element_error_data_field;
typedef struct tg_passport_element_error_front_side tg_passport_element_error_front_side;
typedef struct tg_passport_element_error_reverse_side tg_passport_element_error_reverse_side;
typedef struct tg_passport_element_error_selfie tg_passport_element_error_selfie;
typedef struct tg_passport_element_error_file tg_passport_element_error_file;
typedef struct tg_passport_element_error_files tg_passport_element_error_files;
typedef struct tg_passport_element_error_translation_file tg_passport_element_error_translation_file;
typedef struct tg_passport_element_error_translation_files tg_passport_element_error_translation_files;
typedef struct tg_passport_element_error_unspecified tg_passport_element_error_unspecified;
typedef struct tg_game tg_game;
typedef struct tg_callback_game tg_callback_game;
typedef struct tg_game_high_score tg_game_high_score;
typedef struct tg_reply_markup tg_reply_markup;
typedef struct tg_input_rich_message_media_media tg_input_rich_message_media_media;
typedef struct tg_bot_command_list { tg_bot_command *items; size_t count; } tg_bot_command_list;
typedef struct tg_chat_member_list { tg_chat_member *items; size_t count; } tg_chat_member_list;
typedef struct tg_game_high_score_list { tg_game_high_score *items; size_t count; } tg_game_high_score_list;
typedef struct tg_inline_keyboard_button_list { tg_inline_keyboard_button *items; size_t count; } tg_inline_keyboard_button_list;
typedef struct tg_keyboard_button_list { tg_keyboard_button *items; size_t count; } tg_keyboard_button_list;
typedef struct tg_message_list { tg_message *items; size_t count; } tg_message_list;
typedef struct tg_message_id_list { tg_message_id *items; size_t count; } tg_message_id_list;
typedef struct tg_photo_size_list { tg_photo_size *items; size_t count; } tg_photo_size_list;
typedef struct tg_rich_block_table_cell_list { tg_rich_block_table_cell *items; size_t count; } tg_rich_block_table_cell_list;
typedef struct tg_rich_text_list { tg_rich_text *items; size_t count; } tg_rich_text_list;
typedef struct tg_sticker_list { tg_sticker *items; size_t count; } tg_sticker_list;
typedef struct tg_update_list { tg_update *items; size_t count; } tg_update_list;
typedef struct tg_get_updates_args tg_get_updates_args;
typedef struct tg_set_webhook_args tg_set_webhook_args;
typedef struct tg_delete_webhook_args tg_delete_webhook_args;
typedef struct tg_send_message_args tg_send_message_args;
typedef struct tg_forward_message_args tg_forward_message_args;
typedef struct tg_forward_messages_args tg_forward_messages_args;
typedef struct tg_copy_message_args tg_copy_message_args;
typedef struct tg_copy_messages_args tg_copy_messages_args;
typedef struct tg_send_photo_args tg_send_photo_args;
typedef struct tg_send_live_photo_args tg_send_live_photo_args;
typedef struct tg_send_audio_args tg_send_audio_args;
typedef struct tg_send_document_args tg_send_document_args;
typedef struct tg_send_video_args tg_send_video_args;
typedef struct tg_send_animation_args tg_send_animation_args;
typedef struct tg_send_voice_args tg_send_voice_args;
typedef struct tg_send_video_note_args tg_send_video_note_args;
typedef struct tg_send_paid_media_args tg_send_paid_media_args;
typedef struct tg_send_media_group_args tg_send_media_group_args;
typedef struct tg_send_location_args tg_send_location_args;
typedef struct tg_send_venue_args tg_send_venue_args;
typedef struct tg_send_contact_args tg_send_contact_args;
typedef struct tg_send_poll_args tg_send_poll_args;
typedef struct tg_send_checklist_args tg_send_checklist_args;
typedef struct tg_send_dice_args tg_send_dice_args;
typedef struct tg_send_message_draft_args tg_send_message_draft_args;
typedef struct tg_send_chat_action_args tg_send_chat_action_args;
typedef struct tg_set_message_reaction_args tg_set_message_reaction_args;
typedef struct tg_get_user_profile_photos_args tg_get_user_profile_photos_args;
typedef struct tg_get_user_profile_audios_args tg_get_user_profile_audios_args;
typedef struct tg_set_user_emoji_status_args tg_set_user_emoji_status_args;
typedef struct tg_get_file_args tg_get_file_args;
typedef struct tg_ban_chat_member_args tg_ban_chat_member_args;
typedef struct tg_unban_chat_member_args tg_unban_chat_member_args;
typedef struct tg_restrict_chat_member_args tg_restrict_chat_member_args;
typedef struct tg_promote_chat_member_args tg_promote_chat_member_args;
typedef struct tg_set_chat_administrator_custom_title_args tg_set_chat_administrator_custom_title_args;
typedef struct tg_set_chat_member_tag_args tg_set_chat_member_tag_args;
typedef struct tg_ban_chat_sender_chat_args tg_ban_chat_sender_chat_args;
typedef struct tg_unban_chat_sender_chat_args tg_unban_chat_sender_chat_args;
typedef struct tg_set_chat_permissions_args tg_set_chat_permissions_args;
typedef struct tg_export_chat_invite_link_args tg_export_chat_invite_link_args;
typedef struct tg_create_chat_invite_link_args tg_create_chat_invite_link_args;
typedef struct tg_edit_chat_invite_link_args tg_edit_chat_invite_link_args;
typedef struct tg_create_chat_subscription_invite_link_args tg_create_chat_subscription_invite_link_args;
typedef struct tg_edit_chat_subscription_invite_link_args tg_edit_chat_subscription_invite_link_args;
typedef struct tg_revoke_chat_invite_link_args tg_revoke_chat_invite_link_args;
typedef struct tg_approve_chat_join_request_args tg_approve_chat_join_request_args;
typedef struct tg_decline_chat_join_request_args tg_decline_chat_join_request_args;
typedef struct tg_answer_chat_join_request_query_args tg_answer_chat_join_request_query_args;
typedef struct tg_send_chat_join_request_web_app_args tg_send_chat_join_request_web_app_args;
typedef struct tg_set_chat_photo_args tg_set_chat_photo_args;
typedef struct tg_delete_chat_photo_args tg_delete_chat_photo_args;
typedef struct tg_set_chat_title_args tg_set_chat_title_args;
typedef struct tg_set_chat_description_args tg_set_chat_description_args;
typedef struct tg_pin_chat_message_args tg_pin_chat_message_args;
typedef struct tg_unpin_chat_message_args tg_unpin_chat_message_args;
typedef struct tg_unpin_all_chat_messages_args tg_unpin_all_chat_messages_args;
typedef struct tg_leave_chat_args tg_leave_chat_args;
typedef struct tg_get_chat_args tg_get_chat_args;
typedef struct tg_get_chat_administrators_args tg_get_chat_administrators_args;
typedef struct tg_get_chat_member_count_args tg_get_chat_member_count_args;
typedef struct tg_get_chat_member_args tg_get_chat_member_args;
typedef struct tg_get_user_personal_chat_messages_args tg_get_user_personal_chat_messages_args;
typedef struct tg_set_chat_sticker_set_args tg_set_chat_sticker_set_args;
typedef struct tg_delete_chat_sticker_set_args tg_delete_chat_sticker_set_args;
typedef struct tg_create_forum_topic_args tg_create_forum_topic_args;
typedef struct tg_edit_forum_topic_args tg_edit_forum_topic_args;
typedef struct tg_close_forum_topic_args tg_close_forum_topic_args;
typedef struct tg_reopen_forum_topic_args tg_reopen_forum_topic_args;
typedef struct tg_delete_forum_topic_args tg_delete_forum_topic_args;
typedef struct tg_unpin_all_forum_topic_messages_args tg_unpin_all_forum_topic_messages_args;
typedef struct tg_edit_general_forum_topic_args tg_edit_general_forum_topic_args;
typedef struct tg_close_general_forum_topic_args tg_close_general_forum_topic_args;
typedef struct tg_reopen_general_forum_topic_args tg_reopen_general_forum_topic_args;
typedef struct tg_hide_general_forum_topic_args tg_hide_general_forum_topic_args;
typedef struct tg_unhide_general_forum_topic_args tg_unhide_general_forum_topic_args;
typedef struct tg_unpin_all_general_forum_topic_messages_args tg_unpin_all_general_forum_topic_messages_args;
typedef struct tg_answer_callback_query_args tg_answer_callback_query_args;
typedef struct tg_answer_guest_query_args tg_answer_guest_query_args;
typedef struct tg_get_user_chat_boosts_args tg_get_user_chat_boosts_args;
typedef struct tg_get_business_connection_args tg_get_business_connection_args;
typedef struct tg_get_managed_bot_token_args tg_get_managed_bot_token_args;
typedef struct tg_replace_managed_bot_token_args tg_replace_managed_bot_token_args;
typedef struct tg_get_managed_bot_access_settings_args tg_get_managed_bot_access_settings_args;
typedef struct tg_set_managed_bot_access_settings_args tg_set_managed_bot_access_settings_args;
typedef struct tg_set_my_commands_args tg_set_my_commands_args;
typedef struct tg_delete_my_commands_args tg_delete_my_commands_args;
typedef struct tg_get_my_commands_args tg_get_my_commands_args;
typedef struct tg_set_my_name_args tg_set_my_name_args;
typedef struct tg_get_my_name_args tg_get_my_name_args;
typedef struct tg_set_my_description_args tg_set_my_description_args;
typedef struct tg_get_my_description_args tg_get_my_description_args;
typedef struct tg_set_my_short_description_args tg_set_my_short_description_args;
typedef struct tg_get_my_short_description_args tg_get_my_short_description_args;
typedef struct tg_set_my_profile_photo_args tg_set_my_profile_photo_args;
typedef struct tg_set_chat_menu_button_args tg_set_chat_menu_button_args;
typedef struct tg_get_chat_menu_button_args tg_get_chat_menu_button_args;
typedef struct tg_set_my_default_administrator_rights_args tg_set_my_default_administrator_rights_args;
typedef struct tg_get_my_default_administrator_rights_args tg_get_my_default_administrator_rights_args;
typedef struct tg_send_gift_args tg_send_gift_args;
typedef struct tg_gift_premium_subscription_args tg_gift_premium_subscription_args;
typedef struct tg_verify_user_args tg_verify_user_args;
typedef struct tg_verify_chat_args tg_verify_chat_args;
typedef struct tg_remove_user_verification_args tg_remove_user_verification_args;
typedef struct tg_remove_chat_verification_args tg_remove_chat_verification_args;
typedef struct tg_read_business_message_args tg_read_business_message_args;
typedef struct tg_delete_business_messages_args tg_delete_business_messages_args;
typedef struct tg_set_business_account_name_args tg_set_business_account_name_args;
typedef struct tg_set_business_account_username_args tg_set_business_account_username_args;
typedef struct tg_set_business_account_bio_args tg_set_business_account_bio_args;
typedef struct tg_set_business_account_profile_photo_args tg_set_business_account_profile_photo_args;
typedef struct tg_remove_business_account_profile_photo_args tg_remove_business_account_profile_photo_args;
typedef struct tg_set_business_account_gift_settings_args tg_set_business_account_gift_settings_args;
typedef struct tg_get_business_account_star_balance_args tg_get_business_account_star_balance_args;
typedef struct tg_transfer_business_account_stars_args tg_transfer_business_account_stars_args;
typedef struct tg_get_business_account_gifts_args tg_get_business_account_gifts_args;
typedef struct tg_get_user_gifts_args tg_get_user_gifts_args;
typedef struct tg_get_chat_gifts_args tg_get_chat_gifts_args;
typedef struct tg_convert_gift_to_stars_args tg_convert_gift_to_stars_args;
typedef struct tg_upgrade_gift_args tg_upgrade_gift_args;
typedef struct tg_transfer_gift_args tg_transfer_gift_args;
typedef struct tg_post_story_args tg_post_story_args;
typedef struct tg_repost_story_args tg_repost_story_args;
typedef struct tg_edit_story_args tg_edit_story_args;
typedef struct tg_delete_story_args tg_delete_story_args;
typedef struct tg_answer_web_app_query_args tg_answer_web_app_query_args;
typedef struct tg_save_prepared_inline_message_args tg_save_prepared_inline_message_args;
typedef struct tg_save_prepared_keyboard_button_args tg_save_prepared_keyboard_button_args;
typedef struct tg_edit_message_text_args tg_edit_message_text_args;
typedef struct tg_edit_message_caption_args tg_edit_message_caption_args;
typedef struct tg_edit_message_media_args tg_edit_message_media_args;
typedef struct tg_edit_message_live_location_args tg_edit_message_live_location_args;
typedef struct tg_stop_message_live_location_args tg_stop_message_live_location_args;
typedef struct tg_edit_message_checklist_args tg_edit_message_checklist_args;
typedef struct tg_edit_message_reply_markup_args tg_edit_message_reply_markup_args;
typedef struct tg_stop_poll_args tg_stop_poll_args;
typedef struct tg_edit_ephemeral_message_text_args tg_edit_ephemeral_message_text_args;
typedef struct tg_edit_ephemeral_message_media_args tg_edit_ephemeral_message_media_args;
typedef struct tg_edit_ephemeral_message_caption_args tg_edit_ephemeral_message_caption_args;
typedef struct tg_edit_ephemeral_message_reply_markup_args tg_edit_ephemeral_message_reply_markup_args;
typedef struct tg_approve_suggested_post_args tg_approve_suggested_post_args;
typedef struct tg_decline_suggested_post_args tg_decline_suggested_post_args;
typedef struct tg_delete_message_args tg_delete_message_args;
typedef struct tg_delete_messages_args tg_delete_messages_args;
typedef struct tg_delete_ephemeral_message_args tg_delete_ephemeral_message_args;
typedef struct tg_delete_message_reaction_args tg_delete_message_reaction_args;
typedef struct tg_delete_all_message_reactions_args tg_delete_all_message_reactions_args;
typedef struct tg_send_sticker_args tg_send_sticker_args;
typedef struct tg_get_sticker_set_args tg_get_sticker_set_args;
typedef struct tg_get_custom_emoji_stickers_args tg_get_custom_emoji_stickers_args;
typedef struct tg_upload_sticker_file_args tg_upload_sticker_file_args;
typedef struct tg_create_new_sticker_set_args tg_create_new_sticker_set_args;
typedef struct tg_add_sticker_to_set_args tg_add_sticker_to_set_args;
typedef struct tg_set_sticker_position_in_set_args tg_set_sticker_position_in_set_args;
typedef struct tg_delete_sticker_from_set_args tg_delete_sticker_from_set_args;
typedef struct tg_replace_sticker_in_set_args tg_replace_sticker_in_set_args;
typedef struct tg_set_sticker_emoji_list_args tg_set_sticker_emoji_list_args;
typedef struct tg_set_sticker_keywords_args tg_set_sticker_keywords_args;
typedef struct tg_set_sticker_mask_position_args tg_set_sticker_mask_position_args;
typedef struct tg_set_sticker_set_title_args tg_set_sticker_set_title_args;
typedef struct tg_set_sticker_set_thumbnail_args tg_set_sticker_set_thumbnail_args;
typedef struct tg_set_custom_emoji_sticker_set_thumbnail_args tg_set_custom_emoji_sticker_set_thumbnail_args;
typedef struct tg_delete_sticker_set_args tg_delete_sticker_set_args;
typedef struct tg_send_rich_message_args tg_send_rich_message_args;
typedef struct tg_send_rich_message_draft_args tg_send_rich_message_draft_args;
typedef struct tg_answer_inline_query_args tg_answer_inline_query_args;
typedef struct tg_send_invoice_args tg_send_invoice_args;
typedef struct tg_create_invoice_link_args tg_create_invoice_link_args;
typedef struct tg_answer_shipping_query_args tg_answer_shipping_query_args;
typedef struct tg_answer_pre_checkout_query_args tg_answer_pre_checkout_query_args;
typedef struct tg_get_star_transactions_args tg_get_star_transactions_args;
typedef struct tg_refund_star_payment_args tg_refund_star_payment_args;
typedef struct tg_edit_user_star_subscription_args tg_edit_user_star_subscription_args;
typedef struct tg_set_passport_data_errors_args tg_set_passport_data_errors_args;
typedef struct tg_send_game_args tg_send_game_args;
typedef struct tg_set_game_score_args tg_set_game_score_args;
typedef struct tg_get_game_high_scores_args tg_get_game_high_scores_args;

/* ==== src/updates.h ==== */
/* updates: long polling, the dispatcher (handlers by update kind, command, callback-data prefix,
   fallback), middleware, typed events, plugins, and graceful shutdown.

   Delivery guarantee (long polling): an update's offset is confirmed only after its handler
   returned. tg_stop() (from a handler) or SIGINT/SIGTERM (when handle_signals is set) lets the
   running handler finish, skips the rest of the batch, confirms what was handled and returns: after
   a clean stop and restart no update is handled twice and none is skipped. After a crash (kill -9)
   the updates of the unconfirmed batch are delivered again: at-least-once.

   Memory: the update and everything the handler's calls return live until the handler returns. */

enum { TG_CONTINUE = 0, TG_HANDLED = 1 };

typedef struct tg_dispatcher tg_dispatcher;

typedef struct tg_ctx {
    tg_bot *bot;
    tg_dispatcher *dispatcher;
    const tg_update *update;        /* typed update */
    tg_json_value raw;              /* the update as JSON (for kinds newer than this build) */
    const char *kind;               /* "message", "callback_query", "business_message", ... */
    const tg_message *message;      /* the message of message-like kinds, or of a callback query */
    const tg_user *from;            /* who caused the update, when known */
    int64_t chat_id;                /* the chat it concerns; for kinds without a chat (inline_query,
                                       shipping_query...) the sender's private chat; 0 if none */
    const char *command;            /* command handlers: "start" (without '/' and @botname) */
    const char *args;               /* the text after the command, "" if none */
    void *user_data;                /* the dispatcher's */
    void *webhook_reply;            /* internal: the webhook server's response-body slot while it
                                       delivers this update (see tg_webhook_reply); NULL otherwise */
    const char *business_connection_id;   /* the business connection it came through, or NULL */
} tg_ctx;

typedef int (*tg_handler_fn)(tg_ctx *ctx, void *ud);               /* TG_HANDLED or TG_CONTINUE */
typedef int (*tg_middleware_fn)(tg_ctx *ctx, bool after, void *ud); /* before: non-zero stops the chain */

typedef enum tg_event_type {
    TG_EVENT_UPDATE = 1, TG_EVENT_SENT, TG_EVENT_ERROR, TG_EVENT_RETRY, TG_EVENT_RATE_LIMITED, TG_EVENT_SHUTDOWN
#if TGBOT__HAS_BREAKER
    , TG_EVENT_BREAKER              /* the circuit breaker changed state (breaker.h) */
#endif
} tg_event_type;

typedef struct tg_event {
    tg_event_type type;
    const char *method;             /* SENT, ERROR, RETRY, RATE_LIMITED */
    const tg_error *error;          /* ERROR, RETRY */
    const tg_ctx *ctx;              /* UPDATE, and ERROR raised by a handler */
    uint64_t elapsed_ms;            /* SENT */
    uint32_t attempt, delay_ms;     /* RETRY; RATE_LIMITED from the limiter: delay_ms = its wait */
    int32_t retry_after;            /* RATE_LIMITED: a 429 from Telegram (0 when the limiter waited) */
#if TGBOT__HAS_BREAKER
    int breaker_state;              /* BREAKER: the new tg_breaker_state */
#endif
} tg_event;

typedef struct tg_events {          /* every callback optional */
    void (*on_update)(const tg_event *e, void *ud);
    void (*on_sent)(const tg_event *e, void *ud);
    void (*on_error)(const tg_event *e, void *ud);
    void (*on_retry)(const tg_event *e, void *ud);
    void (*on_rate_limited)(const tg_event *e, void *ud);
    void (*on_shutdown)(const tg_event *e, void *ud);
    void *ud;
#if TGBOT__HAS_BREAKER
    void (*on_breaker)(const tg_event *e, void *ud);     /* TG_EVENT_BREAKER */
#endif
} tg_events;

typedef struct tg_plugin {
    const char *name;
    tg_err (*init)(tg_dispatcher *d, void *ud);     /* registers its handlers, middleware, events */
    void (*shutdown)(tg_dispatcher *d, void *ud);
    void *ud;
} tg_plugin;

typedef struct tg_polling_opts {
    uint32_t timeout_s;              /* long-poll timeout; 0 = 30 */
    uint32_t limit;                  /* 1..100; 0 = 100 */
    const char *const *allowed_updates; size_t allowed_updates_count;  /* NULL = keep the server's setting */
    bool handle_signals;             /* install SIGINT/SIGTERM handlers for a graceful stop */
    int64_t offset;                  /* first update to ask for (0 = whatever is pending) */
} tg_polling_opts;

TGBOT_API tg_err tg_dispatcher_new(tg_dispatcher **out, tg_bot *bot, void *user_data);
TGBOT_API void tg_dispatcher_free(tg_dispatcher *d);                 /* shuts plugins down (reverse order) */
TGBOT_API tg_err tg_on_update(tg_dispatcher *d, const char *kind, tg_handler_fn fn, void *ud);  /* kind NULL = any */
TGBOT_API tg_err tg_on_command(tg_dispatcher *d, const char *command, tg_handler_fn fn, void *ud);
TGBOT_API tg_err tg_on_callback(tg_dispatcher *d, const char *data_prefix, tg_handler_fn fn, void *ud);
TGBOT_API tg_err tg_on_fallback(tg_dispatcher *d, tg_handler_fn fn, void *ud);
TGBOT_API tg_err tg_use(tg_dispatcher *d, tg_middleware_fn fn, void *ud);
TGBOT_API void tg_set_events(tg_dispatcher *d, const tg_events *events);
TGBOT_API tg_err tg_add_plugin(tg_dispatcher *d, const tg_plugin *plugin);   /* init runs now */
TGBOT_API tg_err tg_set_bot_username(tg_dispatcher *d, const char *username); /* default: from getMe */
/* dispatches one update (from a webhook body or elsewhere); TG_OK even when no handler took it */
TGBOT_API tg_err tg_dispatch(tg_dispatcher *d, const tg_json_value *update);
TGBOT_API tg_err tg_run_polling(tg_dispatcher *d, const tg_polling_opts *opts);
TGBOT_API void tg_stop(tg_dispatcher *d);
TGBOT_API int64_t tg_polling_offset(const tg_dispatcher *d);   /* next offset to confirm */

TGBOT_API tg_err tg_reply(tg_ctx *ctx, const char *text);      /* sendMessage to the update's chat */
TGBOT_API tg_err tg_answer(tg_ctx *ctx, const char *text);     /* answerCallbackQuery (text may be NULL) */

/* ==== src/webapp.h ==== */
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

/* the primitives, for other uses (signing outgoing requests, say) */
typedef struct tg_sha256 { uint32_t h[8]; uint64_t bytes; unsigned char block[64]; size_t fill; } tg_sha256;
TGBOT_API void tg_sha256_init(tg_sha256 *s);
TGBOT_API void tg_sha256_update(tg_sha256 *s, const void *data, size_t n);
TGBOT_API void tg_sha256_final(tg_sha256 *s, unsigned char out[32]);
TGBOT_API void tg_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]);

/* ==== src/netfilter.h ==== */
#if TGBOT__HAS_WEBHOOK
/* netfilter (part of TGBOT_ENABLE_WEBHOOK): IP addresses and CIDR ranges, for the webhook server's
   source filter (tg_webhook_desc.allow / deny / trusted_proxies).

   One form for both families: an address is 16 bytes, IPv6 as is and IPv4 as the IPv4-mapped
   IPv6 address ::ffff:a.b.c.d, so an IPv4 rule such as "149.154.160.0/20" also matches a peer
   that a dual-stack socket reports as ::ffff:149.154.167.99. Syntax accepted (strict):
     IPv4   four decimal parts 0-255, no leading zeros ("010.1.1.1" is refused: octal in some parsers)
     IPv6   RFC 4291 text: hex groups, one "::", an optional trailing dotted IPv4; no zone ("%eth0")
     CIDR   ADDRESS/BITS with BITS 0-32 (IPv4) or 0-128 (IPv6), no host bits set ("10.0.0.1/8" is
            refused: probably a typo); a bare ADDRESS is one host (/32 or /128) */

typedef struct tg_ip { uint8_t b[16]; } tg_ip;
typedef struct tg_cidr { tg_ip net; uint8_t bits; } tg_cidr;    /* bits count over the 16-byte form */

/* Telegram's webhook source ranges (core.telegram.org/bots/webhooks, "The short version"; Telegram
   warns they "might expand or change"). tg_webhook_desc.allow_telegram adds them to `allow`. */
#define TG_TELEGRAM_WEBHOOK_RANGES "149.154.160.0/20", "91.108.4.0/22"

TGBOT_API bool tg_ip_parse(const char *s, size_t n, tg_ip *out);      /* n bytes of s (no NUL needed) */
TGBOT_API bool tg_cidr_parse(const char *s, tg_cidr *out);            /* NUL-terminated */
TGBOT_API bool tg_cidr_contains(const tg_cidr *c, const tg_ip *ip);
TGBOT_API bool tg_ip_is_v4(const tg_ip *ip);                          /* ::ffff:a.b.c.d */
/* "a.b.c.d" for IPv4(-mapped), RFC 5952 text for IPv6; out needs 46 bytes (TG_IP_TEXT_MAX) */
#define TG_IP_TEXT_MAX 46
TGBOT_API void tg_ip_format(const tg_ip *ip, char *out);
#endif /* TGBOT__HAS_WEBHOOK */

/* ==== src/webhook.h ==== */
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

   Source filter and per-source limits (all off by default; see the desc fields): CIDR allow/deny
   lists checked at accept (Telegram's ranges with .allow_telegram), the client taken from
   X-Forwarded-For only behind trusted_proxies, at most N connections and a token bucket of
   requests per second per source (429 with Retry-After), and a temporary block for sources that
   keep being refused. With none of them set, accept and request handling are as before.

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

typedef struct tg_webhook_desc {
    const char *host;              /* address to bind; NULL = "0.0.0.0" */
    uint16_t port;                 /* 0 = an ephemeral port (tg_webhook_port tells which) */
    const char *path;              /* request path deliveries go to; NULL = "/" (the query is ignored) */
    const char *secret_token;      /* setWebhook's secret_token; NULL = no check (not advised) */
    const char *tls_cert_file;     /* PEM certificate chain and key: both set = HTTPS */
    const char *tls_key_file;
    uint32_t max_header_bytes;     /* request head: 0 = 8 KiB */
    size_t max_body_bytes;         /* request body: 0 = 1 MiB */
    uint32_t read_timeout_ms;      /* a whole request (and the TLS handshake) must arrive within: 0 = 10 s */
    uint32_t idle_timeout_ms;      /* an idle keep-alive connection is closed after: 0 = 60 s */
    uint32_t max_connections;      /* open at once, more are closed at once: 0 = 256 */
    bool handle_signals;           /* tg_run_webhook/tg_webhook_run: SIGINT/SIGTERM stop gracefully */

    /* Source filter (all off by default). CIDR strings ("149.154.160.0/20", "2001:db8::/32", a bare
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
       name any address. (RFC 7239 `Forwarded` is not read.) */
    const char *const *trusted_proxies; size_t trusted_proxies_count;
    /* Per-source limits (0 = off). A source is an IPv4 address or an IPv6 /64. */
    uint32_t max_connections_per_source;   /* more at once are closed at accept (source_connections_refused) */
    uint32_t requests_per_second;  /* token bucket per source: over it, 429 with Retry-After (rate_limited) */
    uint32_t requests_burst;       /* the bucket's size: 0 = requests_per_second */
    /* Automatic block: every refused request (400, 401, 403 wrong secret, 404, 405, 411, 413, 429,
       431; not the filter's own 403s) and every read timeout of a direct connection is a strike
       against its source; block_after strikes, each less than block_ms after the previous one,
       block the source for block_ms (sources_blocked; a WARN log line names it): its connections are
       closed at accept and its requests answered 403 (blocked_refused); the connection that made
       the last strike is closed. A request with the right secret clears the strikes. 0 = off. */
    uint32_t block_after;
    uint32_t block_ms;             /* 0 = 10 minutes */
    /* the table of sources: fixed at tg_webhook_new, 64 bytes a slot; 0 = 1024 (64 KiB), rounded up
       to a power of two, 64 to 2^20 (64 MiB). Allocated only when a per-source limit or the block is
       on. A source with no open connection and no running block may be evicted (least recently seen
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
} tg_webhook_stats;

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

/* ==== src/cache.h ==== */
/* cache: a bounded TTL + LRU cache of read methods' answers (TGBOT_ENABLE_CACHE), opt-in per bot.

   Turn it on with tg_bot_desc.cache.enabled = true (see bot.h) or tg_cache_enable(bot, &desc).
   Compiled in but not enabled, nothing changes: every call reaches Telegram.

   What is cached: the raw body of a successful answer ({"ok":true,...}) of a call flagged as a
   read whose method has a TTL, keyed by the method and the exact encoded parameters (typed calls
   and tg_call share entries when their JSON is byte-identical). A hit is parsed and decoded into
   the bot's arena exactly like a fresh answer, so results have the usual lifetime (tg_bot_reset).
   A hit sends nothing and fires no on_sent event; it comes before the rate limiter and the circuit
   breaker, so it is answered even while the breaker is open. Errors are never cached.

   Default TTLs (tg_cache_set_ttl overrides one method; 0 stops caching it):
       getMe, getMyName, getMyDescription, getMyShortDescription, getMyCommands,
       getMyDefaultAdministratorRights, getForumTopicIconStickers           1 hour
       getChatMenuButton                                                    10 min
       getChat, getChatAdministrators, getAvailableGifts                    5 min
       getChatMember                                                        2 min
       getChatMemberCount, getUserGifts, getChatGifts, getBusinessAccountGifts   1 min
       getMyStarBalance, getBusinessAccountStarBalance                      5 s
   Never cached, whatever is asked: getUpdates, getFile, getStarTransactions, getWebhookInfo
   (and file downloads). Other read methods are cached only once tg_cache_set_ttl gives them a TTL.

   Invalidation: every call that is not a read (whatever its outcome: failed, refused or unknown
   writes drop too; a webhook reply, tg_webhook_reply, counts as a write) removes the entries it may
   have changed. The rules err on dropping more:
     1. bot profile: setMy* / deleteMy* / removeMy* / setChatMenuButton  → getMe, getMy*, getChatMenuButton
     2. a chat: any write with a top-level chat_id, except send* / forward* / copy*
        → getChat, getChatAdministrators, getChatMember, getChatMemberCount of that chat_id
        (compared as text: 123 and "123" are the same chat, but "@name" and its numeric id are not:
        name a chat the same way in reads and writes, or tg_cache_invalidate); ban* / unban* / promote* / restrict* /
        pin* / unpin* / leave* / approve* / decline* / setChat* without a chat_id → those of every chat
     3. Stars and gifts: a write flagged as spending Stars, any write whose name contains "Gift" or
        "Star" (sendGift, giftPremiumSubscription, upgradeGift, transferGift, convertGiftToStars,
        transferBusinessAccountStars, refundStarPayment, ...), or with "allow_paid_broadcast":true
        → getMyStarBalance, getBusinessAccountStarBalance, getAvailableGifts, getUserGifts,
        getChatGifts, getBusinessAccountGifts
     4. logOut / close → everything; methods given a TTL by tg_cache_set_ttl outside the table above
        are dropped by every write.
   tg_cache_invalidate(bot, method) drops one method's entries, (bot, NULL) all of them.

   Memory is bounded: at most max_entries entries and max_bytes bytes (each entry counts its key,
   its body and its bookkeeping); the least recently used go first, and an answer bigger than
   max_bytes is not stored. Time comes from the bot's tg_platform.now_ms. One thread per bot. */
#if TGBOT__HAS_CACHE

#define TGBOT_CACHE_OVERRIDES 16       /* per-method TTL overrides a bot keeps */

typedef struct tg_cache_stats {
    uint64_t hits;            /* answered from the cache */
    uint64_t misses;          /* cacheable calls that had to ask Telegram (expired entries included) */
    uint64_t stores;          /* answers stored */
    uint64_t evictions;       /* entries dropped to stay within max_entries / max_bytes */
    uint64_t expirations;     /* entries found past their TTL (each also counts as a miss) */
    uint64_t invalidations;   /* entries dropped by writes and tg_cache_invalidate */
    size_t bytes;             /* bytes held now */
    uint32_t entries;         /* entries held now */
} tg_cache_stats;

/* Turns the cache on (d may be NULL: the defaults; d->enabled is not looked at). Enabling it again
   keeps the entries and the overrides and applies the new bounds. TG_ERR_NOMEM when out of memory. */
TGBOT_API tg_err tg_cache_enable(tg_bot *bot, const tg_cache_desc *d);
TGBOT_API void tg_cache_disable(tg_bot *bot);                /* drops everything, frees the memory */
TGBOT_API bool tg_cache_enabled(const tg_bot *bot);
/* TTL of one read method in milliseconds (0: do not cache it). TG_ERR_ARG for a never-cached method,
   a bad name or a cache that is not enabled; TG_ERR_LIMIT past TGBOT_CACHE_OVERRIDES methods.
   Entries already stored keep the expiry they were given. */
TGBOT_API tg_err tg_cache_set_ttl(tg_bot *bot, const char *method, uint32_t ttl_ms);
TGBOT_API uint32_t tg_cache_ttl(const tg_bot *bot, const char *method);    /* what applies now; 0: not cached */
TGBOT_API uint32_t tg_cache_invalidate(tg_bot *bot, const char *method);   /* NULL: all; returns entries dropped */
TGBOT_API void tg_cache_get_stats(const tg_bot *bot, tg_cache_stats *out); /* zeros when not enabled */

#endif /* TGBOT__HAS_CACHE */

/* ==== src/ratelimit.h ==== */
/* ratelimit: Telegram's rate limits applied before a message is sent (TGBOT_ENABLE_RATELIMIT).

   Three small algorithms, pure structs on an injected clock (milliseconds), usable on their own.
   Each answers "may I go now?": tg_*_take returns 0 and takes the slot, or the number of
   milliseconds to wait before the same call would succeed (nothing is taken then). Costs are in
   thousandths of a request (TG_RL_ONE = one request), so a slowed-down scope can charge more.
       sliding window  counter-based: the previous window's count weighted by how much of it still
                       overlaps, plus the current window's count (no per-request log)
       token bucket    capacity tokens, refilled continuously at count per period
       leaky bucket    a level that drains continuously; a request fits while the level is at most
                       capacity - 1 requests ("meter" form: no queue, the caller waits)

   The bot's limiter (configured by tg_bot_desc.ratelimit, see bot.h; zero = Telegram's limits):
     - only calls that send messages count: methods flagged as sending whose name starts with
       send, copy or forward (sendChatAction and the *Draft methods excepted); reads never wait;
     - the chat is the call's top-level "chat_id" parameter: a positive id is a private chat
       (leaky bucket, 1/s, burst 1), a negative id or an "@username" a group, supergroup or channel
       (sliding window, 20 per 60 s); every counted call also passes the global lane (sliding
       window, 30 per 1 s), or, with allow_paid_broadcast=true, the paid lane instead (token
       bucket, 1000/s);
     - the limiter waits through tg_platform.sleep_ms before sending and fires the dispatcher's
       on_rate_limited event with delay_ms = the wait (retry_after = 0 tells it from a 429);
       with fail_fast, or a wait over max_wait_ms, the call fails with TG_ERR_LIMIT instead and
       nothing is sent (error.retry_after = the wait in seconds, rounded up);
     - on a 429 from Telegram: a call that named a chat pauses ONLY that chat; a call without a
       chat_id pauses the global lane. The pause lasts exactly retry_after seconds from the answer
       (1 s when Telegram gave none) and ends only when that time has passed: nothing else
       releases it early. Other chats keep going. After the pause the scope runs at half its rate
       (a 429 on a later call while still slowed halves it again, down to 1/8; the
       429s of one call's retries count once), recovering linearly to full rate
       over recover_ms. The call's own retry (bot.h) sleeps the same retry_after, which counts as
       the pause served; a retried call keeps the slot its first attempt took;
     - memory is bounded: TGBOT_RATELIMIT_CHATS per-chat states in a table inside the bot
       (least recently used evicted; an evicted chat starts afresh, its pause forgotten).
   The limiter assumes one thread per bot, like the rest of the bot object. */
#if TGBOT__HAS_RATELIMIT

#ifndef TGBOT_RATELIMIT_CHATS
#define TGBOT_RATELIMIT_CHATS 256      /* per-chat states kept per bot (96 bytes each on 64-bit: 24 KiB in tg_bot) */
#endif
#define TG_RL_ONE 1000u                /* the cost of one request */

typedef struct tg_sliding_window {
    uint64_t limit;          /* requests per window, in thousandths */
    uint32_t window_ms;
    uint64_t start;          /* start of the current window */
    uint64_t cur, prev;      /* thousandths counted in the current and the previous window */
    bool started;
} tg_sliding_window;

typedef struct tg_token_bucket {
    uint64_t tokens;         /* thousandths of a token, times period_ms */
    uint64_t cap;            /* capacity, same unit */
    uint32_t count, period_ms;
    uint64_t last;
    bool started;
} tg_token_bucket;

typedef struct tg_leaky_bucket {
    uint64_t level;          /* thousandths of a request, times period_ms */
    uint64_t tolerance;      /* (capacity - 1) requests, same unit */
    uint32_t count, period_ms;
    uint64_t last;
} tg_leaky_bucket;

/* limit requests per window_ms */
TGBOT_API void tg_sliding_window_init(tg_sliding_window *s, uint32_t limit, uint32_t window_ms);
TGBOT_API uint64_t tg_sliding_window_take(tg_sliding_window *s, uint64_t now_ms, uint32_t cost);
/* count tokens per period_ms, holding at most capacity (it starts full) */
TGBOT_API void tg_token_bucket_init(tg_token_bucket *t, uint32_t count, uint32_t period_ms, uint32_t capacity);
TGBOT_API uint64_t tg_token_bucket_take(tg_token_bucket *t, uint64_t now_ms, uint32_t cost);
/* drains count requests per period_ms; capacity requests may go back to back (it starts empty) */
TGBOT_API void tg_leaky_bucket_init(tg_leaky_bucket *l, uint32_t count, uint32_t period_ms, uint32_t capacity);
TGBOT_API uint64_t tg_leaky_bucket_take(tg_leaky_bucket *l, uint64_t now_ms, uint32_t cost);

typedef struct tg_ratelimit_stats {
    uint64_t waits;          /* calls the limiter made wait */
    uint64_t wait_ms;        /* total time waited */
    uint64_t refused;        /* calls failed with TG_ERR_LIMIT (fail_fast, max_wait_ms) */
    uint64_t pauses;         /* 429 answers that paused a scope */
    uint32_t chats;          /* per-chat states in use (at most TGBOT_RATELIMIT_CHATS) */
} tg_ratelimit_stats;

TGBOT_API void tg_ratelimit_get_stats(const tg_bot *bot, tg_ratelimit_stats *out);
/* per call: tg_ratelimit_set_fail_fast(bot, true) before a call that must not wait, then back;
   returns the previous setting */
TGBOT_API bool tg_ratelimit_set_fail_fast(tg_bot *bot, bool on);
/* how long a message to chat_id would wait now (0: it may go), without taking anything */
TGBOT_API uint64_t tg_ratelimit_peek(tg_bot *bot, int64_t chat_id);

/* internal: the per-bot state, embedded in tg_bot */
typedef struct tg__rl_scope {
    uint64_t pause_until;    /* no call before this (a 429) */
    uint64_t slow_since;     /* the pause's end: recovery starts there; 0 = full rate */
    uint32_t slow_permille;  /* rate at slow_since, in thousandths of the full rate */
} tg__rl_scope;

typedef struct tg__rl_chat {
    int64_t key;             /* chat id, or a hash of "@username" (with the top bit set) */
    uint64_t used;           /* last use (LRU) */
    bool in_use, group;
    tg__rl_scope sc;
    union { tg_leaky_bucket priv; tg_sliding_window grp; } alg;
} tg__rl_chat;

typedef struct tg__ratelimit {
    tg_ratelimit_desc d;
    uint64_t vclock;         /* time the limiter knows has passed (its own waits, served pauses) */
    tg_sliding_window global;
    tg_token_bucket paid;
    tg__rl_scope global_sc;
    tg__rl_chat chats[TGBOT_RATELIMIT_CHATS];
    tg__rl_chat *cur;        /* the chat of the call in progress (NULL: none or not counted) */
    bool cur_counted, cur_paid, after_429, cur_slowed;
    tg_ratelimit_stats st;
} tg__ratelimit;

#endif /* TGBOT__HAS_RATELIMIT */

/* ==== src/breaker.h ==== */
/* breaker: a circuit breaker in front of the network (TGBOT_ENABLE_BREAKER), one per bot,
   configured by tg_bot_desc.breaker (see bot.h; zero = the defaults).

     closed     calls go out; every attempt's outcome is counted. Failures are network errors
                (DNS, connect, timeouts, I/O, closed connections, proxies) and 5xx answers.
                Telegram's own 4xx answers (400, 403 "bot was blocked", 404, 409...) say the
                service is healthy and count as successes; 429 counts as neither.
                `failures` consecutive failures (default 10) open the breaker.
     open       every call fails at once with TG_ERR_BREAKER_OPEN, and nothing is sent: a call
                refused here never reached the network, so it is safe to repeat, even one that
                spends Stars (sendGift, sendInvoice payments, paid broadcasts...).
                After open_ms (default 30 s, on tg_platform.now_ms) the next call is let through
                as a probe: half-open.
     half-open  probes go out one call at a time; `probes` successes (default 1) close it, one
                failure opens it again for another open_ms.

   The retries of a call (bot.h) are attempts like any other: the attempt that opens the breaker
   ends its call's retries, and the call returns that attempt's own error (the 5xx, the timeout);
   the calls after it get TG_ERR_BREAKER_OPEN (error.retry_after: seconds until the next probe).
   In the pipeline the breaker is asked before the rate limiter, so a call it refuses never waits
   for a rate-limit slot. Each state change fires the dispatcher's on_breaker
   event (tg_events, updates.h) with the new state. */
#if TGBOT__HAS_BREAKER

typedef enum tg_breaker_state {
    TG_BREAKER_CLOSED = 0, TG_BREAKER_OPEN, TG_BREAKER_HALF_OPEN
} tg_breaker_state;

typedef struct tg_breaker_stats {
    tg_breaker_state state;
    uint32_t consecutive_failures;
    uint32_t probe_successes;     /* in half-open */
    uint64_t opened_at;           /* platform ms of the last opening, 0 if never */
    uint64_t failures, successes; /* attempts counted since the bot was made */
    uint64_t rejected;            /* calls refused while open */
    uint64_t opens;               /* times it opened */
} tg_breaker_stats;

TGBOT_API tg_breaker_state tg_breaker_get_state(const tg_bot *bot);
TGBOT_API void tg_breaker_get_stats(const tg_bot *bot, tg_breaker_stats *out);
TGBOT_API const char *tg_breaker_state_str(tg_breaker_state s);

/* internal: the per-bot state, embedded in tg_bot */
typedef struct tg__breaker {
    tg_breaker_desc d;
    tg_breaker_stats st;
} tg__breaker;

#endif /* TGBOT__HAS_BREAKER */

/* ==== src/analytics.h ==== */
#if TGBOT__HAS_ANALYTICS
/* analytics (TGBOT_ENABLE_ANALYTICS): metrics of one bot's calls and updates, an anomaly detector,
   a load trend, a health check, and export as Prometheus text or JSON.

   Opt-in per bot: tg_analytics_enable(bot) allocates the state (one block, with the bot's
   allocator, about 16 KiB) and from then on every call that reaches the network is recorded at the
   end of the call pipeline (after decode and the retries), and every update the dispatcher handles
   is counted by kind. The bot owns it; tg_bot_free frees it. No thread, no global: everything runs
   on the caller's thread, time comes from the bot's tg_platform.now_ms (tests inject a clock).
   Not recorded: calls refused before sending (argument validation: they never reached the
   network) and calls ended by tg_stop (TG_ERR_STOPPED).

   Memory is bounded: TGBOT_ANALYTICS_METHODS rows keyed by method name (first come, first served),
   every further method name is counted in the row "other"; 16 update kinds likewise (a kind
   is the update's first key, sent by the peer: one that is not [a-z_]{1,31} counts as "other").

   Latency: a histogram per method with fixed buckets, upper bounds 0 1 2 3 4 6 8 11 16 23 32 45 64
   91 128 181 256 362 512 724 1024 1448 2048 2896 4096 5793 8192 11585 16384 23170 32768 46341
   65536 ms and +Inf (ratio about sqrt 2). Percentiles (nearest rank) report the upper bound of the
   bucket holding the rank, clamped to the observed max: an estimate is never below the true
   percentile and at most 41.5 % above it (exact up to 4 ms; beyond 65536 ms it is the max).

   Anomaly detector (deterministic: the same samples give the same flags):
   - latency: EWMA mean and EWMA variance of every call's latency, alpha = 1/8. After 20 calls a
     call whose latency is more than 3 standard deviations above the mean (the deviation floored at
     1 ms and at 10 % of the mean, so a flat series does not flag 1 ms of jitter) counts as an
     anomaly. The sample then updates the EWMAs like any other.
   - error rate: a fast EWMA (alpha 1/16) and a slow baseline EWMA (alpha 1/256) of "the call
     failed" (0/1). After 20 calls the rate is anomalous while fast > slow and
     (fast - slow) > 3 * sqrt(p (1 - p) / 31), p = max(slow, 0.02) (31: the effective sample size of
     the fast EWMA).
   An anomaly keeps the "anomaly" flag on for 60 s of the clock.
   Load: calls per one-minute bucket (a ring of 16 minutes; the current minute is open). The
   calls/min EWMA (alpha 0.3) is updated as each minute closes; the prediction for the next minute
   is a least-squares line through the last 10 closed minutes (fewer while the bot is young),
   evaluated one minute ahead and floored at 0; the slope is the trend (calls/min per minute).
   Health: "failing" when the last 5 calls all failed or the error-rate EWMA is >= 0.5 (after 5
   calls); "degraded" when the error-rate EWMA is >= 0.1, an anomaly is flagged, or a 429 wait
   happened in the last 60 s; otherwise "ok". The reason says which rule decided.

   Export. Metric series (counted honestly, as tg_analytics_prometheus writes them; the test
   analytics_prometheus_promtool counts them):
   - 22 fixed series: calls, errors, retries, rate-limit hits, rate-limit waits, rate-limit wait
     seconds, unhandled updates, handler seconds, latency anomalies, error-rate anomalies
     (counters); uptime, error ratio, error-ratio EWMA, latency EWMA, latency deviation, anomaly
     flag, load EWMA, load trend, load prediction (gauges); health (one series per state: 3);
   - with the bot's cache enabled (TGBOT_ENABLE_CACHE, cache.h) 5 more, read from the cache when
     exporting: cache hits and misses (counters; hits are not calls: they send nothing), hit
     ratio, entries, bytes (gauges); in JSON an object "cache" with the same figures;
   - per method row that has seen a call: calls, retries, 13 error classes, 34 histogram buckets
     (+Inf included), _sum, _count, min, max = 53 series;
   - per update kind seen: 1 series.
   So a bot using 3 methods and 2 update kinds exports 22 + 159 + 2 = 183 series, one using a
   single method 75; the most (33 rows, 17 kinds) is 22 + 1749 + 17 = 1788. The "50+" of the Python
   original is reached by 1 method; counted as metric families (names) there are 27.
   Names start with tgbot_; labels method="sendMessage", class="telegram", code="429",
   kind="message". The token never appears: only method names and numbers are written.
   Prometheus numbers are written without printf's locale (integers; seconds from milliseconds
   with 3 decimals; other gauges fixed-point with 6 decimals); JSON uses the library's
   locale-independent writer. Not measured here: request/response bytes. */

#ifndef TGBOT_ANALYTICS_METHODS
#define TGBOT_ANALYTICS_METHODS 32         /* named rows; one more row collects the rest */
#endif
#define TG_ANALYTICS_BUCKETS 34            /* 33 finite bounds + Inf */

typedef struct tg_analytics tg_analytics;

/* error classes of a failed call (the per-method error table is indexed by these) */
typedef enum tg_analytics_class {
    TG_AN_NETWORK = 0, TG_AN_TLS, TG_AN_PROTOCOL,       /* no answer / TLS / not a Bot API answer */
    TG_AN_API_400, TG_AN_API_401, TG_AN_API_403, TG_AN_API_404, TG_AN_API_409, TG_AN_API_429,
    TG_AN_API_4XX_OTHER, TG_AN_API_5XX, TG_AN_OUTCOME_UNKNOWN, TG_AN_OTHER,
    TG_AN_CLASS_COUNT
} tg_analytics_class;

typedef enum tg_health { TG_HEALTH_OK = 0, TG_HEALTH_DEGRADED, TG_HEALTH_FAILING } tg_health;

/* one finished call, as the pipeline reports it (tg_analytics_record takes the same) */
typedef struct tg_analytics_sample {
    const char *method;
    tg_err code;              /* TG_OK or the call's error */
    int error_code;           /* Telegram's error_code, 0 if none */
    int http_status;          /* 0 if no answer */
    uint64_t latency_ms;      /* the whole call, retries and back-off waits included */
    uint32_t attempts;        /* 1 + retries */
} tg_analytics_sample;

typedef struct tg_analytics_method_stats {
    const char *method;                       /* "other" for the overflow row */
    uint64_t calls, errors, retries;
    uint64_t errors_by_class[TG_AN_CLASS_COUNT];
    uint64_t min_ms, max_ms, sum_ms;
    double mean_ms;
    uint64_t p50_ms, p90_ms, p99_ms;          /* see the error bound above; 0 without calls */
} tg_analytics_method_stats;

typedef struct tg_analytics_summary {
    uint64_t calls, errors, retries, rate_limit_hits, rate_limit_waits, rate_limit_wait_ms;
    uint64_t updates, updates_unhandled, handler_ms;
    uint64_t latency_anomalies, error_rate_anomalies;
    uint64_t uptime_ms;
    double error_rate;                        /* errors / calls since enable or reset */
    double error_rate_ewma, latency_ewma_ms, latency_dev_ms;
    bool anomaly;                             /* an anomaly in the last 60 s */
    double load_per_min_ewma, load_trend, load_predicted;
    tg_health health;
    const char *health_reason;                /* static text */
} tg_analytics_summary;

/* Turns analytics on for this bot (idempotent). TG_ERR_NOMEM if the state cannot be allocated. */
TGBOT_API tg_err tg_analytics_enable(tg_bot *bot);
TGBOT_API tg_analytics *tg_bot_analytics(tg_bot *bot);         /* NULL until enabled */
TGBOT_API void tg_analytics_reset(tg_analytics *a);            /* forgets everything, uptime restarts */
/* records a call made outside the pipeline (or a synthetic one in tests) */
TGBOT_API void tg_analytics_record(tg_analytics *a, const tg_analytics_sample *s);
/* records one update the dispatcher handled (the dispatcher calls this itself) */
TGBOT_API void tg_analytics_record_update(tg_analytics *a, const char *kind, bool handled, uint64_t handler_ms);
/* false when the method has no row (never called; or counted in "other": ask for "other") */
TGBOT_API bool tg_analytics_method(tg_analytics *a, const char *method, tg_analytics_method_stats *out);
TGBOT_API void tg_analytics_get_summary(tg_analytics *a, tg_analytics_summary *out);
TGBOT_API tg_health tg_analytics_health(tg_analytics *a, const char **reason);
TGBOT_API const char *tg_health_str(tg_health h);             /* "ok", "degraded", "failing" */
TGBOT_API const char *tg_analytics_class_str(tg_analytics_class c);
/* Prometheus text exposition format (version 0.0.4) into buf; returns the length of the whole
   text (like snprintf: if it is >= cap the text was cut, call again with a bigger buffer). buf is
   NUL-terminated when cap > 0. */
TGBOT_API size_t tg_analytics_prometheus(tg_analytics *a, char *buf, size_t cap);
/* one JSON object value with everything (fixed or growable writer; errors stick in w->err) */
TGBOT_API void tg_analytics_json(tg_analytics *a, tg_json_writer *w);
#endif /* TGBOT__HAS_ANALYTICS */

/* ==== src/gen/api.h ==== */
/* GENERATED by tools/gen_api.py from the Bot API 10.3 schema (src/gen/botapi-schema.json): do not edit. */
/* The Bot API types and methods (names declared in gen/api_types.h). struct tg_<name> is the
   type <Name> of https://core.telegram.org/bots/api#<name> (tg_inline_query_result_cached_mpeg4_gif:
   #inlinequeryresultcachedmpeg4gif); an abstract type is { kind; union of its variants }. */
typedef enum tg_maybe_inaccessible_message_kind {
    TG_MAYBE_INACCESSIBLE_MESSAGE_UNKNOWN = 0,
    TG_MAYBE_INACCESSIBLE_MESSAGE_MESSAGE,
    TG_MAYBE_INACCESSIBLE_MESSAGE_INACCESSIBLE_MESSAGE,
    TG__MAYBE_INACCESSIBLE_MESSAGE_FORCE_U32 = 0x7FFFFFFF
} tg_maybe_inaccessible_message_kind;
struct tg_maybe_inaccessible_message {
    tg_maybe_inaccessible_message_kind kind;
    union {
        tg_message *message;
        tg_inaccessible_message *inaccessible_message;
        void *any;
    } u;
};
typedef enum tg_message_origin_kind {
    TG_MESSAGE_ORIGIN_UNKNOWN = 0,
    TG_MESSAGE_ORIGIN_USER,
    TG_MESSAGE_ORIGIN_HIDDEN_USER,
    TG_MESSAGE_ORIGIN_CHAT,
    TG_MESSAGE_ORIGIN_CHANNEL,
    TG__MESSAGE_ORIGIN_FORCE_U32 = 0x7FFFFFFF
} tg_message_origin_kind;
struct tg_message_origin {
    tg_message_origin_kind kind;
    union {
        tg_message_origin_user *user;
        tg_message_origin_hidden_user *hidden_user;
        tg_message_origin_chat *chat;
        tg_message_origin_channel *channel;
        void *any;
    } u;
};
typedef enum tg_paid_media_kind {
    TG_PAID_MEDIA_UNKNOWN = 0,
    TG_PAID_MEDIA_LIVE_PHOTO,
    TG_PAID_MEDIA_PHOTO,
    TG_PAID_MEDIA_PREVIEW,
    TG_PAID_MEDIA_VIDEO,
    TG__PAID_MEDIA_FORCE_U32 = 0x7FFFFFFF
} tg_paid_media_kind;
struct tg_paid_media {
    tg_paid_media_kind kind;
    union {
        tg_paid_media_live_photo *live_photo;
        tg_paid_media_photo *photo;
        tg_paid_media_preview *preview;
        tg_paid_media_video *video;
        void *any;
    } u;
};
typedef enum tg_input_poll_media_kind {
    TG_INPUT_POLL_MEDIA_UNKNOWN = 0,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_ANIMATION,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_AUDIO,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_DOCUMENT,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_LIVE_PHOTO,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_LOCATION,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_PHOTO,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_VENUE,
    TG_INPUT_POLL_MEDIA_INPUT_MEDIA_VIDEO,
    TG__INPUT_POLL_MEDIA_FORCE_U32 = 0x7FFFFFFF
} tg_input_poll_media_kind;
struct tg_input_poll_media {
    tg_input_poll_media_kind kind;
    union {
        tg_input_media_animation *input_media_animation;
        tg_input_media_audio *input_media_audio;
        tg_input_media_document *input_media_document;
        tg_input_media_live_photo *input_media_live_photo;
        tg_input_media_location *input_media_location;
        tg_input_media_photo *input_media_photo;
        tg_input_media_venue *input_media_venue;
        tg_input_media_video *input_media_video;
        void *any;
    } u;
};
typedef enum tg_input_poll_option_media_kind {
    TG_INPUT_POLL_OPTION_MEDIA_UNKNOWN = 0,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_ANIMATION,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_LINK,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_LIVE_PHOTO,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_LOCATION,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_PHOTO,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_STICKER,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_VENUE,
    TG_INPUT_POLL_OPTION_MEDIA_INPUT_MEDIA_VIDEO,
    TG__INPUT_POLL_OPTION_MEDIA_FORCE_U32 = 0x7FFFFFFF
} tg_input_poll_option_media_kind;
struct tg_input_poll_option_media {
    tg_input_poll_option_media_kind kind;
    union {
        tg_input_media_animation *input_media_animation;
        tg_input_media_link *input_media_link;
        tg_input_media_live_photo *input_media_live_photo;
        tg_input_media_location *input_media_location;
        tg_input_media_photo *input_media_photo;
        tg_input_media_sticker *input_media_sticker;
        tg_input_media_venue *input_media_venue;
        tg_input_media_video *input_media_video;
        void *any;
    } u;
};
typedef enum tg_background_fill_kind {
    TG_BACKGROUND_FILL_UNKNOWN = 0,
    TG_BACKGROUND_FILL_SOLID,
    TG_BACKGROUND_FILL_GRADIENT,
    TG_BACKGROUND_FILL_FREEFORM_GRADIENT,
    TG__BACKGROUND_FILL_FORCE_U32 = 0x7FFFFFFF
} tg_background_fill_kind;
struct tg_background_fill {
    tg_background_fill_kind kind;
    union {
        tg_background_fill_solid *solid;
        tg_background_fill_gradient *gradient;
        tg_background_fill_freeform_gradient *freeform_gradient;
        void *any;
    } u;
};
typedef enum tg_background_type_kind {
    TG_BACKGROUND_TYPE_UNKNOWN = 0,
    TG_BACKGROUND_TYPE_FILL,
    TG_BACKGROUND_TYPE_WALLPAPER,
    TG_BACKGROUND_TYPE_PATTERN,
    TG_BACKGROUND_TYPE_CHAT_THEME,
    TG__BACKGROUND_TYPE_FORCE_U32 = 0x7FFFFFFF
} tg_background_type_kind;
struct tg_background_type {
    tg_background_type_kind kind;
    union {
        tg_background_type_fill *fill;
        tg_background_type_wallpaper *wallpaper;
        tg_background_type_pattern *pattern;
        tg_background_type_chat_theme *chat_theme;
        void *any;
    } u;
};
typedef enum tg_chat_member_kind {
    TG_CHAT_MEMBER_UNKNOWN = 0,
    TG_CHAT_MEMBER_OWNER,
    TG_CHAT_MEMBER_ADMINISTRATOR,
    TG_CHAT_MEMBER_MEMBER,
    TG_CHAT_MEMBER_RESTRICTED,
    TG_CHAT_MEMBER_LEFT,
    TG_CHAT_MEMBER_BANNED,
    TG__CHAT_MEMBER_FORCE_U32 = 0x7FFFFFFF
} tg_chat_member_kind;
struct tg_chat_member {
    tg_chat_member_kind kind;
    union {
        tg_chat_member_owner *owner;
        tg_chat_member_administrator *administrator;
        tg_chat_member_member *member;
        tg_chat_member_restricted *restricted;
        tg_chat_member_left *left;
        tg_chat_member_banned *banned;
        void *any;
    } u;
};
typedef enum tg_story_area_type_kind {
    TG_STORY_AREA_TYPE_UNKNOWN = 0,
    TG_STORY_AREA_TYPE_LOCATION,
    TG_STORY_AREA_TYPE_SUGGESTED_REACTION,
    TG_STORY_AREA_TYPE_LINK,
    TG_STORY_AREA_TYPE_WEATHER,
    TG_STORY_AREA_TYPE_UNIQUE_GIFT,
    TG__STORY_AREA_TYPE_FORCE_U32 = 0x7FFFFFFF
} tg_story_area_type_kind;
struct tg_story_area_type {
    tg_story_area_type_kind kind;
    union {
        tg_story_area_type_location *location;
        tg_story_area_type_suggested_reaction *suggested_reaction;
        tg_story_area_type_link *link;
        tg_story_area_type_weather *weather;
        tg_story_area_type_unique_gift *unique_gift;
        void *any;
    } u;
};
typedef enum tg_reaction_type_kind {
    TG_REACTION_TYPE_UNKNOWN = 0,
    TG_REACTION_TYPE_EMOJI,
    TG_REACTION_TYPE_CUSTOM_EMOJI,
    TG_REACTION_TYPE_PAID,
    TG__REACTION_TYPE_FORCE_U32 = 0x7FFFFFFF
} tg_reaction_type_kind;
struct tg_reaction_type {
    tg_reaction_type_kind kind;
    union {
        tg_reaction_type_emoji *emoji;
        tg_reaction_type_custom_emoji *custom_emoji;
        tg_reaction_type_paid *paid;
        void *any;
    } u;
};
typedef enum tg_owned_gift_kind {
    TG_OWNED_GIFT_UNKNOWN = 0,
    TG_OWNED_GIFT_REGULAR,
    TG_OWNED_GIFT_UNIQUE,
    TG__OWNED_GIFT_FORCE_U32 = 0x7FFFFFFF
} tg_owned_gift_kind;
struct tg_owned_gift {
    tg_owned_gift_kind kind;
    union {
        tg_owned_gift_regular *regular;
        tg_owned_gift_unique *unique;
        void *any;
    } u;
};
typedef enum tg_bot_command_scope_kind {
    TG_BOT_COMMAND_SCOPE_UNKNOWN = 0,
    TG_BOT_COMMAND_SCOPE_DEFAULT_,
    TG_BOT_COMMAND_SCOPE_ALL_PRIVATE_CHATS,
    TG_BOT_COMMAND_SCOPE_ALL_GROUP_CHATS,
    TG_BOT_COMMAND_SCOPE_ALL_CHAT_ADMINISTRATORS,
    TG_BOT_COMMAND_SCOPE_CHAT,
    TG_BOT_COMMAND_SCOPE_CHAT_ADMINISTRATORS,
    TG_BOT_COMMAND_SCOPE_CHAT_MEMBER,
    TG__BOT_COMMAND_SCOPE_FORCE_U32 = 0x7FFFFFFF
} tg_bot_command_scope_kind;
struct tg_bot_command_scope {
    tg_bot_command_scope_kind kind;
    union {
        tg_bot_command_scope_default *default_;
        tg_bot_command_scope_all_private_chats *all_private_chats;
        tg_bot_command_scope_all_group_chats *all_group_chats;
        tg_bot_command_scope_all_chat_administrators *all_chat_administrators;
        tg_bot_command_scope_chat *chat;
        tg_bot_command_scope_chat_administrators *chat_administrators;
        tg_bot_command_scope_chat_member *chat_member;
        void *any;
    } u;
};
typedef enum tg_menu_button_kind {
    TG_MENU_BUTTON_UNKNOWN = 0,
    TG_MENU_BUTTON_COMMANDS,
    TG_MENU_BUTTON_WEB_APP,
    TG_MENU_BUTTON_DEFAULT_,
    TG__MENU_BUTTON_FORCE_U32 = 0x7FFFFFFF
} tg_menu_button_kind;
struct tg_menu_button {
    tg_menu_button_kind kind;
    union {
        tg_menu_button_commands *commands;
        tg_menu_button_web_app *web_app;
        tg_menu_button_default *default_;
        void *any;
    } u;
};
typedef enum tg_chat_boost_source_kind {
    TG_CHAT_BOOST_SOURCE_UNKNOWN = 0,
    TG_CHAT_BOOST_SOURCE_PREMIUM,
    TG_CHAT_BOOST_SOURCE_GIFT_CODE,
    TG_CHAT_BOOST_SOURCE_GIVEAWAY,
    TG__CHAT_BOOST_SOURCE_FORCE_U32 = 0x7FFFFFFF
} tg_chat_boost_source_kind;
struct tg_chat_boost_source {
    tg_chat_boost_source_kind kind;
    union {
        tg_chat_boost_source_premium *premium;
        tg_chat_boost_source_gift_code *gift_code;
        tg_chat_boost_source_giveaway *giveaway;
        void *any;
    } u;
};
typedef enum tg_input_media_kind {
    TG_INPUT_MEDIA_UNKNOWN = 0,
    TG_INPUT_MEDIA_ANIMATION,
    TG_INPUT_MEDIA_AUDIO,
    TG_INPUT_MEDIA_DOCUMENT,
    TG_INPUT_MEDIA_LIVE_PHOTO,
    TG_INPUT_MEDIA_PHOTO,
    TG_INPUT_MEDIA_VIDEO,
    TG__INPUT_MEDIA_FORCE_U32 = 0x7FFFFFFF
} tg_input_media_kind;
struct tg_input_media {
    tg_input_media_kind kind;
    union {
        tg_input_media_animation *animation;
        tg_input_media_audio *audio;
        tg_input_media_document *document;
        tg_input_media_live_photo *live_photo;
        tg_input_media_photo *photo;
        tg_input_media_video *video;
        void *any;
    } u;
};
typedef enum tg_input_paid_media_kind {
    TG_INPUT_PAID_MEDIA_UNKNOWN = 0,
    TG_INPUT_PAID_MEDIA_LIVE_PHOTO,
    TG_INPUT_PAID_MEDIA_PHOTO,
    TG_INPUT_PAID_MEDIA_VIDEO,
    TG__INPUT_PAID_MEDIA_FORCE_U32 = 0x7FFFFFFF
} tg_input_paid_media_kind;
struct tg_input_paid_media {
    tg_input_paid_media_kind kind;
    union {
        tg_input_paid_media_live_photo *live_photo;
        tg_input_paid_media_photo *photo;
        tg_input_paid_media_video *video;
        void *any;
    } u;
};
typedef enum tg_input_profile_photo_kind {
    TG_INPUT_PROFILE_PHOTO_UNKNOWN = 0,
    TG_INPUT_PROFILE_PHOTO_STATIC_,
    TG_INPUT_PROFILE_PHOTO_ANIMATED,
    TG__INPUT_PROFILE_PHOTO_FORCE_U32 = 0x7FFFFFFF
} tg_input_profile_photo_kind;
struct tg_input_profile_photo {
    tg_input_profile_photo_kind kind;
    union {
        tg_input_profile_photo_static *static_;
        tg_input_profile_photo_animated *animated;
        void *any;
    } u;
};
typedef enum tg_input_story_content_kind {
    TG_INPUT_STORY_CONTENT_UNKNOWN = 0,
    TG_INPUT_STORY_CONTENT_PHOTO,
    TG_INPUT_STORY_CONTENT_VIDEO,
    TG__INPUT_STORY_CONTENT_FORCE_U32 = 0x7FFFFFFF
} tg_input_story_content_kind;
struct tg_input_story_content {
    tg_input_story_content_kind kind;
    union {
        tg_input_story_content_photo *photo;
        tg_input_story_content_video *video;
        void *any;
    } u;
};
typedef enum tg_rich_text_kind {
    TG_RICH_TEXT_UNKNOWN = 0,
    TG_RICH_TEXT_STRING,
    TG_RICH_TEXT_ARRAY,
    TG_RICH_TEXT_BOLD,
    TG_RICH_TEXT_ITALIC,
    TG_RICH_TEXT_UNDERLINE,
    TG_RICH_TEXT_STRIKETHROUGH,
    TG_RICH_TEXT_SPOILER,
    TG_RICH_TEXT_DATE_TIME,
    TG_RICH_TEXT_TEXT_MENTION,
    TG_RICH_TEXT_SUBSCRIPT,
    TG_RICH_TEXT_SUPERSCRIPT,
    TG_RICH_TEXT_MARKED,
    TG_RICH_TEXT_CODE,
    TG_RICH_TEXT_CUSTOM_EMOJI,
    TG_RICH_TEXT_MATHEMATICAL_EXPRESSION,
    TG_RICH_TEXT_URL,
    TG_RICH_TEXT_EMAIL_ADDRESS,
    TG_RICH_TEXT_PHONE_NUMBER,
    TG_RICH_TEXT_BANK_CARD_NUMBER,
    TG_RICH_TEXT_MENTION,
    TG_RICH_TEXT_HASHTAG,
    TG_RICH_TEXT_CASHTAG,
    TG_RICH_TEXT_BOT_COMMAND,
    TG_RICH_TEXT_BUTTON,
    TG_RICH_TEXT_ANCHOR,
    TG_RICH_TEXT_ANCHOR_LINK,
    TG_RICH_TEXT_REFERENCE,
    TG_RICH_TEXT_REFERENCE_LINK,
    TG__RICH_TEXT_FORCE_U32 = 0x7FFFFFFF
} tg_rich_text_kind;
struct tg_rich_text {
    tg_rich_text_kind kind;
    union {
        const char *string;
        tg_rich_text_list *array;
        tg_rich_text_bold *bold;
        tg_rich_text_italic *italic;
        tg_rich_text_underline *underline;
        tg_rich_text_strikethrough *strikethrough;
        tg_rich_text_spoiler *spoiler;
        tg_rich_text_date_time *date_time;
        tg_rich_text_text_mention *text_mention;
        tg_rich_text_subscript *subscript;
        tg_rich_text_superscript *superscript;
        tg_rich_text_marked *marked;
        tg_rich_text_code *code;
        tg_rich_text_custom_emoji *custom_emoji;
        tg_rich_text_mathematical_expression *mathematical_expression;
        tg_rich_text_url *url;
        tg_rich_text_email_address *email_address;
        tg_rich_text_phone_number *phone_number;
        tg_rich_text_bank_card_number *bank_card_number;
        tg_rich_text_mention *mention;
        tg_rich_text_hashtag *hashtag;
        tg_rich_text_cashtag *cashtag;
        tg_rich_text_bot_command *bot_command;
        tg_rich_text_button *button;
        tg_rich_text_anchor *anchor;
        tg_rich_text_anchor_link *anchor_link;
        tg_rich_text_reference *reference;
        tg_rich_text_reference_link *reference_link;
        void *any;
    } u;
};
typedef enum tg_rich_block_kind {
    TG_RICH_BLOCK_UNKNOWN = 0,
    TG_RICH_BLOCK_PARAGRAPH,
    TG_RICH_BLOCK_SECTION_HEADING,
    TG_RICH_BLOCK_PREFORMATTED,
    TG_RICH_BLOCK_FOOTER,
    TG_RICH_BLOCK_DIVIDER,
    TG_RICH_BLOCK_MATHEMATICAL_EXPRESSION,
    TG_RICH_BLOCK_ANCHOR,
    TG_RICH_BLOCK_LIST,
    TG_RICH_BLOCK_BLOCK_QUOTATION,
    TG_RICH_BLOCK_EXPANDABLE_BLOCK_QUOTATION,
    TG_RICH_BLOCK_PULL_QUOTATION,
    TG_RICH_BLOCK_COLLAGE,
    TG_RICH_BLOCK_SLIDESHOW,
    TG_RICH_BLOCK_TABLE,
    TG_RICH_BLOCK_DETAILS,
    TG_RICH_BLOCK_MAP,
    TG_RICH_BLOCK_BUTTONS,
    TG_RICH_BLOCK_ANIMATION,
    TG_RICH_BLOCK_AUDIO,
    TG_RICH_BLOCK_DOCUMENT,
    TG_RICH_BLOCK_PHOTO,
    TG_RICH_BLOCK_VIDEO,
    TG_RICH_BLOCK_VOICE_NOTE,
    TG_RICH_BLOCK_THINKING,
    TG__RICH_BLOCK_FORCE_U32 = 0x7FFFFFFF
} tg_rich_block_kind;
struct tg_rich_block {
    tg_rich_block_kind kind;
    union {
        tg_rich_block_paragraph *paragraph;
        tg_rich_block_section_heading *section_heading;
        tg_rich_block_preformatted *preformatted;
        tg_rich_block_footer *footer;
        tg_rich_block_divider *divider;
        tg_rich_block_mathematical_expression *mathematical_expression;
        tg_rich_block_anchor *anchor;
        tg_rich_block_list *list;
        tg_rich_block_block_quotation *block_quotation;
        tg_rich_block_expandable_block_quotation *expandable_block_quotation;
        tg_rich_block_pull_quotation *pull_quotation;
        tg_rich_block_collage *collage;
        tg_rich_block_slideshow *slideshow;
        tg_rich_block_table *table;
        tg_rich_block_details *details;
        tg_rich_block_map *map;
        tg_rich_block_buttons *buttons;
        tg_rich_block_animation *animation;
        tg_rich_block_audio *audio;
        tg_rich_block_document *document;
        tg_rich_block_photo *photo;
        tg_rich_block_video *video;
        tg_rich_block_voice_note *voice_note;
        tg_rich_block_thinking *thinking;
        void *any;
    } u;
};
typedef enum tg_input_rich_block_kind {
    TG_INPUT_RICH_BLOCK_UNKNOWN = 0,
    TG_INPUT_RICH_BLOCK_PARAGRAPH,
    TG_INPUT_RICH_BLOCK_SECTION_HEADING,
    TG_INPUT_RICH_BLOCK_PREFORMATTED,
    TG_INPUT_RICH_BLOCK_FOOTER,
    TG_INPUT_RICH_BLOCK_DIVIDER,
    TG_INPUT_RICH_BLOCK_MATHEMATICAL_EXPRESSION,
    TG_INPUT_RICH_BLOCK_ANCHOR,
    TG_INPUT_RICH_BLOCK_LIST,
    TG_INPUT_RICH_BLOCK_BLOCK_QUOTATION,
    TG_INPUT_RICH_BLOCK_EXPANDABLE_BLOCK_QUOTATION,
    TG_INPUT_RICH_BLOCK_PULL_QUOTATION,
    TG_INPUT_RICH_BLOCK_COLLAGE,
    TG_INPUT_RICH_BLOCK_SLIDESHOW,
    TG_INPUT_RICH_BLOCK_TABLE,
    TG_INPUT_RICH_BLOCK_DETAILS,
    TG_INPUT_RICH_BLOCK_MAP,
    TG_INPUT_RICH_BLOCK_BUTTONS,
    TG_INPUT_RICH_BLOCK_ANIMATION,
    TG_INPUT_RICH_BLOCK_AUDIO,
    TG_INPUT_RICH_BLOCK_DOCUMENT,
    TG_INPUT_RICH_BLOCK_PHOTO,
    TG_INPUT_RICH_BLOCK_VIDEO,
    TG_INPUT_RICH_BLOCK_VOICE_NOTE,
    TG_INPUT_RICH_BLOCK_THINKING,
    TG__INPUT_RICH_BLOCK_FORCE_U32 = 0x7FFFFFFF
} tg_input_rich_block_kind;
struct tg_input_rich_block {
    tg_input_rich_block_kind kind;
    union {
        tg_input_rich_block_paragraph *paragraph;
        tg_input_rich_block_section_heading *section_heading;
        tg_input_rich_block_preformatted *preformatted;
        tg_input_rich_block_footer *footer;
        tg_input_rich_block_divider *divider;
        tg_input_rich_block_mathematical_expression *mathematical_expression;
        tg_input_rich_block_anchor *anchor;
        tg_input_rich_block_list *list;
        tg_input_rich_block_block_quotation *block_quotation;
        tg_input_rich_block_expandable_block_quotation *expandable_block_quotation;
        tg_input_rich_block_pull_quotation *pull_quotation;
        tg_input_rich_block_collage *collage;
        tg_input_rich_block_slideshow *slideshow;
        tg_input_rich_block_table *table;
        tg_input_rich_block_details *details;
        tg_input_rich_block_map *map;
        tg_input_rich_block_buttons *buttons;
        tg_input_rich_block_animation *animation;
        tg_input_rich_block_audio *audio;
        tg_input_rich_block_document *document;
        tg_input_rich_block_photo *photo;
        tg_input_rich_block_video *video;
        tg_input_rich_block_voice_note *voice_note;
        tg_input_rich_block_thinking *thinking;
        void *any;
    } u;
};
typedef enum tg_inline_query_result_kind {
    TG_INLINE_QUERY_RESULT_UNKNOWN = 0,
    TG_INLINE_QUERY_RESULT_CACHED_AUDIO,
    TG_INLINE_QUERY_RESULT_CACHED_DOCUMENT,
    TG_INLINE_QUERY_RESULT_CACHED_GIF,
    TG_INLINE_QUERY_RESULT_CACHED_MPEG4_GIF,
    TG_INLINE_QUERY_RESULT_CACHED_PHOTO,
    TG_INLINE_QUERY_RESULT_CACHED_STICKER,
    TG_INLINE_QUERY_RESULT_CACHED_VIDEO,
    TG_INLINE_QUERY_RESULT_CACHED_VOICE,
    TG_INLINE_QUERY_RESULT_ARTICLE,
    TG_INLINE_QUERY_RESULT_AUDIO,
    TG_INLINE_QUERY_RESULT_CONTACT,
    TG_INLINE_QUERY_RESULT_GAME,
    TG_INLINE_QUERY_RESULT_DOCUMENT,
    TG_INLINE_QUERY_RESULT_GIF,
    TG_INLINE_QUERY_RESULT_LOCATION,
    TG_INLINE_QUERY_RESULT_MPEG4_GIF,
    TG_INLINE_QUERY_RESULT_PHOTO,
    TG_INLINE_QUERY_RESULT_VENUE,
    TG_INLINE_QUERY_RESULT_VIDEO,
    TG_INLINE_QUERY_RESULT_VOICE,
    TG__INLINE_QUERY_RESULT_FORCE_U32 = 0x7FFFFFFF
} tg_inline_query_result_kind;
struct tg_inline_query_result {
    tg_inline_query_result_kind kind;
    union {
        tg_inline_query_result_cached_audio *cached_audio;
        tg_inline_query_result_cached_document *cached_document;
        tg_inline_query_result_cached_gif *cached_gif;
        tg_inline_query_result_cached_mpeg4_gif *cached_mpeg4_gif;
        tg_inline_query_result_cached_photo *cached_photo;
        tg_inline_query_result_cached_sticker *cached_sticker;
        tg_inline_query_result_cached_video *cached_video;
        tg_inline_query_result_cached_voice *cached_voice;
        tg_inline_query_result_article *article;
        tg_inline_query_result_audio *audio;
        tg_inline_query_result_contact *contact;
        tg_inline_query_result_game *game;
        tg_inline_query_result_document *document;
        tg_inline_query_result_gif *gif;
        tg_inline_query_result_location *location;
        tg_inline_query_result_mpeg4_gif *mpeg4_gif;
        tg_inline_query_result_photo *photo;
        tg_inline_query_result_venue *venue;
        tg_inline_query_result_video *video;
        tg_inline_query_result_voice *voice;
        void *any;
    } u;
};
typedef enum tg_input_message_content_kind {
    TG_INPUT_MESSAGE_CONTENT_UNKNOWN = 0,
    TG_INPUT_MESSAGE_CONTENT_INPUT_TEXT_MESSAGE_CONTENT,
    TG_INPUT_MESSAGE_CONTENT_INPUT_RICH_MESSAGE_CONTENT,
    TG_INPUT_MESSAGE_CONTENT_INPUT_LOCATION_MESSAGE_CONTENT,
    TG_INPUT_MESSAGE_CONTENT_INPUT_VENUE_MESSAGE_CONTENT,
    TG_INPUT_MESSAGE_CONTENT_INPUT_CONTACT_MESSAGE_CONTENT,
    TG_INPUT_MESSAGE_CONTENT_INPUT_INVOICE_MESSAGE_CONTENT,
    TG__INPUT_MESSAGE_CONTENT_FORCE_U32 = 0x7FFFFFFF
} tg_input_message_content_kind;
struct tg_input_message_content {
    tg_input_message_content_kind kind;
    union {
        tg_input_text_message_content *input_text_message_content;
        tg_input_rich_message_content *input_rich_message_content;
        tg_input_location_message_content *input_location_message_content;
        tg_input_venue_message_content *input_venue_message_content;
        tg_input_contact_message_content *input_contact_message_content;
        tg_input_invoice_message_content *input_invoice_message_content;
        void *any;
    } u;
};
typedef enum tg_revenue_withdrawal_state_kind {
    TG_REVENUE_WITHDRAWAL_STATE_UNKNOWN = 0,
    TG_REVENUE_WITHDRAWAL_STATE_PENDING,
    TG_REVENUE_WITHDRAWAL_STATE_SUCCEEDED,
    TG_REVENUE_WITHDRAWAL_STATE_FAILED,
    TG__REVENUE_WITHDRAWAL_STATE_FORCE_U32 = 0x7FFFFFFF
} tg_revenue_withdrawal_state_kind;
struct tg_revenue_withdrawal_state {
    tg_revenue_withdrawal_state_kind kind;
    union {
        tg_revenue_withdrawal_state_pending *pending;
        tg_revenue_withdrawal_state_succeeded *succeeded;
        tg_revenue_withdrawal_state_failed *failed;
        void *any;
    } u;
};
typedef enum tg_transaction_partner_kind {
    TG_TRANSACTION_PARTNER_UNKNOWN = 0,
    TG_TRANSACTION_PARTNER_USER,
    TG_TRANSACTION_PARTNER_CHAT,
    TG_TRANSACTION_PARTNER_AFFILIATE_PROGRAM,
    TG_TRANSACTION_PARTNER_FRAGMENT,
    TG_TRANSACTION_PARTNER_TELEGRAM_ADS,
    TG_TRANSACTION_PARTNER_TELEGRAM_API,
    TG_TRANSACTION_PARTNER_OTHER,
    TG__TRANSACTION_PARTNER_FORCE_U32 = 0x7FFFFFFF
} tg_transaction_partner_kind;
struct tg_transaction_partner {
    tg_transaction_partner_kind kind;
    union {
        tg_transaction_partner_user *user;
        tg_transaction_partner_chat *chat;
        tg_transaction_partner_affiliate_program *affiliate_program;
        tg_transaction_partner_fragment *fragment;
        tg_transaction_partner_telegram_ads *telegram_ads;
        tg_transaction_partner_telegram_api *telegram_api;
        tg_transaction_partner_other *other;
        void *any;
    } u;
};
typedef enum tg_passport_element_error_kind {
    TG_PASSPORT_ELEMENT_ERROR_UNKNOWN = 0,
    TG_PASSPORT_ELEMENT_ERROR_DATA_FIELD,
    TG_PASSPORT_ELEMENT_ERROR_FRONT_SIDE,
    TG_PASSPORT_ELEMENT_ERROR_REVERSE_SIDE,
    TG_PASSPORT_ELEMENT_ERROR_SELFIE,
    TG_PASSPORT_ELEMENT_ERROR_FILE,
    TG_PASSPORT_ELEMENT_ERROR_FILES,
    TG_PASSPORT_ELEMENT_ERROR_TRANSLATION_FILE,
    TG_PASSPORT_ELEMENT_ERROR_TRANSLATION_FILES,
    TG_PASSPORT_ELEMENT_ERROR_UNSPECIFIED,
    TG__PASSPORT_ELEMENT_ERROR_FORCE_U32 = 0x7FFFFFFF
} tg_passport_element_error_kind;
struct tg_passport_element_error {
    tg_passport_element_error_kind kind;
    union {
        tg_passport_element_error_data_field *data_field;
        tg_passport_element_error_front_side *front_side;
        tg_passport_element_error_reverse_side *reverse_side;
        tg_passport_element_error_selfie *selfie;
        tg_passport_element_error_file *file;
        tg_passport_element_error_files *files;
        tg_passport_element_error_translation_file *translation_file;
        tg_passport_element_error_translation_files *translation_files;
        tg_passport_element_error_unspecified *unspecified;
        void *any;
    } u;
};
/* a field of several types: one of InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, ForceReply */
typedef enum tg_reply_markup_kind {
    TG_REPLY_MARKUP_UNKNOWN = 0,
    TG_REPLY_MARKUP_INLINE_KEYBOARD_MARKUP,
    TG_REPLY_MARKUP_REPLY_KEYBOARD_MARKUP,
    TG_REPLY_MARKUP_REPLY_KEYBOARD_REMOVE,
    TG_REPLY_MARKUP_FORCE_REPLY,
    TG__REPLY_MARKUP_FORCE_U32 = 0x7FFFFFFF
} tg_reply_markup_kind;
struct tg_reply_markup {
    tg_reply_markup_kind kind;
    union {
        tg_inline_keyboard_markup *inline_keyboard_markup;
        tg_reply_keyboard_markup *reply_keyboard_markup;
        tg_reply_keyboard_remove *reply_keyboard_remove;
        tg_force_reply *force_reply;
        void *any;
    } u;
};
/* a field of several types: one of InputMediaAnimation, InputMediaAudio, InputMediaDocument, InputMediaPhoto, InputMediaVideo, InputMediaVoiceNote */
typedef enum tg_input_rich_message_media_media_kind {
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_UNKNOWN = 0,
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_ANIMATION,
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_AUDIO,
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_DOCUMENT,
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_PHOTO,
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_VIDEO,
    TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_VOICE_NOTE,
    TG__INPUT_RICH_MESSAGE_MEDIA_MEDIA_FORCE_U32 = 0x7FFFFFFF
} tg_input_rich_message_media_media_kind;
struct tg_input_rich_message_media_media {
    tg_input_rich_message_media_media_kind kind;
    union {
        tg_input_media_animation *animation;
        tg_input_media_audio *audio;
        tg_input_media_document *document;
        tg_input_media_photo *photo;
        tg_input_media_video *video;
        tg_input_media_voice_note *voice_note;
        void *any;
    } u;
};
struct tg_update {
    int64_t update_id;   /* required */
    tg_message *message;
    tg_message *edited_message;
    tg_message *channel_post;
    tg_message *edited_channel_post;
    tg_business_connection *business_connection;
    tg_message *business_message;
    tg_message *edited_business_message;
    tg_business_messages_deleted *deleted_business_messages;
    tg_message *guest_message;
    tg_message_reaction_updated *message_reaction;
    tg_message_reaction_count_updated *message_reaction_count;
    tg_inline_query *inline_query;
    tg_chosen_inline_result *chosen_inline_result;
    tg_callback_query *callback_query;
    tg_shipping_query *shipping_query;
    tg_pre_checkout_query *pre_checkout_query;
    tg_paid_media_purchased *purchased_paid_media;
    tg_poll *poll;
    tg_poll_answer *poll_answer;
    tg_chat_member_updated *my_chat_member;
    tg_chat_member_updated *chat_member;
    tg_chat_join_request *chat_join_request;
    tg_chat_boost_updated *chat_boost;
    tg_chat_boost_removed *removed_chat_boost;
    tg_managed_bot_updated *managed_bot;
    tg_bot_subscription_updated *subscription;
    tg_message_generation_stopped *stopped_message_generation;
};
struct tg_webhook_info {
    const char *url;   /* required */
    bool has_custom_certificate;   /* required */
    int64_t pending_update_count;   /* required */
    const char *ip_address;
    int64_t last_error_date; bool has_last_error_date;
    const char *last_error_message;
    int64_t last_synchronization_error_date; bool has_last_synchronization_error_date;
    int64_t max_connections; bool has_max_connections;
    const char **allowed_updates; size_t allowed_updates_count;
};
struct tg_user {
    int64_t id;   /* required */
    bool is_bot;   /* required */
    const char *first_name;   /* required */
    const char *last_name;
    const char *username;
    const char *language_code;
    bool is_premium; bool has_is_premium;
    bool added_to_attachment_menu; bool has_added_to_attachment_menu;
    bool can_join_groups; bool has_can_join_groups;
    bool can_read_all_group_messages; bool has_can_read_all_group_messages;
    bool supports_guest_queries; bool has_supports_guest_queries;
    bool supports_inline_queries; bool has_supports_inline_queries;
    bool can_connect_to_business; bool has_can_connect_to_business;
    bool has_main_web_app; bool has_has_main_web_app;
    bool has_topics_enabled; bool has_has_topics_enabled;
    bool allows_users_to_create_topics; bool has_allows_users_to_create_topics;
    bool can_manage_bots; bool has_can_manage_bots;
    bool supports_join_request_queries; bool has_supports_join_request_queries;
};
struct tg_chat {
    int64_t id;   /* required */
    const char *type;   /* required */
    const char *title;
    const char *username;
    const char *first_name;
    const char *last_name;
    bool is_forum; bool has_is_forum;
    bool is_direct_messages; bool has_is_direct_messages;
};
struct tg_chat_full_info {
    int64_t id;   /* required */
    const char *type;   /* required */
    const char *title;
    const char *username;
    const char *first_name;
    const char *last_name;
    bool is_forum; bool has_is_forum;
    bool is_direct_messages; bool has_is_direct_messages;
    int64_t accent_color_id;   /* required */
    int64_t max_reaction_count;   /* required */
    tg_chat_photo *photo;
    const char **active_usernames; size_t active_usernames_count;
    tg_birthdate *birthdate;
    tg_business_intro *business_intro;
    tg_business_location *business_location;
    tg_business_opening_hours *business_opening_hours;
    tg_chat *personal_chat;
    tg_chat *parent_chat;
    tg_reaction_type *available_reactions; size_t available_reactions_count;
    const char *background_custom_emoji_id;
    int64_t profile_accent_color_id; bool has_profile_accent_color_id;
    const char *profile_background_custom_emoji_id;
    const char *emoji_status_custom_emoji_id;
    int64_t emoji_status_expiration_date; bool has_emoji_status_expiration_date;
    const char *bio;
    bool has_private_forwards; bool has_has_private_forwards;
    bool has_restricted_voice_and_video_messages; bool has_has_restricted_voice_and_video_messages;
    bool join_to_send_messages; bool has_join_to_send_messages;
    bool join_by_request; bool has_join_by_request;
    const char *description;
    const char *invite_link;
    tg_message *pinned_message;
    tg_chat_permissions *permissions;
    tg_accepted_gift_types *accepted_gift_types;   /* required */
    bool can_send_paid_media; bool has_can_send_paid_media;
    int64_t slow_mode_delay; bool has_slow_mode_delay;
    int64_t unrestrict_boost_count; bool has_unrestrict_boost_count;
    int64_t message_auto_delete_time; bool has_message_auto_delete_time;
    bool has_aggressive_anti_spam_enabled; bool has_has_aggressive_anti_spam_enabled;
    bool has_hidden_members; bool has_has_hidden_members;
    bool has_protected_content; bool has_has_protected_content;
    bool has_visible_history; bool has_has_visible_history;
    const char *sticker_set_name;
    bool can_set_sticker_set; bool has_can_set_sticker_set;
    const char *custom_emoji_sticker_set_name;
    int64_t linked_chat_id; bool has_linked_chat_id;
    tg_chat_location *location;
    tg_user_rating *rating;
    tg_audio *first_profile_audio;
    tg_unique_gift_colors *unique_gift_colors;
    int64_t paid_message_star_count; bool has_paid_message_star_count;
    tg_user *guard_bot;
    tg_community *community;
};
struct tg_message {
    int64_t message_id;   /* required */
    int64_t message_thread_id; bool has_message_thread_id;
    tg_direct_messages_topic *direct_messages_topic;
    tg_user *from;
    tg_chat *sender_chat;
    int64_t sender_boost_count; bool has_sender_boost_count;
    tg_user *sender_business_bot;
    const char *sender_tag;
    tg_user *receiver_user;
    int64_t ephemeral_message_id; bool has_ephemeral_message_id;
    int64_t date;   /* required */
    const char *guest_query_id;
    const char *business_connection_id;
    tg_chat *chat;   /* required */
    tg_message_origin *forward_origin;
    bool is_topic_message; bool has_is_topic_message;
    bool is_automatic_forward; bool has_is_automatic_forward;
    tg_message *reply_to_message;
    tg_external_reply_info *external_reply;
    tg_text_quote *quote;
    tg_story *reply_to_story;
    int64_t reply_to_checklist_task_id; bool has_reply_to_checklist_task_id;
    const char *reply_to_poll_option_id;
    tg_user *via_bot;
    tg_user *guest_bot_caller_user;
    tg_chat *guest_bot_caller_chat;
    int64_t edit_date; bool has_edit_date;
    bool has_protected_content; bool has_has_protected_content;
    bool is_from_offline; bool has_is_from_offline;
    bool is_paid_post; bool has_is_paid_post;
    const char *media_group_id;
    const char *author_signature;
    int64_t paid_star_count; bool has_paid_star_count;
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    tg_link_preview_options *link_preview_options;
    tg_suggested_post_info *suggested_post_info;
    const char *effect_id;
    tg_rich_message *rich_message;
    tg_animation *animation;
    tg_audio *audio;
    tg_document *document;
    tg_live_photo *live_photo;
    tg_paid_media_info *paid_media;
    tg_photo_size *photo; size_t photo_count;
    tg_sticker *sticker;
    tg_story *story;
    tg_video *video;
    tg_video_note *video_note;
    tg_voice *voice;
    const char *caption;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    bool has_media_spoiler; bool has_has_media_spoiler;
    tg_checklist *checklist;
    tg_contact *contact;
    tg_dice *dice;
    tg_game *game;
    tg_poll *poll;
    tg_venue *venue;
    tg_location *location;
    tg_user *new_chat_members; size_t new_chat_members_count;
    tg_user *left_chat_member;
    tg_chat_owner_left *chat_owner_left;
    tg_chat_owner_changed *chat_owner_changed;
    const char *new_chat_title;
    tg_photo_size *new_chat_photo; size_t new_chat_photo_count;
    bool delete_chat_photo; bool has_delete_chat_photo;
    bool group_chat_created; bool has_group_chat_created;
    bool supergroup_chat_created; bool has_supergroup_chat_created;
    bool channel_chat_created; bool has_channel_chat_created;
    tg_message_auto_delete_timer_changed *message_auto_delete_timer_changed;
    int64_t migrate_to_chat_id; bool has_migrate_to_chat_id;
    int64_t migrate_from_chat_id; bool has_migrate_from_chat_id;
    tg_maybe_inaccessible_message *pinned_message;
    tg_invoice *invoice;
    tg_successful_payment *successful_payment;
    tg_refunded_payment *refunded_payment;
    tg_users_shared *users_shared;
    tg_chat_shared *chat_shared;
    tg_gift_info *gift;
    tg_unique_gift_info *unique_gift;
    tg_gift_info *gift_upgrade_sent;
    const char *connected_website;
    tg_write_access_allowed *write_access_allowed;
    tg_passport_data *passport_data;
    tg_proximity_alert_triggered *proximity_alert_triggered;
    tg_chat_boost_added *boost_added;
    tg_chat_background *chat_background_set;
    tg_checklist_tasks_done *checklist_tasks_done;
    tg_checklist_tasks_added *checklist_tasks_added;
    tg_community_chat_added *community_chat_added;
    tg_community_chat_joined *community_chat_joined;
    tg_community_chat_removed *community_chat_removed;
    tg_direct_message_price_changed *direct_message_price_changed;
    tg_forum_topic_created *forum_topic_created;
    tg_forum_topic_edited *forum_topic_edited;
    tg_forum_topic_closed *forum_topic_closed;
    tg_forum_topic_reopened *forum_topic_reopened;
    tg_general_forum_topic_hidden *general_forum_topic_hidden;
    tg_general_forum_topic_unhidden *general_forum_topic_unhidden;
    tg_giveaway_created *giveaway_created;
    tg_giveaway *giveaway;
    tg_giveaway_winners *giveaway_winners;
    tg_giveaway_completed *giveaway_completed;
    tg_managed_bot_created *managed_bot_created;
    tg_paid_message_price_changed *paid_message_price_changed;
    tg_poll_option_added *poll_option_added;
    tg_poll_option_deleted *poll_option_deleted;
    tg_suggested_post_approved *suggested_post_approved;
    tg_suggested_post_approval_failed *suggested_post_approval_failed;
    tg_suggested_post_declined *suggested_post_declined;
    tg_suggested_post_paid *suggested_post_paid;
    tg_suggested_post_refunded *suggested_post_refunded;
    tg_video_chat_scheduled *video_chat_scheduled;
    tg_video_chat_started *video_chat_started;
    tg_video_chat_ended *video_chat_ended;
    tg_video_chat_participants_invited *video_chat_participants_invited;
    tg_web_app_data *web_app_data;
    tg_inline_keyboard_markup *reply_markup;
};
struct tg_message_id {
    int64_t message_id;   /* required */
};
struct tg_inaccessible_message {
    tg_chat *chat;   /* required */
    int64_t message_id;   /* required */
    int64_t date;   /* required */
};
struct tg_message_entity {
    const char *type;   /* required */
    int64_t offset;   /* required */
    int64_t length;   /* required */
    const char *url;
    tg_user *user;
    const char *language;
    const char *custom_emoji_id;
    int64_t unix_time; bool has_unix_time;
    const char *date_time_format;
};
struct tg_text_quote {
    const char *text;   /* required */
    tg_message_entity *entities; size_t entities_count;
    int64_t position;   /* required */
    bool is_manual; bool has_is_manual;
};
struct tg_external_reply_info {
    tg_message_origin *origin;   /* required */
    tg_chat *chat;
    int64_t message_id; bool has_message_id;
    tg_link_preview_options *link_preview_options;
    tg_animation *animation;
    tg_audio *audio;
    tg_document *document;
    tg_live_photo *live_photo;
    tg_paid_media_info *paid_media;
    tg_photo_size *photo; size_t photo_count;
    tg_sticker *sticker;
    tg_story *story;
    tg_video *video;
    tg_video_note *video_note;
    tg_voice *voice;
    bool has_media_spoiler; bool has_has_media_spoiler;
    tg_checklist *checklist;
    tg_contact *contact;
    tg_dice *dice;
    tg_game *game;
    tg_giveaway *giveaway;
    tg_giveaway_winners *giveaway_winners;
    tg_invoice *invoice;
    tg_location *location;
    tg_poll *poll;
    tg_venue *venue;
};
struct tg_reply_parameters {
    int64_t message_id; bool has_message_id;
    tg_chat_ref chat_id;
    int64_t ephemeral_message_id; bool has_ephemeral_message_id;
    bool allow_sending_without_reply; bool has_allow_sending_without_reply;
    const char *quote;
    const char *quote_parse_mode;
    tg_message_entity *quote_entities; size_t quote_entities_count;
    int64_t quote_position; bool has_quote_position;
    int64_t checklist_task_id; bool has_checklist_task_id;
    const char *poll_option_id;
};
struct tg_ephemeral_message_parameters {
    int64_t receiver_user_id;   /* required */
    const char *callback_query_id;
    bool replace_callback_query_message; bool has_replace_callback_query_message;
};
struct tg_message_origin_user {
    const char *type;   /* required */
    int64_t date;   /* required */
    tg_user *sender_user;   /* required */
};
struct tg_message_origin_hidden_user {
    const char *type;   /* required */
    int64_t date;   /* required */
    const char *sender_user_name;   /* required */
};
struct tg_message_origin_chat {
    const char *type;   /* required */
    int64_t date;   /* required */
    tg_chat *sender_chat;   /* required */
    const char *author_signature;
};
struct tg_message_origin_channel {
    const char *type;   /* required */
    int64_t date;   /* required */
    tg_chat *chat;   /* required */
    int64_t message_id;   /* required */
    const char *author_signature;
};
struct tg_photo_size {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    int64_t file_size; bool has_file_size;
};
struct tg_animation {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    int64_t duration;   /* required */
    tg_photo_size *thumbnail;
    const char *file_name;
    const char *mime_type;
    int64_t file_size; bool has_file_size;
};
struct tg_audio {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t duration;   /* required */
    const char *performer;
    const char *title;
    const char *file_name;
    const char *mime_type;
    int64_t file_size; bool has_file_size;
    tg_photo_size *thumbnail;
};
struct tg_document {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    tg_photo_size *thumbnail;
    const char *file_name;
    const char *mime_type;
    int64_t file_size; bool has_file_size;
};
struct tg_live_photo {
    tg_photo_size *photo; size_t photo_count;
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    int64_t duration;   /* required */
    const char *mime_type;
    int64_t file_size; bool has_file_size;
};
struct tg_story {
    tg_chat *chat;   /* required */
    int64_t id;   /* required */
};
struct tg_video_quality {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    const char *codec;   /* required */
    int64_t file_size; bool has_file_size;
};
struct tg_video {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    int64_t duration;   /* required */
    tg_photo_size *thumbnail;
    tg_photo_size *cover; size_t cover_count;
    int64_t start_timestamp; bool has_start_timestamp;
    tg_video_quality *qualities; size_t qualities_count;
    const char *file_name;
    const char *mime_type;
    int64_t file_size; bool has_file_size;
};
struct tg_video_note {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t length;   /* required */
    int64_t duration;   /* required */
    tg_photo_size *thumbnail;
    int64_t file_size; bool has_file_size;
};
struct tg_voice {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t duration;   /* required */
    const char *mime_type;
    int64_t file_size; bool has_file_size;
};
struct tg_paid_media_info {
    int64_t star_count;   /* required */
    tg_paid_media *paid_media; size_t paid_media_count;   /* required */
};
struct tg_paid_media_live_photo {
    const char *type;   /* required */
    tg_live_photo *live_photo;   /* required */
};
struct tg_paid_media_photo {
    const char *type;   /* required */
    tg_photo_size *photo; size_t photo_count;   /* required */
};
struct tg_paid_media_preview {
    const char *type;   /* required */
    int64_t width; bool has_width;
    int64_t height; bool has_height;
    int64_t duration; bool has_duration;
};
struct tg_paid_media_video {
    const char *type;   /* required */
    tg_video *video;   /* required */
};
struct tg_contact {
    const char *phone_number;   /* required */
    const char *first_name;   /* required */
    const char *last_name;
    int64_t user_id; bool has_user_id;
    const char *vcard;
};
struct tg_dice {
    const char *emoji;   /* required */
    int64_t value;   /* required */
};
struct tg_link {
    const char *url;   /* required */
};
struct tg_poll_media {
    tg_animation *animation;
    tg_audio *audio;
    tg_document *document;
    tg_link *link;
    tg_live_photo *live_photo;
    tg_location *location;
    tg_photo_size *photo; size_t photo_count;
    tg_sticker *sticker;
    tg_venue *venue;
    tg_video *video;
};
struct tg_poll_option {
    const char *persistent_id;   /* required */
    const char *text;   /* required */
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_poll_media *media;
    int64_t voter_count;   /* required */
    tg_user *added_by_user;
    tg_chat *added_by_chat;
    int64_t addition_date; bool has_addition_date;
};
struct tg_input_poll_option {
    const char *text;   /* required */
    const char *text_parse_mode;
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_input_poll_option_media *media;
};
struct tg_poll_answer {
    const char *poll_id;   /* required */
    tg_chat *voter_chat;
    tg_user *user;
    int64_t *option_ids; size_t option_ids_count;   /* required */
    const char **option_persistent_ids; size_t option_persistent_ids_count;   /* required */
};
struct tg_poll {
    const char *id;   /* required */
    const char *question;   /* required */
    tg_message_entity *question_entities; size_t question_entities_count;
    tg_poll_option *options; size_t options_count;   /* required */
    int64_t total_voter_count;   /* required */
    bool is_closed;   /* required */
    bool is_anonymous;   /* required */
    const char *type;   /* required */
    bool allows_multiple_answers;   /* required */
    bool allows_revoting;   /* required */
    bool members_only;   /* required */
    const char **country_codes; size_t country_codes_count;
    int64_t *correct_option_ids; size_t correct_option_ids_count;
    const char *explanation;
    tg_message_entity *explanation_entities; size_t explanation_entities_count;
    tg_poll_media *explanation_media;
    int64_t open_period; bool has_open_period;
    int64_t close_date; bool has_close_date;
    const char *description;
    tg_message_entity *description_entities; size_t description_entities_count;
    tg_poll_media *media;
};
struct tg_checklist_task {
    int64_t id;   /* required */
    const char *text;   /* required */
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_user *completed_by_user;
    tg_chat *completed_by_chat;
    int64_t completion_date; bool has_completion_date;
};
struct tg_checklist {
    const char *title;   /* required */
    tg_message_entity *title_entities; size_t title_entities_count;
    tg_checklist_task *tasks; size_t tasks_count;   /* required */
    bool others_can_add_tasks; bool has_others_can_add_tasks;
    bool others_can_mark_tasks_as_done; bool has_others_can_mark_tasks_as_done;
};
struct tg_input_checklist_task {
    int64_t id;   /* required */
    const char *text;   /* required */
    const char *parse_mode;
    tg_message_entity *text_entities; size_t text_entities_count;
};
struct tg_input_checklist {
    const char *title;   /* required */
    const char *parse_mode;
    tg_message_entity *title_entities; size_t title_entities_count;
    tg_input_checklist_task *tasks; size_t tasks_count;   /* required */
    bool others_can_add_tasks; bool has_others_can_add_tasks;
    bool others_can_mark_tasks_as_done; bool has_others_can_mark_tasks_as_done;
};
struct tg_location {
    double latitude;   /* required */
    double longitude;   /* required */
    double horizontal_accuracy; bool has_horizontal_accuracy;
    int64_t live_period; bool has_live_period;
    int64_t heading; bool has_heading;
    int64_t proximity_alert_radius; bool has_proximity_alert_radius;
};
struct tg_venue {
    tg_location *location;   /* required */
    const char *title;   /* required */
    const char *address;   /* required */
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
};
struct tg_web_app_data {
    const char *data;   /* required */
    const char *button_text;   /* required */
};
struct tg_proximity_alert_triggered {
    tg_user *traveler;   /* required */
    tg_user *watcher;   /* required */
    int64_t distance;   /* required */
};
struct tg_message_auto_delete_timer_changed {
    int64_t message_auto_delete_time;   /* required */
};
struct tg_managed_bot_created {
    tg_user *bot;   /* required */
};
struct tg_managed_bot_updated {
    tg_user *user;   /* required */
    tg_user *bot;   /* required */
};
struct tg_bot_subscription_updated {
    tg_user *user;   /* required */
    const char *invoice_payload;   /* required */
    const char *state;   /* required */
};
struct tg_message_generation_stopped {
    tg_chat *chat;   /* required */
    int64_t message_thread_id; bool has_message_thread_id;
    int64_t draft_id;   /* required */
};
struct tg_poll_option_added {
    tg_maybe_inaccessible_message *poll_message;
    const char *option_persistent_id;   /* required */
    const char *option_text;   /* required */
    tg_message_entity *option_text_entities; size_t option_text_entities_count;
};
struct tg_poll_option_deleted {
    tg_maybe_inaccessible_message *poll_message;
    const char *option_persistent_id;   /* required */
    const char *option_text;   /* required */
    tg_message_entity *option_text_entities; size_t option_text_entities_count;
};
struct tg_chat_boost_added {
    int64_t boost_count;   /* required */
};
struct tg_background_fill_solid {
    const char *type;   /* required */
    int64_t color;   /* required */
};
struct tg_background_fill_gradient {
    const char *type;   /* required */
    int64_t top_color;   /* required */
    int64_t bottom_color;   /* required */
    int64_t rotation_angle;   /* required */
};
struct tg_background_fill_freeform_gradient {
    const char *type;   /* required */
    int64_t *colors; size_t colors_count;   /* required */
};
struct tg_background_type_fill {
    const char *type;   /* required */
    tg_background_fill *fill;   /* required */
    int64_t dark_theme_dimming;   /* required */
};
struct tg_background_type_wallpaper {
    const char *type;   /* required */
    tg_document *document;   /* required */
    int64_t dark_theme_dimming;   /* required */
    bool is_blurred; bool has_is_blurred;
    bool is_moving; bool has_is_moving;
};
struct tg_background_type_pattern {
    const char *type;   /* required */
    tg_document *document;   /* required */
    tg_background_fill *fill;   /* required */
    int64_t intensity;   /* required */
    bool is_inverted; bool has_is_inverted;
    bool is_moving; bool has_is_moving;
};
struct tg_background_type_chat_theme {
    const char *type;   /* required */
    const char *theme_name;   /* required */
};
struct tg_chat_background {
    tg_background_type *type;   /* required */
};
struct tg_checklist_tasks_done {
    tg_message *checklist_message;
    int64_t *marked_as_done_task_ids; size_t marked_as_done_task_ids_count;
    int64_t *marked_as_not_done_task_ids; size_t marked_as_not_done_task_ids_count;
};
struct tg_checklist_tasks_added {
    tg_message *checklist_message;
    tg_checklist_task *tasks; size_t tasks_count;   /* required */
};
struct tg_community_chat_added {
    tg_community *community;   /* required */
};
struct tg_community_chat_joined {
    tg_community *community;   /* required */
};
struct tg_community_chat_removed {
    int unused_;   /* no fields */
};
struct tg_forum_topic_created {
    const char *name;   /* required */
    int64_t icon_color;   /* required */
    const char *icon_custom_emoji_id;
    bool is_name_implicit; bool has_is_name_implicit;
};
struct tg_forum_topic_closed {
    int unused_;   /* no fields */
};
struct tg_forum_topic_edited {
    const char *name;
    const char *icon_custom_emoji_id;
};
struct tg_forum_topic_reopened {
    int unused_;   /* no fields */
};
struct tg_general_forum_topic_hidden {
    int unused_;   /* no fields */
};
struct tg_general_forum_topic_unhidden {
    int unused_;   /* no fields */
};
struct tg_shared_user {
    int64_t user_id;   /* required */
    const char *first_name;
    const char *last_name;
    const char *username;
    tg_photo_size *photo; size_t photo_count;
};
struct tg_users_shared {
    int64_t request_id;   /* required */
    tg_shared_user *users; size_t users_count;   /* required */
};
struct tg_chat_shared {
    int64_t request_id;   /* required */
    int64_t chat_id;   /* required */
    const char *title;
    const char *username;
    tg_photo_size *photo; size_t photo_count;
};
struct tg_write_access_allowed {
    bool from_request; bool has_from_request;
    const char *web_app_name;
    bool from_attachment_menu; bool has_from_attachment_menu;
};
struct tg_video_chat_scheduled {
    int64_t start_date;   /* required */
};
struct tg_video_chat_started {
    int unused_;   /* no fields */
};
struct tg_video_chat_ended {
    int64_t duration;   /* required */
};
struct tg_video_chat_participants_invited {
    tg_user *users; size_t users_count;   /* required */
};
struct tg_paid_message_price_changed {
    int64_t paid_message_star_count;   /* required */
};
struct tg_direct_message_price_changed {
    bool are_direct_messages_enabled;   /* required */
    int64_t direct_message_star_count; bool has_direct_message_star_count;
};
struct tg_suggested_post_approved {
    tg_message *suggested_post_message;
    tg_suggested_post_price *price;
    int64_t send_date;   /* required */
};
struct tg_suggested_post_approval_failed {
    tg_message *suggested_post_message;
    tg_suggested_post_price *price;   /* required */
};
struct tg_suggested_post_declined {
    tg_message *suggested_post_message;
    const char *comment;
};
struct tg_suggested_post_paid {
    tg_message *suggested_post_message;
    const char *currency;   /* required */
    int64_t amount; bool has_amount;
    tg_star_amount *star_amount;
};
struct tg_suggested_post_refunded {
    tg_message *suggested_post_message;
    const char *reason;   /* required */
};
struct tg_giveaway_created {
    int64_t prize_star_count; bool has_prize_star_count;
};
struct tg_giveaway {
    tg_chat *chats; size_t chats_count;   /* required */
    int64_t winners_selection_date;   /* required */
    int64_t winner_count;   /* required */
    bool only_new_members; bool has_only_new_members;
    bool has_public_winners; bool has_has_public_winners;
    const char *prize_description;
    const char **country_codes; size_t country_codes_count;
    int64_t prize_star_count; bool has_prize_star_count;
    int64_t premium_subscription_month_count; bool has_premium_subscription_month_count;
};
struct tg_giveaway_winners {
    tg_chat *chat;   /* required */
    int64_t giveaway_message_id;   /* required */
    int64_t winners_selection_date;   /* required */
    int64_t winner_count;   /* required */
    tg_user *winners; size_t winners_count;   /* required */
    int64_t additional_chat_count; bool has_additional_chat_count;
    int64_t prize_star_count; bool has_prize_star_count;
    int64_t premium_subscription_month_count; bool has_premium_subscription_month_count;
    int64_t unclaimed_prize_count; bool has_unclaimed_prize_count;
    bool only_new_members; bool has_only_new_members;
    bool was_refunded; bool has_was_refunded;
    const char *prize_description;
};
struct tg_giveaway_completed {
    int64_t winner_count;   /* required */
    int64_t unclaimed_prize_count; bool has_unclaimed_prize_count;
    tg_message *giveaway_message;
    bool is_star_giveaway; bool has_is_star_giveaway;
};
struct tg_link_preview_options {
    bool is_disabled; bool has_is_disabled;
    const char *url;
    bool prefer_small_media; bool has_prefer_small_media;
    bool prefer_large_media; bool has_prefer_large_media;
    bool show_above_text; bool has_show_above_text;
};
struct tg_suggested_post_price {
    const char *currency;   /* required */
    int64_t amount;   /* required */
};
struct tg_suggested_post_info {
    const char *state;   /* required */
    tg_suggested_post_price *price;
    int64_t send_date; bool has_send_date;
};
struct tg_suggested_post_parameters {
    tg_suggested_post_price *price;
    int64_t send_date; bool has_send_date;
};
struct tg_direct_messages_topic {
    int64_t topic_id;   /* required */
    tg_user *user;
};
struct tg_user_profile_photos {
    int64_t total_count;   /* required */
    tg_photo_size_list *photos; size_t photos_count;   /* required */
};
struct tg_user_profile_audios {
    int64_t total_count;   /* required */
    tg_audio *audios; size_t audios_count;   /* required */
};
struct tg_file {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t file_size; bool has_file_size;
    const char *file_path;
};
struct tg_web_app_info {
    const char *url;   /* required */
};
struct tg_reply_keyboard_markup {
    tg_keyboard_button_list *keyboard; size_t keyboard_count;   /* required */
    bool is_persistent; bool has_is_persistent;
    bool resize_keyboard; bool has_resize_keyboard;
    bool one_time_keyboard; bool has_one_time_keyboard;
    const char *input_field_placeholder;
    bool selective; bool has_selective;
    bool force_reply; bool has_force_reply;
};
struct tg_keyboard_button {
    const char *text;   /* required */
    const char *icon_custom_emoji_id;
    const char *style;
    tg_keyboard_button_request_users *request_users;
    tg_keyboard_button_request_chat *request_chat;
    tg_keyboard_button_request_managed_bot *request_managed_bot;
    bool request_contact; bool has_request_contact;
    bool request_location; bool has_request_location;
    tg_keyboard_button_poll_type *request_poll;
    tg_web_app_info *web_app;
};
struct tg_keyboard_button_request_users {
    int64_t request_id;   /* required */
    bool user_is_bot; bool has_user_is_bot;
    bool user_is_premium; bool has_user_is_premium;
    int64_t max_quantity; bool has_max_quantity;
    bool request_name; bool has_request_name;
    bool request_username; bool has_request_username;
    bool request_photo; bool has_request_photo;
};
struct tg_keyboard_button_request_chat {
    int64_t request_id;   /* required */
    bool chat_is_channel;   /* required */
    bool chat_is_forum; bool has_chat_is_forum;
    bool chat_has_username; bool has_chat_has_username;
    bool chat_is_created; bool has_chat_is_created;
    tg_chat_administrator_rights *user_administrator_rights;
    tg_chat_administrator_rights *bot_administrator_rights;
    bool bot_is_member; bool has_bot_is_member;
    bool request_title; bool has_request_title;
    bool request_username; bool has_request_username;
    bool request_photo; bool has_request_photo;
};
struct tg_keyboard_button_request_managed_bot {
    int64_t request_id;   /* required */
    const char *suggested_name;
    const char *suggested_username;
};
struct tg_keyboard_button_poll_type {
    const char *type;
};
struct tg_reply_keyboard_remove {
    bool remove_keyboard;   /* required */
    bool selective; bool has_selective;
};
struct tg_inline_keyboard_markup {
    tg_inline_keyboard_button_list *inline_keyboard; size_t inline_keyboard_count;   /* required */
    bool force_reply; bool has_force_reply;
};
struct tg_inline_keyboard_button {
    const char *text;   /* required */
    const char *icon_custom_emoji_id;
    const char *style;
    const char *url;
    const char *callback_data;
    tg_web_app_info *web_app;
    tg_login_url *login_url;
    const char *switch_inline_query;
    const char *switch_inline_query_current_chat;
    tg_switch_inline_query_chosen_chat *switch_inline_query_chosen_chat;
    tg_copy_text_button *copy_text;
    tg_disabled_button *disabled;
    tg_callback_game *callback_game;
    bool pay; bool has_pay;
};
struct tg_login_url {
    const char *url;   /* required */
    const char *forward_text;
    const char *bot_username;
    bool request_write_access; bool has_request_write_access;
};
struct tg_switch_inline_query_chosen_chat {
    const char *query;
    bool allow_user_chats; bool has_allow_user_chats;
    bool allow_bot_chats; bool has_allow_bot_chats;
    bool allow_group_chats; bool has_allow_group_chats;
    bool allow_channel_chats; bool has_allow_channel_chats;
};
struct tg_copy_text_button {
    const char *text;   /* required */
};
struct tg_disabled_button {
    int unused_;   /* no fields */
};
struct tg_callback_query {
    const char *id;   /* required */
    tg_user *from;   /* required */
    tg_maybe_inaccessible_message *message;
    const char *inline_message_id;
    const char *chat_instance;   /* required */
    const char *data;
    const char *game_short_name;
};
struct tg_force_reply {
    bool force_reply;   /* required */
    const char *input_field_placeholder;
    bool selective; bool has_selective;
};
struct tg_community {
    int64_t id;   /* required */
    const char *name;   /* required */
};
struct tg_chat_photo {
    const char *small_file_id;   /* required */
    const char *small_file_unique_id;   /* required */
    const char *big_file_id;   /* required */
    const char *big_file_unique_id;   /* required */
};
struct tg_chat_invite_link {
    const char *invite_link;   /* required */
    tg_user *creator;   /* required */
    bool creates_join_request;   /* required */
    bool is_primary;   /* required */
    bool is_revoked;   /* required */
    const char *name;
    int64_t expire_date; bool has_expire_date;
    int64_t member_limit; bool has_member_limit;
    int64_t pending_join_request_count; bool has_pending_join_request_count;
    int64_t subscription_period; bool has_subscription_period;
    int64_t subscription_price; bool has_subscription_price;
};
struct tg_chat_administrator_rights {
    bool is_anonymous;   /* required */
    bool can_manage_chat;   /* required */
    bool can_delete_messages;   /* required */
    bool can_manage_video_chats;   /* required */
    bool can_restrict_members;   /* required */
    bool can_promote_members;   /* required */
    bool can_change_info;   /* required */
    bool can_invite_users;   /* required */
    bool can_post_stories;   /* required */
    bool can_edit_stories;   /* required */
    bool can_delete_stories;   /* required */
    bool can_send_welcome_messages;   /* required */
    bool can_post_messages; bool has_can_post_messages;
    bool can_edit_messages; bool has_can_edit_messages;
    bool can_pin_messages; bool has_can_pin_messages;
    bool can_manage_topics; bool has_can_manage_topics;
    bool can_manage_direct_messages; bool has_can_manage_direct_messages;
    bool can_manage_tags; bool has_can_manage_tags;
};
struct tg_chat_member_updated {
    tg_chat *chat;   /* required */
    tg_user *from;   /* required */
    int64_t date;   /* required */
    tg_chat_member *old_chat_member;   /* required */
    tg_chat_member *new_chat_member;   /* required */
    tg_chat_invite_link *invite_link;
    bool via_join_request; bool has_via_join_request;
    bool via_chat_folder_invite_link; bool has_via_chat_folder_invite_link;
};
struct tg_chat_member_owner {
    const char *status;   /* required */
    tg_user *user;   /* required */
    bool is_anonymous;   /* required */
    const char *custom_title;
};
struct tg_chat_member_administrator {
    const char *status;   /* required */
    tg_user *user;   /* required */
    bool can_be_edited;   /* required */
    bool is_anonymous;   /* required */
    bool can_manage_chat;   /* required */
    bool can_delete_messages;   /* required */
    bool can_manage_video_chats;   /* required */
    bool can_restrict_members;   /* required */
    bool can_promote_members;   /* required */
    bool can_change_info;   /* required */
    bool can_invite_users;   /* required */
    bool can_post_stories;   /* required */
    bool can_edit_stories;   /* required */
    bool can_delete_stories;   /* required */
    bool can_send_welcome_messages;   /* required */
    bool can_post_messages; bool has_can_post_messages;
    bool can_edit_messages; bool has_can_edit_messages;
    bool can_pin_messages; bool has_can_pin_messages;
    bool can_manage_topics; bool has_can_manage_topics;
    bool can_manage_direct_messages; bool has_can_manage_direct_messages;
    bool can_manage_tags; bool has_can_manage_tags;
    const char *custom_title;
};
struct tg_chat_member_member {
    const char *status;   /* required */
    const char *tag;
    tg_user *user;   /* required */
    int64_t until_date; bool has_until_date;
};
struct tg_chat_member_restricted {
    const char *status;   /* required */
    const char *tag;
    tg_user *user;   /* required */
    bool is_member;   /* required */
    bool can_send_messages;   /* required */
    bool can_send_audios;   /* required */
    bool can_send_documents;   /* required */
    bool can_send_photos;   /* required */
    bool can_send_videos;   /* required */
    bool can_send_video_notes;   /* required */
    bool can_send_voice_notes;   /* required */
    bool can_send_polls;   /* required */
    bool can_send_other_messages;   /* required */
    bool can_add_web_page_previews;   /* required */
    bool can_react_to_messages;   /* required */
    bool can_edit_tag;   /* required */
    bool can_change_info;   /* required */
    bool can_invite_users;   /* required */
    bool can_pin_messages;   /* required */
    bool can_manage_topics;   /* required */
    int64_t until_date;   /* required */
};
struct tg_chat_member_left {
    const char *status;   /* required */
    tg_user *user;   /* required */
};
struct tg_chat_member_banned {
    const char *status;   /* required */
    tg_user *user;   /* required */
    int64_t until_date;   /* required */
};
struct tg_chat_join_request {
    tg_chat *chat;   /* required */
    tg_user *from;   /* required */
    int64_t user_chat_id;   /* required */
    int64_t date;   /* required */
    const char *bio;
    tg_chat_invite_link *invite_link;
    const char *query_id;
};
struct tg_chat_permissions {
    bool can_send_messages; bool has_can_send_messages;
    bool can_send_audios; bool has_can_send_audios;
    bool can_send_documents; bool has_can_send_documents;
    bool can_send_photos; bool has_can_send_photos;
    bool can_send_videos; bool has_can_send_videos;
    bool can_send_video_notes; bool has_can_send_video_notes;
    bool can_send_voice_notes; bool has_can_send_voice_notes;
    bool can_send_polls; bool has_can_send_polls;
    bool can_send_other_messages; bool has_can_send_other_messages;
    bool can_add_web_page_previews; bool has_can_add_web_page_previews;
    bool can_react_to_messages; bool has_can_react_to_messages;
    bool can_edit_tag; bool has_can_edit_tag;
    bool can_change_info; bool has_can_change_info;
    bool can_invite_users; bool has_can_invite_users;
    bool can_pin_messages; bool has_can_pin_messages;
    bool can_manage_topics; bool has_can_manage_topics;
};
struct tg_birthdate {
    int64_t day;   /* required */
    int64_t month;   /* required */
    int64_t year; bool has_year;
};
struct tg_business_intro {
    const char *title;
    const char *message;
    tg_sticker *sticker;
};
struct tg_business_location {
    const char *address;   /* required */
    tg_location *location;
};
struct tg_business_opening_hours_interval {
    int64_t opening_minute;   /* required */
    int64_t closing_minute;   /* required */
};
struct tg_business_opening_hours {
    const char *time_zone_name;   /* required */
    tg_business_opening_hours_interval *opening_hours; size_t opening_hours_count;   /* required */
};
struct tg_user_rating {
    int64_t level;   /* required */
    int64_t rating;   /* required */
    int64_t current_level_rating;   /* required */
    int64_t next_level_rating; bool has_next_level_rating;
};
struct tg_story_area_position {
    double x_percentage;   /* required */
    double y_percentage;   /* required */
    double width_percentage;   /* required */
    double height_percentage;   /* required */
    double rotation_angle;   /* required */
    double corner_radius_percentage;   /* required */
};
struct tg_location_address {
    const char *country_code;   /* required */
    const char *state;
    const char *city;
    const char *street;
};
struct tg_story_area_type_location {
    const char *type;   /* required */
    double latitude;   /* required */
    double longitude;   /* required */
    tg_location_address *address;
};
struct tg_story_area_type_suggested_reaction {
    const char *type;   /* required */
    tg_reaction_type *reaction_type;   /* required */
    bool is_dark; bool has_is_dark;
    bool is_flipped; bool has_is_flipped;
};
struct tg_story_area_type_link {
    const char *type;   /* required */
    const char *url;   /* required */
};
struct tg_story_area_type_weather {
    const char *type;   /* required */
    double temperature;   /* required */
    const char *emoji;   /* required */
    int64_t background_color;   /* required */
};
struct tg_story_area_type_unique_gift {
    const char *type;   /* required */
    const char *name;   /* required */
};
struct tg_story_area {
    tg_story_area_position *position;   /* required */
    tg_story_area_type *type;   /* required */
};
struct tg_chat_location {
    tg_location *location;   /* required */
    const char *address;   /* required */
};
struct tg_reaction_type_emoji {
    const char *type;   /* required */
    const char *emoji;   /* required */
};
struct tg_reaction_type_custom_emoji {
    const char *type;   /* required */
    const char *custom_emoji_id;   /* required */
};
struct tg_reaction_type_paid {
    const char *type;   /* required */
};
struct tg_reaction_count {
    tg_reaction_type *type;   /* required */
    int64_t total_count;   /* required */
};
struct tg_message_reaction_updated {
    tg_chat *chat;   /* required */
    int64_t message_id;   /* required */
    tg_user *user;
    tg_chat *actor_chat;
    int64_t date;   /* required */
    tg_reaction_type *old_reaction; size_t old_reaction_count;   /* required */
    tg_reaction_type *new_reaction; size_t new_reaction_count;   /* required */
};
struct tg_message_reaction_count_updated {
    tg_chat *chat;   /* required */
    int64_t message_id;   /* required */
    int64_t date;   /* required */
    tg_reaction_count *reactions; size_t reactions_count;   /* required */
};
struct tg_forum_topic {
    int64_t message_thread_id;   /* required */
    const char *name;   /* required */
    int64_t icon_color;   /* required */
    const char *icon_custom_emoji_id;
    bool is_name_implicit; bool has_is_name_implicit;
};
struct tg_gift_background {
    int64_t center_color;   /* required */
    int64_t edge_color;   /* required */
    int64_t text_color;   /* required */
};
struct tg_gift {
    const char *id;   /* required */
    tg_sticker *sticker;   /* required */
    int64_t star_count;   /* required */
    int64_t upgrade_star_count; bool has_upgrade_star_count;
    bool is_premium; bool has_is_premium;
    bool has_colors; bool has_has_colors;
    int64_t total_count; bool has_total_count;
    int64_t remaining_count; bool has_remaining_count;
    int64_t personal_total_count; bool has_personal_total_count;
    int64_t personal_remaining_count; bool has_personal_remaining_count;
    tg_gift_background *background;
    int64_t unique_gift_variant_count; bool has_unique_gift_variant_count;
    tg_chat *publisher_chat;
};
struct tg_gifts {
    tg_gift *gifts; size_t gifts_count;   /* required */
};
struct tg_unique_gift_model {
    const char *name;   /* required */
    tg_sticker *sticker;   /* required */
    int64_t rarity_per_mille;   /* required */
    const char *rarity;
};
struct tg_unique_gift_symbol {
    const char *name;   /* required */
    tg_sticker *sticker;   /* required */
    int64_t rarity_per_mille;   /* required */
};
struct tg_unique_gift_backdrop_colors {
    int64_t center_color;   /* required */
    int64_t edge_color;   /* required */
    int64_t symbol_color;   /* required */
    int64_t text_color;   /* required */
};
struct tg_unique_gift_backdrop {
    const char *name;   /* required */
    tg_unique_gift_backdrop_colors *colors;   /* required */
    int64_t rarity_per_mille;   /* required */
};
struct tg_unique_gift_colors {
    const char *model_custom_emoji_id;   /* required */
    const char *symbol_custom_emoji_id;   /* required */
    int64_t light_theme_main_color;   /* required */
    int64_t *light_theme_other_colors; size_t light_theme_other_colors_count;   /* required */
    int64_t dark_theme_main_color;   /* required */
    int64_t *dark_theme_other_colors; size_t dark_theme_other_colors_count;   /* required */
};
struct tg_unique_gift {
    const char *gift_id;   /* required */
    const char *base_name;   /* required */
    const char *name;   /* required */
    int64_t number;   /* required */
    tg_unique_gift_model *model;   /* required */
    tg_unique_gift_symbol *symbol;   /* required */
    tg_unique_gift_backdrop *backdrop;   /* required */
    bool is_premium; bool has_is_premium;
    bool is_burned; bool has_is_burned;
    bool is_from_blockchain; bool has_is_from_blockchain;
    tg_unique_gift_colors *colors;
    tg_chat *publisher_chat;
};
struct tg_gift_info {
    tg_gift *gift;   /* required */
    const char *owned_gift_id;
    int64_t convert_star_count; bool has_convert_star_count;
    int64_t prepaid_upgrade_star_count; bool has_prepaid_upgrade_star_count;
    bool is_upgrade_separate; bool has_is_upgrade_separate;
    bool can_be_upgraded; bool has_can_be_upgraded;
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    bool is_private; bool has_is_private;
    int64_t unique_gift_number; bool has_unique_gift_number;
};
struct tg_unique_gift_info {
    tg_unique_gift *gift;   /* required */
    const char *origin;   /* required */
    const char *last_resale_currency;
    int64_t last_resale_amount; bool has_last_resale_amount;
    const char *owned_gift_id;
    int64_t transfer_star_count; bool has_transfer_star_count;
    int64_t next_transfer_date; bool has_next_transfer_date;
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    bool is_private; bool has_is_private;
};
struct tg_owned_gift_regular {
    const char *type;   /* required */
    tg_gift *gift;   /* required */
    const char *owned_gift_id;
    tg_user *sender_user;
    int64_t send_date;   /* required */
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    bool is_private; bool has_is_private;
    bool is_saved; bool has_is_saved;
    bool can_be_upgraded; bool has_can_be_upgraded;
    bool was_refunded; bool has_was_refunded;
    int64_t convert_star_count; bool has_convert_star_count;
    int64_t prepaid_upgrade_star_count; bool has_prepaid_upgrade_star_count;
    bool is_upgrade_separate; bool has_is_upgrade_separate;
    int64_t unique_gift_number; bool has_unique_gift_number;
};
struct tg_owned_gift_unique {
    const char *type;   /* required */
    tg_unique_gift *gift;   /* required */
    const char *owned_gift_id;
    tg_user *sender_user;
    int64_t send_date;   /* required */
    bool is_saved; bool has_is_saved;
    bool can_be_transferred; bool has_can_be_transferred;
    int64_t transfer_star_count; bool has_transfer_star_count;
    int64_t next_transfer_date; bool has_next_transfer_date;
};
struct tg_owned_gifts {
    int64_t total_count;   /* required */
    tg_owned_gift *gifts; size_t gifts_count;   /* required */
    const char *next_offset;
};
struct tg_bot_access_settings {
    bool is_access_restricted;   /* required */
    tg_user *added_users; size_t added_users_count;
};
struct tg_accepted_gift_types {
    bool unlimited_gifts;   /* required */
    bool limited_gifts;   /* required */
    bool unique_gifts;   /* required */
    bool premium_subscription;   /* required */
    bool gifts_from_channels;   /* required */
};
struct tg_star_amount {
    int64_t amount;   /* required */
    int64_t nanostar_amount; bool has_nanostar_amount;
};
struct tg_bot_command {
    const char *command;   /* required */
    const char *description;   /* required */
    bool is_ephemeral; bool has_is_ephemeral;
};
struct tg_bot_command_scope_default {
    const char *type;   /* required */
};
struct tg_bot_command_scope_all_private_chats {
    const char *type;   /* required */
};
struct tg_bot_command_scope_all_group_chats {
    const char *type;   /* required */
};
struct tg_bot_command_scope_all_chat_administrators {
    const char *type;   /* required */
};
struct tg_bot_command_scope_chat {
    const char *type;   /* required */
    tg_chat_ref chat_id;   /* required */
};
struct tg_bot_command_scope_chat_administrators {
    const char *type;   /* required */
    tg_chat_ref chat_id;   /* required */
};
struct tg_bot_command_scope_chat_member {
    const char *type;   /* required */
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
};
struct tg_bot_name {
    const char *name;   /* required */
};
struct tg_bot_description {
    const char *description;   /* required */
};
struct tg_bot_short_description {
    const char *short_description;   /* required */
};
struct tg_menu_button_commands {
    const char *type;   /* required */
};
struct tg_menu_button_web_app {
    const char *type;   /* required */
    const char *text;   /* required */
    tg_web_app_info *web_app;   /* required */
};
struct tg_menu_button_default {
    const char *type;   /* required */
};
struct tg_chat_boost_source_premium {
    const char *source;   /* required */
    tg_user *user;   /* required */
};
struct tg_chat_boost_source_gift_code {
    const char *source;   /* required */
    tg_user *user;   /* required */
};
struct tg_chat_boost_source_giveaway {
    const char *source;   /* required */
    int64_t giveaway_message_id;   /* required */
    tg_user *user;
    int64_t prize_star_count; bool has_prize_star_count;
    bool is_unclaimed; bool has_is_unclaimed;
};
struct tg_chat_boost {
    const char *boost_id;   /* required */
    int64_t add_date;   /* required */
    int64_t expiration_date;   /* required */
    tg_chat_boost_source *source;   /* required */
};
struct tg_chat_boost_updated {
    tg_chat *chat;   /* required */
    tg_chat_boost *boost;   /* required */
};
struct tg_chat_boost_removed {
    tg_chat *chat;   /* required */
    const char *boost_id;   /* required */
    int64_t remove_date;   /* required */
    tg_chat_boost_source *source;   /* required */
};
struct tg_chat_owner_left {
    tg_user *new_owner;
};
struct tg_chat_owner_changed {
    tg_user *new_owner;   /* required */
};
struct tg_user_chat_boosts {
    tg_chat_boost *boosts; size_t boosts_count;   /* required */
};
struct tg_business_bot_rights {
    bool can_reply; bool has_can_reply;
    bool can_read_messages; bool has_can_read_messages;
    bool can_delete_sent_messages; bool has_can_delete_sent_messages;
    bool can_delete_all_messages; bool has_can_delete_all_messages;
    bool can_edit_name; bool has_can_edit_name;
    bool can_edit_bio; bool has_can_edit_bio;
    bool can_edit_profile_photo; bool has_can_edit_profile_photo;
    bool can_edit_username; bool has_can_edit_username;
    bool can_change_gift_settings; bool has_can_change_gift_settings;
    bool can_view_gifts_and_stars; bool has_can_view_gifts_and_stars;
    bool can_convert_gifts_to_stars; bool has_can_convert_gifts_to_stars;
    bool can_transfer_and_upgrade_gifts; bool has_can_transfer_and_upgrade_gifts;
    bool can_transfer_stars; bool has_can_transfer_stars;
    bool can_manage_stories; bool has_can_manage_stories;
};
struct tg_business_connection {
    const char *id;   /* required */
    tg_user *user;   /* required */
    int64_t user_chat_id;   /* required */
    int64_t date;   /* required */
    tg_business_bot_rights *rights;
    bool is_enabled;   /* required */
};
struct tg_business_messages_deleted {
    const char *business_connection_id;   /* required */
    tg_chat *chat;   /* required */
    int64_t *message_ids; size_t message_ids_count;   /* required */
};
struct tg_sent_web_app_message {
    const char *inline_message_id;
};
struct tg_sent_guest_message {
    const char *inline_message_id;   /* required */
};
struct tg_prepared_inline_message {
    const char *id;   /* required */
    int64_t expiration_date;   /* required */
};
struct tg_prepared_keyboard_button {
    const char *id;   /* required */
};
struct tg_response_parameters {
    int64_t migrate_to_chat_id; bool has_migrate_to_chat_id;
    int64_t retry_after; bool has_retry_after;
};
struct tg_input_media_animation {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    int64_t width; bool has_width;
    int64_t height; bool has_height;
    int64_t duration; bool has_duration;
    bool has_spoiler; bool has_has_spoiler;
};
struct tg_input_media_audio {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    int64_t duration; bool has_duration;
    const char *performer;
    const char *title;
};
struct tg_input_media_document {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool disable_content_type_detection; bool has_disable_content_type_detection;
};
struct tg_input_media_link {
    const char *type;   /* required */
    const char *url;   /* required */
};
struct tg_input_media_live_photo {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *photo;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    bool has_spoiler; bool has_has_spoiler;
};
struct tg_input_media_location {
    const char *type;   /* required */
    double latitude;   /* required */
    double longitude;   /* required */
    double horizontal_accuracy; bool has_horizontal_accuracy;
};
struct tg_input_media_photo {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    bool has_spoiler; bool has_has_spoiler;
};
struct tg_input_media_sticker {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const char *emoji;
};
struct tg_input_media_venue {
    const char *type;   /* required */
    double latitude;   /* required */
    double longitude;   /* required */
    const char *title;   /* required */
    const char *address;   /* required */
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
};
struct tg_input_media_video {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *thumbnail;
    const tg_input_file *cover;
    int64_t start_timestamp; bool has_start_timestamp;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    int64_t width; bool has_width;
    int64_t height; bool has_height;
    int64_t duration; bool has_duration;
    bool supports_streaming; bool has_supports_streaming;
    bool has_spoiler; bool has_has_spoiler;
};
struct tg_input_media_voice_note {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    int64_t duration; bool has_duration;
};
struct tg_input_paid_media_live_photo {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *photo;   /* required */
};
struct tg_input_paid_media_photo {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
};
struct tg_input_paid_media_video {
    const char *type;   /* required */
    const tg_input_file *media;   /* required */
    const tg_input_file *thumbnail;
    const tg_input_file *cover;
    int64_t start_timestamp; bool has_start_timestamp;
    int64_t width; bool has_width;
    int64_t height; bool has_height;
    int64_t duration; bool has_duration;
    bool supports_streaming; bool has_supports_streaming;
};
struct tg_input_profile_photo_static {
    const char *type;   /* required */
    const tg_input_file *photo;   /* required */
};
struct tg_input_profile_photo_animated {
    const char *type;   /* required */
    const tg_input_file *animation;   /* required */
    double main_frame_timestamp; bool has_main_frame_timestamp;
};
struct tg_input_story_content_photo {
    const char *type;   /* required */
    const tg_input_file *photo;   /* required */
};
struct tg_input_story_content_video {
    const char *type;   /* required */
    const tg_input_file *video;   /* required */
    double duration; bool has_duration;
    double cover_frame_timestamp; bool has_cover_frame_timestamp;
    bool is_animation; bool has_is_animation;
};
struct tg_sticker {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    const char *type;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    bool is_animated;   /* required */
    bool is_video;   /* required */
    tg_photo_size *thumbnail;
    const char *emoji;
    const char *set_name;
    tg_file *premium_animation;
    tg_mask_position *mask_position;
    const char *custom_emoji_id;
    bool needs_repainting; bool has_needs_repainting;
    int64_t file_size; bool has_file_size;
};
struct tg_sticker_set {
    const char *name;   /* required */
    const char *title;   /* required */
    const char *sticker_type;   /* required */
    tg_sticker *stickers; size_t stickers_count;   /* required */
    tg_photo_size *thumbnail;
};
struct tg_mask_position {
    const char *point;   /* required */
    double x_shift;   /* required */
    double y_shift;   /* required */
    double scale;   /* required */
};
struct tg_input_sticker {
    const tg_input_file *sticker;   /* required */
    const char *format;   /* required */
    const char **emoji_list; size_t emoji_list_count;   /* required */
    tg_mask_position *mask_position;
    const char **keywords; size_t keywords_count;
};
struct tg_rich_message {
    tg_rich_block *blocks; size_t blocks_count;   /* required */
    bool is_rtl; bool has_is_rtl;
};
struct tg_rich_message_button {
    tg_rich_text *text;   /* required */
    const char *style;
    const char *url;
    const char *callback_data;
    tg_web_app_info *web_app;
    tg_login_url *login_url;
    const char *switch_inline_query;
    const char *switch_inline_query_current_chat;
    tg_switch_inline_query_chosen_chat *switch_inline_query_chosen_chat;
    tg_copy_text_button *copy_text;
    tg_disabled_button *disabled;
};
struct tg_input_rich_message {
    tg_input_rich_block *blocks; size_t blocks_count;
    const char *html;
    const char *markdown;
    tg_input_rich_message_media *media; size_t media_count;
    bool is_rtl; bool has_is_rtl;
    bool skip_entity_detection; bool has_skip_entity_detection;
};
struct tg_input_rich_message_media {
    const char *id;   /* required */
    tg_input_rich_message_media_media *media;   /* required */
};
struct tg_rich_text_bold {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_italic {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_underline {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_strikethrough {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_spoiler {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_date_time {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    int64_t unix_time;   /* required */
    const char *date_time_format;   /* required */
};
struct tg_rich_text_text_mention {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    tg_user *user;   /* required */
};
struct tg_rich_text_subscript {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_superscript {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_marked {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_code {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_text_custom_emoji {
    const char *type;   /* required */
    const char *custom_emoji_id;   /* required */
    const char *alternative_text;   /* required */
};
struct tg_rich_text_mathematical_expression {
    const char *type;   /* required */
    const char *expression;   /* required */
};
struct tg_rich_text_url {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *url;   /* required */
};
struct tg_rich_text_email_address {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *email_address;   /* required */
};
struct tg_rich_text_phone_number {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *phone_number;   /* required */
};
struct tg_rich_text_bank_card_number {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *bank_card_number;   /* required */
};
struct tg_rich_text_mention {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *username;   /* required */
};
struct tg_rich_text_hashtag {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *hashtag;   /* required */
};
struct tg_rich_text_cashtag {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *cashtag;   /* required */
};
struct tg_rich_text_bot_command {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *bot_command;   /* required */
};
struct tg_rich_text_button {
    const char *type;   /* required */
    tg_rich_message_button *button;   /* required */
};
struct tg_rich_text_anchor {
    const char *type;   /* required */
    const char *name;   /* required */
};
struct tg_rich_text_anchor_link {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *anchor_name;   /* required */
};
struct tg_rich_text_reference {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *name;   /* required */
};
struct tg_rich_text_reference_link {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *reference_name;   /* required */
};
struct tg_rich_block_caption {
    tg_rich_text *text;   /* required */
    tg_rich_text *credit;
};
struct tg_rich_block_table_cell {
    tg_rich_text *text;
    bool is_header; bool has_is_header;
    int64_t colspan; bool has_colspan;
    int64_t rowspan; bool has_rowspan;
    const char *align;   /* required */
    const char *valign;   /* required */
};
struct tg_rich_block_list_item {
    const char *label;   /* required */
    tg_rich_block *blocks; size_t blocks_count;   /* required */
    bool has_checkbox; bool has_has_checkbox;
    bool is_checked; bool has_is_checked;
    int64_t value; bool has_value;
    const char *type;
};
struct tg_rich_block_paragraph {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_block_section_heading {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    int64_t size;   /* required */
};
struct tg_rich_block_preformatted {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *language;
};
struct tg_rich_block_footer {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_rich_block_divider {
    const char *type;   /* required */
};
struct tg_rich_block_mathematical_expression {
    const char *type;   /* required */
    const char *expression;   /* required */
};
struct tg_rich_block_anchor {
    const char *type;   /* required */
    const char *name;   /* required */
};
struct tg_rich_block_list {
    const char *type;   /* required */
    tg_rich_block_list_item *items; size_t items_count;   /* required */
};
struct tg_rich_block_block_quotation {
    const char *type;   /* required */
    tg_rich_block *blocks; size_t blocks_count;   /* required */
    tg_rich_text *credit;
};
struct tg_rich_block_expandable_block_quotation {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    tg_rich_text *credit;
};
struct tg_rich_block_pull_quotation {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    tg_rich_text *credit;
};
struct tg_rich_block_collage {
    const char *type;   /* required */
    tg_rich_block *blocks; size_t blocks_count;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_rich_block_slideshow {
    const char *type;   /* required */
    tg_rich_block *blocks; size_t blocks_count;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_rich_block_table {
    const char *type;   /* required */
    tg_rich_block_table_cell_list *cells; size_t cells_count;   /* required */
    bool is_bordered; bool has_is_bordered;
    bool is_striped; bool has_is_striped;
    tg_rich_text *caption;
    bool is_compact; bool has_is_compact;
};
struct tg_rich_block_details {
    const char *type;   /* required */
    tg_rich_text *summary;   /* required */
    tg_rich_block *blocks; size_t blocks_count;   /* required */
    bool is_open; bool has_is_open;
};
struct tg_rich_block_map {
    const char *type;   /* required */
    tg_location *location;   /* required */
    int64_t zoom;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_rich_block_buttons {
    const char *type;   /* required */
    tg_rich_message_button *buttons; size_t buttons_count;   /* required */
    const char *align;
};
struct tg_rich_block_animation {
    const char *type;   /* required */
    tg_animation *animation;   /* required */
    bool has_spoiler; bool has_has_spoiler;
    tg_rich_block_caption *caption;
};
struct tg_rich_block_audio {
    const char *type;   /* required */
    tg_audio *audio;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_rich_block_document {
    const char *type;   /* required */
    tg_document *document;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_rich_block_photo {
    const char *type;   /* required */
    tg_photo_size *photo; size_t photo_count;   /* required */
    bool has_spoiler; bool has_has_spoiler;
    tg_rich_block_caption *caption;
};
struct tg_rich_block_video {
    const char *type;   /* required */
    tg_video *video;   /* required */
    bool has_spoiler; bool has_has_spoiler;
    tg_rich_block_caption *caption;
};
struct tg_rich_block_voice_note {
    const char *type;   /* required */
    tg_voice *voice_note;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_rich_block_thinking {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_input_rich_block_list_item {
    tg_input_rich_block *blocks; size_t blocks_count;   /* required */
    bool has_checkbox; bool has_has_checkbox;
    bool is_checked; bool has_is_checked;
    int64_t value; bool has_value;
    const char *type;
};
struct tg_input_rich_block_paragraph {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_input_rich_block_section_heading {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    int64_t size;   /* required */
};
struct tg_input_rich_block_preformatted {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    const char *language;
};
struct tg_input_rich_block_footer {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_input_rich_block_divider {
    const char *type;   /* required */
};
struct tg_input_rich_block_mathematical_expression {
    const char *type;   /* required */
    const char *expression;   /* required */
};
struct tg_input_rich_block_anchor {
    const char *type;   /* required */
    const char *name;   /* required */
};
struct tg_input_rich_block_list {
    const char *type;   /* required */
    tg_input_rich_block_list_item *items; size_t items_count;   /* required */
};
struct tg_input_rich_block_block_quotation {
    const char *type;   /* required */
    tg_input_rich_block *blocks; size_t blocks_count;   /* required */
    tg_rich_text *credit;
};
struct tg_input_rich_block_expandable_block_quotation {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    tg_rich_text *credit;
};
struct tg_input_rich_block_pull_quotation {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
    tg_rich_text *credit;
};
struct tg_input_rich_block_collage {
    const char *type;   /* required */
    tg_input_rich_block *blocks; size_t blocks_count;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_slideshow {
    const char *type;   /* required */
    tg_input_rich_block *blocks; size_t blocks_count;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_table {
    const char *type;   /* required */
    tg_rich_block_table_cell_list *cells; size_t cells_count;   /* required */
    bool is_bordered; bool has_is_bordered;
    bool is_striped; bool has_is_striped;
    tg_rich_text *caption;
    bool is_compact; bool has_is_compact;
};
struct tg_input_rich_block_details {
    const char *type;   /* required */
    tg_rich_text *summary;   /* required */
    tg_input_rich_block *blocks; size_t blocks_count;   /* required */
    bool is_open; bool has_is_open;
};
struct tg_input_rich_block_map {
    const char *type;   /* required */
    tg_location *location;   /* required */
    int64_t zoom;   /* required */
    int64_t width;   /* required */
    int64_t height;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_buttons {
    const char *type;   /* required */
    tg_rich_message_button *buttons; size_t buttons_count;   /* required */
    const char *align;
};
struct tg_input_rich_block_animation {
    const char *type;   /* required */
    tg_input_media_animation *animation;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_audio {
    const char *type;   /* required */
    tg_input_media_audio *audio;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_document {
    const char *type;   /* required */
    tg_input_media_document *document;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_photo {
    const char *type;   /* required */
    tg_input_media_photo *photo;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_video {
    const char *type;   /* required */
    tg_input_media_video *video;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_voice_note {
    const char *type;   /* required */
    tg_input_media_voice_note *voice_note;   /* required */
    tg_rich_block_caption *caption;
};
struct tg_input_rich_block_thinking {
    const char *type;   /* required */
    tg_rich_text *text;   /* required */
};
struct tg_inline_query {
    const char *id;   /* required */
    tg_user *from;   /* required */
    const char *query;   /* required */
    const char *offset;   /* required */
    const char *chat_type;
    tg_location *location;
};
struct tg_inline_query_results_button {
    const char *text;   /* required */
    tg_web_app_info *web_app;
    const char *start_parameter;
};
struct tg_inline_query_result_article {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *title;   /* required */
    tg_input_message_content *input_message_content;   /* required */
    tg_inline_keyboard_markup *reply_markup;
    const char *url;
    const char *description;
    const char *thumbnail_url;
    int64_t thumbnail_width; bool has_thumbnail_width;
    int64_t thumbnail_height; bool has_thumbnail_height;
};
struct tg_inline_query_result_photo {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *photo_url;   /* required */
    const char *thumbnail_url;   /* required */
    int64_t photo_width; bool has_photo_width;
    int64_t photo_height; bool has_photo_height;
    const char *title;
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_gif {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *gif_url;   /* required */
    int64_t gif_width; bool has_gif_width;
    int64_t gif_height; bool has_gif_height;
    int64_t gif_duration; bool has_gif_duration;
    const char *thumbnail_url;   /* required */
    const char *thumbnail_mime_type;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_mpeg4_gif {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *mpeg4_url;   /* required */
    int64_t mpeg4_width; bool has_mpeg4_width;
    int64_t mpeg4_height; bool has_mpeg4_height;
    int64_t mpeg4_duration; bool has_mpeg4_duration;
    const char *thumbnail_url;   /* required */
    const char *thumbnail_mime_type;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_video {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *video_url;   /* required */
    const char *mime_type;   /* required */
    const char *thumbnail_url;   /* required */
    const char *title;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    int64_t video_width; bool has_video_width;
    int64_t video_height; bool has_video_height;
    int64_t video_duration; bool has_video_duration;
    const char *description;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_audio {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *audio_url;   /* required */
    const char *title;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *performer;
    int64_t audio_duration; bool has_audio_duration;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_voice {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *voice_url;   /* required */
    const char *title;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    int64_t voice_duration; bool has_voice_duration;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_document {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *title;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *document_url;   /* required */
    const char *mime_type;   /* required */
    const char *description;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width; bool has_thumbnail_width;
    int64_t thumbnail_height; bool has_thumbnail_height;
};
struct tg_inline_query_result_location {
    const char *type;   /* required */
    const char *id;   /* required */
    double latitude;   /* required */
    double longitude;   /* required */
    const char *title;   /* required */
    double horizontal_accuracy; bool has_horizontal_accuracy;
    int64_t live_period; bool has_live_period;
    int64_t heading; bool has_heading;
    int64_t proximity_alert_radius; bool has_proximity_alert_radius;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width; bool has_thumbnail_width;
    int64_t thumbnail_height; bool has_thumbnail_height;
};
struct tg_inline_query_result_venue {
    const char *type;   /* required */
    const char *id;   /* required */
    double latitude;   /* required */
    double longitude;   /* required */
    const char *title;   /* required */
    const char *address;   /* required */
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width; bool has_thumbnail_width;
    int64_t thumbnail_height; bool has_thumbnail_height;
};
struct tg_inline_query_result_contact {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *phone_number;   /* required */
    const char *first_name;   /* required */
    const char *last_name;
    const char *vcard;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width; bool has_thumbnail_width;
    int64_t thumbnail_height; bool has_thumbnail_height;
};
struct tg_inline_query_result_game {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *game_short_name;   /* required */
    tg_inline_keyboard_markup *reply_markup;
};
struct tg_inline_query_result_cached_photo {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *photo_file_id;   /* required */
    const char *title;
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_gif {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *gif_file_id;   /* required */
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_mpeg4_gif {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *mpeg4_file_id;   /* required */
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_sticker {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *sticker_file_id;   /* required */
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_document {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *title;   /* required */
    const char *document_file_id;   /* required */
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_video {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *video_file_id;   /* required */
    const char *title;   /* required */
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media; bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_voice {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *voice_file_id;   /* required */
    const char *title;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_inline_query_result_cached_audio {
    const char *type;   /* required */
    const char *id;   /* required */
    const char *audio_file_id;   /* required */
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
struct tg_input_text_message_content {
    const char *message_text;   /* required */
    const char *parse_mode;
    tg_message_entity *entities; size_t entities_count;
    tg_link_preview_options *link_preview_options;
};
struct tg_input_rich_message_content {
    tg_input_rich_message *rich_message;   /* required */
};
struct tg_input_location_message_content {
    double latitude;   /* required */
    double longitude;   /* required */
    double horizontal_accuracy; bool has_horizontal_accuracy;
    int64_t live_period; bool has_live_period;
    int64_t heading; bool has_heading;
    int64_t proximity_alert_radius; bool has_proximity_alert_radius;
};
struct tg_input_venue_message_content {
    double latitude;   /* required */
    double longitude;   /* required */
    const char *title;   /* required */
    const char *address;   /* required */
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
};
struct tg_input_contact_message_content {
    const char *phone_number;   /* required */
    const char *first_name;   /* required */
    const char *last_name;
    const char *vcard;
};
struct tg_input_invoice_message_content {
    const char *title;   /* required */
    const char *description;   /* required */
    const char *payload;   /* required */
    const char *provider_token;
    const char *currency;   /* required */
    tg_labeled_price *prices; size_t prices_count;   /* required */
    int64_t max_tip_amount; bool has_max_tip_amount;
    int64_t *suggested_tip_amounts; size_t suggested_tip_amounts_count;
    const char *provider_data;
    const char *photo_url;
    int64_t photo_size; bool has_photo_size;
    int64_t photo_width; bool has_photo_width;
    int64_t photo_height; bool has_photo_height;
    bool need_name; bool has_need_name;
    bool need_phone_number; bool has_need_phone_number;
    bool need_email; bool has_need_email;
    bool need_shipping_address; bool has_need_shipping_address;
    bool send_phone_number_to_provider; bool has_send_phone_number_to_provider;
    bool send_email_to_provider; bool has_send_email_to_provider;
    bool is_flexible; bool has_is_flexible;
};
struct tg_chosen_inline_result {
    const char *result_id;   /* required */
    tg_user *from;   /* required */
    tg_location *location;
    const char *inline_message_id;
    const char *query;   /* required */
};
struct tg_labeled_price {
    const char *label;   /* required */
    int64_t amount;   /* required */
};
struct tg_invoice {
    const char *title;   /* required */
    const char *description;   /* required */
    const char *start_parameter;   /* required */
    const char *currency;   /* required */
    int64_t total_amount;   /* required */
};
struct tg_shipping_address {
    const char *country_code;   /* required */
    const char *state;   /* required */
    const char *city;   /* required */
    const char *street_line1;   /* required */
    const char *street_line2;   /* required */
    const char *post_code;   /* required */
};
struct tg_order_info {
    const char *name;
    const char *phone_number;
    const char *email;
    tg_shipping_address *shipping_address;
};
struct tg_shipping_option {
    const char *id;   /* required */
    const char *title;   /* required */
    tg_labeled_price *prices; size_t prices_count;   /* required */
};
struct tg_successful_payment {
    const char *currency;   /* required */
    int64_t total_amount;   /* required */
    const char *invoice_payload;   /* required */
    int64_t subscription_expiration_date; bool has_subscription_expiration_date;
    bool is_recurring; bool has_is_recurring;
    bool is_first_recurring; bool has_is_first_recurring;
    const char *shipping_option_id;
    tg_order_info *order_info;
    const char *telegram_payment_charge_id;   /* required */
    const char *provider_payment_charge_id;   /* required */
};
struct tg_refunded_payment {
    const char *currency;   /* required */
    int64_t total_amount;   /* required */
    const char *invoice_payload;   /* required */
    const char *telegram_payment_charge_id;   /* required */
    const char *provider_payment_charge_id;
};
struct tg_shipping_query {
    const char *id;   /* required */
    tg_user *from;   /* required */
    const char *invoice_payload;   /* required */
    tg_shipping_address *shipping_address;   /* required */
};
struct tg_pre_checkout_query {
    const char *id;   /* required */
    tg_user *from;   /* required */
    const char *currency;   /* required */
    int64_t total_amount;   /* required */
    const char *invoice_payload;   /* required */
    const char *shipping_option_id;
    tg_order_info *order_info;
};
struct tg_paid_media_purchased {
    tg_user *from;   /* required */
    const char *paid_media_payload;   /* required */
};
struct tg_revenue_withdrawal_state_pending {
    const char *type;   /* required */
};
struct tg_revenue_withdrawal_state_succeeded {
    const char *type;   /* required */
    int64_t date;   /* required */
    const char *url;   /* required */
};
struct tg_revenue_withdrawal_state_failed {
    const char *type;   /* required */
};
struct tg_affiliate_info {
    tg_user *affiliate_user;
    tg_chat *affiliate_chat;
    int64_t commission_per_mille;   /* required */
    int64_t amount;   /* required */
    int64_t nanostar_amount; bool has_nanostar_amount;
};
struct tg_transaction_partner_user {
    const char *type;   /* required */
    const char *transaction_type;   /* required */
    tg_user *user;   /* required */
    tg_affiliate_info *affiliate;
    const char *invoice_payload;
    int64_t subscription_period; bool has_subscription_period;
    tg_paid_media *paid_media; size_t paid_media_count;
    const char *paid_media_payload;
    tg_gift *gift;
    int64_t premium_subscription_duration; bool has_premium_subscription_duration;
};
struct tg_transaction_partner_chat {
    const char *type;   /* required */
    tg_chat *chat;   /* required */
    tg_gift *gift;
};
struct tg_transaction_partner_affiliate_program {
    const char *type;   /* required */
    tg_user *sponsor_user;
    int64_t commission_per_mille;   /* required */
};
struct tg_transaction_partner_fragment {
    const char *type;   /* required */
    tg_revenue_withdrawal_state *withdrawal_state;
};
struct tg_transaction_partner_telegram_ads {
    const char *type;   /* required */
};
struct tg_transaction_partner_telegram_api {
    const char *type;   /* required */
    int64_t request_count;   /* required */
};
struct tg_transaction_partner_other {
    const char *type;   /* required */
};
struct tg_star_transaction {
    const char *id;   /* required */
    int64_t amount;   /* required */
    int64_t nanostar_amount; bool has_nanostar_amount;
    int64_t date;   /* required */
    tg_transaction_partner *source;
    tg_transaction_partner *receiver;
};
struct tg_star_transactions {
    tg_star_transaction *transactions; size_t transactions_count;   /* required */
};
struct tg_passport_data {
    tg_encrypted_passport_element *data; size_t data_count;   /* required */
    tg_encrypted_credentials *credentials;   /* required */
};
struct tg_passport_file {
    const char *file_id;   /* required */
    const char *file_unique_id;   /* required */
    int64_t file_size;   /* required */
    int64_t file_date;   /* required */
};
struct tg_encrypted_passport_element {
    const char *type;   /* required */
    const char *data;
    const char *phone_number;
    const char *email;
    tg_passport_file *files; size_t files_count;
    tg_passport_file *front_side;
    tg_passport_file *reverse_side;
    tg_passport_file *selfie;
    tg_passport_file *translation; size_t translation_count;
    const char *hash;   /* required */
};
struct tg_encrypted_credentials {
    const char *data;   /* required */
    const char *hash;   /* required */
    const char *secret;   /* required */
};
struct tg_passport_element_error_data_field {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *field_name;   /* required */
    const char *data_hash;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_front_side {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *file_hash;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_reverse_side {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *file_hash;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_selfie {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *file_hash;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_file {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *file_hash;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_files {
    const char *source;   /* required */
    const char *type;   /* required */
    const char **file_hashes; size_t file_hashes_count;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_translation_file {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *file_hash;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_translation_files {
    const char *source;   /* required */
    const char *type;   /* required */
    const char **file_hashes; size_t file_hashes_count;   /* required */
    const char *message;   /* required */
};
struct tg_passport_element_error_unspecified {
    const char *source;   /* required */
    const char *type;   /* required */
    const char *element_hash;   /* required */
    const char *message;   /* required */
};
struct tg_game {
    const char *title;   /* required */
    const char *description;   /* required */
    tg_photo_size *photo; size_t photo_count;   /* required */
    const char *text;
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_animation *animation;
};
struct tg_callback_game {
    int unused_;   /* no fields */
};
struct tg_game_high_score {
    int64_t position;   /* required */
    tg_user *user;   /* required */
    int64_t score;   /* required */
};
/* decodes any Bot API type from parsed JSON; strings point into the JSON buffer */
TGBOT_API tg_err tg_decode(tg_type_id type, const tg_json_value *v, tg_arena *a, void *out);
/* on failure the writer's sticky error is set and its output must not be used */
TGBOT_API tg_err tg_encode(tg_type_id type, const void *obj, tg_json_writer *w);
struct tg_get_updates_args {
    int64_t offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    int64_t timeout;
    const char **allowed_updates; size_t allowed_updates_count; const char *allowed_updates_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getupdates (read) */
TGBOT_API tg_err tg_get_updates(tg_bot *bot, const tg_get_updates_args *args, tg_update_list *out);
struct tg_set_webhook_args {
    const char *url;   /* required */
    const tg_input_file *certificate;
    const char *ip_address;
    int64_t max_connections; bool has_max_connections;   /* has_: 0 is sent */
    const char **allowed_updates; size_t allowed_updates_count; const char *allowed_updates_json;
    bool drop_pending_updates;
    const char *secret_token;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setwebhook (idempotent) */
TGBOT_API tg_err tg_set_webhook(tg_bot *bot, const tg_set_webhook_args *args, bool *out);
struct tg_delete_webhook_args {
    bool drop_pending_updates;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletewebhook (idempotent) */
TGBOT_API tg_err tg_delete_webhook(tg_bot *bot, const tg_delete_webhook_args *args, bool *out);
/* https://core.telegram.org/bots/api#getwebhookinfo (read) */
TGBOT_API tg_err tg_get_webhook_info(tg_bot *bot, tg_webhook_info **out);
/* https://core.telegram.org/bots/api#getme (read) */
TGBOT_API tg_err tg_get_me(tg_bot *bot, tg_user **out);
/* https://core.telegram.org/bots/api#logout (idempotent) */
TGBOT_API tg_err tg_log_out(tg_bot *bot, bool *out);
/* https://core.telegram.org/bots/api#close (idempotent) */
TGBOT_API tg_err tg_close(tg_bot *bot, bool *out);
struct tg_send_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const char *text;   /* required */
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count; const char *entities_json;
    const tg_link_preview_options *link_preview_options; const char *link_preview_options_json;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendmessage (send) */
TGBOT_API tg_err tg_send_message(tg_bot *bot, const tg_send_message_args *args, tg_message **out);
struct tg_forward_message_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;   /* required */
    int64_t video_start_timestamp;
    bool disable_notification;
    bool protect_content;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    int64_t message_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#forwardmessage (send) */
TGBOT_API tg_err tg_forward_message(tg_bot *bot, const tg_forward_message_args *args, tg_message **out);
struct tg_forward_messages_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;   /* required */
    int64_t *message_ids; size_t message_ids_count; const char *message_ids_json;   /* required */
    bool disable_notification;
    bool protect_content;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#forwardmessages (send) */
TGBOT_API tg_err tg_forward_messages(tg_bot *bot, const tg_forward_messages_args *args, tg_message_id_list *out);
struct tg_copy_message_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;   /* required */
    int64_t message_id;   /* required */
    int64_t video_start_timestamp;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#copymessage (send) */
TGBOT_API tg_err tg_copy_message(tg_bot *bot, const tg_copy_message_args *args, tg_message_id **out);
struct tg_copy_messages_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;   /* required */
    int64_t *message_ids; size_t message_ids_count; const char *message_ids_json;   /* required */
    bool disable_notification;
    bool protect_content;
    bool remove_caption;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#copymessages (send) */
TGBOT_API tg_err tg_copy_messages(tg_bot *bot, const tg_copy_messages_args *args, tg_message_id_list *out);
struct tg_send_photo_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *photo;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    bool has_spoiler;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendphoto (send) */
TGBOT_API tg_err tg_send_photo(tg_bot *bot, const tg_send_photo_args *args, tg_message **out);
struct tg_send_live_photo_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *live_photo;   /* required */
    const tg_input_file *photo;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    bool has_spoiler;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendlivephoto (send) */
TGBOT_API tg_err tg_send_live_photo(tg_bot *bot, const tg_send_live_photo_args *args, tg_message **out);
struct tg_send_audio_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *audio;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    int64_t duration;
    const char *performer;
    const char *title;
    const tg_input_file *thumbnail;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendaudio (send) */
TGBOT_API tg_err tg_send_audio(tg_bot *bot, const tg_send_audio_args *args, tg_message **out);
struct tg_send_document_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *document;   /* required */
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool disable_content_type_detection;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#senddocument (send) */
TGBOT_API tg_err tg_send_document(tg_bot *bot, const tg_send_document_args *args, tg_message **out);
struct tg_send_video_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *video;   /* required */
    int64_t duration;
    int64_t width;
    int64_t height;
    const tg_input_file *thumbnail;
    const tg_input_file *cover;
    int64_t start_timestamp;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    bool has_spoiler;
    bool supports_streaming;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendvideo (send) */
TGBOT_API tg_err tg_send_video(tg_bot *bot, const tg_send_video_args *args, tg_message **out);
struct tg_send_animation_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *animation;   /* required */
    int64_t duration;
    int64_t width;
    int64_t height;
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    bool has_spoiler;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendanimation (send) */
TGBOT_API tg_err tg_send_animation(tg_bot *bot, const tg_send_animation_args *args, tg_message **out);
struct tg_send_voice_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *voice;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    int64_t duration;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendvoice (send) */
TGBOT_API tg_err tg_send_voice(tg_bot *bot, const tg_send_voice_args *args, tg_message **out);
struct tg_send_video_note_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *video_note;   /* required */
    int64_t duration;
    int64_t length;
    const tg_input_file *thumbnail;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendvideonote (send) */
TGBOT_API tg_err tg_send_video_note(tg_bot *bot, const tg_send_video_note_args *args, tg_message **out);
struct tg_send_paid_media_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    int64_t star_count;   /* required */
    const tg_input_paid_media *media; size_t media_count; const char *media_json;   /* required */
    const char *payload;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendpaidmedia (send) */
TGBOT_API tg_err tg_send_paid_media(tg_bot *bot, const tg_send_paid_media_args *args, tg_message **out);
struct tg_send_media_group_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_media *media; size_t media_count; const char *media_json;   /* required */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendmediagroup (send) */
TGBOT_API tg_err tg_send_media_group(tg_bot *bot, const tg_send_media_group_args *args, tg_message_list *out);
struct tg_send_location_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    double latitude;   /* required */
    double longitude;   /* required */
    double horizontal_accuracy;
    int64_t live_period; bool has_live_period;   /* has_: 0 is sent */
    int64_t heading;
    int64_t proximity_alert_radius;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendlocation (send) */
TGBOT_API tg_err tg_send_location(tg_bot *bot, const tg_send_location_args *args, tg_message **out);
struct tg_send_venue_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    double latitude;   /* required */
    double longitude;   /* required */
    const char *title;   /* required */
    const char *address;   /* required */
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendvenue (send) */
TGBOT_API tg_err tg_send_venue(tg_bot *bot, const tg_send_venue_args *args, tg_message **out);
struct tg_send_contact_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const char *phone_number;   /* required */
    const char *first_name;   /* required */
    const char *last_name;
    const char *vcard;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendcontact (send) */
TGBOT_API tg_err tg_send_contact(tg_bot *bot, const tg_send_contact_args *args, tg_message **out);
struct tg_send_poll_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    const char *question;   /* required */
    const char *question_parse_mode;
    const tg_message_entity *question_entities; size_t question_entities_count; const char *question_entities_json;
    const tg_input_poll_option *options; size_t options_count; const char *options_json;   /* required */
    tg_flag is_anonymous;
    const char *type;
    bool allows_multiple_answers;
    bool allows_revoting;
    bool shuffle_options;
    bool allow_adding_options;
    bool hide_results_until_closes;
    bool members_only;
    const char **country_codes; size_t country_codes_count; const char *country_codes_json;
    int64_t *correct_option_ids; size_t correct_option_ids_count; const char *correct_option_ids_json;
    const char *explanation;
    const char *explanation_parse_mode;
    const tg_message_entity *explanation_entities; size_t explanation_entities_count; const char *explanation_entities_json;
    const tg_input_poll_media *explanation_media; const char *explanation_media_json;
    int64_t open_period;
    int64_t close_date;
    bool is_closed;
    const char *description;
    const char *description_parse_mode;
    const tg_message_entity *description_entities; size_t description_entities_count; const char *description_entities_json;
    const tg_input_poll_media *media; const char *media_json;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendpoll (send) */
TGBOT_API tg_err tg_send_poll(tg_bot *bot, const tg_send_poll_args *args, tg_message **out);
struct tg_send_checklist_args {
    const char *business_connection_id;   /* required */
    tg_chat_ref chat_id;   /* required */
    const tg_input_checklist *checklist; const char *checklist_json;   /* required */
    bool disable_notification;
    bool protect_content;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendchecklist (send) */
TGBOT_API tg_err tg_send_checklist(tg_bot *bot, const tg_send_checklist_args *args, tg_message **out);
struct tg_send_dice_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const char *emoji;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#senddice (send) */
TGBOT_API tg_err tg_send_dice(tg_bot *bot, const tg_send_dice_args *args, tg_message **out);
struct tg_send_message_draft_args {
    int64_t chat_id;   /* required */
    int64_t message_thread_id;
    int64_t draft_id;   /* required */
    const char *text;
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count; const char *entities_json;
    bool can_stop;
    bool keep_on_stop;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendmessagedraft (send) */
TGBOT_API tg_err tg_send_message_draft(tg_bot *bot, const tg_send_message_draft_args *args, bool *out);
struct tg_send_chat_action_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    const char *action;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendchataction (send) */
TGBOT_API tg_err tg_send_chat_action(tg_bot *bot, const tg_send_chat_action_args *args, bool *out);
struct tg_set_message_reaction_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;   /* required */
    const tg_reaction_type *reaction; size_t reaction_count; const char *reaction_json;
    bool is_big;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmessagereaction (idempotent) */
TGBOT_API tg_err tg_set_message_reaction(tg_bot *bot, const tg_set_message_reaction_args *args, bool *out);
struct tg_get_user_profile_photos_args {
    int64_t user_id;   /* required */
    int64_t offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getuserprofilephotos (read) */
TGBOT_API tg_err tg_get_user_profile_photos(tg_bot *bot, const tg_get_user_profile_photos_args *args, tg_user_profile_photos **out);
struct tg_get_user_profile_audios_args {
    int64_t user_id;   /* required */
    int64_t offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getuserprofileaudios (read) */
TGBOT_API tg_err tg_get_user_profile_audios(tg_bot *bot, const tg_get_user_profile_audios_args *args, tg_user_profile_audios **out);
struct tg_set_user_emoji_status_args {
    int64_t user_id;   /* required */
    const char *emoji_status_custom_emoji_id;
    int64_t emoji_status_expiration_date;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setuseremojistatus (idempotent) */
TGBOT_API tg_err tg_set_user_emoji_status(tg_bot *bot, const tg_set_user_emoji_status_args *args, bool *out);
struct tg_get_file_args {
    const char *file_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getfile (read) */
TGBOT_API tg_err tg_get_file(tg_bot *bot, const tg_get_file_args *args, tg_file **out);
struct tg_ban_chat_member_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    int64_t until_date;
    bool revoke_messages;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#banchatmember (idempotent) */
TGBOT_API tg_err tg_ban_chat_member(tg_bot *bot, const tg_ban_chat_member_args *args, bool *out);
struct tg_unban_chat_member_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    bool only_if_banned;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unbanchatmember (idempotent) */
TGBOT_API tg_err tg_unban_chat_member(tg_bot *bot, const tg_unban_chat_member_args *args, bool *out);
struct tg_restrict_chat_member_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const tg_chat_permissions *permissions; const char *permissions_json;   /* required */
    bool use_independent_chat_permissions;
    int64_t until_date;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#restrictchatmember (idempotent) */
TGBOT_API tg_err tg_restrict_chat_member(tg_bot *bot, const tg_restrict_chat_member_args *args, bool *out);
struct tg_promote_chat_member_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    bool is_anonymous;
    bool can_manage_chat;
    bool can_delete_messages;
    bool can_manage_video_chats;
    tg_flag can_restrict_members;
    bool can_promote_members;
    bool can_change_info;
    bool can_invite_users;
    bool can_post_stories;
    bool can_edit_stories;
    bool can_delete_stories;
    bool can_post_messages;
    bool can_edit_messages;
    bool can_pin_messages;
    bool can_manage_topics;
    bool can_manage_direct_messages;
    bool can_manage_tags;
    bool can_send_welcome_messages;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#promotechatmember (idempotent) */
TGBOT_API tg_err tg_promote_chat_member(tg_bot *bot, const tg_promote_chat_member_args *args, bool *out);
struct tg_set_chat_administrator_custom_title_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const char *custom_title;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatadministratorcustomtitle (idempotent) */
TGBOT_API tg_err tg_set_chat_administrator_custom_title(tg_bot *bot, const tg_set_chat_administrator_custom_title_args *args, bool *out);
struct tg_set_chat_member_tag_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const char *tag;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatmembertag (idempotent) */
TGBOT_API tg_err tg_set_chat_member_tag(tg_bot *bot, const tg_set_chat_member_tag_args *args, bool *out);
struct tg_ban_chat_sender_chat_args {
    tg_chat_ref chat_id;   /* required */
    int64_t sender_chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#banchatsenderchat (idempotent) */
TGBOT_API tg_err tg_ban_chat_sender_chat(tg_bot *bot, const tg_ban_chat_sender_chat_args *args, bool *out);
struct tg_unban_chat_sender_chat_args {
    tg_chat_ref chat_id;   /* required */
    int64_t sender_chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unbanchatsenderchat (idempotent) */
TGBOT_API tg_err tg_unban_chat_sender_chat(tg_bot *bot, const tg_unban_chat_sender_chat_args *args, bool *out);
struct tg_set_chat_permissions_args {
    tg_chat_ref chat_id;   /* required */
    const tg_chat_permissions *permissions; const char *permissions_json;   /* required */
    bool use_independent_chat_permissions;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatpermissions (idempotent) */
TGBOT_API tg_err tg_set_chat_permissions(tg_bot *bot, const tg_set_chat_permissions_args *args, bool *out);
struct tg_export_chat_invite_link_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#exportchatinvitelink (send) */
TGBOT_API tg_err tg_export_chat_invite_link(tg_bot *bot, const tg_export_chat_invite_link_args *args, const char **out);
struct tg_create_chat_invite_link_args {
    tg_chat_ref chat_id;   /* required */
    const char *name;
    int64_t expire_date;
    int64_t member_limit;
    bool creates_join_request;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#createchatinvitelink (send) */
TGBOT_API tg_err tg_create_chat_invite_link(tg_bot *bot, const tg_create_chat_invite_link_args *args, tg_chat_invite_link **out);
struct tg_edit_chat_invite_link_args {
    tg_chat_ref chat_id;   /* required */
    const char *invite_link;   /* required */
    const char *name;
    int64_t expire_date;
    int64_t member_limit;
    bool creates_join_request;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editchatinvitelink (idempotent) */
TGBOT_API tg_err tg_edit_chat_invite_link(tg_bot *bot, const tg_edit_chat_invite_link_args *args, tg_chat_invite_link **out);
struct tg_create_chat_subscription_invite_link_args {
    tg_chat_ref chat_id;   /* required */
    const char *name;
    int64_t subscription_period;   /* required */
    int64_t subscription_price;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#createchatsubscriptioninvitelink (send) */
TGBOT_API tg_err tg_create_chat_subscription_invite_link(tg_bot *bot, const tg_create_chat_subscription_invite_link_args *args, tg_chat_invite_link **out);
struct tg_edit_chat_subscription_invite_link_args {
    tg_chat_ref chat_id;   /* required */
    const char *invite_link;   /* required */
    const char *name;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editchatsubscriptioninvitelink (idempotent) */
TGBOT_API tg_err tg_edit_chat_subscription_invite_link(tg_bot *bot, const tg_edit_chat_subscription_invite_link_args *args, tg_chat_invite_link **out);
struct tg_revoke_chat_invite_link_args {
    tg_chat_ref chat_id;   /* required */
    const char *invite_link;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#revokechatinvitelink (idempotent) */
TGBOT_API tg_err tg_revoke_chat_invite_link(tg_bot *bot, const tg_revoke_chat_invite_link_args *args, tg_chat_invite_link **out);
struct tg_approve_chat_join_request_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#approvechatjoinrequest (idempotent) */
TGBOT_API tg_err tg_approve_chat_join_request(tg_bot *bot, const tg_approve_chat_join_request_args *args, bool *out);
struct tg_decline_chat_join_request_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#declinechatjoinrequest (idempotent) */
TGBOT_API tg_err tg_decline_chat_join_request(tg_bot *bot, const tg_decline_chat_join_request_args *args, bool *out);
struct tg_answer_chat_join_request_query_args {
    const char *chat_join_request_query_id;   /* required */
    const char *result;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answerchatjoinrequestquery (idempotent) */
TGBOT_API tg_err tg_answer_chat_join_request_query(tg_bot *bot, const tg_answer_chat_join_request_query_args *args, bool *out);
struct tg_send_chat_join_request_web_app_args {
    const char *chat_join_request_query_id;   /* required */
    const char *web_app_url;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendchatjoinrequestwebapp (send) */
TGBOT_API tg_err tg_send_chat_join_request_web_app(tg_bot *bot, const tg_send_chat_join_request_web_app_args *args, bool *out);
struct tg_set_chat_photo_args {
    tg_chat_ref chat_id;   /* required */
    const tg_input_file *photo;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatphoto (idempotent) */
TGBOT_API tg_err tg_set_chat_photo(tg_bot *bot, const tg_set_chat_photo_args *args, bool *out);
struct tg_delete_chat_photo_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletechatphoto (idempotent) */
TGBOT_API tg_err tg_delete_chat_photo(tg_bot *bot, const tg_delete_chat_photo_args *args, bool *out);
struct tg_set_chat_title_args {
    tg_chat_ref chat_id;   /* required */
    const char *title;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchattitle (idempotent) */
TGBOT_API tg_err tg_set_chat_title(tg_bot *bot, const tg_set_chat_title_args *args, bool *out);
struct tg_set_chat_description_args {
    tg_chat_ref chat_id;   /* required */
    const char *description;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatdescription (idempotent) */
TGBOT_API tg_err tg_set_chat_description(tg_bot *bot, const tg_set_chat_description_args *args, bool *out);
struct tg_pin_chat_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;   /* required */
    bool disable_notification;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#pinchatmessage (idempotent) */
TGBOT_API tg_err tg_pin_chat_message(tg_bot *bot, const tg_pin_chat_message_args *args, bool *out);
struct tg_unpin_chat_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unpinchatmessage (idempotent) */
TGBOT_API tg_err tg_unpin_chat_message(tg_bot *bot, const tg_unpin_chat_message_args *args, bool *out);
struct tg_unpin_all_chat_messages_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unpinallchatmessages (idempotent) */
TGBOT_API tg_err tg_unpin_all_chat_messages(tg_bot *bot, const tg_unpin_all_chat_messages_args *args, bool *out);
struct tg_leave_chat_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#leavechat (idempotent) */
TGBOT_API tg_err tg_leave_chat(tg_bot *bot, const tg_leave_chat_args *args, bool *out);
struct tg_get_chat_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getchat (read) */
TGBOT_API tg_err tg_get_chat(tg_bot *bot, const tg_get_chat_args *args, tg_chat_full_info **out);
struct tg_get_chat_administrators_args {
    tg_chat_ref chat_id;   /* required */
    bool return_bots;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getchatadministrators (read) */
TGBOT_API tg_err tg_get_chat_administrators(tg_bot *bot, const tg_get_chat_administrators_args *args, tg_chat_member_list *out);
struct tg_get_chat_member_count_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getchatmembercount (read) */
TGBOT_API tg_err tg_get_chat_member_count(tg_bot *bot, const tg_get_chat_member_count_args *args, int64_t *out);
struct tg_get_chat_member_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getchatmember (read) */
TGBOT_API tg_err tg_get_chat_member(tg_bot *bot, const tg_get_chat_member_args *args, tg_chat_member **out);
struct tg_get_user_personal_chat_messages_args {
    int64_t user_id;   /* required */
    int64_t limit;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getuserpersonalchatmessages (read) */
TGBOT_API tg_err tg_get_user_personal_chat_messages(tg_bot *bot, const tg_get_user_personal_chat_messages_args *args, tg_message_list *out);
struct tg_set_chat_sticker_set_args {
    tg_chat_ref chat_id;   /* required */
    const char *sticker_set_name;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatstickerset (idempotent) */
TGBOT_API tg_err tg_set_chat_sticker_set(tg_bot *bot, const tg_set_chat_sticker_set_args *args, bool *out);
struct tg_delete_chat_sticker_set_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletechatstickerset (idempotent) */
TGBOT_API tg_err tg_delete_chat_sticker_set(tg_bot *bot, const tg_delete_chat_sticker_set_args *args, bool *out);
/* https://core.telegram.org/bots/api#getforumtopiciconstickers (read) */
TGBOT_API tg_err tg_get_forum_topic_icon_stickers(tg_bot *bot, tg_sticker_list *out);
struct tg_create_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    const char *name;   /* required */
    int64_t icon_color;
    const char *icon_custom_emoji_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#createforumtopic (send) */
TGBOT_API tg_err tg_create_forum_topic(tg_bot *bot, const tg_create_forum_topic_args *args, tg_forum_topic **out);
struct tg_edit_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;   /* required */
    const char *name;
    const char *icon_custom_emoji_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editforumtopic (idempotent) */
TGBOT_API tg_err tg_edit_forum_topic(tg_bot *bot, const tg_edit_forum_topic_args *args, bool *out);
struct tg_close_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#closeforumtopic (idempotent) */
TGBOT_API tg_err tg_close_forum_topic(tg_bot *bot, const tg_close_forum_topic_args *args, bool *out);
struct tg_reopen_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#reopenforumtopic (idempotent) */
TGBOT_API tg_err tg_reopen_forum_topic(tg_bot *bot, const tg_reopen_forum_topic_args *args, bool *out);
struct tg_delete_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deleteforumtopic (idempotent) */
TGBOT_API tg_err tg_delete_forum_topic(tg_bot *bot, const tg_delete_forum_topic_args *args, bool *out);
struct tg_unpin_all_forum_topic_messages_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unpinallforumtopicmessages (idempotent) */
TGBOT_API tg_err tg_unpin_all_forum_topic_messages(tg_bot *bot, const tg_unpin_all_forum_topic_messages_args *args, bool *out);
struct tg_edit_general_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    const char *name;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editgeneralforumtopic (idempotent) */
TGBOT_API tg_err tg_edit_general_forum_topic(tg_bot *bot, const tg_edit_general_forum_topic_args *args, bool *out);
struct tg_close_general_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#closegeneralforumtopic (idempotent) */
TGBOT_API tg_err tg_close_general_forum_topic(tg_bot *bot, const tg_close_general_forum_topic_args *args, bool *out);
struct tg_reopen_general_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#reopengeneralforumtopic (idempotent) */
TGBOT_API tg_err tg_reopen_general_forum_topic(tg_bot *bot, const tg_reopen_general_forum_topic_args *args, bool *out);
struct tg_hide_general_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#hidegeneralforumtopic (idempotent) */
TGBOT_API tg_err tg_hide_general_forum_topic(tg_bot *bot, const tg_hide_general_forum_topic_args *args, bool *out);
struct tg_unhide_general_forum_topic_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unhidegeneralforumtopic (idempotent) */
TGBOT_API tg_err tg_unhide_general_forum_topic(tg_bot *bot, const tg_unhide_general_forum_topic_args *args, bool *out);
struct tg_unpin_all_general_forum_topic_messages_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#unpinallgeneralforumtopicmessages (idempotent) */
TGBOT_API tg_err tg_unpin_all_general_forum_topic_messages(tg_bot *bot, const tg_unpin_all_general_forum_topic_messages_args *args, bool *out);
struct tg_answer_callback_query_args {
    const char *callback_query_id;   /* required */
    const char *text;
    bool show_alert;
    const char *url;
    int64_t cache_time;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answercallbackquery (idempotent) */
TGBOT_API tg_err tg_answer_callback_query(tg_bot *bot, const tg_answer_callback_query_args *args, bool *out);
struct tg_answer_guest_query_args {
    const char *guest_query_id;   /* required */
    const tg_inline_query_result *result; const char *result_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answerguestquery (idempotent) */
TGBOT_API tg_err tg_answer_guest_query(tg_bot *bot, const tg_answer_guest_query_args *args, tg_sent_guest_message **out);
struct tg_get_user_chat_boosts_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getuserchatboosts (read) */
TGBOT_API tg_err tg_get_user_chat_boosts(tg_bot *bot, const tg_get_user_chat_boosts_args *args, tg_user_chat_boosts **out);
struct tg_get_business_connection_args {
    const char *business_connection_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getbusinessconnection (read) */
TGBOT_API tg_err tg_get_business_connection(tg_bot *bot, const tg_get_business_connection_args *args, tg_business_connection **out);
struct tg_get_managed_bot_token_args {
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmanagedbottoken (read) */
TGBOT_API tg_err tg_get_managed_bot_token(tg_bot *bot, const tg_get_managed_bot_token_args *args, const char **out);
struct tg_replace_managed_bot_token_args {
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#replacemanagedbottoken (send) */
TGBOT_API tg_err tg_replace_managed_bot_token(tg_bot *bot, const tg_replace_managed_bot_token_args *args, const char **out);
struct tg_get_managed_bot_access_settings_args {
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmanagedbotaccesssettings (read) */
TGBOT_API tg_err tg_get_managed_bot_access_settings(tg_bot *bot, const tg_get_managed_bot_access_settings_args *args, tg_bot_access_settings **out);
struct tg_set_managed_bot_access_settings_args {
    int64_t user_id;   /* required */
    bool is_access_restricted;   /* required */
    int64_t *added_user_ids; size_t added_user_ids_count; const char *added_user_ids_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmanagedbotaccesssettings (idempotent) */
TGBOT_API tg_err tg_set_managed_bot_access_settings(tg_bot *bot, const tg_set_managed_bot_access_settings_args *args, bool *out);
struct tg_set_my_commands_args {
    const tg_bot_command *commands; size_t commands_count; const char *commands_json;   /* required */
    const tg_bot_command_scope *scope; const char *scope_json;
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmycommands (idempotent) */
TGBOT_API tg_err tg_set_my_commands(tg_bot *bot, const tg_set_my_commands_args *args, bool *out);
struct tg_delete_my_commands_args {
    const tg_bot_command_scope *scope; const char *scope_json;
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletemycommands (idempotent) */
TGBOT_API tg_err tg_delete_my_commands(tg_bot *bot, const tg_delete_my_commands_args *args, bool *out);
struct tg_get_my_commands_args {
    const tg_bot_command_scope *scope; const char *scope_json;
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmycommands (read) */
TGBOT_API tg_err tg_get_my_commands(tg_bot *bot, const tg_get_my_commands_args *args, tg_bot_command_list *out);
struct tg_set_my_name_args {
    const char *name;
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmyname (idempotent) */
TGBOT_API tg_err tg_set_my_name(tg_bot *bot, const tg_set_my_name_args *args, bool *out);
struct tg_get_my_name_args {
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmyname (read) */
TGBOT_API tg_err tg_get_my_name(tg_bot *bot, const tg_get_my_name_args *args, tg_bot_name **out);
struct tg_set_my_description_args {
    const char *description;
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmydescription (idempotent) */
TGBOT_API tg_err tg_set_my_description(tg_bot *bot, const tg_set_my_description_args *args, bool *out);
struct tg_get_my_description_args {
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmydescription (read) */
TGBOT_API tg_err tg_get_my_description(tg_bot *bot, const tg_get_my_description_args *args, tg_bot_description **out);
struct tg_set_my_short_description_args {
    const char *short_description;
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmyshortdescription (idempotent) */
TGBOT_API tg_err tg_set_my_short_description(tg_bot *bot, const tg_set_my_short_description_args *args, bool *out);
struct tg_get_my_short_description_args {
    const char *language_code;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmyshortdescription (read) */
TGBOT_API tg_err tg_get_my_short_description(tg_bot *bot, const tg_get_my_short_description_args *args, tg_bot_short_description **out);
struct tg_set_my_profile_photo_args {
    const tg_input_profile_photo *photo; const char *photo_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmyprofilephoto (idempotent) */
TGBOT_API tg_err tg_set_my_profile_photo(tg_bot *bot, const tg_set_my_profile_photo_args *args, bool *out);
/* https://core.telegram.org/bots/api#removemyprofilephoto (idempotent) */
TGBOT_API tg_err tg_remove_my_profile_photo(tg_bot *bot, bool *out);
struct tg_set_chat_menu_button_args {
    int64_t chat_id;
    const tg_menu_button *menu_button; const char *menu_button_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setchatmenubutton (idempotent) */
TGBOT_API tg_err tg_set_chat_menu_button(tg_bot *bot, const tg_set_chat_menu_button_args *args, bool *out);
struct tg_get_chat_menu_button_args {
    int64_t chat_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getchatmenubutton (read) */
TGBOT_API tg_err tg_get_chat_menu_button(tg_bot *bot, const tg_get_chat_menu_button_args *args, tg_menu_button **out);
struct tg_set_my_default_administrator_rights_args {
    const tg_chat_administrator_rights *rights; const char *rights_json;
    bool for_channels;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setmydefaultadministratorrights (idempotent) */
TGBOT_API tg_err tg_set_my_default_administrator_rights(tg_bot *bot, const tg_set_my_default_administrator_rights_args *args, bool *out);
struct tg_get_my_default_administrator_rights_args {
    bool for_channels;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getmydefaultadministratorrights (read) */
TGBOT_API tg_err tg_get_my_default_administrator_rights(tg_bot *bot, const tg_get_my_default_administrator_rights_args *args, tg_chat_administrator_rights **out);
/* https://core.telegram.org/bots/api#getavailablegifts (read) */
TGBOT_API tg_err tg_get_available_gifts(tg_bot *bot, tg_gifts **out);
struct tg_send_gift_args {
    int64_t user_id;
    tg_chat_ref chat_id;
    const char *gift_id;   /* required */
    bool pay_for_upgrade;
    const char *text;
    const char *text_parse_mode;
    const tg_message_entity *text_entities; size_t text_entities_count; const char *text_entities_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendgift (spend) */
TGBOT_API tg_err tg_send_gift(tg_bot *bot, const tg_send_gift_args *args, bool *out);
struct tg_gift_premium_subscription_args {
    int64_t user_id;   /* required */
    int64_t month_count;   /* required */
    int64_t star_count;   /* required */
    const char *text;
    const char *text_parse_mode;
    const tg_message_entity *text_entities; size_t text_entities_count; const char *text_entities_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#giftpremiumsubscription (spend) */
TGBOT_API tg_err tg_gift_premium_subscription(tg_bot *bot, const tg_gift_premium_subscription_args *args, bool *out);
struct tg_verify_user_args {
    int64_t user_id;   /* required */
    const char *custom_description;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#verifyuser (idempotent) */
TGBOT_API tg_err tg_verify_user(tg_bot *bot, const tg_verify_user_args *args, bool *out);
struct tg_verify_chat_args {
    tg_chat_ref chat_id;   /* required */
    const char *custom_description;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#verifychat (idempotent) */
TGBOT_API tg_err tg_verify_chat(tg_bot *bot, const tg_verify_chat_args *args, bool *out);
struct tg_remove_user_verification_args {
    int64_t user_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#removeuserverification (idempotent) */
TGBOT_API tg_err tg_remove_user_verification(tg_bot *bot, const tg_remove_user_verification_args *args, bool *out);
struct tg_remove_chat_verification_args {
    tg_chat_ref chat_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#removechatverification (idempotent) */
TGBOT_API tg_err tg_remove_chat_verification(tg_bot *bot, const tg_remove_chat_verification_args *args, bool *out);
struct tg_read_business_message_args {
    const char *business_connection_id;   /* required */
    int64_t chat_id;   /* required */
    int64_t message_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#readbusinessmessage (idempotent) */
TGBOT_API tg_err tg_read_business_message(tg_bot *bot, const tg_read_business_message_args *args, bool *out);
struct tg_delete_business_messages_args {
    const char *business_connection_id;   /* required */
    int64_t *message_ids; size_t message_ids_count; const char *message_ids_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletebusinessmessages (idempotent) */
TGBOT_API tg_err tg_delete_business_messages(tg_bot *bot, const tg_delete_business_messages_args *args, bool *out);
struct tg_set_business_account_name_args {
    const char *business_connection_id;   /* required */
    const char *first_name;   /* required */
    const char *last_name;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setbusinessaccountname (idempotent) */
TGBOT_API tg_err tg_set_business_account_name(tg_bot *bot, const tg_set_business_account_name_args *args, bool *out);
struct tg_set_business_account_username_args {
    const char *business_connection_id;   /* required */
    const char *username;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setbusinessaccountusername (idempotent) */
TGBOT_API tg_err tg_set_business_account_username(tg_bot *bot, const tg_set_business_account_username_args *args, bool *out);
struct tg_set_business_account_bio_args {
    const char *business_connection_id;   /* required */
    const char *bio;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setbusinessaccountbio (idempotent) */
TGBOT_API tg_err tg_set_business_account_bio(tg_bot *bot, const tg_set_business_account_bio_args *args, bool *out);
struct tg_set_business_account_profile_photo_args {
    const char *business_connection_id;   /* required */
    const tg_input_profile_photo *photo; const char *photo_json;   /* required */
    bool is_public;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setbusinessaccountprofilephoto (idempotent) */
TGBOT_API tg_err tg_set_business_account_profile_photo(tg_bot *bot, const tg_set_business_account_profile_photo_args *args, bool *out);
struct tg_remove_business_account_profile_photo_args {
    const char *business_connection_id;   /* required */
    bool is_public;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#removebusinessaccountprofilephoto (idempotent) */
TGBOT_API tg_err tg_remove_business_account_profile_photo(tg_bot *bot, const tg_remove_business_account_profile_photo_args *args, bool *out);
struct tg_set_business_account_gift_settings_args {
    const char *business_connection_id;   /* required */
    bool show_gift_button;   /* required */
    const tg_accepted_gift_types *accepted_gift_types; const char *accepted_gift_types_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setbusinessaccountgiftsettings (idempotent) */
TGBOT_API tg_err tg_set_business_account_gift_settings(tg_bot *bot, const tg_set_business_account_gift_settings_args *args, bool *out);
struct tg_get_business_account_star_balance_args {
    const char *business_connection_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getbusinessaccountstarbalance (read) */
TGBOT_API tg_err tg_get_business_account_star_balance(tg_bot *bot, const tg_get_business_account_star_balance_args *args, tg_star_amount **out);
struct tg_transfer_business_account_stars_args {
    const char *business_connection_id;   /* required */
    int64_t star_count;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#transferbusinessaccountstars (spend) */
TGBOT_API tg_err tg_transfer_business_account_stars(tg_bot *bot, const tg_transfer_business_account_stars_args *args, bool *out);
struct tg_get_business_account_gifts_args {
    const char *business_connection_id;   /* required */
    bool exclude_unsaved;
    bool exclude_saved;
    bool exclude_unlimited;
    bool exclude_limited_upgradable;
    bool exclude_limited_non_upgradable;
    bool exclude_unique;
    bool exclude_from_blockchain;
    bool sort_by_price;
    const char *offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getbusinessaccountgifts (read) */
TGBOT_API tg_err tg_get_business_account_gifts(tg_bot *bot, const tg_get_business_account_gifts_args *args, tg_owned_gifts **out);
struct tg_get_user_gifts_args {
    int64_t user_id;   /* required */
    bool exclude_unlimited;
    bool exclude_limited_upgradable;
    bool exclude_limited_non_upgradable;
    bool exclude_from_blockchain;
    bool exclude_unique;
    bool sort_by_price;
    const char *offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getusergifts (read) */
TGBOT_API tg_err tg_get_user_gifts(tg_bot *bot, const tg_get_user_gifts_args *args, tg_owned_gifts **out);
struct tg_get_chat_gifts_args {
    tg_chat_ref chat_id;   /* required */
    bool exclude_unsaved;
    bool exclude_saved;
    bool exclude_unlimited;
    bool exclude_limited_upgradable;
    bool exclude_limited_non_upgradable;
    bool exclude_from_blockchain;
    bool exclude_unique;
    bool sort_by_price;
    const char *offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getchatgifts (read) */
TGBOT_API tg_err tg_get_chat_gifts(tg_bot *bot, const tg_get_chat_gifts_args *args, tg_owned_gifts **out);
struct tg_convert_gift_to_stars_args {
    const char *business_connection_id;   /* required */
    const char *owned_gift_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#convertgifttostars (spend) */
TGBOT_API tg_err tg_convert_gift_to_stars(tg_bot *bot, const tg_convert_gift_to_stars_args *args, bool *out);
struct tg_upgrade_gift_args {
    const char *business_connection_id;   /* required */
    const char *owned_gift_id;   /* required */
    bool keep_original_details;
    int64_t star_count; bool has_star_count;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#upgradegift (spend) */
TGBOT_API tg_err tg_upgrade_gift(tg_bot *bot, const tg_upgrade_gift_args *args, bool *out);
struct tg_transfer_gift_args {
    const char *business_connection_id;   /* required */
    const char *owned_gift_id;   /* required */
    int64_t new_owner_chat_id;   /* required */
    int64_t star_count;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#transfergift (spend) */
TGBOT_API tg_err tg_transfer_gift(tg_bot *bot, const tg_transfer_gift_args *args, bool *out);
struct tg_post_story_args {
    const char *business_connection_id;   /* required */
    const tg_input_story_content *content; const char *content_json;   /* required */
    int64_t active_period;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    const tg_story_area *areas; size_t areas_count; const char *areas_json;
    bool post_to_chat_page;
    bool protect_content;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#poststory (send) */
TGBOT_API tg_err tg_post_story(tg_bot *bot, const tg_post_story_args *args, tg_story **out);
struct tg_repost_story_args {
    const char *business_connection_id;   /* required */
    int64_t from_chat_id;   /* required */
    int64_t from_story_id;   /* required */
    int64_t active_period;   /* required */
    bool post_to_chat_page;
    bool protect_content;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#repoststory (send) */
TGBOT_API tg_err tg_repost_story(tg_bot *bot, const tg_repost_story_args *args, tg_story **out);
struct tg_edit_story_args {
    const char *business_connection_id;   /* required */
    int64_t story_id;   /* required */
    const tg_input_story_content *content; const char *content_json;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    const tg_story_area *areas; size_t areas_count; const char *areas_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editstory (idempotent) */
TGBOT_API tg_err tg_edit_story(tg_bot *bot, const tg_edit_story_args *args, tg_story **out);
struct tg_delete_story_args {
    const char *business_connection_id;   /* required */
    int64_t story_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletestory (idempotent) */
TGBOT_API tg_err tg_delete_story(tg_bot *bot, const tg_delete_story_args *args, bool *out);
struct tg_answer_web_app_query_args {
    const char *web_app_query_id;   /* required */
    const tg_inline_query_result *result; const char *result_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answerwebappquery (idempotent) */
TGBOT_API tg_err tg_answer_web_app_query(tg_bot *bot, const tg_answer_web_app_query_args *args, tg_sent_web_app_message **out);
struct tg_save_prepared_inline_message_args {
    int64_t user_id;   /* required */
    const tg_inline_query_result *result; const char *result_json;   /* required */
    bool allow_user_chats;
    bool allow_bot_chats;
    bool allow_group_chats;
    bool allow_channel_chats;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#savepreparedinlinemessage (send) */
TGBOT_API tg_err tg_save_prepared_inline_message(tg_bot *bot, const tg_save_prepared_inline_message_args *args, tg_prepared_inline_message **out);
struct tg_save_prepared_keyboard_button_args {
    int64_t user_id;   /* required */
    const tg_keyboard_button *button; const char *button_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#savepreparedkeyboardbutton (send) */
TGBOT_API tg_err tg_save_prepared_keyboard_button(tg_bot *bot, const tg_save_prepared_keyboard_button_args *args, tg_prepared_keyboard_button **out);
struct tg_edit_message_text_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *text;
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count; const char *entities_json;
    const tg_link_preview_options *link_preview_options; const char *link_preview_options_json;
    const tg_input_rich_message *rich_message; const char *rich_message_json;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editmessagetext (idempotent) */
TGBOT_API tg_err tg_edit_message_text(tg_bot *bot, const tg_edit_message_text_args *args, tg_message **out);
struct tg_edit_message_caption_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editmessagecaption (idempotent) */
TGBOT_API tg_err tg_edit_message_caption(tg_bot *bot, const tg_edit_message_caption_args *args, tg_message **out);
struct tg_edit_message_media_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const tg_input_media *media; const char *media_json;   /* required */
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editmessagemedia (idempotent) */
TGBOT_API tg_err tg_edit_message_media(tg_bot *bot, const tg_edit_message_media_args *args, tg_message **out);
struct tg_edit_message_live_location_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    double latitude;   /* required */
    double longitude;   /* required */
    int64_t live_period;
    double horizontal_accuracy;
    int64_t heading;
    int64_t proximity_alert_radius;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editmessagelivelocation (idempotent) */
TGBOT_API tg_err tg_edit_message_live_location(tg_bot *bot, const tg_edit_message_live_location_args *args, tg_message **out);
struct tg_stop_message_live_location_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#stopmessagelivelocation (idempotent) */
TGBOT_API tg_err tg_stop_message_live_location(tg_bot *bot, const tg_stop_message_live_location_args *args, tg_message **out);
struct tg_edit_message_checklist_args {
    const char *business_connection_id;   /* required */
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;   /* required */
    const tg_input_checklist *checklist; const char *checklist_json;   /* required */
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editmessagechecklist (idempotent) */
TGBOT_API tg_err tg_edit_message_checklist(tg_bot *bot, const tg_edit_message_checklist_args *args, tg_message **out);
struct tg_edit_message_reply_markup_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editmessagereplymarkup (idempotent) */
TGBOT_API tg_err tg_edit_message_reply_markup(tg_bot *bot, const tg_edit_message_reply_markup_args *args, tg_message **out);
struct tg_stop_poll_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;   /* required */
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#stoppoll (idempotent) */
TGBOT_API tg_err tg_stop_poll(tg_bot *bot, const tg_stop_poll_args *args, tg_poll **out);
struct tg_edit_ephemeral_message_text_args {
    tg_chat_ref chat_id;   /* required */
    int64_t receiver_user_id;   /* required */
    int64_t ephemeral_message_id;   /* required */
    const char *text;
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count; const char *entities_json;
    const tg_link_preview_options *link_preview_options; const char *link_preview_options_json;
    const tg_input_rich_message *rich_message; const char *rich_message_json;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editephemeralmessagetext (idempotent) */
TGBOT_API tg_err tg_edit_ephemeral_message_text(tg_bot *bot, const tg_edit_ephemeral_message_text_args *args, bool *out);
struct tg_edit_ephemeral_message_media_args {
    tg_chat_ref chat_id;   /* required */
    int64_t receiver_user_id;   /* required */
    int64_t ephemeral_message_id;   /* required */
    const tg_input_media *media; const char *media_json;   /* required */
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editephemeralmessagemedia (idempotent) */
TGBOT_API tg_err tg_edit_ephemeral_message_media(tg_bot *bot, const tg_edit_ephemeral_message_media_args *args, bool *out);
struct tg_edit_ephemeral_message_caption_args {
    tg_chat_ref chat_id;   /* required */
    int64_t receiver_user_id;   /* required */
    int64_t ephemeral_message_id;   /* required */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count; const char *caption_entities_json;
    bool show_caption_above_media;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editephemeralmessagecaption (idempotent) */
TGBOT_API tg_err tg_edit_ephemeral_message_caption(tg_bot *bot, const tg_edit_ephemeral_message_caption_args *args, bool *out);
struct tg_edit_ephemeral_message_reply_markup_args {
    tg_chat_ref chat_id;   /* required */
    int64_t receiver_user_id;   /* required */
    int64_t ephemeral_message_id;   /* required */
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#editephemeralmessagereplymarkup (idempotent) */
TGBOT_API tg_err tg_edit_ephemeral_message_reply_markup(tg_bot *bot, const tg_edit_ephemeral_message_reply_markup_args *args, bool *out);
struct tg_approve_suggested_post_args {
    int64_t chat_id;   /* required */
    int64_t message_id;   /* required */
    int64_t send_date;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#approvesuggestedpost (idempotent) */
TGBOT_API tg_err tg_approve_suggested_post(tg_bot *bot, const tg_approve_suggested_post_args *args, bool *out);
struct tg_decline_suggested_post_args {
    int64_t chat_id;   /* required */
    int64_t message_id;   /* required */
    const char *comment;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#declinesuggestedpost (idempotent) */
TGBOT_API tg_err tg_decline_suggested_post(tg_bot *bot, const tg_decline_suggested_post_args *args, bool *out);
struct tg_delete_message_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletemessage (idempotent) */
TGBOT_API tg_err tg_delete_message(tg_bot *bot, const tg_delete_message_args *args, bool *out);
struct tg_delete_messages_args {
    tg_chat_ref chat_id;   /* required */
    int64_t *message_ids; size_t message_ids_count; const char *message_ids_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletemessages (idempotent) */
TGBOT_API tg_err tg_delete_messages(tg_bot *bot, const tg_delete_messages_args *args, bool *out);
struct tg_delete_ephemeral_message_args {
    tg_chat_ref chat_id;   /* required */
    int64_t receiver_user_id;   /* required */
    int64_t ephemeral_message_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deleteephemeralmessage (idempotent) */
TGBOT_API tg_err tg_delete_ephemeral_message(tg_bot *bot, const tg_delete_ephemeral_message_args *args, bool *out);
struct tg_delete_message_reaction_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_id;   /* required */
    int64_t user_id;
    int64_t actor_chat_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletemessagereaction (idempotent) */
TGBOT_API tg_err tg_delete_message_reaction(tg_bot *bot, const tg_delete_message_reaction_args *args, bool *out);
struct tg_delete_all_message_reactions_args {
    tg_chat_ref chat_id;   /* required */
    int64_t user_id;
    int64_t actor_chat_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deleteallmessagereactions (idempotent) */
TGBOT_API tg_err tg_delete_all_message_reactions(tg_bot *bot, const tg_delete_all_message_reactions_args *args, bool *out);
struct tg_send_sticker_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_file *sticker;   /* required */
    const char *emoji;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendsticker (send) */
TGBOT_API tg_err tg_send_sticker(tg_bot *bot, const tg_send_sticker_args *args, tg_message **out);
struct tg_get_sticker_set_args {
    const char *name;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getstickerset (read) */
TGBOT_API tg_err tg_get_sticker_set(tg_bot *bot, const tg_get_sticker_set_args *args, tg_sticker_set **out);
struct tg_get_custom_emoji_stickers_args {
    const char **custom_emoji_ids; size_t custom_emoji_ids_count; const char *custom_emoji_ids_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getcustomemojistickers (read) */
TGBOT_API tg_err tg_get_custom_emoji_stickers(tg_bot *bot, const tg_get_custom_emoji_stickers_args *args, tg_sticker_list *out);
struct tg_upload_sticker_file_args {
    int64_t user_id;   /* required */
    const tg_input_file *sticker;   /* required */
    const char *sticker_format;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#uploadstickerfile (send) */
TGBOT_API tg_err tg_upload_sticker_file(tg_bot *bot, const tg_upload_sticker_file_args *args, tg_file **out);
struct tg_create_new_sticker_set_args {
    int64_t user_id;   /* required */
    const char *name;   /* required */
    const char *title;   /* required */
    const tg_input_sticker *stickers; size_t stickers_count; const char *stickers_json;   /* required */
    const char *sticker_type;
    bool needs_repainting;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#createnewstickerset (send) */
TGBOT_API tg_err tg_create_new_sticker_set(tg_bot *bot, const tg_create_new_sticker_set_args *args, bool *out);
struct tg_add_sticker_to_set_args {
    int64_t user_id;   /* required */
    const char *name;   /* required */
    const tg_input_sticker *sticker; const char *sticker_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#addstickertoset (send) */
TGBOT_API tg_err tg_add_sticker_to_set(tg_bot *bot, const tg_add_sticker_to_set_args *args, bool *out);
struct tg_set_sticker_position_in_set_args {
    const char *sticker;   /* required */
    int64_t position;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setstickerpositioninset (idempotent) */
TGBOT_API tg_err tg_set_sticker_position_in_set(tg_bot *bot, const tg_set_sticker_position_in_set_args *args, bool *out);
struct tg_delete_sticker_from_set_args {
    const char *sticker;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletestickerfromset (idempotent) */
TGBOT_API tg_err tg_delete_sticker_from_set(tg_bot *bot, const tg_delete_sticker_from_set_args *args, bool *out);
struct tg_replace_sticker_in_set_args {
    int64_t user_id;   /* required */
    const char *name;   /* required */
    const char *old_sticker;   /* required */
    const tg_input_sticker *sticker; const char *sticker_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#replacestickerinset (idempotent) */
TGBOT_API tg_err tg_replace_sticker_in_set(tg_bot *bot, const tg_replace_sticker_in_set_args *args, bool *out);
struct tg_set_sticker_emoji_list_args {
    const char *sticker;   /* required */
    const char **emoji_list; size_t emoji_list_count; const char *emoji_list_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setstickeremojilist (idempotent) */
TGBOT_API tg_err tg_set_sticker_emoji_list(tg_bot *bot, const tg_set_sticker_emoji_list_args *args, bool *out);
struct tg_set_sticker_keywords_args {
    const char *sticker;   /* required */
    const char **keywords; size_t keywords_count; const char *keywords_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setstickerkeywords (idempotent) */
TGBOT_API tg_err tg_set_sticker_keywords(tg_bot *bot, const tg_set_sticker_keywords_args *args, bool *out);
struct tg_set_sticker_mask_position_args {
    const char *sticker;   /* required */
    const tg_mask_position *mask_position; const char *mask_position_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setstickermaskposition (idempotent) */
TGBOT_API tg_err tg_set_sticker_mask_position(tg_bot *bot, const tg_set_sticker_mask_position_args *args, bool *out);
struct tg_set_sticker_set_title_args {
    const char *name;   /* required */
    const char *title;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setstickersettitle (idempotent) */
TGBOT_API tg_err tg_set_sticker_set_title(tg_bot *bot, const tg_set_sticker_set_title_args *args, bool *out);
struct tg_set_sticker_set_thumbnail_args {
    const char *name;   /* required */
    int64_t user_id;   /* required */
    const tg_input_file *thumbnail;
    const char *format;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setstickersetthumbnail (idempotent) */
TGBOT_API tg_err tg_set_sticker_set_thumbnail(tg_bot *bot, const tg_set_sticker_set_thumbnail_args *args, bool *out);
struct tg_set_custom_emoji_sticker_set_thumbnail_args {
    const char *name;   /* required */
    const char *custom_emoji_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setcustomemojistickersetthumbnail (idempotent) */
TGBOT_API tg_err tg_set_custom_emoji_sticker_set_thumbnail(tg_bot *bot, const tg_set_custom_emoji_sticker_set_thumbnail_args *args, bool *out);
struct tg_delete_sticker_set_args {
    const char *name;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#deletestickerset (idempotent) */
TGBOT_API tg_err tg_delete_sticker_set(tg_bot *bot, const tg_delete_sticker_set_args *args, bool *out);
struct tg_send_rich_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_ephemeral_message_parameters *ephemeral_message_parameters; const char *ephemeral_message_parameters_json;
    const tg_input_rich_message *rich_message; const char *rich_message_json;   /* required */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_reply_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendrichmessage (send) */
TGBOT_API tg_err tg_send_rich_message(tg_bot *bot, const tg_send_rich_message_args *args, tg_message **out);
struct tg_send_rich_message_draft_args {
    int64_t chat_id;   /* required */
    int64_t message_thread_id;
    int64_t draft_id;   /* required */
    const tg_input_rich_message *rich_message; const char *rich_message_json;   /* required */
    bool can_stop;
    bool keep_on_stop;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendrichmessagedraft (send) */
TGBOT_API tg_err tg_send_rich_message_draft(tg_bot *bot, const tg_send_rich_message_draft_args *args, bool *out);
struct tg_answer_inline_query_args {
    const char *inline_query_id;   /* required */
    const tg_inline_query_result *results; size_t results_count; const char *results_json;   /* required */
    int64_t cache_time; bool has_cache_time;   /* has_: 0 is sent */
    bool is_personal;
    const char *next_offset;
    const tg_inline_query_results_button *button; const char *button_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answerinlinequery (idempotent) */
TGBOT_API tg_err tg_answer_inline_query(tg_bot *bot, const tg_answer_inline_query_args *args, bool *out);
struct tg_send_invoice_args {
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const char *title;   /* required */
    const char *description;   /* required */
    const char *payload;   /* required */
    const char *provider_token;
    const char *currency;   /* required */
    const tg_labeled_price *prices; size_t prices_count; const char *prices_json;   /* required */
    int64_t max_tip_amount;
    int64_t *suggested_tip_amounts; size_t suggested_tip_amounts_count; const char *suggested_tip_amounts_json;
    const char *start_parameter;
    const char *provider_data;
    const char *photo_url;
    int64_t photo_size;
    int64_t photo_width;
    int64_t photo_height;
    bool need_name;
    bool need_phone_number;
    bool need_email;
    bool need_shipping_address;
    bool send_phone_number_to_provider;
    bool send_email_to_provider;
    bool is_flexible;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters; const char *suggested_post_parameters_json;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendinvoice (send) */
TGBOT_API tg_err tg_send_invoice(tg_bot *bot, const tg_send_invoice_args *args, tg_message **out);
struct tg_create_invoice_link_args {
    const char *business_connection_id;
    const char *title;   /* required */
    const char *description;   /* required */
    const char *payload;   /* required */
    const char *provider_token;
    const char *currency;   /* required */
    const tg_labeled_price *prices; size_t prices_count; const char *prices_json;   /* required */
    int64_t subscription_period;
    int64_t max_tip_amount;
    int64_t *suggested_tip_amounts; size_t suggested_tip_amounts_count; const char *suggested_tip_amounts_json;
    const char *provider_data;
    const char *photo_url;
    int64_t photo_size;
    int64_t photo_width;
    int64_t photo_height;
    bool need_name;
    bool need_phone_number;
    bool need_email;
    bool need_shipping_address;
    bool send_phone_number_to_provider;
    bool send_email_to_provider;
    bool is_flexible;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#createinvoicelink (send) */
TGBOT_API tg_err tg_create_invoice_link(tg_bot *bot, const tg_create_invoice_link_args *args, const char **out);
struct tg_answer_shipping_query_args {
    const char *shipping_query_id;   /* required */
    bool ok;   /* required */
    const tg_shipping_option *shipping_options; size_t shipping_options_count; const char *shipping_options_json;
    const char *error_message;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answershippingquery (idempotent) */
TGBOT_API tg_err tg_answer_shipping_query(tg_bot *bot, const tg_answer_shipping_query_args *args, bool *out);
struct tg_answer_pre_checkout_query_args {
    const char *pre_checkout_query_id;   /* required */
    bool ok;   /* required */
    const char *error_message;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#answerprecheckoutquery (idempotent) */
TGBOT_API tg_err tg_answer_pre_checkout_query(tg_bot *bot, const tg_answer_pre_checkout_query_args *args, bool *out);
/* https://core.telegram.org/bots/api#getmystarbalance (read) */
TGBOT_API tg_err tg_get_my_star_balance(tg_bot *bot, tg_star_amount **out);
struct tg_get_star_transactions_args {
    int64_t offset;
    int64_t limit; bool has_limit;   /* has_: 0 is sent */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getstartransactions (read) */
TGBOT_API tg_err tg_get_star_transactions(tg_bot *bot, const tg_get_star_transactions_args *args, tg_star_transactions **out);
struct tg_refund_star_payment_args {
    int64_t user_id;   /* required */
    const char *telegram_payment_charge_id;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#refundstarpayment (spend) */
TGBOT_API tg_err tg_refund_star_payment(tg_bot *bot, const tg_refund_star_payment_args *args, bool *out);
struct tg_edit_user_star_subscription_args {
    int64_t user_id;   /* required */
    const char *telegram_payment_charge_id;   /* required */
    bool is_canceled;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#edituserstarsubscription (idempotent) */
TGBOT_API tg_err tg_edit_user_star_subscription(tg_bot *bot, const tg_edit_user_star_subscription_args *args, bool *out);
struct tg_set_passport_data_errors_args {
    int64_t user_id;   /* required */
    const tg_passport_element_error *errors; size_t errors_count; const char *errors_json;   /* required */
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setpassportdataerrors (idempotent) */
TGBOT_API tg_err tg_set_passport_data_errors(tg_bot *bot, const tg_set_passport_data_errors_args *args, bool *out);
struct tg_send_game_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;   /* required */
    int64_t message_thread_id;
    const char *game_short_name;   /* required */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters; const char *reply_parameters_json;
    const tg_inline_keyboard_markup *reply_markup; const char *reply_markup_json;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#sendgame (send) */
TGBOT_API tg_err tg_send_game(tg_bot *bot, const tg_send_game_args *args, tg_message **out);
struct tg_set_game_score_args {
    int64_t user_id;   /* required */
    int64_t score;   /* required */
    bool force;
    bool disable_edit_message;
    int64_t chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#setgamescore (idempotent) */
TGBOT_API tg_err tg_set_game_score(tg_bot *bot, const tg_set_game_score_args *args, tg_message **out);
struct tg_get_game_high_scores_args {
    int64_t user_id;   /* required */
    int64_t chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *extra_json;
};
/* https://core.telegram.org/bots/api#getgamehighscores (read) */
TGBOT_API tg_err tg_get_game_high_scores(tg_bot *bot, const tg_get_game_high_scores_args *args, tg_game_high_score_list *out);

/* ==== src/epilogue.h ==== */
#ifdef __cplusplus
} /* extern "C" */
#endif
#endif /* TGBOT_H */

/* ==== src/impl_begin.c ==== */
/* ===================================================================================================
   IMPLEMENTATION
   =================================================================================================== */
#if defined(TGBOT_IMPLEMENTATION) && !defined(TGBOT__IMPL_DONE)
#define TGBOT__IMPL_DONE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <time.h>
#ifndef TGBOT_ASSERT
#include <assert.h>
#define TGBOT_ASSERT(c) assert(c)
#endif
#if !defined(_WIN32)
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <netdb.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#endif

#ifndef TGBOT_MALLOC
#define TGBOT_MALLOC(n, ud) ((void)(ud), malloc(n))
#define TGBOT_REALLOC(p, n, ud) ((void)(ud), realloc((p), (n)))
#define TGBOT_FREE(p, ud) ((void)(ud), free(p))
#endif

/* private functions: static, and quiet when a switch leaves one unused */
#if defined(__GNUC__) || defined(__clang__)
#define TGBOT_PRIVATE static __attribute__((unused))
#define TGBOT__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TGBOT_PRIVATE static
#define TGBOT__PRINTF(f, a)
#endif

/* Functions shared between rooms of the implementation (declared in *_int.h): internal linkage
   under TGBOT_STATIC so a static build exports nothing. */
#ifdef TGBOT_STATIC
#define TGBOT__INTERN TGBOT_PRIVATE
#else
#define TGBOT__INTERN
#endif

#define TGBOT__MIN(a, b) ((a) < (b) ? (a) : (b))
#define TGBOT__MAX(a, b) ((a) > (b) ? (a) : (b))

/* ==== src/core_int.h ==== */
/* core (internal): helpers every implementation room uses. */
TGBOT__INTERN void *tg__alloc(const tg_allocator *a, size_t n);
TGBOT__INTERN void *tg__realloc(const tg_allocator *a, void *p, size_t old_n, size_t new_n);
TGBOT__INTERN void tg__free(const tg_allocator *a, void *p, size_t n);

TGBOT__INTERN void tg__error_set(tg_error *e, tg_err code, tg_phase phase, const char *fmt, ...) TGBOT__PRINTF(4, 5);
TGBOT__INTERN void tg__log(const tg_logger *l, tg_log_level level, const char *fmt, ...) TGBOT__PRINTF(3, 4);

/* growable byte buffer */
typedef struct tg__buf { char *data; size_t len, cap; const tg_allocator *a; } tg__buf;
TGBOT__INTERN tg_err tg__buf_reserve(tg__buf *b, size_t extra);
TGBOT__INTERN tg_err tg__buf_append(tg__buf *b, const void *p, size_t n);
TGBOT__INTERN void tg__buf_free(tg__buf *b);

TGBOT__INTERN uint64_t tg__now_ms(const tg_platform *p);
TGBOT__INTERN int64_t tg__wall_time(const tg_platform *p);
TGBOT__INTERN int tg__random_bytes(const tg_platform *p, void *buf, size_t n);
TGBOT__INTERN void tg__sleep_ms(const tg_platform *p, uint32_t ms);
TGBOT__INTERN int tg__ct_equal(const void *a, const void *b, size_t n);
TGBOT__INTERN void tg__wipe(void *p, size_t n);    /* memset that the optimiser keeps (secrets) */

/* ==== src/core.c ==== */
/* core: error texts, allocation, logging, clock/random defaults, buffers, arena. */

/* ---- errors ---- */
static const char *const tg__err_text[TG__ERR_COUNT] = {
#define TG__ERR_TEXT(name, text) text,
    TG__ERR_LIST(TG__ERR_TEXT)
#undef TG__ERR_TEXT
};

TGBOT_API const char *tg_err_str(tg_err code) {
    if ((unsigned)code >= (unsigned)TG__ERR_COUNT) return "unknown error";
    return tg__err_text[code];
}

TGBOT_API tg_err_kind tg_err_kind_of(tg_err code) {
    switch (code) {
    case TG_OK: return TG_KIND_NONE;
    case TG_ERR_DNS: case TG_ERR_CONNECT: case TG_ERR_TIMEOUT: case TG_ERR_IO: case TG_ERR_CLOSED:
    case TG_ERR_PROXY: case TG_ERR_PROXY_AUTH: case TG_ERR_OUTCOME_UNKNOWN: return TG_KIND_NETWORK;
    case TG_ERR_TLS: case TG_ERR_TLS_UNTRUSTED: case TG_ERR_TLS_HOSTNAME: case TG_ERR_TLS_EXPIRED:
        return TG_KIND_TLS;
    case TG_ERR_HTTP: return TG_KIND_HTTP;
    case TG_ERR_JSON: case TG_ERR_UTF8: case TG_ERR_TYPE: return TG_KIND_JSON;
    case TG_ERR_ARG: case TG_ERR_SIGNATURE: case TG_ERR_EXPIRED: return TG_KIND_VALIDATION;
    case TG_ERR_API: return TG_KIND_TELEGRAM;
    default: return TG_KIND_INTERNAL;
    }
}

TGBOT_API const char *tg_phase_str(tg_phase phase) {
    static const char *const names[] = { "none", "validate", "resolve", "connect", "proxy", "tls",
        "send", "receive headers", "receive body", "decode", "api" };
    if ((unsigned)phase >= sizeof names / sizeof names[0]) return "unknown";
    return names[phase];
}

void tg__error_set(tg_error *e, tg_err code, tg_phase phase, const char *fmt, ...) {
    va_list ap;
    if (!e) return;
    e->code = code;
    e->phase = phase;
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(e->description, sizeof e->description, fmt, ap);
        va_end(ap);
    } else {
        snprintf(e->description, sizeof e->description, "%s", tg_err_str(code));
    }
}

/* ---- logging ---- */
void tg__log(const tg_logger *l, tg_log_level level, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    tg_log_level max;
    if (!l || !l->fn) return;
    max = l->level ? l->level : TG_LOG_INFO;
    if (level > max) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    l->fn(l->ud, level, msg);
}

TGBOT_API void tg_log_stderr(void *ud, tg_log_level level, const char *msg) {
    static const char *const names[] = { "", "error", "warn", "info", "debug" };
    (void)ud;
    fprintf(stderr, "tgbot %s: %s\n", (unsigned)level < 5u ? names[level] : "?", msg);
}

/* ---- allocation ---- */
void *tg__alloc(const tg_allocator *a, size_t n) {
    if (a && a->alloc) return a->alloc(n, a->ud);
    return TGBOT_MALLOC(n, a ? a->ud : NULL);
}

void *tg__realloc(const tg_allocator *a, void *p, size_t old_n, size_t new_n) {
    if (a && a->realloc) return a->realloc(p, old_n, new_n, a->ud);
    if (a && a->alloc) {   /* alloc+free given without realloc: emulate */
        void *q = a->alloc(new_n, a->ud);
        if (q && p) { memcpy(q, p, TGBOT__MIN(old_n, new_n)); if (a->free) a->free(p, old_n, a->ud); }
        return q;
    }
    (void)old_n;
    return TGBOT_REALLOC(p, new_n, a ? a->ud : NULL);
}

void tg__free(const tg_allocator *a, void *p, size_t n) {
    if (!p) return;
    if (a && a->free) { a->free(p, n, a->ud); return; }
    (void)n;
    TGBOT_FREE(p, a ? a->ud : NULL);
}

/* ---- buffers ---- */
tg_err tg__buf_reserve(tg__buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (extra > (size_t)-1 - b->len - 1) return TG_ERR_LIMIT;
    need = b->len + extra + 1;              /* +1: room for a terminating NUL */
    if (need <= b->cap) return TG_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    p = (char *)tg__realloc(b->a, b->data, b->cap, cap);
    if (!p) return TG_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return TG_OK;
}

tg_err tg__buf_append(tg__buf *b, const void *p, size_t n) {
    tg_err e = tg__buf_reserve(b, n);
    if (e) return e;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TG_OK;
}

void tg__buf_free(tg__buf *b) {
    tg__free(b->a, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- clock, randomness, waiting ---- */
uint64_t tg__now_ms(const tg_platform *p) {
    if (p && p->now_ms) return p->now_ms(p->ud);
#if defined(_WIN32)
    return (uint64_t)GetTickCount64();
#else
    {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    }
#endif
}

int64_t tg__wall_time(const tg_platform *p) {
    if (p && p->wall_time) return p->wall_time(p->ud);
    return (int64_t)time(NULL);
}

int tg__random_bytes(const tg_platform *p, void *buf, size_t n) {
    if (p && p->random) return p->random(p->ud, buf, n);
#if !defined(_WIN32)
    {
        unsigned char *out = (unsigned char *)buf;
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -1;
        while (n > 0) {
            ssize_t r = read(fd, out, n);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) { close(fd); return -1; }
            out += r;
            n -= (size_t)r;
        }
        close(fd);
        return 0;
    }
#else
    return -1;
#endif
}

void tg__sleep_ms(const tg_platform *p, uint32_t ms) {
    if (p && p->sleep_ms) { p->sleep_ms(p->ud, ms); return; }
#if !defined(_WIN32)
    {
        struct timespec ts;
        ts.tv_sec = (time_t)(ms / 1000u);
        ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    }
#endif
}

int tg__ct_equal(const void *a, const void *b, size_t n) {
    const volatile unsigned char *x = (const volatile unsigned char *)a;
    const volatile unsigned char *y = (const volatile unsigned char *)b;
    unsigned char d = 0;
    size_t i;
    for (i = 0; i < n; i++) d = (unsigned char)(d | (x[i] ^ y[i]));
    return d == 0;
}

void tg__wipe(void *p, size_t n) {
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--) *v++ = 0;
}

/* ---- arena ----
   Blocks form a list; `base` is the arena offset where a block starts, so a mark is one number
   and rewinding moves whole later blocks to the spare list (no free, no malloc in steady state). */
struct tg__arena_block {
    tg__arena_block *prev;
    size_t base, used, cap;
    /* data follows, 16-byte aligned */
};
#define TG__ARENA_HDR ((sizeof(tg__arena_block) + 15u) & ~(size_t)15u)
#define TG__ARENA_MIN_BLOCK ((size_t)16384)

TGBOT_API void tg_arena_init(tg_arena *a, const tg_allocator *alloc) {
    memset(a, 0, sizeof *a);
    a->alloc = alloc;
}

TGBOT_API size_t tg_arena_mark(const tg_arena *a) {
    return a->head ? a->head->base + a->head->used : 0;
}

TGBOT_API void *tg_arena_alloc(tg_arena *a, size_t n) {
    tg__arena_block *b = a->head, **pp;
    size_t off, mark;
    if (n > (size_t)-1 / 2) return NULL;
    if (b) {
        off = (b->used + 15u) & ~(size_t)15u;
        if (off <= b->cap && b->cap - off >= n) {
            b->used = off + n;
            mark = b->base + b->used;
            if (mark > a->high_water) a->high_water = mark;
            return (char *)b + TG__ARENA_HDR + off;
        }
    }
    mark = tg_arena_mark(a);
    /* reuse a spare block that fits */
    for (pp = &a->spare; *pp; pp = &(*pp)->prev)
        if ((*pp)->cap >= n) break;
    if (*pp) {
        b = *pp;
        *pp = b->prev;
    } else {
        size_t cap = n > TG__ARENA_MIN_BLOCK ? n : TG__ARENA_MIN_BLOCK;
        b = (tg__arena_block *)tg__alloc(a->alloc, TG__ARENA_HDR + cap);
        if (!b) return NULL;
        b->cap = cap;
    }
    b->prev = a->head;
    b->base = mark;
    b->used = n;
    a->head = b;
    if (mark + n > a->high_water) a->high_water = mark + n;
    return (char *)b + TG__ARENA_HDR;
}

TGBOT_API char *tg_arena_strndup(tg_arena *a, const char *s, size_t n) {
    char *p = (char *)tg_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

TGBOT_API void tg_arena_rewind(tg_arena *a, size_t mark) {
    while (a->head && a->head->base >= mark) {   /* whole block lies after the mark */
        tg__arena_block *b = a->head;
        a->head = b->prev;
        b->used = 0;
        b->prev = a->spare;
        a->spare = b;
    }
    if (a->head && mark - a->head->base < a->head->used) a->head->used = mark - a->head->base;
}

TGBOT_API void tg_arena_reset(tg_arena *a) { tg_arena_rewind(a, 0); }

TGBOT_API void tg_arena_free(tg_arena *a) {
    tg__arena_block *lists[2], *b;
    int i;
    lists[0] = a->head;
    lists[1] = a->spare;
    for (i = 0; i < 2; i++) {
        while ((b = lists[i]) != NULL) {
            lists[i] = b->prev;
            tg__free(a->alloc, b, TG__ARENA_HDR + b->cap);
        }
    }
    a->head = a->spare = NULL;
}

/* ==== src/platform_int.h ==== */
/* platform (internal): the only room that knows the OS socket API. Another OS or an embedded
   TCP/IP stack replaces these functions. */
typedef int tg__sock;
#define TG__SOCK_INVALID (-1)
#define TG__WOULDBLOCK (-2)
typedef struct addrinfo tg__addr;

TGBOT__INTERN int tg__resolve(const char *host, uint16_t port, tg__addr **out, int *gai_err);
TGBOT__INTERN void tg__resolve_free(tg__addr *a);
/* starts a non-blocking connect: 0 connected, 1 in progress, -1 failed (errno) */
TGBOT__INTERN int tg__sock_connect(const tg__addr *a, tg__sock *out);
TGBOT__INTERN int tg__sock_connect_result(tg__sock s);     /* 0 or the errno of a finished connect */
TGBOT__INTERN long tg__sock_send(tg__sock s, const void *p, size_t n);  /* >=0, TG__WOULDBLOCK, -1 */
TGBOT__INTERN long tg__sock_recv(tg__sock s, void *p, size_t n);        /* >0, 0 EOF, TG__WOULDBLOCK, -1 */
TGBOT__INTERN void tg__sock_close(tg__sock s);
/* a stop request from a signal handler (async-signal-safe): waits return -2 while it is set */
TGBOT__INTERN void tg__interrupt(int on);
/* waits for readability (want_write = 0) or writability; 1 ready, 0 timeout, -1 error, -2 interrupted */
TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms);
TGBOT__INTERN int tg__sock_is_dead(tg__sock s);   /* idle connection closed by the peer or has stray data */
/* listening socket for servers (webhook): bound, non-blocking */
TGBOT__INTERN int tg__sock_listen(const char *host, uint16_t port, tg__sock *out, uint16_t *bound_port);
TGBOT__INTERN int tg__sock_accept(tg__sock l, tg__sock *out);   /* 1 accepted, 0 none pending, -1 error */
/* the peer's address as 16 bytes (IPv4 as ::ffff:a.b.c.d): 0, or -1 (not an IP socket, or gone) */
TGBOT__INTERN int tg__sock_peer(tg__sock s, unsigned char addr[16]);
/* many sockets at once (the webhook server): a pollfd array; events are TG__POLL_IN/OUT */
typedef struct pollfd tg__pollfd;
#define TG__POLL_IN POLLIN
#define TG__POLL_OUT POLLOUT
#define TG__POLL_ERR (POLLERR | POLLHUP | POLLNVAL)
/* ready count, 0 timeout, -1 error, -2 interrupted by a signal (the caller checks its stop flag) */
TGBOT__INTERN int tg__poll(tg__pollfd *fds, size_t n, int timeout_ms);
TGBOT__INTERN void tg__sock_shutdown_write(tg__sock s);   /* FIN after the last response */

/* ==== src/platform.c ==== */
/* platform: POSIX sockets. Everything else reaches the OS through these functions. */

TGBOT__INTERN int tg__resolve(const char *host, uint16_t port, tg__addr **out, int *gai_err) {
    struct addrinfo hints;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    *gai_err = getaddrinfo(host, ps, &hints, out);
    if (*gai_err == EAI_BADFLAGS || (*gai_err && strchr(host, ':'))) {   /* ::1 without IPv6 config */
        hints.ai_flags = AI_NUMERICSERV;
        *gai_err = getaddrinfo(host, ps, &hints, out);
    }
    return *gai_err ? -1 : 0;
}

TGBOT__INTERN void tg__resolve_free(tg__addr *a) { if (a) freeaddrinfo(a); }

static int tg__sock_nonblock(tg__sock s) {
    int fl = fcntl(s, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(s, F_SETFL, fl | O_NONBLOCK);
}

TGBOT__INTERN int tg__sock_connect(const tg__addr *a, tg__sock *out) {
    int one = 1;
    tg__sock s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    *out = TG__SOCK_INVALID;
    if (s < 0) return -1;
    if (tg__sock_nonblock(s) < 0) { close(s); return -1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* requests are small and latency-bound */
#ifdef SO_NOSIGPIPE
    setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    *out = s;
    if (connect(s, a->ai_addr, a->ai_addrlen) == 0) return 0;
    if (errno == EINPROGRESS || errno == EINTR) return 1;
    {
        int e = errno;
        close(s);
        *out = TG__SOCK_INVALID;
        errno = e;
    }
    return -1;
}

TGBOT__INTERN int tg__sock_connect_result(tg__sock s) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

TGBOT__INTERN long tg__sock_send(tg__sock s, const void *p, size_t n) {
    for (;;) {
        ssize_t r = send(s, p, n, MSG_NOSIGNAL);
        if (r >= 0) return (long)r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return TG__WOULDBLOCK;
        return -1;
    }
}

TGBOT__INTERN long tg__sock_recv(tg__sock s, void *p, size_t n) {
    for (;;) {
        ssize_t r = recv(s, p, n, 0);
        if (r >= 0) return (long)r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return TG__WOULDBLOCK;
        return -1;
    }
}

TGBOT__INTERN void tg__sock_close(tg__sock s) { if (s >= 0) close(s); }

static volatile sig_atomic_t tg__interrupted;
TGBOT__INTERN void tg__interrupt(int on) { tg__interrupted = on; }

TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms) {
    struct pollfd p;
    int r;
    p.fd = s;
    p.events = (short)(want_write ? POLLOUT : POLLIN);
    p.revents = 0;
    do {
        if (tg__interrupted) return -2;
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : r > 0;
}

TGBOT__INTERN int tg__sock_is_dead(tg__sock s) {
    char c;
    ssize_t r;
    if (tg__sock_wait(s, 0, 0) == 0) return 0;            /* nothing to read: still alive */
    r = recv(s, &c, 1, MSG_PEEK);
    return r <= 0 ? !(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) : 1;
}

TGBOT__INTERN int tg__sock_listen(const char *host, uint16_t port, tg__sock *out, uint16_t *bound_port) {
    tg__addr *ai = NULL;
    int gerr, one = 1;
    tg__sock s;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    struct addrinfo hints;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    if ((gerr = getaddrinfo(host, ps, &hints, &ai)) != 0) return -1;
    s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) { freeaddrinfo(ai); return -1; }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s, 128) < 0 || tg__sock_nonblock(s) < 0) {
        int e = errno;
        close(s); freeaddrinfo(ai); errno = e;
        return -1;
    }
    freeaddrinfo(ai);
    if (bound_port && getsockname(s, (struct sockaddr *)&ss, &sl) == 0)
        *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    *out = s;
    return 0;
}

TGBOT__INTERN int tg__sock_accept(tg__sock l, tg__sock *out) {
    int one = 1;
    tg__sock s;
    do s = accept(l, NULL, NULL); while (s < 0 && errno == EINTR);
    if (s < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    if (tg__sock_nonblock(s) < 0) { close(s); return -1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = s;
    return 1;
}

TGBOT__INTERN int tg__sock_peer(tg__sock s, unsigned char addr[16]) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getpeername(s, (struct sockaddr *)&ss, &sl) != 0) return -1;
    if (ss.ss_family == AF_INET6) {
        memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        return 0;
    }
    if (ss.ss_family == AF_INET) {
        memset(addr, 0, 10);
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        return 0;
    }
    return -1;
}

TGBOT__INTERN int tg__poll(tg__pollfd *fds, size_t n, int timeout_ms) {
    int r = poll(fds, (nfds_t)n, timeout_ms);
    if (r < 0) return errno == EINTR ? -2 : -1;
    return r;
}

TGBOT__INTERN void tg__sock_shutdown_write(tg__sock s) { if (s >= 0) shutdown(s, SHUT_WR); }

/* ==== src/json.c ==== */
/* json: strict tokenizer (one pass, no recursion, no allocation), accessors, writer.
   Speed comes from a byte-class table for structure and whitespace, and from scanning string
   bodies eight bytes at a time for '"', '\\', control bytes and non-ASCII. */

#include <locale.h>

#define TG__JSON_INT_FLAG 0x100u   /* NUMBER without fraction or exponent */
#define TG__JSON_HARD_DEPTH 1024u

static int tg__json_is_ws(unsigned c) { return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09; }

#define TG__SWAR_ONES 0x0101010101010101ull
#define TG__SWAR_HIGH 0x8080808080808080ull
/* non-zero when any byte of v is '"', '\\', < 0x20 or >= 0x80 */
static uint64_t tg__json_special8(uint64_t v) {
    uint64_t q = v ^ (TG__SWAR_ONES * '"');
    uint64_t b = v ^ (TG__SWAR_ONES * '\\');
    uint64_t hq = (q - TG__SWAR_ONES) & ~q;
    uint64_t hb = (b - TG__SWAR_ONES) & ~b;
    uint64_t hc = (v - TG__SWAR_ONES * 0x20) & ~v;
    return (hq | hb | hc | v) & TG__SWAR_HIGH;
}

/* Validates one UTF-8 sequence starting at p (first byte >= 0x80); returns its length, 0 if bad. */
static size_t tg__utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    size_t n = (size_t)(end - p);
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;         /* overlong */
        if (c == 0xED) hi = 0x9F;         /* UTF-16 surrogates */
        return (n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;         /* overlong */
        if (c == 0xF4) hi = 0x8F;         /* above U+10FFFF */
        return (n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                (p[3] & 0xC0) == 0x80) ? 4 : 0;
    }
    return 0;
}

static int tg__hex4(const unsigned char *p, unsigned *out) {
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

static unsigned char *tg__utf8_put(unsigned char *w, unsigned cp) {
    if (cp < 0x80) { *w++ = (unsigned char)cp; }
    else if (cp < 0x800) { *w++ = (unsigned char)(0xC0 | cp >> 6); *w++ = (unsigned char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *w++ = (unsigned char)(0xE0 | cp >> 12); *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (unsigned char)(0xF0 | cp >> 18); *w++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    return w;
}

typedef struct tg__json_p {
    unsigned char *base, *end;
    const char *reason;
    size_t off;
    tg_err err;
} tg__json_p;

static int tg__json_fail(tg__json_p *P, const unsigned char *at, tg_err e, const char *why) {
    P->err = e;
    P->reason = why;
    P->off = (size_t)(at - P->base);
    return 0;
}

/* Scans and decodes a string body; *pp points after the opening quote. On success *pp points
   after the closing quote and the decoded text [start, *wend) is NUL-terminated. */
static int tg__json_string(tg__json_p *P, unsigned char **pp, unsigned char **wend) {
    unsigned char *p = *pp, *end = P->end, *w;
    for (;;) {   /* fast path: no escape seen yet, nothing to move */
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (tg__json_special8(v)) break;
            p += 8;
        }
        if (p >= end) return tg__json_fail(P, p, TG_ERR_JSON, "unterminated string");
        if (*p == '"') { *p = '\0'; *wend = p; *pp = p + 1; return 1; }
        if (*p == '\\') break;
        if (*p < 0x20) return tg__json_fail(P, p, TG_ERR_JSON, "unescaped control character in string");
        if (*p >= 0x80) {
            size_t n = tg__utf8_seq(p, end);
            if (!n) return tg__json_fail(P, p, TG_ERR_UTF8, "invalid UTF-8 in string");
            p += n;
        } else {
            p++;
        }
    }
    w = p;   /* slow path: decode escapes, moving bytes down */
    for (;;) {
        unsigned char c;
        if (p >= end) return tg__json_fail(P, p, TG_ERR_JSON, "unterminated string");
        c = *p;
        if (c == '"') { *w = '\0'; *wend = w; *pp = p + 1; return 1; }
        if (c == '\\') {
            unsigned cp, lo;
            if (end - p < 2) return tg__json_fail(P, p, TG_ERR_JSON, "unterminated string");
            switch (p[1]) {
            case '"': *w++ = '"'; p += 2; continue;
            case '\\': *w++ = '\\'; p += 2; continue;
            case '/': *w++ = '/'; p += 2; continue;
            case 'b': *w++ = '\b'; p += 2; continue;
            case 'f': *w++ = '\f'; p += 2; continue;
            case 'n': *w++ = '\n'; p += 2; continue;
            case 'r': *w++ = '\r'; p += 2; continue;
            case 't': *w++ = '\t'; p += 2; continue;
            case 'u': break;
            default: return tg__json_fail(P, p, TG_ERR_JSON, "invalid escape sequence");
            }
            if (end - p < 6 || !tg__hex4(p + 2, &cp))
                return tg__json_fail(P, p, TG_ERR_JSON, "invalid \\u escape");
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return tg__json_fail(P, p, TG_ERR_UTF8, "lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !tg__hex4(p + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return tg__json_fail(P, p, TG_ERR_UTF8, "high surrogate without a low surrogate");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 12;
            } else {
                p += 6;
            }
            w = tg__utf8_put(w, cp);
            continue;
        }
        if (c < 0x20) return tg__json_fail(P, p, TG_ERR_JSON, "unescaped control character in string");
        if (c >= 0x80) {
            size_t n = tg__utf8_seq(p, end);
            if (!n) return tg__json_fail(P, p, TG_ERR_UTF8, "invalid UTF-8 in string");
            memmove(w, p, n);
            w += n; p += n;
            continue;
        }
        *w++ = c; p++;
    }
}

/* Validates the number grammar; returns the end pointer or NULL. *is_int set. */
static unsigned char *tg__json_number(tg__json_p *P, unsigned char *p, int *is_int) {
    unsigned char *end = P->end, *s = p;
    *is_int = 1;
    if (p < end && *p == '-') p++;
    if (p >= end) { tg__json_fail(P, s, TG_ERR_JSON, "invalid number"); return NULL; }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') { tg__json_fail(P, s, TG_ERR_JSON, "leading zero in number"); return NULL; }
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else { tg__json_fail(P, s, TG_ERR_JSON, "invalid number"); return NULL; }
    if (p < end && *p == '.') {
        *is_int = 0; p++;
        if (p >= end || *p < '0' || *p > '9') { tg__json_fail(P, p, TG_ERR_JSON, "digit expected after decimal point"); return NULL; }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *is_int = 0; p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') { tg__json_fail(P, p, TG_ERR_JSON, "digit expected in exponent"); return NULL; }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

TGBOT_API tg_err tg_json_parse(tg_json_doc *doc, char *buf, size_t len, tg_json_tok *toks,
                               uint32_t cap, const tg_json_opts *opts) {
    uint32_t stack[TG__JSON_HARD_DEPTH];  /* container token index; bit 31 = object */
    uint32_t depth = 0, max_depth = TGBOT_JSON_MAX_DEPTH, n = 0;
    size_t max_bytes = 0xFFFFFFFFu;
    tg__json_p P;
    unsigned char *p, *end;
    tg_json_tok *t;

    memset(doc, 0, sizeof *doc);
    doc->buf = buf; doc->len = len; doc->toks = toks; doc->cap = toks ? cap : 0;
    if (opts && opts->max_depth) max_depth = opts->max_depth;
    if (max_depth > TG__JSON_HARD_DEPTH) max_depth = TG__JSON_HARD_DEPTH;
    if (opts && opts->max_bytes && opts->max_bytes < max_bytes) max_bytes = opts->max_bytes;
    P.base = (unsigned char *)buf; P.err = TG_OK; P.reason = NULL; P.off = 0;
    if (!buf) { doc->err_reason = "no input"; return TG_ERR_JSON; }
    if (len > max_bytes) { doc->err_reason = "document larger than the size limit"; return TG_ERR_LIMIT; }
    p = (unsigned char *)buf;
    end = P.end = p + len;

#define TG__WS() while (p < end && tg__json_is_ws(*p)) p++
#define TG__TOK(ty, st) do { if (n < doc->cap) { t = &toks[n]; t->type = (ty); \
        t->start = (uint32_t)((st) - P.base); t->len = 0; t->next = n + 1; t->count = 0; } n++; } while (0)
/* counts an array element (object members are counted at their key) */
#define TG__CHILD() do { if (depth && !(stack[depth - 1] & 0x80000000u) && stack[depth - 1] < doc->cap) \
        toks[stack[depth - 1]].count++; } while (0)
#define TG__FAIL(at, e, why) do { tg__json_fail(&P, (at), (e), (why)); goto fail; } while (0)

    TG__WS();
    if (p >= end) TG__FAIL(p, TG_ERR_JSON, "empty input");
value:
    /* p points at a value's first byte (whitespace skipped) */
    if (p >= end) TG__FAIL(p, TG_ERR_JSON, "value expected");
    switch (*p) {
    case '{': case '[': {
        int obj = *p == '{';
        if (depth >= max_depth) TG__FAIL(p, TG_ERR_LIMIT, "nesting deeper than the limit");
        TG__CHILD();
        TG__TOK(obj ? TG_JSON_OBJECT : TG_JSON_ARRAY, p);
        stack[depth++] = (n - 1) | (obj ? 0x80000000u : 0);
        p++;
        TG__WS();
        if (p < end && *p == (obj ? '}' : ']')) goto close;
        if (obj) goto key;
        goto value;
    }
    case '"': {
        unsigned char *s = ++p, *wend;
        TG__CHILD();
        if (!tg__json_string(&P, &p, &wend)) goto fail;
        if (n < doc->cap) { t = &toks[n]; t->type = TG_JSON_STRING; t->start = (uint32_t)(s - P.base);
            t->len = (uint32_t)(wend - s); t->next = n + 1; t->count = 0; }
        n++;
        break;
    }
    case 't': case 'f': case 'n': {
        const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
        size_t l = strlen(lit);
        if ((size_t)(end - p) < l || memcmp(p, lit, l) != 0) TG__FAIL(p, TG_ERR_JSON, "invalid literal");
        TG__CHILD();
        TG__TOK(*p == 't' ? TG_JSON_TRUE : *p == 'f' ? TG_JSON_FALSE : TG_JSON_NULL, p);
        if (n - 1 < doc->cap) toks[n - 1].len = (uint32_t)l;
        p += l;
        break;
    }
    default: {
        int is_int;
        unsigned char *s = p, *e;
        if (!(*p == '-' || (*p >= '0' && *p <= '9'))) TG__FAIL(p, TG_ERR_JSON, "value expected");
        e = tg__json_number(&P, p, &is_int);
        if (!e) goto fail;
        TG__CHILD();
        TG__TOK(TG_JSON_NUMBER | (is_int ? TG__JSON_INT_FLAG : 0u), s);
        if (n - 1 < doc->cap) toks[n - 1].len = (uint32_t)(e - s);
        p = e;
        break;
    }
    }
after:
    TG__WS();
    if (!depth) {
        if (p != end) TG__FAIL(p, TG_ERR_JSON, "trailing characters after the document");
        goto done;
    }
    if (p >= end) TG__FAIL(p, TG_ERR_JSON, "unexpected end of input inside a container");
    if (*p == ',') {
        p++;
        TG__WS();
        if (stack[depth - 1] & 0x80000000u) goto key;
        if (p < end && *p == ']') TG__FAIL(p, TG_ERR_JSON, "trailing comma in array");
        goto value;
    }
    if (*p == '}' || *p == ']') {
        if ((*p == '}') != ((stack[depth - 1] & 0x80000000u) != 0))
            TG__FAIL(p, TG_ERR_JSON, "mismatched closing bracket");
        goto close;
    }
    TG__FAIL(p, TG_ERR_JSON, (stack[depth - 1] & 0x80000000u) ? "',' or '}' expected" : "',' or ']' expected");
key:
    if (p >= end || *p != '"') {
        if (p < end && *p == '}') TG__FAIL(p, TG_ERR_JSON, "trailing comma in object");
        TG__FAIL(p, TG_ERR_JSON, "object key (a string) expected");
    }
    {
        unsigned char *s = ++p, *wend;
        uint32_t top = stack[depth - 1] & 0x7FFFFFFFu;
        if (top < doc->cap) toks[top].count++;
        if (!tg__json_string(&P, &p, &wend)) goto fail;
        if (n < doc->cap) { t = &toks[n]; t->type = TG_JSON_STRING; t->start = (uint32_t)(s - P.base);
            t->len = (uint32_t)(wend - s); t->next = n + 1; t->count = 0; }
        n++;
    }
    TG__WS();
    if (p >= end || *p != ':') TG__FAIL(p, TG_ERR_JSON, "':' expected after object key");
    p++;
    TG__WS();
    goto value;
close: {
        uint32_t top = stack[--depth] & 0x7FFFFFFFu;
        if (top < doc->cap) {
            toks[top].next = n;
            toks[top].len = (uint32_t)(p + 1 - (P.base + toks[top].start));
        }
        p++;
        goto after;
    }
done:
    doc->ntoks = n < doc->cap ? n : doc->cap;
    doc->needed = n;
    if (toks && n > cap) { doc->err_reason = "more tokens than the array holds"; doc->err_offset = len; return TG_ERR_LIMIT; }
    return TG_OK;
fail:
    doc->err_offset = P.off;
    doc->err_reason = P.reason;
    doc->needed = n;
    doc->ntoks = 0;
    return P.err;
#undef TG__WS
#undef TG__TOK
#undef TG__CHILD
#undef TG__FAIL
}

/* ---- access ---- */
static const tg_json_tok *tg__json_tok(const tg_json_doc *d, uint32_t t) {
    return (d && t < d->ntoks) ? &d->toks[t] : NULL;
}

TGBOT_API tg_json_type tg_json_type_of(const tg_json_doc *d, uint32_t t) {
    const tg_json_tok *k = tg__json_tok(d, t);
    return k ? (tg_json_type)(k->type & 0xFFu) : TG_JSON_NONE;
}

TGBOT_API uint32_t tg_json_get(const tg_json_doc *d, uint32_t obj, const char *key) {
    const tg_json_tok *o = tg__json_tok(d, obj);
    uint32_t i, k;
    size_t kl;
    if (!o || (o->type & 0xFFu) != TG_JSON_OBJECT || !key) return TG_JSON_NOTFOUND;
    kl = strlen(key);
    for (i = 0, k = obj + 1; i < o->count && k + 1 < d->ntoks; i++, k = d->toks[k + 1].next) {
        const tg_json_tok *kt = &d->toks[k];
        if (kt->len == kl && memcmp(d->buf + kt->start, key, kl) == 0) return k + 1;
    }
    return TG_JSON_NOTFOUND;
}

TGBOT_API uint32_t tg_json_at(const tg_json_doc *d, uint32_t arr, uint32_t idx) {
    const tg_json_tok *a = tg__json_tok(d, arr);
    uint32_t i, k;
    if (!a || (a->type & 0xFFu) != TG_JSON_ARRAY || idx >= a->count) return TG_JSON_NOTFOUND;
    for (i = 0, k = arr + 1; i < idx && k < d->ntoks; i++) k = d->toks[k].next;
    return k < d->ntoks ? k : TG_JSON_NOTFOUND;
}

TGBOT_API uint32_t tg_json_path(const tg_json_doc *d, uint32_t root, const char *path) {
    uint32_t cur = root;
    char key[128];
    if (!path) return TG_JSON_NOTFOUND;
    while (*path && cur != TG_JSON_NOTFOUND) {
        if (*path == '.') { path++; continue; }
        if (*path == '[') {
            uint32_t idx = 0;
            int digits = 0;
            path++;
            while (*path >= '0' && *path <= '9' && idx < 100000000u) { idx = idx * 10 + (uint32_t)(*path++ - '0'); digits++; }
            if (!digits || *path != ']') return TG_JSON_NOTFOUND;
            path++;
            cur = tg_json_at(d, cur, idx);
        } else {
            size_t n = 0;
            while (path[n] && path[n] != '.' && path[n] != '[') n++;
            if (n >= sizeof key) return TG_JSON_NOTFOUND;
            memcpy(key, path, n);
            key[n] = '\0';
            path += n;
            cur = tg_json_get(d, cur, key);
        }
    }
    return cur;
}

TGBOT_API bool tg_json_i64(const tg_json_doc *d, uint32_t t, int64_t *out) {
    const tg_json_tok *k = tg__json_tok(d, t);
    const char *s, *e;
    uint64_t v = 0, lim;
    int neg;
    if (!k || k->type != (TG_JSON_NUMBER | TG__JSON_INT_FLAG)) return false;
    s = d->buf + k->start; e = s + k->len;
    neg = *s == '-';
    if (neg) s++;
    lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; s < e; s++) {
        unsigned dg = (unsigned)(*s - '0');
        if (v > (lim - dg) / 10u) return false;     /* out of range: reported, never wrapped */
        v = v * 10u + dg;
    }
    if (out) *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

static const double tg__pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/* Locale-independent number text → double. Exact fast path (Clinger) for up to 15 significant
   digits and small exponents; otherwise strtod on a copy whose '.' is the locale's point. */
static bool tg__json_strtod(const char *s, size_t n, double *out) {
    const char *p = s, *e = s + n;
    uint64_t mant = 0;
    int digits = 0, exp10 = 0, neg = 0, eneg = 0, ev = 0;
    double v;
    char tmp[512];
    if (p < e && *p == '-') { neg = 1; p++; }
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (digits < 19) { mant = mant * 10u + (uint64_t)(*p - '0'); if (mant) digits++; }
        else { exp10++; digits++; }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            if (digits < 19) { mant = mant * 10u + (uint64_t)(*p - '0'); if (mant) digits++; exp10--; }
            else digits++;
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        for (; p < e && *p >= '0' && *p <= '9'; p++) if (ev < 100000) ev = ev * 10 + (*p - '0');
    }
    exp10 += eneg ? -ev : ev;
    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
        v = (double)mant;
        v = exp10 < 0 ? v / tg__pow10[-exp10] : v * tg__pow10[exp10];
        *out = neg ? -v : v;
        return true;
    }
    if (n >= sizeof tmp) return false;
    {
        const char *dp = localeconv()->decimal_point;
        size_t i;
        char *endp;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        for (i = 0; i < n; i++) if (tmp[i] == '.' && dp && dp[0] && !dp[1]) tmp[i] = dp[0];
        errno = 0;
        v = strtod(tmp, &endp);
        if (endp != tmp + n) return false;
        if (errno == ERANGE && (v > 1.0 || v < -1.0)) return false;   /* overflow */
        *out = v;
        return true;
    }
}

TGBOT_API bool tg_json_f64(const tg_json_doc *d, uint32_t t, double *out) {
    const tg_json_tok *k = tg__json_tok(d, t);
    double v;
    if (!k || (k->type & 0xFFu) != TG_JSON_NUMBER) return false;
    if (!tg__json_strtod(d->buf + k->start, k->len, &v)) return false;
    if (out) *out = v;
    return true;
}

TGBOT_API bool tg_json_bool(const tg_json_doc *d, uint32_t t, bool *out) {
    tg_json_type ty = tg_json_type_of(d, t);
    if (ty != TG_JSON_TRUE && ty != TG_JSON_FALSE) return false;
    if (out) *out = ty == TG_JSON_TRUE;
    return true;
}

TGBOT_API bool tg_json_str(const tg_json_doc *d, uint32_t t, const char **s, size_t *len) {
    const tg_json_tok *k = tg__json_tok(d, t);
    if (!k || (k->type & 0xFFu) != TG_JSON_STRING) return false;
    if (s) *s = d->buf + k->start;
    if (len) *len = k->len;
    return true;
}

TGBOT_API bool tg_json_raw(const tg_json_doc *d, uint32_t t, const char **p, size_t *len) {
    const tg_json_tok *k = tg__json_tok(d, t);
    tg_json_type ty;
    if (!k) return false;
    ty = (tg_json_type)(k->type & 0xFFu);
    if (ty != TG_JSON_NUMBER && ty != TG_JSON_TRUE && ty != TG_JSON_FALSE && ty != TG_JSON_NULL) return false;
    if (p) *p = d->buf + k->start;
    if (len) *len = k->len;
    return true;
}

/* ---- writer ---- */
TGBOT_API void tg_json_writer_init(tg_json_writer *w, char *buf, size_t cap) {
    memset(w, 0, sizeof *w);
    w->buf = buf; w->cap = cap;
    w->first[0] = 1;
    if (!buf || !cap) w->err = TG_ERR_LIMIT; else buf[0] = '\0';
}

TGBOT_API void tg_json_writer_init_grow(tg_json_writer *w, const tg_allocator *a) {
    memset(w, 0, sizeof *w);
    w->alloc = a; w->growable = true;
    w->first[0] = 1;
}

TGBOT_API void tg_json_writer_reset(tg_json_writer *w) {
    w->len = 0; w->depth = 0; w->err = (w->growable || (w->buf && w->cap)) ? TG_OK : TG_ERR_LIMIT;
    w->first[0] = 1;
    if (w->buf && w->cap) w->buf[0] = '\0';
}

TGBOT_API void tg_json_writer_free(tg_json_writer *w) {
    if (w->growable) tg__free(w->alloc, w->buf, w->cap);
    w->buf = NULL; w->cap = w->len = 0;
}

/* makes room for n more bytes plus the NUL */
static int tg__jw_room(tg_json_writer *w, size_t n) {
    size_t need, cap;
    char *p;
    if (w->err) return 0;
    if (n > (size_t)-1 / 4 - w->len) { w->err = TG_ERR_LIMIT; return 0; }
    need = w->len + n + 1;
    if (need <= w->cap) return 1;
    if (!w->growable) { w->err = TG_ERR_LIMIT; return 0; }
    cap = w->cap ? w->cap : 256;
    while (cap < need) cap *= 2;
    p = (char *)tg__realloc(w->alloc, w->buf, w->cap, cap);
    if (!p) { w->err = TG_ERR_NOMEM; return 0; }
    w->buf = p; w->cap = cap;
    return 1;
}

static void tg__jw_put(tg_json_writer *w, const char *s, size_t n) {
    if (!tg__jw_room(w, n)) return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

/* separator before a value: ',' unless first in its container (keys write their own) */
static void tg__jw_sep(tg_json_writer *w) {
    if (w->first[w->depth]) { w->first[w->depth] = 0; return; }
    tg__jw_put(w, ",", 1);
}

static void tg__jw_value_prefix(tg_json_writer *w) {
    /* after a key the value follows directly; the key consumed the separator */
    if (w->first[w->depth] == 2) { w->first[w->depth] = 0; return; }
    tg__jw_sep(w);
}

static void tg__jw_open(tg_json_writer *w, char c) {
    tg__jw_value_prefix(w);
    if (w->depth + 1 >= TG_JSON_WRITER_DEPTH) { if (!w->err) w->err = TG_ERR_LIMIT; return; }
    tg__jw_put(w, &c, 1);
    w->first[++w->depth] = 1;
}

static void tg__jw_close(tg_json_writer *w, char c) {
    if (w->depth == 0) { if (!w->err) w->err = TG_ERR_ARG; return; }
    w->depth--;
    tg__jw_put(w, &c, 1);
}

TGBOT_API void tg_json_obj_begin(tg_json_writer *w) { tg__jw_open(w, '{'); }
TGBOT_API void tg_json_obj_end(tg_json_writer *w) { tg__jw_close(w, '}'); }
TGBOT_API void tg_json_arr_begin(tg_json_writer *w) { tg__jw_open(w, '['); }
TGBOT_API void tg_json_arr_end(tg_json_writer *w) { tg__jw_close(w, ']'); }

static void tg__jw_string(tg_json_writer *w, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    if (!s) { if (!w->err) w->err = TG_ERR_ARG; return; }
    tg__jw_put(w, "\"", 1);
    while (p < e && !w->err) {
        const unsigned char *run = p;
        while (p < e && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) p++;
        if (p > run) tg__jw_put(w, (const char *)run, (size_t)(p - run));
        if (p >= e) break;
        if (*p >= 0x80) {
            size_t l = tg__utf8_seq(p, e);
            if (!l) { w->err = TG_ERR_UTF8; return; }
            tg__jw_put(w, (const char *)p, l);
            p += l;
        } else {
            char esc[6];
            size_t l = 2;
            esc[0] = '\\';
            switch (*p) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default: esc[1] = 'u'; esc[2] = '0'; esc[3] = '0'; esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15]; l = 6;
            }
            tg__jw_put(w, esc, l);
            p++;
        }
    }
    tg__jw_put(w, "\"", 1);
}

TGBOT_API void tg_json_key(tg_json_writer *w, const char *key) {
    tg__jw_sep(w);
    tg__jw_string(w, key, key ? strlen(key) : 0);
    tg__jw_put(w, ":", 1);
    w->first[w->depth] = 2;    /* the value comes next, without a comma */
}

TGBOT_API void tg_json_write_strn(tg_json_writer *w, const char *s, size_t n) {
    tg__jw_value_prefix(w);
    tg__jw_string(w, s, n);
}

TGBOT_API void tg_json_write_str(tg_json_writer *w, const char *s) {
    tg_json_write_strn(w, s, s ? strlen(s) : 0);
}

TGBOT_API void tg_json_write_i64(tg_json_writer *w, int64_t v) {
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { *--p = (char)('0' + u % 10u); u /= 10u; } while (u);
    if (v < 0) *--p = '-';
    tg__jw_value_prefix(w);
    tg__jw_put(w, p, (size_t)(tmp + sizeof tmp - p));
}

TGBOT_API void tg_json_write_f64(tg_json_writer *w, double v) {
    char tmp[40];
    int prec;
    if (v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
        if (!w->err) w->err = TG_ERR_ARG;
        return;
    }
    for (prec = 15; prec <= 17; prec++) {   /* the shortest of these that reads back exactly */
        const char *dp = localeconv()->decimal_point;
        double back;
        size_t i, n;
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        n = strlen(tmp);
        if (dp && dp[0] && dp[0] != '.' && !dp[1])
            for (i = 0; i < n; i++) if (tmp[i] == dp[0]) tmp[i] = '.';
        if (tg__json_strtod(tmp, n, &back) && back == v) break;
    }
    tg__jw_value_prefix(w);
    tg__jw_put(w, tmp, strlen(tmp));
}

TGBOT_API void tg_json_write_bool(tg_json_writer *w, bool v) {
    tg__jw_value_prefix(w);
    tg__jw_put(w, v ? "true" : "false", v ? 4u : 5u);
}

TGBOT_API void tg_json_write_null(tg_json_writer *w) {
    tg__jw_value_prefix(w);
    tg__jw_put(w, "null", 4);
}

TGBOT_API void tg_json_write_raw(tg_json_writer *w, const char *json, size_t n) {
    if (!json || !n) { if (!w->err) w->err = TG_ERR_ARG; return; }
    tg__jw_value_prefix(w);
    tg__jw_put(w, json, n);
}

TGBOT_API tg_err tg_json_merge_object(tg_json_writer *w, const char *obj) {
    const char *b = obj, *e;
    if (!obj) return TG_OK;
    while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n') b++;
    e = b + strlen(b);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) e--;
    if (e - b < 2 || *b != '{' || e[-1] != '}' || w->depth == 0) return TG_ERR_ARG;
    b++; e--;
    while (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')) b++;
    if (b == e) return TG_OK;
    if (!w->first[w->depth]) tg__jw_put(w, ",", 1);
    w->first[w->depth] = 0;
    tg__jw_put(w, b, (size_t)(e - b));
    return w->err;
}

TGBOT_API void tg_json_write_value(tg_json_writer *w, const tg_json_doc *d, uint32_t t) {
    /* iterative: walk tokens in order, closing containers when their `next` is reached */
    uint32_t ends[TG_JSON_WRITER_DEPTH];
    uint8_t isobj[TG_JSON_WRITER_DEPTH];
    uint32_t sp = 0, i, stop;
    const tg_json_tok *k = tg__json_tok(d, t);
    if (!k) { if (!w->err) w->err = TG_ERR_ARG; return; }
    stop = k->next;
    for (i = t; i < stop && !w->err;) {
        const tg_json_tok *c = &d->toks[i];
        tg_json_type ty = (tg_json_type)(c->type & 0xFFu);
        int in_obj_key = sp > 0 && isobj[sp - 1] && w->first[w->depth] != 2;
        if (in_obj_key) {   /* object member: key token then value */
            tg_json_key(w, d->buf + c->start);
            i++;
            continue;
        }
        switch (ty) {
        case TG_JSON_OBJECT: case TG_JSON_ARRAY:
            if (sp >= TG_JSON_WRITER_DEPTH) { w->err = TG_ERR_LIMIT; return; }
            if (ty == TG_JSON_OBJECT) tg_json_obj_begin(w); else tg_json_arr_begin(w);
            ends[sp] = c->next; isobj[sp] = ty == TG_JSON_OBJECT; sp++;
            i++;
            break;
        case TG_JSON_STRING: tg_json_write_strn(w, d->buf + c->start, c->len); i++; break;
        case TG_JSON_NUMBER: tg_json_write_raw(w, d->buf + c->start, c->len); i++; break;
        case TG_JSON_TRUE: tg_json_write_bool(w, true); i++; break;
        case TG_JSON_FALSE: tg_json_write_bool(w, false); i++; break;
        case TG_JSON_NULL: tg_json_write_null(w); i++; break;
        default: w->err = TG_ERR_ARG; return;
        }
        while (sp > 0 && i >= ends[sp - 1]) {
            sp--;
            if (isobj[sp]) tg_json_obj_end(w); else tg_json_arr_end(w);
        }
    }
}

/* ==== src/tls_int.h ==== */
/* tls (internal): one small interface, three backends chosen at compile time (tls_bearssl.c,
   tls_mbedtls.c, tls_none.c). Operates on a connected non-blocking socket. */
typedef struct tg__tls_ctx tg__tls_ctx;   /* trust anchors or server key; session cache */
typedef struct tg__tls tg__tls;           /* one connection */

#define TG__TLS_WANT_READ  (-2)
#define TG__TLS_WANT_WRITE (-3)
#define TG__TLS_FAIL       (-1)

TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err);
TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert_pem_file, const char *key_pem_file,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err);
TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx);
TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *server_name, tg_error *err);
TGBOT__INTERN void tg__tls_free(tg__tls *t);
/* best effort close_notify before the socket closes (lets the server keep the session resumable) */
TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s);
TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err);           /* 0 done, WANT_*, FAIL */
TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *buf, size_t n, tg_error *err);  /* >0, 0 EOF, WANT_*, FAIL */
TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *buf, size_t n, tg_error *err);
TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err);               /* 0 all sent, WANT_WRITE, FAIL */
TGBOT__INTERN bool tg__tls_pending(const tg__tls *t);
TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t);   /* the handshake resumed a saved session */

/* ==== src/tls_bearssl.c ==== */
/* tls_bearssl: the default TLS backend. BearSSL allocates nothing; we give it one record buffer
   per connection (MONO: HTTP/1.1 is half duplex) and pump records over the non-blocking socket.
   Trust anchors come from a PEM bundle (system paths probed) or are compiled in; the validation
   time comes from the platform hook, so tests can move the clock. */
#if TGBOT__TLS_BEARSSL
/* BearSSL's own headers do not pass our warning set; silence them for the include only */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <bearssl.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

struct tg__tls_ctx {
    const tg_allocator *a;
    const tg_platform *plat;
    bool server;
    br_x509_trust_anchor *tas; size_t ntas, tas_cap; bool own_tas;
    /* server side */
    br_x509_certificate *chain; size_t nchain;
    br_skey_decoder_context *skey;
    int issuer_key_type;
    unsigned char *cache_buf; br_ssl_session_cache_lru cache;
    /* client side: one resumable session (one endpoint per client) */
    br_ssl_session_parameters session;
    bool have_session;
};

struct tg__tls {
    tg__tls_ctx *ctx;
    union { br_ssl_client_context c; br_ssl_server_context s; } u;
    br_x509_minimal_context xc;
    br_ssl_engine_context *eng;
    unsigned char saved_id[32]; size_t saved_id_len;
    bool resumed, done;
    unsigned char buf[BR_SSL_BUFSIZE_MONO];
    /* BearSSL asks for a record's 5-byte header and then its body: two recv() per record. Reading
       ahead into ra takes a whole small response in one recv(); records larger than ra still go
       straight into BearSSL's buffer, so the copy stays under sizeof ra per record. */
    unsigned char ra[4096];
    size_t ra_pos, ra_len;
};

typedef struct tg__bytes { unsigned char *p; size_t len, cap; const tg_allocator *a; bool oom; } tg__bytes;
static void tg__bytes_add(void *ctx, const void *data, size_t n) {
    tg__bytes *b = (tg__bytes *)ctx;
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        unsigned char *q;
        while (nc < b->len + n) nc *= 2;
        q = (unsigned char *)tg__realloc(b->a, b->p, b->cap, nc);
        if (!q) { b->oom = true; return; }
        b->p = q; b->cap = nc;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void *tg__dup(const tg_allocator *a, const void *p, size_t n) {
    void *q = tg__alloc(a, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

/* DER certificate → trust anchor (DN and public key copied) */
static int tg__ta_add(tg__tls_ctx *ctx, const unsigned char *der, size_t len) {
    br_x509_decoder_context dc;
    tg__bytes dn;
    const br_x509_pkey *pk;
    br_x509_trust_anchor ta;
    memset(&dn, 0, sizeof dn);
    dn.a = ctx->a;
    br_x509_decoder_init(&dc, tg__bytes_add, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (!pk || dn.oom) { tg__free(ctx->a, dn.p, dn.cap); return 0; }   /* skip what we cannot use */
    memset(&ta, 0, sizeof ta);
    ta.dn.data = dn.p; ta.dn.len = dn.len;
    ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta.pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta.pkey.key.rsa.n = (unsigned char *)tg__dup(ctx->a, pk->key.rsa.n, pk->key.rsa.nlen);
        ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta.pkey.key.rsa.e = (unsigned char *)tg__dup(ctx->a, pk->key.rsa.e, pk->key.rsa.elen);
        ta.pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        ta.pkey.key.ec.curve = pk->key.ec.curve;
        ta.pkey.key.ec.q = (unsigned char *)tg__dup(ctx->a, pk->key.ec.q, pk->key.ec.qlen);
        ta.pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    if (ctx->ntas == ctx->tas_cap) {
        size_t nc = ctx->tas_cap ? ctx->tas_cap * 2 : 64;
        br_x509_trust_anchor *q = (br_x509_trust_anchor *)tg__realloc(ctx->a, ctx->tas,
            ctx->tas_cap * sizeof *q, nc * sizeof *q);
        if (!q) return -1;
        ctx->tas = q; ctx->tas_cap = nc;
    }
    ctx->tas[ctx->ntas++] = ta;
    return 1;
}

typedef int (*tg__pem_fn)(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len);

/* Streams PEM text through BearSSL's decoder, handing each object to fn. */
static int tg__pem_each(tg__tls_ctx *ctx, const unsigned char *pem, size_t len, tg__pem_fn fn) {
    br_pem_decoder_context pc;
    tg__bytes der;
    char name[128];
    bool in = false, tail = false;
    int objs = 0;
    memset(&der, 0, sizeof der);
    der.a = ctx->a;
    br_pem_decoder_init(&pc);
    while (len > 0 || !tail) {
        size_t n;
        if (len == 0) { pem = (const unsigned char *)"\n"; len = 1; tail = true; }   /* files without a final newline */
        n = br_pem_decoder_push(&pc, pem, len);
        pem += n; len -= n;
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
            der.len = 0; der.oom = false;
            br_pem_decoder_setdest(&pc, tg__bytes_add, &der);
            in = true;
            break;
        case BR_PEM_END_OBJ:
            if (in && !der.oom) { int r = fn(ctx, name, der.p, der.len); if (r < 0) { objs = -1; goto out; } objs += r; }
            in = false;
            break;
        case BR_PEM_ERROR:
            objs = -1;
            goto out;
        default: break;
        }
    }
out:
    tg__free(ctx->a, der.p, der.cap);
    return objs;
}

static int tg__pem_cert_to_ta(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len) {
    if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) return 0;
    return tg__ta_add(ctx, der, len);
}

static int tg__read_file(const tg_allocator *a, const char *path, unsigned char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    tg__bytes b;
    unsigned char tmp[4096];
    size_t n;
    if (!f) return -1;
    memset(&b, 0, sizeof b);
    b.a = a;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) tg__bytes_add(&b, tmp, n);
    fclose(f);
    if (b.oom) { tg__free(a, b.p, b.cap); return -1; }
    *out = b.p; *len = b.len;
    return 0;
}

static void tg__free_tas(tg__tls_ctx *ctx) {
    size_t i;
    if (!ctx->own_tas) return;
    for (i = 0; i < ctx->ntas; i++) {
        br_x509_trust_anchor *t = &ctx->tas[i];
        tg__free(ctx->a, t->dn.data, t->dn.len);
        if (t->pkey.key_type == BR_KEYTYPE_RSA) {
            tg__free(ctx->a, t->pkey.key.rsa.n, t->pkey.key.rsa.nlen);
            tg__free(ctx->a, t->pkey.key.rsa.e, t->pkey.key.rsa.elen);
        } else {
            tg__free(ctx->a, t->pkey.key.ec.q, t->pkey.key.ec.qlen);
        }
    }
    tg__free(ctx->a, ctx->tas, ctx->tas_cap * sizeof *ctx->tas);
    ctx->tas = NULL; ctx->ntas = ctx->tas_cap = 0;
}

TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err) {
    static const char *const probe[] = { "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", "/usr/local/share/certs/ca-root-nss.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", NULL };
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a; ctx->plat = plat;
    if (o && o->anchors && o->anchors_count) {            /* compiled-in anchors: used as they are */
        ctx->tas = (br_x509_trust_anchor *)(uintptr_t)o->anchors;
        ctx->ntas = o->anchors_count;
    } else {
        int n = -1, i;
        const char *used = NULL;
        ctx->own_tas = true;
        if (o && o->ca_pem) {
            n = tg__pem_each(ctx, (const unsigned char *)o->ca_pem, strlen(o->ca_pem), tg__pem_cert_to_ta);
            used = "the CA PEM text";
        } else {
            for (i = 0; probe[i] || (o && o->ca_file && i == 0); i++) {
                const char *path = (o && o->ca_file) ? o->ca_file : probe[i];
                unsigned char *pem;
                size_t len;
                if (tg__read_file(a, path, &pem, &len) == 0) {
                    n = tg__pem_each(ctx, pem, len, tg__pem_cert_to_ta);
                    tg__free(a, pem, len);
                    used = path;
                    break;
                }
                if (o && o->ca_file) { used = path; break; }
            }
        }
        if (n <= 0) {
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "no trust anchors loaded from %s",
                          used ? used : "the system CA bundle (none of the usual paths exists)");
            tg__tls_ctx_free(ctx);
            return TG_ERR_TLS;
        }
    }
    *out = ctx;
    return TG_OK;
}

static int tg__pem_server(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len) {
    if (strcmp(name, "CERTIFICATE") == 0) {
        br_x509_certificate *q = (br_x509_certificate *)tg__realloc(ctx->a, ctx->chain,
            ctx->nchain * sizeof *q, (ctx->nchain + 1) * sizeof *q);
        if (!q) return -1;
        ctx->chain = q;
        q[ctx->nchain].data = (unsigned char *)tg__dup(ctx->a, der, len);
        q[ctx->nchain].data_len = len;
        if (ctx->nchain == 0) {   /* who signed the leaf decides the server's suite set */
            br_x509_decoder_context dc;
            br_x509_decoder_init(&dc, NULL, NULL);
            br_x509_decoder_push(&dc, der, len);
            ctx->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
        }
        ctx->nchain++;
        return 1;
    }
    if (strstr(name, "PRIVATE KEY")) {
        if (!ctx->skey) ctx->skey = (br_skey_decoder_context *)tg__alloc(ctx->a, sizeof *ctx->skey);
        if (!ctx->skey) return -1;
        br_skey_decoder_init(ctx->skey);
        br_skey_decoder_push(ctx->skey, der, len);
        return br_skey_decoder_key_type(ctx->skey) ? 1 : -1;
    }
    return 0;
}

TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert_file, const char *key_file,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err) {
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    const char *files[2];
    int i;
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a; ctx->plat = plat; ctx->server = true;
    files[0] = cert_file; files[1] = key_file;
    for (i = 0; i < 2; i++) {
        unsigned char *pem;
        size_t len;
        int n;
        if (!files[i] || tg__read_file(a, files[i], &pem, &len) != 0) {
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "cannot read the webhook %s file", i ? "key" : "certificate");
            tg__tls_ctx_free(ctx);
            return TG_ERR_TLS;
        }
        n = tg__pem_each(ctx, pem, len, tg__pem_server);
        tg__free(a, pem, len);
        if (n <= 0) {
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "the webhook %s file holds no usable PEM object", i ? "key" : "certificate");
            tg__tls_ctx_free(ctx);
            return TG_ERR_TLS;
        }
    }
    if (!ctx->nchain || !ctx->skey || !br_skey_decoder_key_type(ctx->skey)) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "webhook TLS needs a certificate and its private key");
        tg__tls_ctx_free(ctx);
        return TG_ERR_TLS;
    }
    ctx->cache_buf = (unsigned char *)tg__alloc(a, 16384);
    if (!ctx->cache_buf) { tg__tls_ctx_free(ctx); return TG_ERR_NOMEM; }
    br_ssl_session_cache_lru_init(&ctx->cache, ctx->cache_buf, 16384);
    *out = ctx;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx) {
    size_t i;
    if (!ctx) return;
    tg__free_tas(ctx);
    for (i = 0; i < ctx->nchain; i++) tg__free(ctx->a, ctx->chain[i].data, ctx->chain[i].data_len);
    tg__free(ctx->a, ctx->chain, ctx->nchain * sizeof *ctx->chain);
    if (ctx->skey) { tg__wipe(ctx->skey, sizeof *ctx->skey); tg__free(ctx->a, ctx->skey, sizeof *ctx->skey); }
    tg__free(ctx->a, ctx->cache_buf, 16384);
    tg__wipe(&ctx->session, sizeof ctx->session);
    tg__free(ctx->a, ctx, sizeof *ctx);
}

TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *server_name, tg_error *err) {
    tg__tls *t = (tg__tls *)tg__alloc(ctx->a, sizeof *t);
    int ok;
    *out = NULL;
    if (!t) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_TLS, "out of memory"); return TG_ERR_NOMEM; }
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    if (ctx->server) {
        br_ssl_server_context *sc = &t->u.s;
        if (br_skey_decoder_key_type(ctx->skey) == BR_KEYTYPE_RSA)
            br_ssl_server_init_full_rsa(sc, ctx->chain, ctx->nchain, br_skey_decoder_get_rsa(ctx->skey));
        else
            br_ssl_server_init_full_ec(sc, ctx->chain, ctx->nchain,
                                       (unsigned)(ctx->issuer_key_type ? ctx->issuer_key_type : BR_KEYTYPE_EC),
                                       br_skey_decoder_get_ec(ctx->skey));
        t->eng = &sc->eng;
        br_ssl_engine_set_buffer(t->eng, t->buf, sizeof t->buf, 0);
        br_ssl_server_set_cache(sc, &ctx->cache.vtable);
        ok = br_ssl_server_reset(sc);
    } else {
        br_ssl_client_context *cc = &t->u.c;
        int64_t now = tg__wall_time(ctx->plat);
        br_ssl_client_init_full(cc, &t->xc, ctx->tas, ctx->ntas);
        /* BearSSL offers ChaCha20 first, the right choice without AES hardware. With AES-NI and
           carry-less multiply, AES-GCM costs a fraction of it, so offer that first (as OpenSSL does). */
        if (br_aes_x86ni_ctr_get_vtable() && br_ghash_pclmul_get()) {
            static const uint16_t gcm_first[] = {
                BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
                BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
                BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
                BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
                BR_TLS_RSA_WITH_AES_128_GCM_SHA256, BR_TLS_RSA_WITH_AES_256_GCM_SHA384,
                BR_TLS_RSA_WITH_AES_128_CBC_SHA256, BR_TLS_RSA_WITH_AES_256_CBC_SHA256,
                BR_TLS_RSA_WITH_AES_128_CBC_SHA, BR_TLS_RSA_WITH_AES_256_CBC_SHA
            };
            br_ssl_engine_set_suites(&cc->eng, gcm_first, sizeof gcm_first / sizeof gcm_first[0]);
        }
        /* days since 0000-01-01 and seconds in the day */
        br_x509_minimal_set_time(&t->xc, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
        t->eng = &cc->eng;
        br_ssl_engine_set_buffer(t->eng, t->buf, sizeof t->buf, 0);
        if (ctx->have_session) {
            br_ssl_engine_set_session_parameters(t->eng, &ctx->session);
            memcpy(t->saved_id, ctx->session.session_id, ctx->session.session_id_len);
            t->saved_id_len = ctx->session.session_id_len;
        }
        ok = br_ssl_client_reset(cc, server_name, ctx->have_session ? 1 : 0);
    }
    if (!ok) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "TLS engine reset failed (error %d)", br_ssl_engine_last_error(t->eng));
        tg__free(ctx->a, t, sizeof *t);
        return TG_ERR_TLS;
    }
    *out = t;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_free(tg__tls *t) {
    if (!t) return;
    tg__wipe(t->buf, sizeof t->buf);
    tg__free(t->ctx->a, t, sizeof *t);
}

TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s) {
    int i;
    if (!t->done) return;
    br_ssl_engine_close(t->eng);
    for (i = 0; i < 4 && (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC); i++) {
        size_t len;
        unsigned char *b = br_ssl_engine_sendrec_buf(t->eng, &len);
        long r = tg__sock_send(s, b, len);
        if (r <= 0) break;
        br_ssl_engine_sendrec_ack(t->eng, (size_t)r);
    }
}

static int tg__br_fail(tg__tls *t, tg_error *err) {
    int e = br_ssl_engine_last_error(t->eng);
    tg_err code = TG_ERR_TLS;
    const char *why = "TLS failure";
    switch (e) {
    case BR_ERR_X509_NOT_TRUSTED: code = TG_ERR_TLS_UNTRUSTED; why = "certificate chain does not lead to a trusted CA"; break;
    case BR_ERR_X509_BAD_SERVER_NAME: code = TG_ERR_TLS_HOSTNAME; why = "certificate is not valid for the server name"; break;
    case BR_ERR_X509_EXPIRED: code = TG_ERR_TLS_EXPIRED; why = "certificate expired or not yet valid"; break;
    case BR_ERR_X509_NOT_CA: case BR_ERR_X509_BAD_SIGNATURE: case BR_ERR_X509_CRITICAL_EXTENSION:
        code = TG_ERR_TLS_UNTRUSTED; why = "certificate chain is invalid"; break;
    case BR_ERR_BAD_VERSION: why = "peer does not speak TLS 1.0-1.2"; break;
    case BR_ERR_BAD_CIPHER_SUITE: case BR_ERR_NO_CLIENT_AUTH: why = "no common cipher suite"; break;
    case BR_ERR_BAD_MAC: why = "record authentication failed"; break;
    case BR_ERR_IO: code = TG_ERR_IO; why = "socket error during TLS"; break;
    default:
        if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_RECV_FATAL_ALERT + 256) why = "peer sent a fatal alert";
        else if (e >= BR_ERR_SEND_FATAL_ALERT) why = "local fatal alert";
        break;
    }
    tg__error_set(err, code, TG_PHASE_TLS, "TLS: %s (BearSSL error %d)", why, e);
    if (err) err->tls_code = e;
    return TG__TLS_FAIL;
}

/* fills BearSSL's record buffer from the read-ahead, or from the socket */
static long tg__br_recv(tg__tls *t, tg__sock s, unsigned char *b, size_t len) {
    long r;
    if (t->ra_pos == t->ra_len) {
        if (len >= sizeof t->ra) return tg__sock_recv(s, b, len);
        r = tg__sock_recv(s, t->ra, sizeof t->ra);
        if (r <= 0) return r;
        t->ra_pos = 0; t->ra_len = (size_t)r;
    }
    r = (long)TGBOT__MIN(len, t->ra_len - t->ra_pos);
    memcpy(b, t->ra + t->ra_pos, (size_t)r);
    t->ra_pos += (size_t)r;
    return r;
}

/* moves records between the engine and the socket; 1 progress, WANT_*, 0 closed, FAIL */
static int tg__br_pump(tg__tls *t, tg__sock s, bool want_app_read, tg_error *err) {
    unsigned st = br_ssl_engine_current_state(t->eng);
    if (st & BR_SSL_CLOSED) return br_ssl_engine_last_error(t->eng) ? tg__br_fail(t, err) : 0;
    if (st & BR_SSL_SENDREC) {
        size_t len;
        unsigned char *b = br_ssl_engine_sendrec_buf(t->eng, &len);
        long r = tg__sock_send(s, b, len);
        if (r == TG__WOULDBLOCK) return TG__TLS_WANT_WRITE;
        if (r < 0) {
            int en = errno;
            tg__error_set(err, en == EPIPE || en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, TG_PHASE_TLS, "send failed: %s", strerror(en));
            if (err) err->sys_errno = en;
            br_ssl_engine_close(t->eng);
            return TG__TLS_FAIL;
        }
        br_ssl_engine_sendrec_ack(t->eng, (size_t)r);
        return 1;
    }
    if ((st & BR_SSL_RECVREC) && (want_app_read || !(st & BR_SSL_SENDAPP) || !t->done)) {
        size_t len;
        unsigned char *b = br_ssl_engine_recvrec_buf(t->eng, &len);
        long r = tg__br_recv(t, s, b, len);
        if (r == TG__WOULDBLOCK) return TG__TLS_WANT_READ;
        if (r == 0) {
            /* TCP closed without close_notify: an EOF for HTTP framing to judge */
            return t->done ? 0 : (tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_TLS, "connection closed during the TLS handshake"), TG__TLS_FAIL);
        }
        if (r < 0) {
            int en = errno;
            tg__error_set(err, en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, TG_PHASE_TLS, "receive failed: %s", strerror(en));
            if (err) err->sys_errno = en;
            return TG__TLS_FAIL;
        }
        br_ssl_engine_recvrec_ack(t->eng, (size_t)r);
        return 1;
    }
    return TG__TLS_WANT_READ;
}

TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if ((st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) && !(st & BR_SSL_SENDREC)) {
            if (!t->done && !t->ctx->server) {
                br_ssl_session_parameters sp;
                br_ssl_engine_get_session_parameters(t->eng, &sp);
                t->resumed = t->saved_id_len && sp.session_id_len == t->saved_id_len &&
                             memcmp(sp.session_id, t->saved_id, t->saved_id_len) == 0;
                t->ctx->session = sp;
                t->ctx->have_session = true;
                tg__wipe(&sp, sizeof sp);
            }
            t->done = true;
            return 0;
        }
        r = tg__br_pump(t, s, false, err);
        if (r == 0) {
            if (br_ssl_engine_last_error(t->eng)) return tg__br_fail(t, err);
            tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_TLS, "TLS connection closed during the handshake");
            return TG__TLS_FAIL;
        }
        if (r < 0) return r;
    }
}

TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *buf, size_t n, tg_error *err) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if (st & BR_SSL_RECVAPP) {
            size_t len;
            unsigned char *b = br_ssl_engine_recvapp_buf(t->eng, &len);
            if (len > n) len = n;
            memcpy(buf, b, len);
            br_ssl_engine_recvapp_ack(t->eng, len);
            return (long)len;
        }
        r = tg__br_pump(t, s, true, err);
        if (r == 0) return 0;
        if (r < 0) return r;
    }
}

TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *buf, size_t n, tg_error *err) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if (st & BR_SSL_SENDAPP) {
            size_t len;
            unsigned char *b = br_ssl_engine_sendapp_buf(t->eng, &len);
            if (len > n) len = n;
            memcpy(b, buf, len);
            br_ssl_engine_sendapp_ack(t->eng, len);
            return (long)len;
        }
        r = tg__br_pump(t, s, false, err);
        if (r == 0) { tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_SEND, "TLS connection closed"); return TG__TLS_FAIL; }
        if (r < 0) return r;
    }
}

TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err) {
    br_ssl_engine_flush(t->eng, 0);
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if (!(st & BR_SSL_SENDREC)) return 0;
        r = tg__br_pump(t, s, false, err);
        if (r == 0) { tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_SEND, "TLS connection closed"); return TG__TLS_FAIL; }
        if (r < 0) return r;
    }
}

TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) {
    return (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) != 0 || t->ra_pos < t->ra_len;
}

TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t) { return t->resumed; }
#endif

/* ==== src/tls_mbedtls.c ==== */
/* tls_mbedtls: the TGBOT_TLS_MBEDTLS backend (mbedTLS 2.28+). Same interface as BearSSL's.
   mbedTLS checks certificate validity against the system clock (it has no per-connection time
   hook without MBEDTLS_PLATFORM_TIME_ALT), so the platform wall_time hook does not apply here. */
#if TGBOT__TLS_MBEDTLS
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wconversion"
#endif
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/pk.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

struct tg__tls_ctx {
    const tg_allocator *a;
    bool server;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca, own;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_cache_context cache;
    mbedtls_ssl_session session;
    bool have_session;
};

struct tg__tls {
    tg__tls_ctx *ctx;
    mbedtls_ssl_context ssl;
    tg__sock fd;
    bool resumed, done;
    /* mbedTLS asks for a record's 5-byte header, then its body: reading ahead makes a small
       response one recv() instead of two (large reads still go straight into mbedTLS's buffer) */
    unsigned char ra[4096];
    size_t ra_pos, ra_len;
};

static int tg__mb_send(void *p, const unsigned char *buf, size_t n) {
    tg__tls *t = (tg__tls *)p;
    long r = tg__sock_send(t->fd, buf, n);
    if (r == TG__WOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (r < 0) return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
    return (int)r;
}

static int tg__mb_recv(void *p, unsigned char *buf, size_t n) {
    tg__tls *t = (tg__tls *)p;
    long r = 0;
    if (t->ra_pos == t->ra_len) {
        if (n >= sizeof t->ra) r = tg__sock_recv(t->fd, buf, n);
        else if ((r = tg__sock_recv(t->fd, t->ra, sizeof t->ra)) > 0) { t->ra_pos = 0; t->ra_len = (size_t)r; }
    }
    if (t->ra_pos < t->ra_len) {   /* serve from the read-ahead */
        r = (long)TGBOT__MIN(n, t->ra_len - t->ra_pos);
        memcpy(buf, t->ra + t->ra_pos, (size_t)r);
        t->ra_pos += (size_t)r;
    }
    if (r == TG__WOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (r < 0) return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
    return (int)r;
}

static tg_err tg__mb_common(tg__tls_ctx *ctx, int endpoint, tg_error *err) {
    static const char pers[] = "tgbot.h";
    int r;
    mbedtls_ssl_config_init(&ctx->conf);
    mbedtls_x509_crt_init(&ctx->ca);
    mbedtls_x509_crt_init(&ctx->own);
    mbedtls_pk_init(&ctx->key);
    mbedtls_entropy_init(&ctx->entropy);
    mbedtls_ctr_drbg_init(&ctx->drbg);
    mbedtls_ssl_cache_init(&ctx->cache);
    mbedtls_ssl_session_init(&ctx->session);
    if ((r = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
                                   (const unsigned char *)pers, sizeof pers - 1)) != 0 ||
        (r = mbedtls_ssl_config_defaults(&ctx->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "mbedTLS set-up failed (-0x%04x)", (unsigned)-r);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
    mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    return TG_OK;
}

TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err) {
    static const char *const probe[] = { "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", "/usr/local/share/certs/ca-root-nss.crt", NULL };
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    int r = -1, i;
    tg_err e;
    (void)plat;
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a;
    if ((e = tg__mb_common(ctx, MBEDTLS_SSL_IS_CLIENT, err)) != TG_OK) { tg__tls_ctx_free(ctx); return e; }
    if (o && o->anchors && o->anchors_count) {
        tg__error_set(err, TG_ERR_UNSUPPORTED, TG_PHASE_TLS, "compiled-in anchors are a BearSSL feature; give ca_pem instead");
        tg__tls_ctx_free(ctx);
        return TG_ERR_UNSUPPORTED;
    }
    if (o && o->ca_pem) r = mbedtls_x509_crt_parse(&ctx->ca, (const unsigned char *)o->ca_pem, strlen(o->ca_pem) + 1);
    else if (o && o->ca_file) r = mbedtls_x509_crt_parse_file(&ctx->ca, o->ca_file);
    else for (i = 0; probe[i] && r < 0; i++) r = mbedtls_x509_crt_parse_file(&ctx->ca, probe[i]);
    if (r < 0 && ctx->ca.version == 0) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "no trust anchors loaded (-0x%04x)", (unsigned)-r);
        tg__tls_ctx_free(ctx);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
    mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    *out = ctx;
    return TG_OK;
}

TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert_file, const char *key_file,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err) {
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    int r;
    tg_err e;
    (void)plat;
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a;
    ctx->server = true;
    if ((e = tg__mb_common(ctx, MBEDTLS_SSL_IS_SERVER, err)) != TG_OK) { tg__tls_ctx_free(ctx); return e; }
    if (!cert_file || !key_file || (r = mbedtls_x509_crt_parse_file(&ctx->own, cert_file)) != 0 ||
        (r = mbedtls_pk_parse_keyfile(&ctx->key, key_file, NULL)) != 0 ||
        (r = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->own, &ctx->key)) != 0) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "cannot load the webhook certificate or key");
        tg__tls_ctx_free(ctx);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_conf_session_cache(&ctx->conf, &ctx->cache, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
    *out = ctx;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx) {
    if (!ctx) return;
    mbedtls_ssl_session_free(&ctx->session);
    mbedtls_ssl_cache_free(&ctx->cache);
    mbedtls_ssl_config_free(&ctx->conf);
    mbedtls_x509_crt_free(&ctx->ca);
    mbedtls_x509_crt_free(&ctx->own);
    mbedtls_pk_free(&ctx->key);
    mbedtls_ctr_drbg_free(&ctx->drbg);
    mbedtls_entropy_free(&ctx->entropy);
    tg__free(ctx->a, ctx, sizeof *ctx);
}

TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *server_name, tg_error *err) {
    tg__tls *t = (tg__tls *)tg__alloc(ctx->a, sizeof *t);
    *out = NULL;
    if (!t) return TG_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    t->fd = TG__SOCK_INVALID;
    mbedtls_ssl_init(&t->ssl);
    if (mbedtls_ssl_setup(&t->ssl, &ctx->conf) != 0 ||
        (server_name && mbedtls_ssl_set_hostname(&t->ssl, server_name) != 0) ||
        (!ctx->server && ctx->have_session && mbedtls_ssl_set_session(&t->ssl, &ctx->session) != 0)) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "mbedTLS connection set-up failed");
        mbedtls_ssl_free(&t->ssl);
        tg__free(ctx->a, t, sizeof *t);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, tg__mb_send, tg__mb_recv, NULL);
    *out = t;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_free(tg__tls *t) {
    if (!t) return;
    mbedtls_ssl_free(&t->ssl);
    tg__free(t->ctx->a, t, sizeof *t);
}

TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s) {
    if (!t->done) return;
    t->fd = s;
    (void)mbedtls_ssl_close_notify(&t->ssl);
}

static long tg__mb_fail(tg__tls *t, int r, tg_error *err) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
    tg_err code = TG_ERR_TLS;
    const char *why = "TLS failure";
    if (r == MBEDTLS_ERR_SSL_WANT_READ) return TG__TLS_WANT_READ;
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return TG__TLS_WANT_WRITE;
    if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != (uint32_t)-1) {
        if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) { code = TG_ERR_TLS_EXPIRED; why = "certificate expired or not yet valid"; }
        else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) { code = TG_ERR_TLS_HOSTNAME; why = "certificate is not valid for the server name"; }
        else { code = TG_ERR_TLS_UNTRUSTED; why = "certificate chain does not lead to a trusted CA"; }
    } else if (r == MBEDTLS_ERR_NET_CONN_RESET || r == MBEDTLS_ERR_NET_SEND_FAILED || r == MBEDTLS_ERR_NET_RECV_FAILED) {
        code = r == MBEDTLS_ERR_NET_CONN_RESET ? TG_ERR_CLOSED : TG_ERR_IO; why = "socket error during TLS";
    }
    tg__error_set(err, code, TG_PHASE_TLS, "TLS: %s (mbedTLS -0x%04x)", why, (unsigned)-r);
    if (err) err->tls_code = r;
    return TG__TLS_FAIL;
}

TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err) {
    int r;
    t->fd = s;
    r = mbedtls_ssl_handshake(&t->ssl);
    if (r != 0) return (int)tg__mb_fail(t, r, err);
    if (!t->done && !t->ctx->server) {
        const mbedtls_ssl_session *now = t->ssl.session;
        /* a resumed session keeps its master secret; the session ID is no evidence, because with a
           ticket the client makes up a fresh ID for every ClientHello */
        t->resumed = t->ctx->have_session && now &&
                     memcmp(now->master, t->ctx->session.master, sizeof now->master) == 0;
        mbedtls_ssl_session_free(&t->ctx->session);
        mbedtls_ssl_session_init(&t->ctx->session);
        t->ctx->have_session = mbedtls_ssl_get_session(&t->ssl, &t->ctx->session) == 0;
    }
    t->done = true;
    return 0;
}

TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *buf, size_t n, tg_error *err) {
    int r;
    t->fd = s;
    r = mbedtls_ssl_read(&t->ssl, (unsigned char *)buf, n);
    if (r > 0) return r;
    if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return 0;
    return tg__mb_fail(t, r, err);
}

TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *buf, size_t n, tg_error *err) {
    int r;
    t->fd = s;
    r = mbedtls_ssl_write(&t->ssl, (const unsigned char *)buf, n);
    if (r >= 0) return r;
    return tg__mb_fail(t, r, err);
}

TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err) {
    (void)t; (void)s; (void)err;   /* mbedtls_ssl_write sends whole records itself */
    return 0;
}

TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) {
    return mbedtls_ssl_get_bytes_avail(&t->ssl) > 0 || t->ra_pos < t->ra_len;
}
TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t) { return t->resumed; }
#endif

/* ==== src/tls_none.c ==== */
/* tls_none: the TGBOT_TLS_NONE backend. https:// base URLs fail clearly at bot creation. */
#if TGBOT__TLS_NONE
static tg_err tg__tls_unsupported(tg_error *err) {
    tg__error_set(err, TG_ERR_UNSUPPORTED, TG_PHASE_TLS, "TLS is not available: built with TGBOT_TLS_NONE");
    return TG_ERR_UNSUPPORTED;
}
TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err) {
    (void)o; (void)a; (void)plat; *out = NULL;
    return tg__tls_unsupported(err);
}
TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert, const char *key,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err) {
    (void)cert; (void)key; (void)a; (void)plat; *out = NULL;
    return tg__tls_unsupported(err);
}
TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx) { (void)ctx; }
TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *name, tg_error *err) {
    (void)ctx; (void)name; *out = NULL;
    return tg__tls_unsupported(err);
}
TGBOT__INTERN void tg__tls_free(tg__tls *t) { (void)t; }
TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s) { (void)t; (void)s; }
TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err) {
    (void)t; (void)s; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *b, size_t n, tg_error *err) {
    (void)t; (void)s; (void)b; (void)n; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *b, size_t n, tg_error *err) {
    (void)t; (void)s; (void)b; (void)n; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err) {
    (void)t; (void)s; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) { (void)t; return false; }
TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t) { (void)t; return false; }
#endif

/* ==== src/http_int.h ==== */
/* http (internal): the HTTP/1.1 client engine and the message-head parser the webhook server shares. */
typedef struct tg__http_config {
    const char *base_url;          /* "https://api.telegram.org" or "http://127.0.0.1:8081/prefix" */
    tg_proxy proxy;
    tg_tls_options tls;
    tg_http_limits limits;
    tg_timeouts timeouts;
    const tg_allocator *alloc;
    const tg_logger *log;
    const tg_platform *plat;
} tg__http_config;

typedef struct tg__http_client tg__http_client;

typedef struct tg__http_part {     /* one multipart/form-data field: text or a file */
    const char *name;
    const char *value; size_t value_len;
    const tg_input_file *file;
} tg__http_part;

typedef struct tg__http_request {
    const char *method;            /* "GET" or "POST" */
    const char *path;              /* appended to the base path; SECRET (holds the token): never logged */
    const char *content_type;
    const char *body; size_t body_len;
    const tg__http_part *parts; size_t nparts;   /* nparts > 0: multipart/form-data, streamed */
    uint32_t timeout_ms;           /* 0 = the configured request timeout */
    size_t max_body_bytes;         /* 0 = the configured limit (file downloads set their own) */
} tg__http_request;

typedef struct tg__http_response {
    int status;
    char *body; size_t body_len;   /* writable, owned by the client until its next request; body[body_len] == 0 */
    const char *content_type;      /* NUL-terminated copy, "" if absent */
} tg__http_response;

TGBOT__INTERN tg_err tg__http_client_new(tg__http_client **out, const tg__http_config *cfg, tg_error *err);
/* err->request_sent is false only when no byte of the request can have reached the server */
TGBOT__INTERN tg_err tg__http_do(tg__http_client *c, const tg__http_request *rq, tg__http_response *rs, tg_error *err);
TGBOT__INTERN void tg__http_client_free(tg__http_client *c);
TGBOT__INTERN uint32_t tg__http_connections_opened(const tg__http_client *c);   /* for tests: keep-alive reuse */
TGBOT__INTERN bool tg__http_tls_resumed(const tg__http_client *c);

/* message head parser, for responses (client) and requests (webhook server) */
#define TG__HTTP_MAX_HEADERS 100
typedef struct tg__http_head {
    tg_str method, target;         /* requests */
    int status;                    /* responses */
    int minor;                     /* HTTP/1.x */
    tg_str name[TG__HTTP_MAX_HEADERS], value[TG__HTTP_MAX_HEADERS];
    uint32_t nheaders;
    int64_t content_length;        /* -1 when absent */
    bool chunked, keep_alive, expect_continue;
    size_t head_len;               /* bytes of the head including the blank line */
} tg__http_head;
/* 1 complete, 0 incomplete, -1 error (err filled: TG_ERR_HTTP or TG_ERR_LIMIT, naming where) */
TGBOT__INTERN int tg__http_parse_head(const char *buf, size_t len, bool request, const tg_http_limits *lim,
                                      tg__http_head *h, tg_error *err);
TGBOT__INTERN const tg_str *tg__http_header(const tg__http_head *h, const char *name);
/* decodes a chunked body in place; returns 1 done (*out_len decoded, *consumed raw), 0 need more, -1 bad */
TGBOT__INTERN int tg__http_dechunk(char *buf, size_t len, size_t *state_pos, size_t *out_len,
                                   size_t *consumed, tg_error *err);

/* ==== src/http.c ==== */
/* http: the HTTP/1.1 client. One non-blocking engine (tg__xfer_step) moves a request through
   resolve → connect → proxy → TLS → send → head → body; tg__http_do drives it with poll() until it
   finishes. A keep-alive connection is reused; a stale one is replaced only before any byte of the
   request was written, and err->request_sent says honestly whether the server may have it. */

#define TG__HTTP_STAGE 16384u

typedef enum tg__xstate {
    TG__X_RESOLVE, TG__X_CONNECT, TG__X_PROXY, TG__X_TLS, TG__X_SEND, TG__X_HEAD, TG__X_BODY, TG__X_DONE
} tg__xstate;

typedef struct tg__seg { size_t off; size_t len; const tg_input_file *file; } tg__seg;  /* off: into mp */

struct tg__http_client {
    const tg_allocator *alloc;
    const tg_logger *log;
    const tg_platform *plat;
    tg_http_limits lim;
    size_t body_limit;    /* this request's: lim.max_body_bytes or the request's own */
    tg_timeouts to;
    bool https;
    char *host, *prefix, *sni;
    tg__buf fixed_hdr;    /* "Host: ...\r\nUser-Agent: ...\r\nAccept: ...\r\n", the same for every request */
    uint16_t port;
    tg_proxy_type ptype;
    char *phost, *puser, *ppass;
    uint16_t pport;
    tg__tls_ctx *tls_ctx;
    /* the connection */
    tg__sock fd;
    tg__tls *tls;
    uint64_t idle_since;
    uint32_t opened;
    /* buffers, reused across requests */
    tg__buf out;          /* request head (+ small body) */
    tg__buf pout;         /* proxy handshake messages (the request in out waits for the tunnel) */
    tg__buf in;           /* response */
    tg__buf mp;           /* multipart part headers */
    tg__buf segs;         /* tg__seg[] */
    char *stage;          /* file/stream reads */
    char ctype[128];
    /* the exchange in progress */
    tg__xstate st;
    tg__addr *addrs, *addr;
    int pstage;           /* proxy handshake step */
    size_t out_pos;       /* bytes of out already written */
    size_t seg_i, seg_pos;
    struct { const char *p; size_t n; } q[3];   /* body pieces being written */
    size_t qn, qi;
    int want;             /* TG__IO_WANT_READ / _WRITE while waiting */
    FILE *fp;
    bool chunked_req, body_done, sent_any;
    char chunk_hdr[24];
    tg__http_head head;
    size_t body_start, dechunk_pos, body_len;
    uint64_t deadline, connect_deadline;
};

/* ---- head parsing (shared with the webhook server) ---- */
static bool tg__ieqn(tg_str a, const char *b, size_t n) {
    size_t i;
    if (a.len != n) return false;
    for (i = 0; i < n; i++) {
        char x = a.ptr[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (x != y) return false;
    }
    return true;
}

static bool tg__ieq(tg_str a, const char *b) { return tg__ieqn(a, b, strlen(b)); }
#define TG__IEQ_LIT(a, lit) tg__ieqn(a, lit, sizeof lit - 1)

static bool tg__icontains(tg_str a, const char *tok) {
    size_t n = strlen(tok), i;
    for (i = 0; i + n <= a.len; i++) {
        tg_str s;
        s.ptr = a.ptr + i; s.len = n;
        if (tg__ieq(s, tok)) return true;
    }
    return false;
}

TGBOT__INTERN const tg_str *tg__http_header(const tg__http_head *h, const char *name) {
    uint32_t i;
    for (i = 0; i < h->nheaders; i++) if (tg__ieq(h->name[i], name)) return &h->value[i];
    return NULL;
}

static int tg__is_tchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

TGBOT__INTERN int tg__http_parse_head(const char *buf, size_t len, bool request, const tg_http_limits *lim,
                                      tg__http_head *h, tg_error *err) {
    const char *p = buf, *e, *end = NULL, *line_end;
    size_t max_line = lim->max_status_line, max_head = lim->max_header_bytes, i;
    /* find the blank line that ends the head, within the limit */
    {   /* from line end to line end (memchr), not byte by byte */
        size_t scan = len < max_head ? len : max_head;
        const char *q = buf, *stop = buf + scan;
        while (q < stop && (q = (const char *)memchr(q, '\n', (size_t)(stop - q))) != NULL) {
            if (q >= buf + 3 && q[-1] == '\r' && q[-2] == '\n' && q[-3] == '\r') { end = q + 1; break; }
            q++;
        }
    }
    line_end = (const char *)memchr(buf, '\n', len < max_line + 1 ? len : max_line + 1);
    if (!line_end) {
        if (len > max_line) { tg__error_set(err, TG_ERR_LIMIT, request ? TG_PHASE_NONE : TG_PHASE_RECV_HEADERS,
                              "%s line longer than %zu bytes", request ? "request" : "status", max_line); return -1; }
        return 0;
    }
    if (!end) {
        if (len >= max_head) { tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_HEADERS,
                               "headers larger than %zu bytes", max_head); return -1; }
        return 0;
    }
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    h->head_len = (size_t)(end - buf);
    e = line_end;                         /* '\n' of the first line */
    if (e == buf || e[-1] != '\r') goto bad_first;
    if (request) {
        const char *sp1 = (const char *)memchr(p, ' ', (size_t)(e - p)), *sp2;
        if (!sp1 || sp1 == p) goto bad_first;
        for (i = 0; p + i < sp1; i++) if (!tg__is_tchar((unsigned char)p[i])) goto bad_first;
        sp2 = (const char *)memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
        if (!sp2 || sp2 == sp1 + 1) goto bad_first;
        h->method.ptr = p; h->method.len = (size_t)(sp1 - p);
        h->target.ptr = sp1 + 1; h->target.len = (size_t)(sp2 - sp1 - 1);
        if (e - 1 - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1')) goto bad_first;
        h->minor = sp2[8] - '0';
    } else {
        if (e - p < 13 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
            p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
            (p[12] != ' ' && p[12] != '\r'))
            goto bad_first;
        h->minor = p[7] - '0';
        h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    }
    h->keep_alive = h->minor == 1;
    p = e + 1;
    while (p < end - 2) {                 /* header lines */
        const char *colon, *v, *ve;
        e = (const char *)memchr(p, '\n', (size_t)(end - p));
        if (!e || e[-1] != '\r') goto bad_header;
        if (p[0] == ' ' || p[0] == '\t') goto bad_header;   /* obsolete line folding is refused */
        colon = (const char *)memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p) goto bad_header;
        for (v = p; v < colon; v++) if (!tg__is_tchar((unsigned char)*v)) goto bad_header;
        if (h->nheaders >= lim->max_headers || h->nheaders >= TG__HTTP_MAX_HEADERS) {
            tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_HEADERS, "more than %u header fields",
                          (unsigned)TGBOT__MIN(lim->max_headers, TG__HTTP_MAX_HEADERS));
            return -1;
        }
        v = colon + 1; ve = e - 1;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        for (i = 0; v + i < ve; i++) {
            unsigned char c = (unsigned char)v[i];
            if ((c < 0x20 && c != '\t') || c == 0x7F) goto bad_header;
        }
        h->name[h->nheaders].ptr = p; h->name[h->nheaders].len = (size_t)(colon - p);
        h->value[h->nheaders].ptr = v; h->value[h->nheaders].len = (size_t)(ve - v);
        {
            tg_str nm = h->name[h->nheaders], vl = h->value[h->nheaders];
            if (TG__IEQ_LIT(nm, "content-length")) {
                int64_t n = 0;
                if (vl.len == 0 || vl.len > 18) goto bad_length;
                for (i = 0; i < vl.len; i++) {
                    if (vl.ptr[i] < '0' || vl.ptr[i] > '9') goto bad_length;
                    n = n * 10 + (vl.ptr[i] - '0');
                }
                if (h->content_length >= 0 && h->content_length != n) goto bad_length;
                h->content_length = n;
            } else if (TG__IEQ_LIT(nm, "transfer-encoding")) {
                if (!tg__icontains(vl, "chunked")) {
                    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "unsupported transfer-encoding");
                    return -1;
                }
                h->chunked = true;
            } else if (TG__IEQ_LIT(nm, "connection")) {
                if (tg__icontains(vl, "close")) h->keep_alive = false;
                else if (tg__icontains(vl, "keep-alive")) h->keep_alive = true;
            } else if (TG__IEQ_LIT(nm, "expect")) {
                h->expect_continue = tg__icontains(vl, "100-continue");
            }
        }
        h->nheaders++;
        p = e + 1;
    }
    if (h->chunked) h->content_length = -1;   /* chunked wins (RFC 9112 6.3) */
    return 1;
bad_first:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, request ? "malformed request line" : "malformed status line");
    return -1;
bad_header:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "malformed header line");
    return -1;
bad_length:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "invalid content-length");
    return -1;
}

/* Chunks are decoded as they arrive: data moves down to *out_len, *pos is where the next undecoded
   chunk starts. Every "need more" return saves both, because the chunks decoded so far have already
   overwritten the raw bytes before them. */
TGBOT__INTERN int tg__http_dechunk(char *buf, size_t len, size_t *pos, size_t *out_len, size_t *consumed, tg_error *err) {
    size_t p = *pos, o = *out_len;
    for (;;) {
        size_t size = 0, digits = 0, q = p;
        const char *nl;
        while (q < len && ((buf[q] >= '0' && buf[q] <= '9') || ((buf[q] | 0x20) >= 'a' && (buf[q] | 0x20) <= 'f'))) {
            char c = (char)(buf[q] | 0x20);
            if (size > ((size_t)1 << 40)) goto bad;
            size = size * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
            q++; digits++;
        }
        if (q >= len) goto more;
        if (!digits) goto bad;
        nl = (const char *)memchr(buf + q, '\n', len - q);
        if (!nl) { if (len - q > 1024) goto bad; goto more; }
        if (buf[q] != ';' && buf[q] != '\r') goto bad;      /* chunk extensions are ignored */
        if (nl[-1] != '\r') goto bad;
        q = (size_t)(nl - buf) + 1;
        if (size == 0) {                                      /* last chunk: skip trailers */
            for (;;) {
                nl = (const char *)memchr(buf + q, '\n', len - q);
                if (!nl) { if (len - q > 8192) goto bad; goto more; }
                if ((size_t)(nl - buf) == q + 1 && buf[q] == '\r') {
                    *consumed = (size_t)(nl - buf) + 1;
                    *pos = p; *out_len = o;
                    return 1;
                }
                q = (size_t)(nl - buf) + 1;
            }
        }
        if (len - q < size + 2) goto more;
        if (buf[q + size] != '\r' || buf[q + size + 1] != '\n') goto bad;
        memmove(buf + o, buf + q, size);
        o += size;
        p = q + size + 2;
    }
more:    /* keep what is decoded: the chunks before p have already been moved down to o */
    *pos = p; *out_len = o;
    return 0;
bad:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_BODY, "invalid chunked encoding (chunk size line)");
    return -1;
}

/* ---- client set-up ---- */
static tg_err tg__bufs(tg__buf *b, const char *s) { return tg__buf_append(b, s, strlen(s)); }
static char *tg__strndup_a(const tg_allocator *a, const char *s, size_t n) {
    char *p = (char *)tg__alloc(a, n + 1);
    if (p) { memcpy(p, s, n); p[n] = '\0'; }
    return p;
}
static void tg__strfree(const tg_allocator *a, char *s) { if (s) tg__free(a, s, strlen(s) + 1); }

/* scheme://[user:pass@]host[:port][/path]  — [v6] literals allowed */
static int tg__parse_url(const char *url, int *https, char **host, uint16_t *port, char **path,
                         char **user, char **pass, const tg_allocator *a, int *is_socks) {
    const char *p = strstr(url, "://"), *h, *he, *at, *slash;
    size_t sl;
    long pn = -1;
    if (!p) return -1;
    sl = (size_t)(p - url);
    *https = 0; *is_socks = 0;
    if (sl == 5 && memcmp(url, "https", 5) == 0) *https = 1;
    else if (sl == 4 && memcmp(url, "http", 4) == 0) *https = 0;
    else if ((sl == 6 && memcmp(url, "socks5", 6) == 0) || (sl == 7 && memcmp(url, "socks5h", 7) == 0)) *is_socks = 1;
    else return -1;
    h = p + 3;
    slash = strchr(h, '/');
    if (!slash) slash = h + strlen(h);
    at = (const char *)memchr(h, '@', (size_t)(slash - h));
    if (at) {
        const char *c = (const char *)memchr(h, ':', (size_t)(at - h));
        if (user) *user = tg__strndup_a(a, h, (size_t)((c ? c : at) - h));
        if (pass && c) *pass = tg__strndup_a(a, c + 1, (size_t)(at - c - 1));
        h = at + 1;
    }
    if (*h == '[') {
        he = (const char *)memchr(h, ']', (size_t)(slash - h));
        if (!he) return -1;
        *host = tg__strndup_a(a, h + 1, (size_t)(he - h - 1));
        he++;
    } else {
        he = (const char *)memchr(h, ':', (size_t)(slash - h));
        if (!he) he = slash;
        *host = tg__strndup_a(a, h, (size_t)(he - h));
    }
    if (!*host || !**host) return -1;
    if (he < slash && *he == ':') {
        char *e;
        pn = strtol(he + 1, &e, 10);
        if (e != slash || pn <= 0 || pn > 65535) return -1;
    }
    *port = (uint16_t)(pn > 0 ? pn : (*is_socks ? 1080 : *https ? 443 : 80));
    if (path) {
        size_t n = strlen(slash);
        while (n > 0 && slash[n - 1] == '/') n--;      /* "/prefix/" → "/prefix" */
        *path = tg__strndup_a(a, slash, n);
    }
    return 0;
}

TGBOT__INTERN tg_err tg__http_client_new(tg__http_client **out, const tg__http_config *cfg, tg_error *err) {
    const tg_allocator *a = cfg->alloc;
    tg__http_client *c = (tg__http_client *)tg__alloc(a, sizeof *c);
    int https, socks;
    tg_err e;
    *out = NULL;
    if (!c) return TG_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->alloc = a; c->log = cfg->log; c->plat = cfg->plat;
    c->fd = TG__SOCK_INVALID;
    c->out.a = c->pout.a = c->in.a = c->mp.a = c->segs.a = a;
    c->lim = cfg->limits;
    if (!c->lim.max_status_line) c->lim.max_status_line = 1024;
    if (!c->lim.max_header_bytes) c->lim.max_header_bytes = 16384;
    if (!c->lim.max_headers) c->lim.max_headers = 64;
    if (!c->lim.max_body_bytes) c->lim.max_body_bytes = (size_t)64 << 20;
    c->to = cfg->timeouts;
    if (!c->to.connect_ms) c->to.connect_ms = 10000;
    if (!c->to.request_ms) c->to.request_ms = 60000;
    if (!c->to.idle_ms) c->to.idle_ms = 30000;
    if (tg__parse_url(cfg->base_url ? cfg->base_url : "https://api.telegram.org", &https, &c->host, &c->port,
                      &c->prefix, NULL, NULL, a, &socks) < 0 || socks) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "invalid base URL (want http[s]://host[:port][/prefix])");
        tg__http_client_free(c);
        return TG_ERR_ARG;
    }
    c->https = https != 0;
    /* proxy */
    c->ptype = cfg->proxy.type;
    if (cfg->proxy.url && cfg->proxy.type == TG_PROXY_NONE) {
        int ph;
        if (tg__parse_url(cfg->proxy.url, &ph, &c->phost, &c->pport, NULL, &c->puser, &c->ppass, a, &socks) < 0 || ph) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "invalid proxy URL (want http:// or socks5[h]://)");
            tg__http_client_free(c);
            return TG_ERR_ARG;
        }
        c->ptype = socks ? TG_PROXY_SOCKS5 : TG_PROXY_HTTP;
    } else if (c->ptype != TG_PROXY_NONE) {
        if (!cfg->proxy.host || !cfg->proxy.port) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "proxy host and port are required");
            tg__http_client_free(c);
            return TG_ERR_ARG;
        }
        c->phost = tg__strndup_a(a, cfg->proxy.host, strlen(cfg->proxy.host));
        c->pport = cfg->proxy.port;
        if (cfg->proxy.username) c->puser = tg__strndup_a(a, cfg->proxy.username, strlen(cfg->proxy.username));
        if (cfg->proxy.password) c->ppass = tg__strndup_a(a, cfg->proxy.password, strlen(cfg->proxy.password));
    }
    if (c->ptype == TG_PROXY_SOCKS5 && ((c->puser && strlen(c->puser) > 255) || (c->ppass && strlen(c->ppass) > 255))) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "SOCKS5 user name and password are limited to 255 bytes");
        tg__http_client_free(c);
        return TG_ERR_ARG;
    }
    if (c->https) {
        const char *sni = cfg->tls.server_name ? cfg->tls.server_name : c->host;
        c->sni = tg__strndup_a(a, sni, strlen(sni));
        e = tg__tls_ctx_client(&c->tls_ctx, &cfg->tls, a, c->plat, err);
        if (e) { tg__http_client_free(c); return e; }
    }
    c->stage = (char *)tg__alloc(a, TG__HTTP_STAGE);
    if (c->host) {
        char port[8];
        bool v6 = strchr(c->host, ':') != NULL;
        tg__buf *f = &c->fixed_hdr;
        f->a = a;
        snprintf(port, sizeof port, ":%u", (unsigned)c->port);
        e = tg__bufs(f, v6 ? "Host: [" : "Host: ");
        if (!e) e = tg__bufs(f, c->host);
        if (!e && v6) e = tg__bufs(f, "]");
        if (!e && ((c->https && c->port != 443) || (!c->https && c->port != 80))) e = tg__bufs(f, port);
        if (!e) e = tg__bufs(f, "\r\nUser-Agent: tgbot.h/" TGBOT_VERSION_STRING "\r\nAccept: application/json\r\n");
        if (e) tg__buf_free(f);
    }
    if (!c->stage || !c->host || !c->prefix || !c->fixed_hdr.len || (c->https && !c->sni)) {
        tg__http_client_free(c);
        return TG_ERR_NOMEM;
    }
    *out = c;
    return TG_OK;
}

static void tg__conn_close(tg__http_client *c) {
    if (c->tls) { tg__tls_close(c->tls, c->fd); tg__tls_free(c->tls); c->tls = NULL; }
    if (c->fd != TG__SOCK_INVALID) { tg__sock_close(c->fd); c->fd = TG__SOCK_INVALID; }
}

TGBOT__INTERN void tg__http_client_free(tg__http_client *c) {
    const tg_allocator *a;
    if (!c) return;
    a = c->alloc;
    tg__conn_close(c);
    if (c->fp) fclose(c->fp);
    tg__resolve_free(c->addrs);
    if (c->tls_ctx) tg__tls_ctx_free(c->tls_ctx);
    tg__buf_free(&c->out); tg__buf_free(&c->pout); tg__buf_free(&c->in); tg__buf_free(&c->mp); tg__buf_free(&c->segs);
    if (c->stage) tg__free(a, c->stage, TG__HTTP_STAGE);
    tg__strfree(a, c->host); tg__strfree(a, c->prefix); tg__strfree(a, c->sni); tg__buf_free(&c->fixed_hdr);
    tg__strfree(a, c->phost);
    if (c->puser) { tg__wipe(c->puser, strlen(c->puser)); tg__strfree(a, c->puser); }
    if (c->ppass) { tg__wipe(c->ppass, strlen(c->ppass)); tg__strfree(a, c->ppass); }
    tg__free(a, c, sizeof *c);
}

TGBOT__INTERN uint32_t tg__http_connections_opened(const tg__http_client *c) { return c->opened; }
TGBOT__INTERN bool tg__http_tls_resumed(const tg__http_client *c) { return c->tls && tg__tls_resumed(c->tls); }

/* ---- request building ---- */

static void tg__b64(const char *in, size_t n, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16 | (unsigned)(unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        *out++ = t[v >> 18]; *out++ = t[(v >> 12) & 63]; *out++ = t[(v >> 6) & 63]; *out++ = t[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned)(unsigned char)in[i + 1] << 8 : 0u);
        *out++ = t[v >> 18]; *out++ = t[(v >> 12) & 63];
        *out++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
    *out = '\0';
}

/* multipart field names and filenames are quoted; '"', CR and LF are percent-encoded as browsers do */
static tg_err tg__mp_quoted(tg__buf *b, const char *s) {
    tg_err e = TG_OK;
    for (; *s && !e; s++) {
        if (*s == '"') e = tg__bufs(b, "%22");
        else if (*s == '\r') e = tg__bufs(b, "%0D");
        else if (*s == '\n') e = tg__bufs(b, "%0A");
        else e = tg__buf_append(b, s, 1);
    }
    return e;
}

static tg_err tg__add_seg(tg__http_client *c, size_t off, size_t len, const tg_input_file *f) {
    tg__seg s;
    s.off = off; s.len = len; s.file = f;
    return tg__buf_append(&c->segs, &s, sizeof s);
}

/* Lays out the multipart body as segments (part headers in c->mp, data from memory/file/stream);
   returns the total length, or (size_t)-1 when a stream of unknown length forces chunked. */
static tg_err tg__build_multipart(tg__http_client *c, const tg__http_request *rq, const char *boundary,
                                  size_t *total, tg_error *err) {
    size_t i, sum = 0;
    bool unknown = false;
    tg_err e = TG_OK;
    c->mp.len = 0; c->segs.len = 0;
    for (i = 0; i < rq->nparts && !e; i++) {
        const tg__http_part *pt = &rq->parts[i];
        size_t hoff = c->mp.len, dlen = 0;
        e = tg__bufs(&c->mp, i ? "\r\n--" : "--");
        if (!e) e = tg__bufs(&c->mp, boundary);
        if (!e) e = tg__bufs(&c->mp, "\r\nContent-Disposition: form-data; name=\"");
        if (!e) e = tg__mp_quoted(&c->mp, pt->name);
        if (!e && pt->file) {
            const tg_input_file *f = pt->file;
            const char *fn = f->filename;
            if (!fn && f->path) { fn = strrchr(f->path, '/'); fn = fn ? fn + 1 : f->path; }
            if (!fn || !*fn) fn = "file";
            e = tg__bufs(&c->mp, "\"; filename=\"");
            if (!e) e = tg__mp_quoted(&c->mp, fn);
            if (!e) e = tg__bufs(&c->mp, "\"\r\nContent-Type: ");
            if (!e) e = tg__bufs(&c->mp, f->mime_type ? f->mime_type : "application/octet-stream");
            if (!e) e = tg__bufs(&c->mp, "\r\n\r\n");
            if (f->path) {
                struct stat sb;
                if (stat(f->path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                    tg__error_set(err, TG_ERR_ARG, TG_PHASE_SEND, "cannot read the upload file for field %s", pt->name);
                    return TG_ERR_ARG;
                }
                dlen = (size_t)sb.st_size;
            } else if (f->data) {
                dlen = f->size;
            } else if (f->read) {
                dlen = f->size;
                if (!dlen) unknown = true;
            } else {
                tg__error_set(err, TG_ERR_ARG, TG_PHASE_SEND, "upload for field %s has no source", pt->name);
                return TG_ERR_ARG;
            }
        } else if (!e) {
            e = tg__bufs(&c->mp, "\"\r\n\r\n");
        }
        if (!e) e = tg__add_seg(c, hoff, c->mp.len - hoff, NULL);
        if (!e && pt->file) e = tg__add_seg(c, 0, dlen, pt->file);
        else if (!e && pt->value_len) {   /* text value: copy into mp (values are small) */
            size_t voff = c->mp.len;
            e = tg__buf_append(&c->mp, pt->value, pt->value_len);
            if (!e) e = tg__add_seg(c, voff, pt->value_len, NULL);
            dlen = pt->value_len;
        }
        sum += c->mp.len - hoff - (pt->file ? 0 : dlen) + dlen;
    }
    if (!e) {
        size_t toff = c->mp.len;
        e = tg__bufs(&c->mp, "\r\n--");
        if (!e) e = tg__bufs(&c->mp, boundary);
        if (!e) e = tg__bufs(&c->mp, "--\r\n");
        if (!e) e = tg__add_seg(c, toff, c->mp.len - toff, NULL);
        sum += c->mp.len - toff;
    }
    if (e) { tg__error_set(err, e, TG_PHASE_SEND, "out of memory building the upload"); return e; }
    *total = unknown ? (size_t)-1 : sum;
    return TG_OK;
}

static tg_err tg__build_request(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    char num[40], boundary[40];
    size_t body_len = rq->body_len;
    tg_err e;
    c->out.len = 0; c->segs.len = 0; c->chunked_req = false;
    if (rq->nparts) {
        unsigned char rnd[12];
        size_t i;
        if (tg__random_bytes(c->plat, rnd, sizeof rnd) != 0) memset(rnd, 0x5a, sizeof rnd);
        memcpy(boundary, "tgbot-", 6);
        for (i = 0; i < sizeof rnd; i++) snprintf(boundary + 6 + 2 * i, 3, "%02x", rnd[i]);
        e = tg__build_multipart(c, rq, boundary, &body_len, err);
        if (e) return e;
        if (body_len == (size_t)-1) c->chunked_req = true;
    }
    e = tg__bufs(&c->out, rq->method ? rq->method : "POST");
    if (!e) e = tg__bufs(&c->out, " ");
    if (!e) e = tg__bufs(&c->out, c->prefix);
    if (!e) e = tg__bufs(&c->out, rq->path);
    if (!e) e = tg__bufs(&c->out, " HTTP/1.1\r\n");
    if (!e) e = tg__buf_append(&c->out, c->fixed_hdr.data, c->fixed_hdr.len);
    if (!e && rq->nparts) {
        e = tg__bufs(&c->out, "Content-Type: multipart/form-data; boundary=");
        if (!e) e = tg__bufs(&c->out, boundary);
        if (!e) e = tg__bufs(&c->out, "\r\n");
    } else if (!e && rq->content_type && (rq->body || body_len)) {
        e = tg__bufs(&c->out, "Content-Type: ");
        if (!e) e = tg__bufs(&c->out, rq->content_type);
        if (!e) e = tg__bufs(&c->out, "\r\n");
    }
    if (!e) {
        if (c->chunked_req) e = tg__bufs(&c->out, "Transfer-Encoding: chunked\r\n\r\n");
        else if (body_len || (rq->method && strcmp(rq->method, "POST") == 0)) {
            char *p = num + sizeof num;       /* digits right to left: no printf on the hot path */
            size_t v = body_len;
            *--p = '\0'; *--p = '\n'; *--p = '\r'; *--p = '\n'; *--p = '\r';
            do *--p = (char)('0' + v % 10); while ((v /= 10) != 0);
            e = tg__bufs(&c->out, "Content-Length: ");
            if (!e) e = tg__bufs(&c->out, p);
        } else e = tg__bufs(&c->out, "\r\n");
    }
    /* a small in-memory body rides in the same buffer: one send() for the whole request */
    if (!e && !rq->nparts && rq->body_len) {
        if (rq->body_len <= TG__HTTP_STAGE) e = tg__buf_append(&c->out, rq->body, rq->body_len);
        else e = tg__add_seg(c, (size_t)-1, rq->body_len, NULL);   /* large: sent from the caller's memory */
    }
    if (e) { tg__error_set(err, e, TG_PHASE_SEND, "out of memory building the request"); return e; }
    return TG_OK;
}

/* ---- low-level I/O over the socket or TLS ---- */
#define TG__IO_WANT_READ (-2)
#define TG__IO_WANT_WRITE (-3)
#define TG__IO_FAIL (-1)

static long tg__io_write(tg__http_client *c, const void *p, size_t n, tg_error *err) {
    long r;
    if (c->tls) {
        r = tg__tls_write(c->tls, c->fd, p, n, err);
        return r == TG__TLS_WANT_READ ? TG__IO_WANT_READ : r == TG__TLS_WANT_WRITE ? TG__IO_WANT_WRITE : r;
    }
    r = tg__sock_send(c->fd, p, n);
    if (r == TG__WOULDBLOCK) return TG__IO_WANT_WRITE;
    if (r < 0) {
        int en = errno;
        tg__error_set(err, en == EPIPE || en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, TG_PHASE_SEND,
                      "send failed: %s", strerror(en));
        if (err) err->sys_errno = en;
        return TG__IO_FAIL;
    }
    return r;
}

static long tg__io_read(tg__http_client *c, void *p, size_t n, tg_phase ph, tg_error *err) {
    long r;
    if (c->tls) {
        r = tg__tls_read(c->tls, c->fd, p, n, err);
        if (r == TG__TLS_FAIL && err) err->phase = ph;
        return r == TG__TLS_WANT_READ ? TG__IO_WANT_READ : r == TG__TLS_WANT_WRITE ? TG__IO_WANT_WRITE : r;
    }
    r = tg__sock_recv(c->fd, p, n);
    if (r == TG__WOULDBLOCK) return TG__IO_WANT_READ;
    if (r < 0) {
        int en = errno;
        if (en == ECONNRESET)
            tg__error_set(err, TG_ERR_CLOSED, ph, "connection reset by the server %s", ph == TG_PHASE_RECV_BODY ?
                          "in the middle of the body" : c->in.len ? "in the middle of the headers" : "before any response");
        else tg__error_set(err, TG_ERR_IO, ph, "receive failed: %s", strerror(en));
        if (err) err->sys_errno = en;
        return TG__IO_FAIL;
    }
    return r;
}

/* reads more response bytes into c->in; >0 read, 0 EOF, or TG__IO_* */
static long tg__read_more(tg__http_client *c, tg_phase ph, tg_error *err) {
    size_t want = 16384;
    long r;
    if (tg__buf_reserve(&c->in, want)) { tg__error_set(err, TG_ERR_NOMEM, ph, "out of memory reading the response"); return TG__IO_FAIL; }
    r = tg__io_read(c, c->in.data + c->in.len, c->in.cap - c->in.len - 1, ph, err);
    if (r > 0) c->in.len += (size_t)r;
    return r;
}

/* Refills c->q with the next pieces of the request body (1 piece, or size line + data + CRLF when
   the body is chunked). Returns 1 when something was queued, 0 at the end, -1 on error. */
static int tg__next_piece(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    const tg__seg *segs = (const tg__seg *)(void *)c->segs.data;
    size_t nseg = c->segs.len / sizeof(tg__seg);
    c->qn = c->qi = 0;
    while (c->seg_i < nseg) {
        const tg__seg *s = &segs[c->seg_i];
        const char *p;
        size_t n;
        if (!s->file) {
            p = s->off == (size_t)-1 ? rq->body : c->mp.data + s->off;
            n = s->len;
            c->seg_i++;
        } else if (s->file->data) {
            p = (const char *)s->file->data; n = s->file->size;
            c->seg_i++;
        } else {
            long r;
            if (s->file->path) {
                if (!c->fp && !(c->fp = fopen(s->file->path, "rb"))) {
                    tg__error_set(err, TG_ERR_IO, TG_PHASE_SEND, "cannot open the upload file");
                    return -1;
                }
                r = (long)fread(c->stage, 1, TG__HTTP_STAGE, c->fp);
                if (r == 0 && ferror(c->fp)) r = -1;
            } else {
                r = s->file->read(s->file->read_ud, c->stage, TG__HTTP_STAGE);
            }
            if (r < 0 || (size_t)r > TG__HTTP_STAGE) { tg__error_set(err, TG_ERR_IO, TG_PHASE_SEND, "reading the upload failed"); return -1; }
            c->seg_pos += (size_t)r;
            if (s->len && (c->seg_pos > s->len || (r == 0 && c->seg_pos != s->len))) {
                tg__error_set(err, TG_ERR_IO, TG_PHASE_SEND, "the upload changed size while it was sent");
                return -1;
            }
            if (r == 0 || (s->len && c->seg_pos == s->len)) {
                if (c->fp) { fclose(c->fp); c->fp = NULL; }
                c->seg_i++; c->seg_pos = 0;
                if (r == 0) continue;
            }
            p = c->stage; n = (size_t)r;
        }
        if (!n) continue;
        if (c->chunked_req) {
            snprintf(c->chunk_hdr, sizeof c->chunk_hdr, "%zx\r\n", n);
            c->q[0].p = c->chunk_hdr; c->q[0].n = strlen(c->chunk_hdr);
            c->q[1].p = p; c->q[1].n = n;
            c->q[2].p = "\r\n"; c->q[2].n = 2;
            c->qn = 3;
        } else {
            c->q[0].p = p; c->q[0].n = n;
            c->qn = 1;
        }
        return 1;
    }
    if (c->chunked_req && !c->body_done) {
        c->q[0].p = "0\r\n\r\n"; c->q[0].n = 5; c->qn = 1;
        c->body_done = true;
        return 1;
    }
    return 0;
}

/* ---- proxies: the handshake messages are small; write all of out, then read what is expected ---- */
static tg_err tg__proxy_prepare(tg__http_client *c, tg_error *err) {
    char line[600];
    tg_err e = TG_OK;
    c->pout.len = 0; c->out_pos = 0; c->in.len = 0;
    if (c->ptype == TG_PROXY_HTTP) {
        snprintf(line, sizeof line, "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n",
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", (unsigned)c->port,
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", (unsigned)c->port);
        e = tg__bufs(&c->pout, line);
        if (!e && c->puser) {
            char cred[520], b64[700];
            snprintf(cred, sizeof cred, "%s:%s", c->puser, c->ppass ? c->ppass : "");
            tg__b64(cred, strlen(cred), b64);
            tg__wipe(cred, sizeof cred);
            e = tg__bufs(&c->pout, "Proxy-Authorization: Basic ");
            if (!e) e = tg__bufs(&c->pout, b64);
            if (!e) e = tg__bufs(&c->pout, "\r\n");
            tg__wipe(b64, sizeof b64);
        }
        if (!e) e = tg__bufs(&c->pout, "\r\n");
    } else {   /* SOCKS5 greeting: no auth, and user/password when we have credentials */
        unsigned char g[4] = { 5, 1, 0, 0 };
        if (c->puser) { g[1] = 2; g[3] = 2; }
        e = tg__buf_append(&c->pout, g, c->puser ? 4u : 3u);
    }
    if (e) tg__error_set(err, e, TG_PHASE_PROXY, "out of memory");
    return e;
}

static tg_err tg__socks_connect_msg(tg__http_client *c) {
    unsigned char h[5];
    size_t hl = strlen(c->host);
    tg_err e;
    c->pout.len = 0; c->out_pos = 0; c->in.len = 0;
    h[0] = 5; h[1] = 1; h[2] = 0; h[3] = 3; h[4] = (unsigned char)hl;   /* ATYP 3: the proxy resolves */
    e = tg__buf_append(&c->pout, h, 5);
    if (!e) e = tg__buf_append(&c->pout, c->host, hl);
    h[0] = (unsigned char)(c->port >> 8); h[1] = (unsigned char)(c->port & 0xFF);
    if (!e) e = tg__buf_append(&c->pout, h, 2);
    return e;
}

static const char *tg__socks_reply_text(unsigned r) {
    static const char *const t[] = { "succeeded", "general failure", "connection not allowed by ruleset",
        "network unreachable", "host unreachable", "connection refused", "TTL expired",
        "command not supported", "address type not supported" };
    return r < 9 ? t[r] : "unknown reply";
}

/* one step of the proxy handshake; 1 done, 0 progress/need I/O (c->want set), -1 error */
static int tg__proxy_step(tg__http_client *c, tg_error *err) {
    for (;;) {
        if (c->out_pos < c->pout.len) {   /* write phase */
            long r = tg__sock_send(c->fd, c->pout.data + c->out_pos, c->pout.len - c->out_pos);
            if (r == TG__WOULDBLOCK) { c->want = TG__IO_WANT_WRITE; return 0; }
            if (r < 0) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy connection failed: %s", strerror(errno)); return -1; }
            c->out_pos += (size_t)r;
            continue;
        }
        {   /* read phase: how many bytes do we need? */
            size_t need;
            long r;
            const unsigned char *u = (const unsigned char *)c->in.data;
            if (c->ptype == TG_PROXY_HTTP) {
                if (c->in.len >= 4 && memcmp(c->in.data + c->in.len - 4, "\r\n\r\n", 4) == 0) {
                    tg__http_head h;
                    tg_error tmp;
                    memset(&tmp, 0, sizeof tmp);
                    if (tg__http_parse_head(c->in.data, c->in.len, false, &c->lim, &h, &tmp) != 1) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy sent a malformed reply to CONNECT");
                        return -1;
                    }
                    if (h.status == 407 || h.status == 401) {   /* own code: a retry cannot help (tinyproxy says 401) */
                        tg__error_set(err, TG_ERR_PROXY_AUTH, TG_PHASE_PROXY, "HTTP proxy refused CONNECT: %s",
                                      c->puser ? "wrong proxy user name or password" : "proxy authentication required");
                        if (err) err->http_status = h.status;
                        return -1;
                    }
                    if (h.status != 200) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy refused CONNECT (status %d)", h.status);
                        if (err) err->http_status = h.status;
                        return -1;
                    }
                    return 1;
                }
                if (c->in.len >= 8192) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy reply too long"); return -1; }
                need = c->in.len + 1;     /* byte by byte: never read past the proxy's reply */
            } else if (c->pstage == 0) {  /* method selection */
                need = 2;
                if (c->in.len >= 2) {
                    if (u[0] != 5) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "not a SOCKS5 proxy"); return -1; }
                    if ((u[1] != 0 && u[1] != 2) || (u[1] == 2 && !c->puser)) {
                        tg__error_set(err, TG_ERR_PROXY_AUTH, TG_PHASE_PROXY, c->puser ?
                                      "SOCKS5 proxy accepts none of our authentication methods" :
                                      "SOCKS5 proxy requires a user name and password");
                        return -1;
                    }
                    if (u[1] == 2) {
                        unsigned char b[2];
                        size_t ul = strlen(c->puser), pl = c->ppass ? strlen(c->ppass) : 0;
                        c->pout.len = 0; c->out_pos = 0; c->in.len = 0;
                        b[0] = 1; b[1] = (unsigned char)ul;
                        if (tg__buf_append(&c->pout, b, 2) || tg__buf_append(&c->pout, c->puser, ul)) return -1;
                        b[0] = (unsigned char)pl;
                        if (tg__buf_append(&c->pout, b, 1) || (pl && tg__buf_append(&c->pout, c->ppass, pl))) return -1;
                        c->pstage = 1;
                    } else {
                        if (tg__socks_connect_msg(c)) return -1;
                        c->pstage = 2;
                    }
                    continue;
                }
            } else if (c->pstage == 1) {  /* user/password result */
                need = 2;
                if (c->in.len >= 2) {
                    if (u[1] != 0) { tg__error_set(err, TG_ERR_PROXY_AUTH, TG_PHASE_PROXY, "SOCKS5 proxy rejected the user name or password"); return -1; }
                    if (tg__socks_connect_msg(c)) return -1;
                    c->pstage = 2;
                    continue;
                }
            } else {                      /* connect reply: 4 bytes + address + port */
                need = 5;
                if (c->in.len >= 5) {
                    if (u[0] != 5 || u[1] != 0) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "SOCKS5 proxy could not connect: %s", tg__socks_reply_text(u[1]));
                        return -1;
                    }
                    need = u[3] == 1 ? 10u : u[3] == 4 ? 22u : u[3] == 3 ? 7u + u[4] : 0u;
                    if (!need) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "SOCKS5 reply has an unknown address type"); return -1; }
                    if (c->in.len >= need) return 1;
                }
            }
            if (tg__buf_reserve(&c->in, need)) return -1;
            r = tg__sock_recv(c->fd, c->in.data + c->in.len, need - c->in.len);
            if (r == TG__WOULDBLOCK) { c->want = TG__IO_WANT_READ; return 0; }
            if (r <= 0) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy closed the connection during the handshake"); return -1; }
            c->in.len += (size_t)r;
        }
    }
}

/* ---- the engine ---- */
static void tg__fail_phase(tg__http_client *c, tg_error *err, tg_err code, tg_phase ph, const char *what) {
    tg__error_set(err, code, ph, "%s", what);
    (void)c;
}

static tg_phase tg__state_phase(tg__xstate s) {
    switch (s) {
    case TG__X_RESOLVE: return TG_PHASE_RESOLVE;
    case TG__X_CONNECT: return TG_PHASE_CONNECT;
    case TG__X_PROXY: return TG_PHASE_PROXY;
    case TG__X_TLS: return TG_PHASE_TLS;
    case TG__X_SEND: return TG_PHASE_SEND;
    case TG__X_HEAD: return TG_PHASE_RECV_HEADERS;
    default: return TG_PHASE_RECV_BODY;
    }
}

/* Advances the exchange as far as it can without blocking. Returns 1 done, 0 waiting (c->want says
   for what), -1 failed (err filled). */
static int tg__xfer_step(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    for (;;) {
        switch (c->st) {
        case TG__X_RESOLVE: {
            int gerr;
            const char *h = c->ptype != TG_PROXY_NONE ? c->phost : c->host;
            uint16_t port = c->ptype != TG_PROXY_NONE ? c->pport : c->port;
            tg__resolve_free(c->addrs);
            c->addrs = NULL;
            if (tg__resolve(h, port, &c->addrs, &gerr) < 0) {
                tg__error_set(err, TG_ERR_DNS, TG_PHASE_RESOLVE, "cannot resolve %s%s: %s",
                              c->ptype != TG_PROXY_NONE ? "the proxy " : "", h, gai_strerror(gerr));
                return -1;
            }
            c->addr = c->addrs;
            c->st = TG__X_CONNECT;
            c->fd = TG__SOCK_INVALID;
            break;
        }
        case TG__X_CONNECT:
            if (c->fd == TG__SOCK_INVALID) {
                int r;
                if (!c->addr) {
                    tg__error_set(err, TG_ERR_CONNECT, TG_PHASE_CONNECT, "cannot connect to %s%s: %s",
                                  c->ptype != TG_PROXY_NONE ? "the proxy " : "",
                                  c->ptype != TG_PROXY_NONE ? c->phost : c->host,
                                  strerror(err && err->sys_errno ? err->sys_errno : ECONNREFUSED));
                    return -1;
                }
                r = tg__sock_connect(c->addr, &c->fd);
                if (r < 0) { if (err) err->sys_errno = errno; c->addr = c->addr->ai_next; break; }
                c->opened++;
                if (r == 1) { c->want = TG__IO_WANT_WRITE; return 0; }
            } else {
                int e = tg__sock_connect_result(c->fd);
                if (e) {
                    if (err) err->sys_errno = e;
                    tg__sock_close(c->fd);
                    c->fd = TG__SOCK_INVALID;
                    c->addr = c->addr->ai_next;     /* try the next address (IPv6 → IPv4 ...) */
                    break;
                }
            }
            if (err) err->sys_errno = 0;
            tg__resolve_free(c->addrs);
            c->addrs = c->addr = NULL;
            if (c->ptype != TG_PROXY_NONE) {
                if (tg__proxy_prepare(c, err)) return -1;
                c->pstage = 0;
                c->st = TG__X_PROXY;
            } else {
                c->st = c->https ? TG__X_TLS : TG__X_SEND;
            }
            break;
        case TG__X_PROXY: {
            int r = tg__proxy_step(c, err);
            if (r != 0 && c->pout.data) tg__wipe(c->pout.data, c->pout.len);   /* it may hold the SOCKS password */
            if (r < 0) { if (err && !err->code) tg__fail_phase(c, err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy handshake failed"); return -1; }
            if (r == 0) return 0;
            c->in.len = 0; c->out_pos = 0;
            c->st = c->https ? TG__X_TLS : TG__X_SEND;
            break;
        }
        case TG__X_TLS:
            if (!c->tls && tg__tls_new(&c->tls, c->tls_ctx, c->sni, err) != TG_OK) return -1;
            {
                int r = tg__tls_handshake(c->tls, c->fd, err);
                if (r == TG__TLS_WANT_READ) { c->want = TG__IO_WANT_READ; return 0; }
                if (r == TG__TLS_WANT_WRITE) { c->want = TG__IO_WANT_WRITE; return 0; }
                if (r != 0) { if (err) err->phase = TG_PHASE_TLS; return -1; }
            }
            c->st = TG__X_SEND;
            break;
        case TG__X_SEND:
            if (c->out_pos < c->out.len) {
                long r = tg__io_write(c, c->out.data + c->out_pos, c->out.len - c->out_pos, err);
                if (r == TG__IO_WANT_READ || r == TG__IO_WANT_WRITE) { c->want = (int)r; return 0; }
                if (r < 0) return -1;
                c->out_pos += (size_t)r;
                if (r > 0) c->sent_any = true;
                continue;
            }
            if (c->qi < c->qn) {
                long r = tg__io_write(c, c->q[c->qi].p, c->q[c->qi].n, err);
                if (r == TG__IO_WANT_READ || r == TG__IO_WANT_WRITE) { c->want = (int)r; return 0; }
                if (r < 0) return -1;
                c->q[c->qi].p += r; c->q[c->qi].n -= (size_t)r;
                if (!c->q[c->qi].n) c->qi++;
                continue;
            }
            {
                int r = tg__next_piece(c, rq, err);
                if (r < 0) return -1;
                if (r > 0) continue;
            }
            if (c->tls) {
                int r = tg__tls_flush(c->tls, c->fd, err);
                if (r == TG__TLS_WANT_WRITE || r == TG__TLS_WANT_READ) { c->want = r == TG__TLS_WANT_READ ? TG__IO_WANT_READ : TG__IO_WANT_WRITE; return 0; }
                if (r != 0) { if (err) err->phase = TG_PHASE_SEND; return -1; }
            }
            c->in.len = 0;
            c->st = TG__X_HEAD;
            /* the answer cannot be there yet: wait for it rather than spend a recv() on EAGAIN */
            if (!(c->tls && tg__tls_pending(c->tls))) { c->want = TG__IO_WANT_READ; return 0; }
            break;
        case TG__X_HEAD: {
            int r;
            if (c->in.len) {
                r = tg__http_parse_head(c->in.data, c->in.len, false, &c->lim, &c->head, err);
                if (r < 0) return -1;
                if (r == 1) {
                    if (c->head.status < 200) {    /* interim response (100 Continue, 103): skip it */
                        memmove(c->in.data, c->in.data + c->head.head_len, c->in.len - c->head.head_len);
                        c->in.len -= c->head.head_len;
                        continue;
                    }
                    if (c->head.content_length >= 0 && (uint64_t)c->head.content_length > c->body_limit) {
                        tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "response body of %lld bytes is over the limit of %zu",
                                      (long long)c->head.content_length, c->body_limit);
                        return -1;
                    }
                    {   /* keep the content type: the head is about to be overwritten by the body */
                        const tg_str *ct = tg__http_header(&c->head, "content-type");
                        size_t n = ct ? TGBOT__MIN(ct->len, sizeof c->ctype - 1) : 0;
                        if (n) memcpy(c->ctype, ct->ptr, n);
                        c->ctype[n] = '\0';
                    }
                    c->body_start = c->head.head_len;
                    c->dechunk_pos = 0;              /* relative to body_start */
                    c->body_len = 0;
                    c->st = TG__X_BODY;
                    break;
                }
            }
            {
                long n = tg__read_more(c, TG_PHASE_RECV_HEADERS, err);
                if (n == TG__IO_WANT_READ || n == TG__IO_WANT_WRITE) { c->want = (int)n; return 0; }
                if (n < 0) return -1;
                if (n == 0) {
                    tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_RECV_HEADERS, c->in.len ?
                                  "connection closed in the middle of the response headers" :
                                  "connection closed before any response");
                    return -1;
                }
            }
            break;
        }
        case TG__X_BODY: {
            size_t have = c->in.len - c->body_start;
            long n;
            if (c->head.chunked) {
                size_t consumed = 0, out_len = c->body_len, pos = c->dechunk_pos;
                int r = tg__http_dechunk(c->in.data + c->body_start, c->in.len - c->body_start, &pos, &out_len, &consumed, err);
                /* positions are relative to the body start */
                if (r < 0) return -1;
                c->dechunk_pos = pos; c->body_len = out_len;
                if (r == 1) { c->st = TG__X_DONE; break; }
                if (c->body_len > c->body_limit || c->in.len - c->body_start > c->body_limit + 65536) {
                    tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "chunked response body over the limit of %zu bytes", c->body_limit);
                    return -1;
                }
            } else if (c->head.content_length >= 0) {
                if (have >= (size_t)c->head.content_length) {
                    c->body_len = (size_t)c->head.content_length;
                    if (have > c->body_len) c->head.keep_alive = false;   /* stray bytes: do not reuse */
                    c->st = TG__X_DONE;
                    break;
                }
            } else if (have > c->body_limit) {
                tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "response body over the limit of %zu bytes", c->body_limit);
                return -1;
            }
            n = tg__read_more(c, TG_PHASE_RECV_BODY, err);
            if (n == TG__IO_WANT_READ || n == TG__IO_WANT_WRITE) { c->want = (int)n; return 0; }
            if (n < 0) return -1;
            if (n == 0) {
                if (!c->head.chunked && c->head.content_length < 0) {   /* body delimited by close */
                    c->body_len = c->in.len - c->body_start;
                    c->head.keep_alive = false;
                    c->st = TG__X_DONE;
                    break;
                }
                tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_RECV_BODY, c->head.chunked ?
                              "connection closed in the middle of a chunked body" :
                              "connection closed before the whole body arrived");
                return -1;
            }
            break;
        }
        case TG__X_DONE:
            return 1;
        }
    }
}

static uint64_t tg__until(uint64_t deadline, uint64_t now) { return deadline > now ? deadline - now : 0; }

TGBOT__INTERN tg_err tg__http_do(tg__http_client *c, const tg__http_request *rq, tg__http_response *rs, tg_error *err) {
    uint64_t now = tg__now_ms(c->plat);
    uint32_t total = rq->timeout_ms ? rq->timeout_ms : c->to.request_ms;
    tg_error local;
    bool reused;
    int r;
    tg_err e;
    if (!err) { memset(&local, 0, sizeof local); err = &local; }
    err->code = TG_OK; err->request_sent = false; err->sys_errno = 0; err->http_status = 0;
    memset(rs, 0, sizeof *rs);
    c->deadline = now + total;
    c->body_limit = rq->max_body_bytes ? rq->max_body_bytes : c->lim.max_body_bytes;
    e = tg__build_request(c, rq, err);
    if (e) return e;
    c->out_pos = 0; c->seg_i = 0; c->seg_pos = 0; c->qn = c->qi = 0;
    c->body_done = false; c->sent_any = false;
    /* reuse the idle connection unless it is too old or the peer closed it (nothing sent yet) */
    if (c->fd != TG__SOCK_INVALID &&
        (now - c->idle_since > c->to.idle_ms || (c->tls && tg__tls_pending(c->tls)) || tg__sock_is_dead(c->fd)))
        tg__conn_close(c);
    reused = c->fd != TG__SOCK_INVALID;
    c->st = reused ? TG__X_SEND : TG__X_RESOLVE;
    c->connect_deadline = now + c->to.connect_ms;
    for (;;) {
        r = tg__xfer_step(c, rq, err);
        if (r != 0) break;
        now = tg__now_ms(c->plat);
        {
            uint64_t dl = c->st < TG__X_SEND ? TGBOT__MIN(c->deadline, c->connect_deadline) : c->deadline;
            uint64_t left = tg__until(dl, now);
            int w;
            if (left == 0 || (w = tg__sock_wait(c->fd, c->want == TG__IO_WANT_WRITE, (int)TGBOT__MIN(left, 0x7FFFFFFFu))) == 0) {
                tg__error_set(err, TG_ERR_TIMEOUT, tg__state_phase(c->st), "timed out while %s",
                              c->st == TG__X_CONNECT ? "connecting" : c->st == TG__X_PROXY ? "talking to the proxy" :
                              c->st == TG__X_TLS ? "in the TLS handshake" : c->st == TG__X_SEND ? "sending the request" :
                              c->st == TG__X_HEAD ? "waiting for the response headers" : "receiving the response body");
                r = -1;
                break;
            }
            if (w == -2) { tg__error_set(err, TG_ERR_STOPPED, tg__state_phase(c->st), "interrupted by a stop request"); r = -1; break; }
            if (w < 0) { tg__error_set(err, TG_ERR_IO, tg__state_phase(c->st), "poll failed: %s", strerror(errno)); r = -1; break; }
        }
    }
    if (c->fp) { fclose(c->fp); c->fp = NULL; }
    if (r < 0) {
        /* A request counts as sent once any byte of it was handed to the socket. */
        err->request_sent = c->sent_any;
        if (reused && !c->sent_any && c->st == TG__X_SEND && (err->code == TG_ERR_CLOSED || err->code == TG_ERR_IO)) {
            /* the reused connection died before taking a byte: provably unsent, reconnect once */
            tg__conn_close(c);
            return tg__http_do(c, rq, rs, err);
        }
        tg__conn_close(c);
        if (!err->code) err->code = TG_ERR_IO;
        tg__log(c->log, TG_LOG_DEBUG, "http: %s (%s)", err->description, tg_phase_str(err->phase));
        return err->code;
    }
    err->request_sent = true;
    rs->status = c->head.status;
    rs->body = c->in.data + c->body_start;
    rs->body_len = c->body_len;
    rs->body[rs->body_len] = '\0';      /* in.cap always leaves one spare byte */
    rs->content_type = c->ctype;
    err->http_status = rs->status;
    if (c->head.keep_alive) c->idle_since = tg__now_ms(c->plat);
    else tg__conn_close(c);
    return TG_OK;
}

/* ==== src/bot_int.h ==== */
/* bot (internal): the call pipeline the generated API and the updates room use. */
enum { TG__CALL_READ = 1u, TG__CALL_IDEMPOTENT = 2u, TG__CALL_SENDS = 4u, TG__CALL_SPENDS = 8u };
#define TGBOT_MAX_UPLOADS 16

typedef struct tg__req {
    tg_bot *bot;
    const char *method;
    uint32_t flags;
    tg_json_writer *w;             /* the params object; '{' already written */
    const char *raw_params;        /* tg_call: the user's JSON instead of w */
    uint32_t timeout_ms;           /* 0 = the bot's request timeout (long polling sets its own) */
    const char *file_path;         /* a file download (GET /file/bot<token>/<file_path>) instead of a method */
    size_t max_bytes;              /* ... refused beyond this size */
    tg_str *download;              /* ... the bytes, in the arena */
    tg__http_part files[TGBOT_MAX_UPLOADS];
    size_t nfiles;
    char attach_names[TGBOT_MAX_UPLOADS][16];
} tg__req;

/* event hooks the dispatcher installs (all optional) */
typedef struct tg__bot_hooks {
    void (*on_sent)(void *ud, const char *method, uint64_t ms);
    void (*on_error)(void *ud, const char *method, const tg_error *e);
    void (*on_retry)(void *ud, const char *method, uint32_t attempt, uint32_t delay_ms, const tg_error *e);
    void (*on_rate_limited)(void *ud, const char *method, int32_t retry_after);
    void *ud;
#if TGBOT__HAS_RATELIMIT
    void (*on_throttled)(void *ud, const char *method, uint32_t wait_ms);   /* the limiter made a call wait */
#endif
#if TGBOT__HAS_BREAKER
    void (*on_breaker)(void *ud, int state);                                /* a tg_breaker_state */
#endif
} tg__bot_hooks;

TGBOT__INTERN tg__req *tg__req_begin(tg_bot *bot, const char *method, uint32_t flags);
TGBOT__INTERN const char *tg__req_add_file(tg__req *r, const char *field_name, const tg_input_file *f);
TGBOT__INTERN tg_err tg__req_fail(tg__req *r, tg_err code, const char *fmt, ...) TGBOT__PRINTF(3, 4);
TGBOT__INTERN tg_err tg__req_send(tg__req *r, tg_json_value *result);
/* parses a copy of a parameters object in the bot's arena, for stages that read a call's parameters
   (limiter, cache); the caller takes tg_arena_mark before and rewinds after. false: not an object */
TGBOT__INTERN bool tg__params_parse(tg_bot *b, const char *json, size_t len, tg_json_doc *d);
TGBOT__INTERN void tg__bot_set_hooks(tg_bot *bot, const tg__bot_hooks *h);
TGBOT__INTERN const tg_platform *tg__bot_platform(const tg_bot *bot);
TGBOT__INTERN const tg_logger *tg__bot_logger(const tg_bot *bot);
TGBOT__INTERN const tg_allocator *tg__bot_alloc(const tg_bot *bot);
TGBOT__INTERN uint32_t tg__bot_request_timeout(const tg_bot *bot);
#if TGBOT__HAS_ANALYTICS   /* [analytics] bot.c owns the pointer, analytics.c the state */
TGBOT__INTERN tg_analytics **tg__bot_analytics_slot(tg_bot *bot);
TGBOT__INTERN void tg__analytics_free(tg_analytics *a);
TGBOT__INTERN void tg__analytics_retry(tg_analytics *a, const tg_error *e, uint32_t wait_ms);
TGBOT__INTERN void tg__analytics_call(tg_analytics *a, const char *method, const tg_error *e, tg_err code,
                                      uint64_t ms, uint32_t attempts);
#endif

#if TGBOT__HAS_CACHE       /* [cache] bot.c owns the pointer, cache.c the entries */
typedef struct tg__cache tg__cache;
TGBOT__INTERN tg__cache **tg__bot_cache_slot(const tg_bot *bot);
TGBOT__INTERN bool tg__cache_lookup(tg__cache *c, const tg__req *r, const char *json, size_t len,
                                    const char **body, size_t *body_len);
TGBOT__INTERN void tg__cache_after(tg__cache *c, const tg__req *r, const char *json, size_t len, tg_err code,
                                   const char *body, size_t body_len);
TGBOT__INTERN void tg__cache_write_elsewhere(tg_bot *bot, const char *method, const char *json, size_t len);
TGBOT__INTERN void tg__cache_free(tg__cache *c);
#endif

/* optional stages of the pipeline (ratelimit.c, breaker.c), called from tg__req_send */
#if TGBOT__HAS_RATELIMIT
TGBOT__INTERN void tg__ratelimit_init(tg__ratelimit *rl, const tg_ratelimit_desc *d);
TGBOT__INTERN tg_err tg__ratelimit_admit(tg__req *r, uint32_t attempt);
TGBOT__INTERN void tg__ratelimit_outcome(tg__req *r, tg_err code, const tg_error *e);
#endif
#if TGBOT__HAS_BREAKER
TGBOT__INTERN void tg__breaker_init(tg__breaker *br, const tg_breaker_desc *d);
TGBOT__INTERN tg_err tg__breaker_admit(tg__req *r);
TGBOT__INTERN bool tg__breaker_outcome(tg__req *r, bool answered, int status, tg_err code, const tg_error *e);
#endif

/* ==== src/codec_int.h ==== */
/* codec (internal): the table-driven encoder/decoder the generated tables (gen/api.c) describe.
   One walker per direction instead of one function per type keeps tgbot.h quick to compile. */
enum {
    TG__K_I64 = 1, TG__K_F64, TG__K_BOOL, TG__K_STR, TG__K_OBJ, TG__K_CHATREF, TG__K_FILE, TG__K_FLAG
};
enum {
    TG__F_REQ = 1u,    /* required */
    TG__F_HAS = 2u,    /* optional scalar with a bool has_<name> at aux */
    TG__F_ARR = 4u,    /* pointer + size_t count at aux */
    TG__F_ARR2 = 8u,   /* pointer to lists + size_t count at aux (Array of Array of X) */
    TG__F_PTR = 16u,   /* objects: field holds a pointer (types); otherwise inline */
    TG__F_RAW = 32u    /* a const char *<name>_json raw alternative follows at raw_off */
};
/* The generated tables (gen/api.c) hold no pointers (nothing for the loader to relocate): names are
   offsets into one blob (tg__name_at), fields and variants are index ranges into one array each. */
typedef struct tg__field {
    uint16_t name;     /* offset of the JSON name in the name blob */
    uint16_t type;     /* object kinds: index into tg__types */
    uint16_t off, aux, raw_off;
    uint8_t kind, flags;
} tg__field;
typedef struct tg__sub {
    uint16_t type;     /* index into tg__types, or TG__SUB_STRING / TG__SUB_ARRAY */
    uint16_t disc_val; /* the discriminator's value (name offset), 0: none */
} tg__sub;
enum { TG__ABS_NONE = 0, TG__ABS_SHAPE, TG__ABS_TAG, TG__ABS_NUMBER };
typedef struct tg__type {
    uint16_t name, size;
    uint16_t first, n;                /* objects: fields [first, first+n); abstract: variants */
    uint16_t disc;                    /* abstract: the discriminator member (name offset), 0: none */
    uint8_t abs;                      /* TG__ABS_*: object, abstract chosen by shape, by a string tag,
                                         by a number (InaccessibleMessage: date == 0) */
} tg__type;
#define TG__SUB_STRING 0xFFFFu
#define TG__SUB_ARRAY 0xFFFEu
typedef struct tg__method {
    uint16_t name;
    uint8_t flags;                    /* TG__CALL_* */
    uint16_t args;                    /* tg__types index of the args struct, 0xFFFF = none */
    uint8_t rkind, rarr;              /* result: kind, array? */
    uint16_t rtype;
} tg__method;
/* update kinds (derived from the Update type): where a kind's sender, chat and business connection live */
enum { TG__CHAT_OBJ = 1, TG__CHAT_ID, TG__CHAT_MAYBE_MESSAGE, TG__CHAT_MESSAGE };
typedef struct tg__update_kind {
    uint16_t name, member, type;      /* kind name, offset in tg_update, payload type */
    uint16_t from, chat;              /* offsets in the payload, 0xFFFF: none */
    uint8_t chat_how;                 /* TG__CHAT_* */
    uint16_t business;                /* offset of the business connection id, 0xFFFF: none */
} tg__update_kind;

/* the generated type table (gen/api.c); a function, not an extern array, so that a TGBOT_STATIC
   build exports nothing */
TGBOT__INTERN const tg__type *tg__type_table(void);
TGBOT__INTERN const tg__field *tg__field_table(void);
TGBOT__INTERN const tg__sub *tg__sub_table(void);
TGBOT__INTERN const char *tg__name_at(uint32_t off);
#define tg__types (tg__type_table())
#define TG__FIELD(ty, j) (&tg__field_table()[(ty)->first + (j)])
#define TG__SUB(ty, i) (&tg__sub_table()[(ty)->first + (i)])
/* a method by name, case-insensitively (Telegram ignores case); NULL: not in this Bot API version */
TGBOT__INTERN const tg__method *tg__method_find(const char *name);
TGBOT__INTERN const tg__update_kind *tg__update_kind_find(const char *name, size_t len);
TGBOT__INTERN int tg__strcasecmp(const char *a, const char *b);
TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out);
TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err);
TGBOT__INTERN tg_err tg__decode_type(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err);

/* ==== src/bot.c ==== */
/* bot: the bot object and the call pipeline: encode → send (retry policy) → parse the envelope.
   Validation of arguments happens in the generated code before tg__req_send; decoding of typed
   results after it (codec.c). */

struct tg_bot {
    tg_allocator alloc;
    tg_logger log;
    tg_platform plat;
    void *user_data;
    char token[128];
    size_t token_len;
    int64_t id;
    bool test_env;
    uint32_t max_retries, request_ms;
    tg__http_client *http;
    tg_json_writer w, tmp;        /* params; per-field scratch for multipart */
    tg__buf path;
    tg_arena arena;
    tg_json_tok *toks;
    uint32_t toks_cap;
    tg_error last;
    tg__req req;
    tg__bot_hooks hooks;
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    tg_analytics *analytics;
#endif
#if TGBOT__HAS_CACHE       /* [cache] NULL until enabled */
    tg__cache *cache;
#endif
#if TGBOT__HAS_RATELIMIT   /* [limits] ratelimit.c */
    tg__ratelimit rl;
#endif
#if TGBOT__HAS_BREAKER     /* [limits] breaker.c */
    tg__breaker br;
#endif
};

static const tg_allocator *tg__a(const tg_bot *b) { return &b->alloc; }

static bool tg__token_ok(const char *t, size_t n) {
    size_t i = 0, d;
    while (i < n && t[i] >= '0' && t[i] <= '9') i++;
    if (i == 0 || i > 20 || i >= n || t[i] != ':') return false;
    d = ++i;
    for (; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return n - d == 35;
}

TGBOT_API tg_err tg_bot_new(tg_bot **out, const tg_bot_desc *desc, tg_error *err) {
    tg_bot_desc zero;
    tg_bot *b;
    const char *tok;
    char filetok[160];
    size_t n;
    tg__http_config hc;
    tg_err e;
    *out = NULL;
    if (err) memset(err, 0, sizeof *err);
    if (!desc) { memset(&zero, 0, sizeof zero); desc = &zero; }
    tok = desc->token;
    if (!tok && desc->token_file) {
        FILE *f = fopen(desc->token_file, "r");
        if (!f || !fgets(filetok, sizeof filetok, f)) {
            if (f) fclose(f);
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "cannot read the token file");
            return TG_ERR_ARG;
        }
        fclose(f);
        filetok[strcspn(filetok, "\r\n")] = '\0';
        tok = filetok;
    }
    if (!tok) tok = getenv("TELEGRAM_BOT_TOKEN");
    if (!tok) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "no bot token: set desc.token, desc.token_file or TELEGRAM_BOT_TOKEN");
        return TG_ERR_ARG;
    }
    n = strlen(tok);
    while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t')) n--;
    if (!tg__token_ok(tok, n)) {
        /* never echo the token: it is a secret even when malformed */
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "the bot token is malformed (expected <digits>:<35 characters of A-Z a-z 0-9 _ ->)");
        tg__wipe(filetok, sizeof filetok);
        return TG_ERR_ARG;
    }
    b = (tg_bot *)tg__alloc(&desc->allocator, sizeof *b);
    if (!b) { tg__wipe(filetok, sizeof filetok); return TG_ERR_NOMEM; }
    memset(b, 0, sizeof *b);
    b->alloc = desc->allocator;
    b->log = desc->logger;
    b->plat = desc->platform;
    b->user_data = desc->user_data;
    memcpy(b->token, tok, n);
    b->token_len = n;
    tg__wipe(filetok, sizeof filetok);
    b->id = (int64_t)strtoll(b->token, NULL, 10);
    b->test_env = desc->test_environment;
    b->max_retries = desc->max_retries ? desc->max_retries : 3;
    b->request_ms = desc->timeouts.request_ms ? desc->timeouts.request_ms : 60000;
#if TGBOT__HAS_RATELIMIT   /* [limits] */
    tg__ratelimit_init(&b->rl, &desc->ratelimit);
#endif
#if TGBOT__HAS_BREAKER     /* [limits] */
    tg__breaker_init(&b->br, &desc->breaker);
#endif
    b->path.a = tg__a(b);
    tg_json_writer_init_grow(&b->w, tg__a(b));
    tg_json_writer_init_grow(&b->tmp, tg__a(b));
    tg_arena_init(&b->arena, tg__a(b));
    memset(&hc, 0, sizeof hc);
    hc.base_url = desc->base_url;
    hc.proxy = desc->proxy;
    hc.tls = desc->tls;
    hc.limits = desc->limits;
    hc.timeouts = desc->timeouts;
    hc.alloc = tg__a(b);
    hc.log = &b->log;
    hc.plat = &b->plat;
    e = tg__http_client_new(&b->http, &hc, err);
    if (e) { tg_bot_free(b); return e; }
#if TGBOT__HAS_CACHE       /* [cache] */
    if (desc->cache.enabled && (e = tg_cache_enable(b, &desc->cache)) != TG_OK) {
        tg__error_set(err, e, TG_PHASE_VALIDATE, "out of memory for the cache");
        tg_bot_free(b);
        return e;
    }
#endif
    *out = b;
    return TG_OK;
}

TGBOT_API void tg_bot_free(tg_bot *bot) {
    tg_allocator a;
    if (!bot) return;
    a = bot->alloc;
    tg__http_client_free(bot->http);
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    tg__analytics_free(bot->analytics);
#endif
#if TGBOT__HAS_CACHE       /* [cache] */
    tg__cache_free(bot->cache);
#endif
    tg_json_writer_free(&bot->w);
    tg_json_writer_free(&bot->tmp);
    if (bot->path.data) tg__wipe(bot->path.data, bot->path.cap);   /* it held the token */
    tg__buf_free(&bot->path);
    tg_arena_free(&bot->arena);
    tg__free(&a, bot->toks, (size_t)bot->toks_cap * sizeof *bot->toks);
    tg__wipe(bot->token, sizeof bot->token);
    tg__wipe(bot, sizeof *bot);
    tg__free(&a, bot, sizeof *bot);
}

TGBOT_API const tg_error *tg_bot_last_error(const tg_bot *bot) { return &bot->last; }
TGBOT_API void tg_bot_reset(tg_bot *bot) { tg_arena_reset(&bot->arena); }
TGBOT_API tg_arena *tg_bot_arena(tg_bot *bot) { return &bot->arena; }
TGBOT_API void *tg_bot_user_data(const tg_bot *bot) { return bot->user_data; }
TGBOT_API int64_t tg_bot_id(const tg_bot *bot) { return bot->id; }
TGBOT__INTERN void tg__bot_set_hooks(tg_bot *bot, const tg__bot_hooks *h) { bot->hooks = *h; }
TGBOT__INTERN const tg_platform *tg__bot_platform(const tg_bot *bot) { return &bot->plat; }
TGBOT__INTERN const tg_logger *tg__bot_logger(const tg_bot *bot) { return &bot->log; }
TGBOT__INTERN const tg_allocator *tg__bot_alloc(const tg_bot *bot) { return &bot->alloc; }
TGBOT__INTERN uint32_t tg__bot_request_timeout(const tg_bot *bot) { return bot->request_ms; }
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
TGBOT__INTERN tg_analytics **tg__bot_analytics_slot(tg_bot *bot) { return &bot->analytics; }
#endif
#if TGBOT__HAS_CACHE       /* [cache] */
TGBOT__INTERN tg__cache **tg__bot_cache_slot(const tg_bot *bot) { return (tg__cache **)&bot->cache; }
#endif

static bool tg__http_code(const tg_error *e, int code) { return e && e->code == TG_ERR_API && e->error_code == code; }
TGBOT_API bool tg_error_is_unauthorized(const tg_error *e) { return tg__http_code(e, 401); }
TGBOT_API bool tg_error_is_forbidden(const tg_error *e) { return tg__http_code(e, 403); }
TGBOT_API bool tg_error_is_bad_request(const tg_error *e) { return tg__http_code(e, 400); }
TGBOT_API bool tg_error_is_not_found(const tg_error *e) { return tg__http_code(e, 404); }
TGBOT_API bool tg_error_is_conflict(const tg_error *e) { return tg__http_code(e, 409); }
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e) { return tg__http_code(e, 429); }

/* ---- requests ---- */
TGBOT__INTERN tg__req *tg__req_begin(tg_bot *bot, const char *method, uint32_t flags) {
    tg__req *r = &bot->req;
    memset(r, 0, offsetof(tg__req, files));
    r->nfiles = 0;
    r->bot = bot;
    r->method = method;
    r->flags = flags;
    r->w = &bot->w;
    tg_json_writer_reset(&bot->w);
    tg_json_obj_begin(&bot->w);
    return r;
}

TGBOT__INTERN const char *tg__req_add_file(tg__req *r, const char *field_name, const tg_input_file *f) {
    tg__http_part *p;
    if (r->nfiles >= TGBOT_MAX_UPLOADS) {
        tg__req_fail(r, TG_ERR_LIMIT, "%s: more than %d files in one request", r->method, TGBOT_MAX_UPLOADS);
        return NULL;
    }
    p = &r->files[r->nfiles];
    memset(p, 0, sizeof *p);
    p->file = f;
    if (field_name) {
        p->name = field_name;
    } else {
        snprintf(r->attach_names[r->nfiles], sizeof r->attach_names[0], "file%u", (unsigned)r->nfiles);
        p->name = r->attach_names[r->nfiles];
    }
    r->nfiles++;
    return p->name;
}

TGBOT__INTERN tg_err tg__req_fail(tg__req *r, tg_err code, const char *fmt, ...) {
    tg_error *e = &r->bot->last;
    va_list ap;
    memset(e, 0, sizeof *e);
    e->code = code;
    e->phase = TG_PHASE_VALIDATE;
    snprintf(e->method, sizeof e->method, "%s", r->method);
    va_start(ap, fmt);
    vsnprintf(e->description, sizeof e->description, fmt, ap);
    va_end(ap);
    if (r->bot->hooks.on_error) r->bot->hooks.on_error(r->bot->hooks.ud, r->method, e);
    return code;
}

/* Multipart: every top-level parameter becomes a form field (strings as they are, other values as
   JSON text), plus the file parts. */
static tg_err tg__req_parts(tg__req *r, const char *json, size_t len, tg__http_part **parts, size_t *nparts) {
    tg_bot *b = r->bot;
    char *copy = tg_arena_strndup(&b->arena, json, len);
    tg_json_tok *toks;
    tg_json_doc d;
    uint32_t i, k, n;
    tg__http_part *p;
    tg_json_parse(&d, copy, len, NULL, 0, NULL);
    toks = (tg_json_tok *)tg_arena_alloc(&b->arena, (size_t)d.needed * sizeof *toks);
    if (!copy || !toks) return TG_ERR_NOMEM;
    memcpy(copy, json, len);
    if (tg_json_parse(&d, copy, len, toks, d.needed, NULL) != TG_OK) return TG_ERR_JSON;
    n = toks[0].count;
    p = (tg__http_part *)tg_arena_alloc(&b->arena, ((size_t)n + r->nfiles) * sizeof *p);
    if (!p) return TG_ERR_NOMEM;
    for (i = 0, k = 1; i < n; i++, k = toks[k + 1].next) {
        tg__http_part *f = &p[i];
        memset(f, 0, sizeof *f);
        f->name = d.buf + toks[k].start;
        if (tg_json_type_of(&d, k + 1) == TG_JSON_STRING) {
            f->value = d.buf + toks[k + 1].start;
            f->value_len = toks[k + 1].len;
        } else {
            tg_json_writer_reset(&b->tmp);
            tg_json_write_value(&b->tmp, &d, k + 1);
            if (b->tmp.err) return b->tmp.err;
            f->value = tg_arena_strndup(&b->arena, b->tmp.buf, b->tmp.len);
            f->value_len = b->tmp.len;
            if (!f->value) return TG_ERR_NOMEM;
        }
    }
    memcpy(p + n, r->files, r->nfiles * sizeof *p);
    *parts = p;
    *nparts = n + r->nfiles;
    return TG_OK;
}

/* parses a response body (copied into the arena) and reads the envelope */
static tg_err tg__req_decode(tg__req *r, const tg__http_response *rs, tg_json_value *result, tg_error *e) {
    tg_bot *b = r->bot;
    tg_json_doc *d = (tg_json_doc *)tg_arena_alloc(&b->arena, sizeof *d);
    char *body = tg_arena_strndup(&b->arena, rs->body, rs->body_len);
    tg_json_tok *toks;
    tg_err pe = TG_OK;
    uint32_t okt;
    bool ok = false;
    if (!d || !body) return TG_ERR_NOMEM;
    for (;;) {   /* the token array grows to fit once, then is reused by every call */
        if (!b->toks || (pe == TG_ERR_LIMIT && d->needed > b->toks_cap)) {
            uint32_t cap = b->toks ? d->needed + d->needed / 4 : 256;
            tg_json_tok *nt = (tg_json_tok *)tg__realloc(tg__a(b), b->toks, (size_t)b->toks_cap * sizeof *nt, (size_t)cap * sizeof *nt);
            if (!nt) return TG_ERR_NOMEM;
            b->toks = nt; b->toks_cap = cap;
            memcpy(body, rs->body, rs->body_len + 1);     /* a failed pass may have decoded strings in place */
        }
        pe = tg_json_parse(d, body, rs->body_len, b->toks, b->toks_cap, NULL);
        if (!(pe == TG_ERR_LIMIT && d->needed > b->toks_cap)) break;
    }
    if (pe != TG_OK) {
        tg__error_set(e, rs->status >= 300 ? TG_ERR_HTTP : TG_ERR_JSON, TG_PHASE_DECODE,
                      "%s: the answer (HTTP %d) is not valid JSON: %s at byte %zu", r->method, rs->status,
                      d->err_reason ? d->err_reason : "?", d->err_offset);
        return e->code;
    }
    /* results point into the arena copy; the token array is copied there too so it survives the next call */
    toks = (tg_json_tok *)tg_arena_alloc(&b->arena, (size_t)d->ntoks * sizeof *toks);
    if (!toks) return TG_ERR_NOMEM;
    memcpy(toks, d->toks, (size_t)d->ntoks * sizeof *toks);
    d->toks = toks;
    d->cap = d->ntoks;
    okt = tg_json_get(d, 0, "ok");
    if (!tg_json_bool(d, okt, &ok)) {
        tg__error_set(e, TG_ERR_HTTP, TG_PHASE_DECODE, "%s: the answer (HTTP %d) is not a Bot API envelope", r->method, rs->status);
        return e->code;
    }
    if (!ok) {
        int64_t code = rs->status, ra = 0, mig = 0;
        const char *desc = NULL;
        tg_json_i64(d, tg_json_get(d, 0, "error_code"), &code);
        tg_json_str(d, tg_json_get(d, 0, "description"), &desc, NULL);
        tg_json_i64(d, tg_json_path(d, 0, "parameters.retry_after"), &ra);
        tg_json_i64(d, tg_json_path(d, 0, "parameters.migrate_to_chat_id"), &mig);
        tg__error_set(e, TG_ERR_API, TG_PHASE_API, "%s", desc ? desc : "error without description");
        e->error_code = (int)code;
        e->retry_after = (int32_t)(ra > 0 && ra < 86400 ? ra : 0);
        e->migrate_to_chat_id = mig;
        return TG_ERR_API;
    }
    if (result) {
        result->doc = d;
        result->tok = tg_json_get(d, 0, "result");
    }
    return TG_OK;
}

static uint32_t tg__backoff_ms(tg_bot *b, uint32_t attempt, int32_t retry_after) {
    uint32_t base, jitter = 0;
    unsigned char rnd[2] = { 0, 0 };
    if (retry_after > 0) return (uint32_t)retry_after * 1000u;
    base = 500u << (attempt < 6 ? attempt : 6);             /* 0.5 s, 1 s, 2 s ... 32 s */
    if (tg__random_bytes(&b->plat, rnd, sizeof rnd) == 0) jitter = ((uint32_t)rnd[0] << 8 | rnd[1]) % (base / 2 + 1);
    return base - base / 4 + jitter;                        /* ±25 % */
}

TGBOT__INTERN bool tg__params_parse(tg_bot *b, const char *json, size_t len, tg_json_doc *d) {
    char *copy = json && len >= 2 ? tg_arena_strndup(&b->arena, json, len) : NULL;
    tg_json_tok *toks;
    if (!copy) return false;
    tg_json_parse(d, copy, len, NULL, 0, NULL);             /* counts the tokens */
    toks = (tg_json_tok *)tg_arena_alloc(&b->arena, (size_t)d->needed * sizeof *toks);
    memcpy(copy, json, len);                                /* the counting pass decoded strings in place */
    return toks && d->needed && tg_json_parse(d, copy, len, toks, d->needed, NULL) == TG_OK &&
           tg_json_type_of(d, 0) == TG_JSON_OBJECT;
}

/* A peer may echo the request path (a proxy's error page, a misbehaving server): the token's secret
   half never leaves the library in an error description or a log line. */
static void tg__scrub_token(const tg_bot *b, char *s) {
    const char *colon = (const char *)memchr(b->token, ':', b->token_len);
    size_t off = colon ? (size_t)(colon - b->token) + 1 : 0, n = b->token_len - off;
    char *p;
    if (n < 8) return;
    while ((p = strstr(s, b->token + off)) != NULL) {
        memcpy(p, "<token>", 7);
        memmove(p + 7, p + n, strlen(p + n) + 1);
    }
}

/* a file_path Telegram returned, percent-encoded for the URL path ('/' kept) */
static tg_err tg__append_file_path(tg__buf *b, const char *p) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        char esc[3];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '/' || ch == '.' || ch == '_' || ch == '-' || ch == '~') {
            if (tg__buf_append(b, p, 1)) return TG_ERR_NOMEM;
            continue;
        }
        esc[0] = '%'; esc[1] = hex[ch >> 4]; esc[2] = hex[ch & 15];
        if (tg__buf_append(b, esc, 3)) return TG_ERR_NOMEM;
    }
    return TG_OK;
}

/* a downloaded file: the bytes are copied into the arena (the response buffer is reused) */
static tg_err tg__download_keep(tg__req *r, const tg__http_response *rs, tg_error *e) {
    char *copy = tg_arena_strndup(&r->bot->arena, rs->body, rs->body_len);
    if (!copy) {
        tg__error_set(e, TG_ERR_NOMEM, TG_PHASE_DECODE, "file download: out of memory for %zu bytes", rs->body_len);
        return TG_ERR_NOMEM;
    }
    r->download->ptr = copy;
    r->download->len = rs->body_len;
    return TG_OK;
}

TGBOT__INTERN tg_err tg__req_send(tg__req *r, tg_json_value *result) {
    tg_bot *b = r->bot;
    tg_error *e = &b->last;
    tg__http_request rq;
    tg__http_response rs;
    const char *json;
    size_t json_len;
    uint32_t attempt;
    tg_err code = TG_OK;
    bool safe = (r->flags & (TG__CALL_READ | TG__CALL_IDEMPOTENT)) != 0;
    uint64_t t0 = tg__now_ms(&b->plat);
    if (result) { result->doc = NULL; result->tok = TG_JSON_NOTFOUND; }
    if (r->raw_params) {
        json = r->raw_params;
        json_len = strlen(json);
    } else {
        tg_json_obj_end(r->w);
        if (r->w->err)
            return tg__req_fail(r, r->w->err, "%s: a parameter could not be encoded (%s)", r->method, tg_err_str(r->w->err));
        json = r->w->buf;
        json_len = r->w->len;
    }
#if TGBOT__HAS_CACHE       /* [cache] a fresh stored answer is decoded as if it had just arrived; nothing is sent */
    if (b->cache) {
        tg__http_response hit;
        const char *body;
        memset(&hit, 0, sizeof hit);
        if (tg__cache_lookup(b->cache, r, json, json_len, &body, &hit.body_len)) {
            memset(e, 0, sizeof *e);
            hit.status = 200;
            hit.body = (char *)body;         /* only read: tg__req_decode works on an arena copy */
            hit.content_type = "application/json";
            code = tg__req_decode(r, &hit, result, e);
            snprintf(e->method, sizeof e->method, "%s", r->method);
            return code;
        }
    }
#endif
    memset(&rq, 0, sizeof rq);
    rq.method = r->file_path ? "GET" : "POST";
    rq.timeout_ms = r->timeout_ms;
    rq.max_body_bytes = r->max_bytes;
    if (r->file_path) {
        /* no body */
    } else if (r->nfiles) {
        tg__http_part *parts;
        size_t n;
        tg_err pe = tg__req_parts(r, json, json_len, &parts, &n);
        if (pe) return tg__req_fail(r, pe, "%s: could not prepare the upload (%s)", r->method, tg_err_str(pe));
        rq.parts = parts;
        rq.nparts = n;
    } else if (json_len > 2) {
        rq.content_type = "application/json";
        rq.body = json;
        rq.body_len = json_len;
    }
    b->path.len = 0;
    if ((r->file_path && tg__buf_append(&b->path, "/file", 5)) ||
        tg__buf_append(&b->path, "/bot", 4) || tg__buf_append(&b->path, b->token, b->token_len) ||
        (b->test_env && tg__buf_append(&b->path, "/test", 5)) || tg__buf_append(&b->path, "/", 1) ||
        (r->file_path ? tg__append_file_path(&b->path, r->file_path)
                      : tg__buf_append(&b->path, r->method, strlen(r->method))))
        return tg__req_fail(r, TG_ERR_NOMEM, "%s: out of memory", r->method);
    rq.path = b->path.data;
    for (attempt = 0;; attempt++) {
        bool retry = false, answered;
        memset(e, 0, sizeof *e);
#if TGBOT__HAS_BREAKER     /* [limits] an open breaker refuses before anything is sent */
        if ((code = tg__breaker_admit(r)) != TG_OK) break;
#endif
#if TGBOT__HAS_RATELIMIT   /* [limits] waits for the call's slot (or refuses: fail_fast) */
        if ((code = tg__ratelimit_admit(r, attempt)) != TG_OK) break;
#endif
        code = tg__http_do(b->http, &rq, &rs, e);
        answered = code == TG_OK;              /* an HTTP answer arrived; what it says is decoded next */
        if (answered) code = r->file_path && rs.status == 200 ? tg__download_keep(r, &rs, e) : tg__req_decode(r, &rs, result, e);
        tg__scrub_token(b, e->description);
        if (answered) {
            if (code == TG_ERR_API) {
                if (e->error_code == 429) {
                    retry = true;                       /* Telegram refused it: nothing happened */
                    if (b->hooks.on_rate_limited) b->hooks.on_rate_limited(b->hooks.ud, r->method, e->retry_after);
                } else if (e->error_code >= 500) {
                    retry = safe;
                }
            } else if (code == TG_ERR_HTTP || code == TG_ERR_JSON) {
                retry = safe && rs.status >= 500;       /* e.g. an HTML page from a proxy */
            }
        } else if (code != TG_ERR_NOMEM && code != TG_ERR_ARG && code != TG_ERR_UNSUPPORTED && code != TG_ERR_STOPPED &&
                   tg_err_kind_of(code) != TG_KIND_TLS) {
            if (!e->request_sent || safe) {
                retry = code != TG_ERR_LIMIT;           /* an answer over a limit would be again */
            } else {
                char cause[160];
                snprintf(cause, sizeof cause, "%.150s", e->description);
                tg__error_set(e, TG_ERR_OUTCOME_UNKNOWN, e->phase,
                              "%s may have reached Telegram (%s); not repeated: check the chat%s before trying again",
                              r->method, cause, (r->flags & TG__CALL_SPENDS) ? " and getStarTransactions" : "");
                e->request_sent = true;
                code = TG_ERR_OUTCOME_UNKNOWN;
            }
        }
#if TGBOT__HAS_RATELIMIT   /* [limits] a 429 pauses the call's scope */
        tg__ratelimit_outcome(r, code, e);
#endif
#if TGBOT__HAS_BREAKER     /* [limits] network errors and 5xx count against the breaker; once open, no retry */
        if (tg__breaker_outcome(r, answered, answered ? rs.status : 0, code, e)) retry = false;
#endif
        if (!retry || attempt >= b->max_retries) break;
        {
            uint32_t wait = tg__backoff_ms(b, attempt, e->retry_after);
            if (b->hooks.on_retry) b->hooks.on_retry(b->hooks.ud, r->method, attempt + 1, wait, e);
#if TGBOT__HAS_ANALYTICS   /* [analytics] a 429 back-off wait */
            tg__analytics_retry(b->analytics, e, wait);
#endif
            tg__log(&b->log, TG_LOG_WARN, "%s: %s; retry %u in %u ms", r->method, e->description, attempt + 1, wait);
            tg__sleep_ms(&b->plat, wait);
        }
    }
    snprintf(e->method, sizeof e->method, "%s", r->method);
#if TGBOT__HAS_CACHE       /* [cache] a read's answer is stored; any other call drops what it may have changed */
    if (b->cache) tg__cache_after(b->cache, r, json, json_len, code, code == TG_OK ? rs.body : NULL, code == TG_OK ? rs.body_len : 0);
#endif
#if TGBOT__HAS_ANALYTICS   /* [analytics] the one observer of a finished call */
    tg__analytics_call(b->analytics, r->method, e, code, tg__now_ms(&b->plat) - t0, attempt + 1);
#endif
    if (code == TG_OK) {
        if (b->hooks.on_sent) b->hooks.on_sent(b->hooks.ud, r->method, tg__now_ms(&b->plat) - t0);
    } else if (code != TG_ERR_STOPPED) {     /* a requested stop is not a failure */
        tg__log(&b->log, TG_LOG_ERROR, "%s failed: %s", r->method, e->description);
        if (b->hooks.on_error) b->hooks.on_error(b->hooks.ud, r->method, e);
    }
    return code;
}

TGBOT_API tg_err tg_download_file(tg_bot *bot, const char *file_path, size_t max_bytes, tg_str *out) {
    tg__req *r = tg__req_begin(bot, "downloadFile", TG__CALL_READ);
    const char *p;
    out->ptr = NULL; out->len = 0;
    if (!file_path || !*file_path || file_path[0] == '/')
        return tg__req_fail(r, TG_ERR_ARG, "downloadFile: file_path must be the relative path getFile returned");
    for (p = file_path; *p; p++)     /* no way out of the file area, no control bytes */
        if ((unsigned char)*p < 0x20 || (p[0] == '.' && p[1] == '.' && (p == file_path || p[-1] == '/') && (p[2] == '/' || !p[2])))
            return tg__req_fail(r, TG_ERR_ARG, "downloadFile: file_path contains '..' or a control character");
    r->file_path = file_path;
    r->max_bytes = max_bytes ? max_bytes : TGBOT_DOWNLOAD_MAX;
    r->download = out;
    return tg__req_send(r, NULL);
}

TGBOT_API tg_err tg_download_file_id(tg_bot *bot, const char *file_id, size_t max_bytes, tg_str *out) {
    tg_get_file_args a;
    tg_file *f = NULL;
    tg_err e;
    out->ptr = NULL; out->len = 0;
    memset(&a, 0, sizeof a);
    a.file_id = file_id;
    if ((e = tg_get_file(bot, &a, &f)) != TG_OK) return e;
    if (!f || !f->file_path) {
        tg__error_set(&bot->last, TG_ERR_API, TG_PHASE_API, "getFile: no file_path in the answer (file too big to download?)");
        return TG_ERR_API;
    }
    if (f->has_file_size && (uint64_t)f->file_size > (max_bytes ? max_bytes : TGBOT_DOWNLOAD_MAX)) {
        tg__error_set(&bot->last, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "downloadFile: the file has %lld bytes, over the limit of %zu",
                      (long long)f->file_size, max_bytes ? max_bytes : TGBOT_DOWNLOAD_MAX);
        return TG_ERR_LIMIT;
    }
    return tg_download_file(bot, f->file_path, max_bytes, out);
}

TGBOT_API tg_err tg_call(tg_bot *bot, const char *method, const char *params_json, tg_json_value *result) {
    tg__req *r;
    size_t i;
    uint32_t flags = TG__CALL_SENDS;     /* unknown methods are treated as not safe to repeat */
    const tg__method *known;
    if (!method || !*method) {
        tg__error_set(&bot->last, TG_ERR_ARG, TG_PHASE_VALIDATE, "tg_call: no method name");
        return TG_ERR_ARG;
    }
    if ((known = tg__method_find(method)) != NULL) flags = known->flags;   /* the typed call's class */
    r = tg__req_begin(bot, method, flags);
    for (i = 0; method[i]; i++)
        if (!((method[i] >= 'a' && method[i] <= 'z') || (method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= '0' && method[i] <= '9')))
            return tg__req_fail(r, TG_ERR_ARG, "tg_call: invalid method name");
    if (params_json) {
        size_t n = strlen(params_json), j = 0;
        while (j < n && (params_json[j] == ' ' || params_json[j] == '\n' || params_json[j] == '\t' || params_json[j] == '\r')) j++;
        if (j == n || params_json[j] != '{') return tg__req_fail(r, TG_ERR_ARG, "%s: params must be a JSON object", method);
        r->raw_params = params_json;
    }
    return tg__req_send(r, result);
}

/* ==== src/codec.c ==== */
/* codec: walks the generated type tables to decode Bot API JSON into C structs (zero-copy strings,
   memory from an arena) and to encode C structs (types and method arguments) into JSON.
   Unknown members are skipped; an unknown variant of an abstract type decodes with kind 0. */

typedef struct tg__abs { int kind; void *ptr; } tg__abs;            /* layout of every abstract struct */
typedef struct tg__list { void *items; size_t count; } tg__list;    /* layout of every tg_x_list */

static size_t tg__kind_size(uint8_t kind, uint16_t type) {
    switch (kind) {
    case TG__K_I64: return sizeof(int64_t);
    case TG__K_F64: return sizeof(double);
    case TG__K_BOOL: return sizeof(bool);
    case TG__K_STR: return sizeof(const char *);
    case TG__K_CHATREF: return sizeof(tg_chat_ref);
    case TG__K_FILE: return sizeof(const tg_input_file *);
    case TG__K_FLAG: return sizeof(tg_flag);
    default: return tg__types[type].abs ? sizeof(tg__abs) : tg__types[type].size;
    }
}

static tg_err tg__dec_obj(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err);

static tg_err tg__dec_bad(const char *where, const char *field, tg_error *err) {
    tg__error_set(err, TG_ERR_TYPE, TG_PHASE_DECODE, "%s%s%s has an unexpected JSON type", where, field ? "." : "", field ? field : "");
    return TG_ERR_TYPE;
}

/* one value of `kind` into dst (objects inline at dst) */
static tg_err tg__dec_one(uint8_t kind, uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *dst,
                          const char *where, tg_error *err) {
    switch (kind) {
    case TG__K_I64: return tg_json_i64(d, t, (int64_t *)dst) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_F64: return tg_json_f64(d, t, (double *)dst) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_BOOL: return tg_json_bool(d, t, (bool *)dst) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_STR: return tg_json_str(d, t, (const char **)dst, NULL) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_FLAG: {
        bool b;
        if (!tg_json_bool(d, t, &b)) return tg__dec_bad(where, NULL, err);
        *(tg_flag *)dst = b ? TG_FLAG_TRUE : TG_FLAG_FALSE;
        return TG_OK;
    }
    case TG__K_CHATREF: {
        tg_chat_ref *c = (tg_chat_ref *)dst;
        if (tg_json_i64(d, t, &c->id) || tg_json_str(d, t, &c->username, NULL)) return TG_OK;
        return tg__dec_bad(where, NULL, err);
    }
    case TG__K_FILE: {          /* in JSON a file is a file_id, a URL or an attach:// reference */
        tg_input_file *f = (tg_input_file *)tg_arena_alloc(a, sizeof *f);
        if (!f) return TG_ERR_NOMEM;
        memset(f, 0, sizeof *f);
        if (!tg_json_str(d, t, &f->id_or_url, NULL)) return tg__dec_bad(where, NULL, err);
        *(const tg_input_file **)dst = f;
        return TG_OK;
    }
    default:
        return tg__dec_obj(type, d, t, a, dst, err);
    }
}

static tg_err tg__dec_array(uint8_t kind, uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a,
                            void **items, size_t *count, const char *where, tg_error *err) {
    size_t n, es = tg__kind_size(kind, type), i;
    uint32_t k;
    char *p;
    if (tg_json_type_of(d, t) != TG_JSON_ARRAY) return tg__dec_bad(where, NULL, err);
    n = d->toks[t].count;
    *count = n;
    *items = NULL;
    if (!n) {                   /* [] stays distinguishable from absent: a non-NULL empty array */
        static const int64_t tg__empty = 0;
        *items = (void *)(uintptr_t)&tg__empty;
        return TG_OK;
    }
    p = (char *)tg_arena_alloc(a, n * es);
    if (!p) return TG_ERR_NOMEM;
    memset(p, 0, n * es);
    for (i = 0, k = t + 1; i < n; i++, k = d->toks[k].next) {
        tg_err e = tg__dec_one(kind, type, d, k, a, p + i * es, where, err);
        if (e) return e;
    }
    *items = p;
    return TG_OK;
}

/* the raw text of a discriminator: a string's value, or a number's literal ("0") */
static bool tg__disc_text(const tg_json_doc *d, uint32_t t, bool number, const char **s, size_t *n) {
    if (t == TG_JSON_NOTFOUND) return false;
    if (number) {
        if (tg_json_type_of(d, t) != TG_JSON_NUMBER) return false;
        *s = d->buf + d->toks[t].start;
        *n = d->toks[t].len;
        return true;
    }
    return tg_json_str(d, t, s, n);
}

static bool tg__disc_is(const tg__sub *sb, const char *v, size_t n) {
    const char *want = sb->disc_val ? tg__name_at(sb->disc_val) : NULL;
    return want && strlen(want) == n && memcmp(want, v, n) == 0;
}

static tg_err tg__dec_abstract(const tg__type *ty, const tg_json_doc *d, uint32_t t, tg_arena *a, tg__abs *out, tg_error *err) {
    tg_json_type jt = tg_json_type_of(d, t);
    const char *tyname = tg__name_at(ty->name);
    uint16_t i, sub = 0xFFFFu;
    out->kind = 0;
    out->ptr = NULL;
    for (i = 0; i < ty->n; i++) {
        uint16_t st = TG__SUB(ty, i)->type;
        if (jt == TG_JSON_STRING && st == TG__SUB_STRING) {
            const char *s = NULL;
            tg_json_str(d, t, &s, NULL);
            out->kind = i + 1;
            out->ptr = (void *)(uintptr_t)s;
            return TG_OK;
        }
        if (jt == TG_JSON_ARRAY && st == TG__SUB_ARRAY) {
            tg__list *l = (tg__list *)tg_arena_alloc(a, sizeof *l);
            if (!l) return TG_ERR_NOMEM;
            out->kind = i + 1;
            out->ptr = l;
            return tg__dec_array(TG__K_OBJ, (uint16_t)(ty - tg__types), d, t, a, &l->items, &l->count, tyname, err);
        }
    }
    if (jt != TG_JSON_OBJECT) return tg__dec_bad(tyname, NULL, err);
    {   /* variants whose tag matches (several may share one, e.g. InlineQueryResultPhoto and
           InlineQueryResultCachedPhoto); with a numeric tag (date == 0: InaccessibleMessage) the
           variants without a fixed value take every other number. Among them, or among all when
           there is no tag, the first whose required members are all present */
        const char *v = NULL;
        size_t vn = 0;
        bool tagged = ty->abs == TG__ABS_TAG || ty->abs == TG__ABS_NUMBER, any_fixed = false;
        if (tagged && !tg__disc_text(d, tg_json_get(d, t, tg__name_at(ty->disc)), ty->abs == TG__ABS_NUMBER, &v, &vn))
            return tg__dec_bad(tyname, tg__name_at(ty->disc), err);
        if (ty->abs == TG__ABS_NUMBER)
            for (i = 0; i < ty->n; i++) if (tg__disc_is(TG__SUB(ty, i), v, vn)) any_fixed = true;
        {
            uint32_t best = 0;
            for (i = 0; i < ty->n; i++) {
                const tg__sub *sb = TG__SUB(ty, i);
                const tg__type *st;
                uint16_t f;
                uint32_t m, k, known = 1;
                bool all = true;
                if (sb->type >= TG__SUB_ARRAY) continue;
                if (ty->abs == TG__ABS_TAG && !tg__disc_is(sb, v, vn)) continue;
                if (ty->abs == TG__ABS_NUMBER && (any_fixed ? !tg__disc_is(sb, v, vn) : sb->disc_val != 0)) continue;
                st = &tg__types[sb->type];
                for (f = 0; f < st->n && all; f++)
                    if ((TG__FIELD(st, f)->flags & TG__F_REQ) && tg_json_get(d, t, tg__name_at(TG__FIELD(st, f)->name)) == TG_JSON_NOTFOUND) all = false;
                if (!all) continue;
                /* best fit: the variant that knows most of the members present */
                for (m = 0, k = t + 1; m < d->toks[t].count; m++, k = d->toks[k + 1].next)
                    for (f = 0; f < st->n; f++)
                        if (strcmp(tg__name_at(TG__FIELD(st, f)->name), d->buf + d->toks[k].start) == 0) { known++; break; }
                if (known > best) { best = known; sub = i; }
            }
        }
        if (sub == 0xFFFFu && ty->abs == TG__ABS_TAG) {   /* tag known but members missing: still the first tagged variant */
            for (i = 0; i < ty->n && sub == 0xFFFFu; i++)
                if (TG__SUB(ty, i)->type < TG__SUB_ARRAY && tg__disc_is(TG__SUB(ty, i), v, vn)) sub = i;
        }
        if (sub == 0xFFFFu) return TG_OK;          /* a variant newer than this build: kind 0 */
    }
    {
        uint16_t stype = TG__SUB(ty, sub)->type;
        const tg__type *st = &tg__types[stype];
        void *p = tg_arena_alloc(a, st->size);
        if (!p) return TG_ERR_NOMEM;
        memset(p, 0, st->size);
        out->kind = sub + 1;
        out->ptr = p;
        return tg__dec_obj(stype, d, t, a, p, err);
    }
}

static tg_err tg__dec_obj(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err) {
    const tg__type *ty = &tg__types[type];
    uint32_t i, k, n;
    if (ty->abs) return tg__dec_abstract(ty, d, t, a, (tg__abs *)out, err);
    if (tg_json_type_of(d, t) != TG_JSON_OBJECT) return tg__dec_bad(tg__name_at(ty->name), NULL, err);
    n = d->toks[t].count;
    for (i = 0, k = t + 1; i < n; i++, k = d->toks[k + 1].next) {
        const char *key = d->buf + d->toks[k].start;
        const tg__field *f = NULL;
        uint16_t j;
        char *base = (char *)out;
        tg_err e;
        for (j = 0; j < ty->n; j++)
            if (strcmp(tg__name_at(TG__FIELD(ty, j)->name), key) == 0) { f = TG__FIELD(ty, j); break; }
        if (!f) continue;                          /* unknown members are skipped */
        if (tg_json_type_of(d, k + 1) == TG_JSON_NULL) continue;
        if (f->flags & TG__F_ARR2) {
            tg__list *lists;
            size_t cnt, m;
            uint32_t q;
            if (tg_json_type_of(d, k + 1) != TG_JSON_ARRAY) return tg__dec_bad(tg__name_at(ty->name), tg__name_at(f->name), err);
            cnt = d->toks[k + 1].count;
            lists = (tg__list *)tg_arena_alloc(a, (cnt ? cnt : 1) * sizeof *lists);
            if (!lists) return TG_ERR_NOMEM;
            for (m = 0, q = k + 2; m < cnt; m++, q = d->toks[q].next) {
                e = tg__dec_array(f->kind, f->type, d, q, a, &lists[m].items, &lists[m].count, tg__name_at(f->name), err);
                if (e) return e;
            }
            *(tg__list **)(void *)(base + f->off) = lists;
            *(size_t *)(void *)(base + f->aux) = cnt;
        } else if (f->flags & TG__F_ARR) {
            e = tg__dec_array(f->kind, f->type, d, k + 1, a, (void **)(void *)(base + f->off), (size_t *)(void *)(base + f->aux), tg__name_at(f->name), err);
            if (e) return e;
        } else if (f->kind == TG__K_OBJ && (f->flags & TG__F_PTR)) {
            size_t sz = tg__kind_size(TG__K_OBJ, f->type);
            void *p = tg_arena_alloc(a, sz);
            if (!p) return TG_ERR_NOMEM;
            memset(p, 0, sz);
            e = tg__dec_obj(f->type, d, k + 1, a, p, err);
            if (e) return e;
            *(void **)(void *)(base + f->off) = p;
        } else {
            e = tg__dec_one(f->kind, f->type, d, k + 1, a, base + f->off, tg__name_at(f->name), err);
            if (e) return e;
            if (f->flags & TG__F_HAS) *(bool *)(void *)(base + f->aux) = true;
        }
    }
    return TG_OK;
}

TGBOT__INTERN tg_err tg__decode_type(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err) {
    memset(out, 0, tg__kind_size(TG__K_OBJ, type));
    if (t == TG_JSON_NOTFOUND || !d) { tg__error_set(err, TG_ERR_NOT_FOUND, TG_PHASE_DECODE, "no value to decode"); return TG_ERR_NOT_FOUND; }
    return tg__dec_obj(type, d, t, a, out, err);
}

/* ---- encoding ---- */
static tg_err tg__enc_obj(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, bool top, tg_error *err);

static tg_err tg__enc_one(tg_json_writer *w, tg__req *r, uint8_t kind, uint16_t type, const void *src, tg_error *err) {
    switch (kind) {
    case TG__K_I64: tg_json_write_i64(w, *(const int64_t *)src); break;
    case TG__K_F64: tg_json_write_f64(w, *(const double *)src); break;
    case TG__K_BOOL: tg_json_write_bool(w, *(const bool *)src); break;
    case TG__K_FLAG: tg_json_write_bool(w, *(const tg_flag *)src == TG_FLAG_TRUE); break;
    case TG__K_STR: tg_json_write_str(w, *(const char *const *)src); break;
    case TG__K_CHATREF: {
        const tg_chat_ref *c = (const tg_chat_ref *)src;
        if (c->username) tg_json_write_str(w, c->username); else tg_json_write_i64(w, c->id);
        break;
    }
    case TG__K_FILE: {          /* inside JSON: a file_id/URL, or an upload referenced as attach://name */
        const tg_input_file *f = *(const tg_input_file *const *)src;
        char ref[40];
        const char *name;
        if (f->id_or_url) { tg_json_write_str(w, f->id_or_url); break; }
        if (!r) { tg__error_set(err, TG_ERR_UNSUPPORTED, TG_PHASE_VALIDATE, "a file upload cannot be encoded here"); return TG_ERR_UNSUPPORTED; }
        if (!(name = tg__req_add_file(r, NULL, f))) return TG_ERR_LIMIT;
        snprintf(ref, sizeof ref, "attach://%s", name);
        tg_json_write_str(w, ref);
        break;
    }
    default:
        return tg__enc_obj(w, r, type, src, false, err);
    }
    return TG_OK;
}

static tg_err tg__enc_array(tg_json_writer *w, tg__req *r, uint8_t kind, uint16_t type, const void *items, size_t n, tg_error *err) {
    size_t es = tg__kind_size(kind, type), i;
    tg_json_arr_begin(w);
    for (i = 0; i < n; i++) {
        tg_err e = tg__enc_one(w, r, kind, type, (const char *)items + i * es, err);
        if (e) return e;
    }
    tg_json_arr_end(w);
    return TG_OK;
}

static bool tg__present(const tg__field *f, const char *base) {
    const void *p = base + f->off;
    /* a required number or boolean is always sent: 0 and false are values, not absence */
    if ((f->flags & TG__F_REQ) && !(f->flags & (TG__F_ARR | TG__F_ARR2)) &&
        (f->kind == TG__K_I64 || f->kind == TG__K_F64 || f->kind == TG__K_BOOL)) return true;
    if (f->flags & (TG__F_ARR | TG__F_ARR2)) return *(const void *const *)p != NULL;   /* [] is sent: pointer set, count 0 */
    if ((f->flags & TG__F_HAS) && *(const bool *)(const void *)(base + f->aux)) return true;
    switch (f->kind) {
    case TG__K_I64: return *(const int64_t *)p != 0;
    case TG__K_F64: return *(const double *)p != 0.0;
    case TG__K_BOOL: return *(const bool *)p;
    case TG__K_FLAG: return *(const tg_flag *)p != TG_FLAG_UNSET;
    case TG__K_CHATREF: return ((const tg_chat_ref *)p)->id != 0 || ((const tg_chat_ref *)p)->username;
    case TG__K_OBJ: return (f->flags & TG__F_PTR) ? *(const void *const *)p != NULL : true;
    default: return *(const void *const *)p != NULL;     /* strings and files */
    }
}

static tg_err tg__enc_fields(tg_json_writer *w, tg__req *r, const tg__type *ty, const void *obj, bool top,
                             uint16_t skip, tg_error *err) {
    const char *base = (const char *)obj;
    uint16_t j;
    for (j = 0; j < ty->n; j++) {
        const tg__field *f = TG__FIELD(ty, j);
        const char *name = tg__name_at(f->name);
        tg_err e = TG_OK;
        if (skip && strcmp(name, tg__name_at(skip)) == 0) continue;   /* the tag: written from the variant's kind */
        if ((f->flags & TG__F_RAW) && *(const char *const *)(const void *)(base + f->raw_off)) {
            const char *raw = *(const char *const *)(const void *)(base + f->raw_off);
            tg_json_key(w, name);
            tg_json_write_raw(w, raw, strlen(raw));
            continue;
        }
        if (!tg__present(f, base)) {
            if (f->flags & TG__F_REQ) {
                tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "%s%s%s is required", top ? "" : tg__name_at(ty->name), top ? "" : ".", name);
                return TG_ERR_ARG;
            }
            continue;
        }
        if (top && f->kind == TG__K_FILE && !(f->flags & TG__F_ARR)) {
            /* a direct InputFile parameter: an upload becomes its own multipart field */
            const tg_input_file *file = *(const tg_input_file *const *)(const void *)(base + f->off);
            if (!file->id_or_url) {
                if (!r) return TG_ERR_UNSUPPORTED;
                if (!tg__req_add_file(r, name, file)) return TG_ERR_LIMIT;
                continue;
            }
        }
        tg_json_key(w, name);
        if (f->flags & TG__F_ARR2) {
            const tg__list *lists = *(const tg__list *const *)(const void *)(base + f->off);
            size_t n = *(const size_t *)(const void *)(base + f->aux), m;
            tg_json_arr_begin(w);
            for (m = 0; m < n && !e; m++) e = tg__enc_array(w, r, f->kind, f->type, lists[m].items, lists[m].count, err);
            tg_json_arr_end(w);
        } else if (f->flags & TG__F_ARR) {
            e = tg__enc_array(w, r, f->kind, f->type, *(const void *const *)(const void *)(base + f->off),
                              *(const size_t *)(const void *)(base + f->aux), err);
        } else if (f->kind == TG__K_OBJ && (f->flags & TG__F_PTR)) {
            e = tg__enc_obj(w, r, f->type, *(const void *const *)(const void *)(base + f->off), false, err);
        } else {
            e = tg__enc_one(w, r, f->kind, f->type, base + f->off, err);
        }
        if (e) return e;
    }
    return TG_OK;
}

static tg_err tg__enc_obj(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, bool top, tg_error *err) {
    const tg__type *ty = &tg__types[type];
    tg_err e;
    if (ty->abs) {
        const tg__abs *ab = (const tg__abs *)obj;
        const tg__sub *sb;
        if (ab->kind <= 0 || ab->kind > ty->n || !ab->ptr) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "%s: no variant is set (kind %d)", tg__name_at(ty->name), ab->kind);
            return TG_ERR_ARG;
        }
        sb = TG__SUB(ty, ab->kind - 1);
        if (sb->type == TG__SUB_STRING) { tg_json_write_str(w, (const char *)ab->ptr); return TG_OK; }
        if (sb->type == TG__SUB_ARRAY) {
            const tg__list *l = (const tg__list *)ab->ptr;
            return tg__enc_array(w, r, TG__K_OBJ, type, l->items, l->count, err);
        }
        tg_json_obj_begin(w);
        if (ty->abs == TG__ABS_TAG) {           /* the tag comes from the kind: users need not set it */
            tg_json_key(w, tg__name_at(ty->disc));
            tg_json_write_str(w, tg__name_at(sb->disc_val));
        }
        e = tg__enc_fields(w, r, &tg__types[sb->type], ab->ptr, false, ty->abs == TG__ABS_TAG ? ty->disc : 0, err);
        tg_json_obj_end(w);
        return e;
    }
    if (!top) tg_json_obj_begin(w);
    e = tg__enc_fields(w, r, ty, obj, top, 0, err);
    if (!top) tg_json_obj_end(w);
    return e;
}

/* a failure leaves no partial JSON behind: the output is cut back and the writer's error is sticky */
TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err) {
    size_t len = w->len;
    uint32_t depth = w->depth;
    tg_err e = w->err ? w->err : tg__enc_obj(w, r, type, obj, false, err);
    if (!e) e = w->err;
    if (e) {
        w->len = len;
        w->depth = depth;
        if (w->buf && w->cap > len) w->buf[len] = '\0';
        w->err = e;
    }
    return e;
}

TGBOT__INTERN int tg__strcasecmp(const char *a, const char *b) {
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
        if (x != y || !x) return x - y;
    }
}

/* ---- methods ---- */
TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out) {
    const char *mname = tg__name_at(m->name);
    tg__req *r = tg__req_begin(bot, mname, m->flags);
    tg_error tmp;
    tg_json_value v;
    tg_err e;
    memset(&tmp, 0, sizeof tmp);
    if (m->args != 0xFFFFu) {
        static const char zero[4096] = { 0 };   /* args == NULL: every parameter unset */
        const tg__type *at = &tg__types[m->args];
        const void *a = args ? args : (at->size <= sizeof zero ? (const void *)zero : NULL);
        if (!a) return tg__req_fail(r, TG_ERR_ARG, "%s: arguments are required", mname);
        e = tg__enc_obj(r->w, r, m->args, a, true, &tmp);
        if (e) return tg__req_fail(r, e, "%s: %s", mname, tmp.description[0] ? tmp.description : tg_err_str(e));
        /* the escape hatch: members of a raw JSON object merged into the parameters */
        {
            const char *extra = *(const char *const *)(const void *)((const char *)a + at->size - sizeof(const char *));
            if (extra && tg_json_merge_object(r->w, extra) != TG_OK)
                return tg__req_fail(r, TG_ERR_ARG, "%s: extra_json must be a JSON object", mname);
        }
    }
    e = tg__req_send(r, out ? &v : NULL);
    if (e || !out) return e;
    switch (m->rkind) {
    case TG__K_BOOL:
        if (!tg_json_bool(v.doc, v.tok, (bool *)out)) e = TG_ERR_TYPE;
        break;
    case TG__K_I64:
        if (!tg_json_i64(v.doc, v.tok, (int64_t *)out)) e = TG_ERR_TYPE;
        break;
    case TG__K_STR:
        if (!tg_json_str(v.doc, v.tok, (const char **)out, NULL)) e = TG_ERR_TYPE;
        break;
    default:
        if (m->rarr) {
            tg__list *l = (tg__list *)out;
            e = tg__dec_array(TG__K_OBJ, m->rtype, v.doc, v.tok, tg_bot_arena(bot), &l->items, &l->count, mname, &tmp);
        } else if (tg_json_type_of(v.doc, v.tok) == TG_JSON_TRUE) {
            *(void **)out = NULL;            /* "Message or True": no message to return */
        } else {
            size_t sz = tg__kind_size(TG__K_OBJ, m->rtype);
            void *p = tg_arena_alloc(tg_bot_arena(bot), sz);
            if (!p) return TG_ERR_NOMEM;
            memset(p, 0, sz);
            e = tg__dec_obj(m->rtype, v.doc, v.tok, tg_bot_arena(bot), p, &tmp);
            *(void **)out = e ? NULL : p;
        }
    }
    if (e) {
        tg_error *le = (tg_error *)(uintptr_t)tg_bot_last_error(bot);
        tg__error_set(le, e, TG_PHASE_DECODE, "%s: unexpected result: %s", mname, tmp.description[0] ? tmp.description : "wrong JSON type");
        snprintf(le->method, sizeof le->method, "%s", mname);
    }
    return e;
}

/* ==== src/gen/api.c ==== */
/* GENERATED by tools/gen_api.py from the Bot API 10.3 schema (src/gen/botapi-schema.json): do not edit. */
/* every name, NUL-terminated, once; offsets into it stand for names in the tables (no
   pointers: nothing for the loader to relocate). Char arrays have alignment 1: one blob. */
static const struct {
    char c0[3892];
    char c1[3897];
    char c2[3876];
    char c3[3895];
    char c4[3894];
    char c5[3901];
    char c6[3893];
    char c7[751];
} tg__name_blob = {"\0"
    "update\0""webhook_info\0""user\0""chat\0""chat_full_info\0""message\0""message_id\0""inaccessible_message\0"
    "maybe_inaccessible_message\0""message_entity\0""text_quote\0""external_reply_info\0""reply_parameters\0"
    "ephemeral_message_parameters\0""message_origin\0""message_origin_user\0""message_origin_hidden_user\0"
    "message_origin_chat\0""message_origin_channel\0""photo_size\0""animation\0""audio\0""document\0"
    "live_photo\0""story\0""video_quality\0""video\0""video_note\0""voice\0""paid_media_info\0""paid_media\0"
    "paid_media_live_photo\0""paid_media_photo\0""paid_media_preview\0""paid_media_video\0""contact\0""dice\0"
    "link\0""poll_media\0""input_poll_media\0""input_poll_option_media\0""poll_option\0""input_poll_option\0"
    "poll_answer\0""poll\0""checklist_task\0""checklist\0""input_checklist_task\0""input_checklist\0""location\0"
    "venue\0""web_app_data\0""proximity_alert_triggered\0""message_auto_delete_timer_changed\0"
    "managed_bot_created\0""managed_bot_updated\0""bot_subscription_updated\0""message_generation_stopped\0"
    "poll_option_added\0""poll_option_deleted\0""chat_boost_added\0""background_fill\0""background_fill_solid\0"
    "background_fill_gradient\0""background_fill_freeform_gradient\0""background_type\0""background_type_fill\0"
    "background_type_wallpaper\0""background_type_pattern\0""background_type_chat_theme\0""chat_background\0"
    "checklist_tasks_done\0""checklist_tasks_added\0""community_chat_added\0""community_chat_joined\0"
    "community_chat_removed\0""forum_topic_created\0""forum_topic_closed\0""forum_topic_edited\0"
    "forum_topic_reopened\0""general_forum_topic_hidden\0""general_forum_topic_unhidden\0""shared_user\0"
    "users_shared\0""chat_shared\0""write_access_allowed\0""video_chat_scheduled\0""video_chat_started\0"
    "video_chat_ended\0""video_chat_participants_invited\0""paid_message_price_changed\0"
    "direct_message_price_changed\0""suggested_post_approved\0""suggested_post_approval_failed\0"
    "suggested_post_declined\0""suggested_post_paid\0""suggested_post_refunded\0""giveaway_created\0""giveaway\0"
    "giveaway_winners\0""giveaway_completed\0""link_preview_options\0""suggested_post_price\0"
    "suggested_post_info\0""suggested_post_parameters\0""direct_messages_topic\0""user_profile_photos\0"
    "user_profile_audios\0""file\0""web_app_info\0""reply_keyboard_markup\0""keyboard_button\0"
    "keyboard_button_request_users\0""keyboard_button_request_chat\0""keyboard_button_request_managed_bot\0"
    "keyboard_button_poll_type\0""reply_keyboard_remove\0""inline_keyboard_markup\0""inline_keyboard_button\0"
    "login_url\0""switch_inline_query_chosen_chat\0""copy_text_button\0""disabled_button\0""callback_query\0"
    "force_reply\0""community\0""chat_photo\0""chat_invite_link\0""chat_administrator_rights\0"
    "chat_member_updated\0""chat_member\0""chat_member_owner\0""chat_member_administrator\0""chat_member_member\0"
    "chat_member_restricted\0""chat_member_left\0""chat_member_banned\0""chat_join_request\0""chat_permissions\0"
    "birthdate\0""business_intro\0""business_location\0""business_opening_hours_interval\0"
    "business_opening_hours\0""user_rating\0""story_area_position\0""location_address\0""story_area_type\0"
    "story_area_type_location\0""story_area_type_suggested_reaction\0""story_area_type_link\0"
    "story_area_type_weather\0""story_area_type_unique_gift\0""story_area\0""chat_location\0""reaction_type\0"
    "reaction_type_emoji\0""reaction_type_custom_emoji\0""reaction_type_paid\0""reaction_count\0"
    "message_reaction_updated\0""message_reaction_count_updated\0""forum_topic\0""gift_background\0""gift\0"
    "gifts\0""unique_gift_model\0""unique_gift_symbol\0""unique_gift_backdrop_colors\0""unique_gift_backdrop\0"
    "unique_gift_colors\0""unique_gift\0""gift_info\0""unique_gift_info\0""owned_gift\0""owned_gift_regular\0"
    "owned_gift_unique\0""owned_gifts\0""bot_access_settings\0""accepted_gift_types\0""star_amount\0"
    "bot_command\0""bot_command_scope\0""bot_command_scope_default\0""bot_command_scope_all_private_chats\0"
    "bot_command_scope_all_group_chats\0""bot_command_scope_all_chat_administrators\0""bot_command_scope_chat\0"
    "bot_command_scope_chat_administrators\0""bot_command_scope_chat_member\0""bot_name\0""bot_description\0"
    "bot_short_description\0""menu_button\0""menu_button_commands\0""menu_button_web_app\0""menu_button_default\0"
    "chat_boost_source\0""chat_boost_source_premium\0""chat_boost_source_gift_code\0"
    "chat_boost_source_giveaway\0""chat_boost\0""chat_boost_updated\0""chat_boost_removed\0""chat_owner_left\0"
    "chat_owner_changed\0""user_chat_boosts\0""business_bot_rights\0",
    "business_connection\0""business_messages_deleted\0""sent_web_app_message\0""sent_guest_message\0"
    "prepared_inline_message\0""prepared_keyboard_button\0""response_parameters\0""input_media\0"
    "input_media_animation\0""input_media_audio\0""input_media_document\0""input_media_link\0"
    "input_media_live_photo\0""input_media_location\0""input_media_photo\0""input_media_sticker\0"
    "input_media_venue\0""input_media_video\0""input_media_voice_note\0""input_file\0""input_paid_media\0"
    "input_paid_media_live_photo\0""input_paid_media_photo\0""input_paid_media_video\0""input_profile_photo\0"
    "input_profile_photo_static\0""input_profile_photo_animated\0""input_story_content\0"
    "input_story_content_photo\0""input_story_content_video\0""sticker\0""sticker_set\0""mask_position\0"
    "input_sticker\0""rich_message\0""rich_message_button\0""input_rich_message\0""input_rich_message_media\0"
    "rich_text\0""rich_text_bold\0""rich_text_italic\0""rich_text_underline\0""rich_text_strikethrough\0"
    "rich_text_spoiler\0""rich_text_date_time\0""rich_text_text_mention\0""rich_text_subscript\0"
    "rich_text_superscript\0""rich_text_marked\0""rich_text_code\0""rich_text_custom_emoji\0"
    "rich_text_mathematical_expression\0""rich_text_url\0""rich_text_email_address\0""rich_text_phone_number\0"
    "rich_text_bank_card_number\0""rich_text_mention\0""rich_text_hashtag\0""rich_text_cashtag\0"
    "rich_text_bot_command\0""rich_text_button\0""rich_text_anchor\0""rich_text_anchor_link\0"
    "rich_text_reference\0""rich_text_reference_link\0""rich_block_caption\0""rich_block_table_cell\0"
    "rich_block_list_item\0""rich_block\0""rich_block_paragraph\0""rich_block_section_heading\0"
    "rich_block_preformatted\0""rich_block_footer\0""rich_block_divider\0""rich_block_mathematical_expression\0"
    "rich_block_anchor\0""rich_block_list\0""rich_block_block_quotation\0"
    "rich_block_expandable_block_quotation\0""rich_block_pull_quotation\0""rich_block_collage\0"
    "rich_block_slideshow\0""rich_block_table\0""rich_block_details\0""rich_block_map\0""rich_block_buttons\0"
    "rich_block_animation\0""rich_block_audio\0""rich_block_document\0""rich_block_photo\0""rich_block_video\0"
    "rich_block_voice_note\0""rich_block_thinking\0""input_rich_block_list_item\0""input_rich_block\0"
    "input_rich_block_paragraph\0""input_rich_block_section_heading\0""input_rich_block_preformatted\0"
    "input_rich_block_footer\0""input_rich_block_divider\0""input_rich_block_mathematical_expression\0"
    "input_rich_block_anchor\0""input_rich_block_list\0""input_rich_block_block_quotation\0"
    "input_rich_block_expandable_block_quotation\0""input_rich_block_pull_quotation\0""input_rich_block_collage\0"
    "input_rich_block_slideshow\0""input_rich_block_table\0""input_rich_block_details\0""input_rich_block_map\0"
    "input_rich_block_buttons\0""input_rich_block_animation\0""input_rich_block_audio\0"
    "input_rich_block_document\0""input_rich_block_photo\0""input_rich_block_video\0"
    "input_rich_block_voice_note\0""input_rich_block_thinking\0""inline_query\0""inline_query_results_button\0"
    "inline_query_result\0""inline_query_result_article\0""inline_query_result_photo\0""inline_query_result_gif\0"
    "inline_query_result_mpeg4_gif\0""inline_query_result_video\0""inline_query_result_audio\0"
    "inline_query_result_voice\0""inline_query_result_document\0""inline_query_result_location\0"
    "inline_query_result_venue\0""inline_query_result_contact\0""inline_query_result_game\0"
    "inline_query_result_cached_photo\0""inline_query_result_cached_gif\0""inline_query_result_cached_mpeg4_gif\0"
    "inline_query_result_cached_sticker\0""inline_query_result_cached_document\0"
    "inline_query_result_cached_video\0""inline_query_result_cached_voice\0""inline_query_result_cached_audio\0"
    "input_message_content\0""input_text_message_content\0""input_rich_message_content\0"
    "input_location_message_content\0""input_venue_message_content\0""input_contact_message_content\0"
    "input_invoice_message_content\0""chosen_inline_result\0""labeled_price\0""invoice\0""shipping_address\0"
    "order_info\0""shipping_option\0""successful_payment\0""refunded_payment\0""shipping_query\0"
    "pre_checkout_query\0""paid_media_purchased\0""revenue_withdrawal_state\0""revenue_withdrawal_state_pending\0"
    "revenue_withdrawal_state_succeeded\0""revenue_withdrawal_state_failed\0""affiliate_info\0"
    "transaction_partner\0""transaction_partner_user\0""transaction_partner_chat\0"
    "transaction_partner_affiliate_program\0""transaction_partner_fragment\0",
    "transaction_partner_telegram_ads\0""transaction_partner_telegram_api\0""transaction_partner_other\0"
    "star_transaction\0""star_transactions\0""passport_data\0""passport_file\0""encrypted_passport_element\0"
    "encrypted_credentials\0""passport_element_error\0""passport_element_error_data_field\0"
    "passport_element_error_front_side\0""passport_element_error_reverse_side\0""passport_element_error_selfie\0"
    "passport_element_error_file\0""passport_element_error_files\0""passport_element_error_translation_file\0"
    "passport_element_error_translation_files\0""passport_element_error_unspecified\0""game\0""callback_game\0"
    "game_high_score\0""reply_markup\0""input_rich_message_media_media\0""get_updates_args\0""set_webhook_args\0"
    "delete_webhook_args\0""send_message_args\0""forward_message_args\0""forward_messages_args\0"
    "copy_message_args\0""copy_messages_args\0""send_photo_args\0""send_live_photo_args\0""send_audio_args\0"
    "send_document_args\0""send_video_args\0""send_animation_args\0""send_voice_args\0""send_video_note_args\0"
    "send_paid_media_args\0""send_media_group_args\0""send_location_args\0""send_venue_args\0"
    "send_contact_args\0""send_poll_args\0""send_checklist_args\0""send_dice_args\0""send_message_draft_args\0"
    "send_chat_action_args\0""set_message_reaction_args\0""get_user_profile_photos_args\0"
    "get_user_profile_audios_args\0""set_user_emoji_status_args\0""get_file_args\0""ban_chat_member_args\0"
    "unban_chat_member_args\0""restrict_chat_member_args\0""promote_chat_member_args\0"
    "set_chat_administrator_custom_title_args\0""set_chat_member_tag_args\0""ban_chat_sender_chat_args\0"
    "unban_chat_sender_chat_args\0""set_chat_permissions_args\0""export_chat_invite_link_args\0"
    "create_chat_invite_link_args\0""edit_chat_invite_link_args\0""create_chat_subscription_invite_link_args\0"
    "edit_chat_subscription_invite_link_args\0""revoke_chat_invite_link_args\0""approve_chat_join_request_args\0"
    "decline_chat_join_request_args\0""answer_chat_join_request_query_args\0"
    "send_chat_join_request_web_app_args\0""set_chat_photo_args\0""delete_chat_photo_args\0"
    "set_chat_title_args\0""set_chat_description_args\0""pin_chat_message_args\0""unpin_chat_message_args\0"
    "unpin_all_chat_messages_args\0""leave_chat_args\0""get_chat_args\0""get_chat_administrators_args\0"
    "get_chat_member_count_args\0""get_chat_member_args\0""get_user_personal_chat_messages_args\0"
    "set_chat_sticker_set_args\0""delete_chat_sticker_set_args\0""create_forum_topic_args\0"
    "edit_forum_topic_args\0""close_forum_topic_args\0""reopen_forum_topic_args\0""delete_forum_topic_args\0"
    "unpin_all_forum_topic_messages_args\0""edit_general_forum_topic_args\0""close_general_forum_topic_args\0"
    "reopen_general_forum_topic_args\0""hide_general_forum_topic_args\0""unhide_general_forum_topic_args\0"
    "unpin_all_general_forum_topic_messages_args\0""answer_callback_query_args\0""answer_guest_query_args\0"
    "get_user_chat_boosts_args\0""get_business_connection_args\0""get_managed_bot_token_args\0"
    "replace_managed_bot_token_args\0""get_managed_bot_access_settings_args\0"
    "set_managed_bot_access_settings_args\0""set_my_commands_args\0""delete_my_commands_args\0"
    "get_my_commands_args\0""set_my_name_args\0""get_my_name_args\0""set_my_description_args\0"
    "get_my_description_args\0""set_my_short_description_args\0""get_my_short_description_args\0"
    "set_my_profile_photo_args\0""set_chat_menu_button_args\0""get_chat_menu_button_args\0"
    "set_my_default_administrator_rights_args\0""get_my_default_administrator_rights_args\0""send_gift_args\0"
    "gift_premium_subscription_args\0""verify_user_args\0""verify_chat_args\0""remove_user_verification_args\0"
    "remove_chat_verification_args\0""read_business_message_args\0""delete_business_messages_args\0"
    "set_business_account_name_args\0""set_business_account_username_args\0""set_business_account_bio_args\0"
    "set_business_account_profile_photo_args\0""remove_business_account_profile_photo_args\0"
    "set_business_account_gift_settings_args\0""get_business_account_star_balance_args\0"
    "transfer_business_account_stars_args\0""get_business_account_gifts_args\0""get_user_gifts_args\0"
    "get_chat_gifts_args\0""convert_gift_to_stars_args\0""upgrade_gift_args\0""transfer_gift_args\0"
    "post_story_args\0""repost_story_args\0""edit_story_args\0""delete_story_args\0""answer_web_app_query_args\0"
    "save_prepared_inline_message_args\0",
    "save_prepared_keyboard_button_args\0""edit_message_text_args\0""edit_message_caption_args\0"
    "edit_message_media_args\0""edit_message_live_location_args\0""stop_message_live_location_args\0"
    "edit_message_checklist_args\0""edit_message_reply_markup_args\0""stop_poll_args\0"
    "edit_ephemeral_message_text_args\0""edit_ephemeral_message_media_args\0"
    "edit_ephemeral_message_caption_args\0""edit_ephemeral_message_reply_markup_args\0"
    "approve_suggested_post_args\0""decline_suggested_post_args\0""delete_message_args\0""delete_messages_args\0"
    "delete_ephemeral_message_args\0""delete_message_reaction_args\0""delete_all_message_reactions_args\0"
    "send_sticker_args\0""get_sticker_set_args\0""get_custom_emoji_stickers_args\0""upload_sticker_file_args\0"
    "create_new_sticker_set_args\0""add_sticker_to_set_args\0""set_sticker_position_in_set_args\0"
    "delete_sticker_from_set_args\0""replace_sticker_in_set_args\0""set_sticker_emoji_list_args\0"
    "set_sticker_keywords_args\0""set_sticker_mask_position_args\0""set_sticker_set_title_args\0"
    "set_sticker_set_thumbnail_args\0""set_custom_emoji_sticker_set_thumbnail_args\0""delete_sticker_set_args\0"
    "send_rich_message_args\0""send_rich_message_draft_args\0""answer_inline_query_args\0""send_invoice_args\0"
    "create_invoice_link_args\0""answer_shipping_query_args\0""answer_pre_checkout_query_args\0"
    "get_star_transactions_args\0""refund_star_payment_args\0""edit_user_star_subscription_args\0"
    "set_passport_data_errors_args\0""send_game_args\0""set_game_score_args\0""get_game_high_scores_args\0"
    "getUpdates\0""setWebhook\0""deleteWebhook\0""getWebhookInfo\0""getMe\0""logOut\0""close\0""sendMessage\0"
    "forwardMessage\0""forwardMessages\0""copyMessage\0""copyMessages\0""sendPhoto\0""sendLivePhoto\0"
    "sendAudio\0""sendDocument\0""sendVideo\0""sendAnimation\0""sendVoice\0""sendVideoNote\0""sendPaidMedia\0"
    "sendMediaGroup\0""sendLocation\0""sendVenue\0""sendContact\0""sendPoll\0""sendChecklist\0""sendDice\0"
    "sendMessageDraft\0""sendChatAction\0""setMessageReaction\0""getUserProfilePhotos\0""getUserProfileAudios\0"
    "setUserEmojiStatus\0""getFile\0""banChatMember\0""unbanChatMember\0""restrictChatMember\0"
    "promoteChatMember\0""setChatAdministratorCustomTitle\0""setChatMemberTag\0""banChatSenderChat\0"
    "unbanChatSenderChat\0""setChatPermissions\0""exportChatInviteLink\0""createChatInviteLink\0"
    "editChatInviteLink\0""createChatSubscriptionInviteLink\0""editChatSubscriptionInviteLink\0"
    "revokeChatInviteLink\0""approveChatJoinRequest\0""declineChatJoinRequest\0""answerChatJoinRequestQuery\0"
    "sendChatJoinRequestWebApp\0""setChatPhoto\0""deleteChatPhoto\0""setChatTitle\0""setChatDescription\0"
    "pinChatMessage\0""unpinChatMessage\0""unpinAllChatMessages\0""leaveChat\0""getChat\0"
    "getChatAdministrators\0""getChatMemberCount\0""getChatMember\0""getUserPersonalChatMessages\0"
    "setChatStickerSet\0""deleteChatStickerSet\0""getForumTopicIconStickers\0""createForumTopic\0"
    "editForumTopic\0""closeForumTopic\0""reopenForumTopic\0""deleteForumTopic\0""unpinAllForumTopicMessages\0"
    "editGeneralForumTopic\0""closeGeneralForumTopic\0""reopenGeneralForumTopic\0""hideGeneralForumTopic\0"
    "unhideGeneralForumTopic\0""unpinAllGeneralForumTopicMessages\0""answerCallbackQuery\0""answerGuestQuery\0"
    "getUserChatBoosts\0""getBusinessConnection\0""getManagedBotToken\0""replaceManagedBotToken\0"
    "getManagedBotAccessSettings\0""setManagedBotAccessSettings\0""setMyCommands\0""deleteMyCommands\0"
    "getMyCommands\0""setMyName\0""getMyName\0""setMyDescription\0""getMyDescription\0""setMyShortDescription\0"
    "getMyShortDescription\0""setMyProfilePhoto\0""removeMyProfilePhoto\0""setChatMenuButton\0"
    "getChatMenuButton\0""setMyDefaultAdministratorRights\0""getMyDefaultAdministratorRights\0"
    "getAvailableGifts\0""sendGift\0""giftPremiumSubscription\0""verifyUser\0""verifyChat\0"
    "removeUserVerification\0""removeChatVerification\0""readBusinessMessage\0""deleteBusinessMessages\0"
    "setBusinessAccountName\0""setBusinessAccountUsername\0""setBusinessAccountBio\0"
    "setBusinessAccountProfilePhoto\0""removeBusinessAccountProfilePhoto\0""setBusinessAccountGiftSettings\0"
    "getBusinessAccountStarBalance\0""transferBusinessAccountStars\0""getBusinessAccountGifts\0""getUserGifts\0"
    "getChatGifts\0""convertGiftToStars\0""upgradeGift\0""transferGift\0""postStory\0""repostStory\0""editStory\0"
    "deleteStory\0""answerWebAppQuery\0""savePreparedInlineMessage\0""savePreparedKeyboardButton\0"
    "editMessageText\0""editMessageCaption\0""editMessageMedia\0",
    "editMessageLiveLocation\0""stopMessageLiveLocation\0""editMessageChecklist\0""editMessageReplyMarkup\0"
    "stopPoll\0""editEphemeralMessageText\0""editEphemeralMessageMedia\0""editEphemeralMessageCaption\0"
    "editEphemeralMessageReplyMarkup\0""approveSuggestedPost\0""declineSuggestedPost\0""deleteMessage\0"
    "deleteMessages\0""deleteEphemeralMessage\0""deleteMessageReaction\0""deleteAllMessageReactions\0"
    "sendSticker\0""getStickerSet\0""getCustomEmojiStickers\0""uploadStickerFile\0""createNewStickerSet\0"
    "addStickerToSet\0""setStickerPositionInSet\0""deleteStickerFromSet\0""replaceStickerInSet\0"
    "setStickerEmojiList\0""setStickerKeywords\0""setStickerMaskPosition\0""setStickerSetTitle\0"
    "setStickerSetThumbnail\0""setCustomEmojiStickerSetThumbnail\0""deleteStickerSet\0""sendRichMessage\0"
    "sendRichMessageDraft\0""answerInlineQuery\0""sendInvoice\0""createInvoiceLink\0""answerShippingQuery\0"
    "answerPreCheckoutQuery\0""getMyStarBalance\0""getStarTransactions\0""refundStarPayment\0"
    "editUserStarSubscription\0""setPassportDataErrors\0""sendGame\0""setGameScore\0""getGameHighScores\0""0\0"
    "administrator\0""affiliate_program\0""all_chat_administrators\0""all_group_chats\0""all_private_chats\0"
    "anchor\0""anchor_link\0""animated\0""article\0""bank_card_number\0""blockquote\0""bold\0""button\0"
    "buttons\0""cashtag\0""channel\0""chat_administrators\0""chat_theme\0""code\0""collage\0""commands\0"
    "creator\0""custom_emoji\0""data\0""date_time\0""default\0""details\0""divider\0""email_address\0""emoji\0"
    "expandable_blockquote\0""failed\0""files\0""fill\0""footer\0""fragment\0""freeform_gradient\0""front_side\0"
    "gif\0""gift_code\0""gradient\0""hashtag\0""heading\0""hidden_user\0""italic\0""kicked\0""left\0""list\0"
    "map\0""marked\0""mathematical_expression\0""member\0""mention\0""mpeg4_gif\0""other\0""paid\0""paragraph\0"
    "pattern\0""pending\0""phone_number\0""photo\0""pre\0""premium\0""preview\0""pullquote\0""reference\0"
    "reference_link\0""regular\0""restricted\0""reverse_side\0""selfie\0""slideshow\0""solid\0""spoiler\0"
    "static\0""strikethrough\0""subscript\0""succeeded\0""suggested_reaction\0""superscript\0""table\0"
    "telegram_ads\0""telegram_api\0""text_mention\0""thinking\0""translation_file\0""translation_files\0"
    "underline\0""unique\0""unspecified\0""url\0""voice_note\0""wallpaper\0""weather\0""web_app\0""update_id\0"
    "edited_message\0""channel_post\0""edited_channel_post\0""business_message\0""edited_business_message\0"
    "deleted_business_messages\0""guest_message\0""message_reaction\0""message_reaction_count\0"
    "purchased_paid_media\0""my_chat_member\0""removed_chat_boost\0""managed_bot\0""subscription\0"
    "stopped_message_generation\0""has_custom_certificate\0""pending_update_count\0""ip_address\0"
    "last_error_date\0""last_error_message\0""last_synchronization_error_date\0""max_connections\0"
    "allowed_updates\0""id\0""is_bot\0""first_name\0""last_name\0""username\0""language_code\0""is_premium\0"
    "added_to_attachment_menu\0""can_join_groups\0""can_read_all_group_messages\0""supports_guest_queries\0"
    "supports_inline_queries\0""can_connect_to_business\0""has_main_web_app\0""has_topics_enabled\0"
    "allows_users_to_create_topics\0""can_manage_bots\0""supports_join_request_queries\0""type\0""title\0"
    "is_forum\0""is_direct_messages\0""accent_color_id\0""max_reaction_count\0""active_usernames\0"
    "personal_chat\0""parent_chat\0""available_reactions\0""background_custom_emoji_id\0"
    "profile_accent_color_id\0""profile_background_custom_emoji_id\0""emoji_status_custom_emoji_id\0"
    "emoji_status_expiration_date\0""bio\0""has_private_forwards\0""has_restricted_voice_and_video_messages\0"
    "join_to_send_messages\0""join_by_request\0""description\0""invite_link\0""pinned_message\0""permissions\0"
    "can_send_paid_media\0""slow_mode_delay\0""unrestrict_boost_count\0""message_auto_delete_time\0"
    "has_aggressive_anti_spam_enabled\0""has_hidden_members\0""has_protected_content\0""has_visible_history\0"
    "sticker_set_name\0""can_set_sticker_set\0""custom_emoji_sticker_set_name\0""linked_chat_id\0""rating\0"
    "first_profile_audio\0""paid_message_star_count\0""guard_bot\0""message_thread_id\0""from\0""sender_chat\0"
    "sender_boost_count\0""sender_business_bot\0""sender_tag\0""receiver_user\0""ephemeral_message_id\0""date\0"
    "guest_query_id\0""business_connection_id\0""forward_origin\0""is_topic_message\0""is_automatic_forward\0"
    "reply_to_message\0""external_reply\0""quote\0""reply_to_story\0""reply_to_checklist_task_id\0"
    "reply_to_poll_option_id\0""via_bot\0""guest_bot_caller_user\0""guest_bot_caller_chat\0""edit_date\0"
    "is_from_offline\0""is_paid_post\0""media_group_id\0""author_signature\0""paid_star_count\0""text\0"
    "entities\0""effect_id\0",
    "caption\0""caption_entities\0""show_caption_above_media\0""has_media_spoiler\0""new_chat_members\0"
    "left_chat_member\0""new_chat_title\0""new_chat_photo\0""delete_chat_photo\0""group_chat_created\0"
    "supergroup_chat_created\0""channel_chat_created\0""migrate_to_chat_id\0""migrate_from_chat_id\0"
    "gift_upgrade_sent\0""connected_website\0""boost_added\0""chat_background_set\0""offset\0""length\0"
    "language\0""custom_emoji_id\0""unix_time\0""date_time_format\0""position\0""is_manual\0""origin\0""chat_id\0"
    "allow_sending_without_reply\0""quote_parse_mode\0""quote_entities\0""quote_position\0""checklist_task_id\0"
    "poll_option_id\0""receiver_user_id\0""callback_query_id\0""replace_callback_query_message\0""sender_user\0"
    "sender_user_name\0""file_id\0""file_unique_id\0""width\0""height\0""file_size\0""duration\0""thumbnail\0"
    "file_name\0""mime_type\0""performer\0""codec\0""cover\0""start_timestamp\0""qualities\0""star_count\0"
    "user_id\0""vcard\0""value\0""persistent_id\0""text_entities\0""media\0""voter_count\0""added_by_user\0"
    "added_by_chat\0""addition_date\0""text_parse_mode\0""poll_id\0""voter_chat\0""option_ids\0"
    "option_persistent_ids\0""question\0""question_entities\0""options\0""total_voter_count\0""is_closed\0"
    "is_anonymous\0""allows_multiple_answers\0""allows_revoting\0""members_only\0""country_codes\0"
    "correct_option_ids\0""explanation\0""explanation_entities\0""explanation_media\0""open_period\0"
    "close_date\0""description_entities\0""completed_by_user\0""completed_by_chat\0""completion_date\0"
    "title_entities\0""tasks\0""others_can_add_tasks\0""others_can_mark_tasks_as_done\0""parse_mode\0""latitude\0"
    "longitude\0""horizontal_accuracy\0""live_period\0""proximity_alert_radius\0""address\0""foursquare_id\0"
    "foursquare_type\0""google_place_id\0""google_place_type\0""button_text\0""traveler\0""watcher\0""distance\0"
    "bot\0""invoice_payload\0""state\0""draft_id\0""poll_message\0""option_persistent_id\0""option_text\0"
    "option_text_entities\0""boost_count\0""color\0""top_color\0""bottom_color\0""rotation_angle\0""colors\0"
    "dark_theme_dimming\0""is_blurred\0""is_moving\0""intensity\0""is_inverted\0""theme_name\0"
    "checklist_message\0""marked_as_done_task_ids\0""marked_as_not_done_task_ids\0""name\0""icon_color\0"
    "icon_custom_emoji_id\0""is_name_implicit\0""request_id\0""users\0""from_request\0""web_app_name\0"
    "from_attachment_menu\0""start_date\0""are_direct_messages_enabled\0""direct_message_star_count\0"
    "suggested_post_message\0""price\0""send_date\0""comment\0""currency\0""amount\0""reason\0"
    "prize_star_count\0""chats\0""winners_selection_date\0""winner_count\0""only_new_members\0"
    "has_public_winners\0""prize_description\0""premium_subscription_month_count\0""giveaway_message_id\0"
    "winners\0""additional_chat_count\0""unclaimed_prize_count\0""was_refunded\0""giveaway_message\0"
    "is_star_giveaway\0""is_disabled\0""prefer_small_media\0""prefer_large_media\0""show_above_text\0""topic_id\0"
    "total_count\0""photos\0""audios\0""file_path\0""keyboard\0""is_persistent\0""resize_keyboard\0"
    "one_time_keyboard\0""input_field_placeholder\0""selective\0""style\0""request_users\0""request_chat\0"
    "request_managed_bot\0""request_contact\0""request_location\0""request_poll\0""user_is_bot\0"
    "user_is_premium\0""max_quantity\0""request_name\0""request_username\0""request_photo\0""chat_is_channel\0"
    "chat_is_forum\0""chat_has_username\0""chat_is_created\0""user_administrator_rights\0"
    "bot_administrator_rights\0""bot_is_member\0""request_title\0""suggested_name\0""suggested_username\0"
    "remove_keyboard\0""inline_keyboard\0""callback_data\0""switch_inline_query\0"
    "switch_inline_query_current_chat\0""copy_text\0""disabled\0""pay\0""forward_text\0""bot_username\0"
    "request_write_access\0""query\0""allow_user_chats\0""allow_bot_chats\0""allow_group_chats\0"
    "allow_channel_chats\0""inline_message_id\0""chat_instance\0""game_short_name\0""small_file_id\0"
    "small_file_unique_id\0""big_file_id\0""big_file_unique_id\0""creates_join_request\0""is_primary\0"
    "is_revoked\0""expire_date\0""member_limit\0""pending_join_request_count\0""subscription_period\0"
    "subscription_price\0""can_manage_chat\0""can_delete_messages\0""can_manage_video_chats\0"
    "can_restrict_members\0""can_promote_members\0""can_change_info\0""can_invite_users\0""can_post_stories\0"
    "can_edit_stories\0""can_delete_stories\0""can_send_welcome_messages\0""can_post_messages\0"
    "can_edit_messages\0""can_pin_messages\0""can_manage_topics\0""can_manage_direct_messages\0"
    "can_manage_tags\0""old_chat_member\0""new_chat_member\0""via_join_request\0""via_chat_folder_invite_link\0"
    "status\0""custom_title\0""can_be_edited\0""tag\0""until_date\0""is_member\0""can_send_messages\0"
    "can_send_audios\0",
    "can_send_documents\0""can_send_photos\0""can_send_videos\0""can_send_video_notes\0""can_send_voice_notes\0"
    "can_send_polls\0""can_send_other_messages\0""can_add_web_page_previews\0""can_react_to_messages\0"
    "can_edit_tag\0""user_chat_id\0""query_id\0""day\0""month\0""year\0""opening_minute\0""closing_minute\0"
    "time_zone_name\0""opening_hours\0""level\0""current_level_rating\0""next_level_rating\0""x_percentage\0"
    "y_percentage\0""width_percentage\0""height_percentage\0""corner_radius_percentage\0""country_code\0""city\0"
    "street\0""is_dark\0""is_flipped\0""temperature\0""background_color\0""actor_chat\0""old_reaction\0"
    "new_reaction\0""reactions\0""center_color\0""edge_color\0""text_color\0""upgrade_star_count\0""has_colors\0"
    "remaining_count\0""personal_total_count\0""personal_remaining_count\0""background\0"
    "unique_gift_variant_count\0""publisher_chat\0""rarity_per_mille\0""rarity\0""symbol_color\0"
    "model_custom_emoji_id\0""symbol_custom_emoji_id\0""light_theme_main_color\0""light_theme_other_colors\0"
    "dark_theme_main_color\0""dark_theme_other_colors\0""gift_id\0""base_name\0""number\0""model\0""symbol\0"
    "backdrop\0""is_burned\0""is_from_blockchain\0""owned_gift_id\0""convert_star_count\0"
    "prepaid_upgrade_star_count\0""is_upgrade_separate\0""can_be_upgraded\0""is_private\0""unique_gift_number\0"
    "last_resale_currency\0""last_resale_amount\0""transfer_star_count\0""next_transfer_date\0""is_saved\0"
    "can_be_transferred\0""next_offset\0""is_access_restricted\0""added_users\0""unlimited_gifts\0"
    "limited_gifts\0""unique_gifts\0""premium_subscription\0""gifts_from_channels\0""nanostar_amount\0""command\0"
    "is_ephemeral\0""short_description\0""source\0""is_unclaimed\0""boost_id\0""add_date\0""expiration_date\0"
    "boost\0""remove_date\0""new_owner\0""boosts\0""can_reply\0""can_read_messages\0""can_delete_sent_messages\0"
    "can_delete_all_messages\0""can_edit_name\0""can_edit_bio\0""can_edit_profile_photo\0""can_edit_username\0"
    "can_change_gift_settings\0""can_view_gifts_and_stars\0""can_convert_gifts_to_stars\0"
    "can_transfer_and_upgrade_gifts\0""can_transfer_stars\0""can_manage_stories\0""rights\0""is_enabled\0"
    "message_ids\0""retry_after\0""has_spoiler\0""disable_content_type_detection\0""supports_streaming\0"
    "main_frame_timestamp\0""cover_frame_timestamp\0""is_animation\0""is_animated\0""is_video\0""set_name\0"
    "premium_animation\0""needs_repainting\0""sticker_type\0""stickers\0""point\0""x_shift\0""y_shift\0""scale\0"
    "format\0""emoji_list\0""keywords\0""blocks\0""is_rtl\0""html\0""markdown\0""skip_entity_detection\0"
    "alternative_text\0""expression\0""anchor_name\0""reference_name\0""credit\0""is_header\0""colspan\0"
    "rowspan\0""align\0""valign\0""label\0""has_checkbox\0""is_checked\0""size\0""items\0""cells\0""is_bordered\0"
    "is_striped\0""is_compact\0""summary\0""is_open\0""zoom\0""chat_type\0""start_parameter\0""thumbnail_url\0"
    "thumbnail_width\0""thumbnail_height\0""photo_url\0""photo_width\0""photo_height\0""gif_url\0""gif_width\0"
    "gif_height\0""gif_duration\0""thumbnail_mime_type\0""mpeg4_url\0""mpeg4_width\0""mpeg4_height\0"
    "mpeg4_duration\0""video_url\0""video_width\0""video_height\0""video_duration\0""audio_url\0"
    "audio_duration\0""voice_url\0""voice_duration\0""document_url\0""photo_file_id\0""gif_file_id\0"
    "mpeg4_file_id\0""sticker_file_id\0""document_file_id\0""video_file_id\0""voice_file_id\0""audio_file_id\0"
    "message_text\0""payload\0""provider_token\0""prices\0""max_tip_amount\0""suggested_tip_amounts\0"
    "provider_data\0""need_name\0""need_phone_number\0""need_email\0""need_shipping_address\0"
    "send_phone_number_to_provider\0""send_email_to_provider\0""is_flexible\0""result_id\0""total_amount\0"
    "street_line1\0""street_line2\0""post_code\0""email\0""subscription_expiration_date\0""is_recurring\0"
    "is_first_recurring\0""shipping_option_id\0""telegram_payment_charge_id\0""provider_payment_charge_id\0"
    "paid_media_payload\0""affiliate_user\0""affiliate_chat\0""commission_per_mille\0""transaction_type\0"
    "affiliate\0""premium_subscription_duration\0""sponsor_user\0""withdrawal_state\0""request_count\0"
    "receiver\0""transactions\0""credentials\0""file_date\0""translation\0""hash\0""secret\0""field_name\0"
    "data_hash\0""file_hash\0""file_hashes\0""element_hash\0""score\0""limit\0""timeout\0""certificate\0"
    "drop_pending_updates\0""secret_token\0""direct_messages_topic_id\0""disable_notification\0"
    "protect_content\0""allow_paid_broadcast\0""message_effect_id\0""from_chat_id\0""video_start_timestamp\0"
    "remove_caption\0""question_parse_mode\0""shuffle_options\0""allow_adding_options\0"
    "hide_results_until_closes\0""explanation_parse_mode\0""description_parse_mode\0""can_stop\0""keep_on_stop\0"
    "action\0""reaction\0""is_big\0""revoke_messages\0",
    "only_if_banned\0""use_independent_chat_permissions\0""sender_chat_id\0""chat_join_request_query_id\0"
    "result\0""web_app_url\0""return_bots\0""show_alert\0""cache_time\0""added_user_ids\0""scope\0"
    "for_channels\0""pay_for_upgrade\0""month_count\0""custom_description\0""is_public\0""show_gift_button\0"
    "exclude_unsaved\0""exclude_saved\0""exclude_unlimited\0""exclude_limited_upgradable\0"
    "exclude_limited_non_upgradable\0""exclude_unique\0""exclude_from_blockchain\0""sort_by_price\0"
    "keep_original_details\0""new_owner_chat_id\0""content\0""active_period\0""areas\0""post_to_chat_page\0"
    "from_story_id\0""story_id\0""web_app_query_id\0""actor_chat_id\0""custom_emoji_ids\0""sticker_format\0"
    "old_sticker\0""inline_query_id\0""results\0""is_personal\0""shipping_query_id\0""ok\0""shipping_options\0"
    "error_message\0""pre_checkout_query_id\0""is_canceled\0""errors\0""force\0""disable_edit_message\0"
};
typedef char tg__name_blob_check[sizeof tg__name_blob == 27999 ? 1 : -1];
/* Field lists (nanopb FIELDLIST style), one row per field: X(S, shape, member, kind, flags, type,
   name) with S the struct (tg_<S>), shape F plain, H + has_<member>, A array + <member>_count,
   R + <member>_json, AR both; flags 1 required, 4 array, 8 array of arrays, 16 pointer; name:
   the offset of the JSON name in the blob. */
#define TG__FL_update(X, S) \
X(S,F,update_id,I64,1,0,17457)\
X(S,F,message,OBJ,16,MESSAGE,46)\
X(S,F,edited_message,OBJ,16,MESSAGE,17467)\
X(S,F,channel_post,OBJ,16,MESSAGE,17482)\
X(S,F,edited_channel_post,OBJ,16,MESSAGE,17495)\
X(S,F,business_connection,OBJ,16,BUSINESS_CONNECTION,3892)\
X(S,F,business_message,OBJ,16,MESSAGE,17515)\
X(S,F,edited_business_message,OBJ,16,MESSAGE,17532)\
X(S,F,deleted_business_messages,OBJ,16,BUSINESS_MESSAGES_DELETED,17556)\
X(S,F,guest_message,OBJ,16,MESSAGE,17582)\
X(S,F,message_reaction,OBJ,16,MESSAGE_REACTION_UPDATED,17596)\
X(S,F,message_reaction_count,OBJ,16,MESSAGE_REACTION_COUNT_UPDATED,17613)\
X(S,F,inline_query,OBJ,16,INLINE_QUERY,6483)\
X(S,F,chosen_inline_result,OBJ,16,CHOSEN_INLINE_RESULT,7333)\
X(S,F,callback_query,OBJ,16,CALLBACK_QUERY,2245)\
X(S,F,shipping_query,OBJ,16,SHIPPING_QUERY,7456)\
X(S,F,pre_checkout_query,OBJ,16,PRE_CHECKOUT_QUERY,7471)\
X(S,F,purchased_paid_media,OBJ,16,PAID_MEDIA_PURCHASED,17636)\
X(S,F,poll,OBJ,16,POLL,614)\
X(S,F,poll_answer,OBJ,16,POLL_ANSWER,602)\
X(S,F,my_chat_member,OBJ,16,CHAT_MEMBER_UPDATED,17657)\
X(S,F,chat_member,OBJ,16,CHAT_MEMBER_UPDATED,2356)\
X(S,F,chat_join_request,OBJ,16,CHAT_JOIN_REQUEST,2490)\
X(S,F,chat_boost,OBJ,16,CHAT_BOOST_UPDATED,3770)\
X(S,F,removed_chat_boost,OBJ,16,CHAT_BOOST_REMOVED,17672)\
X(S,F,managed_bot,OBJ,16,MANAGED_BOT_UPDATED,17691)\
X(S,F,subscription,OBJ,16,BOT_SUBSCRIPTION_UPDATED,17703)\
X(S,F,stopped_message_generation,OBJ,16,MESSAGE_GENERATION_STOPPED,17716)
#define TG__FL_webhook_info(X, S) \
X(S,F,url,STR,1,0,17416)\
X(S,F,has_custom_certificate,BOOL,1,0,17743)\
X(S,F,pending_update_count,I64,1,0,17766)\
X(S,F,ip_address,STR,0,0,17787)\
X(S,H,last_error_date,I64,0,0,17798)\
X(S,F,last_error_message,STR,0,0,17814)\
X(S,H,last_synchronization_error_date,I64,0,0,17833)\
X(S,H,max_connections,I64,0,0,17865)\
X(S,A,allowed_updates,STR,4,0,17881)
#define TG__FL_user(X, S) \
X(S,F,id,I64,1,0,17897)\
X(S,F,is_bot,BOOL,1,0,17900)\
X(S,F,first_name,STR,1,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,F,username,STR,0,0,17928)\
X(S,F,language_code,STR,0,0,17937)\
X(S,H,is_premium,BOOL,0,0,17951)\
X(S,H,added_to_attachment_menu,BOOL,0,0,17962)\
X(S,H,can_join_groups,BOOL,0,0,17987)\
X(S,H,can_read_all_group_messages,BOOL,0,0,18003)\
X(S,H,supports_guest_queries,BOOL,0,0,18031)\
X(S,H,supports_inline_queries,BOOL,0,0,18054)\
X(S,H,can_connect_to_business,BOOL,0,0,18078)\
X(S,H,has_main_web_app,BOOL,0,0,18102)\
X(S,H,has_topics_enabled,BOOL,0,0,18119)\
X(S,H,allows_users_to_create_topics,BOOL,0,0,18138)\
X(S,H,can_manage_bots,BOOL,0,0,18168)\
X(S,H,supports_join_request_queries,BOOL,0,0,18184)
#define TG__FL_chat(X, S) \
X(S,F,id,I64,1,0,17897)\
X(S,F,type,STR,1,0,18214)\
X(S,F,title,STR,0,0,18219)\
X(S,F,username,STR,0,0,17928)\
X(S,F,first_name,STR,0,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,H,is_forum,BOOL,0,0,18225)\
X(S,H,is_direct_messages,BOOL,0,0,18234)
#define TG__FL_chat_full_info(X, S) \
X(S,F,id,I64,1,0,17897)\
X(S,F,type,STR,1,0,18214)\
X(S,F,title,STR,0,0,18219)\
X(S,F,username,STR,0,0,17928)\
X(S,F,first_name,STR,0,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,H,is_forum,BOOL,0,0,18225)\
X(S,H,is_direct_messages,BOOL,0,0,18234)\
X(S,F,accent_color_id,I64,1,0,18253)\
X(S,F,max_reaction_count,I64,1,0,18269)\
X(S,F,photo,OBJ,16,CHAT_PHOTO,17102)\
X(S,A,active_usernames,STR,4,0,18288)\
X(S,F,birthdate,OBJ,16,BIRTHDATE,2525)\
X(S,F,business_intro,OBJ,16,BUSINESS_INTRO,2535)\
X(S,F,business_location,OBJ,16,BUSINESS_LOCATION,2550)\
X(S,F,business_opening_hours,OBJ,16,BUSINESS_OPENING_HOURS,2600)\
X(S,F,personal_chat,OBJ,16,CHAT,18305)\
X(S,F,parent_chat,OBJ,16,CHAT,18319)\
X(S,A,available_reactions,OBJ,4,REACTION_TYPE,18331)\
X(S,F,background_custom_emoji_id,STR,0,0,18351)\
X(S,H,profile_accent_color_id,I64,0,0,18378)\
X(S,F,profile_background_custom_emoji_id,STR,0,0,18402)\
X(S,F,emoji_status_custom_emoji_id,STR,0,0,18437)\
X(S,H,emoji_status_expiration_date,I64,0,0,18466)\
X(S,F,bio,STR,0,0,18495)\
X(S,H,has_private_forwards,BOOL,0,0,18499)\
X(S,H,has_restricted_voice_and_video_messages,BOOL,0,0,18520)\
X(S,H,join_to_send_messages,BOOL,0,0,18560)\
X(S,H,join_by_request,BOOL,0,0,18582)\
X(S,F,description,STR,0,0,18598)\
X(S,F,invite_link,STR,0,0,18610)\
X(S,F,pinned_message,OBJ,16,MESSAGE,18622)\
X(S,F,permissions,OBJ,16,CHAT_PERMISSIONS,18637)\
X(S,F,accepted_gift_types,OBJ,17,ACCEPTED_GIFT_TYPES,3260)\
X(S,H,can_send_paid_media,BOOL,0,0,18649)\
X(S,H,slow_mode_delay,I64,0,0,18669)\
X(S,H,unrestrict_boost_count,I64,0,0,18685)\
X(S,H,message_auto_delete_time,I64,0,0,18708)\
X(S,H,has_aggressive_anti_spam_enabled,BOOL,0,0,18733)\
X(S,H,has_hidden_members,BOOL,0,0,18766)\
X(S,H,has_protected_content,BOOL,0,0,18785)\
X(S,H,has_visible_history,BOOL,0,0,18807)\
X(S,F,sticker_set_name,STR,0,0,18827)\
X(S,H,can_set_sticker_set,BOOL,0,0,18844)\
X(S,F,custom_emoji_sticker_set_name,STR,0,0,18864)\
X(S,H,linked_chat_id,I64,0,0,18894)\
X(S,F,location,OBJ,16,CHAT_LOCATION,681)\
X(S,F,rating,OBJ,16,USER_RATING,18909)\
X(S,F,first_profile_audio,OBJ,16,AUDIO,18916)\
X(S,F,unique_gift_colors,OBJ,16,UNIQUE_GIFT_COLORS,3122)\
X(S,H,paid_message_star_count,I64,0,0,18936)\
X(S,F,guard_bot,OBJ,16,USER,18960)\
X(S,F,community,OBJ,16,COMMUNITY,2272)
#define TG__FL_message(X, S) \
X(S,F,message_id,I64,1,0,54)\
X(S,H,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic,OBJ,16,DIRECT_MESSAGES_TOPIC,1863)\
X(S,F,from,OBJ,16,USER,18988)\
X(S,F,sender_chat,OBJ,16,CHAT,18993)\
X(S,H,sender_boost_count,I64,0,0,19005)\
X(S,F,sender_business_bot,OBJ,16,USER,19024)\
X(S,F,sender_tag,STR,0,0,19044)\
X(S,F,receiver_user,OBJ,16,USER,19055)\
X(S,H,ephemeral_message_id,I64,0,0,19069)\
X(S,F,date,I64,1,0,19090)\
X(S,F,guest_query_id,STR,0,0,19095)\
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,forward_origin,OBJ,16,MESSAGE_ORIGIN,19133)\
X(S,H,is_topic_message,BOOL,0,0,19148)\
X(S,H,is_automatic_forward,BOOL,0,0,19165)\
X(S,F,reply_to_message,OBJ,16,MESSAGE,19186)\
X(S,F,external_reply,OBJ,16,EXTERNAL_REPLY_INFO,19203)\
X(S,F,quote,OBJ,16,TEXT_QUOTE,19218)\
X(S,F,reply_to_story,OBJ,16,STORY,19224)\
X(S,H,reply_to_checklist_task_id,I64,0,0,19239)\
X(S,F,reply_to_poll_option_id,STR,0,0,19266)\
X(S,F,via_bot,OBJ,16,USER,19290)\
X(S,F,guest_bot_caller_user,OBJ,16,USER,19298)\
X(S,F,guest_bot_caller_chat,OBJ,16,CHAT,19320)\
X(S,H,edit_date,I64,0,0,19342)\
X(S,H,has_protected_content,BOOL,0,0,18785)\
X(S,H,is_from_offline,BOOL,0,0,19352)\
X(S,H,is_paid_post,BOOL,0,0,19368)\
X(S,F,media_group_id,STR,0,0,19381)\
X(S,F,author_signature,STR,0,0,19396)\
X(S,H,paid_star_count,I64,0,0,19413)\
X(S,F,text,STR,0,0,19429)\
X(S,A,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,F,link_preview_options,OBJ,16,LINK_PREVIEW_OPTIONS,1775)\
X(S,F,suggested_post_info,OBJ,16,SUGGESTED_POST_INFO,1817)\
X(S,F,effect_id,STR,0,0,19443)\
X(S,F,rich_message,OBJ,16,RICH_MESSAGE,4576)\
X(S,F,animation,OBJ,16,ANIMATION,321)\
X(S,F,audio,OBJ,16,AUDIO,331)\
X(S,F,document,OBJ,16,DOCUMENT,337)\
X(S,F,live_photo,OBJ,16,LIVE_PHOTO,346)\
X(S,F,paid_media,OBJ,16,PAID_MEDIA_INFO,416)\
X(S,A,photo,OBJ,4,PHOTO_SIZE,17102)\
X(S,F,sticker,OBJ,16,STICKER,4528)\
X(S,F,story,OBJ,16,STORY,357)\
X(S,F,video,OBJ,16,VIDEO,377)\
X(S,F,video_note,OBJ,16,VIDEO_NOTE,383)\
X(S,F,voice,OBJ,16,VOICE,394)\
X(S,F,caption,STR,0,0,19454)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,H,has_media_spoiler,BOOL,0,0,19504)\
X(S,F,checklist,OBJ,16,CHECKLIST,634)\
X(S,F,contact,OBJ,16,CONTACT,502)\
X(S,F,dice,OBJ,16,DICE,510)\
X(S,F,game,OBJ,16,GAME,8323)\
X(S,F,poll,OBJ,16,POLL,614)\
X(S,F,venue,OBJ,16,VENUE,690)\
X(S,F,location,OBJ,16,LOCATION,681)\
X(S,A,new_chat_members,OBJ,4,USER,19522)\
X(S,F,left_chat_member,OBJ,16,USER,19539)\
X(S,F,chat_owner_left,OBJ,16,CHAT_OWNER_LEFT,3819)\
X(S,F,chat_owner_changed,OBJ,16,CHAT_OWNER_CHANGED,3835)\
X(S,F,new_chat_title,STR,0,0,19556)\
X(S,A,new_chat_photo,OBJ,4,PHOTO_SIZE,19571)\
X(S,H,delete_chat_photo,BOOL,0,0,19586)\
X(S,H,group_chat_created,BOOL,0,0,19604)\
X(S,H,supergroup_chat_created,BOOL,0,0,19623)\
X(S,H,channel_chat_created,BOOL,0,0,19647)\
X(S,F,message_auto_delete_timer_changed,OBJ,16,MESSAGE_AUTO_DELETE_TIMER_CHANGED,735)\
X(S,H,migrate_to_chat_id,I64,0,0,19668)\
X(S,H,migrate_from_chat_id,I64,0,0,19687)\
X(S,F,pinned_message,OBJ,16,MAYBE_INACCESSIBLE_MESSAGE,18622)\
X(S,F,invoice,OBJ,16,INVOICE,7368)\
X(S,F,successful_payment,OBJ,16,SUCCESSFUL_PAYMENT,7420)\
X(S,F,refunded_payment,OBJ,16,REFUNDED_PAYMENT,7439)\
X(S,F,users_shared,OBJ,16,USERS_SHARED,1399)\
X(S,F,chat_shared,OBJ,16,CHAT_SHARED,1412)\
X(S,F,gift,OBJ,16,GIFT_INFO,3025)\
X(S,F,unique_gift,OBJ,16,UNIQUE_GIFT_INFO,3141)\
X(S,F,gift_upgrade_sent,OBJ,16,GIFT_INFO,19708)\
X(S,F,connected_website,STR,0,0,19726)\
X(S,F,write_access_allowed,OBJ,16,WRITE_ACCESS_ALLOWED,1424)\
X(S,F,passport_data,OBJ,16,PASSPORT_DATA,7916)\
X(S,F,proximity_alert_triggered,OBJ,16,PROXIMITY_ALERT_TRIGGERED,709)\
X(S,F,boost_added,OBJ,16,CHAT_BOOST_ADDED,19744)\
X(S,F,chat_background_set,OBJ,16,CHAT_BACKGROUND,19756)\
X(S,F,checklist_tasks_done,OBJ,16,CHECKLIST_TASKS_DONE,1143)\
X(S,F,checklist_tasks_added,OBJ,16,CHECKLIST_TASKS_ADDED,1164)\
X(S,F,community_chat_added,OBJ,16,COMMUNITY_CHAT_ADDED,1186)\
X(S,F,community_chat_joined,OBJ,16,COMMUNITY_CHAT_JOINED,1207)\
X(S,F,community_chat_removed,OBJ,16,COMMUNITY_CHAT_REMOVED,1229)\
X(S,F,direct_message_price_changed,OBJ,16,DIRECT_MESSAGE_PRICE_CHANGED,1561)\
X(S,F,forum_topic_created,OBJ,16,FORUM_TOPIC_CREATED,1252)\
X(S,F,forum_topic_edited,OBJ,16,FORUM_TOPIC_EDITED,1291)\
X(S,F,forum_topic_closed,OBJ,16,FORUM_TOPIC_CLOSED,1272)\
X(S,F,forum_topic_reopened,OBJ,16,FORUM_TOPIC_REOPENED,1310)\
X(S,F,general_forum_topic_hidden,OBJ,16,GENERAL_FORUM_TOPIC_HIDDEN,1331)\
X(S,F,general_forum_topic_unhidden,OBJ,16,GENERAL_FORUM_TOPIC_UNHIDDEN,1358)\
X(S,F,giveaway_created,OBJ,16,GIVEAWAY_CREATED,1713)\
X(S,F,giveaway,OBJ,16,GIVEAWAY,1730)\
X(S,F,giveaway_winners,OBJ,16,GIVEAWAY_WINNERS,1739)\
X(S,F,giveaway_completed,OBJ,16,GIVEAWAY_COMPLETED,1756)\
X(S,F,managed_bot_created,OBJ,16,MANAGED_BOT_CREATED,769)\
X(S,F,paid_message_price_changed,OBJ,16,PAID_MESSAGE_PRICE_CHANGED,1534)\
X(S,F,poll_option_added,OBJ,16,POLL_OPTION_ADDED,861)\
X(S,F,poll_option_deleted,OBJ,16,POLL_OPTION_DELETED,879)\
X(S,F,suggested_post_approved,OBJ,16,SUGGESTED_POST_APPROVED,1590)\
X(S,F,suggested_post_approval_failed,OBJ,16,SUGGESTED_POST_APPROVAL_FAILED,1614)\
X(S,F,suggested_post_declined,OBJ,16,SUGGESTED_POST_DECLINED,1645)\
X(S,F,suggested_post_paid,OBJ,16,SUGGESTED_POST_PAID,1669)\
X(S,F,suggested_post_refunded,OBJ,16,SUGGESTED_POST_REFUNDED,1689)\
X(S,F,video_chat_scheduled,OBJ,16,VIDEO_CHAT_SCHEDULED,1445)\
X(S,F,video_chat_started,OBJ,16,VIDEO_CHAT_STARTED,1466)\
X(S,F,video_chat_ended,OBJ,16,VIDEO_CHAT_ENDED,1485)\
X(S,F,video_chat_participants_invited,OBJ,16,VIDEO_CHAT_PARTICIPANTS_INVITED,1502)\
X(S,F,web_app_data,OBJ,16,WEB_APP_DATA,696)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_message_id(X, S) \
X(S,F,message_id,I64,1,0,54)
#define TG__FL_inaccessible_message(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,date,I64,1,0,19090)
#define TG__FL_message_entity(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,offset,I64,1,0,19776)\
X(S,F,length,I64,1,0,19783)\
X(S,F,url,STR,0,0,17416)\
X(S,F,user,OBJ,16,USER,21)\
X(S,F,language,STR,0,0,19790)\
X(S,F,custom_emoji_id,STR,0,0,19799)\
X(S,H,unix_time,I64,0,0,19815)\
X(S,F,date_time_format,STR,0,0,19825)
#define TG__FL_text_quote(X, S) \
X(S,F,text,STR,1,0,19429)\
X(S,A,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,F,position,I64,1,0,19842)\
X(S,H,is_manual,BOOL,0,0,19851)
#define TG__FL_external_reply_info(X, S) \
X(S,F,origin,OBJ,17,MESSAGE_ORIGIN,19861)\
X(S,F,chat,OBJ,16,CHAT,26)\
X(S,H,message_id,I64,0,0,54)\
X(S,F,link_preview_options,OBJ,16,LINK_PREVIEW_OPTIONS,1775)\
X(S,F,animation,OBJ,16,ANIMATION,321)\
X(S,F,audio,OBJ,16,AUDIO,331)\
X(S,F,document,OBJ,16,DOCUMENT,337)\
X(S,F,live_photo,OBJ,16,LIVE_PHOTO,346)\
X(S,F,paid_media,OBJ,16,PAID_MEDIA_INFO,416)\
X(S,A,photo,OBJ,4,PHOTO_SIZE,17102)\
X(S,F,sticker,OBJ,16,STICKER,4528)\
X(S,F,story,OBJ,16,STORY,357)\
X(S,F,video,OBJ,16,VIDEO,377)\
X(S,F,video_note,OBJ,16,VIDEO_NOTE,383)\
X(S,F,voice,OBJ,16,VOICE,394)\
X(S,H,has_media_spoiler,BOOL,0,0,19504)\
X(S,F,checklist,OBJ,16,CHECKLIST,634)\
X(S,F,contact,OBJ,16,CONTACT,502)\
X(S,F,dice,OBJ,16,DICE,510)\
X(S,F,game,OBJ,16,GAME,8323)\
X(S,F,giveaway,OBJ,16,GIVEAWAY,1730)\
X(S,F,giveaway_winners,OBJ,16,GIVEAWAY_WINNERS,1739)\
X(S,F,invoice,OBJ,16,INVOICE,7368)\
X(S,F,location,OBJ,16,LOCATION,681)\
X(S,F,poll,OBJ,16,POLL,614)\
X(S,F,venue,OBJ,16,VENUE,690)
#define TG__FL_reply_parameters(X, S) \
X(S,H,message_id,I64,0,0,54)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,H,ephemeral_message_id,I64,0,0,19069)\
X(S,H,allow_sending_without_reply,BOOL,0,0,19876)\
X(S,F,quote,STR,0,0,19218)\
X(S,F,quote_parse_mode,STR,0,0,19904)\
X(S,A,quote_entities,OBJ,4,MESSAGE_ENTITY,19921)\
X(S,H,quote_position,I64,0,0,19936)\
X(S,H,checklist_task_id,I64,0,0,19951)\
X(S,F,poll_option_id,STR,0,0,19969)
#define TG__FL_ephemeral_message_parameters(X, S) \
X(S,F,receiver_user_id,I64,1,0,19984)\
X(S,F,callback_query_id,STR,0,0,20001)\
X(S,H,replace_callback_query_message,BOOL,0,0,20019)
#define TG__FL_message_origin_user(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,date,I64,1,0,19090)\
X(S,F,sender_user,OBJ,17,USER,20050)
#define TG__FL_message_origin_hidden_user(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,date,I64,1,0,19090)\
X(S,F,sender_user_name,STR,1,0,20062)
#define TG__FL_message_origin_chat(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,date,I64,1,0,19090)\
X(S,F,sender_chat,OBJ,17,CHAT,18993)\
X(S,F,author_signature,STR,0,0,19396)
#define TG__FL_message_origin_channel(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,date,I64,1,0,19090)\
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,author_signature,STR,0,0,19396)
#define TG__FL_photo_size(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_animation(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,duration,I64,1,0,20125)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)\
X(S,F,file_name,STR,0,0,20144)\
X(S,F,mime_type,STR,0,0,20154)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_audio(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,duration,I64,1,0,20125)\
X(S,F,performer,STR,0,0,20164)\
X(S,F,title,STR,0,0,18219)\
X(S,F,file_name,STR,0,0,20144)\
X(S,F,mime_type,STR,0,0,20154)\
X(S,H,file_size,I64,0,0,20115)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)
#define TG__FL_document(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)\
X(S,F,file_name,STR,0,0,20144)\
X(S,F,mime_type,STR,0,0,20154)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_live_photo(X, S) \
X(S,A,photo,OBJ,4,PHOTO_SIZE,17102)\
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,duration,I64,1,0,20125)\
X(S,F,mime_type,STR,0,0,20154)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_story(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,id,I64,1,0,17897)
#define TG__FL_video_quality(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,codec,STR,1,0,20174)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_video(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,duration,I64,1,0,20125)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)\
X(S,A,cover,OBJ,4,PHOTO_SIZE,20180)\
X(S,H,start_timestamp,I64,0,0,20186)\
X(S,A,qualities,OBJ,4,VIDEO_QUALITY,20202)\
X(S,F,file_name,STR,0,0,20144)\
X(S,F,mime_type,STR,0,0,20154)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_video_note(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,length,I64,1,0,19783)\
X(S,F,duration,I64,1,0,20125)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_voice(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,duration,I64,1,0,20125)\
X(S,F,mime_type,STR,0,0,20154)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_paid_media_info(X, S) \
X(S,F,star_count,I64,1,0,20212)\
X(S,A,paid_media,OBJ,5,PAID_MEDIA,416)
#define TG__FL_paid_media_live_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,live_photo,OBJ,17,LIVE_PHOTO,346)
#define TG__FL_paid_media_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,photo,OBJ,5,PHOTO_SIZE,17102)
#define TG__FL_paid_media_preview(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,H,width,I64,0,0,20102)\
X(S,H,height,I64,0,0,20108)\
X(S,H,duration,I64,0,0,20125)
#define TG__FL_paid_media_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,video,OBJ,17,VIDEO,377)
#define TG__FL_contact(X, S) \
X(S,F,phone_number,STR,1,0,17089)\
X(S,F,first_name,STR,1,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,H,user_id,I64,0,0,20223)\
X(S,F,vcard,STR,0,0,20231)
#define TG__FL_dice(X, S) \
X(S,F,emoji,STR,1,0,16826)\
X(S,F,value,I64,1,0,20237)
#define TG__FL_link(X, S) \
X(S,F,url,STR,1,0,17416)
#define TG__FL_poll_media(X, S) \
X(S,F,animation,OBJ,16,ANIMATION,321)\
X(S,F,audio,OBJ,16,AUDIO,331)\
X(S,F,document,OBJ,16,DOCUMENT,337)\
X(S,F,link,OBJ,16,LINK,515)\
X(S,F,live_photo,OBJ,16,LIVE_PHOTO,346)\
X(S,F,location,OBJ,16,LOCATION,681)\
X(S,A,photo,OBJ,4,PHOTO_SIZE,17102)\
X(S,F,sticker,OBJ,16,STICKER,4528)\
X(S,F,venue,OBJ,16,VENUE,690)\
X(S,F,video,OBJ,16,VIDEO,377)
#define TG__FL_poll_option(X, S) \
X(S,F,persistent_id,STR,1,0,20243)\
X(S,F,text,STR,1,0,19429)\
X(S,A,text_entities,OBJ,4,MESSAGE_ENTITY,20257)\
X(S,F,media,OBJ,16,POLL_MEDIA,20271)\
X(S,F,voter_count,I64,1,0,20277)\
X(S,F,added_by_user,OBJ,16,USER,20289)\
X(S,F,added_by_chat,OBJ,16,CHAT,20303)\
X(S,H,addition_date,I64,0,0,20317)
#define TG__FL_input_poll_option(X, S) \
X(S,F,text,STR,1,0,19429)\
X(S,F,text_parse_mode,STR,0,0,20331)\
X(S,A,text_entities,OBJ,4,MESSAGE_ENTITY,20257)\
X(S,F,media,OBJ,16,INPUT_POLL_OPTION_MEDIA,20271)
#define TG__FL_poll_answer(X, S) \
X(S,F,poll_id,STR,1,0,20347)\
X(S,F,voter_chat,OBJ,16,CHAT,20355)\
X(S,F,user,OBJ,16,USER,21)\
X(S,A,option_ids,I64,5,0,20366)\
X(S,A,option_persistent_ids,STR,5,0,20377)
#define TG__FL_poll(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,question,STR,1,0,20399)\
X(S,A,question_entities,OBJ,4,MESSAGE_ENTITY,20408)\
X(S,A,options,OBJ,5,POLL_OPTION,20426)\
X(S,F,total_voter_count,I64,1,0,20434)\
X(S,F,is_closed,BOOL,1,0,20452)\
X(S,F,is_anonymous,BOOL,1,0,20462)\
X(S,F,type,STR,1,0,18214)\
X(S,F,allows_multiple_answers,BOOL,1,0,20475)\
X(S,F,allows_revoting,BOOL,1,0,20499)\
X(S,F,members_only,BOOL,1,0,20515)\
X(S,A,country_codes,STR,4,0,20528)\
X(S,A,correct_option_ids,I64,4,0,20542)\
X(S,F,explanation,STR,0,0,20561)\
X(S,A,explanation_entities,OBJ,4,MESSAGE_ENTITY,20573)\
X(S,F,explanation_media,OBJ,16,POLL_MEDIA,20594)\
X(S,H,open_period,I64,0,0,20612)\
X(S,H,close_date,I64,0,0,20624)\
X(S,F,description,STR,0,0,18598)\
X(S,A,description_entities,OBJ,4,MESSAGE_ENTITY,20635)\
X(S,F,media,OBJ,16,POLL_MEDIA,20271)
#define TG__FL_checklist_task(X, S) \
X(S,F,id,I64,1,0,17897)\
X(S,F,text,STR,1,0,19429)\
X(S,A,text_entities,OBJ,4,MESSAGE_ENTITY,20257)\
X(S,F,completed_by_user,OBJ,16,USER,20656)\
X(S,F,completed_by_chat,OBJ,16,CHAT,20674)\
X(S,H,completion_date,I64,0,0,20692)
#define TG__FL_checklist(X, S) \
X(S,F,title,STR,1,0,18219)\
X(S,A,title_entities,OBJ,4,MESSAGE_ENTITY,20708)\
X(S,A,tasks,OBJ,5,CHECKLIST_TASK,20723)\
X(S,H,others_can_add_tasks,BOOL,0,0,20729)\
X(S,H,others_can_mark_tasks_as_done,BOOL,0,0,20750)
#define TG__FL_input_checklist_task(X, S) \
X(S,F,id,I64,1,0,17897)\
X(S,F,text,STR,1,0,19429)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,text_entities,OBJ,4,MESSAGE_ENTITY,20257)
#define TG__FL_input_checklist(X, S) \
X(S,F,title,STR,1,0,18219)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,title_entities,OBJ,4,MESSAGE_ENTITY,20708)\
X(S,A,tasks,OBJ,5,INPUT_CHECKLIST_TASK,20723)\
X(S,H,others_can_add_tasks,BOOL,0,0,20729)\
X(S,H,others_can_mark_tasks_as_done,BOOL,0,0,20750)
#define TG__FL_location(X, S) \
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,H,horizontal_accuracy,F64,0,0,20810)\
X(S,H,live_period,I64,0,0,20830)\
X(S,H,heading,I64,0,0,16948)\
X(S,H,proximity_alert_radius,I64,0,0,20842)
#define TG__FL_venue(X, S) \
X(S,F,location,OBJ,17,LOCATION,681)\
X(S,F,title,STR,1,0,18219)\
X(S,F,address,STR,1,0,20865)\
X(S,F,foursquare_id,STR,0,0,20873)\
X(S,F,foursquare_type,STR,0,0,20887)\
X(S,F,google_place_id,STR,0,0,20903)\
X(S,F,google_place_type,STR,0,0,20919)
#define TG__FL_web_app_data(X, S) \
X(S,F,data,STR,1,0,16773)\
X(S,F,button_text,STR,1,0,20937)
#define TG__FL_proximity_alert_triggered(X, S) \
X(S,F,traveler,OBJ,17,USER,20949)\
X(S,F,watcher,OBJ,17,USER,20958)\
X(S,F,distance,I64,1,0,20966)
#define TG__FL_message_auto_delete_timer_changed(X, S) \
X(S,F,message_auto_delete_time,I64,1,0,18708)
#define TG__FL_managed_bot_created(X, S) \
X(S,F,bot,OBJ,17,USER,20975)
#define TG__FL_managed_bot_updated(X, S) \
X(S,F,user,OBJ,17,USER,21)\
X(S,F,bot,OBJ,17,USER,20975)
#define TG__FL_bot_subscription_updated(X, S) \
X(S,F,user,OBJ,17,USER,21)\
X(S,F,invoice_payload,STR,1,0,20979)\
X(S,F,state,STR,1,0,20995)
#define TG__FL_message_generation_stopped(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,H,message_thread_id,I64,0,0,18970)\
X(S,F,draft_id,I64,1,0,21001)
#define TG__FL_poll_option_added(X, S) \
X(S,F,poll_message,OBJ,16,MAYBE_INACCESSIBLE_MESSAGE,21010)\
X(S,F,option_persistent_id,STR,1,0,21023)\
X(S,F,option_text,STR,1,0,21044)\
X(S,A,option_text_entities,OBJ,4,MESSAGE_ENTITY,21056)
#define TG__FL_poll_option_deleted(X, S) \
X(S,F,poll_message,OBJ,16,MAYBE_INACCESSIBLE_MESSAGE,21010)\
X(S,F,option_persistent_id,STR,1,0,21023)\
X(S,F,option_text,STR,1,0,21044)\
X(S,A,option_text_entities,OBJ,4,MESSAGE_ENTITY,21056)
#define TG__FL_chat_boost_added(X, S) \
X(S,F,boost_count,I64,1,0,21077)
#define TG__FL_background_fill_solid(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,color,I64,1,0,21089)
#define TG__FL_background_fill_gradient(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,top_color,I64,1,0,21095)\
X(S,F,bottom_color,I64,1,0,21105)\
X(S,F,rotation_angle,I64,1,0,21118)
#define TG__FL_background_fill_freeform_gradient(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,colors,I64,5,0,21133)
#define TG__FL_background_type_fill(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,fill,OBJ,17,BACKGROUND_FILL,16867)\
X(S,F,dark_theme_dimming,I64,1,0,21140)
#define TG__FL_background_type_wallpaper(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,document,OBJ,17,DOCUMENT,337)\
X(S,F,dark_theme_dimming,I64,1,0,21140)\
X(S,H,is_blurred,BOOL,0,0,21159)\
X(S,H,is_moving,BOOL,0,0,21170)
#define TG__FL_background_type_pattern(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,document,OBJ,17,DOCUMENT,337)\
X(S,F,fill,OBJ,17,BACKGROUND_FILL,16867)\
X(S,F,intensity,I64,1,0,21180)\
X(S,H,is_inverted,BOOL,0,0,21190)\
X(S,H,is_moving,BOOL,0,0,21170)
#define TG__FL_background_type_chat_theme(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,theme_name,STR,1,0,21202)
#define TG__FL_chat_background(X, S) \
X(S,F,type,OBJ,17,BACKGROUND_TYPE,18214)
#define TG__FL_checklist_tasks_done(X, S) \
X(S,F,checklist_message,OBJ,16,MESSAGE,21213)\
X(S,A,marked_as_done_task_ids,I64,4,0,21231)\
X(S,A,marked_as_not_done_task_ids,I64,4,0,21255)
#define TG__FL_checklist_tasks_added(X, S) \
X(S,F,checklist_message,OBJ,16,MESSAGE,21213)\
X(S,A,tasks,OBJ,5,CHECKLIST_TASK,20723)
#define TG__FL_community_chat_added(X, S) \
X(S,F,community,OBJ,17,COMMUNITY,2272)
#define TG__FL_community_chat_joined(X, S) \
X(S,F,community,OBJ,17,COMMUNITY,2272)
#define TG__FL_forum_topic_created(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,icon_color,I64,1,0,21288)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)\
X(S,H,is_name_implicit,BOOL,0,0,21320)
#define TG__FL_forum_topic_edited(X, S) \
X(S,F,name,STR,0,0,21283)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)
#define TG__FL_shared_user(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,first_name,STR,0,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,F,username,STR,0,0,17928)\
X(S,A,photo,OBJ,4,PHOTO_SIZE,17102)
#define TG__FL_users_shared(X, S) \
X(S,F,request_id,I64,1,0,21337)\
X(S,A,users,OBJ,5,SHARED_USER,21348)
#define TG__FL_chat_shared(X, S) \
X(S,F,request_id,I64,1,0,21337)\
X(S,F,chat_id,I64,1,0,19868)\
X(S,F,title,STR,0,0,18219)\
X(S,F,username,STR,0,0,17928)\
X(S,A,photo,OBJ,4,PHOTO_SIZE,17102)
#define TG__FL_write_access_allowed(X, S) \
X(S,H,from_request,BOOL,0,0,21354)\
X(S,F,web_app_name,STR,0,0,21367)\
X(S,H,from_attachment_menu,BOOL,0,0,21380)
#define TG__FL_video_chat_scheduled(X, S) \
X(S,F,start_date,I64,1,0,21401)
#define TG__FL_video_chat_ended(X, S) \
X(S,F,duration,I64,1,0,20125)
#define TG__FL_video_chat_participants_invited(X, S) \
X(S,A,users,OBJ,5,USER,21348)
#define TG__FL_paid_message_price_changed(X, S) \
X(S,F,paid_message_star_count,I64,1,0,18936)
#define TG__FL_direct_message_price_changed(X, S) \
X(S,F,are_direct_messages_enabled,BOOL,1,0,21412)\
X(S,H,direct_message_star_count,I64,0,0,21440)
#define TG__FL_suggested_post_approved(X, S) \
X(S,F,suggested_post_message,OBJ,16,MESSAGE,21466)\
X(S,F,price,OBJ,16,SUGGESTED_POST_PRICE,21489)\
X(S,F,send_date,I64,1,0,21495)
#define TG__FL_suggested_post_approval_failed(X, S) \
X(S,F,suggested_post_message,OBJ,16,MESSAGE,21466)\
X(S,F,price,OBJ,17,SUGGESTED_POST_PRICE,21489)
#define TG__FL_suggested_post_declined(X, S) \
X(S,F,suggested_post_message,OBJ,16,MESSAGE,21466)\
X(S,F,comment,STR,0,0,21505)
#define TG__FL_suggested_post_paid(X, S) \
X(S,F,suggested_post_message,OBJ,16,MESSAGE,21466)\
X(S,F,currency,STR,1,0,21513)\
X(S,H,amount,I64,0,0,21522)\
X(S,F,star_amount,OBJ,16,STAR_AMOUNT,3280)
#define TG__FL_suggested_post_refunded(X, S) \
X(S,F,suggested_post_message,OBJ,16,MESSAGE,21466)\
X(S,F,reason,STR,1,0,21529)
#define TG__FL_giveaway_created(X, S) \
X(S,H,prize_star_count,I64,0,0,21536)
#define TG__FL_giveaway(X, S) \
X(S,A,chats,OBJ,5,CHAT,21553)\
X(S,F,winners_selection_date,I64,1,0,21559)\
X(S,F,winner_count,I64,1,0,21582)\
X(S,H,only_new_members,BOOL,0,0,21595)\
X(S,H,has_public_winners,BOOL,0,0,21612)\
X(S,F,prize_description,STR,0,0,21631)\
X(S,A,country_codes,STR,4,0,20528)\
X(S,H,prize_star_count,I64,0,0,21536)\
X(S,H,premium_subscription_month_count,I64,0,0,21649)
#define TG__FL_giveaway_winners(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,giveaway_message_id,I64,1,0,21682)\
X(S,F,winners_selection_date,I64,1,0,21559)\
X(S,F,winner_count,I64,1,0,21582)\
X(S,A,winners,OBJ,5,USER,21702)\
X(S,H,additional_chat_count,I64,0,0,21710)\
X(S,H,prize_star_count,I64,0,0,21536)\
X(S,H,premium_subscription_month_count,I64,0,0,21649)\
X(S,H,unclaimed_prize_count,I64,0,0,21732)\
X(S,H,only_new_members,BOOL,0,0,21595)\
X(S,H,was_refunded,BOOL,0,0,21754)\
X(S,F,prize_description,STR,0,0,21631)
#define TG__FL_giveaway_completed(X, S) \
X(S,F,winner_count,I64,1,0,21582)\
X(S,H,unclaimed_prize_count,I64,0,0,21732)\
X(S,F,giveaway_message,OBJ,16,MESSAGE,21767)\
X(S,H,is_star_giveaway,BOOL,0,0,21784)
#define TG__FL_link_preview_options(X, S) \
X(S,H,is_disabled,BOOL,0,0,21801)\
X(S,F,url,STR,0,0,17416)\
X(S,H,prefer_small_media,BOOL,0,0,21813)\
X(S,H,prefer_large_media,BOOL,0,0,21832)\
X(S,H,show_above_text,BOOL,0,0,21851)
#define TG__FL_suggested_post_price(X, S) \
X(S,F,currency,STR,1,0,21513)\
X(S,F,amount,I64,1,0,21522)
#define TG__FL_suggested_post_info(X, S) \
X(S,F,state,STR,1,0,20995)\
X(S,F,price,OBJ,16,SUGGESTED_POST_PRICE,21489)\
X(S,H,send_date,I64,0,0,21495)
#define TG__FL_suggested_post_parameters(X, S) \
X(S,F,price,OBJ,16,SUGGESTED_POST_PRICE,21489)\
X(S,H,send_date,I64,0,0,21495)
#define TG__FL_direct_messages_topic(X, S) \
X(S,F,topic_id,I64,1,0,21867)\
X(S,F,user,OBJ,16,USER,21)
#define TG__FL_user_profile_photos(X, S) \
X(S,F,total_count,I64,1,0,21876)\
X(S,A,photos,OBJ,9,PHOTO_SIZE,21888)
#define TG__FL_user_profile_audios(X, S) \
X(S,F,total_count,I64,1,0,21876)\
X(S,A,audios,OBJ,5,AUDIO,21895)
#define TG__FL_file(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,H,file_size,I64,0,0,20115)\
X(S,F,file_path,STR,0,0,21902)
#define TG__FL_web_app_info(X, S) \
X(S,F,url,STR,1,0,17416)
#define TG__FL_reply_keyboard_markup(X, S) \
X(S,A,keyboard,OBJ,9,KEYBOARD_BUTTON,21912)\
X(S,H,is_persistent,BOOL,0,0,21921)\
X(S,H,resize_keyboard,BOOL,0,0,21935)\
X(S,H,one_time_keyboard,BOOL,0,0,21951)\
X(S,F,input_field_placeholder,STR,0,0,21969)\
X(S,H,selective,BOOL,0,0,21993)\
X(S,H,force_reply,BOOL,0,0,2260)
#define TG__FL_keyboard_button(X, S) \
X(S,F,text,STR,1,0,19429)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)\
X(S,F,style,STR,0,0,22003)\
X(S,F,request_users,OBJ,16,KEYBOARD_BUTTON_REQUEST_USERS,22009)\
X(S,F,request_chat,OBJ,16,KEYBOARD_BUTTON_REQUEST_CHAT,22023)\
X(S,F,request_managed_bot,OBJ,16,KEYBOARD_BUTTON_REQUEST_MANAGED_BOT,22036)\
X(S,H,request_contact,BOOL,0,0,22056)\
X(S,H,request_location,BOOL,0,0,22072)\
X(S,F,request_poll,OBJ,16,KEYBOARD_BUTTON_POLL_TYPE,22089)\
X(S,F,web_app,OBJ,16,WEB_APP_INFO,17449)
#define TG__FL_keyboard_button_request_users(X, S) \
X(S,F,request_id,I64,1,0,21337)\
X(S,H,user_is_bot,BOOL,0,0,22102)\
X(S,H,user_is_premium,BOOL,0,0,22114)\
X(S,H,max_quantity,I64,0,0,22130)\
X(S,H,request_name,BOOL,0,0,22143)\
X(S,H,request_username,BOOL,0,0,22156)\
X(S,H,request_photo,BOOL,0,0,22173)
#define TG__FL_keyboard_button_request_chat(X, S) \
X(S,F,request_id,I64,1,0,21337)\
X(S,F,chat_is_channel,BOOL,1,0,22187)\
X(S,H,chat_is_forum,BOOL,0,0,22203)\
X(S,H,chat_has_username,BOOL,0,0,22217)\
X(S,H,chat_is_created,BOOL,0,0,22235)\
X(S,F,user_administrator_rights,OBJ,16,CHAT_ADMINISTRATOR_RIGHTS,22251)\
X(S,F,bot_administrator_rights,OBJ,16,CHAT_ADMINISTRATOR_RIGHTS,22277)\
X(S,H,bot_is_member,BOOL,0,0,22302)\
X(S,H,request_title,BOOL,0,0,22316)\
X(S,H,request_username,BOOL,0,0,22156)\
X(S,H,request_photo,BOOL,0,0,22173)
#define TG__FL_keyboard_button_request_managed_bot(X, S) \
X(S,F,request_id,I64,1,0,21337)\
X(S,F,suggested_name,STR,0,0,22330)\
X(S,F,suggested_username,STR,0,0,22345)
#define TG__FL_keyboard_button_poll_type(X, S) \
X(S,F,type,STR,0,0,18214)
#define TG__FL_reply_keyboard_remove(X, S) \
X(S,F,remove_keyboard,BOOL,1,0,22364)\
X(S,H,selective,BOOL,0,0,21993)
#define TG__FL_inline_keyboard_markup(X, S) \
X(S,A,inline_keyboard,OBJ,9,INLINE_KEYBOARD_BUTTON,22380)\
X(S,H,force_reply,BOOL,0,0,2260)
#define TG__FL_inline_keyboard_button(X, S) \
X(S,F,text,STR,1,0,19429)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)\
X(S,F,style,STR,0,0,22003)\
X(S,F,url,STR,0,0,17416)\
X(S,F,callback_data,STR,0,0,22396)\
X(S,F,web_app,OBJ,16,WEB_APP_INFO,17449)\
X(S,F,login_url,OBJ,16,LOGIN_URL,2170)\
X(S,F,switch_inline_query,STR,0,0,22410)\
X(S,F,switch_inline_query_current_chat,STR,0,0,22430)\
X(S,F,switch_inline_query_chosen_chat,OBJ,16,SWITCH_INLINE_QUERY_CHOSEN_CHAT,2180)\
X(S,F,copy_text,OBJ,16,COPY_TEXT_BUTTON,22463)\
X(S,F,disabled,OBJ,16,DISABLED_BUTTON,22473)\
X(S,F,callback_game,OBJ,16,CALLBACK_GAME,8328)\
X(S,H,pay,BOOL,0,0,22482)
#define TG__FL_login_url(X, S) \
X(S,F,url,STR,1,0,17416)\
X(S,F,forward_text,STR,0,0,22486)\
X(S,F,bot_username,STR,0,0,22499)\
X(S,H,request_write_access,BOOL,0,0,22512)
#define TG__FL_switch_inline_query_chosen_chat(X, S) \
X(S,F,query,STR,0,0,22533)\
X(S,H,allow_user_chats,BOOL,0,0,22539)\
X(S,H,allow_bot_chats,BOOL,0,0,22556)\
X(S,H,allow_group_chats,BOOL,0,0,22572)\
X(S,H,allow_channel_chats,BOOL,0,0,22590)
#define TG__FL_copy_text_button(X, S) \
X(S,F,text,STR,1,0,19429)
#define TG__FL_callback_query(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,message,OBJ,16,MAYBE_INACCESSIBLE_MESSAGE,46)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,F,chat_instance,STR,1,0,22628)\
X(S,F,data,STR,0,0,16773)\
X(S,F,game_short_name,STR,0,0,22642)
#define TG__FL_force_reply(X, S) \
X(S,F,force_reply,BOOL,1,0,2260)\
X(S,F,input_field_placeholder,STR,0,0,21969)\
X(S,H,selective,BOOL,0,0,21993)
#define TG__FL_community(X, S) \
X(S,F,id,I64,1,0,17897)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_chat_photo(X, S) \
X(S,F,small_file_id,STR,1,0,22658)\
X(S,F,small_file_unique_id,STR,1,0,22672)\
X(S,F,big_file_id,STR,1,0,22693)\
X(S,F,big_file_unique_id,STR,1,0,22705)
#define TG__FL_chat_invite_link(X, S) \
X(S,F,invite_link,STR,1,0,18610)\
X(S,F,creator,OBJ,17,USER,16752)\
X(S,F,creates_join_request,BOOL,1,0,22724)\
X(S,F,is_primary,BOOL,1,0,22745)\
X(S,F,is_revoked,BOOL,1,0,22756)\
X(S,F,name,STR,0,0,21283)\
X(S,H,expire_date,I64,0,0,22767)\
X(S,H,member_limit,I64,0,0,22779)\
X(S,H,pending_join_request_count,I64,0,0,22792)\
X(S,H,subscription_period,I64,0,0,22819)\
X(S,H,subscription_price,I64,0,0,22839)
#define TG__FL_chat_administrator_rights(X, S) \
X(S,F,is_anonymous,BOOL,1,0,20462)\
X(S,F,can_manage_chat,BOOL,1,0,22858)\
X(S,F,can_delete_messages,BOOL,1,0,22874)\
X(S,F,can_manage_video_chats,BOOL,1,0,22894)\
X(S,F,can_restrict_members,BOOL,1,0,22917)\
X(S,F,can_promote_members,BOOL,1,0,22938)\
X(S,F,can_change_info,BOOL,1,0,22958)\
X(S,F,can_invite_users,BOOL,1,0,22974)\
X(S,F,can_post_stories,BOOL,1,0,22991)\
X(S,F,can_edit_stories,BOOL,1,0,23008)\
X(S,F,can_delete_stories,BOOL,1,0,23025)\
X(S,F,can_send_welcome_messages,BOOL,1,0,23044)\
X(S,H,can_post_messages,BOOL,0,0,23070)\
X(S,H,can_edit_messages,BOOL,0,0,23088)\
X(S,H,can_pin_messages,BOOL,0,0,23106)\
X(S,H,can_manage_topics,BOOL,0,0,23123)\
X(S,H,can_manage_direct_messages,BOOL,0,0,23141)\
X(S,H,can_manage_tags,BOOL,0,0,23168)
#define TG__FL_chat_member_updated(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,date,I64,1,0,19090)\
X(S,F,old_chat_member,OBJ,17,CHAT_MEMBER,23184)\
X(S,F,new_chat_member,OBJ,17,CHAT_MEMBER,23200)\
X(S,F,invite_link,OBJ,16,CHAT_INVITE_LINK,18610)\
X(S,H,via_join_request,BOOL,0,0,23216)\
X(S,H,via_chat_folder_invite_link,BOOL,0,0,23233)
#define TG__FL_chat_member_owner(X, S) \
X(S,F,status,STR,1,0,23261)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,is_anonymous,BOOL,1,0,20462)\
X(S,F,custom_title,STR,0,0,23268)
#define TG__FL_chat_member_administrator(X, S) \
X(S,F,status,STR,1,0,23261)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,can_be_edited,BOOL,1,0,23281)\
X(S,F,is_anonymous,BOOL,1,0,20462)\
X(S,F,can_manage_chat,BOOL,1,0,22858)\
X(S,F,can_delete_messages,BOOL,1,0,22874)\
X(S,F,can_manage_video_chats,BOOL,1,0,22894)\
X(S,F,can_restrict_members,BOOL,1,0,22917)\
X(S,F,can_promote_members,BOOL,1,0,22938)\
X(S,F,can_change_info,BOOL,1,0,22958)\
X(S,F,can_invite_users,BOOL,1,0,22974)\
X(S,F,can_post_stories,BOOL,1,0,22991)\
X(S,F,can_edit_stories,BOOL,1,0,23008)\
X(S,F,can_delete_stories,BOOL,1,0,23025)\
X(S,F,can_send_welcome_messages,BOOL,1,0,23044)\
X(S,H,can_post_messages,BOOL,0,0,23070)\
X(S,H,can_edit_messages,BOOL,0,0,23088)\
X(S,H,can_pin_messages,BOOL,0,0,23106)\
X(S,H,can_manage_topics,BOOL,0,0,23123)\
X(S,H,can_manage_direct_messages,BOOL,0,0,23141)\
X(S,H,can_manage_tags,BOOL,0,0,23168)\
X(S,F,custom_title,STR,0,0,23268)
#define TG__FL_chat_member_member(X, S) \
X(S,F,status,STR,1,0,23261)\
X(S,F,tag,STR,0,0,23295)\
X(S,F,user,OBJ,17,USER,21)\
X(S,H,until_date,I64,0,0,23299)
#define TG__FL_chat_member_restricted(X, S) \
X(S,F,status,STR,1,0,23261)\
X(S,F,tag,STR,0,0,23295)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,is_member,BOOL,1,0,23310)\
X(S,F,can_send_messages,BOOL,1,0,23320)\
X(S,F,can_send_audios,BOOL,1,0,23338)\
X(S,F,can_send_documents,BOOL,1,0,23355)\
X(S,F,can_send_photos,BOOL,1,0,23374)\
X(S,F,can_send_videos,BOOL,1,0,23390)\
X(S,F,can_send_video_notes,BOOL,1,0,23406)\
X(S,F,can_send_voice_notes,BOOL,1,0,23427)\
X(S,F,can_send_polls,BOOL,1,0,23448)\
X(S,F,can_send_other_messages,BOOL,1,0,23463)\
X(S,F,can_add_web_page_previews,BOOL,1,0,23487)\
X(S,F,can_react_to_messages,BOOL,1,0,23513)\
X(S,F,can_edit_tag,BOOL,1,0,23535)\
X(S,F,can_change_info,BOOL,1,0,22958)\
X(S,F,can_invite_users,BOOL,1,0,22974)\
X(S,F,can_pin_messages,BOOL,1,0,23106)\
X(S,F,can_manage_topics,BOOL,1,0,23123)\
X(S,F,until_date,I64,1,0,23299)
#define TG__FL_chat_member_left(X, S) \
X(S,F,status,STR,1,0,23261)\
X(S,F,user,OBJ,17,USER,21)
#define TG__FL_chat_member_banned(X, S) \
X(S,F,status,STR,1,0,23261)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,until_date,I64,1,0,23299)
#define TG__FL_chat_join_request(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,user_chat_id,I64,1,0,23548)\
X(S,F,date,I64,1,0,19090)\
X(S,F,bio,STR,0,0,18495)\
X(S,F,invite_link,OBJ,16,CHAT_INVITE_LINK,18610)\
X(S,F,query_id,STR,0,0,23561)
#define TG__FL_chat_permissions(X, S) \
X(S,H,can_send_messages,BOOL,0,0,23320)\
X(S,H,can_send_audios,BOOL,0,0,23338)\
X(S,H,can_send_documents,BOOL,0,0,23355)\
X(S,H,can_send_photos,BOOL,0,0,23374)\
X(S,H,can_send_videos,BOOL,0,0,23390)\
X(S,H,can_send_video_notes,BOOL,0,0,23406)\
X(S,H,can_send_voice_notes,BOOL,0,0,23427)\
X(S,H,can_send_polls,BOOL,0,0,23448)\
X(S,H,can_send_other_messages,BOOL,0,0,23463)\
X(S,H,can_add_web_page_previews,BOOL,0,0,23487)\
X(S,H,can_react_to_messages,BOOL,0,0,23513)\
X(S,H,can_edit_tag,BOOL,0,0,23535)\
X(S,H,can_change_info,BOOL,0,0,22958)\
X(S,H,can_invite_users,BOOL,0,0,22974)\
X(S,H,can_pin_messages,BOOL,0,0,23106)\
X(S,H,can_manage_topics,BOOL,0,0,23123)
#define TG__FL_birthdate(X, S) \
X(S,F,day,I64,1,0,23570)\
X(S,F,month,I64,1,0,23574)\
X(S,H,year,I64,0,0,23580)
#define TG__FL_business_intro(X, S) \
X(S,F,title,STR,0,0,18219)\
X(S,F,message,STR,0,0,46)\
X(S,F,sticker,OBJ,16,STICKER,4528)
#define TG__FL_business_location(X, S) \
X(S,F,address,STR,1,0,20865)\
X(S,F,location,OBJ,16,LOCATION,681)
#define TG__FL_business_opening_hours_interval(X, S) \
X(S,F,opening_minute,I64,1,0,23585)\
X(S,F,closing_minute,I64,1,0,23600)
#define TG__FL_business_opening_hours(X, S) \
X(S,F,time_zone_name,STR,1,0,23615)\
X(S,A,opening_hours,OBJ,5,BUSINESS_OPENING_HOURS_INTERVAL,23630)
#define TG__FL_user_rating(X, S) \
X(S,F,level,I64,1,0,23644)\
X(S,F,rating,I64,1,0,18909)\
X(S,F,current_level_rating,I64,1,0,23650)\
X(S,H,next_level_rating,I64,0,0,23671)
#define TG__FL_story_area_position(X, S) \
X(S,F,x_percentage,F64,1,0,23689)\
X(S,F,y_percentage,F64,1,0,23702)\
X(S,F,width_percentage,F64,1,0,23715)\
X(S,F,height_percentage,F64,1,0,23732)\
X(S,F,rotation_angle,F64,1,0,21118)\
X(S,F,corner_radius_percentage,F64,1,0,23750)
#define TG__FL_location_address(X, S) \
X(S,F,country_code,STR,1,0,23775)\
X(S,F,state,STR,0,0,20995)\
X(S,F,city,STR,0,0,23788)\
X(S,F,street,STR,0,0,23793)
#define TG__FL_story_area_type_location(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,address,OBJ,16,LOCATION_ADDRESS,20865)
#define TG__FL_story_area_type_suggested_reaction(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,reaction_type,OBJ,17,REACTION_TYPE,2846)\
X(S,H,is_dark,BOOL,0,0,23800)\
X(S,H,is_flipped,BOOL,0,0,23808)
#define TG__FL_story_area_type_link(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,url,STR,1,0,17416)
#define TG__FL_story_area_type_weather(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,temperature,F64,1,0,23819)\
X(S,F,emoji,STR,1,0,16826)\
X(S,F,background_color,I64,1,0,23831)
#define TG__FL_story_area_type_unique_gift(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_story_area(X, S) \
X(S,F,position,OBJ,17,STORY_AREA_POSITION,19842)\
X(S,F,type,OBJ,17,STORY_AREA_TYPE,18214)
#define TG__FL_chat_location(X, S) \
X(S,F,location,OBJ,17,LOCATION,681)\
X(S,F,address,STR,1,0,20865)
#define TG__FL_reaction_type_emoji(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,emoji,STR,1,0,16826)
#define TG__FL_reaction_type_custom_emoji(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,custom_emoji_id,STR,1,0,19799)
#define TG__FL_reaction_type_paid(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_reaction_count(X, S) \
X(S,F,type,OBJ,17,REACTION_TYPE,18214)\
X(S,F,total_count,I64,1,0,21876)
#define TG__FL_message_reaction_updated(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,user,OBJ,16,USER,21)\
X(S,F,actor_chat,OBJ,16,CHAT,23848)\
X(S,F,date,I64,1,0,19090)\
X(S,A,old_reaction,OBJ,5,REACTION_TYPE,23859)\
X(S,A,new_reaction,OBJ,5,REACTION_TYPE,23872)
#define TG__FL_message_reaction_count_updated(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,date,I64,1,0,19090)\
X(S,A,reactions,OBJ,5,REACTION_COUNT,23885)
#define TG__FL_forum_topic(X, S) \
X(S,F,message_thread_id,I64,1,0,18970)\
X(S,F,name,STR,1,0,21283)\
X(S,F,icon_color,I64,1,0,21288)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)\
X(S,H,is_name_implicit,BOOL,0,0,21320)
#define TG__FL_gift_background(X, S) \
X(S,F,center_color,I64,1,0,23895)\
X(S,F,edge_color,I64,1,0,23908)\
X(S,F,text_color,I64,1,0,23919)
#define TG__FL_gift(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,sticker,OBJ,17,STICKER,4528)\
X(S,F,star_count,I64,1,0,20212)\
X(S,H,upgrade_star_count,I64,0,0,23930)\
X(S,H,is_premium,BOOL,0,0,17951)\
X(S,H,has_colors,BOOL,0,0,23949)\
X(S,H,total_count,I64,0,0,21876)\
X(S,H,remaining_count,I64,0,0,23960)\
X(S,H,personal_total_count,I64,0,0,23976)\
X(S,H,personal_remaining_count,I64,0,0,23997)\
X(S,F,background,OBJ,16,GIFT_BACKGROUND,24022)\
X(S,H,unique_gift_variant_count,I64,0,0,24033)\
X(S,F,publisher_chat,OBJ,16,CHAT,24059)
#define TG__FL_gifts(X, S) \
X(S,A,gifts,OBJ,5,GIFT,3030)
#define TG__FL_unique_gift_model(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,sticker,OBJ,17,STICKER,4528)\
X(S,F,rarity_per_mille,I64,1,0,24074)\
X(S,F,rarity,STR,0,0,24091)
#define TG__FL_unique_gift_symbol(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,sticker,OBJ,17,STICKER,4528)\
X(S,F,rarity_per_mille,I64,1,0,24074)
#define TG__FL_unique_gift_backdrop_colors(X, S) \
X(S,F,center_color,I64,1,0,23895)\
X(S,F,edge_color,I64,1,0,23908)\
X(S,F,symbol_color,I64,1,0,24098)\
X(S,F,text_color,I64,1,0,23919)
#define TG__FL_unique_gift_backdrop(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,colors,OBJ,17,UNIQUE_GIFT_BACKDROP_COLORS,21133)\
X(S,F,rarity_per_mille,I64,1,0,24074)
#define TG__FL_unique_gift_colors(X, S) \
X(S,F,model_custom_emoji_id,STR,1,0,24111)\
X(S,F,symbol_custom_emoji_id,STR,1,0,24133)\
X(S,F,light_theme_main_color,I64,1,0,24156)\
X(S,A,light_theme_other_colors,I64,5,0,24179)\
X(S,F,dark_theme_main_color,I64,1,0,24204)\
X(S,A,dark_theme_other_colors,I64,5,0,24226)
#define TG__FL_unique_gift(X, S) \
X(S,F,gift_id,STR,1,0,24250)\
X(S,F,base_name,STR,1,0,24258)\
X(S,F,name,STR,1,0,21283)\
X(S,F,number,I64,1,0,24268)\
X(S,F,model,OBJ,17,UNIQUE_GIFT_MODEL,24275)\
X(S,F,symbol,OBJ,17,UNIQUE_GIFT_SYMBOL,24281)\
X(S,F,backdrop,OBJ,17,UNIQUE_GIFT_BACKDROP,24288)\
X(S,H,is_premium,BOOL,0,0,17951)\
X(S,H,is_burned,BOOL,0,0,24297)\
X(S,H,is_from_blockchain,BOOL,0,0,24307)\
X(S,F,colors,OBJ,16,UNIQUE_GIFT_COLORS,21133)\
X(S,F,publisher_chat,OBJ,16,CHAT,24059)
#define TG__FL_gift_info(X, S) \
X(S,F,gift,OBJ,17,GIFT,3025)\
X(S,F,owned_gift_id,STR,0,0,24326)\
X(S,H,convert_star_count,I64,0,0,24340)\
X(S,H,prepaid_upgrade_star_count,I64,0,0,24359)\
X(S,H,is_upgrade_separate,BOOL,0,0,24386)\
X(S,H,can_be_upgraded,BOOL,0,0,24406)\
X(S,F,text,STR,0,0,19429)\
X(S,A,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,H,is_private,BOOL,0,0,24422)\
X(S,H,unique_gift_number,I64,0,0,24433)
#define TG__FL_unique_gift_info(X, S) \
X(S,F,gift,OBJ,17,UNIQUE_GIFT,3025)\
X(S,F,origin,STR,1,0,19861)\
X(S,F,last_resale_currency,STR,0,0,24452)\
X(S,H,last_resale_amount,I64,0,0,24473)\
X(S,F,owned_gift_id,STR,0,0,24326)\
X(S,H,transfer_star_count,I64,0,0,24492)\
X(S,H,next_transfer_date,I64,0,0,24512)\
X(S,F,text,STR,0,0,19429)\
X(S,A,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,H,is_private,BOOL,0,0,24422)
#define TG__FL_owned_gift_regular(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,gift,OBJ,17,GIFT,3025)\
X(S,F,owned_gift_id,STR,0,0,24326)\
X(S,F,sender_user,OBJ,16,USER,20050)\
X(S,F,send_date,I64,1,0,21495)\
X(S,F,text,STR,0,0,19429)\
X(S,A,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,H,is_private,BOOL,0,0,24422)\
X(S,H,is_saved,BOOL,0,0,24531)\
X(S,H,can_be_upgraded,BOOL,0,0,24406)\
X(S,H,was_refunded,BOOL,0,0,21754)\
X(S,H,convert_star_count,I64,0,0,24340)\
X(S,H,prepaid_upgrade_star_count,I64,0,0,24359)\
X(S,H,is_upgrade_separate,BOOL,0,0,24386)\
X(S,H,unique_gift_number,I64,0,0,24433)
#define TG__FL_owned_gift_unique(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,gift,OBJ,17,UNIQUE_GIFT,3025)\
X(S,F,owned_gift_id,STR,0,0,24326)\
X(S,F,sender_user,OBJ,16,USER,20050)\
X(S,F,send_date,I64,1,0,21495)\
X(S,H,is_saved,BOOL,0,0,24531)\
X(S,H,can_be_transferred,BOOL,0,0,24540)\
X(S,H,transfer_star_count,I64,0,0,24492)\
X(S,H,next_transfer_date,I64,0,0,24512)
#define TG__FL_owned_gifts(X, S) \
X(S,F,total_count,I64,1,0,21876)\
X(S,A,gifts,OBJ,5,OWNED_GIFT,3030)\
X(S,F,next_offset,STR,0,0,24559)
#define TG__FL_bot_access_settings(X, S) \
X(S,F,is_access_restricted,BOOL,1,0,24571)\
X(S,A,added_users,OBJ,4,USER,24592)
#define TG__FL_accepted_gift_types(X, S) \
X(S,F,unlimited_gifts,BOOL,1,0,24604)\
X(S,F,limited_gifts,BOOL,1,0,24620)\
X(S,F,unique_gifts,BOOL,1,0,24634)\
X(S,F,premium_subscription,BOOL,1,0,24647)\
X(S,F,gifts_from_channels,BOOL,1,0,24668)
#define TG__FL_star_amount(X, S) \
X(S,F,amount,I64,1,0,21522)\
X(S,H,nanostar_amount,I64,0,0,24688)
#define TG__FL_bot_command(X, S) \
X(S,F,command,STR,1,0,24704)\
X(S,F,description,STR,1,0,18598)\
X(S,H,is_ephemeral,BOOL,0,0,24712)
#define TG__FL_bot_command_scope_default(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_bot_command_scope_all_private_chats(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_bot_command_scope_all_group_chats(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_bot_command_scope_all_chat_administrators(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_bot_command_scope_chat(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_bot_command_scope_chat_administrators(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_bot_command_scope_chat_member(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_bot_name(X, S) \
X(S,F,name,STR,1,0,21283)
#define TG__FL_bot_description(X, S) \
X(S,F,description,STR,1,0,18598)
#define TG__FL_bot_short_description(X, S) \
X(S,F,short_description,STR,1,0,24725)
#define TG__FL_menu_button_commands(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_menu_button_web_app(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,STR,1,0,19429)\
X(S,F,web_app,OBJ,17,WEB_APP_INFO,17449)
#define TG__FL_menu_button_default(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_chat_boost_source_premium(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,user,OBJ,17,USER,21)
#define TG__FL_chat_boost_source_gift_code(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,user,OBJ,17,USER,21)
#define TG__FL_chat_boost_source_giveaway(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,giveaway_message_id,I64,1,0,21682)\
X(S,F,user,OBJ,16,USER,21)\
X(S,H,prize_star_count,I64,0,0,21536)\
X(S,H,is_unclaimed,BOOL,0,0,24750)
#define TG__FL_chat_boost(X, S) \
X(S,F,boost_id,STR,1,0,24763)\
X(S,F,add_date,I64,1,0,24772)\
X(S,F,expiration_date,I64,1,0,24781)\
X(S,F,source,OBJ,17,CHAT_BOOST_SOURCE,24743)
#define TG__FL_chat_boost_updated(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,boost,OBJ,17,CHAT_BOOST,24797)
#define TG__FL_chat_boost_removed(X, S) \
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,boost_id,STR,1,0,24763)\
X(S,F,remove_date,I64,1,0,24803)\
X(S,F,source,OBJ,17,CHAT_BOOST_SOURCE,24743)
#define TG__FL_chat_owner_left(X, S) \
X(S,F,new_owner,OBJ,16,USER,24815)
#define TG__FL_chat_owner_changed(X, S) \
X(S,F,new_owner,OBJ,17,USER,24815)
#define TG__FL_user_chat_boosts(X, S) \
X(S,A,boosts,OBJ,5,CHAT_BOOST,24825)
#define TG__FL_business_bot_rights(X, S) \
X(S,H,can_reply,BOOL,0,0,24832)\
X(S,H,can_read_messages,BOOL,0,0,24842)\
X(S,H,can_delete_sent_messages,BOOL,0,0,24860)\
X(S,H,can_delete_all_messages,BOOL,0,0,24885)\
X(S,H,can_edit_name,BOOL,0,0,24909)\
X(S,H,can_edit_bio,BOOL,0,0,24923)\
X(S,H,can_edit_profile_photo,BOOL,0,0,24936)\
X(S,H,can_edit_username,BOOL,0,0,24959)\
X(S,H,can_change_gift_settings,BOOL,0,0,24977)\
X(S,H,can_view_gifts_and_stars,BOOL,0,0,25002)\
X(S,H,can_convert_gifts_to_stars,BOOL,0,0,25027)\
X(S,H,can_transfer_and_upgrade_gifts,BOOL,0,0,25054)\
X(S,H,can_transfer_stars,BOOL,0,0,25085)\
X(S,H,can_manage_stories,BOOL,0,0,25104)
#define TG__FL_business_connection(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,user_chat_id,I64,1,0,23548)\
X(S,F,date,I64,1,0,19090)\
X(S,F,rights,OBJ,16,BUSINESS_BOT_RIGHTS,25123)\
X(S,F,is_enabled,BOOL,1,0,25130)
#define TG__FL_business_messages_deleted(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,A,message_ids,I64,5,0,25141)
#define TG__FL_sent_web_app_message(X, S) \
X(S,F,inline_message_id,STR,0,0,22610)
#define TG__FL_sent_guest_message(X, S) \
X(S,F,inline_message_id,STR,1,0,22610)
#define TG__FL_prepared_inline_message(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,expiration_date,I64,1,0,24781)
#define TG__FL_prepared_keyboard_button(X, S) \
X(S,F,id,STR,1,0,17897)
#define TG__FL_response_parameters(X, S) \
X(S,H,migrate_to_chat_id,I64,0,0,19668)\
X(S,H,retry_after,I64,0,0,25153)
#define TG__FL_input_media_animation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,H,width,I64,0,0,20102)\
X(S,H,height,I64,0,0,20108)\
X(S,H,duration,I64,0,0,20125)\
X(S,H,has_spoiler,BOOL,0,0,25165)
#define TG__FL_input_media_audio(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,duration,I64,0,0,20125)\
X(S,F,performer,STR,0,0,20164)\
X(S,F,title,STR,0,0,18219)
#define TG__FL_input_media_document(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,disable_content_type_detection,BOOL,0,0,25177)
#define TG__FL_input_media_link(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,url,STR,1,0,17416)
#define TG__FL_input_media_live_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,photo,FILE,1,0,17102)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,H,has_spoiler,BOOL,0,0,25165)
#define TG__FL_input_media_location(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,H,horizontal_accuracy,F64,0,0,20810)
#define TG__FL_input_media_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,H,has_spoiler,BOOL,0,0,25165)
#define TG__FL_input_media_sticker(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,emoji,STR,0,0,16826)
#define TG__FL_input_media_venue(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,title,STR,1,0,18219)\
X(S,F,address,STR,1,0,20865)\
X(S,F,foursquare_id,STR,0,0,20873)\
X(S,F,foursquare_type,STR,0,0,20887)\
X(S,F,google_place_id,STR,0,0,20903)\
X(S,F,google_place_type,STR,0,0,20919)
#define TG__FL_input_media_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,cover,FILE,0,0,20180)\
X(S,H,start_timestamp,I64,0,0,20186)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,H,width,I64,0,0,20102)\
X(S,H,height,I64,0,0,20108)\
X(S,H,duration,I64,0,0,20125)\
X(S,H,supports_streaming,BOOL,0,0,25208)\
X(S,H,has_spoiler,BOOL,0,0,25165)
#define TG__FL_input_media_voice_note(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,duration,I64,0,0,20125)
#define TG__FL_input_paid_media_live_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,photo,FILE,1,0,17102)
#define TG__FL_input_paid_media_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)
#define TG__FL_input_paid_media_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,media,FILE,1,0,20271)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,cover,FILE,0,0,20180)\
X(S,H,start_timestamp,I64,0,0,20186)\
X(S,H,width,I64,0,0,20102)\
X(S,H,height,I64,0,0,20108)\
X(S,H,duration,I64,0,0,20125)\
X(S,H,supports_streaming,BOOL,0,0,25208)
#define TG__FL_input_profile_photo_static(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,photo,FILE,1,0,17102)
#define TG__FL_input_profile_photo_animated(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,animation,FILE,1,0,321)\
X(S,H,main_frame_timestamp,F64,0,0,25227)
#define TG__FL_input_story_content_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,photo,FILE,1,0,17102)
#define TG__FL_input_story_content_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,video,FILE,1,0,377)\
X(S,H,duration,F64,0,0,20125)\
X(S,H,cover_frame_timestamp,F64,0,0,25248)\
X(S,H,is_animation,BOOL,0,0,25270)
#define TG__FL_sticker(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,type,STR,1,0,18214)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,is_animated,BOOL,1,0,25283)\
X(S,F,is_video,BOOL,1,0,25295)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)\
X(S,F,emoji,STR,0,0,16826)\
X(S,F,set_name,STR,0,0,25304)\
X(S,F,premium_animation,OBJ,16,FILE,25313)\
X(S,F,mask_position,OBJ,16,MASK_POSITION,4548)\
X(S,F,custom_emoji_id,STR,0,0,19799)\
X(S,H,needs_repainting,BOOL,0,0,25331)\
X(S,H,file_size,I64,0,0,20115)
#define TG__FL_sticker_set(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,title,STR,1,0,18219)\
X(S,F,sticker_type,STR,1,0,25348)\
X(S,A,stickers,OBJ,5,STICKER,25361)\
X(S,F,thumbnail,OBJ,16,PHOTO_SIZE,20134)
#define TG__FL_mask_position(X, S) \
X(S,F,point,STR,1,0,25370)\
X(S,F,x_shift,F64,1,0,25376)\
X(S,F,y_shift,F64,1,0,25384)\
X(S,F,scale,F64,1,0,25392)
#define TG__FL_input_sticker(X, S) \
X(S,F,sticker,FILE,1,0,4528)\
X(S,F,format,STR,1,0,25398)\
X(S,A,emoji_list,STR,5,0,25405)\
X(S,F,mask_position,OBJ,16,MASK_POSITION,4548)\
X(S,A,keywords,STR,4,0,25416)
#define TG__FL_rich_message(X, S) \
X(S,A,blocks,OBJ,5,RICH_BLOCK,25425)\
X(S,H,is_rtl,BOOL,0,0,25432)
#define TG__FL_rich_message_button(X, S) \
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,style,STR,0,0,22003)\
X(S,F,url,STR,0,0,17416)\
X(S,F,callback_data,STR,0,0,22396)\
X(S,F,web_app,OBJ,16,WEB_APP_INFO,17449)\
X(S,F,login_url,OBJ,16,LOGIN_URL,2170)\
X(S,F,switch_inline_query,STR,0,0,22410)\
X(S,F,switch_inline_query_current_chat,STR,0,0,22430)\
X(S,F,switch_inline_query_chosen_chat,OBJ,16,SWITCH_INLINE_QUERY_CHOSEN_CHAT,2180)\
X(S,F,copy_text,OBJ,16,COPY_TEXT_BUTTON,22463)\
X(S,F,disabled,OBJ,16,DISABLED_BUTTON,22473)
#define TG__FL_input_rich_message(X, S) \
X(S,A,blocks,OBJ,4,INPUT_RICH_BLOCK,25425)\
X(S,F,html,STR,0,0,25439)\
X(S,F,markdown,STR,0,0,25444)\
X(S,A,media,OBJ,4,INPUT_RICH_MESSAGE_MEDIA,20271)\
X(S,H,is_rtl,BOOL,0,0,25432)\
X(S,H,skip_entity_detection,BOOL,0,0,25453)
#define TG__FL_input_rich_message_media(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,media,OBJ,17,INPUT_RICH_MESSAGE_MEDIA_MEDIA,20271)
#define TG__FL_rich_text_bold(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_italic(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_underline(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_strikethrough(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_spoiler(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_date_time(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,unix_time,I64,1,0,19815)\
X(S,F,date_time_format,STR,1,0,19825)
#define TG__FL_rich_text_text_mention(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,user,OBJ,17,USER,21)
#define TG__FL_rich_text_subscript(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_superscript(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_marked(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_code(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_text_custom_emoji(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,custom_emoji_id,STR,1,0,19799)\
X(S,F,alternative_text,STR,1,0,25475)
#define TG__FL_rich_text_mathematical_expression(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,expression,STR,1,0,25492)
#define TG__FL_rich_text_url(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,url,STR,1,0,17416)
#define TG__FL_rich_text_email_address(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,email_address,STR,1,0,16812)
#define TG__FL_rich_text_phone_number(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,phone_number,STR,1,0,17089)
#define TG__FL_rich_text_bank_card_number(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,bank_card_number,STR,1,0,16635)
#define TG__FL_rich_text_mention(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,username,STR,1,0,17928)
#define TG__FL_rich_text_hashtag(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,hashtag,STR,1,0,16940)
#define TG__FL_rich_text_cashtag(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,cashtag,STR,1,0,16683)
#define TG__FL_rich_text_bot_command(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,bot_command,STR,1,0,3292)
#define TG__FL_rich_text_button(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,button,OBJ,17,RICH_MESSAGE_BUTTON,16668)
#define TG__FL_rich_text_anchor(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_rich_text_anchor_link(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,anchor_name,STR,1,0,25503)
#define TG__FL_rich_text_reference(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_rich_text_reference_link(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,reference_name,STR,1,0,25515)
#define TG__FL_rich_block_caption(X, S) \
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_rich_block_table_cell(X, S) \
X(S,F,text,OBJ,16,RICH_TEXT,19429)\
X(S,H,is_header,BOOL,0,0,25537)\
X(S,H,colspan,I64,0,0,25547)\
X(S,H,rowspan,I64,0,0,25555)\
X(S,F,align,STR,1,0,25563)\
X(S,F,valign,STR,1,0,25569)
#define TG__FL_rich_block_list_item(X, S) \
X(S,F,label,STR,1,0,25576)\
X(S,A,blocks,OBJ,5,RICH_BLOCK,25425)\
X(S,H,has_checkbox,BOOL,0,0,25582)\
X(S,H,is_checked,BOOL,0,0,25595)\
X(S,H,value,I64,0,0,20237)\
X(S,F,type,STR,0,0,18214)
#define TG__FL_rich_block_paragraph(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_block_section_heading(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,size,I64,1,0,25606)
#define TG__FL_rich_block_preformatted(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,language,STR,0,0,19790)
#define TG__FL_rich_block_footer(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_rich_block_divider(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_rich_block_mathematical_expression(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,expression,STR,1,0,25492)
#define TG__FL_rich_block_anchor(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_rich_block_list(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,items,OBJ,5,RICH_BLOCK_LIST_ITEM,25611)
#define TG__FL_rich_block_block_quotation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,blocks,OBJ,5,RICH_BLOCK,25425)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_rich_block_expandable_block_quotation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_rich_block_pull_quotation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_rich_block_collage(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,blocks,OBJ,5,RICH_BLOCK,25425)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_slideshow(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,blocks,OBJ,5,RICH_BLOCK,25425)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_table(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,cells,OBJ,9,RICH_BLOCK_TABLE_CELL,25617)\
X(S,H,is_bordered,BOOL,0,0,25623)\
X(S,H,is_striped,BOOL,0,0,25635)\
X(S,F,caption,OBJ,16,RICH_TEXT,19454)\
X(S,H,is_compact,BOOL,0,0,25646)
#define TG__FL_rich_block_details(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,summary,OBJ,17,RICH_TEXT,25657)\
X(S,A,blocks,OBJ,5,RICH_BLOCK,25425)\
X(S,H,is_open,BOOL,0,0,25665)
#define TG__FL_rich_block_map(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,location,OBJ,17,LOCATION,681)\
X(S,F,zoom,I64,1,0,25673)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_buttons(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,buttons,OBJ,5,RICH_MESSAGE_BUTTON,16675)\
X(S,F,align,STR,0,0,25563)
#define TG__FL_rich_block_animation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,animation,OBJ,17,ANIMATION,321)\
X(S,H,has_spoiler,BOOL,0,0,25165)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_audio(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,audio,OBJ,17,AUDIO,331)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_document(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,document,OBJ,17,DOCUMENT,337)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,photo,OBJ,5,PHOTO_SIZE,17102)\
X(S,H,has_spoiler,BOOL,0,0,25165)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,video,OBJ,17,VIDEO,377)\
X(S,H,has_spoiler,BOOL,0,0,25165)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_voice_note(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,voice_note,OBJ,17,VOICE,17420)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_rich_block_thinking(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_input_rich_block_list_item(X, S) \
X(S,A,blocks,OBJ,5,INPUT_RICH_BLOCK,25425)\
X(S,H,has_checkbox,BOOL,0,0,25582)\
X(S,H,is_checked,BOOL,0,0,25595)\
X(S,H,value,I64,0,0,20237)\
X(S,F,type,STR,0,0,18214)
#define TG__FL_input_rich_block_paragraph(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_input_rich_block_section_heading(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,size,I64,1,0,25606)
#define TG__FL_input_rich_block_preformatted(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,language,STR,0,0,19790)
#define TG__FL_input_rich_block_footer(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_input_rich_block_divider(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_input_rich_block_mathematical_expression(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,expression,STR,1,0,25492)
#define TG__FL_input_rich_block_anchor(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_input_rich_block_list(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,items,OBJ,5,INPUT_RICH_BLOCK_LIST_ITEM,25611)
#define TG__FL_input_rich_block_block_quotation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,blocks,OBJ,5,INPUT_RICH_BLOCK,25425)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_input_rich_block_expandable_block_quotation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_input_rich_block_pull_quotation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)\
X(S,F,credit,OBJ,16,RICH_TEXT,25530)
#define TG__FL_input_rich_block_collage(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,blocks,OBJ,5,INPUT_RICH_BLOCK,25425)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_slideshow(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,blocks,OBJ,5,INPUT_RICH_BLOCK,25425)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_table(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,cells,OBJ,9,RICH_BLOCK_TABLE_CELL,25617)\
X(S,H,is_bordered,BOOL,0,0,25623)\
X(S,H,is_striped,BOOL,0,0,25635)\
X(S,F,caption,OBJ,16,RICH_TEXT,19454)\
X(S,H,is_compact,BOOL,0,0,25646)
#define TG__FL_input_rich_block_details(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,summary,OBJ,17,RICH_TEXT,25657)\
X(S,A,blocks,OBJ,5,INPUT_RICH_BLOCK,25425)\
X(S,H,is_open,BOOL,0,0,25665)
#define TG__FL_input_rich_block_map(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,location,OBJ,17,LOCATION,681)\
X(S,F,zoom,I64,1,0,25673)\
X(S,F,width,I64,1,0,20102)\
X(S,F,height,I64,1,0,20108)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_buttons(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,A,buttons,OBJ,5,RICH_MESSAGE_BUTTON,16675)\
X(S,F,align,STR,0,0,25563)
#define TG__FL_input_rich_block_animation(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,animation,OBJ,17,INPUT_MEDIA_ANIMATION,321)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_audio(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,audio,OBJ,17,INPUT_MEDIA_AUDIO,331)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_document(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,document,OBJ,17,INPUT_MEDIA_DOCUMENT,337)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,photo,OBJ,17,INPUT_MEDIA_PHOTO,17102)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,video,OBJ,17,INPUT_MEDIA_VIDEO,377)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_voice_note(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,voice_note,OBJ,17,INPUT_MEDIA_VOICE_NOTE,17420)\
X(S,F,caption,OBJ,16,RICH_BLOCK_CAPTION,19454)
#define TG__FL_input_rich_block_thinking(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,text,OBJ,17,RICH_TEXT,19429)
#define TG__FL_inline_query(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,query,STR,1,0,22533)\
X(S,F,offset,STR,1,0,19776)\
X(S,F,chat_type,STR,0,0,25678)\
X(S,F,location,OBJ,16,LOCATION,681)
#define TG__FL_inline_query_results_button(X, S) \
X(S,F,text,STR,1,0,19429)\
X(S,F,web_app,OBJ,16,WEB_APP_INFO,17449)\
X(S,F,start_parameter,STR,0,0,25688)
#define TG__FL_inline_query_result_article(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,title,STR,1,0,18219)\
X(S,F,input_message_content,OBJ,17,INPUT_MESSAGE_CONTENT,7138)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,url,STR,0,0,17416)\
X(S,F,description,STR,0,0,18598)\
X(S,F,thumbnail_url,STR,0,0,25704)\
X(S,H,thumbnail_width,I64,0,0,25718)\
X(S,H,thumbnail_height,I64,0,0,25734)
#define TG__FL_inline_query_result_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,photo_url,STR,1,0,25751)\
X(S,F,thumbnail_url,STR,1,0,25704)\
X(S,H,photo_width,I64,0,0,25761)\
X(S,H,photo_height,I64,0,0,25773)\
X(S,F,title,STR,0,0,18219)\
X(S,F,description,STR,0,0,18598)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_gif(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,gif_url,STR,1,0,25786)\
X(S,H,gif_width,I64,0,0,25794)\
X(S,H,gif_height,I64,0,0,25804)\
X(S,H,gif_duration,I64,0,0,25815)\
X(S,F,thumbnail_url,STR,1,0,25704)\
X(S,F,thumbnail_mime_type,STR,0,0,25828)\
X(S,F,title,STR,0,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_mpeg4_gif(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,mpeg4_url,STR,1,0,25848)\
X(S,H,mpeg4_width,I64,0,0,25858)\
X(S,H,mpeg4_height,I64,0,0,25870)\
X(S,H,mpeg4_duration,I64,0,0,25883)\
X(S,F,thumbnail_url,STR,1,0,25704)\
X(S,F,thumbnail_mime_type,STR,0,0,25828)\
X(S,F,title,STR,0,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,video_url,STR,1,0,25898)\
X(S,F,mime_type,STR,1,0,20154)\
X(S,F,thumbnail_url,STR,1,0,25704)\
X(S,F,title,STR,1,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,H,video_width,I64,0,0,25908)\
X(S,H,video_height,I64,0,0,25920)\
X(S,H,video_duration,I64,0,0,25933)\
X(S,F,description,STR,0,0,18598)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_audio(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,audio_url,STR,1,0,25948)\
X(S,F,title,STR,1,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,performer,STR,0,0,20164)\
X(S,H,audio_duration,I64,0,0,25958)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_voice(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,voice_url,STR,1,0,25973)\
X(S,F,title,STR,1,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,voice_duration,I64,0,0,25983)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_document(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,title,STR,1,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,document_url,STR,1,0,25998)\
X(S,F,mime_type,STR,1,0,20154)\
X(S,F,description,STR,0,0,18598)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)\
X(S,F,thumbnail_url,STR,0,0,25704)\
X(S,H,thumbnail_width,I64,0,0,25718)\
X(S,H,thumbnail_height,I64,0,0,25734)
#define TG__FL_inline_query_result_location(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,title,STR,1,0,18219)\
X(S,H,horizontal_accuracy,F64,0,0,20810)\
X(S,H,live_period,I64,0,0,20830)\
X(S,H,heading,I64,0,0,16948)\
X(S,H,proximity_alert_radius,I64,0,0,20842)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)\
X(S,F,thumbnail_url,STR,0,0,25704)\
X(S,H,thumbnail_width,I64,0,0,25718)\
X(S,H,thumbnail_height,I64,0,0,25734)
#define TG__FL_inline_query_result_venue(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,title,STR,1,0,18219)\
X(S,F,address,STR,1,0,20865)\
X(S,F,foursquare_id,STR,0,0,20873)\
X(S,F,foursquare_type,STR,0,0,20887)\
X(S,F,google_place_id,STR,0,0,20903)\
X(S,F,google_place_type,STR,0,0,20919)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)\
X(S,F,thumbnail_url,STR,0,0,25704)\
X(S,H,thumbnail_width,I64,0,0,25718)\
X(S,H,thumbnail_height,I64,0,0,25734)
#define TG__FL_inline_query_result_contact(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,phone_number,STR,1,0,17089)\
X(S,F,first_name,STR,1,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,F,vcard,STR,0,0,20231)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)\
X(S,F,thumbnail_url,STR,0,0,25704)\
X(S,H,thumbnail_width,I64,0,0,25718)\
X(S,H,thumbnail_height,I64,0,0,25734)
#define TG__FL_inline_query_result_game(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,game_short_name,STR,1,0,22642)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_inline_query_result_cached_photo(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,photo_file_id,STR,1,0,26011)\
X(S,F,title,STR,0,0,18219)\
X(S,F,description,STR,0,0,18598)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_gif(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,gif_file_id,STR,1,0,26025)\
X(S,F,title,STR,0,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_mpeg4_gif(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,mpeg4_file_id,STR,1,0,26037)\
X(S,F,title,STR,0,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_sticker(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,sticker_file_id,STR,1,0,26051)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_document(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,title,STR,1,0,18219)\
X(S,F,document_file_id,STR,1,0,26067)\
X(S,F,description,STR,0,0,18598)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_video(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,video_file_id,STR,1,0,26084)\
X(S,F,title,STR,1,0,18219)\
X(S,F,description,STR,0,0,18598)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,H,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_voice(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,voice_file_id,STR,1,0,26098)\
X(S,F,title,STR,1,0,18219)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_inline_query_result_cached_audio(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,id,STR,1,0,17897)\
X(S,F,audio_file_id,STR,1,0,26112)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)\
X(S,F,input_message_content,OBJ,16,INPUT_MESSAGE_CONTENT,7138)
#define TG__FL_input_text_message_content(X, S) \
X(S,F,message_text,STR,1,0,26126)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,A,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,F,link_preview_options,OBJ,16,LINK_PREVIEW_OPTIONS,1775)
#define TG__FL_input_rich_message_content(X, S) \
X(S,F,rich_message,OBJ,17,INPUT_RICH_MESSAGE,4576)
#define TG__FL_input_location_message_content(X, S) \
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,H,horizontal_accuracy,F64,0,0,20810)\
X(S,H,live_period,I64,0,0,20830)\
X(S,H,heading,I64,0,0,16948)\
X(S,H,proximity_alert_radius,I64,0,0,20842)
#define TG__FL_input_venue_message_content(X, S) \
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,title,STR,1,0,18219)\
X(S,F,address,STR,1,0,20865)\
X(S,F,foursquare_id,STR,0,0,20873)\
X(S,F,foursquare_type,STR,0,0,20887)\
X(S,F,google_place_id,STR,0,0,20903)\
X(S,F,google_place_type,STR,0,0,20919)
#define TG__FL_input_contact_message_content(X, S) \
X(S,F,phone_number,STR,1,0,17089)\
X(S,F,first_name,STR,1,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,F,vcard,STR,0,0,20231)
#define TG__FL_input_invoice_message_content(X, S) \
X(S,F,title,STR,1,0,18219)\
X(S,F,description,STR,1,0,18598)\
X(S,F,payload,STR,1,0,26139)\
X(S,F,provider_token,STR,0,0,26147)\
X(S,F,currency,STR,1,0,21513)\
X(S,A,prices,OBJ,5,LABELED_PRICE,26162)\
X(S,H,max_tip_amount,I64,0,0,26169)\
X(S,A,suggested_tip_amounts,I64,4,0,26184)\
X(S,F,provider_data,STR,0,0,26206)\
X(S,F,photo_url,STR,0,0,25751)\
X(S,H,photo_size,I64,0,0,310)\
X(S,H,photo_width,I64,0,0,25761)\
X(S,H,photo_height,I64,0,0,25773)\
X(S,H,need_name,BOOL,0,0,26220)\
X(S,H,need_phone_number,BOOL,0,0,26230)\
X(S,H,need_email,BOOL,0,0,26248)\
X(S,H,need_shipping_address,BOOL,0,0,26259)\
X(S,H,send_phone_number_to_provider,BOOL,0,0,26281)\
X(S,H,send_email_to_provider,BOOL,0,0,26311)\
X(S,H,is_flexible,BOOL,0,0,26334)
#define TG__FL_chosen_inline_result(X, S) \
X(S,F,result_id,STR,1,0,26346)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,location,OBJ,16,LOCATION,681)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,F,query,STR,1,0,22533)
#define TG__FL_labeled_price(X, S) \
X(S,F,label,STR,1,0,25576)\
X(S,F,amount,I64,1,0,21522)
#define TG__FL_invoice(X, S) \
X(S,F,title,STR,1,0,18219)\
X(S,F,description,STR,1,0,18598)\
X(S,F,start_parameter,STR,1,0,25688)\
X(S,F,currency,STR,1,0,21513)\
X(S,F,total_amount,I64,1,0,26356)
#define TG__FL_shipping_address(X, S) \
X(S,F,country_code,STR,1,0,23775)\
X(S,F,state,STR,1,0,20995)\
X(S,F,city,STR,1,0,23788)\
X(S,F,street_line1,STR,1,0,26369)\
X(S,F,street_line2,STR,1,0,26382)\
X(S,F,post_code,STR,1,0,26395)
#define TG__FL_order_info(X, S) \
X(S,F,name,STR,0,0,21283)\
X(S,F,phone_number,STR,0,0,17089)\
X(S,F,email,STR,0,0,26405)\
X(S,F,shipping_address,OBJ,16,SHIPPING_ADDRESS,7376)
#define TG__FL_shipping_option(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,title,STR,1,0,18219)\
X(S,A,prices,OBJ,5,LABELED_PRICE,26162)
#define TG__FL_successful_payment(X, S) \
X(S,F,currency,STR,1,0,21513)\
X(S,F,total_amount,I64,1,0,26356)\
X(S,F,invoice_payload,STR,1,0,20979)\
X(S,H,subscription_expiration_date,I64,0,0,26411)\
X(S,H,is_recurring,BOOL,0,0,26440)\
X(S,H,is_first_recurring,BOOL,0,0,26453)\
X(S,F,shipping_option_id,STR,0,0,26472)\
X(S,F,order_info,OBJ,16,ORDER_INFO,7393)\
X(S,F,telegram_payment_charge_id,STR,1,0,26491)\
X(S,F,provider_payment_charge_id,STR,1,0,26518)
#define TG__FL_refunded_payment(X, S) \
X(S,F,currency,STR,1,0,21513)\
X(S,F,total_amount,I64,1,0,26356)\
X(S,F,invoice_payload,STR,1,0,20979)\
X(S,F,telegram_payment_charge_id,STR,1,0,26491)\
X(S,F,provider_payment_charge_id,STR,0,0,26518)
#define TG__FL_shipping_query(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,invoice_payload,STR,1,0,20979)\
X(S,F,shipping_address,OBJ,17,SHIPPING_ADDRESS,7376)
#define TG__FL_pre_checkout_query(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,currency,STR,1,0,21513)\
X(S,F,total_amount,I64,1,0,26356)\
X(S,F,invoice_payload,STR,1,0,20979)\
X(S,F,shipping_option_id,STR,0,0,26472)\
X(S,F,order_info,OBJ,16,ORDER_INFO,7393)
#define TG__FL_paid_media_purchased(X, S) \
X(S,F,from,OBJ,17,USER,18988)\
X(S,F,paid_media_payload,STR,1,0,26545)
#define TG__FL_revenue_withdrawal_state_pending(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_revenue_withdrawal_state_succeeded(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,date,I64,1,0,19090)\
X(S,F,url,STR,1,0,17416)
#define TG__FL_revenue_withdrawal_state_failed(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_affiliate_info(X, S) \
X(S,F,affiliate_user,OBJ,16,USER,26564)\
X(S,F,affiliate_chat,OBJ,16,CHAT,26579)\
X(S,F,commission_per_mille,I64,1,0,26594)\
X(S,F,amount,I64,1,0,21522)\
X(S,H,nanostar_amount,I64,0,0,24688)
#define TG__FL_transaction_partner_user(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,transaction_type,STR,1,0,26615)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,affiliate,OBJ,16,AFFILIATE_INFO,26632)\
X(S,F,invoice_payload,STR,0,0,20979)\
X(S,H,subscription_period,I64,0,0,22819)\
X(S,A,paid_media,OBJ,4,PAID_MEDIA,416)\
X(S,F,paid_media_payload,STR,0,0,26545)\
X(S,F,gift,OBJ,16,GIFT,3025)\
X(S,H,premium_subscription_duration,I64,0,0,26642)
#define TG__FL_transaction_partner_chat(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,chat,OBJ,17,CHAT,26)\
X(S,F,gift,OBJ,16,GIFT,3025)
#define TG__FL_transaction_partner_affiliate_program(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,sponsor_user,OBJ,16,USER,26672)\
X(S,F,commission_per_mille,I64,1,0,26594)
#define TG__FL_transaction_partner_fragment(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,withdrawal_state,OBJ,16,REVENUE_WITHDRAWAL_STATE,26685)
#define TG__FL_transaction_partner_telegram_ads(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_transaction_partner_telegram_api(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,request_count,I64,1,0,26702)
#define TG__FL_transaction_partner_other(X, S) \
X(S,F,type,STR,1,0,18214)
#define TG__FL_star_transaction(X, S) \
X(S,F,id,STR,1,0,17897)\
X(S,F,amount,I64,1,0,21522)\
X(S,H,nanostar_amount,I64,0,0,24688)\
X(S,F,date,I64,1,0,19090)\
X(S,F,source,OBJ,16,TRANSACTION_PARTNER,24743)\
X(S,F,receiver,OBJ,16,TRANSACTION_PARTNER,26716)
#define TG__FL_star_transactions(X, S) \
X(S,A,transactions,OBJ,5,STAR_TRANSACTION,26725)
#define TG__FL_passport_data(X, S) \
X(S,A,data,OBJ,5,ENCRYPTED_PASSPORT_ELEMENT,16773)\
X(S,F,credentials,OBJ,17,ENCRYPTED_CREDENTIALS,26738)
#define TG__FL_passport_file(X, S) \
X(S,F,file_id,STR,1,0,20079)\
X(S,F,file_unique_id,STR,1,0,20087)\
X(S,F,file_size,I64,1,0,20115)\
X(S,F,file_date,I64,1,0,26750)
#define TG__FL_encrypted_passport_element(X, S) \
X(S,F,type,STR,1,0,18214)\
X(S,F,data,STR,0,0,16773)\
X(S,F,phone_number,STR,0,0,17089)\
X(S,F,email,STR,0,0,26405)\
X(S,A,files,OBJ,4,PASSPORT_FILE,16861)\
X(S,F,front_side,OBJ,16,PASSPORT_FILE,16906)\
X(S,F,reverse_side,OBJ,16,PASSPORT_FILE,17182)\
X(S,F,selfie,OBJ,16,PASSPORT_FILE,17195)\
X(S,A,translation,OBJ,4,PASSPORT_FILE,26760)\
X(S,F,hash,STR,1,0,26772)
#define TG__FL_encrypted_credentials(X, S) \
X(S,F,data,STR,1,0,16773)\
X(S,F,hash,STR,1,0,26772)\
X(S,F,secret,STR,1,0,26777)
#define TG__FL_passport_element_error_data_field(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,field_name,STR,1,0,26784)\
X(S,F,data_hash,STR,1,0,26795)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_front_side(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,file_hash,STR,1,0,26805)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_reverse_side(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,file_hash,STR,1,0,26805)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_selfie(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,file_hash,STR,1,0,26805)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_file(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,file_hash,STR,1,0,26805)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_files(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,A,file_hashes,STR,5,0,26815)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_translation_file(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,file_hash,STR,1,0,26805)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_translation_files(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,A,file_hashes,STR,5,0,26815)\
X(S,F,message,STR,1,0,46)
#define TG__FL_passport_element_error_unspecified(X, S) \
X(S,F,source,STR,1,0,24743)\
X(S,F,type,STR,1,0,18214)\
X(S,F,element_hash,STR,1,0,26827)\
X(S,F,message,STR,1,0,46)
#define TG__FL_game(X, S) \
X(S,F,title,STR,1,0,18219)\
X(S,F,description,STR,1,0,18598)\
X(S,A,photo,OBJ,5,PHOTO_SIZE,17102)\
X(S,F,text,STR,0,0,19429)\
X(S,A,text_entities,OBJ,4,MESSAGE_ENTITY,20257)\
X(S,F,animation,OBJ,16,ANIMATION,321)
#define TG__FL_game_high_score(X, S) \
X(S,F,position,I64,1,0,19842)\
X(S,F,user,OBJ,17,USER,21)\
X(S,F,score,I64,1,0,26840)
#define TG__FL_get_updates_args(X, S) \
X(S,F,offset,I64,0,0,19776)\
X(S,H,limit,I64,0,0,26846)\
X(S,F,timeout,I64,0,0,26852)\
X(S,AR,allowed_updates,STR,4,0,17881)
#define TG__FL_set_webhook_args(X, S) \
X(S,F,url,STR,1,0,17416)\
X(S,F,certificate,FILE,0,0,26860)\
X(S,F,ip_address,STR,0,0,17787)\
X(S,H,max_connections,I64,0,0,17865)\
X(S,AR,allowed_updates,STR,4,0,17881)\
X(S,F,drop_pending_updates,BOOL,0,0,26872)\
X(S,F,secret_token,STR,0,0,26893)
#define TG__FL_delete_webhook_args(X, S) \
X(S,F,drop_pending_updates,BOOL,0,0,26872)
#define TG__FL_send_message_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,text,STR,1,0,19429)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,R,link_preview_options,OBJ,16,LINK_PREVIEW_OPTIONS,1775)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_forward_message_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,from_chat_id,CHATREF,1,0,27007)\
X(S,F,video_start_timestamp,I64,0,0,27020)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,F,message_id,I64,1,0,54)
#define TG__FL_forward_messages_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,from_chat_id,CHATREF,1,0,27007)\
X(S,AR,message_ids,I64,5,0,25141)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)
#define TG__FL_copy_message_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,from_chat_id,CHATREF,1,0,27007)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,video_start_timestamp,I64,0,0,27020)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_copy_messages_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,from_chat_id,CHATREF,1,0,27007)\
X(S,AR,message_ids,I64,5,0,25141)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,remove_caption,BOOL,0,0,27042)
#define TG__FL_send_photo_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,photo,FILE,1,0,17102)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,has_spoiler,BOOL,0,0,25165)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_live_photo_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,live_photo,FILE,1,0,346)\
X(S,F,photo,FILE,1,0,17102)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,has_spoiler,BOOL,0,0,25165)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_audio_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,audio,FILE,1,0,331)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,duration,I64,0,0,20125)\
X(S,F,performer,STR,0,0,20164)\
X(S,F,title,STR,0,0,18219)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_document_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,document,FILE,1,0,337)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,disable_content_type_detection,BOOL,0,0,25177)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_video_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,video,FILE,1,0,377)\
X(S,F,duration,I64,0,0,20125)\
X(S,F,width,I64,0,0,20102)\
X(S,F,height,I64,0,0,20108)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,cover,FILE,0,0,20180)\
X(S,F,start_timestamp,I64,0,0,20186)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,has_spoiler,BOOL,0,0,25165)\
X(S,F,supports_streaming,BOOL,0,0,25208)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_animation_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,animation,FILE,1,0,321)\
X(S,F,duration,I64,0,0,20125)\
X(S,F,width,I64,0,0,20102)\
X(S,F,height,I64,0,0,20108)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,has_spoiler,BOOL,0,0,25165)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_voice_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,voice,FILE,1,0,394)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,duration,I64,0,0,20125)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_video_note_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,video_note,FILE,1,0,383)\
X(S,F,duration,I64,0,0,20125)\
X(S,F,length,I64,0,0,19783)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_paid_media_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,star_count,I64,1,0,20212)\
X(S,AR,media,OBJ,5,INPUT_PAID_MEDIA,20271)\
X(S,F,payload,STR,0,0,26139)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_media_group_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,AR,media,OBJ,5,INPUT_MEDIA,20271)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)
#define TG__FL_send_location_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,horizontal_accuracy,F64,0,0,20810)\
X(S,H,live_period,I64,0,0,20830)\
X(S,F,heading,I64,0,0,16948)\
X(S,F,proximity_alert_radius,I64,0,0,20842)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_venue_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,title,STR,1,0,18219)\
X(S,F,address,STR,1,0,20865)\
X(S,F,foursquare_id,STR,0,0,20873)\
X(S,F,foursquare_type,STR,0,0,20887)\
X(S,F,google_place_id,STR,0,0,20903)\
X(S,F,google_place_type,STR,0,0,20919)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_contact_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,phone_number,STR,1,0,17089)\
X(S,F,first_name,STR,1,0,17907)\
X(S,F,last_name,STR,0,0,17918)\
X(S,F,vcard,STR,0,0,20231)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_poll_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,question,STR,1,0,20399)\
X(S,F,question_parse_mode,STR,0,0,27057)\
X(S,AR,question_entities,OBJ,4,MESSAGE_ENTITY,20408)\
X(S,AR,options,OBJ,5,INPUT_POLL_OPTION,20426)\
X(S,F,is_anonymous,FLAG,0,0,20462)\
X(S,F,type,STR,0,0,18214)\
X(S,F,allows_multiple_answers,BOOL,0,0,20475)\
X(S,F,allows_revoting,BOOL,0,0,20499)\
X(S,F,shuffle_options,BOOL,0,0,27077)\
X(S,F,allow_adding_options,BOOL,0,0,27093)\
X(S,F,hide_results_until_closes,BOOL,0,0,27114)\
X(S,F,members_only,BOOL,0,0,20515)\
X(S,AR,country_codes,STR,4,0,20528)\
X(S,AR,correct_option_ids,I64,4,0,20542)\
X(S,F,explanation,STR,0,0,20561)\
X(S,F,explanation_parse_mode,STR,0,0,27140)\
X(S,AR,explanation_entities,OBJ,4,MESSAGE_ENTITY,20573)\
X(S,R,explanation_media,OBJ,16,INPUT_POLL_MEDIA,20594)\
X(S,F,open_period,I64,0,0,20612)\
X(S,F,close_date,I64,0,0,20624)\
X(S,F,is_closed,BOOL,0,0,20452)\
X(S,F,description,STR,0,0,18598)\
X(S,F,description_parse_mode,STR,0,0,27163)\
X(S,AR,description_entities,OBJ,4,MESSAGE_ENTITY,20635)\
X(S,R,media,OBJ,16,INPUT_POLL_MEDIA,20271)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_checklist_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,R,checklist,OBJ,17,INPUT_CHECKLIST,634)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_send_dice_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,emoji,STR,0,0,16826)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_message_draft_args(X, S) \
X(S,F,chat_id,I64,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,draft_id,I64,1,0,21001)\
X(S,F,text,STR,0,0,19429)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,F,can_stop,BOOL,0,0,27186)\
X(S,F,keep_on_stop,BOOL,0,0,27195)
#define TG__FL_send_chat_action_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,action,STR,1,0,27208)
#define TG__FL_set_message_reaction_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,AR,reaction,OBJ,4,REACTION_TYPE,27215)\
X(S,F,is_big,BOOL,0,0,27224)
#define TG__FL_get_user_profile_photos_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,offset,I64,0,0,19776)\
X(S,H,limit,I64,0,0,26846)
#define TG__FL_get_user_profile_audios_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,offset,I64,0,0,19776)\
X(S,H,limit,I64,0,0,26846)
#define TG__FL_set_user_emoji_status_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,emoji_status_custom_emoji_id,STR,0,0,18437)\
X(S,F,emoji_status_expiration_date,I64,0,0,18466)
#define TG__FL_get_file_args(X, S) \
X(S,F,file_id,STR,1,0,20079)
#define TG__FL_ban_chat_member_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)\
X(S,F,until_date,I64,0,0,23299)\
X(S,F,revoke_messages,BOOL,0,0,27231)
#define TG__FL_unban_chat_member_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)\
X(S,F,only_if_banned,BOOL,0,0,27248)
#define TG__FL_restrict_chat_member_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)\
X(S,R,permissions,OBJ,17,CHAT_PERMISSIONS,18637)\
X(S,F,use_independent_chat_permissions,BOOL,0,0,27263)\
X(S,F,until_date,I64,0,0,23299)
#define TG__FL_promote_chat_member_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)\
X(S,F,is_anonymous,BOOL,0,0,20462)\
X(S,F,can_manage_chat,BOOL,0,0,22858)\
X(S,F,can_delete_messages,BOOL,0,0,22874)\
X(S,F,can_manage_video_chats,BOOL,0,0,22894)\
X(S,F,can_restrict_members,FLAG,0,0,22917)\
X(S,F,can_promote_members,BOOL,0,0,22938)\
X(S,F,can_change_info,BOOL,0,0,22958)\
X(S,F,can_invite_users,BOOL,0,0,22974)\
X(S,F,can_post_stories,BOOL,0,0,22991)\
X(S,F,can_edit_stories,BOOL,0,0,23008)\
X(S,F,can_delete_stories,BOOL,0,0,23025)\
X(S,F,can_post_messages,BOOL,0,0,23070)\
X(S,F,can_edit_messages,BOOL,0,0,23088)\
X(S,F,can_pin_messages,BOOL,0,0,23106)\
X(S,F,can_manage_topics,BOOL,0,0,23123)\
X(S,F,can_manage_direct_messages,BOOL,0,0,23141)\
X(S,F,can_manage_tags,BOOL,0,0,23168)\
X(S,F,can_send_welcome_messages,BOOL,0,0,23044)
#define TG__FL_set_chat_administrator_custom_title_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)\
X(S,F,custom_title,STR,1,0,23268)
#define TG__FL_set_chat_member_tag_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)\
X(S,F,tag,STR,0,0,23295)
#define TG__FL_ban_chat_sender_chat_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,sender_chat_id,I64,1,0,27296)
#define TG__FL_unban_chat_sender_chat_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,sender_chat_id,I64,1,0,27296)
#define TG__FL_set_chat_permissions_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,R,permissions,OBJ,17,CHAT_PERMISSIONS,18637)\
X(S,F,use_independent_chat_permissions,BOOL,0,0,27263)
#define TG__FL_export_chat_invite_link_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_create_chat_invite_link_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,name,STR,0,0,21283)\
X(S,F,expire_date,I64,0,0,22767)\
X(S,F,member_limit,I64,0,0,22779)\
X(S,F,creates_join_request,BOOL,0,0,22724)
#define TG__FL_edit_chat_invite_link_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,invite_link,STR,1,0,18610)\
X(S,F,name,STR,0,0,21283)\
X(S,F,expire_date,I64,0,0,22767)\
X(S,F,member_limit,I64,0,0,22779)\
X(S,F,creates_join_request,BOOL,0,0,22724)
#define TG__FL_create_chat_subscription_invite_link_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,name,STR,0,0,21283)\
X(S,F,subscription_period,I64,1,0,22819)\
X(S,F,subscription_price,I64,1,0,22839)
#define TG__FL_edit_chat_subscription_invite_link_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,invite_link,STR,1,0,18610)\
X(S,F,name,STR,0,0,21283)
#define TG__FL_revoke_chat_invite_link_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,invite_link,STR,1,0,18610)
#define TG__FL_approve_chat_join_request_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_decline_chat_join_request_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_answer_chat_join_request_query_args(X, S) \
X(S,F,chat_join_request_query_id,STR,1,0,27311)\
X(S,F,result,STR,1,0,27338)
#define TG__FL_send_chat_join_request_web_app_args(X, S) \
X(S,F,chat_join_request_query_id,STR,1,0,27311)\
X(S,F,web_app_url,STR,1,0,27345)
#define TG__FL_set_chat_photo_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,photo,FILE,1,0,17102)
#define TG__FL_delete_chat_photo_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_set_chat_title_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,title,STR,1,0,18219)
#define TG__FL_set_chat_description_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,description,STR,0,0,18598)
#define TG__FL_pin_chat_message_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,disable_notification,BOOL,0,0,26931)
#define TG__FL_unpin_chat_message_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,0,0,54)
#define TG__FL_unpin_all_chat_messages_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_leave_chat_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_get_chat_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_get_chat_administrators_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,return_bots,BOOL,0,0,27357)
#define TG__FL_get_chat_member_count_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_get_chat_member_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_get_user_personal_chat_messages_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,limit,I64,1,0,26846)
#define TG__FL_set_chat_sticker_set_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,sticker_set_name,STR,1,0,18827)
#define TG__FL_delete_chat_sticker_set_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_create_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,name,STR,1,0,21283)\
X(S,F,icon_color,I64,0,0,21288)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)
#define TG__FL_edit_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,1,0,18970)\
X(S,F,name,STR,0,0,21283)\
X(S,F,icon_custom_emoji_id,STR,0,0,21299)
#define TG__FL_close_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,1,0,18970)
#define TG__FL_reopen_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,1,0,18970)
#define TG__FL_delete_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,1,0,18970)
#define TG__FL_unpin_all_forum_topic_messages_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,1,0,18970)
#define TG__FL_edit_general_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,name,STR,1,0,21283)
#define TG__FL_close_general_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_reopen_general_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_hide_general_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_unhide_general_forum_topic_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_unpin_all_general_forum_topic_messages_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_answer_callback_query_args(X, S) \
X(S,F,callback_query_id,STR,1,0,20001)\
X(S,F,text,STR,0,0,19429)\
X(S,F,show_alert,BOOL,0,0,27369)\
X(S,F,url,STR,0,0,17416)\
X(S,F,cache_time,I64,0,0,27380)
#define TG__FL_answer_guest_query_args(X, S) \
X(S,F,guest_query_id,STR,1,0,19095)\
X(S,R,result,OBJ,17,INLINE_QUERY_RESULT,27338)
#define TG__FL_get_user_chat_boosts_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_get_business_connection_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)
#define TG__FL_get_managed_bot_token_args(X, S) \
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_replace_managed_bot_token_args(X, S) \
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_get_managed_bot_access_settings_args(X, S) \
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_set_managed_bot_access_settings_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,is_access_restricted,BOOL,1,0,24571)\
X(S,AR,added_user_ids,I64,4,0,27391)
#define TG__FL_set_my_commands_args(X, S) \
X(S,AR,commands,OBJ,5,BOT_COMMAND,16743)\
X(S,R,scope,OBJ,16,BOT_COMMAND_SCOPE,27406)\
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_delete_my_commands_args(X, S) \
X(S,R,scope,OBJ,16,BOT_COMMAND_SCOPE,27406)\
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_get_my_commands_args(X, S) \
X(S,R,scope,OBJ,16,BOT_COMMAND_SCOPE,27406)\
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_set_my_name_args(X, S) \
X(S,F,name,STR,0,0,21283)\
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_get_my_name_args(X, S) \
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_set_my_description_args(X, S) \
X(S,F,description,STR,0,0,18598)\
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_get_my_description_args(X, S) \
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_set_my_short_description_args(X, S) \
X(S,F,short_description,STR,0,0,24725)\
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_get_my_short_description_args(X, S) \
X(S,F,language_code,STR,0,0,17937)
#define TG__FL_set_my_profile_photo_args(X, S) \
X(S,R,photo,OBJ,17,INPUT_PROFILE_PHOTO,17102)
#define TG__FL_set_chat_menu_button_args(X, S) \
X(S,F,chat_id,I64,0,0,19868)\
X(S,R,menu_button,OBJ,16,MENU_BUTTON,3598)
#define TG__FL_get_chat_menu_button_args(X, S) \
X(S,F,chat_id,I64,0,0,19868)
#define TG__FL_set_my_default_administrator_rights_args(X, S) \
X(S,R,rights,OBJ,16,CHAT_ADMINISTRATOR_RIGHTS,25123)\
X(S,F,for_channels,BOOL,0,0,27412)
#define TG__FL_get_my_default_administrator_rights_args(X, S) \
X(S,F,for_channels,BOOL,0,0,27412)
#define TG__FL_send_gift_args(X, S) \
X(S,F,user_id,I64,0,0,20223)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,gift_id,STR,1,0,24250)\
X(S,F,pay_for_upgrade,BOOL,0,0,27425)\
X(S,F,text,STR,0,0,19429)\
X(S,F,text_parse_mode,STR,0,0,20331)\
X(S,AR,text_entities,OBJ,4,MESSAGE_ENTITY,20257)
#define TG__FL_gift_premium_subscription_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,month_count,I64,1,0,27441)\
X(S,F,star_count,I64,1,0,20212)\
X(S,F,text,STR,0,0,19429)\
X(S,F,text_parse_mode,STR,0,0,20331)\
X(S,AR,text_entities,OBJ,4,MESSAGE_ENTITY,20257)
#define TG__FL_verify_user_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,custom_description,STR,0,0,27453)
#define TG__FL_verify_chat_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,custom_description,STR,0,0,27453)
#define TG__FL_remove_user_verification_args(X, S) \
X(S,F,user_id,I64,1,0,20223)
#define TG__FL_remove_chat_verification_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)
#define TG__FL_read_business_message_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,chat_id,I64,1,0,19868)\
X(S,F,message_id,I64,1,0,54)
#define TG__FL_delete_business_messages_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,AR,message_ids,I64,5,0,25141)
#define TG__FL_set_business_account_name_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,first_name,STR,1,0,17907)\
X(S,F,last_name,STR,0,0,17918)
#define TG__FL_set_business_account_username_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,username,STR,0,0,17928)
#define TG__FL_set_business_account_bio_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,bio,STR,0,0,18495)
#define TG__FL_set_business_account_profile_photo_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,R,photo,OBJ,17,INPUT_PROFILE_PHOTO,17102)\
X(S,F,is_public,BOOL,0,0,27472)
#define TG__FL_remove_business_account_profile_photo_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,is_public,BOOL,0,0,27472)
#define TG__FL_set_business_account_gift_settings_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,show_gift_button,BOOL,1,0,27482)\
X(S,R,accepted_gift_types,OBJ,17,ACCEPTED_GIFT_TYPES,3260)
#define TG__FL_get_business_account_star_balance_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)
#define TG__FL_transfer_business_account_stars_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,star_count,I64,1,0,20212)
#define TG__FL_get_business_account_gifts_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,exclude_unsaved,BOOL,0,0,27499)\
X(S,F,exclude_saved,BOOL,0,0,27515)\
X(S,F,exclude_unlimited,BOOL,0,0,27529)\
X(S,F,exclude_limited_upgradable,BOOL,0,0,27547)\
X(S,F,exclude_limited_non_upgradable,BOOL,0,0,27574)\
X(S,F,exclude_unique,BOOL,0,0,27605)\
X(S,F,exclude_from_blockchain,BOOL,0,0,27620)\
X(S,F,sort_by_price,BOOL,0,0,27644)\
X(S,F,offset,STR,0,0,19776)\
X(S,H,limit,I64,0,0,26846)
#define TG__FL_get_user_gifts_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,exclude_unlimited,BOOL,0,0,27529)\
X(S,F,exclude_limited_upgradable,BOOL,0,0,27547)\
X(S,F,exclude_limited_non_upgradable,BOOL,0,0,27574)\
X(S,F,exclude_from_blockchain,BOOL,0,0,27620)\
X(S,F,exclude_unique,BOOL,0,0,27605)\
X(S,F,sort_by_price,BOOL,0,0,27644)\
X(S,F,offset,STR,0,0,19776)\
X(S,H,limit,I64,0,0,26846)
#define TG__FL_get_chat_gifts_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,exclude_unsaved,BOOL,0,0,27499)\
X(S,F,exclude_saved,BOOL,0,0,27515)\
X(S,F,exclude_unlimited,BOOL,0,0,27529)\
X(S,F,exclude_limited_upgradable,BOOL,0,0,27547)\
X(S,F,exclude_limited_non_upgradable,BOOL,0,0,27574)\
X(S,F,exclude_from_blockchain,BOOL,0,0,27620)\
X(S,F,exclude_unique,BOOL,0,0,27605)\
X(S,F,sort_by_price,BOOL,0,0,27644)\
X(S,F,offset,STR,0,0,19776)\
X(S,H,limit,I64,0,0,26846)
#define TG__FL_convert_gift_to_stars_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,owned_gift_id,STR,1,0,24326)
#define TG__FL_upgrade_gift_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,owned_gift_id,STR,1,0,24326)\
X(S,F,keep_original_details,BOOL,0,0,27658)\
X(S,H,star_count,I64,0,0,20212)
#define TG__FL_transfer_gift_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,owned_gift_id,STR,1,0,24326)\
X(S,F,new_owner_chat_id,I64,1,0,27680)\
X(S,F,star_count,I64,0,0,20212)
#define TG__FL_post_story_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,R,content,OBJ,17,INPUT_STORY_CONTENT,27698)\
X(S,F,active_period,I64,1,0,27706)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,AR,areas,OBJ,4,STORY_AREA,27720)\
X(S,F,post_to_chat_page,BOOL,0,0,27726)\
X(S,F,protect_content,BOOL,0,0,26952)
#define TG__FL_repost_story_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,from_chat_id,I64,1,0,27007)\
X(S,F,from_story_id,I64,1,0,27744)\
X(S,F,active_period,I64,1,0,27706)\
X(S,F,post_to_chat_page,BOOL,0,0,27726)\
X(S,F,protect_content,BOOL,0,0,26952)
#define TG__FL_edit_story_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,story_id,I64,1,0,27758)\
X(S,R,content,OBJ,17,INPUT_STORY_CONTENT,27698)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,AR,areas,OBJ,4,STORY_AREA,27720)
#define TG__FL_delete_story_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,story_id,I64,1,0,27758)
#define TG__FL_answer_web_app_query_args(X, S) \
X(S,F,web_app_query_id,STR,1,0,27767)\
X(S,R,result,OBJ,17,INLINE_QUERY_RESULT,27338)
#define TG__FL_save_prepared_inline_message_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,R,result,OBJ,17,INLINE_QUERY_RESULT,27338)\
X(S,F,allow_user_chats,BOOL,0,0,22539)\
X(S,F,allow_bot_chats,BOOL,0,0,22556)\
X(S,F,allow_group_chats,BOOL,0,0,22572)\
X(S,F,allow_channel_chats,BOOL,0,0,22590)
#define TG__FL_save_prepared_keyboard_button_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,R,button,OBJ,17,KEYBOARD_BUTTON,16668)
#define TG__FL_edit_message_text_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,F,text,STR,0,0,19429)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,R,link_preview_options,OBJ,16,LINK_PREVIEW_OPTIONS,1775)\
X(S,R,rich_message,OBJ,16,INPUT_RICH_MESSAGE,4576)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_message_caption_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_message_media_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,R,media,OBJ,17,INPUT_MEDIA,20271)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_message_live_location_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,F,latitude,F64,1,0,20791)\
X(S,F,longitude,F64,1,0,20800)\
X(S,F,live_period,I64,0,0,20830)\
X(S,F,horizontal_accuracy,F64,0,0,20810)\
X(S,F,heading,I64,0,0,16948)\
X(S,F,proximity_alert_radius,I64,0,0,20842)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_stop_message_live_location_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_message_checklist_args(X, S) \
X(S,F,business_connection_id,STR,1,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,R,checklist,OBJ,17,INPUT_CHECKLIST,634)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_message_reply_markup_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_stop_poll_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_ephemeral_message_text_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,receiver_user_id,I64,1,0,19984)\
X(S,F,ephemeral_message_id,I64,1,0,19069)\
X(S,F,text,STR,0,0,19429)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,entities,OBJ,4,MESSAGE_ENTITY,19434)\
X(S,R,link_preview_options,OBJ,16,LINK_PREVIEW_OPTIONS,1775)\
X(S,R,rich_message,OBJ,16,INPUT_RICH_MESSAGE,4576)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_ephemeral_message_media_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,receiver_user_id,I64,1,0,19984)\
X(S,F,ephemeral_message_id,I64,1,0,19069)\
X(S,R,media,OBJ,17,INPUT_MEDIA,20271)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_ephemeral_message_caption_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,receiver_user_id,I64,1,0,19984)\
X(S,F,ephemeral_message_id,I64,1,0,19069)\
X(S,F,caption,STR,0,0,19454)\
X(S,F,parse_mode,STR,0,0,20780)\
X(S,AR,caption_entities,OBJ,4,MESSAGE_ENTITY,19462)\
X(S,F,show_caption_above_media,BOOL,0,0,19479)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_edit_ephemeral_message_reply_markup_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,receiver_user_id,I64,1,0,19984)\
X(S,F,ephemeral_message_id,I64,1,0,19069)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_approve_suggested_post_args(X, S) \
X(S,F,chat_id,I64,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,send_date,I64,0,0,21495)
#define TG__FL_decline_suggested_post_args(X, S) \
X(S,F,chat_id,I64,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,comment,STR,0,0,21505)
#define TG__FL_delete_message_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,1,0,54)
#define TG__FL_delete_messages_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,AR,message_ids,I64,5,0,25141)
#define TG__FL_delete_ephemeral_message_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,receiver_user_id,I64,1,0,19984)\
X(S,F,ephemeral_message_id,I64,1,0,19069)
#define TG__FL_delete_message_reaction_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_id,I64,1,0,54)\
X(S,F,user_id,I64,0,0,20223)\
X(S,F,actor_chat_id,I64,0,0,27784)
#define TG__FL_delete_all_message_reactions_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,user_id,I64,0,0,20223)\
X(S,F,actor_chat_id,I64,0,0,27784)
#define TG__FL_send_sticker_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,F,sticker,FILE,1,0,4528)\
X(S,F,emoji,STR,0,0,16826)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_get_sticker_set_args(X, S) \
X(S,F,name,STR,1,0,21283)
#define TG__FL_get_custom_emoji_stickers_args(X, S) \
X(S,AR,custom_emoji_ids,STR,5,0,27798)
#define TG__FL_upload_sticker_file_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,sticker,FILE,1,0,4528)\
X(S,F,sticker_format,STR,1,0,27815)
#define TG__FL_create_new_sticker_set_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,name,STR,1,0,21283)\
X(S,F,title,STR,1,0,18219)\
X(S,AR,stickers,OBJ,5,INPUT_STICKER,25361)\
X(S,F,sticker_type,STR,0,0,25348)\
X(S,F,needs_repainting,BOOL,0,0,25331)
#define TG__FL_add_sticker_to_set_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,name,STR,1,0,21283)\
X(S,R,sticker,OBJ,17,INPUT_STICKER,4528)
#define TG__FL_set_sticker_position_in_set_args(X, S) \
X(S,F,sticker,STR,1,0,4528)\
X(S,F,position,I64,1,0,19842)
#define TG__FL_delete_sticker_from_set_args(X, S) \
X(S,F,sticker,STR,1,0,4528)
#define TG__FL_replace_sticker_in_set_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,name,STR,1,0,21283)\
X(S,F,old_sticker,STR,1,0,27830)\
X(S,R,sticker,OBJ,17,INPUT_STICKER,4528)
#define TG__FL_set_sticker_emoji_list_args(X, S) \
X(S,F,sticker,STR,1,0,4528)\
X(S,AR,emoji_list,STR,5,0,25405)
#define TG__FL_set_sticker_keywords_args(X, S) \
X(S,F,sticker,STR,1,0,4528)\
X(S,AR,keywords,STR,4,0,25416)
#define TG__FL_set_sticker_mask_position_args(X, S) \
X(S,F,sticker,STR,1,0,4528)\
X(S,R,mask_position,OBJ,16,MASK_POSITION,4548)
#define TG__FL_set_sticker_set_title_args(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,title,STR,1,0,18219)
#define TG__FL_set_sticker_set_thumbnail_args(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,user_id,I64,1,0,20223)\
X(S,F,thumbnail,FILE,0,0,20134)\
X(S,F,format,STR,1,0,25398)
#define TG__FL_set_custom_emoji_sticker_set_thumbnail_args(X, S) \
X(S,F,name,STR,1,0,21283)\
X(S,F,custom_emoji_id,STR,0,0,19799)
#define TG__FL_delete_sticker_set_args(X, S) \
X(S,F,name,STR,1,0,21283)
#define TG__FL_send_rich_message_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,R,ephemeral_message_parameters,OBJ,16,EPHEMERAL_MESSAGE_PARAMETERS,176)\
X(S,R,rich_message,OBJ,17,INPUT_RICH_MESSAGE,4576)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,REPLY_MARKUP,8358)
#define TG__FL_send_rich_message_draft_args(X, S) \
X(S,F,chat_id,I64,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,draft_id,I64,1,0,21001)\
X(S,R,rich_message,OBJ,17,INPUT_RICH_MESSAGE,4576)\
X(S,F,can_stop,BOOL,0,0,27186)\
X(S,F,keep_on_stop,BOOL,0,0,27195)
#define TG__FL_answer_inline_query_args(X, S) \
X(S,F,inline_query_id,STR,1,0,27842)\
X(S,AR,results,OBJ,5,INLINE_QUERY_RESULT,27858)\
X(S,H,cache_time,I64,0,0,27380)\
X(S,F,is_personal,BOOL,0,0,27866)\
X(S,F,next_offset,STR,0,0,24559)\
X(S,R,button,OBJ,16,INLINE_QUERY_RESULTS_BUTTON,16668)
#define TG__FL_send_invoice_args(X, S) \
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,direct_messages_topic_id,I64,0,0,26906)\
X(S,F,title,STR,1,0,18219)\
X(S,F,description,STR,1,0,18598)\
X(S,F,payload,STR,1,0,26139)\
X(S,F,provider_token,STR,0,0,26147)\
X(S,F,currency,STR,1,0,21513)\
X(S,AR,prices,OBJ,5,LABELED_PRICE,26162)\
X(S,F,max_tip_amount,I64,0,0,26169)\
X(S,AR,suggested_tip_amounts,I64,4,0,26184)\
X(S,F,start_parameter,STR,0,0,25688)\
X(S,F,provider_data,STR,0,0,26206)\
X(S,F,photo_url,STR,0,0,25751)\
X(S,F,photo_size,I64,0,0,310)\
X(S,F,photo_width,I64,0,0,25761)\
X(S,F,photo_height,I64,0,0,25773)\
X(S,F,need_name,BOOL,0,0,26220)\
X(S,F,need_phone_number,BOOL,0,0,26230)\
X(S,F,need_email,BOOL,0,0,26248)\
X(S,F,need_shipping_address,BOOL,0,0,26259)\
X(S,F,send_phone_number_to_provider,BOOL,0,0,26281)\
X(S,F,send_email_to_provider,BOOL,0,0,26311)\
X(S,F,is_flexible,BOOL,0,0,26334)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,suggested_post_parameters,OBJ,16,SUGGESTED_POST_PARAMETERS,1837)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_create_invoice_link_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,title,STR,1,0,18219)\
X(S,F,description,STR,1,0,18598)\
X(S,F,payload,STR,1,0,26139)\
X(S,F,provider_token,STR,0,0,26147)\
X(S,F,currency,STR,1,0,21513)\
X(S,AR,prices,OBJ,5,LABELED_PRICE,26162)\
X(S,F,subscription_period,I64,0,0,22819)\
X(S,F,max_tip_amount,I64,0,0,26169)\
X(S,AR,suggested_tip_amounts,I64,4,0,26184)\
X(S,F,provider_data,STR,0,0,26206)\
X(S,F,photo_url,STR,0,0,25751)\
X(S,F,photo_size,I64,0,0,310)\
X(S,F,photo_width,I64,0,0,25761)\
X(S,F,photo_height,I64,0,0,25773)\
X(S,F,need_name,BOOL,0,0,26220)\
X(S,F,need_phone_number,BOOL,0,0,26230)\
X(S,F,need_email,BOOL,0,0,26248)\
X(S,F,need_shipping_address,BOOL,0,0,26259)\
X(S,F,send_phone_number_to_provider,BOOL,0,0,26281)\
X(S,F,send_email_to_provider,BOOL,0,0,26311)\
X(S,F,is_flexible,BOOL,0,0,26334)
#define TG__FL_answer_shipping_query_args(X, S) \
X(S,F,shipping_query_id,STR,1,0,27878)\
X(S,F,ok,BOOL,1,0,27896)\
X(S,AR,shipping_options,OBJ,4,SHIPPING_OPTION,27899)\
X(S,F,error_message,STR,0,0,27916)
#define TG__FL_answer_pre_checkout_query_args(X, S) \
X(S,F,pre_checkout_query_id,STR,1,0,27930)\
X(S,F,ok,BOOL,1,0,27896)\
X(S,F,error_message,STR,0,0,27916)
#define TG__FL_get_star_transactions_args(X, S) \
X(S,F,offset,I64,0,0,19776)\
X(S,H,limit,I64,0,0,26846)
#define TG__FL_refund_star_payment_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,telegram_payment_charge_id,STR,1,0,26491)
#define TG__FL_edit_user_star_subscription_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,telegram_payment_charge_id,STR,1,0,26491)\
X(S,F,is_canceled,BOOL,1,0,27952)
#define TG__FL_set_passport_data_errors_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,AR,errors,OBJ,5,PASSPORT_ELEMENT_ERROR,27964)
#define TG__FL_send_game_args(X, S) \
X(S,F,business_connection_id,STR,0,0,19110)\
X(S,F,chat_id,CHATREF,1,0,19868)\
X(S,F,message_thread_id,I64,0,0,18970)\
X(S,F,game_short_name,STR,1,0,22642)\
X(S,F,disable_notification,BOOL,0,0,26931)\
X(S,F,protect_content,BOOL,0,0,26952)\
X(S,F,allow_paid_broadcast,BOOL,0,0,26968)\
X(S,F,message_effect_id,STR,0,0,26989)\
X(S,R,reply_parameters,OBJ,16,REPLY_PARAMETERS,159)\
X(S,R,reply_markup,OBJ,16,INLINE_KEYBOARD_MARKUP,8358)
#define TG__FL_set_game_score_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,score,I64,1,0,26840)\
X(S,F,force,BOOL,0,0,27971)\
X(S,F,disable_edit_message,BOOL,0,0,27977)\
X(S,F,chat_id,I64,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)
#define TG__FL_get_game_high_scores_args(X, S) \
X(S,F,user_id,I64,1,0,20223)\
X(S,F,chat_id,I64,0,0,19868)\
X(S,F,message_id,I64,0,0,54)\
X(S,F,inline_message_id,STR,0,0,22610)
#define TG__L(X, S) TG__FL_##S(X, S)
#define TG__FL_ALL(X) \
TG__L(X,update) TG__L(X,webhook_info) TG__L(X,user) TG__L(X,chat)\
TG__L(X,chat_full_info) TG__L(X,message) TG__L(X,message_id) TG__L(X,inaccessible_message)\
TG__L(X,message_entity) TG__L(X,text_quote) TG__L(X,external_reply_info) TG__L(X,reply_parameters)\
TG__L(X,ephemeral_message_parameters) TG__L(X,message_origin_user) TG__L(X,message_origin_hidden_user) TG__L(X,message_origin_chat)\
TG__L(X,message_origin_channel) TG__L(X,photo_size) TG__L(X,animation) TG__L(X,audio)\
TG__L(X,document) TG__L(X,live_photo) TG__L(X,story) TG__L(X,video_quality)\
TG__L(X,video) TG__L(X,video_note) TG__L(X,voice) TG__L(X,paid_media_info)\
TG__L(X,paid_media_live_photo) TG__L(X,paid_media_photo) TG__L(X,paid_media_preview) TG__L(X,paid_media_video)\
TG__L(X,contact) TG__L(X,dice) TG__L(X,link) TG__L(X,poll_media)\
TG__L(X,poll_option) TG__L(X,input_poll_option) TG__L(X,poll_answer) TG__L(X,poll)\
TG__L(X,checklist_task) TG__L(X,checklist) TG__L(X,input_checklist_task) TG__L(X,input_checklist)\
TG__L(X,location) TG__L(X,venue) TG__L(X,web_app_data) TG__L(X,proximity_alert_triggered)\
TG__L(X,message_auto_delete_timer_changed) TG__L(X,managed_bot_created) TG__L(X,managed_bot_updated) TG__L(X,bot_subscription_updated)\
TG__L(X,message_generation_stopped) TG__L(X,poll_option_added) TG__L(X,poll_option_deleted) TG__L(X,chat_boost_added)\
TG__L(X,background_fill_solid) TG__L(X,background_fill_gradient) TG__L(X,background_fill_freeform_gradient) TG__L(X,background_type_fill)\
TG__L(X,background_type_wallpaper) TG__L(X,background_type_pattern) TG__L(X,background_type_chat_theme) TG__L(X,chat_background)\
TG__L(X,checklist_tasks_done) TG__L(X,checklist_tasks_added) TG__L(X,community_chat_added) TG__L(X,community_chat_joined)\
TG__L(X,forum_topic_created) TG__L(X,forum_topic_edited) TG__L(X,shared_user) TG__L(X,users_shared)\
TG__L(X,chat_shared) TG__L(X,write_access_allowed) TG__L(X,video_chat_scheduled) TG__L(X,video_chat_ended)\
TG__L(X,video_chat_participants_invited) TG__L(X,paid_message_price_changed) TG__L(X,direct_message_price_changed) TG__L(X,suggested_post_approved)\
TG__L(X,suggested_post_approval_failed) TG__L(X,suggested_post_declined) TG__L(X,suggested_post_paid) TG__L(X,suggested_post_refunded)\
TG__L(X,giveaway_created) TG__L(X,giveaway) TG__L(X,giveaway_winners) TG__L(X,giveaway_completed)\
TG__L(X,link_preview_options) TG__L(X,suggested_post_price) TG__L(X,suggested_post_info) TG__L(X,suggested_post_parameters)\
TG__L(X,direct_messages_topic) TG__L(X,user_profile_photos) TG__L(X,user_profile_audios) TG__L(X,file)\
TG__L(X,web_app_info) TG__L(X,reply_keyboard_markup) TG__L(X,keyboard_button) TG__L(X,keyboard_button_request_users)\
TG__L(X,keyboard_button_request_chat) TG__L(X,keyboard_button_request_managed_bot) TG__L(X,keyboard_button_poll_type) TG__L(X,reply_keyboard_remove)\
TG__L(X,inline_keyboard_markup) TG__L(X,inline_keyboard_button) TG__L(X,login_url) TG__L(X,switch_inline_query_chosen_chat)\
TG__L(X,copy_text_button) TG__L(X,callback_query) TG__L(X,force_reply) TG__L(X,community)\
TG__L(X,chat_photo) TG__L(X,chat_invite_link) TG__L(X,chat_administrator_rights) TG__L(X,chat_member_updated)\
TG__L(X,chat_member_owner) TG__L(X,chat_member_administrator) TG__L(X,chat_member_member) TG__L(X,chat_member_restricted)\
TG__L(X,chat_member_left) TG__L(X,chat_member_banned) TG__L(X,chat_join_request) TG__L(X,chat_permissions)\
TG__L(X,birthdate) TG__L(X,business_intro) TG__L(X,business_location) TG__L(X,business_opening_hours_interval)\
TG__L(X,business_opening_hours) TG__L(X,user_rating) TG__L(X,story_area_position) TG__L(X,location_address)\
TG__L(X,story_area_type_location) TG__L(X,story_area_type_suggested_reaction) TG__L(X,story_area_type_link) TG__L(X,story_area_type_weather)\
TG__L(X,story_area_type_unique_gift) TG__L(X,story_area) TG__L(X,chat_location) TG__L(X,reaction_type_emoji)\
TG__L(X,reaction_type_custom_emoji) TG__L(X,reaction_type_paid) TG__L(X,reaction_count) TG__L(X,message_reaction_updated)\
TG__L(X,message_reaction_count_updated) TG__L(X,forum_topic) TG__L(X,gift_background) TG__L(X,gift)\
TG__L(X,gifts) TG__L(X,unique_gift_model) TG__L(X,unique_gift_symbol) TG__L(X,unique_gift_backdrop_colors)\
TG__L(X,unique_gift_backdrop) TG__L(X,unique_gift_colors) TG__L(X,unique_gift) TG__L(X,gift_info)\
TG__L(X,unique_gift_info) TG__L(X,owned_gift_regular) TG__L(X,owned_gift_unique) TG__L(X,owned_gifts)\
TG__L(X,bot_access_settings) TG__L(X,accepted_gift_types) TG__L(X,star_amount) TG__L(X,bot_command)\
TG__L(X,bot_command_scope_default) TG__L(X,bot_command_scope_all_private_chats) TG__L(X,bot_command_scope_all_group_chats) TG__L(X,bot_command_scope_all_chat_administrators)\
TG__L(X,bot_command_scope_chat) TG__L(X,bot_command_scope_chat_administrators) TG__L(X,bot_command_scope_chat_member) TG__L(X,bot_name)\
TG__L(X,bot_description) TG__L(X,bot_short_description) TG__L(X,menu_button_commands) TG__L(X,menu_button_web_app)\
TG__L(X,menu_button_default) TG__L(X,chat_boost_source_premium) TG__L(X,chat_boost_source_gift_code) TG__L(X,chat_boost_source_giveaway)\
TG__L(X,chat_boost) TG__L(X,chat_boost_updated) TG__L(X,chat_boost_removed) TG__L(X,chat_owner_left)\
TG__L(X,chat_owner_changed) TG__L(X,user_chat_boosts) TG__L(X,business_bot_rights) TG__L(X,business_connection)\
TG__L(X,business_messages_deleted) TG__L(X,sent_web_app_message) TG__L(X,sent_guest_message) TG__L(X,prepared_inline_message)\
TG__L(X,prepared_keyboard_button) TG__L(X,response_parameters) TG__L(X,input_media_animation) TG__L(X,input_media_audio)\
TG__L(X,input_media_document) TG__L(X,input_media_link) TG__L(X,input_media_live_photo) TG__L(X,input_media_location)\
TG__L(X,input_media_photo) TG__L(X,input_media_sticker) TG__L(X,input_media_venue) TG__L(X,input_media_video)\
TG__L(X,input_media_voice_note) TG__L(X,input_paid_media_live_photo) TG__L(X,input_paid_media_photo) TG__L(X,input_paid_media_video)\
TG__L(X,input_profile_photo_static) TG__L(X,input_profile_photo_animated) TG__L(X,input_story_content_photo) TG__L(X,input_story_content_video)\
TG__L(X,sticker) TG__L(X,sticker_set) TG__L(X,mask_position) TG__L(X,input_sticker)\
TG__L(X,rich_message) TG__L(X,rich_message_button) TG__L(X,input_rich_message) TG__L(X,input_rich_message_media)\
TG__L(X,rich_text_bold) TG__L(X,rich_text_italic) TG__L(X,rich_text_underline) TG__L(X,rich_text_strikethrough)\
TG__L(X,rich_text_spoiler) TG__L(X,rich_text_date_time) TG__L(X,rich_text_text_mention) TG__L(X,rich_text_subscript)\
TG__L(X,rich_text_superscript) TG__L(X,rich_text_marked) TG__L(X,rich_text_code) TG__L(X,rich_text_custom_emoji)\
TG__L(X,rich_text_mathematical_expression) TG__L(X,rich_text_url) TG__L(X,rich_text_email_address) TG__L(X,rich_text_phone_number)\
TG__L(X,rich_text_bank_card_number) TG__L(X,rich_text_mention) TG__L(X,rich_text_hashtag) TG__L(X,rich_text_cashtag)\
TG__L(X,rich_text_bot_command) TG__L(X,rich_text_button) TG__L(X,rich_text_anchor) TG__L(X,rich_text_anchor_link)\
TG__L(X,rich_text_reference) TG__L(X,rich_text_reference_link) TG__L(X,rich_block_caption) TG__L(X,rich_block_table_cell)\
TG__L(X,rich_block_list_item) TG__L(X,rich_block_paragraph) TG__L(X,rich_block_section_heading) TG__L(X,rich_block_preformatted)\
TG__L(X,rich_block_footer) TG__L(X,rich_block_divider) TG__L(X,rich_block_mathematical_expression) TG__L(X,rich_block_anchor)\
TG__L(X,rich_block_list) TG__L(X,rich_block_block_quotation) TG__L(X,rich_block_expandable_block_quotation) TG__L(X,rich_block_pull_quotation)\
TG__L(X,rich_block_collage) TG__L(X,rich_block_slideshow) TG__L(X,rich_block_table) TG__L(X,rich_block_details)\
TG__L(X,rich_block_map) TG__L(X,rich_block_buttons) TG__L(X,rich_block_animation) TG__L(X,rich_block_audio)\
TG__L(X,rich_block_document) TG__L(X,rich_block_photo) TG__L(X,rich_block_video) TG__L(X,rich_block_voice_note)\
TG__L(X,rich_block_thinking) TG__L(X,input_rich_block_list_item) TG__L(X,input_rich_block_paragraph) TG__L(X,input_rich_block_section_heading)\
TG__L(X,input_rich_block_preformatted) TG__L(X,input_rich_block_footer) TG__L(X,input_rich_block_divider) TG__L(X,input_rich_block_mathematical_expression)\
TG__L(X,input_rich_block_anchor) TG__L(X,input_rich_block_list) TG__L(X,input_rich_block_block_quotation) TG__L(X,input_rich_block_expandable_block_quotation)\
TG__L(X,input_rich_block_pull_quotation) TG__L(X,input_rich_block_collage) TG__L(X,input_rich_block_slideshow) TG__L(X,input_rich_block_table)\
TG__L(X,input_rich_block_details) TG__L(X,input_rich_block_map) TG__L(X,input_rich_block_buttons) TG__L(X,input_rich_block_animation)\
TG__L(X,input_rich_block_audio) TG__L(X,input_rich_block_document) TG__L(X,input_rich_block_photo) TG__L(X,input_rich_block_video)\
TG__L(X,input_rich_block_voice_note) TG__L(X,input_rich_block_thinking) TG__L(X,inline_query) TG__L(X,inline_query_results_button)\
TG__L(X,inline_query_result_article) TG__L(X,inline_query_result_photo) TG__L(X,inline_query_result_gif) TG__L(X,inline_query_result_mpeg4_gif)\
TG__L(X,inline_query_result_video) TG__L(X,inline_query_result_audio) TG__L(X,inline_query_result_voice) TG__L(X,inline_query_result_document)\
TG__L(X,inline_query_result_location) TG__L(X,inline_query_result_venue) TG__L(X,inline_query_result_contact) TG__L(X,inline_query_result_game)\
TG__L(X,inline_query_result_cached_photo) TG__L(X,inline_query_result_cached_gif) TG__L(X,inline_query_result_cached_mpeg4_gif) TG__L(X,inline_query_result_cached_sticker)\
TG__L(X,inline_query_result_cached_document) TG__L(X,inline_query_result_cached_video) TG__L(X,inline_query_result_cached_voice) TG__L(X,inline_query_result_cached_audio)\
TG__L(X,input_text_message_content) TG__L(X,input_rich_message_content) TG__L(X,input_location_message_content) TG__L(X,input_venue_message_content)\
TG__L(X,input_contact_message_content) TG__L(X,input_invoice_message_content) TG__L(X,chosen_inline_result) TG__L(X,labeled_price)\
TG__L(X,invoice) TG__L(X,shipping_address) TG__L(X,order_info) TG__L(X,shipping_option)\
TG__L(X,successful_payment) TG__L(X,refunded_payment) TG__L(X,shipping_query) TG__L(X,pre_checkout_query)\
TG__L(X,paid_media_purchased) TG__L(X,revenue_withdrawal_state_pending) TG__L(X,revenue_withdrawal_state_succeeded) TG__L(X,revenue_withdrawal_state_failed)\
TG__L(X,affiliate_info) TG__L(X,transaction_partner_user) TG__L(X,transaction_partner_chat) TG__L(X,transaction_partner_affiliate_program)\
TG__L(X,transaction_partner_fragment) TG__L(X,transaction_partner_telegram_ads) TG__L(X,transaction_partner_telegram_api) TG__L(X,transaction_partner_other)\
TG__L(X,star_transaction) TG__L(X,star_transactions) TG__L(X,passport_data) TG__L(X,passport_file)\
TG__L(X,encrypted_passport_element) TG__L(X,encrypted_credentials) TG__L(X,passport_element_error_data_field) TG__L(X,passport_element_error_front_side)\
TG__L(X,passport_element_error_reverse_side) TG__L(X,passport_element_error_selfie) TG__L(X,passport_element_error_file) TG__L(X,passport_element_error_files)\
TG__L(X,passport_element_error_translation_file) TG__L(X,passport_element_error_translation_files) TG__L(X,passport_element_error_unspecified) TG__L(X,game)\
TG__L(X,game_high_score) TG__L(X,get_updates_args) TG__L(X,set_webhook_args) TG__L(X,delete_webhook_args)\
TG__L(X,send_message_args) TG__L(X,forward_message_args) TG__L(X,forward_messages_args) TG__L(X,copy_message_args)\
TG__L(X,copy_messages_args) TG__L(X,send_photo_args) TG__L(X,send_live_photo_args) TG__L(X,send_audio_args)\
TG__L(X,send_document_args) TG__L(X,send_video_args) TG__L(X,send_animation_args) TG__L(X,send_voice_args)\
TG__L(X,send_video_note_args) TG__L(X,send_paid_media_args) TG__L(X,send_media_group_args) TG__L(X,send_location_args)\
TG__L(X,send_venue_args) TG__L(X,send_contact_args) TG__L(X,send_poll_args) TG__L(X,send_checklist_args)\
TG__L(X,send_dice_args) TG__L(X,send_message_draft_args) TG__L(X,send_chat_action_args) TG__L(X,set_message_reaction_args)\
TG__L(X,get_user_profile_photos_args) TG__L(X,get_user_profile_audios_args) TG__L(X,set_user_emoji_status_args) TG__L(X,get_file_args)\
TG__L(X,ban_chat_member_args) TG__L(X,unban_chat_member_args) TG__L(X,restrict_chat_member_args) TG__L(X,promote_chat_member_args)\
TG__L(X,set_chat_administrator_custom_title_args) TG__L(X,set_chat_member_tag_args) TG__L(X,ban_chat_sender_chat_args) TG__L(X,unban_chat_sender_chat_args)\
TG__L(X,set_chat_permissions_args) TG__L(X,export_chat_invite_link_args) TG__L(X,create_chat_invite_link_args) TG__L(X,edit_chat_invite_link_args)\
TG__L(X,create_chat_subscription_invite_link_args) TG__L(X,edit_chat_subscription_invite_link_args) TG__L(X,revoke_chat_invite_link_args) TG__L(X,approve_chat_join_request_args)\
TG__L(X,decline_chat_join_request_args) TG__L(X,answer_chat_join_request_query_args) TG__L(X,send_chat_join_request_web_app_args) TG__L(X,set_chat_photo_args)\
TG__L(X,delete_chat_photo_args) TG__L(X,set_chat_title_args) TG__L(X,set_chat_description_args) TG__L(X,pin_chat_message_args)\
TG__L(X,unpin_chat_message_args) TG__L(X,unpin_all_chat_messages_args) TG__L(X,leave_chat_args) TG__L(X,get_chat_args)\
TG__L(X,get_chat_administrators_args) TG__L(X,get_chat_member_count_args) TG__L(X,get_chat_member_args) TG__L(X,get_user_personal_chat_messages_args)\
TG__L(X,set_chat_sticker_set_args) TG__L(X,delete_chat_sticker_set_args) TG__L(X,create_forum_topic_args) TG__L(X,edit_forum_topic_args)\
TG__L(X,close_forum_topic_args) TG__L(X,reopen_forum_topic_args) TG__L(X,delete_forum_topic_args) TG__L(X,unpin_all_forum_topic_messages_args)\
TG__L(X,edit_general_forum_topic_args) TG__L(X,close_general_forum_topic_args) TG__L(X,reopen_general_forum_topic_args) TG__L(X,hide_general_forum_topic_args)\
TG__L(X,unhide_general_forum_topic_args) TG__L(X,unpin_all_general_forum_topic_messages_args) TG__L(X,answer_callback_query_args) TG__L(X,answer_guest_query_args)\
TG__L(X,get_user_chat_boosts_args) TG__L(X,get_business_connection_args) TG__L(X,get_managed_bot_token_args) TG__L(X,replace_managed_bot_token_args)\
TG__L(X,get_managed_bot_access_settings_args) TG__L(X,set_managed_bot_access_settings_args) TG__L(X,set_my_commands_args) TG__L(X,delete_my_commands_args)\
TG__L(X,get_my_commands_args) TG__L(X,set_my_name_args) TG__L(X,get_my_name_args) TG__L(X,set_my_description_args)\
TG__L(X,get_my_description_args) TG__L(X,set_my_short_description_args) TG__L(X,get_my_short_description_args) TG__L(X,set_my_profile_photo_args)\
TG__L(X,set_chat_menu_button_args) TG__L(X,get_chat_menu_button_args) TG__L(X,set_my_default_administrator_rights_args) TG__L(X,get_my_default_administrator_rights_args)\
TG__L(X,send_gift_args) TG__L(X,gift_premium_subscription_args) TG__L(X,verify_user_args) TG__L(X,verify_chat_args)\
TG__L(X,remove_user_verification_args) TG__L(X,remove_chat_verification_args) TG__L(X,read_business_message_args) TG__L(X,delete_business_messages_args)\
TG__L(X,set_business_account_name_args) TG__L(X,set_business_account_username_args) TG__L(X,set_business_account_bio_args) TG__L(X,set_business_account_profile_photo_args)\
TG__L(X,remove_business_account_profile_photo_args) TG__L(X,set_business_account_gift_settings_args) TG__L(X,get_business_account_star_balance_args) TG__L(X,transfer_business_account_stars_args)\
TG__L(X,get_business_account_gifts_args) TG__L(X,get_user_gifts_args) TG__L(X,get_chat_gifts_args) TG__L(X,convert_gift_to_stars_args)\
TG__L(X,upgrade_gift_args) TG__L(X,transfer_gift_args) TG__L(X,post_story_args) TG__L(X,repost_story_args)\
TG__L(X,edit_story_args) TG__L(X,delete_story_args) TG__L(X,answer_web_app_query_args) TG__L(X,save_prepared_inline_message_args)\
TG__L(X,save_prepared_keyboard_button_args) TG__L(X,edit_message_text_args) TG__L(X,edit_message_caption_args) TG__L(X,edit_message_media_args)\
TG__L(X,edit_message_live_location_args) TG__L(X,stop_message_live_location_args) TG__L(X,edit_message_checklist_args) TG__L(X,edit_message_reply_markup_args)\
TG__L(X,stop_poll_args) TG__L(X,edit_ephemeral_message_text_args) TG__L(X,edit_ephemeral_message_media_args) TG__L(X,edit_ephemeral_message_caption_args)\
TG__L(X,edit_ephemeral_message_reply_markup_args) TG__L(X,approve_suggested_post_args) TG__L(X,decline_suggested_post_args) TG__L(X,delete_message_args)\
TG__L(X,delete_messages_args) TG__L(X,delete_ephemeral_message_args) TG__L(X,delete_message_reaction_args) TG__L(X,delete_all_message_reactions_args)\
TG__L(X,send_sticker_args) TG__L(X,get_sticker_set_args) TG__L(X,get_custom_emoji_stickers_args) TG__L(X,upload_sticker_file_args)\
TG__L(X,create_new_sticker_set_args) TG__L(X,add_sticker_to_set_args) TG__L(X,set_sticker_position_in_set_args) TG__L(X,delete_sticker_from_set_args)\
TG__L(X,replace_sticker_in_set_args) TG__L(X,set_sticker_emoji_list_args) TG__L(X,set_sticker_keywords_args) TG__L(X,set_sticker_mask_position_args)\
TG__L(X,set_sticker_set_title_args) TG__L(X,set_sticker_set_thumbnail_args) TG__L(X,set_custom_emoji_sticker_set_thumbnail_args) TG__L(X,delete_sticker_set_args)\
TG__L(X,send_rich_message_args) TG__L(X,send_rich_message_draft_args) TG__L(X,answer_inline_query_args) TG__L(X,send_invoice_args)\
TG__L(X,create_invoice_link_args) TG__L(X,answer_shipping_query_args) TG__L(X,answer_pre_checkout_query_args) TG__L(X,get_star_transactions_args)\
TG__L(X,refund_star_payment_args) TG__L(X,edit_user_star_subscription_args) TG__L(X,set_passport_data_errors_args) TG__L(X,send_game_args)\
TG__L(X,set_game_score_args) TG__L(X,get_game_high_scores_args)
#define TG__TL(X) \
X(update,0,28,0,NONE,1)\
X(webhook_info,28,9,0,NONE,8)\
X(user,37,18,0,NONE,21)\
X(chat,55,8,0,NONE,26)\
X(chat_full_info,63,53,0,NONE,31)\
X(message,116,120,0,NONE,46)\
X(message_id,236,1,0,NONE,54)\
X(inaccessible_message,237,3,0,NONE,65)\
X(maybe_inaccessible_message,0,2,19090,NUMBER,86)\
X(message_entity,240,9,0,NONE,113)\
X(text_quote,249,4,0,NONE,128)\
X(external_reply_info,253,26,0,NONE,139)\
X(reply_parameters,279,10,0,NONE,159)\
X(ephemeral_message_parameters,289,3,0,NONE,176)\
X(message_origin,2,4,18214,TAG,205)\
X(message_origin_user,292,3,0,NONE,220)\
X(message_origin_hidden_user,295,3,0,NONE,240)\
X(message_origin_chat,298,4,0,NONE,267)\
X(message_origin_channel,302,5,0,NONE,287)\
X(photo_size,307,5,0,NONE,310)\
X(animation,312,9,0,NONE,321)\
X(audio,321,9,0,NONE,331)\
X(document,330,6,0,NONE,337)\
X(live_photo,336,8,0,NONE,346)\
X(story,344,2,0,NONE,357)\
X(video_quality,346,6,0,NONE,363)\
X(video,352,12,0,NONE,377)\
X(video_note,364,6,0,NONE,383)\
X(voice,370,5,0,NONE,394)\
X(paid_media_info,375,2,0,NONE,400)\
X(paid_media,6,4,18214,TAG,416)\
X(paid_media_live_photo,377,2,0,NONE,427)\
X(paid_media_photo,379,2,0,NONE,449)\
X(paid_media_preview,381,4,0,NONE,466)\
X(paid_media_video,385,2,0,NONE,485)\
X(contact,387,5,0,NONE,502)\
X(dice,392,2,0,NONE,510)\
X(link,394,1,0,NONE,515)\
X(poll_media,395,10,0,NONE,520)\
X(input_poll_media,10,8,18214,TAG,531)\
X(input_poll_option_media,18,8,18214,TAG,548)\
X(poll_option,405,8,0,NONE,572)\
X(input_poll_option,413,4,0,NONE,584)\
X(poll_answer,417,5,0,NONE,602)\
X(poll,422,21,0,NONE,614)\
X(checklist_task,443,6,0,NONE,619)\
X(checklist,449,5,0,NONE,634)\
X(input_checklist_task,454,4,0,NONE,644)\
X(input_checklist,458,6,0,NONE,665)\
X(location,464,6,0,NONE,681)\
X(venue,470,7,0,NONE,690)\
X(web_app_data,477,2,0,NONE,696)\
X(proximity_alert_triggered,479,3,0,NONE,709)\
X(message_auto_delete_timer_changed,482,1,0,NONE,735)\
X(managed_bot_created,483,1,0,NONE,769)\
X(managed_bot_updated,484,2,0,NONE,789)\
X(bot_subscription_updated,486,3,0,NONE,809)\
X(message_generation_stopped,489,3,0,NONE,834)\
X(poll_option_added,492,4,0,NONE,861)\
X(poll_option_deleted,496,4,0,NONE,879)\
X(chat_boost_added,500,1,0,NONE,899)\
X(background_fill,26,3,18214,TAG,916)\
X(background_fill_solid,501,2,0,NONE,932)\
X(background_fill_gradient,503,4,0,NONE,954)\
X(background_fill_freeform_gradient,507,2,0,NONE,979)\
X(background_type,29,4,18214,TAG,1013)\
X(background_type_fill,509,3,0,NONE,1029)\
X(background_type_wallpaper,512,5,0,NONE,1050)\
X(background_type_pattern,517,6,0,NONE,1076)\
X(background_type_chat_theme,523,2,0,NONE,1100)\
X(chat_background,525,1,0,NONE,1127)\
X(checklist_tasks_done,526,3,0,NONE,1143)\
X(checklist_tasks_added,529,2,0,NONE,1164)\
X(community_chat_added,531,1,0,NONE,1186)\
X(community_chat_joined,532,1,0,NONE,1207)\
X(community_chat_removed,533,0,0,NONE,1229)\
X(forum_topic_created,533,4,0,NONE,1252)\
X(forum_topic_closed,537,0,0,NONE,1272)\
X(forum_topic_edited,537,2,0,NONE,1291)\
X(forum_topic_reopened,539,0,0,NONE,1310)\
X(general_forum_topic_hidden,539,0,0,NONE,1331)\
X(general_forum_topic_unhidden,539,0,0,NONE,1358)\
X(shared_user,539,5,0,NONE,1387)\
X(users_shared,544,2,0,NONE,1399)\
X(chat_shared,546,5,0,NONE,1412)\
X(write_access_allowed,551,3,0,NONE,1424)\
X(video_chat_scheduled,554,1,0,NONE,1445)\
X(video_chat_started,555,0,0,NONE,1466)\
X(video_chat_ended,555,1,0,NONE,1485)\
X(video_chat_participants_invited,556,1,0,NONE,1502)\
X(paid_message_price_changed,557,1,0,NONE,1534)\
X(direct_message_price_changed,558,2,0,NONE,1561)\
X(suggested_post_approved,560,3,0,NONE,1590)\
X(suggested_post_approval_failed,563,2,0,NONE,1614)\
X(suggested_post_declined,565,2,0,NONE,1645)\
X(suggested_post_paid,567,4,0,NONE,1669)\
X(suggested_post_refunded,571,2,0,NONE,1689)\
X(giveaway_created,573,1,0,NONE,1713)\
X(giveaway,574,9,0,NONE,1730)\
X(giveaway_winners,583,12,0,NONE,1739)\
X(giveaway_completed,595,4,0,NONE,1756)\
X(link_preview_options,599,5,0,NONE,1775)\
X(suggested_post_price,604,2,0,NONE,1796)\
X(suggested_post_info,606,3,0,NONE,1817)\
X(suggested_post_parameters,609,2,0,NONE,1837)\
X(direct_messages_topic,611,2,0,NONE,1863)\
X(user_profile_photos,613,2,0,NONE,1885)\
X(user_profile_audios,615,2,0,NONE,1905)\
X(file,617,4,0,NONE,1925)\
X(web_app_info,621,1,0,NONE,1930)\
X(reply_keyboard_markup,622,7,0,NONE,1943)\
X(keyboard_button,629,10,0,NONE,1965)\
X(keyboard_button_request_users,639,7,0,NONE,1981)\
X(keyboard_button_request_chat,646,11,0,NONE,2011)\
X(keyboard_button_request_managed_bot,657,3,0,NONE,2040)\
X(keyboard_button_poll_type,660,1,0,NONE,2076)\
X(reply_keyboard_remove,661,2,0,NONE,2102)\
X(inline_keyboard_markup,663,2,0,NONE,2124)\
X(inline_keyboard_button,665,14,0,NONE,2147)\
X(login_url,679,4,0,NONE,2170)\
X(switch_inline_query_chosen_chat,683,5,0,NONE,2180)\
X(copy_text_button,688,1,0,NONE,2212)\
X(disabled_button,689,0,0,NONE,2229)\
X(callback_query,689,7,0,NONE,2245)\
X(force_reply,696,3,0,NONE,2260)\
X(community,699,2,0,NONE,2272)\
X(chat_photo,701,4,0,NONE,2282)\
X(chat_invite_link,705,11,0,NONE,2293)\
X(chat_administrator_rights,716,18,0,NONE,2310)\
X(chat_member_updated,734,8,0,NONE,2336)\
X(chat_member,33,6,23261,TAG,2356)\
X(chat_member_owner,742,4,0,NONE,2368)\
X(chat_member_administrator,746,22,0,NONE,2386)\
X(chat_member_member,768,4,0,NONE,2412)\
X(chat_member_restricted,772,21,0,NONE,2431)\
X(chat_member_left,793,2,0,NONE,2454)\
X(chat_member_banned,795,3,0,NONE,2471)\
X(chat_join_request,798,7,0,NONE,2490)\
X(chat_permissions,805,16,0,NONE,2508)\
X(birthdate,821,3,0,NONE,2525)\
X(business_intro,824,3,0,NONE,2535)\
X(business_location,827,2,0,NONE,2550)\
X(business_opening_hours_interval,829,2,0,NONE,2568)\
X(business_opening_hours,831,2,0,NONE,2600)\
X(user_rating,833,4,0,NONE,2623)\
X(story_area_position,837,6,0,NONE,2635)\
X(location_address,843,4,0,NONE,2655)\
X(story_area_type,39,5,18214,TAG,2672)\
X(story_area_type_location,847,4,0,NONE,2688)\
X(story_area_type_suggested_reaction,851,4,0,NONE,2713)\
X(story_area_type_link,855,2,0,NONE,2748)\
X(story_area_type_weather,857,4,0,NONE,2769)\
X(story_area_type_unique_gift,861,2,0,NONE,2793)\
X(story_area,863,2,0,NONE,2821)\
X(chat_location,865,2,0,NONE,2832)\
X(reaction_type,44,3,18214,TAG,2846)\
X(reaction_type_emoji,867,2,0,NONE,2860)\
X(reaction_type_custom_emoji,869,2,0,NONE,2880)\
X(reaction_type_paid,871,1,0,NONE,2907)\
X(reaction_count,872,2,0,NONE,2926)\
X(message_reaction_updated,874,7,0,NONE,2941)\
X(message_reaction_count_updated,881,4,0,NONE,2966)\
X(forum_topic,885,5,0,NONE,2997)\
X(gift_background,890,3,0,NONE,3009)\
X(gift,893,13,0,NONE,3025)\
X(gifts,906,1,0,NONE,3030)\
X(unique_gift_model,907,4,0,NONE,3036)\
X(unique_gift_symbol,911,3,0,NONE,3054)\
X(unique_gift_backdrop_colors,914,4,0,NONE,3073)\
X(unique_gift_backdrop,918,3,0,NONE,3101)\
X(unique_gift_colors,921,6,0,NONE,3122)\
X(unique_gift,927,12,0,NONE,3141)\
X(gift_info,939,10,0,NONE,3153)\
X(unique_gift_info,949,10,0,NONE,3163)\
X(owned_gift,47,2,18214,TAG,3180)\
X(owned_gift_regular,959,15,0,NONE,3191)\
X(owned_gift_unique,974,9,0,NONE,3210)\
X(owned_gifts,983,3,0,NONE,3228)\
X(bot_access_settings,986,2,0,NONE,3240)\
X(accepted_gift_types,988,5,0,NONE,3260)\
X(star_amount,993,2,0,NONE,3280)\
X(bot_command,995,3,0,NONE,3292)\
X(bot_command_scope,49,7,18214,TAG,3304)\
X(bot_command_scope_default,998,1,0,NONE,3322)\
X(bot_command_scope_all_private_chats,999,1,0,NONE,3348)\
X(bot_command_scope_all_group_chats,1000,1,0,NONE,3384)\
X(bot_command_scope_all_chat_administrators,1001,1,0,NONE,3418)\
X(bot_command_scope_chat,1002,2,0,NONE,3460)\
X(bot_command_scope_chat_administrators,1004,2,0,NONE,3483)\
X(bot_command_scope_chat_member,1006,3,0,NONE,3521)\
X(bot_name,1009,1,0,NONE,3551)\
X(bot_description,1010,1,0,NONE,3560)\
X(bot_short_description,1011,1,0,NONE,3576)\
X(menu_button,56,3,18214,TAG,3598)\
X(menu_button_commands,1012,1,0,NONE,3610)\
X(menu_button_web_app,1013,3,0,NONE,3631)\
X(menu_button_default,1016,1,0,NONE,3651)\
X(chat_boost_source,59,3,24743,TAG,3671)\
X(chat_boost_source_premium,1017,2,0,NONE,3689)\
X(chat_boost_source_gift_code,1019,2,0,NONE,3715)\
X(chat_boost_source_giveaway,1021,5,0,NONE,3743)\
X(chat_boost,1026,4,0,NONE,3770)\
X(chat_boost_updated,1030,2,0,NONE,3781)\
X(chat_boost_removed,1032,4,0,NONE,3800)\
X(chat_owner_left,1036,1,0,NONE,3819)\
X(chat_owner_changed,1037,1,0,NONE,3835)\
X(user_chat_boosts,1038,1,0,NONE,3854)\
X(business_bot_rights,1039,14,0,NONE,3871)\
X(business_connection,1053,6,0,NONE,3892)\
X(business_messages_deleted,1059,3,0,NONE,3912)\
X(sent_web_app_message,1062,1,0,NONE,3938)\
X(sent_guest_message,1063,1,0,NONE,3959)\
X(prepared_inline_message,1064,2,0,NONE,3978)\
X(prepared_keyboard_button,1066,1,0,NONE,4002)\
X(response_parameters,1067,2,0,NONE,4027)\
X(input_media,62,6,18214,TAG,4047)\
X(input_media_animation,1069,11,0,NONE,4059)\
X(input_media_audio,1080,9,0,NONE,4081)\
X(input_media_document,1089,7,0,NONE,4099)\
X(input_media_link,1096,2,0,NONE,4120)\
X(input_media_live_photo,1098,8,0,NONE,4137)\
X(input_media_location,1106,4,0,NONE,4160)\
X(input_media_photo,1110,7,0,NONE,4181)\
X(input_media_sticker,1117,3,0,NONE,4199)\
X(input_media_venue,1120,9,0,NONE,4219)\
X(input_media_video,1129,14,0,NONE,4237)\
X(input_media_voice_note,1143,6,0,NONE,4255)\
X(input_file,1149,0,0,NONE,4278)\
X(input_paid_media,68,3,18214,TAG,4289)\
X(input_paid_media_live_photo,1149,3,0,NONE,4306)\
X(input_paid_media_photo,1152,2,0,NONE,4334)\
X(input_paid_media_video,1154,9,0,NONE,4357)\
X(input_profile_photo,71,2,18214,TAG,4380)\
X(input_profile_photo_static,1163,2,0,NONE,4400)\
X(input_profile_photo_animated,1165,3,0,NONE,4427)\
X(input_story_content,73,2,18214,TAG,4456)\
X(input_story_content_photo,1168,2,0,NONE,4476)\
X(input_story_content_video,1170,5,0,NONE,4502)\
X(sticker,1175,15,0,NONE,4528)\
X(sticker_set,1190,5,0,NONE,4536)\
X(mask_position,1195,4,0,NONE,4548)\
X(input_sticker,1199,5,0,NONE,4562)\
X(rich_message,1204,2,0,NONE,4576)\
X(rich_message_button,1206,11,0,NONE,4589)\
X(input_rich_message,1217,6,0,NONE,4609)\
X(input_rich_message_media,1223,2,0,NONE,4628)\
X(rich_text,75,28,18214,TAG,4653)\
X(rich_text_bold,1225,2,0,NONE,4663)\
X(rich_text_italic,1227,2,0,NONE,4678)\
X(rich_text_underline,1229,2,0,NONE,4695)\
X(rich_text_strikethrough,1231,2,0,NONE,4715)\
X(rich_text_spoiler,1233,2,0,NONE,4739)\
X(rich_text_date_time,1235,4,0,NONE,4757)\
X(rich_text_text_mention,1239,3,0,NONE,4777)\
X(rich_text_subscript,1242,2,0,NONE,4800)\
X(rich_text_superscript,1244,2,0,NONE,4820)\
X(rich_text_marked,1246,2,0,NONE,4842)\
X(rich_text_code,1248,2,0,NONE,4859)\
X(rich_text_custom_emoji,1250,3,0,NONE,4874)\
X(rich_text_mathematical_expression,1253,2,0,NONE,4897)\
X(rich_text_url,1255,3,0,NONE,4931)\
X(rich_text_email_address,1258,3,0,NONE,4945)\
X(rich_text_phone_number,1261,3,0,NONE,4969)\
X(rich_text_bank_card_number,1264,3,0,NONE,4992)\
X(rich_text_mention,1267,3,0,NONE,5019)\
X(rich_text_hashtag,1270,3,0,NONE,5037)\
X(rich_text_cashtag,1273,3,0,NONE,5055)\
X(rich_text_bot_command,1276,3,0,NONE,5073)\
X(rich_text_button,1279,2,0,NONE,5095)\
X(rich_text_anchor,1281,2,0,NONE,5112)\
X(rich_text_anchor_link,1283,3,0,NONE,5129)\
X(rich_text_reference,1286,3,0,NONE,5151)\
X(rich_text_reference_link,1289,3,0,NONE,5171)\
X(rich_block_caption,1292,2,0,NONE,5196)\
X(rich_block_table_cell,1294,6,0,NONE,5215)\
X(rich_block_list_item,1300,6,0,NONE,5237)\
X(rich_block,103,24,18214,TAG,5258)\
X(rich_block_paragraph,1306,2,0,NONE,5269)\
X(rich_block_section_heading,1308,3,0,NONE,5290)\
X(rich_block_preformatted,1311,3,0,NONE,5317)\
X(rich_block_footer,1314,2,0,NONE,5341)\
X(rich_block_divider,1316,1,0,NONE,5359)\
X(rich_block_mathematical_expression,1317,2,0,NONE,5378)\
X(rich_block_anchor,1319,2,0,NONE,5413)\
X(rich_block_list,1321,2,0,NONE,5431)\
X(rich_block_block_quotation,1323,3,0,NONE,5447)\
X(rich_block_expandable_block_quotation,1326,3,0,NONE,5474)\
X(rich_block_pull_quotation,1329,3,0,NONE,5512)\
X(rich_block_collage,1332,3,0,NONE,5538)\
X(rich_block_slideshow,1335,3,0,NONE,5557)\
X(rich_block_table,1338,6,0,NONE,5578)\
X(rich_block_details,1344,4,0,NONE,5595)\
X(rich_block_map,1348,6,0,NONE,5614)\
X(rich_block_buttons,1354,3,0,NONE,5629)\
X(rich_block_animation,1357,4,0,NONE,5648)\
X(rich_block_audio,1361,3,0,NONE,5669)\
X(rich_block_document,1364,3,0,NONE,5686)\
X(rich_block_photo,1367,4,0,NONE,5706)\
X(rich_block_video,1371,4,0,NONE,5723)\
X(rich_block_voice_note,1375,3,0,NONE,5740)\
X(rich_block_thinking,1378,2,0,NONE,5762)\
X(input_rich_block_list_item,1380,5,0,NONE,5782)\
X(input_rich_block,127,24,18214,TAG,5809)\
X(input_rich_block_paragraph,1385,2,0,NONE,5826)\
X(input_rich_block_section_heading,1387,3,0,NONE,5853)\
X(input_rich_block_preformatted,1390,3,0,NONE,5886)\
X(input_rich_block_footer,1393,2,0,NONE,5916)\
X(input_rich_block_divider,1395,1,0,NONE,5940)\
X(input_rich_block_mathematical_expression,1396,2,0,NONE,5965)\
X(input_rich_block_anchor,1398,2,0,NONE,6006)\
X(input_rich_block_list,1400,2,0,NONE,6030)\
X(input_rich_block_block_quotation,1402,3,0,NONE,6052)\
X(input_rich_block_expandable_block_quotation,1405,3,0,NONE,6085)\
X(input_rich_block_pull_quotation,1408,3,0,NONE,6129)\
X(input_rich_block_collage,1411,3,0,NONE,6161)\
X(input_rich_block_slideshow,1414,3,0,NONE,6186)\
X(input_rich_block_table,1417,6,0,NONE,6213)\
X(input_rich_block_details,1423,4,0,NONE,6236)\
X(input_rich_block_map,1427,6,0,NONE,6261)\
X(input_rich_block_buttons,1433,3,0,NONE,6282)\
X(input_rich_block_animation,1436,3,0,NONE,6307)\
X(input_rich_block_audio,1439,3,0,NONE,6334)\
X(input_rich_block_document,1442,3,0,NONE,6357)\
X(input_rich_block_photo,1445,3,0,NONE,6383)\
X(input_rich_block_video,1448,3,0,NONE,6406)\
X(input_rich_block_voice_note,1451,3,0,NONE,6429)\
X(input_rich_block_thinking,1454,2,0,NONE,6457)\
X(inline_query,1456,6,0,NONE,6483)\
X(inline_query_results_button,1462,3,0,NONE,6496)\
X(inline_query_result,151,20,18214,TAG,6524)\
X(inline_query_result_article,1465,10,0,NONE,6544)\
X(inline_query_result_photo,1475,14,0,NONE,6572)\
X(inline_query_result_gif,1489,15,0,NONE,6598)\
X(inline_query_result_mpeg4_gif,1504,15,0,NONE,6622)\
X(inline_query_result_video,1519,16,0,NONE,6652)\
X(inline_query_result_audio,1535,11,0,NONE,6678)\
X(inline_query_result_voice,1546,10,0,NONE,6704)\
X(inline_query_result_document,1556,14,0,NONE,6730)\
X(inline_query_result_location,1570,14,0,NONE,6759)\
X(inline_query_result_venue,1584,15,0,NONE,6788)\
X(inline_query_result_contact,1599,11,0,NONE,6814)\
X(inline_query_result_game,1610,4,0,NONE,6842)\
X(inline_query_result_cached_photo,1614,11,0,NONE,6867)\
X(inline_query_result_cached_gif,1625,10,0,NONE,6900)\
X(inline_query_result_cached_mpeg4_gif,1635,10,0,NONE,6931)\
X(inline_query_result_cached_sticker,1645,5,0,NONE,6968)\
X(inline_query_result_cached_document,1650,10,0,NONE,7003)\
X(inline_query_result_cached_video,1660,11,0,NONE,7039)\
X(inline_query_result_cached_voice,1671,9,0,NONE,7072)\
X(inline_query_result_cached_audio,1680,8,0,NONE,7105)\
X(input_message_content,171,6,0,SHAPE,7138)\
X(input_text_message_content,1688,4,0,NONE,7160)\
X(input_rich_message_content,1692,1,0,NONE,7187)\
X(input_location_message_content,1693,6,0,NONE,7214)\
X(input_venue_message_content,1699,8,0,NONE,7245)\
X(input_contact_message_content,1707,4,0,NONE,7273)\
X(input_invoice_message_content,1711,20,0,NONE,7303)\
X(chosen_inline_result,1731,5,0,NONE,7333)\
X(labeled_price,1736,2,0,NONE,7354)\
X(invoice,1738,5,0,NONE,7368)\
X(shipping_address,1743,6,0,NONE,7376)\
X(order_info,1749,4,0,NONE,7393)\
X(shipping_option,1753,3,0,NONE,7404)\
X(successful_payment,1756,10,0,NONE,7420)\
X(refunded_payment,1766,5,0,NONE,7439)\
X(shipping_query,1771,4,0,NONE,7456)\
X(pre_checkout_query,1775,7,0,NONE,7471)\
X(paid_media_purchased,1782,2,0,NONE,7490)\
X(revenue_withdrawal_state,177,3,18214,TAG,7511)\
X(revenue_withdrawal_state_pending,1784,1,0,NONE,7536)\
X(revenue_withdrawal_state_succeeded,1785,3,0,NONE,7569)\
X(revenue_withdrawal_state_failed,1788,1,0,NONE,7604)\
X(affiliate_info,1789,5,0,NONE,7636)\
X(transaction_partner,180,7,18214,TAG,7651)\
X(transaction_partner_user,1794,10,0,NONE,7671)\
X(transaction_partner_chat,1804,3,0,NONE,7696)\
X(transaction_partner_affiliate_program,1807,3,0,NONE,7721)\
X(transaction_partner_fragment,1810,2,0,NONE,7759)\
X(transaction_partner_telegram_ads,1812,1,0,NONE,7789)\
X(transaction_partner_telegram_api,1813,2,0,NONE,7822)\
X(transaction_partner_other,1815,1,0,NONE,7855)\
X(star_transaction,1816,6,0,NONE,7881)\
X(star_transactions,1822,1,0,NONE,7898)\
X(passport_data,1823,2,0,NONE,7916)\
X(passport_file,1825,4,0,NONE,7930)\
X(encrypted_passport_element,1829,10,0,NONE,7944)\
X(encrypted_credentials,1839,3,0,NONE,7971)\
X(passport_element_error,187,9,24743,TAG,7993)\
X(passport_element_error_data_field,1842,5,0,NONE,8016)\
X(passport_element_error_front_side,1847,4,0,NONE,8050)\
X(passport_element_error_reverse_side,1851,4,0,NONE,8084)\
X(passport_element_error_selfie,1855,4,0,NONE,8120)\
X(passport_element_error_file,1859,4,0,NONE,8150)\
X(passport_element_error_files,1863,4,0,NONE,8178)\
X(passport_element_error_translation_file,1867,4,0,NONE,8207)\
X(passport_element_error_translation_files,1871,4,0,NONE,8247)\
X(passport_element_error_unspecified,1875,4,0,NONE,8288)\
X(game,1879,6,0,NONE,8323)\
X(callback_game,1885,0,0,NONE,8328)\
X(game_high_score,1885,3,0,NONE,8342)\
X(reply_markup,196,4,0,SHAPE,8358)\
X(input_rich_message_media_media,200,6,18214,TAG,8371)\
X(get_updates_args,1888,4,0,NONE,8402)\
X(set_webhook_args,1892,7,0,NONE,8419)\
X(delete_webhook_args,1899,1,0,NONE,8436)\
X(send_message_args,1900,16,0,NONE,8456)\
X(forward_message_args,1916,10,0,NONE,8474)\
X(forward_messages_args,1926,7,0,NONE,8495)\
X(copy_message_args,1933,17,0,NONE,8517)\
X(copy_messages_args,1950,8,0,NONE,8535)\
X(send_photo_args,1958,18,0,NONE,8554)\
X(send_live_photo_args,1976,19,0,NONE,8570)\
X(send_audio_args,1995,20,0,NONE,8591)\
X(send_document_args,2015,18,0,NONE,8607)\
X(send_video_args,2033,25,0,NONE,8626)\
X(send_animation_args,2058,22,0,NONE,8642)\
X(send_voice_args,2080,17,0,NONE,8662)\
X(send_video_note_args,2097,16,0,NONE,8678)\
X(send_paid_media_args,2113,17,0,NONE,8699)\
X(send_media_group_args,2130,10,0,NONE,8720)\
X(send_location_args,2140,18,0,NONE,8742)\
X(send_venue_args,2158,20,0,NONE,8761)\
X(send_contact_args,2178,16,0,NONE,8777)\
X(send_poll_args,2194,34,0,NONE,8795)\
X(send_checklist_args,2228,8,0,NONE,8810)\
X(send_dice_args,2236,12,0,NONE,8830)\
X(send_message_draft_args,2248,8,0,NONE,8845)\
X(send_chat_action_args,2256,4,0,NONE,8869)\
X(set_message_reaction_args,2260,4,0,NONE,8891)\
X(get_user_profile_photos_args,2264,3,0,NONE,8917)\
X(get_user_profile_audios_args,2267,3,0,NONE,8946)\
X(set_user_emoji_status_args,2270,3,0,NONE,8975)\
X(get_file_args,2273,1,0,NONE,9002)\
X(ban_chat_member_args,2274,4,0,NONE,9016)\
X(unban_chat_member_args,2278,3,0,NONE,9037)\
X(restrict_chat_member_args,2281,5,0,NONE,9060)\
X(promote_chat_member_args,2286,20,0,NONE,9086)\
X(set_chat_administrator_custom_title_args,2306,3,0,NONE,9111)\
X(set_chat_member_tag_args,2309,3,0,NONE,9152)\
X(ban_chat_sender_chat_args,2312,2,0,NONE,9177)\
X(unban_chat_sender_chat_args,2314,2,0,NONE,9203)\
X(set_chat_permissions_args,2316,3,0,NONE,9231)\
X(export_chat_invite_link_args,2319,1,0,NONE,9257)\
X(create_chat_invite_link_args,2320,5,0,NONE,9286)\
X(edit_chat_invite_link_args,2325,6,0,NONE,9315)\
X(create_chat_subscription_invite_link_args,2331,4,0,NONE,9342)\
X(edit_chat_subscription_invite_link_args,2335,3,0,NONE,9384)\
X(revoke_chat_invite_link_args,2338,2,0,NONE,9424)\
X(approve_chat_join_request_args,2340,2,0,NONE,9453)\
X(decline_chat_join_request_args,2342,2,0,NONE,9484)\
X(answer_chat_join_request_query_args,2344,2,0,NONE,9515)\
X(send_chat_join_request_web_app_args,2346,2,0,NONE,9551)\
X(set_chat_photo_args,2348,2,0,NONE,9587)\
X(delete_chat_photo_args,2350,1,0,NONE,9607)\
X(set_chat_title_args,2351,2,0,NONE,9630)\
X(set_chat_description_args,2353,2,0,NONE,9650)\
X(pin_chat_message_args,2355,4,0,NONE,9676)\
X(unpin_chat_message_args,2359,3,0,NONE,9698)\
X(unpin_all_chat_messages_args,2362,1,0,NONE,9722)\
X(leave_chat_args,2363,1,0,NONE,9751)\
X(get_chat_args,2364,1,0,NONE,9767)\
X(get_chat_administrators_args,2365,2,0,NONE,9781)\
X(get_chat_member_count_args,2367,1,0,NONE,9810)\
X(get_chat_member_args,2368,2,0,NONE,9837)\
X(get_user_personal_chat_messages_args,2370,2,0,NONE,9858)\
X(set_chat_sticker_set_args,2372,2,0,NONE,9895)\
X(delete_chat_sticker_set_args,2374,1,0,NONE,9921)\
X(create_forum_topic_args,2375,4,0,NONE,9950)\
X(edit_forum_topic_args,2379,4,0,NONE,9974)\
X(close_forum_topic_args,2383,2,0,NONE,9996)\
X(reopen_forum_topic_args,2385,2,0,NONE,10019)\
X(delete_forum_topic_args,2387,2,0,NONE,10043)\
X(unpin_all_forum_topic_messages_args,2389,2,0,NONE,10067)\
X(edit_general_forum_topic_args,2391,2,0,NONE,10103)\
X(close_general_forum_topic_args,2393,1,0,NONE,10133)\
X(reopen_general_forum_topic_args,2394,1,0,NONE,10164)\
X(hide_general_forum_topic_args,2395,1,0,NONE,10196)\
X(unhide_general_forum_topic_args,2396,1,0,NONE,10226)\
X(unpin_all_general_forum_topic_messages_args,2397,1,0,NONE,10258)\
X(answer_callback_query_args,2398,5,0,NONE,10302)\
X(answer_guest_query_args,2403,2,0,NONE,10329)\
X(get_user_chat_boosts_args,2405,2,0,NONE,10353)\
X(get_business_connection_args,2407,1,0,NONE,10379)\
X(get_managed_bot_token_args,2408,1,0,NONE,10408)\
X(replace_managed_bot_token_args,2409,1,0,NONE,10435)\
X(get_managed_bot_access_settings_args,2410,1,0,NONE,10466)\
X(set_managed_bot_access_settings_args,2411,3,0,NONE,10503)\
X(set_my_commands_args,2414,3,0,NONE,10540)\
X(delete_my_commands_args,2417,2,0,NONE,10561)\
X(get_my_commands_args,2419,2,0,NONE,10585)\
X(set_my_name_args,2421,2,0,NONE,10606)\
X(get_my_name_args,2423,1,0,NONE,10623)\
X(set_my_description_args,2424,2,0,NONE,10640)\
X(get_my_description_args,2426,1,0,NONE,10664)\
X(set_my_short_description_args,2427,2,0,NONE,10688)\
X(get_my_short_description_args,2429,1,0,NONE,10718)\
X(set_my_profile_photo_args,2430,1,0,NONE,10748)\
X(set_chat_menu_button_args,2431,2,0,NONE,10774)\
X(get_chat_menu_button_args,2433,1,0,NONE,10800)\
X(set_my_default_administrator_rights_args,2434,2,0,NONE,10826)\
X(get_my_default_administrator_rights_args,2436,1,0,NONE,10867)\
X(send_gift_args,2437,7,0,NONE,10908)\
X(gift_premium_subscription_args,2444,6,0,NONE,10923)\
X(verify_user_args,2450,2,0,NONE,10954)\
X(verify_chat_args,2452,2,0,NONE,10971)\
X(remove_user_verification_args,2454,1,0,NONE,10988)\
X(remove_chat_verification_args,2455,1,0,NONE,11018)\
X(read_business_message_args,2456,3,0,NONE,11048)\
X(delete_business_messages_args,2459,2,0,NONE,11075)\
X(set_business_account_name_args,2461,3,0,NONE,11105)\
X(set_business_account_username_args,2464,2,0,NONE,11136)\
X(set_business_account_bio_args,2466,2,0,NONE,11171)\
X(set_business_account_profile_photo_args,2468,3,0,NONE,11201)\
X(remove_business_account_profile_photo_args,2471,2,0,NONE,11241)\
X(set_business_account_gift_settings_args,2473,3,0,NONE,11284)\
X(get_business_account_star_balance_args,2476,1,0,NONE,11324)\
X(transfer_business_account_stars_args,2477,2,0,NONE,11363)\
X(get_business_account_gifts_args,2479,11,0,NONE,11400)\
X(get_user_gifts_args,2490,9,0,NONE,11432)\
X(get_chat_gifts_args,2499,11,0,NONE,11452)\
X(convert_gift_to_stars_args,2510,2,0,NONE,11472)\
X(upgrade_gift_args,2512,4,0,NONE,11499)\
X(transfer_gift_args,2516,4,0,NONE,11517)\
X(post_story_args,2520,9,0,NONE,11536)\
X(repost_story_args,2529,6,0,NONE,11552)\
X(edit_story_args,2535,7,0,NONE,11570)\
X(delete_story_args,2542,2,0,NONE,11586)\
X(answer_web_app_query_args,2544,2,0,NONE,11604)\
X(save_prepared_inline_message_args,2546,6,0,NONE,11630)\
X(save_prepared_keyboard_button_args,2552,2,0,NONE,11665)\
X(edit_message_text_args,2554,10,0,NONE,11700)\
X(edit_message_caption_args,2564,9,0,NONE,11723)\
X(edit_message_media_args,2573,6,0,NONE,11749)\
X(edit_message_live_location_args,2579,11,0,NONE,11773)\
X(stop_message_live_location_args,2590,5,0,NONE,11805)\
X(edit_message_checklist_args,2595,5,0,NONE,11837)\
X(edit_message_reply_markup_args,2600,5,0,NONE,11865)\
X(stop_poll_args,2605,4,0,NONE,11896)\
X(edit_ephemeral_message_text_args,2609,9,0,NONE,11911)\
X(edit_ephemeral_message_media_args,2618,5,0,NONE,11944)\
X(edit_ephemeral_message_caption_args,2623,8,0,NONE,11978)\
X(edit_ephemeral_message_reply_markup_args,2631,4,0,NONE,12014)\
X(approve_suggested_post_args,2635,3,0,NONE,12055)\
X(decline_suggested_post_args,2638,3,0,NONE,12083)\
X(delete_message_args,2641,2,0,NONE,12111)\
X(delete_messages_args,2643,2,0,NONE,12131)\
X(delete_ephemeral_message_args,2645,3,0,NONE,12152)\
X(delete_message_reaction_args,2648,4,0,NONE,12182)\
X(delete_all_message_reactions_args,2652,3,0,NONE,12211)\
X(send_sticker_args,2655,14,0,NONE,12245)\
X(get_sticker_set_args,2669,1,0,NONE,12263)\
X(get_custom_emoji_stickers_args,2670,1,0,NONE,12284)\
X(upload_sticker_file_args,2671,3,0,NONE,12315)\
X(create_new_sticker_set_args,2674,6,0,NONE,12340)\
X(add_sticker_to_set_args,2680,3,0,NONE,12368)\
X(set_sticker_position_in_set_args,2683,2,0,NONE,12392)\
X(delete_sticker_from_set_args,2685,1,0,NONE,12425)\
X(replace_sticker_in_set_args,2686,4,0,NONE,12454)\
X(set_sticker_emoji_list_args,2690,2,0,NONE,12482)\
X(set_sticker_keywords_args,2692,2,0,NONE,12510)\
X(set_sticker_mask_position_args,2694,2,0,NONE,12536)\
X(set_sticker_set_title_args,2696,2,0,NONE,12567)\
X(set_sticker_set_thumbnail_args,2698,4,0,NONE,12594)\
X(set_custom_emoji_sticker_set_thumbnail_args,2702,2,0,NONE,12625)\
X(delete_sticker_set_args,2704,1,0,NONE,12669)\
X(send_rich_message_args,2705,13,0,NONE,12693)\
X(send_rich_message_draft_args,2718,6,0,NONE,12716)\
X(answer_inline_query_args,2724,6,0,NONE,12745)\
X(send_invoice_args,2730,31,0,NONE,12770)\
X(create_invoice_link_args,2761,22,0,NONE,12788)\
X(answer_shipping_query_args,2783,4,0,NONE,12813)\
X(answer_pre_checkout_query_args,2787,3,0,NONE,12840)\
X(get_star_transactions_args,2790,2,0,NONE,12871)\
X(refund_star_payment_args,2792,2,0,NONE,12898)\
X(edit_user_star_subscription_args,2794,3,0,NONE,12923)\
X(set_passport_data_errors_args,2797,2,0,NONE,12956)\
X(send_game_args,2799,10,0,NONE,12986)\
X(set_game_score_args,2809,7,0,NONE,13001)\
X(get_game_high_scores_args,2816,4,0,NONE,13021)
#define TG__ML(X) \
X(addStickerToSet,add_sticker_to_set,A,bool *,SENDS,554,BOOL,0,0,16001)\
X(answerCallbackQuery,answer_callback_query,A,bool *,IDEMPOTENT,479,BOOL,0,0,14452)\
X(answerChatJoinRequestQuery,answer_chat_join_request_query,A,bool *,IDEMPOTENT,450,BOOL,0,0,13861)\
X(answerGuestQuery,answer_guest_query,A,tg_sent_guest_message **,IDEMPOTENT,480,OBJ,0,211,14472)\
X(answerInlineQuery,answer_inline_query,A,bool *,IDEMPOTENT,567,BOOL,0,0,16274)\
X(answerPreCheckoutQuery,answer_pre_checkout_query,A,bool *,IDEMPOTENT,571,BOOL,0,0,16342)\
X(answerShippingQuery,answer_shipping_query,A,bool *,IDEMPOTENT,570,BOOL,0,0,16322)\
X(answerWebAppQuery,answer_web_app_query,A,tg_sent_web_app_message **,IDEMPOTENT,527,OBJ,0,210,15436)\
X(approveChatJoinRequest,approve_chat_join_request,A,bool *,IDEMPOTENT,448,BOOL,0,0,13815)\
X(approveSuggestedPost,approve_suggested_post,A,bool *,IDEMPOTENT,542,BOOL,0,0,15772)\
X(banChatMember,ban_chat_member,A,bool *,IDEMPOTENT,433,BOOL,0,0,13496)\
X(banChatSenderChat,ban_chat_sender_chat,A,bool *,IDEMPOTENT,439,BOOL,0,0,13612)\
X(close,close,N,bool *,IDEMPOTENT,65535,BOOL,0,0,13111)\
X(closeForumTopic,close_forum_topic,A,bool *,IDEMPOTENT,469,BOOL,0,0,14226)\
X(closeGeneralForumTopic,close_general_forum_topic,A,bool *,IDEMPOTENT,474,BOOL,0,0,14325)\
X(convertGiftToStars,convert_gift_to_stars,A,bool *,SPENDS,520,BOOL,0,0,15348)\
X(copyMessage,copy_message,A,tg_message_id **,SENDS,408,OBJ,0,6,13160)\
X(copyMessages,copy_messages,A,tg_message_id_list *,SENDS,409,OBJ,1,6,13172)\
X(createChatInviteLink,create_chat_invite_link,A,tg_chat_invite_link **,SENDS,443,OBJ,0,127,13690)\
X(createChatSubscriptionInviteLink,create_chat_subscription_invite_link,A,tg_chat_invite_link **,SENDS,445,OBJ,0,127,13730)\
X(createForumTopic,create_forum_topic,A,tg_forum_topic **,SENDS,467,OBJ,0,162,14194)\
X(createInvoiceLink,create_invoice_link,A,const char **,SENDS,569,STR,0,0,16304)\
X(createNewStickerSet,create_new_sticker_set,A,bool *,SENDS,553,BOOL,0,0,15981)\
X(declineChatJoinRequest,decline_chat_join_request,A,bool *,IDEMPOTENT,449,BOOL,0,0,13838)\
X(declineSuggestedPost,decline_suggested_post,A,bool *,IDEMPOTENT,543,BOOL,0,0,15793)\
X(deleteAllMessageReactions,delete_all_message_reactions,A,bool *,IDEMPOTENT,548,BOOL,0,0,15888)\
X(deleteBusinessMessages,delete_business_messages,A,bool *,IDEMPOTENT,508,BOOL,0,0,15048)\
X(deleteChatPhoto,delete_chat_photo,A,bool *,IDEMPOTENT,453,BOOL,0,0,13927)\
X(deleteChatStickerSet,delete_chat_sticker_set,A,bool *,IDEMPOTENT,466,BOOL,0,0,14147)\
X(deleteEphemeralMessage,delete_ephemeral_message,A,bool *,IDEMPOTENT,546,BOOL,0,0,15843)\
X(deleteForumTopic,delete_forum_topic,A,bool *,IDEMPOTENT,471,BOOL,0,0,14259)\
X(deleteMessage,delete_message,A,bool *,IDEMPOTENT,544,BOOL,0,0,15814)\
X(deleteMessageReaction,delete_message_reaction,A,bool *,IDEMPOTENT,547,BOOL,0,0,15866)\
X(deleteMessages,delete_messages,A,bool *,IDEMPOTENT,545,BOOL,0,0,15828)\
X(deleteMyCommands,delete_my_commands,A,bool *,IDEMPOTENT,488,BOOL,0,0,14641)\
X(deleteStickerFromSet,delete_sticker_from_set,A,bool *,IDEMPOTENT,556,BOOL,0,0,16041)\
X(deleteStickerSet,delete_sticker_set,A,bool *,IDEMPOTENT,564,BOOL,0,0,16220)\
X(deleteStory,delete_story,A,bool *,IDEMPOTENT,526,BOOL,0,0,15424)\
X(deleteWebhook,delete_webhook,A,bool *,IDEMPOTENT,404,BOOL,0,0,13069)\
X(editChatInviteLink,edit_chat_invite_link,A,tg_chat_invite_link **,IDEMPOTENT,444,OBJ,0,127,13711)\
X(editChatSubscriptionInviteLink,edit_chat_subscription_invite_link,A,tg_chat_invite_link **,IDEMPOTENT,446,OBJ,0,127,13763)\
X(editEphemeralMessageCaption,edit_ephemeral_message_caption,A,bool *,IDEMPOTENT,540,BOOL,0,0,15712)\
X(editEphemeralMessageMedia,edit_ephemeral_message_media,A,bool *,IDEMPOTENT,539,BOOL,0,0,15686)\
X(editEphemeralMessageReplyMarkup,edit_ephemeral_message_reply_markup,A,bool *,IDEMPOTENT,541,BOOL,0,0,15740)\
X(editEphemeralMessageText,edit_ephemeral_message_text,A,bool *,IDEMPOTENT,538,BOOL,0,0,15661)\
X(editForumTopic,edit_forum_topic,A,bool *,IDEMPOTENT,468,BOOL,0,0,14211)\
X(editGeneralForumTopic,edit_general_forum_topic,A,bool *,IDEMPOTENT,473,BOOL,0,0,14303)\
X(editMessageCaption,edit_message_caption,A,tg_message **,IDEMPOTENT,531,OBJ,0,5,15523)\
X(editMessageChecklist,edit_message_checklist,A,tg_message **,IDEMPOTENT,535,OBJ,0,5,15608)\
X(editMessageLiveLocation,edit_message_live_location,A,tg_message **,IDEMPOTENT,533,OBJ,0,5,15560)\
X(editMessageMedia,edit_message_media,A,tg_message **,IDEMPOTENT,532,OBJ,0,5,15542)\
X(editMessageReplyMarkup,edit_message_reply_markup,A,tg_message **,IDEMPOTENT,536,OBJ,0,5,15629)\
X(editMessageText,edit_message_text,A,tg_message **,IDEMPOTENT,530,OBJ,0,5,15507)\
X(editStory,edit_story,A,tg_story **,IDEMPOTENT,525,OBJ,0,24,15414)\
X(editUserStarSubscription,edit_user_star_subscription,A,bool *,IDEMPOTENT,574,BOOL,0,0,16420)\
X(exportChatInviteLink,export_chat_invite_link,A,const char **,SENDS,442,STR,0,0,13669)\
X(forwardMessage,forward_message,A,tg_message **,SENDS,406,OBJ,0,5,13129)\
X(forwardMessages,forward_messages,A,tg_message_id_list *,SENDS,407,OBJ,1,6,13144)\
X(getAvailableGifts,get_available_gifts,N,tg_gifts **,READ,65535,OBJ,0,165,14909)\
X(getBusinessAccountGifts,get_business_account_gifts,A,tg_owned_gifts **,READ,517,OBJ,0,177,15298)\
X(getBusinessAccountStarBalance,get_business_account_star_balance,A,tg_star_amount **,READ,515,OBJ,0,180,15239)\
X(getBusinessConnection,get_business_connection,A,tg_business_connection **,READ,482,OBJ,0,208,14507)\
X(getChat,get_chat,A,tg_chat_full_info **,READ,460,OBJ,0,4,14038)\
X(getChatAdministrators,get_chat_administrators,A,tg_chat_member_list *,READ,461,OBJ,1,130,14046)\
X(getChatGifts,get_chat_gifts,A,tg_owned_gifts **,READ,519,OBJ,0,177,15335)\
X(getChatMember,get_chat_member,A,tg_chat_member **,READ,463,OBJ,0,130,14087)\
X(getChatMemberCount,get_chat_member_count,A,int64_t *,READ,462,I64,0,0,14068)\
X(getChatMenuButton,get_chat_menu_button,A,tg_menu_button **,READ,498,OBJ,0,193,14827)\
X(getCustomEmojiStickers,get_custom_emoji_stickers,A,tg_sticker_list *,READ,551,OBJ,1,238,15940)\
X(getFile,get_file,A,tg_file **,READ,432,OBJ,0,108,13488)\
X(getForumTopicIconStickers,get_forum_topic_icon_stickers,N,tg_sticker_list *,READ,65535,OBJ,1,238,14168)\
X(getGameHighScores,get_game_high_scores,A,tg_game_high_score_list *,READ,578,OBJ,1,399,16489)\
X(getManagedBotAccessSettings,get_managed_bot_access_settings,A,tg_bot_access_settings **,READ,485,OBJ,0,178,14571)\
X(getManagedBotToken,get_managed_bot_token,A,const char **,READ,483,STR,0,0,14529)\
X(getMe,get_me,N,tg_user **,READ,65535,OBJ,0,2,13098)\
X(getMyCommands,get_my_commands,A,tg_bot_command_list *,READ,489,OBJ,1,181,14658)\
X(getMyDefaultAdministratorRights,get_my_default_administrator_rights,A,tg_chat_administrator_rights **,READ,500,OBJ,0,128,14877)\
X(getMyDescription,get_my_description,A,tg_bot_description **,READ,493,OBJ,0,191,14709)\
X(getMyName,get_my_name,A,tg_bot_name **,READ,491,OBJ,0,190,14682)\
X(getMyShortDescription,get_my_short_description,A,tg_bot_short_description **,READ,495,OBJ,0,192,14748)\
X(getMyStarBalance,get_my_star_balance,N,tg_star_amount **,READ,65535,OBJ,0,180,16365)\
X(getStarTransactions,get_star_transactions,A,tg_star_transactions **,READ,572,OBJ,0,382,16382)\
X(getStickerSet,get_sticker_set,A,tg_sticker_set **,READ,550,OBJ,0,239,15926)\
X(getUpdates,get_updates,A,tg_update_list *,READ,402,OBJ,1,0,13047)\
X(getUserChatBoosts,get_user_chat_boosts,A,tg_user_chat_boosts **,READ,481,OBJ,0,206,14489)\
X(getUserGifts,get_user_gifts,A,tg_owned_gifts **,READ,518,OBJ,0,177,15322)\
X(getUserPersonalChatMessages,get_user_personal_chat_messages,A,tg_message_list *,READ,464,OBJ,1,5,14101)\
X(getUserProfileAudios,get_user_profile_audios,A,tg_user_profile_audios **,READ,430,OBJ,0,107,13448)\
X(getUserProfilePhotos,get_user_profile_photos,A,tg_user_profile_photos **,READ,429,OBJ,0,106,13427)\
X(getWebhookInfo,get_webhook_info,N,tg_webhook_info **,READ,65535,OBJ,0,1,13083)\
X(giftPremiumSubscription,gift_premium_subscription,A,bool *,SPENDS,502,BOOL,0,0,14936)\
X(hideGeneralForumTopic,hide_general_forum_topic,A,bool *,IDEMPOTENT,476,BOOL,0,0,14372)\
X(leaveChat,leave_chat,A,bool *,IDEMPOTENT,459,BOOL,0,0,14028)\
X(logOut,log_out,N,bool *,IDEMPOTENT,65535,BOOL,0,0,13104)\
X(pinChatMessage,pin_chat_message,A,bool *,IDEMPOTENT,456,BOOL,0,0,13975)\
X(postStory,post_story,A,tg_story **,SENDS,523,OBJ,0,24,15392)\
X(promoteChatMember,promote_chat_member,A,bool *,IDEMPOTENT,436,BOOL,0,0,13545)\
X(readBusinessMessage,read_business_message,A,bool *,IDEMPOTENT,507,BOOL,0,0,15028)\
X(refundStarPayment,refund_star_payment,A,bool *,SPENDS,573,BOOL,0,0,16402)\
X(removeBusinessAccountProfilePhoto,remove_business_account_profile_photo,A,bool *,IDEMPOTENT,513,BOOL,0,0,15174)\
X(removeChatVerification,remove_chat_verification,A,bool *,IDEMPOTENT,506,BOOL,0,0,15005)\
X(removeMyProfilePhoto,remove_my_profile_photo,N,bool *,IDEMPOTENT,65535,BOOL,0,0,14788)\
X(removeUserVerification,remove_user_verification,A,bool *,IDEMPOTENT,505,BOOL,0,0,14982)\
X(reopenForumTopic,reopen_forum_topic,A,bool *,IDEMPOTENT,470,BOOL,0,0,14242)\
X(reopenGeneralForumTopic,reopen_general_forum_topic,A,bool *,IDEMPOTENT,475,BOOL,0,0,14348)\
X(replaceManagedBotToken,replace_managed_bot_token,A,const char **,SENDS,484,STR,0,0,14548)\
X(replaceStickerInSet,replace_sticker_in_set,A,bool *,IDEMPOTENT,557,BOOL,0,0,16062)\
X(repostStory,repost_story,A,tg_story **,SENDS,524,OBJ,0,24,15402)\
X(restrictChatMember,restrict_chat_member,A,bool *,IDEMPOTENT,435,BOOL,0,0,13526)\
X(revokeChatInviteLink,revoke_chat_invite_link,A,tg_chat_invite_link **,IDEMPOTENT,447,OBJ,0,127,13794)\
X(savePreparedInlineMessage,save_prepared_inline_message,A,tg_prepared_inline_message **,SENDS,528,OBJ,0,212,15454)\
X(savePreparedKeyboardButton,save_prepared_keyboard_button,A,tg_prepared_keyboard_button **,SENDS,529,OBJ,0,213,15480)\
X(sendAnimation,send_animation,A,tg_message **,SENDS,415,OBJ,0,5,13242)\
X(sendAudio,send_audio,A,tg_message **,SENDS,412,OBJ,0,5,13209)\
X(sendChatAction,send_chat_action,A,bool *,SENDS,427,BOOL,0,0,13393)\
X(sendChatJoinRequestWebApp,send_chat_join_request_web_app,A,bool *,SENDS,451,BOOL,0,0,13888)\
X(sendChecklist,send_checklist,A,tg_message **,SENDS,424,OBJ,0,5,13353)\
X(sendContact,send_contact,A,tg_message **,SENDS,422,OBJ,0,5,13332)\
X(sendDice,send_dice,A,tg_message **,SENDS,425,OBJ,0,5,13367)\
X(sendDocument,send_document,A,tg_message **,SENDS,413,OBJ,0,5,13219)\
X(sendGame,send_game,A,tg_message **,SENDS,576,OBJ,0,5,16467)\
X(sendGift,send_gift,A,bool *,SPENDS,501,BOOL,0,0,14927)\
X(sendInvoice,send_invoice,A,tg_message **,SENDS,568,OBJ,0,5,16292)\
X(sendLivePhoto,send_live_photo,A,tg_message **,SENDS,411,OBJ,0,5,13195)\
X(sendLocation,send_location,A,tg_message **,SENDS,420,OBJ,0,5,13309)\
X(sendMediaGroup,send_media_group,A,tg_message_list *,SENDS,419,OBJ,1,5,13294)\
X(sendMessage,send_message,A,tg_message **,SENDS,405,OBJ,0,5,13117)\
X(sendMessageDraft,send_message_draft,A,bool *,SENDS,426,BOOL,0,0,13376)\
X(sendPaidMedia,send_paid_media,A,tg_message **,SENDS,418,OBJ,0,5,13280)\
X(sendPhoto,send_photo,A,tg_message **,SENDS,410,OBJ,0,5,13185)\
X(sendPoll,send_poll,A,tg_message **,SENDS,423,OBJ,0,5,13344)\
X(sendRichMessage,send_rich_message,A,tg_message **,SENDS,565,OBJ,0,5,16237)\
X(sendRichMessageDraft,send_rich_message_draft,A,bool *,SENDS,566,BOOL,0,0,16253)\
X(sendSticker,send_sticker,A,tg_message **,SENDS,549,OBJ,0,5,15914)\
X(sendVenue,send_venue,A,tg_message **,SENDS,421,OBJ,0,5,13322)\
X(sendVideo,send_video,A,tg_message **,SENDS,414,OBJ,0,5,13232)\
X(sendVideoNote,send_video_note,A,tg_message **,SENDS,417,OBJ,0,5,13266)\
X(sendVoice,send_voice,A,tg_message **,SENDS,416,OBJ,0,5,13256)\
X(setBusinessAccountBio,set_business_account_bio,A,bool *,IDEMPOTENT,511,BOOL,0,0,15121)\
X(setBusinessAccountGiftSettings,set_business_account_gift_settings,A,bool *,IDEMPOTENT,514,BOOL,0,0,15208)\
X(setBusinessAccountName,set_business_account_name,A,bool *,IDEMPOTENT,509,BOOL,0,0,15071)\
X(setBusinessAccountProfilePhoto,set_business_account_profile_photo,A,bool *,IDEMPOTENT,512,BOOL,0,0,15143)\
X(setBusinessAccountUsername,set_business_account_username,A,bool *,IDEMPOTENT,510,BOOL,0,0,15094)\
X(setChatAdministratorCustomTitle,set_chat_administrator_custom_title,A,bool *,IDEMPOTENT,437,BOOL,0,0,13563)\
X(setChatDescription,set_chat_description,A,bool *,IDEMPOTENT,455,BOOL,0,0,13956)\
X(setChatMemberTag,set_chat_member_tag,A,bool *,IDEMPOTENT,438,BOOL,0,0,13595)\
X(setChatMenuButton,set_chat_menu_button,A,bool *,IDEMPOTENT,497,BOOL,0,0,14809)\
X(setChatPermissions,set_chat_permissions,A,bool *,IDEMPOTENT,441,BOOL,0,0,13650)\
X(setChatPhoto,set_chat_photo,A,bool *,IDEMPOTENT,452,BOOL,0,0,13914)\
X(setChatStickerSet,set_chat_sticker_set,A,bool *,IDEMPOTENT,465,BOOL,0,0,14129)\
X(setChatTitle,set_chat_title,A,bool *,IDEMPOTENT,454,BOOL,0,0,13943)\
X(setCustomEmojiStickerSetThumbnail,set_custom_emoji_sticker_set_thumbnail,A,bool *,IDEMPOTENT,563,BOOL,0,0,16186)\
X(setGameScore,set_game_score,A,tg_message **,IDEMPOTENT,577,OBJ,0,5,16476)\
X(setManagedBotAccessSettings,set_managed_bot_access_settings,A,bool *,IDEMPOTENT,486,BOOL,0,0,14599)\
X(setMessageReaction,set_message_reaction,A,bool *,IDEMPOTENT,428,BOOL,0,0,13408)\
X(setMyCommands,set_my_commands,A,bool *,IDEMPOTENT,487,BOOL,0,0,14627)\
X(setMyDefaultAdministratorRights,set_my_default_administrator_rights,A,bool *,IDEMPOTENT,499,BOOL,0,0,14845)\
X(setMyDescription,set_my_description,A,bool *,IDEMPOTENT,492,BOOL,0,0,14692)\
X(setMyName,set_my_name,A,bool *,IDEMPOTENT,490,BOOL,0,0,14672)\
X(setMyProfilePhoto,set_my_profile_photo,A,bool *,IDEMPOTENT,496,BOOL,0,0,14770)\
X(setMyShortDescription,set_my_short_description,A,bool *,IDEMPOTENT,494,BOOL,0,0,14726)\
X(setPassportDataErrors,set_passport_data_errors,A,bool *,IDEMPOTENT,575,BOOL,0,0,16445)\
X(setStickerEmojiList,set_sticker_emoji_list,A,bool *,IDEMPOTENT,558,BOOL,0,0,16082)\
X(setStickerKeywords,set_sticker_keywords,A,bool *,IDEMPOTENT,559,BOOL,0,0,16102)\
X(setStickerMaskPosition,set_sticker_mask_position,A,bool *,IDEMPOTENT,560,BOOL,0,0,16121)\
X(setStickerPositionInSet,set_sticker_position_in_set,A,bool *,IDEMPOTENT,555,BOOL,0,0,16017)\
X(setStickerSetThumbnail,set_sticker_set_thumbnail,A,bool *,IDEMPOTENT,562,BOOL,0,0,16163)\
X(setStickerSetTitle,set_sticker_set_title,A,bool *,IDEMPOTENT,561,BOOL,0,0,16144)\
X(setUserEmojiStatus,set_user_emoji_status,A,bool *,IDEMPOTENT,431,BOOL,0,0,13469)\
X(setWebhook,set_webhook,A,bool *,IDEMPOTENT,403,BOOL,0,0,13058)\
X(stopMessageLiveLocation,stop_message_live_location,A,tg_message **,IDEMPOTENT,534,OBJ,0,5,15584)\
X(stopPoll,stop_poll,A,tg_poll **,IDEMPOTENT,537,OBJ,0,44,15652)\
X(transferBusinessAccountStars,transfer_business_account_stars,A,bool *,SPENDS,516,BOOL,0,0,15269)\
X(transferGift,transfer_gift,A,bool *,SPENDS,522,BOOL,0,0,15379)\
X(unbanChatMember,unban_chat_member,A,bool *,IDEMPOTENT,434,BOOL,0,0,13510)\
X(unbanChatSenderChat,unban_chat_sender_chat,A,bool *,IDEMPOTENT,440,BOOL,0,0,13630)\
X(unhideGeneralForumTopic,unhide_general_forum_topic,A,bool *,IDEMPOTENT,477,BOOL,0,0,14394)\
X(unpinAllChatMessages,unpin_all_chat_messages,A,bool *,IDEMPOTENT,458,BOOL,0,0,14007)\
X(unpinAllForumTopicMessages,unpin_all_forum_topic_messages,A,bool *,IDEMPOTENT,472,BOOL,0,0,14276)\
X(unpinAllGeneralForumTopicMessages,unpin_all_general_forum_topic_messages,A,bool *,IDEMPOTENT,478,BOOL,0,0,14418)\
X(unpinChatMessage,unpin_chat_message,A,bool *,IDEMPOTENT,457,BOOL,0,0,13990)\
X(upgradeGift,upgrade_gift,A,bool *,SPENDS,521,BOOL,0,0,15367)\
X(uploadStickerFile,upload_sticker_file,A,tg_file **,SENDS,552,OBJ,0,108,15963)\
X(verifyChat,verify_chat,A,bool *,IDEMPOTENT,504,BOOL,0,0,14971)\
X(verifyUser,verify_user,A,bool *,IDEMPOTENT,503,BOOL,0,0,14960)
#define TG_TYPE_0 0
#define TG__ROW(S, sh, m, k, fl, t, n) TG__ROW_##sh(S, m, TG__K_##k, fl, TG_TYPE_##t, n),
#define TG__ROW_F(S, m, k, fl, t, n) { n, t, offsetof(tg_##S, m), 0, 0, k, fl }
#define TG__ROW_H(S, m, k, fl, t, n) { n, t, offsetof(tg_##S, m), offsetof(tg_##S, has_##m), 0, k, (fl) | TG__F_HAS }
#define TG__ROW_A(S, m, k, fl, t, n) { n, t, offsetof(tg_##S, m), offsetof(tg_##S, m##_count), 0, k, fl }
#define TG__ROW_R(S, m, k, fl, t, n) { n, t, offsetof(tg_##S, m), 0, offsetof(tg_##S, m##_json), k, (fl) | TG__F_RAW }
#define TG__ROW_AR(S, m, k, fl, t, n) { n, t, offsetof(tg_##S, m), offsetof(tg_##S, m##_count), offsetof(tg_##S, m##_json), k, (fl) | TG__F_RAW }
#define TG_TYPE_REPLY_MARKUP 400   /* a union with no type of its own in the spec */
#define TG_TYPE_INPUT_RICH_MESSAGE_MEDIA_MEDIA 401   /* a union with no type of its own in the spec */
static const tg__field tg__field_data[] = { TG__FL_ALL(TG__ROW) { 0, 0, 0, 0, 0, 0, 0 } };
/* variants of the abstract types: type, the discriminator's value (0: none) */
static const tg__sub tg__sub_data[] = {
{TG_TYPE_MESSAGE,0},{TG_TYPE_INACCESSIBLE_MESSAGE,16507},{TG_TYPE_MESSAGE_ORIGIN_USER,21},{TG_TYPE_MESSAGE_ORIGIN_HIDDEN_USER,16956},
{TG_TYPE_MESSAGE_ORIGIN_CHAT,26},{TG_TYPE_MESSAGE_ORIGIN_CHANNEL,16691},{TG_TYPE_PAID_MEDIA_LIVE_PHOTO,346},{TG_TYPE_PAID_MEDIA_PHOTO,17102},
{TG_TYPE_PAID_MEDIA_PREVIEW,17120},{TG_TYPE_PAID_MEDIA_VIDEO,377},{TG_TYPE_INPUT_MEDIA_ANIMATION,321},{TG_TYPE_INPUT_MEDIA_AUDIO,331},
{TG_TYPE_INPUT_MEDIA_DOCUMENT,337},{TG_TYPE_INPUT_MEDIA_LIVE_PHOTO,346},{TG_TYPE_INPUT_MEDIA_LOCATION,681},{TG_TYPE_INPUT_MEDIA_PHOTO,17102},
{TG_TYPE_INPUT_MEDIA_VENUE,690},{TG_TYPE_INPUT_MEDIA_VIDEO,377},{TG_TYPE_INPUT_MEDIA_ANIMATION,321},{TG_TYPE_INPUT_MEDIA_LINK,515},
{TG_TYPE_INPUT_MEDIA_LIVE_PHOTO,346},{TG_TYPE_INPUT_MEDIA_LOCATION,681},{TG_TYPE_INPUT_MEDIA_PHOTO,17102},{TG_TYPE_INPUT_MEDIA_STICKER,4528},
{TG_TYPE_INPUT_MEDIA_VENUE,690},{TG_TYPE_INPUT_MEDIA_VIDEO,377},{TG_TYPE_BACKGROUND_FILL_SOLID,17212},{TG_TYPE_BACKGROUND_FILL_GRADIENT,16931},
{TG_TYPE_BACKGROUND_FILL_FREEFORM_GRADIENT,16888},{TG_TYPE_BACKGROUND_TYPE_FILL,16867},{TG_TYPE_BACKGROUND_TYPE_WALLPAPER,17431},{TG_TYPE_BACKGROUND_TYPE_PATTERN,17073},
{TG_TYPE_BACKGROUND_TYPE_CHAT_THEME,16719},{TG_TYPE_CHAT_MEMBER_OWNER,16752},{TG_TYPE_CHAT_MEMBER_ADMINISTRATOR,16509},{TG_TYPE_CHAT_MEMBER_MEMBER,17027},
{TG_TYPE_CHAT_MEMBER_RESTRICTED,17171},{TG_TYPE_CHAT_MEMBER_LEFT,16982},{TG_TYPE_CHAT_MEMBER_BANNED,16975},{TG_TYPE_STORY_AREA_TYPE_LOCATION,681},
{TG_TYPE_STORY_AREA_TYPE_SUGGESTED_REACTION,17267},{TG_TYPE_STORY_AREA_TYPE_LINK,515},{TG_TYPE_STORY_AREA_TYPE_WEATHER,17441},{TG_TYPE_STORY_AREA_TYPE_UNIQUE_GIFT,3141},
{TG_TYPE_REACTION_TYPE_EMOJI,16826},{TG_TYPE_REACTION_TYPE_CUSTOM_EMOJI,16760},{TG_TYPE_REACTION_TYPE_PAID,17058},{TG_TYPE_OWNED_GIFT_REGULAR,17163},
{TG_TYPE_OWNED_GIFT_UNIQUE,17397},{TG_TYPE_BOT_COMMAND_SCOPE_DEFAULT,16788},{TG_TYPE_BOT_COMMAND_SCOPE_ALL_PRIVATE_CHATS,16581},{TG_TYPE_BOT_COMMAND_SCOPE_ALL_GROUP_CHATS,16565},
{TG_TYPE_BOT_COMMAND_SCOPE_ALL_CHAT_ADMINISTRATORS,16541},{TG_TYPE_BOT_COMMAND_SCOPE_CHAT,26},{TG_TYPE_BOT_COMMAND_SCOPE_CHAT_ADMINISTRATORS,16699},{TG_TYPE_BOT_COMMAND_SCOPE_CHAT_MEMBER,2356},
{TG_TYPE_MENU_BUTTON_COMMANDS,16743},{TG_TYPE_MENU_BUTTON_WEB_APP,17449},{TG_TYPE_MENU_BUTTON_DEFAULT,16788},{TG_TYPE_CHAT_BOOST_SOURCE_PREMIUM,17112},
{TG_TYPE_CHAT_BOOST_SOURCE_GIFT_CODE,16921},{TG_TYPE_CHAT_BOOST_SOURCE_GIVEAWAY,1730},{TG_TYPE_INPUT_MEDIA_ANIMATION,321},{TG_TYPE_INPUT_MEDIA_AUDIO,331},
{TG_TYPE_INPUT_MEDIA_DOCUMENT,337},{TG_TYPE_INPUT_MEDIA_LIVE_PHOTO,346},{TG_TYPE_INPUT_MEDIA_PHOTO,17102},{TG_TYPE_INPUT_MEDIA_VIDEO,377},
{TG_TYPE_INPUT_PAID_MEDIA_LIVE_PHOTO,346},{TG_TYPE_INPUT_PAID_MEDIA_PHOTO,17102},{TG_TYPE_INPUT_PAID_MEDIA_VIDEO,377},{TG_TYPE_INPUT_PROFILE_PHOTO_STATIC,17226},
{TG_TYPE_INPUT_PROFILE_PHOTO_ANIMATED,16618},{TG_TYPE_INPUT_STORY_CONTENT_PHOTO,17102},{TG_TYPE_INPUT_STORY_CONTENT_VIDEO,377},{TG__SUB_STRING,0},
{TG__SUB_ARRAY,0},{TG_TYPE_RICH_TEXT_BOLD,16663},{TG_TYPE_RICH_TEXT_ITALIC,16968},{TG_TYPE_RICH_TEXT_UNDERLINE,17387},
{TG_TYPE_RICH_TEXT_STRIKETHROUGH,17233},{TG_TYPE_RICH_TEXT_SPOILER,17218},{TG_TYPE_RICH_TEXT_DATE_TIME,16778},{TG_TYPE_RICH_TEXT_TEXT_MENTION,17330},
{TG_TYPE_RICH_TEXT_SUBSCRIPT,17247},{TG_TYPE_RICH_TEXT_SUPERSCRIPT,17286},{TG_TYPE_RICH_TEXT_MARKED,16996},{TG_TYPE_RICH_TEXT_CODE,16730},
{TG_TYPE_RICH_TEXT_CUSTOM_EMOJI,16760},{TG_TYPE_RICH_TEXT_MATHEMATICAL_EXPRESSION,17003},{TG_TYPE_RICH_TEXT_URL,17416},{TG_TYPE_RICH_TEXT_EMAIL_ADDRESS,16812},
{TG_TYPE_RICH_TEXT_PHONE_NUMBER,17089},{TG_TYPE_RICH_TEXT_BANK_CARD_NUMBER,16635},{TG_TYPE_RICH_TEXT_MENTION,17034},{TG_TYPE_RICH_TEXT_HASHTAG,16940},
{TG_TYPE_RICH_TEXT_CASHTAG,16683},{TG_TYPE_RICH_TEXT_BOT_COMMAND,3292},{TG_TYPE_RICH_TEXT_BUTTON,16668},{TG_TYPE_RICH_TEXT_ANCHOR,16599},
{TG_TYPE_RICH_TEXT_ANCHOR_LINK,16606},{TG_TYPE_RICH_TEXT_REFERENCE,17138},{TG_TYPE_RICH_TEXT_REFERENCE_LINK,17148},{TG_TYPE_RICH_BLOCK_PARAGRAPH,17063},
{TG_TYPE_RICH_BLOCK_SECTION_HEADING,16948},{TG_TYPE_RICH_BLOCK_PREFORMATTED,17108},{TG_TYPE_RICH_BLOCK_FOOTER,16872},{TG_TYPE_RICH_BLOCK_DIVIDER,16804},
{TG_TYPE_RICH_BLOCK_MATHEMATICAL_EXPRESSION,17003},{TG_TYPE_RICH_BLOCK_ANCHOR,16599},{TG_TYPE_RICH_BLOCK_LIST,16987},{TG_TYPE_RICH_BLOCK_BLOCK_QUOTATION,16652},
{TG_TYPE_RICH_BLOCK_EXPANDABLE_BLOCK_QUOTATION,16832},{TG_TYPE_RICH_BLOCK_PULL_QUOTATION,17128},{TG_TYPE_RICH_BLOCK_COLLAGE,16735},{TG_TYPE_RICH_BLOCK_SLIDESHOW,17202},
{TG_TYPE_RICH_BLOCK_TABLE,17298},{TG_TYPE_RICH_BLOCK_DETAILS,16796},{TG_TYPE_RICH_BLOCK_MAP,16992},{TG_TYPE_RICH_BLOCK_BUTTONS,16675},
{TG_TYPE_RICH_BLOCK_ANIMATION,321},{TG_TYPE_RICH_BLOCK_AUDIO,331},{TG_TYPE_RICH_BLOCK_DOCUMENT,337},{TG_TYPE_RICH_BLOCK_PHOTO,17102},
{TG_TYPE_RICH_BLOCK_VIDEO,377},{TG_TYPE_RICH_BLOCK_VOICE_NOTE,17420},{TG_TYPE_RICH_BLOCK_THINKING,17343},{TG_TYPE_INPUT_RICH_BLOCK_PARAGRAPH,17063},
{TG_TYPE_INPUT_RICH_BLOCK_SECTION_HEADING,16948},{TG_TYPE_INPUT_RICH_BLOCK_PREFORMATTED,17108},{TG_TYPE_INPUT_RICH_BLOCK_FOOTER,16872},{TG_TYPE_INPUT_RICH_BLOCK_DIVIDER,16804},
{TG_TYPE_INPUT_RICH_BLOCK_MATHEMATICAL_EXPRESSION,17003},{TG_TYPE_INPUT_RICH_BLOCK_ANCHOR,16599},{TG_TYPE_INPUT_RICH_BLOCK_LIST,16987},{TG_TYPE_INPUT_RICH_BLOCK_BLOCK_QUOTATION,16652},
{TG_TYPE_INPUT_RICH_BLOCK_EXPANDABLE_BLOCK_QUOTATION,16832},{TG_TYPE_INPUT_RICH_BLOCK_PULL_QUOTATION,17128},{TG_TYPE_INPUT_RICH_BLOCK_COLLAGE,16735},{TG_TYPE_INPUT_RICH_BLOCK_SLIDESHOW,17202},
{TG_TYPE_INPUT_RICH_BLOCK_TABLE,17298},{TG_TYPE_INPUT_RICH_BLOCK_DETAILS,16796},{TG_TYPE_INPUT_RICH_BLOCK_MAP,16992},{TG_TYPE_INPUT_RICH_BLOCK_BUTTONS,16675},
{TG_TYPE_INPUT_RICH_BLOCK_ANIMATION,321},{TG_TYPE_INPUT_RICH_BLOCK_AUDIO,331},{TG_TYPE_INPUT_RICH_BLOCK_DOCUMENT,337},{TG_TYPE_INPUT_RICH_BLOCK_PHOTO,17102},
{TG_TYPE_INPUT_RICH_BLOCK_VIDEO,377},{TG_TYPE_INPUT_RICH_BLOCK_VOICE_NOTE,17420},{TG_TYPE_INPUT_RICH_BLOCK_THINKING,17343},{TG_TYPE_INLINE_QUERY_RESULT_CACHED_AUDIO,331},
{TG_TYPE_INLINE_QUERY_RESULT_CACHED_DOCUMENT,337},{TG_TYPE_INLINE_QUERY_RESULT_CACHED_GIF,16917},{TG_TYPE_INLINE_QUERY_RESULT_CACHED_MPEG4_GIF,17042},{TG_TYPE_INLINE_QUERY_RESULT_CACHED_PHOTO,17102},
{TG_TYPE_INLINE_QUERY_RESULT_CACHED_STICKER,4528},{TG_TYPE_INLINE_QUERY_RESULT_CACHED_VIDEO,377},{TG_TYPE_INLINE_QUERY_RESULT_CACHED_VOICE,394},{TG_TYPE_INLINE_QUERY_RESULT_ARTICLE,16627},
{TG_TYPE_INLINE_QUERY_RESULT_AUDIO,331},{TG_TYPE_INLINE_QUERY_RESULT_CONTACT,502},{TG_TYPE_INLINE_QUERY_RESULT_GAME,8323},{TG_TYPE_INLINE_QUERY_RESULT_DOCUMENT,337},
{TG_TYPE_INLINE_QUERY_RESULT_GIF,16917},{TG_TYPE_INLINE_QUERY_RESULT_LOCATION,681},{TG_TYPE_INLINE_QUERY_RESULT_MPEG4_GIF,17042},{TG_TYPE_INLINE_QUERY_RESULT_PHOTO,17102},
{TG_TYPE_INLINE_QUERY_RESULT_VENUE,690},{TG_TYPE_INLINE_QUERY_RESULT_VIDEO,377},{TG_TYPE_INLINE_QUERY_RESULT_VOICE,394},{TG_TYPE_INPUT_TEXT_MESSAGE_CONTENT,0},
{TG_TYPE_INPUT_RICH_MESSAGE_CONTENT,0},{TG_TYPE_INPUT_LOCATION_MESSAGE_CONTENT,0},{TG_TYPE_INPUT_VENUE_MESSAGE_CONTENT,0},{TG_TYPE_INPUT_CONTACT_MESSAGE_CONTENT,0},
{TG_TYPE_INPUT_INVOICE_MESSAGE_CONTENT,0},{TG_TYPE_REVENUE_WITHDRAWAL_STATE_PENDING,17081},{TG_TYPE_REVENUE_WITHDRAWAL_STATE_SUCCEEDED,17257},{TG_TYPE_REVENUE_WITHDRAWAL_STATE_FAILED,16854},
{TG_TYPE_TRANSACTION_PARTNER_USER,21},{TG_TYPE_TRANSACTION_PARTNER_CHAT,26},{TG_TYPE_TRANSACTION_PARTNER_AFFILIATE_PROGRAM,16523},{TG_TYPE_TRANSACTION_PARTNER_FRAGMENT,16879},
{TG_TYPE_TRANSACTION_PARTNER_TELEGRAM_ADS,17304},{TG_TYPE_TRANSACTION_PARTNER_TELEGRAM_API,17317},{TG_TYPE_TRANSACTION_PARTNER_OTHER,17052},{TG_TYPE_PASSPORT_ELEMENT_ERROR_DATA_FIELD,16773},
{TG_TYPE_PASSPORT_ELEMENT_ERROR_FRONT_SIDE,16906},{TG_TYPE_PASSPORT_ELEMENT_ERROR_REVERSE_SIDE,17182},{TG_TYPE_PASSPORT_ELEMENT_ERROR_SELFIE,17195},{TG_TYPE_PASSPORT_ELEMENT_ERROR_FILE,1925},
{TG_TYPE_PASSPORT_ELEMENT_ERROR_FILES,16861},{TG_TYPE_PASSPORT_ELEMENT_ERROR_TRANSLATION_FILE,17352},{TG_TYPE_PASSPORT_ELEMENT_ERROR_TRANSLATION_FILES,17369},{TG_TYPE_PASSPORT_ELEMENT_ERROR_UNSPECIFIED,17404},
{TG_TYPE_INLINE_KEYBOARD_MARKUP,0},{TG_TYPE_REPLY_KEYBOARD_MARKUP,0},{TG_TYPE_REPLY_KEYBOARD_REMOVE,0},{TG_TYPE_FORCE_REPLY,0},
{TG_TYPE_INPUT_MEDIA_ANIMATION,321},{TG_TYPE_INPUT_MEDIA_AUDIO,331},{TG_TYPE_INPUT_MEDIA_DOCUMENT,337},{TG_TYPE_INPUT_MEDIA_PHOTO,17102},
{TG_TYPE_INPUT_MEDIA_VIDEO,377},{TG_TYPE_INPUT_MEDIA_VOICE_NOTE,17420}
};
/* types: name, size, first field or variant, count, discriminator member, TG__ABS_* */
#define TG__TROW(s, first, n, disc, abs, name) { name, sizeof(tg_##s), first, n, disc, TG__ABS_##abs },
static const tg__type tg__type_data[] = { TG__TL(TG__TROW) { 0, 0, 0, 0, 0, 0 } };
TGBOT__INTERN const tg__type *tg__type_table(void) { return tg__type_data; }
TGBOT__INTERN const tg__field *tg__field_table(void) { return tg__field_data; }
TGBOT__INTERN const tg__sub *tg__sub_table(void) { return tg__sub_data; }
TGBOT__INTERN const char *tg__name_at(uint32_t off) { return (const char *)&tg__name_blob + off; }
#define TG__MROW(name, sn, sh, O, cls, args, rk, rarr, rt, n) { n, TG__CALL_##cls, args, TG__K_##rk, rarr, rt },
static const tg__method tg__method_data[] = { TG__ML(TG__MROW) };
#define TG__MENUM(name, sn, sh, O, cls, args, rk, rarr, rt, n) TG__MI_##name,
enum { TG__ML(TG__MENUM) TG__MI_COUNT };
TGBOT__INTERN const tg__method *tg__method_find(const char *name) {
    size_t lo = 0, hi = TG__MI_COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = tg__strcasecmp(name, tg__name_at(tg__method_data[mid].name));
        if (c == 0) return &tg__method_data[mid];
        if (c < 0) hi = mid; else lo = mid + 1;
    }
    return NULL;
}
/* the typed calls: tg_<snake>(bot, [args,] out) runs its row of the method table */
#define TG__CALL_A(name, sn, O) TGBOT_API tg_err tg_##sn(tg_bot *bot, const tg_##sn##_args *args, O out) { return tg__call_method(bot, &tg__method_data[TG__MI_##name], args, out); }
#define TG__CALL_N(name, sn, O) TGBOT_API tg_err tg_##sn(tg_bot *bot, O out) { return tg__call_method(bot, &tg__method_data[TG__MI_##name], NULL, out); }
#define TG__FN(name, sn, sh, O, cls, args, rk, rarr, rt, n) TG__CALL_##sh(name, sn, O)
TG__ML(TG__FN)
/* update kinds: name, tg_update member, payload type, and offsets in the payload of the
   sender (User *), chat (TG__CHAT_*), business connection id (string); 0xFFFF: none */
static const tg__update_kind tg__update_kind_data[] = {
    { 46, offsetof(tg_update, message), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 17467, offsetof(tg_update, edited_message), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 17482, offsetof(tg_update, channel_post), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 17495, offsetof(tg_update, edited_channel_post), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 3892, offsetof(tg_update, business_connection), TG_TYPE_BUSINESS_CONNECTION, offsetof(tg_business_connection, user), offsetof(tg_business_connection, user_chat_id), TG__CHAT_ID, 0xFFFF },
    { 17515, offsetof(tg_update, business_message), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 17532, offsetof(tg_update, edited_business_message), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 17556, offsetof(tg_update, deleted_business_messages), TG_TYPE_BUSINESS_MESSAGES_DELETED, 0xFFFF, offsetof(tg_business_messages_deleted, chat), TG__CHAT_OBJ, offsetof(tg_business_messages_deleted, business_connection_id) },
    { 17582, offsetof(tg_update, guest_message), TG_TYPE_MESSAGE, offsetof(tg_message, from), offsetof(tg_message, chat), TG__CHAT_OBJ, offsetof(tg_message, business_connection_id) },
    { 17596, offsetof(tg_update, message_reaction), TG_TYPE_MESSAGE_REACTION_UPDATED, offsetof(tg_message_reaction_updated, user), offsetof(tg_message_reaction_updated, chat), TG__CHAT_OBJ, 0xFFFF },
    { 17613, offsetof(tg_update, message_reaction_count), TG_TYPE_MESSAGE_REACTION_COUNT_UPDATED, 0xFFFF, offsetof(tg_message_reaction_count_updated, chat), TG__CHAT_OBJ, 0xFFFF },
    { 6483, offsetof(tg_update, inline_query), TG_TYPE_INLINE_QUERY, offsetof(tg_inline_query, from), 0xFFFF, 0, 0xFFFF },
    { 7333, offsetof(tg_update, chosen_inline_result), TG_TYPE_CHOSEN_INLINE_RESULT, offsetof(tg_chosen_inline_result, from), 0xFFFF, 0, 0xFFFF },
    { 2245, offsetof(tg_update, callback_query), TG_TYPE_CALLBACK_QUERY, offsetof(tg_callback_query, from), offsetof(tg_callback_query, message), TG__CHAT_MAYBE_MESSAGE, 0xFFFF },
    { 7456, offsetof(tg_update, shipping_query), TG_TYPE_SHIPPING_QUERY, offsetof(tg_shipping_query, from), 0xFFFF, 0, 0xFFFF },
    { 7471, offsetof(tg_update, pre_checkout_query), TG_TYPE_PRE_CHECKOUT_QUERY, offsetof(tg_pre_checkout_query, from), 0xFFFF, 0, 0xFFFF },
    { 17636, offsetof(tg_update, purchased_paid_media), TG_TYPE_PAID_MEDIA_PURCHASED, offsetof(tg_paid_media_purchased, from), 0xFFFF, 0, 0xFFFF },
    { 614, offsetof(tg_update, poll), TG_TYPE_POLL, 0xFFFF, 0xFFFF, 0, 0xFFFF },
    { 602, offsetof(tg_update, poll_answer), TG_TYPE_POLL_ANSWER, offsetof(tg_poll_answer, user), offsetof(tg_poll_answer, voter_chat), TG__CHAT_OBJ, 0xFFFF },
    { 17657, offsetof(tg_update, my_chat_member), TG_TYPE_CHAT_MEMBER_UPDATED, offsetof(tg_chat_member_updated, from), offsetof(tg_chat_member_updated, chat), TG__CHAT_OBJ, 0xFFFF },
    { 2356, offsetof(tg_update, chat_member), TG_TYPE_CHAT_MEMBER_UPDATED, offsetof(tg_chat_member_updated, from), offsetof(tg_chat_member_updated, chat), TG__CHAT_OBJ, 0xFFFF },
    { 2490, offsetof(tg_update, chat_join_request), TG_TYPE_CHAT_JOIN_REQUEST, offsetof(tg_chat_join_request, from), offsetof(tg_chat_join_request, chat), TG__CHAT_OBJ, 0xFFFF },
    { 3770, offsetof(tg_update, chat_boost), TG_TYPE_CHAT_BOOST_UPDATED, 0xFFFF, offsetof(tg_chat_boost_updated, chat), TG__CHAT_OBJ, 0xFFFF },
    { 17672, offsetof(tg_update, removed_chat_boost), TG_TYPE_CHAT_BOOST_REMOVED, 0xFFFF, offsetof(tg_chat_boost_removed, chat), TG__CHAT_OBJ, 0xFFFF },
    { 17691, offsetof(tg_update, managed_bot), TG_TYPE_MANAGED_BOT_UPDATED, offsetof(tg_managed_bot_updated, user), 0xFFFF, 0, 0xFFFF },
    { 17703, offsetof(tg_update, subscription), TG_TYPE_BOT_SUBSCRIPTION_UPDATED, offsetof(tg_bot_subscription_updated, user), 0xFFFF, 0, 0xFFFF },
    { 17716, offsetof(tg_update, stopped_message_generation), TG_TYPE_MESSAGE_GENERATION_STOPPED, 0xFFFF, offsetof(tg_message_generation_stopped, chat), TG__CHAT_OBJ, 0xFFFF },
};
TGBOT__INTERN const tg__update_kind *tg__update_kind_find(const char *name, size_t len) {
    size_t i;
    for (i = 0; i < sizeof tg__update_kind_data / sizeof tg__update_kind_data[0]; i++) {
        const char *n = tg__name_at(tg__update_kind_data[i].name);
        if (strncmp(n, name, len) == 0 && n[len] == 0) return &tg__update_kind_data[i];
    }
    return NULL;
}
TGBOT_API tg_err tg_decode(tg_type_id type, const tg_json_value *v, tg_arena *a, void *out) {
    tg_error e;
    if ((unsigned)type >= (unsigned)TG__TYPE_COUNT || !v) return TG_ERR_ARG;
    return tg__decode_type((uint16_t)type, v->doc, v->tok, a, out, &e);
}
TGBOT_API tg_err tg_encode(tg_type_id type, const void *obj, tg_json_writer *w) {
    tg_error e;
    if ((unsigned)type >= (unsigned)TG__TYPE_COUNT) return TG_ERR_ARG;
    return tg__encode_type(w, NULL, (uint16_t)type, obj, &e);
}

/* ==== src/updates_int.h ==== */
/* updates (internal): what the webhook server needs from the dispatcher. */
/* tg_dispatch with the webhook's response-body slot put on the handler's context */
TGBOT__INTERN tg_err tg__dispatch_in(tg_dispatcher *d, const tg_json_value *update, void *webhook_reply);
TGBOT__INTERN tg_bot *tg__dispatcher_bot(const tg_dispatcher *d);
TGBOT__INTERN bool tg__stop_requested(const tg_dispatcher *d);   /* tg_stop() or SIGINT/SIGTERM */
TGBOT__INTERN void tg__stop_clear(tg_dispatcher *d);
TGBOT__INTERN void tg__catch_signals(bool on);
TGBOT__INTERN void tg__fire_shutdown(tg_dispatcher *d);           /* the on_shutdown event */                   /* install / restore the handlers */

/* ==== src/updates.c ==== */
/* updates: the dispatcher and the long-polling loop. Routing works on the raw JSON key of the
   update, so kinds newer than this build still reach tg_on_update(d, "new_kind", ...). */

#define TG__MAX_ROUTES 64
#define TG__MAX_MW 16
#define TG__MAX_PLUGINS 16

typedef enum { TG__R_KIND, TG__R_COMMAND, TG__R_CALLBACK, TG__R_FALLBACK } tg__route_type;
typedef struct tg__route { tg__route_type type; const char *match; tg_handler_fn fn; void *ud; } tg__route;
typedef struct tg__mw { tg_middleware_fn fn; void *ud; } tg__mw;

struct tg_dispatcher {
    tg_bot *bot;
    void *user_data;
    tg__route routes[TG__MAX_ROUTES]; size_t nroutes;
    tg__mw mw[TG__MAX_MW]; size_t nmw;
    const tg_plugin *plugins[TG__MAX_PLUGINS]; size_t nplugins;
    tg_events ev;
    char username[64];
    bool have_username;
    volatile bool stop;
    int64_t offset;
};

static volatile sig_atomic_t tg__signalled, tg__in_long_poll;
/* a stop signal wakes a waiting long poll at once, but lets a running handler finish its calls */
static void tg__on_signal(int sig) { (void)sig; tg__signalled = 1; if (tg__in_long_poll) tg__interrupt(1); }

/* ---- events: bridge the bot's pipeline hooks to the dispatcher's typed events ---- */
static void tg__ev_sent(void *ud, const char *method, uint64_t ms) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    tg_event e;
    if (!d->ev.on_sent) return;
    memset(&e, 0, sizeof e);
    e.type = TG_EVENT_SENT; e.method = method; e.elapsed_ms = ms;
    d->ev.on_sent(&e, d->ev.ud);
}
static void tg__ev_error(void *ud, const char *method, const tg_error *err) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    tg_event e;
    if (!d->ev.on_error) return;
    memset(&e, 0, sizeof e);
    e.type = TG_EVENT_ERROR; e.method = method; e.error = err;
    d->ev.on_error(&e, d->ev.ud);
}
static void tg__ev_retry(void *ud, const char *method, uint32_t attempt, uint32_t delay, const tg_error *err) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    tg_event e;
    if (!d->ev.on_retry) return;
    memset(&e, 0, sizeof e);
    e.type = TG_EVENT_RETRY; e.method = method; e.attempt = attempt; e.delay_ms = delay; e.error = err;
    d->ev.on_retry(&e, d->ev.ud);
}
static void tg__ev_limited(void *ud, const char *method, int32_t retry_after) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    tg_event e;
    if (!d->ev.on_rate_limited) return;
    memset(&e, 0, sizeof e);
    e.type = TG_EVENT_RATE_LIMITED; e.method = method; e.retry_after = retry_after;
    d->ev.on_rate_limited(&e, d->ev.ud);
}

#if TGBOT__HAS_RATELIMIT   /* [limits] the limiter's waits are RATE_LIMITED events with delay_ms */
static void tg__ev_throttled(void *ud, const char *method, uint32_t wait_ms) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    tg_event e;
    if (!d->ev.on_rate_limited) return;
    memset(&e, 0, sizeof e);
    e.type = TG_EVENT_RATE_LIMITED; e.method = method; e.delay_ms = wait_ms;
    d->ev.on_rate_limited(&e, d->ev.ud);
}
#endif
#if TGBOT__HAS_BREAKER     /* [limits] */
static void tg__ev_breaker(void *ud, int state) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    tg_event e;
    if (!d->ev.on_breaker) return;
    memset(&e, 0, sizeof e);
    e.type = TG_EVENT_BREAKER; e.breaker_state = state;
    d->ev.on_breaker(&e, d->ev.ud);
}
#endif

TGBOT_API tg_err tg_dispatcher_new(tg_dispatcher **out, tg_bot *bot, void *user_data) {
    tg_dispatcher *d = (tg_dispatcher *)tg__alloc(tg__bot_alloc(bot), sizeof *d);
    tg__bot_hooks h;
    *out = NULL;
    if (!d) return TG_ERR_NOMEM;
    memset(d, 0, sizeof *d);
    d->bot = bot;
    d->user_data = user_data;
    memset(&h, 0, sizeof h);
    h.on_sent = tg__ev_sent; h.on_error = tg__ev_error; h.on_retry = tg__ev_retry; h.on_rate_limited = tg__ev_limited;
#if TGBOT__HAS_RATELIMIT   /* [limits] */
    h.on_throttled = tg__ev_throttled;
#endif
#if TGBOT__HAS_BREAKER     /* [limits] */
    h.on_breaker = tg__ev_breaker;
#endif
    h.ud = d;
    tg__bot_set_hooks(bot, &h);
    *out = d;
    return TG_OK;
}

TGBOT_API void tg_dispatcher_free(tg_dispatcher *d) {
    tg__bot_hooks none;
    size_t i;
    if (!d) return;
    for (i = d->nplugins; i > 0; i--)       /* stop in reverse order of start */
        if (d->plugins[i - 1]->shutdown) d->plugins[i - 1]->shutdown(d, d->plugins[i - 1]->ud);
    memset(&none, 0, sizeof none);
    tg__bot_set_hooks(d->bot, &none);
    tg__free(tg__bot_alloc(d->bot), d, sizeof *d);
}

static tg_err tg__route_add(tg_dispatcher *d, tg__route_type t, const char *match, tg_handler_fn fn, void *ud) {
    if (!fn) return TG_ERR_ARG;
    if (d->nroutes >= TG__MAX_ROUTES) return TG_ERR_LIMIT;
    d->routes[d->nroutes].type = t; d->routes[d->nroutes].match = match;
    d->routes[d->nroutes].fn = fn; d->routes[d->nroutes].ud = ud;
    d->nroutes++;
    return TG_OK;
}
TGBOT_API tg_err tg_on_update(tg_dispatcher *d, const char *kind, tg_handler_fn fn, void *ud) { return tg__route_add(d, TG__R_KIND, kind, fn, ud); }
TGBOT_API tg_err tg_on_command(tg_dispatcher *d, const char *cmd, tg_handler_fn fn, void *ud) {
    if (!cmd) return TG_ERR_ARG;
    return tg__route_add(d, TG__R_COMMAND, cmd[0] == '/' ? cmd + 1 : cmd, fn, ud);
}
TGBOT_API tg_err tg_on_callback(tg_dispatcher *d, const char *prefix, tg_handler_fn fn, void *ud) { return tg__route_add(d, TG__R_CALLBACK, prefix ? prefix : "", fn, ud); }
TGBOT_API tg_err tg_on_fallback(tg_dispatcher *d, tg_handler_fn fn, void *ud) { return tg__route_add(d, TG__R_FALLBACK, NULL, fn, ud); }
TGBOT_API tg_err tg_use(tg_dispatcher *d, tg_middleware_fn fn, void *ud) {
    if (!fn) return TG_ERR_ARG;
    if (d->nmw >= TG__MAX_MW) return TG_ERR_LIMIT;
    d->mw[d->nmw].fn = fn; d->mw[d->nmw].ud = ud;
    d->nmw++;
    return TG_OK;
}
TGBOT_API void tg_set_events(tg_dispatcher *d, const tg_events *events) {
    if (events) d->ev = *events; else memset(&d->ev, 0, sizeof d->ev);
}
TGBOT_API tg_err tg_add_plugin(tg_dispatcher *d, const tg_plugin *p) {
    tg_err e;
    if (!p) return TG_ERR_ARG;
    if (d->nplugins >= TG__MAX_PLUGINS) return TG_ERR_LIMIT;
    if (p->init && (e = p->init(d, p->ud)) != TG_OK) return e;
    d->plugins[d->nplugins++] = p;
    return TG_OK;
}
TGBOT_API tg_err tg_set_bot_username(tg_dispatcher *d, const char *username) {
    if (!username || strlen(username) >= sizeof d->username) return TG_ERR_ARG;
    snprintf(d->username, sizeof d->username, "%s", username[0] == '@' ? username + 1 : username);
    d->have_username = true;
    return TG_OK;
}
TGBOT_API void tg_stop(tg_dispatcher *d) { d->stop = true; }

/* for the webhook server: the same stop flags and signal handling as long polling */
TGBOT__INTERN tg_bot *tg__dispatcher_bot(const tg_dispatcher *d) { return d->bot; }
TGBOT__INTERN bool tg__stop_requested(const tg_dispatcher *d) { return d->stop || tg__signalled; }
TGBOT__INTERN void tg__stop_clear(tg_dispatcher *d) { d->stop = false; tg__signalled = 0; }
TGBOT__INTERN void tg__fire_shutdown(tg_dispatcher *d) {
    if (d->ev.on_shutdown) {
        tg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = TG_EVENT_SHUTDOWN;
        d->ev.on_shutdown(&ev, d->ev.ud);
    }
}
TGBOT__INTERN void tg__catch_signals(bool on) {
    static struct sigaction old_int, old_term;
    if (on) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = tg__on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);      /* no SA_RESTART: a waiting poll() wakes up */
        sigaction(SIGTERM, &sa, &old_term);
    } else {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
}
TGBOT_API int64_t tg_polling_offset(const tg_dispatcher *d) { return d->offset; }

static bool tg__ieq_n(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y || !y) return false;
    }
    return b[n] == '\0';
}

/* "/cmd@name args": fills ctx->command/args when the command is addressed to this bot */
static bool tg__parse_command(tg_dispatcher *d, tg_ctx *ctx, const char *text) {
    const char *p = text + 1, *end, *at;
    size_t n;
    char *cmd;
    if (!text || text[0] != '/') return false;
    end = p;
    while (*end && *end != ' ' && *end != '\n' && *end != '\t') end++;
    at = (const char *)memchr(p, '@', (size_t)(end - p));
    n = (size_t)((at ? at : end) - p);
    if (n == 0 || n > 64) return false;
    if (at) {                    /* addressed to a bot by name: only ours */
        if (!d->have_username) {
            tg_user *me = NULL;
            if (tg_get_me(d->bot, &me) == TG_OK && me && me->username) tg_set_bot_username(d, me->username);
        }
        if (!d->have_username || !tg__ieq_n(at + 1, d->username, (size_t)(end - at - 1))) return false;
    }
    cmd = tg_arena_strndup(tg_bot_arena(d->bot), p, n);
    if (!cmd) return false;
    while (*end == ' ' || *end == '\n' || *end == '\t') end++;
    ctx->command = cmd;
    ctx->args = end;
    return true;
}

/* the handler context of a known kind, from the generated table (derived from the Update type):
   the payload's sender, chat and business connection, and its message when it has one */
static void tg__ctx_fill(tg_ctx *ctx, const tg_update *u, const tg__update_kind *uk) {
    const char *p = *(const char *const *)(const void *)((const char *)u + uk->member);
    const tg_message *m = NULL;
    if (!p) return;
    if (uk->type == TG_TYPE_MESSAGE) m = (const tg_message *)(const void *)p;
    if (uk->from != 0xFFFFu) ctx->from = *(const tg_user *const *)(const void *)(p + uk->from);
    switch (uk->chat_how) {
    case TG__CHAT_OBJ: {
        const tg_chat *c = *(const tg_chat *const *)(const void *)(p + uk->chat);
        if (c) ctx->chat_id = c->id;
        break;
    }
    case TG__CHAT_ID: ctx->chat_id = *(const int64_t *)(const void *)(p + uk->chat); break;
    case TG__CHAT_MESSAGE: m = *(const tg_message *const *)(const void *)(p + uk->chat); break;
    case TG__CHAT_MAYBE_MESSAGE: {
        const tg_maybe_inaccessible_message *mm = *(const tg_maybe_inaccessible_message *const *)(const void *)(p + uk->chat);
        if (mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_MESSAGE) m = mm->u.message;
        else if (mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_INACCESSIBLE_MESSAGE && mm->u.inaccessible_message->chat)
            ctx->chat_id = mm->u.inaccessible_message->chat->id;
        break;
    }
    default: break;
    }
    if (m) {
        ctx->message = m;
        if (!ctx->from) ctx->from = m->from;
        if (m->chat) ctx->chat_id = m->chat->id;
        if (m->business_connection_id) ctx->business_connection_id = m->business_connection_id;
    }
    if (uk->business != 0xFFFFu && !ctx->business_connection_id)
        ctx->business_connection_id = *(const char *const *)(const void *)(p + uk->business);
    if (!ctx->chat_id && ctx->from) ctx->chat_id = ctx->from->id;   /* a user's private chat has the user's id */
}

TGBOT_API tg_err tg_dispatch(tg_dispatcher *d, const tg_json_value *v) { return tg__dispatch_in(d, v, NULL); }

TGBOT__INTERN tg_err tg__dispatch_in(tg_dispatcher *d, const tg_json_value *v, void *webhook_reply) {
    tg_ctx ctx;
    tg_update *u;
    const tg__update_kind *uk = NULL;
    const tg_json_doc *doc = v->doc;
    uint32_t k, i;
    size_t r, m, ran_mw = 0;
    bool handled = false, stopped = false;
    tg_err e;
#if TGBOT__HAS_ANALYTICS   /* [analytics] handler time: decode, middleware and handlers */
    uint64_t an_t0 = tg__now_ms(tg__bot_platform(d->bot));
#endif
    memset(&ctx, 0, sizeof ctx);
    ctx.bot = d->bot;
    ctx.dispatcher = d;
    ctx.raw = *v;
    ctx.user_data = d->user_data;
    ctx.webhook_reply = webhook_reply;
    ctx.kind = "unknown";
    if (tg_json_type_of(doc, v->tok) != TG_JSON_OBJECT) return TG_ERR_TYPE;
    /* the kind: the first member that is a known Update field (a newer field placed first must not
       hide the payload); with none known, the first member other than update_id */
    for (i = 0, k = v->tok + 1; i < doc->toks[v->tok].count && !uk; i++, k = doc->toks[k + 1].next) {
        const char *key = doc->buf + doc->toks[k].start;
        if (strcmp(key, "update_id") == 0) continue;
        if ((uk = tg__update_kind_find(key, strlen(key))) != NULL) ctx.kind = key;
        else if (strcmp(ctx.kind, "unknown") == 0) ctx.kind = key;
    }
    u = (tg_update *)tg_arena_alloc(tg_bot_arena(d->bot), sizeof *u);
    if (!u) return TG_ERR_NOMEM;
    if ((e = tg_decode(TG_TYPE_UPDATE, v, tg_bot_arena(d->bot), u)) != TG_OK) {
        tg__log(tg__bot_logger(d->bot), TG_LOG_WARN, "update of kind %s could not be decoded: %s", ctx.kind, tg_err_str(e));
        return e;
    }
    ctx.update = u;
    if (uk) tg__ctx_fill(&ctx, u, uk);
    if (d->ev.on_update) {
        tg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = TG_EVENT_UPDATE; ev.ctx = &ctx;
        d->ev.on_update(&ev, d->ev.ud);
    }
    for (m = 0; m < d->nmw && !stopped; m++, ran_mw++)      /* middleware before, in order */
        if (d->mw[m].fn(&ctx, false, d->mw[m].ud)) stopped = true;
    if (!stopped) {
        bool is_cmd = ctx.message && ctx.message->text && tg__parse_command(d, &ctx, ctx.message->text) &&
                      strcmp(ctx.kind, "callback_query") != 0;
        for (r = 0; r < d->nroutes && !handled; r++) {
            const tg__route *rt = &d->routes[r];
            bool match = false;
            switch (rt->type) {
            case TG__R_KIND: match = !rt->match || strcmp(rt->match, ctx.kind) == 0; break;
            case TG__R_COMMAND: match = is_cmd && strcmp(rt->match, ctx.command) == 0; break;
            case TG__R_CALLBACK:
                match = u->callback_query && u->callback_query->data &&
                        strncmp(u->callback_query->data, rt->match, strlen(rt->match)) == 0;
                break;
            case TG__R_FALLBACK: break;
            }
            if (match && rt->fn(&ctx, rt->ud) == TG_HANDLED) handled = true;
        }
        for (r = 0; r < d->nroutes && !handled; r++)          /* fallbacks last */
            if (d->routes[r].type == TG__R_FALLBACK && d->routes[r].fn(&ctx, d->routes[r].ud) == TG_HANDLED) handled = true;
    }
    for (m = ran_mw; m > 0; m--) d->mw[m - 1].fn(&ctx, true, d->mw[m - 1].ud);   /* after, in reverse */
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    tg_analytics_record_update(tg_bot_analytics(d->bot), ctx.kind, handled, tg__now_ms(tg__bot_platform(d->bot)) - an_t0);
#endif
    return TG_OK;
}

TGBOT_API tg_err tg_reply(tg_ctx *ctx, const char *text) {
    tg_send_message_args a;
    memset(&a, 0, sizeof a);
    if (!ctx->chat_id) return TG_ERR_ARG;
    a.chat_id.id = ctx->chat_id;
    a.text = text;
    a.business_connection_id = ctx->business_connection_id;
    if (ctx->message && ctx->message->is_topic_message && ctx->message->message_thread_id) a.message_thread_id = ctx->message->message_thread_id;
    return tg_send_message(ctx->bot, &a, NULL);
}

TGBOT_API tg_err tg_answer(tg_ctx *ctx, const char *text) {
    tg_answer_callback_query_args a;
    if (!ctx->update || !ctx->update->callback_query) return TG_ERR_ARG;
    memset(&a, 0, sizeof a);
    a.callback_query_id = ctx->update->callback_query->id;
    a.text = text;
    return tg_answer_callback_query(ctx->bot, &a, NULL);
}

/* one getUpdates call; the result stays in the arena until the batch is done */
static tg_err tg__get_updates(tg_dispatcher *d, int64_t offset, uint32_t limit, uint32_t timeout_s,
                              const tg_polling_opts *o, tg_json_value *res) {
    tg__req *r = tg__req_begin(d->bot, "getUpdates", TG__CALL_READ);
    size_t i;
    if (offset) { tg_json_key(r->w, "offset"); tg_json_write_i64(r->w, offset); }
    tg_json_key(r->w, "limit"); tg_json_write_i64(r->w, limit);
    tg_json_key(r->w, "timeout"); tg_json_write_i64(r->w, timeout_s);
    if (o && o->allowed_updates) {
        tg_json_key(r->w, "allowed_updates");
        tg_json_arr_begin(r->w);
        for (i = 0; i < o->allowed_updates_count; i++) tg_json_write_str(r->w, o->allowed_updates[i]);
        tg_json_arr_end(r->w);
    }
    r->timeout_ms = timeout_s * 1000u + 15000u;   /* the client waits longer than the server holds the poll */
    return tg__req_send(r, res);
}

TGBOT_API tg_err tg_run_polling(tg_dispatcher *d, const tg_polling_opts *o) {
    uint32_t timeout_s = o && o->timeout_s ? o->timeout_s : 30, limit = o && o->limit ? o->limit : 100;
    uint32_t failures = 0;
    struct sigaction sa, old_int, old_term;
    tg_err result = TG_OK;
    d->stop = false;
    tg__signalled = 0;
    tg__interrupt(0);
    if (o && o->offset) d->offset = o->offset;
    if (o && o->handle_signals) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = tg__on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);      /* no SA_RESTART: a waiting poll() wakes up */
        sigaction(SIGTERM, &sa, &old_term);
    }
    while (!d->stop && !tg__signalled) {
        tg_json_value res;
        size_t mark;
        uint32_t n, i, t;
        tg_err e;
        tg_bot_reset(d->bot);
        tg__in_long_poll = 1;
        if (tg__signalled) break;
        e = tg__get_updates(d, d->offset, limit, timeout_s, o, &res);
        tg__in_long_poll = 0;
        if (d->stop || tg__signalled) break;
        if (e) {
            const tg_error *le = tg_bot_last_error(d->bot);
            if (tg_error_is_unauthorized(le) || tg_error_is_conflict(le)) {
                tg__log(tg__bot_logger(d->bot), TG_LOG_ERROR, "polling stopped: %s", tg_error_is_conflict(le) ?
                        "409 Conflict: a webhook is set or another instance is polling" : "401 Unauthorized: the token was rejected");
                result = e;
                break;
            }
            failures++;
            tg__sleep_ms(tg__bot_platform(d->bot), le->retry_after > 0 ? (uint32_t)le->retry_after * 1000u
                         : TGBOT__MIN(1000u << TGBOT__MIN(failures, 5u), 30000u));
            continue;
        }
        failures = 0;
        if (tg_json_type_of(res.doc, res.tok) != TG_JSON_ARRAY) continue;
        n = res.doc->toks[res.tok].count;
        mark = tg_arena_mark(tg_bot_arena(d->bot));
        for (i = 0, t = res.tok + 1; i < n && !d->stop && !tg__signalled; i++, t = res.doc->toks[t].next) {
            tg_json_value uv;
            int64_t id = 0;
            uv.doc = res.doc; uv.tok = t;
            if (!tg_json_i64(res.doc, tg_json_get(res.doc, t, "update_id"), &id)) continue;
            tg_dispatch(d, &uv);
            d->offset = id + 1;                    /* confirmed by the next getUpdates */
            tg_arena_rewind(tg_bot_arena(d->bot), mark);
        }
    }
    tg__in_long_poll = 0;
    /* confirm every handled update before returning: the next start begins after them */
    if (d->offset) {
        tg_json_value res;
        tg__interrupt(0);
        tg_bot_reset(d->bot);
        (void)tg__get_updates(d, d->offset, 1, 0, NULL, &res);
    }
    if (o && o->handle_signals) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    tg__fire_shutdown(d);
    tg_bot_reset(d->bot);
    return result;
}

/* ==== src/webapp.c ==== */
/* webapp: SHA-256 (FIPS 180-4), HMAC (RFC 2104), and the signed query strings Telegram gives Web
   Apps and the Login Widget. No allocation: the query is decoded in a stack copy. */

static const uint32_t tg__sha256_k[64] = {   /* first 32 bits of the cube roots of the first 64 primes */
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2 };

static uint32_t tg__ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }

static void tg__sha256_block(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64], v[8];
    unsigned i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = tg__ror(w[i - 15], 7) ^ tg__ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = tg__ror(w[i - 2], 17) ^ tg__ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (i = 0; i < 64; i++) {   /* v = a b c d e f g h */
        uint32_t t1 = v[7] + (tg__ror(v[4], 6) ^ tg__ror(v[4], 11) ^ tg__ror(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + tg__sha256_k[i] + w[i];
        uint32_t t2 = (tg__ror(v[0], 2) ^ tg__ror(v[0], 13) ^ tg__ror(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++) h[i] += v[i];
}

TGBOT_API void tg_sha256_init(tg_sha256 *s) {
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, iv, sizeof iv);
    s->bytes = 0;
    s->fill = 0;
}

TGBOT_API void tg_sha256_update(tg_sha256 *s, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    s->bytes += n;
    while (n) {
        size_t k = TGBOT__MIN(n, 64 - s->fill);
        memcpy(s->block + s->fill, p, k);
        s->fill += k; p += k; n -= k;
        if (s->fill == 64) { tg__sha256_block(s->h, s->block); s->fill = 0; }
    }
}

TGBOT_API void tg_sha256_final(tg_sha256 *s, unsigned char out[32]) {
    uint64_t bits = s->bytes * 8;
    unsigned char pad = 0x80, len[8];
    unsigned i;
    for (i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
    tg_sha256_update(s, &pad, 1);
    pad = 0;
    while (s->fill != 56) tg_sha256_update(s, &pad, 1);
    tg_sha256_update(s, len, 8);
    for (i = 0; i < 32; i++) out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
    tg__wipe(s, sizeof *s);
}

/* HMAC in two halves so a message can be streamed into `inner` */
static void tg__hmac_begin(tg_sha256 *inner, unsigned char okey[64], const void *key, size_t key_len) {
    unsigned char k[64];
    unsigned i;
    memset(k, 0, sizeof k);
    if (key_len > 64) {
        tg_sha256 t;
        tg_sha256_init(&t);
        tg_sha256_update(&t, key, key_len);
        tg_sha256_final(&t, k);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    for (i = 0; i < 64; i++) { okey[i] = (unsigned char)(k[i] ^ 0x5c); k[i] ^= 0x36; }
    tg_sha256_init(inner);
    tg_sha256_update(inner, k, 64);
    tg__wipe(k, sizeof k);
}

static void tg__hmac_end(tg_sha256 *inner, const unsigned char okey[64], unsigned char out[32]) {
    unsigned char ih[32];
    tg_sha256 outer;
    tg_sha256_final(inner, ih);
    tg_sha256_init(&outer);
    tg_sha256_update(&outer, okey, 64);
    tg_sha256_update(&outer, ih, 32);
    tg_sha256_final(&outer, out);
}

TGBOT_API void tg_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]) {
    tg_sha256 in;
    unsigned char okey[64];
    tg__hmac_begin(&in, okey, key, key_len);
    tg_sha256_update(&in, msg, msg_len);
    tg__hmac_end(&in, okey, out);
    tg__wipe(okey, sizeof okey);
}

/* ---- signed query strings ---- */
typedef struct tg__qfield { const char *k, *v; size_t kn, vn; } tg__qfield;

static int tg__hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* URL-decodes [p, p+n) into w ('+' is a space); returns the decoded length or -1 */
static long tg__urldecode(const char *p, size_t n, char *w) {
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (p[i] == '%') {
            int hi, lo;
            if (i + 2 >= n) return -1;          /* two hex digits must follow */
            hi = tg__hexval(p[i + 1]); lo = tg__hexval(p[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            w[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            w[o++] = p[i] == '+' ? ' ' : p[i];
        }
    }
    return (long)o;
}

static int tg__qfield_cmp(const tg__qfield *a, const tg__qfield *b) {
    int c = memcmp(a->k, b->k, TGBOT__MIN(a->kn, b->kn));
    return c ? c : (a->kn > b->kn) - (a->kn < b->kn);
}

static tg_err tg__signed_query(const unsigned char *secret, size_t secret_len, const char *q, int64_t now,
                               uint32_t max_age_s, int64_t *auth_date) {
    char buf[TGBOT_WEBAPP_MAX];
    tg__qfield f[64];
    size_t n, nf = 0, i, j, pos = 0, hash_at = (size_t)-1;
    unsigned char mac[32], okey[64];
    char hex[64];
    static const char digits[] = "0123456789abcdef";
    tg_sha256 in;
    int64_t ad = -1;
    int first = 1;
    if (auth_date) *auth_date = 0;
    if (!q || !secret) return TG_ERR_ARG;
    n = strlen(q);
    if (n > sizeof buf) return TG_ERR_LIMIT;
    while (pos < n) {   /* split on '&', decode key and value into buf (never longer than the input) */
        const char *s = q + pos, *amp = (const char *)memchr(s, '&', n - pos), *eq;
        size_t len = amp ? (size_t)(amp - s) : n - pos;
        long kl, vl;
        eq = (const char *)memchr(s, '=', len);
        if (!eq || eq == s || nf == sizeof f / sizeof f[0]) return TG_ERR_ARG;
        kl = tg__urldecode(s, (size_t)(eq - s), buf + pos);
        vl = kl < 0 ? -1 : tg__urldecode(eq + 1, len - (size_t)(eq - s) - 1, buf + pos + (size_t)kl);
        if (kl <= 0 || vl < 0) return TG_ERR_ARG;
        f[nf].k = buf + pos; f[nf].kn = (size_t)kl;
        f[nf].v = buf + pos + (size_t)kl; f[nf].vn = (size_t)vl;
        nf++;
        pos += len + 1;
    }
    for (i = 1; i < nf; i++) {   /* sort by key (insertion sort: at most 64 fields) */
        tg__qfield t = f[i];
        for (j = i; j > 0 && tg__qfield_cmp(&f[j - 1], &t) > 0; j--) f[j] = f[j - 1];
        f[j] = t;
    }
    for (i = 0; i < nf; i++) {
        if (i && tg__qfield_cmp(&f[i - 1], &f[i]) == 0) return TG_ERR_ARG;   /* a repeated key is ambiguous */
        if (f[i].kn == 4 && memcmp(f[i].k, "hash", 4) == 0) hash_at = i;
        if (f[i].kn == 9 && memcmp(f[i].k, "auth_date", 9) == 0) {
            ad = 0;
            for (j = 0; j < f[i].vn; j++) {
                if (f[i].v[j] < '0' || f[i].v[j] > '9' || ad > (INT64_MAX - 9) / 10) { ad = -1; break; }
                ad = ad * 10 + (f[i].v[j] - '0');
            }
            if (!f[i].vn) ad = -1;
        }
    }
    if (hash_at == (size_t)-1 || f[hash_at].vn != 64) return TG_ERR_ARG;
    tg__hmac_begin(&in, okey, secret, secret_len);
    for (i = 0; i < nf; i++) {   /* data-check-string: key=value lines, sorted, without hash */
        if (i == hash_at) continue;
        if (!first) tg_sha256_update(&in, "\n", 1);
        first = 0;
        tg_sha256_update(&in, f[i].k, f[i].kn);
        tg_sha256_update(&in, "=", 1);
        tg_sha256_update(&in, f[i].v, f[i].vn);
    }
    tg__hmac_end(&in, okey, mac);
    tg__wipe(okey, sizeof okey);
    for (i = 0; i < 32; i++) { hex[2 * i] = digits[mac[i] >> 4]; hex[2 * i + 1] = digits[mac[i] & 15]; }
    for (i = 0; i < 64; i++) buf[i] = (char)(f[hash_at].v[i] | (f[hash_at].v[i] >= 'A' && f[hash_at].v[i] <= 'F' ? 0x20 : 0));
    if (!tg__ct_equal(hex, buf, 64)) return TG_ERR_SIGNATURE;
    if (auth_date && ad >= 0) *auth_date = ad;
    if (max_age_s && (ad < 0 || now - ad > (int64_t)max_age_s || ad - now > 60)) return TG_ERR_EXPIRED;
    return TG_OK;
}

TGBOT_API tg_err tg_webapp_validate(const char *bot_token, const char *init_data, int64_t now,
                                    uint32_t max_age_s, int64_t *auth_date) {
    unsigned char secret[32];
    tg_err e;
    if (!bot_token || !*bot_token) return TG_ERR_ARG;
    tg_hmac_sha256("WebAppData", 10, bot_token, strlen(bot_token), secret);
    e = tg__signed_query(secret, sizeof secret, init_data, now, max_age_s, auth_date);
    tg__wipe(secret, sizeof secret);
    return e;
}

TGBOT_API tg_err tg_login_widget_validate(const char *bot_token, const char *query, int64_t now,
                                          uint32_t max_age_s, int64_t *auth_date) {
    unsigned char secret[32];
    tg_sha256 s;
    tg_err e;
    if (!bot_token || !*bot_token) return TG_ERR_ARG;
    tg_sha256_init(&s);
    tg_sha256_update(&s, bot_token, strlen(bot_token));
    tg_sha256_final(&s, secret);
    e = tg__signed_query(secret, sizeof secret, query, now, max_age_s, auth_date);
    tg__wipe(secret, sizeof secret);
    return e;
}

TGBOT_API long tg_query_field(const char *query, const char *key, char *out, size_t cap) {
    size_t n, pos = 0, klen;
    if (!query || !key || !out || !cap) return -1;
    n = strlen(query);
    klen = strlen(key);
    while (pos < n) {
        const char *s = query + pos, *amp = (const char *)memchr(s, '&', n - pos), *eq;
        size_t len = amp ? (size_t)(amp - s) : n - pos;
        char kbuf[128];
        long kl;
        eq = (const char *)memchr(s, '=', len);
        if (eq && (size_t)(eq - s) <= sizeof kbuf) {
            kl = tg__urldecode(s, (size_t)(eq - s), kbuf);
            if (kl >= 0 && (size_t)kl == klen && memcmp(kbuf, key, klen) == 0) {
                size_t vlen = len - (size_t)(eq - s) - 1;
                long vl;
                if (vlen >= cap) {   /* decoding only shrinks: check the decoded length first */
                    char tmp[TGBOT_WEBAPP_MAX];
                    if (vlen > sizeof tmp) return -1;
                    vl = tg__urldecode(eq + 1, vlen, tmp);
                    if (vl < 0 || (size_t)vl >= cap) return -1;
                    memcpy(out, tmp, (size_t)vl);
                } else {
                    vl = tg__urldecode(eq + 1, vlen, out);
                    if (vl < 0) return -1;
                }
                out[vl] = '\0';
                return vl;
            }
        }
        pos += len + 1;
    }
    return -1;
}

/* ==== src/netfilter.c ==== */
#if TGBOT__HAS_WEBHOOK
/* netfilter: address parsing, CIDR lists, the allow/deny decision, X-Forwarded-For, and the
   per-source table (connections, token bucket, strikes and blocks) the webhook server consults.
   Everything here is a pure function of its arguments and the time it is given: the server passes
   its platform clock, the tests pass numbers. */

static int tg__nf_v4(const char *s, size_t n, uint8_t out[4]) {
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part) { if (i >= n || s[i] != '.') return 0; i++; }
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (digits && v == 0) return 0;               /* leading zero */
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255) return 0;
            digits++; i++;
        }
        if (!digits) return 0;
        out[part] = (uint8_t)v;
    }
    return i == n;
}

static int tg__nf_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int tg__nf_v6(const char *s, size_t n, uint8_t out[16]) {
    uint16_t g[8];
    size_t i = 0;
    int ng = 0, gap = -1, k;
    if (n < 2) return 0;
    if (s[0] == ':') { if (s[1] != ':') return 0; gap = 0; i = 2; }
    while (i < n) {
        unsigned v = 0;
        int d = 0, h;
        size_t start = i;
        if (ng >= 8) return 0;
        while (i < n && d < 5 && (h = tg__nf_hex(s[i])) >= 0) { v = v * 16 + (unsigned)h; d++; i++; }
        if (i < n && s[i] == '.') {                       /* a trailing dotted IPv4: the last 32 bits */
            uint8_t q[4];
            if (ng > 6 || !tg__nf_v4(s + start, n - start, q)) return 0;
            g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
            g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
            i = n;
            break;
        }
        if (d == 0 || d > 4) return 0;
        g[ng++] = (uint16_t)v;
        if (i == n) break;
        if (s[i] != ':') return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0) return 0;                       /* a second "::" */
            gap = ng; i++;
            if (i == n) break;
        } else if (i == n) return 0;                      /* a trailing single ':' */
    }
    if (gap < 0 ? ng != 8 : ng > 7) return 0;
    memset(out, 0, 16);
    for (k = 0; k < ng; k++) {
        int at = gap >= 0 && k >= gap ? 8 - (ng - k) : k;
        out[2 * at] = (uint8_t)(g[k] >> 8);
        out[2 * at + 1] = (uint8_t)g[k];
    }
    return 1;
}

TGBOT_API bool tg_ip_parse(const char *s, size_t n, tg_ip *out) {
    uint8_t q[4];
    if (!s || !out) return false;
    if (tg__nf_v4(s, n, q)) {
        memset(out->b, 0, 10);
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, q, 4);
        return true;
    }
    return memchr(s, ':', n) != NULL && tg__nf_v6(s, n, out->b);
}

TGBOT_API bool tg_ip_is_v4(const tg_ip *ip) {
    static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(ip->b, pre, 12) == 0;
}

TGBOT_API bool tg_cidr_parse(const char *s, tg_cidr *out) {
    const char *slash;
    size_t n;
    unsigned bits, max;
    int k;
    tg_ip ip;
    if (!s || !out) return false;
    slash = strchr(s, '/');
    n = slash ? (size_t)(slash - s) : strlen(s);
    if (!tg_ip_parse(s, n, &ip)) return false;
    /* "::ffff:0:0/96" is an IPv6 rule over the mapped range; "1.2.3.4/24" counts bits of IPv4 */
    max = tg_ip_is_v4(&ip) && !memchr(s, ':', n) ? 32u : 128u;
    bits = max;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || (p[0] == '0' && p[1])) return false;
        for (bits = 0; *p; p++) {
            if (*p < '0' || *p > '9') return false;
            bits = bits * 10 + (unsigned)(*p - '0');
            if (bits > max) return false;
        }
    }
    if (max == 32) bits += 96;
    for (k = 0; k < 16; k++) {                            /* no host bits */
        unsigned keep = bits >= (unsigned)(k + 1) * 8 ? 8u : bits > (unsigned)k * 8 ? bits - (unsigned)k * 8 : 0u;
        uint8_t mask = (uint8_t)(0xffu << (8 - keep));
        if (keep == 0) mask = 0;
        if (ip.b[k] & (uint8_t)~mask) return false;
    }
    out->net = ip;
    out->bits = (uint8_t)bits;
    return true;
}

TGBOT_API bool tg_cidr_contains(const tg_cidr *c, const tg_ip *ip) {
    unsigned full = c->bits / 8u, rest = c->bits % 8u;
    if (memcmp(c->net.b, ip->b, full) != 0) return false;
    if (!rest) return true;
    return ((c->net.b[full] ^ ip->b[full]) & (uint8_t)(0xffu << (8 - rest))) == 0;
}

TGBOT_API void tg_ip_format(const tg_ip *ip, char *out) {
    static const char hx[] = "0123456789abcdef";
    int k, best = -1, bestlen = 1, run = 0;
    size_t n = 0;
    if (tg_ip_is_v4(ip)) {
        snprintf(out, TG_IP_TEXT_MAX, "%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14], ip->b[15]);
        return;
    }
    for (k = 0; k < 8; k++) {                             /* the longest run of zero groups (>= 2) */
        if (ip->b[2 * k] == 0 && ip->b[2 * k + 1] == 0) {
            run++;
            if (run > bestlen) { bestlen = run; best = k - run + 1; }
        } else run = 0;
    }
    for (k = 0; k < 8; k++) {
        unsigned v = (unsigned)ip->b[2 * k] << 8 | ip->b[2 * k + 1];
        int sh, started = 0;
        if (k == best) { out[n++] = ':'; out[n++] = ':'; k += bestlen - 1; continue; }
        if (k && !(best >= 0 && k == best + bestlen)) out[n++] = ':';
        for (sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (v >> sh) & 15u;
            if (d || started || sh == 0) { out[n++] = hx[d]; started = 1; }
        }
    }
    out[n] = '\0';
}

/* ---- lists and the decision ---- */
typedef struct tg__nf_list { tg_cidr *v; size_t n; } tg__nf_list;

static bool tg__nf_match(const tg__nf_list *l, const tg_ip *ip) {
    size_t i;
    for (i = 0; i < l->n; i++) if (tg_cidr_contains(&l->v[i], ip)) return true;
    return false;
}

/* deny wins; then an empty allow list lets everything else through, a non-empty one only its ranges */
static bool tg__nf_allowed(const tg__nf_list *allow, const tg__nf_list *deny, const tg_ip *ip) {
    if (tg__nf_match(deny, ip)) return false;
    return allow->n == 0 || tg__nf_match(allow, ip);
}

/* One X-Forwarded-For value, walked from the right (the entry the nearest proxy appended) to the
   left. Entries are addresses, optionally "[v6]", "[v6]:port" or "v4:port", separated by commas
   and optional spaces. Returns 1 with *client = the right-most entry that is not a trusted proxy
   (what is left of it was written by the client and is never read), 0 when every entry is a trusted
   proxy (*client = the left-most), -1 when an entry that had to be read does not parse. */
static int tg__nf_xff(const tg__nf_list *proxies, const char *v, size_t n, tg_ip *client) {
    size_t end = n;
    for (;;) {
        size_t start = end, a, b;
        while (start > 0 && v[start - 1] != ',') start--;
        a = start; b = end;
        while (a < b && (v[a] == ' ' || v[a] == '\t')) a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) b--;
        if (a < b && v[a] == '[') {                       /* [v6] or [v6]:port */
            const char *rb = (const char *)memchr(v + a, ']', b - a);
            size_t p;
            if (!rb) return -1;
            p = (size_t)(rb - v) + 1;
            if (p < b) {
                size_t q;
                if (v[p] != ':' || p + 1 == b || b - p > 6) return -1;
                for (q = p + 1; q < b; q++) if (v[q] < '0' || v[q] > '9') return -1;
            }
            a++; b = (size_t)(rb - v);
        } else if (a < b) {                               /* v4:port (one colon, after a dot) */
            const char *c1 = (const char *)memchr(v + a, ':', b - a);
            if (c1 && memchr(c1 + 1, ':', (size_t)(v + b - c1 - 1)) == NULL && memchr(v + a, '.', (size_t)(c1 - v - (ptrdiff_t)a))) {
                size_t q, p = (size_t)(c1 - v);
                if (p + 1 == b || b - p > 6) return -1;
                for (q = p + 1; q < b; q++) if (v[q] < '0' || v[q] > '9') return -1;
                b = p;
            }
        }
        if (a >= b || !tg_ip_parse(v + a, b - a, client)) return -1;
        if (!tg__nf_match(proxies, client)) return 1;
        if (start == 0) return 0;
        end = start - 1;
    }
}

/* ---- per-source table ----
   A fixed array of slots, allocated once at tg_webhook_new (max_sources slots of
   sizeof(tg__nf_src) = 64 bytes: 64 KiB for the default 1024). A source hashes (with a random key,
   so a client cannot aim at one bucket) to a window of TG__NF_PROBE slots; it takes a free one or
   evicts the slot seen longest ago among those with no open connection and no running block. A
   window with nothing to evict refuses the new source (counted in sources_full). IPv6 sources are
   keyed by their /64 (one subscriber usually holds a whole /64); IPv4 by the whole address. */
#define TG__NF_PROBE 8u

typedef struct tg__nf_src {
    tg_ip key;
    uint64_t seen;                      /* last use (ms): the eviction order */
    uint64_t refill_at;                 /* token bucket: when tokens was last brought up to date */
    uint64_t blocked_until;
    uint64_t strike_at;                 /* the last strike: strikes older than block_ms are forgotten */
    uint32_t tokens;                    /* milli-requests */
    uint32_t conns;                     /* open connections from this source */
    uint32_t strikes;
    uint32_t used;
} tg__nf_src;

typedef struct tg__nf_table {
    tg__nf_src *s;
    uint32_t mask;                      /* slots - 1 (a power of two) */
    uint64_t key;                       /* hash key */
} tg__nf_table;

static tg_ip tg__nf_source_key(const tg_ip *ip) {
    tg_ip k = *ip;
    if (!tg_ip_is_v4(ip)) memset(k.b + 8, 0, 8);
    return k;
}

static uint32_t tg__nf_hash(const tg__nf_table *t, const tg_ip *k) {
    uint64_t h = t->key ^ 0xcbf29ce484222325u;
    int i;
    for (i = 0; i < 16; i++) { h ^= k->b[i]; h *= 0x100000001b3u; }
    h ^= h >> 29; h *= 0xbf58476d1ce4e5b9u; h ^= h >> 32;
    return (uint32_t)h;
}

/* the slot of ip (created when absent and create is set): its index, or -1 */
static long tg__nf_lookup(tg__nf_table *t, const tg_ip *ip, uint64_t now, bool create) {
    tg_ip k = tg__nf_source_key(ip);
    uint32_t h = tg__nf_hash(t, &k), i;
    long empty = -1, victim = -1;
    for (i = 0; i < TG__NF_PROBE; i++) {
        uint32_t j = (h + i) & t->mask;
        tg__nf_src *s = &t->s[j];
        if (!s->used) { if (empty < 0) empty = (long)j; continue; }
        if (memcmp(s->key.b, k.b, 16) == 0) { s->seen = now; return (long)j; }
        if (s->conns == 0 && s->blocked_until <= now && (victim < 0 || s->seen < t->s[victim].seen)) victim = (long)j;
    }
    if (!create) return -1;
    if (empty < 0) empty = victim;
    if (empty < 0) return -1;
    memset(&t->s[empty], 0, sizeof t->s[empty]);
    t->s[empty].key = k;
    t->s[empty].used = 1;
    t->s[empty].seen = now;
    t->s[empty].tokens = UINT32_MAX;    /* full: set to the burst on the first take */
    t->s[empty].refill_at = now;
    return empty;
}

/* token bucket: rate requests per second, up to burst at once. true = a token was taken; false =
   over the limit, *retry_s = whole seconds until one is there (at least 1). */
static bool tg__nf_take(tg__nf_src *s, uint32_t rate, uint32_t burst, uint64_t now, uint32_t *retry_s) {
    uint64_t cap = (uint64_t)burst * 1000u, tok = s->tokens == UINT32_MAX ? cap : s->tokens;
    if (now > s->refill_at) {           /* rate requests/s = rate milli-requests per ms */
        uint64_t dt = now - s->refill_at;
        tok = dt >= cap ? cap : TGBOT__MIN(cap, tok + dt * rate);
    }
    s->refill_at = now;
    if (tok >= 1000u) { s->tokens = (uint32_t)(tok - 1000u); return true; }
    s->tokens = (uint32_t)tok;
    *retry_s = (uint32_t)(((1000u - tok + rate - 1) / rate + 999u) / 1000u);
    if (*retry_s == 0) *retry_s = 1;
    return false;
}

/* one refused request: true when it starts a block */
static bool tg__nf_strike(tg__nf_src *s, uint32_t threshold, uint32_t block_ms, uint64_t now) {
    if (!threshold) return false;
    if (s->strikes && now - s->strike_at > block_ms) s->strikes = 0;
    s->strike_at = now;
    if (++s->strikes < threshold) return false;
    s->strikes = 0;
    s->blocked_until = now + block_ms;
    return true;
}

static bool tg__nf_blocked(const tg__nf_src *s, uint64_t now) { return s->blocked_until > now; }
#endif /* TGBOT__HAS_WEBHOOK */

/* ==== src/webhook.c ==== */
#if TGBOT__HAS_WEBHOOK
/* webhook: the HTTP/1.1 server. One poll() round (tg_webhook_step) accepts, reads, parses heads
   with the client's parser (tg__http_parse_head), dispatches complete deliveries in arrival order
   and writes the answers; a connection is a small state record with an input and an output buffer
   that are kept for its whole life, so steady-state keep-alive traffic allocates nothing.

   Refusals that leave the request's body readable (401/403/404/405) skip that body and keep the
   connection; the others (400 malformed, 411, 413, 431) answer, shut down the write side and
   drain the input for a moment before closing, so that the client reads the answer instead of a
   TCP reset. */

#define TG__WH_READ 16384u              /* bytes asked of one recv() */
#define TG__WH_OUT_HIGH 65536u          /* answers the client has not read: stop serving until it does */
#define TG__WH_DRAIN_MS 2000u           /* lingering close: how long input is drained after the answer */

typedef struct tg__wh_reply { tg_json_writer w; bool set; } tg__wh_reply;   /* ctx->webhook_reply */

typedef struct tg__wconn {
    tg__sock fd;
    tg__tls *tls;
    tg__buf in, out;
    size_t in_off, out_pos;
    size_t skip;                        /* body bytes of a refused request still to discard */
    size_t scanned;                     /* head bytes already searched for the blank line */
    size_t head_len, body_len;          /* the accepted request whose body is awaited */
    uint64_t deadline;
    bool handshaking, want_write;       /* TLS: the engine waits for writability */
    bool head_done, expect, continue_sent, keep_alive, http10;
    bool idle;                          /* deadline is the idle timeout */
    bool closing;                       /* no more requests: flush, then drain and close */
    bool draining, peer_eof, dead;
    bool proxied;                       /* the peer is a trusted proxy: the client is in X-Forwarded-For */
    bool client_known;                  /* proxied: client holds the current request's client */
    long src;                           /* the peer's slot in the source table (its conns counts this one); -1 none */
    uint32_t retry_after;               /* 429: seconds */
    tg_ip peer_ip, client;
} tg__wconn;

struct tg_webhook {
    tg_dispatcher *d;
    tg_bot *bot;
    const tg_allocator *alloc;
    const tg_logger *log;
    const tg_platform *plat;
    tg__sock lfd;
    uint16_t port;
    char *path, *secret;
    size_t path_len, secret_len;
    tg_http_limits lim;
    size_t max_body, max_in;
    uint32_t read_to, idle_to, max_conns;
    bool handle_signals, stopping;
    tg__tls_ctx *tls_ctx;
    tg__wconn **conns; size_t nconns;
    tg__pollfd *pfds;                   /* max_conns + 1 */
    tg__http_head head;                 /* scratch: only scalars are kept past parsing */
    tg_json_tok *toks; uint32_t toks_cap;
    tg__wh_reply reply;
    tg_webhook_stats st;
    /* source filter (netfilter.c): nf_accept = work at accept, nf_request = work per request head;
       both false without lists or limits, and then neither path does anything more than before */
    tg__nf_list allow, deny, proxies;
    tg__nf_table src;                   /* src.s NULL: no per-source state */
    uint32_t per_src_conns, rps, burst, block_after, block_ms;
    bool nf_accept, nf_request;
};

static char *tg__wh_strdup(const tg_allocator *a, const char *s) {
    size_t n = strlen(s);
    char *p = (char *)tg__alloc(a, n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

TGBOT_API bool tg_webhook_secret_valid(const char *s) {
    size_t i;
    if (!s) return false;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
        if (i >= TG_WEBHOOK_SECRET_MAX) return false;
    }
    return i > 0;
}

static void tg__wh_list_free(tg_webhook *w, tg__nf_list *l) {
    if (l->v) tg__free(w->alloc, l->v, l->n * sizeof *l->v);
    l->v = NULL; l->n = 0;
}

/* parses a desc list (plus Telegram's ranges when telegram is set); TG_ERR_ARG names a bad entry */
static tg_err tg__wh_list(tg_webhook *w, tg__nf_list *l, const char *what, const char *const *v, size_t n, bool telegram,
                          tg_error *err) {
    static const char *const tg_ranges[] = { TG_TELEGRAM_WEBHOOK_RANGES };
    size_t extra = telegram ? sizeof tg_ranges / sizeof tg_ranges[0] : 0, i;
    if (n && !v) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook %s: %s_count is %lu but the list is NULL", what, what, (unsigned long)n);
        return TG_ERR_ARG;
    }
    if (!n && !extra) return TG_OK;
    l->v = (tg_cidr *)tg__alloc(w->alloc, (n + extra) * sizeof *l->v);
    if (!l->v) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory"); return TG_ERR_NOMEM; }
    l->n = n + extra;
    for (i = 0; i < n + extra; i++) {
        const char *c = i < n ? v[i] : tg_ranges[i - n];
        if (!c || !tg_cidr_parse(c, &l->v[i])) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook %s[%lu]: \"%.64s\" is not an address or CIDR range "
                          "(like 149.154.160.0/20 or 2001:db8::/32, no host bits set)", what, (unsigned long)i, c ? c : "(null)");
            return TG_ERR_ARG;
        }
    }
    return TG_OK;
}

TGBOT_API void tg_webhook_free(tg_webhook *w) {
    size_t i;
    if (!w) return;
    tg__wh_list_free(w, &w->allow); tg__wh_list_free(w, &w->deny); tg__wh_list_free(w, &w->proxies);
    if (w->src.s) tg__free(w->alloc, w->src.s, ((size_t)w->src.mask + 1) * sizeof *w->src.s);
    for (i = 0; i < w->nconns; i++) {
        tg__wconn *c = w->conns[i];
        if (c->tls) tg__tls_free(c->tls);
        tg__sock_close(c->fd);
        tg__buf_free(&c->in); tg__buf_free(&c->out);
        tg__free(w->alloc, c, sizeof *c);
    }
    tg__sock_close(w->lfd);
    if (w->tls_ctx) tg__tls_ctx_free(w->tls_ctx);
    if (w->conns) tg__free(w->alloc, w->conns, w->max_conns * sizeof *w->conns);
    if (w->pfds) tg__free(w->alloc, w->pfds, (w->max_conns + 1) * sizeof *w->pfds);
    if (w->toks) tg__free(w->alloc, w->toks, w->toks_cap * sizeof *w->toks);
    if (w->path) tg__free(w->alloc, w->path, w->path_len + 1);
    if (w->secret) { tg__wipe(w->secret, w->secret_len); tg__free(w->alloc, w->secret, w->secret_len + 1); }
    tg_json_writer_free(&w->reply.w);
    tg__free(w->alloc, w, sizeof *w);
}

TGBOT_API tg_err tg_webhook_new(tg_webhook **out, tg_dispatcher *d, const tg_webhook_desc *desc, tg_error *err) {
    tg_bot *bot;
    tg_webhook *w;
    tg_webhook_desc z;
    const tg_allocator *a;
    tg_err e;
    if (out) *out = NULL;
    if (!out || !d) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "tg_webhook_new: no dispatcher"); return TG_ERR_ARG; }
    if (!desc) { memset(&z, 0, sizeof z); desc = &z; }
    if (desc->secret_token && !tg_webhook_secret_valid(desc->secret_token)) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook secret_token must be 1-256 characters of A-Z a-z 0-9 _ -");
        return TG_ERR_ARG;
    }
    if (!desc->tls_cert_file != !desc->tls_key_file) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook TLS needs both tls_cert_file and tls_key_file");
        return TG_ERR_ARG;
    }
    if (desc->path && desc->path[0] != '/') {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook path must start with '/'");
        return TG_ERR_ARG;
    }
    bot = tg__dispatcher_bot(d);
    a = tg__bot_alloc(bot);
    w = (tg_webhook *)tg__alloc(a, sizeof *w);
    if (!w) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory"); return TG_ERR_NOMEM; }
    memset(w, 0, sizeof *w);
    w->d = d; w->bot = bot; w->alloc = a;
    w->log = tg__bot_logger(bot); w->plat = tg__bot_platform(bot);
    w->lfd = TG__SOCK_INVALID;
    w->lim.max_header_bytes = desc->max_header_bytes ? desc->max_header_bytes : 8192u;
    w->lim.max_status_line = w->lim.max_header_bytes;   /* the request line is part of the head */
    w->lim.max_headers = 64;
    w->max_body = desc->max_body_bytes ? desc->max_body_bytes : (size_t)1 << 20;
    w->max_in = w->lim.max_header_bytes + w->max_body + TG__WH_READ;
    w->read_to = desc->read_timeout_ms ? desc->read_timeout_ms : 10000u;
    w->idle_to = desc->idle_timeout_ms ? desc->idle_timeout_ms : 60000u;
    w->max_conns = desc->max_connections ? desc->max_connections : 256u;
    w->handle_signals = desc->handle_signals;
    tg_json_writer_init_grow(&w->reply.w, a);
    w->path = tg__wh_strdup(a, desc->path ? desc->path : "/");
    w->path_len = w->path ? strlen(w->path) : 0;
    if (desc->secret_token) {
        w->secret = tg__wh_strdup(a, desc->secret_token);
        w->secret_len = w->secret ? strlen(w->secret) : 0;
    } else {
        tg__log(w->log, TG_LOG_WARN, "webhook: no secret_token: any client that finds the URL can post updates");
    }
    w->conns = (tg__wconn **)tg__alloc(a, w->max_conns * sizeof *w->conns);
    w->pfds = (tg__pollfd *)tg__alloc(a, (w->max_conns + 1) * sizeof *w->pfds);
    if (!w->path || (desc->secret_token && !w->secret) || !w->conns || !w->pfds) {
        tg_webhook_free(w);
        tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory");
        return TG_ERR_NOMEM;
    }
    if ((e = tg__wh_list(w, &w->allow, "allow", desc->allow, desc->allow_count, desc->allow_telegram, err)) != TG_OK ||
        (e = tg__wh_list(w, &w->deny, "deny", desc->deny, desc->deny_count, false, err)) != TG_OK ||
        (e = tg__wh_list(w, &w->proxies, "trusted_proxies", desc->trusted_proxies, desc->trusted_proxies_count, false, err)) != TG_OK) {
        tg_webhook_free(w);
        return e;
    }
    w->per_src_conns = desc->max_connections_per_source;
    w->rps = TGBOT__MIN(desc->requests_per_second, 1000000u);
    w->burst = TGBOT__MIN(desc->requests_burst ? desc->requests_burst : w->rps, 1000000u);
    w->block_after = desc->block_after;
    w->block_ms = desc->block_ms ? desc->block_ms : 600000u;
    if (w->per_src_conns || w->rps || w->block_after) {
        uint32_t slots = 64;
        uint32_t want = desc->max_sources ? TGBOT__MIN(desc->max_sources, (uint32_t)1 << 20) : 1024u;
        while (slots < want) slots <<= 1;
        w->src.s = (tg__nf_src *)tg__alloc(a, slots * sizeof *w->src.s);
        if (!w->src.s) {
            tg_webhook_free(w);
            tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory");
            return TG_ERR_NOMEM;
        }
        memset(w->src.s, 0, slots * sizeof *w->src.s);
        w->src.mask = slots - 1;
        if (tg__random_bytes(w->plat, &w->src.key, sizeof w->src.key) != 0)
            w->src.key = (uint64_t)(uintptr_t)w ^ tg__now_ms(w->plat);
    }
    w->nf_accept = w->allow.n || w->deny.n || w->proxies.n || w->src.s;
    w->nf_request = w->proxies.n || w->rps || w->block_after;
    if (desc->tls_cert_file &&
        (e = tg__tls_ctx_server(&w->tls_ctx, desc->tls_cert_file, desc->tls_key_file, a, w->plat, err)) != TG_OK) {
        tg_webhook_free(w);
        return e;
    }
    if (tg__sock_listen(desc->host ? desc->host : "0.0.0.0", desc->port, &w->lfd, &w->port) != 0) {
        int en = errno;
        tg_webhook_free(w);
        tg__error_set(err, TG_ERR_CONNECT, TG_PHASE_CONNECT, "webhook: cannot listen on %s:%u: %s",
                      desc->host ? desc->host : "0.0.0.0", (unsigned)desc->port, strerror(en));
        if (err) err->sys_errno = en;
        return TG_ERR_CONNECT;
    }
    tg__log(w->log, TG_LOG_INFO, "webhook: listening on port %u (%s)", (unsigned)w->port, w->tls_ctx ? "https" : "http");
    *out = w;
    return TG_OK;
}

TGBOT_API uint16_t tg_webhook_port(const tg_webhook *w) { return w->port; }
TGBOT_API void tg_webhook_get_stats(const tg_webhook *w, tg_webhook_stats *out) {
    *out = w->st;
    out->connections_open = w->nconns;
}

/* ---- answers ---- */
static const char *tg__wh_reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    default: return "Service Unavailable";
    }
}

static void tg__wh_put(char *h, size_t *n, const char *s) { size_t l = strlen(s); memcpy(h + *n, s, l); *n += l; }

/* the head is assembled by hand: it is on every delivery's path, and printf is not cheap */
static void tg__wh_respond(tg__wconn *c, int status, const char *body, size_t n) {
    char head[256], num[24];
    size_t hn = 0, k = sizeof num, v = n;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (status == 200 && !n && !c->closing && !c->http10) {     /* the common answer */
        if (tg__buf_append(&c->out, ok, sizeof ok - 1) != TG_OK) c->dead = true;
        return;
    }
    num[--k] = '\0';
    do { num[--k] = (char)('0' + v % 10); v /= 10; } while (v);
    tg__wh_put(head, &hn, "HTTP/1.1 ");
    head[hn++] = (char)('0' + status / 100); head[hn++] = (char)('0' + status / 10 % 10); head[hn++] = (char)('0' + status % 10);
    head[hn++] = ' ';
    tg__wh_put(head, &hn, tg__wh_reason(status));
    tg__wh_put(head, &hn, "\r\nContent-Length: ");
    tg__wh_put(head, &hn, num + k);
    tg__wh_put(head, &hn, "\r\n");
    if (n) tg__wh_put(head, &hn, "Content-Type: application/json\r\n");
    if (status == 405) tg__wh_put(head, &hn, "Allow: POST\r\n");
    if (status == 429) {
        char ra[16];
        size_t rk = sizeof ra;
        uint32_t rv = c->retry_after;
        ra[--rk] = '\0';
        do { ra[--rk] = (char)('0' + rv % 10); rv /= 10; } while (rv);
        tg__wh_put(head, &hn, "Retry-After: ");
        tg__wh_put(head, &hn, ra + rk);
        tg__wh_put(head, &hn, "\r\n");
    }
    if (c->closing) tg__wh_put(head, &hn, "Connection: close\r\n");
    else if (c->http10) tg__wh_put(head, &hn, "Connection: keep-alive\r\n");
    tg__wh_put(head, &hn, "\r\n");
    if (tg__buf_append(&c->out, head, hn) != TG_OK || (n && tg__buf_append(&c->out, body, n) != TG_OK))
        c->dead = true;
}

/* ---- the source filter, per request ---- */
/* the slot of the current request's client, or -1 (no table, or a proxied request whose client is
   not known: its head did not parse) */
static long tg__wh_req_slot(tg_webhook *w, const tg__wconn *c, uint64_t now) {
    if (!w->src.s) return -1;
    if (!c->proxied) return c->src;
    return c->client_known ? tg__nf_lookup(&w->src, &c->client, now, false) : -1;
}

/* a strike against the request's source; true when it is blocked from now on */
static bool tg__wh_strike(tg_webhook *w, long slot, uint64_t now) {
    char ip[TG_IP_TEXT_MAX];
    if (slot < 0 || !w->block_after || !tg__nf_strike(&w->src.s[slot], w->block_after, w->block_ms, now)) return false;
    w->st.sources_blocked++;
    tg_ip_format(&w->src.s[slot].key, ip);
    tg__log(w->log, TG_LOG_WARN, "webhook: source %s%s blocked for %lu ms after %lu refused requests", ip,
            tg_ip_is_v4(&w->src.s[slot].key) ? "" : "/64", (unsigned long)w->block_ms, (unsigned long)w->block_after);
    return true;
}

static bool tg__wh_is_xff(tg_str n) {
    static const char x[] = "x-forwarded-for";
    size_t i;
    if (n.len != sizeof x - 1) return false;
    for (i = 0; i < n.len; i++) {
        char ch = n.ptr[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
        if (ch != x[i]) return false;
    }
    return true;
}

/* who sent this request (X-Forwarded-For through a trusted proxy), and may it: 0, or a status */
static int tg__wh_source(tg_webhook *w, tg__wconn *c, uint64_t now, uint64_t **counter) {
    long slot = c->src;
    if (c->proxied) {
        uint32_t i;
        int r = 0;
        c->client = c->peer_ip;
        for (i = w->head.nheaders; i-- > 0;) {         /* the last header holds the nearest hops */
            if (!tg__wh_is_xff(w->head.name[i])) continue;
            r = tg__nf_xff(&w->proxies, w->head.value[i].ptr, w->head.value[i].len, &c->client);
            if (r != 0) break;
        }
        if (r < 0) { *counter = &w->st.forwarded_invalid; return 403; }
        c->client_known = true;
        if (!tg__nf_allowed(&w->allow, &w->deny, &c->client)) { *counter = &w->st.ip_refused; return 403; }
        if (!w->src.s) return 0;
        slot = tg__nf_lookup(&w->src, &c->client, now, true);
        if (slot < 0) { *counter = &w->st.sources_full; return 503; }
    }
    if (slot < 0) return 0;
    if (tg__nf_blocked(&w->src.s[slot], now)) { *counter = &w->st.blocked_refused; return 403; }
    if (w->rps && !tg__nf_take(&w->src.s[slot], w->rps, w->burst, now, &c->retry_after)) {
        *counter = &w->st.rate_limited;
        return 429;
    }
    return 0;
}

/* a refusal: counted, answered; the body is skipped on a connection that stays open. A refusal the
   client caused is a strike against its source (not the filter's own: those say who, not what). */
static void tg__wh_refuse(tg_webhook *w, tg__wconn *c, int status, uint64_t *counter, bool close, uint64_t now) {
    (*counter)++;
    if (w->block_after && counter != &w->st.ip_refused && counter != &w->st.forwarded_invalid &&
        counter != &w->st.blocked_refused && counter != &w->st.sources_full &&
        tg__wh_strike(w, tg__wh_req_slot(w, c, now), now) && !c->proxied)
        close = true;
    if (counter == &w->st.blocked_refused && !c->proxied) close = true;
    if (close) c->closing = true;
    tg__wh_respond(c, status, NULL, 0);
}

/* method, path, secret, length: decided from the head alone. 0 = accepted. */
static int tg__wh_check(tg_webhook *w, const tg__http_head *h, uint64_t **counter) {
    const tg_str *sec;
    size_t tlen = h->target.len;
    const char *q = (const char *)memchr(h->target.ptr, '?', tlen);
    if (q) tlen = (size_t)(q - h->target.ptr);
    if (h->method.len != 4 || memcmp(h->method.ptr, "POST", 4) != 0) { *counter = &w->st.method_not_allowed; return 405; }
    if (tlen != w->path_len || memcmp(h->target.ptr, w->path, tlen) != 0) { *counter = &w->st.not_found; return 404; }
    if (w->secret) {
        int same;
        sec = tg__http_header(h, "x-telegram-bot-api-secret-token");
        if (!sec) { *counter = &w->st.unauthorized; return 401; }
        /* constant time in the secret's content; a wrong length still costs one full compare */
        same = tg__ct_equal(sec->len == w->secret_len ? sec->ptr : w->secret, w->secret, w->secret_len);
        if (!same || sec->len != w->secret_len) { *counter = &w->st.forbidden; return 403; }
    }
    if (h->content_length < 0) { *counter = &w->st.length_required; return 411; }
    if ((uint64_t)h->content_length > w->max_body) { *counter = &w->st.body_too_large; return 413; }
    return 0;
}

/* a complete delivery: parse, dispatch, answer */
static void tg__wh_deliver(tg_webhook *w, tg__wconn *c, char *body, size_t n, uint64_t now) {
    tg_json_doc doc;
    tg_json_opts jo;
    tg_json_value v;
    /* every token takes at least 2 bytes of input, so n/2+2 tokens always suffice; the array grows
       to the largest authenticated body seen (a typical update needs a few hundred) */
    uint32_t need = (uint32_t)TGBOT__MIN(n / 2 + 2, (size_t)0xFFFFFFF0u);
    tg_err e;
    if (need > w->toks_cap) {
        uint32_t cap = TGBOT__MAX(need, 256u);
        tg_json_tok *t = (tg_json_tok *)tg__realloc(w->alloc, w->toks, w->toks_cap * sizeof *w->toks, cap * sizeof *t);
        if (!t) { c->closing = true; tg__wh_respond(c, 503, NULL, 0); return; }
        w->toks = t; w->toks_cap = cap;
    }
    memset(&jo, 0, sizeof jo);
    if (tg_json_parse(&doc, body, n, w->toks, w->toks_cap, &jo) != TG_OK || tg_json_type_of(&doc, 0) != TG_JSON_OBJECT) {
        tg__wh_refuse(w, c, 400, &w->st.bad_json, false, now);
        return;
    }
    v.doc = &doc; v.tok = 0;
    tg_json_writer_reset(&w->reply.w);
    w->reply.set = false;
    e = tg__dispatch_in(w->d, &v, &w->reply);
    tg_bot_reset(w->bot);                      /* everything the handler's calls returned */
    w->st.dispatched++;
    /* Telegram redelivers anything but 2xx: an update this build cannot decode would come back
       forever, so it is logged (by the dispatcher), counted and acknowledged */
    if (e != TG_OK) w->st.undecodable++;
    if (w->reply.set && w->reply.w.err == TG_OK) {
        w->st.replied_with_method++;
        tg__wh_respond(c, 200, w->reply.w.buf, w->reply.w.len);
    } else {
        tg__wh_respond(c, 200, NULL, 0);
    }
}

/* serves every complete request in the input buffer, in order; true when it stopped only because
   the client has not read the answers yet */
static bool tg__wh_serve(tg_webhook *w, tg__wconn *c, uint64_t now) {
    bool blocked = false;
    for (;;) {
        char *p = c->in.data + c->in_off;
        size_t avail = c->in.len - c->in_off;
        if (c->closing || c->dead) break;
        if (c->out.len - c->out_pos >= TG__WH_OUT_HIGH) { blocked = true; break; }
        if (c->skip) {
            size_t n = TGBOT__MIN(c->skip, avail);
            c->in_off += n; c->skip -= n;
            if (c->skip) break;
            continue;
        }
        if (!c->head_done) {
            tg_error e;
            uint64_t *counter = NULL;
            int r, status;
            if (!avail) break;
            /* a head that trickles in is searched once, not again from its start per segment: after
               a first incomplete parse, only the new bytes are searched for the blank line */
            if (c->scanned && avail < w->lim.max_header_bytes) {
                size_t i = c->scanned - 3;
                while (i + 3 < avail && !(p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')) i++;
                if (i + 3 >= avail) { c->scanned = TGBOT__MAX(avail, (size_t)3); break; }
            }
            e.code = TG_OK;
            c->client_known = false;
            r = tg__http_parse_head(p, avail, true, &w->lim, &w->head, &e);
            if (r == 0) { c->scanned = TGBOT__MAX(avail, (size_t)3); break; }
            c->scanned = 0;
            if (r < 0) {
                if (e.code == TG_ERR_LIMIT) tg__wh_refuse(w, c, 431, &w->st.header_too_large, true, now);
                else tg__wh_refuse(w, c, 400, &w->st.bad_request, true, now);
                break;
            }
            w->st.requests++;
            c->http10 = w->head.minor == 0;
            c->keep_alive = w->head.keep_alive;
            status = w->nf_request ? tg__wh_source(w, c, now, &counter) : 0;
            if (!status) status = tg__wh_check(w, &w->head, &counter);
            if (status) {
                /* the body can be skipped only when its length is known and bounded; after a
                   refused "Expect: 100-continue" the client may or may not send it: close */
                bool close = status == 411 || status == 413 || w->head.expect_continue || !c->keep_alive ||
                             (w->head.content_length > 0 && (uint64_t)w->head.content_length > w->max_body);
                tg__wh_refuse(w, c, status, counter, close, now);
                if (close) break;
                c->in_off += w->head.head_len;
                c->skip = w->head.content_length > 0 ? (size_t)w->head.content_length : 0;
                c->deadline = now + w->read_to;
                continue;
            }
            if (w->block_after) {                 /* the secret was right: the source's strikes are cleared */
                long slot = tg__wh_req_slot(w, c, now);
                if (slot >= 0) w->src.s[slot].strikes = 0;
            }
            c->head_done = true;
            c->head_len = w->head.head_len;
            c->body_len = (size_t)w->head.content_length;
            c->expect = w->head.expect_continue;
            c->continue_sent = false;
        }
        if (avail < c->head_len + c->body_len) {
            if (c->expect && !c->continue_sent) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                if (tg__buf_append(&c->out, cont, sizeof cont - 1) != TG_OK) c->dead = true;
                c->continue_sent = true;
            }
            break;
        }
        if (!c->keep_alive) c->closing = true;
        tg__wh_deliver(w, c, p + c->head_len, c->body_len, now);
        c->in_off += c->head_len + c->body_len;
        c->head_done = false;
        c->deadline = now + w->read_to;        /* the next pipelined request, or this answer */
    }
    if (c->in_off == c->in.len) c->in.len = c->in_off = 0;
    else if (c->in_off && (c->closing || c->in.len - c->in_off < c->in_off)) {   /* keep the partial request at the front */
        memmove(c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off; c->in_off = 0;
    }
    return blocked && c->in.len > c->in_off;
}

/* ---- connection I/O ---- */
/* writes pending answers: 1 all out, 0 would block, -1 failed */
static int tg__wh_flush(tg_webhook *w, tg__wconn *c) {
    tg_error e;
    while (c->out_pos < c->out.len) {
        long r;
        if (c->tls) {
            r = tg__tls_write(c->tls, c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos, &e);
            if (r == TG__TLS_WANT_WRITE || r == TG__TLS_WANT_READ) { c->want_write = r == TG__TLS_WANT_WRITE; return 0; }
            if (r < 0) { w->st.tls_failures++; return -1; }
        } else {
            r = tg__sock_send(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos);
            if (r == TG__WOULDBLOCK) { c->want_write = true; return 0; }
            if (r < 0) return -1;
        }
        c->out_pos += (size_t)r;
    }
    if (c->tls) {
        int f = tg__tls_flush(c->tls, c->fd, &e);
        if (f == TG__TLS_WANT_WRITE) { c->want_write = true; return 0; }
        if (f < 0) { w->st.tls_failures++; return -1; }
    }
    c->out.len = c->out_pos = 0;
    c->want_write = false;
    return 1;
}

/* reads what is there: 1 got bytes or nothing yet, 0 EOF, -1 failed */
static int tg__wh_read(tg_webhook *w, tg__wconn *c) {
    tg_error e;
    for (;;) {
        long r;
        if (c->draining) c->in.len = c->in_off = 0;       /* lingering close: input is discarded */
        if (c->in.len - c->in_off >= w->max_in) return 1;  /* back-pressure (cannot hold a valid request) */
        if (tg__buf_reserve(&c->in, TG__WH_READ) != TG_OK) return -1;
        if (c->tls && !c->draining) {     /* drained bytes are thrown away: no need to decrypt them */
            r = tg__tls_read(c->tls, c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, &e);
            if (r == TG__TLS_WANT_READ) { c->want_write = false; return 1; }
            if (r == TG__TLS_WANT_WRITE) { c->want_write = true; return 1; }
            if (r < 0) { w->st.tls_failures++; return -1; }
        } else {
            r = tg__sock_recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len);
            if (r == TG__WOULDBLOCK) return 1;
            if (r < 0) return -1;
        }
        if (r == 0) return 0;
        c->in.len += (size_t)r;
        if (c->draining) return 1;
        /* a plain socket was read as far as one call goes: poll says when there is more. TLS
           keeps reading: decrypted bytes left in the engine would not wake poll() */
        if (!c->tls) return 1;
    }
}

static void tg__wh_linger(tg_webhook *w, tg__wconn *c, uint64_t now) {
    if (c->draining) return;
    if (c->tls) tg__tls_close(c->tls, c->fd);
    tg__sock_shutdown_write(c->fd);
    c->draining = true;
    c->in.len = c->in_off = 0;
    c->deadline = now + TGBOT__MIN(w->read_to, TG__WH_DRAIN_MS);
}

static void tg__wh_conn_io(tg_webhook *w, tg__wconn *c, bool readable, uint64_t now) {
    tg_error e;
    if (c->handshaking) {
        int r = tg__tls_handshake(c->tls, c->fd, &e);
        if (r == TG__TLS_WANT_READ || r == TG__TLS_WANT_WRITE) { c->want_write = r == TG__TLS_WANT_WRITE; return; }
        if (r < 0) { w->st.tls_failures++; c->dead = true; return; }
        c->handshaking = false;
        readable = true;                        /* the client's first request may be buffered already */
    }
    if (readable && !c->peer_eof && !(c->closing && !c->draining)) {
        size_t before = c->in.len;
        int r = tg__wh_read(w, c);
        if (r < 0) { c->dead = true; return; }
        if (r == 0) c->peer_eof = true;
        if (c->in.len > before && c->idle) { c->idle = false; c->deadline = now + w->read_to; }
    }
    if (c->draining) { if (c->peer_eof) c->dead = true; return; }
    for (;;) {
        bool blocked = tg__wh_serve(w, c, now);
        if (c->dead) return;
        if (c->peer_eof) c->closing = true;     /* answer what came whole; a half-sent request never completes */
        if (c->out.len > c->out_pos || c->want_write) {
            int f = tg__wh_flush(w, c);
            if (f < 0) { c->dead = true; return; }
            if (f == 0) return;
        }
        if (!blocked) break;                    /* answers flushed: serve the requests that waited */
    }
    if (c->closing) {
        if (c->peer_eof) c->dead = true; else tg__wh_linger(w, c, now);
        return;
    }
    if (c->in.len == c->in_off && !c->head_done && !c->skip && !c->idle) {
        c->idle = true;
        c->deadline = now + w->idle_to;
    }
}

/* the source filter at accept, before a byte is read: true = admitted (*slot counts it) */
static bool tg__wh_admit(tg_webhook *w, tg__sock s, tg_ip *peer, bool *proxied, long *slot, uint64_t now) {
    tg__nf_src *src;
    *proxied = false; *slot = -1;
    if (tg__sock_peer(s, peer->b) != 0) { w->st.ip_refused++; return false; }
    if (w->proxies.n && tg__nf_match(&w->proxies, peer)) { *proxied = true; return true; }
    if (!tg__nf_allowed(&w->allow, &w->deny, peer)) { w->st.ip_refused++; return false; }
    if (!w->src.s) return true;
    *slot = tg__nf_lookup(&w->src, peer, now, true);
    if (*slot < 0) { w->st.sources_full++; return false; }
    src = &w->src.s[*slot];
    if (tg__nf_blocked(src, now)) { w->st.blocked_refused++; *slot = -1; return false; }
    if (w->per_src_conns && src->conns >= w->per_src_conns) { w->st.source_connections_refused++; *slot = -1; return false; }
    src->conns++;
    return true;
}

static void tg__wh_release(tg_webhook *w, tg__wconn *c) {
    if (c->src >= 0 && w->src.s[c->src].conns) w->src.s[c->src].conns--;
    c->src = -1;
}

static void tg__wh_accept(tg_webhook *w, uint64_t now) {
    int i;
    for (i = 0; i < 64; i++) {                 /* a burst of connects, without starving the others */
        tg__sock s;
        tg__wconn *c;
        tg_error e;
        tg_ip peer = {{0}};
        bool proxied = false;
        long slot = -1;
        int r = tg__sock_accept(w->lfd, &s);
        if (r <= 0) return;
        if (w->nconns >= w->max_conns) { w->st.connections_refused++; tg__sock_close(s); continue; }
        if (w->nf_accept && !tg__wh_admit(w, s, &peer, &proxied, &slot, now)) { tg__sock_close(s); continue; }
        c = (tg__wconn *)tg__alloc(w->alloc, sizeof *c);
        if (!c) { if (slot >= 0) w->src.s[slot].conns--; tg__sock_close(s); continue; }
        memset(c, 0, sizeof *c);
        c->fd = s;
        c->src = slot;
        if (w->nf_accept) { c->peer_ip = peer; c->proxied = proxied; }
        c->in.a = c->out.a = w->alloc;
        c->deadline = now + w->read_to;
        if (w->tls_ctx) {
            if (tg__tls_new(&c->tls, w->tls_ctx, NULL, &e) != TG_OK) {
                w->st.tls_failures++; tg__wh_release(w, c); tg__sock_close(s); tg__free(w->alloc, c, sizeof *c); continue;
            }
            c->handshaking = true;
        }
        w->conns[w->nconns++] = c;
        w->st.connections++;
    }
}

static void tg__wh_sweep(tg_webhook *w) {
    size_t i = 0;
    while (i < w->nconns) {
        tg__wconn *c = w->conns[i];
        if (!c->dead) { i++; continue; }
        tg__wh_release(w, c);
        if (c->tls) tg__tls_free(c->tls);
        tg__sock_close(c->fd);
        tg__buf_free(&c->in); tg__buf_free(&c->out);
        tg__free(w->alloc, c, sizeof *c);
        w->conns[i] = w->conns[--w->nconns];
    }
}

/* stop: no new connections; what was received is answered, partial requests are dropped */
static void tg__wh_begin_stop(tg_webhook *w, uint64_t now) {
    size_t i;
    w->stopping = true;
    tg__sock_close(w->lfd);
    w->lfd = TG__SOCK_INVALID;
    for (i = 0; i < w->nconns; i++) {
        tg__wconn *c = w->conns[i];
        if (c->handshaking) { c->dead = true; continue; }
        if (!c->draining) (void)tg__wh_serve(w, c, now);
        c->closing = true;
        tg__wh_conn_io(w, c, false, now);
    }
    tg__wh_sweep(w);
}

static bool tg__wh_wants_read(const tg_webhook *w, const tg__wconn *c) {
    return !c->peer_eof && (c->draining || (!c->closing && c->in.len - c->in_off < w->max_in &&
                                           c->out.len - c->out_pos < TG__WH_OUT_HIGH));
}

/* decrypted bytes wait inside the TLS engine, where poll() cannot see them */
static bool tg__wh_tls_ready(const tg_webhook *w, const tg__wconn *c) {
    return c->tls && !c->handshaking && tg__wh_wants_read(w, c) && tg__tls_pending(c->tls);
}

TGBOT_API size_t tg_webhook_fds(const tg_webhook *w, tg_webhook_fd *fds, size_t cap) {
    size_t n = 0, i;
    if (w->lfd != TG__SOCK_INVALID) {
        if (n < cap) { fds[n].fd = w->lfd; fds[n].read = true; fds[n].write = false; }
        n++;
    }
    for (i = 0; i < w->nconns; i++, n++) {
        const tg__wconn *c = w->conns[i];
        if (n >= cap) continue;
        fds[n].fd = c->fd;
        fds[n].write = c->want_write || c->out.len > c->out_pos;
        fds[n].read = c->handshaking ? !c->want_write : tg__wh_wants_read(w, c);
    }
    return n;
}

TGBOT_API int tg_webhook_timeout_ms(const tg_webhook *w) {
    uint64_t now = tg__now_ms(w->plat), next = UINT64_MAX;
    size_t i;
    for (i = 0; i < w->nconns; i++) {
        if (tg__wh_tls_ready(w, w->conns[i])) return 0;
        if (w->conns[i]->deadline < next) next = w->conns[i]->deadline;
    }
    if (next == UINT64_MAX) return -1;
    return next <= now ? 0 : (int)TGBOT__MIN(next - now, (uint64_t)INT_MAX);
}

TGBOT_API tg_err tg_webhook_step(tg_webhook *w, int timeout_ms) {
    size_t n = 0, i, nc;
    int t, r;
    uint64_t now;
    if (!w->stopping && tg__stop_requested(w->d)) tg__wh_begin_stop(w, tg__now_ms(w->plat));
    if (w->stopping && w->nconns == 0) return TG_ERR_STOPPED;
    t = tg_webhook_timeout_ms(w);
    if (timeout_ms >= 0 && (t < 0 || t > timeout_ms)) t = timeout_ms;
    /* a signal that lands between the stop check above and poll() is seen within 250 ms */
    if (w->handle_signals && (t < 0 || t > 250)) t = 250;
    if (w->lfd != TG__SOCK_INVALID) { w->pfds[0].fd = w->lfd; w->pfds[0].events = TG__POLL_IN; w->pfds[0].revents = 0; n = 1; }
    nc = w->nconns;
    for (i = 0; i < nc; i++) {
        const tg__wconn *c = w->conns[i];
        bool rd = c->handshaking ? !c->want_write : tg__wh_wants_read(w, c);
        bool wr = c->want_write || c->out.len > c->out_pos;
        w->pfds[n].fd = c->fd;
        w->pfds[n].events = (short)((rd ? TG__POLL_IN : 0) | (wr ? TG__POLL_OUT : 0));
        w->pfds[n].revents = 0;
        n++;
    }
    r = tg__poll(w->pfds, n, t);
    if (r == -1) return TG_ERR_IO;
    now = tg__now_ms(w->plat);
    for (i = 0; i < nc; i++) {            /* conns[0..nc) match pfds[n-nc..n) */
        tg__wconn *c = w->conns[i];
        short ev = w->pfds[n - nc + i].revents;
        bool pending = tg__wh_tls_ready(w, c);
        if (!ev && !pending) continue;
        if ((ev & TG__POLL_ERR) && !(ev & TG__POLL_IN)) { c->dead = true; continue; }
        tg__wh_conn_io(w, c, (ev & (TG__POLL_IN | TG__POLL_ERR)) != 0 || pending, now);
    }
    if (n > nc && (w->pfds[0].revents & TG__POLL_IN)) tg__wh_accept(w, now);
    for (i = 0; i < w->nconns; i++) {              /* deadlines */
        tg__wconn *c = w->conns[i];
        if (c->dead || c->deadline > now) continue;
        if (c->draining) { /* lingering close ends */ }
        else if (c->idle) w->st.idle_closed++;
        else { w->st.timeouts++; (void)tg__wh_strike(w, c->src, now); }
        c->dead = true;
    }
    tg__wh_sweep(w);
    if (!w->stopping && tg__stop_requested(w->d)) tg__wh_begin_stop(w, now);
    return w->stopping && w->nconns == 0 ? TG_ERR_STOPPED : TG_OK;
}

TGBOT_API tg_err tg_webhook_run(tg_webhook *w) {
    tg_err e = TG_OK;
    tg__stop_clear(w->d);
    if (w->handle_signals) tg__catch_signals(true);
    while ((e = tg_webhook_step(w, -1)) == TG_OK) {}
    if (w->handle_signals) tg__catch_signals(false);
    tg__fire_shutdown(w->d);
    return e == TG_ERR_STOPPED ? TG_OK : e;
}

TGBOT_API tg_err tg_run_webhook(tg_dispatcher *d, const tg_webhook_desc *desc) {
    tg_webhook *w;
    tg_error err;
    tg_err e = tg_webhook_new(&w, d, desc, &err);
    if (e != TG_OK) {
        tg__log(tg__bot_logger(tg__dispatcher_bot(d)), TG_LOG_ERROR, "webhook: %s", err.description);
        return e;
    }
    e = tg_webhook_run(w);
    tg_webhook_free(w);
    return e;
}

/* ---- reply with a method call ---- */
/* methods whose unknowable outcome could cost Stars: the generated class (names are case-insensitive) */
static bool tg__wh_spends(const char *method) {
    const tg__method *m = tg__method_find(method);
    return m && (m->flags & TG__CALL_SPENDS);
}

TGBOT_API tg_err tg_webhook_reply(tg_ctx *ctx, const char *method, const char *params_json) {
    tg__wh_reply *r = (tg__wh_reply *)ctx->webhook_reply;
    const tg_logger *log = tg__bot_logger(ctx->bot);
    size_t i;
    if (!r) return TG_ERR_UNSUPPORTED;
    if (!method || !*method) return TG_ERR_ARG;
    for (i = 0; method[i]; i++)
        if (!((method[i] >= 'a' && method[i] <= 'z') || (method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= '0' && method[i] <= '9')))
            return TG_ERR_ARG;
    if (r->set) return TG_ERR_LIMIT;
    if (tg__wh_spends(method)) {
        tg__log(log, TG_LOG_WARN, "webhook reply: %s spends Stars and its outcome would be unknowable; call it directly", method);
        return TG_ERR_ARG;
    }
    if (params_json) {                          /* a real JSON object, without Stars-spending options */
        size_t n = strlen(params_json);
        tg_arena *a = tg_bot_arena(ctx->bot);
        char *copy = tg_arena_strndup(a, params_json, n);
        uint32_t cap = (uint32_t)(n / 2 + 2);
        tg_json_tok *toks = (tg_json_tok *)tg_arena_alloc(a, cap * sizeof *toks);
        tg_json_doc doc;
        if (!copy || !toks) return TG_ERR_NOMEM;
        if (tg_json_parse(&doc, copy, n, toks, cap, NULL) != TG_OK || tg_json_type_of(&doc, 0) != TG_JSON_OBJECT ||
            tg_json_get(&doc, 0, "method") != TG_JSON_NOTFOUND)
            return TG_ERR_ARG;
        if (tg_json_get(&doc, 0, "allow_paid_broadcast") != TG_JSON_NOTFOUND ||
            tg_json_get(&doc, 0, "suggested_post_parameters") != TG_JSON_NOTFOUND) {
            tg__log(log, TG_LOG_WARN, "webhook reply: %s with options that can spend Stars; call it directly", method);
            return TG_ERR_ARG;
        }
    }
    tg_json_writer_reset(&r->w);
    tg_json_obj_begin(&r->w);
    tg_json_key(&r->w, "method"); tg_json_write_str(&r->w, method);
    if (params_json && tg_json_merge_object(&r->w, params_json) != TG_OK) return TG_ERR_ARG;
    tg_json_obj_end(&r->w);
    if (r->w.err != TG_OK) return r->w.err;
    r->set = true;
#if TGBOT__HAS_CACHE       /* [cache] a reply is a write whose outcome is never known: it drops what it may change */
    tg__cache_write_elsewhere(ctx->bot, method, r->w.buf, r->w.len);
#endif
    return TG_OK;
}

TGBOT_API tg_err tg_webhook_reply_text(tg_ctx *ctx, const char *text) {
    tg__wh_reply *r = (tg__wh_reply *)ctx->webhook_reply;
    if (!r) return TG_ERR_UNSUPPORTED;
    if (!ctx->chat_id || !text) return TG_ERR_ARG;
    if (r->set) return TG_ERR_LIMIT;
    tg_json_writer_reset(&r->w);
    tg_json_obj_begin(&r->w);
    tg_json_key(&r->w, "method"); tg_json_write_str(&r->w, "sendMessage");
    tg_json_key(&r->w, "chat_id"); tg_json_write_i64(&r->w, ctx->chat_id);
    tg_json_key(&r->w, "text"); tg_json_write_str(&r->w, text);
    if (ctx->message && ctx->message->business_connection_id) {
        tg_json_key(&r->w, "business_connection_id"); tg_json_write_str(&r->w, ctx->message->business_connection_id);
    }
    if (ctx->message && ctx->message->is_topic_message && ctx->message->message_thread_id) {
        tg_json_key(&r->w, "message_thread_id"); tg_json_write_i64(&r->w, ctx->message->message_thread_id);
    }
    tg_json_obj_end(&r->w);
    if (r->w.err != TG_OK) return r->w.err;
    r->set = true;
#if TGBOT__HAS_CACHE       /* [cache] as in tg_webhook_reply */
    tg__cache_write_elsewhere(ctx->bot, "sendMessage", r->w.buf, r->w.len);
#endif
    return TG_OK;
}

/* ---- setWebhook / deleteWebhook ---- */
TGBOT_API tg_err tg_webhook_secret_generate(tg_bot *bot, char *out, size_t len) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";   /* 64: unbiased */
    unsigned char rnd[TG_WEBHOOK_SECRET_MAX];
    size_t i;
    if (!len) len = 32;
    if (!out || len > TG_WEBHOOK_SECRET_MAX) return TG_ERR_ARG;
    if (tg__random_bytes(tg__bot_platform(bot), rnd, len) != 0) return TG_ERR_IO;
    for (i = 0; i < len; i++) out[i] = abc[rnd[i] & 63];
    out[len] = '\0';
    tg__wipe(rnd, sizeof rnd);
    return TG_OK;
}

TGBOT_API tg_err tg_webhook_set(tg_bot *bot, const tg_set_webhook_args *args, char *generated_secret) {
    tg_set_webhook_args a;
    tg_err e;
    if (!args || !args->url || !*args->url)
        return tg__req_fail(tg__req_begin(bot, "setWebhook", TG__CALL_IDEMPOTENT), TG_ERR_ARG, "setWebhook: url is required");
    a = *args;
    if (a.secret_token && !tg_webhook_secret_valid(a.secret_token))
        return tg__req_fail(tg__req_begin(bot, "setWebhook", TG__CALL_IDEMPOTENT), TG_ERR_ARG,
                            "setWebhook: secret_token must be 1-256 characters of A-Z a-z 0-9 _ - (not the bot token)");
    if (!a.secret_token && generated_secret) {
        if ((e = tg_webhook_secret_generate(bot, generated_secret, 32)) != TG_OK)
            return tg__req_fail(tg__req_begin(bot, "setWebhook", TG__CALL_IDEMPOTENT), e, "setWebhook: no randomness for the secret");
        a.secret_token = generated_secret;
    }
    return tg_set_webhook(bot, &a, NULL);
}

TGBOT_API tg_err tg_webhook_delete(tg_bot *bot, bool drop_pending_updates) {
    tg_delete_webhook_args a;
    memset(&a, 0, sizeof a);
    a.drop_pending_updates = drop_pending_updates;
    return tg_delete_webhook(bot, &a, NULL);
}
#endif /* TGBOT__HAS_WEBHOOK */

/* ==== src/cache.c ==== */
/* cache: the bounded TTL + LRU store of read answers and the invalidation rules (see cache.h).
   bot.c asks tg__cache_lookup before sending and tells tg__cache_after how a call ended. */
#if TGBOT__HAS_CACHE

enum { TG__CG_BOT = 1, TG__CG_CHAT, TG__CG_STARS, TG__CG_STATIC, TG__CG_OTHER };

#define TG__CACHE_HOUR 3600000u
#define TG__CACHE_MIN 60000u
static const struct { const char *method; uint32_t ttl_ms; unsigned char group; } tg__cache_table[] = {
    { "getMe", TG__CACHE_HOUR, TG__CG_BOT },
    { "getMyName", TG__CACHE_HOUR, TG__CG_BOT },
    { "getMyDescription", TG__CACHE_HOUR, TG__CG_BOT },
    { "getMyShortDescription", TG__CACHE_HOUR, TG__CG_BOT },
    { "getMyCommands", TG__CACHE_HOUR, TG__CG_BOT },
    { "getMyDefaultAdministratorRights", TG__CACHE_HOUR, TG__CG_BOT },
    { "getChatMenuButton", 10 * TG__CACHE_MIN, TG__CG_BOT },
    { "getForumTopicIconStickers", TG__CACHE_HOUR, TG__CG_STATIC },
    { "getChat", 5 * TG__CACHE_MIN, TG__CG_CHAT },
    { "getChatAdministrators", 5 * TG__CACHE_MIN, TG__CG_CHAT },
    { "getChatMember", 2 * TG__CACHE_MIN, TG__CG_CHAT },
    { "getChatMemberCount", TG__CACHE_MIN, TG__CG_CHAT },
    { "getAvailableGifts", 5 * TG__CACHE_MIN, TG__CG_STARS },
    { "getUserGifts", TG__CACHE_MIN, TG__CG_STARS },
    { "getChatGifts", TG__CACHE_MIN, TG__CG_STARS },
    { "getBusinessAccountGifts", TG__CACHE_MIN, TG__CG_STARS },
    { "getMyStarBalance", 5000u, TG__CG_STARS },
    { "getBusinessAccountStarBalance", 5000u, TG__CG_STARS },
};
static const char *const tg__cache_never[] = { "getUpdates", "getFile", "getStarTransactions", "getWebhookInfo" };

typedef struct tg__cache_entry {
    struct tg__cache_entry *prev, *next;   /* LRU list: head = most recently used */
    struct tg__cache_entry *chain;         /* hash bucket */
    uint64_t expires_ms;
    uint32_t hash;
    unsigned char group;
    size_t size;                           /* the whole allocation: what counts against max_bytes */
    size_t key_len;                        /* method '\0' params */
    size_t body_len;
    char chat[40];                         /* the params' chat_id as text ("" if none) */
    /* followed by the key, then the body and a NUL */
} tg__cache_entry;

struct tg__cache {
    tg_bot *bot;
    uint32_t max_entries;
    size_t max_bytes;
    tg__cache_entry **buckets;
    uint32_t nbuckets;
    tg__cache_entry *head, *tail;
    tg_cache_stats st;
    struct { char method[48]; uint32_t ttl_ms; } over[TGBOT_CACHE_OVERRIDES];
    uint32_t nover;
};

static char *tg__ce_key(tg__cache_entry *en) { return (char *)(en + 1); }
static char *tg__ce_body(tg__cache_entry *en) { return (char *)(en + 1) + en->key_len; }

static uint32_t tg__cache_hash(const char *method, const char *p, size_t n) {
    uint32_t h = 2166136261u;
    size_t i;
    for (; *method; method++) h = (h ^ (unsigned char)*method) * 16777619u;
    h = (h ^ 0u) * 16777619u;
    for (i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static bool tg__cache_never_method(const char *m) {
    size_t i;
    for (i = 0; i < sizeof tg__cache_never / sizeof tg__cache_never[0]; i++)
        if (strcmp(m, tg__cache_never[i]) == 0) return true;
    return false;
}

/* the TTL and the invalidation group of a method; 0 = not cached */
static uint32_t tg__cache_rule(const tg__cache *c, const char *m, unsigned char *group) {
    size_t i;
    *group = 0;
    if (tg__cache_never_method(m)) return 0;
    for (i = 0; i < sizeof tg__cache_table / sizeof tg__cache_table[0]; i++)
        if (strcmp(m, tg__cache_table[i].method) == 0) { *group = tg__cache_table[i].group; break; }
    for (i = 0; c && i < c->nover; i++)
        if (strcmp(m, c->over[i].method) == 0) {
            if (!*group) *group = TG__CG_OTHER;
            return c->over[i].ttl_ms;
        }
    for (i = 0; i < sizeof tg__cache_table / sizeof tg__cache_table[0]; i++)
        if (strcmp(m, tg__cache_table[i].method) == 0) return tg__cache_table[i].ttl_ms;
    return 0;
}

/* the top-level chat_id of a JSON object as text: strings decoded, numbers as written; false if none */
static bool tg__cache_chat_of(tg_bot *bot, const char *json, size_t len, char out[40]) {
    size_t mark = tg_arena_mark(tg_bot_arena(bot));
    tg_json_doc d;
    uint32_t t;
    bool found = false;
    out[0] = '\0';
    if (json && len >= 2 && strstr(json, "chat_id") && tg__params_parse(bot, json, len, &d) &&
        (t = tg_json_get(&d, 0, "chat_id")) != TG_JSON_NOTFOUND) {
        const char *s = NULL;
        size_t n = 0;
        if (tg_json_type_of(&d, t) == TG_JSON_STRING ? tg_json_str(&d, t, &s, &n) : tg_json_raw(&d, t, &s, &n)) {
            if (n > 39) n = 39;      /* a truncated id can only match more entries: it drops more */
            memcpy(out, s, n);
            out[n] = '\0';
            found = true;
        }
    }
    tg_arena_rewind(tg_bot_arena(bot), mark);
    return found;
}

static void tg__cache_unlink(tg__cache *c, tg__cache_entry *en) {
    tg__cache_entry **pp = &c->buckets[en->hash & (c->nbuckets - 1)];
    while (*pp && *pp != en) pp = &(*pp)->chain;
    if (*pp) *pp = en->chain;
    if (en->prev) en->prev->next = en->next; else c->head = en->next;
    if (en->next) en->next->prev = en->prev; else c->tail = en->prev;
    c->st.entries--;
    c->st.bytes -= en->size;
    tg__free(tg__bot_alloc(c->bot), en, en->size);
}

static void tg__cache_to_front(tg__cache *c, tg__cache_entry *en) {
    if (c->head == en) return;
    if (en->prev) en->prev->next = en->next;
    if (en->next) en->next->prev = en->prev; else c->tail = en->prev;
    en->prev = NULL;
    en->next = c->head;
    if (c->head) c->head->prev = en;
    c->head = en;
    if (!c->tail) c->tail = en;
}

static tg__cache_entry *tg__cache_find(tg__cache *c, uint32_t h, const char *method, const char *p, size_t n) {
    size_t ml = strlen(method);
    tg__cache_entry *en;
    for (en = c->buckets[h & (c->nbuckets - 1)]; en; en = en->chain)
        if (en->hash == h && en->key_len == ml + 1 + n && memcmp(tg__ce_key(en), method, ml + 1) == 0 &&
            memcmp(tg__ce_key(en) + ml + 1, p, n) == 0)
            return en;
    return NULL;
}

static uint32_t tg__cache_drop_if(tg__cache *c, unsigned char group, const char *method, const char *chat) {
    tg__cache_entry *en = c->head, *nx;
    uint32_t n = 0;
    for (; en; en = nx) {
        nx = en->next;
        if (group && en->group != group) continue;
        if (method && strcmp(tg__ce_key(en), method) != 0) continue;
        if (chat && strcmp(en->chat, chat) != 0) continue;
        tg__cache_unlink(c, en);
        n++;
    }
    c->st.invalidations += n;
    return n;
}

/* ---- the pipeline's side ---- */

TGBOT__INTERN bool tg__cache_lookup(tg__cache *c, const tg__req *r, const char *json, size_t len,
                                    const char **body, size_t *body_len) {
    unsigned char group;
    uint32_t h;
    tg__cache_entry *en;
    if (!(r->flags & TG__CALL_READ) || r->file_path || tg__cache_rule(c, r->method, &group) == 0) return false;
    h = tg__cache_hash(r->method, json, len);
    en = tg__cache_find(c, h, r->method, json, len);
    if (en && tg__now_ms(tg__bot_platform(c->bot)) >= en->expires_ms) {
        tg__cache_unlink(c, en);
        c->st.expirations++;
        en = NULL;
    }
    if (!en) { c->st.misses++; return false; }
    tg__cache_to_front(c, en);
    c->st.hits++;
    *body = tg__ce_body(en);
    *body_len = en->body_len;
    return true;
}

static void tg__cache_store(tg__cache *c, const tg__req *r, const char *json, size_t len, const char *body, size_t body_len) {
    unsigned char group;
    uint32_t ttl = tg__cache_rule(c, r->method, &group), h;
    size_t ml = strlen(r->method), size = sizeof(tg__cache_entry) + ml + 1 + len + body_len + 1;
    tg__cache_entry *en;
    if (ttl == 0 || size > c->max_bytes) return;
    h = tg__cache_hash(r->method, json, len);
    if ((en = tg__cache_find(c, h, r->method, json, len)) != NULL) tg__cache_unlink(c, en);
    while (c->tail && (c->st.entries >= c->max_entries || c->st.bytes + size > c->max_bytes)) {
        tg__cache_unlink(c, c->tail);
        c->st.evictions++;
    }
    en = (tg__cache_entry *)tg__alloc(tg__bot_alloc(c->bot), size);
    if (!en) return;                      /* out of memory: simply not cached */
    memset(en, 0, sizeof *en);
    en->size = size;
    en->hash = h;
    en->group = group;
    en->key_len = ml + 1 + len;
    en->body_len = body_len;
    en->expires_ms = tg__now_ms(tg__bot_platform(c->bot)) + ttl;
    if (group == TG__CG_CHAT) tg__cache_chat_of(c->bot, json, len, en->chat);
    memcpy(tg__ce_key(en), r->method, ml + 1);
    memcpy(tg__ce_key(en) + ml + 1, json, len);
    memcpy(tg__ce_body(en), body, body_len);
    tg__ce_body(en)[body_len] = '\0';
    en->chain = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = en;
    en->next = c->head;
    if (c->head) c->head->prev = en;
    c->head = en;
    if (!c->tail) c->tail = en;
    c->st.entries++;
    c->st.bytes += size;
    c->st.stores++;
}

static bool tg__cache_prefix(const char *m, const char *const *list, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (strncmp(m, list[i], strlen(list[i])) == 0) return true;
    return false;
}

/* the invalidation rules of cache.h, applied for every call that is not a read */
static void tg__cache_on_write(tg__cache *c, const char *m, uint32_t flags, const char *json, size_t len) {
    static const char *const bot_w[] = { "setMy", "deleteMy", "removeMy", "setChatMenuButton" };
    static const char *const no_chat[] = { "send", "forward", "copy" };
    static const char *const chat_w[] = { "ban", "unban", "promote", "restrict", "pin", "unpin", "leave",
                                          "approve", "decline", "setChat" };
    char chat[40];
    if (c->st.entries == 0) return;        /* nothing to drop: no parsing */
    if (strcmp(m, "logOut") == 0 || strcmp(m, "close") == 0) { tg__cache_drop_if(c, 0, NULL, NULL); return; }
    if (tg__cache_prefix(m, bot_w, sizeof bot_w / sizeof bot_w[0])) tg__cache_drop_if(c, TG__CG_BOT, NULL, NULL);
    if (!tg__cache_prefix(m, no_chat, sizeof no_chat / sizeof no_chat[0])) {
        if (tg__cache_chat_of(c->bot, json, len, chat)) tg__cache_drop_if(c, TG__CG_CHAT, NULL, chat);
        else if (tg__cache_prefix(m, chat_w, sizeof chat_w / sizeof chat_w[0])) tg__cache_drop_if(c, TG__CG_CHAT, NULL, NULL);
    }
    if ((flags & TG__CALL_SPENDS) || strstr(m, "Gift") || strstr(m, "Star") ||
        (json && strstr(json, "\"allow_paid_broadcast\":true")))
        tg__cache_drop_if(c, TG__CG_STARS, NULL, NULL);
    tg__cache_drop_if(c, TG__CG_OTHER, NULL, NULL);
}

TGBOT__INTERN void tg__cache_after(tg__cache *c, const tg__req *r, const char *json, size_t len, tg_err code,
                                   const char *body, size_t body_len) {
    if (r->file_path) return;
    if (!(r->flags & TG__CALL_READ)) tg__cache_on_write(c, r->method, r->flags, json, len);
    else if (code == TG_OK && body) tg__cache_store(c, r, json, len, body, body_len);
}

/* a write that leaves by another way (a webhook reply: its outcome is never known) */
TGBOT__INTERN void tg__cache_write_elsewhere(tg_bot *bot, const char *method, const char *json, size_t len) {
    tg__cache *c = *tg__bot_cache_slot(bot);
    if (c) tg__cache_on_write(c, method, 0, json, len);
}

TGBOT__INTERN void tg__cache_free(tg__cache *c) {
    const tg_allocator *a;
    if (!c) return;
    a = tg__bot_alloc(c->bot);
    while (c->head) tg__cache_unlink(c, c->head);
    tg__free(a, c->buckets, (size_t)c->nbuckets * sizeof *c->buckets);
    tg__free(a, c, sizeof *c);
}

/* ---- the public side ---- */

TGBOT_API tg_err tg_cache_enable(tg_bot *bot, const tg_cache_desc *d) {
    tg__cache **slot = tg__bot_cache_slot(bot), *c = *slot;
    uint32_t max_entries = d && d->max_entries ? d->max_entries : 256, nb = 16;
    size_t max_bytes = d && d->max_bytes ? d->max_bytes : (size_t)1 << 20;
    if (max_entries > (1u << 20)) max_entries = 1u << 20;
    while (nb < max_entries && nb < (1u << 16)) nb <<= 1;
    if (!c) {
        c = (tg__cache *)tg__alloc(tg__bot_alloc(bot), sizeof *c);
        if (!c) return TG_ERR_NOMEM;
        memset(c, 0, sizeof *c);
        c->bot = bot;
        c->buckets = (tg__cache_entry **)tg__alloc(tg__bot_alloc(bot), (size_t)nb * sizeof *c->buckets);
        if (!c->buckets) { tg__free(tg__bot_alloc(bot), c, sizeof *c); return TG_ERR_NOMEM; }
        memset(c->buckets, 0, (size_t)nb * sizeof *c->buckets);
        c->nbuckets = nb;
        *slot = c;
    }
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    while (c->tail && (c->st.entries > c->max_entries || c->st.bytes > c->max_bytes)) {
        tg__cache_unlink(c, c->tail);
        c->st.evictions++;
    }
    return TG_OK;
}

TGBOT_API void tg_cache_disable(tg_bot *bot) {
    tg__cache **slot = tg__bot_cache_slot(bot);
    tg__cache_free(*slot);
    *slot = NULL;
}

TGBOT_API bool tg_cache_enabled(const tg_bot *bot) { return *tg__bot_cache_slot(bot) != NULL; }

TGBOT_API tg_err tg_cache_set_ttl(tg_bot *bot, const char *method, uint32_t ttl_ms) {
    tg__cache *c = *tg__bot_cache_slot(bot);
    size_t i, n = method ? strlen(method) : 0;
    if (!c || n == 0 || n >= sizeof c->over[0].method || tg__cache_never_method(method)) return TG_ERR_ARG;
    for (i = 0; i < n; i++)
        if (!((method[i] >= 'a' && method[i] <= 'z') || (method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= '0' && method[i] <= '9')))
            return TG_ERR_ARG;
    for (i = 0; i < c->nover; i++)
        if (strcmp(c->over[i].method, method) == 0) { c->over[i].ttl_ms = ttl_ms; return TG_OK; }
    if (c->nover >= TGBOT_CACHE_OVERRIDES) return TG_ERR_LIMIT;
    memcpy(c->over[c->nover].method, method, n + 1);
    c->over[c->nover].ttl_ms = ttl_ms;
    c->nover++;
    return TG_OK;
}

TGBOT_API uint32_t tg_cache_ttl(const tg_bot *bot, const char *method) {
    unsigned char group;
    tg__cache *c = *tg__bot_cache_slot(bot);
    return c && method ? tg__cache_rule(c, method, &group) : 0;
}

TGBOT_API uint32_t tg_cache_invalidate(tg_bot *bot, const char *method) {
    tg__cache *c = *tg__bot_cache_slot(bot);
    return c ? tg__cache_drop_if(c, 0, method, NULL) : 0;
}

TGBOT_API void tg_cache_get_stats(const tg_bot *bot, tg_cache_stats *out) {
    const tg__cache *c = *tg__bot_cache_slot(bot);
    if (c) *out = c->st;
    else memset(out, 0, sizeof *out);
}

#endif /* TGBOT__HAS_CACHE */

/* ==== src/ratelimit.c ==== */
/* ratelimit: the three algorithms and the bot's per-scope limiter (see ratelimit.h). */
#if TGBOT__HAS_RATELIMIT

/* ---- sliding window (counter-based) ---- */
TGBOT_API void tg_sliding_window_init(tg_sliding_window *s, uint32_t limit, uint32_t window_ms) {
    memset(s, 0, sizeof *s);
    s->limit = (uint64_t)(limit ? limit : 1) * TG_RL_ONE;
    s->window_ms = window_ms ? window_ms : 1;
}

TGBOT_API uint64_t tg_sliding_window_take(tg_sliding_window *s, uint64_t now, uint32_t cost) {
    uint64_t w = s->window_ms, L = s->limit, c = cost, k, e;
    if (c > L) c = L;
    if (!s->started) { s->started = true; s->start = now; s->cur = s->prev = 0; }
    if (now < s->start) now = s->start;
    k = (now - s->start) / w;
    if (k == 1) { s->prev = s->cur; s->cur = 0; s->start += w; }
    else if (k >= 2) { s->prev = 0; s->cur = 0; s->start += k * w; }
    e = now - s->start;
    /* the estimate: ceil(prev * (w - e) / w) + cur; it must stay within L after adding c */
    if (s->cur + c <= L) {
        uint64_t room = L - s->cur - c;
        if (s->prev * (w - e) <= room * w) { s->cur += c; return 0; }
        return (w - room * w / s->prev) - e;
    }
    /* not in this window: in the next one the current count becomes the previous */
    return (w - e) + (w - (L - c) * w / s->cur);
}

/* ---- token bucket ---- */
TGBOT_API void tg_token_bucket_init(tg_token_bucket *t, uint32_t count, uint32_t period_ms, uint32_t capacity) {
    memset(t, 0, sizeof *t);
    t->count = count ? count : 1;
    t->period_ms = period_ms ? period_ms : 1;
    t->cap = (uint64_t)(capacity ? capacity : 1) * TG_RL_ONE * t->period_ms;
    t->tokens = t->cap;
}

TGBOT_API uint64_t tg_token_bucket_take(tg_token_bucket *t, uint64_t now, uint32_t cost) {
    uint64_t rate = (uint64_t)t->count * TG_RL_ONE, need = (uint64_t)cost * t->period_ms;
    if (!t->started) { t->started = true; t->last = now; }
    if (now > t->last) {
        uint64_t dt = now - t->last, full = t->cap / rate + 1;
        if (dt > full) dt = full;
        t->tokens += dt * rate;
        if (t->tokens > t->cap) t->tokens = t->cap;
        t->last = now;
    }
    if (need > t->cap) need = t->cap;
    if (t->tokens >= need) { t->tokens -= need; return 0; }
    return (need - t->tokens + rate - 1) / rate;
}

/* ---- leaky bucket (meter) ---- */
TGBOT_API void tg_leaky_bucket_init(tg_leaky_bucket *l, uint32_t count, uint32_t period_ms, uint32_t capacity) {
    memset(l, 0, sizeof *l);
    l->count = count ? count : 1;
    l->period_ms = period_ms ? period_ms : 1;
    l->tolerance = (uint64_t)(capacity ? capacity - 1 : 0) * TG_RL_ONE * l->period_ms;
}

TGBOT_API uint64_t tg_leaky_bucket_take(tg_leaky_bucket *l, uint64_t now, uint32_t cost) {
    uint64_t rate = (uint64_t)l->count * TG_RL_ONE;
    if (now > l->last) {
        uint64_t dt = now - l->last, full = l->level / rate + 1;
        if (dt > full) dt = full;
        l->level = l->level > dt * rate ? l->level - dt * rate : 0;
        l->last = now;
    }
    if (l->level <= l->tolerance) { l->level += (uint64_t)cost * l->period_ms; return 0; }
    return (l->level - l->tolerance + rate - 1) / rate;
}

/* ---- the bot's limiter ---- */
TGBOT__INTERN void tg__ratelimit_init(tg__ratelimit *rl, const tg_ratelimit_desc *d) {
    memset(rl, 0, sizeof *rl);
    rl->d = *d;
    if (!rl->d.global_per_s) rl->d.global_per_s = 30;
    if (!rl->d.private_per_s) rl->d.private_per_s = 1;
    if (!rl->d.private_burst) rl->d.private_burst = 1;
    if (!rl->d.group_per_min) rl->d.group_per_min = 20;
    if (!rl->d.paid_per_s) rl->d.paid_per_s = 1000;
    if (!rl->d.recover_ms) rl->d.recover_ms = 60000;
    tg_sliding_window_init(&rl->global, rl->d.global_per_s, 1000);
    tg_token_bucket_init(&rl->paid, rl->d.paid_per_s, 1000, rl->d.paid_per_s);
}

/* the rate of a scope at time t, in thousandths of its full rate */
static uint32_t tg__rl_permille(const tg__ratelimit *rl, tg__rl_scope *sc, uint64_t t) {
    uint64_t p;
    if (!sc->slow_since) return 1000;
    if (t <= sc->slow_since) return sc->slow_permille;
    p = sc->slow_permille + (1000u - sc->slow_permille) * (t - sc->slow_since) / rl->d.recover_ms;
    return p >= 1000 ? 1000u : (uint32_t)p;
}
static uint32_t tg__rl_cost(const tg__ratelimit *rl, tg__rl_scope *sc, uint64_t t) {
    return TG_RL_ONE * 1000u / tg__rl_permille(rl, sc, t);
}

static bool tg__rl_counted(const tg__req *r) {
    const char *m = r->method;
    size_t n = strlen(m);
    if (!(r->flags & TG__CALL_SENDS) || r->file_path) return false;
    if (strcmp(m, "sendChatAction") == 0 || (n > 5 && strcmp(m + n - 5, "Draft") == 0)) return false;
    return strncmp(m, "send", 4) == 0 || strncmp(m, "copy", 4) == 0 || strncmp(m, "forward", 7) == 0;
}

static tg__rl_chat *tg__rl_chat_of(tg__ratelimit *rl, int64_t key, bool group, uint64_t now) {
    tg__rl_chat *c, *victim = &rl->chats[0];
    size_t i;
    for (i = 0; i < TGBOT_RATELIMIT_CHATS; i++) {
        c = &rl->chats[i];
        if (c->in_use && c->key == key) return c;
        if (!c->in_use) { if (victim->in_use) victim = c; }
        else if (victim->in_use && c->used < victim->used) victim = c;
    }
    c = victim;                                   /* a free slot, or the least recently used */
    if (!c->in_use) rl->st.chats++;
    memset(c, 0, sizeof *c);
    c->in_use = true;
    c->key = key;
    c->group = group;
    c->used = now;
    if (group) tg_sliding_window_init(&c->alg.grp, rl->d.group_per_min, 60000);
    else tg_leaky_bucket_init(&c->alg.priv, rl->d.private_per_s, 1000, rl->d.private_burst);
    return c;
}

/* reads chat_id and allow_paid_broadcast from the call's parameters (a scratch parse in the arena) */
static void tg__rl_classify(tg__req *r, tg__ratelimit *rl, uint64_t now) {
    tg_bot *b = r->bot;
    const char *json = r->raw_params ? r->raw_params : r->w->buf;
    size_t len = r->raw_params ? strlen(r->raw_params) : r->w->len, mark = tg_arena_mark(&b->arena);
    tg_json_doc d;
    uint32_t t;
    int64_t id = 0;
    bool paid = false, have = false;
    rl->cur = NULL;
    rl->cur_paid = false;
    if (tg__params_parse(b, json, len, &d)) {
        const char *s = NULL;
        size_t sl = 0;
        t = tg_json_get(&d, 0, "chat_id");
        if (tg_json_i64(&d, t, &id)) {
            have = id != 0;
        } else if (tg_json_str(&d, t, &s, &sl) && sl) {
            char *end = NULL;
            long long v = strtoll(s, &end, 10);
            if (end && *end == '\0' && v != 0) {
                id = (int64_t)v; have = true;
            } else {                          /* "@channelusername": a channel, keyed by a hash */
                uint64_t h = 1469598103934665603ull;
                size_t i;
                for (i = 0; i < sl; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
                id = -(int64_t)(h >> 2) - 1; have = true;
            }
        }
        tg_json_bool(&d, tg_json_get(&d, 0, "allow_paid_broadcast"), &paid);
    }
    tg_arena_rewind(&b->arena, mark);
    rl->cur_paid = paid;
    if (have) rl->cur = tg__rl_chat_of(rl, id, id < 0, now);
}

static uint64_t tg__rl_now(const tg_bot *b, const tg__ratelimit *rl) {
    uint64_t now = tg__now_ms(&b->plat);
    return now > rl->vclock ? now : rl->vclock;
}

/* the wait of the call at time t across its scopes; take = really take the slots (wait is 0 then) */
static uint64_t tg__rl_try(tg__ratelimit *rl, uint64_t t, bool take) {
    uint64_t w = 0, x;
    tg__rl_chat *c = rl->cur;
    if (rl->global_sc.pause_until > t) w = rl->global_sc.pause_until - t;
    if (c && c->sc.pause_until > t + w) w = c->sc.pause_until - t;
    if (w) return w;
    if (c) {
        uint32_t cost = tg__rl_cost(rl, &c->sc, t);
        if (c->group) { tg_sliding_window s = c->alg.grp; x = tg_sliding_window_take(take ? &c->alg.grp : &s, t, cost); }
        else { tg_leaky_bucket l = c->alg.priv; x = tg_leaky_bucket_take(take ? &c->alg.priv : &l, t, cost); }
        if (x > w) w = x;
    }
    {
        uint32_t cost = tg__rl_cost(rl, &rl->global_sc, t);
        if (rl->cur_paid) { tg_token_bucket p = rl->paid; x = tg_token_bucket_take(take ? &rl->paid : &p, t, cost); }
        else { tg_sliding_window s = rl->global; x = tg_sliding_window_take(take ? &rl->global : &s, t, cost); }
        if (x > w) w = x;
    }
    return w;
}

/* [limits] before each attempt of a call: waits for its slot, or refuses (fail_fast, max_wait_ms) */
TGBOT__INTERN tg_err tg__ratelimit_admit(tg__req *r, uint32_t attempt) {
    tg_bot *b = r->bot;
    tg__ratelimit *rl = &b->rl;
    uint64_t now, t;
    int i;
    if (rl->d.disabled) return TG_OK;
    now = tg__rl_now(b, rl);
    if (attempt == 0) {
        rl->after_429 = rl->cur_slowed = false;
        rl->cur_counted = tg__rl_counted(r);
        if (rl->cur_counted) tg__rl_classify(r, rl, now);
    }
    if (!rl->cur_counted) return TG_OK;
    if (attempt > 0) {
        /* a retry keeps the call's slot (the attempt before it was refused or never arrived); after a
           429 the retry's back-off slept retry_after, which is the pause served */
        if (rl->after_429) {
            tg__rl_scope *sc = rl->cur ? &rl->cur->sc : &rl->global_sc;
            if (sc->pause_until > rl->vclock) rl->vclock = sc->pause_until;
        }
        rl->after_429 = false;
        return TG_OK;
    }
    t = now;
    for (i = 0; i < 16; i++) {                    /* the latest time any scope asks for; a few rounds at most */
        uint64_t w = tg__rl_try(rl, t, false);
        if (!w) break;
        t += w;
    }
    if (t > now) {
        uint64_t wait = t - now;
        if (rl->d.fail_fast || (rl->d.max_wait_ms && wait > rl->d.max_wait_ms)) {
            tg_error *e = &b->last;
            rl->st.refused++;
            tg__error_set(e, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "%s: rate limit: it would have to wait %llu ms; not sent",
                          r->method, (unsigned long long)wait);
            e->retry_after = (int32_t)((wait + 999) / 1000 > 86400 ? 86400 : (wait + 999) / 1000);
            return TG_ERR_LIMIT;
        }
        rl->st.waits++;
        rl->st.wait_ms += wait;
        if (b->hooks.on_throttled) b->hooks.on_throttled(b->hooks.ud, r->method, wait > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)wait);
        tg__log(&b->log, TG_LOG_DEBUG, "%s: rate limit: waiting %llu ms", r->method, (unsigned long long)wait);
        while (wait) {
            uint32_t part = wait > 0x7FFFFFFFu ? 0x7FFFFFFFu : (uint32_t)wait;
            tg__sleep_ms(&b->plat, part);
            wait -= part;
        }
        rl->vclock = t;
    }
    tg__rl_try(rl, t, true);
    if (rl->cur) rl->cur->used = t;
    return TG_OK;
}

/* [limits] after each attempt: a 429 pauses the call's chat (or the global lane) and slows it */
TGBOT__INTERN void tg__ratelimit_outcome(tg__req *r, tg_err code, const tg_error *e) {
    tg_bot *b = r->bot;
    tg__ratelimit *rl = &b->rl;
    tg__rl_scope *sc;
    uint64_t now, until;
    uint32_t p;
    if (rl->d.disabled || !rl->cur_counted || code != TG_ERR_API || e->error_code != 429) return;
    now = tg__rl_now(b, rl);
    sc = rl->cur ? &rl->cur->sc : &rl->global_sc;
    until = now + (uint64_t)(e->retry_after > 0 ? e->retry_after : 1) * 1000u;
    p = tg__rl_permille(rl, sc, now);
    if (until > sc->pause_until) sc->pause_until = until;      /* a pause is never shortened */
    if (!rl->cur_slowed) {                    /* once per call: its retries' 429s do not compound */
        sc->slow_permille = p < 1000 ? (p / 2 < 125 ? 125u : p / 2) : 500u;
        rl->cur_slowed = true;
    } else if (p < 1000) {
        sc->slow_permille = p;
    }
    sc->slow_since = sc->pause_until;
    rl->after_429 = true;
    rl->st.pauses++;
}

TGBOT_API void tg_ratelimit_get_stats(const tg_bot *bot, tg_ratelimit_stats *out) { *out = bot->rl.st; }

TGBOT_API bool tg_ratelimit_set_fail_fast(tg_bot *bot, bool on) {
    bool was = bot->rl.d.fail_fast;
    bot->rl.d.fail_fast = on;
    return was;
}

TGBOT_API uint64_t tg_ratelimit_peek(tg_bot *bot, int64_t chat_id) {
    tg__ratelimit *rl = &bot->rl;
    uint64_t now = tg__rl_now(bot, rl), w;
    tg__rl_chat *saved = rl->cur;
    bool paid = rl->cur_paid;
    size_t i;
    if (rl->d.disabled) return 0;
    rl->cur = NULL;
    for (i = 0; i < TGBOT_RATELIMIT_CHATS && chat_id; i++)
        if (rl->chats[i].in_use && rl->chats[i].key == chat_id) rl->cur = &rl->chats[i];
    rl->cur_paid = false;
    w = tg__rl_try(rl, now, false);
    rl->cur = saved;
    rl->cur_paid = paid;
    return w;
}

#endif /* TGBOT__HAS_RATELIMIT */

/* ==== src/breaker.c ==== */
/* breaker: the circuit breaker's state machine (see breaker.h). */
#if TGBOT__HAS_BREAKER

TGBOT__INTERN void tg__breaker_init(tg__breaker *br, const tg_breaker_desc *d) {
    memset(br, 0, sizeof *br);
    br->d = *d;
    if (!br->d.failures) br->d.failures = 10;
    if (!br->d.open_ms) br->d.open_ms = 30000;
    if (!br->d.probes) br->d.probes = 1;
}

static void tg__breaker_set(tg_bot *b, tg_breaker_state s) {
    tg__breaker *br = &b->br;
    if (br->st.state == s) return;
    br->st.state = s;
    br->st.probe_successes = 0;
    if (s == TG_BREAKER_OPEN) { br->st.opened_at = tg__now_ms(&b->plat); br->st.opens++; }
    if (s == TG_BREAKER_CLOSED) br->st.consecutive_failures = 0;
    tg__log(&b->log, s == TG_BREAKER_OPEN ? TG_LOG_WARN : TG_LOG_INFO, "circuit breaker %s", tg_breaker_state_str(s));
    if (b->hooks.on_breaker) b->hooks.on_breaker(b->hooks.ud, (int)s);
}

/* [limits] before each attempt: refuses at once while open; after open_ms lets a probe through */
TGBOT__INTERN tg_err tg__breaker_admit(tg__req *r) {
    tg_bot *b = r->bot;
    tg__breaker *br = &b->br;
    uint64_t now, left;
    if (br->d.disabled || br->st.state != TG_BREAKER_OPEN) return TG_OK;
    now = tg__now_ms(&b->plat);
    if (now >= br->st.opened_at + br->d.open_ms) { tg__breaker_set(b, TG_BREAKER_HALF_OPEN); return TG_OK; }
    left = br->st.opened_at + br->d.open_ms - now;
    br->st.rejected++;
    tg__error_set(&b->last, TG_ERR_BREAKER_OPEN, TG_PHASE_VALIDATE,
                  "%s: circuit breaker open after %u failures (probing again in %llu ms); not sent",
                  r->method, (unsigned)br->st.consecutive_failures, (unsigned long long)left);
    b->last.retry_after = (int32_t)((left + 999) / 1000);
    return TG_ERR_BREAKER_OPEN;
}

/* [limits] after each attempt: answered says whether an HTTP answer arrived (status its status);
   true when the breaker is open now: the call is not retried */
TGBOT__INTERN bool tg__breaker_outcome(tg__req *r, bool answered, int status, tg_err code, const tg_error *e) {
    tg_bot *b = r->bot;
    tg__breaker *br = &b->br;
    bool fail;
    if (br->d.disabled) return false;
    if (answered) {
        if (code == TG_ERR_API && e->error_code == 429) return false;  /* healthy, only busy */
        fail = status >= 500 || (code == TG_ERR_API && e->error_code >= 500);
    } else {
        if (tg_err_kind_of(code) != TG_KIND_NETWORK) return false;     /* ours (memory, arguments, a stop) */
        fail = true;
    }
    if (fail) {
        br->st.failures++;
        br->st.consecutive_failures++;
        if (br->st.state == TG_BREAKER_HALF_OPEN ||
            (br->st.state == TG_BREAKER_CLOSED && br->st.consecutive_failures >= br->d.failures))
            tg__breaker_set(b, TG_BREAKER_OPEN);
    } else {
        br->st.successes++;
        br->st.consecutive_failures = 0;
        if (br->st.state == TG_BREAKER_HALF_OPEN && ++br->st.probe_successes >= br->d.probes)
            tg__breaker_set(b, TG_BREAKER_CLOSED);
    }
    return br->st.state == TG_BREAKER_OPEN;
}

TGBOT_API tg_breaker_state tg_breaker_get_state(const tg_bot *bot) { return bot->br.st.state; }
TGBOT_API void tg_breaker_get_stats(const tg_bot *bot, tg_breaker_stats *out) { *out = bot->br.st; }
TGBOT_API const char *tg_breaker_state_str(tg_breaker_state s) {
    switch (s) {
    case TG_BREAKER_CLOSED: return "closed";
    case TG_BREAKER_OPEN: return "open";
    case TG_BREAKER_HALF_OPEN: return "half-open";
    }
    return "unknown";
}

#endif /* TGBOT__HAS_BREAKER */

/* ==== src/analytics.c ==== */
#if TGBOT__HAS_ANALYTICS
/* analytics: the recording side (called by the pipeline in bot.c and the dispatcher in updates.c),
   the derived figures (percentiles, EWMAs, trend, health) and the two exports. See analytics.h. */

#define TGBOT__AN_KINDS 16
#define TGBOT__AN_MINUTES 16
#define TGBOT__AN_FIT 10
#define TGBOT__AN_WARMUP 20
#define TGBOT__AN_FLAG_MS 60000u

static const uint32_t tg__an_bounds[TG_ANALYTICS_BUCKETS - 1] = {
    0, 1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724, 1024, 1448, 2048,
    2896, 4096, 5793, 8192, 11585, 16384, 23170, 32768, 46341, 65536 };

typedef struct tg__an_row {
    char name[48];
    uint64_t calls, errors, retries, sum_ms, min_ms, max_ms;
    uint64_t err[TG_AN_CLASS_COUNT];
    uint64_t hist[TG_ANALYTICS_BUCKETS];
} tg__an_row;

struct tg_analytics {
    tg_bot *bot;
    uint64_t t_start;
    tg__an_row rows[TGBOT_ANALYTICS_METHODS + 1];   /* the last one is "other" */
    uint32_t nrows;
    char kinds[TGBOT__AN_KINDS + 1][32];
    uint64_t kind_n[TGBOT__AN_KINDS + 1];
    uint32_t nkinds;
    uint64_t calls, errors, retries, rl_hits, rl_waits, rl_wait_ms;
    uint64_t updates, unhandled, handler_ms;
    uint64_t lat_anom, err_anom;
    uint64_t last_anomaly_at, last_rl_at;
    bool any_anomaly, any_rl;
    uint32_t fail_streak;
    double lat_mean, lat_var, err_fast, err_slow;
    /* load: minute buckets; min_cur is the open minute (absolute minute number since t_start) */
    uint64_t min_cur, min_count[TGBOT__AN_MINUTES];
    uint64_t min_closed;               /* how many minutes have closed */
    double load_ewma;
};

static const char *const tg__an_class_names[TG_AN_CLASS_COUNT][2] = {   /* class, code */
    { "network", NULL }, { "tls", NULL }, { "protocol", NULL },
    { "telegram", "400" }, { "telegram", "401" }, { "telegram", "403" }, { "telegram", "404" },
    { "telegram", "409" }, { "telegram", "429" }, { "telegram", "4xx_other" }, { "telegram", "5xx" },
    { "outcome_unknown", NULL }, { "other", NULL } };

TGBOT_API const char *tg_analytics_class_str(tg_analytics_class c) {
    static const char *const names[TG_AN_CLASS_COUNT] = { "network", "tls", "protocol", "400", "401", "403",
        "404", "409", "429", "4xx_other", "5xx", "outcome_unknown", "other" };
    return (unsigned)c < TG_AN_CLASS_COUNT ? names[c] : "?";
}

TGBOT_API const char *tg_health_str(tg_health h) {
    return h == TG_HEALTH_OK ? "ok" : h == TG_HEALTH_DEGRADED ? "degraded" : "failing";
}

static uint64_t tg__an_now(const tg_analytics *a) { return tg__now_ms(tg__bot_platform(a->bot)); }

static void tg__an_clear(tg_analytics *a) {
    tg_bot *bot = a->bot;
    memset(a, 0, sizeof *a);
    a->bot = bot;
    a->t_start = tg__an_now(a);
    snprintf(a->rows[TGBOT_ANALYTICS_METHODS].name, sizeof a->rows[0].name, "other");
    snprintf(a->kinds[TGBOT__AN_KINDS], sizeof a->kinds[0], "other");
}

TGBOT_API tg_err tg_analytics_enable(tg_bot *bot) {
    tg_analytics **slot = tg__bot_analytics_slot(bot);
    tg_analytics *a;
    if (*slot) return TG_OK;
    a = (tg_analytics *)tg__alloc(tg__bot_alloc(bot), sizeof *a);
    if (!a) return TG_ERR_NOMEM;
    a->bot = bot;
    tg__an_clear(a);
    *slot = a;
    return TG_OK;
}

TGBOT__INTERN void tg__analytics_free(tg_analytics *a) {
    if (a) tg__free(tg__bot_alloc(a->bot), a, sizeof *a);
}

TGBOT_API tg_analytics *tg_bot_analytics(tg_bot *bot) { return *tg__bot_analytics_slot(bot); }
TGBOT_API void tg_analytics_reset(tg_analytics *a) { tg__an_clear(a); }

/* moves the open minute forward to now, closing the minutes in between (zero calls in the gaps) */
static void tg__an_roll(tg_analytics *a, uint64_t now) {
    uint64_t m = (now >= a->t_start ? now - a->t_start : 0) / 60000u;
    while (a->min_cur < m) {
        double c = (double)a->min_count[a->min_cur % TGBOT__AN_MINUTES];
        a->load_ewma = a->min_closed ? 0.3 * c + 0.7 * a->load_ewma : c;
        a->min_closed++;
        a->min_cur++;
        a->min_count[a->min_cur % TGBOT__AN_MINUTES] = 0;
        if (m - a->min_cur > 4u * TGBOT__AN_MINUTES) {   /* a long idle gap: every minute in it is 0 */
            uint64_t gap = m - a->min_cur, k;
            for (k = 0; k < TGBOT__AN_MINUTES; k++) a->min_count[k] = 0;
            for (k = 0; k < gap && k < 200u; k++) a->load_ewma *= 0.7;
            if (gap >= 200u) a->load_ewma = 0;
            a->min_closed += gap;
            a->min_cur = m;
        }
    }
}

static tg__an_row *tg__an_row_for(tg_analytics *a, const char *method) {
    uint32_t i;
    size_t n = method ? strlen(method) : 0;
    if (n == 0 || n >= sizeof a->rows[0].name) return &a->rows[TGBOT_ANALYTICS_METHODS];
    for (i = 0; i < a->nrows; i++)
        if (strcmp(a->rows[i].name, method) == 0) return &a->rows[i];
    if (a->nrows == TGBOT_ANALYTICS_METHODS) return &a->rows[TGBOT_ANALYTICS_METHODS];
    memcpy(a->rows[a->nrows].name, method, n + 1);
    return &a->rows[a->nrows++];
}

static tg_analytics_class tg__an_classify(const tg_analytics_sample *s) {
    if (s->code == TG_ERR_API) {
        switch (s->error_code) {
        case 400: return TG_AN_API_400;
        case 401: return TG_AN_API_401;
        case 403: return TG_AN_API_403;
        case 404: return TG_AN_API_404;
        case 409: return TG_AN_API_409;
        case 429: return TG_AN_API_429;
        default: return s->error_code >= 500 ? TG_AN_API_5XX : TG_AN_API_4XX_OTHER;
        }
    }
    if (s->code == TG_ERR_OUTCOME_UNKNOWN) return TG_AN_OUTCOME_UNKNOWN;
    switch (tg_err_kind_of(s->code)) {
    case TG_KIND_NETWORK: return TG_AN_NETWORK;
    case TG_KIND_TLS: return TG_AN_TLS;
    case TG_KIND_HTTP: case TG_KIND_JSON: return TG_AN_PROTOCOL;
    default: return TG_AN_OTHER;
    }
}

static uint32_t tg__an_bucket(uint64_t ms) {
    uint32_t i;
    for (i = 0; i < TG_ANALYTICS_BUCKETS - 1; i++) if (ms <= tg__an_bounds[i]) return i;
    return TG_ANALYTICS_BUCKETS - 1;
}

TGBOT_API void tg_analytics_record(tg_analytics *a, const tg_analytics_sample *s) {
    uint64_t now = tg__an_now(a);
    tg__an_row *r = tg__an_row_for(a, s->method);
    bool failed = s->code != TG_OK;
    uint32_t retries = s->attempts > 1 ? s->attempts - 1 : 0;
    double x = (double)s->latency_ms, d, e = failed ? 1.0 : 0.0;
    tg__an_roll(a, now);
    a->min_count[a->min_cur % TGBOT__AN_MINUTES]++;
    if (r->calls == 0 || s->latency_ms < r->min_ms) r->min_ms = s->latency_ms;
    if (s->latency_ms > r->max_ms) r->max_ms = s->latency_ms;
    r->calls++;
    r->retries += retries;
    r->sum_ms += s->latency_ms;
    r->hist[tg__an_bucket(s->latency_ms)]++;
    a->calls++;
    a->retries += retries;
    if (failed) {
        tg_analytics_class c = tg__an_classify(s);
        r->errors++;
        r->err[c]++;
        a->errors++;
        a->fail_streak++;
        if (c == TG_AN_API_429) a->rl_hits++;     /* the final answer; waited-out 429s come via retry */
    } else {
        a->fail_streak = 0;
    }
    /* latency: z-score against the EWMAs before this sample */
    if (a->calls == 1) {
        a->lat_mean = x;
        a->lat_var = 0;
    } else {
        double sd2 = a->lat_var, f1 = 1.0, f2 = 0.1 * a->lat_mean;
        if (sd2 < f1 * f1) sd2 = f1 * f1;
        if (sd2 < f2 * f2) sd2 = f2 * f2;
        d = x - a->lat_mean;
        if (a->calls > TGBOT__AN_WARMUP && d > 0 && d * d > 9.0 * sd2) {
            a->lat_anom++;
            a->last_anomaly_at = now;
            a->any_anomaly = true;
        }
        a->lat_mean += d / 8.0;
        a->lat_var = (1.0 - 1.0 / 8.0) * (a->lat_var + d * d / 8.0);
    }
    /* error rate: fast against slow */
    if (a->calls == 1) {
        a->err_fast = a->err_slow = e;
    } else {
        double p, diff;
        a->err_fast += (e - a->err_fast) / 16.0;
        a->err_slow += (e - a->err_slow) / 256.0;
        p = a->err_slow < 0.02 ? 0.02 : a->err_slow;
        diff = a->err_fast - a->err_slow;
        if (a->calls > TGBOT__AN_WARMUP && diff > 0 && diff * diff > 9.0 * p * (1.0 - p) / 31.0 && failed) {
            a->err_anom++;
            a->last_anomaly_at = now;
            a->any_anomaly = true;
        }
    }
}

TGBOT__INTERN void tg__analytics_retry(tg_analytics *a, const tg_error *e, uint32_t wait_ms) {
    if (!a || !e || e->code != TG_ERR_API || e->error_code != 429) return;
    a->rl_hits++;
    a->rl_waits++;
    a->rl_wait_ms += wait_ms;
    a->last_rl_at = tg__an_now(a);
    a->any_rl = true;
}

TGBOT__INTERN void tg__analytics_call(tg_analytics *a, const char *method, const tg_error *e, tg_err code,
                                      uint64_t ms, uint32_t attempts) {
    tg_analytics_sample s;
    if (!a || code == TG_ERR_STOPPED) return;
    memset(&s, 0, sizeof s);
    s.method = method;
    s.code = code;
    s.error_code = code == TG_OK ? 0 : e->error_code;
    s.http_status = e->http_status;
    s.latency_ms = ms;
    s.attempts = attempts;
    tg_analytics_record(a, &s);
}

/* update kinds come from the peer (the update's first key): only [a-z_] names get a row */
static bool tg__an_kind_ok(const char *k, size_t n) {
    size_t i;
    if (n == 0 || n >= 32) return false;
    for (i = 0; i < n; i++) if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_')) return false;
    return true;
}

TGBOT_API void tg_analytics_record_update(tg_analytics *a, const char *kind, bool handled, uint64_t handler_ms) {
    uint32_t i;
    size_t n = kind ? strlen(kind) : 0;
    if (!a) return;
    a->updates++;
    if (!handled) a->unhandled++;
    a->handler_ms += handler_ms;
    if (!tg__an_kind_ok(kind, n)) { a->kind_n[TGBOT__AN_KINDS]++; return; }
    for (i = 0; i < a->nkinds; i++)
        if (strcmp(a->kinds[i], kind) == 0) { a->kind_n[i]++; return; }
    if (a->nkinds == TGBOT__AN_KINDS) { a->kind_n[TGBOT__AN_KINDS]++; return; }
    memcpy(a->kinds[a->nkinds], kind, n + 1);
    a->kind_n[a->nkinds++] = 1;
}

/* nearest-rank percentile from the histogram: q in per-mille */
static uint64_t tg__an_pct(const tg__an_row *r, uint32_t q) {
    uint64_t rank, cum = 0;
    uint32_t i;
    if (!r->calls) return 0;
    rank = (r->calls * q + 999u) / 1000u;
    if (rank < 1) rank = 1;
    for (i = 0; i < TG_ANALYTICS_BUCKETS; i++) {
        cum += r->hist[i];
        if (cum >= rank) {
            uint64_t v = i < TG_ANALYTICS_BUCKETS - 1 ? tg__an_bounds[i] : r->max_ms;
            if (v > r->max_ms) v = r->max_ms;
            if (v < r->min_ms) v = r->min_ms;
            return v;
        }
    }
    return r->max_ms;
}

static void tg__an_row_stats(const tg__an_row *r, tg_analytics_method_stats *o) {
    memset(o, 0, sizeof *o);
    o->method = r->name;
    o->calls = r->calls; o->errors = r->errors; o->retries = r->retries;
    memcpy(o->errors_by_class, r->err, sizeof o->errors_by_class);
    o->min_ms = r->min_ms; o->max_ms = r->max_ms; o->sum_ms = r->sum_ms;
    o->mean_ms = r->calls ? (double)r->sum_ms / (double)r->calls : 0.0;
    o->p50_ms = tg__an_pct(r, 500);
    o->p90_ms = tg__an_pct(r, 900);
    o->p99_ms = tg__an_pct(r, 990);
}

TGBOT_API bool tg_analytics_method(tg_analytics *a, const char *method, tg_analytics_method_stats *out) {
    uint32_t i;
    for (i = 0; i < a->nrows; i++)
        if (strcmp(a->rows[i].name, method) == 0) { tg__an_row_stats(&a->rows[i], out); return true; }
    if (strcmp(method, "other") == 0 && a->rows[TGBOT_ANALYTICS_METHODS].calls) {
        tg__an_row_stats(&a->rows[TGBOT_ANALYTICS_METHODS], out);
        return true;
    }
    return false;
}

/* least squares through the last closed minutes (x = 0..n-1), evaluated at x = n */
static void tg__an_fit(const tg_analytics *a, double *slope, double *pred) {
    uint64_t n = a->min_closed < TGBOT__AN_FIT ? a->min_closed : TGBOT__AN_FIT, i;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, b = 0, c, p;
    *slope = 0; *pred = 0;
    if (n == 0) return;
    for (i = 0; i < n; i++) {
        double x = (double)i, y = (double)a->min_count[(a->min_cur - n + i) % TGBOT__AN_MINUTES];
        sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    if (n > 1) b = ((double)n * sxy - sx * sy) / ((double)n * sxx - sx * sx);
    c = (sy - b * sx) / (double)n;
    p = c + b * (double)n;
    *slope = b;
    *pred = p > 0 ? p : 0;
}

static tg_health tg__an_health(const tg_analytics *a, uint64_t now, const char **reason) {
    bool recent_anom = a->any_anomaly && now - a->last_anomaly_at < TGBOT__AN_FLAG_MS;
    bool recent_rl = a->any_rl && now - a->last_rl_at < TGBOT__AN_FLAG_MS;
    if (a->fail_streak >= 5) { *reason = "failing: the last 5 calls failed"; return TG_HEALTH_FAILING; }
    if (a->calls >= 5 && a->err_fast >= 0.5) { *reason = "failing: error rate (EWMA) is 50% or more"; return TG_HEALTH_FAILING; }
    if (a->calls >= 5 && a->err_fast >= 0.1) { *reason = "degraded: error rate (EWMA) is 10% or more"; return TG_HEALTH_DEGRADED; }
    if (recent_anom) { *reason = "degraded: a latency or error-rate anomaly in the last 60 s"; return TG_HEALTH_DEGRADED; }
    if (recent_rl) { *reason = "degraded: rate limited (429) in the last 60 s"; return TG_HEALTH_DEGRADED; }
    *reason = "ok";
    return TG_HEALTH_OK;
}

TGBOT_API void tg_analytics_get_summary(tg_analytics *a, tg_analytics_summary *o) {
    uint64_t now = tg__an_now(a);
    tg__an_roll(a, now);
    memset(o, 0, sizeof *o);
    o->calls = a->calls; o->errors = a->errors; o->retries = a->retries;
    o->rate_limit_hits = a->rl_hits; o->rate_limit_waits = a->rl_waits; o->rate_limit_wait_ms = a->rl_wait_ms;
    o->updates = a->updates; o->updates_unhandled = a->unhandled; o->handler_ms = a->handler_ms;
    o->latency_anomalies = a->lat_anom; o->error_rate_anomalies = a->err_anom;
    o->uptime_ms = now >= a->t_start ? now - a->t_start : 0;
    o->error_rate = a->calls ? (double)a->errors / (double)a->calls : 0.0;
    o->error_rate_ewma = a->err_fast;
    o->latency_ewma_ms = a->lat_mean;
    {   /* a square root by Newton's method: no libm */
        double v = a->lat_var, s = v > 1 ? v : 1;
        int i;
        if (v <= 0) s = 0;
        else for (i = 0; i < 60; i++) s = 0.5 * (s + v / s);
        o->latency_dev_ms = s;
    }
    o->anomaly = a->any_anomaly && now - a->last_anomaly_at < TGBOT__AN_FLAG_MS;
    o->load_per_min_ewma = a->load_ewma;
    tg__an_fit(a, &o->load_trend, &o->load_predicted);
    o->health = tg__an_health(a, now, &o->health_reason);
}

TGBOT_API tg_health tg_analytics_health(tg_analytics *a, const char **reason) {
    const char *r;
    tg_health h = tg__an_health(a, tg__an_now(a), &r);
    if (reason) *reason = r;
    return h;
}

/* ---- Prometheus text: a sink that counts what does not fit ---- */
typedef struct tg__an_out { char *buf; size_t cap, len; } tg__an_out;

static void tg__an_put(tg__an_out *o, const char *s, size_t n) {
    if (o->len < o->cap) {
        size_t room = o->cap - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
    }
    o->len += n;
}
static void tg__an_puts(tg__an_out *o, const char *s) { tg__an_put(o, s, strlen(s)); }
static void tg__an_u64(tg__an_out *o, uint64_t v) {
    char tmp[24], *p = tmp + sizeof tmp;
    do { *--p = (char)('0' + v % 10); v /= 10; } while (v);
    tg__an_put(o, p, (size_t)(tmp + sizeof tmp - p));
}
/* fixed point, 6 decimals, no locale */
static void tg__an_f64(tg__an_out *o, double v) {
    uint64_t ip, fp;
    char frac[7];
    int i;
    if (v != v) v = 0;
    if (v < 0) { tg__an_puts(o, "-"); v = -v; }
    if (v > 1e15) v = 1e15;
    ip = (uint64_t)v;
    fp = (uint64_t)((v - (double)ip) * 1e6 + 0.5);
    if (fp >= 1000000u) { ip++; fp -= 1000000u; }
    tg__an_u64(o, ip);
    for (i = 5; i >= 0; i--) { frac[i] = (char)('0' + fp % 10); fp /= 10; }
    frac[6] = '\0';
    tg__an_puts(o, ".");
    tg__an_puts(o, frac);
}
static void tg__an_head(tg__an_out *o, const char *name, const char *type, const char *help) {
    tg__an_puts(o, "# HELP "); tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_puts(o, help);
    tg__an_puts(o, "\n# TYPE "); tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_puts(o, type);
    tg__an_puts(o, "\n");
}
static void tg__an_metric_u(tg__an_out *o, const char *name, const char *type, const char *help, uint64_t v) {
    tg__an_head(o, name, type, help);
    tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_u64(o, v); tg__an_puts(o, "\n");
}
static void tg__an_metric_f(tg__an_out *o, const char *name, const char *help, double v) {
    tg__an_head(o, name, "gauge", help);
    tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_f64(o, v); tg__an_puts(o, "\n");
}
/* name{method="m"<extra>} (method names are [A-Za-z0-9] — tg_call checks — but escape anyway) */
static void tg__an_label(tg__an_out *o, const char *name, const char *suffix, const char *key, const char *val,
                         const char *extra) {
    const char *p;
    tg__an_puts(o, name); tg__an_puts(o, suffix);
    tg__an_puts(o, "{"); tg__an_puts(o, key); tg__an_puts(o, "=\"");
    for (p = val; *p; p++) {
        if (*p == '\\' || *p == '"') tg__an_put(o, "\\", 1);
        if (*p == '\n') { tg__an_puts(o, "\\n"); continue; }
        tg__an_put(o, p, 1);
    }
    tg__an_puts(o, "\"");
    if (extra) tg__an_puts(o, extra);
    tg__an_puts(o, "} ");
}
static void tg__an_ms_as_s(tg__an_out *o, uint64_t ms) {
    char frac[5];
    tg__an_u64(o, ms / 1000u);
    frac[0] = '.';
    frac[1] = (char)('0' + ms / 100u % 10u); frac[2] = (char)('0' + ms / 10u % 10u); frac[3] = (char)('0' + ms % 10u);
    frac[4] = '\0';
    tg__an_puts(o, frac);
}

static bool tg__an_row_used(const tg_analytics *a, uint32_t i) {
    return i < a->nrows || (i == TGBOT_ANALYTICS_METHODS && a->rows[i].calls);
}

TGBOT_API size_t tg_analytics_prometheus(tg_analytics *a, char *buf, size_t cap) {
    tg__an_out o;
    tg_analytics_summary s;
    uint32_t i, k;
    static const char *const states[3] = { "ok", "degraded", "failing" };
    o.buf = buf; o.cap = cap; o.len = 0;
    tg_analytics_get_summary(a, &s);
    tg__an_metric_u(&o, "tgbot_calls_total", "counter", "Bot API calls that reached the network.", s.calls);
    tg__an_metric_u(&o, "tgbot_errors_total", "counter", "Calls that ended with an error.", s.errors);
    tg__an_metric_u(&o, "tgbot_retries_total", "counter", "Repeated attempts inside calls.", s.retries);
    tg__an_metric_u(&o, "tgbot_rate_limit_hits_total", "counter", "429 answers from Telegram.", s.rate_limit_hits);
    tg__an_metric_u(&o, "tgbot_rate_limit_waits_total", "counter", "Back-off waits after a 429.", s.rate_limit_waits);
    tg__an_head(&o, "tgbot_rate_limit_wait_seconds_total", "counter", "Time spent waiting after 429s.");
    tg__an_puts(&o, "tgbot_rate_limit_wait_seconds_total "); tg__an_ms_as_s(&o, s.rate_limit_wait_ms); tg__an_puts(&o, "\n");
    tg__an_metric_u(&o, "tgbot_updates_unhandled_total", "counter", "Updates no handler took.", s.updates_unhandled);
    tg__an_head(&o, "tgbot_handler_seconds_total", "counter", "Time spent dispatching updates (decode, middleware, handlers).");
    tg__an_puts(&o, "tgbot_handler_seconds_total "); tg__an_ms_as_s(&o, s.handler_ms); tg__an_puts(&o, "\n");
    tg__an_metric_u(&o, "tgbot_latency_anomalies_total", "counter", "Calls flagged by the latency z-score.", s.latency_anomalies);
    tg__an_metric_u(&o, "tgbot_error_rate_anomalies_total", "counter", "Calls flagged by the error-rate z-score.", s.error_rate_anomalies);
    tg__an_head(&o, "tgbot_uptime_seconds", "gauge", "Time since analytics was enabled or reset.");
    tg__an_puts(&o, "tgbot_uptime_seconds "); tg__an_ms_as_s(&o, s.uptime_ms); tg__an_puts(&o, "\n");
    tg__an_metric_f(&o, "tgbot_error_ratio", "Errors divided by calls since enable or reset.", s.error_rate);
    tg__an_metric_f(&o, "tgbot_error_ratio_ewma", "EWMA (alpha 1/16) of the call failure indicator.", s.error_rate_ewma);
    tg__an_metric_f(&o, "tgbot_latency_ewma_seconds", "EWMA (alpha 1/8) of call latency.", s.latency_ewma_ms / 1000.0);
    tg__an_metric_f(&o, "tgbot_latency_deviation_seconds", "EWMA standard deviation of call latency.", s.latency_dev_ms / 1000.0);
    tg__an_metric_u(&o, "tgbot_anomaly", "gauge", "1 while an anomaly was flagged in the last 60 s.", s.anomaly ? 1u : 0u);
    tg__an_metric_f(&o, "tgbot_load_calls_per_minute", "EWMA (alpha 0.3) of calls per closed minute.", s.load_per_min_ewma);
    tg__an_metric_f(&o, "tgbot_load_trend", "Slope of calls per minute over the last 10 minutes.", s.load_trend);
    tg__an_metric_f(&o, "tgbot_load_predicted_calls_next_minute", "Linear prediction of calls in the next minute.", s.load_predicted);
    tg__an_head(&o, "tgbot_health", "gauge", "1 for the current health state.");
    for (i = 0; i < 3; i++) {
        tg__an_label(&o, "tgbot_health", "", "state", states[i], NULL);
        tg__an_u64(&o, (uint32_t)s.health == i ? 1u : 0u); tg__an_puts(&o, "\n");
    }
#if TGBOT__HAS_CACHE       /* [cache] read from the bot's cache at export time, only when it is enabled */
    if (tg_cache_enabled(a->bot)) {
        tg_cache_stats cs;
        tg_cache_get_stats(a->bot, &cs);
        tg__an_metric_u(&o, "tgbot_cache_hits_total", "counter", "Read calls answered from the cache (not sent).", cs.hits);
        tg__an_metric_u(&o, "tgbot_cache_misses_total", "counter", "Cacheable read calls that asked Telegram.", cs.misses);
        tg__an_metric_f(&o, "tgbot_cache_hit_ratio", "Cache hits divided by hits and misses.",
                        cs.hits + cs.misses ? (double)cs.hits / (double)(cs.hits + cs.misses) : 0.0);
        tg__an_metric_u(&o, "tgbot_cache_entries", "gauge", "Answers held in the cache.", cs.entries);
        tg__an_metric_u(&o, "tgbot_cache_bytes", "gauge", "Bytes held in the cache.", (uint64_t)cs.bytes);
    }
#endif
    /* per method */
    tg__an_head(&o, "tgbot_method_calls_total", "counter", "Calls per Bot API method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_calls_total", "", "method", a->rows[i].name, NULL);
        tg__an_u64(&o, a->rows[i].calls); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_retries_total", "counter", "Repeated attempts per method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_retries_total", "", "method", a->rows[i].name, NULL);
        tg__an_u64(&o, a->rows[i].retries); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_errors_total", "counter", "Failed calls per method and error class (code: Telegram's error_code).");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        for (k = 0; k < TG_AN_CLASS_COUNT; k++) {
            char extra[48];
            if (tg__an_class_names[k][1])
                snprintf(extra, sizeof extra, ",class=\"%s\",code=\"%s\"", tg__an_class_names[k][0], tg__an_class_names[k][1]);
            else
                snprintf(extra, sizeof extra, ",class=\"%s\"", tg__an_class_names[k][0]);
            tg__an_label(&o, "tgbot_method_errors_total", "", "method", a->rows[i].name, extra);
            tg__an_u64(&o, a->rows[i].err[k]); tg__an_puts(&o, "\n");
        }
    }
    tg__an_head(&o, "tgbot_method_duration_seconds", "histogram", "Call latency per method, retries included.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        uint64_t cum = 0;
        for (k = 0; k < TG_ANALYTICS_BUCKETS; k++) {
            char le[32];
            cum += a->rows[i].hist[k];
            if (k < TG_ANALYTICS_BUCKETS - 1) {
                uint32_t ms = tg__an_bounds[k];
                snprintf(le, sizeof le, ",le=\"%u.%03u\"", (unsigned)(ms / 1000u), (unsigned)(ms % 1000u));
            } else {
                snprintf(le, sizeof le, ",le=\"+Inf\"");
            }
            tg__an_label(&o, "tgbot_method_duration_seconds", "_bucket", "method", a->rows[i].name, le);
            tg__an_u64(&o, cum); tg__an_puts(&o, "\n");
        }
        tg__an_label(&o, "tgbot_method_duration_seconds", "_sum", "method", a->rows[i].name, NULL);
        tg__an_ms_as_s(&o, a->rows[i].sum_ms); tg__an_puts(&o, "\n");
        tg__an_label(&o, "tgbot_method_duration_seconds", "_count", "method", a->rows[i].name, NULL);
        tg__an_u64(&o, a->rows[i].calls); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_duration_min_seconds", "gauge", "Fastest call per method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_duration_min_seconds", "", "method", a->rows[i].name, NULL);
        tg__an_ms_as_s(&o, a->rows[i].min_ms); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_duration_max_seconds", "gauge", "Slowest call per method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_duration_max_seconds", "", "method", a->rows[i].name, NULL);
        tg__an_ms_as_s(&o, a->rows[i].max_ms); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_updates_total", "counter", "Updates dispatched, by kind.");
    for (i = 0; i <= TGBOT__AN_KINDS; i++) if (i < a->nkinds || (i == TGBOT__AN_KINDS && a->kind_n[i])) {
        tg__an_label(&o, "tgbot_updates_total", "", "kind", a->kinds[i], NULL);
        tg__an_u64(&o, a->kind_n[i]); tg__an_puts(&o, "\n");
    }
    if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

/* ---- JSON ---- */
static void tg__an_ju(tg_json_writer *w, const char *k, uint64_t v) { tg_json_key(w, k); tg_json_write_i64(w, (int64_t)v); }
static void tg__an_jf(tg_json_writer *w, const char *k, double v) { tg_json_key(w, k); tg_json_write_f64(w, v); }

TGBOT_API void tg_analytics_json(tg_analytics *a, tg_json_writer *w) {
    tg_analytics_summary s;
    uint32_t i, k;
    tg_analytics_get_summary(a, &s);
    tg_json_obj_begin(w);
    tg__an_ju(w, "calls", s.calls); tg__an_ju(w, "errors", s.errors); tg__an_ju(w, "retries", s.retries);
    tg__an_ju(w, "rate_limit_hits", s.rate_limit_hits); tg__an_ju(w, "rate_limit_waits", s.rate_limit_waits);
    tg__an_ju(w, "rate_limit_wait_ms", s.rate_limit_wait_ms);
    tg__an_ju(w, "updates", s.updates); tg__an_ju(w, "updates_unhandled", s.updates_unhandled);
    tg__an_ju(w, "handler_ms", s.handler_ms);
    tg__an_ju(w, "latency_anomalies", s.latency_anomalies); tg__an_ju(w, "error_rate_anomalies", s.error_rate_anomalies);
    tg__an_ju(w, "uptime_ms", s.uptime_ms);
    tg__an_jf(w, "error_rate", s.error_rate); tg__an_jf(w, "error_rate_ewma", s.error_rate_ewma);
    tg__an_jf(w, "latency_ewma_ms", s.latency_ewma_ms); tg__an_jf(w, "latency_dev_ms", s.latency_dev_ms);
    tg_json_key(w, "anomaly"); tg_json_write_bool(w, s.anomaly);
#if TGBOT__HAS_CACHE       /* [cache] as in the Prometheus text */
    if (tg_cache_enabled(a->bot)) {
        tg_cache_stats cs;
        tg_cache_get_stats(a->bot, &cs);
        tg_json_key(w, "cache"); tg_json_obj_begin(w);
        tg__an_ju(w, "hits", cs.hits); tg__an_ju(w, "misses", cs.misses);
        tg__an_jf(w, "hit_rate", cs.hits + cs.misses ? (double)cs.hits / (double)(cs.hits + cs.misses) : 0.0);
        tg__an_ju(w, "entries", cs.entries); tg__an_ju(w, "bytes", (uint64_t)cs.bytes);
        tg_json_obj_end(w);
    }
#endif
    tg_json_key(w, "load"); tg_json_obj_begin(w);
    tg__an_jf(w, "calls_per_min_ewma", s.load_per_min_ewma); tg__an_jf(w, "trend", s.load_trend);
    tg__an_jf(w, "predicted_next_min", s.load_predicted);
    tg_json_obj_end(w);
    tg_json_key(w, "health"); tg_json_obj_begin(w);
    tg_json_key(w, "state"); tg_json_write_str(w, tg_health_str(s.health));
    tg_json_key(w, "reason"); tg_json_write_str(w, s.health_reason);
    tg_json_obj_end(w);
    tg_json_key(w, "methods"); tg_json_obj_begin(w);
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg_analytics_method_stats m;
        tg__an_row_stats(&a->rows[i], &m);
        tg_json_key(w, m.method); tg_json_obj_begin(w);
        tg__an_ju(w, "calls", m.calls); tg__an_ju(w, "errors", m.errors); tg__an_ju(w, "retries", m.retries);
        tg_json_key(w, "errors_by_class"); tg_json_obj_begin(w);
        for (k = 0; k < TG_AN_CLASS_COUNT; k++) if (m.errors_by_class[k])
            tg__an_ju(w, tg_analytics_class_str((tg_analytics_class)k), m.errors_by_class[k]);
        tg_json_obj_end(w);
        tg__an_ju(w, "min_ms", m.min_ms); tg__an_ju(w, "max_ms", m.max_ms); tg__an_jf(w, "mean_ms", m.mean_ms);
        tg__an_ju(w, "p50_ms", m.p50_ms); tg__an_ju(w, "p90_ms", m.p90_ms); tg__an_ju(w, "p99_ms", m.p99_ms);
        tg_json_obj_end(w);
    }
    tg_json_obj_end(w);
    tg_json_key(w, "updates_by_kind"); tg_json_obj_begin(w);
    for (i = 0; i <= TGBOT__AN_KINDS; i++) if (i < a->nkinds || (i == TGBOT__AN_KINDS && a->kind_n[i]))
        tg__an_ju(w, a->kinds[i], a->kind_n[i]);
    tg_json_obj_end(w);
    tg_json_obj_end(w);
}
#endif /* TGBOT__HAS_ANALYTICS */

/* ==== src/impl_end.c ==== */
#endif /* TGBOT_IMPLEMENTATION */

/*
MIT License

Copyright (c) 2026 the tgbot.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/
