#!/bin/sh
# ./amalgamate --check must fail (naming the part) when a source changes without re-running it,
# pass again after ./amalgamate, and the output must be deterministic.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r amalgamate src tgbot.h "$tmp/"
cd "$tmp" || exit 1
p=0; f=0
ok() { if "$@"; then p=$((p+1)); else f=$((f+1)); echo "FAIL: $*"; fi; }
ok ./amalgamate --check
echo "/* edited */" >> src/core.c
out=$(./amalgamate --check); rc=$?
ok test "$rc" -ne 0
ok sh -c "echo '$out' | grep -q 'src/core.c'"
./amalgamate; cp tgbot.h first.h; ./amalgamate
ok cmp -s tgbot.h first.h
ok ./amalgamate --check
ok sh -c "! grep -q '^#include \"' tgbot.h"
ok sh -c "! grep -q '^#line' tgbot.h"              # the committed header stays free of #line
# --lines: the header builds warning-free as it is
./amalgamate --lines -o clean/tgbot.h
printf '#define TGBOT_IMPLEMENTATION\n#include "clean/tgbot.h"\n' > clean.c
ok cc -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wundef -Wstrict-prototypes \
   -DTGBOT_ENABLE_ALL -DTGBOT_TLS_NONE -I. -fsyntax-only clean.c
# and a deliberately broken build names the src/ file and line, also after a dropped include
sed -i '3i #include "json.h"' src/json.c
echo '#error lines_probe_json' >> src/json.c; lj=$(wc -l < src/json.c)
echo '#error lines_probe_api' >> src/gen/api.c; la=$(wc -l < src/gen/api.c)
./amalgamate --lines -o l/tgbot.h
printf '#define TGBOT_IMPLEMENTATION\n#include "l/tgbot.h"\n' > probe.c
cc -std=c99 -DTGBOT_TLS_NONE -I. -fsyntax-only probe.c 2> probe.err; rc=$?
ok test "$rc" -ne 0
ok grep -q "src/json.c:$lj:.*lines_probe_json" probe.err
ok grep -q "src/gen/api.c:$la:.*lines_probe_api" probe.err
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
