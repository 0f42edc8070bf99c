/* Fuzz harness: journal replay (mc_journal_open, runtime/journal.c) on a
 * damaged journal file. Properties: an open either fails with a message or
 * replays records that are NUL-terminated at their length, their count
 * matching mc_journal_count; a record appended afterwards is replayed by the
 * next open, after the ones replayed before. */
#include "fuzz.h"

#include <string.h>

#include "maskclean/journal.h"

typedef struct s_seen {
	size_t n;
	char last[32];
} s_seen;

static int s_replay(void *ctx, const char *rec, size_t len, mc_error *err)
{
	s_seen *s = ctx;

	(void)err;
	FZ_ASSERT(rec[len] == '\0');
	s->n++;
	snprintf(s->last, sizeof s->last, "%.*s", (int)(len < 31 ? len : 31), rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_scratch("journal");
	s_seen seen = { 0, "" }, again = { 0, "" };
	mc_journal *j = NULL;
	size_t n = 0, dropped = 0;
	FILE *f = fopen(path, "wb");
	mc_error err;

	FZ_ASSERT(f != NULL);
	FZ_ASSERT(size == 0 || fwrite(data, 1, size, f) == size);
	FZ_ASSERT(fclose(f) == 0);
	mc_error_clear(&err);
	if (mc_journal_open(&j, path, s_replay, &seen, &n, &dropped, &err) != 0) {
		FZ_ASSERT(j == NULL && err.text[0] != '\0');
		return 0;
	}
	FZ_ASSERT(n == seen.n && mc_journal_count(j) == n);
	FZ_ASSERT(mc_journal_append(j, "fuzz-record", 11, &err) == 0);
	mc_journal_close(j);
	j = NULL;
	mc_error_clear(&err);
	FZ_ASSERT(mc_journal_open(&j, path, s_replay, &again, &n, &dropped, &err) == 0);
	FZ_ASSERT(again.n == seen.n + 1 && strcmp(again.last, "fuzz-record") == 0);
	mc_journal_close(j);
	return 0;
}
