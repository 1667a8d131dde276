#!/bin/sh
# Windows webhook smoke test (called by tests/windows/run.sh with the fake server's URL in
# TG_FAKE_URL): examples/webhook_bot.c cross-built, run under wine on a loopback port; a real HTTP
# client delivers two updates on one keep-alive connection and must get both echoes back in the
# responses (the accept, WSAPoll and keep-alive paths of the webhook server on winsock).
set -u
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd); out=$root/build/win
CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
$CC -std=c99 -O1 -Wall -Wextra -Werror -DTGBOT_TLS_NONE -I"$root" "$root/examples/webhook_bot.c" \
    -o "$out/webhook_bot.exe" -lws2_32 || { echo "webhook smoke: does not compile"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TELEGRAM_BOT_TOKEN=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi TELEGRAM_API_URL=$TG_FAKE_URL \
WEBHOOK_PORT=$port WEBHOOK_SECRET=smokesecret wine "$out/webhook_bot.exe" > "$out/webhook.log" 2>&1 &
pid=$!
ok=0; i=0
while [ $i -lt 200 ]; do   # until the server accepts connections (wine starts slowly)
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && { ok=1; break; }
    kill -0 $pid 2>/dev/null || break
    sleep 0.1; i=$((i+1))
done
u() { printf '{"update_id":%d,"message":{"message_id":%d,"date":1,"chat":{"id":42,"type":"private"},"text":"%s"}}' "$1" "$1" "$2"; }
if [ $ok -eq 1 ]; then
    python3 "$root/tests/webhook_client.py" keepalive "$port" /tg smokesecret "$(u 1 'hello one')" "$(u 2 'hello two')" > "$out/webhook.out" 2>&1
fi
kill $pid 2>/dev/null; wait $pid 2>/dev/null
passed=0; failed=0
for t in 'hello one' 'hello two'; do
    if grep -q "^200 .*sendMessage.*$t" "$out/webhook.out" 2>/dev/null; then passed=$((passed+1)); else failed=$((failed+1)); echo "webhook smoke: no echo of '$t'"; fi
done
[ $failed -eq 0 ] || { cat "$out/webhook.out" "$out/webhook.log" 2>/dev/null | tr -d '\r' | tail -10; }
echo "webhook smoke: $passed passed, $failed failed"
[ $failed -eq 0 ]
