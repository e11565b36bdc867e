#!/usr/bin/env python3
"""Write small pcap files for the sensor's integration tests.

mkpcap.py KIND OUT
  multiday   TCP SYNs to 203.0.113.0/24, one every 6 hours for 3 days (12 intervals)
  backwards  60 SYNs whose timestamps go back 10 minutes halfway through
  linktype   a valid pcap header with link type 147 (user-defined, not decodable)
  truncated  20 SYNs, the file cut in the middle of the last record
  garbage    random bytes with a pcap magic number
  empty      a header and no packets
  live       300 SYNs from 30 sources to 203.0.113.0/24 (for tcpreplay)
"""
import random
import struct
import sys


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff


def syn(src, dst, dport, eth=True):
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, 0x02, 1024, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    frame = ip + tcp
    if eth:
        frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + frame
    return frame


def header(linktype=1):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)


def record(ts, frame):
    sec = int(ts)
    usec = int(round((ts - sec) * 1e6))
    return struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame


def main():
    kind, out = sys.argv[1], sys.argv[2]
    t0 = 1298937600.0
    rnd = random.Random(1)
    data = b""
    if kind == "multiday":
        data = header()
        for i in range(12):
            data += record(t0 + i * 6 * 3600 + 1, syn([45, 0, 0, 1], [203, 0, 113, i], 23))
    elif kind == "backwards":
        data = header()
        for i in range(60):
            ts = t0 + 1000 + i if i < 30 else t0 + 400 + i
            data += record(ts, syn([45, 0, 0, 2], [203, 0, 113, i], 445))
    elif kind == "linktype":
        data = header(147) + record(t0, b"\x00" * 40)
    elif kind == "truncated":
        data = header()
        for i in range(20):
            data += record(t0 + i, syn([45, 0, 0, 3], [203, 0, 113, i], 22))
        data = data[:-30]
    elif kind == "garbage":
        data = struct.pack("<I", 0xa1b2c3d4) + bytes(rnd.getrandbits(8) for _ in range(4000))
    elif kind == "empty":
        data = header()
    elif kind == "live":
        data = header()
        for i in range(300):
            src = [45, 0, 1, i % 30]
            data += record(t0 + i * 0.001, syn(src, [203, 0, 113, i % 200], 23))
    else:
        sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
