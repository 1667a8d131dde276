/* tls_bearssl: the default TLS backend. BearSSL allocates nothing; we give it one record buffer
   per connection (MONO: HTTP/1.1 is half duplex) and pump records over the non-blocking socket.
   Trust anchors come from a PEM bundle (system paths probed) or are compiled in; the validation
   time comes from the platform hook, so tests can move the clock. */
#if TGBOT__TLS_BEARSSL

struct tg__tls_ctx {
    const tg_allocator *a;
    const tg_platform *plat;
    bool server;
    br_x509_trust_anchor *tas; size_t ntas, tas_cap; bool own_tas;
    /* server side */
    br_x509_certificate *chain; size_t nchain;
    br_skey_decoder_context *skey;
    int issuer_key_type;
    unsigned char *cache_buf; br_ssl_session_cache_lru cache;
    /* client side: one resumable session (one endpoint per client) */
    br_ssl_session_parameters session;
    bool have_session;
};

struct tg__tls {
    tg__tls_ctx *ctx;
    union { br_ssl_client_context c; br_ssl_server_context s; } u;
    br_x509_minimal_context xc;
    br_ssl_engine_context *eng;
    unsigned char saved_id[32]; size_t saved_id_len;
    bool resumed, done;
    unsigned char buf[BR_SSL_BUFSIZE_MONO];
    /* BearSSL asks for a record's 5-byte header and then its body: two recv() per record. Reading
       ahead into ra takes a whole small response in one recv(); records larger than ra still go
       straight into BearSSL's buffer, so the copy stays under sizeof ra per record. */
    unsigned char ra[4096];
    size_t ra_pos, ra_len;
    /* An IP address host: the engine validates through ipv (tg__ipx_*), which runs the minimal
       engine without a name and checks the end-entity certificate's iPAddress names itself. */
    const br_x509_class *ipv;
    unsigned char ip[16];
    size_t ip_len;
    unsigned char *ee;            /* the end-entity certificate as it arrives */
    size_t ee_len, ee_cap;
    uint32_t ncert;
    bool ee_bad;
};

#define TG__EE_MAX 65536u         /* a longer end-entity certificate fails the address check */
static tg__tls *tg__ipx(const br_x509_class **ctx) {
    return (tg__tls *)(void *)((char *)(void *)ctx - offsetof(tg__tls, ipv));
}
static void tg__ipx_start_chain(const br_x509_class **ctx, const char *server_name) {
    tg__tls *t = tg__ipx(ctx);
    (void)server_name;
    t->ncert = 0; t->ee_len = 0; t->ee_bad = false;
    t->xc.vtable->start_chain(&t->xc.vtable, NULL);      /* chain, validity, key usage: no name */
}
static void tg__ipx_start_cert(const br_x509_class **ctx, uint32_t length) {
    tg__tls *t = tg__ipx(ctx);
    if (t->ncert == 0 && length > t->ee_cap) {
        tg__free(t->ctx->a, t->ee, t->ee_cap);
        t->ee_cap = 0;
        t->ee = length <= TG__EE_MAX ? (unsigned char *)tg__alloc(t->ctx->a, length) : NULL;
        if (t->ee) t->ee_cap = length; else t->ee_bad = true;
    }
    t->xc.vtable->start_cert(&t->xc.vtable, length);
}
static void tg__ipx_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
    tg__tls *t = tg__ipx(ctx);
    if (t->ncert == 0 && !t->ee_bad) {
        if (t->ee_cap - t->ee_len >= len) { memcpy(t->ee + t->ee_len, buf, len); t->ee_len += len; }
        else t->ee_bad = true;
    }
    t->xc.vtable->append(&t->xc.vtable, buf, len);
}
static void tg__ipx_end_cert(const br_x509_class **ctx) {
    tg__tls *t = tg__ipx(ctx);
    t->ncert++;
    t->xc.vtable->end_cert(&t->xc.vtable);
}
static unsigned tg__ipx_end_chain(const br_x509_class **ctx) {
    tg__tls *t = tg__ipx(ctx);
    unsigned r = t->xc.vtable->end_chain(&t->xc.vtable);
    if (r) return r;
    return !t->ee_bad && tg__cert_has_ip(t->ee, t->ee_len, t->ip, t->ip_len) ? 0u : (unsigned)BR_ERR_X509_BAD_SERVER_NAME;
}
static const br_x509_pkey *tg__ipx_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
    const tg__tls *t = (const tg__tls *)(const void *)((const char *)(const void *)ctx - offsetof(tg__tls, ipv));
    return t->xc.vtable->get_pkey(&t->xc.vtable, usages);
}
static const br_x509_class tg__ipx_class = {
    sizeof(br_x509_minimal_context), tg__ipx_start_chain, tg__ipx_start_cert, tg__ipx_append,
    tg__ipx_end_cert, tg__ipx_end_chain, tg__ipx_get_pkey
};

typedef struct tg__bytes { unsigned char *p; size_t len, cap; const tg_allocator *a; bool oom; } tg__bytes;
static void tg__bytes_add(void *ctx, const void *data, size_t n) {
    tg__bytes *b = (tg__bytes *)ctx;
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        unsigned char *q;
        while (nc < b->len + n) nc *= 2;
        q = (unsigned char *)tg__realloc(b->a, b->p, b->cap, nc);
        if (!q) { b->oom = true; return; }
        b->p = q; b->cap = nc;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void *tg__dup(const tg_allocator *a, const void *p, size_t n) {
    void *q = tg__alloc(a, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

/* What a trust anchor needs from a certificate, as pointers into its DER: the subject DN (whole
   element, as BearSSL hashes it), the public key, the basicConstraints cA flag. Read with our DER
   walker: BearSSL's certificate decoder took 15 ms for the 144 certificates of the system bundle. */
typedef struct tg__ta_view {
    const unsigned char *dn, *n, *e, *q;
    size_t dn_len, n_len, e_len, q_len;
    int key_type, curve;
    bool ca;
} tg__ta_view;

static bool tg__oid_is(const unsigned char *v, size_t n, const char *oid, size_t len) {
    return n == len && memcmp(v, oid, len) == 0;
}

/* 1 when the certificate has a key BearSSL can use (RSA, or EC on P-256/384/521), else 0 */
static int tg__ta_parse(const unsigned char *der, size_t len, tg__ta_view *tv) {
    const unsigned char *p = der, *end = der + len, *v, *start, *k, *kend;
    size_t n;
    unsigned tag;
    memset(tv, 0, sizeof *tv);
    if (!tg__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;          /* Certificate */
    p = v; end = v + n;
    if (!tg__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;          /* tbsCertificate */
    p = v; end = v + n;
    if (!tg__der_next(&p, end, &tag, &v, &n)) return 0;                         /* [0] version */
    if (tag == 0xa0 && !tg__der_next(&p, end, &tag, &v, &n)) return 0;          /* serialNumber */
    if (!tg__der_next(&p, end, &tag, &v, &n) || !tg__der_next(&p, end, &tag, &v, &n) ||   /* signature, issuer */
        !tg__der_next(&p, end, &tag, &v, &n)) return 0;                           /* validity */
    start = p;
    if (!tg__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;          /* subject */
    tv->dn = start; tv->dn_len = (size_t)(p - start);
    if (!tg__der_next(&p, end, &tag, &k, &n) || tag != 0x30) return 0;          /* subjectPublicKeyInfo */
    kend = k + n;
    {
        const unsigned char *alg, *aend, *oid, *par, *bits;
        size_t oid_len, par_len, bits_len;
        if (!tg__der_next(&k, kend, &tag, &alg, &n) || tag != 0x30) return 0;
        aend = alg + n;
        if (!tg__der_next(&alg, aend, &tag, &oid, &oid_len) || tag != 0x06) return 0;
        if (!tg__der_next(&k, kend, &tag, &bits, &bits_len) || tag != 0x03 || bits_len < 2 || bits[0] != 0) return 0;
        bits++; bits_len--;
        if (tg__oid_is(oid, oid_len, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9)) {          /* rsaEncryption */
            const unsigned char *r = bits, *rend = bits + bits_len, *x;
            if (!tg__der_next(&r, rend, &tag, &x, &n) || tag != 0x30) return 0;
            r = x; rend = x + n;
            if (!tg__der_next(&r, rend, &tag, &tv->n, &tv->n_len) || tag != 0x02 ||
                !tg__der_next(&r, rend, &tag, &tv->e, &tv->e_len) || tag != 0x02) return 0;
            while (tv->n_len > 1 && tv->n[0] == 0) { tv->n++; tv->n_len--; }    /* unsigned: no sign byte */
            while (tv->e_len > 1 && tv->e[0] == 0) { tv->e++; tv->e_len--; }
            tv->key_type = BR_KEYTYPE_RSA;
        } else if (tg__oid_is(oid, oid_len, "\x2a\x86\x48\xce\x3d\x02\x01", 7)) {         /* id-ecPublicKey */
            if (!tg__der_next(&alg, aend, &tag, &par, &par_len) || tag != 0x06) return 0;
            if (tg__oid_is(par, par_len, "\x2a\x86\x48\xce\x3d\x03\x01\x07", 8)) tv->curve = BR_EC_secp256r1;
            else if (tg__oid_is(par, par_len, "\x2b\x81\x04\x00\x22", 5)) tv->curve = BR_EC_secp384r1;
            else if (tg__oid_is(par, par_len, "\x2b\x81\x04\x00\x23", 5)) tv->curve = BR_EC_secp521r1;
            else return 0;
            tv->q = bits; tv->q_len = bits_len;
            tv->key_type = BR_KEYTYPE_EC;
        } else {
            return 0;
        }
    }
    while (p < end) {                                           /* [1], [2] unique IDs, [3] extensions */
        if (!tg__der_next(&p, end, &tag, &v, &n)) return 0;
        if (tag == 0xa3) break;
    }
    if (tag == 0xa3) {
        const unsigned char *x = v, *xend = v + n, *ext, *eend, *oid, *val;
        size_t oid_len;
        if (!tg__der_next(&x, xend, &tag, &v, &n) || tag != 0x30) return 0;
        x = v; xend = v + n;
        while (x < xend) {
            if (!tg__der_next(&x, xend, &tag, &ext, &n) || tag != 0x30) return 0;
            eend = ext + n;
            if (!tg__der_next(&ext, eend, &tag, &oid, &oid_len) || tag != 0x06) return 0;
            if (!tg__oid_is(oid, oid_len, "\x55\x1d\x13", 3)) continue;           /* basicConstraints */
            if (!tg__der_next(&ext, eend, &tag, &val, &n)) return 0;
            if (tag == 0x01 && !tg__der_next(&ext, eend, &tag, &val, &n)) return 0;   /* critical */
            if (tag != 0x04) return 0;
            ext = val; eend = val + n;
            if (!tg__der_next(&ext, eend, &tag, &val, &n) || tag != 0x30) return 0;
            ext = val; eend = val + n;
            tv->ca = ext < eend && tg__der_next(&ext, eend, &tag, &val, &n) && tag == 0x01 && n == 1 && val[0] != 0;
            break;
        }
    }
    return 1;
}

/* DER certificate → trust anchor (DN and public key copied) */
static int tg__ta_add(tg__tls_ctx *ctx, const unsigned char *der, size_t len) {
    tg__ta_view tv;
    br_x509_trust_anchor ta;
    if (!tg__ta_parse(der, len, &tv)) return 0;                 /* skip what we cannot use */
    memset(&ta, 0, sizeof ta);
    ta.dn.data = (unsigned char *)tg__dup(ctx->a, tv.dn, tv.dn_len);
    ta.dn.len = tv.dn_len;
    ta.flags = tv.ca ? BR_X509_TA_CA : 0;
    ta.pkey.key_type = (unsigned char)tv.key_type;
    if (tv.key_type == BR_KEYTYPE_RSA) {
        ta.pkey.key.rsa.n = (unsigned char *)tg__dup(ctx->a, tv.n, tv.n_len);
        ta.pkey.key.rsa.nlen = tv.n_len;
        ta.pkey.key.rsa.e = (unsigned char *)tg__dup(ctx->a, tv.e, tv.e_len);
        ta.pkey.key.rsa.elen = tv.e_len;
    } else {
        ta.pkey.key.ec.curve = tv.curve;
        ta.pkey.key.ec.q = (unsigned char *)tg__dup(ctx->a, tv.q, tv.q_len);
        ta.pkey.key.ec.qlen = tv.q_len;
    }
    if (ctx->ntas == ctx->tas_cap) {
        size_t nc = ctx->tas_cap ? ctx->tas_cap * 2 : 64;
        br_x509_trust_anchor *q = (br_x509_trust_anchor *)tg__realloc(ctx->a, ctx->tas,
            ctx->tas_cap * sizeof *q, nc * sizeof *q);
        if (!q) return -1;
        ctx->tas = q; ctx->tas_cap = nc;
    }
    ctx->tas[ctx->ntas++] = ta;
    return 1;
}

typedef int (*tg__pem_fn)(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len);

static int tg__b64v(unsigned char ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

static const unsigned char *tg__find(const unsigned char *p, const unsigned char *end, const char *lit, size_t n) {
    while ((size_t)(end - p) >= n) {
        const unsigned char *q = (const unsigned char *)memchr(p, lit[0], (size_t)(end - p) - n + 1);
        if (!q) return NULL;
        if (memcmp(q, lit, n) == 0) return q;
        p = q + 1;
    }
    return NULL;
}

/* Hands each PEM object (RFC 7468: BEGIN line, base64, END line) to fn as DER. Our own base64 loop:
   BearSSL's byte-at-a-time PEM decoder took 40 ms for the 220 KB system bundle. -1 on bad base64. */
static int tg__pem_each(tg__tls_ctx *ctx, const unsigned char *pem, size_t len, tg__pem_fn fn) {
    const unsigned char *p = pem, *end = pem + len;
    tg__bytes der;
    int objs = 0;
    memset(&der, 0, sizeof der);
    der.a = ctx->a;
    for (;;) {
        const unsigned char *b = tg__find(p, end, "-----BEGIN ", 11), *ne, *e, *q;
        char name[128];
        uint32_t acc = 0;
        unsigned bits = 0;
        bool pad = false;
        int r;
        if (!b) break;
        b += 11;
        ne = tg__find(b, end, "-----", 5);
        e = ne ? tg__find(ne + 5, end, "-----END ", 9) : NULL;
        if (!e || (size_t)(ne - b) >= sizeof name || memchr(b, '\n', (size_t)(ne - b))) { objs = -1; break; }
        memcpy(name, b, (size_t)(ne - b));
        name[ne - b] = '\0';
        der.len = 0;
        if (der.cap < (size_t)(e - ne)) {                    /* room for the body decoded: 3/4 of it */
            tg__free(der.a, der.p, der.cap);
            der.cap = (size_t)(e - ne);
            if ((der.p = (unsigned char *)tg__alloc(der.a, der.cap)) == NULL) { der.cap = 0; objs = -1; break; }
        }
        for (q = ne + 5; q < e; q++) {
            int v;
            if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n') continue;
            if (*q == '=') { pad = true; continue; }
            if (pad || (v = tg__b64v(*q)) < 0) break;         /* data after padding, or not base64 */
            acc = (acc << 6 | (uint32_t)v) & 0xffffffu;
            bits += 6;
            if (bits >= 8) { bits -= 8; der.p[der.len++] = (unsigned char)(acc >> bits); }
        }
        if (q < e) { objs = -1; break; }
        r = fn(ctx, name, der.p, der.len);
        if (r < 0) { objs = -1; break; }
        objs += r;
        p = e + 9;
    }
    tg__free(ctx->a, der.p, der.cap);
    return objs;
}

static int tg__pem_cert_to_ta(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len) {
    if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) return 0;
    return tg__ta_add(ctx, der, len);
}

static int tg__read_file(const tg_allocator *a, const char *path, unsigned char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    tg__bytes b;
    unsigned char tmp[4096];
    size_t n;
    if (!f) return -1;
    memset(&b, 0, sizeof b);
    b.a = a;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) tg__bytes_add(&b, tmp, n);
    fclose(f);
    if (b.oom) { tg__free(a, b.p, b.cap); return -1; }
    *out = b.p; *len = b.len;
    return 0;
}

static void tg__free_tas(tg__tls_ctx *ctx) {
    size_t i;
    if (!ctx->own_tas) return;
    for (i = 0; i < ctx->ntas; i++) {
        br_x509_trust_anchor *t = &ctx->tas[i];
        tg__free(ctx->a, t->dn.data, t->dn.len);
        if (t->pkey.key_type == BR_KEYTYPE_RSA) {
            tg__free(ctx->a, t->pkey.key.rsa.n, t->pkey.key.rsa.nlen);
            tg__free(ctx->a, t->pkey.key.rsa.e, t->pkey.key.rsa.elen);
        } else {
            tg__free(ctx->a, t->pkey.key.ec.q, t->pkey.key.ec.qlen);
        }
    }
    tg__free(ctx->a, ctx->tas, ctx->tas_cap * sizeof *ctx->tas);
    ctx->tas = NULL; ctx->ntas = ctx->tas_cap = 0;
}

/* A CA bundle file is decoded once per process and version of the file (path, size, mtime) and then
   shared by every client context: bots are cheap to create. The decode uses the default allocator
   and is kept until the process ends, because contexts made from it may still be in use. */
typedef struct tg__ta_cache {
    struct tg__ta_cache *next;
    long long size, mtime;
    br_x509_trust_anchor *tas;
    size_t ntas;
    char path[1];                 /* NUL-terminated, allocated with the entry */
} tg__ta_cache;
static tg__ta_cache *tg__ta_caches;   /* under tg__global_lock */

/* the anchors of the PEM file at path: count (0 = none usable), or -1 when it cannot be read */
static int tg__tas_from_file(tg__tls_ctx *ctx, const char *path) {
    struct stat sb;
    tg__ta_cache *c;
    int n = -1;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return -1;
    tg__global_lock();
    for (c = tg__ta_caches; c; c = c->next)
        if (c->size == (long long)sb.st_size && c->mtime == (long long)sb.st_mtime && strcmp(c->path, path) == 0) break;
    if (!c) {
        tg__tls_ctx tmp;
        unsigned char *pem;
        size_t len;
        memset(&tmp, 0, sizeof tmp);  /* allocator NULL: the default one, as the cache outlives the bot */
        tmp.own_tas = true;
        if (tg__read_file(NULL, path, &pem, &len) == 0) {
            n = tg__pem_each(&tmp, pem, len, tg__pem_cert_to_ta);
            tg__free(NULL, pem, len);
        }
        if (n > 0 && (c = (tg__ta_cache *)tg__alloc(NULL, sizeof *c + strlen(path))) != NULL) {
            c->size = (long long)sb.st_size; c->mtime = (long long)sb.st_mtime;
            c->tas = tmp.tas; c->ntas = tmp.ntas;
            memcpy(c->path, path, strlen(path) + 1);
            c->next = tg__ta_caches;
            tg__ta_caches = c;
        } else {
            tg__free_tas(&tmp);
            if (n > 0) n = 0;
        }
    }
    tg__global_unlock();
    if (!c) return n;
    ctx->tas = c->tas;
    ctx->ntas = c->ntas;
    return (int)c->ntas;
}

TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err) {
    static const char *const probe[] = { "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", "/usr/local/share/certs/ca-root-nss.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", NULL };
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a; ctx->plat = plat;
    if (o && o->anchors && o->anchors_count) {            /* compiled-in anchors: used as they are */
        ctx->tas = (br_x509_trust_anchor *)(uintptr_t)o->anchors;
        ctx->ntas = o->anchors_count;
    } else {
        int n = -1, i;
        const char *used = NULL;
        if (o && o->ca_pem) {
            ctx->own_tas = true;
            n = tg__pem_each(ctx, (const unsigned char *)o->ca_pem, strlen(o->ca_pem), tg__pem_cert_to_ta);
            used = "the CA PEM text";
        } else if (o && o->ca_file) {
            n = tg__tas_from_file(ctx, o->ca_file);
            used = o->ca_file;
        } else {
            for (i = 0; probe[i] && n < 0; i++) {            /* the first bundle that can be read */
                n = tg__tas_from_file(ctx, probe[i]);
                if (n >= 0) used = probe[i];
            }
        }
        if (n <= 0) {
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "no trust anchors loaded from %s",
                          used ? used : "the system CA bundle (none of the usual paths exists)");
            tg__tls_ctx_free(ctx);
            return TG_ERR_TLS;
        }
    }
    *out = ctx;
    return TG_OK;
}

static int tg__pem_server(tg__tls_ctx *ctx, const char *name, const unsigned char *der, size_t len) {
    if (strcmp(name, "CERTIFICATE") == 0) {
        br_x509_certificate *q = (br_x509_certificate *)tg__realloc(ctx->a, ctx->chain,
            ctx->nchain * sizeof *q, (ctx->nchain + 1) * sizeof *q);
        if (!q) return -1;
        ctx->chain = q;
        q[ctx->nchain].data = (unsigned char *)tg__dup(ctx->a, der, len);
        q[ctx->nchain].data_len = len;
        if (ctx->nchain == 0) {   /* who signed the leaf decides the server's suite set */
            br_x509_decoder_context dc;
            br_x509_decoder_init(&dc, NULL, NULL);
            br_x509_decoder_push(&dc, der, len);
            ctx->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
        }
        ctx->nchain++;
        return 1;
    }
    if (strstr(name, "PRIVATE KEY")) {
        if (!ctx->skey) ctx->skey = (br_skey_decoder_context *)tg__alloc(ctx->a, sizeof *ctx->skey);
        if (!ctx->skey) return -1;
        br_skey_decoder_init(ctx->skey);
        br_skey_decoder_push(ctx->skey, der, len);
        return br_skey_decoder_key_type(ctx->skey) ? 1 : -1;
    }
    return 0;
}

TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert_file, const char *key_file,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err) {
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    const char *files[2];
    int i;
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a; ctx->plat = plat; ctx->server = true;
    files[0] = cert_file; files[1] = key_file;
    for (i = 0; i < 2; i++) {
        unsigned char *pem;
        size_t len;
        int n;
        if (!files[i] || tg__read_file(a, files[i], &pem, &len) != 0) {
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "cannot read the webhook %s file", i ? "key" : "certificate");
            tg__tls_ctx_free(ctx);
            return TG_ERR_TLS;
        }
        n = tg__pem_each(ctx, pem, len, tg__pem_server);
        tg__free(a, pem, len);
        if (n <= 0) {
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "the webhook %s file holds no usable PEM object", i ? "key" : "certificate");
            tg__tls_ctx_free(ctx);
            return TG_ERR_TLS;
        }
    }
    if (!ctx->nchain || !ctx->skey || !br_skey_decoder_key_type(ctx->skey)) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "webhook TLS needs a certificate and its private key");
        tg__tls_ctx_free(ctx);
        return TG_ERR_TLS;
    }
    ctx->cache_buf = (unsigned char *)tg__alloc(a, 16384);
    if (!ctx->cache_buf) { tg__tls_ctx_free(ctx); return TG_ERR_NOMEM; }
    br_ssl_session_cache_lru_init(&ctx->cache, ctx->cache_buf, 16384);
    *out = ctx;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx) {
    size_t i;
    if (!ctx) return;
    tg__free_tas(ctx);
    for (i = 0; i < ctx->nchain; i++) tg__free(ctx->a, ctx->chain[i].data, ctx->chain[i].data_len);
    tg__free(ctx->a, ctx->chain, ctx->nchain * sizeof *ctx->chain);
    if (ctx->skey) { tg__wipe(ctx->skey, sizeof *ctx->skey); tg__free(ctx->a, ctx->skey, sizeof *ctx->skey); }
    tg__free(ctx->a, ctx->cache_buf, 16384);
    tg__wipe(&ctx->session, sizeof ctx->session);
    tg__free(ctx->a, ctx, sizeof *ctx);
}

TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *server_name, tg_error *err) {
    tg__tls *t = (tg__tls *)tg__alloc(ctx->a, sizeof *t);
    int ok;
    *out = NULL;
    if (!t) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_TLS, "out of memory"); return TG_ERR_NOMEM; }
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    if (ctx->server) {
        br_ssl_server_context *sc = &t->u.s;
        if (br_skey_decoder_key_type(ctx->skey) == BR_KEYTYPE_RSA)
            br_ssl_server_init_full_rsa(sc, ctx->chain, ctx->nchain, br_skey_decoder_get_rsa(ctx->skey));
        else
            br_ssl_server_init_full_ec(sc, ctx->chain, ctx->nchain,
                                       (unsigned)(ctx->issuer_key_type ? ctx->issuer_key_type : BR_KEYTYPE_EC),
                                       br_skey_decoder_get_ec(ctx->skey));
        t->eng = &sc->eng;
        br_ssl_engine_set_buffer(t->eng, t->buf, sizeof t->buf, 0);
        br_ssl_server_set_cache(sc, &ctx->cache.vtable);
        ok = br_ssl_server_reset(sc);
    } else {
        br_ssl_client_context *cc = &t->u.c;
        int64_t now = tg__wall_time(ctx->plat);
        if (!server_name || !*server_name) {   /* BearSSL would skip the name check: never */
            tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "no host name to verify the server certificate against");
            tg__free(ctx->a, t, sizeof *t);
            return TG_ERR_TLS;
        }
        t->ip_len = tg__ip_parse(server_name, t->ip);
        br_ssl_client_init_full(cc, &t->xc, ctx->tas, ctx->ntas);
        /* BearSSL offers ChaCha20 first, the right choice without AES hardware. With AES-NI and
           carry-less multiply, AES-GCM costs a fraction of it, so offer that first (as OpenSSL does). */
        if (br_aes_x86ni_ctr_get_vtable() && br_ghash_pclmul_get()) {
            static const uint16_t gcm_first[] = {
                BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
                BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
                BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
                BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
                BR_TLS_RSA_WITH_AES_128_GCM_SHA256, BR_TLS_RSA_WITH_AES_256_GCM_SHA384,
                BR_TLS_RSA_WITH_AES_128_CBC_SHA256, BR_TLS_RSA_WITH_AES_256_CBC_SHA256,
                BR_TLS_RSA_WITH_AES_128_CBC_SHA, BR_TLS_RSA_WITH_AES_256_CBC_SHA
            };
            br_ssl_engine_set_suites(&cc->eng, gcm_first, sizeof gcm_first / sizeof gcm_first[0]);
        }
        /* days since 0000-01-01 and seconds in the day */
        br_x509_minimal_set_time(&t->xc, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
        t->eng = &cc->eng;
        br_ssl_engine_set_buffer(t->eng, t->buf, sizeof t->buf, 0);
        if (ctx->have_session) {
            br_ssl_engine_set_session_parameters(t->eng, &ctx->session);
            memcpy(t->saved_id, ctx->session.session_id, ctx->session.session_id_len);
            t->saved_id_len = ctx->session.session_id_len;
        }
        if (t->ip_len) {          /* no SNI for an address (RFC 6066 3); the wrapper checks the name */
            t->ipv = &tg__ipx_class;
            br_ssl_engine_set_x509(t->eng, &t->ipv);
        }
        ok = br_ssl_client_reset(cc, t->ip_len ? NULL : server_name, ctx->have_session ? 1 : 0);
    }
    if (!ok) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "TLS engine reset failed (error %d)", br_ssl_engine_last_error(t->eng));
        tg__free(ctx->a, t, sizeof *t);
        return TG_ERR_TLS;
    }
    *out = t;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_free(tg__tls *t) {
    if (!t) return;
    tg__wipe(t->buf, sizeof t->buf);
    tg__free(t->ctx->a, t->ee, t->ee_cap);
    tg__free(t->ctx->a, t, sizeof *t);
}

TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s) {
    int i;
    if (!t->done) return;
    br_ssl_engine_close(t->eng);
    for (i = 0; i < 4 && (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC); i++) {
        size_t len;
        unsigned char *b = br_ssl_engine_sendrec_buf(t->eng, &len);
        long r = tg__sock_send(s, b, len);
        if (r <= 0) break;
        br_ssl_engine_sendrec_ack(t->eng, (size_t)r);
    }
}

static int tg__br_fail(tg__tls *t, tg_error *err) {
    int e = br_ssl_engine_last_error(t->eng);
    tg_err code = TG_ERR_TLS;
    const char *why = "TLS failure";
    switch (e) {
    case BR_ERR_X509_NOT_TRUSTED: code = TG_ERR_TLS_UNTRUSTED; why = "certificate chain does not lead to a trusted CA"; break;
    case BR_ERR_X509_BAD_SERVER_NAME: code = TG_ERR_TLS_HOSTNAME; why = "certificate is not valid for the server name"; break;
    case BR_ERR_X509_EXPIRED: code = TG_ERR_TLS_EXPIRED; why = "certificate expired or not yet valid"; break;
    case BR_ERR_X509_NOT_CA: case BR_ERR_X509_BAD_SIGNATURE: case BR_ERR_X509_CRITICAL_EXTENSION:
        code = TG_ERR_TLS_UNTRUSTED; why = "certificate chain is invalid"; break;
    case BR_ERR_BAD_VERSION: why = "peer does not speak TLS 1.0-1.2"; break;
    case BR_ERR_BAD_CIPHER_SUITE: case BR_ERR_NO_CLIENT_AUTH: why = "no common cipher suite"; break;
    case BR_ERR_BAD_MAC: why = "record authentication failed"; break;
    case BR_ERR_IO: code = TG_ERR_IO; why = "socket error during TLS"; break;
    default:
        if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_RECV_FATAL_ALERT + 256) why = "peer sent a fatal alert";
        else if (e >= BR_ERR_SEND_FATAL_ALERT) why = "local fatal alert";
        break;
    }
    tg__error_set(err, code, TG_PHASE_TLS, "TLS: %s (BearSSL error %d)", why, e);
    if (err) err->tls_code = e;
    return TG__TLS_FAIL;
}

/* fills BearSSL's record buffer from the read-ahead, or from the socket */
static long tg__br_recv(tg__tls *t, tg__sock s, unsigned char *b, size_t len) {
    long r;
    if (t->ra_pos == t->ra_len) {
        if (len >= sizeof t->ra) return tg__sock_recv(s, b, len);
        r = tg__sock_recv(s, t->ra, sizeof t->ra);
        if (r <= 0) return r;
        t->ra_pos = 0; t->ra_len = (size_t)r;
    }
    r = (long)TGBOT__MIN(len, t->ra_len - t->ra_pos);
    memcpy(b, t->ra + t->ra_pos, (size_t)r);
    t->ra_pos += (size_t)r;
    return r;
}

/* moves records between the engine and the socket; 1 progress, WANT_*, 0 closed, FAIL */
static int tg__br_pump(tg__tls *t, tg__sock s, bool want_app_read, tg_error *err) {
    unsigned st = br_ssl_engine_current_state(t->eng);
    if (st & BR_SSL_CLOSED) return br_ssl_engine_last_error(t->eng) ? tg__br_fail(t, err) : 0;
    if (st & BR_SSL_SENDREC) {
        size_t len;
        unsigned char *b = br_ssl_engine_sendrec_buf(t->eng, &len);
        long r = tg__sock_send(s, b, len);
        if (r == TG__WOULDBLOCK) return TG__TLS_WANT_WRITE;
        if (r < 0) {
            int en = errno;
            tg__error_set(err, en == EPIPE || en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, TG_PHASE_TLS, "send failed: %s", strerror(en));
            if (err) err->sys_errno = en;
            br_ssl_engine_close(t->eng);
            return TG__TLS_FAIL;
        }
        br_ssl_engine_sendrec_ack(t->eng, (size_t)r);
        return 1;
    }
    if ((st & BR_SSL_RECVREC) && (want_app_read || !(st & BR_SSL_SENDAPP) || !t->done)) {
        size_t len;
        unsigned char *b = br_ssl_engine_recvrec_buf(t->eng, &len);
        long r = tg__br_recv(t, s, b, len);
        if (r == TG__WOULDBLOCK) return TG__TLS_WANT_READ;
        if (r == 0) {
            /* TCP closed without close_notify: an EOF for HTTP framing to judge */
            return t->done ? 0 : (tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_TLS, "connection closed during the TLS handshake"), TG__TLS_FAIL);
        }
        if (r < 0) {
            int en = errno;
            tg__error_set(err, en == ECONNRESET ? TG_ERR_CLOSED : TG_ERR_IO, TG_PHASE_TLS, "receive failed: %s", strerror(en));
            if (err) err->sys_errno = en;
            return TG__TLS_FAIL;
        }
        br_ssl_engine_recvrec_ack(t->eng, (size_t)r);
        return 1;
    }
    return TG__TLS_WANT_READ;
}

TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if ((st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) && !(st & BR_SSL_SENDREC)) {
            if (!t->done && !t->ctx->server) {
                br_ssl_session_parameters sp;
                br_ssl_engine_get_session_parameters(t->eng, &sp);
                t->resumed = t->saved_id_len && sp.session_id_len == t->saved_id_len &&
                             memcmp(sp.session_id, t->saved_id, t->saved_id_len) == 0;
                t->ctx->session = sp;
                t->ctx->have_session = true;
                tg__wipe(&sp, sizeof sp);
            }
            t->done = true;
            return 0;
        }
        r = tg__br_pump(t, s, false, err);
        if (r == 0) {
            if (br_ssl_engine_last_error(t->eng)) return tg__br_fail(t, err);
            tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_TLS, "TLS connection closed during the handshake");
            return TG__TLS_FAIL;
        }
        if (r < 0) return r;
    }
}

TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *buf, size_t n, tg_error *err) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if (st & BR_SSL_RECVAPP) {
            size_t len;
            unsigned char *b = br_ssl_engine_recvapp_buf(t->eng, &len);
            if (len > n) len = n;
            memcpy(buf, b, len);
            br_ssl_engine_recvapp_ack(t->eng, len);
            return (long)len;
        }
        r = tg__br_pump(t, s, true, err);
        if (r == 0) return 0;
        if (r < 0) return r;
    }
}

TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *buf, size_t n, tg_error *err) {
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if (st & BR_SSL_SENDAPP) {
            size_t len;
            unsigned char *b = br_ssl_engine_sendapp_buf(t->eng, &len);
            if (len > n) len = n;
            memcpy(b, buf, len);
            br_ssl_engine_sendapp_ack(t->eng, len);
            return (long)len;
        }
        r = tg__br_pump(t, s, false, err);
        if (r == 0) { tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_SEND, "TLS connection closed"); return TG__TLS_FAIL; }
        if (r < 0) return r;
    }
}

TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err) {
    br_ssl_engine_flush(t->eng, 0);
    for (;;) {
        unsigned st = br_ssl_engine_current_state(t->eng);
        int r;
        if (!(st & BR_SSL_SENDREC)) return 0;
        r = tg__br_pump(t, s, false, err);
        if (r == 0) { tg__error_set(err, TG_ERR_CLOSED, TG_PHASE_SEND, "TLS connection closed"); return TG__TLS_FAIL; }
        if (r < 0) return r;
    }
}

TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) {
    return (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) != 0 || t->ra_pos < t->ra_len;
}

TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t) { return t->resumed; }
#endif
