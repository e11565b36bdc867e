#!/usr/bin/env python3
"""Write interval records (docs/interval-record.md) with chosen per-port counts, for tests with
known answers. Usage: mkrecord.py SPEC.json > records.jsonl, where SPEC is a list of
{"sensor", "start", "interval", "ports": [[proto, port, packets, sources, dsts], ...],
 "top": [[addr, packets], ...], "scanners": [...], "dos": [...]} objects."""
import json
import sys
import time

NOISE = ["odd_tcp_flags", "ttl_ge_200", "src_0_or_255", "src_eq_dst", "port_0", "fragment",
         "reserved_bit", "unroutable_src", "other_proto"]
PROTOS = ["tcp", "udp", "icmp", "icmp6", "other"]


def iso(t, usec=None):
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    return s + ("Z" if usec is None else ".%06dZ" % usec)


def record(spec):
    start, iv = spec["start"], spec.get("interval", 300)
    ports = [{"proto": p, "port": n, "packets": k, "sources": s, "destinations": d}
             for p, n, k, s, d in spec.get("ports", [])]
    ports.sort(key=lambda x: (-x["packets"], PROTOS.index(x["proto"]), x["port"]))
    by = {p: {"probe": 0, "backscatter": 0, "other": 0} for p in PROTOS}
    for x in ports:
        by[x["proto"]]["probe"] += x["packets"]
    total = sum(x["packets"] for x in ports)
    return {
        "schema": "keikai.obs.interval/1", "sensor": spec["sensor"],
        "start": iso(start), "end": iso(start + iv), "start_unix": start, "interval": iv,
        "partial": False,
        "capture": {"captured": total, "not_dark": 0, "kernel_drops": spec.get("drops", 0),
                    "if_drops": 0, "ts_backwards": 0, "icmp_mismatch": 0, "undecoded": {},
                    "overflow": {}},
        "totals": {"packets": total, "bytes": total * 60, "ipv4": total, "ipv6": 0,
                   "by_proto": by},
        "noise": {n: 0 for n in NOISE}, "tools": {"zmap": 0, "masscan": 0, "mirai": 0},
        "ports": ports,
        "scanners": spec.get("scanners", []),
        "dos": spec.get("dos", []),
        "top_sources": [{"src": a, "packets": k} for a, k in spec.get("top", [])],
    }


for s in json.load(sys.stdin if len(sys.argv) < 2 else open(sys.argv[1])):
    print(json.dumps(record(s), separators=(",", ":"), ensure_ascii=False))
