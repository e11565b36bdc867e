/* test-incident-store.c - intake, linking, merge and split, audit, duplicates, group commits,
 * search and quarter statistics on real SQLite files */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/incident/intake.h"
#include "../../src/incident/store.h"
#include "../../src/incident/taxonomy.h"

#define DAY 86400
/* 2025-06-02 12:00 JST */
#define T0 ((int64_t)1748833200)

struct fx {
	char dir[64], path[96];
	struct inc_store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	(void)snprintf(f->dir, sizeof f->dir, "/tmp/keikai-inc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(f->path, sizeof f->path, "%s/k.db", f->dir);
	char err[256];
	f->s = inc_store_open(f->path, NULL, err, sizeof err);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	inc_store_close(f->s);
	char p[160];
	static const char *const files[] = {"k.db", "k.db-wal", "k.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		(void)snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
		(void)unlink(p);
	}
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t q1(struct inc_store *s, const char *sql, int64_t arg)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(inc_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool has_text(struct inc_store *s, const char *sql, int64_t arg, const char *want)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(inc_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, arg);
	bool found = false;
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		found = t && strcmp((const char *)t, want) == 0;
	}
	sqlite3_finalize(st);
	return found;
}

/* Take in one text report in its own transaction. */
static int put_full(struct inc_store *s, const char *channel, int64_t received, const char *subject,
		    const char *body, const char *cls, const char *type, struct inc_receipt *rc)
{
	struct inc_submission sub = {.channel = channel,
				     .received = received,
				     .raw = body,
				     .raw_len = strlen(body),
				     .raw_type = "text/plain",
				     .subject = subject,
				     .body = body,
				     .rsit_class = cls,
				     .rsit_type = type,
				     .user_id = 7,
				     .user_name = "tanaka"};
	char err[256];
	int r = inc_store_begin(s);
	if (r == 0)
		r = inc_store_intake(s, &sub, rc, err, sizeof err);
	if (r == 0)
		r = inc_store_commit(s);
	else
		(void)inc_store_rollback(s);
	return r;
}

static struct inc_receipt put(struct inc_store *s, int64_t received, const char *body)
{
	struct inc_receipt rc;
	assert_int_equal(put_full(s, "api", received, NULL, body, NULL, NULL, &rc), 0);
	return rc;
}

static const char mail[] =
    "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <yamada@example.ne.jp>\r\n"
    "To: report@keikai.example\r\n"
    "Subject: =?UTF-8?B?44OV44Kj44OD44K344Oz44Kw44Oh44O844Or44Gu5aCx5ZGK?=\r\n"
    "Date: Mon, 02 Jun 2025 10:15:00 +0900\r\n"
    "Message-ID: <20250602101500.1234@example.ne.jp>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "三井住友カードを装ったフィッシングメールが届きました。\r\n"
    "リンク先: hxxps://smbc-card[.]example-login[.]com/member/login.php\r\n"
    "送信元 IP: 203.0.113.45\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=UTF-8\r\n"
    "\r\n"
    "<p>リンク先: <a href=\"https://smbc-card.example-login.com/member/login.php\">こちら</a>"
    "</p><p>画像 <img src=\"http://cdn.badsite.example.net/logo.png\"></p>\r\n"
    "--b1--\r\n";

static void intake_mail_indicators(void **state)
{
	struct fx *f = *state;
	struct inc_submission sub = {.channel = "email",
				     .raw = mail,
				     .raw_len = sizeof mail - 1,
				     .raw_type = "message/rfc822"};
	struct inc_receipt rc;
	char err[256];
	assert_int_equal(inc_store_begin(f->s), 0);
	assert_int_equal(inc_store_intake(f->s, &sub, &rc, err, sizeof err), 0);
	assert_int_equal(inc_store_commit(f->s), 0);
	assert_true(rc.new_incident);
	assert_false(rc.duplicate);
	assert_int_equal(strncmp(rc.ack, "R-20", 4), 0);
	assert_int_equal(strlen(rc.ack), strlen("R-2025-000001"));
	const char *ind = "SELECT value FROM indicators WHERE report_id = ?1";
	assert_true(has_text(f->s, ind, rc.report_id,
			     "https://smbc-card.example-login.com/member/login.php"));
	assert_true(has_text(f->s, ind, rc.report_id, "smbc-card.example-login.com"));
	assert_true(has_text(f->s, ind, rc.report_id, "203.0.113.45"));
	assert_true(has_text(f->s, ind, rc.report_id, "http://cdn.badsite.example.net/logo.png"));
	/* the defanged raw form is kept as evidence */
	assert_true(has_text(f->s, "SELECT raw FROM indicators WHERE report_id = ?1", rc.report_id,
			     "hxxps://smbc-card[.]example-login[.]com/member/login.php"));
	assert_true(has_text(f->s, "SELECT registrable FROM indicators WHERE report_id = ?1",
			     rc.report_id, "example-login.com"));
	/* headers: reporter, subject, message id; the raw bytes verbatim */
	assert_true(has_text(f->s, "SELECT reporter_email FROM reports WHERE id = ?1", rc.report_id,
			     "yamada@example.ne.jp"));
	assert_true(has_text(f->s, "SELECT subject FROM reports WHERE id = ?1", rc.report_id,
			     "フィッシングメールの報告"));
	assert_true(has_text(f->s, "SELECT title FROM incidents WHERE id = ?1", rc.incident_id,
			     "フィッシングメールの報告"));
	assert_int_equal(q1(f->s, "SELECT length(raw) FROM reports WHERE id = ?1", rc.report_id),
			 (int64_t)(sizeof mail - 1));
	/* intake writes no audit entry of its own for the report: its row records the channel
	 * (who, for mail), the arrival and no user; the new incident's "opened" names the channel
	 */
	assert_int_equal(q1(f->s,
			    "SELECT count(*) FROM audit WHERE object = 'report' AND"
			    " object_id = ?1",
			    rc.report_id),
			 0);
	assert_true(has_text(f->s,
			     "SELECT channel FROM reports WHERE id = ?1 AND entered_by IS"
			     " NULL AND entered_by_id IS NULL",
			     rc.report_id, "email"));
	assert_true(
	    has_text(f->s,
		     "SELECT user_name FROM audit WHERE object = 'incident' AND object_id = ?1"
		     " AND action = 'opened'",
		     rc.incident_id, "email"));
	/* the search finds it by Japanese text, by domain and by reporter */
	int64_t ids[10];
	size_t n = 0;
	assert_int_equal(inc_search(f->s, "三井住友", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], rc.report_id);
	assert_int_equal(inc_search(f->s, "example-login.com", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(inc_search(f->s, "yamada", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	/* not a mail: refused, nothing written */
	static const char junk[] = "\x01\x02\x03";
	sub.raw = junk;
	sub.raw_len = 3;
	assert_int_equal(inc_store_begin(f->s), 0);
	assert_int_not_equal(inc_store_intake(f->s, &sub, &rc, err, sizeof err), 0);
	assert_int_equal(inc_store_rollback(f->s), 0);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM reports", 0), 1);
}

/* Every mail fixture (tests/data/mail) taken in: the indicators a handler expects of each, one
 * incident each (they share no site), the forwarder's own address not linking, and the same
 * bytes again a duplicate. */
static void intake_mail_fixtures(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *file, *indicator;
	} want[] = {
	    {"abuse-csv-attachments.eml", "222.203.25.250"},
	    {"alternative-gmail.eml", "https://www.smbc-cardsp.jp/"},
	    {"eucjp-wanderlust.eml", "http://rakuten-card-infroms.com/"},
	    {"forwarded-rfc822.eml", "https://www.linefg.com/"},
	    {"html-only-base64.eml", "http://38.143.68.21/fuu.php"},
	    {"jis-thunderbird.eml", "https://applef6c49b3e31a0c6728957f.signin-app.xn--tckwe/"},
	    {"rfc2231-filename.eml", "http://nttdocomo-lu.com/"},
	    {"sjis-outlook.eml",
	     "https://www2.amazon.co.jp.4a5fae9d4bb89c5dcab5c0a603ed3b3c.online/"},
	    {"utf8-qp-apple.eml", "http://entry11-bk-mufg-ufj-nicos-group.ghpua.org/"},
	};
	const char *dir = getenv("KEIKAI_TESTDATA");
	assert_non_null(dir);
	int64_t first = 0;
	static char buf[1 << 20];
	size_t firstlen = 0;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char path[512];
		(void)snprintf(path, sizeof path, "%s/mail/%s", dir, want[i].file);
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		size_t n = fread(buf, 1, sizeof buf, fp);
		(void)fclose(fp);
		assert_true(n > 0 && n < sizeof buf);
		struct inc_submission sub = {.channel = "email",
					     .received = T0 + (int64_t)i,
					     .raw = buf,
					     .raw_len = n,
					     .raw_type = "message/rfc822"};
		struct inc_receipt rc;
		char err[256];
		assert_int_equal(inc_store_begin(f->s), 0);
		assert_int_equal(inc_store_intake(f->s, &sub, &rc, err, sizeof err), 0);
		assert_int_equal(inc_store_commit(f->s), 0);
		assert_true(rc.new_incident);
		assert_true(has_text(f->s, "SELECT value FROM indicators WHERE report_id = ?1",
				     rc.report_id, want[i].indicator));
		if (i == sizeof want / sizeof want[0] - 1) {
			/* the last one again: a duplicate pointing at the stored report */
			struct inc_receipt again;
			assert_int_equal(inc_store_begin(f->s), 0);
			assert_int_equal(inc_store_intake(f->s, &sub, &again, err, sizeof err), 0);
			assert_int_equal(inc_store_commit(f->s), 0);
			assert_true(again.duplicate);
			assert_int_equal(again.report_id, rc.report_id);
		}
		if (i == 0) {
			first = rc.report_id;
			firstlen = n;
		}
	}
	assert_int_equal(q1(f->s, "SELECT count(*) FROM incidents WHERE ?1 >= 0", 0), 9);
	/* the attachments of the abuse report are listed; its raw bytes are kept whole */
	assert_true(q1(f->s, "SELECT count(*) FROM attachments WHERE report_id = ?1", first) >= 1);
	assert_int_equal(q1(f->s, "SELECT length(raw) FROM reports WHERE id = ?1", first),
			 (int64_t)firstlen);
}

static void link_same_canonical_url(void **state)
{
	struct fx *f = *state;
	struct inc_receipt a =
	    put(f->s, T0, "Phishing at hxxp://Example.co.jp/a/../login please check");
	struct inc_receipt b = put(f->s, T0 + 3600, "see http://example.co.jp/login");
	assert_true(a.new_incident);
	assert_false(b.new_incident);
	assert_int_equal(a.incident_id, b.incident_id);
	/* same registrable domain, other host: another incident */
	struct inc_receipt c = put(f->s, T0 + 7200, "http://shop.example.co.jp/login is fake");
	assert_true(c.new_incident);
	assert_int_not_equal(c.incident_id, a.incident_id);
	/* outside the window (30 days after the last report): a new incident */
	struct inc_receipt d = put(f->s, T0 + 3600 + 31 * DAY, "http://example.co.jp/login again");
	assert_true(d.new_incident);
	/* inside it: linked to the newest of the two incidents holding it */
	struct inc_receipt e = put(f->s, T0 + 3600 + 32 * DAY, "http://example.co.jp/login again!");
	assert_int_equal(e.incident_id, d.incident_id);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM reports WHERE incident_id = ?1", a.incident_id), 2);
}

static void link_best_and_closed(void **state)
{
	struct fx *f = *state;
	struct inc_receipt x = put(f->s, T0, "http://one.example.com/a http://two.example.com/b");
	struct inc_receipt y = put(f->s, T0 + 10, "http://three.example.com/c");
	assert_int_not_equal(x.incident_id, y.incident_id);
	/* shares two URLs (and hosts) with x, one with y: x, though y is newer */
	struct inc_receipt z = put(f->s, T0 + 20,
				   "http://one.example.com/a http://two.example.com/b "
				   "http://three.example.com/c");
	assert_int_equal(z.incident_id, x.incident_id);
	/* a resolved incident is not linked to */
	struct inc_incident_patch p = {.status = "resolved"};
	struct inc_actor who = {7, "tanaka"};
	char field[32];
	assert_int_equal(
	    inc_incident_update(f->s, y.incident_id, &p, &who, T0 + 30, field, sizeof field), 0);
	struct inc_receipt w = put(f->s, T0 + 40, "again http://three.example.com/c !");
	/* x still holds three.example.com through z */
	assert_int_equal(w.incident_id, x.incident_id);
	p.status = "resolved";
	assert_int_equal(
	    inc_incident_update(f->s, x.incident_id, &p, &who, T0 + 50, field, sizeof field), 0);
	struct inc_receipt v = put(f->s, T0 + 60, "once more http://three.example.com/c");
	assert_true(v.new_incident);
	/* reopened: linked again */
	p.status = "open";
	assert_int_equal(
	    inc_incident_update(f->s, x.incident_id, &p, &who, T0 + 70, field, sizeof field), 0);
	struct inc_receipt u = put(f->s, T0 + 80, "http://one.example.com/a is back");
	assert_int_equal(u.incident_id, x.incident_id);
}

/* Entries of the link index that differ from what the open incidents' reports name (in either
 * direction): 0 when the index is exactly right. */
static int64_t links_off(struct inc_store *s)
{
	static const char derived[] =
	    "SELECT DISTINCT n.value, n.type, r.incident_id FROM reports r"
	    " JOIN indicators n ON n.report_id = r.id JOIN incidents i"
	    " ON i.id = r.incident_id WHERE i.status = 'open'";
	char sql[1024];
	(void)snprintf(
	    sql, sizeof sql,
	    "SELECT (SELECT count(*) FROM (SELECT value, type, incident_id FROM"
	    " incident_links EXCEPT %s)) + (SELECT count(*) FROM (%s EXCEPT SELECT value,"
	    " type, incident_id FROM incident_links)) WHERE ?1 >= 0",
	    derived, derived);
	return q1(s, sql, 0);
}

/* Take in a text report inside the transaction in progress. */
static struct inc_receipt put_in(struct inc_store *s, int64_t received, const char *body)
{
	struct inc_submission sub = {.channel = "api",
				     .received = received,
				     .raw = body,
				     .raw_len = strlen(body),
				     .raw_type = "text/plain",
				     .body = body};
	struct inc_receipt rc;
	char err[256];
	assert_int_equal(inc_store_intake(s, &sub, &rc, err, sizeof err), 0);
	return rc;
}

/* Intake keeps what its link lookups read (linkcache.h) from one report to the next, across
 * commits. Whatever changes the incidents or the link index otherwise must be seen: another
 * connection's commit, this connection's own statements, a rollback, a rollback to a
 * savepoint. */
static void link_cache_follows_changes(void **state)
{
	struct fx *f = *state;
	char err[256];
	/* another connection (keikaid, while `keikai import` runs) resolves the incident */
	struct inc_receipt a = put(f->s, T0, "http://cache-a.example/x");
	struct inc_receipt b = put(f->s, T0 + 1, "again http://cache-a.example/x");
	assert_int_equal(b.incident_id, a.incident_id);
	struct inc_store *other = inc_store_open(f->path, NULL, err, sizeof err);
	assert_non_null(other);
	struct inc_incident_patch p = {.status = "resolved"};
	struct inc_actor who = {7, "tanaka"};
	char field[32];
	assert_int_equal(
	    inc_incident_update(other, a.incident_id, &p, &who, T0 + 2, field, sizeof field), 0);
	struct inc_receipt c = put(f->s, T0 + 3, "and again http://cache-a.example/x");
	assert_true(c.new_incident);
	/* ... or moves the link to another incident: the next report follows it */
	struct inc_receipt d = put(f->s, T0 + 4, "http://cache-d.example/y");
	assert_int_equal(put(f->s, T0 + 5, "http://cache-d.example/y !").incident_id,
			 d.incident_id);
	assert_int_equal(sqlite3_exec(inc_store_db(other),
				      "UPDATE incidents SET status = 'closed' WHERE id = (SELECT"
				      " incident_id FROM incident_links WHERE value ="
				      " 'http://cache-d.example/y')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_true(put(f->s, T0 + 6, "http://cache-d.example/y !!").new_incident);
	inc_store_close(other);

	/* this connection's own statement inside the transaction */
	struct inc_receipt e = put(f->s, T0 + 10, "http://cache-e.example/z");
	assert_int_equal(inc_store_begin(f->s), 0);
	assert_int_equal(put_in(f->s, T0 + 11, "http://cache-e.example/z 1").incident_id,
			 e.incident_id);
	char sql[128];
	(void)snprintf(sql, sizeof sql, "UPDATE incidents SET status = 'resolved' WHERE id = %lld",
		       (long long)e.incident_id);
	assert_int_equal(sqlite3_exec(inc_store_db(f->s), sql, NULL, NULL, NULL), SQLITE_OK);
	struct inc_receipt g = put_in(f->s, T0 + 12, "http://cache-e.example/z 2");
	assert_true(g.new_incident);
	assert_int_equal(inc_store_commit(f->s), 0);

	/* a rollback: the incident opened in it is gone, and so is what was cached of it */
	assert_int_equal(inc_store_begin(f->s), 0);
	struct inc_receipt h = put_in(f->s, T0 + 20, "http://cache-h.example/r");
	assert_true(h.new_incident);
	assert_int_equal(inc_store_rollback(f->s), 0);
	assert_int_equal(inc_store_begin(f->s), 0);
	struct inc_receipt i = put_in(f->s, T0 + 21, "http://cache-h.example/r again");
	assert_true(i.new_incident);
	assert_int_equal(inc_store_commit(f->s), 0);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM incidents WHERE id = ?1", i.incident_id),
			 1);

	/* a rollback to a savepoint */
	assert_int_equal(inc_store_begin(f->s), 0);
	assert_int_equal(inc_store_savepoint(f->s), 0);
	struct inc_receipt j = put_in(f->s, T0 + 30, "http://cache-j.example/s");
	assert_true(j.new_incident);
	assert_int_equal(inc_store_rollback_to(f->s), 0);
	struct inc_receipt k = put_in(f->s, T0 + 31, "http://cache-j.example/s again");
	assert_true(k.new_incident);
	/* the number the rolled-back report took goes to the next one: no gap */
	assert_string_equal(k.ack, j.ack);
	struct inc_receipt l = put_in(f->s, T0 + 32, "http://cache-j.example/s and again");
	assert_int_equal(l.incident_id, k.incident_id);
	assert_int_equal(inc_store_commit(f->s), 0);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM incidents WHERE id = ?1", k.incident_id),
			 1);
}

static void merge_and_split(void **state)
{
	struct fx *f = *state;
	struct inc_receipt a = put(f->s, T0, "http://a.example.org/x");
	struct inc_receipt b = put(f->s, T0 + 1, "http://b.example.org/y");
	struct inc_receipt c = put(f->s, T0 + 2, "http://c.example.org/z");
	struct inc_receipt c2 = put(f->s, T0 + 3, "http://c.example.org/z second");
	const char *count_inc = "SELECT count(DISTINCT incident_id) FROM reports WHERE ?1 >= 0";
	assert_int_equal(q1(f->s, count_inc, 0), 3);
	struct inc_actor who = {7, "tanaka"};
	int64_t from[] = {b.incident_id, c.incident_id};
	assert_int_equal(inc_incident_merge(f->s, a.incident_id, from, 2, &who, T0 + 10), 0);
	assert_int_equal(q1(f->s, count_inc, 0), 1);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM reports WHERE incident_id = ?1", a.incident_id), 4);
	assert_true(
	    has_text(f->s, "SELECT status FROM incidents WHERE id = ?1", b.incident_id, "merged"));
	assert_int_equal(q1(f->s, "SELECT merged_into FROM incidents WHERE id = ?1", c.incident_id),
			 a.incident_id);
	/* the merged incidents' link entries went with them; a holds all four reports' */
	assert_true(q1(f->s, "SELECT count(*) FROM incident_links WHERE incident_id = ?1",
		       a.incident_id) >= 3);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM incident_links WHERE incident_id = ?1", b.incident_id),
	    0);
	assert_int_equal(links_off(f->s), 0);
	/* a report with b's URL now goes to a, never to the merged b */
	struct inc_receipt d = put(f->s, T0 + 20, "http://b.example.org/y again");
	assert_int_equal(d.incident_id, a.incident_id);
	/* merging a merged incident, or into itself: conflict; unknown: not found */
	assert_int_equal(inc_incident_merge(f->s, a.incident_id, from, 1, &who, T0),
			 INC_E_CONFLICT);
	int64_t self[] = {a.incident_id};
	assert_int_equal(inc_incident_merge(f->s, a.incident_id, self, 1, &who, T0),
			 INC_E_CONFLICT);
	int64_t none[] = {9999};
	assert_int_equal(inc_incident_merge(f->s, a.incident_id, none, 1, &who, T0),
			 INC_E_NOTFOUND);

	/* split c's two reports off */
	int64_t moved[] = {c.report_id, c2.report_id};
	int64_t nid = 0;
	assert_int_equal(inc_incident_split(f->s, a.incident_id, moved, 2, &who, T0 + 30, &nid), 0);
	assert_true(nid > 0);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM reports WHERE incident_id = ?1", nid), 2);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM reports WHERE incident_id = ?1", a.incident_id), 3);
	assert_int_equal(q1(f->s, count_inc, 0), 2);
	assert_int_equal(q1(f->s, "SELECT opened FROM incidents WHERE id = ?1", nid), T0 + 2);
	/* c's URL left a's link entries with the reports that name it */
	assert_int_equal(links_off(f->s), 0);
	/* the link index follows: c's URL links to the new incident, a's to a */
	struct inc_receipt e = put(f->s, T0 + 40, "http://c.example.org/z third");
	assert_int_equal(e.incident_id, nid);
	struct inc_receipt g = put(f->s, T0 + 41, "http://a.example.org/x again");
	assert_int_equal(g.incident_id, a.incident_id);
	/* splitting everything, or another incident's report: refused, nothing changes */
	int64_t all[] = {c.report_id, c2.report_id, e.report_id};
	assert_int_equal(inc_incident_split(f->s, nid, all, 3, &who, T0, NULL), INC_E_CONFLICT);
	int64_t other[] = {a.report_id};
	assert_int_equal(inc_incident_split(f->s, nid, other, 1, &who, T0, NULL), INC_E_NOTFOUND);
	assert_int_equal(q1(f->s, count_inc, 0), 2);
	assert_int_equal(links_off(f->s), 0);
	/* audit: merge and split recorded with who did it */
	assert_int_equal(
	    q1(f->s,
	       "SELECT count(*) FROM audit WHERE object = 'incident' AND object_id = ?1"
	       " AND action = 'merged' AND user_name = 'tanaka'",
	       b.incident_id),
	    1);
	assert_int_equal(
	    q1(f->s,
	       "SELECT count(*) FROM audit WHERE object = 'incident' AND object_id = ?1"
	       " AND action = 'split'",
	       a.incident_id),
	    1);
}

static void update_audit_and_validation(void **state)
{
	struct fx *f = *state;
	struct inc_receipt a = put(f->s, T0, "http://x.example.net/login");
	struct inc_actor who = {7, "tanaka"};
	char field[32] = "";
	struct inc_incident_patch p = {.priority = "high",
				       .rsit_class = "fraud",
				       .rsit_type = "phishing",
				       .tlp = "TLP:GREEN",
				       .owner = "suzuki"};
	assert_int_equal(
	    inc_incident_update(f->s, a.incident_id, &p, &who, T0 + 5, field, sizeof field), 0);
	/* the category follows the RSIT type; TLP is canonical */
	assert_true(has_text(f->s, "SELECT category FROM incidents WHERE id = ?1", a.incident_id,
			     "phishing"));
	assert_true(
	    has_text(f->s, "SELECT tlp FROM incidents WHERE id = ?1", a.incident_id, "green"));
	const char *changes =
	    "SELECT changes FROM audit WHERE object = 'incident' AND object_id = ?1"
	    " AND action = 'updated'";
	assert_true(has_text(f->s, changes, a.incident_id,
			     "{\"category\":[null,\"phishing\"],\"rsit_class\":[null,\"fraud\"],"
			     "\"rsit_type\":[null,\"phishing\"],\"tlp\":[\"amber\",\"green\"],"
			     "\"owner\":[null,\"suzuki\"],\"priority\":[\"normal\",\"high\"]}"));
	int64_t audits = q1(f->s, "SELECT count(*) FROM audit WHERE ?1 >= 0", 0);
	/* bad values: refused with the field named, nothing written */
	struct inc_incident_patch bad[] = {
	    {.rsit_class = "fraud", .rsit_type = "scanner"},
	    {.tlp = "purple"},
	    {.priority = "urgent"},
	    {.category = "spam"},
	    {.status = "merged"},
	    {.status = "closed"},
	    {.rsit_type = "ddos"}, /* with the incident's class fraud */
	};
	const char *fields[] = {"rsit_type", "tlp",    "priority", "category",
				"status",    "status", "rsit_type"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		field[0] = 0;
		assert_int_equal(inc_incident_update(f->s, a.incident_id, &bad[i], &who, T0, field,
						     sizeof field),
				 INC_E_FIELD);
		assert_string_equal(field, fields[i]);
	}
	assert_int_equal(q1(f->s, "SELECT count(*) FROM audit WHERE ?1 >= 0", 0), audits);
	assert_true(
	    has_text(f->s, "SELECT priority FROM incidents WHERE id = ?1", a.incident_id, "high"));
	/* no change: no audit entry */
	assert_int_equal(
	    inc_incident_update(f->s, a.incident_id, &p, &who, T0 + 6, field, sizeof field), 0);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM audit WHERE ?1 >= 0", 0), audits);
	/* reports: status and TLP */
	assert_int_equal(inc_report_update(f->s, a.report_id, "triaged", "red", &who, T0 + 7, field,
					   sizeof field),
			 0);
	assert_true(has_text(f->s,
			     "SELECT changes FROM audit WHERE object = 'report' AND object_id = ?1"
			     " AND action = 'updated'",
			     a.report_id,
			     "{\"status\":[\"new\",\"triaged\"],\"tlp\":[\"amber\",\"red\"]}"));
	assert_int_equal(
	    inc_report_update(f->s, a.report_id, "done", NULL, &who, T0, field, sizeof field),
	    INC_E_FIELD);
	assert_int_equal(
	    inc_report_update(f->s, 424242, "triaged", NULL, &who, T0, field, sizeof field),
	    INC_E_NOTFOUND);
	struct inc_incident_patch ok = {.title = "x"};
	assert_int_equal(inc_incident_update(f->s, 424242, &ok, &who, T0, field, sizeof field),
			 INC_E_NOTFOUND);
}

static void duplicates(void **state)
{
	struct fx *f = *state;
	struct inc_receipt a = put(f->s, T0, "the same text http://dup.example.com/");
	struct inc_receipt b = put(f->s, T0 + 100, "the same text http://dup.example.com/");
	assert_true(b.duplicate);
	assert_int_equal(b.report_id, a.report_id);
	assert_string_equal(b.ack, a.ack);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM reports WHERE ?1 >= 0", 0), 1);
	/* bad input is refused */
	struct inc_receipt rc;
	assert_int_equal(put_full(f->s, "carrier-pigeon", T0, NULL, "text", NULL, NULL, &rc),
			 INC_E_BAD);
	assert_int_equal(put_full(f->s, "api", T0, NULL, "text", "fraud", "scanner", &rc),
			 INC_E_BAD);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM reports WHERE ?1 >= 0", 0), 1);
}

/* A version 1 database (with the link index's incident_id index) opens as version 2 without it,
 * keeps its reports and links new ones as before. */
static void schema_v1_upgrade(void **state)
{
	struct fx *f = *state;
	struct inc_receipt a = put(f->s, T0, "v1 report http://v1.example.com/a");
	inc_store_close(f->s);
	f->s = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "CREATE INDEX incident_links_incident ON"
			 " incident_links(incident_id);"
			 "UPDATE schema_versions SET version = 1 WHERE domain = 'incident'",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	char err[256];
	f->s = inc_store_open(f->path, NULL, err, sizeof err);
	assert_non_null(f->s);
	assert_int_equal(q1(f->s,
			    "SELECT version FROM schema_versions WHERE domain = 'incident'"
			    " AND ?1 >= 0",
			    0),
			 2);
	assert_int_equal(q1(f->s,
			    "SELECT count(*) FROM sqlite_schema WHERE name ="
			    " 'incident_links_incident' AND ?1 >= 0",
			    0),
			 0);
	struct inc_receipt b = put(f->s, T0 + 60, "again http://v1.example.com/a");
	assert_int_equal(b.incident_id, a.incident_id);
	assert_int_equal(links_off(f->s), 0);
}

/* With resolve on, the intake queues each report's host names (not addresses) for the resolver
 * through the store's statement, prepared once and reused for every report. */
static void resolve_queue(void **state)
{
	struct fx *f = *state;
	inc_store_close(f->s);
	struct inc_config cfg;
	inc_config_default(&cfg);
	cfg.resolve = true;
	char err[256];
	f->s = inc_store_open(f->path, &cfg, err, sizeof err);
	assert_non_null(f->s);
	(void)put(f->s, T0,
		  "phish at http://login.q1.example.com/x and mail.q2.example.net, 192.0.2.7");
	const char *count = "SELECT count(*) FROM resolve_queue WHERE ?1 >= 0";
	assert_int_equal(q1(f->s, count, 0), 2);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM resolve_queue WHERE host = 'mail.q2.example.net'", 0),
	    1);
	/* a second report: its new host joins, a host already queued stays once */
	(void)put(f->s, T0 + 60, "again mail.q2.example.net and www.q3.example.org");
	assert_int_equal(q1(f->s, count, 0), 3);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM resolve_queue WHERE host = 'www.q3.example.org'", 0), 1);
	/* resolve off: nothing is queued */
	inc_store_close(f->s);
	f->s = inc_store_open(f->path, NULL, err, sizeof err);
	assert_non_null(f->s);
	(void)put(f->s, T0 + 120, "third report naming www.q4.example.org");
	assert_int_equal(q1(f->s, count, 0), 3);
}

/* ---- the writer: group commits, and a failing report rolls back only itself ------------ */

struct worker {
	struct inc_writer *w;
	int id, n, ok, failed;
};

static void *work(void *arg)
{
	struct worker *k = arg;
	for (int i = 0; i < k->n; i++) {
		char body[128];
		(void)snprintf(body, sizeof body, "%s http://w%d-%d.example.com/",
			       k->id == 0 && i == 5 ? "FAIL" : "report", k->id, i);
		struct inc_submission sub = {.channel = "api",
					     .received = T0 + i,
					     .raw = body,
					     .raw_len = strlen(body),
					     .raw_type = "text/plain",
					     .body = body};
		struct inc_receipt rc;
		char err[256];
		if (inc_writer_submit(k->w, &sub, &rc, err, sizeof err) == 0)
			k->ok++;
		else
			k->failed++;
	}
	return NULL;
}

static void writer_groups(void **state)
{
	struct fx *f = *state;
	/* a report whose text starts with FAIL fails after its incident row is written */
	char err[256];
	assert_int_equal(sqlite3_exec(inc_store_db(f->s),
				      "CREATE TRIGGER fail_some BEFORE INSERT ON reports"
				      " WHEN NEW.text LIKE 'FAIL%' BEGIN"
				      " SELECT RAISE(ABORT, 'planted failure'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	struct inc_writer *w = inc_writer_open(f->path, NULL, err, sizeof err);
	assert_non_null(w);
	enum { THREADS = 8, EACH = 40 };
	struct worker k[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		k[i] = (struct worker){w, i, EACH, 0, 0};
		assert_int_equal(pthread_create(&t[i], NULL, work, &k[i]), 0);
	}
	int ok = 0, failed = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok += k[i].ok;
		failed += k[i].failed;
	}
	/* the writer's thread indexes what it stored once it is idle */
	int64_t pending = -1;
	for (int i = 0; i < 1000 && pending != 0; i++) {
		assert_int_equal(inc_index_pending(f->s, &pending), 0);
		if (pending)
			(void)usleep(10000);
	}
	assert_int_equal(pending, 0);
	assert_int_equal(
	    q1(f->s,
	       "SELECT indexed = (SELECT max(id) FROM reports) FROM search_state WHERE ?1 >= 0", 0),
	    1);
	struct inc_writer_stats ws;
	inc_writer_stats(w, &ws);
	inc_writer_close(w);
	assert_int_equal(failed, 1);
	assert_int_equal(ok, THREADS * EACH - 1);
	assert_int_equal(ws.stored, (uint64_t)ok);
	/* many submissions shared a commit */
	assert_true(ws.commits < (uint64_t)(THREADS * EACH));
	/* everything but the failing report is there, and nothing of it */
	assert_int_equal(q1(f->s, "SELECT count(*) FROM reports WHERE ?1 >= 0", 0), ok);
	assert_int_equal(q1(f->s, "SELECT count(*) FROM incidents WHERE ?1 >= 0", 0), ok);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM incidents WHERE title LIKE '%w0-5.%' OR ?1 < 0", 0), 0);
	assert_int_equal(
	    q1(f->s, "SELECT count(*) FROM indicators WHERE value LIKE '%w0-5.%' OR ?1 < 0", 0), 0);
}

/* ---- search -------------------------------------------------------------------------------- */

static void search_kinds(void **state)
{
	struct fx *f = *state;
	struct inc_receipt a = put(
	    f->s, T0, "三井住友銀行を装うフィッシングサイト https://smbc.example-bank.jp/login");
	struct inc_receipt b =
	    put(f->s, T0 + 1, "Phishing page imitating a bank: http://secure-login.example.org/");
	struct inc_receipt c =
	    put(f->s, T0 + 2, "Another PHISHING report, see hxxp://evil[.]example/");
	int64_t ids[10];
	size_t n = 0;
	assert_int_equal(inc_search(f->s, "フィッシング", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a.report_id);
	/* case-insensitive, newest first */
	assert_int_equal(inc_search(f->s, "phishing", 0, 10, ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], c.report_id);
	assert_int_equal(ids[1], b.report_id);
	/* paging */
	assert_int_equal(inc_search(f->s, "phishing", c.report_id, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], b.report_id);
	/* URL fragments and domains */
	assert_int_equal(inc_search(f->s, "secure-login.example", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(inc_search(f->s, "example-bank.jp/log", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	/* two characters: the bounded scan */
	assert_int_equal(inc_search(f->s, "銀行", 0, 10, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a.report_id);
	/* FTS syntax in the query is text, not syntax */
	assert_int_equal(inc_search(f->s, "\"phishing\" OR bank*", 0, 10, ids, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inc_search(f->s, "NEAR(a b)", 0, 10, ids, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inc_search(f->s, "no such words here", 0, 10, ids, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inc_search(f->s, "  ", 0, 10, ids, &n), INC_E_BAD);
}

/* The queries of search_index_follows and what they find, as one text ("3,1;;2" ...). */
static void search_all(struct inc_store *s, char *out, size_t n)
{
	static const char *const qs[] = {
	    "フィッシング",  "phishing",  "PHISH",   "secure-login.example",  "example-bank.jp/log",
	    "evil.example",  "銀行",	  "tanaka",  "no such words here",    "report",
	    "0% n",	     "0_ n",	  "\\% n",   "EXAMPLE-BANK.JP/LOGIN", "/six.example/",
	    "pHiShInG PaGe", "ge.exampl", "ﾌｨｯｼﾝｸﾞ", "example-bank.jp/login?"};
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		int64_t ids[64];
		size_t k = 0;
		/* the whole list, and a page below the newest hit */
		assert_int_equal(inc_search(s, qs[i], 0, 64, ids, &k), 0);
		for (size_t j = 0; j < k; j++)
			o += (size_t)snprintf(out + o, n - o, "%lld,", (long long)ids[j]);
		if (k > 1) {
			size_t k2 = 0;
			assert_int_equal(inc_search(s, qs[i], ids[0], 2, ids, &k2), 0);
			o += (size_t)snprintf(out + o, n - o, "|");
			for (size_t j = 0; j < k2; j++)
				o += (size_t)snprintf(out + o, n - o, "%lld,", (long long)ids[j]);
		}
		o += (size_t)snprintf(out + o, n - o, ";");
		assert_true(o < n);
	}
}

static int64_t fts_rows(struct inc_store *s, const char *word)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(inc_store_db(s),
					    "SELECT count(*) FROM reports_fts WHERE reports_fts"
					    " MATCH ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* What LIKE '%q%' (pattern characters escaped) finds among the unindexed reports, newest
 * first: the tail scan's answers must be the same. */
static size_t like_oracle(struct inc_store *s, const char *q, int64_t *ids, size_t max)
{
	char pat[256];
	size_t o = 0;
	pat[o++] = '%';
	for (const char *c = q; *c && o < sizeof pat - 3; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			pat[o++] = '\\';
		pat[o++] = *c;
	}
	pat[o++] = '%';
	pat[o] = 0;
	sqlite3_stmt *st = NULL;
	assert_int_equal(
	    sqlite3_prepare_v2(inc_store_db(s),
			       "SELECT r.id FROM reports r WHERE r.id > (SELECT indexed FROM"
			       " search_state) AND (r.subject LIKE ?1 ESCAPE '\\' OR r.text LIKE ?1"
			       " ESCAPE '\\' OR (coalesce(r.reporter, '') || ' ' ||"
			       " coalesce(r.reporter_email, '')) LIKE ?1 ESCAPE '\\' OR EXISTS"
			       " (SELECT 1 FROM indicators n WHERE n.report_id = r.id AND n.value"
			       " LIKE ?1 ESCAPE '\\')) ORDER BY r.id DESC",
			       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, pat, -1, SQLITE_STATIC);
	size_t n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The indexer follows the store: search finds what is committed but not indexed (the tail
 * scan), finds the same once the indexer has caught up, part way and fully, and after a full
 * reindex; the watermark survives a reopen, and nothing is indexed twice. */
static void search_index_follows(void **state)
{
	struct fx *f = *state;
	static const char *const texts[] = {
	    "三井住友銀行を装うフィッシングサイト https://smbc.example-bank.jp/login",
	    "Phishing page imitating a bank: http://secure-login.example.org/",
	    "Another PHISHING report, see hxxp://evil[.]example/",
	    "a report without the word, about http://plain.example.com/ save 100% now",
	    "フィッシング report number five https://five.example-bank.jp/",
	    "phishing report six http://six.example/"};
	enum { N = sizeof texts / sizeof texts[0] };
	struct inc_receipt rc[N];
	for (size_t i = 0; i < N; i++)
		rc[i] = put(f->s, T0 + (int64_t)i, texts[i]);
	int64_t pending;
	assert_int_equal(inc_index_pending(f->s, &pending), 0);
	assert_int_equal(pending, N);
	assert_int_equal(fts_rows(f->s, "\"phishing\""), 0);

	/* nothing indexed: everything from the tail scan, which answers as LIKE does */
	static char tail[4096], part[4096], full[4096], again[4096];
	search_all(f->s, tail, sizeof tail);
	static const char *const oq[] = {"phishing",	 "PHISH",      "ExAmPlE-bAnK",
					 "evil.example", "0% n",       "0_ n",
					 "\\% n",	 "com/ save",  "/six.example/",
					 "フィッシング", "銀行を装う", "nothing like this",
					 "ppp"};
	size_t total = 0;
	for (size_t i = 0; i < sizeof oq / sizeof oq[0]; i++) {
		int64_t got[16], want_ids[16];
		size_t ng = 0;
		assert_int_equal(inc_search(f->s, oq[i], 0, 16, got, &ng), 0);
		size_t nw = like_oracle(f->s, oq[i], want_ids, 16);
		assert_int_equal(ng, nw);
		for (size_t j = 0; j < ng; j++)
			assert_int_equal(got[j], want_ids[j]);
		total += ng;
	}
	assert_true(total >= 10); /* the oracle's queries do find reports */
	/* the expected hits, by hand, for two of the queries */
	char want[256];
	(void)snprintf(want, sizeof want, "%lld,%lld,%lld,|%lld,%lld,;", (long long)rc[5].report_id,
		       (long long)rc[2].report_id, (long long)rc[1].report_id,
		       (long long)rc[2].report_id, (long long)rc[1].report_id);
	assert_non_null(strstr(tail, want)); /* "phishing": case-insensitive, text only */
	(void)snprintf(want, sizeof want, ";%lld,;", (long long)rc[2].report_id);
	assert_non_null(strstr(tail, want)); /* "evil.example": the canonical indicator only */
	/* "0% n" is text: found; "0_ n" and "\% n" are not patterns: nothing */
	(void)snprintf(want, sizeof want, ";%lld,;;;", (long long)rc[3].report_id);
	assert_non_null(strstr(tail, want));

	/* part way: three indexed, three in the tail; same answers */
	size_t n = 0;
	assert_int_equal(inc_index_run(f->s, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(q1(f->s, "SELECT indexed FROM search_state WHERE ?1 >= 0", 0),
			 rc[2].report_id);
	assert_int_equal(fts_rows(f->s, "\"phishing\""), 2);
	search_all(f->s, part, sizeof part);
	assert_string_equal(part, tail);

	/* a report committed now is found at once, before the indexer sees it */
	struct inc_receipt late = put(f->s, T0 + 10, "late phishing report http://late.example/");
	int64_t ids[8];
	assert_int_equal(inc_search(f->s, "late.example", 0, 8, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], late.report_id);

	/* caught up: nothing left, the same answers, from the index alone */
	assert_int_equal(inc_index_run(f->s, 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(inc_index_pending(f->s, &pending), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(inc_search(f->s, "late.example", 0, 8, ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], late.report_id);
	search_all(f->s, full, sizeof full);
	assert_int_equal(fts_rows(f->s, "\"phishing\""), 4);
	/* the phrase plan and the rare-trigram plan answer alike */
	inc_search_set_plan(f->s, INC_PLAN_PHRASE);
	search_all(f->s, again, sizeof again);
	assert_string_equal(again, full);
	inc_search_set_plan(f->s, INC_PLAN_RARE);
	search_all(f->s, again, sizeof again);
	assert_string_equal(again, full);
	inc_search_set_plan(f->s, INC_PLAN_AUTO);

	/* the watermark survives a reopen; a run then has nothing to do */
	inc_store_close(f->s);
	char err[256];
	f->s = inc_store_open(f->path, NULL, err, sizeof err);
	assert_non_null(f->s);
	assert_int_equal(q1(f->s, "SELECT indexed FROM search_state WHERE ?1 >= 0", 0),
			 late.report_id);
	assert_int_equal(inc_index_run(f->s, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(fts_rows(f->s, "\"phishing\""), 4);
	search_all(f->s, again, sizeof again);
	assert_string_equal(again, full);

	/* a full reindex gives the same answers */
	assert_int_equal(inc_index_reset(f->s), 0);
	assert_int_equal(fts_rows(f->s, "\"phishing\""), 0);
	assert_int_equal(inc_index_pending(f->s, &pending), 0);
	assert_int_equal(pending, N + 1);
	search_all(f->s, again, sizeof again);
	assert_string_equal(again, full);
	assert_int_equal(inc_index_run(f->s, 0, &n), 0);
	assert_int_equal(n, N + 1);
	search_all(f->s, again, sizeof again);
	assert_string_equal(again, full);
	assert_int_equal(fts_rows(f->s, "\"phishing\""), 4);
}

/* ---- quarter statistics ------------------------------------------------------------------ */

/* Unix time of day d of month m, year y, 12:00 JST. */
static int64_t jst(int y, int m, int d)
{
	static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t days = (int64_t)(y - 1970) * 365 + (y - 1969) / 4 + cum[m - 1] + d - 1;
	if (m > 2 && y % 4 == 0)
		days++;
	return days * DAY + 3 * 3600;
}

/* n phishing reports in month m of year y, each its own incident */
static void plant(struct inc_store *s, int y, int m, int n, const char *cls, const char *type)
{
	for (int i = 0; i < n; i++) {
		char body[160];
		(void)snprintf(body, sizeof body, "planted http://p%d-%d-%d-%s.example.jp/", y, m,
			       i, type);
		struct inc_receipt rc;
		assert_int_equal(
		    put_full(s, "email", jst(y, m, 1 + i % 27), NULL, body, cls, type, &rc), 0);
		assert_true(rc.new_incident);
	}
}

static void quarter_stats(void **state)
{
	struct fx *f = *state;
	assert_int_equal(jst(2011, 1, 1), 1293850800);
	/* FY2010 Q4 (Jan-Mar 2011): the seed's 405 phishing reports, 122/147/136 */
	plant(f->s, 2011, 1, 122, "fraud", "phishing");
	plant(f->s, 2011, 2, 142, "fraud", "phishing");
	plant(f->s, 2011, 3, 136, "fraud", "phishing");
	/* five more in February that belong to January incidents: reports, not incidents */
	for (int i = 0; i < 5; i++) {
		char body[160];
		(void)snprintf(body, sizeof body, "again http://p2011-1-%d-phishing.example.jp/",
			       100 + i);
		struct inc_receipt rc;
		assert_int_equal(
		    put_full(f->s, "web", jst(2011, 2, 3), NULL, body, NULL, NULL, &rc), 0);
		assert_false(rc.new_incident);
	}
	/* the previous quarter: 538; a year earlier: 373 */
	plant(f->s, 2010, 10, 180, "fraud", "phishing");
	plant(f->s, 2010, 11, 179, "fraud", "phishing");
	plant(f->s, 2010, 12, 179, "fraud", "phishing");
	plant(f->s, 2010, 1, 124, "fraud", "phishing");
	plant(f->s, 2010, 2, 124, "fraud", "phishing");
	plant(f->s, 2010, 3, 125, "fraud", "phishing");
	/* defacement in the quarter, and one unclassified */
	plant(f->s, 2011, 3, 4, "information-content-security",
	      "unauthorised-information-modification");
	struct inc_receipt rc;
	assert_int_equal(
	    put_full(f->s, "fax", jst(2011, 2, 10), NULL, "unclassified fax", NULL, NULL, &rc), 0);
	/* a report at 00:30 on 1 April JST belongs to the next quarter, 23:30 on 31 March to this
	 */
	assert_int_equal(put_full(f->s, "api", jst(2011, 4, 1) - 12 * 3600 - 1800, NULL,
				  "late march", NULL, NULL, &rc),
			 0);
	assert_int_equal(put_full(f->s, "api", jst(2011, 4, 1) - 12 * 3600 + 1800, NULL,
				  "early april", NULL, NULL, &rc),
			 0);

	int fy, q;
	assert_int_equal(inc_quarter_parse("2010Q4", &fy, &q), 0);
	assert_int_equal(fy, 2010);
	assert_int_equal(q, 4);
	assert_int_equal(inc_quarter_parse("2010Q5", &fy, &q), INC_E_BAD);
	assert_int_equal(inc_quarter_parse("10Q4", &fy, &q), INC_E_BAD);
	struct inc_quarter_stats st;
	assert_int_equal(inc_stats_quarter(f->s, 2010, 4, &st), 0);
	assert_int_equal(st.cur.month[0], 1);
	assert_int_equal(st.cur.year[0], 2011);
	assert_int_equal(st.prev.fy, 2010);
	assert_int_equal(st.prev.q, 3);
	assert_int_equal(st.year_ago.fy, 2009);
	size_t ph = 0, de = 0, ot = 0;
	for (size_t i = 0; i < st.ncat; i++) {
		const char *k[] = {"phishing", "defacement", "other"};
		size_t *slot[] = {&ph, &de, &ot};
		for (int j = 0; j < 3; j++)
			if (strcmp(tax_categories[i].key, k[j]) == 0)
				*slot[j] = i;
	}
	assert_int_equal(st.cur.reports[ph][0], 122);
	assert_int_equal(st.cur.reports[ph][1], 147);
	assert_int_equal(st.cur.reports[ph][2], 136);
	assert_int_equal(st.cur.reports_total[ph], 405);
	assert_int_equal(st.cur.incidents[ph][0], 122);
	assert_int_equal(st.cur.incidents[ph][1], 142);
	assert_int_equal(st.cur.incidents_total[ph], 400);
	assert_int_equal(st.prev.reports_total[ph], 538);
	assert_int_equal(st.year_ago.reports_total[ph], 373);
	assert_int_equal(st.cur.reports[de][2], 4);
	assert_int_equal(st.cur.reports[ot][1], 1);
	assert_int_equal(st.cur.reports[ot][2], 1); /* late March */
	assert_int_equal(st.cur.all_reports, 405 + 4 + 2);
	int pct;
	assert_true(inc_pct_change(st.cur.reports_total[ph], st.prev.reports_total[ph], &pct));
	assert_int_equal(pct, -25);
	assert_true(inc_pct_change(st.cur.reports_total[ph], st.year_ago.reports_total[ph], &pct));
	assert_int_equal(pct, 9);
	assert_false(inc_pct_change(3, 0, &pct));
	/* merged incidents do not count: merge two January incidents */
	int64_t a = q1(f->s, "SELECT min(id) FROM incidents WHERE opened >= ?1", jst(2011, 1, 1));
	struct inc_actor who = {1, "sato"};
	int64_t from[] = {a + 1};
	assert_int_equal(inc_incident_merge(f->s, a, from, 1, &who, jst(2011, 4, 5)), 0);
	assert_int_equal(inc_stats_quarter(f->s, 2010, 4, &st), 0);
	assert_int_equal(st.cur.incidents_total[ph], 399);
	assert_int_equal(st.cur.reports_total[ph], 405);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(intake_mail_indicators, setup, teardown),
	    cmocka_unit_test_setup_teardown(intake_mail_fixtures, setup, teardown),
	    cmocka_unit_test_setup_teardown(link_same_canonical_url, setup, teardown),
	    cmocka_unit_test_setup_teardown(link_best_and_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(merge_and_split, setup, teardown),
	    cmocka_unit_test_setup_teardown(update_audit_and_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(duplicates, setup, teardown),
	    cmocka_unit_test_setup_teardown(resolve_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(schema_v1_upgrade, setup, teardown),
	    cmocka_unit_test_setup_teardown(writer_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(link_cache_follows_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(search_kinds, setup, teardown),
	    cmocka_unit_test_setup_teardown(search_index_follows, setup, teardown),
	    cmocka_unit_test_setup_teardown(quarter_stats, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
