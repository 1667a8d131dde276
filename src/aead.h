/* aead: ChaCha20-Poly1305 (RFC 8439) and sealed records for data at rest. The AEAD runs on the
   TLS backend's code (BearSSL, mbedTLS) when there is one, else built in; tg_chacha20 and
   tg_poly1305 are always the built-in primitives.

   Record (tg_seal): key id (1 byte) | nonce (12 random bytes) | ciphertext | tag (16 bytes), i.e.
   TG_SEAL_OVERHEAD bytes more than the plaintext. The key is derived from the ring's key (HMAC
   with a label), the newest key seals, any key in the ring opens (rotation by key id). aad is
   authenticated, not stored: pass the same bytes to open (e.g. a record's position, so records
   cannot be swapped). tg_unseal refuses a record changed in any byte, cut short, under an unknown
   key id, or with other aad: TG_ERR_SIGNATURE (tag), TG_ERR_NOT_FOUND (key id), TG_ERR_ARG (too
   short); no plaintext is released then (out is zeroed on a tag mismatch). Random 96-bit nonces:
   keep a key below 2^32 records.

   For a journal's sealing hook: tg_seal_record / tg_unseal_record take the key ring as a void *
   and bind the record's position (any number the reader knows again: an offset or a sequence
   number) as aad; a failure is reported as "record at position N: ..." in err. */

#define TG_SEAL_OVERHEAD 29

TGBOT_API void tg_chacha20(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter,
                           const void *in, size_t n, void *out);   /* in == out allowed */
TGBOT_API void tg_poly1305(const uint8_t key[32], const void *msg, size_t n, uint8_t tag[16]);
TGBOT_API void tg_chacha20_poly1305_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad, size_t aad_len,
                                         const void *pt, size_t n, void *ct, uint8_t tag[16]);
/* false (and out zeroed) when the tag does not match */
TGBOT_API bool tg_chacha20_poly1305_open(const uint8_t key[32], const uint8_t nonce[12], const void *aad, size_t aad_len,
                                         const void *ct, size_t n, const uint8_t tag[16], void *pt);

TGBOT_API tg_err tg_seal(const tg_keyring *kr, const void *aad, size_t aad_len, const void *pt, size_t n,
                         void *out, size_t cap, size_t *out_len);
TGBOT_API tg_err tg_unseal(const tg_keyring *kr, const void *aad, size_t aad_len, const void *rec, size_t n,
                           void *out, size_t cap, size_t *out_len);

TGBOT_API tg_err tg_seal_record(void *keyring, uint64_t position, const void *in, size_t n,
                                void *out, size_t cap, size_t *out_len, tg_error *err);
TGBOT_API tg_err tg_unseal_record(void *keyring, uint64_t position, const void *in, size_t n,
                                  void *out, size_t cap, size_t *out_len, tg_error *err);
