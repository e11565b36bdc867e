/* canon.c - Safe Browsing URL canonicalisation, host normalisation, registrable domains
 *
 * Order of the URL steps (Safe Browsing v4, "URLs and Hashing", Canonicalization):
 *   trim outer whitespace -> drop TAB, CR, LF -> cut the fragment -> unescape until no %XX is
 *   left -> split scheme / authority / path / query -> host rules -> path rules (not the
 *   query) -> escape bytes <= 0x20, >= 0x7F, '#' and '%' as %XX with upper-case hex.
 */
#include "canon.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <libpsl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ckd.h"
#include "../lib/banned.h"

/* A bounded output buffer: writes past cap set over and are dropped. */
struct obuf {
	char *p;
	size_t n, cap;
	bool over;
};

static void ob_putc(struct obuf *o, char c)
{
	if (o->n + 1 >= o->cap) { /* keep room for the NUL */
		o->over = true;
		return;
	}
	o->p[o->n++] = c;
}

static void ob_put(struct obuf *o, const char *s, size_t len)
{
	if (len >= o->cap || o->n + len >= o->cap) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

static const char hexu[] = "0123456789ABCDEF";

static bool needs_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '#' || c == '%';
}

static void ob_put_escaped(struct obuf *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (needs_escape(c)) {
			ob_putc(o, '%');
			ob_putc(o, hexu[c >> 4]);
			ob_putc(o, hexu[c & 15]);
		} else {
			ob_putc(o, (char)c);
		}
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
}

/* Unescape b[0..n) in place until no "%XX" is left; returns the new length. Each byte written
 * is checked together with the two before it, so an escape that decoding forms is decoded too:
 * the result is the fixed point of repeated unescaping in one pass. */
static size_t unescape_all(char *b, size_t n)
{
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		b[w++] = b[r];
		while (w >= 3 && b[w - 3] == '%') {
			int hi = hexval((unsigned char)b[w - 2]),
			    lo = hexval((unsigned char)b[w - 1]);
			if (hi < 0 || lo < 0)
				break;
			b[w - 3] = (char)(hi * 16 + lo);
			w -= 2;
		}
	}
	return w;
}

/* ---- hosts ---- */

/* One inet_aton-style component: decimal, 0-prefixed octal or 0x-prefixed hex. */
static bool ipv4_part(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;
	if (len == 0)
		return false;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
		if (len == 2)
			return false;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < len; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || (unsigned)d >= base)
			return false;
		v = v * base + (unsigned)d;
		if (v > 0xffffffffu)
			return false;
	}
	*ret = v;
	return true;
}

/* A host in any legal IPv4 form (1 to 4 components) to its 32-bit value. */
static bool ipv4_any(const char *s, size_t len, uint32_t *ret)
{
	uint64_t part[4];
	size_t np = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (np == 4 || !ipv4_part(s + start, i - start, &part[np]))
				return false;
			np++;
			start = i + 1;
		}
	}
	uint64_t v = 0;
	for (size_t i = 0; i + 1 < np; i++) {
		if (part[i] > 255)
			return false;
		v |= part[i] << (8 * (3 - i));
	}
	uint64_t last = part[np - 1];
	if (last >= (1ull << (8 * (5 - np))))
		return false;
	*ret = (uint32_t)(v | last);
	return true;
}

static void put_ipv4(struct obuf *o, uint32_t a)
{
	char t[16];
	size_t n = 0;
	for (int i = 3; i >= 0; i--) {
		unsigned b = (a >> (8 * i)) & 255;
		if (b >= 100)
			t[n++] = (char)('0' + b / 100);
		if (b >= 10)
			t[n++] = (char)('0' + b / 10 % 10);
		t[n++] = (char)('0' + b % 10);
		if (i)
			t[n++] = '.';
	}
	ob_put(o, t, n);
}

/* RFC 5952 text of an IPv6 address: lower-case hex without leading zeros, the longest run of
 * two or more zero groups (the first if tied) as "::". IPv4-mapped (::ffff:0:0/96) and NAT64
 * (64:ff9b::/96) addresses are written as their IPv4 dotted quad. */
static void put_ipv6(struct obuf *o, const unsigned char a[16], bool brackets)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		put_ipv4(o, (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 |
				a[15]);
		return;
	}
	unsigned g[8];
	for (size_t i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8;) {
		if (g[i] != 0) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	if (brackets)
		ob_putc(o, '[');
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			ob_put(o, "::", 2);
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			ob_putc(o, ':');
		bool started = false;
		for (int s = 12; s >= 0; s -= 4) {
			unsigned d = (g[i] >> s) & 15;
			if (d || started || s == 0) {
				ob_putc(o, "0123456789abcdef"[d]);
				started = true;
			}
		}
	}
	if (brackets)
		ob_putc(o, ']');
}

static bool is_ipv6_literal(const char *s, size_t len, unsigned char a[16])
{
	char t[64];
	if (len == 0 || len >= sizeof(t))
		return false;
	memcpy(t, s, len);
	t[len] = '\0';
	return inet_pton(AF_INET6, t, a) == 1;
}

/* Whether s[0..len) is valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static bool valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		unsigned cp = c & (0x3fu >> n);
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* A non-ASCII host name to A-labels in out (NUL-terminated): IDNA 2008 with the UTS #46
 * mapping and STD3 rules (non-transitional), and UTS #46 transitional processing when that
 * refuses the name. False when both refuse it, when the name holds control bytes or spaces,
 * or when the result is not letters, digits, '-' and '.' only. */
static bool host_to_ascii(const char *s, size_t len, char *out, size_t cap, size_t *ret_len)
{
	char t[CANON_MAX_HOST + 1];
	char *res = NULL;
	if (len > CANON_MAX_HOST)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	memcpy(t, s, len);
	t[len] = '\0';
	int rc = idn2_lookup_u8((const uint8_t *)t, (uint8_t **)&res,
				IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES);
	if (rc != IDN2_OK)
		rc = idn2_lookup_u8((const uint8_t *)t, (uint8_t **)&res,
				    IDN2_NFC_INPUT | IDN2_TRANSITIONAL | IDN2_USE_STD3_ASCII_RULES);
	if (rc != IDN2_OK)
		return false;
	size_t n = strlen(res);
	bool ok = n < cap;
	for (size_t i = 0; ok && i < n; i++) {
		char c = lower(res[i]);
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
		out[i] = c;
	}
	idn2_free(res);
	if (!ok)
		return false;
	out[n] = '\0';
	*ret_len = n;
	return true;
}

enum host_mode { HOST_URL, HOST_BARE };

/* The host rules on h[0..len) (already unescaped), written into o unescaped. In HOST_URL mode
 * IPv6 keeps its brackets and a name that IDNA refuses is kept as bytes (to be escaped);
 * in HOST_BARE mode brackets are optional and dropped, and such a name is an error. */
static int host_rules(const char *h, size_t len, enum host_mode mode, struct obuf *o, bool *ret_ip)
{
	char t[CANON_MAX_HOST];
	size_t n = 0;
	unsigned char a6[16];
	*ret_ip = false;
	if (len > CANON_MAX_HOST)
		return CANON_E_TOOLONG;
	if (len > 0 && h[0] == '[') {
		if (len < 2 || h[len - 1] != ']' || !is_ipv6_literal(h + 1, len - 2, a6))
			return CANON_E_BADHOST;
		put_ipv6(o, a6, mode == HOST_URL);
		*ret_ip = true;
		return 0;
	}
	if (mode == HOST_BARE && memchr(h, ':', len)) {
		if (!is_ipv6_literal(h, len, a6))
			return CANON_E_BADHOST;
		put_ipv6(o, a6, false);
		*ret_ip = true;
		return 0;
	}
	/* strip leading and trailing dots, collapse runs; note non-ASCII */
	bool ascii = true;
	for (size_t i = 0; i < len; i++) {
		char c = h[i];
		if (c == '.' && (n == 0 || t[n - 1] == '.'))
			continue;
		if ((unsigned char)c >= 0x80)
			ascii = false;
		t[n++] = lower(c);
	}
	while (n > 0 && t[n - 1] == '.')
		n--;
	if (n == 0)
		return CANON_E_NOHOST;
	if (memchr(t, '[', n) || memchr(t, ']', n))
		return CANON_E_BADHOST;
	uint32_t a4;
	if (ipv4_any(t, n, &a4)) {
		put_ipv4(o, a4);
		*ret_ip = true;
		return 0;
	}
	if (!ascii) {
		/* the A-label form goes through the ASCII rules (dots, addresses) once more */
		char a[CANON_MAX_HOST];
		size_t al;
		if (valid_utf8((const unsigned char *)t, n) &&
		    host_to_ascii(t, n, a, sizeof(a), &al))
			return host_rules(a, al, mode, o, ret_ip);
		if (mode == HOST_BARE)
			return CANON_E_BADHOST;
	}
	ob_put(o, t, n);
	return 0;
}

/* ---- URLs ---- */

static bool is_scheme_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/* Length of "scheme" when b starts with "scheme://", else 0. */
static size_t scheme_len(const char *b, size_t n)
{
	size_t i = 0;
	while (i < n && i < 32 && is_scheme_char(b[i], i == 0))
		i++;
	if (i == 0 || n - i < 3 || memcmp(b + i, "://", 3) != 0)
		return 0;
	return i;
}

/* The path rules on p[0..len) (unescaped, may be empty), escaped into o: "." and ".."
 * segments resolved, runs of '/' collapsed, a trailing '/' kept. */
static void path_rules(const char *p, size_t len, struct obuf *o)
{
	size_t root = o->n;
	ob_putc(o, '/');
	bool last_plain = false;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		size_t sl = j - i;
		last_plain = false;
		if (sl == 0 || (sl == 1 && p[i] == '.')) {
			/* nothing */
		} else if (sl == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (!o->over && o->n > root + 1) {
				size_t k = o->n - 1; /* the '/' ending the last segment */
				while (k > root && o->p[k - 1] != '/')
					k--;
				o->n = k;
			}
		} else {
			ob_put_escaped(o, p + i, sl);
			ob_putc(o, '/');
			last_plain = true;
		}
		i = j + 1;
	}
	/* a path ending in a plain segment has no trailing slash */
	if (last_plain && len > 0 && p[len - 1] != '/' && !o->over)
		o->n--;
}

static int url_rules(const char *raw, size_t len, char *out, size_t cap, struct canon_url *parts)
{
	char b[CANON_MAX_INPUT];
	struct obuf o = {out, 0, cap, false};
	struct canon_url pt;
	memset(&pt, 0, sizeof(pt));
	if (cap > 0)
		out[0] = '\0';
	if (!raw)
		return CANON_E_EMPTY;

	/* trim, drop TAB/CR/LF, cut at the fragment */
	while (len > 0 && (unsigned char)raw[0] <= 0x20) {
		raw++;
		len--;
	}
	while (len > 0 && (unsigned char)raw[len - 1] <= 0x20)
		len--;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = raw[i];
		if (c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '#')
			break;
		if (n == sizeof(b))
			return CANON_E_TOOLONG;
		b[n++] = c;
	}
	if (n == 0)
		return CANON_E_EMPTY;
	n = unescape_all(b, n);

	/* scheme */
	size_t at = 0, sl = scheme_len(b, n);
	if (sl > 0) {
		for (size_t i = 0; i < sl; i++)
			ob_putc(&o, lower(b[i]));
		pt.scheme_len = sl;
		at = sl + 3;
	} else {
		ob_put(&o, "http", 4);
		pt.scheme_len = 4;
	}
	ob_put(&o, "://", 3);

	/* authority: up to '/' or '?'; userinfo up to the last '@'; port after the last ':'
	 * outside brackets */
	size_t ae = at;
	while (ae < n && b[ae] != '/' && b[ae] != '?')
		ae++;
	size_t hs = at, he = ae;
	for (size_t i = at; i < ae; i++)
		if (b[i] == '@')
			hs = i + 1;
	size_t close = he;
	if (hs < he && b[hs] == '[') {
		const char *cb = memchr(b + hs, ']', he - hs);
		if (!cb)
			return CANON_E_BADHOST;
		close = (size_t)(cb - b) + 1;
		if (close < he && b[close] != ':')
			return CANON_E_BADHOST;
	} else {
		const char *colon = memchr(b + hs, ':', he - hs);
		if (colon)
			close = (size_t)(colon - b);
	}
	for (size_t i = close + 1; i < he; i++)
		if (b[i] < '0' || b[i] > '9')
			return CANON_E_BADPORT;
	he = close;

	pt.host_off = o.n;
	{
		char hb[CANON_MAX_HOST * 4 + 64];
		struct obuf ho = {hb, 0, sizeof(hb), false};
		int rc = host_rules(b + hs, he - hs, HOST_URL, &ho, &pt.host_is_ip);
		if (rc < 0)
			return rc;
		if (ho.over)
			return CANON_E_TOOLONG;
		ob_put_escaped(&o, hb, ho.n);
	}
	pt.host_len = o.n - pt.host_off;

	/* path and query */
	size_t ps = ae, pe = ae;
	while (pe < n && b[pe] != '?')
		pe++;
	pt.path_off = o.n;
	path_rules(b + ps, pe - ps, &o);
	pt.path_len = o.n - pt.path_off;
	if (pe < n) {
		pt.has_query = true;
		ob_putc(&o, '?');
		pt.query_off = o.n;
		ob_put_escaped(&o, b + pe + 1, n - pe - 1);
		pt.query_len = o.n - pt.query_off;
	}
	if (o.over) {
		if (cap > 0)
			out[0] = '\0';
		return CANON_E_NOSPACE;
	}
	out[o.n] = '\0';
	if (o.n > INT32_MAX)
		return CANON_E_TOOLONG;
	if (parts)
		*parts = pt;
	return (int)o.n;
}

int canon_url(const char *raw, size_t len, char *out, size_t cap, struct canon_url *parts)
{
	int rc = url_rules(raw, len, out, cap, parts);
	if (rc < 0 && cap > 0)
		out[0] = '\0';
	return rc;
}

int canon_host(const char *in, size_t len, char *out, size_t cap)
{
	struct obuf o = {out, 0, cap, false};
	bool ip;
	if (cap > 0)
		out[0] = '\0';
	if (!in)
		return CANON_E_EMPTY;
	while (len > 0 && (unsigned char)in[0] <= 0x20) {
		in++;
		len--;
	}
	while (len > 0 && (unsigned char)in[len - 1] <= 0x20)
		len--;
	if (len == 0)
		return CANON_E_EMPTY;
	int rc = host_rules(in, len, HOST_BARE, &o, &ip);
	if (rc < 0)
		return rc;
	if (o.over) {
		if (cap > 0)
			out[0] = '\0';
		return CANON_E_NOSPACE;
	}
	for (size_t i = 0; !ip && i < o.n; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c <= 0x20 || c >= 0x7f || strchr("/?#@:[]\\%", c)) {
			out[0] = '\0';
			return CANON_E_BADHOST;
		}
	}
	if (o.n > 253) {
		out[0] = '\0';
		return CANON_E_BADHOST;
	}
	out[o.n] = '\0';
	return (int)o.n;
}

bool canon_host_is_ip(const char *host)
{
	unsigned char a[16];
	if (!host)
		return false;
	if (inet_pton(AF_INET, host, a) == 1)
		return true;
	size_t len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		return is_ipv6_literal(host + 1, len - 2, a);
	return inet_pton(AF_INET6, host, a) == 1;
}

/* The last answers of canon_registrable(), per thread: a report names the same host in its URLs,
 * as a domain and in addresses, and a run of reports names the same hosts again, while the
 * Public Suffix List lookup costs about a microsecond (9,000 instructions). Direct-mapped by a
 * hash of the host; a host longer than REG_CACHE_HOST is looked up every time. 1,024 slots
 * (130 KiB per thread that extracts): on 5,000 benchmark mails with 2,700 different hosts,
 * 128 slots missed 6,200 of 20,200 lookups, mostly hosts seen before and evicted; 1,024
 * miss 4,300. */
#define REG_CACHE_SLOTS 1024
#define REG_CACHE_HOST	127

struct reg_cache_slot {
	char host[REG_CACHE_HOST + 1]; /* "" when empty */
	int16_t reg_off; /* the registrable domain starts at host + reg_off; -1: none */
};

static _Thread_local struct reg_cache_slot reg_cache[REG_CACHE_SLOTS];

/* The registrable domain of host as an offset into host, or -1; no cache. */
static ptrdiff_t registrable_off(const char *host)
{
	if (canon_host_is_ip(host))
		return -1;
	const psl_ctx_t *psl = psl_builtin();
	if (!psl || !canon_known_suffix(host))
		return -1;
	const char *r = psl_registrable_domain(psl, host);
	return r ? r - host : -1;
}

int canon_registrable(const char *host, char *out, size_t cap)
{
	if (cap > 0)
		out[0] = '\0';
	if (!host || !*host)
		return CANON_E_NODOMAIN;
	size_t hl = strlen(host);
	ptrdiff_t off;
	if (hl <= REG_CACHE_HOST) {
		uint32_t h = 2166136261u; /* FNV-1a */
		for (size_t i = 0; i < hl; i++)
			h = (h ^ (unsigned char)host[i]) * 16777619u;
		struct reg_cache_slot *c = &reg_cache[h % REG_CACHE_SLOTS];
		if (strcmp(c->host, host) == 0) {
			off = c->reg_off;
		} else {
			off = registrable_off(host);
			memcpy(c->host, host, hl + 1);
			c->reg_off = (int16_t)off;
		}
	} else {
		off = registrable_off(host);
	}
	if (off < 0 || (size_t)off >= hl)
		return CANON_E_NODOMAIN;
	const char *r = host + off;
	size_t n = hl - (size_t)off;
	if (n + 1 > cap)
		return CANON_E_NOSPACE;
	memcpy(out, r, n + 1);
	return (int)n;
}

bool canon_known_suffix(const char *host)
{
	const psl_ctx_t *psl = psl_builtin();
	if (!psl || !host)
		return false;
	const char *dot = strrchr(host, '.');
	const char *tld = dot ? dot + 1 : host;
	if (!*tld)
		return false;
	return psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

bool canon_is_icann_suffix(const char *host)
{
	const psl_ctx_t *psl = psl_builtin();
	if (!psl || !host || !*host)
		return false;
	return psl_is_public_suffix2(psl, host, PSL_TYPE_ICANN) != 0;
}

/* ---- lookup expressions ---- */

int canon_expressions(const char *url, const struct canon_url *parts, canon_expr_fn fn, void *ctx)
{
	if (!url || !parts || !fn)
		return 0;
	const char *host = url + parts->host_off;
	const char *path = url + parts->path_off;
	size_t hl = parts->host_len, pl = parts->path_len;
	size_t ql = parts->has_query ? parts->query_len + 1 : 0;

	/* hosts: exact, then suffixes starting within the last 5 labels, at least 2 labels */
	size_t hoff[5], nh = 0;
	hoff[nh++] = 0;
	if (!parts->host_is_ip) {
		size_t dots[CANON_MAX_HOST], nd = 0;
		for (size_t i = 0; i < hl; i++)
			if (host[i] == '.' && nd < CANON_MAX_HOST)
				dots[nd++] = i;
		/* labels = nd + 1; suffix starting after dot k has nd - k labels */
		for (size_t k = 0; k < nd; k++) {
			size_t labels = nd - k;
			if (labels > 5 || labels < 2)
				continue;
			hoff[nh++] = dots[k] + 1;
			if (nh == 5)
				break;
		}
	}

	/* paths: exact with query, exact, then "/" and up to 3 more directory prefixes */
	size_t plen[6];
	bool pq[6];
	size_t np = 0;
	if (ql > 0) {
		plen[np] = pl;
		pq[np++] = true;
	}
	plen[np] = pl;
	pq[np++] = false;
	size_t npre = 0;
	for (size_t i = 0; i < pl && npre < 4; i++) {
		if (path[i] != '/')
			continue;
		size_t l = i + 1;
		if (l != pl) {
			plen[np] = l;
			pq[np++] = false;
		}
		npre++;
	}

	char e[CANON_MAX_INPUT * 3 + 8];
	int calls = 0;
	for (size_t h = 0; h < nh; h++) {
		size_t hlen = hl - hoff[h];
		for (size_t p = 0; p < np; p++) {
			size_t len = hlen + plen[p] + (pq[p] ? ql : 0);
			if (len >= sizeof(e))
				continue;
			memcpy(e, host + hoff[h], hlen);
			memcpy(e + hlen, path, plen[p]);
			if (pq[p])
				memcpy(e + hlen + plen[p], path + pl, ql);
			e[len] = '\0';
			calls++;
			int rc = fn(e, len, ctx);
			if (rc != 0)
				return rc;
		}
	}
	return calls;
}

const char *canon_strerror(int code, const char *lang)
{
	bool ja = lang && lang[0] == 'j' && lang[1] == 'a';
	switch (code) {
	case CANON_E_EMPTY:
		return ja ? "URL が空です" : "empty URL";
	case CANON_E_TOOLONG:
		return ja ? "URL またはホスト名が長すぎます" : "URL or host name too long";
	case CANON_E_NOHOST:
		return ja ? "ホスト名がありません" : "no host name";
	case CANON_E_BADHOST:
		return ja ? "ホスト名が不正です" : "invalid host name";
	case CANON_E_BADPORT:
		return ja ? "ポート番号が不正です" : "invalid port number";
	case CANON_E_NOSPACE:
		return ja ? "出力領域が不足しています" : "output buffer too small";
	case CANON_E_NODOMAIN:
		return ja ? "登録可能ドメインがありません" : "no registrable domain";
	default:
		return ja ? "不明なエラーです" : "unknown error";
	}
}
