/* updates: dispatcher routing, middleware, plugins, events, every update kind, and long polling
   with a real child process stopped by SIGTERM mid-batch (exactly once) or killed (at least once). */
#include <sys/wait.h>

static char upd_log[512];
static void upd_note(const char *s) {
    size_t n = strlen(upd_log);
    snprintf(upd_log + n, sizeof upd_log - n, "%s%s", n ? "," : "", s);
}

static tg_err upd_dispatch_json(tg_dispatcher *d, tg_bot *b, const char *json) {
    char *buf = tg_arena_strndup(tg_bot_arena(b), json, strlen(json));
    tg_json_tok *toks = (tg_json_tok *)tg_arena_alloc(tg_bot_arena(b), 4096 * sizeof *toks);
    tg_json_doc doc;
    tg_json_value v;
    if (tg_json_parse(&doc, buf, strlen(json), toks, 4096, NULL) != TG_OK) return TG_ERR_JSON;
    v.doc = &doc; v.tok = 0;
    return tg_dispatch(d, &v);
}

static int h_cmd(tg_ctx *ctx, void *ud) {
    char s[128];
    snprintf(s, sizeof s, "%s:%s[%s]", (const char *)ud, ctx->command, ctx->args);
    upd_note(s);
    return TG_HANDLED;
}
static int h_note(tg_ctx *ctx, void *ud) { (void)ctx; upd_note((const char *)ud); return TG_HANDLED; }
static int h_pass(tg_ctx *ctx, void *ud) { (void)ctx; upd_note((const char *)ud); return TG_CONTINUE; }
static int mw_note(tg_ctx *ctx, bool after, void *ud) {
    char s[32];
    (void)ctx;
    snprintf(s, sizeof s, "%s%s", after ? "after-" : "before-", (const char *)ud);
    upd_note(s);
    return strcmp((const char *)ud, "stop") == 0 && !after;
}

#define MSG(text) "{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":42,\"type\":\"private\"}," \
                  "\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"A\"},\"text\":\"" text "\"}}"

TG_TEST(updates_command_parsing) {
    tg_bot *b = test_bot(NULL);
    tg_dispatcher *d;
    if (!b) { CHECK(b != NULL); return; }
    CHECK(tg_dispatcher_new(&d, b, NULL) == TG_OK);
    tg_set_bot_username(d, "tgbot_test_bot");
    tg_on_command(d, "/start", h_cmd, (void *)"start");
    tg_on_command(d, "help", h_cmd, (void *)"help");
    tg_on_fallback(d, h_note, (void *)"fallback");
    upd_log[0] = '\0';
    upd_dispatch_json(d, b, MSG("/start"));
    upd_dispatch_json(d, b, MSG("/start@tgbot_test_bot ref_42  more"));
    upd_dispatch_json(d, b, MSG("/START@TGBOT_TEST_BOT"));
    upd_dispatch_json(d, b, MSG("/start@other_bot"));          /* another bot's command: not ours */
    upd_dispatch_json(d, b, MSG("/help\\nline two"));
    upd_dispatch_json(d, b, MSG("just text /start"));
    upd_dispatch_json(d, b, MSG("/"));
    CHECK_STR(upd_log, "start:start[],start:start[ref_42  more],fallback,fallback,help:help[line two],fallback,fallback");
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

TG_TEST(updates_callbacks_middleware_order) {
    tg_bot *b = test_bot(NULL);
    tg_dispatcher *d;
    static const char cb[] = "{\"update_id\":2,\"callback_query\":{\"id\":\"q\",\"from\":{\"id\":1,\"is_bot\":false,"
        "\"first_name\":\"A\"},\"chat_instance\":\"c\",\"data\":\"page:2\",\"message\":{\"message_id\":9,\"date\":1,"
        "\"chat\":{\"id\":-100,\"type\":\"supergroup\"}}}}";
    if (!b) { CHECK(b != NULL); return; }
    tg_dispatcher_new(&d, b, NULL);
    tg_use(d, mw_note, (void *)"log");
    tg_use(d, mw_note, (void *)"auth");
    tg_on_callback(d, "menu:", h_note, (void *)"menu");
    tg_on_callback(d, "page:", h_pass, (void *)"page-pass");   /* says "continue" */
    tg_on_update(d, "callback_query", h_note, (void *)"any-callback");
    upd_log[0] = '\0';
    upd_dispatch_json(d, b, cb);
    CHECK_STR(upd_log, "before-log,before-auth,page-pass,any-callback,after-auth,after-log");
    tg_dispatcher_free(d);
    tg_dispatcher_new(&d, b, NULL);
    tg_use(d, mw_note, (void *)"stop");                          /* short-circuits the chain */
    tg_on_update(d, NULL, h_note, (void *)"handler");
    upd_log[0] = '\0';
    upd_dispatch_json(d, b, cb);
    CHECK_STR(upd_log, "before-stop,after-stop");
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

static tg_err plug_init(tg_dispatcher *d, void *ud) { char s[32]; snprintf(s, sizeof s, "init-%s", (const char *)ud); upd_note(s); (void)d; return TG_OK; }
static void plug_stop(tg_dispatcher *d, void *ud) { char s[32]; snprintf(s, sizeof s, "stop-%s", (const char *)ud); upd_note(s); (void)d; }

TG_TEST(updates_plugins_start_in_order_stop_in_reverse) {
    tg_bot *b = test_bot(NULL);
    tg_dispatcher *d;
    static const tg_plugin p1 = { "metrics", plug_init, plug_stop, (void *)"a" };
    static const tg_plugin p2 = { "auth", plug_init, plug_stop, (void *)"b" };
    if (!b) { CHECK(b != NULL); return; }
    tg_dispatcher_new(&d, b, NULL);
    upd_log[0] = '\0';
    CHECK(tg_add_plugin(d, &p1) == TG_OK && tg_add_plugin(d, &p2) == TG_OK);
    tg_dispatcher_free(d);
    CHECK_STR(upd_log, "init-a,init-b,stop-b,stop-a");
    tg_bot_free(b);
}

static int ev_counts[8];
static void ev_count(const tg_event *e, void *ud) { (void)ud; ev_counts[e->type]++; }
static int h_reply(tg_ctx *ctx, void *ud) { (void)ud; tg_reply(ctx, "pong"); return TG_HANDLED; }

TG_TEST(updates_events_fire) {
    tg_bot *b;
    tg_dispatcher *d;
    tg_events ev;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    tg_dispatcher_new(&d, b, NULL);
    memset(&ev, 0, sizeof ev);
    ev.on_update = ev.on_sent = ev.on_error = ev.on_retry = ev.on_rate_limited = ev.on_shutdown = ev_count;
    tg_set_events(d, &ev);
    memset(ev_counts, 0, sizeof ev_counts);
    tg_on_update(d, "message", h_reply, NULL);
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/fault", "{\"method\":\"sendMessage\",\"kind\":\"429\",\"retry_after\":1}");
    upd_dispatch_json(d, b, MSG("ping"));                   /* 429, retry, then sent */
    CHECK(ev_counts[TG_EVENT_UPDATE] == 1 && ev_counts[TG_EVENT_RATE_LIMITED] == 1);
    CHECK(ev_counts[TG_EVENT_RETRY] == 1 && ev_counts[TG_EVENT_SENT] == 1);
    ctl("POST", "/_ctl/result", "{\"method\":\"sendMessage\",\"error\":{\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}}");
    upd_dispatch_json(d, b, MSG("ping"));
    CHECK(ev_counts[TG_EVENT_ERROR] == 1);
    ctl("POST", "/_ctl/reset", NULL);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

/* every field of Update in the spec reaches a handler registered for its kind */
static int kind_hits;
static int h_kind(tg_ctx *ctx, void *ud) { if (strcmp(ctx->kind, (const char *)ud) == 0) kind_hits++; return TG_HANDLED; }

TG_TEST(updates_every_kind_reaches_its_handler) {
    const tg__type *ut = &tg__types[TG_TYPE_UPDATE];
    tg_bot *b = test_bot(NULL);
    uint16_t f;
    int kinds = 0;
    if (!b) { CHECK(b != NULL); return; }
    kind_hits = 0;
    for (f = 0; f < ut->n; f++) {
        const tg__field *fd = TG__FIELD(ut, f);
        const char *fname = tg__name_at(fd->name);
        size_t c;
        char json[8192];
        tg_dispatcher *d;
        if (strcmp(fname, "update_id") == 0) continue;
        for (c = 0; c < sizeof api_type_cases / sizeof api_type_cases[0]; c++)
            if ((uint16_t)api_type_cases[c].id == fd->type) break;
        if (c == sizeof api_type_cases / sizeof api_type_cases[0]) { CHECK(0 && "no instance for an update kind"); continue; }
        snprintf(json, sizeof json, "{\"update_id\":%d,\"%s\":%s}", 100 + f, fname, api_type_cases[c].json);
        tg_dispatcher_new(&d, b, NULL);
        tg_set_bot_username(d, "tgbot_test_bot");
        tg_on_update(d, fname, h_kind, (void *)(uintptr_t)fname);
        CHECK(upd_dispatch_json(d, b, json) == TG_OK);
        tg_dispatcher_free(d);
        tg_bot_reset(b);
        kinds++;
    }
    CHECK(kinds >= 20 && kind_hits == kinds);
    {   /* a kind newer than this build is routed by name too */
        tg_dispatcher *d;
        tg_dispatcher_new(&d, b, NULL);
        tg_on_update(d, "community_post", h_kind, (void *)"community_post");
        kind_hits = 0;
        CHECK(upd_dispatch_json(d, b, "{\"update_id\":5,\"community_post\":{\"x\":1}}") == TG_OK && kind_hits == 1);
        tg_dispatcher_free(d);
    }
    tg_bot_free(b);
}

/* ---- long polling: back-off on errors, and 401/409 stop it with a clear report ---- */
static char upd_logs[2048];
static void upd_logger(void *ud, tg_log_level lvl, const char *msg) {
    size_t n = strlen(upd_logs);
    (void)ud; (void)lvl;
    snprintf(upd_logs + n, sizeof upd_logs - n, "%s\n", msg);
}
static int h_stop(tg_ctx *ctx, void *ud) { (*(int *)ud)++; tg_stop(ctx->dispatcher); return TG_HANDLED; }
/* an injected clock that moves only when the library sleeps: waits are then exact on any host */
static uint64_t upd_clock = 1000000;
static uint64_t upd_now(void *ud) { (void)ud; return upd_clock; }
static void upd_sleep(void *ud, uint32_t ms) { fake_sleep(ud, ms); upd_clock += ms; }

TG_TEST(updates_polling_backs_off_and_reports_401_409) {
    tg_bot_desc bd;
    tg_bot *b = NULL;
    tg_dispatcher *d;
    tg_polling_opts o;
    tg_error e;
    int handled = 0;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    memset(&bd, 0, sizeof bd);
    bd.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    bd.base_url = fake_url();
    bd.max_retries = 1;
    bd.platform.sleep_ms = upd_sleep;
    bd.platform.now_ms = upd_now;
    bd.logger.fn = upd_logger;
    CHECK(tg_bot_new(&b, &bd, &e) == TG_OK);
    if (!b) return;
    tg_dispatcher_new(&d, b, NULL);
    tg_on_update(d, "message", h_stop, &handled);
    memset(&o, 0, sizeof o);
    o.timeout_s = 1;
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":1}");
    /* 429 honours retry_after; then 5xx beyond the call's own retries: the loop backs off and goes on */
    ctl("POST", "/_ctl/fault", "{\"method\":\"getUpdates\",\"kind\":\"429\",\"retry_after\":4,\"count\":1}");
    slept_ms = sleeps = 0;
    CHECK(tg_run_polling(d, &o) == TG_OK && handled == 1);
    /* retry_after honoured: 4 s waited before the retry, in one wait */
    CHECK(sleeps == 1 && slept_ms >= 4000 && slept_ms <= 4100);
    ctl("POST", "/_ctl/updates", "{\"count\":1}");
    ctl("POST", "/_ctl/fault", "{\"method\":\"getUpdates\",\"kind\":\"502\",\"count\":6}");
    slept_ms = sleeps = 0;
    CHECK(tg_run_polling(d, &o) == TG_OK && handled == 2);   /* delivered once, after the faults */
    CHECK(sleeps == 6 && slept_ms >= 1000);
    CHECK(ctl_count("getUpdates") >= 2 + 7);
    /* 409 and 401 are not retried forever: the loop stops and says why */
    upd_logs[0] = '\0';
    ctl("POST", "/_ctl/result", "{\"method\":\"getUpdates\",\"error\":{\"error_code\":409,\"description\":"
        "\"Conflict: can't use getUpdates method while webhook is active\"}}");
    CHECK(tg_run_polling(d, &o) != TG_OK && tg_error_is_conflict(tg_bot_last_error(b)));
    CHECK(strstr(upd_logs, "409 Conflict") != NULL);
    ctl("POST", "/_ctl/result", "{\"method\":\"getUpdates\",\"error\":{\"error_code\":401,\"description\":\"Unauthorized\"}}");
    CHECK(tg_run_polling(d, &o) != TG_OK && tg_error_is_unauthorized(tg_bot_last_error(b)));
    CHECK(strstr(upd_logs, "401 Unauthorized") != NULL);
    CHECK(strstr(upd_logs, "ABCDEFGHIJKLMNOP") == NULL);     /* the token never reaches a log line */
    CHECK(handled == 2);
    ctl("POST", "/_ctl/reset", NULL);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

/* ---- long polling with a real child process ---- */
static int poll_fd_out = -1, poll_fd_in = -1, poll_block_at = 0;
static FILE *poll_rec;
static int h_record(tg_ctx *ctx, void *ud) {
    (void)ud;
    fprintf(poll_rec, "%lld\n", (long long)ctx->update->update_id);
    fflush(poll_rec);
    if (ctx->update->update_id == poll_block_at) {
        char c = 1;
        if (write(poll_fd_out, &c, 1) != 1) return TG_HANDLED;        /* tell the parent we are mid-batch */
        if (read(poll_fd_in, &c, 1) != 1) return TG_HANDLED;          /* wait until it has sent the signal */
    }
    return TG_HANDLED;
}

static pid_t poll_child(const char *rec_path, int block_at, int to_parent, int from_parent) {
    pid_t pid = fork();
    if (pid == 0) {
        tg_bot *b = test_bot(NULL);
        tg_dispatcher *d;
        tg_polling_opts o;
        poll_rec = fopen(rec_path, "a");
        poll_block_at = block_at; poll_fd_out = to_parent; poll_fd_in = from_parent;
        tg_dispatcher_new(&d, b, NULL);
        tg_on_update(d, "message", h_record, NULL);
        memset(&o, 0, sizeof o);
        o.timeout_s = 1;
        o.handle_signals = true;
        tg_run_polling(d, &o);
        fclose(poll_rec);
        _exit(0);
    }
    return pid;
}

static int poll_counts(const char *path, int *counts, int n) {
    FILE *f = fopen(path, "r");
    long long id;
    int total = 0;
    memset(counts, 0, (size_t)n * sizeof *counts);
    if (!f) return 0;
    while (fscanf(f, "%lld", &id) == 1) { if (id > 0 && id < n) counts[id]++; total++; }
    fclose(f);
    return total;
}

static bool poll_wait_offset(int64_t want) {
    char path[64];
    snprintf(path, sizeof path, "/_ctl/wait?offset=%lld&timeout=20", (long long)want);   /* blocks server-side */
    return strstr(ctl("GET", path, NULL), "\"ok\": true") != NULL;
}

TG_TEST(updates_polling_sigterm_mid_batch_is_exactly_once) {
    char rec[] = "/tmp/tgbot_poll_XXXXXX";
    int fd = mkstemp(rec), to_parent[2], from_parent[2], counts[16], i, st = 0, total;
    pid_t pid;
    char c;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    CHECK(fd >= 0 && pipe(to_parent) == 0 && pipe(from_parent) == 0);
    close(fd);
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":10}");            /* ids 1..10 in one batch */
    pid = poll_child(rec, 4, to_parent[1], from_parent[0]);
    CHECK(read(to_parent[0], &c, 1) == 1);                     /* the child is handling update 4 */
    kill(pid, SIGTERM);
    CHECK(write(from_parent[1], &c, 1) == 1);                  /* let the handler finish */
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(poll_wait_offset(5));                               /* 1..4 confirmed, 5..10 pending */
    pid = poll_child(rec, 0, to_parent[1], from_parent[0]);   /* restart */
    CHECK(poll_wait_offset(11));
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    total = poll_counts(rec, counts, 16);
    CHECK(total == 10);
    for (i = 1; i <= 10; i++) CHECK(counts[i] == 1);           /* none twice, none skipped */
    unlink(rec);
    close(to_parent[0]); close(to_parent[1]); close(from_parent[0]); close(from_parent[1]);
}

TG_TEST(updates_polling_kill9_redelivers_unconfirmed) {
    char rec[] = "/tmp/tgbot_poll_XXXXXX";
    int fd = mkstemp(rec), to_parent[2], from_parent[2], counts[16], i, st = 0;
    pid_t pid;
    char c;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    CHECK(fd >= 0 && pipe(to_parent) == 0 && pipe(from_parent) == 0);
    close(fd);
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":10}");
    pid = poll_child(rec, 3, to_parent[1], from_parent[0]);
    CHECK(read(to_parent[0], &c, 1) == 1);                     /* handling update 3 of the batch 1..10 */
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    pid = poll_child(rec, 0, to_parent[1], from_parent[0]);
    CHECK(poll_wait_offset(11));
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    poll_counts(rec, counts, 16);
    for (i = 1; i <= 3; i++) CHECK(counts[i] == 2);            /* the unconfirmed batch comes again */
    for (i = 4; i <= 10; i++) CHECK(counts[i] == 1);           /* nothing lost */
    unlink(rec);
    close(to_parent[0]); close(to_parent[1]); close(from_parent[0]); close(from_parent[1]);
}
