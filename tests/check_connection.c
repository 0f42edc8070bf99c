/* Tests of connection-file parsing, and of the listening sockets
 * maskclean-launch binds for the kernel. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <zmq.h>

#include "connection.h"
#include "suite_run.h"
#include "testutil.h"

static char s_path[4096];

static const char *s_write(const char *text)
{
	FILE *f = fopen(tu_tmpfile(s_path, sizeof s_path, "connection.json"), "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return s_path;
}

#define GOOD "{\"shell_port\": 5001, \"iopub_port\": 5002, \"stdin_port\": 5003," \
	" \"control_port\": 5004, \"hb_port\": 5005, \"ip\": \"127.0.0.1\"," \
	" \"key\": \"secret-key\", \"transport\": \"tcp\"," \
	" \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"maskclean\"}"

START_TEST(test_load_good)
{
	mc_connection c;
	mc_error err;
	char ep[300];

	mc_error_clear(&err);
	ck_assert_int_eq(mc_connection_load(&c, s_write(GOOD), &err), 0);
	ck_assert_str_eq(c.transport, "tcp");
	ck_assert_str_eq(c.ip, "127.0.0.1");
	for (int ch = 0; ch < MC_CH_COUNT; ch++)
		ck_assert_int_eq(c.listen_fds[ch], -1);  /* not from the file */
	ck_assert_str_eq(c.key, "secret-key");
	ck_assert_uint_eq(c.key_len, 10);
	ck_assert_int_eq(c.ports[MC_CH_SHELL], 5001);
	ck_assert_int_eq(c.ports[MC_CH_IOPUB], 5002);
	ck_assert_int_eq(c.ports[MC_CH_STDIN], 5003);
	ck_assert_int_eq(c.ports[MC_CH_CONTROL], 5004);
	ck_assert_int_eq(c.ports[MC_CH_HB], 5005);
	mc_connection_endpoint(&c, MC_CH_CONTROL, ep, sizeof ep);
	ck_assert_str_eq(ep, "tcp://127.0.0.1:5004");
	ck_assert_str_eq(mc_channel_name(MC_CH_STDIN), "stdin");
	mc_connection_clear(&c);
	unlink(s_path);
}
END_TEST

START_TEST(test_load_ipc)
{
	mc_connection c;
	mc_error err;
	char ep[300];

	mc_error_clear(&err);
	ck_assert_int_eq(mc_connection_load(&c, s_write(
		"{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4,"
		" \"hb_port\": 5, \"ip\": \"/tmp/kernel-x\", \"key\": \"\", \"transport\": \"ipc\"}"),
		&err), 0);
	mc_connection_endpoint(&c, MC_CH_HB, ep, sizeof ep);
	ck_assert_str_eq(ep, "ipc:///tmp/kernel-x-5");
	ck_assert_uint_eq(c.key_len, 0);
	mc_connection_clear(&c);
	unlink(s_path);
}
END_TEST

/* Loading text fails and the message names the file and contains what. */
static void s_expect_fail(const char *text, int code, const char *what)
{
	mc_connection c;
	mc_error err;
	const char *path = s_write(text);

	mc_error_clear(&err);
	ck_assert_int_eq(mc_connection_load(&c, path, &err), code);
	ck_assert_ptr_null(c.key);
	ck_assert_msg(strstr(err.text, path) != NULL, "\"%s\" should name the file", err.text);
	ck_assert_msg(strstr(err.text, what) != NULL, "\"%s\" should mention \"%s\"", err.text,
	              what);
	unlink(path);
}

START_TEST(test_load_bad)
{
	mc_connection c;
	mc_error err;

	s_expect_fail("{\"shell_port\": 5001,", MC_ERR_PARSE, "line 1");
	s_expect_fail("[]", MC_ERR_PARSE, "expected a JSON object");
	s_expect_fail("{\"shell_port\": 5001, \"iopub_port\": 5002, \"stdin_port\": 5003,"
	              " \"control_port\": 5004, \"key\": \"k\"}", MC_ERR_PARSE,
	              "hb_port: expected an integer port");
	s_expect_fail("{\"shell_port\": 70000, \"iopub_port\": 5002, \"stdin_port\": 5003,"
	              " \"control_port\": 5004, \"hb_port\": 1, \"key\": \"k\"}", MC_ERR_PARSE,
	              "shell_port: expected 1..65535, got 70000");
	s_expect_fail("{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4,"
	              " \"hb_port\": 5, \"key\": \"k\", \"signature_scheme\": \"hmac-md5\"}",
	              MC_ERR_PARSE, "signature_scheme: expected \"hmac-sha256\", got \"hmac-md5\"");
	s_expect_fail("{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4,"
	              " \"hb_port\": 5, \"key\": 7}", MC_ERR_PARSE, "key: expected a string");
	s_expect_fail("{\"transport\": \"udp\"}", MC_ERR_PARSE, "transport: expected");

	mc_error_clear(&err);
	ck_assert_int_eq(mc_connection_load(&c, "/nonexistent/conn.json", &err), MC_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/conn.json: cannot read"));
	mc_connection_clear(&c);
}
END_TEST

/* Five free TCP ports of 127.0.0.1 in ports. */
static void s_free_ports(int ports[MC_CH_COUNT])
{
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t len = sizeof a;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
		ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
		ports[ch] = ntohs(a.sin_port);
		close(fd);
	}
}

static mc_connection s_conn(const char *ip, const char *transport)
{
	mc_connection c;

	memset(&c, 0, sizeof c);
	snprintf(c.ip, sizeof c.ip, "%s", ip);
	snprintf(c.transport, sizeof c.transport, "%s", transport);
	s_free_ports(c.ports);
	for (int ch = 0; ch < MC_CH_COUNT; ch++)
		c.listen_fds[ch] = -1;
	return c;
}

START_TEST(test_listen_then_zeromq_takes_over)
{
	mc_connection c = s_conn("127.0.0.1", "tcp");
	void *ctx = zmq_ctx_new(), *client, *server;
	char ep[300], buf[16];
	int linger = 0;

	ck_assert_int_eq(mc_connection_listen(&c), 0);
	for (int ch = 0; ch < MC_CH_COUNT; ch++) {
		int listening = 0;
		socklen_t len = sizeof listening;

		ck_assert_int_ge(c.listen_fds[ch], 3);
		ck_assert_int_eq(getsockopt(c.listen_fds[ch], SOL_SOCKET, SO_ACCEPTCONN, &listening,
		                            &len), 0);
		ck_assert_int_eq(listening, 1);
	}
	/* a front end connects and sends before the kernel's socket exists */
	mc_connection_endpoint(&c, MC_CH_SHELL, ep, sizeof ep);
	client = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(client, ZMQ_LINGER, &linger, sizeof linger);
	ck_assert_int_eq(zmq_connect(client, ep), 0);
	ck_assert_int_eq(zmq_send(client, "early", 5, 0), 5);
	/* the kernel's socket takes the listening socket over and gets it */
	server = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(server, ZMQ_LINGER, &linger, sizeof linger);
	ck_assert_int_eq(zmq_setsockopt(server, ZMQ_USE_FD, &c.listen_fds[MC_CH_SHELL],
	                                sizeof c.listen_fds[MC_CH_SHELL]), 0);
	ck_assert_int_eq(zmq_bind(server, ep), 0);
	ck_assert_int_eq(zmq_recv(server, buf, sizeof buf, 0), 5);
	ck_assert_int_eq(memcmp(buf, "early", 5), 0);
	zmq_close(client);
	zmq_close(server);
	zmq_ctx_term(ctx);
	for (int ch = 1; ch < MC_CH_COUNT; ch++)
		close(c.listen_fds[ch]);
}
END_TEST

START_TEST(test_listen_declines_cleanly)
{
	mc_connection c = s_conn("::1", "tcp");
	int busy;
	struct sockaddr_in a = { .sin_family = AF_INET };

	/* IPv6, interface names and ipc: the kernel binds as usual */
	errno = 0;
	ck_assert_int_eq(mc_connection_listen(&c), -1);
	ck_assert_int_eq(c.listen_fds[0], -1);
	c = s_conn("eth0", "tcp");
	ck_assert_int_eq(mc_connection_listen(&c), -1);
	c = s_conn("/tmp/kernel", "ipc");
	ck_assert_int_eq(mc_connection_listen(&c), -1);

	/* a port in use: nothing is left open */
	c = s_conn("127.0.0.1", "tcp");
	busy = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)c.ports[MC_CH_IOPUB]);
	ck_assert_int_eq(bind(busy, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(busy, 1), 0);
	ck_assert_int_eq(mc_connection_listen(&c), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	for (int ch = 0; ch < MC_CH_COUNT; ch++)
		ck_assert_int_eq(c.listen_fds[ch], -1);
	close(busy);
	/* the ports bound before the failure were released: listening works now */
	ck_assert_int_eq(mc_connection_listen(&c), 0);
	for (int ch = 0; ch < MC_CH_COUNT; ch++)
		close(c.listen_fds[ch]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("connection");
	TCase *tc = tcase_create("connection");

	tcase_add_test(tc, test_load_good);
	tcase_add_test(tc, test_load_ipc);
	tcase_add_test(tc, test_load_bad);
	tcase_add_test(tc, test_listen_then_zeromq_takes_over);
	tcase_add_test(tc, test_listen_declines_cleanly);
	suite_add_tcase(s, tc);
	return mc_check_run(s);
}
