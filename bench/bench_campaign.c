/* One gift campaign run for `make bench-campaign` (driven by bench/bench_campaign.py):
     bench_campaign BASE_URL MODE N JOURNAL      MODE: each | group | off | none (no journal)
   Prints "settled=N seconds=S journal_bytes=B fsyncs=F". Built with TGBOT_ENABLE_STARS only: no
   rate limiter, so the network (the fake server) and the journal are what is measured. */
#define TGBOT_ENABLE_STARS 1
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_campaign_desc cd;
    tg_campaign_summary s;
    tg_bot *bot = NULL;
    tg_error e;
    int64_t *r;
    size_t n, i;
    struct timespec t0, t1;
    if (argc < 5) { fprintf(stderr, "usage: bench_campaign BASE_URL each|group|off|none N JOURNAL\n"); return 1; }
    n = (size_t)strtoul(argv[3], NULL, 10);
    r = (int64_t *)malloc(n * sizeof *r);
    if (!r || !n) return 1;
    for (i = 0; i < n; i++) r[i] = (int64_t)(1000000 + i);
    memset(&bd, 0, sizeof bd);
    bd.base_url = argv[1];
    bd.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    if (tg_bot_new(&bot, &bd, &e) != TG_OK) { fprintf(stderr, "%s\n", e.description); return 1; }
    memset(&cd, 0, sizeof cd);
    cd.gift_id = "5170145012310081615";
    cd.recipients = r;
    cd.recipients_count = n;
    cd.journal_path = argv[4];
    if (!strcmp(argv[2], "each")) cd.sync = TG_JOURNAL_SYNC_EACH;
    else if (!strcmp(argv[2], "group")) cd.sync = TG_JOURNAL_SYNC_GROUP;
    else if (!strcmp(argv[2], "off")) cd.sync = TG_JOURNAL_SYNC_NONE;
    else cd.no_journal = true;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (tg_gift_campaign_run(bot, &cd, &s, &e) != TG_OK) { fprintf(stderr, "campaign: %s\n", e.description); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (s.sent != n) fprintf(stderr, "sent=%zu failed=%zu unknown=%zu pending=%zu\n", s.sent, s.failed, s.unknown, s.pending);
    printf("settled=%zu seconds=%.3f journal_bytes=%llu fsyncs=%llu\n", s.sent + s.failed + s.unknown,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           (unsigned long long)s.journal.bytes, (unsigned long long)s.journal.fsyncs);
    tg_bot_free(bot);
    free(r);
    return s.sent == n ? 0 : 1;
}
