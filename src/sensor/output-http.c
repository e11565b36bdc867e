/* output-http.c - deliver interval records to the server through the on-disk spool
 *
 * write() makes the record durable in the spool and wakes the delivery thread; the thread
 * POSTs spooled records oldest first, one at a time, over one reused curl easy handle:
 *
 *   POST {url}/api/v1/obs/intervals
 *   Authorization: Bearer <token>
 *   Content-Type: application/json
 *   Idempotency-Key: <sensor>/<start_unix>
 *
 *   2xx, 409                     delivered: removed from the spool
 *   400 401 403 404 413 422 ...  refused for good: moved to rejected/
 *   408 429 5xx, network errors  retried after a backoff (1 s doubling to retry_max, +-20 %)
 *
 * docs/delivery.md is the full contract. The pipeline thread only ever touches the spool and
 * the counters under the lock; the curl handle belongs to the delivery thread.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "keikai-config.h"
#include "../lib/ckd.h"
#include "../lib/i18n.h"
#include "config.h"
#include "outputs.h"
#include "spool.h"
#include "../lib/fileio.h"
#include "../lib/banned.h"

#define API_PATH	    "/api/v1/obs/intervals"
#define TOKEN_MAX	    4096
#define BACKOFF_FIRST_MS    1000u
#define RETRY_MAX_DEFAULT_S 300u
#define CONNECT_TIMEOUT_MS  10000L
#define TOTAL_TIMEOUT_MS    30000L
#define KEY_MAX		    (3 * OBS_SENSOR_ID_MAX + 32)

enum pass_result {
	PASS_DONE,  /* every listed record was delivered or set aside */
	PASS_RETRY, /* a transient failure: back off, then try again */
	PASS_STOP,  /* the drain deadline passed */
};

enum verdict { DELIVERED, PERMANENT, TRANSIENT };

struct http_state {
	/* set at open, then owned by the delivery thread */
	struct spool *spool;
	CURL *curl;
	char *endpoint;
	char *auth_header; /* "Authorization: Bearer ..." or NULL; wiped before free */
	uint64_t retry_max_ms;
	uint64_t drain_ms;
	char curl_err[CURL_ERROR_SIZE];

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	/* under lock */
	bool work;     /* a record was put since the thread last listed the spool */
	bool stopping; /* close() was called */
	uint64_t deadline_ms;
	struct output_http_stats st;

	/* CLOCK_MONOTONIC ms after which a transfer in progress is aborted; 0 = never. Read by
	 * curl's progress callback, which must not take the lock. */
	_Atomic uint64_t abort_at_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct timespec ms_to_timespec(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000u),
			      .tv_nsec = (long)((ms % 1000u) * 1000000u)};
	return ts;
}

/* base +-20 %, from the kernel's random pool so sensors restarted together spread out. */
static uint64_t jitter_ms(uint64_t base)
{
	uint32_t u = 0;

	if (getrandom(&u, sizeof(u), GRND_NONBLOCK) != (ssize_t)sizeof(u))
		return base;
	return base * (800u + u % 401u) / 1000u;
}

/* What a response means for the record; see the table at the top of the file. */
static enum verdict classify_status(long code)
{
	if ((code >= 200 && code < 300) || code == 409)
		return DELIVERED;
	if (code == 408 || code == 429 || code >= 500 || code < 200)
		return TRANSIENT;
	if (code >= 400)
		return PERMANENT; /* 400 401 403 404 413 422 and other client errors */
	return TRANSIENT;	  /* 3xx: redirects are not followed; a setup problem */
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static int progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct http_state *s = clientp;
	uint64_t at = atomic_load(&s->abort_at_ms);

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return at != 0 && now_ms() >= at; /* non-zero aborts the transfer */
}

/* "<sensor>/<start_unix>" with every byte of the sensor id outside unreserved URI characters
 * percent-encoded, so any id yields a valid header value. */
static int idempotency_header(const char *sensor, json_int_t start, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	char num[24];
	size_t o;
	int k;

	k = snprintf(buf, size, "Idempotency-Key: ");
	if (k < 0 || (size_t)k >= size)
		return -ENOBUFS;
	o = (size_t)k;
	for (const unsigned char *p = (const unsigned char *)sensor; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			     *p == '~';
		if (o + 4 >= size)
			return -ENOBUFS;
		if (plain) {
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 0xfu];
		}
	}
	k = snprintf(num, sizeof(num), "/%" PRId64, (int64_t)start);
	if (k < 0 || (size_t)k >= size - o)
		return -ENOBUFS;
	memcpy(buf + o, num, (size_t)k + 1);
	return 0;
}

/* The key of a spooled record, read from the record itself. -EINVAL when it is not one. */
static int record_key_header(const char *data, size_t len, char *buf, size_t size)
{
	json_error_t jerr;
	json_t *root, *sensor, *start;
	int r = -EINVAL;

	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return -EINVAL;
	sensor = json_object_get(root, "sensor");
	start = json_object_get(root, "start_unix");
	if (json_is_string(sensor) && json_is_integer(start))
		r = idempotency_header(json_string_value(sensor), json_integer_value(start), buf,
				       size);
	json_decref(root);
	return r;
}

/* POST one record. Returns the verdict; *ret_code gets the HTTP status (0 on a network error)
 * and *ret_retry_after_s the server's Retry-After in seconds (0 when absent). */
static enum verdict post_record(struct http_state *s, const char *data, size_t len,
				const char *key_header, long *ret_code, uint64_t *ret_retry_after_s)
{
	struct curl_slist *h = NULL, *t;
	curl_off_t retry_after = 0;
	enum verdict v = TRANSIENT;
	long code = 0;
	CURLcode c;

	*ret_code = 0;
	*ret_retry_after_s = 0;
	t = curl_slist_append(h, "Content-Type: application/json");
	if (t)
		h = t;
	/* Expect: 100-continue costs a round trip and some servers mishandle it */
	t = t ? curl_slist_append(h, "Expect:") : NULL;
	t = t ? curl_slist_append(h, key_header) : NULL;
	if (t && s->auth_header)
		t = curl_slist_append(h, s->auth_header);
	if (!t)
		goto out; /* out of memory: try again later */

	s->curl_err[0] = '\0';
	(void)curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, data);
	(void)curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	c = curl_easy_perform(s->curl);
	if (c == CURLE_OK) {
		(void)curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
		(void)curl_easy_getinfo(s->curl, CURLINFO_RETRY_AFTER, &retry_after);
		v = classify_status(code);
		*ret_code = code;
		/* bounded so that the caller's arithmetic in milliseconds cannot overflow */
		if (retry_after > 86400)
			retry_after = 86400;
		*ret_retry_after_s = retry_after > 0 ? (uint64_t)retry_after : 0;
	}
	(void)curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, NULL);
out:
	curl_slist_free_all(h);
	return v;
}

static void count(struct http_state *s, uint64_t *counter, long status)
{
	(void)pthread_mutex_lock(&s->lock);
	(*counter)++;
	s->st.last_status = status;
	(void)pthread_mutex_unlock(&s->lock);
}

/* One pass over the spool, oldest first, until it is empty or an attempt fails for now.
 * *ret_progress is set when the server answered at all (a record left the spool). */
static enum pass_result deliver_pass(struct http_state *s, uint64_t *ret_retry_after_s,
				     bool *ret_progress)
{
	struct spool_name *names = NULL;
	enum pass_result res = PASS_DONE;
	size_t n = 0;

	if (spool_list(s->spool, &names, &n) < 0)
		return PASS_RETRY;
	for (size_t i = 0; i < n; i++) {
		char key[KEY_MAX];
		uint64_t at = atomic_load(&s->abort_at_ms);
		char *data = NULL;
		size_t len = 0;
		long code = 0;
		int r;

		if (at != 0 && now_ms() >= at) {
			res = PASS_STOP;
			break;
		}
		r = spool_read(s->spool, names[i].s, &data, &len);
		if (r == -ENOENT)
			continue; /* replaced or removed meanwhile */
		if (r == 0)
			r = record_key_header(data, len, key, sizeof(key));
		if (r == -EINVAL || r == -EFBIG || r == -ENOBUFS) {
			/* not a record we can send: set it aside for a person to look at */
			free(data);
			(void)spool_quarantine(s->spool, names[i].s);
			count(s, &s->st.unreadable, 0);
			continue;
		}
		if (r < 0) {
			free(data);
			res = PASS_RETRY;
			break;
		}
		switch (post_record(s, data, len, key, &code, ret_retry_after_s)) {
		case DELIVERED:
			(void)spool_remove(s->spool, names[i].s);
			count(s, &s->st.delivered, code);
			*ret_progress = true;
			break;
		case PERMANENT:
			(void)spool_quarantine(s->spool, names[i].s);
			count(s, &s->st.rejected, code);
			*ret_progress = true;
			break;
		case TRANSIENT:
			count(s, &s->st.retried, code);
			res = PASS_RETRY;
			break;
		}
		free(data);
		if (res != PASS_DONE)
			break;
	}
	free(names);
	return res;
}

/* Whether close() asked to stop and the drain time is over. Under lock. */
static bool drain_over(const struct http_state *s)
{
	return s->stopping && now_ms() >= s->deadline_ms;
}

/* Sleep under the lock until at_ms, or earlier when the drain time runs out. New records do
 * not cut a backoff short: the server asked us, in effect, to wait. */
static void wait_until(struct http_state *s, uint64_t at_ms)
{
	for (;;) {
		uint64_t until = at_ms, now = now_ms();
		struct timespec ts;
		if (s->stopping && s->deadline_ms < until)
			until = s->deadline_ms;
		if (now >= until)
			return;
		ts = ms_to_timespec(until);
		(void)pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
}

static void *delivery_thread(void *arg)
{
	struct http_state *s = arg;
	uint64_t backoff_ms = 0; /* 0: the last attempt succeeded */

	(void)pthread_mutex_lock(&s->lock);
	for (;;) {
		enum pass_result res;
		uint64_t retry_after_s = 0, wait_ms;
		bool progress = false;

		if (drain_over(s))
			break;
		s->work = false;
		(void)pthread_mutex_unlock(&s->lock);
		res = deliver_pass(s, &retry_after_s, &progress);
		(void)pthread_mutex_lock(&s->lock);
		if (res == PASS_STOP)
			break;
		if (progress)
			backoff_ms = 0; /* the server answered: start the backoff afresh */
		if (res == PASS_RETRY) {
			backoff_ms = backoff_ms == 0 ? BACKOFF_FIRST_MS : backoff_ms * 2;
			if (backoff_ms > s->retry_max_ms)
				backoff_ms = s->retry_max_ms;
			wait_ms = jitter_ms(backoff_ms);
			if (retry_after_s > 0 && retry_after_s * 1000u > wait_ms)
				wait_ms = retry_after_s * 1000u;
			if (wait_ms > s->retry_max_ms * 6 / 5)
				wait_ms = s->retry_max_ms * 6 / 5;
			wait_until(s, now_ms() + wait_ms);
			continue;
		}
		backoff_ms = 0;
		while (!s->work && !s->stopping)
			(void)pthread_cond_wait(&s->cond, &s->lock);
		if (!s->work)
			break; /* stopping with everything delivered */
	}
	(void)pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Read the bearer token: the first line of the file, trailing whitespace removed. Only
 * printable ASCII other than space is accepted, so it cannot break the header. */
static int read_token(const char *path, char **ret_header)
{
	static const char prefix[] = "Authorization: Bearer ";
	char buf[TOKEN_MAX + 2];
	size_t got = 0, len;
	char *h = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	{
		ssize_t k = fileio_read_full(fd, buf, sizeof(buf) - 1);
		if (k < 0) {
			r = (int)k;
			goto out;
		}
		got = (size_t)k;
	}
	if (got > TOKEN_MAX) {
		r = -EFBIG;
		goto out;
	}
	len = got;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		len--;
	if (len == 0) {
		r = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e) {
			r = -EINVAL;
			goto out;
		}
	h = malloc(sizeof(prefix) + len);
	if (!h) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(h, prefix, sizeof(prefix) - 1);
	memcpy(h + sizeof(prefix) - 1, buf, len);
	h[sizeof(prefix) - 1 + len] = '\0';
	*ret_header = h;
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	(void)close(fd);
	return r;
}

static char *build_endpoint(const char *url)
{
	size_t len = strlen(url), total;
	char *e;

	while (len > 0 && url[len - 1] == '/')
		len--;
	if (!ckd_size_add(len, sizeof(API_PATH), &total))
		return NULL;
	e = malloc(total);
	if (!e)
		return NULL;
	memcpy(e, url, len);
	memcpy(e + len, API_PATH, sizeof(API_PATH));
	return e;
}

static bool url_scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static int setup_curl(struct http_state *s, const struct sensor_config *cfg)
{
	CURL *c = s->curl;
	CURLcode e = CURLE_OK;

	e |= curl_easy_setopt(c, CURLOPT_URL, s->endpoint);
	e |= curl_easy_setopt(c, CURLOPT_POST, 1L);
	e |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	e |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	e |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
	e |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	e |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	e |= curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	e |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	e |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	e |= curl_easy_setopt(c, CURLOPT_USERAGENT, "keikai-sensor/" KEIKAI_VERSION);
	e |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	e |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	e |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	e |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	e |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
	if (cfg->ca_file)
		e |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
	return e == CURLE_OK ? 0 : -EINVAL;
}

static void http_free(struct http_state *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	spool_free(s->spool);
	free(s->endpoint);
	if (s->auth_header) {
		explicit_bzero(s->auth_header, strlen(s->auth_header));
		free(s->auth_header);
	}
	(void)pthread_cond_destroy(&s->cond);
	(void)pthread_mutex_destroy(&s->lock);
	free(s);
}

int output_http_open(const struct sensor_config *cfg, void **ret_state, char *err, size_t errlen)
{
	char ebuf[128];
	struct http_state *s = NULL;
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (!cfg->url || !url_scheme_ok(cfg->url)) {
		(void)snprintf(
		    err, errlen,
		    T("invalid server URL \"%s\": it must begin with http:// or https://",
		      "サーバー URL「%s」が不正です: http:// か https:// で始めてください"),
		    cfg->url ? cfg->url : "");
		return -EINVAL;
	}
	if (!cfg->spool_dir || !cfg->spool_dir[0]) {
		(void)snprintf(
		    err, errlen,
		    T("no spool directory for delivery to \"%s\" (set [output] spool)",
		      "「%s」への送信用のスプールディレクトリがありません（[output] spool "
		      "を設定してください）"),
		    cfg->url);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = -pthread_mutex_init(&s->lock, NULL);
	if (r < 0) {
		free(s);
		return r;
	}
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&s->cond, &ca) != 0) {
		(void)pthread_mutex_destroy(&s->lock);
		free(s);
		return -ENOMEM;
	}
	(void)pthread_condattr_destroy(&ca);
	s->retry_max_ms =
	    (uint64_t)(cfg->retry_max_s ? cfg->retry_max_s : RETRY_MAX_DEFAULT_S) * 1000u;
	if (s->retry_max_ms < BACKOFF_FIRST_MS)
		s->retry_max_ms = BACKOFF_FIRST_MS;
	s->drain_ms = (uint64_t)cfg->drain_s * 1000u;
	s->work = true; /* deliver what earlier runs left in the spool */

	if (cfg->token_file) {
		r = read_token(cfg->token_file, &s->auth_header);
		if (r == -EINVAL || r == -EFBIG) {
			(void)snprintf(
			    err, errlen,
			    T("token file \"%s\" holds no usable bearer token (one line of "
			      "printable ASCII, at most 4096 bytes)",
			      "トークンファイル「%s」に使える bearer "
			      "トークンがありません（印字可能な "
			      "ASCII 1 行、4096 バイトまで）"),
			    cfg->token_file);
			goto out;
		}
		if (r < 0) {
			(void)snprintf(err, errlen,
				       T("cannot read token file \"%s\": %s",
					 "トークンファイル「%s」を読めません: %s"),
				       cfg->token_file, strerror_r(-r, ebuf, sizeof(ebuf)));
			goto out;
		}
	}
	r = spool_open(cfg->spool_dir, 0, &s->spool);
	if (r == -EBUSY) {
		(void)snprintf(err, errlen,
			       T("spool \"%s\" is in use by another keikai-sensor",
				 "スプール「%s」は別の keikai-sensor が使用中です"),
			       cfg->spool_dir);
		goto out;
	}
	if (r < 0) {
		(void)snprintf(err, errlen,
			       T("cannot open spool \"%s\": %s", "スプール「%s」を開けません: %s"),
			       cfg->spool_dir, strerror_r(-r, ebuf, sizeof(ebuf)));
		goto out;
	}
	s->endpoint = build_endpoint(cfg->url);
	s->curl = curl_easy_init();
	if (!s->endpoint || !s->curl) {
		r = -ENOMEM;
		(void)snprintf(err, errlen,
			       T("cannot set up delivery to \"%s\": out of memory",
				 "「%s」への送信を準備できません: メモリ不足"),
			       cfg->url);
		goto out;
	}
	if (cfg->ca_file) {
		/* libcurl reads it only when connecting, where a typo would look like a server
		 * that never answers; say so now instead */
		int fd = open(cfg->ca_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			r = -errno;
			(void)snprintf(err, errlen,
				       T("cannot read CA file \"%s\": %s",
					 "CA ファイル「%s」を読めません: %s"),
				       cfg->ca_file, strerror_r(-r, ebuf, sizeof(ebuf)));
			goto out;
		}
		(void)close(fd);
	}
	r = setup_curl(s, cfg);
	if (r < 0) {
		(void)snprintf(
		    err, errlen,
		    T("cannot set up delivery to \"%s\": libcurl refused an option (https "
		      "support or ca_file \"%s\")",
		      "「%s」への送信を準備できません: libcurl がオプションを拒否しました（https "
		      "対応または ca_file「%s」）"),
		    cfg->url, cfg->ca_file ? cfg->ca_file : "");
		goto out;
	}

	/* The thread takes no signals: SIGHUP, SIGTERM and SIGINT belong to the pipeline. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, delivery_thread, s);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		(void)snprintf(
		    err, errlen,
		    T("cannot start the delivery thread: %s", "送信スレッドを開始できません: %s"),
		    strerror_r(-r, ebuf, sizeof(ebuf)));
		goto out;
	}
	s->thread_started = true;
	*ret_state = s;
	s = NULL;
	r = 0;
out:
	http_free(s);
	return r;
}

static int http_open(const struct sensor_config *cfg, void **ret_state)
{
	return output_http_open(cfg, ret_state, NULL, 0);
}

static int http_write(void *state, const struct obs_record *rec, const char *json, size_t json_len)
{
	struct http_state *s = state;
	int r;

	r = spool_put(s->spool, rec->sensor, rec->start, json, json_len);
	(void)pthread_mutex_lock(&s->lock);
	if (r < 0) {
		s->st.refused++;
	} else {
		s->st.spooled++;
		s->work = true;
		(void)pthread_cond_signal(&s->cond);
	}
	(void)pthread_mutex_unlock(&s->lock);
	return r;
}

void output_http_close(void *state, struct output_http_stats *ret_final)
{
	struct http_state *s = state;

	if (!s)
		return;
	if (s->thread_started) {
		(void)pthread_mutex_lock(&s->lock);
		s->stopping = true;
		s->deadline_ms = now_ms() + s->drain_ms;
		atomic_store(&s->abort_at_ms, s->deadline_ms ? s->deadline_ms : 1);
		(void)pthread_cond_signal(&s->cond);
		(void)pthread_mutex_unlock(&s->lock);
		(void)pthread_join(s->thread, NULL);
	}
	if (ret_final) {
		*ret_final = s->st; /* the thread is gone: no lock needed */
		ret_final->pending = spool_count(s->spool);
	}
	http_free(s);
}

static void http_close(void *state)
{
	output_http_close(state, NULL);
}

int output_http_stats(void *state, struct output_http_stats *ret)
{
	struct http_state *s = state;

	if (!s)
		return -ENOENT;
	(void)pthread_mutex_lock(&s->lock);
	*ret = s->st;
	(void)pthread_mutex_unlock(&s->lock);
	ret->pending = spool_count(s->spool);
	return 0;
}

const struct output_ops output_http_ops = {
    .name = "http",
    .open = http_open,
    .write = http_write,
    .reopen = NULL,
    .close = http_close,
};
