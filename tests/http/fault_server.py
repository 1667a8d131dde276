#!/usr/bin/env python3
"""Byte-exact misbehaving HTTP server for the client's fault tests. The request path picks the fault:
  /ok /chunked (with trailers) /interim (100 + 103 before 200) /reset_before /mid_headers /mid_body
  /reset_mid_headers /reset_mid_body (RST after part of the answer)
  /trunc_chunked /bad_chunk /big_headers /garbage /never /close_idle (answers as keep-alive, then
  closes) /big (1 MiB body) /until_close (no length: body ends at close); every path under /hang/
  (a bot with base URL .../hang) is read and never answered
Bot API paths /<mode>-<tag>/bot<token>/<method> (a bot whose base URL ends in /<mode>-<tag>) answer
every method with the mode's fault, and the server counts the requests of each <mode>-<tag>
(GET /_count/<mode>-<tag> answers the number). Modes (the answers a non-idempotent call cannot
take as proof of anything, and two that are proof):
  ok           a well-formed {"ok":true,...}
  e403         {"ok":false,"error_code":403} with HTTP 403 (Telegram refused it: definitive)
  e500         {"ok":false,"error_code":500} with HTTP 500 (a JSON error from the server side)
  p502         a proxy's HTML page with HTTP 502
  html200      an HTML page with HTTP 200 (a captive portal)
  cut200       HTTP 200 without a length, the JSON body cut, then close
  bad200       HTTP 200 with a length, a body that is not valid JSON
With --tls CERT KEY TLSPORTFILE it also listens for TLS (handshake by Python's ssl module on
memory buffers, so raw bytes can follow it) and serves the same paths there, plus:
  tlsgarbage   reads the whole request, then sends a TLS record that does not decrypt
  tlsalert     reads the whole request, then sends an unencrypted fatal alert record
Usage: fault_server.py PORTFILE [--tls CERT KEY TLSPORTFILE]"""
import os, socket, ssl, sys, threading

COUNTS, COUNT_LOCK = {}, threading.Lock()

class Recv:
    """recv() over a plain socket or a TLS object on memory buffers"""
    def __init__(self, c, tls=None, inc=None, out=None):
        self.c, self.tls, self.inc, self.out = c, tls, inc, out
    def flush(self):
        if self.out is not None:
            data = self.out.read()
            if data:
                self.c.sendall(data)
    def recv(self, n):
        if self.tls is None:
            return self.c.recv(n)
        while True:
            try:
                return self.tls.read(n)
            except ssl.SSLWantReadError:
                self.flush()
                data = self.c.recv(65536)
                if not data:
                    return b''
                self.inc.write(data)
            except ssl.SSLZeroReturnError:
                return b''
    def close(self):
        self.c.close()
    def sendall(self, data):
        if self.tls is None:
            self.c.sendall(data)
        else:
            self.tls.write(data)
            self.flush()

def read_request(c):
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = c.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b'\r\n\r\n')
    n = 0
    for line in head.split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == b'content-length':
            n = int(v.strip())
    while len(rest) < n:
        chunk = c.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head.split(b' ')[1].decode()

def ok(body, extra=b''):
    return b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s' % (len(body), extra, body)

BODY = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"x"}}'

def bot_mode(path):
    """(mode, key) of /<mode>-<tag>/bot<token>/<method>, or (None, None)"""
    seg = path.split('?', 1)[0].split('/')
    if len(seg) >= 4 and seg[2].startswith('bot') and '-' in seg[1]:
        return seg[1].split('-', 1)[0], seg[1]
    return None, None

def bot_fault(c, raw, mode):
    """answers a Bot API request with the mode's fault; False: close the connection"""
    def reply(status, reason, ctype, body, length=True):
        c.sendall(b'HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s\r\n' % (status, reason, ctype,
                  b'Content-Length: %d\r\n' % len(body) if length else b'Connection: close\r\n') + body)
    if mode == 'ok':
        c.sendall(ok(BODY))
    elif mode == 'e403':
        reply(403, b'Forbidden', b'application/json', b'{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}')
    elif mode == 'e500':
        reply(500, b'Internal Server Error', b'application/json', b'{"ok":false,"error_code":500,"description":"Internal Server Error"}')
    elif mode == 'p502':
        reply(502, b'Bad Gateway', b'text/html', b'<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\r\n')
    elif mode == 'html200':
        reply(200, b'OK', b'text/html', b'<html><body>Please log in to use this network.</body></html>')
    elif mode == 'cut200':
        reply(200, b'OK', b'application/json', BODY[:25], length=False)
        return False
    elif mode == 'bad200':
        reply(200, b'OK', b'application/json', b'{"ok":true,"result":{"id":1,,}}')
    elif mode == 'tlsgarbage' and raw is not None:
        raw.sendall(b'\x17\x03\x03\x00\x28' + os.urandom(40))   # application data that fails its MAC
        return False
    elif mode == 'tlsalert' and raw is not None:
        raw.sendall(b'\x15\x03\x03\x00\x02\x02\x50')           # fatal internal_error, in the clear
        return False
    else:
        c.sendall(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    return True

def serve(c, raw=None):
    try:
        while True:
            path = read_request(c)
            if path is None:
                return
            p = path.rsplit('/', 1)[-1]
            if path.startswith('/hang/'):        # any method under /hang/: the request is read, never answered
                threading.Event().wait(30); return
            mode, key = bot_mode(path)
            if path.startswith('/_count/'):
                with COUNT_LOCK:
                    n = COUNTS.get(path[len('/_count/'):], 0)
                c.sendall(ok(b'%d' % n))
            elif mode is not None:
                with COUNT_LOCK:
                    COUNTS[key] = COUNTS.get(key, 0) + 1
                if not bot_fault(c, raw, mode):
                    return
            elif p == 'ok':
                c.sendall(ok(BODY))
            elif p == 'chunked':
                parts = [b'{"ok"', b':true,"result":"chunk\xc3\xa9d"', b'}']
                c.sendall(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
                          b''.join(b'%x%s\r\n%s\r\n' % (len(p), b';ext=1' if i == 1 else b'', p) for i, p in enumerate(parts)) +
                          b'0\r\nX-Trailer: yes\r\n\r\n')
            elif p == 'interim':
                c.sendall(b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n' + ok(BODY))
            elif p == 'reset_before':
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
                c.close(); return
            elif p in ('reset_mid_headers', 'reset_mid_body'):    # part of the answer, then RST
                c.sendall(b'HTTP/1.1 200 OK\r\nContent-Le' if p == 'reset_mid_headers' else
                          b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ok":tr')
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
                c.close(); return
            elif p == 'mid_headers':
                c.sendall(b'HTTP/1.1 200 OK\r\nContent-Le'); c.close(); return
            elif p == 'mid_body':
                c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ok":tr'); c.close(); return
            elif p == 'trunc_chunked':
                c.sendall(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"ok":'); c.close(); return
            elif p == 'bad_chunk':
                c.sendall(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n'); c.close(); return
            elif p == 'big_headers':
                c.sendall(b'HTTP/1.1 200 OK\r\n' + b''.join(b'X-Filler-%d: %s\r\n' % (i, b'a' * 100) for i in range(400)) + b'Content-Length: 2\r\n\r\n{}')
                c.close(); return
            elif p == 'many_headers':
                c.sendall(b'HTTP/1.1 200 OK\r\n' + b''.join(b'X-%d: 1\r\n' % i for i in range(200)) + b'Content-Length: 2\r\n\r\n{}')
                c.close(); return
            elif p == 'garbage':
                c.sendall(b'SSH-2.0-OpenSSH_9.2\r\n\r\n'); c.close(); return
            elif p == 'never':
                threading.Event().wait(30); return
            elif p == 'close_idle':
                c.sendall(ok(BODY)); c.shutdown(socket.SHUT_RDWR); c.close(); return
            elif p == 'big':
                body = b'{"ok":true,"result":"' + b'x' * (1 << 20) + b'"}'
                c.sendall(ok(body))
            elif p == 'until_close':
                c.sendall(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n' + BODY); c.close(); return
            else:
                c.sendall(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass

def serve_tls(c, ctx):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    t = Recv(c, ctx.wrap_bio(inc, out, server_side=True), inc, out)
    try:
        while True:
            try:
                t.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                t.flush()
                data = c.recv(65536)
                if not data:
                    c.close(); return
                inc.write(data)
        t.flush()
    except (OSError, ssl.SSLError):
        c.close(); return
    serve(t, raw=c)

def listen(portfile):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0)); s.listen(64)
    with open(portfile + '.tmp', 'w') as f:
        f.write(str(s.getsockname()[1]))
    os.rename(portfile + '.tmp', portfile)
    return s

def accept_loop(s, target, *extra):
    while True:
        c, _ = s.accept()
        threading.Thread(target=target, args=(c,) + extra, daemon=True).start()

def main():
    s = listen(sys.argv[1])
    if len(sys.argv) >= 6 and sys.argv[2] == '--tls':
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        threading.Thread(target=accept_loop, args=(listen(sys.argv[5]), serve_tls, ctx), daemon=True).start()
    accept_loop(s, serve)

main()
