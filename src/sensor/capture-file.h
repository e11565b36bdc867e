/* capture-file.h - reading a capture file: classic pcap records walked in place, anything else
 * through libpcap
 *
 * libpcap's savefile reader copies every packet out of its stdio stream into a buffer of its
 * own, a few freads per packet. For the common case, a classic pcap file (format 2.4, micro- or
 * nanosecond magic, either byte order), this reader takes the records straight from large
 * blocks of the file instead. libpcap still opens the file and validates its header (link
 * type, snapshot length), and it reads every record this reader does not take as ordinary:
 *
 *   - pcapng, and pcap files of other versions or with other magic numbers: the whole file;
 *   - from the first record that is unusual to the end of the file: a captured length above
 *     the snapshot length, a record cut short by the end of the file. The stream is put back at
 *     that record's header and libpcap carries on from there, so what it does with the rest
 *     (truncate, stop, report an error and its message) is exactly what it does today.
 *
 * Each packet handed out is the one libpcap would hand out for the same bytes: same timestamp
 * (microseconds, scaled down from nanoseconds as libpcap does), lengths and data.
 * Not thread-safe: one reader per capture_file.
 */
#ifndef KEIKAI_CAPTURE_FILE_H
#define KEIKAI_CAPTURE_FILE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes of the block buffer the records are walked in: at least one whole record of the
 * largest snapshot length libpcap accepts (262,144 bytes) plus its header, and large enough
 * that each refill bypasses a 1 MiB stdio buffer. */
#define CAPTURE_FILE_BUF (2u << 20)

struct capture_file;

/* Open a capture file on the stream f, which must be positioned at the file's start; f becomes
 * owned by the reader (closed by capture_file_free, or here on failure). in_place: whether the
 * records of a classic pcap file may be walked in place (false: every packet through libpcap,
 * as when a BPF filter is applied). Timestamps are in microseconds. On failure returns NULL and
 * writes libpcap's message, or "out of memory", into errbuf. */
struct capture_file *capture_file_open(FILE *f, bool in_place, char errbuf[PCAP_ERRBUF_SIZE]);

/* Close the file and free the reader. NULL-safe. */
void capture_file_free(struct capture_file *cf);

/* The libpcap handle: link type, filter, error text. Owned by the reader. */
pcap_t *capture_file_pcap(struct capture_file *cf);

/* Whether records are currently being walked in place (false for pcapng, unusual files, and
 * after a hand-over to libpcap). For tests. */
bool capture_file_in_place(const struct capture_file *cf);

/* The next packet: 1 and *ret_hdr, *ret_data (valid until the next call), 0 at the end of the
 * file, PCAP_ERROR on a read error or a corrupt record (message from capture_file_error), as
 * pcap_next_ex() for a file. After PCAP_ERROR the rest of the file is not read. */
int capture_file_next(struct capture_file *cf, struct pcap_pkthdr **ret_hdr,
		      const uint8_t **ret_data);

/* The message of the last PCAP_ERROR (libpcap's own when libpcap read the record). */
const char *capture_file_error(struct capture_file *cf);

#endif
