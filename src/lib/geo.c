/* geo.c - offline IP address to country and autonomous system, with libloc */
#include "geo.h"

#include <errno.h>
#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

#include "banned.h"

struct geo {
	pthread_mutex_t lock; /* serialises every call into libloc after open */
	struct loc_ctx *ctx;
	struct loc_database *db;
};

/* Library code does not log: the caller reports the error it is given. */
static void geo_log_nothing(struct loc_ctx *ctx, int priority, const char *file, int line,
			    const char *fn, const char *format, va_list args)
{
	(void)ctx;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

/* e == 0: the file is not a libloc database */
static void geo_seterr(char *err, size_t errlen, const char *path, int e)
{
	char ebuf[128];

	if (!err || errlen == 0)
		return;
	if (e)
		(void)snprintf(err, errlen, T("cannot open '%s': %s", "'%s' を開けません: %s"),
			       path, strerror_r(e, ebuf, sizeof(ebuf)));
	else
		(void)snprintf(err, errlen,
			       T("cannot read '%s': not a libloc database",
				 "'%s' を読めません: libloc のデータベースではありません"),
			       path);
}

struct geo *geo_open(const char *path, char *err, size_t errlen)
{
	struct geo *g = NULL;
	FILE *f = NULL;

	if (!path)
		path = GEO_DEFAULT_DB;
	if (err && errlen > 0)
		err[0] = '\0';
	f = fopen(path, "rbe");
	if (!f) {
		geo_seterr(err, errlen, path, errno);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		geo_seterr(err, errlen, path, ENOMEM);
		goto fail;
	}
	if (loc_new(&g->ctx) != 0 || !g->ctx) {
		geo_seterr(err, errlen, path, ENOMEM);
		goto fail;
	}
	loc_set_log_fn(g->ctx, geo_log_nothing);
	if (loc_database_new(g->ctx, &g->db, f) != 0 || !g->db) {
		g->db = NULL;
		geo_seterr(err, errlen, path, 0);
		goto fail;
	}
	/* libloc keeps its own mapping of the file: ours can go */
	(void)fclose(f);
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		geo_seterr(err, errlen, path, ENOMEM);
		(void)loc_database_unref(g->db);
		(void)loc_unref(g->ctx);
		free(g);
		return NULL;
	}
	return g;
fail:
	if (g) {
		if (g->db)
			(void)loc_database_unref(g->db);
		if (g->ctx)
			(void)loc_unref(g->ctx);
		free(g);
	}
	(void)fclose(f);
	return NULL;
}

void geo_close(struct geo *g)
{
	if (!g)
		return;
	(void)pthread_mutex_destroy(&g->lock);
	(void)loc_database_unref(g->db);
	(void)loc_unref(g->ctx);
	free(g);
}

/* Copy src into a fixed field, cut at a whole UTF-8 character when it does not fit. */
static void geo_copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static int lookup(struct geo *g, const struct ip_addr *a, struct geo_info *ret, bool full)
{
	struct in6_addr in6;
	struct loc_network *net = NULL;
	struct loc_as *as = NULL;
	struct geo_info info;
	int rc;

	if (a->family == 4) {
		/* libloc keeps IPv4 in the IPv4-mapped part of the IPv6 space, ::ffff:a.b.c.d */
		memset(&in6, 0, sizeof(in6));
		in6.s6_addr[10] = 0xff;
		in6.s6_addr[11] = 0xff;
		memcpy(&in6.s6_addr[12], a->a, 4);
	} else if (a->family == 6) {
		memcpy(in6.s6_addr, a->a, 16);
	} else {
		return -EINVAL;
	}
	/* The documentation prefix 2001:db8::/32 (RFC 3849) lies inside APNIC's 2001:c00::/23,
	 * which the database lists as a whole: it would map to that block's country. */
	static const uint8_t doc6[4] = {0x20, 0x01, 0x0d, 0xb8};
	if (a->family == 6 && memcmp(a->a, doc6, sizeof(doc6)) == 0)
		return 1;
	memset(&info, 0, sizeof(info));

	(void)pthread_mutex_lock(&g->lock);
	rc = loc_database_lookup(g->db, &in6, &net);
	if (!net) {
		/* libloc 0.9.16 answers 1 for "no network"; later versions 0 with no network and
		 * a negative value for real failures */
		rc = rc < 0 ? -EIO : 1;
		goto out;
	}
	const char *cc = loc_network_get_country_code(net);
	if (cc && strlen(cc) == 2)
		memcpy(info.country, cc, 3);
	info.asn = loc_network_get_asn(net);
	if (full)
		geo_copy(info.prefix, sizeof(info.prefix), loc_network_str(net));
	info.anycast = loc_network_has_flag(net, LOC_NETWORK_FLAG_ANYCAST) != 0;
	info.anonymous_proxy = loc_network_has_flag(net, LOC_NETWORK_FLAG_ANONYMOUS_PROXY) != 0;
	info.satellite = loc_network_has_flag(net, LOC_NETWORK_FLAG_SATELLITE_PROVIDER) != 0;
	if (full && info.asn && loc_database_get_as(g->db, &as, info.asn) == 0 && as) {
		geo_copy(info.as_name, sizeof(info.as_name), loc_as_get_name(as));
		(void)loc_as_unref(as);
	}
	(void)loc_network_unref(net);
	*ret = info;
	rc = 0;
out:
	(void)pthread_mutex_unlock(&g->lock);
	return rc;
}

int geo_lookup(struct geo *g, const struct ip_addr *a, struct geo_info *ret)
{
	return lookup(g, a, ret, true);
}

int geo_lookup_brief(struct geo *g, const struct ip_addr *a, struct geo_info *ret)
{
	return lookup(g, a, ret, false);
}
