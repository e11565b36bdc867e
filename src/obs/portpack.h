/* portpack.h - a record's port list packed into one database value
 *
 * A record lists hundreds to tens of thousands of ports; storing each as a row made the insert
 * the cost of ingest. They are stored as one BLOB per record instead: per port, the protocol
 * (1 byte), the port (2 bytes, little-endian), then packets, sources and destinations as LEB128
 * varints. Only the rollups read it.
 */
#ifndef KEIKAI_OBS_PORTPACK_H
#define KEIKAI_OBS_PORTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* Most bytes one port takes. */
#define PORTPACK_MAX 33

/* Pack r's ports into a malloc'd buffer; NULL on out-of-memory (*len 0 for no ports gives a
 * non-NULL empty buffer). */
uint8_t *portpack_encode(const struct obs_port *ports, size_t n, size_t *len);

/* Read the next port from p[*off..len); false at the end or on a malformed buffer. */
bool portpack_next(const uint8_t *p, size_t len, size_t *off, struct obs_port *out);

/* The top sources, packed the same way with their country and AS (tagged at ingest): per
 * source, the family (4 or 6), the address (4 or 16 bytes), the country (2 bytes, 0 0 when
 * unknown), then the AS and the packets as varints. */
struct portpack_source {
	struct ip_addr src;
	char cc[3];
	uint32_t asn;
	uint64_t packets;
};

/* Pack n sources with their tags (cc/asn arrays may be NULL: unknown). */
uint8_t *portpack_sources(const struct obs_top_source *top, const char (*cc)[3],
			  const uint32_t *asn, size_t n, size_t *len);
bool portpack_next_source(const uint8_t *p, size_t len, size_t *off, struct portpack_source *out);

#endif
