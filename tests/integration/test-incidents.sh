#!/bin/bash
# test-incidents.sh - the incident API on a real keikaid: reports by API, mail and the public
# form, roles on every route, refusals that write nothing, merge and split, search in Japanese
# and English, quarter statistics with known answers, and the keikai report/stats commands.
#
# Output is TAP; exit status non-zero when a case fails.
# Env: KEIKAI_D, KEIKAI_CLI (binaries); KEEP_WORK=1 keeps the files.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
KD=${KEIKAI_D:-}
CLI=${KEIKAI_CLI:-}
for b in "$KD" "$CLI"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		echo "Bail out! set KEIKAI_D and KEIKAI_CLI"
		exit 1
	fi
done
for t in curl jq sqlite3 python3; do
	command -v "$t" >/dev/null || { echo "Bail out! $t is missing"; exit 1; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-incidents.XXXXXX") || exit 1
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
CHECK_DETAIL=$WORK/body

PORT=$(port)
URL=http://127.0.0.1:$PORT
cat >"$WORK/keikaid.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $DB
[incident]
link_window_days = 30
default_tlp = amber
public_form_rate = 60
public_form_burst = 3
INI

# status METHOD PATH [curl args]: prints the HTTP status; the body goes to $WORK/body
status() {
	local m=$1 p=$2
	shift 2
	curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
code() { jq -r '.error.code' "$WORK/body" 2>/dev/null; }
field() { jq -r '.error.field' "$WORK/body" 2>/dev/null; }
j() { jq -r "$1" "$WORK/body"; }
count() { sqlite3 "$DB" "SELECT count(*) FROM $1"; }
writes() { sqlite3 "$DB" "SELECT (SELECT count(*) FROM reports) || '/' || (SELECT count(*) FROM incidents) || '/' || (SELECT count(*) FROM audit) || '/' || (SELECT group_concat(status || tlp || coalesce(owner, '') || priority || coalesce(rsit_type, ''), ',') FROM incidents) || '/' || (SELECT group_concat(status || tlp, ',') FROM reports)"; }

ADMIN=$("$CLI" -d "$DB" token add root --role admin)
READER=$("$CLI" -d "$DB" token add analyst --role reader)
HANDLER=$("$CLI" -d "$DB" token add desk --role handler)
echo 'a-long-password-1' | "$CLI" -d "$DB" user add suzuki --role handler >/dev/null 2>&1
"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
KPID=$!
up "$URL/api/v1/taxonomy"
H=(-H "Authorization: Bearer $HANDLER")
R=(-H "Authorization: Bearer $READER")
JS=(-H "Content-Type: application/json")

# ---- reports by API --------------------------------------------------------------------------
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary \
	'{"channel":"fax","reporter":"ACME 株式会社","subject":"三井住友カードを装うフィッシング","body":"偽サイト hxxps://smbc-card[.]example-login[.]com/member/login.php を確認","rsit_class":"fraud","rsit_type":"phishing","tlp":"TLP:GREEN"}')
R1=$(j .id)
I1=$(j .incident)
check "handler: POST /reports (fax) 201 with an ack and a new incident" \
	test "$s:$(j '.ack | test("^R-[0-9]{4}-[0-9]{6}$")'):$(j .new_incident)" = "201:true:true"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary \
	'{"channel":"phone","subject":"same site","body":"caller saw https://SMBC-card.example-login.com/member/./login.php#top"}')
R2=$(j .id)
check "a second report of the same URL written differently joins the incident" \
	test "$s:$(j .incident):$(j .new_incident)" = "201:$I1:false"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary \
	'{"channel":"phone","subject":"same site","body":"caller saw https://SMBC-card.example-login.com/member/./login.php#top"}')
check "the same body again is a duplicate (200, same report)" \
	test "$s:$(j .id):$(j .duplicate)" = "200:$R2:true"
cat >"$WORK/mail.eml" <<'MAIL'
From: Reporter <reporter@example.net>
To: report@keikai.example
Subject: Phishing site impersonating a parcel service
Date: Tue, 03 Jun 2025 09:00:00 +0900
Message-ID: <abc123@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Please look at http://parcel-track.example.org/jp/index.html
It asks for card numbers.
MAIL
s=$(status POST /api/v1/reports "${H[@]}" -H "Content-Type: message/rfc822" --data-binary @"$WORK/mail.eml")
R3=$(j .id)
I3=$(j .incident)
check "handler: a whole mail as message/rfc822 (201, its own incident)" \
	test "$s:$(j .new_incident)" = "201:true"

# ---- refusals write nothing -----------------------------------------------------------------
before=$(writes)
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary 'not json')
check "not JSON: 400 bad_json" test "$s:$(code)" = "400:bad_json"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary '{"channel":"email","body":"x"}')
check "channel email by JSON: 422 bad_field channel" test "$s:$(code):$(field)" = "422:bad_field:channel"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary '{"body":"x","rsit_class":"fraud","rsit_type":"scanner"}')
check "an RSIT pair that does not exist: 422 rsit_type" test "$s:$(field)" = "422:rsit_type"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary '{"body":"x","tlp":"purple"}')
check "an unknown TLP label: 422 tlp" test "$s:$(field)" = "422:tlp"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary '{"body":"x","colour":"red"}')
check "an unknown field: 422" test "$s:$(code)" = "422:bad_field"
s=$(status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary '{"channel":"api"}')
check "no text: 422 body" test "$s:$(field)" = "422:body"
s=$(status POST /api/v1/reports "${H[@]}" -H "Content-Type: message/rfc822" --data-binary $'\x01\x02')
check "a mail that is not a mail: 422 bad_input" test "$s:$(code)" = "422:bad_input"
s=$(status PATCH "/api/v1/reports/$R1" "${H[@]}" "${JS[@]}" --data-binary '{"status":"done"}')
check "PATCH report with an unknown status: 422 status" test "$s:$(field)" = "422:status"
s=$(status PATCH "/api/v1/incidents/$I1" "${H[@]}" "${JS[@]}" --data-binary '{"rsit_class":"fraud","rsit_type":"ddos"}')
check "PATCH incident with a pair not in RSIT: 422 rsit_type" test "$s:$(field)" = "422:rsit_type"
s=$(status PATCH "/api/v1/incidents/$I1" "${H[@]}" "${JS[@]}" --data-binary '{"owner":"nobody-here"}')
check "PATCH incident with an owner who is no user: 422 owner" test "$s:$(field)" = "422:owner"
s=$(status PATCH "/api/v1/incidents/$I1" "${H[@]}" "${JS[@]}" --data-binary '{"status":"merged"}')
check "PATCH incident to merged: 422 status" test "$s:$(field)" = "422:status"
s=$(status PATCH "/api/v1/incidents/$I1" "${H[@]}" "${JS[@]}" --data-binary '{"priority":"urgent","title":"ok"}')
check "PATCH with one bad field of two: 422 priority" test "$s:$(field)" = "422:priority"
s=$(status PATCH "/api/v1/incidents/$I1" "${H[@]}" "${JS[@]}" --data-binary '[1]')
check "PATCH incident with a non-object: 400 bad_json" test "$s:$(code)" = "400:bad_json"
s=$(status PATCH /api/v1/incidents/99999 "${H[@]}" "${JS[@]}" --data-binary '{"priority":"high"}')
check "PATCH an unknown incident: 404 not_found" test "$s:$(code)" = "404:not_found"
s=$(status GET /api/v1/reports/99999 "${R[@]}")
check "GET an unknown report: 404" test "$s:$(code)" = "404:not_found"
s=$(status POST "/api/v1/incidents/$I1/merge" "${H[@]}" "${JS[@]}" --data-binary "{\"from\":[$I1]}")
check "merge an incident into itself: 409 conflict" test "$s:$(code)" = "409:conflict"
s=$(status POST "/api/v1/incidents/$I1/merge" "${H[@]}" "${JS[@]}" --data-binary '{"from":["x"]}')
check "merge with a bad list: 422 from" test "$s:$(field)" = "422:from"
s=$(status POST "/api/v1/incidents/$I1/split" "${H[@]}" "${JS[@]}" --data-binary "{\"reports\":[$R1,$R2]}")
check "split every report off: 409" test "$s:$(code)" = "409:conflict"
s=$(status POST "/api/v1/incidents/$I1/split" "${H[@]}" "${JS[@]}" --data-binary "{\"reports\":[$R3]}")
check "split another incident's report: 404" test "$s:$(code)" = "404:not_found"
check "none of the refusals wrote anything" test "$(writes)" = "$before"

# ---- roles on every route ---------------------------------------------------------------------
reads=("GET /api/v1/reports" "GET /api/v1/reports/$R1" "GET /api/v1/reports/$R1/raw"
	"GET /api/v1/search?q=abc" "GET /api/v1/incidents" "GET /api/v1/incidents/$I1"
	"GET /api/v1/taxonomy" "GET /api/v1/stats/incidents?quarter=2025Q1")
writes_r=("POST /api/v1/reports" "PATCH /api/v1/reports/$R1" "PATCH /api/v1/incidents/$I1"
	"POST /api/v1/incidents/$I1/merge" "POST /api/v1/incidents/$I1/split")
bad=""
for r in "${reads[@]}" "${writes_r[@]}"; do
	s=$(status ${r%% *} "${r#* }" "${JS[@]}" --data-binary '{}')
	[ "$s:$(code)" = "401:unauthorized" ] || bad="$bad [$r anon $s]"
done
check "anonymous: 401 on every report, incident and statistics route" test -z "$bad"
bad=""
for r in "${writes_r[@]}"; do
	s=$(status ${r%% *} "${r#* }" "${R[@]}" "${JS[@]}" --data-binary '{"priority":"high"}')
	[ "$s:$(code)" = "403:forbidden" ] || bad="$bad [$r $s]"
done
check "analyst: 403 on every write route" test -z "$bad"
bad=""
for r in "${reads[@]}"; do
	s=$(status ${r%% *} "${r#* }" "${R[@]}")
	[ "$s" = 200 ] || bad="$bad [$r $s]"
done
check "analyst: 200 on every read route" test -z "$bad"
check "the refused writes wrote nothing" test "$(writes)" = "$before"

# ---- reading --------------------------------------------------------------------------------
s=$(status GET "/api/v1/reports?status=new&limit=2" "${R[@]}")
check "the queue: newest first, limited" \
	test "$s:$(j '.reports | length'):$(j '.reports[0].id'):$(j '.reports[0].incident')" = "200:2:$R3:$I3"
s=$(status GET "/api/v1/reports?before=$R3" "${R[@]}")
check "the queue pages with before" test "$s:$(j '[.reports[].id] | join(",")')" = "200:$R2,$R1"
s=$(status GET "/api/v1/reports/$R1" "${R[@]}")
check "a report: text, reporter, indicators with raw and canonical forms" \
	test "$s:$(j .reporter):$(j '[.indicators[] | select(.type == "url") | .value] | first'):$(j '[.indicators[].raw] | first'):$(j .incident.id)" = \
	"200:ACME 株式会社:https://smbc-card.example-login.com/member/login.php:hxxps://smbc-card[.]example-login[.]com/member/login.php:$I1"
s=$(status GET "/api/v1/reports/$R3/raw" "${R[@]}")
check "raw: byte for byte, octet-stream, attachment, nosniff" \
	bash -c "cmp -s '$WORK/body' '$WORK/mail.eml' && grep -qi '^content-type: application/octet-stream' '$WORK/headers' && grep -qi '^content-disposition: attachment' '$WORK/headers' && grep -qi '^x-content-type-options: nosniff' '$WORK/headers'"
s=$(status GET "/api/v1/reports/$R3" "${R[@]}")
check "a mail's reporter and subject come from its headers" \
	test "$s:$(j .reporter_email):$(j .subject):$(j .channel)" = "200:reporter@example.net:Phishing site impersonating a parcel service:email"
s=$(status GET /api/v1/taxonomy "${R[@]}")
check "taxonomy: 11 RSIT classes, 39 types, 8 categories, names in both languages" \
	test "$s:$(j '.rsit | length'):$(j '[.rsit[].types[]] | length'):$(j '.categories | length'):$(j '.categories[0].ja != null')" = "200:11:39:8:true"

# ---- handler changes ---------------------------------------------------------------------------
s=$(status PATCH "/api/v1/reports/$R1" "${H[@]}" "${JS[@]}" --data-binary '{"status":"triaged","tlp":"amber+strict"}')
check "PATCH a report: 200" test "$s:$(sqlite3 "$DB" "SELECT status || ' ' || tlp FROM reports WHERE id = $R1")" = "200:triaged amber+strict"
check "the audit names the API token that made the change" \
	test "$(sqlite3 "$DB" "SELECT coalesce(user_name, '-') || ' ' || coalesce(user_id, 0) FROM audit WHERE object = 'report' AND object_id = $R1 ORDER BY id DESC LIMIT 1")" = "token:desk 0"
s=$(status PATCH "/api/v1/incidents/$I1" "${H[@]}" "${JS[@]}" --data-binary '{"owner":"suzuki","priority":"high","due":1767193200,"title":"SMBC card phishing"}')
check "PATCH an incident: owner (a user), priority, due, title" \
	test "$s:$(sqlite3 "$DB" "SELECT owner || ' ' || priority || ' ' || due || ' ' || title || ' ' || category FROM incidents WHERE id = $I1")" = \
	"200:suzuki high 1767193200 SMBC card phishing phishing"
s=$(status GET "/api/v1/incidents/$I1" "${R[@]}")
check "an incident: its reports, indicators and timeline with the change" \
	test "$s:$(j '.reports | length'):$(j '[.timeline[] | select(.action == "updated" and .object == "incident")] | length'):$(j '[.timeline[] | select(.action == "updated")][-1].changes | fromjson | .priority | join(">")')" = "200:2:1:normal>high"
s=$(status POST /api/v1/contacts "${H[@]}" "${JS[@]}" --data-binary \
	'{"name":"Example Login Hosting","type":"hosting","country":"JP","lang":"ja","abuse":["abuse@example-login.com"],"domains":["example-login.com"]}')
s=$(status GET "/api/v1/incidents/$I1" "${R[@]}")
check "an incident's candidate parties: the registered owner of the URL's domain; hosts enriched" \
	test "$s:$(j '.candidates[0].name'):$(j '.candidates[0].reason'):$(j '[.indicators[] | select(.type == "url")][0].enrich.host')" = \
	"200:Example Login Hosting:domain:smbc-card.example-login.com"
s=$(status GET "/api/v1/incidents?status=open&category=phishing&owner=suzuki" "${R[@]}")
check "incidents filtered by status, category and owner" \
	test "$s:$(j '[.incidents[].id] | join(",")'):$(j '.incidents[0].reports')" = "200:$I1:2"

# ---- merge and split ------------------------------------------------------------------------
s=$(status POST "/api/v1/incidents/$I1/merge" "${H[@]}" "${JS[@]}" --data-binary "{\"from\":[$I3]}")
check "merge: 200, the reports move, the other is merged" \
	test "$s:$(sqlite3 "$DB" "SELECT count(*) FROM reports WHERE incident_id = $I1"):$(sqlite3 "$DB" "SELECT status || ' ' || merged_into FROM incidents WHERE id = $I3")" = "200:3:merged $I1"
s=$(status POST "/api/v1/incidents/$I1/merge" "${H[@]}" "${JS[@]}" --data-binary "{\"from\":[$I3]}")
check "merging a merged incident: 409" test "$s:$(code)" = "409:conflict"
s=$(status POST "/api/v1/incidents/$I1/split" "${H[@]}" "${JS[@]}" --data-binary "{\"reports\":[$R3]}")
NI=$(j .id)
check "split: 201 with the new incident holding the report" \
	test "$s:$(sqlite3 "$DB" "SELECT incident_id FROM reports WHERE id = $R3"):$(sqlite3 "$DB" "SELECT count(*) FROM reports WHERE incident_id = $I1")" = "201:$NI:2"
s=$(status GET "/api/v1/incidents?status=merged" "${R[@]}")
check "the merged incident is listed with no reports" test "$s:$(j '.incidents[0].id'):$(j '.incidents[0].reports')" = "200:$I3:0"

# ---- search ---------------------------------------------------------------------------------
srch() { status GET /api/v1/search "${R[@]}" -G --data-urlencode "q=$1"; }
s=$(srch 'フィッシング')
check "search Japanese (フィッシング)" test "$s:$(j '[.reports[].id] | join(",")')" = "200:$R1"
s=$(srch '三井住友')
check "search Japanese (三井住友)" test "$s:$(j '[.reports[].id] | join(",")')" = "200:$R1"
s=$(srch 'card numbers')
check "search English" test "$s:$(j '[.reports[].id] | join(",")')" = "200:$R3"
s=$(srch 'example-login.com')
check "search a domain: both reports, newest first" test "$s:$(j '[.reports[].id] | join(",")')" = "200:$R2,$R1"
s=$(srch '偽')
check "search one character (bounded scan)" test "$s:$(j '[.reports[].id] | join(",")')" = "200:$R1"
s=$(srch '" OR *')
check "search text that is FTS syntax: no error, no hit" test "$s:$(j '.reports | length')" = "200:0"
s=$(status GET /api/v1/search "${R[@]}")
check "search without q: 400" test "$s:$(code)" = "400:bad_parameter"

# ---- public form ----------------------------------------------------------------------------
before=$(count reports)
s=$(status POST /api/v1/public/reports "${JS[@]}" --data-binary '{"name":"山田","email":"yamada@example.ne.jp","body":"変なサイト http://odd.example.jp/","lang":"ja"}')
check "public form: 201 with only an ack" test "$s:$(j '.ack | test("^R-")'):$(j '.id')" = "201:true:null"
s=$(status POST /api/v1/public/reports "${JS[@]}" --data-binary '{"email":"not-an-address","body":"x"}')
check "public form: a bad e-mail address is 422 email" test "$s:$(field)" = "422:email"
for i in 2 3; do
	status POST /api/v1/public/reports "${JS[@]}" --data-binary "{\"body\":\"form $i\"}" >/dev/null
done
s=$(status POST /api/v1/public/reports "${JS[@]}" --data-binary '{"body":"form 4"}')
check "public form: over the per-address burst 429 rate_limited with Retry-After" \
	bash -c "test '$s:$(code)' = '429:rate_limited' && grep -qi '^retry-after: [1-9]' '$WORK/headers'"
check "public form: three stored, channel web, client address kept" \
	test "$(($(count reports) - before)):$(sqlite3 "$DB" "SELECT count(*) FROM reports WHERE channel = 'web' AND client = '127.0.0.1'")" = "3:3"

# ---- statistics --------------------------------------------------------------------------------
# FY2024 Q4 = January-March 2025; 12:00 JST on 10 January, 5 February, 10 March, 10 December
# 2024 and 10 January 2024
jan=1736478000 feb=1738724400 mar=1741575600 dec=1733799600 jan24=1704855600
post() { status POST /api/v1/reports "${H[@]}" "${JS[@]}" --data-binary "$1" >/dev/null; }
for i in 1 2 3; do post "{\"received\":$jan,\"body\":\"jan $i http://j$i.stats.example.com/\",\"rsit_class\":\"fraud\",\"rsit_type\":\"phishing\"}"; done
for i in 1 2; do post "{\"received\":$feb,\"body\":\"feb $i http://f$i.stats.example.com/\",\"rsit_class\":\"fraud\",\"rsit_type\":\"phishing\"}"; done
post "{\"received\":$feb,\"body\":\"feb again http://j1.stats.example.com/\"}"
post "{\"received\":$mar,\"body\":\"mar http://m1.stats.example.com/\",\"rsit_class\":\"information-gathering\",\"rsit_type\":\"scanner\"}"
for i in 1 2 3 4; do post "{\"received\":$dec,\"body\":\"dec $i http://d$i.stats.example.com/\",\"rsit_class\":\"fraud\",\"rsit_type\":\"phishing\"}"; done
post "{\"received\":$jan24,\"body\":\"jan24 http://y1.stats.example.com/\",\"rsit_class\":\"fraud\",\"rsit_type\":\"phishing\"}"
s=$(status GET "/api/v1/stats/incidents?quarter=2024Q4" "${R[@]}")
ph='.categories[] | select(.key == "phishing")'
check "stats: phishing reports 3/3/0 and incidents 3/2/0 in Jan/Feb/Mar 2025" \
	test "$s:$(j "$ph | .reports | join(\"/\")"):$(j "$ph | .incidents | join(\"/\")"):$(j '.months | join(",")')" = "200:3/3/0:3/2/0:2025-01,2025-02,2025-03"
check "stats: previous quarter 4 (+50 %), a year earlier 1 (+500 %), scan 1 in March" \
	test "$(j "$ph | .previous.reports"):$(j "$ph | .previous.reports_change"):$(j "$ph | .year_ago.reports"):$(j "$ph | .year_ago.reports_change"):$(j '.categories[] | select(.key == "scan") | .reports | join("/")')" = "4:50:1:500:0/0/1"
s=$(status GET "/api/v1/stats/incidents?quarter=2024Q9" "${R[@]}")
check "stats: a bad quarter is 400" test "$s:$(code)" = "400:bad_parameter"

# ---- the command line ----------------------------------------------------------------------------
out=$(echo "FAX: 電話番号 03-1234-5678 から http://fax.example.jp/ を案内" | "$CLI" -d "$DB" report add --channel fax --subject "FAX 受信" --by sato)
check "keikai report add --channel fax: an ack and an incident" \
	bash -c "echo '$out' | grep -Eq '^R-[0-9]{4}-[0-9]{6} incident [0-9]+ \\(new\\)$' && test \"\$(sqlite3 '$DB' \"SELECT channel || ' ' || entered_by FROM reports WHERE subject = 'FAX 受信'\")\" = 'fax sato'"
out=$("$CLI" -d "$DB" report add --channel email </dev/null 2>&1)
check "keikai report add: only fax or phone (exit 2)" test $? -ne 0
out=$("$CLI" -d "$DB" stats incidents --quarter 2024Q4)
check "keikai stats incidents: the phishing row 3 3 0, total 6, previous 4 +50 %" \
	bash -c "echo \"\$1\" | grep -Eq '^Phishing site +rep +3 +3 +0 +6 +4 +\\+50% +1 +\\+500%'" _ "$out"
out=$("$CLI" -d "$DB" --lang ja stats incidents --quarter 2024Q4)
check "keikai --lang ja stats incidents: Japanese names" \
	bash -c "echo \"\$1\" | grep -q '^フィッシングサイト'" _ "$out"

kill -TERM "$KPID"
wait "$KPID"
KPID=
echo "1..$n"
[ "$fails" = 0 ]
