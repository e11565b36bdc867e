/* api.h - the incident domain's HTTP routes: reports, incidents, search, statistics and the
 * taxonomy (docs/api-incident.md)
 *
 * keikaid mounts the routes inc_api_routes() lists. Reports are stored through the single
 * writer (intake.h); reads and the handler operations use a store handle per server thread.
 */
#ifndef KEIKAI_INCIDENT_API_H
#define KEIKAI_INCIDENT_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/http.h"
#include "intake.h"
#include "store.h"

struct inc_api_config {
	const char *store_uri;
	struct inc_writer *writer;
	struct inc_config inc;	 /* the store's settings ([incident] in keikaid.ini) */
	double public_form_rate; /* public form entries per hour per client address */
	double public_form_burst;
};

struct inc_api;

struct inc_api *inc_api_new(const struct inc_api_config *cfg);
void inc_api_free(struct inc_api *api); /* NULL-safe */

/* The routes, into out[0..max); returns how many (at most INC_API_ROUTES). */
#define INC_API_ROUTES 16
size_t inc_api_routes(struct inc_api *api, struct http_route *out, size_t max);

/* A report submitted as JSON: by a handler (POST /api/v1/reports: channel api|fax|phone,
 * received, reporter, reporter_email, subject, body, tlp, rsit_class, rsit_type) or on the
 * public form (name, email, body, lang). The strings point into root. */
struct inc_report_body {
	json_t *root;
	const char *channel, *reporter, *reporter_email, *subject, *body, *tlp, *lang;
	const char *rsit_class, *rsit_type;
	int64_t received;
};

/* Decode and check a body of len bytes (not NUL-terminated). Returns 0 (release with
 * inc_report_body_done), INC_E_BAD when it is not a JSON object, or INC_E_FIELD with the
 * offending field's name in *ret_field (static storage). Unknown fields are refused. */
int inc_report_body_parse(const char *text, size_t len, bool public_form, size_t max_body,
			  struct inc_report_body *ret, const char **ret_field);
void inc_report_body_done(struct inc_report_body *b);

#endif
