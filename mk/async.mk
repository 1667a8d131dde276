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

# README's user-stage example compiles as shown (a make test step)
TEST_STEPS += readme-stage-example
.PHONY: readme-stage-example
readme-stage-example: tgbot.h
	@mkdir -p $(BUILD)/readme
	@$(PYTHON) -c 'import sys; s=open("README.md").read(); a=s.index("**Stages.**"); b=s.index("```c\n", a)+5; c=s.index("```", b); open(sys.argv[1], "w").write("#define TGBOT_IMPLEMENTATION\n#include \"tgbot.h\"\n#include <stdio.h>\n" + s[b:c] + "int main(void) { tg_bot *b; tg_bot_desc d = { .token = \"1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi\", .base_url = \"http://127.0.0.1:9\" }; if (tg_bot_new(&b, &d, NULL)) return 1; add_logging(b); tg_bot_free(b); return 0; }\n")' $(BUILD)/readme/stage.c
	@if $(CC) -std=c99 $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) $(BUILD)/readme/stage.c -o $(BUILD)/readme/stage $(TLS_LIBS_BEARSSL) && $(BUILD)/readme/stage; \
	then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; exit 1; fi
