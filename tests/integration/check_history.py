#!/usr/bin/env python3
"""check_history.py - independent checks of keikai-history output, for test-history.sh.

  check_history.py schema SCHEMA.json RECORDS.jsonl
  check_history.py records RECORDS.jsonl MANIFEST.tsv
  check_history.py answers RECORDS.jsonl ANSWERS.json SOURCES.tsv
  check_history.py events RECORDS.jsonl ANSWERS.json MANIFEST.tsv
  check_history.py bench RECORDS.jsonl MANIFEST.tsv N PORTS

Prints one line per check: "ok<TAB>what" or "fail<TAB>what<TAB>why". Everything here is
recomputed from the JSON lines with code of its own; nothing is taken from the generator except
the file being checked.
"""

import collections
import ipaddress
import json
import re
import statistics
import sys

JST = 9 * 3600
PROTOS = ["tcp", "udp", "icmp", "icmp6", "other"]
CLASSES = ["probe", "backscatter", "other"]


def report(ok, what, why=""):
    print("%s\t%s\t%s" % ("ok" if ok else "fail", what, why), flush=True)


def day_of(t):
    return (t + JST) // 86400


def day_name(t):
    import datetime

    return datetime.datetime.fromtimestamp(t + JST, datetime.timezone.utc).strftime("%Y-%m-%d")


def parse_time(s):
    import datetime

    return int(datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def records(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


# --- a small JSON Schema (draft 2020-12) validator: the keywords the record schema uses ---

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Validator:
    def __init__(self, schema):
        self.root = schema
        self.patterns = {}

    def resolve(self, ref):
        assert ref.startswith("#/"), ref
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def errors(self, s, v, path="$"):
        if s is True:
            return
        if s is False:
            yield path + ": not allowed"
            return
        if "$ref" in s:
            yield from self.errors(self.resolve(s["$ref"]), v, path)
        t = s.get("type")
        if t is not None:
            ts = t if isinstance(t, list) else [t]
            if not any(TYPES[x](v) for x in ts):
                yield "%s: %r is not %s" % (path, v, t)
                return
        if "const" in s and v != s["const"]:
            yield "%s: not %r" % (path, s["const"])
        if "enum" in s and v not in s["enum"]:
            yield "%s: %r not in enum" % (path, v)
        if "anyOf" in s and not any(not list(self.errors(x, v, path)) for x in s["anyOf"]):
            yield "%s: matches none of anyOf" % path
        if TYPES["number"](v):
            if "minimum" in s and v < s["minimum"]:
                yield "%s: %r < minimum" % (path, v)
            if "maximum" in s and v > s["maximum"]:
                yield "%s: %r > maximum" % (path, v)
        if isinstance(v, str):
            if "pattern" in s:
                p = self.patterns.setdefault(s["pattern"], re.compile(s["pattern"]))
                if not p.search(v):
                    yield "%s: %r does not match %s" % (path, v, s["pattern"])
            if s.get("format") == "date-time" and not DATE_TIME.match(v):
                yield "%s: %r is not a date-time" % (path, v)
        if isinstance(v, list):
            if "maxItems" in s and len(v) > s["maxItems"]:
                yield "%s: more than %d items" % (path, s["maxItems"])
            if "items" in s:
                for i, x in enumerate(v):
                    yield from self.errors(s["items"], x, "%s[%d]" % (path, i))
        if isinstance(v, dict):
            for k in s.get("required", []):
                if k not in v:
                    yield "%s: %s missing" % (path, k)
            props = s.get("properties", {})
            for k, x in v.items():
                if "propertyNames" in s:
                    yield from self.errors(s["propertyNames"], k, path + " key")
                if k in props:
                    yield from self.errors(props[k], x, path + "." + k)
                elif "additionalProperties" in s:
                    yield from self.errors(s["additionalProperties"], x, path + "." + k)


def cmd_schema(schema_path, path):
    v = Validator(json.load(open(schema_path, encoding="utf-8")))
    n = bad = 0
    first = ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            n += 1
            try:
                rec = json.loads(line)
            except ValueError as e:
                bad += 1
                first = first or "line %d: %s" % (n, e)
                continue
            errs = list(v.errors(v.root, rec))
            if errs:
                bad += 1
                first = first or "line %d: %s" % (n, errs[0])
    report(n > 0 and bad == 0, "every line (%d) is JSON valid against the record schema" % n, first)


def load_manifest(path):
    sensors = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 5:
                return None
            nets = [ipaddress.ip_network(p) for p in cols[4].split(",")]
            sensors[cols[0]] = {"org": cols[1], "region": cols[2], "location": cols[3], "nets": nets}
    return sensors


def dark_count(nets):
    return sum(n.num_addresses for n in nets)


def cmd_records(path, manifest_path, kind="history"):
    man = load_manifest(manifest_path)
    report(man is not None and len(man) > 0, "manifest: five tab-separated columns per sensor")
    if not man:
        return
    docs = [ipaddress.ip_network(x) for x in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
    nets = [n for s in man.values() for n in s["nets"]]
    inside = all(any(n.subnet_of(d) for d in docs if d.version == n.version) for n in nets)
    overlap = any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:] if a.version == b.version)
    report(inside and not overlap, "manifest: dark prefixes inside the documentation ranges, disjoint")
    regions = {s["region"] for s in man.values()}
    if kind == "history":
        report(all(re.match(r"^[A-Z]{2}$", r) for r in regions) and len(regions) >= 3,
               "manifest: regions are country codes, at least three", str(regions))

    fails = collections.Counter()
    example = {}
    n = 0
    names = set()

    def bad(what, rec):
        fails[what] += 1
        example.setdefault(what, "%s %s" % (rec["sensor"], rec["start"]))

    for rec in records(path):
        n += 1
        names.add(rec["sensor"])
        tot = rec["totals"]
        bp = tot["by_proto"]
        if sum(bp[p][c] for p in PROTOS for c in CLASSES) != tot["packets"]:
            bad("by_proto adds up to packets", rec)
        cap = rec["capture"]
        if cap["captured"] != tot["packets"] + cap["not_dark"] + sum(cap["undecoded"].values()):
            bad("captured = packets + not_dark + undecoded", rec)
        if tot["ipv4"] + tot["ipv6"] != tot["packets"]:
            bad("ipv4 + ipv6 = packets", rec)
        ports = rec["ports"]
        if sum(p["packets"] for p in ports) != tot["packets"]:
            bad("ports[] packets add up to packets", rec)
        for p in PROTOS:
            if sum(x["packets"] for x in ports if x["proto"] == p) != sum(bp[p].values()):
                bad("ports[] per protocol agree with by_proto", rec)
                break
        size = dark_count(man[rec["sensor"]]["nets"]) if rec["sensor"] in man else 0
        for x in ports:
            if not (1 <= x["sources"] <= x["packets"]):
                bad("1 <= sources <= packets", rec)
                break
            if not (1 <= x["destinations"] <= min(size, x["packets"])):
                bad("destinations <= dark addresses and packets", rec)
                break
        keys = [(-x["packets"], PROTOS.index(x["proto"]), x["port"]) for x in ports]
        if keys != sorted(keys) or len(set((x["proto"], x["port"]) for x in ports)) != len(ports):
            bad("ports[] ordered and unique", rec)
        top = rec["top_sources"]
        if not (10 <= len(top) <= 50) or sum(t["packets"] for t in top) > tot["packets"]:
            bad("10 to 50 top sources, within packets", rec)
        if [t["packets"] for t in top] != sorted((t["packets"] for t in top), reverse=True):
            bad("top sources ordered", rec)
        for s in rec["scanners"]:
            if s["packets"] < s["destinations"] or s["targets"] < s["destinations"] or s["first"] > s["last"]:
                bad("scanner counts consistent", rec)
            if not (s["destinations"] >= 25 or s["targets"] >= 100):
                bad("scanner over a threshold", rec)
        for name, v in list(rec["noise"].items()) + list(rec["tools"].items()):
            if v > tot["packets"]:
                bad("noise and tool counts within packets", rec)
        if rec["end"] <= rec["start"] or rec["start_unix"] % rec["interval"] != 0:
            bad("intervals aligned", rec)
    report(n > 0 and names <= set(man), "every record's sensor is in the manifest (%d records)" % n)
    for what in ["by_proto adds up to packets", "captured = packets + not_dark + undecoded",
                 "ipv4 + ipv6 = packets", "ports[] packets add up to packets",
                 "ports[] per protocol agree with by_proto", "1 <= sources <= packets",
                 "destinations <= dark addresses and packets", "ports[] ordered and unique",
                 "10 to 50 top sources, within packets", "top sources ordered",
                 "scanner counts consistent", "scanner over a threshold",
                 "noise and tool counts within packets", "intervals aligned"]:
        report(fails[what] == 0, "identity: " + what, "%d records, e.g. %s" % (fails[what], example.get(what, "")))


def load_sources(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cc, p = line.split()
            out.append((cc, ipaddress.ip_network(p)))
    return out


def country_of(table, addr, cache):
    if addr in cache:
        return cache[addr]
    a = ipaddress.ip_address(addr)
    cc = next((cc for cc, n in table if a.version == n.version and a in n), None)
    cache[addr] = cc
    return cc


def rank_key(k_v):
    (proto, port), v = k_v
    return (-v, PROTOS.index(proto), port)


def cmd_answers(path, answers_path, sources_path):
    ans = json.load(open(answers_path, encoding="utf-8"))
    table = load_sources(sources_path)
    checks = {(d["day"], d["proto"], d["port"]) for d in ans["daily"]}
    check_days = {d for d, _, _ in checks}
    fy = ans["fiscal_year"]
    surge = ans["surge"]
    newp = ans["new_port"]
    dos = ans["dos"]
    sums = collections.Counter()
    present = collections.defaultdict(set)
    fy_tot = collections.Counter()
    week = collections.Counter()
    cc_pk = collections.Counter()
    dos_total = 0
    dos_sensors = set()
    cache = {}
    n = 0
    for rec in records(path):
        n += 1
        day = day_name(rec["start_unix"])
        present[day].add(rec["sensor"])
        if day in check_days:
            for p in rec["ports"]:
                if (day, p["proto"], p["port"]) in checks:
                    sums[(day, p["proto"], p["port"])] += p["packets"]
        if fy["from"] <= day < fy["to"]:
            for p in rec["ports"]:
                fy_tot[(p["proto"], p["port"])] += p["packets"]
        if newp and newp["from"] <= day < newp["to"]:
            for p in rec["ports"]:
                week[(p["proto"], p["port"])] += p["packets"]
        if surge and surge["week"]["from"] <= day < surge["week"]["to"]:
            for t in rec["top_sources"]:
                cc = country_of(table, t["src"], cache)
                if cc:
                    cc_pk[cc] += t["packets"]
        if dos:
            for d in rec["dos"]:
                if d["victim"] == dos["victim"] and d["proto"] == dos["proto"]:
                    dos_total += d["packets_interval"]
                    dos_sensors.add(rec["sensor"])
    report(n == ans["records"], "answers: record count", "%d vs %d" % (n, ans["records"]))
    wrong = [d for d in ans["daily"]
             if d["packets"] != sums[(d["day"], d["proto"], d["port"])]
             or d["sensors"] != len(present[d["day"]])
             or (d["sensors"] and abs(d["per_sensor"] - d["packets"] / d["sensors"]) > 1e-9 * d["packets"])]
    report(len(ans["daily"]) >= 14 and not wrong,
           "answers: %d per-sensor daily averages recomputed" % len(ans["daily"]), str(wrong[:2]))
    if ans["downtime"]["planted"]:
        report(any(d["sensors"] < ans["sensors"] for d in ans["daily"]),
               "answers: a listed day has fewer reporting sensors (downtime does not dilute)")
    sensor_days = sum(len(s) for d, s in present.items() if fy["from"] <= d < fy["to"])
    top = sorted(fy_tot.items(), key=rank_key)[:10]
    mine = [(p, port, v) for (p, port), v in top]
    theirs = [(x["proto"], x["port"], x["packets"]) for x in fy["top10"]]
    report(mine == theirs and fy["sensor_days"] == sensor_days,
           "answers: fiscal-year top 10 ports and sensor-days", "%s vs %s" % (mine[:3], theirs[:3]))
    if dos:
        report(dos_total == dos["packets"] and len(dos_sensors) == dos["sensors"],
               "answers: DoS victim total packets", "%d vs %d" % (dos_total, dos["packets"]))
    if surge:
        best = max(cc_pk.items(), key=lambda x: x[1])[0] if cc_pk else None
        listed = {c["cc"]: c["packets"] for c in surge["week"]["countries"]}
        report(best == surge["week"]["top_country"] and listed == dict(cc_pk),
               "answers: country with most top-source packets in the surge week", str(best))
    if newp:
        ranks = [k for k, _ in sorted(week.items(), key=rank_key)]
        r = ranks.index((newp["proto"], newp["port"])) + 1
        report(r == newp["rank"] and week[(newp["proto"], newp["port"])] == newp["packets"],
               "answers: new port's rank in its week", "%d vs %d" % (r, newp["rank"]))
    missing = sum(ans["sensors"] - len(s) for s in present.values())
    report(missing == ans["downtime"]["missing_sensor_days"],
           "answers: missing sensor-days", "%d vs %d" % (missing, ans["downtime"]["missing_sensor_days"]))


def cmd_dos(path, answers_path, manifest_path):
    cmd_events(path, answers_path, manifest_path, only_dos=True)


def cmd_events(path, answers_path, manifest_path, only_dos=False):
    ans = json.load(open(answers_path, encoding="utf-8"))
    man = load_manifest(manifest_path)
    by_sensor_hours = collections.defaultdict(set)
    daily = collections.defaultdict(lambda: collections.Counter())
    day_sensors = collections.defaultdict(set)
    attacks = collections.defaultdict(list)
    tools = collections.Counter()
    interval = None
    t_min, t_max = None, None
    for rec in records(path):
        t = rec["start_unix"]
        interval = rec["interval"]
        t_min = t if t_min is None else min(t_min, t)
        t_max = t if t_max is None else max(t_max, t)
        by_sensor_hours[rec["sensor"]].add(t)
        day = day_name(t)
        day_sensors[day].add(rec["sensor"])
        for p in rec["ports"]:
            if p["proto"] == "tcp" and p["port"] in (80, 443):
                daily[day][p["port"]] += p["packets"]
        for d in rec["dos"]:
            attacks[(rec["sensor"], d["victim"], d["proto"], d["start"])].append((t, d))
        for s in rec["scanners"]:
            tools[s["tool"]] += 1
    slots = (t_max - t_min) // interval + 1
    gaps = {s: slots - len(h) for s, h in by_sensor_hours.items()}
    pl = ans["downtime"]["planted"]
    if not only_dos:
        report(sum(gaps.values()) > 0, "downtime: some sensor-intervals have no record", str(gaps))
    if pl and not only_dos:
        others = [s for s in man if s != pl["sensor"]]
        report(pl["sensor"] not in day_sensors[pl["day"]] and all(s in day_sensors[pl["day"]] for s in others[:3]),
               "downtime: the planted sensor is silent all of its day, others report")
    surge = ans["surge"]
    if surge and not only_dos:
        avg = {d: {p: daily[d][p] / len(day_sensors[d]) for p in (80, 443)} for d in daily}
        before = [d for d in sorted(avg) if d < surge["days"][0]][-14:]
        ok = len(before) >= 3
        for p in (80, 443):
            base = statistics.median(avg[d][p] for d in before) if before else 0
            ok = ok and all(avg[d][p] > 10 * base for d in surge["days"])
        report(ok, "surge: tcp/80 and tcp/443 per-sensor averages above 10x the median of the days before")
    dos = ans["dos"]
    if dos:
        seen = [k for k in attacks if k[1] == dos["victim"]]
        report(len(seen) == dos["sensors"] and len(seen) >= len(man) // 2,
               "DoS: the planted victim is seen by most sensors", "%d" % len(seen))
    bad = 0
    for key, entries in attacks.items():
        entries.sort(key=lambda e: e[0])
        cum = 0
        ok = True
        hours = by_sensor_hours[key[0]]
        for i, (t, d) in enumerate(entries):
            if i == 0:
                # an attack that began before this record was seen in the record before,
                # unless the sensor wrote none (downtime, or the start of the range)
                began = parse_time(d["start"])
                if began < t and (t - interval) in hours:
                    ok = False
                if began >= t and d["packets"] != d["packets_interval"]:
                    ok = False
                cum = d["packets"] - d["packets_interval"]
            elif t - entries[i - 1][0] != interval:
                # a gap: allowed only where the sensor wrote no record at all (downtime)
                if any(x in hours for x in range(entries[i - 1][0] + interval, t, interval)):
                    ok = False
                cum = d["packets"] - d["packets_interval"]
            cum += d["packets_interval"]
            if d["packets"] != cum or d["ports"] != entries[0][1]["ports"]:
                ok = False
            last = i == len(entries) - 1
            # every entry but the last is ongoing; the last has ended, unless the range or the
            # sensor's records stop right after it
            if not last and not d["ongoing"]:
                ok = False
            if last and d["ongoing"] and (t + interval) in hours:
                ok = False
        bad += not ok
    report(len(attacks) > 0 and bad == 0,
           "DoS: every attack keeps victim, proto and start; packets cumulative; ongoing then ended (%d)" % len(attacks),
           "%d inconsistent" % bad)
    if not only_dos:
        report(tools["mirai"] > 0 and tools["zmap"] > 0 and tools["masscan"] > 0 and tools[None] > 0,
               "scanners: zmap, masscan, mirai and unknown tools present", str(dict(tools)))


def cmd_bench(path, manifest_path, n, ports):
    n, ports = int(n), int(ports)
    man = load_manifest(manifest_path)
    recs = list(records(path))
    names = [r["sensor"] for r in recs]
    starts = {r["start_unix"] for r in recs}
    report(len(recs) == n and len(set(names)) == n and len(starts) == 1 and set(names) == set(man),
           "bench: one interval from each of %d sensors, all in the manifest" % n)
    counts = [len(r["ports"]) for r in recs]
    report(min(counts) >= ports * 0.7 and max(counts) <= ports * 1.4 and len(set(counts)) > n // 4,
           "bench: about %d ports per record, varied" % ports, "%d..%d" % (min(counts), max(counts)))
    report(all(re.match(r"^bench-\d{5}$", x) for x in names), "bench: sensors named bench-00001...")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"schema": cmd_schema, "records": cmd_records, "answers": cmd_answers,
     "events": cmd_events, "dos": cmd_dos, "bench": cmd_bench}[cmd](*args)


if __name__ == "__main__":
    main()
