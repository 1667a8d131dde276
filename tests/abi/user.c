/* Built WITHOUT any switch and linked against impl.c (every switch + TGBOT_IMPLEMENTATION), under
   AddressSanitizer: tg_bot_new must not read past this file's tg_bot_desc, tg_set_events must not
   copy a member this file's tg_events does not have, and no callback pointer may be wild.
   The breaker (on in impl.c) is configured from here through desc.breaker and fires on_breaker:
   the member exists in this file too. Prints "N passed, N failed". */
#include <stdio.h>
#include <string.h>
#include "tgbot.h"

static int passed, failed;
#define EXPECT(c) do { if (c) passed++; else { failed++; printf("FAILED: %s (line %d)\n", #c, __LINE__); } } while (0)

static unsigned sleeps, errors, breakers, last_state;
static void no_sleep(void *ud, uint32_t ms) { (void)ud; (void)ms; sleeps++; }
static void on_error(const tg_event *e, void *ud) { (void)ud; if (e->type == TG_EVENT_ERROR && e->error) errors++; }
static void on_breaker(const tg_event *e, void *ud) { (void)ud; if (e->type == TG_EVENT_BREAKER) { breakers++; last_state = (unsigned)e->breaker_state; } }

int main(void) {
    tg_bot_desc d;              /* on the stack, sized by THIS file's view of the struct */
    tg_events ev;
    tg_bot *bot = NULL;
    tg_dispatcher *disp = NULL;
    tg_error err;
    int i;
    memset(&d, 0, sizeof d);
    d.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    d.base_url = "http://127.0.0.1:9";          /* discard port: connection refused, never the internet */
    d.platform.sleep_ms = no_sleep;
    d.max_retries = 1;
    d.breaker.failures = 2;                      /* the breaker's settings, from a file without the switch */
    d.breaker.open_ms = 600000;
    d.ratelimit.disabled = true;
    EXPECT(tg_bot_new(&bot, &d, &err) == TG_OK && bot != NULL);
    if (!bot) { printf("%d passed, %d failed\n", passed, failed + 1); return 1; }
    EXPECT(tg_dispatcher_new(&disp, bot, NULL) == TG_OK);
    memset(&ev, 0, sizeof ev);
    ev.on_error = on_error;
    ev.on_breaker = on_breaker;
    tg_set_events(disp, &ev);
    for (i = 0; i < 3; i++) EXPECT(tg_call(bot, "getMe", NULL, NULL) != TG_OK);
    EXPECT(errors == 3);
    EXPECT(breakers == 1 && last_state == 1);     /* opened once: 1 = TG_BREAKER_OPEN */
    EXPECT(tg_bot_last_error(bot)->code == TG_ERR_BREAKER_OPEN);
    /* events cleared from this file: no stale pointer is called afterwards */
    memset(&ev, 0, sizeof ev);
    tg_set_events(disp, &ev);
    EXPECT(tg_call(bot, "getMe", NULL, NULL) == TG_ERR_BREAKER_OPEN && errors == 3);
    tg_dispatcher_free(disp);
    tg_bot_free(bot);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
