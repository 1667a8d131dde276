/* json: a strict RFC 8259 tokenizer that decodes strings in place, typed accessors, and a writer.

   Tokens are flat: a container is followed by its children; `next` jumps over a whole subtree.
   Objects hold key,value,key,value...; a key is a STRING token. Nothing is allocated while parsing.

   Numbers: tg_json_i64 is exact for every integer in [-2^63, 2^63-1]; "-0" reads as 0; an integer
   outside that range (12345678901234567890) or any number with a fraction/exponent makes tg_json_i64
   return false (never a wrapped value). tg_json_f64 reads any number independently of the C locale;
   a value beyond the double range (1e400) makes it return false. */

typedef enum tg_json_type {
    TG_JSON_NONE = 0, TG_JSON_OBJECT, TG_JSON_ARRAY, TG_JSON_STRING, TG_JSON_NUMBER,
    TG_JSON_TRUE, TG_JSON_FALSE, TG_JSON_NULL
} tg_json_type;

typedef struct tg_json_tok {
    uint32_t type;   /* tg_json_type in the low 8 bits (flags above: use tg_json_type_of) */
    uint32_t start;  /* strings: first byte of the decoded, NUL-terminated text; others: first byte */
    uint32_t len;    /* strings: decoded length; numbers: text length; containers: byte span */
    uint32_t next;   /* index of the token after this one's subtree */
    uint32_t count;  /* object: members; array: elements */
} tg_json_tok;

typedef struct tg_json_opts {
    uint32_t max_depth;   /* 0 = TGBOT_JSON_MAX_DEPTH; never more than 1024 */
    size_t max_bytes;     /* 0 = 4 GiB - 1 */
} tg_json_opts;

typedef struct tg_json_doc {
    char *buf; size_t len;           /* the parsed input, modified in place */
    tg_json_tok *toks; uint32_t ntoks, cap;
    uint32_t needed;                 /* tokens the document needs (set also on a token shortage) */
    size_t err_offset;               /* on error: byte offset */
    const char *err_reason;          /* on error: static text */
} tg_json_doc;

#define TG_JSON_NOTFOUND 0xFFFFFFFFu

/* Parses buf[0..len) in place. toks == NULL only counts (doc->needed). Returns TG_OK, TG_ERR_JSON,
   TG_ERR_UTF8, or TG_ERR_LIMIT (depth, size, or too few tokens: see doc->needed). */
TGBOT_API tg_err tg_json_parse(tg_json_doc *doc, char *buf, size_t len, tg_json_tok *toks,
                               uint32_t cap, const tg_json_opts *opts);

TGBOT_API tg_json_type tg_json_type_of(const tg_json_doc *d, uint32_t t);
TGBOT_API uint32_t tg_json_get(const tg_json_doc *d, uint32_t obj, const char *key);
TGBOT_API uint32_t tg_json_at(const tg_json_doc *d, uint32_t arr, uint32_t i);
TGBOT_API uint32_t tg_json_path(const tg_json_doc *d, uint32_t root, const char *path); /* "a.b[0].c" */
TGBOT_API bool tg_json_i64(const tg_json_doc *d, uint32_t t, int64_t *out);
TGBOT_API bool tg_json_f64(const tg_json_doc *d, uint32_t t, double *out);
TGBOT_API bool tg_json_bool(const tg_json_doc *d, uint32_t t, bool *out);
TGBOT_API bool tg_json_str(const tg_json_doc *d, uint32_t t, const char **s, size_t *len);
/* source text of a number, true, false or null (containers: use tg_json_write_value) */
TGBOT_API bool tg_json_raw(const tg_json_doc *d, uint32_t t, const char **p, size_t *len);

/* Writer: commas and colons are automatic; the first error sticks in w->err; a fixed buffer that
   is too small gives TG_ERR_LIMIT (never silent truncation). The text is NUL-terminated while
   err == TG_OK. */
#define TG_JSON_WRITER_DEPTH 64
typedef struct tg_json_writer {
    char *buf; size_t len, cap;
    const tg_allocator *alloc; bool growable;
    tg_err err;
    uint32_t depth;
    uint8_t first[TG_JSON_WRITER_DEPTH];   /* per level: no element written yet */
} tg_json_writer;

TGBOT_API void tg_json_writer_init(tg_json_writer *w, char *buf, size_t cap);
TGBOT_API void tg_json_writer_init_grow(tg_json_writer *w, const tg_allocator *a);
TGBOT_API void tg_json_writer_reset(tg_json_writer *w);
TGBOT_API void tg_json_writer_free(tg_json_writer *w);
TGBOT_API void tg_json_obj_begin(tg_json_writer *w);
TGBOT_API void tg_json_obj_end(tg_json_writer *w);
TGBOT_API void tg_json_arr_begin(tg_json_writer *w);
TGBOT_API void tg_json_arr_end(tg_json_writer *w);
TGBOT_API void tg_json_key(tg_json_writer *w, const char *key);
TGBOT_API void tg_json_write_str(tg_json_writer *w, const char *s);
TGBOT_API void tg_json_write_strn(tg_json_writer *w, const char *s, size_t n);
TGBOT_API void tg_json_write_i64(tg_json_writer *w, int64_t v);
TGBOT_API void tg_json_write_f64(tg_json_writer *w, double v);   /* NaN/Inf: TG_ERR_ARG */
TGBOT_API void tg_json_write_bool(tg_json_writer *w, bool v);
TGBOT_API void tg_json_write_null(tg_json_writer *w);
TGBOT_API void tg_json_write_raw(tg_json_writer *w, const char *json, size_t n);
/* adds the members of a raw JSON object ("{...}") to the object being written */
TGBOT_API tg_err tg_json_merge_object(tg_json_writer *w, const char *object_json);
/* re-encodes a parsed value (any type, whole subtree) */
TGBOT_API void tg_json_write_value(tg_json_writer *w, const tg_json_doc *d, uint32_t t);
