#!/usr/bin/env python3
"""One public layout whatever the switches (issue 9).

For each configuration (no switch, every switch, each switch alone, each TLS backend) the public part
of tgbot.h is run through the preprocessor, every struct it defines is parsed, and a program printing
sizeof of each struct and offsetof of each member is built and run in that configuration. A struct
defined in two configurations must have the same members at the same offsets and the same size.
A struct that only exists with its module (cache.h's tg_cache_stats...) cannot be shared by two
files that disagree, so it is only checked where it exists.
Usage: layout.py CC BUILDDIR   (one line per configuration; "N passed, N failed" counts configurations)"""
import os, re, subprocess, sys

CONFIGS = [("none", []), ("all", ["-DTGBOT_ENABLE_ALL"])] + \
    [(s.lower(), ["-DTGBOT_ENABLE_" + s]) for s in ("CACHE", "RATELIMIT", "BREAKER", "ANALYTICS", "WEBHOOK", "ASYNC")] + \
    [("switches-off", ["-DTGBOT_ENABLE_CACHE=0", "-DTGBOT_ENABLE_ALL=0"]),
     ("mbedtls", ["-DTGBOT_TLS_MBEDTLS", "-DTGBOT_ENABLE_ALL"]), ("notls", ["-DTGBOT_TLS_NONE"])]

IDENT = re.compile(r"[A-Za-z_]\w*")


def split_top(s, sep):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def members(body):
    names = []
    for decl in split_top(body, ";"):
        decl = decl.strip()
        if not decl:
            continue
        if "}" in decl:                                   # a nested union/struct: its member name
            m = IDENT.findall(decl[decl.rindex("}") + 1:])
            names += m[:1]
            continue
        fp = re.search(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)", decl)
        if fp:                                            # a function pointer
            names.append(fp.group(1))
            continue
        for i, part in enumerate(split_top(decl, ",")):
            part = re.sub(r"\[[^\]]*\]", "", part)
            if ":" in part:                               # a bit-field: no offsetof
                continue
            ids = IDENT.findall(part)
            if ids:
                names.append(ids[-1])
    return names


def structs(text):
    """{name: [members]} for every struct body in preprocessed text"""
    out = {}
    for m in re.finditer(r"\bstruct\s+([A-Za-z_]\w*)\s*\{", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out[m.group(1)] = members(text[m.end():i - 1])
    return out


def main():
    cc, build = sys.argv[1], sys.argv[2]
    os.makedirs(build, exist_ok=True)
    results, failed, passed = {}, 0, 0
    for name, flags in CONFIGS:
        pre = subprocess.run([cc, "-E", "-P", "-std=c99", "-I.", "-I/usr/include/bearssl"] + flags + ["-x", "c", "tgbot.h"],
                             check=True, capture_output=True, text=True).stdout
        st = structs(pre)
        src = os.path.join(build, "layout_%s.c" % name)
        with open(src, "w") as f:
            f.write('#include <stdio.h>\n#include <stddef.h>\n#include "tgbot.h"\nint main(void) {\n')
            for s, ms in sorted(st.items()):
                f.write('    printf("%s size %%zu\\n", sizeof(struct %s));\n' % (s, s))
                for mb in ms:
                    f.write('    printf("%s.%s %%zu\\n", offsetof(struct %s, %s));\n' % (s, mb, s, mb))
            f.write("    return 0;\n}\n")
        exe = src[:-2]
        subprocess.run([cc, "-std=c99", "-w", "-I.", "-I/usr/include/bearssl"] + flags + [src, "-o", exe], check=True)
        lines = subprocess.run([exe], check=True, capture_output=True, text=True).stdout.splitlines()
        lay = {}
        for l in lines:
            key, val = l.rsplit(" ", 1)
            s = key.split(" ")[0].split(".")[0]
            lay.setdefault(s, []).append((key, val))
        results[name] = lay
        print("layout %-12s %4d structs, %5d members" % (name, len(lay), len(lines) - len(lay)))
    base, compared = results["none"], 0
    for name, lay in results.items():      # one check per configuration: all its shared structs agree
        if name == "none":
            continue
        bad = 0
        for s, rows in lay.items():
            if s not in base:
                continue
            compared += 1
            if rows != base[s]:
                bad += 1
                a, b = dict(base[s]), dict(rows)
                diff = sorted(set(a.items()) ^ set(b.items()))
                print("DIFFERS: struct %s between none and %s: %s" % (s, name, ", ".join("%s=%s" % d for d in diff[:6])))
        passed, failed = passed + (bad == 0), failed + (bad != 0)
    print("%d struct layouts compared with the configuration without switches" % compared)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


sys.exit(main())
