/* codec (internal): the table-driven encoder/decoder the generated tables (gen/api.c) describe.
   One walker per direction instead of one function per type keeps tgbot.h quick to compile. */
enum {
    TG__K_I64 = 1, TG__K_F64, TG__K_BOOL, TG__K_STR, TG__K_OBJ, TG__K_CHATREF, TG__K_FILE, TG__K_FLAG
};
enum {
    TG__F_REQ = 1u,    /* required */
    TG__F_HAS = 2u,    /* optional scalar with a bool has_<name> at aux */
    TG__F_ARR = 4u,    /* pointer + size_t count at aux */
    TG__F_ARR2 = 8u,   /* pointer to lists + size_t count at aux (Array of Array of X) */
    TG__F_PTR = 16u,   /* objects: field holds a pointer (types); otherwise inline */
    TG__F_RAW = 32u    /* a const char *<name>_json raw alternative follows at raw_off */
};
typedef struct tg__field {
    const char *name;
    uint32_t off, aux, raw_off;
    uint16_t type;     /* object kinds: index into tg__types */
    uint8_t kind, flags;
} tg__field;
typedef struct tg__type {
    const char *name;
    uint32_t size;
    const tg__field *fields;
    uint16_t nfields;
    /* abstract types: variants are tg__types[subs[i]] (or TG__SUB_STRING / TG__SUB_ARRAY) */
    const char *disc;                 /* discriminator member, NULL: chosen by shape */
    const uint16_t *subs;
    const char *const *disc_vals;
    uint16_t nsubs;
} tg__type;
#define TG__SUB_STRING 0xFFFFu
#define TG__SUB_ARRAY 0xFFFEu
typedef struct tg__method {
    const char *name;
    uint32_t flags;                   /* TG__CALL_* */
    uint16_t args;                    /* tg__types index of the args struct, 0xFFFF = none */
    uint8_t rkind, rarr;              /* result: kind, array? */
    uint16_t rtype;
} tg__method;

/* the generated type table (gen/api.c); a function, not an extern array, so that a TGBOT_STATIC
   build exports nothing */
TGBOT__INTERN const tg__type *tg__type_table(void);
#define tg__types (tg__type_table())
TGBOT__INTERN tg_err tg__call_method(tg_bot *bot, const tg__method *m, const void *args, void *out);
TGBOT__INTERN tg_err tg__encode_type(tg_json_writer *w, tg__req *r, uint16_t type, const void *obj, tg_error *err);
TGBOT__INTERN tg_err tg__decode_type(uint16_t type, const tg_json_doc *d, uint32_t t, tg_arena *a, void *out, tg_error *err);
