/* make bench-json: tokenizing the same bytes with tgbot.h (validate + unescape in place), jsmn
   (strict mode, tokenize only) and cJSON (builds a tree). Inputs are generated here, seeded:
   (a) a getUpdates response with 100 mixed updates, (b) 500 StarTransaction objects.
   Each parse runs on a fresh copy of the input (tgbot writes into it); only the parse is timed.
   Prints MB/s as the median of rounds in which the parsers take turns, then json_speedup_vs_jsmn
   (input a). */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#define JSMN_STRICT
#define JSMN_STATIC
#include <jsmn.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>

static uint64_t rs = 88172645463325252ull;
static uint32_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return (uint32_t)(rs >> 16); }

static char *out; static size_t olen, ocap;
static void put(const char *fmt, ...) {
    va_list ap; int n;
    if (ocap - olen < 4096) { ocap = ocap ? ocap * 2 : 65536; out = (char *)realloc(out, ocap); }
    va_start(ap, fmt); n = vsnprintf(out + olen, ocap - olen, fmt, ap); va_end(ap);
    olen += (size_t)n;
}

/* message texts as JSON string bodies (already escaped where they contain escapes) */
static const char *const texts[] = {
    "Hello there! How are you doing today?",
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xba\xd0\xb0\xd0\xba \xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb0?",
    "Check this out \xf0\x9f\x8e\x81\xf0\x9f\x8e\x89 https://example.com/gift?id=5170145012310081615",
    "/start@tgbot_test_bot ref_12345",
    "Line one\\nLine two with \\\"quotes\\\" and a tab\\t.",
    "\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442 \\ud83d\\ude00 escaped unicode",
    "Just a fairly ordinary message that a person might type into a group chat about dinner plans.",
};

static void user(long long id, int i) {
    put("{\"id\":%lld,\"is_bot\":false,\"first_name\":\"User%d\",\"last_name\":\"\\u00c9mile\","
        "\"username\":\"user_%d\",\"language_code\":\"en\",\"is_premium\":true}", id, i, i);
}

static void gen_updates(void) {
    int i;
    olen = 0;
    put("{\"ok\":true,\"result\":[");
    for (i = 0; i < 100; i++) {
        long long uid = 100000000 + (long long)(rnd() % 900000000u);
        long long chat = (i % 3 == 0) ? -1001234567890LL - (long long)(rnd() % 1000u) : uid;
        int kind = (int)(rnd() % 5);
        put("%s{\"update_id\":%d,", i ? "," : "", 845000000 + i);
        if (kind == 0) {
            put("\"callback_query\":{\"id\":\"4382bfdwdsb323b2d9\",\"from\":");
            user(uid, i);
            put(",\"message\":{\"message_id\":%d,\"chat\":{\"id\":%lld,\"type\":\"private\"},\"date\":%d,"
                "\"text\":\"Pick a page\"},\"chat_instance\":\"-6620282710498435392\",\"data\":\"page:2:sort=price\"}}",
                500 + i, uid, 1732400000 + i);
            continue;
        }
        put("\"%s\":{\"message_id\":%d,\"from\":", kind == 1 ? "edited_message" : "message", 1000 + i);
        user(uid, i);
        put(",\"chat\":{\"id\":%lld,\"type\":\"%s\",\"title\":\"Gift hunters \xf0\x9f\x8e\x81\"},\"date\":%d,",
            chat, chat < 0 ? "supergroup" : "private", 1732400000 + i);
        if (kind == 4) {
            put("\"photo\":[{\"file_id\":\"AgACAgIAAxkBAAIBZ2Vx\",\"file_unique_id\":\"AQADx7ox\",\"file_size\":1321,"
                "\"width\":90,\"height\":67},{\"file_id\":\"AgACAgIAAxkBAAIBZ2Vy\",\"file_unique_id\":\"AQADx7oy\","
                "\"file_size\":15384,\"width\":320,\"height\":240}],\"caption\":\"%s\"}}", texts[rnd() % 7]);
        } else {
            put("\"text\":\"%s\",\"entities\":[{\"offset\":0,\"length\":6,\"type\":\"bold\"},"
                "{\"offset\":7,\"length\":4,\"type\":\"italic\"}]}}", texts[rnd() % 7]);
        }
    }
    put("]}");
}

static void gen_stars(void) {
    int i;
    olen = 0;
    put("{\"ok\":true,\"result\":{\"transactions\":[");
    for (i = 0; i < 500; i++) {
        put("%s{\"id\":\"stxA%08xB%08x\",\"amount\":%u,\"nanostar_amount\":%u,\"date\":%d,", i ? "," : "",
            rnd(), rnd(), rnd() % 10000u, rnd() % 999999999u, 1732000000 + i * 37);
        if (i % 2) {
            put("\"source\":{\"type\":\"user\",\"transaction_type\":\"invoice_payment\",\"user\":");
            user(100000000 + (long long)(rnd() % 900000000u), i);
            put(",\"invoice_payload\":\"order-%d\"}}", i);
        } else {
            put("\"receiver\":{\"type\":\"user\",\"transaction_type\":\"gift_purchase\",\"user\":");
            user(100000000 + (long long)(rnd() % 900000000u), i);
            put(",\"gift\":{\"id\":\"5170145012310081615\",\"sticker\":{\"file_id\":\"CAACAgIAAxUAAWd\","
                "\"file_unique_id\":\"AgADx\",\"type\":\"regular\",\"width\":512,\"height\":512,\"is_animated\":true,"
                "\"is_video\":false},\"star_count\":15,\"upgrade_star_count\":25}}}");
        }
    }
    put("]}}");
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define ROUNDS 31
static tg_json_tok ttoks[100000];
static jsmntok_t jtoks[100000];

/* one round of `iters` parses by one parser; returns MB/s */
static double round_mbs(int which, const char *src, char *buf, size_t n, int iters) {
    double t = 0;
    int i;
    for (i = 0; i < iters; i++) {
        double t0;
        memcpy(buf, src, n);
        buf[n] = '\0';
        t0 = now_s();
        if (which == 0) {
            tg_json_doc d;
            if (tg_json_parse(&d, buf, n, ttoks, 100000, NULL) != TG_OK) { fprintf(stderr, "tgbot: parse failed: %s at %zu\n", d.err_reason, d.err_offset); exit(1); }
        } else if (which == 1) {
            jsmn_parser p;
            jsmn_init(&p);
            if (jsmn_parse(&p, buf, n, jtoks, 100000) < 0) { fprintf(stderr, "jsmn: parse failed\n"); exit(1); }
        } else {
            cJSON *j = cJSON_ParseWithLength(buf, n);
            if (!j) { fprintf(stderr, "cJSON: parse failed\n"); exit(1); }
            cJSON_Delete(j);
        }
        t += now_s() - t0;
    }
    return (double)n * iters / t / 1e6;
}

/* the three parsers take turns round by round (a shared, noisy machine slows them alike);
   res[w] = median MB/s of parser w over ROUNDS rounds */
static void run_all(const char *src, size_t n, int iters, double res[3]) {
    double mbs[3][ROUNDS];
    char *buf = (char *)malloc(n + 1);
    int r, w;
    for (r = 0; r < ROUNDS; r++)
        for (w = 0; w < 3; w++) mbs[w][r] = round_mbs(w, src, buf, n, iters);
    free(buf);
    for (w = 0; w < 3; w++) {
        qsort(mbs[w], ROUNDS, sizeof mbs[w][0], cmp_d);
        res[w] = mbs[w][ROUNDS / 2];
    }
}

int main(void) {
    static const char *const names[] = { "tgbot.h (validate+unescape)", "jsmn (strict, tokens only)", "cJSON (tree)" };
    double res[2][3];
    int in, w;
    for (in = 0; in < 2; in++) {
        char *src;
        size_t n;
        if (in == 0) gen_updates(); else gen_stars();
        n = olen;
        src = (char *)malloc(n + 1);
        memcpy(src, out, n + 1);
        printf("input %s: %s, %zu bytes\n", in == 0 ? "(a)" : "(b)",
               in == 0 ? "getUpdates, 100 mixed updates" : "getStarTransactions, 500 StarTransaction", n);
        run_all(src, n, in == 0 ? 100 : 25, res[in]);
        for (w = 0; w < 3; w++) printf("  %-30s %8.1f MB/s\n", names[w], res[in][w]);
        free(src);
    }
    printf("tgbot/cJSON (a): %.2f  (b): %.2f\n", res[0][0] / res[0][2], res[1][0] / res[1][2]);
    printf("tgbot/jsmn  (b): %.2f\n", res[1][0] / res[1][1]);
    printf("json_speedup_vs_jsmn: %.2f\n", res[0][0] / res[0][1]);
    return 0;
}
