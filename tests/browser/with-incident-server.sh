#!/usr/bin/env bash
# with-incident-server.sh - the incident handling pages in chromium against a real keikaid
#
# Makes a fresh database, adds a handler, an analyst and an administrator with `keikai user add`
# (random passwords read from standard input), starts keikaid with the built web UI on 127.0.0.1
# and runs tests/browser/incident.mjs, then tests/browser/incident-admin.mjs against it. The tests
# submit their own reports through the server's API and public form. TAP on standard output.
# Env: KEIKAI_D, KEIKAI_CLI (binaries), KEIKAI_WEB (the build's web/).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
for v in KEIKAI_D KEIKAI_CLI KEIKAI_WEB; do
	if [ -z "${!v:-}" ] || [ ! -e "${!v}" ]; then
		echo "Bail out! set $v"
		exit 1
	fi
done
if [ ! -d "$HERE/../../node_modules/playwright-core" ]; then
	echo "Bail out! node_modules/playwright-core is missing: run scripts/deps.sh (npm ci)"
	exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-incident.XXXXXX") || exit 1
KPID=
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; rm -rf "$WORK"' EXIT
DB=$WORK/k.db
pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
HANDLER_PW=$(pw)
ANALYST_PW=$(pw)
ADMIN_PW=$(pw)
printf '%s\n' "$HANDLER_PW" | "$KEIKAI_CLI" -d "$DB" user add hana.handler --role handler --display 'Hana <b>Handler</b>' >/dev/null 2>&1 &&
	printf '%s\n' "$ANALYST_PW" | "$KEIKAI_CLI" -d "$DB" user add aki.analyst --role analyst --lang ja >/dev/null 2>&1 &&
	printf '%s\n' "$ADMIN_PW" | "$KEIKAI_CLI" -d "$DB" user add ada.admin --role admin >/dev/null 2>&1 ||
	{ echo "Bail out! keikai user add failed"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/k.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $DB
[web]
root = $KEIKAI_WEB
INI
"$KEIKAI_D" -c "$WORK/k.ini" >"$WORK/kd.log" 2>&1 &
KPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/incident.html" && break; sleep 0.05; done
export KEIKAI_URL="http://127.0.0.1:$PORT/" KEIKAI_HANDLER="hana.handler:$HANDLER_PW" KEIKAI_ANALYST="aki.analyst:$ANALYST_PW" \
	KEIKAI_ADMIN="ada.admin:$ADMIN_PW"
timeout 600 node "$HERE/incident.mjs"
rc=$?
timeout 300 node "$HERE/incident-admin.mjs" || rc=1
if [ $rc -ne 0 ]; then
	echo "# keikaid log (last lines):"
	tail -n 20 "$WORK/kd.log" | sed 's/^/# /'
fi
exit $rc
