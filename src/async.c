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
    return e;
}
