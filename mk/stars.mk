# Stars (TGBOT_ENABLE_STARS): the gift campaign, gift shop and business bot examples, the campaign's
# kill -9 fault test, and `make bench-campaign` (not part of make test).
# (this fragment is read before updates.mk, whose `EXAMPLES :=` would drop an EXAMPLES += here)
examples: $(BUILD)/gift_campaign $(BUILD)/gift_shop $(BUILD)/business_bot

TEST_STEPS += test-stars-examples test-stars-campaign
.PHONY: test-stars-examples test-stars-campaign bench-campaign
test-stars-campaign: $(BUILD)/gift_campaign
	tests/with_servers.sh $(PYTHON) tests/stars/campaign_faults.py $(BUILD)/gift_campaign 50   # the issue's 50 runs
test-stars-examples: $(BUILD)/gift_shop $(BUILD)/business_bot $(BUILD)/gift_campaign
	tests/with_servers.sh $(PYTHON) tests/stars/test_examples_stars.py $(BUILD)

$(BUILD)/bench_campaign: bench/bench_campaign.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) $< -o $@ $(TLS_LIBS_BEARSSL)
bench-campaign: $(BUILD)/bench_campaign
	tests/with_servers.sh $(PYTHON) bench/bench_campaign.py $(BUILD)/bench_campaign
