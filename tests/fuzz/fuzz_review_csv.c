/* Fuzz harness: the review CSV a user edits (mc_review_load_csv,
 * runtime/review.c), read into a session over a small dataset made here,
 * with a batch of 6 annotations open. Properties: a load fails with a
 * message naming the file and its line, or records a decision for at most
 * each sample of the batch, as many as its counts say. The session is made
 * again, in a new folder, every 4096 inputs so that its journal stays
 * small. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/coco.h"
#include "maskclean/review.h"

#define S_N 24   /* instances: 8 of each of 3 classes */

static mc_coco *s_ds;
static mc_matrix *s_X;
static mc_review *s_rv;
static size_t s_uses, s_sessions;

static void s_dataset(void)
{
	const char *path = fz_scratch("instances.json");
	FILE *f = fopen(path, "wb");
	mc_error err;

	FZ_ASSERT(f != NULL);
	fputs("{\"images\": [{\"id\": 1, \"width\": 40, \"height\": 30, \"file_name\": \"a.jpg\"}],\n"
	      "\"categories\": [{\"id\": 1, \"name\": \"apple\"}, {\"id\": 2, \"name\": \"pear\"},\n"
	      " {\"id\": 5, \"name\": \"fig\"}],\n\"annotations\": [", f);
	for (int i = 0; i < S_N; i++)
		fprintf(f, "%s\n{\"id\": %d, \"image_id\": 1, \"category_id\": %d, \"iscrowd\": 0, "
		        "\"segmentation\": [[%d, 1, %d, 1, %d, 9]]}", i ? "," : "", i + 1,
		        i % 3 == 2 ? 5 : i % 3 + 1, i, i + 2, i + 1);
	fputs("]}\n", f);
	FZ_ASSERT(fclose(f) == 0);
	mc_error_clear(&err);
	FZ_ASSERT(mc_coco_load(&s_ds, path, NULL, &err) == 0);
	FZ_ASSERT(mc_matrix_new(&s_X, S_N, 3, &err) == 0);
	for (size_t i = 0; i < S_N; i++)
		for (size_t j = 0; j < 3; j++)
			MC_AT(s_X, i, j) = (double)((i * 7 + j * 3) % 5) + (j == i % 3 ? 4.0 : 0.0);
}

static void s_session(void)
{
	const int64_t *ids;
	char dir[64], cmd[4300];
	mc_review_opts o;
	size_t n;
	mc_error err;

	mc_review_free(s_rv);
	s_rv = NULL;
	if (s_sessions > 0) {
		snprintf(dir, sizeof dir, "session-%zu", s_sessions - 1);
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_scratch(dir));
		if (system(cmd) != 0)
			abort();
	}
	snprintf(dir, sizeof dir, "session-%zu", s_sessions++);
	mc_review_opts_init(&o);
	o.dir = fz_scratch(dir);
	o.n = 6;
	o.folds = 2;
	o.export_images = 0;
	mc_error_clear(&err);
	if (mc_review_new(&s_rv, s_ds, s_X, NULL, NULL, &o, NULL, &err) != 0 ||
	    mc_review_next(&ids, &n, s_rv, NULL, &err) != 0) {
		fprintf(stderr, "fuzz_review_csv: cannot start a session: %s\n", err.text);
		abort();
	}
}

static void s_done(void)
{
	mc_review_free(s_rv);
	mc_matrix_free(s_X);
	mc_coco_free(s_ds);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	s_dataset();
	s_session();
	atexit(s_done);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	mc_review_csv_counts n;
	FILE *f;
	mc_error err;

	if (s_uses++ % 4096 == 4095)
		s_session();
	path = fz_scratch("review.csv");
	f = fopen(path, "wb");
	FZ_ASSERT(f != NULL);
	FZ_ASSERT(size == 0 || fwrite(data, 1, size, f) == size);
	FZ_ASSERT(fclose(f) == 0);
	mc_error_clear(&err);
	if (mc_review_load_csv(&n, s_rv, path, &err) != 0) {
		FZ_ASSERT(strncmp(err.text, path, strlen(path)) == 0 || err.code == MC_ERR_NOMEM);
		return 0;
	}
	FZ_ASSERT(n.keep + n.relabel + n.remove <= 6);
	FZ_ASSERT(mc_review_n_pending(s_rv) <= 6);
	return 0;
}
