/* This module implements the built-in instance embedding: masked crop,
 * exact area-averaged resize, and the pixels / HOG / colour / shape blocks. */
#include "maskclean/embed.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maskclean/coco.h"
#include "maskclean/image.h"
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
	gray = malloc(npix * sizeof *gray);
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

/* ---- a whole dataset, image by image, on 2 threads */

typedef struct s_job {
	const mc_coco *ds;
	const char *images_dir;
	int size;
	mc_embed_method method;
	mc_matrix *out;
	atomic_size_t next_img;
	atomic_size_t done;       /* instances embedded */
	atomic_int stop;
	pthread_mutex_t lock;
	size_t err_img;           /* the failing image with the lowest index */
	mc_error err;
	int rc;
} s_job;

static void s_fail(s_job *job, size_t img, const mc_error *e)
{
	pthread_mutex_lock(&job->lock);
	if (job->rc == 0 || img < job->err_img) {
		job->err_img = img;
		job->err = *e;
		job->rc = e->code != 0 ? e->code : MC_ERR_INVALID;
	}
	pthread_mutex_unlock(&job->lock);
	atomic_store(&job->stop, 1);
}

/* Embeds the instances of image img; mask and cap: scratch reused across images. */
static int s_embed_image(s_job *job, size_t img, uint8_t **mask, size_t *cap, size_t *count,
                         mc_error *err)
{
	const mc_coco *ds = job->ds;
	mc_coco_img info;
	const size_t *anns;
	size_t n, j;
	char *path = NULL;
	mc_image *im = NULL;
	int rc = 0;

	*count = 0;
	anns = mc_coco_image_annotations(ds, img, &n);
	for (j = 0; j < n; j++) {
		mc_coco_ann a;
		mc_coco_annotation(ds, anns[j], &a);
		if (a.instance != (size_t)-1)
			++*count;
	}
	if (*count == 0)
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
	if ((size_t)im->width * (size_t)im->height > *cap) {
		uint8_t *m = realloc(*mask, (size_t)im->width * (size_t)im->height);
		if (m == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "embed: out of memory");
			goto cleanup;
		}
		*mask = m;
		*cap = (size_t)im->width * (size_t)im->height;
	}
	for (j = 0; j < n && rc == 0; j++) {
		mc_coco_ann a;
		mc_rle *rle = NULL;
		double bbox[4];

		mc_coco_annotation(ds, anns[j], &a);
		if (a.instance == (size_t)-1)
			continue;
		rc = mc_coco_annotation_rle(&rle, ds, anns[j], err);
		if (rc != 0)
			break;
		if (rle->h != (uint32_t)im->height || rle->w != (uint32_t)im->width) {
			rc = mc_error_set(err, MC_ERR_SHAPE,
			                  "%s: annotation %lld: mask is %ux%u, image %s is %dx%d",
			                  mc_coco_file_name(ds), (long long)a.id, rle->w, rle->h, path,
			                  im->width, im->height);
			mc_rle_free(rle);
			break;
		}
		mc_rle_decode_rowmajor(rle, *mask);
		mc_rle_bbox(rle, bbox);
		mc_rle_free(rle);
		rc = mc_embed_instance(job->out->data + a.instance * job->out->stride, im->pixels,
		                       im->width, im->height, im->channels, *mask, bbox, job->size,
		                       job->method, err);
	}
cleanup:
	mc_image_free(im);
	free(path);
	return rc;
}

static void s_work(s_job *job, const mc_progress *p, int reporter)
{
	size_t n_img = mc_coco_n_images(job->ds), total = mc_coco_n_instances(job->ds);
	uint8_t *mask = NULL;
	size_t cap = 0;

	while (!atomic_load(&job->stop)) {
		size_t img = atomic_fetch_add(&job->next_img, 1), count = 0;
		mc_error err;

		if (img >= n_img)
			break;
		mc_error_clear(&err);
		if (s_embed_image(job, img, &mask, &cap, &count, &err) != 0) {
			s_fail(job, img, &err);
			break;
		}
		atomic_fetch_add(&job->done, count);
		if (reporter && mc_progress_report(p, atomic_load(&job->done), total,
		                                   "embedding instances") != 0) {
			mc_error_set(&err, MC_ERR_INTERRUPTED, "interrupted");
			s_fail(job, 0, &err);
			break;
		}
	}
	free(mask);
}

static void *s_thread(void *arg)
{
	s_work(arg, NULL, 0);
	return NULL;
}

int mc_embed_dataset(mc_matrix **out, const mc_coco *ds, const char *images_dir, int size,
                     mc_embed_method method, const mc_progress *p, mc_error *err)
{
	size_t dim = mc_embed_dim(size, method), n = mc_coco_n_instances(ds);
	mc_matrix *m = NULL;
	s_job job;
	pthread_t th;
	int rc, threaded;

	*out = NULL;
	if (dim == 0)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "embed: size %d is not supported; expected a multiple of 4 in 8..256",
		                    size);
	rc = mc_matrix_new(&m, n, dim, err);
	if (rc != 0)
		return rc;
	memset(&job, 0, sizeof job);
	job.ds = ds;
	job.images_dir = images_dir;
	job.size = size;
	job.method = method;
	job.out = m;
	atomic_init(&job.next_img, 0);
	atomic_init(&job.done, 0);
	atomic_init(&job.stop, 0);
	pthread_mutex_init(&job.lock, NULL);
	mc_error_clear(&job.err);
	if (mc_progress_report(p, 0, n, "embedding instances") != 0) {
		mc_error_set(&job.err, MC_ERR_INTERRUPTED, "interrupted");
		job.rc = MC_ERR_INTERRUPTED;
	} else {
		threaded = mc_coco_n_images(ds) > 1 && pthread_create(&th, NULL, s_thread, &job) == 0;
		s_work(&job, p, 1);
		if (threaded)
			pthread_join(th, NULL);
	}
	pthread_mutex_destroy(&job.lock);
	if (job.rc != 0) {
		mc_matrix_free(m);
		return mc_error_set(err, job.rc, "%s", job.err.text);
	}
	mc_progress_report(p, n, n, "embedding instances");
	*out = m;
	return 0;
}
