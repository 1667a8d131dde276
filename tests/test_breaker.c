/* breaker: closed -> open after N failed attempts, fast failure while open with nothing reaching
   the server (the fake server's request record), half-open probes after open_ms, close on success,
   reopen on a failed probe, state-change events, Telegram's 4xx answers not counted. The clock is
   injected; back-off sleeps are recorded, never slept. */
#if TGBOT__HAS_BREAKER

static uint64_t br_clock;
static uint32_t br_sleeps;
static uint64_t br_now(void *ud) { (void)ud; return br_clock; }
static void br_sleep(void *ud, uint32_t ms) { (void)ud; br_clock += ms; br_sleeps++; }

static tg_bot *br_bot(const char *url, uint32_t failures, uint32_t open_ms, uint32_t probes) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = url;
    d.platform.now_ms = br_now;
    d.platform.sleep_ms = br_sleep;
    d.timeouts.request_ms = 5000;
    d.breaker.failures = failures;
    d.breaker.open_ms = open_ms;
    d.breaker.probes = probes;
    br_clock = 50000;
    br_sleeps = 0;
    if (tg_bot_new(&b, &d, &e) != TG_OK) fprintf(stderr, "    tg_bot_new: %s\n", e.description);
    return b;
}

static int br_events[8], br_nevents;
static void br_on_breaker(const tg_event *e, void *ud) {
    (void)ud;
    if (e->type == TG_EVENT_BREAKER && br_nevents < 8) br_events[br_nevents++] = e->breaker_state;
}

TG_TEST(breaker_opens_fails_fast_probes_and_closes) {
    tg_bot *b;
    tg_dispatcher *d = NULL;
    tg_events ev;
    tg_breaker_stats st;
    const tg_error *e;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = br_bot(fake_url(), 3, 10000, 1);
    if (!b) { CHECK(b != NULL); return; }
    e = tg_bot_last_error(b);
    CHECK(tg_dispatcher_new(&d, b, NULL) == TG_OK);
    memset(&ev, 0, sizeof ev);
    ev.on_breaker = br_on_breaker;
    tg_set_events(d, &ev);
    br_nevents = 0;
    ctl("POST", "/_ctl/reset", NULL);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_CLOSED);
    /* two failed attempts, then a success: consecutive count starts again */
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"502\",\"count\":2}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);
    tg_breaker_get_stats(b, &st);
    CHECK(st.state == TG_BREAKER_CLOSED && st.consecutive_failures == 0 && st.failures == 2 && st.successes == 1);
    /* three failed attempts in a row open it; that ends the call's retries with the real error */
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"502\",\"count\":10}");
    br_sleeps = 0;
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_API && e->error_code == 502);
    CHECK_EQ_INT(ctl_count("getMe"), 3 + 3);
    CHECK_EQ_INT(br_sleeps, 2);                     /* no back-off before a retry that could not go */
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_OPEN);
    CHECK(br_nevents == 1 && br_events[0] == TG_BREAKER_OPEN);
    /* while open: every call fails at once, nothing reaches the server */
    ctl("POST", "/_ctl/reset", NULL);
    br_sleeps = 0;
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_BREAKER_OPEN);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_BREAKER_OPEN);
    CHECK(e->code == TG_ERR_BREAKER_OPEN && !e->request_sent && strstr(e->description, "not sent") != NULL);
    CHECK_STR(e->method, "sendMessage");
    {   /* a Stars-spending call too: refused before the network, so it never ran */
        tg__req *r = tg__req_begin(b, "sendGift", TG__CALL_SPENDS);
        tg_json_key(r->w, "user_id"); tg_json_write_i64(r->w, 42);
        tg_json_key(r->w, "gift_id"); tg_json_write_str(r->w, "5170145012310081615");
        CHECK(tg__req_send(r, NULL) == TG_ERR_BREAKER_OPEN && !e->request_sent);
    }
    CHECK_EQ_INT(ctl_count("getMe") + ctl_count("sendMessage") + ctl_count("sendGift"), 0);
    CHECK(strstr(ctl("GET", "/_ctl/requests", NULL), "\"method\"") == NULL);    /* the record is empty */
    CHECK(br_sleeps == 0);
    br_clock += 9999;
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_BREAKER_OPEN && e->retry_after == 1);
    tg_breaker_get_stats(b, &st);
    CHECK_EQ_INT(st.rejected, 4);
    CHECK_EQ_INT(st.opens, 1);
    /* open_ms later: one probe goes out; its success closes the breaker */
    br_clock += 1;
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 1);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_CLOSED);
    CHECK(br_nevents == 3 && br_events[1] == TG_BREAKER_HALF_OPEN && br_events[2] == TG_BREAKER_CLOSED);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_OK);
    CHECK_STR(tg_breaker_state_str(TG_BREAKER_HALF_OPEN), "half-open");
    ctl("POST", "/_ctl/reset", NULL);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

TG_TEST(breaker_failed_probe_reopens_and_probes_count) {
    tg_bot *b;
    tg_breaker_stats st;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = br_bot(fake_url(), 2, 5000, 2);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    /* a send is not retried after a 5xx (its outcome is unknown: issue 9): two failed calls, one
       attempt each, open it */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"500\",\"count\":2}");
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_OUTCOME_UNKNOWN);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_CLOSED);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_OUTCOME_UNKNOWN);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_OPEN);
    br_clock += 5000;
    /* the probe fails: open again for another open_ms */
    ctl("POST", "/_ctl/fault", "{\"method\":\"getChat\",\"kind\":\"503\",\"count\":1}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    CHECK_EQ_INT(ctl_count("getChat"), 1);              /* the probe went out; no retry after it */
    tg_breaker_get_stats(b, &st);
    CHECK(st.state == TG_BREAKER_OPEN && st.opens == 2 && st.opened_at == br_clock);
    br_clock += 4999;
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_BREAKER_OPEN);
    br_clock += 1;
    /* two successful probes are needed to close it */
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_OK);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_HALF_OPEN);
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_OK);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_CLOSED);
    CHECK_EQ_INT(ctl_count("getChat"), 3);
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

TG_TEST(breaker_telegram_4xx_and_429_do_not_open_it) {
    tg_bot *b;
    tg_breaker_stats st;
    int i;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = br_bot(fake_url(), 2, 5000, 1);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/result", "{\"method\":\"sendMessage\",\"error\":{\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}}");
    for (i = 0; i < 6; i++) CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_API);
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":400,\"description\":\"Bad Request: chat not found\"}}");
    for (i = 0; i < 6; i++) CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"429\",\"retry_after\":1,\"count\":4}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_API && tg_error_is_too_many_requests(tg_bot_last_error(b)));
    tg_breaker_get_stats(b, &st);
    CHECK(st.state == TG_BREAKER_CLOSED && st.failures == 0 && st.opens == 0);
    CHECK_EQ_INT(st.successes, 12);
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

TG_TEST(breaker_network_errors_open_it) {
    tg_bot *b;
    tg__sock s;
    uint16_t port = 0;
    char url[64];
    CHECK(tg__sock_listen("127.0.0.1", 0, &s, &port) == 0);
    tg__sock_close(s);                        /* nothing listens there: connect is refused */
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)port);
    b = br_bot(url, 3, 1000, 1);
    if (!b) { CHECK(b != NULL); return; }
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_CONNECT);         /* 3 refused attempts, the 4th not tried */
    CHECK(br_sleeps == 2);
    CHECK(tg_breaker_get_state(b) == TG_BREAKER_OPEN);
    br_sleeps = 0;
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_BREAKER_OPEN && br_sleeps == 0);
    tg_bot_free(b);
    /* disabled: it never opens */
    {
        tg_bot_desc d;
        tg_error e;
        memset(&d, 0, sizeof d);
        d.token = BOT_TOKEN; d.base_url = url; d.platform.sleep_ms = br_sleep;
        d.breaker.disabled = true; d.breaker.failures = 1;
        b = NULL;
        CHECK(tg_bot_new(&b, &d, &e) == TG_OK);
        if (!b) return;
        CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_CONNECT);
        CHECK(tg_breaker_get_state(b) == TG_BREAKER_CLOSED);
        tg_bot_free(b);
    }
}

#else
/* built without the circuit breaker: every test says so */
#define BR_SKIPPED(name) TG_TEST(name) { SKIP("built without TGBOT_ENABLE_BREAKER"); }
BR_SKIPPED(breaker_opens_fails_fast_probes_and_closes)
BR_SKIPPED(breaker_failed_probe_reopens_and_probes_count)
BR_SKIPPED(breaker_telegram_4xx_and_429_do_not_open_it)
BR_SKIPPED(breaker_network_errors_open_it)
#endif
