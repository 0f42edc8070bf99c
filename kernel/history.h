/* The input history of the kernel, kept across restarts in a file of JSON
 * lines ({"session": 3, "line": 1, "source": "x = 1"}), one per executed cell.
 * Each kernel start opens a new session, numbered one past the last in the
 * file. The file is bounded: past MC_HISTORY_MAX cells the oldest are dropped. */
#ifndef MASKCLEAN_HISTORY_H
#define MASKCLEAN_HISTORY_H

#include <jansson.h>

#include "maskclean/error.h"

#define MC_HISTORY_MAX 10000

typedef struct mc_history mc_history;

/* The default history file: $XDG_DATA_HOME/maskclean/history, else
 * $HOME/.local/share/maskclean/history. Caller owns (free); NULL when neither
 * variable is set. */
char *mc_history_default_path(void);

/* Opens (creating directories and the file as needed) the history at path and
 * starts a new session. Caller owns *out; free with mc_history_free. Fails
 * with MC_ERR_IO naming the path; unreadable lines in the file are skipped. */
int mc_history_open(mc_history **out, const char *path, mc_error *err);
/* Writes what is queued, stops the writer and frees h; accepts NULL. */
void mc_history_free(mc_history *h);

/* This kernel's session number (1 for a fresh file). */
int mc_history_session(const mc_history *h);

/* Appends cell number line of the current session. The cell is kept in
 * memory at once; a writer thread appends it to the file and fsyncs, off the
 * request path (write errors go to stderr and to mc_history_sync). Returns 0
 * or MC_ERR_NOMEM. */
int mc_history_append(mc_history *h, int line, const char *source, mc_error *err);

/* Waits until every appended cell is on disk. Returns 0, or MC_ERR_IO if a
 * write failed since the last call. */
int mc_history_sync(mc_history *h);

/* Queries, as history_request asks. Each returns a new JSON array (caller
 * owns) of [session, line, source] entries, oldest first; with output != 0
 * each source becomes [source, null].
 *   tail:   the last n cells (all if n <= 0);
 *   range:  cells of session (0: the current one, negative: counted back from
 *           it) with start <= line < stop (stop <= 0: to the end);
 *   search: cells whose source matches the glob pattern (fnmatch, * and ?),
 *           the last n (all if n <= 0); unique keeps only the latest of equal
 *           sources. */
json_t *mc_history_tail(const mc_history *h, int n, int output);
json_t *mc_history_range(const mc_history *h, int session, int start, int stop, int output);
json_t *mc_history_search(const mc_history *h, const char *pattern, int n, int unique,
                          int output);

#endif
