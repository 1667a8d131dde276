/* sign: tokens and request signatures. Each use has its own key, derived from the ring's key as
   HMAC(key, label), so a token tag can never stand in for a request tag or an AEAD key. */

static void tg__sign_subkey(const uint8_t key[32], const char *label, unsigned char out[32]) {
    tg_hmac_sha256(key, 32, label, strlen(label), out);
}

static size_t tg__sign_b64enc(const unsigned char *p, size_t n, char *out) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (i = 0; i < n; i++) {
        acc = acc << 8 | p[i];
        bits += 8;
        while (bits >= 6) { bits -= 6; out[o++] = abc[(acc >> bits) & 63]; }
        acc &= (1u << bits) - 1;
    }
    if (bits) out[o++] = abc[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return o;
}

/* strict: no padding, unused low bits zero (one spelling per value); returns length or -1 */
static long tg__sign_b64dec(const char *s, size_t n, unsigned char *out, size_t cap) {
    size_t i, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    if (n % 4 == 1) return -1;
    for (i = 0; i < n; i++) {
        int v = tg__secret_b64val(s[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap) return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return acc ? -1 : (long)o;
}

static void tg__sign_put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}
static uint32_t tg__sign_get32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* token: kid(1) iat(4) exp(4) payload tag(12), tag = HMAC(subkey, those bytes)[0..12) */
#define TG__TOK_HEAD 9
#define TG__TOK_TAG 12

static void tg__token_tag(const tg_key *k, const unsigned char *bin, size_t n, unsigned char tag[32]) {
    unsigned char sk[32];
    tg__sign_subkey(k->key, "tgbot token v1", sk);
    tg_hmac_sha256(sk, 32, bin, n, tag);
    tg__wipe(sk, sizeof sk);
}

TGBOT_API tg_err tg_sign(const tg_keyring *kr, const void *payload, size_t n, int64_t now, uint32_t ttl_s,
                         char *out, size_t cap) {
    unsigned char bin[TG__TOK_HEAD + TG_SIGN_PAYLOAD_MAX + TG__TOK_TAG], tag[32];
    const tg_key *k = tg_keyring_newest(kr);
    uint64_t exp;
    if (out && cap) out[0] = '\0';
    if (!k || !out || (n && !payload) || now < 0 || now > (int64_t)UINT32_MAX) return TG_ERR_ARG;
    if (n > TG_SIGN_PAYLOAD_MAX) return TG_ERR_LIMIT;
    if (cap < ((TG__TOK_HEAD + n + TG__TOK_TAG) * 4 + 2) / 3 + 1) return TG_ERR_LIMIT;
    exp = ttl_s ? (uint64_t)now + ttl_s : 0;
    if (exp > UINT32_MAX) exp = UINT32_MAX;
    bin[0] = k->id;
    tg__sign_put32(bin + 1, (uint32_t)now);
    tg__sign_put32(bin + 5, (uint32_t)exp);
    if (n) memcpy(bin + TG__TOK_HEAD, payload, n);
    tg__token_tag(k, bin, TG__TOK_HEAD + n, tag);
    memcpy(bin + TG__TOK_HEAD + n, tag, TG__TOK_TAG);
    tg__sign_b64enc(bin, TG__TOK_HEAD + n + TG__TOK_TAG, out);
    return TG_OK;
}

TGBOT_API tg_err tg_verify(const tg_keyring *kr, const char *token, int64_t now, void *out, size_t cap, size_t *n) {
    unsigned char bin[TG__TOK_HEAD + TG_SIGN_PAYLOAD_MAX + TG__TOK_TAG], tag[32];
    const tg_key *k;
    size_t len, plen;
    long bl;
    uint32_t iat, exp;
    if (n) *n = 0;
    if (!kr || !token) return TG_ERR_ARG;
    len = strlen(token);
    if (len > TG_SIGN_TOKEN_MAX) return TG_ERR_SIGNATURE;
    bl = tg__sign_b64dec(token, len, bin, sizeof bin);
    if (bl < TG__TOK_HEAD + TG__TOK_TAG) return TG_ERR_SIGNATURE;
    plen = (size_t)bl - TG__TOK_HEAD - TG__TOK_TAG;
    if (!(k = tg_keyring_find(kr, bin[0]))) return TG_ERR_SIGNATURE;   /* unknown key id: as a forgery */
    tg__token_tag(k, bin, TG__TOK_HEAD + plen, tag);
    if (!tg__ct_equal(tag, bin + TG__TOK_HEAD + plen, TG__TOK_TAG)) return TG_ERR_SIGNATURE;
    iat = tg__sign_get32(bin + 1);
    exp = tg__sign_get32(bin + 5);
    if ((exp && now >= (int64_t)exp) || (int64_t)iat > now + 60) return TG_ERR_EXPIRED;
    if (plen > cap || (plen && !out)) return TG_ERR_LIMIT;
    if (plen) memcpy(out, bin + TG__TOK_HEAD, plen);
    if (n) *n = plen;
    return TG_OK;
}

/* ---- request signatures: "v1.<kid>.<ts>.<nonce>.<tag>", nonce 12 random bytes, tag 32 bytes ---- */
TGBOT_API void tg_replay_init(tg_replay_cache *c, tg_replay_slot *slots, size_t n) {
    if (!c) return;
    memset(c, 0, sizeof *c);
    c->slots = slots;
    c->cap = slots ? n : 0;
    c->floor = INT64_MIN;
}

static tg_err tg__request_tag(const tg_key *k, const char *method, const char *path, const void *body, size_t len,
                              int64_t ts, const unsigned char nonce[12], unsigned char tag[32]) {
    unsigned char sk[32], bh[32];
    char head[48];
    tg_sha256 s;
    size_t hl;
    if (!method || !path || (len && !body) || strchr(method, '\n') || strchr(path, '\n')) return TG_ERR_ARG;
    tg_sha256_init(&s);
    if (len) tg_sha256_update(&s, body, len);
    tg_sha256_final(&s, bh);
    /* the signed text: header line, nonce, method, path, body hash; one field per line */
    hl = (size_t)snprintf(head, sizeof head, "tgbot request v1\n%u\n%lld\n", (unsigned)k->id, (long long)ts);
    tg__sign_subkey(k->key, "tgbot request v1", sk);
    {
        tg_sha256 in;
        unsigned char okey[64];
        tg__hmac_begin(&in, okey, sk, 32);
        tg_sha256_update(&in, head, hl);
        tg_sha256_update(&in, nonce, 12);
        tg_sha256_update(&in, "\n", 1);
        tg_sha256_update(&in, method, strlen(method));
        tg_sha256_update(&in, "\n", 1);
        tg_sha256_update(&in, path, strlen(path));
        tg_sha256_update(&in, "\n", 1);
        tg_sha256_update(&in, bh, 32);
        tg__hmac_end(&in, okey, tag);
        tg__wipe(okey, sizeof okey);
    }
    tg__wipe(sk, sizeof sk);
    return TG_OK;
}

TGBOT_API tg_err tg_sign_request(const tg_keyring *kr, const char *method, const char *path, const void *body,
                                 size_t len, int64_t now, char *out, size_t cap) {
    const tg_key *k = tg_keyring_newest(kr);
    unsigned char nonce[12], tag[32];
    char n64[17], t64[44];
    tg_err e;
    int w;
    if (out && cap) out[0] = '\0';
    if (!k || !out) return TG_ERR_ARG;
    if (tg__random_bytes(NULL, nonce, sizeof nonce) != 0) return TG_ERR_IO;
    if ((e = tg__request_tag(k, method, path, body, len, now, nonce, tag)) != TG_OK) return e;
    tg__sign_b64enc(nonce, 12, n64);
    tg__sign_b64enc(tag, 32, t64);
    w = snprintf(out, cap, "v1.%u.%lld.%s.%s", (unsigned)k->id, (long long)now, n64, t64);
    if (w < 0 || (size_t)w >= cap) { out[0] = '\0'; return TG_ERR_LIMIT; }
    return TG_OK;
}

TGBOT_API tg_err tg_verify_request(const tg_keyring *kr, tg_replay_cache *rc, const char *sig, const char *method,
                                   const char *path, const void *body, size_t len, int64_t now, uint32_t window_s) {
    const char *p = sig, *dot;
    unsigned char nonce[12], tag[32], want[32];
    const tg_key *k;
    unsigned long kid = 0;
    int64_t ts = 0;
    uint64_t t8 = 0;
    size_t i;
    tg_err e;
    if (!kr || !rc || !sig) return TG_ERR_ARG;
    if (strlen(sig) > TG_REQSIG_MAX || strncmp(p, "v1.", 3) != 0) return TG_ERR_SIGNATURE;
    p += 3;
    for (i = 0; *p >= '0' && *p <= '9' && i < 3; i++, p++) kid = kid * 10 + (unsigned long)(*p - '0');
    if (!i || *p++ != '.' || kid > 255) return TG_ERR_SIGNATURE;
    for (i = 0; *p >= '0' && *p <= '9' && i < 18; i++, p++) ts = ts * 10 + (*p - '0');
    if (!i || *p++ != '.') return TG_ERR_SIGNATURE;
    if (!(dot = strchr(p, '.')) || tg__sign_b64dec(p, (size_t)(dot - p), nonce, sizeof nonce) != 12) return TG_ERR_SIGNATURE;
    p = dot + 1;
    if (tg__sign_b64dec(p, strlen(p), tag, sizeof tag) != 32) return TG_ERR_SIGNATURE;
    if (!(k = tg_keyring_find(kr, (uint8_t)kid))) return TG_ERR_SIGNATURE;
    if ((e = tg__request_tag(k, method, path, body, len, ts, nonce, want)) != TG_OK) return e;
    if (!tg__ct_equal(tag, want, 32)) return TG_ERR_SIGNATURE;
    if (ts < now - (int64_t)window_s || ts > now + (int64_t)window_s) return TG_ERR_EXPIRED;
    /* replay: the tag is unique per (nonce, request); remember the first 8 bytes */
    for (i = 0; i < 8; i++) t8 = t8 << 8 | tag[i];
    if (ts <= rc->floor) return TG_ERR_REPLAY;
    for (i = 0; i < rc->used; i++)
        if (rc->slots[i].tag == t8 && rc->slots[i].ts == ts) return TG_ERR_REPLAY;
    if (!rc->cap) return TG_ERR_REPLAY;   /* no storage: nothing can be proven fresh */
    if (rc->used < rc->cap) {
        rc->slots[rc->used].tag = t8; rc->slots[rc->used].ts = ts;
        rc->used++;
    } else {   /* forget the oldest entry; anything as old as it is refused from now on */
        tg_replay_slot *s = &rc->slots[rc->next];
        if (s->ts > rc->floor) rc->floor = s->ts;
        s->tag = t8; s->ts = ts;
        rc->next = (rc->next + 1) % rc->cap;
    }
    return TG_OK;
}
