#!/usr/bin/env bash
# make demo: the observation view with a year of history and a live sensor.
#
# 1. keikai-history simulates 8 sensors in several regions from the start of the previous
#    fiscal year until now (hourly records, with a late-February SYN surge to 80/443 from
#    Myanmar-spoofed sources, a backscatter DoS and a new top-10 port), and keikai imports them
#    into a fresh SQLite database, build/demo/keikai.db.
# 2. keikaid serves the API and the web UI on 127.0.0.1 (DEMO_PORT, default 8080).
# 3. A live keikai-sensor captures on a veth pair onto which tcpreplay loops a sample capture,
#    and delivers a record every minute to keikaid. Without root (or without veth), it reads
#    the sample captures once instead.
# 4. Incident handling: JPCERT/CC's published 2019 phishing URLs (tests/data/phishurl) written as
#    report mails in the shapes real mailers send (tools/mail-gen.py), imported with their
#    arrival times, so reports link into incidents and the 2019 quarters have figures; a
#    sample constituency (scripts/demo-contacts.jsonl); a handler and an analyst account; and a
#    Maildir keikaid watches, into which new mails can be dropped.
# Ctrl-C stops everything and removes the veth pair.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
OUT=$ROOT/$BUILD/demo
PORT=${DEMO_PORT:-8080}
KD=$BUILD/src/server/keikaid
CLI=$BUILD/src/cli/keikai
SENSOR=$BUILD/src/sensor/keikai-sensor
HIST=$BUILD/tools/keikai-history
PCAP=tests/data/pcaps/stopddos/amp.TCP.syn.optionallyACK.optionallysamePort.pcapng
LANGOPT=()
[ -n "${DEMO_LANG:-}" ] && LANGOPT=(--lang "$DEMO_LANG")
pids=()
VETH=
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$VETH" ]; then ip link del "$VETH" 2>/dev/null || true; fi
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	echo "keikai demo: something already listens on 127.0.0.1:$PORT; set DEMO_PORT" >&2
	exit 1
fi
t0=$(date +%s)
mkdir -p "$OUT"
rm -rf "$OUT"/keikai.db* "$OUT"/*.jsonl "$OUT"/*.tsv "$OUT"/reports "$OUT"/inbox
echo "keikai demo: simulating a year of history from 8 sensors ..."
# the sensors first (the manifest does not depend on the range), then the records, generated
# and imported at the same time through a pipe
"$HIST" --sensors 8 --from "$(TZ=Asia/Tokyo date +%F)" -o /dev/null --manifest "$OUT/sensors.tsv"
"$CLI" "${LANGOPT[@]}" -d "$OUT/keikai.db" sensor import "$OUT/sensors.tsv" >/dev/null
"$HIST" --sensors 8 --interval 3600 --ports 20 -o - --answers "$OUT/answers.json" |
	"$CLI" "${LANGOPT[@]}" -d "$OUT/keikai.db" import -
"$CLI" -d "$OUT/keikai.db" org add "Demo live sensors" >/dev/null
"$CLI" -d "$OUT/keikai.db" sensor add live-1 --org "Demo live sensors" --region JP \
	--location "this machine" >"$OUT/live-1.token"
"$CLI" -d "$OUT/keikai.db" token add demo-admin --role admin >"$OUT/admin.token"

echo "keikai demo: 2019 phishing reports as mails, a sample constituency and two accounts ..."
python3 tools/mail-gen.py maildir "$OUT/reports" -n "${DEMO_REPORTS:-6000}" --seed 2019 \
	--urls tests/data/phishurl/2019*.csv
# each mail arrives when its Date header says (a Maildir's arrival time is the file's)
python3 - "$OUT/reports/new" <<'PY'
import email.parser, email.utils, os, sys
d = sys.argv[1]
for f in os.listdir(d):
    p = os.path.join(d, f)
    with open(p, 'rb') as fh:
        h = email.parser.BytesHeaderParser().parse(fh)
    t = email.utils.parsedate_to_datetime(h['Date']).timestamp()
    os.utime(p, (t, t))
PY
"$CLI" "${LANGOPT[@]}" -d "$OUT/keikai.db" import mail --rsit fraud/phishing "$OUT/reports" 2>"$OUT/import-mail.log" | tail -n 1
"$CLI" "${LANGOPT[@]}" -d "$OUT/keikai.db" contact import scripts/demo-contacts.jsonl
"$CLI" -d "$OUT/keikai.db" user add handler --role handler --generate >"$OUT/handler.password" 2>/dev/null
"$CLI" -d "$OUT/keikai.db" user add analyst --role analyst --generate >"$OUT/analyst.password" 2>/dev/null
mkdir -p "$OUT/inbox/new" "$OUT/inbox/cur" "$OUT/inbox/tmp"

cat >"$OUT/keikaid.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $OUT/keikai.db
[web]
root = $ROOT/$BUILD/web
[access]
public_stats = true
public_events = true
[intake]
maildir = $OUT/inbox
INI
"$KD" "${LANGOPT[@]}" -c "$OUT/keikaid.ini" >"$OUT/keikaid.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/obs/orgs" && break
	sleep 0.1
done

live="reads the sample captures once (not root, or no veth support)"
if [ "$(id -u)" = 0 ]; then ip link del kkdemo0 2>/dev/null || true; fi # left over from an interrupted demo
if [ "$(id -u)" = 0 ] && command -v tcpreplay >/dev/null &&
	ip link add kkdemo0 type veth peer name kkdemo1 2>/dev/null; then
	VETH=kkdemo0
	ip link set kkdemo0 up
	ip link set kkdemo1 up
	"$SENSOR" -s live-1 -i kkdemo1 -I 60 --drain 3 -u "http://127.0.0.1:$PORT" \
		--token-file "$OUT/live-1.token" --spool "$OUT/spool" >"$OUT/sensor.log" 2>&1 &
	pids+=($!)
	sleep 0.5
	tcpreplay -q -i kkdemo0 --loop=0 --pps=200 "$PCAP" >/dev/null 2>&1 &
	pids+=($!)
	live="captures live on a veth pair (kkdemo1) that tcpreplay feeds with a sample capture; a record a minute"
else
	"$SENSOR" -s live-1 -u "http://127.0.0.1:$PORT" --token-file "$OUT/live-1.token" \
		--spool "$OUT/spool" -r "$PCAP" >"$OUT/sensor.log" 2>&1 &
	pids+=($!)
fi
t1=$(date +%s)

cat <<TXT

keikai demo ready in $((t1 - t0)) s.

  Web UI (ISDAS view, English / 日本語):  http://127.0.0.1:$PORT/
  API, e.g.:  curl 'http://127.0.0.1:$PORT/api/v1/obs/ports/top?range=last30d'
  Database:   $OUT/keikai.db     keikaid log: $OUT/keikaid.log
  Admin token (for /api/v1/admin/...): $(cat "$OUT/admin.token")
  Live sensor live-1 $live.

  Incident handling:  http://127.0.0.1:$PORT/incident.html
    handler: user "handler", password $(cat "$OUT/handler.password")
    analyst: user "analyst", password $(cat "$OUT/analyst.password")
    Public report form: http://127.0.0.1:$PORT/report.html
    2019's phishing reports are in; quarter figures: Statistics, e.g. 2019Q1.
    Drop a mail into $OUT/inbox/new/ and it becomes a report.
  Planted in the history: see $OUT/answers.json (the late-February surge of SYN to
  80/443 from Myanmar-spoofed sources, a backscatter DoS, a new top-10 port).

Ctrl-C stops the demo.
TXT
wait "${pids[0]}"
