/* bench_webhook PORTFILE: the webhook server with an echo handler that makes no network call (the
   echo goes back in the response body), on 127.0.0.1 and an ephemeral port written to PORTFILE.
   Runs until SIGTERM/SIGINT, then prints its counters to stderr. Driven by bench/bench_webhook.sh.
   BENCH_WEBHOOK_FILTER set: with the source filter and the per-source limits on (limits that wrk's
   rate never reaches), to measure what they cost. */
#define TGBOT_ENABLE_WEBHOOK
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int echo(tg_ctx *ctx, void *ud) {
    (void)ud;
    if (!ctx->message || !ctx->message->text) return TG_CONTINUE;
    tg_webhook_reply_text(ctx, ctx->message->text);
    return TG_HANDLED;
}

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_webhook_desc wd;
    tg_bot *bot;
    tg_dispatcher *d;
    tg_webhook *w;
    tg_webhook_stats s;
    tg_error err;
    FILE *f;
    memset(&bd, 0, sizeof bd);
    memset(&wd, 0, sizeof wd);
    if (argc < 2) { fprintf(stderr, "usage: bench_webhook PORTFILE\n"); return 2; }
    bd.token = "123456:BENCHbenchBENCHbenchBENCHbench00000";   /* never used: the handler calls nothing */
    bd.base_url = "http://127.0.0.1:9";
    if (tg_bot_new(&bot, &bd, &err) != TG_OK) { fprintf(stderr, "bench_webhook: %s\n", err.description); return 1; }
    tg_dispatcher_new(&d, bot, NULL);
    tg_on_update(d, "message", echo, NULL);
    wd.host = "127.0.0.1";
    wd.path = "/tg";
    wd.secret_token = "bench_Secret-0123456789";
    wd.max_connections = 4096;
    wd.handle_signals = true;
    if (getenv("BENCH_WEBHOOK_FILTER")) {    /* the source filter on: an allow list and every per-source limit */
        static const char *const lo[] = { "127.0.0.0/8" };
        wd.allow = lo; wd.allow_count = 1;
        wd.allow_telegram = true;
        wd.max_connections_per_source = 4096;
        wd.requests_per_second = 1000000;
        wd.block_score = 100;
    }
    if (tg_webhook_new(&w, d, &wd, &err) != TG_OK) { fprintf(stderr, "bench_webhook: %s\n", err.description); return 1; }
    f = fopen(argv[1], "w");
    if (!f) return 1;
    fprintf(f, "%u\n", (unsigned)tg_webhook_port(w));
    fclose(f);
    tg_webhook_run(w);
    tg_webhook_get_stats(w, &s);
    fprintf(stderr, "bench_webhook: %llu dispatched, %llu replied with a method, %llu refused, %llu connections\n",
            (unsigned long long)s.dispatched, (unsigned long long)s.replied_with_method,
            (unsigned long long)(s.unauthorized + s.forbidden + s.not_found + s.method_not_allowed + s.bad_json +
                                 s.bad_request + s.body_too_large + s.header_too_large + s.length_required + s.ip_refused +
                                 s.rate_limited + s.source_connections_refused + s.blocked_refused),
            (unsigned long long)s.connections);
    tg_webhook_free(w);
    tg_dispatcher_free(d);
    tg_bot_free(bot);
    return 0;
}
