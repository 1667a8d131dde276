/* platform (internal): the only room that knows the OS socket API. Another OS or an embedded
   TCP/IP stack replaces these functions. */
#if defined(_WIN32)
typedef SOCKET tg__sock;
#define TG__SOCK_INVALID INVALID_SOCKET
#else
typedef int tg__sock;
#define TG__SOCK_INVALID (-1)
#endif
#define TG__WOULDBLOCK (-2)
typedef struct addrinfo tg__addr;

/* the OS resolver (blocks; dns.c uses it for names it cannot ask over UDP): 0, or -1 with *gai_err */
TGBOT__INTERN int tg__resolve(const char *host, uint16_t port, tg__addr **out, int *gai_err);
TGBOT__INTERN const char *tg__resolve_strerror(int gai_err);
TGBOT__INTERN void tg__resolve_free(tg__addr *a);   /* any list from tg__resolve or tg__addr_list */
/* n addresses (16 bytes each, IPv4 as ::ffff:a.b.c.d) as a connect list, in order: 0 or -1 */
TGBOT__INTERN int tg__addr_list(const unsigned char (*ips)[16], size_t n, uint16_t port, tg__addr **out);
/* a connected, non-blocking UDP socket (DNS queries): 0 or -1 (errno) */
TGBOT__INTERN int tg__udp_open(const unsigned char ip[16], uint16_t port, tg__sock *out);
/* Errors come back as errno values on every OS (winsock's are mapped), so callers stay POSIX-shaped.
   starts a non-blocking connect: 0 connected, 1 in progress, -1 failed (errno) */
TGBOT__INTERN int tg__sock_connect(const tg__addr *a, tg__sock *out);
TGBOT__INTERN int tg__sock_connect_result(tg__sock s);     /* 0 or the errno of a finished connect */
TGBOT__INTERN long tg__sock_send(tg__sock s, const void *p, size_t n);  /* >=0, TG__WOULDBLOCK, -1 */
TGBOT__INTERN long tg__sock_recv(tg__sock s, void *p, size_t n);        /* >0, 0 EOF, TG__WOULDBLOCK, -1 */
TGBOT__INTERN void tg__sock_close(tg__sock s);
/* a stop request from a signal handler (async-signal-safe): waits return -2 while it is set */
TGBOT__INTERN void tg__interrupt(int on);
/* on = 1: SIGINT/SIGTERM (Windows: Ctrl-C, Ctrl-Break, console close) call on_stop until on = 0
   restores what was there. On Windows on_stop runs on another thread: it only sets flags. */
TGBOT__INTERN void tg__stop_signals(void (*on_stop)(int), int on);
/* waits for readability (want_write = 0) or writability; 1 ready, 0 timeout, -1 error, -2 interrupted */
TGBOT__INTERN int tg__interrupt_pending(void);   /* a stop was requested (tg__interrupt(1)) */
TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms);
TGBOT__INTERN int tg__sock_is_dead(tg__sock s);   /* idle connection closed by the peer or has stray data */
/* listening socket for servers (webhook): bound, non-blocking */
TGBOT__INTERN int tg__sock_listen(const char *host, uint16_t port, tg__sock *out, uint16_t *bound_port);
TGBOT__INTERN int tg__sock_accept(tg__sock l, tg__sock *out);   /* 1 accepted, 0 none pending, -1 error */
/* the peer's address as 16 bytes (IPv4 as ::ffff:a.b.c.d): 0, or -1 (not an IP socket, or gone) */
TGBOT__INTERN int tg__sock_peer(tg__sock s, unsigned char addr[16]);
/* many sockets at once (the webhook server): a pollfd array; events are TG__POLL_IN/OUT */
#if defined(_WIN32)
typedef WSAPOLLFD tg__pollfd;
#else
typedef struct pollfd tg__pollfd;
#endif
#define TG__POLL_IN POLLIN
#define TG__POLL_OUT POLLOUT
#define TG__POLL_ERR (POLLERR | POLLHUP | POLLNVAL)
/* ready count, 0 timeout, -1 error, -2 interrupted by a signal (the caller checks its stop flag) */
TGBOT__INTERN int tg__poll(tg__pollfd *fds, size_t n, int timeout_ms);
TGBOT__INTERN void tg__sock_shutdown_write(tg__sock s);   /* FIN after the last response */
/* an IP address literal ("127.0.0.1", "::1") as 4 or 16 bytes in network order; 0 when s is a name */
TGBOT__INTERN size_t tg__ip_parse(const char *s, unsigned char out[16]);
/* one process-wide lock for state shared by every bot (the decoded CA bundles of tls_bearssl.c) */
TGBOT__INTERN void tg__global_lock(void);
TGBOT__INTERN void tg__global_unlock(void);
/* files (the journal): int descriptors, POSIX or the Windows C runtime's; -1 / errno on failure.
   tg__file_open: read-write, appending, created 0600 if missing (trunc: emptied), not inherited */
TGBOT__INTERN int tg__file_open(const char *path, int trunc);
TGBOT__INTERN long tg__file_write(int fd, const void *p, size_t n);
TGBOT__INTERN long tg__file_pread(int fd, void *p, size_t n, uint64_t off);
TGBOT__INTERN int tg__file_sync(int fd);                 /* to the disk: fsync, _commit */
TGBOT__INTERN int tg__file_truncate(int fd, uint64_t size);
TGBOT__INTERN int tg__file_size(int fd, uint64_t *size);
TGBOT__INTERN int tg__file_close(int fd);
/* an exclusive lock held until the descriptor is closed: 0 taken, 1 held elsewhere (another
   process, or another descriptor of this one), -1 error */
TGBOT__INTERN int tg__file_lock(int fd);
TGBOT__INTERN int tg__file_rename(const char *from, const char *to);   /* replaces `to` */
TGBOT__INTERN int tg__file_remove(const char *path);
/* a descriptor on the directory of path, to fsync a new entry; -1 where there is none (Windows:
   the rename is written through instead) */
TGBOT__INTERN int tg__file_dir_open(const char *path);
#if defined(_WIN32)
/* the Windows C runtime has no text for the socket errno values (ECONNREFUSED, ...): words for them,
   so every strerror() in the implementation says the same as on POSIX */
TGBOT__INTERN const char *tg__strerror(int e);
#define strerror(e) tg__strerror(e)
#endif
