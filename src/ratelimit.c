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
static void tg__ratelimit_init(tg__ratelimit *rl, const tg_ratelimit_desc *d) {
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
    tg__ratelimit *rl = tg__rl_of(b);
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
    tg__ratelimit *rl = tg__rl_of(b);
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

TGBOT_API void tg_ratelimit_get_stats(const tg_bot *bot, tg_ratelimit_stats *out) { *out = tg__rl_of(bot)->st; }

TGBOT_API bool tg_ratelimit_set_fail_fast(tg_bot *bot, bool on) {
    bool was = tg__rl_of(bot)->d.fail_fast;
    tg__rl_of(bot)->d.fail_fast = on;
    return was;
}

TGBOT_API uint64_t tg_ratelimit_peek(tg_bot *bot, int64_t chat_id) {
    tg__ratelimit *rl = tg__rl_of(bot);
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

/* ---- the limiter as a stage. Its view of the call in progress (rl->cur ...) is kept per call,
   between the call's admit and its outcome, since other calls are admitted in between. ---- */
static void tg__rl_load(tg__ratelimit *rl, const tg__req *r) {
    rl->cur = r->rl.cur; rl->cur_counted = r->rl.counted; rl->cur_paid = r->rl.paid;
    rl->after_429 = r->rl.after_429; rl->cur_slowed = r->rl.slowed;
}
static void tg__rl_save(const tg__ratelimit *rl, tg__req *r) {
    r->rl.cur = rl->cur; r->rl.counted = rl->cur_counted; r->rl.paid = rl->cur_paid;
    r->rl.after_429 = rl->after_429; r->rl.slowed = rl->cur_slowed;
}
static tg_err tg__rl_st_admit(void *st, tg__req *r, tg_str *answer, tg_error *err) {
    tg__ratelimit *rl = tg__rl_of((tg_bot *)st);
    tg_err e;
    (void)answer;
    tg__rl_load(rl, r);
    e = tg__ratelimit_admit(r, r->attempt);
    tg__rl_save(rl, r);
    if (e) *err = r->bot->last;
    return e;
}
static bool tg__rl_st_outcome(void *st, tg__req *r, bool answered, int status, tg_err code, const tg_error *e) {
    tg__ratelimit *rl = tg__rl_of((tg_bot *)st);
    (void)answered; (void)status;
    tg__rl_load(rl, r);
    tg__ratelimit_outcome(r, code, e);
    tg__rl_save(rl, r);
    return false;
}
static void tg__rl_st_free(void *st) {
    tg_bot *b = (tg_bot *)st;
    tg__free(tg__bot_alloc(b), tg__rl_of(b), sizeof(tg__ratelimit));
}

TGBOT__INTERN tg_err tg__ratelimit_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err) {
    tg__stage s;
    tg__ratelimit *rl = (tg__ratelimit *)tg__alloc(tg__bot_alloc(b), sizeof *rl);
    (void)err;
    if (!rl) return TG_ERR_NOMEM;
    tg__ratelimit_init(rl, &d->ratelimit);
    *tg__bot_module(b, TG__MOD_RATELIMIT) = rl;
    memset(&s, 0, sizeof s);
    s.order = TG__ORDER_RATELIMIT;
    s.admit = tg__rl_st_admit;
    s.outcome = tg__rl_st_outcome;
    s.free = tg__rl_st_free;
    s.st = b;
    if (tg__bot_add_stage(b, &s) != TG_OK) { tg__rl_st_free(b); return TG_ERR_LIMIT; }
    return TG_OK;
}

#endif /* TGBOT__HAS_RATELIMIT */
