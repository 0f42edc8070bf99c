/* This module implements the kernel's message loop: the protocol core (one
 * table of request handlers, the io the interpreter writes through, stop on
 * error) and the ZeroMQ transport with its heartbeat and control threads. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "config.h"

#define POLL_MS 100
#define STDIN_CONNECT_TRIES 300 /* x POLL_MS: how long to wait for the front end's stdin channel */
#define MAX_FRAMES 64
#define MAX_WELCOMES 16         /* subscriptions taken per lock of the iopub socket */

/* The request being served on shell, for the io callbacks. */
typedef struct request {
	const mc_msg *msg;
	int silent;
	int allow_stdin;
	json_t *payloads;   /* execute_reply's payload list */
} request;

struct mc_server {
	mc_transport io;
	mc_wire *wire;
	mc_interp *interp;
	mc_history *history;
	atomic_int *interrupted;
	atomic_int stop;
	atomic_int restart;
	atomic_int busy;        /* a shell request is being served */
	int execution_count;
	int aborting;           /* answering execute_requests with "aborted" */
	int abort_next;         /* the cell just served failed with stop_on_error */
	int exit_next;          /* the cell just served asked to exit (ask_exit) */
	request cur;
	/* ---- the ZeroMQ transport (mc_server_new only) ---- */
	void *ctx;
	void *sock[MC_CH_COUNT];
	pthread_mutex_t iopub_lock;
	int iopub_lock_made;
	int wake[2];            /* a publish saw a subscription waiting: wake control */
	pthread_t threads[2];
	int n_threads;
	pid_t parent, ppid;     /* watched: JPY_PARENT_PID and the parent at start */
	atomic_int orphaned;
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

/* A JSON string of the n bytes at text; bytes that are not valid UTF-8
 * become '?'. */
static json_t *s_textn(const char *text, size_t n)
{
	json_t *j;
	char *copy;

	if (text == NULL)
		return json_string("");
	j = json_stringn(text, n);
	if (j != NULL)
		return j;
	copy = malloc(n + 1);
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		copy[i] = (unsigned char)text[i] >= 0x80 ? '?' : text[i];
	j = json_stringn(copy, n);
	free(copy);
	return j;
}

static json_t *s_text(const char *text)
{
	return s_textn(text, text != NULL ? strlen(text) : 0);
}

/* ---- content helpers ---- */

static int s_bool(const json_t *content, const char *key, int dflt)
{
	json_t *v = json_object_get(content, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* An integer field clamped to [lo, hi]. */
static json_int_t s_int(const json_t *content, const char *key, json_int_t dflt, json_int_t lo,
                        json_int_t hi)
{
	json_t *v = json_object_get(content, key);
	json_int_t i = json_is_integer(v) ? json_integer_value(v) : dflt;

	return i < lo ? lo : i > hi ? hi : i;
}

/* A string field, or dflt when absent. A string holding U+0000 gives NULL:
 * C strings cannot carry it, and cutting it off there would act on part of
 * what the user sent. */
static const char *s_str(const json_t *content, const char *key, const char *dflt)
{
	json_t *v = json_object_get(content, key);
	const char *s = json_string_value(v);

	if (s == NULL)
		return dflt;
	return strlen(s) == json_string_length(v) ? s : NULL;
}

/* Line and column (1-based, in code points) of the first U+0000 of the
 * string field key. */
static void s_nul_position(const json_t *content, const char *key, size_t *line, size_t *col)
{
	json_t *v = json_object_get(content, key);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	*line = 1;
	*col = 1;
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* ---- sending ---- */

static int s_send(mc_server *s, mc_channel ch, const mc_msg *msg)
{
	return s->io.send(s->io.ctx, ch, msg);
}

/* Sends a reply of type msg_type to the requester of parent on ch.
 * content is stolen. */
static void s_reply(mc_server *s, mc_channel ch, const mc_msg *parent, const char *msg_type,
                    json_t *content)
{
	mc_msg *msg = mc_msg_new(s->wire, msg_type, parent, content);

	if (msg == NULL || s_send(s, ch, msg) != 0)
		s_log("%s: cannot send %s", mc_channel_name(ch), msg_type);
	mc_msg_free(msg);
}

/* Publishes msg_type on iopub with parent as parent header (may be NULL);
 * content is stolen. The topic is "kernel.<session>.<msg_type>". */
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
		free(msg->idents[i].data);
	free(msg->idents);
	msg->idents = calloc(1, sizeof *msg->idents);
	snprintf(topic, sizeof topic, "kernel.%s.%s", mc_wire_session(s->wire), msg_type);
	msg->n_idents = 0;
	if (msg->idents != NULL && (msg->idents[0].data = strdup(topic)) != NULL) {
		msg->idents[0].len = strlen(topic);
		msg->n_idents = 1;
	}
	if (s_send(s, MC_CH_IOPUB, msg) != 0)
		s_log("iopub: cannot publish %s", msg_type);
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

/* The content of an error reply. */
static json_t *s_error_reply(const char *ename, const char *evalue)
{
	json_t *value = s_text(evalue);

	return json_pack("{s:s, s:s, s:O, s:[o]}", "status", "error", "ename", ename,
	                 "evalue", value, "traceback", value);
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

static void s_io_payload(void *ctx, json_t *payload)
{
	mc_server *s = ctx;
	const char *source = json_string_value(json_object_get(payload, "source"));

	if (s->cur.payloads == NULL || source == NULL)
		return;
	json_array_append(s->cur.payloads, payload);
	if (strcmp(source, "ask_exit") == 0 && !s_bool(payload, "keepkernel", 0))
		s->exit_next = 1;
}

/* Sends the input_request, retrying (interruptibly) while the front end's
 * stdin channel is still connecting. */
static int s_send_input_request(mc_server *s, const mc_msg *req)
{
	for (int tries = 0;; tries++) {
		int rc = s_send(s, MC_CH_STDIN, req);

		if (rc == 0)
			return 0;
		if (errno != EHOSTUNREACH || tries >= STDIN_CONNECT_TRIES || *s->interrupted ||
		    atomic_load(&s->stop))
			return -1;
		mc_msg_free(s->io.recv(s->io.ctx, MC_CH_STDIN, POLL_MS));
	}
}

static int s_io_input(void *ctx, const char *prompt, int password, char **out)
{
	mc_server *s = ctx;
	mc_msg *req, *msg;

	*out = NULL;
	if (!s->cur.allow_stdin || s->cur.msg == NULL)
		return -1;
	/* Front ends send input_reply without a parent header (jupyter_client
	 * does), so a stale reply is told apart only by arriving before the
	 * request: drop whatever waits on stdin first. */
	while ((msg = s->io.recv(s->io.ctx, MC_CH_STDIN, 0)) != NULL) {
		s_log("stdin: dropped %s that came before any input_request", mc_msg_type(msg));
		mc_msg_free(msg);
	}
	req = mc_msg_new(s->wire, "input_request", s->cur.msg,
	                 json_pack("{s:o, s:b}", "prompt", s_text(prompt), "password", password));
	if (req == NULL)
		return -1;
	if (s_send_input_request(s, req) != 0) {
		s_log("stdin: cannot send input_request: %s", strerror(errno));
		mc_msg_free(req);
		return -1;
	}
	mc_msg_free(req);
	while (!*s->interrupted && !atomic_load(&s->stop)) {
		msg = s->io.recv(s->io.ctx, MC_CH_STDIN, POLL_MS);
		if (msg == NULL)
			continue;
		if (strcmp(mc_msg_type(msg), "input_reply") != 0) {
			s_log("stdin: ignored %s", mc_msg_type(msg));
			mc_msg_free(msg);
			continue;
		}
		*out = strdup(s_str(msg->content, "value", "") != NULL
		              ? s_str(msg->content, "value", "") : "");
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
		.payload = s_io_payload,
	};
	return io;
}

/* ---- execute ---- */

static json_t *s_error_content(const mc_exec_error *xerr)
{
	json_t *tb = xerr->traceback != NULL ? json_incref(xerr->traceback)
	                                     : json_pack("[o]", s_text(xerr->evalue));

	return json_pack("{s:o, s:o, s:o}", "ename", s_text(xerr->ename[0] ? xerr->ename : "Error"),
	                 "evalue", s_text(xerr->evalue), "traceback", tb);
}

static json_t *s_user_expression(mc_server *s, const json_t *expr)
{
	const char *code = json_string_value(expr);
	mc_io io = s_io(s, 1);
	mc_value *v = NULL;
	mc_exec_error xerr;
	json_t *item;

	if (code == NULL || strlen(code) != json_string_length(expr))
		return json_pack("{s:s, s:s, s:s, s:[s]}", "status", "error", "ename", "TypeError",
		                 "evalue", "expected an expression string without U+0000",
		                 "traceback", "expected an expression string without U+0000");
	memset(&xerr, 0, sizeof xerr);
	if (mc_interp_eval(s->interp, code, &io, &v, &xerr) == 0) {
		json_t *data = NULL, *metadata = NULL;
		mc_error err;

		mc_error_clear(&err);
		if (v == NULL)
			v = mc_none();
		if (mc_value_bundle(v, &data, &metadata, &err) == 0)
			item = json_pack("{s:s, s:o, s:o}", "status", "ok", "data", data,
			                 "metadata", metadata);
		else
			item = s_error_reply(mc_error_name(err.code), err.text);
	} else {
		item = s_error_content(&xerr);
		json_object_set_new(item, "status", json_string("error"));
	}
	mc_unref(v);
	mc_exec_error_clear(&xerr);
	return item;
}

static json_t *s_user_expressions(mc_server *s, json_t *exprs)
{
	json_t *out = json_object();
	const char *name;
	json_t *expr;
	request saved = s->cur;

	s->cur.silent = 1;
	s->cur.payloads = NULL;
	json_object_foreach(exprs, name, expr)
		json_object_set_new(out, name, s_user_expression(s, expr));
	s->cur = saved;
	return out;
}

/* IPython calls exit and quit when a cell holds nothing else; so does
 * maskclean, when the name is a function. Returns the code to run. */
static const char *s_autocall(mc_server *s, const char *code)
{
	static const char *const calls[] = { "exit()", "quit()" };
	const char *p = code, *end;
	size_t n;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	n = (size_t)(end - p);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		mc_value *v = NULL;
		mc_exec_error xerr;
		mc_io io = s_io(s, 1);
		char name[8];
		int callable;

		if (n != 4 || strncmp(p, calls[i], 4) != 0)
			continue;
		snprintf(name, sizeof name, "%.4s", calls[i]);
		memset(&xerr, 0, sizeof xerr);
		callable = mc_interp_eval(s->interp, name, &io, &v, &xerr) == 0 &&
		           mc_type(v) == MC_T_FUNC;
		mc_unref(v);
		mc_exec_error_clear(&xerr);
		return callable ? calls[i] : code;
	}
	return code;
}

/* The reply to a cell whose code holds U+0000 (not run). */
static json_t *s_nul_code(const json_t *c)
{
	char text[128];
	size_t line, col;

	s_nul_position(c, "code", &line, &col);
	snprintf(text, sizeof text,
	         "source code cannot contain null bytes (U+0000 at line %zu, column %zu)", line, col);
	return json_pack("{s:s, s:s, s:[s]}", "ename", "SyntaxError", "evalue", text,
	                 "traceback", text);
}

static json_t *s_execute_result(mc_server *s, mc_value *result, int count)
{
	json_t *data = NULL, *metadata = NULL;
	mc_error err;

	mc_error_clear(&err);
	if (mc_value_bundle(result, &data, &metadata, &err) != 0) {
		s_io_stream(s, "stderr", err.text);
		return NULL;
	}
	return json_pack("{s:i, s:o, s:o}", "execution_count", count, "data", data,
	                 "metadata", metadata);
}

/* Runs code: publishes execute_input, the output, the result or the error;
 * returns the execute_reply's content. */
static json_t *s_execute(mc_server *s, const mc_msg *req)
{
	const json_t *c = req->content;
	const char *code = s_str(c, "code", "");
	int silent = s_bool(c, "silent", 0);
	int store = silent ? 0 : s_bool(c, "store_history", 1);
	json_t *exprs = json_object_get(c, "user_expressions");
	json_t *reply, *error = NULL;
	mc_value *result = NULL;
	mc_exec_error xerr;
	mc_io io;
	int count;

	memset(&xerr, 0, sizeof xerr);
	s->cur.msg = req;
	s->cur.silent = silent;
	s->cur.allow_stdin = s_bool(c, "allow_stdin", 1);
	s->cur.payloads = json_array();
	if (store)
		s->execution_count++;
	count = s->execution_count;
	if (!silent) {
		json_t *text = json_object_get(c, "code");

		s_publish(s, req, "execute_input", json_pack("{s:o, s:i}", "code",
		          json_is_string(text) ? json_incref(text) : json_string(""),
		          "execution_count", count));
	}
	if (code == NULL) {
		error = s_nul_code(c);
	} else {
		if (store && s->history != NULL) {
			mc_error err;

			mc_error_clear(&err);
			if (mc_history_append(s->history, count, code, &err) != 0)
				s_log("history: %s", err.text);
		}
		*s->interrupted = 0;
		io = s_io(s, silent);
		if (mc_interp_execute(s->interp, s_autocall(s, code), &io, &result, &xerr) != 0)
			error = s_error_content(&xerr);
	}
	if (error == NULL) {
		json_t *shown = result != NULL && !silent ? s_execute_result(s, result, count) : NULL;

		if (shown != NULL)
			s_publish(s, req, "execute_result", shown);
		reply = json_pack("{s:s, s:i, s:o}", "status", "ok", "execution_count", count,
		                  "user_expressions",
		                  json_is_object(exprs) ? s_user_expressions(s, exprs) : json_object());
	} else {
		if (!silent)
			s_publish(s, req, "error", json_deep_copy(error));
		reply = error;
		json_object_set_new(reply, "status", json_string("error"));
		json_object_set_new(reply, "execution_count", json_integer(count));
		json_object_set_new(reply, "user_expressions", json_object());
		s->abort_next = !silent && s_bool(c, "stop_on_error", 1);
	}
	if (reply != NULL)
		json_object_set(reply, "payload", s->cur.payloads);
	json_decref(s->cur.payloads);
	mc_unref(result);
	mc_exec_error_clear(&xerr);
	memset(&s->cur, 0, sizeof s->cur);
	*s->interrupted = 0;
	return reply;
}

/* ---- the other requests ---- */

static json_t *s_kernel_info(mc_server *s, const mc_msg *req)
{
	(void)s;
	(void)req;
	/* No help link: a front end opens it in a browser, which cannot reach
	 * files on the kernel's machine. help("language") shows the language
	 * reference inside the kernel. */
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:[], s:b}",
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
		          "Type help() for the functions, help(name) for one of them,\n"
		          "help(\"language\") for the language reference.",
		"help_links",
		"debugger", 0);
}

static json_t *s_history(mc_server *s, const mc_msg *req)
{
	const json_t *c = req->content;
	const char *type = s_str(c, "hist_access_type", "tail");
	const char *pattern = s_str(c, "pattern", "*");
	int output = s_bool(c, "output", 0);
	json_int_t n = s_int(c, "n", 0, 0, INT64_MAX);
	json_t *h = NULL;
	mc_error err;
	int rc;

	mc_error_clear(&err);
	if (type == NULL || pattern == NULL)
		return s_error_reply("ValueError", "history_request: a string holds U+0000");
	if (strcmp(type, "tail") != 0 && strcmp(type, "range") != 0 && strcmp(type, "search") != 0)
		return s_error_reply("ValueError", "hist_access_type: expected tail, range or search");
	if (s->history == NULL)
		return json_pack("{s:s, s:[]}", "status", "ok", "history");
	if (strcmp(type, "tail") == 0)
		rc = mc_history_tail(s->history, &h, n, output, &err);
	else if (strcmp(type, "range") == 0)
		rc = mc_history_range(s->history, &h,
		                      s_int(c, "session", 0, INT64_MIN, INT64_MAX),
		                      s_int(c, "start", 1, INT64_MIN, INT64_MAX),
		                      s_int(c, "stop", 0, INT64_MIN, INT64_MAX),
		                      output, &err);
	else
		rc = mc_history_search(s->history, &h, pattern, n, s_bool(c, "unique", 0), output,
		                       &err);
	if (rc != 0)
		return s_error_reply(mc_error_name(rc), err.text);
	return json_pack("{s:s, s:o}", "status", "ok", "history", h);
}

/* The cursor position of a request, in code points; absent or negative
 * means the end of code. */
static int s_cursor(const json_t *c, const char *code)
{
	json_int_t cursor = s_int(c, "cursor_pos", -1, -1, INT32_MAX);

	if (cursor < 0) {
		cursor = 0;
		for (const unsigned char *p = (const unsigned char *)code; *p != '\0'; p++)
			cursor += (*p & 0xC0) != 0x80;
	}
	return (int)cursor;
}

static json_t *s_complete(mc_server *s, const mc_msg *req)
{
	const char *code = s_str(req->content, "code", "");
	int cursor, start, end;
	json_t *matches;

	if (code == NULL)  /* nothing to complete in code that cannot run */
		code = "";
	cursor = s_cursor(req->content, code);
	start = end = cursor;
	matches = mc_interp_complete(s->interp, code, cursor, &start, &end);
	return json_pack("{s:s, s:o, s:i, s:i, s:{}}", "status", "ok",
	                 "matches", matches != NULL ? matches : json_array(),
	                 "cursor_start", start, "cursor_end", end, "metadata");
}

static json_t *s_inspect(mc_server *s, const mc_msg *req)
{
	const char *code = s_str(req->content, "code", "");
	char *text = code != NULL
	             ? mc_interp_inspect(s->interp, code, s_cursor(req->content, code),
	                                 (int)s_int(req->content, "detail_level", 0, 0, 1))
	             : NULL;
	json_t *reply = json_pack("{s:s, s:b, s:{}, s:{}}", "status", "ok", "found", text != NULL,
	                          "data", "metadata");

	if (text != NULL)
		json_object_set_new(json_object_get(reply, "data"), "text/plain", s_text(text));
	free(text);
	return reply;
}

static json_t *s_is_complete(mc_server *s, const mc_msg *req)
{
	const char *code = s_str(req->content, "code", "");
	const char *indent = NULL;
	const char *status = code != NULL ? mc_interp_is_complete(s->interp, code, &indent)
	                                  : "invalid";
	json_t *reply = json_pack("{s:s}", "status", status != NULL ? status : "unknown");

	if (status != NULL && strcmp(status, "incomplete") == 0)
		json_object_set_new(reply, "indent", json_string(indent != NULL ? indent : ""));
	return reply;
}

static json_t *s_comm_info(mc_server *s, const mc_msg *req)
{
	(void)s;
	(void)req;
	return json_pack("{s:s, s:{}}", "status", "ok", "comms");
}

/* No comm targets exist: a comm is closed at once. */
static json_t *s_comm_open(mc_server *s, const mc_msg *req)
{
	json_t *id = json_object_get(req->content, "comm_id");

	s_publish(s, req, "comm_close", json_pack("{s:o, s:{}}", "comm_id",
	          json_is_string(id) ? json_incref(id) : json_string(""), "data"));
	return NULL;
}

/* comm_msg and comm_close: no comm is open, and neither has a reply. */
static json_t *s_comm_none(mc_server *s, const mc_msg *req)
{
	(void)s;
	(void)req;
	return NULL;
}

static json_t *s_shutdown(mc_server *s, const mc_msg *req)
{
	int restart = s_bool(req->content, "restart", 0);
	json_t *content = json_pack("{s:s, s:b}", "status", "ok", "restart", restart);

	atomic_store(&s->restart, restart);
	s_publish(s, req, "shutdown_reply", json_incref(content));
	mc_server_stop(s);
	return content;
}

static json_t *s_interrupt(mc_server *s, const mc_msg *req)
{
	(void)req;
	*s->interrupted = 1;
	return json_pack("{s:s}", "status", "ok");
}

/* ---- dispatch ---- */

#define ON_SHELL (1u << MC_CH_SHELL)
#define ON_CONTROL (1u << MC_CH_CONTROL)

/* Returns the reply's content (stolen), or NULL when the request has none. */
typedef json_t *(*s_handler_fn)(mc_server *s, const mc_msg *req);

static const struct s_handler {
	const char *msg_type;
	unsigned channels;
	s_handler_fn fn;
} s_handlers[] = {
	{ .msg_type = "execute_request", .channels = ON_SHELL, .fn = s_execute },
	{ .msg_type = "kernel_info_request", .channels = ON_SHELL | ON_CONTROL, .fn = s_kernel_info },
	{ .msg_type = "complete_request", .channels = ON_SHELL, .fn = s_complete },
	{ .msg_type = "inspect_request", .channels = ON_SHELL, .fn = s_inspect },
	{ .msg_type = "is_complete_request", .channels = ON_SHELL, .fn = s_is_complete },
	{ .msg_type = "history_request", .channels = ON_SHELL, .fn = s_history },
	{ .msg_type = "comm_info_request", .channels = ON_SHELL, .fn = s_comm_info },
	{ .msg_type = "comm_open", .channels = ON_SHELL, .fn = s_comm_open },
	{ .msg_type = "comm_msg", .channels = ON_SHELL, .fn = s_comm_none },
	{ .msg_type = "comm_close", .channels = ON_SHELL, .fn = s_comm_none },
	{ .msg_type = "shutdown_request", .channels = ON_SHELL | ON_CONTROL, .fn = s_shutdown },
	{ .msg_type = "interrupt_request", .channels = ON_CONTROL, .fn = s_interrupt },
};

static const struct s_handler *s_find(const char *msg_type, mc_channel ch)
{
	for (size_t i = 0; i < sizeof s_handlers / sizeof s_handlers[0]; i++)
		if ((s_handlers[i].channels & (1u << ch)) &&
		    strcmp(s_handlers[i].msg_type, msg_type) == 0)
			return &s_handlers[i];
	return NULL;
}

/* After a failed cell: serves what arrives on shell, aborting the
 * execute_requests, until shell has been quiet for a while. */
static void s_abort_window(mc_server *s)
{
	s->aborting = 1;
	while (!atomic_load(&s->stop)) {
		mc_msg *msg = s->io.recv(s->io.ctx, MC_CH_SHELL, MC_SERVER_ABORT_QUIET_MS);

		if (msg == NULL)
			break;
		mc_server_handle(s, MC_CH_SHELL, msg);
		mc_msg_free(msg);
	}
	s->aborting = 0;
}

void mc_server_handle(mc_server *s, mc_channel ch, const mc_msg *msg)
{
	const char *type = mc_msg_type(msg);
	const struct s_handler *h = s_find(type, ch);
	char reply_type[128];
	json_t *reply;
	int abort_after = 0, exit_after = 0;

	s_reply_type(type, reply_type, sizeof reply_type);
	if (ch == MC_CH_SHELL)
		atomic_store(&s->busy, 1);
	s_status(s, msg, "busy");
	if (ch == MC_CH_SHELL && s->aborting && strcmp(type, "execute_request") == 0) {
		/* as ipykernel: no count of its own, so front ends show [ ] */
		reply = json_pack("{s:s}", "status", "aborted");
	} else if (h == NULL) {
		s_log("%s: unknown message type \"%s\"", mc_channel_name(ch), type);
		reply = s_error_reply("NotImplementedError", type);
	} else if (ch != MC_CH_SHELL) {
		reply = h->fn(s, msg);
	} else {  /* the flags belong to the shell thread */
		s->abort_next = s->exit_next = 0;
		reply = h->fn(s, msg);
		abort_after = s->abort_next;
		exit_after = s->exit_next;
		s->abort_next = s->exit_next = 0;
	}
	if (reply != NULL)
		s_reply(s, ch, msg, reply_type, reply);
	if (abort_after)
		s_abort_window(s);
	s_status(s, msg, "idle");
	if (ch == MC_CH_SHELL && !s->aborting)
		atomic_store(&s->busy, 0);
	if (exit_after)
		mc_server_stop(s);
}

void mc_server_welcome(mc_server *s, const char *topic, size_t len)
{
	s_publish(s, NULL, "iopub_welcome", json_pack("{s:o}", "subscription", s_textn(topic, len)));
	s_status(s, NULL, atomic_load(&s->busy) ? "busy" : "idle");
}

/* ---- life cycle ---- */

static int s_new(mc_server **out, mc_interp *interp, mc_history *history,
                 atomic_int *interrupted, const void *key, size_t key_len,
                 mc_error *err)
{
	mc_server *s = calloc(1, sizeof *s);

	*out = NULL;
	if (s == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	s->interp = interp;
	s->history = history;
	s->interrupted = interrupted;
	s->wake[0] = s->wake[1] = -1;
	s->wire = mc_wire_new(key, key_len, NULL);
	if (s->wire == NULL) {
		free(s);
		return mc_error_set(err, MC_ERR_NOMEM, "cannot set up HMAC-SHA256");
	}
	*out = s;
	return 0;
}

int mc_server_new_with(mc_server **out, const mc_transport *transport, mc_interp *interp,
                       mc_history *history, atomic_int *interrupted,
                       mc_error *err)
{
	int rc = s_new(out, interp, history, interrupted, "", 0, err);

	if (rc == 0)
		(*out)->io = *transport;
	return rc;
}

const mc_wire *mc_server_wire(const mc_server *s)
{
	return s->wire;
}

void mc_server_stop(mc_server *s)
{
	atomic_store(&s->stop, 1);
	*s->interrupted = 1;  /* a running cell stops */
}

int mc_server_stopped(const mc_server *s, int *restart)
{
	if (restart != NULL)
		*restart = atomic_load(&s->restart);
	return atomic_load(&s->stop);
}

void mc_server_watch_parent(mc_server *s, pid_t pid)
{
	s->parent = pid > 1 ? pid : 0;
	s->ppid = s->parent > 0 ? getppid() : 0;
}

/* ---- the ZeroMQ transport ---- */

/* Receives one multipart message from sock and decodes it. Returns NULL (and
 * logs why) for a message that is dropped. */
static mc_msg *s_zmq_read(mc_server *s, void *sock, const char *channel)
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

/* Whether sock has a message within timeout_ms (retries on EINTR). */
static int s_zmq_wait(void *sock, int timeout_ms)
{
	zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
	int rc;

	while ((rc = zmq_poll(&item, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return rc > 0 && (item.revents & ZMQ_POLLIN);
}

/* mc_transport.recv: a message dropped by the decoder does not end the wait. */
static mc_msg *s_zmq_recv(void *ctx, mc_channel ch, int timeout_ms)
{
	mc_server *s = ctx;

	while (s_zmq_wait(s->sock[ch], timeout_ms)) {
		mc_msg *msg = s_zmq_read(s, s->sock[ch], mc_channel_name(ch));

		if (msg != NULL)
			return msg;
	}
	return NULL;
}

/* Whether a subscription waits on the iopub socket; iopub_lock held. */
static int s_subscription_waiting(mc_server *s)
{
	int events = 0;
	size_t size = sizeof events;

	return zmq_getsockopt(s->sock[MC_CH_IOPUB], ZMQ_EVENTS, &events, &size) == 0 &&
	       (events & ZMQ_POLLIN);
}

static int s_zmq_send(void *ctx, mc_channel ch, const mc_msg *msg)
{
	mc_server *s = ctx;
	void *sock = s->sock[ch];
	mc_frame *frames;
	size_t n;
	int rc = 0, saved;

	if (mc_wire_encode(s->wire, msg, &frames, &n) != 0) {
		s_log("cannot encode %s", mc_msg_type(msg));
		errno = ENOMEM;
		return -1;
	}
	if (ch == MC_CH_IOPUB)
		pthread_mutex_lock(&s->iopub_lock);
	for (size_t i = 0; i < n && rc == 0; i++) {
		while ((rc = zmq_send(sock, frames[i].data, frames[i].len,
		                      i + 1 < n ? ZMQ_SNDMORE : 0)) < 0 && errno == EINTR)
			;
		rc = rc < 0 ? -1 : 0;
	}
	saved = errno;
	/* Sending may take in the notice of a new subscriber without waking the
	 * control thread's poll: wake it. */
	if (ch == MC_CH_IOPUB && s_subscription_waiting(s) && s->wake[1] >= 0 &&
	    write(s->wake[1], "s", 1) < 0 && errno != EAGAIN)
		s_log("iopub: cannot wake the control thread: %s", strerror(errno));
	if (ch == MC_CH_IOPUB)
		pthread_mutex_unlock(&s->iopub_lock);
	free(frames);
	errno = saved;
	return rc;
}

/* Welcomes the clients that subscribed to iopub since the last call. */
static void s_take_subscriptions(mc_server *s)
{
	for (;;) {
		char *topics[MAX_WELCOMES];
		size_t lens[MAX_WELCOMES], n = 0;

		pthread_mutex_lock(&s->iopub_lock);
		while (n < MAX_WELCOMES && s_subscription_waiting(s)) {
			zmq_msg_t m;

			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, s->sock[MC_CH_IOPUB], ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&m);
				break;
			}
			/* 1 then the topic: a subscription; 0: a client left */
			if (zmq_msg_size(&m) >= 1 && ((const char *)zmq_msg_data(&m))[0] == 1 &&
			    (topics[n] = malloc(zmq_msg_size(&m))) != NULL) {
				lens[n] = zmq_msg_size(&m) - 1;
				memcpy(topics[n], (const char *)zmq_msg_data(&m) + 1, lens[n]);
				n++;
			}
			zmq_msg_close(&m);
		}
		pthread_mutex_unlock(&s->iopub_lock);
		for (size_t i = 0; i < n; i++) {
			mc_server_welcome(s, topics[i], lens[i]);
			free(topics[i]);
		}
		if (n < MAX_WELCOMES)
			return;
	}
}

static void s_check_parent(mc_server *s)
{
	pid_t now;

	if (s->parent <= 0 || atomic_load(&s->orphaned))
		return;
	now = getppid();
	if (now == s->ppid && !(kill(s->parent, 0) != 0 && errno == ESRCH))
		return;
	s_log("the process that started the kernel (pid %ld) is gone; shutting down",
	      (long)s->parent);
	atomic_store(&s->orphaned, 1);
	mc_server_stop(s);
}

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

/* The control thread: control requests, iopub subscriptions, the parent. */
static void *s_control(void *arg)
{
	mc_server *s = arg;
	void *sock = s->sock[MC_CH_CONTROL];
	int iopub_fd = -1;
	size_t size = sizeof iopub_fd;

	pthread_mutex_lock(&s->iopub_lock);
	if (zmq_getsockopt(s->sock[MC_CH_IOPUB], ZMQ_FD, &iopub_fd, &size) != 0)
		iopub_fd = -1;
	pthread_mutex_unlock(&s->iopub_lock);
	while (!atomic_load(&s->stop)) {
		zmq_pollitem_t items[3] = {
			{ sock, 0, ZMQ_POLLIN, 0 },
			{ NULL, iopub_fd, ZMQ_POLLIN, 0 },
			{ NULL, s->wake[0], ZMQ_POLLIN, 0 },
		};
		char drain[64];

		if (zmq_poll(items, iopub_fd >= 0 ? 3 : 1, POLL_MS) < 0 && errno != EINTR)
			break;
		if (items[0].revents & ZMQ_POLLIN) {
			mc_msg *req = s_zmq_read(s, sock, "control");

			if (req != NULL)
				mc_server_handle(s, MC_CH_CONTROL, req);
			mc_msg_free(req);
		}
		while (read(s->wake[0], drain, sizeof drain) > 0)
			;
		s_take_subscriptions(s);
		s_check_parent(s);
	}
	return NULL;
}

int mc_server_new(mc_server **out, const mc_connection *conn, mc_interp *interp,
                  mc_history *history, atomic_int *interrupted, mc_error *err)
{
	static const int types[MC_CH_COUNT] = { ZMQ_ROUTER, ZMQ_ROUTER, ZMQ_ROUTER, ZMQ_XPUB,
	                                        ZMQ_REP };
	mc_server *s = NULL;
	int rc = s_new(&s, interp, history, interrupted, conn->key, conn->key_len, err);

	*out = NULL;
	if (rc != 0)
		return rc;
	s->io = (mc_transport){ .ctx = s, .send = s_zmq_send, .recv = s_zmq_recv };
	pthread_mutex_init(&s->iopub_lock, NULL);
	s->iopub_lock_made = 1;
	s->ctx = zmq_ctx_new();
	if (s->ctx == NULL || pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "cannot set up ZeroMQ: %s", strerror(errno));
		goto cleanup;
	}
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		char ep[300];
		int linger = 1000, one = 1;

		mc_connection_endpoint(conn, (mc_channel)ch, ep, sizeof ep);
		s->sock[ch] = zmq_socket(s->ctx, types[ch]);
		if (s->sock[ch] == NULL) {
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot create socket: %s",
			                  mc_channel_name((mc_channel)ch), zmq_strerror(errno));
			goto cleanup;
		}
		zmq_setsockopt(s->sock[ch], ZMQ_LINGER, &linger, sizeof linger);
		/* stdin: while the front end's channel connects, a send fails
		 * (EHOSTUNREACH) instead of dropping the input_request */
		if (ch == MC_CH_STDIN)
			zmq_setsockopt(s->sock[ch], ZMQ_ROUTER_MANDATORY, &one, sizeof one);
		/* iopub: every subscription, even to a topic already subscribed */
		if (ch == MC_CH_IOPUB)
			zmq_setsockopt(s->sock[ch], ZMQ_XPUB_VERBOSE, &one, sizeof one);
		/* a socket maskclean-launch bound and listens on: ZeroMQ takes it */
		if (conn->listen_fds[ch] >= 0)
			zmq_setsockopt(s->sock[ch], ZMQ_USE_FD, &conn->listen_fds[ch],
			               sizeof conn->listen_fds[ch]);
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

int mc_server_run(mc_server *s, int *restart)
{
	sigset_t block, old;

	*restart = 0;
	if (s->ctx == NULL)
		return MC_ERR_STATE;
	/* The helper threads never take SIGINT or SIGTERM: they go to the cell
	 * thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
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
		mc_msg *req = s_zmq_recv(s, MC_CH_SHELL, POLL_MS);

		if (req != NULL)
			mc_server_handle(s, MC_CH_SHELL, req);
		mc_msg_free(req);
	}
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
	for (int i = 0; i < 2; i++)
		if (s->wake[i] >= 0)
			close(s->wake[i]);
	if (s->iopub_lock_made)
		pthread_mutex_destroy(&s->iopub_lock);
	mc_wire_free(s->wire);
	free(s);
}
