/* This module implements the process-wide input limits of maskclean/limits.h:
 * one table of names, defaults and ranges, and atomic current values. */
#include "maskclean/limits.h"

#include <stdio.h>
#include <string.h>

static const mc_limit_info s_limits[MC_LIMIT_COUNT_] = {
	[MC_LIMIT_IMAGE_PIXELS] = {
		"image_pixels", 178956970, 1, (uint64_t)1 << 32,
		"pixels (width x height) of an image decoded from a file or a mask made for "
		"it; the default is Pillow's (2 x MAX_IMAGE_PIXELS), about 512 MB as RGB" },
	[MC_LIMIT_JSON_DEPTH] = {
		"json_depth", 128, 1, 2048,
		"nesting of lists and objects in a JSON file (a COCO polygon sits 5 deep); "
		"at most 2048, Jansson's own limit" },
	[MC_LIMIT_STRING_BYTES] = {
		"string_bytes", (uint64_t)64 << 20, 1, (uint64_t)1 << 40,
		"bytes of one string read from a file: a file or class name, a compressed RLE" },
	[MC_LIMIT_LIST_LENGTH] = {
		"list_length", (uint64_t)1 << 26, 1, (uint64_t)1 << 40,
		"elements of one list read from a file: the RLE counts or polygon numbers of "
		"one annotation" },
	[MC_LIMIT_POLYGON_POINTS] = {
		"polygon_points", 100000, 3, (uint64_t)1 << 28,
		"points of one polygon of a segmentation (COCO's largest have a few thousand)" },
	[MC_LIMIT_COORDINATE] = {
		"coordinate", 10000000, 1, 400000000,
		"|x| and |y| of a polygon point, in pixels (at most 4e8: COCO's rasteriser "
		"works on 5x integer coordinates)" },
};

static uint64_t s_value[MC_LIMIT_COUNT_];
static int s_init;   /* 0 until the first use puts the defaults in */

static void s_defaults(void)
{
	for (int i = 0; i < MC_LIMIT_COUNT_; i++)
		__atomic_store_n(&s_value[i], s_limits[i].dflt, __ATOMIC_RELAXED);
	__atomic_store_n(&s_init, 1, __ATOMIC_RELEASE);
}

const mc_limit_info *mc_limit_info_of(mc_limit_id id)
{
	return &s_limits[id];
}

uint64_t mc_limit(mc_limit_id id)
{
	if (!__atomic_load_n(&s_init, __ATOMIC_ACQUIRE))
		return s_limits[id].dflt;
	return __atomic_load_n(&s_value[id], __ATOMIC_RELAXED);
}

int mc_limit_set(mc_limit_id id, uint64_t value, mc_error *err)
{
	const mc_limit_info *li = &s_limits[id];

	if (value < li->min || value > li->max)
		return mc_error_set(err, MC_ERR_INVALID, "set_limit(): %s must be %llu..%llu, got "
		                    "%llu", li->name, (unsigned long long)li->min,
		                    (unsigned long long)li->max, (unsigned long long)value);
	if (!__atomic_load_n(&s_init, __ATOMIC_ACQUIRE))
		s_defaults();
	__atomic_store_n(&s_value[id], value, __ATOMIC_RELAXED);
	return 0;
}

void mc_limit_reset(void)
{
	s_defaults();
}

int mc_limit_find(mc_limit_id *out, const char *name, mc_error *err)
{
	char names[256];
	size_t used = 0;

	for (int i = 0; i < MC_LIMIT_COUNT_; i++)
		if (strcmp(s_limits[i].name, name) == 0) {
			*out = (mc_limit_id)i;
			return 0;
		}
	names[0] = '\0';
	for (int i = 0; i < MC_LIMIT_COUNT_ && used < sizeof names; i++)
		used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
		                         s_limits[i].name);
	return mc_error_set(err, MC_ERR_NOTFOUND, "unknown limit '%s'; limits are: %s", name,
	                    names);
}

int mc_limit_check(mc_limit_id id, uint64_t value, const char *what, mc_error *err)
{
	uint64_t limit = mc_limit(id);
	const char *name = s_limits[id].name;

	if (value <= limit)
		return 0;
	return mc_error_set(err, MC_ERR_INVALID, "%s, above the limit of %llu (%s; raise it with "
	                    "set_limit(\"%s\", n))", what, (unsigned long long)limit, name, name);
}
