/* store: the generic operations, the in-memory back-end, update claims, locks, and the FSM. */
#if TGBOT__HAS_STORE

static tg_err tg__store_key_ok(const char *key) {
    size_t n;
    if (!key) return TG_ERR_ARG;
    n = strlen(key);
    return (n == 0 || n > TGBOT_STORE_MAX_KEY) ? TG_ERR_LIMIT : TG_OK;
}
#define TG__STORE_CHECK(s, key) do { tg_err e_ = (s) ? tg__store_key_ok(key) : TG_ERR_ARG; \
    if (e_) return e_; } while (0)

void tg_store_free(tg_store *s) { if (s && s->vt) s->vt->destroy(s); }

tg_err tg_store_get(tg_store *s, const char *key, void *buf, size_t cap, size_t *len) {
    size_t n = 0;
    TG__STORE_CHECK(s, key);
    return s->vt->get(s, key, buf, cap, len ? len : &n);
}
tg_err tg_store_set(tg_store *s, const char *key, const void *val, size_t len, uint32_t ttl_ms) {
    bool done;
    TG__STORE_CHECK(s, key);
    if ((!val && len) || len > TGBOT_STORE_MAX_VALUE) return val ? TG_ERR_LIMIT : TG_ERR_ARG;
    return s->vt->set(s, key, val ? val : "", len, ttl_ms, false, &done);
}
tg_err tg_store_cas(tg_store *s, const char *key, const void *expect, size_t expect_len,
                    const void *val, size_t len, uint32_t ttl_ms, bool *swapped) {
    bool sw = false;
    TG__STORE_CHECK(s, key);
    if (len > TGBOT_STORE_MAX_VALUE || expect_len > TGBOT_STORE_MAX_VALUE) return TG_ERR_LIMIT;
    return s->vt->cas(s, key, expect, expect_len, val, len, ttl_ms, swapped ? swapped : &sw);
}
tg_err tg_store_del(tg_store *s, const char *key) { TG__STORE_CHECK(s, key); return s->vt->del(s, key); }
tg_err tg_store_incr(tg_store *s, const char *key, int64_t by, uint32_t ttl_ms, int64_t *out) {
    int64_t v = 0;
    TG__STORE_CHECK(s, key);
    return s->vt->incr(s, key, by, ttl_ms, out ? out : &v);
}
tg_err tg_store_admit_lanes(tg_store *s, const tg_store_lane *lanes, size_t n, uint64_t *wait_ms) {
    uint64_t w = 0;
    size_t i;
    if (!s || !lanes || n == 0 || n > TG_STORE_MAX_LANES) return TG_ERR_ARG;
    for (i = 0; i < n; i++) {
        tg_err e = tg__store_key_ok(lanes[i].key);
        if (e) return e;
        if (strlen(lanes[i].key) + 2 > TGBOT_STORE_MAX_KEY) return TG_ERR_LIMIT;   /* room for ":p" */
        if (lanes[i].interval_ms == 0 || lanes[i].burst == 0) return TG_ERR_ARG;
    }
    return s->vt->admit(s, lanes, n, wait_ms ? wait_ms : &w);
}
tg_err tg_store_stamp(tg_store *s, const tg_store_lane *lanes, size_t n) {
    if (!s || !lanes || n == 0 || n > TG_STORE_MAX_LANES) return TG_ERR_ARG;
    return s->vt->stamp(s, lanes, n);
}
tg_err tg_store_admit(tg_store *s, const char *key, uint32_t interval_ms, uint32_t burst, uint64_t *wait_ms) {
    tg_store_lane l;
    l.key = key; l.interval_ms = interval_ms; l.burst = burst;
    return tg_store_admit_lanes(s, &l, 1, wait_ms);
}
tg_err tg_store_pause(tg_store *s, const char *key, uint32_t ms) {
    TG__STORE_CHECK(s, key);
    return ms ? s->vt->pause(s, key, ms) : TG_OK;
}

tg_err tg_store_claim(tg_store *s, int64_t bot_id, int64_t update_id, uint32_t ttl_ms, bool *first) {
    char key[64];
    bool done = false;
    tg_err e;
    if (!s || !first) return TG_ERR_ARG;
    snprintf(key, sizeof key, "upd:%lld:%lld", (long long)bot_id, (long long)update_id);
    e = s->vt->set(s, key, "1", 1, ttl_ms ? ttl_ms : 24u * 3600u * 1000u, true, &done);
    *first = e == TG_OK && done;
    return e;
}

int tg_store_dedup(tg_ctx *ctx, bool after, void *store) {
    bool first = false;
    if (after || !ctx || !ctx->update) return TG_CONTINUE;
    if (tg_store_claim((tg_store *)store, tg_bot_id(ctx->bot), ctx->update->update_id, 0, &first) != TG_OK)
        return TG_RETRY_LATER;
    return first ? TG_CONTINUE : TG_HANDLED;       /* non-zero: the chain stops */
}

tg_err tg_store_lock(tg_store *s, const char *name, const char *owner, uint32_t lease_ms, bool *held) {
    char key[TGBOT_STORE_MAX_KEY + 1];
    size_t on;
    bool done = false;
    tg_err e;
    if (!s || !name || !owner || !held || lease_ms == 0) return TG_ERR_ARG;
    *held = false;
    if (strlen(name) + 5 > TGBOT_STORE_MAX_KEY) return TG_ERR_LIMIT;
    snprintf(key, sizeof key, "lock:%s", name);
    on = strlen(owner);
    e = s->vt->set(s, key, owner, on, lease_ms, true, &done);          /* take it when free */
    if (e || done) { *held = e == TG_OK; return e; }
    e = s->vt->cas(s, key, owner, on, owner, on, lease_ms, &done);      /* or renew our own lease */
    *held = e == TG_OK && done;
    return e;
}

tg_err tg_store_unlock(tg_store *s, const char *name, const char *owner) {
    char key[TGBOT_STORE_MAX_KEY + 1];
    bool done;
    if (!s || !name || !owner) return TG_ERR_ARG;
    if (strlen(name) + 5 > TGBOT_STORE_MAX_KEY) return TG_ERR_LIMIT;
    snprintf(key, sizeof key, "lock:%s", name);
    return s->vt->cas(s, key, owner, strlen(owner), NULL, 0, 0, &done);
}

void tg_store_owner_id(char out[33]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char r[16];
    size_t i;
    tg_platform p;
    memset(&p, 0, sizeof p);
    if (tg__random_bytes(&p, r, sizeof r) != 0) {       /* no OS randomness: time and address */
        uint64_t t = tg__now_ms(&p) ^ (uint64_t)(uintptr_t)out;
        for (i = 0; i < sizeof r; i++) r[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)i;
    }
    for (i = 0; i < 16; i++) { out[2 * i] = hex[r[i] >> 4]; out[2 * i + 1] = hex[r[i] & 15]; }
    out[32] = 0;
}

/* ---- in-memory back-end: a chained hash table with expiry, bounded in keys ---- */
typedef struct tg__mem_ent {
    struct tg__mem_ent *next;
    uint64_t expires;          /* 0: never */
    uint32_t hash;
    size_t klen, vlen, vcap;
    char *val;
    char key[1];               /* klen + 1 bytes */
} tg__mem_ent;

typedef struct tg__mem_store {
    tg__mem_ent **b;
    uint32_t nb, n, max;
} tg__mem_store;

static uint64_t tg__store_now(tg_store *s) {
    tg_platform p;
    if (s->now_ms) return s->now_ms(s->clock_ud);
    memset(&p, 0, sizeof p);
    return tg__now_ms(&p);
}

static uint32_t tg__mem_hash(const char *k, size_t n) {    /* FNV-1a */
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) { h ^= (unsigned char)k[i]; h *= 16777619u; }
    return h;
}

static void tg__mem_drop(tg_store *s, tg__mem_ent **pp) {
    tg__mem_store *m = (tg__mem_store *)s->impl;
    tg__mem_ent *e = *pp;
    *pp = e->next;
    tg__free(&s->alloc, e->val, e->vcap);
    tg__free(&s->alloc, e, sizeof *e + e->klen);
    m->n--;
}

/* the live entry for key, or NULL (an expired one is dropped on the way) */
static tg__mem_ent **tg__mem_find(tg_store *s, const char *key, uint64_t now) {
    tg__mem_store *m = (tg__mem_store *)s->impl;
    size_t kl = strlen(key);
    uint32_t h = tg__mem_hash(key, kl);
    tg__mem_ent **pp = &m->b[h & (m->nb - 1)];
    while (*pp) {
        tg__mem_ent *e = *pp;
        if (e->expires && e->expires <= now) { tg__mem_drop(s, pp); continue; }
        if (e->hash == h && e->klen == kl && memcmp(e->key, key, kl) == 0) return pp;
        pp = &e->next;
    }
    return NULL;
}

static void tg__mem_sweep(tg_store *s, uint64_t now) {
    tg__mem_store *m = (tg__mem_store *)s->impl;
    uint32_t i;
    for (i = 0; i < m->nb; i++) {
        tg__mem_ent **pp = &m->b[i];
        while (*pp) {
            if ((*pp)->expires && (*pp)->expires <= now) tg__mem_drop(s, pp);
            else pp = &(*pp)->next;
        }
    }
}

static tg_err tg__mem_grow(tg_store *s) {
    tg__mem_store *m = (tg__mem_store *)s->impl;
    uint32_t nb = m->nb * 2, i;
    tg__mem_ent **nbk = (tg__mem_ent **)tg__alloc(&s->alloc, nb * sizeof *nbk);
    if (!nbk) return TG_ERR_NOMEM;
    memset(nbk, 0, nb * sizeof *nbk);
    for (i = 0; i < m->nb; i++) {
        tg__mem_ent *e = m->b[i], *nx;
        for (; e; e = nx) { nx = e->next; e->next = nbk[e->hash & (nb - 1)]; nbk[e->hash & (nb - 1)] = e; }
    }
    tg__free(&s->alloc, m->b, m->nb * sizeof *m->b);
    m->b = nbk; m->nb = nb;
    return TG_OK;
}

static tg_err tg__mem_put(tg_store *s, tg__mem_ent **pp, const char *key, const void *val, size_t len,
                          uint32_t ttl_ms, uint64_t now) {
    tg__mem_store *m = (tg__mem_store *)s->impl;
    tg__mem_ent *e = pp ? *pp : NULL;
    if (!e) {
        size_t kl = strlen(key);
        if (m->n >= m->max) { tg__mem_sweep(s, now); if (m->n >= m->max) return TG_ERR_LIMIT; }
        if (m->n >= m->nb && tg__mem_grow(s) != TG_OK) return TG_ERR_NOMEM;
        e = (tg__mem_ent *)tg__alloc(&s->alloc, sizeof *e + kl);
        if (!e) return TG_ERR_NOMEM;
        memset(e, 0, sizeof *e);
        e->klen = kl; memcpy(e->key, key, kl + 1);
        e->hash = tg__mem_hash(key, kl);
        e->next = m->b[e->hash & (m->nb - 1)];
        m->b[e->hash & (m->nb - 1)] = e;
        m->n++;
    }
    if (len + 1 > e->vcap) {
        char *nv = (char *)tg__alloc(&s->alloc, len + 1);
        if (!nv) return TG_ERR_NOMEM;
        tg__free(&s->alloc, e->val, e->vcap);
        e->val = nv; e->vcap = len + 1;
    }
    if (len) memcpy(e->val, val, len);
    e->val[len] = 0;
    e->vlen = len;
    e->expires = ttl_ms ? now + ttl_ms : 0;
    return TG_OK;
}

static tg_err tg__mem_get(tg_store *s, const char *key, void *buf, size_t cap, size_t *len) {
    tg__mem_ent **pp = tg__mem_find(s, key, tg__store_now(s));
    if (!pp) { *len = 0; return TG_ERR_NOT_FOUND; }
    *len = (*pp)->vlen;
    if ((*pp)->vlen > cap) return TG_ERR_LIMIT;
    if ((*pp)->vlen) memcpy(buf, (*pp)->val, (*pp)->vlen);
    return TG_OK;
}

static tg_err tg__mem_set(tg_store *s, const char *key, const void *val, size_t len, uint32_t ttl_ms,
                          bool nx, bool *done) {
    uint64_t now = tg__store_now(s);
    tg__mem_ent **pp = tg__mem_find(s, key, now);
    tg_err e;
    *done = false;
    if (nx && pp) return TG_OK;
    e = tg__mem_put(s, pp, key, val, len, ttl_ms, now);
    *done = e == TG_OK;
    return e;
}

static tg_err tg__mem_cas(tg_store *s, const char *key, const void *expect, size_t elen, const void *val,
                          size_t len, uint32_t ttl_ms, bool *swapped) {
    uint64_t now = tg__store_now(s);
    tg__mem_ent **pp = tg__mem_find(s, key, now);
    bool match = expect ? (pp && (*pp)->vlen == elen && memcmp((*pp)->val, expect, elen) == 0) : !pp;
    tg_err e = TG_OK;
    *swapped = false;
    if (!match) return TG_OK;
    if (!val) { if (pp) tg__mem_drop(s, pp); }
    else e = tg__mem_put(s, pp, key, val, len, ttl_ms, now);
    *swapped = e == TG_OK;
    return e;
}

static tg_err tg__mem_del(tg_store *s, const char *key) {
    tg__mem_ent **pp = tg__mem_find(s, key, tg__store_now(s));
    if (pp) tg__mem_drop(s, pp);
    return TG_OK;
}

static bool tg__parse_i64(const char *p, size_t n, int64_t *out) {
    tg_json_doc d;
    tg_json_tok t[2];
    char tmp[24];
    if (n == 0 || n >= sizeof tmp) return false;
    memcpy(tmp, p, n);
    return tg_json_parse(&d, tmp, n, t, 2, NULL) == TG_OK && tg_json_i64(&d, 0, out);
}

static tg_err tg__mem_incr(tg_store *s, const char *key, int64_t by, uint32_t ttl_ms, int64_t *out) {
    uint64_t now = tg__store_now(s);
    tg__mem_ent **pp = tg__mem_find(s, key, now);
    int64_t v = 0;
    char num[24];
    int n;
    if (pp && !tg__parse_i64((*pp)->val, (*pp)->vlen, &v)) return TG_ERR_TYPE;
    if ((by > 0 && v > INT64_MAX - by) || (by < 0 && v < INT64_MIN - by)) return TG_ERR_LIMIT;
    v += by;
    n = snprintf(num, sizeof num, "%lld", (long long)v);
    if (pp) {                       /* keeps its expiry, like Redis INCRBY */
        uint64_t exp = (*pp)->expires;
        tg_err e = tg__mem_put(s, pp, key, num, (size_t)n, 0, now);
        (*pp)->expires = exp;
        if (e) return e;
    } else {
        tg_err e = tg__mem_put(s, NULL, key, num, (size_t)n, ttl_ms, now);
        if (e) return e;
    }
    *out = v;
    return TG_OK;
}

static tg_err tg__mem_admit(tg_store *s, const tg_store_lane *lanes, size_t n, uint64_t *wait_ms) {
    uint64_t now = tg__store_now(s), tat[TG_STORE_MAX_LANES], wait = 0;
    tg__mem_ent **pp;
    size_t i;
    for (i = 0; i < n; i++) {                       /* every lane's wait first: all or nothing */
        char pk[TGBOT_STORE_MAX_KEY + 3];
        uint64_t tau = (uint64_t)lanes[i].interval_ms * (lanes[i].burst - 1u);
        int64_t stored;
        snprintf(pk, sizeof pk, "%s:p", lanes[i].key);
        pp = tg__mem_find(s, pk, now);
        if (pp) wait = TGBOT__MAX(wait, (*pp)->expires - now);         /* paused by a 429 */
        tat[i] = now;
        pp = tg__mem_find(s, lanes[i].key, now);
        if (pp && tg__parse_i64((*pp)->val, (*pp)->vlen, &stored) && stored > 0 && (uint64_t)stored > now)
            tat[i] = (uint64_t)stored;
        if (tat[i] - now > tau) wait = TGBOT__MAX(wait, tat[i] - now - tau);
    }
    *wait_ms = wait;
    if (wait) return TG_OK;
    for (i = 0; i < n; i++) {
        char num[24];
        int len;
        uint64_t t = tat[i] + lanes[i].interval_ms;
        tg_err e;
        len = snprintf(num, sizeof num, "%llu", (unsigned long long)t);
        pp = tg__mem_find(s, lanes[i].key, now);
        if ((e = tg__mem_put(s, pp, lanes[i].key, num, (size_t)len, (uint32_t)(t - now), now)) != TG_OK) return e;
    }
    return TG_OK;
}

static tg_err tg__mem_pause(tg_store *s, const char *key, uint32_t ms) {
    char pk[TGBOT_STORE_MAX_KEY + 3];
    uint64_t now = tg__store_now(s);
    tg__mem_ent **pp;
    snprintf(pk, sizeof pk, "%s:p", key);
    pp = tg__mem_find(s, pk, now);
    if (pp && (*pp)->expires >= now + ms) return TG_OK;            /* a longer pause stands */
    return tg__mem_put(s, pp, pk, "1", 1, ms, now);
}

static tg_err tg__mem_stamp(tg_store *s, const tg_store_lane *lanes, size_t n) {
    uint64_t now = tg__store_now(s);
    size_t i;
    for (i = 0; i < n; i++) {
        tg__mem_ent **pp = tg__mem_find(s, lanes[i].key, now);
        uint64_t t = now + lanes[i].interval_ms;
        int64_t stored;
        char num[24];
        int len;
        tg_err e;
        if (pp && tg__parse_i64((*pp)->val, (*pp)->vlen, &stored) && stored > 0 && (uint64_t)stored >= t) continue;
        len = snprintf(num, sizeof num, "%llu", (unsigned long long)t);
        if ((e = tg__mem_put(s, pp, lanes[i].key, num, (size_t)len, lanes[i].interval_ms, now)) != TG_OK) return e;
    }
    return TG_OK;
}

static void tg__mem_destroy(tg_store *s) {
    tg__mem_store *m = (tg__mem_store *)s->impl;
    tg_allocator a = s->alloc;
    uint32_t i;
    for (i = 0; i < m->nb; i++) while (m->b[i]) tg__mem_drop(s, &m->b[i]);
    tg__free(&a, m->b, m->nb * sizeof *m->b);
    tg__free(&a, m, sizeof *m);
    tg__free(&a, s, sizeof *s);
}

static const tg_store_vtable tg__mem_vt = {
    tg__mem_get, tg__mem_set, tg__mem_cas, tg__mem_del, tg__mem_incr, tg__mem_admit, tg__mem_pause,
    tg__mem_stamp, tg__mem_destroy };

/* shared by the back-ends: a tg_store with the desc's hooks and room for impl */
TGBOT_PRIVATE tg_err tg__store_alloc(tg_store **out, const tg_store_desc *desc, const tg_store_vtable *vt,
                                     size_t impl_size) {
    tg_store_desc d;
    tg_store *s;
    if (!out) return TG_ERR_ARG;
    *out = NULL;
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    s = (tg_store *)tg__alloc(&d.allocator, sizeof *s);
    if (!s) return TG_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->alloc = d.allocator; s->logger = d.logger; s->vt = vt;
    s->now_ms = d.now_ms; s->clock_ud = d.clock_ud;
    s->impl = tg__alloc(&s->alloc, impl_size);
    if (!s->impl) { tg__free(&s->alloc, s, sizeof *s); return TG_ERR_NOMEM; }
    memset(s->impl, 0, impl_size);
    *out = s;
    return TG_OK;
}

tg_err tg_store_memory_new(tg_store **out, const tg_store_desc *desc) {
    tg_store *s;
    tg__mem_store *m;
    tg_err e = tg__store_alloc(&s, desc, &tg__mem_vt, sizeof(tg__mem_store));
    if (e) return e;
    m = (tg__mem_store *)s->impl;
    m->nb = 64;
    m->max = desc && desc->max_keys ? desc->max_keys : 100000u;
    m->b = (tg__mem_ent **)tg__alloc(&s->alloc, m->nb * sizeof *m->b);
    if (!m->b) { tg__free(&s->alloc, m, sizeof *m); tg__free(&s->alloc, s, sizeof *s); return TG_ERR_NOMEM; }
    memset(m->b, 0, m->nb * sizeof *m->b);
    *out = s;
    return TG_OK;
}

/* ---- file back-end: the memory back-end plus a journal of each changed key's new state ----
   record: 'P' | u64 wall-clock deadline (ms, 0 none, LE) | u16 key length (LE) | key | value
           'D' | u16 key length | key */
typedef struct tg__file_store {
    tg_store *mem;
    tg_journal *j;
    uint64_t appended;             /* records since open or the last compaction */
    tg_err replay_err;
} tg__file_store;

static uint64_t tg__wall_ms(void *ud) {
#if defined(_WIN32)
    (void)ud;
    return (uint64_t)time(NULL) * 1000u;
#else
    struct timespec ts;
    (void)ud;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

static void tg__le(unsigned char *p, uint64_t v, int n) { int i; for (i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint64_t tg__rd(const unsigned char *p, int n) { uint64_t v = 0; int i; for (i = n - 1; i >= 0; i--) v = (v << 8) | p[i]; return v; }

/* appends the current state of key (its value and deadline, or its absence) */
static tg_err tg__file_log(tg_store *s, const char *key) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_store *m = f->mem;
    size_t kl = strlen(key);
    tg__mem_ent **pp = tg__mem_find(m, key, tg__store_now(m));
    size_t vl = pp ? (*pp)->vlen : 0, n = (pp ? 11 : 3) + kl + vl;
    unsigned char *rec = (unsigned char *)tg__alloc(&s->alloc, n), *p = rec;
    tg_error err;
    tg_err e;
    if (!rec) return TG_ERR_NOMEM;
    *p++ = pp ? 'P' : 'D';
    if (pp) { tg__le(p, (*pp)->expires, 8); p += 8; }
    tg__le(p, kl, 2); p += 2;
    memcpy(p, key, kl); p += kl;
    if (vl) memcpy(p, (*pp)->val, vl);
    e = tg_journal_append(f->j, rec, n, &err);
    tg__free(&s->alloc, rec, n);
    if (e) tg__log(&s->logger, TG_LOG_ERROR, "store file: %s", err.description);
    else f->appended++;
    return e;
}

static tg_err tg__file_compact_fn(void *ud, tg_journal *j, tg_error *err) {
    tg_store *s = (tg_store *)ud;
    tg__file_store *f = (tg__file_store *)s->impl;
    tg__mem_store *m = (tg__mem_store *)f->mem->impl;
    uint64_t now = tg__store_now(f->mem);
    uint32_t i;
    (void)j; (void)err;
    tg__mem_sweep(f->mem, now);
    f->appended = 0;
    for (i = 0; i < m->nb; i++) {
        tg__mem_ent *e;
        for (e = m->b[i]; e; e = e->next) { tg_err r = tg__file_log(s, e->key); if (r) return r; }
    }
    return TG_OK;
}

/* after a change: log it; now and then rewrite the file with the live keys only */
static tg_err tg__file_after(tg_store *s, const char *key) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg__mem_store *m = (tg__mem_store *)f->mem->impl;
    tg_err e = tg__file_log(s, key);
    if (e == TG_OK && f->appended > 1024 && f->appended > 4u * (uint64_t)m->n) {
        tg_error err;
        if (tg_journal_compact(f->j, tg__file_compact_fn, s, &err) != TG_OK)
            tg__log(&s->logger, TG_LOG_WARN, "store file: compaction failed (%s); the file keeps growing", err.description);
    }
    return e;
}

static tg_err tg__file_get(tg_store *s, const char *key, void *buf, size_t cap, size_t *len) {
    tg__file_store *f = (tg__file_store *)s->impl;
    return f->mem->vt->get(f->mem, key, buf, cap, len);
}
static tg_err tg__file_set(tg_store *s, const char *key, const void *val, size_t len, uint32_t ttl_ms, bool nx, bool *done) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_err e = f->mem->vt->set(f->mem, key, val, len, ttl_ms, nx, done);
    return e || !*done ? e : tg__file_after(s, key);
}
static tg_err tg__file_cas(tg_store *s, const char *key, const void *expect, size_t elen, const void *val, size_t len,
                           uint32_t ttl_ms, bool *swapped) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_err e = f->mem->vt->cas(f->mem, key, expect, elen, val, len, ttl_ms, swapped);
    return e || !*swapped ? e : tg__file_after(s, key);
}
static tg_err tg__file_del(tg_store *s, const char *key) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_err e = f->mem->vt->del(f->mem, key);
    return e ? e : tg__file_after(s, key);
}
static tg_err tg__file_incr(tg_store *s, const char *key, int64_t by, uint32_t ttl_ms, int64_t *out) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_err e = f->mem->vt->incr(f->mem, key, by, ttl_ms, out);
    return e ? e : tg__file_after(s, key);
}
static tg_err tg__file_admit(tg_store *s, const tg_store_lane *lanes, size_t n, uint64_t *wait_ms) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_err e = f->mem->vt->admit(f->mem, lanes, n, wait_ms);
    size_t i;
    for (i = 0; e == TG_OK && *wait_ms == 0 && i < n; i++) e = tg__file_after(s, lanes[i].key);
    return e;
}
static tg_err tg__file_pause(tg_store *s, const char *key, uint32_t ms) {
    tg__file_store *f = (tg__file_store *)s->impl;
    char pk[TGBOT_STORE_MAX_KEY + 3];
    tg_err e = f->mem->vt->pause(f->mem, key, ms);
    snprintf(pk, sizeof pk, "%s:p", key);
    return e ? e : tg__file_after(s, pk);
}
static tg_err tg__file_stamp(tg_store *s, const tg_store_lane *lanes, size_t n) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_err e = f->mem->vt->stamp(f->mem, lanes, n);
    size_t i;
    for (i = 0; e == TG_OK && i < n; i++) e = tg__file_after(s, lanes[i].key);
    return e;
}
static void tg__file_destroy(tg_store *s) {
    tg__file_store *f = (tg__file_store *)s->impl;
    tg_allocator a = s->alloc;
    if (f->j) tg_journal_close(f->j);
    tg_store_free(f->mem);
    tg__free(&a, f, sizeof *f);
    tg__free(&a, s, sizeof *s);
}

static const tg_store_vtable tg__file_vt = {
    tg__file_get, tg__file_set, tg__file_cas, tg__file_del, tg__file_incr, tg__file_admit, tg__file_pause,
    tg__file_stamp, tg__file_destroy };

/* replay: each record sets a key to its logged state (a deadline already past: the key is gone) */
static int tg__file_replay(void *ud, const void *rec, size_t len) {
    tg_store *s = (tg_store *)ud;
    tg__file_store *f = (tg__file_store *)s->impl;
    const unsigned char *p = (const unsigned char *)rec;
    char key[TGBOT_STORE_MAX_KEY + 1];
    size_t kl, hdr;
    uint64_t deadline = 0, now = tg__store_now(f->mem);
    tg__mem_ent **pp;
    if (len < 3 || (p[0] != 'P' && p[0] != 'D')) { f->replay_err = TG_ERR_JSON; return 1; }
    hdr = p[0] == 'P' ? 11 : 3;
    if (len < hdr) { f->replay_err = TG_ERR_JSON; return 1; }
    if (p[0] == 'P') deadline = tg__rd(p + 1, 8);
    kl = (size_t)tg__rd(p + hdr - 2, 2);
    if (kl == 0 || kl > TGBOT_STORE_MAX_KEY || hdr + kl > len) { f->replay_err = TG_ERR_JSON; return 1; }
    memcpy(key, p + hdr, kl); key[kl] = 0;
    pp = tg__mem_find(f->mem, key, now);
    if (p[0] == 'D' || (deadline && deadline <= now)) { if (pp) tg__mem_drop(f->mem, pp); return 0; }
    if (tg__mem_put(f->mem, pp, key, p + hdr + kl, len - hdr - kl, 0, now) != TG_OK) { f->replay_err = TG_ERR_NOMEM; return 1; }
    pp = tg__mem_find(f->mem, key, now);
    if (pp) (*pp)->expires = deadline;
    f->appended++;
    return 0;
}

tg_err tg_store_file_new(tg_store **out, const tg_store_desc *desc, const char *path, tg_journal_sync_mode sync, tg_error *err) {
    tg_store_desc d;
    tg_store *s;
    tg__file_store *f;
    tg_journal_desc jd;
    tg_error local;
    tg_err e;
    if (!err) err = &local;
    if (!out || !path) return TG_ERR_ARG;
    *out = NULL;
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (!d.now_ms) d.now_ms = tg__wall_ms;          /* deadlines must mean the same after a restart */
    if ((e = tg__store_alloc(&s, &d, &tg__file_vt, sizeof(tg__file_store))) != TG_OK) return e;
    f = (tg__file_store *)s->impl;
    if ((e = tg_store_memory_new(&f->mem, &d)) != TG_OK) { tg__free(&s->alloc, f, sizeof *f); tg__free(&s->alloc, s, sizeof *s); return e; }
    memset(&jd, 0, sizeof jd);
    jd.path = path; jd.sync = sync; jd.allocator = d.allocator;
    jd.max_record = TGBOT_STORE_MAX_VALUE + TGBOT_STORE_MAX_KEY + 16;
    e = tg_journal_open(&f->j, &jd, tg__file_replay, s, err);
    if (e == TG_OK && f->replay_err) e = f->replay_err;
    if (e) {
        if (f->replay_err) tg__error_set(err, e, TG_PHASE_NONE, "store file %s: a record is not a store record", path);
        tg__file_destroy(s);
        return e;
    }
    *out = s;
    return TG_OK;
}

/* ---- conversation state ---- */
#define TG__FSM_MAX_STATE 64

typedef struct tg__fsm_reg {                 /* one tg_on_state registration */
    struct tg__fsm_reg *next;
    tg_fsm *f;
    tg_handler_fn fn;
    void *ud;
    char state[TG__FSM_MAX_STATE + 1];
} tg__fsm_reg;

struct tg_fsm {
    tg_fsm_desc d;
    tg_allocator alloc;
    char name[32];
    tg__fsm_reg *regs;
};

tg_err tg_fsm_new(tg_fsm **out, const tg_fsm_desc *desc, const tg_allocator *alloc) {
    tg_fsm *f;
    size_t i;
    if (!out || !desc || !desc->store) return TG_ERR_ARG;
    *out = NULL;
    for (i = 0; i < desc->transitions_count; i++) {
        const char *t = desc->transitions ? desc->transitions[i] : NULL;
        if (!t || !strchr(t, '>')) return TG_ERR_ARG;
    }
    if (desc->name && strlen(desc->name) >= sizeof f->name) return TG_ERR_LIMIT;
    f = (tg_fsm *)tg__alloc(alloc, sizeof *f);
    if (!f) return TG_ERR_NOMEM;
    memset(f, 0, sizeof *f);
    f->d = *desc;
    if (alloc) f->alloc = *alloc;
    snprintf(f->name, sizeof f->name, "%s", desc->name ? desc->name : "fsm");
    *out = f;
    return TG_OK;
}

void tg_fsm_free(tg_fsm *f) {
    tg_allocator a;
    if (!f) return;
    a = f->alloc;
    while (f->regs) { tg__fsm_reg *r = f->regs; f->regs = r->next; tg__free(&a, r, sizeof *r); }
    tg__free(&a, f, sizeof *f);
}

tg_fsm_key tg_fsm_key_of(const tg_ctx *ctx) {
    tg_fsm_key k;
    memset(&k, 0, sizeof k);
    if (!ctx) return k;
    k.bot_id = ctx->bot ? tg_bot_id(ctx->bot) : 0;
    k.chat_id = ctx->chat_id;
    k.user_id = ctx->from ? ctx->from->id : 0;
    k.business_connection_id = ctx->business_connection_id;
    return k;
}

static tg_err tg__fsm_keystr(const tg_fsm *f, const tg_fsm_key *k, char *out, size_t cap) {
    long long chat = f->d.scope == TG_FSM_USER ? 0 : (long long)k->chat_id;
    long long user = f->d.scope == TG_FSM_CHAT ? 0 : (long long)k->user_id;
    const char *bc = k->business_connection_id ? k->business_connection_id : "";
    int n;
    if (chat == 0 && user == 0) return TG_ERR_ARG;       /* an update with no conversation */
    n = snprintf(out, cap, "%s:%lld:%s:%lld:%lld", f->name, (long long)k->bot_id, bc, chat, user);
    return (n < 0 || (size_t)n >= cap) ? TG_ERR_LIMIT : TG_OK;
}

/* the stored value is {"s":"state","d":{...}}; absent = initial state, empty data. Parses work (a
   copy of the value: strings are decoded in place there) and points data at the same span of raw. */
static tg_err tg__fsm_parse(const tg_allocator *a, char *work, const char *raw, size_t len, const char **state,
                            size_t *slen, const char **data, size_t *dlen) {
    tg_json_doc d;
    tg_json_tok *toks;
    uint32_t ts, td, need;
    tg_err e = tg_json_parse(&d, work, len, NULL, 0, NULL);     /* count the tokens first */
    if (e != TG_OK && e != TG_ERR_LIMIT) return TG_ERR_JSON;
    need = d.needed ? d.needed : 1;
    toks = (tg_json_tok *)tg__alloc(a, need * sizeof *toks);
    if (!toks) return TG_ERR_NOMEM;
    memcpy(work, raw, len);
    e = tg_json_parse(&d, work, len, toks, need, NULL);
    if (e == TG_OK && tg_json_type_of(&d, 0) != TG_JSON_OBJECT) e = TG_ERR_JSON;
    if (e == TG_OK) {
        ts = tg_json_get(&d, 0, "s"); td = tg_json_get(&d, 0, "d");
        if (ts == TG_JSON_NOTFOUND || !tg_json_str(&d, ts, state, slen)) e = TG_ERR_JSON;
        else if (td == TG_JSON_NOTFOUND || tg_json_type_of(&d, td) != TG_JSON_OBJECT) e = TG_ERR_JSON;
        else { *data = raw + toks[td].start; *dlen = toks[td].len; }
    }
    tg__free(a, toks, need * sizeof *toks);
    return e == TG_OK ? TG_OK : TG_ERR_JSON;
}

static bool tg__fsm_allowed(const tg_fsm *f, const char *from, const char *to) {
    size_t i, fl = strlen(from), tl = strlen(to);
    if (!f->d.transitions || f->d.transitions_count == 0 || strcmp(from, to) == 0) return true;
    for (i = 0; i < f->d.transitions_count; i++) {
        const char *t = f->d.transitions[i], *gt = strchr(t, '>');
        size_t a = (size_t)(gt - t), b = strlen(gt + 1);
        bool fm = (a == 1 && t[0] == '*') || (a == fl && memcmp(t, from, fl) == 0);
        bool tm = (b == 1 && gt[1] == '*') || (b == tl && memcmp(gt + 1, to, tl) == 0);
        if (fm && tm) return true;
    }
    return false;
}

/* reads the conversation: value copied into cur (for the CAS), state and data pointing into work */
typedef struct tg__fsm_cur {
    char key[TGBOT_STORE_MAX_KEY + 1];
    char *raw; size_t rawlen; bool present;
    char *work;
    const char *state; size_t slen;
    const char *data; size_t dlen;
} tg__fsm_cur;

static void tg__fsm_cur_free(tg_fsm *f, tg__fsm_cur *c) {
    tg__free(&f->alloc, c->raw, TGBOT_STORE_MAX_VALUE);
    tg__free(&f->alloc, c->work, TGBOT_STORE_MAX_VALUE + 1);
    c->raw = c->work = NULL;
}

static tg_err tg__fsm_read(tg_fsm *f, const tg_fsm_key *k, tg__fsm_cur *c) {
    tg_err e;
    if (!c->raw) c->raw = (char *)tg__alloc(&f->alloc, TGBOT_STORE_MAX_VALUE);
    if (!c->work) c->work = (char *)tg__alloc(&f->alloc, TGBOT_STORE_MAX_VALUE + 1);
    if (!c->raw || !c->work) return TG_ERR_NOMEM;
    if ((e = tg__fsm_keystr(f, k, c->key, sizeof c->key)) != TG_OK) return e;
    e = tg_store_get(f->d.store, c->key, c->raw, TGBOT_STORE_MAX_VALUE, &c->rawlen);
    c->present = e == TG_OK;
    c->state = ""; c->slen = 0; c->data = "{}"; c->dlen = 2;
    if (e == TG_ERR_NOT_FOUND) return TG_OK;
    if (e) return e;
    memcpy(c->work, c->raw, c->rawlen); c->work[c->rawlen] = 0;
    /* a value this machine cannot read (another version, corruption): start the conversation over */
    if (tg__fsm_parse(&f->alloc, c->work, c->raw, c->rawlen, &c->state, &c->slen, &c->data, &c->dlen) != TG_OK) {
        tg__log(&f->d.store->logger, TG_LOG_WARN, "fsm %s: unreadable conversation state, reset", f->name);
        c->state = ""; c->slen = 0; c->data = "{}"; c->dlen = 2;
    }
    return TG_OK;
}

tg_err tg_fsm_get(tg_fsm *f, const tg_fsm_key *k, char *state, size_t state_cap, char *data_buf, size_t data_cap) {
    tg__fsm_cur c;
    tg_err e;
    if (!f || !k || !state || state_cap == 0) return TG_ERR_ARG;
    memset(&c, 0, sizeof c);
    e = tg__fsm_read(f, k, &c);
    if (e == TG_OK && (c.slen >= state_cap || (data_buf && c.dlen >= data_cap))) e = TG_ERR_LIMIT;
    if (e == TG_OK) {
        memcpy(state, c.state, c.slen); state[c.slen] = 0;
        if (data_buf) { memcpy(data_buf, c.data, c.dlen); data_buf[c.dlen] = 0; }
    }
    tg__fsm_cur_free(f, &c);
    return e;
}

tg_err tg_fsm_set(tg_fsm *f, const tg_fsm_key *k, const char *state, const char *data_json) {
    tg__fsm_cur c;
    tg_json_writer w;
    tg_err e = TG_OK;
    int tries;
    if (!f || !k) return TG_ERR_ARG;
    if (state && strlen(state) > TG__FSM_MAX_STATE) return TG_ERR_LIMIT;
    if (data_json) {                                   /* must be a JSON object */
        tg_json_doc d;
        size_t n = strlen(data_json);
        char *tmp;
        uint32_t need;
        if (n > TGBOT_STORE_MAX_VALUE) return TG_ERR_LIMIT;
        tmp = (char *)tg__alloc(&f->alloc, n + 1);
        if (!tmp) return TG_ERR_NOMEM;
        memcpy(tmp, data_json, n + 1);
        e = tg_json_parse(&d, tmp, n, NULL, 0, NULL);
        need = d.needed;
        if (e == TG_OK || e == TG_ERR_LIMIT) {
            tg_json_tok *t = (tg_json_tok *)tg__alloc(&f->alloc, (need ? need : 1) * sizeof *t);
            memcpy(tmp, data_json, n + 1);
            e = t ? tg_json_parse(&d, tmp, n, t, need ? need : 1, NULL) : TG_ERR_NOMEM;
            if (e == TG_OK && tg_json_type_of(&d, 0) != TG_JSON_OBJECT) e = TG_ERR_TYPE;
            tg__free(&f->alloc, t, (need ? need : 1) * sizeof *t);
        }
        tg__free(&f->alloc, tmp, n + 1);
        if (e) return e;
    }
    memset(&c, 0, sizeof c);
    tg_json_writer_init_grow(&w, &f->alloc);
    for (tries = 0; tries < 16; tries++) {
        char to[TG__FSM_MAX_STATE + 1];
        bool swapped = false;
        if ((e = tg__fsm_read(f, k, &c)) != TG_OK) break;
        if (state) snprintf(to, sizeof to, "%s", state);
        else { memcpy(to, c.state, c.slen); to[c.slen] = 0; }
        {
            char from[TG__FSM_MAX_STATE + 1];
            size_t fl = c.slen < TG__FSM_MAX_STATE ? c.slen : TG__FSM_MAX_STATE;
            memcpy(from, c.state, fl); from[fl] = 0;
            if (!tg__fsm_allowed(f, from, to)) {
                tg__log(&f->d.store->logger, TG_LOG_WARN, "fsm %s: transition to a state not allowed from the current one", f->name);
                e = TG_ERR_ARG; break;
            }
        }
        tg_json_writer_reset(&w);
        tg_json_obj_begin(&w);
        tg_json_key(&w, "s"); tg_json_write_str(&w, to);
        tg_json_key(&w, "d");
        if (data_json) tg_json_write_raw(&w, data_json, strlen(data_json));
        else tg_json_write_raw(&w, c.data, c.dlen);
        tg_json_obj_end(&w);
        if ((e = w.err) != TG_OK) break;
        if (w.len > TGBOT_STORE_MAX_VALUE) { e = TG_ERR_LIMIT; break; }
        e = tg_store_cas(f->d.store, c.key, c.present ? c.raw : NULL, c.present ? c.rawlen : 0,
                         w.buf, w.len, f->d.timeout_ms, &swapped);
        if (e || swapped) break;
        e = TG_ERR_LIMIT;                /* lost the race 16 times: report, change nothing */
    }
    tg_json_writer_free(&w);
    tg__fsm_cur_free(f, &c);
    return e;
}

tg_err tg_fsm_clear(tg_fsm *f, const tg_fsm_key *k) {
    char key[TGBOT_STORE_MAX_KEY + 1];
    tg_err e;
    if (!f || !k) return TG_ERR_ARG;
    if ((e = tg__fsm_keystr(f, k, key, sizeof key)) != TG_OK) return e;
    return tg_store_del(f->d.store, key);
}

static int tg__fsm_filter(tg_ctx *ctx, void *ud) {
    tg__fsm_reg *r = (tg__fsm_reg *)ud;
    char st[TG__FSM_MAX_STATE + 1];
    tg_fsm_key k = tg_fsm_key_of(ctx);
    if (tg_fsm_get(r->f, &k, st, sizeof st, NULL, 0) != TG_OK) return TG_CONTINUE;
    return strcmp(st, r->state) == 0 ? r->fn(ctx, r->ud) : TG_CONTINUE;
}

tg_err tg_on_state(tg_dispatcher *d, tg_fsm *f, const char *kind, const char *state, tg_handler_fn fn, void *ud) {
    tg__fsm_reg *r;
    tg_err e;
    if (!d || !f || !state || !fn) return TG_ERR_ARG;
    if (strlen(state) > TG__FSM_MAX_STATE) return TG_ERR_LIMIT;
    r = (tg__fsm_reg *)tg__alloc(&f->alloc, sizeof *r);
    if (!r) return TG_ERR_NOMEM;
    memset(r, 0, sizeof *r);
    r->f = f; r->fn = fn; r->ud = ud;
    memcpy(r->state, state, strlen(state) + 1);
    if ((e = tg_on_update(d, kind, tg__fsm_filter, r)) != TG_OK) { tg__free(&f->alloc, r, sizeof *r); return e; }
    r->next = f->regs; f->regs = r;
    return TG_OK;
}

#endif /* TGBOT__HAS_STORE */
