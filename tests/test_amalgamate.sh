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
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
