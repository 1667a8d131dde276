#!/usr/bin/env python3
"""Shared flood control (run under tests/redis/with_redis.sh): 4 sender processes broadcast 600
messages to 20 private chats for one token through the rate limiter's lanes in Redis, against the
fake server in its Telegram-limits mode (tests/fake_server.py --telegram-limits: 1 s per private
chat, 30/s per bot). The minimum from first principles: 30 messages to one chat at 1/s take
29 s from the first to the last (the bot-wide 30/s allows 600 in 20 s, so the chats bind). Passes
when the server answered 429 zero times, accepted all 600, and the time is <= 1.15 x the minimum.
Prints "N passed, N failed".    test_flood_shared.py SENDER_BINARY"""
import json, os, subprocess, sys, tempfile, time, urllib.request

PROCS, CHATS, PER = 4, 20, 30
here = os.path.dirname(os.path.abspath(__file__))
d = tempfile.mkdtemp()
pf = os.path.join(d, "port")
srv = subprocess.Popen([sys.executable, os.path.join(here, "..", "fake_server.py"), "--port", "0", "--portfile", pf,
                        "--telegram-limits"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "log"), "w"))
passed = failed = 0


def check(name, ok, detail):
    global passed, failed
    passed, failed = passed + ok, failed + (not ok)
    print("%-52s %s %s" % (name, "ok" if ok else "FAIL", detail))


try:
    for _ in range(500):
        if os.path.exists(pf) and open(pf).read().strip(): break
        time.sleep(0.02)
    url = "http://127.0.0.1:%s" % open(pf).read().strip()
    t0 = time.time()
    ps = [subprocess.Popen([sys.argv[1], url, os.environ["TG_REDIS_PORT"], str(i), str(PROCS), str(CHATS), str(PER)])
          for i in range(PROCS)]
    rcs = [p.wait(180) for p in ps]
    elapsed = time.time() - t0
    lim = json.load(urllib.request.urlopen(url + "/_ctl/limits"))["result"]
    minimum = PER - 1
    ratio = elapsed / minimum
    check("every sender sent all its messages", rcs == [0] * PROCS, "exit codes %s" % rcs)
    check("the server accepted all %d messages" % (CHATS * PER), lim["accepted"] == CHATS * PER, "accepted=%d" % lim["accepted"])
    check("zero answers of 429", lim["refused"] == 0, "flood_shared_429s: %d" % lim["refused"])
    check("time within 1.15 x the minimum", ratio <= 1.15, "%.2f s vs %d s: flood_shared_time_vs_min: %.3f" % (elapsed, minimum, ratio))
finally:
    srv.terminate(); srv.wait(10)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
