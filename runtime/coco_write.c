/* This module implements mc_coco_write (coco.h): export of a COCO dataset
 * with corrected labels, streamed from the original file so that every
 * byte outside the changed category ids and the removed annotations is kept. */
#include "coco_internal.h"

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

typedef struct s_out {
	FILE *f;
	const char *path;
	mc_error *err;
} s_out;

static int s_put(s_out *o, const char *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, o->f) != n)
		return mc_error_set(o->err, MC_ERR_IO, "%s: cannot write: %s", o->path,
		                    strerror(errno));
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
	/* An element read by Jansson: patch the value and write it out again. */
	v = json_loadb(elem, r->file_len, 0, NULL);
	if (!json_is_object(v) || json_object_set_new(v, "category_id", json_integer(cat_id)) < 0) {
		json_decref(v);
		return mc_error_set(o->err, MC_ERR_IO, "%s: annotation %lld is no longer where it "
		                    "was: the file changed", ds->path, (long long)r->id);
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
				madvise((void *)(base + dropped), upto - dropped, MADV_DONTNEED);
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
	char *tmp = NULL;
	void *map = MAP_FAILED;
	int fd = -1, tfd = -1, rc = 0;
	s_out o = { NULL, path, err };
	size_t n;

	if (s_check_args(ds, labels, weights, err) < 0 || mc_coco_check_unchanged(ds, err) < 0)
		return err->code;
	fd = open(ds->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", ds->path, strerror(errno));
	map = mmap(NULL, (size_t)ds->file_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", ds->path, strerror(errno));
		goto cleanup;
	}
	madvise(map, (size_t)ds->file_size, MADV_SEQUENTIAL);

	n = strlen(path) + 16;
	tmp = malloc(n);
	if (tmp == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	snprintf(tmp, n, "%s.tmpXXXXXX", path);
	tfd = mkstemp(tmp);
	if (tfd < 0 || (o.f = fdopen(tfd, "w")) == NULL) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
		if (tfd >= 0)
			close(tfd);
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	fchmod(tfd, 0644);
	rc = s_stream(&o, ds, map, labels, weights, progress);
	if (fclose(o.f) != 0 && rc == 0)
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
	if (rc == 0 && rename(tmp, path) != 0)
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
cleanup:
	free(tmp);
	if (map != MAP_FAILED)
		munmap(map, (size_t)ds->file_size);
	close(fd);
	return rc;
}
