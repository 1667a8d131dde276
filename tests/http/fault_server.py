#!/usr/bin/env python3
"""Byte-exact misbehaving HTTP server for the client's fault tests. The request path picks the fault:
  /ok /chunked (with trailers) /interim (100 + 103 before 200) /reset_before /mid_headers /mid_body
  /reset_mid_headers /reset_mid_body (RST after part of the answer)
  /trunc_chunked /bad_chunk /big_headers /garbage /never /close_idle (answers as keep-alive, then
  closes) /big (1 MiB body) /until_close (no length: body ends at close); every path under /hang/
  (a bot with base URL .../hang) is read and never answered
Usage: fault_server.py PORTFILE"""
import os, socket, sys, threading

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

def serve(c):
    try:
        while True:
            path = read_request(c)
            if path is None:
                return
            p = path.rsplit('/', 1)[-1]
            if path.startswith('/hang/'):        # any method under /hang/: the request is read, never answered
                threading.Event().wait(30); return
            if p == 'ok':
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

def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0)); s.listen(64)
    with open(sys.argv[1] + '.tmp', 'w') as f:
        f.write(str(s.getsockname()[1]))
    os.rename(sys.argv[1] + '.tmp', sys.argv[1])
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

main()
