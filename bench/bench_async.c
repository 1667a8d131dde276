/* bench_async URL N INFLIGHT: N sendMessage calls through the whole tgbot.h pipeline (encode,
   stages, pool, HTTP, envelope decode) with INFLIGHT submitted at once (tg_call_async), driven by
   tg_loop_step. The base URL points at the nginx fake of bench-http (a fixed sendMessage answer).
   Prints calls/s and the process's CPU time per call; the pool's connections are opened by a
   warm-up round before the clock starts, as wrk opens its connections before counting. */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <sys/resource.h>

static double cpu_us(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}
static double wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long done_ok, done_bad;
static void on_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    (void)bot; (void)id; (void)res; (void)ud;
    if (code == TG_OK) done_ok++;
    else if (done_bad++ < 3) fprintf(stderr, "bench_async: %s\n", err->description);
}

static int run(tg_bot *b, long n, uint32_t inflight) {
    static const char params[] = "{\"chat_id\":987654321,\"text\":\"Hello from tgbot.h: a message of the usual size, sent many at once.\"}";
    tg_async o;
    long sent = 0;
    memset(&o, 0, sizeof o);
    o.done = on_done;
    while (sent < n || tg_loop_pending(b)) {
        while (sent < n && tg_loop_pending(b) < inflight) {
            if (tg_call_async(b, "sendMessage", params, &o, NULL) != TG_ERR_PENDING) return 1;
            sent++;
        }
        tg_loop_step(b, -1);
        if (tg_loop_pending(b) == 0) tg_bot_reset(b);   /* results are not kept: memory stays flat */
    }
    return done_bad ? 1 : 0;
}

int main(int argc, char **argv) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    long n;
    uint32_t inflight;
    double w0, c0, w1, c1;
    if (argc < 4) { fprintf(stderr, "usage: bench_async URL N INFLIGHT\n"); return 2; }
    n = atol(argv[2]);
    inflight = (uint32_t)atol(argv[3]);
    memset(&d, 0, sizeof d);
    d.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    d.base_url = argv[1];
    d.engine.max_connections = inflight;
    d.ratelimit.disabled = true;       /* nginx is not Telegram: measure the engine, not the limits */
    d.breaker.disabled = true;
    if (tg_bot_new(&b, &d, &e) != TG_OK) { fprintf(stderr, "bench_async: %s\n", e.description); return 1; }
    if (run(b, inflight, inflight)) return 1;                   /* warm-up: opens the pool */
    done_ok = 0;
    w0 = wall_us(); c0 = cpu_us();
    if (run(b, n, inflight)) return 1;
    w1 = wall_us(); c1 = cpu_us();
    if (done_ok != n) { fprintf(stderr, "bench_async: %ld of %ld calls succeeded\n", done_ok, n); return 1; }
    printf("calls_per_s %.1f cpu_us_per_call %.2f\n", (double)n * 1e6 / (w1 - w0), (c1 - c0) / (double)n);
    tg_bot_free(b);
    return 0;
}
