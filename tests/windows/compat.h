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
