/* business: business accounts connected to the bot (TGBOT_ENABLE_STARS).
   Tracks connections from business_connection updates (id -> user, rights, enabled) in memory, with
   an optional journal so they survive a restart; checks rights BEFORE calling a business method and
   fails with TG_ERR_ARG naming the missing right ("... lacks can_transfer_stars"), so nothing is
   sent that Telegram would refuse; and replies / gift / Stars helpers that carry the
   business_connection_id. A disabled (or unknown) connection is refused the same way. */
#if TGBOT__HAS_STARS

/* BusinessBotRights as bits */
#define TG_BIZ_CAN_REPLY                    (1u << 0)
#define TG_BIZ_CAN_READ_MESSAGES            (1u << 1)
#define TG_BIZ_CAN_DELETE_SENT_MESSAGES     (1u << 2)
#define TG_BIZ_CAN_DELETE_ALL_MESSAGES      (1u << 3)
#define TG_BIZ_CAN_EDIT_NAME                (1u << 4)
#define TG_BIZ_CAN_EDIT_BIO                 (1u << 5)
#define TG_BIZ_CAN_EDIT_PROFILE_PHOTO       (1u << 6)
#define TG_BIZ_CAN_EDIT_USERNAME            (1u << 7)
#define TG_BIZ_CAN_CHANGE_GIFT_SETTINGS     (1u << 8)
#define TG_BIZ_CAN_VIEW_GIFTS_AND_STARS     (1u << 9)
#define TG_BIZ_CAN_CONVERT_GIFTS_TO_STARS   (1u << 10)
#define TG_BIZ_CAN_TRANSFER_AND_UPGRADE_GIFTS (1u << 11)
#define TG_BIZ_CAN_TRANSFER_STARS           (1u << 12)
#define TG_BIZ_CAN_MANAGE_STORIES           (1u << 13)

typedef struct tg_biz_conn {
    char id[128];
    int64_t user_id;
    int64_t user_chat_id;
    uint32_t rights;               /* TG_BIZ_* */
    bool enabled;
} tg_biz_conn;

typedef struct tg_business tg_business;

TGBOT_API tg_err tg_business_new(tg_business **out, const tg_journal_desc *journal, tg_error *err);   /* journal NULL: memory only */
TGBOT_API void tg_business_free(tg_business *b);
TGBOT_API uint32_t tg_business_rights_bits(const tg_business_bot_rights *r);
TGBOT_API const char *tg_business_right_name(uint32_t right);    /* "can_transfer_stars"; one bit */
/* a business_connection update: added, changed or disabled */
TGBOT_API tg_err tg_business_track(tg_business *b, const tg_business_connection *c, tg_error *err);
/* a dispatcher handler: tg_on_update(d, "business_connection", tg_business_on_update, business) */
TGBOT_API int tg_business_on_update(tg_ctx *ctx, void *business);
TGBOT_API const tg_biz_conn *tg_business_get(const tg_business *b, const char *connection_id);
TGBOT_API size_t tg_business_count(const tg_business *b);
/* TG_OK when the connection is known, enabled and has every right in `rights`; else TG_ERR_ARG
   (TG_ERR_NOT_FOUND for an unknown connection) naming the first missing right */
TGBOT_API tg_err tg_business_require(const tg_business *b, const char *connection_id, uint32_t rights, tg_error *err);

/* helpers: check the rights, then call with business_connection_id (err optional) */
TGBOT_API tg_err tg_business_reply(tg_bot *bot, const tg_business *b, const tg_message *m, const char *text,
                                   tg_message **out, tg_error *err);                       /* can_reply */
TGBOT_API tg_err tg_business_stars(tg_bot *bot, const tg_business *b, const char *conn, int64_t *stars, tg_error *err);
TGBOT_API tg_err tg_business_gifts(tg_bot *bot, const tg_business *b, const char *conn, tg_owned_gifts **out, tg_error *err);
TGBOT_API tg_err tg_business_convert_gift(tg_bot *bot, const tg_business *b, const char *conn, const char *owned_gift_id,
                                          tg_error *err);                                  /* can_convert_gifts_to_stars */
/* star_count > 0 (paid upgrade / transfer) also needs can_transfer_stars */
TGBOT_API tg_err tg_business_upgrade_gift(tg_bot *bot, const tg_business *b, const char *conn, const char *owned_gift_id,
                                          bool keep_original_details, int64_t star_count, tg_error *err);
TGBOT_API tg_err tg_business_transfer_gift(tg_bot *bot, const tg_business *b, const char *conn, const char *owned_gift_id,
                                           int64_t new_owner_chat_id, int64_t star_count, tg_error *err);
TGBOT_API tg_err tg_business_transfer_stars(tg_bot *bot, const tg_business *b, const char *conn, int64_t star_count,
                                            tg_error *err);                                /* 1-10000; can_transfer_stars */

#endif /* TGBOT__HAS_STARS */
