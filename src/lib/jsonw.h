/* jsonw.h - a fast JSON writer into one growable buffer with a hard cap (RFC 8259)
 *
 * Records with tens of thousands of ports are written many times an hour; building them as a
 * tree of allocated nodes costs more than the packets they describe. This writer appends text
 * directly. Errors (out of memory, over the cap, nesting too deep) are sticky: calls after one
 * do nothing, and jsonw_finish() reports it. Not thread-safe; one writer per thread.
 */
#ifndef KEIKAI_JSONW_H
#define KEIKAI_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 32

struct jsonw {
	char *buf;
	size_t len, cap, max;
	int err; /* 0, -ENOMEM, -E2BIG (over max), -EINVAL (nesting) */
	int depth;
	bool key_pending;
	bool first[JSONW_MAX_DEPTH];
};

/* Start writing; max is the most bytes the text may take. */
void jsonw_init(struct jsonw *w, size_t max);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
/* An object key; the next value call writes its value. */
void jsonw_key(struct jsonw *w, const char *k);
/* A string value, escaped; s is NUL-terminated. */
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
/* A number with at most decimals (0..9) digits after the point, trailing zeros dropped;
 * null for NaN and infinities. */
void jsonw_double(struct jsonw *w, double v, int decimals);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* Finish: on success returns the NUL-terminated text (the caller frees it) and its length in
 * *ret_len; on any earlier error returns NULL, frees the buffer and puts the error in *ret_err
 * (when not NULL). */
char *jsonw_finish(struct jsonw *w, size_t *ret_len, int *ret_err);

#endif
