/* updates: the dispatcher and the long-polling loop. Routing works on the raw JSON key of the
   update, so kinds newer than this build still reach tg_on_update(d, "new_kind", ...). */

#define TG__MAX_ROUTES 64
#define TG__MAX_MW 16
#define TG__MAX_PLUGINS 16

typedef enum { TG__R_KIND, TG__R_COMMAND, TG__R_CALLBACK, TG__R_FALLBACK } tg__route_type;
typedef struct tg__route { tg__route_type type; const char *match; tg_handler_fn fn; void *ud; } tg__route;
typedef struct tg__mw { tg_middleware_fn fn; void *ud; } tg__mw;
enum { TG__MAX_ALLOWED = 64, TG__ALLOWED_NAME = 48 };   /* update kinds: 27 in Bot API 10.3, the longest 26 characters */

struct tg_dispatcher {
    tg_bot *bot;
    void *user_data;
    tg__route routes[TG__MAX_ROUTES]; size_t nroutes;
    tg__mw mw[TG__MAX_MW]; size_t nmw;
    const tg_plugin *plugins[TG__MAX_PLUGINS]; size_t nplugins;
    tg_events ev;
    bool set_events;               /* tg_set_events gave the bot these events */
    bool apoll;                    /* tg_polling_start: long polling on the bot's loop */
    tg_polling_opts apo;
    /* apo's allowed_updates, copied: the caller's array need not outlive tg_polling_start */
    char au_names[TG__MAX_ALLOWED][TG__ALLOWED_NAME]; const char *au[TG__MAX_ALLOWED];
    uint32_t apoll_id, afailures;
    tg_err aresult;
    bool lease_held, lease_standby;  /* tg_polling_start with a lock: this process has the lease / waits */
    char lease_owner[33];
    char username[64];
    bool have_username;
    volatile bool stop;
    int64_t offset;
};

static volatile sig_atomic_t tg__signalled, tg__in_long_poll;
static void tg__apoll_end_lease(tg_dispatcher *d);
/* a stop signal wakes a waiting long poll at once, but lets a running handler finish its calls */
static void tg__on_signal(int sig) { (void)sig; tg__signalled = 1; if (tg__in_long_poll) tg__interrupt(1); }

TGBOT_API tg_err tg_dispatcher_new(tg_dispatcher **out, tg_bot *bot, void *user_data) {
    tg_dispatcher *d = (tg_dispatcher *)tg__alloc(tg__bot_alloc(bot), sizeof *d);
    *out = NULL;
    if (!d) return TG_ERR_NOMEM;
    memset(d, 0, sizeof *d);
    d->bot = bot;
    d->user_data = user_data;
    *out = d;
    return TG_OK;
}

TGBOT_API void tg_dispatcher_free(tg_dispatcher *d) {
    size_t i;
    if (!d) return;
    for (i = d->nplugins; i > 0; i--)       /* stop in reverse order of start */
        if (d->plugins[i - 1]->shutdown) d->plugins[i - 1]->shutdown(d, d->plugins[i - 1]->ud);
    if (d->set_events) tg_bot_set_events(d->bot, NULL);   /* its events go with it */
    tg__apoll_end_lease(d);                  /* a lease still held goes back; the bot forgets d */
    tg__free(tg__bot_alloc(d->bot), d, sizeof *d);
}

static tg_err tg__route_add(tg_dispatcher *d, tg__route_type t, const char *match, tg_handler_fn fn, void *ud) {
    if (!fn) return TG_ERR_ARG;
    if (d->nroutes >= TG__MAX_ROUTES) return TG_ERR_LIMIT;
    d->routes[d->nroutes].type = t; d->routes[d->nroutes].match = match;
    d->routes[d->nroutes].fn = fn; d->routes[d->nroutes].ud = ud;
    d->nroutes++;
    return TG_OK;
}
TGBOT_API tg_err tg_on_update(tg_dispatcher *d, const char *kind, tg_handler_fn fn, void *ud) { return tg__route_add(d, TG__R_KIND, kind, fn, ud); }
TGBOT_API tg_err tg_on_command(tg_dispatcher *d, const char *cmd, tg_handler_fn fn, void *ud) {
    if (!cmd) return TG_ERR_ARG;
    return tg__route_add(d, TG__R_COMMAND, cmd[0] == '/' ? cmd + 1 : cmd, fn, ud);
}
TGBOT_API tg_err tg_on_callback(tg_dispatcher *d, const char *prefix, tg_handler_fn fn, void *ud) { return tg__route_add(d, TG__R_CALLBACK, prefix ? prefix : "", fn, ud); }
TGBOT_API tg_err tg_on_fallback(tg_dispatcher *d, tg_handler_fn fn, void *ud) { return tg__route_add(d, TG__R_FALLBACK, NULL, fn, ud); }
TGBOT_API tg_err tg_use(tg_dispatcher *d, tg_middleware_fn fn, void *ud) {
    if (!fn) return TG_ERR_ARG;
    if (d->nmw >= TG__MAX_MW) return TG_ERR_LIMIT;
    d->mw[d->nmw].fn = fn; d->mw[d->nmw].ud = ud;
    d->nmw++;
    return TG_OK;
}
TGBOT_API void tg_set_events(tg_dispatcher *d, const tg_events *events) {
    if (events) d->ev = *events; else memset(&d->ev, 0, sizeof d->ev);
    tg_bot_set_events(d->bot, events);      /* the pipeline's events come from the bot itself */
    d->set_events = events != NULL;
}
TGBOT_API tg_err tg_add_plugin(tg_dispatcher *d, const tg_plugin *p) {
    tg_err e;
    if (!p) return TG_ERR_ARG;
    if (d->nplugins >= TG__MAX_PLUGINS) return TG_ERR_LIMIT;
    if (p->init && (e = p->init(d, p->ud)) != TG_OK) return e;
    d->plugins[d->nplugins++] = p;
    return TG_OK;
}
TGBOT_API tg_err tg_set_bot_username(tg_dispatcher *d, const char *username) {
    if (!username || strlen(username) >= sizeof d->username) return TG_ERR_ARG;
    snprintf(d->username, sizeof d->username, "%s", username[0] == '@' ? username + 1 : username);
    d->have_username = true;
    return TG_OK;
}
TGBOT_API void tg_stop(tg_dispatcher *d) { d->stop = true; }

/* for the webhook server: the same stop flags and signal handling as long polling */
TGBOT__INTERN tg_bot *tg__dispatcher_bot(const tg_dispatcher *d) { return d->bot; }
TGBOT__INTERN bool tg__stop_requested(const tg_dispatcher *d) { return d->stop || tg__signalled; }
TGBOT__INTERN void tg__stop_clear(tg_dispatcher *d) { d->stop = false; tg__signalled = 0; }
TGBOT__INTERN void tg__fire_shutdown(tg_dispatcher *d) {
    if (d->ev.on_shutdown) {
        tg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = TG_EVENT_SHUTDOWN;
        d->ev.on_shutdown(&ev, d->ev.ud);
    }
}
TGBOT__INTERN void tg__catch_signals(bool on) { tg__stop_signals(tg__on_signal, on); }
TGBOT_API int64_t tg_polling_offset(const tg_dispatcher *d) { return d->offset; }

static bool tg__ieq_n(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y || !y) return false;
    }
    return b[n] == '\0';
}

/* "/cmd@name args": fills ctx->command/args when the command is addressed to this bot */
static bool tg__parse_command(tg_dispatcher *d, tg_ctx *ctx, const char *text) {
    const char *p = text + 1, *end, *at;
    size_t n;
    char *cmd;
    if (!text || text[0] != '/') return false;
    end = p;
    while (*end && *end != ' ' && *end != '\n' && *end != '\t') end++;
    at = (const char *)memchr(p, '@', (size_t)(end - p));
    n = (size_t)((at ? at : end) - p);
    if (n == 0 || n > 64) return false;
    if (at) {                    /* addressed to a bot by name: only ours */
        if (!d->have_username) {
            tg_user *me = NULL;
            if (tg_get_me(d->bot, &me) == TG_OK && me && me->username) tg_set_bot_username(d, me->username);
        }
        if (!d->have_username || !tg__ieq_n(at + 1, d->username, (size_t)(end - at - 1))) return false;
    }
    cmd = tg_arena_strndup(tg_bot_arena(d->bot), p, n);
    if (!cmd) return false;
    while (*end == ' ' || *end == '\n' || *end == '\t') end++;
    ctx->command = cmd;
    ctx->args = end;
    return true;
}

/* the handler context of a known kind, from the generated table (derived from the Update type):
   the payload's sender, chat and business connection, and its message when it has one */
static void tg__ctx_fill(tg_ctx *ctx, const tg_update *u, const tg__update_kind *uk) {
    const char *p = *(const char *const *)(const void *)((const char *)u + uk->member);
    const tg_message *m = NULL;
    if (!p) return;
    if (uk->type == TG_TYPE_MESSAGE) m = (const tg_message *)(const void *)p;
    if (uk->from != 0xFFFFu) ctx->from = *(const tg_user *const *)(const void *)(p + uk->from);
    switch (uk->chat_how) {
    case TG__CHAT_OBJ: {
        const tg_chat *c = *(const tg_chat *const *)(const void *)(p + uk->chat);
        if (c) ctx->chat_id = c->id;
        break;
    }
    case TG__CHAT_ID: ctx->chat_id = *(const int64_t *)(const void *)(p + uk->chat); break;
    case TG__CHAT_MESSAGE: m = *(const tg_message *const *)(const void *)(p + uk->chat); break;
    case TG__CHAT_MAYBE_MESSAGE: {
        const tg_maybe_inaccessible_message *mm = *(const tg_maybe_inaccessible_message *const *)(const void *)(p + uk->chat);
        if (mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_MESSAGE) m = mm->u.message;
        else if (mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_INACCESSIBLE_MESSAGE && mm->u.inaccessible_message->chat)
            ctx->chat_id = mm->u.inaccessible_message->chat->id;
        break;
    }
    default: break;
    }
    if (m) {
        ctx->message = m;
        if (!ctx->from) ctx->from = m->from;
        if (m->chat) ctx->chat_id = m->chat->id;
        if (m->business_connection_id) ctx->business_connection_id = m->business_connection_id;
    }
    if (uk->business != 0xFFFFu && !ctx->business_connection_id)
        ctx->business_connection_id = *(const char *const *)(const void *)(p + uk->business);
    if (!ctx->chat_id && ctx->from) ctx->chat_id = ctx->from->id;   /* a user's private chat has the user's id */
}

TGBOT_API tg_err tg_dispatch(tg_dispatcher *d, const tg_json_value *v) { return tg__dispatch_in(d, v, NULL); }

TGBOT__INTERN tg_err tg__dispatch_in(tg_dispatcher *d, const tg_json_value *v, void *webhook_reply) {
    tg_ctx ctx;
    tg_update *u;
    const tg__update_kind *uk = NULL;
    const tg_json_doc *doc = v->doc;
    uint32_t k, i;
    size_t r, m, ran_mw = 0;
    bool handled = false, stopped = false, again = false;
    tg_err e;
#if TGBOT__HAS_ANALYTICS   /* [analytics] handler time: decode, middleware and handlers */
    uint64_t an_t0 = tg__now_ms(tg__bot_platform(d->bot));
#endif
    memset(&ctx, 0, sizeof ctx);
    ctx.bot = d->bot;
    ctx.dispatcher = d;
    ctx.raw = *v;
    ctx.user_data = d->user_data;
    ctx.webhook_reply = webhook_reply;
    ctx.kind = "unknown";
    if (tg_json_type_of(doc, v->tok) != TG_JSON_OBJECT) return TG_ERR_TYPE;
    /* the kind: the first member that is a known Update field (a newer field placed first must not
       hide the payload); with none known, the first member other than update_id */
    for (i = 0, k = v->tok + 1; i < doc->toks[v->tok].count && !uk; i++, k = doc->toks[k + 1].next) {
        const char *key = doc->buf + doc->toks[k].start;
        if (strcmp(key, "update_id") == 0) continue;
        if ((uk = tg__update_kind_find(key, strlen(key))) != NULL) ctx.kind = key;
        else if (strcmp(ctx.kind, "unknown") == 0) ctx.kind = key;
    }
    u = (tg_update *)tg_arena_alloc(tg_bot_arena(d->bot), sizeof *u);
    if (!u) return TG_ERR_NOMEM;
    if ((e = tg_decode(TG_TYPE_UPDATE, v, tg_bot_arena(d->bot), u)) != TG_OK) {
        tg__log(tg__bot_logger(d->bot), TG_LOG_WARN, "update of kind %s could not be decoded: %s", ctx.kind, tg_err_str(e));
        return e;
    }
    ctx.update = u;
    if (uk) tg__ctx_fill(&ctx, u, uk);
    if (d->ev.on_update) {
        tg_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = TG_EVENT_UPDATE; ev.ctx = &ctx;
        d->ev.on_update(&ev, d->ev.ud);
    }
    for (m = 0; m < d->nmw && !stopped; m++, ran_mw++) {    /* middleware before, in order */
        int rc = d->mw[m].fn(&ctx, false, d->mw[m].ud);
        if (rc) stopped = true;
        if (rc == TG_RETRY_LATER) again = true;
    }
    if (!stopped) {
        bool is_cmd = ctx.message && ctx.message->text && tg__parse_command(d, &ctx, ctx.message->text) &&
                      strcmp(ctx.kind, "callback_query") != 0;
        for (r = 0; r < d->nroutes && !handled; r++) {
            const tg__route *rt = &d->routes[r];
            bool match = false;
            switch (rt->type) {
            case TG__R_KIND: match = !rt->match || strcmp(rt->match, ctx.kind) == 0; break;
            case TG__R_COMMAND: match = is_cmd && strcmp(rt->match, ctx.command) == 0; break;
            case TG__R_CALLBACK:
                match = u->callback_query && u->callback_query->data &&
                        strncmp(u->callback_query->data, rt->match, strlen(rt->match)) == 0;
                break;
            case TG__R_FALLBACK: break;
            }
            if (match && rt->fn(&ctx, rt->ud) == TG_HANDLED) handled = true;
        }
        for (r = 0; r < d->nroutes && !handled; r++)          /* fallbacks last */
            if (d->routes[r].type == TG__R_FALLBACK && d->routes[r].fn(&ctx, d->routes[r].ud) == TG_HANDLED) handled = true;
    }
    for (m = ran_mw; m > 0; m--) d->mw[m - 1].fn(&ctx, true, d->mw[m - 1].ud);   /* after, in reverse */
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    tg_analytics_record_update(tg_bot_analytics(d->bot), ctx.kind, handled, tg__now_ms(tg__bot_platform(d->bot)) - an_t0);
#endif
    return again ? TG_ERR_AGAIN : TG_OK;
}

TGBOT_API tg_err tg_reply(tg_ctx *ctx, const char *text) {
    tg_send_message_args a;
    memset(&a, 0, sizeof a);
    if (!ctx->chat_id) return TG_ERR_ARG;
    a.chat_id.id = ctx->chat_id;
    a.text = text;
    a.business_connection_id = ctx->business_connection_id;
    if (ctx->message && ctx->message->is_topic_message && ctx->message->message_thread_id) a.message_thread_id = ctx->message->message_thread_id;
    return tg_send_message(ctx->bot, &a, NULL);
}

TGBOT_API tg_err tg_answer(tg_ctx *ctx, const char *text) {
    tg_answer_callback_query_args a;
    if (!ctx->update || !ctx->update->callback_query) return TG_ERR_ARG;
    memset(&a, 0, sizeof a);
    a.callback_query_id = ctx->update->callback_query->id;
    a.text = text;
    return tg_answer_callback_query(ctx->bot, &a, NULL);
}

/* one getUpdates call; the result stays in the arena until the batch is done */
static tg_err tg__get_updates_at(tg_dispatcher *d, int64_t offset, uint32_t limit, uint32_t timeout_s,
                                 const tg_polling_opts *o, tg_json_value *res, uint64_t not_before);
static tg_err tg__get_updates(tg_dispatcher *d, int64_t offset, uint32_t limit, uint32_t timeout_s,
                              const tg_polling_opts *o, tg_json_value *res) {
    return tg__get_updates_at(d, offset, limit, timeout_s, o, res, 0);
}
static tg_err tg__get_updates_at(tg_dispatcher *d, int64_t offset, uint32_t limit, uint32_t timeout_s,
                                 const tg_polling_opts *o, tg_json_value *res, uint64_t not_before) {
    tg__req *r = tg__req_begin(d->bot, "getUpdates", TG__CALL_READ);
    size_t i;
    r->not_before = not_before;
    if (offset) { tg_json_key(r->w, "offset"); tg_json_write_i64(r->w, offset); }
    tg_json_key(r->w, "limit"); tg_json_write_i64(r->w, limit);
    tg_json_key(r->w, "timeout"); tg_json_write_i64(r->w, timeout_s);
    if (o && o->allowed_updates) {
        tg_json_key(r->w, "allowed_updates");
        tg_json_arr_begin(r->w);
        for (i = 0; i < o->allowed_updates_count; i++) tg_json_write_str(r->w, o->allowed_updates[i]);
        tg_json_arr_end(r->w);
    }
    r->timeout_ms = timeout_s * 1000u + 15000u;   /* the client waits longer than the server holds the poll */
    return tg__req_send(r, res);
}

#if TGBOT__HAS_STORE
static uint32_t tg__poll_lease_ms(const tg_polling_opts *o, uint32_t timeout_s) {
    return o->lock_lease_ms ? o->lock_lease_ms : (timeout_s + 60u) * 1000u;
}

/* takes or renews the polling lease; false: another process holds it, or the store is unreachable
   (logged once per change to standing by) */
static bool tg__poll_lease_take(tg_dispatcher *d, const tg_polling_opts *o, const char *owner, uint32_t timeout_s, bool *standby) {
    char name[40];
    bool held = false;
    tg_err e;
    snprintf(name, sizeof name, "poll:%lld", (long long)tg_bot_id(d->bot));
    e = tg_store_lock(o->lock, name, owner, tg__poll_lease_ms(o, timeout_s), &held);
    if (held) {
        if (*standby) tg__log(tg__bot_logger(d->bot), TG_LOG_INFO, "polling: this process has the lease now");
        *standby = false;
        return true;
    }
    if (!*standby || e)
        tg__log(tg__bot_logger(d->bot), e ? TG_LOG_WARN : TG_LOG_INFO, e ? "polling: the lock's store is unreachable (%s); not polling" :
                "polling: another process polls this token; standing by%s", e ? tg_err_str(e) : "");
    *standby = true;
    return false;
}

static void tg__poll_lease_release(tg_dispatcher *d, const tg_polling_opts *o, const char *owner) {
    char name[40];
    snprintf(name, sizeof name, "poll:%lld", (long long)tg_bot_id(d->bot));
    tg_store_unlock(o->lock, name, owner);
}

/* blocking polling: false after a pause of a third of the lease (at most 5 s): the caller loops */
static bool tg__poll_lease(tg_dispatcher *d, const tg_polling_opts *o, const char *owner, uint32_t timeout_s, bool *standby) {
    if (tg__poll_lease_take(d, o, owner, timeout_s, standby)) return true;
    tg__sleep_ms(tg__bot_platform(d->bot), TGBOT__MIN(tg__poll_lease_ms(o, timeout_s) / 3u, 5000u));
    return false;
}

/* polling on the loop: every getUpdates of the dispatcher passes this admit, which takes or renews
   the lease or parks the call for the same pause (other calls go on) */
static tg_err tg__poll_lease_admit(void *st, tg__req *r, tg_str *answer, uint64_t *until, tg_error *err) {
    tg_dispatcher *d = (tg_dispatcher *)*tg__bot_module((tg_bot *)st, TG__MOD_POLL);
    uint32_t timeout_s;
    (void)answer;
    if (!d || !d->apo.lock || strcmp(r->method, "getUpdates") != 0) return TG_OK;
    timeout_s = d->apo.timeout_s ? d->apo.timeout_s : 30;
    d->lease_held = tg__poll_lease_take(d, &d->apo, d->lease_owner, timeout_s, &d->lease_standby);
    if (d->lease_held) return TG_OK;
    if (d->stop) {                    /* stopping without the lease: nothing to confirm here */
        tg__error_set(err, TG_ERR_CANCELLED, TG_PHASE_VALIDATE, "polling stopped while another process held the lease");
        return TG_ERR_CANCELLED;
    }
    *until = tg__now_ms(tg__bot_platform(d->bot)) + TGBOT__MIN(tg__poll_lease_ms(&d->apo, timeout_s) / 3u, 5000u);
    return TG_OK;
}

TGBOT__INTERN tg_err tg__poll_lease_stage(tg_bot *b, tg_error *err) {
    tg__stage s;
    memset(&s, 0, sizeof s);
    s.order = TG__ORDER_LEASE;
    s.admit = tg__poll_lease_admit;
    s.st = b;
    if (tg__bot_add_stage(b, &s) != TG_OK) {
        tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "too many stages");
        return TG_ERR_LIMIT;
    }
    return TG_OK;
}
#endif

TGBOT_API tg_err tg_run_polling(tg_dispatcher *d, const tg_polling_opts *o) {
    uint32_t timeout_s = o && o->timeout_s ? o->timeout_s : 30, limit = o && o->limit ? o->limit : 100;
    uint32_t failures = 0;
#if TGBOT__HAS_STORE
    bool standby = false;                 /* another process holds the polling lease */
    char owner[33];
#endif
    tg_err result = TG_OK;
    d->stop = false;
    tg__signalled = 0;
    tg__interrupt(0);
#if TGBOT__HAS_STORE
    if (o && o->lock) tg_store_owner_id(owner);
#endif
    if (o && o->offset) d->offset = o->offset;
    if (o && o->handle_signals) tg__stop_signals(tg__on_signal, 1);
    while (!d->stop && !tg__signalled) {
        tg_json_value res;
        size_t mark;
        uint32_t n, i, t;
        tg_err e;
        tg_bot_reset(d->bot);
#if TGBOT__HAS_STORE
        if (o && o->lock && !tg__poll_lease(d, o, owner, timeout_s, &standby)) continue;
#endif
        tg__in_long_poll = 1;
        if (tg__signalled) break;
        e = tg__get_updates(d, d->offset, limit, timeout_s, o, &res);
        tg__in_long_poll = 0;
        if (d->stop || tg__signalled) break;
        if (e) {
            const tg_error *le = tg_bot_last_error(d->bot);
            if (tg_error_is_unauthorized(le) || tg_error_is_conflict(le)) {
                tg__log(tg__bot_logger(d->bot), TG_LOG_ERROR, "polling stopped: %s", tg_error_is_conflict(le) ?
                        "409 Conflict: a webhook is set or another instance is polling" : "401 Unauthorized: the token was rejected");
                result = e;
                break;
            }
            failures++;
            tg__sleep_ms(tg__bot_platform(d->bot), le->retry_after > 0 ? (uint32_t)le->retry_after * 1000u
                         : TGBOT__MIN(1000u << TGBOT__MIN(failures, 5u), 30000u));
            continue;
        }
        failures = 0;
        if (tg_json_type_of(res.doc, res.tok) != TG_JSON_ARRAY) continue;
        n = res.doc->toks[res.tok].count;
        mark = tg_arena_mark(tg_bot_arena(d->bot));
        for (i = 0, t = res.tok + 1; i < n && !d->stop && !tg__signalled; i++, t = res.doc->toks[t].next) {
            tg_json_value uv;
            int64_t id = 0;
            uv.doc = res.doc; uv.tok = t;
            if (!tg_json_i64(res.doc, tg_json_get(res.doc, t, "update_id"), &id)) continue;
            if (tg_dispatch(d, &uv) == TG_ERR_AGAIN) {  /* not processed: ask for it again, after a pause */
                if (!tg_loop_pending(d->bot)) tg_arena_rewind(tg_bot_arena(d->bot), mark);   /* calls in flight keep theirs */
                tg__log(tg__bot_logger(d->bot), TG_LOG_WARN, "update %lld not processed now; asking for it again in 1 s", (long long)id);
                tg__sleep_ms(tg__bot_platform(d->bot), 1000);
                break;
            }
            d->offset = id + 1;                    /* confirmed by the next getUpdates */
            if (!tg_loop_pending(d->bot)) tg_arena_rewind(tg_bot_arena(d->bot), mark);   /* calls in flight keep theirs */
        }
    }
    tg__in_long_poll = 0;
    /* confirm every handled update before returning: the next start begins after them */
    if (d->offset) {
        tg_json_value res;
        tg__interrupt(0);
        tg_bot_reset(d->bot);
        (void)tg__get_updates(d, d->offset, 1, 0, NULL, &res);
    }
#if TGBOT__HAS_STORE
    if (o && o->lock && !standby) tg__poll_lease_release(d, o, owner);   /* hand the token over at once */
#endif
    if (o && o->handle_signals) tg__stop_signals(tg__on_signal, 0);
    tg__fire_shutdown(d);
    tg_bot_reset(d->bot);
    return result;
}

/* ---- long polling on the bot's loop (async.h's engine): each answer's updates are dispatched from
   the loop, then the next getUpdates confirms them (exactly-once, as tg_run_polling) ---- */
static void tg__apoll_next(tg_dispatcher *d, uint32_t delay_ms);
/* polling on the loop has ended: the lease goes back at once */
static void tg__apoll_end_lease(tg_dispatcher *d) {
#if TGBOT__HAS_STORE
    if (d->apo.lock && d->lease_held) tg__poll_lease_release(d, &d->apo, d->lease_owner);
    d->lease_held = false;
    if (*tg__bot_module(d->bot, TG__MOD_POLL) == d) *tg__bot_module(d->bot, TG__MOD_POLL) = NULL;
#else
    (void)d;
#endif
}
/* the confirming getUpdates has ended: the dispatcher, if it still exists, hands the lease back
   (found through the bot: the dispatcher may have been freed meanwhile) */
static void tg__apoll_last_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    tg_dispatcher *d = (tg_dispatcher *)*tg__bot_module(bot, TG__MOD_POLL);
    (void)id; (void)code; (void)err; (void)res; (void)ud;
    if (d) tg__apoll_end_lease(d);
}
static void tg__apoll_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value res, void *ud) {
    tg_dispatcher *d = (tg_dispatcher *)ud;
    uint32_t n, i, t, delay = 0;
    (void)id;
    d->apoll_id = 0;
    if (!d->apoll) return;
    if (d->stop || code == TG_ERR_CANCELLED) { tg__apoll_next(d, 0); return; }   /* confirms, then ends */
    if (code != TG_OK) {
        if (tg_error_is_unauthorized(err) || tg_error_is_conflict(err)) {
            tg__log(tg__bot_logger(bot), TG_LOG_ERROR, "polling stopped: %s", tg_error_is_conflict(err) ?
                    "409 Conflict: a webhook is set or another instance is polling" : "401 Unauthorized: the token was rejected");
            d->aresult = code;
            d->apoll = false;
            tg__apoll_end_lease(d);
            return;
        }
        d->afailures++;
        tg__apoll_next(d, err->retry_after > 0 ? (uint32_t)err->retry_after * 1000u
                          : TGBOT__MIN(1000u << TGBOT__MIN(d->afailures, 5u), 30000u));
        return;
    }
    d->afailures = 0;
    if (tg_json_type_of(res.doc, res.tok) == TG_JSON_ARRAY) {
        n = res.doc->toks[res.tok].count;
        for (i = 0, t = res.tok + 1; i < n && !d->stop; i++, t = res.doc->toks[t].next) {
            tg_json_value uv;
            int64_t uid = 0;
            uv.doc = res.doc; uv.tok = t;
            if (!tg_json_i64(res.doc, tg_json_get(res.doc, t, "update_id"), &uid)) continue;
            if (tg_dispatch(d, &uv) == TG_ERR_AGAIN) { delay = 1000; break; }   /* asked for again, after a pause */
            d->offset = uid + 1;                   /* confirmed by the next getUpdates */
        }
    }
    tg__apoll_next(d, delay);
}

static void tg__apoll_next(tg_dispatcher *d, uint32_t delay_ms) {
    tg_async o;
    uint32_t timeout_s = d->apo.timeout_s ? d->apo.timeout_s : 30, limit = d->apo.limit ? d->apo.limit : 100;
    uint64_t at = delay_ms ? tg__now_ms(tg__bot_platform(d->bot)) + delay_ms : 0;
    bool last = d->stop;
    memset(&o, 0, sizeof o);
    o.done = last ? tg__apoll_last_done : tg__apoll_done;   /* the last one only confirms the handled updates */
    o.ud = last ? NULL : d;
    if (last) d->apoll = false;
    if (last && !d->offset) { tg__apoll_end_lease(d); return; }
    tg_async_next(d->bot, &o);
    if (tg__get_updates_at(d, d->offset, last ? 1 : limit, last ? 0 : timeout_s, last ? NULL : &d->apo, NULL, at) == TG_ERR_PENDING) {
        d->apoll_id = d->bot ? tg__bot_last_id(d->bot) : 0;
        return;
    }
    if (!last) d->apoll = false, d->aresult = tg_bot_last_error(d->bot)->code;
    tg__apoll_end_lease(d);
}

TGBOT_API tg_err tg_polling_start(tg_dispatcher *d, const tg_polling_opts *o) {
    size_t i;
    if (d->apoll) return TG_ERR_BUSY;
#if TGBOT__HAS_STORE
    if (o && o->lock) {                              /* one dispatcher per bot polls with a lease */
        void **slot = tg__bot_module(d->bot, TG__MOD_POLL);
        if (*slot && *slot != d) return TG_ERR_BUSY;
    }
#else
    if (o && o->lock) return TG_ERR_UNSUPPORTED;     /* no store in this build */
#endif
    if (o && o->allowed_updates && o->allowed_updates_count > TG__MAX_ALLOWED) return TG_ERR_LIMIT;
    for (i = 0; o && o->allowed_updates && i < o->allowed_updates_count; i++)
        if (!o->allowed_updates[i] || strlen(o->allowed_updates[i]) >= TG__ALLOWED_NAME) return TG_ERR_ARG;
    memset(&d->apo, 0, sizeof d->apo);
    if (o) d->apo = *o;
    if (o && o->allowed_updates) {
        for (i = 0; i < o->allowed_updates_count; i++) {
            memcpy(d->au_names[i], o->allowed_updates[i], strlen(o->allowed_updates[i]) + 1);
            d->au[i] = d->au_names[i];
        }
        d->apo.allowed_updates = d->au;              /* [] stays [] (count 0): every kind but the opt-in ones */
    }
    if (o && o->offset) d->offset = o->offset;
#if TGBOT__HAS_STORE
    if (o && o->lock) {
        *tg__bot_module(d->bot, TG__MOD_POLL) = d;
        tg_store_owner_id(d->lease_owner);
        d->lease_held = d->lease_standby = false;
    }
#endif
    d->stop = false;
    d->apoll = true;
    d->aresult = TG_OK;
    d->afailures = 0;
    tg__apoll_next(d, 0);
    return d->apoll ? TG_OK : d->aresult;
}

TGBOT_API void tg_polling_stop(tg_dispatcher *d) {
    if (!d->apoll) return;
    d->stop = true;
    if (d->apoll_id) tg_call_cancel(d->bot, d->apoll_id);
}

TGBOT_API bool tg_polling_active(const tg_dispatcher *d) { return d->apoll; }
TGBOT_API tg_err tg_polling_result(const tg_dispatcher *d) { return d->aresult; }
