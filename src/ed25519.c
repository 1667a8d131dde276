/* ed25519: SHA-512 (FIPS 180-4 section 6.4) and Ed25519 verification (RFC 8032 section 5.1).
   Constants are derived from their definitions (tools: any bignum; see the comments). */

/* first 64 bits of the fractional parts of the cube roots of the first 80 primes */
static const uint64_t tg__sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL };

static uint64_t tg__ed_ror64(uint64_t x, unsigned n) { return (x >> n) | (x << (64u - n)); }

static void tg__sha512_block(uint64_t h[8], const unsigned char *p) {
    uint64_t w[80], v[8];
    unsigned i, j;
    for (i = 0; i < 16; i++)
        for (w[i] = 0, j = 0; j < 8; j++) w[i] = w[i] << 8 | p[8 * i + j];
    for (i = 16; i < 80; i++) {
        uint64_t s0 = tg__ed_ror64(w[i - 15], 1) ^ tg__ed_ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        uint64_t s1 = tg__ed_ror64(w[i - 2], 19) ^ tg__ed_ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (i = 0; i < 80; i++) {   /* v = a b c d e f g h */
        uint64_t t1 = v[7] + (tg__ed_ror64(v[4], 14) ^ tg__ed_ror64(v[4], 18) ^ tg__ed_ror64(v[4], 41)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + tg__sha512_k[i] + w[i];
        uint64_t t2 = (tg__ed_ror64(v[0], 28) ^ tg__ed_ror64(v[0], 34) ^ tg__ed_ror64(v[0], 39)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++) h[i] += v[i];
}

TGBOT_API void tg_sha512_init(tg_sha512 *s) {
    /* first 64 bits of the fractional parts of the square roots of the first 8 primes */
    static const uint64_t iv[8] = { 0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                    0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL };
    memcpy(s->h, iv, sizeof iv);
    s->bytes = 0;
    s->fill = 0;
}

TGBOT_API void tg_sha512_update(tg_sha512 *s, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    s->bytes += n;
    while (n) {
        size_t k;
        if (s->fill == 0) {   /* whole blocks straight from the input */
            while (n >= 128) { tg__sha512_block(s->h, p); p += 128; n -= 128; }
            if (!n) break;
        }
        k = TGBOT__MIN(n, 128 - s->fill);
        memcpy(s->block + s->fill, p, k);
        s->fill += k; p += k; n -= k;
        if (s->fill == 128) { tg__sha512_block(s->h, s->block); s->fill = 0; }
    }
}

TGBOT_API void tg_sha512_final(tg_sha512 *s, unsigned char out[64]) {
    uint64_t hi = s->bytes >> 61, lo = s->bytes << 3;   /* the 128-bit length in bits */
    unsigned i;
    s->block[s->fill++] = 0x80;
    if (s->fill > 112) {
        memset(s->block + s->fill, 0, 128 - s->fill);
        tg__sha512_block(s->h, s->block);
        s->fill = 0;
    }
    memset(s->block + s->fill, 0, 112 - s->fill);
    for (i = 0; i < 8; i++) {
        s->block[112 + i] = (unsigned char)(hi >> (56 - 8 * i));
        s->block[120 + i] = (unsigned char)(lo >> (56 - 8 * i));
    }
    tg__sha512_block(s->h, s->block);
    for (i = 0; i < 64; i++) out[i] = (unsigned char)(s->h[i / 8] >> (56 - 8 * (i % 8)));
    tg__wipe(s, sizeof *s);
}

/* ---- field arithmetic mod p = 2^255 - 19 ----
   Outputs of every operation are weakly reduced (limbs a little above their nominal width at
   most); tobytes gives the canonical encoding. Results may alias inputs. */
#if !defined(TGBOT_ED25519_PORTABLE) && defined(__SIZEOF_INT128__)
#define TGBOT__FE51 1
__extension__ typedef unsigned __int128 tg__ed_u128;
typedef struct tg__fe { uint64_t v[5]; } tg__fe;   /* v0 + v1 2^51 + ... + v4 2^204 */
#define TG__M51 ((uint64_t)0x7ffffffffffff)

static void tg__fe_carry(tg__fe *h) {
    uint64_t c;
    c = h->v[0] >> 51; h->v[0] &= TG__M51; h->v[1] += c;
    c = h->v[1] >> 51; h->v[1] &= TG__M51; h->v[2] += c;
    c = h->v[2] >> 51; h->v[2] &= TG__M51; h->v[3] += c;
    c = h->v[3] >> 51; h->v[3] &= TG__M51; h->v[4] += c;
    c = h->v[4] >> 51; h->v[4] &= TG__M51; h->v[0] += 19 * c;
}
static void tg__fe_add(tg__fe *r, const tg__fe *a, const tg__fe *b) {
    int i;
    for (i = 0; i < 5; i++) r->v[i] = a->v[i] + b->v[i];
    tg__fe_carry(r);
}
static void tg__fe_sub(tg__fe *r, const tg__fe *a, const tg__fe *b) {   /* a + 2p - b: no underflow */
    r->v[0] = a->v[0] + 0xfffffffffffdaULL - b->v[0];
    r->v[1] = a->v[1] + 0xffffffffffffeULL - b->v[1];
    r->v[2] = a->v[2] + 0xffffffffffffeULL - b->v[2];
    r->v[3] = a->v[3] + 0xffffffffffffeULL - b->v[3];
    r->v[4] = a->v[4] + 0xffffffffffffeULL - b->v[4];
    tg__fe_carry(r);
}
static void tg__fe_reduce128(tg__fe *r, tg__ed_u128 t0, tg__ed_u128 t1, tg__ed_u128 t2, tg__ed_u128 t3, tg__ed_u128 t4) {
    uint64_t c;
    t1 += t0 >> 51; t2 += t1 >> 51; t3 += t2 >> 51; t4 += t3 >> 51;
    r->v[0] = (uint64_t)t0 & TG__M51; r->v[1] = (uint64_t)t1 & TG__M51; r->v[2] = (uint64_t)t2 & TG__M51;
    r->v[3] = (uint64_t)t3 & TG__M51; r->v[4] = (uint64_t)t4 & TG__M51;
    c = (uint64_t)(t4 >> 51);
    r->v[0] += 19 * c;
    r->v[1] += r->v[0] >> 51; r->v[0] &= TG__M51;
}
#define TG__FE_MUL(x, y) ((tg__ed_u128)(x) * (y))
static void tg__fe_mul(tg__fe *r, const tg__fe *f, const tg__fe *g) {
    uint64_t a0 = f->v[0], a1 = f->v[1], a2 = f->v[2], a3 = f->v[3], a4 = f->v[4];
    uint64_t b0 = g->v[0], b1 = g->v[1], b2 = g->v[2], b3 = g->v[3], b4 = g->v[4];
    uint64_t c1 = 19 * b1, c2 = 19 * b2, c3 = 19 * b3, c4 = 19 * b4;   /* 2^255 = 19 */
    tg__fe_reduce128(r,
        TG__FE_MUL(a0, b0) + TG__FE_MUL(a1, c4) + TG__FE_MUL(a2, c3) + TG__FE_MUL(a3, c2) + TG__FE_MUL(a4, c1),
        TG__FE_MUL(a0, b1) + TG__FE_MUL(a1, b0) + TG__FE_MUL(a2, c4) + TG__FE_MUL(a3, c3) + TG__FE_MUL(a4, c2),
        TG__FE_MUL(a0, b2) + TG__FE_MUL(a1, b1) + TG__FE_MUL(a2, b0) + TG__FE_MUL(a3, c4) + TG__FE_MUL(a4, c3),
        TG__FE_MUL(a0, b3) + TG__FE_MUL(a1, b2) + TG__FE_MUL(a2, b1) + TG__FE_MUL(a3, b0) + TG__FE_MUL(a4, c4),
        TG__FE_MUL(a0, b4) + TG__FE_MUL(a1, b3) + TG__FE_MUL(a2, b2) + TG__FE_MUL(a3, b1) + TG__FE_MUL(a4, b0));
}
static void tg__fe_sq(tg__fe *r, const tg__fe *f) {
    uint64_t a0 = f->v[0], a1 = f->v[1], a2 = f->v[2], a3 = f->v[3], a4 = f->v[4];
    uint64_t d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3, e3 = 19 * a3, e4 = 19 * a4;
    tg__fe_reduce128(r,
        TG__FE_MUL(a0, a0) + TG__FE_MUL(d1, e4) + TG__FE_MUL(d2, e3),
        TG__FE_MUL(d0, a1) + TG__FE_MUL(d2, e4) + TG__FE_MUL(a3, e3),
        TG__FE_MUL(d0, a2) + TG__FE_MUL(a1, a1) + TG__FE_MUL(d3, e4),
        TG__FE_MUL(d0, a3) + TG__FE_MUL(d1, a2) + TG__FE_MUL(a4, e4),
        TG__FE_MUL(d0, a4) + TG__FE_MUL(d1, a3) + TG__FE_MUL(a2, a2));
}
static void tg__fe_frombytes(tg__fe *r, const unsigned char s[32]) {   /* ignores bit 255 */
    uint64_t w[4];
    int i, j;
    for (i = 0; i < 4; i++)
        for (w[i] = 0, j = 7; j >= 0; j--) w[i] = w[i] << 8 | s[8 * i + j];
    r->v[0] = w[0] & TG__M51;
    r->v[1] = (w[0] >> 51 | w[1] << 13) & TG__M51;
    r->v[2] = (w[1] >> 38 | w[2] << 26) & TG__M51;
    r->v[3] = (w[2] >> 25 | w[3] << 39) & TG__M51;
    r->v[4] = (w[3] >> 12) & TG__M51;
}
static void tg__fe_tobytes(unsigned char s[32], const tg__fe *a) {
    tg__fe h = *a;
    uint64_t q, w[4];
    int i, j;
    tg__fe_carry(&h);
    tg__fe_carry(&h);
    /* q = 1 exactly when h >= p, i.e. when h + 19 reaches 2^255 */
    q = (h.v[0] + 19) >> 51; q = (h.v[1] + q) >> 51; q = (h.v[2] + q) >> 51;
    q = (h.v[3] + q) >> 51; q = (h.v[4] + q) >> 51;
    h.v[0] += 19 * q;   /* h - q p = h + 19 q - q 2^255: drop bit 255 below */
    h.v[1] += h.v[0] >> 51; h.v[0] &= TG__M51;
    h.v[2] += h.v[1] >> 51; h.v[1] &= TG__M51;
    h.v[3] += h.v[2] >> 51; h.v[2] &= TG__M51;
    h.v[4] += h.v[3] >> 51; h.v[3] &= TG__M51;
    h.v[4] &= TG__M51;
    w[0] = h.v[0] | h.v[1] << 51;
    w[1] = h.v[1] >> 13 | h.v[2] << 38;
    w[2] = h.v[2] >> 26 | h.v[3] << 25;
    w[3] = h.v[3] >> 39 | h.v[4] << 12;
    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++) s[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
}
static void tg__fe_set(tg__fe *r, unsigned n) { memset(r, 0, sizeof *r); r->v[0] = n; }

#else   /* portable: radix 2^25.5, ten unsigned limbs of 26 and 25 bits alternately, 64-bit products */
#define TGBOT__FE51 0
typedef struct tg__fe { uint64_t v[10]; } tg__fe;   /* limb i weighs 2^ceil(25.5 i) */

static unsigned tg__fe_w(int i) { return (i & 1) ? 25u : 26u; }
static void tg__fe_carry(tg__fe *h) {
    int i;
    for (i = 0; i < 10; i++) {
        uint64_t c = h->v[i] >> tg__fe_w(i);
        h->v[i] &= ((uint64_t)1 << tg__fe_w(i)) - 1;
        if (i < 9) h->v[i + 1] += c; else h->v[0] += 19 * c;
    }
}
static void tg__fe_add(tg__fe *r, const tg__fe *a, const tg__fe *b) {
    int i;
    for (i = 0; i < 10; i++) r->v[i] = a->v[i] + b->v[i];
    tg__fe_carry(r);
}
static void tg__fe_sub(tg__fe *r, const tg__fe *a, const tg__fe *b) {   /* a + 2p - b: no underflow */
    int i;
    for (i = 0; i < 10; i++)
        r->v[i] = a->v[i] + (i == 0 ? 0x7ffffdaULL : (i & 1) ? 0x3fffffeULL : 0x7fffffeULL) - b->v[i];
    tg__fe_carry(r);
}
static void tg__fe_mul(tg__fe *r, const tg__fe *fe, const tg__fe *ge) {
    /* f_i g_j lands in limb i + j; for two odd limbs the weights add to one bit more than that
       limb's (g2 = 2 g); from limb 10 on, 2^255 = 19 (g19, g38). Written out so that every
       factor is known at compile time. */
    uint64_t f[10], g[10], g2[10], g19[10], g38[10];
    int j;
    for (j = 0; j < 10; j++) { f[j] = fe->v[j]; g[j] = ge->v[j]; g2[j] = 2 * g[j]; g19[j] = 19 * g[j]; g38[j] = 38 * g[j]; }
    r->v[0] = f[0] * g[0] + f[1] * g38[9] + f[2] * g19[8] + f[3] * g38[7] + f[4] * g19[6]
             + f[5] * g38[5] + f[6] * g19[4] + f[7] * g38[3] + f[8] * g19[2] + f[9] * g38[1];
    r->v[1] = f[0] * g[1] + f[1] * g[0] + f[2] * g19[9] + f[3] * g19[8] + f[4] * g19[7]
             + f[5] * g19[6] + f[6] * g19[5] + f[7] * g19[4] + f[8] * g19[3] + f[9] * g19[2];
    r->v[2] = f[0] * g[2] + f[1] * g2[1] + f[2] * g[0] + f[3] * g38[9] + f[4] * g19[8]
             + f[5] * g38[7] + f[6] * g19[6] + f[7] * g38[5] + f[8] * g19[4] + f[9] * g38[3];
    r->v[3] = f[0] * g[3] + f[1] * g[2] + f[2] * g[1] + f[3] * g[0] + f[4] * g19[9]
             + f[5] * g19[8] + f[6] * g19[7] + f[7] * g19[6] + f[8] * g19[5] + f[9] * g19[4];
    r->v[4] = f[0] * g[4] + f[1] * g2[3] + f[2] * g[2] + f[3] * g2[1] + f[4] * g[0]
             + f[5] * g38[9] + f[6] * g19[8] + f[7] * g38[7] + f[8] * g19[6] + f[9] * g38[5];
    r->v[5] = f[0] * g[5] + f[1] * g[4] + f[2] * g[3] + f[3] * g[2] + f[4] * g[1]
             + f[5] * g[0] + f[6] * g19[9] + f[7] * g19[8] + f[8] * g19[7] + f[9] * g19[6];
    r->v[6] = f[0] * g[6] + f[1] * g2[5] + f[2] * g[4] + f[3] * g2[3] + f[4] * g[2]
             + f[5] * g2[1] + f[6] * g[0] + f[7] * g38[9] + f[8] * g19[8] + f[9] * g38[7];
    r->v[7] = f[0] * g[7] + f[1] * g[6] + f[2] * g[5] + f[3] * g[4] + f[4] * g[3]
             + f[5] * g[2] + f[6] * g[1] + f[7] * g[0] + f[8] * g19[9] + f[9] * g19[8];
    r->v[8] = f[0] * g[8] + f[1] * g2[7] + f[2] * g[6] + f[3] * g2[5] + f[4] * g[4]
             + f[5] * g2[3] + f[6] * g[2] + f[7] * g2[1] + f[8] * g[0] + f[9] * g38[9];
    r->v[9] = f[0] * g[9] + f[1] * g[8] + f[2] * g[7] + f[3] * g[6] + f[4] * g[5]
             + f[5] * g[4] + f[6] * g[3] + f[7] * g[2] + f[8] * g[1] + f[9] * g[0];
    tg__fe_carry(r);
    tg__fe_carry(r);
}
static void tg__fe_sq(tg__fe *r, const tg__fe *a) { tg__fe_mul(r, a, a); }
static void tg__fe_frombytes(tg__fe *r, const unsigned char s[32]) {   /* ignores bit 255 */
    uint64_t acc = 0;
    unsigned have = 0;
    int i, k = 0;
    for (i = 0; i < 10; i++) {
        while (have < tg__fe_w(i) && k < 32) { acc |= (uint64_t)s[k++] << have; have += 8; }
        r->v[i] = acc & (((uint64_t)1 << tg__fe_w(i)) - 1);
        acc >>= tg__fe_w(i);
        have -= TGBOT__MIN(have, tg__fe_w(i));
    }
}
static void tg__fe_tobytes(unsigned char s[32], const tg__fe *a) {
    tg__fe h = *a;
    uint64_t q, acc = 0;
    unsigned have = 0;
    int i, k = 0;
    tg__fe_carry(&h);
    tg__fe_carry(&h);
    for (q = 19, i = 0; i < 10; i++) q = (h.v[i] + q) >> tg__fe_w(i);   /* 1 exactly when h >= p */
    h.v[0] += 19 * q;
    for (i = 0; i < 10; i++) {   /* carry, dropping bit 255 */
        uint64_t c = h.v[i] >> tg__fe_w(i);
        h.v[i] &= ((uint64_t)1 << tg__fe_w(i)) - 1;
        if (i < 9) h.v[i + 1] += c;
    }
    for (i = 0; i < 10; i++) {
        acc |= h.v[i] << have;
        have += tg__fe_w(i);
        while (have >= 8 && k < 32) { s[k++] = (unsigned char)acc; acc >>= 8; have -= 8; }
    }
    if (k < 32) s[k] = (unsigned char)acc;   /* the last 7 bits */
}
static void tg__fe_set(tg__fe *r, unsigned n) { memset(r, 0, sizeof *r); r->v[0] = n; }
#endif

static void tg__fe_sqn(tg__fe *r, const tg__fe *a, int n) {
    tg__fe_sq(r, a);
    while (--n > 0) tg__fe_sq(r, r);
}
static int tg__fe_isneg(const tg__fe *a) { unsigned char s[32]; tg__fe_tobytes(s, a); return s[0] & 1; }
static int tg__fe_iszero(const tg__fe *a) {
    static const unsigned char zero[32] = { 0 };
    unsigned char s[32];
    tg__fe_tobytes(s, a);
    return memcmp(s, zero, 32) == 0;
}
static int tg__fe_eq(const tg__fe *a, const tg__fe *b) { tg__fe d; tg__fe_sub(&d, a, b); return tg__fe_iszero(&d); }

/* z^(2^250 - 1) and z^11, the common part of inversion and square root */
static void tg__fe_pow250(tg__fe *z250, tg__fe *z11, const tg__fe *z) {
    tg__fe t, z9, z5, z10, z20, z50, z100;
    tg__fe_sqn(&t, z, 3);              /* z^8 */
    tg__fe_mul(&z9, &t, z);            /* z^9 */
    tg__fe_sq(&t, z);
    tg__fe_mul(z11, &t, &z9);          /* z^11 */
    tg__fe_sq(&t, z11);
    tg__fe_mul(&z5, &t, &z9);          /* z^(2^5 - 1) = z^31 */
    tg__fe_sqn(&t, &z5, 5);   tg__fe_mul(&z10, &t, &z5);     /* 2^10 - 1 */
    tg__fe_sqn(&t, &z10, 10); tg__fe_mul(&z20, &t, &z10);    /* 2^20 - 1 */
    tg__fe_sqn(&t, &z20, 20); tg__fe_mul(&t, &t, &z20);      /* 2^40 - 1 */
    tg__fe_sqn(&t, &t, 10);   tg__fe_mul(&z50, &t, &z10);    /* 2^50 - 1 */
    tg__fe_sqn(&t, &z50, 50); tg__fe_mul(&z100, &t, &z50);   /* 2^100 - 1 */
    tg__fe_sqn(&t, &z100, 100); tg__fe_mul(&t, &t, &z100);   /* 2^200 - 1 */
    tg__fe_sqn(&t, &t, 50);   tg__fe_mul(z250, &t, &z50);    /* 2^250 - 1 */
}
static void tg__fe_invert(tg__fe *r, const tg__fe *z) {   /* z^(p - 2) = z^(2^255 - 21) */
    tg__fe t, z11;
    tg__fe_pow250(&t, &z11, z);
    tg__fe_sqn(&t, &t, 5);
    tg__fe_mul(r, &t, &z11);
}
static void tg__fe_pow22523(tg__fe *r, const tg__fe *z) {   /* z^((p - 5) / 8) = z^(2^252 - 3) */
    tg__fe t, z11;
    tg__fe_pow250(&t, &z11, z);
    tg__fe_sqn(&t, &t, 2);
    tg__fe_mul(r, &t, z);
}

/* ---- the curve -x^2 + y^2 = 1 + d x^2 y^2 ---- */
static const unsigned char tg__ed_d[32] = {   /* d = -121665 / 121666 mod p */
    0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
    0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52 };
static const unsigned char tg__ed_sqrtm1[32] = {   /* 2^((p - 1) / 4) mod p, a square root of -1 */
    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
    0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b };
static const unsigned char tg__ed_bx[32] = {   /* the base point B of RFC 8032 section 5.1 */
    0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
    0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21 };
static const unsigned char tg__ed_by[32] = {   /* 4/5 */
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 };
static const unsigned char tg__ed_l[32] = {   /* the group order L = 2^252 + 27742317777372353535851937790883648493 */
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10 };
static const unsigned char tg__ed_p[32] = {   /* 2^255 - 19 */
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };

/* Points: extended (X:Y:Z:T) with x = X/Z, y = Y/Z, T = XY/Z; the "completed" result of a doubling
   or addition uses the same struct with x = X/Z, y = Y/T; cached form for the right operand. */
typedef struct tg__ge { tg__fe X, Y, Z, T; } tg__ge;
typedef struct tg__gec { tg__fe ypx, ymx, z, t2d; } tg__gec;

static void tg__ge_identity(tg__ge *p) { tg__fe_set(&p->X, 0); tg__fe_set(&p->Y, 1); tg__fe_set(&p->Z, 1); tg__fe_set(&p->T, 0); }

static void tg__ge_to_cached(tg__gec *c, const tg__ge *p, const tg__fe *d2) {
    tg__fe_add(&c->ypx, &p->Y, &p->X);
    tg__fe_sub(&c->ymx, &p->Y, &p->X);
    c->z = p->Z;
    tg__fe_mul(&c->t2d, &p->T, d2);
}
/* completed -> projective (T unused) or extended */
static void tg__ge_c2p(tg__ge *r, const tg__ge *c) {
    tg__fe_mul(&r->X, &c->X, &c->T);
    tg__fe_mul(&r->Y, &c->Y, &c->Z);
    tg__fe_mul(&r->Z, &c->Z, &c->T);
}
static void tg__ge_c2e(tg__ge *r, const tg__ge *c) {
    tg__fe_mul(&r->X, &c->X, &c->T);
    tg__fe_mul(&r->Y, &c->Y, &c->Z);
    tg__fe_mul(&r->Z, &c->Z, &c->T);
    tg__fe_mul(&r->T, &c->X, &c->Y);
}
/* doubling (a = -1; "dbl-2008-hwcd"), reads X, Y, Z only: x3 = E/G, y3 = H/F */
static void tg__ge_dbl(tg__ge *r, const tg__ge *p) {
    tg__fe xx, yy, b, a;
    tg__fe_sq(&xx, &p->X);
    tg__fe_sq(&yy, &p->Y);
    tg__fe_sq(&b, &p->Z);
    tg__fe_add(&b, &b, &b);               /* 2 Z^2 */
    tg__fe_add(&a, &p->X, &p->Y);
    tg__fe_sq(&a, &a);                    /* (X + Y)^2 */
    tg__fe_add(&r->Y, &yy, &xx);          /* -H */
    tg__fe_sub(&r->Z, &yy, &xx);          /* G */
    tg__fe_sub(&r->X, &a, &r->Y);         /* E = 2XY */
    tg__fe_sub(&r->T, &b, &r->Z);         /* -F */
}
/* p + q or p - q ("add-2008-hwcd-3", k = 2d): x3 = E/G, y3 = H/F */
static void tg__ge_add(tg__ge *r, const tg__ge *p, const tg__gec *q, int negate) {
    tg__fe a, b, c, d;
    tg__fe_sub(&a, &p->Y, &p->X);
    tg__fe_mul(&a, &a, negate ? &q->ypx : &q->ymx);
    tg__fe_add(&b, &p->Y, &p->X);
    tg__fe_mul(&b, &b, negate ? &q->ymx : &q->ypx);
    tg__fe_mul(&c, &p->T, &q->t2d);
    tg__fe_mul(&d, &p->Z, &q->z);
    tg__fe_add(&d, &d, &d);
    tg__fe_sub(&r->X, &b, &a);
    tg__fe_add(&r->Y, &b, &a);
    if (negate) { tg__fe_sub(&r->Z, &d, &c); tg__fe_add(&r->T, &d, &c); }
    else        { tg__fe_add(&r->Z, &d, &c); tg__fe_sub(&r->T, &d, &c); }
}

/* little-endian a < b */
static int tg__ed_lt_le(const unsigned char *a, const unsigned char *b, int n) {
    while (n-- > 0) if (a[n] != b[n]) return a[n] < b[n];
    return 0;
}

/* RFC 8032 5.1.3, and refuse non-canonical y and points of small order */
static int tg__ge_decode(tg__ge *p, const unsigned char s[32], const tg__fe *d) {
    unsigned char y[32];
    tg__fe u, v, v3, vxx, t;
    tg__ge q;
    int sign = s[31] >> 7;
    memcpy(y, s, 32);
    y[31] &= 0x7f;
    if (!tg__ed_lt_le(y, tg__ed_p, 32)) return 0;
    tg__fe_frombytes(&p->Y, y);
    tg__fe_set(&p->Z, 1);
    tg__fe_sq(&u, &p->Y);
    tg__fe_mul(&v, &u, d);
    tg__fe_sub(&u, &u, &p->Z);            /* u = y^2 - 1 */
    tg__fe_add(&v, &v, &p->Z);            /* v = d y^2 + 1 */
    tg__fe_sq(&v3, &v);
    tg__fe_mul(&v3, &v3, &v);             /* v^3 */
    tg__fe_sq(&t, &v3);
    tg__fe_mul(&t, &t, &v);
    tg__fe_mul(&t, &t, &u);               /* u v^7 */
    tg__fe_pow22523(&t, &t);
    tg__fe_mul(&t, &t, &v3);
    tg__fe_mul(&p->X, &t, &u);            /* candidate x = u v^3 (u v^7)^((p-5)/8) */
    tg__fe_sq(&vxx, &p->X);
    tg__fe_mul(&vxx, &vxx, &v);
    if (!tg__fe_eq(&vxx, &u)) {
        tg__fe_add(&t, &vxx, &u);
        if (!tg__fe_iszero(&t)) return 0;   /* u/v is not a square: no such point */
        tg__fe_frombytes(&t, tg__ed_sqrtm1);
        tg__fe_mul(&p->X, &p->X, &t);
    }
    if (tg__fe_iszero(&p->X) && sign) return 0;
    if (tg__fe_isneg(&p->X) != sign) { tg__fe_set(&t, 0); tg__fe_sub(&p->X, &t, &p->X); }
    tg__fe_mul(&p->T, &p->X, &p->Y);
    /* small order: [8]P is the identity (x = 0; order 16 does not exist on this curve) */
    tg__ge_dbl(&q, p); tg__ge_c2p(&q, &q);
    tg__ge_dbl(&q, &q); tg__ge_c2p(&q, &q);
    tg__ge_dbl(&q, &q); tg__ge_c2p(&q, &q);
    return !tg__fe_iszero(&q.X);
}

/* the 512-bit little-endian h mod L into 32 bytes: binary long division (public data, variable
   time; a few microseconds, no 128-bit arithmetic) */
static void tg__sc_reduce(unsigned char out[32], const unsigned char h[64]) {
    uint64_t r[4] = { 0, 0, 0, 0 }, l[4] = { 0, 0, 0, 0 };
    int i, j;
    for (i = 0; i < 32; i++) l[i / 8] |= (uint64_t)tg__ed_l[i] << (8 * (i % 8));
    for (i = 511; i >= 0; i--) {   /* r < L < 2^253, so 2r + 1 fits */
        uint64_t borrow = 0, t[4];
        r[3] = r[3] << 1 | r[2] >> 63; r[2] = r[2] << 1 | r[1] >> 63;
        r[1] = r[1] << 1 | r[0] >> 63; r[0] = r[0] << 1 | (uint64_t)((h[i / 8] >> (i % 8)) & 1);
        for (j = 0; j < 4; j++) {
            uint64_t x = r[j] - l[j], b2 = r[j] < l[j] || (x == 0 && borrow);
            t[j] = x - borrow;
            borrow = b2;
        }
        if (!borrow) memcpy(r, t, sizeof r);
    }
    for (i = 0; i < 32; i++) out[i] = (unsigned char)(r[i / 8] >> (8 * (i % 8)));
}

/* width-5 NAF of a scalar < 2^253: digits odd in [-15, 15] or 0, each nonzero followed by 4 zeros */
static void tg__naf5(signed char naf[256], const unsigned char s[32]) {
    uint32_t k[9];
    int i;
    memset(k, 0, sizeof k);
    memset(naf, 0, 256);
    for (i = 0; i < 32; i++) k[i / 4] |= (uint32_t)s[i] << (8 * (i % 4));
    for (i = 0; i < 256; i++) {
        int j;
        if (k[0] & 1) {
            int dg = (int)(k[0] & 31);
            if (dg > 16) dg -= 32;
            naf[i] = (signed char)dg;
            if (dg > 0) k[0] -= (uint32_t)dg;   /* the low bits hold dg: no borrow */
            else {                                  /* add -dg with carry */
                uint32_t c = (uint32_t)-dg;
                for (j = 0; j < 9 && c; j++) { k[j] += c; c = (uint32_t)(k[j] < c); }
            }
        }
        for (j = 0; j < 8; j++) k[j] = k[j] >> 1 | k[j + 1] << 31;
        k[8] >>= 1;
    }
}

TGBOT_API bool tg_ed25519_verify(const uint8_t sig[64], const void *msg, size_t len, const uint8_t public_key[32]) {
    tg__fe d, d2;
    tg__ge a, r, t, u;
    tg__gec ta[8], tb[8];
    signed char na[256], nb[256];
    unsigned char h[64], k[32], enc[32];
    tg_sha512 s;
    int i;
    if (!sig || !public_key || (!msg && len)) return false;
    if (!tg__ed_lt_le(sig + 32, tg__ed_l, 32)) return false;            /* S >= L: malleable */
    tg__fe_frombytes(&d, tg__ed_d);
    tg__fe_add(&d2, &d, &d);
    if (!tg__ge_decode(&a, public_key, &d) || !tg__ge_decode(&r, sig, &d)) return false;
    tg_sha512_init(&s);
    tg_sha512_update(&s, sig, 32);
    tg_sha512_update(&s, public_key, 32);
    if (len) tg_sha512_update(&s, msg, len);
    tg_sha512_final(&s, h);
    tg__sc_reduce(k, h);
    /* R' = [S]B - [k]A by interleaved NAF; accept when R' encodes to the bytes of R */
    tg__naf5(na, k);
    tg__naf5(nb, sig + 32);
    tg__fe_frombytes(&u.X, tg__ed_bx);
    tg__fe_frombytes(&u.Y, tg__ed_by);
    tg__fe_set(&u.Z, 1);
    tg__fe_mul(&u.T, &u.X, &u.Y);
    for (i = 0; i < 2; i++) {   /* tables P, 3P, ..., 15P for P = A, then B */
        tg__gec *tab = i ? tb : ta;
        const tg__ge *p = i ? &u : &a;
        tg__ge p2;
        int j;
        tg__ge_dbl(&t, p); tg__ge_c2e(&p2, &t);
        tg__ge_to_cached(&tab[0], p, &d2);
        for (j = 1; j < 8; j++) {
            tg__ge_add(&t, &p2, &tab[j - 1], 0);
            tg__ge_c2e(&r, &t);
            tg__ge_to_cached(&tab[j], &r, &d2);
        }
    }
    for (i = 255; i >= 0 && !na[i] && !nb[i]; i--) {}
    tg__ge_identity(&r);
    for (; i >= 0; i--) {
        tg__ge_dbl(&t, &r);
        if (na[i]) { tg__ge_c2e(&u, &t); tg__ge_add(&t, &u, &ta[(na[i] > 0 ? na[i] : -na[i]) / 2], na[i] > 0); }
        if (nb[i]) { tg__ge_c2e(&u, &t); tg__ge_add(&t, &u, &tb[(nb[i] > 0 ? nb[i] : -nb[i]) / 2], nb[i] < 0); }
        tg__ge_c2p(&r, &t);
    }
    tg__fe_invert(&d, &r.Z);
    tg__fe_mul(&r.X, &r.X, &d);
    tg__fe_mul(&r.Y, &r.Y, &d);
    tg__fe_tobytes(enc, &r.Y);
    enc[31] = (unsigned char)(enc[31] | tg__fe_isneg(&r.X) << 7);
    return memcmp(enc, sig, 32) == 0;
}
