#!/bin/sh
# OS calls only in platform.c (and the TLS back-ends, which drive their socket through it): lists
# every socket, poll, signal, fcntl or name-resolution call in another room, so a port (Windows,
# an embedded TCP/IP stack) replaces one room. Comments and strings are stripped first.
exec ${PYTHON:-python3} - "$@" <<'PY'
import glob, re, sys
CALLS = ("socket socketpair connect bind listen accept accept4 send recv sendto recvfrom sendmsg recvmsg "
         "setsockopt getsockopt getsockname getpeername shutdown poll ppoll select pselect epoll_create "
         "epoll_create1 epoll_ctl epoll_wait kqueue kevent fcntl ioctl pipe pipe2 signal sigaction "
         "sigprocmask pthread_sigmask kill raise getaddrinfo freeaddrinfo gai_strerror gethostbyname "
         "getnameinfo res_query inet_pton inet_ntop").split()
ALLOWED = re.compile(r"^src/(platform\.c|tls_\w+\.c|store_redis\.c)$")   # store_redis: hiredis owns its socket
CALL = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(CALLS))
STRIP = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
found = checked = clean = 0
for path in sorted(glob.glob("src/*.c") + glob.glob("src/*.h") + glob.glob("src/gen/*.c")):
    if ALLOWED.match(path):
        continue
    checked += 1
    text = open(path, encoding="utf-8").read()
    before = found
    code = STRIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)   # keep line numbers
    for no, line in enumerate(code.split("\n"), 1):
        for m in CALL.finditer(line):
            if re.match(r"^\s*#\s*define", line):
                continue
            print("%s:%d: %s() outside platform.c: %s" % (path, no, m.group(1), text.split("\n")[no - 1].strip()))
            found += 1
    clean += found == before
print("%d files checked, %d without OS calls; each call found counts as a failure" % (checked, clean))
print("%d passed, %d failed" % (clean, found))
sys.exit(1 if found else 0)
PY
