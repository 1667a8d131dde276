/* store_redis: the store on Redis through hiredis (TGBOT_ENABLE_REDIS). Each operation is one
   command or one Lua script, so it is atomic for every worker; scripts read Redis's own clock. */
#if TGBOT__HAS_REDIS
#include <hiredis/hiredis.h>
#include <sys/time.h>

typedef struct tg__redis {
    redisContext *c;
    tg_redis_desc d;
    char host[256], prefix[64], password[256];
    char sha_admit[41], sha_cas[41], sha_incr[41], sha_pause[41], sha_stamp[41];
} tg__redis;

/* KEYS: lane, its pause, lane, its pause...; ARGV: interval_ms, burst per lane. GCRA on each lane's
   theoretical arrival time; all lanes or none. */
static const char tg__lua_admit[] =
    "local t=redis.call('TIME') local now=tonumber(t[1])*1000+math.floor(tonumber(t[2])/1000) "
    "local wait,tats=0,{} "
    "for i=1,#KEYS,2 do local j=(i+1)/2 "
    "local p=redis.call('PTTL',KEYS[i+1]) if p>wait then wait=p end "
    "local T=tonumber(ARGV[2*j-1]) local tau=T*(tonumber(ARGV[2*j])-1) "
    "local tat=tonumber(redis.call('GET',KEYS[i])) or now if tat<now then tat=now end "
    "tats[j]=tat if tat-now-tau>wait then wait=tat-now-tau end end "
    "if wait>0 then return wait end "
    "for i=1,#KEYS,2 do local j=(i+1)/2 local n=tats[j]+tonumber(ARGV[2*j-1]) "
    "redis.call('SET',KEYS[i],n,'PX',n-now) end return 0";
/* ARGV: absent-flag ("1": expect absent), expect, val-flag ("0": delete), val, ttl_ms */
static const char tg__lua_cas[] =
    "local v=redis.call('GET',KEYS[1]) "
    "if (ARGV[1]=='1' and v==false) or (ARGV[1]=='0' and v==ARGV[2]) then "
    "if ARGV[3]=='0' then redis.call('DEL',KEYS[1]) "
    "elseif tonumber(ARGV[5])>0 then redis.call('SET',KEYS[1],ARGV[4],'PX',ARGV[5]) "
    "else redis.call('SET',KEYS[1],ARGV[4]) end return 1 end return 0";
static const char tg__lua_incr[] =
    "local e=redis.call('EXISTS',KEYS[1]) local v=redis.call('INCRBY',KEYS[1],ARGV[1]) "
    "if e==0 and tonumber(ARGV[2])>0 then redis.call('PEXPIRE',KEYS[1],ARGV[2]) end return v";
/* KEYS: lanes; ARGV: interval_ms per lane. TAT = max(TAT, now + interval). */
static const char tg__lua_stamp[] =
    "local t=redis.call('TIME') local now=tonumber(t[1])*1000+math.floor(tonumber(t[2])/1000) "
    "for i=1,#KEYS do local n=now+tonumber(ARGV[i]) local tat=tonumber(redis.call('GET',KEYS[i])) or 0 "
    "if tat<n then redis.call('SET',KEYS[i],n,'PX',tonumber(ARGV[i])) end end return 0";
static const char tg__lua_pause[] =
    "if redis.call('PTTL',KEYS[1])<tonumber(ARGV[1]) then redis.call('SET',KEYS[1],'1','PX',ARGV[1]) end return 0";

static struct timeval tg__tv(uint32_t ms) {
    struct timeval tv;
    tv.tv_sec = (time_t)(ms / 1000u);
    tv.tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
    return tv;
}

static void tg__redis_drop(tg__redis *r) { if (r->c) { redisFree(r->c); r->c = NULL; } }

static tg_err tg__redis_errkind(const redisContext *c) {
    if (!c) return TG_ERR_CONNECT;
    if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT)) return TG_ERR_TIMEOUT;
    if (c->err == REDIS_ERR_EOF) return TG_ERR_CLOSED;
    return TG_ERR_IO;
}

static tg_err tg__redis_load(tg_store *s, tg__redis *r, const char *src, char sha[41]) {
    redisReply *rep = (redisReply *)redisCommand(r->c, "SCRIPT LOAD %s", src);
    tg_err e = TG_OK;
    if (!rep) return tg__redis_errkind(r->c);
    if (rep->type == REDIS_REPLY_STRING && rep->len == 40) { memcpy(sha, rep->str, 40); sha[40] = 0; }
    else { tg__log(&s->logger, TG_LOG_ERROR, "redis: SCRIPT LOAD failed"); e = TG_ERR_IO; }
    freeReplyObject(rep);
    return e;
}

static tg_err tg__redis_connect(tg_store *s) {
    tg__redis *r = (tg__redis *)s->impl;
    tg_err e;
    if (r->c) return TG_OK;
    r->c = redisConnectWithTimeout(r->host, r->d.port, tg__tv(r->d.connect_ms));
    if (!r->c || r->c->err) {
        e = r->c ? TG_ERR_CONNECT : TG_ERR_NOMEM;
        tg__log(&s->logger, TG_LOG_WARN, "redis: cannot connect to %s:%d: %s", r->host, r->d.port,
                r->c ? r->c->errstr : "out of memory");
        tg__redis_drop(r);
        return e;
    }
    redisSetTimeout(r->c, tg__tv(r->d.command_ms));
    if (r->password[0]) {
        redisReply *rep = (redisReply *)redisCommand(r->c, "AUTH %s", r->password);
        bool ok = rep && rep->type == REDIS_REPLY_STATUS;
        if (rep) freeReplyObject(rep);
        if (!ok) { tg__log(&s->logger, TG_LOG_ERROR, "redis: AUTH refused"); tg__redis_drop(r); return TG_ERR_CONNECT; }
    }
    if ((e = tg__redis_load(s, r, tg__lua_admit, r->sha_admit)) || (e = tg__redis_load(s, r, tg__lua_cas, r->sha_cas)) ||
        (e = tg__redis_load(s, r, tg__lua_incr, r->sha_incr)) || (e = tg__redis_load(s, r, tg__lua_pause, r->sha_pause)) ||
        (e = tg__redis_load(s, r, tg__lua_stamp, r->sha_stamp))) {
        tg__redis_drop(r);
        return e;
    }
    return TG_OK;
}

/* Runs one command (argv[0] may be "EVALSHA" with the script's source as fallback). A lost
   connection is re-made; the command is repeated once only when `repeatable` (reads, and writes
   whose repetition changes nothing). */
static tg_err tg__redis_cmd(tg_store *s, int argc, const char **argv, const size_t *lens, bool repeatable,
                            const char *script, redisReply **out) {
    tg__redis *r = (tg__redis *)s->impl;
    int attempt;
    *out = NULL;
    for (attempt = 0; attempt < 2; attempt++) {
        redisReply *rep;
        tg_err e = tg__redis_connect(s);
        if (e) return e;
        rep = (redisReply *)redisCommandArgv(r->c, argc, argv, lens);
        if (!rep) {
            e = tg__redis_errkind(r->c);
            tg__log(&s->logger, TG_LOG_WARN, "redis: %s failed: %s%s", argv[0], r->c->errstr,
                    repeatable && attempt == 0 ? "; reconnecting" : "");
            tg__redis_drop(r);
            if (!repeatable || attempt) return e;
            continue;
        }
        if (rep->type == REDIS_REPLY_ERROR && script && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
            const char *a2[8];
            size_t l2[8];
            int i;
            freeReplyObject(rep);
            for (i = 0; i < argc && i < 8; i++) { a2[i] = argv[i]; l2[i] = lens[i]; }
            a2[0] = "EVAL"; l2[0] = 4; a2[1] = script; l2[1] = strlen(script);
            rep = (redisReply *)redisCommandArgv(r->c, argc, a2, l2);
            if (!rep) { e = tg__redis_errkind(r->c); tg__redis_drop(r); return e; }
        }
        if (rep->type == REDIS_REPLY_ERROR) {
            tg__log(&s->logger, TG_LOG_ERROR, "redis: %s: %.*s", argv[0], (int)TGBOT__MIN(rep->len, 200), rep->str);
            freeReplyObject(rep);
            return TG_ERR_IO;
        }
        *out = rep;
        return TG_OK;
    }
    return TG_ERR_IO;
}

static tg_err tg__redis_key(tg_store *s, const char *key, const char *suffix, char *out, size_t cap) {
    tg__redis *r = (tg__redis *)s->impl;
    int n = snprintf(out, cap, "%s%s%s", r->prefix, key, suffix);
    return (n < 0 || (size_t)n >= cap) ? TG_ERR_LIMIT : TG_OK;
}

#define TG__RKEY(buf, key, sfx) char buf[TGBOT_STORE_MAX_KEY + 72]; \
    do { tg_err ke_ = tg__redis_key(s, key, sfx, buf, sizeof buf); if (ke_) return ke_; } while (0)

static tg_err tg__redis_get(tg_store *s, const char *key, void *buf, size_t cap, size_t *len) {
    const char *argv[2]; size_t lens[2];
    redisReply *rep;
    tg_err e;
    TG__RKEY(k, key, "");
    argv[0] = "GET"; lens[0] = 3; argv[1] = k; lens[1] = strlen(k);
    if ((e = tg__redis_cmd(s, 2, argv, lens, true, NULL, &rep)) != TG_OK) return e;
    *len = 0;
    if (rep->type == REDIS_REPLY_NIL) e = TG_ERR_NOT_FOUND;
    else if (rep->type != REDIS_REPLY_STRING) e = TG_ERR_TYPE;
    else {
        *len = rep->len;
        if (rep->len > cap) e = TG_ERR_LIMIT;
        else if (rep->len) memcpy(buf, rep->str, rep->len);
    }
    freeReplyObject(rep);
    return e;
}

static tg_err tg__redis_set(tg_store *s, const char *key, const void *val, size_t len, uint32_t ttl_ms, bool nx, bool *done) {
    const char *argv[6]; size_t lens[6];
    char ttl[16];
    int argc = 3;
    redisReply *rep;
    tg_err e;
    TG__RKEY(k, key, "");
    argv[0] = "SET"; lens[0] = 3; argv[1] = k; lens[1] = strlen(k); argv[2] = (const char *)val; lens[2] = len;
    if (ttl_ms) {
        snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_ms);
        argv[argc] = "PX"; lens[argc++] = 2; argv[argc] = ttl; lens[argc++] = strlen(ttl);
    }
    if (nx) { argv[argc] = "NX"; lens[argc++] = 2; }
    *done = false;
    /* SET NX is not repeatable: a first attempt that applied would make the second say "not set" */
    if ((e = tg__redis_cmd(s, argc, argv, lens, !nx, NULL, &rep)) != TG_OK) return e;
    *done = rep->type == REDIS_REPLY_STATUS;
    freeReplyObject(rep);
    return TG_OK;
}

static tg_err tg__redis_eval(tg_store *s, const char *sha, const char *script, int nkeys, const char **keys,
                             int nargs, const char **args, const size_t *arglens, bool repeatable, long long *out) {
    const char *argv[3 + 2 * TG_STORE_MAX_LANES + 2 * TG_STORE_MAX_LANES + 2];
    size_t lens[sizeof argv / sizeof argv[0]];
    char nk[12];
    int argc = 0, i;
    redisReply *rep;
    tg_err e;
    if (3 + nkeys + nargs > (int)(sizeof argv / sizeof argv[0])) return TG_ERR_ARG;
    snprintf(nk, sizeof nk, "%d", nkeys);
    argv[argc] = "EVALSHA"; lens[argc++] = 7;
    argv[argc] = sha; lens[argc++] = 40;
    argv[argc] = nk; lens[argc++] = strlen(nk);
    for (i = 0; i < nkeys; i++) { argv[argc] = keys[i]; lens[argc++] = strlen(keys[i]); }
    for (i = 0; i < nargs; i++) { argv[argc] = args[i]; lens[argc++] = arglens ? arglens[i] : strlen(args[i]); }
    if ((e = tg__redis_cmd(s, argc, argv, lens, repeatable, script, &rep)) != TG_OK) return e;
    if (rep->type != REDIS_REPLY_INTEGER) e = TG_ERR_TYPE;
    else *out = rep->integer;
    freeReplyObject(rep);
    return e;
}

static tg_err tg__redis_cas(tg_store *s, const char *key, const void *expect, size_t elen, const void *val,
                            size_t len, uint32_t ttl_ms, bool *swapped) {
    tg__redis *r = (tg__redis *)s->impl;
    const char *keys[1], *args[5];
    size_t lens[5];
    char ttl[16];
    long long v = 0;
    tg_err e;
    TG__RKEY(k, key, "");
    /* connect first: the script's sha is known once it is loaded */
    if ((e = tg__redis_connect(s)) != TG_OK) return e;
    snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_ms);
    keys[0] = k;
    args[0] = expect ? "0" : "1"; lens[0] = 1;
    args[1] = expect ? (const char *)expect : ""; lens[1] = expect ? elen : 0;
    args[2] = val ? "1" : "0"; lens[2] = 1;
    args[3] = val ? (const char *)val : ""; lens[3] = val ? len : 0;
    args[4] = ttl; lens[4] = strlen(ttl);
    *swapped = false;
    e = tg__redis_eval(s, r->sha_cas, tg__lua_cas, 1, keys, 5, args, lens, false, &v);
    *swapped = e == TG_OK && v == 1;
    return e;
}

static tg_err tg__redis_del(tg_store *s, const char *key) {
    const char *argv[2]; size_t lens[2];
    redisReply *rep;
    tg_err e;
    TG__RKEY(k, key, "");
    argv[0] = "DEL"; lens[0] = 3; argv[1] = k; lens[1] = strlen(k);
    if ((e = tg__redis_cmd(s, 2, argv, lens, true, NULL, &rep)) != TG_OK) return e;
    freeReplyObject(rep);
    return TG_OK;
}

static tg_err tg__redis_incr(tg_store *s, const char *key, int64_t by, uint32_t ttl_ms, int64_t *out) {
    tg__redis *r = (tg__redis *)s->impl;
    const char *keys[1], *args[2];
    char b[24], ttl[16];
    long long v = 0;
    tg_err e;
    TG__RKEY(k, key, "");
    if ((e = tg__redis_connect(s)) != TG_OK) return e;
    snprintf(b, sizeof b, "%lld", (long long)by); snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_ms);
    keys[0] = k; args[0] = b; args[1] = ttl;
    if ((e = tg__redis_eval(s, r->sha_incr, tg__lua_incr, 1, keys, 2, args, NULL, false, &v)) == TG_OK) *out = (int64_t)v;
    return e;
}

static tg_err tg__redis_admit(tg_store *s, const tg_store_lane *lanes, size_t n, uint64_t *wait_ms) {
    tg__redis *r = (tg__redis *)s->impl;
    char kb[2 * TG_STORE_MAX_LANES][TGBOT_STORE_MAX_KEY + 72], ab[2 * TG_STORE_MAX_LANES][16];
    const char *keys[2 * TG_STORE_MAX_LANES], *args[2 * TG_STORE_MAX_LANES];
    long long v = 0;
    size_t i;
    tg_err e;
    for (i = 0; i < n; i++) {
        if ((e = tg__redis_key(s, lanes[i].key, "", kb[2 * i], sizeof kb[0])) != TG_OK ||
            (e = tg__redis_key(s, lanes[i].key, ":p", kb[2 * i + 1], sizeof kb[0])) != TG_OK) return e;
        keys[2 * i] = kb[2 * i]; keys[2 * i + 1] = kb[2 * i + 1];
        snprintf(ab[2 * i], sizeof ab[0], "%u", (unsigned)lanes[i].interval_ms);
        snprintf(ab[2 * i + 1], sizeof ab[0], "%u", (unsigned)lanes[i].burst);
        args[2 * i] = ab[2 * i]; args[2 * i + 1] = ab[2 * i + 1];
    }
    if ((e = tg__redis_connect(s)) != TG_OK) return e;
    /* not repeated: an admit that applied and was lost took a slot; a second would take another */
    if ((e = tg__redis_eval(s, r->sha_admit, tg__lua_admit, (int)(2 * n), keys, (int)(2 * n), args, NULL, false, &v)) == TG_OK)
        *wait_ms = v > 0 ? (uint64_t)v : 0;
    return e;
}

static tg_err tg__redis_pause(tg_store *s, const char *key, uint32_t ms) {
    tg__redis *r = (tg__redis *)s->impl;
    const char *keys[1], *args[1];
    char m[16];
    long long v = 0;
    tg_err e;
    TG__RKEY(pk, key, ":p");
    if ((e = tg__redis_connect(s)) != TG_OK) return e;
    snprintf(m, sizeof m, "%u", (unsigned)ms);
    keys[0] = pk; args[0] = m;
    return tg__redis_eval(s, r->sha_pause, tg__lua_pause, 1, keys, 1, args, NULL, true, &v);
}

static tg_err tg__redis_stamp(tg_store *s, const tg_store_lane *lanes, size_t n) {
    tg__redis *r = (tg__redis *)s->impl;
    char kb[TG_STORE_MAX_LANES][TGBOT_STORE_MAX_KEY + 72], ab[TG_STORE_MAX_LANES][16];
    const char *keys[TG_STORE_MAX_LANES], *args[TG_STORE_MAX_LANES];
    long long v = 0;
    size_t i;
    tg_err e;
    for (i = 0; i < n; i++) {
        if ((e = tg__redis_key(s, lanes[i].key, "", kb[i], sizeof kb[0])) != TG_OK) return e;
        keys[i] = kb[i];
        snprintf(ab[i], sizeof ab[0], "%u", (unsigned)lanes[i].interval_ms);
        args[i] = ab[i];
    }
    if ((e = tg__redis_connect(s)) != TG_OK) return e;
    return tg__redis_eval(s, r->sha_stamp, tg__lua_stamp, (int)n, keys, (int)n, args, NULL, true, &v);
}

static void tg__redis_destroy(tg_store *s) {
    tg__redis *r = (tg__redis *)s->impl;
    tg_allocator a = s->alloc;
    tg__redis_drop(r);
    tg__wipe(r->password, sizeof r->password);
    tg__free(&a, r, sizeof *r);
    tg__free(&a, s, sizeof *s);
}

static const tg_store_vtable tg__redis_vt = {
    tg__redis_get, tg__redis_set, tg__redis_cas, tg__redis_del, tg__redis_incr, tg__redis_admit,
    tg__redis_pause, tg__redis_stamp, tg__redis_destroy };

tg_err tg_store_redis_new(tg_store **out, const tg_store_desc *desc, const tg_redis_desc *redis) {
    tg_store *s;
    tg__redis *r;
    tg_redis_desc d;
    tg_err e;
    if (!out) return TG_ERR_ARG;
    *out = NULL;
    if (redis) d = *redis; else memset(&d, 0, sizeof d);
    if ((d.host && strlen(d.host) >= 256) || (d.prefix && strlen(d.prefix) >= 64) ||
        (d.password && strlen(d.password) >= 256) || d.port < 0 || d.port > 65535) return TG_ERR_ARG;
    if ((e = tg__store_alloc(&s, desc, &tg__redis_vt, sizeof(tg__redis))) != TG_OK) return e;
    r = (tg__redis *)s->impl;
    snprintf(r->host, sizeof r->host, "%s", d.host ? d.host : "127.0.0.1");
    snprintf(r->prefix, sizeof r->prefix, "%s", d.prefix ? d.prefix : "tg:");
    if (d.password) snprintf(r->password, sizeof r->password, "%s", d.password);
    d.host = NULL; d.password = NULL; d.prefix = NULL;     /* the copies above are the ones used */
    if (!d.port) d.port = 6379;
    if (!d.connect_ms) d.connect_ms = 2000;
    if (!d.command_ms) d.command_ms = 2000;
    r->d = d;
    tg__redis_connect(s);       /* early, to log a wrong address now; failures retry lazily */
    *out = s;
    return TG_OK;
}

#endif /* TGBOT__HAS_REDIS */
