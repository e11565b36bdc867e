#!/usr/bin/env bash
# bench/sensor-offline.sh - offline throughput of keikai-sensor on one generated capture,
# against a bare libpcap read loop (the floor), tcpdump and nfpcapd
#
# usage: bench/sensor-offline.sh            (or: make bench)
#
# Environment:
#   BUILD=build-bench    Meson build directory (release build, made if missing)
#   PACKETS=10000000     packets in the capture (keikai-gen --scenario bench)
#   SOURCES=1200000      distinct sources in the capture
#   RUNS=3               runs per tool; the best (fastest) run is reported
#   PAIRS=5              rounds of the bare loop and the sensor back to back (0: none); each
#                        round's ratio and their median are reported too
#   REGEN=1              generate the capture again even if bench/out/ has it
#
# The capture is cached in bench/out/ (ignored by git). Every tool reads the same file after
# the page cache has been warmed, so the numbers compare decoding work, not disk reads.
# Elapsed seconds and peak RSS come from /usr/bin/time. Exits non-zero if the sensor cannot
# be built, fails, or does not count every packet.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build-bench}
PACKETS=${PACKETS:-10000000}
SOURCES=${SOURCES:-1200000}
RUNS=${RUNS:-3}
PAIRS=${PAIRS:-5}

say() { printf '%s\n' "$*" >&2; }
die() { say "sensor-offline: $*"; exit 1; }

tmp=$(mktemp -d)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap 'rm -rf "$tmp"' EXIT INT TERM

# --- tools ----------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "sensor-offline: installing the time package (for /usr/bin/time)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
			{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
	fi
	[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package: time)"
fi
command -v meson >/dev/null || die "meson is missing"
command -v ninja >/dev/null || die "ninja is missing"
CC=${CC:-cc}

# --- 1. build ---------------------------------------------------------------------------------
bench_setup
sensor_ok=1
if ! ninja -C "$BUILD" >"$tmp/build.log" 2>&1; then
	say "sensor-offline: the full build failed; building only what the benchmark needs"
	tail -n 20 "$tmp/build.log" >&2
	ninja -C "$BUILD" tools/keikai-gen >&2 || die "keikai-gen does not build"
	ninja -C "$BUILD" src/sensor/keikai-sensor >&2 || sensor_ok=0
fi
[ -x "$SENSOR" ] || sensor_ok=0
"$CC" -O2 -std=gnu17 -Wall -Wextra -o "$tmp/bare-loop" bench/bare-loop.c -lpcap ||
	die "bench/bare-loop.c does not build"

# --- 2. the capture -------------------------------------------------------------------------
bench_capture sensor-offline
size_mib=$(($(stat -c %s "$PCAP") / 1048576))

# --- 3. measure -----------------------------------------------------------------------------
cat "$PCAP" >/dev/null # warm the page cache

# measure NAME CMD...: run RUNS times; sets best_s and best_kib from the fastest run and
# leaves that run's stderr in $tmp/NAME.err. Returns 1 if any run failed.
measure() {
	local name=$1 i s kib
	shift
	best_s='' best_kib=''
	for ((i = 1; i <= RUNS; i++)); do
		[ -z "${PRE_RUN:-}" ] || eval "$PRE_RUN"
		if ! /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/$name.out.$i" 2>"$tmp/$name.err.$i"; then
			say "sensor-offline: $name failed (run $i):"
			tail -n 5 "$tmp/$name.err.$i" >&2
			return 1
		fi
		read -r s kib <"$tmp/time"
		if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
			best_s=$s best_kib=$kib
			cp "$tmp/$name.err.$i" "$tmp/$name.err"
			cp "$tmp/$name.out.$i" "$tmp/$name.out"
		fi
	done
}

declare -a rows=()
bare_s=
row() { # NAME SECONDS KIB NOTE
	rows+=("$1|$2|$3|${4:-}")
}

say "sensor-offline: $PACKETS packets, $size_mib MiB, best of $RUNS runs each"

measure bare "$tmp/bare-loop" "$PCAP" || die "the bare loop failed"
bare_s=$best_s
row "bare libpcap loop" "$best_s" "$best_kib"

sensor_status=0
if [ "$sensor_ok" = 1 ]; then
	if measure sensor "$SENSOR" -r "$PCAP" -o /dev/null --stats -s bench -I 300; then
		stats=$(grep -m1 '^stats: frames=' "$tmp/sensor.err" || true)
		frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$stats")
		if [ "$frames" != "$PACKETS" ]; then
			say "sensor-offline: the sensor counted ${frames:-no} frames, not $PACKETS"
			sensor_status=1
		fi
		row "keikai-sensor" "$best_s" "$best_kib" "$stats"
	else
		sensor_status=1
		row "keikai-sensor" "-" "-" "FAILED"
	fi
else
	say "sensor-offline: $SENSOR does not build"
	sensor_status=1
	row "keikai-sensor" "-" "-" "does not build"
fi

# Paired rounds: the bare loop and the sensor one right after the other, so that both see the
# same moment of a shared machine; the best-of figures above can come from different moments.
pair_ratios=()
if [ "$sensor_ok" = 1 ] && [ "$sensor_status" = 0 ]; then
	for ((i = 1; i <= PAIRS; i++)); do
		/usr/bin/time -f '%e' -o "$tmp/pb" "$tmp/bare-loop" "$PCAP" >/dev/null 2>&1 || break
		/usr/bin/time -f '%e' -o "$tmp/ps" "$SENSOR" -r "$PCAP" -o /dev/null -s bench -I 300 \
			>/dev/null 2>&1 || break
		pair_ratios+=("$(awk -v b="$(cat "$tmp/pb")" -v s="$(cat "$tmp/ps")" \
			'BEGIN { printf "%.1f %.2f %.2f", 100 * (b > 0 ? b : 0.01) / (s > 0 ? s : 0.01), b, s }')")
	done
fi

if command -v tcpdump >/dev/null; then
	if measure tcpdump tcpdump -r "$PCAP" -w /dev/null; then
		row "tcpdump -w /dev/null" "$best_s" "$best_kib"
	else
		row "tcpdump -w /dev/null" "-" "-" "failed"
	fi
else
	row "tcpdump -w /dev/null" "-" "-" "not installed"
fi

if command -v nfpcapd >/dev/null; then
	# shellcheck disable=SC2016 # expanded by eval in measure()
	PRE_RUN='rm -rf "$tmp/nf" && mkdir -p "$tmp/nf"'
	if measure nfpcapd nfpcapd -r "$PCAP" -w "$tmp/nf"; then
		row "nfpcapd (flows)" "$best_s" "$best_kib" "$(du -sh "$tmp/nf" | cut -f1) of flow files"
	else
		row "nfpcapd (flows)" "-" "-" "failed"
	fi
	PRE_RUN=
else
	row "nfpcapd (flows)" "-" "-" "not installed"
fi

# --- 4. report --------------------------------------------------------------------------------
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
[ -n "$cpu" ] || cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)
echo
echo "keikai-sensor offline benchmark"
echo "machine: $(uname -m), $(nproc) cores, ${cpu:-unknown CPU}"
echo "libpcap: $(tcpdump --version 2>&1 | sed -n 's/^libpcap version //p' | head -n1)"
echo "capture: $PCAP ($PACKETS packets, $SOURCES sources, $size_mib MiB, page-cached)"
echo
printf '%-22s %9s %8s %12s %9s\n' tool seconds Mpps "peak RSS MiB" "% of bare"
for r in "${rows[@]}"; do
	IFS='|' read -r name s kib note <<<"$r"
	if [ "$s" = "-" ]; then
		printf '%-22s %9s %8s %12s %9s  %s\n' "$name" - - - - "$note"
		continue
	fi
	awk -v n="$name" -v s="$s" -v kib="$kib" -v p="$PACKETS" -v b="$bare_s" 'BEGIN {
		sec = s > 0 ? s : 0.01
		bs = b > 0 ? b : 0.01
		printf "%-22s %9.2f %8.2f %12.1f %8.1f%%\n", n, s, p / sec / 1e6, kib / 1024, 100 * bs / sec
	}'
done
for r in "${rows[@]}"; do
	IFS='|' read -r name s kib note <<<"$r"
	[ "$s" = "-" ] || [ -z "$note" ] || echo "  $name: $note"
done
echo "(% of bare = the bare loop's time / the tool's time, i.e. its packet rate as a share of"
echo " libpcap's read rate; seconds are wall clock including start-up, best of $RUNS)"
if [ "${#pair_ratios[@]}" -gt 0 ]; then
	echo
	echo "paired rounds (bare loop, then keikai-sensor, ${#pair_ratios[@]} rounds):"
	for r in "${pair_ratios[@]}"; do
		read -r pct b s <<<"$r"
		printf '  bare %5.2f s, sensor %5.2f s: %5.1f %%\n' "$b" "$s" "$pct"
	done
	printf '%s\n' "${pair_ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "  median: %.1f %% of the bare loop (target: 50 %%)\n", m }'
fi

exit "$sensor_status"
