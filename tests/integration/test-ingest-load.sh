#!/usr/bin/env bash
# test-ingest-load.sh - bench/ingest-load posts every record once, with the sensor's token and
# the idempotency key, to a real HTTP receiver on 127.0.0.1 (receiver.py), counts the answers
# and fails on errors. Prints TAP lines. KEIKAI_INGEST_LOAD and KEIKAI_HISTORY name the
# binaries (default: found from KEIKAI_GEN's build directory).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(dirname "$(dirname "${KEIKAI_GEN:-/nonexistent/tools/x}")")
LOAD=${KEIKAI_INGEST_LOAD:-$BUILD/bench/ingest-load}
HIST=${KEIKAI_HISTORY:-$BUILD/tools/keikai-history}
TMP=$(mktemp -d)
RPID=
stop() { [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null; RPID=; }
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
n=0
say() { n=$((n + 1)); echo "$1 $n - $2"; }
check() {
	local d=$1
	shift
	if "$@"; then say ok "$d"; else say "not ok" "$d"; fi
}
field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
start_receiver() { # args for receiver.py; sets PORT
	rm -f "$TMP/port"
	python3 "$HERE/receiver.py" --token s3cret --store "$TMP/store.jsonl" --log "$TMP/log" "$@" >"$TMP/port" &
	RPID=$!
	for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
	PORT=$(head -1 "$TMP/port")
}

N=150
"$HIST" --bench $N --ports 300 --interval 300 --from 2026-02-24 -o "$TMP/r.jsonl" --manifest "$TMP/m.tsv"
cut -f1 "$TMP/m.tsv" | sed 's/$/\ts3cret/' >"$TMP/tokens.tsv"
rows=$(jq -s '[.[].ports | length] | add' "$TMP/r.jsonl")

start_receiver
"$LOAD" --url "http://127.0.0.1:$PORT/" --records "$TMP/r.jsonl" --tokens "$TMP/tokens.tsv" -c 8 >"$TMP/o1" 2>"$TMP/e1"
rc=$?
check "all records posted: exit 0, $N answered 201" test "$rc" = 0 -a "$(field "$TMP/o1" records)" = $N -a "$(field "$TMP/o1" status_201)" = $N
check "port rows counted ($rows)" test "$(field "$TMP/o1" port_rows)" = "$rows"
check "the receiver stored each record exactly once" \
	test "$(jq -r '"\(.sensor)/\(.start_unix)"' "$TMP/store.jsonl" | sort -u | wc -l)" = $N -a "$(wc -l <"$TMP/store.jsonl")" = $N
check "Idempotency-Key is sensor/start_unix of each record" \
	test "$(awk '{print $2}' "$TMP/log" | sort)" = "$(jq -r '"\(.sensor)/\(.start_unix)"' "$TMP/r.jsonl" | sort)"
check "stored records are the records sent" \
	test "$(jq -S -c . "$TMP/store.jsonl" | sort | sha256sum)" = "$(jq -S -c . "$TMP/r.jsonl" | sort | sha256sum)"
check "latency percentiles reported" test -n "$(field "$TMP/o1" p50_ms)" -a -n "$(field "$TMP/o1" p99_ms)"

"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/r.jsonl" --tokens "$TMP/tokens.tsv" >"$TMP/o2" 2>"$TMP/e2"
rc=$?
check "posting again: every answer 409, still exit 0" test "$rc" = 0 -a "$(field "$TMP/o2" status_409)" = $N

cut -f1 "$TMP/m.tsv" | sed 's/$/\twrong/' >"$TMP/bad-tokens.tsv"
"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/r.jsonl" --tokens "$TMP/bad-tokens.tsv" >"$TMP/o3" 2>"$TMP/e3"
rc=$?
check "wrong tokens: 401 counted as 4xx, exit 1" test "$rc" = 1 -a "$(field "$TMP/o3" status_4xx)" = $N
stop

rm -f "$TMP/store.jsonl" "$TMP/log"
start_receiver --fail-first 5
"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/r.jsonl" --tokens "$TMP/tokens.tsv" -c 4 >"$TMP/o4" 2>"$TMP/e4"
rc=$?
check "server errors: 5 answers 5xx, the rest 201, exit 1" \
	test "$rc" = 1 -a "$(field "$TMP/o4" status_5xx)" = 5 -a "$(field "$TMP/o4" status_201)" = $((N - 5))
stop

"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/r.jsonl" --tokens "$TMP/tokens.tsv" -c 2 >"$TMP/o5" 2>"$TMP/e5"
rc=$?
check "no server listening: transfers fail, exit 1" test "$rc" = 1 -a "$(field "$TMP/o5" failed)" = $N

# --- bad input: exit 2 with a message that says what and where ---
head -3 "$TMP/tokens.tsv" >"$TMP/few.tsv"
"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/r.jsonl" --tokens "$TMP/few.tsv" 2>"$TMP/e6" >/dev/null
rc=$?
check "a sensor without a token: exit 2, names it" test "$rc" = 2 -a -n "$(grep -F "bench-00004" "$TMP/e6")"
printf 'bench-00001\tto ken\n' >"$TMP/space.tsv"
"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/r.jsonl" --tokens "$TMP/space.tsv" 2>"$TMP/e7" >/dev/null
rc=$?
check "a token with a space: exit 2, line 1" test "$rc" = 2 -a -n "$(grep -F "line 1" "$TMP/e7")"
{ head -2 "$TMP/r.jsonl"; echo '{"sensor": 5}'; } >"$TMP/badrec.jsonl"
"$LOAD" --url "http://127.0.0.1:$PORT" --records "$TMP/badrec.jsonl" --tokens "$TMP/tokens.tsv" 2>"$TMP/e8" >/dev/null
rc=$?
check "a line that is not a record: exit 2, line 3" test "$rc" = 2 -a -n "$(grep -F "line 3" "$TMP/e8")"
"$LOAD" --url "ftp://127.0.0.1/" --records "$TMP/r.jsonl" --tokens "$TMP/tokens.tsv" 2>"$TMP/e9" >/dev/null
rc=$?
check "a URL that is not http(s): exit 2" test "$rc" = 2 -a -s "$TMP/e9"
"$LOAD" --url "http://127.0.0.1:1" --records "$TMP/r.jsonl" --tokens "$TMP/tokens.tsv" -c 0 2>"$TMP/e10" >/dev/null
rc=$?
check "concurrency 0 refused: exit 2" test "$rc" = 2 -a -n "$(grep -F concurrency "$TMP/e10")"
echo "1..$n"
