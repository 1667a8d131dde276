/* http: the client against the fake Bot API server, the byte-exact fault server and HTTPS servers
   with good and bad certificates (all started by tests/with_servers.sh on loopback). */

#define HTTP_TOKEN "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"

static tg__http_client *http_client(const char *url, uint32_t request_ms, const tg_platform *plat,
                                    const char *ca_file, tg_error *err) {
    tg__http_config cfg;
    tg__http_client *c = NULL;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    cfg.timeouts.request_ms = request_ms;
    cfg.timeouts.connect_ms = 3000;
    cfg.plat = plat;
    cfg.tls.ca_file = ca_file;
    if (tg__http_client_new(&c, &cfg, err) != TG_OK) return NULL;
    return c;
}

static tg_err http_get(tg__http_client *c, const char *path, tg__http_response *rs, tg_error *err) {
    tg__http_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = "GET";
    rq.path = path;
    return tg__http_do(c, &rq, rs, err);
}

#define NEED_ENV(var) const char *var = getenv(#var); if (!var) SKIP(#var " not set (run through tests/with_servers.sh)")

TG_TEST(http_keepalive_reuses_one_connection) {
    NEED_ENV(TG_FAKE_URL);
    tg_error e;
    tg__http_response rs;
    tg__http_client *c = http_client(TG_FAKE_URL, 5000, NULL, NULL, &e);
    int i, ok = 0;
    CHECK(c != NULL);
    if (!c) return;
    for (i = 0; i < 50; i++)
        if (http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, &e) == TG_OK && rs.status == 200 &&
            strstr(rs.body, "tgbot_test_bot")) ok++;
    CHECK(ok == 50);
    CHECK(tg__http_connections_opened(c) == 1);
    CHECK(strncmp(rs.content_type, "application/json", 16) == 0);
    CHECK(rs.body[rs.body_len] == '\0');
    tg__http_client_free(c);
}

TG_TEST(http_post_json_and_form) {
    NEED_ENV(TG_FAKE_URL);
    tg_error e;
    tg__http_response rs;
    tg__http_request rq;
    tg__http_client *c = http_client(TG_FAKE_URL, 5000, NULL, NULL, &e);
    static const char json[] = "{\"chat_id\":-1001234567890,\"text\":\"h\\u00e9llo\"}";
    static const char form[] = "chat_id=5&text=form%20body";
    if (!c) { CHECK(c != NULL); return; }
    memset(&rq, 0, sizeof rq);
    rq.method = "POST"; rq.path = "/bot" HTTP_TOKEN "/sendMessage";
    rq.content_type = "application/json"; rq.body = json; rq.body_len = sizeof json - 1;
    CHECK(tg__http_do(c, &rq, &rs, &e) == TG_OK && rs.status == 200);
    CHECK(strstr(rs.body, "h\xc3\xa9llo") != NULL && strstr(rs.body, "-1001234567890") != NULL);
    rq.content_type = "application/x-www-form-urlencoded"; rq.body = form; rq.body_len = sizeof form - 1;
    CHECK(tg__http_do(c, &rq, &rs, &e) == TG_OK && strstr(rs.body, "form body") != NULL);
    tg__http_client_free(c);
}

static long counting_reader(void *ud, void *buf, size_t n) {
    size_t *left = (size_t *)ud, k = n < *left ? n : *left, i;
    for (i = 0; i < k; i++) ((unsigned char *)buf)[i] = (unsigned char)('a' + (*left - i) % 26);
    *left -= k;
    return (long)k;
}

TG_TEST(http_multipart_path_memory_stream) {
    NEED_ENV(TG_FAKE_URL);
    tg_error e;
    tg__http_response rs;
    tg__http_request rq;
    tg__http_part parts[4];
    tg_input_file f_mem, f_path, f_stream;
    static char mem[70000];
    size_t stream_left = 50000, i;
    char path[] = "/tmp/tgbot_upload_XXXXXX";
    int fd = mkstemp(path);
    tg__http_client *c = http_client(TG_FAKE_URL, 10000, NULL, NULL, &e);
    static tg_json_tok toks[65536];
    tg_json_doc d;
    if (!c || fd < 0) { CHECK(c && fd >= 0); return; }
    ctl("POST", "/_ctl/reset", NULL);     /* only this test's calls in the record */
    for (i = 0; i < sizeof mem; i++) mem[i] = (char)(i * 7);
    CHECK(write(fd, mem, 40000) == 40000);
    close(fd);
    memset(&f_mem, 0, sizeof f_mem); f_mem.data = mem; f_mem.size = sizeof mem; f_mem.filename = "mem \"q\".bin";
    memset(&f_path, 0, sizeof f_path); f_path.path = path;
    memset(&f_stream, 0, sizeof f_stream); f_stream.read = counting_reader; f_stream.read_ud = &stream_left;
    f_stream.filename = "stream.txt";
    memset(parts, 0, sizeof parts);
    parts[0].name = "chat_id"; parts[0].value = "42"; parts[0].value_len = 2;
    parts[1].name = "media"; parts[1].value = "[{\"type\":\"document\",\"media\":\"attach://f1\"},"
        "{\"type\":\"document\",\"media\":\"attach://f2\"}]";
    parts[1].value_len = strlen(parts[1].value);
    parts[2].name = "f1"; parts[2].file = &f_mem;
    parts[3].name = "f2"; parts[3].file = &f_stream;     /* unknown length: chunked request body */
    memset(&rq, 0, sizeof rq);
    rq.method = "POST"; rq.path = "/bot" HTTP_TOKEN "/sendMediaGroup"; rq.parts = parts; rq.nparts = 4;
    CHECK(tg__http_do(c, &rq, &rs, &e) == TG_OK && rs.status == 200);
    parts[2].file = &f_path;
    rq.nparts = 3;
    parts[1].value = "[{\"type\":\"document\",\"media\":\"attach://f1\"}]"; parts[1].value_len = strlen(parts[1].value);
    CHECK(tg__http_do(c, &rq, &rs, &e) == TG_OK && rs.status == 200);
    CHECK(http_get(c, "/_ctl/requests", &rs, &e) == TG_OK);
    if (tg_json_parse(&d, rs.body, rs.body_len, toks, 65536, NULL) != TG_OK) { CHECK(0 && "requests JSON"); return; }
    {
        int64_t size = 0;
        const char *fn = NULL;
        uint32_t last = tg_json_get(&d, 0, "result");
        uint32_t n = last == TG_JSON_NOTFOUND ? 0 : d.toks[last].count, k, r1 = TG_JSON_NOTFOUND, r2 = TG_JSON_NOTFOUND;
        /* this test's two uploads: the last two sendMediaGroup records (a late request of an
           earlier test may also be in the log) */
        for (k = n; k-- > 0;) {
            uint32_t r = tg_json_at(&d, last, k);
            const char *m = NULL;
            if (!tg_json_str(&d, tg_json_get(&d, r, "method"), &m, NULL) || strcmp(m, "sendMediaGroup") != 0) continue;
            if (r2 == TG_JSON_NOTFOUND) r2 = r; else { r1 = r; break; }
        }
        if (r1 == TG_JSON_NOTFOUND) { CHECK(r1 != TG_JSON_NOTFOUND); return; }
        CHECK(tg_json_i64(&d, tg_json_path(&d, r1, "files.f1.size"), &size) && size == (int64_t)sizeof mem);
        CHECK(tg_json_str(&d, tg_json_path(&d, r1, "files.f1.filename"), &fn, NULL) && strcmp(fn, "mem %22q%22.bin") == 0);
        CHECK(tg_json_i64(&d, tg_json_path(&d, r1, "files.f2.size"), &size) && size == 50000);
        CHECK(tg_json_type_of(&d, tg_json_get(&d, r1, "violations")) == TG_JSON_ARRAY &&
              d.toks[tg_json_get(&d, r1, "violations")].count == 0);
        CHECK(tg_json_i64(&d, tg_json_path(&d, r2, "files.f1.size"), &size) && size == 40000);
        CHECK(tg_json_str(&d, tg_json_path(&d, r2, "files.f1.filename"), &fn, NULL) && strncmp(fn, "tgbot_upload_", 13) == 0);
    }
    unlink(path);
    tg__http_client_free(c);
}

TG_TEST(http_chunked_interim_and_close_delimited) {
    NEED_ENV(TG_FAULT_URL);
    tg_error e;
    tg__http_response rs;
    tg__http_client *c = http_client(TG_FAULT_URL, 3000, NULL, NULL, &e);
    if (!c) { CHECK(c != NULL); return; }
    CHECK(http_get(c, "/chunked", &rs, &e) == TG_OK);
    CHECK_STR(rs.body, "{\"ok\":true,\"result\":\"chunk\xc3\xa9" "d\"}");
    CHECK(http_get(c, "/interim", &rs, &e) == TG_OK && rs.status == 200 && strstr(rs.body, "\"ok\":true"));
    CHECK(http_get(c, "/until_close", &rs, &e) == TG_OK && strstr(rs.body, "first_name"));
    CHECK(http_get(c, "/big", &rs, &e) == TG_OK && rs.body_len == (1u << 20) + 23);
    tg__http_client_free(c);
}

/* the decoder is fed as bytes arrive, one more byte each time: every split point of every line */
TG_TEST(http_dechunk_incremental) {
    static const char raw[] = "5\r\nhello\r\n1;ext=\"x\"\r\n,\r\n10\r\n 0123456789abcde\r\n0\r\nX-T: 1\r\n\r\n";
    char buf[sizeof raw];
    size_t n, pos = 0, out = 0, consumed = 0;
    int r = 0, done_at = -1;
    tg_error e;
    for (n = 1; n < sizeof raw && r == 0; n++) {
        memcpy(buf + n - 1, raw + n - 1, 1);           /* one new byte after what was decoded in place */
        r = tg__http_dechunk(buf, n, &pos, &out, &consumed, &e);
        if (r == 1) done_at = (int)n;
    }
    CHECK(r == 1 && done_at == (int)sizeof raw - 1 && consumed == sizeof raw - 1);
    CHECK(out == 22 && memcmp(buf, "hello, 0123456789abcde", 22) == 0);
    memcpy(buf, "zz\r\n", 5);
    pos = out = 0;
    CHECK(tg__http_dechunk(buf, 5, &pos, &out, &consumed, &e) == -1 && e.code == TG_ERR_HTTP);
}

/* chunk sizes of several hex digits decode on every size_t width (32-bit targets failed every size of
   two or more digits); a size that does not fit size_t is refused, never wrapped */
TG_TEST(http_dechunk_multi_digit_sizes_any_width) {
    char buf[600];
    size_t pos = 0, out = 0, consumed = 0, n;
    tg_error e;
    n = 0;
    memcpy(buf + n, "FF\r\n", 4); n += 4;                 /* 255 bytes, upper-case digits */
    memset(buf + n, 'a', 255); n += 255;
    memcpy(buf + n, "\r\n100\r\n", 7); n += 7;            /* then 0x100 = 256 bytes */
    memset(buf + n, 'b', 256); n += 256;
    memcpy(buf + n, "\r\n0\r\n\r\n", 7); n += 7;
    CHECK(tg__http_dechunk(buf, n, &pos, &out, &consumed, &e) == 1);
    CHECK(out == 511 && consumed == n && buf[0] == 'a' && buf[254] == 'a' && buf[255] == 'b' && buf[510] == 'b');
    /* 2^32: waits for its data where size_t has 64 bits, refused where it has 32 */
    memcpy(buf, "100000000\r\nxy", 13);
    pos = out = 0;
    CHECK(tg__http_dechunk(buf, 13, &pos, &out, &consumed, &e) == (SIZE_MAX > 0xFFFFFFFFu ? 0 : -1));
    /* 2^64 and beyond: refused everywhere */
    memcpy(buf, "10000000000000000\r\nxy", 21);
    pos = out = 0;
    CHECK(tg__http_dechunk(buf, 21, &pos, &out, &consumed, &e) == -1 && e.code == TG_ERR_HTTP);
    /* the largest size_t itself (all f): data + CRLF can never fit, so it waits, and nothing wraps */
    n = (size_t)snprintf(buf, sizeof buf, "%zx\r\nxy", (size_t)SIZE_MAX);
    pos = out = 0;
    CHECK(tg__http_dechunk(buf, n, &pos, &out, &consumed, &e) == 0 && out == 0);
}

typedef struct fault_case { const char *path; tg_err code; tg_phase phase; const char *says; } fault_case;

/* Each fault with its exact code, phase and the words of its message; none crashes, none takes longer
   than the (small) request timeout, and the client works again right after. */
TG_TEST(http_faults_give_clear_errors) {
    NEED_ENV(TG_FAULT_URL);
    static const fault_case cases[] = {
        { "/bot" HTTP_TOKEN "/reset_before", TG_ERR_CLOSED, TG_PHASE_RECV_HEADERS, "connection reset" },
        { "/bot" HTTP_TOKEN "/mid_headers", TG_ERR_CLOSED, TG_PHASE_RECV_HEADERS, "closed in the middle of the response headers" },
        { "/bot" HTTP_TOKEN "/mid_body", TG_ERR_CLOSED, TG_PHASE_RECV_BODY, "closed before the whole body arrived" },
        { "/bot" HTTP_TOKEN "/reset_mid_headers", TG_ERR_CLOSED, TG_PHASE_RECV_HEADERS, "reset by the server in the middle of the headers" },
        { "/bot" HTTP_TOKEN "/reset_mid_body", TG_ERR_CLOSED, TG_PHASE_RECV_BODY, "reset by the server in the middle of the body" },
        { "/bot" HTTP_TOKEN "/trunc_chunked", TG_ERR_CLOSED, TG_PHASE_RECV_BODY, "closed in the middle of a chunked body" },
        { "/bot" HTTP_TOKEN "/bad_chunk", TG_ERR_HTTP, TG_PHASE_RECV_BODY, "invalid chunked encoding" },
        { "/bot" HTTP_TOKEN "/big_headers", TG_ERR_LIMIT, TG_PHASE_RECV_HEADERS, "headers larger than 16384 bytes" },
        { "/bot" HTTP_TOKEN "/many_headers", TG_ERR_LIMIT, TG_PHASE_RECV_HEADERS, "more than 64 header fields" },
        { "/bot" HTTP_TOKEN "/garbage", TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "malformed status line" },
        { "/bot" HTTP_TOKEN "/never", TG_ERR_TIMEOUT, TG_PHASE_RECV_HEADERS, "timed out while waiting for the response headers" },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_error e;
        tg__http_response rs;
        tg__http_client *c = http_client(TG_FAULT_URL, 400, NULL, NULL, &e);
        uint64_t t0, ms;
        tg_err r;
        if (!c) { CHECK(c != NULL); return; }
        memset(&e, 0, sizeof e);
        t0 = tg__now_ms(NULL);
        r = http_get(c, cases[i].path, &rs, &e);
        ms = tg__now_ms(NULL) - t0;
        if (r != cases[i].code || e.phase != cases[i].phase || !strstr(e.description, cases[i].says)) {
            fprintf(stderr, "    %s: got %s in %s: %s\n", strrchr(cases[i].path, '/'), tg_err_str(r), tg_phase_str(e.phase), e.description);
            CHECK(0 && "fault case");
        }
        CHECK(ms < 1500);                              /* the 400 ms request timeout bounds every case */
        if (r == TG_ERR_TIMEOUT) CHECK(ms >= 390);     /* ... and the timeout is not cut short either */
        CHECK(e.request_sent);                         /* the server had the request: never resend blindly */
        CHECK(strstr(e.description, HTTP_TOKEN) == NULL && strstr(e.description, "ABCDEFGHIJ") == NULL);
        /* the client is usable after every fault */
        CHECK(http_get(c, "/ok", &rs, &e) == TG_OK && rs.status == 200);
        tg__http_client_free(c);
    }
}

TG_TEST(http_body_limit) {
    NEED_ENV(TG_FAULT_URL);
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_response rs;
    tg_error e;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = TG_FAULT_URL;
    cfg.limits.max_body_bytes = 1000;
    CHECK(tg__http_client_new(&c, &cfg, &e) == TG_OK);
    if (!c) return;
    CHECK(http_get(c, "/big", &rs, &e) == TG_ERR_LIMIT && e.phase == TG_PHASE_RECV_BODY);
    CHECK(http_get(c, "/ok", &rs, &e) == TG_OK);
    tg__http_client_free(c);
}

TG_TEST(http_stale_keepalive_reconnects_transparently) {
    NEED_ENV(TG_FAULT_URL);
    tg_error e;
    tg__http_response rs;
    tg__http_client *c = http_client(TG_FAULT_URL, 3000, NULL, NULL, &e);
    if (!c) { CHECK(c != NULL); return; }
    CHECK(http_get(c, "/close_idle", &rs, &e) == TG_OK);   /* answered as keep-alive, then closed */
    CHECK(tg__sock_wait(c->fd, 0, 3000) == 1);           /* the peer's close has arrived */
    CHECK(http_get(c, "/ok", &rs, &e) == TG_OK && rs.status == 200);
    CHECK(e.request_sent);                               /* ... on the new connection */
    CHECK(tg__http_connections_opened(c) == 2);
    tg__http_client_free(c);
}

/* The other half of the guarantee: a reused connection that looked alive took the request and then
   died without an answer. The server may have acted on it, so the client says so and does not resend. */
TG_TEST(http_reused_connection_dies_after_send_is_not_resent) {
    NEED_ENV(TG_FAULT_URL);
    tg_error e;
    tg__http_response rs;
    tg__http_client *c = http_client(TG_FAULT_URL, 3000, NULL, NULL, &e);
    if (!c) { CHECK(c != NULL); return; }
    CHECK(http_get(c, "/ok", &rs, &e) == TG_OK);
    memset(&e, 0, sizeof e);
    CHECK(http_get(c, "/mid_headers", &rs, &e) == TG_ERR_CLOSED && e.phase == TG_PHASE_RECV_HEADERS);
    CHECK(e.request_sent);
    CHECK_EQ_INT(tg__http_connections_opened(c), 1);     /* no silent second attempt */
    CHECK(http_get(c, "/ok", &rs, &e) == TG_OK && tg__http_connections_opened(c) == 2);
    tg__http_client_free(c);
}

TG_TEST(http_connect_refused_is_not_sent) {
    tg_error e;
    tg__http_response rs;
    tg__http_client *c;
    tg__sock s;
    uint16_t port = 0;
    char url[64];
    /* a port that was free a moment ago: bind, learn the port, close */
    CHECK(tg__sock_listen("127.0.0.1", 0, &s, &port) == 0);
    tg__sock_close(s);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)port);
    c = http_client(url, 2000, NULL, NULL, &e);
    if (!c) { CHECK(c != NULL); return; }
    memset(&e, 0, sizeof e);
    CHECK(http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, &e) == TG_ERR_CONNECT);
    CHECK(e.phase == TG_PHASE_CONNECT && !e.request_sent);
    CHECK(strstr(e.description, "refused") != NULL);
    tg__http_client_free(c);
}

TG_TEST(http_bad_base_urls) {
    const char *bad[] = { "ftp://x", "http://", "https://host:99999", "api.telegram.org", "http://h:12ab/" };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tg_error e;
        memset(&e, 0, sizeof e);
        CHECK(http_client(bad[i], 1000, NULL, NULL, &e) == NULL && e.code == TG_ERR_ARG);
    }
}

/* ---- the whole-call deadline: a clock that is real time plus the back-off waits, which are not slept ---- */
static uint64_t dl_offset, dl_waits;
static uint64_t dl_now(void *ud) {
    struct timespec ts;
    (void)ud;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + dl_offset;
}
static void dl_sleep(void *ud, uint32_t ms) { (void)ud; dl_offset += ms; dl_waits++; }
static int dl_random(void *ud, void *buf, size_t n) { (void)ud; memset(buf, 0, n); return 0; }   /* no jitter */

/* getMe (a read: retried on timeouts) against a server that reads the request and never answers;
   returns the call's duration on the injected clock */
static uint64_t dl_hung_get_me(const char *fault_url, uint32_t request_ms, uint32_t call_ms, uint32_t retries,
                               tg_err *code, char *why, size_t why_len) {
    char url[256];
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    uint64_t t0;
    snprintf(url, sizeof url, "%s/hang", fault_url);
    memset(&d, 0, sizeof d);
    d.token = HTTP_TOKEN;
    d.base_url = url;
    d.timeouts.request_ms = request_ms;
    d.timeouts.call_ms = call_ms;
    d.max_retries = retries;
    d.platform.now_ms = dl_now;
    d.platform.sleep_ms = dl_sleep;
    d.platform.random = dl_random;        /* back-off without jitter: 375 ms, 750 ms, 1.5 s ... */
    dl_offset = 0; dl_waits = 0;
    *code = TG_ERR_ARG;
    if (tg_bot_new(&b, &d, &e) != TG_OK) return 0;
    t0 = dl_now(NULL);
    *code = tg_call(b, "getMe", NULL, NULL);
    t0 = dl_now(NULL) - t0;
    snprintf(why, why_len, "%s", tg_bot_last_error(b)->description);
    tg_bot_free(b);
    return t0;
}

/* request_ms bounds one attempt; call_ms bounds the call: attempts and back-off waits together. Ten
   retries of 400 ms attempts with waits of 375 ms, 750 ms, 1.5 s ... would take over a minute; the
   call ends at its deadline, its second attempt cut to what is left, and says why. The default is
   2 x request_ms. (The margins, 225 ms and 625 ms before the deadline, absorb a slow machine.) */
TG_TEST(http_call_deadline_bounds_retries_against_hung_server) {
    NEED_ENV(TG_FAULT_URL);
    tg_err code;
    char why[300];
    uint64_t took;
    /* 400 ms attempt, 375 ms wait, attempt cut to the 225 ms left, then no time for the 750 ms wait */
    took = dl_hung_get_me(TG_FAULT_URL, 400, 1000, 10, &code, why, sizeof why);
    CHECK(code == TG_ERR_TIMEOUT);
    CHECK(took >= 1000 && took < 1000 + 400);            /* 400: slack for a loaded machine's scheduling */
    CHECK(dl_waits == 1);
    CHECK(strstr(why, "deadline") != NULL);
    if (took < 1000 || took >= 1400) fprintf(stderr, "    took %llu ms: %s\n", (unsigned long long)took, why);
    /* default 2 x 1000 ms: attempt, 375 ms wait, an attempt cut to the 625 ms left, no more */
    took = dl_hung_get_me(TG_FAULT_URL, 1000, 0, 10, &code, why, sizeof why);
    CHECK(code == TG_ERR_TIMEOUT);
    CHECK(took >= 2000 && took < 2000 + 400);
    CHECK(dl_waits == 1);
    if (took < 2000 || took >= 2400) fprintf(stderr, "    took %llu ms: %s\n", (unsigned long long)took, why);
}

/* ---- TLS ---- */
static int64_t year_2100(void *ud) { (void)ud; return 4102444800LL; }

static tg_err tls_get(const char *url, const tg_platform *plat, tg_error *e, bool twice, bool *resumed) {
    char ca[512];
    tg__http_response rs;
    tg__http_client *c;
    tg_err r;
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR"));
    memset(e, 0, sizeof *e);
    c = http_client(url, 5000, plat, ca, e);
    if (!c) return e->code;
    r = http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, e);
    if (r == TG_OK && !strstr(rs.body, "tgbot_test_bot")) r = TG_ERR_HTTP;
    if (r == TG_OK && twice) {
        /* force a new connection: the second handshake resumes the saved session */
        tg__conn_close(c);
        r = http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, e);
        if (resumed) *resumed = tg__http_tls_resumed(c);
    }
    tg__http_client_free(c);
    return r;
}

TG_TEST(http_tls_valid_chain) {
    NEED_ENV(TG_FAKE_TLS_VALID);
    tg_error e;
    tg_err r;
#if TGBOT__TLS_NONE
    CHECK(tls_get(TG_FAKE_TLS_VALID, NULL, &e, false, NULL) == TG_ERR_UNSUPPORTED);
    return;
#endif
    r = tls_get(TG_FAKE_TLS_VALID, NULL, &e, true, NULL);   /* two connections: the second may resume */
    if (r) fprintf(stderr, "    %s\n", e.description);
    CHECK(r == TG_OK);
}

/* Python's TLS server does not keep sessions resumable; nginx does (TG_NGINX_TLS, tests/http/nginx.sh). */
TG_TEST(http_tls_session_resumption) {
    NEED_ENV(TG_NGINX_TLS);
    tg_error e;
    bool resumed = false;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    CHECK(tls_get(TG_NGINX_TLS, NULL, &e, true, &resumed) == TG_OK);
    CHECK(resumed);
}

TG_TEST(http_tls_rejects_bad_certificates) {
    NEED_ENV(TG_FAKE_TLS_WRONGHOST);
    const char *expired = getenv("TG_FAKE_TLS_EXPIRED"), *unknown = getenv("TG_FAKE_TLS_UNKNOWN");
    const char *selfsigned = getenv("TG_FAKE_TLS_SELFSIGNED"), *valid = getenv("TG_FAKE_TLS_VALID");
    tg_error e;
    tg_platform future;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    CHECK(tls_get(TG_FAKE_TLS_WRONGHOST, NULL, &e, false, NULL) == TG_ERR_TLS_HOSTNAME);
    CHECK(e.phase == TG_PHASE_TLS && !e.request_sent);
    CHECK(tls_get(expired, NULL, &e, false, NULL) == TG_ERR_TLS_EXPIRED);
    CHECK(tls_get(unknown, NULL, &e, false, NULL) == TG_ERR_TLS_UNTRUSTED);
    CHECK(tls_get(selfsigned, NULL, &e, false, NULL) == TG_ERR_TLS_UNTRUSTED);
    memset(&future, 0, sizeof future);
    future.wall_time = year_2100;
#if TGBOT__TLS_BEARSSL
    /* the validation clock is the platform hook: in 2100 the valid certificate has expired */
    CHECK(tls_get(valid, &future, &e, false, NULL) == TG_ERR_TLS_EXPIRED);
#else
    (void)valid;
#endif
    CHECK(strstr(e.description, "TLS") != NULL);
}

/* GET getMe over TLS with the test CA; server_name as given; host "127.0.0.1" instead of "localhost" */
static tg_err tls_get_as(const char *url, const char *server_name, bool by_address, tg_error *e) {
    char ca[512], u[256];
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_response rs;
    const char *port = strrchr(url, ':');
    tg_err r;
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR"));
    snprintf(u, sizeof u, "%s", url);
    if (by_address && port) snprintf(u, sizeof u, "https://127.0.0.1%s", port);
    memset(e, 0, sizeof *e);
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = u;
    cfg.timeouts.request_ms = 5000;
    cfg.timeouts.connect_ms = 3000;
    cfg.tls.ca_file = ca;
    cfg.tls.server_name = server_name;
    if ((r = tg__http_client_new(&c, &cfg, e)) != TG_OK) return r;
    r = http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, e);
    if (r == TG_OK && !strstr(rs.body, "tgbot_test_bot")) r = TG_ERR_HTTP;
    tg__http_client_free(c);
    return r;
}

/* https://127.0.0.1 is verified against the certificate's iPAddress names, with either backend */
TG_TEST(http_tls_ip_address_host_matches_ip_san) {
    NEED_ENV(TG_FAKE_TLS_IPONLY);
    const char *valid = getenv("TG_FAKE_TLS_VALID");
    tg_error e;
    tg_err r;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    r = tls_get_as(TG_FAKE_TLS_IPONLY, NULL, true, &e);       /* IP:127.0.0.1 is its only name */
    if (r) fprintf(stderr, "    %s\n", e.description);
    CHECK(r == TG_OK);
    CHECK(tls_get_as(valid, NULL, true, &e) == TG_OK);       /* IP:127.0.0.1, IP:::1, DNS:localhost */
    CHECK(tls_get_as(TG_FAKE_TLS_IPONLY, NULL, false, &e) == TG_ERR_TLS_HOSTNAME);   /* no DNS name */
}

/* https://[::1]: the 16-byte address against the iPAddress names; a certificate listing only
   127.0.0.1 is refused for it */
TG_TEST(http_tls_ipv6_address_host) {
    NEED_ENV(TG_FAKE_TLS6_VALID);
    const char *iponly = getenv("TG_FAKE_TLS6_IPONLY");
    tg_error e;
    tg_err r;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    r = tls_get_as(TG_FAKE_TLS6_VALID, NULL, false, &e);
    if (r) fprintf(stderr, "    %s\n", e.description);
    CHECK(r == TG_OK);
    CHECK(iponly && tls_get_as(iponly, NULL, false, &e) == TG_ERR_TLS_HOSTNAME);
}

/* a certificate without the address as an iPAddress name is refused for https://127.0.0.1, even when
   its CN and a DNS name spell "127.0.0.1" (RFC 2818 3.1: an address matches iPAddress only) */
TG_TEST(http_tls_ip_address_host_without_ip_san_fails) {
    NEED_ENV(TG_FAKE_TLS_NOIP);
    tg_error e;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    CHECK(tls_get_as(TG_FAKE_TLS_NOIP, NULL, true, &e) == TG_ERR_TLS_HOSTNAME);
    CHECK(e.phase == TG_PHASE_TLS && !e.request_sent);
    CHECK(tls_get_as(TG_FAKE_TLS_NOIP, NULL, false, &e) == TG_OK);   /* the same certificate is fine for localhost */
}

/* server_name "" means "not set": the URL's host is verified, so a wrong-host certificate fails
   before the request (and its token) is sent; a name given explicitly is verified instead */
TG_TEST(http_tls_empty_server_name_verifies_url_host) {
    NEED_ENV(TG_FAKE_TLS_WRONGHOST);
    tg_error e;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    CHECK(tls_get_as(TG_FAKE_TLS_WRONGHOST, "", false, &e) == TG_ERR_TLS_HOSTNAME);
    CHECK(!e.request_sent);
    CHECK(tls_get_as(TG_FAKE_TLS_WRONGHOST, "", true, &e) == TG_ERR_TLS_HOSTNAME);
    CHECK(tls_get_as(TG_FAKE_TLS_WRONGHOST, "wrong.example", false, &e) == TG_OK);
    CHECK(tls_get_as(TG_FAKE_TLS_WRONGHOST, "other.example", false, &e) == TG_ERR_TLS_HOSTNAME);
}

static size_t read_all(const char *path, unsigned char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) return 0;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* the iPAddress matcher on a real certificate (openssl-made, tests/certs.sh): the listed addresses
   match exactly (4 or 16 bytes), others do not, and every truncation is refused without reading past
   it; every single-byte change is read safely (by the anchor reader too; ASan checks in make asan) */
TG_TEST(http_tls_cert_ip_matcher) {
    NEED_ENV(TG_TLS_DIR);
    static const unsigned char v4[4] = { 127, 0, 0, 1 }, v4b[4] = { 127, 0, 0, 2 };
    static const unsigned char v6[16] = { 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,1 };
    static const unsigned char mapped[16] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff, 127,0,0,1 };
    unsigned char der[4096], ip[16];
    char path[512];
    size_t n, cut;
    int any = 0;
    snprintf(path, sizeof path, "%s/server.der", TG_TLS_DIR);
    n = read_all(path, der, sizeof der);
    CHECK(n > 100 && n < sizeof der);
    CHECK(tg__cert_has_ip(der, n, v4, 4) == 1);
    CHECK(tg__cert_has_ip(der, n, v6, 16) == 1);
    CHECK(tg__cert_has_ip(der, n, v4b, 4) == 0);
    CHECK(tg__cert_has_ip(der, n, mapped, 16) == 0);
    for (cut = 0; cut < n; cut++) {                   /* heap copies: ASan sees any over-read */
        unsigned char *p = (unsigned char *)malloc(cut ? cut : 1);
        if (!p) break;
        memcpy(p, der, cut);
        any |= tg__cert_has_ip(p, cut, v4, 4);
        free(p);
    }
    CHECK(any == 0);
    for (cut = 0; cut < n; cut++) {                   /* every byte changed: no crash, no over-read */
        static const unsigned char to[3] = { 0x00, 0x80, 0xff };
        size_t k;
        for (k = 0; k < 3; k++) {
            unsigned char *p = (unsigned char *)malloc(n);
            if (!p) break;
            memcpy(p, der, n);
            p[cut] = to[k];
            (void)tg__cert_has_ip(p, n, v4, 4);
#if TGBOT__TLS_BEARSSL
            { tg__ta_view tv; (void)tg__ta_parse(p, n, &tv); }
#endif
            free(p);
        }
    }
    CHECK(tg__ip_parse("127.0.0.1", ip) == 4 && memcmp(ip, v4, 4) == 0);
    CHECK(tg__ip_parse("::1", ip) == 16 && memcmp(ip, v6, 16) == 0);
    CHECK(tg__ip_parse("localhost", ip) == 0 && tg__ip_parse("127.1", ip) == 0 && tg__ip_parse("", ip) == 0);
}

#if TGBOT__TLS_BEARSSL
/* the reference: BearSSL's own PEM decoder, object by object */
typedef struct pem_ref { unsigned char der[300][2048]; size_t len[300]; int n, bad; } pem_ref;
static void pem_ref_add(void *ud, const void *d, size_t n) {
    pem_ref *r = (pem_ref *)ud;
    if (r->n >= 300 || r->len[r->n] + n > sizeof r->der[0]) { r->bad = 1; return; }
    memcpy(r->der[r->n] + r->len[r->n], d, n);
    r->len[r->n] += n;
}
static pem_ref *pem_reference(const unsigned char *pem, size_t len) {
    pem_ref *r = (pem_ref *)calloc(1, sizeof *r);
    br_pem_decoder_context pc;
    if (!r) return NULL;
    br_pem_decoder_init(&pc);
    while (len > 0) {
        size_t k = br_pem_decoder_push(&pc, pem, len);
        pem += k; len -= k;
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ: br_pem_decoder_setdest(&pc, pem_ref_add, r); break;
        case BR_PEM_END_OBJ: r->n++; break;
        case BR_PEM_ERROR: r->bad = 1; return r;
        default: break;
        }
    }
    return r;
}
static const pem_ref *pem_cur;
static int pem_i, pem_mismatch;
static int pem_compare(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len) {
    (void)ctx; (void)name;
    if (pem_i >= pem_cur->n || pem_cur->len[pem_i] != len || memcmp(pem_cur->der[pem_i], der, len) != 0) pem_mismatch++;
    pem_i++;
    return 1;
}

#endif

/* our PEM decoder gives the very bytes BearSSL's gives, for every certificate of the system bundle
   and the test CA; text that is not base64 is refused */
TG_TEST(http_tls_pem_decoder_matches_bearssl) {
#if !TGBOT__TLS_BEARSSL
    SKIP("BearSSL's PEM decoder is the reference: not in this build");
#else
    const char *files[2];
    char ca[512];
    int f, checked = 0;
    tg__tls_ctx ctx;
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR") ? getenv("TG_TLS_DIR") : ".");
    files[0] = "/etc/ssl/certs/ca-certificates.crt"; files[1] = ca;
    memset(&ctx, 0, sizeof ctx);
    for (f = 0; f < 2; f++) {
        unsigned char *pem;
        size_t len;
        pem_ref *ref;
        int n;
        if (tg__read_file(NULL, files[f], &pem, &len) != 0) continue;
        ref = pem_reference(pem, len);
        CHECK(ref && !ref->bad && ref->n > 0);
        if (!ref) { tg__free(NULL, pem, len); return; }
        pem_cur = ref; pem_i = 0; pem_mismatch = 0;
        n = tg__pem_each(&ctx, pem, len, pem_compare);
        CHECK(n == ref->n && pem_i == ref->n && pem_mismatch == 0);
        checked += ref->n;
        free(ref);
        tg__free(NULL, pem, len);
    }
    CHECK(checked > 0);
    {
        static const char bad[] = "-----BEGIN CERTIFICATE-----\nMIIB*AAA\n-----END CERTIFICATE-----\n";
        CHECK(tg__pem_each(&ctx, (const unsigned char *)bad, sizeof bad - 1, pem_compare) == -1);
    }
#endif
}

#if TGBOT__TLS_BEARSSL
typedef struct ta_ref_dn { unsigned char b[1024]; size_t n; int over; } ta_ref_dn;
static void ta_ref_dn_add(void *ud, const void *d, size_t n) {
    ta_ref_dn *r = (ta_ref_dn *)ud;
    if (r->n + n > sizeof r->b) { r->over = 1; return; }
    memcpy(r->b + r->n, d, n);
    r->n += n;
}
static int ta_seen, ta_usable, ta_mismatch;
static bool ta_bytes_eq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn) {
    return an == bn && memcmp(a, b, an) == 0;
}
static int ta_compare(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len) {
    br_x509_decoder_context dc;
    ta_ref_dn dn;
    const br_x509_pkey *pk;
    tg__ta_view tv;
    int ours;
    bool same;
    (void)ctx;
    if (strcmp(name, "CERTIFICATE") != 0) return 0;
    memset(&dn, 0, sizeof dn);
    br_x509_decoder_init(&dc, ta_ref_dn_add, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    ours = tg__ta_parse(der, len, &tv);
    ta_seen++;
    if (!pk || dn.over) { if (ours) ta_mismatch++; return 1; }
    ta_usable++;
    same = ours && ta_bytes_eq(tv.dn, tv.dn_len, dn.b, dn.n) && tv.ca == (br_x509_decoder_isCA(&dc) != 0) &&
           tv.key_type == pk->key_type;
    if (same && pk->key_type == BR_KEYTYPE_RSA)
        same = ta_bytes_eq(tv.n, tv.n_len, pk->key.rsa.n, pk->key.rsa.nlen) && ta_bytes_eq(tv.e, tv.e_len, pk->key.rsa.e, pk->key.rsa.elen);
    else if (same)
        same = tv.curve == pk->key.ec.curve && ta_bytes_eq(tv.q, tv.q_len, pk->key.ec.q, pk->key.ec.qlen);
    if (!same) ta_mismatch++;
    return 1;
}
#endif

/* the trust anchor read from each certificate (subject DN, key, CA flag) is exactly what BearSSL's own
   certificate decoder reads, for the whole system bundle and every test certificate */
TG_TEST(http_tls_anchor_parser_matches_bearssl) {
#if !TGBOT__TLS_BEARSSL
    SKIP("BearSSL's certificate decoder is the reference: not in this build");
#else
    static const char *const test_certs[] = { "ca", "server", "wronghost", "expired", "unknown", "selfsigned", "iponly", "noip" };
    const char *dir = getenv("TG_TLS_DIR");
    tg__tls_ctx ctx;
    size_t i;
    memset(&ctx, 0, sizeof ctx);
    ta_seen = ta_usable = ta_mismatch = 0;
    for (i = 0; i < 1 + (dir ? sizeof test_certs / sizeof test_certs[0] : 0); i++) {
        char path[512];
        unsigned char *pem;
        size_t len;
        if (i == 0) snprintf(path, sizeof path, "/etc/ssl/certs/ca-certificates.crt");
        else snprintf(path, sizeof path, "%s/%s.pem", dir, test_certs[i - 1]);
        if (tg__read_file(NULL, path, &pem, &len) != 0) continue;
        CHECK(tg__pem_each(&ctx, pem, len, ta_compare) > 0);
        tg__free(NULL, pem, len);
    }
    CHECK(ta_usable > 0 && ta_usable == ta_seen);
    CHECK_EQ_INT(ta_mismatch, 0);
    if (ta_mismatch) fprintf(stderr, "    %d of %d certificates read differently\n", ta_mismatch, ta_seen);
#endif
}

/* a CA bundle file is decoded once per process: a second context shares the first one's anchors;
   a changed file is decoded again */
TG_TEST(http_tls_ca_bundle_decoded_once) {
#if !TGBOT__TLS_BEARSSL
    SKIP("the shared CA decode is BearSSL's: not in this build");
#else
    NEED_ENV(TG_TLS_DIR);
    char path[512], ca[512];
    tg__tls_ctx *c1 = NULL, *c2 = NULL, *c3 = NULL;
    tg_tls_options o;
    tg_error e;
    unsigned char *pem;
    size_t len;
    FILE *f;
    snprintf(ca, sizeof ca, "%s/ca.pem", TG_TLS_DIR);
    snprintf(path, sizeof path, "%s/once-%ld.pem", TG_TLS_DIR, (long)getpid());
    CHECK(tg__read_file(NULL, ca, &pem, &len) == 0);
    f = fopen(path, "wb");
    if (!f) { CHECK(f != NULL); tg__free(NULL, pem, len); return; }
    fwrite(pem, 1, len, f);
    fclose(f);
    memset(&o, 0, sizeof o);
    o.ca_file = path;
    CHECK(tg__tls_ctx_client(&c1, &o, NULL, NULL, &e) == TG_OK);
    CHECK(tg__tls_ctx_client(&c2, &o, NULL, NULL, &e) == TG_OK);
    CHECK(c1 && c2 && c1->tas == c2->tas && c1->ntas == 1 && !c2->own_tas);
    f = fopen(path, "ab");                                /* the file changes: a second certificate */
    if (f) { fwrite(pem, 1, len, f); fclose(f); }
    CHECK(tg__tls_ctx_client(&c3, &o, NULL, NULL, &e) == TG_OK);
    CHECK(c3 && c1 && c3->tas != c1->tas && c3->ntas == 2);
    tg__tls_ctx_free(c1); tg__tls_ctx_free(c2); tg__tls_ctx_free(c3);
    remove(path);
    tg__free(NULL, pem, len);
#endif
}

#if TGBOT__TLS_BEARSSL
static const char *once_path;
static void *once_thread(void *out) {
    tg_error e;
    tg__tls_ctx *c = NULL;
    tg_tls_options o;
    memset(&o, 0, sizeof o);
    o.ca_file = once_path;
    if (tg__tls_ctx_client(&c, &o, NULL, NULL, &e) != TG_OK) return NULL;
    *(const void **)out = c->tas;
    tg__tls_ctx_free(c);
    return NULL;
}
#endif

/* bots created at once in several threads share one decode of a bundle (the cache is locked) */
TG_TEST(http_tls_ca_bundle_shared_across_threads) {
#if !TGBOT__TLS_BEARSSL
    SKIP("the shared CA decode is BearSSL's: not in this build");
#else
    NEED_ENV(TG_TLS_DIR);
    char path[512];
    pthread_t th[8];
    const void *tas[8];
    unsigned char *pem;
    size_t len, i;
    FILE *f;
    snprintf(path, sizeof path, "%s/threads-%ld.pem", TG_TLS_DIR, (long)getpid());
    if (tg__read_file(NULL, "/etc/ssl/certs/ca-certificates.crt", &pem, &len) != 0) SKIP("no system CA bundle");
    f = fopen(path, "wb");                      /* a file no other test decoded: the decode happens here */
    if (!f) { CHECK(f != NULL); tg__free(NULL, pem, len); return; }
    fwrite(pem, 1, len, f);
    fclose(f);
    tg__free(NULL, pem, len);
    once_path = path;
    for (i = 0; i < 8; i++) { tas[i] = NULL; CHECK(pthread_create(&th[i], NULL, once_thread, (void *)&tas[i]) == 0); }
    for (i = 0; i < 8; i++) pthread_join(th[i], NULL);
    for (i = 0; i < 8; i++) CHECK(tas[i] != NULL && tas[i] == tas[0]);
    remove(path);
#endif
}

/* ---- nginx: a real HTTP/1.1 server (tests/http/nginx.sh) ---- */
#define NGINX_ANSWER_LEN 351u            /* the fixed /bot answer in tests/http/nginx.sh */
#define NGINX_BIG_LEN (21u + 65536u * 64u + 2u)   /* /big.json: envelope + 65536 numbered 64-byte lines */
static const char http_send_message_json[] =
    "{\"chat_id\":987654321,\"text\":\"Hello from the tgbot.h HTTP benchmark, a message of ordinary size.\","
    "\"parse_mode\":\"HTML\",\"disable_notification\":true}";

static tg__http_client *http_client_ca(const char *url, tg_error *e) {
    char ca[512];
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR") ? getenv("TG_TLS_DIR") : ".");
    return http_client(url, 10000, NULL, ca, e);
}

static void nginx_many_posts(const char *url) {
    tg_error e;
    tg__http_response rs;
    tg__http_request rq;
    tg__http_client *c = http_client_ca(url, &e);
    int i, ok = 0;
    if (!c) { CHECK(c != NULL); fprintf(stderr, "    %s\n", e.description); return; }
    memset(&rq, 0, sizeof rq);
    rq.method = "POST"; rq.path = "/bot" HTTP_TOKEN "/sendMessage";
    rq.content_type = "application/json"; rq.body = http_send_message_json; rq.body_len = sizeof http_send_message_json - 1;
    for (i = 0; i < 500; i++)
        if (tg__http_do(c, &rq, &rs, &e) == TG_OK && rs.status == 200 && rs.body_len == NGINX_ANSWER_LEN &&
            strstr(rs.body, "\"message_id\":4242") && rs.body[rs.body_len] == '\0') ok++;
    CHECK_EQ_INT(ok, 500);
    CHECK_EQ_INT(tg__http_connections_opened(c), 1);   /* nginx kept the one connection alive */
    CHECK(strncmp(rs.content_type, "application/json", 16) == 0);
    tg__http_client_free(c);
}

TG_TEST(http_nginx_keepalive_many_posts) {
    NEED_ENV(TG_NGINX_URL);
    nginx_many_posts(TG_NGINX_URL);
}

TG_TEST(http_nginx_tls_keepalive_many_posts) {
    NEED_ENV(TG_NGINX_TLS);
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    nginx_many_posts(TG_NGINX_TLS);
}

/* the body is the numbered lines of tests/http/nginx.sh: any lost, repeated or shifted byte shows */
static bool nginx_big_body_ok(const tg__http_response *rs) {
    size_t i;
    char line[80];
    if (rs->status != 200 || rs->body_len != NGINX_BIG_LEN || memcmp(rs->body, "{\"ok\":true,\"result\":\"", 21) != 0 ||
        memcmp(rs->body + rs->body_len - 2, "\"}", 2) != 0) return false;
    for (i = 0; i < 65536; i++) {
        snprintf(line, sizeof line, "%063u|", (unsigned)i);
        if (memcmp(rs->body + 21 + i * 64, line, 64) != 0) return false;
    }
    return true;
}

static void nginx_large_bodies(const char *url) {
    tg_error e;
    tg__http_response rs;
    tg__http_request rq;
    tg__http_client *c = http_client_ca(url, &e);
    size_t up_len = (size_t)6 << 20, i;
    char *up = (char *)malloc(up_len);
    if (!c || !up) { CHECK(c && up); free(up); tg__http_client_free(c); return; }
    CHECK(http_get(c, "/big.json", &rs, &e) == TG_OK && nginx_big_body_ok(&rs));           /* Content-Length */
    CHECK(http_get(c, "/chunked/big.json", &rs, &e) == TG_OK && nginx_big_body_ok(&rs));   /* chunked */
    CHECK(http_get(c, "/big.json", &rs, &e) == TG_OK && nginx_big_body_ok(&rs));           /* and back */
    /* a 6 MiB request body, sent from the caller's memory */
    for (i = 0; i < up_len; i++) up[i] = (char)('a' + i % 26);
    memset(&rq, 0, sizeof rq);
    rq.method = "POST"; rq.path = "/bot" HTTP_TOKEN "/sendMessage";
    rq.content_type = "application/octet-stream"; rq.body = up; rq.body_len = up_len;
    CHECK(tg__http_do(c, &rq, &rs, &e) == TG_OK && rs.status == 200 && rs.body_len == NGINX_ANSWER_LEN);
    CHECK(http_get(c, "/chunked/big.json", &rs, &e) == TG_OK && nginx_big_body_ok(&rs));
    CHECK_EQ_INT(tg__http_connections_opened(c), 1);
    free(up);
    tg__http_client_free(c);
}

TG_TEST(http_nginx_large_chunked_and_length_bodies) {
    NEED_ENV(TG_NGINX_URL);
    nginx_large_bodies(TG_NGINX_URL);
}

TG_TEST(http_nginx_tls_large_bodies) {
    NEED_ENV(TG_NGINX_TLS);
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    nginx_large_bodies(TG_NGINX_TLS);
}

/* ---- proxies: tinyproxy (HTTP CONNECT) and microsocks (SOCKS5), started by tests/with_servers.sh ---- */
static tg_err proxy_get(const char *url, tg_proxy_type type, const char *hostport, const char *user,
                        const char *pass, tg_error *e, uint32_t *opened) {
    char host[64], ca[512];
    const char *colon = strrchr(hostport, ':');
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_response rs;
    tg_err r;
    int i;
    memset(e, 0, sizeof *e);
    if (!colon || (size_t)(colon - hostport) >= sizeof host) return TG_ERR_ARG;
    memcpy(host, hostport, (size_t)(colon - hostport)); host[colon - hostport] = '\0';
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR") ? getenv("TG_TLS_DIR") : ".");
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    cfg.timeouts.request_ms = 5000; cfg.timeouts.connect_ms = 5000;
    cfg.tls.ca_file = ca;
    cfg.proxy.type = type; cfg.proxy.host = host; cfg.proxy.port = (uint16_t)atoi(colon + 1);
    cfg.proxy.username = user; cfg.proxy.password = pass;
    if ((r = tg__http_client_new(&c, &cfg, e)) != TG_OK) return r;
    for (i = 0; i < 3; i++) {            /* three calls: the tunnel is kept alive and reused */
        r = http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, e);
        if (r != TG_OK) break;
        if (rs.status != 200 || !strstr(rs.body, "tgbot_test_bot")) { r = TG_ERR_HTTP; break; }
    }
    if (opened) *opened = tg__http_connections_opened(c);
    tg__http_client_free(c);
    return r;
}

static void proxy_checks(tg_proxy_type type, const char *fake, const char *open_proxy, const char *auth_proxy) {
    const char *tls = getenv("TG_FAKE_TLS_VALID");
    tg_error e;
    uint32_t opened = 0;
    tg_err r;
    r = proxy_get(fake, type, open_proxy, NULL, NULL, &e, &opened);
    if (r) fprintf(stderr, "    open proxy: %s\n", e.description);
    CHECK(r == TG_OK && opened == 1);
    r = proxy_get(fake, type, auth_proxy, "tguser", "tgpass", &e, &opened);
    if (r) fprintf(stderr, "    proxy with auth: %s\n", e.description);
    CHECK(r == TG_OK && opened == 1);
#if !TGBOT__TLS_NONE
    if (tls) {                           /* TLS end to end through the tunnel */
        r = proxy_get(tls, type, auth_proxy, "tguser", "tgpass", &e, NULL);
        if (r) fprintf(stderr, "    HTTPS through the proxy: %s\n", e.description);
        CHECK(r == TG_OK);
    }
#else
    (void)tls;
#endif
    /* wrong credentials and no credentials: their own code, in the proxy phase, nothing sent */
    CHECK(proxy_get(fake, type, auth_proxy, "tguser", "wrong-secret", &e, NULL) == TG_ERR_PROXY_AUTH);
    CHECK(e.phase == TG_PHASE_PROXY && !e.request_sent);
    CHECK(strstr(e.description, "wrong") != NULL || strstr(e.description, "rejected") != NULL);
    CHECK(strstr(e.description, "wrong-secret") == NULL && strstr(e.description, HTTP_TOKEN) == NULL);
    CHECK(proxy_get(fake, type, auth_proxy, NULL, NULL, &e, NULL) == TG_ERR_PROXY_AUTH);
    CHECK(e.phase == TG_PHASE_PROXY && !e.request_sent);
    CHECK(strstr(e.description, "requires") != NULL || strstr(e.description, "required") != NULL);
}

TG_TEST(http_proxy_connect_tinyproxy) {
    NEED_ENV(TG_HTTP_PROXY);
    NEED_ENV(TG_HTTP_PROXY_AUTH);
    NEED_ENV(TG_FAKE_URL);
    proxy_checks(TG_PROXY_HTTP, TG_FAKE_URL, TG_HTTP_PROXY, TG_HTTP_PROXY_AUTH);
}

TG_TEST(http_proxy_socks5_microsocks) {
    NEED_ENV(TG_SOCKS_PROXY);
    NEED_ENV(TG_SOCKS_PROXY_AUTH);
    NEED_ENV(TG_FAKE_URL);
    proxy_checks(TG_PROXY_SOCKS5, TG_FAKE_URL, TG_SOCKS_PROXY, TG_SOCKS_PROXY_AUTH);
    {   /* the same through the URL form, credentials included */
        char purl[128];
        tg__http_config cfg;
        tg__http_client *c = NULL;
        tg__http_response rs;
        tg_error e;
        snprintf(purl, sizeof purl, "socks5h://tguser:tgpass@%s", TG_SOCKS_PROXY_AUTH);
        memset(&cfg, 0, sizeof cfg);
        cfg.base_url = TG_FAKE_URL; cfg.proxy.url = purl;
        CHECK(tg__http_client_new(&c, &cfg, &e) == TG_OK);
        if (c) CHECK(http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, &e) == TG_OK && strstr(rs.body, "tgbot_test_bot"));
        tg__http_client_free(c);
    }
}

/* ---- a 100 MiB upload streamed from a path: the fake server checks it byte for byte (sha256), and
   the client's peak RSS grows by less than 2 MiB. The upload runs in a forked child so that its
   ru_maxrss (wait4) is its own; a twin child that uploads 1 KiB through the same code is the baseline. */
#if !defined(_WIN32)   /* fork and wait4: POSIX only (make test-windows skips this test) */
#include <sys/resource.h>
#include <sys/wait.h>

#define BIG_UPLOAD ((size_t)100 << 20)

static long upload_in_child(const char *url, const char *path, long *maxrss_kb) {
    struct rusage ru;
    int status = 0;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        tg_error e;
        tg__http_response rs;
        tg__http_request rq;
        tg__http_part parts[2];
        tg_input_file f;
        tg__http_client *c = http_client(url, 15000, NULL, NULL, &e);
        int ok;
        if (!c) _exit(2);
        memset(&f, 0, sizeof f); f.path = path; f.filename = "big.bin";
        memset(parts, 0, sizeof parts);
        parts[0].name = "chat_id"; parts[0].value = "42"; parts[0].value_len = 2;
        parts[1].name = "document"; parts[1].file = &f;
        memset(&rq, 0, sizeof rq);
        rq.method = "POST"; rq.path = "/bot" HTTP_TOKEN "/sendDocument"; rq.parts = parts; rq.nparts = 2;
        ok = tg__http_do(c, &rq, &rs, &e) == TG_OK && rs.status == 200;
        if (!ok) fprintf(stderr, "    upload: %s\n", e.description);
        tg__http_client_free(c);
        _exit(ok ? 0 : 1);       /* _exit: the parent's buffered output is not flushed twice */
    }
    if (wait4(pid, &status, 0, &ru) != pid) return -1;
    *maxrss_kb = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static bool write_pattern_file(const char *path, size_t size) {
    static uint32_t blk[1 << 16];        /* 256 KiB of xorshift output per write */
    uint32_t x = 2463534242u;
    size_t done = 0, i;
    FILE *fp = fopen(path, "wb");
    if (!fp) return false;
    while (done < size) {
        size_t n = TGBOT__MIN(sizeof blk, size - done);
        for (i = 0; i < sizeof blk / 4; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; blk[i] = x; }
        if (fwrite(blk, 1, n, fp) != n) { fclose(fp); return false; }
        done += n;
    }
    return fclose(fp) == 0;
}

static bool sha256_of(const char *path, char hex[65]) {
    char cmd[300];
    FILE *p;
    bool ok;
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    if (!(p = popen(cmd, "r"))) return false;
    ok = fscanf(p, "%64s", hex) == 1 && strlen(hex) == 64;
    return pclose(p) == 0 && ok;
}

#endif

TG_TEST(http_multipart_100mb_upload_streams_in_little_memory) {
#if defined(_WIN32)
    SKIP("measures a forked child's peak RSS: POSIX only");
#else
    NEED_ENV(TG_FAKE_URL);
    char big[] = "/tmp/tgbot_big_XXXXXX", small[] = "/tmp/tgbot_small_XXXXXX", hex[65], *at;
    int fd1 = mkstemp(big), fd2 = mkstemp(small);
    long rss_small = 0, rss_big = 0, r1, r2;
    tg_error e;
    tg__http_response rs;
    tg__http_client *c;
    if (fd1 < 0 || fd2 < 0) { CHECK(fd1 >= 0 && fd2 >= 0); return; }
    close(fd1); close(fd2);
    CHECK(write_pattern_file(big, BIG_UPLOAD) && write_pattern_file(small, 1024));
    CHECK(sha256_of(big, hex));
    r1 = upload_in_child(TG_FAKE_URL, small, &rss_small);
    r2 = upload_in_child(TG_FAKE_URL, big, &rss_big);
    unlink(big); unlink(small);
    CHECK_EQ_INT(r1, 0);
    CHECK_EQ_INT(r2, 0);
    fprintf(stderr, "    peak RSS: 1 KiB upload %ld KiB, 100 MiB upload %ld KiB, growth %ld KiB\n",
            rss_small, rss_big, rss_big - rss_small);
    CHECK(rss_small > 0 && rss_big - rss_small < 2048);
    /* the server's record of the part: its size and its sha256 */
    c = http_client(TG_FAKE_URL, 5000, NULL, NULL, &e);
    if (!c) { CHECK(c != NULL); return; }
    CHECK(http_get(c, "/_ctl/requests", &rs, &e) == TG_OK);
    at = strstr(rs.body, hex);
    CHECK(at != NULL);
    if (at) {
        char *rec = at;
        while (rec > rs.body && strncmp(rec, "\"document\"", 10) != 0) rec--;
        *at = '\0';
        CHECK(strstr(rec, "104857600") != NULL && strstr(rec, "size") != NULL);
    }
    tg__http_client_free(c);
#endif
}

/* trust anchors without a CA file: PEM text in memory (both backends), and BearSSL anchors built at
   compile time (here: decoded from the test CA, the way a device would embed them) */
#if TGBOT__TLS_BEARSSL
static void ta_dn_append(void *ctx, const void *buf, size_t len) {
    tg__buf *b = (tg__buf *)ctx;
    (void)tg__buf_append(b, buf, len);
}
static void ta_der_append(void *ctx, const void *buf, size_t len) { ta_dn_append(ctx, buf, len); }
#endif

static tg_err tls_get_opts(const char *url, const tg_tls_options *o, tg_error *e) {
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_response rs;
    tg_err r;
    memset(&cfg, 0, sizeof cfg);
    memset(e, 0, sizeof *e);
    cfg.base_url = url;
    cfg.timeouts.request_ms = 5000;
    cfg.tls = *o;
    if ((r = tg__http_client_new(&c, &cfg, e)) != TG_OK) return r;
    r = http_get(c, "/bot" HTTP_TOKEN "/getMe", &rs, e);
    if (r == TG_OK && !strstr(rs.body, "tgbot_test_bot")) r = TG_ERR_HTTP;
    tg__http_client_free(c);
    return r;
}

TG_TEST(http_tls_anchors_in_memory) {
    NEED_ENV(TG_FAKE_TLS_VALID);
    const char *unknown = getenv("TG_FAKE_TLS_UNKNOWN");
    char path[512], pem[8192];
    size_t n;
    FILE *f;
    tg_tls_options o;
    tg_error e;
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    snprintf(path, sizeof path, "%s/ca.pem", getenv("TG_TLS_DIR"));
    f = fopen(path, "rb");
    if (!f) { CHECK(f != NULL); return; }
    n = fread(pem, 1, sizeof pem - 1, f);
    fclose(f);
    pem[n] = '\0';
    memset(&o, 0, sizeof o);
    o.ca_pem = pem;
    o.ca_file = "/nonexistent/ca.pem";           /* PEM text wins: no file is needed */
    CHECK(tls_get_opts(TG_FAKE_TLS_VALID, &o, &e) == TG_OK);
    if (unknown) CHECK(tls_get_opts(unknown, &o, &e) == TG_ERR_TLS_UNTRUSTED);
#if TGBOT__TLS_BEARSSL
    {
        br_pem_decoder_context pc;
        br_x509_decoder_context xc;
        br_x509_trust_anchor ta;
        tg__buf der, dn;
        const br_x509_pkey *pk;
        size_t off = 0;
        memset(&der, 0, sizeof der); memset(&dn, 0, sizeof dn);
        br_pem_decoder_init(&pc);
        while (off < n) {                          /* PEM → DER of the first certificate */
            size_t k = br_pem_decoder_push(&pc, pem + off, n - off);
            off += k;
            if (br_pem_decoder_event(&pc) == BR_PEM_BEGIN_OBJ) br_pem_decoder_setdest(&pc, ta_der_append, &der);
            else if (br_pem_decoder_event(&pc) == BR_PEM_END_OBJ) break;
        }
        br_x509_decoder_init(&xc, ta_dn_append, &dn);
        br_x509_decoder_push(&xc, der.data, der.len);
        pk = br_x509_decoder_get_pkey(&xc);
        CHECK(pk != NULL && br_x509_decoder_isCA(&xc));
        if (pk) {
            memset(&ta, 0, sizeof ta);
            ta.dn.data = (unsigned char *)dn.data; ta.dn.len = dn.len;
            ta.flags = BR_X509_TA_CA;
            ta.pkey = *pk;
            memset(&o, 0, sizeof o);
            o.anchors = &ta; o.anchors_count = 1;
            o.ca_file = "/nonexistent/ca.pem";
            CHECK(tls_get_opts(TG_FAKE_TLS_VALID, &o, &e) == TG_OK);
            if (unknown) CHECK(tls_get_opts(unknown, &o, &e) == TG_ERR_TLS_UNTRUSTED);
        }
        tg__buf_free(&der); tg__buf_free(&dn);
    }
#elif TGBOT__TLS_MBEDTLS
    {
        int dummy = 0;
        memset(&o, 0, sizeof o);
        o.anchors = &dummy; o.anchors_count = 1;   /* a BearSSL feature: refused clearly, not ignored */
        CHECK(tls_get_opts(TG_FAKE_TLS_VALID, &o, &e) == TG_ERR_UNSUPPORTED);
    }
#endif
}
