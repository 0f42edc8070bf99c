/* Fuzz harness: the connection file (mc_connection_load,
 * kernel/connection.c). Properties: a load fails with a message naming the
 * file, or gives a transport of "tcp" or "ipc", ports in range for tcp and
 * endpoints that fit their buffer. */
#include "fuzz.h"

#include <string.h>

#include "connection.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_file(data, size);
	mc_connection c;
	char ep[512];
	mc_error err;

	mc_error_clear(&err);
	if (mc_connection_load(&c, path, &err) != 0) {
		FZ_ASSERT(strncmp(err.text, path, strlen(path)) == 0);
		mc_connection_clear(&c);
		return 0;
	}
	FZ_ASSERT(strcmp(c.transport, "tcp") == 0 || strcmp(c.transport, "ipc") == 0);
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		if (strcmp(c.transport, "tcp") == 0)
			FZ_ASSERT(c.ports[ch] >= 1 && c.ports[ch] <= 65535);
		mc_connection_endpoint(&c, (mc_channel)ch, ep, sizeof ep);
		FZ_ASSERT(strlen(ep) < sizeof ep);
	}
	FZ_ASSERT(c.key != NULL && strlen(c.key) <= c.key_len);
	mc_connection_clear(&c);
	return 0;
}
