/* Helpers every test file shares: the fake Bot API server's control API (ctl), a count of the calls
   it recorded, a sleep hook that records instead of sleeping, and a bot pointed at the fake server
   (never at the internet). Included by tests/all.c before the test files. */
#ifndef TG_TEST_FAKE_API_H
#define TG_TEST_FAKE_API_H
#define BOT_TOKEN "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"

/* test_bot() points its bot at TG_FAKE_URL/t<test number>: the fake server strips the prefix and tags
   the records, so a late request of an earlier test's bot (timed out or cancelled, still on its way)
   is neither counted nor given a fault meant for this test */
static int fake_tag = -1;
static char fake_url_buf[256];

/* TG_FAKE_URL/t<this test's number>, or NULL when there is no fake server */
static const char *fake_url(void) {
    if (!getenv("TG_FAKE_URL")) return NULL;
    fake_tag = tg_t_index;
    snprintf(fake_url_buf, sizeof fake_url_buf, "%s/t%d", getenv("TG_FAKE_URL"), fake_tag);
    return fake_url_buf;
}

/* talks to the fake server's control API with a client of its own */
static char ctl_buf[1 << 20];
static const char *ctl(const char *method, const char *path, const char *json) {
    const char *url = getenv("TG_FAKE_URL");
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg__http_request rq;
    tg__http_response rs;
    tg_error e;
    char tagged[256];
    ctl_buf[0] = '\0';
    if (!url) return ctl_buf;
    if (fake_tag == tg_t_index) {   /* this test's bots are tagged: its faults and records are its own */
        snprintf(tagged, sizeof tagged, "%s%ctag=%d", path, strchr(path, '?') ? '&' : '?', fake_tag);
        path = tagged;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = url;
    if (tg__http_client_new(&c, &cfg, &e) != TG_OK) return ctl_buf;
    memset(&rq, 0, sizeof rq);
    rq.method = method; rq.path = path;
    if (json) { rq.body = json; rq.body_len = strlen(json); rq.content_type = "application/json"; }
    if (tg__http_do(c, &rq, &rs, &e) == TG_OK) snprintf(ctl_buf, sizeof ctl_buf, "%s", rs.body);
    tg__http_client_free(c);
    return ctl_buf;
}

/* number of recorded calls of a method (substring count on the recorded JSON) */
static int ctl_count(const char *method) {
    const char *p = ctl("GET", "/_ctl/requests", NULL);
    char needle[96];
    int n = 0;
    snprintf(needle, sizeof needle, "\"method\": \"%s\"", method);
    while ((p = strstr(p, needle)) != NULL) { n++; p++; }
    return n;
}

static uint32_t slept_ms, sleeps;
static void fake_sleep(void *ud, uint32_t ms) { (void)ud; slept_ms += ms; sleeps++; }

/* a bot on the fake server */
static tg_bot *test_bot(const tg_allocator *al) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = fake_url() ? fake_url() : "http://127.0.0.1:9";   /* never the internet */
    d.platform.sleep_ms = fake_sleep;     /* back-off waits are recorded, not slept */
    d.timeouts.request_ms = 5000;
    if (al) d.allocator = *al;
    if (tg_bot_new(&b, &d, &e) != TG_OK) fprintf(stderr, "    tg_bot_new: %s\n", e.description);
    return b;
}
#endif
