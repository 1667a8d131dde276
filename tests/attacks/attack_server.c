/* attack_server: the webhook server with its default hardening, for tests/attacks/run_attacks.py.
     attack_server PORTFILE [--tls CERT KEY] [--nofile N]
   Writes its port to PORTFILE, serves /tg with secret ATTACK_SECRET until SIGTERM, then prints one
   JSON line: how often each legit update (update_id 1..LEGIT_MAX) was handled, other updates, its
   CPU time, wall time and peak RSS, and the server's counters. */
#define TGBOT_IMPLEMENTATION
#define TGBOT_ENABLE_WEBHOOK 1
#include "tgbot.h"
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#define ATTACK_SECRET "attack_Secret-0123456789abcdef"
#define LEGIT_MAX 2000

static unsigned char seen[LEGIT_MAX + 1];
static unsigned long others;

static int handler(tg_ctx *ctx, void *ud) {
    int64_t id = ctx->update->update_id;
    (void)ud;
    if (id >= 1 && id <= LEGIT_MAX) { if (seen[id] < 255) seen[id]++; }
    else others++;
    return TG_HANDLED;
}

/* peak RSS of this program: VmHWM (ru_maxrss would include the forked parent's pages before exec) */
static long peak_rss_kb(void) {
    char line[128];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
    fclose(f);
    return kb;
}

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_webhook_desc wd;
    tg_bot *bot = NULL;
    tg_dispatcher *d = NULL;
    tg_webhook *w = NULL;
    tg_error err;
    tg_webhook_stats s;
    struct rusage ru;
    FILE *f;
    int i, once = 0, dup = 0, lost = 0;
    double t0;
    memset(&bd, 0, sizeof bd);
    memset(&wd, 0, sizeof wd);
    if (argc < 2) { fprintf(stderr, "usage: attack_server PORTFILE [--tls CERT KEY] [--nofile N]\n"); return 2; }
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--tls") == 0 && i + 2 < argc) { wd.tls_cert_file = argv[i + 1]; wd.tls_key_file = argv[i + 2]; i += 2; }
        else if (strcmp(argv[i], "--nofile") == 0 && i + 1 < argc) {
            struct rlimit rl;
            getrlimit(RLIMIT_NOFILE, &rl);
            rl.rlim_cur = (rlim_t)atoi(argv[++i]);
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) { perror("setrlimit"); return 1; }
        }
    }
    bd.token = "123456:ATTACKattackATTACKattackATTACK00000";   /* never used: the handler calls nothing */
    bd.base_url = "http://127.0.0.1:9";
    bd.logger.fn = tg_log_stderr;
    bd.logger.level = TG_LOG_WARN;
    if (tg_bot_new(&bot, &bd, &err) != TG_OK) { fprintf(stderr, "attack_server: %s\n", err.description); return 1; }
    tg_dispatcher_new(&d, bot, NULL);
    tg_on_update(d, NULL, handler, NULL);
    wd.host = "127.0.0.1";
    wd.path = "/tg";
    wd.secret_token = ATTACK_SECRET;
    wd.handle_signals = true;
    if (tg_webhook_new(&w, d, &wd, &err) != TG_OK) { fprintf(stderr, "attack_server: %s\n", err.description); return 1; }
    f = fopen(argv[1], "w");
    if (!f) return 1;
    fprintf(f, "%u\n", (unsigned)tg_webhook_port(w));
    fclose(f);
    t0 = mono();
    tg_webhook_run(w);
    tg_webhook_get_stats(w, &s);
    getrusage(RUSAGE_SELF, &ru);
    for (i = 1; i <= LEGIT_MAX; i++) {
        if (seen[i] == 1) once++;
        else if (seen[i] == 0) lost++;
        else dup++;
    }
    printf("{\"once\": %d, \"dup\": %d, \"lost\": %d, \"others\": %lu, \"cpu_s\": %.3f, \"wall_s\": %.3f, \"maxrss_kb\": %ld, "
           "\"connections\": %llu, \"evicted\": %llu, \"refused\": %llu, \"blocked\": %llu, \"blocked_refused\": %llu, "
           "\"accept_failures\": %llu, \"accept_pauses\": %llu, \"timeouts\": %llu, \"tls_failures\": %llu, \"source_refused\": %llu, \"requests\": %llu}\n",
           once, dup, lost, others, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, mono() - t0, peak_rss_kb(),
           (unsigned long long)s.connections, (unsigned long long)s.evicted, (unsigned long long)s.connections_refused,
           (unsigned long long)s.sources_blocked, (unsigned long long)s.blocked_refused, (unsigned long long)s.accept_failures, (unsigned long long)s.accept_pauses,
           (unsigned long long)s.timeouts, (unsigned long long)s.tls_failures, (unsigned long long)s.source_connections_refused,
           (unsigned long long)s.requests);
    tg_webhook_free(w);
    tg_dispatcher_free(d);
    tg_bot_free(bot);
    return 0;
}
