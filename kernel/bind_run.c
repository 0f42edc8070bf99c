/* run(path): the language's %run. Reads a file of code (UTF-8, bounded in
 * size) and runs it in the session through the evaluator
 * (mc_call_run_code), so that notebooks share set-up code from one file. */
#include "lang.h"
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file of code larger than this is refused (a notebook's shared cells are
 * a few kilobytes; a wrong path to a data file should fail at once). */
#define S_MAX_BYTES ((size_t)1 << 20)

/* Reads path whole into *out (NUL-terminated). */
static int s_read(const char *path, char **out, size_t *n, mc_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	*out = NULL;
	if (fd < 0)
		return mc_error_set(err, MC_ERR_IO, "run(): %s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = mc_error_set(err, MC_ERR_IO, "run(): %s: expected a file of code (.mc), not a "
		                  "directory or a device", path);
		goto cleanup;
	}
	if ((size_t)st.st_size > S_MAX_BYTES) {
		rc = mc_error_set(err, MC_ERR_INVALID, "run(): %s: %lld bytes; a file of code may have "
		                  "at most %zu", path, (long long)st.st_size, S_MAX_BYTES);
		goto cleanup;
	}
	buf = malloc(S_MAX_BYTES + 2);
	if (buf == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "run(): out of memory");
		goto cleanup;
	}
	/* the size may change while reading: read up to one byte past the limit */
	while (got <= S_MAX_BYTES) {
		ssize_t r = read(fd, buf + got, S_MAX_BYTES + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = mc_error_set(err, MC_ERR_IO, "run(): %s: cannot read: %s", path,
			                  strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > S_MAX_BYTES) {
		rc = mc_error_set(err, MC_ERR_INVALID, "run(): %s: more than %zu bytes; a file of code "
		                  "may have at most %zu", path, S_MAX_BYTES, S_MAX_BYTES);
		goto cleanup;
	}
	buf[got] = '\0';
	*out = buf;
	*n = got;
	buf = NULL;
cleanup:
	free(buf);
	close(fd);
	return rc;
}

/* The text must be UTF-8 without NUL bytes: names the line that is not. */
static int s_check_text(const char *path, const char *s, size_t n, mc_error *err)
{
	size_t i = 0, line = 1;

	while (i < n) {
		size_t k = mc_utf8_valid_at(s + i, n - i);

		if (s[i] == '\0')
			return mc_error_set(err, MC_ERR_PARSE, "run(): %s: line %zu: a NUL byte; expected "
			                    "UTF-8 text", path, line);
		if (k == 0)
			return mc_error_set(err, MC_ERR_PARSE, "run(): %s: line %zu: byte 0x%02x is not "
			                    "UTF-8; expected UTF-8 text", path, line,
			                    (unsigned)(unsigned char)s[i]);
		if (s[i] == '\n')
			line++;
		i += k;
	}
	return 0;
}

static int f_run(mc_call *call, mc_value **out, mc_error *err)
{
	const char *path;
	char *text = NULL, label[64];
	size_t n = 0, len;
	int rc;

	*out = NULL;
	if ((rc = mc_arg_str(call, "path", &path, err)) != 0)
		return rc;
	if ((rc = s_read(path, &text, &n, err)) != 0)
		return rc;
	if ((rc = s_check_text(path, text, n, err)) == 0) {
		/* "File <path>", the path's end when it is long */
		len = strlen(path);
		snprintf(label, sizeof label, "File %s%s", len > 50 ? "..." : "",
		         len > 50 ? path + len - 47 : path);
		rc = mc_call_run_code(call, text, label, err);
	}
	free(text);
	if (rc == 0)
		*out = mc_none();
	return rc;
}

const mc_func_def mc_funcs_run[] = {
	{ .name = "run", .signature = "(path)",
	  .doc = "Runs a file of code in the session, as IPython's %run: shared set-up of notebooks.",
	  .long_doc = "`path` (relative to the kernel's working folder, the notebook's) names a UTF-8 text "
	  "file of at most 1 MiB, usually `.mc`. Its statements run as a cell would, at the "
	  "session's top level: the variables it assigns and the functions it defines are the "
	  "session's afterwards, even when run() is called inside a function. It returns None "
	  "and shows nothing but what the file prints or displays.\n\n"
	  "An error stops the file where it happens, with a traceback whose frames name the file "
	  "and line (`File setup.mc, line 3`); what the statements before it assigned stays "
	  "assigned, as with %run. The interrupt stops it within a second. A file that runs "
	  "itself, directly or not, stops with a RecursionError at the recursion limit.\n\n"
	  "    run(\"setup.mc\")      # defines demo_setup()\n"
	  "    ds, Z, y = demo_setup()", .fn = f_run },
	{ .name = NULL }
};
