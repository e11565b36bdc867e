/* output.c - the output table and the set of outputs a run writes to (outputs.h) */
#include "outputs.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/i18n.h"
#include "config.h"
#include "../lib/banned.h"

const struct output_ops *const output_table[] = {
    &output_jsonl_ops,
    &output_summary_ops,
    &output_http_ops,
    NULL,
};

static const char *errno_text(int r, char *buf, size_t size)
{
	return strerror_r(r < 0 ? -r : r, buf, size); /* GNU: thread-safe, returns the text */
}

static void add(struct outputs *o, const struct output_ops *ops, void *state)
{
	o->v[o->n].ops = ops;
	o->v[o->n].state = state;
	o->n++;
}

int outputs_open(const struct sensor_config *cfg, struct outputs *ret, char *err, size_t errlen)
{
	struct outputs o;
	char ebuf[128];
	void *state = NULL;
	int r = 0;

	memset(&o, 0, sizeof(o));
	if (cfg->jsonl_path) {
		r = output_jsonl_ops.open(cfg, &state);
		if (r < 0) {
			(void)snprintf(err, errlen,
				       T("cannot open JSON-lines output \"%s\": %s",
					 "JSON Lines 出力「%s」を開けません: %s"),
				       cfg->jsonl_path, errno_text(r, ebuf, sizeof(ebuf)));
			goto out;
		}
		add(&o, &output_jsonl_ops, state);
	}
	if (cfg->summary) {
		r = output_summary_ops.open(cfg, &state);
		if (r < 0) {
			(void)snprintf(
			    err, errlen,
			    T("cannot open summary output: %s", "サマリー出力を開けません: %s"),
			    errno_text(r, ebuf, sizeof(ebuf)));
			goto out;
		}
		add(&o, &output_summary_ops, state);
	}
	if (cfg->url) {
		/* Before the delivery thread exists: curl_global_init is not thread-safe in every
		 * libcurl build this may meet. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			r = -ENOMEM;
			(void)snprintf(err, errlen,
				       T("cannot initialise libcurl for \"%s\"",
					 "「%s」への送信のための libcurl を初期化できません"),
				       cfg->url);
			goto out;
		}
		o.curl_global = 1;
		r = output_http_open(cfg, &state, err, errlen);
		if (r < 0)
			goto out;
		add(&o, &output_http_ops, state);
		o.http = state;
	}
	*ret = o;
	memset(&o, 0, sizeof(o));
	r = 0;
out:
	outputs_close(&o);
	return r;
}

int outputs_write(struct outputs *o, const struct obs_record *rec, char *err, size_t errlen)
{
	char ebuf[128];
	size_t len = 0;
	char *json;
	int first = 0;

	json = obs_record_to_json(rec, &len);
	if (!json) {
		(void)snprintf(err, errlen,
			       T("cannot serialise the record of \"%s\": out of memory",
				 "「%s」のレコードを JSON にできません: メモリ不足"),
			       rec->sensor);
		return -ENOMEM;
	}
	for (size_t i = 0; i < o->n; i++) {
		int r = o->v[i].ops->write(o->v[i].state, rec, json, len);
		if (r < 0 && first == 0) {
			first = r;
			if (o->v[i].ops == &output_http_ops && r == -ENOSPC)
				(void)snprintf(
				    err, errlen,
				    T("spool full: record of \"%s\" at %lld not kept for delivery",
				      "スプールが満杯: 「%s」の %lld "
				      "のレコードは送信用に保存されません"),
				    rec->sensor, (long long)rec->start);
			else
				(void)snprintf(err, errlen,
					       T("cannot write to %s output: %s",
						 "%s 出力に書き込めません: %s"),
					       o->v[i].ops->name,
					       errno_text(r, ebuf, sizeof(ebuf)));
		}
	}
	free(json);
	return first;
}

int outputs_reopen(struct outputs *o, char *err, size_t errlen)
{
	char ebuf[128];
	int first = 0;

	for (size_t i = 0; i < o->n; i++) {
		int r;
		if (!o->v[i].ops->reopen)
			continue;
		r = o->v[i].ops->reopen(o->v[i].state);
		if (r < 0 && first == 0) {
			first = r;
			(void)snprintf(
			    err, errlen,
			    T("cannot reopen %s output: %s", "%s 出力を開き直せません: %s"),
			    o->v[i].ops->name, errno_text(r, ebuf, sizeof(ebuf)));
		}
	}
	return first;
}

void outputs_close(struct outputs *o)
{
	for (size_t i = o->n; i > 0; i--) {
		if (o->v[i - 1].ops == &output_http_ops) {
			output_http_close(o->v[i - 1].state, &o->http_final);
			o->http_closed = 1;
		} else {
			o->v[i - 1].ops->close(o->v[i - 1].state);
		}
	}
	if (o->curl_global)
		curl_global_cleanup();
	o->n = 0;
	o->http = NULL;
	o->curl_global = 0;
}

int outputs_http_stats(const struct outputs *o, struct output_http_stats *ret)
{
	if (o->http)
		return output_http_stats(o->http, ret);
	if (!o->http_closed)
		return -ENOENT;
	*ret = o->http_final;
	return 0;
}
