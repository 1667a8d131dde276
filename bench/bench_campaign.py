#!/usr/bin/env python3
"""make bench-campaign: a gift campaign of N recipients (default 10000) against the fake server's
Stars ledger, rate limits off, with the journal fsynced per record (each), per group of intents
(group, the default), never (off), and without a journal (none). The modes run interleaved,
ROUNDS times (default 3); the table shows medians. Run inside tests/with_servers.sh."""
import json, os, statistics, subprocess, sys, tempfile, urllib.request

URL = os.environ["TG_FAKE_URL"]
BIN = sys.argv[1]
N = int(os.environ.get("BENCH_RECIPIENTS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
MODES = ["none", "off", "group", "each"]
GIFT = {"id": "5170145012310081615", "star_count": 15,
        "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 512, "height": 512,
                    "is_animated": False, "is_video": False}}


def ctl(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    rq = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(rq, timeout=60))


tmp = tempfile.mkdtemp(prefix="tgbot-bench-campaign-")   # the journal lives where the temp files do
res = {m: [] for m in MODES}
for rnd in range(ROUNDS):
    for m in MODES:
        j = os.path.join(tmp, "c-%s-%d.j" % (m, rnd))
        ctl("POST", "/_ctl/reset")
        ctl("POST", "/_ctl/stars", {"balance": 15 * N, "gifts": [GIFT]})
        out = subprocess.run([BIN, URL, m, str(N), j], capture_output=True, text=True, timeout=3600)
        if out.returncode != 0:
            sys.exit("bench_campaign %s failed: %s" % (m, out.stderr))
        kv = dict(x.split("=") for x in out.stdout.split())
        res[m].append((float(kv["seconds"]), int(kv["journal_bytes"]), int(kv["fsyncs"])))
        for p in (j, j + ".lock"):
            if os.path.exists(p):
                os.unlink(p)
os.rmdir(tmp)
base = statistics.median(N / s for s, _, _ in res["none"])
print("gift campaign: %d recipients, fake server, rate limits off; median of %d interleaved rounds (journal in %s)"
      % (N, ROUNDS, tempfile.gettempdir()))
print("%-28s %14s %10s %18s %10s" % ("journal", "gifts/s", "vs none", "bytes/recipient", "fsyncs"))
names = {"none": "none (no crash safety)", "off": "fsync off", "group": "fsync per group (adaptive)", "each": "fsync per record"}
for m in MODES:
    rate = statistics.median(N / s for s, _, _ in res[m])
    b = statistics.median(x for _, x, _ in res[m])
    f = statistics.median(x for _, _, x in res[m])
    print("%-28s %14.0f %9.2fx %18.1f %10d" % (names[m], rate, rate / base, b / N if m != "none" else 0.0, f))
