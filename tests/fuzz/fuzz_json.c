/* libFuzzer target for the JSON tokenizer: parse the input in an exactly sized heap buffer (so any
   read past the end is caught), walk every token through the accessors, and check that a parsed
   document re-encodes to something that parses again. */
#define TGBOT_IMPLEMENTATION
#include "tgbot.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tg_json_tok toks[2048], toks2[2048];
    tg_json_doc d, d2;
    char *buf = (char *)malloc(size + 1);
    uint32_t i;
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    (void)tg_json_parse(&d, NULL, 0, toks, 2048, NULL);          /* NULL input is an error, not a crash */
    if (tg_json_parse(&d, buf, size, toks, 2048, NULL) == TG_OK) {
        tg_json_writer w;
        for (i = 0; i < d.ntoks; i++) {
            int64_t v; double f; bool b; const char *s; size_t n;
            (void)tg_json_i64(&d, i, &v); (void)tg_json_f64(&d, i, &f); (void)tg_json_bool(&d, i, &b);
            (void)tg_json_str(&d, i, &s, &n); (void)tg_json_raw(&d, i, &s, &n);
            (void)tg_json_at(&d, i, 1); (void)tg_json_get(&d, i, "a");
        }
        (void)tg_json_path(&d, 0, "result[0].message.chat.id");
        tg_json_writer_init_grow(&w, NULL);
        tg_json_write_value(&w, &d, 0);
        if (w.err == TG_OK) {
            /* what we write must parse again */
            if (tg_json_parse(&d2, w.buf, w.len, toks2, 2048, NULL) != TG_OK) abort();
        } else if (w.err != TG_ERR_LIMIT) {
            abort();
        }
        tg_json_writer_free(&w);
    }
    free(buf);
    return 0;
}
