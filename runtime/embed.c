/* This module implements the embedding of instances: the built-in one
 * (masked crop, exact area-averaged resize, and the pixels / HOG / colour /
 * shape blocks) and a CNN's (the article's isolated instance, normalised, run
 * through an ONNX model by maskclean/cnn.h), image by image on worker
 * threads. */
#include "maskclean/embed.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskclean/cnn.h"
#include "maskclean/coco.h"
#include "maskclean/image.h"
#include "maskclean/npy.h"
#include "maskclean/pool.h"
#include "maskclean/rle.h"

#define S_HOG_CELLS 4
#define S_HOG_BINS 9
#define S_COLOR_BINS 8

int mc_embed_method_parse(mc_embed_method *method, const char *name, mc_error *err)
{
	if (strcmp(name, "hog") == 0)
		*method = MC_EMBED_HOG;
	else if (strcmp(name, "pixels") == 0)
		*method = MC_EMBED_PIXELS;
	else
		return mc_error_set(err, MC_ERR_INVALID,
		                    "embed: unknown method '%s'; expected 'hog' or 'pixels'", name);
	return 0;
}

size_t mc_embed_dim(int size, mc_embed_method method)
{
	size_t s = (size_t)size;

	if (size < 8 || size > 256 || size % 4 != 0)
		return 0;
	if (method == MC_EMBED_PIXELS)
		return s * s;
	return s * s / 4 + S_HOG_CELLS * S_HOG_CELLS * S_HOG_BINS + 3 * S_COLOR_BINS + s * s / 16;
}

/* Integral image I of n planes over a (cw+1) x (ch+1) grid: I[p][y][x] is the
 * sum of plane p over [0,x) x [0,y). */
typedef struct s_integral {
	int cw, ch, planes;
	double *v;
} s_integral;

static double s_iat(const s_integral *in, int p, int x, int y)
{
	return in->v[((size_t)p * (size_t)(in->ch + 1) + (size_t)y) * (size_t)(in->cw + 1) + (size_t)x];
}

/* The integral of plane p over [0,x) x [0,y) for real x in [0,cw], y in
 * [0,ch]: bilinear in the integer grid, which is exact for a piecewise
 * constant image. */
static double s_ifrac(const s_integral *in, int p, double x, double y)
{
	int x0, y0;
	double fx, fy, a, b, c, d;

	if (x <= 0 || y <= 0)
		return 0;
	if (x > in->cw)
		x = in->cw;
	if (y > in->ch)
		y = in->ch;
	x0 = (int)floor(x);
	y0 = (int)floor(y);
	if (x0 >= in->cw)
		x0 = in->cw - 1;
	if (y0 >= in->ch)
		y0 = in->ch - 1;
	fx = x - x0;
	fy = y - y0;
	a = s_iat(in, p, x0, y0);
	b = s_iat(in, p, x0 + 1, y0);
	c = s_iat(in, p, x0, y0 + 1);
	d = s_iat(in, p, x0 + 1, y0 + 1);
	return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy;
}

static double s_irect(const s_integral *in, int p, double x0, double y0, double x1, double y1)
{
	return s_ifrac(in, p, x1, y1) - s_ifrac(in, p, x0, y1) - s_ifrac(in, p, x1, y0) +
	       s_ifrac(in, p, x0, y0);
}

static void s_l2(double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i] * v[i];
	if (s <= 0)
		return;
	s = 1.0 / sqrt(s);
	for (i = 0; i < n; i++)
		v[i] *= s;
}

/* Averages an s x s plane down by factor f into out ((s/f)^2). */
static void s_pool(double *out, const double *in, int s, int f)
{
	int o = s / f, x, y, i, j;

	for (y = 0; y < o; y++)
		for (x = 0; x < o; x++) {
			double sum = 0;
			for (j = 0; j < f; j++)
				for (i = 0; i < f; i++)
					sum += in[(y * f + j) * s + x * f + i];
			out[y * o + x] = sum / (f * f);
		}
}

static void s_hog(double *out, const double *g, int s)
{
	const int nb = S_HOG_BINS, cells = S_HOG_CELLS, cs = s / S_HOG_CELLS;
	int x, y, i, n = cells * cells * nb;

	memset(out, 0, (size_t)n * sizeof *out);
	for (y = 0; y < s; y++) {
		for (x = 0; x < s; x++) {
			double gx = g[y * s + (x + 1 < s ? x + 1 : x)] - g[y * s + (x > 0 ? x - 1 : x)];
			double gy = g[(y + 1 < s ? y + 1 : y) * s + x] - g[(y > 0 ? y - 1 : y) * s + x];
			double mag = sqrt(gx * gx + gy * gy), ang, pos, frac;
			int b0, b1;
			double *cell;

			if (mag <= 0)
				continue;
			ang = atan2(gy, gx);           /* -pi..pi */
			if (ang < 0)
				ang += M_PI;           /* unsigned: 0..pi */
			if (ang >= M_PI)
				ang -= M_PI;
			pos = ang / M_PI * nb - 0.5;   /* bin centres at (b + 0.5) * 20 degrees */
			b0 = (int)floor(pos);
			frac = pos - b0;
			b1 = b0 + 1;
			b0 = (b0 + nb) % nb;
			b1 = b1 % nb;
			cell = out + ((y / cs) * cells + x / cs) * nb;
			cell[b0] += mag * (1 - frac);
			cell[b1] += mag * frac;
		}
	}
	s_l2(out, (size_t)n);
	for (i = 0; i < n; i++)
		if (out[i] > 0.2)
			out[i] = 0.2;
	s_l2(out, (size_t)n);
}

int mc_embed_instance(double *out, const uint8_t *px, int w, int h, int channels,
                      const uint8_t *mask, const double bbox[4], int size,
                      mc_embed_method method, mc_error *err)
{
	size_t dim = mc_embed_dim(size, method), npix, k;
	s_integral in = { 0, 0, 0, NULL };
	double *gray = NULL, *rgb = NULL, *cov = NULL, bx0, by0, bx1, by1, side, cell, ox, oy;
	int x0, y0, x1, y1, x, y, c, rc = 0;

	if (dim == 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "embed: size %d is not supported; expected a multiple of 4 in 8..256",
		                    size);
	if (channels != 1 && channels != 3)
		return mc_error_set(err, MC_ERR_INVALID, "embed: %d channels; expected 1 or 3",
		                    channels);
	if (w <= 0 || h <= 0)
		return mc_error_set(err, MC_ERR_INVALID, "embed: image is %dx%d", w, h);
	memset(out, 0, dim * sizeof *out);
	if (!isfinite(bbox[0]) || !isfinite(bbox[1]) || !isfinite(bbox[2]) || !isfinite(bbox[3]))
		return 0;
	/* The box clipped to the image, in real coordinates, and its pixel span. */
	bx0 = fmax(bbox[0], 0);
	by0 = fmax(bbox[1], 0);
	bx1 = fmin(bbox[0] + bbox[2], w);
	by1 = fmin(bbox[1] + bbox[3], h);
	if (!(bx1 > bx0) || !(by1 > by0))
		return 0;
	x0 = (int)floor(bx0);
	y0 = (int)floor(by0);
	x1 = (int)ceil(bx1);
	y1 = (int)ceil(by1);
	in.cw = x1 - x0;
	in.ch = y1 - y0;
	in.planes = 4;   /* mask, R*mask, G*mask, B*mask (gray: three times gray) */
	npix = (size_t)size * (size_t)size;
	in.v = calloc((size_t)in.planes * (size_t)(in.cw + 1) * (size_t)(in.ch + 1), sizeof(double));
	gray = calloc(npix, sizeof *gray);
	rgb = malloc(3 * npix * sizeof *rgb);
	cov = malloc(npix * sizeof *cov);
	if (in.v == NULL || gray == NULL || rgb == NULL || cov == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "embed: out of memory for a %dx%d crop", in.cw,
		                  in.ch);
		goto cleanup;
	}
	for (y = 0; y < in.ch; y++) {
		for (x = 0; x < in.cw; x++) {
			size_t src = (size_t)(y0 + y) * (size_t)w + (size_t)(x0 + x);
			double m = mask[src] ? 1.0 : 0.0, v[4];
			const uint8_t *p = px + src * (size_t)channels;
			int p_;

			v[0] = m;
			for (c = 0; c < 3; c++)
				v[1 + c] = m * p[channels == 3 ? c : 0] / 255.0;
			for (p_ = 0; p_ < in.planes; p_++) {
				size_t row = (size_t)p_ * (size_t)(in.ch + 1);
				size_t W = (size_t)(in.cw + 1);
				in.v[(row + (size_t)y + 1) * W + (size_t)x + 1] =
					v[p_] + in.v[(row + (size_t)y) * W + (size_t)x + 1] +
					in.v[(row + (size_t)y + 1) * W + (size_t)x] -
					in.v[(row + (size_t)y) * W + (size_t)x];
			}
		}
	}
	/* The source square: side = the longer edge of the box, centred on it. */
	side = fmax(bx1 - bx0, by1 - by0);
	cell = side / size;
	ox = (bx0 + bx1) / 2 - side / 2 - x0;
	oy = (by0 + by1) / 2 - side / 2 - y0;
	for (y = 0; y < size; y++) {
		for (x = 0; x < size; x++) {
			double sx0 = ox + x * cell, sy0 = oy + y * cell;
			double sx1 = sx0 + cell, sy1 = sy0 + cell, area = cell * cell;
			double lx0 = fmax(sx0, bx0 - x0), ly0 = fmax(sy0, by0 - y0);
			double lx1 = fmin(sx1, bx1 - x0), ly1 = fmin(sy1, by1 - y0);
			size_t o = (size_t)y * (size_t)size + (size_t)x;

			cov[o] = 0;
			for (c = 0; c < 3; c++)
				rgb[c * npix + o] = 0;
			if (lx1 > lx0 && ly1 > ly0) {
				cov[o] = s_irect(&in, 0, lx0, ly0, lx1, ly1) / area;
				for (c = 0; c < 3; c++)
					rgb[c * npix + o] = s_irect(&in, 1 + c, lx0, ly0, lx1, ly1) / area;
			}
			/* Rounding in the integral can leave tiny negatives. */
			if (cov[o] < 1e-12)
				cov[o] = 0;
			for (c = 0; c < 3; c++)
				if (rgb[c * npix + o] < 1e-12)
					rgb[c * npix + o] = 0;
			gray[o] = 0.299 * rgb[o] + 0.587 * rgb[npix + o] + 0.114 * rgb[2 * npix + o];
		}
	}
	if (method == MC_EMBED_PIXELS) {
		memcpy(out, gray, npix * sizeof *out);
		s_l2(out, npix);
		goto cleanup;
	}
	/* 1. pixels at S/2 */
	s_pool(out, gray, size, 2);
	s_l2(out, npix / 4);
	out += npix / 4;
	/* 2. HOG */
	s_hog(out, gray, size);
	out += S_HOG_CELLS * S_HOG_CELLS * S_HOG_BINS;
	/* 3. colour of the object's own pixels (unmasked mean), weighted by coverage */
	for (k = 0; k < npix; k++) {
		if (cov[k] < 0.5)
			continue;
		for (c = 0; c < 3; c++) {
			double v = rgb[c * npix + k] / cov[k];
			int b = (int)(v * S_COLOR_BINS);
			if (b >= S_COLOR_BINS)
				b = S_COLOR_BINS - 1;
			if (b < 0)
				b = 0;
			out[c * S_COLOR_BINS + b] += cov[k];
		}
	}
	s_l2(out, 3 * S_COLOR_BINS);
	out += 3 * S_COLOR_BINS;
	/* 4. shape */
	s_pool(out, cov, size, 4);
	s_l2(out, npix / 16);
cleanup:
	free(in.v);
	free(gray);
	free(rgb);
	free(cov);
	return rc;
}

/* ---- a whole dataset, image by image, on worker threads */

/* What a walk over the images does with them: start gives a worker its
 * state (reporter: the calling thread's), instance handles one kept instance
 * of a loaded image, flush ends a worker's pending work after its last
 * image, finish frees the state (also after a failure). done counts the
 * instances whose rows are complete. */
typedef struct s_walk_ops {
	int (*start)(void *ctx, int reporter, void **state, mc_error *err);
	int (*instance)(void *ctx, void *state, size_t instance, const mc_image *im,
	                const mc_rle *rle, size_t *done, mc_error *err);
	int (*flush)(void *ctx, void *state, size_t *done, mc_error *err);
	void (*finish)(void *state);
} s_walk_ops;

typedef struct s_job {
	const mc_coco *ds;
	const char *images_dir;
	const s_walk_ops *ops;
	void *ctx;
	const char *what;         /* the progress label */
	atomic_size_t next_img;
	atomic_size_t done;       /* instances embedded */
	const mc_progress *p;     /* the caller's callback, for worker 0 */
	atomic_size_t finished;   /* workers other than worker 0 done */
	atomic_int stop;
	pthread_mutex_t lock;
	size_t err_img;           /* the failing image with the lowest index */
	mc_error err;
	int rc;
} s_job;

static void s_fail(s_job *job, size_t img, const mc_error *e)
{
	pthread_mutex_lock(&job->lock);
	/* A rasteriser stopped because the job stopped keeps the first reason. */
	if (job->rc == 0 || (img < job->err_img && e->code != MC_ERR_INTERRUPTED)) {
		job->err_img = img;
		job->err = *e;
		job->rc = e->code != 0 ? e->code : MC_ERR_INVALID;
	}
	pthread_mutex_unlock(&job->lock);
	atomic_store(&job->stop, 1);
}

/* Asks the progress callback (the reporter only) and the other workers
 * whether to go on; 0 to go on. */
static int s_keep_going(s_job *job, const mc_progress *p, mc_error *err)
{
	if (atomic_load(&job->stop))
		return MC_ERR_INTERRUPTED;
	if (p != NULL && mc_progress_report(p, atomic_load(&job->done),
	                                    mc_coco_n_instances(job->ds), job->what) != 0)
		return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
	return 0;
}

/* Polled while a mask is rasterised: stops when the job stops; the
 * reporting thread also asks the caller's callback (p, may be NULL), with
 * the job's own figures. */
typedef struct s_poll {
	s_job *job;
	const mc_progress *p;
} s_poll;

static int s_poll_fn(void *ctx, size_t done, size_t total, const char *what)
{
	s_poll *q = ctx;

	(void)done;
	(void)total;
	(void)what;
	if (atomic_load(&q->job->stop))
		return 1;
	if (mc_progress_report(q->p, atomic_load(&q->job->done), mc_coco_n_instances(q->job->ds),
	                       q->job->what) != 0)
		return 1;
	return 0;
}

/* Loads image img once and hands each of its kept instances to the job,
 * checking for a stop after each (p: the reporter's callback, or NULL;
 * poll: handed to the rasteriser). */
static int s_walk_image(s_job *job, void *state, size_t img, const mc_progress *p,
                        const mc_progress *poll, mc_error *err)
{
	const mc_coco *ds = job->ds;
	mc_coco_img info;
	const size_t *anns;
	size_t n, j, count = 0;
	char *path = NULL;
	mc_image *im = NULL;
	int rc = 0;

	anns = mc_coco_image_annotations(ds, img, &n);
	for (j = 0; j < n; j++) {
		mc_coco_ann a;
		mc_coco_annotation(ds, anns[j], &a);
		if (a.instance != (size_t)-1)
			count++;
	}
	if (count == 0)
		return 0;
	mc_coco_image(ds, img, &info);
	if (job->images_dir != NULL) {
		size_t len = strlen(job->images_dir) + strlen(info.file_name) + 2;
		path = malloc(len);
		if (path == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "embed: out of memory");
		snprintf(path, len, "%s/%s", job->images_dir, info.file_name);
	} else {
		rc = mc_coco_image_path(&path, ds, img, err);
		if (rc != 0)
			return rc;
	}
	rc = mc_image_load(&im, path, err);
	if (rc != 0) {
		mc_error_prefix(err, "%s: image %lld", mc_coco_file_name(ds), (long long)info.id);
		goto cleanup;
	}
	if ((uint32_t)im->width != info.width || (uint32_t)im->height != info.height) {
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s: image %lld: %s is %dx%d, the annotations say %ux%u",
		                  mc_coco_file_name(ds), (long long)info.id, path, im->width,
		                  im->height, info.width, info.height);
		goto cleanup;
	}
	for (j = 0; j < n && rc == 0; j++) {
		mc_coco_ann a;
		mc_rle *rle = NULL;
		size_t done = 0;

		mc_coco_annotation(ds, anns[j], &a);
		if (a.instance == (size_t)-1)
			continue;
		rc = mc_coco_annotation_rle(&rle, ds, anns[j], poll, err);
		if (rc != 0)
			break;
		if (rle->h != (uint32_t)im->height || rle->w != (uint32_t)im->width)
			rc = mc_error_set(err, MC_ERR_SHAPE,
			                  "%s: annotation %lld: mask is %ux%u, image %s is %dx%d",
			                  mc_coco_file_name(ds), (long long)a.id, rle->w, rle->h, path,
			                  im->width, im->height);
		else
			rc = job->ops->instance(job->ctx, state, a.instance, im, rle, &done, err);
		mc_rle_free(rle);
		atomic_fetch_add(&job->done, done);
		if (rc == 0)
			rc = s_keep_going(job, p, err);
	}
cleanup:
	mc_image_free(im);
	free(path);
	return rc;
}

/* One worker: images in turn until none is left or the job stops. The
 * reporter (the calling thread) passes p and stops the job when the
 * progress callback asks. */
static void s_work(s_job *job, const mc_progress *p, int reporter)
{
	size_t n_img = mc_coco_n_images(job->ds), img = 0, done = 0;
	void *state = NULL;
	s_poll q = { job, p };
	mc_progress poll = { s_poll_fn, &q };
	mc_error err;
	int rc;

	mc_error_clear(&err);
	if (job->ops->start(job->ctx, reporter, &state, &err) != 0) {
		s_fail(job, 0, &err);
		return;
	}
	for (;;) {
		img = atomic_fetch_add(&job->next_img, 1);
		if (img >= n_img)
			break;
		rc = s_walk_image(job, state, img, p, &poll, &err);
		if (rc == 0)
			rc = s_keep_going(job, p, &err);
		if (rc != 0) {
			/* A worker that only saw another's stop (possibly through the
			 * rasteriser's poll) leaves the error to it. */
			if (err.code != MC_OK &&
			    !(err.code == MC_ERR_INTERRUPTED && atomic_load(&job->stop)))
				s_fail(job, err.code == MC_ERR_INTERRUPTED ? 0 : img, &err);
			break;
		}
	}
	if (!atomic_load(&job->stop)) {
		if (job->ops->flush(job->ctx, state, &done, &err) != 0)
			s_fail(job, img, &err);
		atomic_fetch_add(&job->done, done);
	}
	job->ops->finish(state);
}

/* A pool worker (pool.h). Worker 0, on the calling thread, reports; its own
 * share done, it keeps asking the progress callback while the others
 * finish theirs, so an interrupt is still seen within a second. */
static void s_worker(void *ctx, size_t worker, size_t workers)
{
	s_job *job = ctx;

	if (worker != 0) {
		s_work(job, NULL, 0);
		atomic_fetch_add(&job->finished, 1);
		return;
	}
	s_work(job, job->p, 1);
	while (atomic_load(&job->finished) + 1 < workers && !atomic_load(&job->stop)) {
		struct timespec nap = { 0, 50 * 1000 * 1000 };
		mc_error e;

		mc_error_clear(&e);
		if (s_keep_going(job, job->p, &e) != 0) {
			s_fail(job, 0, &e);
			break;
		}
		nanosleep(&nap, NULL);
	}
}

/* Runs the job on up to threads workers (pool.h), the calling thread one
 * of them. */
static int s_walk(const mc_coco *ds, const char *images_dir, const s_walk_ops *ops, void *ctx,
                  size_t threads, const char *what, const mc_progress *p, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds), n_img = mc_coco_n_images(ds);
	s_job job;

	memset(&job, 0, sizeof job);
	job.ds = ds;
	job.images_dir = images_dir;
	job.ops = ops;
	job.ctx = ctx;
	job.what = what;
	job.p = p;
	atomic_init(&job.next_img, 0);
	atomic_init(&job.done, 0);
	atomic_init(&job.finished, 0);
	atomic_init(&job.stop, 0);
	pthread_mutex_init(&job.lock, NULL);
	mc_error_clear(&job.err);
	if (threads > n_img)
		threads = n_img > 0 ? n_img : 1;
	if (mc_progress_report(p, 0, n, what) != 0) {
		mc_error_set(&job.err, MC_ERR_INTERRUPTED, "interrupted");
		job.rc = MC_ERR_INTERRUPTED;
	} else {
		mc_pool_run(threads, s_worker, &job);
	}
	pthread_mutex_destroy(&job.lock);
	if (job.rc != 0)
		return mc_error_set(err, job.rc, "%s", job.err.text);
	mc_progress_report(p, n, n, what);
	return 0;
}

/* ---- the built-in descriptor */

typedef struct s_hog_ctx {
	int size;
	mc_embed_method method;
	mc_matrix *out;
} s_hog_ctx;

typedef struct s_hog_state {
	uint8_t *mask;
	size_t cap;
} s_hog_state;

static int s_hog_start(void *ctx, int reporter, void **state, mc_error *err)
{
	(void)ctx;
	(void)reporter;
	*state = calloc(1, sizeof(s_hog_state));
	return *state != NULL ? 0 : mc_error_set(err, MC_ERR_NOMEM, "embed: out of memory");
}

static int s_hog_instance(void *ctx, void *state, size_t instance, const mc_image *im,
                          const mc_rle *rle, size_t *done, mc_error *err)
{
	s_hog_ctx *c = ctx;
	s_hog_state *st = state;
	size_t npix = (size_t)im->width * (size_t)im->height;
	double bbox[4];
	int rc;

	if (npix > st->cap) {
		uint8_t *m = realloc(st->mask, npix);
		if (m == NULL)
			return mc_error_set(err, MC_ERR_NOMEM, "embed: out of memory");
		st->mask = m;
		st->cap = npix;
	}
	mc_rle_decode_rowmajor(rle, st->mask);
	mc_rle_bbox(rle, bbox);
	rc = mc_embed_instance(c->out->data + instance * c->out->stride, im->pixels, im->width,
	                       im->height, im->channels, st->mask, bbox, c->size, c->method, err);
	if (rc == 0)
		++*done;
	return rc;
}

static int s_hog_flush(void *ctx, void *state, size_t *done, mc_error *err)
{
	(void)ctx;
	(void)state;
	(void)done;
	(void)err;
	return 0;
}

static void s_hog_finish(void *state)
{
	s_hog_state *st = state;

	if (st != NULL)
		free(st->mask);
	free(st);
}

static const s_walk_ops s_hog_ops = { s_hog_start, s_hog_instance, s_hog_flush, s_hog_finish };

int mc_embed_dataset(mc_matrix **out, const mc_coco *ds, const char *images_dir, int size,
                     mc_embed_method method, const mc_progress *p, mc_error *err)
{
	size_t dim = mc_embed_dim(size, method), n = mc_coco_n_instances(ds);
	s_hog_ctx ctx;
	mc_matrix *m = NULL;
	int rc;

	*out = NULL;
	if (dim == 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "embed: size %d is not supported; expected a multiple of 4 in 8..256",
		                    size);
	rc = mc_matrix_new(&m, n, dim, err);
	if (rc != 0)
		return rc;
	ctx.size = size;
	ctx.method = method;
	ctx.out = m;
	rc = s_walk(ds, images_dir, &s_hog_ops, &ctx, mc_pool_threads(), "embedding instances", p, err);
	if (rc != 0) {
		mc_matrix_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* ---- a CNN (an ONNX model run by OpenCV) */

void mc_embed_cnn_opts_init(mc_embed_cnn_opts *o)
{
	/* ImageNet's normalisation, which torchvision's models expect */
	*o = (mc_embed_cnn_opts){ .size = 224, .mean = { 0.485, 0.456, 0.406 },
	                          .std = { 0.229, 0.224, 0.225 }, .batch = MC_EMBED_CNN_BATCH };
}

static int s_check_norm(const double mean[3], const double std[3], mc_error *err)
{
	int c;

	for (c = 0; c < 3; c++)
		if (!isfinite(mean[c]) || !isfinite(std[c]) || !(std[c] > 0))
			return mc_error_set(err, MC_ERR_INVALID,
			                    "embed: mean %g and std %g of channel %d; expected finite "
			                    "numbers and std > 0", mean[c], std[c], c);
	return 0;
}

/* lut[c][v]: pixel value v of channel c, scaled to [0, 1] and normalised. */
static void s_norm_lut(float lut[3][256], const double mean[3], const double std[3])
{
	int c, v;

	for (c = 0; c < 3; c++)
		for (v = 0; v < 256; v++)
			lut[c][v] = (float)((v / 255.0 - mean[c]) / std[c]);
}

static int s_cnn_input(float *out, const mc_image *img, const mc_rle *mask, int size,
                       int channels, const float lut[3][256], mc_error *err)
{
	mc_image *iso = NULL, *conv = NULL;
	const mc_image *src;
	double bbox[4];
	size_t plane = (size_t)size * (size_t)size, k;
	int rc, c;

	if (channels != 1 && channels != 3)
		return mc_error_set(err, MC_ERR_INVALID, "embed: %d channels; expected 1 or 3",
		                    channels);
	mc_rle_bbox(mask, bbox);
	rc = mc_instance_isolate(&iso, img, mask, bbox, size, 0, err);
	if (rc == 0 && iso->channels != channels)
		rc = mc_image_convert(&conv, iso, channels, err);
	if (rc != 0)
		goto cleanup;
	src = conv != NULL ? conv : iso;
	for (c = 0; c < channels; c++)
		for (k = 0; k < plane; k++)
			out[c * plane + k] = lut[c][src->pixels[k * (size_t)channels + (size_t)c]];
cleanup:
	mc_image_free(iso);
	mc_image_free(conv);
	return rc;
}

int mc_embed_cnn_input(float *out, const mc_image *img, const mc_rle *mask, int size,
                       int channels, const double mean[3], const double std[3], mc_error *err)
{
	float lut[3][256];
	int rc = s_check_norm(mean, std, err);

	if (rc != 0)
		return rc;
	if (size < 8 || size > 4096)
		return mc_error_set(err, MC_ERR_INVALID, "embed: image size %d; expected 8..4096",
		                    size);
	s_norm_lut(lut, mean, std);
	return s_cnn_input(out, img, mask, size, channels, lut, err);
}

typedef struct s_cnn_ctx {
	const mc_embed_cnn_opts *o;
	mc_cnn *first;            /* loaded by the caller, run by the calling thread */
	size_t dim;
	int channels;
	float lut[3][256];
	mc_matrix *m;             /* the result in memory, or */
	mc_npy_writer *w;         /* the rows of the .npy file */
} s_cnn_ctx;

typedef struct s_cnn_state {
	mc_cnn *net;
	int own;                  /* net is this worker's own load */
	float *in, *feat;
	size_t *rows;
	size_t count;
} s_cnn_state;

static void s_cnn_finish(void *state)
{
	s_cnn_state *st = state;

	if (st == NULL)
		return;
	if (st->own)
		mc_cnn_free(st->net);
	free(st->in);
	free(st->feat);
	free(st->rows);
	free(st);
}

static int s_cnn_start(void *ctx, int reporter, void **state, mc_error *err)
{
	s_cnn_ctx *c = ctx;
	size_t b = (size_t)c->o->batch, plane = (size_t)c->o->size * (size_t)c->o->size;
	s_cnn_state *st = calloc(1, sizeof *st);
	int rc = 0;

	*state = NULL;
	if (st == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "embed: out of memory");
	if (reporter) {
		st->net = c->first;
	} else {
		rc = mc_cnn_load(&st->net, c->o->model, c->o->size, mc_cnn_output(c->first), err);
		st->own = 1;
	}
	st->in = malloc(b * (size_t)c->channels * plane * sizeof *st->in);
	st->feat = malloc(b * c->dim * sizeof *st->feat);
	st->rows = malloc(b * sizeof *st->rows);
	if (rc == 0 && (st->in == NULL || st->feat == NULL || st->rows == NULL))
		rc = mc_error_set(err, MC_ERR_NOMEM,
		                  "embed: out of memory for a batch of %zu %dx%d images", b,
		                  c->o->size, c->o->size);
	if (rc != 0) {
		s_cnn_finish(st);
		return rc;
	}
	*state = st;
	return 0;
}

static int s_cnn_flush(void *ctx, void *state, size_t *done, mc_error *err)
{
	s_cnn_ctx *c = ctx;
	s_cnn_state *st = state;
	size_t i, j;
	int rc;

	if (st->count == 0)
		return 0;
	rc = mc_cnn_forward(st->net, st->feat, st->in, st->count, err);
	for (i = 0; rc == 0 && i < st->count; i++) {
		const float *f = st->feat + i * c->dim;
		if (c->w != NULL) {
			rc = mc_npy_writer_rows(c->w, st->rows[i], 1, f, err);
		} else {
			double *row = c->m->data + st->rows[i] * c->m->stride;
			for (j = 0; j < c->dim; j++)
				row[j] = f[j];
		}
	}
	if (rc == 0)
		*done += st->count;
	st->count = 0;
	return rc;
}

static int s_cnn_instance(void *ctx, void *state, size_t instance, const mc_image *im,
                          const mc_rle *rle, size_t *done, mc_error *err)
{
	s_cnn_ctx *c = ctx;
	s_cnn_state *st = state;
	size_t each = (size_t)c->channels * (size_t)c->o->size * (size_t)c->o->size;
	int rc;

	rc = s_cnn_input(st->in + st->count * each, im, rle, c->o->size, c->channels,
	                 (const float(*)[256])c->lut, err);
	if (rc != 0)
		return rc;
	st->rows[st->count++] = instance;
	return st->count == (size_t)c->o->batch ? s_cnn_flush(ctx, state, done, err) : 0;
}

static const s_walk_ops s_cnn_ops = { s_cnn_start, s_cnn_instance, s_cnn_flush, s_cnn_finish };

int mc_embed_cnn_dataset(mc_matrix **out, const mc_coco *ds, const char *images_dir,
                         const mc_embed_cnn_opts *o, const char *npy_path,
                         const mc_progress *p, mc_error *err)
{
	size_t n = mc_coco_n_instances(ds);
	s_cnn_ctx ctx;
	size_t threads;
	int rc, prev;

	*out = NULL;
	memset(&ctx, 0, sizeof ctx);
	ctx.o = o;
	rc = s_check_norm(o->mean, o->std, err);
	if (rc == 0 && (o->batch < 1 || o->batch > 1024))
		rc = mc_error_set(err, MC_ERR_INVALID, "embed: batch %d; expected 1..1024", o->batch);
	if (rc == 0)
		rc = mc_cnn_load(&ctx.first, o->model, o->size, o->output, err);
	if (rc != 0)
		return rc;
	ctx.dim = mc_cnn_dim(ctx.first);
	ctx.channels = mc_cnn_channels(ctx.first);
	s_norm_lut(ctx.lut, o->mean, o->std);
	if (npy_path != NULL)
		rc = mc_npy_writer_open(&ctx.w, npy_path, n, ctx.dim, err);
	else
		rc = mc_matrix_new(&ctx.m, n, ctx.dim, err);
	if (rc != 0)
		goto cleanup;
	/* Each worker runs its own copy of the network in its own thread, so
	 * OpenCV's pool is told to add none: threads stay one per core. */
	threads = o->threads > 0 ? (size_t)o->threads : mc_pool_threads();
	prev = mc_cnn_set_threads(0);
	rc = s_walk(ds, images_dir, &s_cnn_ops, &ctx, threads, "embedding instances (CNN)", p, err);
	mc_cnn_set_threads(prev);
	if (rc == 0 && ctx.w != NULL) {
		rc = mc_npy_writer_commit(ctx.w, err);
		ctx.w = NULL;
	}
	if (rc == 0 && ctx.m != NULL) {
		*out = ctx.m;
		ctx.m = NULL;
	}
cleanup:
	mc_npy_writer_abort(ctx.w);
	mc_matrix_free(ctx.m);
	mc_cnn_free(ctx.first);
	return rc;
}
