/* Fuzz harness: journal replay (mc_journal_open, runtime/journal.c) on a
 * damaged journal file. Properties: an open either fails with a message or
 * replays records that are NUL-terminated at their length, as many as the
 * report and mc_journal_count say; what was skipped is kept aside and
 * reported; a record appended afterwards is replayed by the next open,
 * after the ones replayed before, and that second open finds nothing
 * damaged. */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

#include "maskclean/journal.h"

typedef struct s_seen {
	size_t n;
	char last[32];
} s_seen;

static int s_replay(void *ctx, const char *rec, size_t len, mc_error *err)
{
	s_seen *s = ctx;

	(void)err;
	FZ_ASSERT(len > 0 && rec[len] == '\0');
	s->n++;
	snprintf(s->last, sizeof s->last, "%.*s", (int)(len < 31 ? len : 31), rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_scratch("journal");
	s_seen seen = { 0, "" }, again = { 0, "" };
	mc_journal_report rep, rep2;
	mc_journal *j = NULL;
	char text[2048];
	FILE *f = fopen(path, "wb");
	mc_error err;

	FZ_ASSERT(f != NULL);
	FZ_ASSERT(size == 0 || fwrite(data, 1, size, f) == size);
	FZ_ASSERT(fclose(f) == 0);
	mc_error_clear(&err);
	if (mc_journal_open(&j, path, s_replay, &seen, &rep, &err) != 0) {
		FZ_ASSERT(j == NULL && err.text[0] != '\0');
		return 0;
	}
	FZ_ASSERT(rep.records == seen.n && mc_journal_count(j) == seen.n);
	FZ_ASSERT((rep.damaged == 0 && rep.torn_bytes == 0) || rep.aside[0] != '\0' ||
	          rep.damaged == 0);
	mc_journal_report_text(&rep, path, text, sizeof text);
	FZ_ASSERT(mc_journal_append(j, "fuzz-record", 11, &err) == 0);
	mc_journal_close(j);
	j = NULL;
	if (rep.aside[0] != '\0')
		unlink(rep.aside);
	mc_error_clear(&err);
	FZ_ASSERT(mc_journal_open(&j, path, s_replay, &again, &rep2, &err) == 0);
	FZ_ASSERT(again.n == seen.n + 1 && strcmp(again.last, "fuzz-record") == 0);
	FZ_ASSERT(rep2.damaged == 0 && rep2.torn_bytes == 0 && rep2.aside[0] == '\0');
	mc_journal_close(j);
	return 0;
}
