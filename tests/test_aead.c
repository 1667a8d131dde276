/* aead: ChaCha20, Poly1305 and the AEAD against RFC 8439's vectors (2.3.2, 2.4.2, 2.5.2, 2.6.2,
   2.8.2, A.1 #1, A.3 #1, #2, #5-#9, A.5), against Python's cryptography (OpenSSL) at test time, and
   sealed records: rotation, and a tamper test over every byte of a record. */

static size_t ae_unhex(const char *h, unsigned char *o) {
    size_t i;
    if (h[0] == '-') return 0;
    for (i = 0; h[2 * i] && h[2 * i + 1] && h[2 * i] != ' '; i++) o[i] = (unsigned char)(tg__hexval(h[2 * i]) << 4 | tg__hexval(h[2 * i + 1]));
    return i;
}
static const char *ae_hex(const unsigned char *d, size_t n) {
    static char out[2048];
    size_t i;
    for (i = 0; i < n && i < 1023; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    out[2 * i] = '\0';
    return out;
}
static int ae_contains(const unsigned char *h, size_t n, const char *needle) {
    size_t i, k = strlen(needle);
    for (i = 0; i + k <= n; i++) if (memcmp(h + i, needle, k) == 0) return 1;
    return 0;
}
static const char ae_sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";

TG_TEST(aead_chacha20_rfc8439_vectors) {
    unsigned char key[32], nonce[12], out[128];
    static const unsigned char zero[64] = { 0 };
    int i;
    for (i = 0; i < 32; i++) key[i] = (unsigned char)i;
    ae_unhex("000000090000004a00000000", nonce);   /* 2.3.2: the block function (keystream of block 1) */
    tg_chacha20(key, nonce, 1, zero, 64, out);
    CHECK_STR(ae_hex(out, 64), "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
    ae_unhex("000000000000004a00000000", nonce);   /* 2.4.2: encryption */
    tg_chacha20(key, nonce, 1, ae_sunscreen, 114, out);
    CHECK_STR(ae_hex(out, 114), "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");
    tg_chacha20(key, nonce, 1, out, 114, out);     /* in place, and decryption is the same call */
    CHECK(memcmp(out, ae_sunscreen, 114) == 0);
    memset(key, 0, 32); memset(nonce, 0, 12);        /* A.1 #1 */
    tg_chacha20(key, nonce, 0, zero, 64, out);
    CHECK_STR(ae_hex(out, 64), "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
    for (i = 0; i < 32; i++) key[i] = (unsigned char)(0x80 + i);   /* 2.6.2: the Poly1305 one-time key */
    ae_unhex("000000000001020304050607", nonce);
    tg_chacha20(key, nonce, 0, zero, 32, out);
    CHECK_STR(ae_hex(out, 32), "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646");
}

TG_TEST(aead_poly1305_rfc8439_vectors) {
    static const char ietf[] = "Any submission to the IETF intended by the Contributor for publication as all or part of an IETF "
        "Internet-Draft or RFC and any statement made within the context of an IETF activity is considered an \"IETF Contribution\". "
        "Such statements include oral statements in IETF sessions, as well as written and electronic communications made at any time "
        "or place, which are addressed to";
    static const struct { const char *key, *msg, *tag; } v[] = {
        { "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",                     /* 2.5.2 */
          "43727970746f6772617068696320466f72756d2052657365617263682047726f7570", "a8061dc1305136c6c22b8baf0c0127a9" },
        { "0000000000000000000000000000000000000000000000000000000000000000",                     /* A.3 #1 */
          "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
          "00000000000000000000000000000000" },
        { "0200000000000000000000000000000000000000000000000000000000000000",                     /* #5: h reaches p */
          "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000" },
        { "02000000000000000000000000000000ffffffffffffffffffffffffffffffff",                     /* #6: s carries out */
          "02000000000000000000000000000000", "03000000000000000000000000000000" },
        { "0100000000000000000000000000000000000000000000000000000000000000",                     /* #7 */
          "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000",
          "05000000000000000000000000000000" },
        { "0100000000000000000000000000000000000000000000000000000000000000",                     /* #8 */
          "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101",
          "00000000000000000000000000000000" },
        { "0200000000000000000000000000000000000000000000000000000000000000",                     /* #9 */
          "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff" } };
    unsigned char key[32], msg[64], tag[16];
    size_t i, n;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        ae_unhex(v[i].key, key);
        n = ae_unhex(v[i].msg, msg);
        tg_poly1305(key, msg, n, tag);
        CHECK_STR(ae_hex(tag, 16), v[i].tag);
    }
    ae_unhex("0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e", key);   /* A.3 #2: r = 0 */
    tg_poly1305(key, ietf, strlen(ietf), tag);
    CHECK_STR(ae_hex(tag, 16), "36e5f6b5c5e06070f0efca96227a863e");
}

TG_TEST(aead_rfc8439_2_8_2) {
    unsigned char key[32], nonce[12], aad[12], ct[114], tag[16], pt[114];
    int i;
    for (i = 0; i < 32; i++) key[i] = (unsigned char)(0x80 + i);
    ae_unhex("070000004041424344454647", nonce);
    ae_unhex("50515253c0c1c2c3c4c5c6c7", aad);
    tg_chacha20_poly1305_seal(key, nonce, aad, 12, ae_sunscreen, 114, ct, tag);
    CHECK_STR(ae_hex(ct, 114), "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116");
    CHECK_STR(ae_hex(tag, 16), "1ae10b594f09e26a7e902ecbd0600691");
    CHECK(tg_chacha20_poly1305_open(key, nonce, aad, 12, ct, 114, tag, pt));
    CHECK(memcmp(pt, ae_sunscreen, 114) == 0);
    aad[0] ^= 1;
    CHECK(!tg_chacha20_poly1305_open(key, nonce, aad, 12, ct, 114, tag, pt));
    CHECK(pt[0] == 0 && pt[113] == 0);   /* nothing of the plaintext on failure */
}

TG_TEST(aead_rfc8439_a5_decryption) {   /* A.5: 265 bytes, aad of 12 */
    static const char ct_hex[] =
        "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0"
        "bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
        "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9"
        "9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
        "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130"
        "305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b";
    static const char pt_hex[] =
        "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f72206120"
        "6d6178696d756d206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
        "65642c206f72206f62736f6c65746564206279206f7468657220646f63756d656e747320617420616e792074696d652e"
        "20497420697320696e617070726f70726961746520746f2075736520496e7465726e65742d4472616674732061732072"
        "65666572656e6365206d6174657269616c206f7220746f2063697465207468656d206f74686572207468616e20617320"
        "2fe2809c776f726b20696e2070726f67726573732e2fe2809d";
    unsigned char key[32], nonce[12], aad[12], ct[265], pt[265], want[265], tag[16];
    ae_unhex("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", key);
    ae_unhex("000000000102030405060708", nonce);
    ae_unhex("f33388860000000000004e91", aad);
    ae_unhex("eead9d67890cbb22392336fea1851f38", tag);
    CHECK_EQ_INT(ae_unhex(ct_hex, ct), 265);
    CHECK_EQ_INT(ae_unhex(pt_hex, want), 265);
    CHECK(tg_chacha20_poly1305_open(key, nonce, aad, 12, ct, 265, tag, pt));
    CHECK(memcmp(pt, want, 265) == 0);
    tag[15] ^= 0x80;
    CHECK(!tg_chacha20_poly1305_open(key, nonce, aad, 12, ct, 265, tag, pt));
}

TG_TEST(aead_matches_python_cryptography) {
    static char line[8192];
    FILE *p = popen("python3 tests/crypto/aead_vectors.py 32 2>/dev/null", "r");
    int n = 0;
    if (!p) SKIP("python3 not available");
    while (fgets(line, sizeof line, p)) {
        static unsigned char key[32], nonce[12], aad[64], pt[1100], sealed[1200], ct[1100], back[1100];
        char *f[5], *s = line;
        size_t al, pl, sl;
        uint8_t tag[16];
        int i;
        for (i = 0; i < 5; i++) { f[i] = s; s = strchr(s, ' '); if (!s && i < 4) break; if (s) *s++ = '\0'; }
        if (i < 5) continue;
        f[4][strcspn(f[4], "\n")] = '\0';
        ae_unhex(f[0], key); ae_unhex(f[1], nonce);
        al = ae_unhex(f[2], aad); pl = ae_unhex(f[3], pt); sl = ae_unhex(f[4], sealed);
        CHECK_EQ_INT(sl, pl + 16);
        tg_chacha20_poly1305_seal(key, nonce, aad, al, pt, pl, ct, tag);
        CHECK(memcmp(ct, sealed, pl) == 0 && memcmp(tag, sealed + pl, 16) == 0);
        CHECK(tg_chacha20_poly1305_open(key, nonce, aad, al, sealed, pl, sealed + pl, back));
        CHECK(memcmp(back, pt, pl) == 0);
        n++;
    }
    if (pclose(p) != 0 && n == 0) SKIP("python3 with the cryptography module not available (tests/deps.sh)");
    CHECK_EQ_INT(n, 32);
}

static void ae_ring(tg_keyring *kr, uint8_t id, unsigned char fill) {
    uint8_t k[32];
    memset(k, fill, 32);
    CHECK_EQ_INT(tg_keyring_add(kr, id, k), TG_OK);
}

TG_TEST(aead_sealed_records_rotation_and_every_byte_tampered) {
    tg_keyring old_ring, ring;
    unsigned char rec[200], bad[200], out[200];
    const char *msg = "{\"charge\":\"stars-123\",\"amount\":50}";
    size_t n = strlen(msg), rl = 0, ol = 0, i;
    int b;
    tg_error err;
    memset(&old_ring, 0, sizeof old_ring);
    ae_ring(&old_ring, 1, 0x11);
    CHECK_EQ_INT(tg_seal_record(&old_ring, 7, msg, n, rec, sizeof rec, &rl, &err), TG_OK);
    CHECK_EQ_INT(rl, n + TG_SEAL_OVERHEAD);
    CHECK_EQ_INT(rec[0], 1);
    CHECK(!ae_contains(rec, rl, "stars"));   /* the plaintext is not in the record */
    /* rotation: a ring with the old key and a newer one opens the old record, seals with the new */
    ring = old_ring;
    ae_ring(&ring, 2, 0x22);
    CHECK_EQ_INT(tg_unseal_record(&ring, 7, rec, rl, out, sizeof out, &ol, &err), TG_OK);
    CHECK(ol == n && memcmp(out, msg, n) == 0);
    {
        unsigned char rec2[200];
        size_t rl2 = 0;
        CHECK_EQ_INT(tg_seal_record(&ring, 8, msg, n, rec2, sizeof rec2, &rl2, &err), TG_OK);
        CHECK_EQ_INT(rec2[0], 2);
        CHECK_EQ_INT(tg_unseal_record(&old_ring, 8, rec2, rl2, out, sizeof out, &ol, &err), TG_ERR_NOT_FOUND);
        CHECK(strstr(err.description, "position 8") && strstr(err.description, "key id 2"));
    }
    /* every byte, every bit position class: refused, with the record's position in the error */
    for (i = 0; i < rl; i++) {
        for (b = 0; b < 8; b += 3) {
            tg_err e;
            memcpy(bad, rec, rl);
            bad[i] ^= (unsigned char)(1u << b);
            memset(out, 0x5a, sizeof out);
            memset(&err, 0, sizeof err);
            e = tg_unseal_record(&ring, 7, bad, rl, out, sizeof out, &ol, &err);
            CHECK(e == TG_ERR_SIGNATURE || (i == 0 && e == TG_ERR_NOT_FOUND));
            CHECK(strstr(err.description, "position 7") != NULL);
            CHECK(ol == 0);
            CHECK(!ae_contains(out, sizeof out, "stars"));
        }
    }
    for (i = 0; i < rl; i++) {   /* every truncation */
        tg_err e = tg_unseal_record(&ring, 7, rec, i, out, sizeof out, &ol, &err);
        CHECK(e == TG_ERR_ARG || e == TG_ERR_SIGNATURE);
    }
    /* the same record read at another position (moved, swapped): refused */
    CHECK_EQ_INT(tg_unseal_record(&ring, 6, rec, rl, out, sizeof out, &ol, &err), TG_ERR_SIGNATURE);
    CHECK(strstr(err.description, "position 6") != NULL);
    /* limits and arguments */
    CHECK_EQ_INT(tg_unseal_record(&ring, 7, rec, rl, out, n - 1, &ol, &err), TG_ERR_LIMIT);
    CHECK_EQ_INT(tg_seal(&ring, NULL, 0, msg, n, out, n + TG_SEAL_OVERHEAD - 1, &ol), TG_ERR_LIMIT);
    memset(&ring, 0, sizeof ring);
    CHECK_EQ_INT(tg_seal(&ring, NULL, 0, msg, n, out, sizeof out, &ol), TG_ERR_ARG);   /* no key */
    CHECK_EQ_INT(tg_seal(&old_ring, NULL, 0, "", 0, out, sizeof out, &ol), TG_OK);      /* empty plaintext */
    CHECK_EQ_INT(ol, TG_SEAL_OVERHEAD);
    CHECK_EQ_INT(tg_unseal(&old_ring, NULL, 0, out, ol, NULL, 0, &ol), TG_OK);
    CHECK_EQ_INT(ol, 0);
    tg_keyring_wipe(&old_ring);
}
