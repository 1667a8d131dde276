/* stars: Telegram Stars above single calls (TGBOT_ENABLE_STARS): the transactions iterator
   and reconciliation, balances, the gift campaign, XTR payments, the gift catalog. Built on the
   public API (tg_send_gift, tg_get_star_transactions... and tg_error); business accounts: business.h.

   Money rule (all of this room): a call that spends Stars is never repeated when its outcome is
   unknown. The library does not retry it (bot.h: TG_ERR_OUTCOME_UNKNOWN); this room journals the
   intent before the call and settles it from getStarTransactions, never by sending again. */
#if TGBOT__HAS_STARS

/* ---- Stars transactions ---- */

/* Iterates getStarTransactions over all pages. oldest first (the API's own order) or newest first
   (the end is found with a few limit=1 probes, then pages are read backwards); from_date > 0 skips
   transactions older than it (newest first: stops at the first older one). A transaction returned
   by next lives in the bot's arena until the next call of next (each page rewinds the arena to where
   it stood at init) or tg_bot_reset. */
typedef struct tg_star_tx_iter {
    tg_bot *bot;
    bool newest_first;
    int64_t from_date;
    /* private */
    int64_t offset, end;           /* next page's offset; newest first: the oldest offset read so far */
    tg_star_transactions *page;
    size_t idx, mark;
    int started, done;
} tg_star_tx_iter;

TGBOT_API void tg_star_tx_iter_init(tg_star_tx_iter *it, tg_bot *bot, bool newest_first, int64_t from_date);
/* TG_OK and *out; TG_ERR_NOT_FOUND after the last one; or the error of a getStarTransactions call */
TGBOT_API tg_err tg_star_tx_next(tg_star_tx_iter *it, const tg_star_transaction **out);

/* what to look for; zero fields match anything */
typedef struct tg_star_tx_match {
    int64_t user_id;               /* the user partner (receiver of a gift, source of a payment) */
    const char *transaction_type;  /* TransactionPartnerUser.transaction_type: "gift_purchase",
                                      "premium_purchase", "invoice_payment", "business_account_transfer"... */
    const char *gift_id;           /* the gift's id (gift_purchase) */
    int64_t premium_months;        /* premium_subscription_duration (premium_purchase) */
    const char *charge_id;         /* StarTransaction.id (= telegram_payment_charge_id of a payment) */
    int64_t not_before;            /* date >= this (Unix seconds) */
} tg_star_tx_match;

TGBOT_API bool tg_star_tx_matches(const tg_star_transaction *t, const tg_star_tx_match *m);
/* the newest matching transaction (reads newest first, stops below not_before); TG_ERR_NOT_FOUND */
TGBOT_API tg_err tg_star_tx_find(tg_bot *bot, const tg_star_tx_match *m, const tg_star_transaction **out);

/* ---- balances (whole Stars; nanostars are dropped) ---- */
TGBOT_API tg_err tg_stars_balance(tg_bot *bot, int64_t *stars);
TGBOT_API tg_err tg_stars_business_balance(tg_bot *bot, const char *business_connection_id, int64_t *stars);

/* ---- gift campaign ----
   Sends one gift (or a Premium subscription) to each recipient, at most once, across crashes and
   restarts, given the same journal. GUARANTEE: every recipient gets the gift at most once, and every
   recipient ends in exactly one of
       sent     Telegram confirmed it, or getStarTransactions shows that gift to that user after
                the intent was journaled
       failed   Telegram answered with a 4xx error (other than 429): it did not execute the call
       unknown  the request may have reached Telegram and no transaction proves it did: a human
                decides; the campaign NEVER sends to an unknown recipient again.
   Order per recipient: the intent is journaled and fsynced (a batch of intents per fsync with
   TG_JOURNAL_SYNC_GROUP, see `batch`) before the call; the result is journaled after it. On open, an intent
   without a result is unknown. Unknown recipients are reconciled at the end of each run (and first
   thing when a journal is resumed). A call that provably never left (429 after the library's
   retries, connection refused) puts the recipient back to pending and stops the run with that error:
   run again to continue. Balance (getMyStarBalance) is read up front and tracked: the run stops
   before a send that would exceed the budget or the balance (unknown ones count as spent); a
   BALANCE_TOO_LOW refusal (Stars spent elsewhere meanwhile) also stops it, that recipient pending. */
typedef enum tg_gift_state {
    TG_GIFT_PENDING = 0, TG_GIFT_SENT, TG_GIFT_FAILED, TG_GIFT_UNKNOWN
} tg_gift_state;
TGBOT_API const char *tg_gift_state_str(tg_gift_state s);        /* "pending", "sent", "failed", "unknown" */

typedef struct tg_campaign_event {
    int64_t user_id;
    tg_gift_state state;           /* the recipient's final state in this run */
    bool from_journal;             /* settled by an earlier run */
    bool reconciled;               /* sent, proven by getStarTransactions */
    const tg_error *error;         /* failed / unknown: the call's error (NULL when from the journal) */
} tg_campaign_event;

typedef struct tg_campaign_desc {
    const char *gift_id;           /* the gift, or NULL with premium_months */
    int64_t premium_months;        /* 3, 6 or 12: giftPremiumSubscription instead (1000/1500/2500 Stars) */
    const char *text;              /* optional text (0-128 characters) */
    int64_t budget;                /* Stars this campaign may spend in all its runs; 0 = the balance */
    const int64_t *recipients; size_t recipients_count;   /* user ids; duplicates are sent once */
    const char *journal_path;      /* required unless no_journal */
    tg_journal_sync_mode sync;     /* DEFAULT = TG_JOURNAL_SYNC_GROUP */
    uint32_t batch;                /* intents per fsync, fixed (1 = fsync before each send; at most 256);
                                      0: adaptive, 1..256, keeping the fsyncs under a tenth of the
                                      time spent sending (a slow network gets batch 1) */
    tg_journal_seal seal;          /* optional sealing of the journal's records */
    tg_journal_io io;              /* optional (tests: inject failures) */
    bool no_journal;               /* benchmarks only: no crash safety at all */
    int64_t reconcile_slack_s;     /* a transaction may be dated this much before the intent (clock skew); 0: 5 */
    void (*on_event)(void *ud, const tg_campaign_event *ev);   /* one per recipient and run */
    void *ud;
} tg_campaign_desc;

typedef struct tg_campaign_summary {
    size_t sent, failed, unknown, pending;
    size_t reconciled;             /* unknown turned sent by getStarTransactions in this run */
    int64_t price;                 /* Stars per recipient */
    int64_t spent;                 /* Stars spent or possibly spent (sent + unknown) over all runs */
    int64_t balance;               /* the bot's balance as tracked at the end */
    bool stopped_budget, stopped_balance;
    tg_journal_stats journal;
} tg_campaign_summary;

/* TG_OK when the run went through the list (pending may be > 0 if it stopped at the budget or the
   balance: see stopped_*); an error when it could not start or had to stop (pending > 0). */
TGBOT_API tg_err tg_gift_campaign_run(tg_bot *bot, const tg_campaign_desc *desc, tg_campaign_summary *sum, tg_error *err);

/* ---- payments in Stars (XTR) ----
   An invoice built here is valid by construction: currency "XTR", an empty provider token, exactly
   one price in whole Stars, none of the fields XTR ignores; the checks run before anything is sent:
   title 1-32 characters, description 1-255, payload 1-128 bytes, stars >= 1, and a subscription
   (createInvoiceLink only) has the 30-day period 2592000 and at most 10000 Stars. */
typedef struct tg_xtr_invoice {
    const char *title;
    const char *description;
    const char *payload;           /* yours; comes back in pre_checkout_query and successful_payment */
    const char *label;             /* the price's label; NULL: the title */
    int64_t stars;
    bool subscription;             /* a 30-day subscription (tg_xtr_invoice_link only) */
    const char *photo_url;         /* optional */
    const char *business_connection_id;   /* optional (tg_xtr_invoice_link: on behalf of a business) */
} tg_xtr_invoice;

/* every helper below fills err (optional, may be NULL) with the validation or the call's error */
TGBOT_API tg_err tg_xtr_invoice_check(const tg_xtr_invoice *inv, tg_error *err);
TGBOT_API tg_err tg_xtr_send_invoice(tg_bot *bot, int64_t chat_id, const tg_xtr_invoice *inv, tg_message **out, tg_error *err);
TGBOT_API tg_err tg_xtr_invoice_link(tg_bot *bot, const tg_xtr_invoice *inv, const char **url, tg_error *err);

/* Pre-checkout: Telegram cancels the payment unless answerPreCheckoutQuery arrives within 10 s. The
   check returns OK, REJECT (with *message shown to the user) or PENDING (not decided yet: it is
   asked again every poll_ms; meanwhile the bot's calls in flight progress, so a check may wait for
   an async call it submitted). At the deadline (default 8 s after received_ms, leaving time for the
   answer to travel) the query is answered "no" with timeout_message. A check cannot be interrupted
   (the library starts no threads): one that blocks past the deadline is answered "no" when it
   returns. Answering is retried like an idempotent call. */
typedef enum tg_precheck { TG_PRECHECK_OK = 0, TG_PRECHECK_REJECT, TG_PRECHECK_PENDING } tg_precheck;
typedef tg_precheck (*tg_precheck_fn)(void *ud, const tg_pre_checkout_query *q, const char **message);
typedef struct tg_precheckout_opts {
    uint32_t deadline_ms;          /* 0: 8000 */
    uint32_t poll_ms;              /* 0: 50 */
    uint64_t received_ms;          /* when the update arrived, on now_ms's clock; 0: now */
    const char *timeout_message;   /* NULL: "The shop did not answer in time; nothing was charged." */
    uint64_t (*now_ms)(void *ud);  /* NULL: CLOCK_MONOTONIC */
    void (*sleep_ms)(void *ud, uint32_t ms);   /* NULL: nanosleep */
    void *clock_ud;
} tg_precheckout_opts;
/* decides and answers; *decision (optional) says what was answered (PENDING = timed out, answered no) */
TGBOT_API tg_err tg_xtr_answer_precheckout(tg_bot *bot, const tg_pre_checkout_query *q, tg_precheck_fn check, void *ud,
                                           const tg_precheckout_opts *opts, tg_precheck *decision, tg_error *err);

/* Payments ledger: successful_payment recorded by telegram_payment_charge_id, in memory and (with a
   journal path) on disk, so a second delivery of the same payment is recognised across restarts.
   Deliver the goods only when *first is true. */
typedef struct tg_xtr_ledger tg_xtr_ledger;
typedef struct tg_xtr_payment {
    const char *charge_id;
    int64_t user_id;
    int64_t stars;
    bool refunded;
    bool subscription_canceled;
} tg_xtr_payment;
TGBOT_API tg_err tg_xtr_ledger_open(tg_xtr_ledger **out, const tg_journal_desc *journal, tg_error *err);   /* journal NULL: memory only */
TGBOT_API tg_err tg_xtr_ledger_record(tg_xtr_ledger *l, int64_t user_id, const tg_successful_payment *p, bool *first, tg_error *err);
TGBOT_API const tg_xtr_payment *tg_xtr_ledger_get(const tg_xtr_ledger *l, const char *charge_id);   /* NULL if unknown */
TGBOT_API size_t tg_xtr_ledger_count(const tg_xtr_ledger *l);
TGBOT_API void tg_xtr_ledger_close(tg_xtr_ledger *l);

/* refundStarPayment. An already-refunded charge (CHARGE_ALREADY_REFUNDED, which Telegram also
   answers for some refunds that did go through) is success with *already = true. So a refund whose
   outcome was unknown can simply be asked again. With a ledger (may be NULL) the refund is journaled. */
TGBOT_API tg_err tg_xtr_refund(tg_bot *bot, tg_xtr_ledger *l, int64_t user_id, const char *charge_id, bool *already, tg_error *err);
/* editUserStarSubscription: cancel (true) or renew (false) a subscription's next payments */
TGBOT_API tg_err tg_xtr_subscription_cancel(tg_bot *bot, tg_xtr_ledger *l, int64_t user_id, const char *charge_id,
                                            bool cancel, tg_error *err);
/* sendPaidMedia with star_count checked first (1-25000) */
TGBOT_API tg_err tg_xtr_send_paid_media(tg_bot *bot, const tg_send_paid_media_args *args, tg_message **out, tg_error *err);

/* ---- gift catalog ----
   getAvailableGifts, copied out of the bot's arena and kept for ttl_ms (a small built-in cache,
   independent of the cache room), with filters and named aliases ("birthday=5170145012310081615"). */
typedef struct tg_catalog_gift {
    char id[64];
    int64_t star_count;
    int64_t upgrade_star_count;    /* 0: cannot be upgraded */
    bool limited;                  /* has total_count */
    int64_t total_count, remaining_count;
} tg_catalog_gift;
typedef struct tg_gift_filter {
    int64_t min_stars, max_stars;  /* 0 = no bound */
    int limited;                   /* -1 unlimited only, 0 any, 1 limited only */
    bool available;                /* not sold out (unlimited, or remaining_count > 0) */
    bool upgradable;               /* can be upgraded (upgrade_star_count > 0) */
} tg_gift_filter;
typedef struct tg_gift_catalog tg_gift_catalog;
typedef struct tg_gift_catalog_desc {
    uint32_t ttl_ms;               /* 0: 300000 (5 minutes) */
    const char *aliases;           /* "name=gift_id,name=gift_id" (optional) */
    uint64_t (*now_ms)(void *ud);  /* NULL: CLOCK_MONOTONIC */
    void *clock_ud;
} tg_gift_catalog_desc;
TGBOT_API tg_err tg_gift_catalog_new(tg_gift_catalog **out, tg_bot *bot, const tg_gift_catalog_desc *desc, tg_error *err);
TGBOT_API void tg_gift_catalog_free(tg_gift_catalog *c);
/* the list, fetched again when older than the TTL; *out valid until the next catalog call */
TGBOT_API tg_err tg_gift_catalog_list(tg_gift_catalog *c, const tg_catalog_gift **out, size_t *n, tg_error *err);
/* by id or alias; TG_ERR_NOT_FOUND */
TGBOT_API tg_err tg_gift_catalog_find(tg_gift_catalog *c, const char *id_or_alias, const tg_catalog_gift **out, tg_error *err);
/* up to max gifts passing the filter, cheapest first */
TGBOT_API tg_err tg_gift_catalog_filter(tg_gift_catalog *c, const tg_gift_filter *f, const tg_catalog_gift **out, size_t max,
                                        size_t *n, tg_error *err);
TGBOT_API void tg_gift_catalog_invalidate(tg_gift_catalog *c);

#endif /* TGBOT__HAS_STARS */
