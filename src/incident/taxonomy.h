/* taxonomy.h - the vocabularies of incident handling, with their names in English and Japanese
 *
 * RSIT: the ENISA Reference Security Incident Taxonomy (machine values of version 1003, namespace
 * "rsit"). Categories: the groups the quarterly report counts (docs/incident-design.md). TLP:
 * FIRST's Traffic Light Protocol 2.0. All lookups are by the machine value; the tables are static.
 */
#ifndef KEIKAI_INCIDENT_TAXONOMY_H
#define KEIKAI_INCIDENT_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

struct tax_term {
	const char *key; /* machine value */
	const char *en;
	const char *ja;
};

struct rsit_type {
	const char *class_key; /* "fraud" */
	const char *type_key;  /* "phishing" */
	const char *en;
	const char *ja;
	const char *category; /* the category it counts under by default */
};

/* The tables, each ended by an entry whose key is NULL. */
extern const struct tax_term tax_rsit_classes[];
extern const struct rsit_type tax_rsit_types[];
extern const struct tax_term tax_categories[];
extern const struct tax_term tax_tlp[];
extern const struct tax_term tax_priorities[];
extern const struct tax_term tax_incident_status[];
extern const struct tax_term tax_report_status[];
extern const struct tax_term tax_channels[];

/* The RSIT type for a class and type, or NULL when the pair is not in the taxonomy. */
const struct rsit_type *tax_rsit_find(const char *class_key, const char *type_key);

/* The term of a table with this key, or NULL. */
const struct tax_term *tax_find(const struct tax_term *table, const char *key);

/* The canonical TLP label for a spelling a person or feed may use ("tlp:amber+strict",
 * "AMBER+STRICT", "white" -> "clear"), or NULL when it is not a TLP label. */
const char *tax_tlp_canon(const char *s);

/* Is a TLP label at least as strict as another? (clear < green < amber < amber+strict < red) */
int tax_tlp_rank(const char *label);

#endif
