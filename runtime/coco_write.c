/* This module implements mc_coco_write (coco.h): export of a COCO dataset
 * with corrected labels, streamed from the original file so that every
 * byte outside the changed category ids and the removed annotations is kept,
 * into an atomic file (maskclean/atomic_file.h). */
#include "coco_internal.h"
#include "maskclean/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_BUF ((size_t)1 << 16)

/* The output: the atomic file behind a buffer (an export writes each
 * annotation in a few pieces). */
typedef struct s_out {
	mc_atomic_file *f;
	char *buf;
	size_t len;
	mc_error *err;
} s_out;

static int s_flush(s_out *o)
{
	int rc = o->len > 0 ? mc_atomic_file_write(o->f, o->buf, o->len, o->err) : 0;

	o->len = 0;
	return rc;
}

static int s_put(s_out *o, const char *p, size_t n)
{
	if (o->len + n > S_BUF && s_flush(o) < 0)
		return o->err->code;
	if (n >= S_BUF)
		return mc_atomic_file_write(o->f, p, n, o->err);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static int s_check_args(const mc_coco *ds, const int64_t *labels, const double *weights,
                        mc_error *err)
{
	size_t i;

	for (i = 0; labels != NULL && i < ds->n_inst; i++)
		if (labels[i] < 0 || (uint64_t)labels[i] >= ds->n_cats)
			return mc_error_set(err, MC_ERR_INVALID, "export: labels[%zu] is %lld, expected a "
			                    "class index 0..%zu", i, (long long)labels[i],
			                    ds->n_cats - 1);
	for (i = 0; weights != NULL && i < ds->n_inst; i++)
		if (!isfinite(weights[i]) || weights[i] < 0)
			return mc_error_set(err, MC_ERR_INVALID, "export: weights[%zu] is %g, expected a "
			                    "finite weight >= 0 (0 removes the instance)", i, weights[i]);
	return 0;
}

/* Writes annotation element a with category_id set to cat_id. */
static int s_put_relabeled(s_out *o, const mc_coco *ds, const char *elem,
                           const mc_coco_ann_rec *r, int64_t cat_id)
{
	char num[32];
	int n = snprintf(num, sizeof num, "%" PRId64, cat_id);
	json_t *v;
	char *text;
	int rc;

	if (r->cat_len > 0) {
		if (s_put(o, elem, r->cat_off) < 0 || s_put(o, num, (size_t)n) < 0)
			return o->err->code;
		return s_put(o, elem + r->cat_off + r->cat_len,
		             r->file_len - r->cat_off - r->cat_len);
	}
	/* An element read by Jansson: patch the value and write it out again.
	 * The file's content was checked (it parsed at load): a failure here is
	 * Jansson running out of memory, which its lexer may word as a syntax
	 * error. */
	v = json_loadb(elem, r->file_len, 0, NULL);
	if (v == NULL)
		return mc_error_set(o->err, MC_ERR_NOMEM, "%s: out of memory", ds->path);
	if (!json_is_object(v)) {
		json_decref(v);
		return mc_error_set(o->err, MC_ERR_IO, "%s: annotation %lld is no longer where it "
		                    "was: the file changed", ds->path, (long long)r->id);
	}
	if (json_object_set_new(v, "category_id", json_integer(cat_id)) < 0) {
		json_decref(v);
		return mc_error_set(o->err, MC_ERR_NOMEM, "%s: out of memory", ds->path);
	}
	text = json_dumps(v, JSON_REAL_PRECISION(17));
	json_decref(v);
	if (text == NULL)
		return mc_error_set(o->err, MC_ERR_NOMEM, "out of memory");
	rc = s_put(o, text, strlen(text));
	free(text);
	return rc;
}

static int s_stream(s_out *o, const mc_coco *ds, const char *base, const int64_t *labels,
                    const double *weights, const mc_progress *progress)
{
	size_t a, written = 0, page = (size_t)sysconf(_SC_PAGESIZE), dropped = 0;
	uint64_t prev_end = ds->ann_open;

	if (ds->n_anns == 0)
		return s_put(o, base, (size_t)ds->file_size);
	if (s_put(o, base, ds->ann_open) < 0)
		return o->err->code;
	for (a = 0; a < ds->n_anns; a++) {
		const mc_coco_ann_rec *r = &ds->anns[a];
		const char *elem = base + r->file_off;
		size_t inst = ds->ann_inst[a];
		int64_t cat = r->category_id;

		if ((a & 4095) == 4095) {
			if (mc_progress_report(progress, a, ds->n_anns, "exporting"))
				return mc_error_set(o->err, MC_ERR_INTERRUPTED, "interrupted");
			/* Give back the pages of the input already copied. */
			if (prev_end > dropped + ((size_t)32 << 20)) {
				size_t upto = (size_t)prev_end - (size_t)prev_end % page;
				mc_coco_drop_pages(base + dropped, upto - dropped);
				dropped = upto;
			}
		}
		if (elem[0] != '{' || elem[r->file_len - 1] != '}')
			return mc_error_set(o->err, MC_ERR_IO, "%s: annotation %lld is no longer where "
			                    "it was: the file changed", ds->path, (long long)r->id);
		if (inst != MC_COCO_NONE && weights != NULL && weights[inst] == 0) {
			prev_end = r->file_off + r->file_len;
			continue;
		}
		/* The separator: the original text before this element, or, for the
		 * first one written, the text after '['. */
		if (written == 0) {
			if (s_put(o, base + ds->ann_open, ds->anns[0].file_off - ds->ann_open) < 0)
				return o->err->code;
		} else if (s_put(o, base + prev_end, r->file_off - prev_end) < 0) {
			return o->err->code;
		}
		if (inst != MC_COCO_NONE && labels != NULL)
			cat = ds->cats[labels[inst]].id;
		if (cat != r->category_id) {
			if (s_put_relabeled(o, ds, elem, r, cat) < 0)
				return o->err->code;
		} else if (s_put(o, elem, r->file_len) < 0) {
			return o->err->code;
		}
		written++;
		prev_end = r->file_off + r->file_len;
	}
	{
		const mc_coco_ann_rec *last = &ds->anns[ds->n_anns - 1];
		uint64_t tail = last->file_off + last->file_len;
		if (written > 0 && s_put(o, base + tail, ds->ann_close - tail) < 0)
			return o->err->code;
	}
	return s_put(o, base + ds->ann_close, (size_t)ds->file_size - ds->ann_close);
}

int mc_coco_write(const mc_coco *ds, const char *path, const int64_t *labels,
                  const double *weights, const mc_progress *progress, mc_error *err)
{
	void *map = MAP_FAILED;
	unsigned char sum[32];
	struct stat st;
	int fd = -1, rc = 0;
	s_out o = { NULL, NULL, 0, err };

	if (s_check_args(ds, labels, weights, err) < 0)
		return err->code;
	fd = open(ds->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read the original file again: %s",
		                  ds->path, strerror(errno));
		goto cleanup;
	}
	/* The export streams the original text: it must be what was loaded
	 * (the content, whatever the file's dates). */
	if (st.st_size != ds->file_size)
		goto changed;
	map = mmap(NULL, (size_t)ds->file_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", ds->path, strerror(errno));
		goto cleanup;
	}
	if (mc_coco_hash_map(sum, map, (size_t)ds->file_size) != 0) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", ds->path);
		goto cleanup;
	}
	if (memcmp(sum, ds->file_sha256, sizeof sum) != 0)
		goto changed;
	madvise(map, (size_t)ds->file_size, MADV_SEQUENTIAL);
	o.buf = malloc(S_BUF);
	if (o.buf == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	if ((rc = mc_atomic_file_open(&o.f, path, err)) != 0)
		goto cleanup;
	rc = s_stream(&o, ds, map, labels, weights, progress);
	if (rc == 0)
		rc = s_flush(&o);
	if (rc == 0)
		rc = mc_atomic_file_commit(o.f, err);
	else
		mc_atomic_file_abort(o.f);
	goto cleanup;
changed:
	rc = mc_error_set(err, MC_ERR_IO, "%s: the file changed since it was loaded (its content "
	                  "is not the same); load it again", ds->path);
cleanup:
	free(o.buf);
	if (map != MAP_FAILED)
		munmap(map, (size_t)ds->file_size);
	if (fd >= 0)
		close(fd);
	return rc;
}
