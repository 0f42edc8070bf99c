/* The kernel's sockets and message loop: shell, control, stdin, iopub and
 * heartbeat (ZeroMQ), serving Jupyter messaging protocol 5.3.
 *
 * Threads: the caller's thread serves shell and stdin and runs the cells; the
 * heartbeat echoes on its own thread; control (shutdown_request,
 * interrupt_request) has its own thread so it answers while a cell runs.
 * iopub is shared under a lock. */
#ifndef MASKCLEAN_SERVER_H
#define MASKCLEAN_SERVER_H

#include <signal.h>

#include "connection.h"
#include "history.h"
#include "interp.h"
#include "maskclean/error.h"

typedef struct mc_server mc_server;

/* Binds the five sockets of conn. interp and history are borrowed and must
 * outlive the server; history may be NULL (no history kept). interrupted is
 * the flag the SIGINT handler sets; the server sets it too on
 * interrupt_request and clears it before each cell. Caller owns *out; free
 * with mc_server_free. Fails with MC_ERR_IO naming the endpoint. */
int mc_server_new(mc_server **out, const mc_connection *conn, mc_interp *interp,
                  mc_history *history, volatile sig_atomic_t *interrupted, mc_error *err);

/* The URL kernel_info_reply gives in help_links (copied). Returns 0 or
 * MC_ERR_NOMEM. Without it, the protocol's documentation. */
int mc_server_set_help_url(mc_server *s, const char *url);

/* Serves requests until a shutdown_request. Returns 0, with *restart set to
 * the request's restart flag. */
int mc_server_run(mc_server *s, int *restart);

/* Stops the threads, closes the sockets; accepts NULL. */
void mc_server_free(mc_server *s);

#endif
