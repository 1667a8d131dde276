# 32-bit and cross targets (tests/cross.sh), without TLS, against the fake server:
#   make test-32     the unit program built with gcc -m32 (i686), run natively
#   make test-cross  static armhf and s390x (big-endian) builds run under qemu-user
# Both are make test steps; a missing toolchain is reported as skipped (tests/deps.sh installs them).
TEST_STEPS += test-32 test-cross
.PHONY: test-32 test-cross
test-32: tgbot.h $(BUILD)/tests.inc
	CC="$(CC)" tests/cross.sh $(BUILD) i686
test-cross: tgbot.h $(BUILD)/tests.inc
	tests/cross.sh $(BUILD) armhf s390x
