#!/bin/sh
# deps.sh [--list] demo|test: installs the Debian packages a make target needs when they are missing
# (as root), otherwise prints the exact command to run and fails.
set -u
DEMO="gcc make python3 libbearssl-dev"
TEST="$DEMO clang g++ binutils openssl curl libmbedtls-dev nginx tinyproxy microsocks wrk valgrind libcurl4-openssl-dev libjsmn-dev libcjson-dev libclang-rt-14-dev locales prometheus"
TEST="$TEST python3-cryptography"            # crypto: test-time signatures and seals from an independent implementation
TEST="$TEST libhiredis-dev redis-server"     # store: Redis back-end and its tests
TEST="$TEST cmake pkgconf musl-tools"        # packaging: consumers, musl static build
# 32-bit and cross targets (mk/cross.mk). gcc-multilib and gcc-arm-linux-gnueabihf conflict in Debian;
# gcc-12-multilib and the gcc-12-* cross compilers do not (tests/cross.sh supplies gcc-multilib's asm link)
TEST="$TEST gcc-12-multilib gcc-12-arm-linux-gnueabihf libc6-dev-armhf-cross gcc-12-s390x-linux-gnu libc6-dev-s390x-cross qemu-user-static"
TEST="$TEST nodejs"                          # bench-async: the Node client (built-in fetch/undici, node:http)
TEST="$TEST gcc-mingw-w64-x86-64 wine64"     # platform: Windows cross-build, run under wine
list=0; [ "${1:-}" = "--list" ] && { list=1; shift; }
case "${1:-test}" in demo) want=$DEMO;; *) want=$TEST;; esac
[ $list -eq 1 ] && { echo $want; exit 0; }
command -v dpkg-query >/dev/null 2>&1 || { echo "deps: not a Debian system; install the equivalents of: $want"; exit 0; }
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# the JSON locale test needs a locale whose decimal point is a comma
need_locale=0
if [ "${1:-test}" != demo ] && ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then need_locale=1; fi
make_locale() {
    [ $need_locale -eq 1 ] || return 0
    if [ "$(id -u)" -eq 0 ]; then localedef -i de_DE -f UTF-8 de_DE.UTF-8 2>/dev/null || echo "deps: could not create the de_DE.UTF-8 locale"
    else echo "deps: for the locale test run: sudo localedef -i de_DE -f UTF-8 de_DE.UTF-8"; fi
}
[ -z "$missing" ] && { make_locale; exit 0; }
if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "deps: apt-get install failed for:$missing"; exit 1; }
    make_locale
else
    echo "deps: missing packages. Run:"
    echo "    sudo apt-get update && sudo apt-get install -y$missing"
    exit 1
fi
