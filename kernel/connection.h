/* The connection file a Jupyter front end hands the kernel (-f path): the
 * transport, address, five ports and the signing key. */
#ifndef MASKCLEAN_CONNECTION_H
#define MASKCLEAN_CONNECTION_H

#include <stddef.h>

#include "maskclean/error.h"

typedef enum mc_channel {
	MC_CH_SHELL,
	MC_CH_CONTROL,
	MC_CH_STDIN,
	MC_CH_IOPUB,
	MC_CH_HB,
	MC_CH_COUNT
} mc_channel;

typedef struct mc_connection {
	char transport[16];        /* "tcp" or "ipc" */
	char ip[256];
	int ports[MC_CH_COUNT];
	char *key;                 /* owned; may be "" (no signing) */
	size_t key_len;
	char signature_scheme[32]; /* "hmac-sha256" */
	/* Listening sockets already bound to the channels' endpoints, handed over
	 * by maskclean-launch; -1 where the server binds itself. Not read from
	 * the file: mc_connection_load sets every one to -1. */
	int listen_fds[MC_CH_COUNT];
} mc_connection;

/* Reads path into *conn. Every port must be an integer in 1..65535 (ipc: any
 * integer), transport "tcp" or "ipc", signature_scheme "hmac-sha256" (or
 * absent with an empty key). On failure returns MC_ERR_IO or MC_ERR_PARSE
 * with a message naming the file and the field, and *conn holds nothing to
 * free. On success free with mc_connection_clear. */
int mc_connection_load(mc_connection *conn, const char *path, mc_error *err);

/* Binds and listens on a TCP socket for each channel of conn (IPv4
 * addresses only), so that front ends can connect before the kernel's
 * sockets exist; fills conn->listen_fds. The sockets are inherited across
 * exec. Returns 0, or -1 (errno set) with no socket left open and every fd -1:
 * the kernel then binds as usual. */
int mc_connection_listen(mc_connection *conn);

/* Releases what conn owns (accepts a cleared or failed conn). */
void mc_connection_clear(mc_connection *conn);

/* The ZeroMQ endpoint of channel ch, e.g. "tcp://127.0.0.1:5555" or
 * "ipc://kernel-ipc-1", written to buf. */
void mc_connection_endpoint(const mc_connection *conn, mc_channel ch, char *buf,
                            size_t size);

/* "shell", "control", "stdin", "iopub", "hb". */
const char *mc_channel_name(mc_channel ch);

#endif
