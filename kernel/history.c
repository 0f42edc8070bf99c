/* This module implements the persistent input history (history_request) over
 * SQLite, with a thread that owns the database connection. */
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 10000  /* another kernel holding the write lock */
#define TRIM_EVERY 256         /* cells appended between two trims */
#define TRIM_DELAY_S 1         /* the start's trim waits this long for a first job */

typedef enum job_kind { J_APPEND, J_TAIL, J_RANGE, J_SEARCH } job_kind;

/* A piece of work for the thread. Appends are malloc'd and freed by the
 * thread; queries live on the asking thread's stack until done. */
typedef struct job {
	job_kind kind;
	int64_t a, b, c;      /* append: line; tail: n; range: session, start, stop; search: n */
	char *text;           /* append: source (owned) */
	const char *pattern;  /* search (borrowed) */
	int unique, output;
	json_t *result;
	int rc, done;
	mc_error err;
	struct job *next;
} job;

struct mc_history {
	char *path;
	mc_history_limits limits;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	job *head, *tail;
	int busy, stop;
	/* written by the thread under lock */
	int opened;           /* the open was tried */
	int64_t session;      /* 0 when the database could not be opened */
	mc_error open_err;    /* why not */
	mc_error error;       /* first error since the last sync */
	/* the thread's own */
	sqlite3 *db;
	int64_t cells, since_trim, bytes_since_trim;
	int trim_pending;     /* the trim of the start is still to do */
};

void mc_history_limits_init(mc_history_limits *l)
{
	*l = (mc_history_limits){ .max_entries = MC_HISTORY_MAX_ENTRIES,
	                          .max_bytes = MC_HISTORY_MAX_BYTES,
	                          .max_source = MC_HISTORY_MAX_SOURCE };
}

char *mc_history_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *path = NULL;

	if (xdg != NULL && *xdg == '/') {
		if (asprintf(&path, "%s/maskclean/history.sqlite", xdg) < 0)
			path = NULL;
	} else if (home != NULL && *home != '\0') {
		if (asprintf(&path, "%s/.local/share/maskclean/history.sqlite", home) < 0)
			path = NULL;
	}
	return path;
}

/* mkdir -p of the directory part of path. */
static int s_make_parents(const char *path, mc_error *err)
{
	char *dir = strdup(path);
	int rc = 0;

	if (dir == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	for (char *p = dir + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot create the directory %s: %s", path,
			                  dir, strerror(errno));
		*p = '/';
	}
	free(dir);
	return rc;
}

/* Records a failure of the thread (first since the last sync wins) and logs
 * it. */
static void s_fail(mc_history *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_fail(mc_history *h, const char *fmt, ...)
{
	char text[MC_ERROR_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fprintf(stderr, "maskclean-kernel: history: %s\n", text);
	pthread_mutex_lock(&h->lock);
	mc_error_set(&h->error, MC_ERR_IO, "%s", text);
	pthread_mutex_unlock(&h->lock);
}

static void s_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The source to keep for a cell: itself, or a note for one too long.
 * Caller owns. */
static char *s_kept_source(const mc_history *h, const char *source)
{
	size_t n = strlen(source);
	char *note = NULL;

	if (n <= h->limits.max_source)
		return strdup(source);
	if (asprintf(&note, "# a cell of %zu bytes: longer than the history keeps (%zu bytes)", n,
	             h->limits.max_source) < 0)
		return NULL;
	return note;
}

/* ---- database ---- */

static int s_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Inserts one cell; stmt is "INSERT OR REPLACE INTO history ... (?1, ?2, ?3)". */
static int s_insert(sqlite3_stmt *stmt, int64_t session, int64_t line, const char *source)
{
	int rc;

	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, session);
	sqlite3_bind_int64(stmt, 2, line);
	sqlite3_bind_text(stmt, 3, source, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The file of JSON lines ({"session": 3, "line": 1, "source": "x = 1"})
 * that earlier versions kept: path without ".sqlite". Caller owns. */
static char *s_legacy_path(const char *path)
{
	size_t n = strlen(path);

	if (n <= 7 || strcmp(path + n - 7, ".sqlite") != 0)
		return NULL;
	return strndup(path, n - 7);
}

/* Imports the legacy file's cells; inside the transaction that made the
 * tables. Unreadable lines are skipped. Returns an SQLite code; *count is the
 * number of cells imported. */
static int s_import(mc_history *h, size_t *count)
{
	char *legacy = s_legacy_path(h->path), *buf = NULL;
	sqlite3_stmt *cell = NULL, *session = NULL;
	FILE *f = legacy != NULL ? fopen(legacy, "re") : NULL;
	size_t cap = 0, imported = 0;
	ssize_t len;
	int rc = SQLITE_OK;

	if (f == NULL)
		goto cleanup;
	rc = sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO history (session, line, source) "
	                        "VALUES (?1, ?2, ?3)", -1, &cell, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h->db, "INSERT OR IGNORE INTO sessions (session) VALUES (?1)",
		                        -1, &session, NULL);
	while (rc == SQLITE_OK && (len = getline(&buf, &cap, f)) > 0) {
		json_t *j = json_loadb(buf, (size_t)len, 0, NULL);
		json_t *s = json_object_get(j, "session"), *l = json_object_get(j, "line");
		json_t *src = json_object_get(j, "source");
		char *kept;

		if (json_is_integer(s) && json_integer_value(s) >= 1 && json_is_integer(l) &&
		    json_is_string(src) && strlen(json_string_value(src)) == json_string_length(src) &&
		    (kept = s_kept_source(h, json_string_value(src))) != NULL) {
			rc = s_insert(cell, json_integer_value(s), json_integer_value(l), kept);
			if (rc == SQLITE_OK) {
				sqlite3_reset(session);
				sqlite3_bind_int64(session, 1, json_integer_value(s));
				rc = sqlite3_step(session) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(h->db);
			}
			imported++;
			free(kept);
		}
		json_decref(j);
	}
	*count = imported;

cleanup:
	sqlite3_finalize(cell);
	sqlite3_finalize(session);
	free(buf);
	if (f != NULL)
		fclose(f);
	free(legacy);
	return rc;
}

/* Makes the tables if needed (importing the legacy file into new ones) and
 * takes a new session number, in one transaction. */
static int s_start_session(mc_history *h)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	size_t imported = 0;
	int rc, existed = 0;

	rc = s_exec(h->db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(h->db, "SELECT count(*) FROM sqlite_master "
	                        "WHERE type = 'table' AND name = 'history'", -1, &stmt, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		existed = sqlite3_column_int(stmt, 0) > 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (rc == SQLITE_OK)
		rc = s_exec(h->db,
		            "CREATE TABLE IF NOT EXISTS sessions (session INTEGER PRIMARY KEY "
		            "AUTOINCREMENT, start TEXT, end TEXT, num_cmds INTEGER);"
		            "CREATE TABLE IF NOT EXISTS history (session INTEGER NOT NULL, "
		            "line INTEGER NOT NULL, source TEXT NOT NULL, PRIMARY KEY (session, line))");
	if (rc == SQLITE_OK && !existed)
		rc = s_import(h, &imported);
	s_now(now, sizeof now);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h->db, "INSERT INTO sessions (start) VALUES (?1)", -1, &stmt,
		                        NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(h->db);
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_OK) {
		int64_t session = sqlite3_last_insert_rowid(h->db);

		rc = s_exec(h->db, "COMMIT");
		if (rc == SQLITE_OK && imported > 0)
			fprintf(stderr, "maskclean-kernel: history: imported %zu cells from the file "
			        "of earlier versions beside %s\n", imported, h->path);
		if (rc == SQLITE_OK) {
			pthread_mutex_lock(&h->lock);
			h->session = session;
			pthread_mutex_unlock(&h->lock);
		}
	}
	if (rc != SQLITE_OK)
		s_exec(h->db, "ROLLBACK");
	return rc;
}

/* Moves a corrupt database aside, keeping it for the user. */
static void s_move_aside(mc_history *h)
{
	char stamp[32], *aside = NULL;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (asprintf(&aside, "%s.corrupt-%s-%ld", h->path, stamp, (long)getpid()) < 0)
		return;
	if (rename(h->path, aside) == 0)
		fprintf(stderr, "maskclean-kernel: history: %s was damaged; moved to %s, "
		        "starting a new history\n", h->path, aside);
	free(aside);
}

static int s_connect(mc_history *h)
{
	int fd = open(h->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);  /* private, as IPython's */
	int rc;

	if (fd < 0) {
		mc_error_set(&h->open_err, MC_ERR_IO, "%s: cannot open: %s", h->path, strerror(errno));
		return SQLITE_CANTOPEN;
	}
	close(fd);
	rc = sqlite3_open_v2(h->path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK)
		rc = s_start_session(h);
	if (rc != SQLITE_OK)
		mc_error_set(&h->open_err, MC_ERR_IO, "%s: %s", h->path,
		             h->db != NULL ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
	return rc;
}

static void s_disconnect(mc_history *h)
{
	sqlite3_close(h->db);
	h->db = NULL;
}

/* Deletes the cells written first beyond the bounds (whichever kernel wrote
 * them), and the sessions older than every cell left. */
static void s_trim(mc_history *h)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(h->db,
		"DELETE FROM history WHERE rowid IN (SELECT rowid FROM (SELECT rowid, "
		"row_number() OVER w AS n, sum(length(CAST(source AS BLOB))) OVER w AS bytes "
		"FROM history WINDOW w AS (ORDER BY rowid DESC)) WHERE n > ?1 OR bytes > ?2)",
		-1, &stmt, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, h->limits.max_entries);
		sqlite3_bind_int64(stmt, 2, h->limits.max_bytes);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(h->db);
	}
	sqlite3_finalize(stmt);
	if (rc == SQLITE_OK)
		rc = s_exec(h->db, "DELETE FROM sessions WHERE session < "
		            "(SELECT min(session) FROM history)");
	if (rc != SQLITE_OK)
		s_fail(h, "%s: cannot trim: %s", h->path, sqlite3_errmsg(h->db));
	h->since_trim = h->bytes_since_trim = 0;
}

/* The thread's open: a damaged database is moved aside once. */
static void s_open_db(mc_history *h)
{
	int rc = s_connect(h);

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		s_disconnect(h);
		s_move_aside(h);
		mc_error_clear(&h->open_err);
		rc = s_connect(h);
	}
	if (rc == SQLITE_FULL) {
		mc_error_clear(&h->open_err);
		mc_error_set(&h->open_err, MC_ERR_IO, "%s: no session number is left", h->path);
	}
	if (rc != SQLITE_OK) {
		s_disconnect(h);
		s_fail(h, "%s", h->open_err.text);
	} else {
		h->trim_pending = 1;   /* s_thread trims once the kernel has started */
	}
	pthread_mutex_lock(&h->lock);
	h->opened = 1;
	pthread_cond_broadcast(&h->done);
	pthread_mutex_unlock(&h->lock);
}

/* Writes the appends from *j on (the run of them) in one transaction;
 * returns the first job after them. */
static job *s_write_appends(mc_history *h, job *j)
{
	sqlite3_stmt *stmt = NULL;
	int rc = h->db != NULL ? s_exec(h->db, "BEGIN IMMEDIATE") : SQLITE_MISUSE;

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO history (session, line, source) "
		                        "VALUES (?1, ?2, ?3)", -1, &stmt, NULL);
	while (j != NULL && j->kind == J_APPEND) {
		job *next = j->next;

		if (rc == SQLITE_OK) {
			rc = s_insert(stmt, h->session, j->a, j->text);
			h->cells++;
			h->since_trim++;
			h->bytes_since_trim += (int64_t)strlen(j->text);
		}
		free(j->text);
		free(j);
		j = next;
	}
	sqlite3_finalize(stmt);
	if (h->db == NULL)
		return j;  /* not opened: the error was given once */
	if (rc == SQLITE_OK)
		rc = s_exec(h->db, "COMMIT");
	if (rc != SQLITE_OK) {
		s_fail(h, "%s: cannot write: %s", h->path, sqlite3_errmsg(h->db));
		s_exec(h->db, "ROLLBACK");
	}
	if (h->since_trim >= TRIM_EVERY || h->bytes_since_trim >= h->limits.max_bytes / 16)
		s_trim(h);
	return j;
}

/* One row as [session, line, source] (or [session, line, [source, null]]). */
static json_t *s_row(sqlite3_stmt *stmt, int output)
{
	const char *text = (const char *)sqlite3_column_text(stmt, 2);
	size_t n = (size_t)sqlite3_column_bytes(stmt, 2);
	json_t *src = json_stringn(text != NULL ? text : "", text != NULL ? n : 0);

	if (src == NULL && text != NULL) {  /* not UTF-8: a damaged row */
		char *copy = strndup(text, n);

		for (char *p = copy; p != NULL && *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		src = copy != NULL ? json_string(copy) : NULL;
		free(copy);
	}
	if (src == NULL)
		return NULL;
	if (output)
		src = json_pack("[o, n]", src);
	return json_pack("[I, I, o]", (json_int_t)sqlite3_column_int64(stmt, 0),
	                 (json_int_t)sqlite3_column_int64(stmt, 1), src);
}

/* Runs a query whose rows come newest first and answers j with them
 * oldest first. */
static void s_rows_newest_first(mc_history *h, job *j, sqlite3_stmt *stmt)
{
	json_t *rows = json_array(), *out = json_array();
	int rc = SQLITE_NOMEM;

	while (rows != NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (json_array_append_new(rows, s_row(stmt, j->output)) != 0)
			break;
	if (rows == NULL || out == NULL || rc != SQLITE_DONE) {
		j->rc = rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_NOMEM
		        ? mc_error_set(&j->err, MC_ERR_IO, "%s: cannot read: %s", h->path,
		                       sqlite3_errmsg(h->db))
		        : mc_error_set(&j->err, MC_ERR_NOMEM, "%s: out of memory", h->path);
		json_decref(rows);
		json_decref(out);
		return;
	}
	for (size_t i = json_array_size(rows); i > 0; i--)
		json_array_append(out, json_array_get(rows, i - 1));
	json_decref(rows);
	j->result = out;
}

static void s_query(mc_history *h, job *j)
{
	static const char *const sql[] = {
		[J_TAIL] = "SELECT session, line, source FROM history "
		           "ORDER BY session DESC, line DESC LIMIT ?1",
		[J_RANGE] = "SELECT session, line, source FROM history WHERE session = ?2 "
		            "AND line >= ?3 AND (?4 <= 0 OR line < ?4) ORDER BY line DESC LIMIT ?1",
		[J_SEARCH] = "SELECT session, line, source FROM history WHERE source GLOB ?2 "
		             "AND (?3 = 0 OR rowid IN (SELECT rowid FROM (SELECT rowid, row_number() "
		             "OVER (PARTITION BY source ORDER BY session DESC, line DESC) AS k "
		             "FROM history WHERE source GLOB ?2) WHERE k = 1)) "
		             "ORDER BY session DESC, line DESC LIMIT ?1",
	};
	sqlite3_stmt *stmt = NULL;

	if (h->db == NULL) {
		j->rc = mc_error_set(&j->err, MC_ERR_IO, "%s", h->open_err.text);
		return;
	}
	if (sqlite3_prepare_v2(h->db, sql[j->kind], -1, &stmt, NULL) != SQLITE_OK) {
		j->rc = mc_error_set(&j->err, MC_ERR_IO, "%s: cannot read: %s", h->path,
		                     sqlite3_errmsg(h->db));
		return;
	}
	switch (j->kind) {
	case J_TAIL:
		sqlite3_bind_int64(stmt, 1, j->a > 0 ? j->a : -1);
		break;
	case J_RANGE:
		sqlite3_bind_int64(stmt, 1, -1);
		sqlite3_bind_int64(stmt, 2, j->a > 0 ? j->a : h->session + j->a);
		sqlite3_bind_int64(stmt, 3, j->b);
		sqlite3_bind_int64(stmt, 4, j->c);
		break;
	default:
		sqlite3_bind_int64(stmt, 1, j->a > 0 ? j->a : -1);
		sqlite3_bind_text(stmt, 2, j->pattern, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, j->unique);
		break;
	}
	s_rows_newest_first(h, j, stmt);
	sqlite3_finalize(stmt);
}

static void s_end_session(mc_history *h)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];

	if (h->db == NULL)
		return;
	s_now(now, sizeof now);
	if (sqlite3_prepare_v2(h->db, "UPDATE sessions SET end = ?1, num_cmds = ?2 "
	                       "WHERE session = ?3", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, h->cells);
		sqlite3_bind_int64(stmt, 3, h->session);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			s_fail(h, "%s: cannot end the session: %s", h->path, sqlite3_errmsg(h->db));
	}
	sqlite3_finalize(stmt);
}

static void *s_thread(void *arg)
{
	mc_history *h = arg;

	s_open_db(h);
	pthread_mutex_lock(&h->lock);
	for (;;) {
		job *j;

		/* The trim of the start waits for the first job or for a quiet
		 * second, so that it does not compete with the kernel's start. */
		while (h->head == NULL && !h->stop && h->trim_pending) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += TRIM_DELAY_S;
			if (pthread_cond_timedwait(&h->wake, &h->lock, &until) != 0)
				break;
		}
		if (h->trim_pending) {
			h->trim_pending = 0;
			pthread_mutex_unlock(&h->lock);
			s_trim(h);
			pthread_mutex_lock(&h->lock);
		}
		while (h->head == NULL && !h->stop)
			pthread_cond_wait(&h->wake, &h->lock);
		if (h->head == NULL)
			break;
		j = h->head;
		h->head = h->tail = NULL;
		h->busy = 1;
		pthread_mutex_unlock(&h->lock);
		while (j != NULL) {
			job *next;

			if (j->kind == J_APPEND) {
				j = s_write_appends(h, j);
				continue;
			}
			next = j->next;
			s_query(h, j);
			pthread_mutex_lock(&h->lock);
			j->done = 1;  /* j belongs to its asker from here on */
			pthread_cond_broadcast(&h->done);
			pthread_mutex_unlock(&h->lock);
			j = next;
		}
		pthread_mutex_lock(&h->lock);
		h->busy = 0;
		pthread_cond_broadcast(&h->done);
	}
	pthread_mutex_unlock(&h->lock);
	s_end_session(h);
	s_disconnect(h);
	return NULL;
}

static void s_enqueue(mc_history *h, job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&h->lock);
	if (h->tail != NULL)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
}

int mc_history_open(mc_history **out, const char *path, const mc_history_limits *limits,
                    mc_error *err)
{
	mc_history *h;
	int rc;

	*out = NULL;
	h = calloc(1, sizeof *h);
	if (h == NULL || (h->path = strdup(path)) == NULL) {
		free(h);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	}
	if (limits != NULL)
		h->limits = *limits;
	else
		mc_history_limits_init(&h->limits);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	pthread_cond_init(&h->done, NULL);
	rc = s_make_parents(path, err);
	if (rc == 0 && pthread_create(&h->thread, NULL, s_thread, h) != 0)
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot start the history thread", path);
	if (rc != 0) {
		mc_history_free(h);
		return rc;
	}
	h->running = 1;
	*out = h;
	return 0;
}

void mc_history_free(mc_history *h)
{
	if (h == NULL)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->lock);
		h->stop = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->thread, NULL);  /* writes what is queued first */
	}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->done);
	free(h->path);
	free(h);
}

int64_t mc_history_session(mc_history *h)
{
	int64_t session;

	pthread_mutex_lock(&h->lock);
	while (!h->opened)
		pthread_cond_wait(&h->done, &h->lock);
	session = h->session;
	pthread_mutex_unlock(&h->lock);
	return session;
}

int mc_history_append(mc_history *h, int64_t line, const char *source, mc_error *err)
{
	job *j = calloc(1, sizeof *j);

	if (j == NULL || (j->text = s_kept_source(h, source)) == NULL) {
		free(j);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
	}
	j->kind = J_APPEND;
	j->a = line;
	s_enqueue(h, j);
	return 0;
}

int mc_history_sync(mc_history *h, mc_error *err)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	while (!h->opened || h->head != NULL || h->busy)
		pthread_cond_wait(&h->done, &h->lock);
	rc = h->error.code;
	if (rc != 0)
		mc_error_set(err, rc, "%s", h->error.text);
	mc_error_clear(&h->error);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* Queues a query and waits for its answer. */
static int s_ask(mc_history *h, job *j, json_t **out, mc_error *err)
{
	*out = NULL;
	s_enqueue(h, j);
	pthread_mutex_lock(&h->lock);
	while (!j->done)
		pthread_cond_wait(&h->done, &h->lock);
	pthread_mutex_unlock(&h->lock);
	if (j->rc != 0)
		return mc_error_set(err, j->rc, "%s", j->err.text);
	*out = j->result;
	return 0;
}

int mc_history_tail(mc_history *h, json_t **out, int64_t n, int output, mc_error *err)
{
	job j = { .kind = J_TAIL, .a = n, .output = output };

	return s_ask(h, &j, out, err);
}

int mc_history_range(mc_history *h, json_t **out, int64_t session, int64_t start,
                     int64_t stop, int output, mc_error *err)
{
	job j = { .kind = J_RANGE, .a = session, .b = start, .c = stop, .output = output };

	return s_ask(h, &j, out, err);
}

int mc_history_search(mc_history *h, json_t **out, const char *pattern, int64_t n,
                      int unique, int output, mc_error *err)
{
	job j = { .kind = J_SEARCH, .a = n, .pattern = pattern, .unique = unique,
	          .output = output };

	return s_ask(h, &j, out, err);
}
