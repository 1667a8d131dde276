#!/bin/sh
# Cross-builds BearSSL for mingw-w64 from Debian's source package (bearssl, the source of
# libbearssl-dev) into build/win/bearssl/libbearssl.a, for the TLS half of make test-windows.
# apt-get reads a private deb-src list into build/ (the system's apt configuration is untouched).
# Prints the library path on success; exits 1 (with the reason) when it cannot.
set -u
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}; AR=${MINGW_AR:-x86_64-w64-mingw32-ar}
d=$root/build/win/bearssl
[ -f "$d/libbearssl.a" ] && { echo "$d/libbearssl.a"; exit 0; }
mkdir -p "$d/apt/lists/partial" "$d/obj"
echo "deb-src http://deb.debian.org/debian bookworm main" > "$d/apt/src.list"
O="-o Dir::Etc::SourceList=$d/apt/src.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$d/apt/lists -o Dir::Cache::archives=$d/apt"
(apt-get $O update && cd "$d/apt" && apt-get $O source --download-only bearssl) > "$d/apt.log" 2>&1 ||
    { echo "bearssl: could not fetch Debian's source package (see $d/apt.log)" >&2; exit 1; }
rm -rf "$d/src" && mkdir -p "$d/src" && tar xf "$d"/apt/bearssl_*.orig.tar.* -C "$d/src" --strip-components=1 ||
    { echo "bearssl: could not unpack the source" >&2; exit 1; }
# every library source, compiled as BearSSL's own build does (-Iinc -Isrc), two at a time
(cd "$d/src" && find src -name '*.c' | sort | xargs -P 2 -I{} sh -c \
    'o="$1/obj/$(echo "$2" | tr / _ | sed "s/\.c$/.o/")"; '"$CC"' -O2 -Iinc -Isrc -c "$2" -o "$o" || exit 255' _ "$d" {}) ||
    { echo "bearssl: cross-compilation failed" >&2; exit 1; }
rm -f "$d/libbearssl.a" && $AR rcs "$d/libbearssl.a" "$d"/obj/*.o || exit 1
echo "$d/libbearssl.a"
