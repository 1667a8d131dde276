/* json: a named accept/reject corpus for every RFC 8259 rule, decoding, numbers, locale, paths,
   the writer, and a parse → write → parse round trip over generated documents. */
#include <locale.h>

typedef struct json_case { const char *name; const char *text; size_t len; int ok; tg_err err; } json_case;
#define ACC(name, text) { name, text, sizeof(text) - 1, 1, TG_OK }
#define REJ(name, text) { name, text, sizeof(text) - 1, 0, TG_ERR_JSON }
#define REJU(name, text) { name, text, sizeof(text) - 1, 0, TG_ERR_UTF8 }

static const json_case json_corpus[] = {
    /* ---- accepted ---- */
    ACC("accept_empty_object", "{}"),
    ACC("accept_empty_array", "[]"),
    ACC("accept_top_level_string", "\"abc\""),
    ACC("accept_top_level_number", "42"),
    ACC("accept_top_level_true", "true"),
    ACC("accept_top_level_false", "false"),
    ACC("accept_top_level_null", "null"),
    ACC("accept_zero", "0"),
    ACC("accept_negative_zero", "-0"),
    ACC("accept_negative_int", "-1001234567890"),
    ACC("accept_int64_max", "9223372036854775807"),
    ACC("accept_int64_min", "-9223372036854775808"),
    ACC("accept_beyond_int64_is_valid_json", "12345678901234567890"),
    ACC("accept_fraction", "0.5"),
    ACC("accept_negative_fraction", "-0.25"),
    ACC("accept_exponent", "1e10"),
    ACC("accept_exponent_upper", "1E10"),
    ACC("accept_exponent_plus", "1e+2"),
    ACC("accept_exponent_minus", "1e-2"),
    ACC("accept_fraction_exponent", "6.02214076e23"),
    ACC("accept_huge_exponent_is_valid_json", "1e400"),
    ACC("accept_zero_exponent", "0e0"),
    ACC("accept_ws_around", " \t\r\n{} \n"),
    ACC("accept_ws_inside", "{ \"a\" : [ 1 , 2 ] }"),
    ACC("accept_nested_arrays", "[[[[[]]]]]"),
    ACC("accept_nested_objects", "{\"a\":{\"b\":{\"c\":{}}}}"),
    ACC("accept_mixed_array", "[1,\"a\",true,false,null,{},[]]"),
    ACC("accept_escape_quote", "\"\\\"\""),
    ACC("accept_escape_backslash", "\"\\\\\""),
    ACC("accept_escape_slash", "\"\\/\""),
    ACC("accept_escape_b", "\"\\b\""),
    ACC("accept_escape_f", "\"\\f\""),
    ACC("accept_escape_n", "\"\\n\""),
    ACC("accept_escape_r", "\"\\r\""),
    ACC("accept_escape_t", "\"\\t\""),
    ACC("accept_escape_u_ascii", "\"\\u0041\""),
    ACC("accept_escape_u_nul", "\"\\u0000\""),
    ACC("accept_escape_u_2byte", "\"\\u00e9\""),
    ACC("accept_escape_u_3byte", "\"\\u20AC\""),
    ACC("accept_escape_u_upper_hex", "\"\\u00E9\""),
    ACC("accept_surrogate_pair", "\"\\ud83d\\ude00\""),
    ACC("accept_surrogate_pair_max", "\"\\udbff\\udfff\""),
    ACC("accept_utf8_2byte", "\"\xc3\xa9\""),
    ACC("accept_utf8_3byte", "\"\xe2\x82\xac\""),
    ACC("accept_utf8_4byte_emoji", "\"\xf0\x9f\x98\x80\""),
    ACC("accept_utf8_max_code_point", "\"\xf4\x8f\xbf\xbf\""),
    ACC("accept_utf8_e0_lowest_valid", "\"\xe0\xa0\x80\""),
    ACC("accept_utf8_ed_below_surrogates", "\"\xed\x9f\xbf\""),
    ACC("accept_utf8_ee_after_surrogates", "\"\xee\x80\x80\""),
    ACC("accept_utf8_f0_lowest_valid", "\"\xf0\x90\x80\x80\""),
    ACC("accept_del_char_unescaped", "\"\x7f\""),
    ACC("accept_long_ascii_string", "\"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\""),
    ACC("accept_escape_after_long_run", "\"abcdefghijklmnop\\nqrstuvwxyz\""),
    ACC("accept_utf8_after_long_run", "\"abcdefghijklmnop\xc3\xa9qrstuvwxyz\""),
    ACC("accept_empty_string", "\"\""),
    ACC("accept_empty_key", "{\"\":1}"),
    ACC("accept_duplicate_keys", "{\"a\":1,\"a\":2}"),
    ACC("accept_update_shape", "{\"ok\":true,\"result\":[{\"update_id\":1,\"message\":{\"chat\":{\"id\":-1001234567890}}}]}"),
    ACC("accept_deep_64", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
    ACC("accept_number_in_array_end", "[1]"),
    ACC("accept_number_before_brace", "{\"a\":1}"),
    ACC("accept_exponent_with_fraction_zero", "1.0e-0"),
    ACC("accept_many_members", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}"),
    ACC("accept_string_with_all_escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\""),
    ACC("accept_crlf_between_tokens", "[1,\r\n2]"),
    /* ---- rejected: structure ---- */
    REJ("reject_empty_input", ""),
    REJ("reject_only_whitespace", "   \n"),
    REJ("reject_trailing_comma_array", "[1,2,]"),
    REJ("reject_trailing_comma_object", "{\"a\":1,}"),
    REJ("reject_leading_comma_array", "[,1]"),
    REJ("reject_double_comma", "[1,,2]"),
    REJ("reject_missing_comma_array", "[1 2]"),
    REJ("reject_missing_comma_object", "{\"a\":1 \"b\":2}"),
    REJ("reject_missing_colon", "{\"a\" 1}"),
    REJ("reject_double_colon", "{\"a\"::1}"),
    REJ("reject_missing_value", "{\"a\":}"),
    REJ("reject_unquoted_key", "{a:1}"),
    REJ("reject_single_quoted_key", "{'a':1}"),
    REJ("reject_single_quoted_string", "['a']"),
    REJ("reject_number_key", "{1:1}"),
    REJ("reject_unclosed_array", "[1,2"),
    REJ("reject_unclosed_object", "{\"a\":1"),
    REJ("reject_unopened_array", "1]"),
    REJ("reject_unopened_object", "}"),
    REJ("reject_mismatched_brackets", "[}"),
    REJ("reject_mismatched_brackets2", "{\"a\":1]"),
    REJ("reject_trailing_garbage", "{}x"),
    REJ("reject_two_values", "1 2"),
    REJ("reject_two_objects", "{}{}"),
    REJ("reject_comment_line", "[1]//c"),
    REJ("reject_comment_block", "/*c*/[1]"),
    REJ("reject_comment_inside", "[1,/*c*/2]"),
    REJ("reject_hash_comment", "# c\n[]"),
    REJ("reject_lone_comma", ","),
    REJ("reject_lone_colon", ":"),
    REJ("reject_array_with_colon", "[1:2]"),
    REJ("reject_object_with_array_member", "{[1]:2}"),
    REJ("reject_bare_word", "hello"),
    REJ("reject_nul_byte_outside_string", "[1]\0"),
    REJ("reject_vertical_tab_ws", "[\v1]"),
    REJ("reject_form_feed_ws", "[\f1]"),
    REJ("reject_nbsp_ws", "[\xc2\xa0 1]"),
    REJ("reject_bom", "\xef\xbb\xbf{}"),
    /* ---- rejected: literals ---- */
    REJ("reject_True", "True"),
    REJ("reject_NULL", "NULL"),
    REJ("reject_truncated_true", "tru"),
    REJ("reject_truncated_false", "fals"),
    REJ("reject_truncated_null", "nul"),
    REJ("reject_true_suffix", "truex"),
    REJ("reject_nan", "NaN"),
    REJ("reject_nan_in_array", "[NaN]"),
    REJ("reject_infinity", "Infinity"),
    REJ("reject_negative_infinity", "-Infinity"),
    REJ("reject_undefined", "undefined"),
    /* ---- rejected: numbers ---- */
    REJ("reject_leading_zero", "01"),
    REJ("reject_leading_zero_negative", "-01"),
    REJ("reject_leading_zeros_in_array", "[00]"),
    REJ("reject_plus_sign", "+1"),
    REJ("reject_lone_minus", "-"),
    REJ("reject_minus_space", "- 1"),
    REJ("reject_leading_dot", ".5"),
    REJ("reject_trailing_dot", "1."),
    REJ("reject_dot_exponent", "1.e5"),
    REJ("reject_empty_exponent", "1e"),
    REJ("reject_exponent_sign_only", "1e+"),
    REJ("reject_exponent_fraction", "1e1.5"),
    REJ("reject_hex_number", "0x10"),
    REJ("reject_double_minus", "--1"),
    REJ("reject_comma_decimal", "[1,5.]"),
    REJ("reject_number_then_letter", "1a"),
    REJ("reject_minus_letter", "-a"),
    REJ("reject_octal_like", "012"),
    /* ---- rejected: strings ---- */
    REJ("reject_unterminated_string", "\"abc"),
    REJ("reject_unterminated_string_after_escape", "\"abc\\"),
    REJ("reject_raw_newline_in_string", "\"a\nb\""),
    REJ("reject_raw_tab_in_string", "\"a\tb\""),
    REJ("reject_raw_nul_in_string", "\"a\0b\""),
    REJ("reject_raw_control_1f", "\"\x1f\""),
    REJ("reject_control_after_long_run", "\"abcdefghijklmnop\x01\""),
    REJ("reject_invalid_escape_x", "\"\\x41\""),
    REJ("reject_invalid_escape_a", "\"\\a\""),
    REJ("reject_invalid_escape_quote_single", "\"\\'\""),
    REJ("reject_invalid_escape_zero", "\"\\0\""),
    REJ("reject_escape_u_short", "\"\\u12\""),
    REJ("reject_escape_u_nonhex", "\"\\u12G4\""),
    REJ("reject_escape_u_uppercase_U", "\"\\U0041\""),
    REJ("reject_escape_at_end", "\"\\"),
    REJU("reject_lone_high_surrogate", "\"\\ud83d\""),
    REJU("reject_lone_high_surrogate_then_text", "\"\\ud83dabc\""),
    REJU("reject_lone_low_surrogate", "\"\\ude00\""),
    REJU("reject_reversed_surrogates", "\"\\ude00\\ud83d\""),
    REJU("reject_high_then_high_surrogate", "\"\\ud83d\\ud83d\""),
    REJU("reject_high_then_non_surrogate_escape", "\"\\ud83d\\u0041\""),
    REJ("reject_string_key_unterminated", "{\"a:1}"),
    /* ---- rejected: UTF-8 ---- */
    REJU("reject_utf8_lone_continuation", "\"\x80\""),
    REJU("reject_utf8_continuation_bf", "\"\xbf\""),
    REJU("reject_utf8_overlong_c0", "\"\xc0\xaf\""),
    REJU("reject_utf8_overlong_c1", "\"\xc1\xbf\""),
    REJU("reject_utf8_overlong_e0", "\"\xe0\x80\xaf\""),
    REJU("reject_utf8_overlong_e0_9f", "\"\xe0\x9f\xbf\""),
    REJU("reject_utf8_overlong_f0", "\"\xf0\x80\x80\xaf\""),
    REJU("reject_utf8_overlong_f0_8f", "\"\xf0\x8f\xbf\xbf\""),
    REJU("reject_utf8_encoded_high_surrogate", "\"\xed\xa0\x80\""),
    REJU("reject_utf8_encoded_low_surrogate", "\"\xed\xbf\xbf\""),
    REJU("reject_utf8_above_10ffff", "\"\xf4\x90\x80\x80\""),
    REJU("reject_utf8_f5", "\"\xf5\x80\x80\x80\""),
    REJU("reject_utf8_f8", "\"\xf8\x88\x80\x80\x80\""),
    REJU("reject_utf8_fe", "\"\xfe\""),
    REJU("reject_utf8_ff", "\"\xff\""),
    REJU("reject_utf8_truncated_2byte", "\"\xc3\""),
    REJU("reject_utf8_truncated_3byte", "\"\xe2\x82\""),
    REJU("reject_utf8_truncated_4byte", "\"\xf0\x9f\x98\""),
    REJU("reject_utf8_bad_second_byte", "\"\xc3\x28\""),
    REJU("reject_utf8_bad_third_byte", "\"\xe2\x82\x28\""),
    REJU("reject_utf8_bad_fourth_byte", "\"\xf0\x9f\x98\x28\""),
    REJU("reject_utf8_in_key", "{\"\xff\":1}"),
    REJU("reject_utf8_truncated_at_end_of_input", "\"\xe2\x82"),
    REJU("reject_utf8_after_escape", "\"\\n\xff\""),
};

TG_TEST(json_corpus_accepts_and_rejects) {
    size_t i, n = sizeof json_corpus / sizeof json_corpus[0];
    tg_json_tok toks[256];
    CHECK(n >= 150);
    for (i = 0; i < n; i++) {
        const json_case *c = &json_corpus[i];
        char buf[512];
        tg_json_doc d;
        tg_err e;
        memcpy(buf, c->text, c->len);
        buf[c->len] = '\0';
        e = tg_json_parse(&d, buf, c->len, toks, 256, NULL);
        if (c->ok ? e != TG_OK : e != c->err) {
            fprintf(stderr, "    corpus case %s: got %s (%s at %zu)\n", c->name, tg_err_str(e),
                    d.err_reason ? d.err_reason : "-", d.err_offset);
            CHECK(0 && "corpus case failed");
        }
        if (!c->ok) CHECK(d.err_reason != NULL && d.err_offset <= c->len);
    }
}

static tg_err parse_str(tg_json_doc *d, char *buf, tg_json_tok *toks, uint32_t cap) {
    return tg_json_parse(d, buf, strlen(buf), toks, cap, NULL);
}

TG_TEST(json_error_offsets_and_reasons) {
    char a[] = "{\"a\":1,}", b[] = "[1,2,x]", c[] = "\"ab\xff\"";
    tg_json_tok t[16];
    tg_json_doc d;
    CHECK(parse_str(&d, a, t, 16) == TG_ERR_JSON);
    CHECK(d.err_offset == 7);
    CHECK(strstr(d.err_reason, "trailing comma") != NULL);
    CHECK(parse_str(&d, b, t, 16) == TG_ERR_JSON);
    CHECK(d.err_offset == 5);
    CHECK(parse_str(&d, c, t, 16) == TG_ERR_UTF8);
    CHECK(d.err_offset == 3);
}

TG_TEST(json_tokens_layout_and_skip) {
    char buf[] = "{\"a\":[1,2,{\"x\":null}],\"b\":\"s\",\"c\":{}}";
    tg_json_tok t[32];
    tg_json_doc d;
    uint32_t a, b;
    CHECK(parse_str(&d, buf, t, 32) == TG_OK);
    CHECK(d.ntoks == 12);
    CHECK(tg_json_type_of(&d, 0) == TG_JSON_OBJECT && t[0].count == 3 && t[0].next == 12);
    a = tg_json_get(&d, 0, "a");
    CHECK(a == 2 && tg_json_type_of(&d, a) == TG_JSON_ARRAY && t[a].count == 3);
    CHECK(t[a].next == 8);          /* skips the whole array subtree */
    b = tg_json_get(&d, 0, "b");
    CHECK(tg_json_type_of(&d, b) == TG_JSON_STRING);
    CHECK(tg_json_get(&d, 0, "zz") == TG_JSON_NOTFOUND);
    CHECK(tg_json_get(&d, a, "x") == TG_JSON_NOTFOUND);       /* not an object */
    CHECK(t[tg_json_get(&d, 0, "c")].count == 0);
}

TG_TEST(json_token_shortage_reports_needed) {
    char buf[] = "[1,2,3,4,5,6,7,8,9,10]", copy[sizeof buf];
    tg_json_tok t[4];
    tg_json_doc d;
    memcpy(copy, buf, sizeof buf);
    CHECK(parse_str(&d, buf, t, 4) == TG_ERR_LIMIT);
    CHECK(d.needed == 11);
    CHECK(parse_str(&d, copy, NULL, 0) == TG_OK);   /* counting mode */
    CHECK(d.needed == 11);
}

TG_TEST(json_depth_limits) {
    static char deep[3000];
    tg_json_tok t[4];
    tg_json_doc d;
    tg_json_opts o;
    size_t i;
    for (i = 0; i < 1500; i++) { deep[i] = '['; deep[2999 - i] = ']'; }
    CHECK(tg_json_parse(&d, deep, 3000, NULL, 0, NULL) == TG_ERR_LIMIT);     /* default 64 */
    memset(&o, 0, sizeof o);
    o.max_depth = 100000;                                                  /* capped at 1024 */
    for (i = 0; i < 1500; i++) { deep[i] = '['; deep[2999 - i] = ']'; }
    CHECK(tg_json_parse(&d, deep, 3000, NULL, 0, &o) == TG_ERR_LIMIT);
    CHECK(strstr(d.err_reason, "nesting") != NULL);
    o.max_depth = 2;
    {
        char ok2[] = "[[1]]", bad3[] = "[[[1]]]";
        CHECK(tg_json_parse(&d, ok2, 5, t, 4, &o) == TG_OK);
        CHECK(tg_json_parse(&d, bad3, 7, t, 4, &o) == TG_ERR_LIMIT);
    }
    o.max_depth = 0;
    o.max_bytes = 4;
    {
        char big[] = "[1,2]";
        CHECK(tg_json_parse(&d, big, 5, t, 4, &o) == TG_ERR_LIMIT);
    }
}

TG_TEST(json_strings_decode_in_place) {
    char buf[] = "[\"a\\nb\",\"\\u00e9\\u20ac\\ud83d\\ude00\",\"plain\",\"q\\\"\\\\\\/\",\"\\u0000x\"]";
    tg_json_tok t[8];
    tg_json_doc d;
    const char *s;
    size_t n;
    CHECK(parse_str(&d, buf, t, 8) == TG_OK);
    CHECK(tg_json_str(&d, 1, &s, &n) && n == 3 && memcmp(s, "a\nb", 4) == 0);
    CHECK(tg_json_str(&d, 2, &s, &n) && n == 9 && strcmp(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0);
    CHECK(tg_json_str(&d, 3, &s, &n) && n == 5 && strcmp(s, "plain") == 0);
    CHECK(s >= buf && s < buf + sizeof buf);        /* zero copy: points into the input */
    CHECK(tg_json_str(&d, 4, &s, &n) && n == 4 && strcmp(s, "q\"\\/") == 0);
    CHECK(tg_json_str(&d, 5, &s, &n) && n == 2 && s[0] == '\0' && s[1] == 'x');  /* embedded NUL keeps its length */
    CHECK(!tg_json_str(&d, 0, &s, &n));             /* an array is not a string */
}

TG_TEST(json_int64_edges) {
    char buf[] = "[9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809,"
                 "-0,12345678901234567890,-1001234567890,1.0,1e2,0]";
    tg_json_tok t[16];
    tg_json_doc d;
    int64_t v = 7;
    double f;
    CHECK(parse_str(&d, buf, t, 16) == TG_OK);
    CHECK(tg_json_i64(&d, 1, &v) && v == INT64_MAX);
    CHECK(tg_json_i64(&d, 2, &v) && v == INT64_MIN);
    v = 7;
    CHECK(!tg_json_i64(&d, 3, &v) && v == 7);        /* 2^63: out of range, not wrapped */
    CHECK(!tg_json_i64(&d, 4, &v) && v == 7);        /* -2^63-1 */
    CHECK(tg_json_i64(&d, 5, &v) && v == 0);         /* -0 reads as 0 */
    CHECK(!tg_json_i64(&d, 6, &v));                  /* 12345678901234567890 */
    CHECK(tg_json_f64(&d, 6, &f) && f == (double)12345678901234567890.0);
    CHECK(tg_json_i64(&d, 7, &v) && v == -1001234567890LL);
    CHECK(!tg_json_i64(&d, 8, &v));                  /* 1.0 is not an integer token */
    CHECK(!tg_json_i64(&d, 9, &v));
    CHECK(tg_json_f64(&d, 9, &f) && f == 100.0);
    CHECK(tg_json_i64(&d, 10, &v) && v == 0);
}

TG_TEST(json_floats) {
    char buf[] = "[0.5,-0.25,1e400,-1e400,6.02214076e23,1e-400,0.1,123456789.123456789,2.5e-3]";
    tg_json_tok t[16];
    tg_json_doc d;
    double f = 0;
    CHECK(parse_str(&d, buf, t, 16) == TG_OK);
    CHECK(tg_json_f64(&d, 1, &f) && f == 0.5);
    CHECK(tg_json_f64(&d, 2, &f) && f == -0.25);
    CHECK(!tg_json_f64(&d, 3, &f));                  /* 1e400: beyond double, reported */
    CHECK(!tg_json_f64(&d, 4, &f));
    CHECK(tg_json_f64(&d, 5, &f) && f == (double)6.02214076e23);
    CHECK(tg_json_f64(&d, 6, &f) && f == 0.0);       /* underflow rounds to zero */
    CHECK(tg_json_f64(&d, 7, &f) && f == (double)0.1);
    CHECK(tg_json_f64(&d, 8, &f) && f == (double)123456789.123456789);
    CHECK(tg_json_f64(&d, 9, &f) && f == (double)2.5e-3);
}

TG_TEST(json_locale_independent) {
    const char *locs[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8", NULL };
    const char *got = NULL;
    int i;
    char buf[] = "[0.5]", out[64];
    tg_json_tok t[4];
    tg_json_doc d;
    tg_json_writer w;
    double f = 0;
    for (i = 0; locs[i] && !got; i++) got = setlocale(LC_ALL, locs[i]);
    if (!got || strcmp(localeconv()->decimal_point, ",") != 0) {
        setlocale(LC_ALL, "C");
        SKIP("no locale with a decimal comma is installed (tests/deps.sh installs de_DE.UTF-8)");
    }
    CHECK(parse_str(&d, buf, t, 4) == TG_OK);
    CHECK(tg_json_f64(&d, 1, &f) && f == 0.5);
    {
        char b2[] = "[3.14159265358979311599796346854]";
        CHECK(parse_str(&d, b2, t, 4) == TG_OK && tg_json_f64(&d, 1, &f) && f == (double)3.14159265358979311599796346854);
    }
    tg_json_writer_init(&w, out, sizeof out);
    tg_json_arr_begin(&w);
    tg_json_write_f64(&w, 0.5);
    tg_json_write_f64(&w, 3.14159265358979311599796346854);
    tg_json_arr_end(&w);
    CHECK(w.err == TG_OK);
    CHECK_STR(out, "[0.5,3.141592653589793]");
    setlocale(LC_ALL, "C");
}

TG_TEST(json_path_lookup) {
    char buf[] = "{\"ok\":true,\"result\":[{\"update_id\":7,\"message\":{\"chat\":{\"id\":-1001234567890},"
                 "\"text\":\"hi\"}},{\"update_id\":8}]}";
    tg_json_tok t[32];
    tg_json_doc d;
    int64_t v;
    bool b;
    const char *s;
    CHECK(parse_str(&d, buf, t, 32) == TG_OK);
    CHECK(tg_json_bool(&d, tg_json_path(&d, 0, "ok"), &b) && b);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "result[0].update_id"), &v) && v == 7);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "result[0].message.chat.id"), &v) && v == -1001234567890LL);
    CHECK(tg_json_i64(&d, tg_json_path(&d, 0, "result[1].update_id"), &v) && v == 8);
    CHECK(tg_json_str(&d, tg_json_path(&d, 0, "result[0].message.text"), &s, NULL) && strcmp(s, "hi") == 0);
    CHECK(tg_json_path(&d, 0, "result[2]") == TG_JSON_NOTFOUND);
    CHECK(tg_json_path(&d, 0, "result[x]") == TG_JSON_NOTFOUND);
    CHECK(tg_json_path(&d, 0, "nope.deeper") == TG_JSON_NOTFOUND);
    CHECK(tg_json_path(&d, 0, "ok.x") == TG_JSON_NOTFOUND);
    CHECK(!tg_json_i64(&d, TG_JSON_NOTFOUND, &v));   /* NOTFOUND flows through getters */
    CHECK(tg_json_at(&d, tg_json_get(&d, 0, "result"), 1) != TG_JSON_NOTFOUND);
}

TG_TEST(json_writer_basics) {
    char out[256];
    tg_json_writer w;
    tg_json_writer_init(&w, out, sizeof out);
    tg_json_obj_begin(&w);
    tg_json_key(&w, "chat_id"); tg_json_write_i64(&w, -1001234567890LL);
    tg_json_key(&w, "text"); tg_json_write_str(&w, "a\"b\\c\n\x01\xc3\xa9");
    tg_json_key(&w, "min"); tg_json_write_i64(&w, INT64_MIN);
    tg_json_key(&w, "f"); tg_json_write_f64(&w, 0.1);
    tg_json_key(&w, "t"); tg_json_write_bool(&w, true);
    tg_json_key(&w, "n"); tg_json_write_null(&w);
    tg_json_key(&w, "arr"); tg_json_arr_begin(&w); tg_json_write_i64(&w, 1);
    tg_json_write_raw(&w, "{\"x\":[]}", 8); tg_json_arr_end(&w);
    tg_json_obj_end(&w);
    CHECK(w.err == TG_OK);
    CHECK_STR(out, "{\"chat_id\":-1001234567890,\"text\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\","
                   "\"min\":-9223372036854775808,\"f\":0.1,\"t\":true,\"n\":null,\"arr\":[1,{\"x\":[]}]}");
}

TG_TEST(json_writer_errors) {
    char small[8];
    tg_json_writer w;
    tg_json_writer_init(&w, small, sizeof small);
    tg_json_write_str(&w, "0123456789");
    CHECK(w.err == TG_ERR_LIMIT);                  /* overflow reported, not truncated silently */
    tg_json_writer_init_grow(&w, NULL);
    tg_json_arr_begin(&w);
    tg_json_write_str(&w, "bad \xff utf8");
    CHECK(w.err == TG_ERR_UTF8);
    tg_json_writer_reset(&w);
    CHECK(w.err == TG_OK && w.len == 0);
    tg_json_write_f64(&w, 0.0 / 0.0 * 0.0 + (1e308 * 10.0));   /* infinity */
    CHECK(w.err == TG_ERR_ARG);
    tg_json_writer_reset(&w);
    tg_json_arr_end(&w);                           /* unbalanced close */
    CHECK(w.err == TG_ERR_ARG);
    tg_json_writer_free(&w);
}

TG_TEST(json_writer_grows) {
    tg_json_writer w;
    int i;
    tg_json_writer_init_grow(&w, NULL);
    tg_json_arr_begin(&w);
    for (i = 0; i < 10000; i++) tg_json_write_i64(&w, i);
    tg_json_arr_end(&w);
    CHECK(w.err == TG_OK && w.len > 40000 && w.buf[w.len] == '\0');
    CHECK(memcmp(w.buf + w.len - 6, ",9999]", 6) == 0);
    tg_json_writer_free(&w);
}

/* ---- round trip over generated documents ---- */
static uint64_t rt_state;
static uint32_t rt_rand(void) {
    rt_state ^= rt_state << 13; rt_state ^= rt_state >> 7; rt_state ^= rt_state << 17;
    return (uint32_t)(rt_state >> 11);
}
static void rt_gen(tg_json_writer *w, int depth) {
    static const char *const strs[] = { "", "hello", "emoji \xf0\x9f\x98\x80", "quote\" back\\ nl\n",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "ctl\x01\x1f", "tab\there" };
    uint32_t r = rt_rand() % (depth > 4 ? 6u : 8u), i, n;
    switch (r) {
    case 0: tg_json_write_i64(w, (int64_t)((uint64_t)rt_rand() << 32 | rt_rand())); break;
    case 1: tg_json_write_str(w, strs[rt_rand() % 7]); break;
    case 2: tg_json_write_bool(w, rt_rand() & 1); break;
    case 3: tg_json_write_null(w); break;
    case 4: tg_json_write_f64(w, (double)(int32_t)rt_rand() / 1024.0); break;
    case 5: tg_json_write_i64(w, -(int64_t)(rt_rand() % 1000000)); break;
    case 6:
        n = rt_rand() % 5;
        tg_json_arr_begin(w);
        for (i = 0; i < n; i++) rt_gen(w, depth + 1);
        tg_json_arr_end(w);
        break;
    default: {
        char key[16];
        n = rt_rand() % 5;
        tg_json_obj_begin(w);
        for (i = 0; i < n; i++) {
            snprintf(key, sizeof key, "k%u", (unsigned)(rt_rand() % 100));
            tg_json_key(w, key);
            rt_gen(w, depth + 1);
        }
        tg_json_obj_end(w);
    }
    }
}

TG_TEST(json_round_trip_property) {
    static tg_json_tok t1[4096], t2[4096];
    tg_json_writer w1, w2;
    int iter, bad = 0;
    rt_state = 0x9E3779B97F4A7C15ull;
    tg_json_writer_init_grow(&w1, NULL);
    tg_json_writer_init_grow(&w2, NULL);
    for (iter = 0; iter < 2000; iter++) {
        tg_json_doc d1, d2;
        char *copy;
        tg_json_writer_reset(&w1);
        rt_gen(&w1, 0);
        CHECK(w1.err == TG_OK);
        copy = (char *)malloc(w1.len + 1);
        memcpy(copy, w1.buf, w1.len + 1);
        if (tg_json_parse(&d1, copy, w1.len, t1, 4096, NULL) != TG_OK) { bad++; free(copy); continue; }
        tg_json_writer_reset(&w2);
        tg_json_write_value(&w2, &d1, 0);
        CHECK(w2.err == TG_OK);
        /* writer output is canonical: re-encoding the parsed tree gives the same bytes */
        if (w2.len != w1.len || memcmp(w1.buf, w2.buf, w1.len) != 0) bad++;
        else if (tg_json_parse(&d2, w2.buf, w2.len, t2, 4096, NULL) != TG_OK || d2.ntoks != d1.ntoks) bad++;
        free(copy);
    }
    CHECK(bad == 0);
    tg_json_writer_free(&w1);
    tg_json_writer_free(&w2);
}

TG_TEST(json_random_bytes_never_crash) {
    static char buf[256];
    tg_json_tok t[64];
    int iter;
    rt_state = 12345;
    for (iter = 0; iter < 20000; iter++) {
        size_t n = rt_rand() % sizeof buf, i;
        tg_json_doc d;
        static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnrl \xc3\xa9\xff\x01";
        for (i = 0; i < n; i++) buf[i] = alphabet[rt_rand() % (sizeof alphabet - 1)];
        (void)tg_json_parse(&d, buf, n, t, 64, NULL);
        CHECK(d.ntoks <= 64);
    }
}
