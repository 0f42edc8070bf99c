/* Speed benchmark driver of the coreset service: build time on generated
 * data (848k x 256 and 1.28M x 512, 80 classes), the time of an update
 * after 60 corrections, and how update time scales with the chunks touched
 * and with n. Prints Markdown to stdout, progress to stderr.
 *
 * Usage: coreset_speed_driver [--small | --div N] [--skip-large]
 *   --small       sizes divided by 16 (a quick check); --div N: by N
 *   --skip-large  no 1.28M x 512 run */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maskclean/coreset.h"

static double s_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double s_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static _Noreturn void s_die(const char *what, const mc_error *err)
{
	fprintf(stderr, "coreset_speed: %s: %s\n", what, err->text);
	exit(1);
}

static uint64_t g_s = 88172645463325252ULL;

static uint64_t s_next(void)
{
	g_s ^= g_s << 13;
	g_s ^= g_s >> 7;
	g_s ^= g_s << 17;
	return g_s;
}

/* Rows r0.. of the generated data: class i % K (shuffled by a hash),
 * features uniform noise plus a class centre. */
static void s_fill(mc_matrix *X, int64_t *y, size_t r0, size_t K, const double *centres)
{
	for (size_t r = 0; r < X->rows; r++) {
		uint64_t h = (r0 + r) * 0x9e3779b97f4a7c15ULL;
		size_t c = (size_t)((h >> 32) % K);
		double *row = X->data + r * X->stride;
		y[r] = (int64_t)c;
		for (size_t j = 0; j < X->cols; j++)
			row[j] = centres[c * X->cols + j] +
			         ((double)(s_next() >> 11) * 0x1.0p-53 - 0.5) * 3.4641;
	}
}

static double *s_centres(size_t K, size_t d)
{
	double *c = malloc(K * d * sizeof *c);
	for (size_t i = 0; i < K * d; i++)
		c[i] = ((double)(s_next() >> 11) * 0x1.0p-53 - 0.5) * 2;
	return c;
}

/* Builds n x d (K classes) in blocks of `block` rows (0: one block);
 * returns the seconds spent in build/partial_build. */
static double g_cpu; /* CPU seconds of the last timed section */

static mc_coreset *s_build(size_t n, size_t d, size_t K, size_t block, size_t chunk,
                           double *secs)
{
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	double *centres = s_centres(K, d);
	size_t bs = block ? block : n;
	mc_matrix *X = NULL;
	int64_t *y = malloc(bs * sizeof *y);
	mc_error err;

	mc_error_clear(&err);
	mc_coreset_params_init(&p);
	p.chunk_size = chunk;
	if (mc_coreset_new(&cs, &p, &err) != 0 || mc_matrix_new(&X, bs, d, &err) != 0)
		s_die("new", &err);
	*secs = 0;
	g_cpu = 0;
	for (size_t r0 = 0; r0 < n; r0 += bs) {
		size_t m = n - r0 < bs ? n - r0 : bs;
		mc_matrix v = mc_matrix_view_rows(X, 0, m);
		double t0, c0;
		s_fill(&v, y, r0, K, centres);
		t0 = s_now();
		c0 = s_cpu();
		if (mc_coreset_partial_build(cs, &v, y, NULL, NULL, &err) != 0)
			s_die("build", &err);
		*secs += s_now() - t0;
		g_cpu += s_cpu() - c0;
		if (block)
			fprintf(stderr, "  %zu / %zu rows\n", r0 + m, n);
	}
	mc_matrix_free(X);
	free(y);
	free(centres);
	return cs;
}

/* Relabels `count` samples in the first `chunks` chunks: when targets > 0,
 * samples of class 0 (the class of interest) go to classes 1..targets (as
 * the article's oranges go to apple, lemon, ...); else any samples go to
 * random other classes (the worst case: every correction touches two
 * blocks). Returns the seconds of the update; g_cpu gets its CPU time and
 * *blocks the blocks it recomputed. Then reads the coreset, which rebuilds
 * the tree above the touched leaves: *t_tree gets its seconds, *tree_nodes
 * and *tree_blocks its work. */
typedef struct s_tree_work {
	double secs;
	size_t nodes, blocks;
} s_tree_work;

static double s_update(mc_coreset *cs, size_t count, size_t chunks, size_t targets,
                       size_t *blocks, s_tree_work *tree)
{
	size_t *idx = malloc(count * sizeof *idx), cn = mc_coreset_chunk_size(cs);
	int64_t *y = malloc(count * sizeof *y);
	const int64_t *lab = mc_coreset_labels(cs);
	size_t K = mc_coreset_n_classes(cs), n = mc_coreset_n(cs);
	double t0, t;
	mc_error err;

	mc_error_clear(&err);
	for (size_t k = 0; k < count; k++) {
		size_t j = k % chunks, i;
		for (;;) {
			i = j * cn + (size_t)(s_next() % cn);
			if (i < n && (targets == 0 || lab[i] == 0))
				break;
		}
		idx[k] = i;
		y[k] = targets ? (int64_t)(1 + k % targets)
		               : (lab[i] + 1 + (int64_t)(s_next() % (K - 1))) % (int64_t)K;
	}
	t0 = s_now();
	g_cpu = s_cpu();
	if (mc_coreset_update_targets(cs, idx, count, y, NULL, &err) != 0)
		s_die("update", &err);
	t = s_now() - t0;
	g_cpu = s_cpu() - g_cpu;
	mc_coreset_last_work(cs, blocks, &tree->nodes);
	free(idx);
	free(y);
	{
		size_t *ci, cm;
		double *cw;
		t0 = s_now();
		if (mc_coreset_get_coreset(&ci, &cw, &cm, cs, 0, &err) != 0)
			s_die("get_coreset", &err);
		tree->secs = s_now() - t0;
		mc_coreset_last_work(cs, &tree->blocks, &tree->nodes);
		free(ci);
		free(cw);
	}
	return t;
}

int main(int argc, char **argv)
{
	int small = 0, skip_large = 0;
	size_t div, n1, n2, blocks;
	s_tree_work tw;
	double secs, t;
	mc_coreset *cs;

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--small") == 0)
			small = 1;
		else if (strcmp(argv[a], "--skip-large") == 0)
			skip_large = 1;
		else if (strcmp(argv[a], "--div") == 0 && a + 1 < argc)
			small = atoi(argv[++a]);
	}
	div = small == 1 ? 16 : small > 1 ? (size_t)small : 1;
	n1 = 847970 / div;
	n2 = 1281167 / div;

	printf("## coreset_speed: building and updating the coreset service\n\n"
	       "Generated data: uniform noise around 80 class centres. Wall time, with the CPU time "
	       "of all threads in parentheses (wall time also includes waiting for a core when "
	       "other work runs).\n\n");
	printf("| data | chunks | chunk size | build | goal |\n|---|---:|---:|---:|---|\n");
	fprintf(stderr, "build %zu x 256, 80 classes\n", n1);
	cs = s_build(n1, 256, 80, 0, 0, &secs);
	printf("| %zu x 256, 80 classes (COCO scale), one matrix | %zu | %zu | %.2f s (%.2f s) | "
	       "< 10 s |\n", n1, mc_coreset_n_chunks(cs), mc_coreset_chunk_size(cs), secs, g_cpu);
	fflush(stdout);
	/* 60 corrections at 848k. */
	printf("\nUpdate after 60 corrections at %zu samples (goal < 0.5 s). The update "
	       "recomputes the touched (chunk, class) blocks, which is all that the next "
	       "cleaning query reads; the tree nodes above them are rebuilt when something next "
	       "reads the tree (`get_coreset`, `fit`, `save`), timed here by a `get_coreset` "
	       "right after the update.\n\n"
	       "| corrections | blocks recomputed | update | tree nodes (blocks) rebuilt at next "
	       "read | tree rebuild |\n|---|---:|---:|---:|---:|\n",
	       n1);
	{
		size_t nc = mc_coreset_n_chunks(cs);
		struct { const char *what; size_t chunks, targets; } sc[] = {
			{ "class 0 -> 3 classes, in 1 chunk", 1, 3 },
			{ "class 0 -> 3 classes, spread over all chunks", 0, 3 },
			{ "random class -> random class, in 1 chunk", 1, 0 },
			{ "random class -> random class, all chunks", 0, 0 },
		};
		for (size_t k = 0; k < sizeof sc / sizeof sc[0]; k++) {
			t = s_update(cs, 60, sc[k].chunks ? sc[k].chunks : nc, sc[k].targets, &blocks,
			             &tw);
			printf("| %s | %zu | %.3f s (%.3f s) | %zu (%zu) | %.3f s |\n", sc[k].what,
			       blocks, t, g_cpu, tw.nodes, tw.blocks, tw.secs);
			fflush(stdout);
		}
	}
	{
		size_t chunk = mc_coreset_chunk_size(cs);
		mc_coreset_free(cs);
		/* Update cost against n at a fixed chunk size: 60 corrections in one
		 * chunk. */
		printf("\nUpdate cost against n (chunk size %zu; 60 samples of class 0 in one chunk "
		       "relabelled to 3 classes): the work is the touched blocks, whatever n.\n\n"
		       "| n | chunks | blocks recomputed | update | tree nodes rebuilt at next read | "
		       "tree rebuild |\n|---:|---:|---:|---:|---:|---:|\n", chunk);
		for (size_t f = 8; f >= 1; f /= 2) {
			size_t n = n1 / f;
			mc_coreset *c2 = s_build(n, 256, 80, 0, chunk, &secs);
			t = s_update(c2, 60, 1, 3, &blocks, &tw);
			printf("| %zu | %zu | %zu | %.3f s (%.3f s) | %zu | %.3f s |\n", n,
			       mc_coreset_n_chunks(c2), blocks, t, g_cpu, tw.nodes, tw.secs);
			fflush(stdout);
			mc_coreset_free(c2);
		}
	}
	if (!skip_large) {
		mc_coreset *big;
		double cpu;
		fprintf(stderr, "build %zu x 512, 80 classes (streamed)\n", n2);
		big = s_build(n2, 512, 80, 4 * 513 * 80, 0, &secs);
		cpu = g_cpu;
		printf("\n| data | chunks | chunk size | build | goal |\n|---|---:|---:|---:|---|\n");
		printf("| %zu x 512, 80 classes (ImageNet scale), partial_build in chunk-sized blocks "
		       "| %zu | %zu | %.2f s (%.2f s) | < 30 s (DataHeroes: 126.7 s) |\n", n2,
		       mc_coreset_n_chunks(big), mc_coreset_chunk_size(big), secs, cpu);
		mc_coreset_free(big);
		fflush(stdout);
	}

	return 0;
}
