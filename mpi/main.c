/* maskclean-mpi: the heavy steps of maskclean over the ranks of an Open MPI
 * job. Started by mpirun (the kernel's Cluster does it, or a batch script):
 *
 *   mpirun -np 64 --hostfile hosts maskclean-mpi JOB (--features X.npy
 *          [--labels y.npy] [--weights w.npy] | --manifest shards.json)
 *          --out DIR [--progress] [job options]
 *
 * Each rank reads its own rows (mpi/shards.h), runs the job (mpi/jobs.c)
 * and rank 0 writes the results to DIR (include/maskclean/jobfiles.h).
 * Exit status 0 on success; otherwise each rank that failed names its
 * error on stderr. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "comm.h"
#include "jobs.h"
#include "maskclean/atomic_file.h"
#include "maskclean/jobfiles.h"

static void s_usage(FILE *f)
{
	fprintf(f, "usage: mpirun [-np N] [--hostfile FILE] maskclean-mpi JOB\n"
	        "         (--features X.npy [--labels y.npy] [--weights w.npy] | --manifest M.json)\n"
	        "         --out DIR [--progress] [options]\n\njobs:\n");
	for (const mc_job *j = mc_jobs; j->name != NULL; j++)
		fprintf(f, "  %-10s %s\n", j->name, j->doc);
}

static int s_size(const char *arg, const char *name, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-') {
		fprintf(stderr, "maskclean-mpi: --%s %s: expected a whole number >= 0\n", name, arg);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static int s_real(const char *arg, const char *name, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0') {
		fprintf(stderr, "maskclean-mpi: --%s %s: expected a number\n", name, arg);
		return -1;
	}
	return 0;
}

/* Parses argv into o; returns the job or NULL (printed). */
static const mc_job *s_parse(int argc, char **argv, mc_opts *o)
{
	static const struct option opts[] = {
		{ "features", required_argument, NULL, 'f' }, { "labels", required_argument, NULL, 'l' },
		{ "weights", required_argument, NULL, 'w' }, { "manifest", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' }, { "model", required_argument, NULL, 'M' },
		{ "progress", no_argument, NULL, 'p' }, { "scores", no_argument, NULL, 's' },
		{ "n-components", required_argument, NULL, 'k' },
		{ "chunk-rows", required_argument, NULL, 'r' }, { "C", required_argument, NULL, 'C' },
		{ "tol", required_argument, NULL, 't' }, { "max-iter", required_argument, NULL, 'i' },
		{ "n-classes", required_argument, NULL, 'K' },
		{ "class-weight", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ "optimized-for", required_argument, NULL, 'O' },
		{ "basis", required_argument, NULL, 'B' },
		{ "chunk-size", required_argument, NULL, 'S' },
		{ "coreset-size", required_argument, NULL, 'Z' },
		{ "seed", required_argument, NULL, 'e' }, { "folds", required_argument, NULL, 'F' },
		{ "groups", required_argument, NULL, 'G' },
		{ "split-rows", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const mc_job *job = NULL;
	int ch, bad = 0;

	memset(o, 0, sizeof *o);
	o->C = 1.0;
	o->tol = 1e-4;
	o->max_iter = 100;
	o->folds = 5;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': o->features = optarg; break;
		case 'l': o->labels = optarg; break;
		case 'w': o->weights = optarg; break;
		case 'm': o->manifest = optarg; break;
		case 'o': o->out = optarg; break;
		case 'M': o->model = optarg; break;
		case 'p': o->progress = 1; break;
		case 's': o->scores = 1; break;
		case 'k': bad |= s_size(optarg, "n-components", &o->n_components); break;
		case 'r': bad |= s_size(optarg, "chunk-rows", &o->chunk_rows); break;
		case 'C': bad |= s_real(optarg, "C", &o->C); break;
		case 't': bad |= s_real(optarg, "tol", &o->tol); break;
		case 'i': bad |= s_size(optarg, "max-iter", &o->max_iter); break;
		case 'K': bad |= s_size(optarg, "n-classes", &o->n_classes); break;
		case 'c': o->class_weight = optarg; break;
		case 'O': o->optimized_for = optarg; break;
		case 'B': o->basis = optarg; break;
		case 'S': bad |= s_size(optarg, "chunk-size", &o->chunk_size); break;
		case 'Z': bad |= s_size(optarg, "coreset-size", &o->coreset_size); break;
		case 'e': bad |= s_size(optarg, "seed", &o->seed); break;
		case 'F': bad |= s_size(optarg, "folds", &o->folds); break;
		case 'G': o->groups = optarg; break;
		case 'R': bad |= s_size(optarg, "split-rows", &o->split_rows); break;
		case 'h': s_usage(stdout); return NULL;
		default: bad = 1; break;
		}
	}
	if (optind < argc)
		for (job = mc_jobs; job->name != NULL && strcmp(job->name, argv[optind]) != 0; job++)
			;
	if (job == NULL || job->name == NULL) {
		fprintf(stderr, "maskclean-mpi: %s%s\n", optind < argc ? "unknown job " : "no job",
		        optind < argc ? argv[optind] : "");
		bad = 1;
	} else if (optind + 1 < argc) {
		fprintf(stderr, "maskclean-mpi: unexpected argument %s\n", argv[optind + 1]);
		bad = 1;
	}
	if (!bad && ((o->features == NULL) == (o->manifest == NULL) || o->out == NULL)) {
		fprintf(stderr, "maskclean-mpi: give --features or --manifest (one of them), and "
		        "--out\n");
		bad = 1;
	}
	if (!bad && o->manifest != NULL && (o->labels != NULL || o->weights != NULL)) {
		fprintf(stderr, "maskclean-mpi: with --manifest, labels and weights come from it\n");
		bad = 1;
	}
	if (bad) {
		s_usage(stderr);
		return NULL;
	}
	return job;
}

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Rank 0 writes stats.json: the job, its size and time, each rank's bytes. */
static int s_stats(mc_comm *c, const char *job, const mc_shards *sh, const char *out,
                   double seconds, mc_error *err)
{
	uint64_t mine[2] = { c->sent, c->received }, *all = NULL;
	char path[PATH_MAX], *text = NULL;
	size_t o = 0, cap;
	int rc;

	all = calloc(2 * (size_t)c->size, sizeof *all);
	cap = 256 + 48 * (size_t)c->size;
	text = malloc(cap);
	rc = mc_comm_agree(c, all == NULL || text == NULL ? MC_ERR_NOMEM : 0, err);
	if (rc == 0)
		rc = mc_comm_gather(c, mine, all, sizeof mine, err);
	if (rc == 0 && c->rank == 0) {
		o += (size_t)snprintf(text + o, cap - o, "{\"job\": \"%s\", \"ranks\": %d, "
		                      "\"rows\": %zu, \"cols\": %zu, \"seconds\": %.3f, "
		                      "\"bytes_sent\": [", job, c->size, sh->n, sh->d, seconds);
		for (int r = 0; r < c->size; r++)
			o += (size_t)snprintf(text + o, cap - o, "%s%llu", r ? ", " : "",
			                      (unsigned long long)all[2 * r]);
		o += (size_t)snprintf(text + o, cap - o, "], \"bytes_received\": [");
		for (int r = 0; r < c->size; r++)
			o += (size_t)snprintf(text + o, cap - o, "%s%llu", r ? ", " : "",
			                      (unsigned long long)all[2 * r + 1]);
		o += (size_t)snprintf(text + o, cap - o, "]}\n");
		if ((size_t)snprintf(path, sizeof path, "%s/%s", out, MC_JOB_STATS) >= sizeof path)
			rc = mc_error_set(err, MC_ERR_INVALID, "%s: path too long", out);
		else
			rc = mc_write_file_atomic(path, text, o, err);
	}
	free(all);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	mc_comm c;
	mc_opts o;
	mc_shards sh;
	mc_error err;
	const mc_job *job;
	int64_t d;
	double t0;
	int rc = 0;

	memset(&sh, 0, sizeof sh);
	mc_error_clear(&err);
	job = s_parse(argc, argv, &o);
	if (job == NULL)
		return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	if (mc_comm_init(&c, &argc, &argv, o.progress ? stdout : NULL) != 0)
		return 1;
	t0 = s_now();
	if (c.rank == 0 && mkdir(o.out, 0777) != 0 && errno != EEXIST)
		rc = mc_error_set(&err, MC_ERR_IO, "%s: cannot create the folder: %s", o.out,
		                  strerror(errno));
	if (rc == 0)
		rc = mc_shards_open(&sh, o.manifest, o.features, o.labels, o.weights,
		                    (size_t)c.rank, (size_t)c.size, job->unit, &o, &err);
	rc = mc_comm_agree(&c, rc, &err);
	/* every rank knows d from its files; ranks without rows learn it */
	d = rc == 0 ? (int64_t)sh.d : 0;
	if (rc == 0)
		rc = mc_comm_max(&c, &d, &err);
	if (rc == 0 && sh.rows > 0 && (int64_t)sh.d != d)
		rc = mc_error_set(&err, MC_ERR_SHAPE, "%s: %zu columns; other shards have %lld",
		                  sh.shard[sh.first].features, sh.d, (long long)d);
	rc = mc_comm_agree(&c, rc, &err);
	if (rc == 0 && d == 0)
		rc = mc_error_set(&err, MC_ERR_SHAPE, "the data has no rows or no columns");
	if (rc == 0) {
		sh.d = (size_t)d;
		rc = job->run(&c, &o, &sh, &err);
	}
	if (rc == 0)
		rc = s_stats(&c, job->name, &sh, o.out, s_now() - t0, &err);
	if (rc != 0 && !mc_comm_echo(&err))
		fprintf(stderr, MC_JOB_ERROR "%d: %s: %s\n", c.rank, mc_error_name(err.code), err.text);
	mc_shards_free(&sh);
	mc_comm_finish(&c);
	return rc != 0 ? 1 : 0;
}
