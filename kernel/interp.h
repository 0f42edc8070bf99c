/* The interpreter of the command language, as the protocol layer sees it.
 *
 * One mc_interp holds the session: variables, execution state, the function
 * table. The protocol layer hands each request an mc_io through which output
 * reaches the front end. */
#ifndef MASKCLEAN_INTERP_H
#define MASKCLEAN_INTERP_H

#include <stdatomic.h>
#include <jansson.h>

#include "maskclean/error.h"
#include "value.h"

typedef struct mc_interp mc_interp;

typedef struct mc_io {
	void *ctx;
	/* name is "stdout" or "stderr". */
	void (*stream)(void *ctx, const char *name, const char *text);
	/* data and metadata are borrowed. display_id may be NULL; update != 0
	 * sends update_display_data instead of display_data. */
	void (*display)(void *ctx, json_t *data, json_t *metadata, const char *display_id,
	                int update);
	void (*clear_output)(void *ctx, int wait);
	/* Returns 0 and a malloc'd line in *out, or -1 if stdin is not allowed. */
	int (*input)(void *ctx, const char *prompt, int password, char **out);
	/* Set to non-zero by the SIGINT handler or interrupt_request. */
	atomic_int *interrupted;
	/* Non-zero for a silent request: no progress bars, no display. */
	int silent;
	/* Adds payload (borrowed) to the execute_reply, as IPython does:
	 * {"source": "page", "data": {MIME bundle}, "start": 0} shows text in
	 * the front end's pager; {"source": "ask_exit", "keepkernel": false} ends
	 * the front end (jupyter console) and then the kernel. May be NULL. */
	void (*payload)(void *ctx, json_t *payload);
} mc_io;

/* The error of a failed execution, in Jupyter's terms. */
typedef struct mc_exec_error {
	char ename[64];       /* "SyntaxError", "KeyError", "KeyboardInterrupt", ... */
	char evalue[1024];    /* one-line message */
	json_t *traceback;    /* array of strings, coloured with ANSI codes as ipykernel's:
	                         a header, then one entry per frame (the cell or function,
	                         the line, the source line and a caret under the place),
	                         then "ename: evalue"; caller owns (json_decref) */
	int line, col;        /* where the innermost frame failed (1-based; col in code points) */
	int nframes;          /* frames in the traceback (calls of functions + 1) */
} mc_exec_error;

/* New interpreter with the builtins registered. Caller owns; free with
 * mc_interp_free (accepts NULL). */
mc_interp *mc_interp_new(void);
void mc_interp_free(mc_interp *in);

/* How tracebacks name the code of the next executions: "In[3]" shows as
 * "Cell In[3], line 2". NULL or "" names it "Cell". */
void mc_interp_set_label(mc_interp *in, const char *label);

/* Runs code. On success returns 0 and, if the last statement is an
 * expression whose value is not none, a new reference in *result (else NULL).
 * On failure returns a negative code and fills *xerr; variables assigned
 * before the failing statement keep their values, and the failing statement
 * changes nothing. */
int mc_interp_execute(mc_interp *in, const char *code, const mc_io *io,
                      mc_value **result, mc_exec_error *xerr);

/* Evaluates one expression without side effects on the session's output
 * (user_expressions). Caller owns *result. */
int mc_interp_eval(mc_interp *in, const char *expr, const mc_io *io,
                   mc_value **result, mc_exec_error *xerr);

/* Completion at cursor (counted in Unicode code points). Returns a new JSON
 * array of matches and the replaced range [*start, *end) in code points. */
json_t *mc_interp_complete(mc_interp *in, const char *code, int cursor, int *start,
                           int *end);

/* Help text for the name at cursor, or NULL if none. Caller owns. */
char *mc_interp_inspect(mc_interp *in, const char *code, int cursor, int detail);

/* "complete", "incomplete" (indent set to the suggested indent: one level
 * deeper after a line that opens a block) or "invalid". As IPython, a block
 * is complete once the code ends with an empty line. */
const char *mc_interp_is_complete(mc_interp *in, const char *code, const char **indent);

/* Releases an mc_exec_error's traceback. */
void mc_exec_error_clear(mc_exec_error *xerr);

#endif
