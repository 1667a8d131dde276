#!/usr/bin/env python3
"""Runs the examples against the fake Bot API server ($TG_FAKE_URL, from tests/with_servers.sh) and
checks what they sent: tests/test_examples.py BUILD_DIR. Prints "N passed, M failed"."""
import json, os, signal, subprocess, sys, urllib.request

URL = os.environ["TG_FAKE_URL"]
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
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
        print("FAIL %s %s" % (name, detail))


def run(args, timeout=20):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def msg(uid, text, chat=4242):
    return {"update_id": uid, "message": {"message_id": uid, "date": 1732400000, "text": text,
            "chat": {"id": chat, "type": "private"}, "from": {"id": 4242, "is_bot": False, "first_name": "Ada"}}}


# stars_gifts: balance covers the cheapest gift, so it sends one; every call is spec-valid
ctl("POST", "/_ctl/reset")
ctl("POST", "/_ctl/result", {"method": "getMyStarBalance", "result": {"amount": 5000}})
ctl("POST", "/_ctl/result", {"method": "getAvailableGifts", "result": {"gifts": [
    {"id": "5170145012310081615", "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 512,
     "height": 512, "is_animated": False, "is_video": False}, "star_count": 100}]}})
rc, out = run([BUILD + "/stars_gifts", URL, TOKEN, "987654321"])
check("stars_gifts_runs", rc == 0 and "balance: 5000 Stars" in out and "sendGift: sent" in out and "transactions:" in out, out)
g = calls("sendGift")
check("stars_gifts_sends_one_valid_gift", len(g) == 1 and g[0]["params"].get("user_id") == 987654321
      and g[0]["params"].get("gift_id") == "5170145012310081615" and not g[0]["violations"], json.dumps(g))
check("stars_gifts_token_not_printed", TOKEN not in out and "ABCDEFGHIJ" not in out)

# the connection drops after sendGift was sent: the outcome is unknown and the gift is not repeated
ctl("POST", "/_ctl/reset")
ctl("POST", "/_ctl/result", {"method": "getMyStarBalance", "result": {"amount": 5000}})
ctl("POST", "/_ctl/result", {"method": "getAvailableGifts", "result": {"gifts": [
    {"id": "77", "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 512,
     "height": 512, "is_animated": False, "is_video": False}, "star_count": 100}]}})
ctl("POST", "/_ctl/fault", {"method": "sendGift", "kind": "drop", "count": 5})
rc, out = run([BUILD + "/stars_gifts", URL, TOKEN, "987654321"])
check("stars_gifts_outcome_unknown_not_repeated", rc == 0 and "outcome unknown, not repeated" in out
      and len(calls("sendGift")) == 1, out)

# commands_bot: /menu (inline keyboard), /echo args, a callback query, anything else; SIGTERM stops it
ctl("POST", "/_ctl/reset")
ctl("POST", "/_ctl/result", {"method": "getMyStarBalance", "result": {"amount": 321}})
ctl("POST", "/_ctl/updates", [msg(1, "/menu"), msg(2, "/echo hello there"), msg(3, "what?"),
    {"update_id": 4, "callback_query": {"id": "cb-1", "from": {"id": 4242, "is_bot": False, "first_name": "Ada"},
     "chat_instance": "1", "data": "menu:stars", "message": msg(9, "What would you like to see?")["message"]}}])
bot = subprocess.Popen([BUILD + "/commands_bot", URL, TOKEN], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
waited = ctl("GET", "/_ctl/wait?offset=5&timeout=20")     # blocks until updates 1..4 are confirmed
bot.send_signal(signal.SIGTERM)
out = bot.communicate(timeout=20)[0]
check("commands_bot_confirms_and_stops_on_sigterm", waited["ok"] and bot.returncode == 0, out)
sent = calls("sendMessage")
texts = [s["params"].get("text") for s in sent]
check("commands_bot_menu_has_inline_keyboard", any("inline_keyboard" in json.dumps(s["params"].get("reply_markup", ""))
      and "menu:stars" in json.dumps(s["params"]) for s in sent), json.dumps(sent))
check("commands_bot_echo_args", "hello there" in texts, repr(texts))
check("commands_bot_fallback_hint", "Try /menu or /echo hello" in texts, repr(texts))
ans = calls("answerCallbackQuery")
check("commands_bot_answers_callback", len(ans) == 1 and ans[0]["params"].get("callback_query_id") == "cb-1"
      and ans[0]["params"].get("text") == "Balance: 321 Stars", json.dumps(ans))
check("commands_bot_calls_are_spec_valid", all(not r["violations"] for r in ctl("GET", "/_ctl/requests")["result"]))
# async_epoll: a broadcast of 150 messages, 64 in flight, driven by epoll; three 429s on the way (retried)
if os.path.exists(BUILD + "/async_epoll"):
    ctl("POST", "/_ctl/reset")
    ctl("POST", "/_ctl/fault", {"method": "sendMessage", "kind": "429", "retry_after": 1, "count": 3})
    rc, out = run([BUILD + "/async_epoll", URL, "150", TOKEN], timeout=60)
    sent = [s for s in calls("sendMessage") if "fault" not in s]
    got = sorted(s["params"].get("chat_id") for s in sent)
    check("async_epoll_every_chat_once", rc == 0 and "sent 150, failed 0" in out and got == list(range(1, 151))
          and all(s["params"].get("text") == "Hello, %d!" % s["params"]["chat_id"] for s in sent), out)
    check("async_epoll_used_several_connections", len({s["conn"] for s in sent}) > 1)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
