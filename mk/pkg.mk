# Newcomer diagnostics: every example and the README bot say why they stop (no token, 401, 409,
# offline) through tg_log_stderr. tests/test_diagnostics.py starts its own fake Bot API server.
TEST_STEPS += test-diagnostics
.PHONY: test-diagnostics
test-diagnostics: examples readme-example
	$(PYTHON) tests/test_diagnostics.py $(BUILD)

# static musl builds of the unit program (no TLS; BearSSL through tools/musl_fortify_shim.c), run
# against the fake servers; skipped with a line when musl-gcc is missing
TEST_STEPS += test-musl
.PHONY: test-musl
test-musl: tgbot.h
	tests/musl.sh
