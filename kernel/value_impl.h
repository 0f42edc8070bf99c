/* The layout of a value, private to value.c, dict.c and gc.c.
 *
 * Containers (lists, dicts, functions) are allocated with an mc_gc_head
 * just before the value: the cycle collector (gc.c) keeps them on one list
 * and finds the groups that only reference each other. */
#ifndef MASKCLEAN_VALUE_IMPL_H
#define MASKCLEAN_VALUE_IMPL_H

#include <stdint.h>

#include "lang.h"
#include "value.h"

/* One entry of a dict, in insertion order; key NULL marks a deleted entry. */
typedef struct mc_dentry {
	mc_value *key, *val;
	uint64_t hash;
} mc_dentry;

/* An insertion-ordered hash table (the layout of CPython's compact dict):
 * entries in order, and an open-addressing index of entry numbers. */
typedef struct mc_dict_impl {
	mc_dentry *e;
	size_t n;        /* entries used, deleted ones included */
	size_t live;     /* entries that hold a key */
	size_t cap;      /* entries allocated */
	uint32_t *index; /* 0 empty, S_DUMMY deleted, else entry number + 1 */
	size_t mask;     /* index size - 1 (a power of two) */
	size_t fill;     /* index slots not empty (deleted ones included) */
	uint64_t version;   /* changes when a key is added or removed */
} mc_dict_impl;

struct mc_value {
	long refs;
	mc_vtype type;
	union {
		int b;
		int64_t i;
		double f;
		struct { char *s; size_t n; uint64_t hash; int hashed; } str;
		struct { mc_value **items; size_t n, cap; } list;
		mc_dict_impl dict;
		struct { mc_dtype dtype; size_t rows, cols; void *data; int mask; } arr;
		struct { const mc_func_def *def; mc_value *self; mc_userfn *user; } fn;
		struct { const mc_class *cls; void *ptr; } obj;
		struct { int64_t start, stop, step; uint64_t len; } range;
	} u;
};

/* The header of a container, just before it in memory. */
typedef struct mc_gc_head {
	struct mc_gc_head *prev, *next;
	intptr_t gc_refs;
} mc_gc_head;

#define MC_GC_HEAD(v) ((mc_gc_head *)(v) - 1)
#define MC_GC_VALUE(h) ((mc_value *)((mc_gc_head *)(h) + 1))

static inline int mc_is_container(const mc_value *v)
{
	return v->type == MC_T_LIST || v->type == MC_T_DICT || v->type == MC_T_FUNC;
}

/* value.c: a new value of type t (refs 1, zeroed; containers tracked). */
mc_value *mc_value_alloc(mc_vtype t);

/* gc.c: links a new container into the collector's list, or unlinks it. */
void mc_gc_track(mc_value *v);
void mc_gc_untrack(mc_value *v);

/* value.c: calls visit on every value v holds (containers only). */
void mc_value_traverse(mc_value *v, void (*visit)(mc_value *child, void *arg), void *arg);
/* value.c: drops every value v holds (breaks a cycle). */
void mc_value_clear(mc_value *v);

/* dict.c: releases the table's memory and its keys and values. */
void mc_dict_release(mc_dict_impl *d);

#endif
