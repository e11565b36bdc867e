/* blast-pcap.c - a classic pcap file in memory walked into a table of frames, every record
 * length checked (bench/blast.c sends them)
 *
 *   file header (24 bytes): magic, version, zone, sigfigs, snaplen, link type (at offset 20)
 *   record header (16 bytes): seconds, sub-seconds, included length (offset 8), original length
 *   then the included length of frame bytes
 */
#include "blast-pcap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/lib/ckd.h"
#include "../src/lib/banned.h"

enum {
	PCAP_HDR = 24,
	REC_HDR = 16,
	MAX_RECORD = 262144, /* libpcap's largest snapshot length */
	ETH_HDR = 14,
	LINKTYPE_ETHERNET = 1,
};

static uint32_t get_u32(const uint8_t *p, bool swap)
{
	uint32_t v =
	    (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return swap ? __builtin_bswap32(v) : v;
}

int blast_pcap_parse(const uint8_t *bytes, size_t len, uint32_t max_frame, struct blast_pcap *ret,
		     char *err, size_t errlen)
{
	struct blast_pcap p = {0};
	size_t off, n = 0, cap;
	uint32_t magic, link;
	bool swap;
	int rc = -EINVAL;

	if (len < PCAP_HDR) {
		(void)snprintf(err, errlen, "too short for a pcap file header (%zu bytes)", len);
		return -EINVAL;
	}
	magic = get_u32(bytes, false);
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
		swap = false;
	} else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
		swap = true;
	} else {
		(void)snprintf(err, errlen,
			       "not a classic pcap file (magic 0x%08" PRIx32
			       "; pcapng is not supported)",
			       magic);
		return -EINVAL;
	}
	link = get_u32(bytes + 20, swap) & 0x0fffffffu; /* the top bits may carry FCS flags */
	if (link != LINKTYPE_ETHERNET) {
		(void)snprintf(err, errlen, "link type %" PRIu32 ", only Ethernet (1) can be sent",
			       link);
		return -EPROTONOSUPPORT;
	}

	/* Every record takes at least REC_HDR bytes: that bounds the number of frames. */
	cap = (len - PCAP_HDR) / REC_HDR + 1;
	if (!ALLOC_ARRAY(p.frames, cap)) {
		(void)snprintf(err, errlen, "out of memory for %zu frames", cap);
		return -ENOMEM;
	}
	for (off = PCAP_HDR; off < len;) {
		uint32_t incl;
		size_t data, end;

		if (len - off < REC_HDR) {
			(void)snprintf(err, errlen, "truncated record header at offset %zu", off);
			goto fail;
		}
		incl = get_u32(bytes + off + 8, swap);
		if (incl > MAX_RECORD) {
			(void)snprintf(err, errlen,
				       "record at offset %zu claims %" PRIu32
				       " bytes (at most %d): corrupt file",
				       off, incl, MAX_RECORD);
			goto fail;
		}
		if (!ckd_size_add(off, REC_HDR, &data) || !ckd_size_add(data, incl, &end) ||
		    end > len) {
			(void)snprintf(
			    err, errlen,
			    "record at offset %zu runs past the end of the file (%" PRIu32
			    " bytes): truncated or corrupt",
			    off, incl);
			goto fail;
		}
		if (incl < ETH_HDR || incl > max_frame) {
			p.skipped++;
		} else if (n < cap) { /* always: cap bounds the records */
			p.frames[n].data = bytes + data;
			p.frames[n].len = incl;
			n++;
		}
		off = end;
	}
	if (n == 0) {
		(void)snprintf(err, errlen,
			       "no frame that fits the interface (%" PRIu64 " records skipped)",
			       p.skipped);
		rc = -ENOENT;
		goto fail;
	}
	p.n_frames = n;
	*ret = p;
	return 0;
fail:
	free(p.frames);
	return rc;
}

void blast_pcap_done(struct blast_pcap *p)
{
	if (!p)
		return;
	free(p->frames);
	p->frames = NULL;
	p->n_frames = 0;
}
