#!/usr/bin/env python3
"""make bench-http: N sequential keep-alive POSTs of the same sendMessage-sized JSON body
(bench/send_message.json) to one nginx on loopback answering a fixed 351-byte Bot API response,
over HTTP and HTTPS, for tgbot.h (build/bench_http), a plain libcurl client with one reused easy
handle (build/bench_http_curl) and wrk -c1 -t1 (the ceiling for one connection). Rounds are
interleaved; the figures are medians. CPU per call is the client process's user+system time
(getrusage) divided by its calls. Env: BENCH_N (calls per round, default 30000), BENCH_ROUNDS (7),
BENCH_WRK_SECONDS (1)."""
import os, re, resource, shutil, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
N = int(os.environ.get('BENCH_N', '30000'))
ROUNDS = int(os.environ.get('BENCH_ROUNDS', '7'))
WRK_S = os.environ.get('BENCH_WRK_SECONDS', '1')
BODY = os.path.join(here, 'send_message.json')
os.environ['PATH'] += ':/usr/sbin'


def c_client(binary, url, ca):
    args = [os.path.join(root, 'build', binary), url, BODY, str(N)] + ([ca] if ca else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    m = re.search(r'calls_per_s ([\d.]+) cpu_us_per_call ([\d.]+)', out)
    return float(m.group(1)), float(m.group(2))


def children_cpu_us():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def wrk(url, ca):
    before = children_cpu_us()
    out = subprocess.run(['wrk', '-c1', '-t1', '-d' + WRK_S + 's', '-s', os.path.join(here, 'wrk_post.lua'), url],
                         check=True, capture_output=True, text=True, env=dict(os.environ, BENCH_BODY=BODY)).stdout
    cpu = children_cpu_us() - before
    if 'Non-2xx' in out or 'Socket errors' in out:
        sys.exit('bench-http: wrk saw errors:\n' + out)
    n = int(re.search(r'(\d+) requests in', out).group(1))
    rps = float(re.search(r'Requests/sec:\s*([\d.]+)', out).group(1))
    return rps, cpu / n


def main():
    for b in ('bench_http', 'bench_http_curl'):
        if not os.path.exists(os.path.join(root, 'build', b)):
            sys.exit('bench-http: build/%s is missing (run make bench-http)' % b)
    if not shutil.which('wrk') or not shutil.which('nginx'):
        sys.exit('bench-http: nginx and wrk are needed (make deps)')
    tmp = tempfile.mkdtemp(prefix='tgbot-bench-')
    ng = os.path.join(tmp, 'nginx')
    try:
        subprocess.run([os.path.join(root, 'tests', 'certs.sh'), os.path.join(tmp, 'certs')], check=True)
        ports = subprocess.run([os.path.join(root, 'tests', 'http', 'nginx.sh'), 'start', ng, os.path.join(tmp, 'certs')],
                               check=True, capture_output=True, text=True).stdout.split()
        ca = os.path.join(tmp, 'certs', 'ca.pem')
        urls = {'http': ('http://127.0.0.1:%s' % ports[0], None), 'https': ('https://localhost:%s' % ports[1], ca)}
        clients = [('tgbot', lambda u, c: c_client('bench_http', u, c)),
                   ('libcurl', lambda u, c: c_client('bench_http_curl', u, c)),
                   ('wrk', wrk)]
        res = {}
        print('bench-http: %d rounds; %d calls per round for tgbot.h and libcurl, %s s of wrk -c1 -t1; '
              'body %d bytes, answer 351 bytes' % (ROUNDS, N, WRK_S, os.path.getsize(BODY)))
        for _ in range(ROUNDS):
            for scheme, (url, c) in urls.items():
                for name, fn in clients:
                    res.setdefault((name, scheme), []).append(fn(url, c))
        med = {}
        for scheme in urls:
            for name, _ in clients:
                runs = res[(name, scheme)]
                rps = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                med[(name, scheme)] = (rps, cpu)
                print('%-8s %-5s %9.0f calls/s  %6.2f us CPU/call  (rounds: %s)' % (
                    name, scheme, rps, cpu, ' '.join('%.0f' % r[0] for r in runs)))
        print('https_vs_wrk: %.2f' % (med[('tgbot', 'https')][0] / med[('wrk', 'https')][0]))
        print('cpu_http_tgbot_vs_curl: %.2f' % (med[('tgbot', 'http')][1] / med[('libcurl', 'http')][1]))
        print('cpu_https_tgbot_vs_curl: %.2f' % (med[('tgbot', 'https')][1] / med[('libcurl', 'https')][1]))
        print('http_vs_wrk: %.2f' % (med[('tgbot', 'http')][0] / med[('wrk', 'http')][0]))
        print('http_vs_curl: %.2f' % (med[('tgbot', 'http')][0] / med[('libcurl', 'http')][0]))
        print('https_vs_curl: %.2f' % (med[('tgbot', 'https')][0] / med[('libcurl', 'https')][0]))
    finally:
        subprocess.run([os.path.join(root, 'tests', 'http', 'nginx.sh'), 'stop', ng])
        shutil.rmtree(tmp, ignore_errors=True)


main()
