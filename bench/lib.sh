# bench/lib.sh - what the benchmarks share: the release build and the generated capture.
# Sourced by bench/sensor-*.sh after they set BUILD, PACKETS, SOURCES, ROOT, tmp and define
# die(); sets OUT, NAME, PCAP, GEN and SENSOR.

OUT=$ROOT/bench/out
if [ $((PACKETS % 1000000)) -eq 0 ]; then
	NAME=bench-$((PACKETS / 1000000))m
else
	NAME=bench-$PACKETS
fi
PCAP=$OUT/$NAME.pcap
GEN=$ROOT/$BUILD/tools/keikai-gen
SENSOR=$ROOT/$BUILD/src/sensor/keikai-sensor

# bench_setup: configure the build a production sensor uses (optimised, with link-time
# optimisation across the decoders).
bench_setup() {
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" --buildtype=release -Db_lto=true >"$tmp/setup.log" 2>&1 ||
			{ cat "$tmp/setup.log" >&2; die "meson setup $BUILD failed"; }
	fi
	meson configure "$BUILD" -Dbuildtype=release -Db_lto=true >/dev/null
}

# bench_capture WHO: generate the capture once into bench/out/ (again with REGEN=1).
bench_capture() {
	mkdir -p "$OUT"
	if [ ! -s "$PCAP" ] || [ "${REGEN:-0}" = 1 ]; then
		printf '%s: generating %s (%s packets, %s sources)\n' "$1" "$PCAP" "$PACKETS" \
			"$SOURCES" >&2
		"$GEN" --scenario bench --packets "$PACKETS" --sources "$SOURCES" \
			-o "$PCAP.tmp" -t "$OUT/$NAME.json" || die "keikai-gen failed"
		mv "$PCAP.tmp" "$PCAP"
	fi
}
