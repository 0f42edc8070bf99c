/* Tests of the journal (maskclean/journal.h), and of the
 * review session surviving kill -9 in the middle of an iteration. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maskclean/journal.h"
#include "review_fixture.h"

typedef struct s_seen {
	char recs[16][64];
	size_t n;
} s_seen;

static int s_collect(void *ctx, const char *rec, size_t len, mc_error *err)
{
	s_seen *s = ctx;
	(void)err;
	ck_assert_uint_eq(strlen(rec), len);
	snprintf(s->recs[s->n++], 64, "%s", rec);
	return 0;
}

static char *s_path(const char *name)
{
	const char *b = getenv("MC_BUILDDIR");
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/tests/%s.%d", b ? b : ".", name, (int)getpid());
	unlink(p);
	return p;
}

START_TEST(test_append_and_replay)
{
	char *path = s_path("j1.mcj");
	mc_journal *j = NULL;
	s_seen seen = { .n = 0 };
	size_t count, dropped;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &count, &dropped, &err), 0);
	ck_assert_uint_eq(count, 0);
	ck_assert_int_eq(mc_journal_append(j, "first", 5, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "", 0, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "{\"t\":\"third\"}", 13, &err), 0);
	ck_assert_uint_eq(mc_journal_count(j), 3);
	mc_journal_close(j);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &count, &dropped, &err), 0);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_str_eq(seen.recs[0], "first");
	ck_assert_str_eq(seen.recs[1], "");
	ck_assert_str_eq(seen.recs[2], "{\"t\":\"third\"}");
	mc_journal_close(j);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_torn_tail_is_dropped)
{
	char *path = s_path("j2.mcj");
	mc_journal *j = NULL;
	s_seen seen = { .n = 0 };
	size_t count, dropped;
	struct stat st;
	int fd;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, NULL, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "one", 3, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "two", 3, &err), 0);
	mc_journal_close(j);
	stat(path, &st);
	/* A crash in the middle of writing a record: its header promises 40
	 * bytes, 5 made it. */
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "\x28\0\0\0\1\2\3\4hello", 13), 13);
	close(fd);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &count, &dropped, &err), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_uint_eq(dropped, 13);
	/* New records follow the last good one. */
	ck_assert_int_eq(mc_journal_append(j, "three", 5, &err), 0);
	mc_journal_close(j);
	seen.n = 0;
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &count, &dropped, &err), 0);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_str_eq(seen.recs[2], "three");
	mc_journal_close(j);
	/* A complete last record whose bytes changed fails its checksum. */
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "X", 1, (off_t)st.st_size + 8), 1);
	close(fd);
	seen.n = 0;
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &count, &dropped, &err), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_uint_eq(dropped, 13);
	mc_journal_close(j);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_not_a_journal)
{
	char *path = s_path("j3.mcj");
	FILE *fp = fopen(path, "w");
	mc_journal *j = NULL;
	mc_error err;

	mc_error_clear(&err);
	fputs("index,action\n1,keep\n", fp);
	fclose(fp);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, NULL, &err), MC_ERR_PARSE);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(err.text, "not a maskclean journal (bad magic)"));
	ck_assert_ptr_nonnull(strstr(err.text, path));
	unlink(path);
	free(path);
}
END_TEST

static int s_fail_second(void *ctx, const char *rec, size_t len, mc_error *err)
{
	(void)rec;
	(void)len;
	if (++*(int *)ctx == 2)
		return mc_error_set(err, MC_ERR_PARSE, "bad action");
	return 0;
}

START_TEST(test_replay_error_names_record)
{
	char *path = s_path("j4.mcj");
	mc_journal *j = NULL;
	int calls = 0;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, NULL, &err), 0);
	mc_journal_append(j, "a", 1, &err);
	mc_journal_append(j, "b", 1, &err);
	mc_journal_close(j);
	ck_assert_int_eq(mc_journal_open(&j, path, s_fail_second, &calls, NULL, NULL, &err),
	                 MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, ": record 2: bad action"));
	unlink(path);
	free(path);
}
END_TEST

/* ------------------------------------------------------------ kill -9 */

/* The state that must survive: history, labels, weights, seen, pending. */
static size_t s_state(const mc_review *rv, unsigned char **out)
{
	size_t n = mc_review_n_instances(rv), nh, len, pos = 0;
	const mc_review_record *h = mc_review_history(rv, &nh);
	unsigned char *b;

	len = sizeof nh + nh * sizeof *h + n * (sizeof(int64_t) + sizeof(double) + 1 + 16);
	b = calloc(1, len);
	memcpy(b + pos, &nh, sizeof nh);
	pos += sizeof nh;
	memcpy(b + pos, h, nh * sizeof *h);
	pos += nh * sizeof *h;
	memcpy(b + pos, mc_review_labels(rv), n * sizeof(int64_t));
	pos += n * sizeof(int64_t);
	memcpy(b + pos, mc_review_weights(rv), n * sizeof(double));
	pos += n * sizeof(double);
	for (size_t i = 0; i < n; i++) {
		mc_review_action a = MC_ACT_KEEP;
		size_t c = 0;
		int has = mc_review_pending(rv, i, &a, &c);
		b[pos++] = (unsigned char)mc_review_is_seen(rv, i);
		b[pos++] = (unsigned char)(has ? 1 + a : 0);
		memcpy(b + pos, &c, sizeof c);
		pos += 14;
	}
	*out = b;
	return pos;
}

static int s_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int s_read_all(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t k = read(fd, c, n);
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

START_TEST(test_kill9_mid_iteration_then_resume)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 3);
	char *dir = fx_scratch("kill9");
	size_t orange = fx_class(ds, "orange"), apple = fx_class(ds, "apple");
	mc_review_opts o;
	mc_review *rv = NULL;
	int fds[2];
	pid_t pid;
	int status;
	mc_error err;

	mc_error_clear(&err);
	mc_review_opts_default(&o);
	o.dir = dir;
	o.class_of_interest = orange;
	o.n = 4;
	o.export_images = 0;
	o.folds = 3;
	/* The parent creates the session; the child works on it and dies. */
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	mc_review_free(rv);
	rv = NULL;
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const size_t *idx;
		size_t n, len;
		unsigned char *st;
		close(fds[0]);
		if (mc_review_resume(&rv, dir, ds, NULL, &err) != 0 ||
		    mc_review_next(rv, &idx, &n, NULL, &err) != 0 || n != 4 ||
		    mc_review_act(rv, idx[0], MC_ACT_RELABEL, apple, &err) != 0 ||
		    mc_review_act(rv, idx[1], MC_ACT_REMOVE, 0, &err) != 0 ||
		    mc_review_apply(rv, NULL, NULL, &err) != 0 ||
		    mc_review_next(rv, &idx, &n, NULL, &err) != 0 || n != 4 ||
		    mc_review_act(rv, idx[2], MC_ACT_REMOVE, 0, &err) != 0 ||
		    mc_review_act(rv, idx[3], MC_ACT_RELABEL, apple, &err) != 0)
			_exit(3);
		/* Mid-iteration: a batch is open with two recorded actions. */
		len = s_state(rv, &st);
		if (s_write_all(fds[1], &len, sizeof len) != 0 || s_write_all(fds[1], st, len) != 0)
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	{
		size_t len = 0, len2;
		unsigned char *want, *got;
		const size_t *idx;
		size_t n;
		ck_assert_int_eq(s_read_all(fds[0], &len, sizeof len), 0);
		want = malloc(len);
		ck_assert_int_eq(s_read_all(fds[0], want, len), 0);
		close(fds[0]);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		ck_assert_msg(mc_review_resume(&rv, dir, ds, NULL, &err) == 0, "%s", err.text);
		len2 = s_state(rv, &got);
		ck_assert_uint_eq(len, len2);
		ck_assert_mem_eq(want, got, len);
		ck_assert_uint_eq(mc_review_n_pending(rv), 2);
		ck_assert_uint_eq(mc_review_n_seen(rv), 8);
		/* The open batch comes back instead of a new one, and the service
		 * knows the first iteration's fixes. */
		ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
		ck_assert_uint_eq(n, 4);
		for (size_t k = 0; k < n; k++)
			ck_assert(mc_review_is_seen(rv, idx[k]));
		{
			const int64_t *sl = mc_coreset_labels(mc_review_service(rv));
			const double *sw = mc_coreset_weights(mc_review_service(rv));
			ck_assert_mem_eq(sl, mc_review_labels(rv),
			                 mc_review_n_instances(rv) * sizeof(int64_t));
			ck_assert_mem_eq(sw, mc_review_weights(rv),
			                 mc_review_n_instances(rv) * sizeof(double));
		}
		/* Finishing the iteration after the restart works as before. */
		ck_assert_int_eq(mc_review_apply(rv, NULL, NULL, &err), 0);
		{
			size_t nh;
			const mc_review_record *h = mc_review_history(rv, &nh);
			ck_assert_uint_eq(nh, 3);
			ck_assert_uint_eq(h[2].fixed, 1);
			ck_assert_uint_eq(h[2].removed, 1);
		}
		free(want);
		free(got);
		mc_review_free(rv);
	}
	fx_rmtree(dir);
	free(dir);
	mc_matrix_free(X);
	mc_coco_free(ds);
}
END_TEST

START_TEST(test_torn_journal_record_after_kill)
{
	/* A kill in the middle of a journal write leaves a torn record: resume
	 * ignores it and keeps everything before it. */
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 4);
	char *dir = fx_scratch("torn"), jpath[4200];
	size_t orange = fx_class(ds, "orange");
	mc_review_opts o;
	mc_review *rv = NULL;
	const size_t *idx;
	size_t n, len;
	unsigned char *want, *got;
	int fd;
	mc_error err;

	mc_error_clear(&err);
	mc_review_opts_default(&o);
	o.dir = dir;
	o.class_of_interest = orange;
	o.n = 3;
	o.export_images = 0;
	o.folds = 3;
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), 0);
	ck_assert_int_eq(mc_review_next(rv, &idx, &n, NULL, &err), 0);
	ck_assert_int_eq(mc_review_act(rv, idx[0], MC_ACT_REMOVE, 0, &err), 0);
	len = s_state(rv, &want);
	mc_review_free(rv);
	snprintf(jpath, sizeof jpath, "%s/journal.mcj", dir);
	fd = open(jpath, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "\x30\0\0\0\0\0\0\0{\"t\":\"acts\",\"i\":[", 24), 24);
	close(fd);
	ck_assert_msg(mc_review_resume(&rv, dir, ds, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(s_state(rv, &got), len);
	ck_assert_mem_eq(want, got, len);
	free(want);
	free(got);
	mc_review_free(rv);
	fx_rmtree(dir);
	free(dir);
	mc_matrix_free(X);
	mc_coco_free(ds);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_append_and_replay);
	tcase_add_test(tc, test_torn_tail_is_dropped);
	tcase_add_test(tc, test_not_a_journal);
	tcase_add_test(tc, test_replay_error_names_record);
	tcase_add_test(tc, test_kill9_mid_iteration_then_resume);
	tcase_add_test(tc, test_torn_journal_record_after_kill);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(s_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
