# Updates: the examples, and the demo that `make demo` runs.
DEMO_TARGET := demo-run
EXAMPLES := echo_bot commands_bot stars_gifts
.PHONY: demo-run examples
$(BUILD)/%: examples/%.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 -Wall -Wextra -I. $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL)
examples: $(addprefix $(BUILD)/,$(EXAMPLES))
demo-run: examples
	@tests/demo.sh $(BUILD)/echo_bot

# the examples run against the fake server, which checks what they sent
TEST_STEPS += test-examples
.PHONY: test-examples
test-examples: examples
	tests/with_servers.sh $(PYTHON) tests/test_examples.py $(BUILD)
