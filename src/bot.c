/* bot: the bot object and the call pipeline: encode → send (retry policy) → parse the envelope.
   Validation of arguments happens in the generated code before tg__req_send; decoding of typed
   results after it (codec.c). */

struct tg_bot {
    tg_allocator alloc;
    tg_logger log;
    tg_platform plat;
    void *user_data;
    char token[128];
    size_t token_len;
    int64_t id;
    bool test_env;
    uint32_t max_retries, request_ms, call_ms;
    tg__http_client *http;
    tg_json_writer w, tmp;        /* params; per-field scratch for multipart */
    tg__buf path;
    tg_arena arena;
    tg_json_tok *toks;
    uint32_t toks_cap;
    tg_error last;
    tg__req req;
    tg__bot_hooks hooks;
    /* One request slot per bot (per-call state comes with the async engine, issue 11). While a
       call's pipeline runs (from its first attempt to its last outcome) a call made from one of its
       callbacks (on_retry, on_rate_limited, the limiter's wait, on_breaker, a logger) would rewrite
       the slot in flight: it gets the `refused` slot instead and fails with TG_ERR_BUSY, sending
       nothing. on_sent and on_error run after the pipeline: calls from them are allowed, nested at
       most TG__NEST_MAX deep. The call in flight keeps its error in a local and writes `last` last. */
    const char *busy;              /* method of the call whose pipeline is running, NULL: none */
    uint32_t depth;                /* calls running inside on_sent / on_error */
    tg__req refused;
    tg_json_writer refused_w;
    char refused_buf[256];
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    tg_analytics *analytics;
#endif
#if TGBOT__HAS_CACHE       /* [cache] NULL until enabled */
    tg__cache *cache;
#endif
#if TGBOT__HAS_RATELIMIT   /* [limits] ratelimit.c */
    tg__ratelimit rl;
#endif
#if TGBOT__HAS_BREAKER     /* [limits] breaker.c */
    tg__breaker br;
#endif
};

static const tg_allocator *tg__a(const tg_bot *b) { return &b->alloc; }

static bool tg__token_ok(const char *t, size_t n) {
    size_t i = 0, d;
    while (i < n && t[i] >= '0' && t[i] <= '9') i++;
    if (i == 0 || i > 20 || i >= n || t[i] != ':') return false;
    d = ++i;
    for (; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return n - d == 35;
}

TGBOT_API tg_err tg_bot_new(tg_bot **out, const tg_bot_desc *desc, tg_error *err) {
    tg_bot_desc zero;
    tg_bot *b;
    const char *tok;
    char filetok[160];
    size_t n;
    tg__http_config hc;
    tg_err e;
    *out = NULL;
    if (err) memset(err, 0, sizeof *err);
    if (!desc) { memset(&zero, 0, sizeof zero); desc = &zero; }
    tok = desc->token;
    if (!tok && desc->token_file) {
        FILE *f = fopen(desc->token_file, "r");
        if (!f || !fgets(filetok, sizeof filetok, f)) {
            if (f) fclose(f);
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "cannot read the token file");
            return TG_ERR_ARG;
        }
        fclose(f);
        filetok[strcspn(filetok, "\r\n")] = '\0';
        tok = filetok;
    }
    if (!tok) tok = getenv("TELEGRAM_BOT_TOKEN");
    if (!tok) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "no bot token: set desc.token, desc.token_file or TELEGRAM_BOT_TOKEN");
        return TG_ERR_ARG;
    }
    n = strlen(tok);
    while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t')) n--;
    if (!tg__token_ok(tok, n)) {
        /* never echo the token: it is a secret even when malformed */
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "the bot token is malformed (expected <digits>:<35 characters of A-Z a-z 0-9 _ ->)");
        tg__wipe(filetok, sizeof filetok);
        return TG_ERR_ARG;
    }
    b = (tg_bot *)tg__alloc(&desc->allocator, sizeof *b);
    if (!b) { tg__wipe(filetok, sizeof filetok); return TG_ERR_NOMEM; }
    memset(b, 0, sizeof *b);
    b->alloc = desc->allocator;
    b->log = desc->logger;
    b->plat = desc->platform;
    b->user_data = desc->user_data;
    memcpy(b->token, tok, n);
    b->token_len = n;
    tg__wipe(filetok, sizeof filetok);
    b->id = (int64_t)strtoll(b->token, NULL, 10);
    b->test_env = desc->test_environment;
    b->max_retries = desc->max_retries ? desc->max_retries : 3;
    b->request_ms = desc->timeouts.request_ms ? desc->timeouts.request_ms : 60000;
    b->call_ms = desc->timeouts.call_ms ? desc->timeouts.call_ms
                : (uint32_t)TGBOT__MIN(2u * (uint64_t)b->request_ms, 0xFFFFFFFFu);   /* whole-call deadline */
#if TGBOT__HAS_RATELIMIT   /* [limits] */
    tg__ratelimit_init(&b->rl, &desc->ratelimit);
#endif
#if TGBOT__HAS_BREAKER     /* [limits] */
    tg__breaker_init(&b->br, &desc->breaker);
#endif
    b->path.a = tg__a(b);
    tg_json_writer_init_grow(&b->w, tg__a(b));
    tg_json_writer_init_grow(&b->tmp, tg__a(b));
    tg_json_writer_init(&b->refused_w, b->refused_buf, sizeof b->refused_buf);   /* its overflow is harmless */
    tg_arena_init(&b->arena, tg__a(b));
    memset(&hc, 0, sizeof hc);
    hc.base_url = desc->base_url;
    hc.proxy = desc->proxy;
    hc.tls = desc->tls;
    hc.limits = desc->limits;
    hc.timeouts = desc->timeouts;
    hc.alloc = tg__a(b);
    hc.log = &b->log;
    hc.plat = &b->plat;
    e = tg__http_client_new(&b->http, &hc, err);
    if (e) { tg_bot_free(b); return e; }
#if TGBOT__HAS_CACHE       /* [cache] */
    if (desc->cache.enabled && (e = tg_cache_enable(b, &desc->cache)) != TG_OK) {
        tg__error_set(err, e, TG_PHASE_VALIDATE, "out of memory for the cache");
        tg_bot_free(b);
        return e;
    }
#endif
    *out = b;
    return TG_OK;
}

TGBOT_API void tg_bot_free(tg_bot *bot) {
    tg_allocator a;
    if (!bot) return;
    a = bot->alloc;
    tg__http_client_free(bot->http);
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    tg__analytics_free(bot->analytics);
#endif
#if TGBOT__HAS_CACHE       /* [cache] */
    tg__cache_free(bot->cache);
#endif
    tg_json_writer_free(&bot->w);
    tg_json_writer_free(&bot->tmp);
    if (bot->path.data) tg__wipe(bot->path.data, bot->path.cap);   /* it held the token */
    tg__buf_free(&bot->path);
    tg_arena_free(&bot->arena);
    tg__free(&a, bot->toks, (size_t)bot->toks_cap * sizeof *bot->toks);
    tg__wipe(bot->token, sizeof bot->token);
    tg__wipe(bot, sizeof *bot);
    tg__free(&a, bot, sizeof *bot);
}

TGBOT_API const tg_error *tg_bot_last_error(const tg_bot *bot) { return &bot->last; }
TGBOT_API void tg_bot_reset(tg_bot *bot) { tg_arena_reset(&bot->arena); }
TGBOT_API tg_arena *tg_bot_arena(tg_bot *bot) { return &bot->arena; }
TGBOT_API void *tg_bot_user_data(const tg_bot *bot) { return bot->user_data; }
TGBOT_API int64_t tg_bot_id(const tg_bot *bot) { return bot->id; }
TGBOT__INTERN void tg__bot_set_hooks(tg_bot *bot, const tg__bot_hooks *h) { bot->hooks = *h; }
TGBOT__INTERN const tg_platform *tg__bot_platform(const tg_bot *bot) { return &bot->plat; }
TGBOT__INTERN const tg_logger *tg__bot_logger(const tg_bot *bot) { return &bot->log; }
TGBOT__INTERN const tg_allocator *tg__bot_alloc(const tg_bot *bot) { return &bot->alloc; }
TGBOT__INTERN uint32_t tg__bot_request_timeout(const tg_bot *bot) { return bot->request_ms; }
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
TGBOT__INTERN tg_analytics **tg__bot_analytics_slot(tg_bot *bot) { return &bot->analytics; }
#endif
#if TGBOT__HAS_CACHE       /* [cache] */
TGBOT__INTERN tg__cache **tg__bot_cache_slot(const tg_bot *bot) { return (tg__cache **)&bot->cache; }
#endif

static bool tg__http_code(const tg_error *e, int code) { return e && e->code == TG_ERR_API && e->error_code == code; }
TGBOT_API bool tg_error_is_unauthorized(const tg_error *e) { return tg__http_code(e, 401); }
TGBOT_API bool tg_error_is_forbidden(const tg_error *e) { return tg__http_code(e, 403); }
TGBOT_API bool tg_error_is_bad_request(const tg_error *e) { return tg__http_code(e, 400); }
TGBOT_API bool tg_error_is_not_found(const tg_error *e) { return tg__http_code(e, 404); }
TGBOT_API bool tg_error_is_conflict(const tg_error *e) { return tg__http_code(e, 409); }
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e) { return tg__http_code(e, 429); }

/* ---- requests ---- */
TGBOT__INTERN tg__req *tg__req_begin(tg_bot *bot, const char *method, uint32_t flags) {
    bool refuse = bot->busy != NULL || bot->depth > TG__NEST_MAX;
    tg__req *r = refuse ? &bot->refused : &bot->req;   /* never the slot of the call in flight */
    memset(r, 0, offsetof(tg__req, files));
    r->nfiles = 0;
    r->bot = bot;
    r->method = method;
    r->flags = flags;
    r->refused = refuse;
    r->w = refuse ? &bot->refused_w : &bot->w;
    tg_json_writer_reset(r->w);
    tg_json_obj_begin(r->w);
    return r;
}

/* a call begun inside a callback of the call in flight: nothing is sent, no event fires (a
   callback calling again would recurse); `last` says why (the call in flight keeps its own) */
static tg_err tg__req_refuse(tg__req *r) {
    tg_bot *b = r->bot;
    if (b->busy)
        tg__error_set(&b->last, TG_ERR_BUSY, TG_PHASE_VALIDATE, "%s: not sent: called from a callback of %s, which is "
                      "in progress (the API may be called from on_sent, on_error and handlers; not from on_retry, "
                      "on_rate_limited, on_breaker or a logger)", r->method, b->busy);
    else
        tg__error_set(&b->last, TG_ERR_BUSY, TG_PHASE_VALIDATE, "%s: not sent: calls from on_sent/on_error nested "
                      "more than %d deep", r->method, TG__NEST_MAX);
    snprintf(b->last.method, sizeof b->last.method, "%s", r->method);
    b->last.request_sent = false;
    return TG_ERR_BUSY;
}

/* on_sent / on_error: a call the hook makes may use the request slot and `last`; e is the
   finished call's own error, and `last` is its again when the hook returns */
static void tg__req_events(tg__req *r, tg_err code, const tg_error *e, uint64_t ms) {
    tg_bot *b = r->bot;
    const char *method = r->method;    /* r is reused by a call from the hook */
    b->last = *e;
    b->depth++;
    if (code == TG_OK) {
        if (b->hooks.on_sent) b->hooks.on_sent(b->hooks.ud, method, ms);
    } else if (code != TG_ERR_STOPPED) {     /* a requested stop is not a failure */
        if (b->hooks.on_error) b->hooks.on_error(b->hooks.ud, method, e);
    }
    b->depth--;
    b->last = *e;
}

TGBOT__INTERN const char *tg__req_add_file(tg__req *r, const char *field_name, const tg_input_file *f) {
    tg__http_part *p;
    if (r->nfiles >= TGBOT_MAX_UPLOADS) {
        tg__req_fail(r, TG_ERR_LIMIT, "%s: more than %d files in one request", r->method, TGBOT_MAX_UPLOADS);
        return NULL;
    }
    p = &r->files[r->nfiles];
    memset(p, 0, sizeof *p);
    p->file = f;
    if (field_name) {
        p->name = field_name;
    } else {
        snprintf(r->attach_names[r->nfiles], sizeof r->attach_names[0], "file%u", (unsigned)r->nfiles);
        p->name = r->attach_names[r->nfiles];
    }
    r->nfiles++;
    return p->name;
}

TGBOT__INTERN tg_err tg__req_fail(tg__req *r, tg_err code, const char *fmt, ...) {
    tg_error err, *e = &err;
    va_list ap;
    if (r->refused) return tg__req_refuse(r);
    memset(e, 0, sizeof *e);
    e->code = code;
    e->phase = TG_PHASE_VALIDATE;
    snprintf(e->method, sizeof e->method, "%s", r->method);
    va_start(ap, fmt);
    vsnprintf(e->description, sizeof e->description, fmt, ap);
    va_end(ap);
    tg__req_events(r, code, e, 0);
    return code;
}

/* Multipart: every top-level parameter becomes a form field (strings as they are, other values as
   JSON text), plus the file parts. */
static tg_err tg__req_parts(tg__req *r, const char *json, size_t len, tg__http_part **parts, size_t *nparts) {
    tg_bot *b = r->bot;
    char *copy = tg_arena_strndup(&b->arena, json, len);
    tg_json_tok *toks;
    tg_json_doc d;
    uint32_t i, k, n;
    tg__http_part *p;
    tg_json_parse(&d, copy, len, NULL, 0, NULL);
    toks = (tg_json_tok *)tg_arena_alloc(&b->arena, (size_t)d.needed * sizeof *toks);
    if (!copy || !toks) return TG_ERR_NOMEM;
    memcpy(copy, json, len);
    if (tg_json_parse(&d, copy, len, toks, d.needed, NULL) != TG_OK) return TG_ERR_JSON;
    n = toks[0].count;
    p = (tg__http_part *)tg_arena_alloc(&b->arena, ((size_t)n + r->nfiles) * sizeof *p);
    if (!p) return TG_ERR_NOMEM;
    for (i = 0, k = 1; i < n; i++, k = toks[k + 1].next) {
        tg__http_part *f = &p[i];
        memset(f, 0, sizeof *f);
        f->name = d.buf + toks[k].start;
        if (tg_json_type_of(&d, k + 1) == TG_JSON_STRING) {
            f->value = d.buf + toks[k + 1].start;
            f->value_len = toks[k + 1].len;
        } else {
            tg_json_writer_reset(&b->tmp);
            tg_json_write_value(&b->tmp, &d, k + 1);
            if (b->tmp.err) return b->tmp.err;
            f->value = tg_arena_strndup(&b->arena, b->tmp.buf, b->tmp.len);
            f->value_len = b->tmp.len;
            if (!f->value) return TG_ERR_NOMEM;
        }
    }
    memcpy(p + n, r->files, r->nfiles * sizeof *p);
    *parts = p;
    *nparts = n + r->nfiles;
    return TG_OK;
}

/* parses a response body (copied into the arena) and reads the envelope */
static void tg__scrub_token(const tg_bot *b, char *s);
static tg_err tg__req_decode(tg__req *r, const tg__http_response *rs, tg_json_value *result, tg_error *e) {
    tg_bot *b = r->bot;
    tg_json_doc *d = (tg_json_doc *)tg_arena_alloc(&b->arena, sizeof *d);
    char *body = tg_arena_strndup(&b->arena, rs->body, rs->body_len);
    tg_json_tok *toks;
    tg_err pe = TG_OK;
    uint32_t okt;
    bool ok = false;
    if (!d || !body) return TG_ERR_NOMEM;
    for (;;) {   /* the token array grows to fit once, then is reused by every call */
        if (!b->toks || (pe == TG_ERR_LIMIT && d->needed > b->toks_cap)) {
            uint32_t cap = b->toks ? d->needed + d->needed / 4 : 256;
            tg_json_tok *nt = (tg_json_tok *)tg__realloc(tg__a(b), b->toks, (size_t)b->toks_cap * sizeof *nt, (size_t)cap * sizeof *nt);
            if (!nt) return TG_ERR_NOMEM;
            b->toks = nt; b->toks_cap = cap;
            memcpy(body, rs->body, rs->body_len + 1);     /* a failed pass may have decoded strings in place */
        }
        pe = tg_json_parse(d, body, rs->body_len, b->toks, b->toks_cap, NULL);
        if (!(pe == TG_ERR_LIMIT && d->needed > b->toks_cap)) break;
    }
    if (pe != TG_OK) {
        tg__error_set(e, rs->status >= 300 ? TG_ERR_HTTP : TG_ERR_JSON, TG_PHASE_DECODE,
                      "%s: the answer (HTTP %d) is not valid JSON: %s at byte %zu", r->method, rs->status,
                      d->err_reason ? d->err_reason : "?", d->err_offset);
        return e->code;
    }
    /* results point into the arena copy; the token array is copied there too so it survives the next call */
    toks = (tg_json_tok *)tg_arena_alloc(&b->arena, (size_t)d->ntoks * sizeof *toks);
    if (!toks) return TG_ERR_NOMEM;
    memcpy(toks, d->toks, (size_t)d->ntoks * sizeof *toks);
    d->toks = toks;
    d->cap = d->ntoks;
    okt = tg_json_get(d, 0, "ok");
    if (!tg_json_bool(d, okt, &ok)) {
        tg__error_set(e, TG_ERR_HTTP, TG_PHASE_DECODE, "%s: the answer (HTTP %d) is not a Bot API envelope", r->method, rs->status);
        return e->code;
    }
    if (!ok) {
        int64_t code = rs->status, ra = 0, mig = 0;
        const char *desc = NULL;
        tg_json_i64(d, tg_json_get(d, 0, "error_code"), &code);
        tg_json_str(d, tg_json_get(d, 0, "description"), &desc, NULL);
        tg_json_i64(d, tg_json_path(d, 0, "parameters.retry_after"), &ra);
        tg_json_i64(d, tg_json_path(d, 0, "parameters.migrate_to_chat_id"), &mig);
        if (desc) tg__scrub_token(b, (char *)(uintptr_t)desc);   /* whole, before the cut to a description */
        tg__error_set(e, TG_ERR_API, TG_PHASE_API, "%s", desc ? desc : "error without description");
        e->error_code = (int)code;
        e->retry_after = (int32_t)(ra > 0 && ra < 86400 ? ra : 0);
        e->migrate_to_chat_id = mig;
        return TG_ERR_API;
    }
    if (result) {
        result->doc = d;
        result->tok = tg_json_get(d, 0, "result");
    }
    return TG_OK;
}

static uint32_t tg__backoff_ms(tg_bot *b, uint32_t attempt, int32_t retry_after) {
    uint32_t base, jitter = 0;
    unsigned char rnd[2] = { 0, 0 };
    if (retry_after > 0) return (uint32_t)retry_after * 1000u;
    base = 500u << (attempt < 6 ? attempt : 6);             /* 0.5 s, 1 s, 2 s ... 32 s */
    if (tg__random_bytes(&b->plat, rnd, sizeof rnd) == 0) jitter = ((uint32_t)rnd[0] << 8 | rnd[1]) % (base / 2 + 1);
    return base - base / 4 + jitter;                        /* ±25 % */
}

TGBOT__INTERN bool tg__params_parse(tg_bot *b, const char *json, size_t len, tg_json_doc *d) {
    char *copy = json && len >= 2 ? tg_arena_strndup(&b->arena, json, len) : NULL;
    tg_json_tok *toks;
    if (!copy) return false;
    tg_json_parse(d, copy, len, NULL, 0, NULL);             /* counts the tokens */
    toks = (tg_json_tok *)tg_arena_alloc(&b->arena, (size_t)d->needed * sizeof *toks);
    memcpy(copy, json, len);                                /* the counting pass decoded strings in place */
    return toks && d->needed && tg_json_parse(d, copy, len, toks, d->needed, NULL) == TG_OK &&
           tg_json_type_of(d, 0) == TG_JSON_OBJECT;
}

/* A peer may echo the request path (a proxy's error page, a misbehaving server): the token's secret
   half never leaves the library in an error description or a log line. Any run of 8 or more of its
   characters, in order, becomes "<token>" (7 bytes, so the text never grows): a cut copy, or a part
   of it, is caught too. Callers scrub the whole text before cutting it to a description. */
static void tg__scrub_token(const tg_bot *b, char *s) {
    const char *colon = (const char *)memchr(b->token, ':', b->token_len), *sec;
    size_t off = colon ? (size_t)(colon - b->token) + 1 : 0, n = b->token_len - off, i, j, len;
    if (n < 8 || !s) return;
    sec = b->token + off;
    len = strlen(s);
    for (i = 0; i + 8 <= len; i++) {
        size_t best = 0;
        for (j = 0; j + 8 <= n && best < n - j; j++) {    /* the longest run at s+i of the secret from j */
            size_t k = 0;
            while (k < n - j && i + k < len && s[i + k] == sec[j + k]) k++;
            if (k > best) best = k;
        }
        if (best < 8) continue;
        memcpy(s + i, "<token>", 7);
        memmove(s + i + 7, s + i + best, len - i - best + 1);
        len -= best - 7;
        i += 6;
    }
}

/* a file_path Telegram returned, percent-encoded for the URL path ('/' kept) */
static tg_err tg__append_file_path(tg__buf *b, const char *p) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        char esc[3];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '/' || ch == '.' || ch == '_' || ch == '-' || ch == '~') {
            if (tg__buf_append(b, p, 1)) return TG_ERR_NOMEM;
            continue;
        }
        esc[0] = '%'; esc[1] = hex[ch >> 4]; esc[2] = hex[ch & 15];
        if (tg__buf_append(b, esc, 3)) return TG_ERR_NOMEM;
    }
    return TG_OK;
}

/* a downloaded file: the bytes are copied into the arena (the response buffer is reused) */
static tg_err tg__download_keep(tg__req *r, const tg__http_response *rs, tg_error *e) {
    char *copy = tg_arena_strndup(&r->bot->arena, rs->body, rs->body_len);
    if (!copy) {
        tg__error_set(e, TG_ERR_NOMEM, TG_PHASE_DECODE, "file download: out of memory for %zu bytes", rs->body_len);
        return TG_ERR_NOMEM;
    }
    r->download->ptr = copy;
    r->download->len = rs->body_len;
    return TG_OK;
}

/* [money] What one attempt proves about a call that must not run twice (it sends something or
   spends Stars). Once any byte of the request may have reached the server only two answers are
   proof: a complete, well-formed {"ok":true,...} (it ran) and ok:false with a 4xx error_code
   (Telegram refused it; 429 included). Anything else, a TLS error after the request was written, a
   proxy's 502 page, a 500 with a JSON error, a 200 whose body is cut or is not JSON, a timeout or a
   reset, leaves the outcome unknown: such a call ends with TG_ERR_OUTCOME_UNKNOWN and is never
   repeated. */
static bool tg__attempt_proves(tg_err code, const tg_error *e) {
    return code == TG_OK || (code == TG_ERR_API && e->error_code >= 400 && e->error_code < 500);
}

/* errors of our own, or that the same attempt would meet again: never retried */
static bool tg__attempt_final(tg_err code) {
    return code == TG_ERR_NOMEM || code == TG_ERR_ARG || code == TG_ERR_UNSUPPORTED || code == TG_ERR_STOPPED ||
           code == TG_ERR_LIMIT;    /* an answer over a limit would be again */
}

/* a read or idempotent call whose attempt reached the server without proof: retried unless the
   answer is a page that will not change (3xx/4xx without a Bot API envelope) */
static bool tg__retry_safe(tg_err code, bool answered, int status) {
    if (tg__attempt_final(code)) return false;
    if (answered && (code == TG_ERR_HTTP || code == TG_ERR_JSON)) return status >= 500 || status < 300;
    return true;     /* 5xx or odd error_code in an envelope, a TLS error after the request, a network error */
}

TGBOT__INTERN tg_err tg__req_send(tg__req *r, tg_json_value *result) {
    tg_bot *b = r->bot;
    tg_error err, *e = &err;   /* this call's error; `last` gets it at the end (a callback's call may use `last`) */
    tg__http_request rq;
    tg__http_response rs;
    const char *json;
    size_t json_len;
    uint32_t attempt;
    tg_err code = TG_OK;
    bool safe = (r->flags & (TG__CALL_READ | TG__CALL_IDEMPOTENT)) != 0;
    uint64_t t0, elapsed, deadline;
    uint32_t attempt_ms = r->timeout_ms ? r->timeout_ms : b->request_ms;
    if (r->refused) return tg__req_refuse(r);
    t0 = tg__now_ms(&b->plat);
    /* the whole call ends by t0 + call_ms; long polling's longer attempt adds its poll time */
    deadline = t0 + b->call_ms + (attempt_ms > b->request_ms ? attempt_ms - b->request_ms : 0);
    memset(e, 0, sizeof *e);
    memset(&rs, 0, sizeof rs);
    if (result) { result->doc = NULL; result->tok = TG_JSON_NOTFOUND; }
    if (r->raw_params) {
        json = r->raw_params;
        json_len = strlen(json);
    } else {
        tg_json_obj_end(r->w);
        if (r->w->err)
            return tg__req_fail(r, r->w->err, "%s: a parameter could not be encoded (%s)", r->method, tg_err_str(r->w->err));
        json = r->w->buf;
        json_len = r->w->len;
    }
#if TGBOT__HAS_CACHE       /* [cache] a fresh stored answer is decoded as if it had just arrived; nothing is sent */
    if (b->cache) {
        tg__http_response hit;
        const char *body;
        memset(&hit, 0, sizeof hit);
        if (tg__cache_lookup(b->cache, r, json, json_len, &body, &hit.body_len)) {
            hit.status = 200;
            hit.body = (char *)body;         /* only read: tg__req_decode works on an arena copy */
            hit.content_type = "application/json";
            code = tg__req_decode(r, &hit, result, e);
            snprintf(e->method, sizeof e->method, "%s", r->method);
            b->last = *e;
            return code;
        }
    }
#endif
    memset(&rq, 0, sizeof rq);
    rq.method = r->file_path ? "GET" : "POST";
    rq.timeout_ms = r->timeout_ms;
    rq.max_body_bytes = r->max_bytes;
    if (r->file_path) {
        /* no body */
    } else if (r->nfiles) {
        tg__http_part *parts;
        size_t n;
        tg_err pe = tg__req_parts(r, json, json_len, &parts, &n);
        if (pe) return tg__req_fail(r, pe, "%s: could not prepare the upload (%s)", r->method, tg_err_str(pe));
        rq.parts = parts;
        rq.nparts = n;
    } else if (json_len > 2) {
        rq.content_type = "application/json";
        rq.body = json;
        rq.body_len = json_len;
    }
    b->path.len = 0;
    if ((r->file_path && tg__buf_append(&b->path, "/file", 5)) ||
        tg__buf_append(&b->path, "/bot", 4) || tg__buf_append(&b->path, b->token, b->token_len) ||
        (b->test_env && tg__buf_append(&b->path, "/test", 5)) || tg__buf_append(&b->path, "/", 1) ||
        (r->file_path ? tg__append_file_path(&b->path, r->file_path)
                      : tg__buf_append(&b->path, r->method, strlen(r->method))))
        return tg__req_fail(r, TG_ERR_NOMEM, "%s: out of memory", r->method);
    rq.path = b->path.data;
    b->busy = r->method;       /* from here to the last outcome, a call from a callback is refused */
    for (attempt = 0;; attempt++) {
        bool retry = false, answered;
        memset(e, 0, sizeof *e);
        memset(&b->last, 0, sizeof b->last);   /* the limiter and the breaker write a refusal there */
#if TGBOT__HAS_BREAKER     /* [limits] an open breaker refuses before anything is sent */
        if ((code = tg__breaker_admit(r)) != TG_OK) { *e = b->last; break; }
#endif
#if TGBOT__HAS_RATELIMIT   /* [limits] waits for the call's slot (or refuses: fail_fast) */
        {   /* the limiter's pacing is bounded by its own max_wait_ms, not by the call's deadline */
            uint64_t a0 = tg__now_ms(&b->plat);
            if ((code = tg__ratelimit_admit(r, attempt)) != TG_OK) { *e = b->last; break; }
            deadline += tg__now_ms(&b->plat) - a0;
        }
#endif
        {   /* this attempt ends by the call's deadline at the latest */
            uint64_t now = tg__now_ms(&b->plat);
            if (now >= deadline) {
                code = TG_ERR_TIMEOUT;         /* reached only after waits outside this loop's control */
                tg__error_set(e, code, TG_PHASE_NONE, "%s: the call's deadline (%u ms) passed before attempt %u",
                              r->method, b->call_ms, attempt + 1);
                break;
            }
            rq.timeout_ms = (uint32_t)TGBOT__MIN((uint64_t)attempt_ms, deadline - now);
        }
        code = tg__http_do(b->http, &rq, &rs, e);
        answered = code == TG_OK;              /* an HTTP answer arrived; what it says is decoded next */
        if (answered) code = r->file_path && rs.status == 200 ? tg__download_keep(r, &rs, e) : tg__req_decode(r, &rs, result, e);
        tg__scrub_token(b, e->description);
        if (answered) e->request_sent = true;
        if (code == TG_ERR_API && e->error_code == 429) {
            retry = true;                       /* Telegram refused it: nothing happened */
            b->last = *e;                       /* what tg_bot_last_error says inside the callback */
            if (b->hooks.on_rate_limited) b->hooks.on_rate_limited(b->hooks.ud, r->method, e->retry_after);
        } else if (tg__attempt_proves(code, e)) {
            retry = false;                      /* done, or refused by Telegram for good */
        } else if (!e->request_sent) {          /* provably unsent: any call may try again */
            retry = !tg__attempt_final(code) && tg_err_kind_of(code) != TG_KIND_TLS;   /* certificates do not heal */
        } else if (safe) {
            retry = tg__retry_safe(code, answered, rs.status);
        } else {                                /* [money] it may have run: never repeated, never a plain failure */
            char cause[160];
            if (answered) snprintf(cause, sizeof cause, "HTTP %d: %.140s", rs.status, e->description);
            else snprintf(cause, sizeof cause, "%.150s", e->description);
            tg__error_set(e, TG_ERR_OUTCOME_UNKNOWN, e->phase,
                          "%s may have reached Telegram (%s); not repeated: check the chat%s before trying again",
                          r->method, cause, (r->flags & TG__CALL_SPENDS) ? " and getStarTransactions" : "");
            code = TG_ERR_OUTCOME_UNKNOWN;
        }
#if TGBOT__HAS_RATELIMIT   /* [limits] a 429 pauses the call's scope */
        tg__ratelimit_outcome(r, code, e);
#endif
#if TGBOT__HAS_BREAKER     /* [limits] network errors and 5xx count against the breaker; once open, no retry */
        if (tg__breaker_outcome(r, answered, answered ? rs.status : 0, code, e)) retry = false;
#endif
        if (!retry || attempt >= b->max_retries) break;
        {
            uint32_t wait = tg__backoff_ms(b, attempt, e->retry_after);
            if (e->retry_after > 0) {
                deadline += wait;              /* a pause Telegram asked for is not counted */
            } else if (tg__now_ms(&b->plat) + wait >= deadline) {   /* no time left for another attempt */
                char cause[200];
                snprintf(cause, sizeof cause, "%.190s", e->description);
                tg__error_set(e, code, e->phase, "%s (no retry: the call's deadline of %u ms comes first)", cause, b->call_ms);
                break;
            }
            b->last = *e;
            if (b->hooks.on_retry) b->hooks.on_retry(b->hooks.ud, r->method, attempt + 1, wait, e);
#if TGBOT__HAS_ANALYTICS   /* [analytics] a 429 back-off wait */
            tg__analytics_retry(b->analytics, e, wait);
#endif
            tg__log(&b->log, TG_LOG_WARN, "%s: %s; retry %u in %u ms", r->method, e->description, attempt + 1, wait);
            tg__sleep_ms(&b->plat, wait);
        }
    }
    snprintf(e->method, sizeof e->method, "%s", r->method);
    elapsed = tg__now_ms(&b->plat) - t0;        /* one reading for every observer of the call */
#if TGBOT__HAS_CACHE       /* [cache] a read's answer is stored; any other call drops what it may have changed */
    if (b->cache) tg__cache_after(b->cache, r, json, json_len, code, code == TG_OK ? rs.body : NULL, code == TG_OK ? rs.body_len : 0);
#endif
#if TGBOT__HAS_ANALYTICS   /* [analytics] the one observer of a finished call */
    tg__analytics_call(b->analytics, r->method, e, code, elapsed, attempt + 1);
#endif
    if (code != TG_OK && code != TG_ERR_STOPPED) tg__log(&b->log, TG_LOG_ERROR, "%s failed: %s", r->method, e->description);
    b->busy = NULL;
    tg__req_events(r, code, e, elapsed);
    return code;
}

TGBOT_API tg_err tg_download_file(tg_bot *bot, const char *file_path, size_t max_bytes, tg_str *out) {
    tg__req *r = tg__req_begin(bot, "downloadFile", TG__CALL_READ);
    const char *p;
    out->ptr = NULL; out->len = 0;
    if (!file_path || !*file_path || file_path[0] == '/')
        return tg__req_fail(r, TG_ERR_ARG, "downloadFile: file_path must be the relative path getFile returned");
    for (p = file_path; *p; p++)     /* no way out of the file area, no control bytes */
        if ((unsigned char)*p < 0x20 || (p[0] == '.' && p[1] == '.' && (p == file_path || p[-1] == '/') && (p[2] == '/' || !p[2])))
            return tg__req_fail(r, TG_ERR_ARG, "downloadFile: file_path contains '..' or a control character");
    r->file_path = file_path;
    r->max_bytes = max_bytes ? max_bytes : TGBOT_DOWNLOAD_MAX;
    r->download = out;
    return tg__req_send(r, NULL);
}

TGBOT_API tg_err tg_download_file_id(tg_bot *bot, const char *file_id, size_t max_bytes, tg_str *out) {
    tg_get_file_args a;
    tg_file *f = NULL;
    tg_err e;
    out->ptr = NULL; out->len = 0;
    memset(&a, 0, sizeof a);
    a.file_id = file_id;
    if ((e = tg_get_file(bot, &a, &f)) != TG_OK) return e;
    if (!f || !f->file_path) {
        tg__error_set(&bot->last, TG_ERR_API, TG_PHASE_API, "getFile: no file_path in the answer (file too big to download?)");
        return TG_ERR_API;
    }
    if (f->has_file_size && (uint64_t)f->file_size > (max_bytes ? max_bytes : TGBOT_DOWNLOAD_MAX)) {
        tg__error_set(&bot->last, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "downloadFile: the file has %lld bytes, over the limit of %zu",
                      (long long)f->file_size, max_bytes ? max_bytes : TGBOT_DOWNLOAD_MAX);
        return TG_ERR_LIMIT;
    }
    return tg_download_file(bot, f->file_path, max_bytes, out);
}

TGBOT_API tg_err tg_call(tg_bot *bot, const char *method, const char *params_json, tg_json_value *result) {
    tg__req *r;
    size_t i;
    uint32_t flags = TG__CALL_SENDS;     /* unknown methods are treated as not safe to repeat */
    const tg__method *known;
    if (!method || !*method) {
        tg__error_set(&bot->last, TG_ERR_ARG, TG_PHASE_VALIDATE, "tg_call: no method name");
        return TG_ERR_ARG;
    }
    if ((known = tg__method_find(method)) != NULL) flags = known->flags;   /* the typed call's class */
    r = tg__req_begin(bot, method, flags);
    for (i = 0; method[i]; i++)
        if (!((method[i] >= 'a' && method[i] <= 'z') || (method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= '0' && method[i] <= '9')))
            return tg__req_fail(r, TG_ERR_ARG, "tg_call: invalid method name");
    if (params_json) {
        size_t n = strlen(params_json), j = 0;
        while (j < n && (params_json[j] == ' ' || params_json[j] == '\n' || params_json[j] == '\t' || params_json[j] == '\r')) j++;
        if (j == n || params_json[j] != '{') return tg__req_fail(r, TG_ERR_ARG, "%s: params must be a JSON object", method);
        r->raw_params = params_json;
    }
    return tg__req_send(r, result);
}
