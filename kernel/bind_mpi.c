/* Command-language functions of the mpi area: Cluster, and the runs of
 * maskclean-mpi that PCA, LogisticRegression and the coreset service start
 * when given mpi=Cluster(...) (kernel/bind_mpi.h). */
#include "bind_mpi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bind_embed.h"
#include "config.h"
#include "maskclean/jobfiles.h"
#include "maskclean/modelfile.h"
#include "maskclean/npy.h"
#include "registry.h"

extern char **environ;

#define S_NP_MAX 65536
#define S_ARGS_MAX 64
/* Bytes of a job's stderr kept for its error message. */
#define S_STDERR_KEEP 4096
/* Seconds between SIGTERM and SIGKILL when a job is stopped. */
#define S_STOP_GRACE 0.5
/* A rank left a zombie this long: mpirun did not notice it ended (Open MPI's
 * mpirun can miss a rank that dies while it connects), so the kernel ends
 * the job itself. */
#define S_ZOMBIE_GRACE 3.0

struct mc_cluster {
	size_t np, threads;       /* ranks; BLAS threads per rank (0: library default) */
	char *hosts;              /* hostfile, or NULL: this machine */
	char *mpirun, *program, *tmpdir;
	char **args;              /* extra mpirun arguments */
	size_t nargs;
};

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- Cluster ---- */

static void s_cluster_free(void *p)
{
	mc_cluster *c = p;

	if (c == NULL)
		return;
	free(c->hosts);
	free(c->mpirun);
	free(c->program);
	free(c->tmpdir);
	for (size_t i = 0; i < c->nargs; i++)
		free(c->args[i]);
	free(c->args);
	free(c);
}

static char *s_cluster_repr(const void *p)
{
	const mc_cluster *c = p;
	size_t n = 256 + (c->hosts != NULL ? strlen(c->hosts) : 0) + strlen(c->tmpdir);
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "Cluster(np=%zu, hosts=%s%s%s, threads=%zu, tmpdir='%s')", c->np,
		         c->hosts != NULL ? "'" : "", c->hosts != NULL ? c->hosts : "None",
		         c->hosts != NULL ? "'" : "", c->threads, c->tmpdir);
	return s;
}

static mc_value *s_str_or_none(const char *s)
{
	return s != NULL ? mc_str(s) : mc_none();
}

static mc_value *s_cluster_np(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)((const mc_cluster *)mc_object_ptr(self))->np);
}

static mc_value *s_cluster_hosts(mc_value *self, mc_error *err)
{
	(void)err;
	return s_str_or_none(((const mc_cluster *)mc_object_ptr(self))->hosts);
}

static mc_value *s_cluster_threads(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_int((int64_t)((const mc_cluster *)mc_object_ptr(self))->threads);
}

static mc_value *s_cluster_tmpdir(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(((const mc_cluster *)mc_object_ptr(self))->tmpdir);
}

static mc_value *s_cluster_program(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(((const mc_cluster *)mc_object_ptr(self))->program);
}

static mc_value *s_cluster_mpirun(mc_value *self, mc_error *err)
{
	(void)err;
	return mc_str(((const mc_cluster *)mc_object_ptr(self))->mpirun);
}

static const mc_attr_def s_cluster_attrs[] = {
	{ .name = "np", .doc = "ranks a job runs on", .get = s_cluster_np },
	{ .name = "hosts", .doc = "the Open MPI hostfile, or None (this machine)", .get = s_cluster_hosts },
	{ .name = "threads", .doc = "BLAS and worker threads of each rank", .get = s_cluster_threads },
	{ .name = "tmpdir", .doc = "where jobs write their files", .get = s_cluster_tmpdir },
	{ .name = "program", .doc = "the maskclean-mpi the ranks run", .get = s_cluster_program },
	{ .name = "mpirun", .doc = "the mpirun that starts them", .get = s_cluster_mpirun },
	{ .name = NULL }
};

const mc_class mc_cluster_class = {
	.name = "Cluster", .free = s_cluster_free, .repr = s_cluster_repr, .attributes = s_cluster_attrs
};

int mc_arg_cluster(mc_call *call, const char *name, const mc_cluster **out, mc_error *err)
{
	mc_value *v = mc_arg(call, name);

	*out = NULL;
	if (v == NULL || mc_type(v) == MC_T_NONE)
		return 0;
	if (mc_object_class(v) != &mc_cluster_class)
		return mc_error_set(err, MC_ERR_TYPE, "%s(): %s must be a Cluster (or None), got %s",
		                    mc_call_name(call), name, mc_type_name(v));
	*out = mc_object_ptr(v);
	return 0;
}

static int s_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The program mpirun starts: MC_MPI_PROGRAM, else maskclean-mpi beside this
 * executable (both are installed in bindir), else the name (PATH). */
static char *s_default_program(void)
{
	const char *env = getenv("MC_MPI_PROGRAM");
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return strdup(env);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		char *slash;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/maskclean-mpi", self);
			if (s_executable(path))
				return strdup(path);
		}
	}
	return strdup("maskclean-mpi");
}

/* cpus this process may use */
static size_t s_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (size_t)n : 1;
}

/* hosts (a readable hostfile, or NULL) and tmpdir (a writable folder). */
static int s_cluster_paths(const char *hosts, const char *tmpdir, mc_error *err)
{
	struct stat st;

	if (hosts != NULL && (stat(hosts, &st) != 0 || !S_ISREG(st.st_mode) ||
	                      access(hosts, R_OK) != 0))
		return mc_error_set(err, MC_ERR_IO, "Cluster(): hosts: %s is not a readable file (an "
		                    "Open MPI hostfile: one line \"node slots=N\" per machine)", hosts);
	if (stat(tmpdir, &st) != 0 || !S_ISDIR(st.st_mode) || access(tmpdir, W_OK) != 0)
		return mc_error_set(err, MC_ERR_IO, "Cluster(): tmpdir: %s is not a writable folder",
		                    tmpdir);
	return 0;
}

/* args=[...]: the mpirun options, copied into c->args. */
static int s_cluster_args(mc_cluster *c, mc_value *args, mc_error *err)
{
	if (mc_type(args) != MC_T_LIST || mc_list_len(args) > S_ARGS_MAX)
		return mc_error_set(err, MC_ERR_TYPE, "Cluster(): args must be a list of at most "
		                    "%d strings (mpirun options)", S_ARGS_MAX);
	c->args = calloc(mc_list_len(args) + 1, sizeof *c->args);
	if (c->args == NULL)
		return mc_error_nomem(err);
	for (size_t i = 0; i < mc_list_len(args); i++) {
		mc_value *a = mc_list_get(args, i);
		if (mc_type(a) != MC_T_STR)
			return mc_error_set(err, MC_ERR_TYPE, "Cluster(): args[%zu] must be str, got "
			                    "%s", i, mc_type_name(a));
		c->args[c->nargs] = strdup(mc_as_str(a));
		if (c->args[c->nargs++] == NULL)
			return mc_error_nomem(err);
	}
	return 0;
}

static int s_cluster(mc_call *call, mc_value **out, mc_error *err)
{
	mc_cluster *c = calloc(1, sizeof *c);
	mc_value *args = mc_arg(call, "args");
	const char *hosts = NULL, *tmpdir = NULL, *mpirun = NULL, *program = NULL;
	int64_t np, threads;
	int rc;

	*out = NULL;
	if (c == NULL)
		return mc_error_nomem(err);
	if ((rc = mc_arg_int(call, "np", &np, err)) != 0 ||
	    (rc = mc_arg_int(call, "threads", &threads, err)) != 0 ||
	    (rc = mc_arg_str_opt(call, "hosts", &hosts, err)) < 0 ||
	    (rc = mc_arg_str_opt(call, "tmpdir", &tmpdir, err)) < 0 ||
	    (rc = mc_arg_str_opt(call, "mpirun", &mpirun, err)) < 0 ||
	    (rc = mc_arg_str_opt(call, "program", &program, err)) < 0)
		goto fail;
	rc = 0;
	if (np < 1 || np > S_NP_MAX) {
		rc = mc_error_set(err, MC_ERR_INVALID, "Cluster(): np is %lld; expected 1 to %d",
		                  (long long)np, S_NP_MAX);
		goto fail;
	}
	if (threads < 0 || threads > 1024) {
		rc = mc_error_set(err, MC_ERR_INVALID, "Cluster(): threads is %lld; expected 0 "
		                  "(each rank's default) to 1024", (long long)threads);
		goto fail;
	}
	c->np = (size_t)np;
	/* on this machine, the cores are shared between the ranks */
	c->threads = threads > 0 ? (size_t)threads
	             : hosts == NULL ? (s_cores() / c->np > 0 ? s_cores() / c->np : 1) : 0;
	if (tmpdir == NULL)
		tmpdir = getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] != '\0' ? getenv("TMPDIR")
		                                                                 : "/tmp";
	if ((rc = s_cluster_paths(hosts, tmpdir, err)) != 0)
		goto fail;
	c->hosts = hosts != NULL ? strdup(hosts) : NULL;
	c->tmpdir = strdup(tmpdir);
	c->mpirun = strdup(mpirun != NULL ? mpirun : MC_MPIRUN);
	c->program = program != NULL ? strdup(program) : s_default_program();
	if ((hosts != NULL && c->hosts == NULL) || c->tmpdir == NULL || c->mpirun == NULL ||
	    c->program == NULL) {
		rc = mc_error_nomem(err);
		goto fail;
	}
	if (strchr(c->program, '/') != NULL && !s_executable(c->program)) {
		rc = mc_error_set(err, MC_ERR_IO, "Cluster(): program: %s is not an executable "
		                  "file", c->program);
		goto fail;
	}
	if (args != NULL && mc_type(args) != MC_T_NONE && (rc = s_cluster_args(c, args, err)) != 0)
		goto fail;
	*out = mc_object_new(&mc_cluster_class, c);
	return *out != NULL ? 0 : mc_error_nomem(err);
fail:
	s_cluster_free(c);
	return rc != 0 ? rc : err->code;
}

/* ---- a job's folder ---- */

struct mc_mpi_job {
	const mc_cluster *c;
	char *name;
	char dir[PATH_MAX / 2];   /* the job's temporary folder (short enough for */
	char out[PATH_MAX / 2 + 8]; /* its files' paths); dir/out: the results */
	char **argv;              /* the job's own arguments */
	size_t argc, cap;
	size_t inputs;            /* files written so far (unique names) */
};

int mc_mpi_job_new(mc_mpi_job **out, const mc_cluster *c, const char *job, mc_error *err)
{
	mc_mpi_job *j = calloc(1, sizeof *j);

	*out = NULL;
	if (j == NULL || (j->name = strdup(job)) == NULL) {
		free(j);
		return mc_error_nomem(err);
	}
	j->c = c;
	if ((size_t)snprintf(j->dir, sizeof j->dir, "%s/maskclean-mpi-XXXXXX", c->tmpdir) >=
	    sizeof j->dir - 8 || mkdtemp(j->dir) == NULL) {
		int e = errno;
		free(j->name);
		free(j);
		return mc_error_set(err, MC_ERR_IO, "%s: cannot create a job folder: %s", c->tmpdir,
		                    strerror(e));
	}
	snprintf(j->out, sizeof j->out, "%s/out", j->dir);
	*out = j;
	return 0;
}

static int s_unlink_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? 0 : 0;
}

void mc_mpi_job_free(mc_mpi_job *j)
{
	if (j == NULL)
		return;
	nftw(j->dir, s_unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < j->argc; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->name);
	free(j);
}

static int s_push(mc_mpi_job *j, const char *s, mc_error *err)
{
	if (j->argc + 1 >= j->cap) {
		size_t cap = j->cap > 0 ? 2 * j->cap : 16;
		char **a = realloc(j->argv, cap * sizeof *a);
		if (a == NULL)
			return mc_error_nomem(err);
		j->argv = a;
		j->cap = cap;
	}
	j->argv[j->argc] = strdup(s);
	if (j->argv[j->argc] == NULL)
		return mc_error_nomem(err);
	j->argc++;
	return 0;
}

int mc_mpi_job_arg(mc_mpi_job *j, const char *opt, const char *value, mc_error *err)
{
	int rc = s_push(j, opt, err);

	return rc == 0 && value != NULL ? s_push(j, value, err) : rc;
}

const char *mc_mpi_job_out(const mc_mpi_job *j)
{
	return j->out;
}

/* name (an input of the job) in its folder: m, or the n values of v. */
static int s_input(mc_mpi_job *j, char *name, size_t size, const mc_matrix *m,
                   const double *v, size_t n, mc_error *err)
{
	snprintf(name, size, "input-%zu.npy", j->inputs++);
	return mc_modelfile_save(j->dir, name, m, v, n, err);
}

int mc_mpi_job_column(mc_mpi_job *j, const char *opt, const double *v, size_t n,
                      mc_error *err)
{
	char name[64], path[PATH_MAX];
	int rc;

	rc = s_input(j, name, sizeof name, NULL, v, n, err);
	if (rc == 0)
		snprintf(path, sizeof path, "%s/%s", j->dir, name);
	return rc != 0 ? rc : mc_mpi_job_arg(j, opt, path, err);
}

int mc_mpi_job_features(mc_mpi_job *j, mc_value *X, size_t *rows, mc_error *err)
{
	const mc_npy *npy = mc_embeddings_npy(X);
	mc_matrix view, *owned = NULL;
	char name[64], path[PATH_MAX];
	int rc = 0;

	if (npy != NULL) {
		if (mc_npy_ndim(npy) != 2)
			return mc_error_set(err, MC_ERR_SHAPE, "%s: a 1-D array; features are rows x "
			                    "columns", mc_npy_path(npy));
		/* the ranks read the file itself: its path as they will see it */
		if (realpath(mc_npy_path(npy), path) == NULL)
			return mc_error_set(err, MC_ERR_IO, "%s: cannot resolve its path: %s",
			                    mc_npy_path(npy), strerror(errno));
		*rows = mc_npy_rows(npy);
		return mc_mpi_job_arg(j, "--features", path, err);
	}
	if (mc_type(X) != MC_T_ARRAY || mc_array_cols(X) == 0)
		return mc_error_set(err, MC_ERR_TYPE, "X must be a 2-D array or Embeddings, got %s",
		                    mc_type_name(X));
	if (mc_array_dtype(X) == MC_F64) {
		rc = mc_array_as_matrix(X, &view, err);
	} else {
		rc = mc_matrix_new(&owned, mc_array_rows(X), mc_array_cols(X), err);
		for (size_t i = 0; rc == 0 && i < mc_array_size(X); i++)
			owned->data[i] = (double)mc_array_i64(X)[i];
		if (rc == 0)
			view = *owned;
	}
	if (rc == 0) {
		rc = s_input(j, name, sizeof name, &view, NULL, 0, err);
		*rows = view.rows;
	}
	mc_matrix_free(owned);
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/%s", j->dir, name);
		rc = mc_mpi_job_arg(j, "--features", path, err);
	}
	return rc;
}

/* ---- running mpirun ---- */

/* The command line: mpirun [options] program job args --out OUT --progress. */
static char **s_command(mc_mpi_job *j, char *np, char *threads, char *workers)
{
	const mc_cluster *c = j->c;
	size_t n = 0, cap = 24 + c->nargs + j->argc;
	char **argv = calloc(cap, sizeof *argv);

	if (argv == NULL)
		return NULL;
	argv[n++] = c->mpirun;
	/* mpirun refuses root unless told; the kernel may well run as root in a
	 * container */
	if (geteuid() == 0)
		argv[n++] = "--allow-run-as-root";
	if (c->hosts == NULL)
		argv[n++] = "--oversubscribe";
	else {
		argv[n++] = "--hostfile";
		argv[n++] = c->hosts;
	}
	argv[n++] = "-np";
	argv[n++] = np;
	if (c->threads > 0) {
		argv[n++] = "-x";
		argv[n++] = threads;
		argv[n++] = "-x";
		argv[n++] = workers;
	}
	for (size_t i = 0; i < c->nargs; i++)
		argv[n++] = c->args[i];
	argv[n++] = c->program;
	argv[n++] = j->name;
	for (size_t i = 0; i < j->argc; i++)
		argv[n++] = j->argv[i];
	argv[n++] = "--out";
	argv[n++] = j->out;
	argv[n++] = "--progress";
	argv[n] = NULL;
	return argv;
}

/* What the job said: its progress lines, and the tail of its stderr. */
typedef struct s_watch {
	char line[1024];
	size_t len;
	int overlong;
	char err[S_STDERR_KEEP + 1];
	size_t err_len;
	size_t done, total;
	char what[128];
} s_watch;

/* One stdout line: "progress DONE TOTAL WHAT" (others are ignored). */
static void s_line(s_watch *w, const char *line)
{
	unsigned long long done, total;
	int used = 0;

	if (strncmp(line, MC_JOB_PROGRESS, strlen(MC_JOB_PROGRESS)) != 0 ||
	    sscanf(line + strlen(MC_JOB_PROGRESS), "%llu %llu %n", &done, &total, &used) != 2 ||
	    used <= 0)
		return;
	w->done = (size_t)done;
	w->total = (size_t)total;
	snprintf(w->what, sizeof w->what, "%s", line + strlen(MC_JOB_PROGRESS) + used);
}

static void s_stdout(s_watch *w, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			w->line[w->len] = '\0';
			if (!w->overlong)
				s_line(w, w->line);
			w->len = 0;
			w->overlong = 0;
		} else if (w->len + 1 < sizeof w->line) {
			w->line[w->len++] = buf[i];
		} else {
			w->overlong = 1;
		}
	}
}

/* Keeps the last S_STDERR_KEEP bytes. */
static void s_stderr(s_watch *w, const char *buf, size_t n)
{
	if (n >= S_STDERR_KEEP) {
		memcpy(w->err, buf + n - S_STDERR_KEEP, S_STDERR_KEEP);
		w->err_len = S_STDERR_KEEP;
	} else {
		if (w->err_len + n > S_STDERR_KEEP) {
			size_t drop = w->err_len + n - S_STDERR_KEEP;
			memmove(w->err, w->err + drop, w->err_len - drop);
			w->err_len -= drop;
		}
		memcpy(w->err + w->err_len, buf, n);
		w->err_len += n;
	}
	w->err[w->err_len] = '\0';
}

/* The code of an error name (mc_error_name), or MC_ERR_INVALID. */
static int s_code_of(const char *name, size_t len)
{
	for (int code = -1; code >= -9; code--)
		if (strlen(mc_error_name(code)) == len && strncmp(mc_error_name(code), name, len) == 0)
			return code;
	return MC_ERR_INVALID;
}

/* The error of a failed job: a rank's own message ("maskclean-mpi: rank R:
 * NAME: message"), else the last lines mpirun printed. */
static int s_failure(const mc_mpi_job *j, const s_watch *w, int status, mc_error *err)
{
	const char *p = strstr(w->err, MC_JOB_ERROR), *q, *end;
	char how[64];
	size_t n;


	if (p != NULL) {
		p += strlen("maskclean-mpi: ");
		end = strchr(p, '\n');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		/* "rank R: NAME: message" */
		q = strchr(p, ':');
		q = q != NULL ? strchr(q + 1, ':') : NULL;
		if (q != NULL && (size_t)(q - p) < n) {
			const char *name = strchr(p, ':') + 2;
			return mc_error_set(err, s_code_of(name, (size_t)(q - name)), "%s job on %zu "
			                    "ranks: %.*s%.*s", j->name, j->c->np,
			                    (int)(name - p - 2), p, (int)(n - (size_t)(q - p)), q);
		}
		return mc_error_set(err, MC_ERR_INVALID, "%s job on %zu ranks: %.*s", j->name,
		                    j->c->np, (int)n, p);
	}
	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "mpirun was killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof how, "mpirun exited with status %d", WEXITSTATUS(status));
	/* the last lines of mpirun's message (the one naming the rank that died
	 * comes last), without its rules of dashes */
	{
		char tail[800] = "";
		const char *lines[4] = { NULL, NULL, NULL, NULL };
		size_t lens[4] = { 0, 0, 0, 0 }, o = 0;

		for (const char *l = w->err; *l != '\0';) {
			const char *e = strchr(l, '\n');
			size_t len = e != NULL ? (size_t)(e - l) : strlen(l), dashes = 0;
			while (dashes < len && (l[dashes] == '-' || l[dashes] == ' '))
				dashes++;
			if (dashes < len) {
				memmove(lines, lines + 1, 3 * sizeof *lines);
				memmove(lens, lens + 1, 3 * sizeof *lens);
				lines[3] = l;
				lens[3] = len;
			}
			l += e != NULL ? len + 1 : len;
		}
		for (int i = 0; i < 4; i++)
			if (lines[i] != NULL && o + 2 < sizeof tail)
				o += (size_t)snprintf(tail + o, sizeof tail - o, "%s%.*s", o > 0 ? " " : "",
				                      (int)(lens[i] < 300 ? lens[i] : 300), lines[i]);
		return mc_error_set(err, MC_ERR_IO, "%s job on %zu ranks failed (%s)%s%s", j->name,
		                    j->c->np, how, o > 0 ? ": " : "", tail);
	}
}

/* Stops the job's process group: SIGTERM (mpirun passes it to every rank),
 * then SIGKILL once the grace period is over. */
static void s_stop(pid_t pgid, int sig)
{
	kill(-pgid, sig);
}

/* Ranks on this machine: mpirun's children. Open MPI gives each its own
 * process group and mpirun may exit before they do, so the kernel keeps
 * their pids to make sure they are gone. */
#define S_LOCAL_RANKS_MAX 1024

typedef struct s_ranks {
	pid_t pid[S_LOCAL_RANKS_MAX];
	double zombie_since[S_LOCAL_RANKS_MAX];   /* 0 unless a zombie now */
	double ended_at[S_LOCAL_RANKS_MAX];       /* when seen ended; 0 while it runs */
	int status[S_LOCAL_RANKS_MAX];            /* its wait status once seen, else -1 */
	size_t n;
} s_ranks;

/* pid's parent, state and (for a zombie) wait status from /proc/PID/stat,
 * or -1 when it is gone. */
static pid_t s_stat(pid_t pid, char *state, int *status)
{
	char path[64], buf[1024], *close, *tok, *save = NULL;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof buf, f) != NULL && (close = strrchr(buf, ')')) != NULL &&
	    sscanf(close + 1, " %c %d", state, &ppid) == 2) {
		/* the exit_code field (the 52nd, since Linux 3.5), counted from
		 * the state, the 3rd */
		int field = 3;
		*status = -1;
		for (tok = strtok_r(close + 1, " \n", &save); tok != NULL;
		     tok = strtok_r(NULL, " \n", &save), field++)
			if (field == 52)
				*status = atoi(tok);
	} else {
		ppid = -1;
	}
	fclose(f);
	return (pid_t)ppid;
}

static pid_t s_parent(pid_t pid, char *state)
{
	int status;

	return s_stat(pid, state, &status);
}

static void s_track(s_ranks *r, pid_t mpirun)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL && r->n < S_LOCAL_RANKS_MAX) {
		char state = 0;
		pid_t pid;
		size_t i;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (s_parent(pid, &state) != mpirun)
			continue;
		for (i = 0; i < r->n && r->pid[i] != pid; i++)
			;
		if (i == r->n) {
			r->zombie_since[r->n] = r->ended_at[r->n] = 0.0;
			r->status[r->n] = -1;
			r->pid[r->n++] = pid;
		}
	}
	if (d != NULL)
		closedir(d);
}

static size_t s_alive(const s_ranks *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		char state = 0;
		if (s_parent(r->pid[i], &state) >= 0 && state != 'Z' && state != 'X')
			n++;
	}
	return n;
}

/* Waits for the tracked ranks to end; SIGKILLs those left after grace
 * seconds (each with its process group). */
static void s_reap_ranks(const s_ranks *r, double grace)
{
	double until = s_now() + grace;

	while (s_alive(r) > 0 && s_now() < until)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	if (s_alive(r) == 0)
		return;
	for (size_t i = 0; i < r->n; i++)
		kill(-r->pid[i], SIGKILL);
	until = s_now() + 2.0;
	while (s_alive(r) > 0 && s_now() < until)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

static int s_spawn(pid_t *pid, char **argv, int out_fd, int err_fd, mc_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGCHLD);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                  POSIX_SPAWN_SETSIGDEF);
	rc = strchr(argv[0], '/') != NULL ? posix_spawn(pid, argv[0], &fa, &at, argv, environ)
	                                  : posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot start: %s (install the Debian package "
		                    "openmpi-bin)", argv[0], strerror(rc));
	return 0;
}

/* A running mpirun, as mc_mpi_job_run follows it. */
typedef struct s_proc {
	pid_t pid;
	int fd[2];          /* the read ends of its stdout and stderr; -1 once closed */
	int status, reaped, stopping;
	double stop_at, exited_at, deadline;
	size_t tick;
	pid_t lost;         /* a rank mpirun did not notice ending, or 0 */
	int lost_status;    /* its wait status, -1 when unknown */
} s_proc;

/* Reads what poll found ready on the pipes into the watcher. */
static void s_drain(s_proc *pr, s_watch *w, const struct pollfd *fds)
{
	char buf[4096];

	for (int i = 0; i < 2; i++) {
		ssize_t got;

		if (pr->fd[i] < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(pr->fd[i], buf, sizeof buf);
		if (got > 0)
			(i == 0 ? s_stdout : s_stderr)(w, buf, (size_t)got);
		else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(pr->fd[i]);
			pr->fd[i] = -1;
		}
	}
}

/* An interrupt (the progress callback says stop): SIGTERM first, SIGKILL
 * to mpirun and the ranks after S_STOP_GRACE seconds. */
static void s_check_stop(s_proc *pr, s_watch *w, s_ranks *ranks, const mc_progress *prog, double now)
{
	if (!pr->stopping && mc_progress_report(prog, w->done, w->total, w->what) != 0) {
		pr->stopping = 1;
		pr->stop_at = pr->deadline = now + S_STOP_GRACE;
		if (!pr->reaped)
			s_track(ranks, pr->pid);
		s_stop(pr->pid, SIGTERM);
	}
	if (pr->stopping && now >= pr->stop_at && !pr->reaped) {
		s_stop(pr->pid, SIGKILL);
		s_reap_ranks(ranks, 0.0);
		pr->stop_at = now + 10.0;
	}
}

/* The watchdog: a rank of this machine left a zombie for S_ZOMBIE_GRACE
 * seconds means mpirun missed its end and would wait for ever; the kernel
 * stops mpirun and the job's other ranks. The rank reported is the first
 * seen ended (the one whose end set off the rest). */
static void s_check_zombies(s_proc *pr, s_ranks *r, double now)
{
	size_t first = r->n;
	int stuck = 0;

	for (size_t i = 0; i < r->n; i++) {
		char state = 0;
		int status = -1;
		pid_t parent = s_stat(r->pid[i], &state, &status);

		if (parent == pr->pid && state == 'Z') {
			if (r->ended_at[i] == 0.0)
				r->ended_at[i] = now;
			if (r->status[i] < 0)
				r->status[i] = status;
			if (r->zombie_since[i] == 0.0)
				r->zombie_since[i] = now;
			stuck |= now - r->zombie_since[i] >= S_ZOMBIE_GRACE;
		} else if (parent != pr->pid && r->ended_at[i] == 0.0) {
			r->ended_at[i] = now;
		}
		if (r->ended_at[i] > 0.0 && (first == r->n || r->ended_at[i] < r->ended_at[first]))
			first = i;
	}
	if (stuck && !pr->reaped) {
		pr->lost = r->pid[first];
		pr->lost_status = r->status[first];
		s_stop(pr->pid, SIGKILL);
		s_reap_ranks(r, 0.0);
	}
}

/* The error of a job whose rank ended unnoticed by mpirun. */
static int s_lost(const mc_mpi_job *j, const s_proc *pr, mc_error *err)
{
	char how[96];

	if (pr->lost_status >= 0 && WIFSIGNALED(pr->lost_status))
		snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(pr->lost_status));
	else if (pr->lost_status >= 0 && WIFEXITED(pr->lost_status))
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(pr->lost_status));
	else
		snprintf(how, sizeof how, "ended first");
	return mc_error_set(err, MC_ERR_IO, "%s job on %zu ranks failed (its rank process %d %s; "
	                    "mpirun did not end the job, so the kernel stopped it)", j->name,
	                    j->c->np, (int)pr->lost, how);
}

/* Follows mpirun until it ended and its pipes closed: its output goes to
 * the watcher, its ranks are tracked, interrupts stop it. */
static void s_follow(s_proc *pr, s_watch *w, s_ranks *ranks, const mc_progress *prog)
{
	while (pr->fd[0] >= 0 || pr->fd[1] >= 0 || !pr->reaped) {
		struct pollfd fds[2] = { { pr->fd[0], POLLIN, 0 }, { pr->fd[1], POLLIN, 0 } };
		double now;

		if (pr->fd[0] >= 0 || pr->fd[1] >= 0)
			poll(fds, 2, 50);
		else
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		s_drain(pr, w, fds);
		/* every tick while the ranks start (about 2 s), then every 8th */
		if (!pr->reaped && (pr->tick < 40 || pr->tick % 8 == 0))
			s_track(ranks, pr->pid);
		pr->tick++;
		if (!pr->reaped && waitpid(pr->pid, &pr->status, WNOHANG) == pr->pid) {
			pr->reaped = 1;
			pr->exited_at = s_now();
		}
		now = s_now();
		/* mpirun is gone but something still holds the pipes: let it go */
		if (pr->reaped && now - pr->exited_at > 1.0 && (pr->fd[0] >= 0 || pr->fd[1] >= 0)) {
			s_stop(pr->pid, SIGKILL);
			break;
		}
		s_check_stop(pr, w, ranks, prog, now);
		if (!pr->stopping && !pr->reaped && pr->lost == 0)
			s_check_zombies(pr, ranks, now);
	}
}

int mc_mpi_job_run(mc_mpi_job *j, const mc_progress *prog, mc_error *err)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rc = 0;
	char np[32], threads[64], workers[64], **argv = NULL;
	s_watch *w = calloc(1, sizeof *w);
	s_ranks *ranks = calloc(1, sizeof *ranks);
	s_proc pr = { .pid = -1, .fd = { -1, -1 } };

	snprintf(np, sizeof np, "%zu", j->c->np);
	/* BLAS threads and the coreset's workers (MC_THREADS) of each rank */
	snprintf(threads, sizeof threads, "OPENBLAS_NUM_THREADS=%zu", j->c->threads);
	snprintf(workers, sizeof workers, "MC_THREADS=%zu", j->c->threads);
	argv = s_command(j, np, threads, workers);
	if (w == NULL || ranks == NULL || argv == NULL) {
		rc = mc_error_nomem(err);
		goto cleanup;
	}
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
		rc = mc_error_set(err, MC_ERR_IO, "cannot make a pipe for mpirun: %s",
		                  strerror(errno));
		goto cleanup;
	}
	rc = s_spawn(&pr.pid, argv, out[1], errp[1], err);
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	pr.fd[0] = out[0];
	pr.fd[1] = errp[0];
	out[0] = errp[0] = -1;
	if (rc != 0)
		goto cleanup;
	snprintf(w->what, sizeof w->what, "%s on %zu ranks", j->name, j->c->np);
	s_follow(&pr, w, ranks, prog);
	if (pr.stopping)
		rc = mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted");
	else if (pr.lost != 0)
		rc = s_lost(j, &pr, err);
	else if (!WIFEXITED(pr.status) || WEXITSTATUS(pr.status) != 0)
		rc = s_failure(j, w, pr.status, err);
cleanup:
	if (pr.pid > 0 && !pr.reaped) {
		s_stop(pr.pid, SIGKILL);
		waitpid(pr.pid, &pr.status, 0);
	}
	/* no rank of this machine outlives the call */
	if (ranks != NULL)
		s_reap_ranks(ranks, pr.stopping ? (pr.deadline > s_now() ? pr.deadline - s_now() : 0.0) : 1.0);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (pr.fd[i] >= 0)
			close(pr.fd[i]);
	}
	free(argv);
	free(w);
	free(ranks);
	return rc;
}

/* ---- results ---- */

int mc_mpi_job_result(mc_matrix **out, const mc_mpi_job *j, const char *name, mc_error *err)
{
	char path[PATH_MAX];
	mc_npy *npy = NULL;
	int rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", j->out, name) >= sizeof path)
		return mc_error_set(err, MC_ERR_IO, "%s/%s: path too long", j->out, name);
	rc = mc_npy_load(&npy, path, NULL, err);
	if (rc == 0)
		rc = mc_npy_to_matrix(out, npy, NULL, err);
	mc_npy_free(npy);
	return rc;
}

int mc_mpi_job_pieces(mc_matrix **out, const mc_mpi_job *j, const char *manifest,
                      size_t rows, size_t k, mc_error *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *root = NULL, *list;
	mc_matrix *all = NULL;
	size_t at = 0;
	int rc;

	*out = NULL;
	snprintf(path, sizeof path, "%s/%s", j->out, manifest);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	list = json_object_get(root, "shards");
	if (!json_is_array(list))
		return mc_error_set(err, MC_ERR_PARSE, "%s: line %d: %s", path, jerr.line,
		                    root == NULL ? jerr.text : "expected {\"shards\": [...]}");
	rc = mc_matrix_new(&all, rows, k, err);
	for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i), *f = json_object_get(e, "features");
		mc_matrix *part = NULL;

		if (!json_is_string(f) || strchr(json_string_value(f), '/') != NULL) {
			rc = mc_error_set(err, MC_ERR_PARSE, "%s: shard %zu: expected a file name", path,
			                  i);
			break;
		}
		rc = mc_mpi_job_result(&part, j, json_string_value(f), err);
		if (rc == 0 && (part->cols != k || part->rows > rows - at))
			rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu x %zu; expected at most %zu x %zu",
			                  json_string_value(f), part->rows, part->cols, rows - at, k);
		if (rc == 0) {
			memcpy(all->data + at * k, part->data, part->rows * k * sizeof(double));
			at += part->rows;
		}
		mc_matrix_free(part);
	}
	if (rc == 0 && at != rows)
		rc = mc_error_set(err, MC_ERR_SHAPE, "%s: %zu rows of scores; expected %zu", path, at,
		                  rows);
	json_decref(root);
	if (rc != 0) {
		mc_matrix_free(all);
		return rc;
	}
	*out = all;
	return 0;
}

/* ---- the learn area's steps ---- */

static int s_arg_size(mc_mpi_job *j, const char *opt, size_t v, mc_error *err)
{
	char s[32];

	snprintf(s, sizeof s, "%zu", v);
	return mc_mpi_job_arg(j, opt, s, err);
}

static int s_arg_real(mc_mpi_job *j, const char *opt, double v, mc_error *err)
{
	char s[40];

	snprintf(s, sizeof s, "%.17g", v);
	return mc_mpi_job_arg(j, opt, s, err);
}

static int s_pca_args(mc_mpi_job *j, const mc_pca *pca, mc_error *err)
{
	const mc_pca_params *p = mc_pca_params_of(pca);
	int rc;

	if (p->solver != MC_PCA_EXACT)
		return mc_error_set(err, MC_ERR_INVALID, "PCA: mpi= runs the exact solver; create "
		                    "the PCA with solver=\"exact\"");
	rc = s_arg_size(j, "--n-components", p->n_components, err);
	if (rc == 0 && p->chunk_rows > 0)
		rc = s_arg_size(j, "--chunk-rows", p->chunk_rows, err);
	return rc;
}

int mc_mpi_pca_fit(mc_pca *pca, mc_value *X, const mc_cluster *c, mc_matrix **scores,
                   const mc_progress *prog, mc_error *err)
{
	mc_mpi_job *j = NULL;
	mc_matrix *sc = NULL;
	mc_pca *fit = NULL;
	size_t rows = 0;
	int rc;

	if (scores != NULL)
		*scores = NULL;
	rc = mc_pca_new(&fit, mc_pca_params_of(pca), err);
	if (rc == 0)
		rc = mc_mpi_job_new(&j, c, "pca", err);
	if (rc == 0)
		rc = s_pca_args(j, pca, err);
	if (rc == 0 && scores != NULL)
		rc = mc_mpi_job_arg(j, "--scores", NULL, err);
	if (rc == 0)
		rc = mc_mpi_job_features(j, X, &rows, err);
	if (rc == 0)
		rc = mc_mpi_job_run(j, prog, err);
	/* into a fresh model first, so that pca changes only once all is read */
	if (rc == 0)
		rc = mc_pca_load(fit, j->out, err);
	if (rc == 0 && scores != NULL)
		rc = mc_mpi_job_pieces(&sc, j, MC_JOB_SCORES_MANIFEST, rows, mc_pca_model_of(fit)->k, err);
	if (rc == 0)
		rc = mc_pca_load(pca, j->out, err);
	if (rc == 0 && scores != NULL) {
		*scores = sc;
		sc = NULL;
	}
	mc_matrix_free(sc);
	mc_pca_free(fit);
	mc_mpi_job_free(j);
	return rc;
}

int mc_mpi_pca_transform(mc_matrix **scores, const mc_pca *pca, mc_value *X,
                         const mc_cluster *c, const mc_progress *prog, mc_error *err)
{
	mc_mpi_job *j = NULL;
	size_t rows = 0;
	char model[PATH_MAX];
	int rc;

	*scores = NULL;
	if (mc_pca_model_of(pca) == NULL)
		return mc_error_set(err, MC_ERR_STATE, "PCA is not fitted yet; call fit(X) first");
	rc = mc_mpi_job_new(&j, c, "transform", err);
	if (rc == 0)
		rc = s_pca_args(j, pca, err);
	if (rc == 0) {
		snprintf(model, sizeof model, "%s/model", j->dir);
		if (mkdir(model, 0700) != 0)
			rc = mc_error_set(err, MC_ERR_IO, "%s: cannot create: %s", model,
			                  strerror(errno));
	}
	if (rc == 0)
		rc = mc_pca_save(pca, model, err);
	if (rc == 0)
		rc = mc_mpi_job_arg(j, "--model", model, err);
	if (rc == 0)
		rc = mc_mpi_job_features(j, X, &rows, err);
	if (rc == 0)
		rc = mc_mpi_job_run(j, prog, err);
	if (rc == 0)
		rc = mc_mpi_job_pieces(scores, j, MC_JOB_SCORES_MANIFEST, rows, mc_pca_model_of(pca)->k, err);
	mc_mpi_job_free(j);
	return rc;
}

/* The command line of a logistic regression (lr, oof) with params p. */
static int s_lr_args(mc_mpi_job *j, const mc_logreg_params *p, mc_error *err)
{
	int rc = s_arg_real(j, "--C", p->C, err);

	if (rc == 0)
		rc = s_arg_real(j, "--tol", p->tol, err);
	if (rc == 0)
		rc = s_arg_size(j, "--max-iter", p->max_iter, err);
	if (rc == 0 && p->n_classes > 0)
		rc = s_arg_size(j, "--n-classes", p->n_classes, err);
	if (rc == 0 && p->class_weight == MC_CW_BALANCED)
		rc = mc_mpi_job_arg(j, "--class-weight", "balanced", err);
	if (rc == 0 && p->class_weight == MC_CW_DICT) {
		char *list = malloc(p->n_classes * 26 + 1);
		size_t o = 0;
		if (list == NULL)
			rc = mc_error_nomem(err);
		for (size_t k = 0; rc == 0 && k < p->n_classes; k++)
			o += (size_t)snprintf(list + o, 27, "%s%.17g", k > 0 ? "," : "",
			                      p->class_weights[k]);
		if (rc == 0)
			rc = mc_mpi_job_arg(j, "--class-weight", list, err);
		free(list);
	}
	return rc;
}

/* --features X, --labels y, --weights w (if any) of n rows. */
static int s_xyw(mc_mpi_job *j, mc_value *X, const int64_t *y, const double *w, size_t n,
                 mc_error *err)
{
	double *col = malloc((n > 0 ? n : 1) * sizeof *col);
	size_t rows = 0;
	int rc = col == NULL ? mc_error_nomem(err) : mc_mpi_job_features(j, X, &rows, err);

	if (rc == 0 && rows != n)
		rc = mc_error_set(err, MC_ERR_SHAPE, "X has %zu rows but y has %zu", rows, n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		col[i] = (double)y[i];
	if (rc == 0)
		rc = mc_mpi_job_column(j, "--labels", col, n, err);
	if (rc == 0 && w != NULL)
		rc = mc_mpi_job_column(j, "--weights", w, n, err);
	free(col);
	return rc;
}

int mc_mpi_logreg_fit(mc_logreg *lr, mc_value *X, const int64_t *y, const double *w,
                      size_t n, const mc_cluster *c, const mc_progress *prog, mc_error *err)
{
	const mc_logreg_params *p = mc_logreg_params_of(lr);
	mc_mpi_job *j = NULL;
	int rc;

	if (p->warm_start)
		return mc_error_set(err, MC_ERR_INVALID, "LogisticRegression: warm_start is not "
		                    "available with mpi=");
	rc = mc_mpi_job_new(&j, c, "lr", err);
	if (rc == 0)
		rc = s_lr_args(j, p, err);
	if (rc == 0)
		rc = s_xyw(j, X, y, w, n, err);
	if (rc == 0)
		rc = mc_mpi_job_run(j, prog, err);
	if (rc == 0)
		rc = mc_logreg_load(lr, j->out, err);
	mc_mpi_job_free(j);
	return rc;
}

int mc_mpi_cross_val_proba(mc_matrix **proba, mc_value *X, const int64_t *y, const double *w,
                           const int64_t *groups, size_t n, size_t n_classes,
                           const mc_cv_opts *o, const mc_logreg_params *p,
                           const mc_cluster *c, const mc_progress *prog, mc_error *err)
{
	mc_logreg_params lp = *p;
	mc_mpi_job *j = NULL;
	double *g = NULL;
	int rc;

	*proba = NULL;
	if (n_classes == 0)
		for (size_t i = 0; i < n; i++)
			if ((size_t)y[i] + 1 > n_classes)
				n_classes = (size_t)y[i] + 1;
	lp.n_classes = n_classes;
	rc = mc_mpi_job_new(&j, c, "oof", err);
	if (rc == 0)
		rc = s_lr_args(j, &lp, err);
	if (rc == 0)
		rc = s_arg_size(j, "--folds", o->folds, err);
	if (rc == 0)
		rc = s_arg_size(j, "--seed", (size_t)o->seed, err);
	if (rc == 0)
		rc = s_xyw(j, X, y, w, n, err);
	if (rc == 0 && groups != NULL) {
		if ((g = malloc((n > 0 ? n : 1) * sizeof *g)) == NULL)
			rc = mc_error_nomem(err);
		for (size_t i = 0; rc == 0 && i < n; i++)
			g[i] = (double)groups[i];
		if (rc == 0)
			rc = mc_mpi_job_column(j, "--groups", g, n, err);
	}
	if (rc == 0)
		rc = mc_mpi_job_run(j, prog, err);
	if (rc == 0)
		rc = mc_mpi_job_pieces(proba, j, MC_JOB_OOF_MANIFEST, n, n_classes, err);
	free(g);
	mc_mpi_job_free(j);
	return rc;
}

int mc_mpi_coreset_build(mc_coreset *cs, mc_value *X, const int64_t *y, const double *w,
                         size_t n, const mc_cluster *c, const mc_progress *prog,
                         mc_error *err)
{
	const mc_coreset_params *p = mc_coreset_params_of(cs);
	mc_coreset *built = NULL;
	mc_mpi_job *j = NULL;
	unsigned char *seen = NULL;
	size_t present = 0, k = 0, chunk = 0, csize = 0, d;
	const char **names = NULL;
	char path[PATH_MAX];
	int rc = 0;

	if (mc_coreset_n(cs) != 0)
		return mc_error_set(err, MC_ERR_STATE, "coreset: already built with %zu samples",
		                    mc_coreset_n(cs));
	d = mc_embeddings_npy(X) != NULL ? mc_npy_cols(mc_embeddings_npy(X))
	    : mc_type(X) == MC_T_ARRAY ? mc_array_cols(X) : 0;
	for (size_t i = 0; i < n; i++)
		if (y[i] >= 0 && (size_t)y[i] + 1 > k)
			k = (size_t)y[i] + 1;
	if ((seen = calloc(k > 0 ? k : 1, 1)) == NULL)
		return mc_error_nomem(err);
	for (size_t i = 0; i < n; i++)
		if (y[i] >= 0 && !seen[y[i]]++)
			present++;
	free(seen);
	/* the chunk the build will use: one file is split at its multiples */
	mc_coreset_sizes(p, d, present, &chunk, &csize);
	rc = mc_mpi_job_new(&j, c, "coreset", err);
	if (rc == 0)
		rc = mc_mpi_job_arg(j, "--optimized-for",
		                    p->optimized_for == MC_CORESET_TRAINING ? "training" : "cleaning",
		                    err);
	if (rc == 0)
		rc = mc_mpi_job_arg(j, "--basis", p->basis == MC_BASIS_QR ? "qr" : "cholqr", err);
	if (rc == 0 && p->chunk_size > 0)
		rc = s_arg_size(j, "--chunk-size", p->chunk_size, err);
	if (rc == 0 && p->coreset_size > 0)
		rc = s_arg_size(j, "--coreset-size", p->coreset_size, err);
	if (rc == 0)
		rc = s_arg_size(j, "--split-rows", chunk, err);
	if (rc == 0)
		rc = s_arg_size(j, "--seed", (size_t)p->seed, err);
	if (rc == 0)
		rc = s_arg_size(j, "--folds", (size_t)p->folds, err);
	if (rc == 0)
		rc = s_arg_real(j, "--C", p->C, err);
	if (rc == 0)
		rc = s_arg_size(j, "--max-iter", (size_t)p->max_iter, err);
	if (rc == 0)
		rc = s_xyw(j, X, y, w, n, err);
	if (rc == 0)
		rc = mc_mpi_job_run(j, prog, err);
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/%s", j->out, MC_JOB_SERVICE);
		rc = mc_coreset_load(&built, path, err);
	}
	/* the class names the service was created with */
	if (rc == 0 && mc_coreset_n_class_names(cs) > 0) {
		size_t m = mc_coreset_n_class_names(cs);
		if ((names = calloc(m, sizeof *names)) == NULL)
			rc = mc_error_nomem(err);
		for (size_t i = 0; rc == 0 && i < m; i++)
			names[i] = mc_coreset_class_name(cs, i);
		if (rc == 0)
			rc = mc_coreset_set_class_names(built, names, m, err);
		free(names);
	}
	if (rc == 0)
		mc_coreset_swap(cs, built);
	mc_coreset_free(built);
	mc_mpi_job_free(j);
	return rc;
}

const mc_func_def mc_funcs_mpi[] = {
	{ .name = "Cluster",
	  .signature = "(np=2, hosts=None, *, threads=0, tmpdir=None, mpirun=None, program=None, "
	  "args=None)",
	  .doc = "Where mpi= runs the heavy steps: np ranks of Open MPI on this machine or a hostfile's.",
	  .long_doc = "Pass it as `mpi=` to `PCA.fit`, `PCA.fit_transform`, `PCA.transform` and "
	  "`LogisticRegression.fit`: the kernel starts `mpirun -np NP maskclean-mpi ...`, "
	  "shows one progress bar merged from the ranks, and the result comes back as the "
	  "usual object, equal to the one-process fit (PCA to about 1e-15, logistic "
	  "regression bit for bit). The interrupt button stops every rank.\n\n"
	  "- `hosts`: an Open MPI hostfile (`node1 slots=32` per line); None runs on this "
	  "machine (oversubscribed if np exceeds its cores).\n"
	  "- `threads`: BLAS threads per rank; 0 gives each rank its share of this "
	  "machine's cores, or the library's default on a hostfile.\n"
	  "- `tmpdir`: where arrays held in memory are written for the ranks and the results "
	  "come back; on a cluster it must be a folder every node sees at the same path. "
	  "Embeddings from `load_npy` are read from their own file (the same rule applies).\n"
	  "- `mpirun`, `program`: the launcher and `maskclean-mpi` (found beside the kernel); "
	  "`args`: more mpirun options, e.g. `[\"--mca\", \"btl_tcp_if_include\", \"eth0\"]`.\n\n"
	  "See docs/scale.md for running on a cluster.\n\n"
	  "    c = Cluster(np=4)\n    pca = PCA(256).fit(E, mpi=c)\n"
	  "    clf = LogisticRegression(class_weight=\"balanced\").fit(Z, y, mpi=c)",
	  .fn = s_cluster },
	{ .name = NULL }
};
