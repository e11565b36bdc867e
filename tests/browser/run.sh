#!/usr/bin/env bash
# Run every browser test (tests/browser/*.mjs) against the keikaid at KEIKAI_URL, e.g.
#   KEIKAI_URL=http://127.0.0.1:8080/ bash tests/browser/run.sh
# or: bash tests/browser/run.sh http://127.0.0.1:8080/
# Prints the tests' TAP lines; exits non-zero if any test failed or a script did not finish.
set -u
cd "$(dirname "$0")/../.."
export KEIKAI_URL=${1:-${KEIKAI_URL:-}}
if [ -z "$KEIKAI_URL" ]; then
	echo "usage: KEIKAI_URL=http://127.0.0.1:PORT/ $0" >&2
	exit 2
fi
if [ ! -d node_modules/playwright-core ]; then
	echo "keikai: node_modules/playwright-core is missing: run scripts/deps.sh (npm ci)" >&2
	exit 2
fi
rc=0
for t in tests/browser/*.mjs; do
	echo "# $t"
	timeout 300 node "$t" || rc=1
done
exit $rc
