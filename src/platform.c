/* platform: POSIX sockets. Everything else reaches the OS through these functions. */
#include <pthread.h>

static pthread_mutex_t tg__global_mutex = PTHREAD_MUTEX_INITIALIZER;
TGBOT__INTERN void tg__global_lock(void) { (void)pthread_mutex_lock(&tg__global_mutex); }
TGBOT__INTERN void tg__global_unlock(void) { (void)pthread_mutex_unlock(&tg__global_mutex); }

TGBOT__INTERN int tg__resolve(const char *host, uint16_t port, tg__addr **out, int *gai_err) {
    struct addrinfo hints;
    char ps[8];
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

TGBOT__INTERN void tg__resolve_free(tg__addr *a) { if (a) freeaddrinfo(a); }

static int tg__sock_nonblock(tg__sock s) {
    int fl = fcntl(s, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(s, F_SETFL, fl | O_NONBLOCK);
}

TGBOT__INTERN int tg__sock_connect(const tg__addr *a, tg__sock *out) {
    int one = 1;
    tg__sock s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    *out = TG__SOCK_INVALID;
    if (s < 0) return -1;
    if (tg__sock_nonblock(s) < 0) { close(s); return -1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* requests are small and latency-bound */
#ifdef SO_NOSIGPIPE
    setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    *out = s;
    if (connect(s, a->ai_addr, a->ai_addrlen) == 0) return 0;
    if (errno == EINPROGRESS || errno == EINTR) return 1;
    {
        int e = errno;
        close(s);
        *out = TG__SOCK_INVALID;
        errno = e;
    }
    return -1;
}

TGBOT__INTERN int tg__sock_connect_result(tg__sock s) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

TGBOT__INTERN long tg__sock_send(tg__sock s, const void *p, size_t n) {
    for (;;) {
        ssize_t r = send(s, p, n, MSG_NOSIGNAL);
        if (r >= 0) return (long)r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return TG__WOULDBLOCK;
        return -1;
    }
}

TGBOT__INTERN long tg__sock_recv(tg__sock s, void *p, size_t n) {
    for (;;) {
        ssize_t r = recv(s, p, n, 0);
        if (r >= 0) return (long)r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return TG__WOULDBLOCK;
        return -1;
    }
}

TGBOT__INTERN void tg__sock_close(tg__sock s) { if (s >= 0) close(s); }

static volatile sig_atomic_t tg__interrupted;
TGBOT__INTERN void tg__interrupt(int on) { tg__interrupted = on; }
TGBOT__INTERN int tg__interrupt_pending(void) { return tg__interrupted != 0; }

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

TGBOT__INTERN int tg__sock_is_dead(tg__sock s) {
    char c;
    ssize_t r;
    if (tg__sock_wait(s, 0, 0) == 0) return 0;            /* nothing to read: still alive */
    r = recv(s, &c, 1, MSG_PEEK);
    return r <= 0 ? !(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) : 1;
}

TGBOT__INTERN int tg__sock_listen(const char *host, uint16_t port, tg__sock *out, uint16_t *bound_port) {
    tg__addr *ai = NULL;
    int gerr, one = 1;
    tg__sock s;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    struct addrinfo hints;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    if ((gerr = getaddrinfo(host, ps, &hints, &ai)) != 0) return -1;
    s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) { freeaddrinfo(ai); return -1; }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s, 128) < 0 || tg__sock_nonblock(s) < 0) {
        int e = errno;
        close(s); freeaddrinfo(ai); errno = e;
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
    int one = 1;
    tg__sock s;
    do s = accept(l, NULL, NULL); while (s < 0 && errno == EINTR);
    if (s < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    if (tg__sock_nonblock(s) < 0) { close(s); return -1; }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = s;
    return 1;
}

TGBOT__INTERN int tg__sock_peer(tg__sock s, unsigned char addr[16]) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
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
    int r = poll(fds, (nfds_t)n, timeout_ms);
    if (r < 0) return errno == EINTR ? -2 : -1;
    return r;
}

TGBOT__INTERN void tg__sock_shutdown_write(tg__sock s) { if (s >= 0) shutdown(s, SHUT_WR); }
