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
    tg_store *shared;                      /* entries kept there instead (desc.shared) */
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

/* ---- shared across processes (desc.shared): entries live in a tg_store under a key that hashes
   the method, the parameters and the nonces of the scopes that may invalidate them (everything, the
   method's group, the chat). Invalidating a scope writes it a fresh random nonce: every worker's
   next lookup computes another key, and the old entries are never read again (they expire by their
   TTL). A nonce lives longer than any entry, so a scope whose nonce expired ("0" again) has no
   entry left from before. The local LRU is not used then: a worker could not see another's writes. ---- */
#if TGBOT__HAS_STORE
static uint32_t tg__cache_max_ttl(const tg__cache *c) {
    uint32_t i, m = TG__CACHE_HOUR;
    for (i = 0; i < c->nover; i++)
        if (c->over[i].ttl_ms > m) m = c->over[i].ttl_ms;
    return m;
}

static void tg__cache_scope_key(const tg__cache *c, const char *scope, char key[96]) {
    snprintf(key, 96, "cg:%lld:%s", (long long)tg_bot_id(c->bot), scope);
}

/* the scope's nonce ("0": never invalidated); false when the store cannot answer (no caching then) */
static bool tg__cache_nonce(const tg__cache *c, const char *scope, char out[40]) {
    char key[96];
    size_t n = 0;
    tg_err e;
    tg__cache_scope_key(c, scope, key);
    e = tg_store_get(c->shared, key, out, 39, &n);
    if (e == TG_ERR_NOT_FOUND) n = 0;
    else if (e != TG_OK) return false;
    if (n == 0) out[n++] = '0';
    out[n] = '\0';
    return true;
}

static void tg__cache_bump(tg__cache *c, const char *scope) {
    char key[96], nonce[33];
    tg__cache_scope_key(c, scope, key);
    tg_store_owner_id(nonce);
    /* an error leaves the old entries readable until their TTL (the store is down for everyone) */
    if (tg_store_set(c->shared, key, nonce, 16, tg__cache_max_ttl(c) + TG__CACHE_MIN) == TG_OK) c->st.invalidations++;
}

/* the entry's key for this call, or false (store unreachable) */
static bool tg__cache_shared_key(tg__cache *c, const char *method, unsigned char group, const char *json,
                                 size_t len, char key[96]) {
    static const char hex[] = "0123456789abcdef";
    char n_all[40], n_grp[40], n_chat[40] = "0", scope[48], chat[40];
    unsigned char h[32];
    tg_sha256 s;
    int i, k;
    snprintf(scope, sizeof scope, "g%u", (unsigned)group);
    if (!tg__cache_nonce(c, "all", n_all) || !tg__cache_nonce(c, scope, n_grp)) return false;
    if (group == TG__CG_CHAT && tg__cache_chat_of(c->bot, json, len, chat)) {
        snprintf(scope, sizeof scope, "c:%s", chat);
        if (!tg__cache_nonce(c, scope, n_chat)) return false;
    }
    tg_sha256_init(&s);
    tg_sha256_update(&s, method, strlen(method) + 1);
    tg_sha256_update(&s, json, len);
    tg_sha256_update(&s, "", 1);
    tg_sha256_update(&s, n_all, strlen(n_all) + 1);
    tg_sha256_update(&s, n_grp, strlen(n_grp) + 1);
    tg_sha256_update(&s, n_chat, strlen(n_chat));
    tg_sha256_final(&s, h);
    k = snprintf(key, 96, "ce:%lld:", (long long)tg_bot_id(c->bot));
    for (i = 0; i < 20; i++) { key[k++] = hex[h[i] >> 4]; key[k++] = hex[h[i] & 15]; }
    key[k] = '\0';
    return true;
}

static bool tg__cache_shared_lookup(tg__cache *c, tg__req *r, unsigned char group, const char **body, size_t *body_len) {
    tg_arena *a = tg_bot_arena(c->bot);
    size_t mark = tg_arena_mark(a), n = 0, cap = 4096;
    char *buf;
    tg_err e;
    if (!tg__cache_shared_key(c, r->method, group, r->json, r->json_len, r->cache_key)) {
        r->cache_key[0] = '\0';
        return false;
    }
    if (!(buf = (char *)tg_arena_alloc(a, cap + 1))) return false;
    e = tg_store_get(c->shared, r->cache_key, buf, cap, &n);
    if (e == TG_ERR_LIMIT && n > cap && (buf = (char *)tg_arena_alloc(a, n + 1)) != NULL)
        e = tg_store_get(c->shared, r->cache_key, buf, n, &n);
    if (e != TG_OK || !buf) {       /* a miss (or the store is down): the call goes to Telegram */
        tg_arena_rewind(a, mark);
        c->st.misses++;
        return false;
    }
    buf[n] = '\0';
    c->st.hits++;
    *body = buf;
    *body_len = n;
    return true;
}

static void tg__cache_shared_store(tg__cache *c, tg__req *r, uint32_t ttl, const char *body, size_t body_len) {
    if (!r->cache_key[0] || body_len > c->max_bytes) return;
    /* the key of the lookup: an invalidation since then makes this answer unreachable, as it should */
    if (tg_store_set(c->shared, r->cache_key, body, body_len, ttl) == TG_OK) c->st.stores++;
    r->cache_key[0] = '\0';
}
#else
static bool tg__cache_shared_lookup(tg__cache *c, tg__req *r, unsigned char group, const char **body, size_t *body_len) {
    (void)c; (void)r; (void)group; (void)body; (void)body_len;
    return false;
}
static void tg__cache_shared_store(tg__cache *c, tg__req *r, uint32_t ttl, const char *body, size_t body_len) {
    (void)c; (void)r; (void)ttl; (void)body; (void)body_len;
}
static void tg__cache_bump(tg__cache *c, const char *scope) { (void)c; (void)scope; }
#endif

/* drops a scope: the local entries, or the shared scope's nonce */
static uint32_t tg__cache_drop(tg__cache *c, unsigned char group, const char *chat) {
    char scope[48];
    if (!c->shared) return tg__cache_drop_if(c, group, NULL, chat);
    if (chat) snprintf(scope, sizeof scope, "c:%s", chat);
    else if (group) snprintf(scope, sizeof scope, "g%u", (unsigned)group);
    else snprintf(scope, sizeof scope, "all");
    tg__cache_bump(c, scope);
    return 0;
}

/* ---- the pipeline's side ---- */

TGBOT__INTERN bool tg__cache_lookup(tg__cache *c, tg__req *r, const char *json, size_t len,
                                    const char **body, size_t *body_len) {
    unsigned char group;
    uint32_t h;
    tg__cache_entry *en;
    r->cache_key[0] = '\0';
    if (!(r->flags & TG__CALL_READ) || r->file_path || tg__cache_rule(c, r->method, &group) == 0) return false;
    if (c->shared) return tg__cache_shared_lookup(c, r, group, body, body_len);
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

static void tg__cache_store(tg__cache *c, tg__req *r, const char *json, size_t len, const char *body, size_t body_len) {
    unsigned char group;
    uint32_t ttl = tg__cache_rule(c, r->method, &group), h;
    size_t ml = strlen(r->method), size = sizeof(tg__cache_entry) + ml + 1 + len + body_len + 1;
    tg__cache_entry *en;
    if (ttl == 0) return;
    if (c->shared) { tg__cache_shared_store(c, r, ttl, body, body_len); return; }
    if (size > c->max_bytes) return;
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
    if (!c->shared && c->st.entries == 0) return;    /* nothing to drop: no parsing */
    if (strcmp(m, "logOut") == 0 || strcmp(m, "close") == 0) { tg__cache_drop(c, 0, NULL); return; }
    if (tg__cache_prefix(m, bot_w, sizeof bot_w / sizeof bot_w[0])) tg__cache_drop(c, TG__CG_BOT, NULL);
    if (!tg__cache_prefix(m, no_chat, sizeof no_chat / sizeof no_chat[0])) {
        if (tg__cache_chat_of(c->bot, json, len, chat)) tg__cache_drop(c, TG__CG_CHAT, chat);
        else if (tg__cache_prefix(m, chat_w, sizeof chat_w / sizeof chat_w[0])) tg__cache_drop(c, TG__CG_CHAT, NULL);
    }
    if ((flags & TG__CALL_SPENDS) || strstr(m, "Gift") || strstr(m, "Star") ||
        (json && strstr(json, "\"allow_paid_broadcast\":true")))
        tg__cache_drop(c, TG__CG_STARS, NULL);
    if (!c->shared || c->nover) tg__cache_drop(c, TG__CG_OTHER, NULL);   /* shared: only a worker with overrides */
}

TGBOT__INTERN void tg__cache_after(tg__cache *c, tg__req *r, const char *json, size_t len, tg_err code,
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

/* ---- the cache as a stage: admit answers a fresh read; done stores reads, drops what writes touch ---- */
static tg_err tg__cache_st_admit(void *st, tg__req *r, tg_str *answer, uint64_t *until, tg_error *err) {
    tg__cache *c = *tg__bot_cache_slot((tg_bot *)st);
    (void)err; (void)until;
    if (c) tg__cache_lookup(c, r, r->json, r->json_len, &answer->ptr, &answer->len);
    return TG_OK;
}
static void tg__cache_st_done(void *st, tg__req *r, tg_err code, const tg_error *e, uint64_t ms, const char *body, size_t body_len) {
    tg__cache *c = *tg__bot_cache_slot((tg_bot *)st);
    (void)e; (void)ms;
    if (c) tg__cache_after(c, r, r->json, r->json_len, code, body, body_len);
}
static void tg__cache_st_free(void *st) { tg_cache_disable((tg_bot *)st); }

TGBOT__INTERN tg_err tg__cache_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err) {
    tg__stage s;
    tg_err e;
    memset(&s, 0, sizeof s);
    s.order = TG__ORDER_CACHE;
    s.admit = tg__cache_st_admit;
    s.done = tg__cache_st_done;
    s.free = tg__cache_st_free;
    s.st = b;
    if ((e = tg__bot_add_stage(b, &s)) != TG_OK) return e;
    if (d->cache.enabled && (e = tg_cache_enable(b, &d->cache)) != TG_OK) {
        tg__error_set(err, e, TG_PHASE_VALIDATE, "out of memory for the cache");
        return e;
    }
    return TG_OK;
}

/* ---- the public side ---- */

TGBOT_API tg_err tg_cache_enable(tg_bot *bot, const tg_cache_desc *d) {
    tg__cache **slot = tg__bot_cache_slot(bot), *c = *slot;
    uint32_t max_entries = d && d->max_entries ? d->max_entries : 256, nb = 16;
    size_t max_bytes = d && d->max_bytes ? d->max_bytes : (size_t)1 << 20;
    if (d && d->shared && !TGBOT__HAS_STORE) return TG_ERR_UNSUPPORTED;
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
    c->shared = d ? d->shared : NULL;
    if (c->shared) tg__cache_drop_if(c, 0, NULL, NULL);    /* local entries would outlive others' writes */
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
    unsigned char group = 0;
    if (c && c->shared) {            /* shared: the method's whole group (or everything) goes */
        if (method) tg__cache_rule(c, method, &group);
        if (method && !group) return 0;
        return tg__cache_drop(c, group, NULL);
    }
    return c ? tg__cache_drop_if(c, 0, method, NULL) : 0;
}

TGBOT_API void tg_cache_get_stats(const tg_bot *bot, tg_cache_stats *out) {
    const tg__cache *c = *tg__bot_cache_slot(bot);
    if (c) *out = c->st;
    else memset(out, 0, sizeof *out);
}

#endif /* TGBOT__HAS_CACHE */
