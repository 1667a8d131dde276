/* bot (internal): the call pipeline the generated API and the updates room use. */
enum { TG__CALL_READ = 1u, TG__CALL_IDEMPOTENT = 2u, TG__CALL_SENDS = 4u, TG__CALL_SPENDS = 8u };
#define TGBOT_MAX_UPLOADS 16

/* One call in flight: it owns its parameters writer, scratch writer, URL path, HTTP request and
   error, so calls never share state (any callback may call the API). Calls are kept for reuse by
   their bot: their buffers stay allocated, and a steady stream of calls allocates nothing. */
typedef struct tg__req {
    tg_bot *bot;
    const char *method;
    uint32_t flags;
    tg_json_writer *w;             /* the params object; '{' already written */
    const char *raw_params;        /* tg_call: the user's JSON instead of w */
    uint32_t timeout_ms;           /* 0 = the bot's request timeout (long polling sets its own) */
    const char *file_path;         /* a file download (GET /file/bot<token>/<file_path>) instead of a method */
    size_t max_bytes;              /* ... refused beyond this size */
    tg_str *download;              /* ... the bytes, in the arena */
    tg__http_part files[TGBOT_MAX_UPLOADS];
    size_t nfiles;
    char attach_names[TGBOT_MAX_UPLOADS][16];
    bool refused;                  /* could not get a call slot (nested too deep, no memory): sends nothing */
    /* the engine's state of this call (bot.c) */
    int st;                        /* tg__call_state */
    bool safe, stepping, async, cancel, woken;
    uint32_t attempt, id;
    tg_err code;
    tg_error err;
    tg__http_client *conn;         /* the pool connection of the attempt in progress */
    tg__http_request rq;
    tg__http_response rs;
    const char *json; size_t json_len;
    uint64_t t0, wake, deadline;   /* deadline 0: none (tg_async.deadline_ms: hard) */
    uint64_t call_deadline;        /* tg_timeouts.call_ms from t0, moved on by the waits asked for (429, limiter) */
    uint64_t elapsed;              /* submit to end, read once when it ends */
    uint64_t slept_to;             /* the engine slept (platform hook) until then before this admit; 0: not */
    bool admit_wait;               /* waiting for a stage's slot, not a back-off: same attempt */
    uint64_t not_before;           /* set before tg__req_send: the call starts no earlier (bot's clock) */
    tg_json_value *result, res;
    tg_async_done done; void *done_ud;            /* async: the completion callback */
    const void *m; void *out;                      /* typed async: the method and where its result goes */
    tg_err (*decode)(struct tg__req *r, tg_json_value *v);
    char method_buf[64];           /* async: the method name, copied */
    bool hit;                      /* answered by a stage (the cache): nothing was sent */
    bool delivered;                /* its end was reported; the bot releases it when no walk is on the stack */
#if TGBOT__HAS_CACHE
    char cache_key[96];            /* shared cache: the entry's key as the lookup computed it (or "") */
#endif
#if TGBOT__HAS_RATELIMIT           /* [limits] the limiter's view of this call, between its admit and outcome */
    struct { tg__rl_chat *cur; bool counted, paid, after_429, slowed, inflight; } rl;
#endif
    /* kept across reuse */
    tg_json_writer own_w, tmp;
    tg__buf path, params;          /* path holds the token: wiped when freed */
    struct tg__req *next;          /* the bot's list of calls in flight, or of spare calls */
} tg__req;
/* callbacks that call the API may nest this deep (on_sent → a call → its on_sent → ...) */
#define TG__NEST_MAX 3

/* the one internal event hook: the pipeline's events (sent, error, retry, rate limited, breaker)
   all go through it to the bot's tg_events (bot.c) */
TGBOT__INTERN void tg__emit(tg_bot *bot, const tg_event *e);

TGBOT__INTERN tg__req *tg__req_begin(tg_bot *bot, const char *method, uint32_t flags);
TGBOT__INTERN const char *tg__req_add_file(tg__req *r, const char *field_name, const tg_input_file *f);
TGBOT__INTERN tg_err tg__req_fail(tg__req *r, tg_err code, const char *fmt, ...) TGBOT__PRINTF(3, 4);
TGBOT__INTERN tg_err tg__req_send(tg__req *r, tg_json_value *result);
/* parses a copy of a parameters object in the bot's arena, for stages that read a call's parameters
   (limiter, cache); the caller takes tg_arena_mark before and rewinds after. false: not an object */
TGBOT__INTERN bool tg__params_parse(tg_bot *b, const char *json, size_t len, tg_json_doc *d);
TGBOT__INTERN const tg_platform *tg__bot_platform(const tg_bot *bot);
TGBOT__INTERN const tg_logger *tg__bot_logger(const tg_bot *bot);
/* where a stage that refuses a call writes why (the call copies it into its own error) */
TGBOT__INTERN tg_error *tg__bot_refusal(tg_bot *bot);
TGBOT__INTERN const tg_allocator *tg__bot_alloc(const tg_bot *bot);
TGBOT__INTERN uint32_t tg__bot_request_timeout(const tg_bot *bot);
TGBOT__INTERN uint32_t tg__bot_last_id(const tg_bot *bot);
TGBOT__INTERN void tg__bot_idle(tg_bot *b, uint32_t ms);   /* a wait during which calls in flight progress */
/* another source of work on the bot's loop (the webhook server): its sockets, its next deadline,
   one non-blocking round (returns false once it has ended) */
typedef struct tg__loop_source {
    size_t (*fds)(void *ud, tg_loop_fd *fds, size_t cap);
    int (*timeout_ms)(void *ud);
    bool (*step)(void *ud);
    void *ud;
} tg__loop_source;
TGBOT__INTERN void tg__loop_set_source(tg_bot *bot, const tg__loop_source *src);   /* NULL: none */   /* the id of the call submitted last */
/* a call that leaves by another way (a webhook reply) passes admit and done like any other */
TGBOT__INTERN tg_err tg__pipeline_side(tg_bot *bot, const char *method, const char *json, size_t len, tg_error *err);

/* ---- stages: the pipeline's one interface ----
   A call passes a fixed chain: admit (before each attempt: may answer from a store, refuse, or make
   it wait), outcome (after each attempt: may forbid a retry), retry (a back-off starts), done (once,
   when an admitted call ends). Built-in modules and user stages (tg_bot_add_stage) are links of the
   same chain, sorted by order; bot.c knows them only through this struct. */
enum { TG__ORDER_LEASE = 5, TG__ORDER_CACHE = 10, TG__ORDER_BREAKER = 20, TG__ORDER_RATELIMIT = 30, TG__ORDER_ANALYTICS = 40,
       TG__ORDER_USER = 100 };
typedef struct tg__stage {
    int order;
    /* TG_OK: go on (answer->ptr set: the call is answered with that Bot API body, nothing is sent;
       *until set: ask again at that time (the bot's clock), the call waits without blocking the others);
       another code: refused, nothing sent, err says why */
    tg_err (*admit)(void *st, tg__req *r, tg_str *answer, uint64_t *until, tg_error *err);
    bool (*outcome)(void *st, tg__req *r, bool answered, int status, tg_err code, const tg_error *e);   /* true: no retry */
    void (*retry)(void *st, tg__req *r, const tg_error *e, uint32_t wait_ms);
    void (*done)(void *st, tg__req *r, tg_err code, const tg_error *e, uint64_t ms, const char *body, size_t body_len);
    void (*free)(void *st);
    void *st;
    tg_stage user;                 /* a user stage: these hooks, with a tg_call_info */
} tg__stage;
#define TG__STAGES_MAX 16
TGBOT__INTERN tg_err tg__bot_add_stage(tg_bot *b, const tg__stage *s);
/* the state a module keeps for a bot (bot.c holds the pointers, never their types) */
enum { TG__MOD_CACHE, TG__MOD_BREAKER, TG__MOD_RATELIMIT, TG__MOD_ANALYTICS, TG__MOD_POLL, TG__MOD_COUNT };
TGBOT__INTERN void **tg__bot_module(tg_bot *b, int mod);
/* the built-in stages of this build (async.c: after every module) */
TGBOT__INTERN tg_err tg__stages_builtin(tg_bot *b, const tg_bot_desc *d, tg_error *err);

#if TGBOT__HAS_ANALYTICS   /* [analytics] */
#define tg__bot_analytics_slot(b) ((tg_analytics **)tg__bot_module((tg_bot *)(b), TG__MOD_ANALYTICS))
TGBOT__INTERN tg_err tg__analytics_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err);
TGBOT__INTERN void tg__analytics_free(tg_analytics *a);
TGBOT__INTERN void tg__analytics_retry(tg_analytics *a, const tg_error *e, uint32_t wait_ms);
TGBOT__INTERN void tg__analytics_call(tg_analytics *a, const char *method, const tg_error *e, tg_err code,
                                      uint64_t ms, uint32_t attempts);
#endif

#if TGBOT__HAS_CACHE       /* [cache] */
typedef struct tg__cache tg__cache;
#define tg__bot_cache_slot(b) ((tg__cache **)tg__bot_module((tg_bot *)(uintptr_t)(b), TG__MOD_CACHE))
TGBOT__INTERN tg_err tg__cache_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err);
TGBOT__INTERN bool tg__cache_lookup(tg__cache *c, tg__req *r, const char *json, size_t len,
                                    const char **body, size_t *body_len);
TGBOT__INTERN void tg__cache_after(tg__cache *c, tg__req *r, const char *json, size_t len, tg_err code,
                                   const char *body, size_t body_len);
TGBOT__INTERN void tg__cache_write_elsewhere(tg_bot *bot, const char *method, const char *json, size_t len);
TGBOT__INTERN void tg__cache_free(tg__cache *c);
#endif

#if TGBOT__HAS_RATELIMIT   /* [limits] */
#define tg__rl_of(b) ((tg__ratelimit *)*tg__bot_module((tg_bot *)(uintptr_t)(b), TG__MOD_RATELIMIT))
TGBOT__INTERN tg_err tg__ratelimit_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err);
TGBOT__INTERN tg_err tg__ratelimit_admit(tg__req *r, uint32_t attempt, uint64_t *until);
TGBOT__INTERN void tg__ratelimit_outcome(tg__req *r, tg_err code, const tg_error *e);
#endif
#if TGBOT__HAS_BREAKER     /* [limits] */
#define tg__br_of(b) ((tg__breaker *)*tg__bot_module((tg_bot *)(uintptr_t)(b), TG__MOD_BREAKER))
TGBOT__INTERN tg_err tg__breaker_stage(tg_bot *b, const tg_bot_desc *d, tg_error *err);
TGBOT__INTERN tg_err tg__breaker_admit(tg__req *r);
TGBOT__INTERN bool tg__breaker_outcome(tg__req *r, bool answered, int status, tg_err code, const tg_error *e);
#endif
