#!/bin/sh
# make demo: without TELEGRAM_BOT_TOKEN, runs the echo bot against the bundled fake Bot API server,
# which plays a scripted conversation and prints what the bot did; then stops the bot with SIGTERM
# (graceful shutdown). With TELEGRAM_BOT_TOKEN set, runs the echo bot against the real Bot API.
set -u
bot=${1:-build/echo_bot}
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
    echo "demo: running the echo bot against api.telegram.org (Ctrl-C stops it)"
    exec "$bot"
fi
dir=$(mktemp -d); trap 'kill $srv 2>/dev/null; rm -rf "$dir"' EXIT
python3 tests/fake_server.py --port 0 --portfile "$dir/port" --script tests/demo_script.json >"$dir/transcript" 2>"$dir/err" &
srv=$!
i=0; while [ ! -s "$dir/port" ] && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.02; done
[ -s "$dir/port" ] || { echo "demo: the fake server did not start"; cat "$dir/err"; exit 1; }
url="http://127.0.0.1:$(cat "$dir/port")"
echo "demo: echo bot <-> fake Bot API server at $url (no token set)"
tail -f "$dir/transcript" & tailpid=$!
"$bot" "$url" "123456:DEMOxDEMOxDEMOxDEMOxDEMOxDEMOxDEMOx" &
botpid=$!
# wait until the server saw every scripted update confirmed (offset past the last id)
python3 - "$url" <<'PY'
import json, sys, time, urllib.request
url = sys.argv[1]
for _ in range(600):
    st = json.load(urllib.request.urlopen(url + "/_ctl/state"))["result"]
    if st["offset"] > 1005:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
PY
ok=$?
kill -TERM $botpid; wait $botpid; rc=$?
sleep 0.2; kill $tailpid 2>/dev/null
echo "demo: the bot handled the conversation and stopped on SIGTERM (exit status $rc)"
[ $ok -eq 0 ] && [ $rc -eq 0 ]
