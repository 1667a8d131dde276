# Token and key hygiene (tests/crypto/hygiene.sh), the last step of `make test` so that it greps
# the logs of every step before it: the file name sorts after every other fragment.
TEST_STEPS += hygiene
.PHONY: hygiene
hygiene: $(BUILD)/unit-all $(BUILD)/check_webapp
	@tests/crypto/hygiene.sh $(BUILD)/unit-all

# Amalgamation hygiene (issue 11): every room compiles alone against the internal headers
# (tests/check_rooms.sh); OS calls only in platform.c and the TLS backends (tests/check_os_calls.sh)
# the fixed-duration fuzz runs are single-threaded: one step runs them side by side (tests/run_steps.sh)
tg_fuzz_short := $(filter fuzz-%-short,$(TEST_STEPS))
tg_empty :=
TEST_STEPS := $(subst $(tg_empty) ,+,$(strip $(tg_fuzz_short))) $(filter-out hygiene $(tg_fuzz_short),$(TEST_STEPS)) \
              rooms os-calls hygiene
.PHONY: rooms os-calls
rooms: tgbot.h
	@tests/check_rooms.sh
os-calls:
	@tests/check_os_calls.sh
