/* Allocation failure ("chaos") tests of the loaders and the coreset
 * service, after jansson's test_chaos.c: each scenario runs once to count
 * its allocations, then once for every N up to that count with the N-th
 * allocation failing. Every run must end cleanly (success, where the
 * failed allocation was optional, or MC_ERR_NOMEM with a message), leave
 * nothing allocated, and not crash. The services' updates must also leave
 * the service as it was (its saved bytes compare equal).
 *
 * The allocator is hooked at link time: this program only is linked with
 * -Wl,--wrap=malloc,... (am/fuzz.am), so every call the runtime's objects
 * make goes through the __wrap_ functions below; Jansson's through
 * json_set_alloc_funcs. Allocations inside other libraries (libc's stdio,
 * libpng, libjpeg, zlib) are not counted.
 *
 * Jansson's parser is the exception: its allocations are counted but never
 * failed. Jansson 2.14's lexer drops a failed allocation and walks on past
 * its buffer (akheron/jansson#362; the fix, PR #747, is not released), so
 * failing them tests Jansson, not us. Every other allocation of Jansson
 * (objects, arrays, strings the runtime builds, dumps) does fail. */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maskclean/coco.h"
#include "maskclean/coreset.h"
#include "maskclean/idx.h"
#include "maskclean/image.h"
#include "maskclean/logreg.h"
#include "maskclean/npy.h"
#include "maskclean/pca.h"
#include "maskclean/rle.h"
#include "shards.h"
#include "suite_run.h"
#include "testutil.h"

/* ------------------------------------------------------------ the hook */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
/* What the linker (--wrap) calls instead of them. */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

/* Allocations made while counting, by address, so that a run can be checked
 * for leaks: open addressing, deleted slots marked. */
#define S_SLOTS ((size_t)1 << 16)
#define S_DELETED ((uintptr_t)1)
static uintptr_t s_live[S_SLOTS];
static size_t s_n_live;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_counting;        /* track and count allocations */
static size_t s_count;        /* allocations so far in this run */
static size_t s_fail_at;      /* the allocation that fails (0: none) */
static __thread int s_in_parse;  /* Jansson is parsing: never fail (see above) */


static size_t s_slot(uintptr_t p)
{
	return (size_t)((p >> 4) * 0x9e3779b97f4a7c15ULL) & (S_SLOTS - 1);
}

static void s_track(void *p)
{
	size_t i = s_slot((uintptr_t)p);

	while (s_live[i] != 0 && s_live[i] != S_DELETED)
		i = (i + 1) & (S_SLOTS - 1);
	s_live[i] = (uintptr_t)p;
	s_n_live++;
}

static void s_untrack(void *p)
{
	size_t i = s_slot((uintptr_t)p);

	while (s_live[i] != 0) {
		if (s_live[i] == (uintptr_t)p) {
			s_live[i] = S_DELETED;
			s_n_live--;
			return;
		}
		i = (i + 1) & (S_SLOTS - 1);
	}
}

/* 1 when this allocation is to fail. */
static int s_fails(void)
{
	int fail;

	pthread_mutex_lock(&s_lock);
	fail = s_counting && ++s_count == s_fail_at && !s_in_parse;
	pthread_mutex_unlock(&s_lock);
	if (fail)
		errno = ENOMEM;
	return fail;
}

static void *s_tracked(void *p)
{
	if (p != NULL) {
		pthread_mutex_lock(&s_lock);
		if (s_counting)
			s_track(p);
		pthread_mutex_unlock(&s_lock);
	}
	return p;
}

void *__wrap_malloc(size_t n)
{
	return s_fails() ? NULL : s_tracked(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t m)
{
	return s_fails() ? NULL : s_tracked(__real_calloc(n, m));
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (s_fails())
		return NULL;
	q = __real_realloc(p, n);
	if (q != NULL) {
		pthread_mutex_lock(&s_lock);
		if (p != NULL)
			s_untrack(p);
		if (s_counting)
			s_track(q);
		pthread_mutex_unlock(&s_lock);
	}
	return q;
}

void __wrap_free(void *p)
{
	if (p != NULL) {
		pthread_mutex_lock(&s_lock);
		s_untrack(p);
		pthread_mutex_unlock(&s_lock);
	}
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	return s_fails() ? NULL : s_tracked(__real_strdup(s));
}

char *__wrap_strndup(const char *s, size_t n)
{
	return s_fails() ? NULL : s_tracked(__real_strndup(s, n));
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
	int rc;

	if (s_fails())
		return ENOMEM;
	rc = __real_posix_memalign(p, align, n);
	if (rc == 0)
		s_tracked(*p);
	return rc;
}

/* Jansson's parsers, wrapped so that their allocations never fail. */
#define S_WRAP_PARSER(NAME, PARAMS, ARGS)                                                  \
	json_t *__real_##NAME PARAMS;                                                      \
	json_t *__wrap_##NAME PARAMS;                                                      \
	json_t *__wrap_##NAME PARAMS                                                       \
	{                                                                                  \
		json_t *v;                                                                 \
		s_in_parse = 1;                                                            \
		v = __real_##NAME ARGS;                                                    \
		s_in_parse = 0;                                                            \
		return v;                                                                  \
	}
S_WRAP_PARSER(json_loadb, (const char *b, size_t n, size_t flags, json_error_t *e),
              (b, n, flags, e))
S_WRAP_PARSER(json_loads, (const char *s, size_t flags, json_error_t *e), (s, flags, e))
S_WRAP_PARSER(json_load_file, (const char *path, size_t flags, json_error_t *e),
              (path, flags, e))
S_WRAP_PARSER(json_loadf, (FILE *f, size_t flags, json_error_t *e), (f, flags, e))

static void *s_json_malloc(size_t n)
{
	return __wrap_malloc(n);
}

static void s_json_free(void *p)
{
	__wrap_free(p);
}

/* ------------------------------------------------------------ the runs */

/* A scenario: 0, or a negative code with err set. ctx: its fixture. */
typedef int (*s_scenario)(void *ctx, mc_error *err);

static void s_begin(size_t fail_at)
{
	pthread_mutex_lock(&s_lock);
	memset(s_live, 0, sizeof s_live);
	s_n_live = 0;
	s_count = 0;
	s_fail_at = fail_at;
	s_counting = 1;
	pthread_mutex_unlock(&s_lock);
}

/* Stops and resumes counting, for a scenario's own checks. */
static int s_pause(void)
{
	int was;

	pthread_mutex_lock(&s_lock);
	was = s_counting;
	s_counting = 0;
	pthread_mutex_unlock(&s_lock);
	return was;
}

static void s_resume(int was)
{
	pthread_mutex_lock(&s_lock);
	s_counting = was;
	pthread_mutex_unlock(&s_lock);
}

/* Ends a run: returns the allocations it made and how many are still live. */
static size_t s_end(size_t *live)
{
	size_t n;

	pthread_mutex_lock(&s_lock);
	s_counting = 0;
	n = s_count;
	*live = s_n_live;
	pthread_mutex_unlock(&s_lock);
	return n;
}

/* Runs fn once (warming up what it initialises once for the process), once
 * counting its allocations, then with each of them failing in turn. Under
 * valgrind every stride-th allocation fails (the runs are slow there). */
static void s_chaos(const char *name, s_scenario fn, void *ctx)
{
	size_t total, live, n, stride = getenv("MC_VALGRIND") != NULL ? 7 : 1, nomem = 0;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_msg(fn(ctx, &err) == 0, "%s: %s", name, err.text);
	s_begin(0);
	mc_error_clear(&err);
	ck_assert_msg(fn(ctx, &err) == 0, "%s: %s", name, err.text);
	total = s_end(&live);
	ck_assert_msg(live == 0, "%s: %zu allocations left after a normal run", name, live);
	ck_assert_msg(total > 0, "%s: no allocation seen: is the hook linked?", name);
	for (n = 1; n <= total; n += stride) {
		int rc;
		s_begin(n);
		mc_error_clear(&err);
		rc = fn(ctx, &err);
		s_end(&live);
		ck_assert_msg(rc == 0 || (rc == MC_ERR_NOMEM && err.code == MC_ERR_NOMEM &&
		                          err.text[0] != '\0'),
		              "%s: allocation %zu of %zu failed: returned %d (%s), expected "
		              "MC_ERR_NOMEM", name, n, total, rc, err.text);
		ck_assert_msg(live == 0, "%s: allocation %zu of %zu failed: %zu allocations leaked",
		              name, n, total, live);
		nomem += rc != 0;
	}
	ck_assert_msg(nomem > 0, "%s: no failed allocation was reported", name);
	printf("chaos %s: %zu allocations, each failed once: %zu runs reported MemoryError\n",
	       name, total, nomem);
}

static char s_path[4096];
static char s_out[4200];

/* ------------------------------------------------------------ scenarios */

/* Loads a COCO file (fast scanner and Jansson both), rasterises every
 * mask, reads an annotation back, and exports with every label changed. */
static int s_coco(void *ctx, mc_error *err)
{
	const char *path = ctx;
	mc_coco_options opt = { "/nonexistent", 1, NULL };
	mc_coco *ds = NULL;
	int64_t *labels = NULL;
	json_t *v = NULL;
	int rc;

	if ((rc = mc_coco_load(&ds, path, &opt, err)) != 0)
		return rc;
	for (size_t i = 0; i < mc_coco_n_instances(ds) && rc == 0; i++) {
		mc_rle *r = NULL;
		rc = mc_coco_instance_rle(&r, ds, i, NULL, err);
		mc_rle_free(r);
	}
	if (rc == 0)
		rc = mc_coco_annotation_json(&v, ds, 0, err);
	json_decref(v);
	if (rc == 0 && (labels = malloc(mc_coco_n_instances(ds) * sizeof *labels)) == NULL)
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (rc == 0) {
		mc_coco_labels(ds, labels);
		for (size_t i = 0; i < mc_coco_n_instances(ds); i++)
			labels[i] = (labels[i] + 1) % (int64_t)mc_coco_n_classes(ds);
		rc = mc_coco_write(ds, s_out, labels, NULL, NULL, err);
	}
	free(labels);
	mc_coco_free(ds);
	return rc;
}

START_TEST(test_coco)
{
	char good[4096];

	snprintf(good, sizeof good, "%s/tests/data/coco/good.json", getenv("MC_SRCDIR"));
	snprintf(s_out, sizeof s_out, "%s/tests/chaos-%d.json", getenv("MC_BUILDDIR"), (int)getpid());
	s_chaos("load_coco good.json", s_coco, good);
	td_path(s_path, sizeof s_path, "coco/tinycoco/annotations/instances_val2017.json");
	s_chaos("load_coco tinycoco val", s_coco, s_path);
	unlink(s_out);
}
END_TEST

static int s_npy(void *ctx, mc_error *err)
{
	mc_npy *npy = NULL;
	mc_matrix *m = NULL;
	int rc = mc_npy_load(&npy, ctx, NULL, err);

	if (rc == 0)
		rc = mc_npy_to_matrix(&m, npy, NULL, err);
	if (rc == 0)
		rc = mc_npy_save(s_out, m, err);
	mc_matrix_free(m);
	mc_npy_free(npy);
	return rc;
}

static int s_idx(void *ctx, mc_error *err)
{
	mc_idx *idx = NULL;
	int rc = mc_idx_load(&idx, ctx, err);

	mc_idx_free(idx);
	return rc;
}

static int s_image(void *ctx, mc_error *err)
{
	mc_image *img = NULL, *small = NULL;
	int rc = mc_image_load(&img, ctx, err);

	if (rc == 0)
		rc = mc_image_resize(&small, img, 31, 17, err);
	if (rc == 0)
		rc = mc_image_write_png(small, s_out, err);
	mc_image_free(small);
	mc_image_free(img);
	return rc;
}

START_TEST(test_npy_idx_image)
{
	char idx[4200];
	FILE *f;
	static const unsigned char head[] = { 0, 0, 0x0d, 2, 0, 0, 0, 3, 0, 0, 0, 2 };

	snprintf(s_out, sizeof s_out, "%s/tests/chaos-%d.out", getenv("MC_BUILDDIR"), (int)getpid());
	td_path(s_path, sizeof s_path, "npy/f4_2x3.npy");
	s_chaos("load_npy f4", s_npy, s_path);
	snprintf(idx, sizeof idx, "%s/tests/chaos-%d.idx", getenv("MC_BUILDDIR"), (int)getpid());
	f = fopen(idx, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(head, 1, sizeof head, f), sizeof head);
	ck_assert_uint_eq(fwrite("\x3f\x80\0\0\x40\0\0\0\x40\x40\0\0\x40\x80\0\0\x40\xa0\0\0\x40\xc0\0\0",
	                         1, 24, f), 24);
	fclose(f);
	s_chaos("load_idx float32", s_idx, idx);
	unlink(idx);
	td_path(s_path, sizeof s_path, "image/progressive.jpg");
	s_chaos("load_image jpeg", s_image, s_path);
	unlink(s_out);
}
END_TEST

static int s_rle(void *ctx, mc_error *err)
{
	static const double tri[6] = { 0.5, 0.5, 30.25, 2, 12, 19.5 }, box[4] = { 2, 3, 10, 8 };
	const double *parts[2] = { tri, box };
	size_t lens[2] = { 6, 6 };
	mc_rle *a = NULL, *b = NULL, *m = NULL;
	char *s = NULL;
	int rc;

	(void)ctx;
	rc = mc_rle_from_polygons(&a, parts, lens, 1, 24, 32, NULL, err);
	if (rc == 0)
		rc = mc_rle_from_bbox(&b, box, 24, 32, NULL, err);
	if (rc == 0) {
		const mc_rle *two[2] = { a, b };
		rc = mc_rle_merge(&m, two, 2, 0, err);
	}
	if (rc == 0)
		rc = mc_rle_to_string(&s, m, err);
	mc_rle_free(a);
	a = NULL;
	if (rc == 0)
		rc = mc_rle_from_string(&a, s, 24, 32, err);
	free(s);
	mc_rle_free(a);
	mc_rle_free(b);
	mc_rle_free(m);
	return rc;
}

START_TEST(test_rle)
{
	s_chaos("rle codec and polygons", s_rle, NULL);
}
END_TEST

/* ------------------------------------------------------------ the service */

typedef struct s_service {
	mc_matrix *X;
	int64_t *y;
	char saved[4200];
	unsigned char *before;
	size_t before_len;
} s_service;

static unsigned char *s_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Builds a service from scratch and saves it. */
static int s_build(void *ctx, mc_error *err)
{
	s_service *sv = ctx;
	mc_coreset_params p;
	mc_coreset *cs = NULL;
	int rc;

	mc_coreset_params_init(&p);
	p.chunk_size = 40;
	rc = mc_coreset_new(&cs, &p, err);
	if (rc == 0)
		rc = mc_coreset_build(cs, sv->X, sv->y, NULL, NULL, err);
	if (rc == 0)
		rc = mc_coreset_save(cs, s_out, err);
	mc_coreset_free(cs);
	return rc;
}

/* Fails the test unless cs saves to the bytes sv->before holds. */
static void s_unchanged(s_service *sv, mc_coreset *cs, const char *what)
{
	int was = s_pause();
	unsigned char *now;
	size_t len;
	mc_error e;

	mc_error_clear(&e);
	ck_assert_int_eq(mc_coreset_save(cs, s_out, &e), 0);
	now = s_read(s_out, &len);
	ck_assert_msg(len == sv->before_len && memcmp(now, sv->before, len) == 0,
	              "%s changed the service", what);
	free(now);
	s_resume(was);
}

/* Loads the saved service, updates it, queries it and reads a coreset. A
 * failed update must leave the service as it was (it saves to the same
 * bytes). */
static int s_update(void *ctx, mc_error *err)
{
	s_service *sv = ctx;
	size_t idx[3] = { 3, 50, 77 }, *got = NULL, n = 0, *cidx = NULL, m = 0;
	int64_t y[3] = { 1, 0, 2 };
	double *score = NULL, *w = NULL;
	mc_cleaning_query q;
	mc_coreset *cs = NULL;
	int rc = mc_coreset_load(&cs, sv->saved, err);

	if (rc == 0) {
		rc = mc_coreset_update_targets(cs, idx, 3, y, NULL, err);
		if (rc != 0)
			s_unchanged(sv, cs, "a failed update");
	}
	if (rc == 0) {
		mc_cleaning_query_init(&q);
		q.size = 5;
		q.has_size = 1;
		rc = mc_coreset_get_cleaning_samples(&got, &score, &n, cs, &q, NULL, err);
	}
	if (rc == 0)
		rc = mc_coreset_get_coreset(&cidx, &w, &m, cs, 0, err);
	free(got);
	free(score);
	free(cidx);
	free(w);
	mc_coreset_free(cs);
	return rc;
}

/* Loads the saved service. */
static int s_load(void *ctx, mc_error *err)
{
	s_service *sv = ctx;
	mc_coreset *cs = NULL;
	int rc = mc_coreset_load(&cs, sv->saved, err);

	mc_coreset_free(cs);
	return rc;
}

START_TEST(test_service)
{
	s_service sv;
	mc_error err;

	memset(&sv, 0, sizeof sv);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_matrix_new(&sv.X, 120, 4, &err), 0);
	sv.y = malloc(120 * sizeof *sv.y);
	for (size_t i = 0; i < 120; i++) {
		sv.y[i] = (int64_t)(i % 3);
		for (size_t j = 0; j < 4; j++)
			MC_AT(sv.X, i, j) = (double)((i * 13 + j * 7) % 17) / 5.0 +
			                    (j == i % 3 ? 3.0 : 0.0);
	}
	snprintf(s_out, sizeof s_out, "%s/tests/chaos-%d.mcc", getenv("MC_BUILDDIR"), (int)getpid());
	snprintf(sv.saved, sizeof sv.saved, "%s/tests/chaos-%d-saved.mcc", getenv("MC_BUILDDIR"),
	         (int)getpid());
	s_chaos("CoresetTreeServiceLG build and save", s_build, &sv);
	ck_assert_int_eq(s_build(&sv, &err), 0);
	ck_assert_int_eq(rename(s_out, sv.saved), 0);
	sv.before = s_read(sv.saved, &sv.before_len);
	s_chaos("service update, query and coreset", s_update, &sv);
	s_chaos("load_coreset", s_load, &sv);
	free(sv.before);
	free(sv.y);
	mc_matrix_free(sv.X);
	unlink(s_out);
	unlink(sv.saved);
}
END_TEST

/* ------------------------------------------------- models and shards */

/* Folders of a saved PCA and logistic regression (fitted once), and the
 * folder each scenario saves them to again. */
typedef struct s_models {
	char saved[4096], again[4200];
} s_models;

/* Loads the saved models into fresh ones, loads them again over what they
 * hold (a load that fails leaves the model as it was), saves them. */
static int s_models_run(void *ctx, mc_error *err)
{
	s_models *m = ctx;
	mc_pca_params pp;
	mc_logreg_params lp;
	mc_pca *pca = NULL;
	mc_logreg *lr = NULL;
	int rc;

	mc_pca_params_init(&pp);
	pp.n_components = 2;
	mc_logreg_params_init(&lp);
	rc = mc_pca_new(&pca, &pp, err);
	if (rc == 0)
		rc = mc_logreg_new(&lr, &lp, err);
	if (rc == 0)
		rc = mc_pca_load(pca, m->saved, err);
	if (rc == 0)
		rc = mc_logreg_load(lr, m->saved, err);
	if (rc == 0)
		rc = mc_pca_load(pca, m->saved, err);
	if (rc == 0)
		rc = mc_logreg_load(lr, m->saved, err);
	if (rc == 0)
		rc = mc_pca_save(pca, m->again, err);
	if (rc == 0)
		rc = mc_logreg_save(lr, m->again, err);
	mc_pca_free(pca);
	mc_logreg_free(lr);
	return rc;
}

static size_t s_unit_one(const void *ctx, size_t n, size_t d)
{
	(void)ctx;
	(void)n;
	(void)d;
	return 1;
}

/* maskclean-mpi's rows from a manifest of two shards, as rank 1 of 2 and
 * rank 0 of 1: rows, labels and weights read. */
static int s_shards_run(void *ctx, mc_error *err)
{
	const char *manifest = ctx;
	int rc = 0;

	for (size_t size = 1; size <= 2 && rc == 0; size++) {
		mc_shards sh;
		mc_matrix *X = NULL;
		int64_t *y = NULL;
		double *w = NULL;

		rc = mc_shards_open(&sh, manifest, NULL, NULL, NULL, size - 1, size, s_unit_one, NULL,
		                    err);
		if (rc != 0)
			break;
		rc = mc_shards_matrix(&X, &sh, err);
		if (rc == 0)
			rc = mc_shards_labels(&y, &sh, err);
		if (rc == 0)
			rc = mc_shards_weights(&w, &sh, err);
		mc_matrix_free(X);
		free(y);
		free(w);
		mc_shards_free(&sh);
	}
	return rc;
}

START_TEST(test_models_and_shards)
{
	s_models m;
	mc_pca_params pp;
	mc_logreg_params lp;
	mc_pca *pca = NULL;
	mc_logreg *lr = NULL;
	mc_matrix *X = NULL;
	int64_t y[20];
	double w[20];
	char path[4300], manifest[4300];
	FILE *f;
	mc_error err;

	mc_error_clear(&err);
	tu_tmpdir(m.saved, sizeof m.saved, "chaos-models");
	tu_tmpdir(m.again, sizeof m.again, "chaos-models-again");
	ck_assert_int_eq(mc_matrix_new(&X, 20, 4, &err), 0);
	for (size_t i = 0; i < 20; i++) {
		y[i] = (int64_t)(i % 3);
		w[i] = 1.0 + (double)(i % 2);
		for (size_t j = 0; j < 4; j++)
			MC_AT(X, i, j) = (double)((i * 13 + j * 7) % 17) / 5.0 + (j == i % 3 ? 3.0 : 0.0);
	}
	mc_pca_params_init(&pp);
	pp.n_components = 2;
	mc_logreg_params_init(&lp);
	ck_assert_int_eq(mc_pca_new(&pca, &pp, &err), 0);
	ck_assert_int_eq(mc_pca_fit(pca, X, NULL, &err), 0);
	ck_assert_int_eq(mc_pca_save(pca, m.saved, &err), 0);
	ck_assert_int_eq(mc_logreg_new(&lr, &lp, &err), 0);
	ck_assert_int_eq(mc_logreg_fit(lr, X, y, NULL, NULL, &err), 0);
	ck_assert_int_eq(mc_logreg_save(lr, m.saved, &err), 0);
	mc_pca_free(pca);
	mc_logreg_free(lr);
	s_chaos("PCA and LogisticRegression load and save (model files)", s_models_run, &m);

	/* two shards of 12 and 8 rows, with labels and weights */
	for (int k = 0; k < 2; k++) {
		mc_matrix part = { .rows = k == 0 ? 12 : 8, .cols = 4, .stride = 4,
		                   .data = X->data + (k == 0 ? 0 : 12 * 4) };
		double lab[12];
		for (size_t i = 0; i < part.rows; i++)
			lab[i] = (double)y[(k == 0 ? 0 : 12) + i];
		snprintf(path, sizeof path, "%s/x%d.npy", m.saved, k);
		ck_assert_int_eq(mc_npy_save(path, &part, &err), 0);
		snprintf(path, sizeof path, "%s/y%d.npy", m.saved, k);
		ck_assert_int_eq(mc_npy_save_vector(path, lab, part.rows, &err), 0);
		snprintf(path, sizeof path, "%s/w%d.npy", m.saved, k);
		ck_assert_int_eq(mc_npy_save_vector(path, w + (k == 0 ? 0 : 12), part.rows, &err), 0);
	}
	snprintf(manifest, sizeof manifest, "%s/manifest.json", m.saved);
	f = fopen(manifest, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"shards\": [{\"features\": \"x0.npy\", \"rows\": 12, \"labels\": \"y0.npy\", "
	      "\"weights\": \"w0.npy\"}, {\"features\": \"x1.npy\", \"rows\": 8, "
	      "\"labels\": \"y1.npy\", \"weights\": \"w1.npy\"}]}\n", f);
	ck_assert_int_eq(fclose(f), 0);
	s_chaos("maskclean-mpi shard manifest and rows", s_shards_run, manifest);
	mc_matrix_free(X);
	tu_rmtree(m.saved);
	tu_rmtree(m.again);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chaos");
	TCase *tc = tcase_create("chaos");

	json_set_alloc_funcs(s_json_malloc, s_json_free);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_coco);
	tcase_add_test(tc, test_npy_idx_image);
	tcase_add_test(tc, test_rle);
	tcase_add_test(tc, test_service);
	tcase_add_test(tc, test_models_and_shards);
	suite_add_tcase(s, tc);
	return mc_check_run(s);
}
