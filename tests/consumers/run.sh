#!/bin/sh
# Outside projects using tgbot the three ways a user would: pkg-config against a `make install`
# prefix, CMake find_package against a `cmake --install` prefix, and CMake FetchContent of this
# checkout (no network). Each builds tests/consumers/app/main.c with strict warnings and runs it.
# Prints "N passed, M failed".
set -u
root=$(pwd); out=$root/build/consumers
passed=0; failed=0
ok()  { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 25 "$2" | sed 's/^/    | /'; }
# check NAME LOG COMMAND...: one counted check whose output goes to LOG
check() { n=$1; log=$2; shift 2; if "$@" >"$log" 2>&1; then ok "$n"; else bad "$n" "$log"; fi; }
for tool in cmake pkg-config cc; do
    command -v $tool >/dev/null 2>&1 || { echo "consumers: skipped: $tool is not installed (tests/deps.sh test installs it)"; echo "0 passed, 0 failed"; exit 0; }
done
rm -rf "$out"; mkdir -p "$out"
ver=$(sed -n 's/^#define TGBOT_VERSION_STRING "\(.*\)"/\1/p' tgbot.h)
# one version everywhere: the header, CHANGELOG.md's newest entry (and below: pkg-config, CMake)
clver=$(sed -n 's/^## \[\([0-9][0-9.]*\)\].*/\1/p' CHANGELOG.md | head -n 1)
if [ "$clver" = "$ver" ]; then ok changelog_version; else bad "changelog_version (CHANGELOG.md '$clver', header '$ver')"; fi
manver=$(sed -n 's/^\.TH TGBOT 3 "[^"]*" "tgbot.h \([0-9.]*\)".*/\1/p' doc/tgbot.3)
if [ "$manver" = "$ver" ]; then ok manpage_version; else bad "manpage_version (doc/tgbot.3 '$manver', header '$ver')"; fi
if command -v groff >/dev/null 2>&1; then
    check manpage_renders_without_warnings "$out/groff.log" sh -c "groff -man -ww -z doc/tgbot.3 2>&1 | tee /dev/stderr | grep -q . && exit 1 || exit 0"
else echo "consumers: man page lint skipped: groff is not installed"; fi
WARN="-std=c99 -Wall -Wextra -Wpedantic -Werror"
runs_as() { out_line=$("$1" 2>&1); [ "$out_line" = "$2" ] || { echo "got: $out_line"; echo "want: $2"; return 1; }; }

# ---- pkg-config against `make install PREFIX=...` ----
pm=$out/prefix-make
check make_install "$out/make-install.log" ${MAKE:-make} --no-print-directory -s install PREFIX="$pm"
check make_install_files "$out/make-install.log" test -f "$pm/include/tgbot.h" -a -f "$pm/share/pkgconfig/tgbot.pc" -a -f "$pm/share/man/man3/tgbot.3"
check make_install_tgcall "$out/make-install.log" test -x "$pm/bin/tgcall" -a -f "$pm/share/man/man1/tgcall.1"
check make_tgcall_runs "$out/make-tgcall.log" sh -c "'$pm/bin/tgcall' --version | grep -qx 'tgcall $ver'"
# PKG_CONFIG_LIBDIR replaces the default search path: only this prefix's tgbot.pc can be found
pcver=$(PKG_CONFIG_LIBDIR="$pm/share/pkgconfig" pkg-config --modversion tgbot 2>&1)
if [ "$pcver" = "$ver" ]; then ok pkgconfig_modversion; else bad "pkgconfig_modversion (got '$pcver', header says '$ver')"; fi
flags=$(PKG_CONFIG_LIBDIR="$pm/share/pkgconfig" pkg-config --cflags --libs tgbot)
echo "pkg-config --cflags --libs tgbot: $flags"
# the .pc flags alone (no -I. and no hand-written TLS flags) build and link the one-file program
check pkgconfig_build "$out/pc-build.log" sh -c "cc $WARN tests/consumers/app/main.c $flags -o '$out/app-pc'"
check pkgconfig_run "$out/pc-run.log" runs_as "$out/app-pc" "tgbot $ver tls=bearssl switches="
check make_uninstall "$out/make-uninstall.log" ${MAKE:-make} --no-print-directory -s uninstall PREFIX="$pm"
left=$(find "$pm" -type f | wc -l)
if [ "$left" -eq 0 ]; then ok make_uninstall_removes_all; else bad "make_uninstall_removes_all ($left files left)"; find "$pm" -type f; fi

# ---- CMake: cmake --install, then find_package from an outside project ----
pcm=$out/prefix-cmake
check cmake_configure "$out/cmake-configure.log" cmake -S . -B "$out/lib-build" -DCMAKE_INSTALL_PREFIX="$pcm"
check cmake_install "$out/cmake-install.log" sh -c "cmake --build '$out/lib-build' && cmake --install '$out/lib-build'"
check cmake_install_files "$out/cmake-install.log" test -f "$pcm/include/tgbot.h" -a -f "$pcm/share/pkgconfig/tgbot.pc" \
    -a -f "$pcm/share/cmake/tgbot/tgbotConfig.cmake" -a -f "$pcm/share/man/man3/tgbot.3"
check cmake_install_tgcall "$out/cmake-install.log" test -x "$pcm/bin/tgcall" -a -f "$pcm/share/man/man1/tgcall.1"
flags=$(PKG_CONFIG_LIBDIR="$pcm/share/pkgconfig" pkg-config --cflags --libs tgbot)
check cmake_pc_build "$out/cmake-pc-build.log" sh -c "cc $WARN tests/consumers/app/main.c $flags -o '$out/app-cmake-pc'"
# the version file rejects a request for another minor version (0.x: minors may break the API)
mkdir -p "$out/fp-wrong"
sed -e "s/find_package(tgbot 0.1 REQUIRED)/find_package(tgbot 0.99 REQUIRED)/" -e "s|\${CMAKE_CURRENT_LIST_DIR}/..|$root/tests/consumers|" \
    tests/consumers/find_package/CMakeLists.txt > "$out/fp-wrong/CMakeLists.txt"
if ! cmake -S "$out/fp-wrong" -B "$out/fp-wrong/b" -DCMAKE_PREFIX_PATH="$pcm" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$out/fp-wrong.log" 2>&1 \
    && grep -q "version: $ver" "$out/fp-wrong.log"; then ok find_package_rejects_other_version
else bad "find_package_rejects_other_version (0.99 was not refused for the version)" "$out/fp-wrong.log"; fi
check find_package_configure "$out/fp-configure.log" cmake -S tests/consumers/find_package -B "$out/fp" \
    -DCMAKE_PREFIX_PATH="$pcm" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror"
check find_package_from_prefix "$out/fp-configure.log" grep -q "^tgbot_DIR:PATH=$pcm/share/cmake/tgbot$" "$out/fp/CMakeCache.txt"
check find_package_build "$out/fp-build.log" cmake --build "$out/fp"
check find_package_run "$out/fp-run.log" runs_as "$out/fp/app" "tgbot $ver tls=bearssl switches="

# ---- the chosen backend and switches reach tgbot.pc: mbedTLS + cache, through pkg-config ----
pmb=$out/prefix-mbedtls
check cmake_mbedtls_install "$out/cmake-mbedtls.log" sh -c "cmake -S . -B '$out/lib-mbedtls' -DTGBOT_TLS=MBEDTLS \
    -DTGBOT_ENABLE_CACHE=ON -DCMAKE_INSTALL_PREFIX='$pmb' && cmake --build '$out/lib-mbedtls' && cmake --install '$out/lib-mbedtls'"
flags=$(PKG_CONFIG_LIBDIR="$pmb/share/pkgconfig" pkg-config --cflags --libs tgbot)
echo "pkg-config --cflags --libs tgbot (mbedTLS + cache): $flags"
check cmake_mbedtls_pc_build "$out/mbedtls-pc-build.log" sh -c "cc $WARN tests/consumers/app/main.c $flags -o '$out/app-mbedtls-pc'"
check cmake_mbedtls_pc_run "$out/mbedtls-pc-run.log" runs_as "$out/app-mbedtls-pc" "tgbot $ver tls=mbedtls switches=,cache"

# ---- CMake FetchContent of this checkout, choosing mbedTLS and the webhook module ----
check fetchcontent_configure "$out/fc-configure.log" cmake -S tests/consumers/fetchcontent -B "$out/fc" \
    -DTGBOT_SOURCE="$root" -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror"
check fetchcontent_build "$out/fc-build.log" cmake --build "$out/fc"
check fetchcontent_run "$out/fc-run.log" runs_as "$out/fc/app" "tgbot $ver tls=mbedtls switches=webhook"
# a project that embeds tgbot does not install tgbot's files with its own
check fetchcontent_installs_nothing "$out/fc-install.log" sh -c "cmake --install '$out/fc' --prefix '$out/fc-prefix' && test ! -e '$out/fc-prefix/include/tgbot.h'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
