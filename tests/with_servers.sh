#!/bin/sh
# Runs a test binary with the servers its tests talk to, on free loopback ports:
#   TG_FAKE_URL        fake Bot API server over HTTP
#   TG_FAKE_TLS_<KIND> fake Bot API server over HTTPS with the certificate KIND (VALID, WRONGHOST,
#                      EXPIRED, UNKNOWN, SELFSIGNED, IPONLY, NOIP), as https://localhost:PORT; TG_TLS_DIR
#                      holds ca.pem (tests/certs.sh); TG_FAKE_TLS6_VALID/_IPONLY the same on [::1]
#   TG_FAULT_URL       the byte-exact fault server (tests/http/fault_server.py)
#   TG_FAULT_TLS       the same server over TLS, as https://localhost:PORT (certificate from TG_TLS_DIR)
#   TG_NGINX_URL, TG_NGINX_TLS   nginx (tests/http/nginx.sh) over HTTP and HTTPS (https://localhost:PORT)
#   TG_HTTP_PROXY, TG_HTTP_PROXY_AUTH     tinyproxy (CONNECT) as host:port, the second with Basic auth
#   TG_SOCKS_PROXY, TG_SOCKS_PROXY_AUTH   microsocks (SOCKS5) as host:port, the second with user/password
#   (both proxies with auth accept user "tguser", password "tgpass")
# A server whose program is not installed is left out; the tests that need it skip.
set -u
bin=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d); pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; "$here/http/nginx.sh" stop "$dir/nginx"; rm -rf "$dir"' EXIT
wait_port() {
    i=0; while [ ! -s "$1" ] && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.02; done
    [ -s "$1" ] || { echo "server for $1 did not start:"; cat "$1.log" 2>/dev/null; exit 1; }
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# waits until PORT accepts connections (or PID has died); 0 when it does
wait_listen() {
    python3 - "$1" "$2" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(500):
    try:
        socket.create_connection(('127.0.0.1', port), 0.2).close(); sys.exit(0)
    except OSError:
        try: os.kill(pid, 0)
        except OSError: sys.exit(1)
        time.sleep(0.02)
sys.exit(1)
PY
}
# start_on_port VAR NAME CMD...: runs CMD (with @PORT@ replaced by a free port) until it listens
start_on_port() {
    var=$1; name=$2; shift 2
    for try in 1 2 3 4 5; do
        port=$(free_port)
        if [ -n "${conf_template:-}" ]; then sed "s/@PORT@/$port/" "$conf_template" > "$dir/$name.conf"; fi
        args=""; for a in "$@"; do args="$args '$(printf '%s' "$a" | sed "s/@PORT@/$port/g")'"; done
        eval "exec $args" >"$dir/$name.log" 2>&1 &
        p=$!
        if wait_listen "$port" "$p"; then pids="$pids $p"; export "$var=127.0.0.1:$port"; return 0; fi
        kill $p 2>/dev/null   # lost the port to someone else: try another
    done
    echo "$name did not start:"; cat "$dir/$name.log"; exit 1
}
python3 "$here/fake_server.py" --port 0 --portfile "$dir/fake" >"$dir/fake.log" 2>&1 & pids="$pids $!"
"$here/certs.sh" "$dir/certs"
python3 "$here/http/fault_server.py" "$dir/fault" --tls "$dir/certs/server.pem" "$dir/certs/server.key" "$dir/fault-tls" \
    >"$dir/fault.log" 2>&1 & pids="$pids $!"
export TG_TLS_DIR="$dir/certs"
for kind in server wronghost expired unknown selfsigned iponly noip; do
    python3 "$here/fake_server.py" --port 0 --portfile "$dir/tls-$kind" \
        --tls-cert "$dir/certs/$kind.pem" --tls-key "$dir/certs/$kind.key" >"$dir/tls-$kind.log" 2>&1 &
    pids="$pids $!"
done
# HTTPS on ::1 with the certificates that do (server) and do not (iponly) list IP:::1, when the
# machine has an IPv6 loopback: TG_FAKE_TLS6_VALID, TG_FAKE_TLS6_IPONLY as https://[::1]:PORT
v6=""
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    v6="server iponly"
    for kind in $v6; do
        python3 "$here/fake_server.py" --host ::1 --port 0 --portfile "$dir/tls6-$kind" \
            --tls-cert "$dir/certs/$kind.pem" --tls-key "$dir/certs/$kind.key" >"$dir/tls6-$kind.log" 2>&1 &
        pids="$pids $!"
    done
fi
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    PATH="$PATH:/usr/sbin"
    ports=$("$here/http/nginx.sh" start "$dir/nginx" "$dir/certs") || { echo "nginx did not start"; exit 1; }
    export TG_NGINX_URL="http://127.0.0.1:${ports% *}" TG_NGINX_TLS="https://localhost:${ports#* }"
fi
if command -v tinyproxy >/dev/null 2>&1; then
    for auth in "" "BasicAuth tguser tgpass"; do
        printf 'Port @PORT@\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nLogLevel Error\nDisableViaHeader Yes\n%s\n' \
            "$auth" > "$dir/tinyproxy.tmpl"
        [ -n "$auth" ] && v=TG_HTTP_PROXY_AUTH n=tinyproxy-auth || { v=TG_HTTP_PROXY; n=tinyproxy; }
        conf_template="$dir/tinyproxy.tmpl" start_on_port $v $n tinyproxy -d -c "$dir/$n.conf"
    done
fi
if command -v microsocks >/dev/null 2>&1; then
    start_on_port TG_SOCKS_PROXY microsocks microsocks -i 127.0.0.1 -p @PORT@
    start_on_port TG_SOCKS_PROXY_AUTH microsocks-auth microsocks -i 127.0.0.1 -p @PORT@ -u tguser -P tgpass
fi
wait_port "$dir/fake"; wait_port "$dir/fault"
export TG_FAKE_URL="http://127.0.0.1:$(cat "$dir/fake")"
export TG_FAULT_URL="http://127.0.0.1:$(cat "$dir/fault")"
wait_port "$dir/fault-tls"; export TG_FAULT_TLS="https://localhost:$(cat "$dir/fault-tls")"
for kind in server wronghost expired unknown selfsigned iponly noip; do
    wait_port "$dir/tls-$kind"
    v=$(echo "$kind" | tr a-z A-Z); [ "$v" = SERVER ] && v=VALID
    export "TG_FAKE_TLS_$v=https://localhost:$(cat "$dir/tls-$kind")"
done
for kind in $v6; do
    wait_port "$dir/tls6-$kind"
    v=$(echo "$kind" | tr a-z A-Z); [ "$v" = SERVER ] && v=VALID
    export "TG_FAKE_TLS6_$v=https://[::1]:$(cat "$dir/tls6-$kind")"
done
"$bin" "$@"
