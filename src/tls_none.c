/* tls_none: the TGBOT_TLS_NONE backend. https:// base URLs fail clearly at bot creation. */
#if TGBOT__TLS_NONE
static tg_err tg__tls_unsupported(tg_error *err) {
    tg__error_set(err, TG_ERR_UNSUPPORTED, TG_PHASE_TLS, "TLS is not available: built with TGBOT_TLS_NONE");
    return TG_ERR_UNSUPPORTED;
}
TGBOT__INTERN tg_err tg__tls_ctx_client(tg__tls_ctx **out, const tg_tls_options *o, const tg_allocator *a,
                                        const tg_platform *plat, tg_error *err) {
    (void)o; (void)a; (void)plat; *out = NULL;
    return tg__tls_unsupported(err);
}
TGBOT__INTERN tg_err tg__tls_ctx_server(tg__tls_ctx **out, const char *cert, const char *key,
                                        const tg_allocator *a, const tg_platform *plat, tg_error *err) {
    (void)cert; (void)key; (void)a; (void)plat; *out = NULL;
    return tg__tls_unsupported(err);
}
TGBOT__INTERN void tg__tls_ctx_free(tg__tls_ctx *ctx) { (void)ctx; }
TGBOT__INTERN tg_err tg__tls_new(tg__tls **out, tg__tls_ctx *ctx, const char *name, tg_error *err) {
    (void)ctx; (void)name; *out = NULL;
    return tg__tls_unsupported(err);
}
TGBOT__INTERN void tg__tls_free(tg__tls *t) { (void)t; }
TGBOT__INTERN void tg__tls_close(tg__tls *t, tg__sock s) { (void)t; (void)s; }
TGBOT__INTERN int tg__tls_handshake(tg__tls *t, tg__sock s, tg_error *err) {
    (void)t; (void)s; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN long tg__tls_read(tg__tls *t, tg__sock s, void *b, size_t n, tg_error *err) {
    (void)t; (void)s; (void)b; (void)n; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN long tg__tls_write(tg__tls *t, tg__sock s, const void *b, size_t n, tg_error *err) {
    (void)t; (void)s; (void)b; (void)n; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN int tg__tls_flush(tg__tls *t, tg__sock s, tg_error *err) {
    (void)t; (void)s; tg__tls_unsupported(err); return TG__TLS_FAIL;
}
TGBOT__INTERN bool tg__tls_pending(const tg__tls *t) { (void)t; return false; }
TGBOT__INTERN bool tg__tls_resumed(const tg__tls *t) { (void)t; return false; }
#endif
