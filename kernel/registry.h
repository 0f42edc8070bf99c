/* The function table: one array of mc_func_def per area, listed here with
 * the area's title. Everything the language knows how to call is found
 * through this file. */
#ifndef MASKCLEAN_REGISTRY_H
#define MASKCLEAN_REGISTRY_H

#include "builtin.h"

extern const mc_func_def mc_funcs_core[];     /* kernel/bind_core.c: print, help, len, ... */
extern const mc_func_def mc_funcs_array[];    /* kernel/bind_array.c: array() and its methods */
extern const mc_func_def mc_funcs_run[];      /* kernel/bind_run.c: run(path) */
extern const mc_func_def mc_funcs_data[];     /* kernel/bind_data.c: COCO datasets, export */
extern const mc_func_def mc_funcs_mask[];     /* kernel/bind_mask.c: RLE, polygons, images */
extern const mc_func_def mc_funcs_embed[];    /* kernel/bind_embed.c: .npy, IDX, embeddings, demo data */
extern const mc_func_def mc_funcs_learn[];    /* kernel/bind_learn.c: PCA, LR, metrics */
extern const mc_func_def mc_funcs_coreset[];  /* kernel/bind_coreset.c: coreset service */
extern const mc_func_def mc_funcs_review[];   /* kernel/bind_review.c: review sessions */
extern const mc_func_def mc_funcs_render[];   /* kernel/bind_render.c: plots, views, tables */
extern const mc_func_def mc_funcs_mpi[];      /* kernel/bind_mpi.c: Cluster (mpi=) */

/* One area of the language: its title (the headings of help() and
 * docs/functions.md) and its table. Consecutive areas with the same title
 * show as one. */
typedef struct mc_area {
	const char *title;        /* "Core", "Data", ... */
	const mc_func_def *funcs;
	/* 1: the functions take a range argument as it is (range(10**9) costs
	 * nothing); 0: a range argument arrives as a list. */
	int keeps_ranges;
} mc_area;

/* Every area, in the order of help() and docs/functions.md; ended by an
 * entry whose title is NULL. */
extern const mc_area mc_registry[];

/* The area whose table holds def, or NULL. */
const mc_area *mc_registry_area(const mc_func_def *def);

/* The entry named name ("PCA", "PCA.fit"), or NULL. */
const mc_func_def *mc_registry_find(const char *name);

#endif
