/* async_epoll: a broadcast driven by your own epoll loop. Sends "Hello, <n>!" to chats 1..N with up
   to 64 calls in flight on one bot (8 pooled connections by default, here 16), then prints how many
   arrived. Every fd the bot wants watched comes from tg_loop_fds; the wait is bounded by
   tg_loop_timeout_ms; tg_loop_step(bot, 0) does the work and runs the completion callbacks.

     cc -std=c99 examples/async_epoll.c -I. -I/usr/include/bearssl -lbearssl -o async_epoll
     ./async_epoll http://127.0.0.1:8081 100 [token]      (a local or fake Bot API server) */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <sys/epoll.h>

static long ok, failed;

static void on_done(tg_bot *bot, uint32_t id, tg_err code, const tg_error *err, tg_json_value result, void *ud) {
    (void)bot; (void)id; (void)result; (void)ud;
    if (code == TG_OK) ok++;
    else { failed++; fprintf(stderr, "failed: %s\n", err->description); }   /* OUTCOME_UNKNOWN: do not resend blindly */
}

/* makes the epoll set equal to what the bot wants now */
static void sync_epoll(int ep, tg_bot *bot, int *watched, size_t *nwatched) {
    tg_loop_fd want[64];
    size_t n = tg_loop_fds(bot, want, 64), i, j;
    for (i = 0; i < *nwatched; i++) epoll_ctl(ep, EPOLL_CTL_DEL, watched[i], NULL);
    for (j = 0; j < n && j < 64; j++) {
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = (want[j].events & TG_LOOP_READ ? EPOLLIN : 0u) | (want[j].events & TG_LOOP_WRITE ? EPOLLOUT : 0u);
        ev.data.fd = want[j].fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, want[j].fd, &ev);
        watched[j] = want[j].fd;
    }
    *nwatched = j;
}

int main(int argc, char **argv) {
    tg_bot_desc desc = { 0 };
    tg_bot *bot;
    tg_error err;
    tg_async opt = { 0 };
    long n = argc > 2 ? atol(argv[2]) : 10, next = 0;
    int ep, watched[64];
    size_t nwatched = 0;
    if (argc > 1) desc.base_url = argv[1];
    if (argc > 3) desc.token = argv[3];           /* otherwise TELEGRAM_BOT_TOKEN */
    desc.engine.max_connections = 16;
    if (tg_bot_new(&bot, &desc, &err) != TG_OK) { fprintf(stderr, "%s\n", err.description); return 1; }
    if ((ep = epoll_create1(0)) < 0) { perror("epoll_create1"); return 1; }
    opt.done = on_done;
    while (next < n || tg_loop_pending(bot)) {
        struct epoll_event evs[64];
        while (next < n && tg_loop_pending(bot) < 64) {   /* keep 64 in flight */
            char params[96];
            next++;
            snprintf(params, sizeof params, "{\"chat_id\":%ld,\"text\":\"Hello, %ld!\"}", next, next);
            if (tg_call_async(bot, "sendMessage", params, &opt, NULL) != TG_ERR_PENDING) {
                failed++;
                fprintf(stderr, "not submitted: %s\n", tg_bot_last_error(bot)->description);
            }
        }
        tg_loop_step(bot, 0);                      /* start what can start, finish what is ready */
        sync_epoll(ep, bot, watched, &nwatched);
        if (tg_loop_pending(bot)) epoll_wait(ep, evs, 64, tg_loop_timeout_ms(bot));
        if (!tg_loop_pending(bot)) tg_bot_reset(bot);   /* nothing in flight: release the results */
    }
    printf("sent %ld, failed %ld\n", ok, failed);
    close(ep);
    tg_bot_free(bot);
    return failed ? 1 : 0;
}
