/* The Jupyter wire protocol (5.3): framing, HMAC-SHA256 signing, replay
 * protection, and message headers.
 *
 * A message on the wire is
 *   [identity ...] "<IDS|MSG>" signature header parent_header metadata content [buffer ...]
 * where signature is the lowercase hex HMAC-SHA256 of the four JSON frames.
 * This module knows nothing of sockets: frames are (pointer, length) pairs, so
 * the codec is tested without ZeroMQ. */
#ifndef MASKCLEAN_WIRE_H
#define MASKCLEAN_WIRE_H

#include <stddef.h>
#include <jansson.h>

#include "maskclean/error.h"

#define MC_WIRE_DELIM "<IDS|MSG>"
#define MC_WIRE_PROTOCOL_VERSION "5.3"
/* Length of a hex HMAC-SHA256 signature, without the NUL. */
#define MC_WIRE_SIG_HEX 64

typedef struct mc_wire mc_wire;

/* One frame: borrowed bytes. */
typedef struct mc_frame {
	const void *data;
	size_t len;
} mc_frame;

/* One routing identity of a message: owned bytes (malloc'd). */
typedef struct mc_ident {
	void *data;
	size_t len;
} mc_ident;

/* A decoded or outgoing message. The json_t members are owned by the message;
 * idents are the routing frames that came before the delimiter (copies). */
typedef struct mc_msg {
	size_t n_idents;
	mc_ident *idents;
	json_t *header;
	json_t *parent_header;
	json_t *metadata;
	json_t *content;
} mc_msg;

/* A new codec for the given key (key_len may be 0: messages are then neither
 * signed nor checked, as the protocol says). session is this side's session
 * id; NULL makes a fresh UUID. Caller owns; free with mc_wire_free. Returns
 * NULL when memory or OpenSSL's HMAC fails. */
mc_wire *mc_wire_new(const void *key, size_t key_len, const char *session);
void mc_wire_free(mc_wire *w);

/* This codec's session id (borrowed). */
const char *mc_wire_session(const mc_wire *w);

/* Writes the lowercase hex HMAC-SHA256 of the n frames, concatenated, to hex
 * (MC_WIRE_SIG_HEX + 1 bytes). With an empty key writes "". Returns 0, or
 * MC_ERR_INVALID if OpenSSL fails. */
int mc_wire_sign(const mc_wire *w, const mc_frame *frames, size_t n, char *hex);

/* Decodes the frames of one message: finds the delimiter, checks that the
 * signature has the right length and matches in constant time, that it was
 * not seen before (replay), and parses the four JSON frames (header,
 * parent_header, metadata and content must be objects; header must carry
 * msg_id and msg_type strings without U+0000). Other strings may hold U+0000:
 * read them with json_string_length. On success *out is a new message the caller
 * owns (mc_msg_free) and the signature is remembered. On failure *out is NULL,
 * err says why ("bad signature", "replayed signature", "header: ...") and the
 * return is MC_ERR_INVALID or MC_ERR_PARSE. Thread-safe. */
int mc_wire_decode(mc_wire *w, mc_msg **out, const mc_frame *frames, size_t n,
                   mc_error *err);

/* Serialises msg to frames: idents, delimiter, signature and the four JSON
 * documents (compact, UTF-8). *out_frames is one malloc'd block the caller
 * frees with free(); frame data point inside it. Returns 0 or a negative code. */
int mc_wire_encode(const mc_wire *w, const mc_msg *msg, mc_frame **out_frames,
                   size_t *out_n);

/* A new message of type msg_type whose parent is parent (may be NULL: empty
 * parent header). The header has a libuuid msg_id, this codec's session, the
 * user name, an ISO-8601 UTC date with microseconds and version "5.3".
 * content is stolen (NULL makes {}). The routing idents of parent are copied
 * so a reply goes back to the requester. Caller owns; NULL when out of memory. */
mc_msg *mc_msg_new(const mc_wire *w, const char *msg_type, const mc_msg *parent,
                   json_t *content);

/* Frees msg; accepts NULL. */
void mc_msg_free(mc_msg *msg);

/* The msg_type of msg's header (borrowed), or "" when absent. */
const char *mc_msg_type(const mc_msg *msg);

/* Writes the current UTC time as "2026-11-28T10:00:00.123456Z" into buf
 * (at least 32 bytes). */
void mc_wire_now(char *buf, size_t size);

/* Writes a new random UUID in lowercase 8-4-4-4-12 form (37 bytes). */
void mc_wire_uuid(char *buf);

#endif
