#!/bin/sh
# Static musl builds (musl-gcc, Debian musl-tools): the unit program with every switch on, with no
# TLS, with BearSSL from Debian's libbearssl.a and with mbedTLS from Debian's libmbed*.a (both need
# tools/musl_fortify_shim.c: the archives call glibc's __memcpy_chk & co.), each checked to be
# static; the BearSSL one runs against the fake servers (tests/with_servers.sh), HTTPS included
# (MUSL_RUN_ALL=1: all three). Also the stripped size of a one-file program.
# Prints "N passed, M failed" (the unit tests of the runs plus the build checks).
set -u
command -v musl-gcc >/dev/null 2>&1 || { echo "musl: skipped: musl-gcc is not installed (tests/deps.sh test installs musl-tools)"; echo "0 passed, 0 failed"; exit 0; }
out=build/musl; mkdir -p "$out"
BEARSSL_A=${BEARSSL_A:-$(ls /usr/lib/*/libbearssl.a /usr/lib/libbearssl.a 2>/dev/null | head -n 1)}
CC_MUSL="musl-gcc -static -std=c99 -Wall -Wextra -Wpedantic -Werror -Wno-unused-function -I. -Ibuild"
passed=0; failed=0
ok()  { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 25 "$2" | sed 's/^/    | /'; }
is_static() { ! readelf -lW "$1" | grep -q 'INTERP\|DYNAMIC'; }
# unit NAME run|build FLAGS...: build the unit program, check it is static, and (run) run it and
# add its counts. make test runs the BearSSL one (the default backend, through the shim) and builds
# the other two, which the glibc steps already run; MUSL_RUN_ALL=1 runs all three.
unit() {
    name=$1; what=$2; shift 2
    [ "${MUSL_RUN_ALL:-0}" = 1 ] && what=run
    if $CC_MUSL -g -O1 -DTGBOT_ENABLE_ALL tests/all.c "$@" -o "$out/$name" >"$out/$name.build.log" 2>&1; then ok "$name builds"; else bad "$name builds" "$out/$name.build.log"; return; fi
    if is_static "$out/$name"; then ok "$name is static"; else bad "$name is static (has an interpreter or dynamic section)"; fi
    [ "$what" = run ] || return 0
    tests/with_servers.sh "$out/$name" >"$out/$name.log" 2>&1; rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$name.log" | tail -n 1)
    if [ -z "$line" ]; then bad "$name runs (no summary, exit $rc)" "$out/$name.log"; return; fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)); failed=$((failed + f))
    echo "$name: $line"; [ "$f" -ne 0 ] && grep -E 'FAIL' "$out/$name.log" | head -n 20 | sed 's/^/    | /'
}
make -s build/tests.inc >/dev/null || { echo "cannot generate build/tests.inc"; echo "0 passed, 1 failed"; exit 1; }
unit unit-notls build -DTGBOT_TLS_NONE
if [ -n "$BEARSSL_A" ] && [ -f /usr/include/bearssl/bearssl.h ]; then
    unit unit-bearssl run -I/usr/include/bearssl tools/musl_fortify_shim.c "$BEARSSL_A"
else
    echo "musl: BearSSL run skipped: no libbearssl.a (tests/deps.sh test installs libbearssl-dev)"
fi
# mbedTLS: musl-gcc does not search /usr/include (glibc's headers); a directory with only the
# mbedTLS headers linked in gives it those and nothing else
MBED_DIR=$(dirname "$(ls /usr/lib/*/libmbedtls.a /usr/lib/libmbedtls.a 2>/dev/null | head -n 1)")
if [ -f /usr/include/mbedtls/ssl.h ] && [ -f "$MBED_DIR/libmbedtls.a" ]; then
    mkdir -p "$out/inc"; ln -sfn /usr/include/mbedtls "$out/inc/mbedtls"
    [ -d /usr/include/psa ] && ln -sfn /usr/include/psa "$out/inc/psa"
    unit unit-mbedtls build -DTGBOT_TLS_MBEDTLS -I"$out/inc" tools/musl_fortify_shim.c \
        "$MBED_DIR/libmbedtls.a" "$MBED_DIR/libmbedx509.a" "$MBED_DIR/libmbedcrypto.a"
else
    echo "musl: mbedTLS run skipped: no libmbedtls.a (tests/deps.sh test installs libmbedtls-dev)"
fi
# the size a user ships: one-file program, -Os, stripped
for v in notls bearssl; do
    if [ $v = notls ]; then extra="-DTGBOT_TLS_NONE"; else [ -n "$BEARSSL_A" ] || continue; extra="-I/usr/include/bearssl tools/musl_fortify_shim.c $BEARSSL_A"; fi
    if $CC_MUSL -Os tests/consumers/app/main.c $extra -o "$out/app-$v" >"$out/app-$v.log" 2>&1 && strip "$out/app-$v" \
        && "$out/app-$v" >>"$out/app-$v.log" 2>&1; then
        ok "one-file program ($v) builds and runs"; echo "static musl one-file program, $v, -Os, stripped: $(wc -c <"$out/app-$v") bytes"
    else bad "one-file program ($v) builds and runs" "$out/app-$v.log"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
