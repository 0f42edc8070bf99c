/* This module implements the help texts of the command language (help(),
 * inspect's Shift-Tab), rendered from the function table: one entry, one
 * value with its attributes and methods, and the overview of every area. */
#include "registry.h"
#include "lang.h"

#include <stdlib.h>
#include <string.h>

typedef mc_text s_text;

static void s_add(s_text *t, const char *s)
{
	mc_text_puts(t, s);
}

static char *s_done(s_text *t)
{
	return mc_text_finish(t);
}

/* A table entry's signature in Python's spelling. */
static void s_add_signature(s_text *t, const mc_func_def *d)
{
	char *sig = mc_signature_pretty(d->signature);

	if (sig == NULL)
		t->oom = 1;
	else
		s_add(t, sig);
	free(sig);
}

static void s_add_entry_line(s_text *t, const mc_func_def *d, const char *shown_name)
{
	s_add(t, "  ");
	s_add(t, shown_name);
	s_add_signature(t, d);
	if (d->doc != NULL) {
		s_add(t, "\n      ");
		s_add(t, d->doc);
	}
	s_add(t, "\n");
}

/* Lists the methods "<prefix>.*" of the table. */
static void s_add_methods(s_text *t, const char *prefix)
{
	size_t plen = strlen(prefix), k;
	const mc_func_def *d;
	int any = 0;

	for (k = 0; mc_registry[k].title != NULL; k++)
		for (d = mc_registry[k].funcs; d->name != NULL; d++)
			if (strncmp(d->name, prefix, plen) == 0 && d->name[plen] == '.' &&
			    strncmp(d->name + plen + 1, "__", 2) != 0) {
				if (!any)
					s_add(t, "\nMethods:\n");
				any = 1;
				s_add_entry_line(t, d, d->name + plen + 1);
			}
}

/* Lists the rows of an attribute table: name and doc, names aligned. */
static void s_add_attributes(s_text *t, const mc_attr_def *attrs)
{
	const mc_attr_def *a;
	int width = 0;

	if (attrs == NULL || attrs->name == NULL)
		return;
	for (a = attrs; a->name != NULL; a++)
		if ((int)strlen(a->name) > width)
			width = (int)strlen(a->name);
	s_add(t, "\nAttributes:\n");
	for (a = attrs; a->name != NULL; a++)
		mc_text_printf(t, "  %-*s  %s\n", width, a->name, a->doc != NULL ? a->doc : "");
}

char *mc_help_for_def(const mc_func_def *def)
{
	s_text t = { 0 };

	s_add(&t, def->name);
	s_add_signature(&t, def);
	s_add(&t, "\n\n");
	if (def->doc != NULL) {
		s_add(&t, def->doc);
		s_add(&t, "\n");
	}
	if (def->long_doc != NULL && def->long_doc[0] != '\0') {
		s_add(&t, "\n");
		s_add(&t, def->long_doc);
		if (def->long_doc[strlen(def->long_doc) - 1] != '\n')
			s_add(&t, "\n");
	}
	/* a constructor: also list the methods of its objects */
	if (strchr(def->name, '.') == NULL)
		s_add_methods(&t, def->name);
	return s_done(&t);
}

/* Help of a function defined in the language: its signature and docstring. */
static char *s_help_userfn(const mc_userfn *u)
{
	s_text t = { 0 };

	s_add(&t, u->def->name);
	s_add(&t, u->def->sigtext);
	s_add(&t, "\n");
	if (u->def->doc != NULL && u->def->doc[0] != '\0') {
		s_add(&t, "\n");
		s_add(&t, u->def->doc);
		s_add(&t, "\n");
	}
	return s_done(&t);
}

char *mc_help_for_value(const mc_value *v)
{
	s_text t = { 0 };
	const mc_class *cls = mc_object_class(v);
	char *r;

	if (mc_userfn_of(v) != NULL)
		return s_help_userfn(mc_userfn_of(v));
	if (mc_type(v) == MC_T_FUNC)
		return mc_help_for_def(mc_func_def_of(v));
	s_add(&t, mc_type_name(v));
	s_add(&t, cls != NULL ? " object\n" : " value\n");
	r = mc_value_repr(v);
	if (r != NULL) {
		if (strlen(r) > 400)
			strcpy(r + 396, " ...");
		s_add(&t, "\n");
		s_add(&t, r);
		s_add(&t, "\n");
		free(r);
	}
	s_add_attributes(&t, mc_value_attrs(v));
	s_add_methods(&t, mc_value_method_prefix(v));
	return s_done(&t);
}

char *mc_help_overview(void)
{
	s_text t = { 0 };
	size_t k;
	const mc_func_def *d;
	const char *shown = NULL;   /* the title of the last heading */

	s_add(&t, "maskclean command language: Python's syntax for statements and expressions.\n"
	          "  x = load_coco(\"annotations.json\")   assignment; a, b = f() unpacks a list\n"
	          "  f(1, name=2)   calls with positional and keyword arguments\n"
	          "  obj.method()   obj.attribute   x[0]   x[-1]   x[1:3]   d[\"key\"]\n"
	          "  if / elif / else, while, for x in ..., break, continue, pass (blocks by indentation)\n"
	          "  def f(a, b=1, *args, **kw): ... return ...   lambda x: x + 1\n"
	          "  [x * 2 for x in xs if x > 0]   {k: v for k, v in d.items()}   f\"{auc:.3f}\"\n"
	          "  help(f) or help(obj) shows one function or object; dir(obj) lists its methods.\n"
	          "\nFunctions:\n");
	for (k = 0; mc_registry[k].title != NULL; k++)
		for (d = mc_registry[k].funcs; d->name != NULL; d++) {
			if (strchr(d->name, '.') != NULL)
				continue;
			if (shown == NULL || strcmp(shown, mc_registry[k].title) != 0) {
				shown = mc_registry[k].title;
				s_add(&t, "\n");
				s_add(&t, shown);
				s_add(&t, ":\n");
			}
			s_add_entry_line(&t, d, d->name);
		}
	return s_done(&t);
}

/* Help longer than this many lines goes to the front end's pager. */
#define HELP_PAGE_LINES 20

/* Shows help text: printed, or in the pager when it is long (markdown: also
 * as text/markdown). */
void mc_help_show(mc_call *call, const char *text, int markdown)
{
	size_t lines = 0;

	for (const char *p = text; *p != '\0'; p++)
		lines += *p == '\n';
	if (lines <= HELP_PAGE_LINES || call->io == NULL || call->io->payload == NULL) {
		mc_call_print(call, text);
		return;
	}
	mc_call_payload(call, json_pack("{s:s, s:{s:s, s:s*}, s:i}", "source", "page", "data",
	                                "text/plain", text, "text/markdown", markdown ? text : NULL,
	                                "start", 0));
}

