/* platform: POSIX sockets. Everything else reaches the OS through these functions. */
#include <pthread.h>

static pthread_mutex_t tg__global_mutex = PTHREAD_MUTEX_INITIALIZER;
TGBOT__INTERN void tg__global_lock(void) { (void)pthread_mutex_lock(&tg__global_mutex); }
TGBOT__INTERN void tg__global_unlock(void) { (void)pthread_mutex_unlock(&tg__global_mutex); }

static int tg__resolve_os(const char *host, uint16_t port, struct addrinfo **out, int *gai_err) {
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

TGBOT__INTERN void tg__signals_catch(void (*handler)(int), int on) {
    static struct sigaction old_int, old_term;
    static int depth;
    if (on) {
        struct sigaction sa;
        if (depth++) return;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
    } else if (depth && !--depth) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
}

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
    s = socket(nd.ai.ai_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (s < 0) return -1;
    /* connected: the kernel drops datagrams from any other address, and an ICMP "port unreachable"
       comes back as ECONNREFUSED on recv */
    if (tg__sock_nonblock(s) < 0 || connect(s, nd.ai.ai_addr, nd.ai.ai_addrlen) < 0) {
        int e = errno;
        close(s); errno = e;
        return -1;
    }
    *out = s;
    return 0;
}
