#!/usr/bin/env bash
# Golden tests over the real captures in tests/data/pcaps:
#  1. the sensor agrees with tshark on per-interval, per-port and per-class counts;
#  2. the scanners and victims the captures contain are found (facts.tsv);
#  3. the whole records equal the reviewed ones in expected/ (regressions show as a diff);
#  4. generated traffic with known ground truth (keikai-gen) is counted and detected right,
#     in every link-layer encapsulation.
# Prints TAP lines. KEIKAI_SENSOR and KEIKAI_GEN name the binaries.
# With UPDATE=1, rewrites expected/ from the current sensor instead of comparing.
set -u
cd "$(dirname "$0")"
HERE=$PWD
DATA=$HERE/../data/pcaps
SENSOR=${KEIKAI_SENSOR:?set KEIKAI_SENSOR}
GEN=${KEIKAI_GEN:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
say() { n=$((n + 1)); echo "$1 $n - $2"; }

while IFS= read -r -d '' f; do
	rel=${f#"$DATA"/}
	name=$(echo "$rel" | tr '/' '_')
	out=$TMP/$name.jsonl
	if ! "$SENSOR" --hash-seed 1 -s golden -r "$f" -o "$out" 2>"$TMP/err"; then
		say "not ok" "$rel: sensor failed: $(head -c 300 "$TMP/err")"
		continue
	fi
	python3 "$HERE/compare_tshark.py" "$f" "$out" 300 | sed -n 's/^\(ok\|not ok\) [0-9]* - /\1 - tshark: /p'
	if [ "${UPDATE:-0}" = 1 ]; then
		jq -S . "$out" >"$HERE/expected/$name.json"
	elif [ -f "$HERE/expected/$name.json" ]; then
		if diff -u "$HERE/expected/$name.json" <(jq -S . "$out") >"$TMP/diff"; then
			say ok "$rel: records equal expected/$name.json"
		else
			say "not ok" "$rel: records differ from expected/$name.json: $(head -c 600 "$TMP/diff")"
		fi
	else
		say "not ok" "$rel: no expected/$name.json (run with UPDATE=1 and review)"
	fi
	cp "$out" "$TMP/by-rel-$(echo "$rel" | tr '/' '_')"
done < <(find "$DATA" \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)

while IFS=$'\t' read -r cap expr want; do
	case "$cap" in '#'* | '') continue ;; esac
	rec=$TMP/by-rel-$(echo "$cap" | tr '/' '_')
	got=$(jq -s -c "$expr" "$rec" 2>&1)
	if [ "$got" = "$want" ]; then
		say ok "$cap: $expr = $want"
	else
		say "not ok" "$cap: $expr = $got, want $want"
	fi
done <"$HERE/facts.tsv"

if [ -n "$GEN" ] && [ -x "$GEN" ] && [ -f "$HERE/compare_truth.py" ]; then
	for lt in en10mb vlan qinq sll sll2 raw; do
		"$GEN" --scenario groundtruth --seed 7 --linktype "$lt" --out "$TMP/gt-$lt.pcap" \
			--truth "$TMP/gt-$lt.json" >/dev/null 2>"$TMP/err" ||
			{ say "not ok" "keikai-gen $lt: $(head -c 300 "$TMP/err")"; continue; }
		"$SENSOR" --hash-seed 1 -s gt -r "$TMP/gt-$lt.pcap" -o "$TMP/gt-$lt.jsonl" 2>"$TMP/err" ||
			{ say "not ok" "sensor on generated $lt: $(head -c 300 "$TMP/err")"; continue; }
		python3 "$HERE/compare_truth.py" "$TMP/gt-$lt.json" "$TMP/gt-$lt.jsonl" |
			sed -n "s/^\(ok\|not ok\) [0-9]* - /\1 - ground truth $lt: /p"
	done
fi
