#!/bin/sh
# Every global symbol the implementation exports is public API: tg_ but not the internal tg__
# (TGBOT__INTERN is static in the single header); none at all with TGBOT_STATIC.
dir=build/compile; mkdir -p "$dir"
printf '#define TGBOT_IMPLEMENTATION\n#include "tgbot.h"\n' >"$dir/sym.c"
fail=0; pass=0
for d in "" "-DTGBOT_ENABLE_ALL"; do
    cc -std=c99 $d -I/usr/include/bearssl -I. -c "$dir/sym.c" -o "$dir/sym.o" || { fail=$((fail+1)); continue; }
    bad=$(nm -g --defined-only "$dir/sym.o" | awk '{print $3}' | grep -v '^tg_' || true)
    if [ -n "$bad" ]; then echo "symbols without tg_ prefix ($d): $bad"; fail=$((fail+1)); else pass=$((pass+1)); fi
    intern=$(nm -g --defined-only "$dir/sym.o" | awk '{print $3}' | grep '^tg__' || true)
    if [ -n "$intern" ]; then echo "internal tg__ symbols exported ($d): $intern"; fail=$((fail+1)); else pass=$((pass+1)); fi
    n=$(nm -g --defined-only "$dir/sym.o" | grep -c ' tg_') || true
    [ "$n" -gt 0 ] || { echo "no tg_ symbols exported ($d): the check would pass vacuously"; fail=$((fail+1)); }
done
cc -std=c99 -DTGBOT_STATIC -DTGBOT_ENABLE_ALL -I/usr/include/bearssl -I. -c "$dir/sym.c" -o "$dir/sym.o"
n=$(nm -g --defined-only "$dir/sym.o" | wc -l)
if [ "$n" -eq 0 ]; then pass=$((pass+1)); else echo "TGBOT_STATIC still exports $n symbols"; fail=$((fail+1)); fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
