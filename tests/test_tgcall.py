#!/usr/bin/env python3
"""tgcall against the fake Bot API server (run by tests/with_servers.sh: TG_FAKE_URL): typing of
values by the spec, uploads, every method class (read, idempotent write, send, spends Stars), exit
codes by error kind, --updates exactly once, and the token never in the output.
Expected values come from the Bot API documentation and the server's record of what arrived."""
import hashlib, json, os, subprocess, sys, tempfile, urllib.request

BIN = os.path.abspath(sys.argv[1])
WRAP = os.environ.get('TGCALL_WRAPPER', '').split()   # e.g. wine, for tgcall.exe
URL = os.environ['TG_FAKE_URL']
TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi'
passed = failed = 0


def ctl(what, obj=None):
    data = json.dumps(obj).encode() if obj is not None else None
    req = urllib.request.Request(URL + '/_ctl/' + what, data=data, method='POST' if data is not None else 'GET')
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def run(*args, token=TOKEN, base=True):
    env = dict(os.environ)
    env.pop('TELEGRAM_BOT_TOKEN', None)
    if token:
        env['TELEGRAM_BOT_TOKEN'] = token
    cmd = WRAP + [BIN] + (['--base-url', URL] if base else []) + list(args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert TOKEN not in p.stdout and TOKEN not in p.stderr and TOKEN.split(':')[1] not in p.stderr, 'token leaked'
    return p


def requests(method):
    return [r for r in ctl('requests')['result'] if r['method'].lower() == method.lower()]


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL %s %s' % (name, detail))


def case(fn):
    ctl('reset', {})
    try:
        fn()
    except AssertionError as e:
        check(fn.__name__, False, str(e))
    return fn


@case
def help_lists_methods_and_parameters():
    p = run('--help', base=False)
    names = [l.strip() for l in p.stdout.splitlines() if l.startswith('  ')]
    # methods every Bot API version since 2015 has, and one from 2024 (Stars)
    for m in ('getMe', 'sendMessage', 'getUpdates', 'sendDocument', 'getStarTransactions'):
        check('help lists ' + m, m in names)
    check('help lists many methods', len(names) > 150, str(len(names)))
    p = run('--help', 'sendMessage', base=False)
    req = [l.split()[0] for l in p.stdout.splitlines() if '(required)' in l]
    check('sendMessage requires chat_id and text (Bot API docs)', sorted(req) == ['chat_id', 'text'], str(req))
    check('sendMessage is a send', 'sends' in p.stdout.splitlines()[0])
    check('unknown method in --help: usage exit', run('--help', 'noSuchMethod', base=False).returncode == 2)


@case
def read_method_pretty_and_raw():
    p = run('getMe')
    check('getMe exit 0', p.returncode == 0, p.stderr)
    check('getMe pretty: several lines', p.stdout.count('\n') > 3)
    check('getMe result', json.loads(p.stdout)['username'] == 'tgbot_test_bot')
    p = run('--raw', 'getMe')
    check('--raw: one line', p.stdout.count('\n') == 1 and json.loads(p.stdout)['id'] == 123456789)


@case
def values_are_typed_by_the_spec():
    markup = '{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}'
    p = run('sendMessage', 'chat_id=42', 'text=123', 'disable_notification=true', 'reply_markup=' + markup,
            'message_thread_id=7')
    check('sendMessage exit 0', p.returncode == 0, p.stderr)
    r = requests('sendMessage')
    check('one request', len(r) == 1)
    prm = r[0]['params'] if r else {}
    check('no violations', r and r[0]['violations'] == [], str(r and r[0]['violations']))
    check('chat_id is a number', prm.get('chat_id') == 42)
    check('text "123" stays a string', prm.get('text') == '123')
    check('boolean', prm.get('disable_notification') is True)
    check('integer', prm.get('message_thread_id') == 7)
    check('object from JSON', prm.get('reply_markup') == json.loads(markup))
    p = run('sendMessage', 'chat_id=@mychannel', 'text=x')
    check('chat @username stays a string', requests('sendMessage')[-1]['params'].get('chat_id') == '@mychannel')


@case
def bad_arguments_are_not_sent():
    before = len(ctl('requests')['result'])
    for args in (['sendMessage', 'chat_id=42', 'text=x', 'disable_notification=maybe'],
                 ['sendMessage', 'chat_id=42', 'text=x', 'message_thread_id=1.5'],
                 ['sendMessage', 'chat_id=42', 'text=x', 'reply_markup={not json'],
                 ['sendMessage', 'chat_id=42', 'text=x', 'no_such_param=1'],
                 ['sendMessage', 'chat_id=42'],
                 ['sendMessage', 'chat_id'],
                 ['send/../Message']):
        p = run(*args)
        check('usage exit for %s' % args, p.returncode == 2, '%d %s' % (p.returncode, p.stderr))
    check('nothing sent', len(ctl('requests')['result']) == before)


@case
def telegram_error_exit_1():
    ctl('result', {'method': 'getChat', 'error': {'error_code': 400, 'description': 'Bad Request: chat not found'}})
    p = run('getChat', 'chat_id=5')
    check('exit 1', p.returncode == 1, str(p.returncode))
    check('says why', 'chat not found' in p.stderr and '400' in p.stderr, p.stderr)


@case
def network_error_exit_3():
    p = run('--base-url', 'http://127.0.0.1:1', 'getMe', base=False)
    check('exit 3', p.returncode == 3, '%d %s' % (p.returncode, p.stderr))


@case
def idempotent_write_is_retried():
    ctl('fault', {'method': 'deleteMessage', 'kind': 'drop'})
    p = run('deleteMessage', 'chat_id=42', 'message_id=1')
    check('exit 0 after a retry', p.returncode == 0, '%d %s' % (p.returncode, p.stderr))
    check('sent twice', len(requests('deleteMessage')) == 2, str(len(requests('deleteMessage'))))


@case
def send_outcome_unknown_exit_4_once():
    ctl('fault', {'method': 'sendMessage', 'kind': 'drop'})
    p = run('sendMessage', 'chat_id=42', 'text=once')
    check('exit 4', p.returncode == 4, '%d %s' % (p.returncode, p.stderr))
    check('says unknown', 'outcome unknown' in p.stderr, p.stderr)
    check('sent exactly once', len(requests('sendMessage')) == 1, str(len(requests('sendMessage'))))


@case
def spends_stars_outcome_unknown_exit_4_once():
    ctl('fault', {'method': 'sendGift', 'kind': 'drop'})
    p = run('sendGift', 'user_id=42', 'gift_id=g1')
    check('sendGift exit 4', p.returncode == 4, '%d %s' % (p.returncode, p.stderr))
    check('sendGift sent exactly once', len(requests('sendGift')) == 1, str(len(requests('sendGift'))))
    p = run('--help', 'sendGift', base=False)
    check('sendGift class', 'spends Stars' in p.stdout)


@case
def upload_from_path():
    with tempfile.NamedTemporaryFile(delete=False, suffix='.bin') as f:
        data = bytes((i * 31) % 256 for i in range(70000))
        f.write(data)
    try:
        p = run('sendDocument', 'chat_id=42', 'document=@' + f.name, 'caption=c')
        check('sendDocument exit 0', p.returncode == 0, p.stderr)
        r = requests('sendDocument')
        files = r[0]['files'] if r else {}
        check('file arrived whole', files.get('document', {}).get('sha256') == hashlib.sha256(data).hexdigest(), str(files))
        check('caption alongside', r and r[0]['params'].get('caption') == 'c')
        n = len(requests('sendDocument'))
        p = run('sendDocument', 'chat_id=42', 'document=@/nonexistent/file')
        check('missing file: exit 5, not sent', p.returncode == 5 and len(requests('sendDocument')) == n, str(p.returncode))
    finally:
        os.unlink(f.name)


@case
def updates_exactly_once():
    ctl('updates', {'count': 5, 'text': 'u'})
    p1 = run('--updates', '--max', '3', '--timeout', '1')
    l1 = [json.loads(l) for l in p1.stdout.splitlines()]
    p2 = run('--updates', '--max', '2', '--timeout', '1')
    l2 = [json.loads(l) for l in p2.stdout.splitlines()]
    ids = [u['update_id'] for u in l1 + l2]
    check('exit 0', p1.returncode == 0 and p2.returncode == 0, p1.stderr + p2.stderr)
    check('3 then 2 updates', len(l1) == 3 and len(l2) == 2, '%d %d' % (len(l1), len(l2)))
    check('no repeats, in order', ids == sorted(set(ids)) and len(ids) == 5, str(ids))
    check('texts', [u['message']['text'] for u in l1 + l2] == ['u %d' % i for i in range(1, 6)])
    check('all confirmed', ctl('state')['result']['offset'] == ids[-1] + 1 if ids else False)


@case
def updates_ctrl_c_confirms_what_was_printed():
    if WRAP:
        return            # a POSIX signal; the console control handler is not reachable through wine here
    import signal
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN)
    p = subprocess.Popen([BIN, '--base-url', URL, '--updates', '--timeout', '20'], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ctl('updates', {'count': 2, 'text': 'c'})
    lines = [json.loads(p.stdout.readline()), json.loads(p.stdout.readline())]
    p.send_signal(signal.SIGINT)          # the process is now in a 20 s long poll
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill(); rc = None
    check('Ctrl-C ends the long poll at once, exit 0', rc == 0, str(rc))
    check('both printed', [u['message']['text'] for u in lines] == ['c 1', 'c 2'])
    check('offset confirmed on the way out', ctl('state')['result']['offset'] == lines[-1]['update_id'] + 1)


@case
def https_with_ca_file():
    tls, cadir = os.environ.get('TG_FAKE_TLS_VALID'), os.environ.get('TG_TLS_DIR')
    if not tls or not cadir or os.environ.get('TGCALL_NO_TLS'):   # set by tests/windows/run.sh
        print('    skipped: no fake TLS server, or tgcall built without TLS')
        return
    p = run('--base-url', tls, '--ca-file', os.path.join(cadir, 'ca.pem'), 'getMe', base=False)
    check('https with the test CA: exit 0', p.returncode == 0 and json.loads(p.stdout)['id'] == 123456789, p.stderr)
    p = run('--base-url', tls, '--ca-file', os.path.join(cadir, 'ca.pem'), 'sendMessage', 'chat_id=1', 'text=tls', base=False)
    check('https send: exit 0', p.returncode == 0, p.stderr)
    p = run('--base-url', tls, 'getMe', base=False)      # the test CA is in no system bundle
    check('https without the CA: network exit 3, says why', p.returncode == 3 and 'certificate' in p.stderr.lower(),
          '%d %s' % (p.returncode, p.stderr))


@case
def no_token_says_so():
    p = run('getMe', token=None)
    check('no token: exit 2', p.returncode == 2 and 'TELEGRAM_BOT_TOKEN' in p.stderr, '%d %s' % (p.returncode, p.stderr))


print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
