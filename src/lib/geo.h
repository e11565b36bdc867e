/* geo.h - offline IP address to country and autonomous system, with libloc
 *
 * The database is libloc's (Debian package libloc-database, updated with the package). Nothing
 * is fetched from the network. Country names in English and Japanese come from the project's
 * own table, so they do not depend on the database.
 */
#ifndef KEIKAI_GEO_H
#define KEIKAI_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"

/* Where Debian's libloc-database installs the database. */
#define GEO_DEFAULT_DB "/usr/share/libloc-location/location.db"

struct geo; /* opaque */

struct geo_info {
	char country[3];   /* ISO 3166 alpha-2 ("JP"); "" when the network has none */
	uint32_t asn;	   /* 0 when the network has none */
	char as_name[128]; /* "" when the database has no name for asn; cut at 127 bytes */
	char prefix[64];   /* the matching network, "8.8.8.0/24" or "2001:200::/32" */
	bool anycast;	   /* flags the database sets on the network */
	bool anonymous_proxy;
	bool satellite;
};

/* Open the database at path (NULL: GEO_DEFAULT_DB). On failure returns NULL and, when errlen
 * > 0, writes a one-line message into err in the language i18n_init chose ("cannot open '...':
 * reason"). The caller
 * frees the handle with geo_close. libloc's own logging is silenced.
 *
 * Thread safety: libloc counts its object references with plain integers, so two threads
 * looking up at once would race on them. geo_lookup therefore takes a mutex held by the
 * handle: one handle may be shared by any number of threads, lookups run one at a time. */
struct geo *geo_open(const char *path, char *err, size_t errlen);

/* Release the handle and the database. NULL-safe. No lookup may be running. */
void geo_close(struct geo *g);

/* Look address a up. Returns 0 and fills *ret when a network of the database contains it, 1
 * when none does (private, reserved and unannounced addresses; the IPv6 documentation prefix
 * 2001:db8::/32 always), -EINVAL for an address that is
 * neither IPv4 nor IPv6, -EIO when libloc fails. *ret is untouched unless 0 is returned. */
int geo_lookup(struct geo *g, const struct ip_addr *a, struct geo_info *ret);

/* The same without the AS name and the prefix (as_name and prefix are ""): about half the
 * work, for tagging many addresses. */
int geo_lookup_brief(struct geo *g, const struct ip_addr *a, struct geo_info *ret);

/* Name of country cc (two letters, either case) in lang ("en" or "ja"; anything else is
 * English). Returns a static string, or NULL for a code the table does not know. Every code
 * in the table has both names. Thread-safe. */
const char *geo_country_name(const char *cc, const char *lang);

/* Number of entries in the country table, and entry i's code (NULL past the end): for listing
 * the countries a menu offers. Thread-safe. */
size_t geo_country_count(void);
const char *geo_country_code(size_t i);

#endif
