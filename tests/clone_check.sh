#!/bin/sh
# make clone-check: the project carries what it needs. Copies the tracked files (what a clone gets,
# with this tree's changes) to a temp dir that has no ../shared next to it, then runs there: `make demo`,
# `make check-gen` (schema only), the unit build and a fast subset of the unit tests (the generated
# API through the fake server, and the dispatcher); the full `make test` there would take too long here.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dir="$tmp/tgbot"
mkdir -p "$dir"
(cd "$root" && git ls-files -z | xargs -0 tar -cf - 2>/dev/null) | tar -C "$dir" -xf - || { echo "clone-check: copy failed"; exit 1; }
[ ! -e "$tmp/shared" ] || { echo "clone-check: $tmp/shared exists"; exit 1; }
pass=0; fail=0
step() {
    name=$1; shift
    if (cd "$dir" && "$@") >"$tmp/log" 2>&1; then pass=$((pass+1)); echo "clone-check: $name: ok"
    else fail=$((fail+1)); echo "clone-check: $name: FAILED"; tail -n 15 "$tmp/log"; fi
}
step "make demo" make -s demo
step "make check-gen" make -s check-gen
step "unit build" make -s build/unit
step "api_ and updates_ tests" sh -c 'tests/with_servers.sh build/unit api_ && tests/with_servers.sh build/unit updates_'
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
