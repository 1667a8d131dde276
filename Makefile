# tgbot.h — plain make. `make demo` runs the echo bot; `make test` runs every test.
CC      ?= cc
CLANG   ?= clang
CXX     ?= g++
PYTHON  ?= python3
BUILD   := build
export MAKE

CFLAGS_WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wundef -Wstrict-prototypes
TLS_CFLAGS_BEARSSL := -I/usr/include/bearssl
TLS_LIBS_BEARSSL   := -lbearssl
TLS_CFLAGS_MBEDTLS := -DTGBOT_TLS_MBEDTLS
TLS_LIBS_MBEDTLS   := -lmbedtls -lmbedx509 -lmbedcrypto
TLS_CFLAGS_NONE    := -DTGBOT_TLS_NONE
TLS_LIBS_NONE      :=

SRC := $(shell find src -name '*.[ch]' | sort)
TEST_FILES = $(sort $(wildcard tests/test_*.c))

# Test steps run by `make test`, in order. Module fragments (mk/*.mk) append their own.
TEST_STEPS := check-amalgamate amalgamate-selftest compile-matrix symbols readme-example \
              unit unit-all unit-mbedtls unit-notls asan

.PHONY: all test demo deps deps-demo unit unit-all unit-mbedtls unit-notls asan compile-matrix \
        symbols readme-example check-amalgamate amalgamate-selftest clean
all: tgbot.h

tgbot.h: amalgamate $(SRC)
	./amalgamate

$(BUILD):
	@mkdir -p $(BUILD)

deps:
	@tests/deps.sh test
deps-demo:
	@tests/deps.sh demo

test: deps tgbot.h
	@tests/run_steps.sh $(TEST_STEPS)

check-amalgamate:
	./amalgamate --check
amalgamate-selftest:
	tests/test_amalgamate.sh
compile-matrix: tgbot.h
	tests/compile_matrix.sh
symbols: tgbot.h
	tests/check_symbols.sh
readme-example: tgbot.h
	tests/readme_example.sh

# ---- the unit-test program in several configurations ----
$(BUILD)/tests.inc: $(TEST_FILES) tests/gen_tests_inc.sh | $(BUILD)
	tests/gen_tests_inc.sh $(TEST_FILES) > $@

UNIT_DEPS := tgbot.h tests/all.c tests/runner.h tests/fake_api.h $(BUILD)/tests.inc $(TEST_FILES)
UNIT_CC = $(CC) -std=c99 -g -O1 $(CFLAGS_WARN) -Wno-unused-function -I. -I$(BUILD)

$(BUILD)/unit: $(UNIT_DEPS)
	$(UNIT_CC) $(TLS_CFLAGS_BEARSSL) tests/all.c -o $@ $(TLS_LIBS_BEARSSL) -lm
$(BUILD)/unit-all: $(UNIT_DEPS)
	$(UNIT_CC) -DTGBOT_ENABLE_ALL $(TLS_CFLAGS_BEARSSL) tests/all.c -o $@ $(TLS_LIBS_BEARSSL) -lm
$(BUILD)/unit-mbedtls: $(UNIT_DEPS)
	$(UNIT_CC) -DTGBOT_ENABLE_ALL $(TLS_CFLAGS_MBEDTLS) tests/all.c -o $@ $(TLS_LIBS_MBEDTLS) -lm
$(BUILD)/unit-notls: $(UNIT_DEPS)
	$(UNIT_CC) -DTGBOT_ENABLE_ALL $(TLS_CFLAGS_NONE) tests/all.c -o $@ -lm
$(BUILD)/unit-asan: $(UNIT_DEPS)
	$(CLANG) -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer $(CFLAGS_WARN) -Wno-unused-function -I. -I$(BUILD) \
	  -DTGBOT_ENABLE_ALL $(TLS_CFLAGS_BEARSSL) tests/all.c -o $@ $(TLS_LIBS_BEARSSL) -lm

# tests/with_servers.sh starts the servers the unit tests talk to (when present) and runs the binary
unit: $(BUILD)/unit
	tests/with_servers.sh $(BUILD)/unit
unit-all: $(BUILD)/unit-all
	tests/with_servers.sh $(BUILD)/unit-all
unit-mbedtls: $(BUILD)/unit-mbedtls
	tests/with_servers.sh $(BUILD)/unit-mbedtls
unit-notls: $(BUILD)/unit-notls
	tests/with_servers.sh $(BUILD)/unit-notls
asan: $(BUILD)/unit-asan
	ASAN_OPTIONS=detect_leaks=1 tests/with_servers.sh $(BUILD)/unit-asan

clean:
	rm -rf $(BUILD)

-include $(sort $(wildcard mk/*.mk))


# `make demo` runs DEMO_TARGET; the updates module's fragment (mk/updates.mk) sets it to the echo
# bot demo. Until then the fallback only shows that the header builds.
DEMO_TARGET ?= demo-fallback
demo: deps-demo tgbot.h
	@$(MAKE) --no-print-directory -s $(DEMO_TARGET)
demo-fallback: | $(BUILD)
	@printf '#define TGBOT_IMPLEMENTATION\n#include "tgbot.h"\n#include <stdio.h>\nint main(void) { printf("tgbot.h %%s (Bot API %%s) builds; the echo bot demo is not in this build yet\\n", TGBOT_VERSION_STRING, TGBOT_BOTAPI_VERSION); return 0; }\n' > $(BUILD)/demo_fallback.c
	@$(CC) -std=c99 -I. $(TLS_CFLAGS_BEARSSL) $(BUILD)/demo_fallback.c -o $(BUILD)/demo_fallback $(TLS_LIBS_BEARSSL)
	@$(BUILD)/demo_fallback
