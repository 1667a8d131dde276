/* cache: hits reach no server and decode like fresh answers (typed and tg_call), TTLs on an
   injected clock, never-cached methods, the key includes the parameters, LRU eviction by count and
   by bytes, each invalidation rule (bot profile, one chat only, Stars and gifts, an unknown
   outcome, a webhook reply), errors not cached, the public API and stats, opt-in per bot, bounded and freed memory. */
#if TGBOT__HAS_CACHE

static uint64_t ca_clock = 1000000;
static uint64_t ca_now(void *ud) { (void)ud; return ca_clock; }
static void ca_sleep(void *ud, uint32_t ms) { (void)ud; ca_clock += ms; }

static tg_bot *ca_bot(bool enabled, uint32_t max_entries, size_t max_bytes, const tg_allocator *al) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = fake_url() ? fake_url() : "http://127.0.0.1:9";
    d.platform.now_ms = ca_now;
    d.platform.sleep_ms = ca_sleep;
    d.timeouts.request_ms = 5000;
    d.cache.enabled = enabled;
    d.cache.max_entries = max_entries;
    d.cache.max_bytes = max_bytes;
    if (al) d.allocator = *al;
    if (tg_bot_new(&b, &d, &e) != TG_OK) fprintf(stderr, "    tg_bot_new: %s\n", e.description);
    return b;
}

static tg_err ca_get_chat(tg_bot *b, int64_t id) {
    tg_get_chat_args a;
    tg_chat_full_info *c = NULL;
    memset(&a, 0, sizeof a);
    a.chat_id.id = id;
    return tg_get_chat(b, &a, &c);
}

static tg_cache_stats ca_stats(tg_bot *b) { tg_cache_stats s; tg_cache_get_stats(b, &s); return s; }

#define CA_START(b, ...) do { if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set"); \
    ctl("POST", "/_ctl/reset", NULL); ca_clock = 1000000; b = ca_bot(__VA_ARGS__); \
    if (!b) { CHECK(b != NULL); return; } } while (0)

TG_TEST(cache_get_me_hit_reaches_no_server_and_decodes_the_same) {
    tg_bot *b;
    tg_user *u1 = NULL, *u2 = NULL;
    tg_json_value v;
    const char *s = NULL;
    int64_t id = 0;
    tg_cache_stats st;
    CA_START(b, true, 0, 0, NULL);
    CHECK(tg_cache_enabled(b));
    CHECK(tg_get_me(b, &u1) == TG_OK && u1 != NULL);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    CHECK(tg_get_me(b, &u2) == TG_OK && u2 != NULL);
    CHECK_EQ_INT(ctl_count("getMe"), 1);             /* the second one never left the process */
    if (u1 && u2) {
        CHECK(u1 != u2);                                /* decoded afresh into the arena */
        CHECK_EQ_INT(u2->id, u1->id);
        CHECK(u2->is_bot == u1->is_bot && u2->can_join_groups == u1->can_join_groups);
        CHECK_STR(u2->first_name, u1->first_name);
        CHECK_STR(u2->username, "tgbot_test_bot");
    }
    /* tg_call with the same (empty) parameters shares the entry */
    CHECK(tg_call(b, "getMe", NULL, &v) == TG_OK);
    CHECK(tg_json_str(v.doc, tg_json_get(v.doc, v.tok, "username"), &s, NULL) && s && strcmp(s, "tgbot_test_bot") == 0);
    CHECK(tg_json_i64(v.doc, tg_json_get(v.doc, v.tok, "id"), &id) && u1 && id == u1->id);
    CHECK(tg_call(b, "getMe", "{}", &v) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    CHECK_EQ_INT(tg_bot_last_error(b)->code, TG_OK);
    CHECK_STR(tg_bot_last_error(b)->method, "getMe");
    tg_bot_reset(b);                                    /* results follow the arena; the entry stays */
    CHECK(tg_get_me(b, &u1) == TG_OK && u1 && u1->username && strcmp(u1->username, "tgbot_test_bot") == 0);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    st = ca_stats(b);
    CHECK_EQ_INT(st.hits, 4);
    CHECK_EQ_INT(st.misses, 1);
    CHECK_EQ_INT(st.stores, 1);
    CHECK_EQ_INT(st.entries, 1);
    CHECK(st.bytes > 0);
    tg_bot_free(b);
}

TG_TEST(cache_is_opt_in_per_bot) {
    tg_bot *b;
    tg_cache_stats st;
    CA_START(b, false, 0, 0, NULL);
    CHECK(!tg_cache_enabled(b));
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 2);
    st = ca_stats(b);
    CHECK_EQ_INT(st.hits + st.misses + st.entries, 0);
    CHECK(tg_cache_set_ttl(b, "getMe", 1000) == TG_ERR_ARG);
    CHECK_EQ_INT(tg_cache_ttl(b, "getMe"), 0);
    CHECK(tg_cache_enable(b, NULL) == TG_OK);          /* turned on later */
    CHECK(tg_get_me(b, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 3);
    tg_cache_disable(b);
    CHECK(!tg_cache_enabled(b));
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 4);
    tg_bot_free(b);
}

TG_TEST(cache_ttl_expires_on_the_injected_clock) {
    tg_bot *b;
    tg_star_amount *s1 = NULL, *s2 = NULL;
    tg_cache_stats st;
    CA_START(b, true, 0, 0, NULL);
    CHECK_EQ_INT(tg_cache_ttl(b, "getMe"), 3600000);
    CHECK_EQ_INT(tg_cache_ttl(b, "getMyStarBalance"), 5000);
    CHECK_EQ_INT(tg_cache_ttl(b, "getChat"), 300000);
    CHECK(tg_get_my_star_balance(b, &s1) == TG_OK);
    ca_clock += 4999;
    CHECK(tg_get_my_star_balance(b, &s2) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMyStarBalance"), 1);
    if (s1 && s2) CHECK_EQ_INT(s2->amount, s1->amount);
    ca_clock += 1;                                      /* 5 s after the store: expired */
    CHECK(tg_get_my_star_balance(b, &s2) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMyStarBalance"), 2);
    st = ca_stats(b);
    CHECK_EQ_INT(st.expirations, 1);
    CHECK_EQ_INT(st.misses, 2);
    CHECK_EQ_INT(st.hits, 1);
    CHECK_EQ_INT(st.entries, 1);
    /* getMe lasts an hour */
    CHECK(tg_get_me(b, NULL) == TG_OK);
    ca_clock += 3599999;
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    ca_clock += 1;
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 2);
    tg_bot_free(b);
}

TG_TEST(cache_never_caches_star_transactions_webhook_info_or_unlisted_reads) {
    tg_bot *b;
    tg_get_star_transactions_args a;
    tg_star_transactions *t = NULL;
    CA_START(b, true, 0, 0, NULL);
    memset(&a, 0, sizeof a);
    CHECK(tg_get_star_transactions(b, &a, &t) == TG_OK);
    CHECK(tg_get_star_transactions(b, &a, &t) == TG_OK);
    CHECK_EQ_INT(ctl_count("getStarTransactions"), 2);
    CHECK(tg_call(b, "getWebhookInfo", NULL, NULL) == TG_OK && tg_call(b, "getWebhookInfo", NULL, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getWebhookInfo"), 2);
    CHECK(tg_call(b, "getUserProfilePhotos", "{\"user_id\":5}", NULL) == TG_OK);
    CHECK(tg_call(b, "getUserProfilePhotos", "{\"user_id\":5}", NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getUserProfilePhotos"), 2);
    CHECK(tg_cache_set_ttl(b, "getStarTransactions", 1000) == TG_ERR_ARG);
    CHECK(tg_cache_set_ttl(b, "getUpdates", 1000) == TG_ERR_ARG);
    CHECK(tg_cache_set_ttl(b, "getFile", 1000) == TG_ERR_ARG);
    CHECK(tg_cache_set_ttl(b, "bad/name", 1000) == TG_ERR_ARG);
    CHECK_EQ_INT(tg_cache_ttl(b, "getStarTransactions"), 0);
    CHECK_EQ_INT(tg_cache_ttl(b, "getUpdates"), 0);
    CHECK_EQ_INT(ca_stats(b).entries, 0);
    CHECK_EQ_INT(ca_stats(b).misses, 0);               /* not cacheable: not a miss either */
    tg_bot_free(b);
}

TG_TEST(cache_different_params_are_different_entries) {
    tg_bot *b;
    CA_START(b, true, 0, 0, NULL);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    CHECK(ca_get_chat(b, 2) == TG_OK);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    CHECK(ca_get_chat(b, 2) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 2);
    CHECK(tg_call(b, "getChat", "{\"chat_id\":1}", NULL) == TG_OK);          /* the same JSON as the typed call */
    CHECK_EQ_INT(ctl_count("getChat"), 2);
    CHECK(tg_call(b, "getChat", "{\"chat_id\": 1}", NULL) == TG_OK);         /* other bytes: another entry */
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK_EQ_INT(ca_stats(b).entries, 3);
    tg_bot_free(b);
}

TG_TEST(cache_lru_eviction_by_count) {
    tg_bot *b;
    tg_cache_stats st;
    CA_START(b, true, 2, 0, NULL);
    CHECK(ca_get_chat(b, 1) == TG_OK && ca_get_chat(b, 2) == TG_OK);
    CHECK(ca_get_chat(b, 1) == TG_OK);                 /* a hit: 1 is now the most recent */
    CHECK(ca_get_chat(b, 3) == TG_OK);                 /* evicts 2, the least recently used */
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK(ca_get_chat(b, 2) == TG_OK);                 /* gone: asked again (evicts 3) */
    CHECK_EQ_INT(ctl_count("getChat"), 4);
    st = ca_stats(b);
    CHECK_EQ_INT(st.entries, 2);
    CHECK_EQ_INT(st.evictions, 2);
    CHECK_EQ_INT(st.stores, 4);
    CHECK_EQ_INT(st.hits, 2);
    CHECK_EQ_INT(st.misses, 4);
    tg_bot_free(b);
}

TG_TEST(cache_lru_eviction_by_bytes) {
    tg_bot *b;
    size_t one;
    tg_cache_stats st;
    CA_START(b, true, 0, 0, NULL);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    one = ca_stats(b).bytes;
    CHECK(one > 0);
    tg_bot_free(b);
    CA_START(b, true, 0, one * 2 + one / 2, NULL);     /* room for two entries of this size */
    CHECK(ca_get_chat(b, 1) == TG_OK && ca_get_chat(b, 2) == TG_OK && ca_get_chat(b, 3) == TG_OK);
    st = ca_stats(b);
    CHECK_EQ_INT(st.entries, 2);
    CHECK_EQ_INT(st.evictions, 1);
    CHECK(st.bytes <= one * 2 + one / 2);
    CHECK(ca_get_chat(b, 3) == TG_OK && ca_get_chat(b, 2) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK(ca_get_chat(b, 1) == TG_OK);                 /* the oldest went */
    CHECK_EQ_INT(ctl_count("getChat"), 4);
    tg_bot_free(b);
    CA_START(b, true, 0, one / 2, NULL);               /* an answer bigger than the whole cache */
    CHECK(ca_get_chat(b, 1) == TG_OK && ca_get_chat(b, 1) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 2);
    CHECK_EQ_INT(ca_stats(b).entries, 0);
    CHECK_EQ_INT(ca_stats(b).bytes, 0);
    tg_bot_free(b);
}

TG_TEST(cache_set_my_name_invalidates_get_me) {
    tg_bot *b;
    tg_set_my_name_args a;
    bool ok = false;
    CA_START(b, true, 0, 0, NULL);
    CHECK(tg_get_me(b, NULL) == TG_OK && tg_call(b, "getMyName", NULL, NULL) == TG_OK);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    memset(&a, 0, sizeof a);
    a.name = "New name";
    CHECK(tg_set_my_name(b, &a, &ok) == TG_OK);
    CHECK(tg_get_me(b, NULL) == TG_OK && tg_call(b, "getMyName", NULL, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 2);
    CHECK_EQ_INT(ctl_count("getMyName"), 2);
    CHECK(ca_get_chat(b, 1) == TG_OK);                 /* a chat is not the bot's profile */
    CHECK_EQ_INT(ctl_count("getChat"), 1);
    CHECK_EQ_INT(ca_stats(b).invalidations, 2);
    CHECK(tg_call(b, "deleteMyCommands", NULL, NULL) == TG_OK);
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 3);
    tg_bot_free(b);
}

TG_TEST(cache_ban_on_chat_x_invalidates_chat_x_only) {
    tg_bot *b;
    tg_ban_chat_member_args a;
    tg_get_chat_member_args m;
    tg_chat_member *cm = NULL;
    bool ok = false;
    CA_START(b, true, 0, 0, NULL);
    memset(&m, 0, sizeof m);
    m.chat_id.id = -100111;
    m.user_id = 5;
    CHECK(ca_get_chat(b, -100111) == TG_OK && ca_get_chat(b, -100222) == TG_OK);
    CHECK(tg_get_chat_member(b, &m, &cm) == TG_OK);
    CHECK(tg_call(b, "getChat", "{\"chat_id\":\"-100111\"}", NULL) == TG_OK);   /* the same chat written as a string */
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":-100111,\"text\":\"hi\"}", NULL) == TG_OK);   /* a send changes no chat info */
    CHECK(ca_get_chat(b, -100111) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    memset(&a, 0, sizeof a);
    a.chat_id.id = -100111;
    a.user_id = 5;
    CHECK(tg_ban_chat_member(b, &a, &ok) == TG_OK);
    CHECK_EQ_INT(ca_stats(b).invalidations, 3);
    CHECK(ca_get_chat(b, -100222) == TG_OK);           /* another chat: still cached */
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK(ca_get_chat(b, -100111) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 4);
    CHECK(tg_get_chat_member(b, &m, &cm) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChatMember"), 2);
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    /* a chat write without chat_id cannot say which chat: every chat's entries go */
    (void)tg_call(b, "unpinAllGeneralForumTopicMessages", NULL, NULL);
    CHECK(ca_get_chat(b, -100222) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 5);
    tg_bot_free(b);
}

TG_TEST(cache_gift_writes_invalidate_star_balance_and_gifts) {
    tg_bot *b;
    tg_send_gift_args g;
    bool ok = false;
    tg_err code;
    CA_START(b, true, 0, 0, NULL);
    CHECK(tg_get_my_star_balance(b, NULL) == TG_OK && tg_get_available_gifts(b, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK);
    memset(&g, 0, sizeof g);
    g.user_id = 5;
    g.gift_id = "gift1";
    CHECK(tg_send_gift(b, &g, &ok) == TG_OK);
    CHECK(tg_get_my_star_balance(b, NULL) == TG_OK && tg_get_available_gifts(b, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMyStarBalance"), 2);
    CHECK_EQ_INT(ctl_count("getAvailableGifts"), 2);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    CHECK(tg_call(b, "refundStarPayment", "{\"user_id\":5,\"telegram_payment_charge_id\":\"c\"}", NULL) == TG_OK);
    CHECK(tg_get_my_star_balance(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMyStarBalance"), 3);
    /* a sendGift whose outcome is unknown (the connection dropped after the request) drops too */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendGift\",\"kind\":\"drop\",\"count\":1}");
    code = tg_send_gift(b, &g, &ok);
    CHECK_EQ_INT(code, TG_ERR_OUTCOME_UNKNOWN);
    CHECK(tg_get_my_star_balance(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMyStarBalance"), 4);
    /* a paid broadcast spends Stars too */
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":5,\"text\":\"x\",\"allow_paid_broadcast\":true}", NULL) == TG_OK);
    CHECK(tg_get_my_star_balance(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMyStarBalance"), 5);
    tg_bot_free(b);
}

TG_TEST(cache_errors_are_never_cached) {
    tg_bot *b;
    tg_cache_stats st;
    CA_START(b, true, 0, 0, NULL);
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":403,\"description\":\"Forbidden: bot was kicked\"}}");
    CHECK(ca_get_chat(b, 7) == TG_ERR_API);
    CHECK(ca_get_chat(b, 7) == TG_ERR_API);
    CHECK_EQ_INT(ctl_count("getChat"), 2);
    CHECK(tg_error_is_forbidden(tg_bot_last_error(b)));
    st = ca_stats(b);
    CHECK_EQ_INT(st.stores, 0);
    CHECK_EQ_INT(st.entries, 0);
    CHECK_EQ_INT(st.misses, 2);
    ctl("POST", "/_ctl/reset", NULL);
    CHECK(ca_get_chat(b, 7) == TG_OK && ca_get_chat(b, 7) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 1);
    CHECK_EQ_INT(tg_bot_last_error(b)->code, TG_OK);   /* a hit leaves no stale error behind */
    tg_bot_free(b);
}

TG_TEST(cache_invalidate_and_ttl_overrides) {
    tg_bot *b;
    int i;
    CA_START(b, true, 0, 0, NULL);
    CHECK(tg_get_me(b, NULL) == TG_OK && ca_get_chat(b, 1) == TG_OK && ca_get_chat(b, 2) == TG_OK);
    CHECK_EQ_INT(tg_cache_invalidate(b, "getMe"), 1);
    CHECK_EQ_INT(tg_cache_invalidate(b, "getMe"), 0);
    CHECK(tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 2);
    CHECK_EQ_INT(tg_cache_invalidate(b, NULL), 3);
    CHECK_EQ_INT(ca_stats(b).entries, 0);
    CHECK_EQ_INT(ca_stats(b).bytes, 0);
    CHECK_EQ_INT(ca_stats(b).invalidations, 4);
    /* 0 stops caching a method */
    CHECK(tg_cache_set_ttl(b, "getMe", 0) == TG_OK);
    CHECK(tg_get_me(b, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 4);
    /* an unlisted read gets a TTL; every write drops it */
    CHECK(tg_cache_set_ttl(b, "getUserProfilePhotos", 1000) == TG_OK);
    CHECK_EQ_INT(tg_cache_ttl(b, "getUserProfilePhotos"), 1000);
    CHECK(tg_call(b, "getUserProfilePhotos", "{\"user_id\":5}", NULL) == TG_OK);
    CHECK(tg_call(b, "getUserProfilePhotos", "{\"user_id\":5}", NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getUserProfilePhotos"), 1);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":5,\"text\":\"x\"}", NULL) == TG_OK);
    CHECK(tg_call(b, "getUserProfilePhotos", "{\"user_id\":5}", NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getUserProfilePhotos"), 2);
    ca_clock += 1000;
    CHECK(tg_call(b, "getUserProfilePhotos", "{\"user_id\":5}", NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getUserProfilePhotos"), 3);
    /* the override table is bounded */
    for (i = 0; i < TGBOT_CACHE_OVERRIDES; i++) {
        char m[32];
        snprintf(m, sizeof m, "getThing%d", i);
        if (tg_cache_set_ttl(b, m, 1) != TG_OK) break;
    }
    CHECK_EQ_INT(i, TGBOT_CACHE_OVERRIDES - 2);
    CHECK(tg_cache_set_ttl(b, "getOneMore", 1) == TG_ERR_LIMIT);
    CHECK(tg_cache_set_ttl(b, "getMe", 5) == TG_OK);   /* an existing override can still change */
    CHECK_EQ_INT(tg_cache_ttl(b, "getMe"), 5);
    /* logOut drops everything */
    CHECK(ca_get_chat(b, 1) == TG_OK && tg_get_my_star_balance(b, NULL) == TG_OK);
    CHECK_EQ_INT(ca_stats(b).entries, 3);               /* with getUserProfilePhotos */
    CHECK(tg_call(b, "logOut", NULL, NULL) == TG_OK);
    CHECK_EQ_INT(ca_stats(b).entries, 0);
    tg_bot_free(b);
}

TG_TEST(cache_memory_is_bounded_and_freed) {
    live_alloc la = { 0, 0, 0 };
    tg_allocator al = { la_alloc, la_realloc, la_free, NULL };
    tg_bot *b;
    int i;
    size_t live_before;
    tg_cache_stats st;
    al.ud = &la;
    CA_START(b, false, 0, 0, &al);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    tg_bot_reset(b);
    live_before = la.live;
    CHECK(tg_cache_enable(b, NULL) == TG_OK);
    {
        tg_cache_desc d;
        memset(&d, 0, sizeof d);
        d.max_entries = 16;
        CHECK(tg_cache_enable(b, &d) == TG_OK);        /* new bounds, the same cache */
    }
    for (i = 0; i < 200; i++) {
        CHECK(ca_get_chat(b, 1000 + i) == TG_OK);
        CHECK(ca_get_chat(b, 1000 + i) == TG_OK);
        tg_bot_reset(b);
    }
    st = ca_stats(b);
    CHECK_EQ_INT(st.entries, 16);
    CHECK_EQ_INT(st.hits, 200);
    CHECK_EQ_INT(st.evictions, 200 - 16);
    CHECK(la.live - live_before < 64 * 1024);
    tg_cache_disable(b);
    CHECK_EQ_INT(la.live, live_before);                /* everything the cache held is back */
    CHECK(tg_cache_enable(b, NULL) == TG_OK);
    CHECK(ca_get_chat(b, 1) == TG_OK);
    tg_bot_free(b);
    CHECK_EQ_INT(la.live, 0);
}

TG_TEST(cache_hit_rate_in_analytics) {
#if TGBOT__HAS_ANALYTICS
    tg_bot *b;
    static char out[1 << 16];
    tg_json_writer w;
    char path[64], cmd[160];
    FILE *f;
    CA_START(b, true, 0, 0, NULL);
    CHECK(tg_analytics_enable(b) == TG_OK);
    CHECK(tg_get_me(b, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK &&
          tg_get_me(b, NULL) == TG_OK);
    CHECK(tg_analytics_prometheus(tg_bot_analytics(b), out, sizeof out) < sizeof out);
    CHECK(strstr(out, "tgbot_cache_hits_total 3\n") != NULL);
    CHECK(strstr(out, "tgbot_cache_misses_total 1\n") != NULL);
    CHECK(strstr(out, "tgbot_cache_hit_ratio 0.750000\n") != NULL);
    CHECK(strstr(out, "tgbot_cache_entries 1\n") != NULL);
    CHECK(strstr(out, "tgbot_calls_total 1\n") != NULL);      /* hits are not calls: nothing was sent */
    tg_json_writer_init_grow(&w, NULL);
    tg_analytics_json(tg_bot_analytics(b), &w);
    CHECK(w.err == TG_OK && w.buf && strstr(w.buf, "\"cache\":{\"hits\":3,\"misses\":1,\"hit_rate\":0.75,") != NULL);
    tg_json_writer_free(&w);
    if (system("command -v promtool >/dev/null 2>&1") == 0) {
        snprintf(path, sizeof path, "/tmp/tgbot_ca_%d.prom", (int)getpid());
        f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) { fputs(out, f); fclose(f); }
        snprintf(cmd, sizeof cmd, "promtool check metrics < %s", path);
        CHECK_EQ_INT(system(cmd), 0);
        remove(path);
    }
    tg_cache_disable(b);                                  /* without the cache: no cache series */
    tg_analytics_prometheus(tg_bot_analytics(b), out, sizeof out);
    CHECK(strstr(out, "tgbot_cache_") == NULL);
    tg_bot_free(b);
#else
    SKIP("built without TGBOT_ENABLE_ANALYTICS");
#endif
}

TG_TEST(cache_webhook_reply_is_a_write) {
#if TGBOT__HAS_WEBHOOK
    tg_bot *b;
    tg_ctx ctx;
    tg__wh_reply slot;
    CA_START(b, true, 0, 0, NULL);
    CHECK(ca_get_chat(b, -100333) == TG_OK && ca_get_chat(b, -100444) == TG_OK);
    memset(&ctx, 0, sizeof ctx);
    memset(&slot, 0, sizeof slot);
    tg_json_writer_init_grow(&slot.w, NULL);
    ctx.bot = b;
    ctx.webhook_reply = &slot;                          /* as the webhook server sets it during a delivery */
    CHECK(tg_webhook_reply(&ctx, "banChatMember", "{\"chat_id\":-100333,\"user_id\":5}") == TG_OK);
    tg_json_writer_free(&slot.w);
    CHECK(ca_get_chat(b, -100444) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 2);
    CHECK(ca_get_chat(b, -100333) == TG_OK);           /* dropped: the reply's outcome is never known */
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    tg_bot_free(b);
#else
    SKIP("built without TGBOT_ENABLE_WEBHOOK");
#endif
}

TG_TEST(cache_hit_is_answered_while_the_breaker_is_open) {
#if TGBOT__HAS_BREAKER
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    ctl("POST", "/_ctl/reset", NULL);
    ca_clock = 1000000;
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = fake_url();
    d.platform.now_ms = ca_now;
    d.platform.sleep_ms = ca_sleep;
    d.timeouts.request_ms = 5000;
    d.cache.enabled = true;
    d.breaker.failures = 1;
    CHECK(tg_bot_new(&b, &d, &e) == TG_OK);
    if (!b) return;
    CHECK(tg_get_me(b, NULL) == TG_OK);
    ctl("POST", "/_ctl/fault", "{\"method\":\"getChat\",\"kind\":\"502\",\"count\":10}");
    CHECK(ca_get_chat(b, 9) != TG_OK);                 /* opens the breaker */
    CHECK_EQ_INT(ca_get_chat(b, 10), TG_ERR_BREAKER_OPEN);
    CHECK(tg_get_me(b, NULL) == TG_OK);                /* from the cache: the breaker is not asked */
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    CHECK_EQ_INT(ca_stats(b).entries, 1);              /* the failures stored nothing */
    ctl("POST", "/_ctl/reset", NULL);                  /* the faults left over */
    tg_bot_free(b);
#else
    SKIP("built without TGBOT_ENABLE_BREAKER");
#endif
}

/* Two workers (two bots, one token) share one store: an answer fetched by one is a hit for the
   other, a write by one invalidates the other's entries of that scope only, and a body larger than
   the first read buffer comes back whole. On Redis under make test-redis, else on the memory back-end. */
#if TGBOT__HAS_STORE
static tg_store *ca_shared_store(bool *redis) {
    tg_store *s = NULL;
    tg_store_desc sd;
#if TGBOT__HAS_REDIS
    if (getenv("TG_REDIS_PORT")) {
        static char prefix[48];
        tg_redis_desc rd;
        memset(&rd, 0, sizeof rd);
        rd.port = atoi(getenv("TG_REDIS_PORT"));
        snprintf(prefix, sizeof prefix, "tgcache%ld:", (long)getpid());   /* nothing left from another run */
        rd.prefix = prefix;
        *redis = true;
        return tg_store_redis_new(&s, NULL, &rd) == TG_OK ? s : NULL;
    }
#endif
    *redis = false;
    memset(&sd, 0, sizeof sd);
    sd.now_ms = ca_now;                                  /* entries expire on the test's clock */
    return tg_store_memory_new(&s, &sd) == TG_OK ? s : NULL;
}
#endif

TG_TEST(cache_shared_store_two_workers_share_entries_and_writes) {
#if TGBOT__HAS_STORE
    tg_bot *a, *b;
    tg_store *s;
    tg_cache_desc cd;
    bool redis = false;
    char *big, *res;
    size_t i;
    tg_json_value v;
    const char *str = NULL;
    size_t n = 0;
    CA_START(a, true, 0, 0, NULL);
    b = ca_bot(true, 0, 0, NULL);
    s = ca_shared_store(&redis);
    CHECK(b != NULL && s != NULL);
    if (!b || !s) { tg_bot_free(a); tg_bot_free(b); tg_store_free(s); return; }
    memset(&cd, 0, sizeof cd);
    cd.shared = s;
    CHECK(tg_cache_enable(a, &cd) == TG_OK && tg_cache_enable(b, &cd) == TG_OK);
    printf("    shared cache on %s\n", redis ? "redis" : "the memory store");

    CHECK(ca_get_chat(a, 42) == TG_OK && ca_get_chat(a, 43) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 2);
    CHECK(ca_get_chat(b, 42) == TG_OK && ca_get_chat(b, 43) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 2);              /* the other worker's answers */
    CHECK_EQ_INT(ca_stats(b).hits, 2);
    CHECK_EQ_INT(ca_stats(b).entries, 0);               /* nothing kept in the process */

    CHECK(tg_call(a, "setChatTitle", "{\"chat_id\":42,\"title\":\"t\"}", NULL) == TG_OK);
    CHECK(ca_get_chat(b, 42) == TG_OK);                 /* changed by a: asked again */
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    CHECK(ca_get_chat(b, 43) == TG_OK && ca_get_chat(a, 42) == TG_OK);   /* 43 untouched; 42 fresh again */
    CHECK_EQ_INT(ctl_count("getChat"), 3);

    CHECK(tg_get_me(a, NULL) == TG_OK && tg_get_me(b, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    CHECK(tg_call(b, "setMyName", "{\"name\":\"n\"}", NULL) == TG_OK);
    CHECK(tg_get_me(a, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 2);
    CHECK(tg_send_message(a, &(tg_send_message_args){ .chat_id.id = 42, .text = "x" }, NULL) == TG_OK);
    CHECK(ca_get_chat(b, 42) == TG_OK);                 /* a message changes no cached read */
    CHECK_EQ_INT(ctl_count("getChat"), 3);

    /* an answer bigger than the first read buffer (4 KiB) */
    big = (char *)malloc(6000);
    res = (char *)malloc(6200);
    if (big && res) {
        for (i = 0; i < 5000; i++) big[i] = (char)('a' + i % 26);
        big[5000] = '\0';
        snprintf(res, 6200, "{\"method\":\"getMyDescription\",\"result\":{\"description\":\"%s\"}}", big);
        ctl("POST", "/_ctl/result", res);
        CHECK(tg_call(a, "getMyDescription", NULL, &v) == TG_OK);
        CHECK(tg_call(b, "getMyDescription", NULL, &v) == TG_OK);
        CHECK_EQ_INT(ctl_count("getMyDescription"), 1);
        CHECK(tg_json_str(v.doc, tg_json_get(v.doc, v.tok, "description"), &str, &n) && n == 5000 && memcmp(str, big, 5000) == 0);
    }
    free(big);
    free(res);

    CHECK_EQ_INT(tg_cache_invalidate(b, NULL), 0);     /* shared: no local entries to count */
    CHECK(ca_get_chat(a, 43) == TG_OK && tg_get_me(a, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getChat"), 4);
    CHECK_EQ_INT(ctl_count("getMe"), 3);
    if (!redis) {                                       /* the store's TTL on the injected clock */
        ca_clock += 5 * 60 * 1000 + 1;
        CHECK(ca_get_chat(b, 43) == TG_OK);
        CHECK_EQ_INT(ctl_count("getChat"), 5);
    }
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(a);
    tg_bot_free(b);
    tg_store_free(s);
#else
    SKIP("built without TGBOT_ENABLE_STORE");
#endif
}

#else
/* built without the cache: every test says so */
#define CA_SKIPPED(name) TG_TEST(name) { SKIP("built without TGBOT_ENABLE_CACHE"); }
CA_SKIPPED(cache_get_me_hit_reaches_no_server_and_decodes_the_same)
CA_SKIPPED(cache_is_opt_in_per_bot)
CA_SKIPPED(cache_ttl_expires_on_the_injected_clock)
CA_SKIPPED(cache_never_caches_star_transactions_webhook_info_or_unlisted_reads)
CA_SKIPPED(cache_different_params_are_different_entries)
CA_SKIPPED(cache_lru_eviction_by_count)
CA_SKIPPED(cache_lru_eviction_by_bytes)
CA_SKIPPED(cache_set_my_name_invalidates_get_me)
CA_SKIPPED(cache_ban_on_chat_x_invalidates_chat_x_only)
CA_SKIPPED(cache_gift_writes_invalidate_star_balance_and_gifts)
CA_SKIPPED(cache_errors_are_never_cached)
CA_SKIPPED(cache_invalidate_and_ttl_overrides)
CA_SKIPPED(cache_memory_is_bounded_and_freed)
CA_SKIPPED(cache_hit_rate_in_analytics)
CA_SKIPPED(cache_webhook_reply_is_a_write)
CA_SKIPPED(cache_hit_is_answered_while_the_breaker_is_open)
CA_SKIPPED(cache_shared_store_two_workers_share_entries_and_writes)
#endif
