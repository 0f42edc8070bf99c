/* The layout of mc_coreset and the helpers shared by runtime/coreset.c (the
 * service: importance, tree, queries, updates) and runtime/coreset_io.c
 * (save and load). Not a public header. */
#ifndef MC_CORESET_INTERNAL_H
#define MC_CORESET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "maskclean/coreset.h"
#include "maskclean/rank.h"

#define MC_CS_MAX_LABEL 10000000

/* A node of the tree: a weighted coreset, sorted by sample index. */
typedef struct mc_cs_node {
	size_t m;
	size_t *idx;
	double *w;
	/* Internal nodes remember the union they were reduced from, sorted by
	 * (class, index), with its importances: a later reduce reuses the
	 * blocks of classes whose rows and weights did not change. Not saved. */
	size_t un;
	size_t *u_id;
	int64_t *u_cls;
	double *u_w, *u_s;
} mc_cs_node;

/* Levels of nodes: lv[0] are the leaves (one per chunk), lv[n_levels-1]
 * holds the root. Node j of level k merges nodes 2j and 2j+1 of level k-1
 * (or copies 2j when it has no partner). */
typedef struct mc_cs_tree {
	size_t n_levels;
	size_t *len;
	mc_cs_node ***lv;
} mc_cs_tree;

/* Chunk j holds the feature rows [j*chunk, j*chunk + n). */
typedef struct mc_cs_chunk {
	size_t n;
	double *X;
} mc_cs_chunk;

struct mc_coreset {
	mc_coreset_params p;
	size_t n, cap, d, K;
	size_t chunk;            /* rows per chunk in use */
	size_t csize;            /* samples per node in use */
	mc_cs_chunk *chunks;
	size_t n_chunks;
	int64_t *y;
	double *w;
	double *sens;            /* leaf-level importance */
	unsigned char *seen;
	mc_cs_tree tree;
	/* Updates recompute leaf importances at once but leave the tree to the
	 * next reader (mc_cs_ensure_tree): stale[j] marks the leaves whose
	 * importances changed since the tree was built. */
	unsigned char *stale;
	size_t stale_len;
	mc_rank *rank;           /* cached scores of the ranking methods */
	int64_t *groups;         /* optional fold groups of the model scores (n) */
	size_t n_groups;
	size_t work_blocks, work_nodes;
	char **names;            /* optional class names, by class index */
	size_t n_names;
};

/* Frees a node; nd may be NULL. */
void mc_cs_node_free(mc_cs_node *nd);

/* Frees the n class names and their array; names may be NULL. */
void mc_cs_names_free(char **names, size_t n);

/* Brings the tree up to date with the leaves' importances (after updates). */
int mc_cs_ensure_tree(mc_coreset *cs, const mc_progress *progress, mc_error *err);

#endif
