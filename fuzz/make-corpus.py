#!/usr/bin/env python3
"""Build the seed corpora in fuzz/corpus/ from the real captures in tests/data/pcaps.

decode/: one frame per file, first byte = link-type index of fuzz-decode.c (0 = Ethernet),
taken from distinct packet shapes of each classic pcap file.
pcap/: small whole capture files, plus truncated and corrupted copies of them.
Run from the repository root; the output is committed, so this runs only when seeds change.
"""
import hashlib
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "pcaps")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return  # pcapng: whole-file seeds only
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def put(sub, blob):
    d = os.path.join(OUT, sub)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def main():
    index = {1: 0, 12: 1, 101: 1, 113: 2, 276: 3}
    seen = set()
    for dirpath, _, files in os.walk(DATA):
        for fn in sorted(files):
            p = os.path.join(dirpath, fn)
            if not (fn.endswith(".pcap") or fn.endswith(".pcapng")):
                continue
            size = os.path.getsize(p)
            if size <= 90_000:
                with open(p, "rb") as f:
                    blob = f.read()
                put("pcap", blob)
                put("pcap", blob[: len(blob) // 2])
                put("pcap", blob[:100])
                bad = bytearray(blob)
                if len(bad) > 40:
                    bad[32:36] = b"\xff\xff\xff\x7f"  # absurd first record length
                put("pcap", bytes(bad))
            taken = 0
            for lt, fr in frames(p):
                if lt not in index or taken >= 12:
                    continue
                # one seed per (file, length, first 40 bytes' shape)
                key = (fn, len(fr) // 64, fr[12:14], fr[23:24] if len(fr) > 23 else b"",
                       fr[47:48] if len(fr) > 47 else b"")
                if key in seen:
                    continue
                seen.add(key)
                taken += 1
                put("decode", bytes([index[lt]]) + fr)


if __name__ == "__main__":
    main()
