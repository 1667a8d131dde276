/* ===================================================================================================
   IMPLEMENTATION
   =================================================================================================== */
#if defined(TGBOT_IMPLEMENTATION) && !defined(TGBOT__IMPL_DONE)
#define TGBOT__IMPL_DONE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <time.h>
#include <signal.h>
#ifndef TGBOT_ASSERT
#include <assert.h>
#define TGBOT_ASSERT(c) assert(c)
#endif
#if !defined(_WIN32)
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <netdb.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
/* O_CLOEXEC is POSIX 2008 but missing on older systems: then a descriptor may leak into a child
   process started at the same moment, nothing else changes */
#ifdef O_CLOEXEC
#define TG__O_CLOEXEC O_CLOEXEC
#else
#define TG__O_CLOEXEC 0
#endif
#else   /* winsock2 (mingw-w64): link with -lws2_32. Include tgbot.h before <windows.h>. */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600   /* Vista: WSAPoll, InitOnceExecuteOnce */
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <io.h>
#include <fcntl.h>
#endif

#ifndef TGBOT_MALLOC
#define TGBOT_MALLOC(n, ud) ((void)(ud), malloc(n))
#define TGBOT_REALLOC(p, n, ud) ((void)(ud), realloc((p), (n)))
#define TGBOT_FREE(p, ud) ((void)(ud), free(p))
#endif

/* private functions: static, and quiet when a switch leaves one unused */
#if defined(__GNUC__) || defined(__clang__)
#define TGBOT_PRIVATE static __attribute__((unused))
#if defined(__MINGW_PRINTF_FORMAT)   /* mingw: C99 %zu/%lld through its own stdio under -std=c99 */
#define TGBOT__PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#else
#define TGBOT__PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif
#else
#define TGBOT_PRIVATE static
#define TGBOT__PRINTF(f, a)
#endif

/* Functions shared between rooms of the implementation (declared in *_int.h): static in the single
   header (SQLite's SQLITE_PRIVATE pattern), since every room lands in one translation unit, so a
   build exports only the tg_* API. The per-room check (./amalgamate --room) predefines it empty. */
#ifndef TGBOT__INTERN
#define TGBOT__INTERN TGBOT_PRIVATE
#endif

#define TGBOT__MIN(a, b) ((a) < (b) ? (a) : (b))
#define TGBOT__MAX(a, b) ((a) > (b) ? (a) : (b))
