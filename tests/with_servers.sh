#!/bin/sh
# Runs a test binary with the servers its tests talk to, on free loopback ports:
#   TG_FAKE_URL        fake Bot API server over HTTP
#   TG_FAKE_TLS_<KIND> fake Bot API server over HTTPS with the certificate KIND (VALID, WRONGHOST,
#                      EXPIRED, UNKNOWN, SELFSIGNED), as https://localhost:PORT; TG_TLS_DIR holds ca.pem
#   TG_FAULT_URL       the byte-exact fault server (tests/http/fault_server.py)
set -u
bin=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d); pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$dir"' EXIT
wait_port() {
    i=0; while [ ! -s "$1" ] && [ $i -lt 500 ]; do i=$((i+1)); sleep 0.02; done
    [ -s "$1" ] || { echo "server for $1 did not start:"; cat "$1.log" 2>/dev/null; exit 1; }
}
python3 "$here/fake_server.py" --port 0 --portfile "$dir/fake" >"$dir/fake.log" 2>&1 & pids="$pids $!"
python3 "$here/http/fault_server.py" "$dir/fault" >"$dir/fault.log" 2>&1 & pids="$pids $!"
"$here/certs.sh" "$dir/certs"
export TG_TLS_DIR="$dir/certs"
for kind in server wronghost expired unknown selfsigned; do
    python3 "$here/fake_server.py" --port 0 --portfile "$dir/tls-$kind" \
        --tls-cert "$dir/certs/$kind.pem" --tls-key "$dir/certs/$kind.key" >"$dir/tls-$kind.log" 2>&1 &
    pids="$pids $!"
done
wait_port "$dir/fake"; wait_port "$dir/fault"
export TG_FAKE_URL="http://127.0.0.1:$(cat "$dir/fake")"
export TG_FAULT_URL="http://127.0.0.1:$(cat "$dir/fault")"
for kind in server wronghost expired unknown selfsigned; do
    wait_port "$dir/tls-$kind"
    v=$(echo "$kind" | tr a-z A-Z); [ "$v" = SERVER ] && v=VALID
    export "TG_FAKE_TLS_$v=https://localhost:$(cat "$dir/tls-$kind")"
done
"$bin" "$@"
