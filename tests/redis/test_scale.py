#!/usr/bin/env python3
"""Scale-out test (run by tests/redis/with_redis.sh, which starts redis-server): 4 webhook worker
processes behind a round-robin forwarder share one Redis. 10,000 updates from 50 conversations
(200 steps each, interleaved) are delivered one at a time in order; 5 % are delivered again to a
different worker (as Telegram does after a timeout). Then, reading Redis directly:
  - every update was handled exactly once (scale:handled:<id> == 1 for all 10,000);
  - no conversation lost its state when it moved between workers (scale:gaps == 0);
  - the duplicates were recognised (scale:duplicates_skipped == number of re-deliveries);
and Redis is killed and restarted mid-run: deliveries during the outage are refused with 503 (no
claim is possible: TG_RETRY_LATER), delivered again they are handled once, and the workers recover
by themselves. Prints "N passed, N failed".

    test_scale.py WORKER_BINARY"""
import http.client, json, os, random, signal, socket, subprocess, sys, tempfile, time

WORKERS, UPDATES, CONVS, REDELIVER = 4, 10000, 50, 0.05
SECRET = "scale-test-secret_0123456789"
rport = int(os.environ["TG_REDIS_PORT"])
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok: passed += 1
    else: failed += 1
    print("%-58s %s %s" % (name, "ok" if ok else "FAIL", detail))


def redis(*args):
    """one command over RESP, with a socket of our own (no client library needed)"""
    s = socket.create_connection(("127.0.0.1", rport), 5)
    out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in map(str, args))
    s.sendall(out)
    f = s.makefile("rb")
    def read():
        line = f.readline().rstrip(b"\r\n"); t, rest = line[:1], line[1:]
        if t in (b"+", b"-"): return rest.decode()
        if t == b":": return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0: return None
            data = f.read(n + 2)[:-2]; return data.decode()
        if t == b"*": return [read() for _ in range(int(rest))]
        raise ValueError(line)
    r = read(); s.close(); return r


def update(uid, conv, step):
    return json.dumps({"update_id": uid, "message": {
        "message_id": step, "date": 1700000000, "text": "step %d" % step,
        "chat": {"id": 1000 + conv, "type": "private"},
        "from": {"id": 1000 + conv, "is_bot": False, "first_name": "U%d" % conv}}}).encode()


class Worker:
    def __init__(self, binary, d, i):
        self.pf = os.path.join(d, "w%d.port" % i)
        self.p = subprocess.Popen([binary, str(rport), self.pf, SECRET], stderr=open(os.path.join(d, "w%d.log" % i), "w"))
        for _ in range(500):
            if os.path.exists(self.pf) and open(self.pf).read().strip(): break
            time.sleep(0.01)
        self.port = int(open(self.pf).read())
        self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def post(self, body):
        for attempt in range(2):
            try:
                self.c.request("POST", "/tg", body, {"Content-Type": "application/json",
                                                     "X-Telegram-Bot-Api-Secret-Token": SECRET})
                r = self.c.getresponse(); r.read(); return r.status
            except (ConnectionError, http.client.HTTPException, OSError):
                self.c.close(); self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        return 0


def main():
    binary = sys.argv[1]
    rnd = random.Random(20261202)
    d = tempfile.mkdtemp()
    redis("FLUSHALL")
    ws = [Worker(binary, d, i) for i in range(WORKERS)]
    # the conversations' steps, interleaved at random but each conversation in order
    order, nxt = [], [1] * CONVS
    while len(order) < UPDATES:
        c = rnd.randrange(CONVS)
        if nxt[c] <= UPDATES // CONVS: order.append((c, nxt[c])); nxt[c] += 1
    redelivered, statuses, moved = 0, {}, 0
    t0 = time.time()
    for i, (c, step) in enumerate(order):
        uid = 500000 + i
        w = i % WORKERS
        body = update(uid, c, step)
        st = ws[w].post(body)
        statuses[st] = statuses.get(st, 0) + 1
        if rnd.random() < REDELIVER:
            other = (w + 1 + rnd.randrange(WORKERS - 1)) % WORKERS
            st = ws[other].post(body); redelivered += 1
            statuses[st] = statuses.get(st, 0) + 1
    elapsed = time.time() - t0
    handled = {}
    keys = redis("KEYS", "scale:scale:handled:*")
    vals = redis("MGET", *keys) if keys else []
    for k, v in zip(keys, vals): handled[int(k.rsplit(":", 1)[1])] = int(v)
    once = sum(1 for i in range(UPDATES) if handled.get(500000 + i) == 1)
    twice = sum(1 for v in handled.values() if v > 1)
    lost = UPDATES - len(handled)
    check("every update handled exactly once (%d updates, %d re-deliveries)" % (UPDATES, redelivered),
          once == UPDATES and twice == 0 and lost == 0, "once=%d duplicated=%d lost=%d" % (once, twice, lost))
    gaps = int(redis("GET", "scale:scale:gaps") or 0)
    check("conversations keep their state across workers", gaps == 0, "gaps=%d" % gaps)
    dups = int(redis("GET", "scale:scale:duplicates_skipped") or 0)
    check("each re-delivery recognised as a duplicate", dups == redelivered, "%d/%d" % (dups, redelivered))
    check("every delivery answered 200", statuses.get(200, 0) == UPDATES + redelivered, str(statuses))
    print("scale: %d deliveries to %d workers in %.1f s (%.0f/s)" % (UPDATES + redelivered, WORKERS, elapsed,
          (UPDATES + redelivered) / elapsed))

    # Redis goes away and comes back: deliveries during the outage are not handled (no claim is
    # possible), nothing is handled twice, and the workers serve again without a restart
    pid = int(os.environ["TG_REDIS_PID"])
    os.kill(pid, signal.SIGKILL)
    down = [ws[i % WORKERS].post(update(900000 + i, 0, 100000 + i)) for i in range(8)]
    rs = subprocess.Popen([os.environ["TG_REDIS_BIN"], "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", os.environ["TG_REDIS_DIR"]],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            if redis("PING") == "PONG": break
        except OSError: time.sleep(0.01)
    errs_before = 0
    for i in range(40):                       # after the restart: new conversation, handled once each
        body = update(950000 + i, 49, 1 + i)
        ws[i % WORKERS].post(body); ws[(i + 1) % WORKERS].post(body)
    after = [int(redis("GET", "scale:scale:handled:%d" % (950000 + i)) or 0) for i in range(40)]
    for i in range(8):                        # Telegram delivers the refused ones again
        ws[(i + 1) % WORKERS].post(update(900000 + i, 0, 100000 + i))
    again = [int(redis("GET", "scale:scale:handled:%d" % (900000 + i)) or 0) for i in range(8)]
    check("while Redis is down updates are refused with 503", down == [503] * 8, "statuses=%s" % down)
    check("... and handled once when delivered again", again == [1] * 8, "handled=%s" % again)
    check("after Redis restarts every worker recovers, each update once", after == [1] * 40,
          "handled=%s" % after.count(1))
    for w in ws: w.p.send_signal(signal.SIGTERM)
    for w in ws: w.p.wait(10)
    rs.terminate(); rs.wait(10)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
