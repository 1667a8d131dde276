/* dns.c: the non-blocking resolver against tests/dns/fake_dns.py, a DNS server on loopback written
   from RFC 1035 (its names and answers are listed at its top), pointed at through TGBOT_DNS_SERVER. */
#include <signal.h>
#include <sys/wait.h>

static pid_t dns_pid;

/* starts the fake DNS server and points the resolver at it: false (test skips) without python3 */
static bool dns_start(void) {
    int pp[2];
    char line[16] = {0};
    ssize_t n = 0;
    size_t got = 0;
    if (pipe(pp) != 0) return false;
    dns_pid = fork();
    if (dns_pid == 0) {
        dup2(pp[1], 1); close(pp[0]); close(pp[1]);
        execlp("python3", "python3", "tests/dns/fake_dns.py", (char *)NULL);
        _exit(127);
    }
    close(pp[1]);
    while (got < sizeof line - 1 && !strchr(line, '\n')) {   /* the port and a newline, once it listens */
        n = read(pp[0], line + got, sizeof line - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(pp[0]);
    if (!strchr(line, '\n') || atoi(line) <= 0) { if (dns_pid > 0) waitpid(dns_pid, NULL, 0); return false; }
    {
        char v[32];
        snprintf(v, sizeof v, "127.0.0.1:%d", atoi(line));
        setenv("TGBOT_DNS_SERVER", v, 1);
    }
    return true;
}

static void dns_stop(void) {
    unsetenv("TGBOT_DNS_SERVER");
    if (dns_pid > 0) { kill(dns_pid, SIGTERM); waitpid(dns_pid, NULL, 0); dns_pid = 0; }
}

/* drives one resolution as the HTTP engine does: 1, -1, or -2 when no usable answer came in wait_ms */
static int dns_run(tg__dns **d, const char *host, tg__addr **out, const char **why, int wait_ms, int *waits) {
    tg__sock fd = TG__SOCK_INVALID;
    int r;
    *waits = 0;
    while ((r = tg__dns_resolve(d, NULL, NULL, host, 443, &fd, out, why)) == 0) {
        (*waits)++;
        if (tg__sock_wait(fd, 0, wait_ms) != 1) { tg__sock_close(fd); return -2; }
    }
    CHECK(fd == TG__SOCK_INVALID);               /* the query socket is closed once the answer is in */
    return r;
}

/* the first address of a list as a.b.c.d and its port */
static uint32_t dns_v4(const tg__addr *a, uint16_t *port) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)a->ai_addr;
    if (a->ai_family != AF_INET) return 0;
    *port = ntohs(s->sin_port);
    return ntohl(s->sin_addr.s_addr);
}

TG_TEST(dns_a_record_then_cache) {
    tg__dns *d = NULL;
    tg__addr *a = NULL;
    const char *why;
    uint16_t port = 0;
    int waits;
    if (!dns_start()) SKIP("python3 cannot start tests/dns/fake_dns.py");
    CHECK_EQ_INT(dns_run(&d, "ok.tgbot.test", &a, &why, 3000, &waits), 1);
    CHECK(waits >= 1);                           /* it had to wait for the socket: nothing blocked */
    CHECK(a && dns_v4(a, &port) == 0x7f000001u && port == 443);
    tg__resolve_free(a); a = NULL;
    CHECK_EQ_INT(dns_run(&d, "OK.tgbot.test.", &a, &why, 3000, &waits), 1);   /* names are case-blind */
    CHECK_EQ_INT(waits, 0);                      /* from the cache (TTL 60 s) */
    CHECK(a && dns_v4(a, &port) == 0x7f000001u);
    tg__resolve_free(a); a = NULL;
    /* the server counts the A queries it saw for ok.tgbot.test: one */
    CHECK_EQ_INT(dns_run(&d, "count.tgbot.test", &a, &why, 3000, &waits), 1);
    CHECK(a && dns_v4(a, &port) == 0x0a000001u);
    tg__resolve_free(a);
    tg__dns_free(d, NULL);
    dns_stop();
}

TG_TEST(dns_cname_chain) {
    tg__dns *d = NULL;
    tg__addr *a = NULL;
    const char *why;
    uint16_t port = 0;
    int waits;
    if (!dns_start()) SKIP("python3 cannot start tests/dns/fake_dns.py");
    CHECK_EQ_INT(dns_run(&d, "cname.tgbot.test", &a, &why, 3000, &waits), 1);
    CHECK(a && dns_v4(a, &port) == 0x7f000001u);
    tg__resolve_free(a);
    tg__dns_free(d, NULL);
    dns_stop();
}

TG_TEST(dns_aaaa_and_a_late_aaaa) {
    static const unsigned char loop6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    tg__dns *d = NULL;
    tg__addr *a = NULL;
    const char *why;
    uint16_t port = 0;
    int waits;
    if (!dns_start()) SKIP("python3 cannot start tests/dns/fake_dns.py");
    /* the AAAA query is never answered: the A record is enough, no wait for the timeout */
    CHECK_EQ_INT(dns_run(&d, "v4only.tgbot.test", &a, &why, 3000, &waits), 1);
    CHECK(a && dns_v4(a, &port) == 0x7f000001u && a->ai_next == NULL);
    tg__resolve_free(a); a = NULL;
    /* only an AAAA record: ::1, port 443 */
    CHECK_EQ_INT(dns_run(&d, "v6.tgbot.test", &a, &why, 3000, &waits), 1);
    CHECK(a && a->ai_family == AF_INET6 && a->ai_next == NULL);
    if (a && a->ai_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a->ai_addr;
        CHECK(memcmp(&s6->sin6_addr, loop6, 16) == 0 && ntohs(s6->sin6_port) == 443);
    }
    tg__resolve_free(a);
    tg__dns_free(d, NULL);
    dns_stop();
}

TG_TEST(dns_nxdomain_servfail_and_ignored_replies) {
    tg__dns *d = NULL;
    tg__addr *a = NULL;
    const char *why = "";
    int waits;
    if (!dns_start()) SKIP("python3 cannot start tests/dns/fake_dns.py");
    CHECK_EQ_INT(dns_run(&d, "nx.tgbot.test", &a, &why, 3000, &waits), -1);
    CHECK(a == NULL && strstr(why, "NXDOMAIN") != NULL);
    CHECK_EQ_INT(dns_run(&d, "fail.tgbot.test", &a, &why, 3000, &waits), -1);
    CHECK(a == NULL && strstr(why, "SERVFAIL") != NULL);
    /* a reply with another id, and a reply too short to echo the question, are not answers */
    CHECK_EQ_INT(dns_run(&d, "spoof.tgbot.test", &a, &why, 300, &waits), -2);
    CHECK_EQ_INT(dns_run(&d, "bad.tgbot.test", &a, &why, 300, &waits), -2);
    CHECK(a == NULL);
    /* and the resolver still works after a query it gave up on */
    CHECK_EQ_INT(dns_run(&d, "ok.tgbot.test", &a, &why, 3000, &waits), 1);
    CHECK(a != NULL);
    tg__resolve_free(a);
    tg__dns_free(d, NULL);
    dns_stop();
}

TG_TEST(dns_literals_and_bad_names_need_no_server) {
    tg__dns *d = NULL;
    tg__addr *a = NULL;
    const char *why;
    uint16_t port = 0;
    int waits;
    setenv("TGBOT_DNS_SERVER", "127.0.0.1:9", 1);     /* nothing listens: any query would fail */
    CHECK_EQ_INT(dns_run(&d, "127.0.0.1", &a, &why, 300, &waits), 1);
    CHECK(waits == 0 && a && dns_v4(a, &port) == 0x7f000001u);
    tg__resolve_free(a); a = NULL;
    CHECK_EQ_INT(dns_run(&d, "::1", &a, &why, 300, &waits), 1);
    CHECK(waits == 0 && a && a->ai_family == AF_INET6);
    tg__resolve_free(a); a = NULL;
    CHECK_EQ_INT(dns_run(&d, "a..b.example", &a, &why, 300, &waits), -1);
    CHECK(strstr(why, "not a valid host name") != NULL);
    CHECK_EQ_INT(dns_run(&d, "x.0123456789012345678901234567890123456789012345678901234567890123.example", &a, &why, 300, &waits), -1);
    CHECK(a == NULL);
    unsetenv("TGBOT_DNS_SERVER");
    tg__dns_free(d, NULL);
}

/* Every prefix of a well-formed answer (RFC 1035 4.1, assembled here by hand) and a compression
   loop: no read past the datagram (ASan), an address only from the whole message. */
TG_TEST(dns_answer_parser_bounds) {
    static const unsigned char qn[] = { 2, 'o', 'k', 5, 't', 'g', 'b', 'o', 't', 4, 't', 'e', 's', 't', 0 };
    unsigned char m[128];
    size_t n = 0, cut;
    tg__dns d;
    m[n++] = 0x12; m[n++] = 0x34; m[n++] = 0x81; m[n++] = 0x80;   /* id, QR RD RA, NOERROR */
    m[n++] = 0; m[n++] = 1; m[n++] = 0; m[n++] = 1; m[n++] = 0; m[n++] = 0; m[n++] = 0; m[n++] = 0;
    memcpy(m + n, qn, sizeof qn); n += sizeof qn;
    m[n++] = 0; m[n++] = 1; m[n++] = 0; m[n++] = 1;                /* A, IN */
    m[n++] = 0xC0; m[n++] = 12;                                    /* the name: a pointer to the question */
    m[n++] = 0; m[n++] = 1; m[n++] = 0; m[n++] = 1;
    m[n++] = 0; m[n++] = 0; m[n++] = 0; m[n++] = 30;               /* TTL 30 */
    m[n++] = 0; m[n++] = 4; m[n++] = 192; m[n++] = 0; m[n++] = 2; m[n++] = 7;
    for (cut = 0; cut <= n; cut++) {
        unsigned char *copy = (unsigned char *)malloc(cut ? cut : 1);   /* exact size: ASan sees overreads */
        memset(&d, 0, sizeof d);
        memcpy(d.qname, qn, sizeof qn); d.qn = sizeof qn;
        d.id[0] = 0x1234; d.id[1] = 0x9999; d.ttl = 0xFFFFFFFFu;
        memcpy(copy, m, cut);
        tg__dns_answer(&d, copy, cut);
        free(copy);
        if (cut < n) CHECK(d.n[0] == 0);
        else CHECK(d.n[0] == 1 && d.ip[0][0][12] == 192 && d.ip[0][0][15] == 7 && d.ttl == 30);
    }
    /* an answer whose name points at itself */
    memset(&d, 0, sizeof d);
    memcpy(d.qname, qn, sizeof qn); d.qn = sizeof qn;
    d.id[0] = 0x1234; d.id[1] = 0x9999;
    m[12 + sizeof qn + 4] = 0xC0; m[12 + sizeof qn + 5] = (unsigned char)(12 + sizeof qn + 4);
    tg__dns_answer(&d, m, n);
    CHECK(d.n[0] == 1);   /* a pointer is two bytes whatever it points at: skipped, not followed */
}

static tg__http_client *dns_client(const char *base, uint32_t connect_ms) {
    tg__http_config cfg;
    tg__http_client *c = NULL;
    tg_error e;
    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = base;
    cfg.timeouts.connect_ms = connect_ms;
    cfg.timeouts.request_ms = 20000;
    if (tg__http_client_new(&c, &cfg, &e) != TG_OK) return NULL;
    return c;
}

TG_TEST(dns_http_through_the_resolver) {
    const char *fake = getenv("TG_FAKE_URL"), *colon;
    char base[96];
    tg__http_client *c;
    tg__http_request rq;
    tg__http_response rs;
    tg_error e;
    if (!fake || !(colon = strrchr(fake, ':'))) SKIP("no fake Bot API server (TG_FAKE_URL)");
    if (!dns_start()) SKIP("python3 cannot start tests/dns/fake_dns.py");
    memset(&rq, 0, sizeof rq);
    rq.method = "GET"; rq.path = "/_ctl/requests";
    /* NXDOMAIN: a DNS error in the resolve phase, nothing sent */
    c = dns_client("http://nx.tgbot.test:9", 2000);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(tg__http_do(c, &rq, &rs, &e), TG_ERR_DNS);
        CHECK(e.phase == TG_PHASE_RESOLVE && !e.request_sent && strstr(e.description, "NXDOMAIN") != NULL);
        tg__http_client_free(c);
    }
    /* an A record for a test name leads to the fake server on 127.0.0.1 */
    snprintf(base, sizeof base, "http://ok.tgbot.test%s", colon);
    c = dns_client(base, 2000);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(tg__http_do(c, &rq, &rs, &e), TG_OK);
        CHECK_EQ_INT(rs.status, 200);
        tg__http_client_free(c);
    }
    dns_stop();
}

TG_TEST(dns_silent_server_bounded_by_connect_timeout) {
    tg__http_client *c;
    tg__http_request rq;
    tg__http_response rs;
    tg_error e;
    uint64_t t0, ms;
    if (!dns_start()) SKIP("python3 cannot start tests/dns/fake_dns.py");
    memset(&rq, 0, sizeof rq);
    rq.method = "GET"; rq.path = "/";
    c = dns_client("http://slow.tgbot.test:9", 400);   /* connect 0.4 s, request 20 s */
    CHECK(c != NULL);
    if (c) {
        t0 = tg__now_ms(NULL);
        CHECK_EQ_INT(tg__http_do(c, &rq, &rs, &e), TG_ERR_TIMEOUT);
        ms = tg__now_ms(NULL) - t0;
        CHECK(e.phase == TG_PHASE_RESOLVE && strstr(e.description, "resolving") != NULL);
        CHECK(ms >= 350 && ms < 3000);               /* the connect timeout, not the request timeout */
        tg__http_client_free(c);
    }
    dns_stop();
}
