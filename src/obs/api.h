/* api.h - the observation domain's HTTP routes (docs/api-obs.md)
 *
 * keikaid mounts the routes obs_api_routes() lists. Statistics are read through a store handle
 * per server thread; ingest goes through the single writer (ingest.h).
 */
#ifndef KEIKAI_OBS_API_H
#define KEIKAI_OBS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/http.h"
#include "ingest.h"

struct geo;

struct obs_api_config {
	const char *store_uri;
	struct obs_ingest *ingest;
	struct geo *geo;    /* may be NULL: no countries or AS */
	int32_t tz_offset;  /* seconds east of UTC */
	bool public_stats;  /* statistics readable without a token */
	bool public_events; /* scanner and attack lists readable without a token */
	double rate;	    /* records per second per sensor */
	double burst;	    /* records a sensor may send at once */
};

struct obs_api;

struct obs_api *obs_api_new(const struct obs_api_config *cfg);
void obs_api_free(struct obs_api *api);

/* The routes, into out[0..max); returns how many (at most OBS_API_ROUTES). */
#define OBS_API_ROUTES 32
size_t obs_api_routes(struct obs_api *api, struct http_route *out, size_t max);

#endif
