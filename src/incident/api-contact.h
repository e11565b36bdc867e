/* api-contact.h - the /api/v1/contacts and /api/v1/enrich routes (docs/contacts.md)
 *
 * Reads and writes go through one SQLite connection per server thread on the database at
 * db_path (contact_migrate must have run). Analysts (HTTP_READER) read, handlers
 * (HTTP_HANDLER) write.
 */
#ifndef KEIKAI_INCIDENT_API_CONTACT_H
#define KEIKAI_INCIDENT_API_CONTACT_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/http.h"

struct geo;

struct contact_api_config {
	const char *db_path;
	struct geo *geo;     /* may be NULL: no AS or country */
	const char *home_cc; /* "JP" */
	bool resolve;	     /* whether hosts asked for are queued for the resolver */
};

struct contact_api;

struct contact_api *contact_api_new(const struct contact_api_config *cfg);
void contact_api_free(struct contact_api *api);

#define CONTACT_API_ROUTES 8
size_t contact_api_routes(struct contact_api *api, struct http_route *out, size_t max);

#endif
