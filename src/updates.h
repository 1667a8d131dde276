/* updates: long polling, the dispatcher (handlers by update kind, command, callback-data prefix,
   fallback), middleware, typed events, plugins, and graceful shutdown.

   Delivery guarantee (long polling): an update's offset is confirmed only after its handler
   returned. tg_stop() (from a handler) or SIGINT/SIGTERM (when handle_signals is set) lets the
   running handler finish, skips the rest of the batch, confirms what was handled and returns: after
   a clean stop and restart no update is handled twice and none is skipped. After a crash (kill -9)
   the updates of the unconfirmed batch are delivered again: at-least-once.

   Memory: the update and everything the handler's calls return live until the handler returns. */

/* handler results; a middleware's "before" call may also answer TG_RETRY_LATER: the update is not
   processed now (e.g. a shared store is unreachable) and must come again: the chain stops,
   tg_dispatch returns TG_ERR_AGAIN, long polling leaves it unconfirmed and asks again after a pause,
   the webhook server answers 503 so that Telegram delivers it again */
enum { TG_CONTINUE = 0, TG_HANDLED = 1, TG_RETRY_LATER = 2 };

typedef struct tg_dispatcher tg_dispatcher;

typedef struct tg_ctx {
    tg_bot *bot;
    tg_dispatcher *dispatcher;
    const tg_update *update;        /* typed update */
    tg_json_value raw;              /* the update as JSON (for kinds newer than this build) */
    const char *kind;               /* "message", "callback_query", "business_message", ... */
    const tg_message *message;      /* the message of message-like kinds, or of a callback query */
    const tg_user *from;            /* who caused the update, when known */
    int64_t chat_id;                /* the chat it concerns; for kinds without a chat (inline_query,
                                       shipping_query...) the sender's private chat; 0 if none */
    const char *command;            /* command handlers: "start" (without '/' and @botname) */
    const char *args;               /* the text after the command, "" if none */
    void *user_data;                /* the dispatcher's */
    void *webhook_reply;            /* internal: the webhook server's response-body slot while it
                                       delivers this update (see tg_webhook_reply); NULL otherwise */
    const char *business_connection_id;   /* the business connection it came through, or NULL */
} tg_ctx;

typedef int (*tg_handler_fn)(tg_ctx *ctx, void *ud);               /* TG_HANDLED or TG_CONTINUE */
typedef int (*tg_middleware_fn)(tg_ctx *ctx, bool after, void *ud); /* before: non-zero stops the chain */

typedef enum tg_event_type {
    TG_EVENT_UPDATE = 1, TG_EVENT_SENT, TG_EVENT_ERROR, TG_EVENT_RETRY, TG_EVENT_RATE_LIMITED, TG_EVENT_SHUTDOWN,
    TG_EVENT_BREAKER                /* the circuit breaker changed state (breaker.h; TGBOT_ENABLE_BREAKER) */
} tg_event_type;

typedef struct tg_event {
    tg_event_type type;
    const char *method;             /* SENT, ERROR, RETRY, RATE_LIMITED */
    const tg_error *error;          /* ERROR, RETRY */
    const tg_ctx *ctx;              /* UPDATE, and ERROR raised by a handler */
    uint64_t elapsed_ms;            /* SENT */
    uint32_t attempt, delay_ms;     /* RETRY; RATE_LIMITED from the limiter: delay_ms = its wait */
    int32_t retry_after;            /* RATE_LIMITED: a 429 from Telegram (0 when the limiter waited) */
    int breaker_state;              /* BREAKER: the new tg_breaker_state */
} tg_event;

/* Events. Every callback may call the API (nested at most 3 deep, bot.h). The pipeline's events
   (sent, error, retry, rate limited, breaker) come from the bot, also without a dispatcher
   (tg_bot_set_events, async.h); tg_set_events sets them for the dispatcher's bot. */
typedef struct tg_events {          /* every callback optional */
    void (*on_update)(const tg_event *e, void *ud);
    void (*on_sent)(const tg_event *e, void *ud);
    void (*on_error)(const tg_event *e, void *ud);
    void (*on_retry)(const tg_event *e, void *ud);
    void (*on_rate_limited)(const tg_event *e, void *ud);
    void (*on_shutdown)(const tg_event *e, void *ud);
    void *ud;
    void (*on_breaker)(const tg_event *e, void *ud);     /* TG_EVENT_BREAKER (never fired without the breaker) */
} tg_events;

typedef struct tg_plugin {
    const char *name;
    tg_err (*init)(tg_dispatcher *d, void *ud);     /* registers its handlers, middleware, events */
    void (*shutdown)(tg_dispatcher *d, void *ud);
    void *ud;
} tg_plugin;

typedef struct tg_polling_opts {
    uint32_t timeout_s;              /* long-poll timeout; 0 = 30 */
    uint32_t limit;                  /* 1..100; 0 = 100 */
    const char *const *allowed_updates; size_t allowed_updates_count;  /* NULL = keep the server's setting */
    bool handle_signals;             /* install SIGINT/SIGTERM handlers for a graceful stop */
    int64_t offset;                  /* first update to ask for (0 = whatever is pending) */
    tg_store *lock;                  /* a store shared by several processes (store.h, e.g. Redis): only the
                                        holder of the lease "poll:<bot id>" polls, the others stand by
                                        and take over when it stops or dies, so two pollers never draw
                                        409 Conflict. While the store is unreachable nobody polls. */
    uint32_t lock_lease_ms;          /* 0: the long-poll timeout + 60 s */
} tg_polling_opts;

TGBOT_API tg_err tg_dispatcher_new(tg_dispatcher **out, tg_bot *bot, void *user_data);
TGBOT_API void tg_dispatcher_free(tg_dispatcher *d);                 /* shuts plugins down (reverse order) */
TGBOT_API tg_err tg_on_update(tg_dispatcher *d, const char *kind, tg_handler_fn fn, void *ud);  /* kind NULL = any */
TGBOT_API tg_err tg_on_command(tg_dispatcher *d, const char *command, tg_handler_fn fn, void *ud);
TGBOT_API tg_err tg_on_callback(tg_dispatcher *d, const char *data_prefix, tg_handler_fn fn, void *ud);
TGBOT_API tg_err tg_on_fallback(tg_dispatcher *d, tg_handler_fn fn, void *ud);
TGBOT_API tg_err tg_use(tg_dispatcher *d, tg_middleware_fn fn, void *ud);
TGBOT_API void tg_set_events(tg_dispatcher *d, const tg_events *events);
TGBOT_API tg_err tg_add_plugin(tg_dispatcher *d, const tg_plugin *plugin);   /* init runs now */
TGBOT_API tg_err tg_set_bot_username(tg_dispatcher *d, const char *username); /* default: from getMe */
/* dispatches one update (from a webhook body or elsewhere); TG_OK even when no handler took it */
TGBOT_API tg_err tg_dispatch(tg_dispatcher *d, const tg_json_value *update);
TGBOT_API tg_err tg_run_polling(tg_dispatcher *d, const tg_polling_opts *opts);
TGBOT_API void tg_stop(tg_dispatcher *d);
TGBOT_API int64_t tg_polling_offset(const tg_dispatcher *d);   /* next offset to confirm */

TGBOT_API tg_err tg_reply(tg_ctx *ctx, const char *text);      /* sendMessage to the update's chat */
TGBOT_API tg_err tg_answer(tg_ctx *ctx, const char *text);     /* answerCallbackQuery (text may be NULL) */
