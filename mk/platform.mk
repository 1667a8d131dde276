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
