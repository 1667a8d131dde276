# JSON: fuzzing and the benchmark against jsmn and cJSON.
FUZZ_SECONDS ?= 600
TEST_STEPS += fuzz-json-short
.PHONY: fuzz-json fuzz-json-short bench-json

$(BUILD)/fuzz_json: tests/fuzz/fuzz_json.c tgbot.h | $(BUILD)
	$(CLANG) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -DTGBOT_TLS_NONE -I. tests/fuzz/fuzz_json.c -o $@

# FUZZ_SECONDS=600 make fuzz-json  (the short run below is part of make test)
fuzz-json: $(BUILD)/fuzz_json
	@mkdir -p $(BUILD)/fuzz-json-corpus
	$(BUILD)/fuzz_json -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
	  $(BUILD)/fuzz-json-corpus >$(BUILD)/fuzz-json.log 2>&1 || { tail -n 40 $(BUILD)/fuzz-json.log; exit 1; }
	@grep -E "Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss" $(BUILD)/fuzz-json.log
fuzz-json-short: $(BUILD)/fuzz_json
	@mkdir -p $(BUILD)/fuzz-json-corpus
	$(BUILD)/fuzz_json -max_total_time=20 -max_len=8192 $(BUILD)/fuzz-json-corpus >$(BUILD)/fuzz-json-short.log 2>&1 \
	  || { tail -n 40 $(BUILD)/fuzz-json-short.log; exit 1; }
	@grep -E "Done [0-9]+ runs" $(BUILD)/fuzz-json-short.log | tail -n 1

$(BUILD)/bench_json: bench/bench_json.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 -DTGBOT_TLS_NONE -I. bench/bench_json.c -o $@ -lcjson -lm

bench-json: deps $(BUILD)/bench_json
	$(BUILD)/bench_json

# the wire parsers (HTTP head, chunked decoder, typed decoder of every Bot API type)
TEST_STEPS += fuzz-wire-short
.PHONY: fuzz-wire fuzz-wire-short
$(BUILD)/fuzz_wire: tests/fuzz/fuzz_wire.c tgbot.h | $(BUILD)
	$(CLANG) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -DTGBOT_TLS_NONE -I. tests/fuzz/fuzz_wire.c -o $@
$(BUILD)/fuzz_wire_seeds: tests/fuzz/fuzz_wire.c tgbot.h tests/gen/api_cases.h | $(BUILD)
	$(CC) -std=c99 -DFUZZ_WIRE_SEEDS -DTGBOT_TLS_NONE -I. tests/fuzz/fuzz_wire.c -o $@
$(BUILD)/fuzz-wire-corpus/.seeded: $(BUILD)/fuzz_wire_seeds
	@mkdir -p $(BUILD)/fuzz-wire-corpus && $(BUILD)/fuzz_wire_seeds $(BUILD)/fuzz-wire-corpus && touch $@
fuzz-wire: $(BUILD)/fuzz_wire $(BUILD)/fuzz-wire-corpus/.seeded
	$(BUILD)/fuzz_wire -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
	  $(BUILD)/fuzz-wire-corpus >$(BUILD)/fuzz-wire.log 2>&1 || { tail -n 40 $(BUILD)/fuzz-wire.log; exit 1; }
	@grep -E "Done [0-9]+ runs|stat::number_of_executed_units" $(BUILD)/fuzz-wire.log
fuzz-wire-short: $(BUILD)/fuzz_wire $(BUILD)/fuzz-wire-corpus/.seeded
	$(BUILD)/fuzz_wire -max_total_time=20 -max_len=8192 $(BUILD)/fuzz-wire-corpus >$(BUILD)/fuzz-wire-short.log 2>&1 \
	  || { tail -n 40 $(BUILD)/fuzz-wire-short.log; exit 1; }
	@grep -E "Done [0-9]+ runs" $(BUILD)/fuzz-wire-short.log | tail -n 1
