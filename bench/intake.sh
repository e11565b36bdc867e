#!/bin/bash
# bench/intake.sh - mail intake end to end on one core, the one intake benchmark:
#   1. `keikai import mail --no-index` over a Maildir of realistic report mails (read, parse,
#      extract, canonicalise, link, insert, group commits with synchronous=FULL),
#   2. the search indexer alone over what it stored (`keikai reindex`),
#   3. the floor: parsing the same mails with GMime alone (bench-intake-baseline),
# and the ratio of 1 to 3.
#
#   bench/intake.sh [MAILS]            (default 100000; BUILD=build-bench, CORE=0;
#                                       BATCH=N passes --batch N, else the import's default)
#
# The corpus (bench/intake-corpus.py) is made once into bench/out/intake-MAILS/ (again with
# REGEN=1); every run imports it into a fresh database. All programs are pinned to one core
# with taskset and read the same files; the page cache is warmed by a first read so none pays
# for the disk. Prints the rates (wall clock, and per CPU second = user + system, which other
# work on a shared machine distorts less); the target is >= 10,000 mails/s.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MAILS=${1:-100000}
BUILD=${BUILD:-build-bench}
CORE=${CORE:-0}
BATCH=${BATCH:-}
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

# run LABEL CMD...: time CMD on the pinned core; sets wall, cpu (user + system)
run() {
	local label=$1
	shift
	LANG=C /usr/bin/time -f '%e %U %S' -o "$tmp/$label.time" taskset -c "$CORE" "$@" \
		>"$tmp/$label.out" 2>"$tmp/$label.err" || { tail -5 "$tmp/$label.err" >&2; die "$label failed"; }
	wall=$(awk '{print $1}' "$tmp/$label.time")
	cpu=$(awk '{printf "%.2f", $2 + $3}' "$tmp/$label.time")
}
rate() { echo "$1 / $2" | bc -l; }

# 1. keikai import mail, without the search index, into a fresh database on the same file
# system as bench/out
DB=$OUT/intake-bench.db
rm -f "$DB" "$DB-wal" "$DB-shm"
run import "$BUILD/src/cli/keikai" -d "$DB" import mail --no-index ${BATCH:+--batch "$BATCH"} "$MD"
imp_wall=$wall imp_cpu=$cpu
echo "keikai import mail: $(head -1 "$tmp/import.out")"
reports=$(sqlite3 "$DB" "SELECT COUNT(*) FROM reports")
incidents=$(sqlite3 "$DB" "SELECT COUNT(*) FROM incidents")
linked=$(sqlite3 "$DB" "SELECT COUNT(*) FROM reports r WHERE EXISTS (SELECT 1 FROM reports o WHERE o.incident_id = r.incident_id AND o.id < r.id)")
printf '1. import:  %d mails, wall %6.2f s = %6.0f mails/s, cpu %6.2f s = %6.0f mails per cpu second\n' \
	"$n" "$imp_wall" "$(rate "$n" "$imp_wall")" "$imp_cpu" "$(rate "$n" "$imp_cpu")"
echo "           ($reports reports, $incidents incidents, $linked reports linked to an earlier one)"

# 2. the indexer alone
run index "$BUILD/src/cli/keikai" -d "$DB" reindex
ix_wall=$wall ix_cpu=$cpu
grep -q "indexed $reports reports" "$tmp/index.out" || die "the indexer did not index every report: $(cat "$tmp/index.out")"
printf '2. indexer: %d reports, wall %6.2f s = %6.0f reports/s, cpu %6.2f s = %6.0f reports per cpu second\n' \
	"$reports" "$ix_wall" "$(rate "$reports" "$ix_wall")" "$ix_cpu" "$(rate "$reports" "$ix_cpu")"
size=$(du -m "$DB" | cut -f1)
echo "           database: $size MiB"

# 3. the floor: GMime parsing alone
run base "$BUILD/bench/bench-intake-baseline" "$MD"
base_wall=$wall base_cpu=$cpu
printf '3. gmime:   %d mails, wall %6.2f s = %6.0f mails/s, cpu %6.2f s = %6.0f mails per cpu second\n' \
	"$n" "$base_wall" "$(rate "$n" "$base_wall")" "$base_cpu" "$(rate "$n" "$base_cpu")"

both_cpu=$(echo "$imp_cpu + $ix_cpu" | bc -l)
printf 'import and indexer together: %.0f mails per cpu second\n' "$(rate "$n" "$both_cpu")"
printf 'ratio import / gmime parse only: %.2f wall, %.2f cpu\n' \
	"$(echo "$base_wall / $imp_wall" | bc -l)" "$(echo "$base_cpu / $imp_cpu" | bc -l)"
target=10000
for what in "import, per cpu second:$(rate "$n" "$imp_cpu")" "import, wall clock:$(rate "$n" "$imp_wall")"; do
	if [ "$(echo "${what#*:} >= $target" | bc -l)" = 1 ]; then
		echo "target >= $target mails/s, ${what%%:*}: met"
	else
		echo "target >= $target mails/s, ${what%%:*}: NOT met"
	fi
done
rm -f "$DB" "$DB-wal" "$DB-shm"
