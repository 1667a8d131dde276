/* musl_fortify_shim.c: the glibc _FORTIFY_SOURCE entry points that Debian's libbearssl.a calls (it is
   built with -D_FORTIFY_SOURCE=2, so its memcpy/memmove/memset calls with a known destination size
   became __memcpy_chk and friends). musl has no such functions, so a static musl build against that
   archive fails to link with "undefined reference to `__memcpy_chk'". Link this file in:

       musl-gcc -static -std=c99 app.c tools/musl_fortify_shim.c -I/usr/include/bearssl \
           /usr/lib/x86_64-linux-gnu/libbearssl.a

   The contract is glibc's: dst_len is the destination size the compiler knew; a call that would
   write past it aborts instead of writing. (A BearSSL built from source with musl needs no shim;
   TGBOT_TLS_NONE and mbedTLS built with musl need none either.) */
#include <stdlib.h>
#include <string.h>

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);

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
