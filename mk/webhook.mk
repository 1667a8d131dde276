# Webhook: the example, and `make bench-webhook` (the server against nginx, both driven by wrk).
EXAMPLES += webhook_bot
examples: $(BUILD)/webhook_bot     # updates.mk's rule expanded EXAMPLES before this line
.PHONY: bench-webhook
BENCH_SECONDS ?= 5
BENCH_CONNECTIONS ?= 50

$(BUILD)/bench_webhook: bench/bench_webhook.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 -I. $(TLS_CFLAGS_BEARSSL) bench/bench_webhook.c -o $@ $(TLS_LIBS_BEARSSL)

bench-webhook: deps $(BUILD)/bench_webhook
	@BENCH_SECONDS=$(BENCH_SECONDS) BENCH_CONNECTIONS=$(BENCH_CONNECTIONS) bench/bench_webhook.sh $(BUILD)/bench_webhook

# `make test-attacks`: the server with its default hardening while a legit sender delivers 2,000
# updates and attackers run (tests/attacks/run_attacks.py); ends with "N passed, N failed".
TEST_STEPS += test-attacks
.PHONY: test-attacks
$(BUILD)/attack_server: tests/attacks/attack_server.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) tests/attacks/attack_server.c -o $@ $(TLS_LIBS_BEARSSL)
test-attacks: $(BUILD)/attack_server
	$(PYTHON) tests/attacks/run_attacks.py $(BUILD)/attack_server
