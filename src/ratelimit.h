/* ratelimit: Telegram's rate limits applied before a message is sent (TGBOT_ENABLE_RATELIMIT).

   Three small algorithms, pure structs on an injected clock (milliseconds), usable on their own.
   Each answers "may I go now?": tg_*_take returns 0 and takes the slot, or the number of
   milliseconds to wait before the same call would succeed (nothing is taken then). Costs are in
   thousandths of a request (TG_RL_ONE = one request), so a slowed-down scope can charge more.
       sliding window  counter-based: the previous window's count weighted by how much of it still
                       overlaps, plus the current window's count (no per-request log)
       token bucket    capacity tokens, refilled continuously at count per period
       leaky bucket    a level that drains continuously; a request fits while the level is at most
                       capacity - 1 requests ("meter" form: no queue, the caller waits)

   The bot's limiter (configured by tg_bot_desc.ratelimit, see bot.h; zero = Telegram's limits):
     - only calls that send messages count: methods flagged as sending whose name starts with
       send, copy or forward (sendChatAction and the *Draft methods excepted); reads never wait;
     - the chat is the call's top-level "chat_id" parameter: a positive id is a private chat
       (leaky bucket, 1/s, burst 1), a negative id or an "@username" a group, supergroup or channel
       (at most 20 in any 60 s, and at most one message per TGBOT_RATELIMIT_GROUP_GAP_MS, about
       1/s, as Telegram also enforces); every counted call also passes the global lane (at most 30
       in any 1 s), or, with allow_paid_broadcast=true, the paid lane instead (token bucket,
       1000/s). "Any 60 s" and "any 1 s" are exact: a log of the last sends, so no burst at the
       edge of a counting window gets through (group_per_min is capped at TGBOT_RATELIMIT_GROUP_LOG;
       a global_per_s over TGBOT_RATELIMIT_GLOBAL_LOG uses the approximate sliding window);
     - a chat's spacing runs from when its last attempt was answered, not from when it was admitted:
       Telegram counts a message when it receives it, somewhere between our first byte and its
       answer, so a slow connect or send must not shorten the gap the server sees; for the same
       reason a message in flight counts as sent "now" until its answer is in: its chat takes no
       other message meanwhile (beyond private_burst), and the global lane counts it in every
       window (with many calls in flight, a slow answer holds its slot instead of letting a
       31st message through);
     - the limiter waits through tg_platform.sleep_ms before sending and fires the dispatcher's
       on_rate_limited event with delay_ms = the wait (retry_after = 0 tells it from a 429);
       with fail_fast, or a wait over max_wait_ms, the call fails with TG_ERR_LIMIT instead and
       nothing is sent (error.retry_after = the wait in seconds, rounded up);
     - on a 429 from Telegram: a call that named a chat pauses ONLY that chat; a call without a
       chat_id pauses the global lane. The pause lasts exactly retry_after seconds from the answer
       (1 s when Telegram gave none) and ends only when that time has passed: nothing else
       releases it early. Other chats keep going. After the pause the scope runs at half its rate
       (a 429 on a later call while still slowed halves it again, down to 1/8; the
       429s of one call's retries count once), recovering linearly to full rate
       over recover_ms. The call's own retry (bot.h) sleeps the same retry_after, which counts as
       the pause served; the retry after a 429 then passes the limiter like a new message (it
       takes fresh slots, at the slowed rate, and may wait more); a call retried for any other
       reason keeps the slot its first attempt took;
     - a blocking broadcast need not wait on its slowest chat: tg_ratelimit_pick names, of the
       chats with messages pending, the one that may go soonest (send to it next);
     - memory is bounded: TGBOT_RATELIMIT_CHATS per-chat states in a table inside the bot
       (least recently used evicted; an evicted chat starts afresh, its pause forgotten).
   The limiter assumes one thread per bot, like the rest of the bot object. */
#if TGBOT__HAS_RATELIMIT

#ifndef TGBOT_RATELIMIT_CHATS
#define TGBOT_RATELIMIT_CHATS 256      /* per-chat states kept per bot (248 bytes each on 64-bit: 62 KiB in tg_bot) */
#endif
#ifndef TGBOT_RATELIMIT_GROUP_LOG
#define TGBOT_RATELIMIT_GROUP_LOG 20        /* sends remembered per group: group_per_min at most this */
#endif
#ifndef TGBOT_RATELIMIT_GLOBAL_LOG
#define TGBOT_RATELIMIT_GLOBAL_LOG 64       /* sends remembered for the global lane (global_per_s up to this) */
#endif
#ifndef TGBOT_RATELIMIT_GROUP_GAP_MS
#define TGBOT_RATELIMIT_GROUP_GAP_MS 1000   /* least spacing of two messages to one group or channel */
#endif
#define TG_RL_ONE 1000u                /* the cost of one request */

typedef struct tg_sliding_window {
    uint64_t limit;          /* requests per window, in thousandths */
    uint32_t window_ms;
    uint64_t start;          /* start of the current window */
    uint64_t cur, prev;      /* thousandths counted in the current and the previous window */
    bool started;
} tg_sliding_window;

typedef struct tg_token_bucket {
    uint64_t tokens;         /* thousandths of a token, times period_ms */
    uint64_t cap;            /* capacity, same unit */
    uint32_t count, period_ms;
    uint64_t last;
    bool started;
} tg_token_bucket;

typedef struct tg_leaky_bucket {
    uint64_t level;          /* thousandths of a request, times period_ms */
    uint64_t tolerance;      /* (capacity - 1) requests, same unit */
    uint32_t count, period_ms;
    uint64_t last;
} tg_leaky_bucket;

/* limit requests per window_ms */
TGBOT_API void tg_sliding_window_init(tg_sliding_window *s, uint32_t limit, uint32_t window_ms);
TGBOT_API uint64_t tg_sliding_window_take(tg_sliding_window *s, uint64_t now_ms, uint32_t cost);
/* count tokens per period_ms, holding at most capacity (it starts full) */
TGBOT_API void tg_token_bucket_init(tg_token_bucket *t, uint32_t count, uint32_t period_ms, uint32_t capacity);
TGBOT_API uint64_t tg_token_bucket_take(tg_token_bucket *t, uint64_t now_ms, uint32_t cost);
/* drains count requests per period_ms; capacity requests may go back to back (it starts empty) */
TGBOT_API void tg_leaky_bucket_init(tg_leaky_bucket *l, uint32_t count, uint32_t period_ms, uint32_t capacity);
TGBOT_API uint64_t tg_leaky_bucket_take(tg_leaky_bucket *l, uint64_t now_ms, uint32_t cost);

typedef struct tg_ratelimit_stats {
    uint64_t waits;          /* calls the limiter made wait */
    uint64_t wait_ms;        /* total time waited */
    uint64_t refused;        /* calls failed with TG_ERR_LIMIT (fail_fast, max_wait_ms) */
    uint64_t pauses;         /* 429 answers that paused a scope */
    uint32_t chats;          /* per-chat states in use (at most TGBOT_RATELIMIT_CHATS) */
} tg_ratelimit_stats;

TGBOT_API void tg_ratelimit_get_stats(const tg_bot *bot, tg_ratelimit_stats *out);
/* per call: tg_ratelimit_set_fail_fast(bot, true) before a call that must not wait, then back;
   returns the previous setting */
TGBOT_API bool tg_ratelimit_set_fail_fast(tg_bot *bot, bool on);
/* how long a message to chat_id would wait now (0: it may go), without taking anything */
TGBOT_API uint64_t tg_ratelimit_peek(tg_bot *bot, int64_t chat_id);
/* for a broadcast from one thread: of n chats (those with messages still to send), the index of
   the one whose next message may go soonest (the first of equals), and in *wait_ms (may be NULL)
   how long until then; n when n is 0. Sending to the picked chat next keeps one slow or paused
   chat from holding up the others. Takes nothing; the send itself still passes the limiter. */
TGBOT_API size_t tg_ratelimit_pick(tg_bot *bot, const int64_t *chat_ids, size_t n, uint64_t *wait_ms);

/* internal: the per-bot state, embedded in tg_bot */
typedef struct tg__rl_scope {
    uint64_t pause_until;    /* no call before this (a 429) */
    uint64_t slow_since;     /* the pause's end: recovery starts there; 0 = full rate */
    uint32_t slow_permille;  /* rate at slow_since, in thousandths of the full rate */
} tg__rl_scope;

typedef struct tg__rl_log {  /* the times of the last sends, oldest at head (a ring) */
    uint32_t n, head;
} tg__rl_log;

typedef struct tg__rl_chat {
    int64_t key;             /* chat id, or a hash of "@username" (with the top bit set) */
    uint64_t used;           /* last use (LRU) */
    bool in_use, group;
    tg__rl_scope sc;
    tg_leaky_bucket gap;     /* spacing: private_per_s and private_burst; a group one per GROUP_GAP_MS */
    tg__rl_log grp;          /* a group's last sends (group_per_min in any 60 s) */
    uint64_t grp_t[TGBOT_RATELIMIT_GROUP_LOG];
    uint32_t inflight;       /* its counted messages sent and not answered yet */
} tg__rl_chat;

typedef struct tg__ratelimit {
    tg_ratelimit_desc d;
    uint64_t vclock;         /* time the limiter knows has passed (its own waits, served pauses) */
    tg_sliding_window global;   /* global_per_s over TGBOT_RATELIMIT_GLOBAL_LOG */
    tg__rl_log glog;            /* else the answered sends, global_per_s in any 1 s with those in flight */
    uint32_t inflight;          /* counted messages sent and not answered yet (every lane) */
    uint64_t glog_t[TGBOT_RATELIMIT_GLOBAL_LOG];
    tg_token_bucket paid;
    tg__rl_scope global_sc;
    tg__rl_chat chats[TGBOT_RATELIMIT_CHATS];
    tg__rl_chat *cur;        /* the chat of the call in progress (NULL: none or not counted) */
    bool cur_counted, cur_paid, after_429, cur_slowed;
    tg_ratelimit_stats st;
} tg__ratelimit;

#endif /* TGBOT__HAS_RATELIMIT */
