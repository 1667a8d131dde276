/* store: the memory back-end on an injected clock (values, TTLs, compare-and-set, counters, the GCRA
   admit computed by hand from its definition, pauses, bounds), update claims, leases, the FSM (state,
   data, transitions, timeouts, scopes, a lost compare-and-set race, tg_on_state); and the same
   operations on a real redis-server when TG_REDIS_PORT is set (make test-redis). */
#if TGBOT__HAS_STORE

static uint64_t sto_clock = 5000000;
static uint64_t sto_now(void *ud) { (void)ud; return sto_clock; }

static tg_store *st_mem(uint32_t max_keys) {
    tg_store_desc d;
    tg_store *s = NULL;
    memset(&d, 0, sizeof d);
    d.now_ms = sto_now;
    d.max_keys = max_keys;
    sto_clock = 5000000;
    return tg_store_memory_new(&s, &d) == TG_OK ? s : NULL;
}

/* ---- operations every back-end must get right (no clock control needed) ---- */
static void st_common(tg_store *s, const char *tag) {
    char buf[64];
    size_t n = 0;
    bool sw = false;
    int64_t v = 0;
    uint64_t w = 1;
    char key[64];
    snprintf(key, sizeof key, "%s:k", tag);
    tg_store_del(s, key);
    CHECK_EQ_INT(tg_store_get(s, key, buf, sizeof buf, &n), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(tg_store_set(s, key, "hello", 5, 0), TG_OK);
    CHECK_EQ_INT(tg_store_get(s, key, buf, sizeof buf, &n), TG_OK);
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK_EQ_INT(tg_store_get(s, key, buf, 3, &n), TG_ERR_LIMIT);     /* too small: the size needed */
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(tg_store_set(s, key, "a\0b", 3, 0), TG_OK);          /* binary-safe */
    CHECK_EQ_INT(tg_store_get(s, key, buf, sizeof buf, &n), TG_OK);
    CHECK(n == 3 && memcmp(buf, "a\0b", 3) == 0);
    /* compare-and-set */
    CHECK_EQ_INT(tg_store_cas(s, key, "zzz", 3, "new", 3, 0, &sw), TG_OK); CHECK(!sw);
    CHECK_EQ_INT(tg_store_cas(s, key, NULL, 0, "new", 3, 0, &sw), TG_OK); CHECK(!sw);   /* not absent */
    CHECK_EQ_INT(tg_store_cas(s, key, "a\0b", 3, "new", 3, 0, &sw), TG_OK); CHECK(sw);
    CHECK_EQ_INT(tg_store_get(s, key, buf, sizeof buf, &n), TG_OK); CHECK(n == 3 && memcmp(buf, "new", 3) == 0);
    CHECK_EQ_INT(tg_store_cas(s, key, "new", 3, NULL, 0, 0, &sw), TG_OK); CHECK(sw);      /* delete */
    CHECK_EQ_INT(tg_store_get(s, key, buf, sizeof buf, &n), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(tg_store_cas(s, key, NULL, 0, "x", 1, 0, &sw), TG_OK); CHECK(sw);        /* when absent */
    CHECK_EQ_INT(tg_store_del(s, key), TG_OK);
    CHECK_EQ_INT(tg_store_del(s, key), TG_OK);                                           /* idempotent */
    /* counters */
    CHECK_EQ_INT(tg_store_incr(s, key, 5, 0, &v), TG_OK); CHECK_EQ_INT(v, 5);
    CHECK_EQ_INT(tg_store_incr(s, key, -7, 0, &v), TG_OK); CHECK_EQ_INT(v, -2);
    tg_store_set(s, key, "abc", 3, 0);
    CHECK(tg_store_incr(s, key, 1, 0, &v) != TG_OK);                                      /* not a number */
    tg_store_del(s, key);
    /* bounds and arguments */
    {
        char big[TGBOT_STORE_MAX_KEY + 2];
        memset(big, 'k', sizeof big - 1); big[sizeof big - 1] = 0;
        CHECK_EQ_INT(tg_store_set(s, big, "v", 1, 0), TG_ERR_LIMIT);
        CHECK_EQ_INT(tg_store_set(s, "", "v", 1, 0), TG_ERR_LIMIT);
        CHECK_EQ_INT(tg_store_set(NULL, key, "v", 1, 0), TG_ERR_ARG);
        CHECK_EQ_INT(tg_store_admit(s, key, 0, 1, &w), TG_ERR_ARG);
    }
    /* GCRA: one per 60 s, burst 2: two go back to back, the third waits most of a minute */
    snprintf(key, sizeof key, "%s:lane", tag);
    tg_store_del(s, key);
    CHECK_EQ_INT(tg_store_admit(s, key, 60000, 2, &w), TG_OK); CHECK_EQ_INT(w, 0);
    CHECK_EQ_INT(tg_store_admit(s, key, 60000, 2, &w), TG_OK); CHECK_EQ_INT(w, 0);
    CHECK_EQ_INT(tg_store_admit(s, key, 60000, 2, &w), TG_OK);
    CHECK(w > 55000 && w <= 60000);
    /* a pause honoured before the lane */
    snprintf(key, sizeof key, "%s:lane2", tag);
    CHECK_EQ_INT(tg_store_pause(s, key, 30000), TG_OK);
    CHECK_EQ_INT(tg_store_admit(s, key, 10, 100, &w), TG_OK);
    CHECK(w > 25000 && w <= 30000);
    CHECK_EQ_INT(tg_store_pause(s, key, 10), TG_OK);                  /* a shorter pause does not shorten it */
    CHECK_EQ_INT(tg_store_admit(s, key, 10, 100, &w), TG_OK);
    CHECK(w > 25000);
    {   /* several lanes through the back-end's one atomic operation */
        tg_store_lane l[2];
        char k1[64], k2[64];
        snprintf(k1, sizeof k1, "%s:c", tag); snprintf(k2, sizeof k2, "%s:g", tag);
        tg_store_del(s, k1); tg_store_del(s, k2);
        l[0].key = k1; l[0].interval_ms = 60000; l[0].burst = 1;
        l[1].key = k2; l[1].interval_ms = 1; l[1].burst = 1000;
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK_EQ_INT(w, 0);
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK(w > 55000 && w <= 60000);
        CHECK_EQ_INT(tg_store_pause(s, k2, 90000), TG_OK);
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK(w > 85000 && w <= 90000);
    }
    /* claims: exactly one first per (bot, update) */
    {
        bool f1 = false, f2 = true, f3 = false;
        int64_t uid = (int64_t)sto_clock * 7 + (int64_t)strlen(tag);
        CHECK_EQ_INT(tg_store_claim(s, 1, uid, 0, &f1), TG_OK);
        CHECK_EQ_INT(tg_store_claim(s, 1, uid, 0, &f2), TG_OK);
        CHECK_EQ_INT(tg_store_claim(s, 2, uid, 0, &f3), TG_OK);
        CHECK(f1 && !f2 && f3);
    }
    /* leases: one holder; renewal by the holder only; unlock only by the holder */
    {
        bool a = false, b = true;
        char lk[64];
        snprintf(lk, sizeof lk, "%s:poll", tag);
        tg_store_del(s, "lock:x");
        CHECK_EQ_INT(tg_store_lock(s, lk, "ownerA", 60000, &a), TG_OK); CHECK(a);
        CHECK_EQ_INT(tg_store_lock(s, lk, "ownerB", 60000, &b), TG_OK); CHECK(!b);
        CHECK_EQ_INT(tg_store_lock(s, lk, "ownerA", 60000, &a), TG_OK); CHECK(a);      /* renewed */
        CHECK_EQ_INT(tg_store_unlock(s, lk, "ownerB"), TG_OK);                       /* not B's */
        CHECK_EQ_INT(tg_store_lock(s, lk, "ownerB", 60000, &b), TG_OK); CHECK(!b);
        CHECK_EQ_INT(tg_store_unlock(s, lk, "ownerA"), TG_OK);
        CHECK_EQ_INT(tg_store_lock(s, lk, "ownerB", 60000, &b), TG_OK); CHECK(b);
        tg_store_unlock(s, lk, "ownerB");
    }
}

TG_TEST(store_memory_operations) {
    tg_store *s = st_mem(0);
    CHECK(s != NULL);
    if (!s) return;
    st_common(s, "mem");
    tg_store_free(s);
}

TG_TEST(store_memory_ttl_on_the_clock) {
    tg_store *s = st_mem(0);
    char buf[8];
    size_t n;
    int64_t v = 0;
    bool held = false;
    if (!s) { CHECK(s != NULL); return; }
    CHECK_EQ_INT(tg_store_set(s, "t", "v", 1, 1000), TG_OK);
    sto_clock += 999;
    CHECK_EQ_INT(tg_store_get(s, "t", buf, sizeof buf, &n), TG_OK);
    sto_clock += 1;                                            /* exactly at the expiry: gone */
    CHECK_EQ_INT(tg_store_get(s, "t", buf, sizeof buf, &n), TG_ERR_NOT_FOUND);
    /* incr: the TTL is set when the key is created and kept by later increments (as Redis) */
    CHECK_EQ_INT(tg_store_incr(s, "c", 1, 500, &v), TG_OK);
    sto_clock += 400;
    CHECK_EQ_INT(tg_store_incr(s, "c", 1, 500, &v), TG_OK); CHECK_EQ_INT(v, 2);
    sto_clock += 100;
    CHECK_EQ_INT(tg_store_incr(s, "c", 1, 500, &v), TG_OK); CHECK_EQ_INT(v, 1);   /* expired: starts over */
    /* a lease ends by itself: another owner takes it after lease_ms */
    CHECK_EQ_INT(tg_store_lock(s, "p", "A", 30000, &held), TG_OK); CHECK(held);
    sto_clock += 29999;
    CHECK_EQ_INT(tg_store_lock(s, "p", "B", 30000, &held), TG_OK); CHECK(!held);
    sto_clock += 1;
    CHECK_EQ_INT(tg_store_lock(s, "p", "B", 30000, &held), TG_OK); CHECK(held);
    tg_store_free(s);
}

/* GCRA by its definition: emission interval T, tolerance tau = T*(burst-1); a request at time t is
   admitted when TAT - t <= tau, then TAT = max(TAT, t) + T; otherwise it waits TAT - tau - t. */
TG_TEST(store_memory_admit_is_gcra) {
    tg_store *s = st_mem(0);
    uint64_t w = 99;
    int i;
    if (!s) { CHECK(s != NULL); return; }
    /* 1 per 1000 ms, no burst: t=0 in, t=0 waits 1000, t=400 waits 600, t=1000 in */
    CHECK_EQ_INT(tg_store_admit(s, "a", 1000, 1, &w), TG_OK); CHECK_EQ_INT(w, 0);
    CHECK_EQ_INT(tg_store_admit(s, "a", 1000, 1, &w), TG_OK); CHECK_EQ_INT(w, 1000);
    sto_clock += 400;
    CHECK_EQ_INT(tg_store_admit(s, "a", 1000, 1, &w), TG_OK); CHECK_EQ_INT(w, 600);
    sto_clock += 600;
    CHECK_EQ_INT(tg_store_admit(s, "a", 1000, 1, &w), TG_OK); CHECK_EQ_INT(w, 0);
    /* 30 per second as interval 33 ms burst 30: 30 back to back, the 31st waits 33 - 0 = 33 */
    for (i = 0; i < 30; i++) { tg_store_admit(s, "g", 33, 30, &w); CHECK_EQ_INT(w, 0); }
    CHECK_EQ_INT(tg_store_admit(s, "g", 33, 30, &w), TG_OK); CHECK_EQ_INT(w, 33);
    /* an idle lane regains its whole burst, never more */
    sto_clock += 100000;
    for (i = 0; i < 30; i++) { tg_store_admit(s, "g", 33, 30, &w); CHECK_EQ_INT(w, 0); }
    tg_store_admit(s, "g", 33, 30, &w); CHECK_EQ_INT(w, 33);
    /* several lanes: all or nothing; the wait is the longest lane's */
    {
        tg_store_lane l[2];
        l[0].key = "chat1"; l[0].interval_ms = 1000; l[0].burst = 1;
        l[1].key = "global"; l[1].interval_ms = 34; l[1].burst = 1;
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK_EQ_INT(w, 0);
        l[0].key = "chat2";                              /* chat2 is free, the global lane is not */
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK_EQ_INT(w, 34);
        l[0].key = "chat1";
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK_EQ_INT(w, 1000);
        sto_clock += 34;                                  /* chat2 took nothing while refused */
        l[0].key = "chat2";
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 2, &w), TG_OK); CHECK_EQ_INT(w, 0);
        CHECK_EQ_INT(tg_store_admit_lanes(s, l, 0, &w), TG_ERR_ARG);
    }
    /* a pause (429 retry_after) holds the lane for exactly its length */
    tg_store_pause(s, "a", 5000);
    sto_clock += 4999;
    tg_store_admit(s, "a", 1000, 1, &w); CHECK_EQ_INT(w, 1);
    sto_clock += 1;
    tg_store_admit(s, "a", 1000, 1, &w); CHECK_EQ_INT(w, 0);
    tg_store_free(s);
}

TG_TEST(store_memory_is_bounded) {
    tg_store *s = st_mem(10);
    char k[16];
    int i;
    if (!s) { CHECK(s != NULL); return; }
    for (i = 0; i < 10; i++) { snprintf(k, sizeof k, "k%d", i); CHECK_EQ_INT(tg_store_set(s, k, "v", 1, 100), TG_OK); }
    CHECK_EQ_INT(tg_store_set(s, "one-more", "v", 1, 0), TG_ERR_LIMIT);
    CHECK_EQ_INT(tg_store_set(s, "k3", "w", 1, 0), TG_OK);            /* replacing needs no room */
    sto_clock += 100;                                                  /* 9 expire: room again */
    CHECK_EQ_INT(tg_store_set(s, "one-more", "v", 1, 0), TG_OK);
    {
        char big[16];
        CHECK_EQ_INT(tg_store_set(s, "huge", big, (size_t)TGBOT_STORE_MAX_VALUE + 1, 0), TG_ERR_LIMIT);
    }
    tg_store_free(s);
}

/* ---- FSM ---- */
static const char *st_transitions[] = { ">ask_name", "ask_name>ask_age", "ask_age>done", "*>" };

static void st_fsm_suite(tg_store *s) {
    tg_fsm_desc fd;
    tg_fsm *f = NULL, *g = NULL;
    tg_fsm_key k, other;
    char st[70], data[256];
    memset(&fd, 0, sizeof fd);
    fd.store = s; fd.name = "reg"; fd.transitions = st_transitions; fd.transitions_count = 4;
    CHECK_EQ_INT(tg_fsm_new(&f, &fd, NULL), TG_OK);
    if (!f) return;
    memset(&k, 0, sizeof k);
    k.bot_id = 123456; k.chat_id = 42; k.user_id = 7;
    other = k; other.user_id = 8;
    tg_fsm_clear(f, &k); tg_fsm_clear(f, &other);
    CHECK_EQ_INT(tg_fsm_get(f, &k, st, sizeof st, data, sizeof data), TG_OK);
    CHECK_STR(st, ""); CHECK_STR(data, "{}");
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_age", NULL), TG_ERR_ARG);      /* "" -> ask_age not allowed */
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_name", "{\"lang\":\"en\"}"), TG_OK);
    CHECK_EQ_INT(tg_fsm_set(f, &k, NULL, "{\"name\":\"Ann \\\"A\\\"\",\"lang\":\"en\"}"), TG_OK); /* data only */
    CHECK_EQ_INT(tg_fsm_get(f, &k, st, sizeof st, data, sizeof data), TG_OK);
    CHECK_STR(st, "ask_name");
    CHECK_STR(data, "{\"name\":\"Ann \\\"A\\\"\",\"lang\":\"en\"}");   /* kept byte for byte, escapes too */
    CHECK_EQ_INT(tg_fsm_set(f, &k, "done", NULL), TG_ERR_ARG);         /* skipping a step */
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_age", NULL), TG_OK);
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_age", "[1]"), TG_ERR_TYPE);    /* data must be an object */
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_age", "{bad"), TG_ERR_JSON);
    /* another user in the same chat has a conversation of their own */
    CHECK_EQ_INT(tg_fsm_get(f, &other, st, sizeof st, NULL, 0), TG_OK); CHECK_STR(st, "");
    CHECK_EQ_INT(tg_fsm_set(f, &k, "", NULL), TG_OK);                  /* "*>" : cancel from anywhere */
    CHECK_EQ_INT(tg_fsm_get(f, &k, st, sizeof st, NULL, 0), TG_OK); CHECK_STR(st, "");
    /* per-chat scope: everyone in the chat shares one state; a business connection separates */
    fd.scope = TG_FSM_CHAT; fd.name = "chat"; fd.transitions = NULL; fd.transitions_count = 0;
    CHECK_EQ_INT(tg_fsm_new(&g, &fd, NULL), TG_OK);
    if (g) {
        tg_fsm_key biz = k;
        biz.business_connection_id = "bc1";
        tg_fsm_clear(g, &k); tg_fsm_clear(g, &biz);
        CHECK_EQ_INT(tg_fsm_set(g, &k, "quiz", NULL), TG_OK);
        CHECK_EQ_INT(tg_fsm_get(g, &other, st, sizeof st, NULL, 0), TG_OK); CHECK_STR(st, "quiz");
        CHECK_EQ_INT(tg_fsm_get(g, &biz, st, sizeof st, NULL, 0), TG_OK); CHECK_STR(st, "");
        tg_fsm_clear(g, &k);
        tg_fsm_free(g);
    }
    {   /* an update without chat or user has no conversation */
        tg_fsm_key none;
        memset(&none, 0, sizeof none);
        CHECK_EQ_INT(tg_fsm_set(f, &none, "x", NULL), TG_ERR_ARG);
    }
    tg_fsm_free(f);
}

TG_TEST(store_fsm_state_data_transitions) {
    tg_store *s = st_mem(0);
    if (!s) { CHECK(s != NULL); return; }
    st_fsm_suite(s);
    tg_store_free(s);
}

TG_TEST(store_fsm_timeout) {
    tg_store *s = st_mem(0);
    tg_fsm_desc fd;
    tg_fsm *f = NULL;
    tg_fsm_key k;
    char st[70];
    if (!s) { CHECK(s != NULL); return; }
    memset(&fd, 0, sizeof fd);
    fd.store = s; fd.timeout_ms = 600000;
    memset(&k, 0, sizeof k);
    k.chat_id = 1; k.user_id = 1;
    CHECK_EQ_INT(tg_fsm_new(&f, &fd, NULL), TG_OK);
    if (!f) { tg_store_free(s); return; }
    tg_fsm_set(f, &k, "waiting", NULL);
    sto_clock += 599999;
    tg_fsm_get(f, &k, st, sizeof st, NULL, 0); CHECK_STR(st, "waiting");
    tg_fsm_set(f, &k, NULL, "{\"n\":1}");                  /* activity restarts the timeout */
    sto_clock += 599999;
    tg_fsm_get(f, &k, st, sizeof st, NULL, 0); CHECK_STR(st, "waiting");
    sto_clock += 1;
    tg_fsm_get(f, &k, st, sizeof st, NULL, 0); CHECK_STR(st, "");
    tg_fsm_free(f);
    tg_store_free(s);
}

/* a back-end wrapper that lets another "worker" change the conversation between this worker's
   read and its compare-and-set, once */
static const tg_store_vtable *st_inner_vt;
static int st_raced;
static tg_err st_race_cas(tg_store *s, const char *key, const void *expect, size_t elen, const void *val,
                          size_t len, uint32_t ttl, bool *sw) {
    if (!st_raced) {
        static const char theirs[] = "{\"s\":\"ask_age\",\"d\":{\"by\":\"other\"}}";
        bool ok;
        st_raced = 1;
        st_inner_vt->set(s, key, theirs, sizeof theirs - 1, 0, false, &ok);
    }
    return st_inner_vt->cas(s, key, expect, elen, val, len, ttl, sw);
}

TG_TEST(store_fsm_lost_race_rechecks_the_transition) {
    tg_store *s = st_mem(0);
    tg_store_vtable vt;
    tg_fsm_desc fd;
    tg_fsm *f = NULL;
    tg_fsm_key k;
    char st[70], data[128];
    if (!s) { CHECK(s != NULL); return; }
    memset(&fd, 0, sizeof fd);
    fd.store = s; fd.transitions = st_transitions; fd.transitions_count = 4;
    memset(&k, 0, sizeof k);
    k.chat_id = 5; k.user_id = 5;
    CHECK_EQ_INT(tg_fsm_new(&f, &fd, NULL), TG_OK);
    if (!f) { tg_store_free(s); return; }
    tg_fsm_set(f, &k, "ask_name", NULL);
    st_inner_vt = s->vt; vt = *s->vt; vt.cas = st_race_cas; s->vt = &vt; st_raced = 0;
    /* we checked ask_name -> ask_name... but the other worker moved it to ask_age meanwhile:
       setting "ask_name" again must now be refused (ask_age -> ask_name is not allowed) */
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_name", "{}"), TG_ERR_ARG);
    CHECK_EQ_INT(st_raced, 1);
    s->vt = st_inner_vt;
    tg_fsm_get(f, &k, st, sizeof st, data, sizeof data);
    CHECK_STR(st, "ask_age"); CHECK_STR(data, "{\"by\":\"other\"}");
    /* and a data-only change re-applies on top of the other worker's state */
    st_inner_vt = s->vt; s->vt = &vt; st_raced = 0;
    CHECK_EQ_INT(tg_fsm_set(f, &k, NULL, "{\"mine\":1}"), TG_OK);
    s->vt = st_inner_vt;
    tg_fsm_get(f, &k, st, sizeof st, data, sizeof data);
    CHECK_STR(st, "ask_age"); CHECK_STR(data, "{\"mine\":1}");
    tg_fsm_free(f);
    tg_store_free(s);
}

static char st_log[128];
static int st_h(tg_ctx *ctx, void *ud) {
    size_t n = strlen(st_log);
    (void)ctx;
    snprintf(st_log + n, sizeof st_log - n, "%s%s", n ? "," : "", (const char *)ud);
    return TG_HANDLED;
}
static void st_dispatch(tg_dispatcher *d, tg_bot *b, int64_t from) {
    char json[512];
    tg_json_tok toks[64];
    tg_json_doc doc;
    tg_json_value v;
    int n = snprintf(json, sizeof json, "{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1,"
                     "\"chat\":{\"id\":42,\"type\":\"group\"},\"from\":{\"id\":%lld,\"is_bot\":false,"
                     "\"first_name\":\"A\"},\"text\":\"hi\"}}", (long long)from);
    (void)b;
    if (tg_json_parse(&doc, json, (size_t)n, toks, 64, NULL) != TG_OK) { CHECK(0); return; }
    v.doc = &doc; v.tok = 0;
    CHECK_EQ_INT(tg_dispatch(d, &v), TG_OK);
}

TG_TEST(store_on_state_filters_handlers) {
    tg_store *s = st_mem(0);
    tg_bot *b = test_bot(NULL);
    tg_dispatcher *d = NULL;
    tg_fsm_desc fd;
    tg_fsm *f = NULL;
    tg_fsm_key k;
    if (!s || !b) { CHECK(s && b); tg_store_free(s); tg_bot_free(b); return; }
    memset(&fd, 0, sizeof fd);
    fd.store = s;
    CHECK_EQ_INT(tg_fsm_new(&f, &fd, NULL), TG_OK);
    CHECK_EQ_INT(tg_dispatcher_new(&d, b, NULL), TG_OK);
    if (!f || !d) { tg_fsm_free(f); tg_dispatcher_free(d); tg_store_free(s); tg_bot_free(b); return; }
    tg_set_bot_username(d, "testbot");
    CHECK_EQ_INT(tg_on_state(d, f, "message", "ask_name", st_h, "name"), TG_OK);
    CHECK_EQ_INT(tg_on_state(d, f, "message", "", st_h, "idle"), TG_OK);
    st_log[0] = 0;
    st_dispatch(d, b, 42);
    memset(&k, 0, sizeof k);
    k.bot_id = tg_bot_id(b); k.chat_id = 42; k.user_id = 42;
    CHECK_EQ_INT(tg_fsm_set(f, &k, "ask_name", NULL), TG_OK);
    st_dispatch(d, b, 42);
    st_dispatch(d, b, 43);                        /* someone else in that chat: still idle for them */
    CHECK_STR(st_log, "idle,name,idle");
    tg_dispatcher_free(d);
    tg_fsm_free(f);
    tg_store_free(s);
    tg_bot_free(b);
}


/* ---- the file back-end ---- */
static void st_tmp(char *path, size_t n, const char *name) {
    snprintf(path, n, "/tmp/tgbot-store-%ld-%s", (long)getpid(), name);
    remove(path);
    {
        char lock[300];
        snprintf(lock, sizeof lock, "%s.lock", path);
        remove(lock);
    }
}

static tg_store *st_file(const char *path, tg_error *err) {
    tg_store_desc d;
    tg_store *s = NULL;
    memset(&d, 0, sizeof d);
    d.now_ms = sto_now;                  /* a wall clock the test moves, also while "closed" */
    return tg_store_file_new(&s, &d, path, TG_JOURNAL_SYNC_DEFAULT, err) == TG_OK ? s : NULL;
}

TG_TEST(store_file_survives_a_restart) {
    char path[256], buf[64];
    size_t n = 0;
    int64_t v = 0;
    uint64_t w = 0;
    bool sw = false;
    tg_error err;
    tg_store *s, *t;
    st_tmp(path, sizeof path, "restart");
    sto_clock = 1700000000000ull;
    s = st_file(path, &err);
    if (!s) { CHECK(s != NULL); return; }
    st_common(s, "file");                                  /* the same contract as every back-end */
    CHECK_EQ_INT(tg_store_set(s, "keep", "forever", 7, 0), TG_OK);
    CHECK_EQ_INT(tg_store_set(s, "short", "lived", 5, 60000), TG_OK);
    CHECK_EQ_INT(tg_store_set(s, "gone", "x", 1, 0), TG_OK);
    CHECK_EQ_INT(tg_store_del(s, "gone"), TG_OK);
    CHECK_EQ_INT(tg_store_incr(s, "n", 41, 0, &v), TG_OK);
    CHECK_EQ_INT(tg_store_incr(s, "n", 1, 0, &v), TG_OK);
    CHECK_EQ_INT(tg_store_cas(s, "keep", "forever", 7, "FOREVER", 7, 0, &sw), TG_OK); CHECK(sw);
    CHECK_EQ_INT(tg_store_admit(s, "lane", 10000, 1, &w), TG_OK); CHECK_EQ_INT(w, 0);
    /* one process at a time */
    CHECK(st_file(path, &err) == NULL);
    CHECK(strstr(err.description, "in use") != NULL);
    tg_store_free(s);
    sto_clock += 30000;                                   /* 30 s pass while nothing runs */
    t = st_file(path, &err);
    if (!t) { CHECK(t != NULL); return; }
    CHECK_EQ_INT(tg_store_get(t, "keep", buf, sizeof buf, &n), TG_OK); CHECK(n == 7 && memcmp(buf, "FOREVER", 7) == 0);
    CHECK_EQ_INT(tg_store_get(t, "short", buf, sizeof buf, &n), TG_OK);
    CHECK_EQ_INT(tg_store_get(t, "gone", buf, sizeof buf, &n), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(tg_store_get(t, "n", buf, sizeof buf, &n), TG_OK); CHECK(n == 2 && memcmp(buf, "42", 2) == 0);
    /* the lane remembers its slot: 10 s spacing, 30 s passed... admitted; then taken again */
    CHECK_EQ_INT(tg_store_admit(t, "lane", 10000, 1, &w), TG_OK); CHECK_EQ_INT(w, 0);
    CHECK_EQ_INT(tg_store_admit(t, "lane", 10000, 1, &w), TG_OK); CHECK_EQ_INT(w, 10000);
    tg_store_free(t);
    sto_clock += 30000;                                   /* the 60 s TTL ran out while closed */
    t = st_file(path, &err);
    if (!t) { CHECK(t != NULL); return; }
    CHECK_EQ_INT(tg_store_get(t, "short", buf, sizeof buf, &n), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(tg_store_get(t, "keep", buf, sizeof buf, &n), TG_OK);
    tg_store_free(t);
    remove(path);
}

TG_TEST(store_file_compacts_and_keeps_conversations) {
    char path[256], st[70], data[64];
    tg_error err;
    tg_store *s;
    tg_fsm *f = NULL;
    tg_fsm_desc fd;
    tg_fsm_key k;
    struct stat sb;
    int i;
    st_tmp(path, sizeof path, "compact");
    sto_clock = 1700000000000ull;
    s = st_file(path, &err);
    if (!s) { CHECK(s != NULL); return; }
    memset(&fd, 0, sizeof fd);
    fd.store = s;
    memset(&k, 0, sizeof k);
    k.chat_id = 9; k.user_id = 9;
    CHECK_EQ_INT(tg_fsm_new(&f, &fd, NULL), TG_OK);
    for (i = 0; i < 5000; i++) {                          /* one key rewritten 5000 times */
        char d[32];
        snprintf(d, sizeof d, "{\"i\":%d}", i);
        if (tg_fsm_set(f, &k, "counting", d) != TG_OK) { CHECK(0); break; }
    }
    tg_fsm_free(f);
    tg_store_free(s);
    /* compaction kept the file near one record, not 5000 (each about 60 bytes) */
    CHECK(stat(path, &sb) == 0 && sb.st_size < 1100 * 60);
    s = st_file(path, &err);
    if (!s) { CHECK(s != NULL); return; }
    fd.store = s;                                         /* the reopened store */
    f = NULL;
    CHECK_EQ_INT(tg_fsm_new(&f, &fd, NULL), TG_OK);
    CHECK_EQ_INT(tg_fsm_get(f, &k, st, sizeof st, data, sizeof data), TG_OK);
    CHECK_STR(st, "counting");
    CHECK_STR(data, "{\"i\":4999}");
    tg_fsm_free(f);
    tg_store_free(s);
    remove(path);
}

/* ---- polling with a lease, and updates to retry later ---- */
static tg_dispatcher *st_poll_d;
static int st_poll_sleeps, st_poll_handled, st_poll_again;
static void st_poll_sleep(void *ud, uint32_t ms) {   /* standing by: stop after a few waits */
    (void)ud; (void)ms;
    if (++st_poll_sleeps >= 3) tg_stop(st_poll_d);
}
static int st_poll_h(tg_ctx *ctx, void *ud) { (void)ud; st_poll_handled++; tg_stop(ctx->dispatcher); return TG_HANDLED; }
static int st_poll_mw(tg_ctx *ctx, bool after, void *ud) {   /* the first delivery cannot be processed */
    (void)ctx; (void)ud;
    if (after) return 0;
    return st_poll_again-- > 0 ? TG_RETRY_LATER : TG_CONTINUE;
}

static tg_bot *st_poll_bot(void) {
    tg_bot_desc bd;
    tg_bot *b = NULL;
    tg_error e;
    memset(&bd, 0, sizeof bd);
    bd.token = BOT_TOKEN;
    bd.base_url = fake_url();
    bd.platform.sleep_ms = st_poll_sleep;
    return tg_bot_new(&b, &bd, &e) == TG_OK ? b : NULL;
}

/* a dispatcher on b with one update queued, polling options with the store's lease, and the lease
   held by another process for 60 s; false (store and bot freed) when that cannot be set up */
static bool st_lease_setup(tg_store *s, tg_bot *b, tg_polling_opts *o, char name[40]) {
    bool held = false;
    if (!s || !b || tg_dispatcher_new(&st_poll_d, b, NULL) != TG_OK) { CHECK(0); tg_store_free(s); tg_bot_free(b); return false; }
    tg_on_update(st_poll_d, "message", st_poll_h, NULL);
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":1}");
    memset(o, 0, sizeof *o);
    o->timeout_s = 1; o->lock = s;
    snprintf(name, 40, "poll:%lld", (long long)tg_bot_id(b));
    CHECK_EQ_INT(tg_store_lock(s, name, "other-process", 60000, &held), TG_OK); CHECK(held);
    st_poll_sleeps = st_poll_handled = 0;
    return true;
}

TG_TEST(store_polling_lease_one_poller) {
    tg_store *s;
    tg_bot *b;
    tg_polling_opts o;
    bool held = false;
    char name[40];
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    s = st_mem(0); b = st_poll_bot();
    /* another process holds the lease: this one never asks Telegram, it stands by */
    if (!st_lease_setup(s, b, &o, name)) return;
    CHECK_EQ_INT(tg_run_polling(st_poll_d, &o), TG_OK);
    CHECK_EQ_INT(ctl_count("getUpdates"), 0);
    CHECK_EQ_INT(st_poll_handled, 0);
    CHECK(st_poll_sleeps >= 3);
    /* the other one's lease ends (its process died): this one takes over and polls */
    sto_clock += 60000;
    CHECK_EQ_INT(tg_run_polling(st_poll_d, &o), TG_OK);
    CHECK_EQ_INT(st_poll_handled, 1);
    CHECK(ctl_count("getUpdates") >= 1);
    /* and it handed the lease back when it stopped: someone else gets it at once */
    CHECK_EQ_INT(tg_store_lock(s, name, "third-process", 60000, &held), TG_OK); CHECK(held);
    tg_dispatcher_free(st_poll_d);
    tg_bot_free(b);
    tg_store_free(s);
    ctl("POST", "/_ctl/reset", NULL);
}

/* the same lease for long polling on the loop: while another process holds it the getUpdates stays
   parked (nothing reaches Telegram) and the loop keeps running; once the lease runs out this
   process polls, handles the update, and hands the lease back when polling ends */
TG_TEST(store_polling_lease_on_the_loop) {
    tg_store *s;
    tg_bot *b = NULL;
    tg_bot_desc bd;
    tg_error e;
    tg_polling_opts o;
    tg_dispatcher *d2 = NULL;
    bool held = false;
    char name[40];
    int i;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    s = st_mem(0);
    memset(&bd, 0, sizeof bd);
    bd.token = BOT_TOKEN;
    bd.base_url = fake_url();
    bd.platform.now_ms = sto_now;                         /* the bot and the store share the test's clock */
    if (tg_bot_new(&b, &bd, &e) != TG_OK) b = NULL;
    if (!st_lease_setup(s, b, &o, name)) return;
    CHECK_EQ_INT(tg_polling_start(st_poll_d, &o), TG_OK);
    CHECK(tg_dispatcher_new(&d2, b, NULL) == TG_OK);
    CHECK_EQ_INT(tg_polling_start(d2, &o), TG_ERR_BUSY);  /* one leased poller per bot */
    tg_dispatcher_free(d2);
    for (i = 0; i < 10; i++) {                            /* 50 s of standing by */
        CHECK(tg_loop_timeout_ms(b) <= 5000);             /* the parked poll is re-checked within 5 s */
        sto_clock += 5000;
        tg_loop_step(b, 0);
    }
    CHECK_EQ_INT(ctl_count("getUpdates"), 0);
    CHECK_EQ_INT(st_poll_handled, 0);
    CHECK(tg_polling_active(st_poll_d));
    sto_clock += 15000;                                   /* the other one's lease ran out */
    for (i = 0; i < 2000 && tg_loop_pending(b); i++) tg_loop_step(b, 50);
    CHECK_EQ_INT(st_poll_handled, 1);
    CHECK(!tg_polling_active(st_poll_d) && tg_polling_result(st_poll_d) == TG_OK);
    CHECK(ctl_count("getUpdates") >= 2);                  /* the poll and the confirming one */
    CHECK(strstr(ctl("GET", "/_ctl/state", NULL), "\"offset\": 2") != NULL);
    CHECK_EQ_INT(tg_store_lock(s, name, "third-process", 60000, &held), TG_OK); CHECK(held);   /* handed back */
    tg_dispatcher_free(st_poll_d);
    tg_bot_free(b);
    tg_store_free(s);
    ctl("POST", "/_ctl/reset", NULL);
}

TG_TEST(store_retry_later_leaves_the_update_unconfirmed) {
    tg_bot *b;
    tg_polling_opts o;
    if (!getenv("TG_FAKE_URL")) SKIP("TG_FAKE_URL not set");
    b = st_poll_bot();
    if (!b || tg_dispatcher_new(&st_poll_d, b, NULL) != TG_OK) { CHECK(0); tg_bot_free(b); return; }
    tg_use(st_poll_d, st_poll_mw, NULL);
    tg_on_update(st_poll_d, "message", st_poll_h, NULL);
    ctl("POST", "/_ctl/reset", NULL);
    ctl("POST", "/_ctl/updates", "{\"count\":1}");
    memset(&o, 0, sizeof o);
    o.timeout_s = 1;
    st_poll_sleeps = st_poll_handled = 0; st_poll_again = 2;
    /* refused twice (TG_RETRY_LATER), each followed by a pause; the third delivery is handled */
    CHECK_EQ_INT(tg_run_polling(st_poll_d, &o), TG_OK);
    CHECK_EQ_INT(st_poll_handled, 1);
    CHECK_EQ_INT(st_poll_sleeps, 2);
    CHECK(ctl_count("getUpdates") >= 3);
    {   /* tg_dispatch says so too */
        char json[] = "{\"update_id\":7,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":1,\"type\":\"private\"}}}";
        tg_json_tok toks[32];
        tg_json_doc doc;
        tg_json_value v;
        st_poll_again = 1;
        CHECK_EQ_INT(tg_json_parse(&doc, json, sizeof json - 1, toks, 32, NULL), TG_OK);
        v.doc = &doc; v.tok = 0;
        CHECK_EQ_INT(tg_dispatch(st_poll_d, &v), TG_ERR_AGAIN);
    }
    tg_dispatcher_free(st_poll_d);
    tg_bot_free(b);
    ctl("POST", "/_ctl/reset", NULL);
}

TG_TEST(store_dedup_middleware) {
    tg_store *s = st_mem(0);
    tg_bot *b = test_bot(NULL);
    tg_dispatcher *d = NULL;
    if (!s || !b || tg_dispatcher_new(&d, b, NULL) != TG_OK) { CHECK(0); tg_store_free(s); tg_bot_free(b); return; }
    tg_set_bot_username(d, "testbot");
    tg_use(d, tg_store_dedup, s);
    tg_on_update(d, "message", st_h, "h");
    st_log[0] = 0;
    st_dispatch(d, b, 42);                    /* update_id 1 */
    st_dispatch(d, b, 42);                    /* the same update again: not handled */
    CHECK_STR(st_log, "h");
    tg_dispatcher_free(d);
    tg_store_free(s);
    tg_bot_free(b);
}

#if TGBOT__HAS_REDIS
static tg_store *st_redis(void) {
    tg_redis_desc rd;
    tg_store *s = NULL;
    const char *port = getenv("TG_REDIS_PORT");
    if (!port) return NULL;
    memset(&rd, 0, sizeof rd);
    rd.port = atoi(port);
    rd.prefix = "tgtest:";
    rd.command_ms = 3000;
    return tg_store_redis_new(&s, NULL, &rd) == TG_OK ? s : NULL;
}

TG_TEST(store_redis_operations) {
    tg_store *s;
    if (!getenv("TG_REDIS_PORT")) SKIP("TG_REDIS_PORT not set (make test-redis starts redis-server)");
    s = st_redis();
    CHECK(s != NULL);
    if (!s) return;
    st_common(s, "redis");
    st_fsm_suite(s);
    tg_store_free(s);
}

TG_TEST(store_redis_unreachable_is_a_clear_error) {
    tg_redis_desc rd;
    tg_store *s = NULL;
    char buf[8];
    size_t n;
    uint64_t w;
    memset(&rd, 0, sizeof rd);
    rd.port = 9;                      /* discard: nothing listens on loopback */
    rd.connect_ms = 300;
    CHECK_EQ_INT(tg_store_redis_new(&s, NULL, &rd), TG_OK);   /* lazy: the store exists */
    if (!s) return;
    CHECK_EQ_INT(tg_store_get(s, "k", buf, sizeof buf, &n), TG_ERR_CONNECT);
    CHECK_EQ_INT(tg_store_admit(s, "k", 10, 1, &w), TG_ERR_CONNECT);
    tg_store_free(s);
}
#else
#define ST_NO_REDIS(name) TG_TEST(name) { SKIP("built without TGBOT_ENABLE_REDIS (make test-redis)"); }
ST_NO_REDIS(store_redis_operations)
ST_NO_REDIS(store_redis_unreachable_is_a_clear_error)
#endif

#else
#define ST_SKIPPED(name) TG_TEST(name) { SKIP("built without TGBOT_ENABLE_STORE"); }
ST_SKIPPED(store_memory_operations)
ST_SKIPPED(store_memory_ttl_on_the_clock)
ST_SKIPPED(store_memory_admit_is_gcra)
ST_SKIPPED(store_memory_is_bounded)
ST_SKIPPED(store_fsm_state_data_transitions)
ST_SKIPPED(store_fsm_timeout)
ST_SKIPPED(store_fsm_lost_race_rechecks_the_transition)
ST_SKIPPED(store_on_state_filters_handlers)
ST_SKIPPED(store_file_survives_a_restart)
ST_SKIPPED(store_file_compacts_and_keeps_conversations)
ST_SKIPPED(store_polling_lease_one_poller)
ST_SKIPPED(store_polling_lease_on_the_loop)
ST_SKIPPED(store_retry_later_leaves_the_update_unconfirmed)
ST_SKIPPED(store_dedup_middleware)
ST_SKIPPED(store_redis_operations)
ST_SKIPPED(store_redis_unreachable_is_a_clear_error)
#endif /* TGBOT__HAS_STORE */
