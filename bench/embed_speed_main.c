/* The maskclean side of bench/embed_speed: embeds every instance of a COCO
 * file with an ONNX model (mc_embed_cnn_dataset, rows to a .npy) and prints
 * one JSON line with the wall and CPU time and the peak resident memory.
 *
 * Usage: embed_speed_driver COCO IMAGES MODEL OUT.npy [--batch B] [--threads T]
 *        embed_speed_driver COCO IMAGES --crops OUT.u8 [--size S]
 * With --crops, writes instead the isolated instances as the network sees them
 * before normalisation (n x S x S x 3 bytes, instance order), for the
 * reference to run the same network on the same crops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "maskclean/coco.h"
#include "maskclean/embed.h"
#include "maskclean/image.h"
#include "maskclean/rle.h"

static double s_clock(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Writes the isolated instances of ds to path, image by image. */
static int s_crops(const mc_coco *ds, const char *images, const char *path, int size,
                   mc_error *err)
{
	size_t n = mc_coco_n_instances(ds), plane = (size_t)size * (size_t)size * 3, img, j;
	unsigned char *all = calloc(n, plane);
	FILE *f = NULL;
	int rc = 0;

	if (all == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory for %zu crops", n);
	for (img = 0; rc == 0 && img < mc_coco_n_images(ds); img++) {
		const size_t *anns;
		size_t na;
		mc_coco_img info;
		mc_image *im = NULL;
		char file[4096];

		anns = mc_coco_image_annotations(ds, img, &na);
		mc_coco_image(ds, img, &info);
		snprintf(file, sizeof file, "%s/%s", images, info.file_name);
		rc = mc_image_load(&im, file, err);
		for (j = 0; rc == 0 && j < na; j++) {
			mc_coco_ann a;
			mc_rle *rle = NULL;
			mc_image *iso = NULL, *rgb = NULL;
			double bbox[4];

			mc_coco_annotation(ds, anns[j], &a);
			if (a.instance == (size_t)-1)
				continue;
			rc = mc_coco_annotation_rle(&rle, ds, anns[j], NULL, err);
			if (rc == 0) {
				mc_rle_bbox(rle, bbox);
				rc = mc_instance_isolate(&iso, im, rle, bbox, size, 0, err);
			}
			if (rc == 0)
				rc = mc_image_convert(&rgb, iso, 3, err);
			if (rc == 0)
				memcpy(all + a.instance * plane, rgb->pixels, plane);
			mc_image_free(rgb);
			mc_image_free(iso);
			mc_rle_free(rle);
		}
		mc_image_free(im);
	}
	if (rc == 0 && ((f = fopen(path, "wb")) == NULL || fwrite(all, plane, n, f) != n))
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write", path);
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot write", path);
	free(all);
	return rc;
}

int main(int argc, char **argv)
{
	mc_coco_options opt = { NULL, 0, NULL };
	mc_embed_cnn_opts o;
	mc_coco *ds = NULL;
	mc_matrix *m = NULL;
	mc_error err;
	struct rusage ru;
	double t0, t1, c0, c1;
	const char *crops = NULL;
	int a, size = 224;

	if (argc < 4) {
		fprintf(stderr, "usage: %s COCO IMAGES MODEL OUT.npy [--batch B] [--threads T]\n"
		                "       %s COCO IMAGES --crops OUT.u8 [--size S]\n", argv[0], argv[0]);
		return 2;
	}
	mc_embed_cnn_opts_init(&o);
	for (a = 3; a < argc; a++) {
		if (strcmp(argv[a], "--batch") == 0 && a + 1 < argc)
			o.batch = atoi(argv[++a]);
		else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc)
			o.threads = atoi(argv[++a]);
		else if (strcmp(argv[a], "--size") == 0 && a + 1 < argc)
			size = atoi(argv[++a]);
		else if (strcmp(argv[a], "--crops") == 0 && a + 1 < argc)
			crops = argv[++a];
	}
	mc_error_clear(&err);
	opt.images_dir = argv[2];
	if (mc_coco_load(&ds, argv[1], &opt, &err) != 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	if (crops != NULL) {
		int rc = s_crops(ds, argv[2], crops, size, &err);
		if (rc != 0)
			fprintf(stderr, "%s\n", err.text);
		mc_coco_free(ds);
		return rc != 0;
	}
	if (argc < 5) {
		fprintf(stderr, "%s: OUT.npy is missing\n", argv[0]);
		return 2;
	}
	o.model = argv[3];
	t0 = s_clock(CLOCK_MONOTONIC);
	c0 = s_clock(CLOCK_PROCESS_CPUTIME_ID);
	if (mc_embed_cnn_dataset(&m, ds, NULL, &o, argv[4], NULL, &err) != 0) {
		fprintf(stderr, "%s\n", err.text);
		mc_coco_free(ds);
		return 1;
	}
	t1 = s_clock(CLOCK_MONOTONIC);
	c1 = s_clock(CLOCK_PROCESS_CPUTIME_ID);
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"instances\": %zu, \"wall\": %.3f, \"cpu\": %.3f, \"peak_rss_mb\": %.1f, "
	       "\"batch\": %d, \"threads\": %d}\n", mc_coco_n_instances(ds), t1 - t0, c1 - c0,
	       (double)ru.ru_maxrss / 1024.0, o.batch, o.threads);
	mc_coco_free(ds);
	return 0;
}
