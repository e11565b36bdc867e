# tests/integration/lib.sh - the TAP helpers of the integration scripts (sourced, not run)
# shellcheck shell=bash
#
# The script sets n=0 and fails=0 before its first check and prints "1..$n" at the end.
# CHECK_DETAIL, when set, names a file whose first 400 bytes are printed after a failed check
# (the scripts that talk HTTP keep the last response body there).

# ok NAME / notok NAME [DETAIL]: one TAP result line
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && echo "# $2"
	return 0
}

# check NAME COMMAND...: ok when COMMAND succeeds, else not ok
check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	elif [ -n "${CHECK_DETAIL:-}" ]; then
		notok "$name" "$(head -c 400 "$CHECK_DETAIL" 2>/dev/null)"
	else
		notok "$name"
	fi
}

# port: a free TCP port on 127.0.0.1
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# up CURL-ARGS...: wait up to 10 s until curl with these arguments succeeds (a server that has
# just been started answers); 0 when it did
up() {
	for _ in $(seq 200); do
		curl -s -o /dev/null "$@" && return 0
		sleep 0.05
	done
	return 1
}
