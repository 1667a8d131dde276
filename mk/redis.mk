# Store and Redis (issue: scale-out): the store's tests on a real redis-server, and the multi-worker
# test (4 webhook workers behind a round-robin forwarder, re-deliveries, a Redis restart).
TEST_STEPS += test-redis
.PHONY: test-redis
$(BUILD)/unit-redis: $(UNIT_DEPS)
	$(UNIT_CC) -DTGBOT_ENABLE_ALL -DTGBOT_ENABLE_REDIS $(TLS_CFLAGS_NONE) tests/all.c -o $@ -lhiredis -lm
$(BUILD)/scale_worker: tests/redis/worker.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $< -o $@ -lhiredis -lm
$(BUILD)/flood_sender: tests/redis/sender.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 $(CFLAGS_WARN) -I. $< -o $@ -lhiredis -lm
test-redis: $(BUILD)/unit-redis $(BUILD)/scale_worker $(BUILD)/flood_sender
	@tests/redis/with_redis.sh tests/with_servers.sh $(BUILD)/unit-redis store_ > $(BUILD)/test-redis-unit.log 2>&1; \
	  rc=$$?; cat $(BUILD)/test-redis-unit.log | grep -E "FAIL|CHECK|skipped:" ; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/test-redis-unit.log | tail -n 1); \
	  up=$${line%% passed*}; uf=$${line#*, }; uf=$${uf%% failed*}; [ -n "$$line" ] || { up=0; uf=1; }; \
	  [ $$rc -eq 0 ] || [ "$$uf" -ne 0 ] || uf=1; \
	  tests/redis/with_redis.sh $(PYTHON) tests/redis/test_scale.py $(BUILD)/scale_worker > $(BUILD)/test-redis-scale.log 2>&1; \
	  rc2=$$?; grep -vE '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/test-redis-scale.log; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/test-redis-scale.log | tail -n 1); \
	  sp=$${line%% passed*}; sf=$${line#*, }; sf=$${sf%% failed*}; [ -n "$$line" ] || { sp=0; sf=1; }; \
	  [ $$rc2 -eq 0 ] || [ "$$sf" -ne 0 ] || sf=1; \
	  tests/redis/with_redis.sh $(PYTHON) tests/redis/test_flood_shared.py $(BUILD)/flood_sender > $(BUILD)/test-redis-flood.log 2>&1; \
	  rc3=$$?; grep -vE '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/test-redis-flood.log; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $(BUILD)/test-redis-flood.log | tail -n 1); \
	  fp=$${line%% passed*}; ff=$${line#*, }; ff=$${ff%% failed*}; [ -n "$$line" ] || { fp=0; ff=1; }; \
	  [ $$rc3 -eq 0 ] || [ "$$ff" -ne 0 ] || ff=1; \
	  echo "$$((up + sp + fp)) passed, $$((uf + sf + ff)) failed"; [ $$((uf + sf + ff)) -eq 0 ]

# make bench-redis: limiter admits and store get/set through Redis against redis-benchmark
.PHONY: bench-redis
$(BUILD)/bench_redis: bench/bench_redis.c tgbot.h | $(BUILD)
	$(CC) -std=c99 -O2 -I. $< -o $@ -lhiredis -lm
bench-redis: deps $(BUILD)/bench_redis
	@tests/redis/with_redis.sh bench/bench_redis.sh $(BUILD)/bench_redis
