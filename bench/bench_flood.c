/* bench-flood: one broadcast against the fake server in its Telegram-limits mode
   (tests/fake_server.py --telegram-limits; the model is in its TelegramLimits class).

       bench_flood BASE_URL [PRIVATE_CHATS PER_PRIVATE GROUPS PER_GROUP]   (default 10 24 3 20)

   The messages are queued chat after chat (the worst order for a sender that takes them as they
   come); one thread sends them with blocking calls, each time to the chat tg_ratelimit_pick names,
   and the limiter waits in real time. FLOOD_ORDER=rounds in the environment (or built with
   -DFLOOD_NO_PICK, for a tgbot.h without tg_ratelimit_pick) sends round by round instead: one
   message to each chat with messages left, in a fixed order, the loop a user writes without it.
   FLOOD_ORDER=async submits every message at once (tg_call_async, in the queued order) and lets
   the engine run them: the limiter schedules each call instead of sleeping.
   Prints the theoretical minimum from first principles, the time taken and their ratio, and the
   429 answers the bot saw; bench_flood.sh prints the server's own count of them. */
#define TGBOT_IMPLEMENTATION
#define TGBOT_ENABLE_RATELIMIT
#include "tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CHATS 256

static uint32_t seen_429;
static void on_retry(const tg_event *e, void *ud) {
    (void)ud;
    if (e->type == TG_EVENT_RATE_LIMITED && e->retry_after > 0) seen_429++;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int async_failed;
static void on_async_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    (void)bot; (void)id; (void)res; (void)ud;
    if (code != TG_OK) { async_failed++; fprintf(stderr, "async send: %s\n", err->description); }
}

static int arg(int argc, char **argv, int i, int def) { return argc > i ? atoi(argv[i]) : def; }

int main(int argc, char **argv) {
    int np = arg(argc, argv, 2, 10), per_p = arg(argc, argv, 3, 24), ng = arg(argc, argv, 4, 3), per_g = arg(argc, argv, 5, 20);
    int64_t ids[MAX_CHATS];
    int left[MAX_CHATS], i, failed = 0, total;
    size_t n = 0, next = 0;
    bool rounds, async = getenv("FLOOD_ORDER") && strcmp(getenv("FLOOD_ORDER"), "async") == 0;
    double min_p, min_g, min_glob, min_s, t0, t1;
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_dispatcher *disp = NULL;
    tg_events ev;
    tg_ratelimit_stats st;
    tg_error e;
    if (argc < 2 || np < 0 || ng < 0 || per_p < 0 || per_g < 0 || np + ng > MAX_CHATS || np + ng == 0) {
        fprintf(stderr, "usage: bench_flood BASE_URL [PRIVATE_CHATS PER_PRIVATE GROUPS PER_GROUP]\n");
        return 2;
    }
    total = np * per_p + ng * per_g;
    /* the least time Telegram's limits allow, span from the first message to the last:
       a private chat takes 1 message per second: n messages span n - 1 s; a group 1 per second
       and at most 20 in any 60 s: the 21st waits until 60 s after the 1st, and so on; the bot as a
       whole at most 30 in any 1 s: n messages span at least ceil(n / 30) - 1 s */
    min_p = per_p > 0 ? per_p - 1 : 0;
    min_g = 0;
    if (per_g > 0) {
        int full = (per_g - 1) / 20;               /* minutes that must pass before the last block */
        double in_last = (per_g - 1) % 20;         /* its messages at 1 per second after that */
        min_g = ng ? 60.0 * full + in_last : 0;
    }
    min_glob = (double)((total + 29) / 30 - 1);
    min_s = min_p > min_g ? min_p : min_g;
    if (min_glob > min_s) min_s = min_glob;
    printf("flood_messages: %d (%d private chats x %d, %d groups x %d)\n", total, np, per_p, ng, per_g);
    printf("flood_min_s: %.3f (private %d at 1/s: %.0f s; group %d at 1/s and 20/min: %.0f s; global %d at 30/s: %.0f s)\n",
           min_s, per_p, min_p, per_g, min_g, total, min_glob);
    if (min_s <= 0) min_s = 1e-3;

    memset(&d, 0, sizeof d);
    d.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";     /* the fake server's test token */
    d.base_url = argv[1];
    d.engine.max_queued = (uint32_t)total + 1;   /* async: the whole broadcast in flight */
    if (tg_bot_new(&b, &d, &e) != TG_OK) { fprintf(stderr, "tg_bot_new: %s\n", e.description); return 1; }
    if (tg_dispatcher_new(&disp, b, NULL) != TG_OK) { fprintf(stderr, "tg_dispatcher_new failed\n"); return 1; }
    memset(&ev, 0, sizeof ev);
    ev.on_rate_limited = on_retry;
    tg_set_events(disp, &ev);

    for (i = 0; i < np; i++) { ids[n] = 7000001 + i; left[n++] = per_p; }
    for (i = 0; i < ng; i++) { ids[n] = -1001000000001LL - i; left[n++] = per_g; }
    for (i = 0; i < (int)n; ) if (left[i] == 0) { n--; ids[i] = ids[n]; left[i] = left[n]; } else i++;

#ifdef FLOOD_NO_PICK
    rounds = true;
#else
    rounds = getenv("FLOOD_ORDER") && strcmp(getenv("FLOOD_ORDER"), "rounds") == 0;
#endif
    printf("flood_order: %s\n", async ? "async" : rounds ? "rounds" : "tg_ratelimit_pick");
    t0 = now_s();
    if (async) {
        tg_async o;
        memset(&o, 0, sizeof o);
        o.done = on_async_done;
        for (i = 0; i < (int)n; i++)
            while (left[i] > 0) {
                char json[128];
                snprintf(json, sizeof json, "{\"chat_id\":%lld,\"text\":\"broadcast %d\"}", (long long)ids[i], left[i]);
                if (tg_call_async(b, "sendMessage", json, &o, NULL) != TG_ERR_PENDING) failed++;
                left[i]--;
            }
        n = 0;
        tg_run(b);
        failed += async_failed;
    }
    while (n) {
        char json[128];
        size_t k;
        if (rounds) {
            k = next;
            next = (next + 1) % n;
        } else {
#ifndef FLOOD_NO_PICK
            k = tg_ratelimit_pick(b, ids, n, NULL);
#endif
        }
        snprintf(json, sizeof json, "{\"chat_id\":%lld,\"text\":\"broadcast %d\"}", (long long)ids[k], left[k]);
        if (tg_call(b, "sendMessage", json, NULL) != TG_OK) {
            failed++;
            fprintf(stderr, "send to %lld: %s\n", (long long)ids[k], tg_bot_last_error(b)->description);
        }
        tg_bot_reset(b);
        if (--left[k] == 0) {       /* keeps the order of the others (rounds stay rounds) */
            memmove(ids + k, ids + k + 1, (n - k - 1) * sizeof *ids);
            memmove(left + k, left + k + 1, (n - k - 1) * sizeof *left);
            n--;
            next = n && k < n ? k : 0;    /* the one after it moved into its place */
        }
    }
    t1 = now_s();
    tg_ratelimit_get_stats(b, &st);
    printf("flood_time_s: %.3f\n", t1 - t0);
    printf("flood_time_vs_min: %.3f\n", (t1 - t0) / min_s);
    printf("flood_client_429s: %u (limiter pauses %llu, waits %llu, failed sends %d)\n", seen_429,
           (unsigned long long)st.pauses, (unsigned long long)st.waits, failed);
    tg_dispatcher_free(disp);
    tg_bot_free(b);
    return failed ? 1 : 0;
}
