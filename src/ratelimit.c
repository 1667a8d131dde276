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

/* ---- exact sliding log: at most `limit` sends in any `window` ms ---- */
static uint64_t tg__rl_log_wait(const tg__rl_log *g, const uint64_t *ts, uint32_t cap, uint32_t limit, uint32_t window, uint64_t t) {
    uint64_t ready;
    if (limit > cap) limit = cap;
    if (limit == 0) limit = 1;
    if (g->n < limit) return 0;
    ready = ts[(g->head + g->n - limit) % cap] + window;     /* the limit-th most recent, a window on */
    return ready > t ? ready - t : 0;
}
static void tg__rl_log_add(tg__rl_log *g, uint64_t *ts, uint32_t cap, uint64_t t) {
    if (g->n < cap) { ts[(g->head + g->n) % cap] = t; g->n++; }
    else { ts[g->head] = t; g->head = (g->head + 1) % cap; }
}
/* the latest send is counted from `t` (its answer) instead of its admission */
static void tg__rl_log_restamp(tg__rl_log *g, uint64_t *ts, uint32_t cap, uint64_t t) {
    uint64_t *last;
    if (!g->n) return;
    last = &ts[(g->head + g->n - 1) % cap];
    if (t > *last) *last = t;
}
/* a slowed scope allows fewer in its window: limit times the rate, at least 1 */
static uint32_t tg__rl_scaled(uint32_t limit, uint32_t cost) {
    uint64_t l = (uint64_t)limit * TG_RL_ONE / (cost ? cost : TG_RL_ONE);
    return l ? (uint32_t)l : 1u;
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
#if !TGBOT__HAS_STORE
    rl->d.store = NULL;               /* built without the store: limits stay in this process */
#endif
    tg_sliding_window_init(&rl->global, rl->d.global_per_s, 1000);
    tg_token_bucket_init(&rl->paid, rl->d.paid_per_s, 1000, rl->d.paid_per_s);
}

/* the rate of a scope at time t, in thousandths of its full rate */
static uint32_t tg__rl_permille(const tg__ratelimit *rl, const tg__rl_scope *sc, uint64_t t) {
    uint64_t p;
    if (!sc->slow_since) return 1000;
    if (t <= sc->slow_since) return sc->slow_permille;
    p = sc->slow_permille + (1000u - sc->slow_permille) * (t - sc->slow_since) / rl->d.recover_ms;
    return p >= 1000 ? 1000u : (uint32_t)p;
}
static uint32_t tg__rl_cost(const tg__ratelimit *rl, const tg__rl_scope *sc, uint64_t t) {
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
        else if (victim->in_use && !c->inflight && (victim->inflight || c->used < victim->used)) victim = c;   /* never one in flight, if it can be helped */
    }
    c = victim;                                   /* a free slot, or the least recently used */
    if (!c->in_use) rl->st.chats++;
    memset(c, 0, sizeof *c);
    c->in_use = true;
    c->key = key;
    c->group = group;
    c->used = now;
    if (group) {
        tg_leaky_bucket_init(&c->gap, 1, TGBOT_RATELIMIT_GROUP_GAP_MS, 1);
    } else {
        tg_leaky_bucket_init(&c->gap, rl->d.private_per_s, 1000, rl->d.private_burst);
    }
    return c;
}

/* reads chat_id and allow_paid_broadcast from the call's parameters (a scratch parse in the arena) */
static void tg__rl_classify(tg__req *r, tg__ratelimit *rl, uint64_t now) {
    tg_bot *b = r->bot;
    const char *json = r->raw_params ? r->raw_params : r->w->buf;
    size_t len = r->raw_params ? strlen(r->raw_params) : r->w->len, mark = tg_arena_mark(tg_bot_arena(b));
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
    tg_arena_rewind(tg_bot_arena(b), mark);
    rl->cur_paid = paid;
    if (have) rl->cur = tg__rl_chat_of(rl, id, id < 0, now);
}

static uint64_t tg__rl_now(const tg_bot *b, const tg__ratelimit *rl) {
    uint64_t now = tg__now_ms(tg__bot_platform(b));
    return now > rl->vclock ? now : rl->vclock;
}

/* A message in flight may reach Telegram at any moment until its answer is in, so until then it
   counts as sent "now": its chat takes no other (beyond the burst), and the global lane counts it
   in every window. A call held back only by messages in flight asks again after this: */
#define TG__RL_RECHECK_MS 20u
static bool tg__rl_held_by_inflight(const tg__ratelimit *rl, uint64_t t) {
    const tg__rl_chat *c = rl->cur;
    if (c && c->inflight >= (c->group ? 1u : rl->d.private_burst)) return true;
    return !rl->cur_paid && rl->d.global_per_s <= TGBOT_RATELIMIT_GLOBAL_LOG &&
           rl->inflight >= tg__rl_scaled(rl->d.global_per_s, tg__rl_cost(rl, &rl->global_sc, t));
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
        tg_leaky_bucket l = c->gap;
        x = tg_leaky_bucket_take(take ? &c->gap : &l, t, cost);
        if (x > w) w = x;
        if (c->group) {
            x = tg__rl_log_wait(&c->grp, c->grp_t, TGBOT_RATELIMIT_GROUP_LOG, tg__rl_scaled(rl->d.group_per_min, cost), 60000, t);
            if (x > w) w = x;
            if (take && !x) tg__rl_log_add(&c->grp, c->grp_t, TGBOT_RATELIMIT_GROUP_LOG, t);
        }
    }
    {
        uint32_t cost = tg__rl_cost(rl, &rl->global_sc, t);
        if (rl->cur_paid) { tg_token_bucket p = rl->paid; x = tg_token_bucket_take(take ? &rl->paid : &p, t, cost); }
        else if (rl->d.global_per_s > TGBOT_RATELIMIT_GLOBAL_LOG) { tg_sliding_window s = rl->global; x = tg_sliding_window_take(take ? &rl->global : &s, t, cost); }
        else {   /* answered sends in the log, those in flight on top (tg__rl_ready let fewer than lim be in flight) */
            uint32_t lim = tg__rl_scaled(rl->d.global_per_s, cost);
            x = tg__rl_log_wait(&rl->glog, rl->glog_t, TGBOT_RATELIMIT_GLOBAL_LOG,
                                lim > rl->inflight ? lim - rl->inflight : 1u, 1000, t);
        }
        if (x > w) w = x;
    }
    return w;
}

/* the earliest time from t at which every scope of the current call lets it go */
static uint64_t tg__rl_ready(tg__ratelimit *rl, uint64_t t) {
    int i;
    if (tg__rl_held_by_inflight(rl, t)) return t + TG__RL_RECHECK_MS;   /* no time can be known: ask again */
    for (i = 0; i < 16; i++) {                    /* the latest time any scope asks for; a few rounds at most */
        uint64_t w = tg__rl_try(rl, t, false);
        if (!w) break;
        t += w;
    }
    return t;
}

#if TGBOT__HAS_STORE
/* [shared] the lanes of a call in the desc's store, shared by every process sending for this token
   (store.h): GCRA per lane, all lanes or none in one atomic step. A private chat: its own spacing
   and burst; a group: one message per max(GROUP_GAP, a minute / group_per_min + 1 ms), so that both
   of Telegram's group limits hold (both plus a 50 ms margin); the bot: one message per 1000 / global_per_s ms rounded up,
   plus 1 ms (at most global_per_s in any second). A chat's spacing restarts from its answer (stamp);
   a 429 pauses the lane for every process. Not shared: the half-rate recovery after a 429. */
/* a chat's lane counts from the admission until the answer stamps it; the time from one process's
   admission to its message's arrival (a busy host, a slow network) must not let another process's
   next message arrive under Telegram's spacing: each chat interval carries this margin */
#define TG__RL_SHARED_MARGIN_MS 50u
static size_t tg__rl_lanes(const tg_bot *b, const tg__ratelimit *rl, tg_store_lane *l, char keys[2][64]) {
    long long bot = (long long)tg_bot_id(b);
    size_t n = 0;
    if (rl->cur) {
        snprintf(keys[n], sizeof keys[n], "rl:%lld:c:%lld", bot, (long long)rl->cur->key);
        l[n].key = keys[n];
        if (rl->cur->group) {
            uint32_t g = 60000u / rl->d.group_per_min + 1u;
            l[n].interval_ms = (g > TGBOT_RATELIMIT_GROUP_GAP_MS ? g : TGBOT_RATELIMIT_GROUP_GAP_MS) + TG__RL_SHARED_MARGIN_MS;
            l[n].burst = 1;
        } else {
            l[n].interval_ms = (1000u + rl->d.private_per_s - 1u) / rl->d.private_per_s + TG__RL_SHARED_MARGIN_MS;
            l[n].burst = rl->d.private_burst;
        }
        n++;
    }
    snprintf(keys[n], sizeof keys[n], rl->cur_paid ? "rl:%lld:paid" : "rl:%lld:g", bot);
    l[n].key = keys[n];
    l[n].interval_ms = rl->cur_paid ? 1u : (1000u + rl->d.global_per_s - 1u) / rl->d.global_per_s + 1u;
    l[n].burst = rl->cur_paid ? rl->d.paid_per_s : 1u;
    return n + 1;
}

/* takes the slot on every lane, or says when to ask again (*until: the engine parks the call) */
static tg_err tg__rl_shared_admit(tg__req *r, tg__ratelimit *rl, uint64_t *until) {
    tg_bot *b = r->bot;
    tg_store_lane l[2];
    char keys[2][64];
    size_t n = tg__rl_lanes(b, rl, l, keys);
    uint64_t w = 0;
    tg_err e = tg_store_admit_lanes(rl->d.store, l, n, &w);
    if (e) {                          /* nothing was sent: the caller may try again later */
        rl->st.refused++;
        tg__error_set(tg__bot_refusal(b), TG_ERR_LIMIT, TG_PHASE_VALIDATE,
                      "%s: the shared rate limiter's store is unreachable (%s); not sent", r->method, tg_err_str(e));
        return TG_ERR_LIMIT;
    }
    if (!w) { rl->after_429 = false; return TG_OK; }
    if (rl->d.fail_fast || (rl->d.max_wait_ms && w > rl->d.max_wait_ms)) {
        rl->st.refused++;
        tg__error_set(tg__bot_refusal(b), TG_ERR_LIMIT, TG_PHASE_VALIDATE, "%s: rate limit: it would have to wait %llu ms; not sent",
                      r->method, (unsigned long long)w);
        tg__bot_refusal(b)->retry_after = (int32_t)((w + 999) / 1000 > 86400 ? 86400 : (w + 999) / 1000);
        return TG_ERR_LIMIT;
    }
    rl->st.waits++;
    rl->st.wait_ms += w;
    {   /* a RATE_LIMITED event with delay_ms: the limiter makes this call wait */
        tg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = TG_EVENT_RATE_LIMITED; ev.method = r->method;
        ev.delay_ms = w > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)w;
        tg__emit(b, &ev);
    }
    *until = tg__now_ms(tg__bot_platform(b)) + w;  /* nothing taken: the lanes are asked again then */
    return TG_OK;
}

static void tg__rl_shared_outcome(tg__req *r, tg__ratelimit *rl, tg_err code, const tg_error *e) {
    tg_store_lane l[2];
    char keys[2][64];
    (void)tg__rl_lanes(r->bot, rl, l, keys);       /* l[0]: the chat's lane, or the bot's without a chat */
    if (code == TG_ERR_API && e->error_code == 429) {
        rl->st.pauses++;
        tg_store_pause(rl->d.store, l[0].key, (uint32_t)(e->retry_after > 0 ? e->retry_after : 1) * 1000u);
    } else if (rl->cur) {
        tg_store_stamp(rl->d.store, l, 1);          /* the chat's next message counts from this answer */
    }
}
#endif

/* the call's message is on its way (admitted, or a retry keeping its slot) / its answer is in:
   counted = Telegram may have counted it (anything but a 429), so the global lane logs it now */
static void tg__rl_hold(tg__req *r, tg__ratelimit *rl) {
    if (r->rl.inflight) return;
    r->rl.inflight = true;
    rl->inflight++;
    if (rl->cur) rl->cur->inflight++;
}
static void tg__rl_release(tg__req *r, tg__ratelimit *rl, bool counted, uint64_t now) {
    if (!r->rl.inflight) return;
    r->rl.inflight = false;
    if (rl->inflight) rl->inflight--;
    if (rl->cur && rl->cur->inflight) rl->cur->inflight--;
    if (counted && !rl->cur_paid && rl->d.global_per_s <= TGBOT_RATELIMIT_GLOBAL_LOG)
        tg__rl_log_add(&rl->glog, rl->glog_t, TGBOT_RATELIMIT_GLOBAL_LOG, now + 1);
}

/* [limits] before each attempt of a call: takes its slot, or says when it comes (*until: the
   engine parks the call and asks again then, so other calls go on meanwhile), or refuses
   (fail_fast, max_wait_ms) */
TGBOT__INTERN tg_err tg__ratelimit_admit(tg__req *r, uint32_t attempt, uint64_t *until) {
    tg_bot *b = r->bot;
    tg__ratelimit *rl = tg__rl_of(b);
    uint64_t now, t;
    if (rl->d.disabled) return TG_OK;
    now = tg__rl_now(b, rl);
    if (attempt == 0) {
        rl->after_429 = rl->cur_slowed = false;
        rl->cur_counted = tg__rl_counted(r);
        if (rl->cur_counted) tg__rl_classify(r, rl, now);
    }
    if (!rl->cur_counted) return TG_OK;
#if TGBOT__HAS_STORE
    if (rl->d.store) {                /* [shared] a retry keeps its slot unless Telegram refused it */
        if (attempt > 0 && !rl->after_429) return TG_OK;
        return tg__rl_shared_admit(r, rl, until);
    }
#endif
    if (attempt > 0) {
        /* a retry after a network error or a 5xx keeps the call's slot (that attempt never arrived
           or did nothing). After a 429 the back-off slept retry_after, which is the pause served;
           then the retry is a new message to Telegram: it takes fresh slots, at the slowed rate,
           so that neither it nor the next message draws another 429 */
        if (!rl->after_429) { tg__rl_hold(r, rl); return TG_OK; }
        {
            tg__rl_scope *sc = rl->cur ? &rl->cur->sc : &rl->global_sc;
            if (sc->pause_until > rl->vclock) rl->vclock = sc->pause_until;
        }
        now = tg__rl_now(b, rl);
    }
    t = tg__rl_ready(rl, now);
    if (t > now) {
        uint64_t wait = t - now;
        if (rl->d.fail_fast || (rl->d.max_wait_ms && wait > rl->d.max_wait_ms)) {
            tg_error *e = tg__bot_refusal(b);
            rl->st.refused++;
            tg__error_set(e, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "%s: rate limit: it would have to wait %llu ms; not sent",
                          r->method, (unsigned long long)wait);
            e->retry_after = (int32_t)((wait + 999) / 1000 > 86400 ? 86400 : (wait + 999) / 1000);
            return TG_ERR_LIMIT;
        }
        rl->st.waits++;
        rl->st.wait_ms += wait;
        {   /* a RATE_LIMITED event with delay_ms: the limiter makes this call wait */
            tg_event ev;
            memset(&ev, 0, sizeof ev);
            ev.type = TG_EVENT_RATE_LIMITED; ev.method = r->method;
            ev.delay_ms = wait > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)wait;
            tg__emit(b, &ev);
        }
        tg__log(tg__bot_logger(b), TG_LOG_DEBUG, "%s: rate limit: waiting %llu ms", r->method, (unsigned long long)wait);
        *until = t;                   /* nothing taken: the slot is computed again then */
        return TG_OK;
    }
    rl->after_429 = false;
    tg__rl_try(rl, t, true);
    tg__rl_hold(r, rl);
    if (rl->cur) rl->cur->used = t;
    return TG_OK;
}

/* [limits] after each attempt: the chat's spacing restarts from now, when the answer is in (the
   server counted the message at some time before it answered); a 429 pauses the call's chat (or
   the global lane) and slows it */
TGBOT__INTERN void tg__ratelimit_outcome(tg__req *r, tg_err code, const tg_error *e) {
    tg_bot *b = r->bot;
    tg__ratelimit *rl = tg__rl_of(b);
    tg__rl_scope *sc;
    uint64_t now, until;
    uint32_t p;
    if (rl->d.disabled || !rl->cur_counted) return;
#if TGBOT__HAS_STORE
    if (rl->d.store) {
        if (code == TG_ERR_API && e->error_code == 429) rl->after_429 = true;
        tg__rl_shared_outcome(r, rl, code, e);
        return;
    }
#endif
    now = tg__rl_now(b, rl);
    /* the drain since admission is forfeit; the clock reads whole milliseconds, truncated, so an
       answer may have come up to 1 ms after `now`: a message counts from the next one. A refused
       one (429) did not count at Telegram; its slot is kept, from `now`, under the pause */
    if (code != TG_ERR_API || e->error_code != 429) {
        if (rl->cur && now + 1 > rl->cur->gap.last) rl->cur->gap.last = now + 1;
        if (rl->cur && rl->cur->group) tg__rl_log_restamp(&rl->cur->grp, rl->cur->grp_t, TGBOT_RATELIMIT_GROUP_LOG, now + 1);
        tg__rl_release(r, rl, true, now);
        return;
    }
    tg__rl_release(r, rl, false, now);
    if (rl->cur && now > rl->cur->gap.last) rl->cur->gap.last = now;
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

static tg__rl_chat *tg__rl_find(tg__ratelimit *rl, int64_t chat_id) {
    size_t i;
    for (i = 0; i < TGBOT_RATELIMIT_CHATS && chat_id; i++)
        if (rl->chats[i].in_use && rl->chats[i].key == chat_id) return &rl->chats[i];
    return NULL;
}

/* the wait of a message to chat c (NULL: a chat with no state yet) at now, taking nothing */
static uint64_t tg__rl_wait_of(tg__ratelimit *rl, tg__rl_chat *c, uint64_t now) {
    tg__rl_chat *saved = rl->cur;
    bool paid = rl->cur_paid;
    uint64_t w;
    rl->cur = c;
    rl->cur_paid = false;
    w = tg__rl_ready(rl, now) - now;
    rl->cur = saved;
    rl->cur_paid = paid;
    return w;
}

TGBOT_API uint64_t tg_ratelimit_peek(tg_bot *bot, int64_t chat_id) {
    tg__ratelimit *rl = tg__rl_of(bot);
    if (rl->d.disabled) return 0;
    return tg__rl_wait_of(rl, tg__rl_find(rl, chat_id), tg__rl_now(bot, rl));
}

TGBOT_API size_t tg_ratelimit_pick(tg_bot *bot, const int64_t *chat_ids, size_t n, uint64_t *wait_ms) {
    tg__ratelimit *rl = tg__rl_of(bot);
    uint64_t now = tg__rl_now(bot, rl), best_w = 0, best_used = 0;
    size_t i, best = n;
    for (i = 0; i < n; i++) {
        tg__rl_chat *c = rl->d.disabled ? NULL : tg__rl_find(rl, chat_ids[i]);
        uint64_t w = rl->d.disabled ? 0 : tg__rl_wait_of(rl, c, now), used = c ? c->used : 0;
        /* of equal waits the chat served longest ago: round robin, so every chat's queue shrinks
           evenly and the broadcast does not end on a few chats at 1 per second */
        if (best == n || w < best_w || (w == best_w && used < best_used)) { best = i; best_w = w; best_used = used; }
    }
    if (wait_ms) *wait_ms = best_w;
    return best;
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
static tg_err tg__rl_st_admit(void *st, tg__req *r, tg_str *answer, uint64_t *until, tg_error *err) {
    tg__ratelimit *rl = tg__rl_of((tg_bot *)st);
    tg_err e;
    (void)answer;
    tg__rl_load(rl, r);
    /* the engine slept through the platform's sleep hook until then: that much time has passed,
       whatever the clock says (a test's fake sleep does not move it) */
    if (r->slept_to > rl->vclock) rl->vclock = r->slept_to;
    e = tg__ratelimit_admit(r, r->attempt, until);
    tg__rl_save(rl, r);
    if (e) *err = *tg__bot_refusal(r->bot);
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
/* a call that ends without an outcome for its last admission (a webhook reply, a refusal by a later
   stage, a cancel): its slot counts as used from now */
static void tg__rl_st_done(void *st, tg__req *r, tg_err code, const tg_error *e, uint64_t ms, const char *body, size_t body_len) {
    tg_bot *b = (tg_bot *)st;
    tg__ratelimit *rl = tg__rl_of(b);
    (void)code; (void)e; (void)ms; (void)body; (void)body_len;
    if (!r->rl.inflight) return;
    tg__rl_load(rl, r);
    tg__rl_release(r, rl, true, tg__rl_now(b, rl));
    tg__rl_save(rl, r);
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
    s.done = tg__rl_st_done;
    s.free = tg__rl_st_free;
    s.st = b;
    if (tg__bot_add_stage(b, &s) != TG_OK) { tg__rl_st_free(b); return TG_ERR_LIMIT; }
    return TG_OK;
}

#endif /* TGBOT__HAS_RATELIMIT */
