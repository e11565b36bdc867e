/* linkcache.h - what intake's link lookups have read, kept for the next reports (see
 * docs/incident-design.md, "Linking")
 *
 * Linking asks, for each indicator of a report, which open incidents hold it, and for each of
 * those incidents its last report time. In a batch import the same indicators come again and
 * again (campaign URLs, shorteners, a victim's address), and every lookup walked the same link
 * index rows and joined each to its incident. The cache remembers, per (type, value), the open
 * incidents holding it in ascending id order (the order the index gives), and per incident its
 * last report time, and is told of every change intake makes to either.
 *
 * The owner (intake.c, store.c) keeps it true to the database: it is used only inside a write
 * transaction (BEGIN IMMEDIATE: no other connection commits meanwhile); at the first use in a
 * transaction, PRAGMA data_version tells whether another connection committed since the last
 * one, and if so it is cleared; it is cleared when this connection wrote anything intake did
 * not report (sqlite3_total_changes64() moved between two intakes), at a rollback (SQLite's
 * rollback hook) or a rollback to a savepoint, and when an intake fails. Clearing is O(1) (a
 * generation number). Memory is fixed once allocated (about 11 MiB: 32,768 values, 262,144
 * (value, incident) pairs, 16,384 incidents, 4 MiB of value text); when one of them is full
 * the cache is cleared and fills again.
 */
#ifndef KEIKAI_INCIDENT_LINKCACHE_H
#define KEIKAI_INCIDENT_LINKCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct link_cache;

/* A new, empty cache; NULL without memory. */
struct link_cache *link_cache_new(void);
void link_cache_free(struct link_cache *c);

/* Forget everything (O(1)). This and the three calls that report changes accept NULL. */
void link_cache_clear(struct link_cache *c);

/* The incidents cached for (type, value): returns true and sets *it to the start of their
 * list, or false when the value is not cached. link_cache_next() then gives them one by one in
 * ascending id order. */
bool link_cache_find(const struct link_cache *c, int type, const char *value, uint32_t *it);
bool link_cache_next(const struct link_cache *c, uint32_t *it, int64_t *incident);

/* Start caching (type, value) read from the database; then add each open incident holding it
 * with link_cache_fill_add, in ascending id order. Returns a handle, or -1 when the cache is
 * full (it is then cleared and nothing is cached: the caller reads on without it). */
int64_t link_cache_fill(struct link_cache *c, int type, const char *value);
/* Returns 0, or -1 when full (the cache is then cleared and the handle void). */
int link_cache_fill_add(struct link_cache *c, int64_t handle, int64_t incident,
			int64_t last_report);

/* An incident's last report time, if cached: true and *ret. */
bool link_cache_last(const struct link_cache *c, int64_t incident, int64_t *ret);

/* Intake changed the database. An incident was opened with last report t; an existing one was
 * touched (its last report is now max(last report, t)); (type, value) -> incident was added to
 * the link index (INSERT OR IGNORE: no change when it is there). */
void link_cache_opened(struct link_cache *c, int64_t incident, int64_t t);
void link_cache_touch(struct link_cache *c, int64_t incident, int64_t t);
void link_cache_link(struct link_cache *c, int type, const char *value, int64_t incident);

#endif
