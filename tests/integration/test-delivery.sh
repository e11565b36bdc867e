#!/bin/bash
# test-delivery.sh - keikai-sensor delivers every interval record to the server exactly once
#
# Runs the real sensor over a real capture against tests/integration/receiver.py on 127.0.0.1
# and checks what the receiver stored, what stayed in the spool and what the receiver answered.
# Output is TAP: one "ok - name" / "not ok - name" per case; the exit status is non-zero when
# any case fails.
#
# Usage: test-delivery.sh [path/to/keikai-sensor]     (default: $KEIKAI_SENSOR)
# Needs python3 ($PYTHON overrides). KEIKAI_TEST_PCAP overrides the capture (it must span
# several intervals). KEEP_WORK=1 keeps the work directory for a look afterwards.

set -u

SENSOR=${1:-${KEIKAI_SENSOR:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PCAP=${KEIKAI_TEST_PCAP:-$TOP/tests/data/pcaps/stopddos/amp.TCP.syn.optionallyACK.optionallysamePort.pcapng}
RECEIVER=$HERE/receiver.py
PYTHON=${PYTHON:-python3}
SENSOR_ID=it-sensor
TOKEN=it-token-$$-$RANDOM

if [ -z "$SENSOR" ] || [ ! -x "$SENSOR" ]; then
	echo "Bail out! no sensor binary: give its path or set KEIKAI_SENSOR"
	exit 1
fi
if ! command -v "$PYTHON" >/dev/null; then
	echo "Bail out! python3 is needed for the receiver"
	exit 1
fi
if [ ! -r "$PCAP" ]; then
	echo "Bail out! cannot read $PCAP"
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-delivery.XXXXXX") || exit 1
RPID=
RPORT=

stop_receiver() {
	if [ -n "$RPID" ]; then
		kill -TERM "$RPID" 2>/dev/null
		wait "$RPID" 2>/dev/null
		RPID=
	fi
}
cleanup() {
	stop_receiver
	if [ -n "${KEEP_WORK:-}" ]; then
		echo "# work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '%s\n' "$TOKEN" >"$WORK/token"
chmod 600 "$WORK/token"

# A pcap with a header and no packets: a run that only drains the spool.
"$PYTHON" -c 'import struct, sys
sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' >"$WORK/empty.pcap"

# Checks over the receiver's store and log, the JSON-lines output and the spool.
cat >"$WORK/check.py" <<'EOF'
import json, os, sys

def records(path):
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            out = [json.loads(l) for l in f if l.strip()]
    return out

def key(rec):
    return "%s/%d" % (rec["sensor"], rec["start_unix"])

def canon(rec):
    return json.dumps(rec, sort_keys=True, separators=(",", ":"))

def fail(msg):
    print("# " + msg)
    sys.exit(1)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "count":  # count JSONL N-MIN N-MAX: how many records a run wrote
    n = len(records(args[0]))
    if not int(args[1]) <= n <= int(args[2]):
        fail("%s holds %d records, expected %s..%s" % (args[0], n, args[1], args[2]))
elif cmd == "same":  # same STORE JSONL...: the store holds exactly the records written, once
    store = records(args[0])
    keys = [key(r) for r in store]
    if len(keys) != len(set(keys)):
        fail("store holds a key twice: %s" % sorted(keys))
    want = {}
    for path in args[1:]:
        for r in records(path):
            want[key(r)] = canon(r)
    got = {key(r): canon(r) for r in store}
    if set(got) != set(want):
        fail("store keys %s, written %s" % (sorted(got), sorted(want)))
    for k in want:
        if got[k] != want[k]:
            fail("record %s differs between the store and the output" % k)
elif cmd == "same-keys":  # same-keys JSONL JSONL: two runs wrote the same intervals
    a = sorted(key(r) for r in records(args[0]))
    b = sorted(key(r) for r in records(args[1]))
    if a != b:
        fail("first run wrote %s, second %s" % (a, b))
elif cmd == "answers":  # answers LOG JSONL STATUS N: each written key got STATUS N times
    counts = {}
    with open(args[0], encoding="utf-8") as f:
        for line in f:
            status, k = line.split()
            counts[(status, k)] = counts.get((status, k), 0) + 1
    for r in records(args[1]):
        n = counts.get((args[2], key(r)), 0)
        if n != int(args[3]):
            fail("%s answered %s %d times, expected %s" % (key(r), args[2], n, args[3]))
elif cmd == "status-count":  # status-count LOG STATUS N: STATUS was answered N times in all
    with open(args[0], encoding="utf-8") as f:
        n = sum(1 for line in f if line.split()[0] == args[1])
    if n != int(args[2]):
        fail("%s answered %d times, expected %s" % (args[1], n, args[2]))
elif cmd == "spooled":  # spooled DIR JSONL: DIR holds exactly the written records, as written
    lines = set()
    with open(args[1], encoding="utf-8") as f:
        lines = {l.rstrip("\n") for l in f if l.strip()}
    names = sorted(n for n in os.listdir(args[0]) if n.endswith(".json"))
    if len(names) != len(lines):
        fail("%s holds %d records, %d written" % (args[0], len(names), len(lines)))
    for n in names:
        with open(os.path.join(args[0], n), encoding="utf-8") as f:
            body = f.read()
        if body not in lines:
            fail("%s/%s is not one of the written records" % (args[0], n))
        rec = json.loads(body)
        if not n.startswith("%020d-" % rec["start_unix"]):
            fail("%s is not named after its start %d" % (n, rec["start_unix"]))
elif cmd == "empty":  # empty DIR: no records (temporary files would count too)
    left = [n for n in os.listdir(args[0]) if n != "rejected"]
    if left:
        fail("%s still holds %s" % (args[0], left))
else:
    fail("unknown check " + cmd)
EOF

check() {
	"$PYTHON" "$WORK/check.py" "$@"
}

now_ms() {
	date +%s%3N
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds or the time is up
wait_for() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

has_line() {
	[ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]
}

# start_receiver DIR [receiver options...]: sets RPID and RPORT
start_receiver() {
	local dir=$1
	shift
	: >"$dir/port"
	"$PYTHON" "$RECEIVER" --port 0 --token "$TOKEN" --store "$dir/store.jsonl" \
		--log "$dir/log" "$@" >"$dir/port" 2>"$dir/receiver.err" &
	RPID=$!
	if ! wait_for 10 has_line "$dir/port"; then
		echo "# receiver did not start"
		sed 's/^/# /' "$dir/receiver.err"
		return 1
	fi
	RPORT=$(head -n 1 "$dir/port")
	: >>"$dir/log"
}

# closed_port: a port on 127.0.0.1 that nothing listens on (bound, then released)
closed_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# run_sensor DIR URL INPUT JSONL [flags...]: the sensor's exit status
run_sensor() {
	local dir=$1 url=$2 input=$3 jsonl=$4
	shift 4
	timeout 120 "$SENSOR" -r "$input" -s "$SENSOR_ID" -I 300 -u "$url" \
		--token-file "$WORK/token" --spool "$dir/spool" -o "$jsonl" "$@" \
		>>"$dir/sensor.out" 2>>"$dir/sensor.err"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "# sensor exited $rc"
		sed 's/^/# /' "$dir/sensor.err"
	fi
	return "$rc"
}

failures=0
result() {
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failures=$((failures + 1))
	fi
	stop_receiver
}

case_all_delivered() {
	local d=$WORK/a
	mkdir -p "$d"
	start_receiver "$d" || return 1
	run_sensor "$d" "http://127.0.0.1:$RPORT" "$PCAP" "$d/out.jsonl" || return 1
	check count "$d/out.jsonl" 3 4 &&
		check same "$d/store.jsonl" "$d/out.jsonl" &&
		check answers "$d/log" "$d/out.jsonl" 201 1 &&
		check empty "$d/spool" &&
		check empty "$d/spool/rejected"
}

case_receiver_down_then_drained() {
	local d=$WORK/b port t0 t1
	mkdir -p "$d"
	port=$(closed_port) || return 1
	t0=$(now_ms)
	run_sensor "$d" "http://127.0.0.1:$port" "$PCAP" "$d/out.jsonl" --drain 1 || return 1
	t1=$(now_ms)
	# --drain 1 bounds the exit: nothing may wait for the full backoff
	if [ $((t1 - t0)) -gt 8000 ]; then
		echo "# run with the server down took $((t1 - t0)) ms"
		return 1
	fi
	check count "$d/out.jsonl" 3 4 &&
		check spooled "$d/spool" "$d/out.jsonl" || return 1

	start_receiver "$d" || return 1
	run_sensor "$d" "http://127.0.0.1:$RPORT" "$WORK/empty.pcap" "$d/out2.jsonl" || return 1
	check count "$d/out2.jsonl" 0 0 &&
		check empty "$d/spool" &&
		check same "$d/store.jsonl" "$d/out.jsonl" &&
		check answers "$d/log" "$d/out.jsonl" 201 1 &&
		check status-count "$d/log" 409 0
}

case_transient_failures() {
	local d=$WORK/c
	mkdir -p "$d"
	start_receiver "$d" --fail-first 3 || return 1
	# three 503s cost about 1 + 2 + 4 s of backoff; the drain ends as soon as the spool is empty
	run_sensor "$d" "http://127.0.0.1:$RPORT" "$PCAP" "$d/out.jsonl" --drain 30 || return 1
	check status-count "$d/log" 503 3 &&
		check same "$d/store.jsonl" "$d/out.jsonl" &&
		check answers "$d/log" "$d/out.jsonl" 201 1 &&
		check empty "$d/spool"
}

case_rejected() {
	local d=$WORK/d
	mkdir -p "$d"
	start_receiver "$d" --reject-all || return 1
	run_sensor "$d" "http://127.0.0.1:$RPORT" "$PCAP" "$d/out.jsonl" || return 1
	check count "$d/out.jsonl" 3 4 &&
		check answers "$d/log" "$d/out.jsonl" 400 1 &&
		check empty "$d/spool" &&
		check spooled "$d/spool/rejected" "$d/out.jsonl" &&
		check same "$d/store.jsonl"
}

case_rerun_same_file() {
	local d=$WORK/e
	mkdir -p "$d"
	start_receiver "$d" || return 1
	run_sensor "$d" "http://127.0.0.1:$RPORT" "$PCAP" "$d/out.jsonl" || return 1
	run_sensor "$d" "http://127.0.0.1:$RPORT" "$PCAP" "$d/out2.jsonl" || return 1
	check count "$d/out2.jsonl" 3 4 &&
		check same-keys "$d/out.jsonl" "$d/out2.jsonl" &&
		check same "$d/store.jsonl" "$d/out.jsonl" &&
		check answers "$d/log" "$d/out.jsonl" 201 1 &&
		check answers "$d/log" "$d/out2.jsonl" 409 1 &&
		check empty "$d/spool" &&
		check empty "$d/spool/rejected"
}

echo "1..5"
case_all_delivered
result $? "all records delivered, store equals the JSON-lines output"
case_receiver_down_then_drained
result $? "server down: records stay in the spool, next run delivers each once"
case_transient_failures
result $? "three 503 answers: retried with backoff, each record stored once"
case_rejected
result $? "400 answers: records moved to spool/rejected"
case_rerun_same_file
result $? "same capture twice: second delivery answered 409, stored once"

[ "$failures" -eq 0 ]
