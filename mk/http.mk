# HTTP client: valgrind memcheck of the HTTP tests (a make test step) and the benchmark against
# libcurl and wrk (make bench-http; not part of make test).
TEST_STEPS += valgrind-http
.PHONY: valgrind-http bench-http

# the unit binary under memcheck, filtered to the http_ tests, with the servers they talk to
valgrind-http: $(BUILD)/unit
	tests/with_servers.sh valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --show-leak-kinds=definite,indirect --error-exitcode=1 $(BUILD)/unit http_

$(BUILD)/bench_http: bench/bench_http.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL)
$(BUILD)/bench_http_curl: bench/bench_http_curl.c | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) $< -o $@ -lcurl

bench-http: deps $(BUILD)/bench_http $(BUILD)/bench_http_curl
	$(PYTHON) bench/bench_http.py
