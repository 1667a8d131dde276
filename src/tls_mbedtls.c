/* tls_mbedtls: the TGBOT_TLS_MBEDTLS backend (mbedTLS 2.28+). Same interface as BearSSL's.
   mbedTLS checks certificate validity against the system clock (it has no per-connection time
   hook without MBEDTLS_PLATFORM_TIME_ALT), so the platform wall_time hook does not apply here. */
#if TGBOT__TLS_MBEDTLS
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wconversion"
#endif
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/pk.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

struct tg__tls_ctx {
    const tg_allocator *a;
    bool server;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca, own;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_cache_context cache;
    mbedtls_ssl_session session;
    bool have_session;
};

struct tg__tls {
    tg__tls_ctx *ctx;
    mbedtls_ssl_context ssl;
    tg__sock fd;
    bool resumed, done;
    unsigned char ip[16];         /* an IP address host, checked by tg__mb_verify_ip */
    size_t ip_len;
    /* mbedTLS asks for a record's 5-byte header, then its body: reading ahead makes a small
       response one recv() instead of two (large reads still go straight into mbedTLS's buffer) */
    unsigned char ra[4096];
    size_t ra_pos, ra_len;
};

static int tg__mb_send(void *p, const unsigned char *buf, size_t n) {
    tg__tls *t = (tg__tls *)p;
    long r = tg__sock_send(t->fd, buf, n);
    if (r == TG__WOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (r < 0) return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
    return (int)r;
}

static int tg__mb_recv(void *p, unsigned char *buf, size_t n) {
    tg__tls *t = (tg__tls *)p;
    long r = 0;
    if (t->ra_pos == t->ra_len) {
        if (n >= sizeof t->ra) r = tg__sock_recv(t->fd, buf, n);
        else if ((r = tg__sock_recv(t->fd, t->ra, sizeof t->ra)) > 0) { t->ra_pos = 0; t->ra_len = (size_t)r; }
    }
    if (t->ra_pos < t->ra_len) {   /* serve from the read-ahead */
        r = (long)TGBOT__MIN(n, t->ra_len - t->ra_pos);
        memcpy(buf, t->ra + t->ra_pos, (size_t)r);
        t->ra_pos += (size_t)r;
    }
    if (r == TG__WOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (r < 0) return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
    return (int)r;
}

static tg_err tg__mb_common(tg__tls_ctx *ctx, int endpoint, tg_error *err) {
    static const char pers[] = "tgbot.h";
    int r;
    mbedtls_ssl_config_init(&ctx->conf);
    mbedtls_x509_crt_init(&ctx->ca);
    mbedtls_x509_crt_init(&ctx->own);
    mbedtls_pk_init(&ctx->key);
    mbedtls_entropy_init(&ctx->entropy);
    mbedtls_ctr_drbg_init(&ctx->drbg);
    mbedtls_ssl_cache_init(&ctx->cache);
    mbedtls_ssl_session_init(&ctx->session);
    if ((r = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
                                   (const unsigned char *)pers, sizeof pers - 1)) != 0 ||
        (r = mbedtls_ssl_config_defaults(&ctx->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "mbedTLS set-up failed (-0x%04x)", (unsigned)-r);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
    mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    return TG_OK;
}

TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err) {
    static const char *const probe[] = { "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", "/usr/local/share/certs/ca-root-nss.crt", NULL };
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    int r = -1, i;
    tg_err e;
    (void)plat;
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a;
    if ((e = tg__mb_common(ctx, MBEDTLS_SSL_IS_CLIENT, err)) != TG_OK) { tg__tls_ctx_free(ctx); return e; }
    if (o && o->anchors && o->anchors_count) {
        tg__error_set(err, TG_ERR_UNSUPPORTED, TG_PHASE_TLS, "compiled-in anchors are a BearSSL feature; give ca_pem instead");
        tg__tls_ctx_free(ctx);
        return TG_ERR_UNSUPPORTED;
    }
    if (o && o->ca_pem) r = mbedtls_x509_crt_parse(&ctx->ca, (const unsigned char *)o->ca_pem, strlen(o->ca_pem) + 1);
    else if (o && o->ca_file) r = mbedtls_x509_crt_parse_file(&ctx->ca, o->ca_file);
    else for (i = 0; probe[i] && r < 0; i++) r = mbedtls_x509_crt_parse_file(&ctx->ca, probe[i]);
    if (r < 0 && ctx->ca.version == 0) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "no trust anchors loaded (-0x%04x)", (unsigned)-r);
        tg__tls_ctx_free(ctx);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
    mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    *out = ctx;
    return TG_OK;
}

TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert_file, const char *key_file,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err) {
    tg__tls_ctx *ctx = (tg__tls_ctx *)tg__alloc(a, sizeof *ctx);
    int r;
    tg_err e;
    (void)plat;
    *out = NULL;
    if (!ctx) return TG_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->a = a;
    ctx->server = true;
    if ((e = tg__mb_common(ctx, MBEDTLS_SSL_IS_SERVER, err)) != TG_OK) { tg__tls_ctx_free(ctx); return e; }
    if (!cert_file || !key_file || (r = mbedtls_x509_crt_parse_file(&ctx->own, cert_file)) != 0 ||
        (r = mbedtls_pk_parse_keyfile(&ctx->key, key_file, NULL)) != 0 ||
        (r = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->own, &ctx->key)) != 0) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "cannot load the webhook certificate or key");
        tg__tls_ctx_free(ctx);
        return TG_ERR_TLS;
    }
    mbedtls_ssl_conf_session_cache(&ctx->conf, &ctx->cache, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
    *out = ctx;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx) {
    if (!ctx) return;
    mbedtls_ssl_session_free(&ctx->session);
    mbedtls_ssl_cache_free(&ctx->cache);
    mbedtls_ssl_config_free(&ctx->conf);
    mbedtls_x509_crt_free(&ctx->ca);
    mbedtls_x509_crt_free(&ctx->own);
    mbedtls_pk_free(&ctx->key);
    mbedtls_ctr_drbg_free(&ctx->drbg);
    mbedtls_entropy_free(&ctx->entropy);
    tg__free(ctx->a, ctx, sizeof *ctx);
}

/* mbedTLS 2.x matches a host name against dNSName and CN only: for an IP address host no name is
   set (no SNI either, RFC 6066 3) and the leaf must list the address as an iPAddress name */
static int tg__mb_verify_ip(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
    const tg__tls *t = (const tg__tls *)p;
    if (depth == 0 && !tg__cert_has_ip(crt->raw.p, crt->raw.len, t->ip, t->ip_len)) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *server_name, tg_error *err) {
    tg__tls *t;
    *out = NULL;
    if (!ctx->server && (!server_name || !*server_name)) {   /* mbedTLS 2 would skip the name check */
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "no host name to verify the server certificate against");
        return TG_ERR_TLS;
    }
    t = (tg__tls *)tg__alloc(ctx->a, sizeof *t);
    if (!t) return TG_ERR_NOMEM;
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    t->fd = TG__SOCK_INVALID;
    if (!ctx->server) t->ip_len = tg__ip_parse(server_name, t->ip);
    mbedtls_ssl_init(&t->ssl);
    if (mbedtls_ssl_setup(&t->ssl, &ctx->conf) != 0 ||
        (!ctx->server && !t->ip_len && mbedtls_ssl_set_hostname(&t->ssl, server_name) != 0) ||
        (!ctx->server && ctx->have_session && mbedtls_ssl_set_session(&t->ssl, &ctx->session) != 0)) {
        tg__error_set(err, TG_ERR_TLS, TG_PHASE_TLS, "mbedTLS connection set-up failed");
        mbedtls_ssl_free(&t->ssl);
        tg__free(ctx->a, t, sizeof *t);
        return TG_ERR_TLS;
    }
    if (t->ip_len) mbedtls_ssl_set_verify(&t->ssl, tg__mb_verify_ip, t);
    mbedtls_ssl_set_bio(&t->ssl, t, tg__mb_send, tg__mb_recv, NULL);
    *out = t;
    return TG_OK;
}

TGBOT__INTERN void tg__tls_free(tg__tls *t) {
    if (!t) return;
    mbedtls_ssl_free(&t->ssl);
    tg__free(t->ctx->a, t, sizeof *t);
}

TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s) {
    if (!t->done) return;
    t->fd = s;
    (void)mbedtls_ssl_close_notify(&t->ssl);
}

static long tg__mb_fail(tg__tls *t, int r, tg_error *err) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
    tg_err code = TG_ERR_TLS;
    const char *why = "TLS failure";
    if (r == MBEDTLS_ERR_SSL_WANT_READ) return TG__TLS_WANT_READ;
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return TG__TLS_WANT_WRITE;
    if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != (uint32_t)-1) {
        if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) { code = TG_ERR_TLS_EXPIRED; why = "certificate expired or not yet valid"; }
        else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) { code = TG_ERR_TLS_HOSTNAME; why = "certificate is not valid for the server name"; }
        else { code = TG_ERR_TLS_UNTRUSTED; why = "certificate chain does not lead to a trusted CA"; }
    } else if (r == MBEDTLS_ERR_NET_CONN_RESET || r == MBEDTLS_ERR_NET_SEND_FAILED || r == MBEDTLS_ERR_NET_RECV_FAILED) {
        code = r == MBEDTLS_ERR_NET_CONN_RESET ? TG_ERR_CLOSED : TG_ERR_IO; why = "socket error during TLS";
    }
    tg__error_set(err, code, TG_PHASE_TLS, "TLS: %s (mbedTLS -0x%04x)", why, (unsigned)-r);
    if (err) err->tls_code = r;
    return TG__TLS_FAIL;
}

TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err) {
    int r;
    t->fd = s;
    r = mbedtls_ssl_handshake(&t->ssl);
    if (r != 0) return (int)tg__mb_fail(t, r, err);
    if (!t->done && !t->ctx->server) {
        const mbedtls_ssl_session *now = t->ssl.session;
        /* a resumed session keeps its master secret; the session ID is no evidence, because with a
           ticket the client makes up a fresh ID for every ClientHello */
        t->resumed = t->ctx->have_session && now &&
                     memcmp(now->master, t->ctx->session.master, sizeof now->master) == 0;
        mbedtls_ssl_session_free(&t->ctx->session);
        mbedtls_ssl_session_init(&t->ctx->session);
        t->ctx->have_session = mbedtls_ssl_get_session(&t->ssl, &t->ctx->session) == 0;
    }
    t->done = true;
    return 0;
}

TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *buf, size_t n, tg_error *err) {
    int r;
    t->fd = s;
    r = mbedtls_ssl_read(&t->ssl, (unsigned char *)buf, n);
    if (r > 0) return r;
    if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return 0;
    return tg__mb_fail(t, r, err);
}

TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *buf, size_t n, tg_error *err) {
    int r;
    t->fd = s;
    r = mbedtls_ssl_write(&t->ssl, (const unsigned char *)buf, n);
    if (r >= 0) return r;
    return tg__mb_fail(t, r, err);
}

TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err) {
    (void)t; (void)s; (void)err;   /* mbedtls_ssl_write sends whole records itself */
    return 0;
}

TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) {
    return mbedtls_ssl_get_bytes_avail(&t->ssl) > 0 || t->ra_pos < t->ra_len;
}
TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t) { return t->resumed; }
#endif
