/* stars_gifts: the Stars and gifts calls, once each.

     ./stars_gifts [base_url [token]] [user_id]
   getMyStarBalance, getAvailableGifts, sendGift (to user_id, if the balance covers the cheapest gift)
   and getStarTransactions. sendGift spends Stars: if its outcome is unknown (connection lost after
   sending) the library does not repeat it; check getStarTransactions before trying again. */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    tg_bot_desc desc = { 0 };
    tg_bot *bot;
    tg_error err;
    tg_star_amount *bal = NULL;
    tg_gifts *gifts = NULL;
    tg_star_transactions *tx = NULL;
    int64_t user = argc > 3 ? strtoll(argv[3], NULL, 10) : 123456789;
    size_t i;
    if (argc > 1) desc.base_url = argv[1];
    if (argc > 2) desc.token = argv[2];
    desc.logger.fn = tg_log_stderr;               /* each failed call is logged with its reason */
    if (tg_bot_new(&bot, &desc, &err) != TG_OK) { tg_log_stderr(NULL, TG_LOG_ERROR, err.description); return 1; }
    if (tg_get_my_star_balance(bot, &bal) != TG_OK) goto fail;
    printf("balance: %lld Stars\n", (long long)bal->amount);
    if (tg_get_available_gifts(bot, &gifts) != TG_OK) goto fail;
    printf("available gifts: %zu\n", gifts->gifts_count);
    for (i = 0; i < gifts->gifts_count && i < 5; i++)
        printf("  gift %s: %lld Stars\n", gifts->gifts[i].id, (long long)gifts->gifts[i].star_count);
    if (gifts->gifts_count && bal->amount >= gifts->gifts[0].star_count) {
        tg_send_gift_args a;
        bool ok = false;
        tg_err e;
        memset(&a, 0, sizeof a);
        a.user_id = user;
        a.gift_id = gifts->gifts[0].id;
        a.text = "Happy birthday! \xf0\x9f\x8e\x81";
        e = tg_send_gift(bot, &a, &ok);
        if (e == TG_ERR_OUTCOME_UNKNOWN) printf("sendGift: outcome unknown, not repeated: %s\n", tg_bot_last_error(bot)->description);
        else if (e != TG_OK) goto fail;
        else printf("sendGift: %s\n", ok ? "sent" : "not sent");
    }
    {
        tg_get_star_transactions_args t;
        memset(&t, 0, sizeof t);
        t.limit = 10;
        if (tg_get_star_transactions(bot, &t, &tx) != TG_OK) goto fail;
        printf("transactions: %zu\n", tx->transactions_count);
    }
    tg_bot_reset(bot);
    tg_bot_free(bot);
    return 0;
fail:                                             /* the logger has printed the call and its error */
    if (tg_error_is_unauthorized(tg_bot_last_error(bot)))
        tg_log_stderr(NULL, TG_LOG_ERROR, "Telegram rejected the bot token (401): check TELEGRAM_BOT_TOKEN");
    tg_bot_free(bot);
    return 1;
}
