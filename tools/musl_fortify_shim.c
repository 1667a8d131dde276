/* musl_fortify_shim.c: the glibc _FORTIFY_SOURCE entry points that Debian's static TLS libraries call.
   Debian builds libbearssl.a and libmbed{tls,x509,crypto}.a with -D_FORTIFY_SOURCE=2, so their
   memcpy/memset/snprintf calls with a known destination size became __memcpy_chk and friends. musl
   has no such functions, so a static musl build against those archives fails to link with
   "undefined reference to `__memcpy_chk'". Link this file in:

       musl-gcc -static -std=c99 app.c tools/musl_fortify_shim.c -I/usr/include/bearssl \
           /usr/lib/x86_64-linux-gnu/libbearssl.a

   The contract is glibc's: dst_len/slen is the destination size the compiler knew; a call that
   would write past it aborts instead of writing. (A TLS library built from source with musl needs
   no shim; neither does TGBOT_TLS_NONE.) BearSSL needs the first three; mbedTLS the printf family. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __printf_chk(int flag, const char *fmt, ...);
long __fdelt_chk(long fd);

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len) {
    if (n > dst_len) abort();
    return memcpy(dst, src, n);
}

void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len) {
    if (n > dst_len) abort();
    return memmove(dst, src, n);
}

void *__memset_chk(void *dst, int c, size_t n, size_t dst_len) {
    if (n > dst_len) abort();
    return memset(dst, c, n);
}

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap) {
    (void)flag;                               /* glibc's extra %n checks: not reproduced */
    if (maxlen > slen) abort();
    return vsnprintf(s, maxlen, fmt, ap);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...) {
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
    va_end(ap);
    return r;
}

int __printf_chk(int flag, const char *fmt, ...) {
    va_list ap;
    int r;
    (void)flag;
    va_start(ap, fmt);
    r = vprintf(fmt, ap);
    va_end(ap);
    return r;
}

long __fdelt_chk(long fd) {                   /* FD_SET/FD_ISSET index check */
    if (fd < 0 || fd >= FD_SETSIZE) abort();
    return fd / (long)(8 * sizeof(long));
}
