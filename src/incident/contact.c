/* contact.c - the contact registry and candidate responsible parties (contact.h) */
#include "contact.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/ckd.h"
#include "../lib/db.h"
#include "../lib/geo.h"
#include "../lib/ipaddr.h"
#include "../lib/jsonw.h"
#include "canon.h"
#include "enrich.h"

#include "../lib/banned.h"

/* ---- schema ----------------------------------------------------------------------------- */

static const char *const schema[] = {
    /* 1: organisations, their networks (binary start/end, probed by start and length), ASNs,
       domains, abuse addresses, the audit trail, and the resolver's queue and cache */
    "CREATE TABLE contact_org("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    " country TEXT NOT NULL DEFAULT '', lang TEXT NOT NULL DEFAULT 'en',"
    " pgp_key TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE INDEX contact_org_csirt ON contact_org(type, country);"
    "CREATE TABLE contact_abuse(org INTEGER NOT NULL REFERENCES contact_org(id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, addr TEXT NOT NULL, PRIMARY KEY(org, pos));"
    "CREATE TABLE contact_net(org INTEGER NOT NULL REFERENCES contact_org(id) ON DELETE CASCADE,"
    " start BLOB NOT NULL, end BLOB NOT NULL, plen INTEGER NOT NULL, cidr TEXT NOT NULL,"
    " PRIMARY KEY(org, cidr));"
    "CREATE INDEX contact_net_start ON contact_net(start, plen);"
    "CREATE TABLE contact_asn(org INTEGER NOT NULL REFERENCES contact_org(id) ON DELETE CASCADE,"
    " asn INTEGER NOT NULL, PRIMARY KEY(org, asn));"
    "CREATE INDEX contact_asn_asn ON contact_asn(asn);"
    "CREATE TABLE contact_domain(org INTEGER NOT NULL REFERENCES contact_org(id) ON DELETE "
    "CASCADE, domain TEXT NOT NULL, PRIMARY KEY(org, domain));"
    "CREATE INDEX contact_domain_domain ON contact_domain(domain);"
    "CREATE TABLE contact_audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, user_id INTEGER,"
    " user_name TEXT, org INTEGER NOT NULL, action TEXT NOT NULL, changes TEXT NOT NULL);"
    "CREATE INDEX contact_audit_org ON contact_audit(org, id);"
    "CREATE TABLE resolve_queue(host TEXT PRIMARY KEY, queued INTEGER NOT NULL);"
    "CREATE TABLE dns_cache(host TEXT PRIMARY KEY, addrs TEXT NOT NULL, resolved_at INTEGER NOT "
    "NULL, expires INTEGER NOT NULL, status TEXT NOT NULL);",
};

int contact_migrate(sqlite3 *db, char *err, size_t errlen)
{
	return db_migrate(db, "contact", schema, (int)(sizeof schema / sizeof schema[0]), err,
			  errlen);
}

/* ---- errors ------------------------------------------------------------------------------ */

static const struct {
	int code;
	const char *name, *en, *ja;
} errors[] = {
    {CONTACT_E_JSON, "bad_json", "The text is not a JSON object.",
     "JSON オブジェクトではありません。"},
    {CONTACT_E_FIELD, "unknown_field", "The object has a field the format does not know.",
     "形式にないフィールドがあります。"},
    {CONTACT_E_NAME, "bad_name", "The name is missing, too long or has control characters.",
     "名前がない、長すぎる、または制御文字を含みます。"},
    {CONTACT_E_TYPE, "bad_type",
     "The type must be isp, hosting, csirt, site_owner, vendor, registrar or other.",
     "種別は isp, hosting, csirt, site_owner, vendor, registrar, other のいずれかです。"},
    {CONTACT_E_COUNTRY, "bad_country", "The country is not a known two-letter ISO 3166 code.",
     "国が既知の ISO 3166 の 2 文字コードではありません。"},
    {CONTACT_E_LANG, "bad_lang", "The language must be ja or en.", "言語は ja か en です。"},
    {CONTACT_E_ABUSE, "bad_abuse",
     "An abuse address is not an e-mail address, or there are too many.",
     "abuse 連絡先がメールアドレスでない、または多すぎます。"},
    {CONTACT_E_PGP, "bad_pgp_key", "The PGP key is not an ASCII-armoured public key block.",
     "PGP 鍵が ASCII 形式の公開鍵ブロックではありません。"},
    {CONTACT_E_NOTE, "bad_note", "The note is too long or has control characters.",
     "メモが長すぎる、または制御文字を含みます。"},
    {CONTACT_E_NETWORK, "bad_network",
     "A network is not in CIDR form (203.0.113.0/24, 2001:db8::/32), has host bits set, or there "
     "are too many.",
     "ネットワークが CIDR 形式 (203.0.113.0/24、2001:db8::/32) でない、ホスト部が 0 でない、"
     "または多すぎます。"},
    {CONTACT_E_ASN, "bad_asn", "An AS number is not between 1 and 4294967294.",
     "AS 番号が 1 から 4294967294 の範囲にありません。"},
    {CONTACT_E_DOMAIN, "bad_domain",
     "A domain is not a host name, is an address or a bare public suffix, or there are too many.",
     "ドメインがホスト名でない、アドレスや公開サフィックスそのものである、または多すぎます。"},
    {CONTACT_E_EXISTS, "exists", "An organisation with this name exists.",
     "この名前の組織は既にあります。"},
    {CONTACT_E_NOTFOUND, "not_found", "No such organisation.", "その組織はありません。"},
    {CONTACT_E_DB, "internal", "The database failed; the server log has the reason.",
     "データベースでエラーが発生しました。理由はログにあります。"},
    {CONTACT_E_NOMEM, "internal", "Out of memory.", "メモリが足りません。"},
};

const char *contact_error_code(int code)
{
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
		if (errors[i].code == code)
			return errors[i].name;
	return "internal";
}

const char *contact_strerror(int code, const char *lang)
{
	bool ja = lang && strcmp(lang, "ja") == 0;
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
		if (errors[i].code == code)
			return ja ? errors[i].ja : errors[i].en;
	return ja ? "内部エラーです。" : "Internal error.";
}

/* ---- organisations in memory ------------------------------------------------------------ */

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void contact_org_free(struct contact_org *o)
{
	if (!o)
		return;
	free(o->name);
	free(o->type);
	free(o->country);
	free(o->lang);
	free(o->pgp_key);
	free(o->note);
	strv_free(o->abuse, o->n_abuse);
	strv_free(o->networks, o->n_networks);
	free(o->asns);
	strv_free(o->domains, o->n_domains);
	memset(o, 0, sizeof *o);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* sort and drop duplicates */
static size_t strv_unique(char **v, size_t n)
{
	if (n < 2)
		return n;
	qsort(v, n, sizeof v[0], cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i], v[k - 1]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	return k;
}

/* ---- validation ------------------------------------------------------------------------- */

static const char *const types[] = {"isp",    "hosting",   "csirt", "site_owner",
				    "vendor", "registrar", "other"};

static bool valid_type(const char *s)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(s, types[i]) == 0)
			return true;
	return false;
}

/* UTF-8 text (jansson checked the encoding) without control characters; newline and tab
 * allowed when multiline */
static bool clean_text(const char *s, size_t max, bool multiline)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f ||
		    (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))))
			return false;
		/* C1 controls and the bidirectional overrides would mislead a reader */
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
			return false;
		if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] >= 0xaa && (unsigned char)s[i + 2] <= 0xae)
			return false;
		if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x81 &&
		    (unsigned char)s[i + 2] >= 0xa6 && (unsigned char)s[i + 2] <= 0xa9)
			return false;
	}
	return true;
}

/* a country code the project's table knows, upper-cased into out[3]; "" allowed */
static bool valid_country(const char *s, char out[3])
{
	if (!*s) {
		out[0] = 0;
		return true;
	}
	if (strlen(s) != 2 || !geo_country_name(s, "en"))
		return false;
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (int i = 0; i < 2; i++) {
		out[i] = s[i];
		if (s[i] >= 'a' && s[i] <= 'z')
			out[i] = upper[s[i] - 'a'];
	}
	out[2] = 0;
	return true;
}

/* Canonical domain (canon_host, lower-case A-labels) that is a name with a dot and not a bare
 * public suffix of the ICANN section. Returns a malloc'd string or NULL. */
static char *canon_domain(const char *s)
{
	char buf[256];
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return NULL;
	int r = canon_host(s, n, buf, sizeof buf);
	if (r <= 0 || canon_host_is_ip(buf) || !strchr(buf, '.') || (size_t)r > 253)
		return NULL;
	/* "co.jp" answers for nothing; "dynv6.net" (a suffix of the list's private section) is
	 * the name of the operator who answers for the names under it */
	if (canon_is_icann_suffix(buf))
		return NULL;
	return strdup(buf);
}

/* local@domain, no spaces or controls, the domain canonical; malloc'd or NULL */
static char *canon_mail(const char *s)
{
	size_t n = strlen(s);
	const char *at = strrchr(s, '@');
	if (n > 254 || !at || at == s || (size_t)(at - s) > 64)
		return NULL;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[\\]@", c))
			return NULL;
	}
	char *dom = canon_domain(at + 1);
	if (!dom) {
		/* a domain that is itself a registrable name under an unlisted suffix is fine
		   here; what matters is that it is a host name */
		char buf[256];
		int r = canon_host(at + 1, strlen(at + 1), buf, sizeof buf);
		if (r <= 0 || canon_host_is_ip(buf) || !strchr(buf, '.'))
			return NULL;
		dom = strdup(buf);
		if (!dom)
			return NULL;
	}
	size_t ln = (size_t)(at - s), dn = strlen(dom), total;
	if (!ckd_size_add(ln, dn, &total) || !ckd_size_add(total, 2, &total)) {
		free(dom);
		return NULL;
	}
	char *out = malloc(total);
	if (out) {
		memcpy(out, s, ln);
		out[ln] = '@';
		memcpy(out + ln + 1, dom, dn + 1);
	}
	free(dom);
	return out;
}

/* "203.0.113.0/24" with the host bits clear; the canonical text into out */
static bool canon_network(const char *s, char *out, size_t size, struct ip_prefix *p)
{
	const char *slash = strchr(s, '/');
	char addr[IP_ADDR_STRLEN];
	size_t al = slash ? (size_t)(slash - s) : 0;
	if (!slash || al == 0 || al >= sizeof addr)
		return false;
	memcpy(addr, s, al);
	addr[al] = 0;
	struct ip_addr a;
	if (ip_addr_parse(addr, &a) != 0 || ip_prefix_parse(s, p) != 0 ||
	    !ip_addr_equal(&a, &p->addr))
		return false;
	ip_prefix_format(p, out, size);
	return true;
}

static const char *const pgp_begin = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
static const char *const pgp_end = "-----END PGP PUBLIC KEY BLOCK-----";

static bool valid_pgp(const char *s)
{
	if (!*s)
		return true;
	size_t n = strlen(s);
	if (n > CONTACT_MAX_PGP || strncmp(s, pgp_begin, strlen(pgp_begin)) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f)))
			return false;
	}
	const char *e = strstr(s, pgp_end);
	if (!e)
		return false;
	/* only white space after the end line */
	for (const char *p = e + strlen(pgp_end); *p; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ')
			return false;
	/* a body of base64 lines between the header lines and the end */
	const char *body = strstr(s, "\n\n");
	if (!body)
		body = strstr(s, "\r\n\r\n");
	if (!body || body > e)
		return false;
	bool any = false;
	for (const char *p = body; p < e; p++) {
		char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/') {
			any = true;
			continue;
		}
		if (c != '=' && c != '\n' && c != '\r' && c != ' ')
			return false;
	}
	return any;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static void set_field(char *field, size_t size, const char *name)
{
	if (!field || !size)
		return;
	size_t n = strlen(name);
	if (n >= size)
		n = size - 1;
	memcpy(field, name, n);
	field[n] = 0;
}

static int dup_to(char **dst, const char *s)
{
	char *d = strdup(s);
	if (!d)
		return CONTACT_E_NOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

static int parse_strlist(json_t *v, size_t max, char *(*canon)(const char *), int bad, char ***out,
			 size_t *n)
{
	if (!json_is_array(v) || json_array_size(v) > max)
		return bad;
	size_t cnt = json_array_size(v);
	char **list = calloc(cnt ? cnt : 1, sizeof *list);
	if (!list)
		return CONTACT_E_NOMEM;
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < cnt; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e) || json_string_length(e) != strlen(json_string_value(e))) {
			rc = bad;
			break;
		}
		char *c = canon(json_string_value(e));
		if (!c) {
			rc = bad;
			break;
		}
		list[k++] = c;
	}
	if (rc) {
		strv_free(list, k);
		return rc;
	}
	*out = list;
	*n = strv_unique(list, k);
	return 0;
}

static char *network_dup(const char *s)
{
	char buf[IP_ADDR_STRLEN + 8];
	struct ip_prefix p;
	if (!canon_network(s, buf, sizeof buf, &p))
		return NULL;
	return strdup(buf);
}

static int parse_asns(json_t *v, uint32_t **out, size_t *n)
{
	if (!json_is_array(v) || json_array_size(v) > CONTACT_MAX_ASNS)
		return CONTACT_E_ASN;
	size_t cnt = json_array_size(v);
	uint32_t *a = calloc(cnt ? cnt : 1, sizeof *a);
	if (!a)
		return CONTACT_E_NOMEM;
	for (size_t i = 0; i < cnt; i++) {
		json_t *e = json_array_get(v, i);
		long long x = -1;
		if (json_is_integer(e)) {
			x = json_integer_value(e);
		} else if (json_is_string(e)) {
			const char *s = json_string_value(e);
			if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
				s += 2;
			char *end;
			errno = 0;
			if (*s >= '0' && *s <= '9') {
				x = strtoll(s, &end, 10);
				if (errno || *end)
					x = -1;
			}
		}
		if (x < 1 || x > 4294967294LL) {
			free(a);
			return CONTACT_E_ASN;
		}
		a[i] = (uint32_t)x;
	}
	if (cnt > 1) {
		qsort(a, cnt, sizeof a[0], cmp_u32);
		size_t k = 1;
		for (size_t i = 1; i < cnt; i++)
			if (a[i] != a[k - 1])
				a[k++] = a[i];
		cnt = k;
	}
	*out = a;
	*n = cnt;
	return 0;
}

static int parse_obj(json_t *root, bool partial, struct contact_org *o, char *field,
		     size_t fieldlen)
{
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v)
	{
		int rc = 0;
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		/* an embedded NUL would cut the text short unseen */
		if (s && json_string_length(v) != strlen(s))
			s = NULL;
		if (strcmp(key, "name") == 0) {
			if (!s || !*s || !clean_text(s, CONTACT_MAX_NAME, false))
				rc = CONTACT_E_NAME;
			else if ((rc = dup_to(&o->name, s)) == 0)
				o->have |= CF_NAME;
		} else if (strcmp(key, "type") == 0) {
			if (!s || !valid_type(s))
				rc = CONTACT_E_TYPE;
			else if ((rc = dup_to(&o->type, s)) == 0)
				o->have |= CF_TYPE;
		} else if (strcmp(key, "country") == 0) {
			char cc[3];
			if (!s || !valid_country(s, cc))
				rc = CONTACT_E_COUNTRY;
			else if ((rc = dup_to(&o->country, cc)) == 0)
				o->have |= CF_COUNTRY;
		} else if (strcmp(key, "lang") == 0) {
			if (!s || (strcmp(s, "ja") != 0 && strcmp(s, "en") != 0))
				rc = CONTACT_E_LANG;
			else if ((rc = dup_to(&o->lang, s)) == 0)
				o->have |= CF_LANG;
		} else if (strcmp(key, "pgp_key") == 0) {
			if (!s || !valid_pgp(s))
				rc = CONTACT_E_PGP;
			else if ((rc = dup_to(&o->pgp_key, s)) == 0)
				o->have |= CF_PGP;
		} else if (strcmp(key, "note") == 0) {
			if (!s || !clean_text(s, CONTACT_MAX_NOTE, true))
				rc = CONTACT_E_NOTE;
			else if ((rc = dup_to(&o->note, s)) == 0)
				o->have |= CF_NOTE;
		} else if (strcmp(key, "abuse") == 0) {
			strv_free(o->abuse, o->n_abuse);
			o->abuse = NULL;
			o->n_abuse = 0;
			rc = parse_strlist(v, CONTACT_MAX_ABUSE, canon_mail, CONTACT_E_ABUSE,
					   &o->abuse, &o->n_abuse);
			if (!rc)
				o->have |= CF_ABUSE;
		} else if (strcmp(key, "networks") == 0) {
			strv_free(o->networks, o->n_networks);
			o->networks = NULL;
			o->n_networks = 0;
			rc = parse_strlist(v, CONTACT_MAX_NETWORKS, network_dup, CONTACT_E_NETWORK,
					   &o->networks, &o->n_networks);
			if (!rc)
				o->have |= CF_NETWORKS;
		} else if (strcmp(key, "domains") == 0) {
			strv_free(o->domains, o->n_domains);
			o->domains = NULL;
			o->n_domains = 0;
			rc = parse_strlist(v, CONTACT_MAX_DOMAINS, canon_domain, CONTACT_E_DOMAIN,
					   &o->domains, &o->n_domains);
			if (!rc)
				o->have |= CF_DOMAINS;
		} else if (strcmp(key, "asns") == 0) {
			free(o->asns);
			o->asns = NULL;
			o->n_asns = 0;
			rc = parse_asns(v, &o->asns, &o->n_asns);
			if (!rc)
				o->have |= CF_ASNS;
		} else if (strcmp(key, "id") == 0 || strcmp(key, "created") == 0 ||
			   strcmp(key, "updated") == 0) {
			/* written by export and GET; ignored on the way in */
		} else {
			rc = CONTACT_E_FIELD;
		}
		if (rc) {
			set_field(field, fieldlen, key);
			return rc;
		}
	}
	if (partial)
		return 0;
	if (!(o->have & CF_NAME)) {
		set_field(field, fieldlen, "name");
		return CONTACT_E_NAME;
	}
	if (!(o->have & CF_TYPE)) {
		set_field(field, fieldlen, "type");
		return CONTACT_E_TYPE;
	}
	/* defaults */
	if (!o->country && dup_to(&o->country, ""))
		return CONTACT_E_NOMEM;
	if (!o->lang && dup_to(&o->lang, strcmp(o->country, "JP") == 0 ? "ja" : "en"))
		return CONTACT_E_NOMEM;
	if ((!o->pgp_key && dup_to(&o->pgp_key, "")) || (!o->note && dup_to(&o->note, "")))
		return CONTACT_E_NOMEM;
	return 0;
}

int contact_parse(const char *text, size_t len, bool partial, struct contact_org *o, char *field,
		  size_t fieldlen)
{
	memset(o, 0, sizeof *o);
	set_field(field, fieldlen, "");
	if (len > CONTACT_MAX_LINE)
		return CONTACT_E_JSON;
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return CONTACT_E_JSON;
	}
	int rc = parse_obj(root, partial, o, field, fieldlen);
	json_decref(root);
	if (rc)
		contact_org_free(o);
	return rc;
}

/* ---- storing ------------------------------------------------------------------------------ */

static int step_done(sqlite3_stmt *st)
{
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_DONE)
		return 0;
	if ((r & 0xff) == SQLITE_CONSTRAINT)
		return CONTACT_E_EXISTS;
	return CONTACT_E_DB;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	char err[256];
	sqlite3_stmt *st = db_prepare(db, sql, err, sizeof err);
	if (!st)
		(void)fprintf(stderr, "contact: %s\n", err);
	return st;
}

static void net_range(const struct ip_prefix *p, uint8_t start[16], uint8_t end[16], size_t *n)
{
	*n = p->addr.family == 4 ? 4 : 16;
	memcpy(start, p->addr.a, *n);
	memcpy(end, p->addr.a, *n);
	for (size_t bit = p->len; bit < *n * 8; bit++)
		end[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

static int put_lists(sqlite3 *db, int64_t id, const struct contact_org *o, unsigned which)
{
	static const char *const del[] = {
	    "DELETE FROM contact_abuse WHERE org = ?", "DELETE FROM contact_net WHERE org = ?",
	    "DELETE FROM contact_asn WHERE org = ?", "DELETE FROM contact_domain WHERE org = ?"};
	static const unsigned bits[] = {CF_ABUSE, CF_NETWORKS, CF_ASNS, CF_DOMAINS};
	for (size_t i = 0; i < 4; i++) {
		if (!(which & bits[i]))
			continue;
		sqlite3_stmt *st = prep(db, del[i]);
		if (!st)
			return CONTACT_E_DB;
		sqlite3_bind_int64(st, 1, id);
		if (step_done(st))
			return CONTACT_E_DB;
	}
	sqlite3_stmt *st;
	if (which & CF_ABUSE) {
		if (!(st = prep(db, "INSERT INTO contact_abuse(org, pos, addr) VALUES(?,?,?)")))
			return CONTACT_E_DB;
		for (size_t i = 0; i < o->n_abuse; i++) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, (int64_t)i);
			sqlite3_bind_text(st, 3, o->abuse[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return CONTACT_E_DB;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	if (which & CF_NETWORKS) {
		if (!(st = prep(db, "INSERT INTO contact_net(org, start, end, plen, cidr) "
				    "VALUES(?,?,?,?,?)")))
			return CONTACT_E_DB;
		for (size_t i = 0; i < o->n_networks; i++) {
			struct ip_prefix p;
			uint8_t a[16], b[16];
			size_t n;
			if (ip_prefix_parse(o->networks[i], &p) != 0) {
				sqlite3_finalize(st);
				return CONTACT_E_NETWORK;
			}
			net_range(&p, a, b, &n);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_blob(st, 2, a, (int)n, SQLITE_TRANSIENT);
			sqlite3_bind_blob(st, 3, b, (int)n, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 4, p.len);
			sqlite3_bind_text(st, 5, o->networks[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return CONTACT_E_DB;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	if (which & CF_ASNS) {
		if (!(st = prep(db, "INSERT INTO contact_asn(org, asn) VALUES(?,?)")))
			return CONTACT_E_DB;
		for (size_t i = 0; i < o->n_asns; i++) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, o->asns[i]);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return CONTACT_E_DB;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	if (which & CF_DOMAINS) {
		if (!(st = prep(db, "INSERT INTO contact_domain(org, domain) VALUES(?,?)")))
			return CONTACT_E_DB;
		for (size_t i = 0; i < o->n_domains; i++) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, o->domains[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return CONTACT_E_DB;
			}
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	return 0;
}

static int audit(sqlite3 *db, int64_t now, const struct contact_actor *who, int64_t org,
		 const char *action, const char *changes)
{
	sqlite3_stmt *st =
	    prep(db, "INSERT INTO contact_audit(at, user_id, user_name, org, action, "
		     "changes) VALUES(?,?,?,?,?,?)");
	if (!st)
		return CONTACT_E_DB;
	sqlite3_bind_int64(st, 1, now);
	if (who && who->user_id)
		sqlite3_bind_int64(st, 2, who->user_id);
	if (who && who->user_name)
		sqlite3_bind_text(st, 3, who->user_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, org);
	sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, changes, -1, SQLITE_STATIC);
	return step_done(st);
}

static int savepoint(sqlite3 *db, const char *what)
{
	char sql[64];
	(void)snprintf(sql, sizeof sql, "%s contact_sp", what);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : CONTACT_E_DB;
}

static int finish_sp(sqlite3 *db, int rc)
{
	if (rc == 0)
		return savepoint(db, "RELEASE");
	(void)savepoint(db, "ROLLBACK TO");
	(void)savepoint(db, "RELEASE");
	return rc;
}

static char *org_json(const struct contact_org *o, bool with_id)
{
	struct jsonw w;
	jsonw_init(&w, 16u << 20);
	contact_write_json(&w, o, with_id);
	return jsonw_finish(&w, NULL, NULL);
}

static int create_in(sqlite3 *db, struct contact_org *o, int64_t now,
		     const struct contact_actor *who)
{
	sqlite3_stmt *st = prep(db, "INSERT INTO contact_org(name, type, country, lang, pgp_key, "
				    "note, created, updated) VALUES(?,?,?,?,?,?,?,?)");
	if (!st)
		return CONTACT_E_DB;
	sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, o->pgp_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, o->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	int rc = step_done(st);
	if (rc)
		return rc;
	o->id = sqlite3_last_insert_rowid(db);
	o->created = o->updated = now;
	rc = put_lists(db, o->id, o, CF_ABUSE | CF_NETWORKS | CF_ASNS | CF_DOMAINS);
	if (rc)
		return rc;
	char *j = org_json(o, false);
	if (!j)
		return CONTACT_E_NOMEM;
	rc = audit(db, now, who, o->id, "create", j);
	free(j);
	return rc;
}

int contact_create(sqlite3 *db, struct contact_org *o, int64_t now, const struct contact_actor *who)
{
	if (!o->name || !o->type || !o->country || !o->lang || !o->pgp_key || !o->note)
		return CONTACT_E_NAME;
	int rc = savepoint(db, "SAVEPOINT");
	if (rc)
		return rc;
	return finish_sp(db, create_in(db, o, now, who));
}

static int read_strings(sqlite3 *db, const char *sql, int64_t id, char ***out, size_t *n)
{
	sqlite3_stmt *st = prep(db, sql);
	if (!st)
		return CONTACT_E_DB;
	sqlite3_bind_int64(st, 1, id);
	size_t cap = 0, k = 0;
	char **v = NULL;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **nv = reallocarray(v, nc, sizeof *nv);
			if (!nv)
				break;
			v = nv;
			cap = nc;
		}
		const unsigned char *t = sqlite3_column_text(st, 0);
		char *d = strdup(t ? (const char *)t : "");
		if (!d)
			break;
		v[k++] = d;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		for (size_t i = 0; i < k; i++)
			free(v[i]);
		free(v);
		*out = NULL;
		*n = 0;
		return CONTACT_E_DB;
	}
	*out = v;
	*n = k;
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

int contact_get(sqlite3 *db, int64_t id, struct contact_org *o)
{
	memset(o, 0, sizeof *o);
	sqlite3_stmt *st = prep(db, "SELECT name, type, country, lang, pgp_key, note, created, "
				    "updated FROM contact_org WHERE id = ?");
	if (!st)
		return CONTACT_E_DB;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_finalize(st);
		return r == SQLITE_DONE ? CONTACT_E_NOTFOUND : CONTACT_E_DB;
	}
	o->id = id;
	o->name = col_dup(st, 0);
	o->type = col_dup(st, 1);
	o->country = col_dup(st, 2);
	o->lang = col_dup(st, 3);
	o->pgp_key = col_dup(st, 4);
	o->note = col_dup(st, 5);
	o->created = sqlite3_column_int64(st, 6);
	o->updated = sqlite3_column_int64(st, 7);
	sqlite3_finalize(st);
	int rc = 0;
	if (!o->name || !o->type || !o->country || !o->lang || !o->pgp_key || !o->note)
		rc = CONTACT_E_NOMEM;
	if (!rc)
		rc = read_strings(db, "SELECT addr FROM contact_abuse WHERE org = ? ORDER BY pos",
				  id, &o->abuse, &o->n_abuse);
	if (!rc)
		rc = read_strings(db, "SELECT cidr FROM contact_net WHERE org = ? ORDER BY cidr",
				  id, &o->networks, &o->n_networks);
	if (!rc)
		rc = read_strings(db,
				  "SELECT domain FROM contact_domain WHERE org = ? ORDER BY "
				  "domain",
				  id, &o->domains, &o->n_domains);
	if (!rc) {
		st = prep(db, "SELECT asn FROM contact_asn WHERE org = ? ORDER BY asn");
		if (!st) {
			rc = CONTACT_E_DB;
		} else {
			sqlite3_bind_int64(st, 1, id);
			size_t cap = 0;
			while (sqlite3_step(st) == SQLITE_ROW) {
				if (o->n_asns == cap) {
					size_t nc = cap ? cap * 2 : 8;
					uint32_t *na = reallocarray(o->asns, nc, sizeof *na);
					if (!na) {
						rc = CONTACT_E_NOMEM;
						break;
					}
					o->asns = na;
					cap = nc;
				}
				o->asns[o->n_asns++] = (uint32_t)sqlite3_column_int64(st, 0);
			}
			sqlite3_finalize(st);
		}
	}
	o->have = CF_NAME | CF_TYPE | CF_COUNTRY | CF_LANG | CF_ABUSE | CF_PGP | CF_NOTE |
		  CF_NETWORKS | CF_ASNS | CF_DOMAINS;
	if (rc)
		contact_org_free(o);
	return rc;
}

int64_t contact_find_name(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = prep(db, "SELECT id FROM contact_org WHERE name = ?");
	if (!st)
		return CONTACT_E_DB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	int64_t id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? id : CONTACT_E_DB;
}

/* ---- changes ------------------------------------------------------------------------------ */

static void write_strv(struct jsonw *w, char *const *v, size_t n)
{
	jsonw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jsonw_str(w, v[i]);
	jsonw_arr_end(w);
}

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static void diff_str(struct jsonw *w, const char *key, const char *a, const char *b, bool *any)
{
	if (strcmp(a, b) == 0)
		return;
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	jsonw_str(w, a);
	jsonw_str(w, b);
	jsonw_arr_end(w);
	*any = true;
}

static void diff_strv(struct jsonw *w, const char *key, char *const *a, size_t na, char *const *b,
		      size_t nb, bool *any)
{
	if (strv_eq(a, na, b, nb))
		return;
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	write_strv(w, a, na);
	write_strv(w, b, nb);
	jsonw_arr_end(w);
	*any = true;
}

static void write_asns(struct jsonw *w, const uint32_t *v, size_t n)
{
	jsonw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jsonw_u64(w, v[i]);
	jsonw_arr_end(w);
}

/* the changes from old to new as JSON; *any tells whether there were some */
static char *diff(const struct contact_org *a, const struct contact_org *b, bool *any)
{
	struct jsonw w;
	jsonw_init(&w, 16u << 20);
	jsonw_obj_begin(&w);
	*any = false;
	diff_str(&w, "name", a->name, b->name, any);
	diff_str(&w, "type", a->type, b->type, any);
	diff_str(&w, "country", a->country, b->country, any);
	diff_str(&w, "lang", a->lang, b->lang, any);
	diff_strv(&w, "abuse", a->abuse, a->n_abuse, b->abuse, b->n_abuse, any);
	diff_str(&w, "pgp_key", a->pgp_key, b->pgp_key, any);
	diff_str(&w, "note", a->note, b->note, any);
	diff_strv(&w, "networks", a->networks, a->n_networks, b->networks, b->n_networks, any);
	if (a->n_asns != b->n_asns ||
	    (a->n_asns && memcmp(a->asns, b->asns, a->n_asns * sizeof a->asns[0]) != 0)) {
		jsonw_key(&w, "asns");
		jsonw_arr_begin(&w);
		write_asns(&w, a->asns, a->n_asns);
		write_asns(&w, b->asns, b->n_asns);
		jsonw_arr_end(&w);
		*any = true;
	}
	diff_strv(&w, "domains", a->domains, a->n_domains, b->domains, b->n_domains, any);
	jsonw_obj_end(&w);
	return jsonw_finish(&w, NULL, NULL);
}

/* what the stored row should be after the patch: views into old and patch (not owned) */
static struct contact_org merged(const struct contact_org *old, const struct contact_org *p)
{
	struct contact_org m = *old;
	unsigned h = p->have;
	if (h & CF_NAME)
		m.name = p->name;
	if (h & CF_TYPE)
		m.type = p->type;
	if (h & CF_COUNTRY)
		m.country = p->country;
	if (h & CF_LANG)
		m.lang = p->lang;
	if (h & CF_PGP)
		m.pgp_key = p->pgp_key;
	if (h & CF_NOTE)
		m.note = p->note;
	if (h & CF_ABUSE) {
		m.abuse = p->abuse;
		m.n_abuse = p->n_abuse;
	}
	if (h & CF_NETWORKS) {
		m.networks = p->networks;
		m.n_networks = p->n_networks;
	}
	if (h & CF_ASNS) {
		m.asns = p->asns;
		m.n_asns = p->n_asns;
	}
	if (h & CF_DOMAINS) {
		m.domains = p->domains;
		m.n_domains = p->n_domains;
	}
	return m;
}

static int update_in(sqlite3 *db, const struct contact_org *old, const struct contact_org *m,
		     unsigned which, int64_t now, const struct contact_actor *who,
		     const char *action, char **changes)
{
	bool any;
	char *d = diff(old, m, &any);
	if (!d)
		return CONTACT_E_NOMEM;
	int rc = 0;
	if (any) {
		sqlite3_stmt *st =
		    prep(db, "UPDATE contact_org SET name = ?, type = ?, country = ?, lang = ?, "
			     "pgp_key = ?, note = ?, updated = ? WHERE id = ?");
		if (!st) {
			free(d);
			return CONTACT_E_DB;
		}
		sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->country, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, m->lang, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, m->pgp_key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, m->note, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, now);
		sqlite3_bind_int64(st, 8, old->id);
		rc = step_done(st);
		if (!rc)
			rc = put_lists(db, old->id, m, which);
		if (!rc)
			rc = audit(db, now, who, old->id, action, d);
	}
	if (!rc && changes)
		*changes = d;
	else
		free(d);
	return rc;
}

int contact_update(sqlite3 *db, int64_t id, const struct contact_org *patch, int64_t now,
		   const struct contact_actor *who, char **changes)
{
	if (changes)
		*changes = NULL;
	struct contact_org old;
	int rc = contact_get(db, id, &old);
	if (rc)
		return rc;
	struct contact_org m = merged(&old, patch);
	rc = savepoint(db, "SAVEPOINT");
	if (!rc)
		rc = finish_sp(db,
			       update_in(db, &old, &m, patch->have, now, who, "update", changes));
	contact_org_free(&old);
	return rc;
}

int contact_delete(sqlite3 *db, int64_t id, int64_t now, const struct contact_actor *who)
{
	struct contact_org old;
	int rc = contact_get(db, id, &old);
	if (rc)
		return rc;
	char *j = org_json(&old, false);
	contact_org_free(&old);
	if (!j)
		return CONTACT_E_NOMEM;
	rc = savepoint(db, "SAVEPOINT");
	if (rc) {
		free(j);
		return rc;
	}
	sqlite3_stmt *st = prep(db, "DELETE FROM contact_org WHERE id = ?");
	if (!st) {
		rc = CONTACT_E_DB;
	} else {
		sqlite3_bind_int64(st, 1, id);
		rc = step_done(st);
		/* the lists go with it (ON DELETE CASCADE); done by hand too, for connections
		   opened without foreign keys */
		if (!rc)
			rc = put_lists(db, id, &(struct contact_org){0},
				       CF_ABUSE | CF_NETWORKS | CF_ASNS | CF_DOMAINS);
		if (!rc)
			rc = audit(db, now, who, id, "delete", j);
	}
	free(j);
	return finish_sp(db, rc);
}

/* ---- JSON out ---------------------------------------------------------------------------- */

void contact_write_json(struct jsonw *w, const struct contact_org *o, bool with_id)
{
	jsonw_obj_begin(w);
	if (with_id) {
		jsonw_key(w, "id");
		jsonw_i64(w, o->id);
	}
	jsonw_key(w, "name");
	jsonw_str(w, o->name ? o->name : "");
	jsonw_key(w, "type");
	jsonw_str(w, o->type ? o->type : "");
	jsonw_key(w, "country");
	jsonw_str(w, o->country ? o->country : "");
	jsonw_key(w, "lang");
	jsonw_str(w, o->lang ? o->lang : "");
	jsonw_key(w, "abuse");
	write_strv(w, o->abuse, o->n_abuse);
	jsonw_key(w, "networks");
	write_strv(w, o->networks, o->n_networks);
	jsonw_key(w, "asns");
	write_asns(w, o->asns, o->n_asns);
	jsonw_key(w, "domains");
	write_strv(w, o->domains, o->n_domains);
	jsonw_key(w, "pgp_key");
	jsonw_str(w, o->pgp_key ? o->pgp_key : "");
	jsonw_key(w, "note");
	jsonw_str(w, o->note ? o->note : "");
	if (with_id) {
		jsonw_key(w, "created");
		jsonw_i64(w, o->created);
		jsonw_key(w, "updated");
		jsonw_i64(w, o->updated);
	}
	jsonw_obj_end(w);
}

/* ---- search ------------------------------------------------------------------------------- */

static int add_id(int64_t *ids, size_t max, size_t *n, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == id)
			return 0;
	if (*n < max)
		ids[(*n)++] = id;
	return 0;
}

/* every organisation whose network contains a: one index probe per prefix length */
typedef void (*net_fn)(void *ctx, int64_t org, const char *cidr, unsigned plen);

static int networks_containing(sqlite3 *db, const struct ip_addr *a, net_fn fn, void *ctx)
{
	sqlite3_stmt *st =
	    prep(db, "SELECT org, cidr FROM contact_net WHERE start = ? AND plen = ?");
	if (!st)
		return CONTACT_E_DB;
	size_t nb = a->family == 4 ? 4 : 16;
	for (unsigned plen = (unsigned)nb * 8 + 1; plen-- > 0;) {
		uint8_t s[16];
		memcpy(s, a->a, nb);
		for (size_t bit = plen; bit < nb * 8; bit++)
			s[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		sqlite3_bind_blob(st, 1, s, (int)nb, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, (int)plen);
		int r;
		while ((r = sqlite3_step(st)) == SQLITE_ROW)
			fn(ctx, sqlite3_column_int64(st, 0),
			   (const char *)sqlite3_column_text(st, 1), plen);
		sqlite3_reset(st);
		if (r != SQLITE_DONE) {
			sqlite3_finalize(st);
			return CONTACT_E_DB;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

struct id_acc {
	int64_t *ids;
	size_t max, *n;
};

static void acc_net(void *ctx, int64_t org, const char *cidr, unsigned plen)
{
	(void)cidr;
	(void)plen;
	struct id_acc *x = ctx;
	(void)add_id(x->ids, x->max, x->n, org);
}

static int ids_by(sqlite3 *db, const char *sql, const char *text, int64_t num, int64_t *ids,
		  size_t max, size_t *n)
{
	sqlite3_stmt *st = prep(db, sql);
	if (!st)
		return CONTACT_E_DB;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, num);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		(void)add_id(ids, max, n, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : CONTACT_E_DB;
}

/* organisations owning host or a parent domain of it (label boundary) */
static int ids_by_domain(sqlite3 *db, const char *host, int64_t *ids, size_t max, size_t *n)
{
	for (const char *p = host; p; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (!*p)
			break;
		int rc = ids_by(db, "SELECT org FROM contact_domain WHERE domain = ?", p, 0, ids,
				max, n);
		if (rc)
			return rc;
	}
	return 0;
}

int contact_search(sqlite3 *db, const char *q, int64_t *ids, size_t max, size_t *n)
{
	*n = 0;
	if (!q)
		q = "";
	int rc;
	struct ip_addr a;
	if (*q && ip_addr_parse(q, &a) == 0) {
		struct id_acc x = {ids, max, n};
		rc = networks_containing(db, &a, acc_net, &x);
		if (rc)
			return rc;
	}
	const char *num = q;
	if ((num[0] == 'A' || num[0] == 'a') && (num[1] == 'S' || num[1] == 's'))
		num += 2;
	if (*num >= '0' && *num <= '9' && strlen(num) <= 10 &&
	    strspn(num, "0123456789") == strlen(num)) {
		rc = ids_by(db, "SELECT org FROM contact_asn WHERE asn = ?", NULL,
			    strtoll(num, NULL, 10), ids, max, n);
		if (rc)
			return rc;
	}
	char host[256];
	if (*q && canon_host(q, strlen(q), host, sizeof host) > 0 && !canon_host_is_ip(host)) {
		rc = ids_by_domain(db, host, ids, max, n);
		if (rc)
			return rc;
	}
	/* names containing q (LIKE with its wildcards escaped) */
	size_t ql = strlen(q), cap;
	if (!ckd_size_mul(ql, 2, &cap) || !ckd_size_add(cap, 3, &cap))
		return CONTACT_E_NOMEM;
	char *pat = malloc(cap);
	if (!pat)
		return CONTACT_E_NOMEM;
	size_t k = 0;
	pat[k++] = '%';
	for (size_t i = 0; i < ql; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			pat[k++] = '\\';
		pat[k++] = q[i];
	}
	pat[k++] = '%';
	pat[k] = 0;
	rc = ids_by(db, "SELECT id FROM contact_org WHERE name LIKE ? ESCAPE '\\' ORDER BY name",
		    pat, 0, ids, max, n);
	free(pat);
	return rc;
}

/* ---- import and export -------------------------------------------------------------------- */

int contact_import(sqlite3 *db, const char *text, size_t len, int64_t now,
		   const struct contact_actor *who, size_t *created, size_t *updated, size_t *line,
		   char *field, size_t fieldlen)
{
	*created = *updated = *line = 0;
	set_field(field, fieldlen, "");
	int rc = savepoint(db, "SAVEPOINT");
	if (rc)
		return rc;
	size_t pos = 0, ln = 0;
	while (pos < len && !rc) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		ln++;
		const char *s = text + pos;
		size_t sl = end - pos;
		pos = end + 1;
		size_t skip = 0;
		while (skip < sl && (s[skip] == ' ' || s[skip] == '\t' || s[skip] == '\r'))
			skip++;
		if (skip == sl || s[skip] == '#')
			continue; /* blank lines and comments */
		struct contact_org o;
		rc = contact_parse(s, sl, false, &o, field, fieldlen);
		if (rc)
			break;
		int64_t id = contact_find_name(db, o.name);
		if (id < 0) {
			rc = (int)id;
		} else if (id == 0) {
			rc = create_in(db, &o, now, who);
			if (!rc)
				(*created)++;
		} else {
			struct contact_org old;
			rc = contact_get(db, id, &old);
			if (!rc) {
				struct contact_org m = merged(&old, &o);
				rc = update_in(db, &old, &m, o.have, now, who, "import", NULL);
				contact_org_free(&old);
				if (!rc)
					(*updated)++;
			}
		}
		contact_org_free(&o);
	}
	if (rc)
		*line = ln;
	return finish_sp(db, rc);
}

int contact_export(sqlite3 *db, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	sqlite3_stmt *st = prep(db, "SELECT id FROM contact_org ORDER BY name");
	if (!st)
		return CONTACT_E_DB;
	char *out = NULL;
	size_t n = 0;
	int rc = 0, r = SQLITE_DONE;
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct contact_org o;
		rc = contact_get(db, sqlite3_column_int64(st, 0), &o);
		if (rc)
			break;
		char *j = org_json(&o, false);
		contact_org_free(&o);
		if (!j) {
			rc = CONTACT_E_NOMEM;
			break;
		}
		size_t jl = strlen(j), nn;
		char *no = NULL;
		if (ckd_size_add(n, jl, &nn) && ckd_size_add(nn, 2, &nn))
			no = realloc(out, nn);
		if (!no) {
			free(j);
			rc = CONTACT_E_NOMEM;
			break;
		}
		out = no;
		memcpy(out + n, j, jl);
		n += jl;
		out[n++] = '\n';
		out[n] = 0;
		free(j);
	}
	sqlite3_finalize(st);
	if (!rc && r != SQLITE_DONE)
		rc = CONTACT_E_DB;
	if (rc) {
		free(out);
		return rc;
	}
	if (!out && !(out = calloc(1, 1)))
		return CONTACT_E_NOMEM;
	*text = out;
	*len = n;
	return 0;
}

/* ---- candidates --------------------------------------------------------------------------- */

struct cand_set {
	sqlite3 *db;
	struct contact_candidate *v;
	size_t n, cap;
	int rc;
};

static void cand_add(struct cand_set *cs, int64_t org, int score, const char *reason,
		     const char *detail)
{
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->v[i].org_id != org)
			continue;
		if (score > cs->v[i].score) {
			cs->v[i].score = score;
			(void)snprintf(cs->v[i].reason, sizeof cs->v[i].reason, "%s", reason);
			(void)snprintf(cs->v[i].detail, sizeof cs->v[i].detail, "%s", detail);
		}
		return;
	}
	if (cs->n == cs->cap) {
		size_t nc = cs->cap ? cs->cap * 2 : 16;
		struct contact_candidate *nv = reallocarray(cs->v, nc, sizeof *nv);
		if (!nv) {
			cs->rc = CONTACT_E_NOMEM;
			return;
		}
		cs->v = nv;
		cs->cap = nc;
	}
	struct contact_candidate *c = &cs->v[cs->n++];
	memset(c, 0, sizeof *c);
	c->org_id = org;
	c->score = score;
	(void)snprintf(c->reason, sizeof c->reason, "%s", reason);
	(void)snprintf(c->detail, sizeof c->detail, "%s", detail);
}

static void cand_net(void *ctx, int64_t org, const char *cidr, unsigned plen)
{
	struct cand_set *cs = ctx;
	/* IPv4 lengths as their IPv4-mapped IPv6 lengths, so /24 ranks like /120 */
	unsigned bits = strchr(cidr, ':') ? plen : plen + 96;
	cand_add(cs, org, 2000 + (int)bits, "network", cidr);
}

static void cand_address(struct cand_set *cs, const char *ip)
{
	struct ip_addr a;
	if (cs->rc || ip_addr_parse(ip, &a) != 0)
		return;
	int rc = networks_containing(cs->db, &a, cand_net, cs);
	if (rc)
		cs->rc = rc;
}

static void cand_rows(struct cand_set *cs, const char *sql, const char *text, int64_t num,
		      int score, const char *reason, const char *detail)
{
	if (cs->rc)
		return;
	sqlite3_stmt *st = prep(cs->db, sql);
	if (!st) {
		cs->rc = CONTACT_E_DB;
		return;
	}
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, num);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		cand_add(cs, sqlite3_column_int64(st, 0), score, reason, detail);
	if (r != SQLITE_DONE)
		cs->rc = CONTACT_E_DB;
	sqlite3_finalize(st);
}

static void cand_host(struct cand_set *cs, const char *host)
{
	if (!host || !*host || canon_host_is_ip(host))
		return;
	for (const char *p = host; p && !cs->rc; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (!*p || !strchr(p, '.'))
			break; /* organisations' domains always have a dot */
		int labels = 1;
		for (const char *q = p; *q; q++)
			labels += *q == '.';
		cand_rows(cs, "SELECT org FROM contact_domain WHERE domain = ?", p, 0, 500 + labels,
			  "domain", p);
	}
}

static void cand_url(struct cand_set *cs, const char *url)
{
	char buf[CANON_MAX_INPUT + 64];
	struct canon_url parts;
	size_t n = strlen(url);
	if (n >= CANON_MAX_INPUT || canon_url(url, n, buf, sizeof buf, &parts) < 0)
		return;
	char host[256];
	if (parts.host_len == 0 || parts.host_len >= sizeof host)
		return;
	memcpy(host, buf + parts.host_off, parts.host_len);
	host[parts.host_len] = 0;
	if (host[0] == '[') { /* a bracketed IPv6 literal */
		size_t hl = strlen(host);
		if (hl < 3)
			return;
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	if (parts.host_is_ip || canon_host_is_ip(host))
		cand_address(cs, host);
	else
		cand_host(cs, host);
}

static int cand_cmp(const void *a, const void *b)
{
	const struct contact_candidate *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->org_id > y->org_id) - (x->org_id < y->org_id);
}

void contact_reason_text(const struct contact_candidate *c, const char *lang, char *buf,
			 size_t size)
{
	bool ja = lang && strcmp(lang, "ja") == 0;
	if (strcmp(c->reason, "network") == 0)
		(void)snprintf(buf, size, ja ? "ネットワーク %s" : "network %s", c->detail);
	else if (strcmp(c->reason, "asn") == 0)
		(void)snprintf(buf, size, "AS%s", c->detail);
	else if (strcmp(c->reason, "domain") == 0)
		(void)snprintf(buf, size, ja ? "ドメイン %s" : "domain %s", c->detail);
	else if (strcmp(c->reason, "national_csirt") == 0)
		(void)snprintf(buf, size, ja ? "国の CSIRT (%s)" : "national CSIRT (%s)",
			       c->detail);
	else
		(void)snprintf(buf, size, "%s %s", c->reason, c->detail);
}

static int cand_fill(sqlite3 *db, struct contact_candidate *c)
{
	sqlite3_stmt *st =
	    prep(db, "SELECT o.name, o.type, o.lang, (SELECT addr FROM contact_abuse "
		     "a WHERE a.org = o.id ORDER BY pos LIMIT 1) FROM contact_org o "
		     "WHERE o.id = ?");
	if (!st)
		return CONTACT_E_DB;
	sqlite3_bind_int64(st, 1, c->org_id);
	int rc = CONTACT_E_DB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *f[4];
		for (int i = 0; i < 4; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			f[i] = t ? (const char *)t : "";
		}
		(void)snprintf(c->name, sizeof c->name, "%s", f[0]);
		(void)snprintf(c->type, sizeof c->type, "%s", f[1]);
		(void)snprintf(c->lang, sizeof c->lang, "%s", f[2]);
		(void)snprintf(c->abuse, sizeof c->abuse, "%s", f[3]);
		contact_reason_text(c, "en", c->why, sizeof c->why);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int contact_candidates(sqlite3 *db, const struct indicator *ind, size_t n_ind,
		       const struct enrich_addr *addrs, size_t n_addrs, const char *home_cc,
		       struct contact_candidate *out, size_t max, size_t *n)
{
	*n = 0;
	struct cand_set cs = {.db = db};
	for (size_t i = 0; i < n_addrs && !cs.rc; i++) {
		const struct enrich_addr *e = &addrs[i];
		cand_address(&cs, e->ip);
		if (e->asn) {
			char d[16];
			(void)snprintf(d, sizeof d, "%u", e->asn);
			cand_rows(&cs, "SELECT org FROM contact_asn WHERE asn = ?", NULL, e->asn,
				  1000, "asn", d);
		}
		if (e->cc[0] && !(home_cc && strcasecmp(e->cc, home_cc) == 0))
			cand_rows(&cs,
				  "SELECT id FROM contact_org WHERE type = 'csirt' AND country "
				  "= ?",
				  e->cc, 0, 100, "national_csirt", e->cc);
	}
	for (size_t i = 0; i < n_ind && !cs.rc; i++) {
		const struct indicator *x = &ind[i];
		if (!x->value)
			continue;
		switch (x->type) {
		case IND_URL:
			cand_url(&cs, x->value);
			break;
		case IND_DOMAIN:
			cand_host(&cs, x->value);
			break;
		case IND_IPV4:
		case IND_IPV6:
			cand_address(&cs, x->value);
			break;
		case IND_EMAIL: {
			const char *at = strrchr(x->value, '@');
			if (at)
				cand_host(&cs, at + 1);
			break;
		}
		default:
			break;
		}
	}
	if (cs.rc) {
		free(cs.v);
		return cs.rc;
	}
	if (cs.n > 1)
		qsort(cs.v, cs.n, sizeof cs.v[0], cand_cmp);
	size_t k = cs.n < max ? cs.n : max;
	int rc = 0;
	for (size_t i = 0; i < k && !rc; i++) {
		out[i] = cs.v[i];
		rc = cand_fill(db, &out[i]);
	}
	free(cs.v);
	if (rc)
		return rc;
	*n = k;
	return 0;
}
