# Flood control: `make bench-flood` (300 messages to 10 private chats and 3 groups against the fake
# server's Telegram-limits mode, ~23 s of real time) and a short version of it in `make test`.
TEST_STEPS += flood-short
.PHONY: bench-flood flood-short

$(BUILD)/bench_flood: bench/bench_flood.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) bench/bench_flood.c -o $@ $(TLS_LIBS_BEARSSL)

bench-flood: $(BUILD)/bench_flood
	@bench/bench_flood.sh $(BUILD)/bench_flood

# 3 private chats x 3 and 2 groups x 3: about 2 s
flood-short: $(BUILD)/bench_flood
	@FLOOD_CHECK=1 bench/bench_flood.sh $(BUILD)/bench_flood 3 3 2 3

# The same broadcast with the limiter as it was before the flood-control fixes (tgbot.h at
# FLOOD_BEFORE), sent round by round (that tgbot.h has no tg_ratelimit_pick): the "before" figures.
FLOOD_BEFORE ?= cfaf368
.PHONY: bench-flood-before
$(BUILD)/bench_flood_before: bench/bench_flood.c | $(BUILD)
	@mkdir -p $(BUILD)/flood_before && git show $(FLOOD_BEFORE):tgbot.h > $(BUILD)/flood_before/tgbot.h
	$(CC) -std=c99 -O2 -DFLOOD_NO_PICK -I$(BUILD)/flood_before $(TLS_CFLAGS_BEARSSL) bench/bench_flood.c -o $@ $(TLS_LIBS_BEARSSL)

bench-flood-before: $(BUILD)/bench_flood_before
	@bench/bench_flood.sh $(BUILD)/bench_flood_before
