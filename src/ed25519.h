/* ed25519: SHA-512 (FIPS 180-4) and Ed25519 signature verification (RFC 8032, section 5.1.7),
   written here so Web App data signed by Telegram can be checked without any TLS library.

       if (tg_ed25519_verify(sig, msg, len, public_key)) ...the key's owner signed msg...

   Verification only (a bot never signs with Telegram's key). Cofactorless equation [S]B = R + [k]A,
   as OpenSSL and libsodium check it. Refused: S >= L (malleable), a public key or R that does not
   decode (y >= p, or no x), and a public key or R of small order (order 1, 2, 4 or 8: such a key
   "verifies" signatures nobody made). Variable time: every input of a verification is public.
   Field arithmetic in radix 2^51 with 128-bit products where the compiler has them (gcc, clang on
   64-bit targets), otherwise in radix 2^25.5 with 64-bit products (portable); define
   TGBOT_ED25519_PORTABLE to force the latter. */

typedef struct tg_sha512 { uint64_t h[8]; uint64_t bytes; unsigned char block[128]; size_t fill; } tg_sha512;
TGBOT_API void tg_sha512_init(tg_sha512 *s);
TGBOT_API void tg_sha512_update(tg_sha512 *s, const void *data, size_t n);
TGBOT_API void tg_sha512_final(tg_sha512 *s, unsigned char out[64]);

TGBOT_API bool tg_ed25519_verify(const uint8_t sig[64], const void *msg, size_t len, const uint8_t public_key[32]);
