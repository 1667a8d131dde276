#if TGBOT__HAS_ANALYTICS
/* analytics: the recording side (called by the pipeline in bot.c and the dispatcher in updates.c),
   the derived figures (percentiles, EWMAs, trend, health) and the two exports. See analytics.h. */

#define TGBOT__AN_KINDS 16
#define TGBOT__AN_MINUTES 16
#define TGBOT__AN_FIT 10
#define TGBOT__AN_WARMUP 20
#define TGBOT__AN_FLAG_MS 60000u

static const uint32_t tg__an_bounds[TG_ANALYTICS_BUCKETS - 1] = {
    0, 1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724, 1024, 1448, 2048,
    2896, 4096, 5793, 8192, 11585, 16384, 23170, 32768, 46341, 65536 };

typedef struct tg__an_row {
    char name[48];
    uint64_t calls, errors, retries, sum_ms, min_ms, max_ms;
    uint64_t err[TG_AN_CLASS_COUNT];
    uint64_t hist[TG_ANALYTICS_BUCKETS];
} tg__an_row;

struct tg_analytics {
    tg_bot *bot;
    uint64_t t_start;
    tg__an_row rows[TGBOT_ANALYTICS_METHODS + 1];   /* the last one is "other" */
    uint32_t nrows;
    char kinds[TGBOT__AN_KINDS + 1][32];
    uint64_t kind_n[TGBOT__AN_KINDS + 1];
    uint32_t nkinds;
    uint64_t calls, errors, retries, rl_hits, rl_waits, rl_wait_ms;
    uint64_t updates, unhandled, handler_ms;
    uint64_t lat_anom, err_anom;
    uint64_t threat_signals, threat_points, threat_blocks;   /* a webhook server's source scoring */
    uint64_t last_anomaly_at, last_rl_at;
    bool any_anomaly, any_rl;
    uint32_t fail_streak;
    double lat_mean, lat_var, err_fast, err_slow;
    /* load: minute buckets; min_cur is the open minute (absolute minute number since t_start) */
    uint64_t min_cur, min_count[TGBOT__AN_MINUTES];
    uint64_t min_closed;               /* how many minutes have closed */
    double load_ewma;
};

static const char *const tg__an_class_names[TG_AN_CLASS_COUNT][2] = {   /* class, code */
    { "network", NULL }, { "tls", NULL }, { "protocol", NULL },
    { "telegram", "400" }, { "telegram", "401" }, { "telegram", "403" }, { "telegram", "404" },
    { "telegram", "409" }, { "telegram", "429" }, { "telegram", "4xx_other" }, { "telegram", "5xx" },
    { "outcome_unknown", NULL }, { "other", NULL } };

TGBOT_API const char *tg_analytics_class_str(tg_analytics_class c) {
    static const char *const names[TG_AN_CLASS_COUNT] = { "network", "tls", "protocol", "400", "401", "403",
        "404", "409", "429", "4xx_other", "5xx", "outcome_unknown", "other" };
    return (unsigned)c < TG_AN_CLASS_COUNT ? names[c] : "?";
}

TGBOT_API const char *tg_health_str(tg_health h) {
    return h == TG_HEALTH_OK ? "ok" : h == TG_HEALTH_DEGRADED ? "degraded" : "failing";
}

static uint64_t tg__an_now(const tg_analytics *a) { return tg__now_ms(tg__bot_platform(a->bot)); }

static void tg__an_clear(tg_analytics *a) {
    tg_bot *bot = a->bot;
    memset(a, 0, sizeof *a);
    a->bot = bot;
    a->t_start = tg__an_now(a);
    snprintf(a->rows[TGBOT_ANALYTICS_METHODS].name, sizeof a->rows[0].name, "other");
    snprintf(a->kinds[TGBOT__AN_KINDS], sizeof a->kinds[0], "other");
}

TGBOT_API tg_err tg_analytics_enable(tg_bot *bot) {
    tg_analytics **slot = tg__bot_analytics_slot(bot);
    tg_analytics *a;
    if (*slot) return TG_OK;
    a = (tg_analytics *)tg__alloc(tg__bot_alloc(bot), sizeof *a);
    if (!a) return TG_ERR_NOMEM;
    a->bot = bot;
    tg__an_clear(a);
    *slot = a;
    return TG_OK;
}

TGBOT__INTERN void tg__analytics_free(tg_analytics *a) {
    if (a) tg__free(tg__bot_alloc(a->bot), a, sizeof *a);
}

TGBOT_API tg_analytics *tg_bot_analytics(tg_bot *bot) { return *tg__bot_analytics_slot(bot); }
TGBOT_API void tg_analytics_reset(tg_analytics *a) { tg__an_clear(a); }

/* moves the open minute forward to now, closing the minutes in between (zero calls in the gaps) */
static void tg__an_roll(tg_analytics *a, uint64_t now) {
    uint64_t m = (now >= a->t_start ? now - a->t_start : 0) / 60000u;
    while (a->min_cur < m) {
        double c = (double)a->min_count[a->min_cur % TGBOT__AN_MINUTES];
        a->load_ewma = a->min_closed ? 0.3 * c + 0.7 * a->load_ewma : c;
        a->min_closed++;
        a->min_cur++;
        a->min_count[a->min_cur % TGBOT__AN_MINUTES] = 0;
        if (m - a->min_cur > 4u * TGBOT__AN_MINUTES) {   /* a long idle gap: every minute in it is 0 */
            uint64_t gap = m - a->min_cur, k;
            for (k = 0; k < TGBOT__AN_MINUTES; k++) a->min_count[k] = 0;
            for (k = 0; k < gap && k < 200u; k++) a->load_ewma *= 0.7;
            if (gap >= 200u) a->load_ewma = 0;
            a->min_closed += gap;
            a->min_cur = m;
        }
    }
}

static tg__an_row *tg__an_row_for(tg_analytics *a, const char *method) {
    uint32_t i;
    size_t n = method ? strlen(method) : 0;
    if (n == 0 || n >= sizeof a->rows[0].name) return &a->rows[TGBOT_ANALYTICS_METHODS];
    for (i = 0; i < a->nrows; i++)
        if (strcmp(a->rows[i].name, method) == 0) return &a->rows[i];
    if (a->nrows == TGBOT_ANALYTICS_METHODS) return &a->rows[TGBOT_ANALYTICS_METHODS];
    memcpy(a->rows[a->nrows].name, method, n + 1);
    return &a->rows[a->nrows++];
}

static tg_analytics_class tg__an_classify(const tg_analytics_sample *s) {
    if (s->code == TG_ERR_API) {
        switch (s->error_code) {
        case 400: return TG_AN_API_400;
        case 401: return TG_AN_API_401;
        case 403: return TG_AN_API_403;
        case 404: return TG_AN_API_404;
        case 409: return TG_AN_API_409;
        case 429: return TG_AN_API_429;
        default: return s->error_code >= 500 ? TG_AN_API_5XX : TG_AN_API_4XX_OTHER;
        }
    }
    if (s->code == TG_ERR_OUTCOME_UNKNOWN) return TG_AN_OUTCOME_UNKNOWN;
    switch (tg_err_kind_of(s->code)) {
    case TG_KIND_NETWORK: return TG_AN_NETWORK;
    case TG_KIND_TLS: return TG_AN_TLS;
    case TG_KIND_HTTP: case TG_KIND_JSON: return TG_AN_PROTOCOL;
    default: return TG_AN_OTHER;
    }
}

static uint32_t tg__an_bucket(uint64_t ms) {
    uint32_t i;
    for (i = 0; i < TG_ANALYTICS_BUCKETS - 1; i++) if (ms <= tg__an_bounds[i]) return i;
    return TG_ANALYTICS_BUCKETS - 1;
}

TGBOT_API void tg_analytics_record(tg_analytics *a, const tg_analytics_sample *s) {
    uint64_t now = tg__an_now(a);
    tg__an_row *r = tg__an_row_for(a, s->method);
    bool failed = s->code != TG_OK;
    uint32_t retries = s->attempts > 1 ? s->attempts - 1 : 0;
    double x = (double)s->latency_ms, d, e = failed ? 1.0 : 0.0;
    tg__an_roll(a, now);
    a->min_count[a->min_cur % TGBOT__AN_MINUTES]++;
    if (r->calls == 0 || s->latency_ms < r->min_ms) r->min_ms = s->latency_ms;
    if (s->latency_ms > r->max_ms) r->max_ms = s->latency_ms;
    r->calls++;
    r->retries += retries;
    r->sum_ms += s->latency_ms;
    r->hist[tg__an_bucket(s->latency_ms)]++;
    a->calls++;
    a->retries += retries;
    if (failed) {
        tg_analytics_class c = tg__an_classify(s);
        r->errors++;
        r->err[c]++;
        a->errors++;
        a->fail_streak++;
        if (c == TG_AN_API_429) a->rl_hits++;     /* the final answer; waited-out 429s come via retry */
    } else {
        a->fail_streak = 0;
    }
    /* latency: z-score against the EWMAs before this sample */
    if (a->calls == 1) {
        a->lat_mean = x;
        a->lat_var = 0;
    } else {
        double sd2 = a->lat_var, f1 = 1.0, f2 = 0.1 * a->lat_mean;
        if (sd2 < f1 * f1) sd2 = f1 * f1;
        if (sd2 < f2 * f2) sd2 = f2 * f2;
        d = x - a->lat_mean;
        if (a->calls > TGBOT__AN_WARMUP && d > 0 && d * d > 9.0 * sd2) {
            a->lat_anom++;
            a->last_anomaly_at = now;
            a->any_anomaly = true;
        }
        a->lat_mean += d / 8.0;
        a->lat_var = (1.0 - 1.0 / 8.0) * (a->lat_var + d * d / 8.0);
    }
    /* error rate: fast against slow */
    if (a->calls == 1) {
        a->err_fast = a->err_slow = e;
    } else {
        double p, diff;
        a->err_fast += (e - a->err_fast) / 16.0;
        a->err_slow += (e - a->err_slow) / 256.0;
        p = a->err_slow < 0.02 ? 0.02 : a->err_slow;
        diff = a->err_fast - a->err_slow;
        if (a->calls > TGBOT__AN_WARMUP && diff > 0 && diff * diff > 9.0 * p * (1.0 - p) / 31.0 && failed) {
            a->err_anom++;
            a->last_anomaly_at = now;
            a->any_anomaly = true;
        }
    }
}

TGBOT__INTERN void tg__analytics_retry(tg_analytics *a, const tg_error *e, uint32_t wait_ms) {
    if (!a || !e || e->code != TG_ERR_API || e->error_code != 429) return;
    a->rl_hits++;
    a->rl_waits++;
    a->rl_wait_ms += wait_ms;
    a->last_rl_at = tg__an_now(a);
    a->any_rl = true;
}

TGBOT__INTERN void tg__analytics_call(tg_analytics *a, const char *method, const tg_error *e, tg_err code,
                                      uint64_t ms, uint32_t attempts) {
    tg_analytics_sample s;
    if (!a || code == TG_ERR_STOPPED) return;
    memset(&s, 0, sizeof s);
    s.method = method;
    s.code = code;
    s.error_code = code == TG_OK ? 0 : e->error_code;
    s.http_status = e->http_status;
    s.latency_ms = ms;
    s.attempts = attempts;
    tg_analytics_record(a, &s);
}

/* update kinds come from the peer (the update's first key): only [a-z_] names get a row */
static bool tg__an_kind_ok(const char *k, size_t n) {
    size_t i;
    if (n == 0 || n >= 32) return false;
    for (i = 0; i < n; i++) if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_')) return false;
    return true;
}

TGBOT_API void tg_analytics_record_update(tg_analytics *a, const char *kind, bool handled, uint64_t handler_ms) {
    uint32_t i;
    size_t n = kind ? strlen(kind) : 0;
    if (!a) return;
    a->updates++;
    if (!handled) a->unhandled++;
    a->handler_ms += handler_ms;
    if (!tg__an_kind_ok(kind, n)) { a->kind_n[TGBOT__AN_KINDS]++; return; }
    for (i = 0; i < a->nkinds; i++)
        if (strcmp(a->kinds[i], kind) == 0) { a->kind_n[i]++; return; }
    if (a->nkinds == TGBOT__AN_KINDS) { a->kind_n[TGBOT__AN_KINDS]++; return; }
    memcpy(a->kinds[a->nkinds], kind, n + 1);
    a->kind_n[a->nkinds++] = 1;
}

/* nearest-rank percentile from the histogram: q in per-mille */
static uint64_t tg__an_pct(const tg__an_row *r, uint32_t q) {
    uint64_t rank, cum = 0;
    uint32_t i;
    if (!r->calls) return 0;
    rank = (r->calls * q + 999u) / 1000u;
    if (rank < 1) rank = 1;
    for (i = 0; i < TG_ANALYTICS_BUCKETS; i++) {
        cum += r->hist[i];
        if (cum >= rank) {
            uint64_t v = i < TG_ANALYTICS_BUCKETS - 1 ? tg__an_bounds[i] : r->max_ms;
            if (v > r->max_ms) v = r->max_ms;
            if (v < r->min_ms) v = r->min_ms;
            return v;
        }
    }
    return r->max_ms;
}

static void tg__an_row_stats(const tg__an_row *r, tg_analytics_method_stats *o) {
    memset(o, 0, sizeof *o);
    o->method = r->name;
    o->calls = r->calls; o->errors = r->errors; o->retries = r->retries;
    memcpy(o->errors_by_class, r->err, sizeof o->errors_by_class);
    o->min_ms = r->min_ms; o->max_ms = r->max_ms; o->sum_ms = r->sum_ms;
    o->mean_ms = r->calls ? (double)r->sum_ms / (double)r->calls : 0.0;
    o->p50_ms = tg__an_pct(r, 500);
    o->p90_ms = tg__an_pct(r, 900);
    o->p99_ms = tg__an_pct(r, 990);
}

TGBOT_API bool tg_analytics_method(tg_analytics *a, const char *method, tg_analytics_method_stats *out) {
    uint32_t i;
    for (i = 0; i < a->nrows; i++)
        if (strcmp(a->rows[i].name, method) == 0) { tg__an_row_stats(&a->rows[i], out); return true; }
    if (strcmp(method, "other") == 0 && a->rows[TGBOT_ANALYTICS_METHODS].calls) {
        tg__an_row_stats(&a->rows[TGBOT_ANALYTICS_METHODS], out);
        return true;
    }
    return false;
}

/* least squares through the last closed minutes (x = 0..n-1), evaluated at x = n */
static void tg__an_fit(const tg_analytics *a, double *slope, double *pred) {
    uint64_t n = a->min_closed < TGBOT__AN_FIT ? a->min_closed : TGBOT__AN_FIT, i;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, b = 0, c, p;
    *slope = 0; *pred = 0;
    if (n == 0) return;
    for (i = 0; i < n; i++) {
        double x = (double)i, y = (double)a->min_count[(a->min_cur - n + i) % TGBOT__AN_MINUTES];
        sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    if (n > 1) b = ((double)n * sxy - sx * sy) / ((double)n * sxx - sx * sx);
    c = (sy - b * sx) / (double)n;
    p = c + b * (double)n;
    *slope = b;
    *pred = p > 0 ? p : 0;
}

static tg_health tg__an_health(const tg_analytics *a, uint64_t now, const char **reason) {
    bool recent_anom = a->any_anomaly && now - a->last_anomaly_at < TGBOT__AN_FLAG_MS;
    bool recent_rl = a->any_rl && now - a->last_rl_at < TGBOT__AN_FLAG_MS;
    if (a->fail_streak >= 5) { *reason = "failing: the last 5 calls failed"; return TG_HEALTH_FAILING; }
    if (a->calls >= 5 && a->err_fast >= 0.5) { *reason = "failing: error rate (EWMA) is 50% or more"; return TG_HEALTH_FAILING; }
    if (a->calls >= 5 && a->err_fast >= 0.1) { *reason = "degraded: error rate (EWMA) is 10% or more"; return TG_HEALTH_DEGRADED; }
    if (recent_anom) { *reason = "degraded: a latency or error-rate anomaly in the last 60 s"; return TG_HEALTH_DEGRADED; }
    if (recent_rl) { *reason = "degraded: rate limited (429) in the last 60 s"; return TG_HEALTH_DEGRADED; }
    *reason = "ok";
    return TG_HEALTH_OK;
}

TGBOT_API void tg_analytics_get_summary(tg_analytics *a, tg_analytics_summary *o) {
    uint64_t now = tg__an_now(a);
    tg__an_roll(a, now);
    memset(o, 0, sizeof *o);
    o->calls = a->calls; o->errors = a->errors; o->retries = a->retries;
    o->rate_limit_hits = a->rl_hits; o->rate_limit_waits = a->rl_waits; o->rate_limit_wait_ms = a->rl_wait_ms;
    o->updates = a->updates; o->updates_unhandled = a->unhandled; o->handler_ms = a->handler_ms;
    o->latency_anomalies = a->lat_anom; o->error_rate_anomalies = a->err_anom;
    o->uptime_ms = now >= a->t_start ? now - a->t_start : 0;
    o->error_rate = a->calls ? (double)a->errors / (double)a->calls : 0.0;
    o->error_rate_ewma = a->err_fast;
    o->latency_ewma_ms = a->lat_mean;
    {   /* a square root by Newton's method: no libm */
        double v = a->lat_var, s = v > 1 ? v : 1;
        int i;
        if (v <= 0) s = 0;
        else for (i = 0; i < 60; i++) s = 0.5 * (s + v / s);
        o->latency_dev_ms = s;
    }
    o->anomaly = a->any_anomaly && now - a->last_anomaly_at < TGBOT__AN_FLAG_MS;
    o->load_per_min_ewma = a->load_ewma;
    tg__an_fit(a, &o->load_trend, &o->load_predicted);
    o->health = tg__an_health(a, now, &o->health_reason);
}

TGBOT_API tg_health tg_analytics_health(tg_analytics *a, const char **reason) {
    const char *r;
    tg_health h = tg__an_health(a, tg__an_now(a), &r);
    if (reason) *reason = r;
    return h;
}

/* ---- Prometheus text: a sink that counts what does not fit ---- */
typedef struct tg__an_out { char *buf; size_t cap, len; } tg__an_out;

static void tg__an_put(tg__an_out *o, const char *s, size_t n) {
    if (o->len < o->cap) {
        size_t room = o->cap - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
    }
    o->len += n;
}
static void tg__an_puts(tg__an_out *o, const char *s) { tg__an_put(o, s, strlen(s)); }
static void tg__an_u64(tg__an_out *o, uint64_t v) {
    char tmp[24], *p = tmp + sizeof tmp;
    do { *--p = (char)('0' + v % 10); v /= 10; } while (v);
    tg__an_put(o, p, (size_t)(tmp + sizeof tmp - p));
}
/* fixed point, 6 decimals, no locale */
static void tg__an_f64(tg__an_out *o, double v) {
    uint64_t ip, fp;
    char frac[7];
    int i;
    if (v != v) v = 0;
    if (v < 0) { tg__an_puts(o, "-"); v = -v; }
    if (v > 1e15) v = 1e15;
    ip = (uint64_t)v;
    fp = (uint64_t)((v - (double)ip) * 1e6 + 0.5);
    if (fp >= 1000000u) { ip++; fp -= 1000000u; }
    tg__an_u64(o, ip);
    for (i = 5; i >= 0; i--) { frac[i] = (char)('0' + fp % 10); fp /= 10; }
    frac[6] = '\0';
    tg__an_puts(o, ".");
    tg__an_puts(o, frac);
}
static void tg__an_head(tg__an_out *o, const char *name, const char *type, const char *help) {
    tg__an_puts(o, "# HELP "); tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_puts(o, help);
    tg__an_puts(o, "\n# TYPE "); tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_puts(o, type);
    tg__an_puts(o, "\n");
}
static void tg__an_metric_u(tg__an_out *o, const char *name, const char *type, const char *help, uint64_t v) {
    tg__an_head(o, name, type, help);
    tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_u64(o, v); tg__an_puts(o, "\n");
}
static void tg__an_metric_f(tg__an_out *o, const char *name, const char *help, double v) {
    tg__an_head(o, name, "gauge", help);
    tg__an_puts(o, name); tg__an_puts(o, " "); tg__an_f64(o, v); tg__an_puts(o, "\n");
}
/* name{method="m"<extra>} (method names are [A-Za-z0-9] — tg_call checks — but escape anyway) */
static void tg__an_label(tg__an_out *o, const char *name, const char *suffix, const char *key, const char *val,
                         const char *extra) {
    const char *p;
    tg__an_puts(o, name); tg__an_puts(o, suffix);
    tg__an_puts(o, "{"); tg__an_puts(o, key); tg__an_puts(o, "=\"");
    for (p = val; *p; p++) {
        if (*p == '\\' || *p == '"') tg__an_put(o, "\\", 1);
        if (*p == '\n') { tg__an_puts(o, "\\n"); continue; }
        tg__an_put(o, p, 1);
    }
    tg__an_puts(o, "\"");
    if (extra) tg__an_puts(o, extra);
    tg__an_puts(o, "} ");
}
static void tg__an_ms_as_s(tg__an_out *o, uint64_t ms) {
    char frac[5];
    tg__an_u64(o, ms / 1000u);
    frac[0] = '.';
    frac[1] = (char)('0' + ms / 100u % 10u); frac[2] = (char)('0' + ms / 10u % 10u); frac[3] = (char)('0' + ms % 10u);
    frac[4] = '\0';
    tg__an_puts(o, frac);
}

static bool tg__an_row_used(const tg_analytics *a, uint32_t i) {
    return i < a->nrows || (i == TGBOT_ANALYTICS_METHODS && a->rows[i].calls);
}

TGBOT_API void tg_analytics_record_threat(tg_analytics *a, uint32_t points, bool blocked) {
    if (!a) return;
    a->threat_signals++;
    a->threat_points += points;
    if (blocked) a->threat_blocks++;
}

TGBOT_API size_t tg_analytics_prometheus(tg_analytics *a, char *buf, size_t cap) {
    tg__an_out o;
    tg_analytics_summary s;
    uint32_t i, k;
    static const char *const states[3] = { "ok", "degraded", "failing" };
    o.buf = buf; o.cap = cap; o.len = 0;
    tg_analytics_get_summary(a, &s);
    tg__an_metric_u(&o, "tgbot_calls_total", "counter", "Bot API calls that reached the network.", s.calls);
    tg__an_metric_u(&o, "tgbot_errors_total", "counter", "Calls that ended with an error.", s.errors);
    tg__an_metric_u(&o, "tgbot_retries_total", "counter", "Repeated attempts inside calls.", s.retries);
    tg__an_metric_u(&o, "tgbot_rate_limit_hits_total", "counter", "429 answers from Telegram.", s.rate_limit_hits);
    tg__an_metric_u(&o, "tgbot_rate_limit_waits_total", "counter", "Back-off waits after a 429.", s.rate_limit_waits);
    tg__an_head(&o, "tgbot_rate_limit_wait_seconds_total", "counter", "Time spent waiting after 429s.");
    tg__an_puts(&o, "tgbot_rate_limit_wait_seconds_total "); tg__an_ms_as_s(&o, s.rate_limit_wait_ms); tg__an_puts(&o, "\n");
    tg__an_metric_u(&o, "tgbot_updates_unhandled_total", "counter", "Updates no handler took.", s.updates_unhandled);
    tg__an_head(&o, "tgbot_handler_seconds_total", "counter", "Time spent dispatching updates (decode, middleware, handlers).");
    tg__an_puts(&o, "tgbot_handler_seconds_total "); tg__an_ms_as_s(&o, s.handler_ms); tg__an_puts(&o, "\n");
    tg__an_metric_u(&o, "tgbot_latency_anomalies_total", "counter", "Calls flagged by the latency z-score.", s.latency_anomalies);
    tg__an_metric_u(&o, "tgbot_error_rate_anomalies_total", "counter", "Calls flagged by the error-rate z-score.", s.error_rate_anomalies);
    tg__an_head(&o, "tgbot_uptime_seconds", "gauge", "Time since analytics was enabled or reset.");
    tg__an_puts(&o, "tgbot_uptime_seconds "); tg__an_ms_as_s(&o, s.uptime_ms); tg__an_puts(&o, "\n");
    tg__an_metric_f(&o, "tgbot_error_ratio", "Errors divided by calls since enable or reset.", s.error_rate);
    tg__an_metric_f(&o, "tgbot_error_ratio_ewma", "EWMA (alpha 1/16) of the call failure indicator.", s.error_rate_ewma);
    tg__an_metric_f(&o, "tgbot_latency_ewma_seconds", "EWMA (alpha 1/8) of call latency.", s.latency_ewma_ms / 1000.0);
    tg__an_metric_f(&o, "tgbot_latency_deviation_seconds", "EWMA standard deviation of call latency.", s.latency_dev_ms / 1000.0);
    tg__an_metric_u(&o, "tgbot_anomaly", "gauge", "1 while an anomaly was flagged in the last 60 s.", s.anomaly ? 1u : 0u);
    tg__an_metric_f(&o, "tgbot_load_calls_per_minute", "EWMA (alpha 0.3) of calls per closed minute.", s.load_per_min_ewma);
    tg__an_metric_f(&o, "tgbot_load_trend", "Slope of calls per minute over the last 10 minutes.", s.load_trend);
    tg__an_metric_f(&o, "tgbot_load_predicted_calls_next_minute", "Linear prediction of calls in the next minute.", s.load_predicted);
    tg__an_head(&o, "tgbot_health", "gauge", "1 for the current health state.");
    for (i = 0; i < 3; i++) {
        tg__an_label(&o, "tgbot_health", "", "state", states[i], NULL);
        tg__an_u64(&o, (uint32_t)s.health == i ? 1u : 0u); tg__an_puts(&o, "\n");
    }
    if (a->threat_signals) {           /* a webhook server on this bot has scored a source */
        tg__an_metric_u(&o, "tgbot_webhook_threat_signals_total", "counter", "Refused or hostile requests scored against their source.", a->threat_signals);
        tg__an_metric_u(&o, "tgbot_webhook_threat_points_total", "counter", "Threat points added to sources' scores.", a->threat_points);
        tg__an_metric_u(&o, "tgbot_webhook_sources_blocked_total", "counter", "Sources blocked at their threat score.", a->threat_blocks);
    }
#if TGBOT__HAS_CACHE       /* [cache] read from the bot's cache at export time, only when it is enabled */
    if (tg_cache_enabled(a->bot)) {
        tg_cache_stats cs;
        tg_cache_get_stats(a->bot, &cs);
        tg__an_metric_u(&o, "tgbot_cache_hits_total", "counter", "Read calls answered from the cache (not sent).", cs.hits);
        tg__an_metric_u(&o, "tgbot_cache_misses_total", "counter", "Cacheable read calls that asked Telegram.", cs.misses);
        tg__an_metric_f(&o, "tgbot_cache_hit_ratio", "Cache hits divided by hits and misses.",
                        cs.hits + cs.misses ? (double)cs.hits / (double)(cs.hits + cs.misses) : 0.0);
        tg__an_metric_u(&o, "tgbot_cache_entries", "gauge", "Answers held in the cache.", cs.entries);
        tg__an_metric_u(&o, "tgbot_cache_bytes", "gauge", "Bytes held in the cache.", (uint64_t)cs.bytes);
    }
#endif
    /* per method */
    tg__an_head(&o, "tgbot_method_calls_total", "counter", "Calls per Bot API method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_calls_total", "", "method", a->rows[i].name, NULL);
        tg__an_u64(&o, a->rows[i].calls); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_retries_total", "counter", "Repeated attempts per method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_retries_total", "", "method", a->rows[i].name, NULL);
        tg__an_u64(&o, a->rows[i].retries); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_errors_total", "counter", "Failed calls per method and error class (code: Telegram's error_code).");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        for (k = 0; k < TG_AN_CLASS_COUNT; k++) {
            char extra[48];
            if (tg__an_class_names[k][1])
                snprintf(extra, sizeof extra, ",class=\"%s\",code=\"%s\"", tg__an_class_names[k][0], tg__an_class_names[k][1]);
            else
                snprintf(extra, sizeof extra, ",class=\"%s\"", tg__an_class_names[k][0]);
            tg__an_label(&o, "tgbot_method_errors_total", "", "method", a->rows[i].name, extra);
            tg__an_u64(&o, a->rows[i].err[k]); tg__an_puts(&o, "\n");
        }
    }
    tg__an_head(&o, "tgbot_method_duration_seconds", "histogram", "Call latency per method, retries included.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        uint64_t cum = 0;
        for (k = 0; k < TG_ANALYTICS_BUCKETS; k++) {
            char le[32];
            cum += a->rows[i].hist[k];
            if (k < TG_ANALYTICS_BUCKETS - 1) {
                uint32_t ms = tg__an_bounds[k];
                snprintf(le, sizeof le, ",le=\"%u.%03u\"", (unsigned)(ms / 1000u), (unsigned)(ms % 1000u));
            } else {
                snprintf(le, sizeof le, ",le=\"+Inf\"");
            }
            tg__an_label(&o, "tgbot_method_duration_seconds", "_bucket", "method", a->rows[i].name, le);
            tg__an_u64(&o, cum); tg__an_puts(&o, "\n");
        }
        tg__an_label(&o, "tgbot_method_duration_seconds", "_sum", "method", a->rows[i].name, NULL);
        tg__an_ms_as_s(&o, a->rows[i].sum_ms); tg__an_puts(&o, "\n");
        tg__an_label(&o, "tgbot_method_duration_seconds", "_count", "method", a->rows[i].name, NULL);
        tg__an_u64(&o, a->rows[i].calls); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_duration_min_seconds", "gauge", "Fastest call per method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_duration_min_seconds", "", "method", a->rows[i].name, NULL);
        tg__an_ms_as_s(&o, a->rows[i].min_ms); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_method_duration_max_seconds", "gauge", "Slowest call per method.");
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg__an_label(&o, "tgbot_method_duration_max_seconds", "", "method", a->rows[i].name, NULL);
        tg__an_ms_as_s(&o, a->rows[i].max_ms); tg__an_puts(&o, "\n");
    }
    tg__an_head(&o, "tgbot_updates_total", "counter", "Updates dispatched, by kind.");
    for (i = 0; i <= TGBOT__AN_KINDS; i++) if (i < a->nkinds || (i == TGBOT__AN_KINDS && a->kind_n[i])) {
        tg__an_label(&o, "tgbot_updates_total", "", "kind", a->kinds[i], NULL);
        tg__an_u64(&o, a->kind_n[i]); tg__an_puts(&o, "\n");
    }
    if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

/* ---- JSON ---- */
static void tg__an_ju(tg_json_writer *w, const char *k, uint64_t v) { tg_json_key(w, k); tg_json_write_i64(w, (int64_t)v); }
static void tg__an_jf(tg_json_writer *w, const char *k, double v) { tg_json_key(w, k); tg_json_write_f64(w, v); }

TGBOT_API void tg_analytics_json(tg_analytics *a, tg_json_writer *w) {
    tg_analytics_summary s;
    uint32_t i, k;
    tg_analytics_get_summary(a, &s);
    tg_json_obj_begin(w);
    tg__an_ju(w, "calls", s.calls); tg__an_ju(w, "errors", s.errors); tg__an_ju(w, "retries", s.retries);
    tg__an_ju(w, "rate_limit_hits", s.rate_limit_hits); tg__an_ju(w, "rate_limit_waits", s.rate_limit_waits);
    tg__an_ju(w, "rate_limit_wait_ms", s.rate_limit_wait_ms);
    tg__an_ju(w, "updates", s.updates); tg__an_ju(w, "updates_unhandled", s.updates_unhandled);
    tg__an_ju(w, "handler_ms", s.handler_ms);
    tg__an_ju(w, "latency_anomalies", s.latency_anomalies); tg__an_ju(w, "error_rate_anomalies", s.error_rate_anomalies);
    tg__an_ju(w, "uptime_ms", s.uptime_ms);
    tg__an_jf(w, "error_rate", s.error_rate); tg__an_jf(w, "error_rate_ewma", s.error_rate_ewma);
    tg__an_jf(w, "latency_ewma_ms", s.latency_ewma_ms); tg__an_jf(w, "latency_dev_ms", s.latency_dev_ms);
    tg_json_key(w, "anomaly"); tg_json_write_bool(w, s.anomaly);
    if (a->threat_signals) {
        tg_json_key(w, "webhook_threats"); tg_json_obj_begin(w);
        tg_json_key(w, "signals"); tg_json_write_i64(w, (int64_t)a->threat_signals);
        tg_json_key(w, "points"); tg_json_write_i64(w, (int64_t)a->threat_points);
        tg_json_key(w, "sources_blocked"); tg_json_write_i64(w, (int64_t)a->threat_blocks);
        tg_json_obj_end(w);
    }
#if TGBOT__HAS_CACHE       /* [cache] as in the Prometheus text */
    if (tg_cache_enabled(a->bot)) {
        tg_cache_stats cs;
        tg_cache_get_stats(a->bot, &cs);
        tg_json_key(w, "cache"); tg_json_obj_begin(w);
        tg__an_ju(w, "hits", cs.hits); tg__an_ju(w, "misses", cs.misses);
        tg__an_jf(w, "hit_rate", cs.hits + cs.misses ? (double)cs.hits / (double)(cs.hits + cs.misses) : 0.0);
        tg__an_ju(w, "entries", cs.entries); tg__an_ju(w, "bytes", (uint64_t)cs.bytes);
        tg_json_obj_end(w);
    }
#endif
    tg_json_key(w, "load"); tg_json_obj_begin(w);
    tg__an_jf(w, "calls_per_min_ewma", s.load_per_min_ewma); tg__an_jf(w, "trend", s.load_trend);
    tg__an_jf(w, "predicted_next_min", s.load_predicted);
    tg_json_obj_end(w);
    tg_json_key(w, "health"); tg_json_obj_begin(w);
    tg_json_key(w, "state"); tg_json_write_str(w, tg_health_str(s.health));
    tg_json_key(w, "reason"); tg_json_write_str(w, s.health_reason);
    tg_json_obj_end(w);
    tg_json_key(w, "methods"); tg_json_obj_begin(w);
    for (i = 0; i <= TGBOT_ANALYTICS_METHODS; i++) if (tg__an_row_used(a, i)) {
        tg_analytics_method_stats m;
        tg__an_row_stats(&a->rows[i], &m);
        tg_json_key(w, m.method); tg_json_obj_begin(w);
        tg__an_ju(w, "calls", m.calls); tg__an_ju(w, "errors", m.errors); tg__an_ju(w, "retries", m.retries);
        tg_json_key(w, "errors_by_class"); tg_json_obj_begin(w);
        for (k = 0; k < TG_AN_CLASS_COUNT; k++) if (m.errors_by_class[k])
            tg__an_ju(w, tg_analytics_class_str((tg_analytics_class)k), m.errors_by_class[k]);
        tg_json_obj_end(w);
        tg__an_ju(w, "min_ms", m.min_ms); tg__an_ju(w, "max_ms", m.max_ms); tg__an_jf(w, "mean_ms", m.mean_ms);
        tg__an_ju(w, "p50_ms", m.p50_ms); tg__an_ju(w, "p90_ms", m.p90_ms); tg__an_ju(w, "p99_ms", m.p99_ms);
        tg_json_obj_end(w);
    }
    tg_json_obj_end(w);
    tg_json_key(w, "updates_by_kind"); tg_json_obj_begin(w);
    for (i = 0; i <= TGBOT__AN_KINDS; i++) if (i < a->nkinds || (i == TGBOT__AN_KINDS && a->kind_n[i]))
        tg__an_ju(w, a->kinds[i], a->kind_n[i]);
    tg_json_obj_end(w);
    tg_json_obj_end(w);
}
/* ---- analytics as a stage: it sees every back-off and every admitted call end ---- */
static void tg__an_st_retry(void *st, tg__req *r, const tg_error *e, uint32_t wait_ms) {
    (void)r;
    tg__analytics_retry(*tg__bot_analytics_slot((tg_bot *)st), e, wait_ms);
}
static void tg__an_st_done(void *st, tg__req *r, tg_err code, const tg_error *e, uint64_t ms, const char *body, size_t body_len) {
    (void)body; (void)body_len;
    tg__analytics_call(*tg__bot_analytics_slot((tg_bot *)st), r->method, e, code, ms, r->attempt + 1);
}
static void tg__an_st_free(void *st) { tg__analytics_free(*tg__bot_analytics_slot((tg_bot *)st)); }

TGBOT__INTERN tg_err tg__analytics_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err) {
    tg__stage s;
    (void)d; (void)err;
    memset(&s, 0, sizeof s);
    s.order = TG__ORDER_ANALYTICS;
    s.retry = tg__an_st_retry;
    s.done = tg__an_st_done;
    s.free = tg__an_st_free;
    s.st = b;
    return tg__bot_add_stage(b, &s);
}

#endif /* TGBOT__HAS_ANALYTICS */
