#!/bin/sh
# Runs a test binary with the fake Bot API server on a free loopback port (when the server exists).
# The binary finds it in TG_FAKE_URL (http://127.0.0.1:PORT) and TG_FAKE_CTL for the control API.
set -u
bin=$1; shift
if [ -f tests/fake_server.py ]; then
    dir=$(mktemp -d); trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
    python3 tests/fake_server.py --port 0 --portfile "$dir/port" >"$dir/log" 2>&1 &
    pid=$!
    i=0; while [ ! -s "$dir/port" ] && [ $i -lt 500 ] && kill -0 $pid 2>/dev/null; do i=$((i+1)); sleep 0.02; done
    [ -s "$dir/port" ] || { echo "fake server did not start:"; cat "$dir/log"; exit 1; }
    export TG_FAKE_URL="http://127.0.0.1:$(cat "$dir/port")"
fi
"$bin" "$@"
