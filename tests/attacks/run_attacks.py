#!/usr/bin/env python3
"""make test-attacks: the webhook server (tests/attacks/attack_server.c, default hardening) under attack.

  run_attacks.py SERVER_BINARY [ATTACK...]      every attack (or the ones named), one fresh server each

For each attack a legit sender (this process, 127.0.0.1, 4 keep-alive connections opened after the
attack has started, like Telegram: an update whose answer does not come is sent again) delivers
LEGIT updates at LEGIT_RATE per second while the attacker (a child process, from other loopback addresses 127.0.0.2+) runs.
Printed per attack: legit updates the server handled exactly once / lost / more than once, the
legit p99 latency (first send to answer), the server's busiest 250 ms CPU window (in cores) and its
peak RSS. An attack passes with LEGIT/0/0, p99 < 100 ms, RSS < 16 MB and CPU <= 1 core (plus its
own check, e.g. nothing smuggled got dispatched). Loopback only; every loop is bounded in time.
Last line: "N passed, N failed"."""
import asyncio, json, os, random, signal, ssl, subprocess, sys, tempfile, time

SECRET = "attack_Secret-0123456789abcdef"
LEGIT = 2000
LEGIT_CONNS = 4
LEGIT_RATE = 500          # updates/s: 2,000 take 4 s, so each attack runs that long against them
LEGIT_DEADLINE_S = 20.0
RAMP_S = 0.7
HERE = os.path.dirname(os.path.abspath(__file__))


def update(uid, text="hello"):
    return ('{"update_id":%d,"message":{"message_id":%d,"date":1732400000,"chat":{"id":42,"type":"private"},'
            '"from":{"id":42,"is_bot":false,"first_name":"A"},"text":"%s"}}' % (uid, uid, text)).encode()


def request(body, secret=SECRET, path="/tg", extra=b""):
    head = b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
        path.encode(), len(body))
    if secret is not None:
        head += b"X-Telegram-Bot-Api-Secret-Token: " + secret.encode() + b"\r\n"
    return head + extra + b"\r\n" + body


# ---------------------------------------------------------------- the legit sender
async def read_answer(r):
    head = await r.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    n = 0
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":", 1)[1])
    if n:
        await r.readexactly(n)
    return status


async def legit(port, tls):
    ids = list(range(1, LEGIT + 1))
    lat, resent = [], [0]
    start = time.monotonic()
    deadline = start + LEGIT_DEADLINE_S

    async def worker():
        conn = None
        while ids and time.monotonic() < deadline:
            uid = ids.pop(0)
            wait = start + (uid - 1) / LEGIT_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            first = time.monotonic()
            while time.monotonic() < deadline:
                try:
                    if conn is None:
                        conn = await asyncio.wait_for(asyncio.open_connection(
                            "127.0.0.1", port, ssl=tls, local_addr=("127.0.0.1", 0),
                            server_hostname="127.0.0.1" if tls else None), 2.0)
                    conn[1].write(request(update(uid)))
                    status = await asyncio.wait_for(read_answer(conn[0]), 2.0)
                    if status == 200:
                        lat.append(time.monotonic() - first)
                        break
                    raise ConnectionError("status %d" % status)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, ValueError, IndexError):
                    resent[0] += 1
                    if conn:
                        conn[1].close()
                    conn = None
                    await asyncio.sleep(0.02)
        if conn:
            conn[1].close()

    await asyncio.gather(*[worker() for _ in range(LEGIT_CONNS)])
    return lat, resent[0]


# ---------------------------------------------------------------- attackers (run in a child process)
def src(i):
    return ("127.0.0.%d" % (2 + i % 250), 0)


async def hold(port, tls, addr, first, then, every, stop):
    """one connection: sends first, then `then` every `every` s; reconnects when closed"""
    while time.monotonic() < stop:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=addr), 2.0)
            w.write(first)
            while time.monotonic() < stop:
                await asyncio.sleep(every)
                if then:
                    w.write(then)
                await w.drain()
                if r.at_eof():
                    break
            w.close()
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.05)


async def blast(port, addr, payload, stop, read=True):
    """writes payload on a fresh connection, reads what comes back, again until stop"""
    while time.monotonic() < stop:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=addr), 2.0)
            w.write(payload)
            await asyncio.wait_for(w.drain(), 2.0)
            if read:
                try:
                    await asyncio.wait_for(r.read(1 << 16), 1.0)
                except asyncio.TimeoutError:
                    pass
            w.close()
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0)


async def slowloris(port, stop):
    # 300 connections from 4 addresses (75 each: under the per-source limit), a header byte per second
    await asyncio.gather(*[hold(port, None, src(i % 4), b"POST /tg HTTP/1.1\r\nHost: x\r\n", b"X", 1.0, stop) for i in range(300)])


async def conn_flood(port, stop):
    async def one(i):
        while time.monotonic() < stop:
            try:
                _, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=src(10 + i % 20)), 2.0)
                w.close()
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.01)
    await asyncio.gather(*[one(i) for i in range(60)])


async def fd_exhaustion(port, stop):
    # the server runs with 64 descriptors; 200 idle connections from 4 addresses
    await asyncio.gather(*[hold(port, None, src(30 + i % 4), b"", None, 0.5, stop) for i in range(200)])


async def tls_junk(port, stop):
    # a TLS record header that promises a ClientHello which never comes, and random bytes
    half = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) + os.urandom(20)
    tasks = [hold(port, None, src(40 + i % 10), half, None, 0.5, stop) for i in range(100)]
    tasks += [blast(port, src(50 + i % 10), os.urandom(512), stop) for i in range(20)]
    await asyncio.gather(*tasks)


async def wrong_secret_pipeline(port, stop):
    batch = b"".join(request(update(100000 + k), secret="wrong_secret") for k in range(1000))
    await asyncio.gather(*[blast(port, src(60 + i), batch, stop) for i in range(4)])


async def header_body_flood(port, stop):
    many = b"POST /tg HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n"
    long_line = b"POST /tg HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 100000 + b"\r\n\r\n"
    huge_len = b"POST /tg HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n" + os.urandom(4096)
    big_body = request(os.urandom(900000), secret=None)
    tasks = [blast(port, src(70 + i % 10), p, stop) for i, p in enumerate([many, long_line, huge_len, big_body] * 3)]
    await asyncio.gather(*tasks)


SMUGGLED_BASE = 900000


async def smuggling(port, stop):
    # front-end/back-end disagreement on the body's end: whatever follows "0\r\n\r\n" must never run
    inner = request(update(SMUGGLED_BASE + 1))
    variants = []
    for te in (b"Transfer-Encoding: chunked", b"Transfer-Encoding : chunked", b"Transfer-Encoding: chunked, identity",
               b"Transfer-Encoding:\tchunked", b"transfer-encoding: CHUNKED"):
        body = b"0\r\n\r\n" + inner
        variants.append(b"POST /tg HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s\r\nX-Telegram-Bot-Api-Secret-Token: %s\r\n\r\n%s" % (
            len(body), te, SECRET.encode(), body))
        variants.append(b"POST /tg HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Length: 5\r\nX-Telegram-Bot-Api-Secret-Token: %s\r\n\r\n0\r\n\r\n%s" % (
            te, SECRET.encode(), inner))
    variants.append(b"POST /tg HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: %d\r\nX-Telegram-Bot-Api-Secret-Token: %s\r\n\r\n0\r\n\r\n%s" % (
        5 + len(inner), SECRET.encode(), inner))
    await asyncio.gather(*[blast(port, src(80 + i % 10), v, stop) for i, v in enumerate(variants)])


async def hostile_json(port, stop):
    # with the right secret (the worst case: a leaked secret or a compromised proxy)
    deep = request(b'{"update_id":900001,"message":' + b"[" * 100000)
    long_str = request(b'{"update_id":900002,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"'
                       + b"a" * 1000000 + b'"}}')
    numbers = request(b'{"update_id":1' + b"0" * 5000 + b',"message":{"message_id":1e999999999,"date":-1e-999999}}')
    members = request(b'{"update_id":900003,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"group"},"new_chat_members":['
                      + b"{}," * 300000 + b"{}]}}")
    await asyncio.gather(*[blast(port, src(90 + i), p, stop) for i, p in enumerate([deep, long_str, numbers, members])])


async def nothing(port, stop):
    await asyncio.sleep(max(0.0, stop - time.monotonic()))


ATTACKS = {
    "none": (nothing, {}),
    "slowloris": (slowloris, {}),
    "connection_flood": (conn_flood, {}),
    "fd_exhaustion": (fd_exhaustion, {"nofile": 64}),
    "tls_half_open_and_junk": (tls_junk, {"tls": True}),
    "pipelined_wrong_secret": (wrong_secret_pipeline, {}),
    "header_and_body_flood": (header_body_flood, {}),
    "request_smuggling": (smuggling, {"smuggling": True}),
    "hostile_json": (hostile_json, {}),
}


def attacker_main(name, port, seconds):
    fn = ATTACKS[name][0]
    stop = time.monotonic() + seconds
    try:
        asyncio.run(asyncio.wait_for(fn(port, stop), seconds + 5))
    except asyncio.TimeoutError:
        pass


# ---------------------------------------------------------------- the run
def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])


def run_one(binary, name, certs):
    fn, opt = ATTACKS[name]
    tmp = tempfile.mkdtemp(prefix="attack-")
    portfile = os.path.join(tmp, "port")
    args = [binary, portfile]
    tls = None
    if opt.get("tls"):
        args += ["--tls", os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")]
        tls = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    if opt.get("nofile"):
        args += ["--nofile", str(opt["nofile"])]
    errlog = open(os.path.join(tmp, "server.log"), "w")
    srv = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errlog, text=True)
    t = time.monotonic()
    while not (os.path.exists(portfile) and open(portfile).read().strip()):
        if srv.poll() is not None or time.monotonic() - t > 5:
            print("%-24s server did not start" % name)
            return False
        time.sleep(0.02)
    port = int(open(portfile).read())
    # the attacker: a child process, so that it does not share this process's event loop
    att = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--attacker", name, str(port), str(LEGIT_DEADLINE_S + 2)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tick = os.sysconf("SC_CLK_TCK")
    samples = []

    async def sample(done):
        last, lt = cpu_ticks(srv.pid), time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.25)
            now, nt = cpu_ticks(srv.pid), time.monotonic()
            samples.append((now - last) / tick / (nt - lt))
            last, lt = now, nt

    async def main():
        done = asyncio.Event()
        s = asyncio.ensure_future(sample(done))
        await asyncio.sleep(RAMP_S)                 # the attack is under way before the first legit connection
        res = await legit(port, tls)
        done.set()
        await s
        return res

    lat, resent = asyncio.run(main())
    att.kill()
    att.wait()
    srv.send_signal(signal.SIGTERM)
    try:
        out, _ = srv.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        srv.kill()
        out, _ = srv.communicate()
    errlog.close()
    try:
        r = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("%-24s no report from the server" % name)
        return False
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("inf")
    cpu = max(samples) if samples else 0.0
    rss = r["maxrss_kb"] / 1024.0
    ok = r["once"] == LEGIT and r["lost"] == 0 and r["dup"] == 0 and p99 < 100 and rss < 16 and cpu <= 1.05
    note = ""
    if opt.get("smuggling"):
        ok = ok and r["others"] == 0
        note = " smuggled_dispatched=%d" % r["others"]
    print("%-24s legit %d/%d/%d  p99 %6.1f ms  cpu %.2f core (max 250 ms)  rss %5.1f MB  resent %d  "
          "[conns %d evicted %d blocked %d accept_failures %d pauses %d]%s  %s" % (
              name, r["once"], r["lost"], r["dup"], p99, cpu, rss, resent, r["connections"], r["evicted"],
              r["blocked"], r["accept_failures"], r["accept_pauses"], note, "PASS" if ok else "FAIL"), flush=True)
    return ok


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--attacker":
        attacker_main(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        return 0
    binary = sys.argv[1]
    names = sys.argv[2:] or list(ATTACKS)
    certs = os.path.join(os.path.dirname(os.path.abspath(binary)), "attack-certs")
    if subprocess.call([os.path.join(HERE, "..", "certs.sh"), certs]) != 0:
        print("test-attacks: tests/certs.sh failed (openssl missing?)")
        return 1
    print("attack                   legit once/lost/dup of %d, p99 first send to answer, server CPU and peak RSS" % LEGIT)
    passed = failed = 0
    for n in names:
        if run_one(binary, n, certs):
            passed += 1
        else:
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
