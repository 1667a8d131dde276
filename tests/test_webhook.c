/* webhook: the server runs in this process (tg_webhook_step) or in a forked child, on an ephemeral
   loopback port; real clients (curl, Python's http.client via tests/webhook_client.py) run as child
   processes. Every wait is on a child's exit or on the server's own counters, bounded by a deadline. */
#if TGBOT__HAS_WEBHOOK
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <time.h>
#include <poll.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define WH_SECRET "s3cr3t_T0ken-abc"
#define WH_PATH "/tg/hook"

static int64_t wh_seen[64];
static int wh_nseen;
static tg_err wh_reply_results[4];

static int wh_handler(tg_ctx *ctx, void *ud) {
    (void)ud;
    if (wh_nseen < 64) wh_seen[wh_nseen++] = ctx->update->update_id;
    if (ctx->message && ctx->message->text && strcmp(ctx->message->text, "reply") == 0) {
        wh_reply_results[0] = tg_webhook_reply(ctx, "sendGift", "{\"user_id\":1,\"gift_id\":\"g\"}");
        wh_reply_results[1] = tg_webhook_reply(ctx, "sendMessage", "{\"chat_id\":1,\"text\":\"x\",\"allow_paid_broadcast\":true}");
        wh_reply_results[2] = tg_webhook_reply_text(ctx, "echo: reply");
        wh_reply_results[3] = tg_webhook_reply(ctx, "sendMessage", "{\"chat_id\":1,\"text\":\"second\"}");
    }
    if (ctx->message && ctx->message->text && strcmp(ctx->message->text, "stop") == 0) tg_stop(ctx->dispatcher);
    return TG_HANDLED;
}

static int wh_shutdowns;
static void wh_on_shutdown(const tg_event *e, void *ud) { (void)ud; if (e->type == TG_EVENT_SHUTDOWN) wh_shutdowns++; }

/* an injected clock for the per-source limits: wh_fake_clock set before wh_start */
static bool wh_fake_clock;
static uint64_t wh_fake_ms;
static uint64_t wh_fake_now(void *ud) { (void)ud; return wh_fake_ms; }
/* the server's WARN lines, for the tests that look at them */
static char wh_warns[2048];
static void wh_log(void *ud, tg_log_level level, const char *msg) {
    size_t n = strlen(wh_warns);
    (void)ud;
    if (level <= TG_LOG_WARN && n + strlen(msg) + 2 < sizeof wh_warns) { strcat(wh_warns, msg); strcat(wh_warns, "\n"); }
}

static tg_bot *wh_bot(void) {
    tg_bot_desc d;
    tg_bot *b = NULL;
    tg_error e;
    memset(&d, 0, sizeof d);
    d.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    d.base_url = fake_url() ? fake_url() : "http://127.0.0.1:9";
    d.max_retries = 1;
    if (wh_fake_clock) d.platform.now_ms = wh_fake_now;
    d.logger.fn = wh_log;
    d.logger.level = TG_LOG_WARN;
    tg_bot_new(&b, &d, &e);
    return b;
}

static char wh_updbuf[8][512];
static const char *wh_update(int slot, int id, const char *text) {
    snprintf(wh_updbuf[slot], sizeof wh_updbuf[slot], "{\"update_id\":%d,\"message\":{\"message_id\":%d,\"date\":1732400000,"
             "\"chat\":{\"id\":42,\"type\":\"private\"},\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"A\"},"
             "\"text\":\"%s\"}}", id, id, text);
    return wh_updbuf[slot];
}

typedef struct wh_env { tg_bot *bot; tg_dispatcher *d; tg_webhook *w; } wh_env;

/* the tests written before the threat score was on by default make many refusals from 127.0.0.1:
   they run without it unless they set block_score (or wh_default_hardening) themselves */
static bool wh_default_hardening;
static bool wh_start(wh_env *env, tg_webhook_desc *desc) {
    tg_error e;
    if (!desc->block_score && !wh_default_hardening) desc->block_score = TG_WEBHOOK_UNLIMITED;
    memset(env, 0, sizeof *env);
    wh_nseen = 0;
    env->bot = wh_bot();
    if (!env->bot || tg_dispatcher_new(&env->d, env->bot, NULL) != TG_OK) return false;
    tg_on_update(env->d, NULL, wh_handler, NULL);
    if (!desc->host) desc->host = "127.0.0.1";
    if (!desc->path) desc->path = WH_PATH;
    if (tg_webhook_new(&env->w, env->d, desc, &e) != TG_OK) {
        fprintf(stderr, "    tg_webhook_new: %s\n", e.description);
        return false;
    }
    return true;
}

static void wh_end(wh_env *env) {
    tg_webhook_free(env->w);
    if (env->d) tg_dispatcher_free(env->d);
    if (env->bot) tg_bot_free(env->bot);
    wh_fake_clock = false;
    wh_default_hardening = false;
}

static uint64_t wh_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* starts argv[0] with its stdout on a non-blocking pipe */
static pid_t wh_spawn(char *const argv[], int *out_fd) {
    int p[2];
    pid_t pid;
    if (pipe(p) != 0) return -1;
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]); close(p[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL, 0) | O_NONBLOCK);
    *out_fd = p[0];
    return pid;
}

static void wh_drain(int fd, char *out, size_t cap, size_t *len) {
    for (;;) {
        ssize_t r = read(fd, out + *len, cap - 1 - *len);
        if (r <= 0) break;
        *len += (size_t)r;
    }
    out[*len] = '\0';
}

/* serves (when w is set) until the child exits; its stdout in out; its exit status, -1 on timeout */
static int wh_serve_until_exit(tg_webhook *w, pid_t pid, int fd, char *out, size_t cap) {
    uint64_t deadline = wh_now() + 20000;
    size_t len = 0;
    int status = -1;
    out[0] = '\0';
    for (;;) {
        pid_t r;
        if (w) tg_webhook_step(w, 20);
        wh_drain(fd, out, cap, &len);
        r = waitpid(pid, &status, w ? WNOHANG : 0);
        if (r == pid) break;
        if (wh_now() > deadline) { kill(pid, SIGKILL); waitpid(pid, &status, 0); status = -1; break; }
    }
    wh_drain(fd, out, cap, &len);
    close(fd);
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char wh_url[256];
static const char *wh_mkurl(const tg_webhook *w, const char *scheme, const char *path) {
    snprintf(wh_url, sizeof wh_url, "%s://127.0.0.1:%u%s", scheme, (unsigned)tg_webhook_port(w), path);
    return wh_url;
}

/* one curl POST; returns the status code, the body in body */
static int wh_curl(tg_webhook *w, const char *url, const char *secret, const char *data, const char *extra_hdr,
                   const char *cacert, char *body, size_t cap) {
    char hdr[320], *argv[24], *nl;
    int n = 0, fd, code = 0;
    pid_t pid;
    argv[n++] = (char *)"curl"; argv[n++] = (char *)"-s"; argv[n++] = (char *)"-g"; argv[n++] = (char *)"-w"; argv[n++] = (char *)"\n%{http_code}";
    argv[n++] = (char *)"-H"; argv[n++] = (char *)"Content-Type: application/json";
    if (secret) { snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", secret); argv[n++] = (char *)"-H"; argv[n++] = hdr; }
    if (extra_hdr) { argv[n++] = (char *)"-H"; argv[n++] = (char *)extra_hdr; }
    if (cacert) { argv[n++] = (char *)"--cacert"; argv[n++] = (char *)cacert; }
    if (data) { argv[n++] = (char *)"--data-binary"; argv[n++] = (char *)data; }
    argv[n++] = (char *)url;
    argv[n] = NULL;
    pid = wh_spawn(argv, &fd);
    if (pid < 0) return -1;
    if (wh_serve_until_exit(w, pid, fd, body, cap) != 0) return -1;
    nl = strrchr(body, '\n');
    if (nl) { code = atoi(nl + 1); *nl = '\0'; }
    return code;
}

static int wh_py(tg_webhook *w, char *const args[], char *out, size_t cap) {
    char *argv[16];
    int n = 0, fd;
    pid_t pid;
    argv[n++] = (char *)"python3"; argv[n++] = (char *)"tests/webhook_client.py";
    while (*args && n < 15) argv[n++] = *args++;
    argv[n] = NULL;
    pid = wh_spawn(argv, &fd);
    if (pid < 0) return -1;
    return wh_serve_until_exit(w, pid, fd, out, cap);
}

static tg_webhook_stats wh_stats(const tg_webhook *w) { tg_webhook_stats s; tg_webhook_get_stats(w, &s); return s; }

TG_TEST(webhook_secret_dispatch_and_refusals) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    char body[4096], big[3000], bighdr[9100];
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_body_bytes = 2048;
    desc.max_header_bytes = 4096;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK(tg_webhook_port(env.w) != 0);
    /* right secret: dispatched, the handler saw it */
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 7001, "hello"), NULL, NULL, body, sizeof body), 200);
    CHECK_EQ_INT(wh_nseen, 1);
    CHECK(wh_nseen == 1 && wh_seen[0] == 7001);
    /* wrong and missing secret: refused, not dispatched */
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), "s3cr3t_T0ken-abd", wh_update(0, 7002, "x"), NULL, NULL, body, sizeof body), 403);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), "short", wh_update(0, 7003, "x"), NULL, NULL, body, sizeof body), 403);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), NULL, wh_update(0, 7004, "x"), NULL, NULL, body, sizeof body), 401);
    CHECK_EQ_INT(wh_nseen, 1);
    /* oversized body, malformed JSON, a JSON value that is not an object */
    memset(big, 'a', sizeof big - 1); big[sizeof big - 1] = '\0';
    big[0] = '"'; big[sizeof big - 2] = '"';
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, big, NULL, NULL, body, sizeof body), 413);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, "{\"update_id\":1,\"message\":", NULL, NULL, body, sizeof body), 400);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, "[1,2]", NULL, NULL, body, sizeof body), 400);
    /* head over the limit, other path, other method */
    snprintf(bighdr, sizeof bighdr, "X-Big: %0*d", 9000, 0);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 7005, "x"), bighdr, NULL, body, sizeof body), 431);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", "/other"), WH_SECRET, wh_update(0, 7006, "x"), NULL, NULL, body, sizeof body), 404);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, NULL, NULL, NULL, body, sizeof body), 405);
    CHECK_EQ_INT(wh_nseen, 1);
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.dispatched, 1);
    CHECK_EQ_INT(s.forbidden, 2);
    CHECK_EQ_INT(s.unauthorized, 1);
    CHECK_EQ_INT(s.body_too_large, 1);
    CHECK_EQ_INT(s.bad_json, 2);
    CHECK_EQ_INT(s.header_too_large, 1);
    CHECK_EQ_INT(s.not_found, 1);
    CHECK_EQ_INT(s.method_not_allowed, 1);
    CHECK_EQ_INT(s.requests, 9);              /* ten requests; the 431 head never parsed */
    CHECK_EQ_INT(s.connections, 10);
    CHECK_EQ_INT(s.timeouts, 0);
    wh_end(&env);
}

TG_TEST(webhook_raw_http_errors) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    char out[512], port[8];
    char *bad[] = { (char *)"raw", port, (char *)"GARBAGE\\r\\n\\r\\n", NULL };
    char *nolen[] = { (char *)"raw", port, (char *)"POST " WH_PATH " HTTP/1.1\\r\\nHost: x\\r\\nX-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\\r\\n\\r\\n", NULL };
    char *chunked[] = { (char *)"raw", port, (char *)"POST " WH_PATH " HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nX-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\\r\\n\\r\\n2\\r\\n{}\\r\\n0\\r\\n\\r\\n", NULL };
    static char big[4096 + 256];
    char *toobig[] = { (char *)"raw", port, big, NULL };
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_body_bytes = 1024;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    /* no "Expect: 100-continue": the body is on its way when 413 goes out (lingering close) */
    snprintf(big, sizeof big, "POST " WH_PATH " HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4000\\r\\n"
             "X-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\\r\\n\\r\\n");
    memset(big + strlen(big), 'a', 4000);
    CHECK_EQ_INT(wh_py(env.w, toobig, out, sizeof out), 0);
    CHECK_STR(out, "HTTP/1.1 413 Content Too Large\n");
    CHECK_EQ_INT(wh_py(env.w, bad, out, sizeof out), 0);
    CHECK_STR(out, "HTTP/1.1 400 Bad Request\n");
    CHECK_EQ_INT(wh_py(env.w, nolen, out, sizeof out), 0);
    CHECK_STR(out, "HTTP/1.1 411 Length Required\n");
    CHECK_EQ_INT(wh_py(env.w, chunked, out, sizeof out), 0);
    CHECK_STR(out, "HTTP/1.1 411 Length Required\n");
    {   /* a request that arrives in pieces, split inside the head and the body */
        char *tr[] = { (char *)"trickle", port, (char *)WH_PATH, (char *)WH_SECRET, NULL, NULL };
        tr[4] = (char *)wh_update(0, 601, "trickled");
        CHECK_EQ_INT(wh_py(env.w, tr, out, sizeof out), 0);
        CHECK_STR(out, "200\n");
        CHECK_EQ_INT(wh_nseen, 1);
    }
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.bad_request, 1);
    CHECK_EQ_INT(s.length_required, 2);
    CHECK_EQ_INT(s.body_too_large, 1);
    CHECK_EQ_INT(s.dispatched, 1);
    wh_end(&env);
}

TG_TEST(webhook_keepalive_and_pipelining) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    char out[2048], port[8], a[600], b[600], c[600], d[600];
    char *ka[] = { (char *)"keepalive", port, (char *)WH_PATH, (char *)WH_SECRET, NULL, NULL, NULL, NULL };
    char *pl[] = { (char *)"pipeline", port, (char *)WH_PATH, a, b, c, d, NULL };
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    /* three requests, one after the other, on one connection */
    ka[4] = (char *)wh_update(0, 1, "one"); ka[5] = (char *)wh_update(1, 2, "two"); ka[6] = (char *)wh_update(2, 3, "three");
    CHECK_EQ_INT(wh_py(env.w, ka, out, sizeof out), 0);
    CHECK_STR(out, "200 \n200 \n200 \n");
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.connections, 1);
    CHECK_EQ_INT(s.dispatched, 3);
    /* four requests written at once (one with a wrong secret, whose body is skipped), answered in order */
    snprintf(a, sizeof a, "%s:%s", wh_update(0, 11, "p1"), WH_SECRET);
    snprintf(b, sizeof b, "%s:%s", wh_update(1, 12, "p2"), "wrong");
    snprintf(c, sizeof c, "%s:%s", wh_update(2, 13, "reply"), WH_SECRET);
    snprintf(d, sizeof d, "%s:%s", wh_update(3, 14, "p4"), WH_SECRET);
    CHECK_EQ_INT(wh_py(env.w, pl, out, sizeof out), 0);
    CHECK_STR(out, "200 \n403 \n200 {\"method\":\"sendMessage\",\"chat_id\":42,\"text\":\"echo: reply\"}\n200 \n");
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.connections, 2);
    CHECK_EQ_INT(s.dispatched, 6);
    CHECK_EQ_INT(s.forbidden, 1);
    CHECK_EQ_INT(s.replied_with_method, 1);
    CHECK_EQ_INT(wh_nseen, 6);
    CHECK(wh_nseen == 6 && wh_seen[0] == 1 && wh_seen[2] == 3 && wh_seen[3] == 11 && wh_seen[4] == 13 && wh_seen[5] == 14);
    wh_end(&env);
}

TG_TEST(webhook_reply_with_method) {
    wh_env env;
    tg_webhook_desc desc;
    char body[1024];
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    memset(wh_reply_results, 0xff, sizeof wh_reply_results);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 99, "reply"), NULL, NULL, body, sizeof body), 200);
    CHECK_STR(body, "{\"method\":\"sendMessage\",\"chat_id\":42,\"text\":\"echo: reply\"}");
    CHECK_EQ_INT(wh_reply_results[0], TG_ERR_ARG);       /* sendGift spends Stars: refused */
    CHECK_EQ_INT(wh_reply_results[1], TG_ERR_ARG);       /* allow_paid_broadcast: refused */
    CHECK_EQ_INT(wh_reply_results[2], TG_OK);
    CHECK_EQ_INT(wh_reply_results[3], TG_ERR_LIMIT);     /* one call per update */
    CHECK_EQ_INT(wh_stats(env.w).replied_with_method, 1);
    wh_end(&env);
    {   /* outside a webhook delivery there is no response body to put it in */
        tg_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.chat_id = 1;
        CHECK_EQ_INT(tg_webhook_reply_text(&ctx, "x"), TG_ERR_UNSUPPORTED);
    }
}

TG_TEST(webhook_slow_client_dropped) {
    wh_env env;
    tg_webhook_desc desc;
    char out[256], port[8];
    char *slow[] = { (char *)"slow", port, (char *)WH_PATH, NULL };
    int fd, status = -1;
    pid_t pid;
    uint64_t deadline;
    char *argv[8];
    size_t len = 0;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.read_timeout_ms = 300;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    argv[0] = (char *)"python3"; argv[1] = (char *)"tests/webhook_client.py";
    argv[2] = slow[0]; argv[3] = slow[1]; argv[4] = slow[2]; argv[5] = NULL;
    pid = wh_spawn(argv, &fd);
    CHECK(pid > 0);
    /* the server's own counter says when it dropped the client */
    deadline = wh_now() + 20000;
    out[0] = '\0';
    while (wh_stats(env.w).timeouts == 0 && wh_now() < deadline) tg_webhook_step(env.w, 50);
    CHECK_EQ_INT(wh_stats(env.w).timeouts, 1);
    CHECK_EQ_INT(wh_serve_until_exit(env.w, pid, fd, out, sizeof out), 0);
    (void)len; (void)status;
    CHECK_STR(out, "closed\n");
    CHECK_EQ_INT(wh_stats(env.w).connections_open, 0);
    {   /* a whole head, then a body that stalls */
        char *slow_body[] = { (char *)"slow", port, (char *)WH_PATH, (char *)WH_SECRET, NULL };
        CHECK_EQ_INT(wh_py(env.w, slow_body, out, sizeof out), 0);     /* returns once the server hung up */
        CHECK_STR(out, "closed\n");
        CHECK_EQ_INT(wh_stats(env.w).timeouts, 2);
    }
    CHECK_EQ_INT(wh_stats(env.w).dispatched, 0);
    wh_end(&env);
}

TG_TEST(webhook_https_curl) {
    wh_env env;
    tg_webhook_desc desc;
    char body[1024], cert[512], key[512], ca[512];
    const char *dir = getenv("TG_TLS_DIR");
#if TGBOT__TLS_NONE
    SKIP("built without TLS");
#endif
    if (!dir) SKIP("TG_TLS_DIR not set (run under tests/with_servers.sh)");
    snprintf(cert, sizeof cert, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.tls_cert_file = cert; desc.tls_key_file = key;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "https", WH_PATH), WH_SECRET, wh_update(0, 501, "tls"), NULL, ca, body, sizeof body), 200);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "https", WH_PATH), WH_SECRET, wh_update(0, 502, "reply"), NULL, ca, body, sizeof body), 200);
    CHECK_STR(body, "{\"method\":\"sendMessage\",\"chat_id\":42,\"text\":\"echo: reply\"}");
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "https", WH_PATH), "bad", wh_update(0, 503, "x"), NULL, ca, body, sizeof body), 403);
    CHECK_EQ_INT(wh_nseen, 2);
    CHECK_EQ_INT(wh_stats(env.w).dispatched, 2);
    CHECK_EQ_INT(wh_stats(env.w).forbidden, 1);
    {   /* keep-alive and pipelining over TLS (Python's ssl) */
        char out[1024], port[8], a[600], b[600], c[600];
        char *ka[] = { (char *)"keepalive", port, (char *)WH_PATH, (char *)WH_SECRET, NULL, NULL, NULL };
        char *pl[] = { (char *)"pipeline", port, (char *)WH_PATH, a, b, c, NULL };
        snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
        setenv("WH_CAFILE", ca, 1);
        ka[4] = (char *)wh_update(0, 511, "k1"); ka[5] = (char *)wh_update(1, 512, "k2");
        CHECK_EQ_INT(wh_py(env.w, ka, out, sizeof out), 0);
        CHECK_STR(out, "200 \n200 \n");
        snprintf(a, sizeof a, "%s:%s", wh_update(0, 521, "p1"), WH_SECRET);
        snprintf(b, sizeof b, "%s:%s", wh_update(1, 522, "reply"), WH_SECRET);
        snprintf(c, sizeof c, "%s:%s", wh_update(2, 523, "p3"), "wrong");
        CHECK_EQ_INT(wh_py(env.w, pl, out, sizeof out), 0);
        CHECK_STR(out, "200 \n200 {\"method\":\"sendMessage\",\"chat_id\":42,\"text\":\"echo: reply\"}\n403 \n");
        unsetenv("WH_CAFILE");
    }
    CHECK_EQ_INT(wh_nseen, 6);
    CHECK_EQ_INT(wh_stats(env.w).dispatched, 6);
    CHECK_EQ_INT(wh_stats(env.w).connections, 5);
    CHECK_EQ_INT(wh_stats(env.w).tls_failures, 0);
    wh_end(&env);
}

TG_TEST(webhook_stop_from_handler_answers_first) {
    wh_env env;
    tg_webhook_desc desc;
    char out[256], *argv[16], hdr[96];
    int fd, n = 0;
    pid_t pid;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    tg_events ev;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    memset(&ev, 0, sizeof ev);
    ev.on_shutdown = wh_on_shutdown;
    tg_set_events(env.d, &ev);
    wh_shutdowns = 0;
    snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", WH_SECRET);
    argv[n++] = (char *)"curl"; argv[n++] = (char *)"-s"; argv[n++] = (char *)"-o"; argv[n++] = (char *)"/dev/null";
    argv[n++] = (char *)"-w"; argv[n++] = (char *)"%{http_code}"; argv[n++] = (char *)"-H"; argv[n++] = hdr;
    argv[n++] = (char *)"--data-binary"; argv[n++] = (char *)wh_update(0, 77, "stop");
    argv[n++] = (char *)wh_mkurl(env.w, "http", WH_PATH); argv[n] = NULL;
    pid = wh_spawn(argv, &fd);
    CHECK(pid > 0);
    CHECK_EQ_INT(tg_webhook_run(env.w), TG_OK);        /* returns once the answer is out */
    CHECK_EQ_INT(wh_serve_until_exit(NULL, pid, fd, out, sizeof out), 0);
    CHECK_STR(out, "200");
    CHECK_EQ_INT(wh_nseen, 1);
    CHECK_EQ_INT(wh_shutdowns, 1);
    CHECK_EQ_INT(wh_stats(env.w).connections_open, 0);
    wh_end(&env);
}

TG_TEST(webhook_sigterm_child_stops_gracefully) {
    int pp[2], fd, status = -1;
    pid_t srv, pid;
    uint16_t port = 0;
    char url[128], out[256], *argv[16], hdr[96];
    int n = 0;
    if (pipe(pp) != 0) { CHECK(0); return; }
    srv = fork();
    if (srv == 0) {                    /* the server: a child process, stopped by SIGTERM */
        wh_env env;
        tg_webhook_desc desc;
        tg_err e;
        close(pp[0]);
        memset(&desc, 0, sizeof desc);
        desc.secret_token = WH_SECRET;
        desc.handle_signals = true;
        if (!wh_start(&env, &desc)) _exit(2);
        port = tg_webhook_port(env.w);
        if (write(pp[1], &port, sizeof port) != (ssize_t)sizeof port) _exit(3);
        close(pp[1]);
        e = tg_webhook_run(env.w);
        _exit(e == TG_OK && wh_nseen == 1 && wh_stats(env.w).dispatched == 1 ? 0 : 4);
    }
    close(pp[1]);
    CHECK(read(pp[0], &port, sizeof port) == (ssize_t)sizeof port);
    close(pp[0]);
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, WH_PATH);
    snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", WH_SECRET);
    argv[n++] = (char *)"curl"; argv[n++] = (char *)"-s"; argv[n++] = (char *)"-o"; argv[n++] = (char *)"/dev/null";
    argv[n++] = (char *)"-w"; argv[n++] = (char *)"%{http_code}"; argv[n++] = (char *)"-H"; argv[n++] = hdr;
    argv[n++] = (char *)"--data-binary"; argv[n++] = (char *)wh_update(0, 5, "hi"); argv[n++] = url; argv[n] = NULL;
    pid = wh_spawn(argv, &fd);
    CHECK_EQ_INT(wh_serve_until_exit(NULL, pid, fd, out, sizeof out), 0);
    CHECK_STR(out, "200");
    kill(srv, SIGTERM);
    waitpid(srv, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

TG_TEST(webhook_expect_continue) {
    wh_env env;
    tg_webhook_desc desc;
    char body[1024];
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    /* curl waits for "100 Continue" before it sends the body */
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 301, "c"), "Expect: 100-continue", NULL, body, sizeof body), 200);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), "nope", wh_update(0, 302, "c"), "Expect: 100-continue", NULL, body, sizeof body), 403);
    CHECK_EQ_INT(wh_nseen, 1);
    CHECK_EQ_INT(wh_stats(env.w).dispatched, 1);
    CHECK_EQ_INT(wh_stats(env.w).forbidden, 1);
    wh_end(&env);
}

TG_TEST(webhook_max_connections_and_idle) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    char out[512], port[8];
    char *many[] = { (char *)"many", port, (char *)WH_PATH, (char *)WH_SECRET, (char *)"3", NULL, NULL };
    char *idle[] = { (char *)"idle", port, (char *)WH_PATH, (char *)WH_SECRET, NULL, NULL };
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_connections = 2;
    desc.idle_timeout_ms = 200;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    many[5] = (char *)wh_update(0, 401, "m");
    CHECK_EQ_INT(wh_py(env.w, many, out, sizeof out), 0);
    /* three at once with room for two: the third takes the place of the oldest one that had not
       carried the secret yet (evicted). Which one that is depends on how the accepts and the first
       request interleave, so only the counts are fixed: one refused, two answered */
    {
        const char *p = out;
        int refused = 0, ok = 0;
        while ((p = strstr(p, "refused\n")) != NULL) { refused++; p++; }
        for (p = out; (p = strstr(p, "200\n")) != NULL; p++) ok++;
        CHECK_EQ_INT(refused, 1);
        CHECK_EQ_INT(ok, 2);
    }
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.connections, 3);
    CHECK_EQ_INT(s.evicted, 1);
    CHECK_EQ_INT(s.connections_refused, 0);
    CHECK_EQ_INT(s.dispatched, 2);
    idle[4] = (char *)wh_update(0, 402, "i");
    CHECK_EQ_INT(wh_py(env.w, idle, out, sizeof out), 0);   /* returns when the server hangs up */
    CHECK_STR(out, "200 closed\n");
    s = wh_stats(env.w);
    CHECK(s.idle_closed >= 1);
    CHECK_EQ_INT(s.timeouts, 0);
    wh_end(&env);
}

TG_TEST(webhook_own_poll_loop) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_fd fds[8];
    struct pollfd pfd[8];
    char out[256], *argv[16], hdr[96];
    int fd, n = 0, status = -1;
    size_t len = 0, k, nf;
    pid_t pid;
    uint64_t deadline;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK_EQ_INT(tg_webhook_fds(env.w, fds, 8), 1);            /* the listening socket */
    CHECK(fds[0].read && !fds[0].write);
    CHECK_EQ_INT(tg_webhook_timeout_ms(env.w), -1);
    snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", WH_SECRET);
    argv[n++] = (char *)"curl"; argv[n++] = (char *)"-s"; argv[n++] = (char *)"-o"; argv[n++] = (char *)"/dev/null";
    argv[n++] = (char *)"-w"; argv[n++] = (char *)"%{http_code}"; argv[n++] = (char *)"-H"; argv[n++] = hdr;
    argv[n++] = (char *)"--data-binary"; argv[n++] = (char *)wh_update(0, 88, "own loop");
    argv[n++] = (char *)wh_mkurl(env.w, "http", WH_PATH); argv[n] = NULL;
    pid = wh_spawn(argv, &fd);
    deadline = wh_now() + 20000;
    out[0] = '\0';
    while (waitpid(pid, &status, WNOHANG) != pid && wh_now() < deadline) {
        int t = tg_webhook_timeout_ms(env.w);
        nf = tg_webhook_fds(env.w, fds, 7);
        for (k = 0; k < nf && k < 7; k++) {
            pfd[k].fd = fds[k].fd; pfd[k].revents = 0;
            pfd[k].events = (short)((fds[k].read ? POLLIN : 0) | (fds[k].write ? POLLOUT : 0));
        }
        pfd[k].fd = fd; pfd[k].events = POLLIN; pfd[k].revents = 0;   /* the user's own descriptor */
        poll(pfd, k + 1, t < 0 || t > 20 ? 20 : t);
        CHECK(tg_webhook_step(env.w, 0) == TG_OK);
        wh_drain(fd, out, sizeof out, &len);
    }
    wh_drain(fd, out, sizeof out, &len);
    close(fd);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_STR(out, "200");
    CHECK_EQ_INT(wh_nseen, 1);
    wh_end(&env);
}

TG_TEST(webhook_survives_mangled_requests) {
    wh_env env;
    tg_webhook_desc desc;
    char out[256], port[8], body[256];
    char *garbage[] = { (char *)"garbage", port, (char *)WH_PATH, (char *)WH_SECRET, (char *)"20261202", (char *)"300", NULL };
    tg_webhook_stats s;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.read_timeout_ms = 2000;
    desc.max_body_bytes = 4096;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    CHECK_EQ_INT(wh_py(env.w, garbage, out, sizeof out), 0);
    CHECK_STR(out, "done 300\n");
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.connections, 300);
    CHECK_EQ_INT(s.connections_open, 0);
    /* still serving */
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 901, "after"), NULL, NULL, body, sizeof body), 200);
    CHECK(wh_nseen >= 1 && wh_seen[wh_nseen - 1] == 901);
    wh_end(&env);
}

TG_TEST(webhook_new_rejects_bad_descs) {
    tg_bot *b = wh_bot();
    tg_dispatcher *d = NULL;
    tg_webhook *w = NULL, *w2 = NULL;
    tg_webhook_desc desc;
    tg_error e;
    if (!b || tg_dispatcher_new(&d, b, NULL) != TG_OK) { CHECK(0); return; }
    memset(&desc, 0, sizeof desc);
    desc.host = "127.0.0.1";
    desc.secret_token = "not a valid secret";
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(w == NULL);
    desc.secret_token = WH_SECRET;
    desc.tls_cert_file = "cert.pem";                           /* a certificate without its key */
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    desc.tls_cert_file = NULL;
    desc.path = "no-slash";
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    desc.path = NULL;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_OK);
    if (w) {                                                    /* the same port twice */
        desc.port = tg_webhook_port(w);
        CHECK_EQ_INT(tg_webhook_new(&w2, d, &desc, &e), TG_ERR_CONNECT);
        CHECK(strstr(e.description, WH_SECRET) == NULL);
    }
    tg_webhook_free(w);
    tg_webhook_free(w2);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

TG_TEST(webhook_secret_helpers) {
    tg_bot *b = wh_bot();
    char sec[TG_WEBHOOK_SECRET_MAX + 1], long_secret[300];
    tg_set_webhook_args a;
    const char *reqs;
    if (!b) { CHECK(b != NULL); return; }
    CHECK(tg_webhook_secret_valid("abc_DEF-123"));
    CHECK(!tg_webhook_secret_valid(""));
    CHECK(!tg_webhook_secret_valid("123456:ABCDEF"));          /* a bot token is not a secret token */
    CHECK(!tg_webhook_secret_valid("has space"));
    memset(long_secret, 'a', 256); long_secret[256] = '\0';
    CHECK(tg_webhook_secret_valid(long_secret));
    long_secret[256] = 'a'; long_secret[257] = '\0';
    CHECK(!tg_webhook_secret_valid(long_secret));
    CHECK_EQ_INT(tg_webhook_secret_generate(b, sec, 0), TG_OK);
    CHECK_EQ_INT(strlen(sec), 32);
    CHECK(tg_webhook_secret_valid(sec));
    memset(&a, 0, sizeof a);
    a.url = "https://example.org/hook";
    a.secret_token = "bad secret!";
    CHECK_EQ_INT(tg_webhook_set(b, &a, NULL), TG_ERR_ARG);
    CHECK_EQ_INT(tg_bot_last_error(b)->phase, TG_PHASE_VALIDATE);
    if (!getenv("TG_FAKE_URL")) { tg_bot_free(b); SKIP("TG_FAKE_URL not set"); }
    a.secret_token = NULL;
    sec[0] = '\0';
    CHECK_EQ_INT(tg_webhook_set(b, &a, sec), TG_OK);
    CHECK_EQ_INT(strlen(sec), 32);
    CHECK_EQ_INT(tg_webhook_delete(b, true), TG_OK);
    reqs = ctl("GET", "/_ctl/requests", NULL);
    CHECK(strstr(reqs, sec) != NULL);                           /* the generated secret was sent */
    CHECK(strstr(reqs, "bad secret!") == NULL);                 /* the invalid one never was */
    CHECK(strstr(reqs, "deleteWebhook") != NULL);
    tg_bot_free(b);
}
/* ---- source filter: the pure functions ---- */
static bool wh_cidr(const char *s, const char *want_net, int want_bits) {
    tg_cidr c;
    char txt[TG_IP_TEXT_MAX];
    if (!tg_cidr_parse(s, &c)) return want_net == NULL;
    if (!want_net) { fprintf(stderr, "    %s parsed, expected a refusal\n", s); return false; }
    tg_ip_format(&c.net, txt);
    if (strcmp(txt, want_net) != 0 || c.bits != want_bits) {
        fprintf(stderr, "    %s -> %s/%d, expected %s/%d\n", s, txt, c.bits, want_net, want_bits);
        return false;
    }
    return true;
}

TG_TEST(webhook_cidr_parse) {
    /* valid; IPv4 bits count over the mapped form (+96) */
    CHECK(wh_cidr("149.154.160.0/20", "149.154.160.0", 116));
    CHECK(wh_cidr("91.108.4.0/22", "91.108.4.0", 118));
    CHECK(wh_cidr("0.0.0.0/0", "0.0.0.0", 96));
    CHECK(wh_cidr("255.255.255.255/32", "255.255.255.255", 128));
    CHECK(wh_cidr("127.0.0.1", "127.0.0.1", 128));
    CHECK(wh_cidr("::/0", "::", 0));
    CHECK(wh_cidr("::1/128", "::1", 128));
    CHECK(wh_cidr("::1", "::1", 128));
    CHECK(wh_cidr("2001:db8::/32", "2001:db8::", 32));
    CHECK(wh_cidr("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 128));
    CHECK(wh_cidr("fe80::/10", "fe80::", 10));
    CHECK(wh_cidr("1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8", 128));
    CHECK(wh_cidr("1::/16", "1::", 16));
    CHECK(wh_cidr("::ffff:10.0.0.0/104", "10.0.0.0", 104));     /* an IPv6 rule over the mapped range */
    CHECK(wh_cidr("::ffff:0:0/96", "0.0.0.0", 96));
    CHECK(wh_cidr("64:ff9b::1.2.3.4", "64:ff9b::102:304", 128));
    /* malformed */
    CHECK(wh_cidr("", NULL, 0));
    CHECK(wh_cidr("/8", NULL, 0));
    CHECK(wh_cidr("10.0.0.0/", NULL, 0));
    CHECK(wh_cidr("10.0.0.0/33", NULL, 0));
    CHECK(wh_cidr("10.0.0.0/08", NULL, 0));
    CHECK(wh_cidr("10.0.0.0/-1", NULL, 0));
    CHECK(wh_cidr("10.0.0.0/8/8", NULL, 0));
    CHECK(wh_cidr("10.0.0.1/8", NULL, 0));                      /* host bits set */
    CHECK(wh_cidr("149.154.167.0/20", NULL, 0));
    CHECK(wh_cidr("256.1.1.1", NULL, 0));
    CHECK(wh_cidr("1.2.3", NULL, 0));
    CHECK(wh_cidr("1.2.3.4.5", NULL, 0));
    CHECK(wh_cidr("01.2.3.4", NULL, 0));                        /* octal in some parsers */
    CHECK(wh_cidr("1.2.3.4 ", NULL, 0));
    CHECK(wh_cidr(" 1.2.3.4", NULL, 0));
    CHECK(wh_cidr("1.2.3.-4", NULL, 0));
    CHECK(wh_cidr("::1/129", NULL, 0));
    CHECK(wh_cidr("::1/127", NULL, 0));                         /* host bit */
    CHECK(wh_cidr("1:2:3:4:5:6:7:8:9", NULL, 0));
    CHECK(wh_cidr("1:2:3:4:5:6:7", NULL, 0));
    CHECK(wh_cidr("1::2::3", NULL, 0));
    CHECK(wh_cidr(":1::", NULL, 0));
    CHECK(wh_cidr("1:", NULL, 0));
    CHECK(wh_cidr("12345::", NULL, 0));
    CHECK(wh_cidr("g::", NULL, 0));
    CHECK(wh_cidr("fe80::1%eth0", NULL, 0));
    CHECK(wh_cidr("::ffff:1.2.3", NULL, 0));
    CHECK(wh_cidr("1:2:3:4:5:6:7:1.2.3.4", NULL, 0));           /* nine groups' worth */
    CHECK(wh_cidr("localhost", NULL, 0));
    {   /* contains: the /0, /32 and /128 edges */
        tg_cidr c;
        tg_ip ip;
        CHECK(tg_cidr_parse("0.0.0.0/0", &c));
        CHECK(tg_ip_parse("8.8.8.8", 7, &ip) && tg_cidr_contains(&c, &ip));
        CHECK(tg_ip_parse("::1", 3, &ip) && !tg_cidr_contains(&c, &ip));    /* IPv4 /0 is every IPv4, no IPv6 */
        CHECK(tg_cidr_parse("::/0", &c) && tg_cidr_contains(&c, &ip));
        CHECK(tg_cidr_parse("10.1.2.3/32", &c));
        CHECK(tg_ip_parse("10.1.2.3", 8, &ip) && tg_cidr_contains(&c, &ip));
        CHECK(tg_ip_parse("10.1.2.4", 8, &ip) && !tg_cidr_contains(&c, &ip));
        CHECK(tg_ip_parse("::ffff:10.1.2.3", 15, &ip) && tg_cidr_contains(&c, &ip));   /* mapped = IPv4 */
        CHECK(tg_cidr_parse("2001:db8::1/128", &c));
        CHECK(tg_ip_parse("2001:db8::1", 11, &ip) && tg_cidr_contains(&c, &ip));
        CHECK(tg_ip_parse("2001:db8::2", 11, &ip) && !tg_cidr_contains(&c, &ip));
        CHECK(tg_cidr_parse("149.154.160.0/20", &c));
        CHECK(tg_ip_parse("149.154.175.255", 15, &ip) && tg_cidr_contains(&c, &ip));
        CHECK(tg_ip_parse("149.154.176.0", 13, &ip) && !tg_cidr_contains(&c, &ip));
        CHECK(tg_ip_parse("149.154.159.255", 15, &ip) && !tg_cidr_contains(&c, &ip));
    }
}

static tg__nf_list wh_list(tg_cidr *v, const char *const *s, size_t n) {
    tg__nf_list l;
    size_t i;
    for (i = 0; i < n; i++) if (!tg_cidr_parse(s[i], &v[i])) fprintf(stderr, "    bad test CIDR %s\n", s[i]);
    l.v = v; l.n = n;
    return l;
}

TG_TEST(webhook_filter_decisions) {
    static const char *const tg_r[] = { TG_TELEGRAM_WEBHOOK_RANGES };
    static const char *const deny1[] = { "149.154.167.99" };
    static const char *const mixed[] = { "10.0.0.0/8", "2001:db8::/32" };
    static const char *const none[] = { NULL };
    static const struct { int allow, deny; const char *ip; bool want; } cases[] = {
        /* allow: 0 none, 1 Telegram, 2 mixed; deny: 0 none, 1 one Telegram host, 2 mixed */
        { 0, 0, "1.2.3.4", true }, { 0, 0, "::1", true },
        { 1, 0, "149.154.160.1", true }, { 1, 0, "149.154.175.254", true }, { 1, 0, "91.108.4.1", true },
        { 1, 0, "91.108.7.255", true }, { 1, 0, "91.108.8.0", false }, { 1, 0, "149.154.176.1", false },
        { 1, 0, "::ffff:149.154.167.99", true }, { 1, 0, "::ffff:91.108.6.70", true },
        { 1, 0, "127.0.0.1", false }, { 1, 0, "::1", false }, { 1, 0, "2001:db8::1", false },
        { 1, 1, "149.154.167.99", false }, { 1, 1, "::ffff:149.154.167.99", false }, { 1, 1, "149.154.167.98", true },
        { 0, 2, "10.9.9.9", false }, { 0, 2, "11.0.0.1", true }, { 0, 2, "2001:db8:1::5", false }, { 0, 2, "2001:db9::", true },
        { 2, 2, "10.0.0.1", false },                           /* deny wins */
        { 2, 0, "10.0.0.1", true }, { 2, 0, "::ffff:10.42.144.238", true }, { 2, 0, "2001:db8::7", true },
        { 2, 0, "2001:db9::7", false }, { 2, 0, "::a00:1", false },   /* ::10.0.0.1 (compatible) is not mapped */
    };
    tg_cidr va[4], vd[4];
    tg__nf_list lists[3], denies[3];
    size_t i;
    lists[0] = wh_list(va, none, 0); lists[1] = wh_list(va, tg_r, 2);
    denies[0] = wh_list(vd, none, 0); denies[1] = wh_list(vd, deny1, 1);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_cidr a2[2], d2[2];
        tg_ip ip;
        tg__nf_list al = cases[i].allow == 2 ? wh_list(a2, mixed, 2) : lists[cases[i].allow];
        tg__nf_list dl = cases[i].deny == 2 ? wh_list(d2, mixed, 2) : denies[cases[i].deny];
        bool got;
        if (cases[i].allow == 1) al = wh_list(va, tg_r, 2);
        CHECK(tg_ip_parse(cases[i].ip, strlen(cases[i].ip), &ip));
        got = tg__nf_allowed(&al, &dl, &ip);
        if (got != cases[i].want) fprintf(stderr, "    case %lu: %s allow=%d deny=%d -> %d\n", (unsigned long)i, cases[i].ip,
                                          cases[i].allow, cases[i].deny, (int)got);
        CHECK(got == cases[i].want);
    }
}

TG_TEST(webhook_forwarded_for_parse) {
    static const char *const prox[] = { "127.0.0.1", "10.0.0.0/8", "fd00::/8" };
    static const struct { const char *v; int want; const char *client; } cases[] = {
        { "149.154.167.99", 1, "149.154.167.99" },
        { "1.2.3.4, 149.154.167.99", 1, "149.154.167.99" },           /* left-most (forgeable) never read */
        { "149.154.167.99, 1.2.3.4", 1, "1.2.3.4" },
        { "149.154.167.99, 10.1.1.1, 127.0.0.1", 1, "149.154.167.99" },/* trusted hops skipped */
        { "91.108.6.70, ::ffff:10.42.144.238", 1, "91.108.6.70" },     /* aiogram#672: mapped trusted proxy */
        { "91.108.6.70,::ffff:10.42.144.238", 1, "91.108.6.70" },
        { "91.108.6.70 ,\t2001:db8::5 ", 1, "2001:db8::5" },
        { "[2001:db8::5]:4711", 1, "2001:db8::5" },
        { "[2001:db8::5]", 1, "2001:db8::5" },
        { "149.154.167.99:443", 1, "149.154.167.99" },
        { "garbage, 149.154.167.99", 1, "149.154.167.99" },           /* garbage left of the client: unread */
        { "10.0.0.1, 127.0.0.1", 0, "10.0.0.1" },                      /* all trusted: the left-most */
        { "garbage", -1, NULL },
        { "149.154.167.99, garbage", -1, NULL },
        { "149.154.167.99, garbage, 127.0.0.1", -1, NULL },
        { "", -1, NULL },
        { " ", -1, NULL },
        { ",", -1, NULL },
        { "149.154.167.99,", -1, NULL },
        { "1.2.3.4:", -1, NULL },
        { "1.2.3.4:99999999", -1, NULL },
        { "1.2.3.4:80x", -1, NULL },
        { "[2001:db8::5", -1, NULL },
        { "[2001:db8::5]x", -1, NULL },
        { "[]", -1, NULL },
        { "unknown", -1, NULL },
        { "1.2.3.4\r", -1, NULL },
        { "::ffff:1.2.3.4.5", -1, NULL },
    };
    tg_cidr vp[3];
    tg__nf_list pl = wh_list(vp, prox, 3);
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_ip ip, want;
        int r;
        memset(&ip, 0, sizeof ip);
        r = tg__nf_fwd(&pl, cases[i].v, strlen(cases[i].v), false, &ip);
        if (r != cases[i].want) fprintf(stderr, "    \"%s\" -> %d\n", cases[i].v, r);
        CHECK_EQ_INT(r, cases[i].want);
        if (cases[i].client) {
            CHECK(tg_ip_parse(cases[i].client, strlen(cases[i].client), &want));
            CHECK(memcmp(want.b, ip.b, 16) == 0);
        }
    }
}

TG_TEST(webhook_source_table_bucket_and_strikes) {
    tg__nf_src slots[64];
    tg__nf_table t;
    tg_ip a, b, a2;
    uint32_t retry = 0;
    long sa, sb;
    int i;
    memset(slots, 0, sizeof slots);
    CHECK_EQ_INT(sizeof(tg__nf_src), 64);                          /* the documented slot size */
    t.s = slots; t.mask = 63; t.key = 12345;
    CHECK(tg_ip_parse("1.2.3.4", 7, &a) && tg_ip_parse("2001:db8::1", 11, &b) && tg_ip_parse("2001:db8::ffff:2", 16, &a2));
    sa = tg__nf_lookup(&t, &a, 1000, true);
    sb = tg__nf_lookup(&t, &b, 1000, true);
    CHECK(sa >= 0 && sb >= 0 && sa != sb);
    CHECK_EQ_INT(tg__nf_lookup(&t, &a, 1000, false), sa);
    CHECK_EQ_INT(tg__nf_lookup(&t, &a2, 1000, false), sb);          /* one IPv6 /64 is one source */
    if (sa < 0 || sb < 0) return;
    /* 2 requests/s, burst 3: three at once, then one per 500 ms */
    for (i = 0; i < 3; i++) CHECK(tg__nf_take(&slots[sa], 2, 3, 1000, &retry));
    CHECK(!tg__nf_take(&slots[sa], 2, 3, 1000, &retry));
    CHECK_EQ_INT(retry, 1);
    CHECK(!tg__nf_take(&slots[sa], 2, 3, 1499, &retry));
    CHECK(tg__nf_take(&slots[sa], 2, 3, 1500, &retry));
    CHECK(!tg__nf_take(&slots[sa], 2, 3, 1500, &retry));
    for (i = 0; i < 3; i++) CHECK(tg__nf_take(&slots[sa], 2, 3, 100000, &retry));   /* refilled to the burst only */
    CHECK(!tg__nf_take(&slots[sa], 2, 3, 100000, &retry));
    CHECK(tg__nf_take(&slots[sb], 2, 3, 100000, &retry));          /* the other source has its own bucket */
    /* score: threshold 100000 milli-points, half-life 1000 ms, block 1000 ms. 2^(-t/1000) at
       t = 1000, 2000 is 1/2, 1/4 (first principles); 40+40 = 80 < 100; 80 halves to 40 in 1 s */
    CHECK(!tg__nf_score_add(&slots[sa], 40000, 100000, 1000, 1000, 5000));
    CHECK(!tg__nf_score_add(&slots[sa], 40000, 100000, 1000, 1000, 5000));
    CHECK_EQ_INT(tg__nf_score_now(&slots[sa], 1000, 5000), 80000);
    CHECK_EQ_INT(tg__nf_score_now(&slots[sa], 1000, 6000), 40000);
    CHECK_EQ_INT(tg__nf_score_now(&slots[sa], 1000, 7000), 20000);
    CHECK_EQ_INT(tg__nf_score_now(&slots[sa], 1000, 5000 + 40000), 0);     /* 2^-40 of 80000 */
    {   /* between whole half-lives it lies within 7 % of 2^(-t/1000), and never rises */
        uint32_t dt, prev = UINT32_MAX, worst = 0;
        for (dt = 0; dt <= 3000; dt += 50) {
            uint32_t v = tg__nf_score_now(&slots[sa], 1000, 5000 + dt);
            double want = 80000.0 * pow(2.0, -(double)dt / 1000.0), d = v > want ? v - want : want - v;
            if (d / want * 1000.0 > worst) worst = (uint32_t)(d / want * 1000.0);
            CHECK(v <= prev);
            prev = v;
        }
        CHECK(worst < 70);                      /* the straight line is at most 6.2 % above the curve */
    }
    CHECK(!tg__nf_score_add(&slots[sa], 40000, 100000, 1000, 1000, 6000));   /* 40 + 40 = 80 */
    CHECK(!tg__nf_blocked(&slots[sa], 7500));
    CHECK(tg__nf_score_add(&slots[sa], 40000, 100000, 1000, 1000, 6000));    /* 120: blocked */
    CHECK_EQ_INT(slots[sa].blocks, 1);
    CHECK(!tg__nf_score_add(&slots[sa], 400000, 100000, 1000, 1000, 6500));  /* already blocked: no second block */
    CHECK_EQ_INT(slots[sa].blocks, 1);
    slots[sa].blocked_until = 8600; slots[sa].score = 0;    /* as if it began at 7600 for 1000 ms */
    CHECK(tg__nf_blocked(&slots[sa], 7600) && tg__nf_blocked(&slots[sa], 8599) && !tg__nf_blocked(&slots[sa], 8600));
    /* a blocked source or one with open connections is never evicted: fill a table of 64 slots */
    {
        int created = 0, full = 0;
        slots[sb].conns = 1;
        for (i = 0; i < 2000; i++) {
            tg_ip x;
            char txt[32];
            snprintf(txt, sizeof txt, "10.%d.%d.1", i / 250, i % 250);
            CHECK(tg_ip_parse(txt, strlen(txt), &x));
            if (tg__nf_lookup(&t, &x, 8000 + (uint64_t)i / 8, true) >= 0) created++; else full++;
        }
        CHECK(created > 64);                                        /* evictions happened */
        CHECK_EQ_INT(full, 0);                                      /* idle slots are always evictable */
        CHECK_EQ_INT(tg__nf_lookup(&t, &a, 8500, false), sa);       /* still blocked: kept */
        CHECK_EQ_INT(tg__nf_lookup(&t, &b, 9000, false), sb);       /* open connection: kept */
        for (i = 0; i < 64; i++) { slots[i].conns = 1; }            /* nothing evictable: a new source is refused */
        CHECK_EQ_INT(tg__nf_lookup(&t, &b, 9000, false), sb);
        {
            tg_ip x;
            CHECK(tg_ip_parse("192.0.2.1", 9, &x));
            CHECK_EQ_INT(tg__nf_lookup(&t, &x, 9000, true), -1);
        }
    }
}

/* random strings from an alphabet that makes near-misses likely: never a crash (the ASan build
   checks every read), and what parses round-trips through tg_ip_format */
TG_TEST(webhook_address_parsers_random) {
    static const char abc[] = "0123456789abcdefABCDEF:.,[] /%\t:::..0001;=\"for";
    static const char *const prox[] = { "127.0.0.1", "::/1" };
    tg_cidr vp[2];
    tg__nf_list pl = wh_list(vp, prox, 2);
    uint32_t x = 20261202u;
    int i, parsed = 0, bad_roundtrip = 0;
    static const char *const seeds[] = { "149.154.160.0/20", "2001:db8::/32", "::ffff:10.0.0.0/104", "1:2:3:4:5:6:7:8",
                                         "::1", "91.108.6.70, ::ffff:10.42.144.238", "[2001:db8::5]:4711", "64:ff9b::1.2.3.4/128" };
    for (i = 0; i < 100000; i++) {
        char buf[48], txt[TG_IP_TEXT_MAX], again[64];
        size_t n, k;
        tg_cidr c, c2;
        tg_ip ip;
        x = x * 1103515245u + 12345u;
        if (i % 2) {                            /* a valid string with one to three random edits */
            int e;
            snprintf(buf, sizeof buf, "%s", seeds[(x >> 16) % (sizeof seeds / sizeof seeds[0])]);
            n = strlen(buf);
            for (e = 0; e < 1 + (int)((x >> 8) % 3); e++) {
                size_t at;
                x = x * 1103515245u + 12345u;
                at = (x >> 16) % (n + 1);
                if ((x >> 4) % 3 == 0 && at < n) buf[at] = abc[(x >> 20) % (sizeof abc - 1)];
                else if ((x >> 4) % 3 == 1 && at < n) { memmove(buf + at, buf + at + 1, n - at); n--; }
                else if (n + 1 < sizeof buf) { memmove(buf + at + 1, buf + at, n - at + 1); buf[at] = abc[(x >> 20) % (sizeof abc - 1)]; n++; }
            }
        } else {
            n = (x >> 16) % (sizeof buf - 1);
            for (k = 0; k < n; k++) { x = x * 1103515245u + 12345u; buf[k] = abc[(x >> 16) % (sizeof abc - 1)]; }
        }
        buf[n] = '\0';
        (void)tg__nf_fwd(&pl, buf, n, false, &ip);
        (void)tg__nf_fwd(&pl, buf, n, true, &ip);                 /* as a Forwarded value */
        if (i % 3 == 0) {                                          /* ... with "for=" and quotes in it */
            char fw[64];
            int m = snprintf(fw, sizeof fw, "for=\"%s\";proto=https", buf);
            if (m > 0 && (size_t)m < sizeof fw) (void)tg__nf_fwd(&pl, fw, (size_t)m, true, &ip);
        }
        if (tg_ip_parse(buf, n, &ip)) {
            tg_ip ip2;
            tg_ip_format(&ip, txt);
            if (!tg_ip_parse(txt, strlen(txt), &ip2) || memcmp(ip.b, ip2.b, 16) != 0) bad_roundtrip++;
        }
        if (tg_cidr_parse(buf, &c)) {
            parsed++;
            tg_ip_format(&c.net, txt);
            snprintf(again, sizeof again, "%s/%u", txt, tg_ip_is_v4(&c.net) && !strchr(txt, ':') ? c.bits - 96u : (unsigned)c.bits);
            if (!tg_cidr_parse(again, &c2) || c2.bits != c.bits || memcmp(c.net.b, c2.net.b, 16) != 0) {
                if (bad_roundtrip < 5) fprintf(stderr, "    %s -> %s\n", buf, again);
                bad_roundtrip++;
            }
        }
    }
    for (i = 0; i < 20000; i++) {              /* random addresses: format, parse, same bytes */
        tg_ip ip, ip2;
        char txt[TG_IP_TEXT_MAX];
        int k;
        for (k = 0; k < 16; k++) { x = x * 1103515245u + 12345u; ip.b[k] = (uint8_t)((x >> 16) % 4 == 0 ? 0 : x >> 24); }
        if (i % 3 == 0) { memset(ip.b, 0, 10); ip.b[10] = ip.b[11] = 0xff; }
        tg_ip_format(&ip, txt);
        if (!tg_ip_parse(txt, strlen(txt), &ip2) || memcmp(ip.b, ip2.b, 16) != 0) {
            if (bad_roundtrip < 5) fprintf(stderr, "    format -> %s does not parse back\n", txt);
            bad_roundtrip++;
        }
    }
    CHECK_EQ_INT(bad_roundtrip, 0);
    CHECK(parsed > 1000);
}

TG_TEST(webhook_new_rejects_bad_cidrs) {
    tg_bot *b = wh_bot();
    tg_dispatcher *d = NULL;
    tg_webhook *w = NULL;
    tg_webhook_desc desc;
    tg_error e;
    static const char *const good[] = { "149.154.160.0/20", "2001:db8::/32" };
    static const char *const bad[] = { "149.154.160.0/20", "10.0.0.1/8" };
    static const char *const bad6[] = { "2001:db8::/129" };
    if (!b || tg_dispatcher_new(&d, b, NULL) != TG_OK) { CHECK(0); return; }
    memset(&desc, 0, sizeof desc);
    desc.host = "127.0.0.1";
    desc.secret_token = WH_SECRET;
    desc.allow = bad; desc.allow_count = 2;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(w == NULL);
    CHECK(strstr(e.description, "allow[1]") != NULL && strstr(e.description, "10.0.0.1/8") != NULL);
    desc.allow = good;
    desc.deny = bad6; desc.deny_count = 1;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "deny[0]") != NULL && strstr(e.description, "2001:db8::/129") != NULL);
    desc.deny = NULL; desc.deny_count = 0;
    desc.trusted_proxies = NULL; desc.trusted_proxies_count = 1;      /* a count without a list */
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(strstr(e.description, "trusted_proxies") != NULL);
    desc.trusted_proxies_count = 0;
    desc.allow_telegram = true;
    desc.max_connections_per_source = 4; desc.requests_per_second = 10; desc.block_score = 50;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_OK);
    tg_webhook_free(w);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

/* ---- source filter: end to end ---- */
/* one curl; prints fmt (-w) only; its exit status */
static int wh_curl_w(tg_webhook *w, const char *url, const char *secret, const char *data, const char *hdr,
                     const char *fmt, char *out, size_t cap) {
    char sh[320], *argv[20];
    int n = 0, fd;
    pid_t pid;
    argv[n++] = (char *)"curl"; argv[n++] = (char *)"-s"; argv[n++] = (char *)"-g"; argv[n++] = (char *)"-o"; argv[n++] = (char *)"/dev/null";
    argv[n++] = (char *)"-w"; argv[n++] = (char *)fmt;
    if (secret) { snprintf(sh, sizeof sh, "X-Telegram-Bot-Api-Secret-Token: %s", secret); argv[n++] = (char *)"-H"; argv[n++] = sh; }
    if (hdr) { argv[n++] = (char *)"-H"; argv[n++] = (char *)hdr; }
    argv[n++] = (char *)"--data-binary"; argv[n++] = (char *)data;
    argv[n++] = (char *)url; argv[n] = NULL;
    pid = wh_spawn(argv, &fd);
    if (pid < 0) return -1;
    return wh_serve_until_exit(w, pid, fd, out, cap);
}

/* the status curl got for one delivery with header hdr; -1 when the connection was refused/closed */
static int wh_xff(tg_webhook *w, const char *url, const char *hdr) {
    char out[64];
    int r = wh_curl_w(w, url, WH_SECRET, wh_update(0, 1, "x"), hdr, "%{http_code}", out, sizeof out);
    return r == 0 ? atoi(out) : -1;
}

TG_TEST(webhook_allow_list_loopback) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    char url[128];
    static const char *const ten[] = { "10.0.0.0/8" };
    static const char *const lo[] = { "127.0.0.0/8" };
    static const char *const lo6[] = { "::1" };
    /* the allow list excludes 127.0.0.0/8: closed at accept, before a byte is read */
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.allow = ten; desc.allow_count = 1; desc.allow_telegram = true;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK_EQ_INT(wh_xff(env.w, wh_mkurl(env.w, "http", WH_PATH), NULL), -1);
    CHECK_EQ_INT(wh_xff(env.w, wh_mkurl(env.w, "http", WH_PATH), "X-Forwarded-For: 149.154.167.99"), -1);   /* no proxy is trusted */
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.ip_refused, 2);
    CHECK_EQ_INT(s.connections, 0);
    CHECK_EQ_INT(s.requests, 0);
    CHECK_EQ_INT(wh_nseen, 0);
    wh_end(&env);
    /* ... and includes it: served */
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.allow = lo; desc.allow_count = 1;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK_EQ_INT(wh_xff(env.w, wh_mkurl(env.w, "http", WH_PATH), NULL), 200);
    CHECK_EQ_INT(wh_stats(env.w).ip_refused, 0);
    CHECK_EQ_INT(wh_nseen, 1);
    wh_end(&env);
    /* deny wins over allow */
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.allow = lo; desc.allow_count = 1;
    desc.deny = lo; desc.deny_count = 1;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK_EQ_INT(wh_xff(env.w, wh_mkurl(env.w, "http", WH_PATH), NULL), -1);
    CHECK_EQ_INT(wh_stats(env.w).ip_refused, 1);
    wh_end(&env);
    /* a dual-stack socket sees 127.0.0.1 as ::ffff:127.0.0.1, which the IPv4 rule matches */
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.host = "::";
    desc.allow = lo; desc.allow_count = 1;
    if (wh_start(&env, &desc)) {
        CHECK_EQ_INT(wh_xff(env.w, wh_mkurl(env.w, "http", WH_PATH), NULL), 200);
        CHECK_EQ_INT(wh_stats(env.w).ip_refused, 0);
    } else fprintf(stderr, "    (no dual-stack socket on \"::\": the mapped case is covered by the table tests)\n");
    wh_end(&env);
    /* IPv6: ::1 allowed by "::1", refused by an IPv4-only list */
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.host = "::1";
    desc.allow = lo6; desc.allow_count = 1;
    if (!wh_start(&env, &desc)) { wh_end(&env); SKIP("no IPv6 loopback (::1)"); }
    snprintf(url, sizeof url, "http://[::1]:%u%s", (unsigned)tg_webhook_port(env.w), WH_PATH);
    CHECK_EQ_INT(wh_xff(env.w, url, NULL), 200);
    CHECK_EQ_INT(wh_stats(env.w).ip_refused, 0);
    wh_end(&env);
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.host = "::1";
    desc.allow = lo; desc.allow_count = 1;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(url, sizeof url, "http://[::1]:%u%s", (unsigned)tg_webhook_port(env.w), WH_PATH);
    CHECK_EQ_INT(wh_xff(env.w, url, NULL), -1);
    CHECK_EQ_INT(wh_stats(env.w).ip_refused, 1);
    CHECK_EQ_INT(wh_stats(env.w).connections, 0);
    wh_end(&env);
}

TG_TEST(webhook_forwarded_for_trusted_proxy) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    const char *u;
    static const char *const tp[] = { "127.0.0.1" };
    static const char *const other_proxy[] = { "10.0.0.0/8" };
    static const char *const lo[] = { "127.0.0.0/8" };
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.allow_telegram = true;
    desc.trusted_proxies = tp; desc.trusted_proxies_count = 1;
    desc.requests_per_second = 1;           /* per forwarded client, not per proxy */
    wh_fake_clock = true; wh_fake_ms = 5000;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    u = wh_mkurl(env.w, "http", WH_PATH);
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.1"), 200);
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 10.1.2.3, 149.154.167.2"), 200);
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.3, 10.1.2.3"), 403);         /* forged left-most ignored */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 10.1.2.3, 149.154.167.4, 127.0.0.1"), 200); /* trusted hop skipped */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 1.1.1.1, ::ffff:91.108.6.70"), 200);       /* mapped */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 91.108.6.70, ::ffff:10.42.144.238"), 403); /* aiogram#672 shape */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: garbage"), 403);
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.5, garbage"), 403);
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: garbage, 149.154.167.6"), 200);          /* the client's own part: unread */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For;"), 403);                                  /* an empty value (curl's "name;") */
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), 403);                                                /* no header: the proxy itself */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.1"), 429);                   /* its second request this second */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.7"), 200);                   /* another client: its own bucket */
    wh_fake_ms += 1000;
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.1"), 200);
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.forwarded_invalid, 3);
    CHECK_EQ_INT(s.ip_refused, 3);
    CHECK_EQ_INT(s.rate_limited, 1);
    CHECK_EQ_INT(s.dispatched, 7);
    CHECK_EQ_INT(s.connections, 14);                    /* the proxy itself passes accept */
    CHECK_EQ_INT(wh_nseen, 7);
    wh_end(&env);
    /* the peer is not a trusted proxy: its header is ignored and the peer is the client */
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.allow = lo; desc.allow_count = 1;
    desc.trusted_proxies = other_proxy; desc.trusted_proxies_count = 1;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    u = wh_mkurl(env.w, "http", WH_PATH);
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 10.9.9.9"), 200);          /* not "a client in 10/8" */
    CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: garbage"), 200);           /* not read at all */
    CHECK_EQ_INT(wh_stats(env.w).forwarded_invalid, 0);
    CHECK_EQ_INT(wh_stats(env.w).ip_refused, 0);
    wh_end(&env);
    {   /* two X-Forwarded-For headers are one list, the last header holding the nearest hops */
        char port[8], out[256], r1[600], r2[600];
        char *a1[] = { (char *)"raw", port, r1, NULL }, *a2[] = { (char *)"raw", port, r2, NULL };
        const char *body = "{\"update_id\":5}";
        memset(&desc, 0, sizeof desc);
        desc.secret_token = WH_SECRET;
        desc.allow_telegram = true;
        desc.trusted_proxies = tp; desc.trusted_proxies_count = 1;
        if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
        snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
        snprintf(r1, sizeof r1, "POST " WH_PATH " HTTP/1.1\\r\\nHost: x\\r\\nX-Forwarded-For: 10.1.1.1\\r\\n"
                 "X-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\\r\\nx-forwarded-for: 149.154.167.1, 127.0.0.1\\r\\n"
                 "Content-Length: %u\\r\\nConnection: close\\r\\n\\r\\n%s", (unsigned)strlen(body), body);
        snprintf(r2, sizeof r2, "POST " WH_PATH " HTTP/1.1\\r\\nHost: x\\r\\nX-Forwarded-For: 149.154.167.1\\r\\n"
                 "X-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\\r\\nX-Forwarded-For: 10.1.1.1\\r\\n"
                 "Content-Length: %u\\r\\nConnection: close\\r\\n\\r\\n%s", (unsigned)strlen(body), body);
        CHECK_EQ_INT(wh_py(env.w, a1, out, sizeof out), 0);
        CHECK_STR(out, "HTTP/1.1 200 OK\n");
        CHECK_EQ_INT(wh_py(env.w, a2, out, sizeof out), 0);
        CHECK_STR(out, "HTTP/1.1 403 Forbidden\n");
        CHECK_EQ_INT(wh_stats(env.w).ip_refused, 1);
        CHECK_EQ_INT(wh_stats(env.w).dispatched, 1);
        wh_end(&env);
    }
}

TG_TEST(webhook_per_source_limits) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    char out[512], port[8], ka_out[256];
    char *many[] = { (char *)"many", port, (char *)WH_PATH, (char *)WH_SECRET, (char *)"3", NULL, NULL };
    char *ka[] = { (char *)"keepalive", port, (char *)WH_PATH, (char *)WH_SECRET, NULL, NULL, NULL, NULL };
    const char *u;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_connections_per_source = 2;
    desc.requests_per_second = 2;
    wh_fake_clock = true; wh_fake_ms = 1000;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    u = wh_mkurl(env.w, "http", WH_PATH);
    /* three connections open at once from 127.0.0.1: the third is closed at accept */
    many[5] = (char *)wh_update(0, 1, "m");
    CHECK_EQ_INT(wh_py(env.w, many, out, sizeof out), 0);
    CHECK_STR(out, "200\n200\nrefused\n");
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.source_connections_refused, 1);
    CHECK_EQ_INT(s.connections_refused, 0);
    CHECK_EQ_INT(s.connections, 2);
    /* the clock has not moved: both tokens are spent; 429 with Retry-After */
    CHECK_EQ_INT(wh_curl_w(env.w, u, WH_SECRET, wh_update(0, 2, "r"), NULL, "%{http_code} %header{retry-after}", out, sizeof out), 0);
    CHECK_STR(out, "429 1");
    wh_fake_ms += 499;                                   /* 0.998 token */
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), 429);
    wh_fake_ms += 1;
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), 200);
    /* refilled to the burst (2) after a long pause; on one keep-alive connection the third is 429 and
       the connection stays usable */
    wh_fake_ms += 60000;
    ka[4] = (char *)wh_update(0, 3, "k1"); ka[5] = (char *)wh_update(1, 4, "k2"); ka[6] = (char *)wh_update(2, 5, "k3");
    CHECK_EQ_INT(wh_py(env.w, ka, ka_out, sizeof ka_out), 0);
    CHECK_STR(ka_out, "200 \n200 \n429 \n");
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.rate_limited, 3);
    CHECK_EQ_INT(s.dispatched, 5);
    CHECK_EQ_INT(s.sources_blocked, 0);
    CHECK_EQ_INT(s.sources_full, 0);
    wh_end(&env);
}

/* RFC 7239 Forwarded: the examples of its section 4 and 7.4, walked with the same trusted-proxy rule */
TG_TEST(webhook_forwarded_rfc7239) {
    static const char *const prox[] = { "127.0.0.1", "10.0.0.0/8" };
    static const struct { const char *v; int want; const char *client; } cases[] = {
        { "for=\"_gazonk\"", -1, NULL },                                 /* obfuscated: names nobody */
        { "For=\"[2001:db8:cafe::17]:4711\"", 1, "2001:db8:cafe::17" },  /* RFC 7239 section 4 */
        { "for=192.0.2.60;proto=http;by=203.0.113.43", 1, "192.0.2.60" },
        { "for=192.0.2.43, for=198.51.100.17", 1, "198.51.100.17" },     /* the right-most hop */
        { "for=192.0.2.43, for=198.51.100.17, for=10.1.1.1", 1, "198.51.100.17" },   /* trusted hop skipped */
        { "for=garbage, for=198.51.100.17", 1, "198.51.100.17" },       /* the client's own part: unread */
        { "proto=https;for=\"192.0.2.61:8080\";by=10.0.0.1", 1, "192.0.2.61" },
        { "for=10.0.0.1, for=127.0.0.1", 0, "10.0.0.1" },
        { "for=unknown", -1, NULL },
        { "proto=http", -1, NULL },                                      /* no for= */
        { "for=", -1, NULL },
        { "for=\"\"", -1, NULL },
        { "198.51.100.17", -1, NULL },                                   /* X-Forwarded-For syntax */
        { "for=198.51.100.17, garbage", -1, NULL },
    };
    tg_cidr vp[2];
    tg__nf_list pl = wh_list(vp, prox, 2);
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tg_ip ip, want;
        int r = tg__nf_fwd(&pl, cases[i].v, strlen(cases[i].v), true, &ip);
        if (r != cases[i].want) fprintf(stderr, "    case %u: %s -> %d\n", (unsigned)i, cases[i].v, r);
        CHECK_EQ_INT(r, cases[i].want);
        if (r >= 0 && cases[i].client) {
            CHECK(tg_ip_parse(cases[i].client, strlen(cases[i].client), &want));
            CHECK(memcmp(want.b, ip.b, 16) == 0);
        }
    }
    {   /* end to end: with trust_forwarded only Forwarded is read, X-Forwarded-For is ignored */
        wh_env env;
        tg_webhook_desc desc;
        static const char *const tp[] = { "127.0.0.1" };
        const char *u;
        memset(&desc, 0, sizeof desc);
        desc.secret_token = WH_SECRET;
        desc.allow_telegram = true;
        desc.trusted_proxies = tp; desc.trusted_proxies_count = 1;
        desc.trust_forwarded = true;
        if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
        u = wh_mkurl(env.w, "http", WH_PATH);
        CHECK_EQ_INT(wh_xff(env.w, u, "Forwarded: for=149.154.167.1;proto=https"), 200);
        CHECK_EQ_INT(wh_xff(env.w, u, "Forwarded: for=149.154.167.1, for=10.9.9.9"), 403);
        CHECK_EQ_INT(wh_xff(env.w, u, "X-Forwarded-For: 149.154.167.1"), 403);   /* not read: the client is the proxy */
        CHECK_EQ_INT(wh_xff(env.w, u, "Forwarded: for=unknown"), 403);
        CHECK_EQ_INT(wh_stats(env.w).forwarded_invalid, 1);
        CHECK_EQ_INT(wh_stats(env.w).ip_refused, 2);
        wh_end(&env);
    }
}

static int wh_blocked_events, wh_unblocked_events;
static tg_webhook_source wh_last_event;
static void wh_on_blocked(void *ud, const tg_webhook_source *src) { (void)ud; wh_blocked_events++; wh_last_event = *src; }
static void wh_on_unblocked(void *ud, const tg_webhook_source *src) { (void)ud; wh_unblocked_events++; wh_last_event = *src; }

TG_TEST(webhook_threat_score_blocks) {
    wh_env env;
    tg_webhook_desc desc;
    tg_webhook_stats s;
    tg_webhook_source src[4];
    tg_ip lo;
    char port[8], out[256];
    char *garbage[] = { (char *)"raw", port, (char *)"GARBAGE\\r\\n\\r\\n", NULL };
    const char *u;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.block_score = 90;               /* wrong secret 40, malformed 34, no secret 25 */
    desc.block_ms = 60000;
    desc.on_blocked = wh_on_blocked; desc.on_unblocked = wh_on_unblocked;
    wh_blocked_events = wh_unblocked_events = 0;
    wh_fake_clock = true; wh_fake_ms = 1000;
    wh_warns[0] = '\0';
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
#if TGBOT__HAS_ANALYTICS
    CHECK_EQ_INT(tg_analytics_enable(env.bot), TG_OK);
#endif
    CHECK(tg_ip_parse("127.0.0.1", 9, &lo));
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    u = wh_mkurl(env.w, "http", WH_PATH);
    /* a wrong secret (40 points), then a right one: the score is cleared */
    CHECK_EQ_INT(wh_curl_w(env.w, u, "wrong", wh_update(0, 1, "x"), NULL, "%{http_code}", out, sizeof out), 0);
    CHECK_STR(out, "403");
    CHECK_EQ_INT(tg_webhook_sources(env.w, src, 4), 1);
    CHECK(memcmp(src[0].addr.b, lo.b, 16) == 0 && src[0].score == 40000 && src[0].blocked_ms == 0);
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), 200);
    CHECK(tg_webhook_sources(env.w, src, 4) == 1 && src[0].score == 0);
    /* an authenticated refusal (not a JSON object) scores nothing */
    CHECK_EQ_INT(wh_curl_w(env.w, u, WH_SECRET, "[1]", NULL, "%{http_code}", out, sizeof out), 0);
    CHECK_STR(out, "400");
    CHECK(tg_webhook_sources(env.w, src, 4) == 1 && src[0].score == 0);
    /* the score decays: 40 points half a minute... one half-life (60 s) later are 20 */
    CHECK_EQ_INT(wh_curl_w(env.w, u, "wrong", wh_update(0, 1, "x"), NULL, "%{http_code}", out, sizeof out), 0);
    wh_fake_ms += 60000;
    CHECK(tg_webhook_sources(env.w, src, 4) == 1 && src[0].score == 20000);
    /* 20 + a wrong secret (40) + a malformed request (34) = 94 >= 90: blocked (the answer says close) */
    CHECK_EQ_INT(wh_curl_w(env.w, u, "wrong", wh_update(0, 1, "x"), NULL, "%{http_code}", out, sizeof out), 0);
    CHECK_STR(out, "403");
    CHECK_EQ_INT(wh_stats(env.w).sources_blocked, 0);
    CHECK_EQ_INT(wh_py(env.w, garbage, out, sizeof out), 0);
    CHECK_STR(out, "HTTP/1.1 400 Bad Request\n");
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.sources_blocked, 1);
    CHECK_EQ_INT(wh_blocked_events, 1);
    CHECK(memcmp(wh_last_event.addr.b, lo.b, 16) == 0 && wh_last_event.blocked_ms == 60000 && wh_last_event.blocks == 1);
#if TGBOT__HAS_ANALYTICS
    {   /* the scoring is counted in the bot's analytics: 3 wrong secrets (40 each) and one
           malformed request (34), one block */
        static char prom[1 << 16];
        tg_analytics_prometheus(tg_bot_analytics(env.bot), prom, sizeof prom);
        CHECK(strstr(prom, "\ntgbot_webhook_threat_signals_total 4\n") != NULL);
        CHECK(strstr(prom, "\ntgbot_webhook_threat_points_total 154\n") != NULL);
        CHECK(strstr(prom, "\ntgbot_webhook_sources_blocked_total 1\n") != NULL);
    }
#endif
    CHECK(strstr(wh_warns, "webhook: source 127.0.0.1 blocked for 60000 ms: threat score 90") != NULL);
    CHECK(strstr(wh_warns, WH_SECRET) == NULL);
    /* the right secret does not help now: closed at accept */
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), -1);
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.blocked_refused, 1);
    wh_fake_ms += 59999;
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), -1);
    CHECK_EQ_INT(wh_unblocked_events, 0);
    wh_fake_ms += 1;                                     /* the block is over: reported once */
    tg_webhook_step(env.w, 0);
    CHECK_EQ_INT(wh_unblocked_events, 1);
    CHECK(memcmp(wh_last_event.addr.b, lo.b, 16) == 0 && wh_last_event.blocked_ms == 0);
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), 200);
    tg_webhook_step(env.w, 0);
    s = wh_stats(env.w);
    CHECK_EQ_INT(s.blocked_refused, 2);
    CHECK_EQ_INT(s.sources_unblocked, 1);
    CHECK_EQ_INT(wh_unblocked_events, 1);
    CHECK_EQ_INT(s.pressure_blocks, 0);
    wh_end(&env);
}

/* connects to the server from this process (non-blocking); -1 on failure */
static int wh_connect(const tg_webhook *w, const char *from) {
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (from) {
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        inet_pton(AF_INET, from, &a.sin_addr);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(tg_webhook_port(w));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) { close(fd); return -1; }
    return fd;
}

/* steps the server until its stats say cond, at most 2 s of steps */
#define WH_STEP_UNTIL(w, cond) do { uint64_t wh_dl = wh_now() + 2000; \
    while (!(cond) && wh_now() < wh_dl) tg_webhook_step((w), 5); } while (0)

/* adaptive threshold: with 3/4 of max_connections open the threshold is halved */
TG_TEST(webhook_threat_score_tightens_under_pressure) {
    wh_env env;
    tg_webhook_desc desc;
    char out[64];
    int held[3], i;
    const char *u;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_connections = 5;
    wh_default_hardening = true;         /* block_score 100 */
    wh_fake_clock = true; wh_fake_ms = 1000;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    u = wh_mkurl(env.w, "http", WH_PATH);
    /* not under pressure: two wrong secrets (80) do not block */
    for (i = 0; i < 2; i++) CHECK_EQ_INT(wh_curl_w(env.w, u, "wrong", wh_update(0, 1, "x"), NULL, "%{http_code}", out, sizeof out), 0);
    CHECK_EQ_INT(wh_stats(env.w).sources_blocked, 0);
    CHECK_EQ_INT(wh_xff(env.w, u, NULL), 200);           /* cleared */
    for (i = 0; i < 3; i++) held[i] = wh_connect(env.w, NULL);
    WH_STEP_UNTIL(env.w, wh_stats(env.w).connections_open == 3);
    CHECK_EQ_INT(wh_stats(env.w).connections_open, 3);
    /* 3 + curl's = 4 of 5 open: a wrong secret (40) and a missing one (25) = 65 >= 50 */
    CHECK_EQ_INT(wh_curl_w(env.w, u, "wrong", wh_update(0, 1, "x"), NULL, "%{http_code}", out, sizeof out), 0);
    CHECK_EQ_INT(wh_stats(env.w).sources_blocked, 0);
    CHECK_EQ_INT(wh_curl_w(env.w, u, NULL, wh_update(0, 1, "x"), NULL, "%{http_code}", out, sizeof out), 0);
    CHECK_EQ_INT(wh_stats(env.w).sources_blocked, 1);
    CHECK_EQ_INT(wh_stats(env.w).pressure_blocks, 1);
    for (i = 0; i < 3; i++) if (held[i] >= 0) close(held[i]);
    wh_end(&env);
}

/* item: EMFILE. Out of descriptors accept() fails at once while the listening socket stays
   readable; the server must pause accepting instead of calling it again every round */
TG_TEST(webhook_emfile_pauses_accept) {
    wh_env env;
    tg_webhook_desc desc;
    struct rlimit old, low;
    int a, b, probe, i, status = 0;
    char req[700], resp[256];
    ssize_t n;
    uint64_t dl;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    wh_fake_clock = true; wh_fake_ms = 1000;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    a = wh_connect(env.w, NULL);
    WH_STEP_UNTIL(env.w, wh_stats(env.w).connections == 1);
    CHECK_EQ_INT(wh_stats(env.w).connections, 1);
    /* a's first request carries the secret: it is never evicted to make room */
    snprintf(req, sizeof req, "POST " WH_PATH " HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\r\n"
             "Content-Length: %u\r\n\r\n%s", (unsigned)strlen(wh_update(0, 76, "before")), wh_update(0, 76, "before"));
    CHECK(write(a, req, strlen(req)) == (ssize_t)strlen(req));
    WH_STEP_UNTIL(env.w, wh_stats(env.w).dispatched == 1);
    dl = wh_now() + 2000; n = -1;
    while (wh_now() < dl && (n = read(a, resp, sizeof resp - 1)) < 0) tg_webhook_step(env.w, 5);
    b = wh_connect(env.w, NULL);         /* waits in the backlog */
    /* no descriptor left: the limit is the lowest free one */
    probe = dup(0);
    CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0 && probe > 0);
    if (probe < 0 || a < 0 || b < 0) { wh_end(&env); return; }
    close(probe);
    low = old; low.rlim_cur = (rlim_t)probe;
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    /* 1000 rounds with the clock standing still: one failed accept, then none until the pause ends */
    for (i = 0; i < 1000; i++) tg_webhook_step(env.w, 0);
    CHECK_EQ_INT(wh_stats(env.w).accept_failures, 1);
    CHECK_EQ_INT(wh_stats(env.w).accept_pauses, 1);
    CHECK_EQ_INT(tg_webhook_timeout_ms(env.w), TG_WEBHOOK_ACCEPT_PAUSE_MS);
    /* the open connection is still served meanwhile */
    snprintf(req, sizeof req, "POST " WH_PATH " HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\r\n"
             "Content-Length: %u\r\n\r\n%s", (unsigned)strlen(wh_update(0, 77, "during")), wh_update(0, 77, "during"));
    CHECK(write(a, req, strlen(req)) == (ssize_t)strlen(req));
    WH_STEP_UNTIL(env.w, wh_stats(env.w).dispatched == 2);
    dl = wh_now() + 2000; n = -1;
    while (wh_now() < dl && (n = read(a, resp, sizeof resp - 1)) < 0) tg_webhook_step(env.w, 5);
    CHECK(n > 12 && memcmp(resp, "HTTP/1.1 200", 12) == 0);
    wh_fake_ms += TG_WEBHOOK_ACCEPT_PAUSE_MS - 1;
    for (i = 0; i < 100; i++) tg_webhook_step(env.w, 0);
    CHECK_EQ_INT(wh_stats(env.w).accept_failures, 1);
    wh_fake_ms += 1;                     /* the pause is over: one more try, still no descriptor */
    for (i = 0; i < 100; i++) tg_webhook_step(env.w, 0);
    CHECK_EQ_INT(wh_stats(env.w).accept_failures, 2);
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
    wh_fake_ms += TG_WEBHOOK_ACCEPT_PAUSE_MS;
    WH_STEP_UNTIL(env.w, wh_stats(env.w).connections == 2);
    CHECK_EQ_INT(wh_stats(env.w).connections, 2);          /* the waiting client got in */
    CHECK_EQ_INT(wh_stats(env.w).accept_failures, 2);
    (void)status;
    close(a); close(b);
    wh_end(&env);
}

/* item: decoded memory per update. Every "{}" of new_chat_members is a whole tg_user in the decoded
   update: about 3 bytes of JSON for sizeof(tg_user) + a pointer. */
static size_t wh_arena_bytes(tg_bot *bot) {
    tg_arena *a = tg_bot_arena(bot);
    tg__arena_block *k;
    size_t n = 0;
    for (k = a->head; k; k = k->prev) n += k->cap;
    for (k = a->spare; k; k = k->prev) n += k->cap;
    return n;
}

static char *wh_members_update(size_t bytes) {
    char *p = (char *)malloc(bytes + 256);
    size_t n;
    if (!p) return NULL;
    n = (size_t)sprintf(p, "{\"update_id\":9,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":42,\"type\":\"group\"},\"new_chat_members\":[");
    while (n + 8 < bytes) { memcpy(p + n, "{},", 3); n += 3; }
    memcpy(p + n, "{}]}}", 6);
    return p;
}

TG_TEST(webhook_update_memory_bounded) {
    wh_env env;
    tg_webhook_desc desc;
    char out[256], port[8];
    char *big = wh_members_update(1000000), *mid = wh_members_update(200000);
    char *a1[] = { (char *)"keepalive", port, (char *)WH_PATH, (char *)WH_SECRET, NULL, NULL, NULL, NULL, NULL };
    size_t before, small_dec, per;
    /* per process: two unit programs may run at once in one tree (make test-cross, stress runs) */
    char abig[64], amid[64], azeros[64], *fbig = abig + 1, *fmid = amid + 1, *fzeros = azeros + 1;
    snprintf(abig, sizeof abig, "@build/wh_big_%d.json", (int)getpid());
    snprintf(amid, sizeof amid, "@build/wh_mid_%d.json", (int)getpid());
    snprintf(azeros, sizeof azeros, "@build/wh_zeros_%d.json", (int)getpid());
    if (!big || !mid) { free(big); free(mid); CHECK(0); return; }
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_update_memory = (size_t)8 << 20;
    desc.max_body_bytes = (size_t)2 << 20;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); free(big); free(mid); return; }
    snprintf(port, sizeof port, "%u", (unsigned)tg_webhook_port(env.w));
    per = sizeof(tg_user) + sizeof(void *);
    fprintf(stderr, "    (a {} member decodes to %zu bytes: 1 MB of them to %zu MB)\n", per, 333333 * per >> 20);
    CHECK(333333 * per > ((size_t)8 << 20));     /* so the big body must not fit */
    CHECK(66666 * per < ((size_t)8 << 20) - ((size_t)2 << 20));   /* and the middle one must */
    a1[4] = (char *)wh_update(0, 1, "small");
    CHECK_EQ_INT(wh_py(env.w, a1, out, sizeof out), 0);
    before = wh_arena_bytes(env.bot);
    small_dec = before;
    {
        /* zeros: 500,000 tokens, more than 8 MiB / 20 bytes a token (419,430): refused before parsing on */
        FILE *f1 = fopen(fbig, "w"), *f2 = fopen(fmid, "w"), *f3 = fopen(fzeros, "w");
        if (f1) { fputs(big, f1); fclose(f1); }
        if (f2) { fputs(mid, f2); fclose(f2); }
        if (f3) {
            int k;
            fputs("{\"update_id\":10,\"x\":[0", f3);
            for (k = 0; k < 500000; k++) fputs(",0", f3);
            fputs("]}", f3);
            fclose(f3);
        }
        CHECK(f1 && f2 && f3);
        CHECK(sizeof(tg_json_tok) == 20);
    }
    a1[4] = abig; a1[5] = azeros; a1[6] = amid;
    a1[7] = (char *)wh_update(0, 2, "small again");
    CHECK_EQ_INT(wh_py(env.w, a1, out, sizeof out), 0);
    CHECK_STR(out, "200 \n200 \n200 \n200 \n");         /* acknowledged: Telegram would repeat anything else */
    CHECK_EQ_INT(wh_stats(env.w).too_big_decoded, 2);
    CHECK_EQ_INT(wh_stats(env.w).dispatched, 3);      /* small, mid, small again */
    CHECK_EQ_INT(wh_nseen, 3);
    CHECK(wh_stats(env.w).arena_trims >= 1);
    /* the arena is back to its usual size (what the small update needed, at most 256 KiB) */
    fprintf(stderr, "    (arena: %zu bytes before, %zu after)\n", small_dec, wh_arena_bytes(env.bot));
    CHECK(wh_arena_bytes(env.bot) <= ((size_t)256 << 10));
    CHECK(wh_arena_bytes(env.bot) <= TGBOT__MAX(before, (size_t)256 << 10));
    wh_end(&env);
    remove(fbig); remove(fmid); remove(fzeros);
    free(big); free(mid);
}

/* item: a peer's string in a log line cannot forge a line of its own */
TG_TEST(webhook_log_lines_sanitised) {
    wh_env env;
    tg_webhook_desc desc;
    char body[256];
    const char *forged = "{\"message\\nwebhook: FORGED admin logged in\\u001b[0m\":{},\"update_id\":\"not a number\"}";
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    wh_warns[0] = '\0';
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, forged, NULL, NULL, body, sizeof body), 200);
    CHECK_EQ_INT(wh_stats(env.w).undecodable, 1);
    CHECK(strstr(wh_warns, "could not be decoded") != NULL);
    CHECK(strstr(wh_warns, "\nwebhook: FORGED") == NULL && strncmp(wh_warns, "webhook: FORGED", 15) != 0);
    CHECK(strstr(wh_warns, "message?webhook: FORGED admin logged in?[0m") != NULL);
    CHECK(strchr(wh_warns, '\x1b') == NULL);
    wh_end(&env);
}

/* item: the token's secret part never survives in an error description: scrubbed before the cut to
   255 bytes, and any run of 8 or more of its characters */
TG_TEST(webhook_token_scrubbed_in_descriptions) {
    tg_bot *b;
    const tg_error *e;
    const char *secret = strchr(BOT_TOKEN, ':') + 1;
    char body[1024], pad[260];
    size_t i, n = strlen(secret);
    int leaks = 0;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(0); return; }
    e = tg_bot_last_error(b);
    /* the token straddles the 255-byte cut: 14 characters of its secret fall before the cut */
    memset(pad, 'p', 230); pad[230] = '\0';
    snprintf(body, sizeof body, "{\"method\":\"getChat\",\"error\":{\"error_code\":404,\"description\":\"%s/bot%s/getChat\"}}", pad, BOT_TOKEN);
    ctl("POST", "/_ctl/result", body);
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    for (i = 0; i + 8 <= n; i++) { char run[9]; memcpy(run, secret + i, 8); run[8] = '\0'; if (strstr(e->description, run)) leaks++; }
    CHECK_EQ_INT(leaks, 0);
    CHECK(strstr(e->description, "/bot123456:<token>") != NULL);
    /* parts of the secret: runs of 8 and 20 characters go, a run of 7 stays (not enough to matter) */
    snprintf(body, sizeof body, "{\"method\":\"getChat\",\"error\":{\"error_code\":400,\"description\":"
             "\"a %.8s b %.20s c %.7s d\"}}", secret + 3, secret + 10, secret + 1);
    ctl("POST", "/_ctl/result", body);
    CHECK(tg_call(b, "getChat", "{\"chat_id\":5}", NULL) == TG_ERR_API);
    {
        char want[64];
        snprintf(want, sizeof want, "a <token> b <token> c %.7s d", secret + 1);
        CHECK_STR(e->description, want);
    }
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}

/* item: limits near SIZE_MAX would wrap the buffer size computed from them */
TG_TEST(webhook_rejects_absurd_limits) {
    tg_bot *b = wh_bot();
    tg_dispatcher *d = NULL;
    tg_webhook *w = NULL;
    tg_webhook_desc desc;
    tg_error e;
    if (!b || tg_dispatcher_new(&d, b, NULL) != TG_OK) { CHECK(0); return; }
    memset(&desc, 0, sizeof desc);
    desc.host = "127.0.0.1";
    desc.secret_token = WH_SECRET;
    desc.max_body_bytes = SIZE_MAX;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(w == NULL && strstr(e.description, "max_body_bytes") != NULL);
    desc.max_body_bytes = SIZE_MAX - 8192 - 16384 + 1;   /* header + body + one read would wrap to 0 */
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    desc.max_body_bytes = ((size_t)1 << 30) + 1;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    desc.max_body_bytes = (size_t)1 << 30;               /* the largest accepted */
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_OK);
    tg_webhook_free(w); w = NULL;
    desc.max_body_bytes = 0;
    desc.max_connections = UINT32_MAX;                   /* max_connections + 1 poll slots would wrap */
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    desc.max_connections = 0;
    desc.max_header_bytes = UINT32_MAX;
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(w == NULL);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

/* item: a secret is required unless the desc says only a trusted upstream can connect */
TG_TEST(webhook_requires_secret) {
    wh_env env;
    tg_webhook_desc desc;
    tg_bot *b = wh_bot();
    tg_dispatcher *d = NULL;
    tg_webhook *w = NULL;
    tg_error e;
    char body[256];
    if (!b || tg_dispatcher_new(&d, b, NULL) != TG_OK) { CHECK(0); return; }
    memset(&desc, 0, sizeof desc);
    desc.host = "127.0.0.1";
    CHECK_EQ_INT(tg_webhook_new(&w, d, &desc, &e), TG_ERR_ARG);
    CHECK(w == NULL && strstr(e.description, "secret_token is required") != NULL);
    tg_dispatcher_free(d);
    tg_bot_free(b);
    memset(&desc, 0, sizeof desc);
    desc.reachable_only_via_trusted_upstream = true;
    wh_warns[0] = '\0';
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    CHECK(strstr(wh_warns, "no secret_token") != NULL);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), NULL, wh_update(0, 5, "x"), NULL, NULL, body, sizeof body), 200);
    CHECK_EQ_INT(wh_nseen, 1);
    wh_end(&env);
}

/* item: per-source connection limit on by default (100) */
TG_TEST(webhook_per_source_default_limit) {
    wh_env env;
    tg_webhook_desc desc;
    int fds[102], i, other;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    wh_default_hardening = true;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    for (i = 0; i < 101; i++) fds[i] = wh_connect(env.w, NULL);
    WH_STEP_UNTIL(env.w, wh_stats(env.w).connections + wh_stats(env.w).source_connections_refused == 101);
    CHECK_EQ_INT(wh_stats(env.w).connections, 100);
    CHECK_EQ_INT(wh_stats(env.w).source_connections_refused, 1);
    /* another source still gets in (127.0.0.2 is loopback too on Linux) */
    other = wh_connect(env.w, "127.0.0.2");
    if (other >= 0) {
        WH_STEP_UNTIL(env.w, wh_stats(env.w).connections == 101);
        CHECK_EQ_INT(wh_stats(env.w).connections, 101);
        close(other);
    }
    for (i = 0; i < 101; i++) if (fds[i] >= 0) close(fds[i]);
    wh_end(&env);
}
/* at max_connections a new connection takes the place of the oldest one that never carried the
   secret; one that did is never chosen (slowloris cannot lock Telegram out) */
TG_TEST(webhook_evicts_unauthenticated_at_capacity) {
    wh_env env;
    tg_webhook_desc desc;
    char req[700], resp[256];
    int a, idle[6], i;
    ssize_t n = -1;
    uint64_t dl;
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.max_connections = 3;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    snprintf(req, sizeof req, "POST " WH_PATH " HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: " WH_SECRET "\r\n"
             "Content-Length: %u\r\n\r\n%s", (unsigned)strlen(wh_update(0, 31, "a")), wh_update(0, 31, "a"));
    a = wh_connect(env.w, NULL);
    WH_STEP_UNTIL(env.w, wh_stats(env.w).connections == 1);
    CHECK(a >= 0 && write(a, req, strlen(req)) == (ssize_t)strlen(req));
    WH_STEP_UNTIL(env.w, wh_stats(env.w).dispatched == 1);
    for (i = 0; i < 6; i++) {            /* each one after the second pushes out the oldest idle one */
        idle[i] = wh_connect(env.w, NULL);
        WH_STEP_UNTIL(env.w, wh_stats(env.w).connections == (uint64_t)i + 2);
    }
    CHECK_EQ_INT(wh_stats(env.w).connections, 7);
    CHECK_EQ_INT(wh_stats(env.w).evicted, 4);
    CHECK_EQ_INT(wh_stats(env.w).connections_refused, 0);
    CHECK_EQ_INT(wh_stats(env.w).connections_open, 3);
    /* the authenticated connection is still there and served */
    dl = wh_now() + 2000;
    while (wh_now() < dl && read(a, resp, sizeof resp - 1) < 0) tg_webhook_step(env.w, 5);
    CHECK(write(a, req, strlen(req)) == (ssize_t)strlen(req));
    WH_STEP_UNTIL(env.w, wh_stats(env.w).dispatched == 2);
    dl = wh_now() + 2000;
    while (wh_now() < dl && (n = read(a, resp, sizeof resp - 1)) < 0) tg_webhook_step(env.w, 5);
    CHECK(n > 12 && memcmp(resp, "HTTP/1.1 200", 12) == 0);
    /* the oldest idle ones were closed: their reads see EOF */
    {
        char ch;
        struct pollfd p;
        p.fd = idle[0]; p.events = POLLIN;
        CHECK(poll(&p, 1, 1000) == 1 && read(idle[0], &ch, 1) <= 0);
    }
    close(a);
    for (i = 0; i < 6; i++) if (idle[i] >= 0) close(idle[i]);
    wh_end(&env);
}
/* TLS handshake failures are a signal: three sources of junk instead of a ClientHello block it
   (34 points each, 100 to block); the handshake timeout (slow) counts the same way */
TG_TEST(webhook_tls_failures_scored) {
    wh_env env;
    tg_webhook_desc desc;
    char cert[512], key[512];
    const char *dir = getenv("TG_TLS_DIR");
    int i;
#if TGBOT__TLS_NONE
    SKIP("built without TLS");
#endif
    if (!dir) SKIP("TG_TLS_DIR not set (run under tests/with_servers.sh)");
    snprintf(cert, sizeof cert, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.tls_cert_file = cert; desc.tls_key_file = key;
    wh_default_hardening = true;
    wh_fake_clock = true; wh_fake_ms = 1000;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    for (i = 0; i < 3; i++) {
        static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";    /* plain HTTP to an HTTPS port */
        int fd = wh_connect(env.w, NULL);
        uint64_t want = (uint64_t)i + 1;
        WH_STEP_UNTIL(env.w, wh_stats(env.w).connections == want);
        CHECK(fd >= 0 && write(fd, junk, sizeof junk - 1) == (ssize_t)(sizeof junk - 1));
        WH_STEP_UNTIL(env.w, wh_stats(env.w).tls_failures == want);
        if (fd >= 0) close(fd);
    }
    CHECK_EQ_INT(wh_stats(env.w).tls_failures, 3);
    CHECK_EQ_INT(wh_stats(env.w).tls_scored, 3);
    CHECK_EQ_INT(wh_stats(env.w).sources_blocked, 1);
    {   /* blocked: the next connection is closed at accept */
        int fd = wh_connect(env.w, NULL);
        WH_STEP_UNTIL(env.w, wh_stats(env.w).blocked_refused == 1);
        CHECK_EQ_INT(wh_stats(env.w).blocked_refused, 1);
        if (fd >= 0) close(fd);
    }
    wh_end(&env);
}

/* issue 11: a webhook reply passes the bot's stages like any call (the limiter and metrics see it);
   a stage that refuses keeps it out of the reply */
static int whst_admits, whst_done, whst_refuse;
static tg_err whst_admit(void *ud, const tg_call_info *c, tg_error *err) {
    (void)ud;
    if (strcmp(c->method, "sendMessage") == 0 && strstr(c->params, "echo: reply")) whst_admits++;
    if (whst_refuse) { err->code = TG_ERR_ARG; snprintf(err->description, sizeof err->description, "no replies"); return TG_ERR_ARG; }
    return TG_OK;
}
static void whst_on_done(void *ud, const tg_call_info *c, tg_err code, const tg_error *err, uint64_t ms) {
    (void)ud; (void)err; (void)ms;
    if (strcmp(c->method, "sendMessage") == 0 && code == TG_OK) whst_done++;
}

TG_TEST(webhook_reply_passes_the_stages) {
    wh_env env;
    tg_webhook_desc desc;
    tg_stage st;
    char body[1024];
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    if (!wh_start(&env, &desc)) { CHECK(0); wh_end(&env); return; }
    memset(&st, 0, sizeof st);
    st.admit = whst_admit; st.done = whst_on_done;
    CHECK(tg_bot_add_stage(env.bot, &st) == TG_OK);
    whst_admits = whst_done = whst_refuse = 0;
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 97, "reply"), NULL, NULL, body, sizeof body), 200);
    CHECK_STR(body, "{\"method\":\"sendMessage\",\"chat_id\":42,\"text\":\"echo: reply\"}");
    CHECK_EQ_INT(whst_admits, 1);
    CHECK_EQ_INT(whst_done, 1);
    whst_refuse = 1;
    memset(wh_reply_results, 0xff, sizeof wh_reply_results);
    CHECK_EQ_INT(wh_curl(env.w, wh_mkurl(env.w, "http", WH_PATH), WH_SECRET, wh_update(0, 98, "reply"), NULL, NULL, body, sizeof body), 200);
    CHECK(strstr(body, "echo: reply") == NULL);          /* refused: not in the reply */
    CHECK_EQ_INT(wh_reply_results[2], TG_ERR_ARG);
    CHECK_EQ_INT(whst_done, 1);
    wh_end(&env);
}


/* issue 11: the webhook server on the bot's loop: tg_loop_step serves deliveries while the
   handlers' async calls run; tg_run ends after tg_stop and the last call */
static int whl_done, whl_handled;
static void whl_call_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    (void)bot; (void)id; (void)err; (void)res; (void)ud;
    if (code == TG_OK) whl_done++;
}
static int whl_handler(tg_ctx *ctx, void *ud) {
    tg_async o;
    char p[96];
    (void)ud;
    whl_handled++;
    memset(&o, 0, sizeof o);
    o.done = whl_call_done;
    snprintf(p, sizeof p, "{\"chat_id\":%lld,\"text\":\"loop %s\"}", (long long)ctx->chat_id, ctx->message->text);
    CHECK(tg_call_async(ctx->bot, "sendMessage", p, &o, NULL) == TG_ERR_PENDING);
    if (strcmp(ctx->message->text, "stop") == 0) tg_stop(ctx->dispatcher);
    return TG_HANDLED;
}

TG_TEST(webhook_on_the_bot_loop) {
    tg_bot *b;
    tg_dispatcher *d = NULL;
    tg_webhook *w = NULL;
    tg_webhook_desc desc;
    tg_error e;
    char *argv[16], hdr[96], out[256];
    int i, fd, status = -1;
    size_t len = 0;
    pid_t pid;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    ctl("POST", "/_ctl/reset", NULL);
    b = wh_bot();
    CHECK(b && tg_dispatcher_new(&d, b, NULL) == TG_OK);
    if (!d) return;
    tg_on_update(d, NULL, whl_handler, NULL);
    memset(&desc, 0, sizeof desc);
    desc.secret_token = WH_SECRET;
    desc.host = "127.0.0.1";
    desc.path = WH_PATH;
    desc.block_score = TG_WEBHOOK_UNLIMITED;
    CHECK(tg_webhook_new(&w, d, &desc, &e) == TG_OK);
    if (!w) { tg_dispatcher_free(d); tg_bot_free(b); return; }
    tg_loop_add_webhook(b, w);
    whl_done = whl_handled = 0;
    for (i = 0; i < 3; i++) {                /* three deliveries, the last one says stop */
        int n = 0;
        snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", WH_SECRET);
        argv[n++] = (char *)"curl"; argv[n++] = (char *)"-s"; argv[n++] = (char *)"-o"; argv[n++] = (char *)"/dev/null";
        argv[n++] = (char *)"-w"; argv[n++] = (char *)"%{http_code}";
        argv[n++] = (char *)"-H"; argv[n++] = (char *)"Content-Type: application/json"; argv[n++] = (char *)"-H"; argv[n++] = hdr;
        argv[n++] = (char *)"--data-binary"; argv[n++] = (char *)wh_update(0, 700 + i, i == 2 ? "stop" : "go");
        argv[n++] = (char *)wh_mkurl(w, "http", WH_PATH);
        argv[n] = NULL;
        pid = wh_spawn(argv, &fd);
        CHECK(pid > 0);
        if (pid <= 0) break;
        len = 0; out[0] = '\0';
        for (;;) {                              /* the bot's loop serves the delivery */
            tg_loop_step(b, 20);
            wh_drain(fd, out, sizeof out, &len);
            if (waitpid(pid, &status, WNOHANG) == pid) break;
        }
        wh_drain(fd, out, sizeof out, &len);
        close(fd);
        CHECK_STR(out, "200");
    }
    tg_run(b);                                /* the stopped server and the last calls end */
    CHECK_EQ_INT(whl_handled, 3);
    CHECK_EQ_INT(whl_done, 3);
    {   /* the three replies reached the server once each (counted by their texts: a late request
           of an earlier test may also be in the server's log) */
        const char *log = ctl("GET", "/_ctl/requests", NULL), *q;
        int go = 0, stop = 0;
        for (q = log; (q = strstr(q, "loop go")) != NULL; q++) go++;
        for (q = log; (q = strstr(q, "loop stop")) != NULL; q++) stop++;
        CHECK_EQ_INT(go, 2);
        CHECK_EQ_INT(stop, 1);
    }
    tg_loop_add_webhook(b, NULL);
    tg_webhook_free(w);
    tg_dispatcher_free(d);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);
}

#else
/* built without the webhook module: every test says so */
#define WH_SKIPPED(name) TG_TEST(name) { SKIP("built without TGBOT_ENABLE_WEBHOOK"); }
WH_SKIPPED(webhook_secret_dispatch_and_refusals)
WH_SKIPPED(webhook_raw_http_errors)
WH_SKIPPED(webhook_keepalive_and_pipelining)
WH_SKIPPED(webhook_reply_with_method)
WH_SKIPPED(webhook_slow_client_dropped)
WH_SKIPPED(webhook_https_curl)
WH_SKIPPED(webhook_stop_from_handler_answers_first)
WH_SKIPPED(webhook_sigterm_child_stops_gracefully)
WH_SKIPPED(webhook_expect_continue)
WH_SKIPPED(webhook_max_connections_and_idle)
WH_SKIPPED(webhook_own_poll_loop)
WH_SKIPPED(webhook_survives_mangled_requests)
WH_SKIPPED(webhook_new_rejects_bad_descs)
WH_SKIPPED(webhook_secret_helpers)
WH_SKIPPED(webhook_cidr_parse)
WH_SKIPPED(webhook_filter_decisions)
WH_SKIPPED(webhook_forwarded_for_parse)
WH_SKIPPED(webhook_source_table_bucket_and_strikes)
WH_SKIPPED(webhook_new_rejects_bad_cidrs)
WH_SKIPPED(webhook_address_parsers_random)
WH_SKIPPED(webhook_allow_list_loopback)
WH_SKIPPED(webhook_forwarded_for_trusted_proxy)
WH_SKIPPED(webhook_per_source_limits)
WH_SKIPPED(webhook_threat_score_blocks)
WH_SKIPPED(webhook_threat_score_tightens_under_pressure)
WH_SKIPPED(webhook_emfile_pauses_accept)
WH_SKIPPED(webhook_update_memory_bounded)
WH_SKIPPED(webhook_log_lines_sanitised)
WH_SKIPPED(webhook_token_scrubbed_in_descriptions)
WH_SKIPPED(webhook_rejects_absurd_limits)
WH_SKIPPED(webhook_requires_secret)
WH_SKIPPED(webhook_per_source_default_limit)
WH_SKIPPED(webhook_evicts_unauthenticated_at_capacity)
WH_SKIPPED(webhook_tls_failures_scored)
WH_SKIPPED(webhook_forwarded_rfc7239)
WH_SKIPPED(webhook_reply_passes_the_stages)
WH_SKIPPED(webhook_on_the_bot_loop)
#endif
