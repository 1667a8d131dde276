#!/usr/bin/env python3
"""make bench-compile: how long a one-file program takes to compile against tgbot.h.

Each configuration is compiled ROUNDS times; the median wall time is printed, next to a baseline
program that includes only <stdio.h> compiled the same way (the machine's fixed cost), and the
ratio to the declarations-only build that every other file of a user's program pays."""
import os, statistics, subprocess, sys, tempfile, time

ROUNDS = 5
CC = os.environ.get("CC", "cc")
BEAR = ["-I/usr/include/bearssl"]
IMPL = '#define TGBOT_IMPLEMENTATION\n#include "tgbot.h"\nint main(void){return 0;}\n'
DECL = '#include "tgbot.h"\nint main(void){return 0;}\n'
BASE = '#include <stdio.h>\nint main(void){return 0;}\n'


def median_secs(src, flags):
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "p.c")
        with open(c, "w") as f:
            f.write(src)
        times = []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            subprocess.run([CC, "-std=c99", "-I.", *flags, "-c", c, "-o", os.path.join(d, "p.o")], check=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times)


def main():
    rows = [
        ("baseline: <stdio.h> only, -O2", BASE, ["-O2"]),
        ("tgbot.h declarations only, -O2", DECL, ["-O2"]),
        ("tgbot.h implementation, -O0", IMPL, ["-O0", *BEAR]),
        ("tgbot.h implementation, -O2", IMPL, ["-O2", *BEAR]),
        ("tgbot.h implementation, -O2, TGBOT_ENABLE_ALL", IMPL, ["-O2", "-DTGBOT_ENABLE_ALL", *BEAR]),
    ]
    res = {}
    print("%s, median of %d compiles each (%s)" % ("one-file program", ROUNDS, CC))
    for name, src, flags in rows:
        res[name] = median_secs(src, flags)
        print("  %-48s %7.3f s" % (name, res[name]))
    print("compile_impl_O2_seconds: %.2f" % res["tgbot.h implementation, -O2"])
    print("compile_decl_vs_baseline: %.2f" % (res["tgbot.h declarations only, -O2"] / res["baseline: <stdio.h> only, -O2"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
