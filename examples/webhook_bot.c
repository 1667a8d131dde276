/* webhook_bot: an echo bot that receives its updates over a webhook instead of long polling.

   Environment:
     TELEGRAM_BOT_TOKEN   the bot's token
     WEBHOOK_PORT         port to listen on (default 8443; Telegram delivers to 443, 80, 88 or 8443)
     WEBHOOK_SECRET       the secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token
     WEBHOOK_PATH         request path (default /tg)
     WEBHOOK_URL          optional: the public https URL; when set, setWebhook is called with it
                          (and with a generated secret when WEBHOOK_SECRET is unset)
     WEBHOOK_CERT, WEBHOOK_KEY   optional: PEM certificate and key to serve HTTPS directly
     TELEGRAM_API_URL     optional: another Bot API server (e.g. a local one)
     WEBHOOK_TELEGRAM_ONLY=1   optional: accept connections only from Telegram's ranges (not behind
                          a reverse proxy or a local Bot API server), and block a source for 10 minutes
                          after 20 refused requests

   The echo goes back in the HTTP response body (tg_webhook_reply_text): no extra request, and the
   server is free for the next delivery at once. Ctrl-C (or SIGTERM) stops it gracefully. */
#define TGBOT_ENABLE_WEBHOOK
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdlib.h>
#include <string.h>

static int echo(tg_ctx *ctx, void *ud) {
    (void)ud;
    if (!ctx->message || !ctx->message->text) return TG_CONTINUE;
    tg_webhook_reply_text(ctx, ctx->message->text);
    return TG_HANDLED;
}

int main(void) {
    tg_bot_desc bd;
    tg_webhook_desc wd;
    tg_bot *bot;
    tg_dispatcher *d;
    tg_error err;
    char secret[TG_WEBHOOK_SECRET_MAX + 1];
    const char *port = getenv("WEBHOOK_PORT"), *url = getenv("WEBHOOK_URL");
    tg_err e;

    memset(&bd, 0, sizeof bd);
    memset(&wd, 0, sizeof wd);
    bd.base_url = getenv("TELEGRAM_API_URL");
    bd.logger.fn = tg_log_stderr;                 /* the library prints nothing without a logger */
    if (tg_bot_new(&bot, &bd, &err) != TG_OK) {
        tg_log_stderr(NULL, TG_LOG_ERROR, err.description);
        return 1;
    }
    wd.port = (uint16_t)(port ? atoi(port) : 8443);
    wd.path = getenv("WEBHOOK_PATH") ? getenv("WEBHOOK_PATH") : "/tg";
    wd.secret_token = getenv("WEBHOOK_SECRET");
    wd.tls_cert_file = getenv("WEBHOOK_CERT");
    wd.tls_key_file = getenv("WEBHOOK_KEY");
    wd.handle_signals = true;
    if (getenv("WEBHOOK_TELEGRAM_ONLY") && strcmp(getenv("WEBHOOK_TELEGRAM_ONLY"), "1") == 0) {
        wd.allow_telegram = true;          /* the threat score and per-source limits are on by default */
    }
    if (url) {                    /* tell Telegram where to deliver, with the secret it must send */
        tg_set_webhook_args sa;
        memset(&sa, 0, sizeof sa);
        sa.url = url;
        sa.secret_token = wd.secret_token;
        if (tg_webhook_set(bot, &sa, secret) != TG_OK) {   /* the logger has said why (401, offline...) */
            tg_bot_free(bot);
            return 1;
        }
        if (!wd.secret_token) wd.secret_token = secret;
    }
    if (!wd.secret_token) {       /* the server refuses to run without one */
        fprintf(stderr, "webhook_bot: set WEBHOOK_SECRET (the secret_token given to setWebhook), or WEBHOOK_URL to set one\n");
        tg_bot_free(bot);
        return 1;
    }
    tg_dispatcher_new(&d, bot, NULL);
    tg_on_update(d, "message", echo, NULL);
    e = tg_run_webhook(d, &wd);
    tg_dispatcher_free(d);
    tg_bot_free(bot);
    return e == TG_OK ? 0 : 1;
}
