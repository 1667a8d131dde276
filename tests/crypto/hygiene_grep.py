#!/usr/bin/env python3
"""hygiene_grep.py SECRETS_FILE LOG...: every secret (one a line in SECRETS_FILE) must not appear in
any log, not even 8 characters of it in a row. Prints each log with a hit (counts only, never the
secret) and "N passed, N failed" over the logs."""
import sys

secrets = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
runs = set()
for s in secrets:
    runs.update(s[i:i + 8] for i in range(len(s) - 7))
passed = failed = 0
for path in sys.argv[2:]:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        continue
    hits = sum(text.count(r) for r in runs)
    if hits:
        failed += 1
        print("%s: %d occurrence(s) of 8-character runs of a token or key" % (path, hits))
    else:
        passed += 1
print("%d logs checked, %d secrets, %d 8-character runs" % (passed + failed, len(secrets), len(runs)))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
