/* gift_campaign: send a gift (or Premium) to a list of users, at most once each, across crashes.

     gift_campaign --base-url URL --token-file F --journal J --gift GIFT_ID --recipients FILE
                   [--text T] [--budget STARS] [--premium-months N]
                   [--timeout-ms N] [--sync each|group|none] [--batch N]

   The token file holds the token on its first line; the recipients file one user id per line.
   Prints "<user_id> sent|failed|unknown" per recipient as it settles (recipients settled by an
   earlier run with the same journal too), then
       campaign: sent=N failed=N unknown=N pending=N
   Exit 0: all settled; 3: all settled, some unknown (check them by hand: they are never re-sent);
   2: stopped at the budget or the balance with some pending; 1: an error (run again to resume).
   Re-running with the same journal resumes and never sends twice. See "Gifts, Stars and business"
   in README.md for the exact guarantee. */
#define TGBOT_ENABLE_STARS 1
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_event(void *ud, const tg_campaign_event *ev) {
    (void)ud;
    printf("%lld %s\n", (long long)ev->user_id, tg_gift_state_str(ev->state));
    fflush(stdout);
}

static int usage(void) {
    fprintf(stderr, "usage: gift_campaign --base-url URL --token-file F --journal J --gift GIFT_ID "
                    "--recipients FILE [--text T] [--budget STARS] [--premium-months N]\n"
                    "                     [--timeout-ms N] [--sync each|group|none] [--batch N]\n");
    return 1;
}

static int read_recipients(const char *path, int64_t **out, size_t *n) {
    FILE *f = fopen(path, "r");
    char line[64];
    size_t cap = 0;
    *out = NULL; *n = 0;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end;
        long long v;
        if (!strchr(line, '\n') && !feof(f)) { fclose(f); fprintf(stderr, "gift_campaign: line too long in %s\n", path); return -1; }
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) continue;                                /* blank line */
        v = strtoll(p, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
        if (*end || v <= 0) { fclose(f); fprintf(stderr, "gift_campaign: bad user id in %s: %s", path, line); return -1; }
        if (*n == cap) {
            int64_t *p = (int64_t *)realloc(*out, (cap = cap ? cap * 2 : 256) * sizeof *p);
            if (!p) { fclose(f); return -1; }
            *out = p;
        }
        (*out)[(*n)++] = (int64_t)v;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_campaign_desc cd;
    tg_campaign_summary sum;
    tg_bot *bot = NULL;
    tg_error err;
    tg_err rc;
    int64_t *rcpt = NULL;
    size_t n = 0;
    const char *recipients = NULL;
    int i;
    memset(&bd, 0, sizeof bd);
    memset(&cd, 0, sizeof cd);
    for (i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--base-url")) bd.base_url = v;
        else if (!strcmp(k, "--token-file")) bd.token_file = v;
        else if (!strcmp(k, "--journal")) cd.journal_path = v;
        else if (!strcmp(k, "--gift")) cd.gift_id = v;
        else if (!strcmp(k, "--recipients")) recipients = v;
        else if (!strcmp(k, "--text")) cd.text = v;
        else if (!strcmp(k, "--budget")) cd.budget = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--premium-months")) cd.premium_months = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--timeout-ms")) bd.timeouts.request_ms = bd.timeouts.connect_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(k, "--batch")) cd.batch = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(k, "--sync")) cd.sync = !strcmp(v, "each") ? TG_JOURNAL_SYNC_EACH : !strcmp(v, "none") ? TG_JOURNAL_SYNC_NONE : TG_JOURNAL_SYNC_GROUP;
        else return usage();
    }
    if (i != argc || !bd.token_file || !cd.journal_path || !recipients || (!cd.gift_id && !cd.premium_months)) return usage();
    if (cd.premium_months) cd.gift_id = NULL;             /* Premium instead of a gift */
    if (read_recipients(recipients, &rcpt, &n) != 0 || n == 0) {
        fprintf(stderr, "gift_campaign: no recipients read from %s\n", recipients);
        free(rcpt);
        return 1;
    }
    if (tg_bot_new(&bot, &bd, &err) != TG_OK) {
        fprintf(stderr, "gift_campaign: %s\n", err.description);
        free(rcpt);
        return 1;
    }
    cd.recipients = rcpt;
    cd.recipients_count = n;
    cd.on_event = on_event;
    rc = tg_gift_campaign_run(bot, &cd, &sum, &err);
    if (rc != TG_OK) fprintf(stderr, "gift_campaign: %s\n", err.description);
    if (sum.stopped_budget) fprintf(stderr, "gift_campaign: stopped: the budget (%lld Stars) is spent\n", (long long)cd.budget);
    if (sum.stopped_balance) fprintf(stderr, "gift_campaign: stopped: the balance (%lld Stars) is too low\n", (long long)sum.balance);
    printf("campaign: sent=%zu failed=%zu unknown=%zu pending=%zu\n", sum.sent, sum.failed, sum.unknown, sum.pending);
    tg_bot_free(bot);
    free(rcpt);
    if (rc != TG_OK) return 1;
    if (sum.pending) return 2;
    return sum.unknown ? 3 : 0;
}
