#!/usr/bin/env python3
"""aead_vectors.py N: N ChaCha20-Poly1305 seals by Python's cryptography (OpenSSL), random key,
nonce, aad and plaintext of lengths around the block sizes; prints "key nonce aad pt sealed" in
hex ('-' for empty), sealed = ciphertext || tag."""
import os, sys
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
lengths = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 200, 255, 256, 300, 1000]
h = lambda b: b.hex() or "-"
for i in range(n):
    key, nonce = os.urandom(32), os.urandom(12)
    aad, pt = os.urandom(lengths[(i * 7) % len(lengths)] % 40), os.urandom(lengths[i % len(lengths)])
    print(h(key), h(nonce), h(aad), h(pt), h(ChaCha20Poly1305(key).encrypt(nonce, pt, aad)))
