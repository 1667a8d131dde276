/* webapp: SHA-256 and HMAC against FIPS 180-4 / RFC 4231 vectors, and Web App initData and Login
   Widget data signed at test time by an independent implementation (Python's hmac and hashlib). */

static void wa_hex(const unsigned char *d, size_t n, char *out) {
    static const char x[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) { out[2 * i] = x[d[i] >> 4]; out[2 * i + 1] = x[d[i] & 15]; }
    out[2 * n] = '\0';
}

static const char *wa_sha(const void *p, size_t n, size_t chunk) {
    static char hex[65];
    unsigned char d[32];
    tg_sha256 s;
    size_t i;
    tg_sha256_init(&s);
    for (i = 0; i < n; i += chunk) tg_sha256_update(&s, (const char *)p + i, TGBOT__MIN(chunk, n - i));
    tg_sha256_final(&s, d);
    wa_hex(d, 32, hex);
    return hex;
}

TG_TEST(webapp_sha256_and_hmac_vectors) {
    static char million[1000000];
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    unsigned char mac[32], key[131];
    char hex[65];
    size_t chunk;
    memset(million, 'a', sizeof million);
    CHECK_STR(wa_sha("", 0, 1), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(wa_sha("abc", 3, 1), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (chunk = 1; chunk <= 64; chunk += 9)    /* any split of the input gives the same digest */
        CHECK_STR(wa_sha(two_blocks, 56, chunk), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK_STR(wa_sha(million, sizeof million, 4093), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    tg_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);                      /* RFC 4231 case 2 */
    wa_hex(mac, 32, hex);
    CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, sizeof key);                                                           /* case 6: long key */
    tg_hmac_sha256(key, sizeof key, "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
    wa_hex(mac, 32, hex);
    CHECK_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* signs fields with Python: mode "webapp" or "login"; prints the query string */
static const char *wa_signed(const char *mode, const char *token, long long auth_date, const char *extra) {
    static char out[4096];
    char cmd[2048];
    FILE *p;
    size_t n;
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import hashlib,hmac,sys,urllib.parse as u\n"
             "mode,tok,ad,extra=sys.argv[1:5]\n"
             "f={\"auth_date\":ad,\"query_id\":\"AAHdF6IQAAAAAN0XohDhrOrc\",\"user\":\"{\\\"id\\\":4503599627370495,"
             "\\\"first_name\\\":\\\"\\u0410\\u0434\\u0430 \\U0001F381\\\",\\\"username\\\":\\\"ada\\\"}\","
             "\"signature\":\"a+b/c==\"} if mode==\"webapp\" else {\"id\":\"42\",\"first_name\":\"Ada Lovelace\",\"auth_date\":ad}\n"
             "f.update(dict(x.split(\"=\",1) for x in extra.split(\"&\") if x))\n"
             "dcs=\"\\n\".join(\"%%s=%%s\"%%(k,f[k]) for k in sorted(f))\n"
             "key=hmac.new(b\"WebAppData\",tok.encode(),hashlib.sha256).digest() if mode==\"webapp\" else hashlib.sha256(tok.encode()).digest()\n"
             "f[\"hash\"]=hmac.new(key,dcs.encode(),hashlib.sha256).hexdigest()\n"
             "print(u.urlencode(f),end=\"\")' %s '%s' %lld '%s'",
             mode, token, auth_date, extra);
    out[0] = '\0';
    if (!(p = popen(cmd, "r"))) return out;
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

TG_TEST(webapp_init_data_signed_by_python) {
    const char *tok = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    long long now = 1796000000;
    char q[4096], user[1024], *h;
    int64_t ad = 0;
    long ul;
    tg_json_tok toks[32];
    tg_json_doc d;
    int64_t id = 0;
    snprintf(q, sizeof q, "%s", wa_signed("webapp", tok, now - 30, ""));
    if (!strstr(q, "hash=")) SKIP("python3 not available to sign test data");
    CHECK(tg_webapp_validate(tok, q, now, 3600, &ad) == TG_OK && ad == now - 30);
    CHECK(tg_webapp_validate(tok, q, now, 0, NULL) == TG_OK);                   /* no age check */
    CHECK(tg_webapp_validate(tok, q, now, 10, &ad) == TG_ERR_EXPIRED && ad == now - 30);
    CHECK(tg_webapp_validate(tok, q, now - 3600, 10, NULL) == TG_ERR_EXPIRED);  /* from the future */
    CHECK(tg_webapp_validate("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghj", q, now, 3600, NULL) == TG_ERR_SIGNATURE);
    CHECK(tg_login_widget_validate(tok, q, now, 3600, NULL) == TG_ERR_SIGNATURE);  /* other scheme */
    ul = tg_query_field(q, "user", user, sizeof user);        /* the user JSON, decoded */
    CHECK(ul > 0 && tg_json_parse(&d, user, (size_t)ul, toks, 32, NULL) == TG_OK);
    CHECK(tg_json_i64(&d, tg_json_get(&d, 0, "id"), &id) && id == 4503599627370495LL);
    CHECK(tg_query_field(q, "user", user, 8) == -1);           /* too small: refused, not cut */
    CHECK(tg_query_field(q, "nope", user, sizeof user) == -1);
    h = strstr(q, "hash=") + 5;                                  /* an upper-case hash is the same hash */
    { size_t i; for (i = 0; i < 64; i++) if (h[i] >= 'a' && h[i] <= 'f') h[i] = (char)(h[i] - 32); }
    CHECK(tg_webapp_validate(tok, q, now, 3600, NULL) == TG_OK);
    h[0] = h[0] == '0' ? '1' : '0';                              /* one changed digit */
    CHECK(tg_webapp_validate(tok, q, now, 3600, NULL) == TG_ERR_SIGNATURE);
    snprintf(q, sizeof q, "%s", wa_signed("webapp", tok, now - 30, ""));
    h = strstr(q, "ada");                                        /* a changed field */
    if (h) h[0] = 'e';
    CHECK(tg_webapp_validate(tok, q, now, 3600, NULL) == TG_ERR_SIGNATURE);
    /* malformed: no hash, a repeated key, bad percent-encoding, a field without '=', a short hash */
    CHECK(tg_webapp_validate(tok, "auth_date=1&user=x", now, 0, NULL) == TG_ERR_ARG);
    snprintf(q, sizeof q, "%s&auth_date=1", wa_signed("webapp", tok, now - 30, ""));
    CHECK(tg_webapp_validate(tok, q, now, 0, NULL) == TG_ERR_ARG);
    snprintf(q, sizeof q, "%s&x=%%G1", wa_signed("webapp", tok, now - 30, ""));
    CHECK(tg_webapp_validate(tok, q, now, 0, NULL) == TG_ERR_ARG);
    snprintf(q, sizeof q, "%s&x=%%4", wa_signed("webapp", tok, now - 30, ""));
    CHECK(tg_webapp_validate(tok, q, now, 0, NULL) == TG_ERR_ARG);
    snprintf(q, sizeof q, "flag&%s", wa_signed("webapp", tok, now - 30, ""));
    CHECK(tg_webapp_validate(tok, q, now, 0, NULL) == TG_ERR_ARG);
    CHECK(tg_webapp_validate(tok, "auth_date=1&hash=abc", now, 0, NULL) == TG_ERR_ARG);
    CHECK(tg_webapp_validate(tok, NULL, now, 0, NULL) == TG_ERR_ARG);
    /* extra fields (any order, encoded characters) are part of what is signed */
    snprintf(q, sizeof q, "%s", wa_signed("webapp", tok, now - 1, "chat_type=sender&start_param=a%20b"));
    CHECK(tg_webapp_validate(tok, q, now, 60, NULL) == TG_OK);
    CHECK(tg_query_field(q, "start_param", user, sizeof user) == 5 && strcmp(user, "a%20b") == 0);
}

TG_TEST(webapp_login_widget_signed_by_python) {
    const char *tok = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
    long long now = 1796000000;
    char q[4096];
    snprintf(q, sizeof q, "%s", wa_signed("login", tok, now - 5, "username=ada_l&photo_url=https://t.me/i/u/ada.jpg"));
    if (!strstr(q, "hash=")) SKIP("python3 not available to sign test data");
    CHECK(tg_login_widget_validate(tok, q, now, 86400, NULL) == TG_OK);
    CHECK(tg_webapp_validate(tok, q, now, 86400, NULL) == TG_ERR_SIGNATURE);
    CHECK(tg_login_widget_validate(tok, q, now + 86400, 86400, NULL) == TG_ERR_EXPIRED);
}

/* Third-party validation with Ed25519: the example from Telegram's documentation (bot 7342037359,
   signed with the production key), then the refusals. */
static const char wa_doc_sample[] =
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22"
    "%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue"
    "%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D"
    "&chat_instance=8134722200314281151&chat_type=private&auth_date=1733584787"
    "&hash=2174df5b000556d044f3f020384e879c8efcab55ddea2ced4eb752e93e7080d6"
    "&signature=zL-ucjNyREiHDE8aihFwpfR9aggP2xiAo3NSpfe-p7IbCisNlDKlo7Kb6G4D0Ao2mBrSgEk4maLSdv6MLIlADQ";

TG_TEST(webapp_signature_ed25519_telegram_example) {
    const int64_t bot = 7342037359LL, ad0 = 1733584787LL;
    char q[sizeof wa_doc_sample + 8], *p;
    int64_t ad = 0;
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot, NULL, ad0 + 10, 3600, &ad), TG_OK);
    CHECK_EQ_INT(ad, ad0);
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot, (const uint8_t *)TG_WEBAPP_KEY_PRODUCTION, ad0 + 10, 0, NULL), TG_OK);
    /* genuine but old: expired; dated more than a minute ahead: refused too; no age check: fine */
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot, NULL, ad0 + 3601, 3600, &ad), TG_ERR_EXPIRED);
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot, NULL, ad0 - 61, 3600, &ad), TG_ERR_EXPIRED);
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot, NULL, ad0 + 999999, 0, &ad), TG_OK);
    /* another bot, the test environment's key */
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot + 1, NULL, ad0, 3600, &ad), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, bot, (const uint8_t *)TG_WEBAPP_KEY_TEST, ad0, 3600, &ad), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(ad, 0);
    /* the hash is not part of the signed text: a third party never has the token to check it */
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    p = strstr(q, "hash=") + 5; *p = *p == '0' ? '1' : '0';
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_OK);
    /* forged: a changed field, a changed auth_date, a changed signature character */
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    p = strstr(q, "Kibenko"); *p = 'L';
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_ERR_SIGNATURE);
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    p = strstr(q, "auth_date=1733584787") + 19; *p = '8';
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 0, &ad), TG_ERR_SIGNATURE);
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    p = strstr(q, "signature=") + 20; *p = *p == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_ERR_SIGNATURE);
    /* an extra field */
    snprintf(q, sizeof q, "%s&x=1", wa_doc_sample);
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_ERR_SIGNATURE);
    /* missing or malformed signature, bad bot id: malformed */
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    *strstr(q, "&signature=") = '\0';
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_ERR_ARG);
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    q[strlen(q) - 1] = '\0';   /* 85 characters */
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_ERR_ARG);
    snprintf(q, sizeof q, "%s", wa_doc_sample);
    q[strlen(q) - 1] = 'R';    /* 'Q' -> 'R': the unused low bits are no longer zero */
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_ERR_ARG);
    snprintf(q, sizeof q, "%s==", wa_doc_sample);   /* padded base64url is the same signature */
    CHECK_EQ_INT(tg_webapp_validate_signature(q, bot, NULL, ad0, 3600, &ad), TG_OK);
    CHECK_EQ_INT(tg_webapp_validate_signature(wa_doc_sample, 0, NULL, ad0, 3600, &ad), TG_ERR_ARG);
    CHECK_EQ_INT(tg_webapp_validate_signature(NULL, bot, NULL, ad0, 3600, &ad), TG_ERR_ARG);
    CHECK_EQ_INT(tg_webapp_validate_signature("signature=&signature=", bot, NULL, ad0, 3600, &ad), TG_ERR_ARG);
    CHECK_EQ_INT(tg_webapp_validate_signature("", bot, NULL, ad0, 3600, &ad), TG_ERR_ARG);
}
