#!/usr/bin/env bash
# bench/server-query.sh - keikaid statistics: query latency on a fiscal year of 100 sensors, and
# requests per second against nginx serving the same answer as a static file
#
# 1. keikai-history writes one fiscal year of hourly records from SENSORS (default 100)
#    sensors; keikai import stores and rolls them up (its time is printed too).
# 2. With the answer cache off, wrk (1 connection) measures the latency of the top-10 ports of
#    the fiscal year and of the ISDAS page's data (/overview): p50, p99 (targets 50 ms and
#    100 ms at p99).
# 3. With the cache on, wrk (2 threads, 64 connections, 10 s) measures requests per second of
#    /ports/top, and then of Debian's nginx serving the very same bytes as a static file on
#    127.0.0.1, in the same run; the ratio is printed (target: keikaid >= 50 % of nginx).
# Usage: bash bench/server-query.sh   (SENSORS=, PORTS=, DURATION= override)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build-bench}
SENSORS=${SENSORS:-100}
PORTS=${PORTS:-40}
DURATION=${DURATION:-10}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
tmp=$(mktemp -d)
KPID=
NPID=
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; [ -n "$NPID" ] && kill $NPID 2>/dev/null; rm -rf "$tmp"' EXIT
die() { echo "server-query: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx is missing (apt-get install nginx-light)"

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=release -Db_lto=true >/dev/null || die "meson setup"
fi
ninja -C "$BUILD" >/dev/null || die "build"
HIST=$BUILD/tools/keikai-history
KD=$BUILD/src/server/keikaid
CLI=$BUILD/src/cli/keikai

# the last whole fiscal year (April to March, JST)
y=$(TZ=Asia/Tokyo date +%Y)
m=$(TZ=Asia/Tokyo date +%m)
[ "${m#0}" -lt 4 ] && y=$((y - 1))
FY=$((y - 1))
DB=$OUT/query-$SENSORS-fy$FY.db
if [ ! -s "$DB" ]; then
	REC=$tmp/year.jsonl
	t0=$(date +%s.%N)
	"$HIST" --sensors "$SENSORS" --ports "$PORTS" --interval 3600 --from "$FY-04-01" \
		--to "$((FY + 1))-03-31" -o "$REC" --manifest "$tmp/sensors.tsv" || die "keikai-history"
	t1=$(date +%s.%N)
	"$CLI" -d "$DB.tmp" sensor import "$tmp/sensors.tsv" >/dev/null || die "sensor import"
	"$CLI" -d "$DB.tmp" import "$REC" || die "import"
	t2=$(date +%s.%N)
	sqlite3 "$DB.tmp" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	mv "$DB.tmp" "$DB"
	echo "# generated $(wc -l <"$REC") records in $(echo "$t1 - $t0" | bc) s; imported and rolled up in $(echo "$t2 - $t1" | bc) s"
fi
echo "# machine: $(nproc) cores; database: $(du -h "$DB" | cut -f1), $(sqlite3 "$DB" 'SELECT COUNT(*) FROM obs_records') records, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM obs_port_day') per-sensor daily port rows"

start_kd() { # CACHE_MIB
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$tmp/k.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 2
cache_mib = $1
[store]
path = $DB
[geo]
database = none
INI
	"$KD" -c "$tmp/k.ini" >"$tmp/kd.log" 2>&1 &
	KPID=$!
	for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/obs/orgs" && break; sleep 0.05; done
	# measure the steady state: let the writer finish what is due at start (rollups, and the
	# hourly retention pass) first
	"$CLI" -d "$DB" token remove bench >/dev/null 2>&1 || true
	local admin
	admin=$("$CLI" -d "$DB" token add bench --role admin)
	curl -s -o /dev/null -X POST -H "Authorization: Bearer $admin" "http://127.0.0.1:$PORT/api/v1/admin/rollup"
}
stop_kd() { kill "$KPID"; wait "$KPID" 2>/dev/null || true; KPID=; }
# wrk's latency lines: "50%" and "99%"
lat() { awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} END{print "p50 " p50 ", p99 " p99}'; }
rps() { awk '/^Requests\/sec/{print $2}'; }

TOP="/api/v1/obs/ports/top?range=fy$FY&n=10"
OVER="/api/v1/obs/overview?range=fy$FY"
start_kd 0
curl -s "http://127.0.0.1:$PORT$TOP" >"$tmp/top.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("# top 10 of fy%s: %s" % (sys.argv[2], " ".join("%s/%d" % (p["port"], p["rank"]) for p in d["ports"])))' "$tmp/top.json" "$FY"
echo "top-10 ports, fiscal year, no cache:  $(wrk -t1 -c1 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$TOP" | tee "$tmp/w1" | lat), $(rps <"$tmp/w1") req/s"
echo "ISDAS page data (/overview), no cache: $(wrk -t1 -c1 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$OVER" | tee "$tmp/w2" | lat), $(rps <"$tmp/w2") req/s"
stop_kd

start_kd 64
curl -s -o "$tmp/top.json" "http://127.0.0.1:$PORT$TOP"
k=$(wrk -t2 -c64 -d"${DURATION}s" "http://127.0.0.1:$PORT$TOP" | rps)
stop_kd
mkdir -p "$tmp/www"
cp "$tmp/top.json" "$tmp/www/top.json"
NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/nginx.conf" <<NGX
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/json;
	server { listen 127.0.0.1:$NPORT; root $tmp/www; }
}
NGX
/usr/sbin/nginx -c "$tmp/nginx.conf" -g 'daemon off;' &
NPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$NPORT/top.json" && break; sleep 0.05; done
n=$(wrk -t2 -c64 -d"${DURATION}s" "http://127.0.0.1:$NPORT/top.json" | rps)
kill "$NPID"
wait "$NPID" 2>/dev/null || true
NPID=
echo "requests/s, same $(stat -c %s "$tmp/top.json")-byte answer: keikaid $k, nginx $n, keikaid/nginx $(python3 -c "print('%.1f %%' % (100.0 * $k / $n))")"
