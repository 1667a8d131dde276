/* sign: tokens for callback_data and deep links, request signatures with a replay cache. The token
   format is checked against Python (hmac, base64) computing it from the documented layout. */

static void sg_ring(tg_keyring *kr, uint8_t id, unsigned char fill) {
    uint8_t k[32];
    memset(k, fill, 32);
    CHECK_EQ_INT(tg_keyring_add(kr, id, k), TG_OK);
}

static int sg_alphabet_ok(const char *s) {
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) return 0;
    return 1;
}

TG_TEST(sign_token_round_trip_limits_and_alphabet) {
    tg_keyring kr;
    char tok[80];
    unsigned char payload[40], out[40];
    size_t n, len;
    const int64_t now = 1796000000;
    memset(&kr, 0, sizeof kr);
    CHECK_EQ_INT(tg_sign(&kr, "x", 1, now, 60, tok, sizeof tok), TG_ERR_ARG);   /* empty ring */
    sg_ring(&kr, 1, 0xa1);
    for (n = 0; n <= TG_SIGN_PAYLOAD_MAX; n++) {
        size_t i;
        for (i = 0; i < n; i++) payload[i] = (unsigned char)(i * 37 + n);
        CHECK_EQ_INT(tg_sign(&kr, payload, n, now, 3600, tok, sizeof tok), TG_OK);
        /* 9 header bytes + payload + 12 tag bytes, base64url without padding */
        CHECK_EQ_INT(strlen(tok), (4 * (21 + n) + 2) / 3);
        CHECK(strlen(tok) <= 64 && sg_alphabet_ok(tok));   /* callback_data and start parameter limits */
        CHECK_EQ_INT(tg_verify(&kr, tok, now + 10, out, sizeof out, &len), TG_OK);
        CHECK(len == n && (n == 0 || memcmp(out, payload, n) == 0));
    }
    CHECK_EQ_INT(tg_sign(&kr, payload, TG_SIGN_PAYLOAD_MAX + 1, now, 60, tok, sizeof tok), TG_ERR_LIMIT);
    CHECK_EQ_INT(tg_sign(&kr, "buy:42", 6, now, 60, tok, 20), TG_ERR_LIMIT);   /* out too small */
    CHECK_EQ_INT(tg_sign(&kr, "buy:42", 6, now, 60, tok, sizeof tok), TG_OK);
    CHECK_EQ_INT(tg_verify(&kr, tok, now, out, 5, &len), TG_ERR_LIMIT);          /* payload buffer too small */
    CHECK_EQ_INT(tg_verify(&kr, tok, now, out, 6, &len), TG_OK);
}

TG_TEST(sign_token_refuses_forged_modified_expired_and_unknown_key) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    tg_keyring k1, k2, other, both;
    char tok[80], bad[96];
    unsigned char out[40];
    size_t len, i, j;
    const int64_t now = 1796000000;
    memset(&k1, 0, sizeof k1); memset(&k2, 0, sizeof k2); memset(&other, 0, sizeof other); memset(&both, 0, sizeof both);
    sg_ring(&k1, 1, 0xa1);
    sg_ring(&k2, 2, 0xb2);
    sg_ring(&other, 1, 0xee);          /* same id, another key: a forger's */
    sg_ring(&both, 1, 0xa1); sg_ring(&both, 2, 0xb2);
    CHECK_EQ_INT(tg_sign(&k1, "buy:42", 6, now, 600, tok, sizeof tok), TG_OK);
    CHECK_EQ_INT(tg_verify(&other, tok, now, out, sizeof out, &len), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify(&k2, tok, now, out, sizeof out, &len), TG_ERR_SIGNATURE);   /* key id 1 not held */
    CHECK_EQ_INT(tg_verify(&both, tok, now, out, sizeof out, &len), TG_OK);            /* rotation: old key verifies */
    /* every character changed to every other character: never accepted */
    for (i = 0; tok[i]; i++) {
        for (j = 0; j < 64; j++) {
            if (abc[j] == tok[i]) continue;
            memcpy(bad, tok, sizeof tok);
            bad[i] = abc[j];
            CHECK(tg_verify(&k1, bad, now, out, sizeof out, &len) == TG_ERR_SIGNATURE);
        }
    }
    snprintf(bad, sizeof bad, "%sA", tok);   /* longer, shorter, empty, junk */
    CHECK_EQ_INT(tg_verify(&k1, bad, now, out, sizeof out, &len), TG_ERR_SIGNATURE);
    bad[strlen(tok) - 1] = '\0';
    CHECK_EQ_INT(tg_verify(&k1, bad, now, out, sizeof out, &len), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify(&k1, "", now, out, sizeof out, &len), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify(&k1, "not a token!", now, out, sizeof out, &len), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify(&k1, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", now, out, sizeof out, &len), TG_ERR_SIGNATURE);
    /* expiry: valid until now + 600 exclusive; issued in the future (beyond 60 s of skew) */
    CHECK_EQ_INT(tg_verify(&k1, tok, now + 599, out, sizeof out, &len), TG_OK);
    CHECK_EQ_INT(tg_verify(&k1, tok, now + 600, out, sizeof out, &len), TG_ERR_EXPIRED);
    CHECK_EQ_INT(tg_verify(&k1, tok, now - 61, out, sizeof out, &len), TG_ERR_EXPIRED);
    CHECK_EQ_INT(tg_sign(&k1, "x", 1, now, 0, tok, sizeof tok), TG_OK);   /* ttl 0: no expiry */
    CHECK_EQ_INT(tg_verify(&k1, tok, now + 100000000, out, sizeof out, &len), TG_OK);
    /* the newest key signs */
    CHECK_EQ_INT(tg_sign(&both, "x", 1, now, 60, tok, sizeof tok), TG_OK);
    CHECK_EQ_INT(tg_verify(&k2, tok, now, out, sizeof out, &len), TG_OK);
    CHECK_EQ_INT(tg_verify(&k1, tok, now, out, sizeof out, &len), TG_ERR_SIGNATURE);
}

/* the layout the header documents, computed by Python from the same key, time and payload */
TG_TEST(sign_token_format_matches_python) {
    tg_keyring kr;
    char tok[80], py[128];
    FILE *p;
    size_t n;
    memset(&kr, 0, sizeof kr);
    sg_ring(&kr, 7, 0x5c);
    CHECK_EQ_INT(tg_sign(&kr, "order=981;qty=2", 15, 1796000000, 86400, tok, sizeof tok), TG_OK);
    p = popen("python3 -c 'import base64,hmac,hashlib,struct\n"
              "k=bytes([0x5c])*32\n"
              "sk=hmac.new(k,b\"tgbot token v1\",hashlib.sha256).digest()\n"
              "b=bytes([7])+struct.pack(\">II\",1796000000,1796000000+86400)+b\"order=981;qty=2\"\n"
              "print(base64.urlsafe_b64encode(b+hmac.new(sk,b,hashlib.sha256).digest()[:12]).decode().rstrip(\"=\"),end=\"\")'", "r");
    if (!p) SKIP("python3 not available");
    n = fread(py, 1, sizeof py - 1, p);
    py[n] = '\0';
    pclose(p);
    if (!n) SKIP("python3 not available");
    CHECK_STR(tok, py);
}

TG_TEST(sign_request_replay_window_and_bounded_cache) {
    tg_keyring kr, other;
    tg_replay_slot slots[4];
    tg_replay_cache rc;
    char sig[TG_REQSIG_MAX + 1], sigs[6][TG_REQSIG_MAX + 1];
    const char *body = "{\"update_id\":1}";
    size_t bl = strlen(body);
    int i;
    memset(&kr, 0, sizeof kr); memset(&other, 0, sizeof other);
    sg_ring(&kr, 3, 0x33);
    sg_ring(&other, 3, 0x34);
    tg_replay_init(&rc, slots, 4);
    CHECK_EQ_INT(tg_sign_request(&kr, "POST", "/relay", body, bl, 1000, sig, sizeof sig), TG_OK);
    CHECK(strlen(sig) <= TG_REQSIG_MAX && strncmp(sig, "v1.3.1000.", 10) == 0);
    CHECK_EQ_INT(tg_verify_request(&other, &rc, sig, "POST", "/relay", body, bl, 1000, 30), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "GET", "/relay", body, bl, 1000, 30), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay2", body, bl, 1000, 30), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay", "{\"update_id\":2}", bl, 1000, 30), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay", body, bl, 1031, 30), TG_ERR_EXPIRED);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay", body, bl, 969, 30), TG_ERR_EXPIRED);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay", body, bl, 1030, 30), TG_OK);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay", body, bl, 1030, 30), TG_ERR_REPLAY);
    CHECK_EQ_INT(tg_sign_request(&kr, "POST", "/a\nb", body, bl, 1000, sig, sizeof sig), TG_ERR_ARG);
    CHECK_EQ_INT(tg_sign_request(&kr, "POST", "/relay", body, bl, 1000, sig, 40), TG_ERR_LIMIT);
    /* two signatures of the same request differ (nonce), and each is accepted once */
    tg_replay_init(&rc, slots, 4);
    for (i = 0; i < 6; i++) CHECK_EQ_INT(tg_sign_request(&kr, "POST", "/relay", body, bl, 2000 + (i >= 4), sigs[i], sizeof sigs[i]), TG_OK);
    CHECK(strcmp(sigs[0], sigs[1]) != 0);
    for (i = 0; i < 4; i++) CHECK_EQ_INT(tg_verify_request(&kr, &rc, sigs[i], "POST", "/relay", body, bl, 2000, 60), TG_OK);
    /* the cache (4 slots) is full: the 5th forgets sigs[0] (ts 2000); everything at 2000 is refused now */
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sigs[4], "POST", "/relay", body, bl, 2001, 60), TG_OK);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sigs[0], "POST", "/relay", body, bl, 2001, 60), TG_ERR_REPLAY);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sigs[3], "POST", "/relay", body, bl, 2001, 60), TG_ERR_REPLAY);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sigs[5], "POST", "/relay", body, bl, 2001, 60), TG_OK);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sigs[5], "POST", "/relay", body, bl, 2001, 60), TG_ERR_REPLAY);
    tg_replay_init(&rc, NULL, 0);   /* no storage: nothing can be shown fresh */
    CHECK_EQ_INT(tg_sign_request(&kr, "POST", "/relay", body, bl, 3000, sig, sizeof sig), TG_OK);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, sig, "POST", "/relay", body, bl, 3000, 60), TG_ERR_REPLAY);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, "v1.3.3000.xx.yy", "POST", "/relay", body, bl, 3000, 60), TG_ERR_SIGNATURE);
    CHECK_EQ_INT(tg_verify_request(&kr, &rc, "v2", "POST", "/relay", body, bl, 3000, 60), TG_ERR_SIGNATURE);
}
