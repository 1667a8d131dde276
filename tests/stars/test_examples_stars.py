#!/usr/bin/env python3
"""Runs gift_shop and business_bot against the fake server's Stars ledger ($TG_FAKE_URL, from
tests/with_servers.sh) and checks what they did: tests/stars/test_examples_stars.py BUILD_DIR.
Prints "N passed, M failed"."""
import json, os, signal, subprocess, sys, tempfile, urllib.request

URL = os.environ["TG_FAKE_URL"]
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
GIFT = {"id": "5170145012310081615", "star_count": 15,
        "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 512, "height": 512,
                    "is_animated": False, "is_video": False}}
passed = failed = 0


def ctl(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    rq = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(rq, timeout=30))


def calls(name):
    return [r for r in ctl("GET", "/_ctl/requests")["result"] if r["method"] == name]


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail[-2000:]))


def user(uid):
    return {"id": uid, "is_bot": False, "first_name": "U%d" % uid}


def run_until(args, offset):
    """starts a polling example, waits until updates below offset are confirmed, stops it (SIGTERM)"""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    waited = ctl("GET", "/_ctl/wait?offset=%d&timeout=20" % offset)
    p.send_signal(signal.SIGTERM)
    out = p.communicate(timeout=20)[0]
    return waited["ok"] and p.returncode == 0, out


tmp = tempfile.mkdtemp(prefix="tgbot-stars-ex-")
tok = os.path.join(tmp, "token")
with open(tok, "w") as f:
    f.write(TOKEN + "\n")

# gift_shop: /buy -> invoice; pre-checkout answered yes; payment delivered twice -> one gift;
# a second buyer whose gift Telegram refuses -> refunded
ctl("POST", "/_ctl/reset")
ctl("POST", "/_ctl/stars", {"balance": 0, "gifts": [GIFT], "script": ["ok", "400", "lose"]})
ctl("POST", "/_ctl/updates", [
    {"update_id": 1, "message": {"message_id": 1, "date": 1732400000, "text": "/buy", "chat": {"id": 4242, "type": "private"},
                                 "from": user(4242), "entities": [{"type": "bot_command", "offset": 0, "length": 4}]}},
    {"update_id": 2, "pre_checkout_query": {"id": "pcq-1", "from": user(4242), "currency": "XTR", "total_amount": 50,
                                            "invoice_payload": "giftbox"}},
    {"update_id": 3, "pre_checkout_query": {"id": "pcq-2", "from": user(4242), "currency": "XTR", "total_amount": 1,
                                            "invoice_payload": "giftbox"}}])
ctl("POST", "/_ctl/stars/pay", {"user_id": 4242, "amount": 50, "payload": "giftbox", "deliver": 2})   # updates 4, 5
ctl("POST", "/_ctl/stars/pay", {"user_id": 4343, "amount": 50, "payload": "giftbox"})                 # update 6
ctl("POST", "/_ctl/stars/pay", {"user_id": 4444, "amount": 50, "payload": "giftbox"})                 # update 7: answer lost
ok, out = run_until([BUILD + "/gift_shop", URL, tok, os.path.join(tmp, "shop.j")], 8)
check("gift_shop_runs_and_stops", ok, out)
inv = calls("sendInvoice")
check("gift_shop_invoice_is_xtr", len(inv) == 1 and inv[0]["params"].get("currency") == "XTR"
      and inv[0]["params"].get("provider_token") == "" and len(inv[0]["params"].get("prices", [])) == 1, json.dumps(inv))
pcq = calls("answerPreCheckoutQuery")
check("gift_shop_precheckout_yes_and_no", len(pcq) == 2 and pcq[0]["params"].get("ok") is True
      and pcq[1]["params"].get("ok") is False and pcq[1]["params"].get("error_message"), json.dumps(pcq))
led = ctl("GET", "/_ctl/stars")["result"]
check("gift_shop_one_gift_per_payment", sorted(led["executed"]) == [[4242, GIFT["id"], 1], [4444, GIFT["id"], 1]], json.dumps(led))
check("gift_shop_duplicate_ignored", "duplicate delivery ignored" in out and len(calls("sendGift")) == 3, out)
check("gift_shop_unknown_outcome_proven_by_transaction", "charge-3: gift sent to 4444 (proven by transaction" in out
      and len(calls("getStarTransactions")) >= 1, out)
ch = {c["id"]: c for c in led["charges"]}
check("gift_shop_refunds_refused_gift", ch.get("charge-2", {}).get("refunded") is True
      and ch.get("charge-1", {}).get("refunded") is False and ch.get("charge-3", {}).get("refunded") is False
      and "charge-2: refunded" in out, json.dumps(ch) + out)
check("gift_shop_calls_spec_valid", all(not r["violations"] for r in ctl("GET", "/_ctl/requests")["result"]))
check("gift_shop_token_not_printed", TOKEN not in out)

# business_bot: connection with can_reply + can_view_gifts_and_stars; balance, gifts, then disabled
ctl("POST", "/_ctl/reset")
ctl("POST", "/_ctl/stars", {"balance": 0, "business": {"bc-9": {"user_id": 777, "balance": 800, "gifts": [
    {"type": "regular", "gift": GIFT, "send_date": 1732400000}] * 2,
    "rights": {"can_reply": True, "can_view_gifts_and_stars": True}}}})
conn = {"id": "bc-9", "user": user(777), "user_chat_id": 777, "date": 1732400000,
        "rights": {"can_reply": True, "can_view_gifts_and_stars": True}, "is_enabled": True}


def bmsg(uid, text):
    return {"update_id": uid, "business_message": {"message_id": uid, "date": 1732400000, "text": text,
            "business_connection_id": "bc-9", "chat": {"id": 31337, "type": "private"}, "from": user(31337)}}


ctl("POST", "/_ctl/updates", [{"update_id": 1, "business_connection": conn}, bmsg(2, "balance"), bmsg(3, "gifts"),
                              bmsg(4, "hello"), {"update_id": 5, "business_connection": dict(conn, is_enabled=False)},
                              bmsg(6, "anyone?")])
ok, out = run_until([BUILD + "/business_bot", URL, tok, os.path.join(tmp, "biz.j")], 7)
check("business_bot_runs_and_stops", ok, out)
sent = calls("sendMessage")
texts = [s["params"].get("text") for s in sent]
check("business_bot_replies_in_the_account", len(sent) == 3 and all(s["params"].get("business_connection_id") == "bc-9"
      for s in sent), json.dumps(sent))
check("business_bot_balance", "This account has 800 Stars." in texts, repr(texts))
check("business_bot_gifts", "This account owns 2 gifts." in texts, repr(texts))
check("business_bot_disabled_not_sent", "disabled" in out and len(sent) == 3, out)
check("business_bot_calls_spec_valid", all(not r["violations"] for r in ctl("GET", "/_ctl/requests")["result"]),
      json.dumps([r for r in ctl("GET", "/_ctl/requests")["result"] if r["violations"]])[:1500])
# gift_campaign's command line: a budget stop (exit 2, pending), then a resume that finishes (exit 0)
ctl("POST", "/_ctl/reset")
ctl("POST", "/_ctl/stars", {"balance": 1000, "gifts": [GIFT]})
rc_file, jfile = os.path.join(tmp, "rcpt"), os.path.join(tmp, "campaign.j")
with open(rc_file, "w") as f:
    f.write("11\n12\n\n13\n14\n")
cmd = [BUILD + "/gift_campaign", "--base-url", URL, "--token-file", tok, "--journal", jfile, "--gift", GIFT["id"],
       "--recipients", rc_file, "--text", "hi"]
r1 = subprocess.run(cmd + ["--budget", "30"], capture_output=True, text=True, timeout=60)
check("gift_campaign_budget_stop", r1.returncode == 2 and r1.stdout.splitlines()[-1] == "campaign: sent=2 failed=0 unknown=0 pending=2"
      and "budget" in r1.stderr, r1.stdout + r1.stderr)
r2 = subprocess.run(cmd + ["--budget", "60"], capture_output=True, text=True, timeout=60)
lines = r2.stdout.splitlines()
check("gift_campaign_resumes_and_settles", r2.returncode == 0 and sorted(lines[:-1]) == ["11 sent", "12 sent", "13 sent", "14 sent"]
      and lines[-1] == "campaign: sent=4 failed=0 unknown=0 pending=0", r2.stdout + r2.stderr)
check("gift_campaign_each_once", sorted(e[0] for e in ctl("GET", "/_ctl/stars")["result"]["executed"]) == [11, 12, 13, 14]
      and len(calls("sendGift")) == 4 and TOKEN not in r1.stdout + r1.stderr + r2.stdout + r2.stderr)
r3 = subprocess.run([BUILD + "/gift_campaign", "--base-url", URL], capture_output=True, text=True, timeout=60)
check("gift_campaign_usage", r3.returncode == 1 and "usage:" in r3.stderr, r3.stderr)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
