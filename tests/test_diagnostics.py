#!/usr/bin/env python3
"""What a newcomer sees when a bot cannot run: every example and the README's "A bot in a few lines"
must say why it stops (no token, bad token 401, 409 conflict) or waits (offline), through the logger
(tg_log_stderr), with the right exit status, and never print the token.
tests/test_diagnostics.py BUILD_DIR. Starts its own fake Bot API server. Prints "N passed, M failed"."""
import json, os, queue, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"   # well-formed; the fake server decides its fate
POLLERS = ["echo_bot", "commands_bot"]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s\n    | %s" % (name, detail.strip().replace("\n", "\n    | ")))


def start_fake():
    d = tempfile.mkdtemp()
    pf = os.path.join(d, "port")
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_server.py"), "--port", "0", "--portfile", pf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and p.poll() is None:      # wait for the condition, not a fixed time
        if os.path.exists(pf) and open(pf).read().strip():
            return p, "http://127.0.0.1:%s" % open(pf).read().strip(), d
        time.sleep(0.02)
    sys.exit("fake server did not start")


def ctl(path, body=None):
    rq = urllib.request.Request(URL + path, data=json.dumps(body).encode() if body is not None else b"",
                                method="POST", headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(rq, timeout=30))


def env(**kw):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    e.update(kw)
    return e


def run(args, environ, timeout=30):
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=environ)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as t:
        return "timeout", (t.stdout or b"").decode(errors="replace") + (t.stderr or b"").decode(errors="replace")


def run_until(args, environ, want, timeout=20):
    """Starts a long-running bot, waits until a stderr line contains `want`, then SIGTERMs it.
    Returns (saw_line, exit status, all output)."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ)
    lines, q = [], queue.Queue()
    threading.Thread(target=lambda: [q.put(l) for l in p.stdout] + [q.put(None)], daemon=True).start()
    saw, deadline = False, time.monotonic() + timeout
    while not saw and time.monotonic() < deadline:
        try:
            l = q.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if l is None:
            break
        lines.append(l)
        saw = want in l
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill(); rc = "no exit after SIGTERM"
    while True:
        try:
            l = q.get(timeout=5)
        except queue.Empty:
            break
        if l is None:
            break
        lines.append(l)
    return saw, rc, "".join(lines)


def closed_port():
    """A loopback port bound but not listening: connecting is refused, and nobody else can take it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, "http://127.0.0.1:%d" % s.getsockname()[1]


fake, URL, tmpdir = start_fake()
hold, DEAD = closed_port()
try:
    bins = {n: os.path.join(BUILD, n) for n in POLLERS + ["stars_gifts", "webhook_bot"]}
    bins["readme_bot"] = os.path.join(BUILD, "readme", "bot")
    for n, b in bins.items():
        if not os.access(b, os.X_OK):
            sys.exit("missing %s: build it first (make examples readme-example)" % b)

    # ---- no token: every program says so and exits 1 ----
    for n, b in bins.items():
        args = [b, URL] if n in POLLERS + ["stars_gifts"] else [b]
        rc, out = run(args, env(TELEGRAM_API_URL=URL, WEBHOOK_PORT="0"))
        check(n + "_no_token", rc == 1 and "tgbot error: no bot token" in out, "rc=%s\n%s" % (rc, out))

    # ---- bad token: Telegram answers 401 ----
    for n in POLLERS:
        ctl("/_ctl/reset")
        ctl("/_ctl/result", {"method": "getUpdates", "error": {"error_code": 401, "description": "Unauthorized"}})
        rc, out = run([bins[n], URL, TOKEN], env())
        check(n + "_401_stops_and_says_why", rc == 1 and "polling stopped: 401 Unauthorized" in out and TOKEN not in out,
              "rc=%s\n%s" % (rc, out))
    ctl("/_ctl/reset")
    ctl("/_ctl/result", {"method": "getMyStarBalance", "error": {"error_code": 401, "description": "Unauthorized"}})
    rc, out = run([bins["stars_gifts"], URL, TOKEN], env())
    check("stars_gifts_401_stops_and_says_why", rc == 1 and "getMyStarBalance failed: Unauthorized" in out
          and "rejected the bot token (401)" in out and TOKEN not in out, "rc=%s\n%s" % (rc, out))
    ctl("/_ctl/reset")
    ctl("/_ctl/result", {"method": "setWebhook", "error": {"error_code": 401, "description": "Unauthorized"}})
    rc, out = run([bins["webhook_bot"]], env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=URL, WEBHOOK_PORT="0",
                                             WEBHOOK_URL="https://example.org/tg"))
    check("webhook_bot_401_stops_and_says_why", rc == 1 and "setWebhook failed: Unauthorized" in out and TOKEN not in out,
          "rc=%s\n%s" % (rc, out))

    # ---- 409: a webhook is set, or another instance polls ----
    for n in POLLERS:
        ctl("/_ctl/reset")
        ctl("/_ctl/result", {"method": "getUpdates", "error": {"error_code": 409,
            "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}})
        rc, out = run([bins[n], URL, TOKEN], env())
        check(n + "_409_stops_and_says_why", rc == 1 and "polling stopped: 409 Conflict" in out, "rc=%s\n%s" % (rc, out))

    # ---- offline: nothing listens. Pollers log each failed attempt and keep trying; SIGTERM stops them ----
    for n in POLLERS:
        saw, rc, out = run_until([bins[n], DEAD, TOKEN], env(), "getUpdates: cannot connect to 127.0.0.1")
        check(n + "_offline_says_why_and_stops_on_sigterm", saw and rc == 0 and TOKEN not in out, "rc=%s\n%s" % (rc, out))
    rc, out = run([bins["stars_gifts"], DEAD, TOKEN], env(), timeout=60)
    check("stars_gifts_offline_says_why", rc == 1 and "getMyStarBalance failed: cannot connect" in out, "rc=%s\n%s" % (rc, out))
    rc, out = run([bins["webhook_bot"]], env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=DEAD, WEBHOOK_PORT="0",
                                             WEBHOOK_URL="https://example.org/tg"), timeout=60)
    check("webhook_bot_offline_says_why", rc == 1 and "setWebhook failed: cannot connect" in out, "rc=%s\n%s" % (rc, out))
    # the README bot talks to api.telegram.org only: offline means a network namespace without network
    # (-n as root; -rn maps the user to root in a user namespace where unprivileged ones are allowed)
    ns = [a for a in (["unshare", "-n"], ["unshare", "-rn"]) if shutil.which("unshare")
          and subprocess.run(a + ["true"], capture_output=True).returncode == 0][:1]
    if ns:
        saw, rc, out = run_until(ns[0] + [bins["readme_bot"]], env(TELEGRAM_BOT_TOKEN=TOKEN),
                                 "getUpdates: cannot resolve api.telegram.org")
        check("readme_bot_offline_says_why_and_stops_on_sigterm", saw and rc == 0 and TOKEN not in out,
              "rc=%s\n%s" % (rc, out))
    else:
        print("skip readme_bot_offline: `unshare -n`/`unshare -rn` (a network namespace) needs root or user namespaces")
    print("note: the README bot's 401/409 lines come from the same tg_run_polling path checked above "
          "(it has no base URL to point at the fake server)")
finally:
    fake.terminate()
    fake.wait()
    hold.close()
    shutil.rmtree(tmpdir, ignore_errors=True)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
