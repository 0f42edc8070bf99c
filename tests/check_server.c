/* Tests of the protocol core (server.c) through a fake transport: the handler
 * table and the channels it serves, replies and their iopub messages, stop on
 * error, U+0000 in code, payloads (ask_exit, the pager), stderr, stdin, the
 * iopub welcome, shutdown and interrupt. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "interp.h"
#include "language_doc.h"
#include "server.h"
#include "wire.h"
#include "suite_run.h"

#define QUEUE 64

/* The transport: what the server sent, in order, and queues of requests
 * for its recv. */
typedef struct fake {
	json_t *sent;                 /* [{"ch", "type", "parent", "content", "topic"}] */
	mc_msg *queue[2][QUEUE];      /* 0: shell, 1: stdin */
	size_t head[2], tail[2];
	int recv_calls[2];
	int unreachable;              /* stdin sends that fail first (EHOSTUNREACH) */
	const char *input_value;      /* answered to an input_request */
	int welcome_on_input;         /* a client subscribes during execute_input */
	mc_server *server;
	mc_wire *client;
} fake;

static fake F;
static mc_server *S;
static mc_interp *I;
static atomic_int s_intr;

static int s_q(mc_channel ch)
{
	return ch == MC_CH_STDIN;
}

static void s_push(mc_channel ch, mc_msg *msg)
{
	int q = s_q(ch);

	ck_assert_uint_lt(F.tail[q], QUEUE);
	F.queue[q][F.tail[q]++] = msg;
}

static int f_send(void *ctx, mc_channel ch, const mc_msg *msg)
{
	fake *f = ctx;
	const char *type = mc_msg_type(msg);
	json_t *parent_id = json_object_get(msg->parent_header, "msg_id");
	json_t *rec;

	if (ch == MC_CH_STDIN && f->unreachable > 0) {
		f->unreachable--;
		errno = EHOSTUNREACH;
		return -1;
	}
	rec = json_pack("{s:s, s:s, s:O, s:O, s:s%}", "ch", mc_channel_name(ch), "type", type,
	                "parent", parent_id != NULL ? parent_id : json_null(),
	                "content", msg->content,
	                "topic", msg->n_idents > 0 ? (const char *)msg->idents[0].data : "",
	                msg->n_idents > 0 ? msg->idents[0].len : (size_t)0);
	json_array_append_new(f->sent, rec);
	if (ch == MC_CH_STDIN && strcmp(type, "input_request") == 0 && f->input_value != NULL)
		s_push(MC_CH_STDIN, mc_msg_new(f->client, "input_reply", NULL,
		                               json_pack("{s:s}", "value", f->input_value)));
	if (ch == MC_CH_IOPUB && strcmp(type, "execute_input") == 0 && f->welcome_on_input) {
		f->welcome_on_input = 0;
		mc_server_welcome(f->server, "kernel.", 7);
	}
	return 0;
}

static mc_msg *f_recv(void *ctx, mc_channel ch, int timeout_ms)
{
	fake *f = ctx;
	int q = s_q(ch);

	(void)timeout_ms;
	f->recv_calls[q]++;
	return f->head[q] < f->tail[q] ? f->queue[q][f->head[q]++] : NULL;
}

static void s_setup(void)
{
	mc_transport t = { .ctx = &F, .send = f_send, .recv = f_recv };
	mc_error err;

	memset(&F, 0, sizeof F);
	F.sent = json_array();
	F.client = mc_wire_new("", 0, "client-session");
	I = mc_interp_new();
	ck_assert_ptr_nonnull(I);
	s_intr = 0;
	mc_error_clear(&err);
	ck_assert_msg(mc_server_new_with(&S, &t, I, NULL, &s_intr, &err) == 0, "%s", err.text);
	F.server = S;
}

static void s_teardown(void)
{
	for (int q = 0; q < 2; q++)
		for (size_t i = F.head[q]; i < F.tail[q]; i++)
			mc_msg_free(F.queue[q][i]);
	mc_server_free(S);
	mc_interp_free(I);
	mc_wire_free(F.client);
	json_decref(F.sent);
}

/* A request of the client's; caller frees. */
static mc_msg *s_request(const char *type, json_t *content)
{
	mc_msg *m = mc_msg_new(F.client, type, NULL, content);

	ck_assert_ptr_nonnull(m);
	return m;
}

static mc_msg *s_execute_msg(const char *code, json_t *extra)
{
	json_t *c = json_pack("{s:s, s:b, s:b, s:{}, s:b, s:b}", "code", code, "silent", 0,
	                      "store_history", 1, "user_expressions", "allow_stdin", 0,
	                      "stop_on_error", 1);

	if (extra != NULL) {
		json_object_update(c, extra);
		json_decref(extra);
	}
	return s_request("execute_request", c);
}

/* Handles msg on ch and frees it; returns its msg_id (static buffer). */
static const char *s_handle(mc_channel ch, mc_msg *msg)
{
	static char id[64];

	snprintf(id, sizeof id, "%s", json_string_value(json_object_get(msg->header, "msg_id")));
	mc_server_handle(S, ch, msg);
	mc_msg_free(msg);
	return id;
}

static const char *s_execute(const char *code, json_t *extra)
{
	return s_handle(MC_CH_SHELL, s_execute_msg(code, extra));
}

/* The k-th (0-based) message sent on channel ch of type type with parent
 * msg_id (any parent when parent is NULL); borrowed, or NULL. */
static json_t *s_sent(const char *ch, const char *type, const char *parent, int k)
{
	size_t i;
	json_t *rec;

	json_array_foreach(F.sent, i, rec) {
		const char *p = json_string_value(json_object_get(rec, "parent"));

		if (strcmp(json_string_value(json_object_get(rec, "ch")), ch) == 0 &&
		    strcmp(json_string_value(json_object_get(rec, "type")), type) == 0 &&
		    (parent == NULL || (p != NULL && strcmp(p, parent) == 0)) && k-- == 0)
			return rec;
	}
	return NULL;
}

static size_t s_index(json_t *rec)
{
	size_t i;
	json_t *r;

	json_array_foreach(F.sent, i, r)
		if (r == rec)
			return i;
	ck_abort_msg("not sent");
	return 0;
}

static json_t *s_content(json_t *rec)
{
	ck_assert_ptr_nonnull(rec);
	return json_object_get(rec, "content");
}

static const char *s_cstr(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(s_content(rec), key));
}

/* The iopub status messages of parent, in order, as "busy,idle". */
static void s_statuses(const char *parent, char *buf, size_t size)
{
	size_t i;
	json_t *rec;

	buf[0] = '\0';
	json_array_foreach(F.sent, i, rec) {
		const char *p = json_string_value(json_object_get(rec, "parent"));

		if (strcmp(json_string_value(json_object_get(rec, "type")), "status") == 0 &&
		    p != NULL && strcmp(p, parent) == 0)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? "," : "",
			         s_cstr(rec, "execution_state"));
	}
}

static void s_assert_busy_idle(const char *parent)
{
	char st[256];

	s_statuses(parent, st, sizeof st);
	ck_assert_str_eq(st, "busy,idle");
}

/* iopub topics are "kernel.<session>.<msg_type>", as ipykernel's. */
static void s_assert_topic(json_t *rec, const char *msg_type)
{
	const char *topic = json_string_value(json_object_get(rec, "topic"));
	char want[64];

	snprintf(want, sizeof want, "kernel.%s.%s", mc_wire_session(mc_server_wire(S)), msg_type);
	ck_assert_str_eq(topic, want);
}

START_TEST(test_kernel_info_on_shell_and_control)
{
	const char *id = s_handle(MC_CH_SHELL, s_request("kernel_info_request", NULL));
	json_t *reply = s_sent("shell", "kernel_info_reply", id, 0);

	ck_assert_str_eq(s_cstr(reply, "status"), "ok");
	ck_assert_str_eq(s_cstr(reply, "protocol_version"), "5.3");
	/* no file:// link a browser cannot open; the reference is help("language") */
	ck_assert_uint_eq(json_array_size(json_object_get(s_content(reply), "help_links")), 0);
	ck_assert_ptr_nonnull(strstr(s_cstr(reply, "banner"), "help(\"language\")"));
	s_assert_busy_idle(id);
	ck_assert_uint_lt(s_index(s_sent("iopub", "status", id, 0)), s_index(reply));
	ck_assert_uint_lt(s_index(reply), s_index(s_sent("iopub", "status", id, 1)));
	s_assert_topic(s_sent("iopub", "status", id, 0), "status");

	id = s_handle(MC_CH_CONTROL, s_request("kernel_info_request", NULL));
	ck_assert_str_eq(s_cstr(s_sent("control", "kernel_info_reply", id, 0), "status"), "ok");
	ck_assert_ptr_null(s_sent("shell", "kernel_info_reply", id, 0));
}
END_TEST

START_TEST(test_unknown_type_and_wrong_channel)
{
	const char *id = s_handle(MC_CH_SHELL, s_request("frobnicate_request", NULL));
	json_t *reply = s_sent("shell", "frobnicate_reply", id, 0);

	ck_assert_str_eq(s_cstr(reply, "status"), "error");
	ck_assert_str_eq(s_cstr(reply, "ename"), "NotImplementedError");
	ck_assert_str_eq(s_cstr(reply, "evalue"), "frobnicate_request");
	s_assert_busy_idle(id);

	/* the same on control, and a handler is found only on its channels */
	id = s_handle(MC_CH_CONTROL, s_request("frobnicate_request", NULL));
	ck_assert_str_eq(s_cstr(s_sent("control", "frobnicate_reply", id, 0), "ename"),
	                 "NotImplementedError");
	id = s_handle(MC_CH_SHELL, s_request("interrupt_request", NULL));
	ck_assert_str_eq(s_cstr(s_sent("shell", "interrupt_reply", id, 0), "status"), "error");
	ck_assert_int_eq(s_intr, 0);
	id = s_handle(MC_CH_CONTROL, s_request("execute_request",
	                                       json_pack("{s:s}", "code", "ran_on_control = 1")));
	ck_assert_str_eq(s_cstr(s_sent("control", "execute_reply", id, 0), "status"), "error");
	id = s_execute("ran_on_control", NULL);
	ck_assert_str_eq(s_cstr(s_sent("shell", "execute_reply", id, 0), "ename"), "NameError");
}
END_TEST

START_TEST(test_execute_publishes_and_counts)
{
	const char *id = s_execute("x = 41\nx + 1", NULL);
	json_t *reply = s_sent("shell", "execute_reply", id, 0);
	json_t *input = s_sent("iopub", "execute_input", id, 0);
	json_t *result = s_sent("iopub", "execute_result", id, 0);

	ck_assert_str_eq(s_cstr(reply, "status"), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(s_content(reply), "execution_count")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(s_content(reply), "payload")), 0);
	ck_assert_str_eq(s_cstr(input, "code"), "x = 41\nx + 1");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s_content(result), "data"),
	                                                   "text/plain")), "42");
	ck_assert_uint_lt(s_index(input), s_index(result));
	ck_assert_uint_lt(s_index(result), s_index(reply));
	s_assert_busy_idle(id);
	s_assert_topic(input, "execute_input");
	s_assert_topic(result, "execute_result");
}
END_TEST

/* A failed cell with queued cells behind it, as a Run-All sends them. */
START_TEST(test_stop_on_error_aborts_what_is_queued)
{
	mc_msg *queued[3] = { s_execute_msg("never = 1", NULL), s_request("kernel_info_request", NULL),
	                      s_execute_msg("never", json_pack("{s:b}", "stop_on_error", 0)) };
	char ids[3][64], st[256];
	const char *failed;
	json_t *r;

	for (int i = 0; i < 3; i++) {
		snprintf(ids[i], sizeof ids[i], "%s",
		         json_string_value(json_object_get(queued[i]->header, "msg_id")));
		s_push(MC_CH_SHELL, queued[i]);
	}
	failed = s_execute("undefined_name_q1", NULL);
	r = s_sent("shell", "execute_reply", failed, 0);
	ck_assert_str_eq(s_cstr(r, "status"), "error");
	ck_assert_int_eq(json_integer_value(json_object_get(s_content(r), "execution_count")), 1);
	/* the queued executes are aborted, with no execution count of their own */
	for (int i = 0; i < 3; i += 2) {
		r = s_sent("shell", "execute_reply", ids[i], 0);
		ck_assert_str_eq(s_cstr(r, "status"), "aborted");
		ck_assert_uint_eq(json_object_size(s_content(r)), 1);
		ck_assert_ptr_null(s_sent("iopub", "execute_input", ids[i], 0));
		s_assert_busy_idle(ids[i]);
	}
	/* other requests are served meanwhile */
	ck_assert_str_eq(s_cstr(s_sent("shell", "kernel_info_reply", ids[1], 0), "status"), "ok");
	/* the failed cell's idle comes once the queue is quiet */
	s_statuses(failed, st, sizeof st);
	ck_assert_str_eq(st, "busy,idle");
	ck_assert_uint_gt(s_index(s_sent("iopub", "status", failed, 1)),
	                  s_index(s_sent("iopub", "status", ids[2], 1)));
	ck_assert_int_ge(F.recv_calls[0], 4);
	/* nothing ran, and the next cell runs again */
	r = s_sent("shell", "execute_reply", s_execute("never", NULL), 0);
	ck_assert_str_eq(s_cstr(r, "status"), "error");
	ck_assert_str_eq(s_cstr(r, "ename"), "NameError");
	ck_assert_int_eq(json_integer_value(json_object_get(s_content(r), "execution_count")), 2);
}
END_TEST

START_TEST(test_silent_or_no_stop_on_error_aborts_nothing)
{
	mc_msg *queued = s_execute_msg("ran = 1", NULL);
	json_t *r;

	s_push(MC_CH_SHELL, queued);
	r = s_sent("shell", "execute_reply",
	           s_execute("undefined_name_q2", json_pack("{s:b}", "silent", 1)), 0);
	ck_assert_str_eq(s_cstr(r, "status"), "error");
	r = s_sent("shell", "execute_reply",
	           s_execute("undefined_name_q3", json_pack("{s:b}", "stop_on_error", 0)), 0);
	ck_assert_str_eq(s_cstr(r, "status"), "error");
	ck_assert_int_eq(F.recv_calls[0], 0);  /* the queue was not even looked at */
	r = s_sent("shell", "execute_reply", s_handle(MC_CH_SHELL, F.queue[0][F.head[0]++]), 0);
	ck_assert_str_eq(s_cstr(r, "status"), "ok");
}
END_TEST

START_TEST(test_nul_in_code_gets_an_error_reply)
{
	mc_msg *msg = s_execute_msg("", NULL);
	mc_msg *queued = s_execute_msg("after_nul = 1", NULL);
	const char *id;
	json_t *r;

	json_object_set_new(msg->content, "code", json_stringn("a = 1\nb = \"x\0y\"", 16));
	s_push(MC_CH_SHELL, queued);
	id = s_handle(MC_CH_SHELL, msg);
	r = s_sent("shell", "execute_reply", id, 0);
	ck_assert_str_eq(s_cstr(r, "status"), "error");
	ck_assert_str_eq(s_cstr(r, "ename"), "SyntaxError");
	ck_assert_str_eq(s_cstr(r, "evalue"),
	                 "source code cannot contain null bytes (U+0000 at line 2, column 7)");
	ck_assert_int_eq(json_integer_value(json_object_get(s_content(r), "execution_count")), 1);
	ck_assert_str_eq(s_cstr(s_sent("iopub", "error", id, 0), "ename"), "SyntaxError");
	ck_assert_uint_eq(json_string_length(json_object_get(
		s_content(s_sent("iopub", "execute_input", id, 0)), "code")), 16);
	s_assert_busy_idle(id);
	/* nothing of it ran, and it stops the queue as any failed cell */
	r = s_sent("shell", "execute_reply", s_execute("a", NULL), 0);
	ck_assert_str_eq(s_cstr(r, "status"), "error");
	ck_assert_ptr_nonnull(s_sent("shell", "execute_reply", NULL, 2));
	ck_assert_str_eq(s_cstr(s_sent("shell", "execute_reply", NULL, 1), "status"), "aborted");

	/* the other requests that carry code answer too */
	msg = s_request("is_complete_request", json_pack("{s:o}", "code", json_stringn("x\0", 2)));
	ck_assert_str_eq(s_cstr(s_sent("shell", "is_complete_reply", s_handle(MC_CH_SHELL, msg), 0),
	                        "status"), "invalid");
	msg = s_request("complete_request", json_pack("{s:o, s:i}", "code", json_stringn("pr\0", 3),
	                                              "cursor_pos", 2));
	ck_assert_str_eq(s_cstr(s_sent("shell", "complete_reply", s_handle(MC_CH_SHELL, msg), 0),
	                        "status"), "ok");
	msg = s_request("inspect_request", json_pack("{s:o, s:i}", "code", json_stringn("pr\0", 3),
	                                             "cursor_pos", 2));
	r = s_sent("shell", "inspect_reply", s_handle(MC_CH_SHELL, msg), 0);
	ck_assert(json_is_false(json_object_get(s_content(r), "found")));
	r = s_sent("shell", "execute_reply", s_execute("1", json_pack("{s:{s:o}}", "user_expressions",
	                                                "e", json_stringn("1\0", 2))), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
		s_content(r), "user_expressions"), "e"), "status")), "error");
}
END_TEST

START_TEST(test_exit_and_quit_ask_exit)
{
	const char *payload_src;
	json_t *p;

	/* exit(keep_kernel=true): the console ends, the kernel keeps running */
	p = json_object_get(s_content(s_sent("shell", "execute_reply",
	                    s_execute("exit(keep_kernel=true)", NULL), 0)), "payload");
	ck_assert_uint_eq(json_array_size(p), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "source")), "ask_exit");
	ck_assert(json_is_true(json_object_get(json_array_get(p, 0), "keepkernel")));
	ck_assert_int_eq(mc_server_stopped(S, NULL), 0);

	/* a variable named exit is shown, not called */
	s_execute("exit = 3", NULL);
	p = s_sent("iopub", "execute_result", s_execute("exit", NULL), 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(mc_server_stopped(S, NULL), 0);
	s_teardown();
	s_setup();

	/* exit alone on a line, as IPython autocalls it */
	p = json_object_get(s_content(s_sent("shell", "execute_reply", s_execute("  exit\n", NULL), 0)),
	                    "payload");
	payload_src = json_string_value(json_object_get(json_array_get(p, 0), "source"));
	ck_assert_str_eq(payload_src, "ask_exit");
	ck_assert(json_is_false(json_object_get(json_array_get(p, 0), "keepkernel")));
	ck_assert_ptr_null(s_sent("iopub", "execute_result", NULL, 0));
	ck_assert_int_eq(mc_server_stopped(S, NULL), 1);
	s_teardown();
	s_setup();
	p = json_object_get(s_content(s_sent("shell", "execute_reply", s_execute("quit()", NULL), 0)),
	                    "payload");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "source")), "ask_exit");
	ck_assert_int_eq(mc_server_stopped(S, NULL), 1);
}
END_TEST

START_TEST(test_long_help_goes_to_the_pager)
{
	const char *id = s_execute("help()", NULL);
	json_t *p = json_object_get(s_content(s_sent("shell", "execute_reply", id, 0)), "payload");
	json_t *data = json_object_get(json_array_get(p, 0), "data");

	ck_assert_uint_eq(json_array_size(p), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "source")), "page");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(data, "text/plain")),
	                             "load_coco"));
	ck_assert_ptr_null(s_sent("iopub", "stream", id, 0));  /* not printed as well */

	/* short help is printed in the cell */
	id = s_execute("help(len)", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(s_content(
		s_sent("shell", "execute_reply", id, 0)), "payload")), 0);
	ck_assert_ptr_nonnull(strstr(s_cstr(s_sent("iopub", "stream", id, 0), "text"), "len"));

	/* the language reference, inside the kernel */
	id = s_execute("help(\"language\")", NULL);
	p = json_object_get(s_content(s_sent("shell", "execute_reply", id, 0)), "payload");
	data = json_object_get(json_array_get(p, 0), "data");
	ck_assert_uint_gt(strlen(mc_language_doc), 1000);
	ck_assert_str_eq(json_string_value(json_object_get(data, "text/markdown")), mc_language_doc);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(data, "text/plain")),
	                             "language"));
}
END_TEST

START_TEST(test_print_to_stderr)
{
	const char *id = s_execute("print(\"bad\", 1, file=stderr); print(\"good\"); stderr(\"also\")",
	                           NULL);
	json_t *s0 = s_sent("iopub", "stream", id, 0), *s1 = s_sent("iopub", "stream", id, 1);
	json_t *s2 = s_sent("iopub", "stream", id, 2), *r;

	ck_assert_str_eq(s_cstr(s0, "name"), "stderr");
	ck_assert_str_eq(s_cstr(s0, "text"), "bad 1\n");
	ck_assert_str_eq(s_cstr(s1, "name"), "stdout");
	ck_assert_str_eq(s_cstr(s1, "text"), "good\n");
	ck_assert_str_eq(s_cstr(s2, "name"), "stderr");
	ck_assert_str_eq(s_cstr(s2, "text"), "also\n");
	id = s_execute("print(\"x\", file=\"stderr\")", NULL);
	ck_assert_str_eq(s_cstr(s_sent("iopub", "stream", id, 0), "name"), "stderr");
	r = s_sent("shell", "execute_reply", s_execute("print(\"x\", file=3)", NULL), 0);
	ck_assert_str_eq(s_cstr(r, "ename"), "TypeError");
	ck_assert_ptr_nonnull(strstr(s_cstr(r, "evalue"), "file must be stdout or stderr"));
}
END_TEST

START_TEST(test_input_waits_for_stdin_channel)
{
	const char *id;
	json_t *r;

	F.unreachable = 2;  /* the front end's stdin channel is still connecting */
	F.input_value = "Ada";
	id = s_execute("name = input(\"Name? \")", json_pack("{s:b}", "allow_stdin", 1));
	r = s_sent("stdin", "input_request", id, 0);
	ck_assert_str_eq(s_cstr(r, "prompt"), "Name? ");
	ck_assert_str_eq(s_cstr(s_sent("shell", "execute_reply", id, 0), "status"), "ok");
	id = s_execute("name", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s_content(
		s_sent("iopub", "execute_result", id, 0)), "data"), "text/plain")), "'Ada'");
	/* not allowed: an error, and no request */
	id = s_execute("input()", NULL);
	ck_assert_str_eq(s_cstr(s_sent("shell", "execute_reply", id, 0), "status"), "error");
	ck_assert_ptr_null(s_sent("stdin", "input_request", id, 0));
}
END_TEST

START_TEST(test_welcome)
{
	json_t *w, *st;
	const char *id;

	mc_server_welcome(S, "", 0);
	w = s_sent("iopub", "iopub_welcome", NULL, 0);
	ck_assert_str_eq(s_cstr(w, "subscription"), "");
	ck_assert(json_is_null(json_object_get(w, "parent")));  /* no parent request */
	st = json_array_get(F.sent, s_index(w) + 1);
	ck_assert_str_eq(json_string_value(json_object_get(st, "type")), "status");
	ck_assert_str_eq(s_cstr(st, "execution_state"), "idle");
	s_assert_topic(w, "iopub_welcome");

	/* a client joining while a cell runs learns that the kernel is busy */
	F.welcome_on_input = 1;
	id = s_execute("1", NULL);
	w = s_sent("iopub", "iopub_welcome", NULL, 1);
	ck_assert_str_eq(s_cstr(w, "subscription"), "kernel.");
	st = json_array_get(F.sent, s_index(w) + 1);
	ck_assert_str_eq(s_cstr(st, "execution_state"), "busy");
	ck_assert_uint_gt(s_index(w), s_index(s_sent("iopub", "status", id, 0)));
}
END_TEST

START_TEST(test_shutdown_and_interrupt_on_control)
{
	const char *id = s_handle(MC_CH_CONTROL, s_request("interrupt_request", NULL));
	int restart = -1;
	json_t *r;

	ck_assert_str_eq(s_cstr(s_sent("control", "interrupt_reply", id, 0), "status"), "ok");
	ck_assert_int_eq(s_intr, 1);
	ck_assert_int_eq(mc_server_stopped(S, NULL), 0);
	s_intr = 0;
	id = s_handle(MC_CH_CONTROL, s_request("shutdown_request", json_pack("{s:b}", "restart", 1)));
	r = s_sent("control", "shutdown_reply", id, 0);
	ck_assert_str_eq(s_cstr(r, "status"), "ok");
	ck_assert(json_is_true(json_object_get(s_content(r), "restart")));
	ck_assert_ptr_nonnull(s_sent("iopub", "shutdown_reply", id, 0));
	ck_assert_int_eq(mc_server_stopped(S, &restart), 1);
	ck_assert_int_eq(restart, 1);
	ck_assert_int_eq(s_intr, 1);  /* a running cell stops */
}
END_TEST

START_TEST(test_comms_and_history_requests)
{
	const char *id = s_handle(MC_CH_SHELL, s_request("comm_open",
	                          json_pack("{s:s, s:s, s:{}}", "comm_id", "c1", "target_name", "t",
	                                    "data")));
	json_t *r;

	ck_assert_str_eq(s_cstr(s_sent("iopub", "comm_close", id, 0), "comm_id"), "c1");
	ck_assert_ptr_null(s_sent("shell", "comm_open_reply", id, 0));  /* comms have no reply */
	s_assert_busy_idle(id);
	id = s_handle(MC_CH_SHELL, s_request("comm_msg", json_pack("{s:s}", "comm_id", "c1")));
	ck_assert_ptr_null(s_sent("shell", "comm_msg_reply", id, 0));
	s_assert_busy_idle(id);
	id = s_handle(MC_CH_SHELL, s_request("comm_info_request", NULL));
	ck_assert_str_eq(s_cstr(s_sent("shell", "comm_info_reply", id, 0), "status"), "ok");
	/* no history kept: an empty one; a bad access type: an error */
	id = s_handle(MC_CH_SHELL, s_request("history_request",
	                                     json_pack("{s:s}", "hist_access_type", "tail")));
	r = s_sent("shell", "history_reply", id, 0);
	ck_assert_str_eq(s_cstr(r, "status"), "ok");
	ck_assert_uint_eq(json_array_size(json_object_get(s_content(r), "history")), 0);
	id = s_handle(MC_CH_SHELL, s_request("history_request",
	                                     json_pack("{s:s}", "hist_access_type", "sideways")));
	ck_assert_str_eq(s_cstr(s_sent("shell", "history_reply", id, 0), "ename"), "ValueError");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {  /* Check's test names are variables */
		test_kernel_info_on_shell_and_control, test_unknown_type_and_wrong_channel,
		test_execute_publishes_and_counts, test_stop_on_error_aborts_what_is_queued,
		test_silent_or_no_stop_on_error_aborts_nothing, test_nul_in_code_gets_an_error_reply,
		test_exit_and_quit_ask_exit, test_long_help_goes_to_the_pager, test_print_to_stderr,
		test_input_waits_for_stdin_channel, test_welcome, test_shutdown_and_interrupt_on_control,
		test_comms_and_history_requests,
	};
	Suite *suite = suite_create("server");
	TCase *tc = tcase_create("server");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, s_setup, s_teardown);
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(suite, tc);
	return mc_check_run(suite);
}
