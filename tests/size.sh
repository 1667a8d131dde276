#!/bin/sh
# make size: what the generated Bot API costs. Prints, for this tree and for a base commit (default:
# where this branch left main) side by side: the stripped examples/echo_bot built with BearSSL at -Os
# (the compiler's default PIE), the relocations of the generated tables (readelf -r entries whose
# target lies inside a generated table object), tgbot.h's size, and the one-file compile time of the
# implementation at -O2 (CPU seconds, user + system, median of 5, the two headers interleaved).
set -u
cd "$(dirname "$0")/.."
CC=${CC:-cc}
base=${SIZE_BASE:-$(git merge-base HEAD main 2>/dev/null)}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/now" "$tmp/base"
cp tgbot.h "$tmp/now/tgbot.h"
have_base=0
if [ -n "$base" ] && git show "$base:tgbot.h" > "$tmp/base/tgbot.h" 2>/dev/null; then have_base=1; fi
tables='tg__type_data|tg__field_data|tg__sub_data|tg__method_data|tg__update_kind_data|tg__name_blob|tg__f_[a-z0-9_]*|tg__fa_[a-z0-9_]*|tg__s_[a-z0-9_]*|tg__d_[a-z0-9_]*|tg__m_[a-z0-9_]*'
measure() {   # dir label
    d=$1
    $CC -std=c99 -Os -I"$d" -I/usr/include/bearssl examples/echo_bot.c -o "$d/echo" -lbearssl -lm || return 1
    cp "$d/echo" "$d/echo.s" && strip "$d/echo.s"
    bytes=$(wc -c < "$d/echo.s")
    # address ranges of the generated table objects, then the relocations that fall inside them
    nm -S --defined-only "$d/echo" 2>/dev/null | grep -E " ($tables)\$" | awk '{print $1, $2}' > "$d/ranges"
    total=$(readelf -rW "$d/echo" | grep -cE '^[0-9a-f]+ ')
    gen=$(readelf -rW "$d/echo" | awk '/^[0-9a-f]+ /{print $1}' | python3 -c '
import sys
r = [(int(a, 16), int(a, 16) + int(s, 16)) for a, s in (l.split() for l in open(sys.argv[1]))]
print(sum(1 for l in sys.stdin if any(lo <= int(l, 16) < hi for lo, hi in r)))' "$d/ranges")
    hb=$(wc -c < "$d/tgbot.h")
    printf '%s\t%d\t%d\t%d\t%d\n' "$2" "$bytes" "$gen" "$total" "$hb"
}
ctime() {   # dir -> seconds for one -O2 compile of the implementation
    printf '#define TGBOT_IMPLEMENTATION\n#include "tgbot.h"\nint main(void){return 0;}\n' > "$1/impl.c"
    python3 - "$CC" "$1" <<'PY'
import resource, subprocess, sys
cc, d = sys.argv[1], sys.argv[2]
subprocess.run([cc, '-std=c99', '-O2', '-I' + d, '-I/usr/include/bearssl', '-c', d + '/impl.c', '-o', d + '/impl.o'], check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)     # CPU time: wall time on a shared machine is noise
print('%.3f' % (r.ru_utime + r.ru_stime))
PY
}
echo "size: this tree vs ${base:-no base} ($CC, -Os, default PIE, BearSSL)"
printf '%-6s %14s %22s %18s %14s\n' "" "echo_bot (B)" "gen-table relocations" "all relocations" "tgbot.h (B)"
for which in now base; do
    [ $which = base ] && [ $have_base = 0 ] && continue
    measure "$tmp/$which" $which | awk -F'\t' '{printf "%-6s %14d %22d %18d %14d\n", $1, $2, $3, $4, $5}'
done
if [ $have_base = 1 ]; then
    : > "$tmp/t_now"; : > "$tmp/t_base"
    for i in 1 2 3 4 5; do ctime "$tmp/now" >> "$tmp/t_now"; ctime "$tmp/base" >> "$tmp/t_base"; done
    med() { sort -n "$1" | sed -n 3p; }
    echo "compile -O2, implementation, CPU s, median of 5 (interleaved): now $(med "$tmp/t_now"), base $(med "$tmp/t_base")"
fi
echo "goals: echo_bot <= 204800 B, gen-table relocations 0, tgbot.h <= 819200 B"
