# Stars (TGBOT_ENABLE_STARS): the gift campaign, gift shop and business bot examples, the campaign's
# kill -9 fault test, and `make bench-campaign` (not part of make test).
EXAMPLES += gift_campaign
examples: $(BUILD)/gift_campaign     # updates.mk's rule expanded EXAMPLES before this line

TEST_STEPS += test-stars-campaign
.PHONY: test-stars-campaign bench-campaign
CAMPAIGN_RUNS ?= 50
test-stars-campaign: $(BUILD)/gift_campaign
	tests/with_servers.sh $(PYTHON) tests/stars/campaign_faults.py $(BUILD)/gift_campaign $(CAMPAIGN_RUNS)
