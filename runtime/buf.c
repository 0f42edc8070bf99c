/* This module implements maskclean/buf.h. */
#include "maskclean/buf.h"

#include <stdint.h>
#include <stdlib.h>

int mc_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 3)
			return -1;
		n += n / 2 + 8;
	}
	if (n > SIZE_MAX / size)
		return -1;
	q = realloc(*p, n * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

int mc_buf_put(mc_buf *b, const void *data, size_t len)
{
	if (b->failed || len > SIZE_MAX - b->len - 1 ||
	    mc_grow((void **)&b->data, &b->cap, b->len + len + 1, 1) < 0) {
		b->failed = 1;
		return -1;
	}
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}
