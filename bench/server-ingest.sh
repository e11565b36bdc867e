#!/usr/bin/env bash
# bench/server-ingest.sh - keikaid ingest throughput through the HTTP API into SQLite
#
# The 5-minute output of SENSORS sensors (default 10,000) with about PORTS ports each (default
# 300), made by keikai-history --bench, is POSTed by bench/ingest-load over CONC keep-alive
# connections (default 64) to a release keikaid on 127.0.0.1 with a fresh database; each answer
# 201 follows a durable commit. Prints records/s and port rows/s (the target: >= 200,000 port
# rows/s, i.e. the whole batch in under 15 s), then the time the rollups of the batch took.
# Usage: bash bench/server-ingest.sh   (SENSORS=, PORTS=, CONC= override)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build-bench}
SENSORS=${SENSORS:-10000}
PORTS=${PORTS:-300}
CONC=${CONC:-64}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
tmp=$(mktemp -d)
KPID=
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; rm -rf "$tmp"' EXIT
die() { echo "server-ingest: $*" >&2; exit 1; }

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=release -Db_lto=true >/dev/null || die "meson setup"
fi
ninja -C "$BUILD" >/dev/null || die "build"
HIST=$BUILD/tools/keikai-history
LOAD=$BUILD/bench/ingest-load
KD=$BUILD/src/server/keikaid
CLI=$BUILD/src/cli/keikai

# one 5-minute interval of today, so that every rollup level keeps it
REC=$OUT/ingest-$SENSORS-$PORTS.jsonl
"$HIST" --bench "$SENSORS" --ports "$PORTS" --interval 300 --from "$(TZ=Asia/Tokyo date +%F)" \
	-o "$REC" --manifest "$OUT/ingest-$SENSORS.tsv" || die "keikai-history"
DB=$tmp/k.db
"$CLI" -d "$DB" sensor import "$OUT/ingest-$SENSORS.tsv" >"$tmp/tokens.tsv" || die "sensor import"
ADMIN=$("$CLI" -d "$DB" token add bench --role admin)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/k.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = $CONC
max_connections = 4096
[store]
path = $DB
[geo]
database = none
[ingest]
rate = 0
rollup_ms = 600000
INI
"$KD" -c "$tmp/k.ini" >"$tmp/kd.log" 2>&1 &
KPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/obs/orgs" && break; sleep 0.05; done

echo "# machine: $(nproc) cores, $(uname -r); $(sqlite3 --version | cut -d' ' -f1) sqlite"
echo "# input: $(wc -l <"$REC") records, $(du -h "$REC" | cut -f1)"
"$LOAD" --url "http://127.0.0.1:$PORT" --records "$REC" --tokens "$tmp/tokens.tsv" -c "$CONC" |
	tee "$tmp/load.txt"
t0=$(date +%s.%N)
curl -s -X POST -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/api/v1/admin/rollup" >/dev/null
t1=$(date +%s.%N)
recs=$(sqlite3 "$DB" "SELECT COUNT(*) FROM obs_records")
rows=$(sqlite3 "$DB" "SELECT COUNT(*) FROM obs_port_hour")
echo "stored records: $recs; rolled up into $rows hourly port rows in $(echo "$t1 - $t0" | bc) s afterwards"
echo "database: $(du -h "$DB" "$DB-wal" 2>/dev/null | awk '{print $1}' | paste -sd+)"
