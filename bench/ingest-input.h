/* ingest-input.h - the inputs of the ingest load client: the sensor token file and the key of
 * each interval record
 *
 * Both parsers take (pointer, length) views and never read past them; neither needs a NUL.
 * Not thread-safe only in the sense that each struct has one owner.
 */
#ifndef KEIKAI_INGEST_INPUT_H
#define KEIKAI_INGEST_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define INGEST_SENSOR_MAX 64  /* bytes with the NUL, as OBS_SENSOR_ID_MAX */
#define INGEST_TOKEN_MAX  256 /* bytes with the NUL */

struct ingest_token {
	char sensor[INGEST_SENSOR_MAX];
	char token[INGEST_TOKEN_MAX];
};

struct ingest_tokens {
	size_t n;
	struct ingest_token *v; /* sorted by sensor after ingest_tokens_parse */
};

/* Parse a TSV of `sensor<TAB>token` lines (LF or CRLF; empty lines and lines starting with '#'
 * are skipped). A sensor is 1 to 63 bytes of A-Z a-z 0-9 . _ -; a token 1 to 255 bytes of
 * visible ASCII (0x21 to 0x7e), so it cannot break the header it is sent in. A sensor listed
 * twice is an error. Returns 0, -EINVAL (*ret_line: the 1-based line at fault) or -ENOMEM.
 * On success ret owns an array the caller frees with ingest_tokens_done(). */
int ingest_tokens_parse(const char *buf, size_t len, struct ingest_tokens *ret, size_t *ret_line);
void ingest_tokens_done(struct ingest_tokens *t);
/* The token of sensor, or NULL. */
const char *ingest_tokens_find(const struct ingest_tokens *t, const char *sensor);

/* Read the key of one interval record (a JSON object): its `sensor` (copied into
 * ret_sensor, INGEST_SENSOR_MAX bytes, same rules as above), its `start_unix` (an integer
 * >= 0) and the length of its `ports` array (0 when absent). Returns 0, -EINVAL (not JSON,
 * not an object, or a member missing or of the wrong type) or -ENOMEM; outputs untouched on
 * failure. */
int ingest_record_key(const char *buf, size_t len, char *ret_sensor, int64_t *ret_start,
		      size_t *ret_ports);

#endif
