/* server.h - keikaid's configuration and HTTP server */
#ifndef KEIKAI_SERVER_H
#define KEIKAI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/account.h"
#include "../lib/http.h"
#include "../incident/store.h"
#include "../obs/store.h"

struct server_config {
	char listen[128];		/* [server] listen: "127.0.0.1:8080" or "[::1]:8080" */
	unsigned threads;		/* [server] threads */
	unsigned max_conns;		/* [server] max_connections */
	unsigned per_ip;		/* [server] max_connections_per_ip */
	char tls_cert[512];		/* [server] tls_cert (PEM); with tls_key enables HTTPS */
	char tls_key[512];		/* [server] tls_key */
	char db[512];			/* [store] path */
	char web_root[512];		/* [web] root */
	char geo_db[512];		/* [geo] database; "" = Debian's; "none" = no lookups */
	char maildir[512];		/* [intake] maildir ("" = none) */
	unsigned maildir_rescan_s;	/* [intake] maildir_rescan_s */
	unsigned maildir_workers;	/* [intake] maildir_workers */
	int32_t tz_offset;		/* [stats] timezone */
	bool public_stats;		/* [access] public_stats */
	bool public_events;		/* [access] public_events */
	size_t max_body;		/* [ingest] max_body, bytes */
	double rate, burst;		/* [ingest] rate, burst */
	unsigned rollup_ms;		/* [ingest] rollup_ms */
	size_t cache_bytes;		/* [server] cache_mib */
	struct obs_retention retention; /* [retention] interval_days, hour_days, day_days */
	bool enrich_resolve;		/* [enrich] resolve (default off) */
	char enrich_resolver[64];	/* [enrich] resolver: "127.0.0.1:5353"; "" = the system's */
	struct account_config
	    accounts; /* [session] idle, lifetime; [login] max_failures, max_failures_client,
			 window, backoff, backoff_max (seconds) */
	struct inc_config incident;   /* [incident] link_window_days, home_country,
					 default_tlp, max_report_bytes */
	double form_rate, form_burst; /* [incident] public_form_rate (per hour per
					 address), public_form_burst */
};

/* Defaults, then the file (when path is not NULL). 0, or -1 with a message printed. */
int server_config_load(struct server_config *c, const char *path);

#endif
