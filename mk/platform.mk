# Platforms: the Windows build (mingw-w64, run under wine) and a POSIX build without the Linux-only
# names (SOCK_CLOEXEC, MSG_NOSIGNAL, O_CLOEXEC, accept4, pipe2), whose fallbacks run the HTTP tests.
TEST_STEPS += test-windows unit-nolinux
.PHONY: test-windows unit-nolinux

test-windows: tgbot.h
	tests/windows/run.sh

$(BUILD)/unit-nolinux: $(UNIT_DEPS) tests/portability/no_linux.h
	$(UNIT_CC) -include tests/portability/no_linux.h -DTGBOT_ENABLE_ALL $(TLS_CFLAGS_BEARSSL) tests/all.c -o $@ $(TLS_LIBS_BEARSSL) -lm
unit-nolinux: $(BUILD)/unit-nolinux
	tests/with_servers.sh $(BUILD)/unit-nolinux http_

# tgcall, the command-line client (tools/tgcall.c), built by `make`; its tests run against the fake server
TEST_STEPS += tgcall
.PHONY: tgcall tgcall-size
all: $(BUILD)/tgcall
$(BUILD)/tgcall: tools/tgcall.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -Wno-unused-function -I. $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL) -lm
tgcall: $(BUILD)/tgcall
	tests/with_servers.sh $(PYTHON) tests/test_tgcall.py $(BUILD)/tgcall
tgcall-size: $(BUILD)/tgcall
	@strip -o $(BUILD)/tgcall.stripped $(BUILD)/tgcall && echo "tgcall stripped: $$(wc -c < $(BUILD)/tgcall.stripped) bytes"
