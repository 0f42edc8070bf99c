/* This module implements the list of function tables (registry.h) and the
 * lookup of an entry by name, through an index built on first use. */
#include "registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const mc_area mc_registry[] = {
	{ .title = "Core", .funcs = mc_funcs_core, .keeps_ranges = 1 },
	{ .title = "Core", .funcs = mc_funcs_array, .keeps_ranges = 1 },
	{ .title = "Core", .funcs = mc_funcs_run },
	{ .title = "Data", .funcs = mc_funcs_data },
	{ .title = "Masks and images", .funcs = mc_funcs_mask },
	{ .title = "Embeddings", .funcs = mc_funcs_embed },
	{ .title = "Learning", .funcs = mc_funcs_learn },
	{ .title = "Coreset", .funcs = mc_funcs_coreset },
	{ .title = "Review", .funcs = mc_funcs_review },
	{ .title = "Rendering", .funcs = mc_funcs_render },
	{ .title = "Clusters (MPI)", .funcs = mc_funcs_mpi },
	{ .title = NULL }
};

#define S_NAREAS (sizeof mc_registry / sizeof mc_registry[0] - 1)

/* Open addressing over the entries' names (the tables are constant), and
 * the number of entries of each area. */
static size_t s_len[S_NAREAS];
static const mc_func_def **s_index;
static size_t s_mask;
static int s_built, s_failed;

static uint64_t s_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void s_build(void)
{
	size_t t, n = 0, size = 16;
	const mc_func_def *d;

	s_built = 1;
	for (t = 0; mc_registry[t].title != NULL; t++) {
		for (d = mc_registry[t].funcs; d->name != NULL; d++)
			s_len[t]++;
		n += s_len[t];
	}
	while (size < 2 * n)
		size *= 2;
	s_index = calloc(size, sizeof *s_index);
	if (s_index == NULL) {
		s_failed = 1;
		return;
	}
	s_mask = size - 1;
	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++) {
			size_t i = (size_t)s_hash(d->name) & s_mask;

			while (s_index[i] != NULL && strcmp(s_index[i]->name, d->name) != 0)
				i = (i + 1) & s_mask;
			if (s_index[i] == NULL)   /* the first entry of a name wins */
				s_index[i] = d;
		}
}

const mc_func_def *mc_registry_find(const char *name)
{
	size_t t, i;
	const mc_func_def *d;

	if (name == NULL)
		return NULL;
	if (!s_built)
		s_build();
	if (!s_failed) {
		for (i = (size_t)s_hash(name) & s_mask; s_index[i] != NULL; i = (i + 1) & s_mask)
			if (strcmp(s_index[i]->name, name) == 0)
				return s_index[i];
		return NULL;
	}
	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++)
			if (strcmp(d->name, name) == 0)
				return d;
	return NULL;
}

const mc_area *mc_registry_area(const mc_func_def *def)
{
	size_t t;

	if (!s_built)
		s_build();
	for (t = 0; t < S_NAREAS; t++)
		if (def >= mc_registry[t].funcs && def < mc_registry[t].funcs + s_len[t])
			return &mc_registry[t];
	return NULL;
}
