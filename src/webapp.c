/* webapp: SHA-256 (FIPS 180-4), HMAC (RFC 2104), and the signed query strings Telegram gives Web
   Apps and the Login Widget. No allocation: the query is decoded in a stack copy. */

static const uint32_t tg__sha256_k[64] = {   /* first 32 bits of the cube roots of the first 64 primes */
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2 };

static uint32_t tg__ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }

static void tg__sha256_block(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64], v[8];
    unsigned i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = tg__ror(w[i - 15], 7) ^ tg__ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = tg__ror(w[i - 2], 17) ^ tg__ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (i = 0; i < 64; i++) {   /* v = a b c d e f g h */
        uint32_t t1 = v[7] + (tg__ror(v[4], 6) ^ tg__ror(v[4], 11) ^ tg__ror(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + tg__sha256_k[i] + w[i];
        uint32_t t2 = (tg__ror(v[0], 2) ^ tg__ror(v[0], 13) ^ tg__ror(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++) h[i] += v[i];
}

TGBOT_API void tg_sha256_init(tg_sha256 *s) {
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, iv, sizeof iv);
    s->bytes = 0;
    s->fill = 0;
}

TGBOT_API void tg_sha256_update(tg_sha256 *s, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    s->bytes += n;
    while (n) {
        size_t k = TGBOT__MIN(n, 64 - s->fill);
        memcpy(s->block + s->fill, p, k);
        s->fill += k; p += k; n -= k;
        if (s->fill == 64) { tg__sha256_block(s->h, s->block); s->fill = 0; }
    }
}

TGBOT_API void tg_sha256_final(tg_sha256 *s, unsigned char out[32]) {
    uint64_t bits = s->bytes * 8;
    unsigned char pad = 0x80, len[8];
    unsigned i;
    for (i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
    tg_sha256_update(s, &pad, 1);
    pad = 0;
    while (s->fill != 56) tg_sha256_update(s, &pad, 1);
    tg_sha256_update(s, len, 8);
    for (i = 0; i < 32; i++) out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
    tg__wipe(s, sizeof *s);
}

/* HMAC in two halves so a message can be streamed into `inner` */
static void tg__hmac_begin(tg_sha256 *inner, unsigned char okey[64], const void *key, size_t key_len) {
    unsigned char k[64];
    unsigned i;
    memset(k, 0, sizeof k);
    if (key_len > 64) {
        tg_sha256 t;
        tg_sha256_init(&t);
        tg_sha256_update(&t, key, key_len);
        tg_sha256_final(&t, k);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    for (i = 0; i < 64; i++) { okey[i] = (unsigned char)(k[i] ^ 0x5c); k[i] ^= 0x36; }
    tg_sha256_init(inner);
    tg_sha256_update(inner, k, 64);
    tg__wipe(k, sizeof k);
}

static void tg__hmac_end(tg_sha256 *inner, const unsigned char okey[64], unsigned char out[32]) {
    unsigned char ih[32];
    tg_sha256 outer;
    tg_sha256_final(inner, ih);
    tg_sha256_init(&outer);
    tg_sha256_update(&outer, okey, 64);
    tg_sha256_update(&outer, ih, 32);
    tg_sha256_final(&outer, out);
}

TGBOT_API void tg_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char out[32]) {
    tg_sha256 in;
    unsigned char okey[64];
    tg__hmac_begin(&in, okey, key, key_len);
    tg_sha256_update(&in, msg, msg_len);
    tg__hmac_end(&in, okey, out);
    tg__wipe(okey, sizeof okey);
}

/* ---- signed query strings ---- */
typedef struct tg__qfield { const char *k, *v; size_t kn, vn; } tg__qfield;

static int tg__hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* URL-decodes [p, p+n) into w ('+' is a space); returns the decoded length or -1 */
static long tg__urldecode(const char *p, size_t n, char *w) {
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (p[i] == '%') {
            int hi, lo;
            if (i + 2 >= n) return -1;          /* two hex digits must follow */
            hi = tg__hexval(p[i + 1]); lo = tg__hexval(p[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            w[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            w[o++] = p[i] == '+' ? ' ' : p[i];
        }
    }
    return (long)o;
}

static int tg__qfield_cmp(const tg__qfield *a, const tg__qfield *b) {
    int c = memcmp(a->k, b->k, TGBOT__MIN(a->kn, b->kn));
    return c ? c : (a->kn > b->kn) - (a->kn < b->kn);
}

/* Splits q into URL-decoded fields in buf (never longer than q), sorted by key; refuses repeated
   keys, fields without '=' and bad percent-encoding. *ad: auth_date, or -1 when absent/not a number. */
static tg_err tg__query_fields(const char *q, char buf[TGBOT_WEBAPP_MAX], tg__qfield f[64], size_t *nfp, int64_t *ad) {
    size_t n, nf = 0, i, j, pos = 0;
    *nfp = 0;
    *ad = -1;
    if (!q) return TG_ERR_ARG;
    n = strlen(q);
    if (n > TGBOT_WEBAPP_MAX) return TG_ERR_LIMIT;
    while (pos < n) {   /* split on '&', decode key and value into buf */
        const char *s = q + pos, *amp = (const char *)memchr(s, '&', n - pos), *eq;
        size_t len = amp ? (size_t)(amp - s) : n - pos;
        long kl, vl;
        eq = (const char *)memchr(s, '=', len);
        if (!eq || eq == s || nf == 64) return TG_ERR_ARG;
        kl = tg__urldecode(s, (size_t)(eq - s), buf + pos);
        vl = kl < 0 ? -1 : tg__urldecode(eq + 1, len - (size_t)(eq - s) - 1, buf + pos + (size_t)kl);
        if (kl <= 0 || vl < 0) return TG_ERR_ARG;
        f[nf].k = buf + pos; f[nf].kn = (size_t)kl;
        f[nf].v = buf + pos + (size_t)kl; f[nf].vn = (size_t)vl;
        nf++;
        pos += len + 1;
    }
    for (i = 1; i < nf; i++) {   /* sort by key (insertion sort: at most 64 fields) */
        tg__qfield t = f[i];
        for (j = i; j > 0 && tg__qfield_cmp(&f[j - 1], &t) > 0; j--) f[j] = f[j - 1];
        f[j] = t;
    }
    for (i = 0; i < nf; i++) {
        if (i && tg__qfield_cmp(&f[i - 1], &f[i]) == 0) return TG_ERR_ARG;   /* a repeated key is ambiguous */
        if (f[i].kn == 9 && memcmp(f[i].k, "auth_date", 9) == 0) {
            int64_t v = 0;
            for (j = 0; j < f[i].vn; j++) {
                if (f[i].v[j] < '0' || f[i].v[j] > '9' || v > (INT64_MAX - 9) / 10) { v = -1; break; }
                v = v * 10 + (f[i].v[j] - '0');
            }
            *ad = f[i].vn ? v : -1;
        }
    }
    *nfp = nf;
    return TG_OK;
}

static size_t tg__qfield_find(const tg__qfield *f, size_t nf, const char *key) {
    size_t i, kn = strlen(key);
    for (i = 0; i < nf; i++)
        if (f[i].kn == kn && memcmp(f[i].k, key, kn) == 0) return i;
    return (size_t)-1;
}

/* after the signature matched: auth_date within max_age_s before now, at most 60 s ahead (skew) */
static tg_err tg__query_age(int64_t ad, int64_t now, int64_t max_age_s, int64_t *auth_date) {
    if (auth_date && ad >= 0) *auth_date = ad;
    if (max_age_s > 0 && (ad < 0 || now - ad > max_age_s || ad - now > 60)) return TG_ERR_EXPIRED;
    return TG_OK;
}

static tg_err tg__signed_query(const unsigned char *secret, size_t secret_len, const char *q, int64_t now,
                               uint32_t max_age_s, int64_t *auth_date) {
    char buf[TGBOT_WEBAPP_MAX];
    tg__qfield f[64];
    size_t nf = 0, i, hash_at;
    unsigned char mac[32], okey[64];
    char hex[64];
    static const char digits[] = "0123456789abcdef";
    tg_sha256 in;
    int64_t ad = -1;
    int first = 1;
    tg_err e;
    if (auth_date) *auth_date = 0;
    if (!q || !secret) return TG_ERR_ARG;
    if ((e = tg__query_fields(q, buf, f, &nf, &ad)) != TG_OK) return e;
    hash_at = tg__qfield_find(f, nf, "hash");
    if (hash_at == (size_t)-1 || f[hash_at].vn != 64) return TG_ERR_ARG;
    tg__hmac_begin(&in, okey, secret, secret_len);
    for (i = 0; i < nf; i++) {   /* data-check-string: key=value lines, sorted, without hash */
        if (i == hash_at) continue;
        if (!first) tg_sha256_update(&in, "\n", 1);
        first = 0;
        tg_sha256_update(&in, f[i].k, f[i].kn);
        tg_sha256_update(&in, "=", 1);
        tg_sha256_update(&in, f[i].v, f[i].vn);
    }
    tg__hmac_end(&in, okey, mac);
    tg__wipe(okey, sizeof okey);
    for (i = 0; i < 32; i++) { hex[2 * i] = digits[mac[i] >> 4]; hex[2 * i + 1] = digits[mac[i] & 15]; }
    for (i = 0; i < 64; i++) buf[i] = (char)(f[hash_at].v[i] | (f[hash_at].v[i] >= 'A' && f[hash_at].v[i] <= 'F' ? 0x20 : 0));
    if (!tg__ct_equal(hex, buf, 64)) return TG_ERR_SIGNATURE;
    return tg__query_age(ad, now, (int64_t)max_age_s, auth_date);
}

/* base64url (RFC 4648 section 5) of exactly 64 bytes: 86 characters, or 88 with "==" padding */
static int tg__b64url_sig(const char *s, size_t n, unsigned char out[64]) {
    uint32_t acc = 0;
    size_t i, o = 0;
    int bits = 0;
    if (n == 88 && s[86] == '=' && s[87] == '=') n = 86;
    if (n != 86) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 :
                c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
        if (v < 0) return 0;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) { bits -= 8; if (o < 64) out[o++] = (unsigned char)(acc >> bits); acc &= (1u << bits) - 1; }
    }
    return o == 64 && acc == 0;   /* the 4 leftover bits must be zero (one encoding per signature) */
}

TGBOT_API tg_err tg_webapp_validate_signature(const char *init_data, int64_t bot_id, const uint8_t public_key[32],
                                              int64_t now, int64_t max_age_s, int64_t *auth_date) {
    char buf[TGBOT_WEBAPP_MAX], msg[TGBOT_WEBAPP_MAX + 32];
    tg__qfield f[64];
    size_t nf = 0, i, sig_at, hash_at, m;
    unsigned char sig[64];
    int first = 1;
    int64_t ad = -1;
    tg_err e;
    if (auth_date) *auth_date = 0;
    if (!init_data || bot_id <= 0) return TG_ERR_ARG;
    if ((e = tg__query_fields(init_data, buf, f, &nf, &ad)) != TG_OK) return e;
    sig_at = tg__qfield_find(f, nf, "signature");
    hash_at = tg__qfield_find(f, nf, "hash");
    if (sig_at == (size_t)-1 || !tg__b64url_sig(f[sig_at].v, f[sig_at].vn, sig)) return TG_ERR_ARG;
    /* "<bot_id>:WebAppData\n" + the sorted key=value lines without hash and signature; the fields
       take no more room than the query did (each had a '=' and a separator) */
    m = (size_t)snprintf(msg, 32, "%lld:WebAppData\n", (long long)bot_id);
    for (i = 0; i < nf; i++) {
        if (i == sig_at || i == hash_at) continue;
        if (!first) msg[m++] = '\n';
        first = 0;
        memcpy(msg + m, f[i].k, f[i].kn); m += f[i].kn;
        msg[m++] = '=';
        memcpy(msg + m, f[i].v, f[i].vn); m += f[i].vn;
    }
    if (!tg_ed25519_verify(sig, msg, m, public_key ? public_key : (const uint8_t *)TG_WEBAPP_KEY_PRODUCTION)) return TG_ERR_SIGNATURE;
    return tg__query_age(ad, now, max_age_s, auth_date);
}

TGBOT_API tg_err tg_webapp_validate(const char *bot_token, const char *init_data, int64_t now,
                                    uint32_t max_age_s, int64_t *auth_date) {
    unsigned char secret[32];
    tg_err e;
    if (!bot_token || !*bot_token) return TG_ERR_ARG;
    tg_hmac_sha256("WebAppData", 10, bot_token, strlen(bot_token), secret);
    e = tg__signed_query(secret, sizeof secret, init_data, now, max_age_s, auth_date);
    tg__wipe(secret, sizeof secret);
    return e;
}

TGBOT_API tg_err tg_login_widget_validate(const char *bot_token, const char *query, int64_t now,
                                          uint32_t max_age_s, int64_t *auth_date) {
    unsigned char secret[32];
    tg_sha256 s;
    tg_err e;
    if (!bot_token || !*bot_token) return TG_ERR_ARG;
    tg_sha256_init(&s);
    tg_sha256_update(&s, bot_token, strlen(bot_token));
    tg_sha256_final(&s, secret);
    e = tg__signed_query(secret, sizeof secret, query, now, max_age_s, auth_date);
    tg__wipe(secret, sizeof secret);
    return e;
}

TGBOT_API long tg_query_field(const char *query, const char *key, char *out, size_t cap) {
    size_t n, pos = 0, klen;
    if (!query || !key || !out || !cap) return -1;
    n = strlen(query);
    klen = strlen(key);
    while (pos < n) {
        const char *s = query + pos, *amp = (const char *)memchr(s, '&', n - pos), *eq;
        size_t len = amp ? (size_t)(amp - s) : n - pos;
        char kbuf[128];
        long kl;
        eq = (const char *)memchr(s, '=', len);
        if (eq && (size_t)(eq - s) <= sizeof kbuf) {
            kl = tg__urldecode(s, (size_t)(eq - s), kbuf);
            if (kl >= 0 && (size_t)kl == klen && memcmp(kbuf, key, klen) == 0) {
                size_t vlen = len - (size_t)(eq - s) - 1;
                long vl;
                if (vlen >= cap) {   /* decoding only shrinks: check the decoded length first */
                    char tmp[TGBOT_WEBAPP_MAX];
                    if (vlen > sizeof tmp) return -1;
                    vl = tg__urldecode(eq + 1, vlen, tmp);
                    if (vl < 0 || (size_t)vl >= cap) return -1;
                    memcpy(out, tmp, (size_t)vl);
                } else {
                    vl = tg__urldecode(eq + 1, vlen, out);
                    if (vl < 0) return -1;
                }
                out[vl] = '\0';
                return vl;
            }
        }
        pos += len + 1;
    }
    return -1;
}
