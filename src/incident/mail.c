/* mail.c - an Internet message (RFC 5322, MIME RFC 2045-2049, RFC 2047, RFC 2231) to UTF-8
 *
 * GMime builds the MIME tree from memory and decodes headers and transfer encodings; this file
 * walks the tree, converts each text part from its charset to UTF-8 (the Japanese charsets by
 * their Microsoft variants, CP932 and eucJP-ms, because Japanese mail is mostly written on
 * Windows and labelled with the standard names), and lays the result out as one readable text,
 * the HTML, and a list of parts, each under the bounds of struct mail_limits.
 */
#include "mail.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ckd.h"
#include "../lib/banned.h"

const struct mail_limits mail_limits_default = {
    .max_size = 25u << 20,
    .max_parts = 256,
    .max_depth = 8,
    .max_header_bytes = 64u << 10,
    .max_text_bytes = 4u << 20,
};

/* multipart nesting walked at most (GMime itself bounds its parser's recursion) */
#define MAIL_MAX_NEST 64

static const char FFFD[3] = {'\xef', '\xbf', '\xbd'};

/* ---- a growable output buffer with a hard cap ---- */

struct buf {
	char *p;
	size_t len, cap, max;
	bool cut; /* something did not fit under max */
	bool nomem;
};

/* Append n bytes, or as many as fit under b->max cut back to a UTF-8 character boundary. */
static void buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->nomem || n == 0)
		return;
	if (b->cut)
		return;
	if (n > b->max - b->len) {
		n = b->max - b->len;
		/* do not split a character: drop continuation bytes and their lead */
		const unsigned char *u = s;
		size_t k = n;
		while (k > 0 && (u[k] & 0xc0) == 0x80)
			k--;
		n = k;
		b->cut = true;
		if (n == 0)
			return;
	}
	size_t need;
	if (!ckd_size_add(b->len, n + 1, &need)) {
		b->nomem = true;
		return;
	}
	if (need > b->cap || !b->p) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < need)
			if (!ckd_size_mul(nc, 2, &nc)) {
				b->nomem = true;
				return;
			}
		char *np = realloc(b->p, nc);
		if (!np) {
			b->nomem = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0 when it is not valid. NUL counts as invalid: the output is
 * also used as C strings. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* The length of the run of ASCII bytes other than NUL at u[i..n), read eight at a time. */
static size_t ascii_run(const unsigned char *u, size_t i, size_t n)
{
	size_t s = i;
	while (n - i >= 8) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		/* any byte >= 0x80, or any byte 0x00 */
		if ((w | ((w - 0x0101010101010101u) & ~w)) & 0x8080808080808080u)
			break;
		i += 8;
	}
	while (i < n && u[i] >= 0x01 && u[i] < 0x80)
		i++;
	return i - s;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		i += ascii_run(u, i, n);
		if (i == n)
			break;
		if (u[i] >= 0x01 && u[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_seq(u + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* Append s[0..n) as UTF-8, each byte that starts no valid sequence replaced by U+FFFD. */
static void buf_put_utf8(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n && !b->cut && !b->nomem) {
		i += ascii_run(u, i, n);
		if (i == n)
			break;
		size_t k = u[i] >= 0x01 && u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		buf_put(b, s + run, i - run);
		buf_put(b, FFFD, sizeof(FFFD));
		i++;
		run = i;
	}
	if (run < i)
		buf_put(b, s + run, i - run);
}

/* A NUL-terminated UTF-8 copy of s, at most max bytes; *cut set when shortened. */
static char *dup_utf8(const char *s, size_t max, bool *cut)
{
	struct buf b = {.max = max};
	if (s)
		buf_put_utf8(&b, s, strlen(s));
	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	if (b.cut)
		*cut = true;
	if (!b.p)
		return calloc(1, 1);
	return b.p;
}

/* ---- charsets ---- */

static bool name_is(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (g_ascii_strcasecmp(cs, *names) == 0)
			return true;
	return false;
}

static const char *const sjis_names[] = {"shift_jis", "shift-jis",  "sjis",	   "x-sjis",
					 "ms_kanji",  "csshiftjis", "windows-31j", "cp932",
					 "ms932",     "x-ms-cp932", NULL};
static const char *const eucjp_names[] = {
    "euc-jp", "eucjp", "x-euc-jp", "x-euc", "cseucpkdfmtjapanese", "euc-jp-ms", "eucjp-ms", NULL};
static const char *const jis_names[] = {"iso-2022-jp",	  "csiso2022jp", "iso-2022-jp-1",
					"iso-2022-jp-ms", "cp50220",	 "cp50221",
					"cp50222",	  NULL};
static const char *const utf8_names[] = {"utf-8",	   "utf8", "us-ascii", "ascii",
					 "ansi_x3.4-1968", "7bit", "8bit",     NULL};

/* Converters to UTF-8, kept open per thread: opening one costs far more than a small message's
 * parse (glibc loads and unloads the charset module each time the last one closes). A thread's
 * converters are closed when it ends; the slots are few, a full cache replaces the oldest. */
#define CD_SLOTS 8
struct cd_cache {
	struct {
		char name[40];
		iconv_t cd;
	} slot[CD_SLOTS];
	unsigned next;
};

static pthread_key_t cd_key;

static void cd_cache_free(void *p)
{
	struct cd_cache *c = p;
	for (size_t i = 0; i < CD_SLOTS; i++)
		if (c->slot[i].name[0])
			g_mime_iconv_close(c->slot[i].cd);
	free(c);
}

/* An iconv converter from charset from to UTF-8 in its initial state, owned by the thread's
 * cache (do not close), or (iconv_t)-1 when iconv does not know from. */
static iconv_t cd_get(const char *from)
{
	struct cd_cache *c = pthread_getspecific(cd_key);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || pthread_setspecific(cd_key, c) != 0) {
			free(c);
			return (iconv_t)-1;
		}
	}
	size_t n = strlen(from);
	if (n >= sizeof(c->slot[0].name))
		return (iconv_t)-1;
	for (size_t i = 0; i < CD_SLOTS; i++)
		if (c->slot[i].name[0] && g_ascii_strcasecmp(c->slot[i].name, from) == 0) {
			(void)iconv(c->slot[i].cd, NULL, NULL, NULL, NULL);
			return c->slot[i].cd;
		}
	iconv_t cd = g_mime_iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return cd;
	unsigned k = c->next++ % CD_SLOTS;
	if (c->slot[k].name[0])
		g_mime_iconv_close(c->slot[k].cd);
	memcpy(c->slot[k].name, from, n + 1);
	c->slot[k].cd = cd;
	return cd;
}

/* Convert in[0..n) from the iconv charset from to UTF-8, appending to b. Bytes that do not
 * convert become U+FFFD. Returns the number of such bytes, or -1 when from is unknown to iconv.
 * With strict, stops at the first bad byte and returns 1 (for charset guessing). */
static long iconv_into(const char *from, const char *in, size_t n, struct buf *b, bool strict)
{
	iconv_t cd = cd_get(from);
	if (cd == (iconv_t)-1)
		return -1;
	char chunk[4096];
	char *ip = (char *)(uintptr_t)in; /* iconv's prototype lacks const */
	size_t il = n;
	long bad = 0;
	(void)iconv(cd, NULL, NULL, NULL, NULL); /* the initial shift state */
	while (il > 0 && !b->cut && !b->nomem) {
		char *op = chunk;
		size_t ol = sizeof(chunk);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		int e = r == (size_t)-1 ? errno : 0;
		buf_put_utf8(b, chunk, (size_t)(op - chunk));
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		bad++;
		if (strict)
			break;
		buf_put(b, FFFD, sizeof(FFFD));
		if (e == EINVAL) /* an incomplete sequence at the end */
			break;
		ip++;
		il--;
	}
	if (!strict || bad == 0) {
		char *op = chunk;
		size_t ol = sizeof(chunk);
		if (iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1)
			buf_put_utf8(b, chunk, (size_t)(op - chunk));
	}
	return bad;
}

/* ISO-2022-JP (RFC 1468) rewritten as Shift_JIS, so that CP932 decodes it with the extensions
 * Windows mailers put in it (CP50220/CP50221: NEC row 13 such as ① and ㈱, NEC-selected IBM
 * rows 89-92 such as 髙), which glibc's ISO-2022-JP rejects. JIS X 0201 kana (ESC ( I, SO/SI)
 * become their single bytes; JIS X 0212 (ESC $ ( D), which CP932 lacks, and stray 8-bit bytes
 * become 0xff, which CP932 decodes as U+FFFD. Returns the Shift_JIS length (out holds n bytes
 * at least), or -1 on an escape sequence outside these sets (the caller then leaves the text
 * to iconv's ISO-2022-JP-2). */
static long jis_to_sjis(const unsigned char *in, size_t n, unsigned char *out)
{
	enum { ASCII, KANA, X0208, X0212 } set = ASCII;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = in[i];
		if (c == 0x1b) {
			if (i + 2 < n && in[i + 1] == '(' && (in[i + 2] == 'B' || in[i + 2] == 'J'))
				set = ASCII;
			else if (i + 2 < n && in[i + 1] == '(' && in[i + 2] == 'I')
				set = KANA;
			else if (i + 2 < n && in[i + 1] == '$' &&
				 (in[i + 2] == 'B' || in[i + 2] == '@'))
				set = X0208;
			else if (i + 3 < n && in[i + 1] == '$' && in[i + 2] == '(' &&
				 (in[i + 3] == 'D' || in[i + 3] == 'Q' || in[i + 3] == 'O')) {
				set = in[i + 3] == 'D' ? X0212 : X0208;
				i++;
			} else
				return -1;
			i += 3;
			continue;
		}
		if (c == 0x0e || c == 0x0f) { /* SO/SI kana shifts of some old mailers */
			set = c == 0x0e ? KANA : ASCII;
			i++;
			continue;
		}
		if (c < 0x21 || c >= 0x7f || set == ASCII) {
			/* controls pass in any set (mailers that forget ESC ( B before a line end)
			 */
			out[o++] = c >= 0x80 ? 0xff : c;
			i++;
			continue;
		}
		if (set == KANA) {
			out[o++] = c < 0x60 ? (unsigned char)(c | 0x80) : 0xff;
			i++;
			continue;
		}
		if (i + 1 >= n || in[i + 1] < 0x21 || in[i + 1] >= 0x7f || set == X0212) {
			out[o++] = 0xff;
			i += i + 1 < n && in[i + 1] >= 0x21 && in[i + 1] < 0x7f ? 2 : 1;
			continue;
		}
		unsigned char c2 = in[i + 1];
		out[o++] = (unsigned char)(((c + 1) >> 1) + (c <= 0x5e ? 0x70 : 0xb0));
		out[o++] = (unsigned char)((c & 1) ? c2 + (c2 >= 0x60 ? 0x20 : 0x1f) : c2 + 0x7e);
		i += 2;
	}
	return (long)o;
}

/* Append in[0..n) labelled with charset cs (NULL: unlabelled) to b as UTF-8. */
static void convert_into(const char *cs, const char *in, size_t n, struct buf *b);

static void convert_jis(const char *in, size_t n, struct buf *b)
{
	if (n == 0)
		return;
	unsigned char *sj = malloc(n);
	if (!sj) {
		b->nomem = true;
		return;
	}
	long m = jis_to_sjis((const unsigned char *)in, n, sj);
	if (m >= 0)
		(void)iconv_into("CP932", (const char *)sj, (size_t)m, b, false);
	else if (iconv_into("ISO-2022-JP-2", in, n, b, false) < 0)
		buf_put_utf8(b, in, n);
	free(sj);
}

/* Unlabelled or mislabelled 8-bit text: UTF-8 if it is valid, ISO-2022-JP if it has its escape,
 * then whichever of eucJP-ms and CP932 decodes it without error (EUC first: EUC-JP text often
 * also decodes as Shift_JIS, rarely the other way round), else UTF-8 with U+FFFD. */
static void convert_guess(const char *in, size_t n, struct buf *b)
{
	if (utf8_valid(in, n)) {
		buf_put_utf8(b, in, n);
		return;
	}
	if (memmem(in, n, "\x1b$B", 3) || memmem(in, n, "\x1b$@", 3)) {
		convert_jis(in, n, b);
		return;
	}
	static const char *const tries[] = {"EUC-JP-MS", "CP932"};
	for (size_t t = 0; t < 2; t++) {
		struct buf probe = {.max = b->max - b->len};
		long bad = iconv_into(tries[t], in, n, &probe, true);
		if (bad == 0 && !probe.nomem) {
			buf_put(b, probe.p, probe.len);
			b->cut |= probe.cut;
			free(probe.p);
			return;
		}
		free(probe.p);
	}
	buf_put_utf8(b, in, n);
}

static void convert_into(const char *cs, const char *in, size_t n, struct buf *b)
{
	if (!cs || !*cs || name_is(cs, utf8_names)) {
		convert_guess(in, n, b);
		return;
	}
	if (name_is(cs, jis_names)) {
		convert_jis(in, n, b);
		return;
	}
	const char *from = cs;
	if (name_is(cs, sjis_names))
		from = "CP932";
	else if (name_is(cs, eucjp_names))
		from = "EUC-JP-MS";
	if (iconv_into(from, in, n, b, false) < 0)
		convert_guess(in, n, b); /* a charset iconv does not know */
}

/* ---- headers: RFC 2047 encoded words, raw 8-bit text ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode an encoded word's payload (B or Q) and append the bytes to raw. */
static void word_decode(char enc, const char *s, size_t n, struct buf *raw)
{
	if (enc == 'B' || enc == 'b') {
		unsigned acc = 0;
		int bits = 0;
		for (size_t i = 0; i < n; i++) {
			int v = b64_value((unsigned char)s[i]);
			if (v < 0)
				continue; /* padding and stray bytes */
			acc = (acc << 6) | (unsigned)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				char c = (char)((acc >> bits) & 0xff);
				buf_put(raw, &c, 1);
			}
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < n && g_ascii_isxdigit(s[i + 1]) &&
			   g_ascii_isxdigit(s[i + 2])) {
			c = (char)(g_ascii_xdigit_value(s[i + 1]) * 16 +
				   g_ascii_xdigit_value(s[i + 2]));
			i += 2;
		}
		buf_put(raw, &c, 1);
	}
}

/* Parse an encoded word "=?charset?E?payload?=" at s[0..n); on success fill the views and
 * return its length, else 0. The charset may carry an RFC 2231 language ("*ja"). */
static size_t word_parse(const char *s, size_t n, const char **cs, size_t *csn, char *enc,
			 const char **pl, size_t *pln)
{
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	size_t i = 2;
	while (i < n && i < 2 + 40 && (g_ascii_isalnum(s[i]) || strchr("-_:.*", s[i])))
		i++;
	if (i == 2 || i + 2 >= n || s[i] != '?' || !strchr("BbQq", s[i + 1]) || s[i + 2] != '?')
		return 0;
	*cs = s + 2;
	*csn = i - 2;
	const char *star = memchr(*cs, '*', *csn);
	if (star)
		*csn = (size_t)(star - *cs);
	*enc = s[i + 1];
	size_t j = i + 3;
	while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '=') && s[j] != ' ' && s[j] != '\t')
		j++;
	if (j + 1 >= n || s[j] != '?' || s[j + 1] != '=')
		return 0;
	*pl = s + i + 3;
	*pln = j - (i + 3);
	return j + 2;
}

static bool is_space_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Text between encoded words: unfolded (line breaks dropped), then as an unlabelled body. */
static void header_literal(const char *s, size_t n, struct buf *out)
{
	if (n == 0)
		return;
	if (!memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		convert_guess(s, n, out);
		return;
	}
	char *t = malloc(n);
	if (!t) {
		out->nomem = true;
		return;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			t[m++] = s[i];
	convert_guess(t, m, out);
	free(t);
}

struct hdec {
	struct buf *out;
	struct buf raw; /* bytes of consecutive encoded words of one charset */
	char cs[48];
};

static void hdec_flush(struct hdec *h)
{
	if (h->raw.len)
		convert_into(h->cs, h->raw.p, h->raw.len, h->out);
	h->raw.len = 0;
	h->out->nomem |= h->raw.nomem;
}

/* Decode a header value s[0..n) (folded or not) to UTF-8 in out: encoded words in any position
 * (mailers put them inside quoted strings too), the white space between two of them dropped,
 * adjacent words of one charset joined before conversion (a character may span two words),
 * other 8-bit text guessed like an unlabelled body. Leading and trailing white space goes. */
static void header_decode(const char *s, size_t n, struct buf *out)
{
	struct hdec h = {.out = out, .raw = {.max = n + 1}};
	while (n > 0 && is_space_byte(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_space_byte(s[n - 1]))
		n--;
	size_t lit = 0, i = 0;
	bool after_word = false;
	while (i < n && !out->cut && !out->nomem) {
		const char *cs, *pl;
		size_t csn, pln;
		char enc;
		size_t k = s[i] == '=' ? word_parse(s + i, n - i, &cs, &csn, &enc, &pl, &pln) : 0;
		if (k == 0) {
			i++;
			continue;
		}
		bool gap_blank = true;
		for (size_t j = lit; j < i; j++)
			gap_blank &= is_space_byte(s[j]);
		if (!(after_word && gap_blank)) {
			hdec_flush(&h);
			header_literal(s + lit, i - lit, out);
		}
		if (csn >= sizeof(h.cs))
			csn = sizeof(h.cs) - 1;
		if (h.raw.len && (strlen(h.cs) != csn || g_ascii_strncasecmp(h.cs, cs, csn) != 0))
			hdec_flush(&h);
		memcpy(h.cs, cs, csn);
		h.cs[csn] = '\0';
		word_decode(enc, pl, pln, &h.raw);
		i += k;
		lit = i;
		after_word = true;
	}
	hdec_flush(&h);
	header_literal(s + lit, n - lit, out);
	free(h.raw.p);
}

/* The decoded value of the first header field called name in obj: a UTF-8 string of at most
 * max bytes (*cut set when shortened), "" when there is none; NULL when out of memory. */
static char *header_text(GMimeObject *obj, const char *name, size_t max, bool *cut)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
	const char *v = h ? g_mime_header_get_raw_value(h) : NULL;
	struct buf b = {.max = max};
	if (v)
		header_decode(v, strlen(v), &b);
	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	*cut |= b.cut;
	return b.p ? b.p : calloc(1, 1);
}

/* ---- HTML to readable text, for messages whose only body is HTML ---- */

static bool tag_is(const char *t, size_t tn, const char *name)
{
	size_t k = strlen(name);
	return tn >= k && g_ascii_strncasecmp(t, name, k) == 0 &&
	       (tn == k || t[k] == ' ' || t[k] == '>' || t[k] == '/' || t[k] == '\t' ||
		t[k] == '\r' || t[k] == '\n');
}

static void put_codepoint(struct buf *b, unsigned long cp)
{
	char u[4];
	size_t k;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		buf_put(b, FFFD, sizeof(FFFD));
		return;
	}
	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	buf_put(b, u, k);
}

/* Entity at s[0..n) (s[0] == '&'): append its text, return the bytes consumed (0: not one). */
static size_t html_entity(const char *s, size_t n, struct buf *b)
{
	static const struct {
		const char *name;
		const char *text;
	} named[] = {{"amp;", "&"},	    {"lt;", "<"},	  {"gt;", ">"},
		     {"quot;", "\""},	    {"apos;", "'"},	  {"nbsp;", " "},
		     {"copy;", "\xc2\xa9"}, {"reg;", "\xc2\xae"}, {"yen;", "\xc2\xa5"}};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t k = strlen(named[i].name);
		if (n > k && memcmp(s + 1, named[i].name, k) == 0) {
			buf_puts(b, named[i].text);
			return k + 1;
		}
	}
	if (n < 4 || s[1] != '#')
		return 0;
	bool hex = s[2] == 'x' || s[2] == 'X';
	size_t i = hex ? 3 : 2, start = i;
	unsigned long cp = 0;
	while (i < n && i - start < 8 && g_ascii_isxdigit(s[i]) && (hex || g_ascii_isdigit(s[i]))) {
		cp = cp * (hex ? 16u : 10u) +
		     (unsigned long)(hex ? g_ascii_xdigit_value(s[i]) : g_ascii_digit_value(s[i]));
		i++;
	}
	if (i == start || i >= n || s[i] != ';')
		return 0;
	put_codepoint(b, cp);
	return i + 1;
}

/* HTML text: runs of white space become one space, no space at a line start. */
static void html_put(struct buf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_space_byte(s[i]))
			continue;
		buf_put(b, s + run, i - run);
		run = i + 1;
		if (b->len > 0 && b->p[b->len - 1] != ' ' && b->p[b->len - 1] != '\n')
			buf_put(b, " ", 1);
	}
	buf_put(b, s + run, n - run);
}

/* A line break, at most one empty line in a row, no trailing space before it. */
static void html_nl(struct buf *b)
{
	if (b->len > 0 && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
	if (b->len == 0 || (b->len >= 2 && b->p[b->len - 1] == '\n' && b->p[b->len - 2] == '\n'))
		return;
	buf_put(b, "\n", 1);
}

/* Tags removed, script and style dropped, block ends as line breaks, the common entities
 * decoded. Input is already UTF-8. */
static void html_to_text(const char *s, size_t n, struct buf *b)
{
	size_t i = 0, run = 0;
	while (i < n && !b->cut && !b->nomem) {
		if (s[i] == '&') {
			html_put(b, s + run, i - run);
			size_t k = html_entity(s + i, n - i, b);
			if (k == 0) {
				buf_put(b, "&", 1);
				k = 1;
			}
			i += k;
			run = i;
			continue;
		}
		if (s[i] != '<') {
			i++;
			continue;
		}
		html_put(b, s + run, i - run);
		const char *t = s + i + 1;
		size_t tn = n - i - 1;
		const char *end = memchr(t, '>', tn);
		size_t skip = end ? (size_t)(end - t) + 2 : n - i;
		bool script = tag_is(t, tn, "script");
		if (script || tag_is(t, tn, "style")) {
			const char *close = script ? "</script" : "</style";
			size_t cl = strlen(close), j = i + 1;
			while (j + cl <= n && g_ascii_strncasecmp(s + j, close, cl) != 0)
				j++;
			const char *ce = j + cl <= n ? memchr(s + j, '>', n - j) : NULL;
			skip = ce ? (size_t)(ce - (s + i)) + 1 : n - i;
		} else if (tag_is(t, tn, "br") || tag_is(t, tn, "/p") || tag_is(t, tn, "/div") ||
			   tag_is(t, tn, "/tr") || tag_is(t, tn, "/li") || tag_is(t, tn, "/h1") ||
			   tag_is(t, tn, "/h2") || tag_is(t, tn, "/h3") || tag_is(t, tn, "p") ||
			   tag_is(t, tn, "div") || tag_is(t, tn, "/table") ||
			   tag_is(t, tn, "/title")) {
			html_nl(b);
		} else if (tag_is(t, tn, "/td") || tag_is(t, tn, "/th")) {
			buf_put(b, " ", 1);
		}
		i += skip;
		run = i;
	}
	if (run < n && i <= n)
		html_put(b, s + run, n - run);
	html_nl(b);
}

/* ---- the walk ---- */

struct walk {
	const struct mail_limits *lim;
	struct mail_msg *msg;
	size_t cap_parts;
	struct buf text, html;
	bool truncated;
	bool nomem;
};

static struct mail_part *part_new(struct walk *w)
{
	if (w->msg->nparts >= w->lim->max_parts) {
		w->truncated = true;
		return NULL;
	}
	if (w->msg->nparts == w->cap_parts) {
		size_t nc = w->cap_parts ? w->cap_parts * 2 : 8, bytes;
		if (nc > w->lim->max_parts)
			nc = w->lim->max_parts;
		if (!ckd_size_mul(nc, sizeof(struct mail_part), &bytes)) {
			w->nomem = true;
			return NULL;
		}
		struct mail_part *np = realloc(w->msg->parts, bytes);
		if (!np) {
			w->nomem = true;
			return NULL;
		}
		w->msg->parts = np;
		w->cap_parts = nc;
	}
	struct mail_part *p = &w->msg->parts[w->msg->nparts++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* Separate what follows from what the buffer already holds by a blank line. */
static void buf_break(struct buf *b)
{
	if (b->len == 0)
		return;
	if (b->p[b->len - 1] != '\n')
		buf_put(b, "\n", 1);
	buf_put(b, "\n", 1);
}

static char *content_type_of(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *s = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	char *r = g_ascii_strdown(t && *t ? t : "text", -1);
	char *rs = g_ascii_strdown(s && *s ? s : "plain", -1);
	char *out = NULL;
	if (r && rs) {
		size_t a = strlen(r), c = strlen(rs);
		out = malloc(a + c + 2);
		if (out) {
			memcpy(out, r, a);
			out[a] = '/';
			memcpy(out + a + 1, rs, c + 1);
		}
	}
	g_free(r);
	g_free(rs);
	return out;
}

/* CR LF line ends as LF, in place; returns the new length. */
static size_t crlf_to_lf(char *s, size_t n)
{
	if (!s || !memchr(s, '\r', n))
		return n;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			s[o++] = s[i];
	s[o] = '\0';
	return o;
}

/* flags for leaf parts */
#define LEAF_BODY_TEXT 1u /* a text/plain part that belongs in the readable text */
#define LEAF_HTML_TEXT 2u /* an HTML part whose text goes in the readable text (no plain twin) */

/* A decoded text part into the message's text and HTML, the same for both paths: HTML is
 * kept as HTML (and its text read when it has no plain twin), a body's plain text joins the
 * readable text, and a text attachment's text follows under a line naming it, so that its
 * indicators are read like the body's. */
static void leaf_place(struct walk *w, const struct mail_part *p, unsigned flags)
{
	if (p->html) {
		buf_break(&w->html);
		buf_put(&w->html, p->text, p->text_len);
		if ((flags & LEAF_HTML_TEXT) && !p->attachment) {
			buf_break(&w->text);
			html_to_text(p->text, p->text_len, &w->text);
		}
	} else if (!p->attachment && (flags & LEAF_BODY_TEXT)) {
		buf_break(&w->text);
		buf_put(&w->text, p->text, p->text_len);
	} else if (p->attachment) {
		buf_break(&w->text);
		buf_puts(&w->text, "-------- attachment: ");
		buf_puts(&w->text, p->filename ? p->filename : "(no name)");
		buf_puts(&w->text, " (");
		buf_puts(&w->text, p->type);
		buf_puts(&w->text, ") --------\n");
		buf_put(&w->text, p->text, p->text_len);
	}
}

static void walk_leaf(struct walk *w, GMimePart *part, int depth, unsigned flags)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	struct mail_part *p = part_new(w);
	if (!p)
		return;
	p->depth = depth;
	p->type = content_type_of(obj);
	if (!p->type) {
		w->nomem = true;
		return;
	}
	const char *fn = g_mime_part_get_filename(part);
	if (fn && *fn) {
		p->filename = dup_utf8(fn, w->lim->max_header_bytes, &w->truncated);
		if (!p->filename) {
			w->nomem = true;
			return;
		}
	}
	bool is_text = strncmp(p->type, "text/", 5) == 0;
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
	p->html = strcmp(p->type, "text/html") == 0;
	p->attachment =
	    !is_text || p->filename || (cd && g_mime_content_disposition_is_attachment(cd));

	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	if (!dw)
		return;
	GMimeStream *mem = g_mime_stream_mem_new();
	if (!mem) {
		w->nomem = true;
		return;
	}
	(void)g_mime_data_wrapper_write_to_stream(dw, mem); /* decodes base64 / QP */
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	p->size = ba ? ba->len : 0;
	if (is_text && ba) {
		struct buf t = {.max = w->lim->max_text_bytes};
		const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
		convert_into(cs, (const char *)ba->data, ba->len, &t);
		if (t.nomem) {
			free(t.p);
			g_object_unref(mem);
			w->nomem = true;
			return;
		}
		w->truncated |= t.cut;
		t.len = crlf_to_lf(t.p, t.len);
		p->text = t.p ? t.p : calloc(1, 1);
		p->text_len = t.len;
		if (!p->text)
			w->nomem = true;
	}
	g_object_unref(mem);
	if (!p->text)
		return;

	leaf_place(w, p, flags);
}

static void walk_object(struct walk *w, GMimeObject *obj, int depth, int nest, unsigned flags);

/* A multipart without a boundary parameter: GMime finds no parts and keeps the whole body as
 * the prologue. Senders that do this meant a plain body, so it is read as one: a text/plain
 * part in the multipart's charset (or guessed), walked like any other. */
static void walk_unsplit(struct walk *w, GMimeObject *obj, const char *body, int depth,
			 unsigned flags)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	GMimeDataWrapper *dw =
	    st ? g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT) : NULL;
	if (part && dw) {
		const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
		if (cs)
			g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", cs);
		g_mime_part_set_content(part, dw);
		walk_object(w, GMIME_OBJECT(part), depth, 0, flags);
	} else {
		w->nomem = true;
	}
	if (dw)
		g_object_unref(dw);
	if (st)
		g_object_unref(st);
	if (part)
		g_object_unref(part);
}

static void walk_message(struct walk *w, GMimeMessagePart *mp, int depth, int nest)
{
	GMimeObject *obj = GMIME_OBJECT(mp);
	struct mail_part *p = part_new(w);
	if (!p)
		return;
	p->depth = depth;
	p->type = content_type_of(obj);
	p->attachment = true;
	if (!p->type) {
		w->nomem = true;
		return;
	}
	const char *fn = g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (!fn)
		fn = g_mime_object_get_content_type_parameter(obj, "name");
	if (fn && *fn) {
		p->filename = dup_utf8(fn, w->lim->max_header_bytes, &w->truncated);
		if (!p->filename) {
			w->nomem = true;
			return;
		}
	}
	GMimeMessage *m = g_mime_message_part_get_message(mp);
	if (!m)
		return;
	GMimeStream *null = g_mime_stream_null_new();
	if (null) {
		ssize_t k = g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, null);
		p->size = k > 0 ? (size_t)k : 0;
		g_object_unref(null);
	}
	if (depth + 1 > w->lim->max_depth) {
		w->truncated = true;
		return;
	}
	buf_break(&w->text);
	buf_puts(&w->text, "-------- forwarded message --------\n");
	static const char *const shown[] = {"From", "To", "Cc", "Date", "Subject"};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		char *v =
		    header_text(GMIME_OBJECT(m), shown[i], w->lim->max_header_bytes, &w->truncated);
		if (!v) {
			w->nomem = true;
			return;
		}
		if (*v) {
			buf_puts(&w->text, shown[i]);
			buf_puts(&w->text, ": ");
			buf_puts(&w->text, v);
			buf_put(&w->text, "\n", 1);
		}
		free(v);
	}
	GMimeObject *body = g_mime_message_get_mime_part(m);
	if (body)
		walk_object(w, body, depth + 1, nest + 1, LEAF_BODY_TEXT | LEAF_HTML_TEXT);
}

static bool is_plain_body(GMimeObject *o)
{
	if (!GMIME_IS_PART(o))
		return false;
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
	return ct && g_mime_content_type_is_type(ct, "text", "plain") &&
	       !(cd && g_mime_content_disposition_is_attachment(cd));
}

static void walk_object(struct walk *w, GMimeObject *obj, int depth, int nest, unsigned flags)
{
	if (w->nomem)
		return;
	if (nest > MAIL_MAX_NEST) {
		w->truncated = true;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		const char *pro = g_mime_multipart_get_prologue(mp);
		if (n == 0 && pro && *pro &&
		    !g_mime_object_get_content_type_parameter(obj, "boundary")) {
			walk_unsplit(w, obj, pro, depth, flags);
			return;
		}
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		bool alt = ct && g_mime_content_type_is_type(ct, "multipart", "alternative");
		int plain = -1;
		if (alt)
			for (int i = 0; i < n && plain < 0; i++)
				if (is_plain_body(g_mime_multipart_get_part(mp, i)))
					plain = i;
		for (int i = 0; i < n && !w->nomem; i++) {
			unsigned f = flags;
			if (alt && plain >= 0)
				f = i == plain ? (flags | LEAF_BODY_TEXT) & ~LEAF_HTML_TEXT
					       : flags & ~(LEAF_BODY_TEXT | LEAF_HTML_TEXT);
			walk_object(w, g_mime_multipart_get_part(mp, i), depth, nest + 1, f);
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		walk_message(w, GMIME_MESSAGE_PART(obj), depth, nest);
	} else if (GMIME_IS_PART(obj)) {
		walk_leaf(w, GMIME_PART(obj), depth, flags);
	}
}

/* ---- the top level ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* converters held open for the process's life so that glibc keeps their charset modules
 * loaded: GMime opens and closes one for every encoded word it decodes */
static iconv_t pinned[8];
static GMimeParserOptions *parser_options;

static void init_gmime(void)
{
	g_mime_init();
	if (pthread_key_create(&cd_key, cd_cache_free) != 0)
		return;
	static const char *const pin[] = {"ISO-2022-JP", "CP932",	 "SHIFT_JIS",
					  "EUC-JP",	 "EUC-JP-MS",	 "ISO-8859-1",
					  "UTF-8",	 "ISO-2022-JP-2"};
	for (size_t i = 0; i < sizeof(pin) / sizeof(pin[0]); i++)
		pinned[i] = iconv_open("UTF-8", pin[i]);
	parser_options = g_mime_parser_options_new();
	if (!parser_options)
		return;
	/* raw 8-bit headers: UTF-8 first (strict, so rarely a false match), then the Japanese
	 * charsets, EUC before Shift_JIS as in convert_guess() */
	static const char *fallback[] = {"UTF-8", "ISO-2022-JP", "EUC-JP", "CP932", NULL};
	g_mime_parser_options_set_fallback_charsets(parser_options, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_options,
							  GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(parser_options,
							  GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(parser_options,
							    GMIME_RFC_COMPLIANCE_LOOSE);
}

int mail_init(void)
{
	if (pthread_once(&init_once, init_gmime) != 0)
		return MAIL_E_NOMEM;
	return parser_options ? 0 : MAIL_E_NOMEM;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (!err || !errlen)
		return;
	size_t n = strlen(msg);
	if (n >= errlen)
		n = errlen - 1;
	memcpy(err, msg, n);
	err[n] = '\0';
}

/* The offset of the first header line: past an mbox "From " line. */
static size_t skip_envelope(const char *raw, size_t len)
{
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);
		return nl ? (size_t)(nl - raw) + 1 : len;
	}
	return 0;
}

/* Does raw[0..len) start with a header field, "name:" with name of printable ASCII? */
static bool starts_with_field(const char *raw, size_t len)
{
	size_t i = 0;
	while (i < len && (unsigned char)raw[i] > 32 && (unsigned char)raw[i] < 127 &&
	       raw[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < len && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	return i < len && raw[i] == ':';
}

/* The length of the header block at raw[0..len), up to and including its empty line. */
static size_t header_block_len(const char *raw, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (i + 1 < len && raw[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && raw[i + 1] == '\r' && raw[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* Where to cut a header block of hlen bytes so that it keeps at most max bytes of whole
 * fields: the start of the last field that begins at or before max. */
static size_t header_cut(const char *raw, size_t hlen, size_t max)
{
	size_t cut = 0;
	for (size_t i = 0; i < hlen && i <= max; i++)
		if (raw[i] == '\n' && i + 1 < hlen && i + 1 <= max && raw[i + 1] != ' ' &&
		    raw[i + 1] != '\t')
			cut = i + 1;
	return cut;
}

/* The first mailbox of a decoded From value: its display name (else its address) and address. */
static int from_split(const char *from, size_t max, char **ret_name, char **ret_addr, bool *cut)
{
	const char *name = NULL, *addr = NULL;
	InternetAddressList *l = internet_address_list_parse(parser_options, from);
	if (l && internet_address_list_length(l) > 0) {
		InternetAddress *a = internet_address_list_get_address(l, 0);
		name = internet_address_get_name(a);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	}
	*ret_name = dup_utf8(name && *name ? name : addr ? addr : from, max, cut);
	*ret_addr = dup_utf8(addr, max, cut);
	if (l)
		g_object_unref(l);
	return *ret_name && *ret_addr ? 0 : MAIL_E_NOMEM;
}

static int headers_into(struct walk *w, GMimeMessage *m)
{
	struct mail_msg *msg = w->msg;
	GMimeObject *o = GMIME_OBJECT(m);
	size_t max = w->lim->max_header_bytes;
	bool cut = false;
	char *from = header_text(o, "From", max, &cut);
	if (!from)
		return MAIL_E_NOMEM;
	int rc = from_split(from, max, &msg->from, &msg->from_addr, &cut);
	free(from);
	if (rc != 0)
		return rc;
	msg->to = header_text(o, "To", max, &cut);
	msg->subject = header_text(o, "Subject", max, &cut);
	msg->message_id = dup_utf8(g_mime_message_get_message_id(m), max, &cut);
	msg->date_hdr = header_text(o, "Date", max, &cut);
	GDateTime *d = g_mime_message_get_date(m);
	msg->date = d ? (int64_t)g_date_time_to_unix(d) : 0;
	w->truncated |= cut;
	if (!msg->to || !msg->subject || !msg->message_id || !msg->date_hdr)
		return MAIL_E_NOMEM;
	return 0;
}

/* ---- the fast path: a MIME scanner of our own for the shapes reports have ----
 *
 * GMime builds one GObject per part, header and parameter list; for a report of two or three
 * parts that costs several times what reading it does. The scanner below reads the raw bytes in
 * place: the header blocks (fields kept as views into the input), multipart bodies split at
 * their boundary lines, message/rfc822 bodies read as messages, and the content of each leaf
 * decoded from 7bit, 8bit, binary, base64 or quoted-printable. The walk then lays the result
 * out exactly as the GMime walk above does, with the same functions for header decoding,
 * charsets and limits. Header values with parameters (Content-Type, Content-Disposition), the
 * Date and the Message-ID are given to GMime's own value parsers, which cost little beside its
 * tree, so that their many corner cases read the same on both paths.
 *
 * Whatever the scanner does not handle with certainty makes it decline, and the message goes
 * to GMime unchanged: a line in a header block that is not a field, a NUL or bare CR in one, a
 * field it reads given twice, a header block over max_header_bytes, a multipart type other than
 * mixed, alternative, related and report, a missing boundary or closing delimiter, a line that
 * starts with a delimiter and goes on with anything else, a transfer encoding other than the
 * five, base64 that is not whole groups of four or has text after its padding, a
 * quoted-printable '=' that is neither an escape nor a soft break, nesting deeper than
 * FAST_MAX_NEST, more than FAST_MAX_NODES objects. */

#define FAST_MAX_NEST  12
#define FAST_MAX_NODES 48

enum { FH_FROM, FH_TO, FH_CC, FH_SUBJECT, FH_MSGID, FH_DATE, FH_CTYPE, FH_CTE, FH_CDISP, FH_N };

static const struct {
	const char *name;
	size_t len;
} fh_names[FH_N] = {
    {"From", 4},
    {"To", 2},
    {"Cc", 2},
    {"Subject", 7},
    {"Message-ID", 10},
    {"Date", 4},
    {"Content-Type", 12},
    {"Content-Transfer-Encoding", 25},
    {"Content-Disposition", 19},
};

struct span {
	const char *p; /* the value after the colon, folding included, the final line end not */
	size_t n;
	bool set;
};

struct fhdr {
	struct span v[FH_N];
};

enum fenc { FE_IDENTITY, FE_BASE64, FE_QP };
enum fkind { FK_LEAF, FK_MULTI, FK_MESSAGE };

struct fnode {
	enum fkind kind;
	enum fenc enc;
	char type[64];	  /* as content_type_of() writes it */
	char charset[48]; /* the charset parameter, when has_charset */
	bool has_charset;
	bool plain_body; /* is_plain_body() */
	bool disp_attachment;
	bool alternative;
	char *filename; /* as GMime gives it (disposition filename, else type name), or NULL */
	const char *body;
	size_t blen;
	struct fhdr hdr; /* FK_MESSAGE: the enclosed message's fields */
	struct fnode *child, *next;
};

struct fscan {
	struct fnode node[FAST_MAX_NODES];
	size_t used;
};

/* ---- plain forms of the structured fields, read without GMime's parsers ----
 *
 * GMime's value parsers allocate an object per field and per parameter; for the plain forms
 * that nearly every report has, the scanner reads the values itself and calls GMime's parsers
 * for anything else (RFC 2231 parameters, encoded words, quoted pairs, comments, 8-bit bytes),
 * so that both paths agree by construction on what is not plain. */

struct pv {
	const char *p;
	size_t n;
	bool set;
};

static bool tok_byte(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && is_space_byte(s[i]))
		i++;
	return i;
}

static size_t token_end(const char *s, size_t n, size_t i)
{
	while (i < n && tok_byte((unsigned char)s[i]))
		i++;
	return i;
}

/* "type/subtype" (want_sub) or "token", then "; name=value" parameters of tokens or quoted
 * strings of printable ASCII, at s[0..n). The values of the parameters named in names (at most
 * 4) go to vals. False when the value is not of this form. */
static bool plain_field(const char *s, size_t n, bool want_sub, struct pv *t, struct pv *st,
			const char *const *names, size_t nnames, struct pv *vals)
{
	size_t i = skip_ws(s, n, 0), e = token_end(s, n, i);
	if (e == i)
		return false;
	*t = (struct pv){s + i, e - i, true};
	i = e;
	if (want_sub) {
		if (i >= n || s[i] != '/')
			return false;
		e = token_end(s, n, ++i);
		if (e == i)
			return false;
		*st = (struct pv){s + i, e - i, true};
		i = e;
	}
	for (size_t k = 0; k < nnames; k++)
		vals[k].set = false;
	for (;;) {
		i = skip_ws(s, n, i);
		if (i == n)
			return true;
		if (s[i] != ';')
			return false;
		i = skip_ws(s, n, i + 1);
		e = token_end(s, n, i);
		if (e == i || memchr(s + i, '*', e - i))
			return false;
		size_t ns = i, nn = e - i;
		i = skip_ws(s, n, e);
		if (i >= n || s[i] != '=')
			return false;
		i = skip_ws(s, n, i + 1);
		struct pv v;
		if (i < n && s[i] == '"') {
			size_t j = i + 1;
			while (j < n && s[j] != '"' && s[j] != '\\' && (unsigned char)s[j] >= 32 &&
			       (unsigned char)s[j] < 127)
				j++;
			if (j >= n || s[j] != '"')
				return false;
			v = (struct pv){s + i + 1, j - i - 1, true};
			i = j + 1;
		} else {
			e = token_end(s, n, i);
			if (e == i)
				return false;
			v = (struct pv){s + i, e - i, true};
			i = e;
		}
		if (memmem(v.p, v.n, "=?", 2))
			return false;
		for (size_t k = 0; k < nnames; k++)
			if (strlen(names[k]) == nn &&
			    g_ascii_strncasecmp(s + ns, names[k], nn) == 0) {
				if (vals[k].set)
					return false;
				vals[k] = v;
			}
	}
}

static bool pv_copy(char *dst, size_t cap, const struct pv *v)
{
	if (v->n >= cap)
		return false;
	memcpy(dst, v->p, v->n);
	dst[v->n] = '\0';
	return true;
}

static bool pv_is(const struct pv *v, const char *s)
{
	return strlen(s) == v->n && g_ascii_strncasecmp(v->p, s, v->n) == 0;
}

/* Content-Type of the plain form into nd and bnd: 1; not plain: 0; decline: -1. */
static int plain_content_type(const struct span *sp, struct fnode *nd, char *bnd, size_t bndcap)
{
	static const char *const names[] = {"charset", "boundary", "name"};
	struct pv t = {0}, st = {0}, v[3] = {{0}};
	if (!plain_field(sp->p, sp->n, true, &t, &st, names, 3, v))
		return 0;
	if (t.n + st.n + 2 > sizeof(nd->type))
		return -1;
	for (size_t i = 0; i < t.n; i++)
		nd->type[i] = g_ascii_tolower(t.p[i]);
	nd->type[t.n] = '/';
	for (size_t i = 0; i < st.n; i++)
		nd->type[t.n + 1 + i] = g_ascii_tolower(st.p[i]);
	nd->type[t.n + 1 + st.n] = '\0';
	nd->plain_body = pv_is(&t, "text") && pv_is(&st, "plain");
	if (v[0].set) {
		if (!pv_copy(nd->charset, sizeof(nd->charset), &v[0]))
			return -1;
		nd->has_charset = true;
	}
	if (v[1].set && !pv_copy(bnd, bndcap, &v[1]))
		return -1;
	if (v[2].set) {
		nd->filename = g_strndup(v[2].p, v[2].n);
		if (!nd->filename)
			return -1;
	}
	return 1;
}

/* Content-Disposition of the plain form into nd: 1; not plain: 0; decline: -1. */
static int plain_disposition(const struct span *sp, struct fnode *nd)
{
	static const char *const names[] = {"filename"};
	struct pv t = {0}, v[1] = {{0}};
	if (!plain_field(sp->p, sp->n, false, &t, NULL, names, 1, v))
		return 0;
	nd->disp_attachment = pv_is(&t, "attachment");
	if (v[0].set) {
		g_free(nd->filename);
		nd->filename = g_strndup(v[0].p, v[0].n);
		if (!nd->filename)
			return -1;
	}
	return 1;
}

static bool atext_byte(unsigned char c)
{
	return g_ascii_isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* local@domain of atext and dots, no dot at either end of a part, no "xn--": the length, or 0 */
static size_t plain_addr(const char *s, size_t n)
{
	size_t i = 0, at = 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '@') {
			if (at || i == 0 || s[i - 1] == '.')
				return 0;
			at = i;
		} else if (c == '.') {
			if (i == 0 || s[i - 1] == '.' || s[i - 1] == '@')
				return 0;
		} else if (!atext_byte(c)) {
			break;
		}
	}
	if (!at || at + 1 == i || s[i - 1] == '.' || memmem(s, i, "xn--", 4) ||
	    memmem(s, i, "=?", 2))
		return 0;
	return i;
}

/* From as "addr", "Words <addr>" or "\"Quoted\" <addr>": its display name (else the address)
 * and address, as GMime's address parser gives them; otherwise that parser. */
static int fast_from_split(const char *from, size_t max, char **ret_name, char **ret_addr,
			   bool *cut)
{
	size_t n = strlen(from);
	size_t k = plain_addr(from, n);
	if (k && k == n) {
		*ret_name = dup_utf8(from, max, cut);
		*ret_addr = dup_utf8(from, max, cut);
		return *ret_name && *ret_addr ? 0 : MAIL_E_NOMEM;
	}
	const char *lt = strchr(from, '<');
	if (!lt || lt == from || lt[-1] != ' ' || n < 2 || from[n - 1] != '>')
		return from_split(from, max, ret_name, ret_addr, cut);
	const char *a = lt + 1;
	size_t an = (size_t)(from + n - 1 - a);
	if (plain_addr(a, an) != an)
		return from_split(from, max, ret_name, ret_addr, cut);
	const char *nm = from;
	size_t nn = (size_t)(lt - 1 - from);
	if (nn >= 2 && nm[0] == '"' && nm[nn - 1] == '"') {
		nm++;
		nn -= 2;
		for (size_t i = 0; i < nn; i++)
			if (nm[i] == '"' || nm[i] == '\\' || (unsigned char)nm[i] < 32)
				return from_split(from, max, ret_name, ret_addr, cut);
		if (nn == 0 || nm[0] == ' ' || nm[nn - 1] == ' ')
			return from_split(from, max, ret_name, ret_addr, cut);
	} else {
		/* atoms of atext or UTF-8 bytes, single spaces between */
		for (size_t i = 0; i < nn; i++) {
			unsigned char c = (unsigned char)nm[i];
			bool ok = c >= 0x80 || atext_byte(c) ||
				  (c == ' ' && i > 0 && i + 1 < nn && nm[i + 1] != ' ');
			if (!ok)
				return from_split(from, max, ret_name, ret_addr, cut);
		}
		if (nn == 0 || memmem(nm, nn, "=?", 2))
			return from_split(from, max, ret_name, ret_addr, cut);
	}
	char *tn = g_strndup(nm, nn), *ta = g_strndup(a, an);
	*ret_name = tn ? dup_utf8(tn, max, cut) : NULL;
	*ret_addr = ta ? dup_utf8(ta, max, cut) : NULL;
	g_free(tn);
	g_free(ta);
	return *ret_name && *ret_addr ? 0 : MAIL_E_NOMEM;
}

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t days_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

/* "[Www, ]D[D] Mon YYYY HH:MM:SS +hhmm" to Unix seconds; false for any other form. */
static bool plain_date(const char *s, size_t n, int64_t *out)
{
	static const char days[] = "MonTueWedThuFriSatSun";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t i = 0;
	if (n >= 5 && s[3] == ',' && s[4] == ' ') {
		bool known = false;
		for (size_t d = 0; d < 7 && !known; d++)
			known = memcmp(s, days + 3 * d, 3) == 0;
		if (!known)
			return false;
		i = 5;
	}
	unsigned day, mon = 0, year, hh, mm, ss, oh, om;
	size_t dl = i + 1 < n && s[i + 1] != ' ' ? 2 : 1;
	if (n - i != dl + 24 || !digits(s + i, dl, &day))
		return false;
	i += dl;
	const char *r = s + i; /* " Mon YYYY HH:MM:SS +hhmm" */
	if (r[0] != ' ' || r[4] != ' ' || r[9] != ' ' || r[12] != ':' || r[15] != ':' ||
	    r[18] != ' ' || (r[19] != '+' && r[19] != '-'))
		return false;
	for (unsigned m = 0; m < 12 && !mon; m++)
		if (memcmp(r + 1, months + (size_t)3 * m, 3) == 0)
			mon = m + 1;
	if (!mon || !digits(r + 5, 4, &year) || !digits(r + 10, 2, &hh) ||
	    !digits(r + 13, 2, &mm) || !digits(r + 16, 2, &ss) || !digits(r + 20, 2, &oh) ||
	    !digits(r + 22, 2, &om))
		return false;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (year < 1970 || year > 9999 || day < 1 || day > mdays[mon - 1] ||
	    (mon == 2 && day == 29 && !leap) || hh > 23 || mm > 59 || ss > 59 || oh > 14 || om > 59)
		return false;
	int64_t off = (int64_t)oh * 3600 + (int64_t)om * 60;
	*out = days_civil(year, mon, day) * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 +
	       (int64_t)ss - (r[19] == '-' ? -off : off);
	return true;
}

/* Scan the header block at s[0..n) into h. Returns the block's length including its empty
 * line, or 0 to decline. */
static size_t scan_headers(const char *s, size_t n, struct fhdr *h)
{
	memset(h, 0, sizeof(*h));
	size_t i = 0;
	int cur = -1, crlf = -1;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		if (!nl)
			return 0;
		size_t e = (size_t)(nl - s);
		size_t le = e > i && s[e - 1] == '\r' ? e - 1 : e;
		/* one kind of line end in a block: GMime reads folded values of mixed ones apart */
		if (crlf < 0)
			crlf = le != e;
		else if (crlf != (le != e))
			return 0;
		if (memchr(s + i, '\0', le - i) || memchr(s + i, '\r', le - i))
			return 0;
		if (le == i)
			return e + 1;
		if (s[i] == ' ' || s[i] == '\t') {
			if (i == 0)
				return 0;
			if (cur >= 0)
				h->v[cur].n = le - (size_t)(h->v[cur].p - s);
			i = e + 1;
			continue;
		}
		size_t k = i;
		while (k < le && (unsigned char)s[k] > 32 && (unsigned char)s[k] < 127 &&
		       s[k] != ':')
			k++;
		if (k == i || k >= le || s[k] != ':')
			return 0;
		cur = -1;
		for (int f = 0; f < FH_N; f++)
			if (fh_names[f].len == k - i &&
			    g_ascii_strncasecmp(s + i, fh_names[f].name, k - i) == 0) {
				if (h->v[f].set)
					return 0;
				cur = f;
				break;
			}
		if (cur >= 0) {
			h->v[cur].set = true;
			h->v[cur].p = s + k + 1;
			h->v[cur].n = le - (k + 1);
		}
		i = e + 1;
	}
	return 0;
}

/* A span unfolded (line breaks dropped, leading white space too) as GMime hands a field's
 * value to its value parsers, NUL-terminated, in tmp when it fits, else allocated (*heap). */
static char *span_str(const struct span *v, char *tmp, size_t tmplen, bool *heap)
{
	*heap = false;
	char *s = tmp;
	if (v->n >= tmplen) {
		s = malloc(v->n + 1);
		if (!s)
			return NULL;
		*heap = true;
	}
	size_t o = 0, i = 0;
	while (i < v->n && is_space_byte(v->p[i]))
		i++;
	for (; i < v->n; i++)
		if (v->p[i] != '\r' && v->p[i] != '\n')
			s[o++] = v->p[i];
	s[o] = '\0';
	return s;
}

/* The value of a span without leading and trailing white space, when it is one line of
 * printable ASCII without encoded words (so GMime's decoded value is the same bytes). */
static bool span_plain(const struct span *v, const char **p, size_t *n)
{
	const char *s = v->p;
	size_t k = v->n;
	while (k > 0 && is_space_byte(s[0])) {
		s++;
		k--;
	}
	while (k > 0 && is_space_byte(s[k - 1]))
		k--;
	for (size_t i = 0; i < k; i++)
		if ((unsigned char)s[i] < 32 || (unsigned char)s[i] > 126 ||
		    (s[i] == '=' && i + 1 < k && s[i + 1] == '?'))
			return false;
	*p = s;
	*n = k;
	return true;
}

static bool copy_lower(char *dst, size_t cap, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na + nb + 2 > cap)
		return false;
	for (size_t i = 0; i < na; i++)
		dst[i] = g_ascii_tolower(a[i]);
	dst[na] = '/';
	for (size_t i = 0; i < nb; i++)
		dst[na + 1 + i] = g_ascii_tolower(b[i]);
	dst[na + 1 + nb] = '\0';
	return true;
}

/* Is every "=?" in s[0..n) the start of a well-formed encoded word (a charset, B with whole
 * groups of base64 or Q of printable ASCII, "?=")? Malformed ones GMime's parser and its value
 * parsers called alone do not always read alike. */
static bool words_well_formed(const char *s, size_t n)
{
	const char *q = s, *e = s + n;
	while ((q = memmem(q, (size_t)(e - q), "=?", 2)) != NULL) {
		const char *c = q + 2;
		while (c < e && (g_ascii_isalnum(*c) || *c == '-' || *c == '_' || *c == '.' ||
				 *c == ':' || *c == '*'))
			c++;
		if (c == q + 2 || e - c < 4 || c[0] != '?' || !strchr("BbQq", c[1]) || c[2] != '?')
			return false;
		bool b64 = c[1] == 'B' || c[1] == 'b';
		const char *pl = c + 3, *t = pl;
		while (t + 1 < e && !(t[0] == '?' && t[1] == '=')) {
			unsigned char u = (unsigned char)*t;
			bool ok = b64 ? g_ascii_isalnum(u) || u == '+' || u == '/' || u == '='
				      : u > 32 && u < 127;
			if (!ok)
				return false;
			t++;
		}
		if (t + 1 >= e || (b64 && (t - pl) % 4 != 0))
			return false;
		q = t + 2;
	}
	return true;
}

/* Content-Type, Content-Disposition and Content-Transfer-Encoding of an entity into nd; the
 * boundary of a multipart into bnd. False to decline. */
static bool scan_content_fields(const struct fhdr *h, struct fnode *nd, char *bnd, size_t bndcap)
{
	char tmp[512];
	bool heap;
	bnd[0] = '\0';
	/* GMime's parser decodes 8-bit bytes in these fields by its fallback charsets before
	 * reading the parameters; g_mime_content_type_parse() alone does not */
	for (int f = FH_CTYPE; f <= FH_CDISP; f++)
		for (size_t i = 0; i < h->v[f].n; i++)
			if ((unsigned char)h->v[f].p[i] >= 0x80)
				return false;
	for (int f = FH_CTYPE; f <= FH_CDISP; f++)
		if (h->v[f].set && !words_well_formed(h->v[f].p, h->v[f].n))
			return false;
	int plain = h->v[FH_CTYPE].set ? plain_content_type(&h->v[FH_CTYPE], nd, bnd, bndcap) : 0;
	if (plain < 0)
		return false;
	if (plain > 0) {
		/* read above */
	} else if (h->v[FH_CTYPE].set) {
		char *v = span_str(&h->v[FH_CTYPE], tmp, sizeof(tmp), &heap);
		if (!v)
			return false;
		GMimeContentType *ct = g_mime_content_type_parse(parser_options, v);
		if (heap)
			free(v);
		if (!ct)
			return false;
		const char *t = g_mime_content_type_get_media_type(ct);
		const char *st = g_mime_content_type_get_media_subtype(ct);
		bool ok = copy_lower(nd->type, sizeof(nd->type), t && *t ? t : "text",
				     st && *st ? st : "plain");
		nd->plain_body = g_mime_content_type_is_type(ct, "text", "plain");
		const char *cs = g_mime_content_type_get_parameter(ct, "charset");
		if (ok && cs) {
			size_t k = strlen(cs);
			ok = k < sizeof(nd->charset);
			if (ok) {
				memcpy(nd->charset, cs, k + 1);
				nd->has_charset = true;
			}
		}
		const char *b = g_mime_content_type_get_parameter(ct, "boundary");
		if (ok && b) {
			size_t k = strlen(b);
			ok = k < bndcap;
			if (ok)
				memcpy(bnd, b, k + 1);
		}
		const char *name = g_mime_content_type_get_parameter(ct, "name");
		if (ok && name) {
			nd->filename = g_strdup(name);
		}
		g_object_unref(ct);
		if (!ok)
			return false;
	} else {
		memcpy(nd->type, "text/plain", 11);
		nd->plain_body = true;
	}
	plain = h->v[FH_CDISP].set ? plain_disposition(&h->v[FH_CDISP], nd) : 0;
	if (plain < 0)
		return false;
	if (plain > 0) {
		if (nd->disp_attachment)
			nd->plain_body = false;
	} else if (h->v[FH_CDISP].set) {
		char *v = span_str(&h->v[FH_CDISP], tmp, sizeof(tmp), &heap);
		if (!v)
			return false;
		GMimeContentDisposition *cd = g_mime_content_disposition_parse(parser_options, v);
		if (heap)
			free(v);
		if (!cd)
			return false;
		nd->disp_attachment = g_mime_content_disposition_is_attachment(cd);
		const char *fn = g_mime_content_disposition_get_parameter(cd, "filename");
		if (fn) {
			g_free(nd->filename);
			nd->filename = g_strdup(fn);
		}
		g_object_unref(cd);
		if (nd->disp_attachment)
			nd->plain_body = false;
	}
	nd->enc = FE_IDENTITY;
	if (h->v[FH_CTE].set) {
		const char *p;
		size_t n;
		if (!span_plain(&h->v[FH_CTE], &p, &n))
			return false;
		static const char *const ident[] = {"7bit", "8bit", "binary"};
		bool known = false;
		for (size_t i = 0; i < 3 && !known; i++)
			known = n == strlen(ident[i]) && g_ascii_strncasecmp(p, ident[i], n) == 0;
		if (!known) {
			if (n == 6 && g_ascii_strncasecmp(p, "base64", 6) == 0)
				nd->enc = FE_BASE64;
			else if (n == 16 && g_ascii_strncasecmp(p, "quoted-printable", 16) == 0)
				nd->enc = FE_QP;
			else if (n != 0)
				return false;
		}
	}
	return true;
}

/* Is s[at..) (at a line start) the delimiter "--" bnd? Sets *close for "--" bnd "--", *next to
 * the start of the following line, *crlf to whether its line ends in CR LF (at the end of s,
 * tail tells what follows s in the message: 1 CR LF, 0 LF, -1 nothing). Returns 1 for a
 * delimiter, 0 for none, -1 for a line that starts like one and goes on, or one at the end of
 * the message (decline). */
static int delim_at(const char *s, size_t n, size_t at, const char *bnd, size_t bl, int tail,
		    bool *close, size_t *next, bool *crlf)
{
	if (n - at < bl + 2 || s[at] != '-' || s[at + 1] != '-' || memcmp(s + at + 2, bnd, bl) != 0)
		return 0;
	size_t r = at + 2 + bl;
	*close = false;
	if (r + 1 < n && s[r] == '-' && s[r + 1] == '-') {
		*close = true;
		r += 2;
	}
	if (r == n) {
		*next = n;
		*crlf = tail == 1;
		return tail < 0 ? -1 : 1;
	}
	if (s[r] == '\n') {
		*next = r + 1;
		*crlf = false;
		return 1;
	}
	if (s[r] == '\r' && r + 1 < n && s[r + 1] == '\n') {
		*next = r + 2;
		*crlf = true;
		return 1;
	}
	return -1;
}

/* The next line start at or after from where a delimiter line of bnd begins, or n. */
static size_t delim_find(const char *s, size_t n, size_t from, const char *bnd, size_t bl)
{
	while (from < n) {
		const char *q = memmem(s + from, n - from, bnd, bl);
		if (!q)
			return n;
		size_t at = (size_t)(q - s);
		if (at >= 2 && s[at - 1] == '-' && s[at - 2] == '-' &&
		    (at == 2 || s[at - 3] == '\n'))
			return at - 2;
		from = at + 1;
	}
	return n;
}

static bool scan_entity(struct fscan *sc, const struct fhdr *h, const char *body, size_t blen,
			int nest, int tail, struct fnode **out);

/* The parts of a multipart. GMime takes off the end of each part's content as many bytes as
 * the line end of the delimiter after it has (two for CR LF, one for LF), whatever they are;
 * the scanner declines where those bytes are not that line end. */
static bool scan_multipart(struct fscan *sc, struct fnode *nd, const char *bnd, int nest, int tail)
{
	size_t bl = strlen(bnd);
	const char *s = nd->body;
	size_t n = nd->blen;
	if (bl == 0 || bl > 70)
		return false;
	bool close = false, crlf = false;
	size_t next = 0;
	size_t at = delim_find(s, n, 0, bnd, bl);
	if (at == n || delim_at(s, n, at, bnd, bl, tail, &close, &next, &crlf) != 1 || close)
		return false;
	struct fnode **link = &nd->child;
	while (!close) {
		size_t start = next;
		size_t d = delim_find(s, n, start, bnd, bl);
		if (d == n)
			return false; /* no closing delimiter */
		if (delim_at(s, n, d, bnd, bl, tail, &close, &next, &crlf) != 1)
			return false;
		size_t end = d;
		if (crlf) {
			if (end - start < 2 || s[end - 2] != '\r' || s[end - 1] != '\n')
				return false;
			end -= 2;
		} else {
			if (end == start || s[end - 1] != '\n' ||
			    (end - start >= 2 && s[end - 2] == '\r'))
				return false;
			end -= 1;
		}
		struct fhdr ph;
		size_t hl = scan_headers(s + start, end - start, &ph);
		if (hl == 0)
			return false;
		struct fnode *c;
		if (!scan_entity(sc, &ph, s + start + hl, end - start - hl, nest + 1, crlf, &c))
			return false;
		*link = c;
		link = &c->next;
	}
	/* nothing in the epilogue that looks like a delimiter of this multipart */
	return delim_find(s, n, next, bnd, bl) == n;
}

static bool scan_entity(struct fscan *sc, const struct fhdr *h, const char *body, size_t blen,
			int nest, int tail, struct fnode **out)
{
	if (nest > FAST_MAX_NEST || sc->used >= FAST_MAX_NODES)
		return false;
	struct fnode *nd = &sc->node[sc->used++];
	memset(nd, 0, offsetof(struct fnode, hdr));
	nd->child = nd->next = NULL;
	*out = nd;
	nd->body = body;
	nd->blen = blen;
	char bnd[80];
	if (!scan_content_fields(h, nd, bnd, sizeof(bnd)))
		return false;
	if (strncmp(nd->type, "multipart/", 10) == 0) {
		const char *st = nd->type + 10;
		if (strcmp(st, "mixed") != 0 && strcmp(st, "alternative") != 0 &&
		    strcmp(st, "related") != 0 && strcmp(st, "report") != 0)
			return false;
		if (nd->enc != FE_IDENTITY || !bnd[0])
			return false;
		nd->kind = FK_MULTI;
		nd->alternative = strcmp(st, "alternative") == 0;
		return scan_multipart(sc, nd, bnd, nest, tail);
	}
	if (strncmp(nd->type, "message/", 8) == 0) {
		if (strcmp(nd->type + 8, "rfc822") != 0 || nd->enc != FE_IDENTITY)
			return false;
		nd->kind = FK_MESSAGE;
		if (!starts_with_field(body, blen))
			return false;
		size_t hl = scan_headers(body, blen, &nd->hdr);
		if (hl == 0)
			return false;
		return scan_entity(sc, &nd->hdr, body + hl, blen - hl, nest + 1, tail, &nd->child);
	}
	nd->kind = FK_LEAF;
	return true;
}

static void fscan_free(struct fscan *sc)
{
	for (size_t i = 0; i < sc->used; i++)
		g_free(sc->node[i].filename);
	sc->used = 0;
}

/* base64 digit values; '=' counts as 0 (the padding is taken off at the end), 64 marks the
 * blanks that may come between, -1 everything else */
static int b64_rank[256];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_rank_init(void)
{
	for (int c = 0; c < 256; c++)
		b64_rank[c] = c == '=' ? 0 : b64_value((unsigned char)c);
	b64_rank['\n'] = b64_rank['\r'] = b64_rank[' '] = b64_rank['\t'] = 64;
}

/* base64 of whole groups of four, padding only at the end, line breaks and blanks between.
 * Writes the bytes to out (room for n * 3 / 4 + 3) or, with out NULL, only counts them.
 * False for anything else. */
static bool fast_base64(const char *s, size_t n, char *out, size_t *olen)
{
	(void)pthread_once(&b64_once, b64_rank_init);
	unsigned acc = 0;
	int k = 0;
	size_t o = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (b64_rank[c] == 64)
			continue;
		int v = b64_rank[c];
		if (v < 0 || (pad && c != '='))
			return false;
		if (c == '=' && ++pad > 2)
			return false;
		acc = (acc << 6) | (unsigned)v;
		if (++k == 4) {
			if (out) {
				out[o] = (char)(acc >> 16 & 0xff);
				out[o + 1] = (char)(acc >> 8 & 0xff);
				out[o + 2] = (char)(acc & 0xff);
			}
			o += 3;
			k = 0;
			acc = 0;
		}
	}
	if (k != 0)
		return false;
	*olen = o - pad;
	return true;
}

/* quoted-printable: "=" and two hex digits, or a soft line break "=\n" / "=\r\n". */
static bool fast_qp(const char *s, size_t n, char *out, size_t *olen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '=') {
			if (out)
				out[o] = c;
			o++;
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= n || !g_ascii_isxdigit(s[i + 1]) || !g_ascii_isxdigit(s[i + 2]))
			return false;
		if (out)
			out[o] = (char)(g_ascii_xdigit_value(s[i + 1]) * 16 +
					g_ascii_xdigit_value(s[i + 2]));
		o++;
		i += 2;
	}
	*olen = o;
	return true;
}

struct fwalk {
	struct walk w;
	bool decline;
};

static char *span_text(const struct span *v, size_t max, bool *cut)
{
	struct buf b = {.max = max};
	if (v->set)
		header_decode(v->p, v->n, &b);
	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	*cut |= b.cut;
	return b.p ? b.p : calloc(1, 1);
}

static void fwalk_leaf(struct fwalk *fw, const struct fnode *nd, int depth, unsigned flags)
{
	struct walk *w = &fw->w;
	bool is_text = strncmp(nd->type, "text/", 5) == 0;
	/* decode first: a decline must come before anything is written */
	const char *data = nd->body;
	size_t dlen = nd->blen;
	char *dec = NULL;
	if (nd->enc != FE_IDENTITY) {
		bool ok;
		if (is_text) {
			dec = malloc(nd->blen + 4);
			if (!dec) {
				w->nomem = true;
				return;
			}
		}
		ok = nd->enc == FE_BASE64 ? fast_base64(nd->body, nd->blen, dec, &dlen)
					  : fast_qp(nd->body, nd->blen, dec, &dlen);
		if (!ok) {
			free(dec);
			fw->decline = true;
			return;
		}
		data = dec;
	}
	struct mail_part *p = part_new(w);
	if (!p) {
		free(dec);
		return;
	}
	p->depth = depth;
	p->type = strdup(nd->type);
	if (!p->type) {
		free(dec);
		w->nomem = true;
		return;
	}
	if (nd->filename && *nd->filename) {
		p->filename = dup_utf8(nd->filename, w->lim->max_header_bytes, &w->truncated);
		if (!p->filename) {
			free(dec);
			w->nomem = true;
			return;
		}
	}
	p->html = strcmp(nd->type, "text/html") == 0;
	p->attachment = !is_text || p->filename || nd->disp_attachment;
	p->size = dlen;
	if (is_text) {
		struct buf t = {.max = w->lim->max_text_bytes};
		convert_into(nd->has_charset ? nd->charset : NULL, data, dlen, &t);
		if (t.nomem) {
			free(t.p);
			free(dec);
			w->nomem = true;
			return;
		}
		w->truncated |= t.cut;
		t.len = crlf_to_lf(t.p, t.len);
		p->text = t.p ? t.p : calloc(1, 1);
		p->text_len = t.len;
		if (!p->text)
			w->nomem = true;
	}
	free(dec);
	if (!p->text)
		return;
	leaf_place(w, p, flags);
}

static void fwalk_object(struct fwalk *fw, const struct fnode *nd, int depth, int nest,
			 unsigned flags);

static void fwalk_message(struct fwalk *fw, const struct fnode *nd, int depth, int nest)
{
	struct walk *w = &fw->w;
	struct mail_part *p = part_new(w);
	if (!p)
		return;
	p->depth = depth;
	p->type = strdup(nd->type);
	p->attachment = true;
	if (!p->type) {
		w->nomem = true;
		return;
	}
	if (nd->filename && *nd->filename) {
		p->filename = dup_utf8(nd->filename, w->lim->max_header_bytes, &w->truncated);
		if (!p->filename) {
			w->nomem = true;
			return;
		}
	}
	p->size = nd->blen;
	if (depth + 1 > w->lim->max_depth) {
		w->truncated = true;
		return;
	}
	buf_break(&w->text);
	buf_puts(&w->text, "-------- forwarded message --------\n");
	static const struct {
		int f;
		const char *name;
	} shown[] = {{FH_FROM, "From"},
		     {FH_TO, "To"},
		     {FH_CC, "Cc"},
		     {FH_DATE, "Date"},
		     {FH_SUBJECT, "Subject"}};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		char *v =
		    span_text(&nd->hdr.v[shown[i].f], w->lim->max_header_bytes, &w->truncated);
		if (!v) {
			w->nomem = true;
			return;
		}
		if (*v) {
			buf_puts(&w->text, shown[i].name);
			buf_puts(&w->text, ": ");
			buf_puts(&w->text, v);
			buf_put(&w->text, "\n", 1);
		}
		free(v);
	}
	if (nd->child)
		fwalk_object(fw, nd->child, depth + 1, nest + 1, LEAF_BODY_TEXT | LEAF_HTML_TEXT);
}

static void fwalk_object(struct fwalk *fw, const struct fnode *nd, int depth, int nest,
			 unsigned flags)
{
	struct walk *w = &fw->w;
	if (w->nomem || fw->decline)
		return;
	if (nest > MAIL_MAX_NEST) {
		w->truncated = true;
		return;
	}
	if (nd->kind == FK_MULTI) {
		const struct fnode *plain = NULL;
		if (nd->alternative)
			for (const struct fnode *c = nd->child; c && !plain; c = c->next)
				if (c->kind == FK_LEAF && c->plain_body)
					plain = c;
		for (const struct fnode *c = nd->child; c && !w->nomem && !fw->decline;
		     c = c->next) {
			unsigned f = flags;
			if (plain)
				f = c == plain ? (flags | LEAF_BODY_TEXT) & ~LEAF_HTML_TEXT
					       : flags & ~(LEAF_BODY_TEXT | LEAF_HTML_TEXT);
			fwalk_object(fw, c, depth, nest + 1, f);
		}
	} else if (nd->kind == FK_MESSAGE) {
		fwalk_message(fw, nd, depth, nest);
	} else {
		fwalk_leaf(fw, nd, depth, flags);
	}
}

/* The top-level fields as headers_into() reads them through GMime. False to decline. */
static int fast_headers_into(struct fwalk *fw, const struct fhdr *h)
{
	struct walk *w = &fw->w;
	struct mail_msg *msg = w->msg;
	size_t max = w->lim->max_header_bytes;
	bool cut = false;
	const char *p;
	size_t n;
	char tmp[512];
	char *from = span_text(&h->v[FH_FROM], max, &cut);
	if (!from)
		return MAIL_E_NOMEM;
	int rc = fast_from_split(from, max, &msg->from, &msg->from_addr, &cut);
	free(from);
	if (rc != 0)
		return rc;
	msg->to = span_text(&h->v[FH_TO], max, &cut);
	msg->subject = span_text(&h->v[FH_SUBJECT], max, &cut);
	msg->date_hdr = span_text(&h->v[FH_DATE], max, &cut);
	msg->date = 0;
	if (h->v[FH_MSGID].set) {
		if (!span_plain(&h->v[FH_MSGID], &p, &n) || n >= sizeof(tmp))
			return MAIL_DECLINED;
		for (size_t i = 0; i < n; i++)
			if (p[i] == ' ' || p[i] == '\t' || p[i] == '(')
				return MAIL_DECLINED;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		char *id = g_mime_utils_decode_message_id(tmp);
		msg->message_id = dup_utf8(id, max, &cut);
		g_free(id);
	} else {
		msg->message_id = calloc(1, 1);
	}
	if (h->v[FH_DATE].set) {
		if (!span_plain(&h->v[FH_DATE], &p, &n) || n >= sizeof(tmp))
			return MAIL_DECLINED;
		if (plain_date(p, n, &msg->date))
			goto date_done;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		GDateTime *d = g_mime_utils_header_decode_date(tmp);
		if (d) {
			msg->date = (int64_t)g_date_time_to_unix(d);
			g_date_time_unref(d);
		}
	}
date_done:
	w->truncated |= cut;
	if (!msg->to || !msg->subject || !msg->message_id || !msg->date_hdr)
		return MAIL_E_NOMEM;
	return 0;
}

/* Move the walk's text and HTML into out. */
static int walk_finish(struct walk *w, struct mail_msg *out)
{
	if (w->nomem || w->text.nomem || w->html.nomem)
		return MAIL_E_NOMEM;
	out->text = w->text.p ? w->text.p : calloc(1, 1);
	out->text_len = w->text.len;
	w->text.p = NULL;
	out->html = w->html.p ? w->html.p : calloc(1, 1);
	out->html_len = w->html.len;
	w->html.p = NULL;
	out->truncated = w->truncated || w->text.cut || w->html.cut;
	if (!out->text || !out->html)
		return MAIL_E_NOMEM;
	return 0;
}

/* The message body[0..blen) (past any mbox line) by the scanner: 0, MAIL_DECLINED with *out
 * zeroed, or MAIL_E_NOMEM. */
static int fast_parse(const char *body, size_t blen, const struct mail_limits *lim,
		      struct mail_msg *out)
{
	struct fhdr top;
	size_t hl = scan_headers(body, blen, &top);
	if (hl == 0 || hl > lim->max_header_bytes)
		return MAIL_DECLINED;
	struct fscan *sc = malloc(sizeof(*sc));
	if (!sc)
		return MAIL_E_NOMEM;
	sc->used = 0;
	struct fnode *root = NULL;
	int rc = MAIL_DECLINED;
	struct fwalk fw = {.w = {.lim = lim, .msg = out}};
	fw.w.text.max = fw.w.html.max = lim->max_text_bytes;
	if (!scan_entity(sc, &top, body + hl, blen - hl, 0, -1, &root))
		goto out;
	rc = fast_headers_into(&fw, &top);
	if (rc != 0)
		goto out;
	fwalk_object(&fw, root, 0, 0, LEAF_BODY_TEXT | LEAF_HTML_TEXT);
	rc = fw.decline ? MAIL_DECLINED : walk_finish(&fw.w, out);
out:
	free(fw.w.text.p);
	free(fw.w.html.p);
	fscan_free(sc);
	free(sc);
	if (rc != 0)
		mail_msg_free(out);
	return rc;
}

int mail_parse(const char *raw, size_t len, const struct mail_limits *lim, struct mail_msg *out,
	       char *err, size_t errlen)
{
	return mail_parse_path(MAIL_PATH_AUTO, raw, len, lim, out, err, errlen);
}

int mail_parse_path(enum mail_path path, const char *raw, size_t len, const struct mail_limits *lim,
		    struct mail_msg *out, char *err, size_t errlen)
{
	if (!out || (!raw && len)) {
		set_err(err, errlen, "invalid argument");
		return MAIL_E_INVAL;
	}
	memset(out, 0, sizeof(*out));
	if (!lim)
		lim = &mail_limits_default;
	if (lim->max_size == 0 || lim->max_parts == 0 || lim->max_depth < 0 ||
	    lim->max_header_bytes == 0 || lim->max_text_bytes == 0) {
		set_err(err, errlen, "invalid limits");
		return MAIL_E_INVAL;
	}
	size_t ws = 0;
	while (ws < len && is_space_byte(raw[ws]))
		ws++;
	if (ws == len) {
		set_err(err, errlen, "empty message");
		return MAIL_E_EMPTY;
	}
	if (len > lim->max_size) {
		set_err(err, errlen, "message larger than the size limit");
		return MAIL_E_TOOBIG;
	}
	size_t at = skip_envelope(raw, len);
	if (!starts_with_field(raw + at, len - at)) {
		set_err(err, errlen, "not a mail message: no header field at the start");
		return MAIL_E_NOTMAIL;
	}
	if (mail_init() != 0) {
		set_err(err, errlen, "cannot initialise the MIME library");
		return MAIL_E_NOMEM;
	}

	if (path != MAIL_PATH_GMIME) {
		int frc = fast_parse(raw + at, len - at, lim, out);
		if (frc == MAIL_E_NOMEM)
			set_err(err, errlen, "out of memory");
		if (frc != MAIL_DECLINED || path == MAIL_PATH_FAST)
			return frc;
	}
	int rc = 0;
	struct walk w = {.lim = lim, .msg = out};
	w.text.max = w.html.max = lim->max_text_bytes;
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *m = NULL;

	/* a header block over the limit keeps its first whole fields */
	const char *body = raw + at;
	size_t blen = len - at;
	size_t hlen = header_block_len(body, blen);
	if (hlen > lim->max_header_bytes) {
		size_t cut = header_cut(body, hlen, lim->max_header_bytes);
		stream = g_mime_stream_mem_new();
		if (stream) {
			(void)g_mime_stream_write(stream, body, cut);
			(void)g_mime_stream_write(stream, "\n", 1);
			(void)g_mime_stream_write(stream, body + hlen, blen - hlen);
			(void)g_mime_stream_reset(stream);
		}
		w.truncated = true;
	} else {
		stream = g_mime_stream_mem_new_with_buffer(body, blen);
	}
	if (!stream) {
		rc = MAIL_E_NOMEM;
		goto out;
	}
	parser = g_mime_parser_new_with_stream(stream);
	if (!parser) {
		rc = MAIL_E_NOMEM;
		goto out;
	}
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, parser_options);
	if (!m) {
		set_err(err, errlen, "the MIME parser could not read the message");
		rc = MAIL_E_PARSE;
		goto out;
	}
	rc = headers_into(&w, m);
	if (rc != 0)
		goto out;
	GMimeObject *top = g_mime_message_get_mime_part(m);
	if (top)
		walk_object(&w, top, 0, 0, LEAF_BODY_TEXT | LEAF_HTML_TEXT);
	rc = walk_finish(&w, out);
out:
	if (rc == MAIL_E_NOMEM)
		set_err(err, errlen, "out of memory");
	free(w.text.p);
	free(w.html.p);
	if (m)
		g_object_unref(m);
	if (parser)
		g_object_unref(parser);
	if (stream)
		g_object_unref(stream);
	if (rc != 0)
		mail_msg_free(out);
	return rc;
}

static bool str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool mail_msg_same(const struct mail_msg *a, const struct mail_msg *b, char *why, size_t whylen)
{
	const char *diff = NULL;
	size_t part = 0;
	if (!str_same(a->from, b->from))
		diff = "from";
	else if (!str_same(a->from_addr, b->from_addr))
		diff = "from_addr";
	else if (!str_same(a->to, b->to))
		diff = "to";
	else if (!str_same(a->subject, b->subject))
		diff = "subject";
	else if (!str_same(a->message_id, b->message_id))
		diff = "message_id";
	else if (!str_same(a->date_hdr, b->date_hdr))
		diff = "date_hdr";
	else if (a->date != b->date)
		diff = "date";
	else if (a->text_len != b->text_len || !str_same(a->text, b->text))
		diff = "text";
	else if (a->html_len != b->html_len || !str_same(a->html, b->html))
		diff = "html";
	else if (a->truncated != b->truncated)
		diff = "truncated";
	else if (a->nparts != b->nparts)
		diff = "nparts";
	for (; !diff && part < a->nparts; part++) {
		const struct mail_part *p = &a->parts[part], *q = &b->parts[part];
		if (!str_same(p->type, q->type))
			diff = "part type";
		else if (!str_same(p->filename, q->filename))
			diff = "part filename";
		else if (p->text_len != q->text_len || !str_same(p->text, q->text))
			diff = "part text";
		else if (p->size != q->size)
			diff = "part size";
		else if (p->depth != q->depth)
			diff = "part depth";
		else if (p->attachment != q->attachment)
			diff = "part attachment";
		else if (p->html != q->html)
			diff = "part html";
	}
	if (diff && why && whylen) {
		char t[64];
		if (strncmp(diff, "part", 4) == 0)
			(void)snprintf(t, sizeof(t), "%s of part %zu", diff, part - 1);
		else
			(void)snprintf(t, sizeof(t), "%s", diff);
		set_err(why, whylen, t);
	}
	return !diff;
}

void mail_msg_free(struct mail_msg *m)
{
	if (!m)
		return;
	free(m->from);
	free(m->from_addr);
	free(m->to);
	free(m->subject);
	free(m->message_id);
	free(m->date_hdr);
	free(m->text);
	free(m->html);
	for (size_t i = 0; i < m->nparts; i++) {
		free(m->parts[i].type);
		free(m->parts[i].filename);
		free(m->parts[i].text);
	}
	free(m->parts);
	memset(m, 0, sizeof(*m));
}

const char *mail_strerror(int code, enum i18n_lang lang)
{
	bool ja = lang == I18N_JA;
	switch (code) {
	case 0:
		return "";
	case MAIL_E_EMPTY:
		return ja ? "メールが空です" : "the message is empty";
	case MAIL_E_TOOBIG:
		return ja ? "メールが大きすぎます" : "the message is too large";
	case MAIL_E_NOTMAIL:
		return ja ? "メール形式ではありません（ヘッダーがありません）"
			  : "not an e-mail message (no header)";
	case MAIL_E_NOMEM:
		return ja ? "メモリが不足しています" : "out of memory";
	case MAIL_E_PARSE:
		return ja ? "メールを解析できませんでした" : "the message could not be parsed";
	case MAIL_E_INVAL:
		return ja ? "引数が不正です" : "invalid argument";
	default:
		return ja ? "不明なエラーです" : "unknown error";
	}
}

const char *mail_error_name(int code)
{
	switch (code) {
	case MAIL_E_EMPTY:
		return "empty";
	case MAIL_E_TOOBIG:
		return "too_big";
	case MAIL_E_NOTMAIL:
		return "not_mail";
	case MAIL_E_NOMEM:
		return "no_memory";
	case MAIL_E_PARSE:
		return "parse";
	case MAIL_E_INVAL:
		return "invalid";
	default:
		return "unknown";
	}
}
