/* business_bot: answers in the business accounts connected to it.

     ./business_bot BASE_URL TOKEN_FILE [JOURNAL]        (SIGINT/SIGTERM stops it)
   Tracks business_connection updates (who connected the bot, with which rights, enabled or not;
   kept in JOURNAL across restarts when given). In a connected account's chats it answers
   "balance" with the account's Stars, "gifts" with the number of gifts it owns, anything else with
   an auto-reply. Rights are checked before each call: a missing right or a disabled connection is
   printed, and nothing is sent. */
#define TGBOT_ENABLE_STARS 1
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <string.h>

static int on_business_message(tg_ctx *ctx, void *ud) {
    tg_business *b = (tg_business *)ud;
    const tg_message *m = ctx->message;
    const char *conn = m ? m->business_connection_id : NULL;
    char text[160];
    tg_error e;
    if (!m || !conn || !m->text) return TG_CONTINUE;
    if (tg_business_require(b, conn, TG_BIZ_CAN_REPLY, &e) != TG_OK) {
        printf("not sent: %s\n", e.description);
        return TG_HANDLED;
    }
    if (strcmp(m->text, "balance") == 0) {
        int64_t stars = 0;
        if (tg_business_stars(ctx->bot, b, conn, &stars, &e) != TG_OK) { printf("balance: %s\n", e.description); return TG_HANDLED; }
        snprintf(text, sizeof text, "This account has %lld Stars.", (long long)stars);
    } else if (strcmp(m->text, "gifts") == 0) {
        tg_owned_gifts *g = NULL;
        if (tg_business_gifts(ctx->bot, b, conn, &g, &e) != TG_OK) { printf("gifts: %s\n", e.description); return TG_HANDLED; }
        snprintf(text, sizeof text, "This account owns %lld gifts.", (long long)g->total_count);
    } else {
        snprintf(text, sizeof text, "Thanks for your message! We will answer soon.");
    }
    if (tg_business_reply(ctx->bot, b, m, text, NULL, &e) != TG_OK) printf("reply: %s\n", e.description);
    else printf("replied in %s: %s\n", conn, text);
    return TG_HANDLED;
}

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_bot *bot = NULL;
    tg_dispatcher *d = NULL;
    tg_business *biz = NULL;
    tg_journal_desc jd;
    tg_polling_opts po;
    tg_error e;
    static const char *const kinds[] = { "business_connection", "business_message" };
    int rc = 1;
    if (argc < 3) { fprintf(stderr, "usage: business_bot BASE_URL TOKEN_FILE [JOURNAL]\n"); return 1; }
    memset(&bd, 0, sizeof bd);
    bd.base_url = argv[1];
    bd.token_file = argv[2];
    memset(&jd, 0, sizeof jd);
    jd.path = argc > 3 ? argv[3] : NULL;
    if (tg_bot_new(&bot, &bd, &e) != TG_OK || tg_business_new(&biz, jd.path ? &jd : NULL, &e) != TG_OK ||
        tg_dispatcher_new(&d, bot, biz) != TG_OK) {
        fprintf(stderr, "business_bot: %s\n", e.description);
        goto out;
    }
    tg_on_update(d, "business_connection", tg_business_on_update, biz);
    tg_on_update(d, "business_message", on_business_message, biz);
    memset(&po, 0, sizeof po);
    po.timeout_s = 1;
    po.handle_signals = true;
    po.allowed_updates = kinds;
    po.allowed_updates_count = 2;
    rc = tg_run_polling(d, &po) == TG_OK ? 0 : 1;
out:
    tg_dispatcher_free(d);
    tg_business_free(biz);
    tg_bot_free(bot);
    return rc;
}
