/* breaker: a circuit breaker in front of the network (TGBOT_ENABLE_BREAKER), one per bot,
   configured by tg_bot_desc.breaker (see bot.h; zero = the defaults).

     closed     calls go out; every attempt's outcome is counted. Failures are network errors
                (DNS, connect, timeouts, I/O, closed connections, proxies) and 5xx answers.
                Telegram's own 4xx answers (400, 403 "bot was blocked", 404, 409...) say the
                service is healthy and count as successes; 429 counts as neither.
                `failures` consecutive failures (default 10) open the breaker.
     open       every call fails at once with TG_ERR_BREAKER_OPEN, and nothing is sent: a call
                refused here never reached the network, so it is safe to repeat, even one that
                spends Stars (sendGift, sendInvoice payments, paid broadcasts...).
                After open_ms (default 30 s, on tg_platform.now_ms) the next call is let through
                as a probe: half-open.
     half-open  probes go out one call at a time; `probes` successes (default 1) close it, one
                failure opens it again for another open_ms.

   The retries of a call (bot.h) are attempts like any other: the attempt that opens the breaker
   ends its call's retries, and the call returns that attempt's own error (the 5xx, the timeout);
   the calls after it get TG_ERR_BREAKER_OPEN (error.retry_after: seconds until the next probe).
   In the pipeline the breaker is asked before the rate limiter, so a call it refuses never waits
   for a rate-limit slot. Each state change fires the dispatcher's on_breaker
   event (tg_events, updates.h) with the new state. */
#if TGBOT__HAS_BREAKER

typedef enum tg_breaker_state {
    TG_BREAKER_CLOSED = 0, TG_BREAKER_OPEN, TG_BREAKER_HALF_OPEN
} tg_breaker_state;

typedef struct tg_breaker_stats {
    tg_breaker_state state;
    uint32_t consecutive_failures;
    uint32_t probe_successes;     /* in half-open */
    uint64_t opened_at;           /* platform ms of the last opening, 0 if never */
    uint64_t failures, successes; /* attempts counted since the bot was made */
    uint64_t rejected;            /* calls refused while open */
    uint64_t opens;               /* times it opened */
} tg_breaker_stats;

TGBOT_API tg_breaker_state tg_breaker_get_state(const tg_bot *bot);
TGBOT_API void tg_breaker_get_stats(const tg_bot *bot, tg_breaker_stats *out);
TGBOT_API const char *tg_breaker_state_str(tg_breaker_state s);

/* internal: the per-bot state, embedded in tg_bot */
typedef struct tg__breaker {
    tg_breaker_desc d;
    tg_breaker_stats st;
} tg__breaker;

#endif /* TGBOT__HAS_BREAKER */
