/* A tiny test harness: TG_TEST(name) { CHECK(cond); }  — tests are collected by the Makefile. */
#ifndef TG_TEST_RUNNER_H
#define TG_TEST_RUNNER_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tg_t_failed_now;  /* the running test has failed */
static int tg_t_index = -1;  /* the running test's number (tests/fake_api.h tags its requests) */
static int tg_t_skipped_now; /* the running test skipped itself */

#define TG_TEST(name) static void test_##name(void)
#define CHECK(cond) do { if (!(cond)) { tg_t_failed_now = 1; \
    fprintf(stderr, "    CHECK failed %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long tg_a_ = (long long)(a), tg_b_ = (long long)(b); \
    if (tg_a_ != tg_b_) { tg_t_failed_now = 1; fprintf(stderr, "    CHECK failed %s:%d: %s == %s (%lld vs %lld)\n", \
    __FILE__, __LINE__, #a, #b, tg_a_, tg_b_); } } while (0)
#define CHECK_STR(a, b) do { const char *tg_a_ = (a), *tg_b_ = (b); \
    if (!tg_a_ || !tg_b_ || strcmp(tg_a_, tg_b_) != 0) { tg_t_failed_now = 1; \
    fprintf(stderr, "    CHECK failed %s:%d: %s == \"%s\" (got \"%s\")\n", __FILE__, __LINE__, #a, \
    tg_b_ ? tg_b_ : "(null)", tg_a_ ? tg_a_ : "(null)"); } } while (0)
/* A test that cannot run here says why; it counts as skipped, never as passed. */
#define SKIP(why) do { tg_t_skipped_now = 1; fprintf(stderr, "    skipped: %s\n", why); return; } while (0)

typedef struct tg_test_case { const char *name; void (*fn)(void); } tg_test_case;

static int tg_test_main(const tg_test_case *tests, size_t n, int argc, char **argv) {
    int passed = 0, failed = 0, skipped = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        tg_t_failed_now = 0;
        tg_t_skipped_now = 0;
        tg_t_index = (int)i;
        tests[i].fn();
        if (tg_t_failed_now) { failed++; fprintf(stderr, "FAIL %s\n", tests[i].name); }
        else if (tg_t_skipped_now) skipped++;
        else passed++;
    }
    if (skipped) printf("%d skipped\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
#endif
