/* The generated code against cases written by an independent reader of the spec (tests/spec_check.py,
   which shares no code with the generator): every abstract type's variant tags, every field of several
   types with each alternative, every update kind's handler context, every method's class; plus
   presence (empty arrays, a 0 that must be sent), InaccessibleMessage and the encoder's sticky error. */
#include "gen/spec_cases.h"

static tg_err spec_parse(tg_arena *a, const char *json, tg_json_doc *d, tg_json_tok *toks, uint32_t ntoks) {
    size_t len = strlen(json);
    char *buf = tg_arena_strndup(a, json, len);
    return buf ? tg_json_parse(d, buf, len, toks, ntoks, NULL) : TG_ERR_NOMEM;
}

TG_TEST(gen_spec_every_variant_tag) {
    static tg_json_tok toks[1024], t2[1024];
    size_t i, n = sizeof spec_disc_cases / sizeof spec_disc_cases[0];
    int bad = 0, seen_mpeg4 = 0;
    tg_arena a;
    tg_json_writer w;
    tg_arena_init(&a, NULL);
    tg_json_writer_init_grow(&w, NULL);
    for (i = 0; i < n; i++) {
        const spec_disc_case *c = &spec_disc_cases[i];
        tg_json_doc d, d2;
        tg_json_value v;
        tg__abs *obj = (tg__abs *)tg_arena_alloc(&a, 64);
        tg_err e = spec_parse(&a, c->json, &d, toks, 1024);
        if (strcmp(c->variant, "InlineQueryResultMpeg4Gif") == 0) seen_mpeg4 = 1;
        v.doc = &d; v.tok = 0;
        if (!e) e = tg_decode(c->abs, &v, &a, obj);
        if (!e && obj->kind != c->kind) {          /* decodes as the variant the spec's tag names */
            if (bad++ < 5) fprintf(stderr, "    %s: decoded as kind %d, want %d\n", c->variant, obj->kind, c->kind);
            continue;
        }
        tg_json_writer_reset(&w);
        if (!e) e = tg_encode(c->abs, obj, &w);
        if (!e && c->value) {                     /* and encodes the tag's value from the spec text */
            char *out = tg_arena_strndup(&a, w.buf, w.len);
            const char *s = NULL;
            size_t sl = 0;
            uint32_t t;
            e = tg_json_parse(&d2, out, w.len, t2, 1024, NULL);
            t = e ? TG_JSON_NOTFOUND : tg_json_get(&d2, 0, c->member);
            if (t == TG_JSON_NOTFOUND) e = TG_ERR_NOT_FOUND;
            else if (tg_json_type_of(&d2, t) == TG_JSON_STRING) { if (!tg_json_str(&d2, t, &s, &sl) || strcmp(s, c->value) != 0) e = TG_ERR_TYPE; }
            else if (d2.toks[t].len != strlen(c->value) || memcmp(d2.buf + d2.toks[t].start, c->value, d2.toks[t].len) != 0) e = TG_ERR_TYPE;
        }
        if (e && bad++ < 5) fprintf(stderr, "    %s: %s (%s)\n", c->variant, tg_err_str(e), w.buf ? w.buf : "");
        tg_arena_reset(&a);
    }
    CHECK(bad == 0);
    CHECK(n > 150 && seen_mpeg4);
    tg_json_writer_free(&w);
    tg_arena_free(&a);
}

TG_TEST(gen_spec_union_field_each_alternative) {
    static tg_json_tok toks[1024], t2[1024], t3[1024];
    size_t i, n = sizeof spec_union_cases / sizeof spec_union_cases[0];
    int bad = 0, rich = 0;
    tg_arena a;
    tg_json_writer w;
    tg_arena_init(&a, NULL);
    tg_json_writer_init_grow(&w, NULL);
    for (i = 0; i < n; i++) {
        const spec_union_case *c = &spec_union_cases[i];
        tg_json_doc d, d2, d3;
        tg_json_value v;
        void *obj = tg_arena_alloc(&a, 4096);
        tg_err e = spec_parse(&a, c->json, &d, toks, 1024);
        v.doc = &d; v.tok = 0;
        if (!e) e = tg_decode(c->owner, &v, &a, obj);
        tg_json_writer_reset(&w);
        if (!e) e = tg_encode(c->owner, obj, &w);
        if (!e) {      /* every member of the alternative survives: nothing dropped, nothing renamed */
            char *enc = tg_arena_strndup(&a, w.buf, w.len);
            if (spec_parse(&a, c->json, &d2, t2, 1024) || tg_json_parse(&d3, enc, w.len, t3, 1024, NULL) || !json_equal(&d2, 0, &d3, 0))
                e = TG_ERR_TYPE;
        }
        if (e && bad++ < 5) fprintf(stderr, "    %s.%s = %s: %s\n      in:  %s\n      out: %s\n", "owner", c->field, c->variant,
                                    tg_err_str(e), c->json, w.buf ? w.buf : "");
        if (!e && c->owner == TG_TYPE_INPUT_RICH_MESSAGE_MEDIA) rich++;
        tg_arena_reset(&a);
    }
    CHECK(bad == 0);
    CHECK(rich == 6);          /* InputRichMessageMedia.media: each of its six media types */
    {   /* the C view: a video keeps what an animation does not have */
        static const char json[] = "{\"id\":\"v1\",\"media\":{\"type\":\"video\",\"media\":\"file-id\",\"cover\":\"c\",\"supports_streaming\":true,\"start_timestamp\":9}}";
        tg_json_doc d;
        tg_json_value v;
        tg_input_rich_message_media m;
        CHECK(spec_parse(&a, json, &d, toks, 1024) == TG_OK);
        v.doc = &d; v.tok = 0;
        CHECK(tg_decode(TG_TYPE_INPUT_RICH_MESSAGE_MEDIA, &v, &a, &m) == TG_OK);
        CHECK(m.media && m.media->kind == TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_VIDEO);
        CHECK(m.media && m.media->kind == TG_INPUT_RICH_MESSAGE_MEDIA_MEDIA_VIDEO && m.media->u.video->supports_streaming &&
              m.media->u.video->start_timestamp == 9 && m.media->u.video->cover && strcmp(m.media->u.video->cover->id_or_url, "c") == 0);
    }
    tg_json_writer_free(&w);
    tg_arena_free(&a);
}

/* ---- the handler context of every update kind ---- */
static tg_ctx spec_seen;
static int spec_hits;
static int spec_h_any(tg_ctx *ctx, void *ud) { (void)ud; spec_seen = *ctx; spec_hits++; return TG_HANDLED; }

static tg_err spec_dispatch(tg_dispatcher *d, tg_bot *b, const char *json) {
    tg_json_tok *toks = (tg_json_tok *)tg_arena_alloc(tg_bot_arena(b), 4096 * sizeof *toks);
    tg_json_doc doc;
    tg_json_value v;
    if (!toks || spec_parse(tg_bot_arena(b), json, &doc, toks, 4096) != TG_OK) return TG_ERR_JSON;
    v.doc = &doc; v.tok = 0;
    return tg_dispatch(d, &v);
}

TG_TEST(gen_spec_update_context_every_kind) {
    tg_bot *b = test_bot(NULL);
    size_t i, n = sizeof spec_kind_cases / sizeof spec_kind_cases[0];
    int bad = 0;
    if (!b) { CHECK(b != NULL); return; }
    for (i = 0; i < n; i++) {
        const spec_kind_case *c = &spec_kind_cases[i];
        tg_dispatcher *d;
        tg_err e;
        tg_dispatcher_new(&d, b, NULL);
        tg_on_update(d, NULL, spec_h_any, NULL);
        memset(&spec_seen, 0, sizeof spec_seen);
        spec_hits = 0;
        e = spec_dispatch(d, b, c->json);
        if (e || spec_hits != 1 || !spec_seen.kind || strcmp(spec_seen.kind, c->kind) != 0 ||
            (spec_seen.from ? spec_seen.from->id : 0) != c->from || spec_seen.chat_id != c->chat ||
            (c->bc ? !spec_seen.business_connection_id || strcmp(spec_seen.business_connection_id, c->bc) != 0 : spec_seen.business_connection_id != NULL)) {
            if (bad++ < 8) fprintf(stderr, "    %s: err %s, kind %s, from %lld (want %lld), chat %lld (want %lld), bc %s (want %s)\n", c->kind,
                                   tg_err_str(e), spec_seen.kind ? spec_seen.kind : "-", (long long)(spec_seen.from ? spec_seen.from->id : 0),
                                   (long long)c->from, (long long)spec_seen.chat_id, (long long)c->chat,
                                   spec_seen.business_connection_id ? spec_seen.business_connection_id : "-", c->bc ? c->bc : "-");
        }
        tg_dispatcher_free(d);
        tg_bot_reset(b);
    }
    CHECK(bad == 0);
    CHECK(n == SPEC_UPDATE_KINDS && n >= 27);
    tg_bot_free(b);
}

/* a callback query on a message too old to access: date 0 makes it an InaccessibleMessage */
TG_TEST(gen_spec_callback_on_inaccessible_message) {
    static const char old_msg[] = "{\"update_id\":9,\"callback_query\":{\"id\":\"q1\",\"from\":{\"id\":5,\"is_bot\":false,\"first_name\":\"A\"},"
        "\"message\":{\"chat\":{\"id\":-100777,\"type\":\"supergroup\"},\"message_id\":12,\"date\":0},\"chat_instance\":\"ci\",\"data\":\"x\"}}";
    static const char new_msg[] = "{\"update_id\":10,\"callback_query\":{\"id\":\"q2\",\"from\":{\"id\":5,\"is_bot\":false,\"first_name\":\"A\"},"
        "\"message\":{\"chat\":{\"id\":-100777,\"type\":\"supergroup\"},\"message_id\":13,\"date\":1700000000,\"text\":\"hi\"},\"chat_instance\":\"ci\",\"data\":\"x\"}}";
    tg_bot *b = test_bot(NULL);
    tg_dispatcher *d;
    const tg_maybe_inaccessible_message *mm;
    if (!b) { CHECK(b != NULL); return; }
    tg_dispatcher_new(&d, b, NULL);
    tg_on_update(d, "callback_query", spec_h_any, NULL);
    memset(&spec_seen, 0, sizeof spec_seen);
    CHECK(spec_dispatch(d, b, old_msg) == TG_OK);
    mm = spec_seen.update && spec_seen.update->callback_query ? spec_seen.update->callback_query->message : NULL;
    CHECK(mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_INACCESSIBLE_MESSAGE);
    CHECK(mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_INACCESSIBLE_MESSAGE && mm->u.inaccessible_message->message_id == 12);
    CHECK(spec_seen.message == NULL);                       /* not presented as a regular message */
    CHECK(spec_seen.chat_id == -100777 && spec_seen.from && spec_seen.from->id == 5);
    memset(&spec_seen, 0, sizeof spec_seen);
    CHECK(spec_dispatch(d, b, new_msg) == TG_OK);
    mm = spec_seen.update && spec_seen.update->callback_query ? spec_seen.update->callback_query->message : NULL;
    CHECK(mm && mm->kind == TG_MAYBE_INACCESSIBLE_MESSAGE_MESSAGE);
    CHECK(spec_seen.message && spec_seen.message->text && strcmp(spec_seen.message->text, "hi") == 0);
    tg_dispatcher_free(d);
    tg_bot_free(b);
}

TG_TEST(gen_spec_every_method_has_its_class) {
    size_t i, n = sizeof spec_method_cases / sizeof spec_method_cases[0];
    int bad = 0;
    for (i = 0; i < n; i++) {
        const spec_method_case *c = &spec_method_cases[i];
        const tg__method *m = tg__method_find(c->name);
        char upper[64];
        size_t k;
        for (k = 0; c->name[k] && k < sizeof upper - 1; k++)
            upper[k] = (char)(c->name[k] >= 'a' && c->name[k] <= 'z' ? c->name[k] - 32 : c->name[k]);
        upper[k] = 0;
        if (!m || m->flags != c->cls || tg__method_find(upper) != m) {     /* Telegram ignores case */
            if (bad++ < 5) fprintf(stderr, "    %s: %s\n", c->name, m ? "wrong class" : "not found");
        }
    }
    CHECK(bad == 0 && n == TGBOT_BOTAPI_METHODS);
    CHECK(tg__method_find("sendGiftX") == NULL && tg__method_find("") == NULL);
    CHECK(tg__method_find("SENDGIFT") && (tg__method_find("SENDGIFT")->flags & TG__CALL_SPENDS));
}

/* ---- presence: [] and a 0 that means something are sent; absent stays absent ---- */
static uint32_t spec_param(tg_json_doc *d, uint32_t req, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "params.%s", name);
    return tg_json_path(d, req, path);
}
static bool spec_is_empty_array(tg_json_doc *d, uint32_t t) {
    const char *s;
    if (t == TG_JSON_NOTFOUND) return false;
    if (tg_json_type_of(d, t) == TG_JSON_ARRAY) return d->toks[t].count == 0;
    return tg_json_str(d, t, &s, NULL) && strcmp(s, "[]") == 0;
}
static bool spec_is_zero(tg_json_doc *d, uint32_t t) {
    int64_t x = -1;
    const char *s;
    if (t == TG_JSON_NOTFOUND) return false;
    if (tg_json_i64(d, t, &x)) return x == 0;
    return tg_json_str(d, t, &s, NULL) && strcmp(s, "0") == 0;
}

TG_TEST(gen_spec_presence_empty_arrays_and_zero) {
    static const tg_inline_query_result no_results[1];
    static const tg_bot_command no_commands[1];
    static const char *no_kinds[1];
    tg_bot *b;
    uint32_t r;
    bool ok = false;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    {   /* "nothing found": results = [], and cache_time 0 (per-user results; absent means 300 s) */
        tg_answer_inline_query_args a;
        memset(&a, 0, sizeof a);
        a.inline_query_id = "iq1"; a.results = no_results; a.results_count = 0;
        a.cache_time = 0; a.has_cache_time = true;
        CHECK(tg_answer_inline_query(b, &a, &ok) == TG_OK);
        r = api_last(b);
        CHECK(spec_is_empty_array(&api_last_doc, spec_param(&api_last_doc, r, "results")));
        CHECK(spec_is_zero(&api_last_doc, spec_param(&api_last_doc, r, "cache_time")));
        CHECK(api_last_doc.toks[tg_json_get(&api_last_doc, r, "violations")].count == 0);
        a.has_cache_time = false;                        /* zero without the marker: not sent */
        CHECK(tg_answer_inline_query(b, &a, &ok) == TG_OK);
        r = api_last(b);
        CHECK(spec_param(&api_last_doc, r, "cache_time") == TG_JSON_NOTFOUND);
        a.results = NULL;                                /* NULL: absent, and it is required */
        CHECK(tg_answer_inline_query(b, &a, &ok) == TG_ERR_ARG);
    }
    {
        tg_set_my_commands_args a;
        memset(&a, 0, sizeof a);
        a.commands = no_commands; a.commands_count = 0;
        CHECK(tg_set_my_commands(b, &a, &ok) == TG_OK);
        r = api_last(b);
        CHECK(spec_is_empty_array(&api_last_doc, spec_param(&api_last_doc, r, "commands")));
    }
    {   /* allowed_updates = [] (reset to the default kinds) is not the same as absent */
        tg_get_updates_args a;
        tg_update_list out;
        memset(&a, 0, sizeof a);
        a.allowed_updates = no_kinds; a.allowed_updates_count = 0;
        CHECK(tg_get_updates(b, &a, &out) == TG_OK);
        r = api_last(b);
        CHECK(spec_is_empty_array(&api_last_doc, spec_param(&api_last_doc, r, "allowed_updates")));
        a.allowed_updates = NULL;
        CHECK(tg_get_updates(b, &a, &out) == TG_OK);
        r = api_last(b);
        CHECK(spec_param(&api_last_doc, r, "allowed_updates") == TG_JSON_NOTFOUND);
    }
    {   /* upgradeGift: "pass 0" when the upgrade was prepaid */
        tg_upgrade_gift_args a;
        memset(&a, 0, sizeof a);
        a.business_connection_id = "bc"; a.owned_gift_id = "g1"; a.star_count = 0; a.has_star_count = true;
        CHECK(tg_upgrade_gift(b, &a, &ok) == TG_OK);
        r = api_last(b);
        CHECK(spec_is_zero(&api_last_doc, spec_param(&api_last_doc, r, "star_count")));
    }
    {   /* a keyboard with no rows */
        tg_inline_keyboard_markup kb;
        static tg_inline_keyboard_button_list rows[1];
        tg_reply_markup rm;
        tg_send_message_args a;
        uint32_t t;
        memset(&kb, 0, sizeof kb);
        kb.inline_keyboard = rows; kb.inline_keyboard_count = 0;
        rm.kind = TG_REPLY_MARKUP_INLINE_KEYBOARD_MARKUP; rm.u.inline_keyboard_markup = &kb;
        memset(&a, 0, sizeof a);
        a.chat_id.id = 42; a.text = "no buttons"; a.reply_markup = &rm;
        CHECK(tg_send_message(b, &a, NULL) == TG_OK);
        r = api_last(b);
        t = spec_param(&api_last_doc, r, "reply_markup");
        if (t != TG_JSON_NOTFOUND && tg_json_type_of(&api_last_doc, t) == TG_JSON_OBJECT) t = tg_json_get(&api_last_doc, t, "inline_keyboard");
        else {
            const char *s = NULL;
            CHECK(tg_json_str(&api_last_doc, t, &s, NULL) && strcmp(s, "{\"inline_keyboard\":[]}") == 0);
            t = TG_JSON_NOTFOUND;
        }
        if (t != TG_JSON_NOTFOUND) CHECK(spec_is_empty_array(&api_last_doc, t));
    }
    tg_bot_free(b);
}

TG_TEST(gen_spec_decoded_empty_required_array_encodes) {
    static tg_json_tok toks[64];
    static const char json[] = "{\"inline_keyboard\":[]}";
    static const char json2[] = "{\"total_count\":0,\"photos\":[]}";
    tg_arena a;
    tg_json_doc d;
    tg_json_value v;
    tg_json_writer w;
    tg_inline_keyboard_markup kb;
    tg_user_profile_photos ph;
    tg_arena_init(&a, NULL);
    tg_json_writer_init_grow(&w, NULL);
    CHECK(spec_parse(&a, json, &d, toks, 64) == TG_OK);
    v.doc = &d; v.tok = 0;
    CHECK(tg_decode(TG_TYPE_INLINE_KEYBOARD_MARKUP, &v, &a, &kb) == TG_OK && kb.inline_keyboard_count == 0);
    CHECK(tg_encode(TG_TYPE_INLINE_KEYBOARD_MARKUP, &kb, &w) == TG_OK);
    CHECK(w.len == strlen(json) && memcmp(w.buf, json, w.len) == 0);
    CHECK(spec_parse(&a, json2, &d, toks, 64) == TG_OK);
    CHECK(tg_decode(TG_TYPE_USER_PROFILE_PHOTOS, &v, &a, &ph) == TG_OK);
    tg_json_writer_reset(&w);
    CHECK(tg_encode(TG_TYPE_USER_PROFILE_PHOTOS, &ph, &w) == TG_OK);
    CHECK(w.len == strlen(json2) && memcmp(w.buf, json2, w.len) == 0);
    tg_json_writer_free(&w);
    tg_arena_free(&a);
}

/* a failed tg_encode leaves no partial JSON and a sticky error in the writer */
TG_TEST(gen_spec_encode_failure_is_sticky) {
    tg_json_writer w;
    tg_message m;
    tg_chat chat;
    tg_message_entity ents[1];
    memset(&m, 0, sizeof m);
    memset(&chat, 0, sizeof chat);
    memset(ents, 0, sizeof ents);
    chat.id = 1; chat.type = "private";
    m.message_id = 3; m.date = 5; m.chat = &chat; m.text = "abc";
    m.entities = ents; m.entities_count = 1;           /* the entity lacks its required "type" */
    tg_json_writer_init_grow(&w, NULL);
    tg_json_arr_begin(&w);
    CHECK(tg_encode(TG_TYPE_MESSAGE, &m, &w) == TG_ERR_ARG);
    CHECK(w.err == TG_ERR_ARG);                          /* sticky */
    CHECK(w.len == 1 && w.buf[0] == '[' && w.buf[1] == 0);   /* nothing of the message is left */
    tg_json_arr_end(&w);
    CHECK(w.len == 1 && w.err == TG_ERR_ARG);            /* later writes do nothing */
    CHECK(tg_encode(TG_TYPE_CHAT, &chat, &w) == TG_ERR_ARG);  /* a writer in error stays in error */
    tg_json_writer_reset(&w);
    ents[0].type = "bold"; ents[0].length = 1;
    CHECK(tg_encode(TG_TYPE_MESSAGE, &m, &w) == TG_OK && w.err == TG_OK);
    tg_json_writer_free(&w);
}

/* tg_call by name classifies the method exactly as the typed call does: an idempotent write is
   retried after a 502, a Stars-spending call is not (whatever the case of its name) */
TG_TEST(gen_spec_call_by_name_uses_the_class) {
    tg_bot *b;
    tg_json_value v;
    int before;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    ctl("POST", "/_ctl/reset", NULL);
    before = ctl_count("setMyName");
    ctl("POST", "/_ctl/fault", "{\"method\":\"setMyName\",\"kind\":\"502\",\"count\":1}");
    CHECK(tg_call(b, "setMyName", "{\"name\":\"x\"}", &v) == TG_OK);       /* idempotent: retried */
    CHECK(ctl_count("setMyName") - before == 2);
    before = ctl_count("SENDGIFT");
    ctl("POST", "/_ctl/fault", "{\"method\":\"SENDGIFT\",\"kind\":\"502\",\"count\":1}");
    CHECK(tg_call(b, "SENDGIFT", "{\"user_id\":1,\"gift_id\":\"g\"}", &v) != TG_OK);   /* spends Stars: never repeated */
    CHECK(ctl_count("SENDGIFT") - before == 1);
    ctl("POST", "/_ctl/reset", NULL);
    tg_bot_free(b);
}
