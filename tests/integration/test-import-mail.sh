#!/bin/bash
# test-import-mail.sh - `keikai import mail`: a Maildir and an mbox (mboxrd) into reports, in
# batches, with rejects counted and reasons given, and a second run finding only duplicates.
# Output is TAP. Env: KEIKAI_CLI; KEEP_WORK=1 keeps the files.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CLI=${KEIKAI_CLI:-}
if [ -z "$CLI" ] || [ ! -x "$CLI" ]; then
	echo "Bail out! set KEIKAI_CLI"
	exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keikai-import.XXXXXX") || exit 1
DB=$WORK/k.db
fails=0
n=0
cleanup() { if [ "${KEEP_WORK:-}" = 1 ]; then echo "# work: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
q() { sqlite3 "$DB" "$1"; }

# ---- Maildir: the fixtures in new/ and cur/, one empty file ------------------------------------
MD=$WORK/md
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
nfix=0
for f in "$TOP"/tests/data/mail/*.eml; do
	nfix=$((nfix + 1))
	if [ $((nfix % 2)) = 0 ]; then
		cp "$f" "$MD/new/17000000$nfix.M1P1.fixture"
	else
		cp "$f" "$MD/cur/17000000$nfix.M1P1.fixture:2,S"
	fi
done
: >"$MD/new/1700000099.M1P1.empty"
rc=0
LANG=C "$CLI" -d "$DB" import mail --batch 3 "$MD" >"$WORK/out1" 2>"$WORK/err1" || rc=$?
check "a Maildir imports (exit 0)" [ "$rc" = 0 ]
check "every fixture of new/ and cur/ is a report ($nfix)" [ "$(q "SELECT COUNT(*) FROM reports")" = "$nfix" ]
check "the summary counts them" grep -q "imported $((nfix + 1)) mails: $nfix new reports, 0 duplicates, 1 rejected" "$WORK/out1"
check "the summary gives the reject's reason" grep -q "rejected, .*: 1 (e.g. empty report)" "$WORK/out1"
check "the rejected file is named on standard error" grep -q "1700000099.M1P1.empty" "$WORK/err1"
check "the Maildir's files are left where they were" [ "$(ls "$MD/new" | wc -l)" = $((nfix / 2 + 1)) ]
rc=0
LANG=C "$CLI" -d "$DB" import mail "$MD" >"$WORK/out2" 2>/dev/null || rc=$?
check "a second run finds only duplicates" grep -q "imported $((nfix + 1)) mails: 0 new reports, $nfix duplicates, 1 rejected" "$WORK/out2"
check "and stores nothing twice" [ "$(q "SELECT COUNT(*) FROM reports")" = "$nfix" ]

# ---- mbox (mboxrd) -----------------------------------------------------------------------------
cat >"$WORK/box.mbox" <<'EOF'
From alice@example.jp Wed Nov 26 10:00:00 2025
From: Alice <alice@example.jp>
Subject: mbox one
Message-ID: <mbox-1@example.jp>

>From the start of a line: quoted by the mbox writer
>>From twice
phishing at hxxps://mbox-one[.]example.com/

From bob@example.org Wed Nov 26 10:01:00 2025
From: Bob <bob@example.org>
Subject: mbox two
Message-ID: <mbox-2@example.org>

second body

From carol@example.org Wed Nov 26 10:02:00 2025
EOF
rc=0
LANG=C TZ=UTC "$CLI" -d "$DB" import mail "$WORK/box.mbox" >"$WORK/out3" 2>/dev/null || rc=$?
check "an mbox imports (exit 0)" [ "$rc" = 0 ]
check "its two mails are reports, the empty third is rejected" grep -q "imported 3 mails: 2 new reports, 0 duplicates, 1 rejected" "$WORK/out3"
raw1=$(q "SELECT CAST(raw AS TEXT) FROM reports WHERE subject = 'mbox one'")
check "the stored original starts with the mail's headers, not the From_ line" [ "${raw1:0:6}" = "From: " ]
check "one '>' is removed from quoted From lines" bash -c "grep -qx 'From the start of a line: quoted by the mbox writer' <<<'$raw1' && grep -qx '>From twice' <<<'$raw1'"
check "each mail's received time is the date on its From_ line (local time, TZ=UTC here)" \
	[ "$(q "SELECT group_concat(received, ',') FROM (SELECT received FROM reports WHERE subject LIKE 'mbox %' ORDER BY subject)")" = "1764151200,1764151260" ]
check "the separating empty line is not part of the mail" [ "$(q "SELECT substr(CAST(raw AS TEXT), -3) = 'm/' || char(10) FROM reports WHERE subject = 'mbox one'")" = 1 ]
printf 'Subject: not an mbox\n\nbody\n' >"$WORK/plain.txt"
rc=0
LANG=C "$CLI" -d "$DB" import mail "$WORK/plain.txt" >/dev/null 2>"$WORK/err4" || rc=$?
check "a file that is not an mbox is refused (exit 1)" [ "$rc" = 1 ]
check "with a message saying so" grep -q "not an mbox" "$WORK/err4"
rc=0
"$CLI" -d "$DB" import mail "$WORK/no-such-path" >/dev/null 2>&1 || rc=$?
check "a missing path is an error" [ "$rc" = 1 ]
rc=0
LANG=ja_JP.UTF-8 "$CLI" --lang ja -d "$DB" import mail "$WORK/box.mbox" >"$WORK/out5" 2>/dev/null || rc=$?
check "the summary in Japanese" grep -q "メール 3 件を取り込みました: 新規報告 0、重複 2、却下 1" "$WORK/out5"
check "the database is intact" [ "$(q "PRAGMA integrity_check")" = ok ]

# the search index: written after the mails, up to the last report; --no-index leaves it to
# keikai reindex, which indexes only what is missing; --full gives the same index again
fts() { q "SELECT COUNT(*) FROM reports_fts WHERE reports_fts MATCH '\"$1\"'"; }
check "the import indexed every report it stored" [ "$(q "SELECT indexed = (SELECT max(id) FROM reports) FROM search_state")" = 1 ]
check "the mbox's mails are in the index" [ "$(fts "mbox one")" = 1 ]
DB2=$WORK/k2.db
LANG=C "$CLI" -d "$DB2" import mail --no-index "$MD" >/dev/null 2>&1
check "--no-index stores the reports and indexes none" [ "$(sqlite3 "$DB2" "SELECT (SELECT count(*) FROM reports) || '/' || indexed FROM search_state")" = "$nfix/0" ]
rc=0
LANG=C "$CLI" -d "$DB2" reindex >"$WORK/out6" 2>&1 || rc=$?
check "keikai reindex indexes them (exit 0)" [ "$rc:$(sqlite3 "$DB2" "SELECT indexed = (SELECT max(id) FROM reports) FROM search_state")" = 0:1 ]
check "and says how many" grep -q "indexed $nfix reports in" "$WORK/out6"
LANG=C "$CLI" -d "$DB2" reindex >"$WORK/out7" 2>&1
check "a second reindex has nothing to do" grep -q "indexed 0 reports in" "$WORK/out7"
before=$(sqlite3 "$DB2" "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH 'http'")
LANG=C "$CLI" -d "$DB2" reindex --full >"$WORK/out8" 2>&1
check "reindex --full indexes every report again, to the same index" [ "$(grep -c "indexed $nfix reports in" "$WORK/out8"):$(sqlite3 "$DB2" "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH 'http'")" = "1:$before" ]
check "the hits are there at all" [ "$before" -gt 0 ]
LANG=ja_JP.UTF-8 "$CLI" --lang ja -d "$DB2" reindex >"$WORK/out9" 2>&1
check "reindex in Japanese" grep -q "報告 0 件を" "$WORK/out9"
rc=0
"$CLI" -d "$DB2" reindex --bogus >/dev/null 2>&1 || rc=$?
check "reindex: a wrong option is a usage error (exit 2)" [ "$rc" = 2 ]

# ---- --rsit: a mailbox's classification for the incidents its mails open ---------------------
DB3=$WORK/k3.db
rc=0
LANG=C "$CLI" -d "$DB3" import mail --rsit fraud/phishing "$MD" >/dev/null 2>&1 || rc=$?
check "import --rsit fraud/phishing: every incident it opened is phishing" \
	[ "$rc:$(sqlite3 "$DB3" "SELECT count(*) > 0, count(*) = sum(category = 'phishing' AND rsit_class = 'fraud' AND rsit_type = 'phishing') FROM incidents")" = "0:1|1" ]
rc=0
"$CLI" -d "$DB3" import mail --rsit fraud/scanner "$MD" >/dev/null 2>&1 || rc=$?
check "a class and type that are not an RSIT pair: usage error (exit 2)" [ "$rc" = 2 ]
rc=0
"$CLI" -d "$WORK/k4.db" intake mail --rsit information-gathering/scanner <"$TOP/tests/data/mail/abuse-csv-attachments.eml" >/dev/null 2>&1 || rc=$?
check "intake mail --rsit: the incident it opens is a scan" \
	[ "$rc:$(sqlite3 "$WORK/k4.db" "SELECT group_concat(category) FROM incidents")" = "0:scan" ]

echo "1..$n"
[ "$fails" = 0 ]
