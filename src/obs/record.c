/* record.c - the interval record's JSON form (docs/interval-record.md) */
#include "record.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* jansson helpers that tolerate NULL children: a failed allocation surfaces at the end as a
 * NULL from json_dumps of an incomplete tree, so we check each set explicitly instead. */
static int set_new(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static json_t *addr_json(const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];
	return json_string(ip_addr_format(a, buf, sizeof(buf)));
}

static json_t *time_usec_json(uint64_t usec)
{
	char buf[40];
	return json_string(obs_format_time_usec(usec, buf, sizeof(buf)));
}

static json_t *named_json(const struct obs_named *l)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (unsigned i = 0; i < l->n; i++) {
		if (set_new(o, l->v[i].name, u64(l->v[i].value)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *ports_json(const struct obs_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_ports; i++) {
		const struct obs_port *p = &r->ports[i];
		json_t *o = json_object();
		int e = 0;
		if (!o)
			goto fail;
		e |= set_new(o, "proto", json_string(obs_proto_name(p->proto)));
		e |= set_new(o, "port", json_integer(p->port));
		e |= set_new(o, "packets", u64(p->packets));
		e |= set_new(o, "sources", u64(p->sources));
		e |= set_new(o, "destinations", u64(p->destinations));
		if (e || json_array_append_new(a, o) < 0) {
			json_decref(o);
			goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *u16_list(const uint16_t *v, unsigned n, unsigned max)
{
	json_t *a = json_array();
	for (unsigned i = 0; a && i < n && i < max; i++) {
		if (json_array_append_new(a, json_integer(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *scanners_json(const struct obs_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_scanners; i++) {
		const struct obs_scanner *s = &r->scanners[i];
		json_t *o = json_object();
		int e = 0;
		if (!o)
			goto fail;
		e |= set_new(o, "src", addr_json(&s->src));
		e |= set_new(o, "proto", json_string(obs_proto_name(s->proto)));
		e |= set_new(o, "ports", u16_list(s->ports, s->n_ports, OBS_SCANNER_PORTS));
		e |= set_new(o, "port_count", json_integer(s->n_ports));
		e |= set_new(o, "packets", u64(s->packets));
		e |= set_new(o, "destinations", u64(s->destinations));
		e |= set_new(o, "targets", u64(s->targets));
		e |= set_new(o, "first", time_usec_json(s->first_usec));
		e |= set_new(o, "last", time_usec_json(s->last_usec));
		e |= set_new(o, "tool", s->tool ? json_string(s->tool) : json_null());
		if (e || json_array_append_new(a, o) < 0) {
			json_decref(o);
			goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *dos_json(const struct obs_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_dos; i++) {
		const struct obs_dos *d = &r->dos[i];
		json_t *o = json_object();
		int e = 0;
		if (!o)
			goto fail;
		e |= set_new(o, "victim", addr_json(&d->victim));
		e |= set_new(o, "proto", json_string(obs_proto_name(d->proto)));
		e |= set_new(o, "ports", u16_list(d->ports, d->n_ports, OBS_DOS_PORTS));
		e |= set_new(o, "port_count", json_integer(d->n_ports));
		e |= set_new(o, "packets", u64(d->packets));
		e |= set_new(o, "packets_interval", u64(d->packets_interval));
		e |= set_new(o, "destinations", u64(d->destinations));
		e |= set_new(o, "peak_per_min", u64(d->peak_per_min));
		e |= set_new(o, "start", time_usec_json(d->start_usec));
		e |= set_new(o, "last", time_usec_json(d->last_usec));
		e |= set_new(o, "ongoing", json_boolean(d->ongoing));
		if (e || json_array_append_new(a, o) < 0) {
			json_decref(o);
			goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *top_json(const struct obs_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_top; i++) {
		json_t *o = json_object();
		int e = 0;
		if (!o)
			goto fail;
		e |= set_new(o, "src", addr_json(&r->top[i].src));
		e |= set_new(o, "packets", u64(r->top[i].packets));
		if (e || json_array_append_new(a, o) < 0) {
			json_decref(o);
			goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *classes_json(const struct obs_record *r)
{
	json_t *o = json_object();
	for (unsigned p = 0; o && p < OBS_PROTO_MAX; p++) {
		json_t *c = json_object();
		int e = 0;
		if (!c)
			goto fail;
		for (unsigned k = 0; k < OBS_CLASS_MAX; k++)
			e |= set_new(c, class_names[k], u64(r->by_proto_class[p][k]));
		if (e || json_object_set_new(o, proto_names[p], c) < 0) {
			json_decref(c);
			goto fail;
		}
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

char *obs_record_to_json(const struct obs_record *r, size_t *ret_len)
{
	char ts[40];
	json_t *o = json_object(), *cap = json_object(), *tot = json_object();
	char *out = NULL;
	int e = 0;

	if (!o || !cap || !tot) {
		json_decref(cap);
		json_decref(tot);
		goto out;
	}
	e |= set_new(o, "schema", json_string(OBS_SCHEMA));
	e |= set_new(o, "sensor", json_string(r->sensor));
	e |= set_new(o, "start", json_string(obs_format_time(r->start, ts, sizeof(ts))));
	e |= set_new(o, "end", json_string(obs_format_time(r->end, ts, sizeof(ts))));
	e |= set_new(o, "start_unix", json_integer(r->start));
	e |= set_new(o, "interval", json_integer(r->interval));
	e |= set_new(o, "partial", json_boolean(r->partial));

	e |= set_new(cap, "captured", u64(r->captured));
	e |= set_new(cap, "not_dark", u64(r->not_dark));
	e |= set_new(cap, "kernel_drops", u64(r->kernel_drops));
	e |= set_new(cap, "if_drops", u64(r->if_drops));
	e |= set_new(cap, "ts_backwards", u64(r->ts_backwards));
	e |= set_new(cap, "icmp_mismatch", u64(r->icmp_mismatch));
	e |= set_new(cap, "undecoded", named_json(&r->decode));
	e |= set_new(cap, "overflow", named_json(&r->overflow));
	e |= set_new(o, "capture", cap);

	e |= set_new(tot, "packets", u64(r->packets));
	e |= set_new(tot, "bytes", u64(r->bytes));
	e |= set_new(tot, "ipv4", u64(r->ipv4));
	e |= set_new(tot, "ipv6", u64(r->ipv6));
	e |= set_new(tot, "by_proto", classes_json(r));
	e |= set_new(o, "totals", tot);

	e |= set_new(o, "noise", named_json(&r->noise));
	e |= set_new(o, "tools", named_json(&r->tools));
	e |= set_new(o, "ports", ports_json(r));
	e |= set_new(o, "scanners", scanners_json(r));
	e |= set_new(o, "dos", dos_json(r));
	e |= set_new(o, "top_sources", top_json(r));
	if (e)
		goto out;
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (out && ret_len)
		*ret_len = strlen(out);
out:
	json_decref(o);
	return out;
}
