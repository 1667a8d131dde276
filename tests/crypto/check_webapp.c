/* check_webapp: reads the cases tests/crypto/webapp_sig.py prints (init data signed by Python's
   cryptography) and checks tg_webapp_validate_signature gives the expected result for each. */
#define TGBOT_IMPLEMENTATION
#include "../../tgbot.h"
#include <stdio.h>

int main(void) {
    static char line[16384];
    int pass = 0, fail = 0;
    while (fgets(line, sizeof line, stdin)) {
        char exp[16], pubhex[65];
        long long bot, now, age;
        int off = 0, i;
        uint8_t pk[32];
        tg_err want, got;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%15s %lld %64s %lld %lld %n", exp, &bot, pubhex, &now, &age, &off) != 5 || !off) continue;
        for (i = 0; i < 32; i++) { unsigned x = 0; sscanf(pubhex + 2 * i, "%2x", &x); pk[i] = (uint8_t)x; }
        want = !strcmp(exp, "OK") ? TG_OK : !strcmp(exp, "EXPIRED") ? TG_ERR_EXPIRED :
               !strcmp(exp, "SIGNATURE") ? TG_ERR_SIGNATURE : TG_ERR_ARG;
        got = tg_webapp_validate_signature(line + off, (int64_t)bot, pk, (int64_t)now, (int64_t)age, NULL);
        if (got == want) pass++;
        else { fail++; printf("FAIL: expected %s, got %s: %.120s...\n", exp, tg_err_str(got), line + off); }
    }
    printf("%d passed, %d failed\n", pass, fail);
    return fail || !pass;
}
