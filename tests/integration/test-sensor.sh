#!/usr/bin/env bash
# Integration tests of keikai-sensor as a user runs it: bad input, long and disordered files,
# live capture on a veth pair in network namespaces this test creates, privilege drop, SIGHUP
# and SIGTERM. Prints TAP lines. KEIKAI_SENSOR names the binary. Needs root for the live part.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data/pcaps
SENSOR=${KEIKAI_SENSOR:?set KEIKAI_SENSOR}
TMP=$(mktemp -d)
NS_A=kk-ta-$$
NS_B=kk-tb-$$
cleanup() {
	[ -n "${SPID:-}" ] && kill -9 "$SPID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
n=0
say() { n=$((n + 1)); echo "$1 $n - $2"; }
check() { # check "description" test-expression...
	local d=$1
	shift
	if "$@"; then say ok "$d"; else say "not ok" "$d"; fi
}
mk() { python3 "$HERE/mkpcap.py" "$1" "$TMP/$1.pcap"; }
for k in multiday backwards linktype truncated garbage empty live; do mk $k; done
GOOD=$DATA/chrissanders/portscan.pcap

# --- bad input: clear message, non-zero exit, nothing lost of the good input ---
"$SENSOR" -r "$TMP/nonexistent.pcap" -o "$TMP/o1.jsonl" 2>"$TMP/e1"
rc=$?
check "missing file: exit 1 with a message naming it" \
	test "$rc" = 1 -a -n "$(grep -F "nonexistent.pcap" "$TMP/e1")"

"$SENSOR" -r "$TMP/garbage.pcap" -r "$GOOD" -o "$TMP/o2.jsonl" 2>"$TMP/e2"
rc=$?
check "corrupt file then a good one: exit 2, message, good file still counted" \
	test "$rc" = 2 -a -n "$(grep -F garbage.pcap "$TMP/e2")" -a \
	"$(jq -s '[.[].totals.packets] | add' "$TMP/o2.jsonl")" = 29

"$SENSOR" -r "$TMP/linktype.pcap" -r "$GOOD" -o "$TMP/o3.jsonl" 2>"$TMP/e3"
rc=$?
check "unknown link type: exit 2 and says which" \
	test "$rc" = 2 -a -n "$(grep -F "link type 147" "$TMP/e3")"

"$SENSOR" -r "$TMP/truncated.pcap" -o "$TMP/o4.jsonl" 2>"$TMP/e4"
rc=$?
check "truncated file: exit 2, the 19 whole packets counted" \
	test "$rc" = 2 -a "$(jq -s '[.[].totals.packets] | add' "$TMP/o4.jsonl")" = 19

"$SENSOR" -r "$TMP/empty.pcap" -o "$TMP/o5.jsonl" 2>"$TMP/e5"
rc=$?
check "empty capture: exit 0, no records" test "$rc" = 0 -a ! -s "$TMP/o5.jsonl"

"$SENSOR" -r "$GOOD" -I 5 -o "$TMP/o6.jsonl" 2>"$TMP/e6"
rc=$?
check "interval out of range is refused" test "$rc" = 1 -a -n "$(grep -F sensor.interval "$TMP/e6")"

# --- long and disordered files are read at full speed, never paced or hung ---
start=$(date +%s)
timeout 20 "$SENSOR" -r "$TMP/multiday.pcap" -o "$TMP/o7.jsonl"
rc=$?
check "three-day file: 12 records, one per occupied interval, in under 20 s" \
	test "$rc" = 0 -a "$(wc -l <"$TMP/o7.jsonl")" = 12
check "three-day file: records ordered and aligned" \
	test "$(jq -s '[.[].start_unix % 300] | add' "$TMP/o7.jsonl")" = 0 -a \
	"$(jq -s '[.[].start_unix] == ([.[].start_unix] | sort)' "$TMP/o7.jsonl")" = true
timeout 20 "$SENSOR" -r "$TMP/backwards.pcap" -o "$TMP/o8.jsonl"
check "time going backwards: counted, nothing lost" \
	test "$(jq -s '[.[].capture.ts_backwards] | add' "$TMP/o8.jsonl")" = 30 -a \
	"$(jq -s '[.[].totals.packets] | add' "$TMP/o8.jsonl")" = 60

"$SENSOR" --lang ja --summary -r "$DATA/esnet/tcp_0_1000_20190821.pcap" >"$TMP/ja.txt" 2>&1
check "summary in Japanese" grep -q "スキャナ" "$TMP/ja.txt"
"$SENSOR" --lang en --summary -r "$DATA/esnet/tcp_0_1000_20190821.pcap" >"$TMP/en.txt" 2>&1
check "summary in English names the masscan scanner" grep -q "masscan" "$TMP/en.txt"
check "help in Japanese" bash -c "'$SENSOR' --lang ja --help | grep -q '使い方'"

# --- memory stays within the stated bound, and what does not fit is counted ---
GEN=${KEIKAI_GEN:-}
if [ -n "$GEN" ] && [ -x "$GEN" ]; then
	"$GEN" --scenario bench --packets 400000 --sources 150000 --duration 290 \
		--out "$TMP/flood.pcap" >/dev/null 2>&1
	LIMITS=(--config "$TMP/small.ini")
	printf '[limits]\nsources = 20000\nsource_ports = 20000\nsource_port_destinations = 40000\nport_destinations = 20000\n' >"$TMP/small.ini"
	bound=$("$SENSOR" "${LIMITS[@]}" --memory-bound -r x)
	/usr/bin/time -f '%M' -o "$TMP/rss" "$SENSOR" "${LIMITS[@]}" -r "$TMP/flood.pcap" \
		-o "$TMP/flood.jsonl" 2>/dev/null
	check "150,000 sources into tables of 20,000: every packet counted" \
		test "$(jq -s '[.[].totals.packets] | add' "$TMP/flood.jsonl")" = 400000
	check "what did not fit is counted as overflow" \
		test "$(jq -s '[.[].capture.overflow.sources // 0] | add' "$TMP/flood.jsonl")" -gt 0
	if [ -n "${KEIKAI_SANITIZED:-}" ]; then
		say ok "peak memory within --memory-bound # SKIP sanitizer shadow memory inflates RSS"
	else
		rss_kib=$(tail -n 1 "$TMP/rss")
		# the bound covers what the sensor allocates; allow 16 MiB for code and libraries
		check "peak memory $((rss_kib / 1024)) MiB within --memory-bound $((bound / 1048576)) MiB + 16 MiB" \
			test $((rss_kib * 1024)) -le $((bound + 16 * 1048576))
	fi
else
	say ok "memory bound # SKIP keikai-gen not built"
fi

# --- live capture in network namespaces ---
if [ "$(id -u)" != 0 ] || ! command -v tcpreplay >/dev/null; then
	say "ok" "live capture # SKIP needs root and tcpreplay"
	exit 0
fi
ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add kkta$$ type veth peer name kktb$$ &&
	ip link set kkta$$ netns "$NS_A" && ip link set kktb$$ netns "$NS_B" &&
	ip -n "$NS_A" link set kkta$$ up && ip -n "$NS_B" link set kktb$$ up
check "namespaces and veth pair created" test $? = 0
chmod 1777 "$TMP"
ip netns exec "$NS_B" "$SENSOR" -i kktb$$ -I 10 -s live -d 203.0.113.0/24 -Z nobody \
	-o "$TMP/live.jsonl" 2>"$TMP/live.err" &
SPID=$!
# privileges are dropped only after the capture is open: wait for that
for _ in $(seq 1 100); do
	grep -q "^Uid:.*65534" /proc/$SPID/status 2>/dev/null && break
	sleep 0.1
done
check "privileges dropped to nobody (uid, gid, groups)" \
	bash -c "grep -q '^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534' /proc/$SPID/status &&
		grep -q '^Gid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534' /proc/$SPID/status &&
		grep -q '^Groups:[[:space:]]*65534[[:space:]]*$' /proc/$SPID/status"
ip netns exec "$NS_A" tcpreplay -q -i kkta$$ "$TMP/live.pcap" >/dev/null 2>&1
check "tcpreplay sent 300 packets" test $? = 0
# rotate the output, then SIGHUP: later records go to a new file
for _ in $(seq 1 50); do [ -e "$TMP/live.jsonl" ] && break; sleep 0.1; done
mv "$TMP/live.jsonl" "$TMP/live.1.jsonl"
kill -HUP "$SPID"
for _ in $(seq 1 250); do [ -s "$TMP/live.jsonl" ] && break; sleep 0.1; done
check "after SIGHUP the next interval goes to a new file" test -s "$TMP/live.jsonl"
kill -TERM "$SPID"
wait "$SPID"
rc=$?
SPID=
check "SIGTERM: clean exit" test "$rc" = 0
cat "$TMP/live.1.jsonl" "$TMP/live.jsonl" >"$TMP/all.jsonl"
check "every replayed packet is in some interval" \
	test "$(jq -s '[.[].totals.packets] | add' "$TMP/all.jsonl")" = 300
check "SIGTERM flushed the current interval as partial" \
	test "$(tail -n 1 "$TMP/all.jsonl" | jq .partial)" = true
check "30 sources on 23/tcp" \
	test "$(jq -s '[.[].ports[] | select(.proto == "tcp" and .port == 23) | .sources] | max' "$TMP/all.jsonl")" = 30
check "quiet intervals are still reported while live" \
	test "$(jq -s 'length' "$TMP/all.jsonl")" -ge 2
check "no capture errors" test ! -s "$TMP/live.err"

# SIGTERM right after the last packet: packets still in the kernel's ring block are taken
ip netns exec "$NS_B" "$SENSOR" -i kktb$$ -I 300 -s quick -d 203.0.113.0/24 \
	-o "$TMP/quick.jsonl" 2>"$TMP/quick.err" &
SPID=$!
# ready when its packet socket shows in the namespace (/proc/net/packet: a header, then one
# line per socket); the ring is set up by then
for _ in $(seq 1 100); do
	[ "$(ip netns exec "$NS_B" sh -c 'wc -l </proc/net/packet')" -ge 2 ] && break
	sleep 0.1
done
ip netns exec "$NS_A" tcpreplay -q -i kkta$$ "$TMP/live.pcap" >/dev/null 2>&1
kill -TERM "$SPID"
wait "$SPID"
SPID=
check "SIGTERM just after the traffic: all 300 packets in the last record" \
	test "$(jq -s '[.[].totals.packets] | add' "$TMP/quick.jsonl")" = 300
