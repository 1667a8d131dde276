#!/bin/sh
# make bench-redis: the store's operations through Redis against redis-benchmark on the same
# server, same concurrency (1 and 4 clients), pipeline depth 1. Medians of 3 runs each.
# Run under tests/redis/with_redis.sh (TG_REDIS_PORT).
set -eu
B=$1; N=${BENCH_N:-20000}; P=$TG_REDIS_PORT
# the admit script the store loads (same text: its SHA1 is what EVALSHA names)
SHA=$(redis-cli -p "$P" SCRIPT LOAD "$(python3 - <<'PY'
import re
src = open("src/store_redis.c").read()
m = re.search(r'tg__lua_admit\[\] =\s*((?:"(?:[^"\\]|\\.)*"\s*)+);', src)
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).replace("\\'", "'"))
PY
)")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours() {   # OP CLIENTS -> ops/s (all clients together)
    for r in 1 2 3; do
        t0=$(date +%s.%N); i=0; pids=""
        while [ $i -lt "$2" ]; do "$B" "$P" "$1" "$N" >/dev/null & pids="$pids $!"; i=$((i+1)); done
        for p in $pids; do wait $p; done
        t1=$(date +%s.%N); echo "$2 * $N / ($t1 - $t0)" | bc -l
    done | median
}
theirs() { # CLIENTS CMD... -> requests/s
    c=$1; shift
    for r in 1 2 3; do redis-benchmark -p "$P" -n $((N * c)) -c "$c" -P 1 -q "$@" | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -n 1 | cut -d' ' -f1; done | median
}
for c in 1 4; do
    o=$(ours admit $c); t=$(theirs $c EVALSHA "$SHA" 2 bench:rb bench:rb:p 1 1000000000)
    printf 'admit  clients=%d  tgbot=%8.0f/s  redis-benchmark EVALSHA=%8.0f/s  ratio=%.2f\n' $c "$o" "$t" "$(echo "$o / $t" | bc -l)"
    [ $c -eq 4 ] && printf 'redis_vs_redis_benchmark: %.2f\n' "$(echo "$o / $t" | bc -l)"
done
for op in get set; do
    o=$(ours $op 1); case $op in get) t=$(theirs 1 GET bench:rb);; set) t=$(theirs 1 SET bench:rb value);; esac
    printf '%-5s  clients=1  tgbot=%8.0f/s  redis-benchmark=%8.0f/s  ratio=%.2f\n' $op "$o" "$t" "$(echo "$o / $t" | bc -l)"
done
