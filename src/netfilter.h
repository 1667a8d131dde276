#if TGBOT__HAS_WEBHOOK
/* netfilter (part of TGBOT_ENABLE_WEBHOOK): IP addresses and CIDR ranges, for the webhook server's
   source filter (tg_webhook_desc.allow / deny / trusted_proxies).

   One form for both families: an address is 16 bytes, IPv6 as is and IPv4 as the IPv4-mapped
   IPv6 address ::ffff:a.b.c.d, so an IPv4 rule such as "149.154.160.0/20" also matches a peer
   that a dual-stack socket reports as ::ffff:149.154.167.99. Syntax accepted (strict):
     IPv4   four decimal parts 0-255, no leading zeros ("010.1.1.1" is refused: octal in some parsers)
     IPv6   RFC 4291 text: hex groups, one "::", an optional trailing dotted IPv4; no zone ("%eth0")
     CIDR   ADDRESS/BITS with BITS 0-32 (IPv4) or 0-128 (IPv6), no host bits set ("10.0.0.1/8" is
            refused: probably a typo); a bare ADDRESS is one host (/32 or /128) */

typedef struct tg_ip { uint8_t b[16]; } tg_ip;
typedef struct tg_cidr { tg_ip net; uint8_t bits; } tg_cidr;    /* bits count over the 16-byte form */

/* Telegram's webhook source ranges (core.telegram.org/bots/webhooks, "The short version"; Telegram
   warns they "might expand or change"). tg_webhook_desc.allow_telegram adds them to `allow`. */
#define TG_TELEGRAM_WEBHOOK_RANGES "149.154.160.0/20", "91.108.4.0/22"

TGBOT_API bool tg_ip_parse(const char *s, size_t n, tg_ip *out);      /* n bytes of s (no NUL needed) */
TGBOT_API bool tg_cidr_parse(const char *s, tg_cidr *out);            /* NUL-terminated */
TGBOT_API bool tg_cidr_contains(const tg_cidr *c, const tg_ip *ip);
TGBOT_API bool tg_ip_is_v4(const tg_ip *ip);                          /* ::ffff:a.b.c.d */
/* "a.b.c.d" for IPv4(-mapped), RFC 5952 text for IPv6; out needs 46 bytes (TG_IP_TEXT_MAX) */
#define TG_IP_TEXT_MAX 46
TGBOT_API void tg_ip_format(const tg_ip *ip, char *out);
#endif /* TGBOT__HAS_WEBHOOK */
