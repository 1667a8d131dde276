#!/bin/sh
# The README's "A bot in a few lines" example compiles as it is shown (C99, strict warnings), so the
# README stays true. Prints "N passed, M failed".
set -u
dir=build/readme; mkdir -p "$dir"
python3 - "$dir/bot.c" <<'PY'
import sys
s = open("README.md", encoding="utf-8").read()
a = s.index("## A bot in a few lines"); b = s.index("```c\n", a) + 5; c = s.index("```", b)
open(sys.argv[1], "w").write('#define TGBOT_IMPLEMENTATION\n#include "tgbot.h"\n' + s[b:c])
PY
if cc -std=c99 -Wall -Wextra -Wpedantic -Werror -I. -I/usr/include/bearssl "$dir/bot.c" -o "$dir/bot" -lbearssl; then
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"; exit 1
fi
