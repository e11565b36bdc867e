/* maildir.h - keikaid's Maildir intake: mails delivered into a Maildir become reports
 *
 * The watcher follows new/ with inotify (IN_MOVED_TO, IN_CLOSE_WRITE) and rescans it in full at
 * start and every rescan_s seconds, so a mail inotify missed (queue overflow, a restart) is
 * still taken. Each file is read and submitted through the single writer; only after its commit
 * is it renamed to cur/NAME:2,S. A temporary failure (INC_E_BUSY) leaves it in new/ for a later
 * pass; a permanent reject moves it to the Maildir++ folder .rejected/ (cur/) with a reason file
 * .rejected/NAME.reason. A crash between commit and rename is harmless: the file is submitted
 * again and recognised as a duplicate by its raw SHA-256, so nothing is counted twice.
 * docs/intake.md ("Maildir") is the operator's description.
 */
#ifndef KEIKAI_INCIDENT_MAILDIR_H
#define KEIKAI_INCIDENT_MAILDIR_H

#include <stddef.h>
#include <stdint.h>

struct inc_writer;

struct maildir_config {
	const char *path;  /* the Maildir: new/, cur/ and tmp/ are made when missing */
	unsigned rescan_s; /* full rescan of new/ every so many seconds; 0 = 60 */
	unsigned workers;  /* files submitted at the same time (they share group commits); 0 = 4 */
	size_t max_bytes;  /* bigger files are rejected unread; 0 = 25 MiB */
};

struct maildir_stats {
	uint64_t stored;     /* new reports */
	uint64_t duplicates; /* already stored (a resent mail, or a restart after the commit) */
	uint64_t rejected;   /* moved to .rejected/ */
	uint64_t deferred;   /* left in new/ after a temporary failure */
	uint64_t scans;	     /* full rescans done */
};

struct maildir_watch;

/* Start watching cfg->path (the string is copied) and submitting through w, which must stay
 * open until maildir_watch_stop returns. Returns NULL with a message in err (the directory
 * cannot be made or watched, or out of memory). */
struct maildir_watch *maildir_watch_start(const struct maildir_config *cfg, struct inc_writer *w,
					  char *err, size_t errlen);

/* Finish the submissions in flight and stop; files not yet taken stay in new/. NULL-safe. */
void maildir_watch_stop(struct maildir_watch *m);

/* A snapshot of the counters; thread-safe. */
void maildir_watch_stats(struct maildir_watch *m, struct maildir_stats *ret);

/* The Maildir++ folder rejected files go to, inside the Maildir. */
#define MAILDIR_REJECTED ".rejected"

#endif
