/* secret: OS randomness, secret files with permission checks, key rings. */

/* len characters of Telegram's secret_token charset from p's random source (NULL: the OS's) */
TGBOT__INTERN tg_err tg__secret_fill(const tg_platform *p, char *out, size_t len) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";   /* 64: unbiased */
    unsigned char rnd[256];
    size_t i;
    if (!out || len < 1 || len > 256) return TG_ERR_ARG;
    if (tg__random_bytes(p, rnd, len) != 0) { out[0] = '\0'; return TG_ERR_IO; }
    for (i = 0; i < len; i++) out[i] = abc[rnd[i] & 63];
    out[len] = '\0';
    tg__wipe(rnd, sizeof rnd);
    return TG_OK;
}

TGBOT_API tg_err tg_secret_token_generate(char *out, size_t len) { return tg__secret_fill(NULL, out, len); }

static size_t tg__secret_trim(char *s, size_t n) {
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    s[n] = '\0';
    return n;
}

TGBOT_API tg_err tg_secret_load_file(const char *path, unsigned flags, char *out, size_t cap, size_t *len, tg_error *err) {
    size_t n = 0;
    tg_err e = TG_OK;
    if (len) *len = 0;
    if (!path || !out || cap < 2) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "secret file: bad arguments"); return TG_ERR_ARG; }
    out[0] = '\0';
#if !defined(_WIN32)
    {
        struct stat st;
        int fd = open(path, O_RDONLY | TG__O_CLOEXEC | O_NOCTTY | O_NONBLOCK);   /* a FIFO must not block us */
        if (fd < 0) {
            e = errno == ENOENT ? TG_ERR_NOT_FOUND : TG_ERR_IO;
            tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: cannot open (%s)", path, strerror(errno));
            return e;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            e = TG_ERR_ARG;
            tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: not a regular file", path);
        } else if ((st.st_mode & 077) && !(flags & TG_SECRET_ALLOW_SHARED)) {
            e = TG_ERR_ARG;
            tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: mode %03o lets other users read or change it; chmod 600",
                          path, (unsigned)(st.st_mode & 0777));
        } else {
            for (;;) {
                ssize_t r = read(fd, out + n, cap - 1 - n);
                if (r < 0 && errno == EINTR) continue;
                if (r < 0) { e = TG_ERR_IO; tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: read failed", path); break; }
                if (r == 0) break;
                n += (size_t)r;
                if (n == cap - 1) {   /* full: one more byte means too long */
                    char extra;
                    if (read(fd, &extra, 1) > 0) { e = TG_ERR_LIMIT; tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: longer than %zu bytes", path, cap - 1); }
                    break;
                }
            }
        }
        close(fd);
    }
#else
    {
        FILE *f = fopen(path, "rb");
        (void)flags;
        if (!f) { tg__error_set(err, TG_ERR_NOT_FOUND, TG_PHASE_VALIDATE, "secret file %s: cannot open", path); return TG_ERR_NOT_FOUND; }
        n = fread(out, 1, cap - 1, f);
        if (n == cap - 1 && fgetc(f) != EOF) { e = TG_ERR_LIMIT; tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: too long", path); }
        fclose(f);
    }
#endif
    if (e == TG_OK && tg__secret_trim(out, n) == 0) {
        e = TG_ERR_ARG;
        tg__error_set(err, e, TG_PHASE_VALIDATE, "secret file %s: empty", path);
    }
    if (e != TG_OK) { tg__wipe(out, cap); return e; }
    if (len) *len = strlen(out);
    return TG_OK;
}

TGBOT_API tg_err tg_secret_load_env(const char *name, char *out, size_t cap, size_t *len, tg_error *err) {
    const char *v;
    size_t n;
    if (len) *len = 0;
    if (!name || !out || cap < 2) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "secret variable: bad arguments"); return TG_ERR_ARG; }
    out[0] = '\0';
    v = getenv(name);
    if (!v || !*v) { tg__error_set(err, TG_ERR_NOT_FOUND, TG_PHASE_VALIDATE, "secret variable %.64s: not set", name); return TG_ERR_NOT_FOUND; }
    n = strlen(v);
    if (n > cap - 1) { tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "secret variable %.64s: longer than %zu bytes", name, cap - 1); return TG_ERR_LIMIT; }
    memcpy(out, v, n);
    n = tg__secret_trim(out, n);
    if (!n) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "secret variable %.64s: empty", name); return TG_ERR_ARG; }
    if (len) *len = n;
    return TG_OK;
}

/* ---- key rings ---- */
TGBOT_API tg_err tg_keyring_add(tg_keyring *kr, uint8_t id, const uint8_t key[32]) {
    if (!kr || !key || kr->n > TG_KEYRING_MAX) return TG_ERR_ARG;
    if (tg_keyring_find(kr, id)) return TG_ERR_ARG;
    if (kr->n == TG_KEYRING_MAX) return TG_ERR_LIMIT;
    kr->keys[kr->n].id = id;
    memcpy(kr->keys[kr->n].key, key, 32);
    kr->n++;
    return TG_OK;
}

TGBOT_API const tg_key *tg_keyring_find(const tg_keyring *kr, uint8_t id) {
    size_t i;
    if (!kr || kr->n > TG_KEYRING_MAX) return NULL;
    for (i = 0; i < kr->n; i++)
        if (kr->keys[i].id == id) return &kr->keys[i];
    return NULL;
}

TGBOT_API const tg_key *tg_keyring_newest(const tg_keyring *kr) {
    return kr && kr->n && kr->n <= TG_KEYRING_MAX ? &kr->keys[kr->n - 1] : NULL;
}

TGBOT_API void tg_keyring_wipe(tg_keyring *kr) { if (kr) tg__wipe(kr, sizeof *kr); }

TGBOT__INTERN int tg__secret_b64val(char c) {
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 :
           c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* one key: 64 hex digits or 43 base64url characters (one optional '=') */
static int tg__secret_key_decode(const char *s, size_t n, uint8_t out[32]) {
    size_t i;
    if (n == 64) {
        for (i = 0; i < 32; i++) {
            int hi = tg__hexval(s[2 * i]), lo = tg__hexval(s[2 * i + 1]);
            if (hi < 0 || lo < 0) return 0;
            out[i] = (uint8_t)(hi << 4 | lo);
        }
        return 1;
    }
    if (n == 44 && s[43] == '=') n = 43;
    if (n == 43) {
        uint32_t acc = 0;
        int bits = 0;
        size_t o = 0;
        for (i = 0; i < 43; i++) {
            int v = tg__secret_b64val(s[i]);
            if (v < 0) return 0;
            acc = acc << 6 | (uint32_t)v;
            bits += 6;
            if (bits >= 8) { bits -= 8; out[o++] = (uint8_t)(acc >> bits); acc &= (1u << bits) - 1; }
        }
        return o == 32 && acc == 0;
    }
    return 0;
}

TGBOT_API tg_err tg_keyring_parse(tg_keyring *kr, const char *text, tg_error *err) {
    const char *p = text;
    int entry = 0;
    tg_keyring tmp;
    if (!kr || !text) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "keys: bad arguments"); return TG_ERR_ARG; }
    tmp = *kr;
    for (;;) {
        const char *s, *colon;
        size_t n;
        unsigned id = 0;
        uint8_t key[32];
        tg_err e;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',') p++;
        if (*p == '#') { while (*p && *p != '\n') p++; continue; }
        if (!*p) break;
        s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != ',' && *p != '#') p++;
        n = (size_t)(p - s);
        entry++;
        colon = (const char *)memchr(s, ':', n);
        if (!colon || colon == s || colon - s > 3) goto bad;
        for (; s < colon; s++) {
            if (*s < '0' || *s > '9') goto bad;
            id = id * 10 + (unsigned)(*s - '0');
        }
        if (id > 255 || !tg__secret_key_decode(colon + 1, (size_t)(p - colon - 1), key)) goto bad;
        e = tg_keyring_add(&tmp, (uint8_t)id, key);
        tg__wipe(key, sizeof key);
        if (e != TG_OK) {
            tg__error_set(err, e, TG_PHASE_VALIDATE, "keys: entry %d: %s", entry,
                          e == TG_ERR_LIMIT ? "more than TG_KEYRING_MAX keys" : "key id used twice");
            tg__wipe(&tmp, sizeof tmp);
            return e;
        }
        continue;
    bad:
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE,
                      "keys: entry %d is not ID:KEY (ID 0-255, KEY 64 hex digits or 43 base64url characters)", entry);
        tg__wipe(&tmp, sizeof tmp);
        return TG_ERR_ARG;
    }
    if (!entry) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "keys: no key"); return TG_ERR_ARG; }
    *kr = tmp;
    tg__wipe(&tmp, sizeof tmp);
    return TG_OK;
}

TGBOT_API tg_err tg_keyring_load_file(tg_keyring *kr, const char *path, unsigned flags, tg_error *err) {
    char text[4096];
    tg_err e = tg_secret_load_file(path, flags, text, sizeof text, NULL, err);
    if (e == TG_OK) e = tg_keyring_parse(kr, text, err);
    tg__wipe(text, sizeof text);
    return e;
}

TGBOT_API tg_err tg_keyring_load_env(tg_keyring *kr, const char *name, tg_error *err) {
    char text[4096];
    tg_err e = tg_secret_load_env(name, text, sizeof text, NULL, err);
    if (e == TG_OK) e = tg_keyring_parse(kr, text, err);
    tg__wipe(text, sizeof text);
    return e;
}
