/* dns (internal): name resolution that does not block the loop (dns.c). */
typedef struct tg__dns tg__dns;   /* per client: a small cache and the query in flight */
/* Resolves host: 1 done (*out: a list for tg__resolve_free), 0 waiting (wait until *fd is readable,
   then call again with the same host), -1 failed (*why says why). *fd is the caller's: it holds the
   query socket while waiting and is closed (TG__SOCK_INVALID) when the answer is in; a caller that
   gives up closes it and the next call starts afresh. *d is allocated at the first call. */
TGBOT__INTERN int tg__dns_resolve(tg__dns **d, const tg_allocator *a, const tg_platform *p, const char *host,
                                  uint16_t port, tg__sock *fd, tg__addr **out, const char **why);
TGBOT__INTERN void tg__dns_free(tg__dns *d, const tg_allocator *a);
