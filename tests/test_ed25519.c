/* ed25519: SHA-512 against the FIPS 180-4 examples, Ed25519 against every RFC 8032 section 7.1
   vector, signatures made at test time by Python's cryptography (OpenSSL), and the inputs a
   verifier must refuse: S >= L, small-order keys and R, non-canonical encodings. */

static size_t ed_unhex(const char *h, unsigned char *o) {
    size_t i;
    for (i = 0; h[2 * i] && h[2 * i + 1]; i++) {
        int hi = tg__hexval(h[2 * i]), lo = tg__hexval(h[2 * i + 1]);
        o[i] = (unsigned char)(hi << 4 | lo);
    }
    return i;
}

static const char *ed_sha512(const void *p, size_t n, size_t chunk) {
    static char hex[129];
    unsigned char d[64];
    tg_sha512 s;
    size_t i;
    tg_sha512_init(&s);
    for (i = 0; i < n; i += chunk) tg_sha512_update(&s, (const char *)p + i, TGBOT__MIN(chunk, n - i));
    tg_sha512_final(&s, d);
    for (i = 0; i < 64; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return hex;
}

TG_TEST(ed25519_sha512_vectors) {
    static char million[1000000];
    static const char two[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    size_t chunk;
    memset(million, 'a', sizeof million);
    CHECK_STR(ed_sha512("", 0, 1), "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    CHECK_STR(ed_sha512("abc", 3, 1), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    for (chunk = 1; chunk <= 130; chunk += 7)   /* 112 bytes: the padding spills into a second block */
        CHECK_STR(ed_sha512(two, 112, chunk), "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
    CHECK_STR(ed_sha512(million, sizeof million, 4099), "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

static const char ed_msg1023[] =   /* RFC 8032 7.1 TEST 1024: 1023 bytes */
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
    "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
    "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
    "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
    "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
    "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
    "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
    "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
    "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
    "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
    "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
    "c60c905c15fc910840b94c00a0b9d0";

/* RFC 8032 section 7.1: public key, message, signature */
static const char *const ed_rfc[5][3] = {
    { "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
    { "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
    { "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
    { "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", ed_msg1023,
      "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03" },
    { "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",   /* message: SHA-512("abc") */
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" } };

TG_TEST(ed25519_rfc8032_vectors) {
    static unsigned char m[1024];
    unsigned char pk[32], sig[64];
    size_t v, n, bit;
    for (v = 0; v < 5; v++) {
        CHECK_EQ_INT(ed_unhex(ed_rfc[v][0], pk), 32);
        CHECK_EQ_INT(ed_unhex(ed_rfc[v][2], sig), 64);
        n = ed_unhex(ed_rfc[v][1], m);
        CHECK_EQ_INT(n, v == 3 ? 1023 : strlen(ed_rfc[v][1]) / 2);
        CHECK(tg_ed25519_verify(sig, m, n, pk));
        for (bit = 0; bit < 512; bit += 37) {   /* any flipped bit of the signature breaks it */
            sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
            CHECK(!tg_ed25519_verify(sig, m, n, pk));
            sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        }
        pk[7] ^= 4;
        CHECK(!tg_ed25519_verify(sig, m, n, pk));
        pk[7] ^= 4;
        if (n) { m[n - 1] ^= 0x80; CHECK(!tg_ed25519_verify(sig, m, n, pk)); m[n - 1] ^= 0x80; }
        else CHECK(!tg_ed25519_verify(sig, "x", 1, pk));
        CHECK(tg_ed25519_verify(sig, m, n, pk));
    }
}

/* S + L satisfies the verification equation too ([S + L]B = [S]B); RFC 8032 requires S < L */
TG_TEST(ed25519_refuses_noncanonical_s) {
    static const char *l_hex = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";   /* L, little-endian */
    unsigned char pk[32], sig[64], l[32], m[2];
    unsigned c = 0;
    int i;
    ed_unhex(ed_rfc[2][0], pk); ed_unhex(ed_rfc[2][2], sig); ed_unhex(ed_rfc[2][1], m); ed_unhex(l_hex, l);
    CHECK(tg_ed25519_verify(sig, m, 2, pk));
    for (i = 0; i < 32; i++) { c += (unsigned)sig[32 + i] + l[i]; sig[32 + i] = (unsigned char)c; c >>= 8; }
    CHECK_EQ_INT(c, 0);   /* still fits in 32 bytes */
    CHECK(!tg_ed25519_verify(sig, m, 2, pk));
    memcpy(sig + 32, l, 32);   /* S = L exactly */
    CHECK(!tg_ed25519_verify(sig, m, 2, pk));
    memset(sig + 32, 0xff, 32);
    CHECK(!tg_ed25519_verify(sig, m, 2, pk));
}

/* The points of order 1, 2, 4 and 8 (y = 1, -1, 0, and y^2 = (-1 - sqrt(1 + d)) / d), with either
   sign bit, plus non-canonical encodings (y >= p). With A of small order, [k]A is the identity for
   many messages, so R = identity, S = 0 would "verify" under the bare equation. */
TG_TEST(ed25519_refuses_small_order_and_noncanonical_points) {
    static const char *pts[] = {
        "0100000000000000000000000000000000000000000000000000000000000000",   /* identity */
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",   /* (0, -1) */
        "0000000000000000000000000000000000000000000000000000000000000000",   /* (+-i, 0) */
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",   /* order 8 */
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",   /* y = p + 1: identity, non-canonical */
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",   /* y = p */
        "0100000000000000000000000000000000000000000000000000000000000080" }; /* x = 0 with sign bit 1 */
    unsigned char pk[32], sig[64], good_pk[32], good_sig[64], m[2];
    size_t i, j;
    unsigned k;
    ed_unhex(ed_rfc[2][0], good_pk); ed_unhex(ed_rfc[2][2], good_sig); ed_unhex(ed_rfc[2][1], m);
    for (i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        ed_unhex(pts[i], pk);
        for (j = 0; j < sizeof pts / sizeof pts[0]; j++) {
            ed_unhex(pts[j], sig);
            memset(sig + 32, 0, 32);   /* R small, S = 0 */
            for (k = 0; k < 16; k++) {
                unsigned char b = (unsigned char)k;
                CHECK(!tg_ed25519_verify(sig, &b, 1, pk));
            }
        }
        memcpy(sig, good_sig, 64);   /* a good signature under a small-order key */
        CHECK(!tg_ed25519_verify(sig, m, 2, pk));
        memcpy(sig, good_sig, 64);
        ed_unhex(pts[i], sig);       /* a small-order R with a good key */
        CHECK(!tg_ed25519_verify(sig, m, 2, good_pk));
    }
    /* a y with no x (u/v not a square): 2 is such a y */
    memset(pk, 0, 32); pk[0] = 2;
    CHECK(!tg_ed25519_verify(good_sig, m, 2, pk));
    CHECK(tg_ed25519_verify(good_sig, m, 2, good_pk));
    CHECK(!tg_ed25519_verify(NULL, m, 2, good_pk));
    CHECK(!tg_ed25519_verify(good_sig, NULL, 2, good_pk));
    CHECK(!tg_ed25519_verify(good_sig, m, 2, NULL));
}

/* Keys and signatures from Python's cryptography (OpenSSL) made now: every one must verify, and
   fail once any byte of key, signature or message changes. */
TG_TEST(ed25519_signed_by_python) {
    char line[1024];
    FILE *p = popen("python3 tests/crypto/ed25519_sign.py 24 2>/dev/null", "r");
    int n = 0;
    if (!p) SKIP("python3 not available");
    while (fgets(line, sizeof line, p)) {
        unsigned char pk[32], sig[64], m[256];
        char *a = strchr(line, ' '), *b = a ? strchr(a + 1, ' ') : NULL;
        size_t len, i;
        if (!b) continue;
        *a = *b = '\0';
        b[strcspn(b + 1, "\n") + 1] = '\0';
        if (ed_unhex(line, pk) != 32 || ed_unhex(a + 1, sig) != 64) continue;
        len = ed_unhex(b + 1, m);
        CHECK(tg_ed25519_verify(sig, m, len, pk));
        i = (size_t)n % 64;
        sig[i] ^= 0x01; CHECK(!tg_ed25519_verify(sig, m, len, pk)); sig[i] ^= 0x01;
        pk[i % 32] ^= 0x40; CHECK(!tg_ed25519_verify(sig, m, len, pk)); pk[i % 32] ^= 0x40;
        if (len) { m[(size_t)n % len] ^= 0x10; CHECK(!tg_ed25519_verify(sig, m, len, pk)); }
        n++;
    }
    if (pclose(p) != 0 && n == 0) SKIP("python3 with the cryptography module not available (tests/deps.sh)");
    CHECK_EQ_INT(n, 24);
}
