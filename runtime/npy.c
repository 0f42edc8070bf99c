/* This module implements .npy reading by memory map (mc_npy_open, views,
 * row streaming) and atomic .npy writing (mc_npy_save, through
 * maskclean/atomic_file.h). */
#include "maskclean/npy.h"
#include "maskclean/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct mc_npy {
	char *path;
	void *map;             /* whole file, read-only; NULL for an empty map */
	size_t map_len;
	const unsigned char *data;
	size_t rows, cols;
	int ndim;
	mc_npy_dtype dtype;
	char descr[8];
};

static const unsigned char s_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

/* ---- header dict parser: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */

typedef struct s_cursor {
	const char *p, *end;
} s_cursor;

static void s_skip_ws(s_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int s_eat(s_cursor *c, char ch)
{
	s_skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* A quoted Python string into buf (no escapes needed for the keys we know). */
static int s_string(s_cursor *c, char *buf, size_t cap)
{
	char q;
	size_t n = 0;

	s_skip_ws(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return -1;
	q = *c->p++;
	while (c->p < c->end && *c->p != q) {
		if (n + 1 >= cap)
			return -1;
		buf[n++] = *c->p++;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	buf[n] = '\0';
	return 0;
}

static int s_word(s_cursor *c, const char *w)
{
	size_t n = strlen(w);

	s_skip_ws(c);
	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
		c->p += n;
		return 1;
	}
	return 0;
}

/* A tuple of non-negative integers; *nd gets its length (at most max). */
static int s_shape(s_cursor *c, uint64_t *dims, int max, int *nd)
{
	int n = 0;

	if (!s_eat(c, '('))
		return -1;
	for (;;) {
		uint64_t v = 0;
		int digits = 0;

		if (s_eat(c, ')'))
			break;
		s_skip_ws(c);
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (uint64_t)(*c->p - '0');
			c->p++;
			digits++;
		}
		if (digits == 0)
			return -1;
		s_skip_ws(c);
		if (c->p < c->end && *c->p == 'L')   /* Python 2 longs */
			c->p++;
		if (n < max)
			dims[n] = v;
		n++;
		if (s_eat(c, ','))
			continue;
		if (s_eat(c, ')'))
			break;
		return -1;
	}
	*nd = n;
	return 0;
}

static int s_parse_header(mc_npy *npy, const char *h, size_t len, mc_error *err)
{
	s_cursor c = { h, h + len };
	char key[32], descr[32] = "";
	int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0, nd = 0;
	uint64_t dims[8] = { 0 };

	if (!s_eat(&c, '{'))
		goto bad;
	for (;;) {
		if (s_eat(&c, '}'))
			break;
		if (s_string(&c, key, sizeof key) != 0 || !s_eat(&c, ':'))
			goto bad;
		if (strcmp(key, "descr") == 0) {
			if (s_string(&c, descr, sizeof descr) != 0) {
				s_skip_ws(&c);
				if (c.p < c.end && (*c.p == '[' || *c.p == '{'))
					return mc_error_set(err, MC_ERR_INVALID,
					                    "%s: structured dtypes are not supported; expected '<f4' or '<f8'",
					                    npy->path);
				goto bad;
			}
			have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0) {
			if (s_word(&c, "True"))
				fortran = 1;
			else if (!s_word(&c, "False"))
				goto bad;
			have_fortran = 1;
		} else if (strcmp(key, "shape") == 0) {
			if (s_shape(&c, dims, 8, &nd) != 0)
				goto bad;
			have_shape = 1;
		} else {
			goto bad;
		}
		if (s_eat(&c, ','))
			continue;
		if (s_eat(&c, '}'))
			break;
		goto bad;
	}
	if (!have_descr || !have_fortran || !have_shape)
		return mc_error_set(err, MC_ERR_PARSE,
		                    "%s: bad .npy header: missing '%s' (expected 'descr', 'fortran_order' and 'shape')",
		                    npy->path, !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
	if (fortran)
		return mc_error_set(err, MC_ERR_PARSE,
		                    "%s: fortran_order is True; expected a C-ordered array (save it with numpy.ascontiguousarray)",
		                    npy->path);
	if (strcmp(descr, "<f4") == 0)
		npy->dtype = MC_NPY_F4;
	else if (strcmp(descr, "<f8") == 0)
		npy->dtype = MC_NPY_F8;
	else
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: dtype '%s' is not supported; expected '<f4' or '<f8'", npy->path,
		                    descr);
	snprintf(npy->descr, sizeof npy->descr, "%s", npy->dtype == MC_NPY_F4 ? "<f4" : "<f8");
	if (nd != 1 && nd != 2)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: array has %d dimensions; expected 1 or 2 (rows x features)",
		                    npy->path, nd);
	if (nd == 2 && dims[1] == 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: shape (%llu, 0): rows of 0 features; expected at least one "
		                    "column", npy->path, (unsigned long long)dims[0]);
	/* rows * cols * 8 must not wrap: the data size is checked against the file's. */
	if (dims[0] > SIZE_MAX / 16 || (nd == 2 && dims[1] > SIZE_MAX / 16))
		goto bad;
	npy->ndim = nd;
	npy->rows = (size_t)dims[0];
	npy->cols = nd == 2 ? (size_t)dims[1] : 1;
	if (npy->rows > SIZE_MAX / 16 / npy->cols)
		goto bad;
	return 0;
bad:
	return mc_error_set(err, MC_ERR_PARSE,
	                    "%s: bad .npy header (expected a dict like {'descr': '<f4', 'fortran_order': False, 'shape': (n, d)}): %.*s",
	                    npy->path, (int)(len > 200 ? 200 : len), h);
}

static int s_map(mc_npy *npy, mc_error *err)
{
	struct stat st;
	int fd;

	fd = open(npy->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", npy->path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return mc_error_set(err, MC_ERR_IO, "%s: cannot stat: %s", npy->path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mc_error_set(err, MC_ERR_IO, "%s: not a regular file", npy->path);
	}
	npy->map_len = (size_t)st.st_size;
	if (npy->map_len > 0) {
		void *m = mmap(NULL, npy->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int e = errno;
			close(fd);
			return mc_error_set(err, MC_ERR_IO, "%s: cannot map: %s", npy->path, strerror(e));
		}
		npy->map = m;
	}
	close(fd);
	return 0;
}

int mc_npy_open(mc_npy **out, const char *path, mc_error *err)
{
	mc_npy *npy;
	const unsigned char *b;
	size_t hlen, off, need;
	int major, rc;

	*out = NULL;
	npy = calloc(1, sizeof *npy);
	if (npy == NULL || (npy->path = strdup(path)) == NULL) {
		free(npy);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	}
	rc = s_map(npy, err);
	if (rc != 0)
		goto fail;
	b = npy->map;
	if (npy->map_len < 10 || memcmp(b, s_magic, 6) != 0) {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: not a .npy file (wrong magic; expected \\x93NUMPY)", path);
		goto fail;
	}
	major = b[6];
	if (major == 1) {
		hlen = (size_t)b[8] | (size_t)b[9] << 8;
		off = 10;
	} else if (major == 2 || major == 3) {
		if (npy->map_len < 12) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: truncated .npy header", path);
			goto fail;
		}
		hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
		off = 12;
	} else {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: .npy format version %d.%d is not supported; expected 1.0, 2.0 or 3.0",
		                  path, major, b[7]);
		goto fail;
	}
	if (hlen > npy->map_len - off) {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: truncated .npy header (header says %zu bytes, the file has %zu)",
		                  path, hlen, npy->map_len - off);
		goto fail;
	}
	rc = s_parse_header(npy, (const char *)b + off, hlen, err);
	if (rc != 0)
		goto fail;
	off += hlen;
	need = npy->rows * npy->cols * (size_t)npy->dtype;
	if (npy->map_len - off < need) {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: truncated data: shape (%zu, %zu) of '%s' needs %zu bytes, the file has %zu",
		                  path, npy->rows, npy->cols, npy->descr, need, npy->map_len - off);
		goto fail;
	}
	npy->data = b + off;
	if (npy->map != NULL && need > (64u << 20))
		madvise(npy->map, npy->map_len, MADV_SEQUENTIAL);
	*out = npy;
	return 0;
fail:
	mc_npy_free(npy);
	return rc;
}

void mc_npy_free(mc_npy *npy)
{
	if (npy == NULL)
		return;
	if (npy->map != NULL)
		munmap(npy->map, npy->map_len);
	free(npy->path);
	free(npy);
}

size_t mc_npy_rows(const mc_npy *npy) { return npy->rows; }
size_t mc_npy_cols(const mc_npy *npy) { return npy->cols; }
int mc_npy_ndim(const mc_npy *npy) { return npy->ndim; }
mc_npy_dtype mc_npy_dtype_of(const mc_npy *npy) { return npy->dtype; }
const char *mc_npy_descr(const mc_npy *npy) { return npy->descr; }
const char *mc_npy_path(const mc_npy *npy) { return npy->path; }

static int s_nonfinite(const mc_npy *npy, size_t k, double v, mc_error *err)
{
	const char *what = isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf";

	if (npy->ndim == 1)
		return mc_error_set(err, MC_ERR_INVALID, "%s: element %zu is %s", npy->path, k, what);
	return mc_error_set(err, MC_ERR_INVALID, "%s: row %zu, column %zu is %s", npy->path,
	                    k / npy->cols, k % npy->cols, what);
}

/* Converts elements [k0, k0+n) into out (may be NULL: check only). */
static int s_convert(const mc_npy *npy, size_t k0, size_t n, double *out, mc_error *err)
{
	size_t i;

	if (npy->dtype == MC_NPY_F4) {
		const unsigned char *src = npy->data + k0 * 4;
		for (i = 0; i < n; i++) {
			float f;
			memcpy(&f, src + i * 4, 4);
			if (!isfinite(f))
				return s_nonfinite(npy, k0 + i, f, err);
			if (out != NULL)
				out[i] = f;
		}
	} else {
		const unsigned char *src = npy->data + k0 * 8;
		for (i = 0; i < n; i++) {
			double d;
			memcpy(&d, src + i * 8, 8);
			if (!isfinite(d))
				return s_nonfinite(npy, k0 + i, d, err);
			if (out != NULL)
				out[i] = d;
		}
	}
	return 0;
}

/* Walks all elements in chunks, reporting progress. */
static int s_sweep(const mc_npy *npy, double *out, const mc_progress *p, const char *what,
                   mc_error *err)
{
	size_t total = npy->rows * npy->cols, chunk = (size_t)1 << 20, k;
	char label[256];

	snprintf(label, sizeof label, "%s %s", what, npy->path);
	for (k = 0; k < total; k += chunk) {
		size_t n = total - k < chunk ? total - k : chunk;
		int rc;

		if (mc_progress_report(p, k, total, label) != 0)
			return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
		rc = s_convert(npy, k, n, out != NULL ? out + k : NULL, err);
		if (rc != 0)
			return rc;
	}
	mc_progress_report(p, total, total, label);
	return 0;
}

int mc_npy_check_finite(const mc_npy *npy, const mc_progress *p, mc_error *err)
{
	return s_sweep(npy, NULL, p, "checking", err);
}

int mc_npy_load(mc_npy **out, const char *path, const mc_progress *p, mc_error *err)
{
	mc_npy *npy;
	int rc;

	*out = NULL;
	rc = mc_npy_open(&npy, path, err);
	if (rc != 0)
		return rc;
	rc = mc_npy_check_finite(npy, p, err);
	if (rc != 0) {
		mc_npy_free(npy);
		return rc;
	}
	*out = npy;
	return 0;
}

int mc_npy_read_rows(const mc_npy *npy, size_t r0, size_t n, double *out, mc_error *err)
{
	if (r0 > npy->rows || n > npy->rows - r0)
		return mc_error_set(err, MC_ERR_SHAPE,
		                    "%s: rows %zu..%zu requested, the file has %zu rows", npy->path, r0,
		                    r0 + n, npy->rows);
	return s_convert(npy, r0 * npy->cols, n * npy->cols, out, err);
}

void mc_npy_release_rows(const mc_npy *npy, size_t r0, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;
	size_t width = npy->cols * (size_t)npy->dtype;

	if (npy->map == NULL || r0 >= npy->rows || n == 0)
		return;
	if (n > npy->rows - r0)
		n = npy->rows - r0;
	/* whole pages inside the rows only: the neighbours stay mapped */
	a = ((uintptr_t)(npy->data + r0 * width) + page - 1) / page * page;
	b = (uintptr_t)(npy->data + (r0 + n) * width) / page * page;
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

int mc_npy_stream_rows(const void *npy, size_t r0, size_t n, double *out, mc_error *err)
{
	int rc = mc_npy_read_rows(npy, r0, n, out, err);

	mc_npy_release_rows(npy, r0, n);
	return rc;
}

int mc_npy_view(const mc_npy *npy, mc_matrix *view, mc_error *err)
{
	if (npy->dtype != MC_NPY_F8)
		return mc_error_set(err, MC_ERR_TYPE,
		                    "%s: dtype '%s' cannot be viewed as float64 without a copy",
		                    npy->path, npy->descr);
	if (((uintptr_t)npy->data & 7u) != 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: data does not start on an 8-byte boundary; cannot view it in place",
		                    npy->path);
	view->rows = npy->rows;
	view->cols = npy->cols;
	view->stride = npy->cols;
	/* The map is PROT_READ: the view is read-only by contract. */
	view->data = (double *)(uintptr_t)npy->data;
	view->owns = 0;
	return 0;
}

int mc_npy_to_matrix(mc_matrix **out, const mc_npy *npy, const mc_progress *p,
                     mc_error *err)
{
	mc_matrix *m = NULL;
	int rc;

	*out = NULL;
	rc = mc_matrix_new(&m, npy->rows, npy->cols, err);
	if (rc != 0)
		return rc;
	rc = s_sweep(npy, m->data, p, "reading", err);
	if (rc != 0) {
		mc_matrix_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int mc_npy_check_rows(const mc_npy *npy, size_t expected, mc_error *err)
{
	if (npy->rows == expected)
		return 0;
	return mc_error_set(err, MC_ERR_SHAPE,
	                    "%s: %zu rows, the dataset has %zu instances (one row per kept annotation, in annotation order)",
	                    npy->path, npy->rows, expected);
}

/* ---- writing */

/* The 1.0 header for an array of dtype descr and the given shape text, padded
 * to a multiple of 64 bytes; returns its length (at most S_HEADER_MAX). */
#define S_HEADER_MAX 384

static size_t s_header(unsigned char *h, const char *descr, const char *shape)
{
	char dict[256];
	size_t len, total, pad;

	len = (size_t)snprintf(dict, sizeof dict,
	                       "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
	total = 10 + len + 1;                 /* + the final '\n' */
	pad = (64 - total % 64) % 64;
	memcpy(h, s_magic, 6);
	h[6] = 1;
	h[7] = 0;
	h[8] = (unsigned char)((len + pad + 1) & 0xff);
	h[9] = (unsigned char)((len + pad + 1) >> 8);
	memcpy(h + 10, dict, len);
	memset(h + 10 + len, ' ', pad);
	h[total + pad - 1] = '\n';
	return total + pad;
}

/* Writes the 1.0 header for a '<f8' array of the given shape text. */
static int s_write_header(mc_atomic_file *f, const char *shape, mc_error *err)
{
	unsigned char h[S_HEADER_MAX];
	size_t len = s_header(h, "<f8", shape);

	return mc_atomic_file_write(f, h, len, err);
}

/* Writes rows of cols doubles (a row every stride) atomically. */
static int s_save(const char *path, const char *shape, const double *rows_data, size_t rows,
                  size_t cols, size_t stride, mc_error *err)
{
	mc_atomic_file *f = NULL;
	size_t i;
	int rc;

	if ((rc = mc_atomic_file_open(&f, path, err)) != 0)
		return rc;
	rc = s_write_header(f, shape, err);
	if (stride == cols && rc == 0 && rows * cols > 0)
		rc = mc_atomic_file_write(f, rows_data, rows * cols * sizeof(double), err);
	else
		for (i = 0; i < rows && rc == 0; i++)
			if (cols > 0)
				rc = mc_atomic_file_write(f, rows_data + i * stride, cols * sizeof(double),
				                          err);
	if (rc != 0) {
		mc_atomic_file_abort(f);
		return rc;
	}
	return mc_atomic_file_commit(f, err);
}

int mc_npy_save(const char *path, const mc_matrix *m, mc_error *err)
{
	char shape[64];

	snprintf(shape, sizeof shape, "(%zu, %zu)", m->rows, m->cols);
	return s_save(path, shape, m->data, m->rows, m->cols, m->stride, err);
}

int mc_npy_save_vector(const char *path, const double *x, size_t n, mc_error *err)
{
	char shape[64];

	snprintf(shape, sizeof shape, "(%zu,)", n);
	return s_save(path, shape, x, 1, n, n, err);
}

/* ---- writing rows in any order */

struct mc_npy_writer {
	mc_atomic_file *file;
	size_t rows, cols, header;
};

int mc_npy_writer_open(mc_npy_writer **out, const char *path, size_t rows, size_t cols,
                       mc_error *err)
{
	unsigned char h[S_HEADER_MAX];
	char shape[64];
	mc_npy_writer *w;
	int rc;

	*out = NULL;
	if (cols == 0 || rows > SIZE_MAX / sizeof(float) / cols)
		return mc_error_set(err, MC_ERR_INVALID, "%s: %zu x %zu float32 cannot be written",
		                    path, rows, cols);
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	snprintf(shape, sizeof shape, "(%zu, %zu)", rows, cols);
	w->rows = rows;
	w->cols = cols;
	w->header = s_header(h, "<f4", shape);
	rc = mc_atomic_file_open(&w->file, path, err);
	if (rc == 0)
		rc = mc_atomic_file_reserve(w->file, w->header + rows * cols * sizeof(float), err);
	if (rc == 0)
		rc = mc_atomic_file_write_at(w->file, h, w->header, 0, err);
	/* The last byte makes the file its full size even where the rows
	 * written later leave gaps. */
	if (rc == 0 && rows > 0)
		rc = mc_atomic_file_write_at(w->file, "", 1,
		                             w->header + rows * cols * sizeof(float) - 1, err);
	if (rc != 0) {
		mc_npy_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

int mc_npy_writer_rows(mc_npy_writer *w, size_t r0, size_t n, const float *rows, mc_error *err)
{
	if (r0 > w->rows || n > w->rows - r0)
		return mc_error_set(err, MC_ERR_SHAPE, "%s: rows %zu..%zu of %zu",
		                    mc_atomic_file_path(w->file), r0, r0 + n, w->rows);
	return mc_atomic_file_write_at(w->file, rows, n * w->cols * sizeof(float),
	                               w->header + (uint64_t)r0 * w->cols * sizeof(float), err);
}

int mc_npy_writer_commit(mc_npy_writer *w, mc_error *err)
{
	int rc = mc_atomic_file_commit(w->file, err);

	free(w);
	return rc;
}

void mc_npy_writer_abort(mc_npy_writer *w)
{
	if (w == NULL)
		return;
	mc_atomic_file_abort(w->file);
	free(w);
}
