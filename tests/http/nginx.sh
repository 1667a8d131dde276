#!/bin/sh
# nginx.sh start DIR CERTDIR  |  nginx.sh stop DIR
# Starts nginx as a real HTTP/1.1 server on two free loopback ports with its own config, logs, pid
# and temp dirs under DIR (nothing outside DIR is touched), and prints "HTTP_PORT HTTPS_PORT".
# CERTDIR is what tests/certs.sh made (server.pem/.key for 127.0.0.1 and localhost).
#   /bot...      any method: a fixed 350-byte Bot API answer (sendMessage result), Content-Length
#   /big.json    static 4 MiB JSON file (Content-Length, sendfile)
#   /chunked/big.json  the same file through the SSI filter, which drops the length: chunked
set -eu
cmd=$1; dir=$2
if [ "$cmd" = stop ]; then
    [ -s "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null
    exit 0
fi
# the daemon writes its pid file just after nginx returns; wait for it so that stop always works
wait_pid() { i=0; while [ ! -s "$dir/nginx.pid" ] && [ $i -lt 250 ]; do i=$((i+1)); sleep 0.02; done; }
certs=$3
mkdir -p "$dir/logs" "$dir/tmp" "$dir/www/chunked"
# 4 MiB + the envelope; every line differs, so a dropped or repeated chunk shows
python3 - "$dir/www/big.json" <<'PY'
import sys
with open(sys.argv[1], 'wb') as f:
    f.write(b'{"ok":true,"result":"')
    for i in range(65536):
        f.write(b'%063d|' % i)
    f.write(b'"}')
PY
cp "$dir/www/big.json" "$dir/www/chunked/big.json"
answer='{"ok":true,"result":{"message_id":4242,"from":{"id":123456789,"is_bot":true,"first_name":"tgbot_test_bot","username":"tgbot_test_bot"},"chat":{"id":987654321,"first_name":"Alice","last_name":"Example","username":"alice_example","type":"private"},"date":1735689600,"text":"Hello from nginx: a fixed answer of the size Telegram sends for sendMessage."}}'
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
user=""; [ "$(id -u)" -eq 0 ] && user="user root;"   # as root, workers must still read DIR
try=0
while :; do
    try=$((try + 1))
    hp=$(free_port); sp=$(free_port)
    [ "$hp" = "$sp" ] && continue
    cat > "$dir/nginx.conf" <<CONF
$user
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/json;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_max_body_size 200m;
    sendfile on;
    tcp_nodelay on;
    ssl_certificate $certs/server.pem;
    ssl_certificate_key $certs/server.key;
    ssl_session_cache shared:tgbot:1m;
    ssl_session_timeout 10m;
    server {
        listen 127.0.0.1:$hp;
        listen 127.0.0.1:$sp ssl;
        root $dir/www;
        location /bot { return 200 '$answer'; }
        location /chunked/ { ssi on; ssi_types *; }
    }
}
CONF
    if nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" 2>"$dir/logs/start.log"; then break; fi
    # a port taken between the probe and nginx's bind: try other ports
    [ $try -lt 5 ] || { cat "$dir/logs/start.log" "$dir/logs/error.log" >&2; exit 1; }
done
wait_pid
echo "$hp $sp"
