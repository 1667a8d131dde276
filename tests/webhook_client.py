#!/usr/bin/env python3
"""Real-client driver for tests/test_webhook.c (Python's http.client on loopback).

  webhook_client.py keepalive PORT PATH SECRET BODY...   one HTTPConnection, one request per BODY (@FILE: its text)
  webhook_client.py pipeline  PORT PATH BODY:SECRET...   every request written at once, then the answers read
  webhook_client.py slow      PORT PATH [SECRET]         half a request head (with SECRET: a whole head and a
                                                         tenth of the body), then wait for the server to hang up
  webhook_client.py raw       PORT TEXT                  TEXT (with \\r\\n escapes) as is; prints the status line
  webhook_client.py trickle   PORT PATH SECRET BODY      one request in several segments (split inside the head)
  webhook_client.py garbage   PORT PATH SECRET SEED N    N mangled requests, one connection each; prints "done N"
  webhook_client.py many      PORT PATH SECRET N BODY    N connections opened first, then one request on each
  webhook_client.py idle      PORT PATH SECRET BODY      one request, then wait for the server to close the idle connection

With WH_CAFILE set, keepalive and pipeline speak HTTPS and trust that CA.

Prints one line per answer: "STATUS BODY" (keepalive, pipeline), "closed"/"reset"/"stalled" (slow)."""
import http.client, os, socket, ssl, sys

CAFILE = os.environ.get("WH_CAFILE")


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if CAFILE:
        s = ssl.create_default_context(cafile=CAFILE).wrap_socket(s, server_hostname="127.0.0.1")
    return s


class _Keep:
    """The socket's reader shared by successive HTTPResponse objects: each one must not close it."""
    def __init__(self, f):
        self.f = f

    def __getattr__(self, name):
        return getattr(self.f, name)

    def close(self):
        pass


class _Sock:
    def __init__(self, f):
        self.f = f

    def makefile(self, *a, **k):
        return self.f


def request(path, secret, body):
    head = "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
        path, len(body.encode()))
    if secret:
        head += "X-Telegram-Bot-Api-Secret-Token: %s\r\n" % secret
    return (head + "\r\n").encode() + body.encode()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "keepalive":
        path, secret, bodies = sys.argv[3], sys.argv[4], sys.argv[5:]
        # "@FILE": the body is that file's text (bodies over the argument size limit)
        bodies = [open(b[1:]).read() if b.startswith("@") else b for b in bodies]
        if CAFILE:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                            context=ssl.create_default_context(cafile=CAFILE))
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for b in bodies:
            hdr = {"Content-Type": "application/json"}
            if secret:
                hdr["X-Telegram-Bot-Api-Secret-Token"] = secret
            c.request("POST", path, body=b.encode(), headers=hdr)
            r = c.getresponse()
            print(r.status, r.read().decode())
        c.close()
    elif mode == "pipeline":
        path, items = sys.argv[3], sys.argv[4:]
        s = connect(port)
        data = b""
        for it in items:
            body, _, secret = it.rpartition(":")
            data += request(path, secret, body)
        s.sendall(data)                      # every request before reading any answer
        f = _Keep(s.makefile("rb"))
        for _ in items:
            r = http.client.HTTPResponse(_Sock(f))
            r.begin()
            print(r.status, r.read().decode())
        s.close()
    elif mode == "slow":
        path = sys.argv[3]
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        if len(sys.argv) > 4:
            s.sendall(request(path, sys.argv[4], "x" * 100)[:-90])
        else:
            s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le" % path).encode())
        try:
            print("closed" if s.recv(4096) == b"" else "answered")
        except ConnectionResetError:
            print("reset")
        except socket.timeout:
            print("stalled")
    elif mode == "raw":
        text = sys.argv[3].replace("\\r", "\r").replace("\\n", "\n")
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(text.encode())
        f = s.makefile("rb")
        print(f.readline().decode().strip())
    elif mode == "trickle":
        import time
        path, secret, body = sys.argv[3], sys.argv[4], sys.argv[5]
        data = request(path, secret, body)
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        end = data.index(b"\r\n\r\n")
        cuts = [0, 7, 40, end + 1, end + 3, end + 10, len(data)]
        for a, b in zip(cuts, cuts[1:]):
            s.sendall(data[a:b])
            time.sleep(0.02)   # only to make separate segments likely; the test does not depend on it
        r = http.client.HTTPResponse(s)
        r.begin()
        print(r.status)
    elif mode == "garbage":
        import random
        path, secret, rnd, n = sys.argv[3], sys.argv[4], random.Random(int(sys.argv[5])), int(sys.argv[6])
        good = request(path, secret, '{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"x"}}')
        done = 0
        for _ in range(n):
            d = bytearray(good)
            for _ in range(rnd.randint(1, 8)):
                k, at = rnd.randint(0, 5), rnd.randrange(len(d) + 1)
                if k == 0:
                    if d:
                        d[at % len(d)] = rnd.randrange(256)               # flip a byte
                elif k == 1:
                    del d[at:at + rnd.randint(1, 20)]                     # cut a piece
                elif k == 2:
                    d[at:at] = rnd.choice([b"\r\n", b"\n", b"\r\n\r\n", b":", b" ", b"\0", b"\xff"])
                elif k == 3:
                    d[at:at] = rnd.choice([b"Content-Length: 99999999999\r\n", b"Content-Length: -1\r\n",
                                            b"Transfer-Encoding: chunked\r\n", b"Expect: 100-continue\r\n",
                                            b"Connection: close\r\n", b"X: " + b"y" * 9000 + b"\r\n"])
                elif k == 4:
                    d = d * 2                                             # pipelined twice
                else:
                    d = d[:at]                                            # truncated
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                s.sendall(bytes(d))
                s.shutdown(socket.SHUT_WR)
                while s.recv(65536):
                    pass
            except (ConnectionError, socket.timeout):
                pass
            s.close()
            done += 1
        print("done", done)
    elif mode == "many":
        path, secret, n, body = sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
        socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(n)]
        for s in socks:
            try:
                s.sendall(request(path, secret, body))
                r = http.client.HTTPResponse(s)
                r.begin()
                print(r.status)
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                print("refused")
    elif mode == "idle":
        path, secret, body = sys.argv[3], sys.argv[4], sys.argv[5]
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(request(path, secret, body))
        f = _Keep(s.makefile("rb"))
        r = http.client.HTTPResponse(_Sock(f))
        r.begin()
        r.read()
        print(r.status, "closed" if f.read(1) == b"" else "data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
