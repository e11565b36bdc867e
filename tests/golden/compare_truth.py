#!/usr/bin/env python3
"""Check keikai-sensor's records against keikai-gen's ground truth for the same traffic.

The generator knows what it sent: per interval the packets, classes, per-port counts and the
scanners it made (and the sources it kept just under the threshold); across intervals the
attacks it made and the bursts that must not count as attacks.
Usage: compare_truth.py TRUTH.json RECORDS.jsonl   (TAP lines; exit 1 on any difference)
"""
import json
import sys


def main():
    truth = json.load(open(sys.argv[1]))
    recs = {}
    with open(sys.argv[2]) as f:
        for line in f:
            r = json.loads(line)
            recs[r["start_unix"]] = r
    n = bad = 0

    def check(ok, what):
        nonlocal n, bad
        n += 1
        print(("ok" if ok else "not ok") + f" {n} - {what}")
        bad += 0 if ok else 1

    starts = [i["start"] for i in truth["intervals"]]
    check(sorted(recs) == sorted(starts), f"intervals {sorted(recs)} (truth {sorted(starts)})")
    for iv in truth["intervals"]:
        r = recs.get(iv["start"])
        if r is None:
            continue
        at = f"@{iv['start']}"
        check(r["totals"]["packets"] == iv["packets"],
              f"{at} packets {r['totals']['packets']} (truth {iv['packets']})")
        check(r["totals"]["by_proto"] == iv["by_proto"], f"{at} classes per protocol"
              + ("" if r["totals"]["by_proto"] == iv["by_proto"]
                 else f": {r['totals']['by_proto']} (truth {iv['by_proto']})"))
        mine = {(p["proto"], p["port"]): (p["packets"], p["sources"], p["destinations"])
                for p in r["ports"]}
        want = {(p["proto"], p["port"]): (p["packets"], p["sources"], p["destinations"])
                for p in iv["ports"]}
        diff = sorted((k, mine.get(k), want.get(k)) for k in set(mine) | set(want)
                      if mine.get(k) != want.get(k))
        check(not diff, f"{at} {len(want)} ports: packets, sources, destinations"
              + (f" differ: {diff[:5]}" if diff else ""))
        check(r["tools"] == iv["tools"], f"{at} tool marks {r['tools']} (truth {iv['tools']})")
        got_sc = {s["src"]: s for s in r["scanners"]}
        for s in iv["scanners"]:
            g = got_sc.get(s["src"])
            ok = (g is not None and g["tool"] == s["tool"] and g["proto"] == s["proto"]
                  and sorted(g["ports"]) == sorted(s["ports"]) and g["packets"] == s["packets"]
                  and g["destinations"] == s["destinations"])
            check(ok, f"{at} scanner {s['src']} {s['proto']} {s['ports']} tool {s['tool']}"
                  + ("" if ok else f": got {g}"))
        extra = set(got_sc) - {s["src"] for s in iv["scanners"]}
        check(not extra, f"{at} no other scanners" + (f": {sorted(extra)}" if extra else ""))
        for src in iv.get("not_scanners", []):
            check(src not in got_sc, f"{at} {src} (below the threshold) is not a scanner")

    reported = {}
    for r in recs.values():
        for d in r["dos"]:
            key = (d["victim"], d["proto"], d["start"])
            if key not in reported or d["packets"] > reported[key]["packets"]:
                reported[key] = d
    for a in truth["attacks"]:
        g = reported.get((a["victim"], a["proto"], a["start"]))
        ok = (g is not None and g["packets"] == a["packets"] and g["last"] == a["last"]
              and g["peak_per_min"] == a["peak_per_min"])
        check(ok, f"attack on {a['victim']} ({a['proto']}) {a['start']}..{a['last']}, "
              f"{a['packets']} packets, peak {a['peak_per_min']}/min"
              + ("" if ok else f": got {g}"))
    victims = {k[0] for k in reported}
    for v in truth["not_attacks"]:
        check(v not in victims, f"{v} (too short or too slow) is not an attack")
    extra = victims - {a["victim"] for a in truth["attacks"]}
    check(not extra, "no other attacks" + (f": {sorted(extra)}" if extra else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
