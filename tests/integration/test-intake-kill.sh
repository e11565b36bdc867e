#!/bin/bash
# test-intake-kill.sh - no mail report is lost or counted twice when the process storing it is
# killed with SIGKILL at an arbitrary moment.
#
# (a) 2,000 mails in a Maildir that keikaid watches; keikaid is killed at random moments while
#     it imports and restarted each time; at the end every mail is exactly one report (by
#     Message-ID and by the raw bytes' SHA-256), new/ is empty and every file in cur/ has its
#     report.
# (b) reports POSTed over the API by concurrent clients while keikaid is killed: every 201
#     answer's report id exists after the restart, with the subject that was sent.
# (c) `keikai intake mail` killed while it holds the database's write lock leaves no partial
#     report: integrity_check is ok, nothing of the killed mail is stored, and the same mail
#     sent again is stored once.
# Output is TAP. Env: KEIKAI_D, KEIKAI_CLI; KEIKAI_SANITIZED=1 (slower builds) uses fewer
# mails; KEEP_WORK=1 keeps the files.

set -u
KD=${KEIKAI_D:-}
CLI=${KEIKAI_CLI:-}
for b in "$KD" "$CLI"; do
	if [ -z "$b" ] || [ ! -x "$b" ]; then
		echo "Bail out! set KEIKAI_D and KEIKAI_CLI"
		exit 1
	fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-kill.XXXXXX") || exit 1
DB=$WORK/k.db
MD=$WORK/maildir
NMAILS=2000
[ "${KEIKAI_SANITIZED:-}" = 1 ] && NMAILS=500
KPID=
fails=0
n=0
cleanup() {
	[ -n "$KPID" ] && kill -9 "$KPID" 2>/dev/null
	jobs -p | xargs -r kill -9 2>/dev/null
	if [ "${KEEP_WORK:-}" = 1 ]; then echo "# work: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
PORT=$(port)
URL=http://127.0.0.1:$PORT
cat >"$WORK/keikaid.ini" <<INI
[server]
listen = 127.0.0.1:$PORT
threads = 4
[store]
path = $DB
[intake]
maildir = $MD
maildir_rescan_s = 2
INI
start_kd() {
	"$KD" -c "$WORK/keikaid.ini" >>"$WORK/keikaid.log" 2>&1 &
	KPID=$!
	up "$URL/api/v1/taxonomy"
}
kill_kd() {
	kill -9 "$KPID" 2>/dev/null
	wait "$KPID" 2>/dev/null
	KPID=
}
q() { sqlite3 "$DB" "$1"; }
HANDLER=$("$CLI" -d "$DB" token add kill-test --role handler)

# ---- (a) the Maildir under SIGKILL --------------------------------------------------------------
# Each mail is unique (Message-ID, URL); a third share a domain so linking has work to do.
# Delivered the Maildir way: written in tmp/, renamed into new/.
mkdir -p "$MD/tmp" "$MD/new" "$MD/cur"
python3 - "$MD" "$NMAILS" <<'PY'
import os, sys
md, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    name = "1700000000.M%06dP%d.kill-test" % (i, os.getpid())
    shared = "shared-%d.example.net" % (i % 7) if i % 3 == 0 else "site-%d.example.org" % i
    body = ("From: Reporter %d <r%d@example.jp>\nTo: abuse@example.jp\n"
            "Subject: kill test mail %d\nMessage-ID: <kill-%d@example.jp>\n"
            "Date: Wed, 26 Nov 2025 10:%02d:00 +0900\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            "フィッシングサイトの報告です。 hxxps://%s/login/%d をご確認ください。\n"
            % (i, i, i, i, i % 60, shared, i))
    with open(os.path.join(md, "tmp", name), "w") as f:
        f.write(body)
    os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
PY
left() { find "$MD/new" -type f | wc -l; }
start_kd || { echo "Bail out! keikaid did not start"; tail -5 "$WORK/keikaid.log"; exit 1; }
kills=0
kills_mid=0 # kills while mails were still waiting in new/ and some were already stored
for round in $(seq 12); do
	before=$(left)
	# wait until this keikaid has taken some mails, then kill it a random moment later (at
	# most 50 ms): the kill lands in the middle of the import however fast the build is
	for _ in $(seq 200); do
		[ "$(left)" -lt "$before" ] && break
		sleep 0.02
	done
	sleep "0.0$((RANDOM % 5))"
	remaining=$(left)
	kill_kd
	kills=$((kills + 1))
	[ "$remaining" -gt 0 ] && [ "$remaining" -lt "$NMAILS" ] && kills_mid=$((kills_mid + 1))
	start_kd || break
	[ "$remaining" = 0 ] && [ "$round" -ge 3 ] && break
done
drained() { [ "$(left)" = 0 ]; }
for _ in $(seq 600); do drained && break; sleep 0.1; done
[ -n "$KPID" ] || start_kd
for _ in $(seq 600); do drained && break; sleep 0.1; done
echo "# $kills kills, $kills_mid of them while the import was under way"
check "keikaid was killed at least twice in the middle of the import" [ "$kills_mid" -ge 2 ]
check "no file is left in new/" drained
check "every mail is exactly one report ($NMAILS)" [ "$(q "SELECT COUNT(*) FROM reports WHERE subject LIKE 'kill test mail %'")" = "$NMAILS" ]
check "by Message-ID too" [ "$(q "SELECT COUNT(DISTINCT message_id) FROM reports WHERE subject LIKE 'kill test mail %'")" = "$NMAILS" ]
check "every file in cur/ has the seen flag" [ "$(find "$MD/cur" -type f -name '*:2,S' | wc -l)" = "$NMAILS" ]
# every file in cur/ has its report: the SHA-256 of its bytes is a stored raw_sha256
find "$MD/cur" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort -u >"$WORK/files.sha"
q "SELECT lower(hex(raw_sha256)) FROM reports WHERE subject LIKE 'kill test mail %'" | sort -u >"$WORK/db.sha"
check "every file in cur/ has its report (raw SHA-256), and no report lacks its file" \
	bash -c "[ \$(wc -l <'$WORK/files.sha') = $NMAILS ] && cmp -s '$WORK/files.sha' '$WORK/db.sha'"
check "nothing was rejected" sh -c '[ ! -d "$1" ] || [ -z "$(ls -A "$1")" ]' sh "$MD/.rejected/cur"
check "the database is intact" [ "$(q "PRAGMA integrity_check")" = ok ]

# ---- (b) API submissions under SIGKILL ----------------------------------------------------------
cat >"$WORK/post.py" <<'PY'
import json, sys, threading, time, http.client
port, token, out, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
lock = threading.Lock()
answers = []
stop = time.time() + seconds
def client(k):
    i = 0
    while time.time() < stop:
        i += 1
        subject = "api kill %d-%d" % (k, i)
        body = json.dumps({"channel": "api", "subject": subject, "reporter": "client %d" % k,
                           "body": "seen at hxxp://api-%d-%d.example.com/x" % (k, i)})
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", "/api/v1/reports", body,
                      {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            if r.status == 201:
                with lock:
                    answers.append((json.loads(data)["id"], subject))
            c.close()
        except Exception:
            time.sleep(0.02)  # keikaid is down: try again
ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
with open(out, "w") as f:
    for rid, subject in answers:
        f.write("%d\t%s\n" % (rid, subject))
PY
python3 "$WORK/post.py" "$PORT" "$HANDLER" "$WORK/answers.tsv" 6 &
POSTER=$!
for _ in $(seq 5); do
	sleep "0.$((RANDOM % 5 + 5))"
	kill_kd
	start_kd || break
done
wait "$POSTER"
[ -n "$KPID" ] || start_kd
kill_kd
answered=$(wc -l <"$WORK/answers.tsv")
echo "# $answered reports answered 201 across 5 kills"
check "the clients got 201 answers" [ "$answered" -gt 20 ]
missing=0
while IFS=$'\t' read -r rid subject; do
	[ "$(q "SELECT COUNT(*) FROM reports WHERE id = $rid AND subject = '$subject'")" = 1 ] || missing=$((missing + 1))
done <"$WORK/answers.tsv"
check "every 201 answer's report exists after the restarts, with its subject" [ "$missing" = 0 ]
check "the database is intact after the API kills" [ "$(q "PRAGMA integrity_check")" = ok ]

# ---- (c) keikai intake mail killed while it holds the write lock --------------------------------
python3 - "$WORK/big.eml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: big@example.jp\nTo: abuse@example.jp\nSubject: killed in the middle\n"
            "Message-ID: <killed-1@example.jp>\nContent-Type: text/plain; charset=utf-8\n\n")
    for i in range(60000):
        f.write("line %d hxxps://big-%d.example.com/path/%d and 198.51.100.%d\n" % (i, i % 900, i, i % 250))
PY
before=$(q "SELECT COUNT(*) FROM reports")
locked() { ! sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; }
killed_locked=0
for _ in $(seq 5); do
	"$CLI" intake mail -d "$DB" <"$WORK/big.eml" 2>/dev/null &
	ipid=$!
	held=0
	for _ in $(seq 2000); do
		if locked; then
			held=1
			break
		fi
		kill -0 "$ipid" 2>/dev/null || break
	done
	kill -9 "$ipid" 2>/dev/null
	wait "$ipid" 2>/dev/null
	rc=$?
	[ "$held" = 1 ] && [ "$rc" = 137 ] && killed_locked=$((killed_locked + 1))
	[ "$(q "SELECT COUNT(*) FROM reports WHERE subject = 'killed in the middle'")" = 0 ] || break
done
echo "# killed while holding the write lock: $killed_locked of 5"
check "keikai intake mail was killed while holding the write lock" [ "$killed_locked" -ge 1 ]
check "integrity_check is ok after the kills" [ "$(q "PRAGMA integrity_check")" = ok ]
check "nothing of the killed mail is stored" [ "$(q "SELECT COUNT(*) FROM reports")" = "$before" ]
check "no indicator, audit entry or incident without its report" [ "$(q "SELECT
	(SELECT COUNT(*) FROM indicators WHERE report_id NOT IN (SELECT id FROM reports)) +
	(SELECT COUNT(*) FROM audit WHERE object = 'report' AND object_id NOT IN (SELECT id FROM reports)) +
	(SELECT COUNT(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.incident_id = i.id) AND i.status != 'merged')")" = 0 ]
rc=0
"$CLI" intake mail -d "$DB" <"$WORK/big.eml" || rc=$?
check "the same mail sent again is stored (exit 0)" [ "$rc" = 0 ]
check "exactly once" [ "$(q "SELECT COUNT(*) FROM reports WHERE subject = 'killed in the middle'")" = 1 ]

echo "1..$n"
[ "$fails" = 0 ]
