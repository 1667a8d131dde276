/* tgcall: call any Bot API method from the shell.
     tgcall [options] METHOD [name=value ...] [name=@path ...]
     tgcall [options] --updates
   Values are typed by the spec tables the library is generated from: integers, floats, booleans,
   JSON for objects and arrays, a chat as a number or @username, @path uploads a file. Exit codes:
   0 ok, 1 Telegram refused (TG_ERR_API), 2 usage, 3 network or timeout (not sent, or a safe call
   that failed after its retries), 4 outcome unknown (the request may have arrived: never repeated),
   5 any other local error. See doc/tgcall.1. */
#define TGBOT_IMPLEMENTATION
#include "../tgbot.h"

enum { EX_OK = 0, EX_API = 1, EX_USAGE = 2, EX_NET = 3, EX_UNKNOWN = 4, EX_OTHER = 5 };

static volatile sig_atomic_t stop_now;
static void on_stop(int sig) { (void)sig; stop_now = 1; tg__interrupt(1); }

static int exit_code(tg_err e) {
    switch (e) {
    case TG_OK: return EX_OK;
    case TG_ERR_API: return EX_API;
    case TG_ERR_OUTCOME_UNKNOWN: return EX_UNKNOWN;
    case TG_ERR_ARG: return EX_USAGE;
    case TG_ERR_DNS: case TG_ERR_CONNECT: case TG_ERR_TIMEOUT: case TG_ERR_IO: case TG_ERR_CLOSED:
    case TG_ERR_PROXY: case TG_ERR_PROXY_AUTH: case TG_ERR_TLS: case TG_ERR_TLS_UNTRUSTED:
    case TG_ERR_TLS_HOSTNAME: case TG_ERR_TLS_EXPIRED: case TG_ERR_HTTP: case TG_ERR_BREAKER_OPEN:
        return EX_NET;
    default: return EX_OTHER;
    }
}

static const char *kind_name(const tg__field *f) {
    switch (f->kind) {
    case TG__K_I64: return "Integer";
    case TG__K_F64: return "Float";
    case TG__K_BOOL: case TG__K_FLAG: return "Boolean";
    case TG__K_STR: return "String";
    case TG__K_CHATREF: return "Integer or @username";
    case TG__K_FILE: return "InputFile (@path) or String";
    default: return tg__name_at(tg__types[f->type].name);
    }
}

static const char *class_name(unsigned flags) {
    return (flags & TG__CALL_SPENDS) ? "spends Stars: never repeated" : (flags & TG__CALL_READ) ? "read"
         : (flags & TG__CALL_IDEMPOTENT) ? "idempotent write" : "sends: never repeated";
}

static void usage(FILE *o) {
    fputs("usage: tgcall [--base-url URL] [--token-file F] [--ca-file PEM] [--raw] METHOD [name=value ...] [name=@path ...]\n"
          "       tgcall [--base-url URL] [--token-file F] --updates [--timeout S] [--max N]\n"
          "       tgcall --help [METHOD]      list the methods, or one method's parameters\n"
          "The token comes from --token-file or TELEGRAM_BOT_TOKEN. Exit codes: 0 ok, 1 Telegram error,\n"
          "2 usage, 3 network, 4 outcome unknown (not repeated), 5 other.\n", o);
}

#define TGCALL_ROW(name, sn, sh, O, cls, args, rk, rarr, rt, n) #name,
static const char *const method_names[] = { TG__ML(TGCALL_ROW) NULL };

static int help(const char *method) {
    size_t i;
    const tg__method *m;
    if (!method) {
        usage(stdout);
        printf("\nMethods (Bot API as generated into tgbot.h):\n");
        for (i = 0; method_names[i]; i++) printf("  %s\n", method_names[i]);
        return EX_OK;
    }
    if (!(m = tg__method_find(method))) { fprintf(stderr, "tgcall: unknown method %s (tgcall --help lists them)\n", method); return EX_USAGE; }
    printf("%s (%s)\n", tg__name_at(m->name), class_name(m->flags));
    if (m->args == 0xFFFFu) { printf("  no parameters\n"); return EX_OK; }
    for (i = 0; i < tg__types[m->args].n; i++) {
        const tg__field *f = TG__FIELD(&tg__types[m->args], i);
        printf("  %-28s %s%s%s\n", tg__name_at(f->name), (f->flags & (TG__F_ARR | TG__F_ARR2)) ? "Array of " : "",
               kind_name(f), (f->flags & TG__F_REQ) ? "  (required)" : "");
    }
    return EX_OK;
}

/* pretty-prints compact JSON: indents after { and [, a line per member; strings are copied as is */
static void pretty(const char *s, size_t n) {
    size_t i;
    int depth = 0, k, in_str = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            putchar(c);
            if (c == '\\' && i + 1 < n) putchar(s[++i]);
            else if (c == '"') in_str = 0;
            continue;
        }
        switch (c) {
        case '"': in_str = 1; putchar(c); break;
        case '{': case '[':
            if (i + 1 < n && (s[i + 1] == '}' || s[i + 1] == ']')) { putchar(c); putchar(s[++i]); break; }
            putchar(c); putchar('\n'); depth++;
            for (k = 0; k < depth; k++) fputs("  ", stdout);
            break;
        case '}': case ']':
            putchar('\n'); depth--;
            for (k = 0; k < depth; k++) fputs("  ", stdout);
            putchar(c);
            break;
        case ',': putchar(c); putchar('\n'); for (k = 0; k < depth; k++) fputs("  ", stdout); break;
        case ':': fputs(": ", stdout); break;
        default: putchar(c);
        }
    }
    putchar('\n');
}

static void print_value(tg_bot *bot, tg_json_value v, int raw) {
    tg_json_writer w;
    tg_json_writer_init_grow(&w, NULL);
    tg_json_write_value(&w, v.doc, v.tok);
    if (w.err) fprintf(stderr, "tgcall: could not print the result\n");
    else if (raw) { fwrite(w.buf, 1, w.len, stdout); putchar('\n'); }
    else pretty(w.buf, w.len);
    tg_json_writer_free(&w);
    (void)bot;
}

/* true when s is one whole JSON value (checked by the library's parser) */
static int is_json(const char *s) {
    size_t n = strlen(s);
    char *copy = (char *)malloc(n + 1);
    tg_json_doc d;
    int ok;
    if (!copy) return 0;
    memcpy(copy, s, n + 1);
    ok = tg_json_parse(&d, copy, n, NULL, 0, NULL) == TG_OK;   /* counting pass: validates the syntax */
    free(copy);
    return ok;
}

static int is_integer(const char *s) {
    size_t i = (*s == '-') ? 1 : 0;
    if (!s[i]) return 0;
    for (; s[i]; i++) if (s[i] < '0' || s[i] > '9') return 0;
    return i <= 20;
}

/* one name=value argument into the params object (or a file part); EX_OK or EX_USAGE */
static int add_param(tg__req *r, tg_json_writer *w, const tg__method *m, const char *arg, tg_input_file *file) {
    const char *eq = strchr(arg, '='), *v;
    char name[128];
    const tg__field *f = NULL;
    size_t i;
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof name) { fprintf(stderr, "tgcall: expected name=value, got '%s'\n", arg); return EX_USAGE; }
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    v = eq + 1;
    if (m && m->args != 0xFFFFu)
        for (i = 0; i < tg__types[m->args].n; i++)
            if (strcmp(tg__name_at(TG__FIELD(&tg__types[m->args], i)->name), name) == 0) f = TG__FIELD(&tg__types[m->args], i);
    if (m && !f) { fprintf(stderr, "tgcall: %s has no parameter '%s' (tgcall --help %s)\n", tg__name_at(m->name), name, tg__name_at(m->name)); return EX_USAGE; }
    if (f && f->kind == TG__K_FILE && v[0] == '@' && !(f->flags & TG__F_ARR)) {
        FILE *fp = fopen(v + 1, "rb");       /* @path: upload; a chat's @username stays a string */
        if (!fp) { fprintf(stderr, "tgcall: %s: cannot read %s: %s\n", name, v + 1, strerror(errno)); return EX_OTHER; }
        fclose(fp);
        memset(file, 0, sizeof *file);
        file->path = v + 1;
        return tg__req_add_file(r, tg__name_at(f->name), file) ? EX_OK : EX_OTHER;
    }
    tg_json_key(w, name);
    if (f && (f->flags & (TG__F_ARR | TG__F_ARR2) || f->kind == TG__K_OBJ)) {
        if (!is_json(v)) { fprintf(stderr, "tgcall: %s must be JSON (%s)\n", name, kind_name(f)); return EX_USAGE; }
        tg_json_write_raw(w, v, strlen(v));
    } else if (f && f->kind == TG__K_I64) {
        if (!is_integer(v)) { fprintf(stderr, "tgcall: %s must be an integer\n", name); return EX_USAGE; }
        tg_json_write_raw(w, v, strlen(v));
    } else if (f && f->kind == TG__K_F64) {
        char *end;
        double d = strtod(v, &end);
        if (!*v || *end) { fprintf(stderr, "tgcall: %s must be a number\n", name); return EX_USAGE; }
        tg_json_write_f64(w, d);
    } else if (f && (f->kind == TG__K_BOOL || f->kind == TG__K_FLAG)) {
        if (strcmp(v, "true") && strcmp(v, "false")) { fprintf(stderr, "tgcall: %s must be true or false\n", name); return EX_USAGE; }
        tg_json_write_bool(w, strcmp(v, "true") == 0);
    } else if (f && f->kind == TG__K_CHATREF) {
        if (is_integer(v)) tg_json_write_raw(w, v, strlen(v));
        else tg_json_write_str(w, v);
    } else if (!f && is_json(v) && (v[0] == '{' || v[0] == '[' || is_integer(v) || !strcmp(v, "true") || !strcmp(v, "false"))) {
        tg_json_write_raw(w, v, strlen(v));   /* a method newer than the tables: guess from the text */
    } else {
        tg_json_write_str(w, v);
    }
    return EX_OK;
}

static int report(tg_bot *bot, tg_err e) {
    const tg_error *le = tg_bot_last_error(bot);
    int code = exit_code(e);
    if (code == EX_UNKNOWN)
        fprintf(stderr, "tgcall: outcome unknown, NOT repeated (check before calling again): %s\n", le->description);
    else if (code == EX_API)
        fprintf(stderr, "tgcall: Telegram error %d: %s\n", (int)le->error_code, le->description);
    else
        fprintf(stderr, "tgcall: %s: %s\n", tg_err_str(e), le->description);
    return code;
}

static int call(tg_bot *bot, const char *method, int argc, char **argv, int raw) {
    const tg__method *m = tg__method_find(method);
    tg_json_writer w;
    tg_input_file files[TGBOT_MAX_UPLOADS];
    tg__req *r;
    tg_json_value res;
    tg_err e;
    int i, rc = EX_OK, nf = 0;
    for (i = 0; method[i]; i++)
        if (!((method[i] >= 'a' && method[i] <= 'z') || (method[i] >= 'A' && method[i] <= 'Z') || (method[i] >= '0' && method[i] <= '9'))) {
            fprintf(stderr, "tgcall: invalid method name '%s'\n", method);
            return EX_USAGE;
        }
    if (!m) fprintf(stderr, "tgcall: %s is not in this Bot API version's tables: parameters are sent untyped, and the call is not repeated\n", method);
    tg_json_writer_init_grow(&w, NULL);
    tg_json_obj_begin(&w);
    r = tg__req_begin(bot, m ? tg__name_at(m->name) : method, m ? m->flags : TG__CALL_SENDS);
    for (i = 0; i < argc && rc == EX_OK; i++) {
        if (nf >= TGBOT_MAX_UPLOADS) { fprintf(stderr, "tgcall: more than %d files\n", TGBOT_MAX_UPLOADS); rc = EX_USAGE; break; }
        rc = add_param(r, &w, m, argv[i], &files[nf]);
        if (rc == EX_OK && r->nfiles > (size_t)nf) nf++;
    }
    if (m && rc == EX_OK && m->args != 0xFFFFu)
        for (i = 0; i < (int)tg__types[m->args].n; i++) {   /* required parameters, named before sending */
            const tg__field *f = TG__FIELD(&tg__types[m->args], (size_t)i);
            const char *fname = tg__name_at(f->name);
            size_t k, nl = strlen(fname);
            int found = 0;
            if (!(f->flags & TG__F_REQ)) continue;
            for (k = 0; k < (size_t)argc; k++) if (!strncmp(argv[k], fname, nl) && argv[k][nl] == '=') found = 1;
            if (!found) { fprintf(stderr, "tgcall: %s needs %s (tgcall --help %s)\n", method, fname, method); rc = EX_USAGE; }
        }
    tg_json_obj_end(&w);
    if (rc != EX_OK || w.err) {
        if (rc == EX_OK) { fprintf(stderr, "tgcall: could not encode the parameters\n"); rc = EX_USAGE; }
        tg__req_fail(r, TG_ERR_ARG, "tgcall: bad arguments");
        tg_json_writer_free(&w);
        return rc;
    }
    r->raw_params = w.buf;
    e = tg__req_send(r, &res);
    if (e == TG_OK) print_value(bot, res, raw);
    else rc = report(bot, e);
    tg_json_writer_free(&w);
    return rc;
}

/* --updates: long polling, one update per line. An update is printed (and flushed) before its
   offset is confirmed by the next getUpdates, and the last offset is confirmed before exiting, so
   a stop (Ctrl-C, --max) neither loses nor repeats an update. */
static int updates(tg_bot *bot, unsigned timeout_s, long max) {
    int64_t offset = 0;
    long printed = 0;
    int rc = EX_OK;
    tg__stop_signals(on_stop, 1);
    while (!stop_now && (max <= 0 || printed < max)) {
        char params[96];
        tg_json_value res;
        tg_err e;
        uint32_t n, i, t;
        snprintf(params, sizeof params, "{\"offset\":%lld,\"timeout\":%u,\"limit\":%ld}", (long long)offset, timeout_s,
                 max > 0 && max - printed < 100 ? max - printed : 100);
        tg_bot_reset(bot);
        e = tg_call(bot, "getUpdates", params, &res);
        if (stop_now) break;
        if (e) { rc = report(bot, e); if (rc == EX_API || rc == EX_USAGE) break; tg__sleep_ms(NULL, 1000); rc = EX_OK; continue; }
        if (tg_json_type_of(res.doc, res.tok) != TG_JSON_ARRAY) continue;
        n = res.doc->toks[res.tok].count;
        for (i = 0, t = res.tok + 1; i < n; i++, t = res.doc->toks[t].next) {
            tg_json_value uv;
            int64_t id = 0;
            if (!tg_json_i64(res.doc, tg_json_get(res.doc, t, "update_id"), &id)) continue;
            uv.doc = res.doc; uv.tok = t;
            print_value(bot, uv, 1);
            fflush(stdout);
            offset = id + 1;
            if (max > 0 && ++printed >= max) break;
        }
    }
    tg__stop_signals(on_stop, 0);
    tg__interrupt(0);
    if (offset) {   /* confirm what was printed */
        char params[64];
        snprintf(params, sizeof params, "{\"offset\":%lld,\"timeout\":0,\"limit\":1}", (long long)offset);
        tg_bot_reset(bot);
        (void)tg_call(bot, "getUpdates", params, NULL);
    }
    return rc;
}

int main(int argc, char **argv) {
    tg_bot_desc d;
    tg_bot *bot = NULL;
    tg_error err;
    int i = 1, raw = 0, upd = 0, rc;
    unsigned timeout_s = 30;
    long max = 0;
    memset(&d, 0, sizeof d);
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return help(i + 1 < argc ? argv[i + 1] : NULL);
        else if (!strcmp(a, "--version")) { printf("tgcall %s\n", tg_version()); return EX_OK; }
        else if (!strcmp(a, "--raw")) raw = 1;
        else if (!strcmp(a, "--pretty")) raw = 0;
        else if (!strcmp(a, "--updates")) upd = 1;
        else if (!strcmp(a, "--base-url") && i + 1 < argc) d.base_url = argv[++i];
        else if (!strcmp(a, "--token-file") && i + 1 < argc) d.token_file = argv[++i];
        else if (!strcmp(a, "--ca-file") && i + 1 < argc) d.tls.ca_file = argv[++i];
        else if (!strcmp(a, "--timeout") && i + 1 < argc) timeout_s = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--max") && i + 1 < argc) max = strtol(argv[++i], NULL, 10);
        else { fprintf(stderr, "tgcall: unknown option %s\n", a); usage(stderr); return EX_USAGE; }
    }
    if (!upd && i >= argc) { usage(stderr); return EX_USAGE; }
    if (tg_bot_new(&bot, &d, &err) != TG_OK) {
        fprintf(stderr, "tgcall: %s\n", err.description);
        return EX_USAGE;
    }
    rc = upd ? updates(bot, timeout_s, max) : call(bot, argv[i], argc - i - 1, argv + i + 1, raw);
    tg_bot_free(bot);
    return rc;
}
