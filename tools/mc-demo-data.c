/* mc-demo-data: writes the built-in demo dataset (Fashion-MNIST items
 * composed into COCO instance segmentation images) to a directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskclean/demo.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: mc-demo-data [options] DIR\n"
	        "  --n-images N      images to write (default 600)\n"
	        "  --error-rate R    share of instances with an injected error (default 0.1)\n"
	        "  --seed S          random seed (default 0); same seed, same bytes\n"
	        "  --image-size PX   side of the square images (default 128)\n"
	        "  --items MIN:MAX   items per image (default 2:5)\n"
	        "  --test-split      use the 10,000 t10k items instead of the 60,000 train items\n"
	        "  --fmnist DIR      Fashion-MNIST directory (default " MC_DEMO_FMNIST_DIR ")\n"
	        "  --quiet           no progress on stderr\n"
	        "Writes DIR/images/*.png, DIR/annotations.json and DIR/ground_truth.json.\n");
}

static int s_progress(void *ctx, size_t done, size_t total, const char *what)
{
	static time_t last;
	time_t now = time(NULL);

	(void)ctx;
	if (now != last || done == total) {
		fprintf(stderr, "\r%s: %zu/%zu", what, done, total);
		if (done == total)
			fputc('\n', stderr);
		last = now;
	}
	return 0;
}

int main(int argc, char **argv)
{
	mc_demo_opts o;
	mc_demo_result *r = NULL;
	mc_error err;
	mc_progress p = { s_progress, NULL };
	const char *dir = NULL;
	int quiet = 0, i;

	mc_demo_opts_default(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(a, "--test-split") == 0) {
			o.test_split = 1;
		} else if (a[0] == '-' && a[1] == '-' && v == NULL) {
			fprintf(stderr, "mc-demo-data: %s needs a value\n", a);
			return 2;
		} else if (strcmp(a, "--n-images") == 0) {
			o.n_images = strtoull(v, &end, 10);
			i++;
		} else if (strcmp(a, "--error-rate") == 0) {
			o.error_rate = strtod(v, &end);
			i++;
		} else if (strcmp(a, "--seed") == 0) {
			o.seed = strtoull(v, &end, 10);
			i++;
		} else if (strcmp(a, "--image-size") == 0) {
			o.image_size = (int)strtol(v, &end, 10);
			i++;
		} else if (strcmp(a, "--items") == 0) {
			if (sscanf(v, "%d:%d", &o.min_items, &o.max_items) != 2) {
				fprintf(stderr, "mc-demo-data: --items wants MIN:MAX, got '%s'\n", v);
				return 2;
			}
			end = (char *)"";
			i++;
		} else if (strcmp(a, "--fmnist") == 0) {
			o.fmnist_dir = v;
			end = (char *)"";
			i++;
		} else if (a[0] == '-') {
			fprintf(stderr, "mc-demo-data: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else if (dir == NULL) {
			dir = a;
			continue;
		} else {
			usage(stderr);
			return 2;
		}
		if (end != NULL && *end != '\0') {
			fprintf(stderr, "mc-demo-data: bad value for %s: '%s'\n", a, v);
			return 2;
		}
	}
	if (dir == NULL) {
		usage(stderr);
		return 2;
	}
	mc_error_clear(&err);
	if (mc_demo_make(&r, dir, &o, quiet ? NULL : &p, &err) != 0) {
		fprintf(stderr, "mc-demo-data: %s\n", err.text);
		return 1;
	}
	printf("%s: %zu images, %zu instances, %zu injected errors (%zu class, %zu mask)\n",
	       r->annotations, r->n_images, r->n_instances, r->n_errors, r->n_class_errors,
	       r->n_mask_errors);
	mc_demo_result_free(r);
	return 0;
}
