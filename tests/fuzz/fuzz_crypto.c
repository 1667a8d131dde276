/* libFuzzer target for what the crypto rooms read from outside: Web App initData with a signature,
   signed tokens, request signatures, sealed records, key text and raw Ed25519 inputs. The first
   byte picks the reader; the rest is its input, in an exactly sized heap buffer. A token made by
   tg_sign from the input must verify to the same payload. */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tg_replay_slot slots[8];
    static const uint8_t k1[32] = { 1, 2, 3 };
    tg_keyring kr, parsed;
    tg_replay_cache rc;
    unsigned char out[16384];
    char tok[TG_SIGN_TOKEN_MAX + 1];
    size_t n = 0;
    char *s;
    if (size < 1) return 0;
    s = (char *)malloc(size);   /* the input after the selector, '\0'-terminated */
    if (!s) return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    memset(&kr, 0, sizeof kr);
    tg_keyring_add(&kr, 1, k1);
    switch (data[0] % 7) {
    case 0: (void)tg_webapp_validate_signature(s, 7342037359LL, NULL, 1733584787, 3600, NULL); break;
    case 1: (void)tg_verify(&kr, s, 1796000000, out, sizeof out, &n); break;
    case 2:
        tg_replay_init(&rc, slots, 8);
        (void)tg_verify_request(&kr, &rc, s, "POST", "/x", s, strlen(s), 1000, 60);
        break;
    case 3: {
        unsigned char *rec = (unsigned char *)malloc(size - 1 ? size - 1 : 1);
        if (rec) {
            if (size > 1) memcpy(rec, data + 1, size - 1);
            (void)tg_unseal(&kr, "a", 1, rec, size - 1, out, sizeof out, &n);
            free(rec);
        }
        break;
    }
    case 4: memset(&parsed, 0, sizeof parsed); (void)tg_keyring_parse(&parsed, s, NULL); break;
    case 5:
        if (size >= 97) (void)tg_ed25519_verify(data + 1, data + 97, size - 97, data + 65);
        break;
    case 6: {
        size_t plen = size - 1 > TG_SIGN_PAYLOAD_MAX ? TG_SIGN_PAYLOAD_MAX : size - 1;
        if (tg_sign(&kr, data + 1, plen, 1796000000, 60, tok, sizeof tok) != TG_OK) abort();
        if (tg_verify(&kr, tok, 1796000000, out, sizeof out, &n) != TG_OK || n != plen) abort();
        if (plen && memcmp(out, data + 1, plen) != 0) abort();
        break;
    }
    }
    free(s);
    return 0;
}
