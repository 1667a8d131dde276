/* core: error texts, arena lifetimes, buffers, allocator hooks, constant-time compare. */

typedef struct count_alloc { long allocs, frees; size_t live, peak; } count_alloc;
static void *ca_alloc(size_t n, void *ud) {
    count_alloc *c = (count_alloc *)ud;
    c->allocs++; c->live += n; if (c->live > c->peak) c->peak = c->live;
    return malloc(n);
}
static void *ca_realloc(void *p, size_t o, size_t n, void *ud) {
    count_alloc *c = (count_alloc *)ud;
    c->allocs++; c->live = c->live - o + n; if (c->live > c->peak) c->peak = c->live;
    return realloc(p, n);
}
static void ca_free(void *p, size_t n, void *ud) {
    count_alloc *c = (count_alloc *)ud;
    c->frees++; c->live -= n; free(p);
}

TG_TEST(core_err_strings) {
    int i;
    for (i = 0; i < (int)TG__ERR_COUNT; i++) CHECK(tg_err_str((tg_err)i)[0] != '\0');
    CHECK_STR(tg_err_str(TG_OK), "ok");
    CHECK_STR(tg_err_str((tg_err)9999), "unknown error");
    CHECK(tg_err_kind_of(TG_ERR_TLS_EXPIRED) == TG_KIND_TLS);
    CHECK(tg_err_kind_of(TG_ERR_API) == TG_KIND_TELEGRAM);
    CHECK(tg_err_kind_of(TG_ERR_ARG) == TG_KIND_VALIDATION);
    CHECK(tg_err_kind_of(TG_ERR_OUTCOME_UNKNOWN) == TG_KIND_NETWORK);
    CHECK_STR(tg_phase_str(TG_PHASE_TLS), "tls");
}

TG_TEST(core_error_set_truncates_safely) {
    tg_error e;
    char big[600];
    memset(&e, 0, sizeof e);
    memset(big, 'x', sizeof big - 1); big[sizeof big - 1] = '\0';
    tg__error_set(&e, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "bad header: %s", big);
    CHECK(e.code == TG_ERR_HTTP && e.phase == TG_PHASE_RECV_HEADERS);
    CHECK(strlen(e.description) == sizeof e.description - 1);
    tg__error_set(NULL, TG_ERR_HTTP, TG_PHASE_NONE, "ignored");   /* NULL is allowed */
    tg__error_set(&e, TG_ERR_DNS, TG_PHASE_RESOLVE, NULL);
    CHECK_STR(e.description, tg_err_str(TG_ERR_DNS));
}

/* The alignment malloc promises (C99 7.20.3: suitable for any type): max_align_t where the language
   has it, else the strictest of the basic types measured with offsetof. 16 on x86-64, 8 on armhf. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define CORE_MAX_ALIGN ((uintptr_t)_Alignof(max_align_t))
#else
typedef union core_any { long double ld; long long ll; double d; void *p; void (*fp)(void); } core_any;
typedef struct core_align_probe { char c; core_any u; } core_align_probe;
#define CORE_MAX_ALIGN ((uintptr_t)offsetof(core_align_probe, u))
#endif

/* every result is aligned for any type, whatever sizes came before it and across blocks */
TG_TEST(core_arena_aligned_for_any_type) {
    tg_arena a;
    size_t i;
    bool all = true;
    tg_arena_init(&a, NULL);
    for (i = 0; i < 300; i++) {
        size_t n = 1 + (i * 7) % 61 + (i % 50 == 0 ? 20000 : 0);    /* odd sizes, some bigger than a block */
        void *p = tg_arena_alloc(&a, n);
        if (!p || (uintptr_t)p % CORE_MAX_ALIGN != 0) { all = false; break; }
        if (n >= sizeof(long double)) { long double v = 1.5L; memcpy(p, &v, sizeof v); *(long double *)p += 1; }
    }
    CHECK(all);
    CHECK(CORE_MAX_ALIGN >= sizeof(void *) && CORE_MAX_ALIGN <= 16);
    tg_arena_free(&a);
}

TG_TEST(core_arena_mark_rewind) {
    count_alloc c = {0, 0, 0, 0};
    tg_allocator al = { ca_alloc, ca_realloc, ca_free, NULL };
    tg_arena a;
    size_t m;
    char *p, *q, *big;
    al.ud = &c;
    tg_arena_init(&a, &al);
    p = (char *)tg_arena_alloc(&a, 10);
    CHECK(p && (uintptr_t)p % CORE_MAX_ALIGN == 0);
    memcpy(p, "keep", 5);
    m = tg_arena_mark(&a);
    q = (char *)tg_arena_alloc(&a, 100);
    CHECK(q && q != p && (uintptr_t)q % CORE_MAX_ALIGN == 0);
    big = (char *)tg_arena_alloc(&a, 100000);     /* bigger than a block: its own block */
    CHECK(big != NULL);
    memset(big, 1, 100000);
    tg_arena_rewind(&a, m);
    CHECK(tg_arena_mark(&a) == m);
    CHECK_STR(p, "keep");                          /* memory before the mark survives */
    CHECK(tg_arena_alloc(&a, 100) == q);           /* and the space after it is reused */
    CHECK(a.high_water >= 100000);
    tg_arena_free(&a);
    CHECK(c.live == 0 && c.allocs == c.frees);
}

TG_TEST(core_arena_steady_state_allocates_nothing) {
    count_alloc c = {0, 0, 0, 0};
    tg_allocator al = { ca_alloc, ca_realloc, ca_free, NULL };
    tg_arena a;
    long after_warmup;
    int i, j;
    al.ud = &c;
    tg_arena_init(&a, &al);
    for (i = 0; i < 3; i++) {       /* warm up: blocks get created */
        for (j = 0; j < 50; j++) CHECK(tg_arena_alloc(&a, 1000 + (size_t)j) != NULL);
        tg_arena_reset(&a);
    }
    after_warmup = c.allocs;
    for (i = 0; i < 10000; i++) {
        for (j = 0; j < 50; j++) tg_arena_alloc(&a, 1000 + (size_t)j);
        CHECK(tg_arena_strndup(&a, "abc", 3) != NULL);
        tg_arena_reset(&a);
    }
    CHECK(c.allocs == after_warmup);
    CHECK(tg_arena_mark(&a) == 0);
    tg_arena_free(&a);
    CHECK(c.live == 0);
}

TG_TEST(core_buf_grows_and_terminates) {
    tg__buf b = { NULL, 0, 0, NULL };
    int i;
    for (i = 0; i < 1000; i++) CHECK(tg__buf_append(&b, "0123456789", 10) == TG_OK);
    CHECK(b.len == 10000 && b.cap > b.len && b.data[b.len] == '\0');
    CHECK(memcmp(b.data + 9990, "0123456789", 10) == 0);
    CHECK(tg__buf_reserve(&b, (size_t)-1) == TG_ERR_LIMIT);   /* size overflow is refused */
    tg__buf_free(&b);
    CHECK(b.data == NULL && b.cap == 0);
}

TG_TEST(core_ct_equal_and_wipe) {
    char s[8] = "secret!";
    CHECK(tg__ct_equal("abcdef", "abcdef", 6));
    CHECK(!tg__ct_equal("abcdef", "abcdeg", 6));
    CHECK(tg__ct_equal("", "x", 0));
    tg__wipe(s, sizeof s);
    CHECK(s[0] == 0 && s[6] == 0);
}

static uint64_t fake_now(void *ud) { return *(uint64_t *)ud; }
static int64_t fake_wall(void *ud) { (void)ud; return 2000000000; }
TG_TEST(core_platform_hooks) {
    uint64_t t = 12345;
    tg_platform p;
    unsigned char r1[16], r2[16];
    memset(&p, 0, sizeof p);
    CHECK(tg__now_ms(&p) > 0);             /* OS default clock */
    p.now_ms = fake_now; p.wall_time = fake_wall; p.ud = &t;
    CHECK(tg__now_ms(&p) == 12345);
    CHECK(tg__wall_time(&p) == 2000000000);
    CHECK(tg__random_bytes(NULL, r1, sizeof r1) == 0 && tg__random_bytes(NULL, r2, sizeof r2) == 0);
    CHECK(memcmp(r1, r2, sizeof r1) != 0);
}

static char log_last[256]; static int log_count;
static void test_logger(void *ud, tg_log_level lvl, const char *msg) {
    (void)ud; (void)lvl; log_count++; snprintf(log_last, sizeof log_last, "%s", msg);
}
TG_TEST(core_log_levels) {
    tg_logger l = { test_logger, NULL, TG_LOG_WARN };
    log_count = 0;
    tg__log(&l, TG_LOG_ERROR, "e%d", 1);
    tg__log(&l, TG_LOG_INFO, "dropped");
    CHECK(log_count == 1);
    CHECK_STR(log_last, "e1");
    tg__log(NULL, TG_LOG_ERROR, "no logger is fine");
}

TG_TEST(core_switches_are_normalised) {
    CHECK(TGBOT__TLS_BEARSSL + TGBOT__TLS_MBEDTLS + TGBOT__TLS_NONE == 1);
#if defined(TGBOT_ENABLE_ALL)
    CHECK(TGBOT__HAS_CACHE && TGBOT__HAS_RATELIMIT && TGBOT__HAS_BREAKER && TGBOT__HAS_ANALYTICS &&
          TGBOT__HAS_WEBHOOK && TGBOT__HAS_ASYNC);
#else
    CHECK(!TGBOT__HAS_CACHE && !TGBOT__HAS_WEBHOOK);
#endif
}
