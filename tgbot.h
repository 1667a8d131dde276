/* tgbot.h -- a single-header C library for the Telegram Bot API.
   Version 0.1.0, Bot API 10.1. MIT licence (text at the end of this file).

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

   MODULE SWITCHES (off by default; "#define X" or "#define X 1" = on, "#define X 0" = off)
       TGBOT_ENABLE_CACHE       TTL+LRU cache for read methods            (module not written yet)
       TGBOT_ENABLE_RATELIMIT   Telegram's limits per scope               (module not written yet)
       TGBOT_ENABLE_BREAKER     circuit breaker                           (module not written yet)
       TGBOT_ENABLE_ANALYTICS   metrics, Prometheus/JSON export           (module not written yet)
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
#define TGBOT_BOTAPI_VERSION "10.1"

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
    X(TG_ERR_PROXY_AUTH,     "proxy: authentication failed (wrong or missing credentials)")

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

/* ==== src/gen/api.h ==== */
/* GENERATED by tools/gen_api.py from the Bot API Bot API 10.1 spec: do not edit. */
/* Types: https://core.telegram.org/bots/api#available-types  Methods: https://core.telegram.org/bots/api#available-methods
   Memory: see bot.h (results live in the bot arena until tg_bot_reset). */
#define TGBOT_BOTAPI_METHODS 180
#define TGBOT_BOTAPI_TYPES 359
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
    TG_TYPE_CHECKLIST_TASKS_DONE,
    TG_TYPE_CHECKLIST_TASKS_ADDED,
    TG_TYPE_LOCATION,
    TG_TYPE_VENUE,
    TG_TYPE_WEB_APP_DATA,
    TG_TYPE_PROXIMITY_ALERT_TRIGGERED,
    TG_TYPE_MESSAGE_AUTO_DELETE_TIMER_CHANGED,
    TG_TYPE_MANAGED_BOT_CREATED,
    TG_TYPE_MANAGED_BOT_UPDATED,
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
    TG_TYPE_CALLBACK_QUERY,
    TG_TYPE_FORCE_REPLY,
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
    TG_TYPE_INPUT_RICH_MESSAGE,
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
    TG_TYPE_RICH_BLOCK_PULL_QUOTATION,
    TG_TYPE_RICH_BLOCK_COLLAGE,
    TG_TYPE_RICH_BLOCK_SLIDESHOW,
    TG_TYPE_RICH_BLOCK_TABLE,
    TG_TYPE_RICH_BLOCK_DETAILS,
    TG_TYPE_RICH_BLOCK_MAP,
    TG_TYPE_RICH_BLOCK_ANIMATION,
    TG_TYPE_RICH_BLOCK_AUDIO,
    TG_TYPE_RICH_BLOCK_PHOTO,
    TG_TYPE_RICH_BLOCK_VIDEO,
    TG_TYPE_RICH_BLOCK_VOICE_NOTE,
    TG_TYPE_RICH_BLOCK_THINKING,
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
typedef struct tg_checklist_tasks_done tg_checklist_tasks_done;
typedef struct tg_checklist_tasks_added tg_checklist_tasks_added;
typedef struct tg_location tg_location;
typedef struct tg_venue tg_venue;
typedef struct tg_web_app_data tg_web_app_data;
typedef struct tg_proximity_alert_triggered tg_proximity_alert_triggered;
typedef struct tg_message_auto_delete_timer_changed tg_message_auto_delete_timer_changed;
typedef struct tg_managed_bot_created tg_managed_bot_created;
typedef struct tg_managed_bot_updated tg_managed_bot_updated;
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
typedef struct tg_callback_query tg_callback_query;
typedef struct tg_force_reply tg_force_reply;
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
typedef struct tg_input_rich_message tg_input_rich_message;
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
typedef struct tg_rich_block_pull_quotation tg_rich_block_pull_quotation;
typedef struct tg_rich_block_collage tg_rich_block_collage;
typedef struct tg_rich_block_slideshow tg_rich_block_slideshow;
typedef struct tg_rich_block_table tg_rich_block_table;
typedef struct tg_rich_block_details tg_rich_block_details;
typedef struct tg_rich_block_map tg_rich_block_map;
typedef struct tg_rich_block_animation tg_rich_block_animation;
typedef struct tg_rich_block_audio tg_rich_block_audio;
typedef struct tg_rich_block_photo tg_rich_block_photo;
typedef struct tg_rich_block_video tg_rich_block_video;
typedef struct tg_rich_block_voice_note tg_rich_block_voice_note;
typedef struct tg_rich_block_thinking tg_rich_block_thinking;
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
/* https://core.telegram.org/bots/api#maybeinaccessiblemessage */
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
/* https://core.telegram.org/bots/api#messageorigin */
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
/* https://core.telegram.org/bots/api#paidmedia */
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
/* https://core.telegram.org/bots/api#inputpollmedia */
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
/* https://core.telegram.org/bots/api#inputpolloptionmedia */
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
/* https://core.telegram.org/bots/api#backgroundfill */
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
/* https://core.telegram.org/bots/api#backgroundtype */
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
/* https://core.telegram.org/bots/api#chatmember */
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
/* https://core.telegram.org/bots/api#storyareatype */
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
/* https://core.telegram.org/bots/api#reactiontype */
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
/* https://core.telegram.org/bots/api#ownedgift */
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
/* https://core.telegram.org/bots/api#botcommandscope */
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
/* https://core.telegram.org/bots/api#menubutton */
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
/* https://core.telegram.org/bots/api#chatboostsource */
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
/* https://core.telegram.org/bots/api#inputmedia */
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
/* https://core.telegram.org/bots/api#inputpaidmedia */
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
/* https://core.telegram.org/bots/api#inputprofilephoto */
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
/* https://core.telegram.org/bots/api#inputstorycontent */
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
/* https://core.telegram.org/bots/api#richtext */
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
        tg_rich_text_anchor *anchor;
        tg_rich_text_anchor_link *anchor_link;
        tg_rich_text_reference *reference;
        tg_rich_text_reference_link *reference_link;
        void *any;
    } u;
};
/* https://core.telegram.org/bots/api#richblock */
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
    TG_RICH_BLOCK_PULL_QUOTATION,
    TG_RICH_BLOCK_COLLAGE,
    TG_RICH_BLOCK_SLIDESHOW,
    TG_RICH_BLOCK_TABLE,
    TG_RICH_BLOCK_DETAILS,
    TG_RICH_BLOCK_MAP,
    TG_RICH_BLOCK_ANIMATION,
    TG_RICH_BLOCK_AUDIO,
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
        tg_rich_block_pull_quotation *pull_quotation;
        tg_rich_block_collage *collage;
        tg_rich_block_slideshow *slideshow;
        tg_rich_block_table *table;
        tg_rich_block_details *details;
        tg_rich_block_map *map;
        tg_rich_block_animation *animation;
        tg_rich_block_audio *audio;
        tg_rich_block_photo *photo;
        tg_rich_block_video *video;
        tg_rich_block_voice_note *voice_note;
        tg_rich_block_thinking *thinking;
        void *any;
    } u;
};
/* https://core.telegram.org/bots/api#inlinequeryresult */
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
/* https://core.telegram.org/bots/api#inputmessagecontent */
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
/* https://core.telegram.org/bots/api#revenuewithdrawalstate */
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
/* https://core.telegram.org/bots/api#transactionpartner */
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
/* https://core.telegram.org/bots/api#passportelementerror */
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
/* reply_markup: one of the four keyboard types */
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
/* https://core.telegram.org/bots/api#update */
struct tg_update {
    int64_t update_id;
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
};
/* https://core.telegram.org/bots/api#webhookinfo */
struct tg_webhook_info {
    const char *url;
    bool has_custom_certificate;
    int64_t pending_update_count;
    const char *ip_address;
    int64_t last_error_date;
    bool has_last_error_date;
    const char *last_error_message;
    int64_t last_synchronization_error_date;
    bool has_last_synchronization_error_date;
    int64_t max_connections;
    bool has_max_connections;
    const char **allowed_updates; size_t allowed_updates_count;
};
/* https://core.telegram.org/bots/api#user */
struct tg_user {
    int64_t id;
    bool is_bot;
    const char *first_name;
    const char *last_name;
    const char *username;
    const char *language_code;
    bool is_premium;
    bool has_is_premium;
    bool added_to_attachment_menu;
    bool has_added_to_attachment_menu;
    bool can_join_groups;
    bool has_can_join_groups;
    bool can_read_all_group_messages;
    bool has_can_read_all_group_messages;
    bool supports_guest_queries;
    bool has_supports_guest_queries;
    bool supports_inline_queries;
    bool has_supports_inline_queries;
    bool can_connect_to_business;
    bool has_can_connect_to_business;
    bool has_main_web_app;
    bool has_has_main_web_app;
    bool has_topics_enabled;
    bool has_has_topics_enabled;
    bool allows_users_to_create_topics;
    bool has_allows_users_to_create_topics;
    bool can_manage_bots;
    bool has_can_manage_bots;
    bool supports_join_request_queries;
    bool has_supports_join_request_queries;
};
/* https://core.telegram.org/bots/api#chat */
struct tg_chat {
    int64_t id;
    const char *type;
    const char *title;
    const char *username;
    const char *first_name;
    const char *last_name;
    bool is_forum;
    bool has_is_forum;
    bool is_direct_messages;
    bool has_is_direct_messages;
};
/* https://core.telegram.org/bots/api#chatfullinfo */
struct tg_chat_full_info {
    int64_t id;
    const char *type;
    const char *title;
    const char *username;
    const char *first_name;
    const char *last_name;
    bool is_forum;
    bool has_is_forum;
    bool is_direct_messages;
    bool has_is_direct_messages;
    int64_t accent_color_id;
    int64_t max_reaction_count;
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
    int64_t profile_accent_color_id;
    bool has_profile_accent_color_id;
    const char *profile_background_custom_emoji_id;
    const char *emoji_status_custom_emoji_id;
    int64_t emoji_status_expiration_date;
    bool has_emoji_status_expiration_date;
    const char *bio;
    bool has_private_forwards;
    bool has_has_private_forwards;
    bool has_restricted_voice_and_video_messages;
    bool has_has_restricted_voice_and_video_messages;
    bool join_to_send_messages;
    bool has_join_to_send_messages;
    bool join_by_request;
    bool has_join_by_request;
    const char *description;
    const char *invite_link;
    tg_message *pinned_message;
    tg_chat_permissions *permissions;
    tg_accepted_gift_types *accepted_gift_types;
    bool can_send_paid_media;
    bool has_can_send_paid_media;
    int64_t slow_mode_delay;
    bool has_slow_mode_delay;
    int64_t unrestrict_boost_count;
    bool has_unrestrict_boost_count;
    int64_t message_auto_delete_time;
    bool has_message_auto_delete_time;
    bool has_aggressive_anti_spam_enabled;
    bool has_has_aggressive_anti_spam_enabled;
    bool has_hidden_members;
    bool has_has_hidden_members;
    bool has_protected_content;
    bool has_has_protected_content;
    bool has_visible_history;
    bool has_has_visible_history;
    const char *sticker_set_name;
    bool can_set_sticker_set;
    bool has_can_set_sticker_set;
    const char *custom_emoji_sticker_set_name;
    int64_t linked_chat_id;
    bool has_linked_chat_id;
    tg_chat_location *location;
    tg_user_rating *rating;
    tg_audio *first_profile_audio;
    tg_unique_gift_colors *unique_gift_colors;
    int64_t paid_message_star_count;
    bool has_paid_message_star_count;
    tg_user *guard_bot;
};
/* https://core.telegram.org/bots/api#message */
struct tg_message {
    int64_t message_id;
    int64_t message_thread_id;
    bool has_message_thread_id;
    tg_direct_messages_topic *direct_messages_topic;
    tg_user *from;
    tg_chat *sender_chat;
    int64_t sender_boost_count;
    bool has_sender_boost_count;
    tg_user *sender_business_bot;
    const char *sender_tag;
    int64_t date;
    const char *guest_query_id;
    const char *business_connection_id;
    tg_chat *chat;
    tg_message_origin *forward_origin;
    bool is_topic_message;
    bool has_is_topic_message;
    bool is_automatic_forward;
    bool has_is_automatic_forward;
    tg_message *reply_to_message;
    tg_external_reply_info *external_reply;
    tg_text_quote *quote;
    tg_story *reply_to_story;
    int64_t reply_to_checklist_task_id;
    bool has_reply_to_checklist_task_id;
    const char *reply_to_poll_option_id;
    tg_user *via_bot;
    tg_user *guest_bot_caller_user;
    tg_chat *guest_bot_caller_chat;
    int64_t edit_date;
    bool has_edit_date;
    bool has_protected_content;
    bool has_has_protected_content;
    bool is_from_offline;
    bool has_is_from_offline;
    bool is_paid_post;
    bool has_is_paid_post;
    const char *media_group_id;
    const char *author_signature;
    int64_t paid_star_count;
    bool has_paid_star_count;
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
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    bool has_media_spoiler;
    bool has_has_media_spoiler;
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
    bool delete_chat_photo;
    bool has_delete_chat_photo;
    bool group_chat_created;
    bool has_group_chat_created;
    bool supergroup_chat_created;
    bool has_supergroup_chat_created;
    bool channel_chat_created;
    bool has_channel_chat_created;
    tg_message_auto_delete_timer_changed *message_auto_delete_timer_changed;
    int64_t migrate_to_chat_id;
    bool has_migrate_to_chat_id;
    int64_t migrate_from_chat_id;
    bool has_migrate_from_chat_id;
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
/* https://core.telegram.org/bots/api#messageid */
struct tg_message_id {
    int64_t message_id;
};
/* https://core.telegram.org/bots/api#inaccessiblemessage */
struct tg_inaccessible_message {
    tg_chat *chat;
    int64_t message_id;
    int64_t date;
};
/* https://core.telegram.org/bots/api#messageentity */
struct tg_message_entity {
    const char *type;
    int64_t offset;
    int64_t length;
    const char *url;
    tg_user *user;
    const char *language;
    const char *custom_emoji_id;
    int64_t unix_time;
    bool has_unix_time;
    const char *date_time_format;
};
/* https://core.telegram.org/bots/api#textquote */
struct tg_text_quote {
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    int64_t position;
    bool is_manual;
    bool has_is_manual;
};
/* https://core.telegram.org/bots/api#externalreplyinfo */
struct tg_external_reply_info {
    tg_message_origin *origin;
    tg_chat *chat;
    int64_t message_id;
    bool has_message_id;
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
    bool has_media_spoiler;
    bool has_has_media_spoiler;
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
/* https://core.telegram.org/bots/api#replyparameters */
struct tg_reply_parameters {
    int64_t message_id;
    tg_chat_ref chat_id;
    bool allow_sending_without_reply;
    bool has_allow_sending_without_reply;
    const char *quote;
    const char *quote_parse_mode;
    tg_message_entity *quote_entities; size_t quote_entities_count;
    int64_t quote_position;
    bool has_quote_position;
    int64_t checklist_task_id;
    bool has_checklist_task_id;
    const char *poll_option_id;
};
/* https://core.telegram.org/bots/api#messageoriginuser */
struct tg_message_origin_user {
    const char *type;
    int64_t date;
    tg_user *sender_user;
};
/* https://core.telegram.org/bots/api#messageoriginhiddenuser */
struct tg_message_origin_hidden_user {
    const char *type;
    int64_t date;
    const char *sender_user_name;
};
/* https://core.telegram.org/bots/api#messageoriginchat */
struct tg_message_origin_chat {
    const char *type;
    int64_t date;
    tg_chat *sender_chat;
    const char *author_signature;
};
/* https://core.telegram.org/bots/api#messageoriginchannel */
struct tg_message_origin_channel {
    const char *type;
    int64_t date;
    tg_chat *chat;
    int64_t message_id;
    const char *author_signature;
};
/* https://core.telegram.org/bots/api#photosize */
struct tg_photo_size {
    const char *file_id;
    const char *file_unique_id;
    int64_t width;
    int64_t height;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#animation */
struct tg_animation {
    const char *file_id;
    const char *file_unique_id;
    int64_t width;
    int64_t height;
    int64_t duration;
    tg_photo_size *thumbnail;
    const char *file_name;
    const char *mime_type;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#audio */
struct tg_audio {
    const char *file_id;
    const char *file_unique_id;
    int64_t duration;
    const char *performer;
    const char *title;
    const char *file_name;
    const char *mime_type;
    int64_t file_size;
    bool has_file_size;
    tg_photo_size *thumbnail;
};
/* https://core.telegram.org/bots/api#document */
struct tg_document {
    const char *file_id;
    const char *file_unique_id;
    tg_photo_size *thumbnail;
    const char *file_name;
    const char *mime_type;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#livephoto */
struct tg_live_photo {
    tg_photo_size *photo; size_t photo_count;
    const char *file_id;
    const char *file_unique_id;
    int64_t width;
    int64_t height;
    int64_t duration;
    const char *mime_type;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#story */
struct tg_story {
    tg_chat *chat;
    int64_t id;
};
/* https://core.telegram.org/bots/api#videoquality */
struct tg_video_quality {
    const char *file_id;
    const char *file_unique_id;
    int64_t width;
    int64_t height;
    const char *codec;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#video */
struct tg_video {
    const char *file_id;
    const char *file_unique_id;
    int64_t width;
    int64_t height;
    int64_t duration;
    tg_photo_size *thumbnail;
    tg_photo_size *cover; size_t cover_count;
    int64_t start_timestamp;
    bool has_start_timestamp;
    tg_video_quality *qualities; size_t qualities_count;
    const char *file_name;
    const char *mime_type;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#videonote */
struct tg_video_note {
    const char *file_id;
    const char *file_unique_id;
    int64_t length;
    int64_t duration;
    tg_photo_size *thumbnail;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#voice */
struct tg_voice {
    const char *file_id;
    const char *file_unique_id;
    int64_t duration;
    const char *mime_type;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#paidmediainfo */
struct tg_paid_media_info {
    int64_t star_count;
    tg_paid_media *paid_media; size_t paid_media_count;
};
/* https://core.telegram.org/bots/api#paidmedialivephoto */
struct tg_paid_media_live_photo {
    const char *type;
    tg_live_photo *live_photo;
};
/* https://core.telegram.org/bots/api#paidmediaphoto */
struct tg_paid_media_photo {
    const char *type;
    tg_photo_size *photo; size_t photo_count;
};
/* https://core.telegram.org/bots/api#paidmediapreview */
struct tg_paid_media_preview {
    const char *type;
    int64_t width;
    bool has_width;
    int64_t height;
    bool has_height;
    int64_t duration;
    bool has_duration;
};
/* https://core.telegram.org/bots/api#paidmediavideo */
struct tg_paid_media_video {
    const char *type;
    tg_video *video;
};
/* https://core.telegram.org/bots/api#contact */
struct tg_contact {
    const char *phone_number;
    const char *first_name;
    const char *last_name;
    int64_t user_id;
    bool has_user_id;
    const char *vcard;
};
/* https://core.telegram.org/bots/api#dice */
struct tg_dice {
    const char *emoji;
    int64_t value;
};
/* https://core.telegram.org/bots/api#link */
struct tg_link {
    const char *url;
};
/* https://core.telegram.org/bots/api#pollmedia */
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
/* https://core.telegram.org/bots/api#polloption */
struct tg_poll_option {
    const char *persistent_id;
    const char *text;
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_poll_media *media;
    int64_t voter_count;
    tg_user *added_by_user;
    tg_chat *added_by_chat;
    int64_t addition_date;
    bool has_addition_date;
};
/* https://core.telegram.org/bots/api#inputpolloption */
struct tg_input_poll_option {
    const char *text;
    const char *text_parse_mode;
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_input_poll_option_media *media;
};
/* https://core.telegram.org/bots/api#pollanswer */
struct tg_poll_answer {
    const char *poll_id;
    tg_chat *voter_chat;
    tg_user *user;
    int64_t *option_ids; size_t option_ids_count;
    const char **option_persistent_ids; size_t option_persistent_ids_count;
};
/* https://core.telegram.org/bots/api#poll */
struct tg_poll {
    const char *id;
    const char *question;
    tg_message_entity *question_entities; size_t question_entities_count;
    tg_poll_option *options; size_t options_count;
    int64_t total_voter_count;
    bool is_closed;
    bool is_anonymous;
    const char *type;
    bool allows_multiple_answers;
    bool allows_revoting;
    bool members_only;
    const char **country_codes; size_t country_codes_count;
    int64_t *correct_option_ids; size_t correct_option_ids_count;
    const char *explanation;
    tg_message_entity *explanation_entities; size_t explanation_entities_count;
    tg_poll_media *explanation_media;
    int64_t open_period;
    bool has_open_period;
    int64_t close_date;
    bool has_close_date;
    const char *description;
    tg_message_entity *description_entities; size_t description_entities_count;
    tg_poll_media *media;
};
/* https://core.telegram.org/bots/api#checklisttask */
struct tg_checklist_task {
    int64_t id;
    const char *text;
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_user *completed_by_user;
    tg_chat *completed_by_chat;
    int64_t completion_date;
    bool has_completion_date;
};
/* https://core.telegram.org/bots/api#checklist */
struct tg_checklist {
    const char *title;
    tg_message_entity *title_entities; size_t title_entities_count;
    tg_checklist_task *tasks; size_t tasks_count;
    bool others_can_add_tasks;
    bool has_others_can_add_tasks;
    bool others_can_mark_tasks_as_done;
    bool has_others_can_mark_tasks_as_done;
};
/* https://core.telegram.org/bots/api#inputchecklisttask */
struct tg_input_checklist_task {
    int64_t id;
    const char *text;
    const char *parse_mode;
    tg_message_entity *text_entities; size_t text_entities_count;
};
/* https://core.telegram.org/bots/api#inputchecklist */
struct tg_input_checklist {
    const char *title;
    const char *parse_mode;
    tg_message_entity *title_entities; size_t title_entities_count;
    tg_input_checklist_task *tasks; size_t tasks_count;
    bool others_can_add_tasks;
    bool has_others_can_add_tasks;
    bool others_can_mark_tasks_as_done;
    bool has_others_can_mark_tasks_as_done;
};
/* https://core.telegram.org/bots/api#checklisttasksdone */
struct tg_checklist_tasks_done {
    tg_message *checklist_message;
    int64_t *marked_as_done_task_ids; size_t marked_as_done_task_ids_count;
    int64_t *marked_as_not_done_task_ids; size_t marked_as_not_done_task_ids_count;
};
/* https://core.telegram.org/bots/api#checklisttasksadded */
struct tg_checklist_tasks_added {
    tg_message *checklist_message;
    tg_checklist_task *tasks; size_t tasks_count;
};
/* https://core.telegram.org/bots/api#location */
struct tg_location {
    double latitude;
    double longitude;
    double horizontal_accuracy;
    bool has_horizontal_accuracy;
    int64_t live_period;
    bool has_live_period;
    int64_t heading;
    bool has_heading;
    int64_t proximity_alert_radius;
    bool has_proximity_alert_radius;
};
/* https://core.telegram.org/bots/api#venue */
struct tg_venue {
    tg_location *location;
    const char *title;
    const char *address;
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
};
/* https://core.telegram.org/bots/api#webappdata */
struct tg_web_app_data {
    const char *data;
    const char *button_text;
};
/* https://core.telegram.org/bots/api#proximityalerttriggered */
struct tg_proximity_alert_triggered {
    tg_user *traveler;
    tg_user *watcher;
    int64_t distance;
};
/* https://core.telegram.org/bots/api#messageautodeletetimerchanged */
struct tg_message_auto_delete_timer_changed {
    int64_t message_auto_delete_time;
};
/* https://core.telegram.org/bots/api#managedbotcreated */
struct tg_managed_bot_created {
    tg_user *bot;
};
/* https://core.telegram.org/bots/api#managedbotupdated */
struct tg_managed_bot_updated {
    tg_user *user;
    tg_user *bot;
};
/* https://core.telegram.org/bots/api#polloptionadded */
struct tg_poll_option_added {
    tg_maybe_inaccessible_message *poll_message;
    const char *option_persistent_id;
    const char *option_text;
    tg_message_entity *option_text_entities; size_t option_text_entities_count;
};
/* https://core.telegram.org/bots/api#polloptiondeleted */
struct tg_poll_option_deleted {
    tg_maybe_inaccessible_message *poll_message;
    const char *option_persistent_id;
    const char *option_text;
    tg_message_entity *option_text_entities; size_t option_text_entities_count;
};
/* https://core.telegram.org/bots/api#chatboostadded */
struct tg_chat_boost_added {
    int64_t boost_count;
};
/* https://core.telegram.org/bots/api#backgroundfillsolid */
struct tg_background_fill_solid {
    const char *type;
    int64_t color;
};
/* https://core.telegram.org/bots/api#backgroundfillgradient */
struct tg_background_fill_gradient {
    const char *type;
    int64_t top_color;
    int64_t bottom_color;
    int64_t rotation_angle;
};
/* https://core.telegram.org/bots/api#backgroundfillfreeformgradient */
struct tg_background_fill_freeform_gradient {
    const char *type;
    int64_t *colors; size_t colors_count;
};
/* https://core.telegram.org/bots/api#backgroundtypefill */
struct tg_background_type_fill {
    const char *type;
    tg_background_fill *fill;
    int64_t dark_theme_dimming;
};
/* https://core.telegram.org/bots/api#backgroundtypewallpaper */
struct tg_background_type_wallpaper {
    const char *type;
    tg_document *document;
    int64_t dark_theme_dimming;
    bool is_blurred;
    bool has_is_blurred;
    bool is_moving;
    bool has_is_moving;
};
/* https://core.telegram.org/bots/api#backgroundtypepattern */
struct tg_background_type_pattern {
    const char *type;
    tg_document *document;
    tg_background_fill *fill;
    int64_t intensity;
    bool is_inverted;
    bool has_is_inverted;
    bool is_moving;
    bool has_is_moving;
};
/* https://core.telegram.org/bots/api#backgroundtypechattheme */
struct tg_background_type_chat_theme {
    const char *type;
    const char *theme_name;
};
/* https://core.telegram.org/bots/api#chatbackground */
struct tg_chat_background {
    tg_background_type *type;
};
/* https://core.telegram.org/bots/api#forumtopiccreated */
struct tg_forum_topic_created {
    const char *name;
    int64_t icon_color;
    const char *icon_custom_emoji_id;
    bool is_name_implicit;
    bool has_is_name_implicit;
};
/* https://core.telegram.org/bots/api#forumtopicclosed */
struct tg_forum_topic_closed {
    int unused_;   /* no fields */
};
/* https://core.telegram.org/bots/api#forumtopicedited */
struct tg_forum_topic_edited {
    const char *name;
    const char *icon_custom_emoji_id;
};
/* https://core.telegram.org/bots/api#forumtopicreopened */
struct tg_forum_topic_reopened {
    int unused_;   /* no fields */
};
/* https://core.telegram.org/bots/api#generalforumtopichidden */
struct tg_general_forum_topic_hidden {
    int unused_;   /* no fields */
};
/* https://core.telegram.org/bots/api#generalforumtopicunhidden */
struct tg_general_forum_topic_unhidden {
    int unused_;   /* no fields */
};
/* https://core.telegram.org/bots/api#shareduser */
struct tg_shared_user {
    int64_t user_id;
    const char *first_name;
    const char *last_name;
    const char *username;
    tg_photo_size *photo; size_t photo_count;
};
/* https://core.telegram.org/bots/api#usersshared */
struct tg_users_shared {
    int64_t request_id;
    tg_shared_user *users; size_t users_count;
};
/* https://core.telegram.org/bots/api#chatshared */
struct tg_chat_shared {
    int64_t request_id;
    int64_t chat_id;
    const char *title;
    const char *username;
    tg_photo_size *photo; size_t photo_count;
};
/* https://core.telegram.org/bots/api#writeaccessallowed */
struct tg_write_access_allowed {
    bool from_request;
    bool has_from_request;
    const char *web_app_name;
    bool from_attachment_menu;
    bool has_from_attachment_menu;
};
/* https://core.telegram.org/bots/api#videochatscheduled */
struct tg_video_chat_scheduled {
    int64_t start_date;
};
/* https://core.telegram.org/bots/api#videochatstarted */
struct tg_video_chat_started {
    int unused_;   /* no fields */
};
/* https://core.telegram.org/bots/api#videochatended */
struct tg_video_chat_ended {
    int64_t duration;
};
/* https://core.telegram.org/bots/api#videochatparticipantsinvited */
struct tg_video_chat_participants_invited {
    tg_user *users; size_t users_count;
};
/* https://core.telegram.org/bots/api#paidmessagepricechanged */
struct tg_paid_message_price_changed {
    int64_t paid_message_star_count;
};
/* https://core.telegram.org/bots/api#directmessagepricechanged */
struct tg_direct_message_price_changed {
    bool are_direct_messages_enabled;
    int64_t direct_message_star_count;
    bool has_direct_message_star_count;
};
/* https://core.telegram.org/bots/api#suggestedpostapproved */
struct tg_suggested_post_approved {
    tg_message *suggested_post_message;
    tg_suggested_post_price *price;
    int64_t send_date;
};
/* https://core.telegram.org/bots/api#suggestedpostapprovalfailed */
struct tg_suggested_post_approval_failed {
    tg_message *suggested_post_message;
    tg_suggested_post_price *price;
};
/* https://core.telegram.org/bots/api#suggestedpostdeclined */
struct tg_suggested_post_declined {
    tg_message *suggested_post_message;
    const char *comment;
};
/* https://core.telegram.org/bots/api#suggestedpostpaid */
struct tg_suggested_post_paid {
    tg_message *suggested_post_message;
    const char *currency;
    int64_t amount;
    bool has_amount;
    tg_star_amount *star_amount;
};
/* https://core.telegram.org/bots/api#suggestedpostrefunded */
struct tg_suggested_post_refunded {
    tg_message *suggested_post_message;
    const char *reason;
};
/* https://core.telegram.org/bots/api#giveawaycreated */
struct tg_giveaway_created {
    int64_t prize_star_count;
    bool has_prize_star_count;
};
/* https://core.telegram.org/bots/api#giveaway */
struct tg_giveaway {
    tg_chat *chats; size_t chats_count;
    int64_t winners_selection_date;
    int64_t winner_count;
    bool only_new_members;
    bool has_only_new_members;
    bool has_public_winners;
    bool has_has_public_winners;
    const char *prize_description;
    const char **country_codes; size_t country_codes_count;
    int64_t prize_star_count;
    bool has_prize_star_count;
    int64_t premium_subscription_month_count;
    bool has_premium_subscription_month_count;
};
/* https://core.telegram.org/bots/api#giveawaywinners */
struct tg_giveaway_winners {
    tg_chat *chat;
    int64_t giveaway_message_id;
    int64_t winners_selection_date;
    int64_t winner_count;
    tg_user *winners; size_t winners_count;
    int64_t additional_chat_count;
    bool has_additional_chat_count;
    int64_t prize_star_count;
    bool has_prize_star_count;
    int64_t premium_subscription_month_count;
    bool has_premium_subscription_month_count;
    int64_t unclaimed_prize_count;
    bool has_unclaimed_prize_count;
    bool only_new_members;
    bool has_only_new_members;
    bool was_refunded;
    bool has_was_refunded;
    const char *prize_description;
};
/* https://core.telegram.org/bots/api#giveawaycompleted */
struct tg_giveaway_completed {
    int64_t winner_count;
    int64_t unclaimed_prize_count;
    bool has_unclaimed_prize_count;
    tg_message *giveaway_message;
    bool is_star_giveaway;
    bool has_is_star_giveaway;
};
/* https://core.telegram.org/bots/api#linkpreviewoptions */
struct tg_link_preview_options {
    bool is_disabled;
    bool has_is_disabled;
    const char *url;
    bool prefer_small_media;
    bool has_prefer_small_media;
    bool prefer_large_media;
    bool has_prefer_large_media;
    bool show_above_text;
    bool has_show_above_text;
};
/* https://core.telegram.org/bots/api#suggestedpostprice */
struct tg_suggested_post_price {
    const char *currency;
    int64_t amount;
};
/* https://core.telegram.org/bots/api#suggestedpostinfo */
struct tg_suggested_post_info {
    const char *state;
    tg_suggested_post_price *price;
    int64_t send_date;
    bool has_send_date;
};
/* https://core.telegram.org/bots/api#suggestedpostparameters */
struct tg_suggested_post_parameters {
    tg_suggested_post_price *price;
    int64_t send_date;
    bool has_send_date;
};
/* https://core.telegram.org/bots/api#directmessagestopic */
struct tg_direct_messages_topic {
    int64_t topic_id;
    tg_user *user;
};
/* https://core.telegram.org/bots/api#userprofilephotos */
struct tg_user_profile_photos {
    int64_t total_count;
    tg_photo_size_list *photos; size_t photos_count;
};
/* https://core.telegram.org/bots/api#userprofileaudios */
struct tg_user_profile_audios {
    int64_t total_count;
    tg_audio *audios; size_t audios_count;
};
/* https://core.telegram.org/bots/api#file */
struct tg_file {
    const char *file_id;
    const char *file_unique_id;
    int64_t file_size;
    bool has_file_size;
    const char *file_path;
};
/* https://core.telegram.org/bots/api#webappinfo */
struct tg_web_app_info {
    const char *url;
};
/* https://core.telegram.org/bots/api#replykeyboardmarkup */
struct tg_reply_keyboard_markup {
    tg_keyboard_button_list *keyboard; size_t keyboard_count;
    bool is_persistent;
    bool has_is_persistent;
    bool resize_keyboard;
    bool has_resize_keyboard;
    bool one_time_keyboard;
    bool has_one_time_keyboard;
    const char *input_field_placeholder;
    bool selective;
    bool has_selective;
};
/* https://core.telegram.org/bots/api#keyboardbutton */
struct tg_keyboard_button {
    const char *text;
    const char *icon_custom_emoji_id;
    const char *style;
    tg_keyboard_button_request_users *request_users;
    tg_keyboard_button_request_chat *request_chat;
    tg_keyboard_button_request_managed_bot *request_managed_bot;
    bool request_contact;
    bool has_request_contact;
    bool request_location;
    bool has_request_location;
    tg_keyboard_button_poll_type *request_poll;
    tg_web_app_info *web_app;
};
/* https://core.telegram.org/bots/api#keyboardbuttonrequestusers */
struct tg_keyboard_button_request_users {
    int64_t request_id;
    bool user_is_bot;
    bool has_user_is_bot;
    bool user_is_premium;
    bool has_user_is_premium;
    int64_t max_quantity;
    bool has_max_quantity;
    bool request_name;
    bool has_request_name;
    bool request_username;
    bool has_request_username;
    bool request_photo;
    bool has_request_photo;
};
/* https://core.telegram.org/bots/api#keyboardbuttonrequestchat */
struct tg_keyboard_button_request_chat {
    int64_t request_id;
    bool chat_is_channel;
    bool chat_is_forum;
    bool has_chat_is_forum;
    bool chat_has_username;
    bool has_chat_has_username;
    bool chat_is_created;
    bool has_chat_is_created;
    tg_chat_administrator_rights *user_administrator_rights;
    tg_chat_administrator_rights *bot_administrator_rights;
    bool bot_is_member;
    bool has_bot_is_member;
    bool request_title;
    bool has_request_title;
    bool request_username;
    bool has_request_username;
    bool request_photo;
    bool has_request_photo;
};
/* https://core.telegram.org/bots/api#keyboardbuttonrequestmanagedbot */
struct tg_keyboard_button_request_managed_bot {
    int64_t request_id;
    const char *suggested_name;
    const char *suggested_username;
};
/* https://core.telegram.org/bots/api#keyboardbuttonpolltype */
struct tg_keyboard_button_poll_type {
    const char *type;
};
/* https://core.telegram.org/bots/api#replykeyboardremove */
struct tg_reply_keyboard_remove {
    bool remove_keyboard;
    bool selective;
    bool has_selective;
};
/* https://core.telegram.org/bots/api#inlinekeyboardmarkup */
struct tg_inline_keyboard_markup {
    tg_inline_keyboard_button_list *inline_keyboard; size_t inline_keyboard_count;
};
/* https://core.telegram.org/bots/api#inlinekeyboardbutton */
struct tg_inline_keyboard_button {
    const char *text;
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
    tg_callback_game *callback_game;
    bool pay;
    bool has_pay;
};
/* https://core.telegram.org/bots/api#loginurl */
struct tg_login_url {
    const char *url;
    const char *forward_text;
    const char *bot_username;
    bool request_write_access;
    bool has_request_write_access;
};
/* https://core.telegram.org/bots/api#switchinlinequerychosenchat */
struct tg_switch_inline_query_chosen_chat {
    const char *query;
    bool allow_user_chats;
    bool has_allow_user_chats;
    bool allow_bot_chats;
    bool has_allow_bot_chats;
    bool allow_group_chats;
    bool has_allow_group_chats;
    bool allow_channel_chats;
    bool has_allow_channel_chats;
};
/* https://core.telegram.org/bots/api#copytextbutton */
struct tg_copy_text_button {
    const char *text;
};
/* https://core.telegram.org/bots/api#callbackquery */
struct tg_callback_query {
    const char *id;
    tg_user *from;
    tg_maybe_inaccessible_message *message;
    const char *inline_message_id;
    const char *chat_instance;
    const char *data;
    const char *game_short_name;
};
/* https://core.telegram.org/bots/api#forcereply */
struct tg_force_reply {
    bool force_reply;
    const char *input_field_placeholder;
    bool selective;
    bool has_selective;
};
/* https://core.telegram.org/bots/api#chatphoto */
struct tg_chat_photo {
    const char *small_file_id;
    const char *small_file_unique_id;
    const char *big_file_id;
    const char *big_file_unique_id;
};
/* https://core.telegram.org/bots/api#chatinvitelink */
struct tg_chat_invite_link {
    const char *invite_link;
    tg_user *creator;
    bool creates_join_request;
    bool is_primary;
    bool is_revoked;
    const char *name;
    int64_t expire_date;
    bool has_expire_date;
    int64_t member_limit;
    bool has_member_limit;
    int64_t pending_join_request_count;
    bool has_pending_join_request_count;
    int64_t subscription_period;
    bool has_subscription_period;
    int64_t subscription_price;
    bool has_subscription_price;
};
/* https://core.telegram.org/bots/api#chatadministratorrights */
struct tg_chat_administrator_rights {
    bool is_anonymous;
    bool can_manage_chat;
    bool can_delete_messages;
    bool can_manage_video_chats;
    bool can_restrict_members;
    bool can_promote_members;
    bool can_change_info;
    bool can_invite_users;
    bool can_post_stories;
    bool can_edit_stories;
    bool can_delete_stories;
    bool can_post_messages;
    bool has_can_post_messages;
    bool can_edit_messages;
    bool has_can_edit_messages;
    bool can_pin_messages;
    bool has_can_pin_messages;
    bool can_manage_topics;
    bool has_can_manage_topics;
    bool can_manage_direct_messages;
    bool has_can_manage_direct_messages;
    bool can_manage_tags;
    bool has_can_manage_tags;
};
/* https://core.telegram.org/bots/api#chatmemberupdated */
struct tg_chat_member_updated {
    tg_chat *chat;
    tg_user *from;
    int64_t date;
    tg_chat_member *old_chat_member;
    tg_chat_member *new_chat_member;
    tg_chat_invite_link *invite_link;
    bool via_join_request;
    bool has_via_join_request;
    bool via_chat_folder_invite_link;
    bool has_via_chat_folder_invite_link;
};
/* https://core.telegram.org/bots/api#chatmemberowner */
struct tg_chat_member_owner {
    const char *status;
    tg_user *user;
    bool is_anonymous;
    const char *custom_title;
};
/* https://core.telegram.org/bots/api#chatmemberadministrator */
struct tg_chat_member_administrator {
    const char *status;
    tg_user *user;
    bool can_be_edited;
    bool is_anonymous;
    bool can_manage_chat;
    bool can_delete_messages;
    bool can_manage_video_chats;
    bool can_restrict_members;
    bool can_promote_members;
    bool can_change_info;
    bool can_invite_users;
    bool can_post_stories;
    bool can_edit_stories;
    bool can_delete_stories;
    bool can_post_messages;
    bool has_can_post_messages;
    bool can_edit_messages;
    bool has_can_edit_messages;
    bool can_pin_messages;
    bool has_can_pin_messages;
    bool can_manage_topics;
    bool has_can_manage_topics;
    bool can_manage_direct_messages;
    bool has_can_manage_direct_messages;
    bool can_manage_tags;
    bool has_can_manage_tags;
    const char *custom_title;
};
/* https://core.telegram.org/bots/api#chatmembermember */
struct tg_chat_member_member {
    const char *status;
    const char *tag;
    tg_user *user;
    int64_t until_date;
    bool has_until_date;
};
/* https://core.telegram.org/bots/api#chatmemberrestricted */
struct tg_chat_member_restricted {
    const char *status;
    const char *tag;
    tg_user *user;
    bool is_member;
    bool can_send_messages;
    bool can_send_audios;
    bool can_send_documents;
    bool can_send_photos;
    bool can_send_videos;
    bool can_send_video_notes;
    bool can_send_voice_notes;
    bool can_send_polls;
    bool can_send_other_messages;
    bool can_add_web_page_previews;
    bool can_react_to_messages;
    bool can_edit_tag;
    bool can_change_info;
    bool can_invite_users;
    bool can_pin_messages;
    bool can_manage_topics;
    int64_t until_date;
};
/* https://core.telegram.org/bots/api#chatmemberleft */
struct tg_chat_member_left {
    const char *status;
    tg_user *user;
};
/* https://core.telegram.org/bots/api#chatmemberbanned */
struct tg_chat_member_banned {
    const char *status;
    tg_user *user;
    int64_t until_date;
};
/* https://core.telegram.org/bots/api#chatjoinrequest */
struct tg_chat_join_request {
    tg_chat *chat;
    tg_user *from;
    int64_t user_chat_id;
    int64_t date;
    const char *bio;
    tg_chat_invite_link *invite_link;
    const char *query_id;
};
/* https://core.telegram.org/bots/api#chatpermissions */
struct tg_chat_permissions {
    bool can_send_messages;
    bool has_can_send_messages;
    bool can_send_audios;
    bool has_can_send_audios;
    bool can_send_documents;
    bool has_can_send_documents;
    bool can_send_photos;
    bool has_can_send_photos;
    bool can_send_videos;
    bool has_can_send_videos;
    bool can_send_video_notes;
    bool has_can_send_video_notes;
    bool can_send_voice_notes;
    bool has_can_send_voice_notes;
    bool can_send_polls;
    bool has_can_send_polls;
    bool can_send_other_messages;
    bool has_can_send_other_messages;
    bool can_add_web_page_previews;
    bool has_can_add_web_page_previews;
    bool can_react_to_messages;
    bool has_can_react_to_messages;
    bool can_edit_tag;
    bool has_can_edit_tag;
    bool can_change_info;
    bool has_can_change_info;
    bool can_invite_users;
    bool has_can_invite_users;
    bool can_pin_messages;
    bool has_can_pin_messages;
    bool can_manage_topics;
    bool has_can_manage_topics;
};
/* https://core.telegram.org/bots/api#birthdate */
struct tg_birthdate {
    int64_t day;
    int64_t month;
    int64_t year;
    bool has_year;
};
/* https://core.telegram.org/bots/api#businessintro */
struct tg_business_intro {
    const char *title;
    const char *message;
    tg_sticker *sticker;
};
/* https://core.telegram.org/bots/api#businesslocation */
struct tg_business_location {
    const char *address;
    tg_location *location;
};
/* https://core.telegram.org/bots/api#businessopeninghoursinterval */
struct tg_business_opening_hours_interval {
    int64_t opening_minute;
    int64_t closing_minute;
};
/* https://core.telegram.org/bots/api#businessopeninghours */
struct tg_business_opening_hours {
    const char *time_zone_name;
    tg_business_opening_hours_interval *opening_hours; size_t opening_hours_count;
};
/* https://core.telegram.org/bots/api#userrating */
struct tg_user_rating {
    int64_t level;
    int64_t rating;
    int64_t current_level_rating;
    int64_t next_level_rating;
    bool has_next_level_rating;
};
/* https://core.telegram.org/bots/api#storyareaposition */
struct tg_story_area_position {
    double x_percentage;
    double y_percentage;
    double width_percentage;
    double height_percentage;
    double rotation_angle;
    double corner_radius_percentage;
};
/* https://core.telegram.org/bots/api#locationaddress */
struct tg_location_address {
    const char *country_code;
    const char *state;
    const char *city;
    const char *street;
};
/* https://core.telegram.org/bots/api#storyareatypelocation */
struct tg_story_area_type_location {
    const char *type;
    double latitude;
    double longitude;
    tg_location_address *address;
};
/* https://core.telegram.org/bots/api#storyareatypesuggestedreaction */
struct tg_story_area_type_suggested_reaction {
    const char *type;
    tg_reaction_type *reaction_type;
    bool is_dark;
    bool has_is_dark;
    bool is_flipped;
    bool has_is_flipped;
};
/* https://core.telegram.org/bots/api#storyareatypelink */
struct tg_story_area_type_link {
    const char *type;
    const char *url;
};
/* https://core.telegram.org/bots/api#storyareatypeweather */
struct tg_story_area_type_weather {
    const char *type;
    double temperature;
    const char *emoji;
    int64_t background_color;
};
/* https://core.telegram.org/bots/api#storyareatypeuniquegift */
struct tg_story_area_type_unique_gift {
    const char *type;
    const char *name;
};
/* https://core.telegram.org/bots/api#storyarea */
struct tg_story_area {
    tg_story_area_position *position;
    tg_story_area_type *type;
};
/* https://core.telegram.org/bots/api#chatlocation */
struct tg_chat_location {
    tg_location *location;
    const char *address;
};
/* https://core.telegram.org/bots/api#reactiontypeemoji */
struct tg_reaction_type_emoji {
    const char *type;
    const char *emoji;
};
/* https://core.telegram.org/bots/api#reactiontypecustomemoji */
struct tg_reaction_type_custom_emoji {
    const char *type;
    const char *custom_emoji_id;
};
/* https://core.telegram.org/bots/api#reactiontypepaid */
struct tg_reaction_type_paid {
    const char *type;
};
/* https://core.telegram.org/bots/api#reactioncount */
struct tg_reaction_count {
    tg_reaction_type *type;
    int64_t total_count;
};
/* https://core.telegram.org/bots/api#messagereactionupdated */
struct tg_message_reaction_updated {
    tg_chat *chat;
    int64_t message_id;
    tg_user *user;
    tg_chat *actor_chat;
    int64_t date;
    tg_reaction_type *old_reaction; size_t old_reaction_count;
    tg_reaction_type *new_reaction; size_t new_reaction_count;
};
/* https://core.telegram.org/bots/api#messagereactioncountupdated */
struct tg_message_reaction_count_updated {
    tg_chat *chat;
    int64_t message_id;
    int64_t date;
    tg_reaction_count *reactions; size_t reactions_count;
};
/* https://core.telegram.org/bots/api#forumtopic */
struct tg_forum_topic {
    int64_t message_thread_id;
    const char *name;
    int64_t icon_color;
    const char *icon_custom_emoji_id;
    bool is_name_implicit;
    bool has_is_name_implicit;
};
/* https://core.telegram.org/bots/api#giftbackground */
struct tg_gift_background {
    int64_t center_color;
    int64_t edge_color;
    int64_t text_color;
};
/* https://core.telegram.org/bots/api#gift */
struct tg_gift {
    const char *id;
    tg_sticker *sticker;
    int64_t star_count;
    int64_t upgrade_star_count;
    bool has_upgrade_star_count;
    bool is_premium;
    bool has_is_premium;
    bool has_colors;
    bool has_has_colors;
    int64_t total_count;
    bool has_total_count;
    int64_t remaining_count;
    bool has_remaining_count;
    int64_t personal_total_count;
    bool has_personal_total_count;
    int64_t personal_remaining_count;
    bool has_personal_remaining_count;
    tg_gift_background *background;
    int64_t unique_gift_variant_count;
    bool has_unique_gift_variant_count;
    tg_chat *publisher_chat;
};
/* https://core.telegram.org/bots/api#gifts */
struct tg_gifts {
    tg_gift *gifts; size_t gifts_count;
};
/* https://core.telegram.org/bots/api#uniquegiftmodel */
struct tg_unique_gift_model {
    const char *name;
    tg_sticker *sticker;
    int64_t rarity_per_mille;
    const char *rarity;
};
/* https://core.telegram.org/bots/api#uniquegiftsymbol */
struct tg_unique_gift_symbol {
    const char *name;
    tg_sticker *sticker;
    int64_t rarity_per_mille;
};
/* https://core.telegram.org/bots/api#uniquegiftbackdropcolors */
struct tg_unique_gift_backdrop_colors {
    int64_t center_color;
    int64_t edge_color;
    int64_t symbol_color;
    int64_t text_color;
};
/* https://core.telegram.org/bots/api#uniquegiftbackdrop */
struct tg_unique_gift_backdrop {
    const char *name;
    tg_unique_gift_backdrop_colors *colors;
    int64_t rarity_per_mille;
};
/* https://core.telegram.org/bots/api#uniquegiftcolors */
struct tg_unique_gift_colors {
    const char *model_custom_emoji_id;
    const char *symbol_custom_emoji_id;
    int64_t light_theme_main_color;
    int64_t *light_theme_other_colors; size_t light_theme_other_colors_count;
    int64_t dark_theme_main_color;
    int64_t *dark_theme_other_colors; size_t dark_theme_other_colors_count;
};
/* https://core.telegram.org/bots/api#uniquegift */
struct tg_unique_gift {
    const char *gift_id;
    const char *base_name;
    const char *name;
    int64_t number;
    tg_unique_gift_model *model;
    tg_unique_gift_symbol *symbol;
    tg_unique_gift_backdrop *backdrop;
    bool is_premium;
    bool has_is_premium;
    bool is_burned;
    bool has_is_burned;
    bool is_from_blockchain;
    bool has_is_from_blockchain;
    tg_unique_gift_colors *colors;
    tg_chat *publisher_chat;
};
/* https://core.telegram.org/bots/api#giftinfo */
struct tg_gift_info {
    tg_gift *gift;
    const char *owned_gift_id;
    int64_t convert_star_count;
    bool has_convert_star_count;
    int64_t prepaid_upgrade_star_count;
    bool has_prepaid_upgrade_star_count;
    bool is_upgrade_separate;
    bool has_is_upgrade_separate;
    bool can_be_upgraded;
    bool has_can_be_upgraded;
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    bool is_private;
    bool has_is_private;
    int64_t unique_gift_number;
    bool has_unique_gift_number;
};
/* https://core.telegram.org/bots/api#uniquegiftinfo */
struct tg_unique_gift_info {
    tg_unique_gift *gift;
    const char *origin;
    const char *last_resale_currency;
    int64_t last_resale_amount;
    bool has_last_resale_amount;
    const char *owned_gift_id;
    int64_t transfer_star_count;
    bool has_transfer_star_count;
    int64_t next_transfer_date;
    bool has_next_transfer_date;
};
/* https://core.telegram.org/bots/api#ownedgiftregular */
struct tg_owned_gift_regular {
    const char *type;
    tg_gift *gift;
    const char *owned_gift_id;
    tg_user *sender_user;
    int64_t send_date;
    const char *text;
    tg_message_entity *entities; size_t entities_count;
    bool is_private;
    bool has_is_private;
    bool is_saved;
    bool has_is_saved;
    bool can_be_upgraded;
    bool has_can_be_upgraded;
    bool was_refunded;
    bool has_was_refunded;
    int64_t convert_star_count;
    bool has_convert_star_count;
    int64_t prepaid_upgrade_star_count;
    bool has_prepaid_upgrade_star_count;
    bool is_upgrade_separate;
    bool has_is_upgrade_separate;
    int64_t unique_gift_number;
    bool has_unique_gift_number;
};
/* https://core.telegram.org/bots/api#ownedgiftunique */
struct tg_owned_gift_unique {
    const char *type;
    tg_unique_gift *gift;
    const char *owned_gift_id;
    tg_user *sender_user;
    int64_t send_date;
    bool is_saved;
    bool has_is_saved;
    bool can_be_transferred;
    bool has_can_be_transferred;
    int64_t transfer_star_count;
    bool has_transfer_star_count;
    int64_t next_transfer_date;
    bool has_next_transfer_date;
};
/* https://core.telegram.org/bots/api#ownedgifts */
struct tg_owned_gifts {
    int64_t total_count;
    tg_owned_gift *gifts; size_t gifts_count;
    const char *next_offset;
};
/* https://core.telegram.org/bots/api#botaccesssettings */
struct tg_bot_access_settings {
    bool is_access_restricted;
    tg_user *added_users; size_t added_users_count;
};
/* https://core.telegram.org/bots/api#acceptedgifttypes */
struct tg_accepted_gift_types {
    bool unlimited_gifts;
    bool limited_gifts;
    bool unique_gifts;
    bool premium_subscription;
    bool gifts_from_channels;
};
/* https://core.telegram.org/bots/api#staramount */
struct tg_star_amount {
    int64_t amount;
    int64_t nanostar_amount;
    bool has_nanostar_amount;
};
/* https://core.telegram.org/bots/api#botcommand */
struct tg_bot_command {
    const char *command;
    const char *description;
};
/* https://core.telegram.org/bots/api#botcommandscopedefault */
struct tg_bot_command_scope_default {
    const char *type;
};
/* https://core.telegram.org/bots/api#botcommandscopeallprivatechats */
struct tg_bot_command_scope_all_private_chats {
    const char *type;
};
/* https://core.telegram.org/bots/api#botcommandscopeallgroupchats */
struct tg_bot_command_scope_all_group_chats {
    const char *type;
};
/* https://core.telegram.org/bots/api#botcommandscopeallchatadministrators */
struct tg_bot_command_scope_all_chat_administrators {
    const char *type;
};
/* https://core.telegram.org/bots/api#botcommandscopechat */
struct tg_bot_command_scope_chat {
    const char *type;
    tg_chat_ref chat_id;
};
/* https://core.telegram.org/bots/api#botcommandscopechatadministrators */
struct tg_bot_command_scope_chat_administrators {
    const char *type;
    tg_chat_ref chat_id;
};
/* https://core.telegram.org/bots/api#botcommandscopechatmember */
struct tg_bot_command_scope_chat_member {
    const char *type;
    tg_chat_ref chat_id;
    int64_t user_id;
};
/* https://core.telegram.org/bots/api#botname */
struct tg_bot_name {
    const char *name;
};
/* https://core.telegram.org/bots/api#botdescription */
struct tg_bot_description {
    const char *description;
};
/* https://core.telegram.org/bots/api#botshortdescription */
struct tg_bot_short_description {
    const char *short_description;
};
/* https://core.telegram.org/bots/api#menubuttoncommands */
struct tg_menu_button_commands {
    const char *type;
};
/* https://core.telegram.org/bots/api#menubuttonwebapp */
struct tg_menu_button_web_app {
    const char *type;
    const char *text;
    tg_web_app_info *web_app;
};
/* https://core.telegram.org/bots/api#menubuttondefault */
struct tg_menu_button_default {
    const char *type;
};
/* https://core.telegram.org/bots/api#chatboostsourcepremium */
struct tg_chat_boost_source_premium {
    const char *source;
    tg_user *user;
};
/* https://core.telegram.org/bots/api#chatboostsourcegiftcode */
struct tg_chat_boost_source_gift_code {
    const char *source;
    tg_user *user;
};
/* https://core.telegram.org/bots/api#chatboostsourcegiveaway */
struct tg_chat_boost_source_giveaway {
    const char *source;
    int64_t giveaway_message_id;
    tg_user *user;
    int64_t prize_star_count;
    bool has_prize_star_count;
    bool is_unclaimed;
    bool has_is_unclaimed;
};
/* https://core.telegram.org/bots/api#chatboost */
struct tg_chat_boost {
    const char *boost_id;
    int64_t add_date;
    int64_t expiration_date;
    tg_chat_boost_source *source;
};
/* https://core.telegram.org/bots/api#chatboostupdated */
struct tg_chat_boost_updated {
    tg_chat *chat;
    tg_chat_boost *boost;
};
/* https://core.telegram.org/bots/api#chatboostremoved */
struct tg_chat_boost_removed {
    tg_chat *chat;
    const char *boost_id;
    int64_t remove_date;
    tg_chat_boost_source *source;
};
/* https://core.telegram.org/bots/api#chatownerleft */
struct tg_chat_owner_left {
    tg_user *new_owner;
};
/* https://core.telegram.org/bots/api#chatownerchanged */
struct tg_chat_owner_changed {
    tg_user *new_owner;
};
/* https://core.telegram.org/bots/api#userchatboosts */
struct tg_user_chat_boosts {
    tg_chat_boost *boosts; size_t boosts_count;
};
/* https://core.telegram.org/bots/api#businessbotrights */
struct tg_business_bot_rights {
    bool can_reply;
    bool has_can_reply;
    bool can_read_messages;
    bool has_can_read_messages;
    bool can_delete_sent_messages;
    bool has_can_delete_sent_messages;
    bool can_delete_all_messages;
    bool has_can_delete_all_messages;
    bool can_edit_name;
    bool has_can_edit_name;
    bool can_edit_bio;
    bool has_can_edit_bio;
    bool can_edit_profile_photo;
    bool has_can_edit_profile_photo;
    bool can_edit_username;
    bool has_can_edit_username;
    bool can_change_gift_settings;
    bool has_can_change_gift_settings;
    bool can_view_gifts_and_stars;
    bool has_can_view_gifts_and_stars;
    bool can_convert_gifts_to_stars;
    bool has_can_convert_gifts_to_stars;
    bool can_transfer_and_upgrade_gifts;
    bool has_can_transfer_and_upgrade_gifts;
    bool can_transfer_stars;
    bool has_can_transfer_stars;
    bool can_manage_stories;
    bool has_can_manage_stories;
};
/* https://core.telegram.org/bots/api#businessconnection */
struct tg_business_connection {
    const char *id;
    tg_user *user;
    int64_t user_chat_id;
    int64_t date;
    tg_business_bot_rights *rights;
    bool is_enabled;
};
/* https://core.telegram.org/bots/api#businessmessagesdeleted */
struct tg_business_messages_deleted {
    const char *business_connection_id;
    tg_chat *chat;
    int64_t *message_ids; size_t message_ids_count;
};
/* https://core.telegram.org/bots/api#sentwebappmessage */
struct tg_sent_web_app_message {
    const char *inline_message_id;
};
/* https://core.telegram.org/bots/api#sentguestmessage */
struct tg_sent_guest_message {
    const char *inline_message_id;
};
/* https://core.telegram.org/bots/api#preparedinlinemessage */
struct tg_prepared_inline_message {
    const char *id;
    int64_t expiration_date;
};
/* https://core.telegram.org/bots/api#preparedkeyboardbutton */
struct tg_prepared_keyboard_button {
    const char *id;
};
/* https://core.telegram.org/bots/api#responseparameters */
struct tg_response_parameters {
    int64_t migrate_to_chat_id;
    bool has_migrate_to_chat_id;
    int64_t retry_after;
    bool has_retry_after;
};
/* https://core.telegram.org/bots/api#inputmediaanimation */
struct tg_input_media_animation {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    int64_t width;
    bool has_width;
    int64_t height;
    bool has_height;
    int64_t duration;
    bool has_duration;
    bool has_spoiler;
    bool has_has_spoiler;
};
/* https://core.telegram.org/bots/api#inputmediaaudio */
struct tg_input_media_audio {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    int64_t duration;
    bool has_duration;
    const char *performer;
    const char *title;
};
/* https://core.telegram.org/bots/api#inputmediadocument */
struct tg_input_media_document {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool disable_content_type_detection;
    bool has_disable_content_type_detection;
};
/* https://core.telegram.org/bots/api#inputmedialink */
struct tg_input_media_link {
    const char *type;
    const char *url;
};
/* https://core.telegram.org/bots/api#inputmedialivephoto */
struct tg_input_media_live_photo {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *photo;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    bool has_spoiler;
    bool has_has_spoiler;
};
/* https://core.telegram.org/bots/api#inputmedialocation */
struct tg_input_media_location {
    const char *type;
    double latitude;
    double longitude;
    double horizontal_accuracy;
    bool has_horizontal_accuracy;
};
/* https://core.telegram.org/bots/api#inputmediaphoto */
struct tg_input_media_photo {
    const char *type;
    const tg_input_file *media;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    bool has_spoiler;
    bool has_has_spoiler;
};
/* https://core.telegram.org/bots/api#inputmediasticker */
struct tg_input_media_sticker {
    const char *type;
    const tg_input_file *media;
    const char *emoji;
};
/* https://core.telegram.org/bots/api#inputmediavenue */
struct tg_input_media_venue {
    const char *type;
    double latitude;
    double longitude;
    const char *title;
    const char *address;
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
};
/* https://core.telegram.org/bots/api#inputmediavideo */
struct tg_input_media_video {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *thumbnail;
    const tg_input_file *cover;
    int64_t start_timestamp;
    bool has_start_timestamp;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    int64_t width;
    bool has_width;
    int64_t height;
    bool has_height;
    int64_t duration;
    bool has_duration;
    bool supports_streaming;
    bool has_supports_streaming;
    bool has_spoiler;
    bool has_has_spoiler;
};
/* https://core.telegram.org/bots/api#inputpaidmedialivephoto */
struct tg_input_paid_media_live_photo {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *photo;
};
/* https://core.telegram.org/bots/api#inputpaidmediaphoto */
struct tg_input_paid_media_photo {
    const char *type;
    const tg_input_file *media;
};
/* https://core.telegram.org/bots/api#inputpaidmediavideo */
struct tg_input_paid_media_video {
    const char *type;
    const tg_input_file *media;
    const tg_input_file *thumbnail;
    const tg_input_file *cover;
    int64_t start_timestamp;
    bool has_start_timestamp;
    int64_t width;
    bool has_width;
    int64_t height;
    bool has_height;
    int64_t duration;
    bool has_duration;
    bool supports_streaming;
    bool has_supports_streaming;
};
/* https://core.telegram.org/bots/api#inputprofilephotostatic */
struct tg_input_profile_photo_static {
    const char *type;
    const tg_input_file *photo;
};
/* https://core.telegram.org/bots/api#inputprofilephotoanimated */
struct tg_input_profile_photo_animated {
    const char *type;
    const tg_input_file *animation;
    double main_frame_timestamp;
    bool has_main_frame_timestamp;
};
/* https://core.telegram.org/bots/api#inputstorycontentphoto */
struct tg_input_story_content_photo {
    const char *type;
    const tg_input_file *photo;
};
/* https://core.telegram.org/bots/api#inputstorycontentvideo */
struct tg_input_story_content_video {
    const char *type;
    const tg_input_file *video;
    double duration;
    bool has_duration;
    double cover_frame_timestamp;
    bool has_cover_frame_timestamp;
    bool is_animation;
    bool has_is_animation;
};
/* https://core.telegram.org/bots/api#sticker */
struct tg_sticker {
    const char *file_id;
    const char *file_unique_id;
    const char *type;
    int64_t width;
    int64_t height;
    bool is_animated;
    bool is_video;
    tg_photo_size *thumbnail;
    const char *emoji;
    const char *set_name;
    tg_file *premium_animation;
    tg_mask_position *mask_position;
    const char *custom_emoji_id;
    bool needs_repainting;
    bool has_needs_repainting;
    int64_t file_size;
    bool has_file_size;
};
/* https://core.telegram.org/bots/api#stickerset */
struct tg_sticker_set {
    const char *name;
    const char *title;
    const char *sticker_type;
    tg_sticker *stickers; size_t stickers_count;
    tg_photo_size *thumbnail;
};
/* https://core.telegram.org/bots/api#maskposition */
struct tg_mask_position {
    const char *point;
    double x_shift;
    double y_shift;
    double scale;
};
/* https://core.telegram.org/bots/api#inputsticker */
struct tg_input_sticker {
    const tg_input_file *sticker;
    const char *format;
    const char **emoji_list; size_t emoji_list_count;
    tg_mask_position *mask_position;
    const char **keywords; size_t keywords_count;
};
/* https://core.telegram.org/bots/api#richmessage */
struct tg_rich_message {
    tg_rich_block *blocks; size_t blocks_count;
    bool is_rtl;
    bool has_is_rtl;
};
/* https://core.telegram.org/bots/api#inputrichmessage */
struct tg_input_rich_message {
    const char *html;
    const char *markdown;
    bool is_rtl;
    bool has_is_rtl;
    bool skip_entity_detection;
    bool has_skip_entity_detection;
};
/* https://core.telegram.org/bots/api#richtextbold */
struct tg_rich_text_bold {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextitalic */
struct tg_rich_text_italic {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextunderline */
struct tg_rich_text_underline {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextstrikethrough */
struct tg_rich_text_strikethrough {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextspoiler */
struct tg_rich_text_spoiler {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextdatetime */
struct tg_rich_text_date_time {
    const char *type;
    tg_rich_text *text;
    int64_t unix_time;
    const char *date_time_format;
};
/* https://core.telegram.org/bots/api#richtexttextmention */
struct tg_rich_text_text_mention {
    const char *type;
    tg_rich_text *text;
    tg_user *user;
};
/* https://core.telegram.org/bots/api#richtextsubscript */
struct tg_rich_text_subscript {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextsuperscript */
struct tg_rich_text_superscript {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextmarked */
struct tg_rich_text_marked {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextcode */
struct tg_rich_text_code {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richtextcustomemoji */
struct tg_rich_text_custom_emoji {
    const char *type;
    const char *custom_emoji_id;
    const char *alternative_text;
};
/* https://core.telegram.org/bots/api#richtextmathematicalexpression */
struct tg_rich_text_mathematical_expression {
    const char *type;
    const char *expression;
};
/* https://core.telegram.org/bots/api#richtexturl */
struct tg_rich_text_url {
    const char *type;
    tg_rich_text *text;
    const char *url;
};
/* https://core.telegram.org/bots/api#richtextemailaddress */
struct tg_rich_text_email_address {
    const char *type;
    tg_rich_text *text;
    const char *email_address;
};
/* https://core.telegram.org/bots/api#richtextphonenumber */
struct tg_rich_text_phone_number {
    const char *type;
    tg_rich_text *text;
    const char *phone_number;
};
/* https://core.telegram.org/bots/api#richtextbankcardnumber */
struct tg_rich_text_bank_card_number {
    const char *type;
    tg_rich_text *text;
    const char *bank_card_number;
};
/* https://core.telegram.org/bots/api#richtextmention */
struct tg_rich_text_mention {
    const char *type;
    tg_rich_text *text;
    const char *username;
};
/* https://core.telegram.org/bots/api#richtexthashtag */
struct tg_rich_text_hashtag {
    const char *type;
    tg_rich_text *text;
    const char *hashtag;
};
/* https://core.telegram.org/bots/api#richtextcashtag */
struct tg_rich_text_cashtag {
    const char *type;
    tg_rich_text *text;
    const char *cashtag;
};
/* https://core.telegram.org/bots/api#richtextbotcommand */
struct tg_rich_text_bot_command {
    const char *type;
    tg_rich_text *text;
    const char *bot_command;
};
/* https://core.telegram.org/bots/api#richtextanchor */
struct tg_rich_text_anchor {
    const char *type;
    const char *name;
};
/* https://core.telegram.org/bots/api#richtextanchorlink */
struct tg_rich_text_anchor_link {
    const char *type;
    tg_rich_text *text;
    const char *anchor_name;
};
/* https://core.telegram.org/bots/api#richtextreference */
struct tg_rich_text_reference {
    const char *type;
    tg_rich_text *text;
    const char *name;
};
/* https://core.telegram.org/bots/api#richtextreferencelink */
struct tg_rich_text_reference_link {
    const char *type;
    tg_rich_text *text;
    const char *reference_name;
};
/* https://core.telegram.org/bots/api#richblockcaption */
struct tg_rich_block_caption {
    tg_rich_text *text;
    tg_rich_text *credit;
};
/* https://core.telegram.org/bots/api#richblocktablecell */
struct tg_rich_block_table_cell {
    tg_rich_text *text;
    bool is_header;
    bool has_is_header;
    int64_t colspan;
    bool has_colspan;
    int64_t rowspan;
    bool has_rowspan;
    const char *align;
    const char *valign;
};
/* https://core.telegram.org/bots/api#richblocklistitem */
struct tg_rich_block_list_item {
    const char *label;
    tg_rich_block *blocks; size_t blocks_count;
    bool has_checkbox;
    bool has_has_checkbox;
    bool is_checked;
    bool has_is_checked;
    int64_t value;
    bool has_value;
    const char *type;
};
/* https://core.telegram.org/bots/api#richblockparagraph */
struct tg_rich_block_paragraph {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richblocksectionheading */
struct tg_rich_block_section_heading {
    const char *type;
    tg_rich_text *text;
    int64_t size;
};
/* https://core.telegram.org/bots/api#richblockpreformatted */
struct tg_rich_block_preformatted {
    const char *type;
    tg_rich_text *text;
    const char *language;
};
/* https://core.telegram.org/bots/api#richblockfooter */
struct tg_rich_block_footer {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#richblockdivider */
struct tg_rich_block_divider {
    const char *type;
};
/* https://core.telegram.org/bots/api#richblockmathematicalexpression */
struct tg_rich_block_mathematical_expression {
    const char *type;
    const char *expression;
};
/* https://core.telegram.org/bots/api#richblockanchor */
struct tg_rich_block_anchor {
    const char *type;
    const char *name;
};
/* https://core.telegram.org/bots/api#richblocklist */
struct tg_rich_block_list {
    const char *type;
    tg_rich_block_list_item *items; size_t items_count;
};
/* https://core.telegram.org/bots/api#richblockblockquotation */
struct tg_rich_block_block_quotation {
    const char *type;
    tg_rich_block *blocks; size_t blocks_count;
    tg_rich_text *credit;
};
/* https://core.telegram.org/bots/api#richblockpullquotation */
struct tg_rich_block_pull_quotation {
    const char *type;
    tg_rich_text *text;
    tg_rich_text *credit;
};
/* https://core.telegram.org/bots/api#richblockcollage */
struct tg_rich_block_collage {
    const char *type;
    tg_rich_block *blocks; size_t blocks_count;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockslideshow */
struct tg_rich_block_slideshow {
    const char *type;
    tg_rich_block *blocks; size_t blocks_count;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblocktable */
struct tg_rich_block_table {
    const char *type;
    tg_rich_block_table_cell_list *cells; size_t cells_count;
    bool is_bordered;
    bool has_is_bordered;
    bool is_striped;
    bool has_is_striped;
    tg_rich_text *caption;
};
/* https://core.telegram.org/bots/api#richblockdetails */
struct tg_rich_block_details {
    const char *type;
    tg_rich_text *summary;
    tg_rich_block *blocks; size_t blocks_count;
    bool is_open;
    bool has_is_open;
};
/* https://core.telegram.org/bots/api#richblockmap */
struct tg_rich_block_map {
    const char *type;
    tg_location *location;
    int64_t zoom;
    int64_t width;
    int64_t height;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockanimation */
struct tg_rich_block_animation {
    const char *type;
    tg_animation *animation;
    bool has_spoiler;
    bool has_has_spoiler;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockaudio */
struct tg_rich_block_audio {
    const char *type;
    tg_audio *audio;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockphoto */
struct tg_rich_block_photo {
    const char *type;
    tg_photo_size *photo; size_t photo_count;
    bool has_spoiler;
    bool has_has_spoiler;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockvideo */
struct tg_rich_block_video {
    const char *type;
    tg_video *video;
    bool has_spoiler;
    bool has_has_spoiler;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockvoicenote */
struct tg_rich_block_voice_note {
    const char *type;
    tg_voice *voice_note;
    tg_rich_block_caption *caption;
};
/* https://core.telegram.org/bots/api#richblockthinking */
struct tg_rich_block_thinking {
    const char *type;
    tg_rich_text *text;
};
/* https://core.telegram.org/bots/api#inlinequery */
struct tg_inline_query {
    const char *id;
    tg_user *from;
    const char *query;
    const char *offset;
    const char *chat_type;
    tg_location *location;
};
/* https://core.telegram.org/bots/api#inlinequeryresultsbutton */
struct tg_inline_query_results_button {
    const char *text;
    tg_web_app_info *web_app;
    const char *start_parameter;
};
/* https://core.telegram.org/bots/api#inlinequeryresultarticle */
struct tg_inline_query_result_article {
    const char *type;
    const char *id;
    const char *title;
    tg_input_message_content *input_message_content;
    tg_inline_keyboard_markup *reply_markup;
    const char *url;
    const char *description;
    const char *thumbnail_url;
    int64_t thumbnail_width;
    bool has_thumbnail_width;
    int64_t thumbnail_height;
    bool has_thumbnail_height;
};
/* https://core.telegram.org/bots/api#inlinequeryresultphoto */
struct tg_inline_query_result_photo {
    const char *type;
    const char *id;
    const char *photo_url;
    const char *thumbnail_url;
    int64_t photo_width;
    bool has_photo_width;
    int64_t photo_height;
    bool has_photo_height;
    const char *title;
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultgif */
struct tg_inline_query_result_gif {
    const char *type;
    const char *id;
    const char *gif_url;
    int64_t gif_width;
    bool has_gif_width;
    int64_t gif_height;
    bool has_gif_height;
    int64_t gif_duration;
    bool has_gif_duration;
    const char *thumbnail_url;
    const char *thumbnail_mime_type;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultmpeg4gif */
struct tg_inline_query_result_mpeg4_gif {
    const char *type;
    const char *id;
    const char *mpeg4_url;
    int64_t mpeg4_width;
    bool has_mpeg4_width;
    int64_t mpeg4_height;
    bool has_mpeg4_height;
    int64_t mpeg4_duration;
    bool has_mpeg4_duration;
    const char *thumbnail_url;
    const char *thumbnail_mime_type;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultvideo */
struct tg_inline_query_result_video {
    const char *type;
    const char *id;
    const char *video_url;
    const char *mime_type;
    const char *thumbnail_url;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    int64_t video_width;
    bool has_video_width;
    int64_t video_height;
    bool has_video_height;
    int64_t video_duration;
    bool has_video_duration;
    const char *description;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultaudio */
struct tg_inline_query_result_audio {
    const char *type;
    const char *id;
    const char *audio_url;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *performer;
    int64_t audio_duration;
    bool has_audio_duration;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultvoice */
struct tg_inline_query_result_voice {
    const char *type;
    const char *id;
    const char *voice_url;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    int64_t voice_duration;
    bool has_voice_duration;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultdocument */
struct tg_inline_query_result_document {
    const char *type;
    const char *id;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *document_url;
    const char *mime_type;
    const char *description;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width;
    bool has_thumbnail_width;
    int64_t thumbnail_height;
    bool has_thumbnail_height;
};
/* https://core.telegram.org/bots/api#inlinequeryresultlocation */
struct tg_inline_query_result_location {
    const char *type;
    const char *id;
    double latitude;
    double longitude;
    const char *title;
    double horizontal_accuracy;
    bool has_horizontal_accuracy;
    int64_t live_period;
    bool has_live_period;
    int64_t heading;
    bool has_heading;
    int64_t proximity_alert_radius;
    bool has_proximity_alert_radius;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width;
    bool has_thumbnail_width;
    int64_t thumbnail_height;
    bool has_thumbnail_height;
};
/* https://core.telegram.org/bots/api#inlinequeryresultvenue */
struct tg_inline_query_result_venue {
    const char *type;
    const char *id;
    double latitude;
    double longitude;
    const char *title;
    const char *address;
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width;
    bool has_thumbnail_width;
    int64_t thumbnail_height;
    bool has_thumbnail_height;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcontact */
struct tg_inline_query_result_contact {
    const char *type;
    const char *id;
    const char *phone_number;
    const char *first_name;
    const char *last_name;
    const char *vcard;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
    const char *thumbnail_url;
    int64_t thumbnail_width;
    bool has_thumbnail_width;
    int64_t thumbnail_height;
    bool has_thumbnail_height;
};
/* https://core.telegram.org/bots/api#inlinequeryresultgame */
struct tg_inline_query_result_game {
    const char *type;
    const char *id;
    const char *game_short_name;
    tg_inline_keyboard_markup *reply_markup;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedphoto */
struct tg_inline_query_result_cached_photo {
    const char *type;
    const char *id;
    const char *photo_file_id;
    const char *title;
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedgif */
struct tg_inline_query_result_cached_gif {
    const char *type;
    const char *id;
    const char *gif_file_id;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedmpeg4gif */
struct tg_inline_query_result_cached_mpeg4_gif {
    const char *type;
    const char *id;
    const char *mpeg4_file_id;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedsticker */
struct tg_inline_query_result_cached_sticker {
    const char *type;
    const char *id;
    const char *sticker_file_id;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcacheddocument */
struct tg_inline_query_result_cached_document {
    const char *type;
    const char *id;
    const char *title;
    const char *document_file_id;
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedvideo */
struct tg_inline_query_result_cached_video {
    const char *type;
    const char *id;
    const char *video_file_id;
    const char *title;
    const char *description;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    bool show_caption_above_media;
    bool has_show_caption_above_media;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedvoice */
struct tg_inline_query_result_cached_voice {
    const char *type;
    const char *id;
    const char *voice_file_id;
    const char *title;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inlinequeryresultcachedaudio */
struct tg_inline_query_result_cached_audio {
    const char *type;
    const char *id;
    const char *audio_file_id;
    const char *caption;
    const char *parse_mode;
    tg_message_entity *caption_entities; size_t caption_entities_count;
    tg_inline_keyboard_markup *reply_markup;
    tg_input_message_content *input_message_content;
};
/* https://core.telegram.org/bots/api#inputtextmessagecontent */
struct tg_input_text_message_content {
    const char *message_text;
    const char *parse_mode;
    tg_message_entity *entities; size_t entities_count;
    tg_link_preview_options *link_preview_options;
};
/* https://core.telegram.org/bots/api#inputrichmessagecontent */
struct tg_input_rich_message_content {
    tg_input_rich_message *rich_message;
};
/* https://core.telegram.org/bots/api#inputlocationmessagecontent */
struct tg_input_location_message_content {
    double latitude;
    double longitude;
    double horizontal_accuracy;
    bool has_horizontal_accuracy;
    int64_t live_period;
    bool has_live_period;
    int64_t heading;
    bool has_heading;
    int64_t proximity_alert_radius;
    bool has_proximity_alert_radius;
};
/* https://core.telegram.org/bots/api#inputvenuemessagecontent */
struct tg_input_venue_message_content {
    double latitude;
    double longitude;
    const char *title;
    const char *address;
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
};
/* https://core.telegram.org/bots/api#inputcontactmessagecontent */
struct tg_input_contact_message_content {
    const char *phone_number;
    const char *first_name;
    const char *last_name;
    const char *vcard;
};
/* https://core.telegram.org/bots/api#inputinvoicemessagecontent */
struct tg_input_invoice_message_content {
    const char *title;
    const char *description;
    const char *payload;
    const char *provider_token;
    const char *currency;
    tg_labeled_price *prices; size_t prices_count;
    int64_t max_tip_amount;
    bool has_max_tip_amount;
    int64_t *suggested_tip_amounts; size_t suggested_tip_amounts_count;
    const char *provider_data;
    const char *photo_url;
    int64_t photo_size;
    bool has_photo_size;
    int64_t photo_width;
    bool has_photo_width;
    int64_t photo_height;
    bool has_photo_height;
    bool need_name;
    bool has_need_name;
    bool need_phone_number;
    bool has_need_phone_number;
    bool need_email;
    bool has_need_email;
    bool need_shipping_address;
    bool has_need_shipping_address;
    bool send_phone_number_to_provider;
    bool has_send_phone_number_to_provider;
    bool send_email_to_provider;
    bool has_send_email_to_provider;
    bool is_flexible;
    bool has_is_flexible;
};
/* https://core.telegram.org/bots/api#choseninlineresult */
struct tg_chosen_inline_result {
    const char *result_id;
    tg_user *from;
    tg_location *location;
    const char *inline_message_id;
    const char *query;
};
/* https://core.telegram.org/bots/api#labeledprice */
struct tg_labeled_price {
    const char *label;
    int64_t amount;
};
/* https://core.telegram.org/bots/api#invoice */
struct tg_invoice {
    const char *title;
    const char *description;
    const char *start_parameter;
    const char *currency;
    int64_t total_amount;
};
/* https://core.telegram.org/bots/api#shippingaddress */
struct tg_shipping_address {
    const char *country_code;
    const char *state;
    const char *city;
    const char *street_line1;
    const char *street_line2;
    const char *post_code;
};
/* https://core.telegram.org/bots/api#orderinfo */
struct tg_order_info {
    const char *name;
    const char *phone_number;
    const char *email;
    tg_shipping_address *shipping_address;
};
/* https://core.telegram.org/bots/api#shippingoption */
struct tg_shipping_option {
    const char *id;
    const char *title;
    tg_labeled_price *prices; size_t prices_count;
};
/* https://core.telegram.org/bots/api#successfulpayment */
struct tg_successful_payment {
    const char *currency;
    int64_t total_amount;
    const char *invoice_payload;
    int64_t subscription_expiration_date;
    bool has_subscription_expiration_date;
    bool is_recurring;
    bool has_is_recurring;
    bool is_first_recurring;
    bool has_is_first_recurring;
    const char *shipping_option_id;
    tg_order_info *order_info;
    const char *telegram_payment_charge_id;
    const char *provider_payment_charge_id;
};
/* https://core.telegram.org/bots/api#refundedpayment */
struct tg_refunded_payment {
    const char *currency;
    int64_t total_amount;
    const char *invoice_payload;
    const char *telegram_payment_charge_id;
    const char *provider_payment_charge_id;
};
/* https://core.telegram.org/bots/api#shippingquery */
struct tg_shipping_query {
    const char *id;
    tg_user *from;
    const char *invoice_payload;
    tg_shipping_address *shipping_address;
};
/* https://core.telegram.org/bots/api#precheckoutquery */
struct tg_pre_checkout_query {
    const char *id;
    tg_user *from;
    const char *currency;
    int64_t total_amount;
    const char *invoice_payload;
    const char *shipping_option_id;
    tg_order_info *order_info;
};
/* https://core.telegram.org/bots/api#paidmediapurchased */
struct tg_paid_media_purchased {
    tg_user *from;
    const char *paid_media_payload;
};
/* https://core.telegram.org/bots/api#revenuewithdrawalstatepending */
struct tg_revenue_withdrawal_state_pending {
    const char *type;
};
/* https://core.telegram.org/bots/api#revenuewithdrawalstatesucceeded */
struct tg_revenue_withdrawal_state_succeeded {
    const char *type;
    int64_t date;
    const char *url;
};
/* https://core.telegram.org/bots/api#revenuewithdrawalstatefailed */
struct tg_revenue_withdrawal_state_failed {
    const char *type;
};
/* https://core.telegram.org/bots/api#affiliateinfo */
struct tg_affiliate_info {
    tg_user *affiliate_user;
    tg_chat *affiliate_chat;
    int64_t commission_per_mille;
    int64_t amount;
    int64_t nanostar_amount;
    bool has_nanostar_amount;
};
/* https://core.telegram.org/bots/api#transactionpartneruser */
struct tg_transaction_partner_user {
    const char *type;
    const char *transaction_type;
    tg_user *user;
    tg_affiliate_info *affiliate;
    const char *invoice_payload;
    int64_t subscription_period;
    bool has_subscription_period;
    tg_paid_media *paid_media; size_t paid_media_count;
    const char *paid_media_payload;
    tg_gift *gift;
    int64_t premium_subscription_duration;
    bool has_premium_subscription_duration;
};
/* https://core.telegram.org/bots/api#transactionpartnerchat */
struct tg_transaction_partner_chat {
    const char *type;
    tg_chat *chat;
    tg_gift *gift;
};
/* https://core.telegram.org/bots/api#transactionpartneraffiliateprogram */
struct tg_transaction_partner_affiliate_program {
    const char *type;
    tg_user *sponsor_user;
    int64_t commission_per_mille;
};
/* https://core.telegram.org/bots/api#transactionpartnerfragment */
struct tg_transaction_partner_fragment {
    const char *type;
    tg_revenue_withdrawal_state *withdrawal_state;
};
/* https://core.telegram.org/bots/api#transactionpartnertelegramads */
struct tg_transaction_partner_telegram_ads {
    const char *type;
};
/* https://core.telegram.org/bots/api#transactionpartnertelegramapi */
struct tg_transaction_partner_telegram_api {
    const char *type;
    int64_t request_count;
};
/* https://core.telegram.org/bots/api#transactionpartnerother */
struct tg_transaction_partner_other {
    const char *type;
};
/* https://core.telegram.org/bots/api#startransaction */
struct tg_star_transaction {
    const char *id;
    int64_t amount;
    int64_t nanostar_amount;
    bool has_nanostar_amount;
    int64_t date;
    tg_transaction_partner *source;
    tg_transaction_partner *receiver;
};
/* https://core.telegram.org/bots/api#startransactions */
struct tg_star_transactions {
    tg_star_transaction *transactions; size_t transactions_count;
};
/* https://core.telegram.org/bots/api#passportdata */
struct tg_passport_data {
    tg_encrypted_passport_element *data; size_t data_count;
    tg_encrypted_credentials *credentials;
};
/* https://core.telegram.org/bots/api#passportfile */
struct tg_passport_file {
    const char *file_id;
    const char *file_unique_id;
    int64_t file_size;
    int64_t file_date;
};
/* https://core.telegram.org/bots/api#encryptedpassportelement */
struct tg_encrypted_passport_element {
    const char *type;
    const char *data;
    const char *phone_number;
    const char *email;
    tg_passport_file *files; size_t files_count;
    tg_passport_file *front_side;
    tg_passport_file *reverse_side;
    tg_passport_file *selfie;
    tg_passport_file *translation; size_t translation_count;
    const char *hash;
};
/* https://core.telegram.org/bots/api#encryptedcredentials */
struct tg_encrypted_credentials {
    const char *data;
    const char *hash;
    const char *secret;
};
/* https://core.telegram.org/bots/api#passportelementerrordatafield */
struct tg_passport_element_error_data_field {
    const char *source;
    const char *type;
    const char *field_name;
    const char *data_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrorfrontside */
struct tg_passport_element_error_front_side {
    const char *source;
    const char *type;
    const char *file_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrorreverseside */
struct tg_passport_element_error_reverse_side {
    const char *source;
    const char *type;
    const char *file_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrorselfie */
struct tg_passport_element_error_selfie {
    const char *source;
    const char *type;
    const char *file_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrorfile */
struct tg_passport_element_error_file {
    const char *source;
    const char *type;
    const char *file_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrorfiles */
struct tg_passport_element_error_files {
    const char *source;
    const char *type;
    const char **file_hashes; size_t file_hashes_count;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrortranslationfile */
struct tg_passport_element_error_translation_file {
    const char *source;
    const char *type;
    const char *file_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrortranslationfiles */
struct tg_passport_element_error_translation_files {
    const char *source;
    const char *type;
    const char **file_hashes; size_t file_hashes_count;
    const char *message;
};
/* https://core.telegram.org/bots/api#passportelementerrorunspecified */
struct tg_passport_element_error_unspecified {
    const char *source;
    const char *type;
    const char *element_hash;
    const char *message;
};
/* https://core.telegram.org/bots/api#game */
struct tg_game {
    const char *title;
    const char *description;
    tg_photo_size *photo; size_t photo_count;
    const char *text;
    tg_message_entity *text_entities; size_t text_entities_count;
    tg_animation *animation;
};
/* https://core.telegram.org/bots/api#callbackgame */
struct tg_callback_game {
    int unused_;   /* no fields */
};
/* https://core.telegram.org/bots/api#gamehighscore */
struct tg_game_high_score {
    int64_t position;
    tg_user *user;
    int64_t score;
};
/* decodes any Bot API type from parsed JSON; strings point into the JSON buffer */
TGBOT_API tg_err tg_decode(tg_type_id type, const tg_json_value *v, tg_arena *a, void *out);
TGBOT_API tg_err tg_encode(tg_type_id type, const void *obj, tg_json_writer *w);
typedef struct tg_get_updates_args {
    int64_t offset;
    int64_t limit;
    int64_t timeout;
    const char **allowed_updates; size_t allowed_updates_count;
    const char *allowed_updates_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_updates_args;
/* https://core.telegram.org/bots/api#getupdates */
TGBOT_API tg_err tg_get_updates(tg_bot *bot, const tg_get_updates_args *args, tg_update_list *out);
typedef struct tg_set_webhook_args {
    const char *url;
    const tg_input_file *certificate;
    const char *ip_address;
    int64_t max_connections;
    const char **allowed_updates; size_t allowed_updates_count;
    const char *allowed_updates_json;   /* raw JSON instead */
    bool drop_pending_updates;
    const char *secret_token;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_webhook_args;
/* https://core.telegram.org/bots/api#setwebhook */
TGBOT_API tg_err tg_set_webhook(tg_bot *bot, const tg_set_webhook_args *args, bool *out);
typedef struct tg_delete_webhook_args {
    bool drop_pending_updates;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_webhook_args;
/* https://core.telegram.org/bots/api#deletewebhook */
TGBOT_API tg_err tg_delete_webhook(tg_bot *bot, const tg_delete_webhook_args *args, bool *out);
/* https://core.telegram.org/bots/api#getwebhookinfo */
TGBOT_API tg_err tg_get_webhook_info(tg_bot *bot, tg_webhook_info **out);
/* https://core.telegram.org/bots/api#getme */
TGBOT_API tg_err tg_get_me(tg_bot *bot, tg_user **out);
/* https://core.telegram.org/bots/api#logout */
TGBOT_API tg_err tg_log_out(tg_bot *bot, bool *out);
/* https://core.telegram.org/bots/api#close */
TGBOT_API tg_err tg_close(tg_bot *bot, bool *out);
typedef struct tg_send_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const char *text;
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count;
    const char *entities_json;   /* raw JSON instead */
    const tg_link_preview_options *link_preview_options;
    const char *link_preview_options_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_message_args;
/* https://core.telegram.org/bots/api#sendmessage */
TGBOT_API tg_err tg_send_message(tg_bot *bot, const tg_send_message_args *args, tg_message **out);
typedef struct tg_forward_message_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;
    int64_t video_start_timestamp;
    bool disable_notification;
    bool protect_content;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    int64_t message_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_forward_message_args;
/* https://core.telegram.org/bots/api#forwardmessage */
TGBOT_API tg_err tg_forward_message(tg_bot *bot, const tg_forward_message_args *args, tg_message **out);
typedef struct tg_forward_messages_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;
    int64_t *message_ids; size_t message_ids_count;
    const char *message_ids_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_forward_messages_args;
/* https://core.telegram.org/bots/api#forwardmessages */
TGBOT_API tg_err tg_forward_messages(tg_bot *bot, const tg_forward_messages_args *args, tg_message_id_list *out);
typedef struct tg_copy_message_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;
    int64_t message_id;
    int64_t video_start_timestamp;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_copy_message_args;
/* https://core.telegram.org/bots/api#copymessage */
TGBOT_API tg_err tg_copy_message(tg_bot *bot, const tg_copy_message_args *args, tg_message_id **out);
typedef struct tg_copy_messages_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    tg_chat_ref from_chat_id;
    int64_t *message_ids; size_t message_ids_count;
    const char *message_ids_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    bool remove_caption;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_copy_messages_args;
/* https://core.telegram.org/bots/api#copymessages */
TGBOT_API tg_err tg_copy_messages(tg_bot *bot, const tg_copy_messages_args *args, tg_message_id_list *out);
typedef struct tg_send_photo_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *photo;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    bool has_spoiler;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_photo_args;
/* https://core.telegram.org/bots/api#sendphoto */
TGBOT_API tg_err tg_send_photo(tg_bot *bot, const tg_send_photo_args *args, tg_message **out);
typedef struct tg_send_live_photo_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *live_photo;
    const tg_input_file *photo;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    bool has_spoiler;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_live_photo_args;
/* https://core.telegram.org/bots/api#sendlivephoto */
TGBOT_API tg_err tg_send_live_photo(tg_bot *bot, const tg_send_live_photo_args *args, tg_message **out);
typedef struct tg_send_audio_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *audio;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    int64_t duration;
    const char *performer;
    const char *title;
    const tg_input_file *thumbnail;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_audio_args;
/* https://core.telegram.org/bots/api#sendaudio */
TGBOT_API tg_err tg_send_audio(tg_bot *bot, const tg_send_audio_args *args, tg_message **out);
typedef struct tg_send_document_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *document;
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool disable_content_type_detection;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_document_args;
/* https://core.telegram.org/bots/api#senddocument */
TGBOT_API tg_err tg_send_document(tg_bot *bot, const tg_send_document_args *args, tg_message **out);
typedef struct tg_send_video_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *video;
    int64_t duration;
    int64_t width;
    int64_t height;
    const tg_input_file *thumbnail;
    const tg_input_file *cover;
    int64_t start_timestamp;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    bool has_spoiler;
    bool supports_streaming;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_video_args;
/* https://core.telegram.org/bots/api#sendvideo */
TGBOT_API tg_err tg_send_video(tg_bot *bot, const tg_send_video_args *args, tg_message **out);
typedef struct tg_send_animation_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *animation;
    int64_t duration;
    int64_t width;
    int64_t height;
    const tg_input_file *thumbnail;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    bool has_spoiler;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_animation_args;
/* https://core.telegram.org/bots/api#sendanimation */
TGBOT_API tg_err tg_send_animation(tg_bot *bot, const tg_send_animation_args *args, tg_message **out);
typedef struct tg_send_voice_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *voice;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    int64_t duration;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_voice_args;
/* https://core.telegram.org/bots/api#sendvoice */
TGBOT_API tg_err tg_send_voice(tg_bot *bot, const tg_send_voice_args *args, tg_message **out);
typedef struct tg_send_video_note_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *video_note;
    int64_t duration;
    int64_t length;
    const tg_input_file *thumbnail;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_video_note_args;
/* https://core.telegram.org/bots/api#sendvideonote */
TGBOT_API tg_err tg_send_video_note(tg_bot *bot, const tg_send_video_note_args *args, tg_message **out);
typedef struct tg_send_paid_media_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    int64_t star_count;
    const tg_input_paid_media *media; size_t media_count;
    const char *media_json;   /* raw JSON instead */
    const char *payload;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_paid_media_args;
/* https://core.telegram.org/bots/api#sendpaidmedia */
TGBOT_API tg_err tg_send_paid_media(tg_bot *bot, const tg_send_paid_media_args *args, tg_message **out);
typedef struct tg_send_media_group_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_media *media; size_t media_count;
    const char *media_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_media_group_args;
/* https://core.telegram.org/bots/api#sendmediagroup */
TGBOT_API tg_err tg_send_media_group(tg_bot *bot, const tg_send_media_group_args *args, tg_message_list *out);
typedef struct tg_send_location_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    double latitude;
    double longitude;
    double horizontal_accuracy;
    int64_t live_period;
    int64_t heading;
    int64_t proximity_alert_radius;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_location_args;
/* https://core.telegram.org/bots/api#sendlocation */
TGBOT_API tg_err tg_send_location(tg_bot *bot, const tg_send_location_args *args, tg_message **out);
typedef struct tg_send_venue_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    double latitude;
    double longitude;
    const char *title;
    const char *address;
    const char *foursquare_id;
    const char *foursquare_type;
    const char *google_place_id;
    const char *google_place_type;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_venue_args;
/* https://core.telegram.org/bots/api#sendvenue */
TGBOT_API tg_err tg_send_venue(tg_bot *bot, const tg_send_venue_args *args, tg_message **out);
typedef struct tg_send_contact_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const char *phone_number;
    const char *first_name;
    const char *last_name;
    const char *vcard;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_contact_args;
/* https://core.telegram.org/bots/api#sendcontact */
TGBOT_API tg_err tg_send_contact(tg_bot *bot, const tg_send_contact_args *args, tg_message **out);
typedef struct tg_send_poll_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *question;
    const char *question_parse_mode;
    const tg_message_entity *question_entities; size_t question_entities_count;
    const char *question_entities_json;   /* raw JSON instead */
    const tg_input_poll_option *options; size_t options_count;
    const char *options_json;   /* raw JSON instead */
    tg_flag is_anonymous;
    const char *type;
    bool allows_multiple_answers;
    bool allows_revoting;
    bool shuffle_options;
    bool allow_adding_options;
    bool hide_results_until_closes;
    bool members_only;
    const char **country_codes; size_t country_codes_count;
    const char *country_codes_json;   /* raw JSON instead */
    int64_t *correct_option_ids; size_t correct_option_ids_count;
    const char *correct_option_ids_json;   /* raw JSON instead */
    const char *explanation;
    const char *explanation_parse_mode;
    const tg_message_entity *explanation_entities; size_t explanation_entities_count;
    const char *explanation_entities_json;   /* raw JSON instead */
    const tg_input_poll_media *explanation_media;
    const char *explanation_media_json;   /* raw JSON instead */
    int64_t open_period;
    int64_t close_date;
    bool is_closed;
    const char *description;
    const char *description_parse_mode;
    const tg_message_entity *description_entities; size_t description_entities_count;
    const char *description_entities_json;   /* raw JSON instead */
    const tg_input_poll_media *media;
    const char *media_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_poll_args;
/* https://core.telegram.org/bots/api#sendpoll */
TGBOT_API tg_err tg_send_poll(tg_bot *bot, const tg_send_poll_args *args, tg_message **out);
typedef struct tg_send_checklist_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    const tg_input_checklist *checklist;
    const char *checklist_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_checklist_args;
/* https://core.telegram.org/bots/api#sendchecklist */
TGBOT_API tg_err tg_send_checklist(tg_bot *bot, const tg_send_checklist_args *args, tg_message **out);
typedef struct tg_send_dice_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const char *emoji;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_dice_args;
/* https://core.telegram.org/bots/api#senddice */
TGBOT_API tg_err tg_send_dice(tg_bot *bot, const tg_send_dice_args *args, tg_message **out);
typedef struct tg_send_message_draft_args {
    int64_t chat_id;
    int64_t message_thread_id;
    int64_t draft_id;
    const char *text;
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count;
    const char *entities_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_message_draft_args;
/* https://core.telegram.org/bots/api#sendmessagedraft */
TGBOT_API tg_err tg_send_message_draft(tg_bot *bot, const tg_send_message_draft_args *args, bool *out);
typedef struct tg_send_chat_action_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *action;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_chat_action_args;
/* https://core.telegram.org/bots/api#sendchataction */
TGBOT_API tg_err tg_send_chat_action(tg_bot *bot, const tg_send_chat_action_args *args, bool *out);
typedef struct tg_set_message_reaction_args {
    tg_chat_ref chat_id;
    int64_t message_id;
    const tg_reaction_type *reaction; size_t reaction_count;
    const char *reaction_json;   /* raw JSON instead */
    bool is_big;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_message_reaction_args;
/* https://core.telegram.org/bots/api#setmessagereaction */
TGBOT_API tg_err tg_set_message_reaction(tg_bot *bot, const tg_set_message_reaction_args *args, bool *out);
typedef struct tg_get_user_profile_photos_args {
    int64_t user_id;
    int64_t offset;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_user_profile_photos_args;
/* https://core.telegram.org/bots/api#getuserprofilephotos */
TGBOT_API tg_err tg_get_user_profile_photos(tg_bot *bot, const tg_get_user_profile_photos_args *args, tg_user_profile_photos **out);
typedef struct tg_get_user_profile_audios_args {
    int64_t user_id;
    int64_t offset;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_user_profile_audios_args;
/* https://core.telegram.org/bots/api#getuserprofileaudios */
TGBOT_API tg_err tg_get_user_profile_audios(tg_bot *bot, const tg_get_user_profile_audios_args *args, tg_user_profile_audios **out);
typedef struct tg_set_user_emoji_status_args {
    int64_t user_id;
    const char *emoji_status_custom_emoji_id;
    int64_t emoji_status_expiration_date;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_user_emoji_status_args;
/* https://core.telegram.org/bots/api#setuseremojistatus */
TGBOT_API tg_err tg_set_user_emoji_status(tg_bot *bot, const tg_set_user_emoji_status_args *args, bool *out);
typedef struct tg_get_file_args {
    const char *file_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_file_args;
/* https://core.telegram.org/bots/api#getfile */
TGBOT_API tg_err tg_get_file(tg_bot *bot, const tg_get_file_args *args, tg_file **out);
typedef struct tg_ban_chat_member_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    int64_t until_date;
    bool revoke_messages;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_ban_chat_member_args;
/* https://core.telegram.org/bots/api#banchatmember */
TGBOT_API tg_err tg_ban_chat_member(tg_bot *bot, const tg_ban_chat_member_args *args, bool *out);
typedef struct tg_unban_chat_member_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    bool only_if_banned;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unban_chat_member_args;
/* https://core.telegram.org/bots/api#unbanchatmember */
TGBOT_API tg_err tg_unban_chat_member(tg_bot *bot, const tg_unban_chat_member_args *args, bool *out);
typedef struct tg_restrict_chat_member_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const tg_chat_permissions *permissions;
    const char *permissions_json;   /* raw JSON instead */
    bool use_independent_chat_permissions;
    int64_t until_date;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_restrict_chat_member_args;
/* https://core.telegram.org/bots/api#restrictchatmember */
TGBOT_API tg_err tg_restrict_chat_member(tg_bot *bot, const tg_restrict_chat_member_args *args, bool *out);
typedef struct tg_promote_chat_member_args {
    tg_chat_ref chat_id;
    int64_t user_id;
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
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_promote_chat_member_args;
/* https://core.telegram.org/bots/api#promotechatmember */
TGBOT_API tg_err tg_promote_chat_member(tg_bot *bot, const tg_promote_chat_member_args *args, bool *out);
typedef struct tg_set_chat_administrator_custom_title_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const char *custom_title;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_administrator_custom_title_args;
/* https://core.telegram.org/bots/api#setchatadministratorcustomtitle */
TGBOT_API tg_err tg_set_chat_administrator_custom_title(tg_bot *bot, const tg_set_chat_administrator_custom_title_args *args, bool *out);
typedef struct tg_set_chat_member_tag_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const char *tag;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_member_tag_args;
/* https://core.telegram.org/bots/api#setchatmembertag */
TGBOT_API tg_err tg_set_chat_member_tag(tg_bot *bot, const tg_set_chat_member_tag_args *args, bool *out);
typedef struct tg_ban_chat_sender_chat_args {
    tg_chat_ref chat_id;
    int64_t sender_chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_ban_chat_sender_chat_args;
/* https://core.telegram.org/bots/api#banchatsenderchat */
TGBOT_API tg_err tg_ban_chat_sender_chat(tg_bot *bot, const tg_ban_chat_sender_chat_args *args, bool *out);
typedef struct tg_unban_chat_sender_chat_args {
    tg_chat_ref chat_id;
    int64_t sender_chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unban_chat_sender_chat_args;
/* https://core.telegram.org/bots/api#unbanchatsenderchat */
TGBOT_API tg_err tg_unban_chat_sender_chat(tg_bot *bot, const tg_unban_chat_sender_chat_args *args, bool *out);
typedef struct tg_set_chat_permissions_args {
    tg_chat_ref chat_id;
    const tg_chat_permissions *permissions;
    const char *permissions_json;   /* raw JSON instead */
    bool use_independent_chat_permissions;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_permissions_args;
/* https://core.telegram.org/bots/api#setchatpermissions */
TGBOT_API tg_err tg_set_chat_permissions(tg_bot *bot, const tg_set_chat_permissions_args *args, bool *out);
typedef struct tg_export_chat_invite_link_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_export_chat_invite_link_args;
/* https://core.telegram.org/bots/api#exportchatinvitelink */
TGBOT_API tg_err tg_export_chat_invite_link(tg_bot *bot, const tg_export_chat_invite_link_args *args, const char **out);
typedef struct tg_create_chat_invite_link_args {
    tg_chat_ref chat_id;
    const char *name;
    int64_t expire_date;
    int64_t member_limit;
    bool creates_join_request;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_create_chat_invite_link_args;
/* https://core.telegram.org/bots/api#createchatinvitelink */
TGBOT_API tg_err tg_create_chat_invite_link(tg_bot *bot, const tg_create_chat_invite_link_args *args, tg_chat_invite_link **out);
typedef struct tg_edit_chat_invite_link_args {
    tg_chat_ref chat_id;
    const char *invite_link;
    const char *name;
    int64_t expire_date;
    int64_t member_limit;
    bool creates_join_request;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_chat_invite_link_args;
/* https://core.telegram.org/bots/api#editchatinvitelink */
TGBOT_API tg_err tg_edit_chat_invite_link(tg_bot *bot, const tg_edit_chat_invite_link_args *args, tg_chat_invite_link **out);
typedef struct tg_create_chat_subscription_invite_link_args {
    tg_chat_ref chat_id;
    const char *name;
    int64_t subscription_period;
    int64_t subscription_price;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_create_chat_subscription_invite_link_args;
/* https://core.telegram.org/bots/api#createchatsubscriptioninvitelink */
TGBOT_API tg_err tg_create_chat_subscription_invite_link(tg_bot *bot, const tg_create_chat_subscription_invite_link_args *args, tg_chat_invite_link **out);
typedef struct tg_edit_chat_subscription_invite_link_args {
    tg_chat_ref chat_id;
    const char *invite_link;
    const char *name;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_chat_subscription_invite_link_args;
/* https://core.telegram.org/bots/api#editchatsubscriptioninvitelink */
TGBOT_API tg_err tg_edit_chat_subscription_invite_link(tg_bot *bot, const tg_edit_chat_subscription_invite_link_args *args, tg_chat_invite_link **out);
typedef struct tg_revoke_chat_invite_link_args {
    tg_chat_ref chat_id;
    const char *invite_link;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_revoke_chat_invite_link_args;
/* https://core.telegram.org/bots/api#revokechatinvitelink */
TGBOT_API tg_err tg_revoke_chat_invite_link(tg_bot *bot, const tg_revoke_chat_invite_link_args *args, tg_chat_invite_link **out);
typedef struct tg_approve_chat_join_request_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_approve_chat_join_request_args;
/* https://core.telegram.org/bots/api#approvechatjoinrequest */
TGBOT_API tg_err tg_approve_chat_join_request(tg_bot *bot, const tg_approve_chat_join_request_args *args, bool *out);
typedef struct tg_decline_chat_join_request_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_decline_chat_join_request_args;
/* https://core.telegram.org/bots/api#declinechatjoinrequest */
TGBOT_API tg_err tg_decline_chat_join_request(tg_bot *bot, const tg_decline_chat_join_request_args *args, bool *out);
typedef struct tg_answer_chat_join_request_query_args {
    const char *chat_join_request_query_id;
    const char *result;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_chat_join_request_query_args;
/* https://core.telegram.org/bots/api#answerchatjoinrequestquery */
TGBOT_API tg_err tg_answer_chat_join_request_query(tg_bot *bot, const tg_answer_chat_join_request_query_args *args, bool *out);
typedef struct tg_send_chat_join_request_web_app_args {
    const char *chat_join_request_query_id;
    const char *web_app_url;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_chat_join_request_web_app_args;
/* https://core.telegram.org/bots/api#sendchatjoinrequestwebapp */
TGBOT_API tg_err tg_send_chat_join_request_web_app(tg_bot *bot, const tg_send_chat_join_request_web_app_args *args, bool *out);
typedef struct tg_set_chat_photo_args {
    tg_chat_ref chat_id;
    const tg_input_file *photo;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_photo_args;
/* https://core.telegram.org/bots/api#setchatphoto */
TGBOT_API tg_err tg_set_chat_photo(tg_bot *bot, const tg_set_chat_photo_args *args, bool *out);
typedef struct tg_delete_chat_photo_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_chat_photo_args;
/* https://core.telegram.org/bots/api#deletechatphoto */
TGBOT_API tg_err tg_delete_chat_photo(tg_bot *bot, const tg_delete_chat_photo_args *args, bool *out);
typedef struct tg_set_chat_title_args {
    tg_chat_ref chat_id;
    const char *title;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_title_args;
/* https://core.telegram.org/bots/api#setchattitle */
TGBOT_API tg_err tg_set_chat_title(tg_bot *bot, const tg_set_chat_title_args *args, bool *out);
typedef struct tg_set_chat_description_args {
    tg_chat_ref chat_id;
    const char *description;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_description_args;
/* https://core.telegram.org/bots/api#setchatdescription */
TGBOT_API tg_err tg_set_chat_description(tg_bot *bot, const tg_set_chat_description_args *args, bool *out);
typedef struct tg_pin_chat_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    bool disable_notification;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_pin_chat_message_args;
/* https://core.telegram.org/bots/api#pinchatmessage */
TGBOT_API tg_err tg_pin_chat_message(tg_bot *bot, const tg_pin_chat_message_args *args, bool *out);
typedef struct tg_unpin_chat_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unpin_chat_message_args;
/* https://core.telegram.org/bots/api#unpinchatmessage */
TGBOT_API tg_err tg_unpin_chat_message(tg_bot *bot, const tg_unpin_chat_message_args *args, bool *out);
typedef struct tg_unpin_all_chat_messages_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unpin_all_chat_messages_args;
/* https://core.telegram.org/bots/api#unpinallchatmessages */
TGBOT_API tg_err tg_unpin_all_chat_messages(tg_bot *bot, const tg_unpin_all_chat_messages_args *args, bool *out);
typedef struct tg_leave_chat_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_leave_chat_args;
/* https://core.telegram.org/bots/api#leavechat */
TGBOT_API tg_err tg_leave_chat(tg_bot *bot, const tg_leave_chat_args *args, bool *out);
typedef struct tg_get_chat_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_chat_args;
/* https://core.telegram.org/bots/api#getchat */
TGBOT_API tg_err tg_get_chat(tg_bot *bot, const tg_get_chat_args *args, tg_chat_full_info **out);
typedef struct tg_get_chat_administrators_args {
    tg_chat_ref chat_id;
    bool return_bots;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_chat_administrators_args;
/* https://core.telegram.org/bots/api#getchatadministrators */
TGBOT_API tg_err tg_get_chat_administrators(tg_bot *bot, const tg_get_chat_administrators_args *args, tg_chat_member_list *out);
typedef struct tg_get_chat_member_count_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_chat_member_count_args;
/* https://core.telegram.org/bots/api#getchatmembercount */
TGBOT_API tg_err tg_get_chat_member_count(tg_bot *bot, const tg_get_chat_member_count_args *args, int64_t *out);
typedef struct tg_get_chat_member_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_chat_member_args;
/* https://core.telegram.org/bots/api#getchatmember */
TGBOT_API tg_err tg_get_chat_member(tg_bot *bot, const tg_get_chat_member_args *args, tg_chat_member **out);
typedef struct tg_get_user_personal_chat_messages_args {
    int64_t user_id;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_user_personal_chat_messages_args;
/* https://core.telegram.org/bots/api#getuserpersonalchatmessages */
TGBOT_API tg_err tg_get_user_personal_chat_messages(tg_bot *bot, const tg_get_user_personal_chat_messages_args *args, tg_message_list *out);
typedef struct tg_set_chat_sticker_set_args {
    tg_chat_ref chat_id;
    const char *sticker_set_name;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_sticker_set_args;
/* https://core.telegram.org/bots/api#setchatstickerset */
TGBOT_API tg_err tg_set_chat_sticker_set(tg_bot *bot, const tg_set_chat_sticker_set_args *args, bool *out);
typedef struct tg_delete_chat_sticker_set_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_chat_sticker_set_args;
/* https://core.telegram.org/bots/api#deletechatstickerset */
TGBOT_API tg_err tg_delete_chat_sticker_set(tg_bot *bot, const tg_delete_chat_sticker_set_args *args, bool *out);
/* https://core.telegram.org/bots/api#getforumtopiciconstickers */
TGBOT_API tg_err tg_get_forum_topic_icon_stickers(tg_bot *bot, tg_sticker_list *out);
typedef struct tg_create_forum_topic_args {
    tg_chat_ref chat_id;
    const char *name;
    int64_t icon_color;
    const char *icon_custom_emoji_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_create_forum_topic_args;
/* https://core.telegram.org/bots/api#createforumtopic */
TGBOT_API tg_err tg_create_forum_topic(tg_bot *bot, const tg_create_forum_topic_args *args, tg_forum_topic **out);
typedef struct tg_edit_forum_topic_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *name;
    const char *icon_custom_emoji_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_forum_topic_args;
/* https://core.telegram.org/bots/api#editforumtopic */
TGBOT_API tg_err tg_edit_forum_topic(tg_bot *bot, const tg_edit_forum_topic_args *args, bool *out);
typedef struct tg_close_forum_topic_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_close_forum_topic_args;
/* https://core.telegram.org/bots/api#closeforumtopic */
TGBOT_API tg_err tg_close_forum_topic(tg_bot *bot, const tg_close_forum_topic_args *args, bool *out);
typedef struct tg_reopen_forum_topic_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_reopen_forum_topic_args;
/* https://core.telegram.org/bots/api#reopenforumtopic */
TGBOT_API tg_err tg_reopen_forum_topic(tg_bot *bot, const tg_reopen_forum_topic_args *args, bool *out);
typedef struct tg_delete_forum_topic_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_forum_topic_args;
/* https://core.telegram.org/bots/api#deleteforumtopic */
TGBOT_API tg_err tg_delete_forum_topic(tg_bot *bot, const tg_delete_forum_topic_args *args, bool *out);
typedef struct tg_unpin_all_forum_topic_messages_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unpin_all_forum_topic_messages_args;
/* https://core.telegram.org/bots/api#unpinallforumtopicmessages */
TGBOT_API tg_err tg_unpin_all_forum_topic_messages(tg_bot *bot, const tg_unpin_all_forum_topic_messages_args *args, bool *out);
typedef struct tg_edit_general_forum_topic_args {
    tg_chat_ref chat_id;
    const char *name;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_general_forum_topic_args;
/* https://core.telegram.org/bots/api#editgeneralforumtopic */
TGBOT_API tg_err tg_edit_general_forum_topic(tg_bot *bot, const tg_edit_general_forum_topic_args *args, bool *out);
typedef struct tg_close_general_forum_topic_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_close_general_forum_topic_args;
/* https://core.telegram.org/bots/api#closegeneralforumtopic */
TGBOT_API tg_err tg_close_general_forum_topic(tg_bot *bot, const tg_close_general_forum_topic_args *args, bool *out);
typedef struct tg_reopen_general_forum_topic_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_reopen_general_forum_topic_args;
/* https://core.telegram.org/bots/api#reopengeneralforumtopic */
TGBOT_API tg_err tg_reopen_general_forum_topic(tg_bot *bot, const tg_reopen_general_forum_topic_args *args, bool *out);
typedef struct tg_hide_general_forum_topic_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_hide_general_forum_topic_args;
/* https://core.telegram.org/bots/api#hidegeneralforumtopic */
TGBOT_API tg_err tg_hide_general_forum_topic(tg_bot *bot, const tg_hide_general_forum_topic_args *args, bool *out);
typedef struct tg_unhide_general_forum_topic_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unhide_general_forum_topic_args;
/* https://core.telegram.org/bots/api#unhidegeneralforumtopic */
TGBOT_API tg_err tg_unhide_general_forum_topic(tg_bot *bot, const tg_unhide_general_forum_topic_args *args, bool *out);
typedef struct tg_unpin_all_general_forum_topic_messages_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_unpin_all_general_forum_topic_messages_args;
/* https://core.telegram.org/bots/api#unpinallgeneralforumtopicmessages */
TGBOT_API tg_err tg_unpin_all_general_forum_topic_messages(tg_bot *bot, const tg_unpin_all_general_forum_topic_messages_args *args, bool *out);
typedef struct tg_answer_callback_query_args {
    const char *callback_query_id;
    const char *text;
    bool show_alert;
    const char *url;
    int64_t cache_time;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_callback_query_args;
/* https://core.telegram.org/bots/api#answercallbackquery */
TGBOT_API tg_err tg_answer_callback_query(tg_bot *bot, const tg_answer_callback_query_args *args, bool *out);
typedef struct tg_answer_guest_query_args {
    const char *guest_query_id;
    const tg_inline_query_result *result;
    const char *result_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_guest_query_args;
/* https://core.telegram.org/bots/api#answerguestquery */
TGBOT_API tg_err tg_answer_guest_query(tg_bot *bot, const tg_answer_guest_query_args *args, tg_sent_guest_message **out);
typedef struct tg_get_user_chat_boosts_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_user_chat_boosts_args;
/* https://core.telegram.org/bots/api#getuserchatboosts */
TGBOT_API tg_err tg_get_user_chat_boosts(tg_bot *bot, const tg_get_user_chat_boosts_args *args, tg_user_chat_boosts **out);
typedef struct tg_get_business_connection_args {
    const char *business_connection_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_business_connection_args;
/* https://core.telegram.org/bots/api#getbusinessconnection */
TGBOT_API tg_err tg_get_business_connection(tg_bot *bot, const tg_get_business_connection_args *args, tg_business_connection **out);
typedef struct tg_get_managed_bot_token_args {
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_managed_bot_token_args;
/* https://core.telegram.org/bots/api#getmanagedbottoken */
TGBOT_API tg_err tg_get_managed_bot_token(tg_bot *bot, const tg_get_managed_bot_token_args *args, const char **out);
typedef struct tg_replace_managed_bot_token_args {
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_replace_managed_bot_token_args;
/* https://core.telegram.org/bots/api#replacemanagedbottoken */
TGBOT_API tg_err tg_replace_managed_bot_token(tg_bot *bot, const tg_replace_managed_bot_token_args *args, const char **out);
typedef struct tg_get_managed_bot_access_settings_args {
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_managed_bot_access_settings_args;
/* https://core.telegram.org/bots/api#getmanagedbotaccesssettings */
TGBOT_API tg_err tg_get_managed_bot_access_settings(tg_bot *bot, const tg_get_managed_bot_access_settings_args *args, tg_bot_access_settings **out);
typedef struct tg_set_managed_bot_access_settings_args {
    int64_t user_id;
    bool is_access_restricted;
    int64_t *added_user_ids; size_t added_user_ids_count;
    const char *added_user_ids_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_managed_bot_access_settings_args;
/* https://core.telegram.org/bots/api#setmanagedbotaccesssettings */
TGBOT_API tg_err tg_set_managed_bot_access_settings(tg_bot *bot, const tg_set_managed_bot_access_settings_args *args, bool *out);
typedef struct tg_set_my_commands_args {
    const tg_bot_command *commands; size_t commands_count;
    const char *commands_json;   /* raw JSON instead */
    const tg_bot_command_scope *scope;
    const char *scope_json;   /* raw JSON instead */
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_my_commands_args;
/* https://core.telegram.org/bots/api#setmycommands */
TGBOT_API tg_err tg_set_my_commands(tg_bot *bot, const tg_set_my_commands_args *args, bool *out);
typedef struct tg_delete_my_commands_args {
    const tg_bot_command_scope *scope;
    const char *scope_json;   /* raw JSON instead */
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_my_commands_args;
/* https://core.telegram.org/bots/api#deletemycommands */
TGBOT_API tg_err tg_delete_my_commands(tg_bot *bot, const tg_delete_my_commands_args *args, bool *out);
typedef struct tg_get_my_commands_args {
    const tg_bot_command_scope *scope;
    const char *scope_json;   /* raw JSON instead */
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_my_commands_args;
/* https://core.telegram.org/bots/api#getmycommands */
TGBOT_API tg_err tg_get_my_commands(tg_bot *bot, const tg_get_my_commands_args *args, tg_bot_command_list *out);
typedef struct tg_set_my_name_args {
    const char *name;
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_my_name_args;
/* https://core.telegram.org/bots/api#setmyname */
TGBOT_API tg_err tg_set_my_name(tg_bot *bot, const tg_set_my_name_args *args, bool *out);
typedef struct tg_get_my_name_args {
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_my_name_args;
/* https://core.telegram.org/bots/api#getmyname */
TGBOT_API tg_err tg_get_my_name(tg_bot *bot, const tg_get_my_name_args *args, tg_bot_name **out);
typedef struct tg_set_my_description_args {
    const char *description;
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_my_description_args;
/* https://core.telegram.org/bots/api#setmydescription */
TGBOT_API tg_err tg_set_my_description(tg_bot *bot, const tg_set_my_description_args *args, bool *out);
typedef struct tg_get_my_description_args {
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_my_description_args;
/* https://core.telegram.org/bots/api#getmydescription */
TGBOT_API tg_err tg_get_my_description(tg_bot *bot, const tg_get_my_description_args *args, tg_bot_description **out);
typedef struct tg_set_my_short_description_args {
    const char *short_description;
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_my_short_description_args;
/* https://core.telegram.org/bots/api#setmyshortdescription */
TGBOT_API tg_err tg_set_my_short_description(tg_bot *bot, const tg_set_my_short_description_args *args, bool *out);
typedef struct tg_get_my_short_description_args {
    const char *language_code;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_my_short_description_args;
/* https://core.telegram.org/bots/api#getmyshortdescription */
TGBOT_API tg_err tg_get_my_short_description(tg_bot *bot, const tg_get_my_short_description_args *args, tg_bot_short_description **out);
typedef struct tg_set_my_profile_photo_args {
    const tg_input_profile_photo *photo;
    const char *photo_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_my_profile_photo_args;
/* https://core.telegram.org/bots/api#setmyprofilephoto */
TGBOT_API tg_err tg_set_my_profile_photo(tg_bot *bot, const tg_set_my_profile_photo_args *args, bool *out);
/* https://core.telegram.org/bots/api#removemyprofilephoto */
TGBOT_API tg_err tg_remove_my_profile_photo(tg_bot *bot, bool *out);
typedef struct tg_set_chat_menu_button_args {
    int64_t chat_id;
    const tg_menu_button *menu_button;
    const char *menu_button_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_chat_menu_button_args;
/* https://core.telegram.org/bots/api#setchatmenubutton */
TGBOT_API tg_err tg_set_chat_menu_button(tg_bot *bot, const tg_set_chat_menu_button_args *args, bool *out);
typedef struct tg_get_chat_menu_button_args {
    int64_t chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_chat_menu_button_args;
/* https://core.telegram.org/bots/api#getchatmenubutton */
TGBOT_API tg_err tg_get_chat_menu_button(tg_bot *bot, const tg_get_chat_menu_button_args *args, tg_menu_button **out);
typedef struct tg_set_my_default_administrator_rights_args {
    const tg_chat_administrator_rights *rights;
    const char *rights_json;   /* raw JSON instead */
    bool for_channels;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_my_default_administrator_rights_args;
/* https://core.telegram.org/bots/api#setmydefaultadministratorrights */
TGBOT_API tg_err tg_set_my_default_administrator_rights(tg_bot *bot, const tg_set_my_default_administrator_rights_args *args, bool *out);
typedef struct tg_get_my_default_administrator_rights_args {
    bool for_channels;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_my_default_administrator_rights_args;
/* https://core.telegram.org/bots/api#getmydefaultadministratorrights */
TGBOT_API tg_err tg_get_my_default_administrator_rights(tg_bot *bot, const tg_get_my_default_administrator_rights_args *args, tg_chat_administrator_rights **out);
/* https://core.telegram.org/bots/api#getavailablegifts */
TGBOT_API tg_err tg_get_available_gifts(tg_bot *bot, tg_gifts **out);
typedef struct tg_send_gift_args {
    int64_t user_id;
    tg_chat_ref chat_id;
    const char *gift_id;
    bool pay_for_upgrade;
    const char *text;
    const char *text_parse_mode;
    const tg_message_entity *text_entities; size_t text_entities_count;
    const char *text_entities_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_gift_args;
/* https://core.telegram.org/bots/api#sendgift */
TGBOT_API tg_err tg_send_gift(tg_bot *bot, const tg_send_gift_args *args, bool *out);
typedef struct tg_gift_premium_subscription_args {
    int64_t user_id;
    int64_t month_count;
    int64_t star_count;
    const char *text;
    const char *text_parse_mode;
    const tg_message_entity *text_entities; size_t text_entities_count;
    const char *text_entities_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_gift_premium_subscription_args;
/* https://core.telegram.org/bots/api#giftpremiumsubscription */
TGBOT_API tg_err tg_gift_premium_subscription(tg_bot *bot, const tg_gift_premium_subscription_args *args, bool *out);
typedef struct tg_verify_user_args {
    int64_t user_id;
    const char *custom_description;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_verify_user_args;
/* https://core.telegram.org/bots/api#verifyuser */
TGBOT_API tg_err tg_verify_user(tg_bot *bot, const tg_verify_user_args *args, bool *out);
typedef struct tg_verify_chat_args {
    tg_chat_ref chat_id;
    const char *custom_description;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_verify_chat_args;
/* https://core.telegram.org/bots/api#verifychat */
TGBOT_API tg_err tg_verify_chat(tg_bot *bot, const tg_verify_chat_args *args, bool *out);
typedef struct tg_remove_user_verification_args {
    int64_t user_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_remove_user_verification_args;
/* https://core.telegram.org/bots/api#removeuserverification */
TGBOT_API tg_err tg_remove_user_verification(tg_bot *bot, const tg_remove_user_verification_args *args, bool *out);
typedef struct tg_remove_chat_verification_args {
    tg_chat_ref chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_remove_chat_verification_args;
/* https://core.telegram.org/bots/api#removechatverification */
TGBOT_API tg_err tg_remove_chat_verification(tg_bot *bot, const tg_remove_chat_verification_args *args, bool *out);
typedef struct tg_read_business_message_args {
    const char *business_connection_id;
    int64_t chat_id;
    int64_t message_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_read_business_message_args;
/* https://core.telegram.org/bots/api#readbusinessmessage */
TGBOT_API tg_err tg_read_business_message(tg_bot *bot, const tg_read_business_message_args *args, bool *out);
typedef struct tg_delete_business_messages_args {
    const char *business_connection_id;
    int64_t *message_ids; size_t message_ids_count;
    const char *message_ids_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_business_messages_args;
/* https://core.telegram.org/bots/api#deletebusinessmessages */
TGBOT_API tg_err tg_delete_business_messages(tg_bot *bot, const tg_delete_business_messages_args *args, bool *out);
typedef struct tg_set_business_account_name_args {
    const char *business_connection_id;
    const char *first_name;
    const char *last_name;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_business_account_name_args;
/* https://core.telegram.org/bots/api#setbusinessaccountname */
TGBOT_API tg_err tg_set_business_account_name(tg_bot *bot, const tg_set_business_account_name_args *args, bool *out);
typedef struct tg_set_business_account_username_args {
    const char *business_connection_id;
    const char *username;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_business_account_username_args;
/* https://core.telegram.org/bots/api#setbusinessaccountusername */
TGBOT_API tg_err tg_set_business_account_username(tg_bot *bot, const tg_set_business_account_username_args *args, bool *out);
typedef struct tg_set_business_account_bio_args {
    const char *business_connection_id;
    const char *bio;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_business_account_bio_args;
/* https://core.telegram.org/bots/api#setbusinessaccountbio */
TGBOT_API tg_err tg_set_business_account_bio(tg_bot *bot, const tg_set_business_account_bio_args *args, bool *out);
typedef struct tg_set_business_account_profile_photo_args {
    const char *business_connection_id;
    const tg_input_profile_photo *photo;
    const char *photo_json;   /* raw JSON instead */
    bool is_public;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_business_account_profile_photo_args;
/* https://core.telegram.org/bots/api#setbusinessaccountprofilephoto */
TGBOT_API tg_err tg_set_business_account_profile_photo(tg_bot *bot, const tg_set_business_account_profile_photo_args *args, bool *out);
typedef struct tg_remove_business_account_profile_photo_args {
    const char *business_connection_id;
    bool is_public;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_remove_business_account_profile_photo_args;
/* https://core.telegram.org/bots/api#removebusinessaccountprofilephoto */
TGBOT_API tg_err tg_remove_business_account_profile_photo(tg_bot *bot, const tg_remove_business_account_profile_photo_args *args, bool *out);
typedef struct tg_set_business_account_gift_settings_args {
    const char *business_connection_id;
    bool show_gift_button;
    const tg_accepted_gift_types *accepted_gift_types;
    const char *accepted_gift_types_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_business_account_gift_settings_args;
/* https://core.telegram.org/bots/api#setbusinessaccountgiftsettings */
TGBOT_API tg_err tg_set_business_account_gift_settings(tg_bot *bot, const tg_set_business_account_gift_settings_args *args, bool *out);
typedef struct tg_get_business_account_star_balance_args {
    const char *business_connection_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_business_account_star_balance_args;
/* https://core.telegram.org/bots/api#getbusinessaccountstarbalance */
TGBOT_API tg_err tg_get_business_account_star_balance(tg_bot *bot, const tg_get_business_account_star_balance_args *args, tg_star_amount **out);
typedef struct tg_transfer_business_account_stars_args {
    const char *business_connection_id;
    int64_t star_count;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_transfer_business_account_stars_args;
/* https://core.telegram.org/bots/api#transferbusinessaccountstars */
TGBOT_API tg_err tg_transfer_business_account_stars(tg_bot *bot, const tg_transfer_business_account_stars_args *args, bool *out);
typedef struct tg_get_business_account_gifts_args {
    const char *business_connection_id;
    bool exclude_unsaved;
    bool exclude_saved;
    bool exclude_unlimited;
    bool exclude_limited_upgradable;
    bool exclude_limited_non_upgradable;
    bool exclude_unique;
    bool exclude_from_blockchain;
    bool sort_by_price;
    const char *offset;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_business_account_gifts_args;
/* https://core.telegram.org/bots/api#getbusinessaccountgifts */
TGBOT_API tg_err tg_get_business_account_gifts(tg_bot *bot, const tg_get_business_account_gifts_args *args, tg_owned_gifts **out);
typedef struct tg_get_user_gifts_args {
    int64_t user_id;
    bool exclude_unlimited;
    bool exclude_limited_upgradable;
    bool exclude_limited_non_upgradable;
    bool exclude_from_blockchain;
    bool exclude_unique;
    bool sort_by_price;
    const char *offset;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_user_gifts_args;
/* https://core.telegram.org/bots/api#getusergifts */
TGBOT_API tg_err tg_get_user_gifts(tg_bot *bot, const tg_get_user_gifts_args *args, tg_owned_gifts **out);
typedef struct tg_get_chat_gifts_args {
    tg_chat_ref chat_id;
    bool exclude_unsaved;
    bool exclude_saved;
    bool exclude_unlimited;
    bool exclude_limited_upgradable;
    bool exclude_limited_non_upgradable;
    bool exclude_from_blockchain;
    bool exclude_unique;
    bool sort_by_price;
    const char *offset;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_chat_gifts_args;
/* https://core.telegram.org/bots/api#getchatgifts */
TGBOT_API tg_err tg_get_chat_gifts(tg_bot *bot, const tg_get_chat_gifts_args *args, tg_owned_gifts **out);
typedef struct tg_convert_gift_to_stars_args {
    const char *business_connection_id;
    const char *owned_gift_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_convert_gift_to_stars_args;
/* https://core.telegram.org/bots/api#convertgifttostars */
TGBOT_API tg_err tg_convert_gift_to_stars(tg_bot *bot, const tg_convert_gift_to_stars_args *args, bool *out);
typedef struct tg_upgrade_gift_args {
    const char *business_connection_id;
    const char *owned_gift_id;
    bool keep_original_details;
    int64_t star_count;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_upgrade_gift_args;
/* https://core.telegram.org/bots/api#upgradegift */
TGBOT_API tg_err tg_upgrade_gift(tg_bot *bot, const tg_upgrade_gift_args *args, bool *out);
typedef struct tg_transfer_gift_args {
    const char *business_connection_id;
    const char *owned_gift_id;
    int64_t new_owner_chat_id;
    int64_t star_count;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_transfer_gift_args;
/* https://core.telegram.org/bots/api#transfergift */
TGBOT_API tg_err tg_transfer_gift(tg_bot *bot, const tg_transfer_gift_args *args, bool *out);
typedef struct tg_post_story_args {
    const char *business_connection_id;
    const tg_input_story_content *content;
    const char *content_json;   /* raw JSON instead */
    int64_t active_period;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    const tg_story_area *areas; size_t areas_count;
    const char *areas_json;   /* raw JSON instead */
    bool post_to_chat_page;
    bool protect_content;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_post_story_args;
/* https://core.telegram.org/bots/api#poststory */
TGBOT_API tg_err tg_post_story(tg_bot *bot, const tg_post_story_args *args, tg_story **out);
typedef struct tg_repost_story_args {
    const char *business_connection_id;
    int64_t from_chat_id;
    int64_t from_story_id;
    int64_t active_period;
    bool post_to_chat_page;
    bool protect_content;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_repost_story_args;
/* https://core.telegram.org/bots/api#repoststory */
TGBOT_API tg_err tg_repost_story(tg_bot *bot, const tg_repost_story_args *args, tg_story **out);
typedef struct tg_edit_story_args {
    const char *business_connection_id;
    int64_t story_id;
    const tg_input_story_content *content;
    const char *content_json;   /* raw JSON instead */
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    const tg_story_area *areas; size_t areas_count;
    const char *areas_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_story_args;
/* https://core.telegram.org/bots/api#editstory */
TGBOT_API tg_err tg_edit_story(tg_bot *bot, const tg_edit_story_args *args, tg_story **out);
typedef struct tg_delete_story_args {
    const char *business_connection_id;
    int64_t story_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_story_args;
/* https://core.telegram.org/bots/api#deletestory */
TGBOT_API tg_err tg_delete_story(tg_bot *bot, const tg_delete_story_args *args, bool *out);
typedef struct tg_answer_web_app_query_args {
    const char *web_app_query_id;
    const tg_inline_query_result *result;
    const char *result_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_web_app_query_args;
/* https://core.telegram.org/bots/api#answerwebappquery */
TGBOT_API tg_err tg_answer_web_app_query(tg_bot *bot, const tg_answer_web_app_query_args *args, tg_sent_web_app_message **out);
typedef struct tg_save_prepared_inline_message_args {
    int64_t user_id;
    const tg_inline_query_result *result;
    const char *result_json;   /* raw JSON instead */
    bool allow_user_chats;
    bool allow_bot_chats;
    bool allow_group_chats;
    bool allow_channel_chats;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_save_prepared_inline_message_args;
/* https://core.telegram.org/bots/api#savepreparedinlinemessage */
TGBOT_API tg_err tg_save_prepared_inline_message(tg_bot *bot, const tg_save_prepared_inline_message_args *args, tg_prepared_inline_message **out);
typedef struct tg_save_prepared_keyboard_button_args {
    int64_t user_id;
    const tg_keyboard_button *button;
    const char *button_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_save_prepared_keyboard_button_args;
/* https://core.telegram.org/bots/api#savepreparedkeyboardbutton */
TGBOT_API tg_err tg_save_prepared_keyboard_button(tg_bot *bot, const tg_save_prepared_keyboard_button_args *args, tg_prepared_keyboard_button **out);
typedef struct tg_edit_message_text_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *text;
    const char *parse_mode;
    const tg_message_entity *entities; size_t entities_count;
    const char *entities_json;   /* raw JSON instead */
    const tg_link_preview_options *link_preview_options;
    const char *link_preview_options_json;   /* raw JSON instead */
    const tg_input_rich_message *rich_message;
    const char *rich_message_json;   /* raw JSON instead */
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_message_text_args;
/* https://core.telegram.org/bots/api#editmessagetext */
TGBOT_API tg_err tg_edit_message_text(tg_bot *bot, const tg_edit_message_text_args *args, tg_message **out);
typedef struct tg_edit_message_caption_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *caption;
    const char *parse_mode;
    const tg_message_entity *caption_entities; size_t caption_entities_count;
    const char *caption_entities_json;   /* raw JSON instead */
    bool show_caption_above_media;
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_message_caption_args;
/* https://core.telegram.org/bots/api#editmessagecaption */
TGBOT_API tg_err tg_edit_message_caption(tg_bot *bot, const tg_edit_message_caption_args *args, tg_message **out);
typedef struct tg_edit_message_media_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const tg_input_media *media;
    const char *media_json;   /* raw JSON instead */
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_message_media_args;
/* https://core.telegram.org/bots/api#editmessagemedia */
TGBOT_API tg_err tg_edit_message_media(tg_bot *bot, const tg_edit_message_media_args *args, tg_message **out);
typedef struct tg_edit_message_live_location_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    double latitude;
    double longitude;
    int64_t live_period;
    double horizontal_accuracy;
    int64_t heading;
    int64_t proximity_alert_radius;
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_message_live_location_args;
/* https://core.telegram.org/bots/api#editmessagelivelocation */
TGBOT_API tg_err tg_edit_message_live_location(tg_bot *bot, const tg_edit_message_live_location_args *args, tg_message **out);
typedef struct tg_stop_message_live_location_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_stop_message_live_location_args;
/* https://core.telegram.org/bots/api#stopmessagelivelocation */
TGBOT_API tg_err tg_stop_message_live_location(tg_bot *bot, const tg_stop_message_live_location_args *args, tg_message **out);
typedef struct tg_edit_message_checklist_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const tg_input_checklist *checklist;
    const char *checklist_json;   /* raw JSON instead */
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_message_checklist_args;
/* https://core.telegram.org/bots/api#editmessagechecklist */
TGBOT_API tg_err tg_edit_message_checklist(tg_bot *bot, const tg_edit_message_checklist_args *args, tg_message **out);
typedef struct tg_edit_message_reply_markup_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_message_reply_markup_args;
/* https://core.telegram.org/bots/api#editmessagereplymarkup */
TGBOT_API tg_err tg_edit_message_reply_markup(tg_bot *bot, const tg_edit_message_reply_markup_args *args, tg_message **out);
typedef struct tg_stop_poll_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_id;
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_stop_poll_args;
/* https://core.telegram.org/bots/api#stoppoll */
TGBOT_API tg_err tg_stop_poll(tg_bot *bot, const tg_stop_poll_args *args, tg_poll **out);
typedef struct tg_approve_suggested_post_args {
    int64_t chat_id;
    int64_t message_id;
    int64_t send_date;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_approve_suggested_post_args;
/* https://core.telegram.org/bots/api#approvesuggestedpost */
TGBOT_API tg_err tg_approve_suggested_post(tg_bot *bot, const tg_approve_suggested_post_args *args, bool *out);
typedef struct tg_decline_suggested_post_args {
    int64_t chat_id;
    int64_t message_id;
    const char *comment;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_decline_suggested_post_args;
/* https://core.telegram.org/bots/api#declinesuggestedpost */
TGBOT_API tg_err tg_decline_suggested_post(tg_bot *bot, const tg_decline_suggested_post_args *args, bool *out);
typedef struct tg_delete_message_args {
    tg_chat_ref chat_id;
    int64_t message_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_message_args;
/* https://core.telegram.org/bots/api#deletemessage */
TGBOT_API tg_err tg_delete_message(tg_bot *bot, const tg_delete_message_args *args, bool *out);
typedef struct tg_delete_messages_args {
    tg_chat_ref chat_id;
    int64_t *message_ids; size_t message_ids_count;
    const char *message_ids_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_messages_args;
/* https://core.telegram.org/bots/api#deletemessages */
TGBOT_API tg_err tg_delete_messages(tg_bot *bot, const tg_delete_messages_args *args, bool *out);
typedef struct tg_delete_message_reaction_args {
    tg_chat_ref chat_id;
    int64_t message_id;
    int64_t user_id;
    int64_t actor_chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_message_reaction_args;
/* https://core.telegram.org/bots/api#deletemessagereaction */
TGBOT_API tg_err tg_delete_message_reaction(tg_bot *bot, const tg_delete_message_reaction_args *args, bool *out);
typedef struct tg_delete_all_message_reactions_args {
    tg_chat_ref chat_id;
    int64_t user_id;
    int64_t actor_chat_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_all_message_reactions_args;
/* https://core.telegram.org/bots/api#deleteallmessagereactions */
TGBOT_API tg_err tg_delete_all_message_reactions(tg_bot *bot, const tg_delete_all_message_reactions_args *args, bool *out);
typedef struct tg_send_sticker_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_file *sticker;
    const char *emoji;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_sticker_args;
/* https://core.telegram.org/bots/api#sendsticker */
TGBOT_API tg_err tg_send_sticker(tg_bot *bot, const tg_send_sticker_args *args, tg_message **out);
typedef struct tg_get_sticker_set_args {
    const char *name;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_sticker_set_args;
/* https://core.telegram.org/bots/api#getstickerset */
TGBOT_API tg_err tg_get_sticker_set(tg_bot *bot, const tg_get_sticker_set_args *args, tg_sticker_set **out);
typedef struct tg_get_custom_emoji_stickers_args {
    const char **custom_emoji_ids; size_t custom_emoji_ids_count;
    const char *custom_emoji_ids_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_custom_emoji_stickers_args;
/* https://core.telegram.org/bots/api#getcustomemojistickers */
TGBOT_API tg_err tg_get_custom_emoji_stickers(tg_bot *bot, const tg_get_custom_emoji_stickers_args *args, tg_sticker_list *out);
typedef struct tg_upload_sticker_file_args {
    int64_t user_id;
    const tg_input_file *sticker;
    const char *sticker_format;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_upload_sticker_file_args;
/* https://core.telegram.org/bots/api#uploadstickerfile */
TGBOT_API tg_err tg_upload_sticker_file(tg_bot *bot, const tg_upload_sticker_file_args *args, tg_file **out);
typedef struct tg_create_new_sticker_set_args {
    int64_t user_id;
    const char *name;
    const char *title;
    const tg_input_sticker *stickers; size_t stickers_count;
    const char *stickers_json;   /* raw JSON instead */
    const char *sticker_type;
    bool needs_repainting;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_create_new_sticker_set_args;
/* https://core.telegram.org/bots/api#createnewstickerset */
TGBOT_API tg_err tg_create_new_sticker_set(tg_bot *bot, const tg_create_new_sticker_set_args *args, bool *out);
typedef struct tg_add_sticker_to_set_args {
    int64_t user_id;
    const char *name;
    const tg_input_sticker *sticker;
    const char *sticker_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_add_sticker_to_set_args;
/* https://core.telegram.org/bots/api#addstickertoset */
TGBOT_API tg_err tg_add_sticker_to_set(tg_bot *bot, const tg_add_sticker_to_set_args *args, bool *out);
typedef struct tg_set_sticker_position_in_set_args {
    const char *sticker;
    int64_t position;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_sticker_position_in_set_args;
/* https://core.telegram.org/bots/api#setstickerpositioninset */
TGBOT_API tg_err tg_set_sticker_position_in_set(tg_bot *bot, const tg_set_sticker_position_in_set_args *args, bool *out);
typedef struct tg_delete_sticker_from_set_args {
    const char *sticker;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_sticker_from_set_args;
/* https://core.telegram.org/bots/api#deletestickerfromset */
TGBOT_API tg_err tg_delete_sticker_from_set(tg_bot *bot, const tg_delete_sticker_from_set_args *args, bool *out);
typedef struct tg_replace_sticker_in_set_args {
    int64_t user_id;
    const char *name;
    const char *old_sticker;
    const tg_input_sticker *sticker;
    const char *sticker_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_replace_sticker_in_set_args;
/* https://core.telegram.org/bots/api#replacestickerinset */
TGBOT_API tg_err tg_replace_sticker_in_set(tg_bot *bot, const tg_replace_sticker_in_set_args *args, bool *out);
typedef struct tg_set_sticker_emoji_list_args {
    const char *sticker;
    const char **emoji_list; size_t emoji_list_count;
    const char *emoji_list_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_sticker_emoji_list_args;
/* https://core.telegram.org/bots/api#setstickeremojilist */
TGBOT_API tg_err tg_set_sticker_emoji_list(tg_bot *bot, const tg_set_sticker_emoji_list_args *args, bool *out);
typedef struct tg_set_sticker_keywords_args {
    const char *sticker;
    const char **keywords; size_t keywords_count;
    const char *keywords_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_sticker_keywords_args;
/* https://core.telegram.org/bots/api#setstickerkeywords */
TGBOT_API tg_err tg_set_sticker_keywords(tg_bot *bot, const tg_set_sticker_keywords_args *args, bool *out);
typedef struct tg_set_sticker_mask_position_args {
    const char *sticker;
    const tg_mask_position *mask_position;
    const char *mask_position_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_sticker_mask_position_args;
/* https://core.telegram.org/bots/api#setstickermaskposition */
TGBOT_API tg_err tg_set_sticker_mask_position(tg_bot *bot, const tg_set_sticker_mask_position_args *args, bool *out);
typedef struct tg_set_sticker_set_title_args {
    const char *name;
    const char *title;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_sticker_set_title_args;
/* https://core.telegram.org/bots/api#setstickersettitle */
TGBOT_API tg_err tg_set_sticker_set_title(tg_bot *bot, const tg_set_sticker_set_title_args *args, bool *out);
typedef struct tg_set_sticker_set_thumbnail_args {
    const char *name;
    int64_t user_id;
    const tg_input_file *thumbnail;
    const char *format;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_sticker_set_thumbnail_args;
/* https://core.telegram.org/bots/api#setstickersetthumbnail */
TGBOT_API tg_err tg_set_sticker_set_thumbnail(tg_bot *bot, const tg_set_sticker_set_thumbnail_args *args, bool *out);
typedef struct tg_set_custom_emoji_sticker_set_thumbnail_args {
    const char *name;
    const char *custom_emoji_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_custom_emoji_sticker_set_thumbnail_args;
/* https://core.telegram.org/bots/api#setcustomemojistickersetthumbnail */
TGBOT_API tg_err tg_set_custom_emoji_sticker_set_thumbnail(tg_bot *bot, const tg_set_custom_emoji_sticker_set_thumbnail_args *args, bool *out);
typedef struct tg_delete_sticker_set_args {
    const char *name;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_delete_sticker_set_args;
/* https://core.telegram.org/bots/api#deletestickerset */
TGBOT_API tg_err tg_delete_sticker_set(tg_bot *bot, const tg_delete_sticker_set_args *args, bool *out);
typedef struct tg_send_rich_message_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const tg_input_rich_message *rich_message;
    const char *rich_message_json;   /* raw JSON instead */
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_reply_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_rich_message_args;
/* https://core.telegram.org/bots/api#sendrichmessage */
TGBOT_API tg_err tg_send_rich_message(tg_bot *bot, const tg_send_rich_message_args *args, tg_message **out);
typedef struct tg_send_rich_message_draft_args {
    int64_t chat_id;
    int64_t message_thread_id;
    int64_t draft_id;
    const tg_input_rich_message *rich_message;
    const char *rich_message_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_rich_message_draft_args;
/* https://core.telegram.org/bots/api#sendrichmessagedraft */
TGBOT_API tg_err tg_send_rich_message_draft(tg_bot *bot, const tg_send_rich_message_draft_args *args, bool *out);
typedef struct tg_answer_inline_query_args {
    const char *inline_query_id;
    const tg_inline_query_result *results; size_t results_count;
    const char *results_json;   /* raw JSON instead */
    int64_t cache_time;
    bool is_personal;
    const char *next_offset;
    const tg_inline_query_results_button *button;
    const char *button_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_inline_query_args;
/* https://core.telegram.org/bots/api#answerinlinequery */
TGBOT_API tg_err tg_answer_inline_query(tg_bot *bot, const tg_answer_inline_query_args *args, bool *out);
typedef struct tg_send_invoice_args {
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    int64_t direct_messages_topic_id;
    const char *title;
    const char *description;
    const char *payload;
    const char *provider_token;
    const char *currency;
    const tg_labeled_price *prices; size_t prices_count;
    const char *prices_json;   /* raw JSON instead */
    int64_t max_tip_amount;
    int64_t *suggested_tip_amounts; size_t suggested_tip_amounts_count;
    const char *suggested_tip_amounts_json;   /* raw JSON instead */
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
    const tg_suggested_post_parameters *suggested_post_parameters;
    const char *suggested_post_parameters_json;   /* raw JSON instead */
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_invoice_args;
/* https://core.telegram.org/bots/api#sendinvoice */
TGBOT_API tg_err tg_send_invoice(tg_bot *bot, const tg_send_invoice_args *args, tg_message **out);
typedef struct tg_create_invoice_link_args {
    const char *business_connection_id;
    const char *title;
    const char *description;
    const char *payload;
    const char *provider_token;
    const char *currency;
    const tg_labeled_price *prices; size_t prices_count;
    const char *prices_json;   /* raw JSON instead */
    int64_t subscription_period;
    int64_t max_tip_amount;
    int64_t *suggested_tip_amounts; size_t suggested_tip_amounts_count;
    const char *suggested_tip_amounts_json;   /* raw JSON instead */
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
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_create_invoice_link_args;
/* https://core.telegram.org/bots/api#createinvoicelink */
TGBOT_API tg_err tg_create_invoice_link(tg_bot *bot, const tg_create_invoice_link_args *args, const char **out);
typedef struct tg_answer_shipping_query_args {
    const char *shipping_query_id;
    bool ok;
    const tg_shipping_option *shipping_options; size_t shipping_options_count;
    const char *shipping_options_json;   /* raw JSON instead */
    const char *error_message;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_shipping_query_args;
/* https://core.telegram.org/bots/api#answershippingquery */
TGBOT_API tg_err tg_answer_shipping_query(tg_bot *bot, const tg_answer_shipping_query_args *args, bool *out);
typedef struct tg_answer_pre_checkout_query_args {
    const char *pre_checkout_query_id;
    bool ok;
    const char *error_message;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_answer_pre_checkout_query_args;
/* https://core.telegram.org/bots/api#answerprecheckoutquery */
TGBOT_API tg_err tg_answer_pre_checkout_query(tg_bot *bot, const tg_answer_pre_checkout_query_args *args, bool *out);
/* https://core.telegram.org/bots/api#getmystarbalance */
TGBOT_API tg_err tg_get_my_star_balance(tg_bot *bot, tg_star_amount **out);
typedef struct tg_get_star_transactions_args {
    int64_t offset;
    int64_t limit;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_star_transactions_args;
/* https://core.telegram.org/bots/api#getstartransactions */
TGBOT_API tg_err tg_get_star_transactions(tg_bot *bot, const tg_get_star_transactions_args *args, tg_star_transactions **out);
typedef struct tg_refund_star_payment_args {
    int64_t user_id;
    const char *telegram_payment_charge_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_refund_star_payment_args;
/* https://core.telegram.org/bots/api#refundstarpayment */
TGBOT_API tg_err tg_refund_star_payment(tg_bot *bot, const tg_refund_star_payment_args *args, bool *out);
typedef struct tg_edit_user_star_subscription_args {
    int64_t user_id;
    const char *telegram_payment_charge_id;
    bool is_canceled;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_edit_user_star_subscription_args;
/* https://core.telegram.org/bots/api#edituserstarsubscription */
TGBOT_API tg_err tg_edit_user_star_subscription(tg_bot *bot, const tg_edit_user_star_subscription_args *args, bool *out);
typedef struct tg_set_passport_data_errors_args {
    int64_t user_id;
    const tg_passport_element_error *errors; size_t errors_count;
    const char *errors_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_passport_data_errors_args;
/* https://core.telegram.org/bots/api#setpassportdataerrors */
TGBOT_API tg_err tg_set_passport_data_errors(tg_bot *bot, const tg_set_passport_data_errors_args *args, bool *out);
typedef struct tg_send_game_args {
    const char *business_connection_id;
    tg_chat_ref chat_id;
    int64_t message_thread_id;
    const char *game_short_name;
    bool disable_notification;
    bool protect_content;
    bool allow_paid_broadcast;
    const char *message_effect_id;
    const tg_reply_parameters *reply_parameters;
    const char *reply_parameters_json;   /* raw JSON instead */
    const tg_inline_keyboard_markup *reply_markup;
    const char *reply_markup_json;   /* raw JSON instead */
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_send_game_args;
/* https://core.telegram.org/bots/api#sendgame */
TGBOT_API tg_err tg_send_game(tg_bot *bot, const tg_send_game_args *args, tg_message **out);
typedef struct tg_set_game_score_args {
    int64_t user_id;
    int64_t score;
    bool force;
    bool disable_edit_message;
    int64_t chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_set_game_score_args;
/* https://core.telegram.org/bots/api#setgamescore */
TGBOT_API tg_err tg_set_game_score(tg_bot *bot, const tg_set_game_score_args *args, tg_message **out);
typedef struct tg_get_game_high_scores_args {
    int64_t user_id;
    int64_t chat_id;
    int64_t message_id;
    const char *inline_message_id;
    const char *extra_json;   /* raw JSON object merged into the parameters */
} tg_get_game_high_scores_args;
/* https://core.telegram.org/bots/api#getgamehighscores */
TGBOT_API tg_err tg_get_game_high_scores(tg_bot *bot, const tg_get_game_high_scores_args *args, tg_game_high_score_list *out);

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
    int64_t chat_id;                /* the chat it concerns, 0 if none */
    const char *command;            /* command handlers: "start" (without '/' and @botname) */
    const char *args;               /* the text after the command, "" if none */
    void *user_data;                /* the dispatcher's */
    void *webhook_reply;            /* internal: the webhook server's response-body slot while it
                                       delivers this update (see tg_webhook_reply); NULL otherwise */
} tg_ctx;

typedef int (*tg_handler_fn)(tg_ctx *ctx, void *ud);               /* TG_HANDLED or TG_CONTINUE */
typedef int (*tg_middleware_fn)(tg_ctx *ctx, bool after, void *ud); /* before: non-zero stops the chain */

typedef enum tg_event_type {
    TG_EVENT_UPDATE = 1, TG_EVENT_SENT, TG_EVENT_ERROR, TG_EVENT_RETRY, TG_EVENT_RATE_LIMITED, TG_EVENT_SHUTDOWN
} tg_event_type;

typedef struct tg_event {
    tg_event_type type;
    const char *method;             /* SENT, ERROR, RETRY, RATE_LIMITED */
    const tg_error *error;          /* ERROR, RETRY */
    const tg_ctx *ctx;              /* UPDATE, and ERROR raised by a handler */
    uint64_t elapsed_ms;            /* SENT */
    uint32_t attempt, delay_ms;     /* RETRY */
    int32_t retry_after;            /* RATE_LIMITED */
} tg_event;

typedef struct tg_events {          /* every callback optional */
    void (*on_update)(const tg_event *e, void *ud);
    void (*on_sent)(const tg_event *e, void *ud);
    void (*on_error)(const tg_event *e, void *ud);
    void (*on_retry)(const tg_event *e, void *ud);
    void (*on_rate_limited)(const tg_event *e, void *ud);
    void (*on_shutdown)(const tg_event *e, void *ud);
    void *ud;
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
    case TG_ERR_ARG: return TG_KIND_VALIDATION;
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
} tg__bot_hooks;

TGBOT__INTERN tg__req *tg__req_begin(tg_bot *bot, const char *method, uint32_t flags);
TGBOT__INTERN const char *tg__req_add_file(tg__req *r, const char *field_name, const tg_input_file *f);
TGBOT__INTERN tg_err tg__req_fail(tg__req *r, tg_err code, const char *fmt, ...) TGBOT__PRINTF(3, 4);
TGBOT__INTERN tg_err tg__req_send(tg__req *r, tg_json_value *result);
TGBOT__INTERN void tg__bot_set_hooks(tg_bot *bot, const tg__bot_hooks *h);
TGBOT__INTERN const tg_platform *tg__bot_platform(const tg_bot *bot);
TGBOT__INTERN const tg_logger *tg__bot_logger(const tg_bot *bot);
TGBOT__INTERN const tg_allocator *tg__bot_alloc(const tg_bot *bot);
TGBOT__INTERN uint32_t tg__bot_request_timeout(const tg_bot *bot);

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
    *out = b;
    return TG_OK;
}

TGBOT_API void tg_bot_free(tg_bot *bot) {
    tg_allocator a;
    if (!bot) return;
    a = bot->alloc;
    tg__http_client_free(bot->http);
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
        if (!retry || attempt >= b->max_retries) break;
        {
            uint32_t wait = tg__backoff_ms(b, attempt, e->retry_after);
            if (b->hooks.on_retry) b->hooks.on_retry(b->hooks.ud, r->method, attempt + 1, wait, e);
            tg__log(&b->log, TG_LOG_WARN, "%s: %s; retry %u in %u ms", r->method, e->description, attempt + 1, wait);
            tg__sleep_ms(&b->plat, wait);
        }
    }
    snprintf(e->method, sizeof e->method, "%s", r->method);
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
    if (!method || !*method) {
        tg__error_set(&bot->last, TG_ERR_ARG, TG_PHASE_VALIDATE, "tg_call: no method name");
        return TG_ERR_ARG;
    }
    if (strncmp(method, "get", 3) == 0) flags = TG__CALL_READ;
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
typedef struct tg__field {
    const char *name;
    uint32_t off, aux, raw_off;
    uint16_t type;     /* object kinds: index into tg__types */
    uint8_t kind, flags;
} tg__field;
typedef struct tg__type {
    const char *name;
    uint32_t size;
    const tg__field *fields;
    uint16_t nfields;
    /* abstract types: variants are tg__types[subs[i]] (or TG__SUB_STRING / TG__SUB_ARRAY) */
    const char *disc;                 /* discriminator member, NULL: chosen by shape */
    const uint16_t *subs;
    const char *const *disc_vals;
    uint16_t nsubs;
} tg__type;
#define TG__SUB_STRING 0xFFFFu
#define TG__SUB_ARRAY 0xFFFEu
typedef struct tg__method {
    const char *name;
    uint32_t flags;                   /* TG__CALL_* */
    uint16_t args;                    /* tg__types index of the args struct, 0xFFFF = none */
    uint8_t rkind, rarr;              /* result: kind, array? */
    uint16_t rtype;
} tg__method;

/* the generated type table (gen/api.c); a function, not an extern array, so that a TGBOT_STATIC
   build exports nothing */
TGBOT__INTERN const tg__type *tg__type_table(void);
#define tg__types (tg__type_table())
TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out);
TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err);
TGBOT__INTERN tg_err tg__decode_type(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err);

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
    default: return tg__types[type].nsubs ? sizeof(tg__abs) : tg__types[type].size;
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
    if (!n) return TG_OK;
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

static tg_err tg__dec_abstract(const tg__type *ty, const tg_json_doc *d, uint32_t t, tg_arena *a, tg__abs *out, tg_error *err) {
    tg_json_type jt = tg_json_type_of(d, t);
    uint16_t i, sub = 0xFFFFu;
    out->kind = 0;
    out->ptr = NULL;
    for (i = 0; i < ty->nsubs; i++) {
        if (jt == TG_JSON_STRING && ty->subs[i] == TG__SUB_STRING) {
            const char *s = NULL;
            tg_json_str(d, t, &s, NULL);
            out->kind = i + 1;
            out->ptr = (void *)(uintptr_t)s;
            return TG_OK;
        }
        if (jt == TG_JSON_ARRAY && ty->subs[i] == TG__SUB_ARRAY) {
            tg__list *l = (tg__list *)tg_arena_alloc(a, sizeof *l);
            if (!l) return TG_ERR_NOMEM;
            out->kind = i + 1;
            out->ptr = l;
            return tg__dec_array(TG__K_OBJ, (uint16_t)(ty - tg__types), d, t, a, &l->items, &l->count, ty->name, err);
        }
    }
    if (jt != TG_JSON_OBJECT) return tg__dec_bad(ty->name, NULL, err);
    {   /* variants whose tag matches (several may share one, e.g. InlineQueryResultPhoto and
           InlineQueryResultCachedPhoto); among them, or among all when there is no tag, the first
           whose required members are all present */
        const char *v = NULL;
        if (ty->disc && !tg_json_str(d, tg_json_get(d, t, ty->disc), &v, NULL)) return tg__dec_bad(ty->name, ty->disc, err);
        {
            uint32_t best = 0;
            for (i = 0; i < ty->nsubs; i++) {
                const tg__type *st;
                uint16_t f;
                uint32_t m, k, known = 1;
                bool all = true;
                if (ty->subs[i] >= TG__SUB_ARRAY) continue;
                if (v && !(ty->disc_vals[i] && strcmp(ty->disc_vals[i], v) == 0)) continue;
                st = &tg__types[ty->subs[i]];
                for (f = 0; f < st->nfields && all; f++)
                    if ((st->fields[f].flags & TG__F_REQ) && tg_json_get(d, t, st->fields[f].name) == TG_JSON_NOTFOUND) all = false;
                if (!all) continue;
                /* best fit: the variant that knows most of the members present */
                for (m = 0, k = t + 1; m < d->toks[t].count; m++, k = d->toks[k + 1].next)
                    for (f = 0; f < st->nfields; f++)
                        if (strcmp(st->fields[f].name, d->buf + d->toks[k].start) == 0) { known++; break; }
                if (known > best) { best = known; sub = i; }
            }
        }
        if (sub == 0xFFFFu && v) {       /* tag known but members missing: still the first tagged variant */
            for (i = 0; i < ty->nsubs && sub == 0xFFFFu; i++)
                if (ty->subs[i] < TG__SUB_ARRAY && ty->disc_vals[i] && strcmp(ty->disc_vals[i], v) == 0) sub = i;
        }
        if (sub == 0xFFFFu) return TG_OK;          /* a variant newer than this build: kind 0 */
    }
    {
        const tg__type *st = &tg__types[ty->subs[sub]];
        void *p = tg_arena_alloc(a, st->size);
        if (!p) return TG_ERR_NOMEM;
        memset(p, 0, st->size);
        out->kind = sub + 1;
        out->ptr = p;
        return tg__dec_obj(ty->subs[sub], d, t, a, p, err);
    }
}

static tg_err tg__dec_obj(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err) {
    const tg__type *ty = &tg__types[type];
    uint32_t i, k, n;
    if (ty->nsubs) return tg__dec_abstract(ty, d, t, a, (tg__abs *)out, err);
    if (tg_json_type_of(d, t) != TG_JSON_OBJECT) return tg__dec_bad(ty->name, NULL, err);
    n = d->toks[t].count;
    for (i = 0, k = t + 1; i < n; i++, k = d->toks[k + 1].next) {
        const char *key = d->buf + d->toks[k].start;
        const tg__field *f = NULL;
        uint16_t j;
        char *base = (char *)out;
        tg_err e;
        for (j = 0; j < ty->nfields; j++)
            if (strcmp(ty->fields[j].name, key) == 0) { f = &ty->fields[j]; break; }
        if (!f) continue;                          /* unknown members are skipped */
        if (tg_json_type_of(d, k + 1) == TG_JSON_NULL) continue;
        if (f->flags & TG__F_ARR2) {
            tg__list *lists;
            size_t cnt, m;
            uint32_t q;
            if (tg_json_type_of(d, k + 1) != TG_JSON_ARRAY) return tg__dec_bad(ty->name, f->name, err);
            cnt = d->toks[k + 1].count;
            lists = (tg__list *)tg_arena_alloc(a, (cnt ? cnt : 1) * sizeof *lists);
            if (!lists) return TG_ERR_NOMEM;
            for (m = 0, q = k + 2; m < cnt; m++, q = d->toks[q].next) {
                e = tg__dec_array(f->kind, f->type, d, q, a, &lists[m].items, &lists[m].count, f->name, err);
                if (e) return e;
            }
            *(tg__list **)(void *)(base + f->off) = lists;
            *(size_t *)(void *)(base + f->aux) = cnt;
        } else if (f->flags & TG__F_ARR) {
            e = tg__dec_array(f->kind, f->type, d, k + 1, a, (void **)(void *)(base + f->off), (size_t *)(void *)(base + f->aux), f->name, err);
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
            e = tg__dec_one(f->kind, f->type, d, k + 1, a, base + f->off, f->name, err);
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
    if (f->flags & (TG__F_ARR | TG__F_ARR2)) return *(const void *const *)p && *(const size_t *)(const void *)(base + f->aux);
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
                             const char *skip, tg_error *err) {
    const char *base = (const char *)obj;
    uint16_t j;
    for (j = 0; j < ty->nfields; j++) {
        const tg__field *f = &ty->fields[j];
        tg_err e = TG_OK;
        if (skip && strcmp(f->name, skip) == 0 && !*(const char *const *)(const void *)(base + f->off)) continue;
        if ((f->flags & TG__F_RAW) && *(const char *const *)(const void *)(base + f->raw_off)) {
            const char *raw = *(const char *const *)(const void *)(base + f->raw_off);
            tg_json_key(w, f->name);
            tg_json_write_raw(w, raw, strlen(raw));
            continue;
        }
        if (!tg__present(f, base)) {
            if ((f->flags & TG__F_REQ) && !(skip && strcmp(f->name, skip) == 0)) {
                tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "%s%s%s is required", top ? "" : ty->name, top ? "" : ".", f->name);
                return TG_ERR_ARG;
            }
            continue;
        }
        if (top && f->kind == TG__K_FILE && !(f->flags & TG__F_ARR)) {
            /* a direct InputFile parameter: an upload becomes its own multipart field */
            const tg_input_file *file = *(const tg_input_file *const *)(const void *)(base + f->off);
            if (!file->id_or_url) {
                if (!r) return TG_ERR_UNSUPPORTED;
                if (!tg__req_add_file(r, f->name, file)) return TG_ERR_LIMIT;
                continue;
            }
        }
        tg_json_key(w, f->name);
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
    if (ty->nsubs) {
        const tg__abs *ab = (const tg__abs *)obj;
        uint16_t sub;
        if (ab->kind <= 0 || ab->kind > ty->nsubs || !ab->ptr) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "%s: no variant is set (kind %d)", ty->name, ab->kind);
            return TG_ERR_ARG;
        }
        sub = ty->subs[ab->kind - 1];
        if (sub == TG__SUB_STRING) { tg_json_write_str(w, (const char *)ab->ptr); return TG_OK; }
        if (sub == TG__SUB_ARRAY) {
            const tg__list *l = (const tg__list *)ab->ptr;
            return tg__enc_array(w, r, TG__K_OBJ, type, l->items, l->count, err);
        }
        tg_json_obj_begin(w);
        if (ty->disc) {                        /* the tag comes from the kind: users need not set it */
            const char *const *own = NULL;
            uint16_t j;
            for (j = 0; j < tg__types[sub].nfields; j++)
                if (strcmp(tg__types[sub].fields[j].name, ty->disc) == 0)
                    own = (const char *const *)(const void *)((const char *)ab->ptr + tg__types[sub].fields[j].off);
            if (!own || !*own) { tg_json_key(w, ty->disc); tg_json_write_str(w, ty->disc_vals[ab->kind - 1]); }
        }
        e = tg__enc_fields(w, r, &tg__types[sub], ab->ptr, false, ty->disc, err);
        tg_json_obj_end(w);
        return e;
    }
    if (!top) tg_json_obj_begin(w);
    e = tg__enc_fields(w, r, ty, obj, top, NULL, err);
    if (!top) tg_json_obj_end(w);
    return e;
}

TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err) {
    tg_err e = tg__enc_obj(w, r, type, obj, false, err);
    return e ? e : w->err;
}

/* ---- methods ---- */
TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out) {
    tg__req *r = tg__req_begin(bot, m->name, m->flags);
    tg_error tmp;
    tg_json_value v;
    tg_err e;
    memset(&tmp, 0, sizeof tmp);
    if (m->args != 0xFFFFu) {
        static const char zero[4096] = { 0 };   /* args == NULL: every parameter unset */
        const tg__type *at = &tg__types[m->args];
        const void *a = args ? args : (at->size <= sizeof zero ? (const void *)zero : NULL);
        if (!a) return tg__req_fail(r, TG_ERR_ARG, "%s: arguments are required", m->name);
        e = tg__enc_obj(r->w, r, m->args, a, true, &tmp);
        if (e) return tg__req_fail(r, e, "%s: %s", m->name, tmp.description[0] ? tmp.description : tg_err_str(e));
        /* the escape hatch: members of a raw JSON object merged into the parameters */
        {
            const char *extra = *(const char *const *)(const void *)((const char *)a + at->size - sizeof(const char *));
            if (extra && tg_json_merge_object(r->w, extra) != TG_OK)
                return tg__req_fail(r, TG_ERR_ARG, "%s: extra_json must be a JSON object", m->name);
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
            e = tg__dec_array(TG__K_OBJ, m->rtype, v.doc, v.tok, tg_bot_arena(bot), &l->items, &l->count, m->name, &tmp);
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
        tg__error_set(le, e, TG_PHASE_DECODE, "%s: unexpected result: %s", m->name, tmp.description[0] ? tmp.description : "wrong JSON type");
        snprintf(le->method, sizeof le->method, "%s", m->name);
    }
    return e;
}

/* ==== src/gen/api.c ==== */
/* GENERATED by tools/gen_api.py from the Bot API Bot API 10.1 spec: do not edit. */
static const tg__field tg__f_update[] = {
    { "update_id", offsetof(tg_update, update_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message", offsetof(tg_update, message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "edited_message", offsetof(tg_update, edited_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "channel_post", offsetof(tg_update, channel_post), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "edited_channel_post", offsetof(tg_update, edited_channel_post), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "business_connection", offsetof(tg_update, business_connection), 0, 0, 200, TG__K_OBJ, TG__F_PTR },
    { "business_message", offsetof(tg_update, business_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "edited_business_message", offsetof(tg_update, edited_business_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "deleted_business_messages", offsetof(tg_update, deleted_business_messages), 0, 0, 201, TG__K_OBJ, TG__F_PTR },
    { "guest_message", offsetof(tg_update, guest_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "message_reaction", offsetof(tg_update, message_reaction), 0, 0, 152, TG__K_OBJ, TG__F_PTR },
    { "message_reaction_count", offsetof(tg_update, message_reaction_count), 0, 0, 153, TG__K_OBJ, TG__F_PTR },
    { "inline_query", offsetof(tg_update, inline_query), 0, 0, 286, TG__K_OBJ, TG__F_PTR },
    { "chosen_inline_result", offsetof(tg_update, chosen_inline_result), 0, 0, 316, TG__K_OBJ, TG__F_PTR },
    { "callback_query", offsetof(tg_update, callback_query), 0, 0, 116, TG__K_OBJ, TG__F_PTR },
    { "shipping_query", offsetof(tg_update, shipping_query), 0, 0, 324, TG__K_OBJ, TG__F_PTR },
    { "pre_checkout_query", offsetof(tg_update, pre_checkout_query), 0, 0, 325, TG__K_OBJ, TG__F_PTR },
    { "purchased_paid_media", offsetof(tg_update, purchased_paid_media), 0, 0, 326, TG__K_OBJ, TG__F_PTR },
    { "poll", offsetof(tg_update, poll), 0, 0, 43, TG__K_OBJ, TG__F_PTR },
    { "poll_answer", offsetof(tg_update, poll_answer), 0, 0, 42, TG__K_OBJ, TG__F_PTR },
    { "my_chat_member", offsetof(tg_update, my_chat_member), 0, 0, 121, TG__K_OBJ, TG__F_PTR },
    { "chat_member", offsetof(tg_update, chat_member), 0, 0, 121, TG__K_OBJ, TG__F_PTR },
    { "chat_join_request", offsetof(tg_update, chat_join_request), 0, 0, 129, TG__K_OBJ, TG__F_PTR },
    { "chat_boost", offsetof(tg_update, chat_boost), 0, 0, 194, TG__K_OBJ, TG__F_PTR },
    { "removed_chat_boost", offsetof(tg_update, removed_chat_boost), 0, 0, 195, TG__K_OBJ, TG__F_PTR },
    { "managed_bot", offsetof(tg_update, managed_bot), 0, 0, 56, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_webhook_info[] = {
    { "url", offsetof(tg_webhook_info, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "has_custom_certificate", offsetof(tg_webhook_info, has_custom_certificate), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "pending_update_count", offsetof(tg_webhook_info, pending_update_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "ip_address", offsetof(tg_webhook_info, ip_address), 0, 0, 0, TG__K_STR, 0 },
    { "last_error_date", offsetof(tg_webhook_info, last_error_date), offsetof(tg_webhook_info, has_last_error_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "last_error_message", offsetof(tg_webhook_info, last_error_message), 0, 0, 0, TG__K_STR, 0 },
    { "last_synchronization_error_date", offsetof(tg_webhook_info, last_synchronization_error_date), offsetof(tg_webhook_info, has_last_synchronization_error_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "max_connections", offsetof(tg_webhook_info, max_connections), offsetof(tg_webhook_info, has_max_connections), 0, 0, TG__K_I64, TG__F_HAS },
    { "allowed_updates", offsetof(tg_webhook_info, allowed_updates), offsetof(tg_webhook_info, allowed_updates_count), 0, 0, TG__K_STR, TG__F_ARR },
};
static const tg__field tg__f_user[] = {
    { "id", offsetof(tg_user, id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_bot", offsetof(tg_user, is_bot), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "first_name", offsetof(tg_user, first_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_name", offsetof(tg_user, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "username", offsetof(tg_user, username), 0, 0, 0, TG__K_STR, 0 },
    { "language_code", offsetof(tg_user, language_code), 0, 0, 0, TG__K_STR, 0 },
    { "is_premium", offsetof(tg_user, is_premium), offsetof(tg_user, has_is_premium), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "added_to_attachment_menu", offsetof(tg_user, added_to_attachment_menu), offsetof(tg_user, has_added_to_attachment_menu), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_join_groups", offsetof(tg_user, can_join_groups), offsetof(tg_user, has_can_join_groups), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_read_all_group_messages", offsetof(tg_user, can_read_all_group_messages), offsetof(tg_user, has_can_read_all_group_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "supports_guest_queries", offsetof(tg_user, supports_guest_queries), offsetof(tg_user, has_supports_guest_queries), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "supports_inline_queries", offsetof(tg_user, supports_inline_queries), offsetof(tg_user, has_supports_inline_queries), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_connect_to_business", offsetof(tg_user, can_connect_to_business), offsetof(tg_user, has_can_connect_to_business), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_main_web_app", offsetof(tg_user, has_main_web_app), offsetof(tg_user, has_has_main_web_app), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_topics_enabled", offsetof(tg_user, has_topics_enabled), offsetof(tg_user, has_has_topics_enabled), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "allows_users_to_create_topics", offsetof(tg_user, allows_users_to_create_topics), offsetof(tg_user, has_allows_users_to_create_topics), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_bots", offsetof(tg_user, can_manage_bots), offsetof(tg_user, has_can_manage_bots), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "supports_join_request_queries", offsetof(tg_user, supports_join_request_queries), offsetof(tg_user, has_supports_join_request_queries), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chat[] = {
    { "id", offsetof(tg_chat, id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "type", offsetof(tg_chat, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_chat, title), 0, 0, 0, TG__K_STR, 0 },
    { "username", offsetof(tg_chat, username), 0, 0, 0, TG__K_STR, 0 },
    { "first_name", offsetof(tg_chat, first_name), 0, 0, 0, TG__K_STR, 0 },
    { "last_name", offsetof(tg_chat, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "is_forum", offsetof(tg_chat, is_forum), offsetof(tg_chat, has_is_forum), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_direct_messages", offsetof(tg_chat, is_direct_messages), offsetof(tg_chat, has_is_direct_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chat_full_info[] = {
    { "id", offsetof(tg_chat_full_info, id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "type", offsetof(tg_chat_full_info, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_chat_full_info, title), 0, 0, 0, TG__K_STR, 0 },
    { "username", offsetof(tg_chat_full_info, username), 0, 0, 0, TG__K_STR, 0 },
    { "first_name", offsetof(tg_chat_full_info, first_name), 0, 0, 0, TG__K_STR, 0 },
    { "last_name", offsetof(tg_chat_full_info, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "is_forum", offsetof(tg_chat_full_info, is_forum), offsetof(tg_chat_full_info, has_is_forum), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_direct_messages", offsetof(tg_chat_full_info, is_direct_messages), offsetof(tg_chat_full_info, has_is_direct_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "accent_color_id", offsetof(tg_chat_full_info, accent_color_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "max_reaction_count", offsetof(tg_chat_full_info, max_reaction_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "photo", offsetof(tg_chat_full_info, photo), 0, 0, 118, TG__K_OBJ, TG__F_PTR },
    { "active_usernames", offsetof(tg_chat_full_info, active_usernames), offsetof(tg_chat_full_info, active_usernames_count), 0, 0, TG__K_STR, TG__F_ARR },
    { "birthdate", offsetof(tg_chat_full_info, birthdate), 0, 0, 131, TG__K_OBJ, TG__F_PTR },
    { "business_intro", offsetof(tg_chat_full_info, business_intro), 0, 0, 132, TG__K_OBJ, TG__F_PTR },
    { "business_location", offsetof(tg_chat_full_info, business_location), 0, 0, 133, TG__K_OBJ, TG__F_PTR },
    { "business_opening_hours", offsetof(tg_chat_full_info, business_opening_hours), 0, 0, 135, TG__K_OBJ, TG__F_PTR },
    { "personal_chat", offsetof(tg_chat_full_info, personal_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "parent_chat", offsetof(tg_chat_full_info, parent_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "available_reactions", offsetof(tg_chat_full_info, available_reactions), offsetof(tg_chat_full_info, available_reactions_count), 0, 147, TG__K_OBJ, TG__F_ARR },
    { "background_custom_emoji_id", offsetof(tg_chat_full_info, background_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "profile_accent_color_id", offsetof(tg_chat_full_info, profile_accent_color_id), offsetof(tg_chat_full_info, has_profile_accent_color_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "profile_background_custom_emoji_id", offsetof(tg_chat_full_info, profile_background_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "emoji_status_custom_emoji_id", offsetof(tg_chat_full_info, emoji_status_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "emoji_status_expiration_date", offsetof(tg_chat_full_info, emoji_status_expiration_date), offsetof(tg_chat_full_info, has_emoji_status_expiration_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "bio", offsetof(tg_chat_full_info, bio), 0, 0, 0, TG__K_STR, 0 },
    { "has_private_forwards", offsetof(tg_chat_full_info, has_private_forwards), offsetof(tg_chat_full_info, has_has_private_forwards), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_restricted_voice_and_video_messages", offsetof(tg_chat_full_info, has_restricted_voice_and_video_messages), offsetof(tg_chat_full_info, has_has_restricted_voice_and_video_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "join_to_send_messages", offsetof(tg_chat_full_info, join_to_send_messages), offsetof(tg_chat_full_info, has_join_to_send_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "join_by_request", offsetof(tg_chat_full_info, join_by_request), offsetof(tg_chat_full_info, has_join_by_request), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "description", offsetof(tg_chat_full_info, description), 0, 0, 0, TG__K_STR, 0 },
    { "invite_link", offsetof(tg_chat_full_info, invite_link), 0, 0, 0, TG__K_STR, 0 },
    { "pinned_message", offsetof(tg_chat_full_info, pinned_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "permissions", offsetof(tg_chat_full_info, permissions), 0, 0, 130, TG__K_OBJ, TG__F_PTR },
    { "accepted_gift_types", offsetof(tg_chat_full_info, accepted_gift_types), 0, 0, 171, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "can_send_paid_media", offsetof(tg_chat_full_info, can_send_paid_media), offsetof(tg_chat_full_info, has_can_send_paid_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "slow_mode_delay", offsetof(tg_chat_full_info, slow_mode_delay), offsetof(tg_chat_full_info, has_slow_mode_delay), 0, 0, TG__K_I64, TG__F_HAS },
    { "unrestrict_boost_count", offsetof(tg_chat_full_info, unrestrict_boost_count), offsetof(tg_chat_full_info, has_unrestrict_boost_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "message_auto_delete_time", offsetof(tg_chat_full_info, message_auto_delete_time), offsetof(tg_chat_full_info, has_message_auto_delete_time), 0, 0, TG__K_I64, TG__F_HAS },
    { "has_aggressive_anti_spam_enabled", offsetof(tg_chat_full_info, has_aggressive_anti_spam_enabled), offsetof(tg_chat_full_info, has_has_aggressive_anti_spam_enabled), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_hidden_members", offsetof(tg_chat_full_info, has_hidden_members), offsetof(tg_chat_full_info, has_has_hidden_members), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_protected_content", offsetof(tg_chat_full_info, has_protected_content), offsetof(tg_chat_full_info, has_has_protected_content), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_visible_history", offsetof(tg_chat_full_info, has_visible_history), offsetof(tg_chat_full_info, has_has_visible_history), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "sticker_set_name", offsetof(tg_chat_full_info, sticker_set_name), 0, 0, 0, TG__K_STR, 0 },
    { "can_set_sticker_set", offsetof(tg_chat_full_info, can_set_sticker_set), offsetof(tg_chat_full_info, has_can_set_sticker_set), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "custom_emoji_sticker_set_name", offsetof(tg_chat_full_info, custom_emoji_sticker_set_name), 0, 0, 0, TG__K_STR, 0 },
    { "linked_chat_id", offsetof(tg_chat_full_info, linked_chat_id), offsetof(tg_chat_full_info, has_linked_chat_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "location", offsetof(tg_chat_full_info, location), 0, 0, 146, TG__K_OBJ, TG__F_PTR },
    { "rating", offsetof(tg_chat_full_info, rating), 0, 0, 136, TG__K_OBJ, TG__F_PTR },
    { "first_profile_audio", offsetof(tg_chat_full_info, first_profile_audio), 0, 0, 20, TG__K_OBJ, TG__F_PTR },
    { "unique_gift_colors", offsetof(tg_chat_full_info, unique_gift_colors), 0, 0, 162, TG__K_OBJ, TG__F_PTR },
    { "paid_message_star_count", offsetof(tg_chat_full_info, paid_message_star_count), offsetof(tg_chat_full_info, has_paid_message_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "guard_bot", offsetof(tg_chat_full_info, guard_bot), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_message[] = {
    { "message_id", offsetof(tg_message, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message_thread_id", offsetof(tg_message, message_thread_id), offsetof(tg_message, has_message_thread_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "direct_messages_topic", offsetof(tg_message, direct_messages_topic), 0, 0, 99, TG__K_OBJ, TG__F_PTR },
    { "from", offsetof(tg_message, from), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "sender_chat", offsetof(tg_message, sender_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "sender_boost_count", offsetof(tg_message, sender_boost_count), offsetof(tg_message, has_sender_boost_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "sender_business_bot", offsetof(tg_message, sender_business_bot), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "sender_tag", offsetof(tg_message, sender_tag), 0, 0, 0, TG__K_STR, 0 },
    { "date", offsetof(tg_message, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "guest_query_id", offsetof(tg_message, guest_query_id), 0, 0, 0, TG__K_STR, 0 },
    { "business_connection_id", offsetof(tg_message, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat", offsetof(tg_message, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "forward_origin", offsetof(tg_message, forward_origin), 0, 0, 13, TG__K_OBJ, TG__F_PTR },
    { "is_topic_message", offsetof(tg_message, is_topic_message), offsetof(tg_message, has_is_topic_message), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_automatic_forward", offsetof(tg_message, is_automatic_forward), offsetof(tg_message, has_is_automatic_forward), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_to_message", offsetof(tg_message, reply_to_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "external_reply", offsetof(tg_message, external_reply), 0, 0, 11, TG__K_OBJ, TG__F_PTR },
    { "quote", offsetof(tg_message, quote), 0, 0, 10, TG__K_OBJ, TG__F_PTR },
    { "reply_to_story", offsetof(tg_message, reply_to_story), 0, 0, 23, TG__K_OBJ, TG__F_PTR },
    { "reply_to_checklist_task_id", offsetof(tg_message, reply_to_checklist_task_id), offsetof(tg_message, has_reply_to_checklist_task_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "reply_to_poll_option_id", offsetof(tg_message, reply_to_poll_option_id), 0, 0, 0, TG__K_STR, 0 },
    { "via_bot", offsetof(tg_message, via_bot), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "guest_bot_caller_user", offsetof(tg_message, guest_bot_caller_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "guest_bot_caller_chat", offsetof(tg_message, guest_bot_caller_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "edit_date", offsetof(tg_message, edit_date), offsetof(tg_message, has_edit_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "has_protected_content", offsetof(tg_message, has_protected_content), offsetof(tg_message, has_has_protected_content), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_from_offline", offsetof(tg_message, is_from_offline), offsetof(tg_message, has_is_from_offline), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_paid_post", offsetof(tg_message, is_paid_post), offsetof(tg_message, has_is_paid_post), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "media_group_id", offsetof(tg_message, media_group_id), 0, 0, 0, TG__K_STR, 0 },
    { "author_signature", offsetof(tg_message, author_signature), 0, 0, 0, TG__K_STR, 0 },
    { "paid_star_count", offsetof(tg_message, paid_star_count), offsetof(tg_message, has_paid_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "text", offsetof(tg_message, text), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_message, entities), offsetof(tg_message, entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "link_preview_options", offsetof(tg_message, link_preview_options), 0, 0, 95, TG__K_OBJ, TG__F_PTR },
    { "suggested_post_info", offsetof(tg_message, suggested_post_info), 0, 0, 97, TG__K_OBJ, TG__F_PTR },
    { "effect_id", offsetof(tg_message, effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "rich_message", offsetof(tg_message, rich_message), 0, 0, 233, TG__K_OBJ, TG__F_PTR },
    { "animation", offsetof(tg_message, animation), 0, 0, 19, TG__K_OBJ, TG__F_PTR },
    { "audio", offsetof(tg_message, audio), 0, 0, 20, TG__K_OBJ, TG__F_PTR },
    { "document", offsetof(tg_message, document), 0, 0, 21, TG__K_OBJ, TG__F_PTR },
    { "live_photo", offsetof(tg_message, live_photo), 0, 0, 22, TG__K_OBJ, TG__F_PTR },
    { "paid_media", offsetof(tg_message, paid_media), 0, 0, 28, TG__K_OBJ, TG__F_PTR },
    { "photo", offsetof(tg_message, photo), offsetof(tg_message, photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
    { "sticker", offsetof(tg_message, sticker), 0, 0, 229, TG__K_OBJ, TG__F_PTR },
    { "story", offsetof(tg_message, story), 0, 0, 23, TG__K_OBJ, TG__F_PTR },
    { "video", offsetof(tg_message, video), 0, 0, 25, TG__K_OBJ, TG__F_PTR },
    { "video_note", offsetof(tg_message, video_note), 0, 0, 26, TG__K_OBJ, TG__F_PTR },
    { "voice", offsetof(tg_message, voice), 0, 0, 27, TG__K_OBJ, TG__F_PTR },
    { "caption", offsetof(tg_message, caption), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_message, caption_entities), offsetof(tg_message, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_message, show_caption_above_media), offsetof(tg_message, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_media_spoiler", offsetof(tg_message, has_media_spoiler), offsetof(tg_message, has_has_media_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "checklist", offsetof(tg_message, checklist), 0, 0, 45, TG__K_OBJ, TG__F_PTR },
    { "contact", offsetof(tg_message, contact), 0, 0, 34, TG__K_OBJ, TG__F_PTR },
    { "dice", offsetof(tg_message, dice), 0, 0, 35, TG__K_OBJ, TG__F_PTR },
    { "game", offsetof(tg_message, game), 0, 0, 356, TG__K_OBJ, TG__F_PTR },
    { "poll", offsetof(tg_message, poll), 0, 0, 43, TG__K_OBJ, TG__F_PTR },
    { "venue", offsetof(tg_message, venue), 0, 0, 51, TG__K_OBJ, TG__F_PTR },
    { "location", offsetof(tg_message, location), 0, 0, 50, TG__K_OBJ, TG__F_PTR },
    { "new_chat_members", offsetof(tg_message, new_chat_members), offsetof(tg_message, new_chat_members_count), 0, 2, TG__K_OBJ, TG__F_ARR },
    { "left_chat_member", offsetof(tg_message, left_chat_member), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "chat_owner_left", offsetof(tg_message, chat_owner_left), 0, 0, 196, TG__K_OBJ, TG__F_PTR },
    { "chat_owner_changed", offsetof(tg_message, chat_owner_changed), 0, 0, 197, TG__K_OBJ, TG__F_PTR },
    { "new_chat_title", offsetof(tg_message, new_chat_title), 0, 0, 0, TG__K_STR, 0 },
    { "new_chat_photo", offsetof(tg_message, new_chat_photo), offsetof(tg_message, new_chat_photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
    { "delete_chat_photo", offsetof(tg_message, delete_chat_photo), offsetof(tg_message, has_delete_chat_photo), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "group_chat_created", offsetof(tg_message, group_chat_created), offsetof(tg_message, has_group_chat_created), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "supergroup_chat_created", offsetof(tg_message, supergroup_chat_created), offsetof(tg_message, has_supergroup_chat_created), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "channel_chat_created", offsetof(tg_message, channel_chat_created), offsetof(tg_message, has_channel_chat_created), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "message_auto_delete_timer_changed", offsetof(tg_message, message_auto_delete_timer_changed), 0, 0, 54, TG__K_OBJ, TG__F_PTR },
    { "migrate_to_chat_id", offsetof(tg_message, migrate_to_chat_id), offsetof(tg_message, has_migrate_to_chat_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "migrate_from_chat_id", offsetof(tg_message, migrate_from_chat_id), offsetof(tg_message, has_migrate_from_chat_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "pinned_message", offsetof(tg_message, pinned_message), 0, 0, 8, TG__K_OBJ, TG__F_PTR },
    { "invoice", offsetof(tg_message, invoice), 0, 0, 318, TG__K_OBJ, TG__F_PTR },
    { "successful_payment", offsetof(tg_message, successful_payment), 0, 0, 322, TG__K_OBJ, TG__F_PTR },
    { "refunded_payment", offsetof(tg_message, refunded_payment), 0, 0, 323, TG__K_OBJ, TG__F_PTR },
    { "users_shared", offsetof(tg_message, users_shared), 0, 0, 77, TG__K_OBJ, TG__F_PTR },
    { "chat_shared", offsetof(tg_message, chat_shared), 0, 0, 78, TG__K_OBJ, TG__F_PTR },
    { "gift", offsetof(tg_message, gift), 0, 0, 164, TG__K_OBJ, TG__F_PTR },
    { "unique_gift", offsetof(tg_message, unique_gift), 0, 0, 165, TG__K_OBJ, TG__F_PTR },
    { "gift_upgrade_sent", offsetof(tg_message, gift_upgrade_sent), 0, 0, 164, TG__K_OBJ, TG__F_PTR },
    { "connected_website", offsetof(tg_message, connected_website), 0, 0, 0, TG__K_STR, 0 },
    { "write_access_allowed", offsetof(tg_message, write_access_allowed), 0, 0, 79, TG__K_OBJ, TG__F_PTR },
    { "passport_data", offsetof(tg_message, passport_data), 0, 0, 342, TG__K_OBJ, TG__F_PTR },
    { "proximity_alert_triggered", offsetof(tg_message, proximity_alert_triggered), 0, 0, 53, TG__K_OBJ, TG__F_PTR },
    { "boost_added", offsetof(tg_message, boost_added), 0, 0, 59, TG__K_OBJ, TG__F_PTR },
    { "chat_background_set", offsetof(tg_message, chat_background_set), 0, 0, 69, TG__K_OBJ, TG__F_PTR },
    { "checklist_tasks_done", offsetof(tg_message, checklist_tasks_done), 0, 0, 48, TG__K_OBJ, TG__F_PTR },
    { "checklist_tasks_added", offsetof(tg_message, checklist_tasks_added), 0, 0, 49, TG__K_OBJ, TG__F_PTR },
    { "direct_message_price_changed", offsetof(tg_message, direct_message_price_changed), 0, 0, 85, TG__K_OBJ, TG__F_PTR },
    { "forum_topic_created", offsetof(tg_message, forum_topic_created), 0, 0, 70, TG__K_OBJ, TG__F_PTR },
    { "forum_topic_edited", offsetof(tg_message, forum_topic_edited), 0, 0, 72, TG__K_OBJ, TG__F_PTR },
    { "forum_topic_closed", offsetof(tg_message, forum_topic_closed), 0, 0, 71, TG__K_OBJ, TG__F_PTR },
    { "forum_topic_reopened", offsetof(tg_message, forum_topic_reopened), 0, 0, 73, TG__K_OBJ, TG__F_PTR },
    { "general_forum_topic_hidden", offsetof(tg_message, general_forum_topic_hidden), 0, 0, 74, TG__K_OBJ, TG__F_PTR },
    { "general_forum_topic_unhidden", offsetof(tg_message, general_forum_topic_unhidden), 0, 0, 75, TG__K_OBJ, TG__F_PTR },
    { "giveaway_created", offsetof(tg_message, giveaway_created), 0, 0, 91, TG__K_OBJ, TG__F_PTR },
    { "giveaway", offsetof(tg_message, giveaway), 0, 0, 92, TG__K_OBJ, TG__F_PTR },
    { "giveaway_winners", offsetof(tg_message, giveaway_winners), 0, 0, 93, TG__K_OBJ, TG__F_PTR },
    { "giveaway_completed", offsetof(tg_message, giveaway_completed), 0, 0, 94, TG__K_OBJ, TG__F_PTR },
    { "managed_bot_created", offsetof(tg_message, managed_bot_created), 0, 0, 55, TG__K_OBJ, TG__F_PTR },
    { "paid_message_price_changed", offsetof(tg_message, paid_message_price_changed), 0, 0, 84, TG__K_OBJ, TG__F_PTR },
    { "poll_option_added", offsetof(tg_message, poll_option_added), 0, 0, 57, TG__K_OBJ, TG__F_PTR },
    { "poll_option_deleted", offsetof(tg_message, poll_option_deleted), 0, 0, 58, TG__K_OBJ, TG__F_PTR },
    { "suggested_post_approved", offsetof(tg_message, suggested_post_approved), 0, 0, 86, TG__K_OBJ, TG__F_PTR },
    { "suggested_post_approval_failed", offsetof(tg_message, suggested_post_approval_failed), 0, 0, 87, TG__K_OBJ, TG__F_PTR },
    { "suggested_post_declined", offsetof(tg_message, suggested_post_declined), 0, 0, 88, TG__K_OBJ, TG__F_PTR },
    { "suggested_post_paid", offsetof(tg_message, suggested_post_paid), 0, 0, 89, TG__K_OBJ, TG__F_PTR },
    { "suggested_post_refunded", offsetof(tg_message, suggested_post_refunded), 0, 0, 90, TG__K_OBJ, TG__F_PTR },
    { "video_chat_scheduled", offsetof(tg_message, video_chat_scheduled), 0, 0, 80, TG__K_OBJ, TG__F_PTR },
    { "video_chat_started", offsetof(tg_message, video_chat_started), 0, 0, 81, TG__K_OBJ, TG__F_PTR },
    { "video_chat_ended", offsetof(tg_message, video_chat_ended), 0, 0, 82, TG__K_OBJ, TG__F_PTR },
    { "video_chat_participants_invited", offsetof(tg_message, video_chat_participants_invited), 0, 0, 83, TG__K_OBJ, TG__F_PTR },
    { "web_app_data", offsetof(tg_message, web_app_data), 0, 0, 52, TG__K_OBJ, TG__F_PTR },
    { "reply_markup", offsetof(tg_message, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_message_id[] = {
    { "message_id", offsetof(tg_message_id, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_inaccessible_message[] = {
    { "chat", offsetof(tg_inaccessible_message, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "message_id", offsetof(tg_inaccessible_message, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "date", offsetof(tg_inaccessible_message, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_message_entity[] = {
    { "type", offsetof(tg_message_entity, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "offset", offsetof(tg_message_entity, offset), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "length", offsetof(tg_message_entity, length), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "url", offsetof(tg_message_entity, url), 0, 0, 0, TG__K_STR, 0 },
    { "user", offsetof(tg_message_entity, user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "language", offsetof(tg_message_entity, language), 0, 0, 0, TG__K_STR, 0 },
    { "custom_emoji_id", offsetof(tg_message_entity, custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "unix_time", offsetof(tg_message_entity, unix_time), offsetof(tg_message_entity, has_unix_time), 0, 0, TG__K_I64, TG__F_HAS },
    { "date_time_format", offsetof(tg_message_entity, date_time_format), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_text_quote[] = {
    { "text", offsetof(tg_text_quote, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "entities", offsetof(tg_text_quote, entities), offsetof(tg_text_quote, entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "position", offsetof(tg_text_quote, position), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_manual", offsetof(tg_text_quote, is_manual), offsetof(tg_text_quote, has_is_manual), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_external_reply_info[] = {
    { "origin", offsetof(tg_external_reply_info, origin), 0, 0, 13, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "chat", offsetof(tg_external_reply_info, chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "message_id", offsetof(tg_external_reply_info, message_id), offsetof(tg_external_reply_info, has_message_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "link_preview_options", offsetof(tg_external_reply_info, link_preview_options), 0, 0, 95, TG__K_OBJ, TG__F_PTR },
    { "animation", offsetof(tg_external_reply_info, animation), 0, 0, 19, TG__K_OBJ, TG__F_PTR },
    { "audio", offsetof(tg_external_reply_info, audio), 0, 0, 20, TG__K_OBJ, TG__F_PTR },
    { "document", offsetof(tg_external_reply_info, document), 0, 0, 21, TG__K_OBJ, TG__F_PTR },
    { "live_photo", offsetof(tg_external_reply_info, live_photo), 0, 0, 22, TG__K_OBJ, TG__F_PTR },
    { "paid_media", offsetof(tg_external_reply_info, paid_media), 0, 0, 28, TG__K_OBJ, TG__F_PTR },
    { "photo", offsetof(tg_external_reply_info, photo), offsetof(tg_external_reply_info, photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
    { "sticker", offsetof(tg_external_reply_info, sticker), 0, 0, 229, TG__K_OBJ, TG__F_PTR },
    { "story", offsetof(tg_external_reply_info, story), 0, 0, 23, TG__K_OBJ, TG__F_PTR },
    { "video", offsetof(tg_external_reply_info, video), 0, 0, 25, TG__K_OBJ, TG__F_PTR },
    { "video_note", offsetof(tg_external_reply_info, video_note), 0, 0, 26, TG__K_OBJ, TG__F_PTR },
    { "voice", offsetof(tg_external_reply_info, voice), 0, 0, 27, TG__K_OBJ, TG__F_PTR },
    { "has_media_spoiler", offsetof(tg_external_reply_info, has_media_spoiler), offsetof(tg_external_reply_info, has_has_media_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "checklist", offsetof(tg_external_reply_info, checklist), 0, 0, 45, TG__K_OBJ, TG__F_PTR },
    { "contact", offsetof(tg_external_reply_info, contact), 0, 0, 34, TG__K_OBJ, TG__F_PTR },
    { "dice", offsetof(tg_external_reply_info, dice), 0, 0, 35, TG__K_OBJ, TG__F_PTR },
    { "game", offsetof(tg_external_reply_info, game), 0, 0, 356, TG__K_OBJ, TG__F_PTR },
    { "giveaway", offsetof(tg_external_reply_info, giveaway), 0, 0, 92, TG__K_OBJ, TG__F_PTR },
    { "giveaway_winners", offsetof(tg_external_reply_info, giveaway_winners), 0, 0, 93, TG__K_OBJ, TG__F_PTR },
    { "invoice", offsetof(tg_external_reply_info, invoice), 0, 0, 318, TG__K_OBJ, TG__F_PTR },
    { "location", offsetof(tg_external_reply_info, location), 0, 0, 50, TG__K_OBJ, TG__F_PTR },
    { "poll", offsetof(tg_external_reply_info, poll), 0, 0, 43, TG__K_OBJ, TG__F_PTR },
    { "venue", offsetof(tg_external_reply_info, venue), 0, 0, 51, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_reply_parameters[] = {
    { "message_id", offsetof(tg_reply_parameters, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "chat_id", offsetof(tg_reply_parameters, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "allow_sending_without_reply", offsetof(tg_reply_parameters, allow_sending_without_reply), offsetof(tg_reply_parameters, has_allow_sending_without_reply), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "quote", offsetof(tg_reply_parameters, quote), 0, 0, 0, TG__K_STR, 0 },
    { "quote_parse_mode", offsetof(tg_reply_parameters, quote_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "quote_entities", offsetof(tg_reply_parameters, quote_entities), offsetof(tg_reply_parameters, quote_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "quote_position", offsetof(tg_reply_parameters, quote_position), offsetof(tg_reply_parameters, has_quote_position), 0, 0, TG__K_I64, TG__F_HAS },
    { "checklist_task_id", offsetof(tg_reply_parameters, checklist_task_id), offsetof(tg_reply_parameters, has_checklist_task_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "poll_option_id", offsetof(tg_reply_parameters, poll_option_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_message_origin_user[] = {
    { "type", offsetof(tg_message_origin_user, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "date", offsetof(tg_message_origin_user, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "sender_user", offsetof(tg_message_origin_user, sender_user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_message_origin_hidden_user[] = {
    { "type", offsetof(tg_message_origin_hidden_user, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "date", offsetof(tg_message_origin_hidden_user, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "sender_user_name", offsetof(tg_message_origin_hidden_user, sender_user_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_message_origin_chat[] = {
    { "type", offsetof(tg_message_origin_chat, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "date", offsetof(tg_message_origin_chat, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "sender_chat", offsetof(tg_message_origin_chat, sender_chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "author_signature", offsetof(tg_message_origin_chat, author_signature), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_message_origin_channel[] = {
    { "type", offsetof(tg_message_origin_channel, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "date", offsetof(tg_message_origin_channel, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "chat", offsetof(tg_message_origin_channel, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "message_id", offsetof(tg_message_origin_channel, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "author_signature", offsetof(tg_message_origin_channel, author_signature), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_photo_size[] = {
    { "file_id", offsetof(tg_photo_size, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_photo_size, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_photo_size, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_photo_size, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "file_size", offsetof(tg_photo_size, file_size), offsetof(tg_photo_size, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_animation[] = {
    { "file_id", offsetof(tg_animation, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_animation, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_animation, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_animation, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "duration", offsetof(tg_animation, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "thumbnail", offsetof(tg_animation, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
    { "file_name", offsetof(tg_animation, file_name), 0, 0, 0, TG__K_STR, 0 },
    { "mime_type", offsetof(tg_animation, mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "file_size", offsetof(tg_animation, file_size), offsetof(tg_animation, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_audio[] = {
    { "file_id", offsetof(tg_audio, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_audio, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "duration", offsetof(tg_audio, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "performer", offsetof(tg_audio, performer), 0, 0, 0, TG__K_STR, 0 },
    { "title", offsetof(tg_audio, title), 0, 0, 0, TG__K_STR, 0 },
    { "file_name", offsetof(tg_audio, file_name), 0, 0, 0, TG__K_STR, 0 },
    { "mime_type", offsetof(tg_audio, mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "file_size", offsetof(tg_audio, file_size), offsetof(tg_audio, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail", offsetof(tg_audio, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_document[] = {
    { "file_id", offsetof(tg_document, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_document, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "thumbnail", offsetof(tg_document, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
    { "file_name", offsetof(tg_document, file_name), 0, 0, 0, TG__K_STR, 0 },
    { "mime_type", offsetof(tg_document, mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "file_size", offsetof(tg_document, file_size), offsetof(tg_document, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_live_photo[] = {
    { "photo", offsetof(tg_live_photo, photo), offsetof(tg_live_photo, photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
    { "file_id", offsetof(tg_live_photo, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_live_photo, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_live_photo, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_live_photo, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "duration", offsetof(tg_live_photo, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "mime_type", offsetof(tg_live_photo, mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "file_size", offsetof(tg_live_photo, file_size), offsetof(tg_live_photo, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_story[] = {
    { "chat", offsetof(tg_story, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "id", offsetof(tg_story, id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_video_quality[] = {
    { "file_id", offsetof(tg_video_quality, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_video_quality, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_video_quality, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_video_quality, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "codec", offsetof(tg_video_quality, codec), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_size", offsetof(tg_video_quality, file_size), offsetof(tg_video_quality, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_video[] = {
    { "file_id", offsetof(tg_video, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_video, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_video, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_video, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "duration", offsetof(tg_video, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "thumbnail", offsetof(tg_video, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
    { "cover", offsetof(tg_video, cover), offsetof(tg_video, cover_count), 0, 18, TG__K_OBJ, TG__F_ARR },
    { "start_timestamp", offsetof(tg_video, start_timestamp), offsetof(tg_video, has_start_timestamp), 0, 0, TG__K_I64, TG__F_HAS },
    { "qualities", offsetof(tg_video, qualities), offsetof(tg_video, qualities_count), 0, 24, TG__K_OBJ, TG__F_ARR },
    { "file_name", offsetof(tg_video, file_name), 0, 0, 0, TG__K_STR, 0 },
    { "mime_type", offsetof(tg_video, mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "file_size", offsetof(tg_video, file_size), offsetof(tg_video, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_video_note[] = {
    { "file_id", offsetof(tg_video_note, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_video_note, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "length", offsetof(tg_video_note, length), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "duration", offsetof(tg_video_note, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "thumbnail", offsetof(tg_video_note, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
    { "file_size", offsetof(tg_video_note, file_size), offsetof(tg_video_note, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_voice[] = {
    { "file_id", offsetof(tg_voice, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_voice, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "duration", offsetof(tg_voice, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "mime_type", offsetof(tg_voice, mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "file_size", offsetof(tg_voice, file_size), offsetof(tg_voice, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_paid_media_info[] = {
    { "star_count", offsetof(tg_paid_media_info, star_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "paid_media", offsetof(tg_paid_media_info, paid_media), offsetof(tg_paid_media_info, paid_media_count), 0, 29, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_paid_media_live_photo[] = {
    { "type", offsetof(tg_paid_media_live_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "live_photo", offsetof(tg_paid_media_live_photo, live_photo), 0, 0, 22, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_paid_media_photo[] = {
    { "type", offsetof(tg_paid_media_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo", offsetof(tg_paid_media_photo, photo), offsetof(tg_paid_media_photo, photo_count), 0, 18, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_paid_media_preview[] = {
    { "type", offsetof(tg_paid_media_preview, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_paid_media_preview, width), offsetof(tg_paid_media_preview, has_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "height", offsetof(tg_paid_media_preview, height), offsetof(tg_paid_media_preview, has_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "duration", offsetof(tg_paid_media_preview, duration), offsetof(tg_paid_media_preview, has_duration), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_paid_media_video[] = {
    { "type", offsetof(tg_paid_media_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "video", offsetof(tg_paid_media_video, video), 0, 0, 25, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_contact[] = {
    { "phone_number", offsetof(tg_contact, phone_number), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "first_name", offsetof(tg_contact, first_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_name", offsetof(tg_contact, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "user_id", offsetof(tg_contact, user_id), offsetof(tg_contact, has_user_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "vcard", offsetof(tg_contact, vcard), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_dice[] = {
    { "emoji", offsetof(tg_dice, emoji), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "value", offsetof(tg_dice, value), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_link[] = {
    { "url", offsetof(tg_link, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_poll_media[] = {
    { "animation", offsetof(tg_poll_media, animation), 0, 0, 19, TG__K_OBJ, TG__F_PTR },
    { "audio", offsetof(tg_poll_media, audio), 0, 0, 20, TG__K_OBJ, TG__F_PTR },
    { "document", offsetof(tg_poll_media, document), 0, 0, 21, TG__K_OBJ, TG__F_PTR },
    { "link", offsetof(tg_poll_media, link), 0, 0, 36, TG__K_OBJ, TG__F_PTR },
    { "live_photo", offsetof(tg_poll_media, live_photo), 0, 0, 22, TG__K_OBJ, TG__F_PTR },
    { "location", offsetof(tg_poll_media, location), 0, 0, 50, TG__K_OBJ, TG__F_PTR },
    { "photo", offsetof(tg_poll_media, photo), offsetof(tg_poll_media, photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
    { "sticker", offsetof(tg_poll_media, sticker), 0, 0, 229, TG__K_OBJ, TG__F_PTR },
    { "venue", offsetof(tg_poll_media, venue), 0, 0, 51, TG__K_OBJ, TG__F_PTR },
    { "video", offsetof(tg_poll_media, video), 0, 0, 25, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_poll_option[] = {
    { "persistent_id", offsetof(tg_poll_option, persistent_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_poll_option, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text_entities", offsetof(tg_poll_option, text_entities), offsetof(tg_poll_option, text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "media", offsetof(tg_poll_option, media), 0, 0, 37, TG__K_OBJ, TG__F_PTR },
    { "voter_count", offsetof(tg_poll_option, voter_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "added_by_user", offsetof(tg_poll_option, added_by_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "added_by_chat", offsetof(tg_poll_option, added_by_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "addition_date", offsetof(tg_poll_option, addition_date), offsetof(tg_poll_option, has_addition_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_input_poll_option[] = {
    { "text", offsetof(tg_input_poll_option, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text_parse_mode", offsetof(tg_input_poll_option, text_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "text_entities", offsetof(tg_input_poll_option, text_entities), offsetof(tg_input_poll_option, text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "media", offsetof(tg_input_poll_option, media), 0, 0, 39, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_poll_answer[] = {
    { "poll_id", offsetof(tg_poll_answer, poll_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "voter_chat", offsetof(tg_poll_answer, voter_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "user", offsetof(tg_poll_answer, user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "option_ids", offsetof(tg_poll_answer, option_ids), offsetof(tg_poll_answer, option_ids_count), 0, 0, TG__K_I64, TG__F_REQ|TG__F_ARR },
    { "option_persistent_ids", offsetof(tg_poll_answer, option_persistent_ids), offsetof(tg_poll_answer, option_persistent_ids_count), 0, 0, TG__K_STR, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_poll[] = {
    { "id", offsetof(tg_poll, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "question", offsetof(tg_poll, question), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "question_entities", offsetof(tg_poll, question_entities), offsetof(tg_poll, question_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "options", offsetof(tg_poll, options), offsetof(tg_poll, options_count), 0, 40, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "total_voter_count", offsetof(tg_poll, total_voter_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_closed", offsetof(tg_poll, is_closed), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "is_anonymous", offsetof(tg_poll, is_anonymous), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "type", offsetof(tg_poll, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "allows_multiple_answers", offsetof(tg_poll, allows_multiple_answers), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "allows_revoting", offsetof(tg_poll, allows_revoting), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "members_only", offsetof(tg_poll, members_only), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "country_codes", offsetof(tg_poll, country_codes), offsetof(tg_poll, country_codes_count), 0, 0, TG__K_STR, TG__F_ARR },
    { "correct_option_ids", offsetof(tg_poll, correct_option_ids), offsetof(tg_poll, correct_option_ids_count), 0, 0, TG__K_I64, TG__F_ARR },
    { "explanation", offsetof(tg_poll, explanation), 0, 0, 0, TG__K_STR, 0 },
    { "explanation_entities", offsetof(tg_poll, explanation_entities), offsetof(tg_poll, explanation_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "explanation_media", offsetof(tg_poll, explanation_media), 0, 0, 37, TG__K_OBJ, TG__F_PTR },
    { "open_period", offsetof(tg_poll, open_period), offsetof(tg_poll, has_open_period), 0, 0, TG__K_I64, TG__F_HAS },
    { "close_date", offsetof(tg_poll, close_date), offsetof(tg_poll, has_close_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "description", offsetof(tg_poll, description), 0, 0, 0, TG__K_STR, 0 },
    { "description_entities", offsetof(tg_poll, description_entities), offsetof(tg_poll, description_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "media", offsetof(tg_poll, media), 0, 0, 37, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_checklist_task[] = {
    { "id", offsetof(tg_checklist_task, id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text", offsetof(tg_checklist_task, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text_entities", offsetof(tg_checklist_task, text_entities), offsetof(tg_checklist_task, text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "completed_by_user", offsetof(tg_checklist_task, completed_by_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "completed_by_chat", offsetof(tg_checklist_task, completed_by_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "completion_date", offsetof(tg_checklist_task, completion_date), offsetof(tg_checklist_task, has_completion_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_checklist[] = {
    { "title", offsetof(tg_checklist, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title_entities", offsetof(tg_checklist, title_entities), offsetof(tg_checklist, title_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "tasks", offsetof(tg_checklist, tasks), offsetof(tg_checklist, tasks_count), 0, 44, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "others_can_add_tasks", offsetof(tg_checklist, others_can_add_tasks), offsetof(tg_checklist, has_others_can_add_tasks), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "others_can_mark_tasks_as_done", offsetof(tg_checklist, others_can_mark_tasks_as_done), offsetof(tg_checklist, has_others_can_mark_tasks_as_done), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_checklist_task[] = {
    { "id", offsetof(tg_input_checklist_task, id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text", offsetof(tg_input_checklist_task, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "parse_mode", offsetof(tg_input_checklist_task, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "text_entities", offsetof(tg_input_checklist_task, text_entities), offsetof(tg_input_checklist_task, text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
};
static const tg__field tg__f_input_checklist[] = {
    { "title", offsetof(tg_input_checklist, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "parse_mode", offsetof(tg_input_checklist, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "title_entities", offsetof(tg_input_checklist, title_entities), offsetof(tg_input_checklist, title_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "tasks", offsetof(tg_input_checklist, tasks), offsetof(tg_input_checklist, tasks_count), 0, 46, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "others_can_add_tasks", offsetof(tg_input_checklist, others_can_add_tasks), offsetof(tg_input_checklist, has_others_can_add_tasks), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "others_can_mark_tasks_as_done", offsetof(tg_input_checklist, others_can_mark_tasks_as_done), offsetof(tg_input_checklist, has_others_can_mark_tasks_as_done), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_checklist_tasks_done[] = {
    { "checklist_message", offsetof(tg_checklist_tasks_done, checklist_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "marked_as_done_task_ids", offsetof(tg_checklist_tasks_done, marked_as_done_task_ids), offsetof(tg_checklist_tasks_done, marked_as_done_task_ids_count), 0, 0, TG__K_I64, TG__F_ARR },
    { "marked_as_not_done_task_ids", offsetof(tg_checklist_tasks_done, marked_as_not_done_task_ids), offsetof(tg_checklist_tasks_done, marked_as_not_done_task_ids_count), 0, 0, TG__K_I64, TG__F_ARR },
};
static const tg__field tg__f_checklist_tasks_added[] = {
    { "checklist_message", offsetof(tg_checklist_tasks_added, checklist_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "tasks", offsetof(tg_checklist_tasks_added, tasks), offsetof(tg_checklist_tasks_added, tasks_count), 0, 44, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_location[] = {
    { "latitude", offsetof(tg_location, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_location, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "horizontal_accuracy", offsetof(tg_location, horizontal_accuracy), offsetof(tg_location, has_horizontal_accuracy), 0, 0, TG__K_F64, TG__F_HAS },
    { "live_period", offsetof(tg_location, live_period), offsetof(tg_location, has_live_period), 0, 0, TG__K_I64, TG__F_HAS },
    { "heading", offsetof(tg_location, heading), offsetof(tg_location, has_heading), 0, 0, TG__K_I64, TG__F_HAS },
    { "proximity_alert_radius", offsetof(tg_location, proximity_alert_radius), offsetof(tg_location, has_proximity_alert_radius), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_venue[] = {
    { "location", offsetof(tg_venue, location), 0, 0, 50, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "title", offsetof(tg_venue, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "address", offsetof(tg_venue, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "foursquare_id", offsetof(tg_venue, foursquare_id), 0, 0, 0, TG__K_STR, 0 },
    { "foursquare_type", offsetof(tg_venue, foursquare_type), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_id", offsetof(tg_venue, google_place_id), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_type", offsetof(tg_venue, google_place_type), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_web_app_data[] = {
    { "data", offsetof(tg_web_app_data, data), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "button_text", offsetof(tg_web_app_data, button_text), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_proximity_alert_triggered[] = {
    { "traveler", offsetof(tg_proximity_alert_triggered, traveler), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "watcher", offsetof(tg_proximity_alert_triggered, watcher), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "distance", offsetof(tg_proximity_alert_triggered, distance), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_message_auto_delete_timer_changed[] = {
    { "message_auto_delete_time", offsetof(tg_message_auto_delete_timer_changed, message_auto_delete_time), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_managed_bot_created[] = {
    { "bot", offsetof(tg_managed_bot_created, bot), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_managed_bot_updated[] = {
    { "user", offsetof(tg_managed_bot_updated, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "bot", offsetof(tg_managed_bot_updated, bot), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_poll_option_added[] = {
    { "poll_message", offsetof(tg_poll_option_added, poll_message), 0, 0, 8, TG__K_OBJ, TG__F_PTR },
    { "option_persistent_id", offsetof(tg_poll_option_added, option_persistent_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "option_text", offsetof(tg_poll_option_added, option_text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "option_text_entities", offsetof(tg_poll_option_added, option_text_entities), offsetof(tg_poll_option_added, option_text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
};
static const tg__field tg__f_poll_option_deleted[] = {
    { "poll_message", offsetof(tg_poll_option_deleted, poll_message), 0, 0, 8, TG__K_OBJ, TG__F_PTR },
    { "option_persistent_id", offsetof(tg_poll_option_deleted, option_persistent_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "option_text", offsetof(tg_poll_option_deleted, option_text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "option_text_entities", offsetof(tg_poll_option_deleted, option_text_entities), offsetof(tg_poll_option_deleted, option_text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
};
static const tg__field tg__f_chat_boost_added[] = {
    { "boost_count", offsetof(tg_chat_boost_added, boost_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_background_fill_solid[] = {
    { "type", offsetof(tg_background_fill_solid, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "color", offsetof(tg_background_fill_solid, color), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_background_fill_gradient[] = {
    { "type", offsetof(tg_background_fill_gradient, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "top_color", offsetof(tg_background_fill_gradient, top_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "bottom_color", offsetof(tg_background_fill_gradient, bottom_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "rotation_angle", offsetof(tg_background_fill_gradient, rotation_angle), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_background_fill_freeform_gradient[] = {
    { "type", offsetof(tg_background_fill_freeform_gradient, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "colors", offsetof(tg_background_fill_freeform_gradient, colors), offsetof(tg_background_fill_freeform_gradient, colors_count), 0, 0, TG__K_I64, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_background_type_fill[] = {
    { "type", offsetof(tg_background_type_fill, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "fill", offsetof(tg_background_type_fill, fill), 0, 0, 60, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "dark_theme_dimming", offsetof(tg_background_type_fill, dark_theme_dimming), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_background_type_wallpaper[] = {
    { "type", offsetof(tg_background_type_wallpaper, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "document", offsetof(tg_background_type_wallpaper, document), 0, 0, 21, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "dark_theme_dimming", offsetof(tg_background_type_wallpaper, dark_theme_dimming), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_blurred", offsetof(tg_background_type_wallpaper, is_blurred), offsetof(tg_background_type_wallpaper, has_is_blurred), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_moving", offsetof(tg_background_type_wallpaper, is_moving), offsetof(tg_background_type_wallpaper, has_is_moving), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_background_type_pattern[] = {
    { "type", offsetof(tg_background_type_pattern, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "document", offsetof(tg_background_type_pattern, document), 0, 0, 21, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "fill", offsetof(tg_background_type_pattern, fill), 0, 0, 60, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "intensity", offsetof(tg_background_type_pattern, intensity), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_inverted", offsetof(tg_background_type_pattern, is_inverted), offsetof(tg_background_type_pattern, has_is_inverted), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_moving", offsetof(tg_background_type_pattern, is_moving), offsetof(tg_background_type_pattern, has_is_moving), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_background_type_chat_theme[] = {
    { "type", offsetof(tg_background_type_chat_theme, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "theme_name", offsetof(tg_background_type_chat_theme, theme_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_chat_background[] = {
    { "type", offsetof(tg_chat_background, type), 0, 0, 64, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_forum_topic_created[] = {
    { "name", offsetof(tg_forum_topic_created, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "icon_color", offsetof(tg_forum_topic_created, icon_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "icon_custom_emoji_id", offsetof(tg_forum_topic_created, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "is_name_implicit", offsetof(tg_forum_topic_created, is_name_implicit), offsetof(tg_forum_topic_created, has_is_name_implicit), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_forum_topic_edited[] = {
    { "name", offsetof(tg_forum_topic_edited, name), 0, 0, 0, TG__K_STR, 0 },
    { "icon_custom_emoji_id", offsetof(tg_forum_topic_edited, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_shared_user[] = {
    { "user_id", offsetof(tg_shared_user, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "first_name", offsetof(tg_shared_user, first_name), 0, 0, 0, TG__K_STR, 0 },
    { "last_name", offsetof(tg_shared_user, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "username", offsetof(tg_shared_user, username), 0, 0, 0, TG__K_STR, 0 },
    { "photo", offsetof(tg_shared_user, photo), offsetof(tg_shared_user, photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
};
static const tg__field tg__f_users_shared[] = {
    { "request_id", offsetof(tg_users_shared, request_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "users", offsetof(tg_users_shared, users), offsetof(tg_users_shared, users_count), 0, 76, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_chat_shared[] = {
    { "request_id", offsetof(tg_chat_shared, request_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "chat_id", offsetof(tg_chat_shared, chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "title", offsetof(tg_chat_shared, title), 0, 0, 0, TG__K_STR, 0 },
    { "username", offsetof(tg_chat_shared, username), 0, 0, 0, TG__K_STR, 0 },
    { "photo", offsetof(tg_chat_shared, photo), offsetof(tg_chat_shared, photo_count), 0, 18, TG__K_OBJ, TG__F_ARR },
};
static const tg__field tg__f_write_access_allowed[] = {
    { "from_request", offsetof(tg_write_access_allowed, from_request), offsetof(tg_write_access_allowed, has_from_request), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "web_app_name", offsetof(tg_write_access_allowed, web_app_name), 0, 0, 0, TG__K_STR, 0 },
    { "from_attachment_menu", offsetof(tg_write_access_allowed, from_attachment_menu), offsetof(tg_write_access_allowed, has_from_attachment_menu), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_video_chat_scheduled[] = {
    { "start_date", offsetof(tg_video_chat_scheduled, start_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_video_chat_ended[] = {
    { "duration", offsetof(tg_video_chat_ended, duration), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_video_chat_participants_invited[] = {
    { "users", offsetof(tg_video_chat_participants_invited, users), offsetof(tg_video_chat_participants_invited, users_count), 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_paid_message_price_changed[] = {
    { "paid_message_star_count", offsetof(tg_paid_message_price_changed, paid_message_star_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_direct_message_price_changed[] = {
    { "are_direct_messages_enabled", offsetof(tg_direct_message_price_changed, are_direct_messages_enabled), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "direct_message_star_count", offsetof(tg_direct_message_price_changed, direct_message_star_count), offsetof(tg_direct_message_price_changed, has_direct_message_star_count), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_suggested_post_approved[] = {
    { "suggested_post_message", offsetof(tg_suggested_post_approved, suggested_post_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "price", offsetof(tg_suggested_post_approved, price), 0, 0, 96, TG__K_OBJ, TG__F_PTR },
    { "send_date", offsetof(tg_suggested_post_approved, send_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_suggested_post_approval_failed[] = {
    { "suggested_post_message", offsetof(tg_suggested_post_approval_failed, suggested_post_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "price", offsetof(tg_suggested_post_approval_failed, price), 0, 0, 96, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_suggested_post_declined[] = {
    { "suggested_post_message", offsetof(tg_suggested_post_declined, suggested_post_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "comment", offsetof(tg_suggested_post_declined, comment), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_suggested_post_paid[] = {
    { "suggested_post_message", offsetof(tg_suggested_post_paid, suggested_post_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "currency", offsetof(tg_suggested_post_paid, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "amount", offsetof(tg_suggested_post_paid, amount), offsetof(tg_suggested_post_paid, has_amount), 0, 0, TG__K_I64, TG__F_HAS },
    { "star_amount", offsetof(tg_suggested_post_paid, star_amount), 0, 0, 172, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_suggested_post_refunded[] = {
    { "suggested_post_message", offsetof(tg_suggested_post_refunded, suggested_post_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "reason", offsetof(tg_suggested_post_refunded, reason), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_giveaway_created[] = {
    { "prize_star_count", offsetof(tg_giveaway_created, prize_star_count), offsetof(tg_giveaway_created, has_prize_star_count), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_giveaway[] = {
    { "chats", offsetof(tg_giveaway, chats), offsetof(tg_giveaway, chats_count), 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "winners_selection_date", offsetof(tg_giveaway, winners_selection_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "winner_count", offsetof(tg_giveaway, winner_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "only_new_members", offsetof(tg_giveaway, only_new_members), offsetof(tg_giveaway, has_only_new_members), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_public_winners", offsetof(tg_giveaway, has_public_winners), offsetof(tg_giveaway, has_has_public_winners), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "prize_description", offsetof(tg_giveaway, prize_description), 0, 0, 0, TG__K_STR, 0 },
    { "country_codes", offsetof(tg_giveaway, country_codes), offsetof(tg_giveaway, country_codes_count), 0, 0, TG__K_STR, TG__F_ARR },
    { "prize_star_count", offsetof(tg_giveaway, prize_star_count), offsetof(tg_giveaway, has_prize_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "premium_subscription_month_count", offsetof(tg_giveaway, premium_subscription_month_count), offsetof(tg_giveaway, has_premium_subscription_month_count), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_giveaway_winners[] = {
    { "chat", offsetof(tg_giveaway_winners, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "giveaway_message_id", offsetof(tg_giveaway_winners, giveaway_message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "winners_selection_date", offsetof(tg_giveaway_winners, winners_selection_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "winner_count", offsetof(tg_giveaway_winners, winner_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "winners", offsetof(tg_giveaway_winners, winners), offsetof(tg_giveaway_winners, winners_count), 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "additional_chat_count", offsetof(tg_giveaway_winners, additional_chat_count), offsetof(tg_giveaway_winners, has_additional_chat_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "prize_star_count", offsetof(tg_giveaway_winners, prize_star_count), offsetof(tg_giveaway_winners, has_prize_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "premium_subscription_month_count", offsetof(tg_giveaway_winners, premium_subscription_month_count), offsetof(tg_giveaway_winners, has_premium_subscription_month_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "unclaimed_prize_count", offsetof(tg_giveaway_winners, unclaimed_prize_count), offsetof(tg_giveaway_winners, has_unclaimed_prize_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "only_new_members", offsetof(tg_giveaway_winners, only_new_members), offsetof(tg_giveaway_winners, has_only_new_members), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "was_refunded", offsetof(tg_giveaway_winners, was_refunded), offsetof(tg_giveaway_winners, has_was_refunded), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "prize_description", offsetof(tg_giveaway_winners, prize_description), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_giveaway_completed[] = {
    { "winner_count", offsetof(tg_giveaway_completed, winner_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "unclaimed_prize_count", offsetof(tg_giveaway_completed, unclaimed_prize_count), offsetof(tg_giveaway_completed, has_unclaimed_prize_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "giveaway_message", offsetof(tg_giveaway_completed, giveaway_message), 0, 0, 5, TG__K_OBJ, TG__F_PTR },
    { "is_star_giveaway", offsetof(tg_giveaway_completed, is_star_giveaway), offsetof(tg_giveaway_completed, has_is_star_giveaway), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_link_preview_options[] = {
    { "is_disabled", offsetof(tg_link_preview_options, is_disabled), offsetof(tg_link_preview_options, has_is_disabled), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "url", offsetof(tg_link_preview_options, url), 0, 0, 0, TG__K_STR, 0 },
    { "prefer_small_media", offsetof(tg_link_preview_options, prefer_small_media), offsetof(tg_link_preview_options, has_prefer_small_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "prefer_large_media", offsetof(tg_link_preview_options, prefer_large_media), offsetof(tg_link_preview_options, has_prefer_large_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "show_above_text", offsetof(tg_link_preview_options, show_above_text), offsetof(tg_link_preview_options, has_show_above_text), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_suggested_post_price[] = {
    { "currency", offsetof(tg_suggested_post_price, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "amount", offsetof(tg_suggested_post_price, amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_suggested_post_info[] = {
    { "state", offsetof(tg_suggested_post_info, state), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "price", offsetof(tg_suggested_post_info, price), 0, 0, 96, TG__K_OBJ, TG__F_PTR },
    { "send_date", offsetof(tg_suggested_post_info, send_date), offsetof(tg_suggested_post_info, has_send_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_suggested_post_parameters[] = {
    { "price", offsetof(tg_suggested_post_parameters, price), 0, 0, 96, TG__K_OBJ, TG__F_PTR },
    { "send_date", offsetof(tg_suggested_post_parameters, send_date), offsetof(tg_suggested_post_parameters, has_send_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_direct_messages_topic[] = {
    { "topic_id", offsetof(tg_direct_messages_topic, topic_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "user", offsetof(tg_direct_messages_topic, user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_user_profile_photos[] = {
    { "total_count", offsetof(tg_user_profile_photos, total_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "photos", offsetof(tg_user_profile_photos, photos), offsetof(tg_user_profile_photos, photos_count), 0, 18, TG__K_OBJ, TG__F_REQ|TG__F_ARR2 },
};
static const tg__field tg__f_user_profile_audios[] = {
    { "total_count", offsetof(tg_user_profile_audios, total_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "audios", offsetof(tg_user_profile_audios, audios), offsetof(tg_user_profile_audios, audios_count), 0, 20, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_file[] = {
    { "file_id", offsetof(tg_file, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_file, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_size", offsetof(tg_file, file_size), offsetof(tg_file, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
    { "file_path", offsetof(tg_file, file_path), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_web_app_info[] = {
    { "url", offsetof(tg_web_app_info, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_reply_keyboard_markup[] = {
    { "keyboard", offsetof(tg_reply_keyboard_markup, keyboard), offsetof(tg_reply_keyboard_markup, keyboard_count), 0, 105, TG__K_OBJ, TG__F_REQ|TG__F_ARR2 },
    { "is_persistent", offsetof(tg_reply_keyboard_markup, is_persistent), offsetof(tg_reply_keyboard_markup, has_is_persistent), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "resize_keyboard", offsetof(tg_reply_keyboard_markup, resize_keyboard), offsetof(tg_reply_keyboard_markup, has_resize_keyboard), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "one_time_keyboard", offsetof(tg_reply_keyboard_markup, one_time_keyboard), offsetof(tg_reply_keyboard_markup, has_one_time_keyboard), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "input_field_placeholder", offsetof(tg_reply_keyboard_markup, input_field_placeholder), 0, 0, 0, TG__K_STR, 0 },
    { "selective", offsetof(tg_reply_keyboard_markup, selective), offsetof(tg_reply_keyboard_markup, has_selective), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_keyboard_button[] = {
    { "text", offsetof(tg_keyboard_button, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "icon_custom_emoji_id", offsetof(tg_keyboard_button, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "style", offsetof(tg_keyboard_button, style), 0, 0, 0, TG__K_STR, 0 },
    { "request_users", offsetof(tg_keyboard_button, request_users), 0, 0, 106, TG__K_OBJ, TG__F_PTR },
    { "request_chat", offsetof(tg_keyboard_button, request_chat), 0, 0, 107, TG__K_OBJ, TG__F_PTR },
    { "request_managed_bot", offsetof(tg_keyboard_button, request_managed_bot), 0, 0, 108, TG__K_OBJ, TG__F_PTR },
    { "request_contact", offsetof(tg_keyboard_button, request_contact), offsetof(tg_keyboard_button, has_request_contact), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_location", offsetof(tg_keyboard_button, request_location), offsetof(tg_keyboard_button, has_request_location), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_poll", offsetof(tg_keyboard_button, request_poll), 0, 0, 109, TG__K_OBJ, TG__F_PTR },
    { "web_app", offsetof(tg_keyboard_button, web_app), 0, 0, 103, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_keyboard_button_request_users[] = {
    { "request_id", offsetof(tg_keyboard_button_request_users, request_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "user_is_bot", offsetof(tg_keyboard_button_request_users, user_is_bot), offsetof(tg_keyboard_button_request_users, has_user_is_bot), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "user_is_premium", offsetof(tg_keyboard_button_request_users, user_is_premium), offsetof(tg_keyboard_button_request_users, has_user_is_premium), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "max_quantity", offsetof(tg_keyboard_button_request_users, max_quantity), offsetof(tg_keyboard_button_request_users, has_max_quantity), 0, 0, TG__K_I64, TG__F_HAS },
    { "request_name", offsetof(tg_keyboard_button_request_users, request_name), offsetof(tg_keyboard_button_request_users, has_request_name), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_username", offsetof(tg_keyboard_button_request_users, request_username), offsetof(tg_keyboard_button_request_users, has_request_username), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_photo", offsetof(tg_keyboard_button_request_users, request_photo), offsetof(tg_keyboard_button_request_users, has_request_photo), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_keyboard_button_request_chat[] = {
    { "request_id", offsetof(tg_keyboard_button_request_chat, request_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "chat_is_channel", offsetof(tg_keyboard_button_request_chat, chat_is_channel), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "chat_is_forum", offsetof(tg_keyboard_button_request_chat, chat_is_forum), offsetof(tg_keyboard_button_request_chat, has_chat_is_forum), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "chat_has_username", offsetof(tg_keyboard_button_request_chat, chat_has_username), offsetof(tg_keyboard_button_request_chat, has_chat_has_username), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "chat_is_created", offsetof(tg_keyboard_button_request_chat, chat_is_created), offsetof(tg_keyboard_button_request_chat, has_chat_is_created), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "user_administrator_rights", offsetof(tg_keyboard_button_request_chat, user_administrator_rights), 0, 0, 120, TG__K_OBJ, TG__F_PTR },
    { "bot_administrator_rights", offsetof(tg_keyboard_button_request_chat, bot_administrator_rights), 0, 0, 120, TG__K_OBJ, TG__F_PTR },
    { "bot_is_member", offsetof(tg_keyboard_button_request_chat, bot_is_member), offsetof(tg_keyboard_button_request_chat, has_bot_is_member), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_title", offsetof(tg_keyboard_button_request_chat, request_title), offsetof(tg_keyboard_button_request_chat, has_request_title), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_username", offsetof(tg_keyboard_button_request_chat, request_username), offsetof(tg_keyboard_button_request_chat, has_request_username), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "request_photo", offsetof(tg_keyboard_button_request_chat, request_photo), offsetof(tg_keyboard_button_request_chat, has_request_photo), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_keyboard_button_request_managed_bot[] = {
    { "request_id", offsetof(tg_keyboard_button_request_managed_bot, request_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "suggested_name", offsetof(tg_keyboard_button_request_managed_bot, suggested_name), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_username", offsetof(tg_keyboard_button_request_managed_bot, suggested_username), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_keyboard_button_poll_type[] = {
    { "type", offsetof(tg_keyboard_button_poll_type, type), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_reply_keyboard_remove[] = {
    { "remove_keyboard", offsetof(tg_reply_keyboard_remove, remove_keyboard), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "selective", offsetof(tg_reply_keyboard_remove, selective), offsetof(tg_reply_keyboard_remove, has_selective), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_inline_keyboard_markup[] = {
    { "inline_keyboard", offsetof(tg_inline_keyboard_markup, inline_keyboard), offsetof(tg_inline_keyboard_markup, inline_keyboard_count), 0, 112, TG__K_OBJ, TG__F_REQ|TG__F_ARR2 },
};
static const tg__field tg__f_inline_keyboard_button[] = {
    { "text", offsetof(tg_inline_keyboard_button, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "icon_custom_emoji_id", offsetof(tg_inline_keyboard_button, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "style", offsetof(tg_inline_keyboard_button, style), 0, 0, 0, TG__K_STR, 0 },
    { "url", offsetof(tg_inline_keyboard_button, url), 0, 0, 0, TG__K_STR, 0 },
    { "callback_data", offsetof(tg_inline_keyboard_button, callback_data), 0, 0, 0, TG__K_STR, 0 },
    { "web_app", offsetof(tg_inline_keyboard_button, web_app), 0, 0, 103, TG__K_OBJ, TG__F_PTR },
    { "login_url", offsetof(tg_inline_keyboard_button, login_url), 0, 0, 113, TG__K_OBJ, TG__F_PTR },
    { "switch_inline_query", offsetof(tg_inline_keyboard_button, switch_inline_query), 0, 0, 0, TG__K_STR, 0 },
    { "switch_inline_query_current_chat", offsetof(tg_inline_keyboard_button, switch_inline_query_current_chat), 0, 0, 0, TG__K_STR, 0 },
    { "switch_inline_query_chosen_chat", offsetof(tg_inline_keyboard_button, switch_inline_query_chosen_chat), 0, 0, 114, TG__K_OBJ, TG__F_PTR },
    { "copy_text", offsetof(tg_inline_keyboard_button, copy_text), 0, 0, 115, TG__K_OBJ, TG__F_PTR },
    { "callback_game", offsetof(tg_inline_keyboard_button, callback_game), 0, 0, 357, TG__K_OBJ, TG__F_PTR },
    { "pay", offsetof(tg_inline_keyboard_button, pay), offsetof(tg_inline_keyboard_button, has_pay), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_login_url[] = {
    { "url", offsetof(tg_login_url, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "forward_text", offsetof(tg_login_url, forward_text), 0, 0, 0, TG__K_STR, 0 },
    { "bot_username", offsetof(tg_login_url, bot_username), 0, 0, 0, TG__K_STR, 0 },
    { "request_write_access", offsetof(tg_login_url, request_write_access), offsetof(tg_login_url, has_request_write_access), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_switch_inline_query_chosen_chat[] = {
    { "query", offsetof(tg_switch_inline_query_chosen_chat, query), 0, 0, 0, TG__K_STR, 0 },
    { "allow_user_chats", offsetof(tg_switch_inline_query_chosen_chat, allow_user_chats), offsetof(tg_switch_inline_query_chosen_chat, has_allow_user_chats), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "allow_bot_chats", offsetof(tg_switch_inline_query_chosen_chat, allow_bot_chats), offsetof(tg_switch_inline_query_chosen_chat, has_allow_bot_chats), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "allow_group_chats", offsetof(tg_switch_inline_query_chosen_chat, allow_group_chats), offsetof(tg_switch_inline_query_chosen_chat, has_allow_group_chats), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "allow_channel_chats", offsetof(tg_switch_inline_query_chosen_chat, allow_channel_chats), offsetof(tg_switch_inline_query_chosen_chat, has_allow_channel_chats), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_copy_text_button[] = {
    { "text", offsetof(tg_copy_text_button, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_callback_query[] = {
    { "id", offsetof(tg_callback_query, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "from", offsetof(tg_callback_query, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "message", offsetof(tg_callback_query, message), 0, 0, 8, TG__K_OBJ, TG__F_PTR },
    { "inline_message_id", offsetof(tg_callback_query, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_instance", offsetof(tg_callback_query, chat_instance), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "data", offsetof(tg_callback_query, data), 0, 0, 0, TG__K_STR, 0 },
    { "game_short_name", offsetof(tg_callback_query, game_short_name), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_force_reply[] = {
    { "force_reply", offsetof(tg_force_reply, force_reply), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "input_field_placeholder", offsetof(tg_force_reply, input_field_placeholder), 0, 0, 0, TG__K_STR, 0 },
    { "selective", offsetof(tg_force_reply, selective), offsetof(tg_force_reply, has_selective), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chat_photo[] = {
    { "small_file_id", offsetof(tg_chat_photo, small_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "small_file_unique_id", offsetof(tg_chat_photo, small_file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "big_file_id", offsetof(tg_chat_photo, big_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "big_file_unique_id", offsetof(tg_chat_photo, big_file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_chat_invite_link[] = {
    { "invite_link", offsetof(tg_chat_invite_link, invite_link), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "creator", offsetof(tg_chat_invite_link, creator), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "creates_join_request", offsetof(tg_chat_invite_link, creates_join_request), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "is_primary", offsetof(tg_chat_invite_link, is_primary), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "is_revoked", offsetof(tg_chat_invite_link, is_revoked), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "name", offsetof(tg_chat_invite_link, name), 0, 0, 0, TG__K_STR, 0 },
    { "expire_date", offsetof(tg_chat_invite_link, expire_date), offsetof(tg_chat_invite_link, has_expire_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "member_limit", offsetof(tg_chat_invite_link, member_limit), offsetof(tg_chat_invite_link, has_member_limit), 0, 0, TG__K_I64, TG__F_HAS },
    { "pending_join_request_count", offsetof(tg_chat_invite_link, pending_join_request_count), offsetof(tg_chat_invite_link, has_pending_join_request_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "subscription_period", offsetof(tg_chat_invite_link, subscription_period), offsetof(tg_chat_invite_link, has_subscription_period), 0, 0, TG__K_I64, TG__F_HAS },
    { "subscription_price", offsetof(tg_chat_invite_link, subscription_price), offsetof(tg_chat_invite_link, has_subscription_price), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_chat_administrator_rights[] = {
    { "is_anonymous", offsetof(tg_chat_administrator_rights, is_anonymous), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_manage_chat", offsetof(tg_chat_administrator_rights, can_manage_chat), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_delete_messages", offsetof(tg_chat_administrator_rights, can_delete_messages), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_manage_video_chats", offsetof(tg_chat_administrator_rights, can_manage_video_chats), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_restrict_members", offsetof(tg_chat_administrator_rights, can_restrict_members), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_promote_members", offsetof(tg_chat_administrator_rights, can_promote_members), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_change_info", offsetof(tg_chat_administrator_rights, can_change_info), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_invite_users", offsetof(tg_chat_administrator_rights, can_invite_users), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_post_stories", offsetof(tg_chat_administrator_rights, can_post_stories), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_edit_stories", offsetof(tg_chat_administrator_rights, can_edit_stories), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_delete_stories", offsetof(tg_chat_administrator_rights, can_delete_stories), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_post_messages", offsetof(tg_chat_administrator_rights, can_post_messages), offsetof(tg_chat_administrator_rights, has_can_post_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_messages", offsetof(tg_chat_administrator_rights, can_edit_messages), offsetof(tg_chat_administrator_rights, has_can_edit_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_pin_messages", offsetof(tg_chat_administrator_rights, can_pin_messages), offsetof(tg_chat_administrator_rights, has_can_pin_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_topics", offsetof(tg_chat_administrator_rights, can_manage_topics), offsetof(tg_chat_administrator_rights, has_can_manage_topics), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_direct_messages", offsetof(tg_chat_administrator_rights, can_manage_direct_messages), offsetof(tg_chat_administrator_rights, has_can_manage_direct_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_tags", offsetof(tg_chat_administrator_rights, can_manage_tags), offsetof(tg_chat_administrator_rights, has_can_manage_tags), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chat_member_updated[] = {
    { "chat", offsetof(tg_chat_member_updated, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "from", offsetof(tg_chat_member_updated, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "date", offsetof(tg_chat_member_updated, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "old_chat_member", offsetof(tg_chat_member_updated, old_chat_member), 0, 0, 122, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "new_chat_member", offsetof(tg_chat_member_updated, new_chat_member), 0, 0, 122, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "invite_link", offsetof(tg_chat_member_updated, invite_link), 0, 0, 119, TG__K_OBJ, TG__F_PTR },
    { "via_join_request", offsetof(tg_chat_member_updated, via_join_request), offsetof(tg_chat_member_updated, has_via_join_request), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "via_chat_folder_invite_link", offsetof(tg_chat_member_updated, via_chat_folder_invite_link), offsetof(tg_chat_member_updated, has_via_chat_folder_invite_link), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chat_member_owner[] = {
    { "status", offsetof(tg_chat_member_owner, status), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_chat_member_owner, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "is_anonymous", offsetof(tg_chat_member_owner, is_anonymous), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "custom_title", offsetof(tg_chat_member_owner, custom_title), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_chat_member_administrator[] = {
    { "status", offsetof(tg_chat_member_administrator, status), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_chat_member_administrator, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "can_be_edited", offsetof(tg_chat_member_administrator, can_be_edited), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "is_anonymous", offsetof(tg_chat_member_administrator, is_anonymous), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_manage_chat", offsetof(tg_chat_member_administrator, can_manage_chat), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_delete_messages", offsetof(tg_chat_member_administrator, can_delete_messages), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_manage_video_chats", offsetof(tg_chat_member_administrator, can_manage_video_chats), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_restrict_members", offsetof(tg_chat_member_administrator, can_restrict_members), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_promote_members", offsetof(tg_chat_member_administrator, can_promote_members), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_change_info", offsetof(tg_chat_member_administrator, can_change_info), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_invite_users", offsetof(tg_chat_member_administrator, can_invite_users), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_post_stories", offsetof(tg_chat_member_administrator, can_post_stories), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_edit_stories", offsetof(tg_chat_member_administrator, can_edit_stories), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_delete_stories", offsetof(tg_chat_member_administrator, can_delete_stories), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_post_messages", offsetof(tg_chat_member_administrator, can_post_messages), offsetof(tg_chat_member_administrator, has_can_post_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_messages", offsetof(tg_chat_member_administrator, can_edit_messages), offsetof(tg_chat_member_administrator, has_can_edit_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_pin_messages", offsetof(tg_chat_member_administrator, can_pin_messages), offsetof(tg_chat_member_administrator, has_can_pin_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_topics", offsetof(tg_chat_member_administrator, can_manage_topics), offsetof(tg_chat_member_administrator, has_can_manage_topics), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_direct_messages", offsetof(tg_chat_member_administrator, can_manage_direct_messages), offsetof(tg_chat_member_administrator, has_can_manage_direct_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_tags", offsetof(tg_chat_member_administrator, can_manage_tags), offsetof(tg_chat_member_administrator, has_can_manage_tags), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "custom_title", offsetof(tg_chat_member_administrator, custom_title), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_chat_member_member[] = {
    { "status", offsetof(tg_chat_member_member, status), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "tag", offsetof(tg_chat_member_member, tag), 0, 0, 0, TG__K_STR, 0 },
    { "user", offsetof(tg_chat_member_member, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "until_date", offsetof(tg_chat_member_member, until_date), offsetof(tg_chat_member_member, has_until_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_chat_member_restricted[] = {
    { "status", offsetof(tg_chat_member_restricted, status), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "tag", offsetof(tg_chat_member_restricted, tag), 0, 0, 0, TG__K_STR, 0 },
    { "user", offsetof(tg_chat_member_restricted, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "is_member", offsetof(tg_chat_member_restricted, is_member), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_messages", offsetof(tg_chat_member_restricted, can_send_messages), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_audios", offsetof(tg_chat_member_restricted, can_send_audios), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_documents", offsetof(tg_chat_member_restricted, can_send_documents), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_photos", offsetof(tg_chat_member_restricted, can_send_photos), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_videos", offsetof(tg_chat_member_restricted, can_send_videos), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_video_notes", offsetof(tg_chat_member_restricted, can_send_video_notes), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_voice_notes", offsetof(tg_chat_member_restricted, can_send_voice_notes), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_polls", offsetof(tg_chat_member_restricted, can_send_polls), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_send_other_messages", offsetof(tg_chat_member_restricted, can_send_other_messages), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_add_web_page_previews", offsetof(tg_chat_member_restricted, can_add_web_page_previews), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_react_to_messages", offsetof(tg_chat_member_restricted, can_react_to_messages), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_edit_tag", offsetof(tg_chat_member_restricted, can_edit_tag), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_change_info", offsetof(tg_chat_member_restricted, can_change_info), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_invite_users", offsetof(tg_chat_member_restricted, can_invite_users), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_pin_messages", offsetof(tg_chat_member_restricted, can_pin_messages), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "can_manage_topics", offsetof(tg_chat_member_restricted, can_manage_topics), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "until_date", offsetof(tg_chat_member_restricted, until_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_chat_member_left[] = {
    { "status", offsetof(tg_chat_member_left, status), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_chat_member_left, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_member_banned[] = {
    { "status", offsetof(tg_chat_member_banned, status), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_chat_member_banned, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "until_date", offsetof(tg_chat_member_banned, until_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_chat_join_request[] = {
    { "chat", offsetof(tg_chat_join_request, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "from", offsetof(tg_chat_join_request, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "user_chat_id", offsetof(tg_chat_join_request, user_chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "date", offsetof(tg_chat_join_request, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "bio", offsetof(tg_chat_join_request, bio), 0, 0, 0, TG__K_STR, 0 },
    { "invite_link", offsetof(tg_chat_join_request, invite_link), 0, 0, 119, TG__K_OBJ, TG__F_PTR },
    { "query_id", offsetof(tg_chat_join_request, query_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_chat_permissions[] = {
    { "can_send_messages", offsetof(tg_chat_permissions, can_send_messages), offsetof(tg_chat_permissions, has_can_send_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_audios", offsetof(tg_chat_permissions, can_send_audios), offsetof(tg_chat_permissions, has_can_send_audios), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_documents", offsetof(tg_chat_permissions, can_send_documents), offsetof(tg_chat_permissions, has_can_send_documents), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_photos", offsetof(tg_chat_permissions, can_send_photos), offsetof(tg_chat_permissions, has_can_send_photos), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_videos", offsetof(tg_chat_permissions, can_send_videos), offsetof(tg_chat_permissions, has_can_send_videos), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_video_notes", offsetof(tg_chat_permissions, can_send_video_notes), offsetof(tg_chat_permissions, has_can_send_video_notes), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_voice_notes", offsetof(tg_chat_permissions, can_send_voice_notes), offsetof(tg_chat_permissions, has_can_send_voice_notes), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_polls", offsetof(tg_chat_permissions, can_send_polls), offsetof(tg_chat_permissions, has_can_send_polls), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_send_other_messages", offsetof(tg_chat_permissions, can_send_other_messages), offsetof(tg_chat_permissions, has_can_send_other_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_add_web_page_previews", offsetof(tg_chat_permissions, can_add_web_page_previews), offsetof(tg_chat_permissions, has_can_add_web_page_previews), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_react_to_messages", offsetof(tg_chat_permissions, can_react_to_messages), offsetof(tg_chat_permissions, has_can_react_to_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_tag", offsetof(tg_chat_permissions, can_edit_tag), offsetof(tg_chat_permissions, has_can_edit_tag), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_change_info", offsetof(tg_chat_permissions, can_change_info), offsetof(tg_chat_permissions, has_can_change_info), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_invite_users", offsetof(tg_chat_permissions, can_invite_users), offsetof(tg_chat_permissions, has_can_invite_users), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_pin_messages", offsetof(tg_chat_permissions, can_pin_messages), offsetof(tg_chat_permissions, has_can_pin_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_topics", offsetof(tg_chat_permissions, can_manage_topics), offsetof(tg_chat_permissions, has_can_manage_topics), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_birthdate[] = {
    { "day", offsetof(tg_birthdate, day), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "month", offsetof(tg_birthdate, month), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "year", offsetof(tg_birthdate, year), offsetof(tg_birthdate, has_year), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_business_intro[] = {
    { "title", offsetof(tg_business_intro, title), 0, 0, 0, TG__K_STR, 0 },
    { "message", offsetof(tg_business_intro, message), 0, 0, 0, TG__K_STR, 0 },
    { "sticker", offsetof(tg_business_intro, sticker), 0, 0, 229, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_business_location[] = {
    { "address", offsetof(tg_business_location, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "location", offsetof(tg_business_location, location), 0, 0, 50, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_business_opening_hours_interval[] = {
    { "opening_minute", offsetof(tg_business_opening_hours_interval, opening_minute), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "closing_minute", offsetof(tg_business_opening_hours_interval, closing_minute), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_business_opening_hours[] = {
    { "time_zone_name", offsetof(tg_business_opening_hours, time_zone_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "opening_hours", offsetof(tg_business_opening_hours, opening_hours), offsetof(tg_business_opening_hours, opening_hours_count), 0, 134, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_user_rating[] = {
    { "level", offsetof(tg_user_rating, level), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "rating", offsetof(tg_user_rating, rating), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "current_level_rating", offsetof(tg_user_rating, current_level_rating), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "next_level_rating", offsetof(tg_user_rating, next_level_rating), offsetof(tg_user_rating, has_next_level_rating), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_story_area_position[] = {
    { "x_percentage", offsetof(tg_story_area_position, x_percentage), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "y_percentage", offsetof(tg_story_area_position, y_percentage), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "width_percentage", offsetof(tg_story_area_position, width_percentage), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "height_percentage", offsetof(tg_story_area_position, height_percentage), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "rotation_angle", offsetof(tg_story_area_position, rotation_angle), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "corner_radius_percentage", offsetof(tg_story_area_position, corner_radius_percentage), 0, 0, 0, TG__K_F64, TG__F_REQ },
};
static const tg__field tg__f_location_address[] = {
    { "country_code", offsetof(tg_location_address, country_code), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "state", offsetof(tg_location_address, state), 0, 0, 0, TG__K_STR, 0 },
    { "city", offsetof(tg_location_address, city), 0, 0, 0, TG__K_STR, 0 },
    { "street", offsetof(tg_location_address, street), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_story_area_type_location[] = {
    { "type", offsetof(tg_story_area_type_location, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "latitude", offsetof(tg_story_area_type_location, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_story_area_type_location, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "address", offsetof(tg_story_area_type_location, address), 0, 0, 138, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_story_area_type_suggested_reaction[] = {
    { "type", offsetof(tg_story_area_type_suggested_reaction, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "reaction_type", offsetof(tg_story_area_type_suggested_reaction, reaction_type), 0, 0, 147, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "is_dark", offsetof(tg_story_area_type_suggested_reaction, is_dark), offsetof(tg_story_area_type_suggested_reaction, has_is_dark), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_flipped", offsetof(tg_story_area_type_suggested_reaction, is_flipped), offsetof(tg_story_area_type_suggested_reaction, has_is_flipped), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_story_area_type_link[] = {
    { "type", offsetof(tg_story_area_type_link, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "url", offsetof(tg_story_area_type_link, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_story_area_type_weather[] = {
    { "type", offsetof(tg_story_area_type_weather, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "temperature", offsetof(tg_story_area_type_weather, temperature), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "emoji", offsetof(tg_story_area_type_weather, emoji), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "background_color", offsetof(tg_story_area_type_weather, background_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_story_area_type_unique_gift[] = {
    { "type", offsetof(tg_story_area_type_unique_gift, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "name", offsetof(tg_story_area_type_unique_gift, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_story_area[] = {
    { "position", offsetof(tg_story_area, position), 0, 0, 137, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "type", offsetof(tg_story_area, type), 0, 0, 139, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_location[] = {
    { "location", offsetof(tg_chat_location, location), 0, 0, 50, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "address", offsetof(tg_chat_location, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_reaction_type_emoji[] = {
    { "type", offsetof(tg_reaction_type_emoji, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "emoji", offsetof(tg_reaction_type_emoji, emoji), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_reaction_type_custom_emoji[] = {
    { "type", offsetof(tg_reaction_type_custom_emoji, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "custom_emoji_id", offsetof(tg_reaction_type_custom_emoji, custom_emoji_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_reaction_type_paid[] = {
    { "type", offsetof(tg_reaction_type_paid, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_reaction_count[] = {
    { "type", offsetof(tg_reaction_count, type), 0, 0, 147, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "total_count", offsetof(tg_reaction_count, total_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_message_reaction_updated[] = {
    { "chat", offsetof(tg_message_reaction_updated, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "message_id", offsetof(tg_message_reaction_updated, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "user", offsetof(tg_message_reaction_updated, user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "actor_chat", offsetof(tg_message_reaction_updated, actor_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "date", offsetof(tg_message_reaction_updated, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "old_reaction", offsetof(tg_message_reaction_updated, old_reaction), offsetof(tg_message_reaction_updated, old_reaction_count), 0, 147, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "new_reaction", offsetof(tg_message_reaction_updated, new_reaction), offsetof(tg_message_reaction_updated, new_reaction_count), 0, 147, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_message_reaction_count_updated[] = {
    { "chat", offsetof(tg_message_reaction_count_updated, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "message_id", offsetof(tg_message_reaction_count_updated, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "date", offsetof(tg_message_reaction_count_updated, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "reactions", offsetof(tg_message_reaction_count_updated, reactions), offsetof(tg_message_reaction_count_updated, reactions_count), 0, 151, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_forum_topic[] = {
    { "message_thread_id", offsetof(tg_forum_topic, message_thread_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "name", offsetof(tg_forum_topic, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "icon_color", offsetof(tg_forum_topic, icon_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "icon_custom_emoji_id", offsetof(tg_forum_topic, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "is_name_implicit", offsetof(tg_forum_topic, is_name_implicit), offsetof(tg_forum_topic, has_is_name_implicit), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_gift_background[] = {
    { "center_color", offsetof(tg_gift_background, center_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "edge_color", offsetof(tg_gift_background, edge_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text_color", offsetof(tg_gift_background, text_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_gift[] = {
    { "id", offsetof(tg_gift, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker", offsetof(tg_gift, sticker), 0, 0, 229, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "star_count", offsetof(tg_gift, star_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "upgrade_star_count", offsetof(tg_gift, upgrade_star_count), offsetof(tg_gift, has_upgrade_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "is_premium", offsetof(tg_gift, is_premium), offsetof(tg_gift, has_is_premium), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_colors", offsetof(tg_gift, has_colors), offsetof(tg_gift, has_has_colors), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "total_count", offsetof(tg_gift, total_count), offsetof(tg_gift, has_total_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "remaining_count", offsetof(tg_gift, remaining_count), offsetof(tg_gift, has_remaining_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "personal_total_count", offsetof(tg_gift, personal_total_count), offsetof(tg_gift, has_personal_total_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "personal_remaining_count", offsetof(tg_gift, personal_remaining_count), offsetof(tg_gift, has_personal_remaining_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "background", offsetof(tg_gift, background), 0, 0, 155, TG__K_OBJ, TG__F_PTR },
    { "unique_gift_variant_count", offsetof(tg_gift, unique_gift_variant_count), offsetof(tg_gift, has_unique_gift_variant_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "publisher_chat", offsetof(tg_gift, publisher_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_gifts[] = {
    { "gifts", offsetof(tg_gifts, gifts), offsetof(tg_gifts, gifts_count), 0, 156, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_unique_gift_model[] = {
    { "name", offsetof(tg_unique_gift_model, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker", offsetof(tg_unique_gift_model, sticker), 0, 0, 229, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "rarity_per_mille", offsetof(tg_unique_gift_model, rarity_per_mille), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "rarity", offsetof(tg_unique_gift_model, rarity), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_unique_gift_symbol[] = {
    { "name", offsetof(tg_unique_gift_symbol, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker", offsetof(tg_unique_gift_symbol, sticker), 0, 0, 229, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "rarity_per_mille", offsetof(tg_unique_gift_symbol, rarity_per_mille), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_unique_gift_backdrop_colors[] = {
    { "center_color", offsetof(tg_unique_gift_backdrop_colors, center_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "edge_color", offsetof(tg_unique_gift_backdrop_colors, edge_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "symbol_color", offsetof(tg_unique_gift_backdrop_colors, symbol_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text_color", offsetof(tg_unique_gift_backdrop_colors, text_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_unique_gift_backdrop[] = {
    { "name", offsetof(tg_unique_gift_backdrop, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "colors", offsetof(tg_unique_gift_backdrop, colors), 0, 0, 160, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "rarity_per_mille", offsetof(tg_unique_gift_backdrop, rarity_per_mille), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_unique_gift_colors[] = {
    { "model_custom_emoji_id", offsetof(tg_unique_gift_colors, model_custom_emoji_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "symbol_custom_emoji_id", offsetof(tg_unique_gift_colors, symbol_custom_emoji_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "light_theme_main_color", offsetof(tg_unique_gift_colors, light_theme_main_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "light_theme_other_colors", offsetof(tg_unique_gift_colors, light_theme_other_colors), offsetof(tg_unique_gift_colors, light_theme_other_colors_count), 0, 0, TG__K_I64, TG__F_REQ|TG__F_ARR },
    { "dark_theme_main_color", offsetof(tg_unique_gift_colors, dark_theme_main_color), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "dark_theme_other_colors", offsetof(tg_unique_gift_colors, dark_theme_other_colors), offsetof(tg_unique_gift_colors, dark_theme_other_colors_count), 0, 0, TG__K_I64, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_unique_gift[] = {
    { "gift_id", offsetof(tg_unique_gift, gift_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "base_name", offsetof(tg_unique_gift, base_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "name", offsetof(tg_unique_gift, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "number", offsetof(tg_unique_gift, number), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "model", offsetof(tg_unique_gift, model), 0, 0, 158, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "symbol", offsetof(tg_unique_gift, symbol), 0, 0, 159, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "backdrop", offsetof(tg_unique_gift, backdrop), 0, 0, 161, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "is_premium", offsetof(tg_unique_gift, is_premium), offsetof(tg_unique_gift, has_is_premium), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_burned", offsetof(tg_unique_gift, is_burned), offsetof(tg_unique_gift, has_is_burned), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_from_blockchain", offsetof(tg_unique_gift, is_from_blockchain), offsetof(tg_unique_gift, has_is_from_blockchain), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "colors", offsetof(tg_unique_gift, colors), 0, 0, 162, TG__K_OBJ, TG__F_PTR },
    { "publisher_chat", offsetof(tg_unique_gift, publisher_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_gift_info[] = {
    { "gift", offsetof(tg_gift_info, gift), 0, 0, 156, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "owned_gift_id", offsetof(tg_gift_info, owned_gift_id), 0, 0, 0, TG__K_STR, 0 },
    { "convert_star_count", offsetof(tg_gift_info, convert_star_count), offsetof(tg_gift_info, has_convert_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "prepaid_upgrade_star_count", offsetof(tg_gift_info, prepaid_upgrade_star_count), offsetof(tg_gift_info, has_prepaid_upgrade_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "is_upgrade_separate", offsetof(tg_gift_info, is_upgrade_separate), offsetof(tg_gift_info, has_is_upgrade_separate), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_be_upgraded", offsetof(tg_gift_info, can_be_upgraded), offsetof(tg_gift_info, has_can_be_upgraded), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "text", offsetof(tg_gift_info, text), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_gift_info, entities), offsetof(tg_gift_info, entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "is_private", offsetof(tg_gift_info, is_private), offsetof(tg_gift_info, has_is_private), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "unique_gift_number", offsetof(tg_gift_info, unique_gift_number), offsetof(tg_gift_info, has_unique_gift_number), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_unique_gift_info[] = {
    { "gift", offsetof(tg_unique_gift_info, gift), 0, 0, 163, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "origin", offsetof(tg_unique_gift_info, origin), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_resale_currency", offsetof(tg_unique_gift_info, last_resale_currency), 0, 0, 0, TG__K_STR, 0 },
    { "last_resale_amount", offsetof(tg_unique_gift_info, last_resale_amount), offsetof(tg_unique_gift_info, has_last_resale_amount), 0, 0, TG__K_I64, TG__F_HAS },
    { "owned_gift_id", offsetof(tg_unique_gift_info, owned_gift_id), 0, 0, 0, TG__K_STR, 0 },
    { "transfer_star_count", offsetof(tg_unique_gift_info, transfer_star_count), offsetof(tg_unique_gift_info, has_transfer_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "next_transfer_date", offsetof(tg_unique_gift_info, next_transfer_date), offsetof(tg_unique_gift_info, has_next_transfer_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_owned_gift_regular[] = {
    { "type", offsetof(tg_owned_gift_regular, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "gift", offsetof(tg_owned_gift_regular, gift), 0, 0, 156, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "owned_gift_id", offsetof(tg_owned_gift_regular, owned_gift_id), 0, 0, 0, TG__K_STR, 0 },
    { "sender_user", offsetof(tg_owned_gift_regular, sender_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "send_date", offsetof(tg_owned_gift_regular, send_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text", offsetof(tg_owned_gift_regular, text), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_owned_gift_regular, entities), offsetof(tg_owned_gift_regular, entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "is_private", offsetof(tg_owned_gift_regular, is_private), offsetof(tg_owned_gift_regular, has_is_private), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_saved", offsetof(tg_owned_gift_regular, is_saved), offsetof(tg_owned_gift_regular, has_is_saved), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_be_upgraded", offsetof(tg_owned_gift_regular, can_be_upgraded), offsetof(tg_owned_gift_regular, has_can_be_upgraded), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "was_refunded", offsetof(tg_owned_gift_regular, was_refunded), offsetof(tg_owned_gift_regular, has_was_refunded), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "convert_star_count", offsetof(tg_owned_gift_regular, convert_star_count), offsetof(tg_owned_gift_regular, has_convert_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "prepaid_upgrade_star_count", offsetof(tg_owned_gift_regular, prepaid_upgrade_star_count), offsetof(tg_owned_gift_regular, has_prepaid_upgrade_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "is_upgrade_separate", offsetof(tg_owned_gift_regular, is_upgrade_separate), offsetof(tg_owned_gift_regular, has_is_upgrade_separate), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "unique_gift_number", offsetof(tg_owned_gift_regular, unique_gift_number), offsetof(tg_owned_gift_regular, has_unique_gift_number), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_owned_gift_unique[] = {
    { "type", offsetof(tg_owned_gift_unique, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "gift", offsetof(tg_owned_gift_unique, gift), 0, 0, 163, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "owned_gift_id", offsetof(tg_owned_gift_unique, owned_gift_id), 0, 0, 0, TG__K_STR, 0 },
    { "sender_user", offsetof(tg_owned_gift_unique, sender_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "send_date", offsetof(tg_owned_gift_unique, send_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_saved", offsetof(tg_owned_gift_unique, is_saved), offsetof(tg_owned_gift_unique, has_is_saved), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_be_transferred", offsetof(tg_owned_gift_unique, can_be_transferred), offsetof(tg_owned_gift_unique, has_can_be_transferred), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "transfer_star_count", offsetof(tg_owned_gift_unique, transfer_star_count), offsetof(tg_owned_gift_unique, has_transfer_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "next_transfer_date", offsetof(tg_owned_gift_unique, next_transfer_date), offsetof(tg_owned_gift_unique, has_next_transfer_date), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_owned_gifts[] = {
    { "total_count", offsetof(tg_owned_gifts, total_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "gifts", offsetof(tg_owned_gifts, gifts), offsetof(tg_owned_gifts, gifts_count), 0, 166, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "next_offset", offsetof(tg_owned_gifts, next_offset), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_bot_access_settings[] = {
    { "is_access_restricted", offsetof(tg_bot_access_settings, is_access_restricted), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "added_users", offsetof(tg_bot_access_settings, added_users), offsetof(tg_bot_access_settings, added_users_count), 0, 2, TG__K_OBJ, TG__F_ARR },
};
static const tg__field tg__f_accepted_gift_types[] = {
    { "unlimited_gifts", offsetof(tg_accepted_gift_types, unlimited_gifts), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "limited_gifts", offsetof(tg_accepted_gift_types, limited_gifts), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "unique_gifts", offsetof(tg_accepted_gift_types, unique_gifts), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "premium_subscription", offsetof(tg_accepted_gift_types, premium_subscription), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "gifts_from_channels", offsetof(tg_accepted_gift_types, gifts_from_channels), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
};
static const tg__field tg__f_star_amount[] = {
    { "amount", offsetof(tg_star_amount, amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "nanostar_amount", offsetof(tg_star_amount, nanostar_amount), offsetof(tg_star_amount, has_nanostar_amount), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_bot_command[] = {
    { "command", offsetof(tg_bot_command, command), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_bot_command, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_default[] = {
    { "type", offsetof(tg_bot_command_scope_default, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_all_private_chats[] = {
    { "type", offsetof(tg_bot_command_scope_all_private_chats, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_all_group_chats[] = {
    { "type", offsetof(tg_bot_command_scope_all_group_chats, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_all_chat_administrators[] = {
    { "type", offsetof(tg_bot_command_scope_all_chat_administrators, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_chat[] = {
    { "type", offsetof(tg_bot_command_scope_chat, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_id", offsetof(tg_bot_command_scope_chat, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_chat_administrators[] = {
    { "type", offsetof(tg_bot_command_scope_chat_administrators, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_id", offsetof(tg_bot_command_scope_chat_administrators, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__f_bot_command_scope_chat_member[] = {
    { "type", offsetof(tg_bot_command_scope_chat_member, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_id", offsetof(tg_bot_command_scope_chat_member, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_bot_command_scope_chat_member, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_bot_name[] = {
    { "name", offsetof(tg_bot_name, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_description[] = {
    { "description", offsetof(tg_bot_description, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_bot_short_description[] = {
    { "short_description", offsetof(tg_bot_short_description, short_description), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_menu_button_commands[] = {
    { "type", offsetof(tg_menu_button_commands, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_menu_button_web_app[] = {
    { "type", offsetof(tg_menu_button_web_app, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_menu_button_web_app, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "web_app", offsetof(tg_menu_button_web_app, web_app), 0, 0, 103, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_menu_button_default[] = {
    { "type", offsetof(tg_menu_button_default, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_chat_boost_source_premium[] = {
    { "source", offsetof(tg_chat_boost_source_premium, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_chat_boost_source_premium, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_boost_source_gift_code[] = {
    { "source", offsetof(tg_chat_boost_source_gift_code, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_chat_boost_source_gift_code, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_boost_source_giveaway[] = {
    { "source", offsetof(tg_chat_boost_source_giveaway, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "giveaway_message_id", offsetof(tg_chat_boost_source_giveaway, giveaway_message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "user", offsetof(tg_chat_boost_source_giveaway, user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "prize_star_count", offsetof(tg_chat_boost_source_giveaway, prize_star_count), offsetof(tg_chat_boost_source_giveaway, has_prize_star_count), 0, 0, TG__K_I64, TG__F_HAS },
    { "is_unclaimed", offsetof(tg_chat_boost_source_giveaway, is_unclaimed), offsetof(tg_chat_boost_source_giveaway, has_is_unclaimed), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chat_boost[] = {
    { "boost_id", offsetof(tg_chat_boost, boost_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "add_date", offsetof(tg_chat_boost, add_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "expiration_date", offsetof(tg_chat_boost, expiration_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "source", offsetof(tg_chat_boost, source), 0, 0, 189, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_boost_updated[] = {
    { "chat", offsetof(tg_chat_boost_updated, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "boost", offsetof(tg_chat_boost_updated, boost), 0, 0, 193, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_boost_removed[] = {
    { "chat", offsetof(tg_chat_boost_removed, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "boost_id", offsetof(tg_chat_boost_removed, boost_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "remove_date", offsetof(tg_chat_boost_removed, remove_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "source", offsetof(tg_chat_boost_removed, source), 0, 0, 189, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_chat_owner_left[] = {
    { "new_owner", offsetof(tg_chat_owner_left, new_owner), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_chat_owner_changed[] = {
    { "new_owner", offsetof(tg_chat_owner_changed, new_owner), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_user_chat_boosts[] = {
    { "boosts", offsetof(tg_user_chat_boosts, boosts), offsetof(tg_user_chat_boosts, boosts_count), 0, 193, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_business_bot_rights[] = {
    { "can_reply", offsetof(tg_business_bot_rights, can_reply), offsetof(tg_business_bot_rights, has_can_reply), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_read_messages", offsetof(tg_business_bot_rights, can_read_messages), offsetof(tg_business_bot_rights, has_can_read_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_delete_sent_messages", offsetof(tg_business_bot_rights, can_delete_sent_messages), offsetof(tg_business_bot_rights, has_can_delete_sent_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_delete_all_messages", offsetof(tg_business_bot_rights, can_delete_all_messages), offsetof(tg_business_bot_rights, has_can_delete_all_messages), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_name", offsetof(tg_business_bot_rights, can_edit_name), offsetof(tg_business_bot_rights, has_can_edit_name), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_bio", offsetof(tg_business_bot_rights, can_edit_bio), offsetof(tg_business_bot_rights, has_can_edit_bio), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_profile_photo", offsetof(tg_business_bot_rights, can_edit_profile_photo), offsetof(tg_business_bot_rights, has_can_edit_profile_photo), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_edit_username", offsetof(tg_business_bot_rights, can_edit_username), offsetof(tg_business_bot_rights, has_can_edit_username), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_change_gift_settings", offsetof(tg_business_bot_rights, can_change_gift_settings), offsetof(tg_business_bot_rights, has_can_change_gift_settings), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_view_gifts_and_stars", offsetof(tg_business_bot_rights, can_view_gifts_and_stars), offsetof(tg_business_bot_rights, has_can_view_gifts_and_stars), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_convert_gifts_to_stars", offsetof(tg_business_bot_rights, can_convert_gifts_to_stars), offsetof(tg_business_bot_rights, has_can_convert_gifts_to_stars), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_transfer_and_upgrade_gifts", offsetof(tg_business_bot_rights, can_transfer_and_upgrade_gifts), offsetof(tg_business_bot_rights, has_can_transfer_and_upgrade_gifts), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_transfer_stars", offsetof(tg_business_bot_rights, can_transfer_stars), offsetof(tg_business_bot_rights, has_can_transfer_stars), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "can_manage_stories", offsetof(tg_business_bot_rights, can_manage_stories), offsetof(tg_business_bot_rights, has_can_manage_stories), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_business_connection[] = {
    { "id", offsetof(tg_business_connection, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_business_connection, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "user_chat_id", offsetof(tg_business_connection, user_chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "date", offsetof(tg_business_connection, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "rights", offsetof(tg_business_connection, rights), 0, 0, 199, TG__K_OBJ, TG__F_PTR },
    { "is_enabled", offsetof(tg_business_connection, is_enabled), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
};
static const tg__field tg__f_business_messages_deleted[] = {
    { "business_connection_id", offsetof(tg_business_messages_deleted, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat", offsetof(tg_business_messages_deleted, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "message_ids", offsetof(tg_business_messages_deleted, message_ids), offsetof(tg_business_messages_deleted, message_ids_count), 0, 0, TG__K_I64, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_sent_web_app_message[] = {
    { "inline_message_id", offsetof(tg_sent_web_app_message, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_sent_guest_message[] = {
    { "inline_message_id", offsetof(tg_sent_guest_message, inline_message_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_prepared_inline_message[] = {
    { "id", offsetof(tg_prepared_inline_message, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "expiration_date", offsetof(tg_prepared_inline_message, expiration_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_prepared_keyboard_button[] = {
    { "id", offsetof(tg_prepared_keyboard_button, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_response_parameters[] = {
    { "migrate_to_chat_id", offsetof(tg_response_parameters, migrate_to_chat_id), offsetof(tg_response_parameters, has_migrate_to_chat_id), 0, 0, TG__K_I64, TG__F_HAS },
    { "retry_after", offsetof(tg_response_parameters, retry_after), offsetof(tg_response_parameters, has_retry_after), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_input_media_animation[] = {
    { "type", offsetof(tg_input_media_animation, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_animation, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "thumbnail", offsetof(tg_input_media_animation, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "caption", offsetof(tg_input_media_animation, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_input_media_animation, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_input_media_animation, caption_entities), offsetof(tg_input_media_animation, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_input_media_animation, show_caption_above_media), offsetof(tg_input_media_animation, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "width", offsetof(tg_input_media_animation, width), offsetof(tg_input_media_animation, has_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "height", offsetof(tg_input_media_animation, height), offsetof(tg_input_media_animation, has_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "duration", offsetof(tg_input_media_animation, duration), offsetof(tg_input_media_animation, has_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "has_spoiler", offsetof(tg_input_media_animation, has_spoiler), offsetof(tg_input_media_animation, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_media_audio[] = {
    { "type", offsetof(tg_input_media_audio, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_audio, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "thumbnail", offsetof(tg_input_media_audio, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "caption", offsetof(tg_input_media_audio, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_input_media_audio, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_input_media_audio, caption_entities), offsetof(tg_input_media_audio, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "duration", offsetof(tg_input_media_audio, duration), offsetof(tg_input_media_audio, has_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "performer", offsetof(tg_input_media_audio, performer), 0, 0, 0, TG__K_STR, 0 },
    { "title", offsetof(tg_input_media_audio, title), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_input_media_document[] = {
    { "type", offsetof(tg_input_media_document, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_document, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "thumbnail", offsetof(tg_input_media_document, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "caption", offsetof(tg_input_media_document, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_input_media_document, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_input_media_document, caption_entities), offsetof(tg_input_media_document, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "disable_content_type_detection", offsetof(tg_input_media_document, disable_content_type_detection), offsetof(tg_input_media_document, has_disable_content_type_detection), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_media_link[] = {
    { "type", offsetof(tg_input_media_link, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "url", offsetof(tg_input_media_link, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_input_media_live_photo[] = {
    { "type", offsetof(tg_input_media_live_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_live_photo, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "photo", offsetof(tg_input_media_live_photo, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "caption", offsetof(tg_input_media_live_photo, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_input_media_live_photo, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_input_media_live_photo, caption_entities), offsetof(tg_input_media_live_photo, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_input_media_live_photo, show_caption_above_media), offsetof(tg_input_media_live_photo, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_spoiler", offsetof(tg_input_media_live_photo, has_spoiler), offsetof(tg_input_media_live_photo, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_media_location[] = {
    { "type", offsetof(tg_input_media_location, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "latitude", offsetof(tg_input_media_location, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_input_media_location, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "horizontal_accuracy", offsetof(tg_input_media_location, horizontal_accuracy), offsetof(tg_input_media_location, has_horizontal_accuracy), 0, 0, TG__K_F64, TG__F_HAS },
};
static const tg__field tg__f_input_media_photo[] = {
    { "type", offsetof(tg_input_media_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_photo, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "caption", offsetof(tg_input_media_photo, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_input_media_photo, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_input_media_photo, caption_entities), offsetof(tg_input_media_photo, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_input_media_photo, show_caption_above_media), offsetof(tg_input_media_photo, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_spoiler", offsetof(tg_input_media_photo, has_spoiler), offsetof(tg_input_media_photo, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_media_sticker[] = {
    { "type", offsetof(tg_input_media_sticker, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_sticker, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "emoji", offsetof(tg_input_media_sticker, emoji), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_input_media_venue[] = {
    { "type", offsetof(tg_input_media_venue, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "latitude", offsetof(tg_input_media_venue, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_input_media_venue, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "title", offsetof(tg_input_media_venue, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "address", offsetof(tg_input_media_venue, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "foursquare_id", offsetof(tg_input_media_venue, foursquare_id), 0, 0, 0, TG__K_STR, 0 },
    { "foursquare_type", offsetof(tg_input_media_venue, foursquare_type), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_id", offsetof(tg_input_media_venue, google_place_id), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_type", offsetof(tg_input_media_venue, google_place_type), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_input_media_video[] = {
    { "type", offsetof(tg_input_media_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_media_video, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "thumbnail", offsetof(tg_input_media_video, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "cover", offsetof(tg_input_media_video, cover), 0, 0, 0, TG__K_FILE, 0 },
    { "start_timestamp", offsetof(tg_input_media_video, start_timestamp), offsetof(tg_input_media_video, has_start_timestamp), 0, 0, TG__K_I64, TG__F_HAS },
    { "caption", offsetof(tg_input_media_video, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_input_media_video, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_input_media_video, caption_entities), offsetof(tg_input_media_video, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_input_media_video, show_caption_above_media), offsetof(tg_input_media_video, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "width", offsetof(tg_input_media_video, width), offsetof(tg_input_media_video, has_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "height", offsetof(tg_input_media_video, height), offsetof(tg_input_media_video, has_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "duration", offsetof(tg_input_media_video, duration), offsetof(tg_input_media_video, has_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "supports_streaming", offsetof(tg_input_media_video, supports_streaming), offsetof(tg_input_media_video, has_supports_streaming), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "has_spoiler", offsetof(tg_input_media_video, has_spoiler), offsetof(tg_input_media_video, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_paid_media_live_photo[] = {
    { "type", offsetof(tg_input_paid_media_live_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_paid_media_live_photo, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "photo", offsetof(tg_input_paid_media_live_photo, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
};
static const tg__field tg__f_input_paid_media_photo[] = {
    { "type", offsetof(tg_input_paid_media_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_paid_media_photo, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
};
static const tg__field tg__f_input_paid_media_video[] = {
    { "type", offsetof(tg_input_paid_media_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "media", offsetof(tg_input_paid_media_video, media), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "thumbnail", offsetof(tg_input_paid_media_video, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "cover", offsetof(tg_input_paid_media_video, cover), 0, 0, 0, TG__K_FILE, 0 },
    { "start_timestamp", offsetof(tg_input_paid_media_video, start_timestamp), offsetof(tg_input_paid_media_video, has_start_timestamp), 0, 0, TG__K_I64, TG__F_HAS },
    { "width", offsetof(tg_input_paid_media_video, width), offsetof(tg_input_paid_media_video, has_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "height", offsetof(tg_input_paid_media_video, height), offsetof(tg_input_paid_media_video, has_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "duration", offsetof(tg_input_paid_media_video, duration), offsetof(tg_input_paid_media_video, has_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "supports_streaming", offsetof(tg_input_paid_media_video, supports_streaming), offsetof(tg_input_paid_media_video, has_supports_streaming), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_profile_photo_static[] = {
    { "type", offsetof(tg_input_profile_photo_static, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo", offsetof(tg_input_profile_photo_static, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
};
static const tg__field tg__f_input_profile_photo_animated[] = {
    { "type", offsetof(tg_input_profile_photo_animated, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "animation", offsetof(tg_input_profile_photo_animated, animation), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "main_frame_timestamp", offsetof(tg_input_profile_photo_animated, main_frame_timestamp), offsetof(tg_input_profile_photo_animated, has_main_frame_timestamp), 0, 0, TG__K_F64, TG__F_HAS },
};
static const tg__field tg__f_input_story_content_photo[] = {
    { "type", offsetof(tg_input_story_content_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo", offsetof(tg_input_story_content_photo, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
};
static const tg__field tg__f_input_story_content_video[] = {
    { "type", offsetof(tg_input_story_content_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "video", offsetof(tg_input_story_content_video, video), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "duration", offsetof(tg_input_story_content_video, duration), offsetof(tg_input_story_content_video, has_duration), 0, 0, TG__K_F64, TG__F_HAS },
    { "cover_frame_timestamp", offsetof(tg_input_story_content_video, cover_frame_timestamp), offsetof(tg_input_story_content_video, has_cover_frame_timestamp), 0, 0, TG__K_F64, TG__F_HAS },
    { "is_animation", offsetof(tg_input_story_content_video, is_animation), offsetof(tg_input_story_content_video, has_is_animation), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_sticker[] = {
    { "file_id", offsetof(tg_sticker, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_sticker, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_sticker, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "width", offsetof(tg_sticker, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_sticker, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_animated", offsetof(tg_sticker, is_animated), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "is_video", offsetof(tg_sticker, is_video), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "thumbnail", offsetof(tg_sticker, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
    { "emoji", offsetof(tg_sticker, emoji), 0, 0, 0, TG__K_STR, 0 },
    { "set_name", offsetof(tg_sticker, set_name), 0, 0, 0, TG__K_STR, 0 },
    { "premium_animation", offsetof(tg_sticker, premium_animation), 0, 0, 102, TG__K_OBJ, TG__F_PTR },
    { "mask_position", offsetof(tg_sticker, mask_position), 0, 0, 231, TG__K_OBJ, TG__F_PTR },
    { "custom_emoji_id", offsetof(tg_sticker, custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "needs_repainting", offsetof(tg_sticker, needs_repainting), offsetof(tg_sticker, has_needs_repainting), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "file_size", offsetof(tg_sticker, file_size), offsetof(tg_sticker, has_file_size), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_sticker_set[] = {
    { "name", offsetof(tg_sticker_set, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_sticker_set, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker_type", offsetof(tg_sticker_set, sticker_type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "stickers", offsetof(tg_sticker_set, stickers), offsetof(tg_sticker_set, stickers_count), 0, 229, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "thumbnail", offsetof(tg_sticker_set, thumbnail), 0, 0, 18, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_mask_position[] = {
    { "point", offsetof(tg_mask_position, point), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "x_shift", offsetof(tg_mask_position, x_shift), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "y_shift", offsetof(tg_mask_position, y_shift), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "scale", offsetof(tg_mask_position, scale), 0, 0, 0, TG__K_F64, TG__F_REQ },
};
static const tg__field tg__f_input_sticker[] = {
    { "sticker", offsetof(tg_input_sticker, sticker), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "format", offsetof(tg_input_sticker, format), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "emoji_list", offsetof(tg_input_sticker, emoji_list), offsetof(tg_input_sticker, emoji_list_count), 0, 0, TG__K_STR, TG__F_REQ|TG__F_ARR },
    { "mask_position", offsetof(tg_input_sticker, mask_position), 0, 0, 231, TG__K_OBJ, TG__F_PTR },
    { "keywords", offsetof(tg_input_sticker, keywords), offsetof(tg_input_sticker, keywords_count), 0, 0, TG__K_STR, TG__F_ARR },
};
static const tg__field tg__f_rich_message[] = {
    { "blocks", offsetof(tg_rich_message, blocks), offsetof(tg_rich_message, blocks_count), 0, 264, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "is_rtl", offsetof(tg_rich_message, is_rtl), offsetof(tg_rich_message, has_is_rtl), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_input_rich_message[] = {
    { "html", offsetof(tg_input_rich_message, html), 0, 0, 0, TG__K_STR, 0 },
    { "markdown", offsetof(tg_input_rich_message, markdown), 0, 0, 0, TG__K_STR, 0 },
    { "is_rtl", offsetof(tg_input_rich_message, is_rtl), offsetof(tg_input_rich_message, has_is_rtl), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "skip_entity_detection", offsetof(tg_input_rich_message, skip_entity_detection), offsetof(tg_input_rich_message, has_skip_entity_detection), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_rich_text_bold[] = {
    { "type", offsetof(tg_rich_text_bold, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_bold, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_italic[] = {
    { "type", offsetof(tg_rich_text_italic, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_italic, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_underline[] = {
    { "type", offsetof(tg_rich_text_underline, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_underline, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_strikethrough[] = {
    { "type", offsetof(tg_rich_text_strikethrough, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_strikethrough, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_spoiler[] = {
    { "type", offsetof(tg_rich_text_spoiler, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_spoiler, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_date_time[] = {
    { "type", offsetof(tg_rich_text_date_time, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_date_time, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "unix_time", offsetof(tg_rich_text_date_time, unix_time), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "date_time_format", offsetof(tg_rich_text_date_time, date_time_format), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_text_mention[] = {
    { "type", offsetof(tg_rich_text_text_mention, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_text_mention, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "user", offsetof(tg_rich_text_text_mention, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_subscript[] = {
    { "type", offsetof(tg_rich_text_subscript, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_subscript, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_superscript[] = {
    { "type", offsetof(tg_rich_text_superscript, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_superscript, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_marked[] = {
    { "type", offsetof(tg_rich_text_marked, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_marked, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_code[] = {
    { "type", offsetof(tg_rich_text_code, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_code, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_text_custom_emoji[] = {
    { "type", offsetof(tg_rich_text_custom_emoji, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "custom_emoji_id", offsetof(tg_rich_text_custom_emoji, custom_emoji_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "alternative_text", offsetof(tg_rich_text_custom_emoji, alternative_text), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_mathematical_expression[] = {
    { "type", offsetof(tg_rich_text_mathematical_expression, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "expression", offsetof(tg_rich_text_mathematical_expression, expression), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_url[] = {
    { "type", offsetof(tg_rich_text_url, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_url, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "url", offsetof(tg_rich_text_url, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_email_address[] = {
    { "type", offsetof(tg_rich_text_email_address, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_email_address, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "email_address", offsetof(tg_rich_text_email_address, email_address), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_phone_number[] = {
    { "type", offsetof(tg_rich_text_phone_number, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_phone_number, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "phone_number", offsetof(tg_rich_text_phone_number, phone_number), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_bank_card_number[] = {
    { "type", offsetof(tg_rich_text_bank_card_number, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_bank_card_number, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "bank_card_number", offsetof(tg_rich_text_bank_card_number, bank_card_number), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_mention[] = {
    { "type", offsetof(tg_rich_text_mention, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_mention, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "username", offsetof(tg_rich_text_mention, username), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_hashtag[] = {
    { "type", offsetof(tg_rich_text_hashtag, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_hashtag, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "hashtag", offsetof(tg_rich_text_hashtag, hashtag), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_cashtag[] = {
    { "type", offsetof(tg_rich_text_cashtag, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_cashtag, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "cashtag", offsetof(tg_rich_text_cashtag, cashtag), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_bot_command[] = {
    { "type", offsetof(tg_rich_text_bot_command, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_bot_command, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "bot_command", offsetof(tg_rich_text_bot_command, bot_command), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_anchor[] = {
    { "type", offsetof(tg_rich_text_anchor, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "name", offsetof(tg_rich_text_anchor, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_anchor_link[] = {
    { "type", offsetof(tg_rich_text_anchor_link, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_anchor_link, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "anchor_name", offsetof(tg_rich_text_anchor_link, anchor_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_reference[] = {
    { "type", offsetof(tg_rich_text_reference, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_reference, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "name", offsetof(tg_rich_text_reference, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_text_reference_link[] = {
    { "type", offsetof(tg_rich_text_reference_link, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_text_reference_link, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "reference_name", offsetof(tg_rich_text_reference_link, reference_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_block_caption[] = {
    { "text", offsetof(tg_rich_block_caption, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "credit", offsetof(tg_rich_block_caption, credit), 0, 0, 235, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_table_cell[] = {
    { "text", offsetof(tg_rich_block_table_cell, text), 0, 0, 235, TG__K_OBJ, TG__F_PTR },
    { "is_header", offsetof(tg_rich_block_table_cell, is_header), offsetof(tg_rich_block_table_cell, has_is_header), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "colspan", offsetof(tg_rich_block_table_cell, colspan), offsetof(tg_rich_block_table_cell, has_colspan), 0, 0, TG__K_I64, TG__F_HAS },
    { "rowspan", offsetof(tg_rich_block_table_cell, rowspan), offsetof(tg_rich_block_table_cell, has_rowspan), 0, 0, TG__K_I64, TG__F_HAS },
    { "align", offsetof(tg_rich_block_table_cell, align), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "valign", offsetof(tg_rich_block_table_cell, valign), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_block_list_item[] = {
    { "label", offsetof(tg_rich_block_list_item, label), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "blocks", offsetof(tg_rich_block_list_item, blocks), offsetof(tg_rich_block_list_item, blocks_count), 0, 264, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "has_checkbox", offsetof(tg_rich_block_list_item, has_checkbox), offsetof(tg_rich_block_list_item, has_has_checkbox), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_checked", offsetof(tg_rich_block_list_item, is_checked), offsetof(tg_rich_block_list_item, has_is_checked), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "value", offsetof(tg_rich_block_list_item, value), offsetof(tg_rich_block_list_item, has_value), 0, 0, TG__K_I64, TG__F_HAS },
    { "type", offsetof(tg_rich_block_list_item, type), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_rich_block_paragraph[] = {
    { "type", offsetof(tg_rich_block_paragraph, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_block_paragraph, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_block_section_heading[] = {
    { "type", offsetof(tg_rich_block_section_heading, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_block_section_heading, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "size", offsetof(tg_rich_block_section_heading, size), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_rich_block_preformatted[] = {
    { "type", offsetof(tg_rich_block_preformatted, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_block_preformatted, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "language", offsetof(tg_rich_block_preformatted, language), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_rich_block_footer[] = {
    { "type", offsetof(tg_rich_block_footer, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_block_footer, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_rich_block_divider[] = {
    { "type", offsetof(tg_rich_block_divider, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_block_mathematical_expression[] = {
    { "type", offsetof(tg_rich_block_mathematical_expression, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "expression", offsetof(tg_rich_block_mathematical_expression, expression), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_block_anchor[] = {
    { "type", offsetof(tg_rich_block_anchor, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "name", offsetof(tg_rich_block_anchor, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_rich_block_list[] = {
    { "type", offsetof(tg_rich_block_list, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "items", offsetof(tg_rich_block_list, items), offsetof(tg_rich_block_list, items_count), 0, 263, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_rich_block_block_quotation[] = {
    { "type", offsetof(tg_rich_block_block_quotation, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "blocks", offsetof(tg_rich_block_block_quotation, blocks), offsetof(tg_rich_block_block_quotation, blocks_count), 0, 264, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "credit", offsetof(tg_rich_block_block_quotation, credit), 0, 0, 235, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_pull_quotation[] = {
    { "type", offsetof(tg_rich_block_pull_quotation, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_block_pull_quotation, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "credit", offsetof(tg_rich_block_pull_quotation, credit), 0, 0, 235, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_collage[] = {
    { "type", offsetof(tg_rich_block_collage, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "blocks", offsetof(tg_rich_block_collage, blocks), offsetof(tg_rich_block_collage, blocks_count), 0, 264, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "caption", offsetof(tg_rich_block_collage, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_slideshow[] = {
    { "type", offsetof(tg_rich_block_slideshow, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "blocks", offsetof(tg_rich_block_slideshow, blocks), offsetof(tg_rich_block_slideshow, blocks_count), 0, 264, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "caption", offsetof(tg_rich_block_slideshow, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_table[] = {
    { "type", offsetof(tg_rich_block_table, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "cells", offsetof(tg_rich_block_table, cells), offsetof(tg_rich_block_table, cells_count), 0, 262, TG__K_OBJ, TG__F_REQ|TG__F_ARR2 },
    { "is_bordered", offsetof(tg_rich_block_table, is_bordered), offsetof(tg_rich_block_table, has_is_bordered), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_striped", offsetof(tg_rich_block_table, is_striped), offsetof(tg_rich_block_table, has_is_striped), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "caption", offsetof(tg_rich_block_table, caption), 0, 0, 235, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_details[] = {
    { "type", offsetof(tg_rich_block_details, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "summary", offsetof(tg_rich_block_details, summary), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "blocks", offsetof(tg_rich_block_details, blocks), offsetof(tg_rich_block_details, blocks_count), 0, 264, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "is_open", offsetof(tg_rich_block_details, is_open), offsetof(tg_rich_block_details, has_is_open), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_rich_block_map[] = {
    { "type", offsetof(tg_rich_block_map, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "location", offsetof(tg_rich_block_map, location), 0, 0, 50, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "zoom", offsetof(tg_rich_block_map, zoom), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "width", offsetof(tg_rich_block_map, width), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "height", offsetof(tg_rich_block_map, height), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "caption", offsetof(tg_rich_block_map, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_animation[] = {
    { "type", offsetof(tg_rich_block_animation, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "animation", offsetof(tg_rich_block_animation, animation), 0, 0, 19, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "has_spoiler", offsetof(tg_rich_block_animation, has_spoiler), offsetof(tg_rich_block_animation, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "caption", offsetof(tg_rich_block_animation, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_audio[] = {
    { "type", offsetof(tg_rich_block_audio, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "audio", offsetof(tg_rich_block_audio, audio), 0, 0, 20, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "caption", offsetof(tg_rich_block_audio, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_photo[] = {
    { "type", offsetof(tg_rich_block_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo", offsetof(tg_rich_block_photo, photo), offsetof(tg_rich_block_photo, photo_count), 0, 18, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "has_spoiler", offsetof(tg_rich_block_photo, has_spoiler), offsetof(tg_rich_block_photo, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "caption", offsetof(tg_rich_block_photo, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_video[] = {
    { "type", offsetof(tg_rich_block_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "video", offsetof(tg_rich_block_video, video), 0, 0, 25, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "has_spoiler", offsetof(tg_rich_block_video, has_spoiler), offsetof(tg_rich_block_video, has_has_spoiler), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "caption", offsetof(tg_rich_block_video, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_voice_note[] = {
    { "type", offsetof(tg_rich_block_voice_note, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "voice_note", offsetof(tg_rich_block_voice_note, voice_note), 0, 0, 27, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "caption", offsetof(tg_rich_block_voice_note, caption), 0, 0, 261, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_rich_block_thinking[] = {
    { "type", offsetof(tg_rich_block_thinking, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_rich_block_thinking, text), 0, 0, 235, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_inline_query[] = {
    { "id", offsetof(tg_inline_query, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "from", offsetof(tg_inline_query, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "query", offsetof(tg_inline_query, query), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "offset", offsetof(tg_inline_query, offset), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_type", offsetof(tg_inline_query, chat_type), 0, 0, 0, TG__K_STR, 0 },
    { "location", offsetof(tg_inline_query, location), 0, 0, 50, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_results_button[] = {
    { "text", offsetof(tg_inline_query_results_button, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "web_app", offsetof(tg_inline_query_results_button, web_app), 0, 0, 103, TG__K_OBJ, TG__F_PTR },
    { "start_parameter", offsetof(tg_inline_query_results_button, start_parameter), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_inline_query_result_article[] = {
    { "type", offsetof(tg_inline_query_result_article, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_article, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_article, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "input_message_content", offsetof(tg_inline_query_result_article, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "reply_markup", offsetof(tg_inline_query_result_article, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "url", offsetof(tg_inline_query_result_article, url), 0, 0, 0, TG__K_STR, 0 },
    { "description", offsetof(tg_inline_query_result_article, description), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail_url", offsetof(tg_inline_query_result_article, thumbnail_url), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail_width", offsetof(tg_inline_query_result_article, thumbnail_width), offsetof(tg_inline_query_result_article, has_thumbnail_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_height", offsetof(tg_inline_query_result_article, thumbnail_height), offsetof(tg_inline_query_result_article, has_thumbnail_height), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_inline_query_result_photo[] = {
    { "type", offsetof(tg_inline_query_result_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_photo, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo_url", offsetof(tg_inline_query_result_photo, photo_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "thumbnail_url", offsetof(tg_inline_query_result_photo, thumbnail_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo_width", offsetof(tg_inline_query_result_photo, photo_width), offsetof(tg_inline_query_result_photo, has_photo_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "photo_height", offsetof(tg_inline_query_result_photo, photo_height), offsetof(tg_inline_query_result_photo, has_photo_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "title", offsetof(tg_inline_query_result_photo, title), 0, 0, 0, TG__K_STR, 0 },
    { "description", offsetof(tg_inline_query_result_photo, description), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_photo, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_photo, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_photo, caption_entities), offsetof(tg_inline_query_result_photo, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_photo, show_caption_above_media), offsetof(tg_inline_query_result_photo, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_photo, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_photo, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_gif[] = {
    { "type", offsetof(tg_inline_query_result_gif, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_gif, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "gif_url", offsetof(tg_inline_query_result_gif, gif_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "gif_width", offsetof(tg_inline_query_result_gif, gif_width), offsetof(tg_inline_query_result_gif, has_gif_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "gif_height", offsetof(tg_inline_query_result_gif, gif_height), offsetof(tg_inline_query_result_gif, has_gif_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "gif_duration", offsetof(tg_inline_query_result_gif, gif_duration), offsetof(tg_inline_query_result_gif, has_gif_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_url", offsetof(tg_inline_query_result_gif, thumbnail_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "thumbnail_mime_type", offsetof(tg_inline_query_result_gif, thumbnail_mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "title", offsetof(tg_inline_query_result_gif, title), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_gif, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_gif, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_gif, caption_entities), offsetof(tg_inline_query_result_gif, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_gif, show_caption_above_media), offsetof(tg_inline_query_result_gif, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_gif, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_gif, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_mpeg4_gif[] = {
    { "type", offsetof(tg_inline_query_result_mpeg4_gif, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_mpeg4_gif, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "mpeg4_url", offsetof(tg_inline_query_result_mpeg4_gif, mpeg4_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "mpeg4_width", offsetof(tg_inline_query_result_mpeg4_gif, mpeg4_width), offsetof(tg_inline_query_result_mpeg4_gif, has_mpeg4_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "mpeg4_height", offsetof(tg_inline_query_result_mpeg4_gif, mpeg4_height), offsetof(tg_inline_query_result_mpeg4_gif, has_mpeg4_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "mpeg4_duration", offsetof(tg_inline_query_result_mpeg4_gif, mpeg4_duration), offsetof(tg_inline_query_result_mpeg4_gif, has_mpeg4_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_url", offsetof(tg_inline_query_result_mpeg4_gif, thumbnail_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "thumbnail_mime_type", offsetof(tg_inline_query_result_mpeg4_gif, thumbnail_mime_type), 0, 0, 0, TG__K_STR, 0 },
    { "title", offsetof(tg_inline_query_result_mpeg4_gif, title), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_mpeg4_gif, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_mpeg4_gif, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_mpeg4_gif, caption_entities), offsetof(tg_inline_query_result_mpeg4_gif, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_mpeg4_gif, show_caption_above_media), offsetof(tg_inline_query_result_mpeg4_gif, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_mpeg4_gif, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_mpeg4_gif, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_video[] = {
    { "type", offsetof(tg_inline_query_result_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_video, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "video_url", offsetof(tg_inline_query_result_video, video_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "mime_type", offsetof(tg_inline_query_result_video, mime_type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "thumbnail_url", offsetof(tg_inline_query_result_video, thumbnail_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_video, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "caption", offsetof(tg_inline_query_result_video, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_video, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_video, caption_entities), offsetof(tg_inline_query_result_video, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_video, show_caption_above_media), offsetof(tg_inline_query_result_video, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "video_width", offsetof(tg_inline_query_result_video, video_width), offsetof(tg_inline_query_result_video, has_video_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "video_height", offsetof(tg_inline_query_result_video, video_height), offsetof(tg_inline_query_result_video, has_video_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "video_duration", offsetof(tg_inline_query_result_video, video_duration), offsetof(tg_inline_query_result_video, has_video_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "description", offsetof(tg_inline_query_result_video, description), 0, 0, 0, TG__K_STR, 0 },
    { "reply_markup", offsetof(tg_inline_query_result_video, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_video, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_audio[] = {
    { "type", offsetof(tg_inline_query_result_audio, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_audio, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "audio_url", offsetof(tg_inline_query_result_audio, audio_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_audio, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "caption", offsetof(tg_inline_query_result_audio, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_audio, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_audio, caption_entities), offsetof(tg_inline_query_result_audio, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "performer", offsetof(tg_inline_query_result_audio, performer), 0, 0, 0, TG__K_STR, 0 },
    { "audio_duration", offsetof(tg_inline_query_result_audio, audio_duration), offsetof(tg_inline_query_result_audio, has_audio_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_audio, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_audio, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_voice[] = {
    { "type", offsetof(tg_inline_query_result_voice, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_voice, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "voice_url", offsetof(tg_inline_query_result_voice, voice_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_voice, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "caption", offsetof(tg_inline_query_result_voice, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_voice, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_voice, caption_entities), offsetof(tg_inline_query_result_voice, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "voice_duration", offsetof(tg_inline_query_result_voice, voice_duration), offsetof(tg_inline_query_result_voice, has_voice_duration), 0, 0, TG__K_I64, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_voice, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_voice, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_document[] = {
    { "type", offsetof(tg_inline_query_result_document, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_document, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_document, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "caption", offsetof(tg_inline_query_result_document, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_document, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_document, caption_entities), offsetof(tg_inline_query_result_document, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "document_url", offsetof(tg_inline_query_result_document, document_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "mime_type", offsetof(tg_inline_query_result_document, mime_type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_inline_query_result_document, description), 0, 0, 0, TG__K_STR, 0 },
    { "reply_markup", offsetof(tg_inline_query_result_document, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_document, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
    { "thumbnail_url", offsetof(tg_inline_query_result_document, thumbnail_url), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail_width", offsetof(tg_inline_query_result_document, thumbnail_width), offsetof(tg_inline_query_result_document, has_thumbnail_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_height", offsetof(tg_inline_query_result_document, thumbnail_height), offsetof(tg_inline_query_result_document, has_thumbnail_height), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_inline_query_result_location[] = {
    { "type", offsetof(tg_inline_query_result_location, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_location, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "latitude", offsetof(tg_inline_query_result_location, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_inline_query_result_location, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_location, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "horizontal_accuracy", offsetof(tg_inline_query_result_location, horizontal_accuracy), offsetof(tg_inline_query_result_location, has_horizontal_accuracy), 0, 0, TG__K_F64, TG__F_HAS },
    { "live_period", offsetof(tg_inline_query_result_location, live_period), offsetof(tg_inline_query_result_location, has_live_period), 0, 0, TG__K_I64, TG__F_HAS },
    { "heading", offsetof(tg_inline_query_result_location, heading), offsetof(tg_inline_query_result_location, has_heading), 0, 0, TG__K_I64, TG__F_HAS },
    { "proximity_alert_radius", offsetof(tg_inline_query_result_location, proximity_alert_radius), offsetof(tg_inline_query_result_location, has_proximity_alert_radius), 0, 0, TG__K_I64, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_location, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_location, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
    { "thumbnail_url", offsetof(tg_inline_query_result_location, thumbnail_url), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail_width", offsetof(tg_inline_query_result_location, thumbnail_width), offsetof(tg_inline_query_result_location, has_thumbnail_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_height", offsetof(tg_inline_query_result_location, thumbnail_height), offsetof(tg_inline_query_result_location, has_thumbnail_height), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_inline_query_result_venue[] = {
    { "type", offsetof(tg_inline_query_result_venue, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_venue, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "latitude", offsetof(tg_inline_query_result_venue, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_inline_query_result_venue, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_venue, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "address", offsetof(tg_inline_query_result_venue, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "foursquare_id", offsetof(tg_inline_query_result_venue, foursquare_id), 0, 0, 0, TG__K_STR, 0 },
    { "foursquare_type", offsetof(tg_inline_query_result_venue, foursquare_type), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_id", offsetof(tg_inline_query_result_venue, google_place_id), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_type", offsetof(tg_inline_query_result_venue, google_place_type), 0, 0, 0, TG__K_STR, 0 },
    { "reply_markup", offsetof(tg_inline_query_result_venue, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_venue, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
    { "thumbnail_url", offsetof(tg_inline_query_result_venue, thumbnail_url), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail_width", offsetof(tg_inline_query_result_venue, thumbnail_width), offsetof(tg_inline_query_result_venue, has_thumbnail_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_height", offsetof(tg_inline_query_result_venue, thumbnail_height), offsetof(tg_inline_query_result_venue, has_thumbnail_height), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_inline_query_result_contact[] = {
    { "type", offsetof(tg_inline_query_result_contact, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_contact, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "phone_number", offsetof(tg_inline_query_result_contact, phone_number), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "first_name", offsetof(tg_inline_query_result_contact, first_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_name", offsetof(tg_inline_query_result_contact, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "vcard", offsetof(tg_inline_query_result_contact, vcard), 0, 0, 0, TG__K_STR, 0 },
    { "reply_markup", offsetof(tg_inline_query_result_contact, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_contact, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
    { "thumbnail_url", offsetof(tg_inline_query_result_contact, thumbnail_url), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail_width", offsetof(tg_inline_query_result_contact, thumbnail_width), offsetof(tg_inline_query_result_contact, has_thumbnail_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "thumbnail_height", offsetof(tg_inline_query_result_contact, thumbnail_height), offsetof(tg_inline_query_result_contact, has_thumbnail_height), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_inline_query_result_game[] = {
    { "type", offsetof(tg_inline_query_result_game, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_game, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "game_short_name", offsetof(tg_inline_query_result_game, game_short_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "reply_markup", offsetof(tg_inline_query_result_game, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_photo[] = {
    { "type", offsetof(tg_inline_query_result_cached_photo, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_photo, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo_file_id", offsetof(tg_inline_query_result_cached_photo, photo_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_cached_photo, title), 0, 0, 0, TG__K_STR, 0 },
    { "description", offsetof(tg_inline_query_result_cached_photo, description), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_cached_photo, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_photo, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_photo, caption_entities), offsetof(tg_inline_query_result_cached_photo, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_cached_photo, show_caption_above_media), offsetof(tg_inline_query_result_cached_photo, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_cached_photo, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_photo, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_gif[] = {
    { "type", offsetof(tg_inline_query_result_cached_gif, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_gif, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "gif_file_id", offsetof(tg_inline_query_result_cached_gif, gif_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_cached_gif, title), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_cached_gif, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_gif, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_gif, caption_entities), offsetof(tg_inline_query_result_cached_gif, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_cached_gif, show_caption_above_media), offsetof(tg_inline_query_result_cached_gif, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_cached_gif, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_gif, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_mpeg4_gif[] = {
    { "type", offsetof(tg_inline_query_result_cached_mpeg4_gif, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_mpeg4_gif, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "mpeg4_file_id", offsetof(tg_inline_query_result_cached_mpeg4_gif, mpeg4_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_cached_mpeg4_gif, title), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_cached_mpeg4_gif, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_mpeg4_gif, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_mpeg4_gif, caption_entities), offsetof(tg_inline_query_result_cached_mpeg4_gif, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_cached_mpeg4_gif, show_caption_above_media), offsetof(tg_inline_query_result_cached_mpeg4_gif, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_cached_mpeg4_gif, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_mpeg4_gif, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_sticker[] = {
    { "type", offsetof(tg_inline_query_result_cached_sticker, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_sticker, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker_file_id", offsetof(tg_inline_query_result_cached_sticker, sticker_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "reply_markup", offsetof(tg_inline_query_result_cached_sticker, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_sticker, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_document[] = {
    { "type", offsetof(tg_inline_query_result_cached_document, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_document, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_cached_document, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "document_file_id", offsetof(tg_inline_query_result_cached_document, document_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_inline_query_result_cached_document, description), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_cached_document, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_document, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_document, caption_entities), offsetof(tg_inline_query_result_cached_document, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "reply_markup", offsetof(tg_inline_query_result_cached_document, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_document, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_video[] = {
    { "type", offsetof(tg_inline_query_result_cached_video, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_video, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "video_file_id", offsetof(tg_inline_query_result_cached_video, video_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_cached_video, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_inline_query_result_cached_video, description), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_inline_query_result_cached_video, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_video, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_video, caption_entities), offsetof(tg_inline_query_result_cached_video, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "show_caption_above_media", offsetof(tg_inline_query_result_cached_video, show_caption_above_media), offsetof(tg_inline_query_result_cached_video, has_show_caption_above_media), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "reply_markup", offsetof(tg_inline_query_result_cached_video, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_video, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_voice[] = {
    { "type", offsetof(tg_inline_query_result_cached_voice, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_voice, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "voice_file_id", offsetof(tg_inline_query_result_cached_voice, voice_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_inline_query_result_cached_voice, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "caption", offsetof(tg_inline_query_result_cached_voice, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_voice, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_voice, caption_entities), offsetof(tg_inline_query_result_cached_voice, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "reply_markup", offsetof(tg_inline_query_result_cached_voice, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_voice, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_inline_query_result_cached_audio[] = {
    { "type", offsetof(tg_inline_query_result_cached_audio, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "id", offsetof(tg_inline_query_result_cached_audio, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "audio_file_id", offsetof(tg_inline_query_result_cached_audio, audio_file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "caption", offsetof(tg_inline_query_result_cached_audio, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_inline_query_result_cached_audio, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_inline_query_result_cached_audio, caption_entities), offsetof(tg_inline_query_result_cached_audio, caption_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "reply_markup", offsetof(tg_inline_query_result_cached_audio, reply_markup), 0, 0, 111, TG__K_OBJ, TG__F_PTR },
    { "input_message_content", offsetof(tg_inline_query_result_cached_audio, input_message_content), 0, 0, 309, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_input_text_message_content[] = {
    { "message_text", offsetof(tg_input_text_message_content, message_text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "parse_mode", offsetof(tg_input_text_message_content, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_input_text_message_content, entities), offsetof(tg_input_text_message_content, entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "link_preview_options", offsetof(tg_input_text_message_content, link_preview_options), 0, 0, 95, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_input_rich_message_content[] = {
    { "rich_message", offsetof(tg_input_rich_message_content, rich_message), 0, 0, 234, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_input_location_message_content[] = {
    { "latitude", offsetof(tg_input_location_message_content, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_input_location_message_content, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "horizontal_accuracy", offsetof(tg_input_location_message_content, horizontal_accuracy), offsetof(tg_input_location_message_content, has_horizontal_accuracy), 0, 0, TG__K_F64, TG__F_HAS },
    { "live_period", offsetof(tg_input_location_message_content, live_period), offsetof(tg_input_location_message_content, has_live_period), 0, 0, TG__K_I64, TG__F_HAS },
    { "heading", offsetof(tg_input_location_message_content, heading), offsetof(tg_input_location_message_content, has_heading), 0, 0, TG__K_I64, TG__F_HAS },
    { "proximity_alert_radius", offsetof(tg_input_location_message_content, proximity_alert_radius), offsetof(tg_input_location_message_content, has_proximity_alert_radius), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_input_venue_message_content[] = {
    { "latitude", offsetof(tg_input_venue_message_content, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_input_venue_message_content, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "title", offsetof(tg_input_venue_message_content, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "address", offsetof(tg_input_venue_message_content, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "foursquare_id", offsetof(tg_input_venue_message_content, foursquare_id), 0, 0, 0, TG__K_STR, 0 },
    { "foursquare_type", offsetof(tg_input_venue_message_content, foursquare_type), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_id", offsetof(tg_input_venue_message_content, google_place_id), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_type", offsetof(tg_input_venue_message_content, google_place_type), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_input_contact_message_content[] = {
    { "phone_number", offsetof(tg_input_contact_message_content, phone_number), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "first_name", offsetof(tg_input_contact_message_content, first_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_name", offsetof(tg_input_contact_message_content, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "vcard", offsetof(tg_input_contact_message_content, vcard), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_input_invoice_message_content[] = {
    { "title", offsetof(tg_input_invoice_message_content, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_input_invoice_message_content, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "payload", offsetof(tg_input_invoice_message_content, payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "provider_token", offsetof(tg_input_invoice_message_content, provider_token), 0, 0, 0, TG__K_STR, 0 },
    { "currency", offsetof(tg_input_invoice_message_content, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "prices", offsetof(tg_input_invoice_message_content, prices), offsetof(tg_input_invoice_message_content, prices_count), 0, 317, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "max_tip_amount", offsetof(tg_input_invoice_message_content, max_tip_amount), offsetof(tg_input_invoice_message_content, has_max_tip_amount), 0, 0, TG__K_I64, TG__F_HAS },
    { "suggested_tip_amounts", offsetof(tg_input_invoice_message_content, suggested_tip_amounts), offsetof(tg_input_invoice_message_content, suggested_tip_amounts_count), 0, 0, TG__K_I64, TG__F_ARR },
    { "provider_data", offsetof(tg_input_invoice_message_content, provider_data), 0, 0, 0, TG__K_STR, 0 },
    { "photo_url", offsetof(tg_input_invoice_message_content, photo_url), 0, 0, 0, TG__K_STR, 0 },
    { "photo_size", offsetof(tg_input_invoice_message_content, photo_size), offsetof(tg_input_invoice_message_content, has_photo_size), 0, 0, TG__K_I64, TG__F_HAS },
    { "photo_width", offsetof(tg_input_invoice_message_content, photo_width), offsetof(tg_input_invoice_message_content, has_photo_width), 0, 0, TG__K_I64, TG__F_HAS },
    { "photo_height", offsetof(tg_input_invoice_message_content, photo_height), offsetof(tg_input_invoice_message_content, has_photo_height), 0, 0, TG__K_I64, TG__F_HAS },
    { "need_name", offsetof(tg_input_invoice_message_content, need_name), offsetof(tg_input_invoice_message_content, has_need_name), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "need_phone_number", offsetof(tg_input_invoice_message_content, need_phone_number), offsetof(tg_input_invoice_message_content, has_need_phone_number), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "need_email", offsetof(tg_input_invoice_message_content, need_email), offsetof(tg_input_invoice_message_content, has_need_email), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "need_shipping_address", offsetof(tg_input_invoice_message_content, need_shipping_address), offsetof(tg_input_invoice_message_content, has_need_shipping_address), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "send_phone_number_to_provider", offsetof(tg_input_invoice_message_content, send_phone_number_to_provider), offsetof(tg_input_invoice_message_content, has_send_phone_number_to_provider), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "send_email_to_provider", offsetof(tg_input_invoice_message_content, send_email_to_provider), offsetof(tg_input_invoice_message_content, has_send_email_to_provider), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_flexible", offsetof(tg_input_invoice_message_content, is_flexible), offsetof(tg_input_invoice_message_content, has_is_flexible), 0, 0, TG__K_BOOL, TG__F_HAS },
};
static const tg__field tg__f_chosen_inline_result[] = {
    { "result_id", offsetof(tg_chosen_inline_result, result_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "from", offsetof(tg_chosen_inline_result, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "location", offsetof(tg_chosen_inline_result, location), 0, 0, 50, TG__K_OBJ, TG__F_PTR },
    { "inline_message_id", offsetof(tg_chosen_inline_result, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "query", offsetof(tg_chosen_inline_result, query), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_labeled_price[] = {
    { "label", offsetof(tg_labeled_price, label), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "amount", offsetof(tg_labeled_price, amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_invoice[] = {
    { "title", offsetof(tg_invoice, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_invoice, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "start_parameter", offsetof(tg_invoice, start_parameter), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "currency", offsetof(tg_invoice, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "total_amount", offsetof(tg_invoice, total_amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_shipping_address[] = {
    { "country_code", offsetof(tg_shipping_address, country_code), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "state", offsetof(tg_shipping_address, state), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "city", offsetof(tg_shipping_address, city), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "street_line1", offsetof(tg_shipping_address, street_line1), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "street_line2", offsetof(tg_shipping_address, street_line2), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "post_code", offsetof(tg_shipping_address, post_code), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_order_info[] = {
    { "name", offsetof(tg_order_info, name), 0, 0, 0, TG__K_STR, 0 },
    { "phone_number", offsetof(tg_order_info, phone_number), 0, 0, 0, TG__K_STR, 0 },
    { "email", offsetof(tg_order_info, email), 0, 0, 0, TG__K_STR, 0 },
    { "shipping_address", offsetof(tg_order_info, shipping_address), 0, 0, 319, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_shipping_option[] = {
    { "id", offsetof(tg_shipping_option, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_shipping_option, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "prices", offsetof(tg_shipping_option, prices), offsetof(tg_shipping_option, prices_count), 0, 317, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_successful_payment[] = {
    { "currency", offsetof(tg_successful_payment, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "total_amount", offsetof(tg_successful_payment, total_amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "invoice_payload", offsetof(tg_successful_payment, invoice_payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "subscription_expiration_date", offsetof(tg_successful_payment, subscription_expiration_date), offsetof(tg_successful_payment, has_subscription_expiration_date), 0, 0, TG__K_I64, TG__F_HAS },
    { "is_recurring", offsetof(tg_successful_payment, is_recurring), offsetof(tg_successful_payment, has_is_recurring), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "is_first_recurring", offsetof(tg_successful_payment, is_first_recurring), offsetof(tg_successful_payment, has_is_first_recurring), 0, 0, TG__K_BOOL, TG__F_HAS },
    { "shipping_option_id", offsetof(tg_successful_payment, shipping_option_id), 0, 0, 0, TG__K_STR, 0 },
    { "order_info", offsetof(tg_successful_payment, order_info), 0, 0, 320, TG__K_OBJ, TG__F_PTR },
    { "telegram_payment_charge_id", offsetof(tg_successful_payment, telegram_payment_charge_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "provider_payment_charge_id", offsetof(tg_successful_payment, provider_payment_charge_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_refunded_payment[] = {
    { "currency", offsetof(tg_refunded_payment, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "total_amount", offsetof(tg_refunded_payment, total_amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "invoice_payload", offsetof(tg_refunded_payment, invoice_payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "telegram_payment_charge_id", offsetof(tg_refunded_payment, telegram_payment_charge_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "provider_payment_charge_id", offsetof(tg_refunded_payment, provider_payment_charge_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__f_shipping_query[] = {
    { "id", offsetof(tg_shipping_query, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "from", offsetof(tg_shipping_query, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "invoice_payload", offsetof(tg_shipping_query, invoice_payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "shipping_address", offsetof(tg_shipping_query, shipping_address), 0, 0, 319, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_pre_checkout_query[] = {
    { "id", offsetof(tg_pre_checkout_query, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "from", offsetof(tg_pre_checkout_query, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "currency", offsetof(tg_pre_checkout_query, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "total_amount", offsetof(tg_pre_checkout_query, total_amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "invoice_payload", offsetof(tg_pre_checkout_query, invoice_payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "shipping_option_id", offsetof(tg_pre_checkout_query, shipping_option_id), 0, 0, 0, TG__K_STR, 0 },
    { "order_info", offsetof(tg_pre_checkout_query, order_info), 0, 0, 320, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_paid_media_purchased[] = {
    { "from", offsetof(tg_paid_media_purchased, from), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "paid_media_payload", offsetof(tg_paid_media_purchased, paid_media_payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_revenue_withdrawal_state_pending[] = {
    { "type", offsetof(tg_revenue_withdrawal_state_pending, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_revenue_withdrawal_state_succeeded[] = {
    { "type", offsetof(tg_revenue_withdrawal_state_succeeded, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "date", offsetof(tg_revenue_withdrawal_state_succeeded, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "url", offsetof(tg_revenue_withdrawal_state_succeeded, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_revenue_withdrawal_state_failed[] = {
    { "type", offsetof(tg_revenue_withdrawal_state_failed, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_affiliate_info[] = {
    { "affiliate_user", offsetof(tg_affiliate_info, affiliate_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "affiliate_chat", offsetof(tg_affiliate_info, affiliate_chat), 0, 0, 3, TG__K_OBJ, TG__F_PTR },
    { "commission_per_mille", offsetof(tg_affiliate_info, commission_per_mille), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "amount", offsetof(tg_affiliate_info, amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "nanostar_amount", offsetof(tg_affiliate_info, nanostar_amount), offsetof(tg_affiliate_info, has_nanostar_amount), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_transaction_partner_user[] = {
    { "type", offsetof(tg_transaction_partner_user, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "transaction_type", offsetof(tg_transaction_partner_user, transaction_type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user", offsetof(tg_transaction_partner_user, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "affiliate", offsetof(tg_transaction_partner_user, affiliate), 0, 0, 331, TG__K_OBJ, TG__F_PTR },
    { "invoice_payload", offsetof(tg_transaction_partner_user, invoice_payload), 0, 0, 0, TG__K_STR, 0 },
    { "subscription_period", offsetof(tg_transaction_partner_user, subscription_period), offsetof(tg_transaction_partner_user, has_subscription_period), 0, 0, TG__K_I64, TG__F_HAS },
    { "paid_media", offsetof(tg_transaction_partner_user, paid_media), offsetof(tg_transaction_partner_user, paid_media_count), 0, 29, TG__K_OBJ, TG__F_ARR },
    { "paid_media_payload", offsetof(tg_transaction_partner_user, paid_media_payload), 0, 0, 0, TG__K_STR, 0 },
    { "gift", offsetof(tg_transaction_partner_user, gift), 0, 0, 156, TG__K_OBJ, TG__F_PTR },
    { "premium_subscription_duration", offsetof(tg_transaction_partner_user, premium_subscription_duration), offsetof(tg_transaction_partner_user, has_premium_subscription_duration), 0, 0, TG__K_I64, TG__F_HAS },
};
static const tg__field tg__f_transaction_partner_chat[] = {
    { "type", offsetof(tg_transaction_partner_chat, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat", offsetof(tg_transaction_partner_chat, chat), 0, 0, 3, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "gift", offsetof(tg_transaction_partner_chat, gift), 0, 0, 156, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_transaction_partner_affiliate_program[] = {
    { "type", offsetof(tg_transaction_partner_affiliate_program, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sponsor_user", offsetof(tg_transaction_partner_affiliate_program, sponsor_user), 0, 0, 2, TG__K_OBJ, TG__F_PTR },
    { "commission_per_mille", offsetof(tg_transaction_partner_affiliate_program, commission_per_mille), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_transaction_partner_fragment[] = {
    { "type", offsetof(tg_transaction_partner_fragment, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "withdrawal_state", offsetof(tg_transaction_partner_fragment, withdrawal_state), 0, 0, 327, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_transaction_partner_telegram_ads[] = {
    { "type", offsetof(tg_transaction_partner_telegram_ads, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_transaction_partner_telegram_api[] = {
    { "type", offsetof(tg_transaction_partner_telegram_api, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "request_count", offsetof(tg_transaction_partner_telegram_api, request_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_transaction_partner_other[] = {
    { "type", offsetof(tg_transaction_partner_other, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_star_transaction[] = {
    { "id", offsetof(tg_star_transaction, id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "amount", offsetof(tg_star_transaction, amount), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "nanostar_amount", offsetof(tg_star_transaction, nanostar_amount), offsetof(tg_star_transaction, has_nanostar_amount), 0, 0, TG__K_I64, TG__F_HAS },
    { "date", offsetof(tg_star_transaction, date), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "source", offsetof(tg_star_transaction, source), 0, 0, 332, TG__K_OBJ, TG__F_PTR },
    { "receiver", offsetof(tg_star_transaction, receiver), 0, 0, 332, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_star_transactions[] = {
    { "transactions", offsetof(tg_star_transactions, transactions), offsetof(tg_star_transactions, transactions_count), 0, 340, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
};
static const tg__field tg__f_passport_data[] = {
    { "data", offsetof(tg_passport_data, data), offsetof(tg_passport_data, data_count), 0, 344, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "credentials", offsetof(tg_passport_data, credentials), 0, 0, 345, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
};
static const tg__field tg__f_passport_file[] = {
    { "file_id", offsetof(tg_passport_file, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_unique_id", offsetof(tg_passport_file, file_unique_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_size", offsetof(tg_passport_file, file_size), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "file_date", offsetof(tg_passport_file, file_date), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__f_encrypted_passport_element[] = {
    { "type", offsetof(tg_encrypted_passport_element, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "data", offsetof(tg_encrypted_passport_element, data), 0, 0, 0, TG__K_STR, 0 },
    { "phone_number", offsetof(tg_encrypted_passport_element, phone_number), 0, 0, 0, TG__K_STR, 0 },
    { "email", offsetof(tg_encrypted_passport_element, email), 0, 0, 0, TG__K_STR, 0 },
    { "files", offsetof(tg_encrypted_passport_element, files), offsetof(tg_encrypted_passport_element, files_count), 0, 343, TG__K_OBJ, TG__F_ARR },
    { "front_side", offsetof(tg_encrypted_passport_element, front_side), 0, 0, 343, TG__K_OBJ, TG__F_PTR },
    { "reverse_side", offsetof(tg_encrypted_passport_element, reverse_side), 0, 0, 343, TG__K_OBJ, TG__F_PTR },
    { "selfie", offsetof(tg_encrypted_passport_element, selfie), 0, 0, 343, TG__K_OBJ, TG__F_PTR },
    { "translation", offsetof(tg_encrypted_passport_element, translation), offsetof(tg_encrypted_passport_element, translation_count), 0, 343, TG__K_OBJ, TG__F_ARR },
    { "hash", offsetof(tg_encrypted_passport_element, hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_encrypted_credentials[] = {
    { "data", offsetof(tg_encrypted_credentials, data), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "hash", offsetof(tg_encrypted_credentials, hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "secret", offsetof(tg_encrypted_credentials, secret), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_data_field[] = {
    { "source", offsetof(tg_passport_element_error_data_field, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_data_field, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "field_name", offsetof(tg_passport_element_error_data_field, field_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "data_hash", offsetof(tg_passport_element_error_data_field, data_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_data_field, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_front_side[] = {
    { "source", offsetof(tg_passport_element_error_front_side, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_front_side, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hash", offsetof(tg_passport_element_error_front_side, file_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_front_side, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_reverse_side[] = {
    { "source", offsetof(tg_passport_element_error_reverse_side, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_reverse_side, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hash", offsetof(tg_passport_element_error_reverse_side, file_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_reverse_side, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_selfie[] = {
    { "source", offsetof(tg_passport_element_error_selfie, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_selfie, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hash", offsetof(tg_passport_element_error_selfie, file_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_selfie, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_file[] = {
    { "source", offsetof(tg_passport_element_error_file, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_file, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hash", offsetof(tg_passport_element_error_file, file_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_file, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_files[] = {
    { "source", offsetof(tg_passport_element_error_files, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_files, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hashes", offsetof(tg_passport_element_error_files, file_hashes), offsetof(tg_passport_element_error_files, file_hashes_count), 0, 0, TG__K_STR, TG__F_REQ|TG__F_ARR },
    { "message", offsetof(tg_passport_element_error_files, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_translation_file[] = {
    { "source", offsetof(tg_passport_element_error_translation_file, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_translation_file, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hash", offsetof(tg_passport_element_error_translation_file, file_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_translation_file, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_translation_files[] = {
    { "source", offsetof(tg_passport_element_error_translation_files, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_translation_files, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "file_hashes", offsetof(tg_passport_element_error_translation_files, file_hashes), offsetof(tg_passport_element_error_translation_files, file_hashes_count), 0, 0, TG__K_STR, TG__F_REQ|TG__F_ARR },
    { "message", offsetof(tg_passport_element_error_translation_files, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_passport_element_error_unspecified[] = {
    { "source", offsetof(tg_passport_element_error_unspecified, source), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "type", offsetof(tg_passport_element_error_unspecified, type), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "element_hash", offsetof(tg_passport_element_error_unspecified, element_hash), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message", offsetof(tg_passport_element_error_unspecified, message), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__f_game[] = {
    { "title", offsetof(tg_game, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_game, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo", offsetof(tg_game, photo), offsetof(tg_game, photo_count), 0, 18, TG__K_OBJ, TG__F_REQ|TG__F_ARR },
    { "text", offsetof(tg_game, text), 0, 0, 0, TG__K_STR, 0 },
    { "text_entities", offsetof(tg_game, text_entities), offsetof(tg_game, text_entities_count), 0, 9, TG__K_OBJ, TG__F_ARR },
    { "animation", offsetof(tg_game, animation), 0, 0, 19, TG__K_OBJ, TG__F_PTR },
};
static const tg__field tg__f_game_high_score[] = {
    { "position", offsetof(tg_game_high_score, position), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "user", offsetof(tg_game_high_score, user), 0, 0, 2, TG__K_OBJ, TG__F_REQ|TG__F_PTR },
    { "score", offsetof(tg_game_high_score, score), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_get_updates[] = {
    { "offset", offsetof(tg_get_updates_args, offset), 0, 0, 0, TG__K_I64, 0 },
    { "limit", offsetof(tg_get_updates_args, limit), 0, 0, 0, TG__K_I64, 0 },
    { "timeout", offsetof(tg_get_updates_args, timeout), 0, 0, 0, TG__K_I64, 0 },
    { "allowed_updates", offsetof(tg_get_updates_args, allowed_updates), offsetof(tg_get_updates_args, allowed_updates_count), offsetof(tg_get_updates_args, allowed_updates_json), 0, TG__K_STR, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_set_webhook[] = {
    { "url", offsetof(tg_set_webhook_args, url), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "certificate", offsetof(tg_set_webhook_args, certificate), 0, 0, 0, TG__K_FILE, 0 },
    { "ip_address", offsetof(tg_set_webhook_args, ip_address), 0, 0, 0, TG__K_STR, 0 },
    { "max_connections", offsetof(tg_set_webhook_args, max_connections), 0, 0, 0, TG__K_I64, 0 },
    { "allowed_updates", offsetof(tg_set_webhook_args, allowed_updates), offsetof(tg_set_webhook_args, allowed_updates_count), offsetof(tg_set_webhook_args, allowed_updates_json), 0, TG__K_STR, TG__F_ARR|TG__F_RAW },
    { "drop_pending_updates", offsetof(tg_set_webhook_args, drop_pending_updates), 0, 0, 0, TG__K_BOOL, 0 },
    { "secret_token", offsetof(tg_set_webhook_args, secret_token), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_delete_webhook[] = {
    { "drop_pending_updates", offsetof(tg_delete_webhook_args, drop_pending_updates), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_send_message[] = {
    { "business_connection_id", offsetof(tg_send_message_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_message_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_message_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "text", offsetof(tg_send_message_args, text), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "parse_mode", offsetof(tg_send_message_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_send_message_args, entities), offsetof(tg_send_message_args, entities_count), offsetof(tg_send_message_args, entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "link_preview_options", offsetof(tg_send_message_args, link_preview_options), 0, offsetof(tg_send_message_args, link_preview_options_json), 95, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "disable_notification", offsetof(tg_send_message_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_message_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_message_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_message_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_message_args, suggested_post_parameters), 0, offsetof(tg_send_message_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_message_args, reply_parameters), 0, offsetof(tg_send_message_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_message_args, reply_markup), 0, offsetof(tg_send_message_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_forward_message[] = {
    { "chat_id", offsetof(tg_forward_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_forward_message_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_forward_message_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "from_chat_id", offsetof(tg_forward_message_args, from_chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "video_start_timestamp", offsetof(tg_forward_message_args, video_start_timestamp), 0, 0, 0, TG__K_I64, 0 },
    { "disable_notification", offsetof(tg_forward_message_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_forward_message_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_forward_message_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_forward_message_args, suggested_post_parameters), 0, offsetof(tg_forward_message_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "message_id", offsetof(tg_forward_message_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_forward_messages[] = {
    { "chat_id", offsetof(tg_forward_messages_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_forward_messages_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_forward_messages_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "from_chat_id", offsetof(tg_forward_messages_args, from_chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_ids", offsetof(tg_forward_messages_args, message_ids), offsetof(tg_forward_messages_args, message_ids_count), offsetof(tg_forward_messages_args, message_ids_json), 0, TG__K_I64, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "disable_notification", offsetof(tg_forward_messages_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_forward_messages_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_copy_message[] = {
    { "chat_id", offsetof(tg_copy_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_copy_message_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_copy_message_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "from_chat_id", offsetof(tg_copy_message_args, from_chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_copy_message_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "video_start_timestamp", offsetof(tg_copy_message_args, video_start_timestamp), 0, 0, 0, TG__K_I64, 0 },
    { "caption", offsetof(tg_copy_message_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_copy_message_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_copy_message_args, caption_entities), offsetof(tg_copy_message_args, caption_entities_count), offsetof(tg_copy_message_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_copy_message_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_copy_message_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_copy_message_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_copy_message_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_copy_message_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_copy_message_args, suggested_post_parameters), 0, offsetof(tg_copy_message_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_copy_message_args, reply_parameters), 0, offsetof(tg_copy_message_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_copy_message_args, reply_markup), 0, offsetof(tg_copy_message_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_copy_messages[] = {
    { "chat_id", offsetof(tg_copy_messages_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_copy_messages_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_copy_messages_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "from_chat_id", offsetof(tg_copy_messages_args, from_chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_ids", offsetof(tg_copy_messages_args, message_ids), offsetof(tg_copy_messages_args, message_ids_count), offsetof(tg_copy_messages_args, message_ids_json), 0, TG__K_I64, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "disable_notification", offsetof(tg_copy_messages_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_copy_messages_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "remove_caption", offsetof(tg_copy_messages_args, remove_caption), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_send_photo[] = {
    { "business_connection_id", offsetof(tg_send_photo_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_photo_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_photo_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_photo_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "photo", offsetof(tg_send_photo_args, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "caption", offsetof(tg_send_photo_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_photo_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_photo_args, caption_entities), offsetof(tg_send_photo_args, caption_entities_count), offsetof(tg_send_photo_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_send_photo_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "has_spoiler", offsetof(tg_send_photo_args, has_spoiler), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_photo_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_photo_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_photo_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_photo_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_photo_args, suggested_post_parameters), 0, offsetof(tg_send_photo_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_photo_args, reply_parameters), 0, offsetof(tg_send_photo_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_photo_args, reply_markup), 0, offsetof(tg_send_photo_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_live_photo[] = {
    { "business_connection_id", offsetof(tg_send_live_photo_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_live_photo_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_live_photo_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_live_photo_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "live_photo", offsetof(tg_send_live_photo_args, live_photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "photo", offsetof(tg_send_live_photo_args, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "caption", offsetof(tg_send_live_photo_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_live_photo_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_live_photo_args, caption_entities), offsetof(tg_send_live_photo_args, caption_entities_count), offsetof(tg_send_live_photo_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_send_live_photo_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "has_spoiler", offsetof(tg_send_live_photo_args, has_spoiler), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_live_photo_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_live_photo_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_live_photo_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_live_photo_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_live_photo_args, suggested_post_parameters), 0, offsetof(tg_send_live_photo_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_live_photo_args, reply_parameters), 0, offsetof(tg_send_live_photo_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_live_photo_args, reply_markup), 0, offsetof(tg_send_live_photo_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_audio[] = {
    { "business_connection_id", offsetof(tg_send_audio_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_audio_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_audio_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_audio_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "audio", offsetof(tg_send_audio_args, audio), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "caption", offsetof(tg_send_audio_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_audio_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_audio_args, caption_entities), offsetof(tg_send_audio_args, caption_entities_count), offsetof(tg_send_audio_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "duration", offsetof(tg_send_audio_args, duration), 0, 0, 0, TG__K_I64, 0 },
    { "performer", offsetof(tg_send_audio_args, performer), 0, 0, 0, TG__K_STR, 0 },
    { "title", offsetof(tg_send_audio_args, title), 0, 0, 0, TG__K_STR, 0 },
    { "thumbnail", offsetof(tg_send_audio_args, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "disable_notification", offsetof(tg_send_audio_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_audio_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_audio_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_audio_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_audio_args, suggested_post_parameters), 0, offsetof(tg_send_audio_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_audio_args, reply_parameters), 0, offsetof(tg_send_audio_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_audio_args, reply_markup), 0, offsetof(tg_send_audio_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_document[] = {
    { "business_connection_id", offsetof(tg_send_document_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_document_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_document_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_document_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "document", offsetof(tg_send_document_args, document), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "thumbnail", offsetof(tg_send_document_args, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "caption", offsetof(tg_send_document_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_document_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_document_args, caption_entities), offsetof(tg_send_document_args, caption_entities_count), offsetof(tg_send_document_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "disable_content_type_detection", offsetof(tg_send_document_args, disable_content_type_detection), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_document_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_document_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_document_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_document_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_document_args, suggested_post_parameters), 0, offsetof(tg_send_document_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_document_args, reply_parameters), 0, offsetof(tg_send_document_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_document_args, reply_markup), 0, offsetof(tg_send_document_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_video[] = {
    { "business_connection_id", offsetof(tg_send_video_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_video_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_video_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_video_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "video", offsetof(tg_send_video_args, video), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "duration", offsetof(tg_send_video_args, duration), 0, 0, 0, TG__K_I64, 0 },
    { "width", offsetof(tg_send_video_args, width), 0, 0, 0, TG__K_I64, 0 },
    { "height", offsetof(tg_send_video_args, height), 0, 0, 0, TG__K_I64, 0 },
    { "thumbnail", offsetof(tg_send_video_args, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "cover", offsetof(tg_send_video_args, cover), 0, 0, 0, TG__K_FILE, 0 },
    { "start_timestamp", offsetof(tg_send_video_args, start_timestamp), 0, 0, 0, TG__K_I64, 0 },
    { "caption", offsetof(tg_send_video_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_video_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_video_args, caption_entities), offsetof(tg_send_video_args, caption_entities_count), offsetof(tg_send_video_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_send_video_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "has_spoiler", offsetof(tg_send_video_args, has_spoiler), 0, 0, 0, TG__K_BOOL, 0 },
    { "supports_streaming", offsetof(tg_send_video_args, supports_streaming), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_video_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_video_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_video_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_video_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_video_args, suggested_post_parameters), 0, offsetof(tg_send_video_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_video_args, reply_parameters), 0, offsetof(tg_send_video_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_video_args, reply_markup), 0, offsetof(tg_send_video_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_animation[] = {
    { "business_connection_id", offsetof(tg_send_animation_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_animation_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_animation_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_animation_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "animation", offsetof(tg_send_animation_args, animation), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "duration", offsetof(tg_send_animation_args, duration), 0, 0, 0, TG__K_I64, 0 },
    { "width", offsetof(tg_send_animation_args, width), 0, 0, 0, TG__K_I64, 0 },
    { "height", offsetof(tg_send_animation_args, height), 0, 0, 0, TG__K_I64, 0 },
    { "thumbnail", offsetof(tg_send_animation_args, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "caption", offsetof(tg_send_animation_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_animation_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_animation_args, caption_entities), offsetof(tg_send_animation_args, caption_entities_count), offsetof(tg_send_animation_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_send_animation_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "has_spoiler", offsetof(tg_send_animation_args, has_spoiler), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_animation_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_animation_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_animation_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_animation_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_animation_args, suggested_post_parameters), 0, offsetof(tg_send_animation_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_animation_args, reply_parameters), 0, offsetof(tg_send_animation_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_animation_args, reply_markup), 0, offsetof(tg_send_animation_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_voice[] = {
    { "business_connection_id", offsetof(tg_send_voice_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_voice_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_voice_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_voice_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "voice", offsetof(tg_send_voice_args, voice), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "caption", offsetof(tg_send_voice_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_voice_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_voice_args, caption_entities), offsetof(tg_send_voice_args, caption_entities_count), offsetof(tg_send_voice_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "duration", offsetof(tg_send_voice_args, duration), 0, 0, 0, TG__K_I64, 0 },
    { "disable_notification", offsetof(tg_send_voice_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_voice_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_voice_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_voice_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_voice_args, suggested_post_parameters), 0, offsetof(tg_send_voice_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_voice_args, reply_parameters), 0, offsetof(tg_send_voice_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_voice_args, reply_markup), 0, offsetof(tg_send_voice_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_video_note[] = {
    { "business_connection_id", offsetof(tg_send_video_note_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_video_note_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_video_note_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_video_note_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "video_note", offsetof(tg_send_video_note_args, video_note), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "duration", offsetof(tg_send_video_note_args, duration), 0, 0, 0, TG__K_I64, 0 },
    { "length", offsetof(tg_send_video_note_args, length), 0, 0, 0, TG__K_I64, 0 },
    { "thumbnail", offsetof(tg_send_video_note_args, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "disable_notification", offsetof(tg_send_video_note_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_video_note_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_video_note_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_video_note_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_video_note_args, suggested_post_parameters), 0, offsetof(tg_send_video_note_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_video_note_args, reply_parameters), 0, offsetof(tg_send_video_note_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_video_note_args, reply_markup), 0, offsetof(tg_send_video_note_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_paid_media[] = {
    { "business_connection_id", offsetof(tg_send_paid_media_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_paid_media_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_paid_media_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_paid_media_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "star_count", offsetof(tg_send_paid_media_args, star_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "media", offsetof(tg_send_paid_media_args, media), offsetof(tg_send_paid_media_args, media_count), offsetof(tg_send_paid_media_args, media_json), 219, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "payload", offsetof(tg_send_paid_media_args, payload), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_send_paid_media_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_paid_media_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_send_paid_media_args, caption_entities), offsetof(tg_send_paid_media_args, caption_entities_count), offsetof(tg_send_paid_media_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_send_paid_media_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_paid_media_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_paid_media_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_paid_media_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "suggested_post_parameters", offsetof(tg_send_paid_media_args, suggested_post_parameters), 0, offsetof(tg_send_paid_media_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_paid_media_args, reply_parameters), 0, offsetof(tg_send_paid_media_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_paid_media_args, reply_markup), 0, offsetof(tg_send_paid_media_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_media_group[] = {
    { "business_connection_id", offsetof(tg_send_media_group_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_media_group_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_media_group_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_media_group_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "media", offsetof(tg_send_media_group_args, media), offsetof(tg_send_media_group_args, media_count), offsetof(tg_send_media_group_args, media_json), 207, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "disable_notification", offsetof(tg_send_media_group_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_media_group_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_media_group_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_media_group_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "reply_parameters", offsetof(tg_send_media_group_args, reply_parameters), 0, offsetof(tg_send_media_group_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_location[] = {
    { "business_connection_id", offsetof(tg_send_location_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_location_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_location_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_location_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "latitude", offsetof(tg_send_location_args, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_send_location_args, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "horizontal_accuracy", offsetof(tg_send_location_args, horizontal_accuracy), 0, 0, 0, TG__K_F64, 0 },
    { "live_period", offsetof(tg_send_location_args, live_period), 0, 0, 0, TG__K_I64, 0 },
    { "heading", offsetof(tg_send_location_args, heading), 0, 0, 0, TG__K_I64, 0 },
    { "proximity_alert_radius", offsetof(tg_send_location_args, proximity_alert_radius), 0, 0, 0, TG__K_I64, 0 },
    { "disable_notification", offsetof(tg_send_location_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_location_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_location_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_location_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_location_args, suggested_post_parameters), 0, offsetof(tg_send_location_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_location_args, reply_parameters), 0, offsetof(tg_send_location_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_location_args, reply_markup), 0, offsetof(tg_send_location_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_venue[] = {
    { "business_connection_id", offsetof(tg_send_venue_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_venue_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_venue_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_venue_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "latitude", offsetof(tg_send_venue_args, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_send_venue_args, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "title", offsetof(tg_send_venue_args, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "address", offsetof(tg_send_venue_args, address), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "foursquare_id", offsetof(tg_send_venue_args, foursquare_id), 0, 0, 0, TG__K_STR, 0 },
    { "foursquare_type", offsetof(tg_send_venue_args, foursquare_type), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_id", offsetof(tg_send_venue_args, google_place_id), 0, 0, 0, TG__K_STR, 0 },
    { "google_place_type", offsetof(tg_send_venue_args, google_place_type), 0, 0, 0, TG__K_STR, 0 },
    { "disable_notification", offsetof(tg_send_venue_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_venue_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_venue_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_venue_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_venue_args, suggested_post_parameters), 0, offsetof(tg_send_venue_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_venue_args, reply_parameters), 0, offsetof(tg_send_venue_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_venue_args, reply_markup), 0, offsetof(tg_send_venue_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_contact[] = {
    { "business_connection_id", offsetof(tg_send_contact_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_contact_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_contact_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_contact_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "phone_number", offsetof(tg_send_contact_args, phone_number), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "first_name", offsetof(tg_send_contact_args, first_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_name", offsetof(tg_send_contact_args, last_name), 0, 0, 0, TG__K_STR, 0 },
    { "vcard", offsetof(tg_send_contact_args, vcard), 0, 0, 0, TG__K_STR, 0 },
    { "disable_notification", offsetof(tg_send_contact_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_contact_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_contact_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_contact_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_contact_args, suggested_post_parameters), 0, offsetof(tg_send_contact_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_contact_args, reply_parameters), 0, offsetof(tg_send_contact_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_contact_args, reply_markup), 0, offsetof(tg_send_contact_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_poll[] = {
    { "business_connection_id", offsetof(tg_send_poll_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_poll_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_poll_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "question", offsetof(tg_send_poll_args, question), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "question_parse_mode", offsetof(tg_send_poll_args, question_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "question_entities", offsetof(tg_send_poll_args, question_entities), offsetof(tg_send_poll_args, question_entities_count), offsetof(tg_send_poll_args, question_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "options", offsetof(tg_send_poll_args, options), offsetof(tg_send_poll_args, options_count), offsetof(tg_send_poll_args, options_json), 41, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "is_anonymous", offsetof(tg_send_poll_args, is_anonymous), 0, 0, 0, TG__K_FLAG, 0 },
    { "type", offsetof(tg_send_poll_args, type), 0, 0, 0, TG__K_STR, 0 },
    { "allows_multiple_answers", offsetof(tg_send_poll_args, allows_multiple_answers), 0, 0, 0, TG__K_BOOL, 0 },
    { "allows_revoting", offsetof(tg_send_poll_args, allows_revoting), 0, 0, 0, TG__K_BOOL, 0 },
    { "shuffle_options", offsetof(tg_send_poll_args, shuffle_options), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_adding_options", offsetof(tg_send_poll_args, allow_adding_options), 0, 0, 0, TG__K_BOOL, 0 },
    { "hide_results_until_closes", offsetof(tg_send_poll_args, hide_results_until_closes), 0, 0, 0, TG__K_BOOL, 0 },
    { "members_only", offsetof(tg_send_poll_args, members_only), 0, 0, 0, TG__K_BOOL, 0 },
    { "country_codes", offsetof(tg_send_poll_args, country_codes), offsetof(tg_send_poll_args, country_codes_count), offsetof(tg_send_poll_args, country_codes_json), 0, TG__K_STR, TG__F_ARR|TG__F_RAW },
    { "correct_option_ids", offsetof(tg_send_poll_args, correct_option_ids), offsetof(tg_send_poll_args, correct_option_ids_count), offsetof(tg_send_poll_args, correct_option_ids_json), 0, TG__K_I64, TG__F_ARR|TG__F_RAW },
    { "explanation", offsetof(tg_send_poll_args, explanation), 0, 0, 0, TG__K_STR, 0 },
    { "explanation_parse_mode", offsetof(tg_send_poll_args, explanation_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "explanation_entities", offsetof(tg_send_poll_args, explanation_entities), offsetof(tg_send_poll_args, explanation_entities_count), offsetof(tg_send_poll_args, explanation_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "explanation_media", offsetof(tg_send_poll_args, explanation_media), 0, offsetof(tg_send_poll_args, explanation_media_json), 38, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "open_period", offsetof(tg_send_poll_args, open_period), 0, 0, 0, TG__K_I64, 0 },
    { "close_date", offsetof(tg_send_poll_args, close_date), 0, 0, 0, TG__K_I64, 0 },
    { "is_closed", offsetof(tg_send_poll_args, is_closed), 0, 0, 0, TG__K_BOOL, 0 },
    { "description", offsetof(tg_send_poll_args, description), 0, 0, 0, TG__K_STR, 0 },
    { "description_parse_mode", offsetof(tg_send_poll_args, description_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "description_entities", offsetof(tg_send_poll_args, description_entities), offsetof(tg_send_poll_args, description_entities_count), offsetof(tg_send_poll_args, description_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "media", offsetof(tg_send_poll_args, media), 0, offsetof(tg_send_poll_args, media_json), 38, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "disable_notification", offsetof(tg_send_poll_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_poll_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_poll_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_poll_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "reply_parameters", offsetof(tg_send_poll_args, reply_parameters), 0, offsetof(tg_send_poll_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_poll_args, reply_markup), 0, offsetof(tg_send_poll_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_checklist[] = {
    { "business_connection_id", offsetof(tg_send_checklist_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_id", offsetof(tg_send_checklist_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "checklist", offsetof(tg_send_checklist_args, checklist), 0, offsetof(tg_send_checklist_args, checklist_json), 47, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "disable_notification", offsetof(tg_send_checklist_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_checklist_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_checklist_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "reply_parameters", offsetof(tg_send_checklist_args, reply_parameters), 0, offsetof(tg_send_checklist_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_checklist_args, reply_markup), 0, offsetof(tg_send_checklist_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_dice[] = {
    { "business_connection_id", offsetof(tg_send_dice_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_dice_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_dice_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_dice_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "emoji", offsetof(tg_send_dice_args, emoji), 0, 0, 0, TG__K_STR, 0 },
    { "disable_notification", offsetof(tg_send_dice_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_dice_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_dice_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_dice_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_dice_args, suggested_post_parameters), 0, offsetof(tg_send_dice_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_dice_args, reply_parameters), 0, offsetof(tg_send_dice_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_dice_args, reply_markup), 0, offsetof(tg_send_dice_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_message_draft[] = {
    { "chat_id", offsetof(tg_send_message_draft_args, chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_message_draft_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "draft_id", offsetof(tg_send_message_draft_args, draft_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text", offsetof(tg_send_message_draft_args, text), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_send_message_draft_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_send_message_draft_args, entities), offsetof(tg_send_message_draft_args, entities_count), offsetof(tg_send_message_draft_args, entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_send_chat_action[] = {
    { "business_connection_id", offsetof(tg_send_chat_action_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_chat_action_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_chat_action_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "action", offsetof(tg_send_chat_action_args, action), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_set_message_reaction[] = {
    { "chat_id", offsetof(tg_set_message_reaction_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_set_message_reaction_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "reaction", offsetof(tg_set_message_reaction_args, reaction), offsetof(tg_set_message_reaction_args, reaction_count), offsetof(tg_set_message_reaction_args, reaction_json), 147, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "is_big", offsetof(tg_set_message_reaction_args, is_big), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_get_user_profile_photos[] = {
    { "user_id", offsetof(tg_get_user_profile_photos_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "offset", offsetof(tg_get_user_profile_photos_args, offset), 0, 0, 0, TG__K_I64, 0 },
    { "limit", offsetof(tg_get_user_profile_photos_args, limit), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_get_user_profile_audios[] = {
    { "user_id", offsetof(tg_get_user_profile_audios_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "offset", offsetof(tg_get_user_profile_audios_args, offset), 0, 0, 0, TG__K_I64, 0 },
    { "limit", offsetof(tg_get_user_profile_audios_args, limit), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_set_user_emoji_status[] = {
    { "user_id", offsetof(tg_set_user_emoji_status_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "emoji_status_custom_emoji_id", offsetof(tg_set_user_emoji_status_args, emoji_status_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
    { "emoji_status_expiration_date", offsetof(tg_set_user_emoji_status_args, emoji_status_expiration_date), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_get_file[] = {
    { "file_id", offsetof(tg_get_file_args, file_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_ban_chat_member[] = {
    { "chat_id", offsetof(tg_ban_chat_member_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_ban_chat_member_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "until_date", offsetof(tg_ban_chat_member_args, until_date), 0, 0, 0, TG__K_I64, 0 },
    { "revoke_messages", offsetof(tg_ban_chat_member_args, revoke_messages), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_unban_chat_member[] = {
    { "chat_id", offsetof(tg_unban_chat_member_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_unban_chat_member_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "only_if_banned", offsetof(tg_unban_chat_member_args, only_if_banned), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_restrict_chat_member[] = {
    { "chat_id", offsetof(tg_restrict_chat_member_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_restrict_chat_member_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "permissions", offsetof(tg_restrict_chat_member_args, permissions), 0, offsetof(tg_restrict_chat_member_args, permissions_json), 130, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "use_independent_chat_permissions", offsetof(tg_restrict_chat_member_args, use_independent_chat_permissions), 0, 0, 0, TG__K_BOOL, 0 },
    { "until_date", offsetof(tg_restrict_chat_member_args, until_date), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_promote_chat_member[] = {
    { "chat_id", offsetof(tg_promote_chat_member_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_promote_chat_member_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_anonymous", offsetof(tg_promote_chat_member_args, is_anonymous), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_manage_chat", offsetof(tg_promote_chat_member_args, can_manage_chat), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_delete_messages", offsetof(tg_promote_chat_member_args, can_delete_messages), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_manage_video_chats", offsetof(tg_promote_chat_member_args, can_manage_video_chats), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_restrict_members", offsetof(tg_promote_chat_member_args, can_restrict_members), 0, 0, 0, TG__K_FLAG, 0 },
    { "can_promote_members", offsetof(tg_promote_chat_member_args, can_promote_members), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_change_info", offsetof(tg_promote_chat_member_args, can_change_info), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_invite_users", offsetof(tg_promote_chat_member_args, can_invite_users), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_post_stories", offsetof(tg_promote_chat_member_args, can_post_stories), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_edit_stories", offsetof(tg_promote_chat_member_args, can_edit_stories), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_delete_stories", offsetof(tg_promote_chat_member_args, can_delete_stories), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_post_messages", offsetof(tg_promote_chat_member_args, can_post_messages), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_edit_messages", offsetof(tg_promote_chat_member_args, can_edit_messages), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_pin_messages", offsetof(tg_promote_chat_member_args, can_pin_messages), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_manage_topics", offsetof(tg_promote_chat_member_args, can_manage_topics), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_manage_direct_messages", offsetof(tg_promote_chat_member_args, can_manage_direct_messages), 0, 0, 0, TG__K_BOOL, 0 },
    { "can_manage_tags", offsetof(tg_promote_chat_member_args, can_manage_tags), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_set_chat_administrator_custom_title[] = {
    { "chat_id", offsetof(tg_set_chat_administrator_custom_title_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_set_chat_administrator_custom_title_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "custom_title", offsetof(tg_set_chat_administrator_custom_title_args, custom_title), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_set_chat_member_tag[] = {
    { "chat_id", offsetof(tg_set_chat_member_tag_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_set_chat_member_tag_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "tag", offsetof(tg_set_chat_member_tag_args, tag), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_ban_chat_sender_chat[] = {
    { "chat_id", offsetof(tg_ban_chat_sender_chat_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "sender_chat_id", offsetof(tg_ban_chat_sender_chat_args, sender_chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_unban_chat_sender_chat[] = {
    { "chat_id", offsetof(tg_unban_chat_sender_chat_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "sender_chat_id", offsetof(tg_unban_chat_sender_chat_args, sender_chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_set_chat_permissions[] = {
    { "chat_id", offsetof(tg_set_chat_permissions_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "permissions", offsetof(tg_set_chat_permissions_args, permissions), 0, offsetof(tg_set_chat_permissions_args, permissions_json), 130, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "use_independent_chat_permissions", offsetof(tg_set_chat_permissions_args, use_independent_chat_permissions), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_export_chat_invite_link[] = {
    { "chat_id", offsetof(tg_export_chat_invite_link_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_create_chat_invite_link[] = {
    { "chat_id", offsetof(tg_create_chat_invite_link_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "name", offsetof(tg_create_chat_invite_link_args, name), 0, 0, 0, TG__K_STR, 0 },
    { "expire_date", offsetof(tg_create_chat_invite_link_args, expire_date), 0, 0, 0, TG__K_I64, 0 },
    { "member_limit", offsetof(tg_create_chat_invite_link_args, member_limit), 0, 0, 0, TG__K_I64, 0 },
    { "creates_join_request", offsetof(tg_create_chat_invite_link_args, creates_join_request), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_edit_chat_invite_link[] = {
    { "chat_id", offsetof(tg_edit_chat_invite_link_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "invite_link", offsetof(tg_edit_chat_invite_link_args, invite_link), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "name", offsetof(tg_edit_chat_invite_link_args, name), 0, 0, 0, TG__K_STR, 0 },
    { "expire_date", offsetof(tg_edit_chat_invite_link_args, expire_date), 0, 0, 0, TG__K_I64, 0 },
    { "member_limit", offsetof(tg_edit_chat_invite_link_args, member_limit), 0, 0, 0, TG__K_I64, 0 },
    { "creates_join_request", offsetof(tg_edit_chat_invite_link_args, creates_join_request), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_create_chat_subscription_invite_link[] = {
    { "chat_id", offsetof(tg_create_chat_subscription_invite_link_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "name", offsetof(tg_create_chat_subscription_invite_link_args, name), 0, 0, 0, TG__K_STR, 0 },
    { "subscription_period", offsetof(tg_create_chat_subscription_invite_link_args, subscription_period), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "subscription_price", offsetof(tg_create_chat_subscription_invite_link_args, subscription_price), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_edit_chat_subscription_invite_link[] = {
    { "chat_id", offsetof(tg_edit_chat_subscription_invite_link_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "invite_link", offsetof(tg_edit_chat_subscription_invite_link_args, invite_link), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "name", offsetof(tg_edit_chat_subscription_invite_link_args, name), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_revoke_chat_invite_link[] = {
    { "chat_id", offsetof(tg_revoke_chat_invite_link_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "invite_link", offsetof(tg_revoke_chat_invite_link_args, invite_link), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_approve_chat_join_request[] = {
    { "chat_id", offsetof(tg_approve_chat_join_request_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_approve_chat_join_request_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_decline_chat_join_request[] = {
    { "chat_id", offsetof(tg_decline_chat_join_request_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_decline_chat_join_request_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_answer_chat_join_request_query[] = {
    { "chat_join_request_query_id", offsetof(tg_answer_chat_join_request_query_args, chat_join_request_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "result", offsetof(tg_answer_chat_join_request_query_args, result), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_send_chat_join_request_web_app[] = {
    { "chat_join_request_query_id", offsetof(tg_send_chat_join_request_web_app_args, chat_join_request_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "web_app_url", offsetof(tg_send_chat_join_request_web_app_args, web_app_url), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_set_chat_photo[] = {
    { "chat_id", offsetof(tg_set_chat_photo_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "photo", offsetof(tg_set_chat_photo_args, photo), 0, 0, 0, TG__K_FILE, TG__F_REQ },
};
static const tg__field tg__fa_delete_chat_photo[] = {
    { "chat_id", offsetof(tg_delete_chat_photo_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_set_chat_title[] = {
    { "chat_id", offsetof(tg_set_chat_title_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "title", offsetof(tg_set_chat_title_args, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_set_chat_description[] = {
    { "chat_id", offsetof(tg_set_chat_description_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "description", offsetof(tg_set_chat_description_args, description), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_pin_chat_message[] = {
    { "business_connection_id", offsetof(tg_pin_chat_message_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_pin_chat_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_pin_chat_message_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "disable_notification", offsetof(tg_pin_chat_message_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_unpin_chat_message[] = {
    { "business_connection_id", offsetof(tg_unpin_chat_message_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_unpin_chat_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_unpin_chat_message_args, message_id), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_unpin_all_chat_messages[] = {
    { "chat_id", offsetof(tg_unpin_all_chat_messages_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_leave_chat[] = {
    { "chat_id", offsetof(tg_leave_chat_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_get_chat[] = {
    { "chat_id", offsetof(tg_get_chat_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_get_chat_administrators[] = {
    { "chat_id", offsetof(tg_get_chat_administrators_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "return_bots", offsetof(tg_get_chat_administrators_args, return_bots), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_get_chat_member_count[] = {
    { "chat_id", offsetof(tg_get_chat_member_count_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_get_chat_member[] = {
    { "chat_id", offsetof(tg_get_chat_member_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_get_chat_member_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_get_user_personal_chat_messages[] = {
    { "user_id", offsetof(tg_get_user_personal_chat_messages_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "limit", offsetof(tg_get_user_personal_chat_messages_args, limit), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_set_chat_sticker_set[] = {
    { "chat_id", offsetof(tg_set_chat_sticker_set_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "sticker_set_name", offsetof(tg_set_chat_sticker_set_args, sticker_set_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_delete_chat_sticker_set[] = {
    { "chat_id", offsetof(tg_delete_chat_sticker_set_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_create_forum_topic[] = {
    { "chat_id", offsetof(tg_create_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "name", offsetof(tg_create_forum_topic_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "icon_color", offsetof(tg_create_forum_topic_args, icon_color), 0, 0, 0, TG__K_I64, 0 },
    { "icon_custom_emoji_id", offsetof(tg_create_forum_topic_args, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_edit_forum_topic[] = {
    { "chat_id", offsetof(tg_edit_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_edit_forum_topic_args, message_thread_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "name", offsetof(tg_edit_forum_topic_args, name), 0, 0, 0, TG__K_STR, 0 },
    { "icon_custom_emoji_id", offsetof(tg_edit_forum_topic_args, icon_custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_close_forum_topic[] = {
    { "chat_id", offsetof(tg_close_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_close_forum_topic_args, message_thread_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_reopen_forum_topic[] = {
    { "chat_id", offsetof(tg_reopen_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_reopen_forum_topic_args, message_thread_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_delete_forum_topic[] = {
    { "chat_id", offsetof(tg_delete_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_delete_forum_topic_args, message_thread_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_unpin_all_forum_topic_messages[] = {
    { "chat_id", offsetof(tg_unpin_all_forum_topic_messages_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_unpin_all_forum_topic_messages_args, message_thread_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_edit_general_forum_topic[] = {
    { "chat_id", offsetof(tg_edit_general_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "name", offsetof(tg_edit_general_forum_topic_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_close_general_forum_topic[] = {
    { "chat_id", offsetof(tg_close_general_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_reopen_general_forum_topic[] = {
    { "chat_id", offsetof(tg_reopen_general_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_hide_general_forum_topic[] = {
    { "chat_id", offsetof(tg_hide_general_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_unhide_general_forum_topic[] = {
    { "chat_id", offsetof(tg_unhide_general_forum_topic_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_unpin_all_general_forum_topic_messages[] = {
    { "chat_id", offsetof(tg_unpin_all_general_forum_topic_messages_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_answer_callback_query[] = {
    { "callback_query_id", offsetof(tg_answer_callback_query_args, callback_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "text", offsetof(tg_answer_callback_query_args, text), 0, 0, 0, TG__K_STR, 0 },
    { "show_alert", offsetof(tg_answer_callback_query_args, show_alert), 0, 0, 0, TG__K_BOOL, 0 },
    { "url", offsetof(tg_answer_callback_query_args, url), 0, 0, 0, TG__K_STR, 0 },
    { "cache_time", offsetof(tg_answer_callback_query_args, cache_time), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_answer_guest_query[] = {
    { "guest_query_id", offsetof(tg_answer_guest_query_args, guest_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "result", offsetof(tg_answer_guest_query_args, result), 0, offsetof(tg_answer_guest_query_args, result_json), 288, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_get_user_chat_boosts[] = {
    { "chat_id", offsetof(tg_get_user_chat_boosts_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_get_user_chat_boosts_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_get_business_connection[] = {
    { "business_connection_id", offsetof(tg_get_business_connection_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_get_managed_bot_token[] = {
    { "user_id", offsetof(tg_get_managed_bot_token_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_replace_managed_bot_token[] = {
    { "user_id", offsetof(tg_replace_managed_bot_token_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_get_managed_bot_access_settings[] = {
    { "user_id", offsetof(tg_get_managed_bot_access_settings_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_set_managed_bot_access_settings[] = {
    { "user_id", offsetof(tg_set_managed_bot_access_settings_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "is_access_restricted", offsetof(tg_set_managed_bot_access_settings_args, is_access_restricted), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "added_user_ids", offsetof(tg_set_managed_bot_access_settings_args, added_user_ids), offsetof(tg_set_managed_bot_access_settings_args, added_user_ids_count), offsetof(tg_set_managed_bot_access_settings_args, added_user_ids_json), 0, TG__K_I64, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_set_my_commands[] = {
    { "commands", offsetof(tg_set_my_commands_args, commands), offsetof(tg_set_my_commands_args, commands_count), offsetof(tg_set_my_commands_args, commands_json), 173, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "scope", offsetof(tg_set_my_commands_args, scope), 0, offsetof(tg_set_my_commands_args, scope_json), 174, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "language_code", offsetof(tg_set_my_commands_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_delete_my_commands[] = {
    { "scope", offsetof(tg_delete_my_commands_args, scope), 0, offsetof(tg_delete_my_commands_args, scope_json), 174, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "language_code", offsetof(tg_delete_my_commands_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_get_my_commands[] = {
    { "scope", offsetof(tg_get_my_commands_args, scope), 0, offsetof(tg_get_my_commands_args, scope_json), 174, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "language_code", offsetof(tg_get_my_commands_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_my_name[] = {
    { "name", offsetof(tg_set_my_name_args, name), 0, 0, 0, TG__K_STR, 0 },
    { "language_code", offsetof(tg_set_my_name_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_get_my_name[] = {
    { "language_code", offsetof(tg_get_my_name_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_my_description[] = {
    { "description", offsetof(tg_set_my_description_args, description), 0, 0, 0, TG__K_STR, 0 },
    { "language_code", offsetof(tg_set_my_description_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_get_my_description[] = {
    { "language_code", offsetof(tg_get_my_description_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_my_short_description[] = {
    { "short_description", offsetof(tg_set_my_short_description_args, short_description), 0, 0, 0, TG__K_STR, 0 },
    { "language_code", offsetof(tg_set_my_short_description_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_get_my_short_description[] = {
    { "language_code", offsetof(tg_get_my_short_description_args, language_code), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_my_profile_photo[] = {
    { "photo", offsetof(tg_set_my_profile_photo_args, photo), 0, offsetof(tg_set_my_profile_photo_args, photo_json), 223, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_set_chat_menu_button[] = {
    { "chat_id", offsetof(tg_set_chat_menu_button_args, chat_id), 0, 0, 0, TG__K_I64, 0 },
    { "menu_button", offsetof(tg_set_chat_menu_button_args, menu_button), 0, offsetof(tg_set_chat_menu_button_args, menu_button_json), 185, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_get_chat_menu_button[] = {
    { "chat_id", offsetof(tg_get_chat_menu_button_args, chat_id), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_set_my_default_administrator_rights[] = {
    { "rights", offsetof(tg_set_my_default_administrator_rights_args, rights), 0, offsetof(tg_set_my_default_administrator_rights_args, rights_json), 120, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "for_channels", offsetof(tg_set_my_default_administrator_rights_args, for_channels), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_get_my_default_administrator_rights[] = {
    { "for_channels", offsetof(tg_get_my_default_administrator_rights_args, for_channels), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_send_gift[] = {
    { "user_id", offsetof(tg_send_gift_args, user_id), 0, 0, 0, TG__K_I64, 0 },
    { "chat_id", offsetof(tg_send_gift_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "gift_id", offsetof(tg_send_gift_args, gift_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "pay_for_upgrade", offsetof(tg_send_gift_args, pay_for_upgrade), 0, 0, 0, TG__K_BOOL, 0 },
    { "text", offsetof(tg_send_gift_args, text), 0, 0, 0, TG__K_STR, 0 },
    { "text_parse_mode", offsetof(tg_send_gift_args, text_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "text_entities", offsetof(tg_send_gift_args, text_entities), offsetof(tg_send_gift_args, text_entities_count), offsetof(tg_send_gift_args, text_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_gift_premium_subscription[] = {
    { "user_id", offsetof(tg_gift_premium_subscription_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "month_count", offsetof(tg_gift_premium_subscription_args, month_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "star_count", offsetof(tg_gift_premium_subscription_args, star_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "text", offsetof(tg_gift_premium_subscription_args, text), 0, 0, 0, TG__K_STR, 0 },
    { "text_parse_mode", offsetof(tg_gift_premium_subscription_args, text_parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "text_entities", offsetof(tg_gift_premium_subscription_args, text_entities), offsetof(tg_gift_premium_subscription_args, text_entities_count), offsetof(tg_gift_premium_subscription_args, text_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_verify_user[] = {
    { "user_id", offsetof(tg_verify_user_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "custom_description", offsetof(tg_verify_user_args, custom_description), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_verify_chat[] = {
    { "chat_id", offsetof(tg_verify_chat_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "custom_description", offsetof(tg_verify_chat_args, custom_description), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_remove_user_verification[] = {
    { "user_id", offsetof(tg_remove_user_verification_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_remove_chat_verification[] = {
    { "chat_id", offsetof(tg_remove_chat_verification_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
};
static const tg__field tg__fa_read_business_message[] = {
    { "business_connection_id", offsetof(tg_read_business_message_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_id", offsetof(tg_read_business_message_args, chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message_id", offsetof(tg_read_business_message_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_delete_business_messages[] = {
    { "business_connection_id", offsetof(tg_delete_business_messages_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "message_ids", offsetof(tg_delete_business_messages_args, message_ids), offsetof(tg_delete_business_messages_args, message_ids_count), offsetof(tg_delete_business_messages_args, message_ids_json), 0, TG__K_I64, TG__F_REQ|TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_set_business_account_name[] = {
    { "business_connection_id", offsetof(tg_set_business_account_name_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "first_name", offsetof(tg_set_business_account_name_args, first_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "last_name", offsetof(tg_set_business_account_name_args, last_name), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_business_account_username[] = {
    { "business_connection_id", offsetof(tg_set_business_account_username_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "username", offsetof(tg_set_business_account_username_args, username), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_business_account_bio[] = {
    { "business_connection_id", offsetof(tg_set_business_account_bio_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "bio", offsetof(tg_set_business_account_bio_args, bio), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_set_business_account_profile_photo[] = {
    { "business_connection_id", offsetof(tg_set_business_account_profile_photo_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "photo", offsetof(tg_set_business_account_profile_photo_args, photo), 0, offsetof(tg_set_business_account_profile_photo_args, photo_json), 223, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "is_public", offsetof(tg_set_business_account_profile_photo_args, is_public), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_remove_business_account_profile_photo[] = {
    { "business_connection_id", offsetof(tg_remove_business_account_profile_photo_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "is_public", offsetof(tg_remove_business_account_profile_photo_args, is_public), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_set_business_account_gift_settings[] = {
    { "business_connection_id", offsetof(tg_set_business_account_gift_settings_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "show_gift_button", offsetof(tg_set_business_account_gift_settings_args, show_gift_button), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "accepted_gift_types", offsetof(tg_set_business_account_gift_settings_args, accepted_gift_types), 0, offsetof(tg_set_business_account_gift_settings_args, accepted_gift_types_json), 171, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_get_business_account_star_balance[] = {
    { "business_connection_id", offsetof(tg_get_business_account_star_balance_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_transfer_business_account_stars[] = {
    { "business_connection_id", offsetof(tg_transfer_business_account_stars_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "star_count", offsetof(tg_transfer_business_account_stars_args, star_count), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_get_business_account_gifts[] = {
    { "business_connection_id", offsetof(tg_get_business_account_gifts_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "exclude_unsaved", offsetof(tg_get_business_account_gifts_args, exclude_unsaved), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_saved", offsetof(tg_get_business_account_gifts_args, exclude_saved), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_unlimited", offsetof(tg_get_business_account_gifts_args, exclude_unlimited), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_limited_upgradable", offsetof(tg_get_business_account_gifts_args, exclude_limited_upgradable), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_limited_non_upgradable", offsetof(tg_get_business_account_gifts_args, exclude_limited_non_upgradable), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_unique", offsetof(tg_get_business_account_gifts_args, exclude_unique), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_from_blockchain", offsetof(tg_get_business_account_gifts_args, exclude_from_blockchain), 0, 0, 0, TG__K_BOOL, 0 },
    { "sort_by_price", offsetof(tg_get_business_account_gifts_args, sort_by_price), 0, 0, 0, TG__K_BOOL, 0 },
    { "offset", offsetof(tg_get_business_account_gifts_args, offset), 0, 0, 0, TG__K_STR, 0 },
    { "limit", offsetof(tg_get_business_account_gifts_args, limit), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_get_user_gifts[] = {
    { "user_id", offsetof(tg_get_user_gifts_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "exclude_unlimited", offsetof(tg_get_user_gifts_args, exclude_unlimited), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_limited_upgradable", offsetof(tg_get_user_gifts_args, exclude_limited_upgradable), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_limited_non_upgradable", offsetof(tg_get_user_gifts_args, exclude_limited_non_upgradable), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_from_blockchain", offsetof(tg_get_user_gifts_args, exclude_from_blockchain), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_unique", offsetof(tg_get_user_gifts_args, exclude_unique), 0, 0, 0, TG__K_BOOL, 0 },
    { "sort_by_price", offsetof(tg_get_user_gifts_args, sort_by_price), 0, 0, 0, TG__K_BOOL, 0 },
    { "offset", offsetof(tg_get_user_gifts_args, offset), 0, 0, 0, TG__K_STR, 0 },
    { "limit", offsetof(tg_get_user_gifts_args, limit), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_get_chat_gifts[] = {
    { "chat_id", offsetof(tg_get_chat_gifts_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "exclude_unsaved", offsetof(tg_get_chat_gifts_args, exclude_unsaved), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_saved", offsetof(tg_get_chat_gifts_args, exclude_saved), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_unlimited", offsetof(tg_get_chat_gifts_args, exclude_unlimited), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_limited_upgradable", offsetof(tg_get_chat_gifts_args, exclude_limited_upgradable), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_limited_non_upgradable", offsetof(tg_get_chat_gifts_args, exclude_limited_non_upgradable), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_from_blockchain", offsetof(tg_get_chat_gifts_args, exclude_from_blockchain), 0, 0, 0, TG__K_BOOL, 0 },
    { "exclude_unique", offsetof(tg_get_chat_gifts_args, exclude_unique), 0, 0, 0, TG__K_BOOL, 0 },
    { "sort_by_price", offsetof(tg_get_chat_gifts_args, sort_by_price), 0, 0, 0, TG__K_BOOL, 0 },
    { "offset", offsetof(tg_get_chat_gifts_args, offset), 0, 0, 0, TG__K_STR, 0 },
    { "limit", offsetof(tg_get_chat_gifts_args, limit), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_convert_gift_to_stars[] = {
    { "business_connection_id", offsetof(tg_convert_gift_to_stars_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "owned_gift_id", offsetof(tg_convert_gift_to_stars_args, owned_gift_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_upgrade_gift[] = {
    { "business_connection_id", offsetof(tg_upgrade_gift_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "owned_gift_id", offsetof(tg_upgrade_gift_args, owned_gift_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "keep_original_details", offsetof(tg_upgrade_gift_args, keep_original_details), 0, 0, 0, TG__K_BOOL, 0 },
    { "star_count", offsetof(tg_upgrade_gift_args, star_count), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_transfer_gift[] = {
    { "business_connection_id", offsetof(tg_transfer_gift_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "owned_gift_id", offsetof(tg_transfer_gift_args, owned_gift_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "new_owner_chat_id", offsetof(tg_transfer_gift_args, new_owner_chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "star_count", offsetof(tg_transfer_gift_args, star_count), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_post_story[] = {
    { "business_connection_id", offsetof(tg_post_story_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "content", offsetof(tg_post_story_args, content), 0, offsetof(tg_post_story_args, content_json), 226, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "active_period", offsetof(tg_post_story_args, active_period), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "caption", offsetof(tg_post_story_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_post_story_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_post_story_args, caption_entities), offsetof(tg_post_story_args, caption_entities_count), offsetof(tg_post_story_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "areas", offsetof(tg_post_story_args, areas), offsetof(tg_post_story_args, areas_count), offsetof(tg_post_story_args, areas_json), 145, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "post_to_chat_page", offsetof(tg_post_story_args, post_to_chat_page), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_post_story_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_repost_story[] = {
    { "business_connection_id", offsetof(tg_repost_story_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "from_chat_id", offsetof(tg_repost_story_args, from_chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "from_story_id", offsetof(tg_repost_story_args, from_story_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "active_period", offsetof(tg_repost_story_args, active_period), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "post_to_chat_page", offsetof(tg_repost_story_args, post_to_chat_page), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_repost_story_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_edit_story[] = {
    { "business_connection_id", offsetof(tg_edit_story_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "story_id", offsetof(tg_edit_story_args, story_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "content", offsetof(tg_edit_story_args, content), 0, offsetof(tg_edit_story_args, content_json), 226, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "caption", offsetof(tg_edit_story_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_edit_story_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_edit_story_args, caption_entities), offsetof(tg_edit_story_args, caption_entities_count), offsetof(tg_edit_story_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "areas", offsetof(tg_edit_story_args, areas), offsetof(tg_edit_story_args, areas_count), offsetof(tg_edit_story_args, areas_json), 145, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_delete_story[] = {
    { "business_connection_id", offsetof(tg_delete_story_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "story_id", offsetof(tg_delete_story_args, story_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_answer_web_app_query[] = {
    { "web_app_query_id", offsetof(tg_answer_web_app_query_args, web_app_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "result", offsetof(tg_answer_web_app_query_args, result), 0, offsetof(tg_answer_web_app_query_args, result_json), 288, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_save_prepared_inline_message[] = {
    { "user_id", offsetof(tg_save_prepared_inline_message_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "result", offsetof(tg_save_prepared_inline_message_args, result), 0, offsetof(tg_save_prepared_inline_message_args, result_json), 288, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "allow_user_chats", offsetof(tg_save_prepared_inline_message_args, allow_user_chats), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_bot_chats", offsetof(tg_save_prepared_inline_message_args, allow_bot_chats), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_group_chats", offsetof(tg_save_prepared_inline_message_args, allow_group_chats), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_channel_chats", offsetof(tg_save_prepared_inline_message_args, allow_channel_chats), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_save_prepared_keyboard_button[] = {
    { "user_id", offsetof(tg_save_prepared_keyboard_button_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "button", offsetof(tg_save_prepared_keyboard_button_args, button), 0, offsetof(tg_save_prepared_keyboard_button_args, button_json), 105, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_edit_message_text[] = {
    { "business_connection_id", offsetof(tg_edit_message_text_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_edit_message_text_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "message_id", offsetof(tg_edit_message_text_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_edit_message_text_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "text", offsetof(tg_edit_message_text_args, text), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_edit_message_text_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "entities", offsetof(tg_edit_message_text_args, entities), offsetof(tg_edit_message_text_args, entities_count), offsetof(tg_edit_message_text_args, entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "link_preview_options", offsetof(tg_edit_message_text_args, link_preview_options), 0, offsetof(tg_edit_message_text_args, link_preview_options_json), 95, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "rich_message", offsetof(tg_edit_message_text_args, rich_message), 0, offsetof(tg_edit_message_text_args, rich_message_json), 234, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_edit_message_text_args, reply_markup), 0, offsetof(tg_edit_message_text_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_edit_message_caption[] = {
    { "business_connection_id", offsetof(tg_edit_message_caption_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_edit_message_caption_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "message_id", offsetof(tg_edit_message_caption_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_edit_message_caption_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "caption", offsetof(tg_edit_message_caption_args, caption), 0, 0, 0, TG__K_STR, 0 },
    { "parse_mode", offsetof(tg_edit_message_caption_args, parse_mode), 0, 0, 0, TG__K_STR, 0 },
    { "caption_entities", offsetof(tg_edit_message_caption_args, caption_entities), offsetof(tg_edit_message_caption_args, caption_entities_count), offsetof(tg_edit_message_caption_args, caption_entities_json), 9, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "show_caption_above_media", offsetof(tg_edit_message_caption_args, show_caption_above_media), 0, 0, 0, TG__K_BOOL, 0 },
    { "reply_markup", offsetof(tg_edit_message_caption_args, reply_markup), 0, offsetof(tg_edit_message_caption_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_edit_message_media[] = {
    { "business_connection_id", offsetof(tg_edit_message_media_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_edit_message_media_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "message_id", offsetof(tg_edit_message_media_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_edit_message_media_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "media", offsetof(tg_edit_message_media_args, media), 0, offsetof(tg_edit_message_media_args, media_json), 207, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_edit_message_media_args, reply_markup), 0, offsetof(tg_edit_message_media_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_edit_message_live_location[] = {
    { "business_connection_id", offsetof(tg_edit_message_live_location_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_edit_message_live_location_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "message_id", offsetof(tg_edit_message_live_location_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_edit_message_live_location_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "latitude", offsetof(tg_edit_message_live_location_args, latitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "longitude", offsetof(tg_edit_message_live_location_args, longitude), 0, 0, 0, TG__K_F64, TG__F_REQ },
    { "live_period", offsetof(tg_edit_message_live_location_args, live_period), 0, 0, 0, TG__K_I64, 0 },
    { "horizontal_accuracy", offsetof(tg_edit_message_live_location_args, horizontal_accuracy), 0, 0, 0, TG__K_F64, 0 },
    { "heading", offsetof(tg_edit_message_live_location_args, heading), 0, 0, 0, TG__K_I64, 0 },
    { "proximity_alert_radius", offsetof(tg_edit_message_live_location_args, proximity_alert_radius), 0, 0, 0, TG__K_I64, 0 },
    { "reply_markup", offsetof(tg_edit_message_live_location_args, reply_markup), 0, offsetof(tg_edit_message_live_location_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_stop_message_live_location[] = {
    { "business_connection_id", offsetof(tg_stop_message_live_location_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_stop_message_live_location_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "message_id", offsetof(tg_stop_message_live_location_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_stop_message_live_location_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "reply_markup", offsetof(tg_stop_message_live_location_args, reply_markup), 0, offsetof(tg_stop_message_live_location_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_edit_message_checklist[] = {
    { "business_connection_id", offsetof(tg_edit_message_checklist_args, business_connection_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "chat_id", offsetof(tg_edit_message_checklist_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_edit_message_checklist_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "checklist", offsetof(tg_edit_message_checklist_args, checklist), 0, offsetof(tg_edit_message_checklist_args, checklist_json), 47, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_edit_message_checklist_args, reply_markup), 0, offsetof(tg_edit_message_checklist_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_edit_message_reply_markup[] = {
    { "business_connection_id", offsetof(tg_edit_message_reply_markup_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_edit_message_reply_markup_args, chat_id), 0, 0, 0, TG__K_CHATREF, 0 },
    { "message_id", offsetof(tg_edit_message_reply_markup_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_edit_message_reply_markup_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
    { "reply_markup", offsetof(tg_edit_message_reply_markup_args, reply_markup), 0, offsetof(tg_edit_message_reply_markup_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_stop_poll[] = {
    { "business_connection_id", offsetof(tg_stop_poll_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_stop_poll_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_stop_poll_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "reply_markup", offsetof(tg_stop_poll_args, reply_markup), 0, offsetof(tg_stop_poll_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_approve_suggested_post[] = {
    { "chat_id", offsetof(tg_approve_suggested_post_args, chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message_id", offsetof(tg_approve_suggested_post_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "send_date", offsetof(tg_approve_suggested_post_args, send_date), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_decline_suggested_post[] = {
    { "chat_id", offsetof(tg_decline_suggested_post_args, chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message_id", offsetof(tg_decline_suggested_post_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "comment", offsetof(tg_decline_suggested_post_args, comment), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_delete_message[] = {
    { "chat_id", offsetof(tg_delete_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_delete_message_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_delete_messages[] = {
    { "chat_id", offsetof(tg_delete_messages_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_ids", offsetof(tg_delete_messages_args, message_ids), offsetof(tg_delete_messages_args, message_ids_count), offsetof(tg_delete_messages_args, message_ids_json), 0, TG__K_I64, TG__F_REQ|TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_delete_message_reaction[] = {
    { "chat_id", offsetof(tg_delete_message_reaction_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_id", offsetof(tg_delete_message_reaction_args, message_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "user_id", offsetof(tg_delete_message_reaction_args, user_id), 0, 0, 0, TG__K_I64, 0 },
    { "actor_chat_id", offsetof(tg_delete_message_reaction_args, actor_chat_id), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_delete_all_message_reactions[] = {
    { "chat_id", offsetof(tg_delete_all_message_reactions_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "user_id", offsetof(tg_delete_all_message_reactions_args, user_id), 0, 0, 0, TG__K_I64, 0 },
    { "actor_chat_id", offsetof(tg_delete_all_message_reactions_args, actor_chat_id), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_send_sticker[] = {
    { "business_connection_id", offsetof(tg_send_sticker_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_sticker_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_sticker_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_sticker_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "sticker", offsetof(tg_send_sticker_args, sticker), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "emoji", offsetof(tg_send_sticker_args, emoji), 0, 0, 0, TG__K_STR, 0 },
    { "disable_notification", offsetof(tg_send_sticker_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_sticker_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_sticker_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_sticker_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_sticker_args, suggested_post_parameters), 0, offsetof(tg_send_sticker_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_sticker_args, reply_parameters), 0, offsetof(tg_send_sticker_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_sticker_args, reply_markup), 0, offsetof(tg_send_sticker_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_get_sticker_set[] = {
    { "name", offsetof(tg_get_sticker_set_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_get_custom_emoji_stickers[] = {
    { "custom_emoji_ids", offsetof(tg_get_custom_emoji_stickers_args, custom_emoji_ids), offsetof(tg_get_custom_emoji_stickers_args, custom_emoji_ids_count), offsetof(tg_get_custom_emoji_stickers_args, custom_emoji_ids_json), 0, TG__K_STR, TG__F_REQ|TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_upload_sticker_file[] = {
    { "user_id", offsetof(tg_upload_sticker_file_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "sticker", offsetof(tg_upload_sticker_file_args, sticker), 0, 0, 0, TG__K_FILE, TG__F_REQ },
    { "sticker_format", offsetof(tg_upload_sticker_file_args, sticker_format), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_create_new_sticker_set[] = {
    { "user_id", offsetof(tg_create_new_sticker_set_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "name", offsetof(tg_create_new_sticker_set_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_create_new_sticker_set_args, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "stickers", offsetof(tg_create_new_sticker_set_args, stickers), offsetof(tg_create_new_sticker_set_args, stickers_count), offsetof(tg_create_new_sticker_set_args, stickers_json), 232, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "sticker_type", offsetof(tg_create_new_sticker_set_args, sticker_type), 0, 0, 0, TG__K_STR, 0 },
    { "needs_repainting", offsetof(tg_create_new_sticker_set_args, needs_repainting), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_add_sticker_to_set[] = {
    { "user_id", offsetof(tg_add_sticker_to_set_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "name", offsetof(tg_add_sticker_to_set_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker", offsetof(tg_add_sticker_to_set_args, sticker), 0, offsetof(tg_add_sticker_to_set_args, sticker_json), 232, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_set_sticker_position_in_set[] = {
    { "sticker", offsetof(tg_set_sticker_position_in_set_args, sticker), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "position", offsetof(tg_set_sticker_position_in_set_args, position), 0, 0, 0, TG__K_I64, TG__F_REQ },
};
static const tg__field tg__fa_delete_sticker_from_set[] = {
    { "sticker", offsetof(tg_delete_sticker_from_set_args, sticker), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_replace_sticker_in_set[] = {
    { "user_id", offsetof(tg_replace_sticker_in_set_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "name", offsetof(tg_replace_sticker_in_set_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "old_sticker", offsetof(tg_replace_sticker_in_set_args, old_sticker), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "sticker", offsetof(tg_replace_sticker_in_set_args, sticker), 0, offsetof(tg_replace_sticker_in_set_args, sticker_json), 232, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_set_sticker_emoji_list[] = {
    { "sticker", offsetof(tg_set_sticker_emoji_list_args, sticker), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "emoji_list", offsetof(tg_set_sticker_emoji_list_args, emoji_list), offsetof(tg_set_sticker_emoji_list_args, emoji_list_count), offsetof(tg_set_sticker_emoji_list_args, emoji_list_json), 0, TG__K_STR, TG__F_REQ|TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_set_sticker_keywords[] = {
    { "sticker", offsetof(tg_set_sticker_keywords_args, sticker), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "keywords", offsetof(tg_set_sticker_keywords_args, keywords), offsetof(tg_set_sticker_keywords_args, keywords_count), offsetof(tg_set_sticker_keywords_args, keywords_json), 0, TG__K_STR, TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_set_sticker_mask_position[] = {
    { "sticker", offsetof(tg_set_sticker_mask_position_args, sticker), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "mask_position", offsetof(tg_set_sticker_mask_position_args, mask_position), 0, offsetof(tg_set_sticker_mask_position_args, mask_position_json), 231, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_set_sticker_set_title[] = {
    { "name", offsetof(tg_set_sticker_set_title_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "title", offsetof(tg_set_sticker_set_title_args, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_set_sticker_set_thumbnail[] = {
    { "name", offsetof(tg_set_sticker_set_thumbnail_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "user_id", offsetof(tg_set_sticker_set_thumbnail_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "thumbnail", offsetof(tg_set_sticker_set_thumbnail_args, thumbnail), 0, 0, 0, TG__K_FILE, 0 },
    { "format", offsetof(tg_set_sticker_set_thumbnail_args, format), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_set_custom_emoji_sticker_set_thumbnail[] = {
    { "name", offsetof(tg_set_custom_emoji_sticker_set_thumbnail_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "custom_emoji_id", offsetof(tg_set_custom_emoji_sticker_set_thumbnail_args, custom_emoji_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_delete_sticker_set[] = {
    { "name", offsetof(tg_delete_sticker_set_args, name), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_send_rich_message[] = {
    { "business_connection_id", offsetof(tg_send_rich_message_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_rich_message_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_rich_message_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_rich_message_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "rich_message", offsetof(tg_send_rich_message_args, rich_message), 0, offsetof(tg_send_rich_message_args, rich_message_json), 234, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
    { "disable_notification", offsetof(tg_send_rich_message_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_rich_message_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_rich_message_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_rich_message_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_rich_message_args, suggested_post_parameters), 0, offsetof(tg_send_rich_message_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_rich_message_args, reply_parameters), 0, offsetof(tg_send_rich_message_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_rich_message_args, reply_markup), 0, offsetof(tg_send_rich_message_args, reply_markup_json), 359, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_rich_message_draft[] = {
    { "chat_id", offsetof(tg_send_rich_message_draft_args, chat_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_rich_message_draft_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "draft_id", offsetof(tg_send_rich_message_draft_args, draft_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "rich_message", offsetof(tg_send_rich_message_draft_args, rich_message), 0, offsetof(tg_send_rich_message_draft_args, rich_message_json), 234, TG__K_OBJ, TG__F_REQ|TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_answer_inline_query[] = {
    { "inline_query_id", offsetof(tg_answer_inline_query_args, inline_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "results", offsetof(tg_answer_inline_query_args, results), offsetof(tg_answer_inline_query_args, results_count), offsetof(tg_answer_inline_query_args, results_json), 288, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "cache_time", offsetof(tg_answer_inline_query_args, cache_time), 0, 0, 0, TG__K_I64, 0 },
    { "is_personal", offsetof(tg_answer_inline_query_args, is_personal), 0, 0, 0, TG__K_BOOL, 0 },
    { "next_offset", offsetof(tg_answer_inline_query_args, next_offset), 0, 0, 0, TG__K_STR, 0 },
    { "button", offsetof(tg_answer_inline_query_args, button), 0, offsetof(tg_answer_inline_query_args, button_json), 287, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_send_invoice[] = {
    { "chat_id", offsetof(tg_send_invoice_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_invoice_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "direct_messages_topic_id", offsetof(tg_send_invoice_args, direct_messages_topic_id), 0, 0, 0, TG__K_I64, 0 },
    { "title", offsetof(tg_send_invoice_args, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_send_invoice_args, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "payload", offsetof(tg_send_invoice_args, payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "provider_token", offsetof(tg_send_invoice_args, provider_token), 0, 0, 0, TG__K_STR, 0 },
    { "currency", offsetof(tg_send_invoice_args, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "prices", offsetof(tg_send_invoice_args, prices), offsetof(tg_send_invoice_args, prices_count), offsetof(tg_send_invoice_args, prices_json), 317, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "max_tip_amount", offsetof(tg_send_invoice_args, max_tip_amount), 0, 0, 0, TG__K_I64, 0 },
    { "suggested_tip_amounts", offsetof(tg_send_invoice_args, suggested_tip_amounts), offsetof(tg_send_invoice_args, suggested_tip_amounts_count), offsetof(tg_send_invoice_args, suggested_tip_amounts_json), 0, TG__K_I64, TG__F_ARR|TG__F_RAW },
    { "start_parameter", offsetof(tg_send_invoice_args, start_parameter), 0, 0, 0, TG__K_STR, 0 },
    { "provider_data", offsetof(tg_send_invoice_args, provider_data), 0, 0, 0, TG__K_STR, 0 },
    { "photo_url", offsetof(tg_send_invoice_args, photo_url), 0, 0, 0, TG__K_STR, 0 },
    { "photo_size", offsetof(tg_send_invoice_args, photo_size), 0, 0, 0, TG__K_I64, 0 },
    { "photo_width", offsetof(tg_send_invoice_args, photo_width), 0, 0, 0, TG__K_I64, 0 },
    { "photo_height", offsetof(tg_send_invoice_args, photo_height), 0, 0, 0, TG__K_I64, 0 },
    { "need_name", offsetof(tg_send_invoice_args, need_name), 0, 0, 0, TG__K_BOOL, 0 },
    { "need_phone_number", offsetof(tg_send_invoice_args, need_phone_number), 0, 0, 0, TG__K_BOOL, 0 },
    { "need_email", offsetof(tg_send_invoice_args, need_email), 0, 0, 0, TG__K_BOOL, 0 },
    { "need_shipping_address", offsetof(tg_send_invoice_args, need_shipping_address), 0, 0, 0, TG__K_BOOL, 0 },
    { "send_phone_number_to_provider", offsetof(tg_send_invoice_args, send_phone_number_to_provider), 0, 0, 0, TG__K_BOOL, 0 },
    { "send_email_to_provider", offsetof(tg_send_invoice_args, send_email_to_provider), 0, 0, 0, TG__K_BOOL, 0 },
    { "is_flexible", offsetof(tg_send_invoice_args, is_flexible), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_notification", offsetof(tg_send_invoice_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_invoice_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_invoice_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_invoice_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "suggested_post_parameters", offsetof(tg_send_invoice_args, suggested_post_parameters), 0, offsetof(tg_send_invoice_args, suggested_post_parameters_json), 98, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_parameters", offsetof(tg_send_invoice_args, reply_parameters), 0, offsetof(tg_send_invoice_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_invoice_args, reply_markup), 0, offsetof(tg_send_invoice_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_create_invoice_link[] = {
    { "business_connection_id", offsetof(tg_create_invoice_link_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "title", offsetof(tg_create_invoice_link_args, title), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "description", offsetof(tg_create_invoice_link_args, description), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "payload", offsetof(tg_create_invoice_link_args, payload), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "provider_token", offsetof(tg_create_invoice_link_args, provider_token), 0, 0, 0, TG__K_STR, 0 },
    { "currency", offsetof(tg_create_invoice_link_args, currency), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "prices", offsetof(tg_create_invoice_link_args, prices), offsetof(tg_create_invoice_link_args, prices_count), offsetof(tg_create_invoice_link_args, prices_json), 317, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
    { "subscription_period", offsetof(tg_create_invoice_link_args, subscription_period), 0, 0, 0, TG__K_I64, 0 },
    { "max_tip_amount", offsetof(tg_create_invoice_link_args, max_tip_amount), 0, 0, 0, TG__K_I64, 0 },
    { "suggested_tip_amounts", offsetof(tg_create_invoice_link_args, suggested_tip_amounts), offsetof(tg_create_invoice_link_args, suggested_tip_amounts_count), offsetof(tg_create_invoice_link_args, suggested_tip_amounts_json), 0, TG__K_I64, TG__F_ARR|TG__F_RAW },
    { "provider_data", offsetof(tg_create_invoice_link_args, provider_data), 0, 0, 0, TG__K_STR, 0 },
    { "photo_url", offsetof(tg_create_invoice_link_args, photo_url), 0, 0, 0, TG__K_STR, 0 },
    { "photo_size", offsetof(tg_create_invoice_link_args, photo_size), 0, 0, 0, TG__K_I64, 0 },
    { "photo_width", offsetof(tg_create_invoice_link_args, photo_width), 0, 0, 0, TG__K_I64, 0 },
    { "photo_height", offsetof(tg_create_invoice_link_args, photo_height), 0, 0, 0, TG__K_I64, 0 },
    { "need_name", offsetof(tg_create_invoice_link_args, need_name), 0, 0, 0, TG__K_BOOL, 0 },
    { "need_phone_number", offsetof(tg_create_invoice_link_args, need_phone_number), 0, 0, 0, TG__K_BOOL, 0 },
    { "need_email", offsetof(tg_create_invoice_link_args, need_email), 0, 0, 0, TG__K_BOOL, 0 },
    { "need_shipping_address", offsetof(tg_create_invoice_link_args, need_shipping_address), 0, 0, 0, TG__K_BOOL, 0 },
    { "send_phone_number_to_provider", offsetof(tg_create_invoice_link_args, send_phone_number_to_provider), 0, 0, 0, TG__K_BOOL, 0 },
    { "send_email_to_provider", offsetof(tg_create_invoice_link_args, send_email_to_provider), 0, 0, 0, TG__K_BOOL, 0 },
    { "is_flexible", offsetof(tg_create_invoice_link_args, is_flexible), 0, 0, 0, TG__K_BOOL, 0 },
};
static const tg__field tg__fa_answer_shipping_query[] = {
    { "shipping_query_id", offsetof(tg_answer_shipping_query_args, shipping_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "ok", offsetof(tg_answer_shipping_query_args, ok), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "shipping_options", offsetof(tg_answer_shipping_query_args, shipping_options), offsetof(tg_answer_shipping_query_args, shipping_options_count), offsetof(tg_answer_shipping_query_args, shipping_options_json), 321, TG__K_OBJ, TG__F_ARR|TG__F_RAW },
    { "error_message", offsetof(tg_answer_shipping_query_args, error_message), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_answer_pre_checkout_query[] = {
    { "pre_checkout_query_id", offsetof(tg_answer_pre_checkout_query_args, pre_checkout_query_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "ok", offsetof(tg_answer_pre_checkout_query_args, ok), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
    { "error_message", offsetof(tg_answer_pre_checkout_query_args, error_message), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_get_star_transactions[] = {
    { "offset", offsetof(tg_get_star_transactions_args, offset), 0, 0, 0, TG__K_I64, 0 },
    { "limit", offsetof(tg_get_star_transactions_args, limit), 0, 0, 0, TG__K_I64, 0 },
};
static const tg__field tg__fa_refund_star_payment[] = {
    { "user_id", offsetof(tg_refund_star_payment_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "telegram_payment_charge_id", offsetof(tg_refund_star_payment_args, telegram_payment_charge_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
};
static const tg__field tg__fa_edit_user_star_subscription[] = {
    { "user_id", offsetof(tg_edit_user_star_subscription_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "telegram_payment_charge_id", offsetof(tg_edit_user_star_subscription_args, telegram_payment_charge_id), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "is_canceled", offsetof(tg_edit_user_star_subscription_args, is_canceled), 0, 0, 0, TG__K_BOOL, TG__F_REQ },
};
static const tg__field tg__fa_set_passport_data_errors[] = {
    { "user_id", offsetof(tg_set_passport_data_errors_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "errors", offsetof(tg_set_passport_data_errors_args, errors), offsetof(tg_set_passport_data_errors_args, errors_count), offsetof(tg_set_passport_data_errors_args, errors_json), 346, TG__K_OBJ, TG__F_REQ|TG__F_ARR|TG__F_RAW },
};
static const tg__field tg__fa_send_game[] = {
    { "business_connection_id", offsetof(tg_send_game_args, business_connection_id), 0, 0, 0, TG__K_STR, 0 },
    { "chat_id", offsetof(tg_send_game_args, chat_id), 0, 0, 0, TG__K_CHATREF, TG__F_REQ },
    { "message_thread_id", offsetof(tg_send_game_args, message_thread_id), 0, 0, 0, TG__K_I64, 0 },
    { "game_short_name", offsetof(tg_send_game_args, game_short_name), 0, 0, 0, TG__K_STR, TG__F_REQ },
    { "disable_notification", offsetof(tg_send_game_args, disable_notification), 0, 0, 0, TG__K_BOOL, 0 },
    { "protect_content", offsetof(tg_send_game_args, protect_content), 0, 0, 0, TG__K_BOOL, 0 },
    { "allow_paid_broadcast", offsetof(tg_send_game_args, allow_paid_broadcast), 0, 0, 0, TG__K_BOOL, 0 },
    { "message_effect_id", offsetof(tg_send_game_args, message_effect_id), 0, 0, 0, TG__K_STR, 0 },
    { "reply_parameters", offsetof(tg_send_game_args, reply_parameters), 0, offsetof(tg_send_game_args, reply_parameters_json), 12, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
    { "reply_markup", offsetof(tg_send_game_args, reply_markup), 0, offsetof(tg_send_game_args, reply_markup_json), 111, TG__K_OBJ, TG__F_PTR|TG__F_RAW },
};
static const tg__field tg__fa_set_game_score[] = {
    { "user_id", offsetof(tg_set_game_score_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "score", offsetof(tg_set_game_score_args, score), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "force", offsetof(tg_set_game_score_args, force), 0, 0, 0, TG__K_BOOL, 0 },
    { "disable_edit_message", offsetof(tg_set_game_score_args, disable_edit_message), 0, 0, 0, TG__K_BOOL, 0 },
    { "chat_id", offsetof(tg_set_game_score_args, chat_id), 0, 0, 0, TG__K_I64, 0 },
    { "message_id", offsetof(tg_set_game_score_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_set_game_score_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
};
static const tg__field tg__fa_get_game_high_scores[] = {
    { "user_id", offsetof(tg_get_game_high_scores_args, user_id), 0, 0, 0, TG__K_I64, TG__F_REQ },
    { "chat_id", offsetof(tg_get_game_high_scores_args, chat_id), 0, 0, 0, TG__K_I64, 0 },
    { "message_id", offsetof(tg_get_game_high_scores_args, message_id), 0, 0, 0, TG__K_I64, 0 },
    { "inline_message_id", offsetof(tg_get_game_high_scores_args, inline_message_id), 0, 0, 0, TG__K_STR, 0 },
};
static const uint16_t tg__s_maybe_inaccessible_message[] = { 5, 7 };
static const uint16_t tg__s_message_origin[] = { 14, 15, 16, 17 };
static const char *const tg__d_message_origin[] = { "user", "hidden_user", "chat", "channel" };
static const uint16_t tg__s_paid_media[] = { 30, 31, 32, 33 };
static const char *const tg__d_paid_media[] = { "live_photo", "photo", "preview", "video" };
static const uint16_t tg__s_input_poll_media[] = { 208, 209, 210, 212, 213, 214, 216, 217 };
static const char *const tg__d_input_poll_media[] = { "animation", "audio", "document", "live_photo", "location", "photo", "venue", "video" };
static const uint16_t tg__s_input_poll_option_media[] = { 208, 211, 212, 213, 214, 215, 216, 217 };
static const char *const tg__d_input_poll_option_media[] = { "animation", "link", "live_photo", "location", "photo", "sticker", "venue", "video" };
static const uint16_t tg__s_background_fill[] = { 61, 62, 63 };
static const char *const tg__d_background_fill[] = { "solid", "gradient", "freeform_gradient" };
static const uint16_t tg__s_background_type[] = { 65, 66, 67, 68 };
static const char *const tg__d_background_type[] = { "fill", "wallpaper", "pattern", "chat_theme" };
static const uint16_t tg__s_chat_member[] = { 123, 124, 125, 126, 127, 128 };
static const char *const tg__d_chat_member[] = { "creator", "administrator", "member", "restricted", "left", "kicked" };
static const uint16_t tg__s_story_area_type[] = { 140, 141, 142, 143, 144 };
static const char *const tg__d_story_area_type[] = { "location", "suggested_reaction", "link", "weather", "unique_gift" };
static const uint16_t tg__s_reaction_type[] = { 148, 149, 150 };
static const char *const tg__d_reaction_type[] = { "emoji", "custom_emoji", "paid" };
static const uint16_t tg__s_owned_gift[] = { 167, 168 };
static const char *const tg__d_owned_gift[] = { "regular", "unique" };
static const uint16_t tg__s_bot_command_scope[] = { 175, 176, 177, 178, 179, 180, 181 };
static const char *const tg__d_bot_command_scope[] = { "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member" };
static const uint16_t tg__s_menu_button[] = { 186, 187, 188 };
static const char *const tg__d_menu_button[] = { "commands", "web_app", "default" };
static const uint16_t tg__s_chat_boost_source[] = { 190, 191, 192 };
static const char *const tg__d_chat_boost_source[] = { "premium", "gift_code", "giveaway" };
static const uint16_t tg__s_input_media[] = { 208, 209, 210, 212, 214, 217 };
static const char *const tg__d_input_media[] = { "animation", "audio", "document", "live_photo", "photo", "video" };
static const uint16_t tg__s_input_paid_media[] = { 220, 221, 222 };
static const char *const tg__d_input_paid_media[] = { "live_photo", "photo", "video" };
static const uint16_t tg__s_input_profile_photo[] = { 224, 225 };
static const char *const tg__d_input_profile_photo[] = { "static", "animated" };
static const uint16_t tg__s_input_story_content[] = { 227, 228 };
static const char *const tg__d_input_story_content[] = { "photo", "video" };
static const uint16_t tg__s_rich_text[] = { TG__SUB_STRING, TG__SUB_ARRAY, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260 };
static const char *const tg__d_rich_text[] = { NULL, NULL, "bold", "italic", "underline", "strikethrough", "spoiler", "date_time", "text_mention", "subscript", "superscript", "marked", "code", "custom_emoji", "mathematical_expression", "url", "email_address", "phone_number", "bank_card_number", "mention", "hashtag", "cashtag", "bot_command", "anchor", "anchor_link", "reference", "reference_link" };
static const uint16_t tg__s_rich_block[] = { 265, 266, 267, 268, 269, 270, 271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285 };
static const char *const tg__d_rich_block[] = { "paragraph", "heading", "pre", "footer", "divider", "mathematical_expression", "anchor", "list", "blockquote", "pullquote", "collage", "slideshow", "table", "details", "map", "animation", "audio", "photo", "video", "voice_note", "thinking" };
static const uint16_t tg__s_inline_query_result[] = { 308, 305, 302, 303, 301, 304, 306, 307, 289, 294, 299, 300, 296, 291, 297, 292, 290, 298, 293, 295 };
static const char *const tg__d_inline_query_result[] = { "audio", "document", "gif", "mpeg", "photo", "sticker", "video", "voice", "article", "audio", "contact", "game", "document", "gif", "location", "mpeg", "photo", "venue", "video", "voice" };
static const uint16_t tg__s_input_message_content[] = { 310, 311, 312, 313, 314, 315 };
static const uint16_t tg__s_revenue_withdrawal_state[] = { 328, 329, 330 };
static const char *const tg__d_revenue_withdrawal_state[] = { "pending", "succeeded", "failed" };
static const uint16_t tg__s_transaction_partner[] = { 333, 334, 335, 336, 337, 338, 339 };
static const char *const tg__d_transaction_partner[] = { "user", "chat", "affiliate_program", "fragment", "telegram_ads", "telegram_api", "other" };
static const uint16_t tg__s_passport_element_error[] = { 347, 348, 349, 350, 351, 352, 353, 354, 355 };
static const char *const tg__d_passport_element_error[] = { "data", "front_side", "reverse_side", "selfie", "file", "files", "translation_file", "translation_files", "unspecified" };
static const uint16_t tg__s_reply_markup[] = { 111, 104, 110, 117 };
static const tg__type tg__type_data[] = {
    { "Update", sizeof(tg_update), tg__f_update, 26, NULL, NULL, NULL, 0 },
    { "WebhookInfo", sizeof(tg_webhook_info), tg__f_webhook_info, 9, NULL, NULL, NULL, 0 },
    { "User", sizeof(tg_user), tg__f_user, 18, NULL, NULL, NULL, 0 },
    { "Chat", sizeof(tg_chat), tg__f_chat, 8, NULL, NULL, NULL, 0 },
    { "ChatFullInfo", sizeof(tg_chat_full_info), tg__f_chat_full_info, 52, NULL, NULL, NULL, 0 },
    { "Message", sizeof(tg_message), tg__f_message, 115, NULL, NULL, NULL, 0 },
    { "MessageId", sizeof(tg_message_id), tg__f_message_id, 1, NULL, NULL, NULL, 0 },
    { "InaccessibleMessage", sizeof(tg_inaccessible_message), tg__f_inaccessible_message, 3, NULL, NULL, NULL, 0 },
    { "MaybeInaccessibleMessage", sizeof(tg_maybe_inaccessible_message), NULL, 0, NULL, tg__s_maybe_inaccessible_message, NULL, 2 },
    { "MessageEntity", sizeof(tg_message_entity), tg__f_message_entity, 9, NULL, NULL, NULL, 0 },
    { "TextQuote", sizeof(tg_text_quote), tg__f_text_quote, 4, NULL, NULL, NULL, 0 },
    { "ExternalReplyInfo", sizeof(tg_external_reply_info), tg__f_external_reply_info, 26, NULL, NULL, NULL, 0 },
    { "ReplyParameters", sizeof(tg_reply_parameters), tg__f_reply_parameters, 9, NULL, NULL, NULL, 0 },
    { "MessageOrigin", sizeof(tg_message_origin), NULL, 0, "type", tg__s_message_origin, tg__d_message_origin, 4 },
    { "MessageOriginUser", sizeof(tg_message_origin_user), tg__f_message_origin_user, 3, NULL, NULL, NULL, 0 },
    { "MessageOriginHiddenUser", sizeof(tg_message_origin_hidden_user), tg__f_message_origin_hidden_user, 3, NULL, NULL, NULL, 0 },
    { "MessageOriginChat", sizeof(tg_message_origin_chat), tg__f_message_origin_chat, 4, NULL, NULL, NULL, 0 },
    { "MessageOriginChannel", sizeof(tg_message_origin_channel), tg__f_message_origin_channel, 5, NULL, NULL, NULL, 0 },
    { "PhotoSize", sizeof(tg_photo_size), tg__f_photo_size, 5, NULL, NULL, NULL, 0 },
    { "Animation", sizeof(tg_animation), tg__f_animation, 9, NULL, NULL, NULL, 0 },
    { "Audio", sizeof(tg_audio), tg__f_audio, 9, NULL, NULL, NULL, 0 },
    { "Document", sizeof(tg_document), tg__f_document, 6, NULL, NULL, NULL, 0 },
    { "LivePhoto", sizeof(tg_live_photo), tg__f_live_photo, 8, NULL, NULL, NULL, 0 },
    { "Story", sizeof(tg_story), tg__f_story, 2, NULL, NULL, NULL, 0 },
    { "VideoQuality", sizeof(tg_video_quality), tg__f_video_quality, 6, NULL, NULL, NULL, 0 },
    { "Video", sizeof(tg_video), tg__f_video, 12, NULL, NULL, NULL, 0 },
    { "VideoNote", sizeof(tg_video_note), tg__f_video_note, 6, NULL, NULL, NULL, 0 },
    { "Voice", sizeof(tg_voice), tg__f_voice, 5, NULL, NULL, NULL, 0 },
    { "PaidMediaInfo", sizeof(tg_paid_media_info), tg__f_paid_media_info, 2, NULL, NULL, NULL, 0 },
    { "PaidMedia", sizeof(tg_paid_media), NULL, 0, "type", tg__s_paid_media, tg__d_paid_media, 4 },
    { "PaidMediaLivePhoto", sizeof(tg_paid_media_live_photo), tg__f_paid_media_live_photo, 2, NULL, NULL, NULL, 0 },
    { "PaidMediaPhoto", sizeof(tg_paid_media_photo), tg__f_paid_media_photo, 2, NULL, NULL, NULL, 0 },
    { "PaidMediaPreview", sizeof(tg_paid_media_preview), tg__f_paid_media_preview, 4, NULL, NULL, NULL, 0 },
    { "PaidMediaVideo", sizeof(tg_paid_media_video), tg__f_paid_media_video, 2, NULL, NULL, NULL, 0 },
    { "Contact", sizeof(tg_contact), tg__f_contact, 5, NULL, NULL, NULL, 0 },
    { "Dice", sizeof(tg_dice), tg__f_dice, 2, NULL, NULL, NULL, 0 },
    { "Link", sizeof(tg_link), tg__f_link, 1, NULL, NULL, NULL, 0 },
    { "PollMedia", sizeof(tg_poll_media), tg__f_poll_media, 10, NULL, NULL, NULL, 0 },
    { "InputPollMedia", sizeof(tg_input_poll_media), NULL, 0, "type", tg__s_input_poll_media, tg__d_input_poll_media, 8 },
    { "InputPollOptionMedia", sizeof(tg_input_poll_option_media), NULL, 0, "type", tg__s_input_poll_option_media, tg__d_input_poll_option_media, 8 },
    { "PollOption", sizeof(tg_poll_option), tg__f_poll_option, 8, NULL, NULL, NULL, 0 },
    { "InputPollOption", sizeof(tg_input_poll_option), tg__f_input_poll_option, 4, NULL, NULL, NULL, 0 },
    { "PollAnswer", sizeof(tg_poll_answer), tg__f_poll_answer, 5, NULL, NULL, NULL, 0 },
    { "Poll", sizeof(tg_poll), tg__f_poll, 21, NULL, NULL, NULL, 0 },
    { "ChecklistTask", sizeof(tg_checklist_task), tg__f_checklist_task, 6, NULL, NULL, NULL, 0 },
    { "Checklist", sizeof(tg_checklist), tg__f_checklist, 5, NULL, NULL, NULL, 0 },
    { "InputChecklistTask", sizeof(tg_input_checklist_task), tg__f_input_checklist_task, 4, NULL, NULL, NULL, 0 },
    { "InputChecklist", sizeof(tg_input_checklist), tg__f_input_checklist, 6, NULL, NULL, NULL, 0 },
    { "ChecklistTasksDone", sizeof(tg_checklist_tasks_done), tg__f_checklist_tasks_done, 3, NULL, NULL, NULL, 0 },
    { "ChecklistTasksAdded", sizeof(tg_checklist_tasks_added), tg__f_checklist_tasks_added, 2, NULL, NULL, NULL, 0 },
    { "Location", sizeof(tg_location), tg__f_location, 6, NULL, NULL, NULL, 0 },
    { "Venue", sizeof(tg_venue), tg__f_venue, 7, NULL, NULL, NULL, 0 },
    { "WebAppData", sizeof(tg_web_app_data), tg__f_web_app_data, 2, NULL, NULL, NULL, 0 },
    { "ProximityAlertTriggered", sizeof(tg_proximity_alert_triggered), tg__f_proximity_alert_triggered, 3, NULL, NULL, NULL, 0 },
    { "MessageAutoDeleteTimerChanged", sizeof(tg_message_auto_delete_timer_changed), tg__f_message_auto_delete_timer_changed, 1, NULL, NULL, NULL, 0 },
    { "ManagedBotCreated", sizeof(tg_managed_bot_created), tg__f_managed_bot_created, 1, NULL, NULL, NULL, 0 },
    { "ManagedBotUpdated", sizeof(tg_managed_bot_updated), tg__f_managed_bot_updated, 2, NULL, NULL, NULL, 0 },
    { "PollOptionAdded", sizeof(tg_poll_option_added), tg__f_poll_option_added, 4, NULL, NULL, NULL, 0 },
    { "PollOptionDeleted", sizeof(tg_poll_option_deleted), tg__f_poll_option_deleted, 4, NULL, NULL, NULL, 0 },
    { "ChatBoostAdded", sizeof(tg_chat_boost_added), tg__f_chat_boost_added, 1, NULL, NULL, NULL, 0 },
    { "BackgroundFill", sizeof(tg_background_fill), NULL, 0, "type", tg__s_background_fill, tg__d_background_fill, 3 },
    { "BackgroundFillSolid", sizeof(tg_background_fill_solid), tg__f_background_fill_solid, 2, NULL, NULL, NULL, 0 },
    { "BackgroundFillGradient", sizeof(tg_background_fill_gradient), tg__f_background_fill_gradient, 4, NULL, NULL, NULL, 0 },
    { "BackgroundFillFreeformGradient", sizeof(tg_background_fill_freeform_gradient), tg__f_background_fill_freeform_gradient, 2, NULL, NULL, NULL, 0 },
    { "BackgroundType", sizeof(tg_background_type), NULL, 0, "type", tg__s_background_type, tg__d_background_type, 4 },
    { "BackgroundTypeFill", sizeof(tg_background_type_fill), tg__f_background_type_fill, 3, NULL, NULL, NULL, 0 },
    { "BackgroundTypeWallpaper", sizeof(tg_background_type_wallpaper), tg__f_background_type_wallpaper, 5, NULL, NULL, NULL, 0 },
    { "BackgroundTypePattern", sizeof(tg_background_type_pattern), tg__f_background_type_pattern, 6, NULL, NULL, NULL, 0 },
    { "BackgroundTypeChatTheme", sizeof(tg_background_type_chat_theme), tg__f_background_type_chat_theme, 2, NULL, NULL, NULL, 0 },
    { "ChatBackground", sizeof(tg_chat_background), tg__f_chat_background, 1, NULL, NULL, NULL, 0 },
    { "ForumTopicCreated", sizeof(tg_forum_topic_created), tg__f_forum_topic_created, 4, NULL, NULL, NULL, 0 },
    { "ForumTopicClosed", sizeof(tg_forum_topic_closed), NULL, 0, NULL, NULL, NULL, 0 },
    { "ForumTopicEdited", sizeof(tg_forum_topic_edited), tg__f_forum_topic_edited, 2, NULL, NULL, NULL, 0 },
    { "ForumTopicReopened", sizeof(tg_forum_topic_reopened), NULL, 0, NULL, NULL, NULL, 0 },
    { "GeneralForumTopicHidden", sizeof(tg_general_forum_topic_hidden), NULL, 0, NULL, NULL, NULL, 0 },
    { "GeneralForumTopicUnhidden", sizeof(tg_general_forum_topic_unhidden), NULL, 0, NULL, NULL, NULL, 0 },
    { "SharedUser", sizeof(tg_shared_user), tg__f_shared_user, 5, NULL, NULL, NULL, 0 },
    { "UsersShared", sizeof(tg_users_shared), tg__f_users_shared, 2, NULL, NULL, NULL, 0 },
    { "ChatShared", sizeof(tg_chat_shared), tg__f_chat_shared, 5, NULL, NULL, NULL, 0 },
    { "WriteAccessAllowed", sizeof(tg_write_access_allowed), tg__f_write_access_allowed, 3, NULL, NULL, NULL, 0 },
    { "VideoChatScheduled", sizeof(tg_video_chat_scheduled), tg__f_video_chat_scheduled, 1, NULL, NULL, NULL, 0 },
    { "VideoChatStarted", sizeof(tg_video_chat_started), NULL, 0, NULL, NULL, NULL, 0 },
    { "VideoChatEnded", sizeof(tg_video_chat_ended), tg__f_video_chat_ended, 1, NULL, NULL, NULL, 0 },
    { "VideoChatParticipantsInvited", sizeof(tg_video_chat_participants_invited), tg__f_video_chat_participants_invited, 1, NULL, NULL, NULL, 0 },
    { "PaidMessagePriceChanged", sizeof(tg_paid_message_price_changed), tg__f_paid_message_price_changed, 1, NULL, NULL, NULL, 0 },
    { "DirectMessagePriceChanged", sizeof(tg_direct_message_price_changed), tg__f_direct_message_price_changed, 2, NULL, NULL, NULL, 0 },
    { "SuggestedPostApproved", sizeof(tg_suggested_post_approved), tg__f_suggested_post_approved, 3, NULL, NULL, NULL, 0 },
    { "SuggestedPostApprovalFailed", sizeof(tg_suggested_post_approval_failed), tg__f_suggested_post_approval_failed, 2, NULL, NULL, NULL, 0 },
    { "SuggestedPostDeclined", sizeof(tg_suggested_post_declined), tg__f_suggested_post_declined, 2, NULL, NULL, NULL, 0 },
    { "SuggestedPostPaid", sizeof(tg_suggested_post_paid), tg__f_suggested_post_paid, 4, NULL, NULL, NULL, 0 },
    { "SuggestedPostRefunded", sizeof(tg_suggested_post_refunded), tg__f_suggested_post_refunded, 2, NULL, NULL, NULL, 0 },
    { "GiveawayCreated", sizeof(tg_giveaway_created), tg__f_giveaway_created, 1, NULL, NULL, NULL, 0 },
    { "Giveaway", sizeof(tg_giveaway), tg__f_giveaway, 9, NULL, NULL, NULL, 0 },
    { "GiveawayWinners", sizeof(tg_giveaway_winners), tg__f_giveaway_winners, 12, NULL, NULL, NULL, 0 },
    { "GiveawayCompleted", sizeof(tg_giveaway_completed), tg__f_giveaway_completed, 4, NULL, NULL, NULL, 0 },
    { "LinkPreviewOptions", sizeof(tg_link_preview_options), tg__f_link_preview_options, 5, NULL, NULL, NULL, 0 },
    { "SuggestedPostPrice", sizeof(tg_suggested_post_price), tg__f_suggested_post_price, 2, NULL, NULL, NULL, 0 },
    { "SuggestedPostInfo", sizeof(tg_suggested_post_info), tg__f_suggested_post_info, 3, NULL, NULL, NULL, 0 },
    { "SuggestedPostParameters", sizeof(tg_suggested_post_parameters), tg__f_suggested_post_parameters, 2, NULL, NULL, NULL, 0 },
    { "DirectMessagesTopic", sizeof(tg_direct_messages_topic), tg__f_direct_messages_topic, 2, NULL, NULL, NULL, 0 },
    { "UserProfilePhotos", sizeof(tg_user_profile_photos), tg__f_user_profile_photos, 2, NULL, NULL, NULL, 0 },
    { "UserProfileAudios", sizeof(tg_user_profile_audios), tg__f_user_profile_audios, 2, NULL, NULL, NULL, 0 },
    { "File", sizeof(tg_file), tg__f_file, 4, NULL, NULL, NULL, 0 },
    { "WebAppInfo", sizeof(tg_web_app_info), tg__f_web_app_info, 1, NULL, NULL, NULL, 0 },
    { "ReplyKeyboardMarkup", sizeof(tg_reply_keyboard_markup), tg__f_reply_keyboard_markup, 6, NULL, NULL, NULL, 0 },
    { "KeyboardButton", sizeof(tg_keyboard_button), tg__f_keyboard_button, 10, NULL, NULL, NULL, 0 },
    { "KeyboardButtonRequestUsers", sizeof(tg_keyboard_button_request_users), tg__f_keyboard_button_request_users, 7, NULL, NULL, NULL, 0 },
    { "KeyboardButtonRequestChat", sizeof(tg_keyboard_button_request_chat), tg__f_keyboard_button_request_chat, 11, NULL, NULL, NULL, 0 },
    { "KeyboardButtonRequestManagedBot", sizeof(tg_keyboard_button_request_managed_bot), tg__f_keyboard_button_request_managed_bot, 3, NULL, NULL, NULL, 0 },
    { "KeyboardButtonPollType", sizeof(tg_keyboard_button_poll_type), tg__f_keyboard_button_poll_type, 1, NULL, NULL, NULL, 0 },
    { "ReplyKeyboardRemove", sizeof(tg_reply_keyboard_remove), tg__f_reply_keyboard_remove, 2, NULL, NULL, NULL, 0 },
    { "InlineKeyboardMarkup", sizeof(tg_inline_keyboard_markup), tg__f_inline_keyboard_markup, 1, NULL, NULL, NULL, 0 },
    { "InlineKeyboardButton", sizeof(tg_inline_keyboard_button), tg__f_inline_keyboard_button, 13, NULL, NULL, NULL, 0 },
    { "LoginUrl", sizeof(tg_login_url), tg__f_login_url, 4, NULL, NULL, NULL, 0 },
    { "SwitchInlineQueryChosenChat", sizeof(tg_switch_inline_query_chosen_chat), tg__f_switch_inline_query_chosen_chat, 5, NULL, NULL, NULL, 0 },
    { "CopyTextButton", sizeof(tg_copy_text_button), tg__f_copy_text_button, 1, NULL, NULL, NULL, 0 },
    { "CallbackQuery", sizeof(tg_callback_query), tg__f_callback_query, 7, NULL, NULL, NULL, 0 },
    { "ForceReply", sizeof(tg_force_reply), tg__f_force_reply, 3, NULL, NULL, NULL, 0 },
    { "ChatPhoto", sizeof(tg_chat_photo), tg__f_chat_photo, 4, NULL, NULL, NULL, 0 },
    { "ChatInviteLink", sizeof(tg_chat_invite_link), tg__f_chat_invite_link, 11, NULL, NULL, NULL, 0 },
    { "ChatAdministratorRights", sizeof(tg_chat_administrator_rights), tg__f_chat_administrator_rights, 17, NULL, NULL, NULL, 0 },
    { "ChatMemberUpdated", sizeof(tg_chat_member_updated), tg__f_chat_member_updated, 8, NULL, NULL, NULL, 0 },
    { "ChatMember", sizeof(tg_chat_member), NULL, 0, "status", tg__s_chat_member, tg__d_chat_member, 6 },
    { "ChatMemberOwner", sizeof(tg_chat_member_owner), tg__f_chat_member_owner, 4, NULL, NULL, NULL, 0 },
    { "ChatMemberAdministrator", sizeof(tg_chat_member_administrator), tg__f_chat_member_administrator, 21, NULL, NULL, NULL, 0 },
    { "ChatMemberMember", sizeof(tg_chat_member_member), tg__f_chat_member_member, 4, NULL, NULL, NULL, 0 },
    { "ChatMemberRestricted", sizeof(tg_chat_member_restricted), tg__f_chat_member_restricted, 21, NULL, NULL, NULL, 0 },
    { "ChatMemberLeft", sizeof(tg_chat_member_left), tg__f_chat_member_left, 2, NULL, NULL, NULL, 0 },
    { "ChatMemberBanned", sizeof(tg_chat_member_banned), tg__f_chat_member_banned, 3, NULL, NULL, NULL, 0 },
    { "ChatJoinRequest", sizeof(tg_chat_join_request), tg__f_chat_join_request, 7, NULL, NULL, NULL, 0 },
    { "ChatPermissions", sizeof(tg_chat_permissions), tg__f_chat_permissions, 16, NULL, NULL, NULL, 0 },
    { "Birthdate", sizeof(tg_birthdate), tg__f_birthdate, 3, NULL, NULL, NULL, 0 },
    { "BusinessIntro", sizeof(tg_business_intro), tg__f_business_intro, 3, NULL, NULL, NULL, 0 },
    { "BusinessLocation", sizeof(tg_business_location), tg__f_business_location, 2, NULL, NULL, NULL, 0 },
    { "BusinessOpeningHoursInterval", sizeof(tg_business_opening_hours_interval), tg__f_business_opening_hours_interval, 2, NULL, NULL, NULL, 0 },
    { "BusinessOpeningHours", sizeof(tg_business_opening_hours), tg__f_business_opening_hours, 2, NULL, NULL, NULL, 0 },
    { "UserRating", sizeof(tg_user_rating), tg__f_user_rating, 4, NULL, NULL, NULL, 0 },
    { "StoryAreaPosition", sizeof(tg_story_area_position), tg__f_story_area_position, 6, NULL, NULL, NULL, 0 },
    { "LocationAddress", sizeof(tg_location_address), tg__f_location_address, 4, NULL, NULL, NULL, 0 },
    { "StoryAreaType", sizeof(tg_story_area_type), NULL, 0, "type", tg__s_story_area_type, tg__d_story_area_type, 5 },
    { "StoryAreaTypeLocation", sizeof(tg_story_area_type_location), tg__f_story_area_type_location, 4, NULL, NULL, NULL, 0 },
    { "StoryAreaTypeSuggestedReaction", sizeof(tg_story_area_type_suggested_reaction), tg__f_story_area_type_suggested_reaction, 4, NULL, NULL, NULL, 0 },
    { "StoryAreaTypeLink", sizeof(tg_story_area_type_link), tg__f_story_area_type_link, 2, NULL, NULL, NULL, 0 },
    { "StoryAreaTypeWeather", sizeof(tg_story_area_type_weather), tg__f_story_area_type_weather, 4, NULL, NULL, NULL, 0 },
    { "StoryAreaTypeUniqueGift", sizeof(tg_story_area_type_unique_gift), tg__f_story_area_type_unique_gift, 2, NULL, NULL, NULL, 0 },
    { "StoryArea", sizeof(tg_story_area), tg__f_story_area, 2, NULL, NULL, NULL, 0 },
    { "ChatLocation", sizeof(tg_chat_location), tg__f_chat_location, 2, NULL, NULL, NULL, 0 },
    { "ReactionType", sizeof(tg_reaction_type), NULL, 0, "type", tg__s_reaction_type, tg__d_reaction_type, 3 },
    { "ReactionTypeEmoji", sizeof(tg_reaction_type_emoji), tg__f_reaction_type_emoji, 2, NULL, NULL, NULL, 0 },
    { "ReactionTypeCustomEmoji", sizeof(tg_reaction_type_custom_emoji), tg__f_reaction_type_custom_emoji, 2, NULL, NULL, NULL, 0 },
    { "ReactionTypePaid", sizeof(tg_reaction_type_paid), tg__f_reaction_type_paid, 1, NULL, NULL, NULL, 0 },
    { "ReactionCount", sizeof(tg_reaction_count), tg__f_reaction_count, 2, NULL, NULL, NULL, 0 },
    { "MessageReactionUpdated", sizeof(tg_message_reaction_updated), tg__f_message_reaction_updated, 7, NULL, NULL, NULL, 0 },
    { "MessageReactionCountUpdated", sizeof(tg_message_reaction_count_updated), tg__f_message_reaction_count_updated, 4, NULL, NULL, NULL, 0 },
    { "ForumTopic", sizeof(tg_forum_topic), tg__f_forum_topic, 5, NULL, NULL, NULL, 0 },
    { "GiftBackground", sizeof(tg_gift_background), tg__f_gift_background, 3, NULL, NULL, NULL, 0 },
    { "Gift", sizeof(tg_gift), tg__f_gift, 13, NULL, NULL, NULL, 0 },
    { "Gifts", sizeof(tg_gifts), tg__f_gifts, 1, NULL, NULL, NULL, 0 },
    { "UniqueGiftModel", sizeof(tg_unique_gift_model), tg__f_unique_gift_model, 4, NULL, NULL, NULL, 0 },
    { "UniqueGiftSymbol", sizeof(tg_unique_gift_symbol), tg__f_unique_gift_symbol, 3, NULL, NULL, NULL, 0 },
    { "UniqueGiftBackdropColors", sizeof(tg_unique_gift_backdrop_colors), tg__f_unique_gift_backdrop_colors, 4, NULL, NULL, NULL, 0 },
    { "UniqueGiftBackdrop", sizeof(tg_unique_gift_backdrop), tg__f_unique_gift_backdrop, 3, NULL, NULL, NULL, 0 },
    { "UniqueGiftColors", sizeof(tg_unique_gift_colors), tg__f_unique_gift_colors, 6, NULL, NULL, NULL, 0 },
    { "UniqueGift", sizeof(tg_unique_gift), tg__f_unique_gift, 12, NULL, NULL, NULL, 0 },
    { "GiftInfo", sizeof(tg_gift_info), tg__f_gift_info, 10, NULL, NULL, NULL, 0 },
    { "UniqueGiftInfo", sizeof(tg_unique_gift_info), tg__f_unique_gift_info, 7, NULL, NULL, NULL, 0 },
    { "OwnedGift", sizeof(tg_owned_gift), NULL, 0, "type", tg__s_owned_gift, tg__d_owned_gift, 2 },
    { "OwnedGiftRegular", sizeof(tg_owned_gift_regular), tg__f_owned_gift_regular, 15, NULL, NULL, NULL, 0 },
    { "OwnedGiftUnique", sizeof(tg_owned_gift_unique), tg__f_owned_gift_unique, 9, NULL, NULL, NULL, 0 },
    { "OwnedGifts", sizeof(tg_owned_gifts), tg__f_owned_gifts, 3, NULL, NULL, NULL, 0 },
    { "BotAccessSettings", sizeof(tg_bot_access_settings), tg__f_bot_access_settings, 2, NULL, NULL, NULL, 0 },
    { "AcceptedGiftTypes", sizeof(tg_accepted_gift_types), tg__f_accepted_gift_types, 5, NULL, NULL, NULL, 0 },
    { "StarAmount", sizeof(tg_star_amount), tg__f_star_amount, 2, NULL, NULL, NULL, 0 },
    { "BotCommand", sizeof(tg_bot_command), tg__f_bot_command, 2, NULL, NULL, NULL, 0 },
    { "BotCommandScope", sizeof(tg_bot_command_scope), NULL, 0, "type", tg__s_bot_command_scope, tg__d_bot_command_scope, 7 },
    { "BotCommandScopeDefault", sizeof(tg_bot_command_scope_default), tg__f_bot_command_scope_default, 1, NULL, NULL, NULL, 0 },
    { "BotCommandScopeAllPrivateChats", sizeof(tg_bot_command_scope_all_private_chats), tg__f_bot_command_scope_all_private_chats, 1, NULL, NULL, NULL, 0 },
    { "BotCommandScopeAllGroupChats", sizeof(tg_bot_command_scope_all_group_chats), tg__f_bot_command_scope_all_group_chats, 1, NULL, NULL, NULL, 0 },
    { "BotCommandScopeAllChatAdministrators", sizeof(tg_bot_command_scope_all_chat_administrators), tg__f_bot_command_scope_all_chat_administrators, 1, NULL, NULL, NULL, 0 },
    { "BotCommandScopeChat", sizeof(tg_bot_command_scope_chat), tg__f_bot_command_scope_chat, 2, NULL, NULL, NULL, 0 },
    { "BotCommandScopeChatAdministrators", sizeof(tg_bot_command_scope_chat_administrators), tg__f_bot_command_scope_chat_administrators, 2, NULL, NULL, NULL, 0 },
    { "BotCommandScopeChatMember", sizeof(tg_bot_command_scope_chat_member), tg__f_bot_command_scope_chat_member, 3, NULL, NULL, NULL, 0 },
    { "BotName", sizeof(tg_bot_name), tg__f_bot_name, 1, NULL, NULL, NULL, 0 },
    { "BotDescription", sizeof(tg_bot_description), tg__f_bot_description, 1, NULL, NULL, NULL, 0 },
    { "BotShortDescription", sizeof(tg_bot_short_description), tg__f_bot_short_description, 1, NULL, NULL, NULL, 0 },
    { "MenuButton", sizeof(tg_menu_button), NULL, 0, "type", tg__s_menu_button, tg__d_menu_button, 3 },
    { "MenuButtonCommands", sizeof(tg_menu_button_commands), tg__f_menu_button_commands, 1, NULL, NULL, NULL, 0 },
    { "MenuButtonWebApp", sizeof(tg_menu_button_web_app), tg__f_menu_button_web_app, 3, NULL, NULL, NULL, 0 },
    { "MenuButtonDefault", sizeof(tg_menu_button_default), tg__f_menu_button_default, 1, NULL, NULL, NULL, 0 },
    { "ChatBoostSource", sizeof(tg_chat_boost_source), NULL, 0, "source", tg__s_chat_boost_source, tg__d_chat_boost_source, 3 },
    { "ChatBoostSourcePremium", sizeof(tg_chat_boost_source_premium), tg__f_chat_boost_source_premium, 2, NULL, NULL, NULL, 0 },
    { "ChatBoostSourceGiftCode", sizeof(tg_chat_boost_source_gift_code), tg__f_chat_boost_source_gift_code, 2, NULL, NULL, NULL, 0 },
    { "ChatBoostSourceGiveaway", sizeof(tg_chat_boost_source_giveaway), tg__f_chat_boost_source_giveaway, 5, NULL, NULL, NULL, 0 },
    { "ChatBoost", sizeof(tg_chat_boost), tg__f_chat_boost, 4, NULL, NULL, NULL, 0 },
    { "ChatBoostUpdated", sizeof(tg_chat_boost_updated), tg__f_chat_boost_updated, 2, NULL, NULL, NULL, 0 },
    { "ChatBoostRemoved", sizeof(tg_chat_boost_removed), tg__f_chat_boost_removed, 4, NULL, NULL, NULL, 0 },
    { "ChatOwnerLeft", sizeof(tg_chat_owner_left), tg__f_chat_owner_left, 1, NULL, NULL, NULL, 0 },
    { "ChatOwnerChanged", sizeof(tg_chat_owner_changed), tg__f_chat_owner_changed, 1, NULL, NULL, NULL, 0 },
    { "UserChatBoosts", sizeof(tg_user_chat_boosts), tg__f_user_chat_boosts, 1, NULL, NULL, NULL, 0 },
    { "BusinessBotRights", sizeof(tg_business_bot_rights), tg__f_business_bot_rights, 14, NULL, NULL, NULL, 0 },
    { "BusinessConnection", sizeof(tg_business_connection), tg__f_business_connection, 6, NULL, NULL, NULL, 0 },
    { "BusinessMessagesDeleted", sizeof(tg_business_messages_deleted), tg__f_business_messages_deleted, 3, NULL, NULL, NULL, 0 },
    { "SentWebAppMessage", sizeof(tg_sent_web_app_message), tg__f_sent_web_app_message, 1, NULL, NULL, NULL, 0 },
    { "SentGuestMessage", sizeof(tg_sent_guest_message), tg__f_sent_guest_message, 1, NULL, NULL, NULL, 0 },
    { "PreparedInlineMessage", sizeof(tg_prepared_inline_message), tg__f_prepared_inline_message, 2, NULL, NULL, NULL, 0 },
    { "PreparedKeyboardButton", sizeof(tg_prepared_keyboard_button), tg__f_prepared_keyboard_button, 1, NULL, NULL, NULL, 0 },
    { "ResponseParameters", sizeof(tg_response_parameters), tg__f_response_parameters, 2, NULL, NULL, NULL, 0 },
    { "InputMedia", sizeof(tg_input_media), NULL, 0, "type", tg__s_input_media, tg__d_input_media, 6 },
    { "InputMediaAnimation", sizeof(tg_input_media_animation), tg__f_input_media_animation, 11, NULL, NULL, NULL, 0 },
    { "InputMediaAudio", sizeof(tg_input_media_audio), tg__f_input_media_audio, 9, NULL, NULL, NULL, 0 },
    { "InputMediaDocument", sizeof(tg_input_media_document), tg__f_input_media_document, 7, NULL, NULL, NULL, 0 },
    { "InputMediaLink", sizeof(tg_input_media_link), tg__f_input_media_link, 2, NULL, NULL, NULL, 0 },
    { "InputMediaLivePhoto", sizeof(tg_input_media_live_photo), tg__f_input_media_live_photo, 8, NULL, NULL, NULL, 0 },
    { "InputMediaLocation", sizeof(tg_input_media_location), tg__f_input_media_location, 4, NULL, NULL, NULL, 0 },
    { "InputMediaPhoto", sizeof(tg_input_media_photo), tg__f_input_media_photo, 7, NULL, NULL, NULL, 0 },
    { "InputMediaSticker", sizeof(tg_input_media_sticker), tg__f_input_media_sticker, 3, NULL, NULL, NULL, 0 },
    { "InputMediaVenue", sizeof(tg_input_media_venue), tg__f_input_media_venue, 9, NULL, NULL, NULL, 0 },
    { "InputMediaVideo", sizeof(tg_input_media_video), tg__f_input_media_video, 14, NULL, NULL, NULL, 0 },
    { "InputFile", sizeof(tg_input_file), NULL, 0, NULL, NULL, NULL, 0 },
    { "InputPaidMedia", sizeof(tg_input_paid_media), NULL, 0, "type", tg__s_input_paid_media, tg__d_input_paid_media, 3 },
    { "InputPaidMediaLivePhoto", sizeof(tg_input_paid_media_live_photo), tg__f_input_paid_media_live_photo, 3, NULL, NULL, NULL, 0 },
    { "InputPaidMediaPhoto", sizeof(tg_input_paid_media_photo), tg__f_input_paid_media_photo, 2, NULL, NULL, NULL, 0 },
    { "InputPaidMediaVideo", sizeof(tg_input_paid_media_video), tg__f_input_paid_media_video, 9, NULL, NULL, NULL, 0 },
    { "InputProfilePhoto", sizeof(tg_input_profile_photo), NULL, 0, "type", tg__s_input_profile_photo, tg__d_input_profile_photo, 2 },
    { "InputProfilePhotoStatic", sizeof(tg_input_profile_photo_static), tg__f_input_profile_photo_static, 2, NULL, NULL, NULL, 0 },
    { "InputProfilePhotoAnimated", sizeof(tg_input_profile_photo_animated), tg__f_input_profile_photo_animated, 3, NULL, NULL, NULL, 0 },
    { "InputStoryContent", sizeof(tg_input_story_content), NULL, 0, "type", tg__s_input_story_content, tg__d_input_story_content, 2 },
    { "InputStoryContentPhoto", sizeof(tg_input_story_content_photo), tg__f_input_story_content_photo, 2, NULL, NULL, NULL, 0 },
    { "InputStoryContentVideo", sizeof(tg_input_story_content_video), tg__f_input_story_content_video, 5, NULL, NULL, NULL, 0 },
    { "Sticker", sizeof(tg_sticker), tg__f_sticker, 15, NULL, NULL, NULL, 0 },
    { "StickerSet", sizeof(tg_sticker_set), tg__f_sticker_set, 5, NULL, NULL, NULL, 0 },
    { "MaskPosition", sizeof(tg_mask_position), tg__f_mask_position, 4, NULL, NULL, NULL, 0 },
    { "InputSticker", sizeof(tg_input_sticker), tg__f_input_sticker, 5, NULL, NULL, NULL, 0 },
    { "RichMessage", sizeof(tg_rich_message), tg__f_rich_message, 2, NULL, NULL, NULL, 0 },
    { "InputRichMessage", sizeof(tg_input_rich_message), tg__f_input_rich_message, 4, NULL, NULL, NULL, 0 },
    { "RichText", sizeof(tg_rich_text), NULL, 0, "type", tg__s_rich_text, tg__d_rich_text, 27 },
    { "RichTextBold", sizeof(tg_rich_text_bold), tg__f_rich_text_bold, 2, NULL, NULL, NULL, 0 },
    { "RichTextItalic", sizeof(tg_rich_text_italic), tg__f_rich_text_italic, 2, NULL, NULL, NULL, 0 },
    { "RichTextUnderline", sizeof(tg_rich_text_underline), tg__f_rich_text_underline, 2, NULL, NULL, NULL, 0 },
    { "RichTextStrikethrough", sizeof(tg_rich_text_strikethrough), tg__f_rich_text_strikethrough, 2, NULL, NULL, NULL, 0 },
    { "RichTextSpoiler", sizeof(tg_rich_text_spoiler), tg__f_rich_text_spoiler, 2, NULL, NULL, NULL, 0 },
    { "RichTextDateTime", sizeof(tg_rich_text_date_time), tg__f_rich_text_date_time, 4, NULL, NULL, NULL, 0 },
    { "RichTextTextMention", sizeof(tg_rich_text_text_mention), tg__f_rich_text_text_mention, 3, NULL, NULL, NULL, 0 },
    { "RichTextSubscript", sizeof(tg_rich_text_subscript), tg__f_rich_text_subscript, 2, NULL, NULL, NULL, 0 },
    { "RichTextSuperscript", sizeof(tg_rich_text_superscript), tg__f_rich_text_superscript, 2, NULL, NULL, NULL, 0 },
    { "RichTextMarked", sizeof(tg_rich_text_marked), tg__f_rich_text_marked, 2, NULL, NULL, NULL, 0 },
    { "RichTextCode", sizeof(tg_rich_text_code), tg__f_rich_text_code, 2, NULL, NULL, NULL, 0 },
    { "RichTextCustomEmoji", sizeof(tg_rich_text_custom_emoji), tg__f_rich_text_custom_emoji, 3, NULL, NULL, NULL, 0 },
    { "RichTextMathematicalExpression", sizeof(tg_rich_text_mathematical_expression), tg__f_rich_text_mathematical_expression, 2, NULL, NULL, NULL, 0 },
    { "RichTextUrl", sizeof(tg_rich_text_url), tg__f_rich_text_url, 3, NULL, NULL, NULL, 0 },
    { "RichTextEmailAddress", sizeof(tg_rich_text_email_address), tg__f_rich_text_email_address, 3, NULL, NULL, NULL, 0 },
    { "RichTextPhoneNumber", sizeof(tg_rich_text_phone_number), tg__f_rich_text_phone_number, 3, NULL, NULL, NULL, 0 },
    { "RichTextBankCardNumber", sizeof(tg_rich_text_bank_card_number), tg__f_rich_text_bank_card_number, 3, NULL, NULL, NULL, 0 },
    { "RichTextMention", sizeof(tg_rich_text_mention), tg__f_rich_text_mention, 3, NULL, NULL, NULL, 0 },
    { "RichTextHashtag", sizeof(tg_rich_text_hashtag), tg__f_rich_text_hashtag, 3, NULL, NULL, NULL, 0 },
    { "RichTextCashtag", sizeof(tg_rich_text_cashtag), tg__f_rich_text_cashtag, 3, NULL, NULL, NULL, 0 },
    { "RichTextBotCommand", sizeof(tg_rich_text_bot_command), tg__f_rich_text_bot_command, 3, NULL, NULL, NULL, 0 },
    { "RichTextAnchor", sizeof(tg_rich_text_anchor), tg__f_rich_text_anchor, 2, NULL, NULL, NULL, 0 },
    { "RichTextAnchorLink", sizeof(tg_rich_text_anchor_link), tg__f_rich_text_anchor_link, 3, NULL, NULL, NULL, 0 },
    { "RichTextReference", sizeof(tg_rich_text_reference), tg__f_rich_text_reference, 3, NULL, NULL, NULL, 0 },
    { "RichTextReferenceLink", sizeof(tg_rich_text_reference_link), tg__f_rich_text_reference_link, 3, NULL, NULL, NULL, 0 },
    { "RichBlockCaption", sizeof(tg_rich_block_caption), tg__f_rich_block_caption, 2, NULL, NULL, NULL, 0 },
    { "RichBlockTableCell", sizeof(tg_rich_block_table_cell), tg__f_rich_block_table_cell, 6, NULL, NULL, NULL, 0 },
    { "RichBlockListItem", sizeof(tg_rich_block_list_item), tg__f_rich_block_list_item, 6, NULL, NULL, NULL, 0 },
    { "RichBlock", sizeof(tg_rich_block), NULL, 0, "type", tg__s_rich_block, tg__d_rich_block, 21 },
    { "RichBlockParagraph", sizeof(tg_rich_block_paragraph), tg__f_rich_block_paragraph, 2, NULL, NULL, NULL, 0 },
    { "RichBlockSectionHeading", sizeof(tg_rich_block_section_heading), tg__f_rich_block_section_heading, 3, NULL, NULL, NULL, 0 },
    { "RichBlockPreformatted", sizeof(tg_rich_block_preformatted), tg__f_rich_block_preformatted, 3, NULL, NULL, NULL, 0 },
    { "RichBlockFooter", sizeof(tg_rich_block_footer), tg__f_rich_block_footer, 2, NULL, NULL, NULL, 0 },
    { "RichBlockDivider", sizeof(tg_rich_block_divider), tg__f_rich_block_divider, 1, NULL, NULL, NULL, 0 },
    { "RichBlockMathematicalExpression", sizeof(tg_rich_block_mathematical_expression), tg__f_rich_block_mathematical_expression, 2, NULL, NULL, NULL, 0 },
    { "RichBlockAnchor", sizeof(tg_rich_block_anchor), tg__f_rich_block_anchor, 2, NULL, NULL, NULL, 0 },
    { "RichBlockList", sizeof(tg_rich_block_list), tg__f_rich_block_list, 2, NULL, NULL, NULL, 0 },
    { "RichBlockBlockQuotation", sizeof(tg_rich_block_block_quotation), tg__f_rich_block_block_quotation, 3, NULL, NULL, NULL, 0 },
    { "RichBlockPullQuotation", sizeof(tg_rich_block_pull_quotation), tg__f_rich_block_pull_quotation, 3, NULL, NULL, NULL, 0 },
    { "RichBlockCollage", sizeof(tg_rich_block_collage), tg__f_rich_block_collage, 3, NULL, NULL, NULL, 0 },
    { "RichBlockSlideshow", sizeof(tg_rich_block_slideshow), tg__f_rich_block_slideshow, 3, NULL, NULL, NULL, 0 },
    { "RichBlockTable", sizeof(tg_rich_block_table), tg__f_rich_block_table, 5, NULL, NULL, NULL, 0 },
    { "RichBlockDetails", sizeof(tg_rich_block_details), tg__f_rich_block_details, 4, NULL, NULL, NULL, 0 },
    { "RichBlockMap", sizeof(tg_rich_block_map), tg__f_rich_block_map, 6, NULL, NULL, NULL, 0 },
    { "RichBlockAnimation", sizeof(tg_rich_block_animation), tg__f_rich_block_animation, 4, NULL, NULL, NULL, 0 },
    { "RichBlockAudio", sizeof(tg_rich_block_audio), tg__f_rich_block_audio, 3, NULL, NULL, NULL, 0 },
    { "RichBlockPhoto", sizeof(tg_rich_block_photo), tg__f_rich_block_photo, 4, NULL, NULL, NULL, 0 },
    { "RichBlockVideo", sizeof(tg_rich_block_video), tg__f_rich_block_video, 4, NULL, NULL, NULL, 0 },
    { "RichBlockVoiceNote", sizeof(tg_rich_block_voice_note), tg__f_rich_block_voice_note, 3, NULL, NULL, NULL, 0 },
    { "RichBlockThinking", sizeof(tg_rich_block_thinking), tg__f_rich_block_thinking, 2, NULL, NULL, NULL, 0 },
    { "InlineQuery", sizeof(tg_inline_query), tg__f_inline_query, 6, NULL, NULL, NULL, 0 },
    { "InlineQueryResultsButton", sizeof(tg_inline_query_results_button), tg__f_inline_query_results_button, 3, NULL, NULL, NULL, 0 },
    { "InlineQueryResult", sizeof(tg_inline_query_result), NULL, 0, "type", tg__s_inline_query_result, tg__d_inline_query_result, 20 },
    { "InlineQueryResultArticle", sizeof(tg_inline_query_result_article), tg__f_inline_query_result_article, 10, NULL, NULL, NULL, 0 },
    { "InlineQueryResultPhoto", sizeof(tg_inline_query_result_photo), tg__f_inline_query_result_photo, 14, NULL, NULL, NULL, 0 },
    { "InlineQueryResultGif", sizeof(tg_inline_query_result_gif), tg__f_inline_query_result_gif, 15, NULL, NULL, NULL, 0 },
    { "InlineQueryResultMpeg4Gif", sizeof(tg_inline_query_result_mpeg4_gif), tg__f_inline_query_result_mpeg4_gif, 15, NULL, NULL, NULL, 0 },
    { "InlineQueryResultVideo", sizeof(tg_inline_query_result_video), tg__f_inline_query_result_video, 16, NULL, NULL, NULL, 0 },
    { "InlineQueryResultAudio", sizeof(tg_inline_query_result_audio), tg__f_inline_query_result_audio, 11, NULL, NULL, NULL, 0 },
    { "InlineQueryResultVoice", sizeof(tg_inline_query_result_voice), tg__f_inline_query_result_voice, 10, NULL, NULL, NULL, 0 },
    { "InlineQueryResultDocument", sizeof(tg_inline_query_result_document), tg__f_inline_query_result_document, 14, NULL, NULL, NULL, 0 },
    { "InlineQueryResultLocation", sizeof(tg_inline_query_result_location), tg__f_inline_query_result_location, 14, NULL, NULL, NULL, 0 },
    { "InlineQueryResultVenue", sizeof(tg_inline_query_result_venue), tg__f_inline_query_result_venue, 15, NULL, NULL, NULL, 0 },
    { "InlineQueryResultContact", sizeof(tg_inline_query_result_contact), tg__f_inline_query_result_contact, 11, NULL, NULL, NULL, 0 },
    { "InlineQueryResultGame", sizeof(tg_inline_query_result_game), tg__f_inline_query_result_game, 4, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedPhoto", sizeof(tg_inline_query_result_cached_photo), tg__f_inline_query_result_cached_photo, 11, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedGif", sizeof(tg_inline_query_result_cached_gif), tg__f_inline_query_result_cached_gif, 10, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedMpeg4Gif", sizeof(tg_inline_query_result_cached_mpeg4_gif), tg__f_inline_query_result_cached_mpeg4_gif, 10, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedSticker", sizeof(tg_inline_query_result_cached_sticker), tg__f_inline_query_result_cached_sticker, 5, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedDocument", sizeof(tg_inline_query_result_cached_document), tg__f_inline_query_result_cached_document, 10, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedVideo", sizeof(tg_inline_query_result_cached_video), tg__f_inline_query_result_cached_video, 11, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedVoice", sizeof(tg_inline_query_result_cached_voice), tg__f_inline_query_result_cached_voice, 9, NULL, NULL, NULL, 0 },
    { "InlineQueryResultCachedAudio", sizeof(tg_inline_query_result_cached_audio), tg__f_inline_query_result_cached_audio, 8, NULL, NULL, NULL, 0 },
    { "InputMessageContent", sizeof(tg_input_message_content), NULL, 0, NULL, tg__s_input_message_content, NULL, 6 },
    { "InputTextMessageContent", sizeof(tg_input_text_message_content), tg__f_input_text_message_content, 4, NULL, NULL, NULL, 0 },
    { "InputRichMessageContent", sizeof(tg_input_rich_message_content), tg__f_input_rich_message_content, 1, NULL, NULL, NULL, 0 },
    { "InputLocationMessageContent", sizeof(tg_input_location_message_content), tg__f_input_location_message_content, 6, NULL, NULL, NULL, 0 },
    { "InputVenueMessageContent", sizeof(tg_input_venue_message_content), tg__f_input_venue_message_content, 8, NULL, NULL, NULL, 0 },
    { "InputContactMessageContent", sizeof(tg_input_contact_message_content), tg__f_input_contact_message_content, 4, NULL, NULL, NULL, 0 },
    { "InputInvoiceMessageContent", sizeof(tg_input_invoice_message_content), tg__f_input_invoice_message_content, 20, NULL, NULL, NULL, 0 },
    { "ChosenInlineResult", sizeof(tg_chosen_inline_result), tg__f_chosen_inline_result, 5, NULL, NULL, NULL, 0 },
    { "LabeledPrice", sizeof(tg_labeled_price), tg__f_labeled_price, 2, NULL, NULL, NULL, 0 },
    { "Invoice", sizeof(tg_invoice), tg__f_invoice, 5, NULL, NULL, NULL, 0 },
    { "ShippingAddress", sizeof(tg_shipping_address), tg__f_shipping_address, 6, NULL, NULL, NULL, 0 },
    { "OrderInfo", sizeof(tg_order_info), tg__f_order_info, 4, NULL, NULL, NULL, 0 },
    { "ShippingOption", sizeof(tg_shipping_option), tg__f_shipping_option, 3, NULL, NULL, NULL, 0 },
    { "SuccessfulPayment", sizeof(tg_successful_payment), tg__f_successful_payment, 10, NULL, NULL, NULL, 0 },
    { "RefundedPayment", sizeof(tg_refunded_payment), tg__f_refunded_payment, 5, NULL, NULL, NULL, 0 },
    { "ShippingQuery", sizeof(tg_shipping_query), tg__f_shipping_query, 4, NULL, NULL, NULL, 0 },
    { "PreCheckoutQuery", sizeof(tg_pre_checkout_query), tg__f_pre_checkout_query, 7, NULL, NULL, NULL, 0 },
    { "PaidMediaPurchased", sizeof(tg_paid_media_purchased), tg__f_paid_media_purchased, 2, NULL, NULL, NULL, 0 },
    { "RevenueWithdrawalState", sizeof(tg_revenue_withdrawal_state), NULL, 0, "type", tg__s_revenue_withdrawal_state, tg__d_revenue_withdrawal_state, 3 },
    { "RevenueWithdrawalStatePending", sizeof(tg_revenue_withdrawal_state_pending), tg__f_revenue_withdrawal_state_pending, 1, NULL, NULL, NULL, 0 },
    { "RevenueWithdrawalStateSucceeded", sizeof(tg_revenue_withdrawal_state_succeeded), tg__f_revenue_withdrawal_state_succeeded, 3, NULL, NULL, NULL, 0 },
    { "RevenueWithdrawalStateFailed", sizeof(tg_revenue_withdrawal_state_failed), tg__f_revenue_withdrawal_state_failed, 1, NULL, NULL, NULL, 0 },
    { "AffiliateInfo", sizeof(tg_affiliate_info), tg__f_affiliate_info, 5, NULL, NULL, NULL, 0 },
    { "TransactionPartner", sizeof(tg_transaction_partner), NULL, 0, "type", tg__s_transaction_partner, tg__d_transaction_partner, 7 },
    { "TransactionPartnerUser", sizeof(tg_transaction_partner_user), tg__f_transaction_partner_user, 10, NULL, NULL, NULL, 0 },
    { "TransactionPartnerChat", sizeof(tg_transaction_partner_chat), tg__f_transaction_partner_chat, 3, NULL, NULL, NULL, 0 },
    { "TransactionPartnerAffiliateProgram", sizeof(tg_transaction_partner_affiliate_program), tg__f_transaction_partner_affiliate_program, 3, NULL, NULL, NULL, 0 },
    { "TransactionPartnerFragment", sizeof(tg_transaction_partner_fragment), tg__f_transaction_partner_fragment, 2, NULL, NULL, NULL, 0 },
    { "TransactionPartnerTelegramAds", sizeof(tg_transaction_partner_telegram_ads), tg__f_transaction_partner_telegram_ads, 1, NULL, NULL, NULL, 0 },
    { "TransactionPartnerTelegramApi", sizeof(tg_transaction_partner_telegram_api), tg__f_transaction_partner_telegram_api, 2, NULL, NULL, NULL, 0 },
    { "TransactionPartnerOther", sizeof(tg_transaction_partner_other), tg__f_transaction_partner_other, 1, NULL, NULL, NULL, 0 },
    { "StarTransaction", sizeof(tg_star_transaction), tg__f_star_transaction, 6, NULL, NULL, NULL, 0 },
    { "StarTransactions", sizeof(tg_star_transactions), tg__f_star_transactions, 1, NULL, NULL, NULL, 0 },
    { "PassportData", sizeof(tg_passport_data), tg__f_passport_data, 2, NULL, NULL, NULL, 0 },
    { "PassportFile", sizeof(tg_passport_file), tg__f_passport_file, 4, NULL, NULL, NULL, 0 },
    { "EncryptedPassportElement", sizeof(tg_encrypted_passport_element), tg__f_encrypted_passport_element, 10, NULL, NULL, NULL, 0 },
    { "EncryptedCredentials", sizeof(tg_encrypted_credentials), tg__f_encrypted_credentials, 3, NULL, NULL, NULL, 0 },
    { "PassportElementError", sizeof(tg_passport_element_error), NULL, 0, "source", tg__s_passport_element_error, tg__d_passport_element_error, 9 },
    { "PassportElementErrorDataField", sizeof(tg_passport_element_error_data_field), tg__f_passport_element_error_data_field, 5, NULL, NULL, NULL, 0 },
    { "PassportElementErrorFrontSide", sizeof(tg_passport_element_error_front_side), tg__f_passport_element_error_front_side, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorReverseSide", sizeof(tg_passport_element_error_reverse_side), tg__f_passport_element_error_reverse_side, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorSelfie", sizeof(tg_passport_element_error_selfie), tg__f_passport_element_error_selfie, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorFile", sizeof(tg_passport_element_error_file), tg__f_passport_element_error_file, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorFiles", sizeof(tg_passport_element_error_files), tg__f_passport_element_error_files, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorTranslationFile", sizeof(tg_passport_element_error_translation_file), tg__f_passport_element_error_translation_file, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorTranslationFiles", sizeof(tg_passport_element_error_translation_files), tg__f_passport_element_error_translation_files, 4, NULL, NULL, NULL, 0 },
    { "PassportElementErrorUnspecified", sizeof(tg_passport_element_error_unspecified), tg__f_passport_element_error_unspecified, 4, NULL, NULL, NULL, 0 },
    { "Game", sizeof(tg_game), tg__f_game, 6, NULL, NULL, NULL, 0 },
    { "CallbackGame", sizeof(tg_callback_game), NULL, 0, NULL, NULL, NULL, 0 },
    { "GameHighScore", sizeof(tg_game_high_score), tg__f_game_high_score, 3, NULL, NULL, NULL, 0 },
    { "ReplyMarkup", sizeof(tg_reply_markup), NULL, 0, NULL, tg__s_reply_markup, NULL, 4 },
    { "getUpdates", sizeof(tg_get_updates_args), tg__fa_get_updates, 4, NULL, NULL, NULL, 0 },
    { "setWebhook", sizeof(tg_set_webhook_args), tg__fa_set_webhook, 7, NULL, NULL, NULL, 0 },
    { "deleteWebhook", sizeof(tg_delete_webhook_args), tg__fa_delete_webhook, 1, NULL, NULL, NULL, 0 },
    { "sendMessage", sizeof(tg_send_message_args), tg__fa_send_message, 15, NULL, NULL, NULL, 0 },
    { "forwardMessage", sizeof(tg_forward_message_args), tg__fa_forward_message, 10, NULL, NULL, NULL, 0 },
    { "forwardMessages", sizeof(tg_forward_messages_args), tg__fa_forward_messages, 7, NULL, NULL, NULL, 0 },
    { "copyMessage", sizeof(tg_copy_message_args), tg__fa_copy_message, 17, NULL, NULL, NULL, 0 },
    { "copyMessages", sizeof(tg_copy_messages_args), tg__fa_copy_messages, 8, NULL, NULL, NULL, 0 },
    { "sendPhoto", sizeof(tg_send_photo_args), tg__fa_send_photo, 17, NULL, NULL, NULL, 0 },
    { "sendLivePhoto", sizeof(tg_send_live_photo_args), tg__fa_send_live_photo, 18, NULL, NULL, NULL, 0 },
    { "sendAudio", sizeof(tg_send_audio_args), tg__fa_send_audio, 19, NULL, NULL, NULL, 0 },
    { "sendDocument", sizeof(tg_send_document_args), tg__fa_send_document, 17, NULL, NULL, NULL, 0 },
    { "sendVideo", sizeof(tg_send_video_args), tg__fa_send_video, 24, NULL, NULL, NULL, 0 },
    { "sendAnimation", sizeof(tg_send_animation_args), tg__fa_send_animation, 21, NULL, NULL, NULL, 0 },
    { "sendVoice", sizeof(tg_send_voice_args), tg__fa_send_voice, 16, NULL, NULL, NULL, 0 },
    { "sendVideoNote", sizeof(tg_send_video_note_args), tg__fa_send_video_note, 15, NULL, NULL, NULL, 0 },
    { "sendPaidMedia", sizeof(tg_send_paid_media_args), tg__fa_send_paid_media, 17, NULL, NULL, NULL, 0 },
    { "sendMediaGroup", sizeof(tg_send_media_group_args), tg__fa_send_media_group, 10, NULL, NULL, NULL, 0 },
    { "sendLocation", sizeof(tg_send_location_args), tg__fa_send_location, 17, NULL, NULL, NULL, 0 },
    { "sendVenue", sizeof(tg_send_venue_args), tg__fa_send_venue, 19, NULL, NULL, NULL, 0 },
    { "sendContact", sizeof(tg_send_contact_args), tg__fa_send_contact, 15, NULL, NULL, NULL, 0 },
    { "sendPoll", sizeof(tg_send_poll_args), tg__fa_send_poll, 34, NULL, NULL, NULL, 0 },
    { "sendChecklist", sizeof(tg_send_checklist_args), tg__fa_send_checklist, 8, NULL, NULL, NULL, 0 },
    { "sendDice", sizeof(tg_send_dice_args), tg__fa_send_dice, 12, NULL, NULL, NULL, 0 },
    { "sendMessageDraft", sizeof(tg_send_message_draft_args), tg__fa_send_message_draft, 6, NULL, NULL, NULL, 0 },
    { "sendChatAction", sizeof(tg_send_chat_action_args), tg__fa_send_chat_action, 4, NULL, NULL, NULL, 0 },
    { "setMessageReaction", sizeof(tg_set_message_reaction_args), tg__fa_set_message_reaction, 4, NULL, NULL, NULL, 0 },
    { "getUserProfilePhotos", sizeof(tg_get_user_profile_photos_args), tg__fa_get_user_profile_photos, 3, NULL, NULL, NULL, 0 },
    { "getUserProfileAudios", sizeof(tg_get_user_profile_audios_args), tg__fa_get_user_profile_audios, 3, NULL, NULL, NULL, 0 },
    { "setUserEmojiStatus", sizeof(tg_set_user_emoji_status_args), tg__fa_set_user_emoji_status, 3, NULL, NULL, NULL, 0 },
    { "getFile", sizeof(tg_get_file_args), tg__fa_get_file, 1, NULL, NULL, NULL, 0 },
    { "banChatMember", sizeof(tg_ban_chat_member_args), tg__fa_ban_chat_member, 4, NULL, NULL, NULL, 0 },
    { "unbanChatMember", sizeof(tg_unban_chat_member_args), tg__fa_unban_chat_member, 3, NULL, NULL, NULL, 0 },
    { "restrictChatMember", sizeof(tg_restrict_chat_member_args), tg__fa_restrict_chat_member, 5, NULL, NULL, NULL, 0 },
    { "promoteChatMember", sizeof(tg_promote_chat_member_args), tg__fa_promote_chat_member, 19, NULL, NULL, NULL, 0 },
    { "setChatAdministratorCustomTitle", sizeof(tg_set_chat_administrator_custom_title_args), tg__fa_set_chat_administrator_custom_title, 3, NULL, NULL, NULL, 0 },
    { "setChatMemberTag", sizeof(tg_set_chat_member_tag_args), tg__fa_set_chat_member_tag, 3, NULL, NULL, NULL, 0 },
    { "banChatSenderChat", sizeof(tg_ban_chat_sender_chat_args), tg__fa_ban_chat_sender_chat, 2, NULL, NULL, NULL, 0 },
    { "unbanChatSenderChat", sizeof(tg_unban_chat_sender_chat_args), tg__fa_unban_chat_sender_chat, 2, NULL, NULL, NULL, 0 },
    { "setChatPermissions", sizeof(tg_set_chat_permissions_args), tg__fa_set_chat_permissions, 3, NULL, NULL, NULL, 0 },
    { "exportChatInviteLink", sizeof(tg_export_chat_invite_link_args), tg__fa_export_chat_invite_link, 1, NULL, NULL, NULL, 0 },
    { "createChatInviteLink", sizeof(tg_create_chat_invite_link_args), tg__fa_create_chat_invite_link, 5, NULL, NULL, NULL, 0 },
    { "editChatInviteLink", sizeof(tg_edit_chat_invite_link_args), tg__fa_edit_chat_invite_link, 6, NULL, NULL, NULL, 0 },
    { "createChatSubscriptionInviteLink", sizeof(tg_create_chat_subscription_invite_link_args), tg__fa_create_chat_subscription_invite_link, 4, NULL, NULL, NULL, 0 },
    { "editChatSubscriptionInviteLink", sizeof(tg_edit_chat_subscription_invite_link_args), tg__fa_edit_chat_subscription_invite_link, 3, NULL, NULL, NULL, 0 },
    { "revokeChatInviteLink", sizeof(tg_revoke_chat_invite_link_args), tg__fa_revoke_chat_invite_link, 2, NULL, NULL, NULL, 0 },
    { "approveChatJoinRequest", sizeof(tg_approve_chat_join_request_args), tg__fa_approve_chat_join_request, 2, NULL, NULL, NULL, 0 },
    { "declineChatJoinRequest", sizeof(tg_decline_chat_join_request_args), tg__fa_decline_chat_join_request, 2, NULL, NULL, NULL, 0 },
    { "answerChatJoinRequestQuery", sizeof(tg_answer_chat_join_request_query_args), tg__fa_answer_chat_join_request_query, 2, NULL, NULL, NULL, 0 },
    { "sendChatJoinRequestWebApp", sizeof(tg_send_chat_join_request_web_app_args), tg__fa_send_chat_join_request_web_app, 2, NULL, NULL, NULL, 0 },
    { "setChatPhoto", sizeof(tg_set_chat_photo_args), tg__fa_set_chat_photo, 2, NULL, NULL, NULL, 0 },
    { "deleteChatPhoto", sizeof(tg_delete_chat_photo_args), tg__fa_delete_chat_photo, 1, NULL, NULL, NULL, 0 },
    { "setChatTitle", sizeof(tg_set_chat_title_args), tg__fa_set_chat_title, 2, NULL, NULL, NULL, 0 },
    { "setChatDescription", sizeof(tg_set_chat_description_args), tg__fa_set_chat_description, 2, NULL, NULL, NULL, 0 },
    { "pinChatMessage", sizeof(tg_pin_chat_message_args), tg__fa_pin_chat_message, 4, NULL, NULL, NULL, 0 },
    { "unpinChatMessage", sizeof(tg_unpin_chat_message_args), tg__fa_unpin_chat_message, 3, NULL, NULL, NULL, 0 },
    { "unpinAllChatMessages", sizeof(tg_unpin_all_chat_messages_args), tg__fa_unpin_all_chat_messages, 1, NULL, NULL, NULL, 0 },
    { "leaveChat", sizeof(tg_leave_chat_args), tg__fa_leave_chat, 1, NULL, NULL, NULL, 0 },
    { "getChat", sizeof(tg_get_chat_args), tg__fa_get_chat, 1, NULL, NULL, NULL, 0 },
    { "getChatAdministrators", sizeof(tg_get_chat_administrators_args), tg__fa_get_chat_administrators, 2, NULL, NULL, NULL, 0 },
    { "getChatMemberCount", sizeof(tg_get_chat_member_count_args), tg__fa_get_chat_member_count, 1, NULL, NULL, NULL, 0 },
    { "getChatMember", sizeof(tg_get_chat_member_args), tg__fa_get_chat_member, 2, NULL, NULL, NULL, 0 },
    { "getUserPersonalChatMessages", sizeof(tg_get_user_personal_chat_messages_args), tg__fa_get_user_personal_chat_messages, 2, NULL, NULL, NULL, 0 },
    { "setChatStickerSet", sizeof(tg_set_chat_sticker_set_args), tg__fa_set_chat_sticker_set, 2, NULL, NULL, NULL, 0 },
    { "deleteChatStickerSet", sizeof(tg_delete_chat_sticker_set_args), tg__fa_delete_chat_sticker_set, 1, NULL, NULL, NULL, 0 },
    { "createForumTopic", sizeof(tg_create_forum_topic_args), tg__fa_create_forum_topic, 4, NULL, NULL, NULL, 0 },
    { "editForumTopic", sizeof(tg_edit_forum_topic_args), tg__fa_edit_forum_topic, 4, NULL, NULL, NULL, 0 },
    { "closeForumTopic", sizeof(tg_close_forum_topic_args), tg__fa_close_forum_topic, 2, NULL, NULL, NULL, 0 },
    { "reopenForumTopic", sizeof(tg_reopen_forum_topic_args), tg__fa_reopen_forum_topic, 2, NULL, NULL, NULL, 0 },
    { "deleteForumTopic", sizeof(tg_delete_forum_topic_args), tg__fa_delete_forum_topic, 2, NULL, NULL, NULL, 0 },
    { "unpinAllForumTopicMessages", sizeof(tg_unpin_all_forum_topic_messages_args), tg__fa_unpin_all_forum_topic_messages, 2, NULL, NULL, NULL, 0 },
    { "editGeneralForumTopic", sizeof(tg_edit_general_forum_topic_args), tg__fa_edit_general_forum_topic, 2, NULL, NULL, NULL, 0 },
    { "closeGeneralForumTopic", sizeof(tg_close_general_forum_topic_args), tg__fa_close_general_forum_topic, 1, NULL, NULL, NULL, 0 },
    { "reopenGeneralForumTopic", sizeof(tg_reopen_general_forum_topic_args), tg__fa_reopen_general_forum_topic, 1, NULL, NULL, NULL, 0 },
    { "hideGeneralForumTopic", sizeof(tg_hide_general_forum_topic_args), tg__fa_hide_general_forum_topic, 1, NULL, NULL, NULL, 0 },
    { "unhideGeneralForumTopic", sizeof(tg_unhide_general_forum_topic_args), tg__fa_unhide_general_forum_topic, 1, NULL, NULL, NULL, 0 },
    { "unpinAllGeneralForumTopicMessages", sizeof(tg_unpin_all_general_forum_topic_messages_args), tg__fa_unpin_all_general_forum_topic_messages, 1, NULL, NULL, NULL, 0 },
    { "answerCallbackQuery", sizeof(tg_answer_callback_query_args), tg__fa_answer_callback_query, 5, NULL, NULL, NULL, 0 },
    { "answerGuestQuery", sizeof(tg_answer_guest_query_args), tg__fa_answer_guest_query, 2, NULL, NULL, NULL, 0 },
    { "getUserChatBoosts", sizeof(tg_get_user_chat_boosts_args), tg__fa_get_user_chat_boosts, 2, NULL, NULL, NULL, 0 },
    { "getBusinessConnection", sizeof(tg_get_business_connection_args), tg__fa_get_business_connection, 1, NULL, NULL, NULL, 0 },
    { "getManagedBotToken", sizeof(tg_get_managed_bot_token_args), tg__fa_get_managed_bot_token, 1, NULL, NULL, NULL, 0 },
    { "replaceManagedBotToken", sizeof(tg_replace_managed_bot_token_args), tg__fa_replace_managed_bot_token, 1, NULL, NULL, NULL, 0 },
    { "getManagedBotAccessSettings", sizeof(tg_get_managed_bot_access_settings_args), tg__fa_get_managed_bot_access_settings, 1, NULL, NULL, NULL, 0 },
    { "setManagedBotAccessSettings", sizeof(tg_set_managed_bot_access_settings_args), tg__fa_set_managed_bot_access_settings, 3, NULL, NULL, NULL, 0 },
    { "setMyCommands", sizeof(tg_set_my_commands_args), tg__fa_set_my_commands, 3, NULL, NULL, NULL, 0 },
    { "deleteMyCommands", sizeof(tg_delete_my_commands_args), tg__fa_delete_my_commands, 2, NULL, NULL, NULL, 0 },
    { "getMyCommands", sizeof(tg_get_my_commands_args), tg__fa_get_my_commands, 2, NULL, NULL, NULL, 0 },
    { "setMyName", sizeof(tg_set_my_name_args), tg__fa_set_my_name, 2, NULL, NULL, NULL, 0 },
    { "getMyName", sizeof(tg_get_my_name_args), tg__fa_get_my_name, 1, NULL, NULL, NULL, 0 },
    { "setMyDescription", sizeof(tg_set_my_description_args), tg__fa_set_my_description, 2, NULL, NULL, NULL, 0 },
    { "getMyDescription", sizeof(tg_get_my_description_args), tg__fa_get_my_description, 1, NULL, NULL, NULL, 0 },
    { "setMyShortDescription", sizeof(tg_set_my_short_description_args), tg__fa_set_my_short_description, 2, NULL, NULL, NULL, 0 },
    { "getMyShortDescription", sizeof(tg_get_my_short_description_args), tg__fa_get_my_short_description, 1, NULL, NULL, NULL, 0 },
    { "setMyProfilePhoto", sizeof(tg_set_my_profile_photo_args), tg__fa_set_my_profile_photo, 1, NULL, NULL, NULL, 0 },
    { "setChatMenuButton", sizeof(tg_set_chat_menu_button_args), tg__fa_set_chat_menu_button, 2, NULL, NULL, NULL, 0 },
    { "getChatMenuButton", sizeof(tg_get_chat_menu_button_args), tg__fa_get_chat_menu_button, 1, NULL, NULL, NULL, 0 },
    { "setMyDefaultAdministratorRights", sizeof(tg_set_my_default_administrator_rights_args), tg__fa_set_my_default_administrator_rights, 2, NULL, NULL, NULL, 0 },
    { "getMyDefaultAdministratorRights", sizeof(tg_get_my_default_administrator_rights_args), tg__fa_get_my_default_administrator_rights, 1, NULL, NULL, NULL, 0 },
    { "sendGift", sizeof(tg_send_gift_args), tg__fa_send_gift, 7, NULL, NULL, NULL, 0 },
    { "giftPremiumSubscription", sizeof(tg_gift_premium_subscription_args), tg__fa_gift_premium_subscription, 6, NULL, NULL, NULL, 0 },
    { "verifyUser", sizeof(tg_verify_user_args), tg__fa_verify_user, 2, NULL, NULL, NULL, 0 },
    { "verifyChat", sizeof(tg_verify_chat_args), tg__fa_verify_chat, 2, NULL, NULL, NULL, 0 },
    { "removeUserVerification", sizeof(tg_remove_user_verification_args), tg__fa_remove_user_verification, 1, NULL, NULL, NULL, 0 },
    { "removeChatVerification", sizeof(tg_remove_chat_verification_args), tg__fa_remove_chat_verification, 1, NULL, NULL, NULL, 0 },
    { "readBusinessMessage", sizeof(tg_read_business_message_args), tg__fa_read_business_message, 3, NULL, NULL, NULL, 0 },
    { "deleteBusinessMessages", sizeof(tg_delete_business_messages_args), tg__fa_delete_business_messages, 2, NULL, NULL, NULL, 0 },
    { "setBusinessAccountName", sizeof(tg_set_business_account_name_args), tg__fa_set_business_account_name, 3, NULL, NULL, NULL, 0 },
    { "setBusinessAccountUsername", sizeof(tg_set_business_account_username_args), tg__fa_set_business_account_username, 2, NULL, NULL, NULL, 0 },
    { "setBusinessAccountBio", sizeof(tg_set_business_account_bio_args), tg__fa_set_business_account_bio, 2, NULL, NULL, NULL, 0 },
    { "setBusinessAccountProfilePhoto", sizeof(tg_set_business_account_profile_photo_args), tg__fa_set_business_account_profile_photo, 3, NULL, NULL, NULL, 0 },
    { "removeBusinessAccountProfilePhoto", sizeof(tg_remove_business_account_profile_photo_args), tg__fa_remove_business_account_profile_photo, 2, NULL, NULL, NULL, 0 },
    { "setBusinessAccountGiftSettings", sizeof(tg_set_business_account_gift_settings_args), tg__fa_set_business_account_gift_settings, 3, NULL, NULL, NULL, 0 },
    { "getBusinessAccountStarBalance", sizeof(tg_get_business_account_star_balance_args), tg__fa_get_business_account_star_balance, 1, NULL, NULL, NULL, 0 },
    { "transferBusinessAccountStars", sizeof(tg_transfer_business_account_stars_args), tg__fa_transfer_business_account_stars, 2, NULL, NULL, NULL, 0 },
    { "getBusinessAccountGifts", sizeof(tg_get_business_account_gifts_args), tg__fa_get_business_account_gifts, 11, NULL, NULL, NULL, 0 },
    { "getUserGifts", sizeof(tg_get_user_gifts_args), tg__fa_get_user_gifts, 9, NULL, NULL, NULL, 0 },
    { "getChatGifts", sizeof(tg_get_chat_gifts_args), tg__fa_get_chat_gifts, 11, NULL, NULL, NULL, 0 },
    { "convertGiftToStars", sizeof(tg_convert_gift_to_stars_args), tg__fa_convert_gift_to_stars, 2, NULL, NULL, NULL, 0 },
    { "upgradeGift", sizeof(tg_upgrade_gift_args), tg__fa_upgrade_gift, 4, NULL, NULL, NULL, 0 },
    { "transferGift", sizeof(tg_transfer_gift_args), tg__fa_transfer_gift, 4, NULL, NULL, NULL, 0 },
    { "postStory", sizeof(tg_post_story_args), tg__fa_post_story, 9, NULL, NULL, NULL, 0 },
    { "repostStory", sizeof(tg_repost_story_args), tg__fa_repost_story, 6, NULL, NULL, NULL, 0 },
    { "editStory", sizeof(tg_edit_story_args), tg__fa_edit_story, 7, NULL, NULL, NULL, 0 },
    { "deleteStory", sizeof(tg_delete_story_args), tg__fa_delete_story, 2, NULL, NULL, NULL, 0 },
    { "answerWebAppQuery", sizeof(tg_answer_web_app_query_args), tg__fa_answer_web_app_query, 2, NULL, NULL, NULL, 0 },
    { "savePreparedInlineMessage", sizeof(tg_save_prepared_inline_message_args), tg__fa_save_prepared_inline_message, 6, NULL, NULL, NULL, 0 },
    { "savePreparedKeyboardButton", sizeof(tg_save_prepared_keyboard_button_args), tg__fa_save_prepared_keyboard_button, 2, NULL, NULL, NULL, 0 },
    { "editMessageText", sizeof(tg_edit_message_text_args), tg__fa_edit_message_text, 10, NULL, NULL, NULL, 0 },
    { "editMessageCaption", sizeof(tg_edit_message_caption_args), tg__fa_edit_message_caption, 9, NULL, NULL, NULL, 0 },
    { "editMessageMedia", sizeof(tg_edit_message_media_args), tg__fa_edit_message_media, 6, NULL, NULL, NULL, 0 },
    { "editMessageLiveLocation", sizeof(tg_edit_message_live_location_args), tg__fa_edit_message_live_location, 11, NULL, NULL, NULL, 0 },
    { "stopMessageLiveLocation", sizeof(tg_stop_message_live_location_args), tg__fa_stop_message_live_location, 5, NULL, NULL, NULL, 0 },
    { "editMessageChecklist", sizeof(tg_edit_message_checklist_args), tg__fa_edit_message_checklist, 5, NULL, NULL, NULL, 0 },
    { "editMessageReplyMarkup", sizeof(tg_edit_message_reply_markup_args), tg__fa_edit_message_reply_markup, 5, NULL, NULL, NULL, 0 },
    { "stopPoll", sizeof(tg_stop_poll_args), tg__fa_stop_poll, 4, NULL, NULL, NULL, 0 },
    { "approveSuggestedPost", sizeof(tg_approve_suggested_post_args), tg__fa_approve_suggested_post, 3, NULL, NULL, NULL, 0 },
    { "declineSuggestedPost", sizeof(tg_decline_suggested_post_args), tg__fa_decline_suggested_post, 3, NULL, NULL, NULL, 0 },
    { "deleteMessage", sizeof(tg_delete_message_args), tg__fa_delete_message, 2, NULL, NULL, NULL, 0 },
    { "deleteMessages", sizeof(tg_delete_messages_args), tg__fa_delete_messages, 2, NULL, NULL, NULL, 0 },
    { "deleteMessageReaction", sizeof(tg_delete_message_reaction_args), tg__fa_delete_message_reaction, 4, NULL, NULL, NULL, 0 },
    { "deleteAllMessageReactions", sizeof(tg_delete_all_message_reactions_args), tg__fa_delete_all_message_reactions, 3, NULL, NULL, NULL, 0 },
    { "sendSticker", sizeof(tg_send_sticker_args), tg__fa_send_sticker, 13, NULL, NULL, NULL, 0 },
    { "getStickerSet", sizeof(tg_get_sticker_set_args), tg__fa_get_sticker_set, 1, NULL, NULL, NULL, 0 },
    { "getCustomEmojiStickers", sizeof(tg_get_custom_emoji_stickers_args), tg__fa_get_custom_emoji_stickers, 1, NULL, NULL, NULL, 0 },
    { "uploadStickerFile", sizeof(tg_upload_sticker_file_args), tg__fa_upload_sticker_file, 3, NULL, NULL, NULL, 0 },
    { "createNewStickerSet", sizeof(tg_create_new_sticker_set_args), tg__fa_create_new_sticker_set, 6, NULL, NULL, NULL, 0 },
    { "addStickerToSet", sizeof(tg_add_sticker_to_set_args), tg__fa_add_sticker_to_set, 3, NULL, NULL, NULL, 0 },
    { "setStickerPositionInSet", sizeof(tg_set_sticker_position_in_set_args), tg__fa_set_sticker_position_in_set, 2, NULL, NULL, NULL, 0 },
    { "deleteStickerFromSet", sizeof(tg_delete_sticker_from_set_args), tg__fa_delete_sticker_from_set, 1, NULL, NULL, NULL, 0 },
    { "replaceStickerInSet", sizeof(tg_replace_sticker_in_set_args), tg__fa_replace_sticker_in_set, 4, NULL, NULL, NULL, 0 },
    { "setStickerEmojiList", sizeof(tg_set_sticker_emoji_list_args), tg__fa_set_sticker_emoji_list, 2, NULL, NULL, NULL, 0 },
    { "setStickerKeywords", sizeof(tg_set_sticker_keywords_args), tg__fa_set_sticker_keywords, 2, NULL, NULL, NULL, 0 },
    { "setStickerMaskPosition", sizeof(tg_set_sticker_mask_position_args), tg__fa_set_sticker_mask_position, 2, NULL, NULL, NULL, 0 },
    { "setStickerSetTitle", sizeof(tg_set_sticker_set_title_args), tg__fa_set_sticker_set_title, 2, NULL, NULL, NULL, 0 },
    { "setStickerSetThumbnail", sizeof(tg_set_sticker_set_thumbnail_args), tg__fa_set_sticker_set_thumbnail, 4, NULL, NULL, NULL, 0 },
    { "setCustomEmojiStickerSetThumbnail", sizeof(tg_set_custom_emoji_sticker_set_thumbnail_args), tg__fa_set_custom_emoji_sticker_set_thumbnail, 2, NULL, NULL, NULL, 0 },
    { "deleteStickerSet", sizeof(tg_delete_sticker_set_args), tg__fa_delete_sticker_set, 1, NULL, NULL, NULL, 0 },
    { "sendRichMessage", sizeof(tg_send_rich_message_args), tg__fa_send_rich_message, 12, NULL, NULL, NULL, 0 },
    { "sendRichMessageDraft", sizeof(tg_send_rich_message_draft_args), tg__fa_send_rich_message_draft, 4, NULL, NULL, NULL, 0 },
    { "answerInlineQuery", sizeof(tg_answer_inline_query_args), tg__fa_answer_inline_query, 6, NULL, NULL, NULL, 0 },
    { "sendInvoice", sizeof(tg_send_invoice_args), tg__fa_send_invoice, 31, NULL, NULL, NULL, 0 },
    { "createInvoiceLink", sizeof(tg_create_invoice_link_args), tg__fa_create_invoice_link, 22, NULL, NULL, NULL, 0 },
    { "answerShippingQuery", sizeof(tg_answer_shipping_query_args), tg__fa_answer_shipping_query, 4, NULL, NULL, NULL, 0 },
    { "answerPreCheckoutQuery", sizeof(tg_answer_pre_checkout_query_args), tg__fa_answer_pre_checkout_query, 3, NULL, NULL, NULL, 0 },
    { "getStarTransactions", sizeof(tg_get_star_transactions_args), tg__fa_get_star_transactions, 2, NULL, NULL, NULL, 0 },
    { "refundStarPayment", sizeof(tg_refund_star_payment_args), tg__fa_refund_star_payment, 2, NULL, NULL, NULL, 0 },
    { "editUserStarSubscription", sizeof(tg_edit_user_star_subscription_args), tg__fa_edit_user_star_subscription, 3, NULL, NULL, NULL, 0 },
    { "setPassportDataErrors", sizeof(tg_set_passport_data_errors_args), tg__fa_set_passport_data_errors, 2, NULL, NULL, NULL, 0 },
    { "sendGame", sizeof(tg_send_game_args), tg__fa_send_game, 10, NULL, NULL, NULL, 0 },
    { "setGameScore", sizeof(tg_set_game_score_args), tg__fa_set_game_score, 7, NULL, NULL, NULL, 0 },
    { "getGameHighScores", sizeof(tg_get_game_high_scores_args), tg__fa_get_game_high_scores, 4, NULL, NULL, NULL, 0 },
    { NULL, 0, NULL, 0, NULL, NULL, NULL, 0 }
};
TGBOT__INTERN const tg__type *tg__type_table(void) { return tg__type_data; }
static const tg__method tg__m_get_updates = { "getUpdates", TG__CALL_READ, 360, TG__K_OBJ, 1, 0 };
TGBOT_API tg_err tg_get_updates(tg_bot *bot, const tg_get_updates_args *args, tg_update_list *out) {
    return tg__call_method(bot, &tg__m_get_updates, args, out);
}
static const tg__method tg__m_set_webhook = { "setWebhook", TG__CALL_IDEMPOTENT, 361, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_webhook(tg_bot *bot, const tg_set_webhook_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_webhook, args, out);
}
static const tg__method tg__m_delete_webhook = { "deleteWebhook", TG__CALL_IDEMPOTENT, 362, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_webhook(tg_bot *bot, const tg_delete_webhook_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_webhook, args, out);
}
static const tg__method tg__m_get_webhook_info = { "getWebhookInfo", TG__CALL_READ, 65535, TG__K_OBJ, 0, 1 };
TGBOT_API tg_err tg_get_webhook_info(tg_bot *bot, tg_webhook_info **out) {
    return tg__call_method(bot, &tg__m_get_webhook_info, NULL, out);
}
static const tg__method tg__m_get_me = { "getMe", TG__CALL_READ, 65535, TG__K_OBJ, 0, 2 };
TGBOT_API tg_err tg_get_me(tg_bot *bot, tg_user **out) {
    return tg__call_method(bot, &tg__m_get_me, NULL, out);
}
static const tg__method tg__m_log_out = { "logOut", TG__CALL_IDEMPOTENT, 65535, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_log_out(tg_bot *bot, bool *out) {
    return tg__call_method(bot, &tg__m_log_out, NULL, out);
}
static const tg__method tg__m_close = { "close", TG__CALL_IDEMPOTENT, 65535, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_close(tg_bot *bot, bool *out) {
    return tg__call_method(bot, &tg__m_close, NULL, out);
}
static const tg__method tg__m_send_message = { "sendMessage", TG__CALL_SENDS, 363, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_message(tg_bot *bot, const tg_send_message_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_message, args, out);
}
static const tg__method tg__m_forward_message = { "forwardMessage", TG__CALL_SENDS, 364, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_forward_message(tg_bot *bot, const tg_forward_message_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_forward_message, args, out);
}
static const tg__method tg__m_forward_messages = { "forwardMessages", TG__CALL_SENDS, 365, TG__K_OBJ, 1, 6 };
TGBOT_API tg_err tg_forward_messages(tg_bot *bot, const tg_forward_messages_args *args, tg_message_id_list *out) {
    return tg__call_method(bot, &tg__m_forward_messages, args, out);
}
static const tg__method tg__m_copy_message = { "copyMessage", TG__CALL_SENDS, 366, TG__K_OBJ, 0, 6 };
TGBOT_API tg_err tg_copy_message(tg_bot *bot, const tg_copy_message_args *args, tg_message_id **out) {
    return tg__call_method(bot, &tg__m_copy_message, args, out);
}
static const tg__method tg__m_copy_messages = { "copyMessages", TG__CALL_SENDS, 367, TG__K_OBJ, 1, 6 };
TGBOT_API tg_err tg_copy_messages(tg_bot *bot, const tg_copy_messages_args *args, tg_message_id_list *out) {
    return tg__call_method(bot, &tg__m_copy_messages, args, out);
}
static const tg__method tg__m_send_photo = { "sendPhoto", TG__CALL_SENDS, 368, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_photo(tg_bot *bot, const tg_send_photo_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_photo, args, out);
}
static const tg__method tg__m_send_live_photo = { "sendLivePhoto", TG__CALL_SENDS, 369, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_live_photo(tg_bot *bot, const tg_send_live_photo_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_live_photo, args, out);
}
static const tg__method tg__m_send_audio = { "sendAudio", TG__CALL_SENDS, 370, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_audio(tg_bot *bot, const tg_send_audio_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_audio, args, out);
}
static const tg__method tg__m_send_document = { "sendDocument", TG__CALL_SENDS, 371, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_document(tg_bot *bot, const tg_send_document_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_document, args, out);
}
static const tg__method tg__m_send_video = { "sendVideo", TG__CALL_SENDS, 372, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_video(tg_bot *bot, const tg_send_video_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_video, args, out);
}
static const tg__method tg__m_send_animation = { "sendAnimation", TG__CALL_SENDS, 373, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_animation(tg_bot *bot, const tg_send_animation_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_animation, args, out);
}
static const tg__method tg__m_send_voice = { "sendVoice", TG__CALL_SENDS, 374, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_voice(tg_bot *bot, const tg_send_voice_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_voice, args, out);
}
static const tg__method tg__m_send_video_note = { "sendVideoNote", TG__CALL_SENDS, 375, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_video_note(tg_bot *bot, const tg_send_video_note_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_video_note, args, out);
}
static const tg__method tg__m_send_paid_media = { "sendPaidMedia", TG__CALL_SENDS, 376, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_paid_media(tg_bot *bot, const tg_send_paid_media_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_paid_media, args, out);
}
static const tg__method tg__m_send_media_group = { "sendMediaGroup", TG__CALL_SENDS, 377, TG__K_OBJ, 1, 5 };
TGBOT_API tg_err tg_send_media_group(tg_bot *bot, const tg_send_media_group_args *args, tg_message_list *out) {
    return tg__call_method(bot, &tg__m_send_media_group, args, out);
}
static const tg__method tg__m_send_location = { "sendLocation", TG__CALL_SENDS, 378, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_location(tg_bot *bot, const tg_send_location_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_location, args, out);
}
static const tg__method tg__m_send_venue = { "sendVenue", TG__CALL_SENDS, 379, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_venue(tg_bot *bot, const tg_send_venue_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_venue, args, out);
}
static const tg__method tg__m_send_contact = { "sendContact", TG__CALL_SENDS, 380, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_contact(tg_bot *bot, const tg_send_contact_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_contact, args, out);
}
static const tg__method tg__m_send_poll = { "sendPoll", TG__CALL_SENDS, 381, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_poll(tg_bot *bot, const tg_send_poll_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_poll, args, out);
}
static const tg__method tg__m_send_checklist = { "sendChecklist", TG__CALL_SENDS, 382, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_checklist(tg_bot *bot, const tg_send_checklist_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_checklist, args, out);
}
static const tg__method tg__m_send_dice = { "sendDice", TG__CALL_SENDS, 383, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_dice(tg_bot *bot, const tg_send_dice_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_dice, args, out);
}
static const tg__method tg__m_send_message_draft = { "sendMessageDraft", TG__CALL_SENDS, 384, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_send_message_draft(tg_bot *bot, const tg_send_message_draft_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_send_message_draft, args, out);
}
static const tg__method tg__m_send_chat_action = { "sendChatAction", TG__CALL_SENDS, 385, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_send_chat_action(tg_bot *bot, const tg_send_chat_action_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_send_chat_action, args, out);
}
static const tg__method tg__m_set_message_reaction = { "setMessageReaction", TG__CALL_IDEMPOTENT, 386, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_message_reaction(tg_bot *bot, const tg_set_message_reaction_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_message_reaction, args, out);
}
static const tg__method tg__m_get_user_profile_photos = { "getUserProfilePhotos", TG__CALL_READ, 387, TG__K_OBJ, 0, 100 };
TGBOT_API tg_err tg_get_user_profile_photos(tg_bot *bot, const tg_get_user_profile_photos_args *args, tg_user_profile_photos **out) {
    return tg__call_method(bot, &tg__m_get_user_profile_photos, args, out);
}
static const tg__method tg__m_get_user_profile_audios = { "getUserProfileAudios", TG__CALL_READ, 388, TG__K_OBJ, 0, 101 };
TGBOT_API tg_err tg_get_user_profile_audios(tg_bot *bot, const tg_get_user_profile_audios_args *args, tg_user_profile_audios **out) {
    return tg__call_method(bot, &tg__m_get_user_profile_audios, args, out);
}
static const tg__method tg__m_set_user_emoji_status = { "setUserEmojiStatus", TG__CALL_IDEMPOTENT, 389, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_user_emoji_status(tg_bot *bot, const tg_set_user_emoji_status_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_user_emoji_status, args, out);
}
static const tg__method tg__m_get_file = { "getFile", TG__CALL_READ, 390, TG__K_OBJ, 0, 102 };
TGBOT_API tg_err tg_get_file(tg_bot *bot, const tg_get_file_args *args, tg_file **out) {
    return tg__call_method(bot, &tg__m_get_file, args, out);
}
static const tg__method tg__m_ban_chat_member = { "banChatMember", TG__CALL_IDEMPOTENT, 391, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_ban_chat_member(tg_bot *bot, const tg_ban_chat_member_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_ban_chat_member, args, out);
}
static const tg__method tg__m_unban_chat_member = { "unbanChatMember", TG__CALL_IDEMPOTENT, 392, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unban_chat_member(tg_bot *bot, const tg_unban_chat_member_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unban_chat_member, args, out);
}
static const tg__method tg__m_restrict_chat_member = { "restrictChatMember", TG__CALL_IDEMPOTENT, 393, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_restrict_chat_member(tg_bot *bot, const tg_restrict_chat_member_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_restrict_chat_member, args, out);
}
static const tg__method tg__m_promote_chat_member = { "promoteChatMember", TG__CALL_IDEMPOTENT, 394, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_promote_chat_member(tg_bot *bot, const tg_promote_chat_member_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_promote_chat_member, args, out);
}
static const tg__method tg__m_set_chat_administrator_custom_title = { "setChatAdministratorCustomTitle", TG__CALL_IDEMPOTENT, 395, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_administrator_custom_title(tg_bot *bot, const tg_set_chat_administrator_custom_title_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_administrator_custom_title, args, out);
}
static const tg__method tg__m_set_chat_member_tag = { "setChatMemberTag", TG__CALL_IDEMPOTENT, 396, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_member_tag(tg_bot *bot, const tg_set_chat_member_tag_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_member_tag, args, out);
}
static const tg__method tg__m_ban_chat_sender_chat = { "banChatSenderChat", TG__CALL_IDEMPOTENT, 397, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_ban_chat_sender_chat(tg_bot *bot, const tg_ban_chat_sender_chat_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_ban_chat_sender_chat, args, out);
}
static const tg__method tg__m_unban_chat_sender_chat = { "unbanChatSenderChat", TG__CALL_IDEMPOTENT, 398, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unban_chat_sender_chat(tg_bot *bot, const tg_unban_chat_sender_chat_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unban_chat_sender_chat, args, out);
}
static const tg__method tg__m_set_chat_permissions = { "setChatPermissions", TG__CALL_IDEMPOTENT, 399, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_permissions(tg_bot *bot, const tg_set_chat_permissions_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_permissions, args, out);
}
static const tg__method tg__m_export_chat_invite_link = { "exportChatInviteLink", TG__CALL_IDEMPOTENT, 400, TG__K_STR, 0, 0 };
TGBOT_API tg_err tg_export_chat_invite_link(tg_bot *bot, const tg_export_chat_invite_link_args *args, const char **out) {
    return tg__call_method(bot, &tg__m_export_chat_invite_link, args, out);
}
static const tg__method tg__m_create_chat_invite_link = { "createChatInviteLink", TG__CALL_SENDS, 401, TG__K_OBJ, 0, 119 };
TGBOT_API tg_err tg_create_chat_invite_link(tg_bot *bot, const tg_create_chat_invite_link_args *args, tg_chat_invite_link **out) {
    return tg__call_method(bot, &tg__m_create_chat_invite_link, args, out);
}
static const tg__method tg__m_edit_chat_invite_link = { "editChatInviteLink", TG__CALL_IDEMPOTENT, 402, TG__K_OBJ, 0, 119 };
TGBOT_API tg_err tg_edit_chat_invite_link(tg_bot *bot, const tg_edit_chat_invite_link_args *args, tg_chat_invite_link **out) {
    return tg__call_method(bot, &tg__m_edit_chat_invite_link, args, out);
}
static const tg__method tg__m_create_chat_subscription_invite_link = { "createChatSubscriptionInviteLink", TG__CALL_SENDS, 403, TG__K_OBJ, 0, 119 };
TGBOT_API tg_err tg_create_chat_subscription_invite_link(tg_bot *bot, const tg_create_chat_subscription_invite_link_args *args, tg_chat_invite_link **out) {
    return tg__call_method(bot, &tg__m_create_chat_subscription_invite_link, args, out);
}
static const tg__method tg__m_edit_chat_subscription_invite_link = { "editChatSubscriptionInviteLink", TG__CALL_IDEMPOTENT, 404, TG__K_OBJ, 0, 119 };
TGBOT_API tg_err tg_edit_chat_subscription_invite_link(tg_bot *bot, const tg_edit_chat_subscription_invite_link_args *args, tg_chat_invite_link **out) {
    return tg__call_method(bot, &tg__m_edit_chat_subscription_invite_link, args, out);
}
static const tg__method tg__m_revoke_chat_invite_link = { "revokeChatInviteLink", TG__CALL_IDEMPOTENT, 405, TG__K_OBJ, 0, 119 };
TGBOT_API tg_err tg_revoke_chat_invite_link(tg_bot *bot, const tg_revoke_chat_invite_link_args *args, tg_chat_invite_link **out) {
    return tg__call_method(bot, &tg__m_revoke_chat_invite_link, args, out);
}
static const tg__method tg__m_approve_chat_join_request = { "approveChatJoinRequest", TG__CALL_IDEMPOTENT, 406, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_approve_chat_join_request(tg_bot *bot, const tg_approve_chat_join_request_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_approve_chat_join_request, args, out);
}
static const tg__method tg__m_decline_chat_join_request = { "declineChatJoinRequest", TG__CALL_IDEMPOTENT, 407, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_decline_chat_join_request(tg_bot *bot, const tg_decline_chat_join_request_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_decline_chat_join_request, args, out);
}
static const tg__method tg__m_answer_chat_join_request_query = { "answerChatJoinRequestQuery", TG__CALL_IDEMPOTENT, 408, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_answer_chat_join_request_query(tg_bot *bot, const tg_answer_chat_join_request_query_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_answer_chat_join_request_query, args, out);
}
static const tg__method tg__m_send_chat_join_request_web_app = { "sendChatJoinRequestWebApp", TG__CALL_SENDS, 409, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_send_chat_join_request_web_app(tg_bot *bot, const tg_send_chat_join_request_web_app_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_send_chat_join_request_web_app, args, out);
}
static const tg__method tg__m_set_chat_photo = { "setChatPhoto", TG__CALL_IDEMPOTENT, 410, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_photo(tg_bot *bot, const tg_set_chat_photo_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_photo, args, out);
}
static const tg__method tg__m_delete_chat_photo = { "deleteChatPhoto", TG__CALL_IDEMPOTENT, 411, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_chat_photo(tg_bot *bot, const tg_delete_chat_photo_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_chat_photo, args, out);
}
static const tg__method tg__m_set_chat_title = { "setChatTitle", TG__CALL_IDEMPOTENT, 412, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_title(tg_bot *bot, const tg_set_chat_title_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_title, args, out);
}
static const tg__method tg__m_set_chat_description = { "setChatDescription", TG__CALL_IDEMPOTENT, 413, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_description(tg_bot *bot, const tg_set_chat_description_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_description, args, out);
}
static const tg__method tg__m_pin_chat_message = { "pinChatMessage", TG__CALL_IDEMPOTENT, 414, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_pin_chat_message(tg_bot *bot, const tg_pin_chat_message_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_pin_chat_message, args, out);
}
static const tg__method tg__m_unpin_chat_message = { "unpinChatMessage", TG__CALL_IDEMPOTENT, 415, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unpin_chat_message(tg_bot *bot, const tg_unpin_chat_message_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unpin_chat_message, args, out);
}
static const tg__method tg__m_unpin_all_chat_messages = { "unpinAllChatMessages", TG__CALL_IDEMPOTENT, 416, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unpin_all_chat_messages(tg_bot *bot, const tg_unpin_all_chat_messages_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unpin_all_chat_messages, args, out);
}
static const tg__method tg__m_leave_chat = { "leaveChat", TG__CALL_IDEMPOTENT, 417, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_leave_chat(tg_bot *bot, const tg_leave_chat_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_leave_chat, args, out);
}
static const tg__method tg__m_get_chat = { "getChat", TG__CALL_READ, 418, TG__K_OBJ, 0, 4 };
TGBOT_API tg_err tg_get_chat(tg_bot *bot, const tg_get_chat_args *args, tg_chat_full_info **out) {
    return tg__call_method(bot, &tg__m_get_chat, args, out);
}
static const tg__method tg__m_get_chat_administrators = { "getChatAdministrators", TG__CALL_READ, 419, TG__K_OBJ, 1, 122 };
TGBOT_API tg_err tg_get_chat_administrators(tg_bot *bot, const tg_get_chat_administrators_args *args, tg_chat_member_list *out) {
    return tg__call_method(bot, &tg__m_get_chat_administrators, args, out);
}
static const tg__method tg__m_get_chat_member_count = { "getChatMemberCount", TG__CALL_READ, 420, TG__K_I64, 0, 0 };
TGBOT_API tg_err tg_get_chat_member_count(tg_bot *bot, const tg_get_chat_member_count_args *args, int64_t *out) {
    return tg__call_method(bot, &tg__m_get_chat_member_count, args, out);
}
static const tg__method tg__m_get_chat_member = { "getChatMember", TG__CALL_READ, 421, TG__K_OBJ, 0, 122 };
TGBOT_API tg_err tg_get_chat_member(tg_bot *bot, const tg_get_chat_member_args *args, tg_chat_member **out) {
    return tg__call_method(bot, &tg__m_get_chat_member, args, out);
}
static const tg__method tg__m_get_user_personal_chat_messages = { "getUserPersonalChatMessages", TG__CALL_READ, 422, TG__K_OBJ, 1, 5 };
TGBOT_API tg_err tg_get_user_personal_chat_messages(tg_bot *bot, const tg_get_user_personal_chat_messages_args *args, tg_message_list *out) {
    return tg__call_method(bot, &tg__m_get_user_personal_chat_messages, args, out);
}
static const tg__method tg__m_set_chat_sticker_set = { "setChatStickerSet", TG__CALL_IDEMPOTENT, 423, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_sticker_set(tg_bot *bot, const tg_set_chat_sticker_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_sticker_set, args, out);
}
static const tg__method tg__m_delete_chat_sticker_set = { "deleteChatStickerSet", TG__CALL_IDEMPOTENT, 424, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_chat_sticker_set(tg_bot *bot, const tg_delete_chat_sticker_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_chat_sticker_set, args, out);
}
static const tg__method tg__m_get_forum_topic_icon_stickers = { "getForumTopicIconStickers", TG__CALL_READ, 65535, TG__K_OBJ, 1, 229 };
TGBOT_API tg_err tg_get_forum_topic_icon_stickers(tg_bot *bot, tg_sticker_list *out) {
    return tg__call_method(bot, &tg__m_get_forum_topic_icon_stickers, NULL, out);
}
static const tg__method tg__m_create_forum_topic = { "createForumTopic", TG__CALL_SENDS, 425, TG__K_OBJ, 0, 154 };
TGBOT_API tg_err tg_create_forum_topic(tg_bot *bot, const tg_create_forum_topic_args *args, tg_forum_topic **out) {
    return tg__call_method(bot, &tg__m_create_forum_topic, args, out);
}
static const tg__method tg__m_edit_forum_topic = { "editForumTopic", TG__CALL_IDEMPOTENT, 426, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_edit_forum_topic(tg_bot *bot, const tg_edit_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_edit_forum_topic, args, out);
}
static const tg__method tg__m_close_forum_topic = { "closeForumTopic", TG__CALL_IDEMPOTENT, 427, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_close_forum_topic(tg_bot *bot, const tg_close_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_close_forum_topic, args, out);
}
static const tg__method tg__m_reopen_forum_topic = { "reopenForumTopic", TG__CALL_IDEMPOTENT, 428, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_reopen_forum_topic(tg_bot *bot, const tg_reopen_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_reopen_forum_topic, args, out);
}
static const tg__method tg__m_delete_forum_topic = { "deleteForumTopic", TG__CALL_IDEMPOTENT, 429, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_forum_topic(tg_bot *bot, const tg_delete_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_forum_topic, args, out);
}
static const tg__method tg__m_unpin_all_forum_topic_messages = { "unpinAllForumTopicMessages", TG__CALL_IDEMPOTENT, 430, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unpin_all_forum_topic_messages(tg_bot *bot, const tg_unpin_all_forum_topic_messages_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unpin_all_forum_topic_messages, args, out);
}
static const tg__method tg__m_edit_general_forum_topic = { "editGeneralForumTopic", TG__CALL_IDEMPOTENT, 431, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_edit_general_forum_topic(tg_bot *bot, const tg_edit_general_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_edit_general_forum_topic, args, out);
}
static const tg__method tg__m_close_general_forum_topic = { "closeGeneralForumTopic", TG__CALL_IDEMPOTENT, 432, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_close_general_forum_topic(tg_bot *bot, const tg_close_general_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_close_general_forum_topic, args, out);
}
static const tg__method tg__m_reopen_general_forum_topic = { "reopenGeneralForumTopic", TG__CALL_IDEMPOTENT, 433, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_reopen_general_forum_topic(tg_bot *bot, const tg_reopen_general_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_reopen_general_forum_topic, args, out);
}
static const tg__method tg__m_hide_general_forum_topic = { "hideGeneralForumTopic", TG__CALL_IDEMPOTENT, 434, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_hide_general_forum_topic(tg_bot *bot, const tg_hide_general_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_hide_general_forum_topic, args, out);
}
static const tg__method tg__m_unhide_general_forum_topic = { "unhideGeneralForumTopic", TG__CALL_IDEMPOTENT, 435, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unhide_general_forum_topic(tg_bot *bot, const tg_unhide_general_forum_topic_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unhide_general_forum_topic, args, out);
}
static const tg__method tg__m_unpin_all_general_forum_topic_messages = { "unpinAllGeneralForumTopicMessages", TG__CALL_IDEMPOTENT, 436, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_unpin_all_general_forum_topic_messages(tg_bot *bot, const tg_unpin_all_general_forum_topic_messages_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_unpin_all_general_forum_topic_messages, args, out);
}
static const tg__method tg__m_answer_callback_query = { "answerCallbackQuery", TG__CALL_IDEMPOTENT, 437, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_answer_callback_query(tg_bot *bot, const tg_answer_callback_query_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_answer_callback_query, args, out);
}
static const tg__method tg__m_answer_guest_query = { "answerGuestQuery", TG__CALL_IDEMPOTENT, 438, TG__K_OBJ, 0, 203 };
TGBOT_API tg_err tg_answer_guest_query(tg_bot *bot, const tg_answer_guest_query_args *args, tg_sent_guest_message **out) {
    return tg__call_method(bot, &tg__m_answer_guest_query, args, out);
}
static const tg__method tg__m_get_user_chat_boosts = { "getUserChatBoosts", TG__CALL_READ, 439, TG__K_OBJ, 0, 198 };
TGBOT_API tg_err tg_get_user_chat_boosts(tg_bot *bot, const tg_get_user_chat_boosts_args *args, tg_user_chat_boosts **out) {
    return tg__call_method(bot, &tg__m_get_user_chat_boosts, args, out);
}
static const tg__method tg__m_get_business_connection = { "getBusinessConnection", TG__CALL_READ, 440, TG__K_OBJ, 0, 200 };
TGBOT_API tg_err tg_get_business_connection(tg_bot *bot, const tg_get_business_connection_args *args, tg_business_connection **out) {
    return tg__call_method(bot, &tg__m_get_business_connection, args, out);
}
static const tg__method tg__m_get_managed_bot_token = { "getManagedBotToken", TG__CALL_READ, 441, TG__K_STR, 0, 0 };
TGBOT_API tg_err tg_get_managed_bot_token(tg_bot *bot, const tg_get_managed_bot_token_args *args, const char **out) {
    return tg__call_method(bot, &tg__m_get_managed_bot_token, args, out);
}
static const tg__method tg__m_replace_managed_bot_token = { "replaceManagedBotToken", TG__CALL_IDEMPOTENT, 442, TG__K_STR, 0, 0 };
TGBOT_API tg_err tg_replace_managed_bot_token(tg_bot *bot, const tg_replace_managed_bot_token_args *args, const char **out) {
    return tg__call_method(bot, &tg__m_replace_managed_bot_token, args, out);
}
static const tg__method tg__m_get_managed_bot_access_settings = { "getManagedBotAccessSettings", TG__CALL_READ, 443, TG__K_OBJ, 0, 170 };
TGBOT_API tg_err tg_get_managed_bot_access_settings(tg_bot *bot, const tg_get_managed_bot_access_settings_args *args, tg_bot_access_settings **out) {
    return tg__call_method(bot, &tg__m_get_managed_bot_access_settings, args, out);
}
static const tg__method tg__m_set_managed_bot_access_settings = { "setManagedBotAccessSettings", TG__CALL_IDEMPOTENT, 444, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_managed_bot_access_settings(tg_bot *bot, const tg_set_managed_bot_access_settings_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_managed_bot_access_settings, args, out);
}
static const tg__method tg__m_set_my_commands = { "setMyCommands", TG__CALL_IDEMPOTENT, 445, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_my_commands(tg_bot *bot, const tg_set_my_commands_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_my_commands, args, out);
}
static const tg__method tg__m_delete_my_commands = { "deleteMyCommands", TG__CALL_IDEMPOTENT, 446, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_my_commands(tg_bot *bot, const tg_delete_my_commands_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_my_commands, args, out);
}
static const tg__method tg__m_get_my_commands = { "getMyCommands", TG__CALL_READ, 447, TG__K_OBJ, 1, 173 };
TGBOT_API tg_err tg_get_my_commands(tg_bot *bot, const tg_get_my_commands_args *args, tg_bot_command_list *out) {
    return tg__call_method(bot, &tg__m_get_my_commands, args, out);
}
static const tg__method tg__m_set_my_name = { "setMyName", TG__CALL_IDEMPOTENT, 448, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_my_name(tg_bot *bot, const tg_set_my_name_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_my_name, args, out);
}
static const tg__method tg__m_get_my_name = { "getMyName", TG__CALL_READ, 449, TG__K_OBJ, 0, 182 };
TGBOT_API tg_err tg_get_my_name(tg_bot *bot, const tg_get_my_name_args *args, tg_bot_name **out) {
    return tg__call_method(bot, &tg__m_get_my_name, args, out);
}
static const tg__method tg__m_set_my_description = { "setMyDescription", TG__CALL_IDEMPOTENT, 450, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_my_description(tg_bot *bot, const tg_set_my_description_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_my_description, args, out);
}
static const tg__method tg__m_get_my_description = { "getMyDescription", TG__CALL_READ, 451, TG__K_OBJ, 0, 183 };
TGBOT_API tg_err tg_get_my_description(tg_bot *bot, const tg_get_my_description_args *args, tg_bot_description **out) {
    return tg__call_method(bot, &tg__m_get_my_description, args, out);
}
static const tg__method tg__m_set_my_short_description = { "setMyShortDescription", TG__CALL_IDEMPOTENT, 452, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_my_short_description(tg_bot *bot, const tg_set_my_short_description_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_my_short_description, args, out);
}
static const tg__method tg__m_get_my_short_description = { "getMyShortDescription", TG__CALL_READ, 453, TG__K_OBJ, 0, 184 };
TGBOT_API tg_err tg_get_my_short_description(tg_bot *bot, const tg_get_my_short_description_args *args, tg_bot_short_description **out) {
    return tg__call_method(bot, &tg__m_get_my_short_description, args, out);
}
static const tg__method tg__m_set_my_profile_photo = { "setMyProfilePhoto", TG__CALL_IDEMPOTENT, 454, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_my_profile_photo(tg_bot *bot, const tg_set_my_profile_photo_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_my_profile_photo, args, out);
}
static const tg__method tg__m_remove_my_profile_photo = { "removeMyProfilePhoto", TG__CALL_IDEMPOTENT, 65535, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_remove_my_profile_photo(tg_bot *bot, bool *out) {
    return tg__call_method(bot, &tg__m_remove_my_profile_photo, NULL, out);
}
static const tg__method tg__m_set_chat_menu_button = { "setChatMenuButton", TG__CALL_IDEMPOTENT, 455, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_chat_menu_button(tg_bot *bot, const tg_set_chat_menu_button_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_chat_menu_button, args, out);
}
static const tg__method tg__m_get_chat_menu_button = { "getChatMenuButton", TG__CALL_READ, 456, TG__K_OBJ, 0, 185 };
TGBOT_API tg_err tg_get_chat_menu_button(tg_bot *bot, const tg_get_chat_menu_button_args *args, tg_menu_button **out) {
    return tg__call_method(bot, &tg__m_get_chat_menu_button, args, out);
}
static const tg__method tg__m_set_my_default_administrator_rights = { "setMyDefaultAdministratorRights", TG__CALL_IDEMPOTENT, 457, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_my_default_administrator_rights(tg_bot *bot, const tg_set_my_default_administrator_rights_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_my_default_administrator_rights, args, out);
}
static const tg__method tg__m_get_my_default_administrator_rights = { "getMyDefaultAdministratorRights", TG__CALL_READ, 458, TG__K_OBJ, 0, 120 };
TGBOT_API tg_err tg_get_my_default_administrator_rights(tg_bot *bot, const tg_get_my_default_administrator_rights_args *args, tg_chat_administrator_rights **out) {
    return tg__call_method(bot, &tg__m_get_my_default_administrator_rights, args, out);
}
static const tg__method tg__m_get_available_gifts = { "getAvailableGifts", TG__CALL_READ, 65535, TG__K_OBJ, 0, 157 };
TGBOT_API tg_err tg_get_available_gifts(tg_bot *bot, tg_gifts **out) {
    return tg__call_method(bot, &tg__m_get_available_gifts, NULL, out);
}
static const tg__method tg__m_send_gift = { "sendGift", TG__CALL_SPENDS, 459, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_send_gift(tg_bot *bot, const tg_send_gift_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_send_gift, args, out);
}
static const tg__method tg__m_gift_premium_subscription = { "giftPremiumSubscription", TG__CALL_SPENDS, 460, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_gift_premium_subscription(tg_bot *bot, const tg_gift_premium_subscription_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_gift_premium_subscription, args, out);
}
static const tg__method tg__m_verify_user = { "verifyUser", TG__CALL_IDEMPOTENT, 461, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_verify_user(tg_bot *bot, const tg_verify_user_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_verify_user, args, out);
}
static const tg__method tg__m_verify_chat = { "verifyChat", TG__CALL_IDEMPOTENT, 462, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_verify_chat(tg_bot *bot, const tg_verify_chat_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_verify_chat, args, out);
}
static const tg__method tg__m_remove_user_verification = { "removeUserVerification", TG__CALL_IDEMPOTENT, 463, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_remove_user_verification(tg_bot *bot, const tg_remove_user_verification_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_remove_user_verification, args, out);
}
static const tg__method tg__m_remove_chat_verification = { "removeChatVerification", TG__CALL_IDEMPOTENT, 464, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_remove_chat_verification(tg_bot *bot, const tg_remove_chat_verification_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_remove_chat_verification, args, out);
}
static const tg__method tg__m_read_business_message = { "readBusinessMessage", TG__CALL_IDEMPOTENT, 465, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_read_business_message(tg_bot *bot, const tg_read_business_message_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_read_business_message, args, out);
}
static const tg__method tg__m_delete_business_messages = { "deleteBusinessMessages", TG__CALL_IDEMPOTENT, 466, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_business_messages(tg_bot *bot, const tg_delete_business_messages_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_business_messages, args, out);
}
static const tg__method tg__m_set_business_account_name = { "setBusinessAccountName", TG__CALL_IDEMPOTENT, 467, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_business_account_name(tg_bot *bot, const tg_set_business_account_name_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_business_account_name, args, out);
}
static const tg__method tg__m_set_business_account_username = { "setBusinessAccountUsername", TG__CALL_IDEMPOTENT, 468, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_business_account_username(tg_bot *bot, const tg_set_business_account_username_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_business_account_username, args, out);
}
static const tg__method tg__m_set_business_account_bio = { "setBusinessAccountBio", TG__CALL_IDEMPOTENT, 469, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_business_account_bio(tg_bot *bot, const tg_set_business_account_bio_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_business_account_bio, args, out);
}
static const tg__method tg__m_set_business_account_profile_photo = { "setBusinessAccountProfilePhoto", TG__CALL_IDEMPOTENT, 470, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_business_account_profile_photo(tg_bot *bot, const tg_set_business_account_profile_photo_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_business_account_profile_photo, args, out);
}
static const tg__method tg__m_remove_business_account_profile_photo = { "removeBusinessAccountProfilePhoto", TG__CALL_IDEMPOTENT, 471, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_remove_business_account_profile_photo(tg_bot *bot, const tg_remove_business_account_profile_photo_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_remove_business_account_profile_photo, args, out);
}
static const tg__method tg__m_set_business_account_gift_settings = { "setBusinessAccountGiftSettings", TG__CALL_IDEMPOTENT, 472, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_business_account_gift_settings(tg_bot *bot, const tg_set_business_account_gift_settings_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_business_account_gift_settings, args, out);
}
static const tg__method tg__m_get_business_account_star_balance = { "getBusinessAccountStarBalance", TG__CALL_READ, 473, TG__K_OBJ, 0, 172 };
TGBOT_API tg_err tg_get_business_account_star_balance(tg_bot *bot, const tg_get_business_account_star_balance_args *args, tg_star_amount **out) {
    return tg__call_method(bot, &tg__m_get_business_account_star_balance, args, out);
}
static const tg__method tg__m_transfer_business_account_stars = { "transferBusinessAccountStars", TG__CALL_SPENDS, 474, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_transfer_business_account_stars(tg_bot *bot, const tg_transfer_business_account_stars_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_transfer_business_account_stars, args, out);
}
static const tg__method tg__m_get_business_account_gifts = { "getBusinessAccountGifts", TG__CALL_READ, 475, TG__K_OBJ, 0, 169 };
TGBOT_API tg_err tg_get_business_account_gifts(tg_bot *bot, const tg_get_business_account_gifts_args *args, tg_owned_gifts **out) {
    return tg__call_method(bot, &tg__m_get_business_account_gifts, args, out);
}
static const tg__method tg__m_get_user_gifts = { "getUserGifts", TG__CALL_READ, 476, TG__K_OBJ, 0, 169 };
TGBOT_API tg_err tg_get_user_gifts(tg_bot *bot, const tg_get_user_gifts_args *args, tg_owned_gifts **out) {
    return tg__call_method(bot, &tg__m_get_user_gifts, args, out);
}
static const tg__method tg__m_get_chat_gifts = { "getChatGifts", TG__CALL_READ, 477, TG__K_OBJ, 0, 169 };
TGBOT_API tg_err tg_get_chat_gifts(tg_bot *bot, const tg_get_chat_gifts_args *args, tg_owned_gifts **out) {
    return tg__call_method(bot, &tg__m_get_chat_gifts, args, out);
}
static const tg__method tg__m_convert_gift_to_stars = { "convertGiftToStars", TG__CALL_SPENDS, 478, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_convert_gift_to_stars(tg_bot *bot, const tg_convert_gift_to_stars_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_convert_gift_to_stars, args, out);
}
static const tg__method tg__m_upgrade_gift = { "upgradeGift", TG__CALL_SPENDS, 479, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_upgrade_gift(tg_bot *bot, const tg_upgrade_gift_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_upgrade_gift, args, out);
}
static const tg__method tg__m_transfer_gift = { "transferGift", TG__CALL_SPENDS, 480, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_transfer_gift(tg_bot *bot, const tg_transfer_gift_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_transfer_gift, args, out);
}
static const tg__method tg__m_post_story = { "postStory", TG__CALL_SENDS, 481, TG__K_OBJ, 0, 23 };
TGBOT_API tg_err tg_post_story(tg_bot *bot, const tg_post_story_args *args, tg_story **out) {
    return tg__call_method(bot, &tg__m_post_story, args, out);
}
static const tg__method tg__m_repost_story = { "repostStory", TG__CALL_SENDS, 482, TG__K_OBJ, 0, 23 };
TGBOT_API tg_err tg_repost_story(tg_bot *bot, const tg_repost_story_args *args, tg_story **out) {
    return tg__call_method(bot, &tg__m_repost_story, args, out);
}
static const tg__method tg__m_edit_story = { "editStory", TG__CALL_IDEMPOTENT, 483, TG__K_OBJ, 0, 23 };
TGBOT_API tg_err tg_edit_story(tg_bot *bot, const tg_edit_story_args *args, tg_story **out) {
    return tg__call_method(bot, &tg__m_edit_story, args, out);
}
static const tg__method tg__m_delete_story = { "deleteStory", TG__CALL_IDEMPOTENT, 484, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_story(tg_bot *bot, const tg_delete_story_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_story, args, out);
}
static const tg__method tg__m_answer_web_app_query = { "answerWebAppQuery", TG__CALL_IDEMPOTENT, 485, TG__K_OBJ, 0, 202 };
TGBOT_API tg_err tg_answer_web_app_query(tg_bot *bot, const tg_answer_web_app_query_args *args, tg_sent_web_app_message **out) {
    return tg__call_method(bot, &tg__m_answer_web_app_query, args, out);
}
static const tg__method tg__m_save_prepared_inline_message = { "savePreparedInlineMessage", TG__CALL_SENDS, 486, TG__K_OBJ, 0, 204 };
TGBOT_API tg_err tg_save_prepared_inline_message(tg_bot *bot, const tg_save_prepared_inline_message_args *args, tg_prepared_inline_message **out) {
    return tg__call_method(bot, &tg__m_save_prepared_inline_message, args, out);
}
static const tg__method tg__m_save_prepared_keyboard_button = { "savePreparedKeyboardButton", TG__CALL_SENDS, 487, TG__K_OBJ, 0, 205 };
TGBOT_API tg_err tg_save_prepared_keyboard_button(tg_bot *bot, const tg_save_prepared_keyboard_button_args *args, tg_prepared_keyboard_button **out) {
    return tg__call_method(bot, &tg__m_save_prepared_keyboard_button, args, out);
}
static const tg__method tg__m_edit_message_text = { "editMessageText", TG__CALL_IDEMPOTENT, 488, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_edit_message_text(tg_bot *bot, const tg_edit_message_text_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_edit_message_text, args, out);
}
static const tg__method tg__m_edit_message_caption = { "editMessageCaption", TG__CALL_IDEMPOTENT, 489, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_edit_message_caption(tg_bot *bot, const tg_edit_message_caption_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_edit_message_caption, args, out);
}
static const tg__method tg__m_edit_message_media = { "editMessageMedia", TG__CALL_IDEMPOTENT, 490, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_edit_message_media(tg_bot *bot, const tg_edit_message_media_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_edit_message_media, args, out);
}
static const tg__method tg__m_edit_message_live_location = { "editMessageLiveLocation", TG__CALL_IDEMPOTENT, 491, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_edit_message_live_location(tg_bot *bot, const tg_edit_message_live_location_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_edit_message_live_location, args, out);
}
static const tg__method tg__m_stop_message_live_location = { "stopMessageLiveLocation", TG__CALL_IDEMPOTENT, 492, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_stop_message_live_location(tg_bot *bot, const tg_stop_message_live_location_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_stop_message_live_location, args, out);
}
static const tg__method tg__m_edit_message_checklist = { "editMessageChecklist", TG__CALL_IDEMPOTENT, 493, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_edit_message_checklist(tg_bot *bot, const tg_edit_message_checklist_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_edit_message_checklist, args, out);
}
static const tg__method tg__m_edit_message_reply_markup = { "editMessageReplyMarkup", TG__CALL_IDEMPOTENT, 494, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_edit_message_reply_markup(tg_bot *bot, const tg_edit_message_reply_markup_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_edit_message_reply_markup, args, out);
}
static const tg__method tg__m_stop_poll = { "stopPoll", TG__CALL_IDEMPOTENT, 495, TG__K_OBJ, 0, 43 };
TGBOT_API tg_err tg_stop_poll(tg_bot *bot, const tg_stop_poll_args *args, tg_poll **out) {
    return tg__call_method(bot, &tg__m_stop_poll, args, out);
}
static const tg__method tg__m_approve_suggested_post = { "approveSuggestedPost", TG__CALL_IDEMPOTENT, 496, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_approve_suggested_post(tg_bot *bot, const tg_approve_suggested_post_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_approve_suggested_post, args, out);
}
static const tg__method tg__m_decline_suggested_post = { "declineSuggestedPost", TG__CALL_IDEMPOTENT, 497, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_decline_suggested_post(tg_bot *bot, const tg_decline_suggested_post_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_decline_suggested_post, args, out);
}
static const tg__method tg__m_delete_message = { "deleteMessage", TG__CALL_IDEMPOTENT, 498, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_message(tg_bot *bot, const tg_delete_message_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_message, args, out);
}
static const tg__method tg__m_delete_messages = { "deleteMessages", TG__CALL_IDEMPOTENT, 499, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_messages(tg_bot *bot, const tg_delete_messages_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_messages, args, out);
}
static const tg__method tg__m_delete_message_reaction = { "deleteMessageReaction", TG__CALL_IDEMPOTENT, 500, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_message_reaction(tg_bot *bot, const tg_delete_message_reaction_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_message_reaction, args, out);
}
static const tg__method tg__m_delete_all_message_reactions = { "deleteAllMessageReactions", TG__CALL_IDEMPOTENT, 501, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_all_message_reactions(tg_bot *bot, const tg_delete_all_message_reactions_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_all_message_reactions, args, out);
}
static const tg__method tg__m_send_sticker = { "sendSticker", TG__CALL_SENDS, 502, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_sticker(tg_bot *bot, const tg_send_sticker_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_sticker, args, out);
}
static const tg__method tg__m_get_sticker_set = { "getStickerSet", TG__CALL_READ, 503, TG__K_OBJ, 0, 230 };
TGBOT_API tg_err tg_get_sticker_set(tg_bot *bot, const tg_get_sticker_set_args *args, tg_sticker_set **out) {
    return tg__call_method(bot, &tg__m_get_sticker_set, args, out);
}
static const tg__method tg__m_get_custom_emoji_stickers = { "getCustomEmojiStickers", TG__CALL_READ, 504, TG__K_OBJ, 1, 229 };
TGBOT_API tg_err tg_get_custom_emoji_stickers(tg_bot *bot, const tg_get_custom_emoji_stickers_args *args, tg_sticker_list *out) {
    return tg__call_method(bot, &tg__m_get_custom_emoji_stickers, args, out);
}
static const tg__method tg__m_upload_sticker_file = { "uploadStickerFile", TG__CALL_SENDS, 505, TG__K_OBJ, 0, 102 };
TGBOT_API tg_err tg_upload_sticker_file(tg_bot *bot, const tg_upload_sticker_file_args *args, tg_file **out) {
    return tg__call_method(bot, &tg__m_upload_sticker_file, args, out);
}
static const tg__method tg__m_create_new_sticker_set = { "createNewStickerSet", TG__CALL_SENDS, 506, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_create_new_sticker_set(tg_bot *bot, const tg_create_new_sticker_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_create_new_sticker_set, args, out);
}
static const tg__method tg__m_add_sticker_to_set = { "addStickerToSet", TG__CALL_SENDS, 507, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_add_sticker_to_set(tg_bot *bot, const tg_add_sticker_to_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_add_sticker_to_set, args, out);
}
static const tg__method tg__m_set_sticker_position_in_set = { "setStickerPositionInSet", TG__CALL_IDEMPOTENT, 508, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_sticker_position_in_set(tg_bot *bot, const tg_set_sticker_position_in_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_sticker_position_in_set, args, out);
}
static const tg__method tg__m_delete_sticker_from_set = { "deleteStickerFromSet", TG__CALL_IDEMPOTENT, 509, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_sticker_from_set(tg_bot *bot, const tg_delete_sticker_from_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_sticker_from_set, args, out);
}
static const tg__method tg__m_replace_sticker_in_set = { "replaceStickerInSet", TG__CALL_IDEMPOTENT, 510, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_replace_sticker_in_set(tg_bot *bot, const tg_replace_sticker_in_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_replace_sticker_in_set, args, out);
}
static const tg__method tg__m_set_sticker_emoji_list = { "setStickerEmojiList", TG__CALL_IDEMPOTENT, 511, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_sticker_emoji_list(tg_bot *bot, const tg_set_sticker_emoji_list_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_sticker_emoji_list, args, out);
}
static const tg__method tg__m_set_sticker_keywords = { "setStickerKeywords", TG__CALL_IDEMPOTENT, 512, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_sticker_keywords(tg_bot *bot, const tg_set_sticker_keywords_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_sticker_keywords, args, out);
}
static const tg__method tg__m_set_sticker_mask_position = { "setStickerMaskPosition", TG__CALL_IDEMPOTENT, 513, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_sticker_mask_position(tg_bot *bot, const tg_set_sticker_mask_position_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_sticker_mask_position, args, out);
}
static const tg__method tg__m_set_sticker_set_title = { "setStickerSetTitle", TG__CALL_IDEMPOTENT, 514, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_sticker_set_title(tg_bot *bot, const tg_set_sticker_set_title_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_sticker_set_title, args, out);
}
static const tg__method tg__m_set_sticker_set_thumbnail = { "setStickerSetThumbnail", TG__CALL_IDEMPOTENT, 515, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_sticker_set_thumbnail(tg_bot *bot, const tg_set_sticker_set_thumbnail_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_sticker_set_thumbnail, args, out);
}
static const tg__method tg__m_set_custom_emoji_sticker_set_thumbnail = { "setCustomEmojiStickerSetThumbnail", TG__CALL_IDEMPOTENT, 516, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_custom_emoji_sticker_set_thumbnail(tg_bot *bot, const tg_set_custom_emoji_sticker_set_thumbnail_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_custom_emoji_sticker_set_thumbnail, args, out);
}
static const tg__method tg__m_delete_sticker_set = { "deleteStickerSet", TG__CALL_IDEMPOTENT, 517, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_delete_sticker_set(tg_bot *bot, const tg_delete_sticker_set_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_delete_sticker_set, args, out);
}
static const tg__method tg__m_send_rich_message = { "sendRichMessage", TG__CALL_SENDS, 518, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_rich_message(tg_bot *bot, const tg_send_rich_message_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_rich_message, args, out);
}
static const tg__method tg__m_send_rich_message_draft = { "sendRichMessageDraft", TG__CALL_SENDS, 519, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_send_rich_message_draft(tg_bot *bot, const tg_send_rich_message_draft_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_send_rich_message_draft, args, out);
}
static const tg__method tg__m_answer_inline_query = { "answerInlineQuery", TG__CALL_IDEMPOTENT, 520, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_answer_inline_query(tg_bot *bot, const tg_answer_inline_query_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_answer_inline_query, args, out);
}
static const tg__method tg__m_send_invoice = { "sendInvoice", TG__CALL_SENDS, 521, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_invoice(tg_bot *bot, const tg_send_invoice_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_invoice, args, out);
}
static const tg__method tg__m_create_invoice_link = { "createInvoiceLink", TG__CALL_SENDS, 522, TG__K_STR, 0, 0 };
TGBOT_API tg_err tg_create_invoice_link(tg_bot *bot, const tg_create_invoice_link_args *args, const char **out) {
    return tg__call_method(bot, &tg__m_create_invoice_link, args, out);
}
static const tg__method tg__m_answer_shipping_query = { "answerShippingQuery", TG__CALL_IDEMPOTENT, 523, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_answer_shipping_query(tg_bot *bot, const tg_answer_shipping_query_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_answer_shipping_query, args, out);
}
static const tg__method tg__m_answer_pre_checkout_query = { "answerPreCheckoutQuery", TG__CALL_IDEMPOTENT, 524, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_answer_pre_checkout_query(tg_bot *bot, const tg_answer_pre_checkout_query_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_answer_pre_checkout_query, args, out);
}
static const tg__method tg__m_get_my_star_balance = { "getMyStarBalance", TG__CALL_READ, 65535, TG__K_OBJ, 0, 172 };
TGBOT_API tg_err tg_get_my_star_balance(tg_bot *bot, tg_star_amount **out) {
    return tg__call_method(bot, &tg__m_get_my_star_balance, NULL, out);
}
static const tg__method tg__m_get_star_transactions = { "getStarTransactions", TG__CALL_READ, 525, TG__K_OBJ, 0, 341 };
TGBOT_API tg_err tg_get_star_transactions(tg_bot *bot, const tg_get_star_transactions_args *args, tg_star_transactions **out) {
    return tg__call_method(bot, &tg__m_get_star_transactions, args, out);
}
static const tg__method tg__m_refund_star_payment = { "refundStarPayment", TG__CALL_SPENDS, 526, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_refund_star_payment(tg_bot *bot, const tg_refund_star_payment_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_refund_star_payment, args, out);
}
static const tg__method tg__m_edit_user_star_subscription = { "editUserStarSubscription", TG__CALL_IDEMPOTENT, 527, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_edit_user_star_subscription(tg_bot *bot, const tg_edit_user_star_subscription_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_edit_user_star_subscription, args, out);
}
static const tg__method tg__m_set_passport_data_errors = { "setPassportDataErrors", TG__CALL_IDEMPOTENT, 528, TG__K_BOOL, 0, 0 };
TGBOT_API tg_err tg_set_passport_data_errors(tg_bot *bot, const tg_set_passport_data_errors_args *args, bool *out) {
    return tg__call_method(bot, &tg__m_set_passport_data_errors, args, out);
}
static const tg__method tg__m_send_game = { "sendGame", TG__CALL_SENDS, 529, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_send_game(tg_bot *bot, const tg_send_game_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_send_game, args, out);
}
static const tg__method tg__m_set_game_score = { "setGameScore", TG__CALL_IDEMPOTENT, 530, TG__K_OBJ, 0, 5 };
TGBOT_API tg_err tg_set_game_score(tg_bot *bot, const tg_set_game_score_args *args, tg_message **out) {
    return tg__call_method(bot, &tg__m_set_game_score, args, out);
}
static const tg__method tg__m_get_game_high_scores = { "getGameHighScores", TG__CALL_READ, 531, TG__K_OBJ, 1, 358 };
TGBOT_API tg_err tg_get_game_high_scores(tg_bot *bot, const tg_get_game_high_scores_args *args, tg_game_high_score_list *out) {
    return tg__call_method(bot, &tg__m_get_game_high_scores, args, out);
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

TGBOT_API tg_err tg_dispatcher_new(tg_dispatcher **out, tg_bot *bot, void *user_data) {
    tg_dispatcher *d = (tg_dispatcher *)tg__alloc(tg__bot_alloc(bot), sizeof *d);
    tg__bot_hooks h;
    *out = NULL;
    if (!d) return TG_ERR_NOMEM;
    memset(d, 0, sizeof *d);
    d->bot = bot;
    d->user_data = user_data;
    h.on_sent = tg__ev_sent; h.on_error = tg__ev_error; h.on_retry = tg__ev_retry; h.on_rate_limited = tg__ev_limited;
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

static const tg_message *tg__message_of(const tg_update *u, const char *kind) {
    if (strcmp(kind, "message") == 0) return u->message;
    if (strcmp(kind, "edited_message") == 0) return u->edited_message;
    if (strcmp(kind, "channel_post") == 0) return u->channel_post;
    if (strcmp(kind, "edited_channel_post") == 0) return u->edited_channel_post;
    if (strcmp(kind, "business_message") == 0) return u->business_message;
    if (strcmp(kind, "edited_business_message") == 0) return u->edited_business_message;
    if (strcmp(kind, "callback_query") == 0 && u->callback_query && u->callback_query->message &&
        u->callback_query->message->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_MESSAGE)
        return u->callback_query->message->u.message;
    return NULL;
}

TGBOT_API tg_err tg_dispatch(tg_dispatcher *d, const tg_json_value *v) { return tg__dispatch_in(d, v, NULL); }

TGBOT__INTERN tg_err tg__dispatch_in(tg_dispatcher *d, const tg_json_value *v, void *webhook_reply) {
    tg_ctx ctx;
    tg_update *u;
    const tg_json_doc *doc = v->doc;
    uint32_t k, i;
    size_t r, m, ran_mw = 0;
    bool handled = false, stopped = false;
    tg_err e;
    memset(&ctx, 0, sizeof ctx);
    ctx.bot = d->bot;
    ctx.dispatcher = d;
    ctx.raw = *v;
    ctx.user_data = d->user_data;
    ctx.webhook_reply = webhook_reply;
    ctx.kind = "unknown";
    if (tg_json_type_of(doc, v->tok) != TG_JSON_OBJECT) return TG_ERR_TYPE;
    for (i = 0, k = v->tok + 1; i < doc->toks[v->tok].count; i++, k = doc->toks[k + 1].next)
        if (strcmp(doc->buf + doc->toks[k].start, "update_id") != 0) { ctx.kind = doc->buf + doc->toks[k].start; break; }
    u = (tg_update *)tg_arena_alloc(tg_bot_arena(d->bot), sizeof *u);
    if (!u) return TG_ERR_NOMEM;
    if ((e = tg_decode(TG_TYPE_UPDATE, v, tg_bot_arena(d->bot), u)) != TG_OK) {
        tg__log(tg__bot_logger(d->bot), TG_LOG_WARN, "update of kind %s could not be decoded: %s", ctx.kind, tg_err_str(e));
        return e;
    }
    ctx.update = u;
    ctx.message = tg__message_of(u, ctx.kind);
    if (ctx.message) {
        ctx.from = ctx.message->from;
        if (ctx.message->chat) ctx.chat_id = ctx.message->chat->id;
    }
    if (u->callback_query) ctx.from = u->callback_query->from;
    if (u->inline_query) ctx.from = u->inline_query->from;
    if (u->pre_checkout_query) ctx.from = u->pre_checkout_query->from;
    if (u->my_chat_member && u->my_chat_member->chat) ctx.chat_id = u->my_chat_member->chat->id;
    if (u->chat_member && u->chat_member->chat) ctx.chat_id = u->chat_member->chat->id;
    if (u->message_reaction && u->message_reaction->chat) ctx.chat_id = u->message_reaction->chat->id;
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
    return TG_OK;
}

TGBOT_API tg_err tg_reply(tg_ctx *ctx, const char *text) {
    tg_send_message_args a;
    memset(&a, 0, sizeof a);
    if (!ctx->chat_id) return TG_ERR_ARG;
    a.chat_id.id = ctx->chat_id;
    a.text = text;
    if (ctx->message && ctx->message->business_connection_id) a.business_connection_id = ctx->message->business_connection_id;
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

TGBOT_API void tg_webhook_free(tg_webhook *w) {
    size_t i;
    if (!w) return;
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
    if (c->closing) tg__wh_put(head, &hn, "Connection: close\r\n");
    else if (c->http10) tg__wh_put(head, &hn, "Connection: keep-alive\r\n");
    tg__wh_put(head, &hn, "\r\n");
    if (tg__buf_append(&c->out, head, hn) != TG_OK || (n && tg__buf_append(&c->out, body, n) != TG_OK))
        c->dead = true;
}

/* a refusal: counted, answered; the body is skipped on a connection that stays open */
static void tg__wh_refuse(tg__wconn *c, int status, uint64_t *counter, bool close) {
    (*counter)++;
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
static void tg__wh_deliver(tg_webhook *w, tg__wconn *c, char *body, size_t n) {
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
        w->st.bad_json++;
        tg__wh_respond(c, 400, NULL, 0);
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
            r = tg__http_parse_head(p, avail, true, &w->lim, &w->head, &e);
            if (r == 0) { c->scanned = TGBOT__MAX(avail, (size_t)3); break; }
            c->scanned = 0;
            if (r < 0) {
                if (e.code == TG_ERR_LIMIT) tg__wh_refuse(c, 431, &w->st.header_too_large, true);
                else tg__wh_refuse(c, 400, &w->st.bad_request, true);
                break;
            }
            w->st.requests++;
            c->http10 = w->head.minor == 0;
            c->keep_alive = w->head.keep_alive;
            status = tg__wh_check(w, &w->head, &counter);
            if (status) {
                /* the body can be skipped only when its length is known and bounded; after a
                   refused "Expect: 100-continue" the client may or may not send it: close */
                bool close = status == 411 || status == 413 || w->head.expect_continue || !c->keep_alive ||
                             (w->head.content_length > 0 && (uint64_t)w->head.content_length > w->max_body);
                tg__wh_refuse(c, status, counter, close);
                if (close) break;
                c->in_off += w->head.head_len;
                c->skip = w->head.content_length > 0 ? (size_t)w->head.content_length : 0;
                c->deadline = now + w->read_to;
                continue;
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
        tg__wh_deliver(w, c, p + c->head_len, c->body_len);
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

static void tg__wh_accept(tg_webhook *w, uint64_t now) {
    int i;
    for (i = 0; i < 64; i++) {                 /* a burst of connects, without starving the others */
        tg__sock s;
        tg__wconn *c;
        tg_error e;
        int r = tg__sock_accept(w->lfd, &s);
        if (r <= 0) return;
        if (w->nconns >= w->max_conns) { w->st.connections_refused++; tg__sock_close(s); continue; }
        c = (tg__wconn *)tg__alloc(w->alloc, sizeof *c);
        if (!c) { tg__sock_close(s); continue; }
        memset(c, 0, sizeof *c);
        c->fd = s;
        c->in.a = c->out.a = w->alloc;
        c->deadline = now + w->read_to;
        if (w->tls_ctx) {
            if (tg__tls_new(&c->tls, w->tls_ctx, NULL, &e) != TG_OK) {
                w->st.tls_failures++; tg__sock_close(s); tg__free(w->alloc, c, sizeof *c); continue;
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
        else w->st.timeouts++;
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
static bool tg__wh_ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y) return false;
    }
    return *a == *b;
}

/* methods whose unknowable outcome could cost Stars (method names are case-insensitive) */
static bool tg__wh_spends(const char *method) {
    static const char *const m[] = { "sendGift", "giftPremiumSubscription", "upgradeGift", "transferGift",
        "convertGiftToStars", "transferBusinessAccountStars", "refundStarPayment" };
    size_t i;
    for (i = 0; i < sizeof m / sizeof m[0]; i++) if (tg__wh_ieq(method, m[i])) return true;
    return false;
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
