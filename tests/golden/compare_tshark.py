#!/usr/bin/env python3
"""Check keikai-sensor's interval records against tshark's reading of the same capture.

tshark dissects every frame (IP defragmentation off, as the sensor does not reassemble); this
script buckets the frames into intervals and computes, independently of the sensor's code,
per (protocol, destination port): packets, distinct sources, distinct destinations; and per
protocol the probe / backscatter / other split by the rules of docs/classification.md.
Usage: compare_tshark.py CAPTURE RECORDS.jsonl INTERVAL
Prints TAP lines, one per interval and check; exits 1 on any difference.
"""
import collections
import json
import subprocess
import sys

FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto",
          "ipv6.nxt", "ip.frag_offset", "ip.flags.mf", "tcp.dstport", "udp.srcport",
          "udp.dstport", "tcp.flags", "icmp.type", "icmpv6.type", "_ws.malformed",
          "_ws.expert.severity"]

ICMP_BACK = {0, 3, 4, 5, 11, 12, 14, 16, 18}
ICMP_PROBE = {8, 10, 13, 15, 17}


def tshark_rows(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.defragment:FALSE", "-o",
           "ipv6.defragment:FALSE", "-T", "fields", "-E", "occurrence=f", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = line.split("\t")
        v += [""] * (len(FIELDS) - len(v))
        yield dict(zip(FIELDS, v))


def num(s, base=10):
    return int(s, base) if s else None


def classify(r):
    """(proto name, port key, class) for one frame, or None when not IP."""
    if r["ip.src"]:
        src, dst, proto = r["ip.src"], r["ip.dst"], num(r["ip.proto"])
        later = (num(r["ip.frag_offset"]) or 0) > 0
    elif r["ipv6.src"]:
        src, dst, proto = r["ipv6.src"], r["ipv6.dst"], None
        later = False
        # tshark's first ipv6.nxt may be an extension header; the transport tells us
        if r["tcp.dstport"]:
            proto = 6
        elif r["udp.dstport"]:
            proto = 17
        elif r["icmpv6.type"]:
            proto = 58
        else:
            proto = num(r["ipv6.nxt"])
    else:
        return None
    if later:
        return src, dst, "other", proto, "other"
    if proto == 6 and r["tcp.flags"]:
        f = int(r["tcp.flags"], 16)
        syn, ack, rst = f & 0x02, f & 0x10, f & 0x04
        cls = "backscatter" if (syn and ack) or rst else ("probe" if syn else "other")
        return src, dst, "tcp", num(r["tcp.dstport"]), cls
    if proto == 17 and r["udp.dstport"]:
        cls = "backscatter" if num(r["udp.srcport"]) == 53 else "probe"
        return src, dst, "udp", num(r["udp.dstport"]), cls
    if proto == 1 and r["icmp.type"]:
        t = num(r["icmp.type"])
        cls = "backscatter" if t in ICMP_BACK else ("probe" if t in ICMP_PROBE else "other")
        return src, dst, "icmp", t, cls
    if proto == 58 and r["icmpv6.type"]:
        t = num(r["icmpv6.type"])
        cls = ("backscatter" if 1 <= t <= 4 or t == 129 else
               "probe" if t == 128 else "other")
        return src, dst, "icmp6", t, cls
    if proto in (6, 17, 1, 58):
        return None  # transport header missing: the sensor counts it as undecoded
    return src, dst, "other", proto, "other"


def main():
    path, records, interval = sys.argv[1], sys.argv[2], int(sys.argv[3])
    want = collections.defaultdict(lambda: {"ports": collections.defaultdict(
        lambda: [0, set(), set()]), "classes": collections.Counter(), "packets": 0})
    for r in tshark_rows(path):
        c = classify(r)
        if c is None:
            continue
        src, dst, proto, port, cls = c
        t = int(float(r["frame.time_epoch"]))
        b = want[t - t % interval]
        e = b["ports"][(proto, port)]
        e[0] += 1
        e[1].add(src)
        e[2].add(dst)
        b["classes"][(proto, cls)] += 1
        b["packets"] += 1

    got = {}
    with open(records) as f:
        for line in f:
            rec = json.loads(line)
            got[rec["start_unix"]] = rec

    n = 0
    bad = 0

    def check(ok, what):
        nonlocal n, bad
        n += 1
        print(("ok" if ok else "not ok") + f" {n} - {what}")
        if not ok:
            bad += 1

    check(sorted(want) == sorted(got),
          f"{path}: intervals {sorted(got)} (tshark: {sorted(want)})")
    for start in sorted(want):
        rec = got.get(start)
        if rec is None:
            continue
        w = want[start]
        check(rec["totals"]["packets"] == w["packets"],
              f"{path} @{start}: packets {rec['totals']['packets']} (tshark {w['packets']})")
        mine = {(p["proto"], p["port"]): (p["packets"], p["sources"], p["destinations"])
                for p in rec["ports"]}
        theirs = {k: (v[0], len(v[1]), len(v[2])) for k, v in w["ports"].items()}
        diff = {k: (mine.get(k), theirs.get(k)) for k in set(mine) | set(theirs)
                if mine.get(k) != theirs.get(k)}
        check(not diff, f"{path} @{start}: {len(theirs)} ports, packets/sources/destinations"
              + (f" differ: {sorted(diff.items())[:5]}" if diff else ""))
        cl = {(p, c): v for p, d in rec["totals"]["by_proto"].items()
              for c, v in d.items() if v}
        check(cl == dict(w["classes"]), f"{path} @{start}: classes {sorted(cl.items())}"
              + ("" if cl == dict(w["classes"]) else f" (tshark {sorted(w['classes'].items())})"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
