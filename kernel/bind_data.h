/* The Dataset class of the command language, for other areas' bindings.
 *
 * A Dataset value wraps an mc_coco (include/maskclean/coco.h): its object
 * pointer IS the mc_coco *, borrowed while the value lives. Methods of other
 * areas ("Dataset.mask", "Dataset.instance") take it with
 *     const mc_coco *ds = mc_call_self_ptr(call);
 * and functions taking a dataset argument with
 *     mc_arg_obj(call, "ds", &mc_dataset_class, &ptr, err). */
#ifndef MASKCLEAN_BIND_DATA_H
#define MASKCLEAN_BIND_DATA_H

#include "value.h"

extern const mc_class mc_dataset_class;

#endif
