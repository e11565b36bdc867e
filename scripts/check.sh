#!/usr/bin/env bash
# make check: every build, test and quality gate, each reported as "ok - NAME" or
# "not ok - NAME", then one summary line "N passed, N failed[, N skipped]".
# Logs of each step are kept in build-check/logs/.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=$ROOT/build-check/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
JOBS=${JOBS:-2}
pass=0
fail=0
skip=0
failed=()

ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() { echo "not ok - $1 (log: ${2:-})"; fail=$((fail + 1)); failed+=("$1"); }
skipped() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }

# step NAME CMD...: run CMD with output to a log; one result line.
step() {
	local name=$1 log="$LOGS/${1//\//_}.log"
	shift
	if "$@" >"$log" 2>&1; then ok "$name"; else notok "$name" "$log"; tail -n 30 "$log" | sed 's/^/    /'; fi
}

# tap NAME CMD...: run a TAP-printing suite; count each of its ok / not ok lines.
tap() {
	local name=$1 log="$LOGS/${1//\//_}.log" line rc
	shift
	"$@" >"$log" 2>&1
	rc=$?
	local n=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) echo "$line [$name]"; skip=$((skip + 1)); n=$((n + 1)) ;;
		"ok "*) echo "$line [$name]"; pass=$((pass + 1)); n=$((n + 1)) ;;
		"not ok "*) echo "$line [$name]"; fail=$((fail + 1)); failed+=("$name: $line"); n=$((n + 1)) ;;
		esac
	done <"$log"
	if [ "$rc" != 0 ] || [ "$n" = 0 ]; then
		notok "$name (exit $rc, $n results)" "$log"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}

# meson_tests NAME BUILDDIR: one result line per meson test.
meson_tests() {
	local name=$1 dir=$2 log="$LOGS/$1.log" line
	meson test -C "$dir" --num-processes "$JOBS" --print-errorlogs >"$log" 2>&1
	local n=0
	while IFS= read -r line; do
		if [[ "$line" =~ ^\ *[0-9]+/[0-9]+\ +([^ ]+)\ +([A-Z]+) ]]; then
			local t=${BASH_REMATCH[1]} r=${BASH_REMATCH[2]}
			n=$((n + 1))
			if [ "$r" = OK ]; then ok "$name: $t"; else notok "$name: $t" "$log"; fi
		fi
	done < <(sed -E 's/^ *([0-9]+\/[0-9]+) +[^ ]+ +\/ +/\1 /' "$log")
	[ "$n" -gt 0 ] || notok "$name (no tests ran)" "$log"
}

setup() { # DIR CC ARGS...
	local dir=$1 cc=$2
	shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		CC=$cc meson setup "$dir" "$@" || return 1
	fi
	ninja -C "$dir" -j "$JOBS"
}

echo "# keikai make check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores"

# 1. warnings-as-errors builds with both compilers
step build-gcc setup build-check/gcc gcc -Dwerror=true --buildtype=debugoptimized
step build-clang setup build-check/clang clang -Dwerror=true --buildtype=debugoptimized

SENSOR=$ROOT/build-check/gcc/src/sensor/keikai-sensor
GEN=$ROOT/build-check/gcc/tools/keikai-gen

# 2. unit tests and fuzz corpus replay (gcc build)
meson_tests unit build-check/gcc

# 3. golden and integration tests on the real binaries
for t in tests/golden/run.sh tests/integration/test-*.sh; do
	[ -f "$t" ] || continue
	tap "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" env KEIKAI_SENSOR="$SENSOR" KEIKAI_GEN="$GEN" KEIKAI_D="$ROOT/build-check/gcc/src/server/keikaid" KEIKAI_CLI="$ROOT/build-check/gcc/src/cli/keikai" bash "$t"
done

# 3b. the web UI in headless Chromium against keikaid with known data
tap browser env KEIKAI_D="$ROOT/build-check/gcc/src/server/keikaid" KEIKAI_CLI="$ROOT/build-check/gcc/src/cli/keikai" \
	KEIKAI_HISTORY="$ROOT/build-check/gcc/tools/keikai-history" KEIKAI_WEB="$ROOT/build-check/gcc/web" \
	bash tests/browser/with-server.sh
tap browser-incident env KEIKAI_D="$ROOT/build-check/gcc/src/server/keikaid" KEIKAI_CLI="$ROOT/build-check/gcc/src/cli/keikai" \
	KEIKAI_WEB="$ROOT/build-check/gcc/web" bash tests/browser/with-incident-server.sh

# 4. everything again under ASan + UBSan (clang)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
step build-asan setup build-check/asan clang -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug
meson_tests asan build-check/asan
for t in tests/golden/run.sh tests/integration/test-*.sh; do
	[ -f "$t" ] || continue
	tap "asan/$(basename "$t" .sh)" env KEIKAI_SENSOR="$ROOT/build-check/asan/src/sensor/keikai-sensor" KEIKAI_GEN="$ROOT/build-check/asan/tools/keikai-gen" KEIKAI_D="$ROOT/build-check/asan/src/server/keikaid" KEIKAI_CLI="$ROOT/build-check/asan/src/cli/keikai" KEIKAI_SANITIZED=1 bash "$t"
done
unset ASAN_OPTIONS UBSAN_OPTIONS

# 4b. the threaded pipeline and the delivery thread under ThreadSanitizer
step build-tsan setup build-check/tsan clang -Db_sanitize=thread -Db_lundef=false -Dtests=disabled --buildtype=debugoptimized
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
for t in tests/integration/test-*.sh; do
	[ -f "$t" ] || continue
	tap "tsan/$(basename "$t" .sh)" env KEIKAI_SENSOR="$ROOT/build-check/tsan/src/sensor/keikai-sensor" KEIKAI_GEN="$ROOT/build-check/tsan/tools/keikai-gen" KEIKAI_D="$ROOT/build-check/tsan/src/server/keikaid" KEIKAI_CLI="$ROOT/build-check/tsan/src/cli/keikai" KEIKAI_SANITIZED=1 bash "$t"
done
unset TSAN_OPTIONS

# 5. static analysis
SRCS=$(git ls-files 'src/*.c')
# a few files per clang-tidy process, JOBS processes at once (xargs fails if any of them does)
tidy() { printf '%s\n' $SRCS | xargs -P "$JOBS" -n 4 clang-tidy -p build-check/clang --quiet; }
step clang-tidy tidy
step gcc-analyzer setup build-check/analyzer gcc -Danalyzer=on -Dwerror=true -Dtests=disabled
step gcc-analyzer-taint setup build-check/taint gcc -Danalyzer=taint -Dwerror=true -Dtests=disabled

# 6. format
step clang-format clang-format --dry-run --Werror $(git ls-files '*.c' '*.h')

echo
if [ "$fail" -gt 0 ]; then
	echo "# failed:"
	printf '#   %s\n' "${failed[@]}"
fi
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
