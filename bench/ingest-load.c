/* ingest-load.c - the ingest load client: POST interval records to keikaid as fast as it takes
 * them, over C concurrent keep-alive connections (libcurl multi interface)
 *
 *   ingest-load --url http://127.0.0.1:8080 --records history.jsonl --tokens tokens.tsv [-c 32]
 *
 * Every record goes to URL/api/v1/obs/intervals with its sensor's bearer token and the
 * Idempotency-Key <sensor>/<start_unix>. One line of results on standard output; exit status 0
 * when every answer was 2xx or 409, 1 otherwise, 2 on a usage or input error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest-input.h"

#include "../src/lib/ckd.h"
#include "../src/lib/fileio.h"
#include "../src/lib/banned.h"

#define PATH_INTERVALS "/api/v1/obs/intervals"
#define MAX_CONC       1024
#define FILE_MAX       ((size_t)16 << 30)

struct req {
	const char *body;
	size_t len;
	const char *token;
	char key[INGEST_SENSOR_MAX + 24];
	size_t ports;
};

struct slot {
	CURL *easy;
	struct curl_slist *headers;
	size_t req; /* index into reqs */
};

struct results {
	uint64_t s201, s409, s2xx, s4xx, s5xx, other, failed;
	uint64_t *lat_us;
	size_t n_lat;
};

static void usage(FILE *f)
{
	(void)fputs("usage: ingest-load --url URL --records FILE --tokens FILE [options]\n"
		    "\n"
		    "POST every interval record of FILE (JSON lines) to URL/api/v1/obs/intervals.\n"
		    "\n"
		    "  -u, --url URL          the server's base URL, e.g. http://127.0.0.1:8080\n"
		    "  -r, --records FILE     records, one JSON object per line\n"
		    "  -t, --tokens FILE      sensor<TAB>token lines\n"
		    "  -c, --concurrency N    parallel connections, 1 to 1024 (default 32)\n"
		    "      --timeout SEC      per-request timeout (default 60)\n"
		    "  -h, --help             show this help\n",
		    f);
}

/* Read a whole file into a malloc'd buffer. */
static int read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t n;
	size_t size, alloc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size > FILE_MAX) {
		int e = errno ? -errno : -EFBIG;
		(void)close(fd);
		return e;
	}
	size = (size_t)st.st_size;
	if (!ckd_size_add(size, 1, &alloc) || !(buf = malloc(alloc))) {
		(void)close(fd);
		return -ENOMEM;
	}
	n = fileio_read_full(fd, buf, size);
	(void)close(fd);
	if (n < 0 || (size_t)n != size) {
		free(buf);
		return n < 0 ? (int)n : -EIO;
	}
	buf[size] = '\0';
	*ret_buf = buf;
	*ret_len = size;
	return 0;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static int start_req(CURLM *multi, struct slot *s, const struct req *r, size_t idx, const char *url,
		     long timeout)
{
	char auth[INGEST_TOKEN_MAX + 32], idem[sizeof(r->key) + 32];
	struct curl_slist *h = NULL, *t;

	(void)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", r->token);
	(void)snprintf(idem, sizeof(idem), "Idempotency-Key: %s", r->key);
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	if (!(t = curl_slist_append(h, auth)))
		goto nomem;
	h = t;
	if (!(t = curl_slist_append(h, "Content-Type: application/json")))
		goto nomem;
	h = t;
	if (!(t = curl_slist_append(h, idem)))
		goto nomem;
	h = t;
	if (!(t = curl_slist_append(h, "Expect:"))) /* no 100-continue round trip */
		goto nomem;
	h = t;
	s->headers = h;
	s->req = idx;
	(void)curl_easy_setopt(s->easy, CURLOPT_URL, url);
	(void)curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, r->body);
	(void)curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
	(void)curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
	(void)curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, timeout);
	(void)curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	return curl_multi_add_handle(multi, s->easy) == CURLM_OK ? 0 : -EIO;
nomem:
	curl_slist_free_all(h);
	return -ENOMEM;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_ms(const struct results *res, double p)
{
	size_t i;

	if (res->n_lat == 0)
		return 0.0;
	i = (size_t)(p * (double)(res->n_lat - 1) + 0.5);
	return (double)res->lat_us[i] / 1000.0;
}

static double now_s(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send every request; fills res. Returns 0 or a negative errno for a setup failure. */
static int send_all(const struct req *reqs, size_t n, const char *url, unsigned conc, long timeout,
		    struct results *res)
{
	CURLM *multi = curl_multi_init();
	struct slot *slots = NULL;
	size_t next = 0, active = 0;
	int err = 0;

	if (!multi || !ALLOC_ARRAY(slots, conc) || !ALLOC_ARRAY(res->lat_us, n ? n : 1)) {
		err = -ENOMEM;
		goto out;
	}
	(void)curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)conc);
	for (unsigned i = 0; i < conc; i++) {
		if (!(slots[i].easy = curl_easy_init())) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (unsigned i = 0; i < conc && next < n; i++, next++, active++)
		if ((err = start_req(multi, &slots[i], &reqs[next], next, url, timeout)) < 0)
			goto out;
	while (active > 0) {
		int running, left;
		CURLMsg *m;

		size_t done = 0;

		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			err = -EIO;
			goto out;
		}
		while ((m = curl_multi_info_read(multi, &left))) {
			struct slot *s = NULL;
			char *priv = NULL;
			long code = 0;
			curl_off_t t_us = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
			s = (struct slot *)(void *)priv;
			if (!s)
				continue;
			if (m->data.result != CURLE_OK) {
				res->failed++;
				if (res->failed <= 3)
					(void)fprintf(stderr, "ingest-load: %s: %s\n",
						      reqs[s->req].key,
						      curl_easy_strerror(m->data.result));
			} else {
				(void)curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
				(void)curl_easy_getinfo(s->easy, CURLINFO_TOTAL_TIME_T, &t_us);
				res->lat_us[res->n_lat++] = t_us > 0 ? (uint64_t)t_us : 0;
				if (code == 201)
					res->s201++;
				else if (code == 409)
					res->s409++;
				else if (code >= 200 && code < 300)
					res->s2xx++;
				else if (code >= 400 && code < 500)
					res->s4xx++;
				else if (code >= 500 && code < 600)
					res->s5xx++;
				else
					res->other++;
				if ((code < 200 || code >= 300) && code != 409 &&
				    res->s4xx + res->s5xx + res->other <= 3)
					(void)fprintf(stderr, "ingest-load: %s: HTTP %ld\n",
						      reqs[s->req].key, code);
			}
			(void)curl_multi_remove_handle(multi, s->easy);
			active--;
			done++;
			if (next < n) {
				if ((err = start_req(multi, s, &reqs[next], next, url, timeout)) <
				    0)
					goto out;
				next++;
				active++;
			}
		}
		/* wait for sockets only when nothing finished: a refused connection finishes
		 * inside curl_multi_perform */
		if (done == 0 && active > 0 &&
		    curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			err = -EIO;
			goto out;
		}
	}
out:
	if (slots) {
		for (unsigned i = 0; i < conc; i++) {
			if (slots[i].easy) {
				(void)curl_multi_remove_handle(multi, slots[i].easy);
				curl_easy_cleanup(slots[i].easy);
			}
			curl_slist_free_all(slots[i].headers);
		}
	}
	free(slots);
	if (multi)
		(void)curl_multi_cleanup(multi);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"records", required_argument, NULL, 'r'},
	    {"tokens", required_argument, NULL, 't'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *base = NULL, *rpath = NULL, *tpath = NULL;
	char *rbuf = NULL, *tbuf = NULL, *url = NULL, *end;
	size_t rlen = 0, tlen = 0, n = 0, cap = 0, pos = 0, line = 0, ulen;
	struct ingest_tokens tok = {0, NULL};
	struct req *reqs = NULL;
	struct results res;
	unsigned long conc = 32, timeout = 60;
	uint64_t rows = 0;
	double t0, secs;
	int c, err, rc = 2;

	memset(&res, 0, sizeof(res));
	while ((c = getopt_long(argc, argv, "u:r:t:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			base = optarg;
			break;
		case 'r':
			rpath = optarg;
			break;
		case 't':
			tpath = optarg;
			break;
		case 'c':
		case 'T':
			errno = 0;
			if (optarg[0] < '0' || optarg[0] > '9') {
				errno = EINVAL;
			} else {
				unsigned long v = strtoul(optarg, &end, 10);
				if (*end != '\0' || v < 1 || v > (c == 'c' ? MAX_CONC : 3600))
					errno = EINVAL;
				else if (c == 'c')
					conc = v;
				else
					timeout = v;
			}
			if (errno) {
				(void)fprintf(stderr, "ingest-load: bad value '%s' for --%s\n",
					      optarg, c == 'c' ? "concurrency" : "timeout");
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (!base || !rpath || !tpath || optind != argc) {
		usage(stderr);
		goto out;
	}
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
		(void)fprintf(stderr, "ingest-load: --url must start with http:// or https://\n");
		goto out;
	}
	ulen = strlen(base);
	while (ulen > 0 && base[ulen - 1] == '/')
		ulen--;
	url = malloc(ulen + sizeof(PATH_INTERVALS));
	if (!url)
		goto nomem;
	memcpy(url, base, ulen);
	memcpy(url + ulen, PATH_INTERVALS, sizeof(PATH_INTERVALS));

	if ((err = read_file(tpath, &tbuf, &tlen)) < 0) {
		(void)fprintf(stderr, "ingest-load: cannot read '%s': %s\n", tpath, strerror(-err));
		goto out;
	}
	if ((err = ingest_tokens_parse(tbuf, tlen, &tok, &line)) < 0) {
		if (err == -ENOMEM)
			goto nomem;
		if (line)
			(void)fprintf(stderr, "ingest-load: '%s' line %zu: not sensor<TAB>token\n",
				      tpath, line);
		else
			(void)fprintf(stderr, "ingest-load: '%s': a sensor is listed twice\n",
				      tpath);
		goto out;
	}
	if ((err = read_file(rpath, &rbuf, &rlen)) < 0) {
		(void)fprintf(stderr, "ingest-load: cannot read '%s': %s\n", rpath, strerror(-err));
		goto out;
	}
	line = 0;
	while (pos < rlen) {
		const char *l = rbuf + pos, *nl = memchr(l, '\n', rlen - pos);
		size_t ll = nl ? (size_t)(nl - l) : rlen - pos;
		char sensor[INGEST_SENSOR_MAX];
		int64_t start;
		size_t ports;
		struct req *r;

		pos += ll + (nl ? 1 : 0);
		line++;
		if (ll == 0)
			continue;
		err = ingest_record_key(l, ll, sensor, &start, &ports);
		if (err == -ENOMEM)
			goto nomem;
		if (err < 0) {
			(void)fprintf(stderr,
				      "ingest-load: '%s' line %zu: not an interval record "
				      "(sensor, start_unix)\n",
				      rpath, line);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024, bytes;
			struct req *v;
			if (!ckd_size_mul(ncap, sizeof(*v), &bytes) || !(v = realloc(reqs, bytes)))
				goto nomem;
			reqs = v;
			cap = ncap;
		}
		r = &reqs[n];
		r->body = l;
		r->len = ll;
		r->ports = ports;
		r->token = ingest_tokens_find(&tok, sensor);
		if (!r->token) {
			(void)fprintf(stderr,
				      "ingest-load: '%s' line %zu: no token for sensor '%s'\n",
				      rpath, line, sensor);
			goto out;
		}
		(void)snprintf(r->key, sizeof(r->key), "%s/%" PRId64, sensor, start);
		rows += ports;
		n++;
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto nomem;
	t0 = now_s();
	err = send_all(reqs, n, url, (unsigned)conc, (long)timeout, &res);
	secs = now_s() - t0;
	curl_global_cleanup();
	if (err < 0) {
		(void)fprintf(stderr, "ingest-load: %s\n", strerror(-err));
		rc = 1;
		goto out;
	}
	qsort(res.lat_us, res.n_lat, sizeof(res.lat_us[0]), cmp_u64);
	if (secs <= 0.0)
		secs = 1e-9;
	(void)printf("records=%zu port_rows=%" PRIu64 " seconds=%.3f records_per_s=%.1f "
		     "port_rows_per_s=%.1f status_201=%" PRIu64 " status_409=%" PRIu64
		     " status_2xx_other=%" PRIu64 " status_4xx=%" PRIu64 " status_5xx=%" PRIu64
		     " status_other=%" PRIu64 " failed=%" PRIu64 " p50_ms=%.2f p99_ms=%.2f\n",
		     n, rows, secs, (double)n / secs, (double)rows / secs, res.s201, res.s409,
		     res.s2xx, res.s4xx, res.s5xx, res.other, res.failed, pct_ms(&res, 0.50),
		     pct_ms(&res, 0.99));
	rc = (res.s4xx + res.s5xx + res.other + res.failed) == 0 ? 0 : 1;
	goto out;
nomem:
	(void)fprintf(stderr, "ingest-load: out of memory\n");
	rc = 1;
out:
	free(res.lat_us);
	free(reqs);
	free(rbuf);
	free(tbuf);
	free(url);
	ingest_tokens_done(&tok);
	return rc;
}
