/* Shared helpers of the libFuzzer harnesses in tests/fuzz (see README.md).
 *
 * Each harness defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize). Built with --enable-fuzzing (clang) libFuzzer drives
 * it; built plainly, tests/fuzz/driver.c replays files through it. A harness
 * aborts (FZ_ASSERT) when a property it checks does not hold, so the fuzzer
 * reports it as a crash. */
#ifndef MC_FUZZ_H
#define MC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with the condition and the place when cond is false. */
#define FZ_ASSERT(cond)                                                                  \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,   \
			        #cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* A path whose file holds data[0..size): an in-memory file (memfd) reused
 * by every call of the process, reached as /proc/self/fd/N. Loaders that take
 * a path read the input through it without touching the disk. Valid until
 * the next call. */
const char *fz_file(const uint8_t *data, size_t size);

/* A private scratch folder of the process (made on first use, under
 * $TMPDIR or /tmp, removed at exit) for files a harness writes: exports,
 * saved services. Returns dir/name in a buffer valid until the next call. */
const char *fz_scratch(const char *name);

/* Reads little-endian integers from the input, 0 past its end. */
typedef struct fz_reader {
	const uint8_t *p, *end;
} fz_reader;

static inline uint32_t fz_u8(fz_reader *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static inline uint32_t fz_u16(fz_reader *r)
{
	uint32_t lo = fz_u8(r);
	return lo | fz_u8(r) << 8;
}

static inline uint32_t fz_u32(fz_reader *r)
{
	uint32_t lo = fz_u16(r);
	return lo | fz_u16(r) << 16;
}

#endif
