/* This module implements the coreset service's binary file
 * (maskclean/coreset.h: mc_coreset_save, mc_coreset_load): tagged sections
 * with CRC-32s, written atomically, checked in full when read. */
#include "maskclean/coreset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "maskclean/atomic_file.h"
#include "maskclean/buf.h"
#include "coreset_internal.h"

static const char s_file_magic[8] = { 'M', 'C', 'C', 'O', 'R', 'E', 'S', 'T' };
#define S_FILE_VERSION 2u /* 2: adds the NAME section */

static void s_put_u64(mc_buf *b, uint64_t v)
{
	mc_buf_put(b, &v, sizeof v);
}

static void s_put_f64(mc_buf *b, double v)
{
	mc_buf_put(b, &v, sizeof v);
}

/* Writes one section: tag, length, CRC-32, data. */
static int s_section(mc_atomic_file *f, const char tag[4], const void *data, size_t len,
                     mc_error *err)
{
	unsigned char head[16];
	uint64_t l = len;
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	const unsigned char *p = data;
	size_t left = len;
	int rc;

	/* crc32 takes a uInt length: feed large sections in pieces. */
	while (left > 0) {
		uInt piece = left > (1u << 30) ? (1u << 30) : (uInt)left;
		crc = (uint32_t)crc32(crc, p, piece);
		p += piece;
		left -= piece;
	}
	memcpy(head, tag, 4);
	memcpy(head + 4, &l, 8);
	memcpy(head + 12, &crc, 4);
	rc = mc_atomic_file_write(f, head, sizeof head, err);
	if (rc == 0 && len > 0)
		rc = mc_atomic_file_write(f, data, len, err);
	return rc;
}

int mc_coreset_save(mc_coreset *cs, const char *path, mc_error *err)
{
	mc_atomic_file *f = NULL;
	mc_buf parm = { 0 }, tree = { 0 }, names = { 0 };
	uint32_t version = S_FILE_VERSION;
	int rc;

	rc = mc_cs_ensure_tree(cs, NULL, err);
	if (rc)
		return rc;
	s_put_u64(&parm, (uint64_t)cs->p.optimized_for);
	s_put_u64(&parm, cs->p.chunk_size);
	s_put_u64(&parm, cs->p.coreset_size);
	s_put_u64(&parm, (uint64_t)cs->p.basis);
	s_put_u64(&parm, cs->p.seed);
	s_put_u64(&parm, (uint64_t)cs->p.folds);
	s_put_f64(&parm, cs->p.C);
	s_put_u64(&parm, (uint64_t)cs->p.max_iter);
	s_put_u64(&parm, cs->n);
	s_put_u64(&parm, cs->d);
	s_put_u64(&parm, cs->K);
	s_put_u64(&parm, cs->chunk);
	s_put_u64(&parm, cs->csize);
	s_put_u64(&tree, cs->tree.n_levels);
	for (size_t k = 0; k < cs->tree.n_levels; k++) {
		s_put_u64(&tree, cs->tree.len[k]);
		for (size_t j = 0; j < cs->tree.len[k]; j++) {
			const mc_cs_node *nd = cs->tree.lv[k][j];
			s_put_u64(&tree, nd->m);
			for (size_t q = 0; q < nd->m; q++)
				s_put_u64(&tree, nd->idx[q]);
			mc_buf_put(&tree, nd->w, nd->m * sizeof *nd->w);
		}
	}
	s_put_u64(&names, cs->n_names);
	for (size_t k = 0; k < cs->n_names; k++) {
		size_t l = strlen(cs->names[k]);
		s_put_u64(&names, l);
		mc_buf_put(&names, cs->names[k], l);
	}
	if (parm.failed || tree.failed || names.failed) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	rc = mc_atomic_file_open(&f, path, err);
	if (rc)
		goto cleanup;
	rc = mc_atomic_file_write(f, s_file_magic, sizeof s_file_magic, err);
	if (rc == 0)
		rc = mc_atomic_file_write(f, &version, sizeof version, err);
	if (rc == 0)
		rc = s_section(f, "PARM", parm.data, parm.len, err);
	for (size_t j = 0; rc == 0 && j < cs->n_chunks; j++)
		rc = s_section(f, "FEAT", cs->chunks[j].X, cs->chunks[j].n * cs->d * sizeof(double),
		               err);
	if (rc == 0)
		rc = s_section(f, "LABL", cs->y, cs->n * sizeof *cs->y, err);
	if (rc == 0)
		rc = s_section(f, "WGHT", cs->w, cs->n * sizeof *cs->w, err);
	if (rc == 0)
		rc = s_section(f, "SEEN", cs->seen, cs->n, err);
	if (rc == 0)
		rc = s_section(f, "SENS", cs->sens, cs->n * sizeof *cs->sens, err);
	if (rc == 0)
		rc = s_section(f, "TREE", tree.data, tree.len, err);
	if (rc == 0)
		rc = s_section(f, "NAME", names.data, names.len, err);
	if (rc == 0)
		rc = s_section(f, "END.", NULL, 0, err);
	if (rc) {
		mc_atomic_file_abort(f);
		goto cleanup;
	}
	rc = mc_atomic_file_commit(f, err);
cleanup:
	free(parm.data);
	free(tree.data);
	free(names.data);
	return rc;
}

typedef struct s_reader {
	FILE *fp;
	const char *path;
	uint64_t left;   /* bytes of the file not read yet */
} s_reader;

/* Reads the next section, which must have tag and at most max_len bytes
 * (and no more than the file still holds: nothing is allocated for a length
 * the file cannot back); *data is malloc'd (caller frees), *len its size. */
static int s_read_section(s_reader *r, const char tag[4], unsigned char **data, size_t *len,
                          uint64_t max_len, mc_error *err)
{
	unsigned char head[16];
	uint64_t l;
	uint32_t crc, got = (uint32_t)crc32(0L, Z_NULL, 0);
	unsigned char *p;

	*data = NULL;
	*len = 0;
	if (r->left < sizeof head || fread(head, 1, sizeof head, r->fp) != sizeof head)
		return mc_error_set(err, MC_ERR_PARSE, "%s: truncated before section %.4s", r->path,
		                    tag);
	r->left -= sizeof head;
	if (memcmp(head, tag, 4) != 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: expected section %.4s, found \"%.4s\"",
		                    r->path, tag, (const char *)head);
	memcpy(&l, head + 4, 8);
	memcpy(&crc, head + 12, 4);
	if (l > max_len)
		return mc_error_set(err, MC_ERR_PARSE,
		                    "%s: section %.4s is %llu bytes, expected at most %llu", r->path,
		                    tag, (unsigned long long)l, (unsigned long long)max_len);
	if (l > r->left)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section %.4s is truncated: it says %llu "
		                    "bytes, the file has %llu more", r->path, tag,
		                    (unsigned long long)l, (unsigned long long)r->left);
	p = malloc(l ? (size_t)l : 1);
	if (p == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory for section %.4s", r->path,
		                    tag);
	if (l && fread(p, 1, (size_t)l, r->fp) != (size_t)l) {
		free(p);
		return mc_error_set(err, MC_ERR_PARSE, "%s: section %.4s is truncated", r->path, tag);
	}
	r->left -= l;
	for (size_t off = 0; off < l;) {
		uInt piece = l - off > (1u << 30) ? (1u << 30) : (uInt)(l - off);
		got = (uint32_t)crc32(got, p + off, piece);
		off += piece;
	}
	if (got != crc) {
		free(p);
		return mc_error_set(err, MC_ERR_PARSE, "%s: section %.4s: checksum mismatch "
		                    "(file is corrupt)", r->path, tag);
	}
	*data = p;
	*len = (size_t)l;
	return 0;
}

static uint64_t s_get_u64(const unsigned char *p, size_t *pos)
{
	uint64_t v;
	memcpy(&v, p + *pos, 8);
	*pos += 8;
	return v;
}

/* The NAME section: a count, then each name as a length and its bytes. */
static int s_parse_names(mc_coreset *cs, const unsigned char *sec, size_t len,
                         const char *path, mc_error *err)
{
	size_t pos = 0, count;
	char **names;
	int rc = 0;

	if (len < 8)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section NAME is truncated", path);
	count = s_get_u64(sec, &pos);
	if (count > (len - 8) / 8)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section NAME: %zu names in %zu bytes",
		                    path, count, len);
	names = calloc(count ? count : 1, sizeof *names);
	if (names == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	for (size_t k = 0; k < count && rc == 0; k++) {
		size_t l;
		if (len - pos < 8) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: section NAME is truncated", path);
			break;
		}
		l = s_get_u64(sec, &pos);
		if (l > len - pos) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: section NAME: name %zu is truncated",
			                  path, k);
			break;
		}
		names[k] = strndup((const char *)sec + pos, l);
		if (names[k] == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
			break;
		}
		if (strlen(names[k]) != l) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: section NAME: name %zu holds a NUL "
			                  "byte", path, k);
			break;
		}
		pos += l;
	}
	if (rc == 0 && pos != len)
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: section NAME: %zu bytes left over", path,
		                  len - pos);
	if (rc == 0) {
		mc_error e;
		mc_error_clear(&e);
		rc = mc_coreset_set_class_names(cs, (const char *const *)names, count, &e);
		if (rc)
			rc = mc_error_set(err, e.code == MC_ERR_NOMEM ? MC_ERR_NOMEM : MC_ERR_PARSE,
			                  "%s: section NAME: %s", path, e.text);
	}
	mc_cs_names_free(names, count);
	return rc;
}

/* The TREE section: levels, then for each level its node count and each
 * node's size, sample indices and weights. The shape must be the one the
 * service builds for nch chunks (each level pairs the nodes of the one
 * below), and node j of level k may only hold samples of its chunks,
 * ascending, with finite weights >= 0: what the updates rely on. */
static int s_parse_tree(mc_coreset *cs, const unsigned char *sec, size_t len, size_t nch,
                        const char *path, mc_error *err)
{
	mc_cs_tree *t = &cs->tree;
	size_t levels, want_levels = 1, tp = 0, expect = nch;

	for (size_t l = nch; l > 1; l = (l + 1) / 2)
		want_levels++;
	if (len < 8)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE is truncated", path);
	levels = s_get_u64(sec, &tp);
	if (levels != want_levels)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE: %zu levels, %zu chunks "
		                    "need %zu", path, levels, nch, want_levels);
	t->lv = calloc(levels, sizeof *t->lv);
	t->len = calloc(levels, sizeof *t->len);
	if (t->lv == NULL || t->len == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	for (size_t k = 0; k < levels; k++, expect = (expect + 1) / 2) {
		size_t cnt, span = (size_t)1 << k;   /* chunks under a node of level k */
		if (len - tp < 8)
			return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE is truncated", path);
		cnt = s_get_u64(sec, &tp);
		if (cnt != expect)
			return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE: level %zu has %zu "
			                    "nodes, expected %zu", path, k, cnt, expect);
		t->lv[k] = calloc(cnt, sizeof *t->lv[k]);
		if (t->lv[k] == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		t->n_levels = k + 1;
		t->len[k] = cnt;
		for (size_t j = 0; j < cnt; j++) {
			size_t m, first = j * span, end = first + span > nch ? nch : first + span;
			uint64_t lo = (uint64_t)first * cs->chunk;
			uint64_t hi = end == nch ? cs->n : (uint64_t)end * cs->chunk;
			mc_cs_node *nd;
			if (len - tp < 8)
				return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE is truncated",
				                    path);
			m = s_get_u64(sec, &tp);
			/* m indices and m weights of 8 bytes, compared without multiplying */
			if (m > (len - tp) / 16)
				return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE: node %zu of level "
				                    "%zu has %zu samples, the section holds %zu more bytes",
				                    path, j, k, m, len - tp);
			nd = calloc(1, sizeof *nd);
			if (nd == NULL || (nd->idx = malloc((m ? m : 1) * sizeof *nd->idx)) == NULL ||
			    (nd->w = malloc((m ? m : 1) * sizeof *nd->w)) == NULL) {
				mc_cs_node_free(nd);
				return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
			}
			nd->m = m;
			t->lv[k][j] = nd;
			for (size_t q = 0; q < m; q++) {
				nd->idx[q] = s_get_u64(sec, &tp);
				if (nd->idx[q] < lo || nd->idx[q] >= hi || (q > 0 && nd->idx[q] <= nd->idx[q - 1]))
					return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE: node %zu of "
					                    "level %zu: sample %zu is not one of its chunks' "
					                    "(%llu..%llu), ascending", path, j, k, nd->idx[q],
					                    (unsigned long long)lo, (unsigned long long)hi - 1);
			}
			memcpy(nd->w, sec + tp, m * sizeof *nd->w);
			tp += m * sizeof *nd->w;
			for (size_t q = 0; q < m; q++)
				if (!isfinite(nd->w[q]) || nd->w[q] < 0)
					return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE: node %zu of "
					                    "level %zu: weight %g, expected a finite weight "
					                    ">= 0", path, j, k, nd->w[q]);
		}
	}
	if (tp != len)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section TREE: %zu bytes left over", path,
		                    len - tp);
	return 0;
}

/* The sizes the PARM section gives. */
typedef struct s_sizes {
	size_t n, d, K, chunk, csize;
} s_sizes;

/* The 12-byte head: magic, then a version this code reads (*version). */
static int s_load_head(s_reader *r, uint32_t *version, mc_error *err)
{
	unsigned char magic[8];
	struct stat st;

	if (fstat(fileno(r->fp), &st) != 0 || !S_ISREG(st.st_mode))
		return mc_error_set(err, MC_ERR_IO, "%s: not a regular file", r->path);
	r->left = (uint64_t)st.st_size;
	if (r->left < 12 || fread(magic, 1, 8, r->fp) != 8 || memcmp(magic, s_file_magic, 8) != 0)
		return mc_error_set(err, MC_ERR_PARSE, "%s: not a maskclean coreset file (bad magic)",
		                    r->path);
	if (fread(version, 1, 4, r->fp) != 4 || *version < 1 || *version > S_FILE_VERSION)
		return mc_error_set(err, MC_ERR_PARSE, "%s: coreset file version %u, expected 1 to %u",
		                    r->path, *version, S_FILE_VERSION);
	r->left -= 12;
	return 0;
}

/* The PARM section: the parameters into *p, the sizes into *z, checked
 * against each other and against what the file still holds. Every size the
 * sections' lengths are computed from: n * d * 8 and the per-sample arrays
 * must not wrap, and the file must hold them. The node size only sets a
 * sampling ratio (it may exceed n: a small service). */
static int s_load_params(s_reader *r, mc_coreset_params *p, s_sizes *z, mc_error *err)
{
	unsigned char *sec = NULL;
	size_t len, pos = 0;
	int rc;

	rc = s_read_section(r, "PARM", &sec, &len, 4096, err);
	if (rc)
		return rc;
	if (len != 13 * 8) {
		free(sec);
		return mc_error_set(err, MC_ERR_PARSE, "%s: section PARM is %zu bytes, expected %d",
		                    r->path, len, 13 * 8);
	}
	mc_coreset_params_init(p);
	p->optimized_for = (mc_coreset_goal)s_get_u64(sec, &pos);
	p->chunk_size = s_get_u64(sec, &pos);
	p->coreset_size = s_get_u64(sec, &pos);
	p->basis = (mc_coreset_basis)s_get_u64(sec, &pos);
	p->seed = s_get_u64(sec, &pos);
	p->folds = (int)s_get_u64(sec, &pos);
	memcpy(&p->C, sec + pos, 8);
	pos += 8;
	p->max_iter = (int)s_get_u64(sec, &pos);
	z->n = s_get_u64(sec, &pos);
	z->d = s_get_u64(sec, &pos);
	z->K = s_get_u64(sec, &pos);
	z->chunk = s_get_u64(sec, &pos);
	z->csize = s_get_u64(sec, &pos);
	free(sec);
	if (z->n == 0 || z->d == 0 || z->d > (1u << 24) || z->chunk < 2 || z->K == 0 ||
	    z->K > MC_CS_MAX_LABEL + 1 || z->n > ((size_t)1 << 40) || z->n > SIZE_MAX / 8 / z->d ||
	    z->csize == 0 || z->csize > ((size_t)1 << 40))
		return mc_error_set(err, MC_ERR_PARSE, "%s: section PARM: implausible sizes n=%zu "
		                    "d=%zu K=%zu chunk=%zu coreset=%zu", r->path, z->n, z->d, z->K,
		                    z->chunk, z->csize);
	if ((uint64_t)z->n * z->d * sizeof(double) > r->left)
		return mc_error_set(err, MC_ERR_PARSE, "%s: section PARM: %zu samples of %zu features "
		                    "need %llu bytes, the file has %llu more", r->path, z->n, z->d,
		                    (unsigned long long)z->n * z->d * sizeof(double),
		                    (unsigned long long)r->left);
	return 0;
}

/* The FEAT sections: the rows of every chunk, each feature finite. */
static int s_load_features(s_reader *r, mc_coreset *cs, size_t n, size_t nch, mc_error *err)
{
	size_t d = cs->d, chunk = cs->chunk;

	cs->chunks = calloc(nch, sizeof *cs->chunks);
	if (cs->chunks == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", r->path);
	for (size_t j = 0; j < nch; j++) {
		size_t rows = n - j * chunk < chunk ? n - j * chunk : chunk, len;
		unsigned char *sec = NULL;
		int rc = s_read_section(r, "FEAT", &sec, &len, (uint64_t)rows * d * sizeof(double), err);
		if (rc)
			return rc;
		if (len != rows * d * sizeof(double)) {
			free(sec);
			return mc_error_set(err, MC_ERR_PARSE, "%s: section FEAT %zu is %zu bytes, "
			                    "expected %zu (%zu rows of %zu features)", r->path, j, len,
			                    rows * d * sizeof(double), rows, d);
		}
		cs->chunks[j].X = (double *)sec;
		cs->chunks[j].n = rows;
		cs->n_chunks = j + 1;
		for (size_t q = 0; q < rows * d; q++)
			if (!isfinite(cs->chunks[j].X[q]))
				return mc_error_set(err, MC_ERR_PARSE, "%s: section FEAT %zu: sample %zu, "
				                    "feature %zu is %g, expected a finite number", r->path, j,
				                    j * chunk + q / d, q % d, cs->chunks[j].X[q]);
	}
	return 0;
}

/* A section of exactly len bytes, into *out (caller frees). */
static int s_load_array(s_reader *r, const char tag[4], size_t len, void **out, mc_error *err)
{
	unsigned char *sec = NULL;
	size_t got;
	int rc = s_read_section(r, tag, &sec, &got, (uint64_t)len, err);

	if (rc)
		return rc;
	if (got != len) {
		free(sec);
		return mc_error_set(err, MC_ERR_PARSE, "%s: section %.4s is %zu bytes, expected %zu",
		                    r->path, tag, got, len);
	}
	*out = sec;
	return 0;
}

/* The per-sample sections LABL, WGHT, SEEN, SENS: every label in 0..K-1,
 * every weight and importance finite and >= 0. */
static int s_load_samples(s_reader *r, mc_coreset *cs, size_t n, mc_error *err)
{
	int rc = s_load_array(r, "LABL", n * sizeof(int64_t), (void **)&cs->y, err);

	if (rc == 0)
		rc = s_load_array(r, "WGHT", n * sizeof(double), (void **)&cs->w, err);
	if (rc == 0)
		rc = s_load_array(r, "SEEN", n, (void **)&cs->seen, err);
	if (rc == 0)
		rc = s_load_array(r, "SENS", n * sizeof(double), (void **)&cs->sens, err);
	if (rc)
		return rc;
	cs->n = n;
	cs->cap = n;
	for (size_t i = 0; i < n; i++) {
		if (cs->y[i] < 0 || (size_t)cs->y[i] >= cs->K || !isfinite(cs->w[i]) || cs->w[i] < 0 ||
		    !isfinite(cs->sens[i]) || cs->sens[i] < 0)
			return mc_error_set(err, MC_ERR_PARSE, "%s: sample %zu: label %lld, weight %g or "
			                    "importance %g out of range (labels 0..%zu, finite weights "
			                    "and importances >= 0)", r->path, i, (long long)cs->y[i],
			                    cs->w[i], cs->sens[i], cs->K - 1);
		cs->seen[i] = cs->seen[i] ? 1 : 0;
	}
	return 0;
}

/* The sections after the samples: TREE, NAME (version 2), END. */
static int s_load_tail(s_reader *r, mc_coreset *cs, uint32_t version, size_t nch,
                       mc_error *err)
{
	unsigned char *sec = NULL;
	size_t len;
	int rc;

	rc = s_read_section(r, "TREE", &sec, &len, (uint64_t)1 << 40, err);
	if (rc == 0)
		rc = s_parse_tree(cs, sec, len, nch, r->path, err);
	free(sec);
	sec = NULL;
	if (rc == 0 && version >= 2) {
		rc = s_read_section(r, "NAME", &sec, &len, (size_t)1 << 30, err);
		if (rc == 0)
			rc = s_parse_names(cs, sec, len, r->path, err);
		free(sec);
		sec = NULL;
	}
	if (rc == 0)
		rc = s_read_section(r, "END.", &sec, &len, 0, err);
	free(sec);
	return rc;
}

int mc_coreset_load(mc_coreset **out, const char *path, mc_error *err)
{
	s_reader r = { NULL, path, 0 };
	mc_coreset *cs = NULL;
	mc_coreset_params p;
	s_sizes z = { 0, 0, 0, 0, 0 };
	uint32_t version = 0;
	size_t nch;
	int rc;

	*out = NULL;
	r.fp = fopen(path, "rb");
	if (r.fp == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	rc = s_load_head(&r, &version, err);
	if (rc == 0)
		rc = s_load_params(&r, &p, &z, err);
	if (rc == 0) {
		rc = mc_coreset_new(&cs, &p, err);
		if (rc)
			mc_error_prefix(err, "%s: section PARM", path);
	}
	if (rc)
		goto cleanup;
	cs->d = z.d;
	cs->K = z.K;
	cs->chunk = z.chunk;
	cs->csize = z.csize;
	nch = z.n / z.chunk + (z.n % z.chunk != 0);
	rc = s_load_features(&r, cs, z.n, nch, err);
	if (rc == 0)
		rc = s_load_samples(&r, cs, z.n, err);
	if (rc == 0)
		rc = s_load_tail(&r, cs, version, nch, err);
	if (rc)
		goto cleanup;
	fclose(r.fp);
	*out = cs;
	return 0;
cleanup:
	fclose(r.fp);
	mc_coreset_free(cs);
	return rc;
}
