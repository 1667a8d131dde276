# async engine: valgrind memcheck of the async tests (a make test step) and the benchmark against
# wrk -c64 and Node's fetch (make bench-async; not part of make test).
TEST_STEPS += valgrind-async
.PHONY: valgrind-async bench-async

valgrind-async: $(BUILD)/unit
	tests/with_servers.sh valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --show-leak-kinds=definite,indirect --error-exitcode=1 $(BUILD)/unit async_

$(BUILD)/bench_async: bench/bench_async.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL)

bench-async: deps $(BUILD)/bench_async
	$(PYTHON) bench/bench_async.py

# the epoll example runs in test-examples (tests/test_examples.py checks what it sent)
test-examples: $(BUILD)/async_epoll

# the blocking HTTP client before and after the engine (bench_http.c built from tgbot.h at ASYNC_BEFORE)
ASYNC_BEFORE ?= 7480952
.PHONY: bench-http-before
$(BUILD)/bench_http_before: bench/bench_http.c | $(BUILD)
	@mkdir -p $(BUILD)/async_before && git show $(ASYNC_BEFORE):tgbot.h > $(BUILD)/async_before/tgbot.h
	$(CC) -std=c99 -O2 -I$(BUILD)/async_before $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL)
bench-http-before: $(BUILD)/bench_http $(BUILD)/bench_http_before
	$(PYTHON) bench/bench_http_before.py

# the stress test at 10,000 calls (64 in flight, random faults, reconciled with the ledger)
TEST_STEPS += async-stress
.PHONY: async-stress
async-stress: $(BUILD)/unit
	TG_ASYNC_STRESS_N=10000 tests/with_servers.sh $(BUILD)/unit async_stress
