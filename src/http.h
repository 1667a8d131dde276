/* http (public part): the network options a bot is created with, and files to upload. */

typedef enum tg_proxy_type {
    TG_PROXY_NONE = 0, TG_PROXY_HTTP, TG_PROXY_SOCKS5, TG__PROXY_FORCE_U32 = 0x7FFFFFFF
} tg_proxy_type;

typedef struct tg_proxy {
    tg_proxy_type type;
    const char *host;
    uint16_t port;
    const char *username;   /* Basic auth (HTTP CONNECT) or RFC 1929 (SOCKS5) */
    const char *password;
    const char *url;        /* alternative: "http://user:pass@host:port", "socks5://..." or "socks5h://..." */
} tg_proxy;                 /* SOCKS5 always resolves the API host on the proxy (remote DNS) */

typedef struct tg_tls_options {
    const char *ca_file;          /* PEM bundle; NULL = probe the usual system paths */
    const char *ca_pem;           /* PEM text in memory instead of a file */
    const void *anchors;          /* compiled-in trust anchors (BearSSL br_x509_trust_anchor[]) */
    size_t anchors_count;
    const char *server_name;      /* name to verify instead of the URL's host; NULL or "": the URL's host.
                                     The certificate's name is always checked: no option turns that off */
} tg_tls_options;

typedef struct tg_http_limits {   /* 0 = default */
    uint32_t max_status_line;     /* 1 KiB */
    uint32_t max_header_bytes;    /* 16 KiB */
    uint32_t max_headers;         /* 64 */
    size_t max_body_bytes;        /* 64 MiB */
} tg_http_limits;

typedef struct tg_timeouts {      /* milliseconds, 0 = default */
    uint32_t connect_ms;          /* TCP + proxy + TLS handshake of one attempt: 10 s */
    uint32_t request_ms;          /* one attempt, connect to last byte of the answer: 60 s (long polling
                                     adds its poll time) */
    uint32_t idle_ms;             /* an unused keep-alive connection is closed after: 30 s */
    uint32_t call_ms;             /* one call, every attempt and every back-off wait: 2 x request_ms
                                     (long polling adds its poll time). An attempt is cut short at it and
                                     a retry that cannot start before it is not made. Waits asked for
                                     are not counted: a 429's retry_after, the rate limiter's pacing */
} tg_timeouts;

/* A file to upload. Exactly one source: path (streamed from disk), data+size (memory), or a read
   callback (streamed; size 0 = unknown length, sent with chunked transfer encoding). Or id_or_url:
   send an existing file_id or an HTTP URL instead of uploading. */
typedef struct tg_input_file {
    const char *path;
    const void *data;
    size_t size;
    long (*read)(void *ud, void *buf, size_t n);   /* bytes read, 0 at the end, < 0 on error */
    void *read_ud;
    const char *filename;        /* default: the path's last component, or "file" */
    const char *mime_type;       /* default: application/octet-stream */
    const char *id_or_url;
} tg_input_file;
