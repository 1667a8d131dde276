/* codec (internal): the table-driven encoder/decoder the generated tables (gen/api.c) describe.
   One walker per direction instead of one function per type keeps tgbot.h quick to compile. */
enum {
    TG__K_I64 = 1, TG__K_F64, TG__K_BOOL, TG__K_STR, TG__K_OBJ, TG__K_CHATREF, TG__K_FILE, TG__K_FLAG
};
enum {
    TG__F_REQ = 1u,    /* required */
    TG__F_HAS = 2u,    /* optional scalar with a bool has_<name> right after it */
    TG__F_ARR = 4u,    /* pointer + size_t count */
    TG__F_ARR2 = 8u,   /* pointer to lists + size_t count (Array of Array of X) */
    TG__F_PTR = 16u,   /* objects: field holds a pointer (types); otherwise inline */
    TG__F_RAW = 32u    /* a const char *<name>_json raw alternative follows (after the count) */
};
/* The generated tables (gen/api.c) hold no pointers (nothing for the loader to relocate): names are
   offsets into one blob (tg__name_at), fields and variants are index ranges into one array each. */
typedef struct tg__field {
    uint16_t name;     /* offset of the JSON name in the name blob */
    uint16_t type;     /* object kinds: index into tg__types */
    uint16_t off;      /* of the member; its companions follow it (the generated rows check that) */
    uint8_t kind, flags;
} tg__field;
/* a scalar's size by kind; where a member's has_<name> or <name>_count lies, and its <name>_json */
#define TG__KSIZE(k) ((k) == TG__K_BOOL ? sizeof(bool) : (k) == TG__K_F64 ? sizeof(double) : sizeof(int64_t))
#define TG__F_AUX(f) ((size_t)(f)->off + ((f)->flags & (TG__F_ARR | TG__F_ARR2) ? sizeof(void *) : TG__KSIZE((f)->kind)))
#define TG__F_RAWOFF(f) ((size_t)(f)->off + sizeof(void *) + ((f)->flags & (TG__F_ARR | TG__F_ARR2) ? sizeof(size_t) : 0))
typedef struct tg__sub {
    uint16_t type;     /* index into tg__types, or TG__SUB_STRING / TG__SUB_ARRAY */
    uint16_t disc_val; /* the discriminator's value (name offset), 0: none */
} tg__sub;
enum { TG__ABS_NONE = 0, TG__ABS_SHAPE, TG__ABS_TAG, TG__ABS_NUMBER };
typedef struct tg__type {
    uint16_t name, size;
    uint16_t first, n;                /* objects: fields [first, first+n); abstract: variants */
    uint16_t disc;                    /* abstract: the discriminator member (name offset), 0: none */
    uint8_t abs;                      /* TG__ABS_*: object, abstract chosen by shape, by a string tag,
                                         by a number (InaccessibleMessage: date == 0) */
} tg__type;
#define TG__SUB_STRING 0xFFFFu
#define TG__SUB_ARRAY 0xFFFEu
typedef struct tg__method {
    uint16_t name;
    uint8_t flags;                    /* TG__CALL_* */
    uint16_t args;                    /* tg__types index of the args struct, 0xFFFF = none */
    uint8_t rkind, rarr;              /* result: kind, array? */
    uint16_t rtype;
} tg__method;
/* update kinds (derived from the Update type): where a kind's sender, chat and business connection live */
enum { TG__CHAT_OBJ = 1, TG__CHAT_ID, TG__CHAT_MAYBE_MESSAGE, TG__CHAT_MESSAGE };
typedef struct tg__update_kind {
    uint16_t name, member, type;      /* kind name, offset in tg_update, payload type */
    uint16_t from, chat;              /* offsets in the payload, 0xFFFF: none */
    uint8_t chat_how;                 /* TG__CHAT_* */
    uint16_t business;                /* offset of the business connection id, 0xFFFF: none */
} tg__update_kind;

/* the generated type table (gen/api.c); a function, not an extern array, so that a TGBOT_STATIC
   build exports nothing */
TGBOT__INTERN const tg__type *tg__type_table(void);
TGBOT__INTERN const tg__field *tg__field_table(void);
TGBOT__INTERN const tg__sub *tg__sub_table(void);
TGBOT__INTERN const char *tg__name_at(uint32_t off);
#define tg__types (tg__type_table())
#define TG__FIELD(ty, j) (&tg__field_table()[(ty)->first + (j)])
#define TG__SUB(ty, i) (&tg__sub_table()[(ty)->first + (i)])
/* a method by name, case-insensitively (Telegram ignores case); NULL: not in this Bot API version */
TGBOT__INTERN const tg__method *tg__method_find(const char *name);
TGBOT__INTERN const tg__update_kind *tg__update_kind_find(const char *name, size_t len);
TGBOT__INTERN int tg__strcasecmp(const char *a, const char *b);
TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out);
TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err);
TGBOT__INTERN tg_err tg__decode_type(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err);
