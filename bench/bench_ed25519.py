#!/usr/bin/env python3
"""bench_ed25519.py PROGRAM [ROUNDS [PORTABLE_PROGRAM]]: signs 64 messages with Python's cryptography (OpenSSL), feeds
them to the C benchmark PROGRAM, and times the same verifications in cryptography, rounds
interleaved (C, Python, C, Python, ...) so both see the same machine load. Prints the medians and
the ratio C / OpenSSL. PORTABLE_PROGRAM (the same benchmark built with TGBOT_ED25519_PORTABLE,
the radix-2^25.5 field arithmetic of compilers without 128-bit integers) joins the rounds when given."""
import os, statistics, subprocess, sys, time
try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives import serialization
except ImportError:
    print("bench-ed25519: skipped: python3-cryptography is not installed"); sys.exit(0)

prog = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
portable = sys.argv[3] if len(sys.argv) > 3 else None
raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
items, lines = [], []
for i in range(64):
    k = Ed25519PrivateKey.generate()
    msg = os.urandom(16 + 3 * i)   # 16..205 bytes: init data is about this size
    sig = k.sign(msg)
    pub = k.public_key().public_bytes(*raw)
    items.append((Ed25519PublicKey.from_public_bytes(pub), sig, msg))
    lines.append("%s %s %s\n" % (pub.hex(), sig.hex(), msg.hex()))
data = "".join(lines)

def py_rate():
    count, t0 = 0, time.perf_counter()
    while True:
        for pub, sig, msg in items:
            pub.verify(sig, msg)   # raises on failure
            count += 1
        t = time.perf_counter() - t0
        if t >= 0.4:
            return count / t

def c_rate(p):
    out = subprocess.run([p, "1"], input=data, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])

c, py, pc = [], [], []
for _ in range(rounds):
    c.append(c_rate(prog))
    py.append(py_rate())
    if portable:
        pc.append(c_rate(portable))
cm, pm = statistics.median(c), statistics.median(py)
print("ed25519 verify, %d rounds interleaved, medians:" % rounds)
print("  tgbot.h (C, radix 2^51)       %8.0f verifications/s" % cm)
if portable:
    print("  tgbot.h (C, radix 2^25.5)     %8.0f verifications/s" % statistics.median(pc))
print("  Python cryptography (OpenSSL) %8.0f verifications/s" % pm)
if portable:
    print("  ratio portable / OpenSSL      %8.2fx" % (statistics.median(pc) / pm))
print("  ratio tgbot.h / OpenSSL       %8.2fx (goal >= 0.3x)" % (cm / pm))
