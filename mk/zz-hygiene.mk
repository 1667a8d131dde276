# Token and key hygiene (tests/crypto/hygiene.sh), the last step of `make test` so that it greps
# the logs of every step before it: the file name sorts after every other fragment.
TEST_STEPS += hygiene
.PHONY: hygiene
hygiene: $(BUILD)/unit-all $(BUILD)/check_webapp
	@tests/crypto/hygiene.sh $(BUILD)/unit-all
