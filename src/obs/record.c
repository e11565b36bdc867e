/* record.c - the interval record's JSON form (docs/interval-record.md) */
#include "record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/jsonw.h"
#include "../lib/banned.h"

static const char *const proto_names[OBS_PROTO_MAX] = {"tcp", "udp", "icmp", "icmp6", "other"};
static const char *const class_names[OBS_CLASS_MAX] = {"probe", "backscatter", "other"};

const char *obs_proto_name(unsigned proto)
{
	return proto < OBS_PROTO_MAX ? proto_names[proto] : "unknown";
}

const char *obs_class_name(unsigned cls)
{
	return cls < OBS_CLASS_MAX ? class_names[cls] : "unknown";
}

void obs_named_add(struct obs_named *l, const char *name, uint64_t value)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0) {
			l->v[i].value += value;
			return;
		}
	}
	if (l->n >= OBS_NAMED_MAX)
		return;
	l->v[l->n].name = name;
	l->v[l->n].value = value;
	l->n++;
}

void obs_record_done(struct obs_record *r)
{
	if (!r)
		return;
	free(r->ports);
	free(r->scanners);
	free(r->dos);
	free(r->top);
	memset(r, 0, sizeof(*r));
}

char *obs_format_time(int64_t sec, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (size == 0)
		return buf;
	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

char *obs_format_time_usec(uint64_t usec, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)(usec / 1000000u);
	char tmp[128];
	int n;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (!gmtime_r(&t, &tm))
		return buf;
	n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (unsigned)(usec % 1000000u));
	if (n > 0 && (size_t)n < size)
		memcpy(buf, tmp, (size_t)n + 1);
	return buf;
}

static void kv_u64(struct jsonw *w, const char *k, uint64_t v)
{
	jsonw_key(w, k);
	jsonw_u64(w, v);
}

static void kv_str(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	jsonw_str(w, v);
}

static void kv_addr(struct jsonw *w, const char *k, const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];
	kv_str(w, k, ip_addr_format(a, buf, sizeof(buf)));
}

static void kv_time_usec(struct jsonw *w, const char *k, uint64_t usec)
{
	char buf[40];
	kv_str(w, k, obs_format_time_usec(usec, buf, sizeof(buf)));
}

static void kv_named(struct jsonw *w, const char *k, const struct obs_named *l)
{
	jsonw_key(w, k);
	jsonw_obj_begin(w);
	for (unsigned i = 0; i < l->n; i++)
		kv_u64(w, l->v[i].name, l->v[i].value);
	jsonw_obj_end(w);
}

static void kv_ports(struct jsonw *w, const char *k, const uint16_t *v, unsigned n, unsigned max)
{
	jsonw_key(w, k);
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < n && i < max; i++)
		jsonw_u64(w, v[i]);
	jsonw_arr_end(w);
}

char *obs_record_to_json(const struct obs_record *r, size_t *ret_len)
{
	char ts[40];
	struct jsonw w;

	jsonw_init(&w, OBS_JSON_MAX);
	jsonw_obj_begin(&w);
	kv_str(&w, "schema", OBS_SCHEMA);
	kv_str(&w, "sensor", r->sensor);
	kv_str(&w, "start", obs_format_time(r->start, ts, sizeof(ts)));
	kv_str(&w, "end", obs_format_time(r->end, ts, sizeof(ts)));
	jsonw_key(&w, "start_unix");
	jsonw_i64(&w, r->start);
	kv_u64(&w, "interval", r->interval);
	jsonw_key(&w, "partial");
	jsonw_bool(&w, r->partial);

	jsonw_key(&w, "capture");
	jsonw_obj_begin(&w);
	kv_u64(&w, "captured", r->captured);
	kv_u64(&w, "not_dark", r->not_dark);
	kv_u64(&w, "kernel_drops", r->kernel_drops);
	kv_u64(&w, "if_drops", r->if_drops);
	kv_u64(&w, "ts_backwards", r->ts_backwards);
	kv_u64(&w, "icmp_mismatch", r->icmp_mismatch);
	kv_named(&w, "undecoded", &r->decode);
	kv_named(&w, "overflow", &r->overflow);
	jsonw_obj_end(&w);

	jsonw_key(&w, "totals");
	jsonw_obj_begin(&w);
	kv_u64(&w, "packets", r->packets);
	kv_u64(&w, "bytes", r->bytes);
	kv_u64(&w, "ipv4", r->ipv4);
	kv_u64(&w, "ipv6", r->ipv6);
	jsonw_key(&w, "by_proto");
	jsonw_obj_begin(&w);
	for (unsigned p = 0; p < OBS_PROTO_MAX; p++) {
		jsonw_key(&w, proto_names[p]);
		jsonw_obj_begin(&w);
		for (unsigned k = 0; k < OBS_CLASS_MAX; k++)
			kv_u64(&w, class_names[k], r->by_proto_class[p][k]);
		jsonw_obj_end(&w);
	}
	jsonw_obj_end(&w);
	jsonw_obj_end(&w);

	kv_named(&w, "noise", &r->noise);
	kv_named(&w, "tools", &r->tools);

	jsonw_key(&w, "ports");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < r->n_ports; i++) {
		const struct obs_port *p = &r->ports[i];
		jsonw_obj_begin(&w);
		kv_str(&w, "proto", obs_proto_name(p->proto));
		kv_u64(&w, "port", p->port);
		kv_u64(&w, "packets", p->packets);
		kv_u64(&w, "sources", p->sources);
		kv_u64(&w, "destinations", p->destinations);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);

	jsonw_key(&w, "scanners");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < r->n_scanners; i++) {
		const struct obs_scanner *s = &r->scanners[i];
		jsonw_obj_begin(&w);
		kv_addr(&w, "src", &s->src);
		kv_str(&w, "proto", obs_proto_name(s->proto));
		kv_ports(&w, "ports", s->ports, s->n_ports, OBS_SCANNER_PORTS);
		kv_u64(&w, "port_count", s->n_ports);
		kv_u64(&w, "packets", s->packets);
		kv_u64(&w, "destinations", s->destinations);
		kv_u64(&w, "targets", s->targets);
		kv_time_usec(&w, "first", s->first_usec);
		kv_time_usec(&w, "last", s->last_usec);
		jsonw_key(&w, "tool");
		if (s->tool)
			jsonw_str(&w, s->tool);
		else
			jsonw_null(&w);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);

	jsonw_key(&w, "dos");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < r->n_dos; i++) {
		const struct obs_dos *d = &r->dos[i];
		jsonw_obj_begin(&w);
		kv_addr(&w, "victim", &d->victim);
		kv_str(&w, "proto", obs_proto_name(d->proto));
		kv_ports(&w, "ports", d->ports, d->n_ports, OBS_DOS_PORTS);
		kv_u64(&w, "port_count", d->n_ports);
		kv_u64(&w, "packets", d->packets);
		kv_u64(&w, "packets_interval", d->packets_interval);
		kv_u64(&w, "destinations", d->destinations);
		kv_u64(&w, "peak_per_min", d->peak_per_min);
		kv_time_usec(&w, "start", d->start_usec);
		kv_time_usec(&w, "last", d->last_usec);
		jsonw_key(&w, "ongoing");
		jsonw_bool(&w, d->ongoing);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);

	jsonw_key(&w, "top_sources");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < r->n_top; i++) {
		jsonw_obj_begin(&w);
		kv_addr(&w, "src", &r->top[i].src);
		kv_u64(&w, "packets", r->top[i].packets);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	return jsonw_finish(&w, ret_len, NULL);
}
