#!/bin/sh
# bench_webhook.sh BENCH_BINARY: wrk POSTs a realistic message update (with the secret header) to the
# webhook server, then, with the same wrk settings, to nginx (one worker, `return 200`) as the ceiling.
# With two or more cores the server (and nginx) run on core 0 and wrk on core 1.
# Last line: webhook_vs_nginx: updates/s of the webhook / requests/s of nginx.
set -eu
bin=$1
secs=${BENCH_SECONDS:-5}; conns=${BENCH_CONNECTIONS:-50}
for t in wrk nginx python3; do command -v $t >/dev/null 2>&1 || { echo "bench-webhook: $t is missing (make deps)"; exit 1; }; done
dir=$(mktemp -d); srv=""; ngx=""
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
    [ -n "$ngx" ] && kill "$ngx" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
on0=""; on1=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then on0="taskset -c 0"; on1="taskset -c 1"; fi

cat > "$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/tg"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = "bench_Secret-0123456789"
wrk.body = '{"update_id":734562811,"message":{"message_id":48213,"from":{"id":5120933741,"is_bot":false,' ..
  '"first_name":"Alice","last_name":"Example","username":"alice_example","language_code":"en","is_premium":true},' ..
  '"chat":{"id":5120933741,"first_name":"Alice","last_name":"Example","username":"alice_example","type":"private"},' ..
  '"date":1764633600,"text":"/start hello there, how are you doing today?","entities":[{"offset":0,"length":6,' ..
  '"type":"bot_command"}],"link_preview_options":{"is_disabled":true}}}'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_listen() {   # start-up of a server process: poll its port, bounded
    i=0; while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null; do
        i=$((i+1)); [ $i -lt 200 ] || { echo "bench-webhook: nothing listens on $1"; exit 1; }; sleep 0.05; done
}
ticks() {   # CPU time (user+system, clock ticks) of process $1; 0 where /proc is absent
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
run_wrk() {   # url pid → "RESULT requests duration_us p99_us non2xx socket_errors cpu_ticks"
    $on1 wrk -t1 -c"$conns" -d1s -s "$dir/post.lua" "$1" >/dev/null 2>&1 || true     # warm-up
    p=$2
    if [ "$p" = "$ngx" ]; then     # nginx: the worker does the work (it exists by now)
        p=$(for f in /proc/[0-9]*/stat; do awk -v m="$ngx" '$4 == m { print $1 }' "$f" 2>/dev/null; done | head -n 1)
        [ -n "$p" ] || p=$ngx
    fi
    t0=$(ticks "$p")
    r=$($on1 wrk -t1 -c"$conns" -d"${secs}s" -s "$dir/post.lua" "$1" | grep '^RESULT')
    echo "$r $(( $(ticks "$p") - t0 ))"
}
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
report() {   # name result
    echo "$2" | awk -v n="$1" -v hz="$hz" '{ printf "%-44s %8.0f updates/s   p99 %.2f ms   server CPU %3.0f%% of a core   (%d requests, %d non-2xx, %d socket errors)\n",
        n, $2 / ($3 / 1e6), $4 / 1000.0, 100 * $7 / hz / ($3 / 1e6), $2, $5, $6 }'
}

# the webhook server
$on0 "$bin" "$dir/port" 2>"$dir/webhook.log" & srv=$!
i=0; while [ ! -s "$dir/port" ]; do i=$((i+1)); [ $i -lt 200 ] || { cat "$dir/webhook.log"; exit 1; }; sleep 0.05; done
wport=$(cat "$dir/port")
wres=$(run_wrk "http://127.0.0.1:$wport/tg" "$srv")
kill -TERM "$srv"; wait "$srv" || true; srv=""

# nginx, one worker, as the ceiling
nport=$(free_port)
mkdir -p "$dir/ngx/logs"
cat > "$dir/ngx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
master_process on;
pid $dir/ngx/nginx.pid;
error_log $dir/ngx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/ngx/body;
    proxy_temp_path $dir/ngx/proxy;
    fastcgi_temp_path $dir/ngx/fastcgi;
    uwsgi_temp_path $dir/ngx/uwsgi;
    scgi_temp_path $dir/ngx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nport;
        location / { return 200; }
    }
}
NGX
$on0 nginx -e "$dir/ngx/logs/error.log" -p "$dir/ngx" -c "$dir/ngx/nginx.conf" 2>"$dir/ngx/stderr" & ngx=$!
wait_listen "$nport"
nres=$(run_wrk "http://127.0.0.1:$nport/tg" "$ngx")
kill -TERM "$ngx"; wait "$ngx" || true; ngx=""

echo "wrk: 1 thread, $conns keep-alive connections, ${secs} s, POST of a message update with the secret header; ${on0:+servers on core 0, wrk on core 1}"
report "tgbot.h webhook (echo handler, reply in body)" "$wres"
report "nginx 1 worker (return 200)" "$nres"
echo "$wres" | awk '{ if ($5 > 0 || $6 > 0) { print "bench-webhook: the webhook answered " $5 " non-2xx and had " $6 " socket errors"; exit 1 } }'
echo "(when wrk's single core is the limit, both servers show the same rate; the CPU column shows the headroom)"
echo "$wres $nres" | awk '{ printf "webhook_vs_nginx: %.2f\n", ($2 / ($3 / 1e6)) / ($9 / ($10 / 1e6)) }'
