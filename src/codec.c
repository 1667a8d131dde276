/* codec: walks the generated type tables to decode Bot API JSON into C structs (zero-copy strings,
   memory from an arena) and to encode C structs (types and method arguments) into JSON.
   Unknown members are skipped; an unknown variant of an abstract type decodes with kind 0. */

typedef struct tg__abs { int kind; void *ptr; } tg__abs;            /* layout of every abstract struct */
typedef struct tg__list { void *items; size_t count; } tg__list;    /* layout of every tg_x_list */

static size_t tg__kind_size(uint8_t kind, uint16_t type) {
    switch (kind) {
    case TG__K_I64: return sizeof(int64_t);
    case TG__K_F64: return sizeof(double);
    case TG__K_BOOL: return sizeof(bool);
    case TG__K_STR: return sizeof(const char *);
    case TG__K_CHATREF: return sizeof(tg_chat_ref);
    case TG__K_FILE: return sizeof(const tg_input_file *);
    case TG__K_FLAG: return sizeof(tg_flag);
    default: return tg__types[type].abs ? sizeof(tg__abs) : tg__types[type].size;
    }
}

static tg_err tg__dec_obj(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err);

static tg_err tg__dec_bad(const char *where, const char *field, tg_error *err) {
    tg__error_set(err, TG_ERR_TYPE, TG_PHASE_DECODE, "%s%s%s has an unexpected JSON type", where, field ? "." : "", field ? field : "");
    return TG_ERR_TYPE;
}

/* one value of `kind` into dst (objects inline at dst) */
static tg_err tg__dec_one(uint8_t kind, uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *dst,
                          const char *where, tg_error *err) {
    switch (kind) {
    case TG__K_I64: return tg_json_i64(d, t, (int64_t *)dst) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_F64: return tg_json_f64(d, t, (double *)dst) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_BOOL: return tg_json_bool(d, t, (bool *)dst) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_STR: return tg_json_str(d, t, (const char **)dst, NULL) ? TG_OK : tg__dec_bad(where, NULL, err);
    case TG__K_FLAG: {
        bool b;
        if (!tg_json_bool(d, t, &b)) return tg__dec_bad(where, NULL, err);
        *(tg_flag *)dst = b ? TG_FLAG_TRUE : TG_FLAG_FALSE;
        return TG_OK;
    }
    case TG__K_CHATREF: {
        tg_chat_ref *c = (tg_chat_ref *)dst;
        if (tg_json_i64(d, t, &c->id) || tg_json_str(d, t, &c->username, NULL)) return TG_OK;
        return tg__dec_bad(where, NULL, err);
    }
    case TG__K_FILE: {          /* in JSON a file is a file_id, a URL or an attach:// reference */
        tg_input_file *f = (tg_input_file *)tg_arena_alloc(a, sizeof *f);
        if (!f) return TG_ERR_NOMEM;
        memset(f, 0, sizeof *f);
        if (!tg_json_str(d, t, &f->id_or_url, NULL)) return tg__dec_bad(where, NULL, err);
        *(const tg_input_file **)dst = f;
        return TG_OK;
    }
    default:
        return tg__dec_obj(type, d, t, a, dst, err);
    }
}

static tg_err tg__dec_array(uint8_t kind, uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a,
                            void **items, size_t *count, const char *where, tg_error *err) {
    size_t n, es = tg__kind_size(kind, type), i;
    uint32_t k;
    char *p;
    if (tg_json_type_of(d, t) != TG_JSON_ARRAY) return tg__dec_bad(where, NULL, err);
    n = d->toks[t].count;
    *count = n;
    *items = NULL;
    if (!n) {                   /* [] stays distinguishable from absent: a non-NULL empty array */
        static const int64_t tg__empty = 0;
        *items = (void *)(uintptr_t)&tg__empty;
        return TG_OK;
    }
    p = (char *)tg_arena_alloc(a, n * es);
    if (!p) return TG_ERR_NOMEM;
    memset(p, 0, n * es);
    for (i = 0, k = t + 1; i < n; i++, k = d->toks[k].next) {
        tg_err e = tg__dec_one(kind, type, d, k, a, p + i * es, where, err);
        if (e) return e;
    }
    *items = p;
    return TG_OK;
}

/* the raw text of a discriminator: a string's value, or a number's literal ("0") */
static bool tg__disc_text(const tg_json_doc *d, uint32_t t, bool number, const char **s, size_t *n) {
    if (t == TG_JSON_NOTFOUND) return false;
    if (number) {
        if (tg_json_type_of(d, t) != TG_JSON_NUMBER) return false;
        *s = d->buf + d->toks[t].start;
        *n = d->toks[t].len;
        return true;
    }
    return tg_json_str(d, t, s, n);
}

static bool tg__disc_is(const tg__sub *sb, const char *v, size_t n) {
    const char *want = sb->disc_val ? tg__name_at(sb->disc_val) : NULL;
    return want && strlen(want) == n && memcmp(want, v, n) == 0;
}

static tg_err tg__dec_abstract(const tg__type *ty, const tg_json_doc *d, uint32_t t, tg_arena *a, tg__abs *out, tg_error *err) {
    tg_json_type jt = tg_json_type_of(d, t);
    const char *tyname = tg__name_at(ty->name);
    uint16_t i, sub = 0xFFFFu;
    out->kind = 0;
    out->ptr = NULL;
    for (i = 0; i < ty->n; i++) {
        uint16_t st = TG__SUB(ty, i)->type;
        if (jt == TG_JSON_STRING && st == TG__SUB_STRING) {
            const char *s = NULL;
            tg_json_str(d, t, &s, NULL);
            out->kind = i + 1;
            out->ptr = (void *)(uintptr_t)s;
            return TG_OK;
        }
        if (jt == TG_JSON_ARRAY && st == TG__SUB_ARRAY) {
            tg__list *l = (tg__list *)tg_arena_alloc(a, sizeof *l);
            if (!l) return TG_ERR_NOMEM;
            out->kind = i + 1;
            out->ptr = l;
            return tg__dec_array(TG__K_OBJ, (uint16_t)(ty - tg__types), d, t, a, &l->items, &l->count, tyname, err);
        }
    }
    if (jt != TG_JSON_OBJECT) return tg__dec_bad(tyname, NULL, err);
    {   /* variants whose tag matches (several may share one, e.g. InlineQueryResultPhoto and
           InlineQueryResultCachedPhoto); with a numeric tag (date == 0: InaccessibleMessage) the
           variants without a fixed value take every other number. Among them, or among all when
           there is no tag, the first whose required members are all present */
        const char *v = NULL;
        size_t vn = 0;
        bool tagged = ty->abs == TG__ABS_TAG || ty->abs == TG__ABS_NUMBER, any_fixed = false;
        if (tagged && !tg__disc_text(d, tg_json_get(d, t, tg__name_at(ty->disc)), ty->abs == TG__ABS_NUMBER, &v, &vn))
            return tg__dec_bad(tyname, tg__name_at(ty->disc), err);
        if (ty->abs == TG__ABS_NUMBER)
            for (i = 0; i < ty->n; i++) if (tg__disc_is(TG__SUB(ty, i), v, vn)) any_fixed = true;
        {
            uint32_t best = 0;
            for (i = 0; i < ty->n; i++) {
                const tg__sub *sb = TG__SUB(ty, i);
                const tg__type *st;
                uint16_t f;
                uint32_t m, k, known = 1;
                bool all = true;
                if (sb->type >= TG__SUB_ARRAY) continue;
                if (ty->abs == TG__ABS_TAG && !tg__disc_is(sb, v, vn)) continue;
                if (ty->abs == TG__ABS_NUMBER && (any_fixed ? !tg__disc_is(sb, v, vn) : sb->disc_val != 0)) continue;
                st = &tg__types[sb->type];
                for (f = 0; f < st->n && all; f++)
                    if ((TG__FIELD(st, f)->flags & TG__F_REQ) && tg_json_get(d, t, tg__name_at(TG__FIELD(st, f)->name)) == TG_JSON_NOTFOUND) all = false;
                if (!all) continue;
                /* best fit: the variant that knows most of the members present */
                for (m = 0, k = t + 1; m < d->toks[t].count; m++, k = d->toks[k + 1].next)
                    for (f = 0; f < st->n; f++)
                        if (strcmp(tg__name_at(TG__FIELD(st, f)->name), d->buf + d->toks[k].start) == 0) { known++; break; }
                if (known > best) { best = known; sub = i; }
            }
        }
        if (sub == 0xFFFFu && ty->abs == TG__ABS_TAG) {   /* tag known but members missing: still the first tagged variant */
            for (i = 0; i < ty->n && sub == 0xFFFFu; i++)
                if (TG__SUB(ty, i)->type < TG__SUB_ARRAY && tg__disc_is(TG__SUB(ty, i), v, vn)) sub = i;
        }
        if (sub == 0xFFFFu) return TG_OK;          /* a variant newer than this build: kind 0 */
    }
    {
        uint16_t stype = TG__SUB(ty, sub)->type;
        const tg__type *st = &tg__types[stype];
        void *p = tg_arena_alloc(a, st->size);
        if (!p) return TG_ERR_NOMEM;
        memset(p, 0, st->size);
        out->kind = sub + 1;
        out->ptr = p;
        return tg__dec_obj(stype, d, t, a, p, err);
    }
}

static tg_err tg__dec_obj(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err) {
    const tg__type *ty = &tg__types[type];
    uint32_t i, k, n;
    if (ty->abs) return tg__dec_abstract(ty, d, t, a, (tg__abs *)out, err);
    if (tg_json_type_of(d, t) != TG_JSON_OBJECT) return tg__dec_bad(tg__name_at(ty->name), NULL, err);
    n = d->toks[t].count;
    for (i = 0, k = t + 1; i < n; i++, k = d->toks[k + 1].next) {
        const char *key = d->buf + d->toks[k].start;
        const tg__field *f = NULL;
        uint16_t j;
        char *base = (char *)out;
        tg_err e;
        for (j = 0; j < ty->n; j++)
            if (strcmp(tg__name_at(TG__FIELD(ty, j)->name), key) == 0) { f = TG__FIELD(ty, j); break; }
        if (!f) continue;                          /* unknown members are skipped */
        if (tg_json_type_of(d, k + 1) == TG_JSON_NULL) continue;
        if (f->flags & TG__F_ARR2) {
            tg__list *lists;
            size_t cnt, m;
            uint32_t q;
            if (tg_json_type_of(d, k + 1) != TG_JSON_ARRAY) return tg__dec_bad(tg__name_at(ty->name), tg__name_at(f->name), err);
            cnt = d->toks[k + 1].count;
            lists = (tg__list *)tg_arena_alloc(a, (cnt ? cnt : 1) * sizeof *lists);
            if (!lists) return TG_ERR_NOMEM;
            for (m = 0, q = k + 2; m < cnt; m++, q = d->toks[q].next) {
                e = tg__dec_array(f->kind, f->type, d, q, a, &lists[m].items, &lists[m].count, tg__name_at(f->name), err);
                if (e) return e;
            }
            *(tg__list **)(void *)(base + f->off) = lists;
            *(size_t *)(void *)(base + TG__F_AUX(f)) = cnt;
        } else if (f->flags & TG__F_ARR) {
            e = tg__dec_array(f->kind, f->type, d, k + 1, a, (void **)(void *)(base + f->off), (size_t *)(void *)(base + TG__F_AUX(f)), tg__name_at(f->name), err);
            if (e) return e;
        } else if (f->kind == TG__K_OBJ && (f->flags & TG__F_PTR)) {
            size_t sz = tg__kind_size(TG__K_OBJ, f->type);
            void *p = tg_arena_alloc(a, sz);
            if (!p) return TG_ERR_NOMEM;
            memset(p, 0, sz);
            e = tg__dec_obj(f->type, d, k + 1, a, p, err);
            if (e) return e;
            *(void **)(void *)(base + f->off) = p;
        } else {
            e = tg__dec_one(f->kind, f->type, d, k + 1, a, base + f->off, tg__name_at(f->name), err);
            if (e) return e;
            if (f->flags & TG__F_HAS) *(bool *)(void *)(base + TG__F_AUX(f)) = true;
        }
    }
    return TG_OK;
}

TGBOT__INTERN tg_err tg__decode_type(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err) {
    memset(out, 0, tg__kind_size(TG__K_OBJ, type));
    if (t == TG_JSON_NOTFOUND || !d) { tg__error_set(err, TG_ERR_NOT_FOUND, TG_PHASE_DECODE, "no value to decode"); return TG_ERR_NOT_FOUND; }
    return tg__dec_obj(type, d, t, a, out, err);
}

/* ---- encoding ---- */
static tg_err tg__enc_obj(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, bool top, tg_error *err);

static tg_err tg__enc_one(tg_json_writer *w, tg__req *r, uint8_t kind, uint16_t type, const void *src, tg_error *err) {
    switch (kind) {
    case TG__K_I64: tg_json_write_i64(w, *(const int64_t *)src); break;
    case TG__K_F64: tg_json_write_f64(w, *(const double *)src); break;
    case TG__K_BOOL: tg_json_write_bool(w, *(const bool *)src); break;
    case TG__K_FLAG: tg_json_write_bool(w, *(const tg_flag *)src == TG_FLAG_TRUE); break;
    case TG__K_STR: tg_json_write_str(w, *(const char *const *)src); break;
    case TG__K_CHATREF: {
        const tg_chat_ref *c = (const tg_chat_ref *)src;
        if (c->username) tg_json_write_str(w, c->username); else tg_json_write_i64(w, c->id);
        break;
    }
    case TG__K_FILE: {          /* inside JSON: a file_id/URL, or an upload referenced as attach://name */
        const tg_input_file *f = *(const tg_input_file *const *)src;
        char ref[40];
        const char *name;
        if (f->id_or_url) { tg_json_write_str(w, f->id_or_url); break; }
        if (!r) { tg__error_set(err, TG_ERR_UNSUPPORTED, TG_PHASE_VALIDATE, "a file upload cannot be encoded here"); return TG_ERR_UNSUPPORTED; }
        if (!(name = tg__req_add_file(r, NULL, f))) return TG_ERR_LIMIT;
        snprintf(ref, sizeof ref, "attach://%s", name);
        tg_json_write_str(w, ref);
        break;
    }
    default:
        return tg__enc_obj(w, r, type, src, false, err);
    }
    return TG_OK;
}

static tg_err tg__enc_array(tg_json_writer *w, tg__req *r, uint8_t kind, uint16_t type, const void *items, size_t n, tg_error *err) {
    size_t es = tg__kind_size(kind, type), i;
    tg_json_arr_begin(w);
    for (i = 0; i < n; i++) {
        tg_err e = tg__enc_one(w, r, kind, type, (const char *)items + i * es, err);
        if (e) return e;
    }
    tg_json_arr_end(w);
    return TG_OK;
}

static bool tg__present(const tg__field *f, const char *base) {
    const void *p = base + f->off;
    /* a required number or boolean is always sent: 0 and false are values, not absence */
    if ((f->flags & TG__F_REQ) && !(f->flags & (TG__F_ARR | TG__F_ARR2)) &&
        (f->kind == TG__K_I64 || f->kind == TG__K_F64 || f->kind == TG__K_BOOL)) return true;
    if (f->flags & (TG__F_ARR | TG__F_ARR2)) return *(const void *const *)p != NULL;   /* [] is sent: pointer set, count 0 */
    if ((f->flags & TG__F_HAS) && *(const bool *)(const void *)(base + TG__F_AUX(f))) return true;
    switch (f->kind) {
    case TG__K_I64: return *(const int64_t *)p != 0;
    case TG__K_F64: return *(const double *)p != 0.0;
    case TG__K_BOOL: return *(const bool *)p;
    case TG__K_FLAG: return *(const tg_flag *)p != TG_FLAG_UNSET;
    case TG__K_CHATREF: return ((const tg_chat_ref *)p)->id != 0 || ((const tg_chat_ref *)p)->username;
    case TG__K_OBJ: return (f->flags & TG__F_PTR) ? *(const void *const *)p != NULL : true;
    default: return *(const void *const *)p != NULL;     /* strings and files */
    }
}

static tg_err tg__enc_fields(tg_json_writer *w, tg__req *r, const tg__type *ty, const void *obj, bool top,
                             uint16_t skip, tg_error *err) {
    const char *base = (const char *)obj;
    uint16_t j;
    for (j = 0; j < ty->n; j++) {
        const tg__field *f = TG__FIELD(ty, j);
        const char *name = tg__name_at(f->name);
        tg_err e = TG_OK;
        if (skip && strcmp(name, tg__name_at(skip)) == 0) continue;   /* the tag: written from the variant's kind */
        if ((f->flags & TG__F_RAW) && *(const char *const *)(const void *)(base + TG__F_RAWOFF(f))) {
            const char *raw = *(const char *const *)(const void *)(base + TG__F_RAWOFF(f));
            tg_json_key(w, name);
            tg_json_write_raw(w, raw, strlen(raw));
            continue;
        }
        if (!tg__present(f, base)) {
            if (f->flags & TG__F_REQ) {
                tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "%s%s%s is required", top ? "" : tg__name_at(ty->name), top ? "" : ".", name);
                return TG_ERR_ARG;
            }
            continue;
        }
        if (top && f->kind == TG__K_FILE && !(f->flags & TG__F_ARR)) {
            /* a direct InputFile parameter: an upload becomes its own multipart field */
            const tg_input_file *file = *(const tg_input_file *const *)(const void *)(base + f->off);
            if (!file->id_or_url) {
                if (!r) return TG_ERR_UNSUPPORTED;
                if (!tg__req_add_file(r, name, file)) return TG_ERR_LIMIT;
                continue;
            }
        }
        tg_json_key(w, name);
        if (f->flags & TG__F_ARR2) {
            const tg__list *lists = *(const tg__list *const *)(const void *)(base + f->off);
            size_t n = *(const size_t *)(const void *)(base + TG__F_AUX(f)), m;
            tg_json_arr_begin(w);
            for (m = 0; m < n && !e; m++) e = tg__enc_array(w, r, f->kind, f->type, lists[m].items, lists[m].count, err);
            tg_json_arr_end(w);
        } else if (f->flags & TG__F_ARR) {
            e = tg__enc_array(w, r, f->kind, f->type, *(const void *const *)(const void *)(base + f->off),
                              *(const size_t *)(const void *)(base + TG__F_AUX(f)), err);
        } else if (f->kind == TG__K_OBJ && (f->flags & TG__F_PTR)) {
            e = tg__enc_obj(w, r, f->type, *(const void *const *)(const void *)(base + f->off), false, err);
        } else {
            e = tg__enc_one(w, r, f->kind, f->type, base + f->off, err);
        }
        if (e) return e;
    }
    return TG_OK;
}

static tg_err tg__enc_obj(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, bool top, tg_error *err) {
    const tg__type *ty = &tg__types[type];
    tg_err e;
    if (ty->abs) {
        const tg__abs *ab = (const tg__abs *)obj;
        const tg__sub *sb;
        if (ab->kind <= 0 || ab->kind > ty->n || !ab->ptr) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "%s: no variant is set (kind %d)", tg__name_at(ty->name), ab->kind);
            return TG_ERR_ARG;
        }
        sb = TG__SUB(ty, ab->kind - 1);
        if (sb->type == TG__SUB_STRING) { tg_json_write_str(w, (const char *)ab->ptr); return TG_OK; }
        if (sb->type == TG__SUB_ARRAY) {
            const tg__list *l = (const tg__list *)ab->ptr;
            return tg__enc_array(w, r, TG__K_OBJ, type, l->items, l->count, err);
        }
        tg_json_obj_begin(w);
        if (ty->abs == TG__ABS_TAG) {           /* the tag comes from the kind: users need not set it */
            tg_json_key(w, tg__name_at(ty->disc));
            tg_json_write_str(w, tg__name_at(sb->disc_val));
        }
        e = tg__enc_fields(w, r, &tg__types[sb->type], ab->ptr, false, ty->abs == TG__ABS_TAG ? ty->disc : 0, err);
        tg_json_obj_end(w);
        return e;
    }
    if (!top) tg_json_obj_begin(w);
    e = tg__enc_fields(w, r, ty, obj, top, 0, err);
    if (!top) tg_json_obj_end(w);
    return e;
}

/* a failure leaves no partial JSON behind: the output is cut back and the writer's error is sticky */
TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err) {
    size_t len = w->len;
    uint32_t depth = w->depth;
    tg_err e = w->err ? w->err : tg__enc_obj(w, r, type, obj, false, err);
    if (!e) e = w->err;
    if (e) {
        w->len = len;
        w->depth = depth;
        if (w->buf && w->cap > len) w->buf[len] = '\0';
        w->err = e;
    }
    return e;
}

TGBOT__INTERN int tg__strcasecmp(const char *a, const char *b) {
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
        if (x != y || !x) return x - y;
    }
}

/* ---- methods ---- */
/* the typed result of a method from its JSON value (into the bot's arena) */
static tg_err tg__method_result(tg_bot *bot, const tg__method *m, tg_json_value v, void *out) {
    tg_error tmp;
    tg_err e = TG_OK;
    memset(&tmp, 0, sizeof tmp);
    switch (m->rkind) {
    case TG__K_BOOL:
        if (!tg_json_bool(v.doc, v.tok, (bool *)out)) e = TG_ERR_TYPE;
        break;
    case TG__K_I64:
        if (!tg_json_i64(v.doc, v.tok, (int64_t *)out)) e = TG_ERR_TYPE;
        break;
    case TG__K_STR:
        if (!tg_json_str(v.doc, v.tok, (const char **)out, NULL)) e = TG_ERR_TYPE;
        break;
    default:
        if (m->rarr) {
            tg__list *l = (tg__list *)out;
            e = tg__dec_array(TG__K_OBJ, m->rtype, v.doc, v.tok, tg_bot_arena(bot), &l->items, &l->count, tg__name_at(m->name), &tmp);
        } else if (tg_json_type_of(v.doc, v.tok) == TG_JSON_TRUE) {
            *(void **)out = NULL;            /* "Message or True": no message to return */
        } else {
            size_t sz = tg__kind_size(TG__K_OBJ, m->rtype);
            void *p = tg_arena_alloc(tg_bot_arena(bot), sz);
            if (!p) return TG_ERR_NOMEM;
            memset(p, 0, sz);
            e = tg__dec_obj(m->rtype, v.doc, v.tok, tg_bot_arena(bot), p, &tmp);
            *(void **)out = e ? NULL : p;
        }
    }
    if (e) {
        tg_error *le = (tg_error *)(uintptr_t)tg_bot_last_error(bot);
        tg__error_set(le, e, TG_PHASE_DECODE, "%s: unexpected result: %s", tg__name_at(m->name), tmp.description[0] ? tmp.description : "wrong JSON type");
        snprintf(le->method, sizeof le->method, "%s", tg__name_at(m->name));
    }
    return e;
}

/* an async typed call: its result is decoded when it ends, before its callback runs */
static tg_err tg__req_result(tg__req *r, tg_json_value *v) {
    return r->out ? tg__method_result(r->bot, (const tg__method *)r->m, *v, r->out) : TG_OK;
}

TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out) {
    const char *mname = tg__name_at(m->name);
    tg__req *r = tg__req_begin(bot, mname, m->flags);
    tg_error tmp;
    tg_json_value v;
    tg_err e;
    memset(&tmp, 0, sizeof tmp);
    if (m->args != 0xFFFFu) {
        const tg__type *at = &tg__types[m->args];
        void *none = args ? NULL : tg_arena_alloc(tg_bot_arena(bot), at->size);   /* args == NULL: every parameter unset */
        const void *a = args ? args : none;
        if (!a) return tg__req_fail(r, TG_ERR_NOMEM, "%s: out of memory", mname);
        if (none) memset(none, 0, at->size);
        e = tg__enc_obj(r->w, r, m->args, a, true, &tmp);
        if (e) return tg__req_fail(r, e, "%s: %s", mname, tmp.description[0] ? tmp.description : tg_err_str(e));
        /* the escape hatch: members of a raw JSON object merged into the parameters */
        {
            const char *extra = *(const char *const *)(const void *)((const char *)a + at->size - sizeof(const char *));
            if (extra && tg_json_merge_object(r->w, extra) != TG_OK)
                return tg__req_fail(r, TG_ERR_ARG, "%s: extra_json must be a JSON object", mname);
        }
    }
    if (r->async) { r->m = m; r->out = out; r->decode = tg__req_result; }
    e = tg__req_send(r, out && !r->async ? &v : NULL);   /* async: the result stays in the call */
    if (e || !out) return e;
    return tg__method_result(bot, m, v, out);
}
