#!/bin/sh
# Tests of the fake Bot API server itself, driven by curl over HTTP and HTTPS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
expect() { # name, haystack, needle
    case "$2" in *"$3"*) ok;; *) bad "$1: expected '$3' in: $(printf '%s' "$2" | head -c 300)";; esac; }
start() { # portfile, extra args
    pf=$1; shift
    python3 "$here/fake_server.py" --port 0 --portfile "$pf" "$@" >"$pf.log" 2>&1 &
    pids="$pids $!"
    i=0; while [ ! -s "$pf" ] && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.02; done
    [ -s "$pf" ] || { echo "server did not start"; cat "$pf.log"; exit 1; }
}
T=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi
start "$tmp/p"
B="http://127.0.0.1:$(cat "$tmp/p")"
C="$B/_ctl"

expect getMe "$(curl -s "$B/bot$T/getMe")" '"username": "tgbot_test_bot"'
expect envelope_ok "$(curl -s "$B/bot$T/getMe")" '"ok": true'
expect bad_token "$(curl -s "$B/botnope/getMe")" '"error_code": 401'
expect unknown_method "$(curl -s "$B/bot$T/sendNothing")" '"error_code": 404'
expect case_insensitive "$(curl -s "$B/bot$T/GETME")" '"ok": true'
expect missing_required "$(curl -s -H 'Content-Type: application/json' -d '{"chat_id":1}' "$B/bot$T/sendMessage")" 'text is required'
expect unknown_param "$(curl -s -H 'Content-Type: application/json' -d '{"chat_id":1,"text":"x","bogus":1}' "$B/bot$T/sendMessage")" 'unknown parameter bogus'
expect wrong_type "$(curl -s -H 'Content-Type: application/json' -d '{"chat_id":1,"text":5}' "$B/bot$T/sendMessage")" 'is not String'
expect chat_id_union "$(curl -s -H 'Content-Type: application/json' -d '{"chat_id":"@chan","text":"x"}' "$B/bot$T/sendMessage")" '"ok": true'
expect nested_valid "$(curl -s -H 'Content-Type: application/json' -d '{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}}' "$B/bot$T/sendMessage")" '"ok": true'
expect nested_invalid "$(curl -s -H 'Content-Type: application/json' -d '{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"txt":"a"}]]}}' "$B/bot$T/sendMessage")" '"error_code": 400'
expect form_encoded "$(curl -s -d 'chat_id=5&text=hello' "$B/bot$T/sendMessage")" '"text": "hello"'
expect query_string "$(curl -s "$B/bot$T/sendMessage?chat_id=5&text=q")" '"text": "q"'
expect stars_result "$(curl -s "$B/bot$T/getMyStarBalance")" '"amount"'

# keep-alive: two requests in one curl invocation share a TCP connection
curl -s "$B/_ctl/reset" -X POST >/dev/null
curl -s "$B/bot$T/getMe" "$B/bot$T/getMe" >/dev/null
reqs=$(curl -s "$C/requests")
n=$(printf '%s' "$reqs" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(len(set(x["conn"] for x in r)), len(r))')
[ "$n" = "1 2" ] && ok || bad "keep-alive: connections/requests = $n"

# multipart upload recorded with size and sha256
head -c 300000 /dev/urandom > "$tmp/f.bin"
sum=$(sha256sum "$tmp/f.bin" | cut -d' ' -f1)
curl -s -F chat_id=7 -F "document=@$tmp/f.bin;filename=report.bin" "$B/bot$T/sendDocument" >/dev/null
files=$(curl -s "$C/requests" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"][-1]; f=r["files"]["document"]; print(f["size"], f["sha256"], f["filename"], len(r["violations"]))')
[ "$files" = "300000 $sum report.bin 0" ] && ok || bad "multipart record: $files"
# attach:// must name a part
expect attach_missing "$(curl -s -F chat_id=7 -F 'media=[{"type":"photo","media":"attach://p1"}]' "$B/bot$T/sendMediaGroup")" 'has no file part'

# faults
curl -s -d '{"method":"getMe","kind":"429","retry_after":3}' "$C/fault" >/dev/null
expect fault_429 "$(curl -s "$B/bot$T/getMe")" '"retry_after": 3'
expect fault_429_once "$(curl -s "$B/bot$T/getMe")" '"ok": true'
curl -s -d '{"method":"getMe","kind":"502","count":2}' "$C/fault" >/dev/null
expect fault_5xx "$(curl -s -w ' status=%{http_code}' "$B/bot$T/getMe")" 'status=502'
expect fault_5xx_count "$(curl -s -w ' status=%{http_code}' "$B/bot$T/getMe")" 'status=502'
expect fault_5xx_over "$(curl -s "$B/bot$T/getMe")" '"ok": true'
curl -s -d '{"method":"getMe","kind":"drop"}' "$C/fault" >/dev/null
curl -s "$B/bot$T/getMe" >/dev/null 2>&1; rc=$?
[ $rc -eq 52 ] || [ $rc -eq 56 ] && ok || bad "drop: curl exit $rc (want empty reply)"
curl -s -d '{"method":"sendMessage","kind":"400_migrate","migrate_to_chat_id":-1009}' "$C/fault" >/dev/null
expect fault_migrate "$(curl -s -d 'chat_id=5&text=x' "$B/bot$T/sendMessage")" '"migrate_to_chat_id": -1009'
curl -s -d '{"method":"getChat","error":{"error_code":403,"description":"Forbidden: bot was blocked by the user"}}' "$C/result" >/dev/null
expect fixed_error "$(curl -s "$B/bot$T/getChat?chat_id=1")" 'bot was blocked'

# getUpdates: offset confirms, limit, long-poll returns as soon as updates arrive
curl -s -X POST "$C/reset" >/dev/null
curl -s -d '{"count":3}' "$C/updates" >/dev/null
expect updates_all "$(curl -s "$B/bot$T/getUpdates")" '"update_id": 3'
expect updates_limit "$(curl -s "$B/bot$T/getUpdates?limit=1")" '"msg 1"'
r=$(curl -s "$B/bot$T/getUpdates?offset=3")
expect updates_offset "$r" '"update_id": 3'
case "$r" in *'"update_id": 1'*) bad "offset 3 still returned update 1";; *) ok;; esac
expect offset_state "$(curl -s "$C/state")" '"offset": 3'
start_t=$(date +%s%N)
( curl -s -d '{"count":1}' "$C/updates" >/dev/null ) &   # arrives while the poll waits
r=$(curl -s "$B/bot$T/getUpdates?offset=4&timeout=20")
el=$(( ($(date +%s%N) - start_t) / 1000000 ))
expect long_poll_wakes "$r" '"update_id": 4'
[ $el -lt 10000 ] && ok || bad "long poll took ${el} ms (should return when the update arrives)"
start_t=$(date +%s%N)
r=$(curl -s "$B/bot$T/getUpdates?offset=5&timeout=1")
el=$(( ($(date +%s%N) - start_t) / 1000000 ))
expect long_poll_empty "$r" '"result": []'
[ $el -ge 900 ] && [ $el -lt 5000 ] && ok || bad "empty long poll took ${el} ms (want ~1000)"

# HTTPS with the generated CA
"$here/certs.sh" "$tmp/certs"
start "$tmp/ps" --tls-cert "$tmp/certs/server.pem" --tls-key "$tmp/certs/server.key"
S="https://127.0.0.1:$(cat "$tmp/ps")"
expect https_getMe "$(curl -s --cacert "$tmp/certs/ca.pem" "$S/bot$T/getMe")" '"ok": true'
curl -s --cacert "$tmp/certs/other-ca.pem" "$S/bot$T/getMe" >/dev/null 2>&1 && bad "https trusted by the wrong CA" || ok
expect https_localhost "$(curl -s --cacert "$tmp/certs/ca.pem" "https://localhost:$(cat "$tmp/ps")/bot$T/getMe")" '"ok": true'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
