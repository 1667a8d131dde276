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
