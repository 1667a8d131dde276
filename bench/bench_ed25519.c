/* bench_ed25519: Ed25519 verifications per second of tg_ed25519_verify. Reads from stdin lines
   "pubkey_hex sig_hex msg_hex" (made by bench/bench_ed25519.py with Python's cryptography), checks
   every one verifies, then times rounds over them and prints the median rate. */
#define TGBOT_IMPLEMENTATION
#include "../tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + (double)t.tv_nsec / 1e9; }
static int unhex(const char *h, unsigned char *o, size_t cap) {
    size_t i;
    for (i = 0; h[2 * i] && h[2 * i] != ' ' && h[2 * i] != '\n'; i++) {
        unsigned x;
        if (i >= cap || sscanf(h + 2 * i, "%2x", &x) != 1) return -1;
        o[i] = (unsigned char)x;
    }
    return (int)i;
}
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    static unsigned char pk[64][32], sig[64][64], msg[64][256];
    static int mlen[64];
    char line[2048];
    int n = 0, i, r, rounds = argc > 1 ? atoi(argv[1]) : 5;
    double rate[32];
    while (n < 64 && fgets(line, sizeof line, stdin)) {
        char *s1 = strchr(line, ' '), *s2 = s1 ? strchr(s1 + 1, ' ') : NULL;
        if (!s2 || unhex(line, pk[n], 32) != 32 || unhex(s1 + 1, sig[n], 64) != 64) continue;
        mlen[n] = unhex(s2 + 1, msg[n], sizeof msg[n]);
        if (mlen[n] < 0) continue;
        if (!tg_ed25519_verify(sig[n], msg[n], (size_t)mlen[n], pk[n])) { fprintf(stderr, "signature %d did not verify\n", n); return 1; }
        n++;
    }
    if (n == 0) { fprintf(stderr, "no input\n"); return 1; }
    if (rounds < 1 || rounds > 32) rounds = 5;
    for (r = 0; r < rounds; r++) {
        long count = 0;
        double t0 = now_s(), t;
        do {
            for (i = 0; i < n; i++) count += tg_ed25519_verify(sig[i], msg[i], (size_t)mlen[i], pk[i]);
            t = now_s() - t0;
        } while (t < 0.4);
        rate[r] = (double)count / t;
    }
    qsort(rate, (size_t)rounds, sizeof rate[0], cmp);
    printf("%.0f\n", rate[rounds / 2]);
    return 0;
}
