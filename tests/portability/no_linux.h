/* Force-included (-include) before tgbot.h: the system headers come first, then the Linux-only
   names are taken away, so the build sees a POSIX system without them (macOS, older BSDs) and runs
   the fallbacks. Flags become undefined macros (glibc's enum constants stay, so the #ifdef tests are
   what this checks); Linux-only functions become unknown names, so an unguarded call fails to build. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#undef SOCK_CLOEXEC
#undef SOCK_NONBLOCK
#undef MSG_NOSIGNAL
#undef O_CLOEXEC
#define accept4 tg_linux_only_accept4
#define pipe2 tg_linux_only_pipe2
#define dup3 tg_linux_only_dup3
#define epoll_create1 tg_linux_only_epoll_create1
