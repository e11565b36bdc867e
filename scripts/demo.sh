#!/usr/bin/env bash
# make demo: run keikai-sensor over the sample captures and show what it found.
# Until keikaid exists, the demo is the sensor: readable interval summaries on the terminal
# (English, or Japanese when LANG starts with ja or DEMO_LANG=ja), and the records as JSON
# lines in build/demo/.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SENSOR=$BUILD/src/sensor/keikai-sensor
GEN=$BUILD/tools/keikai-gen
OUT=$BUILD/demo
DATA=tests/data/pcaps
LANGOPT=()
[ -n "${DEMO_LANG:-}" ] && LANGOPT=(--lang "$DEMO_LANG")
mkdir -p "$OUT"
rm -f "$OUT"/*.jsonl

run() { # title, sensor arguments...
	local title=$1
	shift
	printf '\n\033[1m== %s ==\033[0m\n' "$title"
	"$SENSOR" "${LANGOPT[@]}" --summary -o "$OUT/records.jsonl" -s demo "$@"
}

run "masscan TCP scan of ports 0-1000 (ESnet)" -r "$DATA/esnet/tcp_0_1000_20190821.pcap"
run "SYN port scan (Chris Sanders)" -r "$DATA/chrissanders/synscan.pcapng"
run "SYN and SYN-ACK backscatter over 14 minutes (StopDDoS)" \
	-r "$DATA/stopddos/amp.TCP.syn.optionallyACK.optionallysamePort.pcapng"
if [ -x "$GEN" ]; then
	"$GEN" --scenario groundtruth --seed 7 --out "$OUT/groundtruth.pcap" \
		--truth "$OUT/groundtruth.json" >/dev/null
	run "generated darknet traffic: several scanner tools, DoS backscatter, noise (keikai-gen)" \
		-r "$OUT/groundtruth.pcap" -d 203.0.113.0/24 -d 2001:db8:dead::/48
fi

cat <<TXT

Records (one JSON object per sensor and interval, schema docs/interval-record.md):
  $OUT/records.jsonl      e.g.  jq . $OUT/records.jsonl | less
Try the sensor on your own capture:
  $SENSOR --summary -r FILE.pcap
or live, on the interface that receives a dark prefix (as root):
  $SENSOR --summary -i eth1 -d 203.0.113.0/24 -Z nobody
In Japanese: add --lang ja.  Manual: man -l docs/man/keikai-sensor.8
TXT
