# make install PREFIX=/usr/local [DESTDIR=...] [TLS_BACKEND=BEARSSL|MBEDTLS|NONE]: the header, tgbot.pc
# (flags of that TLS backend), the man pages and tgcall; `make uninstall` removes exactly those files.
# `cmake --install` installs the same files plus the CMake package (share/cmake/tgbot).
PREFIX      ?= /usr/local
TLS_BACKEND ?= BEARSSL
INSTALL_FILES := include/tgbot.h share/pkgconfig/tgbot.pc share/man/man3/tgbot.3 bin/tgcall share/man/man1/tgcall.1
.PHONY: install uninstall

$(BUILD)/tgbot.pc: tgbot.pc.in tgbot.h | $(BUILD)
	@ver=$$(sed -n 's/^#define TGBOT_VERSION_STRING "\(.*\)"/\1/p' tgbot.h); \
	sed -e 's|@PC_PREFIX@|$(PREFIX)|' -e "s|@PC_VERSION@|$$ver|" -e 's|@PC_CFLAGS@|$(TLS_CFLAGS_$(TLS_BACKEND))|' \
	    -e 's|@PC_LIBS@|$(TLS_LIBS_$(TLS_BACKEND))|' -e 's| *$$||' tgbot.pc.in > $@
install: tgbot.h $(BUILD)/tgcall
	@case "$(TLS_BACKEND)" in BEARSSL|MBEDTLS|NONE) ;; *) echo "TLS_BACKEND must be BEARSSL, MBEDTLS or NONE"; exit 1;; esac
	@rm -f $(BUILD)/tgbot.pc && $(MAKE) --no-print-directory -s $(BUILD)/tgbot.pc
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 tgbot.h $(DESTDIR)$(PREFIX)/include/tgbot.h
	install -m 644 $(BUILD)/tgbot.pc $(DESTDIR)$(PREFIX)/share/pkgconfig/tgbot.pc
	install -m 644 doc/tgbot.3 $(DESTDIR)$(PREFIX)/share/man/man3/tgbot.3
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/tgcall $(DESTDIR)$(PREFIX)/bin/tgcall
	install -m 644 doc/tgcall.1 $(DESTDIR)$(PREFIX)/share/man/man1/tgcall.1
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALL_FILES))

# outside consumer projects: pkg-config, CMake find_package, CMake FetchContent (tests/consumers/)
TEST_STEPS += consumers
.PHONY: consumers
consumers: tgbot.h
	tests/consumers/run.sh
