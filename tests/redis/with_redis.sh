#!/bin/sh
# Runs a command with a throw-away redis-server on a free loopback port (TG_REDIS_PORT), or says
# why it cannot (then exits 0 after printing a skip line, as the issue allows only where
# redis-server cannot be installed).
set -u
RS=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$RS" ] || { echo "skipped: redis-server not installed (tests/deps.sh installs it)"; echo "0 passed, 0 failed"; exit 0; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$RS" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
i=0; until redis-cli -p "$port" ping >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 250 ] && { cat "$dir/redis.log"; exit 1; }; sleep 0.02; done
export TG_REDIS_PORT=$port TG_REDIS_PID=$pid TG_REDIS_DIR=$dir TG_REDIS_BIN=$RS
"$@"
