/* commands_bot: commands with arguments, an inline keyboard, and callback queries.

     ./commands_bot [base_url [token]]      (token defaults to TELEGRAM_BOT_TOKEN)
   /menu shows two buttons; pressing one edits nothing and answers the callback; /echo <text>
   repeats its arguments; anything else gets a hint. */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdio.h>
#include <string.h>

static int on_menu(tg_ctx *ctx, void *ud) {
    tg_inline_keyboard_button row[2];
    tg_inline_keyboard_button_list rows[1];
    tg_inline_keyboard_markup kb;
    tg_reply_markup markup;
    tg_send_message_args a;
    (void)ud;
    memset(row, 0, sizeof row);
    row[0].text = "Stars balance"; row[0].callback_data = "menu:stars";
    row[1].text = "Gifts";         row[1].callback_data = "menu:gifts";
    rows[0].items = row; rows[0].count = 2;
    memset(&kb, 0, sizeof kb);
    kb.inline_keyboard = rows; kb.inline_keyboard_count = 1;
    markup.kind = TG_REPLY_MARKUP_INLINE_KEYBOARD_MARKUP;
    markup.u.inline_keyboard_markup = &kb;
    memset(&a, 0, sizeof a);
    a.chat_id.id = ctx->chat_id;
    a.text = "What would you like to see?";
    a.reply_markup = &markup;
    tg_send_message(ctx->bot, &a, NULL);
    return TG_HANDLED;
}

static int on_echo(tg_ctx *ctx, void *ud) {
    (void)ud;
    tg_reply(ctx, ctx->args[0] ? ctx->args : "Usage: /echo <text>");
    return TG_HANDLED;
}

static int on_stars(tg_ctx *ctx, void *ud) {
    tg_star_amount *bal = NULL;
    char msg[64];
    (void)ud;
    if (tg_get_my_star_balance(ctx->bot, &bal) == TG_OK && bal) {
        snprintf(msg, sizeof msg, "Balance: %lld Stars", (long long)bal->amount);
        tg_answer(ctx, msg);
    } else {
        tg_answer(ctx, "Could not read the balance");
    }
    return TG_HANDLED;
}

static int on_other_button(tg_ctx *ctx, void *ud) {
    (void)ud;
    tg_answer(ctx, "Gifts are on their way");
    return TG_HANDLED;
}

static int on_anything(tg_ctx *ctx, void *ud) {
    (void)ud;
    if (ctx->message) tg_reply(ctx, "Try /menu or /echo hello");
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
    if (argc > 2) desc.token = argv[2];
    desc.logger.fn = tg_log_stderr;               /* says why it stops: no token, 401, 409, offline */
    if (tg_bot_new(&bot, &desc, &err) != TG_OK) { tg_log_stderr(NULL, TG_LOG_ERROR, err.description); return 1; }
    tg_dispatcher_new(&d, bot, NULL);
    tg_on_command(d, "menu", on_menu, NULL);
    tg_on_command(d, "echo", on_echo, NULL);
    tg_on_callback(d, "menu:stars", on_stars, NULL);
    tg_on_callback(d, "menu:", on_other_button, NULL);
    tg_on_fallback(d, on_anything, NULL);
    opts.handle_signals = true;
    rc = tg_run_polling(d, &opts);               /* 401 and 409 end it (logged); SIGTERM: TG_OK */
    tg_dispatcher_free(d);
    tg_bot_free(bot);
    return rc == TG_OK ? 0 : 1;
}
