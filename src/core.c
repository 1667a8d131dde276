/* core: error texts, allocation, logging, clock/random defaults, buffers, arena. */

TGBOT_API const char *tg_version(void) { return TGBOT_VERSION_STRING; }

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
    case TG_ERR_ARG: case TG_ERR_SIGNATURE: case TG_ERR_EXPIRED: case TG_ERR_REPLAY: return TG_KIND_VALIDATION;
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
    char msg[512], *c;
    va_list ap;
    tg_log_level max;
    if (!l || !l->fn) return;
    max = l->level ? l->level : TG_LOG_INFO;
    if (level > max) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* messages quote what peers sent (an update's kind, a description): a control character such as
       '\n' could forge a line of its own in the log, so none gets through */
    for (c = msg; *c; c++) if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
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

uint64_t tg__mono_us(void) {
#if defined(_WIN32)
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)c.QuadPart / (uint64_t)f.QuadPart * 1000000u
         + (uint64_t)c.QuadPart % (uint64_t)f.QuadPart * 1000000u / (uint64_t)f.QuadPart;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
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
        int fd = open("/dev/urandom", O_RDONLY | TG__O_CLOEXEC);
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
    /* RtlGenRandom (advapi32, linked by default): the CSPRNG behind rand_s, usable from a header */
    {
        HMODULE m = GetModuleHandleA("advapi32.dll");
        BOOLEAN (WINAPI *gen)(PVOID, ULONG) = NULL;
        unsigned char *out = (unsigned char *)buf;
        if (!m) m = LoadLibraryA("advapi32.dll");
        if (m) gen = (BOOLEAN (WINAPI *)(PVOID, ULONG))(void (*)(void))GetProcAddress(m, "SystemFunction036");
        if (!gen) return -1;
        while (n > 0) {
            ULONG k = (ULONG)TGBOT__MIN(n, (size_t)0x10000000u);
            if (!gen(out, k)) return -1;
            out += k;
            n -= k;
        }
        return 0;
    }
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
#else
    Sleep(ms);
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
/* (struct tg__arena_block and TG__ARENA_HDR are in core_int.h: the webhook trims spare blocks) */
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
