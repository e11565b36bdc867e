/* mbox.h - split an mbox file into its messages (mboxrd: ">From " lines unquoted)
 *
 * An mbox is messages one after another, each starting with a "From " line (the envelope
 * sender and a date) at the start of the file or after a newline. mboxrd writers quote every
 * line of a body matching /^>*From / with one more '>'; reading removes one again. The line
 * ends of the file (LF or CRLF) are kept; the one empty line a writer puts before the next
 * "From " line is not part of the message. The functions work on a (pointer, length) view and
 * never read past it.
 */
#ifndef KEIKAI_INCIDENT_MBOX_H
#define KEIKAI_INCIDENT_MBOX_H

#include <stddef.h>

/* The next message of buf[0..len) at or after *pos: its raw (still quoted) bytes, without the
 * "From " line, in buf + *ret_off, *ret_len. *pos moves past it. Returns 1 for a message, 0 at
 * the end, -1 when the data before the first "From " line is not empty (not an mbox). */
int mbox_next(const char *buf, size_t len, size_t *pos, size_t *ret_off, size_t *ret_len);

/* The date of the "From " line before the message that starts at buf + off (as mbox_next gave
 * it): "From SENDER Www Mmm dd hh:mm:ss yyyy", the asctime() form, read as local time (the
 * writer's, taken to be this machine's, TZ respected), or with a numeric zone "+hhmm"/"-hhmm"
 * after the time or after the year, read in it. Returns seconds since the epoch, or -1 when
 * there is no such line or no date in it that can be read. Never reads outside buf[0, off). */
long long mbox_envelope_time(const char *buf, size_t off);

/* Copy in[0..len) to out, removing one '>' from lines matching /^>+From /. out has room for len
 * bytes (the result is never longer). Returns the length written. */
size_t mbox_unquote(const char *in, size_t len, char *out);

#endif
