/* A webhook worker for the scale-out test (tests/redis/test_scale.py): one of N processes behind a
   round-robin forwarder, sharing one Redis. Each update is claimed in Redis before it is handled
   (so a re-delivery to another worker is handled once), and each message continues a conversation
   whose state (the last step seen) lives in the FSM: a step that does not follow the stored one
   is counted as a gap (state lost or an update handled twice).

   worker REDIS_PORT PORTFILE SECRET      (stops on SIGTERM) */
#define TGBOT_IMPLEMENTATION
#define TGBOT_ENABLE_WEBHOOK
#define TGBOT_ENABLE_REDIS
#define TGBOT_TLS_NONE
#include "../../tgbot.h"
#include <stdio.h>
#include <stdlib.h>

static tg_store *store;
static tg_fsm *fsm;

/* before the handlers: the first worker to claim an update handles it (tg_store_dedup), and the
   duplicates are counted here */
static int claim(tg_ctx *ctx, bool after, void *ud) {
    int rc = tg_store_dedup(ctx, after, ud);
    if (rc == TG_HANDLED) tg_store_incr(store, "scale:duplicates_skipped", 1, 0, NULL);
    return rc;
}

static int on_message(tg_ctx *ctx, void *ud) {
    char key[64], st[70];
    long step = 0, last;
    tg_fsm_key k = tg_fsm_key_of(ctx);
    (void)ud;
    snprintf(key, sizeof key, "scale:handled:%lld", (long long)ctx->update->update_id);
    tg_store_incr(store, key, 1, 600000, NULL);
    if (!ctx->message || !ctx->message->text || sscanf(ctx->message->text, "step %ld", &step) != 1) return TG_HANDLED;
    if (tg_fsm_get(fsm, &k, st, sizeof st, NULL, 0) != TG_OK) { tg_store_incr(store, "scale:fsm_errors", 1, 0, NULL); return TG_HANDLED; }
    last = st[0] ? strtol(st, NULL, 10) : 0;
    if (step != last + 1) tg_store_incr(store, "scale:gaps", 1, 0, NULL);
    snprintf(st, sizeof st, "%ld", step);
    if (tg_fsm_set(fsm, &k, st, NULL) != TG_OK) tg_store_incr(store, "scale:fsm_errors", 1, 0, NULL);
    return TG_HANDLED;
}

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_bot *bot = NULL;
    tg_dispatcher *d = NULL;
    tg_webhook_desc wd;
    tg_webhook *w = NULL;
    tg_redis_desc rd;
    tg_fsm_desc fd;
    tg_error err;
    FILE *pf;
    if (argc != 4) { fprintf(stderr, "usage: worker REDIS_PORT PORTFILE SECRET\n"); return 2; }
    memset(&rd, 0, sizeof rd);
    rd.port = atoi(argv[1]);
    rd.prefix = "scale:";
    if (tg_store_redis_new(&store, NULL, &rd) != TG_OK) return 1;
    memset(&fd, 0, sizeof fd);
    fd.store = store; fd.name = "conv";
    if (tg_fsm_new(&fsm, &fd, NULL) != TG_OK) return 1;
    memset(&bd, 0, sizeof bd);
    bd.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    bd.base_url = "http://127.0.0.1:9";            /* the handlers call no method */
    bd.logger.fn = tg_log_stderr; bd.logger.level = TG_LOG_WARN;
    if (tg_bot_new(&bot, &bd, &err) != TG_OK) { fprintf(stderr, "worker: %s\n", err.description); return 1; }
    if (tg_dispatcher_new(&d, bot, NULL) != TG_OK) return 1;
    tg_set_bot_username(d, "scalebot");
    tg_use(d, claim, store);
    tg_on_update(d, "message", on_message, NULL);
    memset(&wd, 0, sizeof wd);
    wd.host = "127.0.0.1"; wd.port = 0; wd.path = "/tg"; wd.secret_token = argv[3];
    wd.handle_signals = true;
    if (tg_webhook_new(&w, d, &wd, &err) != TG_OK) { fprintf(stderr, "worker: %s\n", err.description); return 1; }
    pf = fopen(argv[2], "w");
    if (!pf) return 1;
    fprintf(pf, "%u\n", (unsigned)tg_webhook_port(w));
    fclose(pf);
    tg_webhook_run(w);
    tg_webhook_free(w);
    tg_dispatcher_free(d);
    tg_bot_free(bot);
    tg_fsm_free(fsm);
    tg_store_free(store);
    return 0;
}
