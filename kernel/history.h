/* The input history of the kernel, kept across restarts in an SQLite
 * database, as IPython keeps its own: a table of sessions, one per kernel
 * start, numbered by SQLite so that kernels started together get different
 * numbers, and a table of cells (session, line, source). Several kernels may
 * write to one database at once; none loses another's cells.
 *
 * The history is bounded: beyond max_entries cells or max_bytes of source the
 * oldest cells are deleted, and a cell longer than max_source bytes is kept
 * as a one-line comment giving its size.
 *
 * The database is opened, and every write and query made, by a thread of the
 * history's own, so that neither the kernel's start nor a cell waits for the
 * disk; queries wait for the cells appended before them. */
#ifndef MASKCLEAN_HISTORY_H
#define MASKCLEAN_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "maskclean/error.h"

#define MC_HISTORY_MAX_ENTRIES 10000
#define MC_HISTORY_MAX_BYTES (64 * 1024 * 1024)
#define MC_HISTORY_MAX_SOURCE 100000

typedef struct mc_history mc_history;

typedef struct mc_history_limits {
	int64_t max_entries;    /* cells kept, newest first */
	int64_t max_bytes;      /* bytes of source kept, newest first */
	size_t max_source;      /* longest cell kept as it is */
} mc_history_limits;

/* The defaults above. */
void mc_history_limits_init(mc_history_limits *l);

/* The default database: $XDG_DATA_HOME/maskclean/history.sqlite, else
 * $HOME/.local/share/maskclean/history.sqlite. Caller owns (free); NULL when
 * neither variable is set. */
char *mc_history_default_path(void);

/* Opens the history at path (creating its directories, mode 0700, and the
 * file, mode 0600, as needed) and starts a new session, on the history's
 * thread. limits may be NULL (the defaults). When the database is new and
 * the file of JSON lines that earlier versions kept exists beside it (path
 * without ".sqlite"), its cells are imported. A database that SQLite finds
 * corrupt is moved aside (path.corrupt-<time>) and a new one started. Caller
 * owns *out; free with mc_history_free. Fails with MC_ERR_NOMEM, or MC_ERR_IO
 * naming the directory that cannot be made; errors opening the database are
 * reported by mc_history_sync and by the queries. */
int mc_history_open(mc_history **out, const char *path, const mc_history_limits *limits,
                    mc_error *err);
/* Writes what is queued, ends the session, stops the thread and frees h;
 * accepts NULL. */
void mc_history_free(mc_history *h);

/* This kernel's session number, once the database is open (waits for it);
 * 0 when it could not be opened or no session number was left. */
int64_t mc_history_session(mc_history *h);

/* Queues cell number line of the current session for writing. Returns 0 or
 * MC_ERR_NOMEM. */
int mc_history_append(mc_history *h, int64_t line, const char *source, mc_error *err);

/* Waits until every queued cell is written. Returns 0, or the first error
 * (MC_ERR_IO naming the database and what failed) since the last call. */
int mc_history_sync(mc_history *h, mc_error *err);

/* Queries, as history_request asks. Each sets *out to a new JSON array (caller
 * owns) of [session, line, source] entries ordered by session and line; with
 * output != 0 each source becomes [source, null].
 *   tail:   the last n cells (all if n <= 0);
 *   range:  cells of session (0: the current one, negative: counted back from
 *           it) with start <= line < stop (stop <= 0: to the end);
 *   search: cells whose source matches the glob pattern (*, ? and [...], case
 *           sensitive), the last n (all if n <= 0); unique keeps only the
 *           latest of equal sources.
 * Return 0, or MC_ERR_IO (the database cannot be read) or MC_ERR_NOMEM with
 * *out NULL. */
int mc_history_tail(mc_history *h, json_t **out, int64_t n, int output, mc_error *err);
int mc_history_range(mc_history *h, json_t **out, int64_t session, int64_t start,
                     int64_t stop, int output, mc_error *err);
int mc_history_search(mc_history *h, json_t **out, const char *pattern, int64_t n,
                      int unique, int output, mc_error *err);

#endif
