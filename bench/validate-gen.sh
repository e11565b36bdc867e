#!/bin/sh
# bench/validate-gen.sh - check keikai-gen's pcaps and truth against independent decoders
#
# For every link type: generate the groundtruth scenario; tshark must report no malformed
# packet and no error; tcpdump -vv must find no bad checksum; and the per-interval, per-port
# packets/sources/destinations and per-protocol class counts that a small script derives from
# tshark's dissection must equal the truth JSON exactly. Then a short bench run is checked for
# its packet and distinct-source totals.
#
# usage: bench/validate-gen.sh [path/to/keikai-gen]   (default: build/tools/keikai-gen)
set -eu

gen=${1:-build/tools/keikai-gen}
[ -x "$gen" ] || { echo "validate-gen: no keikai-gen at $gen (build it first)" >&2; exit 2; }
for tool in tshark tcpdump capinfos python3; do
	command -v "$tool" >/dev/null || { echo "validate-gen: $tool is missing" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

compare() { # compare FIELDS.tsv TRUTH.json
	python3 - "$1" "$2" <<'EOF'
import json, sys
from collections import defaultdict

fields, truth_path = sys.argv[1], sys.argv[2]
truth = json.load(open(truth_path))
ival = truth["interval"]

def icmp4_class(t):
    if t in (0, 3, 4, 5, 11, 12, 14, 16, 18): return "backscatter"
    if t in (8, 10, 13, 15, 17): return "probe"
    return "other"

def icmp6_class(t):
    if 1 <= t <= 4 or t == 129: return "backscatter"
    if t == 128: return "probe"
    return "other"

ports = defaultdict(lambda: [0, set(), set()])
classes = defaultdict(lambda: defaultdict(int))
total = 0
for line in open(fields):
    (ts, ip4p, ip6nh, fragoff, src4, dst4, src6, dst6, tflags, tdport, udport, sport,
     itype, i6type) = (line.rstrip("\n").split("\t") + [""] * 14)[:14]
    total += 1
    start = int(ts.split(".")[0]) // ival * ival
    src, dst = (src4, dst4) if src4 else (src6, dst6)
    nh = int(ip4p or ip6nh)
    if ip4p and fragoff and int(fragoff) > 0:
        proto, port, cls = "other", nh, "other"
    elif nh == 6:
        f = int(tflags, 16)
        cls = "backscatter" if (f & 0x12) == 0x12 or f & 0x04 else "probe" if f & 0x02 else "other"
        proto, port = "tcp", int(tdport)
    elif nh == 17:
        proto, port = "udp", int(udport)
        cls = "backscatter" if int(sport) == 53 else "probe"
    elif nh == 1:
        proto, port = "icmp", int(itype)
        cls = icmp4_class(port)
    elif nh == 58:
        proto, port = "icmp6", int(i6type)
        cls = icmp6_class(port)
    else:
        proto, port, cls = "other", nh, "other"
    row = ports[(start, proto, port)]
    row[0] += 1
    row[1].add(src)
    row[2].add(dst)
    classes[start][(proto, cls)] += 1

bad = 0
if total != truth["packets"]:
    print(f"  packets: tshark {total}, truth {truth['packets']}"); bad += 1
want = {}
for iv in truth["intervals"]:
    for p in iv["ports"]:
        want[(iv["start"], p["proto"], p["port"])] = (p["packets"], p["sources"], p["destinations"])
    for proto, by in iv["by_proto"].items():
        for cls, n in by.items():
            if classes[iv["start"]][(proto, cls)] != n:
                print(f"  {iv['start']} {proto}/{cls}: tshark {classes[iv['start']][(proto, cls)]}, truth {n}")
                bad += 1
got = {k: (v[0], len(v[1]), len(v[2])) for k, v in ports.items()}
for k in sorted(set(want) | set(got), key=str):
    if want.get(k) != got.get(k):
        print(f"  {k}: tshark {got.get(k)}, truth {want.get(k)}"); bad += 1
print(f"  {len(got)} (interval, proto, port) rows, {total} packets: {'ok' if not bad else 'MISMATCH'}")
sys.exit(1 if bad else 0)
EOF
}

for lt in en10mb vlan qinq sll sll2 raw; do
	echo "== $lt"
	"$gen" --linktype "$lt" --seed 7 -o "$tmp/$lt.pcap" -t "$tmp/$lt.json" 2>/dev/null
	capinfos -c -E "$tmp/$lt.pcap" | sed -n '2,3p'

	bad=$(tshark -r "$tmp/$lt.pcap" -o ip.defragment:FALSE \
		-Y '_ws.malformed || _ws.expert.severity >= "error"' 2>/dev/null | wc -l)
	if [ "$bad" -ne 0 ]; then
		echo "  tshark: $bad malformed or erroneous packets"
		fail=1
	fi
	bad=$(tcpdump -nn -vv -r "$tmp/$lt.pcap" 2>/dev/null | grep -ci 'bad .*cksum\|incorrect\|truncated' || true)
	if [ "$bad" -ne 0 ]; then
		echo "  tcpdump: $bad lines with bad checksums or truncation"
		fail=1
	fi

	tshark -r "$tmp/$lt.pcap" -o ip.defragment:FALSE -T fields -E occurrence=f \
		-e frame.time_epoch -e ip.proto -e ipv6.nxt -e ip.frag_offset \
		-e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.flags -e tcp.dstport \
		-e udp.dstport -e udp.srcport -e icmp.type -e icmpv6.type \
		>"$tmp/$lt.tsv" 2>/dev/null
	compare "$tmp/$lt.tsv" "$tmp/$lt.json" || fail=1
done

echo "== bench (200000 packets, 50000 sources)"
"$gen" --scenario bench --packets 200000 --sources 50000 --seed 3 \
	-o "$tmp/bench.pcap" -t "$tmp/bench.json" 2>/dev/null
n=$(tshark -r "$tmp/bench.pcap" -o ip.defragment:FALSE -T fields -E occurrence=f -e ip.src 2>/dev/null |
	sort -u | wc -l)
python3 - "$tmp/bench.json" "$n" <<'EOF' || fail=1
import json, sys
t = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
ok = t["packets"] == 200000 and t["sources"] == 50000 == n
print(f"  packets {t['packets']}, sources truth {t['sources']} tshark {n}: {'ok' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
EOF
bad=$(tshark -r "$tmp/bench.pcap" -o ip.defragment:FALSE \
	-Y '_ws.malformed || _ws.expert.severity >= "error"' 2>/dev/null | wc -l)
[ "$bad" -eq 0 ] || { echo "  tshark: $bad malformed or erroneous packets"; fail=1; }

[ "$fail" -eq 0 ] && echo "validate-gen: all ok" || echo "validate-gen: FAILED"
exit "$fail"
