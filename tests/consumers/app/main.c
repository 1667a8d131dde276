/* An outside program using an installed or fetched tgbot.h: it links (the TLS backend's symbols
   resolve), tg_version() of the compiled implementation matches the header, and a bot can be made.
   Prints "tgbot VERSION tls=BACKEND switches=..." for the test to compare with what it configured. */
#define TGBOT_IMPLEMENTATION
#include <tgbot.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    tg_bot_desc desc = { 0 };
    tg_bot *bot;
    tg_error err;
    desc.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";   /* well-formed, never sent */
    desc.base_url = TGBOT__TLS_NONE ? "http://127.0.0.1:9" : "https://127.0.0.1:9";
    if (strcmp(tg_version(), TGBOT_VERSION_STRING) != 0) {
        fprintf(stderr, "tg_version() %s != TGBOT_VERSION_STRING %s\n", tg_version(), TGBOT_VERSION_STRING);
        return 1;
    }
    if (tg_bot_new(&bot, &desc, &err) != TG_OK) {
        fprintf(stderr, "tg_bot_new: %s\n", err.description);
        return 1;
    }
    tg_bot_free(bot);
    printf("tgbot %s tls=%s switches=%s%s\n", tg_version(),
           TGBOT__TLS_BEARSSL ? "bearssl" : TGBOT__TLS_MBEDTLS ? "mbedtls" : "none",
           TGBOT__HAS_WEBHOOK ? "webhook" : "", TGBOT__HAS_CACHE ? ",cache" : "");
    return 0;
}
