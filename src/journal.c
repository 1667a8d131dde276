/* journal: the append-only record file (see journal.h). */
#if TGBOT__HAS_JOURNAL

#define TG__JRNL_MAGIC "TGJRNL1\n"
#define TG__JRNL_HDR 8u

struct tg_journal {
    tg_journal_desc d;
    tg_allocator al;
    char *path, *lock_path, *tmp_path;
    int fd, lock_fd;
    bool failed;                  /* an fsync failed: refuse appends until reopened */
    uint32_t unsynced;
    uint64_t end;                 /* offset after the last whole record */
    unsigned char *scratch;
    size_t scratch_cap;
    unsigned char *wbuf;          /* framed records not written yet (one write per sync) */
    size_t wlen, wcap;
    tg_journal_stats st;
};

/* CRC32C, reflected polynomial 0x82F63B78, bit by bit: no table, no shared state to initialise */
TGBOT_API uint32_t tg_crc32c(uint32_t crc, const void *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    crc = ~crc;
    while (n--) {
        int k;
        crc ^= *s++;
        for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void tg__put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static uint32_t tg__get32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static long tg__jrnl_write_os(void *ud, int fd, const void *p, size_t n) { (void)ud; return tg__file_write(fd, p, n); }
static int tg__jrnl_fsync_os(void *ud, int fd) { (void)ud; return tg__file_sync(fd); }

static int tg__jrnl_write_all(tg_journal *j, int fd, const void *p, size_t n) {
    const char *s = (const char *)p;
    while (n) {
        long w = j->d.io.write(j->d.io.ud, fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { if (w == 0) errno = EIO; return -1; }
        s += w; n -= (size_t)w;
    }
    return 0;
}

static int tg__jrnl_fsync(tg_journal *j, int fd) {
    int r;
    do r = j->d.io.fsync(j->d.io.ud, fd); while (r < 0 && errno == EINTR);
    if (r == 0) j->st.fsyncs++;
    return r;
}

/* a new or renamed file's directory entry is durable only once the directory is fsynced */
static void tg__jrnl_sync_dir(tg_journal *j) {
    int dfd;
    if (j->d.sync == TG_JOURNAL_SYNC_NONE) return;
    if ((dfd = tg__file_dir_open(j->path)) >= 0) { (void)tg__jrnl_fsync(j, dfd); tg__file_close(dfd); }
}

static tg_err tg__jrnl_scratch(tg_journal *j, size_t n) {
    unsigned char *p;
    if (n <= j->scratch_cap) return TG_OK;
    p = (unsigned char *)tg__realloc(&j->al, j->scratch, j->scratch_cap, n);
    if (!p) return TG_ERR_NOMEM;
    j->scratch = p; j->scratch_cap = n;
    return TG_OK;
}

static char *tg__jrnl_strcat(tg_journal *j, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = (char *)tg__alloc(&j->al, la + lb + 1);
    if (s) { memcpy(s, a, la); memcpy(s + la, b, lb + 1); }
    return s;
}

static int tg__all_zero(const unsigned char *p, size_t n) {
    while (n--) if (*p++) return 0;
    return 1;
}

/* replays buf[0..size); sets *good to the end of the last whole record, or fails on damage */
static tg_err tg__jrnl_replay(tg_journal *j, const unsigned char *buf, uint64_t size, tg_journal_replay_fn fn,
                              void *ud, uint64_t *good, tg_error *err) {
    uint64_t pos = TG__JRNL_HDR;
    size_t maxlen = (size_t)j->d.max_record + j->d.seal.overhead;
    while (pos < size) {
        uint64_t rest = size - pos;
        uint32_t len, crc;
        const unsigned char *rec;
        if (rest < 8 || tg__all_zero(buf + pos, (size_t)rest)) break;            /* torn header / zero tail */
        len = tg__get32(buf + pos);
        crc = tg__get32(buf + pos + 4);
        if ((uint64_t)len > rest - 8) break;                                        /* runs past the end: torn */
        rec = buf + pos + 8;
        if (len == 0 || len > maxlen || tg_crc32c(tg_crc32c(0, buf + pos, 4), rec, len) != crc) {
            if (pos + 8 + len == size) break;                                       /* the last record: torn */
            tg__error_set(err, TG_ERR_JSON, TG_PHASE_DECODE, "journal %s: damaged record at offset %llu "
                          "(not a torn tail: more data follows); not repaired automatically", j->path,
                          (unsigned long long)pos);
            return TG_ERR_JSON;
        }
        if (j->d.seal.open) {
            size_t out_len = len;
            if (tg__jrnl_scratch(j, len) != TG_OK) {
                tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_DECODE, "journal: out of memory");
                return TG_ERR_NOMEM;
            }
            if (j->d.seal.open(j->d.seal.ud, rec, len, j->scratch, &out_len) != 0 || out_len > len) {
                tg__error_set(err, TG_ERR_SIGNATURE, TG_PHASE_DECODE, "journal %s: the record at offset %llu "
                              "does not open (sealing hook refused it)", j->path, (unsigned long long)pos);
                return TG_ERR_SIGNATURE;
            }
            if (fn && fn(ud, j->scratch, out_len) != 0) goto refused;
        } else if (fn && fn(ud, rec, len) != 0) {
            goto refused;
        }
        j->st.replayed++;
        pos += 8 + (uint64_t)len;
    }
    *good = pos < size ? pos : size;
    return TG_OK;
refused:
    tg__error_set(err, TG_ERR_ARG, TG_PHASE_DECODE, "journal %s: the replay callback refused the record at "
                  "offset %llu", j->path, (unsigned long long)pos);
    return TG_ERR_ARG;
}

static tg_err tg__jrnl_io_fail(tg_error *err, const char *what, const char *path) {
    int en = errno;
    tg__error_set(err, TG_ERR_IO, TG_PHASE_NONE, "journal %s: %s failed: %s", path, what, strerror(en));
    err->sys_errno = en;
    return TG_ERR_IO;
}

/* writes the buffered records; on failure cuts the file back to whole records (they are lost) */
static tg_err tg__jrnl_flush(tg_journal *j, tg_error *err) {
    tg_err rc;
    if (!j->wlen) return TG_OK;
    if (tg__jrnl_write_all(j, j->fd, j->wbuf, j->wlen) != 0) {
        rc = tg__jrnl_io_fail(err, "write", j->path);
        if (tg__file_truncate(j->fd, j->end) != 0) j->failed = true;     /* keep the file whole records only */
        j->wlen = 0;
        return rc;
    }
    j->end += j->wlen;
    j->st.bytes = j->end;
    j->wlen = 0;
    return TG_OK;
}

TGBOT_API tg_err tg_journal_open(tg_journal **out, const tg_journal_desc *desc, tg_journal_replay_fn replay,
                                 void *ud, tg_error *err) {
    tg_journal *j;
    unsigned char *buf = NULL;
    uint64_t size = 0, good = TG__JRNL_HDR;
    int lk;
    tg_err rc = TG_OK;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (!desc || !desc->path || !desc->path[0]) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "journal: no path");
        return TG_ERR_ARG;
    }
    j = (tg_journal *)tg__alloc(&desc->allocator, sizeof *j);
    if (!j) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "journal: out of memory"); return TG_ERR_NOMEM; }
    memset(j, 0, sizeof *j);
    j->d = *desc;
    j->al = desc->allocator;
    j->fd = j->lock_fd = -1;
    if (j->d.sync == TG_JOURNAL_SYNC_DEFAULT) j->d.sync = TG_JOURNAL_SYNC_EACH;
    if (!j->d.group) j->d.group = 64;
    if (!j->d.max_record) j->d.max_record = 1u << 20;
    if (!j->d.io.write) j->d.io.write = tg__jrnl_write_os;
    if (!j->d.io.fsync) j->d.io.fsync = tg__jrnl_fsync_os;
    j->path = tg__jrnl_strcat(j, desc->path, "");
    j->lock_path = tg__jrnl_strcat(j, desc->path, ".lock");
    j->tmp_path = tg__jrnl_strcat(j, desc->path, ".compact");
    j->d.path = j->path;
    if (!j->path || !j->lock_path || !j->tmp_path) {
        tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "journal: out of memory");
        rc = TG_ERR_NOMEM; goto fail;
    }
    j->lock_fd = tg__file_open(j->lock_path, 0);
    if (j->lock_fd < 0) { rc = tg__jrnl_io_fail(err, "opening the lock file", j->lock_path); goto fail; }
    if ((lk = tg__file_lock(j->lock_fd)) != 0) {
        if (lk == 1) {
            tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_NONE, "journal %s is in use by another process (or "
                          "opened twice); one writer at a time", j->path);
            rc = TG_ERR_LIMIT;
        } else {
            rc = tg__jrnl_io_fail(err, "locking", j->lock_path);
        }
        goto fail;
    }
    j->fd = tg__file_open(j->path, 0);
    if (j->fd < 0 || tg__file_size(j->fd, &size) != 0) { rc = tg__jrnl_io_fail(err, "opening", j->path); goto fail; }
    if (size < TG__JRNL_HDR) {
        unsigned char head[TG__JRNL_HDR];
        /* empty, or a header torn by a crash at creation: start afresh; anything else is not ours */
        if (size && (tg__file_pread(j->fd, head, (size_t)size, 0) != (long)size || memcmp(head, TG__JRNL_MAGIC, (size_t)size))) {
            tg__error_set(err, TG_ERR_JSON, TG_PHASE_DECODE, "journal %s: not a journal file", j->path);
            rc = TG_ERR_JSON; goto fail;
        }
        if (tg__file_truncate(j->fd, 0) != 0 || tg__jrnl_write_all(j, j->fd, TG__JRNL_MAGIC, TG__JRNL_HDR) != 0)
            { rc = tg__jrnl_io_fail(err, "writing the header of", j->path); goto fail; }
        if (j->d.sync != TG_JOURNAL_SYNC_NONE && tg__jrnl_fsync(j, j->fd) != 0)
            { rc = tg__jrnl_io_fail(err, "fsync of", j->path); goto fail; }
        tg__jrnl_sync_dir(j);
        j->end = TG__JRNL_HDR;
    } else {
        if (size > (uint64_t)SIZE_MAX / 2) {
            tg__error_set(err, TG_ERR_LIMIT, TG_PHASE_DECODE, "journal %s: too large", j->path);
            rc = TG_ERR_LIMIT; goto fail;
        }
        buf = (unsigned char *)tg__alloc(&j->al, (size_t)size);
        if (!buf) { tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "journal: out of memory"); rc = TG_ERR_NOMEM; goto fail; }
        {
            size_t got = 0;
            while (got < size) {
                long r = tg__file_pread(j->fd, buf + got, (size_t)size - got, got);
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) { rc = tg__jrnl_io_fail(err, "reading", j->path); goto fail; }
                got += (size_t)r;
            }
        }
        if (memcmp(buf, TG__JRNL_MAGIC, TG__JRNL_HDR) != 0) {
            tg__error_set(err, TG_ERR_JSON, TG_PHASE_DECODE, "journal %s: not a journal file", j->path);
            rc = TG_ERR_JSON; goto fail;
        }
        if ((rc = tg__jrnl_replay(j, buf, size, replay, ud, &good, err)) != TG_OK) goto fail;
        if (good < size) {                                    /* cut the torn tail */
            if (tg__file_truncate(j->fd, good) != 0) { rc = tg__jrnl_io_fail(err, "cutting the torn tail of", j->path); goto fail; }
            if (j->d.sync != TG_JOURNAL_SYNC_NONE && tg__jrnl_fsync(j, j->fd) != 0)
                { rc = tg__jrnl_io_fail(err, "fsync of", j->path); goto fail; }
            j->st.torn_bytes = size - good;
        }
        j->end = good;
        tg__free(&j->al, buf, (size_t)size);
        buf = NULL;
    }
    j->st.bytes = j->end;
    *out = j;
    return TG_OK;
fail:
    if (buf) tg__free(&j->al, buf, (size_t)size);
    j->failed = true;
    tg_journal_close(j);
    return rc;
}

TGBOT_API tg_err tg_journal_append(tg_journal *j, const void *rec, size_t len, tg_error *err) {
    size_t plen = len, need;
    memset(err, 0, sizeof *err);
    if (!j || (!rec && len) || len == 0 || len > j->d.max_record) {
        tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "journal: a record must be 1..%u bytes",
                      j ? (unsigned)j->d.max_record : 0u);
        return TG_ERR_ARG;
    }
    if (j->failed) {
        tg__error_set(err, TG_ERR_IO, TG_PHASE_NONE, "journal %s: an earlier fsync or write failed; what reached "
                      "the disk is unknown: close and reopen the journal", j->path);
        return TG_ERR_IO;
    }
    need = 8 + len + j->d.seal.overhead;
    if (tg__jrnl_scratch(j, need) != TG_OK) {
        tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "journal: out of memory");
        return TG_ERR_NOMEM;
    }
    if (j->d.seal.seal) {
        plen = len + j->d.seal.overhead;
        if (j->d.seal.seal(j->d.seal.ud, (const unsigned char *)rec, len, j->scratch + 8, &plen) != 0 ||
            plen == 0 || plen > len + j->d.seal.overhead) {
            tg__error_set(err, TG_ERR_ARG, TG_PHASE_NONE, "journal: the sealing hook failed");
            return TG_ERR_ARG;
        }
    } else {
        memcpy(j->scratch + 8, rec, len);
    }
    tg__put32(j->scratch, (uint32_t)plen);
    tg__put32(j->scratch + 4, tg_crc32c(tg_crc32c(0, j->scratch, 4), j->scratch + 8, plen));
    if (j->wlen + 8 + plen > j->wcap) {
        size_t ncap = j->wcap ? j->wcap : 4096;
        unsigned char *p;
        while (ncap < j->wlen + 8 + plen) ncap *= 2;
        if (!(p = (unsigned char *)tg__realloc(&j->al, j->wbuf, j->wcap, ncap))) {
            tg__error_set(err, TG_ERR_NOMEM, TG_PHASE_NONE, "journal: out of memory");
            return TG_ERR_NOMEM;
        }
        j->wbuf = p; j->wcap = ncap;
    }
    memcpy(j->wbuf + j->wlen, j->scratch, 8 + plen);
    j->wlen += 8 + plen;
    j->st.records++;
    j->unsynced++;
    if (j->d.sync == TG_JOURNAL_SYNC_EACH || (j->d.sync == TG_JOURNAL_SYNC_GROUP && j->unsynced >= j->d.group))
        return tg_journal_sync(j, err);
    if (j->wlen >= 65536) return tg__jrnl_flush(j, err);
    return TG_OK;
}

TGBOT_API tg_err tg_journal_sync(tg_journal *j, tg_error *err) {
    memset(err, 0, sizeof *err);
    if (!j) return TG_OK;
    if (j->failed) {
        tg__error_set(err, TG_ERR_IO, TG_PHASE_NONE, "journal %s: an earlier fsync failed: close and reopen it", j->path);
        return TG_ERR_IO;
    }
    {
        tg_err rc = tg__jrnl_flush(j, err);
        if (rc != TG_OK) return rc;
    }
    if (j->d.sync != TG_JOURNAL_SYNC_NONE && j->unsynced > 0) {
        if (tg__jrnl_fsync(j, j->fd) != 0) {
            j->failed = true;
            (void)tg__jrnl_io_fail(err, "fsync", j->path);
            snprintf(err->description + strlen(err->description), sizeof err->description - strlen(err->description),
                     "; appends refused until reopened");
            return TG_ERR_IO;
        }
    }
    j->unsynced = 0;
    return TG_OK;
}

TGBOT_API tg_err tg_journal_compact(tg_journal *j, tg_journal_compact_fn fn, void *ud, tg_error *err) {
    int old_fd, tfd;
    uint64_t old_end;
    tg_err rc;
    memset(err, 0, sizeof *err);
    if (!j || !fn) { tg__error_set(err, TG_ERR_ARG, TG_PHASE_VALIDATE, "journal: compact needs a function"); return TG_ERR_ARG; }
    if (j->failed) return tg_journal_sync(j, err);
    if ((rc = tg__jrnl_flush(j, err)) != TG_OK) return rc;
    tfd = tg__file_open(j->tmp_path, 1);
    if (tfd < 0) return tg__jrnl_io_fail(err, "creating", j->tmp_path);
    if (tg__jrnl_write_all(j, tfd, TG__JRNL_MAGIC, TG__JRNL_HDR) != 0) {
        rc = tg__jrnl_io_fail(err, "writing", j->tmp_path);
        tg__file_close(tfd); tg__file_remove(j->tmp_path);
        return rc;
    }
    old_fd = j->fd; old_end = j->end;
    j->fd = tfd; j->end = TG__JRNL_HDR;
    rc = fn(ud, j, err);
    if (rc == TG_OK && !j->failed) rc = tg__jrnl_flush(j, err);
    if (rc == TG_OK && !j->failed && j->d.sync != TG_JOURNAL_SYNC_NONE && tg__jrnl_fsync(j, tfd) != 0)
        rc = tg__jrnl_io_fail(err, "fsync", j->tmp_path);
    if (rc == TG_OK && j->failed) rc = TG_ERR_IO;
    if (rc == TG_OK) {                  /* both closed first: Windows renames neither an open file nor over one */
        tg__file_close(tfd); tfd = -1;
        tg__file_close(old_fd); old_fd = -1;
        if (tg__file_rename(j->tmp_path, j->path) != 0) rc = tg__jrnl_io_fail(err, "renaming", j->tmp_path);
        else if ((j->fd = tg__file_open(j->path, 0)) < 0) {
            j->failed = true;             /* compacted, but nothing to append to: refused until reopened */
            return tg__jrnl_io_fail(err, "reopening", j->path);
        }
    }
    if (rc != TG_OK) {                  /* the old file is untouched: carry on with it */
        if (tfd >= 0) tg__file_close(tfd);
        tg__file_remove(j->tmp_path);
        if (old_fd < 0 && (old_fd = tg__file_open(j->path, 0)) < 0) {
            j->fd = -1; j->failed = true;     /* nothing to append to: refused until reopened */
            return rc;
        }
        j->fd = old_fd; j->end = old_end; j->failed = false; j->wlen = 0;
        j->st.bytes = j->end;
        return rc;
    }
    tg__jrnl_sync_dir(j);
    j->unsynced = 0;
    j->st.bytes = j->end;
    return TG_OK;
}

TGBOT_API void tg_journal_stats_get(const tg_journal *j, tg_journal_stats *out) {
    if (j) *out = j->st; else memset(out, 0, sizeof *out);
}

TGBOT_API void tg_journal_close(tg_journal *j) {
    if (!j) return;
    if (j->fd >= 0) {
        tg_error e;
        if (!j->failed && tg__jrnl_flush(j, &e) != TG_OK) j->failed = true;
        if (!j->failed && j->d.sync != TG_JOURNAL_SYNC_NONE && j->unsynced) (void)tg__jrnl_fsync(j, j->fd);
        tg__file_close(j->fd);
    }
    if (j->lock_fd >= 0) tg__file_close(j->lock_fd);  /* closing the descriptor releases the lock */
    if (j->path) tg__free(&j->al, j->path, strlen(j->path) + 1);
    if (j->lock_path) tg__free(&j->al, j->lock_path, strlen(j->lock_path) + 1);
    if (j->tmp_path) tg__free(&j->al, j->tmp_path, strlen(j->tmp_path) + 1);
    if (j->scratch) tg__free(&j->al, j->scratch, j->scratch_cap);
    if (j->wbuf) tg__free(&j->al, j->wbuf, j->wcap);
    {
        tg_allocator al = j->al;
        tg__free(&al, j, sizeof *j);
    }
}

#endif /* TGBOT__HAS_JOURNAL */
