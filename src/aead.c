/* aead: ChaCha20 (RFC 8439 2.3-2.4), Poly1305 (2.5, radix 2^26 with 64-bit products: portable),
   the AEAD construction (2.8), and sealed records. The AEAD runs on the TLS backend's code when
   there is one (BearSSL's SSE2 ChaCha20 and 64-bit Poly1305; mbedTLS's chachapoly), else on the
   built-in primitives; the same RFC 8439 vectors test every build. */
#if TGBOT__TLS_MBEDTLS                 /* (BearSSL's header comes with tls_int.h) */
#include <mbedtls/chachapoly.h>
#endif

static uint32_t tg__aead_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void tg__aead_st32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static uint32_t tg__aead_rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32u - n)); }

#define TG__CHACHA_QR(a, b, c, d) \
    a += b; d ^= a; d = tg__aead_rol32(d, 16); c += d; b ^= c; b = tg__aead_rol32(b, 12); \
    a += b; d ^= a; d = tg__aead_rol32(d, 8);  c += d; b ^= c; b = tg__aead_rol32(b, 7)

static void tg__chacha_block(const uint32_t in[16], unsigned char out[64]) {
    uint32_t x[16];
    int i;
    memcpy(x, in, sizeof x);
    for (i = 0; i < 10; i++) {   /* 20 rounds: column round, then diagonal round */
        TG__CHACHA_QR(x[0], x[4], x[8], x[12]); TG__CHACHA_QR(x[1], x[5], x[9], x[13]);
        TG__CHACHA_QR(x[2], x[6], x[10], x[14]); TG__CHACHA_QR(x[3], x[7], x[11], x[15]);
        TG__CHACHA_QR(x[0], x[5], x[10], x[15]); TG__CHACHA_QR(x[1], x[6], x[11], x[12]);
        TG__CHACHA_QR(x[2], x[7], x[8], x[13]); TG__CHACHA_QR(x[3], x[4], x[9], x[14]);
    }
    for (i = 0; i < 16; i++) tg__aead_st32(out + 4 * i, x[i] + in[i]);
    tg__wipe(x, sizeof x);
}

static void tg__chacha_init(uint32_t st[16], const uint8_t key[32], const uint8_t nonce[12], uint32_t counter) {
    int i;
    st[0] = 0x61707865; st[1] = 0x3320646e; st[2] = 0x79622d32; st[3] = 0x6b206574;   /* "expand 32-byte k" */
    for (i = 0; i < 8; i++) st[4 + i] = tg__aead_le32(key + 4 * i);
    st[12] = counter;
    for (i = 0; i < 3; i++) st[13 + i] = tg__aead_le32(nonce + 4 * i);
}

TGBOT_API void tg_chacha20(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                           const void *in, size_t n, void *out) {
    const unsigned char *ip = (const unsigned char *)in;
    unsigned char *op = (unsigned char *)out, ks[64];
    uint32_t st[16];
    size_t i;
    tg__chacha_init(st, key, nonce, counter);
    while (n) {
        size_t k = TGBOT__MIN(n, 64);
        tg__chacha_block(st, ks);
        for (i = 0; i < k; i++) op[i] = (unsigned char)(ip[i] ^ ks[i]);
        st[12]++;
        ip += k; op += k; n -= k;
    }
    tg__wipe(st, sizeof st);
    tg__wipe(ks, sizeof ks);
}

/* Poly1305: h = (h + block) * r mod 2^130 - 5, five 26-bit limbs */
typedef struct tg__poly { uint32_t r[5], h[5], s[4]; unsigned char buf[16]; size_t fill; } tg__poly;

static void tg__poly_init(tg__poly *p, const uint8_t key[32]) {
    unsigned char k[16];
    uint32_t t0, t1, t2, t3;
    memcpy(k, key, 16);
    k[3] &= 15; k[7] &= 15; k[11] &= 15; k[15] &= 15; k[4] &= 252; k[8] &= 252; k[12] &= 252;   /* clamp r */
    t0 = tg__aead_le32(k); t1 = tg__aead_le32(k + 4); t2 = tg__aead_le32(k + 8); t3 = tg__aead_le32(k + 12);
    p->r[0] = t0 & 0x3ffffff;
    p->r[1] = (t0 >> 26 | t1 << 6) & 0x3ffffff;
    p->r[2] = (t1 >> 20 | t2 << 12) & 0x3ffffff;
    p->r[3] = (t2 >> 14 | t3 << 18) & 0x3ffffff;
    p->r[4] = t3 >> 8;
    memset(p->h, 0, sizeof p->h);
    p->s[0] = tg__aead_le32(key + 16); p->s[1] = tg__aead_le32(key + 20); p->s[2] = tg__aead_le32(key + 24); p->s[3] = tg__aead_le32(key + 28);
    p->fill = 0;
    tg__wipe(k, sizeof k);
}

static void tg__poly_block(tg__poly *p, const unsigned char m[16], uint32_t hibit) {
    uint32_t r0 = p->r[0], r1 = p->r[1], r2 = p->r[2], r3 = p->r[3], r4 = p->r[4];
    uint32_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;   /* 2^130 = 5 */
    uint32_t t0 = tg__aead_le32(m), t1 = tg__aead_le32(m + 4), t2 = tg__aead_le32(m + 8), t3 = tg__aead_le32(m + 12);
    uint64_t h0 = p->h[0] + (t0 & 0x3ffffff), h1 = p->h[1] + ((t0 >> 26 | t1 << 6) & 0x3ffffff),
             h2 = p->h[2] + ((t1 >> 20 | t2 << 12) & 0x3ffffff), h3 = p->h[3] + ((t2 >> 14 | t3 << 18) & 0x3ffffff),
             h4 = p->h[4] + (t3 >> 8 | hibit);
    uint64_t d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    uint64_t d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    uint64_t d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    uint64_t d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    uint64_t d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    uint32_t c;
    d1 += d0 >> 26; d2 += d1 >> 26; d3 += d2 >> 26; d4 += d3 >> 26;
    p->h[0] = (uint32_t)d0 & 0x3ffffff; p->h[1] = (uint32_t)d1 & 0x3ffffff; p->h[2] = (uint32_t)d2 & 0x3ffffff;
    p->h[3] = (uint32_t)d3 & 0x3ffffff; p->h[4] = (uint32_t)d4 & 0x3ffffff;
    c = (uint32_t)(d4 >> 26);
    p->h[0] += c * 5;
    p->h[1] += p->h[0] >> 26; p->h[0] &= 0x3ffffff;
}

static void tg__poly_update(tg__poly *p, const void *data, size_t n) {
    const unsigned char *m = (const unsigned char *)data;
    while (n) {
        size_t k;
        if (!p->fill && n >= 16) { tg__poly_block(p, m, 1u << 24); m += 16; n -= 16; continue; }
        k = TGBOT__MIN(n, 16 - p->fill);
        memcpy(p->buf + p->fill, m, k);
        p->fill += k; m += k; n -= k;
        if (p->fill == 16) { tg__poly_block(p, p->buf, 1u << 24); p->fill = 0; }
    }
}

#if TGBOT__TLS_NONE
static void tg__poly_pad16(tg__poly *p) {   /* the AEAD's zero padding to a block boundary */
    static const unsigned char zero[16] = { 0 };
    if (p->fill) tg__poly_update(p, zero, 16 - p->fill);
}
#endif

static void tg__poly_final(tg__poly *p, uint8_t tag[16]) {
    uint32_t h0, h1, h2, h3, h4, g0, g1, g2, g3, g4, c, mask;
    uint64_t f;
    if (p->fill) {   /* a short last block: a 1 byte after the message, no 2^128 bit */
        p->buf[p->fill] = 1;
        memset(p->buf + p->fill + 1, 0, 15 - p->fill);
        tg__poly_block(p, p->buf, 0);
    }
    h0 = p->h[0]; h1 = p->h[1]; h2 = p->h[2]; h3 = p->h[3]; h4 = p->h[4];
    c = h1 >> 26; h1 &= 0x3ffffff; h2 += c;
    c = h2 >> 26; h2 &= 0x3ffffff; h3 += c;
    c = h3 >> 26; h3 &= 0x3ffffff; h4 += c;
    c = h4 >> 26; h4 &= 0x3ffffff; h0 += c * 5;
    c = h0 >> 26; h0 &= 0x3ffffff; h1 += c;
    /* g = h + 5 - 2^130; take g when it did not go negative (h >= p), in constant time */
    g0 = h0 + 5; c = g0 >> 26; g0 &= 0x3ffffff;
    g1 = h1 + c; c = g1 >> 26; g1 &= 0x3ffffff;
    g2 = h2 + c; c = g2 >> 26; g2 &= 0x3ffffff;
    g3 = h3 + c; c = g3 >> 26; g3 &= 0x3ffffff;
    g4 = h4 + c - (1u << 26);
    mask = (g4 >> 31) - 1u;   /* all ones when g4 >= 0 */
    h0 = (h0 & ~mask) | (g0 & mask); h1 = (h1 & ~mask) | (g1 & mask); h2 = (h2 & ~mask) | (g2 & mask);
    h3 = (h3 & ~mask) | (g3 & mask); h4 = (h4 & ~mask) | (g4 & mask);
    /* h mod 2^128, plus s */
    f = (uint64_t)(h0 | h1 << 26) + p->s[0];              tg__aead_st32(tag, (uint32_t)f);
    f = (uint64_t)(h1 >> 6 | h2 << 20) + p->s[1] + (f >> 32);  tg__aead_st32(tag + 4, (uint32_t)f);
    f = (uint64_t)(h2 >> 12 | h3 << 14) + p->s[2] + (f >> 32); tg__aead_st32(tag + 8, (uint32_t)f);
    f = (uint64_t)(h3 >> 18 | h4 << 8) + p->s[3] + (f >> 32);  tg__aead_st32(tag + 12, (uint32_t)f);
    tg__wipe(p, sizeof *p);
}

TGBOT_API void tg_poly1305(const uint8_t key[32], const void *msg, size_t n, uint8_t tag[16]) {
    tg__poly p;
    tg__poly_init(&p, key);
    tg__poly_update(&p, msg, n);
    tg__poly_final(&p, tag);
}

#if TGBOT__TLS_NONE   /* the built-in construction; a TLS backend brings its own */
static void tg__aead_tag(const uint8_t key[32], const uint8_t nonce[12], const void *aad, size_t aad_len,
                         const void *ct, size_t n, uint8_t tag[16]) {
    unsigned char otk[64], lens[16];
    static const unsigned char zero[64] = { 0 };
    tg__poly p;
    int i;
    tg_chacha20(key, nonce, 0, zero, 64, otk);   /* the one-time key: block 0, first 32 bytes */
    tg__poly_init(&p, otk);
    if (aad_len) tg__poly_update(&p, aad, aad_len);
    tg__poly_pad16(&p);
    if (n) tg__poly_update(&p, ct, n);
    tg__poly_pad16(&p);
    for (i = 0; i < 8; i++) {
        lens[i] = (unsigned char)((uint64_t)aad_len >> (8 * i));
        lens[8 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    }
    tg__poly_update(&p, lens, 16);
    tg__poly_final(&p, tag);
    tg__wipe(otk, sizeof otk);
}
#endif

#if TGBOT__TLS_BEARSSL
/* BearSSL's AEAD works in place: out holds the input first; the tag covers the ciphertext */
static void tg__aead_bearssl(const uint8_t key[32], const uint8_t nonce[12], const void *aad, size_t aad_len,
                             const void *in, size_t n, void *out, uint8_t tag[16], int encrypt) {
    br_chacha20_run ch = br_chacha20_sse2_get();
    br_poly1305_run po = br_poly1305_ctmulq_get();
    if (n && in != out) memmove(out, in, n);
    (po ? po : br_poly1305_ctmul_run)(key, nonce, out, n, aad, aad_len, tag, ch ? ch : br_chacha20_ct_run, encrypt);
}
#endif

TGBOT_API void tg_chacha20_poly1305_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad, size_t aad_len,
                                         const void *pt, size_t n, void *ct, uint8_t tag[16]) {
#if TGBOT__TLS_BEARSSL
    tg__aead_bearssl(key, nonce, aad, aad_len, pt, n, ct, tag, 1);
#elif TGBOT__TLS_MBEDTLS
    mbedtls_chachapoly_context c;
    mbedtls_chachapoly_init(&c);
    (void)mbedtls_chachapoly_setkey(&c, key);     /* fails only for a NULL key */
    (void)mbedtls_chachapoly_encrypt_and_tag(&c, n, nonce, (const unsigned char *)aad, aad_len,
                                             (const unsigned char *)pt, (unsigned char *)ct, tag);
    mbedtls_chachapoly_free(&c);
#else
    if (n) tg_chacha20(key, nonce, 1, pt, n, ct);
    tg__aead_tag(key, nonce, aad, aad_len, ct, n, tag);
#endif
}

TGBOT_API bool tg_chacha20_poly1305_open(const uint8_t key[32], const uint8_t nonce[12], const void *aad, size_t aad_len,
                                         const void *ct, size_t n, const uint8_t tag[16], void *pt) {
    int ok;
#if TGBOT__TLS_BEARSSL
    uint8_t want[16];
    tg__aead_bearssl(key, nonce, aad, aad_len, ct, n, pt, want, 0);
    ok = tg__ct_equal(want, tag, 16);
    if (!ok && n) tg__wipe(pt, n);
#elif TGBOT__TLS_MBEDTLS
    mbedtls_chachapoly_context c;
    mbedtls_chachapoly_init(&c);
    (void)mbedtls_chachapoly_setkey(&c, key);
    ok = mbedtls_chachapoly_auth_decrypt(&c, n, nonce, (const unsigned char *)aad, aad_len, tag,
                                         (const unsigned char *)ct, (unsigned char *)pt) == 0;
    mbedtls_chachapoly_free(&c);
    if (!ok && n) tg__wipe(pt, n);
#else
    uint8_t want[16];
    tg__aead_tag(key, nonce, aad, aad_len, ct, n, want);
    ok = tg__ct_equal(want, tag, 16);
    if (n) {
        if (ok) tg_chacha20(key, nonce, 1, ct, n, pt);
        else memset(pt, 0, n);
    }
#endif
    return ok != 0;
}

/* ---- records ---- */
static void tg__seal_key(const tg_key *k, unsigned char out[32]) {
    tg_hmac_sha256(k->key, 32, "tgbot seal v1", 13, out);
}

TGBOT_API tg_err tg_seal(const tg_keyring *kr, const void *aad, size_t aad_len, const void *pt, size_t n,
                         void *out, size_t cap, size_t *out_len) {
    const tg_key *k = tg_keyring_newest(kr);
    unsigned char *o = (unsigned char *)out, sk[32];
    if (out_len) *out_len = 0;
    if (!k || !out || (n && !pt) || (aad_len && !aad)) return TG_ERR_ARG;
    if (n > (size_t)-1 - TG_SEAL_OVERHEAD || cap < n + TG_SEAL_OVERHEAD) return TG_ERR_LIMIT;
    o[0] = k->id;
    if (tg__random_bytes(NULL, o + 1, 12) != 0) return TG_ERR_IO;
    tg__seal_key(k, sk);
    tg_chacha20_poly1305_seal(sk, o + 1, aad, aad_len, pt, n, o + 13, o + 13 + n);
    tg__wipe(sk, sizeof sk);
    if (out_len) *out_len = n + TG_SEAL_OVERHEAD;
    return TG_OK;
}

TGBOT_API tg_err tg_unseal(const tg_keyring *kr, const void *aad, size_t aad_len, const void *rec, size_t n,
                           void *out, size_t cap, size_t *out_len) {
    const unsigned char *r = (const unsigned char *)rec;
    const tg_key *k;
    unsigned char sk[32];
    size_t m;
    bool ok;
    if (out_len) *out_len = 0;
    if (!kr || !rec || (aad_len && !aad)) return TG_ERR_ARG;
    if (n < TG_SEAL_OVERHEAD) return TG_ERR_ARG;
    m = n - TG_SEAL_OVERHEAD;
    if (m && !out) return TG_ERR_ARG;
    if (cap < m) return TG_ERR_LIMIT;
    if (!(k = tg_keyring_find(kr, r[0]))) return TG_ERR_NOT_FOUND;
    tg__seal_key(k, sk);
    ok = tg_chacha20_poly1305_open(sk, r + 1, aad, aad_len, r + 13, m, r + 13 + m, out);
    tg__wipe(sk, sizeof sk);
    if (!ok) return TG_ERR_SIGNATURE;
    if (out_len) *out_len = m;
    return TG_OK;
}

static void tg__aead_pos(uint64_t pos, unsigned char aad[8]) {
    int i;
    for (i = 0; i < 8; i++) aad[i] = (unsigned char)(pos >> (8 * i));
}

TGBOT_API tg_err tg_seal_record(void *keyring, uint64_t position, const void *in, size_t n,
                                void *out, size_t cap, size_t *out_len, tg_error *err) {
    unsigned char aad[8];
    tg_err e;
    tg__aead_pos(position, aad);
    e = tg_seal((const tg_keyring *)keyring, aad, 8, in, n, out, cap, out_len);
    if (e != TG_OK)
        tg__error_set(err, e, TG_PHASE_NONE, "record at position %llu: cannot seal (%s)", (unsigned long long)position, tg_err_str(e));
    return e;
}

TGBOT_API tg_err tg_unseal_record(void *keyring, uint64_t position, const void *in, size_t n,
                                  void *out, size_t cap, size_t *out_len, tg_error *err) {
    unsigned char aad[8];
    tg_err e;
    tg__aead_pos(position, aad);
    e = tg_unseal((const tg_keyring *)keyring, aad, 8, in, n, out, cap, out_len);
    if (e == TG_ERR_SIGNATURE)
        tg__error_set(err, e, TG_PHASE_NONE, "record at position %llu: authentication failed (changed, moved, or sealed with another key)",
                      (unsigned long long)position);
    else if (e == TG_ERR_NOT_FOUND && n)
        tg__error_set(err, e, TG_PHASE_NONE, "record at position %llu: sealed with key id %u, which the key ring does not hold",
                      (unsigned long long)position, (unsigned)((const unsigned char *)in)[0]);
    else if (e != TG_OK)
        tg__error_set(err, e, TG_PHASE_NONE, "record at position %llu: %s", (unsigned long long)position,
                      e == TG_ERR_ARG && n < TG_SEAL_OVERHEAD ? "shorter than a sealed record (truncated)" : tg_err_str(e));
    return e;
}
