/* contact.h - the contact registry: organisations that can act on an incident, and who is
 * responsible for an address, a network, an AS or a domain
 *
 * An organisation has a name (unique), a type, a country, the language it is written to in,
 * abuse addresses, an ASCII-armoured PGP public key, a note, and the networks (IPv4/IPv6
 * CIDR), AS numbers and domains it answers for. The tables belong to the schema domain
 * "contact" (contact_migrate), together with the resolver's queue and cache (enrich.h).
 * Every change writes one row of contact_audit with the changed fields as JSON
 * ({"field": [old, new]}). docs/contacts.md describes the registry, the import format and the
 * rules by which candidates are chosen.
 *
 * Functions take a connection the caller owns; none is thread-safe on one connection.
 */
#ifndef KEIKAI_INCIDENT_CONTACT_H
#define KEIKAI_INCIDENT_CONTACT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __has_include("extract.h")
#include "extract.h"
#else
/* extract.h's indicator, as docs/incident-design.md fixes it, until the extractor is built */
enum ind_type { IND_URL, IND_DOMAIN, IND_IPV4, IND_IPV6, IND_EMAIL, IND_MD5, IND_SHA1, IND_SHA256 };
struct indicator {
	enum ind_type type;
	char *raw;
	char *value;
	char *registrable;
};
#endif

struct enrich_addr;
struct jsonw;

/* Stable error codes (negative returns); contact_error_code() gives their names. */
enum contact_error {
	CONTACT_E_JSON = -1,	  /* "bad_json": not a JSON object */
	CONTACT_E_FIELD = -2,	  /* "unknown_field": a key the format does not have */
	CONTACT_E_NAME = -3,	  /* "bad_name": missing, empty, too long, control characters */
	CONTACT_E_TYPE = -4,	  /* "bad_type" */
	CONTACT_E_COUNTRY = -5,	  /* "bad_country": not an ISO 3166 code the project knows */
	CONTACT_E_LANG = -6,	  /* "bad_lang": not "ja" or "en" */
	CONTACT_E_ABUSE = -7,	  /* "bad_abuse": not an e-mail address, or too many */
	CONTACT_E_PGP = -8,	  /* "bad_pgp_key": not an armoured public key block */
	CONTACT_E_NOTE = -9,	  /* "bad_note": too long or control characters */
	CONTACT_E_NETWORK = -10,  /* "bad_network": not a CIDR network, host bits set, too many */
	CONTACT_E_ASN = -11,	  /* "bad_asn": not 1..4294967294 */
	CONTACT_E_DOMAIN = -12,	  /* "bad_domain": not a host name, an address, a public suffix */
	CONTACT_E_EXISTS = -13,	  /* "exists": another organisation has the name */
	CONTACT_E_NOTFOUND = -14, /* "not_found" */
	CONTACT_E_DB = -15,	  /* "internal": the database failed */
	CONTACT_E_NOMEM = -16	  /* "internal": out of memory */
};

#define CONTACT_MAX_NAME     127  /* bytes */
#define CONTACT_MAX_NOTE     4096 /* bytes */
#define CONTACT_MAX_PGP	     65536
#define CONTACT_MAX_ABUSE    16 /* addresses per organisation */
#define CONTACT_MAX_NETWORKS 4096
#define CONTACT_MAX_ASNS     1024
#define CONTACT_MAX_DOMAINS  1024
#define CONTACT_MAX_LINE     (CONTACT_MAX_PGP + 256 * 1024) /* one import line */

/* Which fields a parsed object carried (a PATCH changes only those). */
enum contact_field {
	CF_NAME = 1u << 0,
	CF_TYPE = 1u << 1,
	CF_COUNTRY = 1u << 2,
	CF_LANG = 1u << 3,
	CF_ABUSE = 1u << 4,
	CF_PGP = 1u << 5,
	CF_NOTE = 1u << 6,
	CF_NETWORKS = 1u << 7,
	CF_ASNS = 1u << 8,
	CF_DOMAINS = 1u << 9
};

/* An organisation. Strings are owned (contact_org_free); lists are in canonical form:
 * networks as "203.0.113.0/24", domains as lower-case ASCII (A-labels), addresses with a
 * lower-case domain part, each list sorted and without duplicates. */
struct contact_org {
	int64_t id; /* 0 before it is stored */
	char *name, *type, *country, *lang, *pgp_key, *note;
	char **abuse;
	size_t n_abuse;
	char **networks;
	size_t n_networks;
	uint32_t *asns;
	size_t n_asns;
	char **domains;
	size_t n_domains;
	int64_t created, updated;
	unsigned have; /* enum contact_field bits */
};

/* Who makes a change, for the audit trail: a user, or a program ("import"). */
struct contact_actor {
	int64_t user_id;
	const char *user_name;
};

/* Create or bring up to date the domain's tables. Returns 0, or -1 with a message. */
int contact_migrate(sqlite3 *db, char *err, size_t errlen);

void contact_org_free(struct contact_org *o);

/* Parse and validate one organisation from JSON text (an import line, an API body).
 * partial: fields may be missing (a PATCH); otherwise name and type are required and the
 * rest get their defaults. On error returns a negative enum contact_error, with the
 * offending field's name in field (when not NULL) and *o freed. */
int contact_parse(const char *text, size_t len, bool partial, struct contact_org *o, char *field,
		  size_t fieldlen);

/* Store a new organisation (validated by contact_parse); sets o->id. Not in a transaction of
 * its own: the caller's, or autocommit. CONTACT_E_EXISTS when the name is taken. */
int contact_create(sqlite3 *db, struct contact_org *o, int64_t now,
		   const struct contact_actor *who);

/* Apply the fields patch->have names to organisation id. When changes is not NULL, *changes
 * receives the malloc'd JSON of what changed ({"field": [old, new]}, "{}" when nothing did). */
int contact_update(sqlite3 *db, int64_t id, const struct contact_org *patch, int64_t now,
		   const struct contact_actor *who, char **changes);

int contact_delete(sqlite3 *db, int64_t id, int64_t now, const struct contact_actor *who);

/* Read organisation id into *o (freed first by the caller). */
int contact_get(sqlite3 *db, int64_t id, struct contact_org *o);

/* The id of the organisation named name, 0 when none, or a negative code. */
int64_t contact_find_name(sqlite3 *db, const char *name);

/* Organisations matching q, at most max ids into ids (ordered by name): q empty lists all;
 * an address finds the networks containing it; "AS64500" or "64500" the AS; a host its
 * domains by suffix; any text also names containing it. */
int contact_search(sqlite3 *db, const char *q, int64_t *ids, size_t max, size_t *n);

/* Write *o as a JSON object (the import format plus id, created, updated). */
void contact_write_json(struct jsonw *w, const struct contact_org *o, bool with_id);

/* Import JSON lines: each line an organisation; a name already stored is replaced. All or
 * nothing, in one transaction. On a bad line returns its error code with the line number in
 * *line and the field in field. *created and *updated count what was done. */
int contact_import(sqlite3 *db, const char *text, size_t len, int64_t now,
		   const struct contact_actor *who, size_t *created, size_t *updated, size_t *line,
		   char *field, size_t fieldlen);

/* Every organisation as JSON lines (the import format), ordered by name; malloc'd text. */
int contact_export(sqlite3 *db, char **text, size_t *len);

/* "bad_json", ..., "internal" for the codes above; "internal" for others. */
const char *contact_error_code(int code);
/* Message for code in lang ("ja" or English). Never NULL. */
const char *contact_strerror(int code, const char *lang);

/* ---- candidate responsible parties ----------------------------------------------------- */

struct contact_candidate {
	int64_t org_id;
	char name[128];
	char type[16];
	char abuse[256]; /* the first abuse address, "" when none */
	char lang[8];
	char why[160]; /* English: "network 203.0.113.0/24", "AS64500", "domain example.co.jp",
			  "national CSIRT (KR)" */
	int score;
	char reason[16]; /* stable: "network", "asn", "domain", "national_csirt" */
	char detail[64]; /* what matched: "203.0.113.0/24", "64500", "example.co.jp", "KR" */
};

/* The reason in lang ("ja" or English) with its detail, e.g. "ネットワーク 203.0.113.0/24". */
void contact_reason_text(const struct contact_candidate *c, const char *lang, char *buf,
			 size_t size);

/* Candidate responsible parties for the indicators and the enrichments of their addresses,
 * best first, one entry per organisation (its best rule). Rules and scores:
 *   network containing an address (2000 + prefix bits; an IPv4 prefix counts as its
 *   IPv6-mapped length, so more specific is better); the address's AS listed (1000); a host or
 *   e-mail domain equal to or under an organisation's domain on a label boundary (500 + its
 *   labels); for an address outside home_cc, a csirt of its country (100).
 * Returns 0 (with *n set) or a negative code. */
int contact_candidates(sqlite3 *db, const struct indicator *ind, size_t n_ind,
		       const struct enrich_addr *addrs, size_t n_addrs, const char *home_cc,
		       struct contact_candidate *out, size_t max, size_t *n);

#endif
