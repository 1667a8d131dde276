#!/usr/bin/env python3
"""make bench-async: sendMessage with 64 requests in flight against the nginx fake of bench-http
(plain HTTP on loopback, a fixed 351-byte answer): tgbot.h's async engine (build/bench_async, the
whole pipeline: encode, stages, pool of 64 connections, envelope decode), wrk -c64 -t1 (the
ceiling: no JSON at all) and Node's built-in fetch/undici with 64 concurrent requests. Rounds are
interleaved; figures are medians. Env: BENCH_N (calls per round, 20000), BENCH_ROUNDS (5),
BENCH_WRK_SECONDS (1), BENCH_INFLIGHT (64). Node runs twice: fetch (undici, as the issue asks) and
node:http with a keep-alive Agent; async_vs_node is against the faster of the two."""
import os, re, resource, shutil, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
N = int(os.environ.get('BENCH_N', '20000'))
ROUNDS = int(os.environ.get('BENCH_ROUNDS', '5'))
WRK_S = os.environ.get('BENCH_WRK_SECONDS', '1')
C = int(os.environ.get('BENCH_INFLIGHT', '64'))
BODY = os.path.join(here, 'send_message.json')
os.environ['PATH'] += ':/usr/sbin'


def parse(out):
    m = re.search(r'calls_per_s ([\d.]+) cpu_us_per_call ([\d.]+)', out)
    return float(m.group(1)), float(m.group(2))


def tgbot(url):
    return parse(subprocess.run([os.path.join(root, 'build', 'bench_async'), url, str(N), str(C)],
                                check=True, capture_output=True, text=True).stdout)


def node(mode):
    def run(url):
        return parse(subprocess.run(['node', os.path.join(here, 'bench_async_node.mjs'), url, str(N), str(C), BODY, mode],
                                    check=True, capture_output=True, text=True).stdout)
    return run


def wrk(url):
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = (ru.ru_utime + ru.ru_stime) * 1e6
    out = subprocess.run(['wrk', '-c%d' % C, '-t1', '-d' + WRK_S + 's', '-s', os.path.join(here, 'wrk_post.lua'), url],
                         check=True, capture_output=True, text=True, env=dict(os.environ, BENCH_BODY=BODY)).stdout
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    if 'Non-2xx' in out or 'Socket errors' in out:
        sys.exit('bench-async: wrk saw errors:\n' + out)
    n = int(re.search(r'(\d+) requests in', out).group(1))
    return float(re.search(r'Requests/sec:\s*([\d.]+)', out).group(1)), ((ru.ru_utime + ru.ru_stime) * 1e6 - before) / n


def main():
    if not os.path.exists(os.path.join(root, 'build', 'bench_async')):
        sys.exit('bench-async: build/bench_async is missing (run make bench-async)')
    for tool in ('wrk', 'nginx', 'node'):
        if not shutil.which(tool):
            sys.exit('bench-async: %s is needed (make deps)' % tool)
    tmp = tempfile.mkdtemp(prefix='tgbot-bench-async-')
    ng = os.path.join(tmp, 'nginx')
    try:
        subprocess.run([os.path.join(root, 'tests', 'certs.sh'), os.path.join(tmp, 'certs')], check=True,
                       capture_output=True)
        ports = subprocess.run([os.path.join(root, 'tests', 'http', 'nginx.sh'), 'start', ng, os.path.join(tmp, 'certs')],
                               check=True, capture_output=True, text=True).stdout.split()
        url = 'http://127.0.0.1:%s' % ports[0]
        clients = [('tgbot', tgbot), ('wrk', wrk), ('node_fetch', node('fetch')), ('node_http', node('http'))]
        res = {}
        print('bench-async: %d rounds; %d sendMessage calls per round, %d in flight; %s s of wrk -c%d -t1'
              % (ROUNDS, N, C, WRK_S, C))
        for _ in range(ROUNDS):
            for name, fn in clients:
                res.setdefault(name, []).append(fn(url))
        med = {}
        for name, _ in clients:
            runs = res[name]
            med[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
            print('%-10s %9.0f calls/s  %6.2f us CPU/call  (rounds: %s)' % (
                name, med[name][0], med[name][1], ' '.join('%.0f' % r[0] for r in runs)))
        print('async_vs_wrk_c%d: %.2f' % (C, med['tgbot'][0] / med['wrk'][0]))
        best = max(('node_fetch', 'node_http'), key=lambda k: med[k][0])   # against the faster Node client
        print('async_vs_node: %.2f  (vs %s; vs fetch/undici %.2f)' % (med['tgbot'][0] / med[best][0], best,
                                                                       med['tgbot'][0] / med['node_fetch'][0]))
        print('async_cpu_us_per_call: %.2f' % med['tgbot'][1])
        print('node_cpu_us_per_call: %.2f (%s)' % (med[best][1], best))
    finally:
        subprocess.run([os.path.join(root, 'tests', 'http', 'nginx.sh'), 'stop', ng])
        shutil.rmtree(tmp, ignore_errors=True)


main()
