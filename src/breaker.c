/* breaker: the circuit breaker's state machine (see breaker.h). */
#if TGBOT__HAS_BREAKER

TGBOT__INTERN void tg__breaker_init(tg__breaker *br, const tg_breaker_desc *d) {
    memset(br, 0, sizeof *br);
    br->d = *d;
    if (!br->d.failures) br->d.failures = 10;
    if (!br->d.open_ms) br->d.open_ms = 30000;
    if (!br->d.probes) br->d.probes = 1;
}

static void tg__breaker_set(tg_bot *b, tg_breaker_state s) {
    tg__breaker *br = &b->br;
    if (br->st.state == s) return;
    br->st.state = s;
    br->st.probe_successes = 0;
    if (s == TG_BREAKER_OPEN) { br->st.opened_at = tg__now_ms(&b->plat); br->st.opens++; }
    if (s == TG_BREAKER_CLOSED) br->st.consecutive_failures = 0;
    tg__log(&b->log, s == TG_BREAKER_OPEN ? TG_LOG_WARN : TG_LOG_INFO, "circuit breaker %s", tg_breaker_state_str(s));
    if (b->hooks.on_breaker) b->hooks.on_breaker(b->hooks.ud, (int)s);
}

/* [limits] before each attempt: refuses at once while open; after open_ms lets a probe through */
TGBOT__INTERN tg_err tg__breaker_admit(tg__req *r) {
    tg_bot *b = r->bot;
    tg__breaker *br = &b->br;
    uint64_t now, left;
    if (br->d.disabled || br->st.state != TG_BREAKER_OPEN) return TG_OK;
    now = tg__now_ms(&b->plat);
    if (now >= br->st.opened_at + br->d.open_ms) { tg__breaker_set(b, TG_BREAKER_HALF_OPEN); return TG_OK; }
    left = br->st.opened_at + br->d.open_ms - now;
    br->st.rejected++;
    tg__error_set(&b->last, TG_ERR_BREAKER_OPEN, TG_PHASE_VALIDATE,
                  "%s: circuit breaker open after %u failures (probing again in %llu ms); not sent",
                  r->method, (unsigned)br->st.consecutive_failures, (unsigned long long)left);
    b->last.retry_after = (int32_t)((left + 999) / 1000);
    return TG_ERR_BREAKER_OPEN;
}

/* [limits] after each attempt: answered says whether an HTTP answer arrived (status its status);
   true when the breaker is open now: the call is not retried */
TGBOT__INTERN bool tg__breaker_outcome(tg__req *r, bool answered, int status, tg_err code, const tg_error *e) {
    tg_bot *b = r->bot;
    tg__breaker *br = &b->br;
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

TGBOT_API tg_breaker_state tg_breaker_get_state(const tg_bot *bot) { return bot->br.st.state; }
TGBOT_API void tg_breaker_get_stats(const tg_bot *bot, tg_breaker_stats *out) { *out = bot->br.st; }
TGBOT_API const char *tg_breaker_state_str(tg_breaker_state s) {
    switch (s) {
    case TG_BREAKER_CLOSED: return "closed";
    case TG_BREAKER_OPEN: return "open";
    case TG_BREAKER_HALF_OPEN: return "half-open";
    }
    return "unknown";
}

#endif /* TGBOT__HAS_BREAKER */
