/* json: strict tokenizer (one pass, no recursion, no allocation), accessors, writer.
   Speed comes from a byte-class table for structure and whitespace, and from scanning string
   bodies eight bytes at a time for '"', '\\', control bytes and non-ASCII. */

#include <locale.h>

#define TG__JSON_INT_FLAG 0x100u   /* NUMBER without fraction or exponent */
#define TG__JSON_HARD_DEPTH 1024u

static int tg__json_is_ws(unsigned c) { return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09; }

#define TG__SWAR_ONES 0x0101010101010101ull
#define TG__SWAR_HIGH 0x8080808080808080ull
/* non-zero when any byte of v is '"', '\\', < 0x20 or >= 0x80 */
static uint64_t tg__json_special8(uint64_t v) {
    uint64_t q = v ^ (TG__SWAR_ONES * '"');
    uint64_t b = v ^ (TG__SWAR_ONES * '\\');
    uint64_t hq = (q - TG__SWAR_ONES) & ~q;
    uint64_t hb = (b - TG__SWAR_ONES) & ~b;
    uint64_t hc = (v - TG__SWAR_ONES * 0x20) & ~v;
    return (hq | hb | hc | v) & TG__SWAR_HIGH;
}

/* Validates one UTF-8 sequence starting at p (first byte >= 0x80); returns its length, 0 if bad. */
static size_t tg__utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    size_t n = (size_t)(end - p);
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;         /* overlong */
        if (c == 0xED) hi = 0x9F;         /* UTF-16 surrogates */
        return (n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;         /* overlong */
        if (c == 0xF4) hi = 0x8F;         /* above U+10FFFF */
        return (n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                (p[3] & 0xC0) == 0x80) ? 4 : 0;
    }
    return 0;
}

static int tg__hex4(const unsigned char *p, unsigned *out) {
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

static unsigned char *tg__utf8_put(unsigned char *w, unsigned cp) {
    if (cp < 0x80) { *w++ = (unsigned char)cp; }
    else if (cp < 0x800) { *w++ = (unsigned char)(0xC0 | cp >> 6); *w++ = (unsigned char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *w++ = (unsigned char)(0xE0 | cp >> 12); *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (unsigned char)(0xF0 | cp >> 18); *w++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); *w++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    return w;
}

typedef struct tg__json_p {
    unsigned char *base, *end;
    const char *reason;
    size_t off;
    tg_err err;
} tg__json_p;

static int tg__json_fail(tg__json_p *P, const unsigned char *at, tg_err e, const char *why) {
    P->err = e;
    P->reason = why;
    P->off = (size_t)(at - P->base);
    return 0;
}

/* Scans and decodes a string body; *pp points after the opening quote. On success *pp points
   after the closing quote and the decoded text [start, *wend) is NUL-terminated. */
static int tg__json_string(tg__json_p *P, unsigned char **pp, unsigned char **wend) {
    unsigned char *p = *pp, *end = P->end, *w;
    for (;;) {   /* fast path: no escape seen yet, nothing to move */
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (tg__json_special8(v)) break;
            p += 8;
        }
        if (p >= end) return tg__json_fail(P, p, TG_ERR_JSON, "unterminated string");
        if (*p == '"') { *p = '\0'; *wend = p; *pp = p + 1; return 1; }
        if (*p == '\\') break;
        if (*p < 0x20) return tg__json_fail(P, p, TG_ERR_JSON, "unescaped control character in string");
        if (*p >= 0x80) {
            size_t n = tg__utf8_seq(p, end);
            if (!n) return tg__json_fail(P, p, TG_ERR_UTF8, "invalid UTF-8 in string");
            p += n;
        } else {
            p++;
        }
    }
    w = p;   /* slow path: decode escapes, moving bytes down */
    for (;;) {
        unsigned char c;
        if (p >= end) return tg__json_fail(P, p, TG_ERR_JSON, "unterminated string");
        c = *p;
        if (c == '"') { *w = '\0'; *wend = w; *pp = p + 1; return 1; }
        if (c == '\\') {
            unsigned cp, lo;
            if (end - p < 2) return tg__json_fail(P, p, TG_ERR_JSON, "unterminated string");
            switch (p[1]) {
            case '"': *w++ = '"'; p += 2; continue;
            case '\\': *w++ = '\\'; p += 2; continue;
            case '/': *w++ = '/'; p += 2; continue;
            case 'b': *w++ = '\b'; p += 2; continue;
            case 'f': *w++ = '\f'; p += 2; continue;
            case 'n': *w++ = '\n'; p += 2; continue;
            case 'r': *w++ = '\r'; p += 2; continue;
            case 't': *w++ = '\t'; p += 2; continue;
            case 'u': break;
            default: return tg__json_fail(P, p, TG_ERR_JSON, "invalid escape sequence");
            }
            if (end - p < 6 || !tg__hex4(p + 2, &cp))
                return tg__json_fail(P, p, TG_ERR_JSON, "invalid \\u escape");
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return tg__json_fail(P, p, TG_ERR_UTF8, "lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !tg__hex4(p + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return tg__json_fail(P, p, TG_ERR_UTF8, "high surrogate without a low surrogate");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 12;
            } else {
                p += 6;
            }
            w = tg__utf8_put(w, cp);
            continue;
        }
        if (c < 0x20) return tg__json_fail(P, p, TG_ERR_JSON, "unescaped control character in string");
        if (c >= 0x80) {
            size_t n = tg__utf8_seq(p, end);
            if (!n) return tg__json_fail(P, p, TG_ERR_UTF8, "invalid UTF-8 in string");
            memmove(w, p, n);
            w += n; p += n;
            continue;
        }
        *w++ = c; p++;
    }
}

/* Validates the number grammar; returns the end pointer or NULL. *is_int set. */
static unsigned char *tg__json_number(tg__json_p *P, unsigned char *p, int *is_int) {
    unsigned char *end = P->end, *s = p;
    *is_int = 1;
    if (p < end && *p == '-') p++;
    if (p >= end) { tg__json_fail(P, s, TG_ERR_JSON, "invalid number"); return NULL; }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') { tg__json_fail(P, s, TG_ERR_JSON, "leading zero in number"); return NULL; }
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else { tg__json_fail(P, s, TG_ERR_JSON, "invalid number"); return NULL; }
    if (p < end && *p == '.') {
        *is_int = 0; p++;
        if (p >= end || *p < '0' || *p > '9') { tg__json_fail(P, p, TG_ERR_JSON, "digit expected after decimal point"); return NULL; }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *is_int = 0; p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') { tg__json_fail(P, p, TG_ERR_JSON, "digit expected in exponent"); return NULL; }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

TGBOT_API tg_err tg_json_parse(tg_json_doc *doc, char *buf, size_t len, tg_json_tok *toks,
                               uint32_t cap, const tg_json_opts *opts) {
    uint32_t stack[TG__JSON_HARD_DEPTH];  /* container token index; bit 31 = object */
    uint32_t depth = 0, max_depth = TGBOT_JSON_MAX_DEPTH, n = 0;
    size_t max_bytes = 0xFFFFFFFFu;
    tg__json_p P;
    unsigned char *p, *end;
    tg_json_tok *t;

    memset(doc, 0, sizeof *doc);
    doc->buf = buf; doc->len = len; doc->toks = toks; doc->cap = toks ? cap : 0;
    if (opts && opts->max_depth) max_depth = opts->max_depth;
    if (max_depth > TG__JSON_HARD_DEPTH) max_depth = TG__JSON_HARD_DEPTH;
    if (opts && opts->max_bytes && opts->max_bytes < max_bytes) max_bytes = opts->max_bytes;
    P.base = (unsigned char *)buf; P.err = TG_OK; P.reason = NULL; P.off = 0;
    if (!buf) { doc->err_reason = "no input"; return TG_ERR_JSON; }
    if (len > max_bytes) { doc->err_reason = "document larger than the size limit"; return TG_ERR_LIMIT; }
    p = (unsigned char *)buf;
    end = P.end = p + len;

#define TG__WS() while (p < end && tg__json_is_ws(*p)) p++
#define TG__TOK(ty, st) do { if (n < doc->cap) { t = &toks[n]; t->type = (ty); \
        t->start = (uint32_t)((st) - P.base); t->len = 0; t->next = n + 1; t->count = 0; } n++; } while (0)
/* counts an array element (object members are counted at their key) */
#define TG__CHILD() do { if (depth && !(stack[depth - 1] & 0x80000000u) && stack[depth - 1] < doc->cap) \
        toks[stack[depth - 1]].count++; } while (0)
#define TG__FAIL(at, e, why) do { tg__json_fail(&P, (at), (e), (why)); goto fail; } while (0)

    TG__WS();
    if (p >= end) TG__FAIL(p, TG_ERR_JSON, "empty input");
value:
    /* p points at a value's first byte (whitespace skipped) */
    if (p >= end) TG__FAIL(p, TG_ERR_JSON, "value expected");
    switch (*p) {
    case '{': case '[': {
        int obj = *p == '{';
        if (depth >= max_depth) TG__FAIL(p, TG_ERR_LIMIT, "nesting deeper than the limit");
        TG__CHILD();
        TG__TOK(obj ? TG_JSON_OBJECT : TG_JSON_ARRAY, p);
        stack[depth++] = (n - 1) | (obj ? 0x80000000u : 0);
        p++;
        TG__WS();
        if (p < end && *p == (obj ? '}' : ']')) goto close;
        if (obj) goto key;
        goto value;
    }
    case '"': {
        unsigned char *s = ++p, *wend;
        TG__CHILD();
        if (!tg__json_string(&P, &p, &wend)) goto fail;
        if (n < doc->cap) { t = &toks[n]; t->type = TG_JSON_STRING; t->start = (uint32_t)(s - P.base);
            t->len = (uint32_t)(wend - s); t->next = n + 1; t->count = 0; }
        n++;
        break;
    }
    case 't': case 'f': case 'n': {
        const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
        size_t l = strlen(lit);
        if ((size_t)(end - p) < l || memcmp(p, lit, l) != 0) TG__FAIL(p, TG_ERR_JSON, "invalid literal");
        TG__CHILD();
        TG__TOK(*p == 't' ? TG_JSON_TRUE : *p == 'f' ? TG_JSON_FALSE : TG_JSON_NULL, p);
        if (n - 1 < doc->cap) toks[n - 1].len = (uint32_t)l;
        p += l;
        break;
    }
    default: {
        int is_int;
        unsigned char *s = p, *e;
        if (!(*p == '-' || (*p >= '0' && *p <= '9'))) TG__FAIL(p, TG_ERR_JSON, "value expected");
        e = tg__json_number(&P, p, &is_int);
        if (!e) goto fail;
        TG__CHILD();
        TG__TOK(TG_JSON_NUMBER | (is_int ? TG__JSON_INT_FLAG : 0u), s);
        if (n - 1 < doc->cap) toks[n - 1].len = (uint32_t)(e - s);
        p = e;
        break;
    }
    }
after:
    TG__WS();
    if (!depth) {
        if (p != end) TG__FAIL(p, TG_ERR_JSON, "trailing characters after the document");
        goto done;
    }
    if (p >= end) TG__FAIL(p, TG_ERR_JSON, "unexpected end of input inside a container");
    if (*p == ',') {
        p++;
        TG__WS();
        if (stack[depth - 1] & 0x80000000u) goto key;
        if (p < end && *p == ']') TG__FAIL(p, TG_ERR_JSON, "trailing comma in array");
        goto value;
    }
    if (*p == '}' || *p == ']') {
        if ((*p == '}') != ((stack[depth - 1] & 0x80000000u) != 0))
            TG__FAIL(p, TG_ERR_JSON, "mismatched closing bracket");
        goto close;
    }
    TG__FAIL(p, TG_ERR_JSON, (stack[depth - 1] & 0x80000000u) ? "',' or '}' expected" : "',' or ']' expected");
key:
    if (p >= end || *p != '"') {
        if (p < end && *p == '}') TG__FAIL(p, TG_ERR_JSON, "trailing comma in object");
        TG__FAIL(p, TG_ERR_JSON, "object key (a string) expected");
    }
    {
        unsigned char *s = ++p, *wend;
        uint32_t top = stack[depth - 1] & 0x7FFFFFFFu;
        if (top < doc->cap) toks[top].count++;
        if (!tg__json_string(&P, &p, &wend)) goto fail;
        if (n < doc->cap) { t = &toks[n]; t->type = TG_JSON_STRING; t->start = (uint32_t)(s - P.base);
            t->len = (uint32_t)(wend - s); t->next = n + 1; t->count = 0; }
        n++;
    }
    TG__WS();
    if (p >= end || *p != ':') TG__FAIL(p, TG_ERR_JSON, "':' expected after object key");
    p++;
    TG__WS();
    goto value;
close: {
        uint32_t top = stack[--depth] & 0x7FFFFFFFu;
        if (top < doc->cap) {
            toks[top].next = n;
            toks[top].len = (uint32_t)(p + 1 - (P.base + toks[top].start));
        }
        p++;
        goto after;
    }
done:
    doc->ntoks = n < doc->cap ? n : doc->cap;
    doc->needed = n;
    if (toks && n > cap) { doc->err_reason = "more tokens than the array holds"; doc->err_offset = len; return TG_ERR_LIMIT; }
    return TG_OK;
fail:
    doc->err_offset = P.off;
    doc->err_reason = P.reason;
    doc->needed = n;
    doc->ntoks = 0;
    return P.err;
#undef TG__WS
#undef TG__TOK
#undef TG__CHILD
#undef TG__FAIL
}

/* ---- access ---- */
static const tg_json_tok *tg__json_tok(const tg_json_doc *d, uint32_t t) {
    return (d && t < d->ntoks) ? &d->toks[t] : NULL;
}

TGBOT_API tg_json_type tg_json_type_of(const tg_json_doc *d, uint32_t t) {
    const tg_json_tok *k = tg__json_tok(d, t);
    return k ? (tg_json_type)(k->type & 0xFFu) : TG_JSON_NONE;
}

TGBOT_API uint32_t tg_json_get(const tg_json_doc *d, uint32_t obj, const char *key) {
    const tg_json_tok *o = tg__json_tok(d, obj);
    uint32_t i, k;
    size_t kl;
    if (!o || (o->type & 0xFFu) != TG_JSON_OBJECT || !key) return TG_JSON_NOTFOUND;
    kl = strlen(key);
    for (i = 0, k = obj + 1; i < o->count && k + 1 < d->ntoks; i++, k = d->toks[k + 1].next) {
        const tg_json_tok *kt = &d->toks[k];
        if (kt->len == kl && memcmp(d->buf + kt->start, key, kl) == 0) return k + 1;
    }
    return TG_JSON_NOTFOUND;
}

TGBOT_API uint32_t tg_json_at(const tg_json_doc *d, uint32_t arr, uint32_t idx) {
    const tg_json_tok *a = tg__json_tok(d, arr);
    uint32_t i, k;
    if (!a || (a->type & 0xFFu) != TG_JSON_ARRAY || idx >= a->count) return TG_JSON_NOTFOUND;
    for (i = 0, k = arr + 1; i < idx && k < d->ntoks; i++) k = d->toks[k].next;
    return k < d->ntoks ? k : TG_JSON_NOTFOUND;
}

TGBOT_API uint32_t tg_json_path(const tg_json_doc *d, uint32_t root, const char *path) {
    uint32_t cur = root;
    char key[128];
    if (!path) return TG_JSON_NOTFOUND;
    while (*path && cur != TG_JSON_NOTFOUND) {
        if (*path == '.') { path++; continue; }
        if (*path == '[') {
            uint32_t idx = 0;
            int digits = 0;
            path++;
            while (*path >= '0' && *path <= '9' && idx < 100000000u) { idx = idx * 10 + (uint32_t)(*path++ - '0'); digits++; }
            if (!digits || *path != ']') return TG_JSON_NOTFOUND;
            path++;
            cur = tg_json_at(d, cur, idx);
        } else {
            size_t n = 0;
            while (path[n] && path[n] != '.' && path[n] != '[') n++;
            if (n >= sizeof key) return TG_JSON_NOTFOUND;
            memcpy(key, path, n);
            key[n] = '\0';
            path += n;
            cur = tg_json_get(d, cur, key);
        }
    }
    return cur;
}

TGBOT_API bool tg_json_i64(const tg_json_doc *d, uint32_t t, int64_t *out) {
    const tg_json_tok *k = tg__json_tok(d, t);
    const char *s, *e;
    uint64_t v = 0, lim;
    int neg;
    if (!k || k->type != (TG_JSON_NUMBER | TG__JSON_INT_FLAG)) return false;
    s = d->buf + k->start; e = s + k->len;
    neg = *s == '-';
    if (neg) s++;
    lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; s < e; s++) {
        unsigned dg = (unsigned)(*s - '0');
        if (v > (lim - dg) / 10u) return false;     /* out of range: reported, never wrapped */
        v = v * 10u + dg;
    }
    if (out) *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

static const double tg__pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/* Locale-independent number text → double. Exact fast path (Clinger) for up to 15 significant
   digits and small exponents; otherwise strtod on a copy whose '.' is the locale's point. */
static bool tg__json_strtod(const char *s, size_t n, double *out) {
    const char *p = s, *e = s + n;
    uint64_t mant = 0;
    int digits = 0, exp10 = 0, neg = 0, eneg = 0, ev = 0;
    double v;
    char tmp[512];
    if (p < e && *p == '-') { neg = 1; p++; }
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (digits < 19) { mant = mant * 10u + (uint64_t)(*p - '0'); if (mant) digits++; }
        else { exp10++; digits++; }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            if (digits < 19) { mant = mant * 10u + (uint64_t)(*p - '0'); if (mant) digits++; exp10--; }
            else digits++;
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        for (; p < e && *p >= '0' && *p <= '9'; p++) if (ev < 100000) ev = ev * 10 + (*p - '0');
    }
    exp10 += eneg ? -ev : ev;
    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
        v = (double)mant;
        v = exp10 < 0 ? v / tg__pow10[-exp10] : v * tg__pow10[exp10];
        *out = neg ? -v : v;
        return true;
    }
    if (n >= sizeof tmp) return false;
    {
        const char *dp = localeconv()->decimal_point;
        size_t i;
        char *endp;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        for (i = 0; i < n; i++) if (tmp[i] == '.' && dp && dp[0] && !dp[1]) tmp[i] = dp[0];
        errno = 0;
        v = strtod(tmp, &endp);
        if (endp != tmp + n) return false;
        if (errno == ERANGE && (v > 1.0 || v < -1.0)) return false;   /* overflow */
        *out = v;
        return true;
    }
}

TGBOT_API bool tg_json_f64(const tg_json_doc *d, uint32_t t, double *out) {
    const tg_json_tok *k = tg__json_tok(d, t);
    double v;
    if (!k || (k->type & 0xFFu) != TG_JSON_NUMBER) return false;
    if (!tg__json_strtod(d->buf + k->start, k->len, &v)) return false;
    if (out) *out = v;
    return true;
}

TGBOT_API bool tg_json_bool(const tg_json_doc *d, uint32_t t, bool *out) {
    tg_json_type ty = tg_json_type_of(d, t);
    if (ty != TG_JSON_TRUE && ty != TG_JSON_FALSE) return false;
    if (out) *out = ty == TG_JSON_TRUE;
    return true;
}

TGBOT_API bool tg_json_str(const tg_json_doc *d, uint32_t t, const char **s, size_t *len) {
    const tg_json_tok *k = tg__json_tok(d, t);
    if (!k || (k->type & 0xFFu) != TG_JSON_STRING) return false;
    if (s) *s = d->buf + k->start;
    if (len) *len = k->len;
    return true;
}

TGBOT_API bool tg_json_raw(const tg_json_doc *d, uint32_t t, const char **p, size_t *len) {
    const tg_json_tok *k = tg__json_tok(d, t);
    tg_json_type ty;
    if (!k) return false;
    ty = (tg_json_type)(k->type & 0xFFu);
    if (ty != TG_JSON_NUMBER && ty != TG_JSON_TRUE && ty != TG_JSON_FALSE && ty != TG_JSON_NULL) return false;
    if (p) *p = d->buf + k->start;
    if (len) *len = k->len;
    return true;
}

/* ---- writer ---- */
TGBOT_API void tg_json_writer_init(tg_json_writer *w, char *buf, size_t cap) {
    memset(w, 0, sizeof *w);
    w->buf = buf; w->cap = cap;
    w->first[0] = 1;
    if (!buf || !cap) w->err = TG_ERR_LIMIT; else buf[0] = '\0';
}

TGBOT_API void tg_json_writer_init_grow(tg_json_writer *w, const tg_allocator *a) {
    memset(w, 0, sizeof *w);
    w->alloc = a; w->growable = true;
    w->first[0] = 1;
}

TGBOT_API void tg_json_writer_reset(tg_json_writer *w) {
    w->len = 0; w->depth = 0; w->err = (w->growable || (w->buf && w->cap)) ? TG_OK : TG_ERR_LIMIT;
    w->first[0] = 1;
    if (w->buf && w->cap) w->buf[0] = '\0';
}

TGBOT_API void tg_json_writer_free(tg_json_writer *w) {
    if (w->growable) tg__free(w->alloc, w->buf, w->cap);
    w->buf = NULL; w->cap = w->len = 0;
}

/* makes room for n more bytes plus the NUL */
static int tg__jw_room(tg_json_writer *w, size_t n) {
    size_t need, cap;
    char *p;
    if (w->err) return 0;
    if (n > (size_t)-1 / 4 - w->len) { w->err = TG_ERR_LIMIT; return 0; }
    need = w->len + n + 1;
    if (need <= w->cap) return 1;
    if (!w->growable) { w->err = TG_ERR_LIMIT; return 0; }
    cap = w->cap ? w->cap : 256;
    while (cap < need) cap *= 2;
    p = (char *)tg__realloc(w->alloc, w->buf, w->cap, cap);
    if (!p) { w->err = TG_ERR_NOMEM; return 0; }
    w->buf = p; w->cap = cap;
    return 1;
}

static void tg__jw_put(tg_json_writer *w, const char *s, size_t n) {
    if (!tg__jw_room(w, n)) return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

/* separator before a value: ',' unless first in its container (keys write their own) */
static void tg__jw_sep(tg_json_writer *w) {
    if (w->first[w->depth]) { w->first[w->depth] = 0; return; }
    tg__jw_put(w, ",", 1);
}

static void tg__jw_value_prefix(tg_json_writer *w) {
    /* after a key the value follows directly; the key consumed the separator */
    if (w->first[w->depth] == 2) { w->first[w->depth] = 0; return; }
    tg__jw_sep(w);
}

static void tg__jw_open(tg_json_writer *w, char c) {
    tg__jw_value_prefix(w);
    if (w->depth + 1 >= TG_JSON_WRITER_DEPTH) { if (!w->err) w->err = TG_ERR_LIMIT; return; }
    tg__jw_put(w, &c, 1);
    w->first[++w->depth] = 1;
}

static void tg__jw_close(tg_json_writer *w, char c) {
    if (w->depth == 0) { if (!w->err) w->err = TG_ERR_ARG; return; }
    w->depth--;
    tg__jw_put(w, &c, 1);
}

TGBOT_API void tg_json_obj_begin(tg_json_writer *w) { tg__jw_open(w, '{'); }
TGBOT_API void tg_json_obj_end(tg_json_writer *w) { tg__jw_close(w, '}'); }
TGBOT_API void tg_json_arr_begin(tg_json_writer *w) { tg__jw_open(w, '['); }
TGBOT_API void tg_json_arr_end(tg_json_writer *w) { tg__jw_close(w, ']'); }

static void tg__jw_string(tg_json_writer *w, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    if (!s) { if (!w->err) w->err = TG_ERR_ARG; return; }
    tg__jw_put(w, "\"", 1);
    while (p < e && !w->err) {
        const unsigned char *run = p;
        while (p < e && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) p++;
        if (p > run) tg__jw_put(w, (const char *)run, (size_t)(p - run));
        if (p >= e) break;
        if (*p >= 0x80) {
            size_t l = tg__utf8_seq(p, e);
            if (!l) { w->err = TG_ERR_UTF8; return; }
            tg__jw_put(w, (const char *)p, l);
            p += l;
        } else {
            char esc[6];
            size_t l = 2;
            esc[0] = '\\';
            switch (*p) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default: esc[1] = 'u'; esc[2] = '0'; esc[3] = '0'; esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15]; l = 6;
            }
            tg__jw_put(w, esc, l);
            p++;
        }
    }
    tg__jw_put(w, "\"", 1);
}

TGBOT_API void tg_json_key(tg_json_writer *w, const char *key) {
    tg__jw_sep(w);
    tg__jw_string(w, key, key ? strlen(key) : 0);
    tg__jw_put(w, ":", 1);
    w->first[w->depth] = 2;    /* the value comes next, without a comma */
}

TGBOT_API void tg_json_write_strn(tg_json_writer *w, const char *s, size_t n) {
    tg__jw_value_prefix(w);
    tg__jw_string(w, s, n);
}

TGBOT_API void tg_json_write_str(tg_json_writer *w, const char *s) {
    tg_json_write_strn(w, s, s ? strlen(s) : 0);
}

TGBOT_API void tg_json_write_i64(tg_json_writer *w, int64_t v) {
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { *--p = (char)('0' + u % 10u); u /= 10u; } while (u);
    if (v < 0) *--p = '-';
    tg__jw_value_prefix(w);
    tg__jw_put(w, p, (size_t)(tmp + sizeof tmp - p));
}

TGBOT_API void tg_json_write_f64(tg_json_writer *w, double v) {
    char tmp[40];
    int prec;
    if (v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
        if (!w->err) w->err = TG_ERR_ARG;
        return;
    }
    for (prec = 15; prec <= 17; prec++) {   /* the shortest of these that reads back exactly */
        const char *dp = localeconv()->decimal_point;
        double back;
        size_t i, n;
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        n = strlen(tmp);
        if (dp && dp[0] && dp[0] != '.' && !dp[1])
            for (i = 0; i < n; i++) if (tmp[i] == dp[0]) tmp[i] = '.';
        if (tg__json_strtod(tmp, n, &back) && back == v) break;
    }
    tg__jw_value_prefix(w);
    tg__jw_put(w, tmp, strlen(tmp));
}

TGBOT_API void tg_json_write_bool(tg_json_writer *w, bool v) {
    tg__jw_value_prefix(w);
    tg__jw_put(w, v ? "true" : "false", v ? 4u : 5u);
}

TGBOT_API void tg_json_write_null(tg_json_writer *w) {
    tg__jw_value_prefix(w);
    tg__jw_put(w, "null", 4);
}

TGBOT_API void tg_json_write_raw(tg_json_writer *w, const char *json, size_t n) {
    if (!json || !n) { if (!w->err) w->err = TG_ERR_ARG; return; }
    tg__jw_value_prefix(w);
    tg__jw_put(w, json, n);
}

TGBOT_API tg_err tg_json_merge_object(tg_json_writer *w, const char *obj) {
    const char *b = obj, *e;
    if (!obj) return TG_OK;
    while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n') b++;
    e = b + strlen(b);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) e--;
    if (e - b < 2 || *b != '{' || e[-1] != '}' || w->depth == 0) return TG_ERR_ARG;
    b++; e--;
    while (b < e && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')) b++;
    if (b == e) return TG_OK;
    if (!w->first[w->depth]) tg__jw_put(w, ",", 1);
    w->first[w->depth] = 0;
    tg__jw_put(w, b, (size_t)(e - b));
    return w->err;
}

TGBOT_API void tg_json_write_value(tg_json_writer *w, const tg_json_doc *d, uint32_t t) {
    /* iterative: walk tokens in order, closing containers when their `next` is reached */
    uint32_t ends[TG_JSON_WRITER_DEPTH];
    uint8_t isobj[TG_JSON_WRITER_DEPTH];
    uint32_t sp = 0, i, stop;
    const tg_json_tok *k = tg__json_tok(d, t);
    if (!k) { if (!w->err) w->err = TG_ERR_ARG; return; }
    stop = k->next;
    for (i = t; i < stop && !w->err;) {
        const tg_json_tok *c = &d->toks[i];
        tg_json_type ty = (tg_json_type)(c->type & 0xFFu);
        int in_obj_key = sp > 0 && isobj[sp - 1] && w->first[w->depth] != 2;
        if (in_obj_key) {   /* object member: key token then value */
            tg_json_key(w, d->buf + c->start);
            i++;
            continue;
        }
        switch (ty) {
        case TG_JSON_OBJECT: case TG_JSON_ARRAY:
            if (sp >= TG_JSON_WRITER_DEPTH) { w->err = TG_ERR_LIMIT; return; }
            if (ty == TG_JSON_OBJECT) tg_json_obj_begin(w); else tg_json_arr_begin(w);
            ends[sp] = c->next; isobj[sp] = ty == TG_JSON_OBJECT; sp++;
            i++;
            break;
        case TG_JSON_STRING: tg_json_write_strn(w, d->buf + c->start, c->len); i++; break;
        case TG_JSON_NUMBER: tg_json_write_raw(w, d->buf + c->start, c->len); i++; break;
        case TG_JSON_TRUE: tg_json_write_bool(w, true); i++; break;
        case TG_JSON_FALSE: tg_json_write_bool(w, false); i++; break;
        case TG_JSON_NULL: tg_json_write_null(w); i++; break;
        default: w->err = TG_ERR_ARG; return;
        }
        while (sp > 0 && i >= ends[sp - 1]) {
            sp--;
            if (isobj[sp]) tg_json_obj_end(w); else tg_json_arr_end(w);
        }
    }
}
