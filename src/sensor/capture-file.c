/* capture-file.c - classic pcap records walked in place, the rest through libpcap (see
 * capture-file.h)
 *
 * Classic pcap file (format 2.4), all fields in the writer's byte order:
 *
 *   file header (24):    magic(4) version_major(2) version_minor(2) thiszone(4) sigfigs(4)
 *                        snaplen(4) linktype(4)
 *   each record (16+n):  ts_sec(4) ts_frac(4: micro- or nanoseconds) caplen(4) len(4),
 *                        then caplen bytes of packet
 *
 * magic 0xa1b2c3d4 means microsecond timestamps, 0xa1b23c4d nanoseconds; read byte-swapped they
 * say the writer's byte order is the other one.
 */
#include "capture-file.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../lib/banned.h"

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define FILE_HDR   24u
#define REC_HDR	   16u
/* libpcap's largest snapshot length for the link types read in place */
#define MAX_SNAPLEN 262144u

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

_Static_assert(CAPTURE_FILE_BUF >= 2 * (REC_HDR + MAX_SNAPLEN),
	       "a block holds a whole record with room to refill");

struct capture_file {
	pcap_t *pc;
	FILE *f; /* owned by pc once it is open */
	bool in_place;
	bool swapped; /* records in the other byte order */
	bool nsec;    /* nanosecond timestamps, scaled to microseconds */
	bool eof;     /* the stream has no more bytes (end or error) */
	uint32_t snaplen;
	uint8_t *buf;
	size_t pos, len; /* unread bytes: buf[pos, len) */
	off_t buf_off;	 /* file offset of buf[0] */
	struct pcap_pkthdr hdr;
	char err[PCAP_ERRBUF_SIZE];
};

static uint32_t load32(const uint8_t *p, bool swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

/* The timestamp as libpcap 1.10 gives it: the two fields are signed 32-bit numbers, but
 * byte-swapped they come out unsigned (its swap yields an unsigned int). */
static void set_time(struct capture_file *cf, uint32_t sec, uint32_t frac)
{
	if (!cf->swapped) {
		int32_t s = (int32_t)sec, f = (int32_t)frac;
		cf->hdr.ts.tv_sec = s;
		cf->hdr.ts.tv_usec = cf->nsec ? f / 1000 : f;
	} else {
		cf->hdr.ts.tv_sec = (time_t)sec;
		cf->hdr.ts.tv_usec = (suseconds_t)(cf->nsec ? frac / 1000 : frac);
	}
}

/* Link types whose records libpcap hands out exactly as stored. (It rewrites some link types'
 * pseudo-headers: USB, NFLOG, and Linux cooked captures of CAN frames written in the other byte
 * order; those stay with libpcap.) */
static bool plain_linktype(int dlt, bool swapped)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		return !swapped;
	default:
		return false;
	}
}

/* Whether the file header (n bytes read of it) and libpcap's view of it allow the walk. */
static bool can_walk(struct capture_file *cf, const uint8_t *fh, size_t n)
{
	uint32_t magic;

	if (n < FILE_HDR)
		return false;
	memcpy(&magic, fh, 4);
	if (magic == MAGIC_USEC || magic == MAGIC_NSEC) {
		cf->swapped = false;
	} else if (magic == __builtin_bswap32(MAGIC_USEC) ||
		   magic == __builtin_bswap32(MAGIC_NSEC)) {
		cf->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		return false; /* pcapng, or a variant libpcap reads its own way */
	}
	cf->nsec = magic == MAGIC_NSEC;
	int snap = pcap_snapshot(cf->pc);
	if (pcap_is_swapped(cf->pc) != (int)cf->swapped || pcap_major_version(cf->pc) != 2 ||
	    pcap_minor_version(cf->pc) != 4 || snap <= 0 ||
	    !plain_linktype(pcap_datalink(cf->pc), cf->swapped))
		return false;
	/* records up to both the file's snapshot length and libpcap's maximum are taken as they
	 * are; libpcap decides about any other */
	cf->snaplen = (unsigned)snap < MAX_SNAPLEN ? (uint32_t)snap : MAX_SNAPLEN;
	/* libpcap has read exactly the header: the records start here */
	return ftello(cf->f) == (off_t)FILE_HDR;
}

/* libpcap leaves the standard input open when it closes; so do we */
static void close_stream(FILE *f)
{
	if (f != stdin)
		(void)fclose(f);
}

struct capture_file *capture_file_open(FILE *f, bool in_place, char errbuf[PCAP_ERRBUF_SIZE])
{
	struct capture_file *cf = calloc(1, sizeof(*cf));
	uint8_t fh[FILE_HDR];
	size_t n = 0;

	if (!cf) {
		(void)snprintf(errbuf, PCAP_ERRBUF_SIZE, "out of memory");
		close_stream(f);
		return NULL;
	}
	cf->f = f;
	/* peek at the header only on a stream that can be put back (not a pipe) */
	if (in_place && ftello(f) == 0) {
		n = fread(fh, 1, sizeof(fh), f);
		if (fseeko(f, 0, SEEK_SET) != 0) {
			(void)snprintf(errbuf, PCAP_ERRBUF_SIZE, "cannot seek: %m");
			close_stream(f);
			free(cf);
			return NULL;
		}
		clearerr(f);
	} else {
		in_place = false;
	}
	cf->pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!cf->pc) {
		close_stream(f);
		free(cf);
		return NULL;
	}
	if (in_place && can_walk(cf, fh, n)) {
		cf->buf = malloc(CAPTURE_FILE_BUF);
		if (!cf->buf) {
			(void)snprintf(errbuf, PCAP_ERRBUF_SIZE, "out of memory");
			capture_file_free(cf);
			return NULL;
		}
		cf->buf_off = FILE_HDR;
		cf->in_place = true;
	}
	return cf;
}

void capture_file_free(struct capture_file *cf)
{
	if (!cf)
		return;
	pcap_close(cf->pc); /* closes f */
	free(cf->buf);
	free(cf);
}

pcap_t *capture_file_pcap(struct capture_file *cf)
{
	return cf->pc;
}

bool capture_file_in_place(const struct capture_file *cf)
{
	return cf->in_place;
}

const char *capture_file_error(struct capture_file *cf)
{
	return cf->err[0] ? cf->err : pcap_geterr(cf->pc);
}

/* Keep the unread bytes and read more after them. */
static void refill(struct capture_file *cf)
{
	size_t keep = cf->len - cf->pos;

	memmove(cf->buf, cf->buf + cf->pos, keep);
	cf->buf_off += (off_t)cf->pos;
	cf->pos = 0;
	cf->len = keep;
	size_t want = CAPTURE_FILE_BUF - keep;
	size_t got = fread(cf->buf + keep, 1, want, cf->f);
	cf->len += got;
	if (got < want)
		cf->eof = true;
}

/* Stop walking: put the stream back at the first record not handed out, for libpcap. */
static int hand_over(struct capture_file *cf)
{
	off_t at = cf->buf_off + (off_t)cf->pos;

	cf->in_place = false;
	clearerr(cf->f);
	if (fseeko(cf->f, at, SEEK_SET) != 0) {
		(void)snprintf(cf->err, sizeof(cf->err), "cannot seek: %m");
		return PCAP_ERROR;
	}
	return 0;
}

static int next_libpcap(struct capture_file *cf, struct pcap_pkthdr **ret_hdr,
			const uint8_t **ret_data)
{
	const u_char *d;
	int r = pcap_next_ex(cf->pc, ret_hdr, &d);

	if (r == 1) {
		*ret_data = d;
		return 1;
	}
	return r == PCAP_ERROR_BREAK ? 0 : PCAP_ERROR;
}

int capture_file_next(struct capture_file *cf, struct pcap_pkthdr **ret_hdr,
		      const uint8_t **ret_data)
{
	if (cf->err[0])
		return PCAP_ERROR;
	while (cf->in_place) {
		size_t avail = cf->len - cf->pos;
		if (avail >= REC_HDR) {
			const uint8_t *h = cf->buf + cf->pos;
			uint32_t caplen = load32(h + 8, cf->swapped);
			if (caplen > cf->snaplen)
				break; /* libpcap cuts or refuses it */
			if (avail - REC_HDR >= caplen) {
				uint32_t sec = load32(h, cf->swapped);
				uint32_t frac = load32(h + 4, cf->swapped);
				set_time(cf, sec, frac);
				cf->hdr.caplen = caplen;
				cf->hdr.len = load32(h + 12, cf->swapped);
				cf->pos += REC_HDR + caplen;
				*ret_hdr = &cf->hdr;
				*ret_data = h + REC_HDR;
				return 1;
			}
		}
		if (cf->eof) {
			if (avail == 0 && !ferror(cf->f))
				return 0;
			break; /* cut short, or a read error: libpcap says which */
		}
		refill(cf);
	}
	if (cf->buf) {
		/* walked until now: libpcap takes over at the first record not handed out */
		int rc = hand_over(cf);
		free(cf->buf);
		cf->buf = NULL;
		if (rc < 0)
			return rc;
	}
	return next_libpcap(cf, ret_hdr, ret_data);
}
