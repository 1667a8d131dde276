/* updates (internal): what the webhook server needs from the dispatcher. */
/* tg_dispatch with the webhook's response-body slot put on the handler's context */
TGBOT__INTERN tg_err tg__dispatch_in(tg_dispatcher *d, const tg_json_value *update, void *webhook_reply);
TGBOT__INTERN tg_bot *tg__dispatcher_bot(const tg_dispatcher *d);
TGBOT__INTERN bool tg__stop_requested(const tg_dispatcher *d);   /* tg_stop() or SIGINT/SIGTERM */
TGBOT__INTERN void tg__stop_clear(tg_dispatcher *d);
TGBOT__INTERN void tg__catch_signals(bool on);
#if TGBOT__HAS_STORE
/* the polling lease of tg_polling_start as a stage: a getUpdates waits (parked) while another
   process holds the lease (async.c adds it to every bot) */
TGBOT__INTERN tg_err tg__poll_lease_stage(tg_bot *b, tg_error *err);
#endif
TGBOT__INTERN void tg__fire_shutdown(tg_dispatcher *d);           /* the on_shutdown event */                   /* install / restore the handlers */
