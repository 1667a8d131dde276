# The generated Bot API: regenerate, check that the committed output is current, coverage.
API_SPEC ?= ../shared/botapi/api.json
.PHONY: gen check-gen api-coverage
ifneq ($(wildcard $(API_SPEC)),)
TEST_STEPS += check-gen api-coverage
endif

gen:
	$(PYTHON) tools/gen_api.py --spec $(API_SPEC)
	./amalgamate

check-gen:
	@rm -rf $(BUILD)/gen-check && mkdir -p $(BUILD)/gen-check
	@$(PYTHON) tools/gen_api.py --spec $(API_SPEC) --out $(BUILD)/gen-check
	@for f in src/gen/api.h src/gen/api.c tests/gen/api_cases.h; do \
	  cmp -s $$f $(BUILD)/gen-check/$$f || { echo "check-gen: $$f differs from tools/gen_api.py output; run make gen"; exit 1; }; done
	@echo "check-gen: generated files match the spec"

# counts the methods and types the API tests actually exercised (each writes a line when it passes)
api-coverage: $(BUILD)/unit
	@rm -f $(BUILD)/api-coverage.txt
	@TG_API_COVERAGE=$(CURDIR)/$(BUILD)/api-coverage.txt tests/with_servers.sh $(BUILD)/unit api_ >$(BUILD)/api-coverage.log 2>&1 || { tail -n 20 $(BUILD)/api-coverage.log; exit 1; }
	@$(PYTHON) -c 'import json,sys; s=json.load(open("$(API_SPEC)")); \
	  seen=set(l.strip() for l in open("$(BUILD)/api-coverage.txt")); \
	  m=len([x for x in seen if x.startswith("method ")]); t=len([x for x in seen if x.startswith("type ")]); \
	  print("methods: %d/%d" % (m, len(s["methods"]))); print("types: %d/%d" % (t, len(s["types"]))); \
	  sys.exit(0 if m == len(s["methods"]) else 1)'

# compile time of a one-file program against tgbot.h (median of several compiles)
.PHONY: bench-compile
bench-compile: deps tgbot.h
	@$(PYTHON) bench/bench_compile.py
