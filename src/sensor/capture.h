/* capture.h - packet sources: pcap/pcapng files and live interfaces (libpcap, TPACKET_V3 on
 * Linux), feeding the pipeline
 */
#ifndef KEIKAI_CAPTURE_H
#define KEIKAI_CAPTURE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sensor.h"

struct capture;

/* Set by signal handlers; the capture loops poll them. */
extern volatile sig_atomic_t capture_stop_requested;
extern volatile sig_atomic_t capture_reopen_requested;

/* Open the configured input (interface, or the first file). On failure returns NULL and writes
 * a message (in the user's language) into err. */
struct capture *capture_open(const struct sensor_config *cfg, char *err, size_t errlen);
void capture_free(struct capture *c);

/* Called between packets when a SIGHUP was seen. */
typedef void (*capture_reopen_fn)(void *user);

/* Run until the input ends or a stop is requested: read frames into the sensor, tick the clock
 * in live mode, and finish the last interval. Returns 0, or 2 when some input was unusable
 * (unreadable or corrupt file, unknown link type) — the rest was still processed — with the
 * messages already printed on stderr. */
int capture_run(struct capture *c, struct sensor *s, capture_reopen_fn reopen, void *user);

struct capture_stats {
	uint64_t kernel_drops, if_drops, read_errors;
	double seconds; /* wall time in capture_run */
};
void capture_stats(const struct capture *c, struct capture_stats *ret);

#endif
