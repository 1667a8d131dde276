/* business: rights checked before sending, a connection disabled mid-run, the journal, helpers
   carrying business_connection_id. The fake server's ledger keeps the business account. */
#if TGBOT__HAS_STARS

static tg_business_connection bz_conn(const char *id, tg_user *u, tg_business_bot_rights *r, bool enabled) {
    tg_business_connection c;
    memset(&c, 0, sizeof c);
    c.id = id; c.user = u; c.user_chat_id = u->id; c.rights = r; c.is_enabled = enabled; c.date = 1732400000;
    return c;
}

TG_TEST(business_rights_names_and_bits) {
    tg_business_bot_rights r;
    memset(&r, 0, sizeof r);
    r.can_reply = true; r.can_transfer_stars = true;
    CHECK_EQ_INT(tg_business_rights_bits(&r), TG_BIZ_CAN_REPLY | TG_BIZ_CAN_TRANSFER_STARS);
    CHECK_STR(tg_business_right_name(TG_BIZ_CAN_TRANSFER_STARS), "can_transfer_stars");
    CHECK_STR(tg_business_right_name(TG_BIZ_CAN_VIEW_GIFTS_AND_STARS), "can_view_gifts_and_stars");
    CHECK_STR(tg_business_right_name(TG_BIZ_CAN_MANAGE_STORIES), "can_manage_stories");
}

TG_TEST(business_rights_refused_before_sending) {
    tg_business *b = NULL;
    tg_business_bot_rights r;
    tg_user u;
    tg_business_connection c;
    tg_error e;
    tg_bot *bot;
    int64_t stars = -1;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/stars", "{\"balance\": 0, \"business\": {\"bc1\": {\"user_id\": 555, \"balance\": 800, "
        "\"rights\": {\"can_reply\": true, \"can_view_gifts_and_stars\": true, \"can_transfer_stars\": true}}}}");
    bot = test_bot(NULL);
    CHECK_EQ_INT(tg_business_new(&b, NULL, &e), TG_OK);
    if (!b) { tg_bot_free(bot); return; }
    memset(&u, 0, sizeof u); u.id = 555; u.first_name = "Owner";
    memset(&r, 0, sizeof r); r.can_reply = true;                    /* the bot was given can_reply only */
    c = bz_conn("bc1", &u, &r, true);
    CHECK_EQ_INT(tg_business_track(b, &c, &e), TG_OK);
    CHECK_EQ_INT(tg_business_transfer_stars(bot, b, "bc1", 100, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "lacks can_transfer_stars") != NULL);
    CHECK_EQ_INT(tg_business_stars(bot, b, "bc1", &stars, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "lacks can_view_gifts_and_stars") != NULL);
    CHECK_EQ_INT(tg_business_upgrade_gift(bot, b, "bc1", "og1", false, 0, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "can_transfer_and_upgrade_gifts") != NULL);
    CHECK_EQ_INT(tg_business_convert_gift(bot, b, "bc1", "og1", &e), TG_ERR_ARG);
    CHECK_EQ_INT(tg_business_transfer_stars(bot, b, "nope", 100, &e), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(ctl_count("transferBusinessAccountStars") + ctl_count("getBusinessAccountStarBalance") +
                 ctl_count("upgradeGift") + ctl_count("convertGiftToStars"), 0);     /* nothing was sent */
    /* a paid upgrade needs can_transfer_stars on top */
    r.can_transfer_and_upgrade_gifts = true;
    c = bz_conn("bc1", &u, &r, true);
    tg_business_track(b, &c, &e);
    CHECK_EQ_INT(tg_business_upgrade_gift(bot, b, "bc1", "og1", false, 25, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "lacks can_transfer_stars") != NULL);
    tg_business_free(b);
    tg_bot_free(bot);
}

TG_TEST(business_connection_disabled_mid_run) {
    tg_business *b = NULL;
    tg_business_bot_rights r;
    tg_user u;
    tg_business_connection c;
    tg_journal_desc jd;
    tg_error e;
    tg_bot *bot;
    int64_t stars = 0;
    char path[96];
    const tg_biz_conn *bc;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/stars", "{\"balance\": 0, \"business\": {\"bc2\": {\"user_id\": 556, \"balance\": 800, "
        "\"rights\": {\"can_reply\": true, \"can_view_gifts_and_stars\": true, \"can_transfer_stars\": true}}}}");
    bot = test_bot(NULL);
    snprintf(path, sizeof path, "/tmp/tgbot-business-%d.j", (int)getpid());
    unlink(path);
    memset(&jd, 0, sizeof jd);
    jd.path = path;
    CHECK_EQ_INT(tg_business_new(&b, &jd, &e), TG_OK);
    if (!b) { tg_bot_free(bot); return; }
    memset(&u, 0, sizeof u); u.id = 556; u.first_name = "Owner";
    memset(&r, 0, sizeof r); r.can_reply = true; r.can_view_gifts_and_stars = true; r.can_transfer_stars = true;
    c = bz_conn("bc2", &u, &r, true);
    CHECK_EQ_INT(tg_business_track(b, &c, &e), TG_OK);
    CHECK_EQ_INT(tg_business_stars(bot, b, "bc2", &stars, &e), TG_OK);
    CHECK_EQ_INT(stars, 800);
    CHECK_EQ_INT(tg_business_transfer_stars(bot, b, "bc2", 300, &e), TG_OK);
    CHECK_EQ_INT(tg_business_transfer_stars(bot, b, "bc2", 10001, &e), TG_ERR_ARG);   /* 1-10000 */
    CHECK_EQ_INT(ctl_count("transferBusinessAccountStars"), 1);
    /* the owner disables the bot: the next call is refused here, not sent */
    c = bz_conn("bc2", &u, &r, false);
    CHECK_EQ_INT(tg_business_track(b, &c, &e), TG_OK);
    CHECK_EQ_INT(tg_business_transfer_stars(bot, b, "bc2", 100, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "disabled") != NULL);
    CHECK_EQ_INT(ctl_count("transferBusinessAccountStars"), 1);
    CHECK(strstr(ctl("GET", "/_ctl/stars", NULL), "\"balance\": 300") != NULL);     /* the bot got 300 */
    tg_business_free(b);
    /* the journal brings the connection back, disabled, after a restart */
    b = NULL;
    CHECK_EQ_INT(tg_business_new(&b, &jd, &e), TG_OK);
    bc = tg_business_get(b, "bc2");
    CHECK(bc && !bc->enabled && bc->user_id == 556 && (bc->rights & TG_BIZ_CAN_TRANSFER_STARS));
    CHECK_EQ_INT(tg_business_count(b), 1);
    tg_business_free(b);
    tg_bot_free(bot);
}

TG_TEST(business_reply_carries_the_connection_id) {
    tg_business *b = NULL;
    tg_business_bot_rights r;
    tg_user u;
    tg_chat chat;
    tg_message m;
    tg_business_connection c;
    tg_error e;
    tg_bot *bot;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    ctl("POST", "/_ctl/reset", NULL);
    bot = test_bot(NULL);
    tg_business_new(&b, NULL, &e);
    if (!b) { tg_bot_free(bot); return; }
    memset(&u, 0, sizeof u); u.id = 557; u.first_name = "Owner";
    memset(&r, 0, sizeof r); r.can_reply = true;
    c = bz_conn("bc3", &u, &r, true);
    tg_business_track(b, &c, &e);
    memset(&chat, 0, sizeof chat); chat.id = 9001; chat.type = "private";
    memset(&m, 0, sizeof m);
    m.message_id = 1; m.chat = &chat; m.business_connection_id = "bc3"; m.text = "hi";
    CHECK_EQ_INT(tg_business_reply(bot, b, &m, "hello from the shop", NULL, &e), TG_OK);
    CHECK(strstr(ctl("GET", "/_ctl/requests", NULL), "\"business_connection_id\": \"bc3\"") != NULL);
    m.business_connection_id = "unknown-conn";
    CHECK_EQ_INT(tg_business_reply(bot, b, &m, "x", NULL, &e), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(ctl_count("sendMessage"), 1);
    tg_business_free(b);
    tg_bot_free(bot);
}

#else
/* built without TGBOT_ENABLE_STARS: the same names, skipped */
#define BUSINESS_SKIPPED(n) TG_TEST(n) { SKIP("built without TGBOT_ENABLE_STARS"); }
BUSINESS_SKIPPED(business_rights_names_and_bits)
BUSINESS_SKIPPED(business_rights_refused_before_sending)
BUSINESS_SKIPPED(business_connection_disabled_mid_run)
BUSINESS_SKIPPED(business_reply_carries_the_connection_id)
#endif /* TGBOT__HAS_STARS */
