/* store.h - the incident store: reports, indicators, incidents, links, audit, search, statistics
 *
 * One struct inc_store is one SQLite connection with the incident schema (domain "incident" of
 * db_migrate) and its prepared statements; it is used by one thread at a time. Every handler
 * operation runs in one transaction together with its audit entry. The schema is described in
 * docs/incident-design.md ("Storage"). Returns are 0 or a negative INC_E_* code.
 */
#ifndef KEIKAI_INCIDENT_STORE_H
#define KEIKAI_INCIDENT_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct geo;

enum {
	INC_E_BAD = -2,	     /* empty or unusable input (permanent) */
	INC_E_TOOBIG = -3,   /* over max_report_bytes */
	INC_E_BUSY = -4,     /* database locked, full or failing: try again */
	INC_E_NOTFOUND = -5, /* no such report or incident */
	INC_E_FIELD = -6,    /* a field's value is outside its vocabulary (the field is named) */
	INC_E_CONFLICT = -7, /* not in this state (merging a merged incident, ...) */
	INC_E_NOMEM = -8,
	INC_E_DB = -9, /* any other database failure */
};

/* The stable code of an INC_E_* value ("bad_input", "too_large", "busy", "not_found",
 * "bad_field", "conflict", "no_memory", "internal") and its message in "en" or "ja". */
const char *inc_code(int code);
const char *inc_strerror(int code, const char *lang);

struct inc_config {
	unsigned link_window_days; /* 30 */
	char home_cc[3];	   /* "JP" */
	size_t max_report_bytes;   /* 25 MiB */
	size_t max_text_bytes;	   /* readable text kept per report: 1 MiB */
	size_t max_indicators;	   /* per report: 1000 */
	unsigned mail_max_parts;   /* 200 */
	unsigned mail_max_depth;   /* 8 */
	char default_tlp[16];	   /* "amber" */
	int32_t tz_offset;	   /* seconds east of UTC for years and months: +9 h */
	struct geo *geo;	   /* may be NULL */
	bool resolve; /* [enrich] resolve: queue reports' host names for the resolver */
};

/* The defaults above. */
void inc_config_default(struct inc_config *c);

struct inc_store;

/* Open (creating and migrating) the store at path; cfg is copied (NULL = defaults). Returns NULL
 * with a message in err. */
struct inc_store *inc_store_open(const char *path, const struct inc_config *cfg, char *err,
				 size_t n);
void inc_store_close(struct inc_store *s); /* NULL-safe */
sqlite3 *inc_store_db(struct inc_store *s);
const struct inc_config *inc_store_config(const struct inc_store *s);
/* The last SQLite message of the connection (for the log). */
const char *inc_store_errmsg(struct inc_store *s);

/* Transactions (BEGIN IMMEDIATE) and savepoints. 0 or INC_E_BUSY / INC_E_DB. */
int inc_store_begin(struct inc_store *s);
int inc_store_commit(struct inc_store *s);
int inc_store_rollback(struct inc_store *s);
int inc_store_savepoint(struct inc_store *s);
int inc_store_release(struct inc_store *s);
int inc_store_rollback_to(struct inc_store *s);

/* Who does something, for the audit trail: a user, or (user_id 0) a channel such as "email". */
struct inc_actor {
	int64_t user_id;
	const char *user_name;
};

/* Write one audit entry: object "report"/"incident", action, changes as JSON text or NULL. */
int inc_audit(struct inc_store *s, const struct inc_actor *who, int64_t at, const char *object,
	      int64_t object_id, const char *action, const char *changes);

/* ---- handler operations: each in its own transaction with its audit entry --------------- */

/* Change a report's status ("new", "triaged", "rejected") and/or TLP; NULL leaves a field.
 * INC_E_FIELD names the field in ret_field (at least 32 bytes). */
int inc_report_update(struct inc_store *s, int64_t id, const char *status, const char *tlp,
		      const struct inc_actor *who, int64_t now, char *ret_field, size_t fieldlen);

struct inc_incident_patch {
	const char *title, *status, *category, *rsit_class, *rsit_type, *tlp, *owner, *priority;
	bool set_due; /* due given: due (0 clears it) */
	int64_t due;
	bool clear_owner; /* owner given as null */
};

/* Change an incident's fields, validated against taxonomy.h: the RSIT pair must exist (a type
 * alone is looked up with the incident's class); a new RSIT type sets the category it counts
 * under unless the patch names one; TLP by tax_tlp_canon; status open <-> resolved | rejected
 * (merged only by merging); owner a user of the accounts table when it exists. Nothing is
 * written on an error. */
int inc_incident_update(struct inc_store *s, int64_t id, const struct inc_incident_patch *p,
			const struct inc_actor *who, int64_t now, char *ret_field, size_t fieldlen);

/* Move all reports of the incidents from[0..n) into `into`; they become "merged" with
 * merged_into set. INC_E_NOTFOUND for an unknown id, INC_E_CONFLICT when into or one of from
 * is merged, or into is among from. */
int inc_incident_merge(struct inc_store *s, int64_t into, const int64_t *from, size_t n,
		       const struct inc_actor *who, int64_t now);

/* Move reports[0..n) of incident id into a new open incident (same classification and TLP);
 * its id in *ret_id. INC_E_NOTFOUND when a report is not one of the incident's,
 * INC_E_CONFLICT when all of its reports would move or the incident is merged. */
int inc_incident_split(struct inc_store *s, int64_t id, const int64_t *reports, size_t n,
		       const struct inc_actor *who, int64_t now, int64_t *ret_id);

/* ---- search (search.c) -------------------------------------------------------------------- */

/* Reports whose subject, text, reporter or indicator values contain q (case-insensitive for
 * ASCII), newest first, ids below `before` (0 = from the newest), at most max into ids.
 * Queries of three characters or more use the trigram index for the indexed reports and scan
 * the ones not yet indexed (so a committed report is found at once); one or two characters
 * scan only the newest INC_SEARCH_SCAN reports. Returns 0 and *ret_n, or INC_E_BAD for an empty
 * query. */
#define INC_SEARCH_SCAN 20000
int inc_search(struct inc_store *s, const char *q, int64_t before, size_t max, int64_t *ids,
	       size_t *ret_n);

/* How the index is asked (see search.c): INC_PLAN_AUTO picks per query; the others force one
 * way for the queries it applies to (the rare-trigram plan only serves printable-ASCII
 * queries of four characters or more), for tests and benchmarks. Every plan gives the same
 * answers. */
enum inc_search_plan { INC_PLAN_AUTO = 0, INC_PLAN_PHRASE, INC_PLAN_RARE };
void inc_search_set_plan(struct inc_store *s, enum inc_search_plan plan);

/* The indexer. Intake does not write the search index; inc_index_run indexes, in one
 * transaction of its own (BEGIN IMMEDIATE, like intake), up to max (0 = all) of the reports
 * above the watermark (search_state.indexed, the highest report id indexed) and moves the
 * watermark in the same transaction. *ret_n = reports indexed (0: nothing to do, which takes
 * no write lock). keikaid's writer runs it between group commits and when idle; `keikai import
 * mail` alongside its batches; `keikai reindex` on request. */
int inc_index_run(struct inc_store *s, size_t max, size_t *ret_n);
/* The reports not yet indexed (the tail a search scans). */
int inc_index_pending(struct inc_store *s, int64_t *ret_n);
/* Empty the index and set the watermark to 0: the next runs index every report again. */
int inc_index_reset(struct inc_store *s);

/* ---- quarter statistics (stats.c) ------------------------------------------------------- */

#define INC_STATS_CATS 16

struct inc_period {
	int fy, q;	       /* Japanese fiscal year and quarter: 2010Q4 = Jan-Mar 2011 */
	int64_t month_from[4]; /* the three months' starts and the quarter's end, Unix s */
	int month[3], year[3]; /* calendar month (1-12) and year of each month */
	uint64_t reports[INC_STATS_CATS][3], incidents[INC_STATS_CATS][3];
	uint64_t reports_total[INC_STATS_CATS], incidents_total[INC_STATS_CATS];
	uint64_t all_reports, all_incidents;
};

struct inc_quarter_stats {
	size_t ncat; /* categories: tax_categories[0..ncat) */
	struct inc_period cur, prev, year_ago;
};

/* Parse "2025Q3" (also "fy2025q3"); 0 or INC_E_BAD. */
int inc_quarter_parse(const char *s, int *ret_fy, int *ret_q);

/* Reports and incidents per category and month: a report counts in the month it was received,
 * an incident (with at least one report) in the month of its first report, under the
 * incident's category ("other" when unset); months in the store's zone. */
int inc_stats_quarter(struct inc_store *s, int fy, int q, struct inc_quarter_stats *ret);

/* The change from prev to cur in whole per cent, rounded half away from zero (405 vs 538 ->
 * -25); false when prev is 0. */
bool inc_pct_change(uint64_t cur, uint64_t prev, int *ret);

#endif
