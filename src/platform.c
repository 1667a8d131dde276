/* platform: sockets, readiness and stop signals, on POSIX or winsock2. Everything else reaches the OS
   through these functions; errors come back as errno values on both. */

#if defined(_WIN32)
typedef int tg__socklen;
#define TG__CLOSESOCK closesocket

/* winsock needs WSAStartup before the first call; once per process, never cleaned up (the OS does) */
static BOOL CALLBACK tg__wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx) {
    WSADATA w;
    (void)once; (void)param; (void)ctx;
    return WSAStartup(MAKEWORD(2, 2), &w) == 0;
}
static void tg__wsa_init(void) {
    static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
    InitOnceExecuteOnce(&once, tg__wsa_start, NULL, NULL);
}

/* the errno value for a winsock error, so callers and messages stay the same as on POSIX */
static int tg__wsa_errno(int e) {
    switch (e) {
    case WSAEWOULDBLOCK: return EWOULDBLOCK;
    case WSAEINPROGRESS: case WSAEALREADY: return EINPROGRESS;
    case WSAEINTR: return EINTR;
    case WSAECONNREFUSED: return ECONNREFUSED;
    case WSAECONNRESET: case WSAENETRESET: return ECONNRESET;
    case WSAECONNABORTED: return ECONNABORTED;
    case WSAESHUTDOWN: return EPIPE;
    case WSAETIMEDOUT: return ETIMEDOUT;
    case WSAENETUNREACH: case WSAENETDOWN: return ENETUNREACH;
    case WSAEHOSTUNREACH: return EHOSTUNREACH;
    case WSAEADDRINUSE: return EADDRINUSE;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
    case WSAEMFILE: return EMFILE;
    case WSAENOBUFS: return ENOBUFS;
    case WSAENOTSOCK: return ENOTSOCK;
    case 0: return 0;
    default: return EIO;
    }
}
static int tg__sock_errno(void) { return errno = tg__wsa_errno(WSAGetLastError()); }

TGBOT__INTERN const char *tg__strerror(int e) {
    switch (e) {
    case EWOULDBLOCK: return "Operation would block";
    case EINPROGRESS: return "Operation now in progress";
    case ECONNREFUSED: return "Connection refused";
    case ECONNRESET: return "Connection reset by peer";
    case ECONNABORTED: return "Software caused connection abort";
    case ETIMEDOUT: return "Connection timed out";
    case ENETUNREACH: return "Network is unreachable";
    case EHOSTUNREACH: return "No route to host";
    case EADDRINUSE: return "Address already in use";
    case EADDRNOTAVAIL: return "Cannot assign requested address";
    case EAFNOSUPPORT: return "Address family not supported";
    case ENOBUFS: return "No buffer space available";
    case ENOTSOCK: return "Not a socket";
    default: return (strerror)(e);   /* (strerror): the C runtime's, not the macro */
    }
}

static tg__sock tg__sock_new(int family, int type, int proto) {
    tg__wsa_init();
    /* not inherited by child processes: the CLOEXEC of winsock */
    return WSASocketW(family, type, proto, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}
static int tg__sock_nonblock(tg__sock s) {
    u_long on = 1;
    return ioctlsocket(s, (long)FIONBIO, &on) == 0 ? 0 : -1;
}
#else
typedef socklen_t tg__socklen;
#define TG__CLOSESOCK close
static int tg__sock_errno(void) { return errno; }

static int tg__sock_nonblock(tg__sock s) {
    int fl = fcntl(s, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(s, F_SETFL, fl | O_NONBLOCK);
}
static tg__sock tg__sock_new(int family, int type, int proto) {
    tg__sock s;
#ifdef SOCK_CLOEXEC   /* Linux and the BSDs: atomic; elsewhere (macOS) FD_CLOEXEC right after */
    s = socket(family, type | SOCK_CLOEXEC, proto);
    if (s >= 0 || errno != EINVAL) return s;
#endif
    s = socket(family, type, proto);
    if (s >= 0) (void)fcntl(s, F_SETFD, FD_CLOEXEC);
    return s;
}
#endif

/* one process-wide lock for state shared by every bot (the decoded CA bundles of tls_bearssl.c) */
#if defined(_WIN32)
static SRWLOCK tg__global_mutex = SRWLOCK_INIT;
TGBOT__INTERN void tg__global_lock(void) { AcquireSRWLockExclusive(&tg__global_mutex); }
TGBOT__INTERN void tg__global_unlock(void) { ReleaseSRWLockExclusive(&tg__global_mutex); }
#else
#include <pthread.h>
static pthread_mutex_t tg__global_mutex = PTHREAD_MUTEX_INITIALIZER;
TGBOT__INTERN void tg__global_lock(void) { (void)pthread_mutex_lock(&tg__global_mutex); }
TGBOT__INTERN void tg__global_unlock(void) { (void)pthread_mutex_unlock(&tg__global_mutex); }
#endif

static int tg__resolve_os(const char *host, uint16_t port, struct addrinfo **out, int *gai_err) {
    struct addrinfo hints;
    char ps[8];
#if defined(_WIN32)
    tg__wsa_init();
#endif
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    *gai_err = getaddrinfo(host, ps, &hints, out);
    if (*gai_err == EAI_BADFLAGS || (*gai_err && strchr(host, ':'))) {   /* ::1 without IPv6 config */
        hints.ai_flags = AI_NUMERICSERV;
        *gai_err = getaddrinfo(host, ps, &hints, out);
    }
    return *gai_err ? -1 : 0;
}

TGBOT__INTERN size_t tg__ip_parse(const char *s, unsigned char out[16]) {
    if (inet_pton(AF_INET, s, out) == 1) return 4;
    if (inet_pton(AF_INET6, s, out) == 1) return 16;
    return 0;
}


TGBOT__INTERN int tg__sock_connect(const tg__addr *a, tg__sock *out) {
    int one = 1, e;
    tg__sock s = tg__sock_new(a->ai_family, a->ai_socktype, a->ai_protocol);
    *out = TG__SOCK_INVALID;
    if (s == TG__SOCK_INVALID) { tg__sock_errno(); return -1; }
    if (tg__sock_nonblock(s) < 0) { e = tg__sock_errno(); TG__CLOSESOCK(s); errno = e; return -1; }
    /* requests are small and latency-bound */
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, (tg__socklen)sizeof one);
#ifdef SO_NOSIGPIPE   /* macOS and the BSDs: no MSG_NOSIGNAL, so the socket itself must not raise SIGPIPE */
    setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    *out = s;
    if (connect(s, a->ai_addr, (tg__socklen)a->ai_addrlen) == 0) return 0;
    e = tg__sock_errno();
    if (e == EINPROGRESS || e == EINTR || e == EWOULDBLOCK) return 1;   /* winsock says WOULDBLOCK */
    TG__CLOSESOCK(s);
    *out = TG__SOCK_INVALID;
    errno = e;
    return -1;
}

TGBOT__INTERN int tg__sock_connect_result(tg__sock s) {
    int err = 0;
    tg__socklen len = (tg__socklen)sizeof err;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &len) < 0) return tg__sock_errno();
#if defined(_WIN32)
    err = tg__wsa_errno(err);
#endif
    return err;
}

#if defined(_WIN32)
#define TG__SEND_FLAGS 0          /* no SIGPIPE on Windows */
#define TG__IO_LEN(n) ((int)TGBOT__MIN((n), (size_t)INT_MAX))
#else
#ifdef MSG_NOSIGNAL
#define TG__SEND_FLAGS MSG_NOSIGNAL
#else
#define TG__SEND_FLAGS 0          /* SO_NOSIGPIPE at connect, or the caller ignores SIGPIPE */
#endif
#define TG__IO_LEN(n) (n)
#endif

TGBOT__INTERN long tg__sock_send(tg__sock s, const void *p, size_t n) {
    for (;;) {
        long r = (long)send(s, (const char *)p, TG__IO_LEN(n), TG__SEND_FLAGS);
        int e;
        if (r >= 0) return r;
        e = tg__sock_errno();
        if (e == EINTR) continue;
        if (e == EAGAIN || e == EWOULDBLOCK) return TG__WOULDBLOCK;
        return -1;
    }
}

TGBOT__INTERN long tg__sock_recv(tg__sock s, void *p, size_t n) {
    for (;;) {
        long r = (long)recv(s, (char *)p, TG__IO_LEN(n), 0);
        int e;
        if (r >= 0) return r;
        e = tg__sock_errno();
        if (e == EINTR) continue;
        if (e == EAGAIN || e == EWOULDBLOCK) return TG__WOULDBLOCK;
        return -1;
    }
}

TGBOT__INTERN void tg__sock_close(tg__sock s) { if (s != TG__SOCK_INVALID) TG__CLOSESOCK(s); }

static volatile sig_atomic_t tg__interrupted;
TGBOT__INTERN void tg__interrupt(int on) { tg__interrupted = on; }
TGBOT__INTERN int tg__interrupt_pending(void) { return tg__interrupted != 0; }

#if defined(_WIN32)
/* The console handler runs on its own thread and cannot wake a select(), so a wait looks at the
   stop flag at least every TG__WAIT_SLICE_MS. */
#define TG__WAIT_SLICE_MS 200
TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms) {
    for (;;) {
        fd_set rw, ex;
        struct timeval tv;
        int slice = timeout_ms < 0 || timeout_ms > TG__WAIT_SLICE_MS ? TG__WAIT_SLICE_MS : timeout_ms, r;
        if (tg__interrupted) return -2;
        FD_ZERO(&rw); FD_ZERO(&ex);
        FD_SET(s, &rw); FD_SET(s, &ex);   /* a failed connect shows up in the except set only */
        tv.tv_sec = slice / 1000;
        tv.tv_usec = (slice % 1000) * 1000;
        r = select(0, want_write ? NULL : &rw, want_write ? &rw : NULL, &ex, &tv);
        if (r < 0) { tg__sock_errno(); return -1; }
        if (r > 0) return 1;
        if (timeout_ms >= 0) {
            timeout_ms -= slice;
            if (timeout_ms <= 0) return 0;
        }
    }
}
#else
TGBOT__INTERN int tg__sock_wait(tg__sock s, int want_write, int timeout_ms) {
    struct pollfd p;
    int r;
    p.fd = s;
    p.events = (short)(want_write ? POLLOUT : POLLIN);
    p.revents = 0;
    do {
        if (tg__interrupted) return -2;
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : r > 0;
}
#endif

TGBOT__INTERN int tg__sock_is_dead(tg__sock s) {
    char c;
    long r;
    if (tg__sock_wait(s, 0, 0) == 0) return 0;            /* nothing to read: still alive */
    r = (long)recv(s, &c, 1, MSG_PEEK);
    if (r < 0) { int e = tg__sock_errno(); return !(e == EAGAIN || e == EWOULDBLOCK); }
    return 1;                                             /* EOF, or stray bytes nobody asked for */
}

TGBOT__INTERN int tg__sock_listen(const char *host, uint16_t port, tg__sock *out, uint16_t *bound_port) {
    tg__addr *ai = NULL;
    int gerr;
    tg__sock s;
    struct sockaddr_storage ss;
    tg__socklen sl = (tg__socklen)sizeof ss;
    struct addrinfo hints;
    char ps[8];
#if defined(_WIN32)
    tg__wsa_init();
#endif
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    if ((gerr = getaddrinfo(host, ps, &hints, &ai)) != 0) return -1;
    s = tg__sock_new(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == TG__SOCK_INVALID) { tg__sock_errno(); freeaddrinfo(ai); return -1; }
#if !defined(_WIN32)   /* on Windows SO_REUSEADDR would let another process take a bound port */
    {
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
#endif
    if (bind(s, ai->ai_addr, (tg__socklen)ai->ai_addrlen) != 0 || listen(s, 128) != 0 || tg__sock_nonblock(s) < 0) {
        int e = tg__sock_errno();
        TG__CLOSESOCK(s); freeaddrinfo(ai); errno = e;
        return -1;
    }
    freeaddrinfo(ai);
    if (bound_port && getsockname(s, (struct sockaddr *)&ss, &sl) == 0)
        *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    *out = s;
    return 0;
}

TGBOT__INTERN int tg__sock_accept(tg__sock l, tg__sock *out) {
    int one = 1, e = 0;
    tg__sock s;
    do {
        s = accept(l, NULL, NULL);
        if (s == TG__SOCK_INVALID) e = tg__sock_errno();
    } while (s == TG__SOCK_INVALID && e == EINTR);
    if (s == TG__SOCK_INVALID) return (e == EAGAIN || e == EWOULDBLOCK) ? 0 : -1;
#if !defined(_WIN32)   /* no accept4() outside Linux and the BSDs: set the flag after */
    (void)fcntl(s, F_SETFD, FD_CLOEXEC);
#else
    (void)SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
#endif
    if (tg__sock_nonblock(s) < 0) { TG__CLOSESOCK(s); return -1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, (tg__socklen)sizeof one);
    *out = s;
    return 1;
}

TGBOT__INTERN int tg__sock_peer(tg__sock s, unsigned char addr[16]) {
    struct sockaddr_storage ss;
    tg__socklen sl = (tg__socklen)sizeof ss;
    if (getpeername(s, (struct sockaddr *)&ss, &sl) != 0) return -1;
    if (ss.ss_family == AF_INET6) {
        memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        return 0;
    }
    if (ss.ss_family == AF_INET) {
        memset(addr, 0, 10);
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        return 0;
    }
    return -1;
}

TGBOT__INTERN int tg__poll(tg__pollfd *fds, size_t n, int timeout_ms) {
#if defined(_WIN32)
    int r = WSAPoll(fds, (ULONG)n, timeout_ms);
    if (r < 0) { tg__sock_errno(); return tg__interrupted ? -2 : -1; }
#else
    int r = poll(fds, (nfds_t)n, timeout_ms);
    if (r < 0) return errno == EINTR ? -2 : -1;
#endif
    return r;
}

TGBOT__INTERN void tg__sock_shutdown_write(tg__sock s) {
#if defined(_WIN32)
    if (s != TG__SOCK_INVALID) shutdown(s, SD_SEND);
#else
    if (s != TG__SOCK_INVALID) shutdown(s, SHUT_WR);
#endif
}

/* SIGINT/SIGTERM (Windows: Ctrl-C, Ctrl-Break, console close) go to on_stop while on; nested calls
   count, the outermost off restores what was there before */
#if defined(_WIN32)
static void (*volatile tg__on_stop)(int);
static int tg__stop_depth;
static BOOL WINAPI tg__console_ctrl(DWORD ev) {
    void (*f)(int) = tg__on_stop;
    if (!f || (ev != CTRL_C_EVENT && ev != CTRL_BREAK_EVENT && ev != CTRL_CLOSE_EVENT)) return FALSE;
    f(ev == CTRL_C_EVENT ? SIGINT : SIGTERM);
    return TRUE;   /* handled: the process is not killed, the loop stops gracefully */
}
TGBOT__INTERN void tg__stop_signals(void (*on_stop)(int), int on) {
    if (on) {
        if (tg__stop_depth++) return;
        tg__on_stop = on_stop;
        SetConsoleCtrlHandler(tg__console_ctrl, TRUE);
    } else if (tg__stop_depth && !--tg__stop_depth) {
        tg__on_stop = NULL;
        SetConsoleCtrlHandler(tg__console_ctrl, FALSE);
    }
}
#else
TGBOT__INTERN void tg__stop_signals(void (*on_stop)(int), int on) {
    static struct sigaction old_int, old_term;
    static int depth;
    if (on) {
        struct sigaction sa;
        if (depth++) return;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);      /* no SA_RESTART: a waiting poll() wakes up */
        sigaction(SIGTERM, &sa, &old_term);
    } else if (depth && !--depth) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
}
#endif

/* Address lists are the library's own (one block: nodes, then socket addresses), whether they come
   from the OS resolver or from dns.c, so one free fits both. IPv4 travels as ::ffff:a.b.c.d. */
typedef struct { struct addrinfo ai; struct sockaddr_storage sa; } tg__addr_node;

static int tg__is_v4mapped(const unsigned char ip[16]) {
    static const unsigned char pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(ip, pre, 12) == 0;
}

static void tg__sockaddr_fill(tg__addr_node *nd, const unsigned char ip[16], uint16_t port) {
    memset(nd, 0, sizeof *nd);
    if (tg__is_v4mapped(ip)) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&nd->sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, ip + 12, 4);
        nd->ai.ai_family = AF_INET;
        nd->ai.ai_addrlen = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&nd->sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, ip, 16);
        nd->ai.ai_family = AF_INET6;
        nd->ai.ai_addrlen = sizeof *s6;
    }
    nd->ai.ai_socktype = SOCK_STREAM;
    nd->ai.ai_protocol = IPPROTO_TCP;
    nd->ai.ai_addr = (struct sockaddr *)&nd->sa;
}

TGBOT__INTERN int tg__addr_list(const unsigned char (*ips)[16], size_t n, uint16_t port, tg__addr **out) {
    tg__addr_node *nd;
    size_t i;
    *out = NULL;
    if (n == 0 || n > 64) return -1;
    nd = (tg__addr_node *)malloc(n * sizeof *nd);
    if (!nd) return -1;
    for (i = 0; i < n; i++) {
        tg__sockaddr_fill(&nd[i], ips[i], port);
        nd[i].ai.ai_next = i + 1 < n ? &nd[i + 1].ai : NULL;
    }
    *out = &nd[0].ai;
    return 0;
}

TGBOT__INTERN void tg__resolve_free(tg__addr *a) { free(a); }   /* the first node starts the block */

TGBOT__INTERN int tg__resolve(const char *host, uint16_t port, tg__addr **out, int *gai_err) {
    struct addrinfo *ai, *it;
    unsigned char ips[16][16];
    size_t n = 0;
    *out = NULL;
    if (tg__resolve_os(host, port, &ai, gai_err) < 0) return -1;
    for (it = ai; it && n < 16; it = it->ai_next) {
        if (it->ai_family == AF_INET) {
            memset(ips[n], 0, 10); ips[n][10] = ips[n][11] = 0xff;
            memcpy(ips[n] + 12, &((struct sockaddr_in *)it->ai_addr)->sin_addr, 4);
            n++;
        } else if (it->ai_family == AF_INET6) {
            memcpy(ips[n], &((struct sockaddr_in6 *)it->ai_addr)->sin6_addr, 16);
            n++;
        }
    }
    freeaddrinfo(ai);
    if (n == 0) { *gai_err = EAI_NONAME; return -1; }
    if (tg__addr_list((const unsigned char (*)[16])ips, n, port, out) < 0) { *gai_err = EAI_MEMORY; return -1; }
    return 0;
}

TGBOT__INTERN const char *tg__resolve_strerror(int gai_err) { return gai_strerror(gai_err); }

TGBOT__INTERN int tg__udp_open(const unsigned char ip[16], uint16_t port, tg__sock *out) {
    tg__addr_node nd;
    tg__sock s;
    *out = TG__SOCK_INVALID;
    tg__sockaddr_fill(&nd, ip, port);
    s = tg__sock_new(nd.ai.ai_family, SOCK_DGRAM, IPPROTO_UDP);
    if (s == TG__SOCK_INVALID) return (void)tg__sock_errno(), -1;
    /* connected: the kernel drops datagrams from any other address, and an ICMP "port unreachable"
       comes back as ECONNREFUSED on recv */
    if (tg__sock_nonblock(s) < 0 || connect(s, nd.ai.ai_addr, (tg__socklen)nd.ai.ai_addrlen) < 0) {
        int e = tg__sock_errno();
        TG__CLOSESOCK(s); errno = e;
        return -1;
    }
    *out = s;
    return 0;
}

/* ---- files (the journal) ---- */
#if defined(_WIN32)
TGBOT__INTERN int tg__file_open(const char *path, int trunc) {
    return _open(path, _O_RDWR | _O_CREAT | _O_APPEND | _O_BINARY | _O_NOINHERIT | (trunc ? _O_TRUNC : 0),
                 _S_IREAD | _S_IWRITE);
}
TGBOT__INTERN long tg__file_write(int fd, const void *p, size_t n) {
    return (long)_write(fd, p, n > 0x40000000u ? 0x40000000u : (unsigned)n);
}
/* one writer per journal (the lock): moving the shared position is safe; appends go to the end anyway */
TGBOT__INTERN long tg__file_pread(int fd, void *p, size_t n, uint64_t off) {
    if (_lseeki64(fd, (__int64)off, SEEK_SET) < 0) return -1;
    return (long)_read(fd, p, n > 0x40000000u ? 0x40000000u : (unsigned)n);
}
TGBOT__INTERN int tg__file_sync(int fd) { return _commit(fd); }
TGBOT__INTERN int tg__file_truncate(int fd, uint64_t size) {
    errno_t e = _chsize_s(fd, (__int64)size);
    if (e) { errno = e; return -1; }
    return 0;
}
TGBOT__INTERN int tg__file_size(int fd, uint64_t *size) {
    __int64 end = _filelengthi64(fd);
    if (end < 0) return -1;
    *size = (uint64_t)end;
    return 0;
}
TGBOT__INTERN int tg__file_close(int fd) { return _close(fd); }
TGBOT__INTERN int tg__file_lock(int fd) {
    OVERLAPPED ov;
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) { errno = EBADF; return -1; }
    memset(&ov, 0, sizeof ov);
    if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) return 0;
    if (GetLastError() == ERROR_LOCK_VIOLATION) return 1;
    errno = EACCES;
    return -1;
}
TGBOT__INTERN int tg__file_rename(const char *from, const char *to) {
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return 0;
    errno = EACCES;
    return -1;
}
TGBOT__INTERN int tg__file_remove(const char *path) { return _unlink(path); }
TGBOT__INTERN int tg__file_dir_open(const char *path) { (void)path; return -1; }
#else
TGBOT__INTERN int tg__file_open(const char *path, int trunc) {
    return open(path, O_RDWR | O_CREAT | O_APPEND | TG__O_CLOEXEC | (trunc ? O_TRUNC : 0), 0600);
}
TGBOT__INTERN long tg__file_write(int fd, const void *p, size_t n) { return (long)write(fd, p, n); }
TGBOT__INTERN long tg__file_pread(int fd, void *p, size_t n, uint64_t off) { return (long)pread(fd, p, n, (off_t)off); }
TGBOT__INTERN int tg__file_sync(int fd) { return fsync(fd); }
TGBOT__INTERN int tg__file_truncate(int fd, uint64_t size) { return ftruncate(fd, (off_t)size); }
TGBOT__INTERN int tg__file_size(int fd, uint64_t *size) {
    struct stat sb;
    if (fstat(fd, &sb) != 0) return -1;
    *size = (uint64_t)sb.st_size;
    return 0;
}
TGBOT__INTERN int tg__file_close(int fd) { return close(fd); }
TGBOT__INTERN int tg__file_lock(int fd) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    return errno == EWOULDBLOCK ? 1 : -1;
}
TGBOT__INTERN int tg__file_rename(const char *from, const char *to) { return rename(from, to); }
TGBOT__INTERN int tg__file_remove(const char *path) { return unlink(path); }
TGBOT__INTERN int tg__file_dir_open(const char *path) {
    const char *slash = strrchr(path, '/');
    char dir[4096];
    size_t n;
    if (!slash) return open(".", O_RDONLY | TG__O_CLOEXEC);
    n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= sizeof dir) return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return open(dir, O_RDONLY | TG__O_CLOEXEC);
}
#endif
