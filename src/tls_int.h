/* tls (internal): one small interface, three backends chosen at compile time (tls_bearssl.c,
   tls_mbedtls.c, tls_none.c). Operates on a connected non-blocking socket. */
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
