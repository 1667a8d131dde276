/* async: many calls in flight on one bot, one loop.

   Every call, blocking or not, runs on the bot's engine: a pool of keep-alive connections
   (tg_engine_desc.max_connections, default 8; one request per connection at a time) and a list of
   calls in flight, each with its own state. A blocking call submits itself and drives the engine
   until it is done; while it waits, the other calls in flight progress too.

   Submitting without waiting:
     - by name:  tg_call_async(bot, "sendMessage", "{\"chat_id\":1,\"text\":\"hi\"}", &opt, &id)
     - typed:    tg_async_next(bot, &opt); then any typed call, e.g. tg_send_message(bot, &args, &msg):
                 it returns TG_ERR_PENDING at once and its typed result is written to the out pointer
                 (&msg here, which must stay valid) just before opt.done runs.
   A submit that returns anything but TG_ERR_PENDING did not start and its callback never runs.
   opt.done runs exactly once per submitted call, from tg_loop_step, tg_run or a blocking call on
   the same bot, never from inside the submit. Results (the JSON value, the typed result) live in
   the bot's arena like every result: until tg_bot_reset, which does nothing while calls are in flight.

   Back-pressure: at most tg_engine_desc.max_queued calls in flight (default 1024); beyond that a
   submit fails with TG_ERR_BUSY, or (wait_when_full) drives the loop until one ends.
   Money rule as everywhere: a call that sends something or spends Stars is never repeated when its
   outcome is unknown; it ends with TG_ERR_OUTCOME_UNKNOWN. tg_call_cancel on such a call once a
   byte of it was sent ends it the same way; before that it ends with TG_ERR_CANCELLED.

   The loop: with your own poll/epoll, watch tg_loop_fds (re-read them after every step), wait at
   most tg_loop_timeout_ms, then call tg_loop_step(bot, 0). Without a loop: tg_run(bot) returns when
   no call is in flight. See examples/async_epoll.c. */

typedef void (*tg_async_done)(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value result, void *ud);

typedef struct tg_async {
    tg_async_done done;       /* may be NULL: fire and forget (the events still fire) */
    void *ud;
    uint32_t deadline_ms;     /* 0: none; the whole call, retries included, ends after this */
} tg_async;

enum { TG_LOOP_READ = 1, TG_LOOP_WRITE = 2 };
typedef struct tg_loop_fd { int fd; int events; } tg_loop_fd;

TGBOT_API tg_err tg_call_async(tg_bot *bot, const char *method, const char *params_json, const tg_async *opt, uint32_t *id);
TGBOT_API void tg_async_next(tg_bot *bot, const tg_async *opt);   /* the next typed call is submitted */
TGBOT_API bool tg_call_cancel(tg_bot *bot, uint32_t id);          /* false: no such call in flight */
TGBOT_API uint32_t tg_loop_pending(const tg_bot *bot);            /* calls in flight */
TGBOT_API size_t tg_loop_fds(tg_bot *bot, tg_loop_fd *fds, size_t max);   /* returns how many there are */
TGBOT_API int tg_loop_timeout_ms(tg_bot *bot);                    /* -1: nothing to wait for */
/* advances every call as far as it can; timeout_ms > 0 first waits (poll) up to that long for
   progress; returns the calls still in flight */
TGBOT_API uint32_t tg_loop_step(tg_bot *bot, int timeout_ms);
TGBOT_API void tg_run(tg_bot *bot);                               /* steps until no call is in flight */
/* The pipeline's events (on_sent, on_error, on_retry, on_rate_limited, on_breaker of tg_events)
   without a dispatcher; tg_set_events on a dispatcher sets the same. */
TGBOT_API void tg_bot_set_events(tg_bot *bot, const tg_events *events);

/* Long polling on the loop: getUpdates is an async call; each answer's updates are dispatched from
   the loop (tg_loop_step, tg_run, or any blocking call), then the next getUpdates confirms them, so
   an update is handled once, as with tg_run_polling, while handlers' calls run concurrently.
   tg_stop(d) from a handler or tg_polling_stop(d) ends it: the poll in flight is cancelled and the
   handled updates are confirmed (keep stepping until tg_loop_pending is 0). 401 and 409 end it too
   (tg_polling_result). No signal handling here (tg_run_polling has it). With o->lock (a store,
   TGBOT_ENABLE_STORE) each getUpdates first takes or renews the lease, as tg_run_polling does; while
   another process holds it the poll waits parked (re-checked every third of the lease, at most
   5 s) and the loop goes on; the lease is handed back when polling ends. One dispatcher per bot
   polls with a lease (another gets TG_ERR_BUSY). allowed_updates is copied (at most 64 names, each
   shorter than 48 bytes) and sent with every getUpdates. */
TGBOT_API tg_err tg_polling_start(tg_dispatcher *d, const tg_polling_opts *o);
TGBOT_API void tg_polling_stop(tg_dispatcher *d);
TGBOT_API bool tg_polling_active(const tg_dispatcher *d);
TGBOT_API tg_err tg_polling_result(const tg_dispatcher *d);

#if TGBOT__HAS_WEBHOOK
/* The webhook server on the same loop: tg_loop_fds, tg_loop_timeout_ms, tg_loop_step and tg_run
   serve it along with the calls in flight (its handlers' calls, blocking or async, run meanwhile);
   tg_run returns once tg_stop() stopped it and no call is in flight. NULL detaches it. Free the
   server only after detaching it. */
TGBOT_API void tg_loop_add_webhook(tg_bot *bot, tg_webhook *w);
#endif
