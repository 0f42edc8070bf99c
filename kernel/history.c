/* This module implements the persistent input history (history_request). */
#include "history.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
	int session;
	int line;
	char *source;
} entry;

/* A write for the writer thread: a line to append, or (rewrite) the whole
 * file's new content. */
typedef struct job {
	char *text;
	int rewrite;
	struct job *next;
} job;

struct mc_history {
	char *path;
	int session;
	entry *items;
	size_t n, cap;
	/* The writer thread appends and fsyncs off the request path. */
	pthread_t writer;
	int writer_running;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	job *head, *tail;
	int busy, stop, write_errors;
};

char *mc_history_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *path = NULL;

	if (xdg != NULL && *xdg == '/') {
		if (asprintf(&path, "%s/maskclean/history", xdg) < 0)
			path = NULL;
	} else if (home != NULL && *home != '\0') {
		if (asprintf(&path, "%s/.local/share/maskclean/history", home) < 0)
			path = NULL;
	}
	return path;
}

/* mkdir -p of the directory part of path. */
static int s_make_parents(const char *path)
{
	char *dir = strdup(path);
	int rc = 0;

	if (dir == NULL)
		return -1;
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	free(dir);
	return rc;
}

static int s_push(mc_history *h, int session, int line, const char *source)
{
	char *copy;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		entry *items = realloc(h->items, cap * sizeof *items);

		if (items == NULL)
			return MC_ERR_NOMEM;
		h->items = items;
		h->cap = cap;
	}
	copy = strdup(source);
	if (copy == NULL)
		return MC_ERR_NOMEM;
	h->items[h->n].session = session;
	h->items[h->n].line = line;
	h->items[h->n].source = copy;
	h->n++;
	return 0;
}

static char *s_entry_line(const entry *e)
{
	json_t *j = json_pack("{s:i, s:i, s:s}", "session", e->session, "line", e->line,
	                      "source", e->source);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return text;
}

static int s_write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, text, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		text += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes text to path: appended, or (rewrite) as the whole new content
 * through a temporary file and rename. fsyncs before returning. */
static int s_write_file(const char *path, const char *text, int rewrite)
{
	char *tmp = NULL;
	int fd, rc = 0;

	if (rewrite && asprintf(&tmp, "%s.tmp", path) < 0)
		return -1;
	fd = open(rewrite ? tmp : path,
	          rewrite ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
	                  : O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = -1;
	else {
		if (s_write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0)
			rc = -1;
		if (close(fd) != 0)
			rc = -1;
	}
	if (rewrite) {
		if (rc == 0 && rename(tmp, path) != 0)
			rc = -1;
		if (rc != 0)
			unlink(tmp);
		free(tmp);
	}
	return rc;
}

static void *s_writer(void *arg)
{
	mc_history *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		job *j;

		while (h->head == NULL && !h->stop)
			pthread_cond_wait(&h->wake, &h->lock);
		if (h->head == NULL)
			break;
		j = h->head;
		h->head = j->next;
		if (h->head == NULL)
			h->tail = NULL;
		h->busy = 1;
		pthread_mutex_unlock(&h->lock);
		if (s_write_file(h->path, j->text, j->rewrite) != 0) {
			fprintf(stderr, "maskclean-kernel: history: %s: cannot write: %s\n", h->path,
			        strerror(errno));
			pthread_mutex_lock(&h->lock);
			h->write_errors++;
			pthread_mutex_unlock(&h->lock);
		}
		free(j->text);
		free(j);
		pthread_mutex_lock(&h->lock);
		h->busy = 0;
		pthread_cond_broadcast(&h->done);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Queues text (stolen) for the writer thread. */
static int s_enqueue(mc_history *h, char *text, int rewrite)
{
	job *j = malloc(sizeof *j);

	if (j == NULL) {
		free(text);
		return MC_ERR_NOMEM;
	}
	j->text = text;
	j->rewrite = rewrite;
	j->next = NULL;
	pthread_mutex_lock(&h->lock);
	if (h->tail != NULL)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Drops the oldest entries down to 3/4 of the bound and queues a rewrite of
 * the file with what is left. */
static int s_compact(mc_history *h, mc_error *err)
{
	size_t keep = MC_HISTORY_MAX * 3 / 4, drop = h->n - keep, len = 0, cap = 4096;
	char *text = malloc(cap);

	for (size_t i = 0; i < drop; i++)
		free(h->items[i].source);
	memmove(h->items, h->items + drop, keep * sizeof *h->items);
	h->n = keep;
	if (text == NULL)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
	text[0] = '\0';
	for (size_t i = 0; i < h->n; i++) {
		char *line = s_entry_line(&h->items[i]);
		size_t n = line != NULL ? strlen(line) : 0;

		if (line == NULL || len + n + 2 > cap) {
			char *bigger = line != NULL ? realloc(text, 2 * (len + n + 2)) : NULL;

			if (bigger == NULL) {
				free(line);
				free(text);
				return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
			}
			text = bigger;
			cap = 2 * (len + n + 2);
		}
		memcpy(text + len, line, n);
		text[len + n] = '\n';
		len += n + 1;
		text[len] = '\0';
		free(line);
	}
	if (s_enqueue(h, text, 1) != 0)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
	return 0;
}

int mc_history_open(mc_history **out, const char *path, mc_error *err)
{
	mc_history *h = NULL;
	FILE *f = NULL;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int last = 0, rc = 0;

	*out = NULL;
	h = calloc(1, sizeof *h);
	if (h != NULL) {
		pthread_mutex_init(&h->lock, NULL);
		pthread_cond_init(&h->wake, NULL);
		pthread_cond_init(&h->done, NULL);
	}
	if (h == NULL || (h->path = strdup(path)) == NULL) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	if (s_make_parents(path) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot create its directory: %s", path,
		                  strerror(errno));
		goto cleanup;
	}
	f = fopen(path, "a+e");
	if (f == NULL) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
		goto cleanup;
	}
	rewind(f);
	while ((len = getline(&buf, &cap, f)) > 0) {
		json_t *j = json_loadb(buf, (size_t)len, 0, NULL);
		json_t *s = json_object_get(j, "session"), *l = json_object_get(j, "line");
		json_t *src = json_object_get(j, "source");

		if (json_is_integer(s) && json_is_integer(l) && json_is_string(src)) {
			int session = (int)json_integer_value(s);

			if (s_push(h, session, (int)json_integer_value(l), json_string_value(src)) != 0)
				rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
			if (session > last)
				last = session;
			if (h->n > MC_HISTORY_MAX) {  /* keep memory bounded while reading */
				free(h->items[0].source);
				memmove(h->items, h->items + 1, (h->n - 1) * sizeof *h->items);
				h->n--;
			}
		}
		json_decref(j);
		if (rc != 0)
			goto cleanup;
	}
	h->session = last + 1;
	if (pthread_create(&h->writer, NULL, s_writer, h) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "%s: cannot start the writer thread", path);
		goto cleanup;
	}
	h->writer_running = 1;
	*out = h;
	h = NULL;

cleanup:
	free(buf);
	if (f != NULL)
		fclose(f);
	mc_history_free(h);
	return rc;
}

int mc_history_sync(mc_history *h)
{
	int errors;

	pthread_mutex_lock(&h->lock);
	while (h->writer_running && (h->head != NULL || h->busy))
		pthread_cond_wait(&h->done, &h->lock);
	errors = h->write_errors;
	h->write_errors = 0;
	pthread_mutex_unlock(&h->lock);
	return errors > 0 ? MC_ERR_IO : 0;
}

void mc_history_free(mc_history *h)
{
	if (h == NULL)
		return;
	if (h->writer_running) {
		pthread_mutex_lock(&h->lock);
		h->stop = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->writer, NULL);  /* writes what is queued first */
	}
	for (job *j = h->head, *next; j != NULL; j = next) {
		next = j->next;
		free(j->text);
		free(j);
	}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->done);
	for (size_t i = 0; i < h->n; i++)
		free(h->items[i].source);
	free(h->items);
	free(h->path);
	free(h);
}

int mc_history_session(const mc_history *h)
{
	return h->session;
}

int mc_history_append(mc_history *h, int line, const char *source, mc_error *err)
{
	char *text, *nl;
	size_t n;

	if (s_push(h, h->session, line, source) != 0)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
	if (h->n > MC_HISTORY_MAX)
		return s_compact(h, err);
	text = s_entry_line(&h->items[h->n - 1]);
	n = text != NULL ? strlen(text) : 0;
	nl = text != NULL ? realloc(text, n + 2) : NULL;
	if (nl == NULL) {
		free(text);
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
	}
	nl[n] = '\n';
	nl[n + 1] = '\0';
	if (s_enqueue(h, nl, 0) != 0)
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", h->path);
	return 0;
}

static json_t *s_item(const entry *e, int output)
{
	if (output)
		return json_pack("[i, i, [s, n]]", e->session, e->line, e->source);
	return json_pack("[i, i, s]", e->session, e->line, e->source);
}

/* A JSON array of the entries i with pick[i] set, oldest first, keeping only
 * the last n (all if n <= 0). */
static json_t *s_collect(const mc_history *h, const unsigned char *pick, int n, int output)
{
	json_t *arr = json_array();
	size_t count = 0, skip;

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < h->n; i++)
		count += pick[i];
	skip = (n > 0 && (size_t)n < count) ? count - (size_t)n : 0;
	for (size_t i = 0; i < h->n; i++) {
		if (!pick[i])
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		json_array_append_new(arr, s_item(&h->items[i], output));
	}
	return arr;
}

json_t *mc_history_tail(const mc_history *h, int n, int output)
{
	unsigned char *pick = malloc(h->n + 1);
	json_t *arr;

	if (pick == NULL)
		return NULL;
	memset(pick, 1, h->n + 1);
	arr = s_collect(h, pick, n, output);
	free(pick);
	return arr;
}

json_t *mc_history_range(const mc_history *h, int session, int start, int stop, int output)
{
	unsigned char *pick = calloc(h->n + 1, 1);
	json_t *arr;

	if (pick == NULL)
		return NULL;
	if (session <= 0)
		session += h->session;
	for (size_t i = 0; i < h->n; i++) {
		const entry *e = &h->items[i];

		pick[i] = e->session == session && e->line >= start && (stop <= 0 || e->line < stop);
	}
	arr = s_collect(h, pick, 0, output);
	free(pick);
	return arr;
}

json_t *mc_history_search(const mc_history *h, const char *pattern, int n, int unique,
                          int output)
{
	unsigned char *pick = calloc(h->n + 1, 1);
	json_t *arr;

	if (pick == NULL)
		return NULL;
	for (size_t i = 0; i < h->n; i++)
		pick[i] = fnmatch(pattern, h->items[i].source, 0) == 0;
	if (unique)  /* keep the latest of equal sources */
		for (size_t i = 0; i < h->n; i++)
			for (size_t j = i + 1; pick[i] && j < h->n; j++)
				if (pick[j] && strcmp(h->items[i].source, h->items[j].source) == 0)
					pick[i] = 0;
	arr = s_collect(h, pick, n, output);
	free(pick);
	return arr;
}
