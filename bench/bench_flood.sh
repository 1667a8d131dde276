#!/bin/sh
# bench-flood: bench_flood against the fake server in its Telegram-limits mode (tests/fake_server.py
# --telegram-limits). First checks that the server really refuses what Telegram would (else a
# count of zero 429s would prove nothing), then runs the broadcast and prints the server's count
# of 429 answers. Usage: bench_flood.sh BINARY [PRIVATE_CHATS PER_PRIVATE GROUPS PER_GROUP]
#   FLOOD_CHECK=1: also judge the result (0 answers of 429, time <= 1.15 x the minimum) and end with
#   "N passed, N failed" (the short make-test step).
set -u
bin=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d); pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
python3 "$here/../tests/fake_server.py" --port 0 --portfile "$dir/port" --telegram-limits >"$dir/log" 2>&1 &
pid=$!
i=0; while [ ! -s "$dir/port" ] && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.02; done
[ -s "$dir/port" ] || { echo "fake server did not start:"; cat "$dir/log"; exit 1; }
url="http://127.0.0.1:$(cat "$dir/port")"
pass=0; fail=0
# the server's model, checked with a client of its own: a private chat and a group refuse a second
# message within 1 s (retry_after 1), the bot as a whole a 31st within 1 s
model=$(python3 - "$url" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
T = '/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi/sendMessage'
def send(chat):
    c.request('POST', T, json.dumps({'chat_id': chat, 'text': 'm'}), {'Content-Type': 'application/json'})
    r = json.loads(c.getresponse().read())
    return r.get('error_code', 200), (r.get('parameters') or {}).get('retry_after')
out = [send(5), send(5), send(-5), send(-5)] + [send(100 + i) for i in range(29)]
print('ok' if out[:4] == [(200, None), (429, 1), (200, None), (429, 1)] and out[-1] == (429, 1)
      and all(x == (200, None) for x in out[4:-1]) else 'bad %r' % out)
c.request('POST', '/_ctl/limits', json.dumps({'on': True})); c.getresponse().read()
PY
)
if [ "$model" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: the server's Telegram model: $model"; fi
nice "$bin" "$url" "$@" | tee "$dir/out"
counts=$(python3 -c 'import json,sys,urllib.request; r=json.load(urllib.request.urlopen(sys.argv[1]+"/_ctl/limits"))["result"]; print(r["refused"], r["accepted"])' "$url")
set -- $counts
echo "flood_429s: $1 (server: $2 messages accepted)"
if [ "${FLOOD_CHECK:-0}" = 1 ]; then
    if [ "$1" = 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: the server answered 429 $1 times"; fi
    ratio=$(sed -n 's/^flood_time_vs_min: //p' "$dir/out")
    if python3 -c 'import sys; sys.exit(0 if 0 < float(sys.argv[1]) <= 1.15 else 1)' "${ratio:-0}"; then pass=$((pass+1))
    else fail=$((fail+1)); echo "FAIL: flood_time_vs_min ${ratio:-missing} > 1.15"; fi
    echo "$pass passed, $fail failed"
    [ $fail = 0 ]
fi
