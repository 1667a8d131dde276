/* bot: the bot object, the call pipeline, errors. Generated methods (gen/api.h) and the generic
   tg_call all go through it.

   Memory: every result a call returns (typed structs, strings, raw JSON) lives in the bot's arena
   until tg_bot_reset(bot). A loop that calls and then resets stays flat in memory:
       for (;;) { tg_get_me(bot, NULL, &me); use(me); tg_bot_reset(bot); }
   Inside an update handler the dispatcher resets after the handler returns.

   Retries: reads and idempotent calls are retried on network errors, 5xx and 429 (with exponential
   back-off and jitter, honouring retry_after). A call that sends something or spends Stars is
   retried only when the library knows the request did not reach Telegram (connection refused, a
   stale connection that took no byte) or Telegram rejected it with 429; otherwise it fails with
   TG_ERR_OUTCOME_UNKNOWN and is never repeated silently. */

typedef struct tg_json_value { const tg_json_doc *doc; uint32_t tok; } tg_json_value;

typedef struct tg_bot_desc {
    const char *token;        /* NULL: token_file, then the TELEGRAM_BOT_TOKEN environment variable */
    const char *token_file;   /* a file whose first line is the token */
    const char *base_url;     /* NULL: "https://api.telegram.org"; e.g. "http://127.0.0.1:8081" */
    bool test_environment;    /* Telegram's test environment (/bot<token>/test/<method>) */
    tg_proxy proxy;
    tg_tls_options tls;
    tg_http_limits limits;
    tg_timeouts timeouts;
    uint32_t max_retries;     /* 0: 3 */
    tg_allocator allocator;
    tg_logger logger;
    tg_platform platform;
    void *user_data;
} tg_bot_desc;

TGBOT_API tg_err tg_bot_new(tg_bot **out, const tg_bot_desc *desc, tg_error *err);
TGBOT_API void tg_bot_free(tg_bot *bot);                  /* also wipes the token from memory */
TGBOT_API const tg_error *tg_bot_last_error(const tg_bot *bot);
TGBOT_API void tg_bot_reset(tg_bot *bot);                 /* releases every result since the last reset */
TGBOT_API tg_arena *tg_bot_arena(tg_bot *bot);
TGBOT_API void *tg_bot_user_data(const tg_bot *bot);
TGBOT_API int64_t tg_bot_id(const tg_bot *bot);           /* the numeric part of the token */

/* Calls any method by name with raw JSON parameters (an object, or NULL for none); result points
   at the "result" value of the answer (NULL: ignore it). For methods newer than the generated API. */
TGBOT_API tg_err tg_call(tg_bot *bot, const char *method, const char *params_json, tg_json_value *result);

/* Downloads a file from Telegram's file endpoint (/file/bot<token>/<file_path>), file_path being
   what getFile returned. The bytes live in the bot's arena until tg_bot_reset, like every result;
   a file over max_bytes (0: TGBOT_DOWNLOAD_MAX, 20 MiB: the cloud Bot API's own download limit) is
   refused with TG_ERR_LIMIT before it is read whole. Retried like a read. With a local Bot API server
   started with --local, getFile returns an absolute path on that machine: read the file directly. */
TGBOT_API tg_err tg_download_file(tg_bot *bot, const char *file_path, size_t max_bytes, tg_str *out);
/* getFile, then tg_download_file */
TGBOT_API tg_err tg_download_file_id(tg_bot *bot, const char *file_id, size_t max_bytes, tg_str *out);

TGBOT_API bool tg_error_is_unauthorized(const tg_error *e);      /* 401: bad token */
TGBOT_API bool tg_error_is_forbidden(const tg_error *e);         /* 403: e.g. the bot was blocked by the user */
TGBOT_API bool tg_error_is_bad_request(const tg_error *e);       /* 400 */
TGBOT_API bool tg_error_is_not_found(const tg_error *e);         /* 404 */
TGBOT_API bool tg_error_is_conflict(const tg_error *e);          /* 409: webhook set / another poller */
TGBOT_API bool tg_error_is_too_many_requests(const tg_error *e); /* 429: see retry_after */
