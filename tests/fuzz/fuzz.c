/* Helpers of tests/fuzz/fuzz.h: the in-memory input file and the scratch
 * folder. */
#include "fuzz.h"

#include <ftw.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	size_t done = 0;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0) {
		perror("ftruncate");
		abort();
	}
	while (done < size) {
		ssize_t k = pwrite(fd, data + done, size - done, (off_t)done);
		if (k <= 0) {
			perror("pwrite");
			abort();
		}
		done += (size_t)k;
	}
	return path;
}

static char s_dir[4096];

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void s_cleanup(void)
{
	if (s_dir[0] != '\0')
		nftw(s_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_scratch(const char *name)
{
	static char path[4200];

	if (s_dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(s_dir, sizeof s_dir, "%s/mc-fuzz.XXXXXX",
		         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(s_dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
		atexit(s_cleanup);
	}
	snprintf(path, sizeof path, "%s/%s", s_dir, name);
	return path;
}
