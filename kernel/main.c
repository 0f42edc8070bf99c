/* maskclean-kernel: the Jupyter kernel's entry point. Reads the connection
 * file given with -f, binds the sockets, sets up the interpreter, the history,
 * SIGINT and SIGTERM, and serves until a shutdown_request, exit(), SIGTERM or
 * the death of the process that started it; then tears everything down, so
 * that the history and any open review journal are written. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "config.h"
#include "connection.h"
#include "history.h"
#include "interp.h"
#include "server.h"

/* Set by SIGINT (interrupt_mode "signal") and by interrupt_request; the
 * interpreter and the runtime's threads poll it through mc_io.interrupted.
 * A lock-free atomic int may be stored from a signal handler (C11 7.14.1.1). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the interrupt flag needs a lock-free atomic int");
static atomic_int s_interrupted;

/* The server SIGTERM stops. */
static mc_server *volatile s_server;

static void s_on_sigint(int sig)
{
	(void)sig;
	atomic_store(&s_interrupted, 1);
}

static void s_on_sigterm(int sig)
{
	mc_server *server = s_server;

	(void)sig;
	if (server != NULL)
		mc_server_stop(server);
	else
		_exit(128 + SIGTERM);  /* nothing to tear down yet */
}

/* --listen-fds=a,b,c,d,e (from maskclean-launch): listening sockets for
 * shell, control, stdin, iopub and heartbeat. Returns 0 and fills fds, or -1
 * when the list is not five listening sockets (those given are closed, so
 * that the server can bind the ports itself). */
static int s_listen_fds(const char *list, int fds[MC_CH_COUNT])
{
	const char *p = list;
	int ok = 1, n = 0;

	while (n < MC_CH_COUNT && *p != '\0') {
		char *end;
		long fd = strtol(p, &end, 10);
		int listening = 0;
		socklen_t len = sizeof listening;

		if (end == p || fd < 3 || fd > INT32_MAX)
			break;
		fds[n++] = (int)fd;
		if (getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
			ok = 0;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	if (ok && n == MC_CH_COUNT && *p == '\0') {
		for (int i = 0; i < n; i++)
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		return 0;
	}
	fprintf(stderr, "maskclean-kernel: --listen-fds=%s: expected five listening sockets; "
	        "binding the ports here\n", list);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < MC_CH_COUNT; i++)
		fds[i] = -1;
	return -1;
}

/* The front end's process (JPY_PARENT_PID, set by jupyter_client), or 0. */
static pid_t s_parent_pid(void)
{
	const char *text = getenv("JPY_PARENT_PID");
	char *end;
	long pid;

	if (text == NULL || *text == '\0')
		return 0;
	errno = 0;
	pid = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 1 || pid > INT32_MAX) {
		fprintf(stderr, "maskclean-kernel: JPY_PARENT_PID=%s is not a process id; "
		        "the front end's process is not watched\n", text);
		return 0;
	}
	return (pid_t)pid;
}

static void s_usage(FILE *f)
{
	fputs("usage: maskclean-kernel -f CONNECTION_FILE\n"
	      "A Jupyter kernel (messaging protocol 5.3) for the maskclean command language.\n"
	      "The history is kept in $XDG_DATA_HOME/maskclean/history.sqlite\n"
	      "(default ~/.local/share/maskclean/history.sqlite).\n"
	      "With JPY_PARENT_PID set (jupyter_client sets it), the kernel shuts down\n"
	      "when that process is gone.\n"
	      "--listen-fds=A,B,C,D,E: sockets already listening on the shell, control,\n"
	      "stdin, iopub and heartbeat ports (maskclean-launch passes them).\n", f);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *listen_fds = NULL;
	int fds[MC_CH_COUNT] = { -1, -1, -1, -1, -1 };
	mc_connection conn;
	mc_history *history = NULL;
	mc_interp *interp = NULL;
	mc_server *server = NULL;
	struct sigaction sa;
	char *hist_path;
	mc_error err;
	int restart = 0, status = EXIT_FAILURE;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--f=", 4) == 0 || strncmp(argv[i], "-f=", 3) == 0)
			path = strchr(argv[i], '=') + 1;
		else if (strncmp(argv[i], "--listen-fds=", 13) == 0)
			listen_fds = argv[i] + 13;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			s_usage(stdout);
			return EXIT_SUCCESS;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("maskclean-kernel " PACKAGE_VERSION);
			return EXIT_SUCCESS;
		} else {
			s_usage(stderr);
			return 2;
		}
	}
	if (path == NULL) {
		s_usage(stderr);
		return 2;
	}
	if (listen_fds != NULL)
		s_listen_fds(listen_fds, fds);
	mc_error_clear(&err);
	if (mc_connection_load(&conn, path, &err) != 0) {
		fprintf(stderr, "maskclean-kernel: %s\n", err.text);
		return EXIT_FAILURE;
	}
	memcpy(conn.listen_fds, fds, sizeof fds);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = s_on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = s_on_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	hist_path = mc_history_default_path();
	if (hist_path == NULL)
		fputs("maskclean-kernel: neither XDG_DATA_HOME nor HOME is set: no history\n", stderr);
	else if (mc_history_open(&history, hist_path, NULL, &err) != 0) {
		fprintf(stderr, "maskclean-kernel: history not kept: %s\n", err.text);
		mc_error_clear(&err);
	}
	free(hist_path);
	interp = mc_interp_new();
	if (interp == NULL) {
		fputs("maskclean-kernel: cannot create the interpreter\n", stderr);
		goto cleanup;
	}
	if (mc_server_new(&server, &conn, interp, history, &s_interrupted, &err) != 0) {
		fprintf(stderr, "maskclean-kernel: %s\n", err.text);
		goto cleanup;
	}
	mc_server_watch_parent(server, s_parent_pid());
	s_server = server;
	mc_server_run(server, &restart);
	status = EXIT_SUCCESS;

cleanup:
	signal(SIGTERM, SIG_IGN);  /* already on the way out */
	s_server = NULL;
	mc_server_free(server);
	mc_interp_free(interp);  /* closes what the session holds open (review journals) */
	mc_history_free(history);  /* writes the cells still queued */
	mc_connection_clear(&conn);
	return status;
}
