#if TGBOT__HAS_WEBHOOK
/* webhook: the HTTP/1.1 server. One poll() round (tg_webhook_step) accepts, reads, parses heads
   with the client's parser (tg__http_parse_head), dispatches complete deliveries in arrival order
   and writes the answers; a connection is a small state record with an input and an output buffer
   that are kept for its whole life, so steady-state keep-alive traffic allocates nothing.

   Refusals that leave the request's body readable (401/403/404/405) skip that body and keep the
   connection; the others (400 malformed, 411, 413, 431) answer, shut down the write side and
   drain the input for a moment before closing, so that the client reads the answer instead of a
   TCP reset. */

#define TG__WH_READ 16384u              /* bytes asked of one recv() */
#define TG__WH_OUT_HIGH 65536u          /* answers the client has not read: stop serving until it does */
#define TG__WH_DRAIN_MS 2000u           /* lingering close: how long input is drained after the answer */
#define TG__WH_PRESSURE_MS 10000u       /* accept() short of descriptors: "under pressure" this long */
#define TG__WH_BIG_BODY 65536u          /* bodies above this are decoded once on a budget before dispatch */
#define TG__WH_ARENA_KEEP ((size_t)256 << 10)   /* the arena's usual size: kept after a big update */
#define TG__WH_TOKS_KEEP 4096u          /* tokens kept after a big update */

typedef struct tg__wh_reply { tg_json_writer w; bool set; } tg__wh_reply;   /* ctx->webhook_reply */

typedef struct tg__wconn {
    tg__sock fd;
    tg__tls *tls;
    tg__buf in, out;
    size_t in_off, out_pos;
    size_t skip;                        /* body bytes of a refused request still to discard */
    size_t scanned;                     /* head bytes already searched for the blank line */
    size_t head_len, body_len;          /* the accepted request whose body is awaited */
    uint64_t deadline;
    uint64_t opened;                    /* accept time: the oldest unauthenticated connection goes first */
    bool handshaking, want_write;       /* TLS: the engine waits for writability */
    bool head_done, expect, continue_sent, keep_alive, http10;
    bool idle;                          /* deadline is the idle timeout */
    bool closing;                       /* no more requests: flush, then drain and close */
    bool draining, peer_eof, dead;
    bool proxied;                       /* the peer is a trusted proxy: the client is in X-Forwarded-For */
    bool authed;                        /* a request on it carried the right secret: its timeouts are not scored */
    bool client_known;                  /* proxied: client holds the current request's client */
    long src;                           /* the peer's slot in the source table (its conns counts this one); -1 none */
    uint32_t retry_after;               /* 429: seconds */
    tg_ip peer_ip, client;
} tg__wconn;

struct tg_webhook {
    tg_dispatcher *d;
    tg_bot *bot;
    const tg_allocator *alloc;
    const tg_logger *log;
    const tg_platform *plat;
    tg__sock lfd;
    uint16_t port;
    char *path, *secret;
    size_t path_len, secret_len;
    tg_http_limits lim;
    size_t max_body, max_in;
    uint32_t read_to, idle_to, max_conns;
    bool handle_signals, stopping;
    tg__tls_ctx *tls_ctx;
    tg__wconn **conns; size_t nconns;
    tg__pollfd *pfds;                   /* max_conns + 1 */
    tg__http_head head;                 /* scratch: only scalars are kept past parsing */
    tg_json_tok *toks; uint32_t toks_cap;
    tg__wh_reply reply;
    tg_webhook_stats st;
    /* source filter (netfilter.c): nf_accept = work at accept, nf_request = work per request head;
       both false without lists or limits, and then neither path does anything more than before */
    tg__nf_list allow, deny, proxies;
    tg__nf_table src;                   /* src.s NULL: no per-source state */
    uint32_t per_src_conns, rps, burst, block_score, block_ms, half_life;
    bool nf_accept, nf_request, trust_forwarded;
    bool req_authed;                    /* the request being refused carried the right secret */
    void (*on_blocked)(void *ud, const tg_webhook_source *src);
    void (*on_unblocked)(void *ud, const tg_webhook_source *src);
    void *event_ud;
    uint64_t accept_resume;             /* accept() is paused until then (short of descriptors) */
    uint64_t pressure_until;            /* accept() was short of descriptors: under pressure until then */
    uint64_t next_unblock;              /* the earliest running block's end; UINT64_MAX none */
    size_t max_update_mem;
};

static char *tg__wh_strdup(const tg_allocator *a, const char *s) {
    size_t n = strlen(s);
    char *p = (char *)tg__alloc(a, n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

TGBOT_API bool tg_webhook_secret_valid(const char *s) {
    size_t i;
    if (!s) return false;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
        if (i >= TG_WEBHOOK_SECRET_MAX) return false;
    }
    return i > 0;
}

static void tg__wh_list_free(tg_webhook *w, tg__nf_list *l) {
    if (l->v) tg__free(w->alloc, l->v, l->n * sizeof *l->v);
    l->v = NULL; l->n = 0;
}

/* parses a desc list (plus Telegram's ranges when telegram is set); TG_ERR_ARG names a bad entry */
static tg_err tg__wh_list(tg_webhook *w, tg__nf_list *l, const char *what, const char *const *v, size_t n, bool telegram,
                          tg_error *err) {
    static const char *const tg_ranges[] = { TG_TELEGRAM_WEBHOOK_RANGES };
    size_t extra = telegram ? sizeof tg_ranges / sizeof tg_ranges[0] : 0, i;
    if (n && !v) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook %s: %s_count is %lu but the list is NULL", what, what, (unsigned long)n);
        return TG_ERR_ARG;
    }
    if (!n && !extra) return TG_OK;
    l->v = (tg_cidr *)tg__alloc(w->alloc, (n + extra) * sizeof *l->v);
    if (!l->v) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory"); return TG_ERR_NOMEM; }
    l->n = n + extra;
    for (i = 0; i < n + extra; i++) {
        const char *c = i < n ? v[i] : tg_ranges[i - n];
        if (!c || !tg_cidr_parse(c, &l->v[i])) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook %s[%lu]: \"%.64s\" is not an address or CIDR range "
                          "(like 149.154.160.0/20 or 2001:db8::/32, no host bits set)", what, (unsigned long)i, c ? c : "(null)");
            return TG_ERR_ARG;
        }
    }
    return TG_OK;
}

TGBOT_API void tg_webhook_free(tg_webhook *w) {
    size_t i;
    if (!w) return;
    tg__wh_list_free(w, &w->allow); tg__wh_list_free(w, &w->deny); tg__wh_list_free(w, &w->proxies);
    if (w->src.s) tg__free(w->alloc, w->src.s, ((size_t)w->src.mask + 1) * sizeof *w->src.s);
    for (i = 0; i < w->nconns; i++) {
        tg__wconn *c = w->conns[i];
        if (c->tls) tg__tls_free(c->tls);
        tg__sock_close(c->fd);
        tg__buf_free(&c->in); tg__buf_free(&c->out);
        tg__free(w->alloc, c, sizeof *c);
    }
    tg__sock_close(w->lfd);
    if (w->tls_ctx) tg__tls_ctx_free(w->tls_ctx);
    if (w->conns) tg__free(w->alloc, w->conns, w->max_conns * sizeof *w->conns);
    if (w->pfds) tg__free(w->alloc, w->pfds, (w->max_conns + 1) * sizeof *w->pfds);
    if (w->toks) tg__free(w->alloc, w->toks, w->toks_cap * sizeof *w->toks);
    if (w->path) tg__free(w->alloc, w->path, w->path_len + 1);
    if (w->secret) { tg__wipe(w->secret, w->secret_len); tg__free(w->alloc, w->secret, w->secret_len + 1); }
    tg_json_writer_free(&w->reply.w);
    tg__free(w->alloc, w, sizeof *w);
}

TGBOT_API tg_err tg_webhook_new(tg_webhook **out, tg_dispatcher *d, const tg_webhook_desc *desc, tg_error *err) {
    tg_bot *bot;
    tg_webhook *w;
    tg_webhook_desc z;
    const tg_allocator *a;
    tg_err e;
    if (out) *out = NULL;
    if (!out || !d) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "tg_webhook_new: no dispatcher"); return TG_ERR_ARG; }
    if (!desc) { memset(&z, 0, sizeof z); desc = &z; }
    if (desc->secret_token && !tg_webhook_secret_valid(desc->secret_token)) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook secret_token must be 1-256 characters of A-Z a-z 0-9 _ -");
        return TG_ERR_ARG;
    }
    if (!desc->secret_token && !desc->reachable_only_via_trusted_upstream) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook secret_token is required (pass the one given to setWebhook; "
                      "set reachable_only_via_trusted_upstream only when nothing but a trusted proxy or a local Bot API server can connect)");
        return TG_ERR_ARG;
    }
    /* limits that would wrap the buffer sizes computed from them */
    if (desc->max_body_bytes > ((size_t)1 << 30) || desc->max_header_bytes > (1u << 20) || desc->max_connections > (1u << 20) ||
        desc->max_update_memory / 1024u > ((size_t)1 << 30)) {   /* 1 TiB, without a constant 32-bit size_t cannot hold */
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook limits out of range (max_body_bytes <= 1 GiB, "
                      "max_header_bytes <= 1 MiB, max_connections <= 2^20, max_update_memory <= 1 TiB)");
        return TG_ERR_ARG;
    }
    if (!desc->tls_cert_file != !desc->tls_key_file) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook TLS needs both tls_cert_file and tls_key_file");
        return TG_ERR_ARG;
    }
    if (desc->path && desc->path[0] != '/') {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "webhook path must start with '/'");
        return TG_ERR_ARG;
    }
    bot = tg__dispatcher_bot(d);
    a = tg__bot_alloc(bot);
    w = (tg_webhook *)tg__alloc(a, sizeof *w);
    if (!w) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory"); return TG_ERR_NOMEM; }
    memset(w, 0, sizeof *w);
    w->d = d; w->bot = bot; w->alloc = a;
    w->log = tg__bot_logger(bot); w->plat = tg__bot_platform(bot);
    w->lfd = TG__SOCK_INVALID;
    w->lim.max_header_bytes = desc->max_header_bytes ? desc->max_header_bytes : 8192u;
    w->lim.max_status_line = w->lim.max_header_bytes;   /* the request line is part of the head */
    w->lim.max_headers = 64;
    w->max_body = desc->max_body_bytes ? desc->max_body_bytes : (size_t)1 << 20;
    w->max_in = w->lim.max_header_bytes + w->max_body + TG__WH_READ;
    w->read_to = desc->read_timeout_ms ? desc->read_timeout_ms : 10000u;
    w->idle_to = desc->idle_timeout_ms ? desc->idle_timeout_ms : 60000u;
    w->max_conns = desc->max_connections ? desc->max_connections : 256u;
    w->handle_signals = desc->handle_signals;
    tg_json_writer_init_grow(&w->reply.w, a);
    w->path = tg__wh_strdup(a, desc->path ? desc->path : "/");
    w->path_len = w->path ? strlen(w->path) : 0;
    if (desc->secret_token) {
        w->secret = tg__wh_strdup(a, desc->secret_token);
        w->secret_len = w->secret ? strlen(w->secret) : 0;
    } else {
        tg__log(w->log, TG_LOG_WARN, "webhook: no secret_token (reachable_only_via_trusted_upstream): any client that reaches the port can post updates");
    }
    w->conns = (tg__wconn **)tg__alloc(a, w->max_conns * sizeof *w->conns);
    w->pfds = (tg__pollfd *)tg__alloc(a, (w->max_conns + 1) * sizeof *w->pfds);
    if (!w->path || (desc->secret_token && !w->secret) || !w->conns || !w->pfds) {
        tg_webhook_free(w);
        tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory");
        return TG_ERR_NOMEM;
    }
    if ((e = tg__wh_list(w, &w->allow, "allow", desc->allow, desc->allow_count, desc->allow_telegram, err)) != TG_OK ||
        (e = tg__wh_list(w, &w->deny, "deny", desc->deny, desc->deny_count, false, err)) != TG_OK ||
        (e = tg__wh_list(w, &w->proxies, "trusted_proxies", desc->trusted_proxies, desc->trusted_proxies_count, false, err)) != TG_OK) {
        tg_webhook_free(w);
        return e;
    }
    w->per_src_conns = desc->max_connections_per_source == TG_WEBHOOK_UNLIMITED ? 0 :
                       desc->max_connections_per_source ? desc->max_connections_per_source : 100u;
    w->rps = TGBOT__MIN(desc->requests_per_second, 1000000u);
    w->burst = TGBOT__MIN(desc->requests_burst ? desc->requests_burst : w->rps, 1000000u);
    w->block_score = desc->block_score == TG_WEBHOOK_UNLIMITED ? 0 :
                     TGBOT__MIN(desc->block_score ? desc->block_score : 100u, 4000000u) * 1000u;
    w->block_ms = desc->block_ms ? desc->block_ms : 600000u;
    w->half_life = desc->score_half_life_ms ? desc->score_half_life_ms : 60000u;
    w->on_blocked = desc->on_blocked; w->on_unblocked = desc->on_unblocked; w->event_ud = desc->event_ud;
    w->trust_forwarded = desc->trust_forwarded;
    w->max_update_mem = desc->max_update_memory ? desc->max_update_memory : (size_t)16 << 20;
    w->next_unblock = UINT64_MAX;
    if (w->per_src_conns || w->rps || w->block_score) {
        uint32_t slots = 64;
        uint32_t want = desc->max_sources ? TGBOT__MIN(desc->max_sources, (uint32_t)1 << 20) : 1024u;
        while (slots < want) slots <<= 1;
        w->src.s = (tg__nf_src *)tg__alloc(a, slots * sizeof *w->src.s);
        if (!w->src.s) {
            tg_webhook_free(w);
            tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "out of memory");
            return TG_ERR_NOMEM;
        }
        memset(w->src.s, 0, slots * sizeof *w->src.s);
        w->src.mask = slots - 1;
        if (tg__random_bytes(w->plat, &w->src.key, sizeof w->src.key) != 0)
            w->src.key = (uint64_t)(uintptr_t)w ^ tg__now_ms(w->plat);
    }
    w->nf_accept = w->allow.n || w->deny.n || w->proxies.n || w->src.s;
    w->nf_request = w->proxies.n || w->rps || w->block_score;
    if (desc->tls_cert_file &&
        (e = tg__tls_ctx_server(&w->tls_ctx, desc->tls_cert_file, desc->tls_key_file, a, w->plat, err)) != TG_OK) {
        tg_webhook_free(w);
        return e;
    }
    if (tg__sock_listen(desc->host ? desc->host : "0.0.0.0", desc->port, &w->lfd, &w->port) != 0) {
        int en = errno;
        tg_webhook_free(w);
        tg__error_set(err, TG_ERR_CONNECT, TG_PHASE_CONNECT, "webhook: cannot listen on %s:%u: %s",
                      desc->host ? desc->host : "0.0.0.0", (unsigned)desc->port, strerror(en));
        if (err) err->sys_errno = en;
        return TG_ERR_CONNECT;
    }
    tg__log(w->log, TG_LOG_INFO, "webhook: listening on port %u (%s)", (unsigned)w->port, w->tls_ctx ? "https" : "http");
    *out = w;
    return TG_OK;
}

TGBOT_API uint16_t tg_webhook_port(const tg_webhook *w) { return w->port; }
TGBOT_API void tg_webhook_get_stats(const tg_webhook *w, tg_webhook_stats *out) {
    *out = w->st;
    out->connections_open = w->nconns;
}

/* ---- answers ---- */
static const char *tg__wh_reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    default: return "Service Unavailable";
    }
}

static void tg__wh_put(char *h, size_t *n, const char *s) { size_t l = strlen(s); memcpy(h + *n, s, l); *n += l; }

/* the head is assembled by hand: it is on every delivery's path, and printf is not cheap */
static void tg__wh_respond(tg__wconn *c, int status, const char *body, size_t n) {
    char head[256], num[24];
    size_t hn = 0, k = sizeof num, v = n;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (status == 200 && !n && !c->closing && !c->http10) {     /* the common answer */
        if (tg__buf_append(&c->out, ok, sizeof ok - 1) != TG_OK) c->dead = true;
        return;
    }
    num[--k] = '\0';
    do { num[--k] = (char)('0' + v % 10); v /= 10; } while (v);
    tg__wh_put(head, &hn, "HTTP/1.1 ");
    head[hn++] = (char)('0' + status / 100); head[hn++] = (char)('0' + status / 10 % 10); head[hn++] = (char)('0' + status % 10);
    head[hn++] = ' ';
    tg__wh_put(head, &hn, tg__wh_reason(status));
    tg__wh_put(head, &hn, "\r\nContent-Length: ");
    tg__wh_put(head, &hn, num + k);
    tg__wh_put(head, &hn, "\r\n");
    if (n) tg__wh_put(head, &hn, "Content-Type: application/json\r\n");
    if (status == 405) tg__wh_put(head, &hn, "Allow: POST\r\n");
    if (status == 429) {
        char ra[16];
        size_t rk = sizeof ra;
        uint32_t rv = c->retry_after;
        ra[--rk] = '\0';
        do { ra[--rk] = (char)('0' + rv % 10); rv /= 10; } while (rv);
        tg__wh_put(head, &hn, "Retry-After: ");
        tg__wh_put(head, &hn, ra + rk);
        tg__wh_put(head, &hn, "\r\n");
    }
    if (c->closing) tg__wh_put(head, &hn, "Connection: close\r\n");
    else if (c->http10) tg__wh_put(head, &hn, "Connection: keep-alive\r\n");
    tg__wh_put(head, &hn, "\r\n");
    if (tg__buf_append(&c->out, head, hn) != TG_OK || (n && tg__buf_append(&c->out, body, n) != TG_OK))
        c->dead = true;
}

/* ---- the source filter, per request ---- */
/* the slot of the current request's client, or -1 (no table, or a proxied request whose client is
   not known: its head did not parse) */
static long tg__wh_req_slot(tg_webhook *w, const tg__wconn *c, uint64_t now) {
    if (!w->src.s) return -1;
    if (!c->proxied) return c->src;
    return c->client_known ? tg__nf_lookup(&w->src, &c->client, now, false) : -1;
}

static void tg__wh_view(const tg_webhook *w, const tg__nf_src *s, uint64_t now, tg_webhook_source *v) {
    v->addr = s->key;
    v->score = tg__nf_score_now(s, w->half_life, now);
    v->connections = s->conns;
    v->blocked_ms = s->blocked_until > now ? (uint32_t)TGBOT__MIN(s->blocked_until - now, (uint64_t)UINT32_MAX) : 0;
    v->blocks = s->blocks;
}

TGBOT_API size_t tg_webhook_sources(const tg_webhook *w, tg_webhook_source *out, size_t cap) {
    uint64_t now = tg__now_ms(w->plat);
    size_t n = 0, i;
    if (!w->src.s) return 0;
    for (i = 0; i <= w->src.mask; i++) {
        if (!w->src.s[i].used) continue;
        if (n < cap && out) tg__wh_view(w, &w->src.s[i], now, &out[n]);
        n++;
    }
    return n;
}

/* under pressure: connections near max_connections, or descriptors ran out lately */
static bool tg__wh_pressure(const tg_webhook *w, uint64_t now) {
    return (uint64_t)w->nconns * 4u >= (uint64_t)w->max_conns * 3u || now < w->pressure_until;
}

/* points against a source (milli-points); true when it is blocked from now on */
static bool tg__wh_score(tg_webhook *w, long slot, uint32_t points, uint64_t now) {
    char ip[TG_IP_TEXT_MAX];
    tg__nf_src *s;
    bool pressure;
    uint32_t threshold;
    if (slot < 0 || !w->block_score || !points) return false;
    s = &w->src.s[slot];
    pressure = tg__wh_pressure(w, now);
    threshold = pressure ? w->block_score / 2u : w->block_score;
    if (!tg__nf_score_add(s, points * 1000u, threshold, w->half_life, w->block_ms, now)) {
#if TGBOT__HAS_ANALYTICS   /* [analytics] counted when the bot's analytics is enabled */
        tg_analytics_record_threat(tg_bot_analytics(w->bot), points, false);
#endif
        return false;
    }
#if TGBOT__HAS_ANALYTICS
    tg_analytics_record_threat(tg_bot_analytics(w->bot), points, true);
#endif
    w->st.sources_blocked++;
    if (pressure) w->st.pressure_blocks++;
    if (s->blocked_until < w->next_unblock) w->next_unblock = s->blocked_until;
    tg_ip_format(&s->key, ip);
    tg__log(w->log, TG_LOG_WARN, "webhook: source %s%s blocked for %lu ms: threat score %lu%s", ip,
            tg_ip_is_v4(&s->key) ? "" : "/64", (unsigned long)w->block_ms, (unsigned long)(threshold / 1000u),
            pressure ? " (under pressure: threshold halved)" : "");
    if (w->on_blocked) {
        tg_webhook_source v;
        tg__wh_view(w, s, now, &v);
        w->on_blocked(w->event_ud, &v);
    }
    return true;
}

/* blocks that ended: reported once each (on_unblocked); next_unblock moves to the next one */
static void tg__wh_unblock(tg_webhook *w, uint64_t now) {
    uint64_t next = UINT64_MAX;
    size_t i;
    if (now < w->next_unblock || !w->src.s) return;
    for (i = 0; i <= w->src.mask; i++) {
        tg__nf_src *s = &w->src.s[i];
        if (!s->used || !s->blocked_until) continue;
        if (s->blocked_until > now) { if (s->blocked_until < next) next = s->blocked_until; continue; }
        s->blocked_until = 0;
        w->st.sources_unblocked++;
        if (w->on_unblocked) {
            tg_webhook_source v;
            tg__wh_view(w, s, now, &v);
            w->on_unblocked(w->event_ud, &v);
        }
    }
    w->next_unblock = next;
}

/* the points a refusal is worth (0: the filter's own refusals say who, not what) */
static uint32_t tg__wh_points(const tg_webhook *w, const uint64_t *counter) {
    const tg_webhook_stats *t = &w->st;
    if (counter == &t->forbidden) return TG_WEBHOOK_SCORE_WRONG_SECRET;
    if (counter == &t->unauthorized) return TG_WEBHOOK_SCORE_NO_SECRET;
    if (counter == &t->bad_request || counter == &t->bad_json) return TG_WEBHOOK_SCORE_MALFORMED;
    if (counter == &t->body_too_large || counter == &t->header_too_large || counter == &t->length_required) return TG_WEBHOOK_SCORE_OVERSIZE;
    if (counter == &t->rate_limited) return TG_WEBHOOK_SCORE_OVER_RATE;
    if (counter == &t->not_found || counter == &t->method_not_allowed) return TG_WEBHOOK_SCORE_WRONG_PATH;
    return 0;
}

static bool tg__wh_is_xff(tg_str n, bool forwarded) {
    const char *x = forwarded ? "forwarded" : "x-forwarded-for";
    size_t i;
    if (n.len != strlen(x)) return false;
    for (i = 0; i < n.len; i++) {
        char ch = n.ptr[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
        if (ch != x[i]) return false;
    }
    return true;
}

/* who sent this request (X-Forwarded-For through a trusted proxy), and may it: 0, or a status */
static int tg__wh_source(tg_webhook *w, tg__wconn *c, uint64_t now, uint64_t **counter) {
    long slot = c->src;
    if (c->proxied) {
        uint32_t i;
        int r = 0;
        c->client = c->peer_ip;
        for (i = w->head.nheaders; i-- > 0;) {         /* the last header holds the nearest hops */
            if (!tg__wh_is_xff(w->head.name[i], w->trust_forwarded)) continue;
            r = tg__nf_fwd(&w->proxies, w->head.value[i].ptr, w->head.value[i].len, w->trust_forwarded, &c->client);
            if (r != 0) break;
        }
        if (r < 0) { *counter = &w->st.forwarded_invalid; return 403; }
        c->client_known = true;
        if (!tg__nf_allowed(&w->allow, &w->deny, &c->client)) { *counter = &w->st.ip_refused; return 403; }
        if (!w->src.s) return 0;
        slot = tg__nf_lookup(&w->src, &c->client, now, true);
        if (slot < 0) { *counter = &w->st.sources_full; return 503; }
    }
    if (slot < 0) return 0;
    if (tg__nf_blocked(&w->src.s[slot], now)) { *counter = &w->st.blocked_refused; return 403; }
    if (w->rps && !tg__nf_take(&w->src.s[slot], w->rps, w->burst, now, &c->retry_after)) {
        *counter = &w->st.rate_limited;
        return 429;
    }
    return 0;
}

/* a refusal: counted, answered; the body is skipped on a connection that stays open. A refusal of
   a request without the right secret adds to its source's threat score. */
static void tg__wh_refuse(tg_webhook *w, tg__wconn *c, int status, uint64_t *counter, bool close, uint64_t now) {
    (*counter)++;
    if (w->block_score && !w->req_authed &&
        tg__wh_score(w, tg__wh_req_slot(w, c, now), tg__wh_points(w, counter), now) && !c->proxied)
        close = true;
    if (counter == &w->st.blocked_refused && !c->proxied) close = true;
    if (close) c->closing = true;
    tg__wh_respond(c, status, NULL, 0);
}

/* does the head carry the right secret (constant time in the secret's content; a wrong length
   still costs one full compare)? Without a secret configured nothing is authenticated. */
static bool tg__wh_authed(const tg_webhook *w, const tg__http_head *h) {
    const tg_str *sec;
    int same;
    if (!w->secret) return false;
    sec = tg__http_header(h, "x-telegram-bot-api-secret-token");
    if (!sec) return false;
    same = tg__ct_equal(sec->len == w->secret_len ? sec->ptr : w->secret, w->secret, w->secret_len);
    return same && sec->len == w->secret_len;
}

/* method, path, secret, length: decided from the head alone (w->req_authed already set). 0 = accepted. */
static int tg__wh_check(tg_webhook *w, const tg__http_head *h, uint64_t **counter) {
    size_t tlen = h->target.len;
    const char *q = (const char *)memchr(h->target.ptr, '?', tlen);
    if (q) tlen = (size_t)(q - h->target.ptr);
    if (h->method.len != 4 || memcmp(h->method.ptr, "POST", 4) != 0) { *counter = &w->st.method_not_allowed; return 405; }
    if (tlen != w->path_len || memcmp(h->target.ptr, w->path, tlen) != 0) { *counter = &w->st.not_found; return 404; }
    if (w->secret && !w->req_authed) {
        if (!tg__http_header(h, "x-telegram-bot-api-secret-token")) { *counter = &w->st.unauthorized; return 401; }
        *counter = &w->st.forbidden;
        return 403;
    }
    if (h->content_length < 0) { *counter = &w->st.length_required; return 411; }
    if ((uint64_t)h->content_length > w->max_body) { *counter = &w->st.body_too_large; return 413; }
    return 0;
}

/* ---- memory of one update ----
   A body over TG__WH_BIG_BODY is first decoded into a scratch arena whose allocator refuses past
   the budget, then dropped: only a body that fits is dispatched (where it decodes again, to the same
   size). Small bodies cannot decode to more than a few MiB and skip this. */
typedef struct tg__wh_budget { tg_allocator a; const tg_allocator *base; size_t used, limit; bool over; } tg__wh_budget;

static void *tg__wh_budget_alloc(size_t n, void *ud) {
    tg__wh_budget *b = (tg__wh_budget *)ud;
    void *p;
    if (n > b->limit - b->used) { b->over = true; return NULL; }
    p = tg__alloc(b->base, n);
    if (p) b->used += n;
    return p;
}

static void tg__wh_budget_free(void *p, size_t n, void *ud) {
    tg__wh_budget *b = (tg__wh_budget *)ud;
    tg__free(b->base, p, n);
    b->used -= n;
}

/* true when the update in v decodes within max_update_mem (the token array counts too) */
static bool tg__wh_fits(tg_webhook *w, const tg_json_value *v, size_t tok_bytes) {
    tg__wh_budget b;
    tg_arena scratch;
    void *u;
    memset(&b, 0, sizeof b);
    b.a.alloc = tg__wh_budget_alloc; b.a.free = tg__wh_budget_free; b.a.ud = &b;
    b.base = w->alloc;
    b.limit = tok_bytes < w->max_update_mem ? w->max_update_mem - tok_bytes : 0;
    tg_arena_init(&scratch, &b.a);
    u = tg_arena_alloc(&scratch, sizeof(tg_update));
    if (u) (void)tg_decode(TG_TYPE_UPDATE, v, &scratch, u);
    tg_arena_free(&scratch);
    return !b.over && u != NULL;
}

/* after tg_bot_reset every arena block is spare: keep TG__WH_ARENA_KEEP of them, free the rest;
   the token array goes back to TG__WH_TOKS_KEEP */
static void tg__wh_trim(tg_webhook *w) {
    tg_arena *a = tg_bot_arena(w->bot);
    tg__arena_block **pp = &a->spare;
    size_t kept = 0;
    bool trimmed = false;
    while (*pp) {
        tg__arena_block *b = *pp;
        if (kept + b->cap <= TG__WH_ARENA_KEEP) { kept += b->cap; pp = &b->prev; continue; }
        *pp = b->prev;
        tg__free(a->alloc, b, TG__ARENA_HDR + b->cap);
        trimmed = true;
    }
    if (w->toks_cap > TG__WH_TOKS_KEEP) {
        tg_json_tok *t = (tg_json_tok *)tg__realloc(w->alloc, w->toks, w->toks_cap * sizeof *w->toks, TG__WH_TOKS_KEEP * sizeof *t);
        if (t) { w->toks = t; w->toks_cap = TG__WH_TOKS_KEEP; trimmed = true; }
    }
    if (trimmed) w->st.arena_trims++;
}

/* a complete delivery: parse, dispatch, answer */
static void tg__wh_deliver(tg_webhook *w, tg__wconn *c, char *body, size_t n, uint64_t now) {
    tg_json_doc doc;
    tg_json_opts jo;
    tg_json_value v;
    /* every token takes at least 2 bytes of input, so n/2+2 tokens always suffice; the array grows
       to the largest authenticated body seen (a typical update needs a few hundred), within
       max_update_memory, and goes back to TG__WH_TOKS_KEEP after a big one */
    size_t most = TGBOT__MAX(w->max_update_mem / sizeof *w->toks, (size_t)TG__WH_TOKS_KEEP);
    uint32_t need = (uint32_t)TGBOT__MIN(TGBOT__MIN(n / 2 + 2, most), (size_t)0xFFFFFFF0u);
    tg_err e, pe;
    bool fits = true;
    if (need > w->toks_cap) {
        uint32_t cap = TGBOT__MAX(need, 256u);
        tg_json_tok *t = (tg_json_tok *)tg__realloc(w->alloc, w->toks, w->toks_cap * sizeof *w->toks, cap * sizeof *t);
        if (!t) { c->closing = true; tg__wh_respond(c, 503, NULL, 0); return; }
        w->toks = t; w->toks_cap = cap;
    }
    memset(&jo, 0, sizeof jo);
    pe = tg_json_parse(&doc, body, n, w->toks, w->toks_cap, &jo);
    if (pe == TG_ERR_LIMIT && doc.needed > w->toks_cap) fits = false;   /* more tokens than the budget holds */
    else if (pe != TG_OK || tg_json_type_of(&doc, 0) != TG_JSON_OBJECT) {
        tg__wh_refuse(w, c, 400, &w->st.bad_json, false, now);
        return;
    }
    v.doc = &doc; v.tok = 0;
    if (!fits || (n > TG__WH_BIG_BODY && !tg__wh_fits(w, &v, (size_t)doc.ntoks * sizeof *w->toks))) {
        /* authenticated, so it is Telegram's (or the secret leaked): acknowledged, or it comes back forever */
        w->st.too_big_decoded++;
        tg__log(w->log, TG_LOG_WARN, "webhook: an update of %lu bytes would decode to more than max_update_memory (%lu bytes): "
                "acknowledged, not dispatched", (unsigned long)n, (unsigned long)w->max_update_mem);
        tg__wh_trim(w);
        tg__wh_respond(c, 200, NULL, 0);
        return;
    }
    tg_json_writer_reset(&w->reply.w);
    w->reply.set = false;
    e = tg__dispatch_in(w->d, &v, &w->reply);
    tg_bot_reset(w->bot);                      /* everything the handler's calls returned */
    tg__wh_trim(w);                            /* after a big update: back to the usual size */
    w->st.dispatched++;
    /* Telegram redelivers anything but 2xx: an update this build cannot decode would come back
       forever, so it is logged (by the dispatcher), counted and acknowledged; one a middleware could
       not process now (TG_RETRY_LATER) is refused with 503 so that it comes again */
    if (e == TG_ERR_AGAIN) { w->st.retry_later++; tg__wh_respond(c, 503, NULL, 0); return; }
    if (e != TG_OK) w->st.undecodable++;
    if (w->reply.set && w->reply.w.err == TG_OK) {
        w->st.replied_with_method++;
        tg__wh_respond(c, 200, w->reply.w.buf, w->reply.w.len);
    } else {
        tg__wh_respond(c, 200, NULL, 0);
    }
}

/* serves every complete request in the input buffer, in order; true when it stopped only because
   the client has not read the answers yet */
static bool tg__wh_serve(tg_webhook *w, tg__wconn *c, uint64_t now) {
    bool blocked = false;
    for (;;) {
        char *p = c->in.data + c->in_off;
        size_t avail = c->in.len - c->in_off;
        if (c->closing || c->dead) break;
        if (c->out.len - c->out_pos >= TG__WH_OUT_HIGH) { blocked = true; break; }
        if (c->skip) {
            size_t n = TGBOT__MIN(c->skip, avail);
            c->in_off += n; c->skip -= n;
            if (c->skip) break;
            continue;
        }
        if (!c->head_done) {
            tg_error e;
            uint64_t *counter = NULL;
            int r, status;
            if (!avail) break;
            /* a head that trickles in is searched once, not again from its start per segment: after
               a first incomplete parse, only the new bytes are searched for the blank line */
            if (c->scanned && avail < w->lim.max_header_bytes) {
                size_t i = c->scanned - 3;
                while (i + 3 < avail && !(p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')) i++;
                if (i + 3 >= avail) { c->scanned = TGBOT__MAX(avail, (size_t)3); break; }
            }
            e.code = TG_OK;
            c->client_known = false;
            w->req_authed = false;
            r = tg__http_parse_head(p, avail, true, &w->lim, &w->head, &e);
            if (r == 0) { c->scanned = TGBOT__MAX(avail, (size_t)3); break; }
            c->scanned = 0;
            if (r < 0) {
                if (e.code == TG_ERR_LIMIT) tg__wh_refuse(w, c, 431, &w->st.header_too_large, true, now);
                else tg__wh_refuse(w, c, 400, &w->st.bad_request, true, now);
                break;
            }
            w->st.requests++;
            c->http10 = w->head.minor == 0;
            c->keep_alive = w->head.keep_alive;
            w->req_authed = tg__wh_authed(w, &w->head);
            if (w->req_authed) c->authed = true;
            status = w->nf_request ? tg__wh_source(w, c, now, &counter) : 0;
            if (!status) status = tg__wh_check(w, &w->head, &counter);
            if (status) {
                /* the body can be skipped only when its length is known and bounded; after a
                   refused "Expect: 100-continue" the client may or may not send it: close */
                bool close = status == 411 || status == 413 || w->head.expect_continue || !c->keep_alive ||
                             (w->head.content_length > 0 && (uint64_t)w->head.content_length > w->max_body);
                tg__wh_refuse(w, c, status, counter, close, now);
                if (close) break;
                c->in_off += w->head.head_len;
                c->skip = w->head.content_length > 0 ? (size_t)w->head.content_length : 0;
                c->deadline = now + w->read_to;
                continue;
            }
            c->authed = true;                     /* accepted: never evicted to make room */
            if (w->block_score && w->req_authed) {   /* the secret was right: the source's score is cleared */
                long slot = tg__wh_req_slot(w, c, now);
                if (slot >= 0) w->src.s[slot].score = 0;
            }
            c->head_done = true;
            c->head_len = w->head.head_len;
            c->body_len = (size_t)w->head.content_length;
            c->expect = w->head.expect_continue;
            c->continue_sent = false;
        }
        if (avail < c->head_len + c->body_len) {
            if (c->expect && !c->continue_sent) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                if (tg__buf_append(&c->out, cont, sizeof cont - 1) != TG_OK) c->dead = true;
                c->continue_sent = true;
            }
            break;
        }
        if (!c->keep_alive) c->closing = true;
        tg__wh_deliver(w, c, p + c->head_len, c->body_len, now);
        c->in_off += c->head_len + c->body_len;
        c->head_done = false;
        c->deadline = now + w->read_to;        /* the next pipelined request, or this answer */
    }
    if (c->in_off == c->in.len) {
        c->in.len = c->in_off = 0;
        if (c->in.cap > TG__WH_BIG_BODY) tg__buf_free(&c->in);    /* a big body's buffer is not kept */
    } else if (c->in_off && (c->closing || c->in.len - c->in_off < c->in_off)) {   /* keep the partial request at the front */
        memmove(c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off; c->in_off = 0;
    }
    return blocked && c->in.len > c->in_off;
}

/* ---- connection I/O ---- */
/* writes pending answers: 1 all out, 0 would block, -1 failed */
static int tg__wh_flush(tg_webhook *w, tg__wconn *c) {
    tg_error e;
    while (c->out_pos < c->out.len) {
        long r;
        if (c->tls) {
            r = tg__tls_write(c->tls, c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos, &e);
            if (r == TG__TLS_WANT_WRITE || r == TG__TLS_WANT_READ) { c->want_write = r == TG__TLS_WANT_WRITE; return 0; }
            if (r < 0) { w->st.tls_failures++; return -1; }
        } else {
            r = tg__sock_send(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos);
            if (r == TG__WOULDBLOCK) { c->want_write = true; return 0; }
            if (r < 0) return -1;
        }
        c->out_pos += (size_t)r;
    }
    if (c->tls) {
        int f = tg__tls_flush(c->tls, c->fd, &e);
        if (f == TG__TLS_WANT_WRITE) { c->want_write = true; return 0; }
        if (f < 0) { w->st.tls_failures++; return -1; }
    }
    c->out.len = c->out_pos = 0;
    c->want_write = false;
    return 1;
}

/* reads what is there: 1 got bytes or nothing yet, 0 EOF, -1 failed */
static int tg__wh_read(tg_webhook *w, tg__wconn *c) {
    tg_error e;
    for (;;) {
        long r;
        if (c->draining) c->in.len = c->in_off = 0;       /* lingering close: input is discarded */
        if (c->in.len - c->in_off >= w->max_in) return 1;  /* back-pressure (cannot hold a valid request) */
        if (tg__buf_reserve(&c->in, TG__WH_READ) != TG_OK) return -1;
        if (c->tls && !c->draining) {     /* drained bytes are thrown away: no need to decrypt them */
            r = tg__tls_read(c->tls, c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, &e);
            if (r == TG__TLS_WANT_READ) { c->want_write = false; return 1; }
            if (r == TG__TLS_WANT_WRITE) { c->want_write = true; return 1; }
            if (r < 0) { w->st.tls_failures++; return -1; }
        } else {
            r = tg__sock_recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len);
            if (r == TG__WOULDBLOCK) return 1;
            if (r < 0) return -1;
        }
        if (r == 0) return 0;
        c->in.len += (size_t)r;
        if (c->draining) return 1;
        /* a plain socket was read as far as one call goes: poll says when there is more. TLS
           keeps reading: decrypted bytes left in the engine would not wake poll() */
        if (!c->tls) return 1;
    }
}

static void tg__wh_linger(tg_webhook *w, tg__wconn *c, uint64_t now) {
    if (c->draining) return;
    if (c->tls) tg__tls_close(c->tls, c->fd);
    tg__sock_shutdown_write(c->fd);
    c->draining = true;
    c->in.len = c->in_off = 0;
    c->deadline = now + TGBOT__MIN(w->read_to, TG__WH_DRAIN_MS);
}

static void tg__wh_conn_io(tg_webhook *w, tg__wconn *c, bool readable, uint64_t now) {
    tg_error e;
    if (c->handshaking) {
        int r = tg__tls_handshake(c->tls, c->fd, &e);
        if (r == TG__TLS_WANT_READ || r == TG__TLS_WANT_WRITE) { c->want_write = r == TG__TLS_WANT_WRITE; return; }
        if (r < 0) {
            w->st.tls_failures++; c->dead = true;
            if (w->block_score && c->src >= 0) { w->st.tls_scored++; (void)tg__wh_score(w, c->src, TG_WEBHOOK_SCORE_TLS, now); }
            return;
        }
        c->handshaking = false;
        readable = true;                        /* the client's first request may be buffered already */
    }
    if (readable && !c->peer_eof && !(c->closing && !c->draining)) {
        size_t before = c->in.len;
        int r = tg__wh_read(w, c);
        if (r < 0) { c->dead = true; return; }
        if (r == 0) c->peer_eof = true;
        if (c->in.len > before && c->idle) { c->idle = false; c->deadline = now + w->read_to; }
    }
    if (c->draining) { if (c->peer_eof) c->dead = true; return; }
    for (;;) {
        bool blocked = tg__wh_serve(w, c, now);
        if (c->dead) return;
        if (c->peer_eof) c->closing = true;     /* answer what came whole; a half-sent request never completes */
        if (c->out.len > c->out_pos || c->want_write) {
            int f = tg__wh_flush(w, c);
            if (f < 0) { c->dead = true; return; }
            if (f == 0) return;
        }
        if (!blocked) break;                    /* answers flushed: serve the requests that waited */
    }
    if (c->closing) {
        if (c->peer_eof) c->dead = true; else tg__wh_linger(w, c, now);
        return;
    }
    if (c->in.len == c->in_off && !c->head_done && !c->skip && !c->idle) {
        c->idle = true;
        c->deadline = now + w->idle_to;
    }
}

/* the source filter at accept, before a byte is read: true = admitted (*slot counts it) */
static bool tg__wh_admit(tg_webhook *w, tg__sock s, tg_ip *peer, bool *proxied, long *slot, uint64_t now) {
    tg__nf_src *src;
    *proxied = false; *slot = -1;
    if (tg__sock_peer(s, peer->b) != 0) { w->st.ip_refused++; return false; }
    if (w->proxies.n && tg__nf_match(&w->proxies, peer)) { *proxied = true; return true; }
    if (!tg__nf_allowed(&w->allow, &w->deny, peer)) { w->st.ip_refused++; return false; }
    if (!w->src.s) return true;
    *slot = tg__nf_lookup(&w->src, peer, now, true);
    if (*slot < 0) { w->st.sources_full++; return false; }
    src = &w->src.s[*slot];
    if (tg__nf_blocked(src, now)) { w->st.blocked_refused++; *slot = -1; return false; }
    if (w->per_src_conns && src->conns >= w->per_src_conns) { w->st.source_connections_refused++; *slot = -1; return false; }
    src->conns++;
    return true;
}

static void tg__wh_release(tg_webhook *w, tg__wconn *c) {
    if (c->src >= 0 && w->src.s[c->src].conns) w->src.s[c->src].conns--;
    c->src = -1;
}

static void tg__wh_sweep(tg_webhook *w);

/* Out of room (max_connections, or no descriptor): the connection that has been open longest
   without ever carrying the right secret is closed to make room (evicted). Connections that proved
   the secret are never chosen, so holding slots open (slowloris) cannot lock Telegram out. */
static bool tg__wh_evict(tg_webhook *w) {
    size_t i, v = (size_t)-1;
    for (i = 0; i < w->nconns; i++) {
        const tg__wconn *c = w->conns[i];
        if (c->authed || c->dead) continue;
        if (v == (size_t)-1 || c->opened < w->conns[v]->opened) v = i;
    }
    if (v == (size_t)-1) return false;
    w->conns[v]->dead = true;
    w->st.evicted++;
    tg__wh_sweep(w);
    return true;
}

static void tg__wh_accept(tg_webhook *w, uint64_t now) {
    int i;
    for (i = 0; i < 64; i++) {                 /* a burst of connects, without starving the others */
        tg__sock s;
        tg__wconn *c;
        tg_error e;
        tg_ip peer = {{0}};
        bool proxied = false;
        long slot = -1;
        int r = tg__sock_accept(w->lfd, &s);
        if (r == 0) return;
        if (r < 0) {
            /* Out of descriptors the listening socket stays readable and accept() fails at once,
               again and again: pause accepting (as nginx does) and keep serving the open ones */
            int en = errno;
            w->st.accept_failures++;
            if (en == EMFILE || en == ENFILE || en == ENOBUFS || en == ENOMEM) {
                w->pressure_until = now + TG__WH_PRESSURE_MS;
                if (tg__wh_evict(w)) continue;          /* a descriptor is free again: try once more */
                w->st.accept_pauses++;
                w->accept_resume = now + TG_WEBHOOK_ACCEPT_PAUSE_MS;
                if (w->st.accept_pauses == 1 || w->st.accept_pauses % 100 == 0)
                    tg__log(w->log, TG_LOG_WARN, "webhook: accept: %s (%lu times so far): not accepting for %u ms",
                            strerror(en), (unsigned long)w->st.accept_pauses, (unsigned)TG_WEBHOOK_ACCEPT_PAUSE_MS);
            }
            return;
        }
        if (w->nconns >= w->max_conns && !tg__wh_evict(w)) { w->st.connections_refused++; tg__sock_close(s); continue; }
        if (w->nf_accept && !tg__wh_admit(w, s, &peer, &proxied, &slot, now)) { tg__sock_close(s); continue; }
        c = (tg__wconn *)tg__alloc(w->alloc, sizeof *c);
        if (!c) { if (slot >= 0) w->src.s[slot].conns--; tg__sock_close(s); continue; }
        memset(c, 0, sizeof *c);
        c->fd = s;
        c->src = slot;
        if (w->nf_accept) { c->peer_ip = peer; c->proxied = proxied; }
        c->in.a = c->out.a = w->alloc;
        c->deadline = now + w->read_to;
        c->opened = now;
        if (w->tls_ctx) {
            if (tg__tls_new(&c->tls, w->tls_ctx, NULL, &e) != TG_OK) {
                w->st.tls_failures++; tg__wh_release(w, c); tg__sock_close(s); tg__free(w->alloc, c, sizeof *c); continue;
            }
            c->handshaking = true;
        }
        w->conns[w->nconns++] = c;
        w->st.connections++;
    }
}

static void tg__wh_sweep(tg_webhook *w) {
    size_t i = 0;
    while (i < w->nconns) {
        tg__wconn *c = w->conns[i];
        if (!c->dead) { i++; continue; }
        tg__wh_release(w, c);
        if (c->tls) tg__tls_free(c->tls);
        tg__sock_close(c->fd);
        tg__buf_free(&c->in); tg__buf_free(&c->out);
        tg__free(w->alloc, c, sizeof *c);
        w->conns[i] = w->conns[--w->nconns];
    }
}

/* stop: no new connections; what was received is answered, partial requests are dropped */
static void tg__wh_begin_stop(tg_webhook *w, uint64_t now) {
    size_t i;
    w->stopping = true;
    tg__sock_close(w->lfd);
    w->lfd = TG__SOCK_INVALID;
    for (i = 0; i < w->nconns; i++) {
        tg__wconn *c = w->conns[i];
        if (c->handshaking) { c->dead = true; continue; }
        if (!c->draining) (void)tg__wh_serve(w, c, now);
        c->closing = true;
        tg__wh_conn_io(w, c, false, now);
    }
    tg__wh_sweep(w);
}

static bool tg__wh_wants_read(const tg_webhook *w, const tg__wconn *c) {
    return !c->peer_eof && (c->draining || (!c->closing && c->in.len - c->in_off < w->max_in &&
                                           c->out.len - c->out_pos < TG__WH_OUT_HIGH));
}

/* decrypted bytes wait inside the TLS engine, where poll() cannot see them */
static bool tg__wh_tls_ready(const tg_webhook *w, const tg__wconn *c) {
    return c->tls && !c->handshaking && tg__wh_wants_read(w, c) && tg__tls_pending(c->tls);
}

TGBOT_API size_t tg_webhook_fds(const tg_webhook *w, tg_webhook_fd *fds, size_t cap) {
    size_t n = 0, i;
    if (w->lfd != TG__SOCK_INVALID) {   /* (int): a winsock SOCKET is a handle, which fits in 32 bits */
        if (n < cap) { fds[n].fd = (int)w->lfd; fds[n].read = tg__now_ms(w->plat) >= w->accept_resume; fds[n].write = false; }
        n++;
    }
    for (i = 0; i < w->nconns; i++, n++) {
        const tg__wconn *c = w->conns[i];
        if (n >= cap) continue;
        fds[n].fd = (int)c->fd;
        fds[n].write = c->want_write || c->out.len > c->out_pos;
        fds[n].read = c->handshaking ? !c->want_write : tg__wh_wants_read(w, c);
    }
    return n;
}

TGBOT_API int tg_webhook_timeout_ms(const tg_webhook *w) {
    uint64_t now = tg__now_ms(w->plat), next = UINT64_MAX;
    size_t i;
    for (i = 0; i < w->nconns; i++) {
        if (tg__wh_tls_ready(w, w->conns[i])) return 0;
        if (w->conns[i]->deadline < next) next = w->conns[i]->deadline;
    }
    if (w->lfd != TG__SOCK_INVALID && now < w->accept_resume && w->accept_resume < next) next = w->accept_resume;
    if (w->on_unblocked && w->next_unblock < next) next = w->next_unblock;
    if (next == UINT64_MAX) return -1;
    return next <= now ? 0 : (int)TGBOT__MIN(next - now, (uint64_t)INT_MAX);
}

TGBOT_API tg_err tg_webhook_step(tg_webhook *w, int timeout_ms) {
    size_t n = 0, i, nc;
    int t, r;
    uint64_t now;
    if (!w->stopping && tg__stop_requested(w->d)) tg__wh_begin_stop(w, tg__now_ms(w->plat));
    if (w->stopping && w->nconns == 0) return TG_ERR_STOPPED;
    t = tg_webhook_timeout_ms(w);
    if (timeout_ms >= 0 && (t < 0 || t > timeout_ms)) t = timeout_ms;
    /* a signal that lands between the stop check above and poll() is seen within 250 ms */
    if (w->handle_signals && (t < 0 || t > 250)) t = 250;
    if (w->lfd != TG__SOCK_INVALID && tg__now_ms(w->plat) >= w->accept_resume) {
        w->pfds[0].fd = w->lfd; w->pfds[0].events = TG__POLL_IN; w->pfds[0].revents = 0; n = 1;
    }
    nc = w->nconns;
    for (i = 0; i < nc; i++) {
        const tg__wconn *c = w->conns[i];
        bool rd = c->handshaking ? !c->want_write : tg__wh_wants_read(w, c);
        bool wr = c->want_write || c->out.len > c->out_pos;
        w->pfds[n].fd = c->fd;
        w->pfds[n].events = (short)((rd ? TG__POLL_IN : 0) | (wr ? TG__POLL_OUT : 0));
        w->pfds[n].revents = 0;
        n++;
    }
    r = tg__poll(w->pfds, n, t);
    if (r == -1) return TG_ERR_IO;
    now = tg__now_ms(w->plat);
    for (i = 0; i < nc; i++) {            /* conns[0..nc) match pfds[n-nc..n) */
        tg__wconn *c = w->conns[i];
        short ev = w->pfds[n - nc + i].revents;
        bool pending = tg__wh_tls_ready(w, c);
        if (!ev && !pending) continue;
        if ((ev & TG__POLL_ERR) && !(ev & TG__POLL_IN)) { c->dead = true; continue; }
        tg__wh_conn_io(w, c, (ev & (TG__POLL_IN | TG__POLL_ERR)) != 0 || pending, now);
    }
    if (n > nc && (w->pfds[0].revents & TG__POLL_IN)) tg__wh_accept(w, now);
    for (i = 0; i < w->nconns; i++) {              /* deadlines */
        tg__wconn *c = w->conns[i];
        if (c->dead || c->deadline > now) continue;
        if (c->draining) { /* lingering close ends */ }
        else if (c->idle) w->st.idle_closed++;
        else {
            w->st.timeouts++;
            if (c->handshaking && c->src >= 0 && w->block_score) w->st.tls_scored++;
            if (!c->authed) (void)tg__wh_score(w, tg__wh_req_slot(w, c, now), c->handshaking ? TG_WEBHOOK_SCORE_TLS : TG_WEBHOOK_SCORE_SLOW, now);
        }
        c->dead = true;
    }
    tg__wh_sweep(w);
    tg__wh_unblock(w, now);
    if (!w->stopping && tg__stop_requested(w->d)) tg__wh_begin_stop(w, now);
    return w->stopping && w->nconns == 0 ? TG_ERR_STOPPED : TG_OK;
}

TGBOT_API tg_err tg_webhook_run(tg_webhook *w) {
    tg_err e = TG_OK;
    tg__stop_clear(w->d);
    if (w->handle_signals) tg__catch_signals(true);
    while ((e = tg_webhook_step(w, -1)) == TG_OK) {}
    if (w->handle_signals) tg__catch_signals(false);
    tg__fire_shutdown(w->d);
    return e == TG_ERR_STOPPED ? TG_OK : e;
}

TGBOT_API tg_err tg_run_webhook(tg_dispatcher *d, const tg_webhook_desc *desc) {
    tg_webhook *w;
    tg_error err;
    tg_err e = tg_webhook_new(&w, d, desc, &err);
    if (e != TG_OK) {
        tg__log(tg__bot_logger(tg__dispatcher_bot(d)), TG_LOG_ERROR, "webhook: %s", err.description);
        return e;
    }
    e = tg_webhook_run(w);
    tg_webhook_free(w);
    return e;
}

/* ---- reply with a method call ---- */
/* methods whose unknowable outcome could cost Stars: the generated class (names are case-insensitive) */
static bool tg__wh_spends(const char *method) {
    const tg__method *m = tg__method_find(method);
    return m && (m->flags & TG__CALL_SPENDS);
}

TGBOT_API tg_err tg_webhook_reply(tg_ctx *ctx, const char *method, const char *params_json) {
    tg__wh_reply *r = (tg__wh_reply *)ctx->webhook_reply;
    const tg_logger *log = tg__bot_logger(ctx->bot);
    size_t i;
    if (!r) return TG_ERR_UNSUPPORTED;
    if (!method || !*method) return TG_ERR_ARG;
    for (i = 0; method[i]; i++)
        if (!((method[i] >= 'a' && method[i] <= 'z') || (method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= '0' && method[i] <= '9')))
            return TG_ERR_ARG;
    if (r->set) return TG_ERR_LIMIT;
    if (tg__wh_spends(method)) {
        tg__log(log, TG_LOG_WARN, "webhook reply: %s spends Stars and its outcome would be unknowable; call it directly", method);
        return TG_ERR_ARG;
    }
    if (params_json) {                          /* a real JSON object, without Stars-spending options */
        size_t n = strlen(params_json);
        tg_arena *a = tg_bot_arena(ctx->bot);
        char *copy = tg_arena_strndup(a, params_json, n);
        uint32_t cap = (uint32_t)(n / 2 + 2);
        tg_json_tok *toks = (tg_json_tok *)tg_arena_alloc(a, cap * sizeof *toks);
        tg_json_doc doc;
        if (!copy || !toks) return TG_ERR_NOMEM;
        if (tg_json_parse(&doc, copy, n, toks, cap, NULL) != TG_OK || tg_json_type_of(&doc, 0) != TG_JSON_OBJECT ||
            tg_json_get(&doc, 0, "method") != TG_JSON_NOTFOUND)
            return TG_ERR_ARG;
        if (tg_json_get(&doc, 0, "allow_paid_broadcast") != TG_JSON_NOTFOUND ||
            tg_json_get(&doc, 0, "suggested_post_parameters") != TG_JSON_NOTFOUND) {
            tg__log(log, TG_LOG_WARN, "webhook reply: %s with options that can spend Stars; call it directly", method);
            return TG_ERR_ARG;
        }
    }
    tg_json_writer_reset(&r->w);
    tg_json_obj_begin(&r->w);
    tg_json_key(&r->w, "method"); tg_json_write_str(&r->w, method);
    if (params_json && tg_json_merge_object(&r->w, params_json) != TG_OK) return TG_ERR_ARG;
    tg_json_obj_end(&r->w);
    if (r->w.err != TG_OK) return r->w.err;
    {   /* the bot's stages see it like any call: the limiter takes its slot, the cache drops what it may change */
        tg_err e = tg__pipeline_side(ctx->bot, method, r->w.buf, r->w.len, NULL);
        if (e) return e;
    }
    r->set = true;
    return TG_OK;
}

TGBOT_API tg_err tg_webhook_reply_text(tg_ctx *ctx, const char *text) {
    tg__wh_reply *r = (tg__wh_reply *)ctx->webhook_reply;
    if (!r) return TG_ERR_UNSUPPORTED;
    if (!ctx->chat_id || !text) return TG_ERR_ARG;
    if (r->set) return TG_ERR_LIMIT;
    tg_json_writer_reset(&r->w);
    tg_json_obj_begin(&r->w);
    tg_json_key(&r->w, "method"); tg_json_write_str(&r->w, "sendMessage");
    tg_json_key(&r->w, "chat_id"); tg_json_write_i64(&r->w, ctx->chat_id);
    tg_json_key(&r->w, "text"); tg_json_write_str(&r->w, text);
    if (ctx->message && ctx->message->business_connection_id) {
        tg_json_key(&r->w, "business_connection_id"); tg_json_write_str(&r->w, ctx->message->business_connection_id);
    }
    if (ctx->message && ctx->message->is_topic_message && ctx->message->message_thread_id) {
        tg_json_key(&r->w, "message_thread_id"); tg_json_write_i64(&r->w, ctx->message->message_thread_id);
    }
    tg_json_obj_end(&r->w);
    if (r->w.err != TG_OK) return r->w.err;
    {   /* through the bot's stages, as in tg_webhook_reply */
        tg_err e = tg__pipeline_side(ctx->bot, "sendMessage", r->w.buf, r->w.len, NULL);
        if (e) return e;
    }
    r->set = true;
    return TG_OK;
}

/* ---- setWebhook / deleteWebhook ---- */
TGBOT_API tg_err tg_webhook_secret_generate(tg_bot *bot, char *out, size_t len) {
    return tg__secret_fill(tg__bot_platform(bot), out, len ? len : 32);   /* the bot's random source */
}

TGBOT_API tg_err tg_webhook_set(tg_bot *bot, const tg_set_webhook_args *args, char *generated_secret) {
    tg_set_webhook_args a;
    tg_err e;
    if (!args || !args->url || !*args->url)
        return tg__req_fail(tg__req_begin(bot, "setWebhook", TG__CALL_IDEMPOTENT), TG_ERR_ARG, "setWebhook: url is required");
    a = *args;
    if (a.secret_token && !tg_webhook_secret_valid(a.secret_token))
        return tg__req_fail(tg__req_begin(bot, "setWebhook", TG__CALL_IDEMPOTENT), TG_ERR_ARG,
                            "setWebhook: secret_token must be 1-256 characters of A-Z a-z 0-9 _ - (not the bot token)");
    if (!a.secret_token && generated_secret) {
        if ((e = tg_webhook_secret_generate(bot, generated_secret, 32)) != TG_OK)
            return tg__req_fail(tg__req_begin(bot, "setWebhook", TG__CALL_IDEMPOTENT), e, "setWebhook: no randomness for the secret");
        a.secret_token = generated_secret;
    }
    return tg_set_webhook(bot, &a, NULL);
}

TGBOT_API tg_err tg_webhook_delete(tg_bot *bot, bool drop_pending_updates) {
    tg_delete_webhook_args a;
    memset(&a, 0, sizeof a);
    a.drop_pending_updates = drop_pending_updates;
    return tg_delete_webhook(bot, &a, NULL);
}
#endif /* TGBOT__HAS_WEBHOOK */
