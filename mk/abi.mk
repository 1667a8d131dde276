# One public layout whatever the switches (issue 9): layout.py compares sizeof/offsetof of every
# public struct across configurations; abi-link links a file built with every switch and the
# implementation against one built with none, under AddressSanitizer.
TEST_STEPS += abi
.PHONY: abi abi-layout abi-link
ABI_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/abi/user: tgbot.h tests/abi/impl.c tests/abi/user.c | $(BUILD)
	@mkdir -p $(BUILD)/abi
	$(CLANG) -std=c99 -g -O1 $(ABI_SAN) $(CFLAGS_WARN) -I. $(TLS_CFLAGS_BEARSSL) -c tests/abi/impl.c -o $(BUILD)/abi/impl.o
	$(CLANG) -std=c99 -g -O1 $(ABI_SAN) $(CFLAGS_WARN) -I. -c tests/abi/user.c -o $(BUILD)/abi/user.o
	$(CLANG) $(ABI_SAN) $(BUILD)/abi/impl.o $(BUILD)/abi/user.o -o $@ $(TLS_LIBS_BEARSSL) -lm
abi-layout: tgbot.h
	$(PYTHON) tests/abi/layout.py $(CC) $(BUILD)/abi
abi-link: $(BUILD)/abi/user
	$(BUILD)/abi/user
# one summary line for tests/run_steps.sh: the layout comparisons plus the link test's checks
abi: tgbot.h $(BUILD)/abi/user
	@$(PYTHON) tests/abi/layout.py $(CC) $(BUILD)/abi > $(BUILD)/abi/layout.log; l=$$?; cat $(BUILD)/abi/layout.log; \
	 $(BUILD)/abi/user > $(BUILD)/abi/link.log 2>&1; k=$$?; cat $(BUILD)/abi/link.log; \
	 set -- $$(tail -n1 $(BUILD)/abi/layout.log) $$(tail -n1 $(BUILD)/abi/link.log); \
	 echo "$$(($$1 + $$5)) passed, $$(($$3 + $$7)) failed"; [ $$l -eq 0 ] && [ $$k -eq 0 ]
