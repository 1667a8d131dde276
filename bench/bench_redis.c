/* bench_redis: limiter admits per second through the Redis store (GCRA script, one round trip
   each), and store get/set per second. bench_redis PORT OP N  (OP: admit | get | set); prints
   "OP N ops in S s". Run by bench/bench_redis.sh next to redis-benchmark. */
#define TGBOT_IMPLEMENTATION
#define TGBOT_ENABLE_REDIS
#define TGBOT_TLS_NONE
#include "../tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    tg_redis_desc rd;
    tg_store *s = NULL;
    struct timespec a, b;
    long i, n;
    uint64_t w;
    char buf[64], key[32];
    size_t len;
    if (argc != 4) return 2;
    memset(&rd, 0, sizeof rd);
    rd.port = atoi(argv[1]);
    n = atol(argv[3]);
    if (tg_store_redis_new(&s, NULL, &rd) != TG_OK) return 1;
    snprintf(key, sizeof key, "bench:%ld", (long)getpid());
    tg_store_set(s, key, "value", 5, 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < n; i++) {
        tg_err e = TG_OK;
        /* a lane wide enough never to refuse: the cost measured is the admit itself */
        if (strcmp(argv[2], "admit") == 0) e = tg_store_admit(s, "bench:lane", 1, 1000000000u, &w);
        else if (strcmp(argv[2], "get") == 0) e = tg_store_get(s, key, buf, sizeof buf, &len);
        else e = tg_store_set(s, key, "value", 5, 0);
        if (e) { fprintf(stderr, "bench_redis: %s\n", tg_err_str(e)); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%s %ld ops in %.3f s\n", argv[2], n, (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
    tg_store_free(s);
    return 0;
}
