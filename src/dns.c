/* dns: name resolution without blocking the loop. An address literal, /etc/hosts and a small TTL
   cache answer at once; otherwise an A and an AAAA query (RFC 1035) go over UDP to the first
   nameserver of /etc/resolv.conf (TGBOT_DNS_SERVER=ip or ip:port or [ip6]:port overrides it), and
   the caller waits for the socket like for any other, within its connect timeout. Names without a
   dot (search domains) and systems without a nameserver line go to the OS resolver, which blocks.
   Answers must come from the server's address (connected socket), carry a query's random id and
   echo its question; anything else is ignored. Addresses are tried IPv4 first, then IPv6. */
#define TG__DNS_CACHE 8
#define TG__DNS_ADDRS 8
#define TG__DNS_TTL_MAX 600u               /* seconds: a record never stays longer than this */

typedef struct {
    char host[256];
    unsigned char ip[TG__DNS_ADDRS][16];
    uint8_t n;
    uint64_t expires, used;                /* ms */
} tg__dns_entry;

struct tg__dns {
    tg__dns_entry cache[TG__DNS_CACHE];
    /* the query in flight */
    bool pending, done[2];
    char host[256];
    unsigned char qname[256];
    size_t qn;
    uint16_t id[2];                        /* [0] A, [1] AAAA */
    int rcode[2];
    unsigned char ip[2][TG__DNS_ADDRS][16];
    uint8_t n[2];
    uint32_t ttl;
};

static const uint16_t tg__dns_qtype[2] = { 1, 28 };   /* A, AAAA */

static void tg__dns_v4mapped(const unsigned char v4[4], unsigned char ip[16]) {
    memset(ip, 0, 10); ip[10] = ip[11] = 0xff;
    memcpy(ip + 12, v4, 4);
}

/* an address literal as 16 bytes: true, or false when s is not one */
static bool tg__dns_literal(const char *s, unsigned char ip[16]) {
    unsigned char b[16];
    size_t k = tg__ip_parse(s, b);
    if (k == 4) { tg__dns_v4mapped(b, ip); return true; }
    if (k == 16) { memcpy(ip, b, 16); return true; }
    return false;
}

static bool tg__dns_ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y) return false;
    }
    return *a == *b || (*a == '.' && !a[1] && !*b) || (*b == '.' && !b[1] && !*a);   /* "x." is "x" */
}

/* host as a wire name (labels of 1..63 bytes, 255 in all; one trailing dot allowed): length or 0 */
static size_t tg__dns_encode(const char *host, unsigned char out[256]) {
    size_t n = 0, hl = strlen(host), i = 0;
    if (hl && host[hl - 1] == '.') hl--;
    if (hl == 0 || hl > 253 || host[hl - 1] == '.') return 0;
    while (i < hl) {
        size_t j = i;
        while (j < hl && host[j] != '.') j++;
        if (j == i || j - i > 63) return 0;
        out[n++] = (unsigned char)(j - i);
        memcpy(out + n, host + i, j - i);
        n += j - i;
        i = j + 1;
    }
    out[n++] = 0;
    return n;
}

/* the nameserver: TGBOT_DNS_SERVER, else the first nameserver line of /etc/resolv.conf */
static bool tg__dns_server(unsigned char ip[16], uint16_t *port) {
    char line[256], addr[128];
    const char *env = getenv("TGBOT_DNS_SERVER");
    *port = 53;
    if (env && *env) {
        const char *colon = strrchr(env, ':'), *end = env + strlen(env);
        if (env[0] == '[') {                            /* [v6] or [v6]:port */
            const char *rb = strchr(env, ']');
            if (!rb) return false;
            if (rb[1] == ':') colon = rb + 1; else if (rb[1]) return false; else colon = NULL;
            env++; end = rb;
        } else if (colon && strchr(env, ':') != colon) {
            colon = NULL;                               /* a bare IPv6 address */
        } else if (colon) {
            end = colon;
        }
        if ((size_t)(end - env) >= sizeof addr) return false;
        memcpy(addr, env, (size_t)(end - env)); addr[end - env] = '\0';
        if (colon) {
            char *e;
            unsigned long v = strtoul(colon + 1, &e, 10);
            if (*e || v == 0 || v > 65535) return false;
            *port = (uint16_t)v;
        }
        return tg__dns_literal(addr, ip);
    }
    {
        FILE *f = fopen("/etc/resolv.conf", "r");
        bool ok = false;
        if (!f) return false;
        while (!ok && fgets(line, sizeof line, f)) {
            if (sscanf(line, " nameserver %127s", addr) == 1) {
                char *pct = strchr(addr, '%');          /* fe80::1%eth0: the zone is not ours to use */
                if (pct) *pct = '\0';
                ok = tg__dns_literal(addr, ip);
            }
        }
        fclose(f);
        return ok;
    }
}

/* /etc/hosts: the addresses listed for host, in file order */
static uint8_t tg__dns_hosts(const char *host, unsigned char ip[TG__DNS_ADDRS][16]) {
    char line[512];
    uint8_t n = 0;
    FILE *f = fopen("/etc/hosts", "r");
    if (!f) return 0;
    while (n < TG__DNS_ADDRS && fgets(line, sizeof line, f)) {
        char *tok[16], *c = line;
        int nt = 0, i;
        unsigned char a[16];
        while (*c && *c != '#' && nt < 16) {            /* blank-separated words up to a comment */
            while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') c++;
            if (!*c || *c == '#') break;
            tok[nt++] = c;
            while (*c && *c != ' ' && *c != '\t' && *c != '\r' && *c != '\n' && *c != '#') c++;
            if (*c == '#') { *c = '\0'; break; }
            if (*c) *c++ = '\0';
        }
        if (nt < 2 || !tg__dns_literal(tok[0], a)) continue;
        for (i = 1; i < nt; i++)
            if (tg__dns_ieq(tok[i], host)) { memcpy(ip[n++], a, 16); break; }
    }
    fclose(f);
    return n;
}

static size_t tg__dns_query(const tg__dns *d, int k, unsigned char *q) {
    memset(q, 0, 12);
    q[0] = (unsigned char)(d->id[k] >> 8); q[1] = (unsigned char)d->id[k];
    q[2] = 0x01;                                        /* RD: the server recurses for us */
    q[5] = 1;                                           /* one question */
    memcpy(q + 12, d->qname, d->qn);
    q[12 + d->qn] = 0; q[13 + d->qn] = (unsigned char)tg__dns_qtype[k];
    q[14 + d->qn] = 0; q[15 + d->qn] = 1;               /* class IN */
    return 16 + d->qn;
}

/* past a (possibly compressed) name at off: the offset after it, or 0 when it does not fit */
static size_t tg__dns_skip_name(const unsigned char *p, size_t n, size_t off) {
    int guard;
    for (guard = 0; guard < 128 && off < n; guard++) {
        unsigned b = p[off];
        if (b == 0) return off + 1;
        if ((b & 0xC0) == 0xC0) return off + 2 <= n ? off + 2 : 0;
        if (b & 0xC0) return 0;
        off += 1 + b;
    }
    return 0;
}

static bool tg__dns_same_name(const unsigned char *a, const unsigned char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y) return false;
    }
    return true;
}

/* one datagram: an answer to one of our queries is recorded, anything else ignored */
static void tg__dns_answer(tg__dns *d, const unsigned char *p, size_t n) {
    unsigned id, an, i;
    size_t off;
    int k;
    if (n < 12) return;
    id = (unsigned)p[0] << 8 | p[1];
    for (k = 0; k < 2; k++) if (!d->done[k] && id == d->id[k]) break;
    if (k == 2 || !(p[2] & 0x80) || (p[2] & 0x78) || p[4] != 0 || p[5] != 1) return;  /* QR, QUERY, 1 question */
    off = 12;
    if (n < off + d->qn + 4 || !tg__dns_same_name(p + off, d->qname, d->qn)) return;
    off += d->qn;
    if (p[off] != 0 || p[off + 1] != tg__dns_qtype[k] || p[off + 2] != 0 || p[off + 3] != 1) return;
    off += 4;
    an = (unsigned)p[6] << 8 | p[7];
    for (i = 0; i < an; i++) {
        unsigned type, cls, rdlen;
        uint32_t ttl;
        if ((off = tg__dns_skip_name(p, n, off)) == 0 || off + 10 > n) break;
        type = (unsigned)p[off] << 8 | p[off + 1];
        cls = (unsigned)p[off + 2] << 8 | p[off + 3];
        ttl = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 | (uint32_t)p[off + 6] << 8 | p[off + 7];
        rdlen = (unsigned)p[off + 8] << 8 | p[off + 9];
        off += 10;
        if (off + rdlen > n) break;
        /* A/AAAA of the asked type (CNAMEs in the chain are skipped: the server resolved them) */
        if (cls == 1 && type == tg__dns_qtype[k] && rdlen == (k ? 16u : 4u) && d->n[k] < TG__DNS_ADDRS) {
            if (k) memcpy(d->ip[k][d->n[k]], p + off, 16); else tg__dns_v4mapped(p + off, d->ip[k][d->n[k]]);
            d->n[k]++;
            if (ttl < d->ttl) d->ttl = ttl;
        }
        off += rdlen;
    }
    d->rcode[k] = p[3] & 0x0F;
    d->done[k] = true;
}

static int tg__dns_list(const unsigned char (*ip)[16], size_t n, uint16_t port, tg__addr **out, const char **why) {
    if (tg__addr_list(ip, n, port, out) < 0) { *why = "out of memory"; return -1; }
    return 1;
}

static tg__dns_entry *tg__dns_cached(tg__dns *d, const char *host, uint64_t now) {
    int i;
    for (i = 0; i < TG__DNS_CACHE; i++) {
        tg__dns_entry *e = &d->cache[i];
        if (e->n && e->expires > now && tg__dns_ieq(e->host, host)) { e->used = now; return e; }
    }
    return NULL;
}

static void tg__dns_remember(tg__dns *d, const unsigned char (*ip)[16], uint8_t n, uint64_t now) {
    tg__dns_entry *e = &d->cache[0];
    int i;
    if (d->ttl == 0) return;                            /* TTL 0: use once, keep nothing */
    for (i = 0; i < TG__DNS_CACHE; i++) {               /* an empty or expired slot, else the least used */
        if (d->cache[i].expires <= now) { e = &d->cache[i]; break; }
        if (d->cache[i].used < e->used) e = &d->cache[i];
    }
    memcpy(e->host, d->host, sizeof e->host);
    memcpy(e->ip, ip, (size_t)n * 16);
    e->n = n;
    e->expires = now + (uint64_t)TGBOT__MIN(d->ttl, TG__DNS_TTL_MAX) * 1000u;
    e->used = now;
}

static int tg__dns_finish(tg__dns *d, const tg_platform *p, uint16_t port, tg__sock *fd, tg__addr **out, const char **why) {
    unsigned char ip[2 * TG__DNS_ADDRS][16];
    uint8_t n = 0;
    int k, rc;
    tg__sock_close(*fd);
    *fd = TG__SOCK_INVALID;
    d->pending = false;
    for (k = 0; k < 2; k++) { memcpy(ip[n], d->ip[k], (size_t)d->n[k] * 16); n = (uint8_t)(n + d->n[k]); }
    if (n) {
        tg__dns_remember(d, (const unsigned char (*)[16])ip, (uint8_t)TGBOT__MIN(n, TG__DNS_ADDRS), tg__now_ms(p));
        return tg__dns_list((const unsigned char (*)[16])ip, n, port, out, why);
    }
    rc = d->rcode[0] ? d->rcode[0] : d->rcode[1];
    *why = rc == 3 ? "no such name (NXDOMAIN)" : rc == 2 ? "the DNS server failed (SERVFAIL)" :
           rc == 5 ? "the DNS server refused the query (REFUSED)" : rc ? "the DNS server answered with an error" :
           "the name has no address";
    return -1;
}

TGBOT__INTERN int tg__dns_resolve(tg__dns **pd, const tg_allocator *a, const tg_platform *p, const char *host,
                                  uint16_t port, tg__sock *fd, tg__addr **out, const char **why) {
    tg__dns *d = *pd;
    unsigned char ip[TG__DNS_ADDRS][16], server[16], buf[1500];
    uint16_t sport;
    uint8_t n;
    *out = NULL;
    *why = "";
    if (tg__dns_literal(host, ip[0])) return tg__dns_list((const unsigned char (*)[16])ip, 1, port, out, why);
    if (!d) {
        if ((d = (tg__dns *)tg__alloc(a, sizeof *d)) == NULL) { *why = "out of memory"; return -1; }
        memset(d, 0, sizeof *d);
        *pd = d;
    }
    if (d->pending && *fd != TG__SOCK_INVALID && strcmp(d->host, host) == 0) {
        for (;;) {
            long r = tg__sock_recv(*fd, buf, sizeof buf);
            /* IPv4 is tried first: with A records in hand, a late (or dropped) AAAA answer is not
               worth waiting for */
            if (r == TG__WOULDBLOCK) return d->done[0] && d->n[0] ? tg__dns_finish(d, p, port, fd, out, why) : 0;
            if (r < 0) {                                /* ICMP unreachable: nobody serves DNS there */
                tg__sock_close(*fd); *fd = TG__SOCK_INVALID; d->pending = false;
                *why = "the DNS server is unreachable";
                return -1;
            }
            tg__dns_answer(d, buf, (size_t)r);
            if ((d->done[0] && d->rcode[0] == 3) || (d->done[1] && d->rcode[1] == 3) || (d->done[0] && d->done[1]))
                return tg__dns_finish(d, p, port, fd, out, why);
        }
    }
    d->pending = false;                                 /* a query the caller gave up on is forgotten */
    {
        tg__dns_entry *e = tg__dns_cached(d, host, tg__now_ms(p));
        if (e) return tg__dns_list((const unsigned char (*)[16])e->ip, e->n, port, out, why);
    }
    if ((n = tg__dns_hosts(host, ip)) > 0) return tg__dns_list((const unsigned char (*)[16])ip, n, port, out, why);
    if (!strchr(host, '.') || !tg__dns_server(server, &sport)) {
        int gerr = 0;
        if (tg__resolve(host, port, out, &gerr) == 0) return 1;
        *why = tg__resolve_strerror(gerr);
        return -1;
    }
    if (strlen(host) >= sizeof d->host || (d->qn = tg__dns_encode(host, d->qname)) == 0) {
        *why = "not a valid host name";
        return -1;
    }
    memcpy(d->host, host, strlen(host) + 1);
    d->done[0] = d->done[1] = false;
    d->rcode[0] = d->rcode[1] = 0;
    d->n[0] = d->n[1] = 0;
    d->ttl = 0xFFFFFFFFu;
    if (tg__random_bytes(p, d->id, sizeof d->id) != 0) { *why = "no randomness for the query id"; return -1; }
    if (d->id[1] == d->id[0]) d->id[1] ^= 1u;
    if (tg__udp_open(server, sport, fd) < 0) { *why = "cannot reach the DNS server"; return -1; }
    {
        size_t qlen = tg__dns_query(d, 0, buf);
        long s0 = tg__sock_send(*fd, buf, qlen);
        long s1;
        qlen = tg__dns_query(d, 1, buf);
        s1 = tg__sock_send(*fd, buf, qlen);
        if (s0 < 0 || s1 < 0) {
            tg__sock_close(*fd); *fd = TG__SOCK_INVALID;
            *why = "cannot reach the DNS server";
            return -1;
        }
    }
    d->pending = true;
    return 0;
}

TGBOT__INTERN void tg__dns_free(tg__dns *d, const tg_allocator *a) { if (d) tg__free(a, d, sizeof *d); }
