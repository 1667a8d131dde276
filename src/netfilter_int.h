/* netfilter (internal): the source lists and the per-source table the webhook server consults. */
#if TGBOT__HAS_WEBHOOK
typedef struct tg__nf_list { tg_cidr *v; size_t n; } tg__nf_list;

typedef struct tg__nf_src {
    tg_ip key;
    uint64_t seen;                      /* last use (ms): the eviction order */
    uint64_t refill_at;                 /* token bucket: when tokens was last brought up to date */
    uint64_t blocked_until;             /* 0 once the end of a block was reported */
    uint64_t score_at;                  /* when score was last brought up to date */
    uint32_t tokens;                    /* milli-requests */
    uint32_t conns;                     /* open connections from this source */
    uint32_t score;                     /* threat score, milli-points */
    uint16_t used;
    uint16_t blocks;                    /* blocks so far (saturating) */
} tg__nf_src;

typedef struct tg__nf_table {
    tg__nf_src *s;
    uint32_t mask;                      /* slots - 1 (a power of two) */
    uint64_t key;                       /* hash key */
} tg__nf_table;

TGBOT__INTERN bool tg__nf_match(const tg__nf_list *l, const tg_ip *ip);
TGBOT__INTERN bool tg__nf_allowed(const tg__nf_list *allow, const tg__nf_list *deny, const tg_ip *ip);
TGBOT__INTERN int tg__nf_fwd(const tg__nf_list *proxies, const char *v, size_t n, bool forwarded, tg_ip *client);
TGBOT__INTERN long tg__nf_lookup(tg__nf_table *t, const tg_ip *ip, uint64_t now, bool create);
TGBOT__INTERN bool tg__nf_take(tg__nf_src *s, uint32_t rate, uint32_t burst, uint64_t now, uint32_t *retry_s);
TGBOT__INTERN uint32_t tg__nf_score_now(const tg__nf_src *s, uint32_t half_life, uint64_t now);
TGBOT__INTERN bool tg__nf_score_add(tg__nf_src *s, uint32_t points, uint32_t threshold, uint32_t half_life, uint32_t block_ms, uint64_t now);
TGBOT__INTERN bool tg__nf_blocked(const tg__nf_src *s, uint64_t now);
#endif
