/* extract.h - indicators (URLs, domains, addresses, e-mail addresses, hashes) from report text
 *
 * extract_text() finds indicators in plain text (UTF-8), extract_html() in an HTML document's
 * visible text and its href/src/action attributes. Defanged forms ("hxxp", "[.]", "[at]", ...)
 * are read as what they stand for. Each indicator keeps the text as written (raw), its
 * canonical value (canon.h) and, for hosts, its registrable domain. docs/intake.md, "Canonical
 * forms and indicators", lists what is and is not recognised.
 *
 * Not thread-safe on one set; separate sets may be filled concurrently.
 */
#ifndef KEIKAI_INCIDENT_EXTRACT_H
#define KEIKAI_INCIDENT_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

enum ind_type { IND_URL, IND_DOMAIN, IND_IPV4, IND_IPV6, IND_EMAIL, IND_MD5, IND_SHA1, IND_SHA256 };

struct indicator {
	enum ind_type type;
	char *raw;	   /* as written in the text (for HTML: after entity decoding) */
	char *value;	   /* canonical form: the match key */
	char *registrable; /* eTLD+1 of a URL's, domain's or address's host; NULL otherwise */
};

/* Indicators each report may carry when the caller does not choose. */
#define EXTRACT_DEFAULT_MAX 1000

/* A set of indicators, unique on (type, value), holding at most max; further ones are dropped
 * and overflow is set. Initialise with indicator_set_init(); the set owns every string. */
struct indicator_set {
	struct indicator *items;
	size_t count, cap, max;
	bool overflow;
};

/* An empty set holding at most max indicators (0: EXTRACT_DEFAULT_MAX). */
void indicator_set_init(struct indicator_set *set, size_t max);

/* Frees the indicators and their strings; the set is empty (and reusable) afterwards.
 * NULL-safe. */
void indicator_set_free(struct indicator_set *set);

/* Adds one indicator (copies raw[0..raw_len), value and registrable, which may be NULL).
 * Returns 1 when added, 0 when (type, value) was already there, -ENOSPC when the set is full
 * (overflow set), -ENOMEM. */
int indicator_set_add(struct indicator_set *set, enum ind_type type, const char *raw,
		      size_t raw_len, const char *value, const char *registrable);

/* Adds the indicators found in text[0..len) (UTF-8; invalid bytes are delimiters). Returns the
 * number added (a full set is not an error: see overflow), or -ENOMEM. */
int extract_text(struct indicator_set *set, const char *text, size_t len);

/* Adds the indicators found in an HTML document: its text outside tags, comments, <script> and
 * <style>, and the values of href, src and action attributes, with character references
 * decoded. Returns as extract_text(). */
int extract_html(struct indicator_set *set, const char *html, size_t len);

/* "url", "domain", "ipv4", "ipv6", "email", "md5", "sha1", "sha256"; "unknown" otherwise. */
const char *ind_type_name(enum ind_type type);

#endif
