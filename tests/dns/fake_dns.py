#!/usr/bin/env python3
"""A tiny DNS server on 127.0.0.1 (UDP, RFC 1035 message format) for tests/test_dns.c.

Prints its port on the first line of stdout, then answers until killed. Behaviour by name:
  ok.tgbot.test      A 127.0.0.1 (TTL 60); AAAA: no records (NOERROR)
  cname.tgbot.test   CNAME ok.tgbot.test (compressed) + A 127.0.0.1
  nx.tgbot.test      NXDOMAIN        fail.tgbot.test  SERVFAIL
  slow.tgbot.test    never answers   bad.tgbot.test   a header-only reply (12 bytes, right id)
  spoof.tgbot.test   answers with the id plus one (a spoofed reply), then nothing
  count.tgbot.test   A 10.0.0.N where N = A queries seen so far for ok.tgbot.test
  v4only.tgbot.test  A 127.0.0.1; AAAA queries are never answered
  v6.tgbot.test      A: no records; AAAA ::1
"""
import socket, struct, sys

def qname_text(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]; labels.append(msg[off + 1:off + 1 + n].decode().lower()); off += 1 + n
    return ".".join(labels), off + 1

def rr(name_bytes, rtype, ttl, rdata):
    return name_bytes + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata

def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    sys.stdout.write("%d\n" % s.getsockname()[1])
    sys.stdout.flush()
    ok_a = 0
    while True:
        msg, peer = s.recvfrom(2048)
        if len(msg) < 17:
            continue
        qid, flags, qd = struct.unpack(">HHH", msg[:6])
        name, end = qname_text(msg, 12)
        qtype, qclass = struct.unpack(">HH", msg[end:end + 4])
        question = msg[12:end + 4]
        rd = flags & 0x0100
        def reply(rcode, answers=()):
            hdr = struct.pack(">HHHHHH", qid, 0x8000 | 0x0080 | rd | rcode, 1, len(answers), 0, 0)
            s.sendto(hdr + question + b"".join(answers), peer)
        here = b"\xc0\x0c"                        # a pointer to the question's name
        if name == "ok.tgbot.test":
            if qtype == 1:
                ok_a += 1
                reply(0, [rr(here, 1, 60, socket.inet_aton("127.0.0.1"))])
            else:
                reply(0)
        elif name == "cname.tgbot.test":
            target = b"\x02ok\x05tgbot\x04test\x00"
            answers = [rr(here, 5, 60, target)]
            if qtype == 1:     # the A record's owner is the CNAME target: a pointer into the rdata above
                answers.append(rr(struct.pack(">H", 0xC000 | (12 + len(question) + 12)), 1, 60,
                                  socket.inet_aton("127.0.0.1")))
            reply(0, answers)
        elif name == "nx.tgbot.test":
            reply(3)
        elif name == "fail.tgbot.test":
            reply(2)
        elif name == "bad.tgbot.test":
            s.sendto(struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0), peer)
        elif name == "spoof.tgbot.test":
            hdr = struct.pack(">HHHHHH", (qid + 1) & 0xFFFF, 0x8180, 1, 1, 0, 0)
            s.sendto(hdr + question + rr(here, 1, 60, socket.inet_aton("10.6.6.6")), peer)
        elif name == "v4only.tgbot.test":
            if qtype == 1:
                reply(0, [rr(here, 1, 60, socket.inet_aton("127.0.0.1"))])
        elif name == "v6.tgbot.test":
            reply(0, [rr(here, 28, 60, socket.inet_pton(socket.AF_INET6, "::1"))] if qtype == 28 else [])
        elif name == "count.tgbot.test":
            reply(0, [rr(here, 1, 0, bytes([10, 0, 0, ok_a]))] if qtype == 1 else [])
        # slow.tgbot.test and anything else: silence

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
