/* libFuzzer harness of the command language: parses and runs the input as a
 * cell in a fresh session, then asks for completion, inspection and
 * is_complete at a few places of it. Timers set the interrupt flag, as the
 * kernel's interrupt does, after 10 ms of the process's CPU time (the same
 * share of work whatever the machine's load) or 100 ms of wall clock (a
 * cell that waits: sleep(60)), so an input that would run long
 * (while True: pass) must come back with KeyboardInterrupt.
 *
 * Properties: every input gives a value or an error whose name, message
 * and traceback (JSON strings: valid UTF-8) are filled; an interrupted run
 * ends with KeyboardInterrupt; nothing crashes, hangs or leaks (ASan,
 * UBSan, the fuzzer's leak check and its timeout).
 *
 * No state outlives an input, so that each input reproduces alone: the
 * session is freed, the recursion limit and the limits of set_limit() go
 * back to their defaults, and the scratch folder the harness runs in (so
 * that a cell that writes files, make_demo("d"), writes there) is emptied.
 *
 * Each input costs time in proportion to its length (it is lexed three
 * times and parsed twice, to run it and for is_complete); tools/fuzz.sh
 * gives libFuzzer -max_len=8192 for this harness, and make check replays
 * the corpus's long regression cells whole. Built with tests/fuzz's
 * driver.c (or -DMC_FUZZ_STANDALONE) it replays files given as arguments. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "interp.h"
#include "lang.h"
#include "maskclean/limits.h"

#define S_CHECK(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,   \
			        #cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* How long an input may run before a timer interrupts it: CPU time, and
 * wall clock for a cell that waits without computing. */
#define S_BUDGET_CPU_NS (10L * 1000 * 1000)
#define S_BUDGET_WALL_NS (100L * 1000 * 1000)
/* The largest value `seq * n` may build (the language's own limit, 2^31
 * bytes, lowered): its repr stays far below the fuzzer's 1 GB allocation
 * limit, and the MemoryError path is reached by short inputs. */
#define S_REPEAT_LIMIT ((size_t)1 << 24)
/* Inputs longer than this are cut (a cell larger than this is still valid;
 * the fuzzer gains nothing from megabytes). */
#define S_MAX_INPUT (1 << 18)

static atomic_int s_flag;
static timer_t s_timer[2];   /* CPU time, wall clock */
static int s_timer_ok[2];
static char s_dir[256];

static void s_on_timer(union sigval sv)
{
	(void)sv;
	s_flag = 1;
}

static void s_stream(void *ctx, const char *name, const char *text)
{
	(void)ctx;
	S_CHECK(strcmp(name, "stdout") == 0 || strcmp(name, "stderr") == 0);
	S_CHECK(text != NULL);
}

static void s_display(void *ctx, json_t *data, json_t *metadata, const char *id, int update)
{
	(void)ctx;
	(void)id;
	(void)update;
	S_CHECK(json_is_object(data) && json_is_object(metadata));
	S_CHECK(json_is_string(json_object_get(data, "text/plain")));
}

static void s_clear(void *ctx, int wait)
{
	(void)ctx;
	(void)wait;
}

static int s_input(void *ctx, const char *prompt, int password, char **out)
{
	(void)ctx;
	(void)prompt;
	(void)password;
	*out = NULL;
	return -1;
}

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0 && remove(path) != 0) {
		fprintf(stderr, "fuzz_lang: cannot remove %s: %s\n", path, strerror(errno));
		abort();
	}
	return 0;
}

/* Empties the scratch folder (a cell may have written files there). */
static void s_empty_scratch(void)
{
	DIR *d = opendir(s_dir);
	struct dirent *e;
	int any = 0;

	if (d == NULL)
		return;
	while (!any && (e = readdir(d)) != NULL)
		any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	if (any)
		nftw(s_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
}

static void s_cleanup(void)
{
	char cmd[300];

	if (s_dir[0] != '\0' && chdir("/") == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_lang: could not remove %s\n", s_dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sigevent sev;
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(s_dir, sizeof s_dir, "%s/mc-fuzz-lang-XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(s_dir) == NULL || chdir(s_dir) != 0) {
		fprintf(stderr, "fuzz_lang: cannot make a scratch folder: %s\n", strerror(errno));
		abort();
	}
	atexit(s_cleanup);
	mc_lang_set_repeat_limit(S_REPEAT_LIMIT);
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = s_on_timer;
	s_timer_ok[0] = timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &s_timer[0]) == 0;
	s_timer_ok[1] = timer_create(CLOCK_MONOTONIC, &sev, &s_timer[1]) == 0;
	if (!s_timer_ok[0] || !s_timer_ok[1]) {
		fprintf(stderr, "fuzz_lang: cannot make a timer: %s\n", strerror(errno));
		abort();
	}
	return 0;
}

/* Arms timer k to fire after ns nanoseconds of its clock (0: disarms it). */
static void s_arm(int k, long ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = ns / 1000000000L;
	its.it_value.tv_nsec = ns % 1000000000L;
	timer_settime(s_timer[k], 0, &its, NULL);
}

static void s_check_error(const mc_exec_error *x)
{
	size_t i, n;

	S_CHECK(x->ename[0] != '\0');
	S_CHECK(json_is_array(x->traceback));
	n = json_array_size(x->traceback);
	S_CHECK(n >= 2);
	for (i = 0; i < n; i++)
		S_CHECK(json_is_string(json_array_get(x->traceback, i)));
	S_CHECK(x->line >= 0 && x->col >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	mc_io io = { .stream = s_stream, .display = s_display, .clear_output = s_clear,
	             .input = s_input, .interrupted = &s_flag };
	mc_interp *in;
	mc_value *res = NULL;
	mc_exec_error x;
	char *code;
	const char *indent;
	size_t n = size < S_MAX_INPUT ? size : S_MAX_INPUT, cps, k;
	int rc;

	if (!ready) {
		if (s_dir[0] == '\0')
			LLVMFuzzerInitialize(NULL, NULL);
		ready = 1;
	}
	code = malloc(n + 1);
	if (code == NULL)
		return 0;
	memcpy(code, data, n);
	code[n] = '\0';
	in = mc_interp_new();
	S_CHECK(in != NULL);
	s_flag = 0;
	s_arm(0, S_BUDGET_CPU_NS);
	s_arm(1, S_BUDGET_WALL_NS);
	memset(&x, 0, sizeof x);
	rc = mc_interp_execute(in, code, &io, &res, &x);
	if (rc == 0) {
		char *r;

		S_CHECK(x.traceback == NULL);
		r = mc_value_repr(res);
		S_CHECK(r != NULL || res == NULL);
		free(r);
		mc_unref(res);
	} else {
		s_check_error(&x);
		if (rc == MC_ERR_INTERRUPTED)
			S_CHECK(strcmp(x.ename, "KeyboardInterrupt") == 0);
		mc_exec_error_clear(&x);
	}
	s_arm(0, 0);
	s_arm(1, 0);
	/* completion, inspection and is_complete on the same text */
	cps = mc_utf8_count(code, strlen(code));
	for (k = 1; k <= 2; k++) {
		int cursor = (int)(cps * k / 2), start, end;
		json_t *m = mc_interp_complete(in, code, cursor, &start, &end);
		char *h;

		S_CHECK(m != NULL && json_is_array(m));
		S_CHECK(start >= 0 && start <= end);
		json_decref(m);
		h = mc_interp_inspect(in, code, cursor, 0);
		free(h);
	}
	S_CHECK(mc_interp_is_complete(in, code, &indent) != NULL && indent != NULL);
	mc_interp_free(in);
	/* what a cell may have changed beyond its session: the recursion limit,
	 * the limits of set_limit(), files */
	mc_lang_set_depth_limit(1000);
	mc_limit_reset();
	s_empty_scratch();
	free(code);
	return 0;
}

#ifdef MC_FUZZ_STANDALONE
/* Replays each file named on the command line. */
int main(int argc, char **argv)
{
	int i, count = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) != 0) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			if (f != NULL)
				fclose(f);
			return 1;
		}
		buf = malloc((size_t)len + 1);
		if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			free(buf);
			fclose(f);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		count++;
	}
	printf("fuzz_lang: %d inputs ran\n", count);
	return 0;
}
#endif
