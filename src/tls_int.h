/* tls (internal): one small interface, three backends chosen at compile time (tls_bearssl.c,
   tls_mbedtls.c, tls_none.c). Operates on a connected non-blocking socket. */
#if TGBOT__TLS_BEARSSL
/* BearSSL (the backend, and the AEAD of aead.c). Its own headers do not pass our warning set:
   silence them for the include only */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <bearssl.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

typedef struct tg__tls_ctx tg__tls_ctx;   /* trust anchors or server key; session cache */
typedef struct tg__tls tg__tls;           /* one connection */

#define TG__TLS_WANT_READ  (-2)
#define TG__TLS_WANT_WRITE (-3)
#define TG__TLS_FAIL       (-1)

TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err);
TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert_pem_file, const char *key_pem_file,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err);
TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx);
TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *server_name, tg_error *err);
TGBOT__INTERN void tg__tls_free(tg__tls *t);
/* best effort close_notify before the socket closes (lets the server keep the session resumable) */
TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s);
TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err);           /* 0 done, WANT_*, FAIL */
TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *buf, size_t n, tg_error *err);  /* >0, 0 EOF, WANT_*, FAIL */
TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *buf, size_t n, tg_error *err);
TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err);               /* 0 all sent, WANT_WRITE, FAIL */
TGBOT__INTERN bool tg__tls_pending(const tg__tls *t);
TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t);   /* the handshake resumed a saved session */

/* Certificate check shared by the backends. Neither BearSSL nor mbedTLS 2.x matches an IP address
   host against the certificate's iPAddress names, so for https://127.0.0.1 the chain is validated
   without a name and the end-entity certificate (DER) is searched here: the address must be one of
   its subjectAltName iPAddress entries (RFC 5280 4.2.1.6; RFC 2818 3.1: never the Common Name). */
/* one DER element at *p: tag byte, contents; false when malformed or past end */
TGBOT_PRIVATE bool tg__der_next(const unsigned char **p, const unsigned char *end, unsigned *tag,
                                const unsigned char **val, size_t *len) {
    const unsigned char *q = *p;
    size_t n;
    if (end - q < 2) return false;
    *tag = *q++;
    if ((*tag & 0x1f) == 0x1f) return false;           /* multi-byte tags: none in what we read */
    n = *q++;
    if (n & 0x80) {
        unsigned k = n & 0x7f;
        if (k == 0 || k > 4 || (size_t)(end - q) < k) return false;
        for (n = 0; k--; ) n = (n << 8) | *q++;
    }
    if ((size_t)(end - q) < n) return false;
    *val = q; *len = n; *p = q + n;
    return true;
}

/* 1 when the certificate lists ip (4 or 16 bytes) as an iPAddress subjectAltName, else 0 */
TGBOT_PRIVATE int tg__cert_has_ip(const unsigned char *der, size_t der_len, const unsigned char *ip, size_t ip_len) {
    static const unsigned char san_oid[] = { 0x55, 0x1d, 0x11 };   /* 2.5.29.17 */
    const unsigned char *p = der, *end = der + der_len, *v, *tbs_end;
    size_t n;
    unsigned tag;
    if (!tg__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;        /* Certificate */
    p = v; end = v + n;
    if (!tg__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;        /* tbsCertificate */
    p = v; tbs_end = v + n;
    while (p < tbs_end) {                                                     /* to [3] extensions */
        if (!tg__der_next(&p, tbs_end, &tag, &v, &n)) return 0;
        if (tag == 0xa3) break;
    }
    p = v; end = v + n;                                                       /* [3] holds Extensions */
    if (tag != 0xa3 || !tg__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;
    p = v; end = v + n;
    while (p < end) {                                    /* Extension: extnID, [critical], extnValue */
        const unsigned char *e, *ee, *oid;
        size_t oid_len;
        if (!tg__der_next(&p, end, &tag, &e, &n) || tag != 0x30) return 0;
        ee = e + n;
        if (!tg__der_next(&e, ee, &tag, &oid, &oid_len) || tag != 0x06) return 0;
        if (oid_len != sizeof san_oid || memcmp(oid, san_oid, sizeof san_oid) != 0) continue;
        if (!tg__der_next(&e, ee, &tag, &v, &n)) return 0;
        if (tag == 0x01 && !tg__der_next(&e, ee, &tag, &v, &n)) return 0;
        if (tag != 0x04) return 0;
        e = v; ee = v + n;                               /* OCTET STRING holding GeneralNames */
        if (!tg__der_next(&e, ee, &tag, &v, &n) || tag != 0x30) return 0;
        e = v; ee = v + n;
        while (e < ee) {
            if (!tg__der_next(&e, ee, &tag, &v, &n)) return 0;
            if (tag == 0x87 && n == ip_len && memcmp(v, ip, n) == 0) return 1;   /* [7] iPAddress */
        }
        return 0;
    }
    return 0;
}
