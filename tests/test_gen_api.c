/* The generated Bot API: every type decodes spec-valid instances and re-encodes them byte for
   byte; every method is called through the fake server, which validates the request against the
   spec; plus the tri-state boolean, the chat_id union, a media group with uploads, unknown variants
   and argument validation. TG_API_COVERAGE=<file> records what ran (make api-coverage counts it). */
#include "gen/api_cases.h"

static void api_mark(const char *what, const char *name) {
    const char *path = getenv("TG_API_COVERAGE");
    FILE *f;
    if (!path || !(f = fopen(path, "a"))) return;
    fprintf(f, "%s %s\n", what, name);
    fclose(f);
}

/* structural equality: same values, object members in any order */
static bool json_equal(const tg_json_doc *a, uint32_t x, const tg_json_doc *b, uint32_t y) {
    tg_json_type ta = tg_json_type_of(a, x), tb = tg_json_type_of(b, y);
    uint32_t i, k;
    if (ta != tb) return false;
    switch (ta) {
    case TG_JSON_OBJECT:
        if (a->toks[x].count != b->toks[y].count) return false;
        for (i = 0, k = x + 1; i < a->toks[x].count; i++, k = a->toks[k + 1].next)
            if (!json_equal(a, k + 1, b, tg_json_get(b, y, a->buf + a->toks[k].start))) return false;
        return true;
    case TG_JSON_ARRAY:
        if (a->toks[x].count != b->toks[y].count) return false;
        for (i = 0; i < a->toks[x].count; i++)
            if (!json_equal(a, tg_json_at(a, x, i), b, tg_json_at(b, y, i))) return false;
        return true;
    case TG_JSON_STRING:
    case TG_JSON_NUMBER:
        return a->toks[x].len == b->toks[y].len && memcmp(a->buf + a->toks[x].start, b->buf + b->toks[y].start, a->toks[x].len) == 0;
    default:
        return true;
    }
}

TG_TEST(api_every_type_round_trips) {
    tg_arena a;
    tg_json_writer w;
    static tg_json_tok toks[4096];
    size_t i, n = sizeof api_type_cases / sizeof api_type_cases[0];
    int bad = 0;
    tg_arena_init(&a, NULL);
    tg_json_writer_init_grow(&w, NULL);
    for (i = 0; i < n; i++) {
        const api_type_case *c = &api_type_cases[i];
        size_t len = strlen(c->json);
        char *buf = tg_arena_strndup(&a, c->json, len);
        tg_json_doc d;
        tg_json_value v;
        void *obj = tg_arena_alloc(&a, 4096);
        tg_err e;
        if (tg_json_parse(&d, buf, len, toks, 4096, NULL) != TG_OK) { bad++; fprintf(stderr, "    %s: bad JSON\n", c->name); continue; }
        v.doc = &d; v.tok = 0;
        e = tg_decode(c->id, &v, &a, obj);
        tg_json_writer_reset(&w);
        if (e == TG_OK) e = tg_encode(c->id, obj, &w);
        if (e == TG_OK) {      /* compare the re-encoded JSON with the original, structurally */
            static tg_json_tok t2[4096], t3[4096];
            tg_json_doc d2, d3;
            char *orig = tg_arena_strndup(&a, c->json, len), *enc = tg_arena_strndup(&a, w.buf, w.len);
            if (tg_json_parse(&d2, orig, len, t2, 4096, NULL) != TG_OK || tg_json_parse(&d3, enc, w.len, t3, 4096, NULL) != TG_OK ||
                !json_equal(&d2, 0, &d3, 0)) e = TG_ERR_TYPE;
        }
        if (e != TG_OK) {
            if (bad++ < 5) fprintf(stderr, "    %s: %s\n      in:  %s\n      out: %s\n", c->name, tg_err_str(e), c->json, w.buf ? w.buf : "");
        } else {
            api_mark("type", c->name);
        }
        tg_arena_reset(&a);
    }
    CHECK(bad == 0);
    CHECK(n >= 2 * (TGBOT_BOTAPI_TYPES - 1));
    tg_json_writer_free(&w);
    tg_arena_free(&a);
}

/* decodes a JSON object of parameters into an args struct (strings stay in the bot arena) */
static bool api_fill(tg_bot *b, uint16_t args_type, const char *json, void *args) {
    size_t len = strlen(json);
    char *buf = tg_arena_strndup(tg_bot_arena(b), json, len);
    tg_json_tok *toks = (tg_json_tok *)tg_arena_alloc(tg_bot_arena(b), 2048 * sizeof *toks);
    tg_json_doc d;
    tg_error e;
    if (!buf || !toks || tg_json_parse(&d, buf, len, toks, 2048, NULL) != TG_OK) return false;
    if (tg__decode_type(args_type, &d, 0, tg_bot_arena(b), args, &e) != TG_OK) {
        fprintf(stderr, "    args: %s\n", e.description);
        return false;
    }
    return true;
}

static int api_calls_ok, api_calls_bad;
static void api_result(tg_bot *b, const char *name, tg_err e) {
    if (e == TG_OK) { api_calls_ok++; api_mark("method", name); }
    else if (api_calls_bad++ < 8) fprintf(stderr, "    %s: %s: %s\n", name, tg_err_str(e), tg_bot_last_error(b)->description);
    tg_bot_reset(b);
}

TG_TEST(api_every_method_through_the_fake_server) {
    tg_bot *b;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    api_calls_ok = api_calls_bad = 0;
#define API_CALL(sn, name, OUT, json) { \
        tg_##sn##_args args_; OUT out_; \
        memset(&args_, 0, sizeof args_); memset(&out_, 0, sizeof out_); \
        if (!api_fill(b, tg__method_find(#name)->args, json, &args_)) api_result(b, #name, TG_ERR_ARG); \
        else api_result(b, #name, tg_##sn(b, &args_, &out_)); }
#define API_CALL0(sn, name, OUT) { OUT out_; memset(&out_, 0, sizeof out_); api_result(b, #name, tg_##sn(b, &out_)); }
    API_METHOD_CASES(API_CALL)
    API_METHOD_CASES0(API_CALL0)
    CHECK(api_calls_bad == 0);
    CHECK(api_calls_ok == TGBOT_BOTAPI_METHODS);
    tg_bot_free(b);
}

/* the fake server's record of the last call */
static tg_json_doc api_last_doc;
static uint32_t api_last(tg_bot *b) {
    static tg_json_tok toks[1 << 16];
    static char buf[1 << 20];
    uint32_t arr;
    (void)b;
    snprintf(buf, sizeof buf, "%s", ctl("GET", "/_ctl/requests", NULL));
    if (tg_json_parse(&api_last_doc, buf, strlen(buf), toks, 1 << 16, NULL) != TG_OK) return TG_JSON_NOTFOUND;
    arr = tg_json_get(&api_last_doc, 0, "result");
    if (arr == TG_JSON_NOTFOUND || api_last_doc.toks[arr].count == 0) return TG_JSON_NOTFOUND;
    return tg_json_at(&api_last_doc, arr, api_last_doc.toks[arr].count - 1);
}

TG_TEST(api_tristate_boolean) {
    tg_bot *b;
    tg_input_poll_option opts[2];
    uint32_t r;
    bool val = true;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    memset(opts, 0, sizeof opts);
    opts[0].text = "yes"; opts[1].text = "no";
    {
        tg_send_poll_args a;
        memset(&a, 0, sizeof a);
        a.chat_id.id = 42; a.question = "Q?"; a.options = opts; a.options_count = 2;
        a.is_anonymous = TG_FLAG_FALSE;                 /* Telegram's default is True: false must be sendable */
        CHECK(tg_send_poll(b, &a, NULL) == TG_OK);
        r = api_last(b);
        CHECK(tg_json_bool(&api_last_doc, tg_json_path(&api_last_doc, r, "params.is_anonymous"), &val) && val == false);
        a.is_anonymous = TG_FLAG_UNSET;
        CHECK(tg_send_poll(b, &a, NULL) == TG_OK);
        r = api_last(b);
        CHECK(tg_json_path(&api_last_doc, r, "params.is_anonymous") == TG_JSON_NOTFOUND);
        a.is_anonymous = TG_FLAG_TRUE;
        CHECK(tg_send_poll(b, &a, NULL) == TG_OK);
        r = api_last(b);
        CHECK(tg_json_bool(&api_last_doc, tg_json_path(&api_last_doc, r, "params.is_anonymous"), &val) && val == true);
    }
    tg_bot_free(b);
}

TG_TEST(api_chat_id_union_and_validation) {
    tg_bot *b;
    tg_message *m = NULL;
    uint32_t r;
    const char *s = NULL;
    int64_t id = 0;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    {
        tg_send_message_args a;
        memset(&a, 0, sizeof a);
        a.chat_id.username = "@channel"; a.text = "to a channel";
        CHECK(tg_send_message(b, &a, &m) == TG_OK && m != NULL);
        r = api_last(b);
        CHECK(tg_json_str(&api_last_doc, tg_json_path(&api_last_doc, r, "params.chat_id"), &s, NULL) && strcmp(s, "@channel") == 0);
        memset(&a, 0, sizeof a);
        a.chat_id.id = -1001234567890LL; a.text = "to a supergroup";
        CHECK(tg_send_message(b, &a, &m) == TG_OK && m && m->chat && m->chat->id == -1001234567890LL);
        r = api_last(b);
        CHECK(tg_json_i64(&api_last_doc, tg_json_path(&api_last_doc, r, "params.chat_id"), &id) && id == -1001234567890LL);
    }
    {   /* required parameters are checked before anything is sent */
        tg_send_gift_args g;
        int before = ctl_count("sendGift");
        memset(&g, 0, sizeof g);
        g.user_id = 42;
        CHECK(tg_send_gift(b, &g, NULL) == TG_ERR_ARG);
        CHECK(strstr(tg_bot_last_error(b)->description, "sendGift: gift_id is required") != NULL);
        CHECK(ctl_count("sendGift") == before);
        CHECK(tg_send_message(b, NULL, &m) == TG_ERR_ARG);    /* chat_id and text are required */
        /* args NULL where every parameter is optional: sent with none (the spec: getMyCommands'
           scope and language_code are both optional) */
        {
            tg_bot_command_list cmds;
            int n0 = ctl_count("getMyCommands");
            memset(&cmds, 0, sizeof cmds);
            CHECK(tg_get_my_commands(b, NULL, &cmds) == TG_OK);
            CHECK(ctl_count("getMyCommands") == n0 + 1);
            CHECK(strstr(ctl("GET", "/_ctl/requests", NULL), "\"scope\"") == NULL);
        }
    }
    tg_bot_free(b);
}

TG_TEST(api_media_group_with_uploads) {
    tg_bot *b;
    tg_input_file f1, f2;
    tg_input_media_photo p1, p2;
    tg_input_media media[2];
    tg_message_list out;
    uint32_t r;
    int64_t size = 0;
    static const char img1[] = "PNG-ish bytes one", img2[] = "second image bytes!";
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = test_bot(NULL);
    if (!b) { CHECK(b != NULL); return; }
    memset(&f1, 0, sizeof f1); f1.data = img1; f1.size = sizeof img1 - 1; f1.filename = "a.png";
    memset(&f2, 0, sizeof f2); f2.data = img2; f2.size = sizeof img2 - 1; f2.filename = "b.png";
    memset(&p1, 0, sizeof p1); p1.media = &f1; p1.caption = "first";
    memset(&p2, 0, sizeof p2); p2.media = &f2;
    media[0].kind = TG_INPUT_MEDIA_PHOTO; media[0].u.photo = &p1;   /* "type" is filled from the kind */
    media[1].kind = TG_INPUT_MEDIA_PHOTO; media[1].u.photo = &p2;
    {
        tg_send_media_group_args a;
        memset(&a, 0, sizeof a);
        a.chat_id.id = 42; a.media = media; a.media_count = 2;
        CHECK(tg_send_media_group(b, &a, &out) == TG_OK);
    }
    r = api_last(b);
    CHECK(tg_json_i64(&api_last_doc, tg_json_path(&api_last_doc, r, "files.file0.size"), &size) && size == (int64_t)sizeof img1 - 1);
    CHECK(tg_json_i64(&api_last_doc, tg_json_path(&api_last_doc, r, "files.file1.size"), &size) && size == (int64_t)sizeof img2 - 1);
    CHECK(api_last_doc.toks[tg_json_get(&api_last_doc, r, "violations")].count == 0);
    {
        const char *media_json = NULL;
        CHECK(tg_json_str(&api_last_doc, tg_json_path(&api_last_doc, r, "params.media"), &media_json, NULL));
        CHECK(media_json && strstr(media_json, "\"type\":\"photo\",\"media\":\"attach://file0\",\"caption\":\"first\"") != NULL);
        CHECK(media_json && strstr(media_json, "attach://file1") != NULL);
    }
    /* InputFile is not a JSON type: it is covered by these uploads arriving byte for byte */
    if (!tg_t_failed_now) api_mark("type", "InputFile");
    tg_bot_free(b);
}

TG_TEST(api_unknown_variant_and_fields) {
    char json[] = "{\"status\":\"wizard\",\"user\":{\"id\":1,\"is_bot\":false,\"first_name\":\"x\"},\"future_field\":[1,{\"a\":2}]}";
    char json2[] = "{\"message_id\":5,\"date\":1,\"chat\":{\"id\":-1001234567890,\"type\":\"supergroup\",\"brand_new\":true},"
                   "\"forward_origin\":{\"type\":\"hologram\",\"date\":3},\"text\":\"hi \\ud83d\\ude00\"}";
    tg_json_tok toks[64];
    tg_json_doc d;
    tg_json_value v;
    tg_arena a;
    tg_chat_member cm;
    tg_message msg;
    tg_arena_init(&a, NULL);
    CHECK(tg_json_parse(&d, json, strlen(json), toks, 64, NULL) == TG_OK);
    v.doc = &d; v.tok = 0;
    CHECK(tg_decode(TG_TYPE_CHAT_MEMBER, &v, &a, &cm) == TG_OK);    /* a future variant is not an error */
    CHECK(cm.kind == TG_CHAT_MEMBER_UNKNOWN && cm.u.any == NULL);
    CHECK(tg_json_parse(&d, json2, strlen(json2), toks, 64, NULL) == TG_OK);
    CHECK(tg_decode(TG_TYPE_MESSAGE, &v, &a, &msg) == TG_OK);
    CHECK(msg.message_id == 5 && msg.chat && msg.chat->id == -1001234567890LL);
    CHECK(msg.forward_origin && msg.forward_origin->kind == TG_MESSAGE_ORIGIN_UNKNOWN);
    CHECK(msg.text && strcmp(msg.text, "hi \xf0\x9f\x98\x80") == 0);
    CHECK(!msg.has_is_topic_message);                             /* absent optional flag is distinguishable */
    {   /* a member of the wrong type is an error naming the field, not a crash */
        char bad[] = "{\"message_id\":\"five\",\"date\":1,\"chat\":{\"id\":1,\"type\":\"private\"}}";
        CHECK(tg_json_parse(&d, bad, strlen(bad), toks, 64, NULL) == TG_OK);
        CHECK(tg_decode(TG_TYPE_MESSAGE, &v, &a, &msg) == TG_ERR_TYPE);
    }
    tg_arena_free(&a);
}
