/* Growing memory: arrays that grow by appending, and a byte buffer for
 * writers that build a file or a text in memory.
 *
 * An mc_buf remembers a failed allocation: appends after one do nothing, so
 * a writer appends freely and checks `failed` once at the end. Its bytes are
 * always followed by a NUL, so that a text built in it is a C string. */
#ifndef MASKCLEAN_BUF_H
#define MASKCLEAN_BUF_H

#include <stddef.h>
#include <string.h>

/* Makes room in the array *p (capacity *cap elements of size bytes) for at
 * least need elements, growing by half again. Returns 0, or -1 when the size
 * overflows or memory runs out (*p and *cap are then unchanged). */
int mc_grow(void **p, size_t *cap, size_t need, size_t size);

/* Appends the size bytes at elem to the array *a of *n elements. */
static inline int mc_push(void **a, size_t *n, size_t *cap, const void *elem, size_t size)
{
	if (*n == *cap && mc_grow(a, cap, *n + 1, size) < 0)
		return -1;
	memcpy((char *)*a + *n * size, elem, size);
	(*n)++;
	return 0;
}

/* Start zeroed: mc_buf b = { 0 }. Free data with free(). */
typedef struct mc_buf {
	unsigned char *data;
	size_t len, cap;
	int failed;   /* an allocation failed: data holds what came before */
} mc_buf;

/* Appends len bytes. Returns 0, or -1 when memory runs out (then and after,
 * failed is set and nothing more is appended). */
int mc_buf_put(mc_buf *b, const void *data, size_t len);

#endif
