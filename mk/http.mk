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

# HTTPS against plain HTTP to the first answer of a fresh process (issue: the CA bundle decode);
# the bot trusts the system bundle plus the test CA, so the whole bundle is decoded. Not in make test.
.PHONY: bench-tls-first
$(BUILD)/bench_tls_first: bench/bench_tls_first.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -D_DEFAULT_SOURCE -I. $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL)
bench-tls-first: deps $(BUILD)/bench_tls_first
	tests/with_servers.sh sh -c 'cat /etc/ssl/certs/ca-certificates.crt "$$TG_TLS_DIR/ca.pem" > "$$TG_TLS_DIR/bundle.pem" && \
	  $(BUILD)/bench_tls_first "$$TG_FAKE_URL" "$$TG_FAKE_TLS_VALID" "$$TG_TLS_DIR/bundle.pem" $(BENCH_RUNS)'
BENCH_RUNS ?= 15
