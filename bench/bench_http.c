/* bench_http URL BODYFILE N [CAFILE]: N sequential keep-alive POSTs of BODYFILE (a sendMessage-sized
   JSON body) through tgbot.h's own HTTP client on one connection. Prints calls/s and the client's
   CPU time per call (getrusage); the connection (and TLS handshake) is made before the clock starts,
   as for the libcurl twin (bench_http_curl.c) and wrk. */
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

int main(int argc, char **argv) {
    static char body[65536];
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_request rq;
    tg__http_response rs;
    tg_error e;
    size_t len;
    long i, n;
    double w0 = 0, c0 = 0, w1, c1;
    FILE *f;
    if (argc < 4) { fprintf(stderr, "usage: bench_http URL BODYFILE N [CAFILE]\n"); return 2; }
    if (!(f = fopen(argv[2], "rb"))) { perror(argv[2]); return 2; }
    len = fread(body, 1, sizeof body, f);
    fclose(f);
    n = atol(argv[3]);
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = argv[1];
    cfg.tls.ca_file = argc > 4 ? argv[4] : NULL;
    if (tg__http_client_new(&c, &cfg, &e) != TG_OK) { fprintf(stderr, "bench_http: %s\n", e.description); return 1; }
    memset(&rq, 0, sizeof rq);
    rq.method = "POST";
    rq.path = "/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi/sendMessage";
    rq.content_type = "application/json";
    rq.body = body; rq.body_len = len;
    for (i = -1; i < n; i++) {
        if (i == 0) { w0 = wall_us(); c0 = cpu_us(); }   /* call -1 opens the connection */
        if (tg__http_do(c, &rq, &rs, &e) != TG_OK || rs.status != 200 || rs.body_len < 300) {
            fprintf(stderr, "bench_http: call %ld: %s (status %d)\n", i, e.description, rs.status);
            return 1;
        }
    }
    w1 = wall_us(); c1 = cpu_us();
    if (tg__http_connections_opened(c) != 1) { fprintf(stderr, "bench_http: the connection was not kept alive\n"); return 1; }
    printf("calls_per_s %.1f cpu_us_per_call %.2f\n", (double)n * 1e6 / (w1 - w0), (c1 - c0) / (double)n);
    tg__http_client_free(c);
    return 0;
}
