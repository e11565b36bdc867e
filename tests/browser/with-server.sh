#!/usr/bin/env bash
# with-server.sh - the browser tests against a real keikaid with known data
#
# Makes a fresh database with keikai-history (8 sensors, hourly, from 200 days ago until now,
# so the current quarter and fiscal year have data), adds a sensor and an organisation with
# hostile names (the page must show them as text), starts keikaid with the built web UI on
# 127.0.0.1, and runs tests/browser/run.sh against it. TAP on standard output.
# Env: KEIKAI_D, KEIKAI_CLI, KEIKAI_HISTORY (binaries), KEIKAI_WEB (the build's web/).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
for v in KEIKAI_D KEIKAI_CLI KEIKAI_HISTORY KEIKAI_WEB; do
	if [ -z "${!v:-}" ] || [ ! -e "${!v}" ]; then
		echo "Bail out! set $v"
		exit 1
	fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-browser.XXXXXX") || exit 1
KPID=
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; rm -rf "$WORK"' EXIT
from=$(TZ=Asia/Tokyo date -d '200 days ago' +%Y-%m-%d)
"$KEIKAI_HISTORY" --sensors 8 --interval 3600 --from "$from" -o "$WORK/h.jsonl" \
	--manifest "$WORK/s.tsv" >/dev/null || { echo "Bail out! keikai-history failed"; exit 1; }
DB=$WORK/k.db
"$KEIKAI_CLI" -d "$DB" sensor import "$WORK/s.tsv" >/dev/null &&
	"$KEIKAI_CLI" -d "$DB" import "$WORK/h.jsonl" >/dev/null &&
	"$KEIKAI_CLI" -d "$DB" org add '<img src=x onerror=window.__pwned=1>' >/dev/null &&
	"$KEIKAI_CLI" -d "$DB" sensor add 'x-script' --org '<img src=x onerror=window.__pwned=1>' \
		--location '<script>window.__pwned=1</script>' >/dev/null ||
	{ echo "Bail out! fixture database"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/k.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $DB
[web]
root = $KEIKAI_WEB
[access]
public_events = true
INI
"$KEIKAI_D" -c "$WORK/k.ini" >"$WORK/kd.log" 2>&1 &
KPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/obs/orgs" && break; sleep 0.05; done
bash "$HERE/run.sh" "http://127.0.0.1:$PORT/"
