/* A sender for the shared flood-control test (tests/redis/test_flood_shared.py): one of N processes
   broadcasting for one token through the rate limiter's lanes in Redis. Message j of chat c is sent
   by process (c + j) % N, so every chat's consecutive messages come from different processes: only
   the shared lanes keep them 1 s apart.

   sender BASE_URL REDIS_PORT INDEX NPROCS CHATS PER_CHAT     (exit 0 when every message was sent) */
#define TGBOT_IMPLEMENTATION
#define TGBOT_ENABLE_RATELIMIT
#define TGBOT_ENABLE_REDIS
#define TGBOT_TLS_NONE
#include "../../tgbot.h"
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    tg_bot_desc bd;
    tg_bot *bot = NULL;
    tg_store *store = NULL;
    tg_redis_desc rd;
    tg_error err;
    int idx, n, chats, per, c, j, failed = 0;
    if (argc != 7) { fprintf(stderr, "usage: sender BASE_URL REDIS_PORT INDEX NPROCS CHATS PER_CHAT\n"); return 2; }
    idx = atoi(argv[3]); n = atoi(argv[4]); chats = atoi(argv[5]); per = atoi(argv[6]);
    memset(&rd, 0, sizeof rd);
    rd.port = atoi(argv[2]);
    rd.prefix = "flood:";
    if (tg_store_redis_new(&store, NULL, &rd) != TG_OK) return 1;
    memset(&bd, 0, sizeof bd);
    bd.token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    bd.base_url = argv[1];
    bd.logger.fn = tg_log_stderr; bd.logger.level = TG_LOG_WARN;
    bd.ratelimit.store = store;
    if (tg_bot_new(&bot, &bd, &err) != TG_OK) { fprintf(stderr, "sender: %s\n", err.description); return 1; }
    for (j = 0; j < per; j++) {
        for (c = 0; c < chats; c++) {
            tg_send_message_args a;
            char text[64];
            if ((c + j) % n != idx) continue;
            memset(&a, 0, sizeof a);
            a.chat_id.id = 1000 + c;
            snprintf(text, sizeof text, "message %d to chat %d", j, c);
            a.text = text;
            if (tg_send_message(bot, &a, NULL) != TG_OK) failed++;
            tg_bot_reset(bot);
        }
    }
    tg_bot_free(bot);
    tg_store_free(store);
    return failed ? 1 : 0;
}
