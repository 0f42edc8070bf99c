/* This module implements the cycle collector of the command language
 * (lang.h), after CPython's gcmodule: reference counting frees most values
 * at once; the containers (lists, dicts, functions) also sit on one list,
 * and a collection finds the groups that are referenced only from inside
 * themselves (a = [1]; a.append(a)) and frees them.
 *
 * A collection: every container's gc_refs starts at its reference count;
 * each reference from one container to another is subtracted; containers
 * left above zero are referenced from outside (a variable, the C stack) and
 * everything they reach is alive; the rest is garbage. Its containers are
 * cleared, which breaks the cycles, and reference counting frees them. No
 * step recurses. The interpreter collects at statement boundaries once
 * enough containers were made since the last time, and when a session
 * ends. */
#include "value_impl.h"

#include <stdlib.h>

static mc_gc_head s_all = { &s_all, &s_all, 0 };
static size_t s_count;          /* containers alive */
static size_t s_made;           /* containers made since the last collection */
static size_t s_after_last;     /* containers alive after the last collection */

#define S_MIN_BATCH 10000
#define S_REACHABLE (-1)

void mc_gc_track(mc_value *v)
{
	mc_gc_head *h = MC_GC_HEAD(v);

	h->next = &s_all;
	h->prev = s_all.prev;
	s_all.prev->next = h;
	s_all.prev = h;
	s_count++;
	s_made++;
}

void mc_gc_untrack(mc_value *v)
{
	mc_gc_head *h = MC_GC_HEAD(v);

	if (h->prev == NULL)
		return;
	h->prev->next = h->next;
	h->next->prev = h->prev;
	h->prev = h->next = NULL;
	s_count--;
}

size_t mc_gc_tracked(void)
{
	return s_count;
}

int mc_gc_due(void)
{
	size_t batch = s_after_last > S_MIN_BATCH ? s_after_last : S_MIN_BATCH;

	return s_made >= batch;
}

static void s_subtract(mc_value *child, void *arg)
{
	(void)arg;
	if (mc_is_container(child))
		MC_GC_HEAD(child)->gc_refs--;
}

typedef struct s_work {
	mc_value **v;
	size_t n;
} s_work;

static void s_reach(mc_value *child, void *arg)
{
	s_work *w = arg;
	mc_gc_head *h;

	if (!mc_is_container(child))
		return;
	h = MC_GC_HEAD(child);
	if (h->gc_refs != S_REACHABLE) {
		h->gc_refs = S_REACHABLE;
		w->v[w->n++] = child;
	}
}

size_t mc_gc_collect(void)
{
	mc_gc_head *h;
	s_work w;
	size_t i, k, ngarbage = 0;
	mc_value **garbage;

	s_made = 0;
	if (s_count == 0)
		return 0;
	w.v = malloc(s_count * sizeof *w.v);
	if (w.v == NULL)
		return 0;
	w.n = 0;
	for (h = s_all.next; h != &s_all; h = h->next)
		h->gc_refs = MC_GC_VALUE(h)->refs;
	for (h = s_all.next; h != &s_all; h = h->next)
		mc_value_traverse(MC_GC_VALUE(h), s_subtract, NULL);
	/* referenced from outside: alive, with everything they reach */
	for (h = s_all.next; h != &s_all; h = h->next)
		if (h->gc_refs > 0) {
			h->gc_refs = S_REACHABLE;
			w.v[w.n++] = MC_GC_VALUE(h);
		}
	for (i = 0; i < w.n; i++)
		mc_value_traverse(w.v[i], s_reach, &w);
	/* the rest is garbage: hold it, clear it, let go */
	garbage = w.v;
	for (h = s_all.next; h != &s_all; h = h->next)
		if (h->gc_refs != S_REACHABLE)
			garbage[ngarbage++] = MC_GC_VALUE(h);
	for (k = 0; k < ngarbage; k++)
		mc_ref(garbage[k]);
	for (k = 0; k < ngarbage; k++)
		mc_value_clear(garbage[k]);
	for (k = 0; k < ngarbage; k++)
		mc_unref(garbage[k]);
	free(garbage);
	s_after_last = s_count;
	s_made = 0;
	return ngarbage;
}
