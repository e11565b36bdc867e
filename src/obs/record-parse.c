/* record-parse.c - read and validate one interval record (docs/interval-record.md)
 *
 * Two passes over the text, neither of which builds a tree:
 *  1. a JSON syntax check (RFC 8259: grammar, UTF-8, escapes, nesting depth), which alone
 *     decides "bad_json";
 *  2. a walk that knows the schema, decodes strings into small fixed buffers, reads counters
 *     as exact unsigned 64-bit integers and fills struct obs_record ("bad_record").
 * Records carry up to hundreds of thousands of ports, and a generic tree of allocated nodes
 * would cost several times the record itself; counters above 2^63 would not fit either.
 */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ckd.h"
#include "../lib/banned.h"

#define MAX_TIME_SEC 253402300799ULL /* 9999-12-31T23:59:59Z */
#define STR_MAX	     96		     /* longest string value or key the walk keeps */

/* ---- errors ---- */

static void set_error(struct obs_parse_error *e, const char *code, const char *member,
		      const char *en, const char *ja)
{
	const char *who = member[0] ? member : "record";

	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->member, sizeof(e->member), "%s", member);
	snprintf(e->message, sizeof(e->message), "%s: %s", who, en);
	snprintf(e->message_ja, sizeof(e->message_ja), "%s: %s", member[0] ? member : "レコード",
		 ja);
}

/* ---- pass 1: JSON syntax ---- */

struct syn {
	const unsigned char *p, *start, *end;
	const char *en, *ja;	     /* what is wrong, set on failure */
	const unsigned char *schema; /* the value of the top-level "schema" member, if seen */
	bool schema_unsure;	     /* a top-level key has escapes: do not conclude "missing" */
};

static int syn_fail(struct syn *s, const char *en, const char *ja)
{
	s->en = en;
	s->ja = ja;
	return -1;
}

static void syn_ws(struct syn *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* Read 4 hex digits at p (bounds checked by the caller). */
static long hex4(const unsigned char *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the UTF-8 sequence at p (1..4), or 0 when it is not well-formed (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int syn_string(struct syn *s)
{
	s->p++; /* the opening quote */
	while (s->p < s->end) {
		unsigned c = *s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return syn_fail(s, "control character in a string",
					"文字列の中に制御文字があります");
		if (c == '\\') {
			if (s->end - s->p < 2)
				break;
			c = s->p[1];
			if (c == 'u') {
				if (s->end - s->p < 6)
					break;
				long u = hex4(s->p + 2);
				if (u < 0)
					return syn_fail(s, "bad \\u escape",
							"\\u エスケープが不正です");
				s->p += 6;
				if (u >= 0xdc00 && u <= 0xdfff)
					return syn_fail(
					    s, "unpaired UTF-16 surrogate in a \\u escape",
					    "\\u エスケープに対になっていないサロゲートがあります");
				if (u >= 0xd800 && u <= 0xdbff) {
					long l = -1;
					if (s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u')
						l = hex4(s->p + 2);
					if (l < 0xdc00 || l > 0xdfff)
						return syn_fail(
						    s, "unpaired UTF-16 surrogate in a \\u escape",
						    "\\u "
						    "エスケープに対になっていないサロゲートがありま"
						    "す");
					s->p += 6;
				}
				continue;
			}
			if (!strchr("\"\\/bfnrt", (int)c) || c == 0)
				return syn_fail(s, "bad escape in a string",
						"文字列のエスケープが不正です");
			s->p += 2;
			continue;
		}
		size_t n = utf8_len(s->p, s->end);
		if (n == 0)
			return syn_fail(s, "invalid UTF-8", "UTF-8 として不正なバイト列です");
		s->p += n;
	}
	return syn_fail(s, "unterminated string", "文字列が閉じられていません");
}

static bool is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int syn_digits(struct syn *s)
{
	if (s->p >= s->end || !is_digit(*s->p))
		return syn_fail(s, "malformed number", "数値の形式が不正です");
	while (s->p < s->end && is_digit(*s->p))
		s->p++;
	return 0;
}

static int syn_number(struct syn *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		if (s->p < s->end && is_digit(*s->p))
			return syn_fail(s, "number with a leading zero",
					"数値の先頭に余分な 0 があります");
	} else if (syn_digits(s) < 0)
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (syn_digits(s) < 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (syn_digits(s) < 0)
			return -1;
	}
	return 0;
}

static int syn_literal(struct syn *s, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return syn_fail(s, "unexpected character", "予期しない文字があります");
	s->p += n;
	return 0;
}

static int syn_value(struct syn *s, unsigned depth);

static int syn_container(struct syn *s, unsigned depth)
{
	bool obj = *s->p == '{';
	unsigned char close = obj ? '}' : ']';

	if (depth >= OBS_PARSE_MAX_DEPTH)
		return syn_fail(s, "nested too deeply", "入れ子が深すぎます");
	s->p++;
	syn_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (s->p >= s->end || *s->p != '"')
				return syn_fail(s, "expected a member name",
						"メンバー名があるべき位置です");
			const unsigned char *k = s->p;
			if (syn_string(s) < 0)
				return -1;
			bool is_schema =
			    depth == 0 && s->p - k == 8 && memcmp(k, "\"schema\"", 8) == 0;
			if (depth == 0 && memchr(k, '\\', (size_t)(s->p - k)))
				s->schema_unsure = true;
			syn_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return syn_fail(s, "expected ':'", "':' があるべき位置です");
			s->p++;
			syn_ws(s);
			if (is_schema && !s->schema)
				s->schema = s->p;
		}
		if (syn_value(s, depth + 1) < 0)
			return -1;
		syn_ws(s);
		if (s->p >= s->end)
			return syn_fail(s, "unexpected end of text",
					"テキストが途中で終わっています");
		if (*s->p == close) {
			s->p++;
			return 0;
		}
		if (*s->p != ',')
			return syn_fail(s, obj ? "expected ',' or '}'" : "expected ',' or ']'",
					obj ? "',' か '}' があるべき位置です"
					    : "',' か ']' があるべき位置です");
		s->p++;
		syn_ws(s);
	}
}

static int syn_value(struct syn *s, unsigned depth)
{
	if (s->p >= s->end)
		return syn_fail(s, "unexpected end of text", "テキストが途中で終わっています");
	switch (*s->p) {
	case '{':
	case '[':
		return syn_container(s, depth);
	case '"':
		return syn_string(s);
	case 't':
		return syn_literal(s, "true");
	case 'f':
		return syn_literal(s, "false");
	case 'n':
		return syn_literal(s, "null");
	default:
		if (*s->p == '-' || is_digit(*s->p))
			return syn_number(s);
		return syn_fail(s, "unexpected character", "予期しない文字があります");
	}
}

static int syntax_check(struct syn *s, struct obs_parse_error *err)
{
	char en[200], ja[260];

	syn_ws(s);
	if (s->p >= s->end) {
		s->en = "empty text";
		s->ja = "テキストが空です";
	} else if (*s->p != '{') {
		s->en = "not a JSON object";
		s->ja = "JSON オブジェクトではありません";
	} else if (syn_value(s, 0) == 0) {
		syn_ws(s);
		if (s->p == s->end)
			return 0;
		s->en = "data after the object";
		s->ja = "オブジェクトの後に余分なデータがあります";
	}
	size_t at = (size_t)(s->p - s->start);
	snprintf(en, sizeof(en), "not valid JSON at byte %zu: %s", at, s->en);
	snprintf(ja, sizeof(ja), "%zu バイト目で JSON として不正です: %s", at, s->ja);
	set_error(err, "bad_json", "", en, ja);
	return -1;
}

/* ---- pass 2: the schema walk (the text is known to be valid JSON) ---- */

struct rd {
	const unsigned char *p, *end;
	struct obs_parse_error *err;
	char path[96];
	size_t plen;
};

static int rd_fail(struct rd *r, const char *code, const char *en, const char *ja)
{
	set_error(r->err, code, r->path, en, ja);
	return -1;
}

static int bad(struct rd *r, const char *en, const char *ja)
{
	return rd_fail(r, "bad_record", en, ja);
}

/* Append "/seg" to the path (as far as it fits), bytes outside printable ASCII as '?',
 * '~' and '/' escaped as in a JSON pointer. Returns the old length for path_pop(). */
static size_t path_push(struct rd *r, const char *seg, size_t n)
{
	size_t old = r->plen;
	char tmp[sizeof(r->path)];
	size_t k = 0;

	tmp[k++] = '/';
	for (size_t i = 0; i < n && k + 2 < sizeof(tmp); i++) {
		unsigned char c = (unsigned char)seg[i];
		if (c == '~' || c == '/') {
			tmp[k++] = '~';
			tmp[k++] = c == '~' ? '0' : '1';
		} else
			tmp[k++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (r->plen + k >= sizeof(r->path))
		k = sizeof(r->path) - 1 - r->plen;
	memcpy(r->path + r->plen, tmp, k);
	r->plen += k;
	r->path[r->plen] = '\0';
	return old;
}

static size_t path_push_index(struct rd *r, size_t i)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%zu", i);
	return path_push(r, b, n > 0 ? (size_t)n : 0);
}

static void path_pop(struct rd *r, size_t old)
{
	r->plen = old;
	r->path[old] = '\0';
}

static void path_set(struct rd *r, const char *p)
{
	snprintf(r->path, sizeof(r->path), "%s", p);
	r->plen = strlen(r->path);
}

static void ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static unsigned peek(const struct rd *r)
{
	return r->p < r->end ? *r->p : 0;
}

static void put_byte(char *buf, size_t cap, size_t *len, unsigned b)
{
	if (*len + 1 < cap)
		buf[*len] = (char)b;
	(*len)++;
}

static void put_utf8(char *buf, size_t cap, size_t *len, unsigned long u)
{
	if (u < 0x80) {
		put_byte(buf, cap, len, (unsigned)u);
	} else if (u < 0x800) {
		put_byte(buf, cap, len, 0xc0 | (unsigned)(u >> 6));
		put_byte(buf, cap, len, 0x80 | (unsigned)(u & 0x3f));
	} else if (u < 0x10000) {
		put_byte(buf, cap, len, 0xe0 | (unsigned)(u >> 12));
		put_byte(buf, cap, len, 0x80 | (unsigned)((u >> 6) & 0x3f));
		put_byte(buf, cap, len, 0x80 | (unsigned)(u & 0x3f));
	} else {
		put_byte(buf, cap, len, 0xf0 | (unsigned)(u >> 18));
		put_byte(buf, cap, len, 0x80 | (unsigned)((u >> 12) & 0x3f));
		put_byte(buf, cap, len, 0x80 | (unsigned)((u >> 6) & 0x3f));
		put_byte(buf, cap, len, 0x80 | (unsigned)(u & 0x3f));
	}
}

/* Decode the string at r->p (which is '"') into buf (NUL-terminated, cut to cap - 1 bytes).
 * *ret_len is the full decoded length, so *ret_len >= cap means it was cut. *ret_nul tells
 * whether it contains U+0000. */
static void rd_string(struct rd *r, char *buf, size_t cap, size_t *ret_len, bool *ret_nul)
{
	size_t len = 0;
	bool nul = false;

	r->p++;
	while (r->p < r->end && *r->p != '"') {
		unsigned c = *r->p;
		if (c != '\\') {
			put_byte(buf, cap, &len, c);
			r->p++;
			continue;
		}
		if (r->end - r->p < 2)
			break;
		c = r->p[1];
		r->p += 2;
		switch (c) {
		case 'b':
			put_byte(buf, cap, &len, '\b');
			break;
		case 'f':
			put_byte(buf, cap, &len, '\f');
			break;
		case 'n':
			put_byte(buf, cap, &len, '\n');
			break;
		case 'r':
			put_byte(buf, cap, &len, '\r');
			break;
		case 't':
			put_byte(buf, cap, &len, '\t');
			break;
		case 'u': {
			long u = r->end - r->p >= 4 ? hex4(r->p) : -1;
			if (u < 0)
				break;
			r->p += 4;
			if (u >= 0xd800 && u <= 0xdbff && r->end - r->p >= 6) {
				long l = hex4(r->p + 2);
				if (l >= 0xdc00 && l <= 0xdfff) {
					u = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
					r->p += 6;
				}
			}
			if (u == 0)
				nul = true;
			put_utf8(buf, cap, &len, (unsigned long)u);
			break;
		}
		default: /* '"', '\\', '/' */
			put_byte(buf, cap, &len, c);
		}
	}
	if (r->p < r->end)
		r->p++;
	if (cap)
		buf[len < cap ? len : cap - 1] = '\0';
	*ret_len = len;
	*ret_nul = nul;
}

/* A string value of at most cap - 1 bytes without NUL. */
static int rd_str(struct rd *r, char *buf, size_t cap, size_t *ret_len)
{
	bool nul;

	if (peek(r) != '"')
		return bad(r, "must be a string", "文字列でなければなりません");
	rd_string(r, buf, cap, ret_len, &nul);
	if (nul)
		return bad(r, "contains a NUL character (\\u0000)",
			   "NUL 文字 (\\u0000) を含んでいます");
	if (*ret_len >= cap)
		return bad(r, "is too long", "長すぎます");
	return 0;
}

/* A string of fewer than cap bytes without NUL, for values from a fixed set or of a fixed
 * form: false for anything else (the caller says what was expected). */
static bool rd_short_str(struct rd *r, char *buf, size_t cap, size_t *ret_len)
{
	bool nul;

	if (peek(r) != '"')
		return false;
	rd_string(r, buf, cap, ret_len, &nul);
	return !nul && *ret_len < cap;
}

static void skip_number(struct rd *r)
{
	while (r->p < r->end && (is_digit(*r->p) || *r->p == '.' || *r->p == 'e' || *r->p == 'E' ||
				 *r->p == '+' || *r->p == '-'))
		r->p++;
}

static int rd_u64(struct rd *r, uint64_t *ret)
{
	unsigned c = peek(r);
	uint64_t v = 0;
	bool big = false;

	if (c != '-' && !is_digit(c))
		return bad(r, "must be a non-negative integer", "0 以上の整数でなければなりません");
	if (c == '-') {
		skip_number(r);
		return bad(r, "must not be negative", "負の数であってはなりません");
	}
	while (r->p < r->end && is_digit(*r->p)) {
		if (!big && (__builtin_mul_overflow(v, 10u, &v) ||
			     __builtin_add_overflow(v, (uint64_t)(*r->p - '0'), &v)))
			big = true;
		r->p++;
	}
	c = peek(r);
	if (c == '.' || c == 'e' || c == 'E') {
		skip_number(r);
		return bad(r, "must be an integer, without fraction or exponent",
			   "小数部や指数のない整数でなければなりません");
	}
	if (big)
		return bad(r, "is larger than 18446744073709551615",
			   "18446744073709551615 より大きい値です");
	*ret = v;
	return 0;
}

static int rd_u64_range(struct rd *r, uint64_t lo, uint64_t hi, uint64_t *ret)
{
	char en[120], ja[160];

	if (rd_u64(r, ret) < 0)
		return -1;
	if (*ret >= lo && *ret <= hi)
		return 0;
	snprintf(en, sizeof(en), "must be an integer from %llu to %llu", (unsigned long long)lo,
		 (unsigned long long)hi);
	snprintf(ja, sizeof(ja), "%llu から %llu までの整数でなければなりません",
		 (unsigned long long)lo, (unsigned long long)hi);
	return bad(r, en, ja);
}

static int rd_bool(struct rd *r, bool *ret)
{
	if (r->end - r->p >= 4 && memcmp(r->p, "true", 4) == 0) {
		r->p += 4;
		*ret = true;
		return 0;
	}
	if (r->end - r->p >= 5 && memcmp(r->p, "false", 5) == 0) {
		r->p += 5;
		*ret = false;
		return 0;
	}
	return bad(r, "must be true or false", "true か false でなければなりません");
}

static int rd_open(struct rd *r, unsigned c)
{
	if (peek(r) != c)
		return c == '{' ? bad(r, "must be an object", "オブジェクトでなければなりません")
				: bad(r, "must be an array", "配列でなければなりません");
	r->p++;
	return 0;
}

/* Next member of an object: 1 with its name in key (cut as rd_string() does), 0 at the end.
 * On 1, r->p is at the value. */
static int obj_next(struct rd *r, bool *first, char *key, size_t cap, size_t *klen)
{
	bool nul;

	ws(r);
	if (peek(r) == '}') {
		r->p++;
		return 0;
	}
	if (!*first && peek(r) == ',') {
		r->p++;
		ws(r);
	}
	*first = false;
	rd_string(r, key, cap, klen, &nul);
	if (nul) /* never a known name; keep the path printable */
		for (size_t i = 0; i < *klen && i + 1 < cap; i++)
			if (key[i] == '\0')
				key[i] = '?';
	ws(r);
	if (peek(r) == ':')
		r->p++;
	ws(r);
	return 1;
}

/* Next element of an array: 1 when there is one (r->p at it), 0 at the end. */
static int arr_next(struct rd *r, bool *first)
{
	ws(r);
	if (peek(r) == ']') {
		r->p++;
		return 0;
	}
	if (!*first && peek(r) == ',') {
		r->p++;
		ws(r);
	}
	*first = false;
	return 1;
}

static int find_name(const char *const *names, size_t n, const char *key, size_t klen)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == klen && memcmp(names[i], key, klen) == 0)
			return (int)i;
	return -1;
}

/* Look up key among names; a member not in the list or seen before is an error. The path
 * gets the member's name pushed; *ret_old is for path_pop(). */
static int member(struct rd *r, const char *const *names, size_t n, const char *key, size_t klen,
		  uint32_t *seen, size_t *ret_old)
{
	int i = find_name(names, n, key, klen < STR_MAX ? klen : 0);

	*ret_old = path_push(r, key, klen < STR_MAX ? klen : STR_MAX - 1);
	if (i < 0)
		return bad(r, "is not a member of this object (version 1 of the record is closed)",
			   "このオブジェクトのメンバーではありません"
			   "（レコードのバージョン 1 には追加できません）");
	if (*seen & (1u << i))
		return rd_fail(r, "bad_json", "appears twice", "メンバーが重複しています");
	*seen |= 1u << i;
	return i;
}

/* Every name in names must be in seen. */
static int require_all(struct rd *r, const char *const *names, size_t n, uint32_t seen)
{
	for (size_t i = 0; i < n; i++) {
		if (!(seen & (1u << i))) {
			(void)path_push(r, names[i], strlen(names[i]));
			return bad(r, "is missing", "必須のメンバーがありません");
		}
	}
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const proto_names[] = {"tcp", "udp", "icmp", "icmp6", "other"};
static const char *const class_names[] = {"probe", "backscatter", "other"};

static int rd_proto(struct rd *r, uint8_t *ret)
{
	char b[16];
	size_t n;
	int i = -1;

	if (rd_short_str(r, b, sizeof(b), &n))
		i = find_name(proto_names, NELEM(proto_names), b, n);
	if (i < 0)
		return bad(r, "must be one of tcp, udp, icmp, icmp6, other",
			   "tcp, udp, icmp, icmp6, other のいずれかでなければなりません");
	*ret = (uint8_t)i;
	return 0;
}

static int rd_addr(struct rd *r, struct ip_addr *ret)
{
	char b[IP_ADDR_STRLEN + 8], f[IP_ADDR_STRLEN];
	size_t n;

	if (rd_str(r, b, sizeof(b), &n) < 0)
		return -1;
	if (ip_addr_parse(b, ret) < 0)
		return bad(r, "is not an IPv4 or IPv6 address",
			   "IPv4 または IPv6 アドレスではありません");
	if (strcmp(ip_addr_format(ret, f, sizeof(f)), b) != 0)
		return bad(r, "is not in canonical form (dotted quad, or RFC 5952 for IPv6)",
			   "正規の表記（IPv4 は 4 つの 10 進数、IPv6 は RFC 5952）ではありません");
	return 0;
}

static bool two(const char *s, unsigned *v)
{
	if (!is_digit((unsigned char)s[0]) || !is_digit((unsigned char)s[1]))
		return false;
	*v = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 1970). */
static int64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = yy / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = (int64_t)(m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SSZ" or, with usec, "YYYY-MM-DDTHH:MM:SS.ffffffZ", UTC, 1970 to 9999. */
static bool parse_time(const char *s, size_t n, bool usec, uint64_t *ret)
{
	unsigned y1, y2, mo, d, h, mi, sec;
	static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint64_t frac = 0;

	if (n != (usec ? 27u : 20u) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[n - 1] != 'Z')
		return false;
	if (!two(s, &y1) || !two(s + 2, &y2) || !two(s + 5, &mo) || !two(s + 8, &d) ||
	    !two(s + 11, &h) || !two(s + 14, &mi) || !two(s + 17, &sec))
		return false;
	if (usec) {
		if (s[19] != '.')
			return false;
		for (int i = 20; i < 26; i++) {
			if (!is_digit((unsigned char)s[i]))
				return false;
			frac = frac * 10u + (uint64_t)(s[i] - '0');
		}
	}
	unsigned y = y1 * 100u + y2;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
		return false;
	int64_t t = days_from_civil(y, mo, d) * 86400 + (int64_t)(h * 3600u + mi * 60u + sec);
	*ret = usec ? (uint64_t)t * 1000000u + frac : (uint64_t)t;
	return true;
}

static int rd_time(struct rd *r, bool usec, uint64_t *ret)
{
	char b[40];
	size_t n;

	if (!rd_short_str(r, b, sizeof(b), &n) || !parse_time(b, n, usec, ret))
		return usec ? bad(r, "must be a UTC time like 2021-06-20T19:42:57.409323Z",
				  "2021-06-20T19:42:57.409323Z の形式の UTC "
				  "時刻でなければなりません")
			    : bad(r, "must be a UTC time like 2021-06-20T19:45:00Z",
				  "2021-06-20T19:45:00Z の形式の UTC 時刻でなければなりません");
	return 0;
}

/* Grow arr (elements of size elem, *cap of them) so that index n fits, up to max elements.
 * Returns the array, or NULL with the error set (arr is then still valid and owned by the
 * caller). */
static void *grow(struct rd *r, void *arr, size_t *cap, size_t n, size_t elem, size_t max)
{
	char en[120], ja[160];
	size_t ncap, bytes;
	void *p;

	if (n < *cap)
		return arr;
	if (n >= max) {
		snprintf(en, sizeof(en), "has more than %zu entries", max);
		snprintf(ja, sizeof(ja), "要素が %zu 個を超えています", max);
		(void)bad(r, en, ja);
		return NULL;
	}
	ncap = *cap ? *cap : 16;
	while (ncap <= n)
		ncap *= 2; /* n < max, far from overflow */
	if (ncap > max)
		ncap = max;
	if (!ckd_size_mul(ncap, elem, &bytes) || !(p = realloc(arr, bytes))) {
		(void)rd_fail(r, "no_memory", "out of memory", "メモリが足りません");
		return NULL;
	}
	*cap = ncap;
	return p;
}

/* ---- the members ---- */

static const char *const undecoded_names[] = {
    "non_ip",
    "unknown_linktype",
    "truncated_link",
    "too_many_vlan_tags",
    "truncated_ip",
    "bad_ip_version",
    "bad_ip_header_length",
    "bad_ip_total_length",
    "bad_ipv6_extension_chain",
    "truncated_tcp",
    "bad_tcp_data_offset",
    "truncated_udp",
    "truncated_icmp",
};
static const char *const overflow_names[] = {
    "sources",		 "source_ports", "source_port_destinations",
    "port_destinations", "scanners",	 "dos_vectors",
};
static const char *const noise_names[] = {
    "odd_tcp_flags", "ttl_ge_200",   "src_0_or_255",   "src_eq_dst",  "port_0",
    "fragment",	     "reserved_bit", "unroutable_src", "other_proto",
};
static const char *const tool_names[] = {"zmap", "masscan", "mirai"};

/* A named-counter object; with all, every name must be present (noise, tools). Names keep the
 * order of the text, so the record is written back the same. */
static int rd_named(struct rd *r, const char *const *names, size_t n, bool all, struct obs_named *l)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	int i;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, names, n, key, klen, &seen, &old)) < 0)
			return -1;
		if (rd_u64(r, &l->v[l->n].value) < 0)
			return -1;
		l->v[l->n].name = names[i];
		l->n++;
		path_pop(r, old);
	}
	return all ? require_all(r, names, n, seen) : 0;
}

static int rd_classes(struct rd *r, uint64_t *v)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	int i;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, class_names, NELEM(class_names), key, klen, &seen, &old)) < 0 ||
		    rd_u64(r, &v[i]) < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, class_names, NELEM(class_names), seen);
}

static int rd_by_proto(struct rd *r, struct obs_record *o)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	int i;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, proto_names, NELEM(proto_names), key, klen, &seen, &old)) < 0 ||
		    rd_classes(r, o->by_proto_class[i]) < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, proto_names, NELEM(proto_names), seen);
}

static const char *const capture_names[] = {
    "captured",	    "not_dark",	     "kernel_drops", "if_drops",
    "ts_backwards", "icmp_mismatch", "undecoded",    "overflow",
};

static int rd_capture(struct rd *r, struct obs_record *o)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	int i, rc;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, capture_names, NELEM(capture_names), key, klen, &seen, &old)) <
		    0)
			return -1;
		switch (i) {
		case 0:
			rc = rd_u64(r, &o->captured);
			break;
		case 1:
			rc = rd_u64(r, &o->not_dark);
			break;
		case 2:
			rc = rd_u64(r, &o->kernel_drops);
			break;
		case 3:
			rc = rd_u64(r, &o->if_drops);
			break;
		case 4:
			rc = rd_u64(r, &o->ts_backwards);
			break;
		case 5:
			rc = rd_u64(r, &o->icmp_mismatch);
			break;
		case 6:
			rc =
			    rd_named(r, undecoded_names, NELEM(undecoded_names), false, &o->decode);
			break;
		default:
			rc =
			    rd_named(r, overflow_names, NELEM(overflow_names), false, &o->overflow);
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, capture_names, NELEM(capture_names), seen);
}

static const char *const totals_names[] = {"packets", "bytes", "ipv4", "ipv6", "by_proto"};

static int rd_totals(struct rd *r, struct obs_record *o)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	int i, rc;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, totals_names, NELEM(totals_names), key, klen, &seen, &old)) < 0)
			return -1;
		switch (i) {
		case 0:
			rc = rd_u64(r, &o->packets);
			break;
		case 1:
			rc = rd_u64(r, &o->bytes);
			break;
		case 2:
			rc = rd_u64(r, &o->ipv4);
			break;
		case 3:
			rc = rd_u64(r, &o->ipv6);
			break;
		default:
			rc = rd_by_proto(r, o);
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, totals_names, NELEM(totals_names), seen);
}

/* A list of ports, at most max; *ret_n is how many. */
static int rd_port_list(struct rd *r, uint16_t *ports, unsigned max, unsigned *ret_n)
{
	char en[80], ja[120];
	bool first = true;
	unsigned n = 0;
	uint64_t v;

	if (rd_open(r, '[') < 0)
		return -1;
	while (arr_next(r, &first) == 1) {
		if (n >= max) {
			snprintf(en, sizeof(en), "lists more than %u ports", max);
			snprintf(ja, sizeof(ja), "%u 個を超えるポートが並んでいます", max);
			return bad(r, en, ja);
		}
		size_t old = path_push_index(r, n);
		if (rd_u64_range(r, 0, 65535, &v) < 0)
			return -1;
		path_pop(r, old);
		ports[n++] = (uint16_t)v;
	}
	*ret_n = n;
	return 0;
}

/* port_count must agree with the ports listed: all of them up to max, then max. */
static int check_port_count(struct rd *r, uint64_t count, unsigned listed, unsigned max)
{
	if (listed != (count < max ? count : max)) {
		(void)path_push(r, "port_count", 10);
		return bad(r, "does not agree with the number of ports listed",
			   "並んでいるポートの数と合いません");
	}
	return 0;
}

static const char *const port_names[] = {"proto", "port", "packets", "sources", "destinations"};

static int rd_port(struct rd *r, struct obs_port *p)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	uint64_t v;
	int i, rc;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, port_names, NELEM(port_names), key, klen, &seen, &old)) < 0)
			return -1;
		switch (i) {
		case 0:
			rc = rd_proto(r, &p->proto);
			break;
		case 1:
			rc = rd_u64_range(r, 0, 65535, &v);
			p->port = (uint16_t)v;
			break;
		case 2:
			rc = rd_u64_range(r, 1, UINT64_MAX, &p->packets);
			break;
		case 3:
			rc = rd_u64(r, &p->sources);
			break;
		default:
			rc = rd_u64(r, &p->destinations);
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, port_names, NELEM(port_names), seen);
}

static const char *const scanner_names[] = {"src",     "proto",	       "ports",	  "port_count",
					    "packets", "destinations", "targets", "first",
					    "last",    "tool"};

static int rd_tool(struct rd *r, const char **ret)
{
	char b[16];
	size_t n;
	int i = -1;

	if (r->end - r->p >= 4 && memcmp(r->p, "null", 4) == 0) {
		r->p += 4;
		*ret = NULL;
		return 0;
	}
	if (rd_short_str(r, b, sizeof(b), &n))
		i = find_name(tool_names, NELEM(tool_names), b, n);
	if (i < 0)
		return bad(r, "must be null, \"zmap\", \"masscan\" or \"mirai\"",
			   "null, \"zmap\", \"masscan\", \"mirai\" のいずれかでなければなりません");
	*ret = tool_names[i];
	return 0;
}

static int rd_scanner(struct rd *r, struct obs_scanner *s)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	uint64_t count = 0;
	unsigned listed = 0;
	int i, rc;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, scanner_names, NELEM(scanner_names), key, klen, &seen, &old)) <
		    0)
			return -1;
		switch (i) {
		case 0:
			rc = rd_addr(r, &s->src);
			break;
		case 1:
			rc = rd_proto(r, &s->proto);
			break;
		case 2:
			rc = rd_port_list(r, s->ports, OBS_SCANNER_PORTS, &listed);
			break;
		case 3:
			rc = rd_u64_range(r, 0, 255, &count);
			s->n_ports = (unsigned)count;
			break;
		case 4:
			rc = rd_u64(r, &s->packets);
			break;
		case 5:
			rc = rd_u64(r, &s->destinations);
			break;
		case 6:
			rc = rd_u64(r, &s->targets);
			break;
		case 7:
			rc = rd_time(r, true, &s->first_usec);
			break;
		case 8:
			rc = rd_time(r, true, &s->last_usec);
			break;
		default:
			rc = rd_tool(r, &s->tool);
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	if (require_all(r, scanner_names, NELEM(scanner_names), seen) < 0)
		return -1;
	return check_port_count(r, count, listed, OBS_SCANNER_PORTS);
}

static const char *const dos_names[] = {
    "victim",	    "proto",	    "ports", "port_count", "packets", "packets_interval",
    "destinations", "peak_per_min", "start", "last",	   "ongoing"};

static int rd_dos(struct rd *r, struct obs_dos *d)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	uint64_t count = 0;
	unsigned listed = 0;
	int i, rc;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, dos_names, NELEM(dos_names), key, klen, &seen, &old)) < 0)
			return -1;
		switch (i) {
		case 0:
			rc = rd_addr(r, &d->victim);
			break;
		case 1:
			rc = rd_proto(r, &d->proto);
			break;
		case 2:
			rc = rd_port_list(r, d->ports, OBS_DOS_PORTS, &listed);
			break;
		case 3:
			/* exact up to 8, then one more per bit of a 256-bit map */
			rc = rd_u64_range(r, 0, OBS_DOS_PORTS + 256, &count);
			d->n_ports = (unsigned)count;
			break;
		case 4:
			rc = rd_u64(r, &d->packets);
			break;
		case 5:
			rc = rd_u64(r, &d->packets_interval);
			break;
		case 6:
			rc = rd_u64(r, &d->destinations);
			break;
		case 7:
			rc = rd_u64(r, &d->peak_per_min);
			break;
		case 8:
			rc = rd_time(r, true, &d->start_usec);
			break;
		case 9:
			rc = rd_time(r, true, &d->last_usec);
			break;
		default:
			rc = rd_bool(r, &d->ongoing);
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	if (require_all(r, dos_names, NELEM(dos_names), seen) < 0)
		return -1;
	return check_port_count(r, count, listed, OBS_DOS_PORTS);
}

static const char *const top_names[] = {"src", "packets"};

static int rd_top(struct rd *r, struct obs_top_source *t)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	int i, rc;

	if (rd_open(r, '{') < 0)
		return -1;
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		if ((i = member(r, top_names, NELEM(top_names), key, klen, &seen, &old)) < 0)
			return -1;
		rc = i == 0 ? rd_addr(r, &t->src) : rd_u64(r, &t->packets);
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, top_names, NELEM(top_names), seen);
}

enum list_kind { L_PORTS, L_SCANNERS, L_DOS, L_TOP };

static int rd_list(struct rd *r, struct obs_record *o, enum list_kind k)
{
	bool first = true;
	size_t n = 0, cap = 0, old;
	void *p;
	int rc;

	if (rd_open(r, '[') < 0)
		return -1;
	while (arr_next(r, &first) == 1) {
		old = path_push_index(r, n);
		switch (k) {
		case L_PORTS:
			p = grow(r, o->ports, &cap, n, sizeof(*o->ports), OBS_PARSE_MAX_PORTS);
			rc = p ? 0 : -1;
			if (p) {
				o->ports = p;
				memset(&o->ports[n], 0, sizeof(o->ports[n]));
				o->n_ports = n + 1;
				rc = rd_port(r, &o->ports[n]);
			}
			break;
		case L_SCANNERS:
			p = grow(r, o->scanners, &cap, n, sizeof(*o->scanners), OBS_PARSE_MAX_LIST);
			rc = p ? 0 : -1;
			if (p) {
				o->scanners = p;
				memset(&o->scanners[n], 0, sizeof(o->scanners[n]));
				o->n_scanners = n + 1;
				rc = rd_scanner(r, &o->scanners[n]);
			}
			break;
		case L_DOS:
			p = grow(r, o->dos, &cap, n, sizeof(*o->dos), OBS_PARSE_MAX_LIST);
			rc = p ? 0 : -1;
			if (p) {
				o->dos = p;
				memset(&o->dos[n], 0, sizeof(o->dos[n]));
				o->n_dos = n + 1;
				rc = rd_dos(r, &o->dos[n]);
			}
			break;
		default:
			/* the doc and the schema allow at most 1000 ([sensor] top_sources) */
			p = grow(r, o->top, &cap, n, sizeof(*o->top), 1000);
			rc = p ? 0 : -1;
			if (p) {
				o->top = p;
				memset(&o->top[n], 0, sizeof(o->top[n]));
				o->n_top = n + 1;
				rc = rd_top(r, &o->top[n]);
			}
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
		n++;
	}
	return 0;
}

static const char *const top_level_names[] = {
    "schema", "sensor", "start", "end",	  "start_unix", "interval", "partial",	   "capture",
    "totals", "noise",	"tools", "ports", "scanners",	"dos",	    "top_sources",
};

struct top_vals {
	uint64_t start, end, start_unix;
};

static int rd_sensor(struct rd *r, struct obs_record *o)
{
	size_t n;
	bool ok = rd_short_str(r, o->sensor, sizeof(o->sensor), &n) && n >= 1;

	for (size_t i = 0; ok && i < n; i++) {
		char c = o->sensor[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '.' || c == '_' || c == '-';
	}
	if (!ok)
		return bad(r, "must be 1 to 63 bytes of A-Z a-z 0-9 . _ -",
			   "A-Z a-z 0-9 . _ - からなる 1〜63 バイトでなければなりません");
	return 0;
}

static int rd_schema(struct rd *r)
{
	char b[32];
	size_t n;

	if (!rd_short_str(r, b, sizeof(b), &n) || n != strlen(OBS_SCHEMA) ||
	    memcmp(b, OBS_SCHEMA, n) != 0)
		return bad(r, "is not \"" OBS_SCHEMA "\": this reader knows only that version",
			   "\"" OBS_SCHEMA "\" ではありません（読めるのはこの版だけです）");
	return 0;
}

static int rd_record(struct rd *r, struct obs_record *o, struct top_vals *tv)
{
	char key[STR_MAX];
	size_t klen, old;
	bool first = true;
	uint32_t seen = 0;
	uint64_t v = 0;
	int i, rc;

	r->p++; /* '{', checked by pass 1 */
	while (obj_next(r, &first, key, sizeof(key), &klen) == 1) {
		i = member(r, top_level_names, NELEM(top_level_names), key, klen, &seen, &old);
		if (i < 0)
			return -1;
		switch (i) {
		case 0:
			rc = rd_schema(r);
			break;
		case 1:
			rc = rd_sensor(r, o);
			break;
		case 2:
			rc = rd_time(r, false, &tv->start);
			break;
		case 3:
			rc = rd_time(r, false, &tv->end);
			break;
		case 4:
			rc = rd_u64_range(r, 0, MAX_TIME_SEC, &tv->start_unix);
			break;
		case 5:
			rc = rd_u64_range(r, 10, 3600, &v);
			o->interval = (uint32_t)v;
			break;
		case 6:
			rc = rd_bool(r, &o->partial);
			break;
		case 7:
			rc = rd_capture(r, o);
			break;
		case 8:
			rc = rd_totals(r, o);
			break;
		case 9:
			rc = rd_named(r, noise_names, NELEM(noise_names), true, &o->noise);
			break;
		case 10:
			rc = rd_named(r, tool_names, NELEM(tool_names), true, &o->tools);
			break;
		case 11:
			rc = rd_list(r, o, L_PORTS);
			break;
		case 12:
			rc = rd_list(r, o, L_SCANNERS);
			break;
		case 13:
			rc = rd_list(r, o, L_DOS);
			break;
		default:
			rc = rd_list(r, o, L_TOP);
			break;
		}
		if (rc < 0)
			return -1;
		path_pop(r, old);
	}
	return require_all(r, top_level_names, NELEM(top_level_names), seen);
}

/* Rules between members, checked once every member is read. */
static int check_record(struct rd *r, struct obs_record *o, const struct top_vals *tv)
{
	char en[200], ja[260];
	uint64_t sum = 0;
	bool ovf = false;

	if (tv->start != tv->start_unix) {
		path_set(r, "/start");
		return bad(r, "does not match start_unix", "start_unix と一致しません");
	}
	o->start = (int64_t)tv->start;
	o->end = (int64_t)tv->end;
	path_set(r, "/end");
	if (tv->end <= tv->start)
		return bad(r, "is not later than start", "start より後ではありません");
	if (tv->end - tv->start > o->interval)
		return bad(r, "is more than interval seconds after start",
			   "start から interval 秒を超えて後です");

	for (unsigned p = 0; p < OBS_PROTO_MAX; p++)
		for (unsigned c = 0; c < OBS_CLASS_MAX; c++)
			ovf |= __builtin_add_overflow(sum, o->by_proto_class[p][c], &sum);
	if (ovf || sum != o->packets) {
		path_set(r, "/totals/by_proto");
		snprintf(en, sizeof(en), "counts do not add up to totals.packets (%llu)",
			 (unsigned long long)o->packets);
		snprintf(ja, sizeof(ja), "合計が totals.packets (%llu) と一致しません",
			 (unsigned long long)o->packets);
		return bad(r, en, ja);
	}
	if (__builtin_add_overflow(o->ipv4, o->ipv6, &sum) || sum != o->packets) {
		path_set(r, "/totals/ipv6");
		return bad(r, "ipv4 + ipv6 is not totals.packets",
			   "ipv4 と ipv6 の和が totals.packets と一致しません");
	}

	ovf = __builtin_add_overflow(o->packets, o->not_dark, &sum);
	for (unsigned i = 0; i < o->decode.n; i++)
		ovf |= __builtin_add_overflow(sum, o->decode.v[i].value, &sum);
	if (ovf || sum != o->captured) {
		path_set(r, "/capture/captured");
		snprintf(en, sizeof(en),
			 "is not totals.packets + not_dark + the sum of undecoded (%llu)",
			 ovf ? 0ULL : (unsigned long long)sum);
		snprintf(ja, sizeof(ja),
			 "totals.packets + not_dark + undecoded の合計 (%llu) と一致しません",
			 ovf ? 0ULL : (unsigned long long)sum);
		if (ovf) {
			snprintf(en, sizeof(en), "%s",
				 "is not totals.packets + not_dark + the sum "
				 "of undecoded (which overflows)");
			snprintf(ja, sizeof(ja), "%s",
				 "totals.packets + not_dark + undecoded の合計と一致しません"
				 "（合計が桁あふれします）");
		}
		return bad(r, en, ja);
	}
	return 0;
}

int obs_record_from_json(const char *text, size_t len, struct obs_record *out,
			 struct obs_parse_error *err)
{
	struct syn s = {0};
	struct rd r = {0};
	struct top_vals tv = {0};

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if (len > OBS_JSON_MAX) {
		set_error(err, "bad_json", "", "text is larger than 64 MiB",
			  "テキストが 64 MiB を超えています");
		return -1;
	}
	if (!text)
		len = 0;
	s.p = s.start = (const unsigned char *)text;
	s.end = s.p + len;
	if (syntax_check(&s, err) < 0)
		return -1;

	r.p = (const unsigned char *)text;
	r.end = r.p + len;
	r.err = err;
	/* the version decides how to read the rest: look at it first */
	if (!s.schema && !s.schema_unsure) {
		path_set(&r, "/schema");
		(void)bad(&r, "is missing", "必須のメンバーがありません");
		goto fail;
	}
	if (s.schema) {
		struct rd q = r;
		path_set(&q, "/schema");
		q.p = s.schema;
		if (rd_schema(&q) < 0)
			goto fail;
	}
	ws(&r);
	if (rd_record(&r, out, &tv) < 0 || check_record(&r, out, &tv) < 0)
		goto fail;
	return 0;
fail:
	obs_record_done(out);
	return -1;
}
