#!/usr/bin/env python3
"""webapp_sig.py N: Web App init data signed now with Ed25519 by Python's cryptography, the way
Telegram signs it for third parties (Bot API 8.0): over "<bot_id>:WebAppData\n" + the sorted
key=value lines without hash and signature; signature base64url without padding. Prints one case a
line, "EXPECT BOT_ID PUBKEY_HEX NOW MAX_AGE INIT_DATA", for tests/crypto/check_webapp.c: each
genuine sample, then tampered variants that must be refused."""
import base64, json, os, random, sys, urllib.parse as up
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
rng = random.Random(int.from_bytes(os.urandom(8), "big"))


def sign(key, bot_id, fields):
    signed = sorted(k for k in fields if k not in ("hash", "signature"))
    text = "%d:WebAppData\n" % bot_id + "\n".join("%s=%s" % (k, fields[k]) for k in signed)
    return base64.urlsafe_b64encode(key.sign(text.encode())).decode().rstrip("=")


def query(fields):
    items = list(fields.items())
    rng.shuffle(items)   # order on the wire does not matter
    return up.urlencode(items, quote_via=up.quote)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
now = 1796000000
for i in range(n):
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(*RAW).hex()
    bot = rng.randrange(1, 1 << 40)
    ad = now - rng.randrange(0, 3000)
    user = {"id": rng.randrange(1, 1 << 52), "first_name": "Ада \U0001F381 & =%+", "username": "u%d" % i}
    f = {"auth_date": str(ad), "query_id": "AAH%08x" % rng.randrange(1 << 32),
         "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")), "chat_instance": str(-rng.randrange(1 << 62))}
    if i % 2:
        f["hash"] = os.urandom(32).hex()   # present or not: excluded from the signed text
    good = dict(f, signature=sign(key, bot, f))
    case = lambda exp, q, b=bot, t=now, age=3600: print(exp, b, pub, t, age, q)
    case("OK", query(good))
    case("OK", query(good), age=0)
    case("EXPIRED", query(good), t=ad + 3601)
    case("SIGNATURE", query(good), b=bot + 1)
    case("SIGNATURE", query(dict(good, user=good["user"].replace("u%d" % i, "v%d" % i))))
    case("SIGNATURE", query(dict(good, auth_date=str(ad + 1))))
    case("SIGNATURE", query(dict(good, extra="1")))
    case("SIGNATURE", query({k: v for k, v in good.items() if k != "query_id"}))
    case("SIGNATURE", query(dict(good, signature=sign(other, bot, f))))
    s = good["signature"]
    j = rng.randrange(0, 80)
    case("SIGNATURE", query(dict(good, signature=s[:j] + ("A" if s[j] != "A" else "B") + s[j + 1:])))
    case("ARG", query({k: v for k, v in good.items() if k != "signature"}))
    case("ARG", query(dict(good, signature=s[:-1])))
