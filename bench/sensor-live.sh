#!/usr/bin/env bash
# bench/sensor-live.sh - live-capture throughput of keikai-sensor over a veth pair between two
# network namespaces this script creates (and always deletes)
#
# usage: bench/sensor-live.sh        (as root)
#
#   kk-bench-a: kkbench0 --veth-- kkbench1 :kk-bench-b
#   tcpreplay -i kkbench0            keikai-sensor -i kkbench1 -o /dev/null --stats -B 64
#   or bench/blast kkbench0 ...
#
# The namespaces have no addresses and no routes: the replayed packets go nowhere but to the
# other end of the veth pair, where the kernel drops them (they are for another MAC) after the
# sensor's packet socket has seen them.
#
#   1. one replay at full speed with tcpreplay --topspeed;
#   2. bench/blast (BLAST_JOBS senders that loads the capture into memory and hands frames to the kernel
#      with sendmmsg(), faster than tcpreplay here) at the fixed RATES, ascending, then at full
#      speed, until the sensor reports kernel drops: the highest rate without drops and the
#      counters above it;
#   3. the buffer's effect: if a rate dropped, that rate again with -B BUFFER_SMALL and
#      -B BUFFER_LARGE; if none did, full speed with ever smaller buffers (BUFFERS_DOWN) until
#      one drops, then the fixed rates again with that buffer.
#
# Environment:
#   BUILD=build-bench            Meson build directory (release build, made if missing)
#   PACKETS=2000000              packets in the replayed capture (keikai-gen --scenario bench)
#   SOURCES=240000               its distinct sources
#   RATES="50000 100000 ..."     tcpreplay's fixed rates to try, ascending (TCPREPLAY_RATES=1
#                                to run them; by default only its full-speed run)
#   BLAST_RATES="100000 ..."     bench/blast's fixed rates, ascending
#   SECONDS_PER_RATE=5           each fixed-rate run sends RATE * this many packets (tcpreplay:
#                                at most the whole capture; blast loops over it)
#   BUFFER=64                    the sensor's -B (MiB) for the ladder
#   BUFFER_SMALL=8 BUFFER_LARGE=256   -B tried at the first rate that dropped
#   BUFFERS_DOWN="16 4 1"        -B tried at full speed if no rate dropped
#   BLAST_JOBS=2                 bench/blast processes per run, sharing its packets and rate
#                                (one per core; each sends the capture from its start)
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
TCPREPLAY_RATES=${TCPREPLAY_RATES:-0}
BLAST_RATES=${BLAST_RATES:-"100000 200000 300000 400000 500000 600000 800000"}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-5}
BUFFER=${BUFFER:-64}
BUFFER_SMALL=${BUFFER_SMALL:-8}
BUFFER_LARGE=${BUFFER_LARGE:-256}
BUFFERS_DOWN=${BUFFERS_DOWN:-"16 4 1"}
BLAST_JOBS=${BLAST_JOBS:-2}
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
replay_pids=()

cleanup() {
	local p
	for p in "${replay_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
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
ninja -C "$BUILD" tools/keikai-gen src/sensor/keikai-sensor bench/blast >"$tmp/build.log" 2>&1 ||
	{ tail -n 30 "$tmp/build.log" >&2; die "the sensor, the generator or bench/blast does not build"; }
BLAST=$ROOT/$BUILD/bench/blast

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

# run SENDER LABEL BUFFER SENDER-ARGS...: one sensor (-B BUFFER), one send; appends a result row
# and sets the globals kd (kernel drops) and sent_pps of this run.
#   run tcpreplay LABEL BUFFER TCPREPLAY-ARGS...
#   run blast LABEL BUFFER PACKETS PPS
declare -a rows=()
kd=0 sent_pps=0
run() {
	local sender=$1 label=$2 buffer=$3 stats sent pps frames idrops refused=- p
	shift 3
	ip netns exec "$NS_B" "$SENSOR" -i "$IF_B" -o /dev/null --stats -B "$buffer" -s bench-live \
		2>"$tmp/sensor.err" &
	sensor_pid=$!
	if ! await_capture "$sensor_pid"; then
		cat "$tmp/sensor.err" >&2
		die "the sensor did not start capturing on $IF_B"
	fi
	# In the background, so that a signal to this script is handled at once, not when the
	# send ends.
	replay_pids=()
	rm -f "$tmp"/replay.*
	if [ "$sender" = tcpreplay ]; then
		ip netns exec "$NS_A" tcpreplay -i "$IF_A" "$@" "$PCAP" >"$tmp/replay.0" 2>&1 &
		replay_pids+=($!)
	else
		# BLAST_JOBS senders share the packets and the rate; the first takes the remainders.
		local n=$1 r=$2 j
		for ((j = 0; j < BLAST_JOBS; j++)); do
			ip netns exec "$NS_A" "$BLAST" "$IF_A" "$PCAP" \
				$((n / BLAST_JOBS + (j == 0 ? n % BLAST_JOBS : 0))) \
				$((r / BLAST_JOBS + (j == 0 ? r % BLAST_JOBS : 0))) >"$tmp/replay.$j" 2>&1 &
			replay_pids+=($!)
		done
	fi
	for p in "${replay_pids[@]}"; do
		if ! wait "$p"; then
			cat "$tmp"/replay.* >&2
			die "$sender failed"
		fi
	done
	replay_pids=()
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
	if [ "$sender" = tcpreplay ]; then
		sent=$(sed -n 's/^ *Actual: \([0-9]*\) packets.*/\1/p' "$tmp/replay.0" | head -n1)
		pps=$(sed -n 's/^ *Rated: .*, \([0-9.]*\) pps.*/\1/p' "$tmp/replay.0" | head -n1)
	else
		# the senders' sum over the longest one's time
		read -r sent pps refused < <(awk '/^blast: sent=/ {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			s += v["sent"]; x += v["refused"]; n++
			if (v["seconds"] + 0 > t) t = v["seconds"] + 0
		} END { if (n) printf "%d %.0f %d\n", s, (t > 0 ? s / t : 0), x }' "$tmp"/replay.*) || true
		[ -n "$sent" ] || { cat "$tmp"/replay.* >&2; die "blast printed no summary"; }
	fi
	frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$stats")
	kd=$(sed -n 's/.*kernel_drops=\([0-9]*\).*/\1/p' <<<"$stats")
	idrops=$(sed -n 's/.*if_drops=\([0-9]*\).*/\1/p' <<<"$stats")
	kd=${kd:-0} sent_pps=${pps:-0}
	rows+=("$sender|$label|$buffer|${sent:-0}|${pps:-0}|${frames:-0}|$kd|${idrops:-0}|${refused:-0}")
	say "sensor-live: $sender $label -B $buffer: sent ${sent:-?} at ${pps:-?} pps; $stats"
}

# short RATE: true if the last run's sender fell short of RATE (below 95 %): a faster rate
# cannot be offered on this machine.
short() {
	awk -v a="$sent_pps" -v r="$1" 'BEGIN { exit !(a < 0.95 * r) }'
}

# ladder BUFFER: blast at BLAST_RATES, then at full speed, stopping at the first run with kernel
# drops. Sets zero_rate/zero_pps (the highest rate without drops, '' if none), drop_rate (the
# rate that dropped: a number, "topspeed", or '' if none did) and sender_short.
ladder() {
	local buffer=$1 rate
	zero_rate='' zero_pps='' drop_rate='' sender_short=''
	for rate in $BLAST_RATES; do
		run blast "$rate pps" "$buffer" $((rate * SECONDS_PER_RATE)) "$rate"
		if [ "$kd" != 0 ]; then
			drop_rate=$rate
			return 0
		fi
		zero_rate=$rate zero_pps=$sent_pps
		if short "$rate"; then
			sender_short=$rate
			break
		fi
	done
	run blast topspeed "$buffer" "$PACKETS" 0
	if [ "$kd" != 0 ]; then
		drop_rate=topspeed
	else
		zero_rate=topspeed zero_pps=$sent_pps
	fi
}

# --- the runs ---------------------------------------------------------------------------------

# --preload-pcap: read the whole capture into memory first (about 10 s per million packets
# before the first is sent, but then tcpreplay sends faster).
run tcpreplay topspeed "$BUFFER" --topspeed --preload-pcap
top_pps=$sent_pps
if [ "$TCPREPLAY_RATES" = 1 ]; then
	for rate in $RATES; do
		limit=$((rate * SECONDS_PER_RATE))
		[ "$limit" -le "$PACKETS" ] || limit=$PACKETS
		preload=()
		[ "$rate" -lt 150000 ] || preload=(--preload-pcap) # reading as it goes falls short here
		run tcpreplay "$rate pps" "$BUFFER" --pps="$rate" --limit="$limit" "${preload[@]}"
		[ "$kd" = 0 ] || break
		! short "$rate" || break
	done
fi

declare -a findings=()
# finding BUFFER: one line on the ladder just run
finding() {
	local line="-B $1: "
	if [ -n "$zero_rate" ]; then
		line+="highest rate without kernel drops: $zero_rate (sent at $(printf '%.0f' "$zero_pps") pps)"
	else
		line+="every rate tried had kernel drops"
	fi
	if [ -n "$drop_rate" ]; then
		line+="; first rate with drops: $drop_rate"
	else
		line+="; no rate dropped (blast's full speed is the most offered)"
	fi
	if [ -n "$sender_short" ]; then
		line+="; the fixed rates stopped at $sender_short pps, which blast fell short of"
	fi
	findings+=("$line")
}

ladder "$BUFFER"
finding "$BUFFER"
if [ -n "$drop_rate" ]; then
	if [ "$drop_rate" = topspeed ]; then
		label=topspeed args=("$PACKETS" 0)
	else
		label="$drop_rate pps" args=($((drop_rate * SECONDS_PER_RATE)) "$drop_rate")
	fi
	for b in "$BUFFER_SMALL" "$BUFFER_LARGE"; do
		run blast "$label" "$b" "${args[@]}"
	done
else
	drop_buffer=''
	for b in $BUFFERS_DOWN; do
		run blast topspeed "$b" "$PACKETS" 0
		if [ "$kd" != 0 ]; then
			drop_buffer=$b
			break
		fi
	done
	if [ -n "$drop_buffer" ]; then
		ladder "$drop_buffer"
		finding "$drop_buffer"
	else
		findings+=("no buffer in BUFFERS_DOWN ($BUFFERS_DOWN MiB) dropped at full speed")
	fi
fi

# --- report -----------------------------------------------------------------------------------
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
echo
echo "keikai-sensor live benchmark (veth between namespaces $NS_A and $NS_B)"
echo "machine: $(uname -m), $(nproc) cores, ${cpu:-unknown CPU}; replayer and sensor share them"
echo "capture: $PCAP ($PACKETS packets)"
echo
printf '%-9s %-14s %6s %10s %10s %10s %12s %9s %8s %7s\n' sender rate '-B MiB' sent 'sent pps' \
	captured kernel_drops if_drops refused loss
for r in "${rows[@]}"; do
	IFS='|' read -r snd label buf sent pps frames k idr ref <<<"$r"
	awk -v n="$snd" -v l="$label" -v b="$buf" -v s="$sent" -v p="$pps" -v f="$frames" -v k="$k" \
		-v i="$idr" -v x="$ref" 'BEGIN {
		loss = s > 0 ? 100 * (s - f) / s : 0
		if (loss < 0) loss = 0
		printf "%-9s %-14s %6s %10d %10.0f %10d %12d %9d %8s %6.2f%%\n", n, l, b, s, p, f, k, i, x, loss
	}'
done
echo
printf 'tcpreplay --topspeed reached %.0f pps on this machine\n' "$top_pps"
for f in "${findings[@]}"; do
	echo "$f"
done
echo "refused: sends bench/blast retried because the veth had no room (ENOBUFS); not drops"
