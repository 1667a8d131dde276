/* Force-included (-include) into the Windows unit program: the few POSIX calls the tests use, on
   the C runtime's equivalents. The library itself needs none of this. */
#include <stdlib.h>
#include <process.h>
#include <io.h>
static int tgw_setenv(const char *k, const char *v, int overwrite) {
    if (!overwrite && getenv(k)) return 0;
    return _putenv_s(k, v) == 0 ? 0 : -1;
}
static int tgw_unsetenv(const char *k) { return _putenv_s(k, "") == 0 ? 0 : -1; }
#define setenv tgw_setenv
#define unsetenv tgw_unsetenv
#include <errno.h>
/* Windows has no FIFOs: the tests that make one take their "could not" branch */
static int tgw_mkfifo(const char *path, int mode) { (void)path; (void)mode; errno = ENOSYS; return -1; }
#define mkfifo tgw_mkfifo
/* the journal tests: a fresh directory, and fsync for their injected I/O hooks */
#include <direct.h>
#include <string.h>
static char *tgw_mkdtemp(char *t) { return _mktemp_s(t, strlen(t) + 1) == 0 && _mkdir(t) == 0 ? t : NULL; }
#define mkdtemp tgw_mkdtemp
#define fsync _commit
#define TGW_WRITE(fd, p, n) _write((fd), (p), (unsigned)(n))   /* the tests' injected I/O hooks */
/* clock_gettime lives in winpthreads; the tests' clocks (not the library's) get it from here */
#include <time.h>
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif
#include <winsock2.h>   /* before windows.h, as tgbot.h has it */
#include <windows.h>
static int tgw_clock_gettime(int id, struct timespec *ts) {
    LARGE_INTEGER f, c;
    (void)id;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    ts->tv_sec = (time_t)(c.QuadPart / f.QuadPart);
    ts->tv_nsec = (long)(c.QuadPart % f.QuadPart * 1000000000 / f.QuadPart);
    return 0;
}
#define clock_gettime(id, ts) tgw_clock_gettime(id, ts)
/* Windows has no /proc: the descriptor-leak counts read nothing, as on a real Windows (under wine
   the path would show the Unix descriptors of wine itself, which it opens and caches at will) */
#include <dirent.h>
#include <string.h>
static DIR *tgw_opendir(const char *p) { return strncmp(p, "/proc/", 6) == 0 ? NULL : opendir(p); }
#define opendir tgw_opendir
