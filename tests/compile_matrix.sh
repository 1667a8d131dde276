#!/bin/sh
# Compiles a one-file program against tgbot.h in every switch combination, as C (gcc, clang;
# c99, c11; strict warnings) and as C++, with and without the implementation.
# Prints one line per failure and "N passed, M failed".
W="-Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wundef -Wstrict-prototypes"
# C++: no -Wundef, because g++ 12 cannot silence it inside BearSSL's headers with a pragma
WXX="-Wall -Wextra -Werror"
dir=build/compile; mkdir -p "$dir"
printf '#define TGBOT_IMPLEMENTATION\n#include "tgbot.h"\nint main(void){return 0;}\n' >"$dir/impl.c"
printf '#include "tgbot.h"\nint main(void){return 0;}\n' >"$dir/decl.c"
MODS="CACHE RATELIMIT BREAKER ANALYTICS WEBHOOK ASYNC STORE REDIS STARS"
tls_flags() { case $1 in BEARSSL) echo "-I/usr/include/bearssl";; MBEDTLS) echo "-DTGBOT_TLS_MBEDTLS";; NONE) echo "-DTGBOT_TLS_NONE";; esac; }
jobs=""
add() { jobs="$jobs
$*"; }
for cc in gcc clang; do for std in c99 c11; do
    for m in none $MODS ALL; do
        case $m in none) d="";; ALL) d="-DTGBOT_ENABLE_ALL";; *) d="-DTGBOT_ENABLE_$m";; esac
        add "$cc -std=$std $W $d $(tls_flags BEARSSL) -I. -c $dir/impl.c -o /dev/null"
    done
    for t in MBEDTLS NONE; do for d in "" "-DTGBOT_ENABLE_ALL"; do
        add "$cc -std=$std $W $d $(tls_flags $t) -I. -c $dir/impl.c -o /dev/null"
    done; done
    add "$cc -std=$std $W -DTGBOT_ENABLE_ALL -I. -c $dir/decl.c -o /dev/null"
done; done
# switch spellings: empty definition = on, =0 = off, and a static build
add "gcc -std=c99 $W -DTGBOT_ENABLE_ALL= -DTGBOT_ENABLE_WEBHOOK=0 -DTGBOT_STATIC $(tls_flags BEARSSL) -I. -c $dir/impl.c -o /dev/null"
for t in BEARSSL MBEDTLS NONE; do for m in none $MODS ALL; do
    case $m in none) d="";; ALL) d="-DTGBOT_ENABLE_ALL";; *) d="-DTGBOT_ENABLE_$m";; esac
    add "g++ -x c++ $WXX $d $(tls_flags $t) -I. -c $dir/impl.c -o /dev/null"
done; done
add "g++ -x c++ $WXX -DTGBOT_ENABLE_ALL -I. -c $dir/decl.c -o /dev/null"
add "clang++ -x c++ -std=c++20 $WXX -DTGBOT_ENABLE_ALL $(tls_flags BEARSSL) -I. -c $dir/impl.c -o /dev/null"
pass=0; fail=0
# run two at a time (the machine has 2 cores); each job prints ok/FAIL
results=$(printf '%s\n' "$jobs" | sed '/^$/d' | tr '\n' '\0' | xargs -0 -P 2 -I{} sh -c '{} 2>/tmp/tgbot_cm.$$.err && echo "ok" || { echo "FAIL: {}"; head -n 5 /tmp/tgbot_cm.$$.err; }; rm -f /tmp/tgbot_cm.$$.err')
pass=$(printf '%s\n' "$results" | grep -c '^ok$')
fail=$(printf '%s\n' "$results" | grep -c '^FAIL')
printf '%s\n' "$results" | grep -v '^ok$'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
