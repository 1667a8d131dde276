/* http: the HTTP/1.1 client. One non-blocking engine (tg__xfer_step) moves a request through
   resolve → connect → proxy → TLS → send → head → body; tg__http_do drives it with poll() until it
   finishes. A keep-alive connection is reused; a stale one is replaced only before any byte of the
   request was written, and err->request_sent says honestly whether the server may have it. */

#define TG__HTTP_STAGE 16384u

typedef enum tg__xstate {
    TG__X_RESOLVE, TG__X_CONNECT, TG__X_PROXY, TG__X_TLS, TG__X_SEND, TG__X_HEAD, TG__X_BODY, TG__X_DONE
} tg__xstate;

typedef struct tg__seg { size_t off; size_t len; const tg_input_file *file; } tg__seg;  /* off: into mp */

struct tg__http_client {
    const tg_allocator *alloc;
    const tg_logger *log;
    const tg_platform *plat;
    tg_http_limits lim;
    size_t body_limit;    /* this request's: lim.max_body_bytes or the request's own */
    tg_timeouts to;
    bool https;
    char *host, *prefix, *sni;
    tg__buf fixed_hdr;    /* "Host: ...\r\nUser-Agent: ...\r\nAccept: ...\r\n", the same for every request */
    uint16_t port;
    tg_proxy_type ptype;
    char *phost, *puser, *ppass;
    uint16_t pport;
    tg__tls_ctx *tls_ctx;
    /* the connection */
    tg__sock fd;
    tg__tls *tls;
    uint64_t idle_since;
    uint32_t opened;
    /* buffers, reused across requests */
    tg__buf out;          /* request head (+ small body) */
    tg__buf pout;         /* proxy handshake messages (the request in out waits for the tunnel) */
    tg__buf in;           /* response */
    tg__buf mp;           /* multipart part headers */
    tg__buf segs;         /* tg__seg[] */
    char *stage;          /* file/stream reads */
    char ctype[128];
    /* the exchange in progress */
    tg__xstate st;
    tg__addr *addrs, *addr;
    tg__dns *dns;         /* name cache; while resolving, fd is its query socket */
    int pstage;           /* proxy handshake step */
    size_t out_pos;       /* bytes of out already written */
    size_t seg_i, seg_pos;
    struct { const char *p; size_t n; } q[3];   /* body pieces being written */
    size_t qn, qi;
    int want;             /* TG__IO_WANT_READ / _WRITE while waiting */
    FILE *fp;
    bool chunked_req, body_done, sent_any;
    char chunk_hdr[24];
    tg__http_head head;
    size_t body_start, dechunk_pos, body_len;
    uint64_t deadline, connect_deadline;
    bool reused;                       /* this exchange started on a kept-alive connection */
    const tg__http_client *parent;     /* a pool clone: host, proxy, TLS context are the parent's */
};

/* ---- head parsing (shared with the webhook server) ---- */
static bool tg__ieqn(tg_str a, const char *b, size_t n) {
    size_t i;
    if (a.len != n) return false;
    for (i = 0; i < n; i++) {
        char x = a.ptr[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (x != y) return false;
    }
    return true;
}

static bool tg__ieq(tg_str a, const char *b) { return tg__ieqn(a, b, strlen(b)); }
#define TG__IEQ_LIT(a, lit) tg__ieqn(a, lit, sizeof lit - 1)

static bool tg__icontains(tg_str a, const char *tok) {
    size_t n = strlen(tok), i;
    for (i = 0; i + n <= a.len; i++) {
        tg_str s;
        s.ptr = a.ptr + i; s.len = n;
        if (tg__ieq(s, tok)) return true;
    }
    return false;
}

TGBOT__INTERN const tg_str *tg__http_header(const tg__http_head *h, const char *name) {
    uint32_t i;
    for (i = 0; i < h->nheaders; i++) if (tg__ieq(h->name[i], name)) return &h->value[i];
    return NULL;
}

static int tg__is_tchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

TGBOT__INTERN int tg__http_parse_head(const char *buf, size_t len, bool request, const tg_http_limits *lim,
                                      tg__http_head *h, tg_error *err) {
    const char *p = buf, *e, *end = NULL, *line_end;
    size_t max_line = lim->max_status_line, max_head = lim->max_header_bytes, i;
    /* find the blank line that ends the head, within the limit */
    {   /* from line end to line end (memchr), not byte by byte */
        size_t scan = len < max_head ? len : max_head;
        const char *q = buf, *stop = buf + scan;
        while (q < stop && (q = (const char *)memchr(q, '\n', (size_t)(stop - q))) != NULL) {
            if (q >= buf + 3 && q[-1] == '\r' && q[-2] == '\n' && q[-3] == '\r') { end = q + 1; break; }
            q++;
        }
    }
    line_end = (const char *)memchr(buf, '\n', len < max_line + 1 ? len : max_line + 1);
    if (!line_end) {
        if (len > max_line) { tg__error_set(err, TG_ERR_LIMIT, request ? TG_PHASE_NONE : TG_PHASE_RECV_HEADERS,
                              "%s line longer than %zu bytes", request ? "request" : "status", max_line); return -1; }
        return 0;
    }
    if (!end) {
        if (len >= max_head) { tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_HEADERS,
                               "headers larger than %zu bytes", max_head); return -1; }
        return 0;
    }
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    h->head_len = (size_t)(end - buf);
    e = line_end;                         /* '\n' of the first line */
    if (e == buf || e[-1] != '\r') goto bad_first;
    if (request) {
        const char *sp1 = (const char *)memchr(p, ' ', (size_t)(e - p)), *sp2;
        if (!sp1 || sp1 == p) goto bad_first;
        for (i = 0; p + i < sp1; i++) if (!tg__is_tchar((unsigned char)p[i])) goto bad_first;
        sp2 = (const char *)memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
        if (!sp2 || sp2 == sp1 + 1) goto bad_first;
        h->method.ptr = p; h->method.len = (size_t)(sp1 - p);
        h->target.ptr = sp1 + 1; h->target.len = (size_t)(sp2 - sp1 - 1);
        if (e - 1 - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1')) goto bad_first;
        h->minor = sp2[8] - '0';
    } else {
        if (e - p < 13 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
            p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
            (p[12] != ' ' && p[12] != '\r'))
            goto bad_first;
        h->minor = p[7] - '0';
        h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    }
    h->keep_alive = h->minor == 1;
    p = e + 1;
    while (p < end - 2) {                 /* header lines */
        const char *colon, *v, *ve;
        e = (const char *)memchr(p, '\n', (size_t)(end - p));
        if (!e || e[-1] != '\r') goto bad_header;
        if (p[0] == ' ' || p[0] == '\t') goto bad_header;   /* obsolete line folding is refused */
        colon = (const char *)memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p) goto bad_header;
        for (v = p; v < colon; v++) if (!tg__is_tchar((unsigned char)*v)) goto bad_header;
        if (h->nheaders >= lim->max_headers || h->nheaders >= TG__HTTP_MAX_HEADERS) {
            tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_HEADERS, "more than %u header fields",
                          (unsigned)TGBOT__MIN(lim->max_headers, TG__HTTP_MAX_HEADERS));
            return -1;
        }
        v = colon + 1; ve = e - 1;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        for (i = 0; v + i < ve; i++) {
            unsigned char c = (unsigned char)v[i];
            if ((c < 0x20 && c != '\t') || c == 0x7F) goto bad_header;
        }
        h->name[h->nheaders].ptr = p; h->name[h->nheaders].len = (size_t)(colon - p);
        h->value[h->nheaders].ptr = v; h->value[h->nheaders].len = (size_t)(ve - v);
        {
            tg_str nm = h->name[h->nheaders], vl = h->value[h->nheaders];
            if (TG__IEQ_LIT(nm, "content-length")) {
                int64_t n = 0;
                if (vl.len == 0 || vl.len > 18) goto bad_length;
                for (i = 0; i < vl.len; i++) {
                    if (vl.ptr[i] < '0' || vl.ptr[i] > '9') goto bad_length;
                    n = n * 10 + (vl.ptr[i] - '0');
                }
                if (h->content_length >= 0 && h->content_length != n) goto bad_length;
                h->content_length = n;
            } else if (TG__IEQ_LIT(nm, "transfer-encoding")) {
                if (!tg__icontains(vl, "chunked")) {
                    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "unsupported transfer-encoding");
                    return -1;
                }
                h->chunked = true;
            } else if (TG__IEQ_LIT(nm, "connection")) {
                if (tg__icontains(vl, "close")) h->keep_alive = false;
                else if (tg__icontains(vl, "keep-alive")) h->keep_alive = true;
            } else if (TG__IEQ_LIT(nm, "expect")) {
                h->expect_continue = tg__icontains(vl, "100-continue");
            }
        }
        h->nheaders++;
        p = e + 1;
    }
    if (h->chunked) h->content_length = -1;   /* chunked wins (RFC 9112 6.3) */
    return 1;
bad_first:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, request ? "malformed request line" : "malformed status line");
    return -1;
bad_header:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "malformed header line");
    return -1;
bad_length:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_HEADERS, "invalid content-length");
    return -1;
}

/* Chunks are decoded as they arrive: data moves down to *out_len, *pos is where the next undecoded
   chunk starts. Every "need more" return saves both, because the chunks decoded so far have already
   overwritten the raw bytes before them. */
TGBOT__INTERN int tg__http_dechunk(char *buf, size_t len, size_t *pos, size_t *out_len, size_t *consumed, tg_error *err) {
    size_t p = *pos, o = *out_len;
    for (;;) {
        size_t size = 0, digits = 0, q = p;
        const char *nl;
        while (q < len && ((buf[q] >= '0' && buf[q] <= '9') || ((buf[q] | 0x20) >= 'a' && (buf[q] | 0x20) <= 'f'))) {
            char c = (char)(buf[q] | 0x20);
            if (size > (SIZE_MAX - 15) / 16) goto bad;        /* one more digit would wrap size_t */
            size = size * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
            q++; digits++;
        }
        if (q >= len) goto more;
        if (!digits) goto bad;
        nl = (const char *)memchr(buf + q, '\n', len - q);
        if (!nl) { if (len - q > 1024) goto bad; goto more; }
        if (buf[q] != ';' && buf[q] != '\r') goto bad;      /* chunk extensions are ignored */
        if (nl[-1] != '\r') goto bad;
        q = (size_t)(nl - buf) + 1;
        if (size == 0) {                                      /* last chunk: skip trailers */
            for (;;) {
                nl = (const char *)memchr(buf + q, '\n', len - q);
                if (!nl) { if (len - q > 8192) goto bad; goto more; }
                if ((size_t)(nl - buf) == q + 1 && buf[q] == '\r') {
                    *consumed = (size_t)(nl - buf) + 1;
                    *pos = p; *out_len = o;
                    return 1;
                }
                q = (size_t)(nl - buf) + 1;
            }
        }
        if (len - q < 2 || len - q - 2 < size) goto more;    /* size + 2 could wrap */
        if (buf[q + size] != '\r' || buf[q + size + 1] != '\n') goto bad;
        memmove(buf + o, buf + q, size);
        o += size;
        p = q + size + 2;
    }
more:    /* keep what is decoded: the chunks before p have already been moved down to o */
    *pos = p; *out_len = o;
    return 0;
bad:
    tg__error_set(err, TG_ERR_HTTP, TG_PHASE_RECV_BODY, "invalid chunked encoding (chunk size line)");
    return -1;
}

/* ---- client set-up ---- */
static tg_err tg__bufs(tg__buf *b, const char *s) { return tg__buf_append(b, s, strlen(s)); }
static char *tg__strndup_a(const tg_allocator *a, const char *s, size_t n) {
    char *p = (char *)tg__alloc(a, n + 1);
    if (p) { memcpy(p, s, n); p[n] = '\0'; }
    return p;
}
static void tg__strfree(const tg_allocator *a, char *s) { if (s) tg__free(a, s, strlen(s) + 1); }

/* scheme://[user:pass@]host[:port][/path]  — [v6] literals allowed */
static int tg__parse_url(const char *url, int *https, char **host, uint16_t *port, char **path,
                         char **user, char **pass, const tg_allocator *a, int *is_socks) {
    const char *p = strstr(url, "://"), *h, *he, *at, *slash;
    size_t sl;
    long pn = -1;
    if (!p) return -1;
    sl = (size_t)(p - url);
    *https = 0; *is_socks = 0;
    if (sl == 5 && memcmp(url, "https", 5) == 0) *https = 1;
    else if (sl == 4 && memcmp(url, "http", 4) == 0) *https = 0;
    else if ((sl == 6 && memcmp(url, "socks5", 6) == 0) || (sl == 7 && memcmp(url, "socks5h", 7) == 0)) *is_socks = 1;
    else return -1;
    h = p + 3;
    slash = strchr(h, '/');
    if (!slash) slash = h + strlen(h);
    at = (const char *)memchr(h, '@', (size_t)(slash - h));
    if (at) {
        const char *c = (const char *)memchr(h, ':', (size_t)(at - h));
        if (user) *user = tg__strndup_a(a, h, (size_t)((c ? c : at) - h));
        if (pass && c) *pass = tg__strndup_a(a, c + 1, (size_t)(at - c - 1));
        h = at + 1;
    }
    if (*h == '[') {
        he = (const char *)memchr(h, ']', (size_t)(slash - h));
        if (!he) return -1;
        *host = tg__strndup_a(a, h + 1, (size_t)(he - h - 1));
        he++;
    } else {
        he = (const char *)memchr(h, ':', (size_t)(slash - h));
        if (!he) he = slash;
        *host = tg__strndup_a(a, h, (size_t)(he - h));
    }
    if (!*host || !**host) return -1;
    if (he < slash && *he == ':') {
        char *e;
        pn = strtol(he + 1, &e, 10);
        if (e != slash || pn <= 0 || pn > 65535) return -1;
    }
    *port = (uint16_t)(pn > 0 ? pn : (*is_socks ? 1080 : *https ? 443 : 80));
    if (path) {
        size_t n = strlen(slash);
        while (n > 0 && slash[n - 1] == '/') n--;      /* "/prefix/" → "/prefix" */
        *path = tg__strndup_a(a, slash, n);
    }
    return 0;
}

TGBOT__INTERN tg_err tg__http_client_new(tg__http_client **out, const tg__http_config *cfg, tg_error *err) {
    const tg_allocator *a = cfg->alloc;
    tg__http_client *c = (tg__http_client *)tg__alloc(a, sizeof *c);
    int https, socks;
    tg_err e;
    *out = NULL;
    if (!c) return TG_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->alloc = a; c->log = cfg->log; c->plat = cfg->plat;
    c->fd = TG__SOCK_INVALID;
    c->out.a = c->pout.a = c->in.a = c->mp.a = c->segs.a = a;
    c->lim = cfg->limits;
    if (!c->lim.max_status_line) c->lim.max_status_line = 1024;
    if (!c->lim.max_header_bytes) c->lim.max_header_bytes = 16384;
    if (!c->lim.max_headers) c->lim.max_headers = 64;
    if (!c->lim.max_body_bytes) c->lim.max_body_bytes = (size_t)64 << 20;
    c->to = cfg->timeouts;
    if (!c->to.connect_ms) c->to.connect_ms = 10000;
    if (!c->to.request_ms) c->to.request_ms = 60000;
    if (!c->to.idle_ms) c->to.idle_ms = 30000;
    if (tg__parse_url(cfg->base_url ? cfg->base_url : "https://api.telegram.org", &https, &c->host, &c->port,
                      &c->prefix, NULL, NULL, a, &socks) < 0 || socks) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "invalid base URL (want http[s]://host[:port][/prefix])");
        tg__http_client_free(c);
        return TG_ERR_ARG;
    }
    c->https = https != 0;
    /* proxy */
    c->ptype = cfg->proxy.type;
    if (cfg->proxy.url && cfg->proxy.type == TG_PROXY_NONE) {
        int ph;
        if (tg__parse_url(cfg->proxy.url, &ph, &c->phost, &c->pport, NULL, &c->puser, &c->ppass, a, &socks) < 0 || ph) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "invalid proxy URL (want http:// or socks5[h]://)");
            tg__http_client_free(c);
            return TG_ERR_ARG;
        }
        c->ptype = socks ? TG_PROXY_SOCKS5 : TG_PROXY_HTTP;
    } else if (c->ptype != TG_PROXY_NONE) {
        if (!cfg->proxy.host || !cfg->proxy.port) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "proxy host and port are required");
            tg__http_client_free(c);
            return TG_ERR_ARG;
        }
        c->phost = tg__strndup_a(a, cfg->proxy.host, strlen(cfg->proxy.host));
        c->pport = cfg->proxy.port;
        if (cfg->proxy.username) c->puser = tg__strndup_a(a, cfg->proxy.username, strlen(cfg->proxy.username));
        if (cfg->proxy.password) c->ppass = tg__strndup_a(a, cfg->proxy.password, strlen(cfg->proxy.password));
    }
    if (c->ptype == TG_PROXY_SOCKS5 && ((c->puser && strlen(c->puser) > 255) || (c->ppass && strlen(c->ppass) > 255))) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "SOCKS5 user name and password are limited to 255 bytes");
        tg__http_client_free(c);
        return TG_ERR_ARG;
    }
    if (c->https) {
        /* "" is "not set" like NULL: the URL's host is verified (there is no way to skip the check) */
        const char *sni = cfg->tls.server_name && *cfg->tls.server_name ? cfg->tls.server_name : c->host;
        c->sni = tg__strndup_a(a, sni, strlen(sni));
        e = tg__tls_ctx_client(&c->tls_ctx, &cfg->tls, a, c->plat, err);
        if (e) { tg__http_client_free(c); return e; }
    }
    c->stage = (char *)tg__alloc(a, TG__HTTP_STAGE);
    if (c->host) {
        char port[8];
        bool v6 = strchr(c->host, ':') != NULL;
        tg__buf *f = &c->fixed_hdr;
        f->a = a;
        snprintf(port, sizeof port, ":%u", (unsigned)c->port);
        e = tg__bufs(f, v6 ? "Host: [" : "Host: ");
        if (!e) e = tg__bufs(f, c->host);
        if (!e && v6) e = tg__bufs(f, "]");
        if (!e && ((c->https && c->port != 443) || (!c->https && c->port != 80))) e = tg__bufs(f, port);
        if (!e) e = tg__bufs(f, "\r\nUser-Agent: tgbot.h/" TGBOT_VERSION_STRING "\r\nAccept: application/json\r\n");
        if (e) tg__buf_free(f);
    }
    if (!c->stage || !c->host || !c->prefix || !c->fixed_hdr.len || (c->https && !c->sni)) {
        tg__http_client_free(c);
        return TG_ERR_NOMEM;
    }
    *out = c;
    return TG_OK;
}

static void tg__conn_close(tg__http_client *c) {
    if (c->tls) { tg__tls_close(c->tls, c->fd); tg__tls_free(c->tls); c->tls = NULL; }
    if (c->fd != TG__SOCK_INVALID) { tg__sock_close(c->fd); c->fd = TG__SOCK_INVALID; }
}

TGBOT__INTERN void tg__http_client_free(tg__http_client *c) {
    const tg_allocator *a;
    if (!c) return;
    a = c->alloc;
    tg__conn_close(c);
    if (c->fp) fclose(c->fp);
    tg__resolve_free(c->addrs);
    tg__dns_free(c->dns, a);     /* each connection its own: a query in flight is per connection */
    tg__buf_free(&c->out); tg__buf_free(&c->pout); tg__buf_free(&c->in); tg__buf_free(&c->mp); tg__buf_free(&c->segs);
    if (c->stage) tg__free(a, c->stage, TG__HTTP_STAGE);
    if (c->parent) { tg__free(a, c, sizeof *c); return; }    /* the rest is the parent's */
    if (c->tls_ctx) tg__tls_ctx_free(c->tls_ctx);
    tg__strfree(a, c->host); tg__strfree(a, c->prefix); tg__strfree(a, c->sni); tg__buf_free(&c->fixed_hdr);
    tg__strfree(a, c->phost);
    if (c->puser) { tg__wipe(c->puser, strlen(c->puser)); tg__strfree(a, c->puser); }
    if (c->ppass) { tg__wipe(c->ppass, strlen(c->ppass)); tg__strfree(a, c->ppass); }
    tg__free(a, c, sizeof *c);
}

TGBOT__INTERN uint32_t tg__http_connections_opened(const tg__http_client *c) { return c->opened; }
TGBOT__INTERN bool tg__http_tls_resumed(const tg__http_client *c) { return c->tls && tg__tls_resumed(c->tls); }

/* ---- request building ---- */

static void tg__b64(const char *in, size_t n, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16 | (unsigned)(unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        *out++ = t[v >> 18]; *out++ = t[(v >> 12) & 63]; *out++ = t[(v >> 6) & 63]; *out++ = t[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned)(unsigned char)in[i + 1] << 8 : 0u);
        *out++ = t[v >> 18]; *out++ = t[(v >> 12) & 63];
        *out++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
    *out = '\0';
}

/* multipart field names and filenames are quoted; '"', CR and LF are percent-encoded as browsers do */
static tg_err tg__mp_quoted(tg__buf *b, const char *s) {
    tg_err e = TG_OK;
    for (; *s && !e; s++) {
        if (*s == '"') e = tg__bufs(b, "%22");
        else if (*s == '\r') e = tg__bufs(b, "%0D");
        else if (*s == '\n') e = tg__bufs(b, "%0A");
        else e = tg__buf_append(b, s, 1);
    }
    return e;
}

static tg_err tg__add_seg(tg__http_client *c, size_t off, size_t len, const tg_input_file *f) {
    tg__seg s;
    s.off = off; s.len = len; s.file = f;
    return tg__buf_append(&c->segs, &s, sizeof s);
}

/* Lays out the multipart body as segments (part headers in c->mp, data from memory/file/stream);
   returns the total length, or (size_t)-1 when a stream of unknown length forces chunked. */
static tg_err tg__build_multipart(tg__http_client *c, const tg__http_request *rq, const char *boundary,
                                  size_t *total, tg_error *err) {
    size_t i, sum = 0;
    bool unknown = false;
    tg_err e = TG_OK;
    c->mp.len = 0; c->segs.len = 0;
    for (i = 0; i < rq->nparts && !e; i++) {
        const tg__http_part *pt = &rq->parts[i];
        size_t hoff = c->mp.len, dlen = 0;
        e = tg__bufs(&c->mp, i ? "\r\n--" : "--");
        if (!e) e = tg__bufs(&c->mp, boundary);
        if (!e) e = tg__bufs(&c->mp, "\r\nContent-Disposition: form-data; name=\"");
        if (!e) e = tg__mp_quoted(&c->mp, pt->name);
        if (!e && pt->file) {
            const tg_input_file *f = pt->file;
            const char *fn = f->filename;
            if (!fn && f->path) { fn = strrchr(f->path, '/'); fn = fn ? fn + 1 : f->path; }
            if (!fn || !*fn) fn = "file";
            e = tg__bufs(&c->mp, "\"; filename=\"");
            if (!e) e = tg__mp_quoted(&c->mp, fn);
            if (!e) e = tg__bufs(&c->mp, "\"\r\nContent-Type: ");
            if (!e) e = tg__bufs(&c->mp, f->mime_type ? f->mime_type : "application/octet-stream");
            if (!e) e = tg__bufs(&c->mp, "\r\n\r\n");
            if (f->path) {
                struct stat sb;
                if (stat(f->path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                    tg__error_set(err, TG_ERR_ARG, TG_PHASE_SEND, "cannot read the upload file for field %s", pt->name);
                    return TG_ERR_ARG;
                }
                dlen = (size_t)sb.st_size;
            } else if (f->data) {
                dlen = f->size;
            } else if (f->read) {
                dlen = f->size;
                if (!dlen) unknown = true;
            } else {
                tg__error_set(err, TG_ERR_ARG, TG_PHASE_SEND, "upload for field %s has no source", pt->name);
                return TG_ERR_ARG;
            }
        } else if (!e) {
            e = tg__bufs(&c->mp, "\"\r\n\r\n");
        }
        if (!e) e = tg__add_seg(c, hoff, c->mp.len - hoff, NULL);
        if (!e && pt->file) e = tg__add_seg(c, 0, dlen, pt->file);
        else if (!e && pt->value_len) {   /* text value: copy into mp (values are small) */
            size_t voff = c->mp.len;
            e = tg__buf_append(&c->mp, pt->value, pt->value_len);
            if (!e) e = tg__add_seg(c, voff, pt->value_len, NULL);
            dlen = pt->value_len;
        }
        sum += c->mp.len - hoff - (pt->file ? 0 : dlen) + dlen;
    }
    if (!e) {
        size_t toff = c->mp.len;
        e = tg__bufs(&c->mp, "\r\n--");
        if (!e) e = tg__bufs(&c->mp, boundary);
        if (!e) e = tg__bufs(&c->mp, "--\r\n");
        if (!e) e = tg__add_seg(c, toff, c->mp.len - toff, NULL);
        sum += c->mp.len - toff;
    }
    if (e) { tg__error_set(err, e, TG_PHASE_SEND, "out of memory building the upload"); return e; }
    *total = unknown ? (size_t)-1 : sum;
    return TG_OK;
}

static tg_err tg__build_request(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    char num[40], boundary[40];
    size_t body_len = rq->body_len;
    tg_err e;
    c->out.len = 0; c->segs.len = 0; c->chunked_req = false;
    if (rq->nparts) {
        unsigned char rnd[12];
        size_t i;
        if (tg__random_bytes(c->plat, rnd, sizeof rnd) != 0) memset(rnd, 0x5a, sizeof rnd);
        memcpy(boundary, "tgbot-", 6);
        for (i = 0; i < sizeof rnd; i++) snprintf(boundary + 6 + 2 * i, 3, "%02x", rnd[i]);
        e = tg__build_multipart(c, rq, boundary, &body_len, err);
        if (e) return e;
        if (body_len == (size_t)-1) c->chunked_req = true;
    }
    e = tg__bufs(&c->out, rq->method ? rq->method : "POST");
    if (!e) e = tg__bufs(&c->out, " ");
    if (!e) e = tg__bufs(&c->out, c->prefix);
    if (!e) e = tg__bufs(&c->out, rq->path);
    if (!e) e = tg__bufs(&c->out, " HTTP/1.1\r\n");
    if (!e) e = tg__buf_append(&c->out, c->fixed_hdr.data, c->fixed_hdr.len);
    if (!e && rq->nparts) {
        e = tg__bufs(&c->out, "Content-Type: multipart/form-data; boundary=");
        if (!e) e = tg__bufs(&c->out, boundary);
        if (!e) e = tg__bufs(&c->out, "\r\n");
    } else if (!e && rq->content_type && (rq->body || body_len)) {
        e = tg__bufs(&c->out, "Content-Type: ");
        if (!e) e = tg__bufs(&c->out, rq->content_type);
        if (!e) e = tg__bufs(&c->out, "\r\n");
    }
    if (!e) {
        if (c->chunked_req) e = tg__bufs(&c->out, "Transfer-Encoding: chunked\r\n\r\n");
        else if (body_len || (rq->method && strcmp(rq->method, "POST") == 0)) {
            char *p = num + sizeof num;       /* digits right to left: no printf on the hot path */
            size_t v = body_len;
            *--p = '\0'; *--p = '\n'; *--p = '\r'; *--p = '\n'; *--p = '\r';
            do *--p = (char)('0' + v % 10); while ((v /= 10) != 0);
            e = tg__bufs(&c->out, "Content-Length: ");
            if (!e) e = tg__bufs(&c->out, p);
        } else e = tg__bufs(&c->out, "\r\n");
    }
    /* a small in-memory body rides in the same buffer: one send() for the whole request */
    if (!e && !rq->nparts && rq->body_len) {
        if (rq->body_len <= TG__HTTP_STAGE) e = tg__buf_append(&c->out, rq->body, rq->body_len);
        else e = tg__add_seg(c, (size_t)-1, rq->body_len, NULL);   /* large: sent from the caller's memory */
    }
    if (e) { tg__error_set(err, e, TG_PHASE_SEND, "out of memory building the request"); return e; }
    return TG_OK;
}

/* ---- low-level I/O over the socket or TLS ---- */
#define TG__IO_WANT_READ (-2)
#define TG__IO_WANT_WRITE (-3)
#define TG__IO_FAIL (-1)

static long tg__io_write(tg__http_client *c, const void *p, size_t n, tg_error *err) {
    long r;
    if (c->tls) {
        r = tg__tls_write(c->tls, c->fd, p, n, err);
        return r == TG__TLS_WANT_READ ? TG__IO_WANT_READ : r == TG__TLS_WANT_WRITE ? TG__IO_WANT_WRITE : r;
    }
    r = tg__sock_send(c->fd, p, n);
    if (r == TG__WOULDBLOCK) return TG__IO_WANT_WRITE;
    if (r < 0) {
        int en = errno;
        tg__error_set(err, en == EPIPE || en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, TG_PHASE_SEND,
                      "send failed: %s", strerror(en));
        if (err) err->sys_errno = en;
        return TG__IO_FAIL;
    }
    return r;
}

static long tg__io_read(tg__http_client *c, void *p, size_t n, tg_phase ph, tg_error *err) {
    long r;
    if (c->tls) {
        r = tg__tls_read(c->tls, c->fd, p, n, err);
        if (r == TG__TLS_FAIL && err) err->phase = ph;
        return r == TG__TLS_WANT_READ ? TG__IO_WANT_READ : r == TG__TLS_WANT_WRITE ? TG__IO_WANT_WRITE : r;
    }
    r = tg__sock_recv(c->fd, p, n);
    if (r == TG__WOULDBLOCK) return TG__IO_WANT_READ;
    if (r < 0) {
        int en = errno;
        if (en == ECONNRESET)
            tg__error_set(err, TG_ERR_CLOSED, ph, "connection reset by the server %s", ph == TG_PHASE_RECV_BODY ?
                          "in the middle of the body" : c->in.len ? "in the middle of the headers" : "before any response");
        else tg__error_set(err, TG_ERR_IO, ph, "receive failed: %s", strerror(en));
        if (err) err->sys_errno = en;
        return TG__IO_FAIL;
    }
    return r;
}

/* reads more response bytes into c->in; >0 read, 0 EOF, or TG__IO_* */
static long tg__read_more(tg__http_client *c, tg_phase ph, tg_error *err) {
    size_t want = 16384;
    long r;
    if (tg__buf_reserve(&c->in, want)) { tg__error_set(err, TG_ERR_NOMEM, ph, "out of memory reading the response"); return TG__IO_FAIL; }
    r = tg__io_read(c, c->in.data + c->in.len, c->in.cap - c->in.len - 1, ph, err);
    if (r > 0) c->in.len += (size_t)r;
    return r;
}

/* Refills c->q with the next pieces of the request body (1 piece, or size line + data + CRLF when
   the body is chunked). Returns 1 when something was queued, 0 at the end, -1 on error. */
static int tg__next_piece(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    const tg__seg *segs = (const tg__seg *)(void *)c->segs.data;
    size_t nseg = c->segs.len / sizeof(tg__seg);
    c->qn = c->qi = 0;
    while (c->seg_i < nseg) {
        const tg__seg *s = &segs[c->seg_i];
        const char *p;
        size_t n;
        if (!s->file) {
            p = s->off == (size_t)-1 ? rq->body : c->mp.data + s->off;
            n = s->len;
            c->seg_i++;
        } else if (s->file->data) {
            p = (const char *)s->file->data; n = s->file->size;
            c->seg_i++;
        } else {
            long r;
            if (s->file->path) {
                if (!c->fp && !(c->fp = fopen(s->file->path, "rb"))) {
                    tg__error_set(err, TG_ERR_IO, TG_PHASE_SEND, "cannot open the upload file");
                    return -1;
                }
                r = (long)fread(c->stage, 1, TG__HTTP_STAGE, c->fp);
                if (r == 0 && ferror(c->fp)) r = -1;
            } else {
                r = s->file->read(s->file->read_ud, c->stage, TG__HTTP_STAGE);
            }
            if (r < 0 || (size_t)r > TG__HTTP_STAGE) { tg__error_set(err, TG_ERR_IO, TG_PHASE_SEND, "reading the upload failed"); return -1; }
            c->seg_pos += (size_t)r;
            if (s->len && (c->seg_pos > s->len || (r == 0 && c->seg_pos != s->len))) {
                tg__error_set(err, TG_ERR_IO, TG_PHASE_SEND, "the upload changed size while it was sent");
                return -1;
            }
            if (r == 0 || (s->len && c->seg_pos == s->len)) {
                if (c->fp) { fclose(c->fp); c->fp = NULL; }
                c->seg_i++; c->seg_pos = 0;
                if (r == 0) continue;
            }
            p = c->stage; n = (size_t)r;
        }
        if (!n) continue;
        if (c->chunked_req) {
            snprintf(c->chunk_hdr, sizeof c->chunk_hdr, "%zx\r\n", n);
            c->q[0].p = c->chunk_hdr; c->q[0].n = strlen(c->chunk_hdr);
            c->q[1].p = p; c->q[1].n = n;
            c->q[2].p = "\r\n"; c->q[2].n = 2;
            c->qn = 3;
        } else {
            c->q[0].p = p; c->q[0].n = n;
            c->qn = 1;
        }
        return 1;
    }
    if (c->chunked_req && !c->body_done) {
        c->q[0].p = "0\r\n\r\n"; c->q[0].n = 5; c->qn = 1;
        c->body_done = true;
        return 1;
    }
    return 0;
}

/* ---- proxies: the handshake messages are small; write all of out, then read what is expected ---- */
static tg_err tg__proxy_prepare(tg__http_client *c, tg_error *err) {
    char line[600];
    tg_err e = TG_OK;
    c->pout.len = 0; c->out_pos = 0; c->in.len = 0;
    if (c->ptype == TG_PROXY_HTTP) {
        snprintf(line, sizeof line, "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n",
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", (unsigned)c->port,
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", (unsigned)c->port);
        e = tg__bufs(&c->pout, line);
        if (!e && c->puser) {
            char cred[520], b64[700];
            snprintf(cred, sizeof cred, "%s:%s", c->puser, c->ppass ? c->ppass : "");
            tg__b64(cred, strlen(cred), b64);
            tg__wipe(cred, sizeof cred);
            e = tg__bufs(&c->pout, "Proxy-Authorization: Basic ");
            if (!e) e = tg__bufs(&c->pout, b64);
            if (!e) e = tg__bufs(&c->pout, "\r\n");
            tg__wipe(b64, sizeof b64);
        }
        if (!e) e = tg__bufs(&c->pout, "\r\n");
    } else {   /* SOCKS5 greeting: no auth, and user/password when we have credentials */
        unsigned char g[4] = { 5, 1, 0, 0 };
        if (c->puser) { g[1] = 2; g[3] = 2; }
        e = tg__buf_append(&c->pout, g, c->puser ? 4u : 3u);
    }
    if (e) tg__error_set(err, e, TG_PHASE_PROXY, "out of memory");
    return e;
}

static tg_err tg__socks_connect_msg(tg__http_client *c) {
    unsigned char h[5];
    size_t hl = strlen(c->host);
    tg_err e;
    c->pout.len = 0; c->out_pos = 0; c->in.len = 0;
    h[0] = 5; h[1] = 1; h[2] = 0; h[3] = 3; h[4] = (unsigned char)hl;   /* ATYP 3: the proxy resolves */
    e = tg__buf_append(&c->pout, h, 5);
    if (!e) e = tg__buf_append(&c->pout, c->host, hl);
    h[0] = (unsigned char)(c->port >> 8); h[1] = (unsigned char)(c->port & 0xFF);
    if (!e) e = tg__buf_append(&c->pout, h, 2);
    return e;
}

static const char *tg__socks_reply_text(unsigned r) {
    static const char *const t[] = { "succeeded", "general failure", "connection not allowed by ruleset",
        "network unreachable", "host unreachable", "connection refused", "TTL expired",
        "command not supported", "address type not supported" };
    return r < 9 ? t[r] : "unknown reply";
}

/* one step of the proxy handshake; 1 done, 0 progress/need I/O (c->want set), -1 error */
static int tg__proxy_step(tg__http_client *c, tg_error *err) {
    for (;;) {
        if (c->out_pos < c->pout.len) {   /* write phase */
            long r = tg__sock_send(c->fd, c->pout.data + c->out_pos, c->pout.len - c->out_pos);
            if (r == TG__WOULDBLOCK) { c->want = TG__IO_WANT_WRITE; return 0; }
            if (r < 0) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy connection failed: %s", strerror(errno)); return -1; }
            c->out_pos += (size_t)r;
            continue;
        }
        {   /* read phase: how many bytes do we need? */
            size_t need;
            long r;
            const unsigned char *u = (const unsigned char *)c->in.data;
            if (c->ptype == TG_PROXY_HTTP) {
                if (c->in.len >= 4 && memcmp(c->in.data + c->in.len - 4, "\r\n\r\n", 4) == 0) {
                    tg__http_head h;
                    tg_error tmp;
                    memset(&tmp, 0, sizeof tmp);
                    if (tg__http_parse_head(c->in.data, c->in.len, false, &c->lim, &h, &tmp) != 1) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy sent a malformed reply to CONNECT");
                        return -1;
                    }
                    if (h.status == 407 || h.status == 401) {   /* own code: a retry cannot help (tinyproxy says 401) */
                        tg__error_set(err, TG_ERR_PROXY_AUTH, TG_PHASE_PROXY, "HTTP proxy refused CONNECT: %s",
                                      c->puser ? "wrong proxy user name or password" : "proxy authentication required");
                        if (err) err->http_status = h.status;
                        return -1;
                    }
                    if (h.status != 200) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy refused CONNECT (status %d)", h.status);
                        if (err) err->http_status = h.status;
                        return -1;
                    }
                    return 1;
                }
                if (c->in.len >= 8192) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "HTTP proxy reply too long"); return -1; }
                need = c->in.len + 1;     /* byte by byte: never read past the proxy's reply */
            } else if (c->pstage == 0) {  /* method selection */
                need = 2;
                if (c->in.len >= 2) {
                    if (u[0] != 5) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "not a SOCKS5 proxy"); return -1; }
                    if ((u[1] != 0 && u[1] != 2) || (u[1] == 2 && !c->puser)) {
                        tg__error_set(err, TG_ERR_PROXY_AUTH, TG_PHASE_PROXY, c->puser ?
                                      "SOCKS5 proxy accepts none of our authentication methods" :
                                      "SOCKS5 proxy requires a user name and password");
                        return -1;
                    }
                    if (u[1] == 2) {
                        unsigned char b[2];
                        size_t ul = strlen(c->puser), pl = c->ppass ? strlen(c->ppass) : 0;
                        c->pout.len = 0; c->out_pos = 0; c->in.len = 0;
                        b[0] = 1; b[1] = (unsigned char)ul;
                        if (tg__buf_append(&c->pout, b, 2) || tg__buf_append(&c->pout, c->puser, ul)) return -1;
                        b[0] = (unsigned char)pl;
                        if (tg__buf_append(&c->pout, b, 1) || (pl && tg__buf_append(&c->pout, c->ppass, pl))) return -1;
                        c->pstage = 1;
                    } else {
                        if (tg__socks_connect_msg(c)) return -1;
                        c->pstage = 2;
                    }
                    continue;
                }
            } else if (c->pstage == 1) {  /* user/password result */
                need = 2;
                if (c->in.len >= 2) {
                    if (u[1] != 0) { tg__error_set(err, TG_ERR_PROXY_AUTH, TG_PHASE_PROXY, "SOCKS5 proxy rejected the user name or password"); return -1; }
                    if (tg__socks_connect_msg(c)) return -1;
                    c->pstage = 2;
                    continue;
                }
            } else {                      /* connect reply: 4 bytes + address + port */
                need = 5;
                if (c->in.len >= 5) {
                    if (u[0] != 5 || u[1] != 0) {
                        tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "SOCKS5 proxy could not connect: %s", tg__socks_reply_text(u[1]));
                        return -1;
                    }
                    need = u[3] == 1 ? 10u : u[3] == 4 ? 22u : u[3] == 3 ? 7u + u[4] : 0u;
                    if (!need) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "SOCKS5 reply has an unknown address type"); return -1; }
                    if (c->in.len >= need) return 1;
                }
            }
            if (tg__buf_reserve(&c->in, need)) return -1;
            r = tg__sock_recv(c->fd, c->in.data + c->in.len, need - c->in.len);
            if (r == TG__WOULDBLOCK) { c->want = TG__IO_WANT_READ; return 0; }
            if (r <= 0) { tg__error_set(err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy closed the connection during the handshake"); return -1; }
            c->in.len += (size_t)r;
        }
    }
}

/* ---- the engine ---- */
static void tg__fail_phase(tg__http_client *c, tg_error *err, tg_err code, tg_phase ph, const char *what) {
    tg__error_set(err, code, ph, "%s", what);
    (void)c;
}

static tg_phase tg__state_phase(tg__xstate s) {
    switch (s) {
    case TG__X_RESOLVE: return TG_PHASE_RESOLVE;
    case TG__X_CONNECT: return TG_PHASE_CONNECT;
    case TG__X_PROXY: return TG_PHASE_PROXY;
    case TG__X_TLS: return TG_PHASE_TLS;
    case TG__X_SEND: return TG_PHASE_SEND;
    case TG__X_HEAD: return TG_PHASE_RECV_HEADERS;
    default: return TG_PHASE_RECV_BODY;
    }
}

/* Advances the exchange as far as it can without blocking. Returns 1 done, 0 waiting (c->want says
   for what), -1 failed (err filled). */
static int tg__xfer_step(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    for (;;) {
        switch (c->st) {
        case TG__X_RESOLVE: {
            const char *why;
            const char *h = c->ptype != TG_PROXY_NONE ? c->phost : c->host;
            uint16_t port = c->ptype != TG_PROXY_NONE ? c->pport : c->port;
            int r;
            tg__resolve_free(c->addrs);
            c->addrs = NULL;
            r = tg__dns_resolve(&c->dns, c->alloc, c->plat, h, port, &c->fd, &c->addrs, &why);
            if (r == 0) { c->want = TG__IO_WANT_READ; return 0; }   /* the DNS answer is on its way */
            if (r < 0) {
                tg__error_set(err, TG_ERR_DNS, TG_PHASE_RESOLVE, "cannot resolve %s%s: %s",
                              c->ptype != TG_PROXY_NONE ? "the proxy " : "", h, why);
                return -1;
            }
            c->addr = c->addrs;
            c->st = TG__X_CONNECT;
            c->fd = TG__SOCK_INVALID;
            break;
        }
        case TG__X_CONNECT:
            if (c->fd == TG__SOCK_INVALID) {
                int r;
                if (!c->addr) {
                    tg__error_set(err, TG_ERR_CONNECT, TG_PHASE_CONNECT, "cannot connect to %s%s: %s",
                                  c->ptype != TG_PROXY_NONE ? "the proxy " : "",
                                  c->ptype != TG_PROXY_NONE ? c->phost : c->host,
                                  strerror(err && err->sys_errno ? err->sys_errno : ECONNREFUSED));
                    return -1;
                }
                r = tg__sock_connect(c->addr, &c->fd);
                if (r < 0) { if (err) err->sys_errno = errno; c->addr = c->addr->ai_next; break; }
                c->opened++;
                if (r == 1) { c->want = TG__IO_WANT_WRITE; return 0; }
            } else {
                int e = tg__sock_connect_result(c->fd);
                if (e) {
                    if (err) err->sys_errno = e;
                    tg__sock_close(c->fd);
                    c->fd = TG__SOCK_INVALID;
                    c->addr = c->addr->ai_next;     /* try the next address (IPv6 → IPv4 ...) */
                    break;
                }
            }
            if (err) err->sys_errno = 0;
            tg__resolve_free(c->addrs);
            c->addrs = c->addr = NULL;
            if (c->ptype != TG_PROXY_NONE) {
                if (tg__proxy_prepare(c, err)) return -1;
                c->pstage = 0;
                c->st = TG__X_PROXY;
            } else {
                c->st = c->https ? TG__X_TLS : TG__X_SEND;
            }
            break;
        case TG__X_PROXY: {
            int r = tg__proxy_step(c, err);
            if (r != 0 && c->pout.data) tg__wipe(c->pout.data, c->pout.len);   /* it may hold the SOCKS password */
            if (r < 0) { if (err && !err->code) tg__fail_phase(c, err, TG_ERR_PROXY, TG_PHASE_PROXY, "proxy handshake failed"); return -1; }
            if (r == 0) return 0;
            c->in.len = 0; c->out_pos = 0;
            c->st = c->https ? TG__X_TLS : TG__X_SEND;
            break;
        }
        case TG__X_TLS:
            if (!c->tls && tg__tls_new(&c->tls, c->tls_ctx, c->sni, err) != TG_OK) return -1;
            {
                int r = tg__tls_handshake(c->tls, c->fd, err);
                if (r == TG__TLS_WANT_READ) { c->want = TG__IO_WANT_READ; return 0; }
                if (r == TG__TLS_WANT_WRITE) { c->want = TG__IO_WANT_WRITE; return 0; }
                if (r != 0) { if (err) err->phase = TG_PHASE_TLS; return -1; }
            }
            c->st = TG__X_SEND;
            break;
        case TG__X_SEND:
            if (c->out_pos < c->out.len) {
                long r = tg__io_write(c, c->out.data + c->out_pos, c->out.len - c->out_pos, err);
                if (r == TG__IO_WANT_READ || r == TG__IO_WANT_WRITE) { c->want = (int)r; return 0; }
                if (r < 0) return -1;
                c->out_pos += (size_t)r;
                if (r > 0) c->sent_any = true;
                continue;
            }
            if (c->qi < c->qn) {
                long r = tg__io_write(c, c->q[c->qi].p, c->q[c->qi].n, err);
                if (r == TG__IO_WANT_READ || r == TG__IO_WANT_WRITE) { c->want = (int)r; return 0; }
                if (r < 0) return -1;
                c->q[c->qi].p += r; c->q[c->qi].n -= (size_t)r;
                if (!c->q[c->qi].n) c->qi++;
                continue;
            }
            {
                int r = tg__next_piece(c, rq, err);
                if (r < 0) return -1;
                if (r > 0) continue;
            }
            if (c->tls) {
                int r = tg__tls_flush(c->tls, c->fd, err);
                if (r == TG__TLS_WANT_WRITE || r == TG__TLS_WANT_READ) { c->want = r == TG__TLS_WANT_READ ? TG__IO_WANT_READ : TG__IO_WANT_WRITE; return 0; }
                if (r != 0) { if (err) err->phase = TG_PHASE_SEND; return -1; }
            }
            c->in.len = 0;
            c->st = TG__X_HEAD;
            /* the answer cannot be there yet: wait for it rather than spend a recv() on EAGAIN */
            if (!(c->tls && tg__tls_pending(c->tls))) { c->want = TG__IO_WANT_READ; return 0; }
            break;
        case TG__X_HEAD: {
            int r;
            if (c->in.len) {
                r = tg__http_parse_head(c->in.data, c->in.len, false, &c->lim, &c->head, err);
                if (r < 0) return -1;
                if (r == 1) {
                    if (c->head.status < 200) {    /* interim response (100 Continue, 103): skip it */
                        memmove(c->in.data, c->in.data + c->head.head_len, c->in.len - c->head.head_len);
                        c->in.len -= c->head.head_len;
                        continue;
                    }
                    if (c->head.content_length >= 0 && (uint64_t)c->head.content_length > c->body_limit) {
                        tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "response body of %lld bytes is over the limit of %zu",
                                      (long long)c->head.content_length, c->body_limit);
                        return -1;
                    }
                    {   /* keep the content type: the head is about to be overwritten by the body */
                        const tg_str *ct = tg__http_header(&c->head, "content-type");
                        size_t n = ct ? TGBOT__MIN(ct->len, sizeof c->ctype - 1) : 0;
                        if (n) memcpy(c->ctype, ct->ptr, n);
                        c->ctype[n] = '\0';
                    }
                    c->body_start = c->head.head_len;
                    c->dechunk_pos = 0;              /* relative to body_start */
                    c->body_len = 0;
                    c->st = TG__X_BODY;
                    break;
                }
            }
            {
                long n = tg__read_more(c, TG_PHASE_RECV_HEADERS, err);
                if (n == TG__IO_WANT_READ || n == TG__IO_WANT_WRITE) { c->want = (int)n; return 0; }
                if (n < 0) return -1;
                if (n == 0) {
                    tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_RECV_HEADERS, c->in.len ?
                                  "connection closed in the middle of the response headers" :
                                  "connection closed before any response");
                    return -1;
                }
            }
            break;
        }
        case TG__X_BODY: {
            size_t have = c->in.len - c->body_start;
            long n;
            if (c->head.chunked) {
                size_t consumed = 0, out_len = c->body_len, pos = c->dechunk_pos;
                int r = tg__http_dechunk(c->in.data + c->body_start, c->in.len - c->body_start, &pos, &out_len, &consumed, err);
                /* positions are relative to the body start */
                if (r < 0) return -1;
                c->dechunk_pos = pos; c->body_len = out_len;
                if (r == 1) { c->st = TG__X_DONE; break; }
                if (c->body_len > c->body_limit || (have > 65536 && have - 65536 > c->body_limit)) {   /* no wrap */
                    tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "chunked response body over the limit of %zu bytes", c->body_limit);
                    return -1;
                }
            } else if (c->head.content_length >= 0) {
                if (have >= (size_t)c->head.content_length) {
                    c->body_len = (size_t)c->head.content_length;
                    if (have > c->body_len) c->head.keep_alive = false;   /* stray bytes: do not reuse */
                    c->st = TG__X_DONE;
                    break;
                }
            } else if (have > c->body_limit) {
                tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_RECV_BODY, "response body over the limit of %zu bytes", c->body_limit);
                return -1;
            }
            n = tg__read_more(c, TG_PHASE_RECV_BODY, err);
            if (n == TG__IO_WANT_READ || n == TG__IO_WANT_WRITE) { c->want = (int)n; return 0; }
            if (n < 0) return -1;
            if (n == 0) {
                if (!c->head.chunked && c->head.content_length < 0) {   /* body delimited by close */
                    c->body_len = c->in.len - c->body_start;
                    c->head.keep_alive = false;
                    c->st = TG__X_DONE;
                    break;
                }
                tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_RECV_BODY, c->head.chunked ?
                              "connection closed in the middle of a chunked body" :
                              "connection closed before the whole body arrived");
                return -1;
            }
            break;
        }
        case TG__X_DONE:
            return 1;
        }
    }
}

static uint64_t tg__until(uint64_t deadline, uint64_t now) { return deadline > now ? deadline - now : 0; }

/* Starts an exchange: the idle keep-alive connection is reused unless it is too old or the peer
   closed it (nothing sent yet). tg__http_step then moves it without blocking. */
TGBOT__INTERN tg_err tg__http_begin(tg__http_client *c, const tg__http_request *rq, tg_error *err) {
    uint64_t now = tg__now_ms(c->plat);
    uint32_t total = rq->timeout_ms ? rq->timeout_ms : c->to.request_ms;
    tg_err e;
    err->code = TG_OK; err->request_sent = false; err->sys_errno = 0; err->http_status = 0;
    c->deadline = now + total;
    c->body_limit = rq->max_body_bytes ? rq->max_body_bytes : c->lim.max_body_bytes;
    e = tg__build_request(c, rq, err);
    if (e) return e;
    c->out_pos = 0; c->seg_i = 0; c->seg_pos = 0; c->qn = c->qi = 0;
    c->body_done = false; c->sent_any = false;
    if (c->fd != TG__SOCK_INVALID &&
        (now - c->idle_since > c->to.idle_ms || (c->tls && tg__tls_pending(c->tls)) || tg__sock_is_dead(c->fd)))
        tg__conn_close(c);
    c->reused = c->fd != TG__SOCK_INVALID;
    c->st = c->reused ? TG__X_SEND : TG__X_RESOLVE;
    c->connect_deadline = now + c->to.connect_ms;
    c->want = TG__IO_WANT_WRITE;
    return TG_OK;
}

/* ends a failed exchange: the connection is closed; request_sent says whether any byte left */
static int tg__http_failed(tg__http_client *c, tg_error *err) {
    if (c->fp) { fclose(c->fp); c->fp = NULL; }
    err->request_sent = c->sent_any;
    tg__conn_close(c);
    if (!err->code) err->code = TG_ERR_IO;
    tg__log(c->log, TG_LOG_DEBUG, "http: %s (%s)", err->description, tg_phase_str(err->phase));
    return -1;
}

TGBOT__INTERN int tg__http_step(tg__http_client *c, const tg__http_request *rq, tg__http_response *rs, tg_error *err) {
    int r = tg__xfer_step(c, rq, err);
    if (r == 0) {
        uint64_t now = tg__now_ms(c->plat);
        uint64_t dl = c->st < TG__X_SEND ? TGBOT__MIN(c->deadline, c->connect_deadline) : c->deadline;
        if (now < dl) return 0;
        tg__error_set(err, TG_ERR_TIMEOUT, tg__state_phase(c->st), "timed out while %s",
                      c->st == TG__X_RESOLVE ? "resolving the name" : c->st == TG__X_CONNECT ? "connecting" : c->st == TG__X_PROXY ? "talking to the proxy" :
                      c->st == TG__X_TLS ? "in the TLS handshake" : c->st == TG__X_SEND ? "sending the request" :
                      c->st == TG__X_HEAD ? "waiting for the response headers" : "receiving the response body");
        return tg__http_failed(c, err);
    }
    if (r < 0) {
        if (c->reused && !c->sent_any && c->st == TG__X_SEND && (err->code == TG_ERR_CLOSED || err->code == TG_ERR_IO)) {
            /* the reused connection died before taking a byte: provably unsent, reconnect once */
            tg__conn_close(c);
            c->reused = false;
            c->st = TG__X_RESOLVE;
            err->code = TG_OK; err->sys_errno = 0;
            return tg__http_step(c, rq, rs, err);
        }
        return tg__http_failed(c, err);
    }
    if (c->fp) { fclose(c->fp); c->fp = NULL; }
    err->request_sent = true;
    memset(rs, 0, sizeof *rs);
    rs->status = c->head.status;
    rs->body = c->in.data + c->body_start;
    rs->body_len = c->body_len;
    rs->body[rs->body_len] = '\0';      /* in.cap always leaves one spare byte */
    rs->content_type = c->ctype;
    err->http_status = rs->status;
    if (c->head.keep_alive) c->idle_since = tg__now_ms(c->plat);
    else tg__conn_close(c);
    return 1;
}

TGBOT__INTERN tg__sock tg__http_want(const tg__http_client *c, bool *write, uint64_t *deadline) {
    *write = c->want == TG__IO_WANT_WRITE;
    *deadline = c->st < TG__X_SEND ? TGBOT__MIN(c->deadline, c->connect_deadline) : c->deadline;
    return c->fd;
}

TGBOT__INTERN int tg__http_abort(tg__http_client *c, tg_error *err, tg_err code, const char *why) {
    tg__error_set(err, code, tg__state_phase(c->st), "%s", why);
    return tg__http_failed(c, err);
}

/* the blocking form: begin, then step and wait on the one socket until it ends */
TGBOT__INTERN tg_err tg__http_do(tg__http_client *c, const tg__http_request *rq, tg__http_response *rs, tg_error *err) {
    tg_error local;
    tg_err e;
    int r;
    if (!err) { memset(&local, 0, sizeof local); err = &local; }
    memset(rs, 0, sizeof *rs);
    if ((e = tg__http_begin(c, rq, err)) != TG_OK) return e;
    while ((r = tg__http_step(c, rq, rs, err)) == 0) {
        bool wr;
        uint64_t dl, now = tg__now_ms(c->plat);
        tg__sock fd = tg__http_want(c, &wr, &dl);
        int w = tg__sock_wait(fd, wr, (int)TGBOT__MIN(tg__until(dl, now), 0x7FFFFFFFu));
        if (w == -2) { r = tg__http_abort(c, err, TG_ERR_STOPPED, "interrupted by a stop request"); break; }
        if (w < 0) { r = tg__http_abort(c, err, TG_ERR_IO, "poll failed"); break; }
    }
    return r < 0 ? err->code : TG_OK;
}

/* another connection to the same endpoint: it shares the configuration and the TLS context (so a
   session is resumed across the pool) with its parent, which must outlive it */
TGBOT__INTERN tg_err tg__http_client_clone(tg__http_client **out, const tg__http_client *parent) {
    tg__http_client *c = (tg__http_client *)tg__alloc(parent->alloc, sizeof *c);
    *out = NULL;
    if (!c) return TG_ERR_NOMEM;
    memcpy(c, parent, sizeof *c);
    c->parent = parent;
    c->fd = TG__SOCK_INVALID; c->tls = NULL; c->fp = NULL; c->addrs = c->addr = NULL; c->opened = 0;
    c->dns = NULL;                       /* each connection its own name cache (freed with it) */
    memset(&c->out, 0, sizeof c->out); memset(&c->pout, 0, sizeof c->pout); memset(&c->in, 0, sizeof c->in);
    memset(&c->mp, 0, sizeof c->mp); memset(&c->segs, 0, sizeof c->segs);
    c->out.a = c->pout.a = c->in.a = c->mp.a = c->segs.a = c->alloc;
    c->stage = (char *)tg__alloc(c->alloc, TG__HTTP_STAGE);
    if (!c->stage) { tg__free(c->alloc, c, sizeof *c); return TG_ERR_NOMEM; }
    *out = c;
    return TG_OK;
}
