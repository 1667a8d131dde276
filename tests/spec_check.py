#!/usr/bin/env python3
"""An independent reader of the Bot API spec: it shares no code with tools/gen_api.py and checks what
the generated code depends on against the spec's own text.

    tests/spec_check.py [SPEC]                 checks; prints "N passed, N failed"
    tests/spec_check.py --emit-c OUT [SPEC]    writes the C cases tests/test_gen_spec.c runs
                                               (committed as tests/gen/spec_cases.h; the check
                                               fails when that file is not current)

SPEC is a full spec (api-X.Y.json, with description text). Without it (a clone with no ../shared) the
text-based checks are skipped with a line saying so, and the C cases are built from the committed
schema, which `make check-gen` compares with the spec whenever the spec is present."""
import json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, 'src', 'gen', 'botapi-schema.json')
COMMITTED_CASES = os.path.join(ROOT, 'tests', 'gen', 'spec_cases.h')

# where the sender, the chat and the business connection of each update kind live, written from the
# documentation of each payload type (not derived from field types): path of the User, path of the
# Chat (or of an Integer chat id), path of the business connection id
KIND_CONTEXT = {
    'message': ('from', 'chat', 'business_connection_id'),
    'edited_message': ('from', 'chat', 'business_connection_id'),
    'channel_post': ('from', 'chat', None),
    'edited_channel_post': ('from', 'chat', None),
    'business_connection': ('user', '#user_chat_id', None),
    'business_message': ('from', 'chat', 'business_connection_id'),
    'edited_business_message': ('from', 'chat', 'business_connection_id'),
    'deleted_business_messages': (None, 'chat', 'business_connection_id'),
    'guest_message': ('from', 'chat', None),
    'message_reaction': ('user', 'chat', None),
    'message_reaction_count': (None, 'chat', None),
    'inline_query': ('from', None, None),
    'chosen_inline_result': ('from', None, None),
    'callback_query': ('from', 'message.chat', None),
    'shipping_query': ('from', None, None),
    'pre_checkout_query': ('from', None, None),
    'purchased_paid_media': ('from', None, None),
    'poll': (None, None, None),
    'poll_answer': ('user', None, None),
    'my_chat_member': ('from', 'chat', None),
    'chat_member': ('from', 'chat', None),
    'chat_join_request': ('from', 'chat', None),
    'chat_boost': (None, 'chat', None),
    'removed_chat_boost': (None, 'chat', None),
    'managed_bot': ('user', None, None),
    'subscription': ('user', None, None),
    'stopped_message_generation': (None, 'chat', None),
}
# methods that move Stars or spend them, from the documentation of each
SPENDS_STARS = {'sendGift', 'giftPremiumSubscription', 'upgradeGift', 'transferGift',
                'transferBusinessAccountStars', 'convertGiftToStars', 'refundStarPayment'}
FROM_ID, CHAT_ID, BC = 111000111, -100222000222, 'bc-77'

passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('spec-check: FAIL: %s' % what)


def text(x):
    return ' '.join(x) if isinstance(x, list) else (x or '')


def snake(n):
    out = ''
    for i, c in enumerate(n):
        if c.isupper() and i and (n[i - 1].islower() or n[i - 1].isdigit() or (i + 1 < len(n) and n[i + 1].islower())):
            out += '_'
        out += c.lower()
    return out


C_KEYWORDS = {'default', 'static', 'auto', 'register', 'union', 'struct', 'enum', 'const', 'volatile', 'extern',
              'signed', 'unsigned', 'inline', 'restrict', 'delete', 'new', 'class', 'private', 'public',
              'protected', 'this', 'template', 'operator', 'friend', 'virtual', 'export', 'explicit'}


def member(n):
    s = snake(n)
    return s + '_' if s in C_KEYWORDS else s


def tag_in_text(desc):
    """the fixed value a variant's description states for its tag member"""
    for pat in (r'\balways \u201c([^\u201d]+)\u201d', r'\balways "([^"]+)"', r'must be ([a-z][a-z0-9_]*)\.?\s*$'):
        m = re.search(pat, desc)
        if m:
            return m.group(1)
    m = re.match(r'Always (-?\d+)\b', desc)
    return int(m.group(1)) if m else None


class Minimal:
    """a minimal valid instance of a type: required members only"""
    def __init__(self, types, consts):
        self.types, self.consts = types, consts

    def value(self, t, depth=0):
        if t.startswith('Array of '):
            return []
        if t in ('Integer',):
            return 1
        if t == 'Float':
            return 1.5
        if t in ('Boolean', 'True'):
            return True
        if t in ('String', 'InputFile'):
            return 's'
        ty = self.types[t]
        if ty.get('subtypes'):
            if 'String' in ty['subtypes']:       # RichText: plain text is one of its forms
                return 's'
            sub = next(s for s in ty['subtypes'] if s in self.types)
            return self.value(sub, depth + 1)
        return self.obj(t, depth)

    def obj(self, t, depth=0, full=False):
        o = {}
        for f in self.types[t].get('fields', []):
            c = self.consts.get((t, f['name']))
            if c is not None:
                o[f['name']] = c
            elif f['required'] or full:
                o[f['name']] = self.value(f['types'][0], depth + 1) if depth < 8 else None
        return o


def main():
    args = sys.argv[1:]
    emit = None
    if args[:1] == ['--emit-c']:
        emit, args = args[1], args[2:]
    spec_path = args[0] if args and args[0] and os.path.exists(args[0]) else None
    with open(SCHEMA, encoding='utf-8') as f:
        schema = json.load(f)
    spec = None
    if spec_path:
        with open(spec_path, encoding='utf-8') as f:
            spec = json.load(f)
    else:
        print('spec-check: no spec under ../shared/botapi: text checks skipped, cases from the committed schema')
    types = (spec or schema)['types']
    # fixed values: from the spec's text when present, else the schema's
    consts = {}
    for tn, t in types.items():
        for f in t.get('fields', []):
            v = tag_in_text(text(f.get('description'))) if spec else f.get('const')
            if v is not None and f['types'] in (['String'], ['Integer']) and isinstance(v, str) == (f['types'] == ['String']):
                consts[(tn, f['name'])] = v

    # 1. every abstract type: each variant's tag in the schema equals the value its text states
    disc_cases = []
    for tn, t in types.items():
        subs = [s for s in t.get('subtypes', []) if s in types]
        if not subs:
            continue
        names = None
        for s in subs:
            fixed = {f['name'] for f in types[s].get('fields', []) if (s, f['name']) in consts}
            names = fixed if names is None else names & fixed
        members = sorted(names or [])
        if tn == 'MaybeInaccessibleMessage':
            members = ['date']
        check(members or tn in ('RichText',) or all((s, 'type') not in consts for s in subs),
              '%s: no tag member found in the variants\' text' % tn)
        for s in subs:
            for m in members:
                want = consts.get((s, m))
                got = next((f.get('const') for f in schema['types'][s].get('fields', []) if f['name'] == m), None)
                check(got == want, '%s.%s: schema says %r, the spec text %r' % (s, m, got, want))
            inst = Minimal(types, consts).obj(s)
            if tn == 'MaybeInaccessibleMessage' and s == 'Message':
                inst['date'] = 1700000000
            kind = 'TG_%s_%s' % (snake(tn).upper(), member(s[len(tn):] if s.startswith(tn) and s != tn else s).upper())
            disc_cases.append((tn, kind, s, inst, members[0] if members else '', consts.get((s, members[0])) if members else None))

    # 2. method classes: every method has one; reads are get*; what spends Stars is "spend";
    #    a method that returns the sent message is never repeated (send or spend)
    methods = (spec or schema)['methods']
    for mn, m in methods.items():
        cls = schema['methods'].get(mn, {}).get('class')
        check(cls in ('read', 'idempotent', 'send', 'spend'), '%s: no class in the schema' % mn)
        if mn.startswith('get'):
            check(cls == 'read', '%s: a get method should be read, is %s' % (mn, cls))
        if mn in SPENDS_STARS:
            check(cls == 'spend', '%s: spends Stars, class %s' % (mn, cls))
        if spec and re.search(r'(?i)the sent Message is returned|an array of the sent Messages|Returns the sent', text(m.get('description'))):
            check(cls in ('send', 'spend'), '%s: returns what it sent but is %s' % (mn, cls))
    check(set(schema['methods']) == set(methods), 'the schema and the spec list different methods')
    check(set(schema['types']) == set(types), 'the schema and the spec list different types')

    # 3. update kinds: the hand knowledge above covers every kind of the spec
    upd = [f['name'] for f in types['Update']['fields'] if f['name'] != 'update_id']
    for k in upd:
        check(k in KIND_CONTEXT, 'Update.%s: a new kind; add where its sender/chat live to KIND_CONTEXT' % k)

    # 4. zero that must be sendable: optional numbers whose default is not 0 (or "pass 0")
    if spec:
        for mn, m in spec['methods'].items():
            for f in m.get('fields', []):
                d = text(f.get('description'))
                dm = re.search(r'Defaults to (\d+)', d)
                need = not f['required'] and f['types'] == ['Integer'] and (
                    (dm and dm.group(1) != '0') or 'pass 0' in d or re.search(r'(?i)must be 0', d))
                got = next(g.get('zero_sent', False) for g in schema['methods'][mn]['fields'] if g['name'] == f['name'])
                check(bool(need) == got, '%s.%s: zero must %sbe sendable' % (mn, f['name'], '' if need else 'not '))

    # 5. the version and README's counts
    ver = schema['version']
    if spec:
        check(re.search(r'\b%s\b' % re.escape(ver), spec.get('version', '')) is not None, 'schema version %s, spec %s' % (ver, spec.get('version')))
    readme = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
    nm, nt = len(schema['methods']), len(schema['types'])
    for s in ('(Bot API %s)' % ver, 'Every Bot API %s method** (%d)' % (ver, nm), 'type (%d)' % nt,
              '`methods: %d/%d`' % (nm, nm), '`types: %d/%d`' % (nt, nt)):
        check(s in readme, 'README.md does not say %r' % s)
    prelude = open(os.path.join(ROOT, 'src', 'prelude.h'), encoding='utf-8').read()
    check('Bot API %s.' % ver in prelude, 'src/prelude.h does not name Bot API %s' % ver)

    cases = c_cases(schema, types, consts, disc_cases, upd)
    if emit:
        with open(emit, 'w', encoding='utf-8') as f:
            f.write(cases)
        return 0
    try:
        with open(COMMITTED_CASES, encoding='utf-8') as f:
            cur = f.read()
    except OSError:
        cur = None
    check(cur == cases, 'tests/gen/spec_cases.h is not what this reader writes now: run '
          'tests/spec_check.py --emit-c tests/gen/spec_cases.h SPEC')
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def set_path(o, path, v):
    parts = path.split('.')
    for p in parts[:-1]:
        o = o[p]
    o[parts[-1]] = v


def c_cases(schema, types, consts, disc_cases, upd):
    mk = Minimal(types, consts)
    L = ['/* GENERATED by tests/spec_check.py from the spec text (or the committed schema): do not edit. */']
    L.append('typedef struct spec_disc_case { tg_type_id abs; int kind; const char *variant, *json, *member, *value; } spec_disc_case;')
    L.append('static const spec_disc_case spec_disc_cases[] = {')
    for tn, kind, s, inst, member, val in disc_cases:
        L.append('    { TG_TYPE_%s, %s, %s, %s, %s, %s },' % (
            snake(tn).upper(), kind, cstr(s), cstr(json.dumps(inst, separators=(',', ':'))), cstr(member),
            cstr(str(val)) if val is not None else 'NULL'))
    L.append('};')
    # fields of several object types: the owner with each alternative, every member of it set
    L.append('typedef struct spec_union_case { tg_type_id owner; const char *field, *variant, *json; } spec_union_case;')
    L.append('static const spec_union_case spec_union_cases[] = {')
    for tn, t in types.items():
        for f in t.get('fields', []):
            alts = [x.replace('Array of ', '') for x in f['types']]
            if len(alts) < 2 or not all(a in types and not types[a].get('subtypes') for a in alts):
                continue
            for a in alts:
                o = mk.obj(tn)
                v = mk.obj(a, 1, full=True)
                for g in types[a].get('fields', []):       # distinct, non-default values
                    if g['types'] == ['Boolean'] and (a, g['name']) not in consts:
                        v[g['name']] = True
                    if g['types'] == ['Integer'] and (a, g['name']) not in consts:
                        v[g['name']] = 42
                    if g['types'] == ['String'] and (a, g['name']) not in consts:
                        v[g['name']] = 'v-' + g['name']
                    if g['types'] == ['Array of MessageEntity']:
                        v[g['name']] = [{'type': 'bold', 'offset': 0, 'length': 1}]
                o[f['name']] = [v] if f['types'][0].startswith('Array of ') else v
                L.append('    { TG_TYPE_%s, %s, %s, %s },' % (snake(tn).upper(), cstr(f['name']), cstr(a),
                                                              cstr(json.dumps(o, separators=(',', ':')))))
    L.append('};')
    L.append('typedef struct spec_kind_case { const char *kind, *json; int64_t from, chat; const char *bc; } spec_kind_case;')
    L.append('static const spec_kind_case spec_kind_cases[] = {')
    for k in upd:
        if k not in KIND_CONTEXT:
            continue
        t = next(f['types'][0] for f in types['Update']['fields'] if f['name'] == k)
        p = mk.obj(t)
        fr, ch, bc = KIND_CONTEXT[k]
        if ch and ch.endswith('message.chat'):
            p['message'] = mk.obj('Message')
            p['message']['date'] = 1700000000
        if fr:
            set_path(p, fr, {'id': FROM_ID, 'is_bot': False, 'first_name': 'U'})
        if ch and ch.startswith('#'):
            set_path(p, ch[1:], CHAT_ID)
        elif ch:
            set_path(p, ch, {'id': CHAT_ID, 'type': 'supergroup'})
        if bc:
            set_path(p, bc, BC)
        # an unknown member placed first must not hide the kind
        doc = '{"update_id":7,"zz_future_field":{"a":1},%s:%s}' % (json.dumps(k), json.dumps(p, separators=(',', ':')))
        want_chat = CHAT_ID if ch else (FROM_ID if fr else 0)
        L.append('    { %s, %s, %d, %dLL, %s },' % (cstr(k), cstr(doc), FROM_ID if fr else 0, want_chat,
                                                   cstr(BC) if bc else 'NULL'))
    L.append('};')
    L.append('#define SPEC_UPDATE_KINDS %d' % len(upd))
    L.append('typedef struct spec_method_case { const char *name; uint32_t cls; } spec_method_case;')
    L.append('static const spec_method_case spec_method_cases[] = {')
    flag = {'read': 'TG__CALL_READ', 'idempotent': 'TG__CALL_IDEMPOTENT', 'send': 'TG__CALL_SENDS', 'spend': 'TG__CALL_SPENDS'}
    for mn, m in schema['methods'].items():
        cls = 'spend' if mn in SPENDS_STARS else m['class']
        L.append('    { %s, %s },' % (cstr(mn), flag[cls]))
    L.append('};')
    return '\n'.join(L) + '\n'


if __name__ == '__main__':
    sys.exit(main())
