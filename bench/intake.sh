#!/bin/bash
# bench/intake.sh - mail intake end to end on one core: `keikai import mail` over a Maildir of
# realistic report mails (parse, extract, canonicalise, link, commit), against the floor of
# parsing the same mails with GMime alone (bench-intake-baseline).
#
#   bench/intake.sh [MAILS]            (default 100000; BUILD=build-bench, CORE=0, BATCH=1000)
#
# The corpus (bench/intake-corpus.py) is made once into bench/out/intake-MAILS/ (again with
# REGEN=1); every run imports it into a fresh database. Both programs are pinned to one core
# with taskset and read the same files; the page cache is warmed by a first read so neither
# pays for the disk. Prints both rates (wall clock, and per CPU second, which other work on a
# shared machine does not distort) and their ratio; the target is >= 10,000 mails/s.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MAILS=${1:-100000}
BUILD=${BUILD:-build-bench}
CORE=${CORE:-0}
BATCH=${BATCH:-1000}
OUT=$ROOT/bench/out
# CORPUS=intake (bench/intake-corpus.py: 30 % of the mails share campaign URLs, attachments,
# forwarded mails) or CORPUS=mail-gen (tools/mail-gen.py, the mail parser's corpus: the fixture
# shapes with URLs drawn from tests/data/phishurl)
CORPUS=${CORPUS:-intake}
MD=$OUT/intake-$CORPUS-$MAILS
[ "$CORPUS" = intake ] && MD=$OUT/intake-$MAILS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keikai-bench-intake.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
die() {
	echo "bench/intake.sh: $*" >&2
	exit 1
}

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=release >"$tmp/setup.log" 2>&1 ||
		{ cat "$tmp/setup.log" >&2; die "meson setup $BUILD failed"; }
fi
ninja -C "$BUILD" -j2 src/cli/keikai bench/bench-intake-baseline >"$tmp/build.log" 2>&1 ||
	{ tail -30 "$tmp/build.log" >&2; die "build failed"; }

if [ ! -d "$MD/new" ] || [ "${REGEN:-0}" = 1 ]; then
	echo "generating $MAILS mails into $MD" >&2
	rm -rf "$MD.tmp" "$MD"
	case $CORPUS in
	intake) python3 bench/intake-corpus.py "$MD.tmp" "$MAILS" ;;
	mail-gen) python3 tools/mail-gen.py maildir "$MD.tmp" -n "$MAILS" --urls tests/data/phishurl/*.csv ;;
	*) die "CORPUS is intake or mail-gen" ;;
	esac || die "corpus generation failed"
	mv "$MD.tmp" "$MD"
fi
n=$(find "$MD/new" "$MD/cur" -type f | wc -l)
size=$(du -sm "$MD" | cut -f1)
cat "$MD"/new/* >/dev/null 2>&1 || find "$MD/new" -type f -exec cat {} + >/dev/null

echo "corpus: $n mails, $size MiB ($MD)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# the floor: GMime parsing alone
/usr/bin/time -f '%e %U %S' -o "$tmp/base.time" \
	taskset -c "$CORE" "$BUILD/bench/bench-intake-baseline" "$MD" >"$tmp/base.out"
base_rate=$(awk '{print $6}' "$tmp/base.out")
base_cpu=$(awk '{print $2 + $3}' "$tmp/base.time")
echo "gmime parse only: $(cat "$tmp/base.out"); cpu $base_cpu s"

# keikai import mail: end to end into a fresh database on the same file system as bench/out
DB=$OUT/intake-bench.db
rm -f "$DB" "$DB-wal" "$DB-shm"
start=$(date +%s.%N)
LANG=C /usr/bin/time -f '%e %U %S' -o "$tmp/import.time" taskset -c "$CORE" "$BUILD/src/cli/keikai" -d "$DB" import mail --batch "$BATCH" "$MD" \
	>"$tmp/import.out" 2>"$tmp/import.err" || { tail -5 "$tmp/import.err" >&2; die "import failed"; }
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
rate=$(echo "$n / $secs" | bc -l)
cpu=$(awk '{print $2 + $3}' "$tmp/import.time")
cpu_rate=$(echo "$n / $cpu" | bc -l)
base_cpu_rate=$(echo "$n / $base_cpu" | bc -l)
echo "keikai import mail: $(tail -n +1 "$tmp/import.out" | head -3 | tr '\n' ' ')"
reports=$(sqlite3 "$DB" "SELECT COUNT(*) FROM reports")
incidents=$(sqlite3 "$DB" "SELECT COUNT(*) FROM incidents")
linked=$(sqlite3 "$DB" "SELECT COUNT(*) FROM reports r WHERE EXISTS (SELECT 1 FROM reports o WHERE o.incident_id = r.incident_id AND o.id < r.id)")
printf 'keikai import mail: %d mails in %.2f s = %.0f mails/s (%d reports, %d incidents, %d reports linked to an earlier one)\n' \
	"$n" "$secs" "$rate" "$reports" "$incidents" "$linked"
printf 'keikai import mail: cpu %.2f s = %.0f mails per cpu second; gmime only: %.0f per cpu second\n' \
	"$cpu" "$cpu_rate" "$base_cpu_rate"
printf 'ratio (import / gmime parse only): %.2f wall, %.2f cpu\n' "$(echo "$rate / $base_rate" | bc -l)" \
	"$(echo "$cpu_rate / $base_cpu_rate" | bc -l)"
target=10000
if [ "$(echo "$rate >= $target" | bc -l)" = 1 ]; then
	echo "target >= $target mails/s: met"
else
	echo "target >= $target mails/s: NOT met"
fi
rm -f "$DB" "$DB-wal" "$DB-shm"
