/* Fuzz harness: the wire decoder (mc_wire_decode, kernel/wire.c). The input
 * is split into frames at each 0xFF byte (never part of UTF-8 JSON). The
 * first byte picks the codec: unsigned (empty key), or keyed with the frames
 * signed here so that the decoder reaches the JSON; a third way leaves the
 * signature as the input has it. Properties: a decode fails with a message
 * or gives a message whose encoding decodes again to equal JSON. */
#include "fuzz.h"

#include <string.h>

#include "wire.h"

#define S_MAX_FRAMES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] = "fuzz-key";
	mc_frame frames[S_MAX_FRAMES];
	char sig[MC_WIRE_SIG_HEX + 1];
	size_t n = 0, start = 1, delim = (size_t)-1;
	int mode;
	mc_wire *w, *w2;
	mc_msg *msg = NULL, *again = NULL;
	mc_frame *out = NULL;
	size_t n_out = 0;
	mc_error err;

	if (size == 0)
		return 0;
	mode = data[0] % 3;
	for (size_t i = 1; i <= size && n < S_MAX_FRAMES; i++)
		if (i == size || data[i] == 0xFF) {
			frames[n].data = data + start;
			frames[n].len = i - start;
			n++;
			start = i + 1;
		}
	w = mc_wire_new(mode == 0 ? "" : key, mode == 0 ? 0 : sizeof key - 1, "fuzz-session");
	w2 = mc_wire_new(mode == 0 ? "" : key, mode == 0 ? 0 : sizeof key - 1, "other-session");
	FZ_ASSERT(w != NULL && w2 != NULL);
	for (size_t i = 0; i < n; i++)
		if (frames[i].len == strlen(MC_WIRE_DELIM) &&
		    memcmp(frames[i].data, MC_WIRE_DELIM, frames[i].len) == 0) {
			delim = i;
			break;
		}
	if (mode == 1 && delim != (size_t)-1 && n >= delim + 6) {
		FZ_ASSERT(mc_wire_sign(w, frames + delim + 2, 4, sig) == 0);
		frames[delim + 1].data = sig;
		frames[delim + 1].len = strlen(sig);
	}
	mc_error_clear(&err);
	if (mc_wire_decode(w, &msg, frames, n, &err) != 0) {
		FZ_ASSERT(msg == NULL && err.text[0] != '\0');
		goto cleanup;
	}
	FZ_ASSERT(mc_wire_encode(w, msg, &out, &n_out) == 0);
	mc_error_clear(&err);
	if (mc_wire_decode(w2, &again, out, n_out, &err) != 0) {
		fprintf(stderr, "an encoded message does not decode: %s\n", err.text);
		FZ_ASSERT(0);
	}
	FZ_ASSERT(json_equal(msg->header, again->header));
	FZ_ASSERT(json_equal(msg->parent_header, again->parent_header));
	FZ_ASSERT(json_equal(msg->metadata, again->metadata));
	FZ_ASSERT(json_equal(msg->content, again->content));
	FZ_ASSERT(again->n_idents == msg->n_idents);
cleanup:
	mc_msg_free(msg);
	mc_msg_free(again);
	free(out);
	mc_wire_free(w);
	mc_wire_free(w2);
	return 0;
}
