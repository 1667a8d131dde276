/* gift_shop: sell a gift for Telegram Stars.

     ./gift_shop BASE_URL TOKEN_FILE JOURNAL        (SIGINT/SIGTERM stops it)
   /buy sends an XTR invoice (50 Stars). The pre-checkout query is answered within Telegram's 10 s
   (the check: payload, price, and the gift still available). On successful_payment the payment is
   journaled by telegram_payment_charge_id (a second delivery of the same payment is ignored), then
   the gift is sent to the buyer. If Telegram refuses the gift the payment is refunded; if the
   outcome is unknown, getStarTransactions decides, and without proof nothing is repeated or
   refunded: it is printed for a human. */
#define TGBOT_ENABLE_STARS 1
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PRICE 50
#define PAYLOAD "giftbox"

typedef struct shop { tg_xtr_ledger *ledger; tg_gift_catalog *catalog; } shop;

static int on_buy(tg_ctx *ctx, void *ud) {
    tg_xtr_invoice inv;
    tg_error e;
    (void)ud;
    memset(&inv, 0, sizeof inv);
    inv.title = "Gift box";
    inv.description = "A gift sent to you right after the payment";
    inv.payload = PAYLOAD;
    inv.stars = PRICE;
    if (tg_xtr_send_invoice(ctx->bot, ctx->chat_id, &inv, NULL, &e) != TG_OK) printf("invoice: %s\n", e.description);
    return TG_HANDLED;
}

static tg_precheck check(void *ud, const tg_pre_checkout_query *q, const char **msg) {
    shop *s = (shop *)ud;
    const tg_catalog_gift *g;
    tg_error e;
    if (!q->invoice_payload || strcmp(q->invoice_payload, PAYLOAD) != 0 || !q->currency ||
        strcmp(q->currency, "XTR") != 0 || q->total_amount != PRICE) {
        *msg = "This invoice is not valid any more.";
        return TG_PRECHECK_REJECT;
    }
    if (tg_gift_catalog_find(s->catalog, "giftbox", &g, &e) != TG_OK || (g->limited && g->remaining_count <= 0)) {
        *msg = "Sold out, sorry. Nothing was charged.";
        return TG_PRECHECK_REJECT;
    }
    return TG_PRECHECK_OK;
}

static int on_pre_checkout(tg_ctx *ctx, void *ud) {
    tg_precheck d;
    tg_error e;
    if (tg_xtr_answer_precheckout(ctx->bot, ctx->update->pre_checkout_query, check, ud, NULL, &d, &e) != TG_OK)
        printf("pre-checkout: %s\n", e.description);
    else
        printf("pre-checkout %s: %s\n", ctx->update->pre_checkout_query->id, d == TG_PRECHECK_OK ? "yes" : "no");
    return TG_HANDLED;
}

static int on_message(tg_ctx *ctx, void *ud) {
    shop *s = (shop *)ud;
    const tg_message *m = ctx->message;
    const tg_successful_payment *p = m ? m->successful_payment : NULL;
    const tg_catalog_gift *g;
    tg_send_gift_args a;
    tg_error e;
    tg_err rc;
    bool first = false, ok = false, already = false;
    int64_t user;
    time_t before = time(NULL);
    if (!p || !m->from) return TG_CONTINUE;
    user = m->from->id;
    if (tg_xtr_ledger_record(s->ledger, user, p, &first, &e) != TG_OK) { printf("ledger: %s\n", e.description); return TG_HANDLED; }
    if (!first) { printf("payment %s: duplicate delivery ignored\n", p->telegram_payment_charge_id); return TG_HANDLED; }
    if (tg_gift_catalog_find(s->catalog, "giftbox", &g, &e) != TG_OK) goto refund;
    memset(&a, 0, sizeof a);
    a.user_id = user;
    a.gift_id = g->id;
    a.text = "Thank you for your purchase!";
    rc = tg_send_gift(ctx->bot, &a, &ok);
    if (rc == TG_OK) {
        printf("payment %s: gift sent to %lld\n", p->telegram_payment_charge_id, (long long)user);
        tg_reply(ctx, "Your gift is on its way.");
        return TG_HANDLED;
    }
    if (rc == TG_ERR_OUTCOME_UNKNOWN) {          /* maybe sent: only a transaction can tell */
        tg_star_tx_match mt;
        const tg_star_transaction *t;
        memset(&mt, 0, sizeof mt);
        mt.user_id = user; mt.transaction_type = "gift_purchase"; mt.gift_id = g->id; mt.not_before = (int64_t)before - 5;
        if (tg_star_tx_find(ctx->bot, &mt, &t) == TG_OK) {
            printf("payment %s: gift sent to %lld (proven by transaction %s)\n", p->telegram_payment_charge_id, (long long)user, t->id);
            return TG_HANDLED;
        }
        printf("payment %s: gift outcome unknown; not re-sent, not refunded: check by hand\n", p->telegram_payment_charge_id);
        return TG_HANDLED;
    }
    printf("payment %s: the gift failed: %s\n", p->telegram_payment_charge_id, tg_bot_last_error(ctx->bot)->description);
refund:
    if (tg_xtr_refund(ctx->bot, s->ledger, user, p->telegram_payment_charge_id, &already, &e) == TG_OK) {
        printf("payment %s: refunded%s\n", p->telegram_payment_charge_id, already ? " (already)" : "");
        tg_reply(ctx, "We could not send the gift; your Stars were refunded.");
    } else {
        printf("payment %s: refund failed: %s\n", p->telegram_payment_charge_id, e.description);
    }
    return TG_HANDLED;
}

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_bot *bot = NULL;
    tg_dispatcher *d = NULL;
    tg_journal_desc jd;
    tg_gift_catalog_desc cd;
    tg_polling_opts po;
    tg_error e;
    shop s;
    static const char *const kinds[] = { "message", "pre_checkout_query" };
    int rc = 1;
    if (argc < 4) { fprintf(stderr, "usage: gift_shop BASE_URL TOKEN_FILE JOURNAL\n"); return 1; }
    memset(&bd, 0, sizeof bd);
    bd.base_url = argv[1];
    bd.token_file = argv[2];
    memset(&s, 0, sizeof s);
    memset(&jd, 0, sizeof jd);
    jd.path = argv[3];
    memset(&cd, 0, sizeof cd);
    cd.aliases = "giftbox=5170145012310081615";
    if (tg_bot_new(&bot, &bd, &e) != TG_OK || tg_xtr_ledger_open(&s.ledger, &jd, &e) != TG_OK ||
        tg_gift_catalog_new(&s.catalog, bot, &cd, &e) != TG_OK || tg_dispatcher_new(&d, bot, &s) != TG_OK) {
        fprintf(stderr, "gift_shop: %s\n", e.description);
        goto out;
    }
    tg_on_update(d, "pre_checkout_query", on_pre_checkout, &s);
    tg_on_update(d, "message", on_message, &s);     /* successful_payment; TG_CONTINUE for the rest */
    tg_on_command(d, "buy", on_buy, &s);
    memset(&po, 0, sizeof po);
    po.timeout_s = 1;
    po.handle_signals = true;
    po.allowed_updates = kinds;
    po.allowed_updates_count = 2;
    rc = tg_run_polling(d, &po) == TG_OK ? 0 : 1;
out:
    tg_dispatcher_free(d);
    tg_gift_catalog_free(s.catalog);
    tg_xtr_ledger_close(s.ledger);
    tg_bot_free(bot);
    return rc;
}
