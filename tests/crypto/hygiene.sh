#!/bin/sh
# Token and key hygiene: runs the unit program (every module) with the tests' bot token and a fresh
# random key in TG_TEST_KEYS, plus the Web App interop checker, then greps their output and every
# step log of this `make test` (build/steps/*.log) for the token's secret part and the key (hex and
# base64url): 0 occurrences of any 8 characters of them in a row.
set -u
unit=${1:-build/unit-all}
dir=build/hygiene; mkdir -p "$dir"; rm -f "$dir"/*.log
token=$(sed -n 's/^#define BOT_TOKEN "\(.*\)"$/\1/p' tests/fake_api.h)
[ -n "$token" ] || { echo "hygiene: BOT_TOKEN not found in tests/fake_api.h"; exit 1; }
hex=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
b64=$(printf '%s' "$hex" | python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.stdin.read())).decode().rstrip("="))')
secrets="$dir/secrets"   # removed at the end; mode 600 (it holds the key)
( umask 077; printf '%s\n%s\n%s\n' "${token#*:}" "$hex" "$b64" > "$secrets" )
TG_TEST_KEYS="1:$hex" tests/with_servers.sh "$unit" > "$dir/unit.log" 2>&1
echo "hygiene: $unit: $(tail -n 1 "$dir/unit.log")"
TG_TEST_KEYS="2:$b64" "$unit" secret_known >> "$dir/unit.log" 2>&1
if [ -x build/check_webapp ] && [ -f build/webapp_sig.txt ]; then build/check_webapp < build/webapp_sig.txt > "$dir/check_webapp.log" 2>&1; fi
logs=$(ls "$dir"/*.log build/steps/*.log 2>/dev/null | grep -v '^build/steps/hygiene\.log$')
python3 tests/crypto/hygiene_grep.py "$secrets" $logs; rc=$?
rm -f "$secrets"
exit $rc
