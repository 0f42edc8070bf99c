/* This module implements parsing of Jupyter connection files, and the
 * listening sockets maskclean-launch binds for the kernel. */
#include "connection.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>

static const char *const s_port_keys[MC_CH_COUNT] = {
	"shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"
};

const char *mc_channel_name(mc_channel ch)
{
	static const char *const names[MC_CH_COUNT] = { "shell", "control", "stdin", "iopub", "hb" };

	return ch < MC_CH_COUNT ? names[ch] : "?";
}

static int s_get_string(json_t *root, const char *path, const char *key, char *dst,
                        size_t size, const char *dflt, mc_error *err)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL && dflt != NULL) {
		snprintf(dst, size, "%s", dflt);
		return 0;
	}
	if (!json_is_string(v))
		return mc_error_set(err, MC_ERR_PARSE, "%s: %s: expected a string", path, key);
	if (json_string_length(v) >= size)
		return mc_error_set(err, MC_ERR_PARSE, "%s: %s: longer than %zu characters",
		                    path, key, size - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int mc_connection_load(mc_connection *conn, const char *path, mc_error *err)
{
	json_error_t jerr;
	json_t *root, *key;
	int rc;

	memset(conn, 0, sizeof *conn);
	for (int ch = 0; ch < MC_CH_COUNT; ch++)
		conn->listen_fds[ch] = -1;
	root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		if (jerr.line < 0 || jerr.position == 0)
			return mc_error_set(err, MC_ERR_IO, "%s: cannot read: %s", path, jerr.text);
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %d column %d: %s", path,
		                    jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: expected a JSON object", path);
		goto cleanup;
	}
	rc = s_get_string(root, path, "transport", conn->transport, sizeof conn->transport,
	                  "tcp", err);
	if (rc == 0)
		rc = s_get_string(root, path, "ip", conn->ip, sizeof conn->ip, "127.0.0.1", err);
	if (rc == 0)
		rc = s_get_string(root, path, "signature_scheme", conn->signature_scheme,
		                  sizeof conn->signature_scheme, "hmac-sha256", err);
	if (rc != 0)
		goto cleanup;
	if (strcmp(conn->transport, "tcp") != 0 && strcmp(conn->transport, "ipc") != 0) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: transport: expected \"tcp\" or \"ipc\", got \"%s\"",
		                  path, conn->transport);
		goto cleanup;
	}
	if (strcmp(conn->signature_scheme, "hmac-sha256") != 0) {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "%s: signature_scheme: expected \"hmac-sha256\", got \"%s\"",
		                  path, conn->signature_scheme);
		goto cleanup;
	}
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		json_t *p = json_object_get(root, s_port_keys[ch]);
		json_int_t v;

		if (!json_is_integer(p)) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: %s: expected an integer port",
			                  path, s_port_keys[ch]);
			goto cleanup;
		}
		v = json_integer_value(p);
		if (v < 0 || v > 65535 || (v == 0 && strcmp(conn->transport, "tcp") == 0)) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: %s: expected 1..65535, got %lld",
			                  path, s_port_keys[ch], (long long)v);
			goto cleanup;
		}
		conn->ports[ch] = (int)v;
	}
	key = json_object_get(root, "key");
	if (key != NULL && !json_is_string(key)) {
		rc = mc_error_set(err, MC_ERR_PARSE, "%s: key: expected a string", path);
		goto cleanup;
	}
	conn->key_len = key != NULL ? json_string_length(key) : 0;
	conn->key = malloc(conn->key_len + 1);
	if (conn->key == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	if (key != NULL)
		memcpy(conn->key, json_string_value(key), conn->key_len);
	conn->key[conn->key_len] = '\0';

cleanup:
	json_decref(root);
	if (rc != 0)
		mc_connection_clear(conn);
	return rc;
}

void mc_connection_clear(mc_connection *conn)
{
	if (conn == NULL)
		return;
	free(conn->key);
	conn->key = NULL;
	conn->key_len = 0;
}

void mc_connection_endpoint(const mc_connection *conn, mc_channel ch, char *buf,
                            size_t size)
{
	if (strcmp(conn->transport, "ipc") == 0)
		snprintf(buf, size, "ipc://%s-%d", conn->ip, conn->ports[ch]);
	else
		snprintf(buf, size, "tcp://%s:%d", conn->ip, conn->ports[ch]);
}

/* The backlog ZeroMQ gives its own listening sockets (ZMQ_BACKLOG). */
#define LISTEN_BACKLOG 100

int mc_connection_listen(mc_connection *conn)
{
	struct sockaddr_in addr;
	int saved;

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	if (strcmp(conn->transport, "tcp") != 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (strcmp(conn->ip, "*") == 0)
		addr.sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, conn->ip, &addr.sin_addr) != 1) {
		errno = EAFNOSUPPORT;  /* an IPv6 address or an interface name */
		return -1;
	}
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		addr.sin_port = htons((uint16_t)conn->ports[ch]);
		conn->listen_fds[ch] = fd;
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
		    bind(fd, (const struct sockaddr *)&addr, sizeof addr) != 0 ||
		    listen(fd, LISTEN_BACKLOG) != 0)
			goto fail;
	}
	return 0;

fail:
	saved = errno;
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		if (conn->listen_fds[ch] >= 0)
			close(conn->listen_fds[ch]);
		conn->listen_fds[ch] = -1;
	}
	errno = saved;
	return -1;
}
