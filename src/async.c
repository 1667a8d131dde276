/* async: the built-in stages of this build, in one list (the engine itself is in bot.c; it knows
   the stages only through tg__stage). Each module registers its own link. */
TGBOT__INTERN tg_err tg__stages_builtin(tg_bot *b, const tg_bot_desc *d, tg_error *err) {
    tg_err e = TG_OK;
    (void)b; (void)d; (void)err;
#if TGBOT__HAS_CACHE       /* [cache] */
    if (!e) e = tg__cache_stage(b, d, err);
#endif
#if TGBOT__HAS_BREAKER     /* [limits] */
    if (!e) e = tg__breaker_stage(b, d, err);
#endif
#if TGBOT__HAS_RATELIMIT   /* [limits] */
    if (!e) e = tg__ratelimit_stage(b, d, err);
#endif
#if TGBOT__HAS_ANALYTICS   /* [analytics] */
    if (!e) e = tg__analytics_stage(b, d, err);
#endif
#if TGBOT__HAS_STORE       /* [store] */
    if (!e) e = tg__poll_lease_stage(b, err);
#endif
    return e;
}

#if TGBOT__HAS_WEBHOOK     /* [webhook] the server as a source of work on the bot's loop */
static size_t tg__wh_src_fds(void *ud, tg_loop_fd *fds, size_t cap) {
    tg_webhook_fd tmp[1024];
    size_t n = tg_webhook_fds((const tg_webhook *)ud, tmp, 1024), i;
    if (n > 1024) n = 1024;               /* beyond: served on a later round */
    for (i = 0; i < n && i < cap; i++) {
        fds[i].fd = tmp[i].fd;
        fds[i].events = (tmp[i].read ? TG_LOOP_READ : 0) | (tmp[i].write ? TG_LOOP_WRITE : 0);
    }
    return n;
}
static int tg__wh_src_timeout(void *ud) { return tg_webhook_timeout_ms((const tg_webhook *)ud); }
static bool tg__wh_src_step(void *ud) { return tg_webhook_step((tg_webhook *)ud, 0) != TG_ERR_STOPPED; }

TGBOT_API void tg_loop_add_webhook(tg_bot *bot, tg_webhook *w) {
    tg__loop_source s;
    if (!w) { tg__loop_set_source(bot, NULL); return; }
    s.fds = tg__wh_src_fds;
    s.timeout_ms = tg__wh_src_timeout;
    s.step = tg__wh_src_step;
    s.ud = w;
    tg__loop_set_source(bot, &s);
}
#endif
