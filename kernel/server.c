/* This module implements the kernel's message loop: the five ZeroMQ sockets,
 * the heartbeat and control threads, and every request of protocol 5.3. */
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "config.h"
#include "wire.h"

#define POLL_MS 100
#define STDIN_CONNECT_TRIES 300 /* x POLL_MS: how long to wait for the front end's stdin channel */
#define MAX_FRAMES 64

/* The request being served on shell, for the io callbacks. */
typedef struct request {
	const mc_msg *msg;
	int silent;
	int allow_stdin;
} request;

struct mc_server {
	void *ctx;
	void *sock[MC_CH_COUNT];
	pthread_mutex_t iopub_lock;
	mc_wire *wire;
	mc_interp *interp;
	mc_history *history;
	volatile sig_atomic_t *interrupted;
	atomic_int stop;
	atomic_int restart;
	int execution_count;
	char *help_url;
	pthread_t threads[2];
	int n_threads;
	request cur;
};

static void s_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void s_log(const char *fmt, ...)
{
	va_list ap;

	fputs("maskclean-kernel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A JSON string of text; bytes that are not valid UTF-8 become '?'. */
static json_t *s_text(const char *text)
{
	json_t *j = json_string(text != NULL ? text : "");
	char *copy;

	if (j != NULL || text == NULL)
		return j;
	copy = strdup(text);
	if (copy == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

/* ---- sending and receiving ---- */

static int s_send(mc_server *s, void *sock, const mc_msg *msg)
{
	mc_frame *frames;
	size_t n;
	int rc = 0;

	if (mc_wire_encode(s->wire, msg, &frames, &n) != 0) {
		s_log("cannot encode %s", mc_msg_type(msg));
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		while ((rc = zmq_send(sock, frames[i].data, frames[i].len,
		                      i + 1 < n ? ZMQ_SNDMORE : 0)) < 0 && errno == EINTR)
			;
		rc = rc < 0 ? -1 : 0;
	}
	free(frames);
	return rc;
}

/* Receives one multipart message from sock and decodes it. Returns NULL (and
 * logs why) for a message that is dropped. */
static mc_msg *s_recv(mc_server *s, void *sock, const char *channel)
{
	zmq_msg_t parts[MAX_FRAMES];
	mc_frame frames[MAX_FRAMES];
	size_t n = 0, dropped = 0;
	int more = 1;
	mc_msg *msg = NULL;
	mc_error err;

	while (more) {
		zmq_msg_t part;
		size_t more_size = sizeof more;

		zmq_msg_init(&part);
		while (zmq_msg_recv(&part, sock, 0) < 0) {
			if (errno != EINTR) {
				zmq_msg_close(&part);
				goto cleanup;
			}
		}
		zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_size);
		if (n < MAX_FRAMES) {
			parts[n] = part;
			frames[n].data = zmq_msg_data(&parts[n]);
			frames[n].len = zmq_msg_size(&parts[n]);
			n++;
		} else {
			zmq_msg_close(&part);  /* extra buffers are not used */
			dropped++;
		}
	}
	mc_error_clear(&err);
	if (mc_wire_decode(s->wire, &msg, frames, n, &err) != 0)
		s_log("%s: dropped a message: %s", channel, err.text);
	else if (dropped > 0)
		s_log("%s: ignored %zu extra frames", channel, dropped);

cleanup:
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
	return msg;
}

/* Sends a reply of type msg_type to the requester of parent on sock.
 * content is stolen. */
static void s_reply(mc_server *s, void *sock, const mc_msg *parent, const char *msg_type,
                    json_t *content)
{
	mc_msg *msg = mc_msg_new(s->wire, msg_type, parent, content);

	if (msg == NULL || s_send(s, sock, msg) != 0)
		s_log("cannot send %s", msg_type);
	mc_msg_free(msg);
}

/* Publishes msg_type on iopub with parent as parent header; content stolen. */
static void s_publish(mc_server *s, const mc_msg *parent, const char *msg_type,
                      json_t *content)
{
	mc_msg *msg = mc_msg_new(s->wire, msg_type, parent, content);
	char topic[128];

	if (msg == NULL) {
		s_log("cannot build %s", msg_type);
		return;
	}
	for (size_t i = 0; i < msg->n_idents; i++)
		free((void *)msg->idents[i].data);
	free(msg->idents);
	msg->idents = calloc(1, sizeof *msg->idents);
	snprintf(topic, sizeof topic, "kernel.%s.%s", mc_wire_session(s->wire), msg_type);
	msg->n_idents = 0;
	if (msg->idents != NULL && (msg->idents[0].data = strdup(topic)) != NULL) {
		msg->idents[0].len = strlen(topic);
		msg->n_idents = 1;
	}
	pthread_mutex_lock(&s->iopub_lock);
	if (s_send(s, s->sock[MC_CH_IOPUB], msg) != 0)
		s_log("cannot publish %s", msg_type);
	pthread_mutex_unlock(&s->iopub_lock);
	mc_msg_free(msg);
}

static void s_status(mc_server *s, const mc_msg *parent, const char *state)
{
	s_publish(s, parent, "status", json_pack("{s:s}", "execution_state", state));
}

/* The reply type of a request type: "x_request" -> "x_reply". */
static void s_reply_type(const char *req, char *buf, size_t size)
{
	size_t n = strlen(req);

	if (n > 8 && strcmp(req + n - 8, "_request") == 0)
		snprintf(buf, size, "%.*s_reply", (int)(n - 8), req);
	else
		snprintf(buf, size, "%s_reply", req);
}

/* ---- content helpers ---- */

static int s_bool(const json_t *content, const char *key, int dflt)
{
	json_t *v = json_object_get(content, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int s_int(const json_t *content, const char *key, int dflt)
{
	json_t *v = json_object_get(content, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static const char *s_str(const json_t *content, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(content, key));

	return v != NULL ? v : dflt;
}

/* ---- the io the interpreter writes through ---- */

static void s_io_stream(void *ctx, const char *name, const char *text)
{
	mc_server *s = ctx;

	if (s->cur.silent || text == NULL || *text == '\0')
		return;
	s_publish(s, s->cur.msg, "stream",
	          json_pack("{s:s, s:o}", "name", name, "text", s_text(text)));
}

static void s_io_display(void *ctx, json_t *data, json_t *metadata, const char *display_id,
                         int update)
{
	mc_server *s = ctx;
	json_t *content;

	if (s->cur.silent)
		return;
	content = json_pack("{s:O, s:o, s:{}}", "data", data, "metadata",
	                    metadata != NULL ? json_incref(metadata) : json_object(),
	                    "transient");
	if (content == NULL)
		return;
	if (display_id != NULL)
		json_object_set_new(json_object_get(content, "transient"), "display_id",
		                    s_text(display_id));
	s_publish(s, s->cur.msg, update && display_id != NULL ? "update_display_data"
	                                                     : "display_data", content);
}

static void s_io_clear_output(void *ctx, int wait)
{
	mc_server *s = ctx;

	if (!s->cur.silent)
		s_publish(s, s->cur.msg, "clear_output", json_pack("{s:b}", "wait", wait));
}

static int s_io_input(void *ctx, const char *prompt, int password, char **out)
{
	mc_server *s = ctx;
	void *sock = s->sock[MC_CH_STDIN];
	mc_msg *req;
	int rc;

	*out = NULL;
	if (!s->cur.allow_stdin || s->cur.msg == NULL)
		return -1;
	/* Front ends send input_reply without a parent header (jupyter_client
	 * does), so a stale reply is told apart only by arriving before the
	 * request: drop whatever waits on stdin first. */
	for (;;) {
		zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };

		if (zmq_poll(&item, 1, 0) <= 0 || !(item.revents & ZMQ_POLLIN))
			break;
		mc_msg_free(s_recv(s, sock, "stdin"));
		s_log("stdin: dropped a message that came before any input_request");
	}
	req = mc_msg_new(s->wire, "input_request", s->cur.msg,
	                 json_pack("{s:o, s:b}", "prompt", s_text(prompt), "password", password));
	if (req == NULL)
		return -1;
	/* The stdin socket is ROUTER_MANDATORY: while the front end's stdin
	 * channel is still connecting, the send fails with EHOSTUNREACH instead
	 * of dropping the request, and is retried (interruptibly) for a while. */
	for (int tries = 0;; tries++) {
		rc = s_send(s, sock, req);
		if (rc == 0 || errno != EHOSTUNREACH || tries >= STDIN_CONNECT_TRIES ||
		    *s->interrupted || atomic_load(&s->stop))
			break;
		zmq_poll(NULL, 0, POLL_MS);
	}
	mc_msg_free(req);
	if (rc != 0) {
		s_log("stdin: cannot send input_request: %s", zmq_strerror(errno));
		return -1;
	}
	while (!*s->interrupted && !atomic_load(&s->stop)) {
		zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
		mc_msg *msg;
		const char *value;

		if (zmq_poll(&item, 1, POLL_MS) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!(item.revents & ZMQ_POLLIN))
			continue;
		msg = s_recv(s, sock, "stdin");
		if (msg == NULL)
			continue;
		if (strcmp(mc_msg_type(msg), "input_reply") != 0) {
			s_log("stdin: ignored %s", mc_msg_type(msg));
			mc_msg_free(msg);
			continue;
		}
		value = s_str(msg->content, "value", "");
		*out = strdup(value);
		mc_msg_free(msg);
		return *out != NULL ? 0 : -1;
	}
	return -1;
}

static mc_io s_io(mc_server *s, int silent)
{
	mc_io io = {
		.ctx = s,
		.stream = s_io_stream,
		.display = s_io_display,
		.clear_output = s_io_clear_output,
		.input = s_io_input,
		.interrupted = s->interrupted,
		.silent = silent,
	};
	return io;
}

/* ---- requests ---- */

static json_t *s_kernel_info(const mc_server *s)
{
	const char *url = s->help_url != NULL ? s->help_url
	                  : "https://jupyter-client.readthedocs.io/en/stable/messaging.html";

	return json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:[{s:s, s:s}], s:b}",
		"status", "ok",
		"protocol_version", MC_WIRE_PROTOCOL_VERSION,
		"implementation", "maskclean",
		"implementation_version", PACKAGE_VERSION,
		"language_info",
		"name", "maskclean",
		"version", PACKAGE_VERSION,
		"mimetype", "text/x-maskclean",
		"file_extension", ".mc",
		"codemirror_mode", "python",
		"pygments_lexer", "python",
		"banner", "maskclean " PACKAGE_VERSION
		          ": find and fix mislabeled instances in segmentation datasets.\n"
		          "Type help() for the functions, help(name) for one of them.",
		"help_links",
		"text", "maskclean language",
		"url", url,
		"debugger", 0);
}

static json_t *s_error_content(const mc_exec_error *xerr)
{
	json_t *tb = xerr->traceback != NULL ? json_incref(xerr->traceback)
	                                     : json_pack("[o]", s_text(xerr->evalue));

	return json_pack("{s:o, s:o, s:o}", "ename", s_text(xerr->ename[0] ? xerr->ename : "Error"),
	                 "evalue", s_text(xerr->evalue), "traceback", tb);
}

static json_t *s_user_expressions(mc_server *s, json_t *exprs)
{
	json_t *out = json_object();
	const char *name;
	json_t *expr;
	mc_io io = s_io(s, 1);
	request saved = s->cur;

	s->cur.silent = 1;
	json_object_foreach(exprs, name, expr) {
		mc_value *v = NULL;
		mc_exec_error xerr;
		json_t *item;

		memset(&xerr, 0, sizeof xerr);
		if (!json_is_string(expr)) {
			json_object_set_new(out, name, json_pack("{s:s, s:s, s:s, s:[s]}", "status", "error",
			                                         "ename", "TypeError", "evalue",
			                                         "expected an expression string",
			                                         "traceback", "expected an expression string"));
			continue;
		}
		if (mc_interp_eval(s->interp, json_string_value(expr), &io, &v, &xerr) == 0) {
			json_t *data = NULL, *metadata = NULL;
			mc_error err;

			mc_error_clear(&err);
			if (v == NULL)
				v = mc_none();
			if (mc_value_bundle(v, &data, &metadata, &err) == 0)
				item = json_pack("{s:s, s:o, s:o}", "status", "ok", "data", data,
				                 "metadata", metadata);
			else
				item = json_pack("{s:s, s:s, s:o, s:[o]}", "status", "error",
				                 "ename", mc_error_name(err.code), "evalue", s_text(err.text),
				                 "traceback", s_text(err.text));
		} else {
			item = s_error_content(&xerr);
			json_object_set_new(item, "status", json_string("error"));
		}
		mc_unref(v);
		mc_exec_error_clear(&xerr);
		json_object_set_new(out, name, item);
	}
	s->cur = saved;
	return out;
}

/* Answers an execute_request queued behind a failed cell, without running it. */
static void s_abort_execute(mc_server *s, const mc_msg *req)
{
	s_status(s, req, "busy");
	s_reply(s, s->sock[MC_CH_SHELL], req, "execute_reply",
	        json_pack("{s:s, s:i, s:s, s:s, s:[s], s:{}}", "status", "error",
	                  "execution_count", s->execution_count,
	                  "ename", "ExecutionAborted",
	                  "evalue", "not run: a previous cell failed (stop_on_error)",
	                  "traceback", "ExecutionAborted: not run: a previous cell failed",
	                  "user_expressions"));
	s_status(s, req, "idle");
}

static void s_handle(mc_server *s, mc_msg *req, int aborting);

/* After a failed cell with stop_on_error: answers the execute_requests that
 * are already waiting on shell with an error, serves the others. */
static void s_abort_queue(mc_server *s)
{
	for (;;) {
		zmq_pollitem_t item = { s->sock[MC_CH_SHELL], 0, ZMQ_POLLIN, 0 };
		mc_msg *msg;

		if (zmq_poll(&item, 1, 0) < 0 && errno == EINTR)
			continue;
		if (!(item.revents & ZMQ_POLLIN))
			return;
		msg = s_recv(s, s->sock[MC_CH_SHELL], "shell");
		if (msg == NULL)
			continue;
		s_handle(s, msg, 1);
		mc_msg_free(msg);
	}
}

/* Runs one execute_request. Returns 1 when the cell failed and asked for
 * stop_on_error. */
static int s_execute(mc_server *s, const mc_msg *req)
{
	const json_t *c = req->content;
	const char *code = s_str(c, "code", "");
	int silent = s_bool(c, "silent", 0);
	int store = silent ? 0 : s_bool(c, "store_history", 1);
	int stop_on_error = s_bool(c, "stop_on_error", 1);
	json_t *exprs = json_object_get(c, "user_expressions");
	mc_io io;
	mc_value *result = NULL;
	mc_exec_error xerr;
	json_t *reply;
	int rc, count;

	memset(&xerr, 0, sizeof xerr);
	s->cur.msg = req;
	s->cur.silent = silent;
	s->cur.allow_stdin = s_bool(c, "allow_stdin", 1);
	if (store)
		s->execution_count++;
	count = s->execution_count;
	if (!silent)
		s_publish(s, req, "execute_input",
		          json_pack("{s:o, s:i}", "code", s_text(code), "execution_count", count));
	if (store && s->history != NULL) {
		mc_error err;

		mc_error_clear(&err);
		if (mc_history_append(s->history, count, code, &err) != 0)
			s_log("history: %s", err.text);
	}
	*s->interrupted = 0;
	io = s_io(s, silent);
	rc = mc_interp_execute(s->interp, code, &io, &result, &xerr);
	if (rc == 0) {
		if (result != NULL && !silent) {
			json_t *data = NULL, *metadata = NULL;
			mc_error err;

			mc_error_clear(&err);
			if (mc_value_bundle(result, &data, &metadata, &err) == 0)
				s_publish(s, req, "execute_result",
				          json_pack("{s:i, s:o, s:o}", "execution_count", count,
				                    "data", data, "metadata", metadata));
			else
				s_io_stream(s, "stderr", err.text);
		}
		reply = json_pack("{s:s, s:i, s:o, s:[]}", "status", "ok", "execution_count", count,
		                  "user_expressions",
		                  json_is_object(exprs) ? s_user_expressions(s, exprs) : json_object(),
		                  "payload");
	} else {
		if (!silent)
			s_publish(s, req, "error", s_error_content(&xerr));
		reply = s_error_content(&xerr);
		json_object_set_new(reply, "status", json_string("error"));
		json_object_set_new(reply, "execution_count", json_integer(count));
		json_object_set_new(reply, "user_expressions", json_object());
	}
	mc_unref(result);
	mc_exec_error_clear(&xerr);
	s_reply(s, s->sock[MC_CH_SHELL], req, "execute_reply", reply);
	s->cur.msg = NULL;
	*s->interrupted = 0;
	return rc != 0 && stop_on_error;
}

static json_t *s_history(mc_server *s, const json_t *c)
{
	const char *type = s_str(c, "hist_access_type", "tail");
	int output = s_bool(c, "output", 0);
	json_t *h = NULL;

	if (s->history == NULL)
		h = json_array();
	else if (strcmp(type, "tail") == 0)
		h = mc_history_tail(s->history, s_int(c, "n", 0), output);
	else if (strcmp(type, "range") == 0)
		h = mc_history_range(s->history, s_int(c, "session", 0), s_int(c, "start", 1),
		                     s_int(c, "stop", 0), output);
	else if (strcmp(type, "search") == 0)
		h = mc_history_search(s->history, s_str(c, "pattern", "*"), s_int(c, "n", 0),
		                      s_bool(c, "unique", 0), output);
	else
		return json_pack("{s:s, s:s, s:s, s:[]}", "status", "error", "ename", "ValueError",
		                 "evalue", "hist_access_type: expected tail, range or search",
		                 "traceback");
	return json_pack("{s:s, s:o}", "status", "ok", "history", h != NULL ? h : json_array());
}

static json_t *s_complete(mc_server *s, const json_t *c)
{
	const char *code = s_str(c, "code", "");
	int cursor = s_int(c, "cursor_pos", -1), start, end;
	json_t *matches;

	if (cursor < 0) {  /* default: the end of the code, in code points */
		cursor = 0;
		for (const unsigned char *p = (const unsigned char *)code; *p != '\0'; p++)
			cursor += (*p & 0xC0) != 0x80;
	}
	start = end = cursor;
	matches = mc_interp_complete(s->interp, code, cursor, &start, &end);
	return json_pack("{s:s, s:o, s:i, s:i, s:{}}", "status", "ok",
	                 "matches", matches != NULL ? matches : json_array(),
	                 "cursor_start", start, "cursor_end", end, "metadata");
}

static json_t *s_inspect(mc_server *s, const json_t *c)
{
	char *text = mc_interp_inspect(s->interp, s_str(c, "code", ""), s_int(c, "cursor_pos", 0),
	                               s_int(c, "detail_level", 0));
	json_t *reply = json_pack("{s:s, s:b, s:{}, s:{}}", "status", "ok", "found", text != NULL,
	                          "data", "metadata");

	if (text != NULL)
		json_object_set_new(json_object_get(reply, "data"), "text/plain", s_text(text));
	free(text);
	return reply;
}

static json_t *s_is_complete(mc_server *s, const json_t *c)
{
	const char *indent = NULL;
	const char *status = mc_interp_is_complete(s->interp, s_str(c, "code", ""), &indent);
	json_t *reply = json_pack("{s:s}", "status", status != NULL ? status : "unknown");

	if (status != NULL && strcmp(status, "incomplete") == 0)
		json_object_set_new(reply, "indent", json_string(indent != NULL ? indent : ""));
	return reply;
}

static void s_shutdown(mc_server *s, void *sock, const mc_msg *req)
{
	int restart = s_bool(req->content, "restart", 0);
	json_t *content = json_pack("{s:s, s:b}", "status", "ok", "restart", restart);

	atomic_store(&s->restart, restart);
	s_publish(s, req, "shutdown_reply", json_incref(content));
	s_reply(s, sock, req, "shutdown_reply", content);
	atomic_store(&s->stop, 1);
	*s->interrupted = 1;  /* a running cell stops */
}

/* Serves one shell request between status busy and idle. aborting: an
 * execute_request is answered with an error without running. */
static void s_handle(mc_server *s, mc_msg *req, int aborting)
{
	const char *type = mc_msg_type(req);
	void *shell = s->sock[MC_CH_SHELL];
	int failed = 0;

	if (aborting && strcmp(type, "execute_request") == 0) {
		s_abort_execute(s, req);
		return;
	}
	s_status(s, req, "busy");
	if (strcmp(type, "execute_request") == 0)
		failed = s_execute(s, req);
	else if (strcmp(type, "kernel_info_request") == 0)
		s_reply(s, shell, req, "kernel_info_reply", s_kernel_info(s));
	else if (strcmp(type, "complete_request") == 0)
		s_reply(s, shell, req, "complete_reply", s_complete(s, req->content));
	else if (strcmp(type, "inspect_request") == 0)
		s_reply(s, shell, req, "inspect_reply", s_inspect(s, req->content));
	else if (strcmp(type, "is_complete_request") == 0)
		s_reply(s, shell, req, "is_complete_reply", s_is_complete(s, req->content));
	else if (strcmp(type, "history_request") == 0)
		s_reply(s, shell, req, "history_reply", s_history(s, req->content));
	else if (strcmp(type, "comm_info_request") == 0)
		s_reply(s, shell, req, "comm_info_reply",
		        json_pack("{s:s, s:{}}", "status", "ok", "comms"));
	else if (strcmp(type, "comm_open") == 0)
		/* No comm targets exist: close the comm at once. */
		s_publish(s, req, "comm_close",
		          json_pack("{s:o, s:{}}", "comm_id",
		                    s_text(s_str(req->content, "comm_id", "")), "data"));
	else if (strcmp(type, "comm_msg") == 0 || strcmp(type, "comm_close") == 0)
		;  /* no comms are open */
	else if (strcmp(type, "shutdown_request") == 0)
		s_shutdown(s, shell, req);
	else {
		char reply_type[128];

		s_log("shell: unknown message type \"%s\"", type);
		s_reply_type(type, reply_type, sizeof reply_type);
		s_reply(s, shell, req, reply_type,
		        json_pack("{s:s, s:s, s:o, s:[]}", "status", "error", "ename", "NotImplementedError",
		                  "evalue", s_text(type), "traceback"));
	}
	s_status(s, req, "idle");
	if (failed)
		s_abort_queue(s);
}

/* ---- threads ---- */

static void *s_heartbeat(void *arg)
{
	void *sock = arg;

	for (;;) {
		zmq_msg_t m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, 0) < 0) {
			zmq_msg_close(&m);
			if (errno == EINTR)
				continue;
			break;  /* ETERM: the context is shutting down */
		}
		if (zmq_msg_send(&m, sock, 0) < 0)
			zmq_msg_close(&m);
	}
	zmq_close(sock);
	return NULL;
}

static void *s_control(void *arg)
{
	mc_server *s = arg;
	void *sock = s->sock[MC_CH_CONTROL];

	while (!atomic_load(&s->stop)) {
		zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
		mc_msg *req;
		const char *type;

		if (zmq_poll(&item, 1, POLL_MS) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(item.revents & ZMQ_POLLIN))
			continue;
		req = s_recv(s, sock, "control");
		if (req == NULL)
			continue;
		type = mc_msg_type(req);
		s_status(s, req, "busy");
		if (strcmp(type, "shutdown_request") == 0)
			s_shutdown(s, sock, req);
		else if (strcmp(type, "interrupt_request") == 0) {
			*s->interrupted = 1;
			s_reply(s, sock, req, "interrupt_reply", json_pack("{s:s}", "status", "ok"));
		} else if (strcmp(type, "kernel_info_request") == 0)
			s_reply(s, sock, req, "kernel_info_reply", s_kernel_info(s));
		else {
			char reply_type[128];

			s_log("control: unknown message type \"%s\"", type);
			s_reply_type(type, reply_type, sizeof reply_type);
			s_reply(s, sock, req, reply_type,
			        json_pack("{s:s, s:s, s:o, s:[]}", "status", "error",
			                  "ename", "NotImplementedError", "evalue", s_text(type),
			                  "traceback"));
		}
		s_status(s, req, "idle");
		mc_msg_free(req);
	}
	return NULL;
}

/* ---- life cycle ---- */

int mc_server_new(mc_server **out, const mc_connection *conn, mc_interp *interp,
                  mc_history *history, volatile sig_atomic_t *interrupted, mc_error *err)
{
	static const int types[MC_CH_COUNT] = { ZMQ_ROUTER, ZMQ_ROUTER, ZMQ_ROUTER, ZMQ_PUB, ZMQ_REP };
	mc_server *s = calloc(1, sizeof *s);
	int rc = 0;

	*out = NULL;
	if (s == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&s->iopub_lock, NULL);
	s->interp = interp;
	s->history = history;
	s->interrupted = interrupted;
	s->wire = mc_wire_new(conn->key, conn->key_len, NULL);
	s->ctx = zmq_ctx_new();
	if (s->wire == NULL || s->ctx == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "cannot set up HMAC-SHA256 or ZeroMQ");
		goto cleanup;
	}
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		char ep[300];
		int linger = 1000;

		mc_connection_endpoint(conn, (mc_channel)ch, ep, sizeof ep);
		s->sock[ch] = zmq_socket(s->ctx, types[ch]);
		if (s->sock[ch] == NULL) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot create socket: %s",
			                  mc_channel_name((mc_channel)ch), zmq_strerror(errno));
			goto cleanup;
		}
		zmq_setsockopt(s->sock[ch], ZMQ_LINGER, &linger, sizeof linger);
		if (ch == MC_CH_STDIN) {
			int mandatory = 1;
			zmq_setsockopt(s->sock[ch], ZMQ_ROUTER_MANDATORY, &mandatory,
			               sizeof mandatory);
		}
		if (zmq_bind(s->sock[ch], ep) != 0) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot bind %s: %s",
			                  mc_channel_name((mc_channel)ch), ep, zmq_strerror(errno));
			goto cleanup;
		}
	}
	*out = s;
	return 0;

cleanup:
	mc_server_free(s);
	return rc;
}

int mc_server_set_help_url(mc_server *s, const char *url)
{
	char *copy = strdup(url);

	if (copy == NULL)
		return MC_ERR_NOMEM;
	free(s->help_url);
	s->help_url = copy;
	return 0;
}

int mc_server_run(mc_server *s, int *restart)
{
	void *shell = s->sock[MC_CH_SHELL];
	sigset_t block, old;

	/* The helper threads never take SIGINT: it interrupts the cell thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&s->threads[0], NULL, s_heartbeat, s->sock[MC_CH_HB]) == 0) {
		s->sock[MC_CH_HB] = NULL;  /* the heartbeat thread owns and closes it */
		s->n_threads = 1;
		if (pthread_create(&s->threads[1], NULL, s_control, s) == 0)
			s->n_threads = 2;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (s->n_threads < 2) {
		s_log("cannot start the heartbeat and control threads");
		atomic_store(&s->stop, 1);
	}
	while (!atomic_load(&s->stop)) {
		zmq_pollitem_t item = { shell, 0, ZMQ_POLLIN, 0 };
		mc_msg *req;

		if (zmq_poll(&item, 1, POLL_MS) < 0) {
			if (errno == EINTR)
				continue;
			s_log("shell: %s", zmq_strerror(errno));
			break;
		}
		if (!(item.revents & ZMQ_POLLIN))
			continue;
		req = s_recv(s, shell, "shell");
		if (req == NULL)
			continue;
		s_handle(s, req, 0);
		mc_msg_free(req);
	}
	atomic_store(&s->stop, 1);
	*restart = atomic_load(&s->restart);
	return 0;
}

void mc_server_free(mc_server *s)
{
	if (s == NULL)
		return;
	atomic_store(&s->stop, 1);
	if (s->n_threads > 1)
		pthread_join(s->threads[1], NULL);
	for (int ch = 0; ch < MC_CH_COUNT; ch++)
		if (s->sock[ch] != NULL && ch != MC_CH_HB)
			zmq_close(s->sock[ch]);
	if (s->ctx != NULL) {
		zmq_ctx_shutdown(s->ctx);  /* wakes the heartbeat thread with ETERM */
		if (s->n_threads > 0)
			pthread_join(s->threads[0], NULL);
		if (s->sock[MC_CH_HB] != NULL)
			zmq_close(s->sock[MC_CH_HB]);
		while (zmq_ctx_term(s->ctx) != 0 && errno == EINTR)
			;
	}
	mc_wire_free(s->wire);
	free(s->help_url);
	pthread_mutex_destroy(&s->iopub_lock);
	free(s);
}
