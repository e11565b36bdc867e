/* canon.h - URL and host canonical forms for matching indicators
 *
 * canon_url() applies the Safe Browsing v4 canonicalisation ("URLs and Hashing"): the result is
 * what two reports of the same URL have in common, not what a browser would fetch. Callers keep
 * the raw text themselves. canon_host() applies the same host rules to a bare host name or
 * address; canon_registrable() gives the registrable domain (eTLD+1) from the Public Suffix List
 * built into libpsl. docs/intake.md, "Canonical forms and indicators", states the decisions.
 *
 * All functions are thread-safe and keep no state but canon_registrable()'s per-thread cache of
 * its last answers (the same host gives the same answer). canon_url() and canon_host() use fixed
 * buffers on the stack and allocate only when a host holds non-ASCII text (libidn2).
 */
#ifndef KEIKAI_INCIDENT_CANON_H
#define KEIKAI_INCIDENT_CANON_H

#include <stdbool.h>
#include <stddef.h>

/* Longest input accepted (after trimming), in bytes; longer input is CANON_E_TOOLONG. */
#define CANON_MAX_INPUT 8192
/* Longest host accepted, in bytes, after unescaping and before IDNA conversion. */
#define CANON_MAX_HOST 1024

/* Stable error codes (negative returns). Their names are part of the API. */
enum canon_error {
	CANON_E_EMPTY = -1,   /* nothing left after trimming */
	CANON_E_TOOLONG = -2, /* input or host longer than the limits above */
	CANON_E_NOHOST = -3,  /* no host (e.g. "http:///path", "...") */
	CANON_E_BADHOST = -4, /* host not usable: bad IPv6 literal, bad brackets, bad name */
	CANON_E_BADPORT = -5, /* a port that is not a decimal number */
	CANON_E_NOSPACE = -6, /* the output buffer is too small */
	CANON_E_NODOMAIN = -7 /* canon_registrable: an address, a bare public suffix, no suffix */
};

/* Where the parts of a canonical URL are in the output buffer (offsets from its start). The
 * query excludes its '?'; has_query tells "/q?" (empty query) from "/q". */
struct canon_url {
	size_t scheme_off, scheme_len;
	size_t host_off, host_len;
	size_t path_off, path_len;
	size_t query_off, query_len;
	bool has_query;
	bool host_is_ip; /* the host is an IPv4 dotted quad or a bracketed IPv6 address */
};

/* Canonicalise raw[0..len) (need not be NUL-terminated) into out (NUL-terminated, at most cap
 * bytes including the NUL). parts may be NULL. Returns the length written, or a negative
 * enum canon_error; on error out holds an empty string if cap > 0. */
int canon_url(const char *raw, size_t len, char *out, size_t cap, struct canon_url *parts);

/* Canonicalise a bare host: dots stripped and collapsed, IPv4 in any legal form to a dotted
 * quad, IPv6 (with or without brackets) to its RFC 5952 text without brackets (IPv4-mapped and
 * NAT64 addresses to IPv4), lower case, non-ASCII names to A-labels. Stricter than the URL
 * rules: bytes <= 0x20, >= 0x7F after IDNA conversion, and "/?#@:[]\\%" make it CANON_E_BADHOST.
 * Returns the length written into out (NUL-terminated) or a negative enum canon_error. */
int canon_host(const char *in, size_t len, char *out, size_t cap);

/* Whether a canonical host (as from canon_host) is an IPv4 or IPv6 address. */
bool canon_host_is_ip(const char *host);

/* The registrable domain (public suffix plus one label) of a canonical host, from libpsl's
 * built-in list, ICANN and private sections. Returns its length, CANON_E_NODOMAIN for an
 * address, a bare public suffix or a name under no listed suffix, CANON_E_NOSPACE. */
int canon_registrable(const char *host, char *out, size_t cap);

/* Whether the last label of a canonical host is a top-level domain the Public Suffix List
 * names explicitly (not only through its default "*" rule). */
bool canon_known_suffix(const char *host);

/* Is host itself a public suffix of the ICANN section of the list ("jp", "co.jp",
 * "kita.tokyo.jp")? Suffixes of the private section ("dynv6.net", "000webhostapp.com") are
 * names their operators answer for, so they are not. */
bool canon_is_icann_suffix(const char *host);

/* Called once per Safe Browsing lookup expression ("host/path[?query]", not NUL-terminated
 * beyond len but NUL-terminated in practice); return non-zero to stop. */
typedef int (*canon_expr_fn)(const char *expr, size_t len, void *ctx);

/* The host-suffix x path-prefix expressions of a canonical URL (url and parts as filled by
 * canon_url): the exact host and up to 4 suffixes of its last 5 labels (never the TLD alone; an
 * address only exactly), times the exact path with query, the exact path, and up to 4 prefixes
 * from "/" adding one directory at a time; duplicates left out. At most CANON_MAX_EXPR calls.
 * Returns the number of calls made, or the callback's non-zero value if it stopped. */
#define CANON_MAX_EXPR 30
int canon_expressions(const char *url, const struct canon_url *parts, canon_expr_fn fn, void *ctx);

/* The message for an enum canon_error in lang "ja" (Japanese) or anything else (English).
 * Never NULL; unknown codes get a generic message. */
const char *canon_strerror(int code, const char *lang);

#endif
