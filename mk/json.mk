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
