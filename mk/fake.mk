# The fake Bot API server's own tests (curl over HTTP and HTTPS).
TEST_STEPS += test-fake-server
.PHONY: test-fake-server
test-fake-server:
	tests/test_fake_server.sh
