#!/usr/bin/env bash
# bench/sensor-live.sh - live-capture throughput of keikai-sensor over a veth pair between two
# network namespaces this script creates (and always deletes)
#
# usage: bench/sensor-live.sh        (as root)
#
#   kk-bench-a: kkbench0 --veth-- kkbench1 :kk-bench-b
#   tcpreplay -i kkbench0            keikai-sensor -i kkbench1 -o /dev/null --stats -B 64
#
# The namespaces have no addresses and no routes: the replayed packets go nowhere but to the
# other end of the veth pair, where the kernel drops them (they are for another MAC) after the
# sensor's packet socket has seen them. First one replay at full speed (tcpreplay --topspeed),
# then replays at fixed rates (--pps) to find the highest rate with no kernel drops.
#
# Environment:
#   BUILD=build-bench            Meson build directory (release build, made if missing)
#   PACKETS=2000000              packets in the replayed capture (keikai-gen --scenario bench)
#   SOURCES=240000               its distinct sources
#   RATES="50000 100000 ..."     fixed rates to try, ascending
#   SECONDS_PER_RATE=5           each fixed-rate replay sends RATE * this many packets (at most
#                                the whole capture)
#
# Both ends share the machine's cores, so the replayer competes with the sensor for CPU: the
# numbers are a floor, not what a sensor on its own host with a real NIC would reach.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build-bench}
PACKETS=${PACKETS:-2000000}
SOURCES=${SOURCES:-240000}
RATES=${RATES:-"50000 100000 200000 300000 400000 600000 800000"}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-5}
NS_A=kk-bench-a
NS_B=kk-bench-b
IF_A=kkbench0
IF_B=kkbench1

say() { printf '%s\n' "$*" >&2; }
die() { say "sensor-live: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, packet capture)"
for tool in ip tcpreplay meson ninja; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done

tmp=$(mktemp -d)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
sensor_pid=''
replay_pid=''

cleanup() {
	if [ -n "$replay_pid" ]; then
		kill -TERM "$replay_pid" 2>/dev/null || true
		wait "$replay_pid" 2>/dev/null || true
	fi
	if [ -n "$sensor_pid" ] && kill -0 "$sensor_pid" 2>/dev/null; then
		kill -TERM "$sensor_pid" 2>/dev/null || true
		wait "$sensor_pid" 2>/dev/null || true
	fi
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build and capture ------------------------------------------------------------------------
bench_setup
ninja -C "$BUILD" tools/keikai-gen src/sensor/keikai-sensor >"$tmp/build.log" 2>&1 ||
	{ tail -n 30 "$tmp/build.log" >&2; die "the sensor or the generator does not build"; }

bench_capture sensor-live
cat "$PCAP" >/dev/null # page cache

# --- namespaces -------------------------------------------------------------------------------
for ns in "$NS_A" "$NS_B"; do
	if ip netns list | grep -qw "$ns"; then
		die "namespace $ns exists already (another run?); remove it with: ip netns del $ns"
	fi
done
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
for pair in "$NS_A:$IF_A" "$NS_B:$IF_B"; do
	ns=${pair%%:*} ifc=${pair#*:}
	# No IPv6 either: the link stays silent but for the replayed packets.
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1" || true
	ip -n "$ns" link set "$ifc" up
done

# --- one run ----------------------------------------------------------------------------------

# Wait until the sensor holds a packet socket, i.e. its capture is open. Bounded: 10 s.
await_capture() {
	local pid=$1 i fd link inodes
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		# /proc/PID/net/packet: the packet sockets of its namespace; the last column is the inode.
		inodes=$(awk 'NR > 1 { print $NF }' /proc/"$pid"/net/packet 2>/dev/null || true)
		for fd in /proc/"$pid"/fd/*; do
			link=$(readlink "$fd" 2>/dev/null) || continue
			case $link in
			socket:\[*\])
				link=${link#socket:[}
				grep -qx "${link%]}" <<<"$inodes" && return 0
				;;
			esac
		done
		sleep 0.05
	done
	return 1
}

# Wait until the sensor is idle (at most 2 clock ticks of CPU in 0.3 s: its periodic wake-ups
# only), i.e. it has read all it was sent. Bounded: 15 s.
await_idle() {
	local pid=$1 i prev='' cur
	for ((i = 0; i < 50; i++)); do
		cur=$(awk '{ print $14 + $15 }' /proc/"$pid"/stat 2>/dev/null) || return 0
		if [ -n "$prev" ] && [ $((cur - prev)) -le 2 ]; then
			return 0
		fi
		prev=$cur
		sleep 0.3
	done
}

# run LABEL TCPREPLAY-ARGS...: one sensor, one replay; appends a result row.
declare -a rows=()
run() {
	local label=$1 stats sent pps frames kdrops idrops
	shift
	ip netns exec "$NS_B" "$SENSOR" -i "$IF_B" -o /dev/null --stats -B 64 -s bench-live \
		2>"$tmp/sensor.err" &
	sensor_pid=$!
	if ! await_capture "$sensor_pid"; then
		cat "$tmp/sensor.err" >&2
		die "the sensor did not start capturing on $IF_B"
	fi
	# In the background, so that a signal to this script is handled at once, not when the
	# replay ends.
	ip netns exec "$NS_A" tcpreplay -i "$IF_A" "$@" "$PCAP" >"$tmp/replay.out" 2>&1 &
	replay_pid=$!
	if ! wait "$replay_pid"; then
		replay_pid=
		cat "$tmp/replay.out" >&2
		die "tcpreplay failed"
	fi
	replay_pid=
	await_idle "$sensor_pid"
	kill -TERM "$sensor_pid"
	if ! wait "$sensor_pid"; then
		sensor_pid=
		cat "$tmp/sensor.err" >&2
		die "the sensor failed"
	fi
	sensor_pid=
	stats=$(grep -m1 '^stats: frames=' "$tmp/sensor.err" || true)
	[ -n "$stats" ] || { cat "$tmp/sensor.err" >&2; die "the sensor printed no stats line"; }
	sent=$(sed -n 's/^ *Actual: \([0-9]*\) packets.*/\1/p' "$tmp/replay.out" | head -n1)
	pps=$(sed -n 's/^ *Rated: .*, \([0-9.]*\) pps.*/\1/p' "$tmp/replay.out" | head -n1)
	frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$stats")
	kdrops=$(sed -n 's/.*kernel_drops=\([0-9]*\).*/\1/p' <<<"$stats")
	idrops=$(sed -n 's/.*if_drops=\([0-9]*\).*/\1/p' <<<"$stats")
	rows+=("$label|${sent:-0}|${pps:-0}|${frames:-0}|${kdrops:-0}|${idrops:-0}")
	say "sensor-live: $label: sent ${sent:-?} at ${pps:-?} pps; $stats"
}

# --preload-pcap: read the whole capture into memory first (about 10 s per million packets
# before the first is sent, but then tcpreplay sends faster).
run topspeed --topspeed --preload-pcap
IFS='|' read -r _ _ top_pps _ _ _ <<<"${rows[-1]}"

best_rate='' best_sent='' replayer_limited=''
for rate in $RATES; do
	limit=$((rate * SECONDS_PER_RATE))
	[ "$limit" -le "$PACKETS" ] || limit=$PACKETS
	preload=()
	[ "$rate" -lt 150000 ] || preload=(--preload-pcap) # reading as it goes falls short here
	run "$rate pps" --pps="$rate" --limit="$limit" "${preload[@]}"
	IFS='|' read -r _ _ sent_pps _ kd _ <<<"${rows[-1]}"
	if [ "$kd" != 0 ]; then
		break # higher rates will drop too
	fi
	best_rate=$rate best_sent=$sent_pps
	# tcpreplay fell short of the rate asked: a faster rate cannot be offered on this machine.
	if awk -v a="$sent_pps" -v r="$rate" 'BEGIN { exit !(a < 0.95 * r) }'; then
		replayer_limited=1
		break
	fi
done

# --- report -----------------------------------------------------------------------------------
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
echo
echo "keikai-sensor live benchmark (veth between namespaces $NS_A and $NS_B)"
echo "machine: $(uname -m), $(nproc) cores, ${cpu:-unknown CPU}; replayer and sensor share them"
echo "capture: $PCAP ($PACKETS packets)"
echo
printf '%-14s %10s %12s %10s %12s %9s %7s\n' replay sent "sent pps" received kernel_drops if_drops loss
for r in "${rows[@]}"; do
	IFS='|' read -r label sent pps frames kd idr <<<"$r"
	awk -v l="$label" -v s="$sent" -v p="$pps" -v f="$frames" -v k="$kd" -v i="$idr" 'BEGIN {
		loss = s > 0 ? 100 * (s - f) / s : 0
		if (loss < 0) loss = 0
		printf "%-14s %10d %12.0f %10d %12d %9d %6.2f%%\n", l, s, p, f, k, i, loss
	}'
done
echo
printf 'tcpreplay --topspeed reached %.0f pps on this machine\n' "$top_pps"
if [ -n "$best_rate" ]; then
	printf 'highest fixed rate with no kernel drops: %s pps (sent at %.0f pps)\n' "$best_rate" "$best_sent"
	if [ -n "$replayer_limited" ]; then
		echo "  the replayer could not send faster, so this is a lower bound for the sensor"
	fi
else
	echo "every fixed rate tried had kernel drops (lowest tried: ${RATES%% *} pps)"
fi
