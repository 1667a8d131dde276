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
