/* tg_version(): the implementation reports the version of the header it was built from. */

TG_TEST(core_version) {
    char want[48];
    /* built from the three numeric macros, not from TGBOT_VERSION_STRING that tg_version returns */
    snprintf(want, sizeof want, "%d.%d.%d", TGBOT_VERSION_MAJOR, TGBOT_VERSION_MINOR, TGBOT_VERSION_PATCH);
    CHECK_STR(tg_version(), want);
    CHECK(tg_version() == tg_version());      /* a static string: same pointer every call, nothing to free */
}
