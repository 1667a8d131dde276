/* store: a small key-value interface shared by workers (TGBOT_ENABLE_STORE), with an in-memory
   back-end (default) and Redis (TGBOT_ENABLE_REDIS, hiredis; see below). On top of it:
   conversation state (tg_fsm), update de-duplication (tg_store_claim) and a single-poller lock
   (tg_store_lock); the shared flood-control lane is tg_store_admit (GCRA).

   Values are byte strings of at most TGBOT_STORE_MAX_VALUE bytes; keys are NUL-terminated text of
   at most TGBOT_STORE_MAX_KEY bytes. A ttl_ms of 0 means "no expiry". Every operation is atomic in
   the back-end (Redis: one command or one Lua script), so N processes sharing a Redis see one
   consistent store. Errors: TG_ERR_NOT_FOUND (get of a missing key), TG_ERR_LIMIT (a value or key
   over the bounds, or a buffer too small: *len then holds the size needed), TG_ERR_IO / TG_ERR_CONNECT
   / TG_ERR_TIMEOUT from a back-end that cannot be reached (the operation may or may not have been
   applied when it was a write: callers treat it like TG_ERR_OUTCOME_UNKNOWN; reads are safe to repeat).

   Time: the memory back-end reads the injected clock of its desc (tests), Redis uses the server's
   own clock (TIME inside scripts), so every worker agrees on it. */
#if TGBOT__HAS_STORE

#ifndef TGBOT_STORE_MAX_KEY
#define TGBOT_STORE_MAX_KEY 200
#endif
#ifndef TGBOT_STORE_MAX_VALUE
#define TGBOT_STORE_MAX_VALUE 65536
#endif

/* tg_store itself is named in bot.h (the rate limiter's desc holds one in every build) */

/* A GCRA lane: `burst` requests back to back, one every interval_ms on average. A limit of N per
   window W (a sliding window, as Telegram counts) holds with interval W/N rounded up and burst 1. */
typedef struct tg_store_lane {
    const char *key;
    uint32_t interval_ms, burst;
} tg_store_lane;
#define TG_STORE_MAX_LANES 4

/* A back-end. All functions required; `self` is the tg_store the vtable belongs to. */
typedef struct tg_store_vtable {
    tg_err (*get)(tg_store *s, const char *key, void *buf, size_t cap, size_t *len);
    /* nx: only when the key is absent (then *done tells whether it was set) */
    tg_err (*set)(tg_store *s, const char *key, const void *val, size_t len, uint32_t ttl_ms, bool nx, bool *done);
    /* sets key to val only when its current value equals expect (expect NULL: only when absent);
       val NULL deletes the key instead */
    tg_err (*cas)(tg_store *s, const char *key, const void *expect, size_t expect_len,
                  const void *val, size_t len, uint32_t ttl_ms, bool *swapped);
    tg_err (*del)(tg_store *s, const char *key);
    /* adds by to the integer at key (absent = 0); ttl_ms set when the key is created */
    tg_err (*incr)(tg_store *s, const char *key, int64_t by, uint32_t ttl_ms, int64_t *out);
    /* GCRA on 1..TG_STORE_MAX_LANES lanes at once, all or nothing: *wait_ms = 0: admitted on every
       lane (each slot taken); otherwise how long until the same request would be admitted on all of
       them (nothing taken). A pause set by tg_store_pause on a lane's key counts as that lane's wait. */
    tg_err (*admit)(tg_store *s, const tg_store_lane *lanes, size_t n, uint64_t *wait_ms);
    /* no lane request before now + ms for every worker (a 429 with retry_after) */
    tg_err (*pause)(tg_store *s, const char *key, uint32_t ms);
    /* a request on the lanes was answered now: the next one no earlier than now + interval_ms
       (spacing counted from the answer, not from the admission; never shortens a later time) */
    tg_err (*stamp)(tg_store *s, const tg_store_lane *lanes, size_t n);
    void (*destroy)(tg_store *s);
} tg_store_vtable;

struct tg_store {
    const tg_store_vtable *vt;
    tg_allocator alloc;
    tg_logger logger;
    uint64_t (*now_ms)(void *ud);   /* memory back-end clock; NULL = monotonic clock */
    void *clock_ud;
    void *impl;                     /* the back-end's own state */
};

typedef struct tg_store_desc {
    tg_allocator allocator;
    tg_logger logger;
    uint64_t (*now_ms)(void *ud);   /* memory back-end: injected clock (tests); NULL = monotonic */
    void *clock_ud;
    uint32_t max_keys;              /* memory back-end: 0 = 100000; a set beyond it fails TG_ERR_LIMIT
                                       (expired keys are reclaimed first) */
} tg_store_desc;

TGBOT_API tg_err tg_store_memory_new(tg_store **out, const tg_store_desc *desc);

/* The memory back-end kept in a journal file (journal.h): single-host persistence. Every change is
   appended as the key's new state (what the journal's `sync` mode says about crashes holds for it:
   DEFAULT = every change fsynced before the call returns); opening replays the file; the file is
   compacted when it holds over four times the live data. TTLs are kept as wall-clock deadlines
   (desc->now_ms, default the real-time clock), so they keep running while no process has the file
   open. One process at a time (the journal's lock: a second gets TG_ERR_LIMIT). */
TGBOT_API tg_err tg_store_file_new(tg_store **out, const tg_store_desc *desc, const char *path,
                                   tg_journal_sync_mode sync, tg_error *err);

#if TGBOT__HAS_REDIS
/* Redis through hiredis (link -lhiredis). The connection is made lazily and re-made after a loss;
   a read that failed on a lost connection is retried once on a new one, a write never is (its
   outcome is reported as TG_ERR_IO with the description saying so). */
typedef struct tg_redis_desc {
    const char *host;               /* NULL: "127.0.0.1" */
    int port;                       /* 0: 6379 */
    const char *password;           /* NULL: none (AUTH); a secret: never logged */
    uint32_t connect_ms;            /* 0: 2000 */
    uint32_t command_ms;            /* 0: 2000: a command without an answer in time fails TG_ERR_TIMEOUT */
    const char *prefix;             /* NULL: "tg:"; prepended to every key */
} tg_redis_desc;
TGBOT_API tg_err tg_store_redis_new(tg_store **out, const tg_store_desc *desc, const tg_redis_desc *redis);
#endif

TGBOT_API void tg_store_free(tg_store *s);
TGBOT_API tg_err tg_store_get(tg_store *s, const char *key, void *buf, size_t cap, size_t *len);
TGBOT_API tg_err tg_store_set(tg_store *s, const char *key, const void *val, size_t len, uint32_t ttl_ms);
TGBOT_API tg_err tg_store_cas(tg_store *s, const char *key, const void *expect, size_t expect_len,
                              const void *val, size_t len, uint32_t ttl_ms, bool *swapped);
TGBOT_API tg_err tg_store_del(tg_store *s, const char *key);
TGBOT_API tg_err tg_store_incr(tg_store *s, const char *key, int64_t by, uint32_t ttl_ms, int64_t *out);
TGBOT_API tg_err tg_store_admit(tg_store *s, const char *key, uint32_t interval_ms, uint32_t burst, uint64_t *wait_ms);
TGBOT_API tg_err tg_store_admit_lanes(tg_store *s, const tg_store_lane *lanes, size_t n, uint64_t *wait_ms);
TGBOT_API tg_err tg_store_pause(tg_store *s, const char *key, uint32_t ms);
TGBOT_API tg_err tg_store_stamp(tg_store *s, const tg_store_lane *lanes, size_t n);

/* Update de-duplication across workers: *first = true for exactly one caller per (bot, update_id)
   within ttl_ms (0: 24 h, Telegram keeps an update at most that long). Claim before handling: an
   update whose worker dies while handling it is not handled again (at-most-once across workers;
   the webhook answers 200 to the duplicate so Telegram stops re-sending). */
TGBOT_API tg_err tg_store_claim(tg_store *s, int64_t bot_id, int64_t update_id, uint32_t ttl_ms, bool *first);
/* The same as a ready middleware: tg_use(dispatcher, tg_store_dedup, store). A duplicate stops the
   chain (acknowledged, not handled); while the store cannot be reached it answers TG_RETRY_LATER, so
   the update is neither handled nor lost: it comes again (503 to Telegram, or polled again). */
TGBOT_API int tg_store_dedup(tg_ctx *ctx, bool after, void *store);

/* A lock with an owner and a lease: *held = true when this owner has it (taken or renewed). Call
   it again before the lease ends to keep it; tg_store_unlock releases it only if still ours. Used
   so that one process polls a token (two pollers would draw 409 Conflict). owner: any text unique
   per process (tg_store_owner_id makes one). */
TGBOT_API tg_err tg_store_lock(tg_store *s, const char *name, const char *owner, uint32_t lease_ms, bool *held);
TGBOT_API tg_err tg_store_unlock(tg_store *s, const char *name, const char *owner);
TGBOT_API void tg_store_owner_id(char out[33]);   /* 32 random hex digits + NUL */

/* ---- conversation state (finite-state machine) ----
   One state name and one JSON data object per conversation. The conversation key is chosen by
   `scope`: per chat, per user, or per user in a chat (the default), always separated by business
   connection and bot. A state without activity for timeout_ms expires (back to "", the initial
   state). `transitions` (optional): pairs "from>to" ("*" matches any state); a tg_fsm_set to a
   state not allowed from the current one fails with TG_ERR_ARG and changes nothing. Updates are
   compare-and-set: when two workers change one conversation at once, the later one re-reads the
   fresh value and checks its transition again (so a transition is never applied to a state it was
   not checked against). The fsm must outlive the dispatcher it registered handlers with. */
typedef enum tg_fsm_scope { TG_FSM_USER_IN_CHAT = 0, TG_FSM_CHAT, TG_FSM_USER } tg_fsm_scope;

typedef struct tg_fsm_desc {
    tg_store *store;                 /* required */
    const char *name;                /* NULL: "fsm"; separates several machines in one store */
    tg_fsm_scope scope;
    uint32_t timeout_ms;             /* 0: no expiry */
    const char *const *transitions;  /* NULL: any transition allowed */
    size_t transitions_count;
} tg_fsm_desc;

typedef struct tg_fsm tg_fsm;
TGBOT_API tg_err tg_fsm_new(tg_fsm **out, const tg_fsm_desc *desc, const tg_allocator *alloc);
TGBOT_API void tg_fsm_free(tg_fsm *f);

/* The conversation of an update: bot_id, business connection ("" if none), chat, user. */
typedef struct tg_fsm_key {
    int64_t bot_id;
    const char *business_connection_id;
    int64_t chat_id, user_id;
} tg_fsm_key;
TGBOT_API tg_fsm_key tg_fsm_key_of(const tg_ctx *ctx);

/* state: copied into buf (""/TG_OK when none); data: the JSON object text ("{}" when none),
   copied into data_buf when not NULL */
TGBOT_API tg_err tg_fsm_get(tg_fsm *f, const tg_fsm_key *k, char *state, size_t state_cap,
                            char *data_buf, size_t data_cap);
/* moves to `state` (NULL keeps the current state) and replaces the data (NULL keeps it; "{}"
   clears it); checks the transition; atomic against other workers */
TGBOT_API tg_err tg_fsm_set(tg_fsm *f, const tg_fsm_key *k, const char *state, const char *data_json);
TGBOT_API tg_err tg_fsm_clear(tg_fsm *f, const tg_fsm_key *k);

/* A handler that runs only when the update's conversation is in `state` ("" = the initial state).
   It registers through tg_on_update(d, kind, ...), so the usual order rules apply. */
TGBOT_API tg_err tg_on_state(tg_dispatcher *d, tg_fsm *f, const char *kind, const char *state,
                             tg_handler_fn fn, void *ud);

#endif /* TGBOT__HAS_STORE */
