#!/usr/bin/env python3
"""Generates the Bot API room of tgbot.h. Dev-time only: users never run it.

    tools/gen_api.py --spec api-X.Y.json [--out DIR]   spec -> DIR/src/gen/botapi-schema.json, then code
    tools/gen_api.py [--schema S] [--out DIR]          the committed schema -> code
    (DIR defaults to the repo; code = src/gen/api_types.h, api.h, api.c, tests/gen/api_cases.h, docs/API.md)

The spec (api.json format, MIT data from the telegram-bot-api-spec project) is read only by
extract_schema(): it keeps the facts (names, types, required flags, fixed values, defaults that
matter, method classes) and drops the description text. Everything else reads the schema.

Design:
- every type → a C struct (fields in spec order); optional Integer/Float/Boolean fields get a
  `bool has_<name>` right after them; nested objects are pointers; `Array of X` is pointer + count;
  `Array of Array of X` is a pointer to tg_x_list + count; abstract types are tagged structs
  { kind; union of variant pointers } whose kind 0 means "a variant this build does not know".
- every method → tg_<snake>(bot, const args *, out) going through one table-driven encoder/decoder
  (src/codec.c): the generated code is tables, not per-type functions, so the header compiles fast.
- argument structs: zero / NULL = not sent; a Boolean whose Telegram default is True is a tg_flag;
  object parameters also take raw JSON (`<name>_json`), and `extra_json` merges raw parameters.
- method classes for the retry policy: read = get*; every other method is classified in the one
  table METHOD_CLASSES below (idempotent / send / spend); an unlisted method stops the generator.
Doc comments only link to the official page; no description text is copied."""
import argparse, glob, json, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = os.path.join('src', 'gen', 'botapi-schema.json')
DOCS = 'https://core.telegram.org/bots/api'

# ---- method classes: the one annotated table (read by tg_call, the retry policy and the webhook) ----
# Derived from the spec: a method whose name starts with "get" only reads (class "read"). Every other
# method of the spec must be listed below, or the generator stops: a new method is a decision.
METHOD_CLASSES = {
    # spend: moves Stars (the bot's or a business account's) or converts/upgrades a gift for good;
    # a repeat after an unknown outcome could spend twice
    'spend': """sendGift giftPremiumSubscription upgradeGift transferGift transferBusinessAccountStars
        refundStarPayment convertGiftToStars""",
    # send: each call creates something new (a message, a link, a topic, a story, a sticker set...);
    # a repeat after an unknown outcome would duplicate it. replaceManagedBotToken and
    # exportChatInviteLink revoke what the previous call returned, so they are not repeatable either.
    'send': """sendMessage forwardMessage forwardMessages copyMessage copyMessages sendPhoto sendLivePhoto
        sendAudio sendDocument sendVideo sendAnimation sendVoice sendVideoNote sendPaidMedia sendMediaGroup
        sendLocation sendVenue sendContact sendPoll sendChecklist sendDice sendMessageDraft sendChatAction
        createChatInviteLink createChatSubscriptionInviteLink exportChatInviteLink sendChatJoinRequestWebApp
        createForumTopic postStory repostStory savePreparedInlineMessage savePreparedKeyboardButton sendSticker
        uploadStickerFile createNewStickerSet addStickerToSet sendRichMessage sendRichMessageDraft sendInvoice
        createInvoiceLink sendGame replaceManagedBotToken""",
    # idempotent: setting, editing, answering, deleting: doing it twice leaves the same state (or the
    # second call fails harmlessly, e.g. "message to delete not found")
    'idempotent': """setWebhook deleteWebhook logOut close setMessageReaction setUserEmojiStatus banChatMember
        unbanChatMember restrictChatMember promoteChatMember setChatAdministratorCustomTitle setChatMemberTag
        banChatSenderChat unbanChatSenderChat setChatPermissions editChatInviteLink editChatSubscriptionInviteLink
        revokeChatInviteLink approveChatJoinRequest declineChatJoinRequest answerChatJoinRequestQuery setChatPhoto
        deleteChatPhoto setChatTitle setChatDescription pinChatMessage unpinChatMessage unpinAllChatMessages
        leaveChat setChatStickerSet deleteChatStickerSet editForumTopic closeForumTopic reopenForumTopic
        deleteForumTopic unpinAllForumTopicMessages editGeneralForumTopic closeGeneralForumTopic
        reopenGeneralForumTopic hideGeneralForumTopic unhideGeneralForumTopic unpinAllGeneralForumTopicMessages
        answerCallbackQuery answerGuestQuery setManagedBotAccessSettings setMyCommands deleteMyCommands
        setMyName setMyDescription setMyShortDescription setMyProfilePhoto removeMyProfilePhoto setChatMenuButton
        setMyDefaultAdministratorRights verifyUser verifyChat removeUserVerification removeChatVerification
        readBusinessMessage deleteBusinessMessages setBusinessAccountName setBusinessAccountUsername
        setBusinessAccountBio setBusinessAccountProfilePhoto removeBusinessAccountProfilePhoto
        setBusinessAccountGiftSettings editStory deleteStory answerWebAppQuery editMessageText editMessageCaption
        editMessageMedia editMessageLiveLocation stopMessageLiveLocation editMessageChecklist
        editMessageReplyMarkup stopPoll editEphemeralMessageText editEphemeralMessageMedia
        editEphemeralMessageCaption editEphemeralMessageReplyMarkup approveSuggestedPost declineSuggestedPost
        deleteMessage deleteMessages deleteEphemeralMessage deleteMessageReaction deleteAllMessageReactions
        setStickerPositionInSet deleteStickerFromSet replaceStickerInSet setStickerEmojiList setStickerKeywords
        setStickerMaskPosition setStickerSetTitle setStickerSetThumbnail setCustomEmojiStickerSetThumbnail
        deleteStickerSet answerInlineQuery answerShippingQuery answerPreCheckoutQuery editUserStarSubscription
        setPassportDataErrors setGameScore""",
}
CLASS_FLAGS = {'read': 'TG__CALL_READ', 'idempotent': 'TG__CALL_IDEMPOTENT', 'send': 'TG__CALL_SENDS',
               'spend': 'TG__CALL_SPENDS'}
KEYWORDS = {'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
            'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
            'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
            'volatile', 'while', 'bool', 'class', 'delete', 'new', 'private', 'public', 'protected', 'this',
            'template', 'typename', 'operator', 'friend', 'virtual', 'namespace', 'using', 'try', 'catch',
            'throw', 'explicit', 'export', 'mutable', 'true', 'false', 'and', 'or', 'not', 'xor'}
KEYBOARDS = ['InlineKeyboardMarkup', 'ReplyKeyboardMarkup', 'ReplyKeyboardRemove', 'ForceReply']


def fail(msg):
    sys.stderr.write('gen_api.py: %s\n' % msg)
    sys.exit(1)


def snake(name):
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name)
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    return s.lower()


def cname(n):
    return n + '_' if n in KEYWORDS else n


def desc_text(x):
    return ' '.join(x) if isinstance(x, list) else (x or '')


def method_class(name):
    """the class of a spec method: the name rule, else the annotated table, else a loud failure"""
    listed = [c for c, names in METHOD_CLASSES.items() if name in names.split()]
    if name.startswith('get'):
        if listed:
            fail('%s: a get* method is "read" by rule; remove it from METHOD_CLASSES' % name)
        return 'read'
    if len(listed) != 1:
        fail('method %s is %s in METHOD_CLASSES: classify it (read / idempotent / send / spend) in '
             'tools/gen_api.py' % (name, 'not listed' if not listed else 'listed twice'))
    return listed[0]


# ---- the spec -> the committed schema: the only code that reads description text ----
def field_facts(f, owner, is_arg):
    """the facts of one field the generated code depends on; description text itself is not kept"""
    d = desc_text(f.get('description'))
    out = {'name': f['name'], 'types': f['types'], 'required': bool(f['required'])}
    if f['types'] == ['String']:
        # a fixed value: 'always “emoji”' or 'Type of the result, must be mpeg4_gif'
        m = re.search(r'\balways [\u201c"]([^\u201d"]+)[\u201d"]', d) or re.search(r', must be ([a-z][a-z0-9_]*)\.?$', d)
        if m:
            out['const'] = m.group(1)
        if 'attach://' in d and owner.startswith('Input'):
            out['file'] = True        # a file_id/URL or "attach://<name>": an upload inside JSON
    if f['types'] == ['Integer']:
        m = re.match(r'Always (-?[0-9]+)\.', d)
        if m:
            out['const'] = int(m.group(1))
        if not f['required'] and is_arg:
            m = re.search(r'Defaults to (-?[0-9]+)', d)
            # 0 is a value, not "absent", when Telegram's default differs or the text asks for 0
            if (m and int(m.group(1)) != 0) or re.search(r'(?i)\bpass 0\b|\bmust be 0\b', d):
                out['zero_sent'] = True
    if f['types'] in (['Boolean'], ['True']) and not f['required'] and is_arg and \
            re.search(r'(?i)defaults? to true|default is true|true by default', d):
        out['default_true'] = True
    return out


def extract_schema(spec):
    ver = spec.get('version', '')
    m = re.search(r'([0-9]+\.[0-9]+)', ver)
    if not m:
        fail('the spec has no version number (%r)' % ver)
    types, methods = {}, {}
    for n, t in spec['types'].items():
        if t.get('subtypes'):
            types[n] = {'subtypes': t['subtypes']}
        else:
            types[n] = {'fields': [field_facts(f, n, False) for f in t.get('fields', [])]}
    for n, mt in spec['methods'].items():
        e = {'returns': mt.get('returns', ['Boolean']), 'class': method_class(n)}
        if mt.get('fields'):
            e['fields'] = [field_facts(f, n, True) for f in mt['fields']]
        methods[n] = e
    return {'version': m.group(1), 'release_date': spec.get('release_date', ''), 'docs': DOCS,
            'types': types, 'methods': methods}


def schema_text(s):
    """one line per type and method, so a new Bot API version is a readable diff"""
    def dump(x):
        return json.dumps(x, ensure_ascii=False, separators=(',', ':'))
    out = ['{"version":%s,"release_date":%s,"docs":%s,' % (dump(s['version']), dump(s['release_date']), dump(s['docs']))]
    out.append('"types":{')
    out.append(',\n'.join('%s:%s' % (dump(n), dump(t)) for n, t in s['types'].items()))
    out.append('},\n"methods":{')
    out.append(',\n'.join('%s:%s' % (dump(n), dump(m)) for n, m in s['methods'].items()))
    out.append('}}')
    return '\n'.join(out) + '\n'


def newest_spec():
    files = glob.glob(os.path.join(ROOT, '..', 'shared', 'botapi', 'api-*.json'))
    def key(p):
        return tuple(int(x) for x in re.findall(r'[0-9]+', os.path.basename(p)))
    return max(files, key=key) if files else None


class Gen:
    def __init__(self, schema):
        self.d = schema
        self.types = schema['types']
        self.methods = schema['methods']
        self.tnames = list(self.types.keys())
        self.extra = ['ReplyMarkup']          # synthetic abstract type for reply_markup unions
        self.synth = {'ReplyMarkup': KEYBOARDS}
        self.union_of = {}                    # tuple(alternatives) -> abstract type name
        self.lists = set()                    # element types needing tg_x_list
        self.p_opt = 0.6
        # fields with several object types become tagged unions: find or make their abstract type
        for owner, fields in [(n, t.get('fields', [])) for n, t in self.types.items()] + \
                [(n, m.get('fields', [])) for n, m in self.methods.items()]:
            for f in fields:
                self.field_union(f, owner)
        self.index = {n: i for i, n in enumerate(self.tnames + self.extra)}
        self.disc = {}
        for n in self.tnames + self.extra:
            if self.is_abstract(n):
                self.disc[n] = self.find_disc(self.subs_of(n))

    def field_union(self, f, owner):
        """the abstract type of a field with several types, or None; fails on a mix it cannot represent"""
        types = f['types']
        if len(types) < 2 or types in (['Integer', 'String'], ['InputFile', 'String']):
            return None
        arr = all(t.startswith('Array of ') for t in types)
        alts = [t[9:] if arr else t for t in types]
        if not all(a in self.types and not self.types[a].get('subtypes') for a in alts):
            fail('%s.%s: cannot represent the types %s; teach tools/gen_api.py' % (owner, f['name'], types))
        key = tuple(sorted(alts))
        if key in self.union_of:
            return self.union_of[key]
        if set(alts) == set(KEYBOARDS):
            name = 'ReplyMarkup'
        else:
            exact = [n for n, t in self.types.items() if t.get('subtypes') and set(t['subtypes']) == set(alts)]
            sup = sorted((len(t['subtypes']), n) for n, t in self.types.items()
                         if t.get('subtypes') and set(t['subtypes']) > set(alts))
            if exact:
                name = exact[0]
            elif sup:
                # e.g. sendMediaGroup.media: the InputMedia kinds a media group accepts; the encoder
                # sends whichever kind the caller set, Telegram checks the combination
                name = sup[0][1]
            else:       # no abstract type fits: a new tagged union named after the field
                name = owner[0].upper() + owner[1:] + ''.join(p.capitalize() for p in f['name'].split('_'))
                self.synth[name] = alts
                self.extra.append(name)
        self.union_of[key] = name
        return name

    def const_of(self, sub, field):
        for f in self.types.get(sub, {}).get('fields', []):
            if f['name'] == field:
                return f.get('const')
        return None

    def find_disc(self, subs):
        """→ (member, numeric?) or None. A String member every object variant has with a fixed value
        ("type": "photo"), else a member all variants have and some fix to a number (date == 0 marks
        an InaccessibleMessage)"""
        subs = [s for s in subs if s in self.types]      # RichText also has String / Array variants
        if not subs:
            return None
        for f in self.types[subs[0]].get('fields', []):
            if f['types'] == ['String'] and all(isinstance(self.const_of(s, f['name']), str) for s in subs):
                return (f['name'], False)
        for f in self.types[subs[0]].get('fields', []):
            if f['types'] == ['Integer'] and \
                    all(any(g['name'] == f['name'] for g in self.types[s].get('fields', [])) for s in subs) and \
                    any(isinstance(self.const_of(s, f['name']), int) for s in subs):
                return (f['name'], True)
        return None

    def disc_val(self, sub, field):
        v = self.const_of(sub, field)
        return None if v is None else str(v)

    def subs_of(self, n):
        return self.synth[n] if n in self.synth else self.types[n]['subtypes']

    def is_abstract(self, n):
        return n in self.synth or bool(self.types.get(n, {}).get('subtypes'))

    # ---- field classification ----
    def classify(self, f, owner, is_arg):
        """→ (kind, flags, elem type name or None, arr_depth)"""
        types = f['types']
        if types == ['Integer', 'String']:
            return ('CHATREF', 0, None, 0)
        if types in (['InputFile', 'String'], ['InputFile']) or f.get('file'):
            return ('FILE', 0, None, 0)
        u = self.field_union(f, owner)
        if u:
            return ('OBJ', 0, u, 1 if types[0].startswith('Array of ') else 0)
        depth = 0
        t = types[0]
        while t.startswith('Array of '):
            t = t[9:]
            depth += 1
        kind = {'Integer': 'I64', 'Float': 'F64', 'Boolean': 'BOOL', 'True': 'BOOL', 'String': 'STR'}.get(t, 'OBJ')
        if kind == 'OBJ' and t not in self.types:
            fail('%s.%s: unknown type %s' % (owner, f['name'], t))
        if kind == 'FILE' and depth:
            fail('%s.%s: arrays of files are not supported' % (owner, f['name']))
        if kind == 'BOOL' and is_arg and f.get('default_true'):
            kind = 'FLAG'
        return (kind, 0, t if kind == 'OBJ' else None, depth)

    def ctype(self, kind, tname, is_arg):
        c = 'const ' if is_arg else ''
        return {'I64': 'int64_t ', 'F64': 'double ', 'BOOL': 'bool ', 'STR': 'const char *', 'FLAG': 'tg_flag ',
                'CHATREF': 'tg_chat_ref ', 'FILE': 'const tg_input_file *'}.get(kind) or \
            '%stg_%s ' % (c, snake(tname))

    def struct_fields(self, owner, fields, is_arg):
        """C member lines and table rows for a struct"""
        lines, rows = [], []
        sname = owner
        for f in fields:
            n = cname(f['name'])
            kind, _, tname, depth = self.classify(f, owner, is_arg)
            flags = []
            req = '   /* required */' if f['required'] else ''
            if f['required']:
                flags.append('TG__F_REQ')
            elem = self.ctype(kind, tname, is_arg)
            aux = '0'
            raw = '0'
            if depth >= 2:
                self.lists.add(tname or kind)
                lt = 'tg_%s_list' % snake(tname)
                lines.append('    %s%s *%s; size_t %s_count;%s' % ('const ' if is_arg else '', lt, n, n, req))
                flags.append('TG__F_ARR2')
                aux = 'offsetof(%s, %s_count)' % (sname, n)
            elif depth == 1:
                lines.append('    %s*%s; size_t %s_count;%s' % (elem, n, n, req))
                flags.append('TG__F_ARR')
                aux = 'offsetof(%s, %s_count)' % (sname, n)
            elif kind == 'OBJ':
                lines.append('    %s*%s;%s' % (elem, n, req))
                flags.append('TG__F_PTR')
            else:
                lines.append('    %s%s;%s' % (elem, n, req))
                if not f['required'] and (not is_arg or f.get('zero_sent')) and kind in ('I64', 'F64', 'BOOL'):
                    lines[-1] = lines[-1].replace(';', '; bool has_%s;' % n, 1) + ('   /* has_: 0 is sent */' if is_arg else '')
                    flags.append('TG__F_HAS')
                    aux = 'offsetof(%s, has_%s)' % (sname, n)
            if is_arg and (kind == 'OBJ' or depth):
                lines[-1] = lines[-1].replace(req, '') + ' const char *%s_json;%s' % (n, req)
                flags.append('TG__F_RAW')
                raw = 'offsetof(%s, %s_json)' % (sname, n)
            if cname(f['name']) != f['name']:
                fail('%s.%s: a member named like a C/C++ keyword; teach the name lists a JSON name' % (owner, f['name']))
            ty = 'TG_TYPE_%s' % snake(tname).upper() if tname else '0'
            bits = {'TG__F_REQ': 1, 'TG__F_ARR': 4, 'TG__F_ARR2': 8, 'TG__F_PTR': 16}
            fl = sum(bits.get(x, 0) for x in flags)
            shape = 'A' if depth else 'H' if 'TG__F_HAS' in flags else 'F'
            if 'TG__F_RAW' in flags:
                shape = 'AR' if depth else 'R'
            rows.append((shape, n, kind, fl, ty))
        return lines, rows

    def method_flags(self, name):
        return CLASS_FLAGS[self.methods[name]['class']]

    def result(self, m):
        rets = m.get('returns', ['Boolean'])
        r = rets[0]
        if r in ('Boolean', 'True'):
            return ('BOOL', 0, 0, 'bool *')
        if r == 'Integer':
            return ('I64', 0, 0, 'int64_t *')
        if r == 'String':
            return ('STR', 0, 0, 'const char **')
        if r.startswith('Array of '):
            t = r[9:]
            self.lists.add(t)
            return ('OBJ', 1, self.index[t], 'tg_%s_list *' % snake(t))
        return ('OBJ', 0, self.index[r], 'tg_%s **' % snake(r))

    # ---- output ----
    def generate(self):
        H, C, D = [], [], []
        ver = self.d['version']
        hd = '/* GENERATED by tools/gen_api.py from the Bot API %s schema (src/gen/botapi-schema.json): do not edit. */' % ver
        H.append(hd)
        H.append('/* Types: https://core.telegram.org/bots/api#available-types  Methods: '
                 'https://core.telegram.org/bots/api#available-methods\n   Memory: see bot.h (results live in the bot arena until tg_bot_reset).\n'
                 '   Presence when encoding: 0 / NULL / false means "not sent", except: an array is sent when its\n'
                 '   pointer is non-NULL, even with count 0 (results = [] is a valid answer); an optional number\n'
                 '   whose Telegram default is not 0 has a has_<name> member that sends 0; a Boolean parameter\n'
                 '   whose default is True is a tg_flag. Required members are marked "required". An object\n'
                 '   parameter may instead be given as raw JSON in <name>_json; extra_json adds raw parameters. */')
        H.append('#define TGBOT_BOTAPI_VERSION "%s"' % ver)
        H.append('#define TGBOT_BOTAPI_METHODS %d\n#define TGBOT_BOTAPI_TYPES %d' % (len(self.methods), len(self.types)))
        # type ids
        H.append('typedef enum tg_type_id {')
        for n in self.tnames:
            H.append('    TG_TYPE_%s,' % snake(n).upper())
        H.append('    TG__TYPE_COUNT\n} tg_type_id;')
        for n in self.tnames + self.extra:
            if n != 'InputFile':
                H.append('typedef struct tg_%s tg_%s;' % (snake(n), snake(n)))
        # collect lists first (needs a classification pass)
        bodies, rows_all = [], {}
        for n in self.tnames:
            t = self.types[n]
            if t.get('subtypes') or n == 'InputFile':
                continue
            lines, rows = self.struct_fields('tg_' + snake(n), t.get('fields', []), False)
            bodies.append((n, lines))
            rows_all[n] = rows
        margs = {}
        for mn, m in self.methods.items():
            if m.get('fields'):
                lines, rows = self.struct_fields('tg_%s_args' % snake(mn), m['fields'], True)
                margs[mn] = (lines, rows)
        results = {mn: self.result(m) for mn, m in self.methods.items()}
        for n in self.tnames + self.extra:
            if self.is_abstract(n) and any(x.startswith('Array of ') for x in self.subs_of(n)):
                self.lists.add(n)
        for t in sorted(self.lists):
            H.append('typedef struct tg_%s_list { tg_%s *items; size_t count; } tg_%s_list;' % (snake(t), snake(t), snake(t)))
        for mn in self.methods:
            if mn in margs:
                H.append('typedef struct tg_%s_args tg_%s_args;' % (snake(mn), snake(mn)))
        # the names above come early in tgbot.h (the hand-written modules use them); the definitions
        # below come after the hand-written public API, so a reader meets the bot and the dispatcher first
        HF, H = H, [hd, '/* The Bot API types and methods (names declared in gen/api_types.h). struct tg_<name> is the\n'
                        '   type <Name> of https://core.telegram.org/bots/api#<name> (tg_inline_query_result_cached_mpeg4_gif:\n'
                        '   #inlinequeryresultcachedmpeg4gif); an abstract type is { kind; union of its variants }. */']
        # abstract types
        for n in self.tnames + self.extra:
            if not self.is_abstract(n):
                continue
            sn = snake(n)
            if n in self.synth:
                H.append('/* a field of several types: one of %s */' % ', '.join(self.subs_of(n)))
            H.append('typedef enum tg_%s_kind {\n    TG_%s_UNKNOWN = 0,' % (sn, sn.upper()))
            members = []
            for s in self.subs_of(n):
                mem = self.sub_member(n, s)
                H.append('    TG_%s_%s,' % (sn.upper(), mem.upper()))
                if s == 'String':
                    members.append('const char *%s;' % mem)
                elif s.startswith('Array of '):
                    members.append('tg_%s_list *%s;' % (sn, mem))
                else:
                    members.append('tg_%s *%s;' % (snake(s), mem))
            H.append('    TG__%s_FORCE_U32 = 0x7FFFFFFF\n} tg_%s_kind;' % (sn.upper(), sn))
            H.append('struct tg_%s {\n    tg_%s_kind kind;\n    union {\n        %s\n        void *any;\n    } u;\n};' % (
                sn, sn, '\n        '.join(members)))
        for n, lines in bodies:
            H.append('struct tg_%s {\n%s\n};' % (snake(n), '\n'.join(lines) if lines else '    int unused_;   /* no fields */'))
        H.append('/* decodes any Bot API type from parsed JSON; strings point into the JSON buffer */')
        H.append('TGBOT_API tg_err tg_decode(tg_type_id type, const tg_json_value *v, tg_arena *a, void *out);')
        H.append('/* on failure the writer\'s sticky error is set and its output must not be used */')
        H.append('TGBOT_API tg_err tg_encode(tg_type_id type, const void *obj, tg_json_writer *w);')
        for mn, m in self.methods.items():
            sn = snake(mn)
            if mn in margs:
                H.append('struct tg_%s_args {\n%s\n    const char *extra_json;\n};' % (
                    sn, '\n'.join(margs[mn][0])))
            out = results[mn][3]
            H.append('/* https://core.telegram.org/bots/api#%s (%s) */' % (mn.lower(), m['class']))
            H.append('TGBOT_API tg_err tg_%s(tg_bot *bot, const tg_%s_args *args, %sout);' % (
                sn, sn, out) if mn in margs else 'TGBOT_API tg_err tg_%s(tg_bot *bot, %sout);' % (sn, out))
        # ---- C tables: pointer-free; every name is a member of one struct of char arrays ----
        names = self.tnames + self.extra
        # one blob of every name (types, methods, discriminator values, fields), each once
        vals = {}
        for n in names:
            d = self.disc.get(n)
            if self.is_abstract(n) and d:
                for sb in self.subs_of(n):
                    v = self.disc_val(sb, d[0])
                    if v:
                        vals[v] = True
        pool = [snake(n) for n in names] + [snake(mn) + '_args' for mn in margs] + list(self.methods) + sorted(vals)
        for rows in [rows_all.get(n, []) for n in self.tnames] + [margs[mn][1] for mn in margs]:
            pool += [r[1] for r in rows]
        off, chunks, cur, pos = {}, [], [], 1      # offset 0 is the empty name ("none")
        for nm in pool:
            if nm in off:
                continue
            if not re.match(r'^[A-Za-z0-9_]+$', nm):
                fail('name %r: only [A-Za-z0-9_] fit the name blob' % nm)
            if sum(len(x) + 1 for x in cur) + len(nm) + 1 > 3900:
                chunks.append(cur)
                cur, pos = [], pos + 1                # each chunk's literal ends with its own NUL
            off[nm] = pos
            cur.append(nm)
            pos += len(nm) + 1
        chunks.append(cur)
        if pos > 0xFFFF:
            fail('the name blob has %d bytes: more than uint16_t offsets reach' % pos)
        C.append(hd)
        C.append('/* every name, NUL-terminated, once; offsets into it stand for names in the tables (no\n'
                 '   pointers: nothing for the loader to relocate). Char arrays have alignment 1: one blob. */')
        body = []
        for i, ch in enumerate(chunks):
            toks, line, lines = ['"\\0"'] if i == 0 else [], '', []
            for nm in ch:
                t = '"%s\\0"' % nm
                if line and len(line) + len(t) > 110:
                    lines.append(line)
                    line = ''
                line += t
            lines.append(line)
            lit = ''.join(toks) + ''.join('\n    ' + l for l in lines)
            body.append((i, sum(len(x) + 1 for x in ch) + (1 if i == 0 else 0), lit))
        C.append('static const struct {\n%s\n} tg__name_blob = {%s\n};' % (
            '\n'.join('    char c%d[%d];' % (i, n + 1) for i, n, _ in body),
            ','.join(lit for _, _, lit in body)))
        C.append('typedef char tg__name_blob_check[sizeof tg__name_blob == %d ? 1 : -1];' % (
            sum(n + 1 for _, n, _ in body)))
        C.append('/* Field lists (nanopb FIELDLIST style), one row per field: X(S, shape, member, kind, flags, type,\n'
                 '   name) with S the struct (tg_<S>), shape F plain, H + has_<member>, A array + <member>_count,\n'
                 '   R + <member>_json, AR both; flags 1 required, 4 array, 8 array of arrays, 16 pointer; name:\n'
                 '   the offset of the JSON name in the blob. */')
        lists = []
        for owner, rows in [(snake(n), rows_all.get(n, [])) for n in self.tnames] + \
                [(snake(mn) + '_args', margs[mn][1]) for mn in margs]:
            if not rows:
                continue
            lists.append(owner)
            C.append('#define TG__FL_%s(X, S) \\\n%s' % (owner, '\\\n'.join(
                'X(S,%s,%s,%s,%d,%s,%d)' % (r[0], r[1], r[2], r[3], r[4][len('TG_TYPE_'):] if r[4] != '0' else '0', off[r[1]])
                for r in rows)))
        C.append('#define TG__L(X, S) TG__FL_##S(X, S)')
        C.append('#define TG__FL_ALL(X) \\\n%s' % '\\\n'.join(
            ' '.join('TG__L(X,%s)' % o for o in lists[i:i + 4]) for i in range(0, len(lists), 4)))
        first, k = {}, 0
        for owner, rows in [(n, rows_all.get(n, [])) for n in self.tnames] + [('args:' + mn, margs[mn][1]) for mn in margs]:
            first[owner] = k
            k += len(rows)
        subs_rows, sub_first = [], {}
        for n in names:
            if self.is_abstract(n):
                d = self.disc.get(n)
                sub_first[n] = len(subs_rows)
                for sb in self.subs_of(n):
                    idx = 'TG__SUB_STRING' if sb == 'String' else 'TG__SUB_ARRAY' if sb.startswith('Array of ') else 'TG_TYPE_%s' % snake(sb).upper()
                    v = self.disc_val(sb, d[0]) if d else None
                    subs_rows.append('{%s,%d}' % (idx, off[v] if v else 0))
        # the types (objects, abstract types, then argument structs): X(s, first, n, disc, abs, name)
        trows = []
        for n in names:
            if self.is_abstract(n):
                d = self.disc.get(n)
                trows.append('X(%s,%d,%d,%d,%s,%d)' % (snake(n), sub_first[n], len(self.subs_of(n)), off[d[0]] if d else 0,
                                                      ('NUMBER' if d[1] else 'TAG') if d else 'SHAPE', off[snake(n)]))
            else:
                trows.append('X(%s,%d,%d,0,NONE,%d)' % (snake(n), first.get(n, 0), len(rows_all.get(n, [])), off[snake(n)]))
        self.args_index = {}
        for mn, (lines, rows) in margs.items():
            self.args_index[mn] = len(names) + len(self.args_index)
            trows.append('X(%s_args,%d,%d,0,NONE,%d)' % (snake(mn), first['args:' + mn], len(rows), off[snake(mn) + '_args']))
        C.append('#define TG__TL(X) \\\n%s' % '\\\n'.join(trows))
        # the methods, sorted by name case-insensitively (Telegram ignores case) for the lookup by name:
        # X(name, snake, shape A with args / N without, out type, class, args type, result kind, array?, type, name)
        order = sorted(self.methods, key=lambda x: x.lower())
        mrows = []
        for mn in order:
            rk, rarr, rtype, out = results[mn]
            mrows.append('X(%s,%s,%s,%s,%s,%s,%s,%d,%d,%d)' % (
                mn, snake(mn), 'A' if mn in margs else 'N', out.strip(), self.method_flags(mn)[len('TG__CALL_'):],
                self.args_index.get(mn, 0xFFFF), rk, rarr, rtype, off[mn]))
        C.append('#define TG__ML(X) \\\n%s' % '\\\n'.join(mrows))
        C.append('#define TG_TYPE_0 0\n'
                 '#define TG__ROW(S, sh, m, k, fl, t, n) TG__ROW_##sh(S, m, TG__K_##k, fl, TG_TYPE_##t, n),\n'
                 '/* a companion member (has_, _count, _json) is not stored: the codec finds it right after its\n'
                 '   member (TG__F_AUX, TG__F_RAWOFF); TG__AT checks at compile time that it lies there */\n'
                 '#define TG__AT(S, m, c, d) (offsetof(tg_##S, m) + 0 * sizeof(char[offsetof(tg_##S, c) == offsetof(tg_##S, m) + (d) ? 1 : -1]))\n'
                 '#define TG__ROW_F(S, m, k, fl, t, n) { n, t, offsetof(tg_##S, m), k, fl }\n'
                 '#define TG__ROW_H(S, m, k, fl, t, n) { n, t, TG__AT(S, m, has_##m, TG__KSIZE(k)), k, (fl) | TG__F_HAS }\n'
                 '#define TG__ROW_A(S, m, k, fl, t, n) { n, t, TG__AT(S, m, m##_count, sizeof(void *)), k, fl }\n'
                 '#define TG__ROW_R(S, m, k, fl, t, n) { n, t, TG__AT(S, m, m##_json, sizeof(void *)), k, (fl) | TG__F_RAW }\n'
                 '#define TG__ROW_AR(S, m, k, fl, t, n) { n, t, TG__AT(S, m, m##_count, sizeof(void *)) + \\\n'
                 '    0 * TG__AT(S, m, m##_json, sizeof(void *) + sizeof(size_t)), k, (fl) | TG__F_RAW }')
        for n in self.extra:
            C.append('#define TG_TYPE_%s %d   /* a union with no type of its own in the spec */' % (snake(n).upper(), self.index[n]))
        C.append('static const tg__field tg__field_data[] = { TG__FL_ALL(TG__ROW) { 0, 0, 0, 0, 0 } };')
        C.append('/* variants of the abstract types: type, the discriminator\'s value (0: none) */')
        C.append('static const tg__sub tg__sub_data[] = {\n%s\n};' % ',\n'.join(
            ','.join(subs_rows[i:i + 4]) for i in range(0, len(subs_rows), 4)))
        C.append('/* types: name, size, first field or variant, count, discriminator member, TG__ABS_* */\n'
                 '#define TG__TROW(s, first, n, disc, abs, name) { name, sizeof(tg_##s), first, n, disc, TG__ABS_##abs },\n'
                 'static const tg__type tg__type_data[] = { TG__TL(TG__TROW) { 0, 0, 0, 0, 0, 0 } };')
        C.append('TGBOT__INTERN const tg__type *tg__type_table(void) { return tg__type_data; }')
        C.append('TGBOT__INTERN const tg__field *tg__field_table(void) { return tg__field_data; }')
        C.append('TGBOT__INTERN const tg__sub *tg__sub_table(void) { return tg__sub_data; }')
        C.append('TGBOT__INTERN const char *tg__name_at(uint32_t off) { return (const char *)&tg__name_blob + off; }')
        C.append('#define TG__MROW(name, sn, sh, O, cls, args, rk, rarr, rt, n) { n, TG__CALL_##cls, args, TG__K_##rk, rarr, rt },\n'
                 'static const tg__method tg__method_data[] = { TG__ML(TG__MROW) };\n'
                 '#define TG__MENUM(name, sn, sh, O, cls, args, rk, rarr, rt, n) TG__MI_##name,\n'
                 'enum { TG__ML(TG__MENUM) TG__MI_COUNT };')
        C.append('TGBOT__INTERN const tg__method *tg__method_find(const char *name) {\n'
                 '    size_t lo = 0, hi = TG__MI_COUNT;\n'
                 '    while (lo < hi) {\n'
                 '        size_t mid = (lo + hi) / 2;\n'
                 '        int c = tg__strcasecmp(name, tg__name_at(tg__method_data[mid].name));\n'
                 '        if (c == 0) return &tg__method_data[mid];\n'
                 '        if (c < 0) hi = mid; else lo = mid + 1;\n'
                 '    }\n'
                 '    return NULL;\n}')
        C.append('/* the typed calls: tg_<snake>(bot, [args,] out) runs its row of the method table */\n'
                 '#define TG__CALL_A(name, sn, O) TGBOT_API tg_err tg_##sn(tg_bot *bot, const tg_##sn##_args *args, O out) { return tg__call_method(bot, &tg__method_data[TG__MI_##name], args, out); }\n'
                 '#define TG__CALL_N(name, sn, O) TGBOT_API tg_err tg_##sn(tg_bot *bot, O out) { return tg__call_method(bot, &tg__method_data[TG__MI_##name], NULL, out); }\n'
                 '#define TG__FN(name, sn, sh, O, cls, args, rk, rarr, rt, n) TG__CALL_##sh(name, sn, O)\n'
                 'TG__ML(TG__FN)')
        C.extend(self.update_kinds(off))
        C.append('''TGBOT_API tg_err tg_decode(tg_type_id type, const tg_json_value *v, tg_arena *a, void *out) {
    tg_error e;
    if ((unsigned)type >= (unsigned)TG__TYPE_COUNT || !v) return TG_ERR_ARG;
    return tg__decode_type((uint16_t)type, v->doc, v->tok, a, out, &e);
}
TGBOT_API tg_err tg_encode(tg_type_id type, const void *obj, tg_json_writer *w) {
    tg_error e;
    if ((unsigned)type >= (unsigned)TG__TYPE_COUNT) return TG_ERR_ARG;
    return tg__encode_type(w, NULL, (uint16_t)type, obj, &e);
}''')
        return '\n'.join(HF) + '\n', '\n'.join(H) + '\n', '\n'.join(C) + '\n'

    def update_kinds(self, names_at):
        """the dispatcher's table, derived from the Update type: for each kind, where its payload's
        sender (a User member "from", else "user"), chat (a Chat member "chat", else another Chat
        member, else "user_chat_id", else a message's chat) and business connection live"""
        out = ['/* update kinds: name, tg_update member, payload type, and offsets in the payload of the',
               '   sender (User *), chat (TG__CHAT_*), business connection id (string); 0xFFFF: none */',
               'static const tg__update_kind tg__update_kind_data[] = {']
        for f in self.types['Update']['fields']:
            if f['name'] == 'update_id':
                continue
            if len(f['types']) != 1 or f['types'][0] not in self.types:
                fail('Update.%s: a kind must be one object type' % f['name'])
            t = f['types'][0]
            st = 'tg_' + snake(t)
            fl = {g['name']: g for g in self.types[t].get('fields', [])}
            def off(m):
                return 'offsetof(%s, %s)' % (st, cname(m))
            frm = next((m for m in ('from', 'user') if m in fl and fl[m]['types'] == ['User']), None)
            chat = next((m for m in fl if m == 'chat' and fl[m]['types'] == ['Chat']), None) or \
                next((m for m in fl if fl[m]['types'] == ['Chat']), None)
            how = 'TG__CHAT_OBJ'
            if not chat and 'user_chat_id' in fl and fl['user_chat_id']['types'] == ['Integer']:
                chat, how = 'user_chat_id', 'TG__CHAT_ID'
            if not chat and 'message' in fl and fl['message']['types'] == ['MaybeInaccessibleMessage']:
                chat, how = 'message', 'TG__CHAT_MAYBE_MESSAGE'
            if not chat and 'message' in fl and fl['message']['types'] == ['Message']:
                chat, how = 'message', 'TG__CHAT_MESSAGE'
            bc = next((m for m in ('business_connection_id',) if m in fl and fl[m]['types'] == ['String']), None)
            out.append('    { %d, offsetof(tg_update, %s), TG_TYPE_%s, %s, %s, %s, %s },' % (
                names_at[f['name']], cname(f['name']), snake(t).upper(), off(frm) if frm else '0xFFFF',
                off(chat) if chat else '0xFFFF', how if chat else '0', off(bc) if bc else '0xFFFF'))
        out.append('};')
        out.append('TGBOT__INTERN const tg__update_kind *tg__update_kind_find(const char *name, size_t len) {\n'
                   '    size_t i;\n'
                   '    for (i = 0; i < sizeof tg__update_kind_data / sizeof tg__update_kind_data[0]; i++) {\n'
                   '        const char *n = tg__name_at(tg__update_kind_data[i].name);\n'
                   '        if (strncmp(n, name, len) == 0 && n[len] == 0) return &tg__update_kind_data[i];\n'
                   '    }\n'
                   '    return NULL;\n}')
        return out

    def api_md(self):
        """docs/API.md: every method with its argument struct, result, class and official link"""
        cls = {'read': 'read', 'idempotent': 'idempotent write', 'send': 'send', 'spend': 'spends Stars'}
        out = ['<!-- GENERATED by tools/gen_api.py from src/gen/botapi-schema.json: do not edit. -->',
               '# Bot API %s reference (tgbot.h)' % self.d['version'], '',
               '%d methods, %d types (Bot API %s, %s). Each method is `tg_err tg_<name>(tg_bot *bot, '
               'const tg_<name>_args *args, <result> out)`; `args` may be NULL when nothing is required. '
               'Classes decide what the library may repeat: *read* and *idempotent write* are retried, '
               '*send* and *spends Stars* only when Telegram cannot have received them; otherwise the '
               'call ends with `TG_ERR_OUTCOME_UNKNOWN`. Presence rules (what 0, NULL, `[]` and `has_` '
               'send): see the top of `src/gen/api_types.h`.' % (
                   len(self.methods), len(self.types), self.d['version'], self.d['release_date']), '',
               '| Method | C function | Arguments | Result (`out`) | Class |', '|---|---|---|---|---|']
        for mn, m in self.methods.items():
            sn = snake(mn)
            out.append('| [%s](%s#%s) | `tg_%s` | %s | `%s` | %s |' % (
                mn, self.d['docs'], mn.lower(), sn, '`tg_%s_args`' % sn if m.get('fields') else '(none)',
                self.result(m)[3].strip(), cls[m['class']]))
        out.append('')
        return '\n'.join(out) + '\n'

    def sub_member(self, n, s):
        if s == 'String':
            return 'string'
        if s.startswith('Array of '):
            return 'array'
        if n in self.synth:       # strip the variants' common prefix: InputMediaPhoto -> photo
            subs = self.subs_of(n)
            p = os.path.commonprefix(subs)
            while p and not (p[-1].islower() and all(x[len(p):len(p) + 1].isupper() for x in subs)):
                p = p[:-1]
            return cname(snake(s[len(p):] if p else s))
        m = s[len(n):] if s.startswith(n) and len(s) > len(n) else s
        return cname(snake(m))

    # ---- test cases: spec-valid instances ----
    def instance(self, tname, rnd, depth, full):
        if self.is_abstract(tname):
            subs = [s for s in self.subs_of(tname) if s in self.types]
            s = subs[rnd.randrange(len(subs))]
            inst = self.instance(s, rnd, depth + 1, full)
            disc = self.disc.get(tname)
            if disc and disc[0] in inst:
                inst = dict([(disc[0], inst.pop(disc[0]))] + list(inst.items()))
            return inst
        t = self.types[tname]
        obj = {}
        for f in t.get('fields', []):
            if not f['required'] and (depth > 1 or rnd.random() > (self.p_opt if full and depth == 0 else self.p_opt / 2)):
                continue
            obj[f['name']] = self.value(f, tname, rnd, depth)
        return obj

    def value(self, f, owner, rnd, depth):
        kind, _, tname, arr = self.classify(f, owner, False)
        alt = None
        if kind == 'OBJ' and len(f['types']) > 1:
            alt = rnd.choice(f['types']).replace('Array of ', '')
        def one():
            if 'const' in f:
                return f['const']
            if kind == 'I64':
                v = rnd.choice([0, 7, -1001234567890, 5170145012310081615, 4503599627370495, -42])
                if f['name'] == 'date' and v == 0:
                    v = 7            # a message with date 0 is an InaccessibleMessage
                return 0 if f['name'] == 'timeout' else v   # a long-poll timeout would make the test wait
            if kind == 'F64':
                return rnd.choice([12.25, -0.5, 1e-3, 59.9386])
            if kind in ('BOOL', 'FLAG'):
                return rnd.choice([True, False]) if not f['required'] or f['types'] != ['True'] else True
            if kind == 'STR':
                return rnd.choice(['hello', 'Пример текста', 'emoji \U0001F381\U0001F389', 'q"uo\\te\n', '', 'Ünïcödé'])
            if kind == 'CHATREF':
                return rnd.choice([-1001234567890, '@channel'])
            if kind == 'FILE':
                return 'AgACAgIAAxkBAAI'
            if alt:         # a field of several types: one of the field's own alternatives
                return self.instance(alt, rnd, depth + 1, False)
            return self.instance(tname, rnd, depth + 1, False)
        if arr == 0:
            return one()
        if arr == 1:
            return [one() for _ in range(rnd.randrange(1, 3))]
        return [[one() for _ in range(rnd.randrange(1, 3))] for _ in range(rnd.randrange(1, 3))]

    def cases(self):
        rnd = random.Random(20261124)
        out = ['/* GENERATED by tools/gen_api.py: spec-valid instances for the API tests. */']
        out.append('typedef struct api_type_case { const char *name; tg_type_id id; const char *json; } api_type_case;')
        out.append('static const api_type_case api_type_cases[] = {')
        for n in self.tnames:
            if n == 'InputFile':
                continue
            for k in range(2):
                # C99 compilers need string literals under 4095 bytes: retry with fewer optional fields
                for tries in range(40):
                    self.p_opt = 0.6 * (0.85 ** tries)
                    inst = self.instance(n, rnd, 0, k == 1)
                    if len(cstr(json.dumps(inst, ensure_ascii=False, separators=(',', ':')))) < 4000:
                        break
                out.append('    { "%s", TG_TYPE_%s, %s },' % (n, snake(n).upper(), cstr(json.dumps(inst, ensure_ascii=False, separators=(',', ':')))))
        out.append('};')
        # methods: required parameters and a random choice of optional ones, without uploads
        lines, lines0 = [], []
        for mn, m in self.methods.items():
            params = {}
            for f in m.get('fields', []):
                kind, _, tname, arr = self.classify(f, mn, True)
                if kind == 'FILE':
                    if f['required']:
                        params[f['name']] = 'AgACAgIAAxkBAAI' if arr == 0 else ['AgACAgIAAxkBAAI']
                    continue
                if f['required'] or rnd.random() < 0.5:
                    for tries in range(40):
                        self.p_opt = 0.3 * (0.8 ** tries)
                        v = self.value(f, mn, rnd, 1)
                        if len(json.dumps(v, ensure_ascii=False)) < 1500:
                            break
                    params[f['name']] = v
            outt = self.result(m)[3].rstrip()[:-1].rstrip()
            if m.get('fields'):
                lines.append('    X(%s, %s, %s, %s) \\' % (snake(mn), mn, outt, cstr(json.dumps(params, ensure_ascii=False, separators=(',', ':')))))
            else:
                lines0.append('    X(%s, %s, %s) \\' % (snake(mn), mn, outt))
        out.append('#define API_METHOD_CASES(X) \\')
        out.extend(lines)
        out.append('')
        out.append('#define API_METHOD_CASES0(X) \\')
        out.extend(lines0)
        out.append('')
        return '\n'.join(out) + '\n'


def cstr(s):
    b = s.encode('utf-8')
    o = []
    for c in b:
        if c == 0x22:
            o.append('\\"')
        elif c == 0x5c:
            o.append('\\\\')
        elif 0x20 <= c < 0x7f and c != 0x3f:
            o.append(chr(c))
        else:
            o.append('\\%03o' % c)
    return '"' + ''.join(o) + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--spec', help='a Bot API spec (api.json format): rewrite the schema from it first')
    ap.add_argument('--schema', help='the schema to generate from (default: the committed one)')
    ap.add_argument('--out', default=ROOT)
    a = ap.parse_args()
    if a.spec:
        with open(a.spec, encoding='utf-8') as f:
            text = schema_text(extract_schema(json.load(f)))
    else:
        with open(a.schema or os.path.join(ROOT, SCHEMA), encoding='utf-8') as f:
            text = f.read()
    g = Gen(json.loads(text))
    hf, h, c = g.generate()
    cases = g.cases()
    os.makedirs(os.path.join(a.out, 'src', 'gen'), exist_ok=True)
    os.makedirs(os.path.join(a.out, 'tests', 'gen'), exist_ok=True)
    os.makedirs(os.path.join(a.out, 'docs'), exist_ok=True)
    outs = [('src/gen/api_types.h', hf), ('src/gen/api.h', h), ('src/gen/api.c', c), ('tests/gen/api_cases.h', cases), ('docs/API.md', g.api_md())]
    if a.spec:
        outs.append((SCHEMA, text))
    for path, t in outs:
        with open(os.path.join(a.out, path), 'w', encoding='utf-8', newline='\n') as f:
            f.write(t)


if __name__ == '__main__':
    main()
