#if TGBOT__HAS_ANALYTICS
/* analytics (TGBOT_ENABLE_ANALYTICS): metrics of one bot's calls and updates, an anomaly detector,
   a load trend, a health check, and export as Prometheus text or JSON.

   Opt-in per bot: tg_analytics_enable(bot) allocates the state (one block, with the bot's
   allocator, about 16 KiB) and from then on every call that reaches the network is recorded at the
   end of the call pipeline (after decode and the retries), and every update the dispatcher handles
   is counted by kind. The bot owns it; tg_bot_free frees it. No thread, no global: everything runs
   on the caller's thread, time comes from the bot's tg_platform.now_ms (tests inject a clock).
   Not recorded: calls refused before sending (argument validation: they never reached the
   network) and calls ended by tg_stop (TG_ERR_STOPPED).

   Memory is bounded: TGBOT_ANALYTICS_METHODS rows keyed by method name (first come, first served),
   every further method name is counted in the row "other"; 16 update kinds likewise (a kind
   is the update's first key, sent by the peer: one that is not [a-z_]{1,31} counts as "other").

   Latency: a histogram per method with fixed buckets, upper bounds 0 1 2 3 4 6 8 11 16 23 32 45 64
   91 128 181 256 362 512 724 1024 1448 2048 2896 4096 5793 8192 11585 16384 23170 32768 46341
   65536 ms and +Inf (ratio about sqrt 2). Percentiles (nearest rank) report the upper bound of the
   bucket holding the rank, clamped to the observed max: an estimate is never below the true
   percentile and at most 41.5 % above it (exact up to 4 ms; beyond 65536 ms it is the max).

   Anomaly detector (deterministic: the same samples give the same flags):
   - latency: EWMA mean and EWMA variance of every call's latency, alpha = 1/8. After 20 calls a
     call whose latency is more than 3 standard deviations above the mean (the deviation floored at
     1 ms and at 10 % of the mean, so a flat series does not flag 1 ms of jitter) counts as an
     anomaly. The sample then updates the EWMAs like any other.
   - error rate: a fast EWMA (alpha 1/16) and a slow baseline EWMA (alpha 1/256) of "the call
     failed" (0/1). After 20 calls the rate is anomalous while fast > slow and
     (fast - slow) > 3 * sqrt(p (1 - p) / 31), p = max(slow, 0.02) (31: the effective sample size of
     the fast EWMA).
   An anomaly keeps the "anomaly" flag on for 60 s of the clock.
   Load: calls per one-minute bucket (a ring of 16 minutes; the current minute is open). The
   calls/min EWMA (alpha 0.3) is updated as each minute closes; the prediction for the next minute
   is a least-squares line through the last 10 closed minutes (fewer while the bot is young),
   evaluated one minute ahead and floored at 0; the slope is the trend (calls/min per minute).
   Health: "failing" when the last 5 calls all failed or the error-rate EWMA is >= 0.5 (after 5
   calls); "degraded" when the error-rate EWMA is >= 0.1, an anomaly is flagged, or a 429 wait
   happened in the last 60 s; otherwise "ok". The reason says which rule decided.

   Export. Metric series (counted honestly, as tg_analytics_prometheus writes them; the test
   analytics_prometheus_promtool counts them):
   - 22 fixed series: calls, errors, retries, rate-limit hits, rate-limit waits, rate-limit wait
     seconds, unhandled updates, handler seconds, latency anomalies, error-rate anomalies
     (counters); uptime, error ratio, error-ratio EWMA, latency EWMA, latency deviation, anomaly
     flag, load EWMA, load trend, load prediction (gauges); health (one series per state: 3);
   - with the bot's cache enabled (TGBOT_ENABLE_CACHE, cache.h) 5 more, read from the cache when
     exporting: cache hits and misses (counters; hits are not calls: they send nothing), hit
     ratio, entries, bytes (gauges); in JSON an object "cache" with the same figures;
   - per method row that has seen a call: calls, retries, 13 error classes, 34 histogram buckets
     (+Inf included), _sum, _count, min, max = 53 series;
   - per update kind seen: 1 series;
   - once a webhook server on the bot has scored a source (webhook.h, threat scoring) 3 more:
     threat signals, threat points, sources blocked (counters); in JSON "webhook_threats".
   So a bot using 3 methods and 2 update kinds exports 22 + 159 + 2 = 183 series, one using a
   single method 75; the most (33 rows, 17 kinds) is 22 + 1749 + 17 = 1788. The "50+" of the Python
   original is reached by 1 method; counted as metric families (names) there are 27.
   Names start with tgbot_; labels method="sendMessage", class="telegram", code="429",
   kind="message". The token never appears: only method names and numbers are written.
   Prometheus numbers are written without printf's locale (integers; seconds from milliseconds
   with 3 decimals; other gauges fixed-point with 6 decimals); JSON uses the library's
   locale-independent writer. Not measured here: request/response bytes. */

#ifndef TGBOT_ANALYTICS_METHODS
#define TGBOT_ANALYTICS_METHODS 32         /* named rows; one more row collects the rest */
#endif
#define TG_ANALYTICS_BUCKETS 34            /* 33 finite bounds + Inf */

typedef struct tg_analytics tg_analytics;

/* error classes of a failed call (the per-method error table is indexed by these) */
typedef enum tg_analytics_class {
    TG_AN_NETWORK = 0, TG_AN_TLS, TG_AN_PROTOCOL,       /* no answer / TLS / not a Bot API answer */
    TG_AN_API_400, TG_AN_API_401, TG_AN_API_403, TG_AN_API_404, TG_AN_API_409, TG_AN_API_429,
    TG_AN_API_4XX_OTHER, TG_AN_API_5XX, TG_AN_OUTCOME_UNKNOWN, TG_AN_OTHER,
    TG_AN_CLASS_COUNT
} tg_analytics_class;

typedef enum tg_health { TG_HEALTH_OK = 0, TG_HEALTH_DEGRADED, TG_HEALTH_FAILING } tg_health;

/* one finished call, as the pipeline reports it (tg_analytics_record takes the same) */
typedef struct tg_analytics_sample {
    const char *method;
    tg_err code;              /* TG_OK or the call's error */
    int error_code;           /* Telegram's error_code, 0 if none */
    int http_status;          /* 0 if no answer */
    uint64_t latency_ms;      /* the whole call, retries and back-off waits included */
    uint32_t attempts;        /* 1 + retries */
} tg_analytics_sample;

typedef struct tg_analytics_method_stats {
    const char *method;                       /* "other" for the overflow row */
    uint64_t calls, errors, retries;
    uint64_t errors_by_class[TG_AN_CLASS_COUNT];
    uint64_t min_ms, max_ms, sum_ms;
    double mean_ms;
    uint64_t p50_ms, p90_ms, p99_ms;          /* see the error bound above; 0 without calls */
} tg_analytics_method_stats;

typedef struct tg_analytics_summary {
    uint64_t calls, errors, retries, rate_limit_hits, rate_limit_waits, rate_limit_wait_ms;
    uint64_t updates, updates_unhandled, handler_ms;
    uint64_t latency_anomalies, error_rate_anomalies;
    uint64_t uptime_ms;
    double error_rate;                        /* errors / calls since enable or reset */
    double error_rate_ewma, latency_ewma_ms, latency_dev_ms;
    bool anomaly;                             /* an anomaly in the last 60 s */
    double load_per_min_ewma, load_trend, load_predicted;
    tg_health health;
    const char *health_reason;                /* static text */
} tg_analytics_summary;

/* Turns analytics on for this bot (idempotent). TG_ERR_NOMEM if the state cannot be allocated. */
TGBOT_API tg_err tg_analytics_enable(tg_bot *bot);
TGBOT_API tg_analytics *tg_bot_analytics(tg_bot *bot);         /* NULL until enabled */
TGBOT_API void tg_analytics_reset(tg_analytics *a);            /* forgets everything, uptime restarts */
/* records a call made outside the pipeline (or a synthetic one in tests) */
TGBOT_API void tg_analytics_record(tg_analytics *a, const tg_analytics_sample *s);
/* records one update the dispatcher handled (the dispatcher calls this itself) */
TGBOT_API void tg_analytics_record_update(tg_analytics *a, const char *kind, bool handled, uint64_t handler_ms);
/* a webhook server's threat scoring (webhook.h): one scored signal worth `points`, and whether it
   blocked its source; the webhook server on the bot records these itself */
TGBOT_API void tg_analytics_record_threat(tg_analytics *a, uint32_t points, bool blocked);
/* false when the method has no row (never called; or counted in "other": ask for "other") */
TGBOT_API bool tg_analytics_method(tg_analytics *a, const char *method, tg_analytics_method_stats *out);
TGBOT_API void tg_analytics_get_summary(tg_analytics *a, tg_analytics_summary *out);
TGBOT_API tg_health tg_analytics_health(tg_analytics *a, const char **reason);
TGBOT_API const char *tg_health_str(tg_health h);             /* "ok", "degraded", "failing" */
TGBOT_API const char *tg_analytics_class_str(tg_analytics_class c);
/* Prometheus text exposition format (version 0.0.4) into buf; returns the length of the whole
   text (like snprintf: if it is >= cap the text was cut, call again with a bigger buffer). buf is
   NUL-terminated when cap > 0. */
TGBOT_API size_t tg_analytics_prometheus(tg_analytics *a, char *buf, size_t cap);
/* one JSON object value with everything (fixed or growable writer; errors stick in w->err) */
TGBOT_API void tg_analytics_json(tg_analytics *a, tg_json_writer *w);
#endif /* TGBOT__HAS_ANALYTICS */
