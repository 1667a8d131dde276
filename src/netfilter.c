#if TGBOT__HAS_WEBHOOK
/* netfilter: address parsing, CIDR lists, the allow/deny decision, X-Forwarded-For, and the
   per-source table (connections, token bucket, threat score and blocks) the webhook server consults.
   Everything here is a pure function of its arguments and the time it is given: the server passes
   its platform clock, the tests pass numbers. */

static int tg__nf_v4(const char *s, size_t n, uint8_t out[4]) {
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part) { if (i >= n || s[i] != '.') return 0; i++; }
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (digits && v == 0) return 0;               /* leading zero */
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255) return 0;
            digits++; i++;
        }
        if (!digits) return 0;
        out[part] = (uint8_t)v;
    }
    return i == n;
}

static int tg__nf_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int tg__nf_v6(const char *s, size_t n, uint8_t out[16]) {
    uint16_t g[8];
    size_t i = 0;
    int ng = 0, gap = -1, k;
    if (n < 2) return 0;
    if (s[0] == ':') { if (s[1] != ':') return 0; gap = 0; i = 2; }
    while (i < n) {
        unsigned v = 0;
        int d = 0, h;
        size_t start = i;
        if (ng >= 8) return 0;
        while (i < n && d < 5 && (h = tg__nf_hex(s[i])) >= 0) { v = v * 16 + (unsigned)h; d++; i++; }
        if (i < n && s[i] == '.') {                       /* a trailing dotted IPv4: the last 32 bits */
            uint8_t q[4];
            if (ng > 6 || !tg__nf_v4(s + start, n - start, q)) return 0;
            g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
            g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
            i = n;
            break;
        }
        if (d == 0 || d > 4) return 0;
        g[ng++] = (uint16_t)v;
        if (i == n) break;
        if (s[i] != ':') return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0) return 0;                       /* a second "::" */
            gap = ng; i++;
            if (i == n) break;
        } else if (i == n) return 0;                      /* a trailing single ':' */
    }
    if (gap < 0 ? ng != 8 : ng > 7) return 0;
    memset(out, 0, 16);
    for (k = 0; k < ng; k++) {
        int at = gap >= 0 && k >= gap ? 8 - (ng - k) : k;
        out[2 * at] = (uint8_t)(g[k] >> 8);
        out[2 * at + 1] = (uint8_t)g[k];
    }
    return 1;
}

TGBOT_API bool tg_ip_parse(const char *s, size_t n, tg_ip *out) {
    uint8_t q[4];
    if (!s || !out) return false;
    if (tg__nf_v4(s, n, q)) {
        memset(out->b, 0, 10);
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, q, 4);
        return true;
    }
    return memchr(s, ':', n) != NULL && tg__nf_v6(s, n, out->b);
}

TGBOT_API bool tg_ip_is_v4(const tg_ip *ip) {
    static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(ip->b, pre, 12) == 0;
}

TGBOT_API bool tg_cidr_parse(const char *s, tg_cidr *out) {
    const char *slash;
    size_t n;
    unsigned bits, max;
    int k;
    tg_ip ip;
    if (!s || !out) return false;
    slash = strchr(s, '/');
    n = slash ? (size_t)(slash - s) : strlen(s);
    if (!tg_ip_parse(s, n, &ip)) return false;
    /* "::ffff:0:0/96" is an IPv6 rule over the mapped range; "1.2.3.4/24" counts bits of IPv4 */
    max = tg_ip_is_v4(&ip) && !memchr(s, ':', n) ? 32u : 128u;
    bits = max;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || (p[0] == '0' && p[1])) return false;
        for (bits = 0; *p; p++) {
            if (*p < '0' || *p > '9') return false;
            bits = bits * 10 + (unsigned)(*p - '0');
            if (bits > max) return false;
        }
    }
    if (max == 32) bits += 96;
    for (k = 0; k < 16; k++) {                            /* no host bits */
        unsigned keep = bits >= (unsigned)(k + 1) * 8 ? 8u : bits > (unsigned)k * 8 ? bits - (unsigned)k * 8 : 0u;
        uint8_t mask = (uint8_t)(0xffu << (8 - keep));
        if (keep == 0) mask = 0;
        if (ip.b[k] & (uint8_t)~mask) return false;
    }
    out->net = ip;
    out->bits = (uint8_t)bits;
    return true;
}

TGBOT_API bool tg_cidr_contains(const tg_cidr *c, const tg_ip *ip) {
    unsigned full = c->bits / 8u, rest = c->bits % 8u;
    if (memcmp(c->net.b, ip->b, full) != 0) return false;
    if (!rest) return true;
    return ((c->net.b[full] ^ ip->b[full]) & (uint8_t)(0xffu << (8 - rest))) == 0;
}

TGBOT_API void tg_ip_format(const tg_ip *ip, char *out) {
    static const char hx[] = "0123456789abcdef";
    int k, best = -1, bestlen = 1, run = 0;
    size_t n = 0;
    if (tg_ip_is_v4(ip)) {
        snprintf(out, TG_IP_TEXT_MAX, "%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14], ip->b[15]);
        return;
    }
    for (k = 0; k < 8; k++) {                             /* the longest run of zero groups (>= 2) */
        if (ip->b[2 * k] == 0 && ip->b[2 * k + 1] == 0) {
            run++;
            if (run > bestlen) { bestlen = run; best = k - run + 1; }
        } else run = 0;
    }
    for (k = 0; k < 8; k++) {
        unsigned v = (unsigned)ip->b[2 * k] << 8 | ip->b[2 * k + 1];
        int sh, started = 0;
        if (k == best) { out[n++] = ':'; out[n++] = ':'; k += bestlen - 1; continue; }
        if (k && !(best >= 0 && k == best + bestlen)) out[n++] = ':';
        for (sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (v >> sh) & 15u;
            if (d || started || sh == 0) { out[n++] = hx[d]; started = 1; }
        }
    }
    out[n] = '\0';
}

/* ---- lists and the decision ---- */
typedef struct tg__nf_list { tg_cidr *v; size_t n; } tg__nf_list;

static bool tg__nf_match(const tg__nf_list *l, const tg_ip *ip) {
    size_t i;
    for (i = 0; i < l->n; i++) if (tg_cidr_contains(&l->v[i], ip)) return true;
    return false;
}

/* deny wins; then an empty allow list lets everything else through, a non-empty one only its ranges */
static bool tg__nf_allowed(const tg__nf_list *allow, const tg__nf_list *deny, const tg_ip *ip) {
    if (tg__nf_match(deny, ip)) return false;
    return allow->n == 0 || tg__nf_match(allow, ip);
}

/* One node of a forwarding header, v[a..b) with surrounding blanks already cut: an address, or
   "[v6]", "[v6]:port", "v4:port". 0 with *ip set, -1 when it does not parse. */
static int tg__nf_node(const char *v, size_t a, size_t b, tg_ip *ip) {
    if (a < b && v[a] == '[') {                           /* [v6] or [v6]:port */
        const char *rb = (const char *)memchr(v + a, ']', b - a);
        size_t p;
        if (!rb) return -1;
        p = (size_t)(rb - v) + 1;
        if (p < b) {
            size_t q;
            if (v[p] != ':' || p + 1 == b || b - p > 6) return -1;
            for (q = p + 1; q < b; q++) if (v[q] < '0' || v[q] > '9') return -1;
        }
        a++; b = (size_t)(rb - v);
    } else if (a < b) {                                   /* v4:port (one colon, after a dot) */
        const char *c1 = (const char *)memchr(v + a, ':', b - a);
        if (c1 && memchr(c1 + 1, ':', (size_t)(v + b - c1 - 1)) == NULL && memchr(v + a, '.', (size_t)(c1 - v - (ptrdiff_t)a))) {
            size_t q, p = (size_t)(c1 - v);
            if (p + 1 == b || b - p > 6) return -1;
            for (q = p + 1; q < b; q++) if (v[q] < '0' || v[q] > '9') return -1;
            b = p;
        }
    }
    return a < b && tg_ip_parse(v + a, b - a, ip) ? 0 : -1;
}

/* RFC 7239 element v[a..b) ("for=...;proto=...;by=..."): the for= node, 0 or -1 (no for=, or a
   node that is not an address: "unknown" and obfuscated identifiers name nobody) */
static int tg__nf_fwd_for(const char *v, size_t a, size_t b, tg_ip *ip) {
    while (a < b) {
        size_t e = a, x, y;
        while (e < b && v[e] != ';') e++;
        x = a; y = e;
        while (x < y && (v[x] == ' ' || v[x] == '\t')) x++;
        while (y > x && (v[y - 1] == ' ' || v[y - 1] == '\t')) y--;
        if (y - x > 4 && (v[x] | 0x20) == 'f' && (v[x + 1] | 0x20) == 'o' && (v[x + 2] | 0x20) == 'r' && v[x + 3] == '=') {
            x += 4;
            if (y - x >= 2 && v[x] == '"' && v[y - 1] == '"') { x++; y--; }
            return tg__nf_node(v, x, y, ip);
        }
        a = e + 1;
    }
    return -1;
}

/* One X-Forwarded-For value (forwarded = false) or RFC 7239 Forwarded value (true), walked from the
   right (the entry the nearest proxy appended) to the left. X-Forwarded-For entries are nodes
   separated by commas and optional spaces; Forwarded elements are "for=NODE;..." pairs. Returns 1
   with *client = the right-most entry that is not a trusted proxy (what is left of it was written by
   the client and is never read), 0 when every entry is a trusted proxy (*client = the left-most),
   -1 when an entry that had to be read does not parse. */
static int tg__nf_fwd(const tg__nf_list *proxies, const char *v, size_t n, bool forwarded, tg_ip *client) {
    size_t end = n;
    for (;;) {
        size_t start = end, a, b;
        while (start > 0 && v[start - 1] != ',') start--;
        a = start; b = end;
        while (a < b && (v[a] == ' ' || v[a] == '\t')) a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) b--;
        if ((forwarded ? tg__nf_fwd_for(v, a, b, client) : tg__nf_node(v, a, b, client)) != 0) return -1;
        if (!tg__nf_match(proxies, client)) return 1;
        if (start == 0) return 0;
        end = start - 1;
    }
}

/* ---- per-source table ----
   A fixed array of slots, allocated once at tg_webhook_new (max_sources slots of
   sizeof(tg__nf_src) = 64 bytes: 64 KiB for the default 1024). A source hashes (with a random key,
   so a client cannot aim at one bucket) to a window of TG__NF_PROBE slots; it takes a free one or
   evicts the slot seen longest ago among those with no open connection and no running block. A
   window with nothing to evict refuses the new source (counted in sources_full). IPv6 sources are
   keyed by their /64 (one subscriber usually holds a whole /64); IPv4 by the whole address. */
#define TG__NF_PROBE 8u

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

static tg_ip tg__nf_source_key(const tg_ip *ip) {
    tg_ip k = *ip;
    if (!tg_ip_is_v4(ip)) memset(k.b + 8, 0, 8);
    return k;
}

static uint32_t tg__nf_hash(const tg__nf_table *t, const tg_ip *k) {
    uint64_t h = t->key ^ 0xcbf29ce484222325u;
    int i;
    for (i = 0; i < 16; i++) { h ^= k->b[i]; h *= 0x100000001b3u; }
    h ^= h >> 29; h *= 0xbf58476d1ce4e5b9u; h ^= h >> 32;
    return (uint32_t)h;
}

/* the slot of ip (created when absent and create is set): its index, or -1 */
static long tg__nf_lookup(tg__nf_table *t, const tg_ip *ip, uint64_t now, bool create) {
    tg_ip k = tg__nf_source_key(ip);
    uint32_t h = tg__nf_hash(t, &k), i;
    long empty = -1, victim = -1;
    for (i = 0; i < TG__NF_PROBE; i++) {
        uint32_t j = (h + i) & t->mask;
        tg__nf_src *s = &t->s[j];
        if (!s->used) { if (empty < 0) empty = (long)j; continue; }
        if (memcmp(s->key.b, k.b, 16) == 0) { s->seen = now; return (long)j; }
        /* a block's end is reported (blocked_until = 0) before its slot may go */
        if (s->conns == 0 && s->blocked_until == 0 && (victim < 0 || s->seen < t->s[victim].seen)) victim = (long)j;
    }
    if (!create) return -1;
    if (empty < 0) empty = victim;
    if (empty < 0) return -1;
    memset(&t->s[empty], 0, sizeof t->s[empty]);
    t->s[empty].key = k;
    t->s[empty].used = 1;
    t->s[empty].seen = now;
    t->s[empty].tokens = UINT32_MAX;    /* full: set to the burst on the first take */
    t->s[empty].refill_at = now;
    return empty;
}

/* token bucket: rate requests per second, up to burst at once. true = a token was taken; false =
   over the limit, *retry_s = whole seconds until one is there (at least 1). */
static bool tg__nf_take(tg__nf_src *s, uint32_t rate, uint32_t burst, uint64_t now, uint32_t *retry_s) {
    uint64_t cap = (uint64_t)burst * 1000u, tok = s->tokens == UINT32_MAX ? cap : s->tokens;
    if (now > s->refill_at) {           /* rate requests/s = rate milli-requests per ms */
        uint64_t dt = now - s->refill_at;
        tok = dt >= cap ? cap : TGBOT__MIN(cap, tok + dt * rate);
    }
    s->refill_at = now;
    if (tok >= 1000u) { s->tokens = (uint32_t)(tok - 1000u); return true; }
    s->tokens = (uint32_t)tok;
    *retry_s = (uint32_t)(((1000u - tok + rate - 1) / rate + 999u) / 1000u);
    if (*retry_s == 0) *retry_s = 1;
    return false;
}

/* Threat score: points (milli-points) per signal; the score halves every half_life ms: whole
   half-lives by shifting, the rest of one by a straight line between (1 - x/2 for 0 <= x < 1, exact
   at both ends), so the decay is exponential without libm. */
static uint32_t tg__nf_score_now(const tg__nf_src *s, uint32_t half_life, uint64_t now) {
    uint64_t dt = now > s->score_at ? now - s->score_at : 0, k, v = s->score;
    if (!v || !half_life) return (uint32_t)v;
    k = dt / half_life;
    if (k >= 32) return 0;
    v >>= k;
    v -= v * (dt % half_life) / (2u * (uint64_t)half_life);
    return (uint32_t)v;
}

/* adds points to the score; true when the score reached threshold and a block of block_ms begins */
static bool tg__nf_score_add(tg__nf_src *s, uint32_t points, uint32_t threshold, uint32_t half_life, uint32_t block_ms, uint64_t now) {
    uint64_t v = (uint64_t)tg__nf_score_now(s, half_life, now) + points;
    s->score = (uint32_t)TGBOT__MIN(v, (uint64_t)UINT32_MAX);
    s->score_at = now;
    if (!threshold || s->score < threshold || s->blocked_until > now) return false;
    s->score = 0;
    s->blocked_until = now + block_ms;
    if (s->blocks < UINT16_MAX) s->blocks++;
    return true;
}

static bool tg__nf_blocked(const tg__nf_src *s, uint64_t now) { return s->blocked_until > now; }
#endif /* TGBOT__HAS_WEBHOOK */
