/* stars: transactions, balances, the gift campaign, XTR payments, the gift catalog (see stars.h). */
#if TGBOT__HAS_STARS

static size_t tg__utf8_chars(const char *s);
static double tg__stars_mono_us(void);

/* ---- transactions ---- */
TGBOT_API void tg_star_tx_iter_init(tg_star_tx_iter *it, tg_bot *bot, bool newest_first, int64_t from_date) {
    memset(it, 0, sizeof *it);
    it->bot = bot;
    it->newest_first = newest_first;
    it->from_date = from_date;
    it->mark = tg_arena_mark(tg_bot_arena(bot));
}

static tg_err tg__stx_page(tg_star_tx_iter *it, int64_t offset, int64_t limit) {
    tg_get_star_transactions_args a;
    memset(&a, 0, sizeof a);
    a.offset = offset;
    a.limit = limit;
    tg_arena_rewind(tg_bot_arena(it->bot), it->mark);    /* the previous page is no longer needed */
    it->page = NULL;
    it->idx = 0;
    return tg_get_star_transactions(it->bot, &a, &it->page);
}

/* the number of transactions: a full first page, then doubling probes and a binary search */
static tg_err tg__stx_count(tg_star_tx_iter *it, int64_t *n) {
    int64_t lo, hi;
    tg_err rc;
    size_t c;
    if ((rc = tg__stx_page(it, 0, 100)) != TG_OK) return rc;
    c = it->page ? it->page->transactions_count : 0;
    if (c < 100) { *n = (int64_t)c; return TG_OK; }
    lo = 100;                                           /* offset lo-1 exists */
    for (hi = 200;; hi *= 2) {
        if ((rc = tg__stx_page(it, hi - 100, 100)) != TG_OK) return rc;
        c = it->page ? it->page->transactions_count : 0;
        if (c > 0 && c < 100) { *n = hi - 100 + (int64_t)c; return TG_OK; }
        if (c == 0) break;
        lo = hi;
    }
    /* offset lo-1 exists, offset hi-100 does not: bisect on the first missing offset */
    hi -= 100;
    while (hi - lo > 0) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = tg__stx_page(it, mid, 1)) != TG_OK) return rc;
        if (it->page && it->page->transactions_count) lo = mid + 1; else hi = mid;
    }
    *n = lo;
    return TG_OK;
}

TGBOT_API tg_err tg_star_tx_next(tg_star_tx_iter *it, const tg_star_transaction **out) {
    tg_err rc;
    *out = NULL;
    for (;;) {
        if (it->done) return TG_ERR_NOT_FOUND;
        if (it->page && (it->newest_first ? it->idx > 0 : it->idx < it->page->transactions_count)) {
            const tg_star_transaction *t = it->newest_first ? &it->page->transactions[--it->idx]
                                                            : &it->page->transactions[it->idx++];
            if (it->from_date && t->date < it->from_date) {
                if (it->newest_first) { it->done = 1; return TG_ERR_NOT_FOUND; }
                continue;
            }
            *out = t;
            return TG_OK;
        }
        if (!it->newest_first) {
            if (it->started && (!it->page || it->page->transactions_count < 100)) { it->done = 1; continue; }
            it->started = 1;
            if ((rc = tg__stx_page(it, it->offset, 100)) != TG_OK) return rc;
            it->offset += it->page ? (int64_t)it->page->transactions_count : 0;
            if (!it->page || !it->page->transactions_count) it->done = 1;
        } else {
            int64_t off;
            if (!it->started) {
                it->started = 1;
                if ((rc = tg__stx_count(it, &it->end)) != TG_OK) return rc;
                it->page = NULL;
            }
            if (it->end <= 0) { it->done = 1; continue; }
            off = it->end > 100 ? it->end - 100 : 0;
            if ((rc = tg__stx_page(it, off, it->end - off)) != TG_OK) return rc;
            it->end = off;
            it->idx = it->page ? it->page->transactions_count : 0;
            if (!it->idx) it->done = 1;
        }
    }
}

static const tg_transaction_partner_user *tg__stx_user(const tg_transaction_partner *p) {
    return p && p->kind == TG_TRANSACTION_PARTNER_USER ? p->u.user : NULL;
}

static bool tg__stx_partner_ok(const tg_transaction_partner_user *u, const tg_star_tx_match *m) {
    if (!u) return false;
    if (m->user_id && (!u->user || u->user->id != m->user_id)) return false;
    if (m->transaction_type && (!u->transaction_type || strcmp(u->transaction_type, m->transaction_type) != 0)) return false;
    if (m->gift_id && (!u->gift || !u->gift->id || strcmp(u->gift->id, m->gift_id) != 0)) return false;
    if (m->premium_months && u->premium_subscription_duration != m->premium_months) return false;
    return true;
}

TGBOT_API bool tg_star_tx_matches(const tg_star_transaction *t, const tg_star_tx_match *m) {
    if (!t || !m) return false;
    if (m->not_before && t->date < m->not_before) return false;
    if (m->charge_id && (!t->id || strcmp(t->id, m->charge_id) != 0)) return false;
    if (!m->user_id && !m->transaction_type && !m->gift_id && !m->premium_months) return true;
    return tg__stx_partner_ok(tg__stx_user(t->receiver), m) || tg__stx_partner_ok(tg__stx_user(t->source), m);
}

TGBOT_API tg_err tg_star_tx_find(tg_bot *bot, const tg_star_tx_match *m, const tg_star_transaction **out) {
    tg_star_tx_iter it;
    tg_err rc;
    const tg_star_transaction *t;
    tg_star_tx_iter_init(&it, bot, true, m ? m->not_before : 0);
    while ((rc = tg_star_tx_next(&it, &t)) == TG_OK) {
        if (tg_star_tx_matches(t, m)) { *out = t; return TG_OK; }
    }
    *out = NULL;
    return rc;
}

/* ---- balances ---- */
TGBOT_API tg_err tg_stars_balance(tg_bot *bot, int64_t *stars) {
    tg_star_amount *a = NULL;
    tg_err rc = tg_get_my_star_balance(bot, &a);
    *stars = rc == TG_OK && a ? a->amount : 0;
    return rc;
}

TGBOT_API tg_err tg_stars_business_balance(tg_bot *bot, const char *business_connection_id, int64_t *stars) {
    tg_get_business_account_star_balance_args args;
    tg_star_amount *a = NULL;
    tg_err rc;
    memset(&args, 0, sizeof args);
    args.business_connection_id = business_connection_id;
    rc = tg_get_business_account_star_balance(bot, &args, &a);
    *stars = rc == TG_OK && a ? a->amount : 0;
    return rc;
}

/* ---- gift campaign ---- */
TGBOT_API const char *tg_gift_state_str(tg_gift_state s) {
    switch (s) {
    case TG_GIFT_SENT: return "sent";
    case TG_GIFT_FAILED: return "failed";
    case TG_GIFT_UNKNOWN: return "unknown";
    default: return "pending";
    }
}

typedef struct tg__cmp_ent {
    int64_t uid;
    int64_t t;                    /* when the intent was journaled (Unix s) */
    unsigned char state;          /* tg_gift_state */
    unsigned char intent;         /* an intent without a result yet */
    unsigned char listed;         /* in this run's recipient list */
    unsigned char settled_now;    /* settled in this run (its event is out or deferred) */
    unsigned char reconciled;
    unsigned char reconciled_now;
    unsigned char from_journal;
} tg__cmp_ent;

typedef struct tg__cmp {
    tg_bot *bot;
    const tg_campaign_desc *d;
    tg_journal *j;
    tg__cmp_ent *tab;
    size_t cap, n;
    char head[160];               /* the campaign's identity, the journal's first record */
    int head_state;               /* 0 none seen, 1 matches, -1 another campaign, -2 record before it */
    tg_campaign_summary *sum;
} tg__cmp;

static uint64_t tg__cmp_hash(int64_t k) {
    uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}

/* grows the table so that `more` new entries fit without moving (todo[] keeps pointers into it) */
static int tg__cmp_reserve(tg__cmp *c, size_t more) {
    size_t i, ncap = c->cap ? c->cap : 256, k;
    tg__cmp_ent *nt;
    while ((c->n + more + 1) * 2 > ncap) ncap *= 2;
    if (ncap == c->cap) return 0;
    nt = (tg__cmp_ent *)tg__alloc(NULL, ncap * sizeof *nt);
    if (!nt) return -1;
    memset(nt, 0, ncap * sizeof *nt);
    for (k = 0; k < c->cap; k++) {
        if (!c->tab[k].uid) continue;
        i = (size_t)tg__cmp_hash(c->tab[k].uid) & (ncap - 1);
        while (nt[i].uid) i = (i + 1) & (ncap - 1);
        nt[i] = c->tab[k];
    }
    if (c->tab) tg__free(NULL, c->tab, c->cap * sizeof *c->tab);
    c->tab = nt; c->cap = ncap;
    return 0;
}

static tg__cmp_ent *tg__cmp_get(tg__cmp *c, int64_t uid, int create) {
    size_t i;
    if (create && (c->n + 1) * 2 > c->cap && tg__cmp_reserve(c, 1) != 0) return NULL;
    if (!c->cap) return NULL;
    i = (size_t)tg__cmp_hash(uid) & (c->cap - 1);
    while (c->tab[i].uid) {
        if (c->tab[i].uid == uid) return &c->tab[i];
        i = (i + 1) & (c->cap - 1);
    }
    if (!create) return NULL;
    c->tab[i].uid = uid;
    c->n++;
    return &c->tab[i];
}

/* records: "C <identity>", "I <uid> <time>" intent, "S|F|U|N|R <uid>" sent, failed, unknown,
   not sent (back to pending), reconciled (sent) */
static int tg__cmp_replay(void *ud, const void *rec, size_t len) {
    tg__cmp *c = (tg__cmp *)ud;
    char b[192];
    char *end;
    long long uid, t = 0;
    tg__cmp_ent *e;
    if (len >= sizeof b || len < 1) return 1;
    memcpy(b, rec, len);
    b[len] = '\0';
    if (b[0] == 'C') {
        if (c->head_state == 0) c->head_state = strcmp(b, c->head) == 0 ? 1 : -1;
        return 0;
    }
    if (c->head_state == 0) c->head_state = -2;
    if (len < 3 || b[1] != ' ') return 1;
    uid = strtoll(b + 2, &end, 10);
    if (uid <= 0) return 1;
    if (b[0] == 'I') t = strtoll(end, NULL, 10);
    if (!(e = tg__cmp_get(c, (int64_t)uid, 1))) return 1;
    e->from_journal = 1;
    switch (b[0]) {
    case 'I': e->intent = 1; e->t = (int64_t)t; e->state = TG_GIFT_PENDING; break;
    case 'S': e->intent = 0; e->state = TG_GIFT_SENT; break;
    case 'R': e->intent = 0; e->state = TG_GIFT_SENT; e->reconciled = 1; break;
    case 'F': e->intent = 0; e->state = TG_GIFT_FAILED; break;
    case 'U': e->intent = 0; e->state = TG_GIFT_UNKNOWN; break;
    case 'N': e->intent = 0; e->state = TG_GIFT_PENDING; break;
    default: return 1;
    }
    return 0;
}

static tg_err tg__cmp_rec(tg__cmp *c, char type, int64_t uid, int64_t t, tg_error *err) {
    char b[64];
    int n;
    if (!c->j) return TG_OK;
    n = type == 'I' ? snprintf(b, sizeof b, "I %lld %lld", (long long)uid, (long long)t)
                    : snprintf(b, sizeof b, "%c %lld", type, (long long)uid);
    return tg_journal_append(c->j, b, (size_t)n, err);
}

static void tg__cmp_emit(tg__cmp *c, tg__cmp_ent *e, const tg_error *why) {
    tg_campaign_event ev;
    if (!c->d->on_event || !e->listed) return;
    memset(&ev, 0, sizeof ev);
    ev.user_id = e->uid;
    ev.state = (tg_gift_state)e->state;
    ev.from_journal = e->from_journal && !e->settled_now;
    ev.reconciled = e->reconciled != 0;
    ev.error = why;
    c->d->on_event(c->d->ud, &ev);
}

/* unknown recipients: look for the gift's transaction to that user dated after the intent */
static size_t tg__cmp_reconcile(tg__cmp *c, tg_error *err) {
    tg_star_tx_iter it;
    const tg_star_transaction *t;
    int64_t oldest = INT64_MAX, slack = c->d->reconcile_slack_s > 0 ? c->d->reconcile_slack_s : 5;
    size_t k, left = 0, found = 0;
    tg_err rc;
    for (k = 0; k < c->cap; k++) {
        tg__cmp_ent *e = &c->tab[k];
        if (e->uid && e->state == TG_GIFT_UNKNOWN) { left++; if (e->t && e->t < oldest) oldest = e->t; }
    }
    if (!left) return 0;
    tg_star_tx_iter_init(&it, c->bot, true, oldest == INT64_MAX ? 0 : oldest - slack);
    while (left && (rc = tg_star_tx_next(&it, &t)) == TG_OK) {
        const tg_transaction_partner_user *u = tg__stx_user(t->receiver);
        tg__cmp_ent *e;
        if (!u || !u->user || !u->transaction_type) continue;
        if (c->d->premium_months) {
            if (strcmp(u->transaction_type, "premium_purchase") != 0 || u->premium_subscription_duration != c->d->premium_months) continue;
        } else if (strcmp(u->transaction_type, "gift_purchase") != 0 || !u->gift || !u->gift->id ||
                   strcmp(u->gift->id, c->d->gift_id) != 0) {
            continue;
        }
        e = tg__cmp_get(c, u->user->id, 0);
        if (!e || e->state != TG_GIFT_UNKNOWN || (e->t && t->date < e->t - slack)) continue;
        if (tg__cmp_rec(c, 'R', e->uid, 0, err) != TG_OK) break;     /* not journaled: stays unknown */
        e->state = TG_GIFT_SENT;
        e->reconciled = e->reconciled_now = 1;
        left--; found++;
    }
    tg_bot_reset(c->bot);
    return found;
}

static int64_t tg__premium_price(int64_t months) {
    return months == 3 ? 1000 : months == 6 ? 1500 : months == 12 ? 2500 : 0;
}

/* the outcome of one send: the state, or PENDING + stop when the call provably never left */
static tg_gift_state tg__cmp_classify(tg_err rc, const tg_error *e, int *stop) {
    *stop = 0;
    if (rc == TG_OK) return TG_GIFT_SENT;
    if (rc == TG_ERR_OUTCOME_UNKNOWN) return TG_GIFT_UNKNOWN;
    if (rc == TG_ERR_API && e->error_code == 429) { *stop = 1; return TG_GIFT_PENDING; }
    /* the balance is lower than tracked (spent elsewhere): refused, so not sent; stop, keep it pending */
    if (rc == TG_ERR_API && e->error_code == 400 && strstr(e->description, "BALANCE_TOO_LOW")) { *stop = 2; return TG_GIFT_PENDING; }
    if (rc == TG_ERR_API && e->error_code >= 400 && e->error_code < 500) return TG_GIFT_FAILED;
    if (rc != TG_ERR_API && !e->request_sent) { *stop = 1; return TG_GIFT_PENDING; }
    return TG_GIFT_UNKNOWN;       /* 5xx and answers that do not parse: it may have executed */
}

TGBOT_API tg_err tg_gift_campaign_run(tg_bot *bot, const tg_campaign_desc *d, tg_campaign_summary *sum,
                                      tg_error *err) {
    tg__cmp c;
    tg_err rc = TG_OK;
    size_t i, k, batch, pos;
    int64_t balance = 0;
    tg__cmp_ent **todo = NULL;
    memset(err, 0, sizeof *err);
    memset(sum, 0, sizeof *sum);
    memset(&c, 0, sizeof c);
    c.bot = bot; c.d = d; c.sum = sum;
    if (!bot || !d || !d->recipients || !d->recipients_count || (!d->gift_id) == (!d->premium_months) ||
        (d->premium_months && !tg__premium_price(d->premium_months)) || (!d->no_journal && !d->journal_path) ||
        d->budget < 0) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "gift campaign: needs recipients, a journal, and "
                      "either a gift id or premium_months 3, 6 or 12");
        return TG_ERR_ARG;
    }
    if (d->text && tg__utf8_chars(d->text) > 128) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "gift campaign: the text must be 0-128 characters");
        return TG_ERR_ARG;
    }
    for (i = 0; i < d->recipients_count; i++) {
        if (d->recipients[i] <= 0) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "gift campaign: recipient %zu is not a user id", i + 1);
            return TG_ERR_ARG;
        }
    }
    if (d->premium_months) snprintf(c.head, sizeof c.head, "C premium %lld", (long long)d->premium_months);
    else snprintf(c.head, sizeof c.head, "C gift %.120s", d->gift_id);
    batch = d->batch ? (d->batch < 256 ? d->batch : 256) : 8;     /* adaptive from 8 when not fixed */
    if (!d->no_journal) {
        tg_journal_desc jd;
        memset(&jd, 0, sizeof jd);
        jd.path = d->journal_path;
        jd.sync = d->sync == TG_JOURNAL_SYNC_DEFAULT ? TG_JOURNAL_SYNC_GROUP : d->sync;
        jd.group = 1024;                          /* results between batches sync with the next batch */
        jd.seal = d->seal;
        jd.io = d->io;
        if ((rc = tg_journal_open(&c.j, &jd, tg__cmp_replay, &c, err)) != TG_OK) goto out;
        if (c.head_state < 0) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "gift campaign: journal %s belongs to another "
                          "campaign (not %s)", d->journal_path, c.head + 2);
            rc = TG_ERR_ARG; goto out;
        }
        if (c.head_state == 0 && (rc = tg_journal_append(c.j, c.head, strlen(c.head), err)) != TG_OK) goto out;
        for (k = 0; k < c.cap; k++) {     /* an intent without a result: it may have been sent */
            tg__cmp_ent *e = &c.tab[k];
            if (!e->uid || !e->intent) continue;
            if ((rc = tg__cmp_rec(&c, 'U', e->uid, 0, err)) != TG_OK) goto out;
            e->intent = 0;
            e->state = TG_GIFT_UNKNOWN;
        }
        if ((rc = tg_journal_sync(c.j, err)) != TG_OK) goto out;
    }
    todo = (tg__cmp_ent **)tg__alloc(NULL, d->recipients_count * sizeof *todo);
    if (!todo || tg__cmp_reserve(&c, d->recipients_count) != 0) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "gift campaign: out of memory"); rc = TG_ERR_NOMEM; goto out; }
    for (i = 0; i < d->recipients_count; i++) {
        tg__cmp_ent *e = tg__cmp_get(&c, d->recipients[i], 1);
        if (!e) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "gift campaign: out of memory"); rc = TG_ERR_NOMEM; goto out; }
        todo[i] = e->listed ? NULL : e;   /* a duplicate is handled once */
        e->listed = 1;
    }
    /* the price, and what earlier runs spent */
    if (d->premium_months) {
        sum->price = tg__premium_price(d->premium_months);
    } else {
        tg_gifts *g = NULL;
        if ((rc = tg_get_available_gifts(bot, &g)) != TG_OK) { *err = *tg_bot_last_error(bot); goto out; }
        for (k = 0; g && k < g->gifts_count; k++)
            if (g->gifts[k].id && strcmp(g->gifts[k].id, d->gift_id) == 0) sum->price = g->gifts[k].star_count;
        tg_bot_reset(bot);
        if (sum->price <= 0) {
            tg__error_set(err, TG_ERR_NOT_FOUND, TG_PHASE_VALIDATE, "gift campaign: gift %.100s is not in "
                          "getAvailableGifts", d->gift_id);
            rc = TG_ERR_NOT_FOUND; goto out;
        }
    }
    for (k = 0; k < c.cap; k++)
        if (c.tab[k].uid && (c.tab[k].state == TG_GIFT_SENT || c.tab[k].state == TG_GIFT_UNKNOWN)) sum->spent += sum->price;
    if ((rc = tg_stars_balance(bot, &balance)) != TG_OK) { *err = *tg_bot_last_error(bot); goto out; }
    tg_bot_reset(bot);
    /* what earlier runs settled (unknown ones wait for the reconciliation below) */
    for (i = 0; i < d->recipients_count; i++)
        if (todo[i] && (todo[i]->state == TG_GIFT_SENT || todo[i]->state == TG_GIFT_FAILED)) tg__cmp_emit(&c, todo[i], NULL);
    /* send, a batch of journaled intents at a time */
    for (pos = 0; pos < d->recipients_count && rc == TG_OK && !sum->stopped_budget && !sum->stopped_balance;) {
        tg__cmp_ent *b[256];
        size_t nb = 0, bi;
        int64_t now;
        size_t want = batch;
        double t0, t1, t2;
        bool refused = false;             /* Telegram said BALANCE_TOO_LOW: send no more of this batch */
        while (pos < d->recipients_count && nb < want) {
            tg__cmp_ent *e = todo[pos];
            if (!e || e->state != TG_GIFT_PENDING) { pos++; continue; }
            if (d->budget && sum->spent + sum->price > d->budget) { sum->stopped_budget = true; break; }
            if (sum->price > balance) { sum->stopped_balance = true; break; }
            sum->spent += sum->price;         /* reserved; given back if it provably did not go */
            balance -= sum->price;
            b[nb++] = e;
            pos++;
        }
        if (!nb) break;
        now = (int64_t)time(NULL);
        for (bi = 0; bi < nb && rc == TG_OK; bi++) {
            rc = tg__cmp_rec(&c, 'I', b[bi]->uid, now, err);
            b[bi]->t = now;
        }
        t0 = tg__stars_mono_us();
        if (rc == TG_OK && c.j) rc = tg_journal_sync(c.j, err);
        t1 = tg__stars_mono_us();
        if (rc != TG_OK) break;               /* nothing of this batch was sent */
        for (bi = 0; bi < nb; bi++) {
            tg__cmp_ent *e = b[bi];
            tg_err r;
            int stop = 0;
            tg_gift_state st;
            bool ok = false;
            if (rc == TG_OK && !refused) {
                if (d->premium_months) {
                    tg_gift_premium_subscription_args a;
                    memset(&a, 0, sizeof a);
                    a.user_id = e->uid; a.month_count = d->premium_months; a.star_count = sum->price; a.text = d->text;
                    r = tg_gift_premium_subscription(bot, &a, &ok);
                } else {
                    tg_send_gift_args a;
                    memset(&a, 0, sizeof a);
                    a.user_id = e->uid; a.gift_id = d->gift_id; a.text = d->text;
                    r = tg_send_gift(bot, &a, &ok);
                }
                st = tg__cmp_classify(r, tg_bot_last_error(bot), &stop);
            } else {
                st = TG_GIFT_PENDING;             /* an earlier send of this batch stopped the run */
            }
            if (st == TG_GIFT_PENDING || st == TG_GIFT_FAILED) { sum->spent -= sum->price; balance += sum->price; }
            e->state = (unsigned char)st;
            e->settled_now = st != TG_GIFT_PENDING;
            {
                tg_error jerr;
                tg_err jr = tg__cmp_rec(&c, st == TG_GIFT_SENT ? 'S' : st == TG_GIFT_FAILED ? 'F' : st == TG_GIFT_UNKNOWN ? 'U' : 'N',
                                        e->uid, 0, &jerr);
                if (stop == 2) sum->stopped_balance = refused = true;
                else if (rc == TG_OK && stop) { *err = *tg_bot_last_error(bot); rc = err->code ? err->code : TG_ERR_IO; }
                if (jr != TG_OK && rc == TG_OK) { *err = jerr; rc = jr; }
            }
            if (st == TG_GIFT_SENT || st == TG_GIFT_FAILED) tg__cmp_emit(&c, e, st == TG_GIFT_FAILED ? tg_bot_last_error(bot) : NULL);
            tg_bot_reset(bot);
        }
        /* adaptive batch: keep the fsync below a tenth of the time spent sending, so the network
           and not the journal sets the pace; a slow network gets one fsync per send (batch 1) */
        t2 = tg__stars_mono_us();
        if (!d->batch && c.j) {
            double per_send = (t2 - t1) / (double)nb, want_b = per_send > 0 ? 10.0 * (t1 - t0) / per_send : 256.0;
            size_t nbatch = want_b >= 256.0 ? 256 : want_b < 1.0 ? 1 : (size_t)want_b + 1;
            batch = (batch + nbatch + 1) / 2;           /* move halfway: one slow fsync does not jump it */
        }
    }
    if (c.j) {
        tg_error jerr;
        tg_err jr = tg_journal_sync(c.j, &jerr);
        if (jr != TG_OK && rc == TG_OK) { *err = jerr; rc = jr; }
    }
    /* unknown ones: proven by a transaction, or left for a human */
    {
        tg_error rerr;
        memset(&rerr, 0, sizeof rerr);
        sum->reconciled = tg__cmp_reconcile(&c, &rerr);
        if (c.j) (void)tg_journal_sync(c.j, &rerr);
    }
    /* sent/failed of this run went out as they settled; unknown and reconciled ones now */
    for (i = 0; i < d->recipients_count; i++)
        if (todo[i] && (todo[i]->state == TG_GIFT_UNKNOWN || todo[i]->reconciled_now)) tg__cmp_emit(&c, todo[i], NULL);
out:
    for (i = 0; todo && i < d->recipients_count; i++) {
        if (!todo[i]) continue;
        switch (todo[i]->state) {
        case TG_GIFT_SENT: sum->sent++; break;
        case TG_GIFT_FAILED: sum->failed++; break;
        case TG_GIFT_UNKNOWN: sum->unknown++; break;
        default: sum->pending++; break;
        }
    }
    if (d && d->recipients && !todo) sum->pending = d->recipients_count;
    sum->balance = balance;
    if (c.j) { tg_journal_stats_get(c.j, &sum->journal); tg_journal_close(c.j); }
    if (todo) tg__free(NULL, todo, d->recipients_count * sizeof *todo);
    if (c.tab) tg__free(NULL, c.tab, c.cap * sizeof *c.tab);
    return rc;
}

/* ---- shared helpers ---- */
static tg_err tg__stars_fail(tg_error *err, tg_err code, const char *fmt, const char *a, long long n) {
    if (err) {
        tg__error_set(err, code, TG_PHASE_VALIDATE, fmt, a, n);
    }
    return code;
}
static tg_err tg__stars_call(tg_bot *bot, tg_err rc, tg_error *err) {
    if (rc != TG_OK && err) *err = *tg_bot_last_error(bot);
    else if (err) memset(err, 0, sizeof *err);
    return rc;
}
static size_t tg__utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}
static double tg__stars_mono_us(void) { return (double)tg__mono_us(); }
static uint64_t tg__stars_mono_ms(void) { return tg__now_ms(NULL); }

/* ---- XTR invoices ---- */
TGBOT_API tg_err tg_xtr_invoice_check(const tg_xtr_invoice *inv, tg_error *err) {
    size_t n;
    if (err) memset(err, 0, sizeof *err);
    if (!inv) return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s%.0lld", "missing", 0);
    n = inv->title ? tg__utf8_chars(inv->title) : 0;
    if (n < 1 || n > 32) return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s must be 1-32 characters (has %lld)", "title", (long long)n);
    n = inv->description ? tg__utf8_chars(inv->description) : 0;
    if (n < 1 || n > 255) return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s must be 1-255 characters (has %lld)", "description", (long long)n);
    n = inv->payload ? strlen(inv->payload) : 0;
    if (n < 1 || n > 128) return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s must be 1-128 bytes (has %lld)", "payload", (long long)n);
    if (inv->stars < 1) return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s must be at least 1 Star (is %lld)", "the price", (long long)inv->stars);
    if (inv->subscription && inv->stars > 10000)
        return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s costs at most 10000 Stars (is %lld)", "a subscription", (long long)inv->stars);
    return TG_OK;
}

TGBOT_API tg_err tg_xtr_send_invoice(tg_bot *bot, int64_t chat_id, const tg_xtr_invoice *inv, tg_message **out, tg_error *err) {
    tg_send_invoice_args a;
    tg_labeled_price price;
    tg_err rc = tg_xtr_invoice_check(inv, err);
    if (rc != TG_OK) return rc;
    if (inv->subscription)
        return tg__stars_fail(err, TG_ERR_ARG, "XTR invoice: %s are only for invoice links (tg_xtr_invoice_link)%.0lld", "subscriptions", 0);
    memset(&a, 0, sizeof a);
    price.label = inv->label ? inv->label : inv->title;
    price.amount = inv->stars;
    a.chat_id.id = chat_id;
    a.title = inv->title; a.description = inv->description; a.payload = inv->payload;
    a.provider_token = ""; a.currency = "XTR";
    a.prices = &price; a.prices_count = 1;
    a.photo_url = inv->photo_url;
    return tg__stars_call(bot, tg_send_invoice(bot, &a, out), err);
}

TGBOT_API tg_err tg_xtr_invoice_link(tg_bot *bot, const tg_xtr_invoice *inv, const char **url, tg_error *err) {
    tg_create_invoice_link_args a;
    tg_labeled_price price;
    tg_err rc = tg_xtr_invoice_check(inv, err);
    if (rc != TG_OK) return rc;
    memset(&a, 0, sizeof a);
    price.label = inv->label ? inv->label : inv->title;
    price.amount = inv->stars;
    a.business_connection_id = inv->business_connection_id;
    a.title = inv->title; a.description = inv->description; a.payload = inv->payload;
    a.provider_token = ""; a.currency = "XTR";
    a.prices = &price; a.prices_count = 1;
    a.photo_url = inv->photo_url;
    if (inv->subscription) a.subscription_period = 2592000;        /* the only period Telegram accepts: 30 days */
    return tg__stars_call(bot, tg_create_invoice_link(bot, &a, url), err);
}

/* ---- pre-checkout within Telegram's 10 s ---- */
TGBOT_API tg_err tg_xtr_answer_precheckout(tg_bot *bot, const tg_pre_checkout_query *q, tg_precheck_fn check, void *ud,
                                           const tg_precheckout_opts *opts, tg_precheck *decision, tg_error *err) {
    tg_precheckout_opts o;
    tg_answer_pre_checkout_query_args a;
    tg_precheck d = TG_PRECHECK_PENDING;
    const char *msg = NULL;
    uint64_t start, deadline;
    bool ok = false;
    if (opts) o = *opts; else memset(&o, 0, sizeof o);
    if (!o.deadline_ms) o.deadline_ms = 8000;
    if (!o.poll_ms) o.poll_ms = 50;
    if (!o.timeout_message) o.timeout_message = "The shop did not answer in time; nothing was charged.";
#define TG__NOW() (o.now_ms ? o.now_ms(o.clock_ud) : tg__stars_mono_ms())
    if (!q || !q->id || !check) return tg__stars_fail(err, TG_ERR_ARG, "pre-checkout: %s%.0lld", "needs a query and a check", 0);
    start = o.received_ms ? o.received_ms : TG__NOW();
    deadline = start + o.deadline_ms;
    for (;;) {
        msg = NULL;
        d = check(ud, q, &msg);
        if (TG__NOW() >= deadline) { if (d != TG_PRECHECK_REJECT) d = TG_PRECHECK_PENDING; break; }   /* late: no */
        if (d != TG_PRECHECK_PENDING) break;
        {
            uint64_t left = deadline - TG__NOW();
            uint32_t w = left < o.poll_ms ? (uint32_t)left : o.poll_ms;
            if (o.sleep_ms) o.sleep_ms(o.clock_ud, w);
            else tg__bot_idle(bot, w);          /* calls in flight (the check's own, say) go on meanwhile */
        }
    }
#undef TG__NOW
    memset(&a, 0, sizeof a);
    a.pre_checkout_query_id = q->id;
    a.ok = d == TG_PRECHECK_OK;
    if (!a.ok) a.error_message = d == TG_PRECHECK_REJECT && msg && *msg ? msg : o.timeout_message;
    if (decision) *decision = d;
    return tg__stars_call(bot, tg_answer_pre_checkout_query(bot, &a, &ok), err);
}

/* ---- payments ledger ---- */
typedef struct tg__xtr_ent { tg_xtr_payment p; char *id; } tg__xtr_ent;
struct tg_xtr_ledger {
    tg__xtr_ent *tab;
    size_t cap, n;
    tg_journal *j;
};

static tg__xtr_ent *tg__xtr_slot(tg_xtr_ledger *l, const char *id, int create) {
    size_t i, len = strlen(id);
    if (create && (l->n + 1) * 2 > l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64, k;
        tg__xtr_ent *nt = (tg__xtr_ent *)tg__alloc(NULL, ncap * sizeof *nt);
        if (!nt) return NULL;
        memset(nt, 0, ncap * sizeof *nt);
        for (k = 0; k < l->cap; k++) {
            if (!l->tab[k].id) continue;
            i = tg_crc32c(0, l->tab[k].id, strlen(l->tab[k].id)) & (ncap - 1);
            while (nt[i].id) i = (i + 1) & (ncap - 1);
            nt[i] = l->tab[k];
        }
        tg__free(NULL, l->tab, l->cap * sizeof *l->tab);
        l->tab = nt; l->cap = ncap;
    }
    if (!l->cap) return NULL;
    i = tg_crc32c(0, id, len) & (l->cap - 1);
    while (l->tab[i].id) {
        if (strcmp(l->tab[i].id, id) == 0) return &l->tab[i];
        i = (i + 1) & (l->cap - 1);
    }
    if (!create) return NULL;
    if (!(l->tab[i].id = (char *)tg__alloc(NULL, len + 1))) return NULL;
    memcpy(l->tab[i].id, id, len + 1);
    l->tab[i].p.charge_id = l->tab[i].id;
    l->n++;
    return &l->tab[i];
}

/* records: "P <user> <stars> <charge>", "X <charge>" refunded, "Q <0|1> <charge>" subscription canceled */
static int tg__xtr_replay(void *ud, const void *rec, size_t len) {
    tg_xtr_ledger *l = (tg_xtr_ledger *)ud;
    char b[320], *p, *end;
    tg__xtr_ent *e;
    if (len >= sizeof b || len < 3) return 1;
    memcpy(b, rec, len);
    b[len] = '\0';
    p = b + 2;
    if (b[0] == 'P') {
        long long u = strtoll(p, &end, 10), st = strtoll(end, &end, 10);
        if (*end != ' ' || !end[1] || !(e = tg__xtr_slot(l, end + 1, 1))) return 1;
        e->p.user_id = (int64_t)u; e->p.stars = (int64_t)st;
        return 0;
    }
    if (b[0] == 'Q') {
        int c = p[0] == '1';
        if (p[1] != ' ' || !(e = tg__xtr_slot(l, p + 2, 1))) return 1;
        e->p.subscription_canceled = c != 0;
        return 0;
    }
    if (b[0] == 'X') {
        if (!(e = tg__xtr_slot(l, p, 1))) return 1;
        e->p.refunded = true;
        return 0;
    }
    return 1;
}

TGBOT_API tg_err tg_xtr_ledger_open(tg_xtr_ledger **out, const tg_journal_desc *journal, tg_error *err) {
    tg_xtr_ledger *l = (tg_xtr_ledger *)tg__alloc(NULL, sizeof *l);
    tg_error tmp;
    tg_err rc;
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (!l) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "payments ledger: out of memory"); return TG_ERR_NOMEM; }
    memset(l, 0, sizeof *l);
    if (journal && (rc = tg_journal_open(&l->j, journal, tg__xtr_replay, l, err)) != TG_OK) {
        tg_xtr_ledger_close(l);
        return rc;
    }
    *out = l;
    return TG_OK;
}

static tg_err tg__xtr_log(tg_xtr_ledger *l, tg_error *err, const char *fmt, long long a, long long b, const char *id) {
    char rec[320];
    int n;
    if (!l || !l->j) return TG_OK;
    n = snprintf(rec, sizeof rec, fmt, a, b, id);
    if (n < 0 || (size_t)n >= sizeof rec) { tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_VALIDATE, "payments ledger: charge id too long"); return TG_ERR_LIMIT; }
    return tg_journal_append(l->j, rec, (size_t)n, err);
}

TGBOT_API tg_err tg_xtr_ledger_record(tg_xtr_ledger *l, int64_t user_id, const tg_successful_payment *p, bool *first, tg_error *err) {
    tg__xtr_ent *e;
    tg_error tmp;
    tg_err rc;
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    *first = false;
    if (!l || !p || !p->telegram_payment_charge_id || !p->telegram_payment_charge_id[0] || strlen(p->telegram_payment_charge_id) > 256) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "payments ledger: a payment needs a telegram_payment_charge_id");
        return TG_ERR_ARG;
    }
    if (tg__xtr_slot(l, p->telegram_payment_charge_id, 0)) return TG_OK;         /* delivered again */
    /* journaled before it counts: a crash after this line still knows the payment */
    if ((rc = tg__xtr_log(l, err, "P %lld %lld %s", (long long)user_id, (long long)p->total_amount, p->telegram_payment_charge_id)) != TG_OK)
        return rc;
    if (!(e = tg__xtr_slot(l, p->telegram_payment_charge_id, 1))) {
        tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "payments ledger: out of memory");
        return TG_ERR_NOMEM;
    }
    e->p.user_id = user_id;
    e->p.stars = p->total_amount;
    *first = true;
    return TG_OK;
}

TGBOT_API const tg_xtr_payment *tg_xtr_ledger_get(const tg_xtr_ledger *l, const char *charge_id) {
    tg__xtr_ent *e = l && charge_id ? tg__xtr_slot((tg_xtr_ledger *)l, charge_id, 0) : NULL;
    return e ? &e->p : NULL;
}
TGBOT_API size_t tg_xtr_ledger_count(const tg_xtr_ledger *l) { return l ? l->n : 0; }

TGBOT_API void tg_xtr_ledger_close(tg_xtr_ledger *l) {
    size_t k;
    if (!l) return;
    for (k = 0; k < l->cap; k++) if (l->tab[k].id) tg__free(NULL, l->tab[k].id, strlen(l->tab[k].id) + 1);
    if (l->tab) tg__free(NULL, l->tab, l->cap * sizeof *l->tab);
    tg_journal_close(l->j);
    tg__free(NULL, l, sizeof *l);
}

TGBOT_API tg_err tg_xtr_refund(tg_bot *bot, tg_xtr_ledger *l, int64_t user_id, const char *charge_id, bool *already, tg_error *err) {
    tg_refund_star_payment_args a;
    tg_error tmp;
    tg_err rc;
    bool ok = false;
    if (!err) err = &tmp;
    if (already) *already = false;
    if (!charge_id || !*charge_id || user_id <= 0) return tg__stars_fail(err, TG_ERR_ARG, "refund: %s%.0lld", "needs a user and a charge id", 0);
    memset(&a, 0, sizeof a);
    a.user_id = user_id;
    a.telegram_payment_charge_id = charge_id;
    rc = tg__stars_call(bot, tg_refund_star_payment(bot, &a, &ok), err);
    if (rc == TG_ERR_API && strstr(err->description, "CHARGE_ALREADY_REFUNDED")) {
        if (already) *already = true;
        memset(err, 0, sizeof *err);
        rc = TG_OK;
    }
    if (rc == TG_OK && l) {
        tg__xtr_ent *e = tg__xtr_slot(l, charge_id, 1);
        if (e && !e->p.refunded) {
            e->p.refunded = true;
            if (!e->p.user_id) e->p.user_id = user_id;
            rc = tg__xtr_log(l, err, "X%.0lld%.0lld %s", 0, 0, charge_id);
        }
    }
    return rc;
}

TGBOT_API tg_err tg_xtr_subscription_cancel(tg_bot *bot, tg_xtr_ledger *l, int64_t user_id, const char *charge_id,
                                            bool cancel, tg_error *err) {
    tg_edit_user_star_subscription_args a;
    tg_error tmp;
    tg_err rc;
    bool ok = false;
    if (!err) err = &tmp;
    if (!charge_id || !*charge_id || user_id <= 0) return tg__stars_fail(err, TG_ERR_ARG, "subscription: %s%.0lld", "needs a user and a charge id", 0);
    memset(&a, 0, sizeof a);
    a.user_id = user_id;
    a.telegram_payment_charge_id = charge_id;
    a.is_canceled = cancel;
    rc = tg__stars_call(bot, tg_edit_user_star_subscription(bot, &a, &ok), err);
    if (rc == TG_OK && l) {
        tg__xtr_ent *e = tg__xtr_slot(l, charge_id, 1);
        if (e) { e->p.subscription_canceled = cancel; rc = tg__xtr_log(l, err, "Q %lld%.0lld %s", cancel ? 1 : 0, 0, charge_id); }
    }
    return rc;
}

TGBOT_API tg_err tg_xtr_send_paid_media(tg_bot *bot, const tg_send_paid_media_args *args, tg_message **out, tg_error *err) {
    if (!args || args->star_count < 1 || args->star_count > 25000)
        return tg__stars_fail(err, TG_ERR_ARG, "paid media: %s must be 1-25000 (is %lld)", "star_count", args ? (long long)args->star_count : 0);
    return tg__stars_call(bot, tg_send_paid_media(bot, args, out), err);
}

/* ---- gift catalog ---- */
typedef struct tg__gift_alias { char name[32]; char id[64]; } tg__gift_alias;
struct tg_gift_catalog {
    tg_bot *bot;
    tg_gift_catalog_desc d;
    tg_catalog_gift *gifts;
    size_t n, cap;
    const tg_catalog_gift **sel;      /* filter results */
    tg__gift_alias *aliases;
    size_t naliases;
    uint64_t fetched_ms;
    bool valid;
};

TGBOT_API tg_err tg_gift_catalog_new(tg_gift_catalog **out, tg_bot *bot, const tg_gift_catalog_desc *desc, tg_error *err) {
    tg_gift_catalog *c;
    tg_error tmp;
    const char *p;
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (!(c = (tg_gift_catalog *)tg__alloc(NULL, sizeof *c))) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "gift catalog: out of memory"); return TG_ERR_NOMEM; }
    memset(c, 0, sizeof *c);
    c->bot = bot;
    if (desc) c->d = *desc;
    if (!c->d.ttl_ms) c->d.ttl_ms = 300000;
    for (p = c->d.aliases; p && *p;) {          /* name=id[,name=id...] */
        const char *eq = strchr(p, '='), *comma = strchr(p, ',');
        const char *stop = comma ? comma : p + strlen(p);
        tg__gift_alias *na;
        if (!eq || eq > stop || eq == p || (size_t)(eq - p) >= 32 || stop == eq + 1 || (size_t)(stop - eq - 1) >= 64) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "gift catalog: bad alias near \"%.40s\" (want name=gift_id,...)", p);
            tg_gift_catalog_free(c);
            return TG_ERR_ARG;
        }
        na = (tg__gift_alias *)tg__realloc(NULL, c->aliases, c->naliases * sizeof *na, (c->naliases + 1) * sizeof *na);
        if (!na) { tg_gift_catalog_free(c); tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "gift catalog: out of memory"); return TG_ERR_NOMEM; }
        c->aliases = na;
        memset(&na[c->naliases], 0, sizeof *na);
        memcpy(na[c->naliases].name, p, (size_t)(eq - p));
        memcpy(na[c->naliases].id, eq + 1, (size_t)(stop - eq - 1));
        c->naliases++;
        p = comma ? comma + 1 : stop;
    }
    c->d.aliases = NULL;
    *out = c;
    return TG_OK;
}

TGBOT_API void tg_gift_catalog_free(tg_gift_catalog *c) {
    if (!c) return;
    if (c->gifts) tg__free(NULL, c->gifts, c->cap * sizeof *c->gifts);
    if (c->sel) tg__free(NULL, c->sel, c->cap * sizeof *c->sel);
    if (c->aliases) tg__free(NULL, c->aliases, c->naliases * sizeof *c->aliases);
    tg__free(NULL, c, sizeof *c);
}

TGBOT_API void tg_gift_catalog_invalidate(tg_gift_catalog *c) { if (c) c->valid = false; }

static uint64_t tg__cat_now(const tg_gift_catalog *c) { return c->d.now_ms ? c->d.now_ms(c->d.clock_ud) : tg__stars_mono_ms(); }

TGBOT_API tg_err tg_gift_catalog_list(tg_gift_catalog *c, const tg_catalog_gift **out, size_t *n, tg_error *err) {
    tg_gifts *g = NULL;
    tg_error tmp;
    size_t k, mark;
    uint64_t now = tg__cat_now(c);
    if (!err) err = &tmp;
    memset(err, 0, sizeof *err);
    if (!c->valid || now - c->fetched_ms >= c->d.ttl_ms) {
        mark = tg_arena_mark(tg_bot_arena(c->bot));
        if (tg_get_available_gifts(c->bot, &g) != TG_OK) { *err = *tg_bot_last_error(c->bot); return err->code; }
        if (g->gifts_count > c->cap) {
            tg_catalog_gift *ng = (tg_catalog_gift *)tg__alloc(NULL, g->gifts_count * sizeof *ng);
            const tg_catalog_gift **ns = (const tg_catalog_gift **)tg__alloc(NULL, g->gifts_count * sizeof *ns);
            if (!ng || !ns) {
                if (ng) tg__free(NULL, ng, g->gifts_count * sizeof *ng);
                if (ns) tg__free(NULL, ns, g->gifts_count * sizeof *ns);
                tg_arena_rewind(tg_bot_arena(c->bot), mark);
                tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "gift catalog: out of memory");
                return TG_ERR_NOMEM;
            }
            if (c->gifts) tg__free(NULL, c->gifts, c->cap * sizeof *c->gifts);
            if (c->sel) tg__free(NULL, c->sel, c->cap * sizeof *c->sel);
            c->gifts = ng; c->sel = ns; c->cap = g->gifts_count;
        }
        c->n = 0;
        for (k = 0; k < g->gifts_count; k++) {
            const tg_gift *s = &g->gifts[k];
            tg_catalog_gift *d = &c->gifts[c->n];
            if (!s->id || strlen(s->id) >= sizeof d->id) continue;     /* an id we cannot keep whole */
            memset(d, 0, sizeof *d);
            memcpy(d->id, s->id, strlen(s->id) + 1);
            d->star_count = s->star_count;
            d->upgrade_star_count = s->has_upgrade_star_count ? s->upgrade_star_count : 0;
            d->limited = s->has_total_count;
            d->total_count = s->total_count;
            d->remaining_count = s->has_remaining_count ? s->remaining_count : 0;
            c->n++;
        }
        tg_arena_rewind(tg_bot_arena(c->bot), mark);
        c->fetched_ms = now;
        c->valid = true;
    }
    if (out) *out = c->gifts;
    if (n) *n = c->n;
    return TG_OK;
}

TGBOT_API tg_err tg_gift_catalog_find(tg_gift_catalog *c, const char *id_or_alias, const tg_catalog_gift **out, tg_error *err) {
    const char *id = id_or_alias;
    size_t k;
    tg_error tmp;
    tg_err rc;
    if (!err) err = &tmp;
    *out = NULL;
    if (!id) return tg__stars_fail(err, TG_ERR_ARG, "gift catalog: %s%.0lld", "no gift named", 0);
    for (k = 0; k < c->naliases; k++) if (strcmp(c->aliases[k].name, id_or_alias) == 0) id = c->aliases[k].id;
    if ((rc = tg_gift_catalog_list(c, NULL, NULL, err)) != TG_OK) return rc;
    for (k = 0; k < c->n; k++) if (strcmp(c->gifts[k].id, id) == 0) { *out = &c->gifts[k]; return TG_OK; }
    return tg__stars_fail(err, TG_ERR_NOT_FOUND, "gift catalog: no gift %.100s%.0lld is available", id_or_alias, 0);
}

TGBOT_API tg_err tg_gift_catalog_filter(tg_gift_catalog *c, const tg_gift_filter *f, const tg_catalog_gift **out, size_t max,
                                        size_t *n, tg_error *err) {
    size_t k, m = 0, a, b;
    tg_err rc;
    *n = 0;
    if ((rc = tg_gift_catalog_list(c, NULL, NULL, err)) != TG_OK) return rc;
    for (k = 0; k < c->n; k++) {
        const tg_catalog_gift *g = &c->gifts[k];
        if (f) {
            if (f->min_stars && g->star_count < f->min_stars) continue;
            if (f->max_stars && g->star_count > f->max_stars) continue;
            if ((f->limited > 0 && !g->limited) || (f->limited < 0 && g->limited)) continue;
            if (f->available && g->limited && g->remaining_count <= 0) continue;
            if (f->upgradable && g->upgrade_star_count <= 0) continue;
        }
        c->sel[m++] = g;
    }
    for (a = 1; a < m; a++)                    /* insertion sort by price: catalogs are small */
        for (b = a; b > 0 && c->sel[b - 1]->star_count > c->sel[b]->star_count; b--) {
            const tg_catalog_gift *t = c->sel[b]; c->sel[b] = c->sel[b - 1]; c->sel[b - 1] = t;
        }
    for (k = 0; k < m && k < max; k++) out[k] = c->sel[k];
    *n = k;
    return TG_OK;
}

#endif /* TGBOT__HAS_STARS */
