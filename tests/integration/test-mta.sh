#!/bin/bash
# test-mta.sh - mail intake through a real MTA: a private postfix instance on 127.0.0.1 pipes
# mail to `keikai intake mail` and delivers mail into a Maildir that keikaid watches.
#
# Cases: Japanese mails (ISO-2022-JP, Shift_JIS) arrive over SMTP as reports with the right
# subjects; a locked or unwritable database makes keikai exit 75, postfix defers the mail and,
# once the database is usable again and the queue is flushed, delivers it exactly once; a mail
# keikai rejects (too big) bounces with keikai's reason; a non-mail and an empty input exit 65;
# mail postfix stores into a Maildir becomes reports through keikaid's watcher.
#
# postfix runs from a configuration directory in a temporary directory (its own main.cf,
# master.cf, queue and data directories), never as the system's MTA; it is stopped at the end.
# Output is TAP; skipped with a reason only when postfix cannot be installed.
# Env: KEIKAI_CLI, KEIKAI_D (binaries); KEEP_WORK=1 keeps the files.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
KD=${KEIKAI_D:-}
CLI=${KEIKAI_CLI:-}
for b in "$KD" "$CLI"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		echo "Bail out! set KEIKAI_D and KEIKAI_CLI"
		exit 1
	fi
done
if ! command -v postfix >/dev/null 2>&1 || [ ! -x /usr/lib/postfix/sbin/master ]; then
	if [ "$(id -u)" = 0 ]; then
		"$TOP/scripts/deps.sh" >/dev/null 2>&1
	fi
fi
if ! command -v postfix >/dev/null 2>&1 || [ ! -x /usr/lib/postfix/sbin/master ]; then
	echo "1..0 # SKIP postfix is not installed and cannot be installed (scripts/deps.sh as root)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP a private postfix instance needs root (it changes to its own users)"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-mta.XXXXXX") || exit 1
chmod 755 "$WORK"
PF=$WORK/postfix          # config directory
DBDIR=$WORK/db            # the pipe's database, writable by the pipe's user (nobody)
DB=$DBDIR/k.db
VMAIL=$WORK/vmail         # virtual_mailbox_base: Maildirs written by postfix as nobody
KDB=$WORK/kd.db           # keikaid's database (watching $VMAIL/inbox)
KPID=
PF_UP=
fails=0
n=0
cleanup() {
	[ -n "$PF_UP" ] && postfix -c "$PF" stop >/dev/null 2>&1
	[ -n "$KPID" ] && kill -9 "$KPID" 2>/dev/null
	jobs -p | xargs -r kill -9 2>/dev/null
	if [ "${KEEP_WORK:-}" = 1 ]; then echo "# work: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# wait_for SECONDS COMMAND...: poll until the command succeeds
wait_for() {
	local t=$1 i
	shift
	for i in $(seq $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# The pipe runs as nobody, which must reach the binary: copy it (and, when it is a sanitizer
# build, nothing else is needed: the runtime is linked in or a system library).
mkdir -p "$WORK/bin" "$DBDIR" "$VMAIL" "$PF"
cp "$CLI" "$WORK/bin/keikai"
chmod 755 "$WORK/bin" "$WORK/bin/keikai"
chown nobody:nogroup "$DBDIR" "$VMAIL"
# The database and its -wal/-shm files must stay the pipe user's: every access of this test
# runs as nobody too (root's sqlite3 would create a -wal file nobody cannot write).
asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
q() { asnobody sqlite3 "$DB" "$1"; }
printf 'From: setup@example.org\nSubject: schema\nMessage-ID: <setup@example.org>\n\nfirst\n' |
	asnobody "$WORK/bin/keikai" intake mail -d "$DB" || { echo "Bail out! keikai intake mail as nobody failed"; exit 1; }
# keikaid's Maildir: written by postfix's virtual(8) as nobody
mkdir -p "$VMAIL/inbox/new" "$VMAIL/inbox/cur" "$VMAIL/inbox/tmp"
chown -R nobody:nogroup "$VMAIL/inbox"

SMTP_PORT=$(port)
KEIKAI_ARGS="intake mail -d $DB --max-bytes 65536 --busy-timeout 1"
cat >"$PF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $WORK/queue
data_directory = $WORK/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.keikai.test
mydomain = keikai.test
myorigin = keikai.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
# reports@report.keikai.test goes to keikai through the pipe transport below
transport_maps = inline:{ report.keikai.test=keikai: }
virtual_alias_domains =
# abuse@box.keikai.test (watched by keikaid) and bounces@box.keikai.test are Maildirs
virtual_mailbox_domains = box.keikai.test, report.keikai.test
virtual_mailbox_base = $VMAIL
virtual_mailbox_maps = inline:{ abuse@box.keikai.test=inbox/, bounces@box.keikai.test=bounces/, reports@report.keikai.test=unused/ }
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
keikai_destination_recipient_limit = 1
# nothing leaves this machine
default_transport = error:no outside delivery in tests
relay_transport = error:no outside delivery in tests
disable_dns_lookups = yes
smtp_dns_support_level = disabled
alias_maps =
alias_database =
biff = no
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
message_size_limit = 10240000
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
delay_warning_time = 0h
smtputf8_enable = no
EOF
cat >"$PF/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
keikai    unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$WORK/bin/keikai $KEIKAI_ARGS
EOF
# the queue's subdirectories are made by `postfix check` with the right owners
mkdir -p "$WORK/queue" "$WORK/data"
chown postfix "$WORK/data"
# (postfix reports a fatal configuration error only to syslog or a terminal: script(1) gives it one)
if ! script -qec "postfix -c '$PF' check && postfix -c '$PF' start" /dev/null >"$WORK/check.log" 2>&1; then
	echo "Bail out! private postfix did not start: $(tr '\n' ' ' <"$WORK/check.log")"
	exit 1
fi
PF_UP=1
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1).close()" ||
	{ echo "Bail out! postfix does not listen on 127.0.0.1:$SMTP_PORT"; exit 1; }

# send FROM TO FILE: one SMTP transaction with python's smtplib; the file's bytes as DATA
send() {
	python3 - "$SMTP_PORT" "$1" "$2" "$3" <<'PY'
import smtplib, sys
port, frm, to, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
data = open(path, 'rb').read()
with smtplib.SMTP('127.0.0.1', port, timeout=20) as s:
    s.sendmail(frm, [to], data)
PY
}
reports() { q "SELECT COUNT(*) FROM reports"; }
has_subject() { [ "$(q "SELECT COUNT(*) FROM reports WHERE subject = '$1'")" = 1 ]; }
queue_empty() { postqueue -c "$PF" -p 2>/dev/null | grep -q "Mail queue is empty"; }
# bounces come back to the sender, a Maildir of this instance (nothing leaves the machine)
SENDER=bounces@box.keikai.test

# ---- (a) Japanese mails through the pipe ------------------------------------------------------
MAILS=$TOP/tests/data/mail
jis=$MAILS/jis-thunderbird.eml
sjis=$MAILS/sjis-outlook.eml
[ -f "$jis" ] || jis=$(grep -l -i '^Content-Type:.*charset="\?iso-2022-jp' "$MAILS"/*.eml 2>/dev/null | head -1)
[ -f "$sjis" ] || sjis=$(grep -l -i '^Content-Type:.*charset="\?shift_jis' "$MAILS"/*.eml 2>/dev/null | head -1)
subject_of() { # the fixture's Subject decoded by python (Shift_JIS as Windows writes it, cp932)
	python3 - "$1" <<'PY'
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
out = []
for text, cs in email.header.decode_header(m["subject"]):
    if isinstance(text, str):
        out.append(text)
        continue
    cs = (cs or "ascii").lower()
    cs = {"shift_jis": "cp932", "shift-jis": "cp932", "iso-2022-jp": "iso2022_jp_ext"}.get(cs, cs)
    out.append(text.decode(cs, errors="replace"))
print("".join(out))
PY
}
for f in "$jis" "$sjis"; do
	if [ -z "$f" ]; then
		notok "a Japanese fixture exists in tests/data/mail" "no ISO-2022-JP or Shift_JIS .eml"
		continue
	fi
	want=$(subject_of "$f")
	before=$(reports)
	send "$SENDER" reports@report.keikai.test "$f"
	wait_for 30 queue_empty
	check "$(basename "$f") arrives over SMTP as one report" [ "$(reports)" = $((before + 1)) ]
	check "$(basename "$f") keeps its subject ($want)" has_subject "$want"
done

# ---- (b) a locked database: keikai exits 75, postfix defers, then delivers once ---------------
cat >"$WORK/plain.eml" <<'EOF'
From: Reporter <reporter@example.org>
To: reports@report.keikai.test
Subject: Deferred while locked
Message-ID: <locked-1@example.org>
Date: Wed, 26 Nov 2025 10:00:00 +0900

Phishing at hxxps://login-locked[.]example.com/verify
EOF
before=$(reports)
mkfifo "$WORK/lock.fifo"
# hold the write lock: BEGIN EXCLUSIVE and wait for a line on the fifo
(asnobody sqlite3 "$DB" <"$WORK/lock.fifo" >/dev/null 2>&1) &
LOCKER=$!
exec 7>"$WORK/lock.fifo"
echo "PRAGMA busy_timeout=5000; BEGIN EXCLUSIVE; SELECT 1;" >&7
sleep 0.3 # the lock is taken by the time the mail arrives; checked right below
check "the test holds the database's write lock" \
	bash -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups sqlite3 '$DB' 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1"
send "$SENDER" reports@report.keikai.test "$WORK/plain.eml"
deferred() { grep -q "status=deferred" "$WORK/maillog" 2>/dev/null; }
wait_for 30 deferred
check "a locked database defers the mail (status=deferred in the mail log)" deferred
check "the deferred mail waits in postfix's queue" bash -c "postqueue -c '$PF' -p | grep -q 'report.keikai.test'"
check "keikai's reason is in the deferral" grep -q "status=deferred.*Command output: keikai" "$WORK/maillog"
check "nothing was stored while locked" [ "$(reports)" = "$before" ]
echo "COMMIT;" >&7
exec 7>&-
wait "$LOCKER" 2>/dev/null
postqueue -c "$PF" -f
wait_for 30 queue_empty
check "after the lock is gone and the queue is flushed the mail is delivered" queue_empty
check "it is stored exactly once" [ "$(q "SELECT COUNT(*) FROM reports WHERE subject = 'Deferred while locked'")" = 1 ]

# the same with a database directory the pipe cannot write (chmod)
before=$(reports)
sed -e 's/locked-1/readonly-1/' -e 's/Deferred while locked/Deferred while read-only/' \
	"$WORK/plain.eml" >"$WORK/ro.eml"
chmod 555 "$DBDIR"
chmod 444 "$DB"
ndef=$(grep -c "status=deferred" "$WORK/maillog")
send "$SENDER" reports@report.keikai.test "$WORK/ro.eml"
more_deferred() { [ "$(grep -c "status=deferred" "$WORK/maillog")" -gt "$ndef" ]; }
wait_for 30 more_deferred
check "an unwritable database defers the mail" more_deferred
chmod 755 "$DBDIR"
chmod 644 "$DB"
postqueue -c "$PF" -f
wait_for 30 queue_empty
check "once writable again it is delivered exactly once" \
	[ "$(q "SELECT COUNT(*) FROM reports WHERE subject = 'Deferred while read-only'")" = 1 ]
check "no other report appeared" [ "$(reports)" = $((before + 1)) ]

# ---- (c) rejects: bounced by postfix with keikai's reason; 65 from the pipe ---------------------
python3 - "$WORK/big.eml" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write("From: big@example.org\nTo: reports@report.keikai.test\nSubject: Too big\n\n")
    for i in range(2000):
        f.write("line %05d of a mail over keikai's --max-bytes 65536 limit ......\n" % i)
PY
before=$(reports)
send "$SENDER" reports@report.keikai.test "$WORK/big.eml"
bounced() { grep -q "status=bounced" "$WORK/maillog" 2>/dev/null; }
wait_for 30 bounced
check "a mail over keikai's size limit bounces" bounced
has_bounce() { grep -rqs "too big" "$VMAIL/bounces/new" "$VMAIL/bounces/cur"; }
wait_for 30 has_bounce
check "the bounce sent to the sender carries keikai's reason" has_bounce
check "the rejected mail is not stored" [ "$(reports)" = "$before" ]

rc=0
asnobody "$WORK/bin/keikai" intake mail -d "$DB" </dev/null 2>"$WORK/empty.err" || rc=$?
check "an empty input exits 65 (EX_DATAERR)" [ "$rc" = 65 ]
check "with a one-line reason" [ "$(wc -l <"$WORK/empty.err")" = 1 ]
rc=0
head -c 3000 /dev/urandom | asnobody "$WORK/bin/keikai" intake mail -d "$DB" 2>/dev/null || rc=$?
check "random bytes exit 65" [ "$rc" = 65 ]
rc=0
printf 'just a line of text\nand another\n' | asnobody "$WORK/bin/keikai" intake mail -d "$DB" 2>/dev/null || rc=$?
check "text without a header section exits 65" [ "$rc" = 65 ]
rc=0
"$CLI" intake mail -d "$WORK/no/such/dir/k.db" <"$WORK/plain.eml" 2>/dev/null || rc=$?
check "a database that cannot be opened exits 75 (EX_TEMPFAIL)" [ "$rc" = 75 ]
sed -e 's/locked-1/direct-1/' -e 's/Deferred while locked/Piped twice/' "$WORK/plain.eml" >"$WORK/dup.eml"
rc=0
asnobody "$WORK/bin/keikai" intake mail -d "$DB" <"$WORK/dup.eml" || rc=$?
rc2=0
asnobody "$WORK/bin/keikai" intake mail -d "$DB" <"$WORK/dup.eml" || rc2=$?
check "a mail piped twice exits 0 both times (the second is a duplicate)" [ "$rc$rc2" = 00 ]
check "and is stored once" [ "$(q "SELECT COUNT(*) FROM reports WHERE subject = 'Piped twice'")" = 1 ]

# ---- Maildir: postfix delivers into a Maildir keikaid watches ---------------------------------
KPORT=$(port)
cat >"$WORK/keikaid.ini" <<INI
[server]
listen = 127.0.0.1:$KPORT
threads = 2
[store]
path = $KDB
[intake]
maildir = $VMAIL/inbox
maildir_rescan_s = 5
INI
TOKEN=$("$CLI" -d "$KDB" token add mta-reader --role reader)
"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
KPID=$!
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$KPORT/api/v1/obs/orgs" ||
	notok "keikaid starts with [intake] maildir" "$(tail -5 "$WORK/keikaid.log")"
for i in 1 2 3; do
	sed -e "s/locked-1/maildir-$i/" -e "s/Deferred while locked/Via Maildir $i/" \
		-e "s/login-locked/maildir-$i/" "$WORK/plain.eml" >"$WORK/md$i.eml"
	send "$SENDER" abuse@box.keikai.test "$WORK/md$i.eml"
done
api_reports() {
	curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$KPORT/api/v1/reports?limit=500" |
		python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["reports"] if (r.get("subject") or "").startswith("Via Maildir")))' 2>/dev/null
}
three_via_api() { [ "$(api_reports)" = 3 ]; }
wait_for 30 three_via_api
check "mails postfix delivered into the Maildir are reports in the API" three_via_api
moved() { [ -z "$(ls -A "$VMAIL/inbox/new")" ] && [ "$(ls "$VMAIL/inbox/cur" | grep -c ':2,S$')" = 3 ]; }
wait_for 10 moved
check "the Maildir's files moved from new/ to cur/ with the seen flag" moved
kill "$KPID"
wait "$KPID" 2>/dev/null
KPID=

postfix -c "$PF" stop >/dev/null 2>&1 && PF_UP=
check "the private postfix instance stops" bash -c "! postfix -c '$PF' status 2>/dev/null"
echo "1..$n"
[ "$fails" = 0 ]
