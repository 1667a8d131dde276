#!/usr/bin/env python3
"""make bench-http-before: the blocking HTTP client of this tree (build/bench_http) against the same
program built from tgbot.h at ASYNC_BEFORE (build/bench_http_before: the tree before the async
engine), over plain HTTP to the nginx fake of bench-http, rounds interleaved, medians. Prints
blocking_vs_before (calls/s, this tree over before; >= 0.95 means no loss beyond noise).
Env: BENCH_N (20000), BENCH_ROUNDS (5)."""
import os, re, shutil, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
N = os.environ.get('BENCH_N', '20000')
ROUNDS = int(os.environ.get('BENCH_ROUNDS', '5'))
BODY = os.path.join(here, 'send_message.json')
os.environ['PATH'] += ':/usr/sbin'


def run(binary, url):
    out = subprocess.run([os.path.join(root, 'build', binary), url, BODY, N], check=True, capture_output=True, text=True).stdout
    m = re.search(r'calls_per_s ([\d.]+) cpu_us_per_call ([\d.]+)', out)
    return float(m.group(1)), float(m.group(2))


def main():
    tmp = tempfile.mkdtemp(prefix='tgbot-bench-before-')
    ng = os.path.join(tmp, 'nginx')
    try:
        subprocess.run([os.path.join(root, 'tests', 'certs.sh'), os.path.join(tmp, 'certs')], check=True, capture_output=True)
        ports = subprocess.run([os.path.join(root, 'tests', 'http', 'nginx.sh'), 'start', ng, os.path.join(tmp, 'certs')],
                               check=True, capture_output=True, text=True).stdout.split()
        url = 'http://127.0.0.1:%s' % ports[0]
        res = {'now': [], 'before': []}
        for _ in range(ROUNDS):
            res['now'].append(run('bench_http', url))
            res['before'].append(run('bench_http_before', url))
        med = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v)) for k, v in res.items()}
        for k in ('now', 'before'):
            print('%-7s %9.0f calls/s  %6.2f us CPU/call  (rounds: %s)' % (k, med[k][0], med[k][1],
                  ' '.join('%.0f' % r[0] for r in res[k])))
        print('blocking_vs_before: %.2f' % (med['now'][0] / med['before'][0]))
        print('blocking_cpu_vs_before: %.2f' % (med['now'][1] / med['before'][1]))
    finally:
        subprocess.run([os.path.join(root, 'tests', 'http', 'nginx.sh'), 'stop', ng])
        shutil.rmtree(tmp, ignore_errors=True)


main()
