/* core (internal): helpers every implementation room uses. */
TGBOT__INTERN void *tg__alloc(const tg_allocator *a, size_t n);
TGBOT__INTERN void *tg__realloc(const tg_allocator *a, void *p, size_t old_n, size_t new_n);
TGBOT__INTERN void tg__free(const tg_allocator *a, void *p, size_t n);

TGBOT__INTERN void tg__error_set(tg_error *e, tg_err code, tg_phase phase, const char *fmt, ...) TGBOT__PRINTF(4, 5);
TGBOT__INTERN void tg__log(const tg_logger *l, tg_log_level level, const char *fmt, ...) TGBOT__PRINTF(3, 4);

/* growable byte buffer */
typedef struct tg__buf { char *data; size_t len, cap; const tg_allocator *a; } tg__buf;
TGBOT__INTERN tg_err tg__buf_reserve(tg__buf *b, size_t extra);
TGBOT__INTERN tg_err tg__buf_append(tg__buf *b, const void *p, size_t n);
TGBOT__INTERN void tg__buf_free(tg__buf *b);

TGBOT__INTERN uint64_t tg__now_ms(const tg_platform *p);
TGBOT__INTERN uint64_t tg__mono_us(void);   /* the OS's monotonic clock in microseconds (measuring, not timing out) */
TGBOT__INTERN int64_t tg__wall_time(const tg_platform *p);
TGBOT__INTERN int tg__random_bytes(const tg_platform *p, void *buf, size_t n);
TGBOT__INTERN void tg__sleep_ms(const tg_platform *p, uint32_t ms);
TGBOT__INTERN int tg__ct_equal(const void *a, const void *b, size_t n);
TGBOT__INTERN void tg__wipe(void *p, size_t n);    /* memset that the optimiser keeps (secrets) */

/* an arena block (core.c); the webhook server trims the spare list */
struct tg__arena_block {
    tg__arena_block *prev;
    size_t base, used, cap;
    /* data follows at offset TG__ARENA_HDR. Offsets are multiples of 16 from a block the allocator
       aligned for any type (malloc: max_align_t), so every result has max_align_t alignment */
};
#define TG__ARENA_HDR ((sizeof(tg__arena_block) + 15u) & ~(size_t)15u)
