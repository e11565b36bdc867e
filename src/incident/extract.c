/* extract.c - indicators from report text and HTML
 *
 * The text is first "refanged" into a copy that remembers, for each byte, where in the input
 * it came from (so an indicator's raw text is what the reporter wrote). Then scanners run in
 * order, each claiming the bytes it used so later ones do not see them again:
 *   URLs (scheme://... or www.) -> e-mail addresses -> hashes -> IPv6 -> IPv4 -> domains.
 */
#include "extract.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "../lib/ckd.h"
#include "../lib/banned.h"

/* ---- the set ---- */

void indicator_set_init(struct indicator_set *set, size_t max)
{
	memset(set, 0, sizeof(*set));
	set->max = max ? max : EXTRACT_DEFAULT_MAX;
}

void indicator_set_free(struct indicator_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++) {
		free(set->items[i].raw);
		free(set->items[i].value);
		free(set->items[i].registrable);
	}
	free(set->items);
	set->items = NULL;
	set->count = set->cap = 0;
	set->overflow = false;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

int indicator_set_add(struct indicator_set *set, enum ind_type type, const char *raw,
		      size_t raw_len, const char *value, const char *registrable)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].type == type && strcmp(set->items[i].value, value) == 0)
			return 0;
	if (set->count >= set->max) {
		set->overflow = true;
		return -ENOSPC;
	}
	if (set->count == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16, bytes;
		if (nc > set->max)
			nc = set->max;
		if (!ckd_size_mul(nc, sizeof(*set->items), &bytes))
			return -ENOMEM;
		struct indicator *ni = realloc(set->items, bytes);
		if (!ni)
			return -ENOMEM;
		set->items = ni;
		set->cap = nc;
	}
	char *r = dup_n(raw ? raw : "", raw ? raw_len : 0);
	char *v = dup_n(value, strlen(value));
	char *g = registrable ? dup_n(registrable, strlen(registrable)) : NULL;
	if (!r || !v || (registrable && !g)) {
		free(r);
		free(v);
		free(g);
		return -ENOMEM;
	}
	/* copied whole: gcc 12's analyzer reports a leak for a field-by-field store here */
	struct indicator it = {type, r, v, g};
	memcpy(&set->items[set->count], &it, sizeof(it));
	set->count++;
	return 1;
}

const char *ind_type_name(enum ind_type type)
{
	switch (type) {
	case IND_URL:
		return "url";
	case IND_DOMAIN:
		return "domain";
	case IND_IPV4:
		return "ipv4";
	case IND_IPV6:
		return "ipv6";
	case IND_EMAIL:
		return "email";
	case IND_MD5:
		return "md5";
	case IND_SHA1:
		return "sha1";
	case IND_SHA256:
		return "sha256";
	}
	return "unknown";
}

/* ---- character classes ---- */

/* whether c is one of the bytes of set (never for NUL, which strchr would find) */
static bool in_set(const char *set, unsigned char c)
{
	return c != 0 && strchr(set, c) != NULL;
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
	return (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
}

static bool ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* Length of the UTF-8 sequence at s[0..n) and its code point; 0 if not valid UTF-8. */
static size_t utf8_at(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Characters that end a URL even in its host: CJK punctuation (、。「」 ...), full-width and
 * half-width forms (（）［］ ...), general punctuation (— “ ” …), spaces. */
static bool cp_is_delimiter(uint32_t cp)
{
	return (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xffef) ||
	       (cp >= 0x2000 && cp <= 0x206f) || cp == 0xa0 || cp == 0xfeff;
}

/* ---- refanging ---- */

struct text {
	char *b;     /* refanged text */
	size_t *map; /* map[i]: input offset of b[i]; map[n] = input length */
	bool *used;  /* claimed by a scanner */
	size_t n;
	const char *src;
};

struct refang {
	const char *from;
	const char *to;
};

/* matched case-insensitively; longest first where one is a prefix of another */
static const struct refang refangs[] = {
    {"[://]", "://"}, {"[:]", ":"},	{"[.]", "."},	  {"(.)", "."},	    {"{.}", "."},
    {"[dot]", "."},   {"(dot)", "."},	{"{dot}", "."},	  {"[@]", "@"},	    {"[at]", "@"},
    {"(at)", "@"},    {"{at}", "@"},	{"[/]", "/"},	  {"hxxp", "http"}, {"h**p", "http"},
    {"h__p", "http"}, {"hxtp", "http"}, {"htxp", "http"}, {"fxp", "ftp"},
};

static int text_init(struct text *t, const char *src, size_t len)
{
	size_t bytes;
	memset(t, 0, sizeof(*t));
	t->src = src;
	t->b = malloc(len + 1);
	if (!ckd_size_mul(len + 1, sizeof(*t->map), &bytes))
		return -ENOMEM;
	t->map = malloc(bytes);
	t->used = calloc(len + 1, 1);
	if (!t->b || !t->map || !t->used)
		return -ENOMEM;
	size_t i = 0, n = 0;
	while (i < len) {
		const struct refang *hit = NULL;
		char c = lower(src[i]);
		if (c == '[' || c == '(' || c == '{' || c == 'h' || c == 'f') {
			for (size_t k = 0; k < sizeof(refangs) / sizeof(refangs[0]); k++) {
				/* the table is lower case: a different first character cannot match
				 * (this runs at every 'h' and 'f' of the text) */
				if (refangs[k].from[0] != c)
					continue;
				size_t fl = strlen(refangs[k].from);
				if (fl > len - i || !ieq(src + i, refangs[k].from, fl))
					continue;
				/* scheme words only as a scheme: "hxxp://", "hxxps[:]//" */
				if (is_alpha((unsigned char)refangs[k].from[0])) {
					if (i > 0 && is_alnum((unsigned char)src[i - 1]))
						continue;
					size_t a = i + fl;
					if (a < len && lower(src[a]) == 's')
						a++;
					if (a >= len || (src[a] != ':' && src[a] != '['))
						continue;
				}
				hit = &refangs[k];
				break;
			}
		}
		if (hit) {
			size_t fl = strlen(hit->from), tl = strlen(hit->to);
			for (size_t k = 0; k < tl; k++) {
				t->b[n] = hit->to[k];
				t->map[n++] = i;
			}
			i += fl;
		} else {
			t->b[n] = src[i];
			t->map[n++] = i++;
		}
	}
	t->map[n] = len;
	t->b[n] = '\0';
	t->n = n;
	return 0;
}

static void text_done(struct text *t)
{
	free(t->b);
	free(t->map);
	free(t->used);
}

static void claim(struct text *t, size_t s, size_t e)
{
	memset(t->used + s, 1, e - s);
}

static bool any_used(const struct text *t, size_t s, size_t e)
{
	return memchr(t->used + s, 1, e - s) != NULL;
}

/* adds an indicator whose raw text is the input behind b[s..e) */
static int add(struct indicator_set *set, const struct text *t, enum ind_type type, size_t s,
	       size_t e, const char *value, const char *registrable)
{
	size_t rs = t->map[s], re = t->map[e];
	int rc = indicator_set_add(set, type, t->src + rs, re - rs, value, registrable);
	return rc == -ENOSPC ? 0 : rc;
}

/* a host (canonical) as a domain or address indicator */
static int add_host(struct indicator_set *set, const struct text *t, size_t s, size_t e,
		    const char *host)
{
	char reg[300];
	if (strchr(host, ':'))
		return add(set, t, IND_IPV6, s, e, host, NULL);
	if (canon_host_is_ip(host))
		return add(set, t, IND_IPV4, s, e, host, NULL);
	bool has_reg = canon_registrable(host, reg, sizeof(reg)) > 0;
	return add(set, t, IND_DOMAIN, s, e, host, has_reg ? reg : NULL);
}

/* ---- URLs ---- */

static const char *const schemes[] = {"http", "https", "ftp", "ftps"};

/* whether b[s..e) names a scheme we take URLs of */
static bool url_scheme(const char *b, size_t s, size_t e)
{
	for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++)
		if (strlen(schemes[k]) == e - s && ieq(b + s, schemes[k], e - s))
			return true;
	return false;
}

static bool url_stop_ascii(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("<>\"'`\\", c) != NULL;
}

/* End of a URL whose host starts at h: ASCII up to a delimiter; non-ASCII letters in the host
 * only where a label starts with them ("例え.テスト", not "example.comです"); none in the path. */
static size_t url_end(const struct text *t, size_t h)
{
	const unsigned char *b = (const unsigned char *)t->b;
	size_t i = h;
	bool in_host = true;
	while (i < t->n && !t->used[i]) {
		unsigned char c = b[i];
		if (c < 0x80) {
			if (url_stop_ascii(c))
				break;
			if (c == '/' || c == '?' || c == '#')
				in_host = false;
			i++;
			continue;
		}
		uint32_t cp;
		size_t l = utf8_at(b + i, t->n - i, &cp);
		if (l == 0 || !in_host || cp_is_delimiter(cp))
			break;
		if (i > h && b[i - 1] < 0x80 && b[i - 1] != '.')
			break;
		i += l;
	}
	/* trailing punctuation, and closing brackets that did not open inside */
	for (;;) {
		if (i <= h)
			break;
		unsigned char c = b[i - 1];
		/* '?' stays (feeds list URLs with an empty query); '*' only outside a query */
		if (in_set(".,;:!", c) || (c == '*' && !memchr(b + h, '?', i - h))) {
			i--;
			continue;
		}
		unsigned char open = c == ')' ? '(' : c == ']' ? '[' : 0;
		if (open) {
			size_t no = 0, nc = 0;
			for (size_t k = h; k < i; k++) {
				no += b[k] == open;
				nc += b[k] == c;
			}
			if (nc > no) {
				i--;
				continue;
			}
		}
		break;
	}
	return i;
}

static int emit_url(struct indicator_set *set, struct text *t, size_t s, size_t h, size_t e,
		    bool need_suffix)
{
	char out[CANON_MAX_INPUT * 3 + 16], host[CANON_MAX_HOST * 3 + 8], reg[300];
	struct canon_url p;
	if (e <= h)
		return 0;
	int n = canon_url(t->b + s, e - s, out, sizeof(out), &p);
	if (n < 0)
		return 0;
	if (p.host_len >= sizeof(host))
		return 0;
	size_t hl = p.host_len;
	const char *hp = out + p.host_off;
	if (hl >= 2 && hp[0] == '[') { /* IPv6 without brackets */
		hp++;
		hl -= 2;
	}
	memcpy(host, hp, hl);
	host[hl] = '\0';
	if (need_suffix && (p.host_is_ip || !canon_known_suffix(host)))
		return 0;
	claim(t, s, e);
	bool has_reg = !p.host_is_ip && canon_registrable(host, reg, sizeof(reg)) > 0;
	int rc = add(set, t, IND_URL, s, e, out, has_reg ? reg : NULL);
	if (rc < 0)
		return rc;
	int added = rc;
	/* the host, unless it is not a usable name (escaped bytes and the like) */
	char h2[300];
	if (canon_host(host, hl, h2, sizeof(h2)) > 0) {
		size_t he = h;
		while (he < e && t->b[he] != '/' && t->b[he] != '?' && t->b[he] != '#')
			he++;
		rc = add_host(set, t, h, he, h2);
		if (rc < 0)
			return rc;
		added += rc;
	}
	return added;
}

static int scan_urls(struct indicator_set *set, struct text *t)
{
	const char *b = t->b;
	int added = 0;
	for (size_t i = 0; i < t->n; i++) {
		size_t s, h;
		bool need_suffix;
		if (t->used[i])
			continue;
		if (i + 3 <= t->n && memcmp(b + i, "://", 3) == 0) {
			s = i;
			while (s > 0 && i - s < 8 && is_alpha((unsigned char)b[s - 1]))
				s--;
			if (!url_scheme(b, s, i) || (s > 0 && is_alnum((unsigned char)b[s - 1])) ||
			    any_used(t, s, i))
				continue;
			h = i + 3;
			need_suffix = false;
		} else if (i + 4 <= t->n && ieq(b + i, "www.", 4) &&
			   (i == 0 || !(is_alnum((unsigned char)b[i - 1]) ||
					in_set(".-_@/:", (unsigned char)b[i - 1])))) {
			s = h = i;
			need_suffix = true;
		} else {
			continue;
		}
		size_t e = url_end(t, h);
		int rc = emit_url(set, t, s, h, e, need_suffix);
		if (rc < 0)
			return rc;
		added += rc;
		if (t->used[s])
			i = e - 1;
	}
	return added;
}

/* ---- e-mail addresses ---- */

static bool local_char(unsigned char c)
{
	return is_alnum(c) || in_set("._%+-", c);
}

static bool host_char(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* A host name at b[s..e): dots inside, the last label letters (or an A-label), the top-level
 * domain one the Public Suffix List names. Writes its canonical form into out. */
static bool good_domain(const char *b, size_t s, size_t e, char *out, size_t cap)
{
	size_t dot = 0;
	bool seen = false;
	for (size_t i = s; i < e; i++)
		if (b[i] == '.') {
			dot = i;
			seen = true;
		}
	if (!seen || e - s > 253)
		return false;
	size_t tl = e - dot - 1;
	if (tl < 2)
		return false;
	if (!(tl > 4 && ieq(b + dot + 1, "xn--", 4))) {
		for (size_t i = dot + 1; i < e; i++)
			if (!is_alpha((unsigned char)b[i]))
				return false;
	}
	for (size_t i = s; i < e; i++) /* no empty labels, none starting or ending in '-' */
		if (b[i] == '.' && (i == s || b[i - 1] == '.' || b[i - 1] == '-' ||
				    (i + 1 < e && b[i + 1] == '-')))
			return false;
	if (canon_host(b + s, e - s, out, cap) <= 0)
		return false;
	return canon_known_suffix(out);
}

static int scan_emails(struct indicator_set *set, struct text *t)
{
	const char *b = t->b;
	int added = 0;
	for (size_t i = 1; i + 1 < t->n; i++) {
		if (b[i] != '@' || t->used[i])
			continue;
		size_t s = i, e = i + 1;
		while (s > 0 && !t->used[s - 1] && local_char((unsigned char)b[s - 1]))
			s--;
		while (s < i && b[s] == '.')
			s++;
		while (e < t->n && !t->used[e] && host_char((unsigned char)b[e]))
			e++;
		while (e > i + 1 && (b[e - 1] == '.' || b[e - 1] == '-'))
			e--;
		char host[300], value[600], reg[300];
		if (s == i || i - s > 64 || !good_domain(b, i + 1, e, host, sizeof(host)))
			continue;
		size_t n = 0;
		for (size_t k = s; k < i; k++)
			value[n++] = lower(b[k]);
		value[n++] = '@';
		memcpy(value + n, host, strlen(host) + 1);
		bool has_reg = canon_registrable(host, reg, sizeof(reg)) > 0;
		claim(t, s, e);
		int rc = add(set, t, IND_EMAIL, s, e, value, has_reg ? reg : NULL);
		if (rc < 0)
			return rc;
		added += rc;
		i = e;
	}
	return added;
}

/* ---- hashes ---- */

static int scan_hashes(struct indicator_set *set, struct text *t)
{
	const char *b = t->b;
	int added = 0;
	size_t i = 0;
	while (i < t->n) {
		if (!is_alnum((unsigned char)b[i]) || t->used[i]) {
			i++;
			continue;
		}
		size_t s = i;
		bool hex = true;
		while (i < t->n && is_alnum((unsigned char)b[i]) && !t->used[i]) {
			hex = hex && is_hex((unsigned char)b[i]);
			i++;
		}
		size_t len = i - s;
		if (!hex || (len != 32 && len != 40 && len != 64))
			continue;
		unsigned char before = s > 0 ? (unsigned char)b[s - 1] : ' ';
		unsigned char after = i < t->n ? (unsigned char)b[i] : ' ';
		unsigned char after2 = i + 1 < t->n ? (unsigned char)b[i + 1] : ' ';
		if (in_set("_-.@/", before) || (s > 0 && t->used[s - 1]))
			continue;
		if (in_set("_-@/", (unsigned char)after) || (after == '.' && is_alnum(after2)))
			continue;
		char v[65];
		for (size_t k = 0; k < len; k++)
			v[k] = lower(b[s + k]);
		v[len] = '\0';
		enum ind_type ty = len == 32 ? IND_MD5 : len == 40 ? IND_SHA1 : IND_SHA256;
		claim(t, s, i);
		int rc = add(set, t, ty, s, i, v, NULL);
		if (rc < 0)
			return rc;
		added += rc;
	}
	return added;
}

/* ---- addresses ---- */

static int scan_ipv6(struct indicator_set *set, struct text *t)
{
	const char *b = t->b;
	int added = 0;
	size_t i = 0;
	while (i < t->n) {
		unsigned char c = (unsigned char)b[i];
		if (t->used[i] || !(is_hex(c) || c == ':')) {
			i++;
			continue;
		}
		size_t s = i, colons = 0;
		bool digit = false;
		while (i < t->n && !t->used[i] &&
		       (is_hex((unsigned char)b[i]) || b[i] == ':' || b[i] == '.')) {
			colons += b[i] == ':';
			digit = digit || is_hex((unsigned char)b[i]);
			i++;
		}
		size_t e = i;
		if (colons < 2 || !digit || e - s > 45)
			continue;
		if (s > 0 && is_alnum((unsigned char)b[s - 1]))
			continue;
		if (e < t->n && is_alnum((unsigned char)b[e]))
			continue;
		while (e > s && b[e - 1] == '.')
			e--;
		char tmp[64], host[64];
		unsigned char a[16];
		for (int attempt = 0; attempt < 2; attempt++) {
			memcpy(tmp, b + s, e - s);
			tmp[e - s] = '\0';
			if (inet_pton(AF_INET6, tmp, a) == 1)
				break;
			/* "2001:db8::1:" at the end of a sentence */
			if (attempt == 0 && e - s > 2 && b[e - 1] == ':' && b[e - 2] != ':')
				e--;
			else
				e = s;
		}
		if (e <= s || canon_host(b + s, e - s, host, sizeof(host)) <= 0)
			continue;
		claim(t, s, e);
		int rc = add_host(set, t, s, e, host);
		if (rc < 0)
			return rc;
		added += rc;
	}
	return added;
}

/* Dotted-quad IPv4 written in decimal (leading zeros read as decimal, not octal: in reports
 * "192.168.001.010" means 192.168.1.10). Letters may touch it ("IP:192.0.2.1", "192.0.2.1の");
 * digits and dots continuing it may not ("1.2.3.4.5", "a.1.2.3.4"). */
static int scan_ipv4(struct indicator_set *set, struct text *t)
{
	const char *b = t->b;
	int added = 0;
	size_t i = 0;
	while (i < t->n) {
		if (!is_digit((unsigned char)b[i]) || t->used[i]) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < t->n && !t->used[i] && (is_digit((unsigned char)b[i]) || b[i] == '.'))
			i++;
		size_t e = i;
		while (e > s && b[e - 1] == '.')
			e--;
		if (s > 0 && (b[s - 1] == '.' || is_digit((unsigned char)b[s - 1])))
			continue;
		/* "v1.2.3.4" is a version; a name like "1.2.3.4.example" is not an address */
		if (s > 0 && (b[s - 1] == 'v' || b[s - 1] == 'V') &&
		    (s < 2 || !is_alnum((unsigned char)b[s - 2])))
			continue;
		if (e < i && i < t->n && is_alnum((unsigned char)b[i]))
			continue;
		unsigned part[4], np = 0, digits = 0, v = 0;
		bool ok = true;
		for (size_t k = s; k <= e && ok; k++) {
			if (k == e || b[k] == '.') {
				if (digits == 0 || np == 4)
					ok = false;
				else
					part[np++] = v;
				digits = v = 0;
			} else {
				v = v * 10 + (unsigned)(b[k] - '0');
				if (++digits > 3 || v > 255)
					ok = false;
			}
		}
		if (!ok || np != 4)
			continue;
		char host[16];
		size_t hn = 0;
		for (unsigned k = 0; k < 4; k++) {
			unsigned x = part[k];
			if (x >= 100)
				host[hn++] = (char)('0' + x / 100);
			if (x >= 10)
				host[hn++] = (char)('0' + x / 10 % 10);
			host[hn++] = (char)('0' + x % 10);
			host[hn++] = k < 3 ? '.' : '\0';
		}
		claim(t, s, e);
		int rc = add(set, t, IND_IPV4, s, e, host, NULL);
		if (rc < 0)
			return rc;
		added += rc;
	}
	return added;
}

/* ---- domains ---- */

/* Top-level domains that are also common file name extensions: "README.md", "setup.sh",
 * "data.zip" are files, not hosts, when nothing else says they are hosts. */
static const char *const file_tlds[] = {"zip", "mov", "md", "sh", "py", "pl", "rs",
					"cc",  "so",  "ps", "cs", "mp", "ai", "pm"};

static bool looks_like_file(const char *host)
{
	const char *dot = strchr(host, '.');
	if (!dot || strchr(dot + 1, '.'))
		return false; /* only "name.ext" */
	for (size_t k = 0; k < sizeof(file_tlds) / sizeof(file_tlds[0]); k++)
		if (strcmp(dot + 1, file_tlds[k]) == 0)
			return true;
	return false;
}

static int scan_domains(struct indicator_set *set, struct text *t)
{
	const char *b = t->b;
	int added = 0;
	size_t i = 0;
	while (i < t->n) {
		if (!host_char((unsigned char)b[i]) || t->used[i]) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < t->n && !t->used[i] && host_char((unsigned char)b[i]))
			i++;
		size_t e = i;
		/* part of something else: a path ("\\dir\\x.com"), an address, a word joined by '@'
		 */
		if (s > 0 && in_set("\\@", (unsigned char)b[s - 1]))
			continue;
		if (e < t->n && b[e] == '@')
			continue;
		while (s < e && in_set(".-_", (unsigned char)b[s]))
			s++;
		while (e > s && in_set(".-_", (unsigned char)b[e - 1]))
			e--;
		char host[300];
		if (e <= s || !good_domain(b, s, e, host, sizeof(host)) || looks_like_file(host))
			continue;
		claim(t, s, e);
		int rc = add_host(set, t, s, e, host);
		if (rc < 0)
			return rc;
		added += rc;
	}
	return added;
}

int extract_text(struct indicator_set *set, const char *text, size_t len)
{
	struct text t;
	int added = 0, rc;
	if (!text || len == 0)
		return 0;
	if (len >= SIZE_MAX / 2)
		return -ENOMEM;
	rc = text_init(&t, text, len);
	if (rc < 0)
		goto out;
	int (*const scanners[])(struct indicator_set *, struct text *) = {
	    scan_urls, scan_emails, scan_hashes, scan_ipv6, scan_ipv4, scan_domains};
	for (size_t k = 0; k < sizeof(scanners) / sizeof(scanners[0]); k++) {
		rc = scanners[k](set, &t);
		if (rc < 0)
			goto out;
		added += rc;
	}
	rc = added;
out:
	text_done(&t);
	return rc;
}

/* ---- HTML ---- */

/* a growable byte buffer */
struct dbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void db_put(struct dbuf *d, const char *s, size_t n)
{
	if (d->oom)
		return;
	if (n > d->cap - d->n) {
		size_t nc = d->cap ? d->cap : 256;
		while (nc - d->n < n) {
			if (!ckd_size_mul(nc, 2, &nc)) {
				d->oom = true;
				return;
			}
		}
		char *np = realloc(d->p, nc);
		if (!np) {
			d->oom = true;
			return;
		}
		d->p = np;
		d->cap = nc;
	}
	memcpy(d->p + d->n, s, n);
	d->n += n;
}

static void db_put_cp(struct dbuf *d, uint32_t cp)
{
	char u[4];
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		u[0] = (char)cp;
		db_put(d, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		db_put(d, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		db_put(d, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		db_put(d, u, 4);
	}
}

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
    {"amp", '&'},    {"lt", '<'},      {"gt", '>'},	 {"quot", '"'},	     {"apos", '\''},
    {"nbsp", 0xa0},  {"sol", '/'},     {"colon", ':'},	 {"period", '.'},    {"commat", '@'},
    {"lbrack", '['}, {"rbrack", ']'},  {"lpar", '('},	 {"rpar", ')'},	     {"quest", '?'},
    {"equals", '='}, {"num", '#'},     {"percnt", '%'},	 {"hyphen", '-'},    {"lowbar", '_'},
    {"copy", 0xa9},  {"ensp", 0x2002}, {"emsp", 0x2003}, {"thinsp", 0x2009},
};

/* Decodes the character reference at s[0..n) (s[0] == '&') into d; returns bytes consumed. */
static size_t decode_entity(const char *s, size_t n, struct dbuf *d)
{
	if (n >= 3 && s[1] == '#') {
		size_t i = 2;
		uint32_t v = 0;
		bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
		i += hex;
		size_t ds = i;
		while (i < n && i - ds < 8 &&
		       (hex ? is_hex((unsigned char)s[i]) : is_digit((unsigned char)s[i]))) {
			unsigned char c = (unsigned char)s[i];
			unsigned dv = is_digit(c) ? (unsigned)(c - '0')
						  : (unsigned)(lower((char)c) - 'a' + 10);
			v = v * (hex ? 16u : 10u) + dv;
			i++;
		}
		if (i > ds) {
			db_put_cp(d, v);
			return i < n && s[i] == ';' ? i + 1 : i;
		}
	} else {
		for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
			size_t l = strlen(entities[k].name);
			if (n > l && memcmp(s + 1, entities[k].name, l) == 0 &&
			    (n == l + 1 || !is_alnum((unsigned char)s[l + 1]))) {
				db_put_cp(d, entities[k].cp);
				return n > l + 1 && s[l + 1] == ';' ? l + 2 : l + 1;
			}
		}
	}
	db_put(d, "&", 1);
	return 1;
}

static void decode_into(struct dbuf *d, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (s[i] == '&') {
			i += decode_entity(s + i, n - i, d);
		} else {
			size_t j = i;
			while (j < n && s[j] != '&')
				j++;
			db_put(d, s + i, j - i);
			i = j;
		}
	}
}

static const char *find_ci(const char *s, size_t n, const char *needle)
{
	size_t l = strlen(needle);
	for (size_t i = 0; i + l <= n; i++)
		if (ieq(s + i, needle, l))
			return s + i;
	return NULL;
}

/* The attributes of the tag body s[0..n) (after the name); href/src/action values into d, one
 * per line. */
static void tag_attrs(const char *s, size_t n, struct dbuf *d)
{
	size_t i = 0;
	while (i < n) {
		while (i < n &&
		       (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '/'))
			i++;
		size_t ns = i;
		while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		       s[i] != '\r' && s[i] != '/')
			i++;
		size_t nl = i - ns;
		if (nl == 0) {
			i++;
			continue;
		}
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			i++;
		if (i >= n || s[i] != '=')
			continue;
		i++;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			i++;
		size_t vs, ve;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			char q = s[i++];
			vs = i;
			while (i < n && s[i] != q)
				i++;
			ve = i;
			if (i < n)
				i++;
		} else {
			vs = i;
			while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
				i++;
			ve = i;
		}
		bool want = (nl == 4 && ieq(s + ns, "href", 4)) ||
			    (nl == 3 && ieq(s + ns, "src", 3)) ||
			    (nl == 6 && ieq(s + ns, "action", 6));
		if (want) {
			decode_into(d, s + vs, ve - vs);
			db_put(d, "\n", 1);
		}
	}
}

int extract_html(struct indicator_set *set, const char *html, size_t len)
{
	struct dbuf text = {NULL, 0, 0, false}, attrs = {NULL, 0, 0, false};
	int rc;
	size_t i = 0;
	if (!html)
		return 0;
	while (i < len) {
		if (html[i] == '&') {
			i += decode_entity(html + i, len - i, &text);
			continue;
		}
		if (html[i] != '<') {
			size_t j = i;
			while (j < len && html[j] != '<' && html[j] != '&')
				j++;
			db_put(&text, html + i, j - i);
			i = j;
			continue;
		}
		if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
			const char *end = find_ci(html + i + 4, len - i - 4, "-->");
			i = end ? (size_t)(end - html) + 3 : len;
			continue;
		}
		const char *gt = memchr(html + i, '>', len - i);
		size_t te = gt ? (size_t)(gt - html) : len;
		size_t ns = i + 1;
		size_t ne = ns;
		while (ne < te &&
		       (is_alnum((unsigned char)html[ne]) || html[ne] == '/' || html[ne] == '!'))
			ne++;
		tag_attrs(html + ne, te - ne, &attrs);
		db_put(&text, " ", 1); /* a tag separates words */
		i = gt ? te + 1 : len;
		bool script = ne - ns == 6 && ieq(html + ns, "script", 6);
		bool style = ne - ns == 5 && ieq(html + ns, "style", 5);
		if (script || style) {
			const char *end =
			    find_ci(html + i, len - i, script ? "</script" : "</style");
			i = end ? (size_t)(end - html) : len;
		}
	}
	if (text.oom || attrs.oom) {
		rc = -ENOMEM;
		goto out;
	}
	int a = extract_text(set, attrs.p, attrs.n);
	if (a < 0) {
		rc = a;
		goto out;
	}
	int b = extract_text(set, text.p, text.n);
	rc = b < 0 ? b : a + b;
out:
	free(text.p);
	free(attrs.p);
	return rc;
}
