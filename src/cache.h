/* cache: a bounded TTL + LRU cache of read methods' answers (TGBOT_ENABLE_CACHE), opt-in per bot.

   Turn it on with tg_bot_desc.cache.enabled = true (see bot.h) or tg_cache_enable(bot, &desc).
   Compiled in but not enabled, nothing changes: every call reaches Telegram.

   What is cached: the raw body of a successful answer ({"ok":true,...}) of a call flagged as a
   read whose method has a TTL, keyed by the method and the exact encoded parameters (typed calls
   and tg_call share entries when their JSON is byte-identical). A hit is parsed and decoded into
   the bot's arena exactly like a fresh answer, so results have the usual lifetime (tg_bot_reset).
   A hit sends nothing and fires no on_sent event; it comes before the rate limiter and the circuit
   breaker, so it is answered even while the breaker is open. Errors are never cached.

   Default TTLs (tg_cache_set_ttl overrides one method; 0 stops caching it):
       getMe, getMyName, getMyDescription, getMyShortDescription, getMyCommands,
       getMyDefaultAdministratorRights, getForumTopicIconStickers           1 hour
       getChatMenuButton                                                    10 min
       getChat, getChatAdministrators, getAvailableGifts                    5 min
       getChatMember                                                        2 min
       getChatMemberCount, getUserGifts, getChatGifts, getBusinessAccountGifts   1 min
       getMyStarBalance, getBusinessAccountStarBalance                      5 s
   Never cached, whatever is asked: getUpdates, getFile, getStarTransactions, getWebhookInfo
   (and file downloads). Other read methods are cached only once tg_cache_set_ttl gives them a TTL.

   Invalidation: every call that is not a read (whatever its outcome: failed, refused or unknown
   writes drop too; a webhook reply, tg_webhook_reply, counts as a write) removes the entries it may
   have changed. The rules err on dropping more:
     1. bot profile: setMy* / deleteMy* / removeMy* / setChatMenuButton  → getMe, getMy*, getChatMenuButton
     2. a chat: any write with a top-level chat_id, except send* / forward* / copy*
        → getChat, getChatAdministrators, getChatMember, getChatMemberCount of that chat_id
        (compared as text: 123 and "123" are the same chat, but "@name" and its numeric id are not:
        name a chat the same way in reads and writes, or tg_cache_invalidate); ban* / unban* / promote* / restrict* /
        pin* / unpin* / leave* / approve* / decline* / setChat* without a chat_id → those of every chat
     3. Stars and gifts: a write flagged as spending Stars, any write whose name contains "Gift" or
        "Star" (sendGift, giftPremiumSubscription, upgradeGift, transferGift, convertGiftToStars,
        transferBusinessAccountStars, refundStarPayment, ...), or with "allow_paid_broadcast":true
        → getMyStarBalance, getBusinessAccountStarBalance, getAvailableGifts, getUserGifts,
        getChatGifts, getBusinessAccountGifts
     4. logOut / close → everything; methods given a TTL by tg_cache_set_ttl outside the table above
        are dropped by every write.
   tg_cache_invalidate(bot, method) drops one method's entries, (bot, NULL) all of them.

   Memory is bounded: at most max_entries entries and max_bytes bytes (each entry counts its key,
   its body and its bookkeeping); the least recently used go first, and an answer bigger than
   max_bytes is not stored. Time comes from the bot's tg_platform.now_ms. One thread per bot.

   Shared (desc.shared = a tg_store, TGBOT_ENABLE_STORE; e.g. Redis): nothing is kept in the
   process; entries live in the store under "ce:<bot id>:<hash>" with their TTL (the store's clock),
   so every bot of the token using that store shares them. The key hashes the method, the
   parameters and the current marks of the scopes that can drop the entry (everything, the method's
   group, its chat: "cg:<bot id>:..."); a write gives those scopes new random marks, after which no
   worker computes the old keys again (they expire by their TTL). A lookup costs up to four store
   reads. A store that cannot be reached means no caching (the call goes to Telegram); an
   invalidation lost then leaves the old entries readable until their TTL. Answers over max_bytes
   or over the store's value limit are not stored; stats count hits, misses, stores and the marks
   written as invalidations (entries, bytes and evictions stay 0); tg_cache_invalidate(bot, method)
   drops the method's whole group and returns 0. Give every worker the same TTL overrides: only a
   worker with overrides marks their group on each write. */
#if TGBOT__HAS_CACHE

#define TGBOT_CACHE_OVERRIDES 16       /* per-method TTL overrides a bot keeps */

typedef struct tg_cache_stats {
    uint64_t hits;            /* answered from the cache */
    uint64_t misses;          /* cacheable calls that had to ask Telegram (expired entries included) */
    uint64_t stores;          /* answers stored */
    uint64_t evictions;       /* entries dropped to stay within max_entries / max_bytes */
    uint64_t expirations;     /* entries found past their TTL (each also counts as a miss) */
    uint64_t invalidations;   /* entries dropped by writes and tg_cache_invalidate */
    size_t bytes;             /* bytes held now */
    uint32_t entries;         /* entries held now */
} tg_cache_stats;

/* Turns the cache on (d may be NULL: the defaults; d->enabled is not looked at). Enabling it again
   keeps the entries and the overrides and applies the new bounds. TG_ERR_NOMEM when out of memory. */
TGBOT_API tg_err tg_cache_enable(tg_bot *bot, const tg_cache_desc *d);
TGBOT_API void tg_cache_disable(tg_bot *bot);                /* drops everything, frees the memory */
TGBOT_API bool tg_cache_enabled(const tg_bot *bot);
/* TTL of one read method in milliseconds (0: do not cache it). TG_ERR_ARG for a never-cached method,
   a bad name or a cache that is not enabled; TG_ERR_LIMIT past TGBOT_CACHE_OVERRIDES methods.
   Entries already stored keep the expiry they were given. */
TGBOT_API tg_err tg_cache_set_ttl(tg_bot *bot, const char *method, uint32_t ttl_ms);
TGBOT_API uint32_t tg_cache_ttl(const tg_bot *bot, const char *method);    /* what applies now; 0: not cached */
TGBOT_API uint32_t tg_cache_invalidate(tg_bot *bot, const char *method);   /* NULL: all; returns entries dropped */
TGBOT_API void tg_cache_get_stats(const tg_bot *bot, tg_cache_stats *out); /* zeros when not enabled */

#endif /* TGBOT__HAS_CACHE */
