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
    X(TG_ERR_TYPE,           "value has an unexpected type")

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

TGBOT_API bool tg_error_is_unauthorized(const tg_error *e);      /* 401: bad token */
TGBOT_API bool tg_error_is_forbidden(const tg_error *e);         /* 403: e.g. the bot was blocked by the user */
TGBOT_API bool tg_error_is_bad_request(const tg_error *e);       /* 400 */
TGBOT_API bool tg_error_is_not_found(const tg_error *e);         /* 404 */
TGBOT_API bool tg_error_is_conflict(const tg_error *e);          /* 409: webhook set / another poller */
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e); /* 429: see retry_after */

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
    case TG_ERR_PROXY: case TG_ERR_OUTCOME_UNKNOWN: return TG_KIND_NETWORK;
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
/* waits for readability (want_write = 0) or writability; 1 ready, 0 timeout, -1 error */
TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms);
TGBOT__INTERN int tg__sock_is_dead(tg__sock s);   /* idle connection closed by the peer or has stray data */
/* listening socket for servers (webhook): bound, non-blocking */
TGBOT__INTERN int tg__sock_listen(const char *host, uint16_t port, tg__sock *out, uint16_t *bound_port);
TGBOT__INTERN int tg__sock_accept(tg__sock l, tg__sock *out);   /* 1 accepted, 0 none pending, -1 error */

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

TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms) {
    struct pollfd p;
    int r;
    p.fd = s;
    p.events = (short)(want_write ? POLLOUT : POLLIN);
    p.revents = 0;
    do r = poll(&p, 1, timeout_ms); while (r < 0 && errno == EINTR);
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
        long r = tg__sock_recv(s, b, len);
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
    return (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) != 0;
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
    long r = tg__sock_recv(t->fd, buf, n);
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
        t->resumed = t->ctx->have_session && now && now->id_len && now->id_len == t->ctx->session.id_len &&
                     memcmp(now->id, t->ctx->session.id, now->id_len) == 0;
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

TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) { return mbedtls_ssl_get_bytes_avail(&t->ssl) > 0; }
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
    tg_timeouts to;
    bool https;
    char *host, *prefix, *sni;
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
    tg__buf out;          /* request head (+ small body) or proxy handshake */
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
static bool tg__ieq(tg_str a, const char *b) {
    size_t i, n = strlen(b);
    if (a.len != n) return false;
    for (i = 0; i < n; i++) {
        char x = a.ptr[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (x != y) return false;
    }
    return true;
}

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
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

TGBOT__INTERN int tg__http_parse_head(const char *buf, size_t len, bool request, const tg_http_limits *lim,
                                      tg__http_head *h, tg_error *err) {
    const char *p = buf, *e, *end = NULL, *line_end;
    size_t max_line = lim->max_status_line, max_head = lim->max_header_bytes, i;
    /* find the blank line that ends the head, within the limit */
    for (i = 0; i + 3 < len && i < max_head; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') { end = buf + i + 4; break; }
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
            if (tg__ieq(nm, "content-length")) {
                int64_t n = 0;
                if (vl.len == 0 || vl.len > 18) goto bad_length;
                for (i = 0; i < vl.len; i++) {
                    if (vl.ptr[i] < '0' || vl.ptr[i] > '9') goto bad_length;
                    n = n * 10 + (vl.ptr[i] - '0');
                }
                if (h->content_length >= 0 && h->content_length != n) goto bad_length;
                h->content_length = n;
            } else if (tg__ieq(nm, "transfer-encoding")) {
                if (!tg__icontains(vl, "chunked")) {
                    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "unsupported transfer-encoding");
                    return -1;
                }
                h->chunked = true;
            } else if (tg__ieq(nm, "connection")) {
                if (tg__icontains(vl, "close")) h->keep_alive = false;
                else if (tg__icontains(vl, "keep-alive")) h->keep_alive = true;
            } else if (tg__ieq(nm, "expect")) {
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
        if (q >= len) return 0;
        if (!digits) goto bad;
        nl = (const char *)memchr(buf + q, '\n', len - q);
        if (!nl) { if (len - q > 1024) goto bad; return 0; }
        if (buf[q] != ';' && buf[q] != '\r') goto bad;      /* chunk extensions are ignored */
        if (nl[-1] != '\r') goto bad;
        q = (size_t)(nl - buf) + 1;
        if (size == 0) {                                      /* last chunk: skip trailers */
            for (;;) {
                nl = (const char *)memchr(buf + q, '\n', len - q);
                if (!nl) { if (len - q > 8192) goto bad; *pos = p; *out_len = o; return 0; }
                if ((size_t)(nl - buf) == q + 1 && buf[q] == '\r') {
                    *consumed = (size_t)(nl - buf) + 1;
                    *pos = p; *out_len = o;
                    return 1;
                }
                q = (size_t)(nl - buf) + 1;
            }
        }
        if (len - q < size + 2) { *pos = p; *out_len = o; return 0; }
        if (buf[q + size] != '\r' || buf[q + size + 1] != '\n') goto bad;
        memmove(buf + o, buf + q, size);
        o += size;
        p = q + size + 2;
    }
bad:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_BODY, "invalid chunked encoding (chunk size line)");
    return -1;
}

/* ---- client set-up ---- */
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
    c->out.a = c->in.a = c->mp.a = c->segs.a = a;
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
    if (!c->stage || !c->host || !c->prefix || (c->https && !c->sni)) {
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
    tg__buf_free(&c->out); tg__buf_free(&c->in); tg__buf_free(&c->mp); tg__buf_free(&c->segs);
    if (c->stage) tg__free(a, c->stage, TG__HTTP_STAGE);
    tg__strfree(a, c->host); tg__strfree(a, c->prefix); tg__strfree(a, c->sni);
    tg__strfree(a, c->phost);
    if (c->puser) { tg__wipe(c->puser, strlen(c->puser)); tg__strfree(a, c->puser); }
    if (c->ppass) { tg__wipe(c->ppass, strlen(c->ppass)); tg__strfree(a, c->ppass); }
    tg__free(a, c, sizeof *c);
}

TGBOT__INTERN uint32_t tg__http_connections_opened(const tg__http_client *c) { return c->opened; }
TGBOT__INTERN bool tg__http_tls_resumed(const tg__http_client *c) { return c->tls && tg__tls_resumed(c->tls); }

/* ---- request building ---- */
static tg_err tg__bufs(tg__buf *b, const char *s) { return tg__buf_append(b, s, strlen(s)); }

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
    if (!e) e = tg__bufs(&c->out, " HTTP/1.1\r\nHost: ");
    if (!e) e = tg__bufs(&c->out, c->host);
    if (!e && ((c->https && c->port != 443) || (!c->https && c->port != 80))) {
        snprintf(num, sizeof num, ":%u", (unsigned)c->port);
        e = tg__bufs(&c->out, num);
    }
    if (!e) e = tg__bufs(&c->out, "\r\nUser-Agent: tgbot.h/" TGBOT_VERSION_STRING "\r\nAccept: application/json\r\n");
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
            snprintf(num, sizeof num, "Content-Length: %zu\r\n\r\n", body_len);
            e = tg__bufs(&c->out, num);
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
        tg__error_set(err, en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, ph, "receive failed: %s", strerror(en));
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
    c->out.len = 0; c->out_pos = 0; c->in.len = 0;
    if (c->ptype == TG_PROXY_HTTP) {
        snprintf(line, sizeof line, "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n",
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", (unsigned)c->port,
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", (unsigned)c->port);
        e = tg__bufs(&c->out, line);
        if (!e && c->puser) {
            char cred[520], b64[700];
            snprintf(cred, sizeof cred, "%s:%s", c->puser, c->ppass ? c->ppass : "");
            tg__b64(cred, strlen(cred), b64);
            tg__wipe(cred, sizeof cred);
            e = tg__bufs(&c->out, "Proxy-Authorization: Basic ");
            if (!e) e = tg__bufs(&c->out, b64);
            if (!e) e = tg__bufs(&c->out, "\r\n");
            tg__wipe(b64, sizeof b64);
        }
        if (!e) e = tg__bufs(&c->out, "\r\n");
    } else {   /* SOCKS5 greeting: no auth, and user/password when we have credentials */
        unsigned char g[4] = { 5, 1, 0, 0 };
        if (c->puser) { g[1] = 2; g[3] = 2; }
        e = tg__buf_append(&c->out, g, c->puser ? 4u : 3u);
    }
    if (e) tg__error_set(err, e, TG_PHASE_PROXY, "out of memory");
    return e;
}

static tg_err tg__socks_connect_msg(tg__http_client *c) {
    unsigned char h[5];
    size_t hl = strlen(c->host);
    tg_err e;
    c->out.len = 0; c->out_pos = 0; c->in.len = 0;
    h[0] = 5; h[1] = 1; h[2] = 0; h[3] = 3; h[4] = (unsigned char)hl;   /* ATYP 3: the proxy resolves */
    e = tg__buf_append(&c->out, h, 5);
    if (!e) e = tg__buf_append(&c->out, c->host, hl);
    h[0] = (unsigned char)(c->port >> 8); h[1] = (unsigned char)(c->port & 0xFF);
    if (!e) e = tg__buf_append(&c->out, h, 2);
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
        if (c->out_pos < c->out.len) {   /* write phase */
            long r = tg__sock_send(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos);
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
                    if (tg__http_parse_head(c->in.data, c->in.len, false, &c->lim, &h, &tmp) != 1 || h.status != 200) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy refused CONNECT (status %d%s)",
                                      h.status, h.status == 407 ? ": proxy authentication required" : "");
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
                    if (u[0] != 5 || (u[1] != 0 && u[1] != 2) || (u[1] == 2 && !c->puser)) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "SOCKS5 proxy accepts none of our authentication methods");
                        return -1;
                    }
                    if (u[1] == 2) {
                        unsigned char b[2];
                        size_t ul = strlen(c->puser), pl = c->ppass ? strlen(c->ppass) : 0;
                        c->out.len = 0; c->out_pos = 0; c->in.len = 0;
                        b[0] = 1; b[1] = (unsigned char)ul;
                        if (tg__buf_append(&c->out, b, 2) || tg__buf_append(&c->out, c->puser, ul)) return -1;
                        b[0] = (unsigned char)pl;
                        if (tg__buf_append(&c->out, b, 1) || (pl && tg__buf_append(&c->out, c->ppass, pl))) return -1;
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
                    if (u[1] != 0) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "SOCKS5 proxy rejected the user name or password"); return -1; }
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
            if (r < 0) { if (err && !err->code) tg__fail_phase(c, err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy handshake failed"); return -1; }
            if (r == 0) return 0;
            c->in.len = 0;
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
                    if (c->head.content_length >= 0 && (uint64_t)c->head.content_length > c->lim.max_body_bytes) {
                        tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "response body of %lld bytes is over the limit of %zu",
                                      (long long)c->head.content_length, c->lim.max_body_bytes);
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
                if (c->in.len - c->body_start > c->lim.max_body_bytes + 65536) {
                    tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "chunked response body over the limit of %zu bytes", c->lim.max_body_bytes);
                    return -1;
                }
            } else if (c->head.content_length >= 0) {
                if (have >= (size_t)c->head.content_length) {
                    c->body_len = (size_t)c->head.content_length;
                    if (have > c->body_len) c->head.keep_alive = false;   /* stray bytes: do not reuse */
                    c->st = TG__X_DONE;
                    break;
                }
            } else if (have > c->lim.max_body_bytes) {
                tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "response body over the limit of %zu bytes", c->lim.max_body_bytes);
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
    rq.method = "POST";
    rq.timeout_ms = r->timeout_ms;
    if (r->nfiles) {
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
    if (tg__buf_append(&b->path, "/bot", 4) || tg__buf_append(&b->path, b->token, b->token_len) ||
        (b->test_env && tg__buf_append(&b->path, "/test", 5)) || tg__buf_append(&b->path, "/", 1) ||
        tg__buf_append(&b->path, r->method, strlen(r->method)))
        return tg__req_fail(r, TG_ERR_NOMEM, "%s: out of memory", r->method);
    rq.path = b->path.data;
    for (attempt = 0;; attempt++) {
        bool retry = false;
        memset(e, 0, sizeof *e);
        code = tg__http_do(b->http, &rq, &rs, e);
        if (code == TG_OK) {
            code = tg__req_decode(r, &rs, result, e);
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
        } else if (code != TG_ERR_NOMEM && code != TG_ERR_ARG && code != TG_ERR_UNSUPPORTED &&
                   tg_err_kind_of(code) != TG_KIND_TLS) {
            if (!e->request_sent || safe) {
                retry = true;
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
    } else {
        tg__log(&b->log, TG_LOG_ERROR, "%s failed: %s", r->method, e->description);
        if (b->hooks.on_error) b->hooks.on_error(b->hooks.ud, r->method, e);
    }
    return code;
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
