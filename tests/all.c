/* The unit-test program: the implementation of tgbot.h (the artefact users get) plus every
   tests/test_*.c, collected by the Makefile into tests.inc. */
#define TGBOT_IMPLEMENTATION
#include "../tgbot.h"
#include "runner.h"
#include "fake_api.h"   /* ctl(), test_bot(): the fake server, for every test file */
#include "tests.inc"   /* generated: #include of each test file + the tg_tests[] table */

int main(int argc, char **argv) {
    return tg_test_main(tg_tests, sizeof tg_tests / sizeof tg_tests[0] - 1, argc, argv);
}
