/* business: connection tracking, rights checks and helpers (see business.h). */
#if TGBOT__HAS_STARS

static const char *const tg__biz_names[] = {
    "can_reply", "can_read_messages", "can_delete_sent_messages", "can_delete_all_messages", "can_edit_name",
    "can_edit_bio", "can_edit_profile_photo", "can_edit_username", "can_change_gift_settings",
    "can_view_gifts_and_stars", "can_convert_gifts_to_stars", "can_transfer_and_upgrade_gifts",
    "can_transfer_stars", "can_manage_stories"
};

struct tg_business {
    tg_biz_conn *conns;
    size_t n, cap;
    tg_journal *j;
};

TGBOT_API const char *tg_business_right_name(uint32_t right) {
    unsigned k;
    for (k = 0; k < sizeof tg__biz_names / sizeof tg__biz_names[0]; k++)
        if (right == (1u << k)) return tg__biz_names[k];
    return "unknown right";
}

TGBOT_API uint32_t tg_business_rights_bits(const tg_business_bot_rights *r) {
    uint32_t v = 0;
    if (!r) return 0;
    if (r->can_reply) v |= TG_BIZ_CAN_REPLY;
    if (r->can_read_messages) v |= TG_BIZ_CAN_READ_MESSAGES;
    if (r->can_delete_sent_messages) v |= TG_BIZ_CAN_DELETE_SENT_MESSAGES;
    if (r->can_delete_all_messages) v |= TG_BIZ_CAN_DELETE_ALL_MESSAGES;
    if (r->can_edit_name) v |= TG_BIZ_CAN_EDIT_NAME;
    if (r->can_edit_bio) v |= TG_BIZ_CAN_EDIT_BIO;
    if (r->can_edit_profile_photo) v |= TG_BIZ_CAN_EDIT_PROFILE_PHOTO;
    if (r->can_edit_username) v |= TG_BIZ_CAN_EDIT_USERNAME;
    if (r->can_change_gift_settings) v |= TG_BIZ_CAN_CHANGE_GIFT_SETTINGS;
    if (r->can_view_gifts_and_stars) v |= TG_BIZ_CAN_VIEW_GIFTS_AND_STARS;
    if (r->can_convert_gifts_to_stars) v |= TG_BIZ_CAN_CONVERT_GIFTS_TO_STARS;
    if (r->can_transfer_and_upgrade_gifts) v |= TG_BIZ_CAN_TRANSFER_AND_UPGRADE_GIFTS;
    if (r->can_transfer_stars) v |= TG_BIZ_CAN_TRANSFER_STARS;
    if (r->can_manage_stories) v |= TG_BIZ_CAN_MANAGE_STORIES;
    return v;
}

static tg_biz_conn *tg__biz_find(const tg_business *b, const char *id) {
    size_t k;
    if (!b || !id) return NULL;
    for (k = 0; k < b->n; k++) if (strcmp(b->conns[k].id, id) == 0) return &b->conns[k];
    return NULL;
}

/* the in-memory update; the journal record is "B <user> <chat> <rights> <enabled> <id>" */
static int tg__biz_set(tg_business *b, const char *id, int64_t user, int64_t chat, uint32_t rights, bool enabled) {
    tg_biz_conn *c = tg__biz_find(b, id);
    if (strlen(id) >= sizeof c->id) return -1;
    if (!c) {
        if (b->n == b->cap) {
            size_t ncap = b->cap ? b->cap * 2 : 8;
            tg_biz_conn *nc = (tg_biz_conn *)tg__realloc(NULL, b->conns, b->cap * sizeof *nc, ncap * sizeof *nc);
            if (!nc) return -1;
            b->conns = nc; b->cap = ncap;
        }
        c = &b->conns[b->n++];
        memset(c, 0, sizeof *c);
        memcpy(c->id, id, strlen(id) + 1);
    }
    c->user_id = user; c->user_chat_id = chat; c->rights = rights; c->enabled = enabled;
    return 0;
}

static int tg__biz_replay(void *ud, const void *rec, size_t len) {
    char buf[256], *p;
    long long user, chat;
    unsigned long rights;
    long en;
    if (len >= sizeof buf || len < 3 || ((const char *)rec)[0] != 'B') return 1;
    memcpy(buf, rec, len);
    buf[len] = '\0';
    user = strtoll(buf + 2, &p, 10);
    chat = strtoll(p, &p, 10);
    rights = strtoul(p, &p, 10);
    en = strtol(p, &p, 10);
    if (*p != ' ' || !p[1]) return 1;
    return tg__biz_set((tg_business *)ud, p + 1, (int64_t)user, (int64_t)chat, (uint32_t)rights, en != 0);
}

TGBOT_API tg_err tg_business_new(tg_business **out, const tg_journal_desc *journal, tg_error *err) {
    tg_business *b = (tg_business *)tg__alloc(NULL, sizeof *b);
    tg_error tmp;
    tg_err rc;
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (!b) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "business: out of memory"); return TG_ERR_NOMEM; }
    memset(b, 0, sizeof *b);
    if (journal && (rc = tg_journal_open(&b->j, journal, tg__biz_replay, b, err)) != TG_OK) {
        tg_business_free(b);
        return rc;
    }
    *out = b;
    return TG_OK;
}

TGBOT_API void tg_business_free(tg_business *b) {
    if (!b) return;
    tg_journal_close(b->j);
    if (b->conns) tg__free(NULL, b->conns, b->cap * sizeof *b->conns);
    tg__free(NULL, b, sizeof *b);
}

TGBOT_API tg_err tg_business_track(tg_business *b, const tg_business_connection *c, tg_error *err) {
    tg_error tmp;
    uint32_t rights;
    int64_t user;
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    if (!b || !c || !c->id || !c->id[0] || strlen(c->id) >= sizeof ((tg_biz_conn *)0)->id) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "business: a connection needs an id (under 128 bytes)");
        return TG_ERR_ARG;
    }
    rights = tg_business_rights_bits(c->rights);
    user = c->user ? c->user->id : 0;
    if (b->j) {
        char rec[256];
        int n = snprintf(rec, sizeof rec, "B %lld %lld %lu %d %s", (long long)user, (long long)c->user_chat_id,
                         (unsigned long)rights, c->is_enabled ? 1 : 0, c->id);
        tg_err rc = tg_journal_append(b->j, rec, (size_t)n, err);
        if (rc != TG_OK) return rc;
    }
    if (tg__biz_set(b, c->id, user, c->user_chat_id, rights, c->is_enabled) != 0) {
        tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "business: out of memory");
        return TG_ERR_NOMEM;
    }
    return TG_OK;
}

TGBOT_API int tg_business_on_update(tg_ctx *ctx, void *business) {
    tg_error e;
    if (!ctx || !ctx->update || !ctx->update->business_connection) return TG_CONTINUE;
    (void)tg_business_track((tg_business *)business, ctx->update->business_connection, &e);
    return TG_HANDLED;
}

TGBOT_API const tg_biz_conn *tg_business_get(const tg_business *b, const char *connection_id) {
    return tg__biz_find(b, connection_id);
}
TGBOT_API size_t tg_business_count(const tg_business *b) { return b ? b->n : 0; }

TGBOT_API tg_err tg_business_require(const tg_business *b, const char *connection_id, uint32_t rights, tg_error *err) {
    const tg_biz_conn *c = tg__biz_find(b, connection_id);
    tg_error tmp;
    uint32_t missing;
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    if (!c) {
        tg__error_set(err, TG_ERR_NOT_FOUND, TG_PHASE_VALIDATE, "business connection %.100s is unknown (no "
                      "business_connection update seen)", connection_id ? connection_id : "(null)");
        return TG_ERR_NOT_FOUND;
    }
    if (!c->enabled) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "business connection %.100s is disabled; not sent", c->id);
        return TG_ERR_ARG;
    }
    missing = rights & ~c->rights;
    if (missing) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "business connection %.100s lacks %s; not sent", c->id,
                      tg_business_right_name(missing & (0u - missing)));
        return TG_ERR_ARG;
    }
    return TG_OK;
}

static tg_err tg__biz_call(tg_bot *bot, tg_err rc, tg_error *err) {
    if (rc != TG_OK) *err = *tg_bot_last_error(bot);
    return rc;
}

#define TG__BIZ_REQUIRE(rights) \
    tg_error tmp_; tg_err rc_; \
    if (!err) err = &tmp_; \
    if ((rc_ = tg_business_require(b, conn, (rights), err)) != TG_OK) return rc_

TGBOT_API tg_err tg_business_reply(tg_bot *bot, const tg_business *b, const tg_message *m, const char *text,
                                   tg_message **out, tg_error *err) {
    tg_send_message_args a;
    const char *conn = m ? m->business_connection_id : NULL;
    tg_message *tmpm = NULL;
    TG__BIZ_REQUIRE(TG_BIZ_CAN_REPLY);
    if (!m->chat) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "business reply: the message has no chat"); return TG_ERR_ARG; }
    memset(&a, 0, sizeof a);
    a.business_connection_id = conn;
    a.chat_id.id = m->chat->id;
    a.text = text;
    return tg__biz_call(bot, tg_send_message(bot, &a, out ? out : &tmpm), err);
}

TGBOT_API tg_err tg_business_stars(tg_bot *bot, const tg_business *b, const char *conn, int64_t *stars, tg_error *err) {
    TG__BIZ_REQUIRE(TG_BIZ_CAN_VIEW_GIFTS_AND_STARS);
    return tg__biz_call(bot, tg_stars_business_balance(bot, conn, stars), err);
}

TGBOT_API tg_err tg_business_gifts(tg_bot *bot, const tg_business *b, const char *conn, tg_owned_gifts **out, tg_error *err) {
    tg_get_business_account_gifts_args a;
    TG__BIZ_REQUIRE(TG_BIZ_CAN_VIEW_GIFTS_AND_STARS);
    memset(&a, 0, sizeof a);
    a.business_connection_id = conn;
    return tg__biz_call(bot, tg_get_business_account_gifts(bot, &a, out), err);
}

TGBOT_API tg_err tg_business_convert_gift(tg_bot *bot, const tg_business *b, const char *conn, const char *owned_gift_id,
                                          tg_error *err) {
    tg_convert_gift_to_stars_args a;
    bool ok = false;
    TG__BIZ_REQUIRE(TG_BIZ_CAN_CONVERT_GIFTS_TO_STARS);
    memset(&a, 0, sizeof a);
    a.business_connection_id = conn;
    a.owned_gift_id = owned_gift_id;
    return tg__biz_call(bot, tg_convert_gift_to_stars(bot, &a, &ok), err);
}

TGBOT_API tg_err tg_business_upgrade_gift(tg_bot *bot, const tg_business *b, const char *conn, const char *owned_gift_id,
                                          bool keep_original_details, int64_t star_count, tg_error *err) {
    tg_upgrade_gift_args a;
    bool ok = false;
    TG__BIZ_REQUIRE(TG_BIZ_CAN_TRANSFER_AND_UPGRADE_GIFTS | (star_count > 0 ? TG_BIZ_CAN_TRANSFER_STARS : 0u));
    memset(&a, 0, sizeof a);
    a.business_connection_id = conn;
    a.owned_gift_id = owned_gift_id;
    a.keep_original_details = keep_original_details;
    a.star_count = star_count;
    return tg__biz_call(bot, tg_upgrade_gift(bot, &a, &ok), err);
}

TGBOT_API tg_err tg_business_transfer_gift(tg_bot *bot, const tg_business *b, const char *conn, const char *owned_gift_id,
                                           int64_t new_owner_chat_id, int64_t star_count, tg_error *err) {
    tg_transfer_gift_args a;
    bool ok = false;
    TG__BIZ_REQUIRE(TG_BIZ_CAN_TRANSFER_AND_UPGRADE_GIFTS | (star_count > 0 ? TG_BIZ_CAN_TRANSFER_STARS : 0u));
    memset(&a, 0, sizeof a);
    a.business_connection_id = conn;
    a.owned_gift_id = owned_gift_id;
    a.new_owner_chat_id = new_owner_chat_id;
    a.star_count = star_count;
    return tg__biz_call(bot, tg_transfer_gift(bot, &a, &ok), err);
}

TGBOT_API tg_err tg_business_transfer_stars(tg_bot *bot, const tg_business *b, const char *conn, int64_t star_count,
                                            tg_error *err) {
    tg_transfer_business_account_stars_args a;
    bool ok = false;
    TG__BIZ_REQUIRE(TG_BIZ_CAN_TRANSFER_STARS);
    if (star_count < 1 || star_count > 10000) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "business: star_count must be 1-10000 (is %lld)", (long long)star_count);
        return TG_ERR_ARG;
    }
    memset(&a, 0, sizeof a);
    a.business_connection_id = conn;
    a.star_count = star_count;
    return tg__biz_call(bot, tg_transfer_business_account_stars(bot, &a, &ok), err);
}

#undef TG__BIZ_REQUIRE
#endif /* TGBOT__HAS_STARS */
