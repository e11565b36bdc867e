/* intake.h - reports in: one submission (a mail, a form entry, an API call, a typed-in fax or
 * phone call) becomes a stored report linked to an incident (docs/incident-design.md)
 *
 * inc_store_intake() works inside the caller's transaction on one store handle; keikaid goes
 * through the single writer (inc_writer_*), which gathers the submissions of many request
 * threads into one group commit and answers each only after that commit is durable.
 */
#ifndef KEIKAI_INCIDENT_INTAKE_H
#define KEIKAI_INCIDENT_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct inc_submission {
	const char *channel; /* "email", "web", "api", "fax", "phone" */
	int64_t received;    /* Unix s; 0 = now */
	const char *raw;     /* the original verbatim (not NUL-terminated) */
	size_t raw_len;
	const char *raw_type; /* "message/rfc822", "application/json", "text/plain" */
	/* non-mail channels (a mail's come from its headers and body) */
	const char *reporter, *reporter_email, *subject, *body;
	const char *tlp;	/* NULL = the configured default */
	const char *rsit_class; /* optional: the submitter's RSIT classification */
	const char *rsit_type;
	int64_t user_id; /* who entered it; 0/NULL for mail and the web form */
	const char *user_name;
	const char *client; /* web form: the submitter's address */
};

struct inc_receipt {
	int64_t report_id, incident_id;
	bool new_incident, duplicate;
	char ack[24]; /* "R-2025-000123" */
};

/* Parse (mail), extract and canonicalise indicators, link to an open incident or open a new one,
 * insert the report, its attachments' names, its indicators and (for a new incident) the
 * incident's audit entry; all inside the caller's transaction (inc_store_begin). The search index
 * follows later (inc_index_run). A report whose raw bytes
 * equal a stored one's (SHA-256) is a duplicate: *ret points to the stored report, nothing is
 * written, 0 is returned. Returns 0 or INC_E_BUSY (temporary: locked, full, I/O: retry; an MTA
 * pipe exits 75), INC_E_BAD (empty or unusable input), INC_E_TOOBIG, INC_E_NOMEM; err gets an
 * English message. On an error the caller rolls back: a savepoint per report
 * (inc_store_savepoint / inc_store_rollback_to), or, as the writer and the import do, none, and
 * the whole group again with savepoints when a failed report changed something
 * (sqlite3_total_changes). The transaction ends with inc_store_commit. */
int inc_store_intake(struct inc_store *s, const struct inc_submission *sub, struct inc_receipt *ret,
		     char *err, size_t errlen);

/* keikaid's single writer. inc_writer_open starts the thread on its own connection.
 * inc_writer_submit may be called from any thread; it blocks until the group commit holding the
 * submission is durable (or failed) and returns what inc_store_intake would, INC_E_BUSY also when
 * the commit failed. sub must stay valid until it returns. inc_writer_close finishes what was
 * submitted and stops; NULL-safe. */
struct inc_writer;
struct inc_writer *inc_writer_open(const char *path, const struct inc_config *cfg, char *err,
				   size_t n);
int inc_writer_submit(struct inc_writer *w, const struct inc_submission *sub,
		      struct inc_receipt *ret, char *err, size_t errlen);
void inc_writer_close(struct inc_writer *w);

struct inc_writer_stats {
	uint64_t stored, duplicates, failed, commits;
};
void inc_writer_stats(struct inc_writer *w, struct inc_writer_stats *out);

#endif
