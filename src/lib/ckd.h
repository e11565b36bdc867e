/* ckd.h - overflow-checked size arithmetic (CERT INT30-C, MEM35-C) */
#ifndef KEIKAI_CKD_H
#define KEIKAI_CKD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* Store a + b in *ret; false (and *ret untouched) on overflow. */
static inline bool ckd_size_add(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_add_overflow(a, b, &r))
		return false;
	*ret = r;
	return true;
}

/* Store a * b in *ret; false (and *ret untouched) on overflow. */
static inline bool ckd_size_mul(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return false;
	*ret = r;
	return true;
}

/* calloc(n, sizeof(*p)) with the element size taken from the pointer. */
#define ALLOC_ARRAY(p, n) ((p) = calloc((n), sizeof(*(p))))

#endif
