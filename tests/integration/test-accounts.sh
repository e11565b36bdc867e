#!/bin/bash
# test-accounts.sh - keikaid's accounts: sign-in and cookie flags, sessions, CSRF, sign-out, idle
# expiry, throttling, equal answers for unknown users and wrong passwords, user management by
# administrators only, users' own API tokens, disabling, and the older API tokens beside them.
#
# Runs the real keikaid and keikai on 127.0.0.1 with a real SQLite file.
# Output is TAP ("ok N - name" / "not ok N - name"); exit status non-zero when a case fails.
# Env: KEIKAI_D, KEIKAI_CLI (binaries); KEEP_WORK=1 keeps the files.

set -u
KD=${KEIKAI_D:-}
CLI=${KEIKAI_CLI:-}
for b in "$KD" "$CLI"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		echo "Bail out! set KEIKAI_D and KEIKAI_CLI"
		exit 1
	fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-accounts.XXXXXX") || exit 1
DB=$WORK/k.db
KPID=
fails=0
n=0
cleanup() {
	[ -n "$KPID" ] && kill -9 "$KPID" 2>/dev/null
	if [ "${KEEP_WORK:-}" = 1 ]; then echo "# work: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

PORT=$(port)
URL=http://127.0.0.1:$PORT
write_config() { # IDLE
	cat >"$WORK/keikaid.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $DB
[access]
public_stats = false
[session]
idle = $1
lifetime = 3600
[login]
max_failures = 3
max_failures_client = 1000
window = 600
backoff = 3
backoff_max = 8
INI
}
start_kd() {
	"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
	KPID=$!
	up "$URL/api/v1/session"
}
stop_kd() {
	kill -TERM "$KPID"
	wait "$KPID"
	KPID=
}
# req METHOD PATH [curl args]: prints the HTTP status; body in $WORK/body, headers in $WORK/head
req() {
	local m=$1 p=$2
	shift 2
	curl -s -D "$WORK/head" -o "$WORK/body" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/body" "$1" 2>/dev/null; }
code() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$WORK/body" 2>/dev/null; }
header() { grep -i "^$1:" "$WORK/head" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }
# login USER PASSWORD JAR: signs in, keeping the cookie in JAR; prints the status
login() { # USER PASSWORD JAR [curl args]
	local u=$1 p=$2 jar=$3
	shift 3
	req POST /api/v1/session -c "$jar" -H 'Content-Type: application/json' \
		--data-binary "{\"user\":\"$u\",\"password\":\"$p\"}" "$@"
}
json_post() { # METHOD PATH BODY [curl args]
	local m=$1 p=$2 b=$3
	shift 3
	req "$m" "$p" -H 'Content-Type: application/json' --data-binary "$b" "$@"
}

printf 'admin-password-1\n' | "$CLI" -d "$DB" user add root --role admin --display 'Root' 2>/dev/null
printf 'handler-pass-2\n' | "$CLI" -d "$DB" user add hana --role handler --lang ja 2>/dev/null
printf 'victim-pass-33\n' | "$CLI" -d "$DB" user add dave --role analyst 2>/dev/null
ADMIN_TOK=$("$CLI" -d "$DB" token add ops --role admin)
READER_TOK=$("$CLI" -d "$DB" token add dashboard --role reader)
HANDLER_TOK=$("$CLI" -d "$DB" token add intake --role handler)
check "keikai user list shows the three users with their roles" \
	test "$("$CLI" -d "$DB" user list | cut -f1,2 | tr '\t\n' ':,')" = "dave:analyst,hana:handler,root:admin,"
write_config 600
if ! start_kd; then
	echo "Bail out! keikaid did not start"
	cat "$WORK/keikaid.log"
	exit 1
fi

# ---- sign-in and the cookie ------------------------------------------------------------------
c=$(login root admin-password-1 "$WORK/root.jar")
CSRF=$(field csrf)
sc=$(header Set-Cookie)
check "sign-in: 200 with user root, role admin and a CSRF token ($c)" \
	test "$c:$(field user):$(field role):${#CSRF}" = "200:root:admin:43"
case "$sc" in
kk_session=*"; HttpOnly"*"; SameSite=Strict"*"; Path=/"*) flags=1 ;;
*) flags=0 ;;
esac
check "the cookie is kk_session, HttpOnly, SameSite=Strict, Path=/, not Secure on plain HTTP" \
	test "$flags:$(printf '%s' "$sc" | grep -c Secure)" = "1:0"
SID=$(sed -n 's/.*kk_session\t//p' "$WORK/root.jar")
check "the session id is not stored: the database dump does not contain the cookie's text" \
	test "${#SID}:$(sqlite3 "$DB" .dump | grep -c -- "$SID")" = "43:0"
c=$(req GET /api/v1/session -b "$WORK/root.jar")
check "GET /api/v1/session with the cookie: the same user and CSRF token" \
	test "$c:$(field user):$(field csrf)" = "200:root:$CSRF"

# ---- CSRF ----------------------------------------------------------------------------------------
c=$(json_post POST /api/v1/users '{"name":"ann","password":"analyst-pass-4","role":"analyst"}' -b "$WORK/root.jar")
check "POST with the cookie and no X-CSRF-Token: 403 csrf" test "$c:$(code)" = "403:csrf"
c=$(json_post POST /api/v1/users '{"name":"ann","password":"analyst-pass-4","role":"analyst"}' -b "$WORK/root.jar" -H "X-CSRF-Token: ${CSRF%?}x")
check "POST with a wrong X-CSRF-Token: 403 csrf" test "$c:$(code)" = "403:csrf"
c=$(json_post POST /api/v1/users '{"name":"ann","password":"analyst-pass-4","role":"analyst"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example')
check "POST with the CSRF token but from another Origin: 403 csrf" test "$c:$(code)" = "403:csrf"
c=$(json_post POST /api/v1/users '{"name":"ann","password":"analyst-pass-4","role":"analyst"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF" -H 'Sec-Fetch-Site: cross-site')
check "POST with the CSRF token but Sec-Fetch-Site: cross-site: 403 csrf" test "$c:$(code)" = "403:csrf"
check "none of the refused requests made the user" test "$(sqlite3 "$DB" "SELECT COUNT(*) FROM users WHERE name='ann'")" = 0
c=$(json_post POST /api/v1/users '{"name":"ann","password":"analyst-pass-4","role":"analyst","display":"Ann","lang":"ja"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF" -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin')
check "POST with the CSRF token from the same origin: 201, analyst ann" test "$c:$(field name):$(field role):$(field lang)" = "201:ann:analyst:ja"
c=$(json_post POST /api/v1/users '{"name":"ann","password":"analyst-pass-5","role":"admin"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "the same name again: 409 exists" test "$c:$(code)" = "409:exists"
c=$(json_post POST /api/v1/users '{"name":"bob","password":"short","role":"analyst"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "a password under 10 bytes: 422 bad_field" test "$c:$(code)" = "422:bad_field"
c=$(json_post POST /api/v1/users '{"name":"bob","password":"long-enough-1","role":"king"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "an unknown role: 422 bad_field" test "$c:$(code)" = "422:bad_field"
c=$(json_post POST /api/v1/users '{"name":' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "a body that is not JSON: 400 bad_json" test "$c:$(code)" = "400:bad_json"
c=$(req GET /api/v1/users -b "$WORK/root.jar")
check "GET /api/v1/users lists four users and no password hashes" \
	test "$c:$(python3 -c 'import json,sys; print(",".join(u["name"] for u in json.load(open(sys.argv[1]))["users"]))' "$WORK/body"):$(grep -c argon2 "$WORK/body")" = "200:ann,dave,hana,root:0"

# ---- who may manage users ----------------------------------------------------------------------
login ann analyst-pass-4 "$WORK/ann.jar" >/dev/null
ANN_CSRF=$(field csrf)
login hana handler-pass-2 "$WORK/hana.jar" >/dev/null
HANA_CSRF=$(field csrf)
check "the handler's session says role handler, lang ja" test "$(req GET /api/v1/session -b "$WORK/hana.jar"):$(field role):$(field lang)" = "200:handler:ja"
c=$(req GET /api/v1/users -b "$WORK/ann.jar")
check "an analyst's GET /api/v1/users: 403" test "$c:$(code)" = "403:forbidden"
c=$(json_post PATCH /api/v1/users/dave '{"role":"admin"}' -b "$WORK/hana.jar" -H "X-CSRF-Token: $HANA_CSRF")
check "a handler's PATCH of a user: 403, dave stays analyst" test "$c:$(code):$(sqlite3 "$DB" "SELECT role FROM users WHERE name='dave'")" = "403:forbidden:analyst"
c=$(req GET /api/v1/users)
check "anonymous GET /api/v1/users: 401" test "$c:$(code)" = "401:unauthorized"
c=$(req GET /api/v1/users -H "Authorization: Bearer $ADMIN_TOK")
check "an admin API token may list users" test "$c" = 200
c=$(json_post PATCH /api/v1/users/nobody '{"display":"x"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "PATCH of an unknown user: 404" test "$c:$(code)" = "404:not_found"
c=$(json_post PATCH /api/v1/users/root '{"role":"handler"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
c2=$(json_post PATCH /api/v1/users/root '{"disabled":true}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "the last administrator cannot be demoted or disabled: 409 last_admin twice, root stays an active admin" \
	test "$c:$c2:$(code):$(sqlite3 "$DB" "SELECT role || disabled FROM users WHERE name='root'")" = "409:409:last_admin:admin0"
c=$("$CLI" -d "$DB" user disable root 2>&1 >/dev/null; echo "exit $?")
check "keikai user disable of the last administrator: refused with a reason" \
	sh -c 'case "$1" in *"last active administrator"*"exit 1") exit 0;; esac; exit 1' sh "$c"

# ---- the older API tokens and the observation routes ---------------------------------------
c=$(req GET /api/v1/obs/orgs -H "Authorization: Bearer $READER_TOK")
check "a reader API token still reads obs statistics" test "$c" = 200
c=$(req GET /api/v1/obs/orgs)
check "anonymous obs statistics with public_stats off: 401" test "$c" = 401
c=$(req GET /api/v1/obs/orgs -b "$WORK/ann.jar")
check "an analyst's session reads obs statistics" test "$c" = 200
c=$(json_post POST /api/v1/admin/orgs '{"name":"x-org"}' -b "$WORK/ann.jar" -H "X-CSRF-Token: $ANN_CSRF")
check "an analyst's session may not use obs admin routes: 403" test "$c:$(code)" = "403:forbidden"
c=$(json_post POST /api/v1/admin/orgs '{"name":"x-org"}' -H "Authorization: Bearer $READER_TOK")
check "a reader API token may not use obs admin routes: 403" test "$c" = 403
c=$(json_post POST /api/v1/admin/orgs '{"name":"x-org"}' -H "Authorization: Bearer $HANDLER_TOK")
check "a handler API token (auth_tokens now allows the role) may not use obs admin routes: 403" test "$c" = 403
c=$(json_post POST /api/v1/admin/orgs '{"name":"x-org"}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "an administrator's session may use obs admin routes: 201" test "$c" = 201

# ---- users' own tokens ----------------------------------------------------------------------
c=$(json_post POST /api/v1/me/tokens '{"name":"laptop"}' -b "$WORK/ann.jar" -H "X-CSRF-Token: $ANN_CSRF")
ANN_TOK=$(field token)
check "an analyst makes a token: 201 with the token text once" test "$c:$(field name):${ANN_TOK:0:3}:${#ANN_TOK}" = "201:laptop:kk_:46"
c=$(json_post POST /api/v1/me/tokens '{"name":"laptop"}' -b "$WORK/ann.jar" -H "X-CSRF-Token: $ANN_CSRF")
check "the same token name again: 409 exists" test "$c:$(code)" = "409:exists"
c=$(req GET /api/v1/me/tokens -H "Authorization: Bearer $ANN_TOK")
check "the token lists the user's tokens, without their text" \
	test "$c:$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tokens"]; print(len(t), t[0]["name"], "token" in t[0])' "$WORK/body"):$(grep -c "$ANN_TOK" "$WORK/body")" = "200:1 laptop False:0"
c=$(req GET /api/v1/session -H "Authorization: Bearer $ANN_TOK")
check "a user's token is not a session: GET /api/v1/session 401 no_session" test "$c:$(code)" = "401:no_session"
c=$(req GET /api/v1/obs/orgs -H "Authorization: Bearer $ANN_TOK")
check "the analyst's token reads obs statistics" test "$c" = 200
c=$(req GET /api/v1/users -H "Authorization: Bearer $ANN_TOK")
check "the analyst's token may not list users: 403" test "$c" = 403
c=$(req GET /api/v1/me/tokens -H "Authorization: Bearer $READER_TOK")
check "an API token without a user has no own tokens: 403 no_user" test "$c:$(code)" = "403:no_user"
json_post POST /api/v1/me/tokens '{"name":"spare"}' -H "Authorization: Bearer $ANN_TOK" >/dev/null
SPARE=$(field token)
c=$(req DELETE /api/v1/me/tokens/spare -H "Authorization: Bearer $ANN_TOK")
c2=$(req GET /api/v1/obs/orgs -H "Authorization: Bearer $SPARE")
check "a deleted token stops working at once: 200 then 401" test "$c:$c2" = "200:401"
c=$(req DELETE /api/v1/me/tokens/spare -H "Authorization: Bearer $ANN_TOK")
check "deleting it again: 404" test "$c" = 404

# ---- disabling ------------------------------------------------------------------------------
c=$(json_post PATCH /api/v1/users/ann '{"disabled":true}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF")
check "an administrator disables ann: 200, disabled" test "$c:$(field disabled)" = "200:True"
c=$(req GET /api/v1/session -b "$WORK/ann.jar")
c2=$(req GET /api/v1/obs/orgs -H "Authorization: Bearer $ANN_TOK")
check "the disabled user's session and token stop working: 401 and 401" test "$c:$c2" = "401:401"
c=$(login ann analyst-pass-4 "$WORK/ann2.jar")
check "the disabled user cannot sign in: 401 bad_login" test "$c:$(code)" = "401:bad_login"
json_post PATCH /api/v1/users/ann '{"disabled":false}' -b "$WORK/root.jar" -H "X-CSRF-Token: $CSRF" >/dev/null
c=$(login ann analyst-pass-4 "$WORK/ann2.jar")
check "enabled again, ann signs in; the old token is gone" test "$c:$(req GET /api/v1/obs/orgs -H "Authorization: Bearer $ANN_TOK")" = "200:401"

# ---- sign-out -------------------------------------------------------------------------------
c=$(req DELETE /api/v1/session -b "$WORK/hana.jar")
check "DELETE /api/v1/session without the CSRF token: 403 csrf" test "$c:$(code)" = "403:csrf"
c=$(req DELETE /api/v1/session -b "$WORK/hana.jar" -H "X-CSRF-Token: $HANA_CSRF")
check "sign-out: 200 and the cookie is cleared" test "$c:$(header Set-Cookie | grep -c 'Max-Age=0')" = "200:1"
c=$(req GET /api/v1/session -b "$WORK/hana.jar")
check "the old cookie after sign-out: 401" test "$c:$(code)" = "401:unauthorized"

# ---- wrong passwords, unknown users, throttling, timing ------------------------------------
c=$(login nobody-here whatever-pass-1 "$WORK/x.jar")
cp "$WORK/body" "$WORK/unknown.body"
c2=$(login dave wrong-password-1 "$WORK/x.jar")
check "an unknown user and a wrong password get the same answer: 401 bad_login" \
	test "$c:$c2:$(code):$(cmp -s "$WORK/unknown.body" "$WORK/body" && echo same)" = "401:401:bad_login:same"
# three of each, interleaved; the fastest of each counts (the machine may be busy with other work)
t_unknown=
t_wrong=
for i in 1 2 3; do
	t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
		--data-binary "{\"user\":\"ghost$i\",\"password\":\"whatever-pass-1\"}" "$URL/api/v1/session")
	t_unknown="$t_unknown $t"
	t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
		--data-binary "{\"user\":\"hana\",\"password\":\"wrong-pass-$i\"}" "$URL/api/v1/session")
	t_wrong="$t_wrong $t"
done
echo "# sign-in times (s): unknown user$t_unknown; wrong password$t_wrong"
check "an unknown user's sign-in takes as long as a wrong password's (0.5 to 2 times)" \
	python3 -c "import sys; u = min(map(float, '$t_unknown'.split())); w = min(map(float, '$t_wrong'.split())); r = u / w; print('# fastest: unknown %.3f s, wrong %.3f s, ratio %.2f' % (u, w, r)); sys.exit(not 0.5 <= r <= 2)"
c=$(login dave wrong-password-2 "$WORK/x.jar")
c2=$(login dave wrong-password-3 "$WORK/x.jar")
check "dave's third failure in the window is still a plain 401" test "$c:$c2" = "401:401"
c=$(login dave victim-pass-33 "$WORK/dave.jar")
RA=$(header Retry-After)
check "then even the right password waits: 429 throttled with Retry-After ($RA)" \
	test "$c:$(code):$([ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 8 ] && echo in-range)" = "429:throttled:in-range"
sleep $((RA + 1))
c=$(login dave victim-pass-33 "$WORK/dave.jar")
check "after Retry-After the right password signs in: 200" test "$c:$(field user)" = "200:dave"
c=$(req GET /api/v1/session -b "$WORK/dave.jar")
u1=$(field user)
c2=$(req GET /api/v1/session -b "$WORK/ann2.jar")
check "two analysts' GET /api/v1/session each answer their own user (no shared cached answer)" \
	test "$c:$u1:$c2:$(field user)" = "200:dave:200:ann"
c=$(login dave victim-pass-33 "$WORK/x.jar" -H 'Origin: http://evil.example')
check "sign-in from another site's page: 403 csrf" test "$c:$(code)" = "403:csrf"

# ---- idle timeout --------------------------------------------------------------------------------
stop_kd
write_config 2
start_kd || echo "Bail out! keikaid did not restart"
rows() { sqlite3 "$DB" "SELECT COUNT(*) FROM sessions"; }
login root admin-password-1 "$WORK/idle.jar" >/dev/null
c=$(req GET /api/v1/session -b "$WORK/idle.jar")
before=$(rows)
sleep 3
c2=$(req GET /api/v1/session -b "$WORK/idle.jar")
check "with [session] idle = 2 a session unused for 3 s has ended: 200 then 401" test "$c:$c2" = "200:401"
check "the ended session's row is deleted" test "$(rows)" = "$((before - 1))"
stop_kd

echo "1..$n"
[ "$fails" = 0 ]
