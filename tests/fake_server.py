#!/usr/bin/env python3
"""A fake Telegram Bot API server for tgbot.h's tests (Python standard library only).

    python3 tests/fake_server.py --port 0 --portfile F [--host 127.0.0.1|::1] [--tls-cert C --tls-key K]
        [--spec PATH (default: the committed src/gen/botapi-schema.json)] [--prefix /p] [--script demo.json] [--quiet]

Serves /bot<token>/<method> (GET query, JSON, urlencoded or multipart bodies) over HTTP/1.1 with
keep-alive, checks each call against the Bot API spec (method, required and unknown parameters,
value types, nested objects) and answers with Telegram's envelope. Also /file/bot<token>/<path>.

Control API (JSON):
  POST /_ctl/updates   [Update, ...] or {"count": N, "text": "..."}  queue updates for getUpdates
  POST /_ctl/result    {"method": m, "result": R} | {"method": m, "error": {"error_code", "description",
                       "parameters"}}  fix the answer of a method
  POST /_ctl/fault     {"method": m, "kind": K, "count": N, ...}  K: 429 (retry_after), 5xx (status),
                       drop (read the request, close without answering), close_after (answer, then close),
                       delay (delay_ms), 400_migrate (migrate_to_chat_id)
  GET  /_ctl/requests  every recorded call: method, params, content_type, files {name: {size, sha256,
                       filename}}, violations, conn (TCP connection number)
  GET  /_ctl/state     {"offset": confirmed offset, "queued": N}
  GET  /_ctl/wait?offset=N&timeout=S   waits until the confirmed offset reaches N
  POST /_ctl/file      {"path": P, "size": N}  serve N bytes (byte i = i*7 % 251) at /file/bot<token>/P;
                       other paths answer 404 in the envelope (with no file registered: "file-bytes:<path>")
  POST /_ctl/reset     forget requests, updates, results, faults and files
  POST /_ctl/shutdown
  POST /_ctl/limits    {"on": true|false}  Telegram's flood limits on or off (and forgotten); GET: counts
                       {"on", "accepted", "refused"}. --telegram-limits starts with them on (TelegramLimits).
  /_ctl/stars...       the Stars ledger (class StarsLedger)
"""
import argparse, hashlib, json, os, re, socket, ssl, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_RE = re.compile(r'^[0-9]+:[A-Za-z0-9_-]{35}$')
TAG_RE = re.compile(r'^/t([0-9]+)(/.*)$')
PATH_RE = re.compile(r'^/bot([^/]+)/(?:test/)?([A-Za-z0-9_]+)$')
SCALARS = {'Integer', 'String', 'Boolean', 'Float', 'True', 'InputFile'}


def fixed_value(f):
    """a field's fixed value: the committed schema states it ("const"); a raw spec only in its text"""
    if 'const' in f or 'description' not in f:
        return f.get('const')
    d = f['description']
    d = ' '.join(d) if isinstance(d, list) else d
    m = re.search(r'always [\u201c"]([^\u201d"]+)[\u201d"]', d)
    return m.group(1) if m else None


class Spec:
    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            d = json.load(f)
        self.methods = {k.lower(): v for k, v in d['methods'].items()}
        self.types = d['types']

    # ---- validation ----
    def check_value(self, v, types, where, out, depth=0):
        """v is decoded JSON (or a string from a form); appends violations to out."""
        for t in types:
            if self._ok(v, t, depth):
                return
        out.append('%s: %r is not %s' % (where, v if len(repr(v)) < 80 else repr(v)[:80], ' or '.join(types)))

    def _ok(self, v, t, depth):
        if depth > 12:
            return True
        if t.startswith('Array of '):
            if isinstance(v, str):
                try:
                    v = json.loads(v)
                except ValueError:
                    return False
            return isinstance(v, list) and all(self._ok(x, t[9:], depth + 1) for x in v)
        if t == 'Integer':
            if isinstance(v, str) and re.fullmatch(r'-?[0-9]+', v):
                return True
            return isinstance(v, int) and not isinstance(v, bool)
        if t == 'Float':
            if isinstance(v, str):
                try:
                    float(v); return True
                except ValueError:
                    return False
            return isinstance(v, (int, float)) and not isinstance(v, bool)
        if t in ('Boolean', 'True'):
            return isinstance(v, bool) or v in ('true', 'false', 'True', 'False', '1', '0')
        if t == 'String':
            return isinstance(v, str)
        if t == 'InputFile':
            return isinstance(v, (str, FilePart))
        spec = self.types.get(t)
        if spec is None:
            return True
        if isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                return False
        if not isinstance(v, dict):
            return False
        if spec.get('subtypes'):
            return any(self._ok(v, s, depth + 1) for s in spec['subtypes'])
        probs = []
        self.check_object(v, spec, t, probs, depth + 1)
        return not probs

    def check_object(self, obj, spec, where, out, depth=0):
        fields = {f['name']: f for f in spec.get('fields', [])}
        for name, f in fields.items():
            if f['required'] and name not in obj:
                out.append('%s: %s is required' % (where, name))
        for k, v in obj.items():
            f = fields.get(k)
            if f is None:
                out.append('%s: unknown field %s' % (where, k))
                continue
            # discriminator fields hold a fixed value ("type": "emoji"); check it matches the subtype
            c = fixed_value(f)
            if c is not None and v != c:
                out.append('%s.%s must be %r' % (where, k, c))
                continue
            self.check_value(v, f['types'], '%s.%s' % (where, k), out, depth)

    # ---- instances for answers ----
    def instance(self, t, seed, depth=0):
        if t.startswith('Array of '):
            return [] if depth > 3 else [self.instance(t[9:], seed, depth + 1)]
        if t == 'Integer':
            return 1000 + seed % 1000
        if t == 'Float':
            return 0.5
        if t in ('Boolean', 'True'):
            return True
        if t == 'String':
            return 's%d' % (seed % 1000)
        spec = self.types.get(t)
        if not spec:
            return None
        if spec.get('subtypes'):
            return self.instance(spec['subtypes'][0], seed, depth + 1)
        obj = {}
        for f in spec.get('fields', []):
            if f['required']:
                c = fixed_value(f)
                obj[f['name']] = c if c is not None else (self.instance(f['types'][0], seed + 1, depth + 1) if depth < 6 else None)
        return obj


class FilePart:
    def __init__(self, data, filename):
        self.size = len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.filename = filename


def parse_multipart(body, ctype):
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        raise ValueError('multipart without boundary')
    b = b'--' + m.group(1).encode()
    fields, files = {}, {}
    parts = body.split(b'\r\n' + b)
    if not body.startswith(b):
        raise ValueError('multipart body does not start with the boundary')
    parts[0] = parts[0][len(b):]
    if not parts[-1].startswith(b'--'):
        raise ValueError('multipart body without the closing boundary')
    for p in parts[:-1]:
        if not p.startswith(b'\r\n'):
            raise ValueError('bad multipart part')
        head, sep, data = p[2:].partition(b'\r\n\r\n')
        if not sep:
            raise ValueError('multipart part without headers')
        hd = head.decode('utf-8')
        nm = re.search(r'name="((?:[^"\\]|\\.)*)"', hd)
        fn = re.search(r'filename="((?:[^"\\]|\\.)*)"', hd)
        if not nm:
            raise ValueError('multipart part without a name')
        name = nm.group(1)
        if fn:
            files[name] = FilePart(data, fn.group(1))
            fields[name] = files[name]
        else:
            fields[name] = data.decode('utf-8')
    return fields, files


class State:
    def __init__(self, spec, script):
        self.lock = threading.Condition()
        self.spec = spec
        self.reset()
        self.script = script
        if script:
            self.queue_updates(script)

    def reset(self):
        self.requests, self.updates, self.results, self.faults, self.files = [], [], {}, {}, {}
        self.offset, self.next_id, self.conns = 0, 1, 0

    def queue_updates(self, ups):
        with self.lock:
            for u in ups:
                u = dict(u)
                if 'update_id' not in u:
                    u['update_id'] = self.next_id
                self.next_id = max(self.next_id, u['update_id'] + 1)
                self.updates.append(u)
            self.lock.notify_all()

    def take_fault(self, method, tag=None):
        with self.lock:
            for key in (method.lower(), '*'):
                # a fault queued by test N is not taken by a late request of another test's bot
                lst = [f for f in self.faults.get(key) or [] if tag is None or f.get('_tag') in (None, tag)]
                if lst:
                    f = lst[0]
                    f['count'] = f.get('count', 1) - 1
                    if f['count'] <= 0:
                        self.faults[key].remove(f)
                    return f
        return None


class TelegramLimits:
    """Telegram's flood limits as this server enforces them (the Bot FAQ, "My bot is hitting limits").
    Counted: methods starting with send, copy or forward, except sendChatAction. A message is timed
    when the server has read it. It is accepted only if all of these hold, else refused with 429 and
    retry_after = the wait in whole seconds, rounded up (at least 1); a refused message counts nowhere:
      global       fewer than 30 accepted in the last 1.000 s (1000 with allow_paid_broadcast=true)
      private chat (chat_id > 0) none accepted in the last 1.000 s
      group        (chat_id < 0, or "@channel") none accepted in the last 1.000 s and fewer than
                   20 in the last 60.000 s
    Windows slide (exact logs of accepted times), so no edge of a fixed window lets a burst through."""
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.sent, self.paid, self.chats, self.accepted, self.refused = [], [], {}, 0, 0

    @staticmethod
    def counted(method):
        m = method.lower()
        return m.startswith(('send', 'copy', 'forward')) and m != 'sendchataction'

    def check(self, method, params):
        """0 when the message is accepted (and counted), else retry_after in seconds."""
        if not self.counted(method) or 'chat_id' not in params:
            return 0
        cid = str(params['chat_id'])
        group = cid.startswith('-') or cid.startswith('@')
        paid = params.get('allow_paid_broadcast') in (True, 'true')
        with self.lock:
            now = time.monotonic()
            lane, cap = (self.paid, 1000) if paid else (self.sent, 30)
            while lane and now - lane[0] >= 1.0:
                lane.pop(0)
            log = self.chats.setdefault(cid, [])
            while log and now - log[0] >= 60.0:
                log.pop(0)
            wait = 0.0
            if len(lane) >= cap:
                wait = max(wait, lane[-cap] + 1.0 - now)
            if log and now - log[-1] < 1.0:
                wait = max(wait, log[-1] + 1.0 - now)
            if group and len(log) >= 20:
                wait = max(wait, log[-20] + 60.0 - now)
            if wait > 0:
                if os.environ.get('FLOOD_DEBUG'):     # why: the chat, the wait, its last accepted ages
                    print('429', cid, '%.3f' % wait, ['%.3f' % (now - x) for x in log[-3:]], flush=True)
                self.refused += 1
                return max(1, int(-(-wait // 1)))
            lane.append(now)
            log.append(now)
            self.accepted += 1
            return 0


# ---- Stars ledger (opt-in: POST /_ctl/stars enables it) ----------------------------------------------
class StarsLedger:
    """Executes the Stars methods against a balance and records what it really did, so tests can
    compare a client's beliefs with the truth. Off until POST /_ctl/stars {...}; /_ctl/reset turns it
    off. Control (JSON):
      POST /_ctl/stars      {"balance": N, "gifts": [Gift...], "faults": {"rate": 0..1, "seed": S,
                            "kinds": [...], "stall_ms": N, "methods": [...]}, "script": [kind...],
                            "business": {id: {"user_id", "rights": {...}, "is_enabled", "balance", "gifts"}}}
                            (re)configures and enables; absent keys keep their value
      GET  /_ctl/stars      {"balance", "executed": [[user_id, gift_id_or_"premium:N", count]], "transactions",
                            "charges", "faults_done": {kind: n}}
      POST /_ctl/stars/pay  {"user_id", "amount", "payload", "subscription_period"?}: a user paid an invoice:
                            credits the bot, records the charge and queues the successful_payment update;
                            answers {"charge_id"}
    Fault kinds (after executing unless said): lose (close without an answer), cut (half the body, then
    close), stall (answer after stall_ms), 5xx (answer 500, NOT executed), 400 (answer 400, not executed),
    drain (the balance drops to 0 first: the call then fails with BALANCE_TOO_LOW).
    "script" is a list of kinds (or "ok") used one per money call before the random faults."""
    METHODS = {'getmystarbalance', 'sendgift', 'giftpremiumsubscription', 'getstartransactions',
               'getavailablegifts', 'refundstarpayment', 'edituserstarsubscription',
               'getbusinessaccountstarbalance', 'transferbusinessaccountstars', 'getbusinessconnection',
               'getbusinessaccountgifts'}
    MONEY = {'sendgift', 'giftpremiumsubscription', 'transferbusinessaccountstars'}
    PREMIUM = {3: 1000, 6: 1500, 12: 2500}

    def __init__(self, st):
        self.st = st
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, 'lock', threading.Lock()):
            self.enabled, self.balance, self.tx, self.charges, self.executed = False, 0, [], {}, {}
            self.gifts, self.faults, self.script, self.business, self.faults_done = [], {}, [], {}, {}
            self.rng = None

    def handles(self, method):
        return self.enabled and method in self.METHODS

    def _fault(self, method):
        with self.lock:
            if method not in self.MONEY:
                return None
            if self.script:
                k = self.script.pop(0)
                return None if k == 'ok' else k
            f = self.faults
            if f and method in f.get('methods', ['sendgift', 'giftpremiumsubscription']) and self.rng.random() < f.get('rate', 0):
                return self.rng.choice(f.get('kinds', ['lose', 'cut', 'stall', '5xx', '400']))
        return None

    @staticmethod
    def _err(code, desc):
        return code, {'ok': False, 'error_code': code, 'description': desc}

    def _user(self, uid):
        return {'id': uid, 'is_bot': False, 'first_name': 'U%d' % uid}

    def _execute(self, method, p):
        """returns (http_status, envelope); executes under the lock"""
        def num(k, d=0):
            try:
                return int(p.get(k, d))
            except (TypeError, ValueError):
                return d
        now = int(time.time())
        with self.lock:
            if method == 'getmystarbalance':
                return 200, {'ok': True, 'result': {'amount': self.balance}}
            if method == 'getavailablegifts':
                return 200, {'ok': True, 'result': {'gifts': self.gifts}}
            if method == 'getstartransactions':
                off, lim = max(0, num('offset')), num('limit', 100)
                if lim < 1 or lim > 100:
                    return self._err(400, 'Bad Request: limit must be 1-100')
                return 200, {'ok': True, 'result': {'transactions': self.tx[off:off + lim]}}
            if method == 'sendgift':
                uid, gid = num('user_id'), str(p.get('gift_id', ''))
                gift = next((g for g in self.gifts if g['id'] == gid), None)
                if gift is None:
                    return self._err(400, 'Bad Request: STARGIFT_INVALID')
                price = gift['star_count'] + (gift.get('upgrade_star_count', 0) if p.get('pay_for_upgrade') in (True, 'true') else 0)
                if self.balance < price:
                    return self._err(400, 'Bad Request: BALANCE_TOO_LOW')
                self.balance -= price
                key = (uid, gid)
                self.executed[key] = self.executed.get(key, 0) + 1
                self.tx.append({'id': 'gift-%d' % (len(self.tx) + 1), 'amount': price, 'date': now,
                                'receiver': {'type': 'user', 'transaction_type': 'gift_purchase', 'user': self._user(uid), 'gift': gift}})
                return 200, {'ok': True, 'result': True}
            if method == 'giftpremiumsubscription':
                uid, months, stars = num('user_id'), num('month_count'), num('star_count')
                if self.PREMIUM.get(months) != stars:
                    return self._err(400, 'Bad Request: the star_count does not match month_count')
                if self.balance < stars:
                    return self._err(400, 'Bad Request: BALANCE_TOO_LOW')
                self.balance -= stars
                key = (uid, 'premium:%d' % months)
                self.executed[key] = self.executed.get(key, 0) + 1
                self.tx.append({'id': 'premium-%d' % (len(self.tx) + 1), 'amount': stars, 'date': now,
                                'receiver': {'type': 'user', 'transaction_type': 'premium_purchase', 'user': self._user(uid),
                                             'premium_subscription_duration': months}})
                return 200, {'ok': True, 'result': True}
            if method == 'refundstarpayment':
                c = self.charges.get(str(p.get('telegram_payment_charge_id')))
                if c is None or c['user_id'] != num('user_id'):
                    return self._err(400, 'Bad Request: CHARGE_NOT_FOUND')
                if c['refunded']:
                    return self._err(400, 'Bad Request: CHARGE_ALREADY_REFUNDED')
                c['refunded'] = True
                self.balance -= c['amount']
                self.tx.append({'id': 'refund-%s' % c['id'], 'amount': c['amount'], 'date': now,
                                'receiver': {'type': 'user', 'transaction_type': 'invoice_payment', 'user': self._user(c['user_id'])}})
                return 200, {'ok': True, 'result': True}
            if method == 'edituserstarsubscription':
                c = self.charges.get(str(p.get('telegram_payment_charge_id')))
                if c is None or c['user_id'] != num('user_id') or not c.get('subscription_period'):
                    return self._err(400, 'Bad Request: SUBSCRIPTION_NOT_FOUND')
                c['canceled'] = p.get('is_canceled') in (True, 'true')
                return 200, {'ok': True, 'result': True}
            bc = self.business.get(str(p.get('business_connection_id', '')))
            if bc is None:
                return self._err(400, 'Bad Request: BUSINESS_CONNECTION_INVALID')
            rights = bc.get('rights', {})
            if method == 'getbusinessconnection':
                return 200, {'ok': True, 'result': {'id': p['business_connection_id'], 'user': self._user(bc['user_id']),
                             'user_chat_id': bc['user_id'], 'date': now, 'rights': rights, 'is_enabled': bc.get('is_enabled', True)}}
            if not bc.get('is_enabled', True):
                return self._err(400, 'Bad Request: BUSINESS_CONNECTION_NOT_ALLOWED')
            if method == 'getbusinessaccountstarbalance':
                if not rights.get('can_view_gifts_and_stars'):
                    return self._err(400, 'Bad Request: BOT_ACCESS_FORBIDDEN')
                return 200, {'ok': True, 'result': {'amount': bc.get('balance', 0)}}
            if method == 'getbusinessaccountgifts':
                if not rights.get('can_view_gifts_and_stars'):
                    return self._err(400, 'Bad Request: BOT_ACCESS_FORBIDDEN')
                gs = bc.get('gifts', [])
                return 200, {'ok': True, 'result': {'total_count': len(gs), 'gifts': gs}}
            if method == 'transferbusinessaccountstars':
                n = num('star_count')
                if not rights.get('can_transfer_stars'):
                    return self._err(400, 'Bad Request: BOT_ACCESS_FORBIDDEN')
                if n < 1 or n > 10000 or bc.get('balance', 0) < n:
                    return self._err(400, 'Bad Request: BALANCE_TOO_LOW')
                bc['balance'] = bc.get('balance', 0) - n
                self.balance += n
                self.executed[('business', p['business_connection_id'])] = self.executed.get(('business', p['business_connection_id']), 0) + 1
                self.tx.append({'id': 'bt-%d' % (len(self.tx) + 1), 'amount': n, 'date': now,
                                'source': {'type': 'user', 'transaction_type': 'business_account_transfer', 'user': self._user(bc['user_id'])}})
                return 200, {'ok': True, 'result': True}
        return self._err(400, 'Bad Request: unsupported')

    def api(self, h, method, params):
        kind = self._fault(method)
        if kind:
            with self.lock:
                self.faults_done[kind] = self.faults_done.get(kind, 0) + 1
        if kind == 'drain':                    # the balance is spent elsewhere just before this call
            with self.lock:
                self.balance = 0
            kind = None
        if kind in ('5xx', '400'):
            code = 500 if kind == '5xx' else 400
            return h.reply(code, {'ok': False, 'error_code': code, 'description':
                                  'Internal Server Error' if code == 500 else 'Bad Request: PEER_ID_INVALID'})
        status, env = self._execute(method, params)
        body = json.dumps(env).encode()
        try:
            if kind == 'lose':
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            if kind == 'stall':
                time.sleep(self.faults.get('stall_ms', 300) / 1000.0)
            if kind == 'cut':
                h.send_response(status)
                h.send_header('Content-Type', 'application/json')
                h.send_header('Content-Length', str(len(body)))
                h.end_headers()
                h.wfile.write(body[:len(body) // 2])
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            h.reply(status, env)
        except OSError:
            h.close_connection = True

    def control(self, h, what, obj):
        if what == 'stars' and h.command == 'GET':
            with self.lock:
                return h.reply(200, {'ok': True, 'result': {
                    'balance': self.balance, 'executed': [[k[0], k[1], v] for k, v in self.executed.items()],
                    'transactions': len(self.tx), 'charges': list(self.charges.values()), 'faults_done': self.faults_done}})
        if what == 'stars':
            obj = obj or {}
            with self.lock:
                self.enabled = True
                if 'balance' in obj:
                    self.balance = int(obj['balance'])
                for k in ('gifts', 'faults', 'script', 'business'):
                    if k in obj:
                        setattr(self, k, obj[k])
                import random
                self.rng = random.Random(self.faults.get('seed', 1) if self.faults else 1)
            return h.reply(200, {'ok': True})
        if what == 'stars/pay':
            with self.lock:
                cid = 'charge-%d' % (len(self.charges) + 1)
                c = {'id': cid, 'user_id': int(obj['user_id']), 'amount': int(obj['amount']), 'refunded': False,
                     'payload': obj.get('payload', ''), 'subscription_period': obj.get('subscription_period')}
                self.charges[cid] = c
                self.balance += c['amount']
                self.tx.append({'id': cid, 'amount': c['amount'], 'date': int(time.time()),
                                'source': {'type': 'user', 'transaction_type': 'invoice_payment', 'user': self._user(c['user_id']),
                                           'invoice_payload': c['payload']}})
            sp = {'currency': 'XTR', 'total_amount': c['amount'], 'invoice_payload': c['payload'],
                  'telegram_payment_charge_id': cid, 'provider_payment_charge_id': ''}
            if c['subscription_period']:
                sp['subscription_expiration_date'] = int(time.time()) + int(c['subscription_period'])
                sp['is_recurring'] = True
                sp['is_first_recurring'] = True
            msg = {'message_id': len(self.tx), 'date': int(time.time()), 'chat': {'id': c['user_id'], 'type': 'private'},
                   'from': self._user(c['user_id']), 'successful_payment': sp}
            copies = int(obj.get('deliver', 1))       # >1: the same payment delivered again (a duplicate update)
            self.st.queue_updates([{'message': msg} for _ in range(copies)])
            return h.reply(200, {'ok': True, 'result': {'charge_id': cid}})
        return h.reply(404, {'ok': False, 'description': 'unknown control ' + what})


def make_handler(st, args):
    spec = st.spec

    class H(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        server_version = 'fake-bot-api/1'

        def log_message(self, fmt, *a):
            pass

        def setup(self):
            super().setup()
            # headers and body are two writes: without NODELAY each answer waits for a delayed ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with st.lock:
                st.conns += 1
                self.conn_id = st.conns

        def reply(self, code, obj, close=False):
            body = json.dumps(obj, ensure_ascii=False).encode()
            self.send_response(code)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            if close:
                self.send_header('Connection', 'close')
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def apply_fault(self, method):
            """Answers with the fault queued for method, if any; True when it answered (or dropped).
            A close_after fault sets self.close_after: the normal answer closes the connection."""
            fault = st.take_fault(method, getattr(self, 'tag', None))
            self.close_after = fault is not None and fault.get('kind') == 'close_after'
            if not fault:
                return False
            kind = str(fault.get('kind'))
            self.fault_kind = kind
            if kind == 'drop':
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif kind == 'delay':
                time.sleep(fault.get('delay_ms', 100) / 1000.0)
                return False
            elif kind == '429':
                ra = fault.get('retry_after', 1)
                self.reply(429, {'ok': False, 'error_code': 429, 'description':
                                 'Too Many Requests: retry after %d' % ra, 'parameters': {'retry_after': ra}})
            elif kind == '400_migrate':
                to = fault.get('migrate_to_chat_id', -1001234567890)
                self.reply(400, {'ok': False, 'error_code': 400, 'description':
                                 'Bad Request: group chat was upgraded to a supergroup chat',
                                 'parameters': {'migrate_to_chat_id': to}})
            elif kind.isdigit():
                code = int(kind)
                self.reply(code, {'ok': False, 'error_code': code, 'description': fault.get('description', 'Internal Server Error')})
            else:
                return False
            return True

        def read_body(self):
            te = self.headers.get('Transfer-Encoding', '')
            if 'chunked' in te.lower():
                out = b''
                while True:
                    line = self.rfile.readline(1000).strip()
                    n = int(line.split(b';')[0], 16)
                    if n == 0:
                        while self.rfile.readline(1000) not in (b'\r\n', b'\n', b''):
                            pass
                        return out
                    out += self.rfile.read(n)
                    self.rfile.readline(10)
            n = int(self.headers.get('Content-Length') or 0)
            return self.rfile.read(n) if n else b''

        def do_GET(self):
            self.handle_any()

        def do_POST(self):
            self.handle_any()

        def handle_any(self):
            url = urllib.parse.urlsplit(self.path)
            path = url.path
            try:
                body = self.read_body()
            except (ValueError, OSError):
                self.reply(400, {'ok': False, 'error_code': 400, 'description': 'Bad Request: bad body'}, True)
                return
            if path.startswith('/_ctl/'):
                self.query = url.query
                return self.control(path[6:], body)
            if args.prefix and path.startswith(args.prefix):
                path = path[len(args.prefix):]
            # /t<N>/bot...: the unit program's test number N (tests/fake_api.h), so a test reads only its
            # own records, not a late request of an earlier test's bot
            self.tag = None
            mt = TAG_RE.match(path)
            if mt:
                self.tag, path = int(mt.group(1)), mt.group(2)
            if path.startswith('/file/bot'):
                fpath = urllib.parse.unquote(path.split('/', 3)[3]) if path.count('/') >= 3 else ''
                fpath = fpath[5:] if fpath.startswith('test/') else fpath
                with st.lock:
                    st.requests.append({'method': 'file', 'params': {'file_path': fpath}, 'content_type': '',
                                        'files': {}, 'violations': [], 'conn': self.conn_id, 'tag': self.tag})
                    size = st.files.get(fpath) if st.files else -1
                if self.apply_fault('file'):
                    return
                if size is None:
                    return self.reply(404, {'ok': False, 'error_code': 404, 'description': 'Not Found: file'})
                data = b'file-bytes:' + path.encode() if size < 0 else bytes((i * 7) % 251 for i in range(size))
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            m = PATH_RE.match(path)
            if not m:
                return self.reply(404, {'ok': False, 'error_code': 404, 'description': 'Not Found'})
            token, method = m.group(1), m.group(2)
            if not TOKEN_RE.match(token) or token == args.bad_token:
                return self.reply(401, {'ok': False, 'error_code': 401, 'description': 'Unauthorized'})
            self.api(method, url.query, body)

        def api(self, method, query, body):
            ctype = self.headers.get('Content-Type', '') or ''
            params, files, viol = {}, {}, []
            try:
                if query:
                    params.update(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))
                if body:
                    if ctype.startswith('application/json'):
                        p = json.loads(body.decode('utf-8'))
                        if not isinstance(p, dict):
                            raise ValueError('JSON body is not an object')
                        params.update(p)
                    elif ctype.startswith('application/x-www-form-urlencoded'):
                        params.update(dict(urllib.parse.parse_qsl(body.decode('utf-8'), keep_blank_values=True)))
                    elif ctype.startswith('multipart/form-data'):
                        f, files = parse_multipart(body, ctype)
                        params.update(f)
                    else:
                        raise ValueError('unsupported content type %r' % ctype)
            except (ValueError, UnicodeDecodeError) as e:
                viol.append('body: %s' % e)
            m = spec.methods.get(method.lower())
            rec = {'method': method, 'params': {k: (v if not isinstance(v, FilePart) else {'file': v.filename})
                                                 for k, v in params.items()},
                   'content_type': ctype.split(';')[0], 'files': {k: {'size': v.size, 'sha256': v.sha256,
                   'filename': v.filename} for k, v in files.items()}, 'violations': viol, 'conn': self.conn_id,
                   'http_method': self.command, 'tag': getattr(self, 'tag', None)}
            if m is None:
                viol.append('unknown method %s' % method)
            else:
                fields = {f['name']: f for f in m.get('fields', [])}
                for name, f in fields.items():
                    if f['required'] and name not in params:
                        viol.append('%s is required' % name)
                for k, v in params.items():
                    if k in files and k not in fields:
                        continue          # an attach:// upload
                    if k not in fields:
                        viol.append('unknown parameter %s' % k)
                        continue
                    spec.check_value(v, fields[k]['types'], k, viol)
                # attach:// references must name an uploaded part
                for ref in re.findall(r'attach://([A-Za-z0-9_]+)', json.dumps({k: v for k, v in params.items()
                                                                              if isinstance(v, (str, list, dict))})):
                    if ref not in files:
                        viol.append('attach://%s has no file part' % ref)
            with st.lock:
                st.requests.append(rec)
            lim = getattr(st, 'limits', None)
            if lim is not None and not viol:
                ra = lim.check(method, params)
                if ra:
                    return self.reply(429, {'ok': False, 'error_code': 429, 'description':
                                            'Too Many Requests: retry after %d' % ra, 'parameters': {'retry_after': ra}})
            if args.script is not None and method.lower() != 'getupdates':
                show = ' '.join('%s=%s' % (k, json.dumps(params[k], ensure_ascii=False) if not isinstance(params[k], str)
                                 else params[k]) for k in ('chat_id', 'text', 'callback_query_id', 'reply_markup') if k in params)
                print('  bot -> %s %s' % (method, show), flush=True)
            if self.apply_fault(method):
                rec['fault'] = self.fault_kind     # the ledger: this record was answered by a fault
                return
            if viol:
                if m is None:
                    return self.reply(404, {'ok': False, 'error_code': 404, 'description': 'Not Found: method not found'})
                return self.reply(400, {'ok': False, 'error_code': 400, 'description': 'Bad Request: ' + viol[0]})
            if st.stars.handles(method.lower()):      # the Stars ledger, when a test enabled it
                return st.stars.api(self, method.lower(), params)
            fixed = st.results.get(method.lower())
            if fixed is not None:
                if 'error' in fixed:
                    e = dict(fixed['error'])
                    return self.reply(e.get('error_code', 400), dict({'ok': False}, **e))
                return self.reply(200, {'ok': True, 'result': fixed['result']},
                                  close=self.close_after)
            result = self.default_result(method.lower(), m, params)
            self.reply(200, {'ok': True, 'result': result}, close=self.close_after)

        def default_result(self, method, m, params):
            if method == 'getme':
                return {'id': 123456789, 'is_bot': True, 'first_name': 'Test Bot', 'username': 'tgbot_test_bot',
                        'can_join_groups': True, 'can_read_all_group_messages': False, 'supports_inline_queries': False}
            if method == 'getupdates':
                return self.get_updates(params)
            if method in ('sendmessage', 'editmessagetext'):
                chat = params.get('chat_id', 1)
                try:
                    chat = int(chat)
                except (TypeError, ValueError):
                    pass
                with st.lock:
                    mid = len(st.requests)
                return {'message_id': mid, 'date': int(time.time()), 'text': params.get('text', ''),
                        'chat': {'id': chat if isinstance(chat, int) else -100123, 'type': 'private' if isinstance(chat, int) and chat > 0 else 'supergroup'}}
            ret = m['returns'][0] if m.get('returns') else 'Boolean'
            return spec.instance(ret, sum(map(ord, method)))

        def get_updates(self, params):
            def num(k, d):
                try:
                    return int(params.get(k, d))
                except (TypeError, ValueError):
                    return d
            offset, limit, timeout = num('offset', 0), max(1, min(100, num('limit', 100))), num('timeout', 0)
            if args.script is not None:
                limit = 1          # the scripted conversation goes one update at a time
            deadline = time.time() + min(timeout, 50)
            with st.lock:
                if offset > 0 and offset > st.offset:
                    st.offset = offset
                    st.updates = [u for u in st.updates if u['update_id'] >= offset]
                    st.lock.notify_all()
                while True:
                    ready = [u for u in st.updates if u['update_id'] >= max(offset, st.offset)]
                    if ready or time.time() >= deadline:
                        break
                    st.lock.wait(max(0.0, deadline - time.time()))
                batch = ready[:limit]
            if args.script is not None:
                for u in batch:
                    msg = u.get('message') or {}
                    if 'text' in msg:
                        print('user -> bot: %s' % msg['text'], flush=True)
                    elif 'callback_query' in u:
                        print('user -> bot: [presses button %s]' % u['callback_query'].get('data'), flush=True)
            return batch

        def control(self, what, body):
            try:
                obj = json.loads(body.decode('utf-8')) if body else None
            except ValueError:
                return self.reply(400, {'ok': False, 'description': 'bad control JSON'})
            if what == 'file':
                with st.lock:
                    st.files[obj['path']] = int(obj['size'])
                return self.reply(200, {'ok': True, 'result': True})
            if what == 'updates':
                if isinstance(obj, dict) and 'count' in obj:
                    ups = []
                    for i in range(int(obj['count'])):
                        ups.append({'message': {'message_id': i + 1, 'date': 1732400000, 'chat': {'id': obj.get('chat_id', 42), 'type': 'private'},
                                    'from': {'id': obj.get('chat_id', 42), 'is_bot': False, 'first_name': 'U'},
                                    'text': '%s %d' % (obj.get('text', 'msg'), i + 1)}})
                    st.queue_updates(ups)
                else:
                    st.queue_updates(obj or [])
                return self.reply(200, {'ok': True})
            if what == 'result':
                with st.lock:
                    st.results[obj['method'].lower()] = obj
                return self.reply(200, {'ok': True})
            q = dict(urllib.parse.parse_qsl(getattr(self, 'query', '') or ''))
            tag = int(q['tag']) if q.get('tag', '').isdigit() else None
            if what == 'fault':
                with st.lock:
                    st.faults.setdefault(obj.get('method', '*').lower(), []).append(dict(obj, _tag=tag))
                return self.reply(200, {'ok': True})
            if what == 'requests':
                with st.lock:
                    return self.reply(200, {'ok': True, 'result': [r for r in st.requests
                                                                   if tag is None or r.get('tag') in (None, tag)]})
            if what == 'state':
                with st.lock:
                    return self.reply(200, {'ok': True, 'result': {'offset': st.offset, 'queued': len(st.updates),
                                                                  'next_id': st.next_id}})
            if what.startswith('wait'):       # blocks until the confirmed offset reaches ?offset=N
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                want, deadline = int(q.get('offset', 0)), time.time() + float(q.get('timeout', 10))
                with st.lock:
                    while st.offset < want and time.time() < deadline:
                        st.lock.wait(max(0.0, deadline - time.time()))
                    return self.reply(200, {'ok': st.offset >= want, 'result': {'offset': st.offset}})
            if what == 'limits':
                if self.command == 'POST':
                    with st.lock:
                        st.limits = TelegramLimits() if obj and obj.get('on') else None
                lim = getattr(st, 'limits', None)
                return self.reply(200, {'ok': True, 'result': {'on': lim is not None,
                                  'accepted': lim.accepted if lim else 0, 'refused': lim.refused if lim else 0}})
            if what == 'reset':
                with st.lock:
                    st.reset()
                st.stars.reset()
                return self.reply(200, {'ok': True})
            if what.startswith('stars'):
                return st.stars.control(self, what, obj)
            if what == 'shutdown':
                self.reply(200, {'ok': True}, close=True)
                threading.Thread(target=self.server.shutdown, daemon=True).start()
                return
            self.reply(404, {'ok': False, 'description': 'unknown control ' + what})

    return H


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--portfile')
    ap.add_argument('--tls-cert')
    ap.add_argument('--tls-key')
    ap.add_argument('--spec', default=os.environ.get('TGBOT_API_SPEC', os.path.join(here, '..', 'src', 'gen', 'botapi-schema.json')))
    ap.add_argument('--prefix', default='')
    ap.add_argument('--bad-token', default='')
    ap.add_argument('--script')
    ap.add_argument('--telegram-limits', action='store_true', help="answer 429 as Telegram's flood limits would")
    a = ap.parse_args()
    script = None
    if a.script:
        with open(a.script, encoding='utf-8') as f:
            script = json.load(f)
    st = State(Spec(a.spec), script)
    st.limits = TelegramLimits() if a.telegram_limits else None
    st.stars = StarsLedger(st)
    a.script = script

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        address_family = socket.AF_INET6 if ':' in a.host else socket.AF_INET

    srv = Server((a.host, a.port), make_handler(st, a))
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    if a.portfile:
        tmp = a.portfile + '.tmp'
        with open(tmp, 'w') as f:
            f.write(str(port))
        os.rename(tmp, a.portfile)
    try:
        srv.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
