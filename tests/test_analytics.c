/* analytics: counts per method and error class from a scripted mix of calls against the fake Bot API
   server, percentiles within the stated bound, the EWMA/z-score detector (a spike flags, jitter does
   not), trend and prediction on a synthetic series, health states, the Prometheus text checked by
   promtool, the JSON parsed back, no token in either, and memory bounded by the method table.
   Time is an injected clock: the fake sleep advances it, so latencies are exact. */
#if TGBOT__HAS_ANALYTICS
#include <unistd.h>
#include <locale.h>

#define AN_TOKEN "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
#define AN_SECRET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"

static uint64_t an_clock = 1000000;
static uint64_t an_now(void *ud) { (void)ud; return an_clock; }
static void an_sleep(void *ud, uint32_t ms) { (void)ud; an_clock += ms; }

/* live bytes through the bot's allocator */
static long long an_live;
static void *an_alloc(size_t n, void *ud) { (void)ud; an_live += (long long)n; return malloc(n); }
static void *an_realloc(void *p, size_t o, size_t n, void *ud) { (void)ud; an_live += (long long)n - (long long)o; return realloc(p, n); }
static void an_free(void *p, size_t n, void *ud) { (void)ud; if (p) an_live -= (long long)n; free(p); }

static tg_bot *an_bot(const char *url) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    memset(&d, 0, sizeof d);
    d.token = AN_TOKEN;
    d.base_url = url ? url : "http://127.0.0.1:9";   /* never the internet */
    d.platform.now_ms = an_now;
    d.platform.sleep_ms = an_sleep;
    d.timeouts.request_ms = 5000;
    d.allocator.alloc = an_alloc; d.allocator.realloc = an_realloc; d.allocator.free = an_free;
    if (tg_bot_new(&b, &d, &e) != TG_OK) { fprintf(stderr, "    tg_bot_new: %s\n", e.description); return NULL; }
    if (tg_analytics_enable(b) != TG_OK) { tg_bot_free(b); return NULL; }
    return b;
}

static void an_rec(tg_analytics *a, const char *method, tg_err code, int error_code, uint64_t ms) {
    tg_analytics_sample s;
    memset(&s, 0, sizeof s);
    s.method = method; s.code = code; s.error_code = error_code; s.latency_ms = ms; s.attempts = 1;
    tg_analytics_record(a, &s);
}

static const char *an_msg = "{\"chat_id\":1,\"text\":\"hi\"}";

TG_TEST(analytics_pipeline_counts_by_method_and_code) {
    const char *url = getenv("TG_FAKE_URL");
    tg_bot *b, *dead;
    tg_analytics *a;
    tg_analytics_method_stats m;
    tg_analytics_summary s;
    int i;
    if (!url) SKIP("TG_FAKE_URL not set (run under tests/with_servers.sh)");
    ctl("POST", "/_ctl/reset", NULL);
    b = an_bot(url);
    CHECK(b != NULL);
    if (!b) return;
    a = tg_bot_analytics(b);
    CHECK(a != NULL);
    for (i = 0; i < 3; i++) CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"502\",\"count\":1}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);                      /* one retry */
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"429\",\"retry_after\":7}");
    an_clock = 2000000;
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);                      /* waits 7 s, then ok */
    CHECK(tg_call(b, "sendMessage", an_msg, NULL) == TG_OK);
    ctl("POST", "/_ctl/result", "{\"method\":\"sendMessage\",\"error\":{\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}}");
    CHECK(tg_call(b, "sendMessage", an_msg, NULL) == TG_ERR_API);
    CHECK(tg_call(b, "sendMessage", an_msg, NULL) == TG_ERR_API);
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":400,\"description\":\"Bad Request: chat not found\"}}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":404,\"description\":\"Not Found: /bot" AN_TOKEN "/getChat\"}}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    CHECK(tg_call(b, "bad-name", NULL, NULL) == TG_ERR_ARG);             /* refused before sending: not counted */

    CHECK(tg_analytics_method(a, "getMe", &m));
    CHECK_EQ_INT(m.calls, 5); CHECK_EQ_INT(m.errors, 0); CHECK_EQ_INT(m.retries, 2);
    CHECK_EQ_INT(m.max_ms, 7000);                                          /* the clock moves only in the back-off */
    CHECK(tg_analytics_method(a, "sendMessage", &m));
    CHECK_EQ_INT(m.calls, 3); CHECK_EQ_INT(m.errors, 2); CHECK_EQ_INT(m.errors_by_class[TG_AN_API_403], 2);
    CHECK(tg_analytics_method(a, "getChat", &m));
    CHECK_EQ_INT(m.calls, 2); CHECK_EQ_INT(m.errors_by_class[TG_AN_API_400], 1); CHECK_EQ_INT(m.errors_by_class[TG_AN_API_404], 1);
    CHECK(!tg_analytics_method(a, "bad-name", &m));
    tg_analytics_get_summary(a, &s);
    CHECK_EQ_INT(s.calls, 10); CHECK_EQ_INT(s.errors, 4); CHECK_EQ_INT(s.retries, 2);
    CHECK_EQ_INT(s.rate_limit_hits, 1); CHECK_EQ_INT(s.rate_limit_waits, 1); CHECK_EQ_INT(s.rate_limit_wait_ms, 7000);
    CHECK(s.error_rate > 0.39 && s.error_rate < 0.41);
    {   /* the 404's description echoed the token: no export carries descriptions, nor the token */
        static char out[1 << 16];
        tg_json_writer w;
        tg_analytics_prometheus(a, out, sizeof out);
        CHECK(strstr(out, AN_SECRET) == NULL && strstr(out, "123456") == NULL);
        CHECK(strstr(out, "tgbot_method_retries_total{method=\"getMe\"} 2\n") != NULL);
        tg_json_writer_init_grow(&w, NULL);
        tg_analytics_json(a, &w);
        CHECK(w.err == TG_OK && strstr(w.buf, AN_SECRET) == NULL && strstr(w.buf, "123456") == NULL);
        tg_json_writer_free(&w);
    }

    /* a network failure: nothing listens on port 9 */
    dead = an_bot(NULL);
    CHECK(dead != NULL);
    if (dead) {
        CHECK(tg_call(dead, "getMe", NULL, NULL) != TG_OK);
        CHECK(tg_analytics_method(tg_bot_analytics(dead), "getMe", &m));
        CHECK_EQ_INT(m.calls, 1); CHECK_EQ_INT(m.errors_by_class[TG_AN_NETWORK], 1); CHECK_EQ_INT(m.retries, 3);
        tg_bot_free(dead);
    }
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

/* true nearest-rank percentile of 1..n (sorted v) */
static uint64_t an_true_pct(const uint64_t *v, size_t n, uint32_t q) {
    size_t rank = (n * q + 999) / 1000;
    return v[(rank ? rank : 1) - 1];
}
static int an_cmp(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* the stated bound: never below the true percentile, at most 41.5 % above; past the last finite
   bucket (65536 ms) the estimate is the max */
static bool an_pct_ok(uint64_t est, uint64_t truth, uint64_t max) {
    if (truth > 65536) return est == max;
    return est >= truth && (double)est <= 1.415 * (double)truth;
}

TG_TEST(analytics_percentiles_within_bound) {
    tg_bot *b = an_bot(NULL);
    tg_analytics *a;
    tg_analytics_method_stats m;
    static uint64_t v[5000];
    uint32_t seed = 12345, round;
    CHECK(b != NULL);
    if (!b) return;
    a = tg_bot_analytics(b);
    for (round = 0; round < 40; round++) {
        size_t n = 1 + (size_t)(round * 123 % 5000), i;
        uint64_t sum = 0;
        uint32_t scale = 1u << (round % 17);      /* 1 ms .. 65 s ranges */
        tg_analytics_reset(a);
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            v[i] = (seed >> 8) % (scale * 4u) + (round % 3 == 0 ? 0 : scale);
            if (round == 39) v[i] = 100000 + (seed >> 8) % 1000;   /* beyond the last bound */
            sum += v[i];
            an_rec(a, "getMe", TG_OK, 0, v[i]);
        }
        qsort(v, n, sizeof v[0], an_cmp);
        CHECK(tg_analytics_method(a, "getMe", &m));
        CHECK_EQ_INT(m.calls, n);
        CHECK_EQ_INT(m.min_ms, v[0]);
        CHECK_EQ_INT(m.max_ms, v[n - 1]);
        CHECK_EQ_INT(m.sum_ms, sum);
        CHECK(m.mean_ms > (double)sum / (double)n - 1e-9 && m.mean_ms < (double)sum / (double)n + 1e-9);
        CHECK(an_pct_ok(m.p50_ms, an_true_pct(v, n, 500), m.max_ms));
        CHECK(an_pct_ok(m.p90_ms, an_true_pct(v, n, 900), m.max_ms));
        CHECK(an_pct_ok(m.p99_ms, an_true_pct(v, n, 990), m.max_ms));
    }
    /* exact at small values */
    tg_analytics_reset(a);
    an_rec(a, "x", TG_OK, 0, 1); an_rec(a, "x", TG_OK, 0, 2); an_rec(a, "x", TG_OK, 0, 3); an_rec(a, "x", TG_OK, 0, 4);
    CHECK(tg_analytics_method(a, "x", &m));
    CHECK_EQ_INT(m.p50_ms, 2); CHECK_EQ_INT(m.p90_ms, 4); CHECK_EQ_INT(m.p99_ms, 4);
    tg_bot_free(b);
}

TG_TEST(analytics_anomaly_spike_not_jitter) {
    tg_bot *b = an_bot(NULL);
    tg_analytics *a;
    tg_analytics_summary s;
    const char *why;
    uint32_t seed = 7, i;
    CHECK(b != NULL);
    if (!b) return;
    a = tg_bot_analytics(b);
    an_clock = 5000000;
    tg_analytics_reset(a);
    for (i = 0; i < 500; i++) {                    /* 80..120 ms of jitter */
        seed = seed * 1103515245u + 12345u;
        an_rec(a, "sendMessage", TG_OK, 0, 80 + (seed >> 8) % 41);
        an_clock += 100;
    }
    tg_analytics_get_summary(a, &s);
    CHECK_EQ_INT(s.latency_anomalies, 0);
    CHECK(!s.anomaly);
    CHECK(s.latency_ewma_ms > 90 && s.latency_ewma_ms < 110);
    CHECK(s.latency_dev_ms > 3 && s.latency_dev_ms < 25);
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_OK);
    an_rec(a, "sendMessage", TG_OK, 0, 400);       /* a spike */
    tg_analytics_get_summary(a, &s);
    CHECK_EQ_INT(s.latency_anomalies, 1);
    CHECK(s.anomaly);
    CHECK_EQ_INT(s.health, TG_HEALTH_DEGRADED);
    CHECK(strstr(s.health_reason, "anomaly") != NULL);
    an_clock += 61000;                             /* the flag lasts 60 s */
    tg_analytics_get_summary(a, &s);
    CHECK(!s.anomaly);
    CHECK_EQ_INT(s.health, TG_HEALTH_OK);
    /* a flat series: 1 ms of jitter never flags (the deviation floor) */
    tg_analytics_reset(a);
    for (i = 0; i < 300; i++) an_rec(a, "getMe", TG_OK, 0, 50 + i % 2);
    an_rec(a, "getMe", TG_OK, 0, 60);
    tg_analytics_get_summary(a, &s);
    CHECK_EQ_INT(s.latency_anomalies, 0);
    /* error rate: isolated failures (1 in 50) do not flag, a burst does */
    tg_analytics_reset(a);
    for (i = 0; i < 1000; i++) an_rec(a, "getMe", i % 50 == 49 ? TG_ERR_TIMEOUT : TG_OK, 0, 50);
    tg_analytics_get_summary(a, &s);
    CHECK_EQ_INT(s.error_rate_anomalies, 0);
    CHECK_EQ_INT(s.errors, 20);
    for (i = 0; i < 4; i++) an_rec(a, "getMe", TG_ERR_TIMEOUT, 0, 50);
    tg_analytics_get_summary(a, &s);
    CHECK(s.error_rate_anomalies >= 1);
    CHECK(s.anomaly);
    tg_bot_free(b);
}

TG_TEST(analytics_load_trend_prediction) {
    tg_bot *b = an_bot(NULL);
    tg_analytics *a;
    tg_analytics_summary s;
    double ewma = 0;
    uint32_t min, i;
    CHECK(b != NULL);
    if (!b) return;
    a = tg_bot_analytics(b);
    an_clock = 9000000;
    tg_analytics_reset(a);
    for (min = 0; min < 10; min++) {              /* 10, 20, ... 100 calls per minute */
        for (i = 0; i < 10 * (min + 1); i++) {
            an_clock = 9000000 + (uint64_t)min * 60000 + i * 100;
            an_rec(a, "getMe", TG_OK, 0, 20);
        }
        ewma = min ? 0.3 * 10.0 * (min + 1) + 0.7 * ewma : 10.0;
    }
    an_clock = 9000000 + 10 * 60000;               /* minute 10 opens: 10 minutes closed */
    tg_analytics_get_summary(a, &s);
    CHECK(s.load_trend > 9.999 && s.load_trend < 10.001);
    CHECK(s.load_predicted > 109.99 && s.load_predicted < 110.01);
    CHECK(s.load_per_min_ewma > ewma - 1e-6 && s.load_per_min_ewma < ewma + 1e-6);
    /* the load falls to nothing: after 10 idle minutes the line is flat at 0 */
    an_clock += 10 * 60000;
    tg_analytics_get_summary(a, &s);
    CHECK(s.load_trend > -1e-9 && s.load_trend < 1e-9);
    CHECK(s.load_predicted < 1e-9);
    /* falling series: prediction floored at 0 */
    an_clock = 20000000;
    tg_analytics_reset(a);
    for (min = 0; min < 5; min++)
        for (i = 0; i < 40 - 10 * min; i++) { an_clock = 20000000 + (uint64_t)min * 60000 + i; an_rec(a, "getMe", TG_OK, 0, 20); }
    an_clock = 20000000 + 5 * 60000;
    tg_analytics_get_summary(a, &s);
    CHECK(s.load_trend < -9.999 && s.load_trend > -10.001);
    CHECK(s.load_predicted < 1e-9);
    /* a very long idle gap is bounded work */
    an_clock += (uint64_t)1000000 * 60000;
    tg_analytics_get_summary(a, &s);
    CHECK(s.load_per_min_ewma < 1e-9);
    tg_bot_free(b);
}

TG_TEST(analytics_health_states) {
    tg_bot *b = an_bot(NULL);
    tg_analytics *a;
    tg_error e;
    const char *why = NULL;
    int i;
    CHECK(b != NULL);
    if (!b) return;
    a = tg_bot_analytics(b);
    an_clock = 30000000;
    tg_analytics_reset(a);
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_OK);
    CHECK_STR(why, "ok");
    for (i = 0; i < 50; i++) an_rec(a, "getMe", TG_OK, 0, 30);
    CHECK_EQ_INT(tg_analytics_health(a, NULL), TG_HEALTH_OK);
    for (i = 0; i < 2; i++) an_rec(a, "getMe", TG_ERR_API, 500, 30);        /* error-rate EWMA over 10 % */
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_DEGRADED);
    for (i = 0; i < 3; i++) an_rec(a, "getMe", TG_ERR_CONNECT, 0, 30);       /* 5 in a row */
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_FAILING);
    CHECK(strstr(why, "last 5") != NULL);
    CHECK_STR(tg_health_str(TG_HEALTH_FAILING), "failing");
    for (i = 0; i < 200; i++) an_rec(a, "getMe", TG_OK, 0, 30);
    an_clock += 61000;
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_OK);
    /* a 429 wait degrades for 60 s */
    memset(&e, 0, sizeof e);
    e.code = TG_ERR_API; e.error_code = 429; e.retry_after = 3;
    tg__analytics_retry(a, &e, 3000);
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_DEGRADED);
    CHECK(strstr(why, "429") != NULL);
    an_clock += 60000;
    CHECK_EQ_INT(tg_analytics_health(a, &why), TG_HEALTH_OK);
    tg_bot_free(b);
}

/* a bot with a bit of everything recorded, for the export tests */
static tg_bot *an_mixed(void) {
    tg_bot *b = an_bot(NULL);
    tg_analytics *a;
    tg_error e;
    int i;
    if (!b) return NULL;
    a = tg_bot_analytics(b);
    an_clock = 40000000;
    tg_analytics_reset(a);
    for (i = 0; i < 30; i++) an_rec(a, "getMe", TG_OK, 0, (uint64_t)(5 + i * 37 % 300));
    for (i = 0; i < 10; i++) an_rec(a, "sendMessage", i % 3 ? TG_OK : TG_ERR_API, i % 3 ? 0 : 403, 120);
    an_rec(a, "getChat", TG_ERR_API, 429, 7000);
    an_rec(a, "getChat", TG_ERR_TLS_UNTRUSTED, 0, 70000);
    memset(&e, 0, sizeof e);
    e.code = TG_ERR_API; e.error_code = 429;
    tg__analytics_retry(a, &e, 2000);
    tg_analytics_record_update(a, "message", true, 3);
    tg_analytics_record_update(a, "callback_query", false, 1);
    an_clock += 90500;
    return b;
}

static size_t an_count_series(const char *text) {
    size_t n = 0;
    const char *p = text;
    while (*p) {
        if (*p != '#' && *p != '\n') n++;
        p = strchr(p, '\n');
        if (!p) break;
        p++;
    }
    return n;
}

TG_TEST(analytics_prometheus_promtool) {
    tg_bot *b = an_mixed();
    static char out[1 << 16];
    char small[100], path[64], cmd[160];
    size_t n, n2;
    FILE *f;
    int rc;
    CHECK(b != NULL);
    if (!b) return;
    n = tg_analytics_prometheus(tg_bot_analytics(b), out, sizeof out);
    CHECK(n > 0 && n < sizeof out);
    CHECK_EQ_INT(strlen(out), n);
    n2 = tg_analytics_prometheus(tg_bot_analytics(b), small, sizeof small);   /* too small: cut, length said */
    CHECK_EQ_INT(n2, n);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);
    CHECK(strstr(out, AN_SECRET) == NULL && strstr(out, "123456") == NULL);
    CHECK(strstr(out, "tgbot_calls_total 42\n") != NULL);
    CHECK(strstr(out, "tgbot_method_errors_total{method=\"sendMessage\",class=\"telegram\",code=\"403\"} 4\n") != NULL);
    CHECK(strstr(out, "tgbot_method_errors_total{method=\"getChat\",class=\"telegram\",code=\"429\"} 1\n") != NULL);
    CHECK(strstr(out, "tgbot_method_errors_total{method=\"getChat\",class=\"tls\"} 1\n") != NULL);
    CHECK(strstr(out, "tgbot_method_duration_seconds_bucket{method=\"getChat\",le=\"65.536\"} 1\n") != NULL);
    CHECK(strstr(out, "tgbot_method_duration_seconds_bucket{method=\"getChat\",le=\"+Inf\"} 2\n") != NULL);
    CHECK(strstr(out, "tgbot_method_duration_seconds_sum{method=\"getChat\"} 77.000\n") != NULL);
    CHECK(strstr(out, "tgbot_method_duration_seconds_count{method=\"sendMessage\"} 10\n") != NULL);
    CHECK(strstr(out, "tgbot_rate_limit_hits_total 2\n") != NULL);
    CHECK(strstr(out, "tgbot_rate_limit_wait_seconds_total 2.000\n") != NULL);
    CHECK(strstr(out, "tgbot_uptime_seconds 90.500\n") != NULL);
    CHECK(strstr(out, "tgbot_updates_total{kind=\"message\"} 1\n") != NULL);
    CHECK(strstr(out, "tgbot_health{state=\"degraded\"} 1\n") != NULL);
    CHECK(strstr(out, "# TYPE tgbot_method_duration_seconds histogram\n") != NULL);
    /* the series count the header states: 22 fixed + 53 per method + 1 per update kind */
    CHECK_EQ_INT(an_count_series(out), 22 + 3 * 53 + 2);
    /* locale: a comma decimal point changes nothing */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
        static char out2[1 << 16];
        tg_analytics_prometheus(tg_bot_analytics(b), out2, sizeof out2);
        CHECK(strcmp(out, out2) == 0);
        setlocale(LC_NUMERIC, "C");
    }
    if (system("command -v promtool >/dev/null 2>&1") != 0) {
        tg_bot_free(b);
        SKIP("promtool not installed (Debian package prometheus; tests/deps.sh installs it)");
    }
    snprintf(path, sizeof path, "/tmp/tgbot_an_%d.prom", (int)getpid());
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) { fwrite(out, 1, n, f); fclose(f); }
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s", path);
    rc = system(cmd);
    CHECK_EQ_INT(rc, 0);
    /* and the output of a bot with no calls at all */
    tg_analytics_reset(tg_bot_analytics(b));
    tg_analytics_prometheus(tg_bot_analytics(b), out, sizeof out);
    CHECK_EQ_INT(an_count_series(out), 22);
    f = fopen(path, "w");
    if (f) { fputs(out, f); fclose(f); }
    rc = system(cmd);
    CHECK_EQ_INT(rc, 0);
    unlink(path);
    tg_bot_free(b);
}

TG_TEST(analytics_json_parsed_back) {
    tg_bot *b = an_mixed();
    tg_json_writer w;
    tg_json_doc d;
    static tg_json_tok toks[4096];
    const char *str = NULL;
    int64_t v = 0;
    double f = 0;
    bool flag = true;
    char *copy;
    CHECK(b != NULL);
    if (!b) return;
    tg_json_writer_init_grow(&w, NULL);
    tg_analytics_json(tg_bot_analytics(b), &w);
    CHECK_EQ_INT(w.err, TG_OK);
    CHECK(strstr(w.buf, AN_SECRET) == NULL && strstr(w.buf, "123456") == NULL);
    copy = (char *)malloc(w.len + 1);
    memcpy(copy, w.buf, w.len + 1);
    CHECK_EQ_INT(tg_json_parse(&d, copy, w.len, toks, 4096, NULL), TG_OK);
    CHECK(tg_json_i64(&d, tg_json_get(&d, 0, "calls"), &v) && v == 42);
    CHECK(tg_json_i64(&d, tg_json_get(&d, 0, "errors"), &v) && v == 6);
    CHECK(tg_json_i64(&d, tg_json_get(&d, 0, "rate_limit_wait_ms"), &v) && v == 2000);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "methods.sendMessage.errors_by_class.403"), &v) && v == 4);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "methods.getChat.errors_by_class.tls"), &v) && v == 1);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "methods.getChat.max_ms"), &v) && v == 70000);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "methods.getMe.calls"), &v) && v == 30);
    CHECK(tg_json_f64(&d, tg_json_path(&d, 0, "methods.sendMessage.mean_ms"), &f) && f == 120.0);
    CHECK(tg_json_f64(&d, tg_json_get(&d, 0, "error_rate"), &f) && f > 6.0 / 42 - 1e-12 && f < 6.0 / 42 + 1e-12);
    CHECK(tg_json_str(&d, tg_json_path(&d, 0, "health.state"), &str, NULL) && strcmp(str, "degraded") == 0);
    CHECK(tg_json_bool(&d, tg_json_get(&d, 0, "anomaly"), &flag));
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "updates_by_kind.callback_query"), &v) && v == 1);
    CHECK(tg_json_i64(&d, tg_json_get(&d, 0, "updates_unhandled"), &v) && v == 1);
    free(copy);
    tg_json_writer_free(&w);
    tg_bot_free(b);
}

TG_TEST(analytics_memory_bounded_many_methods) {
    tg_bot *b = an_bot(NULL);
    tg_analytics *a;
    tg_analytics_method_stats m;
    static char out[1 << 20];
    long long live0;
    size_t len1, len2;
    char name[48];
    int i;
    CHECK(b != NULL);
    if (!b) return;
    a = tg_bot_analytics(b);
    tg_analytics_reset(a);
    live0 = an_live;
    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "method%d", i);
        an_rec(a, name, TG_OK, 0, 10);
    }
    an_rec(a, "aVeryLongMethodNameThatDoesNotFitTheRowOfTheTableAtAll", TG_OK, 0, 10);
    for (i = 0; i < 100; i++) tg_analytics_record_update(a, i % 2 ? "message" : name, true, 0);
    for (i = 0; i < 40; i++) {                                       /* peer-made kinds: 16 rows at most */
        snprintf(name, sizeof name, "kind_%c%c", 'a' + i % 26, 'a' + i / 26);
        tg_analytics_record_update(a, name, true, 0);
    }
    tg_analytics_record_update(a, "evil\"} 1\ntgbot_x", false, 0);   /* not [a-z_]: "other" */
    tg_analytics_record_update(a, NULL, false, 0);
    CHECK_EQ_INT(an_live, live0);                                    /* no allocation at all */
    CHECK(tg_analytics_method(a, "method0", &m) && m.calls == 1);
    CHECK(tg_analytics_method(a, "method31", &m) && m.calls == 1);
    CHECK(!tg_analytics_method(a, "method32", &m));
    CHECK(tg_analytics_method(a, "other", &m) && m.calls == 1000 - 32 + 1);
    len1 = tg_analytics_prometheus(a, out, sizeof out);
    for (i = 1000; i < 3000; i++) { snprintf(name, sizeof name, "method%d", i); an_rec(a, name, TG_OK, 0, 10); }
    len2 = tg_analytics_prometheus(a, out, sizeof out);
    CHECK(len2 < len1 + 40);                                         /* only numbers grow */
    CHECK_EQ_INT(an_count_series(out), 22 + 33 * 53 + 17);
    CHECK(strstr(out, "evil") == NULL && strstr(out, "tgbot_x") == NULL);
    tg_bot_free(b);
    CHECK_EQ_INT(an_live, 0);                                        /* tg_bot_free frees the analytics too */
}

static int an_h_msg(tg_ctx *ctx, void *ud) { (void)ctx; (void)ud; an_clock += 12; return TG_HANDLED; }

TG_TEST(analytics_dispatcher_updates_by_kind) {
    tg_bot *b = an_bot(NULL);
    tg_dispatcher *d = NULL;
    tg_analytics_summary s;
    static const char *const ups[3] = {
        "{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":5,\"type\":\"private\"},\"text\":\"hi\"}}",
        "{\"update_id\":2,\"message\":{\"message_id\":2,\"date\":1,\"chat\":{\"id\":5,\"type\":\"private\"},\"text\":\"yo\"}}",
        "{\"update_id\":3,\"poll_answer\":{\"poll_id\":\"p\",\"option_ids\":[0]}}" };
    static char out[1 << 16];
    int i;
    CHECK(b != NULL);
    if (!b) return;
    CHECK_EQ_INT(tg_dispatcher_new(&d, b, NULL), TG_OK);
    CHECK_EQ_INT(tg_on_update(d, "message", an_h_msg, NULL), TG_OK);
    for (i = 0; i < 3; i++) {
        char *buf = tg_arena_strndup(tg_bot_arena(b), ups[i], strlen(ups[i]));
        static tg_json_tok toks[256];
        tg_json_doc doc;
        tg_json_value v;
        CHECK_EQ_INT(tg_json_parse(&doc, buf, strlen(ups[i]), toks, 256, NULL), TG_OK);
        v.doc = &doc; v.tok = 0;
        CHECK_EQ_INT(tg_dispatch(d, &v), TG_OK);
    }
    tg_analytics_get_summary(tg_bot_analytics(b), &s);
    CHECK_EQ_INT(s.updates, 3);
    CHECK_EQ_INT(s.updates_unhandled, 1);
    CHECK_EQ_INT(s.handler_ms, 24);
    tg_analytics_prometheus(tg_bot_analytics(b), out, sizeof out);
    CHECK(strstr(out, "tgbot_updates_total{kind=\"message\"} 2\n") != NULL);
    CHECK(strstr(out, "tgbot_updates_total{kind=\"poll_answer\"} 1\n") != NULL);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}
#else
/* built without the analytics module: every test says so */
#define AN_SKIPPED(name) TG_TEST(name) { SKIP("built without TGBOT_ENABLE_ANALYTICS"); }
AN_SKIPPED(analytics_pipeline_counts_by_method_and_code)
AN_SKIPPED(analytics_percentiles_within_bound)
AN_SKIPPED(analytics_anomaly_spike_not_jitter)
AN_SKIPPED(analytics_load_trend_prediction)
AN_SKIPPED(analytics_health_states)
AN_SKIPPED(analytics_prometheus_promtool)
AN_SKIPPED(analytics_json_parsed_back)
AN_SKIPPED(analytics_memory_bounded_many_methods)
AN_SKIPPED(analytics_dispatcher_updates_by_kind)
#endif
