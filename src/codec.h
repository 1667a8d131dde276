/* codec (public part): shapes shared by the generated Bot API types and arguments. */

typedef struct tg_chat_ref {      /* "Integer or String": a numeric chat id or an @username */
    int64_t id;                   /* used when username is NULL; 0 + NULL = not sent */
    const char *username;
} tg_chat_ref;

typedef enum tg_flag {            /* a Boolean parameter whose Telegram default is True */
    TG_FLAG_UNSET = 0,            /* not sent: Telegram's default applies */
    TG_FLAG_TRUE,
    TG_FLAG_FALSE,
    TG__FLAG_FORCE_U32 = 0x7FFFFFFF
} tg_flag;
