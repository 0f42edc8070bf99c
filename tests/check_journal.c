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

#include <openssl/evp.h>
#include <stdint.h>

#include "maskclean/atomic_file.h"
#include "maskclean/journal.h"
#include "testutil.h"
#include "review_fixture.h"
#include "suite_run.h"

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

START_TEST(test_append_and_replay)
{
	char path[4096];
	mc_journal *j = NULL;
	s_seen seen = { .n = 0 };
	mc_journal_report r;
	mc_error err;

	tu_tmpfile(path, sizeof path, "j1.mcj");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &r, &err), 0);
	ck_assert_uint_eq(r.records, 0);
	ck_assert_int_eq(mc_journal_append(j, "first", 5, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "", 0, &err), MC_ERR_INVALID);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_append(j, "2", 1, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "{\"t\":\"third\"}", 13, &err), 0);
	ck_assert_uint_eq(mc_journal_count(j), 3);
	mc_journal_close(j);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &r, &err), 0);
	ck_assert_uint_eq(r.records, 3);
	ck_assert_uint_eq(r.damaged, 0);
	ck_assert_uint_eq(r.torn_bytes, 0);
	ck_assert_str_eq(r.aside, "");
	ck_assert_str_eq(seen.recs[0], "first");
	ck_assert_str_eq(seen.recs[1], "2");
	ck_assert_str_eq(seen.recs[2], "{\"t\":\"third\"}");
	mc_journal_close(j);
	unlink(path);
}
END_TEST

static off_t s_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

/* 1 when the file at path holds exactly len bytes equal to want. */
static int s_same_bytes(const char *path, const unsigned char *want, size_t len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b = malloc(len + 1);
	size_t got;
	int same;

	ck_assert_ptr_nonnull(fp);
	got = fread(b, 1, len + 1, fp);
	fclose(fp);
	same = got == len && memcmp(b, want, len) == 0;
	free(b);
	return same;
}

static unsigned char *s_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b = malloc((size_t)s_size(path) + 1);
	ck_assert_ptr_nonnull(fp);
	*len = fread(b, 1, (size_t)s_size(path), fp);
	fclose(fp);
	return b;
}

START_TEST(test_torn_tail_is_reported_and_kept)
{
	char path[4096], aside[4200], text[2048];
	mc_journal *j = NULL;
	s_seen seen = { .n = 0 };
	mc_journal_report r;
	unsigned char *orig;
	size_t olen;
	off_t good;
	int fd;
	mc_error err;

	tu_tmpfile(path, sizeof path, "j2.mcj");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "one", 3, &err), 0);
	ck_assert_int_eq(mc_journal_append(j, "two", 3, &err), 0);
	mc_journal_close(j);
	good = s_size(path);
	/* A crash in the middle of writing a record: its header promises 40
	 * bytes, 5 made it. */
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "\x28\0\0\0\1\2\3\4hello", 13), 13);
	close(fd);
	orig = s_read(path, &olen);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &r, &err), 0);
	ck_assert_uint_eq(r.records, 2);
	ck_assert_uint_eq(r.torn_bytes, 13);
	ck_assert_uint_eq(r.damaged, 0);
	/* Reported, and the bytes are kept: the original is aside, whole. */
	snprintf(aside, sizeof aside, "%s.damaged-1", path);
	ck_assert_str_eq(r.aside, aside);
	ck_assert(s_same_bytes(aside, orig, olen));
	mc_journal_report_text(&r, path, text, sizeof text);
	ck_assert_msg(strstr(text, "the last record was cut short by a crash (13 bytes") &&
	              strstr(text, "2 intact records restored") && strstr(text, aside), "%s", text);
	/* New records follow the last good one. */
	ck_assert_int_eq(s_size(path), good);
	ck_assert_int_eq(mc_journal_append(j, "three", 5, &err), 0);
	mc_journal_close(j);
	seen.n = 0;
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &r, &err), 0);
	ck_assert_uint_eq(r.records, 3);
	ck_assert_uint_eq(r.torn_bytes, 0);
	ck_assert_str_eq(seen.recs[2], "three");
	mc_journal_close(j);
	free(orig);
	unlink(aside);
	unlink(path);
}
END_TEST

/* Twelve records "record 0" .. "record 11"; returns the offset of record k
 * in *at (when at is not NULL). */
static void s_twelve(const char *path, int k, off_t *at)
{
	mc_journal *j = NULL;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, &err), 0);
	for (int i = 0; i < 12; i++) {
		char rec[32];
		if (i == k && at != NULL)
			*at = s_size(path);
		snprintf(rec, sizeof rec, "record %d", i);
		ck_assert_int_eq(mc_journal_append(j, rec, strlen(rec), &err), 0);
	}
	mc_journal_close(j);
}

START_TEST(test_flipped_bit_skips_one_record)
{
	char path[4096], text[2048];
	mc_journal *j = NULL;
	s_seen seen = { .n = 0 };
	mc_journal_report r;
	unsigned char byte, *orig;
	size_t olen;
	off_t at = 0;
	int fd;
	mc_error err;

	tu_tmpfile(path, sizeof path, "j5.mcj");
	mc_error_clear(&err);
	/* A third of the way in: one bit of record 4's payload. */
	s_twelve(path, 4, &at);
	fd = open(path, O_RDWR);
	ck_assert_int_eq(pread(fd, &byte, 1, at + 10), 1);
	byte ^= 0x04;
	ck_assert_int_eq(pwrite(fd, &byte, 1, at + 10), 1);
	close(fd);
	orig = s_read(path, &olen);
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &r, &err), 0);
	/* Every intact record, those after the damage included. */
	ck_assert_uint_eq(r.records, 11);
	ck_assert_uint_eq(seen.n, 11);
	ck_assert_str_eq(seen.recs[3], "record 3");
	ck_assert_str_eq(seen.recs[4], "record 5");
	ck_assert_str_eq(seen.recs[10], "record 11");
	ck_assert_uint_eq(r.damaged, 1);
	ck_assert_uint_eq(r.region[0].offset, (size_t)at);
	ck_assert_uint_eq(r.region[0].len, 16);
	ck_assert_uint_eq(r.region[0].after, 4);
	ck_assert_uint_eq(r.torn_bytes, 0);
	/* Not truncated: the damaged original is kept beside it. */
	ck_assert(s_same_bytes(r.aside, orig, olen));
	mc_journal_report_text(&r, path, text, sizeof text);
	ck_assert_msg(strstr(text, "1 damaged stretch skipped (16 bytes:") &&
	              strstr(text, "after record 4") && strstr(text, "11 intact records restored"),
	              "%s", text);
	ck_assert_int_eq(mc_journal_append(j, "record 12", 9, &err), 0);
	mc_journal_close(j);
	/* The rewritten journal is clean. */
	seen.n = 0;
	ck_assert_int_eq(mc_journal_open(&j, path, s_collect, &seen, &r, &err), 0);
	ck_assert_uint_eq(r.records, 12);
	ck_assert_uint_eq(r.damaged, 0);
	ck_assert_str_eq(seen.recs[11], "record 12");
	mc_journal_close(j);
	unlink(r.aside);
	{
		char aside[4200];
		snprintf(aside, sizeof aside, "%s.damaged-1", path);
		unlink(aside);
	}
	free(orig);
	unlink(path);
}
END_TEST

START_TEST(test_garbage_between_records)
{
	char path[4096], moved[4096], aside[4200];
	mc_journal *j = NULL;
	s_seen seen = { .n = 0 };
	mc_journal_report r;
	unsigned char *b;
	size_t len;
	off_t at = 0;
	FILE *fp;
	mc_error err;

	tu_tmpfile(path, sizeof path, "j6.mcj");
	tu_tmpfile(moved, sizeof moved, "j6b.mcj");
	mc_error_clear(&err);
	/* 37 bytes of garbage (zeros included) inserted before record 6, and a
	 * damaged last record: both are skipped, the records between kept. */
	s_twelve(path, 6, &at);
	b = s_read(path, &len);
	fp = fopen(moved, "wb");
	fwrite(b, 1, (size_t)at, fp);
	fwrite("\0\0\0\0\0\0\0\0\0\0garbage-garbage-garbage-gar", 1, 37, fp);
	fwrite(b + at, 1, len - (size_t)at, fp);
	fclose(fp);
	fp = fopen(moved, "r+b");
	fseek(fp, -1, SEEK_END);
	fputc('X', fp);
	fclose(fp);
	ck_assert_int_eq(mc_journal_open(&j, moved, s_collect, &seen, &r, &err), 0);
	ck_assert_uint_eq(r.records, 11);
	ck_assert_str_eq(seen.recs[6], "record 6");
	ck_assert_str_eq(seen.recs[10], "record 10");
	ck_assert_uint_eq(r.damaged, 2);
	ck_assert_uint_eq(r.region[0].len, 37);
	ck_assert_uint_eq(r.region[1].after, 11);
	mc_journal_close(j);
	snprintf(aside, sizeof aside, "%s.damaged-1", moved);
	unlink(aside);
	free(b);
	unlink(moved);
	unlink(path);
}
END_TEST

START_TEST(test_not_a_journal)
{
	char path[4096];
	FILE *fp;
	mc_journal *j = NULL;
	mc_error err;

	tu_tmpfile(path, sizeof path, "j3.mcj");
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	mc_error_clear(&err);
	fputs("index,action\n1,keep\n", fp);
	fclose(fp);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, &err), MC_ERR_PARSE);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(err.text, "not a maskclean journal (bad magic)"));
	ck_assert_ptr_nonnull(strstr(err.text, path));
	ck_assert_int_eq(s_size(path), 20);
	unlink(path);
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
	char path[4096];
	mc_journal *j = NULL;
	int calls = 0;
	mc_error err;

	tu_tmpfile(path, sizeof path, "j4.mcj");
	mc_error_clear(&err);
	ck_assert_int_eq(mc_journal_open(&j, path, NULL, NULL, NULL, &err), 0);
	mc_journal_append(j, "a", 1, &err);
	mc_journal_append(j, "b", 1, &err);
	mc_journal_close(j);
	ck_assert_int_eq(mc_journal_open(&j, path, s_fail_second, &calls, NULL, &err),
	                 MC_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.text, ": record 2: bad action"));
	unlink(path);
}
END_TEST

/* ------------------------------------------------------------ sessions */

/* The state that must survive: history, labels, weights, seen, pending. */
static size_t s_state(const mc_review *rv, unsigned char **out)
{
	const mc_coco *ds = mc_review_dataset(rv);
	size_t n = mc_review_n_instances(rv), nh, len, pos = 0;
	const mc_review_record *h = mc_review_history(rv, &nh);
	unsigned char *b;

	len = sizeof nh + nh * sizeof *h + n * (sizeof(int64_t) + sizeof(double) + 3 + 16);
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
		mc_coco_ann ann;
		size_t c = 0;
		int outside = 0, has;
		mc_coco_instance(ds, i, &ann);
		has = mc_review_pending(rv, ann.id, &a, &c, &outside);
		b[pos++] = (unsigned char)mc_review_is_seen(rv, ann.id);
		b[pos++] = (unsigned char)(has ? 1 + a : 0);
		b[pos++] = (unsigned char)outside;
		memcpy(b + pos, &c, sizeof c);
		pos += 16;
	}
	*out = b;
	return pos;
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

static void s_opts(mc_review_opts *o, const char *dir, const size_t *cls, size_t n)
{
	mc_review_opts_init(o);
	o->dir = dir;
	o->classes = cls;
	o->n_classes = 1;
	o->n = n;
	o->export_images = 0;
	o->folds = 3;
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
	s_opts(&o, dir, &orange, 4);
	/* The parent creates the session; the child works on it and dies. */
	ck_assert_msg(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	mc_review_free(rv);
	rv = NULL;
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const int64_t *ids;
		int64_t b[4], car = -1;
		size_t n, len, row;
		unsigned char *st;
		close(fds[0]);
		for (size_t i = 0; i < mc_coco_n_instances(ds) && car < 0; i++) {
			mc_coco_ann ann;
			mc_coco_instance(ds, i, &ann);
			if (strcmp(mc_coco_class_name(ds, ann.class_index), "person") == 0)
				car = ann.id;
		}
		if (mc_review_resume(&rv, dir, ds, NULL, &err) != 0 ||
		    mc_review_next(&ids, &n, rv, NULL, &err) != 0 || n != 4 ||
		    mc_review_act(rv, &ids[0], 1, MC_ACT_RELABEL, apple, &err) != 0 ||
		    mc_review_act(rv, &ids[1], 1, MC_ACT_REMOVE, 0, &err) != 0 ||
		    mc_review_apply(NULL, rv, MC_REST_KEEP, NULL, &err) != 0 ||
		    mc_review_next(&ids, &n, rv, NULL, &err) != 0 || n != 4)
			_exit(3);
		memcpy(b, ids, sizeof b);
		if (mc_review_act(rv, &b[2], 1, MC_ACT_REMOVE, 0, &err) != 0 ||
		    mc_review_act(rv, &b[3], 1, MC_ACT_RELABEL, apple, &err) != 0 ||
		    mc_review_fix(rv, &car, 1, MC_ACT_REMOVE, 0, &err) != 0 ||
		    mc_review_row(&row, rv, car, &err) != 0)
			_exit(4);
		/* Mid-iteration: a batch is open with two decisions and a fix. */
		len = s_state(rv, &st);
		if (mc_atomic_file_write_fd(fds[1], &len, sizeof len) != 0 ||
		    mc_atomic_file_write_fd(fds[1], st, len) != 0)
			_exit(5);
		for (;;)
			pause();
	}
	close(fds[1]);
	{
		size_t len = 0, len2;
		unsigned char *want, *got;
		const int64_t *ids;
		size_t n;
		ck_assert_int_eq(s_read_all(fds[0], &len, sizeof len), 0);
		want = malloc(len);
		ck_assert_int_eq(s_read_all(fds[0], want, len), 0);
		close(fds[0]);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		/* The dead child's lock does not block. */
		ck_assert_msg(mc_review_resume(&rv, dir, ds, NULL, &err) == 0, "%s", err.text);
		ck_assert_ptr_null(mc_review_notice(rv));
		len2 = s_state(rv, &got);
		ck_assert_uint_eq(len, len2);
		ck_assert_mem_eq(want, got, len);
		ck_assert_uint_eq(mc_review_n_pending(rv), 3);
		ck_assert_uint_eq(mc_review_n_seen(rv), 9);
		/* The open batch comes back instead of a new one, and the service
		 * knows the first iteration's fixes. */
		ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
		ck_assert_uint_eq(n, 4);
		for (size_t k = 0; k < n; k++)
			ck_assert(mc_review_is_seen(rv, ids[k]));
		{
			const int64_t *sl = mc_coreset_labels(mc_review_service(rv));
			const double *sw = mc_coreset_weights(mc_review_service(rv));
			ck_assert_mem_eq(sl, mc_review_labels(rv),
			                 mc_review_n_instances(rv) * sizeof(int64_t));
			ck_assert_mem_eq(sw, mc_review_weights(rv),
			                 mc_review_n_instances(rv) * sizeof(double));
		}
		/* Finishing the iteration after the restart works as before. */
		ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_KEEP, NULL, &err), 0);
		{
			size_t nh;
			const mc_review_record *h = mc_review_history(rv, &nh);
			ck_assert_uint_eq(nh, 3);
			ck_assert_uint_eq(h[2].relabeled, 1);
			ck_assert_uint_eq(h[2].removed, 1);
			ck_assert_uint_eq(h[2].outside, 1);
		}
		free(want);
		free(got);
		mc_review_free(rv);
	}
	fx_done(dir, X, ds);
}
END_TEST

START_TEST(test_torn_journal_record_after_kill)
{
	/* A kill in the middle of a journal write leaves a torn record: resume
	 * reports it and keeps everything before it. */
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 4);
	char *dir = fx_scratch("torn"), jpath[4200];
	size_t orange = fx_class(ds, "orange");
	mc_review_opts o;
	mc_review *rv = NULL;
	const int64_t *ids;
	size_t n, len;
	unsigned char *want, *got;
	int fd;
	mc_error err;

	mc_error_clear(&err);
	s_opts(&o, dir, &orange, 3);
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), 0);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_int_eq(mc_review_act(rv, &ids[0], 1, MC_ACT_REMOVE, 0, &err), 0);
	len = s_state(rv, &want);
	mc_review_free(rv);
	snprintf(jpath, sizeof jpath, "%s/journal.mcj", dir);
	fd = open(jpath, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "\x30\0\0\0\0\0\0\0{\"t\":\"acts\",\"ids\":[", 26), 26);
	close(fd);
	ck_assert_msg(mc_review_resume(&rv, dir, ds, NULL, &err) == 0, "%s", err.text);
	ck_assert_ptr_nonnull(mc_review_notice(rv));
	ck_assert_msg(strstr(mc_review_notice(rv), "the last record was cut short by a crash "
	                     "(26 bytes") != NULL, "%s", mc_review_notice(rv));
	ck_assert_uint_eq(s_state(rv, &got), len);
	ck_assert_mem_eq(want, got, len);
	free(want);
	free(got);
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

/* The offsets of the journal's records (at most max), from their headers. */
static size_t s_offsets(const char *path, off_t *at, size_t max)
{
	size_t len, pos = 8, n = 0;
	unsigned char *b = s_read(path, &len);

	while (pos + 8 <= len && n < max) {
		uint32_t rl = (uint32_t)b[pos] | (uint32_t)b[pos + 1] << 8 |
		              (uint32_t)b[pos + 2] << 16 | (uint32_t)b[pos + 3] << 24;
		at[n++] = (off_t)pos;
		pos += 8 + rl;
	}
	free(b);
	return n;
}

START_TEST(test_flipped_bit_in_a_review_journal)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 9);
	char *dir = fx_scratch("flip"), jpath[4200];
	size_t orange = fx_class(ds, "orange"), apple = fx_class(ds, "apple"), n, nh, nrec, nc;
	mc_review_opts o;
	mc_review *rv = NULL;
	const int64_t *ids;
	const mc_review_record *h;
	int64_t lost = -1, later = -1, row_lost_id;
	off_t at[64], size;
	unsigned char byte;
	size_t before;
	int fd;
	mc_error err;

	mc_error_clear(&err);
	s_opts(&o, dir, &orange, 2);
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), 0);
	/* Three iterations, each: begin, a relabel, a removal, apply. */
	for (int it = 0; it < 3; it++) {
		ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
		ck_assert_uint_eq(n, 2);
		if (it == 0)
			lost = ids[0];
		if (it == 2)
			later = ids[0];
		ck_assert_int_eq(mc_review_act(rv, &ids[0], 1, MC_ACT_RELABEL, apple, &err), 0);
		ck_assert_int_eq(mc_review_act(rv, &ids[1], 1, MC_ACT_REMOVE, 0, &err), 0);
		ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_REFUSE, NULL, &err), 0);
	}
	mc_review_changes(rv, &before);
	ck_assert_uint_eq(before, 6);
	mc_review_free(rv);
	/* Records: baseline, then 4 per iteration. Flip one bit of the first
	 * relabel (record 3 of 13, a quarter to a third of the way in). */
	snprintf(jpath, sizeof jpath, "%s/journal.mcj", dir);
	nrec = s_offsets(jpath, at, 64);
	ck_assert_uint_eq(nrec, 13);
	fd = open(jpath, O_RDWR);
	ck_assert_int_eq(pread(fd, &byte, 1, at[2] + 12), 1);
	byte ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &byte, 1, at[2] + 12), 1);
	close(fd);
	size = s_size(jpath);
	ck_assert_msg(mc_review_resume(&rv, dir, ds, NULL, &err) == 0, "%s", err.text);
	/* Every applied iteration is back; only the damaged decision is lost,
	 * and the user is told. */
	h = mc_review_history(rv, &nh);
	ck_assert_uint_eq(nh, 4);
	ck_assert_uint_eq(h[1].relabeled, 0);
	ck_assert_uint_eq(h[1].removed, 1);
	ck_assert_uint_eq(h[3].relabeled, 1);
	ck_assert_uint_eq(h[3].removed, 1);
	mc_review_changes(rv, &nc);
	ck_assert_uint_eq(nc, 5);
	{
		size_t row;
		ck_assert_int_eq(mc_review_row(&row, rv, later, &err), 0);
		ck_assert_int_eq(mc_review_labels(rv)[row], (int64_t)apple);
		ck_assert_int_eq(mc_review_row(&row, rv, lost, &err), 0);
		ck_assert_int_eq(mc_review_labels(rv)[row], (int64_t)orange);
		row_lost_id = lost;
		ck_assert(mc_review_is_seen(rv, row_lost_id));
	}
	ck_assert_ptr_nonnull(mc_review_notice(rv));
	ck_assert_msg(strstr(mc_review_notice(rv), "1 damaged stretch skipped") &&
	              strstr(mc_review_notice(rv), "after record 2") &&
	              strstr(mc_review_notice(rv), "12 intact records restored") &&
	              strstr(mc_review_notice(rv), "journal.mcj.damaged-1"), "%s",
	              mc_review_notice(rv));
	/* The original stays whole beside the repaired journal, which lost
	 * only the damaged record. */
	ck_assert_int_eq(s_size(jpath), size - (at[3] - at[2]));
	snprintf(jpath, sizeof jpath, "%s/journal.mcj.damaged-1", dir);
	ck_assert_int_eq(s_size(jpath), size);
	ck_assert_uint_eq(s_offsets(jpath, at, 64), 13);
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

START_TEST(test_one_writer_per_folder)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 10);
	char *dir = fx_scratch("lock"), want[64], host[256];
	size_t orange = fx_class(ds, "orange");
	mc_review_opts o;
	mc_review *rv = NULL, *rv2 = NULL;
	const int64_t *ids;
	size_t n;
	int fds[2], status;
	pid_t pid;
	char c;
	mc_error err;

	mc_error_clear(&err);
	s_opts(&o, dir, &orange, 2);
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), 0);
	/* A second process is refused, with the holder named. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mc_review *other = NULL;
		int rc = mc_review_resume(&other, dir, ds, NULL, &err);
		snprintf(want, sizeof want, "in use by pid %ld on host ", (long)getppid());
		_exit(rc == MC_ERR_STATE && strstr(err.text, want) != NULL &&
		      strstr(err.text, "session.lock") != NULL ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the second process was "
	              "not refused with the holder named");
	/* The holder keeps working. */
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_int_eq(mc_review_keep_rest(NULL, rv, &err), 0);
	mc_review_free(rv);
	/* A holder that dies (kill -9) does not block. */
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mc_review *held = NULL;
		close(fds[0]);
		if (mc_review_resume(&held, dir, ds, NULL, &err) != 0)
			_exit(3);
		if (write(fds[1], "x", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	ck_assert_int_eq(mc_review_resume(&rv, dir, ds, NULL, &err), MC_ERR_STATE);
	gethostname(host, sizeof host);
	snprintf(want, sizeof want, "in use by pid %ld on host ", (long)pid);
	ck_assert_msg(strstr(err.text, want) != NULL && strstr(err.text, host) != NULL, "%s",
	              err.text);
	mc_error_clear(&err);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(mc_review_resume(&rv, dir, ds, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_review_n_pending(rv), 2);
	/* In one process, opening the folder again supersedes the older
	 * session, whose changes are in the newer one. */
	ck_assert_msg(mc_review_new(&rv2, ds, X, NULL, NULL, &o, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(mc_review_n_pending(rv2), 2);
	ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_KEEP, NULL, &err), MC_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "superseded"));
	mc_error_clear(&err);
	ck_assert_int_eq(mc_review_apply(NULL, rv2, MC_REST_KEEP, NULL, &err), 0);
	mc_review_free(rv);
	mc_review_free(rv2);
	fx_done(dir, X, ds);
}
END_TEST

/* The hash the corrections log names, and the SHA-256 of a file. */
static void s_named_hash(const char *csv, char *hex)
{
	FILE *fp = fopen(csv, "r");
	char line[512];
	const char *h;

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
	fclose(fp);
	h = strstr(line, "sha256=");
	ck_assert_ptr_nonnull(h);
	memcpy(hex, h + 7, 64);
	hex[64] = '\0';
}

static void s_sha256(const char *path, char *hex)
{
	size_t len;
	unsigned char *b = s_read(path, &len), md[32];
	unsigned int ml = 0;

	ck_assert_int_eq(EVP_Digest(b, len, md, &ml, EVP_sha256(), NULL), 1);
	for (unsigned int k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", md[k]);
	free(b);
}

static int s_die_at_corrections(void *ctx, size_t done, size_t total, const char *what)
{
	(void)ctx;
	(void)done;
	(void)total;
	if (strcmp(what, "review: corrections") == 0)
		raise(SIGKILL);
	return 0;
}

START_TEST(test_kill_between_the_two_renames)
{
	mc_coco *ds = fx_tinycoco();
	mc_matrix *X = fx_features(ds, 6, 11);
	char *dir = fx_scratch("export-kill"), json[4200], csv[4200], h1[65], h2[65], named[65];
	size_t orange = fx_class(ds, "orange"), apple = fx_class(ds, "apple"), n;
	mc_review_opts o;
	mc_review *rv = NULL;
	const int64_t *ids;
	int status;
	pid_t pid;
	mc_error err;

	mc_error_clear(&err);
	s_opts(&o, dir, &orange, 2);
	snprintf(json, sizeof json, "%s/fixed.json", dir);
	snprintf(csv, sizeof csv, "%s/fixed.corrections.csv", dir);
	ck_assert_int_eq(mc_review_new(&rv, ds, X, NULL, NULL, &o, NULL, &err), 0);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_int_eq(mc_review_act(rv, &ids[0], 1, MC_ACT_REMOVE, 0, &err), 0);
	ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_KEEP, NULL, &err), 0);
	ck_assert_msg(mc_review_export(rv, json, NULL, &err) == 0, "%s", err.text);
	/* A complete export: the log names its JSON. */
	s_named_hash(csv, named);
	s_sha256(json, h1);
	ck_assert_str_eq(named, h1);
	ck_assert_int_eq(mc_review_next(&ids, &n, rv, NULL, &err), 0);
	ck_assert_int_eq(mc_review_act(rv, &ids[0], 1, MC_ACT_RELABEL, apple, &err), 0);
	ck_assert_int_eq(mc_review_apply(NULL, rv, MC_REST_KEEP, NULL, &err), 0);
	mc_review_free(rv);
	/* Killed after the JSON was replaced, before the log was. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mc_progress die = { s_die_at_corrections, NULL };
		mc_review *child = NULL;
		if (mc_review_resume(&child, dir, ds, NULL, &err) != 0)
			_exit(3);
		mc_review_export(child, json, &die, &err);
		_exit(4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
	/* A new JSON beside the old log: the log's hash says it belongs to the
	 * earlier JSON, so no reader takes them for a pair. */
	s_sha256(json, h2);
	s_named_hash(csv, named);
	ck_assert_str_ne(h1, h2);
	ck_assert_str_eq(named, h1);
	ck_assert_str_ne(named, h2);
	/* The next export makes a pair again. */
	ck_assert_int_eq(mc_review_resume(&rv, dir, ds, NULL, &err), 0);
	ck_assert_int_eq(mc_review_export(rv, json, NULL, &err), 0);
	s_named_hash(csv, named);
	ck_assert_str_eq(named, h2);
	mc_review_free(rv);
	fx_done(dir, X, ds);
}
END_TEST

static Suite *s_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_append_and_replay);
	tcase_add_test(tc, test_torn_tail_is_reported_and_kept);
	tcase_add_test(tc, test_flipped_bit_skips_one_record);
	tcase_add_test(tc, test_garbage_between_records);
	tcase_add_test(tc, test_not_a_journal);
	tcase_add_test(tc, test_replay_error_names_record);
	tcase_add_test(tc, test_kill9_mid_iteration_then_resume);
	tcase_add_test(tc, test_torn_journal_record_after_kill);
	tcase_add_test(tc, test_flipped_bit_in_a_review_journal);
	tcase_add_test(tc, test_one_writer_per_folder);
	tcase_add_test(tc, test_kill_between_the_two_renames);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mc_check_run(s_suite());
}
