/* bench_tls_first: time to the first answer of a fresh process, plain HTTP against HTTPS.
   Each run forks a child that creates a bot (trusting CA_BUNDLE: the system bundle plus the test CA,
   so the whole system bundle is decoded as in production) and calls getMe once; the child reports
   tg_bot_new and the whole first request. Then a second bot in the same child shows the cost once
   the bundle is decoded. HTTP and HTTPS runs alternate; medians of RUNS.
   usage: bench_tls_first HTTP_URL HTTPS_URL CA_BUNDLE [RUNS]   (tests/with_servers.sh gives the URLs) */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"

static double cpu_ms(void) {     /* this process, user + system */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* new bot + getMe: fills t[0] (tg_bot_new), t[1] (new + first answer) and t[2] (the CPU time the
   client spent on both), ms; 0 on success */
static int first_request(const char *url, const char *ca, double t[3]) {
    tg_bot_desc d;
    tg_bot *b;
    tg_error e;
    double t0 = now_ms(), c0 = cpu_ms();
    int ok;
    memset(&d, 0, sizeof d);
    d.token = TOKEN;
    d.base_url = url;
    d.tls.ca_file = ca;
    if (tg_bot_new(&b, &d, &e) != TG_OK) { fprintf(stderr, "tg_bot_new: %s\n", e.description); return -1; }
    t[0] = now_ms() - t0;
    ok = tg_call(b, "getMe", NULL, NULL) == TG_OK;
    t[1] = now_ms() - t0;
    t[2] = cpu_ms() - c0;
    if (!ok) fprintf(stderr, "getMe: %s\n", tg_bot_last_error(b)->description);
    tg_bot_free(b);
    return ok ? 0 : -1;
}

/* in a fresh process: the first bot, then a second one */
static int run_child(const char *url, const char *ca, double out[6]) {
    int fd[2], st;
    pid_t pid;
    if (pipe(fd) != 0) return -1;
    pid = fork();
    if (pid == 0) {
        double t[6];
        close(fd[0]);
        if (first_request(url, ca, t) != 0 || first_request(url, ca, t + 3) != 0) _exit(1);
        if (write(fd[1], t, sizeof t) != (ssize_t)sizeof t) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    st = read(fd[0], out, 6 * sizeof(double)) == (ssize_t)(6 * sizeof(double)) ? 0 : -1;
    close(fd[0]);
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    return 0;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, cmp); return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; }

int main(int argc, char **argv) {
    int runs = argc > 4 ? atoi(argv[4]) : 15, i, k;
    double (*r)[2][6], mh[6], ms[6];
    static const char *const names[6] = { "bot_new_ms", "first_request_ms", "first_request_cpu_ms",
                                          "second_bot_new_ms", "second_bot_request_ms", "second_bot_cpu_ms" };
    if (argc < 4 || runs < 1 || runs > 1000) {
        fprintf(stderr, "usage: bench_tls_first HTTP_URL HTTPS_URL CA_BUNDLE [RUNS]\n");
        return 2;
    }
    r = calloc((size_t)runs, sizeof *r);
    if (!r) return 1;
    for (i = 0; i < runs; i++)
        for (k = 0; k < 2; k++)
            if (run_child(argv[1 + k], argv[3], r[i][k]) != 0) { fprintf(stderr, "run %d failed\n", i); return 1; }
    printf("fresh process, median of %d runs each, HTTP and HTTPS alternating (ms):\n", runs);
    printf("%-24s %8s %8s %8s\n", "", "http", "https", "ratio");
    for (k = 0; k < 6; k++) {
        double h[1000], s[1000];
        for (i = 0; i < runs; i++) { h[i] = r[i][0][k]; s[i] = r[i][1][k]; }
        mh[k] = median(h, runs); ms[k] = median(s, runs);
        printf("%-24s %8.2f %8.2f %8.2f\n", names[k], mh[k], ms[k], ms[k] / mh[k]);
    }
    printf("tls_first_request_ratio: %.2f (goal <= 2)\n", ms[1] / mh[1]);
    free(r);
    return 0;
}
