/* output-summary.c - a human-readable summary of each interval on stdout, English or Japanese
 *
 * Times are shown in UTC and, for the interval itself, also in JST (UTC+9, no daylight saving),
 * computed by shifting the time and formatting it as UTC, so the process time zone never
 * matters. Columns are aligned by display width: a Japanese character takes two cells.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/i18n.h"
#include "config.h"
#include "output.h"
#include "../lib/banned.h"

#define JST_OFFSET (9 * 3600)
#define TOP_PORTS  5
#define LIST_MAX   10 /* rows shown for scanners, attacks and sources */
#define TBL_COLS   7
#define TBL_ROWS   (1 + LIST_MAX)
#define CELL_MAX   96

struct summary_state {
	FILE *out;
};

/* Terminal cells taken by the UTF-8 string s: East Asian wide and fullwidth characters take
 * two, everything else one. Malformed bytes count one each. */
static size_t disp_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		uint32_t cp;
		unsigned extra;

		if (*p >= 0xc0 && *p < 0xe0) {
			cp = *p & 0x1fu;
			extra = 1;
		} else if (*p >= 0xe0 && *p < 0xf0) {
			cp = *p & 0x0fu;
			extra = 2;
		} else if (*p >= 0xf0 && *p < 0xf8) {
			cp = *p & 0x07u;
			extra = 3;
		} else { /* ASCII, or a stray byte */
			w++;
			p++;
			continue;
		}
		p++;
		for (; extra > 0 && (*p & 0xc0) == 0x80; extra--, p++)
			cp = (cp << 6) | (*p & 0x3fu);
		if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
		    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
		    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
		    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
			w += 2;
		else
			w++;
	}
	return w;
}

static void pad(FILE *f, size_t n)
{
	while (n-- > 0)
		(void)fputc(' ', f);
}

/* "12,345": thousands grouped with commas (the same in Japanese). */
static const char *fmt_u64(uint64_t v, char *buf, size_t size)
{
	char digits[24];
	size_t n, o = 0;

	(void)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	n = strlen(digits);
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < size)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Format sec + offset seconds as UTC: the date and the clock, or the clock alone. */
static const char *fmt_time(int64_t sec, int offset, bool with_date, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)(sec + offset);

	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, size, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm) == 0)
		(void)snprintf(buf, size, "?");
	return buf;
}

static bool same_day(int64_t a, int64_t b, int offset)
{
	return (a + offset) / 86400 == (b + offset) / 86400;
}

/* A time inside a table: the clock alone when on the interval's day (UTC), else with the date. */
static const char *fmt_event_time(uint64_t usec, int64_t day_of, char *buf, size_t size)
{
	int64_t sec = (int64_t)(usec / 1000000u);
	return fmt_time(sec, 0, !same_day(sec, day_of, 0), buf, size);
}

/* Append s to buf (size bytes, *o used), silently stopping at the end. */
static void append(char *buf, size_t size, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o >= size)
		return;
	if (n > size - 1 - *o)
		n = size - 1 - *o;
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = '\0';
}

struct table {
	unsigned ncol, nrow;
	unsigned right; /* bit c: column c is right-aligned */
	char cell[TBL_ROWS][TBL_COLS][CELL_MAX];
};

static void tbl_init(struct table *t, unsigned ncol, unsigned right)
{
	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
	t->right = right;
}

/* Put text into a cell, cut at CELL_MAX - 1 bytes (only addresses, numbers, port lists and
 * short labels go here). */
static void tbl_set(struct table *t, unsigned row, unsigned col, const char *text)
{
	size_t n = strlen(text);

	if (row >= TBL_ROWS || col >= TBL_COLS)
		return;
	if (n >= CELL_MAX)
		n = CELL_MAX - 1;
	memcpy(t->cell[row][col], text, n);
	t->cell[row][col][n] = '\0';
	if (row >= t->nrow)
		t->nrow = row + 1;
}

/* Print with two spaces of indent and two between columns; row 0 is the heading. */
static void tbl_print(FILE *f, const struct table *t)
{
	size_t width[TBL_COLS] = {0};

	for (unsigned r = 0; r < t->nrow; r++)
		for (unsigned c = 0; c < t->ncol; c++) {
			size_t w = disp_width(t->cell[r][c]);
			if (w > width[c])
				width[c] = w;
		}
	for (unsigned r = 0; r < t->nrow; r++) {
		(void)fputs("  ", f);
		for (unsigned c = 0; c < t->ncol; c++) {
			const char *s = t->cell[r][c];
			size_t gap = width[c] - disp_width(s);
			bool last = c + 1 == t->ncol;
			if (c > 0)
				(void)fputs("  ", f);
			if (t->right & (1u << c)) {
				pad(f, gap);
				(void)fputs(s, f);
			} else {
				(void)fputs(s, f);
				if (!last)
					pad(f, gap);
			}
		}
		(void)fputc('\n', f);
	}
}

/* A left label padded to a fixed display width, so the values after it line up. */
static void label(FILE *f, const char *s)
{
	size_t w = disp_width(s);
	(void)fputs(s, f);
	pad(f, w < 14 ? 14 - w : 1);
}

static void named_line(FILE *f, const char *title, const struct obs_named *l)
{
	char num[32];
	bool any = false;

	for (unsigned i = 0; i < l->n; i++) {
		if (l->v[i].value == 0)
			continue;
		if (!any)
			label(f, title);
		(void)fprintf(f, "%s%s %s", any ? ", " : "", l->v[i].name,
			      fmt_u64(l->v[i].value, num, sizeof(num)));
		any = true;
	}
	if (any)
		(void)fputc('\n', f);
}

static void print_head(FILE *f, const struct obs_record *r)
{
	char a[40], b[40], n1[32], n2[32], n3[32], n4[32];
	bool end_date;

	(void)fprintf(f, "%s %s\n", T("== sensor", "== センサー"), r->sensor);
	end_date = !same_day(r->start, r->end - 1, 0);
	label(f, T("Interval", "区間"));
	(void)fprintf(f, T("%s - %s UTC%s\n", "%s 〜 %s UTC%s\n"),
		      fmt_time(r->start, 0, true, a, sizeof(a)),
		      fmt_time(r->end, 0, end_date, b, sizeof(b)),
		      r->partial ? T("  (partial)", "（部分区間）") : "");
	end_date = !same_day(r->start, r->end - 1, JST_OFFSET);
	label(f, "");
	(void)fprintf(f, T("%s - %s JST\n", "%s 〜 %s JST\n"),
		      fmt_time(r->start, JST_OFFSET, true, a, sizeof(a)),
		      fmt_time(r->end, JST_OFFSET, end_date, b, sizeof(b)));
	label(f, T("Packets", "パケット数"));
	(void)fprintf(
	    f, T("%s  (IPv4 %s, IPv6 %s), %s bytes\n", "%s（IPv4 %s、IPv6 %s）、%s バイト\n"),
	    fmt_u64(r->packets, n1, sizeof(n1)), fmt_u64(r->ipv4, n2, sizeof(n2)),
	    fmt_u64(r->ipv6, n3, sizeof(n3)), fmt_u64(r->bytes, n4, sizeof(n4)));
}

static void print_protocols(FILE *f, const struct obs_record *r, struct table *t)
{
	char num[32];
	unsigned row = 1;

	tbl_init(t, 5, 0x1eu);
	tbl_set(t, 0, 0, T("protocol", "プロトコル"));
	tbl_set(t, 0, 1, T("probe", "探索"));
	tbl_set(t, 0, 2, T("backscatter", "バックスキャッタ"));
	tbl_set(t, 0, 3, T("other", "その他"));
	tbl_set(t, 0, 4, T("total", "合計"));
	for (unsigned p = 0; p < OBS_PROTO_MAX; p++) {
		uint64_t sum = 0;
		for (unsigned c = 0; c < OBS_CLASS_MAX; c++)
			sum += r->by_proto_class[p][c];
		if (sum == 0)
			continue;
		tbl_set(t, row, 0, obs_proto_name(p));
		for (unsigned c = 0; c < OBS_CLASS_MAX; c++)
			tbl_set(t, row, 1 + c, fmt_u64(r->by_proto_class[p][c], num, sizeof(num)));
		tbl_set(t, row, 4, fmt_u64(sum, num, sizeof(num)));
		row++;
	}
	if (row > 1)
		tbl_print(f, t);
}

static void print_ports(FILE *f, const struct obs_record *r, struct table *t)
{
	char num[32];
	size_t n = r->n_ports < TOP_PORTS ? r->n_ports : TOP_PORTS;

	if (n == 0)
		return;
	(void)fprintf(f, T("Top ports (%zu)\n", "上位ポート（%zu 件）\n"), n);
	tbl_init(t, 4, 0x0eu);
	tbl_set(t, 0, 0, T("port", "ポート"));
	tbl_set(t, 0, 1, T("packets", "パケット"));
	tbl_set(t, 0, 2, T("sources", "送信元"));
	tbl_set(t, 0, 3, T("destinations", "宛先"));
	for (size_t i = 0; i < n; i++) {
		const struct obs_port *p = &r->ports[i];
		unsigned row = (unsigned)i + 1;
		char name[24];

		(void)snprintf(name, sizeof(name), "%s/%u", obs_proto_name(p->proto), p->port);
		tbl_set(t, row, 0, name);
		tbl_set(t, row, 1, fmt_u64(p->packets, num, sizeof(num)));
		tbl_set(t, row, 2, fmt_u64(p->sources, num, sizeof(num)));
		tbl_set(t, row, 3, fmt_u64(p->destinations, num, sizeof(num)));
	}
	tbl_print(f, t);
}

static void more_line(FILE *f, size_t shown, size_t all)
{
	if (all > shown)
		(void)fprintf(f,
			      T("  ... and %zu more (see the JSON record)\n",
				"  …ほか %zu 件（JSON レコードを参照）\n"),
			      all - shown);
}

static void print_scanners(FILE *f, const struct obs_record *r, struct table *t)
{
	char num[32], addr[IP_ADDR_STRLEN], ports[CELL_MAX];
	size_t n = r->n_scanners < LIST_MAX ? r->n_scanners : LIST_MAX;

	if (r->n_scanners == 0)
		return;
	(void)fprintf(f, T("Scanners (%zu)\n", "スキャナー（%zu 件）\n"), r->n_scanners);
	tbl_init(t, 6, 0x1cu);
	tbl_set(t, 0, 0, T("source", "送信元"));
	tbl_set(t, 0, 1, T("tool", "ツール"));
	tbl_set(t, 0, 2, T("packets", "パケット"));
	tbl_set(t, 0, 3, T("destinations", "宛先"));
	tbl_set(t, 0, 4, T("targets", "宛先×ポート"));
	tbl_set(t, 0, 5, T("ports", "ポート"));
	for (size_t i = 0; i < n; i++) {
		const struct obs_scanner *s = &r->scanners[i];
		unsigned row = (unsigned)i + 1, listed;
		char one[16];
		size_t o = 0;

		/* no port list for a source flagged by its number of targets alone */
		ports[0] = '\0';
		append(ports, sizeof(ports), &o, s->n_ports ? obs_proto_name(s->proto) : "-");
		listed = s->n_ports < OBS_SCANNER_PORTS ? s->n_ports : OBS_SCANNER_PORTS;
		for (unsigned j = 0; j < listed; j++) {
			(void)snprintf(one, sizeof(one), "%c%u", j ? ',' : '/', s->ports[j]);
			append(ports, sizeof(ports), &o, one);
		}
		if (s->n_ports > listed) {
			(void)snprintf(one, sizeof(one), " (+%u)", s->n_ports - listed);
			append(ports, sizeof(ports), &o, one);
		}
		tbl_set(t, row, 0, ip_addr_format(&s->src, addr, sizeof(addr)));
		tbl_set(t, row, 1, s->tool ? s->tool : "-");
		tbl_set(t, row, 2, fmt_u64(s->packets, num, sizeof(num)));
		tbl_set(t, row, 3, fmt_u64(s->destinations, num, sizeof(num)));
		tbl_set(t, row, 4, fmt_u64(s->targets, num, sizeof(num)));
		tbl_set(t, row, 5, ports);
	}
	tbl_print(f, t);
	more_line(f, n, r->n_scanners);
}

static void print_dos(FILE *f, const struct obs_record *r, struct table *t)
{
	char num[32], addr[IP_ADDR_STRLEN], tbuf[40];
	size_t n = r->n_dos < LIST_MAX ? r->n_dos : LIST_MAX;

	if (r->n_dos == 0)
		return;
	(void)fprintf(f,
		      T("DoS attacks seen by backscatter (%zu)\n",
			"バックスキャッタから見た DoS 攻撃（%zu 件）\n"),
		      r->n_dos);
	tbl_init(t, 7, 0x0cu);
	tbl_set(t, 0, 0, T("victim", "被害者"));
	tbl_set(t, 0, 1, T("proto", "プロトコル"));
	tbl_set(t, 0, 2, T("packets", "パケット"));
	tbl_set(t, 0, 3, T("peak/min", "毎分最大"));
	tbl_set(t, 0, 4, T("start (UTC)", "開始 (UTC)"));
	tbl_set(t, 0, 5, T("last (UTC)", "最終 (UTC)"));
	tbl_set(t, 0, 6, T("state", "状態"));
	for (size_t i = 0; i < n; i++) {
		const struct obs_dos *d = &r->dos[i];
		unsigned row = (unsigned)i + 1;
		tbl_set(t, row, 0, ip_addr_format(&d->victim, addr, sizeof(addr)));
		tbl_set(t, row, 1, obs_proto_name(d->proto));
		tbl_set(t, row, 2, fmt_u64(d->packets, num, sizeof(num)));
		tbl_set(t, row, 3, fmt_u64(d->peak_per_min, num, sizeof(num)));
		tbl_set(t, row, 4, fmt_event_time(d->start_usec, r->start, tbuf, sizeof(tbuf)));
		tbl_set(t, row, 5, fmt_event_time(d->last_usec, r->start, tbuf, sizeof(tbuf)));
		tbl_set(t, row, 6, d->ongoing ? T("ongoing", "継続中") : T("ended", "終了"));
	}
	tbl_print(f, t);
	more_line(f, n, r->n_dos);
}

static void print_top(FILE *f, const struct obs_record *r, struct table *t)
{
	char num[32], addr[IP_ADDR_STRLEN];
	size_t n = r->n_top < LIST_MAX ? r->n_top : LIST_MAX;

	if (n == 0)
		return;
	(void)fprintf(f, T("Top sources (%zu)\n", "上位送信元（%zu 件）\n"), n);
	tbl_init(t, 3, 0x05u);
	tbl_set(t, 0, 0, "#");
	tbl_set(t, 0, 1, T("source", "送信元"));
	tbl_set(t, 0, 2, T("packets", "パケット"));
	for (size_t i = 0; i < n; i++) {
		unsigned row = (unsigned)i + 1;
		(void)snprintf(num, sizeof(num), "%u", row);
		tbl_set(t, row, 0, num);
		tbl_set(t, row, 1, ip_addr_format(&r->top[i].src, addr, sizeof(addr)));
		tbl_set(t, row, 2, fmt_u64(r->top[i].packets, num, sizeof(num)));
	}
	tbl_print(f, t);
}

static void capture_item(FILE *f, bool *any, const char *name, uint64_t v)
{
	char num[32];

	if (v == 0)
		return;
	if (!*any)
		label(f, T("Capture", "キャプチャ"));
	(void)fprintf(f, "%s%s %s", *any ? T(", ", "、") : "", name, fmt_u64(v, num, sizeof(num)));
	*any = true;
}

static void print_counters(FILE *f, const struct obs_record *r)
{
	bool any = false;

	capture_item(f, &any, T("kernel drops", "カーネル破棄"), r->kernel_drops);
	capture_item(f, &any, T("interface drops", "インターフェース破棄"), r->if_drops);
	capture_item(f, &any, T("not dark", "観測対象外宛"), r->not_dark);
	capture_item(f, &any, T("time went backwards", "時刻の逆行"), r->ts_backwards);
	capture_item(f, &any, T("ICMP quote mismatch", "ICMP 引用の不一致"), r->icmp_mismatch);
	if (any)
		(void)fputc('\n', f);
	named_line(f, T("Tools", "ツール"), &r->tools);
	named_line(f, T("Noise", "ノイズ"), &r->noise);
	named_line(f, T("Undecoded", "未解析"), &r->decode);
	named_line(f, T("Table full", "表の溢れ"), &r->overflow);
}

static int summary_open(const struct sensor_config *cfg, void **ret_state)
{
	struct summary_state *s;

	(void)cfg;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->out = stdout;
	*ret_state = s;
	return 0;
}

static int summary_write(void *state, const struct obs_record *rec, const char *json,
			 size_t json_len)
{
	struct summary_state *s = state;
	struct table *t;
	FILE *f = s->out;

	(void)json;
	(void)json_len;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	print_head(f, rec);
	print_protocols(f, rec, t);
	print_ports(f, rec, t);
	print_scanners(f, rec, t);
	print_dos(f, rec, t);
	print_top(f, rec, t);
	print_counters(f, rec);
	(void)fputc('\n', f);
	free(t);
	/* stdout may be shared with the JSON-lines output, which writes to the fd directly */
	errno = 0;
	if (fflush(f) != 0 || ferror(f)) {
		int r = errno ? -errno : -EIO;
		clearerr(f);
		return r;
	}
	return 0;
}

static void summary_close(void *state)
{
	struct summary_state *s = state;

	if (!s)
		return;
	(void)fflush(s->out);
	free(s);
}

const struct output_ops output_summary_ops = {
    .name = "summary",
    .open = summary_open,
    .write = summary_write,
    .reopen = NULL,
    .close = summary_close,
};
