/* mail.h - an Internet message (RFC 5322, MIME RFC 2045-2049) read into UTF-8 text and parts
 *
 * A report that arrives by e-mail is parsed from memory with GMime: the headers a handler needs
 * (RFC 2047 encoded words and raw 8-bit Japanese headers decoded), the readable text of the body
 * converted to UTF-8 from its charset, HTML kept apart for indicator extraction, every leaf part
 * listed with its decoded size and file name (RFC 2231 or encoded-word), and forwarded messages
 * (message/rfc822) walked with their headers written into the text under a separator line.
 * Every string this module returns is valid UTF-8: bytes that do not decode become U+FFFD.
 * docs/intake.md "E-mail" describes the charsets, limits and error codes.
 */
#ifndef KEIKAI_INCIDENT_MAIL_H
#define KEIKAI_INCIDENT_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/i18n.h"

/* Stable error codes of mail_parse(); never renumbered (they appear in logs and API errors). */
enum mail_error {
	MAIL_E_EMPTY = -1,   /* no bytes, or only white space */
	MAIL_E_TOOBIG = -2,  /* larger than mail_limits.max_size */
	MAIL_E_NOTMAIL = -3, /* does not start with a header field: not a message at all */
	MAIL_E_NOMEM = -4,   /* out of memory */
	MAIL_E_PARSE = -5,   /* GMime could not build a message from it */
	MAIL_E_INVAL = -6,   /* a NULL argument or a limit of 0 */
};

/* Bounds on what one message may cost. Exceeding max_size refuses the message (MAIL_E_TOOBIG);
 * exceeding any other bound keeps what fits and sets mail_msg.truncated. */
struct mail_limits {
	size_t max_size;  /* bytes of raw message */
	size_t max_parts; /* entries in mail_msg.parts */
	int max_depth;	  /* message/rfc822 nesting walked (0: the top message only) */
	size_t
	    max_header_bytes; /* bytes of the top-level header block, and of each decoded value */
	size_t
	    max_text_bytes; /* bytes of mail_msg.text, of mail_msg.html and of each part's text */
};

/* 25 MiB, 256 parts, depth 8, 64 KiB of header, 4 MiB of text. */
extern const struct mail_limits mail_limits_default;

struct mail_part {
	char *type;	/* "text/plain", lower case */
	char *filename; /* UTF-8, or NULL */
	char *
	    text; /* UTF-8 text of text/plain, text/html and text/csv parts (HTML as is), or NULL */
	size_t text_len; /* bytes of text, without the terminating NUL */
	size_t size;	 /* decoded bytes of the part's content */
	int depth;	 /* 0 in the top message, n inside n levels of message/rfc822 */
	bool attachment; /* Content-Disposition: attachment, a file name, or not a text part */
	bool html;	 /* text/html */
};

struct mail_msg {
	char *from;	  /* the From display name, else the address; "" when missing */
	char *from_addr;  /* the first From mailbox's address; "" when missing */
	char *to;	  /* the To list as text; "" when missing */
	char *subject;	  /* "" when missing */
	char *message_id; /* without the angle brackets; "" when missing */
	char *date_hdr;	  /* the Date header as written; "" when missing */
	int64_t date;	  /* the Date header as Unix seconds, or 0 when missing or unreadable */
	char *text; /* the readable body: text/plain parts (preferred in multipart/alternative) in
		       order, then text attachments and forwarded messages under separator lines;
		       when the message has no text/plain at all, its HTML with the tags removed */
	size_t text_len;
	char *html; /* text/html parts as is, one after another, for indicator extraction */
	size_t html_len;
	struct mail_part *parts; /* every leaf part and every message/rfc822 part, in order */
	size_t nparts;
	bool truncated; /* some limit other than max_size cut something off */
};

/* Initialise GMime once. Thread-safe; cheap to call again. Returns 0, or MAIL_E_NOMEM. */
int mail_init(void);

/* Parse the message raw[0..len) (need not be NUL-terminated) into *out, which the caller frees
 * with mail_msg_free() on success; on failure *out is left zeroed and nothing needs freeing.
 * lim may be NULL for mail_limits_default. Returns 0 or a negative enum mail_error; err (may be
 * NULL) then receives an English one-line reason. Thread-safe: distinct calls share nothing
 * but GMime's locked charset-converter cache. */
int mail_parse(const char *raw, size_t len, const struct mail_limits *lim, struct mail_msg *out,
	       char *err, size_t errlen);

/* Which parser mail_parse_path() runs. MAIL_PATH_AUTO (what mail_parse() does): the scanner of
 * this module for the shapes reports have, GMime for anything it does not handle with certainty.
 * MAIL_PATH_GMIME: GMime only (the reference). MAIL_PATH_FAST: the scanner only; it returns
 * MAIL_DECLINED, with *out zeroed, for a message it leaves to GMime. Both give the same struct
 * mail_msg for every message the scanner accepts (tests/unit/test-mail-diff.c). */
enum mail_path {
	MAIL_PATH_AUTO = 0,
	MAIL_PATH_GMIME = 1,
	MAIL_PATH_FAST = 2,
};

/* Returned by mail_parse_path(MAIL_PATH_FAST, ...) only: not an error, the scanner declined. */
#define MAIL_DECLINED 1

/* mail_parse() with the choice of parser; the same arguments, checks and error codes. */
int mail_parse_path(enum mail_path path, const char *raw, size_t len, const struct mail_limits *lim,
		    struct mail_msg *out, char *err, size_t errlen);

/* Are a and b the same field by field (headers, date, text, html, every part, truncated)? When
 * not, why (may be NULL) receives the first difference. For the differential tests. */
bool mail_msg_same(const struct mail_msg *a, const struct mail_msg *b, char *why, size_t whylen);

/* Free everything *m owns and zero it. NULL-safe. */
void mail_msg_free(struct mail_msg *m);

/* The user-facing message for a mail_parse() code in English or Japanese; "" for 0; a generic
 * message for an unknown code. Static storage. */
const char *mail_strerror(int code, enum i18n_lang lang);

/* The machine-readable name of a code ("empty", "too_big", "not_mail", "no_memory", "parse",
 * "invalid"), or "unknown". Static storage. */
const char *mail_error_name(int code);

#endif
