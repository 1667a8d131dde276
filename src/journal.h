/* journal: a crash-safe append-only file of records (TGBOT_ENABLE_STARS or TGBOT_ENABLE_STORE). The base of the
   gift campaign, the payment ledger and the business connection table; usable on its own.

   On disk: an 8-byte header "TGJRNL1\n", then records, each
       u32 length (little-endian) | u32 CRC32C of the length bytes and the payload | payload
   The payload is what the sealing hook produced (or the caller's bytes when there is no hook).

   Open replays every record to a callback, in order. Replay stops cleanly at a torn tail (a record
   whose length runs past the end of the file, a last record whose CRC fails, or a tail of zero
   bytes): the tail is cut off and appends continue after the last good record. A bad record that
   is followed by more data is NOT a torn write but damage: open fails with TG_ERR_JSON and the
   offset, and nothing is cut (a journal of money must not lose records silently).

   Durability (tg_journal_desc.sync) is a trade-off between speed and what a crash can lose:
     TG_JOURNAL_SYNC_EACH   (the default) write and fsync every record before append returns:
                            nothing acknowledged is ever lost. Slowest.
     TG_JOURNAL_SYNC_GROUP  records are buffered and written + fsynced after `group` records
                            (default 64) and at every tg_journal_sync(): callers sync at the points
                            that matter (the campaign syncs a batch of intents before sending that
                            batch). A crash (killed process or power cut) loses at most the records
                            appended since the last sync.
     TG_JOURNAL_SYNC_NONE   records are buffered and written at tg_journal_sync() (and every 64 KiB),
                            never fsynced: what was synced survives a killed process, not a power
                            cut or an OS crash.
   After a failed write the file is cut back to the last whole record; after a failed fsync the
   journal refuses every further append (what reached the disk is unknown): close and reopen it.

   One writer: open takes an exclusive lock on "<path>.lock" (flock; Windows: LockFileEx); a second
   opener (another process, or the same one twice) gets TG_ERR_LIMIT "journal ... is in use by
   another process". Windows has no directory fsync: a new file's entry is not flushed (see README).

   Sealing: seal() transforms each payload before it is written and open() reverses it on replay,
   so an AEAD can encrypt and authenticate records (CRC guards torn writes; the AEAD tampering). A
   record open() refuses fails replay with TG_ERR_SIGNATURE.

   Compaction: tg_journal_compact calls your function, whose tg_journal_append calls go to a new
   file; when it returns TG_OK the new file is fsynced and renamed over the old one (atomic). */
#if TGBOT__HAS_JOURNAL

typedef struct tg_journal tg_journal;

typedef enum tg_journal_sync_mode {
    TG_JOURNAL_SYNC_DEFAULT = 0,   /* the owner's default: EACH for a journal, GROUP for a campaign */
    TG_JOURNAL_SYNC_EACH, TG_JOURNAL_SYNC_GROUP, TG_JOURNAL_SYNC_NONE
} tg_journal_sync_mode;

/* the file operations, replaceable to inject failures (ENOSPC, EIO from fsync); NULL = the OS's.
   write returns the bytes written or -1 with errno set; fsync returns 0 or -1 with errno set. */
typedef struct tg_journal_io {
    long (*write)(void *ud, int fd, const void *p, size_t n);
    int (*fsync)(void *ud, int fd);
    void *ud;
} tg_journal_io;

/* sealing hook pair; both return 0 on success. seal may write up to in_len + overhead bytes. */
typedef struct tg_journal_seal {
    int (*seal)(void *ud, const unsigned char *in, size_t in_len, unsigned char *out, size_t *out_len);
    int (*open)(void *ud, const unsigned char *in, size_t in_len, unsigned char *out, size_t *out_len);
    size_t overhead;
    void *ud;
} tg_journal_seal;

typedef struct tg_journal_desc {
    const char *path;
    tg_journal_sync_mode sync;     /* DEFAULT = EACH */
    uint32_t group;           /* TG_JOURNAL_SYNC_GROUP: fsync every this many records (0: 64) */
    uint32_t max_record;      /* largest payload accepted (0: 1 MiB) */
    tg_journal_seal seal;
    tg_journal_io io;
    tg_allocator allocator;
} tg_journal_desc;

typedef struct tg_journal_stats {
    uint64_t records;         /* records appended since open (compaction included) */
    uint64_t bytes;           /* file size now */
    uint64_t fsyncs;
    uint64_t replayed;        /* records replayed at open */
    uint64_t torn_bytes;      /* bytes of a torn tail cut off at open */
} tg_journal_stats;

/* called for each record at open; a non-zero return stops the open with TG_ERR_ARG */
typedef int (*tg_journal_replay_fn)(void *ud, const void *rec, size_t len);
/* compaction: append the live records with tg_journal_append(j, ...) and return TG_OK */
typedef tg_err (*tg_journal_compact_fn)(void *ud, tg_journal *j, tg_error *err);

TGBOT_API tg_err tg_journal_open(tg_journal **out, const tg_journal_desc *desc, tg_journal_replay_fn replay,
                                 void *ud, tg_error *err);
TGBOT_API tg_err tg_journal_append(tg_journal *j, const void *rec, size_t len, tg_error *err);
TGBOT_API tg_err tg_journal_sync(tg_journal *j, tg_error *err);     /* fsync now (unless SYNC_NONE) */
TGBOT_API tg_err tg_journal_compact(tg_journal *j, tg_journal_compact_fn fn, void *ud, tg_error *err);
TGBOT_API void tg_journal_stats_get(const tg_journal *j, tg_journal_stats *out);
TGBOT_API void tg_journal_close(tg_journal *j);           /* syncs (unless SYNC_NONE), unlocks */

/* CRC32C (Castagnoli), as used by the journal; crc = 0 to start */
TGBOT_API uint32_t tg_crc32c(uint32_t crc, const void *p, size_t n);

#endif /* TGBOT__HAS_JOURNAL */
