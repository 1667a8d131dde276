# The generated Bot API. The committed schema (src/gen/botapi-schema.json) is what everything reads;
# a spec under ../shared/botapi is only the input of `make gen` (default: the newest api-X.Y.json).
API_SPEC ?= $(shell ls ../shared/botapi/api-[0-9]*.json 2>/dev/null | sort -V | tail -n 1)
API_SCHEMA := src/gen/botapi-schema.json
API_GEN_OUT := src/gen/api_types.h src/gen/api.h src/gen/api.c tests/gen/api_cases.h docs/API.md
.PHONY: gen check-gen api-coverage spec-check clone-check gen-selftest
TEST_STEPS += check-gen gen-selftest spec-check api-coverage clone-check

gen:
	@test -n "$(or $(SPEC),$(API_SPEC))" || { echo "gen: no spec: make gen SPEC=path/to/api.json"; exit 1; }
	$(PYTHON) tools/gen_api.py --spec $(or $(SPEC),$(API_SPEC))
	./amalgamate

# the committed output must be what the committed schema generates; with the spec at hand, the
# committed schema must also be what the spec gives
check-gen:
	@rm -rf $(BUILD)/gen-check && mkdir -p $(BUILD)/gen-check
	@$(PYTHON) tools/gen_api.py --out $(BUILD)/gen-check
	@for f in $(API_GEN_OUT); do \
	  cmp -s $$f $(BUILD)/gen-check/$$f || { echo "check-gen: $$f differs from what $(API_SCHEMA) generates; run make gen"; exit 1; }; done
	@echo "check-gen: generated files match $(API_SCHEMA)"
	@if [ -n "$(API_SPEC)" ] && [ -f "$(API_SPEC)" ]; then \
	  rm -rf $(BUILD)/gen-check2 && mkdir -p $(BUILD)/gen-check2 && \
	  $(PYTHON) tools/gen_api.py --spec $(API_SPEC) --out $(BUILD)/gen-check2 && \
	  for f in $(API_SCHEMA) $(API_GEN_OUT); do \
	    cmp -s $$f $(BUILD)/gen-check2/$$f || { echo "check-gen: $$f differs from what $(API_SPEC) gives; run make gen"; exit 1; }; done && \
	  echo "check-gen: $(API_SCHEMA) matches $(API_SPEC)"; \
	else echo "check-gen: no spec under ../shared/botapi: checked against the committed schema only"; fi

# the generator refuses what it cannot represent or classify
gen-selftest:
	@tests/test_gen_tool.sh

# an independent reader of the spec: discriminators, method classes, update kinds, README's counts
spec-check:
	@$(PYTHON) tests/spec_check.py $(API_SPEC)

# counts the methods and types the API tests actually exercised (each writes a line when it passes)
api-coverage: $(BUILD)/unit
	@rm -f $(BUILD)/api-coverage.txt
	@TG_API_COVERAGE=$(CURDIR)/$(BUILD)/api-coverage.txt tests/with_servers.sh $(BUILD)/unit api_ >$(BUILD)/api-coverage.log 2>&1 || { tail -n 20 $(BUILD)/api-coverage.log; exit 1; }
	@$(PYTHON) -c 'import json,sys; s=json.load(open("$(API_SCHEMA)")); \
	  seen=set(l.strip() for l in open("$(BUILD)/api-coverage.txt")); \
	  m=len([x for x in seen if x.startswith("method ")]); t=len([x for x in seen if x.startswith("type ")]); \
	  print("methods: %d/%d" % (m, len(s["methods"]))); print("types: %d/%d" % (t, len(s["types"]))); \
	  sys.exit(0 if m == len(s["methods"]) and t == len(s["types"]) else 1)'

# the project carries what it needs: a clone with no ../shared builds, runs the demo and a fast subset
clone-check:
	@tests/clone_check.sh

# compile time of a one-file program against tgbot.h (median of several compiles)
.PHONY: bench-compile
bench-compile: deps tgbot.h
	@$(PYTHON) bench/bench_compile.py

# the unit programs include the generated test data
$(BUILD)/unit $(BUILD)/unit-all $(BUILD)/unit-mbedtls $(BUILD)/unit-notls $(BUILD)/unit-asan: tests/gen/api_cases.h tests/gen/spec_cases.h

# what the generated API costs: binary size, relocations, header size, compile time (vs the base)
.PHONY: size
size: tgbot.h
	@tests/size.sh
