/* The maskclean side of bench/coco_load: loads a COCO instances file with
 * mc_coco_load (parse + every index) and prints one JSON line with the
 * wall and CPU time, the peak resident memory and the dataset's sizes.
 *
 * Usage: coco_load_driver FILE [--crowd] [--export OUT]
 * With --export, also relabels every 10th instance, removes every 7th and
 * writes the result to OUT with mc_coco_write, timing that too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "maskclean/coco.h"

static double s_clock(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	mc_coco_options opt = { NULL, 0, NULL };
	mc_coco *ds = NULL;
	mc_error err;
	struct rusage ru;
	double t0, t1, c0, c1, xsum = 0, export_s = 0;
	size_t i, polygon_numbers = 0;
	const char *export_path = NULL;
	int a;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [--crowd]\n", argv[0]);
		return 2;
	}
	for (a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--crowd") == 0)
			opt.include_crowd = 1;
		else if (strcmp(argv[a], "--export") == 0 && a + 1 < argc)
			export_path = argv[++a];
	}
	mc_error_clear(&err);
	t0 = s_clock(CLOCK_MONOTONIC);
	c0 = s_clock(CLOCK_PROCESS_CPUTIME_ID);
	if (mc_coco_load(&ds, argv[1], &opt, &err) < 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	t1 = s_clock(CLOCK_MONOTONIC);
	c1 = s_clock(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < mc_coco_n_annotations(ds); i++) {
		mc_coco_ann ann;
		size_t p, n = 0;
		mc_coco_annotation(ds, i, &ann);
		if (ann.kind != MC_SEG_POLYGON)
			continue;
		for (p = 0; p < ann.n_parts; p++)
			n += ann.part_len[p];
		polygon_numbers += n;
		if (n > 0)
			xsum += ann.xy[0];
	}
	if (export_path != NULL) {
		size_t n = mc_coco_n_instances(ds), K = mc_coco_n_classes(ds);
		int64_t *labels = malloc((n + 1) * sizeof *labels);
		double *weights = malloc((n + 1) * sizeof *weights);
		int rc;
		if (labels == NULL || weights == NULL)
			return 1;
		mc_coco_labels(ds, labels);
		for (i = 0; i < n; i++) {
			weights[i] = i % 7 == 3 ? 0.0 : 1.0;
			if (i % 10 == 0 && K > 1)
				labels[i] = (labels[i] + 1) % (int64_t)K;
		}
		double e0 = s_clock(CLOCK_MONOTONIC);
		rc = mc_coco_write(ds, export_path, labels, weights, NULL, &err);
		export_s = s_clock(CLOCK_MONOTONIC) - e0;
		free(labels);
		free(weights);
		if (rc < 0) {
			fprintf(stderr, "%s\n", err.text);
			return 1;
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"seconds\": %.3f, \"cpu\": %.3f, \"maxrss_kb\": %ld, \"images\": %zu, \"annotations\": %zu, "
	       "\"instances\": %zu, \"classes\": %zu, \"polygon_numbers\": %zu, \"x0_sum\": %.17g, "
	       "\"export_seconds\": %.3f}\n",
	       t1 - t0, c1 - c0, ru.ru_maxrss, mc_coco_n_images(ds), mc_coco_n_annotations(ds),
	       mc_coco_n_instances(ds), mc_coco_n_classes(ds), polygon_numbers, xsum, export_s);
	mc_coco_free(ds);
	return 0;
}
