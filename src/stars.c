/* stars: transactions, balances, the gift campaign, XTR payments, the gift catalog (see stars.h). */
#if TGBOT__HAS_STARS

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

static tg__cmp_ent *tg__cmp_get(tg__cmp *c, int64_t uid, int create) {
    size_t i;
    if (create && (c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256, k;
        tg__cmp_ent *nt = (tg__cmp_ent *)tg__alloc(NULL, ncap * sizeof *nt);
        if (!nt) return NULL;
        memset(nt, 0, ncap * sizeof *nt);
        for (k = 0; k < c->cap; k++) {
            if (!c->tab[k].uid) continue;
            i = (size_t)tg__cmp_hash(c->tab[k].uid) & (ncap - 1);
            while (nt[i].uid) i = (i + 1) & (ncap - 1);
            nt[i] = c->tab[k];
        }
        tg__free(NULL, c->tab, c->cap * sizeof *c->tab);
        c->tab = nt; c->cap = ncap;
    }
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
    for (i = 0; i < d->recipients_count; i++) {
        if (d->recipients[i] <= 0) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "gift campaign: recipient %zu is not a user id", i + 1);
            return TG_ERR_ARG;
        }
    }
    if (d->premium_months) snprintf(c.head, sizeof c.head, "C premium %lld", (long long)d->premium_months);
    else snprintf(c.head, sizeof c.head, "C gift %.120s", d->gift_id);
    batch = d->batch ? d->batch : 32;
    if (!d->no_journal) {
        tg_journal_desc jd;
        memset(&jd, 0, sizeof jd);
        jd.path = d->journal_path;
        jd.sync = d->sync ? d->sync : TG_JOURNAL_SYNC_GROUP;
        jd.group = (uint32_t)(batch * 4 + 4);      /* results between batches sync with the next batch */
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
    if (!todo) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "gift campaign: out of memory"); rc = TG_ERR_NOMEM; goto out; }
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
        size_t want = batch < 256 ? batch : 256;
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
        if (rc == TG_OK && c.j) rc = tg_journal_sync(c.j, err);
        if (rc != TG_OK) break;               /* nothing of this batch was sent */
        for (bi = 0; bi < nb; bi++) {
            tg__cmp_ent *e = b[bi];
            tg_err r;
            int stop = 0;
            tg_gift_state st;
            bool ok = false;
            if (rc == TG_OK) {
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
                if (rc == TG_OK && stop) { *err = *tg_bot_last_error(bot); rc = err->code ? err->code : TG_ERR_IO; }
                if (jr != TG_OK && rc == TG_OK) { *err = jerr; rc = jr; }
            }
            if (st == TG_GIFT_SENT || st == TG_GIFT_FAILED) tg__cmp_emit(&c, e, st == TG_GIFT_FAILED ? tg_bot_last_error(bot) : NULL);
            tg_bot_reset(bot);
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

#endif /* TGBOT__HAS_STARS */
