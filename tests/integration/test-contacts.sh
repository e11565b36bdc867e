#!/bin/bash
# test-contacts.sh - the contact registry over keikaid's API: CRUD, roles, refusals that write
# nothing, import through keikai, and /api/v1/enrich with a real DNS server (dnsmasq on
# 127.0.0.1) answering planted names, enriched from the real libloc database.
#
# Output is TAP; exit status non-zero when a case fails.
# Env: KEIKAI_D, KEIKAI_CLI (binaries); KEEP_WORK=1 keeps the files.
# Facts of the libloc database (`location lookup`, database of 2022-10-29):
#   133.1.1.1 is in 133.1.0.0/16, JP, AS4730; 168.126.63.1 in 168.126.0.0/16, KR, AS4766.

set -u
KD=${KEIKAI_D:-}
CLI=${KEIKAI_CLI:-}
for b in "$KD" "$CLI"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		echo "Bail out! set KEIKAI_D and KEIKAI_CLI"
		exit 1
	fi
done
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
if [ ! -x "$DNSMASQ" ]; then
	echo "Bail out! dnsmasq is missing (Debian package dnsmasq-base; scripts/deps.sh)"
	exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-contacts.XXXXXX") || exit 1
DB=$WORK/k.db
KPID=
DPID=
fails=0
n=0
cleanup() {
	[ -n "$KPID" ] && kill "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	[ -n "${HPID:-}" ] && kill "$HPID" 2>/dev/null
	if [ "${KEEP_WORK:-}" = 1 ]; then echo "# work: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
CHECK_DETAIL=$WORK/body
udp_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- the DNS server with the planted names ------------------------------------------------
DPORT=$(udp_port)
cat >"$WORK/hosts" <<HOSTS
133.1.1.1 phish.example.jp
168.126.63.1 www.bad.example.kr
133.1.2.3 drop.example.jp
133.1.4.4 six.example.jp
HOSTS
# the server answers on ::1 too when this machine has it, for the resolver over IPv6
LISTEN=127.0.0.1
HAVE6=0
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
	LISTEN=127.0.0.1,::1
	HAVE6=1
fi
"$DNSMASQ" --no-daemon --port="$DPORT" --listen-address=$LISTEN --bind-interfaces --no-resolv \
	--no-hosts --addn-hosts="$WORK/hosts" --pid-file= --user="$(id -un)" --log-facility=- \
	>"$WORK/dnsmasq.log" 2>&1 &
DPID=$!

PORT=$(port)
URL=http://127.0.0.1:$PORT
cat >"$WORK/keikaid.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $DB
[enrich]
resolve = on
resolver = 127.0.0.1:$DPORT
INI

HANDLER=$("$CLI" -d "$DB" token add desk --role handler)
printf 'handler-pass-2\n' | "$CLI" -d "$DB" user add hana --role handler 2>/dev/null
READER=$("$CLI" -d "$DB" token add analyst --role reader)
"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
KPID=$!
if ! up "$URL/api/v1/contacts"; then
	echo "Bail out! keikaid did not start"
	cat "$WORK/keikaid.log"
	exit 1
fi

# status METHOD PATH [curl args]: prints the HTTP status; the body goes to $WORK/body
status() {
	local m=$1 p=$2
	shift 2
	curl -s -o "$WORK/body" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
code() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$WORK/body" 2>/dev/null; }
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$WORK/body" 2>/dev/null; }
orgs() { sqlite3 "$DB" "SELECT COUNT(*) FROM contact_org"; }
# settle HOST: ask /api/v1/enrich?host=HOST as the handler until the resolver has answered (10 s
# at most); prints the last status, the answer stays in $WORK/body
settle() {
	local st=''
	for _ in $(seq 100); do
		status GET "/api/v1/enrich?host=$1" "${H[@]}" >/dev/null
		st=$(jq_ 'd["status"]')
		[ "$st" != pending ] && break
		sleep 0.1
	done
	echo "$st"
}
H=(-H "Authorization: Bearer $HANDLER" -H 'Content-Type: application/json')
# the handler's own token (signed in, then POST /api/v1/me/tokens): the audit names the user
curl -s -o "$WORK/body" -c "$WORK/jar" -H 'Content-Type: application/json' \
	--data-binary '{"user":"hana","password":"handler-pass-2"}' "$URL/api/v1/session"
CSRF=$(jq_ 'd["csrf"]')
curl -s -o "$WORK/body" -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	--data-binary '{"name":"contacts"}' "$URL/api/v1/me/tokens"
HANA=$(jq_ 'd["token"]')
U=(-H "Authorization: Bearer $HANA" -H 'Content-Type: application/json')
R=(-H "Authorization: Bearer $READER")

# ---- CRUD ----------------------------------------------------------------------------------
c=$(status POST /api/v1/contacts "${H[@]}" --data-binary '{"name":"Example Hosting","type":"hosting","country":"JP","abuse":["abuse@example.jp"],"networks":["133.1.0.0/20","2001:db8::/32"],"asns":[64500],"domains":["example.jp"],"note":"平日 9-17 時"}')
ID=$(jq_ 'd["id"]')
check "handler creates an organisation: 201 with its id" test "$c:$(orgs)" = "201:1"
c=$(status GET "/api/v1/contacts/$ID" "${R[@]}")
check "analyst reads it back, canonical and with the Japanese note" \
	test "$c:$(jq_ 'd["name"], d["lang"], d["networks"], d["note"]')" = "200:Example Hosting ja ['133.1.0.0/20', '2001:db8::/32'] 平日 9-17 時"
c=$(status GET "/api/v1/contacts?q=133.1.2.3" "${R[@]}")
check "search by an address in its network" test "$c:$(jq_ 'len(d["contacts"])')" = "200:1"
c=$(status GET "/api/v1/contacts?q=nothing-like-this" "${R[@]}")
check "search with no match: empty list" test "$c:$(jq_ 'len(d["contacts"])')" = "200:0"
c=$(status PATCH "/api/v1/contacts/$ID" "${U[@]}" --data-binary '{"lang":"en","asns":["AS64501"]}')
check "PATCH answers the changes as [old, new]" \
	test "$c:$(jq_ 'd["changes"]["lang"], d["changes"]["asns"]')" = "200:['ja', 'en'] [[64500], [64501]]"
audit=$(sqlite3 "$DB" "SELECT group_concat(ifnull(user_name, '-') || ':' || action, ' ') FROM (SELECT * FROM contact_audit WHERE org = $ID ORDER BY id)")
check "the audit trail: the API token's create (named token:desk), then hana's update" test "$audit" = "token:desk:create hana:update"

# ---- roles -----------------------------------------------------------------------------------
c=$(status GET /api/v1/contacts)
check "anonymous list: 401" test "$c:$(code)" = "401:unauthorized"
c=$(status POST /api/v1/contacts "${R[@]}" -H 'Content-Type: application/json' --data-binary '{"name":"X","type":"isp"}')
check "analyst create: 403, nothing written" test "$c:$(code):$(orgs)" = "403:forbidden:1"
c=$(status PATCH "/api/v1/contacts/$ID" "${R[@]}" --data-binary '{"note":"x"}')
check "analyst patch: 403" test "$c:$(code)" = "403:forbidden"
c=$(status DELETE "/api/v1/contacts/$ID" "${R[@]}")
check "analyst delete: 403, still there" test "$c:$(code):$(orgs)" = "403:forbidden:1"
c=$(status GET "/api/v1/enrich?ip=133.1.1.1")
check "anonymous enrich: 401" test "$c:$(code)" = "401:unauthorized"

# ---- bad input: stable codes, nothing written ---------------------------------------------------
bad() { # NAME BODY STATUS CODE
	local c
	c=$(status POST /api/v1/contacts "${H[@]}" --data-binary "$2")
	check "$1: $3 $4, nothing written" test "$c:$(code):$(orgs)" = "$3:$4:1"
}
bad "not JSON" '{"name":' 400 bad_json
bad "a bad network" '{"name":"N","type":"isp","networks":["10.0.0.1/8"]}' 422 bad_network
bad "a bad type" '{"name":"N","type":"bank"}' 422 bad_type
bad "a bare public suffix" '{"name":"N","type":"isp","domains":["co.jp"]}' 422 bad_domain
bad "an unknown country" '{"name":"N","type":"isp","country":"ZZ"}' 422 bad_country
bad "an unknown field" '{"name":"N","type":"isp","fax":"1"}' 422 unknown_field
bad "the name taken" '{"name":"Example Hosting","type":"isp"}' 409 exists
c=$(status PATCH "/api/v1/contacts/$ID" "${H[@]}" --data-binary '{"asns":[0]}')
check "PATCH with a bad AS: 422 bad_asn, unchanged" \
	test "$c:$(code):$(sqlite3 "$DB" "SELECT asn FROM contact_asn WHERE org = $ID")" = "422:bad_asn:64501"
c=$(status GET /api/v1/contacts/999999 "${R[@]}")
check "unknown id: 404 not_found" test "$c:$(code)" = "404:not_found"
c=$(status GET /api/v1/contacts/abc "${R[@]}")
check "id that is not a number: 404 not_found" test "$c:$(code)" = "404:not_found"
c=$(status GET "/api/v1/enrich?ip=133.1.1" "${R[@]}")
check "enrich a bad address: 422 bad_ip" test "$c:$(code)" = "422:bad_ip"
c=$(status GET "/api/v1/enrich" "${R[@]}")
check "enrich without ip or host: 400 bad_query" test "$c:$(code)" = "400:bad_query"

# ---- import through the CLI ---------------------------------------------------------------------
cat >"$WORK/constituency.jsonl" <<'JSONL'
# two organisations; the first already exists and is replaced
{"name":"Example Hosting","type":"hosting","country":"JP","lang":"ja","abuse":["noc@example.jp"],"networks":["133.1.0.0/20"],"domains":["example.jp"]}
{"name":"KrCERT/CC","type":"csirt","country":"KR","abuse":["cert@krcert.example"]}
JSONL
out=$("$CLI" -d "$DB" contact import "$WORK/constituency.jsonl" 2>&1)
check "keikai contact import: 1 created, 1 updated" test "$out:$(orgs)" = "1 created, 1 updated:2"
printf '{"name":"Z","type":"isp"}\n{"name":"Y","type":"isp","abuse":["not-mail"]}\n' >"$WORK/bad.jsonl"
out=$("$CLI" -d "$DB" contact import "$WORK/bad.jsonl" 2>&1)
rc=$?
check "a bad line: exit 1, the line and code named, nothing imported" \
	test "$rc:$(orgs):$(echo "$out" | grep -c 'line 2: .*bad_abuse, abuse')" = "1:2:1"
"$CLI" -d "$DB" contact export >"$WORK/export.jsonl"
check "export: one line per organisation" test "$(wc -l <"$WORK/export.jsonl")" = 2

# ---- enrichment ---------------------------------------------------------------------------------
c=$(status GET "/api/v1/enrich?ip=133.1.1.1" "${R[@]}")
check "enrich an address: AS, prefix, country, domestic, and the network's owner first" \
	test "$c:$(jq_ 'd["addresses"][0]["asn"], d["addresses"][0]["prefix"], d["addresses"][0]["cc"], d["addresses"][0]["domestic"], d["candidates"][0]["name"], d["candidates"][0]["why"], d["candidates"][0]["why_ja"]')" \
	= "200:4730 133.1.0.0/16 JP True Example Hosting network 133.1.0.0/20 ネットワーク 133.1.0.0/20"

# an analyst's lookup of an unknown host sends no DNS query: nothing queued
c=$(status GET "/api/v1/enrich?host=Phish.Example.JP" "${R[@]}")
check "an analyst's lookup of an unknown host: unresolved, nothing queued" \
	test "$c:$(jq_ 'd["status"]'):$(sqlite3 "$DB" "SELECT count(*) FROM resolve_queue WHERE host = 'phish.example.jp'")" = "200:unresolved:0"
# a handler's: queued on first sight, resolved by the thread through dnsmasq; analysts then
# read the answer
c=$(status GET "/api/v1/enrich?host=Phish.Example.JP" "${H[@]}")
first=$(jq_ 'd["status"]')
st=$(settle phish.example.jp)
check "a host is pending first, then resolved through the configured server" test "$first:$st" = "pending:ok"
check "the planted address with its AS and country; domain and network candidates" \
	test "$(jq_ 'd["host"], [a["ip"] for a in d["addresses"]], d["addresses"][0]["asn"], d["addresses"][0]["cc"], [(x["name"], x["reason"]) for x in d["candidates"]]')" \
	= "phish.example.jp ['133.1.1.1'] 4730 JP [('Example Hosting', 'network')]"
sqlite3 "$DB" "SELECT status FROM dns_cache WHERE host = 'phish.example.jp'" >"$WORK/st"
check "the cache row is written" test "$(cat "$WORK/st")" = ok

st=$(settle www.bad.example.kr)
check "a foreign address: the national CSIRT of its country" \
	test "$st:$(jq_ 'd["addresses"][0]["cc"], d["addresses"][0]["domestic"], d["addresses"][0]["asn"], d["candidates"][0]["name"], d["candidates"][0]["why"]')" \
	= "ok:KR False 4766 KrCERT/CC national CSIRT (KR)"

settle nosuch.example.jp >/dev/null
check "a name the server does not know: resolved with no addresses" \
	test "$(jq_ 'd["status"] != "pending" and d["addresses"] == []')" = True

# a host in a report is queued at intake and resolved in the background: the incident shows it
c=$(status POST /api/v1/reports "${H[@]}" --data-binary '{"channel":"phone","reporter":"caller","subject":"偽サイト","body":"hxxp://drop[.]example[.]jp/login を見つけました"}')
INC=$(jq_ 'd["incident"]')
resolved=
for _ in $(seq 100); do
	c=$(status GET "/api/v1/incidents/$INC" "${R[@]}")
	resolved=$(jq_ '[a["ip"] + " " + str(a["asn"]) + " " + a["cc"] for i in d["indicators"] if i["type"] == "domain" and i["value"] == "drop.example.jp" for a in i["enrich"]["addresses"]]')
	[ "$resolved" = "['133.1.2.3 4730 JP']" ] && break
	sleep 0.1
done
# nothing asked /api/v1/enrich for this name: only the intake's queue can have put it in the cache
cached=$(sqlite3 "$DB" "SELECT status FROM dns_cache WHERE host = 'drop.example.jp'")
check "a report's host is queued at intake and its resolved address shows on the incident" \
	test "$cached:$resolved" = "ok:['133.1.2.3 4730 JP']"

# ---- delete --------------------------------------------------------------------------------------
c=$(status DELETE "/api/v1/contacts/$ID" "${H[@]}")
check "handler deletes: 200, gone, audit written" \
	test "$c:$(orgs):$(sqlite3 "$DB" "SELECT COUNT(*) FROM contact_audit WHERE org = $ID AND action = 'delete'")" = "200:1:1"
c=$(status GET "/api/v1/contacts/$ID" "${R[@]}")
check "deleted: 404" test "$c" = 404

# ---- the home country is the configuration's ---------------------------------------------------
kill "$KPID" 2>/dev/null
wait "$KPID" 2>/dev/null
KPID=
printf '[incident]\nhome_country = KR\n' >>"$WORK/keikaid.ini"
# and the resolver is asked over IPv6 from now on
[ $HAVE6 = 1 ] && sed -i "s/^resolver = .*/resolver = [::1]:$DPORT/" "$WORK/keikaid.ini"
"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
KPID=$!
up "$URL/api/v1/contacts"
c=$(status GET "/api/v1/enrich?ip=168.126.63.1" "${R[@]}")
d1=$(jq_ 'd["addresses"][0]["domestic"]')
c=$(status GET "/api/v1/enrich?ip=133.1.1.1" "${R[@]}")
check "home_country = KR: a KR address is domestic and a JP one foreign" test "$c:$d1:$(jq_ 'd["addresses"][0]["domestic"]')" = "200:True:False"
if [ $HAVE6 = 1 ]; then
	st=$(settle six.example.jp)
	check "a resolver at [::1]:port: the host is resolved over IPv6" \
		test "$st:$(jq_ '[a["ip"] for a in d["addresses"]]')" = "ok:['133.1.4.4']"
else
	n=$((n + 1))
	echo "ok $n - a resolver at [::1]:port # SKIP this machine has no ::1"
fi

# ---- a host queued but not yet answered: pending for an analyst too -----------------------------
# a resolver that never answers holds the question for its timeout (2 s per query), so the host
# stays in the queue while both ask
kill "$KPID" 2>/dev/null
wait "$KPID" 2>/dev/null
KPID=
HPORT=$(port)
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(120)' "$HPORT" &
HPID=$!
sed -i "s/^resolver = .*/resolver = 127.0.0.1:$HPORT/" "$WORK/keikaid.ini"
"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
KPID=$!
up "$URL/api/v1/contacts"
c=$(status GET "/api/v1/enrich?host=slow.example.jp" "${R[@]}")
a1=$(jq_ 'd["status"]')
c=$(status GET "/api/v1/enrich?host=slow.example.jp" "${H[@]}")
h1=$(jq_ 'd["status"]')
c=$(status GET "/api/v1/enrich?host=slow.example.jp" "${R[@]}")
check "an analyst: unresolved before anyone queued the host, pending once a handler has" \
	test "$a1:$h1:$c:$(jq_ 'd["status"]'):$(sqlite3 "$DB" "SELECT count(*) FROM resolve_queue WHERE host = 'slow.example.jp'")" = "unresolved:pending:200:pending:1"

echo "1..$n"
[ $fails = 0 ]
