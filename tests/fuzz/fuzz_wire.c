/* libFuzzer target for the other parsers that read peer bytes: the HTTP message head (requests for
   the webhook server, responses for the client), the chunked-body decoder (fed in two pieces at a
   split the input chooses, which must decode exactly like one piece), and the typed decoder of every
   Bot API type from any JSON (what a webhook body or a response becomes), and the webhook source
   filter's IP/CIDR parser (what a proxy's X-Forwarded-For becomes; parse → format → parse must
   give the same address), the Web App initData / Login Widget query parser, and the DNS client's
   answer parser (a datagram for a query in flight for api.telegram.org). Byte 0 picks. */
#define TGBOT_IMPLEMENTATION
#define TGBOT_ENABLE_ALL
#include "tgbot.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_dechunk(const uint8_t *data, size_t size) {
    size_t split = size ? data[0] % (size + 1) : 0, n = size ? size - 1 : 0;
    char *a = (char *)malloc(n + 1), *b = (char *)malloc(n + 1);
    size_t pa = 0, oa = 0, ca = 0, pb = 0, ob = 0, cb = 0;
    int ra, rb;
    tg_error e;
    if (!a || !b) { free(a); free(b); return; }
    if (n) { memcpy(a, data + 1, n); memcpy(b, data + 1, n); }
    if (split > n) split = n;
    ra = tg__http_dechunk(a, n, &pa, &oa, &ca, &e);
    rb = tg__http_dechunk(b, split, &pb, &ob, &cb, &e);
    if (rb == 0) rb = tg__http_dechunk(b, n, &pb, &ob, &cb, &e);
    if (ra == 1 && rb == 1 && (oa != ob || ca != cb || memcmp(a, b, oa) != 0)) abort();
    if (ra == 1 && rb != 1 && split == n) abort();
    if (ra == 1 && (oa > n || ca > n)) abort();
    free(a); free(b);
}

static void fuzz_decode(const uint8_t *data, size_t size) {
    static tg_json_tok toks[4096];
    uint32_t ntypes = 0, type;
    tg_json_doc d;
    tg_arena arena;
    tg_error e;
    char *buf;
    void *out;
    if (size < 3) return;
    while (tg__type_table()[ntypes].name) ntypes++;
    type = ((uint32_t)data[0] | (uint32_t)data[1] << 8) % ntypes;
    buf = (char *)malloc(size - 2);
    if (!buf) return;
    memcpy(buf, data + 2, size - 2);
    tg_arena_init(&arena, NULL);
    out = tg_arena_alloc(&arena, tg__type_table()[type].size + 64);
    if (out) memset(out, 0, tg__type_table()[type].size + 64);
    if (out && tg_json_parse(&d, buf, size - 2, toks, 4096, NULL) == TG_OK)
        (void)tg__decode_type((uint16_t)type, &d, 0, &arena, out, &e);
    tg_arena_free(&arena);
    free(buf);
}

#ifdef FUZZ_WIRE_SEEDS
/* writes a seed corpus into argv[1]: every generated spec-valid type instance, and a few heads */
#include <stdio.h>
#include "../gen/api_cases.h"
int main(int argc, char **argv) {
    static const char *const heads[] = {
        "\x00POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "X-Telegram-Bot-Api-Secret-Token: s3cr3t\r\n\r\n{}",
        "\x01HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        "\x02\x07" "5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nT: 1\r\n\r\n",
        "\x04" "149.154.160.0/20", "\x04" "2001:db8::ffff:10.1.2.3", "\x04" "::ffff:91.108.4.7",
        "\x05" "auth_date=1796000000&query_id=AAH&user=%7B%22id%22%3A1%7D&hash=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
    size_t i;
    char path[4096];
    FILE *f;
    if (argc < 2) return 2;
    for (i = 0; i < sizeof api_type_cases / sizeof api_type_cases[0]; i++) {
        snprintf(path, sizeof path, "%s/type-%zu", argv[1], i);
        if (!(f = fopen(path, "wb"))) return 1;
        fputc(3, f); fputc((int)(api_type_cases[i].id & 0xFF), f); fputc((int)(api_type_cases[i].id >> 8), f);
        fputs(api_type_cases[i].json, f);
        fclose(f);
    }
    for (i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        snprintf(path, sizeof path, "%s/head-%zu", argv[1], i);
        if (!(f = fopen(path, "wb"))) return 1;
        fwrite(heads[i], 1, strlen(heads[i] + 1) + 1, f);
        fclose(f);
    }
    {   /* an A answer for the fuzzer's query (id 0x1234): a CNAME, then the address */
        static const unsigned char dns[] = { 6, 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
            3, 'a', 'p', 'i', 8, 't', 'e', 'l', 'e', 'g', 'r', 'a', 'm', 3, 'o', 'r', 'g', 0, 0, 1, 0, 1,
            0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 0x0c,
            0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 149, 154, 167, 220 };
        snprintf(path, sizeof path, "%s/dns-0", argv[1]);
        if (!(f = fopen(path, "wb"))) return 1;
        fwrite(dns, 1, sizeof dns, f);
        fclose(f);
    }
    return 0;
}
#else
static void fuzz_ip(const uint8_t *data, size_t size) {
    char *buf = (char *)malloc(size + 1), text[TG_IP_TEXT_MAX];
    tg_ip ip, again;
    tg_cidr c;
    if (!buf) return;
    if (size) memcpy(buf, data, size);
    if (tg_ip_parse(buf, size, &ip)) {              /* exactly size bytes: no NUL to lean on */
        tg_ip_format(&ip, text);
        if (strlen(text) >= TG_IP_TEXT_MAX || !tg_ip_parse(text, strlen(text), &again) || memcmp(&ip, &again, sizeof ip) != 0)
            abort();
    }
    buf[size] = '\0';
    if (tg_cidr_parse(buf, &c) && (c.bits > 128 || !tg_cidr_contains(&c, &c.net))) abort();
    free(buf);
}

static void fuzz_dns(const uint8_t *data, size_t size) {
    static tg__dns d;
    int k;
    memset(&d, 0, sizeof d);
    d.pending = true;
    d.qn = tg__dns_encode("api.telegram.org", d.qname);
    d.id[0] = 0x1234; d.id[1] = 0x5678;
    d.ttl = UINT32_MAX;
    tg__dns_answer(&d, data, size);
    for (k = 0; k < 2; k++)
        if (d.n[k] > TG__DNS_ADDRS || (d.n[k] && !d.done[k])) abort();
}

static void fuzz_signed(const uint8_t *data, size_t size) {
    char *buf = (char *)malloc(size + 1), out[64];
    int64_t ad;
    if (!buf) return;
    if (size) memcpy(buf, data, size);
    buf[size] = '\0';
    (void)tg_webapp_validate("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi", buf, 1796000000, 60, &ad);
    (void)tg_login_widget_validate("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi", buf, 0, 0, NULL);
    if (tg_query_field(buf, "user", out, sizeof out) >= (long)sizeof out) abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tg__http_head h;
    tg_http_limits lim;
    tg_error e;
    char *buf;
    if (size < 1) return 0;
    switch (data[0] % 7) {
    case 0: case 1:
        buf = (char *)malloc(size - 1 ? size - 1 : 1);
        if (!buf) return 0;
        memcpy(buf, data + 1, size - 1);
        memset(&lim, 0, sizeof lim);
        lim.max_header_bytes = 4096; lim.max_headers = 32; lim.max_status_line = 512;
        if (tg__http_parse_head(buf, size - 1, data[0] % 7 == 0, &lim, &h, &e) == 1) {
            if (h.head_len > size - 1 || h.nheaders > TG__HTTP_MAX_HEADERS) abort();
            (void)tg__http_header(&h, "content-type");
        }
        free(buf);
        break;
    case 2: fuzz_dechunk(data + 1, size - 1); break;
    case 3: fuzz_decode(data + 1, size - 1); break;
    case 4: fuzz_ip(data + 1, size - 1); break;
    case 6: fuzz_dns(data + 1, size - 1); break;
    default: fuzz_signed(data + 1, size - 1); break;
    }
    return 0;
}
#endif
