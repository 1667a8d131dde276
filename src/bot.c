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
    tg_arena arena;
    tg_json_tok *toks;
    uint32_t toks_cap;
    tg_error last;
    tg_events ev;                  /* the pipeline's events (tg_bot_set_events, or a dispatcher's) */
    /* the engine: a pool of connections and the calls in flight, each with its own state (tg__req) */
    tg__http_client **pool;        /* [0] made with the bot, the others when first needed */
    tg__req **pool_user;           /* the call whose attempt holds each connection, NULL: idle */
    uint32_t pool_max, npool;
    uint32_t queued_max;
    bool wait_when_full;
    tg__req *active, *spare;       /* calls in flight (oldest first), finished calls kept for reuse */
    uint32_t nactive, next_id;
    uint32_t depth;                /* callbacks on the stack that may call the API */
    uint32_t iterating;            /* walks over `active` on the stack: finished calls stay listed */
    tg_async next;                 /* tg_async_next: the next typed call is submitted */
    bool next_set;
    tg__pollfd *pfds;              /* pool_max entries, then the source's */
    size_t pfds_cap;
    tg__loop_source src;           /* the webhook server on this loop (tg_loop_add_webhook), or none */
    bool has_src, src_stepping;
    tg_loop_fd *srcfds;
    size_t srcfds_cap;
    tg__req refused;               /* a call that could not get a slot: sends nothing */
    tg_json_writer refused_w;
    char refused_buf[256];
    void *mods[TG__MOD_COUNT];     /* each module's state, opaque here */
    tg__stage stages[TG__STAGES_MAX];   /* the chain, sorted by order */
    uint32_t nstages, nuser;
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

/* the desc with every zero that means "default" replaced by that default: the one place they live */
static tg_bot_desc tg__bot_desc_defaults(const tg_bot_desc *desc) {
    tg_bot_desc d;
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (!d.max_retries) d.max_retries = 3;
    if (!d.timeouts.request_ms) d.timeouts.request_ms = 60000;
    if (!d.timeouts.call_ms)           /* the whole-call deadline: two attempts' worth */
        d.timeouts.call_ms = (uint32_t)TGBOT__MIN(2u * (uint64_t)d.timeouts.request_ms, 0xFFFFFFFFu);
    d.engine.max_connections = d.engine.max_connections ? TGBOT__MIN(d.engine.max_connections, 1024u) : 8u;
    if (!d.engine.max_queued) d.engine.max_queued = 1024u;
    return d;
}

TGBOT_API tg_err tg_bot_new(tg_bot **out, const tg_bot_desc *desc, tg_error *err) {
    tg_bot_desc dd;
    tg_bot *b;
    const char *tok;
    char filetok[160];
    size_t n;
    tg__http_config hc;
    tg_err e;
    *out = NULL;
    if (err) memset(err, 0, sizeof *err);
    dd = tg__bot_desc_defaults(desc);
    desc = &dd;
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
    b->max_retries = desc->max_retries;
    b->request_ms = desc->timeouts.request_ms;
    b->call_ms = desc->timeouts.call_ms;
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
    b->pool_max = desc->engine.max_connections;
    b->queued_max = desc->engine.max_queued;
    b->wait_when_full = desc->engine.wait_when_full;
    b->pool = (tg__http_client **)tg__alloc(tg__a(b), b->pool_max * sizeof *b->pool);
    b->pool_user = (tg__req **)tg__alloc(tg__a(b), b->pool_max * sizeof *b->pool_user);
    b->pfds_cap = b->pool_max;
    b->pfds = (tg__pollfd *)tg__alloc(tg__a(b), b->pfds_cap * sizeof *b->pfds);
    if (!b->pool || !b->pool_user || !b->pfds) { tg_bot_free(b); return TG_ERR_NOMEM; }
    memset(b->pool_user, 0, b->pool_max * sizeof *b->pool_user);
    e = tg__http_client_new(&b->pool[0], &hc, err);
    if (e) { tg_bot_free(b); return e; }
    b->npool = 1;
    if ((e = tg__stages_builtin(b, desc, err)) != TG_OK) { tg_bot_free(b); return e; }
    *out = b;
    return TG_OK;
}

TGBOT_API void tg_bot_free(tg_bot *bot) {
    tg_allocator a;
    if (!bot) return;
    a = bot->alloc;
    while (bot->active) {               /* calls still in flight end unreported: the bot is going away */
        tg__req *r = bot->active;
        bot->active = r->next;
        r->next = bot->spare;
        bot->spare = r;
    }
    while (bot->spare) {
        tg__req *r = bot->spare;
        bot->spare = r->next;
        tg_json_writer_free(&r->own_w);
        tg_json_writer_free(&r->tmp);
        if (r->path.data) tg__wipe(r->path.data, r->path.cap);   /* it held the token */
        tg__buf_free(&r->path);
        tg__buf_free(&r->params);
        tg__free(&a, r, sizeof *r);
    }
    if (bot->pool) {
        uint32_t i;
        for (i = bot->npool; i > 1; i--) tg__http_client_free(bot->pool[i - 1]);   /* clones before their parent */
        if (bot->npool) tg__http_client_free(bot->pool[0]);
    }
    tg__free(&a, bot->pool, bot->pool_max * sizeof *bot->pool);
    tg__free(&a, bot->pool_user, bot->pool_max * sizeof *bot->pool_user);
    tg__free(&a, bot->pfds, bot->pfds_cap * sizeof *bot->pfds);
    tg__free(&a, bot->srcfds, bot->srcfds_cap * sizeof *bot->srcfds);
    while (bot->nstages) {               /* each stage frees what its module keeps */
        tg__stage *st = &bot->stages[--bot->nstages];
        if (st->free) st->free(st->st);
    }
    tg_arena_free(&bot->arena);
    tg__free(&a, bot->toks, (size_t)bot->toks_cap * sizeof *bot->toks);
    tg__wipe(bot->token, sizeof bot->token);
    tg__wipe(bot, sizeof *bot);
    tg__free(&a, bot, sizeof *bot);
}

TGBOT_API const tg_error *tg_bot_last_error(const tg_bot *bot) { return &bot->last; }
/* calls in flight keep their parameters and results in the arena: no reset until they end */
TGBOT_API void tg_bot_reset(tg_bot *bot) { if (!bot->nactive) tg_arena_reset(&bot->arena); }
TGBOT_API tg_arena *tg_bot_arena(tg_bot *bot) { return &bot->arena; }
TGBOT_API void *tg_bot_user_data(const tg_bot *bot) { return bot->user_data; }
TGBOT_API int64_t tg_bot_id(const tg_bot *bot) { return bot->id; }
TGBOT_API void tg_bot_set_events(tg_bot *bot, const tg_events *events) {
    if (events) bot->ev = *events;
    else memset(&bot->ev, 0, sizeof bot->ev);
}

/* the one hook every event of the pipeline goes through; a callback may call the API (bounded) */
TGBOT__INTERN void tg__emit(tg_bot *b, const tg_event *e) {
    void (*fn)(const tg_event *, void *) = NULL;
    switch (e->type) {
    case TG_EVENT_SENT: fn = b->ev.on_sent; break;
    case TG_EVENT_ERROR: fn = b->ev.on_error; break;
    case TG_EVENT_RETRY: fn = b->ev.on_retry; break;
    case TG_EVENT_RATE_LIMITED: fn = b->ev.on_rate_limited; break;
    case TG_EVENT_BREAKER: fn = b->ev.on_breaker; break;
    default: break;                      /* UPDATE, SHUTDOWN: the dispatcher's own */
    }
    if (!fn) return;
    b->depth++;
    fn(e, b->ev.ud);
    b->depth--;
}
TGBOT__INTERN const tg_platform *tg__bot_platform(const tg_bot *bot) { return &bot->plat; }
TGBOT__INTERN const tg_logger *tg__bot_logger(const tg_bot *bot) { return &bot->log; }
TGBOT__INTERN tg_error *tg__bot_refusal(tg_bot *bot) { return &bot->last; }
TGBOT__INTERN const tg_allocator *tg__bot_alloc(const tg_bot *bot) { return &bot->alloc; }
TGBOT__INTERN uint32_t tg__bot_request_timeout(const tg_bot *bot) { return bot->request_ms; }
TGBOT__INTERN void **tg__bot_module(tg_bot *b, int mod) { return &b->mods[mod]; }

TGBOT__INTERN tg_err tg__bot_add_stage(tg_bot *b, const tg__stage *s) {
    uint32_t i;
    if (b->nstages >= TG__STAGES_MAX) return TG_ERR_LIMIT;
    for (i = b->nstages; i > 0 && b->stages[i - 1].order > s->order; i--) b->stages[i] = b->stages[i - 1];
    b->stages[i] = *s;
    b->nstages++;
    return TG_OK;
}

TGBOT_API tg_err tg_bot_add_stage(tg_bot *bot, const tg_stage *stage) {
    tg__stage s;
    if (!stage) return TG_ERR_ARG;
    if (bot->nuser >= 8) return TG_ERR_LIMIT;
    memset(&s, 0, sizeof s);
    s.order = TG__ORDER_USER + (int)bot->nuser;
    s.user = *stage;
    if (tg__bot_add_stage(bot, &s) != TG_OK) return TG_ERR_LIMIT;
    bot->nuser++;
    return TG_OK;
}

static bool tg__http_code(const tg_error *e, int code) { return e && e->code == TG_ERR_API && e->error_code == code; }
TGBOT_API bool tg_error_is_unauthorized(const tg_error *e) { return tg__http_code(e, 401); }
TGBOT_API bool tg_error_is_forbidden(const tg_error *e) { return tg__http_code(e, 403); }
TGBOT_API bool tg_error_is_bad_request(const tg_error *e) { return tg__http_code(e, 400); }
TGBOT_API bool tg_error_is_not_found(const tg_error *e) { return tg__http_code(e, 404); }
TGBOT_API bool tg_error_is_conflict(const tg_error *e) { return tg__http_code(e, 409); }
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e) { return tg__http_code(e, 429); }

/* ---- calls ---- */
/* A call's life: NEW (being built) → ADMIT (stages may refuse or delay) → CONN (waits for a pool
   connection) → HTTP (one attempt, stepped without blocking) → WAIT (back-off) → ADMIT ... → DONE. */
enum { TG__ST_NEW, TG__ST_ADMIT, TG__ST_CONN, TG__ST_HTTP, TG__ST_WAIT, TG__ST_DONE };

TGBOT__INTERN tg__req *tg__req_begin(tg_bot *bot, const char *method, uint32_t flags) {
    tg__req *r = NULL;
    bool async = bot->next_set;
    tg_err why = TG_ERR_BUSY;
    bot->next_set = false;
    if (bot->depth <= TG__NEST_MAX) {
        if (bot->spare) {
            r = bot->spare;
            bot->spare = r->next;
        } else if ((r = (tg__req *)tg__alloc(tg__a(bot), sizeof *r)) != NULL) {
            memset(r, 0, sizeof *r);
            tg_json_writer_init_grow(&r->own_w, tg__a(bot));
            tg_json_writer_init_grow(&r->tmp, tg__a(bot));
            r->path.a = r->params.a = tg__a(bot);
        } else {
            why = TG_ERR_NOMEM;
        }
    }
    if (!r) {                          /* never a slot of a call in flight */
        r = &bot->refused;
        memset(r, 0, offsetof(tg__req, own_w));
        r->refused = true;
        r->code = why;
        r->w = &bot->refused_w;        /* its overflow is harmless: nothing is sent */
    } else {
        memset(r, 0, offsetof(tg__req, own_w));
        r->w = &r->own_w;
    }
    r->next = NULL;
    r->bot = bot;
    r->method = method;
    r->flags = flags;
    if (async) {
        r->async = true;
        r->done = bot->next.done;
        r->done_ud = bot->next.ud;
        if (bot->next.deadline_ms) r->deadline = tg__now_ms(&bot->plat) + bot->next.deadline_ms;
        if (method && strlen(method) < sizeof r->method_buf) {   /* the caller's string may not outlive the call */
            memcpy(r->method_buf, method, strlen(method) + 1);
            r->method = r->method_buf;
        }
    }
    tg_json_writer_reset(r->w);
    tg_json_obj_begin(r->w);
    return r;
}

/* a call that got no slot: nothing is sent, no event fires (a callback calling again would recurse) */
static tg_err tg__req_refuse(tg__req *r) {
    tg_bot *b = r->bot;
    if (r->code == TG_ERR_NOMEM)
        tg__error_set(&b->last, TG_ERR_NOMEM, TG_PHASE_VALIDATE, "%s: not sent: out of memory for the call", r->method);
    else
        tg__error_set(&b->last, TG_ERR_BUSY, TG_PHASE_VALIDATE, "%s: not sent: calls from callbacks nested more "
                      "than %d deep", r->method, TG__NEST_MAX);
    snprintf(b->last.method, sizeof b->last.method, "%s", r->method);
    b->last.request_sent = false;
    return r->code;
}

/* on_sent / on_error: a call the hook makes has its own slot; e is the finished call's own error,
   and `last` is its again when the hook returns */
static void tg__req_events(tg__req *r, tg_err code, const tg_error *e, uint64_t ms) {
    tg_bot *b = r->bot;
    tg_event ev;
    memset(&ev, 0, sizeof ev);
    ev.method = r->method;
    b->last = *e;
    if (code == TG_OK) {
        ev.type = TG_EVENT_SENT; ev.elapsed_ms = ms;
        tg__emit(b, &ev);
    } else if (code != TG_ERR_STOPPED) {     /* a requested stop is not a failure */
        ev.type = TG_EVENT_ERROR; ev.error = e;
        tg__emit(b, &ev);
    }
    b->last = *e;
}

/* finished calls go back to the spare list only when no walk over the list is on the stack */
static void tg__sweep(tg_bot *b) {
    tg__req **pp = &b->active;
    if (b->iterating) return;
    while (*pp) {
        tg__req *r = *pp;
        if (r->st == TG__ST_DONE && r->delivered && !r->stepping) {
            *pp = r->next;
            b->nactive--;
            r->st = TG__ST_NEW;
            r->next = b->spare;
            b->spare = r;
        } else {
            pp = &r->next;
        }
    }
}

static void tg__req_release(tg__req *r) {
    tg_bot *b = r->bot;
    if (r->refused) return;
    r->st = TG__ST_NEW;
    r->next = b->spare;
    b->spare = r;
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
    tg__req_release(r);
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
            tg_json_writer_reset(&r->tmp);
            tg_json_write_value(&r->tmp, &d, k + 1);
            if (r->tmp.err) return r->tmp.err;
            f->value = tg_arena_strndup(&b->arena, r->tmp.buf, r->tmp.len);
            f->value_len = r->tmp.len;
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
           code == TG_ERR_LIMIT ||   /* an answer over a limit would be again */
           code == TG_ERR_CANCELLED || code == TG_ERR_BUSY;
}

/* a read or idempotent call whose attempt reached the server without proof: retried unless the
   answer is a page that will not change (3xx/4xx without a Bot API envelope) */
static bool tg__retry_safe(tg_err code, bool answered, int status) {
    if (tg__attempt_final(code)) return false;
    if (answered && (code == TG_ERR_HTTP || code == TG_ERR_JSON)) return status >= 500 || status < 300;
    return true;     /* 5xx or odd error_code in an envelope, a TLS error after the request, a network error */
}

/* ---- the engine: a pool of connections, calls in flight, one loop ---- */

static void tg__call_info(const tg__req *r, tg_call_info *ci) {
    memset(ci, 0, sizeof *ci);
    ci->id = r->id;
    ci->method = r->method;
    ci->params = r->json ? r->json : "{}";
    ci->params_len = r->json ? r->json_len : 2;
    ci->attempt = r->attempt;
    ci->read = (r->flags & TG__CALL_READ) != 0;
    ci->sends = (r->flags & TG__CALL_SENDS) != 0;
    ci->spends = (r->flags & TG__CALL_SPENDS) != 0;
}

/* admit: each stage in order until one answers, refuses or asks for a wait; the refusal is in `last` */
static tg_err tg__admit_chain(tg__req *r, tg_str *answer, uint64_t *until) {
    tg_bot *b = r->bot;
    tg_err code = TG_OK;
    uint32_t i;
    tg_call_info ci;
    tg__call_info(r, &ci);
    for (i = 0; i < b->nstages && code == TG_OK && !answer->ptr && !*until; i++) {
        tg__stage *st = &b->stages[i];
        if (st->admit) code = st->admit(st->st, r, answer, until, &b->last);
        if (code == TG_OK && !answer->ptr && !*until && st->user.admit) {
            code = st->user.admit(st->user.ud, &ci, &b->last);
            if (code != TG_OK && !b->last.code) tg__error_set(&b->last, code, TG_PHASE_VALIDATE, "%s: refused by a stage", r->method);
        }
    }
    return code;
}

/* an idle connection of the pool (a new one while under max_connections), or NULL */
static tg__http_client *tg__pool_take(tg_bot *b, tg__req *r) {
    uint32_t i;
    for (i = 0; i < b->npool; i++)
        if (!b->pool_user[i]) { b->pool_user[i] = r; return b->pool[i]; }
    if (b->npool < b->pool_max && tg__http_client_clone(&b->pool[b->npool], b->pool[0]) == TG_OK) {
        b->pool_user[b->npool] = r;
        return b->pool[b->npool++];
    }
    return NULL;
}

static void tg__pool_put(tg__req *r) {
    tg_bot *b = r->bot;
    uint32_t i;
    for (i = 0; i < b->npool; i++)
        if (b->pool[i] == r->conn) b->pool_user[i] = NULL;
    r->conn = NULL;
}

/* every connection is held by a call whose callback is on the stack: waiting would never end */
static bool tg__pool_stuck(const tg_bot *b) {
    uint32_t i;
    for (i = 0; i < b->npool; i++)
        if (!b->pool_user[i] || !b->pool_user[i]->stepping) return false;
    return true;
}

/* the stages a finished call passes, then DONE: the engine reports it (blocking: its caller) */
static void tg__call_finish(tg__req *r, tg_err code) {
    tg_bot *b = r->bot;
    tg_error *e = &r->err;
    snprintf(e->method, sizeof e->method, "%s", r->method);
    e->code = code;
    r->elapsed = tg__now_ms(&b->plat) - r->t0;   /* one reading for every observer of the call */
    if (!r->hit) {                      /* done: once per call, in chain order */
        uint64_t ms = r->elapsed;
        const char *body = code == TG_OK && r->conn ? r->rs.body : NULL;
        size_t body_len = body ? r->rs.body_len : 0;
        uint32_t i;
        tg_call_info ci;
        tg__call_info(r, &ci);
        b->depth++;
        for (i = 0; i < b->nstages; i++) {
            tg__stage *st = &b->stages[i];
            if (st->done) st->done(st->st, r, code, e, ms, body, body_len);
            if (st->user.done) st->user.done(st->user.ud, &ci, code, e, ms);
        }
        b->depth--;
    }
    if (r->conn) tg__pool_put(r);
    if (code != TG_OK && code != TG_ERR_STOPPED) tg__log(&b->log, TG_LOG_ERROR, "%s failed: %s", r->method, e->description);
    r->code = code;
    r->st = TG__ST_DONE;
}

/* Telegram answered 429: on_rate_limited, with the attempt's error as the bot's last */
static void tg__emit_429(tg__req *r) {
    tg_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = TG_EVENT_RATE_LIMITED; ev.method = r->method; ev.retry_after = r->err.retry_after;
    r->bot->last = r->err;
    tg__emit(r->bot, &ev);
}

/* what one attempt's end means: done, refused for good, outcome unknown, or try again */
static void tg__attempt_end(tg__req *r, bool answered) {
    tg_bot *b = r->bot;
    tg_error *e = &r->err;
    tg_json_value *out = r->result ? r->result : &r->res;
    tg_err code = answered ? TG_OK : e->code;
    bool retry = false, limited;
    if (answered) code = r->file_path && r->rs.status == 200 ? tg__download_keep(r, &r->rs, e) : tg__req_decode(r, &r->rs, out, e);
    tg__scrub_token(b, e->description);
    if (answered) e->request_sent = true;
    limited = code == TG_ERR_API && e->error_code == 429;
    if (limited) {
        retry = true;                           /* Telegram refused it: nothing happened */
    } else if (tg__attempt_proves(code, e)) {
        retry = false;                          /* done, or refused by Telegram for good */
    } else if (!e->request_sent) {              /* provably unsent: any call may try again */
        retry = !tg__attempt_final(code) && tg_err_kind_of(code) != TG_KIND_TLS;   /* certificates do not heal */
    } else if (r->safe) {
        retry = tg__retry_safe(code, answered, r->rs.status);
    } else {                                    /* [money] it may have run: never repeated, never a plain failure */
        char cause[160];
        if (answered) snprintf(cause, sizeof cause, "HTTP %d: %.140s", r->rs.status, e->description);
        else snprintf(cause, sizeof cause, "%.150s", e->description);
        tg__error_set(e, TG_ERR_OUTCOME_UNKNOWN, e->phase,
                      "%s may have reached Telegram (%s); not repeated: check the chat%s before trying again",
                      r->method, cause, (r->flags & TG__CALL_SPENDS) ? " and getStarTransactions" : "");
        e->request_sent = true;
        code = TG_ERR_OUTCOME_UNKNOWN;
    }
    {                                           /* outcome: each stage sees the attempt; any may stop retries */
        uint32_t i;
        tg_call_info ci;
        tg__call_info(r, &ci);
        b->depth++;
        for (i = 0; i < b->nstages; i++) {
            tg__stage *st = &b->stages[i];
            if (st->outcome && st->outcome(st->st, r, answered, answered ? r->rs.status : 0, code, e)) retry = false;
            if (st->user.outcome) st->user.outcome(st->user.ud, &ci, code, e);
        }
        b->depth--;
    }
    if (retry && r->attempt >= b->max_retries) retry = false;
    if (!retry) {
        tg__call_finish(r, code);
        if (limited) tg__emit_429(r);
        return;
    }
    tg__pool_put(r);                            /* a call from the callbacks below may use it */
    {
        uint32_t wait = tg__backoff_ms(b, r->attempt, e->retry_after);
        uint64_t now = tg__now_ms(&b->plat);
        if (r->deadline && now + wait >= r->deadline) {   /* the next attempt would start after the deadline */
            tg__call_finish(r, code);
            if (limited) tg__emit_429(r);
            return;
        }
        if (e->retry_after > 0) {
            r->call_deadline += wait;           /* a pause Telegram asked for is not counted */
        } else if (now + wait >= r->call_deadline) {   /* no time left for another attempt */
            char cause[200];
            snprintf(cause, sizeof cause, "%.190s", e->description);
            tg__error_set(e, code, e->phase, "%s (no retry: the call's deadline of %u ms comes first)", cause, b->call_ms);
            tg__call_finish(r, code);
            if (limited) tg__emit_429(r);
            return;
        }
        if (limited) tg__emit_429(r);
        {
            tg_event ev;
            memset(&ev, 0, sizeof ev);
            ev.type = TG_EVENT_RETRY; ev.method = r->method; ev.attempt = r->attempt + 1; ev.delay_ms = wait; ev.error = e;
            b->last = *e;                       /* what tg_bot_last_error says inside the callback */
            tg__emit(b, &ev);
        }
        {
            uint32_t i;
            for (i = 0; i < b->nstages; i++)
                if (b->stages[i].retry) b->stages[i].retry(b->stages[i].st, r, e, wait);
        }
        tg__log(&b->log, TG_LOG_WARN, "%s: %s; retry %u in %u ms", r->method, e->description, r->attempt + 1, wait);
        r->wake = now + wait;
        r->woken = false;
        r->st = TG__ST_WAIT;
    }
}

/* advances one call as far as it can without blocking */
static void tg__call_step(tg__req *r) {
    tg_bot *b = r->bot;
    r->stepping = true;
    for (;;) {
        uint64_t now;
        if (r->st == TG__ST_DONE || r->st == TG__ST_NEW) break;
        now = tg__now_ms(&b->plat);        /* not read for a call that has just ended: one reading times it */
        if (r->st == TG__ST_ADMIT) {
            tg_err code = TG_OK;
            if (r->cancel) {
                tg__error_set(&r->err, TG_ERR_CANCELLED, TG_PHASE_VALIDATE, "%s: cancelled before it was sent", r->method);
                tg__call_finish(r, TG_ERR_CANCELLED);
                break;
            }
            if (r->deadline && now >= r->deadline) {
                tg__error_set(&r->err, TG_ERR_TIMEOUT, TG_PHASE_VALIDATE, "%s: its deadline passed before it was sent", r->method);
                tg__call_finish(r, TG_ERR_TIMEOUT);
                break;
            }
            memset(&r->err, 0, sizeof r->err);
            memset(&b->last, 0, sizeof b->last);   /* the limiter and the breaker write a refusal there */
            b->depth++;                            /* stages and their events may call the API */
            {
                uint64_t until = 0;
                tg_str answer = { NULL, 0 };
                code = tg__admit_chain(r, &answer, &until);
                r->slept_to = 0;
                if (code == TG_OK && until && !answer.ptr) {  /* a stage's slot comes later: park the call */
                    b->depth--;
                    r->wake = until;
                    r->woken = false;
                    r->admit_wait = true;
                    r->call_deadline += until > now ? until - now : 0;   /* the limiter's pacing is not counted */
                    r->st = TG__ST_WAIT;
                    break;
                }
                if (code == TG_OK && answer.ptr) {  /* answered by a stage (the cache): nothing is sent */
                    tg__http_response hit;
                    memset(&hit, 0, sizeof hit);
                    hit.status = 200;
                    hit.body = (char *)(uintptr_t)answer.ptr;   /* only read: tg__req_decode works on an arena copy */
                    hit.body_len = answer.len;
                    hit.content_type = "application/json";
                    b->depth--;
                    r->hit = true;
                    code = tg__req_decode(r, &hit, r->result ? r->result : &r->res, &r->err);
                    tg__call_finish(r, code);
                    break;
                }
            }
            b->depth--;
            if (code != TG_OK) { r->err = b->last; tg__call_finish(r, code); break; }
            {   /* this attempt ends by the call's deadline at the latest */
                uint32_t attempt_ms = r->timeout_ms ? r->timeout_ms : b->request_ms;
                if (now >= r->call_deadline) {   /* reached only after waits outside the engine's control */
                    tg__error_set(&r->err, TG_ERR_TIMEOUT, TG_PHASE_NONE, "%s: the call's deadline (%u ms) passed before attempt %u",
                                  r->method, b->call_ms, r->attempt + 1);
                    tg__call_finish(r, TG_ERR_TIMEOUT);
                    break;
                }
                r->rq.timeout_ms = (uint32_t)TGBOT__MIN((uint64_t)attempt_ms, r->call_deadline - now);
            }
            r->st = TG__ST_CONN;
        } else if (r->st == TG__ST_CONN) {
            tg__http_client *c = tg__pool_take(b, r);
            if (!c) {
                if (!tg__pool_stuck(b)) break;     /* a connection comes free when a call in flight ends */
                tg__error_set(&r->err, TG_ERR_BUSY, TG_PHASE_CONNECT, "%s: not sent: every connection is held by "
                              "a call whose callback made this one", r->method);
                tg__call_finish(r, TG_ERR_BUSY);
                break;
            }
            r->conn = c;
            if (r->cancel) {
                tg__pool_put(r);
                tg__error_set(&r->err, TG_ERR_CANCELLED, TG_PHASE_VALIDATE, "%s: cancelled before it was sent", r->method);
                tg__call_finish(r, TG_ERR_CANCELLED);
                break;
            }
            if (tg__http_begin(c, &r->rq, &r->err) != TG_OK) { tg__attempt_end(r, false); continue; }
            r->st = TG__ST_HTTP;
        } else if (r->st == TG__ST_HTTP) {
            int x;
            if (r->cancel) x = tg__http_abort(r->conn, &r->err, TG_ERR_CANCELLED, "cancelled");
            else if (r->deadline && now >= r->deadline) x = tg__http_abort(r->conn, &r->err, TG_ERR_TIMEOUT, "the call's deadline passed");
            else if (tg__interrupt_pending()) x = tg__http_abort(r->conn, &r->err, TG_ERR_STOPPED, "interrupted by a stop request");
            else x = tg__http_step(r->conn, &r->rq, &r->rs, &r->err);
            if (x == 0) break;
            tg__attempt_end(r, x > 0);
        } else if (r->st == TG__ST_WAIT) {
            if (!r->woken && !r->cancel && now < r->wake) break;
            r->slept_to = r->woken ? r->wake : 0;
            r->woken = false;
            if (!r->admit_wait) r->attempt++;      /* a back-off ends: the next attempt */
            r->admit_wait = false;
            r->st = TG__ST_ADMIT;
        } else {
            break;
        }
    }
    r->stepping = false;
}

/* steps every call in flight once, then reports the async calls that ended */
static void tg__loop_run(tg_bot *b) {
    tg__req *r;
    b->iterating++;
    for (r = b->active; r; r = r->next)
        if (!r->stepping && r->st != TG__ST_NEW && r->st != TG__ST_DONE) tg__call_step(r);
    for (r = b->active; r; r = r->next) {
        if (r->st != TG__ST_DONE || !r->async || r->delivered || r->stepping) continue;
        r->delivered = true;
        if (r->code == TG_OK && r->decode) {
            tg_err de = r->decode(r, &r->res);
            if (de) { r->code = de; r->err = b->last; }
        }
        tg__req_events(r, r->code, &r->err, r->elapsed);
        if (r->done) {
            b->depth++;
            r->done(b, r->id, r->code, &r->err, r->res, r->done_ud);
            b->depth--;
        }
    }
    b->iterating--;
    tg__sweep(b);
}

/* waits for progress: the sockets of the attempts in flight, the next back-off or deadline, at
   most max_ms (-1: no bound). Back-off waits with no socket to watch go through the platform's
   sleep hook, so a test's fake clock moves them. */
/* the source's sockets (they follow the calls' in pfds); false: no memory, skip them this round */
static bool tg__src_fds(tg_bot *b, size_t at, size_t *n) {
    size_t k, m = b->src.fds(b->src.ud, b->srcfds, b->srcfds_cap);
    if (m > b->srcfds_cap) {
        tg_loop_fd *nf = (tg_loop_fd *)tg__realloc(tg__a(b), b->srcfds, b->srcfds_cap * sizeof *nf, m * sizeof *nf);
        if (!nf) return false;
        b->srcfds = nf; b->srcfds_cap = m;
        m = b->src.fds(b->src.ud, b->srcfds, b->srcfds_cap);
    }
    if (at + m > b->pfds_cap) {
        tg__pollfd *np = (tg__pollfd *)tg__realloc(tg__a(b), b->pfds, b->pfds_cap * sizeof *np, (at + m) * sizeof *np);
        if (!np) return false;
        b->pfds = np; b->pfds_cap = at + m;
    }
    for (k = 0; k < m; k++) {
        b->pfds[at + k].fd = (tg__sock)b->srcfds[k].fd;   /* a winsock SOCKET passed as int */
        b->pfds[at + k].events = (short)((b->srcfds[k].events & TG_LOOP_READ ? POLLIN : 0) | (b->srcfds[k].events & TG_LOOP_WRITE ? POLLOUT : 0));
        b->pfds[at + k].revents = 0;
    }
    *n = at + m;
    return true;
}

static void tg__loop_wait_src(tg_bot *b, int max_ms, bool with_src);
static void tg__loop_wait(tg_bot *b, int max_ms) { tg__loop_wait_src(b, max_ms, false); }
/* with_src: the loop's own rounds (tg_loop_step, tg_run) also wait for the source; a blocking call
   does not serve it, so it does not wait for it either */
static void tg__loop_wait_src(tg_bot *b, int max_ms, bool with_src) {
    uint64_t now = tg__now_ms(&b->plat), next = UINT64_MAX;
    size_t n = 0;
    int wait;
    tg__req *r;
    for (r = b->active; r; r = r->next) {
        if (r->stepping || r->st == TG__ST_NEW || r->st == TG__ST_DONE) continue;
        if (r->st == TG__ST_HTTP && n < b->pool_max) {
            bool wr;
            uint64_t dl;
            b->pfds[n].fd = tg__http_want(r->conn, &wr, &dl);
            b->pfds[n].events = (short)(wr ? POLLOUT : POLLIN);
            b->pfds[n].revents = 0;
            n++;
            if (dl < next) next = dl;
        } else if (r->st == TG__ST_WAIT) {
            if (r->wake < next) next = r->wake;
        } else if (r->st == TG__ST_ADMIT || (r->st == TG__ST_CONN && (b->npool < b->pool_max || tg__pool_stuck(b)))) {
            next = now;
        }
        if (r->deadline && r->deadline < next) next = r->deadline;
    }
    if (tg__interrupt_pending()) return;
    with_src = with_src && b->has_src && !b->src_stepping;
    if (with_src) {
        int st = b->src.timeout_ms(b->src.ud);
        if (st >= 0 && now + (uint64_t)st < next) next = now + (uint64_t)st;
        if (!tg__src_fds(b, n, &n)) with_src = false;
    }
    if (next == UINT64_MAX) wait = max_ms;
    else {
        uint64_t left = next > now ? next - now : 0;
        wait = (int)TGBOT__MIN(left, 0x7FFFFFFFu);
        if (max_ms >= 0 && max_ms < wait) wait = max_ms;
    }
    if (wait == 0) return;
    if (n == 0) {
        if (wait < 0) return;                    /* nothing in flight can progress by waiting */
        tg__sleep_ms(&b->plat, (uint32_t)wait);
        for (r = b->active; r; r = r->next)
            if (r->st == TG__ST_WAIT && r->wake <= now + (uint64_t)wait) r->woken = true;
        return;
    }
    tg__poll(b->pfds, n, wait);
}

/* the call's parameters, path and HTTP request; the stages and the engine take it from there */
static tg_err tg__req_prepare(tg__req *r) {
    tg_bot *b = r->bot;
    if (r->raw_params) {
        r->params.len = 0;                       /* a copy: an async caller's string may not outlive the call */
        if (tg__buf_append(&r->params, r->raw_params, strlen(r->raw_params) + 1))
            return tg__req_fail(r, TG_ERR_NOMEM, "%s: out of memory", r->method);
        r->raw_params = r->params.data;
        r->json = r->params.data;
        r->json_len = r->params.len - 1;
    } else {
        tg_json_obj_end(r->w);
        if (r->w->err)
            return tg__req_fail(r, r->w->err, "%s: a parameter could not be encoded (%s)", r->method, tg_err_str(r->w->err));
        r->json = r->w->buf;
        r->json_len = r->w->len;
    }
    memset(&r->rq, 0, sizeof r->rq);
    r->rq.method = r->file_path ? "GET" : "POST";
    r->rq.timeout_ms = r->timeout_ms;
    r->rq.max_body_bytes = r->max_bytes;
    if (r->file_path) {
        /* no body */
    } else if (r->nfiles) {
        tg__http_part *parts;
        size_t n;
        tg_err pe = tg__req_parts(r, r->json, r->json_len, &parts, &n);
        if (pe) return tg__req_fail(r, pe, "%s: could not prepare the upload (%s)", r->method, tg_err_str(pe));
        r->rq.parts = parts;
        r->rq.nparts = n;
    } else if (r->json_len > 2) {
        r->rq.content_type = "application/json";
        r->rq.body = r->json;
        r->rq.body_len = r->json_len;
    }
    r->path.len = 0;
    if ((r->file_path && tg__buf_append(&r->path, "/file", 5)) ||
        tg__buf_append(&r->path, "/bot", 4) || tg__buf_append(&r->path, b->token, b->token_len) ||
        (b->test_env && tg__buf_append(&r->path, "/test", 5)) || tg__buf_append(&r->path, "/", 1) ||
        (r->file_path ? tg__append_file_path(&r->path, r->file_path)
                      : tg__buf_append(&r->path, r->method, strlen(r->method))) ||
        tg__buf_append(&r->path, "", 1))
        return tg__req_fail(r, TG_ERR_NOMEM, "%s: out of memory", r->method);
    r->rq.path = r->path.data;
    return TG_OK;
}

TGBOT__INTERN tg_err tg__req_send(tg__req *r, tg_json_value *result) {
    tg_bot *b = r->bot;
    tg__req **tail;
    tg_err code;
    if (r->refused) return tg__req_refuse(r);
    if (result) { result->doc = NULL; result->tok = TG_JSON_NOTFOUND; }
    r->result = result;
    r->res.doc = NULL; r->res.tok = TG_JSON_NOTFOUND;
    if (r->async && r->method != r->method_buf)
        return tg__req_fail(r, TG_ERR_ARG, "%.60s...: method name too long", r->method);
    if (r->async && b->nactive >= b->queued_max) {
        if (!b->wait_when_full)
            return tg__req_fail(r, TG_ERR_BUSY, "%s: not sent: %u calls in flight already", r->method, (unsigned)b->nactive);
        while (b->nactive >= b->queued_max) { tg__loop_run(b); if (b->nactive >= b->queued_max) tg__loop_wait(b, -1); }
    }
    if ((code = tg__req_prepare(r)) != TG_OK) return code;
    r->safe = (r->flags & (TG__CALL_READ | TG__CALL_IDEMPOTENT)) != 0;
    r->t0 = tg__now_ms(&b->plat);
    {   /* the whole call ends by t0 + call_ms; long polling's longer attempt adds its poll time */
        uint32_t attempt_ms = r->timeout_ms ? r->timeout_ms : b->request_ms;
        r->call_deadline = r->t0 + b->call_ms + (attempt_ms > b->request_ms ? attempt_ms - b->request_ms : 0);
    }
    if (++b->next_id == 0) b->next_id = 1;
    r->id = b->next_id;
    r->st = TG__ST_ADMIT;
    if (r->not_before > r->t0) {             /* a delayed start (long polling's back-off) */
        r->st = TG__ST_WAIT;
        r->wake = r->not_before;
        r->admit_wait = true;
    }
    for (tail = &b->active; *tail; tail = &(*tail)->next) {}
    *tail = r;
    b->nactive++;
    if (r->async) return TG_ERR_PENDING;
    /* blocking: drive the engine until this call is done (the others in flight progress too) */
    for (;;) {
        tg__loop_run(b);
        if (r->st == TG__ST_DONE) break;
        tg__loop_wait(b, -1);
    }
    code = r->code;
    if (r->hit) b->last = r->err;            /* answered by a stage: as if nothing happened on the network */
    else tg__req_events(r, code, &r->err, r->elapsed);
    r->delivered = true;
    tg__sweep(b);
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

/* ---- async calls and the loop (async.h) ---- */
TGBOT_API void tg_async_next(tg_bot *bot, const tg_async *opt) {
    if (opt) bot->next = *opt;
    else memset(&bot->next, 0, sizeof bot->next);
    bot->next_set = true;
}

TGBOT_API tg_err tg_call_async(tg_bot *bot, const char *method, const char *params_json, const tg_async *opt, uint32_t *id) {
    tg_err e;
    tg_async_next(bot, opt);
    e = tg_call(bot, method, params_json, NULL);
    bot->next_set = false;                   /* also when tg_call refused before taking it */
    if (id) *id = e == TG_ERR_PENDING ? bot->next_id : 0;
    return e;
}

TGBOT_API bool tg_call_cancel(tg_bot *bot, uint32_t id) {
    tg__req *r;
    for (r = bot->active; r; r = r->next)
        if (r->id == id && r->st != TG__ST_DONE && r->st != TG__ST_NEW) { r->cancel = true; return true; }
    return false;
}

TGBOT_API uint32_t tg_loop_pending(const tg_bot *bot) {
    const tg__req *r;
    uint32_t n = 0;
    for (r = bot->active; r; r = r->next) n += !r->delivered;
    return n;
}

TGBOT_API size_t tg_loop_fds(tg_bot *bot, tg_loop_fd *fds, size_t max) {
    tg__req *r;
    size_t n = 0;
    if (bot->has_src && !bot->src_stepping) {   /* the source's sockets first */
        n = bot->src.fds(bot->src.ud, fds, max);
    }
    for (r = bot->active; r; r = r->next) {
        bool wr;
        uint64_t dl;
        if (r->st != TG__ST_HTTP || r->stepping) continue;
        if (n < max) {
            fds[n].fd = (int)tg__http_want(r->conn, &wr, &dl);
            fds[n].events = wr ? TG_LOOP_WRITE : TG_LOOP_READ;
        }
        n++;
    }
    return n;
}

TGBOT_API int tg_loop_timeout_ms(tg_bot *bot) {
    uint64_t now = tg__now_ms(&bot->plat), next = UINT64_MAX;
    tg__req *r;
    for (r = bot->active; r; r = r->next) {
        uint64_t t = UINT64_MAX;
        if (r->st == TG__ST_NEW || r->stepping) continue;
        if (r->st == TG__ST_DONE) t = r->delivered ? UINT64_MAX : now;
        else if (r->st == TG__ST_HTTP) { bool wr; tg__http_want(r->conn, &wr, &t); }
        else if (r->st == TG__ST_WAIT) t = r->woken ? now : r->wake;
        else t = now;                            /* ADMIT, or CONN (a connection may be free) */
        if (r->deadline && r->deadline < t) t = r->deadline;
        if (t < next) next = t;
    }
    if (bot->has_src && !bot->src_stepping) {
        int st = bot->src.timeout_ms(bot->src.ud);
        if (st >= 0 && now + (uint64_t)st < next) next = now + (uint64_t)st;
        if (next == UINT64_MAX) return -1;     /* the source waits on its sockets only */
    }
    if (next == UINT64_MAX) return -1;
    return next <= now ? 0 : (int)TGBOT__MIN(next - now, 0x7FFFFFFFu);
}

TGBOT__INTERN void tg__loop_set_source(tg_bot *bot, const tg__loop_source *src) {
    bot->has_src = src != NULL;
    if (src) bot->src = *src;
}

/* one round of the source (never re-entered: its handlers' blocking calls do not serve it) */
static void tg__src_step(tg_bot *b) {
    if (!b->has_src || b->src_stepping) return;
    b->src_stepping = true;
    if (!b->src.step(b->src.ud)) b->has_src = false;   /* it has ended (stopped) */
    b->src_stepping = false;
}

TGBOT_API uint32_t tg_loop_step(tg_bot *bot, int timeout_ms) {
    tg__loop_run(bot);
    tg__src_step(bot);
    if (timeout_ms != 0 && (tg_loop_pending(bot) || (bot->has_src && !bot->src_stepping))) {
        tg__loop_wait_src(bot, timeout_ms < 0 ? -1 : timeout_ms, true);
        tg__loop_run(bot);
        tg__src_step(bot);
        tg__loop_run(bot);                     /* what the source's handlers submitted starts now */
    }
    return tg_loop_pending(bot);
}

TGBOT__INTERN uint32_t tg__bot_last_id(const tg_bot *bot) { return bot->next_id; }

/* waits ms while the calls in flight progress (as a blocking call's wait does: sources are not
   served); with none in flight it is the platform's sleep */
TGBOT__INTERN void tg__bot_idle(tg_bot *b, uint32_t ms) {
    uint64_t end = tg__now_ms(&b->plat) + ms, now;
    for (;;) {
        tg__loop_run(b);
        now = tg__now_ms(&b->plat);
        if (now >= end || tg__interrupt_pending()) break;
        if (!b->nactive) { tg__sleep_ms(&b->plat, (uint32_t)(end - now)); break; }
        tg__loop_wait(b, (int)TGBOT__MIN(end - now, 0x7FFFFFFFu));
    }
}

TGBOT_API void tg_run(tg_bot *bot) {
    while (tg_loop_step(bot, -1) > 0 || (bot->has_src && !bot->src_stepping)) {}
}

/* A call that leaves by another way: a webhook reply (the method rides on the answer to Telegram's
   POST). It passes the same stages: admit (the limiter takes its slot; a stage that refuses, or
   would make it wait, keeps it out of the reply: err says why, and the caller can make the call
   directly), then done, as a call whose outcome the bot never learns (TG_OK, 0 ms). */
TGBOT__INTERN tg_err tg__pipeline_side(tg_bot *bot, const char *method, const char *json, size_t len, tg_error *err) {
    const tg__method *known = tg__method_find(method);
    tg__req *r = tg__req_begin(bot, method, known ? known->flags : (uint32_t)TG__CALL_SENDS);
    tg_str answer = { NULL, 0 };
    uint64_t until = 0;
    tg_err code;
    uint32_t i;
    if (r->refused) return tg__req_refuse(r);
    r->json = json;
    r->json_len = len;
    r->t0 = tg__now_ms(&bot->plat);
    memset(&bot->last, 0, sizeof bot->last);
    bot->depth++;
    code = tg__admit_chain(r, &answer, &until);
    bot->depth--;
    if (code == TG_OK && until) {
        tg__error_set(&bot->last, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "%s: the rate limiter would delay it %llu ms; not put in "
                      "the webhook reply (call it directly)", method, (unsigned long long)(until - r->t0));
        code = TG_ERR_LIMIT;
    }
    if (code != TG_OK) {
        if (err) *err = bot->last;
        tg__req_release(r);
        return code;
    }
    memset(&r->err, 0, sizeof r->err);
    snprintf(r->err.method, sizeof r->err.method, "%s", method);
    {
        tg_call_info ci;
        tg__call_info(r, &ci);
        bot->depth++;
        for (i = 0; i < bot->nstages; i++) {
            tg__stage *st = &bot->stages[i];
            if (st->done) st->done(st->st, r, TG_OK, &r->err, 0, NULL, 0);
            if (st->user.done) st->user.done(st->user.ud, &ci, TG_OK, &r->err, 0);
        }
        bot->depth--;
    }
    tg__req_release(r);
    return TG_OK;
}
