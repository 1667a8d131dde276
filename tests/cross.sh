#!/bin/sh
# cross.sh BUILD TARGET...: builds the unit program for each TARGET and runs it against the servers
# of tests/with_servers.sh. Targets:
#   i686    gcc -m32 (gcc-12-multilib), run natively
#   armhf   arm-linux-gnueabihf-gcc, static, run under qemu-arm-static
#   s390x   s390x-linux-gnu-gcc (big-endian), static, run under qemu-s390x-static
# All without TLS (TGBOT_TLS_NONE): no 32-bit or cross build of BearSSL/mbedTLS is packaged, so the
# TLS tests skip. A target whose compiler or emulator is missing is reported as skipped, not failed.
# Ends with one "N passed, N failed" line over every target run.
set -u
build=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
warn="-Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wundef -Wstrict-prototypes -Wno-unused-function"
flags="-std=c99 -g -O1 $warn -I. -I$build -DTGBOT_ENABLE_ALL -DTGBOT_TLS_NONE"
tp=0; tf=0
first() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }; done; return 1; }
for t in "$@"; do
    run=""; out="$build/unit-$t"; extra=""
    case $t in
    i686)
        cc=${CC:-cc}
        # gcc-multilib's only file beyond gcc-12-multilib is the /usr/include/asm link; it conflicts
        # with the cross compilers, so the link is made here when it is missing
        if [ ! -e /usr/include/asm ] && [ -d /usr/include/x86_64-linux-gnu/asm ]; then
            mkdir -p "$build/m32inc" && ln -sfn /usr/include/x86_64-linux-gnu/asm "$build/m32inc/asm"
            extra="-idirafter $build/m32inc"
        fi
        printf '#include <errno.h>\n#include <math.h>\nint main(void) { return errno; }\n' > "$build/m32probe.c"
        if ! $cc -m32 $extra "$build/m32probe.c" -o "$build/m32probe" -lm >/dev/null 2>&1; then
            echo "$t: skipped: $cc -m32 cannot build (tests/deps.sh installs gcc-12-multilib)"; continue
        fi
        cc="$cc -m32";;
    armhf)
        cc=$(first arm-linux-gnueabihf-gcc arm-linux-gnueabihf-gcc-12) && run=$(first qemu-arm-static qemu-arm) || {
            echo "$t: skipped: no arm-linux-gnueabihf-gcc or qemu-arm-static (tests/deps.sh installs them)"; continue; }
        extra="-static";;
    s390x)
        cc=$(first s390x-linux-gnu-gcc s390x-linux-gnu-gcc-12) && run=$(first qemu-s390x-static qemu-s390x) || {
            echo "$t: skipped: no s390x-linux-gnu-gcc or qemu-s390x-static (tests/deps.sh installs them)"; continue; }
        extra="-static";;
    *) echo "unknown target $t"; exit 2;;
    esac
    # static glibc warns that getaddrinfo needs NSS at run time: the tests resolve numeric addresses only
    if ! $cc $flags $extra tests/all.c -o "$out" -lm > "$out.cc.log" 2>&1; then
        cat "$out.cc.log"; echo "$t: build failed"; tf=$((tf + 1)); continue
    fi
    "$here/with_servers.sh" $run "$out" > "$out.log" 2>&1; rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out.log" | tail -n 1)
    grep -E '^FAIL |CHECK failed' "$out.log"
    skipped=$(grep -E '^[0-9]+ skipped$' "$out.log" | tail -n 1)
    if [ -z "$line" ]; then tail -n 20 "$out.log"; echo "$t: no result (exit $rc)"; tf=$((tf + 1)); continue; fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    [ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
    echo "$t: $line${skipped:+, ${skipped% skipped} skipped:}"
    grep 'skipped: ' "$out.log" | sort | uniq -c | sed 's/^ */      /'
    tp=$((tp + p)); tf=$((tf + f))
done
echo "$tp passed, $tf failed"
[ $tf -eq 0 ]
