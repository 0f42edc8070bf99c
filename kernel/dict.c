/* This module implements the dicts of the command language (value.h,
 * lang.h): insertion-ordered hash tables laid out as CPython's compact
 * dict, an array of entries in order and an open-addressing index of entry
 * numbers. Keys hash with SipHash (libsodium's crypto_shorthash) under a
 * key drawn once per process, so a file full of crafted keys cannot turn
 * lookups quadratic. Numbers that are equal hash equal (1, 1.0, True). */
#include "value_impl.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#define S_EMPTY 0u
#define S_DUMMY UINT32_MAX
#define S_MAX_ENTRIES (UINT32_MAX - 2u)

static unsigned char s_key[crypto_shorthash_KEYBYTES];
static int s_key_ready;

static uint64_t s_siphash(const void *data, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	if (!s_key_ready) {
		if (sodium_init() < 0)
			memset(s_key, 0x5a, sizeof s_key);   /* no entropy: still a hash table */
		else
			randombytes_buf(s_key, sizeof s_key);
		s_key_ready = 1;
	}
	crypto_shorthash(out, data, n, s_key);
	memcpy(&h, out, sizeof h);
	return h;
}

int mc_value_hashable(const mc_value *v)
{
	switch (mc_type(v)) {
	case MC_T_NONE:
	case MC_T_BOOL:
	case MC_T_INT:
	case MC_T_FLOAT:
	case MC_T_STR:
		return 1;
	default:
		return 0;
	}
}

static uint64_t s_hash_int(int64_t i)
{
	unsigned char b[9];

	b[0] = 'i';
	memcpy(b + 1, &i, sizeof i);
	return s_siphash(b, sizeof b);
}

/* The hash of a hashable key (the caller checked). */
static uint64_t s_hash(mc_value *k)
{
	switch (k->type) {
	case MC_T_STR:
		if (!k->u.str.hashed) {
			k->u.str.hash = s_siphash(k->u.str.s, k->u.str.n);
			k->u.str.hashed = 1;
		}
		return k->u.str.hash;
	case MC_T_BOOL:
		return s_hash_int(k->u.b);
	case MC_T_INT:
		return s_hash_int(k->u.i);
	case MC_T_FLOAT: {
		double f = k->u.f;
		unsigned char b[9];

		if (f == floor(f) && f >= -9.2233720368547758e18 && f < 9.2233720368547758e18)
			return s_hash_int((int64_t)f);
		if (f == 0.0)
			f = 0.0;   /* -0.0 == 0.0 */
		b[0] = 'f';
		memcpy(b + 1, &f, sizeof f);
		return s_siphash(b, sizeof b);
	}
	default:
		return 0x9e3779b97f4a7c15ULL;   /* None */
	}
}

static int s_is_num(const mc_value *v)
{
	return v->type == MC_T_INT || v->type == MC_T_BOOL || v->type == MC_T_FLOAT;
}

static int s_key_equal(const mc_value *a, const mc_value *b)
{
	if (a == b)
		return 1;
	if (a->type == MC_T_STR && b->type == MC_T_STR)
		return a->u.str.n == b->u.str.n && memcmp(a->u.str.s, b->u.str.s, a->u.str.n) == 0;
	if (s_is_num(a) && s_is_num(b))
		return mc_value_equal(a, b);
	return a->type == MC_T_NONE && b->type == MC_T_NONE;
}

mc_value *mc_dict_new(void)
{
	return mc_value_alloc(MC_T_DICT);
}

size_t mc_dict_len(const mc_value *v)
{
	return mc_type(v) == MC_T_DICT ? v->u.dict.live : 0;
}

uint64_t mc_dict_version(const mc_value *d)
{
	return mc_type(d) == MC_T_DICT ? d->u.dict.version : 0;
}

void mc_dict_release(mc_dict_impl *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->e[i].key != NULL) {
			mc_unref(d->e[i].key);
			mc_unref(d->e[i].val);
		}
	free(d->e);
	free(d->index);
	d->e = NULL;
	d->index = NULL;
	d->n = d->live = d->cap = d->fill = 0;
	d->mask = 0;
	d->version++;
}

/* Whether an entry's key is key, or (key NULL) the str of bytes str[0..n). */
static int s_entry_is(const mc_value *ekey, const mc_value *key, const char *str, size_t n)
{
	if (key != NULL)
		return s_key_equal(ekey, key);
	return ekey->type == MC_T_STR && ekey->u.str.n == n && memcmp(ekey->u.str.s, str, n) == 0;
}

/* The index slot for a key (or, key NULL, for the str str[0..n)): the slot
 * holding it, or (found = 0) the first free slot on its probe sequence. */
static size_t s_probe_key(const mc_dict_impl *d, const mc_value *key, const char *str, size_t n,
                          uint64_t h, int *found)
{
	size_t i = (size_t)h & d->mask, free_slot = (size_t)-1;
	uint64_t perturb = h;

	*found = 0;
	for (;;) {
		uint32_t ix = d->index[i];

		if (ix == S_EMPTY)
			return free_slot != (size_t)-1 ? free_slot : i;
		if (ix == S_DUMMY) {
			if (free_slot == (size_t)-1)
				free_slot = i;
		} else {
			const mc_dentry *e = &d->e[ix - 1];

			if (e->hash == h && s_entry_is(e->key, key, str, n)) {
				*found = 1;
				return i;
			}
		}
		perturb >>= 5;
		i = (i * 5 + (size_t)perturb + 1) & d->mask;
	}
}

static size_t s_probe(const mc_dict_impl *d, const mc_value *key, uint64_t h, int *found)
{
	return s_probe_key(d, key, NULL, 0, h, found);
}

/* Rebuilds the index for at least want entries, dropping deleted ones. */
static int s_rebuild(mc_dict_impl *d, size_t want)
{
	size_t size = 8, i, o = 0;
	uint32_t *index;

	while (size < want + want / 2 + 1)
		size *= 2;
	index = calloc(size, sizeof *index);
	if (index == NULL)
		return MC_ERR_NOMEM;
	for (i = 0; i < d->n; i++)
		if (d->e[i].key != NULL)
			d->e[o++] = d->e[i];
	d->n = o;
	free(d->index);
	d->index = index;
	d->mask = size - 1;
	d->fill = o;
	for (i = 0; i < d->n; i++) {
		size_t s = (size_t)d->e[i].hash & d->mask;
		uint64_t perturb = d->e[i].hash;

		while (d->index[s] != S_EMPTY) {
			perturb >>= 5;
			s = (s * 5 + (size_t)perturb + 1) & d->mask;
		}
		d->index[s] = (uint32_t)(i + 1);
	}
	return 0;
}

/* Entries in order again (after deletions), for positional access. */
static void s_compact(mc_value *v)
{
	mc_dict_impl *d = &v->u.dict;

	if (d->n != d->live)
		s_rebuild(d, d->live);
}

mc_value *mc_dict_key(mc_value *v, size_t i)
{
	if (mc_type(v) != MC_T_DICT || i >= v->u.dict.live)
		return NULL;
	s_compact(v);
	return v->u.dict.e[i].key;
}

mc_value *mc_dict_value(mc_value *v, size_t i)
{
	if (mc_type(v) != MC_T_DICT || i >= v->u.dict.live)
		return NULL;
	s_compact(v);
	return v->u.dict.e[i].val;
}

mc_value *mc_dict_lookup(const mc_value *v, mc_value *key)
{
	const mc_dict_impl *d;
	size_t slot;
	int found;

	if (mc_type(v) != MC_T_DICT || key == NULL || !mc_value_hashable(key) || v->u.dict.live == 0)
		return NULL;
	d = &v->u.dict;
	slot = s_probe(d, key, s_hash(key), &found);
	return found ? d->e[d->index[slot] - 1].val : NULL;
}

uint64_t mc_str_hash(const char *s, size_t n)
{
	return s_siphash(s, n);
}

mc_value *mc_dict_get_h(const mc_value *v, const char *key, size_t n, uint64_t hash)
{
	const mc_dict_impl *d;
	size_t slot;
	int found;

	if (mc_type(v) != MC_T_DICT || v->u.dict.live == 0)
		return NULL;
	d = &v->u.dict;
	slot = s_probe_key(d, NULL, key, n, hash, &found);
	return found ? d->e[d->index[slot] - 1].val : NULL;
}

mc_value *mc_dict_get_n(const mc_value *v, const char *key, size_t n)
{
	if (mc_type(v) != MC_T_DICT || key == NULL || v->u.dict.live == 0)
		return NULL;
	return mc_dict_get_h(v, key, n, s_siphash(key, n));
}

mc_value *mc_dict_get(const mc_value *v, const char *key)
{
	return key != NULL ? mc_dict_get_n(v, key, strlen(key)) : NULL;
}

int mc_dict_set(mc_value *dict, mc_value *key, mc_value *item)
{
	mc_dict_impl *d;
	size_t slot;
	int found;
	uint64_t h;

	if (item == NULL)
		return MC_ERR_NOMEM;
	if (mc_type(dict) != MC_T_DICT || key == NULL || !mc_value_hashable(key)) {
		mc_unref(item);
		return MC_ERR_TYPE;
	}
	d = &dict->u.dict;
	h = s_hash(key);
	if (d->index != NULL) {
		slot = s_probe(d, key, h, &found);
		if (found) {
			mc_dentry *e = &d->e[d->index[slot] - 1];
			mc_value *old = e->val;

			e->val = item;
			mc_unref(old);
			return 0;
		}
	}
	if (d->live >= S_MAX_ENTRIES) {
		mc_unref(item);
		return MC_ERR_NOMEM;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		mc_dentry *e;

		if (d->n > d->live * 2 && d->live > 0) {
			/* mostly deleted entries: compact instead of growing */
			if (s_rebuild(d, d->live + 1) != 0) {
				mc_unref(item);
				return MC_ERR_NOMEM;
			}
			cap = d->cap;
		}
		if (d->n == d->cap) {
			e = realloc(d->e, cap * sizeof *e);
			if (e == NULL) {
				mc_unref(item);
				return MC_ERR_NOMEM;
			}
			d->e = e;
			d->cap = cap;
		}
	}
	if (d->index == NULL || (d->fill + 1) * 3 > (d->mask + 1) * 2) {
		if (s_rebuild(d, d->live + 1) != 0) {
			mc_unref(item);
			return MC_ERR_NOMEM;
		}
	}
	slot = s_probe(d, key, h, &found);
	if (d->index[slot] == S_EMPTY)
		d->fill++;
	d->e[d->n].key = mc_ref(key);
	d->e[d->n].val = item;
	d->e[d->n].hash = h;
	d->n++;
	d->live++;
	d->index[slot] = (uint32_t)d->n;
	d->version++;
	return 0;
}

int mc_dict_set_str(mc_value *dict, const char *key, mc_value *item)
{
	mc_value *k = mc_str(key);
	int rc;

	if (k == NULL) {
		mc_unref(item);
		return MC_ERR_NOMEM;
	}
	rc = mc_dict_set(dict, k, item);
	mc_unref(k);
	return rc;
}

mc_value *mc_dict_copy(const mc_value *dict)
{
	mc_value *d = mc_dict_new();
	size_t i;

	for (i = 0; d != NULL && i < dict->u.dict.n; i++)
		if (dict->u.dict.e[i].key != NULL &&
		    mc_dict_set(d, dict->u.dict.e[i].key, mc_ref(dict->u.dict.e[i].val)) != 0) {
			mc_unref(d);
			d = NULL;
		}
	return d;
}

int mc_dict_del(mc_value *dict, mc_value *key)
{
	mc_dict_impl *d;
	size_t slot;
	int found;
	mc_dentry *e;
	mc_value *k, *v;

	if (mc_type(dict) != MC_T_DICT || key == NULL || !mc_value_hashable(key) || dict->u.dict.live == 0)
		return MC_ERR_NOTFOUND;
	d = &dict->u.dict;
	slot = s_probe(d, key, s_hash(key), &found);
	if (!found)
		return MC_ERR_NOTFOUND;
	e = &d->e[d->index[slot] - 1];
	k = e->key;
	v = e->val;
	e->key = e->val = NULL;
	d->index[slot] = S_DUMMY;
	d->live--;
	d->version++;
	/* trailing deleted entries can be reused at once (no slot points there) */
	while (d->n > 0 && d->e[d->n - 1].key == NULL)
		d->n--;
	if (d->live == 0) {
		d->n = 0;
		d->fill = 0;
		memset(d->index, 0, (d->mask + 1) * sizeof *d->index);
	}
	mc_unref(k);
	mc_unref(v);
	return 0;
}
