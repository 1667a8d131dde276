/* secret: secret_token generation, secret files and variables with permission checks, key rings. */
#include <sys/stat.h>

TG_TEST(secret_token_generate_charset_lengths_and_spread) {
    static char big[257];
    char a[33], b[33];
    int counts[128], i, r, lo = 1 << 30, hi = 0;
    CHECK_EQ_INT(tg_secret_token_generate(a, 0), TG_ERR_ARG);
    CHECK_EQ_INT(tg_secret_token_generate(big, 257), TG_ERR_ARG);
    CHECK_EQ_INT(tg_secret_token_generate(NULL, 8), TG_ERR_ARG);
    CHECK_EQ_INT(tg_secret_token_generate(big, 1), TG_OK);
    CHECK_EQ_INT(strlen(big), 1);
    CHECK_EQ_INT(tg_secret_token_generate(a, 32), TG_OK);
    CHECK_EQ_INT(tg_secret_token_generate(b, 32), TG_OK);
    CHECK(strlen(a) == 32 && strcmp(a, b) != 0);
    memset(counts, 0, sizeof counts);
    for (r = 0; r < 64; r++) {   /* 16384 characters: each of the 64 expected 256 times */
        CHECK_EQ_INT(tg_secret_token_generate(big, 256), TG_OK);
        CHECK_EQ_INT(strlen(big), 256);
        for (i = 0; i < 256; i++) counts[(unsigned char)big[i] & 127]++;
    }
    for (i = 0; i < 128; i++) {
        int ok = (i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z') || (i >= '0' && i <= '9') || i == '_' || i == '-';
        if (!ok) { CHECK_EQ_INT(counts[i], 0); continue; }
        if (counts[i] < lo) lo = counts[i];
        if (counts[i] > hi) hi = counts[i];
    }
    CHECK(lo > 150 && hi < 370);   /* 6+ standard deviations from 256 */
}

static const char *sc_tmp(const char *name, const char *content, int mode) {
    static char path[3][256];
    static int k;
    FILE *f;
    char *p = path[k++ % 3];
    snprintf(p, 256, "build/test_secret_%d_%s", (int)getpid(), name);
    unlink(p);
    if (content) {
        f = fopen(p, "w");
        if (f) { fputs(content, f); fclose(f); }
        chmod(p, (mode_t)mode);
    }
    return p;
}

TG_TEST(secret_load_file_permissions_and_limits) {
    char out[64];
    size_t len = 99;
    tg_error err;
    const char *p = sc_tmp("token", "123456:AAHsecretpart_of_the_token-x\n", 0600);
    memset(&err, 0, sizeof err);
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, sizeof out, &len, &err), TG_OK);
    CHECK_STR(out, "123456:AAHsecretpart_of_the_token-x");
    CHECK_EQ_INT(len, 35);
    chmod(p, 0400);
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, sizeof out, &len, &err), TG_OK);
    chmod(p, 0640);   /* the group may read it: refused, the reason given, nothing of the secret */
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, sizeof out, &len, &err), TG_ERR_ARG);
    CHECK(strstr(err.description, "640") && strstr(err.description, "chmod 600"));
    CHECK(!strstr(err.description, "secretpart"));
    CHECK(out[0] == '\0' && len == 0);
    chmod(p, 0604);
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, sizeof out, &len, &err), TG_ERR_ARG);
    chmod(p, 0620);   /* others may change it: refused too */
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, sizeof out, &len, &err), TG_ERR_ARG);
    chmod(p, 0644);
    CHECK_EQ_INT(tg_secret_load_file(p, TG_SECRET_ALLOW_SHARED, out, sizeof out, &len, &err), TG_OK);   /* told otherwise */
    chmod(p, 0600);
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, 37, &len, &err), TG_OK);        /* 36 bytes with the '\n', and the '\0' */
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, 36, &len, &err), TG_ERR_LIMIT);  /* one byte short */
    CHECK(out[0] == '\0' && out[10] == '\0');   /* wiped */
    CHECK_EQ_INT(tg_secret_load_file(sc_tmp("missing", NULL, 0), 0, out, sizeof out, &len, &err), TG_ERR_NOT_FOUND);
    CHECK_EQ_INT(tg_secret_load_file("build", 0, out, sizeof out, &len, &err), TG_ERR_ARG);   /* a directory */
    p = sc_tmp("fifo", NULL, 0);                                                                /* a FIFO: refused, not waited on */
    if (mkfifo(p, 0600) == 0) CHECK_EQ_INT(tg_secret_load_file(p, 0, out, sizeof out, &len, &err), TG_ERR_ARG);
    unlink(p);
    p = sc_tmp("token", "123456:AAHsecretpart_of_the_token-x\n", 0600);
    CHECK_EQ_INT(tg_secret_load_file(sc_tmp("empty", "\n\n", 0600), 0, out, sizeof out, &len, &err), TG_ERR_ARG);
    unlink(sc_tmp("empty", NULL, 0));
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, 1, &len, NULL), TG_ERR_ARG);
    unlink(p);
}

TG_TEST(secret_load_env) {
    char out[64];
    size_t len = 0;
    tg_error err;
    setenv("TG_TEST_SECRET_X", "abc:def \n", 1);
    CHECK_EQ_INT(tg_secret_load_env("TG_TEST_SECRET_X", out, sizeof out, &len, &err), TG_OK);
    CHECK_STR(out, "abc:def");
    CHECK_EQ_INT(len, 7);
    CHECK_EQ_INT(tg_secret_load_env("TG_TEST_SECRET_X", out, 5, &len, &err), TG_ERR_LIMIT);
    unsetenv("TG_TEST_SECRET_X");
    CHECK_EQ_INT(tg_secret_load_env("TG_TEST_SECRET_X", out, sizeof out, &len, &err), TG_ERR_NOT_FOUND);
    CHECK(strstr(err.description, "TG_TEST_SECRET_X") != NULL);
}

TG_TEST(secret_keyring_parse_load_and_rotation) {
    /* the same 32 bytes 00 01 .. 1f in hex and in base64url */
    static const char hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static const char b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    tg_keyring kr;
    tg_error err;
    char text[1024];
    int i;
    memset(&kr, 0, sizeof kr);
    snprintf(text, sizeof text, "# keys, oldest first\n1:%s, 2:%s # the newest\n", hex, b64);
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_OK);
    CHECK_EQ_INT(kr.n, 2);
    CHECK(memcmp(kr.keys[0].key, kr.keys[1].key, 32) == 0 && kr.keys[0].key[31] == 0x1f);
    CHECK_EQ_INT(tg_keyring_newest(&kr)->id, 2);
    CHECK(tg_keyring_find(&kr, 1) != NULL && tg_keyring_find(&kr, 3) == NULL);
    /* refused, all or nothing, the entry named and no key text in the message */
    snprintf(text, sizeof text, "3:%s 4:%.63s", hex, hex);
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_ERR_ARG);
    CHECK(strstr(err.description, "entry 2") && !strstr(err.description, "0a0b0c"));
    CHECK_EQ_INT(kr.n, 2);
    snprintf(text, sizeof text, "1:%s", hex);
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_ERR_ARG);   /* id 1 already there */
    snprintf(text, sizeof text, "256:%s", hex);
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_ERR_ARG);
    snprintf(text, sizeof text, "5:%.42sB", b64);                  /* low bits not zero */
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_ERR_ARG);
    CHECK_EQ_INT(tg_keyring_parse(&kr, "  # nothing\n", &err), TG_ERR_ARG);
    memset(&kr, 0, sizeof kr);
    text[0] = '\0';
    for (i = 0; i < TG_KEYRING_MAX + 1; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "%d:%s\n", i, hex);
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_ERR_LIMIT);
    CHECK_EQ_INT(kr.n, 0);
    /* from a file (permissions checked) and from the environment */
    snprintf(text, sizeof text, "9:%s\n", hex);
    CHECK_EQ_INT(tg_keyring_load_file(&kr, sc_tmp("keys", text, 0644), 0, &err), TG_ERR_ARG);
    CHECK_EQ_INT(tg_keyring_load_file(&kr, sc_tmp("keys", text, 0600), 0, &err), TG_OK);
    CHECK_EQ_INT(tg_keyring_newest(&kr)->id, 9);
    setenv("TG_TEST_KEYS", "10:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", 1);
    CHECK_EQ_INT(tg_keyring_load_env(&kr, "TG_TEST_KEYS", &err), TG_OK);
    CHECK_EQ_INT(tg_keyring_newest(&kr)->id, 10);
    unsetenv("TG_TEST_KEYS");
    tg_keyring_wipe(&kr);
    CHECK_EQ_INT(kr.n, 0);
    unlink(sc_tmp("keys", NULL, 0));
}

/* Runs every path that touches a key with the key ring of TG_TEST_KEYS (the hygiene step sets a
   fresh random key there; otherwise a fixed one) and prints each error text: the hygiene step then
   greps all output for any 8 characters of the key. */
TG_TEST(secret_known_key_never_in_errors) {
    const char *env = getenv("TG_TEST_KEYS");
    char text[256], broken[300], out[128], tok[80];
    unsigned char rec[128], bad[128];
    size_t rl = 0, ol = 0;
    tg_keyring kr;
    tg_error err;
    const char *p;
    memset(&kr, 0, sizeof kr);
    snprintf(text, sizeof text, "%s", env ? env : "1:6b65792d68796769656e652d746573742d6b65792d3332627974657321212121");
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_OK);
    snprintf(broken, sizeof broken, "%s", text);   /* the key one character short, then one too many */
    broken[strlen(broken) - 1] = '\0';
    CHECK_EQ_INT(tg_keyring_parse(&kr, broken, &err), TG_ERR_ARG);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    snprintf(broken, sizeof broken, "%sQ", text);
    CHECK_EQ_INT(tg_keyring_parse(&kr, broken, &err), TG_ERR_ARG);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    CHECK_EQ_INT(tg_keyring_parse(&kr, text, &err), TG_ERR_ARG);   /* the same id again */
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    p = sc_tmp("hygiene_keys", text, 0644);         /* a shared key file */
    CHECK_EQ_INT(tg_keyring_load_file(&kr, p, 0, &err), TG_ERR_ARG);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, 8, NULL, &err), TG_ERR_ARG);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    chmod(p, 0600);
    CHECK_EQ_INT(tg_secret_load_file(p, 0, out, 8, NULL, &err), TG_ERR_LIMIT);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    unlink(p);
    CHECK_EQ_INT(tg_seal_record(&kr, 3, "payload", 7, rec, sizeof rec, &rl, &err), TG_OK);
    memcpy(bad, rec, rl);
    bad[20] ^= 1;
    CHECK_EQ_INT(tg_unseal_record(&kr, 3, bad, rl, out, sizeof out, &ol, &err), TG_ERR_SIGNATURE);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    bad[0] ^= 0x80;
    CHECK_EQ_INT(tg_unseal_record(&kr, 3, bad, rl, out, sizeof out, &ol, &err), TG_ERR_NOT_FOUND);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    CHECK_EQ_INT(tg_unseal_record(&kr, 3, bad, 5, out, sizeof out, &ol, &err), TG_ERR_ARG);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    CHECK_EQ_INT(tg_seal_record(&kr, 3, "payload", 7, rec, 10, &rl, &err), TG_ERR_LIMIT);
    fprintf(stderr, "    [hygiene] %s\n", err.description);
    CHECK_EQ_INT(tg_sign(&kr, "x", 1, 1796000000, 60, tok, sizeof tok), TG_OK);
    tok[3] = tok[3] == 'A' ? 'B' : 'A';
    fprintf(stderr, "    [hygiene] forged token: %s\n", tg_err_str(tg_verify(&kr, tok, 1796000000, out, sizeof out, &ol)));
    tg_keyring_wipe(&kr);
}
