/* maskclean-launch: what the kernelspec runs. It binds the kernel's five
 * listening sockets a few milliseconds after exec, then execs
 * maskclean-kernel (beside it), which loads its many libraries and takes the
 * sockets over (--listen-fds). A front end that connects meanwhile waits in
 * the listen backlog, instead of being refused and retrying after ZeroMQ's
 * reconnect interval (100 to 200 ms); that race decided how fast
 * jupyter_client saw the kernel start on a busy machine. When the sockets
 * cannot be bound here, the kernel binds them itself and reports errors. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection.h"

/* The connection file among the kernel's arguments, or NULL. */
static const char *s_connection_path(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--f=", 4) == 0 || strncmp(argv[i], "-f=", 3) == 0)
			return strchr(argv[i], '=') + 1;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static char kernel[PATH_MAX + 32], fds[128];
	const char *path = s_connection_path(argc, argv);
	char **args = calloc((size_t)argc + 2, sizeof *args);
	ssize_t n = readlink("/proc/self/exe", kernel, PATH_MAX);
	char *slash = NULL;
	mc_connection conn;
	mc_error err;

	if (n > 0) {
		kernel[n] = '\0';
		slash = strrchr(kernel, '/');
	}
	if (args == NULL || slash == NULL) {
		fputs("maskclean-launch: cannot find maskclean-kernel beside this program\n", stderr);
		free(args);
		return 127;
	}
	strcpy(slash + 1, "maskclean-kernel");
	args[0] = kernel;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	mc_error_clear(&err);
	if (path != NULL && mc_connection_load(&conn, path, &err) == 0) {
		if (mc_connection_listen(&conn) == 0) {
			snprintf(fds, sizeof fds, "--listen-fds=%d,%d,%d,%d,%d", conn.listen_fds[0],
			         conn.listen_fds[1], conn.listen_fds[2], conn.listen_fds[3],
			         conn.listen_fds[4]);
			args[argc] = fds;
		}
		mc_connection_clear(&conn);
	}
	execv(kernel, args);
	fprintf(stderr, "maskclean-launch: cannot run %s: %s\n", kernel, strerror(errno));
	return 127;
}
