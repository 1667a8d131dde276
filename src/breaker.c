/* breaker: the circuit breaker's state machine (see breaker.h). */
#if TGBOT__HAS_BREAKER

static void tg__breaker_init(tg__breaker *br, const tg_breaker_desc *d) {
    memset(br, 0, sizeof *br);
    br->d = *d;
    if (!br->d.failures) br->d.failures = 10;
    if (!br->d.open_ms) br->d.open_ms = 30000;
    if (!br->d.probes) br->d.probes = 1;
}

static void tg__breaker_set(tg_bot *b, tg_breaker_state s) {
    tg__breaker *br = tg__br_of(b);
    if (br->st.state == s) return;
    br->st.state = s;
    br->st.probe_successes = 0;
    if (s == TG_BREAKER_OPEN) { br->st.opened_at = tg__now_ms(tg__bot_platform(b)); br->st.opens++; }
    if (s == TG_BREAKER_CLOSED) br->st.consecutive_failures = 0;
    tg__log(tg__bot_logger(b), s == TG_BREAKER_OPEN ? TG_LOG_WARN : TG_LOG_INFO, "circuit breaker %s", tg_breaker_state_str(s));
    {
        tg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = TG_EVENT_BREAKER; ev.breaker_state = (int)s;
        tg__emit(b, &ev);
    }
}

/* [limits] before each attempt: refuses at once while open; after open_ms lets a probe through */
TGBOT__INTERN tg_err tg__breaker_admit(tg__req *r) {
    tg_bot *b = r->bot;
    tg__breaker *br = tg__br_of(b);
    uint64_t now, left;
    if (br->d.disabled || br->st.state != TG_BREAKER_OPEN) return TG_OK;
    now = tg__now_ms(tg__bot_platform(b));
    if (now >= br->st.opened_at + br->d.open_ms) { tg__breaker_set(b, TG_BREAKER_HALF_OPEN); return TG_OK; }
    left = br->st.opened_at + br->d.open_ms - now;
    br->st.rejected++;
    tg__error_set(tg__bot_refusal(b), TG_ERR_BREAKER_OPEN, TG_PHASE_VALIDATE,
                  "%s: circuit breaker open after %u failures (probing again in %llu ms); not sent",
                  r->method, (unsigned)br->st.consecutive_failures, (unsigned long long)left);
    tg__bot_refusal(b)->retry_after = (int32_t)((left + 999) / 1000);
    return TG_ERR_BREAKER_OPEN;
}

/* [limits] after each attempt: answered says whether an HTTP answer arrived (status its status);
   true when the breaker is open now: the call is not retried */
TGBOT__INTERN bool tg__breaker_outcome(tg__req *r, bool answered, int status, tg_err code, const tg_error *e) {
    tg_bot *b = r->bot;
    tg__breaker *br = tg__br_of(b);
    bool fail;
    if (br->d.disabled) return false;
    if (answered) {
        if (code == TG_ERR_API && e->error_code == 429) return false;  /* healthy, only busy */
        fail = status >= 500 || (code == TG_ERR_API && e->error_code >= 500);
    } else {
        if (tg_err_kind_of(code) != TG_KIND_NETWORK) return false;     /* ours (memory, arguments, a stop) */
        fail = true;
    }
    if (fail) {
        br->st.failures++;
        br->st.consecutive_failures++;
        if (br->st.state == TG_BREAKER_HALF_OPEN ||
            (br->st.state == TG_BREAKER_CLOSED && br->st.consecutive_failures >= br->d.failures))
            tg__breaker_set(b, TG_BREAKER_OPEN);
    } else {
        br->st.successes++;
        br->st.consecutive_failures = 0;
        if (br->st.state == TG_BREAKER_HALF_OPEN && ++br->st.probe_successes >= br->d.probes)
            tg__breaker_set(b, TG_BREAKER_CLOSED);
    }
    return br->st.state == TG_BREAKER_OPEN;
}

TGBOT_API tg_breaker_state tg_breaker_get_state(const tg_bot *bot) { return tg__br_of(bot)->st.state; }
TGBOT_API void tg_breaker_get_stats(const tg_bot *bot, tg_breaker_stats *out) { *out = tg__br_of(bot)->st; }
TGBOT_API const char *tg_breaker_state_str(tg_breaker_state s) {
    switch (s) {
    case TG_BREAKER_CLOSED: return "closed";
    case TG_BREAKER_OPEN: return "open";
    case TG_BREAKER_HALF_OPEN: return "half-open";
    }
    return "unknown";
}

/* ---- the breaker as a stage: admit refuses while open; outcome counts failures ---- */
static tg_err tg__breaker_st_admit(void *st, tg__req *r, tg_str *answer, uint64_t *until, tg_error *err) {
    tg_err e = tg__breaker_admit(r);
    (void)st; (void)answer; (void)until;
    if (e) *err = *tg__bot_refusal(r->bot);
    return e;
}
static bool tg__breaker_st_outcome(void *st, tg__req *r, bool answered, int status, tg_err code, const tg_error *e) {
    (void)st;
    return tg__breaker_outcome(r, answered, status, code, e);
}
static void tg__breaker_st_free(void *st) {
    tg_bot *b = (tg_bot *)st;
    tg__free(tg__bot_alloc(b), tg__br_of(b), sizeof(tg__breaker));
}

TGBOT__INTERN tg_err tg__breaker_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err) {
    tg__stage s;
    tg__breaker *br = (tg__breaker *)tg__alloc(tg__bot_alloc(b), sizeof *br);
    (void)err;
    if (!br) return TG_ERR_NOMEM;
    tg__breaker_init(br, &d->breaker);
    *tg__bot_module(b, TG__MOD_BREAKER) = br;
    memset(&s, 0, sizeof s);
    s.order = TG__ORDER_BREAKER;
    s.admit = tg__breaker_st_admit;
    s.outcome = tg__breaker_st_outcome;
    s.free = tg__breaker_st_free;
    s.st = b;
    if (tg__bot_add_stage(b, &s) != TG_OK) { tg__breaker_st_free(b); return TG_ERR_LIMIT; }
    return TG_OK;
}

#endif /* TGBOT__HAS_BREAKER */
