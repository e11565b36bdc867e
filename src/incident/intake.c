/* intake.c - one submission in: parse a mail, extract and canonicalise indicators, link to an
 * open incident or open one, and insert the report with its indicators (and the audit entry of
 * an incident it opens)
 * (the search index follows later: search.c)
 *
 * Everything runs on statements prepared once per store (store-impl.h) inside the caller's
 * transaction; no schema work and no allocation per indicator beyond the extractor's own.
 */
#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../lib/ckd.h"
#include "enrich.h"
#include "extract.h"
#include "mail.h"
#include "store-impl.h"
#include "taxonomy.h"

#include "../lib/banned.h"

#define MAX_LINK_CANDIDATES 64
#define MAX_LINK_HITS	    1024 /* (indicator, incident) pairs remembered from the link lookups */

struct candidate {
	int64_t id, last_report;
	unsigned shared;
};

/* Which incidents the link lookups found each indicator in: the chosen incident's link index
 * already holds those, so they are not inserted again (an INSERT OR IGNORE is a B-tree seek). */
struct link_hits {
	struct {
		uint32_t ind;
		int64_t incident;
	} h[MAX_LINK_HITS];
	size_t n;
};

/* The text of what arrived, whichever channel it came by. */
struct view {
	const char *reporter, *reporter_email, *subject, *message_id;
	const char *text;
	size_t text_len;
	int64_t sent;
};

/* Length of the longest prefix of s[0..len) of at most max bytes that ends on a UTF-8
 * character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
	if (t && t[0])
		sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Count an incident found holding indicator i, if its last report is in the window. */
static void link_hit(size_t i, int64_t id, int64_t last_report, int64_t since, struct candidate *c,
		     size_t *nc, struct link_hits *hits)
{
	if (last_report < since)
		return;
	if (hits->n < MAX_LINK_HITS && i <= UINT32_MAX) {
		hits->h[hits->n].ind = (uint32_t)i;
		hits->h[hits->n++].incident = id;
	} /* beyond: inserted again, which the OR IGNORE absorbs */
	size_t k = 0;
	while (k < *nc && c[k].id != id)
		k++;
	if (k == *nc) {
		if (*nc == MAX_LINK_CANDIDATES)
			return;
		c[k] = (struct candidate){id, last_report, 0};
		(*nc)++;
	}
	c[k].shared++;
}

/* From the link cache: the incidents holding indicator i, as the index would give them.
 * False when the value is not cached (or an incident of it is not: then the cache is
 * cleared), and nothing was counted. */
static bool link_cached(struct inc_store *s, size_t i, const struct indicator *ind, int64_t since,
			struct candidate *c, size_t *nc, struct link_hits *hits)
{
	uint32_t it, it0;
	int64_t id, last;
	if (!link_cache_find(s->links, (int)ind->type, ind->value, &it0))
		return false;
	for (it = it0; link_cache_next(s->links, &it, &id);)
		if (!link_cache_last(s->links, id, &last)) {
			link_cache_clear(s->links);
			return false;
		}
	for (it = it0; link_cache_next(s->links, &it, &id);) {
		(void)link_cache_last(s->links, id, &last);
		link_hit(i, id, last, since, c, nc, hits);
	}
	return true;
}

/* Whether the link cache may be used now, after clearing it if the database changed behind
 * it (linkcache.h): only inside a transaction, and with memory for it. */
static bool links_ready(struct inc_store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return false;
	if (!s->links && !(s->links = link_cache_new()))
		return false;
	if (sqlite3_total_changes64(s->db) != s->links_changes)
		link_cache_clear(s->links);
	if (!s->links_dv_seen) {
		/* the first use in this transaction: did another connection commit since? */
		if (!s->data_version && sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1,
							   &s->data_version, NULL) != SQLITE_OK)
			return false;
		int64_t dv = -1;
		if (sqlite3_step(s->data_version) == SQLITE_ROW)
			dv = sqlite3_column_int64(s->data_version, 0);
		sqlite3_reset(s->data_version);
		if (dv < 0 || dv != s->links_dv)
			link_cache_clear(s->links);
		if (dv < 0)
			return false;
		s->links_dv = dv;
		s->links_dv_seen = true;
	}
	return true;
}

/* Count the open incidents in the window that hold each indicator. The reporter's own address
 * does not link: it is in the signature and the forwarded headers of everything they send.
 * Inside a transaction the answers come from the link cache when it has them, and what is read
 * from the index goes into it. */
static int link_find(struct inc_store *s, const struct indicator_set *set, const char *reporter,
		     int64_t since, struct candidate *c, size_t *nc, struct link_hits *hits)
{
	sqlite3_stmt *st = s->st[ST_LINK_FIND];
	bool cache = links_ready(s);
	for (size_t i = 0; i < set->count; i++) {
		const struct indicator *ind = &set->items[i];
		if (ind->type == IND_EMAIL && reporter && strcasecmp(ind->value, reporter) == 0)
			continue;
		if (cache && link_cached(s, i, ind, since, c, nc, hits))
			continue;
		int64_t fill = cache ? link_cache_fill(s->links, (int)ind->type, ind->value) : -1;
		sqlite3_bind_text(st, 1, ind->value, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ind_type_name(ind->type), -1, SQLITE_STATIC);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			int64_t last = sqlite3_column_int64(st, 1);
			if (fill >= 0 && link_cache_fill_add(s->links, fill, id, last) != 0)
				fill = -1;
			link_hit(i, id, last, since, c, nc, hits);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			link_cache_clear(s->links);
			return inc_sqlite_err(rc);
		}
	}
	return 0;
}

/* The best candidate: most shared indicators, then the newest last report, then the newest. */
static const struct candidate *link_best(const struct candidate *c, size_t nc)
{
	const struct candidate *best = NULL;
	for (size_t i = 0; i < nc; i++) {
		if (!best || c[i].shared > best->shared ||
		    (c[i].shared == best->shared &&
		     (c[i].last_report > best->last_report ||
		      (c[i].last_report == best->last_report && c[i].id > best->id))))
			best = &c[i];
	}
	return best;
}

/* A title for a new incident: the subject, else the first URL or other indicator. */
static void make_title(char *out, size_t n, const struct view *v, const struct indicator_set *set)
{
	const char *t = v->subject && v->subject[0] ? v->subject : NULL;
	for (size_t i = 0; !t && i < set->count; i++)
		if (set->items[i].type == IND_URL)
			t = set->items[i].value;
	if (!t && set->count)
		t = set->items[0].value;
	if (!t)
		t = "(no subject)";
	size_t len = utf8_cut(t, strlen(t), n - 1);
	memcpy(out, t, len);
	out[len] = 0;
}

static int insert_indicators(struct inc_store *s, int64_t report, int64_t incident,
			     const struct indicator_set *set, const struct link_hits *hits)
{
	/* hits is sorted by indicator: the walk below moves along it */
	size_t k = 0;
	for (size_t i = 0; i < set->count; i++) {
		const struct indicator *ind = &set->items[i];
		const char *type = ind_type_name(ind->type);
		sqlite3_stmt *st = s->st[ST_IND_NEW];
		sqlite3_bind_int64(st, 1, report);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ind->raw ? ind->raw : ind->value, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ind->value, -1, SQLITE_STATIC);
		bind_text_or_null(st, 5, ind->registrable);
		int r = inc_step_done(st);
		if (r)
			return r;
		/* host names go to the resolver, which enriches them in the background */
		if (s->cfg.resolve && ind->type == IND_DOMAIN &&
		    enrich_queue_host_stmt(s->st[ST_QUEUE_HOST], ind->value) != 0)
			return INC_E_BUSY;
		size_t k0 = k;
		while (k < hits->n && hits->h[k].ind == i)
			k++;
		bool have = false;
		for (size_t j = k0; j < k && !have; j++)
			have = hits->h[j].incident == incident;
		if (have)
			continue;
		st = s->st[ST_LINK_ADD];
		sqlite3_bind_text(st, 1, ind->value, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, incident);
		if ((r = inc_step_done(st)) != 0)
			return r;
		link_cache_link(s->links, (int)ind->type, ind->value, incident);
	}
	return 0;
}

/* The SHA-256 of a report's raw bytes, the key of the duplicate check: 0, or -1 if libcrypto
 * fails (out of memory). */
static int raw_sha256(struct inc_store *s, const void *raw, size_t len, unsigned char out[32])
{
	if (!s->sha256) {
		s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!s->sha256)
			return -1;
	}
	if (!s->sha_ctx) {
		s->sha_ctx = EVP_MD_CTX_new();
		if (!s->sha_ctx)
			return -1;
	}
	unsigned int n = 0;
	if (EVP_DigestInit_ex(s->sha_ctx, s->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(s->sha_ctx, raw, len) != 1 ||
	    EVP_DigestFinal_ex(s->sha_ctx, out, &n) != 1 || n != 32)
		return -1;
	return 0;
}

static int fail(char *err, size_t errlen, int code, const char *msg)
{
	if (err && errlen)
		inc_copy(err, errlen, msg);
	return code;
}

int inc_store_intake(struct inc_store *s, const struct inc_submission *sub, struct inc_receipt *ret,
		     char *err, size_t errlen)
{
	const struct inc_config *cfg = &s->cfg;
	if (!sub->raw || sub->raw_len == 0)
		return fail(err, errlen, INC_E_BAD, "empty report");
	if (sub->raw_len > cfg->max_report_bytes || sub->raw_len > INT32_MAX)
		return fail(err, errlen, INC_E_TOOBIG, "report too large");
	if (!sub->channel || !tax_find(tax_channels, sub->channel))
		return fail(err, errlen, INC_E_BAD, "unknown channel");
	const char *tlp = sub->tlp ? tax_tlp_canon(sub->tlp) : cfg->default_tlp;
	if (!tlp)
		return fail(err, errlen, INC_E_BAD, "unknown tlp");
	const struct rsit_type *rt = NULL;
	if (sub->rsit_class || sub->rsit_type) {
		rt = tax_rsit_find(sub->rsit_class, sub->rsit_type);
		if (!rt)
			return fail(err, errlen, INC_E_BAD, "unknown rsit class or type");
	}
	int64_t now = (int64_t)time(NULL);
	int64_t received = sub->received ? sub->received : now;

	unsigned char hash[32];
	if (raw_sha256(s, sub->raw, sub->raw_len, hash) != 0)
		return fail(err, errlen, INC_E_NOMEM, "sha-256");
	sqlite3_stmt *st = s->st[ST_DUP];
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(ret, 0, sizeof *ret);
		ret->report_id = sqlite3_column_int64(st, 0);
		const unsigned char *ack = sqlite3_column_text(st, 1);
		(void)snprintf(ret->ack, sizeof ret->ack, "%s", ack ? (const char *)ack : "");
		ret->incident_id = sqlite3_column_int64(st, 2);
		ret->duplicate = true;
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(err, errlen, inc_sqlite_err(rc), sqlite3_errmsg(s->db));

	struct view v = {.reporter = sub->reporter,
			 .reporter_email = sub->reporter_email,
			 .subject = sub->subject,
			 .text = sub->body,
			 .text_len = sub->body ? strlen(sub->body) : 0};
	struct mail_msg msg;
	memset(&msg, 0, sizeof msg);
	bool is_mail = sub->raw_type && strcmp(sub->raw_type, "message/rfc822") == 0;
	struct indicator_set set;
	indicator_set_init(&set, cfg->max_indicators);
	int r = 0;
	if (is_mail) {
		if (!s->mail_ready) {
			if (mail_init() != 0) {
				r = fail(err, errlen, INC_E_NOMEM, "mail parser");
				goto out;
			}
			s->mail_ready = true;
		}
		struct mail_limits lim = mail_limits_default;
		lim.max_size = cfg->max_report_bytes;
		lim.max_parts = cfg->mail_max_parts;
		lim.max_depth = (int)cfg->mail_max_depth;
		lim.max_text_bytes = cfg->max_text_bytes;
		char merr[160];
		int m = mail_parse(sub->raw, sub->raw_len, &lim, &msg, merr, sizeof merr);
		if (m != 0) {
			r = fail(err, errlen, m == MAIL_E_TOOBIG ? INC_E_TOOBIG : INC_E_BAD, merr);
			goto out;
		}
		v.reporter = msg.from;
		v.reporter_email = msg.from_addr;
		v.subject = msg.subject;
		v.message_id = msg.message_id;
		v.text = msg.text;
		v.text_len = msg.text ? msg.text_len : 0;
		v.sent = msg.date;
	}
	bool html = is_mail && msg.html_len;
	if (v.text_len == 0 && !(v.subject && v.subject[0]) && !html) {
		r = fail(err, errlen, INC_E_BAD, "no text");
		goto out;
	}

	/* indicators: subject, text (with a mail's text attachments and forwarded messages),
	 * HTML */
	int x = 0;
	if (v.subject)
		x = extract_text(&set, v.subject, strlen(v.subject));
	if (x >= 0 && v.text_len)
		x = extract_text(&set, v.text, v.text_len);
	if (x >= 0 && is_mail && msg.html_len)
		x = extract_html(&set, msg.html, msg.html_len);
	if (x < 0) {
		r = fail(err, errlen, INC_E_NOMEM, "out of memory");
		goto out;
	}

	/* link */
	struct candidate cand[MAX_LINK_CANDIDATES];
	size_t nc = 0;
	struct link_hits hits;
	hits.n = 0;
	int64_t since = received - (int64_t)cfg->link_window_days * 86400;
	if ((r = link_find(s, &set, v.reporter_email, since, cand, &nc, &hits)) != 0) {
		(void)fail(err, errlen, r, sqlite3_errmsg(s->db));
		goto out;
	}
	const struct candidate *best = link_best(cand, nc);
	int year;
	int64_t seq, incident;
	char ref[64] = "";
	memset(ret, 0, sizeof *ret);
	if (best) {
		incident = best->id;
		st = s->st[ST_INC_TOUCH];
		sqlite3_bind_int64(st, 1, incident);
		sqlite3_bind_int64(st, 2, received);
		sqlite3_bind_int64(st, 3, now);
		if ((r = inc_step_done(st)) != 0)
			goto db_fail;
		link_cache_touch(s->links, incident, received);
	} else {
		if ((r = inc_seq_next(s, "KK", received, &year, &seq)) != 0)
			goto db_fail;
		int k = snprintf(ref, sizeof ref, "KK-%04d-%05lld", year, (long long)seq);
		if (k < 0 || (size_t)k >= sizeof ref) {
			r = fail(err, errlen, INC_E_BAD, "time out of range");
			goto out;
		}
		char title[512];
		make_title(title, sizeof title, &v, &set);
		st = s->st[ST_INC_NEW];
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
		bind_text_or_null(st, 3, rt ? rt->category : NULL);
		bind_text_or_null(st, 4, rt ? rt->class_key : NULL);
		bind_text_or_null(st, 5, rt ? rt->type_key : NULL);
		sqlite3_bind_text(st, 6, tlp, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, received);
		sqlite3_bind_int64(st, 8, now);
		if ((r = inc_step_done(st)) != 0)
			goto db_fail;
		incident = sqlite3_last_insert_rowid(s->db);
		link_cache_opened(s->links, incident, received);
		ret->new_incident = true;
	}

	/* the report */
	if ((r = inc_seq_next(s, "R", received, &year, &seq)) != 0)
		goto db_fail;
	char ack[64];
	int k = snprintf(ack, sizeof ack, "R-%04d-%06lld", year, (long long)seq);
	if (k < 0 || (size_t)k >= sizeof ret->ack) {
		r = fail(err, errlen, INC_E_BAD, "time out of range");
		goto out;
	}
	memcpy(ret->ack, ack, (size_t)k + 1);
	size_t text_len = utf8_cut(v.text ? v.text : "", v.text_len, cfg->max_text_bytes);
	st = s->st[ST_REPORT_NEW];
	sqlite3_bind_text(st, 1, ret->ack, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sub->channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, received);
	if (v.sent)
		sqlite3_bind_int64(st, 4, v.sent);
	bind_text_or_null(st, 5, v.reporter);
	bind_text_or_null(st, 6, v.reporter_email);
	bind_text_or_null(st, 7, v.subject);
	sqlite3_bind_text(st, 8, v.text ? v.text : "", (int)text_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, sub->raw, (int)sub->raw_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, sub->raw_type ? sub->raw_type : "text/plain", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, hash, sizeof hash, SQLITE_STATIC);
	bind_text_or_null(st, 12, v.message_id);
	sqlite3_bind_text(st, 13, tlp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, incident);
	bind_text_or_null(st, 15, sub->user_name);
	bind_text_or_null(st, 16, sub->client);
	if (sub->user_id)
		sqlite3_bind_int64(st, 17, sub->user_id);
	if ((r = inc_step_done(st)) != 0)
		goto db_fail;
	int64_t report = sqlite3_last_insert_rowid(s->db);

	for (size_t i = 0; is_mail && i < msg.nparts; i++) {
		const struct mail_part *p = &msg.parts[i];
		if (!p->attachment)
			continue;
		st = s->st[ST_ATT_NEW];
		sqlite3_bind_int64(st, 1, report);
		bind_text_or_null(st, 2, p->filename);
		bind_text_or_null(st, 3, p->type);
		sqlite3_bind_int64(st, 4, (int64_t)p->size);
		if ((r = inc_step_done(st)) != 0)
			goto db_fail;
	}
	if ((r = insert_indicators(s, report, incident, &set, &hits)) != 0)
		goto db_fail;

	/* audit: a report's arrival is not an audit entry of its own: the report row holds who
	 * entered it (entered_by, entered_by_id; the channel for mail and the web form), when
	 * (received) and how (channel), and the timeline shows it from there. A new incident is
	 * recorded as opened, by the same actor. */
	struct inc_actor who = {sub->user_id, sub->user_name ? sub->user_name : sub->channel};
	char ch[160];
	if (ret->new_incident) {
		(void)snprintf(ch, sizeof ch, "{\"ref\":[null,\"%s\"],\"report\":[null,%lld]}", ref,
			       (long long)report);
		if ((r = inc_audit(s, &who, now, "incident", incident, "opened", ch)) != 0)
			goto db_fail;
	}
	ret->report_id = report;
	ret->incident_id = incident;
	goto out;
db_fail:
	(void)fail(err, errlen, r, sqlite3_errmsg(s->db));
out:
	if (r != 0) /* the caller rolls back what this report wrote */
		link_cache_clear(s->links);
	else
		s->links_changes = sqlite3_total_changes64(s->db);
	indicator_set_free(&set);
	mail_msg_free(&msg);
	return r;
}
