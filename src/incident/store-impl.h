/* store-impl.h - the inside of struct inc_store, shared by store.c, intake.c, search.c and
 * stats.c only (not installed, not for other modules) */
#ifndef KEIKAI_INCIDENT_STORE_IMPL_H
#define KEIKAI_INCIDENT_STORE_IMPL_H

#include <openssl/evp.h>
#include <sqlite3.h>
#include <string.h>

#include "linkcache.h"
#include "store.h"

/* The statements intake and the handler operations run per report, prepared once. */
enum inc_stmt {
	ST_DUP,		  /* report by raw hash */
	ST_SEQ_GET,	  /* a sequence's next number */
	ST_SEQ_PUT,	  /* store it */
	ST_LINK_FIND,	  /* open incidents holding an indicator, with their last report */
	ST_LINK_ADD,	  /* indicator -> incident */
	ST_INC_NEW,	  /* insert incident */
	ST_INC_TOUCH,	  /* last_report, updated */
	ST_REPORT_NEW,	  /* insert report */
	ST_ATT_NEW,	  /* insert attachment */
	ST_IND_NEW,	  /* insert indicator */
	ST_AUDIT,	  /* insert audit entry */
	ST_BEGIN,	  /* BEGIN IMMEDIATE */
	ST_COMMIT,	  /* COMMIT */
	ST_ROLLBACK,	  /* ROLLBACK */
	ST_SAVEPOINT,	  /* SAVEPOINT r */
	ST_RELEASE,	  /* RELEASE r */
	ST_ROLLBACK_TO,	  /* ROLLBACK TO r */
	ST_LINKS_DROP,	  /* drop an incident's index entries */
	ST_LINKS_REBUILD, /* an incident's index entries from its reports' indicators */
	ST_QUEUE_HOST,	  /* a host name for the resolver (enrich_queue_sql) */
	ST_COUNT
};

/* A yearly sequence's next number, taken from the table once per transaction and written back
 * at its commit: an UPDATE per report would make SQLite open a statement journal for every
 * report. */
struct inc_seq {
	char kind[4];
	int year;
	int64_t next;
};

struct inc_store {
	sqlite3 *db;
	struct inc_config cfg;
	sqlite3_stmt *st[ST_COUNT];
	struct inc_seq seq[4];
	size_t nseq;
	/* the sequences as they were at the last SAVEPOINT, put back by ROLLBACK TO: a report
	 * rolled back gives its number to the next one, so numbers have no gaps */
	struct inc_seq seq_sp[4];
	size_t nseq_sp;
	bool mail_ready;
	/* intake.c: what the link lookups read (linkcache.h); sqlite3_total_changes64() after
	 * the last intake (a difference: the connection wrote something else since); PRAGMA
	 * data_version when last looked at, and whether it was in this transaction */
	struct link_cache *links;
	int64_t links_changes;
	sqlite3_stmt *data_version;
	int64_t links_dv;
	bool links_dv_seen;
	/* SHA-256 of the raw reports through libcrypto (SHA-NI where the CPU has it), fetched
	 * once on the first report and freed with the store */
	EVP_MD *sha256;
	EVP_MD_CTX *sha_ctx;
	/* search.c: how often each ASCII trigram occurs in a sample of the newest indexed
	 * reports (saturating), made on the first search that needs it and again when
	 * older than a few minutes; NULL until then */
	uint16_t *tri_count;
	enum inc_search_plan plan; /* INC_PLAN_AUTO unless a test forces one */
	uint32_t tri_docs;	   /* reports in the sample */
	int64_t tri_taken_usec;	   /* monotonic time of the sample */
};

/* Register the SQL functions search needs (search.c) on a store's connection. */
int inc_search_register(sqlite3 *db);

/* Copy s into out[0..n) as far as it fits, NUL-terminated (n > 0). */
static inline void inc_copy(char *out, size_t n, const char *s)
{
	size_t l = strlen(s);
	if (l >= n)
		l = n - 1;
	memcpy(out, s, l);
	out[l] = 0;
}

/* Map an SQLite result to INC_E_BUSY (locked, busy, full, I/O) or INC_E_DB. */
int inc_sqlite_err(int rc);

/* Step a statement without rows and reset it: 0 or an INC_E_* code. */
int inc_step_done(sqlite3_stmt *st);

/* The next number of a yearly sequence ("R" or "KK") for the year holding t. */
int inc_seq_next(struct inc_store *s, const char *kind, int64_t t, int *ret_year, int64_t *ret_n);

/* The calendar year, month (1-12) of t in the zone tz (seconds east of UTC). */
void inc_civil(int64_t t, int32_t tz, int *ret_year, int *ret_month);
/* Unix seconds of the midnight that starts year-month-01 in zone tz. */
int64_t inc_month_start(int year, int month, int32_t tz);

/* Rebuild the link index of one incident (none unless it is open). */
int inc_links_rebuild(struct inc_store *s, int64_t incident_id);

#endif
