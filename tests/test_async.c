/* async: calls in flight on one engine (issue 11). Every expectation comes from the fake server's
   own ledger (GET /_ctl/requests: what reached it, and which record a fault answered) or from the
   rules in async.h, never from the engine's own counters. */
#include <poll.h>
#include <dirent.h>

static tg_bot *async_bot_r(uint32_t conns, uint32_t queued, bool wait_full, uint32_t request_ms, uint32_t retries) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = fake_url() ? fake_url() : "http://127.0.0.1:9";
    d.platform.sleep_ms = fake_sleep;
    d.timeouts.request_ms = request_ms ? request_ms : 5000;
    d.engine.max_connections = conns;
    d.engine.max_queued = queued;
    d.engine.wait_when_full = wait_full;
    d.breaker.disabled = true;           /* the faults below would open it; it has tests of its own */
    d.ratelimit.disabled = true;
    d.max_retries = retries;
    if (retries) d.timeouts.call_ms = 60000;   /* many retries: the whole-call deadline must not cut them */
    if (tg_bot_new(&b, &d, &e) != TG_OK) fprintf(stderr, "    tg_bot_new: %s\n", e.description);
    return b;
}
static tg_bot *async_bot(uint32_t conns, uint32_t queued, bool wait_full, uint32_t request_ms) {
    return async_bot_r(conns, queued, wait_full, request_ms, 0);
}

#define ASYNC_MAX 4096
typedef struct async_rec { int calls; tg_err code; bool sent; bool got_result; } async_rec;
static async_rec arec[ASYNC_MAX];
static uint32_t aid[ASYNC_MAX];     /* the id tg_call_async gave each call, in submit order */
static int adone;

static void async_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    size_t i = (size_t)(uintptr_t)ud;
    (void)bot;
    if (i >= ASYNC_MAX) return;
    arec[i].calls++;
    arec[i].code = code;
    arec[i].sent = err->request_sent;
    arec[i].got_result = res.doc != NULL && res.tok != TG_JSON_NOTFOUND;
    if (aid[i] && aid[i] != id) arec[i].calls += 100;   /* the wrong call's callback */
    adone++;
}

static int async_count(const char *hay, const char *needle) {
    int n = 0;
    while ((hay = strstr(hay, needle)) != NULL) { n++; hay++; }
    return n;
}

static int open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

TG_TEST(async_calls_complete_exactly_once_on_a_pool) {
    tg_bot *b;
    int i, n = 200, fds0 = open_fds();
    size_t maxfds = 0;
    char p[96];
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(4, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    memset(arec, 0, sizeof arec);
    adone = 0;
    for (i = 0; i < n; i++) {
        tg_async o;
        memset(&o, 0, sizeof o);
        o.done = async_done;
        o.ud = (void *)(uintptr_t)i;
        snprintf(p, sizeof p, "{\"chat_id\":%d,\"text\":\"a%d\"}", i + 1, i);
        CHECK(tg_call_async(b, i % 2 ? "getMe" : "sendMessage", i % 2 ? NULL : p, &o, &aid[i]) == TG_ERR_PENDING);
    }
    CHECK_EQ_INT(adone, 0);                              /* never from inside the submit */
    CHECK_EQ_INT((int)tg_loop_pending(b), n);
    while (tg_loop_pending(b)) {
        size_t k = tg_loop_fds(b, NULL, 0);
        if (k > maxfds) maxfds = k;
        tg_loop_step(b, -1);
    }
    CHECK_EQ_INT(adone, n);
    for (i = 0; i < n; i++) {
        if (arec[i].calls != 1 || arec[i].code != TG_OK || !arec[i].got_result) {
            CHECK(arec[i].calls == 1 && arec[i].code == TG_OK && arec[i].got_result);
            break;
        }
    }
    CHECK(maxfds >= 2 && maxfds <= 4);                   /* many in flight, never over max_connections */
    CHECK_EQ_INT(ctl_count("sendMessage"), n / 2);
    CHECK_EQ_INT(ctl_count("getMe"), n / 2);
    CHECK(open_fds() <= fds0 + 4);                       /* the pool's connections, no more */
    tg_bot_free(b);
    CHECK_EQ_INT(open_fds(), fds0);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

static tg_user *typed_me;
static tg_message *typed_msg;
static tg_err typed_code[2];
static void typed_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    (void)bot; (void)id; (void)err; (void)res;
    typed_code[(uintptr_t)ud] = code;
    /* the typed result is already written when the callback runs */
    if ((uintptr_t)ud == 0) CHECK(typed_me != NULL && typed_me->id == 123456789);
}

TG_TEST(async_typed_call_via_async_next) {
    tg_bot *b;
    tg_async o;
    tg_send_message_args m;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(0, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    typed_me = NULL; typed_msg = NULL;
    typed_code[0] = typed_code[1] = TG_ERR_IO;
    memset(&o, 0, sizeof o);
    o.done = typed_done;
    o.ud = (void *)(uintptr_t)0;
    tg_async_next(b, &o);
    CHECK(tg_get_me(b, &typed_me) == TG_ERR_PENDING);
    CHECK(typed_me == NULL);
    o.ud = (void *)(uintptr_t)1;
    memset(&m, 0, sizeof m);
    m.chat_id.id = 42;
    m.text = "typed async";
    tg_async_next(b, &o);
    CHECK(tg_send_message(b, &m, &typed_msg) == TG_ERR_PENDING);
    CHECK(tg_get_me(b, &typed_me) == TG_OK);              /* a blocking call meanwhile: both progress */
    tg_run(b);
    CHECK(typed_code[0] == TG_OK && typed_code[1] == TG_OK);
    CHECK(typed_msg != NULL && typed_msg->text && strcmp(typed_msg->text, "typed async") == 0);
    /* a typed call that fails validation never starts: no callback, the error at once */
    typed_code[0] = TG_ERR_IO;
    tg_async_next(b, &o);
    memset(&m, 0, sizeof m);
    CHECK(tg_send_message(b, &m, &typed_msg) == TG_ERR_ARG);
    tg_run(b);
    CHECK(typed_code[0] == TG_ERR_IO && tg_loop_pending(b) == 0);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

TG_TEST(async_cancel_and_deadline) {
    tg_bot *b;
    tg_async o;
    uint32_t id = 0;
    uint64_t t0;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(0, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    memset(arec, 0, sizeof arec); memset(aid, 0, sizeof aid);
    memset(&o, 0, sizeof o);
    o.done = async_done;
    o.ud = (void *)(uintptr_t)0;
    /* cancelled before the loop ran: nothing reaches the server */
    CHECK(tg_call_async(b, "sendMessage", "{\"chat_id\":1,\"text\":\"never\"}", &o, &id) == TG_ERR_PENDING);
    CHECK(tg_call_cancel(b, id));
    CHECK(!tg_call_cancel(b, id + 1000));
    tg_run(b);
    CHECK(arec[0].calls == 1 && arec[0].code == TG_ERR_CANCELLED && !arec[0].sent);
    CHECK_EQ_INT(ctl_count("sendMessage"), 0);
    CHECK(!tg_call_cancel(b, id));                       /* it has ended */
    /* a deadline on a stalled read: it ends near the deadline, not at the request timeout (5 s) */
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"delay\",\"delay_ms\":1500}");
    o.ud = (void *)(uintptr_t)1;
    o.deadline_ms = 300;
    t0 = tg__now_ms(NULL);
    CHECK(tg_call_async(b, "getMe", NULL, &o, &aid[1]) == TG_ERR_PENDING);
    tg_run(b);
    CHECK(arec[1].calls == 1 && arec[1].code == TG_ERR_TIMEOUT);
    CHECK(tg__now_ms(NULL) - t0 < 1200);
    /* a deadline on a send that was written: the money rule, never a plain failure */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"delay\",\"delay_ms\":1500}");
    o.ud = (void *)(uintptr_t)2;
    CHECK(tg_call_async(b, "sendMessage", "{\"chat_id\":1,\"text\":\"late\"}", &o, &aid[2]) == TG_ERR_PENDING);
    tg_run(b);
    CHECK(arec[2].calls == 1 && arec[2].code == TG_ERR_OUTCOME_UNKNOWN && arec[2].sent);
    CHECK_EQ_INT(ctl_count("sendMessage"), 1);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

TG_TEST(async_back_pressure_busy_or_wait) {
    tg_bot *b;
    tg_async o;
    int i;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(2, 4, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    memset(arec, 0, sizeof arec); memset(aid, 0, sizeof aid);
    adone = 0;
    memset(&o, 0, sizeof o);
    o.done = async_done;
    for (i = 0; i < 4; i++) {
        o.ud = (void *)(uintptr_t)i;
        CHECK(tg_call_async(b, "getMe", NULL, &o, &aid[i]) == TG_ERR_PENDING);
    }
    o.ud = (void *)(uintptr_t)4;
    CHECK(tg_call_async(b, "getMe", NULL, &o, &aid[4]) == TG_ERR_BUSY && aid[4] == 0);
    tg_run(b);
    CHECK_EQ_INT(adone, 4);                              /* the refused one never calls back */
    CHECK_EQ_INT(arec[4].calls, 0);
    tg_bot_free(b);
    /* wait_when_full: the submit drives the loop until a slot frees */
    b = async_bot(2, 4, true, 0);
    if (!b) { CHECK(b != NULL); return; }
    memset(arec, 0, sizeof arec); memset(aid, 0, sizeof aid);
    adone = 0;
    for (i = 0; i < 12; i++) {
        o.ud = (void *)(uintptr_t)i;
        CHECK(tg_call_async(b, "getMe", NULL, &o, &aid[i]) == TG_ERR_PENDING);
        CHECK(tg_loop_pending(b) <= 4);
    }
    tg_run(b);
    CHECK_EQ_INT(adone, 12);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

TG_TEST(async_loop_driven_by_the_callers_poll) {
    tg_bot *b;
    tg_async o;
    int i, rounds = 0;
    struct pollfd pf[16];
    tg_loop_fd lf[16];
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(8, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    memset(arec, 0, sizeof arec); memset(aid, 0, sizeof aid);
    adone = 0;
    memset(&o, 0, sizeof o);
    o.done = async_done;
    for (i = 0; i < 20; i++) {
        o.ud = (void *)(uintptr_t)i;
        CHECK(tg_call_async(b, "getMe", NULL, &o, &aid[i]) == TG_ERR_PENDING);
    }
    CHECK_EQ_INT(tg_loop_timeout_ms(b), 0);              /* calls ready to start */
    while (tg_loop_step(b, 0) > 0 && rounds++ < 100000) {
        size_t k, n = tg_loop_fds(b, lf, 16);
        CHECK(n <= 8);
        for (k = 0; k < n && k < 16; k++) {
            pf[k].fd = lf[k].fd;
            pf[k].events = (short)((lf[k].events & TG_LOOP_READ ? POLLIN : 0) | (lf[k].events & TG_LOOP_WRITE ? POLLOUT : 0));
            pf[k].revents = 0;
        }
        poll(pf, (nfds_t)(n < 16 ? n : 16), tg_loop_timeout_ms(b));
    }
    CHECK_EQ_INT(adone, 20);
    CHECK_EQ_INT(tg_loop_timeout_ms(b), -1);             /* nothing in flight */
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

static tg_bot *cb_bot;
static tg_err cb_inner;
static void blocking_from_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    tg_user *me = NULL;
    (void)bot; (void)id; (void)code; (void)err; (void)res; (void)ud;
    cb_inner = tg_get_me(cb_bot, &me);
    if (cb_inner == TG_OK && (!me || me->id != 123456789)) cb_inner = TG_ERR_TYPE;
}

TG_TEST(async_blocking_call_from_a_completion_callback) {
    tg_async o;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    cb_bot = async_bot(1, 0, false, 0);                  /* one connection: the callback's call needs it back */
    if (!cb_bot) { CHECK(cb_bot != NULL); return; }
    cb_inner = TG_ERR_IO;
    memset(&o, 0, sizeof o);
    o.done = blocking_from_done;
    CHECK(tg_call_async(cb_bot, "getMe", NULL, &o, NULL) == TG_ERR_PENDING);
    tg_run(cb_bot);
    CHECK(cb_inner == TG_OK);
    tg_bot_free(cb_bot);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

/* the ledger: how many records of text "<tag><i>" the server executed (not answered by a 429/5xx) */
static void ledger_count(const char *reqs, const char *tag, int base, int n, int *executed, int *seen) {
    const char *p = reqs;
    int i;
    for (i = 0; i < n; i++) executed[i] = seen[i] = 0;
    while ((p = strstr(p, "\"text\": \"")) != NULL) {
        const char *end = strstr(p, "{\"method\"");     /* the next record */
        size_t tl = strlen(tag);
        p += 9;
        if (strncmp(p, tag, tl) == 0) {
            int k = atoi(p + tl) - base;
            const char *f = strstr(p, "\"fault\": \"");
            bool refused = f && (!end || f < end) && (f[10] == '4' || f[10] == '5');   /* 429 / 5xx: not executed */
            if (k >= 0 && k < n) { seen[k]++; if (!refused) executed[k]++; }
        }
    }
}

/* many calls, many in flight, random faults: every call ends exactly once; a send is executed at
   most once, and is reported done only when it was executed, never a plain failure when it may
   have been. TG_ASYNC_STRESS_N calls (default 1200; make async-stress: 10000), in batches of at most
   ASYNC_MAX whose ledger is reconciled and reset before the next (the ledger comes back whole). */
TG_TEST(async_stress_with_faults_reconciled_with_the_ledger) {
    static int executed[ASYNC_MAX], seen[ASYNC_MAX];
    tg_bot *b;
    tg_async o;
    int i, total = getenv("TG_ASYNC_STRESS_N") ? atoi(getenv("TG_ASYNC_STRESS_N")) : 1200;
    int done_all = 0, bad = 0, unknown = 0, ok = 0, fds0 = open_fds(), base, n;
    size_t maxfl = 0;
    uint32_t seed = 12345;
    char p[96];
    const char *reqs;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot_r(64, 0, false, 1500, 10);   /* enough retries that a read outlasts several faults in a row */
    if (!b) { CHECK(b != NULL); return; }
    memset(&o, 0, sizeof o);
    o.done = async_done;
    for (base = 0; base < total; base += n) {
        n = total - base < 2000 ? total - base : 2000;
        ctl("POST", "/_ctl/reset", NULL);
        memset(arec, 0, sizeof arec); memset(aid, 0, sizeof aid);
        adone = 0;
        for (i = 0; i < n; i++) {
            const char *m = i % 3 ? "sendMessage" : "getMe";
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 10 == 0) {            /* one call in ten meets a fault */
                static const char *const kinds[] = {
                    "{\"method\":\"%s\",\"kind\":\"drop\"}", "{\"method\":\"%s\",\"kind\":\"429\",\"retry_after\":1}",
                    "{\"method\":\"%s\",\"kind\":\"502\"}", "{\"method\":\"%s\",\"kind\":\"500\"}",
                    "{\"method\":\"%s\",\"kind\":\"delay\",\"delay_ms\":2000}", "{\"method\":\"%s\",\"kind\":\"close_after\"}" };
                char f[128];
                snprintf(f, sizeof f, kinds[(seed >> 8) % 6], m);
                ctl("POST", "/_ctl/fault", f);
            }
            o.ud = (void *)(uintptr_t)i;
            snprintf(p, sizeof p, "{\"chat_id\":%d,\"text\":\"s%d\"}", base + i + 1, base + i);
            CHECK(tg_call_async(b, m, i % 3 ? p : NULL, &o, &aid[i]) == TG_ERR_PENDING);
            while (tg_loop_pending(b) >= 64) {      /* keep 64 in flight */
                size_t k = tg_loop_fds(b, NULL, 0);
                if (k > maxfl) maxfl = k;
                tg_loop_step(b, -1);
            }
        }
        tg_run(b);
        CHECK_EQ_INT(adone, n);
        done_all += adone;
        reqs = ctl("GET", "/_ctl/requests", NULL);
        CHECK(strlen(reqs) < sizeof ctl_buf - 1);             /* the whole ledger came back */
        ledger_count(reqs, "s", base, n, executed, seen);
        if (getenv("TG_ASYNC_LEDGER_ALL")) {    /* every batch's ledger, for a look at a violation */
            char fn[256];
            FILE *lf;
            snprintf(fn, sizeof fn, "%s.%d", getenv("TG_ASYNC_LEDGER_ALL"), base);
            if ((lf = fopen(fn, "w")) != NULL) { fputs(reqs, lf); fclose(lf); }
        }
        if (getenv("TG_ASYNC_LEDGER")) { FILE *lf = fopen(getenv("TG_ASYNC_LEDGER"), "w"); if (lf) { fputs(reqs, lf); fclose(lf); } }
        for (i = 0; i < n; i++) {
            int before = bad;
            if (arec[i].calls != 1) bad++;
            else if (i % 3 == 0) { if (arec[i].code != TG_OK) bad++; }        /* reads: retried to success */
            else if (executed[i] > 1) bad++;                                       /* a send ran twice */
            else if (arec[i].code == TG_OK) { ok++; if (executed[i] != 1) bad++; }
            else if (arec[i].code == TG_ERR_OUTCOME_UNKNOWN) { unknown++; if (!arec[i].sent) bad++; }
            else if (!(arec[i].code == TG_ERR_API && executed[i] == 0)) bad++;  /* 429 to the end: not run */
            if (bad != before && bad <= 5)
                printf("    call %d (%s): %d callbacks, %s, request_sent %d, server saw %d, executed %d\n", base + i,
                       i % 3 ? "send" : "read", arec[i].calls, tg_err_str(arec[i].code), arec[i].sent, seen[i], executed[i]);
        }
        CHECK(open_fds() <= fds0 + 64);
    }
    printf("    %d calls (%d ended), up to %zu sockets in flight: %d sends done, %d outcome-unknown, %d violations\n",
           total, done_all, maxfl, ok, unknown, bad);
    CHECK_EQ_INT(done_all, total);
    CHECK_EQ_INT(bad, 0);
    CHECK(unknown > 0);                                   /* the faults did reach sends */
    CHECK(maxfl > 32);                                    /* many were in flight at once */
    tg_bot_free(b);
    CHECK_EQ_INT(open_fds(), fds0);                       /* fds flat */
    ctl("POST", "/_ctl/reset", NULL);
}

/* ---- stages ---- */
static char stage_log[2048];
static int stage_refuse, stage_admits;
static tg_bot *stage_bot;
static tg_err stage_nested = TG_ERR_IO;
static void slog(const char *fmt, const char *m, unsigned a) {
    size_t n = strlen(stage_log);
    snprintf(stage_log + n, sizeof stage_log - n, fmt, m, a);
}
static tg_err st_admit(void *ud, const tg_call_info *c, tg_error *err) {
    (void)ud;
    stage_admits++;
    slog("admit %s %u;", c->method, c->attempt);
    if (stage_refuse) {
        err->code = TG_ERR_ARG;
        snprintf(err->description, sizeof err->description, "refused by the test stage");
        return TG_ERR_ARG;
    }
    return TG_OK;
}
static void st_outcome(void *ud, const tg_call_info *c, tg_err code, const tg_error *err) {
    (void)ud; (void)err;
    slog("outcome %s %u;", c->method, (unsigned)code);
}
static void st_done(void *ud, const tg_call_info *c, tg_err code, const tg_error *err, uint64_t ms) {
    (void)ud; (void)err; (void)ms;
    slog("done %s %u;", c->method, (unsigned)code);
    if (strcmp(c->method, "sendMessage") == 0) stage_nested = tg_call(stage_bot, "getMe", NULL, NULL);   /* from a stage */
}
static int stage_errors;
static void st_on_error(const tg_event *ev, void *ud) { (void)ev; (void)ud; stage_errors++; }

TG_TEST(async_stage_order_and_short_circuits) {
    tg_stage s;
    tg_dispatcher *d = NULL;
    tg_events ev;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    stage_bot = async_bot(0, 0, false, 0);
    if (!stage_bot) { CHECK(stage_bot != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    memset(&s, 0, sizeof s);
    s.admit = st_admit; s.outcome = st_outcome; s.done = st_done;
    CHECK(tg_bot_add_stage(stage_bot, &s) == TG_OK);
    stage_log[0] = '\0';
    stage_refuse = 0;
    /* a 429 then success: admit and outcome per attempt, done once; the done hook's own call runs */
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"429\",\"retry_after\":1}");
    CHECK(tg_call(stage_bot, "sendMessage", "{\"chat_id\":1,\"text\":\"st\"}", NULL) == TG_OK);
    {
        char want[256];
        snprintf(want, sizeof want, "admit sendMessage 0;outcome sendMessage %u;admit sendMessage 1;outcome sendMessage 0;"
                 "done sendMessage 0;admit getMe 0;outcome getMe 0;done getMe 0;", (unsigned)TG_ERR_API);   /* 429 */
        CHECK_STR(stage_log, want);
    }
    CHECK(stage_nested == TG_OK && ctl_count("getMe") == 1);
    /* a refusing stage: nothing is sent, the call fails with its error, on_error fires */
    CHECK(tg_dispatcher_new(&d, stage_bot, NULL) == TG_OK);
    memset(&ev, 0, sizeof ev);
    ev.on_error = st_on_error;
    tg_set_events(d, &ev);
    stage_refuse = 1;
    stage_errors = 0;
    CHECK(tg_call(stage_bot, "sendMessage", "{\"chat_id\":1,\"text\":\"no\"}", NULL) == TG_ERR_ARG);
    CHECK(strstr(tg_bot_last_error(stage_bot)->description, "test stage") != NULL);
    CHECK_EQ_INT(stage_errors, 2);                       /* it, and the getMe its done hook made (refused too) */
    CHECK(stage_nested == TG_ERR_ARG);
    CHECK_EQ_INT(ctl_count("sendMessage"), 2);           /* the 429 and its retry only */
    stage_refuse = 0;
#if TGBOT__HAS_CACHE
    /* the cache answers before the later stages: a hit never reaches the user stage */
    CHECK(tg_cache_enable(stage_bot, NULL) == TG_OK);
    CHECK(tg_call(stage_bot, "getMe", NULL, NULL) == TG_OK);
    stage_admits = 0;
    CHECK(tg_call(stage_bot, "getMe", NULL, NULL) == TG_OK);
    CHECK_EQ_INT(stage_admits, 0);
    CHECK_EQ_INT(ctl_count("getMe"), 2);
    tg_cache_disable(stage_bot);
#endif
    tg_dispatcher_free(d);
    tg_bot_free(stage_bot);
#if TGBOT__HAS_BREAKER
    {   /* an open breaker refuses before the user stage: nothing is sent */
        tg_bot_desc bd;
        tg_error e;
        int i;
        memset(&bd, 0, sizeof bd);
        bd.token = BOT_TOKEN;
        bd.base_url = fake_url();
        bd.platform.sleep_ms = fake_sleep;
        bd.breaker.failures = 2;
        bd.max_retries = 1;
        stage_bot = NULL;
        CHECK(tg_bot_new(&stage_bot, &bd, &e) == TG_OK);
        if (!stage_bot) return;
        CHECK(tg_bot_add_stage(stage_bot, &s) == TG_OK);
        ctl("POST", "/_ctl/reset", NULL);
        ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"502\",\"count\":4}");
        for (i = 0; i < 2; i++) tg_call(stage_bot, "getMe", NULL, NULL);
        CHECK(tg_breaker_get_state(stage_bot) == TG_BREAKER_OPEN);
        stage_admits = 0;
        i = ctl_count("getMe");
        CHECK(tg_call(stage_bot, "getMe", NULL, NULL) == TG_ERR_BREAKER_OPEN);
        CHECK_EQ_INT(stage_admits, 0);
        CHECK_EQ_INT(ctl_count("getMe"), i);
        tg_bot_free(stage_bot);
    }
#endif
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

/* long polling while handlers run async calls: the long poll drives them; every update is handled
   once, every reply sent once, and the offset is confirmed past all of them */
static int lp_handled, lp_done, lp_ok;
static tg_dispatcher *lp_d;
static void lp_reply_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    (void)bot; (void)id; (void)err; (void)res; (void)ud;
    lp_done++;
    lp_ok += code == TG_OK;
    if (lp_done == 30) tg_stop(lp_d);
}
static int lp_on_message(tg_ctx *ctx, void *ud) {
    char p[96];
    tg_async o;
    (void)ud;
    lp_handled++;
    memset(&o, 0, sizeof o);
    o.done = lp_reply_done;
    snprintf(p, sizeof p, "{\"chat_id\":%lld,\"text\":\"re %s\"}", (long long)ctx->chat_id, ctx->message->text);
    CHECK(tg_call_async(ctx->bot, "sendMessage", p, &o, NULL) == TG_ERR_PENDING);
    return TG_HANDLED;
}

TG_TEST(async_calls_from_handlers_during_long_polling) {
    tg_bot *b;
    tg_polling_opts po;
    const char *reqs;
    int i;
    char want[32];
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(4, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":30,\"text\":\"u\"}");
    CHECK(tg_dispatcher_new(&lp_d, b, NULL) == TG_OK);
    tg_on_update(lp_d, "message", lp_on_message, NULL);
    lp_handled = lp_done = lp_ok = 0;
    memset(&po, 0, sizeof po);
    po.timeout_s = 1;
    CHECK(tg_run_polling(lp_d, &po) == TG_OK);
    CHECK_EQ_INT(lp_handled, 30);
    CHECK_EQ_INT(lp_done, 30);
    CHECK_EQ_INT(lp_ok, 30);
    reqs = ctl("GET", "/_ctl/requests", NULL);
    for (i = 1; i <= 30; i++) {
        snprintf(want, sizeof want, "\"re u %d\"", i);
        if (async_count(reqs, want) != 1) { CHECK_EQ_INT(async_count(reqs, want), 1); break; }
    }
    CHECK(strstr(ctl("GET", "/_ctl/state", NULL), "\"offset\": 31") != NULL);
    tg_dispatcher_free(lp_d);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);   /* a small ledger for the tests that follow */
}

/* the pipeline's events come from the bot: they fire without a dispatcher */
static int ev_sent, ev_err, ev_retry, ev_limited;
static void ev_on(const tg_event *e, void *ud) {
    (void)ud;
    if (e->type == TG_EVENT_SENT) ev_sent++;
    else if (e->type == TG_EVENT_ERROR) ev_err++;
    else if (e->type == TG_EVENT_RETRY) ev_retry++;
    else if (e->type == TG_EVENT_RATE_LIMITED && e->retry_after == 1 && e->method && strcmp(e->method, "getMe") == 0) ev_limited++;
}

TG_TEST(async_events_without_a_dispatcher) {
    tg_bot *b;
    tg_events ev;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(0, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    memset(&ev, 0, sizeof ev);
    ev.on_sent = ev_on; ev.on_error = ev_on; ev.on_retry = ev_on; ev.on_rate_limited = ev_on;
    tg_bot_set_events(b, &ev);
    ev_sent = ev_err = ev_retry = ev_limited = 0;
    ctl("POST", "/_ctl/fault", "{\"method\":\"getMe\",\"kind\":\"429\",\"retry_after\":1}");
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);            /* a 429, a retry, then done */
    CHECK(tg_call(b, "sendMessage", "{\"chat_id\":1}", NULL) == TG_ERR_API);   /* 400: text is required */
    CHECK_EQ_INT(ev_limited, 1);
    CHECK_EQ_INT(ev_retry, 1);
    CHECK_EQ_INT(ev_sent, 1);
    CHECK_EQ_INT(ev_err, 1);
    tg_bot_set_events(b, NULL);
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);
    CHECK_EQ_INT(ev_sent, 1);                                    /* removed: no more events */
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);
}

/* long polling on the loop (tg_polling_start): updates dispatched from tg_run, handlers' async calls
   concurrent, each update once, the offset confirmed past all of them when it stops */
static void lp2_reply_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    (void)bot; (void)id; (void)err; (void)res; (void)ud;
    lp_done++;
    lp_ok += code == TG_OK;
    if (lp_done == 30) tg_polling_stop(lp_d);
}
static int lp2_on_message(tg_ctx *ctx, void *ud) {
    char p[96];
    tg_async o;
    (void)ud;
    lp_handled++;
    memset(&o, 0, sizeof o);
    o.done = lp2_reply_done;
    snprintf(p, sizeof p, "{\"chat_id\":%lld,\"text\":\"re %s\"}", (long long)ctx->chat_id, ctx->message->text);
    CHECK(tg_call_async(ctx->bot, "sendMessage", p, &o, NULL) == TG_ERR_PENDING);
    return TG_HANDLED;
}

TG_TEST(async_long_polling_on_the_loop) {
    tg_bot *b;
    tg_polling_opts po;
    const char *reqs;
    int i;
    char want[32], k1[16] = "message", k2[16] = "callback_query";
    const char *au[2];
    au[0] = k1; au[1] = k2;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = async_bot(4, 0, false, 0);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":30,\"text\":\"v\"}");
    CHECK(tg_dispatcher_new(&lp_d, b, NULL) == TG_OK);
    tg_on_update(lp_d, "message", lp2_on_message, NULL);
    lp_handled = lp_done = lp_ok = 0;
    memset(&po, 0, sizeof po);
    po.timeout_s = 1;
    po.limit = 7;                                         /* several batches */
    po.allowed_updates = au; po.allowed_updates_count = 2;
    CHECK(tg_polling_start(lp_d, &po) == TG_OK);
    strcpy(k1, "changed"); au[1] = NULL;                 /* the caller's array need not outlive the start */
    CHECK(tg_polling_active(lp_d));
    tg_run(b);                                            /* until polling stopped and everything ended */
    CHECK(!tg_polling_active(lp_d) && tg_polling_result(lp_d) == TG_OK);
    CHECK_EQ_INT(lp_handled, 30);
    CHECK_EQ_INT(lp_ok, 30);
    reqs = ctl("GET", "/_ctl/requests", NULL);
    for (i = 1; i <= 30; i++) {
        snprintf(want, sizeof want, "\"re v %d\"", i);
        if (async_count(reqs, want) != 1) { CHECK_EQ_INT(async_count(reqs, want), 1); break; }
    }
    /* every poll asked for the kinds given (the last getUpdates only confirms: no parameters but offset) */
    CHECK_EQ_INT(async_count(reqs, "\"allowed_updates\": [\"message\", \"callback_query\"]"), ctl_count("getUpdates") - 1);
    CHECK(ctl_count("getUpdates") >= 2 && !strstr(reqs, "changed"));
    CHECK(strstr(ctl("GET", "/_ctl/state", NULL), "\"offset\": 31") != NULL);
    tg_dispatcher_free(lp_d);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);
}

/* TLS sessions are resumed across the pool: after one full handshake, the connections the pool
   opens for calls in flight together resume it (nginx keeps sessions; Python's TLS server does not) */
TG_TEST(async_pool_resumes_tls_sessions) {
    const char *url = getenv("TG_NGINX_TLS");
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    char ca[512];
    uint32_t i, fresh = 0, resumed = 0;
    if (!url) SKIP("TG_NGINX_TLS not set (nginx not installed)");
#if TGBOT__TLS_NONE
    SKIP("no TLS in this build");
#endif
    snprintf(ca, sizeof ca, "%s/ca.pem", getenv("TG_TLS_DIR") ? getenv("TG_TLS_DIR") : ".");
    memset(&d, 0, sizeof d);
    d.token = BOT_TOKEN;
    d.base_url = url;
    d.tls.ca_file = ca;
    d.platform.sleep_ms = fake_sleep;
    d.engine.max_connections = 4;
    d.breaker.disabled = true;
    d.ratelimit.disabled = true;
    if (tg_bot_new(&b, &d, &e) != TG_OK) { fprintf(stderr, "    tg_bot_new: %s\n", e.description); CHECK(0); return; }
    CHECK(tg_call(b, "getMe", NULL, NULL) == TG_OK);              /* the full handshake */
    CHECK(b->npool == 1 && !tg__http_tls_resumed(b->pool[0]));
    for (i = 0; i < 8; i++) {
        tg_async o;
        memset(&o, 0, sizeof o);
        CHECK(tg_call_async(b, "getMe", NULL, &o, NULL) == TG_ERR_PENDING);
    }
    while (tg_loop_pending(b)) tg_loop_step(b, -1);
    for (i = 1; i < b->npool; i++) {
        if (tg__http_tls_resumed(b->pool[i])) resumed++;
        else fresh++;
    }
    fprintf(stderr, "    (pool: %u connections after the first, %u resumed)\n", (unsigned)(b->npool - 1), (unsigned)resumed);
    CHECK(b->npool >= 2);                                         /* calls were in flight together */
    CHECK_EQ_INT(fresh, 0);                                       /* and every new connection resumed */
    tg_bot_free(b);
}
