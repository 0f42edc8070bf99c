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
	        "  --class-share F   share of the errors that are wrong classes (default 0.6;\n"
	        "                    the rest are masks spanning two objects)\n"
	        "  --seed S          random seed (default 0); same seed, same bytes\n"
	        "  --image-size PX   side of the square images (default 128)\n"
	        "  --items MIN:MAX   items per image (default 2:5)\n"
	        "  --test-split      use the 10,000 t10k items instead of the 60,000 train items\n"
	        "  --fmnist DIR      Fashion-MNIST directory (default " MC_DEMO_FMNIST_DIR ")\n"
	        "Shapes of real data (all off by default):\n"
	        "  --hard            the hard demo: imbalance 1, 2 tiny classes of 36, an empty\n"
	        "                    category, 3 copies, error rate 0.08, toward 0.5, away 0.25\n"
	        "                    (later options override it)\n"
	        "  --imbalance S     Zipf-like class sizes: rank r keeps (r+1)^-S of its items\n"
	        "  --tiny N:SIZE     the N smallest classes get SIZE instances (SIZE < 60)\n"
	        "  --empty-category  add a category (id 0) with no instances\n"
	        "  --copies K        K images per scene: the original and K-1 near-duplicates\n"
	        "  --toward-small F  errors labelled as the smallest class, F times its size\n"
	        "  --away-small F    share of the smallest class's instances mislabelled\n"
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

	mc_demo_opts_init(&o);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--hard") == 0)
			mc_demo_opts_hard(&o);
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
		} else if (strcmp(a, "--hard") == 0) {
			continue;
		} else if (strcmp(a, "--empty-category") == 0) {
			o.empty_category = 1;
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
		} else if (strcmp(a, "--class-share") == 0) {
			o.class_error_share = strtod(v, &end);
			i++;
		} else if (strcmp(a, "--imbalance") == 0) {
			o.imbalance = strtod(v, &end);
			i++;
		} else if (strcmp(a, "--tiny") == 0) {
			if (sscanf(v, "%zu:%zu", &o.n_tiny, &o.tiny_size) != 2) {
				fprintf(stderr, "mc-demo-data: --tiny wants N:SIZE, got '%s'\n", v);
				return 2;
			}
			end = (char *)"";
			i++;
		} else if (strcmp(a, "--copies") == 0) {
			o.copies = (int)strtol(v, &end, 10);
			i++;
		} else if (strcmp(a, "--toward-small") == 0) {
			o.toward_small = strtod(v, &end);
			i++;
		} else if (strcmp(a, "--away-small") == 0) {
			o.away_small = strtod(v, &end);
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
