/* bot: token handling, the call pipeline against the fake Bot API server, error mapping, the
   retry policy (reads retried, sends never repeated blindly), multipart conversion, flat memory. */

TG_TEST(bot_token_validation_never_echoes_the_token) {
    static const char *const bad[] = { "", "123456", "abc:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi",
        "123456:short", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh!",
        ":ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi" };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tg_bot_desc d;
        tg_bot *b = (tg_bot *)1;
        tg_error e;
        memset(&d, 0, sizeof d);
        d.token = bad[i];
        d.base_url = "http://127.0.0.1:9";
        CHECK(tg_bot_new(&b, &d, &e) == TG_ERR_ARG && b == NULL);
        CHECK(strstr(e.description, "token") != NULL);
        CHECK(bad[i][0] == '\0' || strstr(e.description, bad[i]) == NULL);
        CHECK(strstr(e.description, "ABCDEFGHIJ") == NULL);
    }
}

TG_TEST(bot_token_from_env_and_file) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    char path[] = "/tmp/tgbot_token_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, BOT_TOKEN "\n", sizeof BOT_TOKEN) == (ssize_t)sizeof BOT_TOKEN);
    close(fd);
    memset(&d, 0, sizeof d);
    d.base_url = "http://127.0.0.1:9";
    d.token_file = path;
    CHECK(tg_bot_new(&b, &d, &e) == TG_OK && tg_bot_id(b) == 123456);
    tg_bot_free(b);
    unlink(path);
    d.token_file = NULL;
    setenv("TELEGRAM_BOT_TOKEN", "777:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi", 1);
    CHECK(tg_bot_new(&b, &d, &e) == TG_OK && tg_bot_id(b) == 777);
    tg_bot_free(b);
    unsetenv("TELEGRAM_BOT_TOKEN");
    CHECK(tg_bot_new(&b, &d, &e) == TG_ERR_ARG && strstr(e.description, "TELEGRAM_BOT_TOKEN") != NULL);
}

TG_TEST(bot_generic_call_and_results) {
    tg_bot *b;
    tg_json_value v;
    const char *s = NULL;
    int64_t id = 0;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    CHECK(tg_call(b, "getMe", NULL, &v) == TG_OK);
    CHECK(tg_json_str(v.doc, tg_json_get(v.doc, v.tok, "username"), &s, NULL) && strcmp(s, "tgbot_test_bot") == 0);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":-1001234567890,\"text\":\"hi \xf0\x9f\x8e\x81\"}", &v) == TG_OK);
    CHECK(tg_json_i64(v.doc, tg_json_path(v.doc, v.tok, "chat.id"), &id) && id == -1001234567890LL);
    CHECK(strcmp(s, "tgbot_test_bot") == 0);     /* the earlier result is still valid before reset */
    CHECK(tg_call(b, "sendMessage", "[1]", &v) == TG_ERR_ARG);
    CHECK(tg_call(b, "bad/name", NULL, &v) == TG_ERR_ARG);
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1}", &v) == TG_ERR_API);
    CHECK(tg_error_is_bad_request(tg_bot_last_error(b)));
    CHECK(strstr(tg_bot_last_error(b)->description, "text is required") != NULL);
    CHECK_STR(tg_bot_last_error(b)->method, "sendMessage");
    tg_bot_free(b);
}

TG_TEST(bot_telegram_errors_are_mapped) {
    tg_bot *b;
    const tg_error *e;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    e = tg_bot_last_error(b);
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    CHECK(tg_error_is_forbidden(e) && e->error_code == 403 && strstr(e->description, "blocked") != NULL);
    CHECK(tg_err_kind_of(e->code) == TG_KIND_TELEGRAM);
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":409,\"description\":\"Conflict\"}}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API && tg_error_is_conflict(e));
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":404,\"description\":\"Not Found\"}}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API && tg_error_is_not_found(e));
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"400_migrate\",\"migrate_to_chat_id\":-1009876543210}");
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":-5,\"text\":\"x\"}", NULL) == TG_ERR_API);
    CHECK(e->migrate_to_chat_id == -1009876543210LL && tg_error_is_bad_request(e));
    /* a peer that echoes the request path does not make the token show up in the error */
    ctl("POST", "/_ctl/result", "{\"method\":\"getChat\",\"error\":{\"error_code\":404,\"description\":"
        "\"Not Found: /bot" BOT_TOKEN "/getChat and again ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi.\"}}");
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    CHECK(strstr(e->description, "ABCDEFGHIJ") == NULL);
    CHECK_STR(e->description, "Not Found: /bot123456:<token>/getChat and again <token>.");
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

TG_TEST(bot_reads_are_retried_with_backoff) {
    tg_bot *b;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    slept_ms = sleeps = 0;
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"502\",\"count\":2}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);
    CHECK(sleeps == 2 && slept_ms >= 375 + 750);      /* 0.5 s then 1 s, each ±25 % */
    CHECK(ctl_count("getMe") == 3);
    slept_ms = sleeps = 0;
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"429\",\"retry_after\":7}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);
    CHECK(sleeps == 1 && slept_ms == 7000);           /* retry_after is honoured exactly */
    slept_ms = sleeps = 0;
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"502\",\"count\":10}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_ERR_API && sleeps == 3);   /* max_retries */
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

TG_TEST(bot_sends_are_never_repeated_blindly) {
    tg_bot *b;
    const tg_error *e;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    e = tg_bot_last_error(b);
    ctl("POST", "/_ctl/reset", NULL);
    sleeps = 0;
    /* the server reads sendGift, then drops the connection: did the gift go out? unknowable */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendGift\",\"kind\":\"drop\"}");
    {
        tg__req *r = tg__req_begin(b, "sendGift", TG__CALL_SPENDS);
        tg_json_key(r->w, "user_id"); tg_json_write_i64(r->w, 42);
        tg_json_key(r->w, "gift_id"); tg_json_write_str(r->w, "5170145012310081615");
        CHECK(tg__req_send(r, NULL) == TG_ERR_OUTCOME_UNKNOWN);
    }
    CHECK(e->request_sent && sleeps == 0);
    CHECK(strstr(e->description, "getStarTransactions") != NULL);
    CHECK(ctl_count("sendGift") == 1);                 /* exactly one attempt reached the server */
    /* a 429 means Telegram refused it: retrying a send is safe then */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"429\",\"retry_after\":1}");
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_OK);
    CHECK(ctl_count("sendMessage") == 2);
    /* a 5xx after a send is not retried, and proves nothing: outcome unknown */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"500\"}");
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_OUTCOME_UNKNOWN);
    CHECK(e->request_sent && e->error_code == 500);
    CHECK(ctl_count("sendMessage") == 3);
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

TG_TEST(bot_unsent_requests_are_retried_even_for_sends) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error err;
    tg__sock s;
    uint16_t port = 0;
    char url[64];
    CHECK(tg__sock_listen("127.0.0.1", 0, &s, &port) == 0);
    tg__sock_close(s);                        /* nothing listens there now: connect is refused */
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)port);
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN; d.base_url = url; d.platform.sleep_ms = fake_sleep;
    CHECK(tg_bot_new(&b, &d, &err) == TG_OK);
    if (!b) return;
    sleeps = 0;
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL) == TG_ERR_CONNECT);
    CHECK(sleeps == 3 && !tg_bot_last_error(b)->request_sent);    /* provably unsent: retried */
    tg_bot_free(b);
}

TG_TEST(bot_multipart_params_become_fields) {
    tg_bot *b;
    tg_input_file f;
    static const char data[] = "hello document";
    const char *reqs, *p;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    memset(&f, 0, sizeof f);
    f.data = data; f.size = sizeof data - 1; f.filename = "doc.txt";
    {
        tg__req *r = tg__req_begin(b, "sendDocument", TG__CALL_SENDS);
        tg_json_key(r->w, "chat_id"); tg_json_write_i64(r->w, -100123);
        tg_json_key(r->w, "caption"); tg_json_write_str(r->w, "a \"caption\"");
        tg_json_key(r->w, "reply_parameters"); tg_json_obj_begin(r->w);
        tg_json_key(r->w, "message_id"); tg_json_write_i64(r->w, 7); tg_json_obj_end(r->w);
        CHECK(tg__req_add_file(r, "document", &f) != NULL);
        CHECK(tg__req_send(r, NULL) == TG_OK);
    }
    reqs = ctl("GET", "/_ctl/requests", NULL);
    p = strstr(reqs, "\"method\": \"sendDocument\"");
    CHECK(p != NULL);
    if (p) {
        CHECK(strstr(p, "\"content_type\": \"multipart/form-data\"") != NULL);
        CHECK(strstr(p, "\"caption\": \"a \\\"caption\\\"\"") != NULL);
        CHECK(strstr(p, "\"reply_parameters\": \"{\\\"message_id\\\":7}\"") != NULL);
        CHECK(strstr(p, "\"size\": 14") != NULL);
        CHECK(strstr(p, "\"violations\": []") != NULL);
    }
    tg_bot_free(b);
}

typedef struct live_alloc { size_t live, peak; long calls; } live_alloc;
static void *la_alloc(size_t n, void *ud) { live_alloc *l = (live_alloc *)ud; l->calls++; l->live += n; if (l->live > l->peak) l->peak = l->live; return malloc(n); }
static void *la_realloc(void *p, size_t o, size_t n, void *ud) { live_alloc *l = (live_alloc *)ud; l->calls++; l->live += n - o; if (l->live > l->peak) l->peak = l->live; return realloc(p, n); }
static void la_free(void *p, size_t n, void *ud) { live_alloc *l = (live_alloc *)ud; l->live -= n; free(p); }

TG_TEST(bot_memory_stays_flat_over_many_calls) {
    live_alloc la = { 0, 0, 0 };
    tg_allocator al = { la_alloc, la_realloc, la_free, NULL };
    tg_bot *b;
    int i, ok = 0;
    size_t live_after_warmup;
    long calls_after_warmup;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    al.ud = &la;
    b = test_bot(&al);
    if (!b) { CHECK(b != NULL); return; }
    for (i = 0; i < 20; i++) { tg_call(b, "getMe", NULL, NULL); tg_bot_reset(b); }
    live_after_warmup = la.live;
    calls_after_warmup = la.calls;
    for (i = 0; i < 2000; i++) {           /* written the way the header documents: call, use, reset */
        tg_json_value v;
        if (tg_call(b, "getMe", NULL, &v) == TG_OK && v.tok != TG_JSON_NOTFOUND) ok++;
        tg_bot_reset(b);
    }
    for (i = 0; i < 2000; i++) {           /* typed results decode into the same arena */
        tg_user *me = NULL;
        if (tg_get_me(b, &me) == TG_OK && me && me->id == 123456789 && strcmp(me->username, "tgbot_test_bot") == 0) ok++;
        tg_bot_reset(b);
    }
    CHECK(ok == 4000);
    CHECK(la.live == live_after_warmup);
    CHECK(la.calls == calls_after_warmup);   /* steady state: no allocation at all */
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
    CHECK(la.live == 0);
}

/* file downloads: bytes intact, the size limit, Telegram's 404, a retried 5xx, paths that try to escape */
TG_TEST(bot_download_file) {
    tg_bot *b;
    tg_str out;
    size_t i, bad_bytes = 0;
    int files_before;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/file", "{\"path\":\"documents/report 1.pdf\",\"size\":300000}");
    CHECK(tg_download_file(b, "documents/report 1.pdf", 0, &out) == TG_OK && out.len == 300000);
    for (i = 0; out.ptr && i < out.len; i++) bad_bytes += (unsigned char)out.ptr[i] != (i * 7) % 251;
    CHECK(out.ptr != NULL && bad_bytes == 0);
    CHECK(strstr(ctl("GET", "/_ctl/requests", NULL), "\"file_path\": \"documents/report 1.pdf\"") != NULL);
    tg_bot_reset(b);
    CHECK(tg_download_file(b, "documents/report 1.pdf", 1000, &out) == TG_ERR_LIMIT && out.ptr == NULL);
    CHECK(ctl_count("file") == 2);                              /* over the limit: not tried again */
    CHECK(tg_download_file(b, "documents/missing.pdf", 0, &out) == TG_ERR_API);
    CHECK(tg_error_is_not_found(tg_bot_last_error(b)));
    slept_ms = sleeps = 0;
    ctl("POST", "/_ctl/fault", "{\"method\":\"file\",\"kind\":\"502\",\"count\":1}");
    CHECK(tg_download_file(b, "documents/report 1.pdf", 0, &out) == TG_OK && out.len == 300000 && sleeps == 1);
    files_before = ctl_count("file");
    CHECK(tg_download_file(b, "../etc/passwd", 0, &out) == TG_ERR_ARG);
    CHECK(tg_download_file(b, "documents/../../x", 0, &out) == TG_ERR_ARG);
    CHECK(tg_download_file(b, "/var/lib/file", 0, &out) == TG_ERR_ARG);
    CHECK(tg_download_file(b, "", 0, &out) == TG_ERR_ARG);
    CHECK(tg_download_file(b, "a\nb", 0, &out) == TG_ERR_ARG);
    CHECK(ctl_count("file") == files_before);                   /* refused before anything was sent */
    CHECK(tg_download_file(b, "documents/..hidden", 0, &out) == TG_ERR_API);   /* a legal name, just absent */
    /* by file_id: getFile first; its file_size is checked against the limit before downloading */
    ctl("POST", "/_ctl/result", "{\"method\":\"getFile\",\"result\":{\"file_id\":\"F\",\"file_unique_id\":\"U\","
        "\"file_size\":300000,\"file_path\":\"documents/report 1.pdf\"}}");
    CHECK(tg_download_file_id(b, "F", 0, &out) == TG_OK && out.len == 300000);
    files_before = ctl_count("file");
    CHECK(tg_download_file_id(b, "F", 4096, &out) == TG_ERR_LIMIT && ctl_count("file") == files_before);
    CHECK(strstr(tg_bot_last_error(b)->description, "ABCDEFGHIJ") == NULL);
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

#define NEED_ENV_BOT(var) const char *var = getenv(#var); if (!var) SKIP(#var " not set (run through tests/with_servers.sh)")

/* ---- money: what an answer proves (issue 9) ----
   Rule (from the issue, not from the code): once any byte of a call that sends something or spends
   Stars may have reached the server, only {"ok":true,...} or ok:false with a 4xx error_code are
   proof; every other ending is TG_ERR_OUTCOME_UNKNOWN with request_sent, after exactly one request.
   Reads are retried (1 + max_retries = 4 requests). The fault server counts requests per base URL. */
static int money_count(const char *tag) {
    const char *url = getenv("TG_FAULT_URL");
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_request rq;
    tg__http_response rs;
    tg_error e;
    char path[128];
    int n = -1;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    if (!url || tg__http_client_new(&c, &cfg, &e) != TG_OK) return -1;
    memset(&rq, 0, sizeof rq);
    snprintf(path, sizeof path, "/_count/%s", tag);
    rq.method = "GET"; rq.path = path;
    if (tg__http_do(c, &rq, &rs, &e) == TG_OK) {
        const char *p = strstr(rs.body, "\"result\":");       /* the server answers {"ok":true,"result":N} */
        n = p ? atoi(p + 9) : (int)strtol(rs.body, NULL, 10);
    }
    tg__http_client_free(c);
    return n;
}

static tg_bot *money_bot(const char *base, const char *tag) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    char url[256], ca[256];
    snprintf(url, sizeof url, "%s/%s", base, tag);
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR") ? getenv("TG_TLS_DIR") : ".");
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = url;
    d.tls.ca_file = ca;
    d.platform.sleep_ms = fake_sleep;
    d.timeouts.request_ms = 3000;
    d.ratelimit.disabled = true;        /* only the answers are under test */
    if (tg_bot_new(&b, &d, &e) != TG_OK) fprintf(stderr, "    tg_bot_new: %s\n", e.description);
    return b;
}

/* one mode: a sendMessage, a sendGift (typed: spends Stars) and a getMe, each on its own counter */
static void money_mode(const char *base, const char *mode, bool proof) {
    char tag[96];
    tg_bot *b;
    const tg_error *e;
    tg_err code;
    const char *tr = strncmp(base, "https:", 6) == 0 ? "tls" : "tcp";     /* one server counts both */
    snprintf(tag, sizeof tag, "%s-%ld-%s-send", mode, (long)getpid(), tr);
    if (!(b = money_bot(base, tag))) { CHECK(b != NULL); return; }
    e = tg_bot_last_error(b);
    sleeps = 0;
    code = tg_call(b, "sendMessage", "{\"chat_id\":1,\"text\":\"x\"}", NULL);
    if (proof) {
        CHECK(code == TG_OK || code == TG_ERR_API);
    } else {
        if (code != TG_ERR_OUTCOME_UNKNOWN) fprintf(stderr, "    mode %s: sendMessage gave %s (%s)\n", mode, tg_err_str(code), e->description);
        CHECK(code == TG_ERR_OUTCOME_UNKNOWN && e->code == TG_ERR_OUTCOME_UNKNOWN);
        CHECK(e->request_sent && strstr(e->description, "may have reached Telegram") != NULL);
    }
    CHECK_STR(e->method, "sendMessage");
    CHECK(sleeps == 0);
    CHECK_EQ_INT(money_count(tag), 1);
    tg_bot_free(b);

    snprintf(tag, sizeof tag, "%s-%ld-%s-gift", mode, (long)getpid(), tr);
    if (!(b = money_bot(base, tag))) { CHECK(b != NULL); return; }
    e = tg_bot_last_error(b);
    sleeps = 0;
    {
        tg_send_gift_args a;
        bool sent = false;
        memset(&a, 0, sizeof a);
        a.user_id = 42;
        a.gift_id = "5170145012310081615";
        code = tg_send_gift(b, &a, &sent);
    }
    if (!proof) {
        if (code != TG_ERR_OUTCOME_UNKNOWN) fprintf(stderr, "    mode %s: sendGift gave %s (%s)\n", mode, tg_err_str(code), e->description);
        CHECK(code == TG_ERR_OUTCOME_UNKNOWN && e->request_sent);
        CHECK(strstr(e->description, "getStarTransactions") != NULL);
    } else {
        CHECK(code != TG_ERR_OUTCOME_UNKNOWN);
    }
    CHECK(sleeps == 0);
    CHECK_EQ_INT(money_count(tag), 1);
    tg_bot_free(b);

    snprintf(tag, sizeof tag, "%s-%ld-%s-read", mode, (long)getpid(), tr);
    if (!(b = money_bot(base, tag))) { CHECK(b != NULL); return; }
    sleeps = 0;
    {
        tg_user *me = NULL;
        code = tg_get_me(b, &me);
    }
    CHECK(code != TG_ERR_OUTCOME_UNKNOWN);
    CHECK(proof || tg_bot_last_error(b)->request_sent);
    CHECK_EQ_INT(money_count(tag), proof ? 1 : 4);     /* a read is retried: 1 + max_retries (3) */
    CHECK_EQ_INT(sleeps, proof ? 0 : 3);
    tg_bot_free(b);

    snprintf(tag, sizeof tag, "%s-%ld-%s-idem", mode, (long)getpid(), tr);
    if (!(b = money_bot(base, tag))) { CHECK(b != NULL); return; }
    sleeps = 0;
    {   /* an idempotent write (setting the same name twice is harmless): retried like a read */
        tg__req *r = tg__req_begin(b, "setMyName", TG__CALL_IDEMPOTENT);
        tg_json_key(r->w, "name"); tg_json_write_str(r->w, "Bot");
        code = tg__req_send(r, NULL);
    }
    CHECK(code != TG_ERR_OUTCOME_UNKNOWN);
    CHECK_EQ_INT(money_count(tag), proof ? 1 : 4);
    tg_bot_free(b);
}

TG_TEST(bot_money_unproven_answers_are_outcome_unknown) {
    static const char *const unproven[] = { "e500", "p502", "html200", "cut200", "bad200" };
    size_t i;
    NEED_ENV_BOT(TG_FAULT_URL);
    for (i = 0; i < sizeof unproven / sizeof unproven[0]; i++) money_mode(TG_FAULT_URL, unproven[i], false);
    money_mode(TG_FAULT_URL, "ok", true);       /* the two answers that are proof: sent once, no doubt */
    money_mode(TG_FAULT_URL, "e403", true);
}

TG_TEST(bot_money_tls_error_after_the_request_is_outcome_unknown) {
    NEED_ENV_BOT(TG_FAULT_TLS);
#if TGBOT__TLS_NONE
    SKIP("built without TLS");
#else
    money_mode(TG_FAULT_TLS, "tlsgarbage", false);   /* handshake done, request read, then a record that does not decrypt */
    money_mode(TG_FAULT_TLS, "tlsalert", false);     /* ... then an alert in the clear */
    money_mode(TG_FAULT_TLS, "ok", true);
#endif
}

/* ---- calls from callbacks (issue 9): the call in flight keeps its method and bytes ---- */
static tg_bot *nest_bot;
static tg_err nest_codes[8];
static int nest_n, nest_depth_calls;
static char nest_desc[256];
static void nest_record(tg_err c) {
    if (nest_n < 8) nest_codes[nest_n++] = c;
    snprintf(nest_desc, sizeof nest_desc, "%s", tg_bot_last_error(nest_bot)->description);
}
static void nest_on_rate_limited(const tg_event *ev, void *ud) {
    tg_user *me = NULL;
    (void)ev; (void)ud;
    nest_record(tg_get_me(nest_bot, &me));                      /* typed */
    nest_record(tg_call(nest_bot, "getMe", NULL, NULL));        /* by name */
}
static void nest_on_retry(const tg_event *ev, void *ud) {
    (void)ev; (void)ud;
    nest_record(tg_call(nest_bot, "sendMessage", "{\"chat_id\":2,\"text\":\"nested\"}", NULL));
}
static void nest_on_sent(const tg_event *ev, void *ud) {
    (void)ud;
    if (strcmp(ev->method, "sendMessage") == 0 || nest_depth_calls) {   /* getMe chains itself: bounded */
        nest_depth_calls++;
        nest_record(tg_call(nest_bot, "getMe", NULL, NULL));
    }
}
static void nest_on_error(const tg_event *ev, void *ud) {
    (void)ev; (void)ud;
    nest_record(tg_call(nest_bot, "getMe", NULL, NULL));
}

static int count_in(const char *hay, const char *needle) {
    int n = 0;
    while ((hay = strstr(hay, needle)) != NULL) { n++; hay++; }
    return n;
}

/* every call owns its state (issue 11): a call from on_retry / on_rate_limited runs on its own,
   and the call in flight keeps its method, bytes and error */
TG_TEST(bot_call_from_on_retry_and_on_rate_limited_works) {
    tg_dispatcher *d = NULL;
    tg_events ev;
    const tg_error *e;
    const char *reqs;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    nest_bot = test_bot(NULL);
    if (!nest_bot) { CHECK(nest_bot != NULL); return; }
    e = tg_bot_last_error(nest_bot);
    CHECK(tg_dispatcher_new(&d, nest_bot, NULL) == TG_OK);
    memset(&ev, 0, sizeof ev);
    ev.on_rate_limited = nest_on_rate_limited;
    ev.on_retry = nest_on_retry;
    tg_set_events(d, &ev);
    ctl("POST", "/_ctl/reset", NULL);
    nest_n = 0;
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"429\",\"retry_after\":1}");
    CHECK(tg_call(nest_bot, "sendMessage", "{\"chat_id\":1,\"text\":\"outer\"}", NULL) == TG_OK);
    CHECK_EQ_INT(nest_n, 3);                       /* on_rate_limited: 2 calls, on_retry: 1 */
    CHECK(nest_codes[0] == TG_OK && nest_codes[1] == TG_OK && nest_codes[2] == TG_OK);
    CHECK(e->code == TG_OK);
    CHECK_STR(e->method, "sendMessage");            /* the outer call's own result, not a nested one's */
    CHECK_EQ_INT(ctl_count("getMe"), 2);           /* the nested calls ran */
    CHECK_EQ_INT(ctl_count("sendMessage"), 3);     /* the 429, the nested one, the outer's retry */
    reqs = ctl("GET", "/_ctl/requests", NULL);
    CHECK_EQ_INT(count_in(reqs, "\"text\": \"outer\""), 2);   /* the retry carried the outer call's bytes */
    CHECK_EQ_INT(count_in(reqs, "\"text\": \"nested\""), 1);
#if TGBOT__HAS_RATELIMIT
    /* on_rate_limited from the limiter's own wait (a second message to one private chat within 1 s):
       it fires inside the call's admission, and a call from it runs too */
    nest_n = 0;
    CHECK(tg_call(nest_bot, "sendMessage", "{\"chat_id\":3,\"text\":\"first\"}", NULL) == TG_OK && nest_n == 0);
    CHECK(tg_call(nest_bot, "sendMessage", "{\"chat_id\":3,\"text\":\"second\"}", NULL) == TG_OK);
    CHECK_EQ_INT(nest_n, 2);
    CHECK(nest_codes[0] == TG_OK && nest_codes[1] == TG_OK);
    CHECK_STR(e->method, "sendMessage");
    reqs = ctl("GET", "/_ctl/requests", NULL);
    CHECK(count_in(reqs, "\"text\": \"first\"") == 1 && count_in(reqs, "\"text\": \"second\"") == 1);
    CHECK_EQ_INT(ctl_count("getMe"), 4);
#endif
    ctl("POST", "/_ctl/reset", NULL);
    tg_dispatcher_free(d);
    tg_bot_free(nest_bot);
}

TG_TEST(bot_call_from_on_sent_and_on_error_works) {
    tg_dispatcher *d = NULL;
    tg_events ev;
    const tg_error *e;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    nest_bot = test_bot(NULL);
    if (!nest_bot) { CHECK(nest_bot != NULL); return; }
    e = tg_bot_last_error(nest_bot);
    CHECK(tg_dispatcher_new(&d, nest_bot, NULL) == TG_OK);
    memset(&ev, 0, sizeof ev);
    ev.on_sent = nest_on_sent;
    tg_set_events(d, &ev);
    ctl("POST", "/_ctl/reset", NULL);
    nest_n = 0; nest_depth_calls = 0;
    /* on_sent of sendMessage calls getMe, whose on_sent calls getMe again...: 3 run, the 4th
       (nested more than TG__NEST_MAX = 3 deep) is refused */
    CHECK(tg_call(nest_bot, "sendMessage", "{\"chat_id\":1,\"text\":\"outer\"}", NULL) == TG_OK);
    CHECK_EQ_INT(nest_n, 4);
    /* recorded as each returns: the innermost (refused) first */
    CHECK(nest_codes[0] == TG_ERR_BUSY && nest_codes[1] == TG_OK && nest_codes[2] == TG_OK && nest_codes[3] == TG_OK);
    CHECK_EQ_INT(ctl_count("getMe"), 3);
    CHECK(e->code == TG_OK);
    CHECK_STR(e->method, "sendMessage");
    /* on_error of a refused sendMessage (400) calls getMe: it runs; the outer error stays the outer's */
    memset(&ev, 0, sizeof ev);
    ev.on_error = nest_on_error;
    tg_set_events(d, &ev);
    nest_n = 0;
    CHECK(tg_call(nest_bot, "sendMessage", "{\"chat_id\":1}", NULL) == TG_ERR_API);
    CHECK_EQ_INT(nest_n, 1);
    CHECK(nest_codes[0] == TG_OK && ctl_count("getMe") == 4);
    CHECK(e->code == TG_ERR_API && tg_error_is_bad_request(e));
    CHECK_STR(e->method, "sendMessage");
    CHECK(strstr(e->description, "text is required") != NULL);
    ctl("POST", "/_ctl/reset", NULL);
    tg_dispatcher_free(d);
    tg_bot_free(nest_bot);
}
