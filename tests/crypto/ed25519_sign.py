#!/usr/bin/env python3
"""ed25519_sign.py N: N fresh Ed25519 keys from Python's cryptography (OpenSSL), each signing a
random message; prints "pubkey_hex signature_hex message_hex" lines for the C tests."""
import os, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
for i in range(n):
    k = Ed25519PrivateKey.generate()
    msg = os.urandom(i * 7 % 200)
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    print(pub.hex(), k.sign(msg).hex(), msg.hex())
