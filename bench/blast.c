/* blast.c - the live benchmark's packet sender: a pcap file's frames onto an interface, fast
 *
 * usage: blast IFACE FILE PACKETS [PPS]
 *
 * Loads FILE (classic pcap, Ethernet link type) into memory, then sends PACKETS of its frames on
 * IFACE, looping over the file as needed: as fast as the kernel takes them (PPS 0 or absent), or
 * paced to PPS packets per second in batches of about a millisecond. Prints one line on stdout:
 *
 *   blast: sent=N seconds=S pps=P refused=R skipped=K
 *
 * sent: frames the kernel accepted; seconds: wall clock of the sending alone; refused: sends the
 * kernel turned down for lack of room (ENOBUFS, e.g. a full veth backlog), each retried until
 * accepted; skipped: frames of the file too short or too long for the interface, never sent.
 *
 * How: an AF_PACKET socket bound to IFACE with PACKET_QDISC_BYPASS, frames handed over with
 * sendmmsg() in batches of BATCH. A PACKET_TX_RING (TPACKET_V2, 4096 frames of 2 KiB, one send()
 * per batch) was measured against it on the benchmark's veth pair, 2,000,000 frames, 2 shared
 * cores: with the sensor capturing on the other end, sendmmsg sent 296,000 and 336,000 packets
 * per second, the ring 224,000 and 270,000; with nothing capturing, both 260,000-545,000 (the
 * machine was busy). sendmmsg was kept: as fast or faster here, no frame copy into a ring, and
 * a frame the veth cannot take comes back as ENOBUFS to be counted and retried, where the ring
 * may not tell which frame failed. Most of a frame's cost is in the kernel (the veth, the other
 * end's receive path and the sensor's packet socket), not in this loop.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "blast-pcap.h"
#include "../src/lib/banned.h"

enum {
	BATCH = 256, /* frames per sendmmsg() */
	MAX_MTU = 65536,
};

static void usage(FILE *f)
{
	(void)fputs(
	    "usage: blast IFACE FILE PACKETS [PPS]\n"
	    "\n"
	    "Send PACKETS frames of the classic pcap FILE (Ethernet) on IFACE, looping over\n"
	    "the file as needed, at PPS packets per second (0 or absent: as fast as possible).\n"
	    "Needs CAP_NET_RAW. Prints: blast: sent=N seconds=S pps=P refused=R skipped=K\n",
	    f);
}

/* Parse an unsigned decimal argument into *ret; -1 (with a message) if it is not one. */
static int parse_u64(const char *what, const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9') {
		(void)fprintf(stderr, "blast: %s \"%s\" is not a number\n", what, s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end) {
		(void)fprintf(stderr, "blast: %s \"%s\" is not a number\n", what, s);
		return -1;
	}
	*ret = v;
	return 0;
}

/* Read the whole file into a fresh buffer; -1 with a message on failure. */
static int read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		(void)fprintf(stderr, "blast: cannot open \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		(void)fprintf(stderr, "blast: \"%s\" is not a regular file of a usable size\n",
			      path);
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		(void)fprintf(stderr, "blast: out of memory for \"%s\" (%zu bytes)\n", path, len);
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)fprintf(stderr, "blast: cannot read \"%s\": %s\n", path,
				      n < 0 ? strerror(errno) : "file shrank");
			goto out;
		}
		got += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	(void)close(fd);
	return rc;
}

/* An AF_PACKET socket that sends on ifname, past the qdisc; -1 with a message on failure. The
 * largest frame the interface takes (MTU plus the Ethernet header) goes to *ret_max. */
static int open_socket(const char *ifname, uint32_t *ret_max)
{
	struct sockaddr_ll sll = {0};
	struct ifreq ifr = {0};
	unsigned ifindex;
	int fd, one = 1;

	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		(void)fprintf(stderr, "blast: interface name \"%s\" is too long\n", ifname);
		return -1;
	}
	ifindex = if_nametoindex(ifname);
	if (ifindex == 0 || ifindex > INT_MAX) {
		(void)fprintf(stderr, "blast: no interface \"%s\": %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Protocol 0: this socket receives nothing, it only sends. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		(void)fprintf(stderr, "blast: cannot open a packet socket: %s\n", strerror(errno));
		return -1;
	}
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0 || ifr.ifr_mtu <= 0 || ifr.ifr_mtu > MAX_MTU) {
		(void)fprintf(stderr, "blast: cannot read the MTU of \"%s\": %s\n", ifname,
			      strerror(errno));
		goto fail;
	}
	*ret_max = (uint32_t)ifr.ifr_mtu + ETHER_HDR_LEN;
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		(void)fprintf(stderr, "blast: PACKET_QDISC_BYPASS: %s\n", strerror(errno));
		goto fail;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		(void)fprintf(stderr, "blast: cannot bind to \"%s\": %s\n", ifname,
			      strerror(errno));
		goto fail;
	}
	return fd;
fail:
	(void)close(fd);
	return -1;
}

static double now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep until the monotonic time t (seconds). */
static void sleep_until(double t)
{
	struct timespec ts;
	double sec = (double)(time_t)t;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

struct totals {
	uint64_t sent, refused;
};

/*
 * Send total frames from c, starting at the first and looping, at pps per second (0: at once).
 * Frames the kernel refuses with ENOBUFS are retried. Returns 0, or -1 with a message.
 */
static int send_frames(int fd, const struct blast_pcap *c, uint64_t total, uint64_t pps,
		       struct totals *t)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	size_t next = 0; /* index in c->frames of the next frame to queue */
	uint64_t batch = BATCH;
	double t0 = now();

	/* Paced: batches of about a millisecond's worth, so the rate holds at a fine grain. */
	if (pps > 0) {
		batch = pps / 1000;
		if (batch < 1)
			batch = 1;
		if (batch > BATCH)
			batch = BATCH;
	}
	for (unsigned i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (t->sent < total) {
		uint64_t left = total - t->sent;
		unsigned n = (unsigned)(left < batch ? left : batch), done = 0;

		if (pps > 0) {
			double due = t0 + (double)t->sent / (double)pps;
			if (due > now())
				sleep_until(due);
		}
		for (unsigned i = 0; i < n; i++) {
			/* sendmmsg() only reads the frame; iovec has no const member */
			iov[i].iov_base = (void *)(uintptr_t)c->frames[next].data;
			iov[i].iov_len = c->frames[next].len;
			if (++next == c->n_frames)
				next = 0;
		}
		while (done < n) {
			int r = sendmmsg(fd, msgs + done, n - done, 0);
			if (r < 0) {
				if (errno == ENOBUFS || errno == EAGAIN) {
					t->refused++;
					continue;
				}
				if (errno == EINTR)
					continue;
				(void)fprintf(stderr,
					      "blast: send failed after %" PRIu64 " frames: %s\n",
					      t->sent, strerror(errno));
				return -1;
			}
			done += (unsigned)r;
			t->sent += (uint64_t)r;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct blast_pcap c = {0};
	struct totals t = {0};
	uint8_t *bytes = NULL;
	size_t len;
	uint64_t total, pps = 0;
	uint32_t max_frame;
	char err[256];
	double t0, secs;
	int fd, rc = 1;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 4 || argc > 5) {
		usage(stderr);
		return 2;
	}
	if (parse_u64("PACKETS", argv[3], &total) < 0 ||
	    (argc == 5 && parse_u64("PPS", argv[4], &pps) < 0))
		return 2;
	fd = open_socket(argv[1], &max_frame);
	if (fd < 0)
		return 1;
	if (read_file(argv[2], &bytes, &len) < 0)
		goto out;
	if (blast_pcap_parse(bytes, len, max_frame, &c, err, sizeof(err)) < 0) {
		(void)fprintf(stderr, "blast: \"%s\": %s\n", argv[2], err);
		goto out;
	}
	t0 = now();
	if (send_frames(fd, &c, total, pps, &t) < 0)
		goto out;
	secs = now() - t0;
	(void)printf("blast: sent=%" PRIu64 " seconds=%.3f pps=%.0f refused=%" PRIu64
		     " skipped=%" PRIu64 "\n",
		     t.sent, secs, secs > 0 ? (double)t.sent / secs : 0.0, t.refused, c.skipped);
	rc = 0;
out:
	blast_pcap_done(&c);
	free(bytes);
	(void)close(fd);
	return rc;
}
