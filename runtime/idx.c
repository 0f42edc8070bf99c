/* This module implements the IDX reader (MNIST family), gzip through zlib. */
#include "maskclean/idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int s_type_size(int type, const char **name)
{
	switch (type) {
	case 0x08: *name = "unsigned bytes"; return 1;
	case 0x09: *name = "signed bytes"; return 1;
	case 0x0B: *name = "int16"; return 2;
	case 0x0C: *name = "int32"; return 4;
	case 0x0D: *name = "float32"; return 4;
	case 0x0E: *name = "float64"; return 8;
	default: *name = "?"; return 0;
	}
}

/* Reads up to len bytes; returns how many were read, or -1 with err set. */
static long long s_read(gzFile gz, void *buf, size_t len, const char *path, mc_error *err)
{
	size_t done = 0;

	while (done < len) {
		unsigned chunk = len - done > (1u << 30) ? (1u << 30) : (unsigned)(len - done);
		int n = gzread(gz, (unsigned char *)buf + done, chunk);
		if (n < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			if (zerr == Z_BUF_ERROR)   /* gzip stream cut short: truncated */
				break;
			mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path,
			             zerr == Z_ERRNO ? strerror(errno) : msg);
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (long long)done;
}

static uint64_t s_be(const unsigned char *b, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

/* Converts count big-endian items of type into doubles. */
static void s_convert(double *out, const unsigned char *raw, size_t count, int type)
{
	size_t i;

	for (i = 0; i < count; i++) {
		switch (type) {
		case 0x09:
			out[i] = (double)(int8_t)raw[i];
			break;
		case 0x0B:
			out[i] = (double)(int16_t)(uint16_t)s_be(raw + 2 * i, 2);
			break;
		case 0x0C:
			out[i] = (double)(int32_t)(uint32_t)s_be(raw + 4 * i, 4);
			break;
		case 0x0D: {
			uint32_t u = (uint32_t)s_be(raw + 4 * i, 4);
			float f;
			memcpy(&f, &u, 4);
			out[i] = f;
			break;
		}
		default: {
			uint64_t u = s_be(raw + 8 * i, 8);
			double d;
			memcpy(&d, &u, 8);
			out[i] = d;
			break;
		}
		}
	}
}

static void s_dims_text(char *buf, size_t cap, const mc_idx *idx)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < idx->ndim && used < cap; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%zu", i ? "x" : "", idx->dims[i]);
}

int mc_idx_load(mc_idx **out, const char *path, mc_error *err)
{
	gzFile gz = NULL;
	mc_idx *idx = NULL;
	unsigned char head[4], dimb[4 * MC_IDX_MAX_DIMS], *raw = NULL;
	const char *tname;
	size_t esize, nbytes;
	long long got;
	char dims[128];
	int i, rc = 0;

	*out = NULL;
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path,
		                    errno ? strerror(errno) : "out of memory");
	gzbuffer(gz, 1u << 17);
	idx = calloc(1, sizeof *idx);
	if (idx == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	got = s_read(gz, head, 4, path, err);
	if (got < 0) {
		rc = MC_ERR_IO;
		goto cleanup;
	}
	if (got < 4 || head[0] != 0 || head[1] != 0 || head[3] == 0 ||
	    head[3] > MC_IDX_MAX_DIMS || s_type_size(head[2], &tname) == 0) {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: bad IDX magic 0x%08llx; expected 0x0000TTDD (type 08/09/0B/0C/0D/0E, 1-%d dimensions)",
		                  path, got < 4 ? 0ull : (unsigned long long)s_be(head, 4), MC_IDX_MAX_DIMS);
		goto cleanup;
	}
	idx->type = head[2];
	idx->ndim = head[3];
	esize = (size_t)s_type_size(idx->type, &tname);
	got = s_read(gz, dimb, 4 * (size_t)idx->ndim, path, err);
	if (got < 0) {
		rc = MC_ERR_IO;
		goto cleanup;
	}
	if (got < 4 * idx->ndim) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: truncated IDX header (%d dimensions announced)",
		                  path, idx->ndim);
		goto cleanup;
	}
	idx->count = 1;
	for (i = 0; i < idx->ndim; i++) {
		idx->dims[i] = (size_t)s_be(dimb + 4 * i, 4);
		if (idx->dims[i] != 0 && idx->count > ((size_t)1 << 40) / idx->dims[i]) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: IDX dimensions are implausibly large",
			                  path);
			goto cleanup;
		}
		idx->count *= idx->dims[i];
	}
	nbytes = idx->count * esize;
	/* The buffer grows with the data that arrives, so a header that
	 * announces terabytes costs what the file holds, not what it says. */
	{
		size_t cap = 0;
		got = 0;
		do {
			size_t want = cap == 0 ? ((size_t)1 << 20) : 2 * cap;
			unsigned char *g;
			long long k;
			if (want > nbytes)
				want = nbytes;
			g = realloc(raw, want ? want : 1);
			if (g == NULL) {
				rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory for %zu bytes", path,
				                  want);
				goto cleanup;
			}
			raw = g;
			k = s_read(gz, raw + cap, want - cap, path, err);
			if (k < 0) {
				rc = MC_ERR_IO;
				goto cleanup;
			}
			got += k;
			if ((size_t)k < want - cap)
				break;
			cap = want;
		} while (cap < nbytes);
	}
	if ((size_t)got < nbytes) {
		s_dims_text(dims, sizeof dims, idx);
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: truncated: header says %s %s (%zu bytes), the file has %lld",
		                  path, dims, tname, nbytes, got);
		goto cleanup;
	}
	if (idx->type == 0x08) {
		idx->u8 = raw;
		raw = NULL;
	} else {
		idx->f64 = malloc((idx->count ? idx->count : 1) * sizeof(double));
		if (idx->f64 == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
			goto cleanup;
		}
		s_convert(idx->f64, raw, idx->count, idx->type);
	}
	*out = idx;
	idx = NULL;
cleanup:
	free(raw);
	mc_idx_free(idx);
	if (gz != NULL)
		gzclose(gz);
	return rc;
}

int mc_idx_load_images(mc_idx **out, const char *path, mc_error *err)
{
	mc_idx *idx;
	int rc;

	*out = NULL;
	rc = mc_idx_load(&idx, path, err);
	if (rc != 0)
		return rc;
	if (idx->type != 0x08 || idx->ndim != 3) {
		char dims[128];
		s_dims_text(dims, sizeof dims, idx);
		rc = mc_error_set(err, MC_ERR_SHAPE,
		                  "%s: holds %s of type 0x%02X; expected images (n x rows x cols unsigned bytes)",
		                  path, dims, (unsigned)idx->type);
		mc_idx_free(idx);
		return rc;
	}
	*out = idx;
	return 0;
}

int mc_idx_load_labels(mc_idx **out, const char *path, unsigned max_label, mc_error *err)
{
	mc_idx *idx;
	size_t i;
	int rc;

	*out = NULL;
	rc = mc_idx_load(&idx, path, err);
	if (rc != 0)
		return rc;
	if (idx->type != 0x08 || idx->ndim != 1) {
		char dims[128];
		s_dims_text(dims, sizeof dims, idx);
		rc = mc_error_set(err, MC_ERR_SHAPE,
		                  "%s: holds %s of type 0x%02X; expected labels (n unsigned bytes)", path,
		                  dims, (unsigned)idx->type);
		mc_idx_free(idx);
		return rc;
	}
	for (i = 0; max_label > 0 && i < idx->count; i++) {
		if (idx->u8[i] >= max_label) {
			rc = mc_error_set(err, MC_ERR_INVALID, "%s: label %zu is %u; expected 0..%u", path,
			                  i, idx->u8[i], max_label - 1);
			mc_idx_free(idx);
			return rc;
		}
	}
	*out = idx;
	return 0;
}

double mc_idx_get(const mc_idx *idx, size_t k)
{
	return idx->u8 != NULL ? (double)idx->u8[k] : idx->f64[k];
}

void mc_idx_free(mc_idx *idx)
{
	if (idx == NULL)
		return;
	free(idx->u8);
	free(idx->f64);
	free(idx);
}
