/* The kernel's message loop, serving Jupyter messaging protocol 5.3.
 *
 * Two layers. The protocol core dispatches each request through one table of
 * handlers {msg_type, channels, fn}, between status busy and idle, and talks
 * to the front ends through an mc_transport. The socket layer is that
 * transport over the five ZeroMQ sockets of a connection file: shell and
 * stdin are served on the caller's thread, which also runs the cells; control
 * (shutdown_request, interrupt_request) and iopub subscriptions on a thread of
 * their own, so they are answered while a cell runs; the heartbeat echoes on a
 * third. iopub is an XPUB socket: each new subscriber gets an iopub_welcome
 * and the kernel's status, so a client knows its subscription is live. */
#ifndef MASKCLEAN_SERVER_H
#define MASKCLEAN_SERVER_H

#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "connection.h"
#include "history.h"
#include "interp.h"
#include "maskclean/error.h"
#include "wire.h"

/* After a failed cell (stop_on_error), execute_requests are aborted until the
 * shell channel has been quiet this long, so that the rest of a Run-All burst
 * that is still on its way is aborted too. */
#define MC_SERVER_ABORT_QUIET_MS 100

typedef struct mc_server mc_server;

/* How the protocol core reaches the front ends: the ZeroMQ sockets
 * (mc_server_new) or, in tests, queues (mc_server_new_with). */
typedef struct mc_transport {
	void *ctx;
	/* Sends msg on ch; on MC_CH_IOPUB publishes it to every subscriber.
	 * Called from the shell and the control threads. Returns 0, or -1 with
	 * errno set (EHOSTUNREACH on stdin: the front end's stdin channel is not
	 * connected yet). */
	int (*send)(void *ctx, mc_channel ch, const mc_msg *msg);
	/* The next message on ch (MC_CH_SHELL or MC_CH_STDIN), waiting up to
	 * timeout_ms for one (0: only one already there). Called from the shell
	 * thread. Caller owns the message (mc_msg_free); NULL when none came. */
	mc_msg *(*recv)(void *ctx, mc_channel ch, int timeout_ms);
} mc_transport;

/* Binds the five sockets of conn. interp and history are borrowed and must
 * outlive the server; history may be NULL (no history kept). interrupted is
 * the flag the SIGINT handler sets; the server sets it too on
 * interrupt_request and clears it before each cell. Caller owns *out; free
 * with mc_server_free. Fails with MC_ERR_IO naming the endpoint. */
int mc_server_new(mc_server **out, const mc_connection *conn, mc_interp *interp,
                  mc_history *history, atomic_int *interrupted, mc_error *err);

/* A protocol core without sockets that speaks through transport (copied; its
 * ctx is borrowed). Messages are neither signed nor encoded: the transport
 * gets them as built. Same ownership as mc_server_new. */
int mc_server_new_with(mc_server **out, const mc_transport *transport, mc_interp *interp,
                       mc_history *history, atomic_int *interrupted,
                       mc_error *err);

/* The codec the server builds its messages with (borrowed; lives as long as
 * s). Tests make their requests with it. */
const mc_wire *mc_server_wire(const mc_server *s);

/* Serves one request that arrived on ch (MC_CH_SHELL or MC_CH_CONTROL):
 * status busy, the handler of its msg_type on that channel (or an error reply
 * naming an unknown type), the reply, status idle. After a failed cell that
 * asked for stop_on_error, serves what arrives on shell, aborting the
 * execute_requests, until the shell channel has been quiet for
 * MC_SERVER_ABORT_QUIET_MS; the failed cell's idle comes after that. */
void mc_server_handle(mc_server *s, mc_channel ch, const mc_msg *msg);

/* A client subscribed to iopub with topic (len bytes): publishes
 * iopub_welcome {"subscription": topic} and a status with the kernel's
 * execution state. */
void mc_server_welcome(mc_server *s, const char *topic, size_t len);

/* Shuts the kernel down when the process that started it is gone: pid (the
 * front end's JPY_PARENT_PID) no longer exists, or the kernel's parent
 * process changed (it died and the kernel was re-parented). Checked every
 * 100 ms by the control thread of mc_server_run. pid <= 1 watches nothing. */
void mc_server_watch_parent(mc_server *s, pid_t pid);

/* Asks the server to stop: the running cell is interrupted and mc_server_run
 * returns. Async-signal-safe (for SIGTERM). */
void mc_server_stop(mc_server *s);

/* 1 once a shutdown_request, an exit() or mc_server_stop asked the server to
 * stop; *restart (may be NULL) is then the shutdown_request's restart flag. */
int mc_server_stopped(const mc_server *s, int *restart);

/* Serves requests on the sockets until asked to stop. Returns 0, with
 * *restart set to the shutdown_request's restart flag; MC_ERR_STATE for a
 * server made with mc_server_new_with. */
int mc_server_run(mc_server *s, int *restart);

/* Stops the threads, closes the sockets; accepts NULL. */
void mc_server_free(mc_server *s);

#endif
