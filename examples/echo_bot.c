/* echo_bot: answers every text message with the same text, and /start with a greeting.
   Long polling; Ctrl-C (SIGINT) or SIGTERM stops it gracefully.

     cc -std=c99 examples/echo_bot.c -I. -I/usr/include/bearssl -lbearssl -o echo_bot
     TELEGRAM_BOT_TOKEN=123:ABC... ./echo_bot              (real Bot API)
     ./echo_bot http://127.0.0.1:8081                        (a local or fake Bot API server) */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"

static int on_start(tg_ctx *ctx, void *ud) {
    (void)ud;
    tg_reply(ctx, "Hello! Send me any text and I will echo it.");
    return TG_HANDLED;
}

static int on_message(tg_ctx *ctx, void *ud) {
    (void)ud;
    if (!ctx->message || !ctx->message->text) return TG_CONTINUE;
    tg_reply(ctx, ctx->message->text);
    return TG_HANDLED;
}

static int on_button(tg_ctx *ctx, void *ud) {
    (void)ud;
    tg_answer(ctx, "Got it!");
    return TG_HANDLED;
}

int main(int argc, char **argv) {
    tg_bot_desc desc = { 0 };
    tg_polling_opts opts = { 0 };
    tg_bot *bot;
    tg_dispatcher *d;
    tg_error err;
    tg_err rc;
    if (argc > 1) desc.base_url = argv[1];
    if (argc > 2) desc.token = argv[2];           /* otherwise TELEGRAM_BOT_TOKEN */
    /* the library prints nothing by itself: with this logger it says why the bot stops (401 bad
       token, 409 webhook set or another instance) or waits (offline: each failed call, then retries) */
    desc.logger.fn = tg_log_stderr;
    if (tg_bot_new(&bot, &desc, &err) != TG_OK) {  /* e.g. no token, malformed token */
        tg_log_stderr(NULL, TG_LOG_ERROR, err.description);
        return 1;
    }
    tg_dispatcher_new(&d, bot, NULL);
    tg_on_command(d, "start", on_start, NULL);
    tg_on_update(d, "message", on_message, NULL);
    tg_on_callback(d, "", on_button, NULL);
    opts.timeout_s = 30;
    opts.handle_signals = true;
    rc = tg_run_polling(d, &opts);
    tg_dispatcher_free(d);
    tg_bot_free(bot);
    return rc == TG_OK ? 0 : 1;
}
