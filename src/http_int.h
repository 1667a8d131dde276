/* http (internal): the HTTP/1.1 client engine and the message-head parser the webhook server shares. */
typedef struct tg__http_config {
    const char *base_url;          /* "https://api.telegram.org" or "http://127.0.0.1:8081/prefix" */
    tg_proxy proxy;
    tg_tls_options tls;
    tg_http_limits limits;
    tg_timeouts timeouts;
    const tg_allocator *alloc;
    const tg_logger *log;
    const tg_platform *plat;
} tg__http_config;

typedef struct tg__http_client tg__http_client;

typedef struct tg__http_part {     /* one multipart/form-data field: text or a file */
    const char *name;
    const char *value; size_t value_len;
    const tg_input_file *file;
} tg__http_part;

typedef struct tg__http_request {
    const char *method;            /* "GET" or "POST" */
    const char *path;              /* appended to the base path; SECRET (holds the token): never logged */
    const char *content_type;
    const char *body; size_t body_len;
    const tg__http_part *parts; size_t nparts;   /* nparts > 0: multipart/form-data, streamed */
    uint32_t timeout_ms;           /* 0 = the configured request timeout */
    size_t max_body_bytes;         /* 0 = the configured limit (file downloads set their own) */
} tg__http_request;

typedef struct tg__http_response {
    int status;
    char *body; size_t body_len;   /* writable, owned by the client until its next request; body[body_len] == 0 */
    const char *content_type;      /* NUL-terminated copy, "" if absent */
} tg__http_response;

TGBOT__INTERN tg_err tg__http_client_new(tg__http_client **out, const tg__http_config *cfg, tg_error *err);
/* err->request_sent is false only when no byte of the request can have reached the server */
TGBOT__INTERN tg_err tg__http_do(tg__http_client *c, const tg__http_request *rq, tg__http_response *rs, tg_error *err);
TGBOT__INTERN void tg__http_client_free(tg__http_client *c);
/* the same exchange without blocking (the engine drives many): begin, then step until it is not 0;
   want says which socket, for what, and until when. abort ends one in progress (cancel, stop). */
TGBOT__INTERN tg_err tg__http_begin(tg__http_client *c, const tg__http_request *rq, tg_error *err);
TGBOT__INTERN int tg__http_step(tg__http_client *c, const tg__http_request *rq, tg__http_response *rs, tg_error *err);
TGBOT__INTERN tg__sock tg__http_want(const tg__http_client *c, bool *write, uint64_t *deadline);
TGBOT__INTERN int tg__http_abort(tg__http_client *c, tg_error *err, tg_err code, const char *why);
/* one more connection of a pool: shares its parent's configuration and TLS context (sessions resume) */
TGBOT__INTERN tg_err tg__http_client_clone(tg__http_client **out, const tg__http_client *parent);
TGBOT__INTERN uint32_t tg__http_connections_opened(const tg__http_client *c);   /* for tests: keep-alive reuse */
TGBOT__INTERN bool tg__http_tls_resumed(const tg__http_client *c);

/* message head parser, for responses (client) and requests (webhook server) */
#define TG__HTTP_MAX_HEADERS 100
typedef struct tg__http_head {
    tg_str method, target;         /* requests */
    int status;                    /* responses */
    int minor;                     /* HTTP/1.x */
    tg_str name[TG__HTTP_MAX_HEADERS], value[TG__HTTP_MAX_HEADERS];
    uint32_t nheaders;
    int64_t content_length;        /* -1 when absent */
    bool chunked, keep_alive, expect_continue;
    size_t head_len;               /* bytes of the head including the blank line */
} tg__http_head;
/* 1 complete, 0 incomplete, -1 error (err filled: TG_ERR_HTTP or TG_ERR_LIMIT, naming where) */
TGBOT__INTERN int tg__http_parse_head(const char *buf, size_t len, bool request, const tg_http_limits *lim,
                                      tg__http_head *h, tg_error *err);
TGBOT__INTERN const tg_str *tg__http_header(const tg__http_head *h, const char *name);
/* decodes a chunked body in place; returns 1 done (*out_len decoded, *consumed raw), 0 need more, -1 bad */
TGBOT__INTERN int tg__http_dechunk(char *buf, size_t len, size_t *state_pos, size_t *out_len,
                                   size_t *consumed, tg_error *err);
