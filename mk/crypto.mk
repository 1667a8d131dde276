# Crypto rooms (ed25519, sign, aead, secret): interop with Python's cryptography, the portable
# field arithmetic, and `make bench-ed25519`.
TEST_STEPS += crypto-webapp-interop ed25519-portable
.PHONY: crypto-webapp-interop ed25519-portable bench-ed25519

$(BUILD)/check_webapp: tests/crypto/check_webapp.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O1 $(CFLAGS_WARN) -DTGBOT_TLS_NONE -I. tests/crypto/check_webapp.c -o $@

# init data signed now by Python's cryptography (Ed25519, the way Telegram signs for third parties),
# genuine and tampered: the C verifier must accept exactly the genuine ones
crypto-webapp-interop: $(BUILD)/check_webapp
	@if python3 -c 'import cryptography' 2>/dev/null; then \
	  python3 tests/crypto/webapp_sig.py 40 > $(BUILD)/webapp_sig.txt && $(BUILD)/check_webapp < $(BUILD)/webapp_sig.txt; \
	else echo "crypto-webapp-interop: skipped: python3-cryptography is not installed (tests/deps.sh)"; fi

# the radix-2^25.5 field arithmetic a compiler without 128-bit integers gets, on the same tests
$(BUILD)/unit-ed25519-portable: $(UNIT_DEPS)
	$(UNIT_CC) -DTGBOT_ED25519_PORTABLE -DTGBOT_TLS_NONE tests/all.c -o $@ -lm
ed25519-portable: $(BUILD)/unit-ed25519-portable
	$(BUILD)/unit-ed25519-portable ed25519

$(BUILD)/bench_ed25519: bench/bench_ed25519.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 -DTGBOT_TLS_NONE -I. bench/bench_ed25519.c -o $@
$(BUILD)/bench_ed25519_portable: bench/bench_ed25519.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 -DTGBOT_TLS_NONE -DTGBOT_ED25519_PORTABLE -I. bench/bench_ed25519.c -o $@
bench-ed25519: $(BUILD)/bench_ed25519 $(BUILD)/bench_ed25519_portable
	@nice python3 bench/bench_ed25519.py $(BUILD)/bench_ed25519 5 $(BUILD)/bench_ed25519_portable

# libFuzzer over the crypto readers (initData signature, tokens, request signatures, sealed
# records, key text, raw Ed25519); `make test` runs 20 s, `FUZZ_SECONDS=600 make fuzz-crypto` longer
TEST_STEPS += fuzz-crypto-short
.PHONY: fuzz-crypto fuzz-crypto-short
$(BUILD)/fuzz_crypto: tests/fuzz/fuzz_crypto.c tgbot.h | $(BUILD)
	$(CLANG) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -DTGBOT_TLS_NONE -I. tests/fuzz/fuzz_crypto.c -o $@
fuzz-crypto: $(BUILD)/fuzz_crypto
	@mkdir -p $(BUILD)/fuzz-crypto-corpus
	$(BUILD)/fuzz_crypto -max_total_time=$(FUZZ_SECONDS) -max_len=9000 -print_final_stats=1 \
	  $(BUILD)/fuzz-crypto-corpus >$(BUILD)/fuzz-crypto.log 2>&1 || { tail -n 40 $(BUILD)/fuzz-crypto.log; exit 1; }
	@grep -E "Done [0-9]+ runs" $(BUILD)/fuzz-crypto.log
fuzz-crypto-short: $(BUILD)/fuzz_crypto
	@mkdir -p $(BUILD)/fuzz-crypto-corpus
	$(BUILD)/fuzz_crypto -max_total_time=20 -max_len=9000 $(BUILD)/fuzz-crypto-corpus >$(BUILD)/fuzz-crypto-short.log 2>&1 \
	  || { tail -n 40 $(BUILD)/fuzz-crypto-short.log; exit 1; }
	@grep -E "Done [0-9]+ runs" $(BUILD)/fuzz-crypto-short.log | tail -n 1
