/* This module implements the interpreter of the command language (interp.h):
 * it walks the syntax tree of a cell against the session's variables, with
 * Python's meaning for blocks, loops, functions and scopes, calls the
 * functions of the table, and turns every failure into a Jupyter error
 * with a traceback of one frame per call.
 *
 * Frames: each call of a function defined in the language runs in a frame
 * (its code, its name, its scope) linked to its caller's. A scope is the
 * function's local variables (a dict), the dicts of the functions around
 * it (a list, for closures) and the function's own declarations; the top
 * level of a cell uses the session's variables. Comprehensions run in a
 * scope of their own. Names resolve local, enclosing, global, then the
 * function table.
 *
 * Limits: calls nest at most mc_lang_depth_limit() deep (RecursionError),
 * and every recursive step checks the room left on the C stack, so no input
 * overflows it. Loops, comprehensions and statements look at the interrupt
 * flag; the cycle collector runs at statement boundaries. */
#include "interp.h"
#include "lang.h"
#include "parser.h"
#include "registry.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_interp {
	mc_value *globals;   /* dict: name -> value */
	char label[64];
};

typedef struct s_scope {
	mc_value *locals;        /* dict, or NULL at a cell's top level (the globals) */
	mc_value *env;           /* list of the enclosing scopes' dicts, or NULL */
	const mc_fundef *fn;     /* the function whose body runs, or NULL */
} s_scope;

typedef struct s_frame {
	struct s_frame *back;
	mc_code *code;
	const char *name;        /* the function's qualified name; NULL for a cell */
	const char *sig;         /* its signature text */
	int line, col;           /* the call this frame is making */
	s_scope scope;
} s_frame;

typedef struct s_ctx {
	mc_interp *in;
	const mc_io *io;
	mc_exec_error *xerr;
	int failed;
	s_frame *frame;
	int depth;               /* calls of functions of the language in progress */
	mc_value *ret;           /* the value of a 'return' on its way out */
	mc_error *scratch;       /* for the runtime's error of one call at a time (s_err) */
} s_ctx;

typedef enum s_flow { S_NEXT, S_BREAK, S_CONTINUE, S_RETURN, S_ERROR } s_flow;

/* ---- limits, interrupts, error names ---- */

static int s_depth_limit = 1000;
static size_t s_repeat_limit = (size_t)1 << 31;
static _Thread_local atomic_int *s_intr;
static _Thread_local const char *s_pending_ename;

/* The C stack: where it started on this thread and how much may be used. */
static _Thread_local uintptr_t s_stack_base;
static _Thread_local size_t s_stack_room;

int mc_lang_depth_limit(void) { return s_depth_limit; }

int mc_stack_enter(void)
{
	static _Thread_local uintptr_t bottom;   /* the stack's lowest address, once per thread */
	static _Thread_local int known;
	char here;
	uintptr_t at = (uintptr_t)&here;
	size_t room = (size_t)1 << 20, margin;

	if (s_stack_base != 0)
		return 0;
	if (!known) {
		pthread_attr_t attr;
		void *addr;
		size_t size;

		/* for the main thread this reads /proc/self/maps: done once */
		if (pthread_getattr_np(pthread_self(), &attr) == 0) {
			if (pthread_attr_getstack(&attr, &addr, &size) == 0 && at > (uintptr_t)addr &&
			    at - (uintptr_t)addr <= size)
				bottom = (uintptr_t)addr;
			pthread_attr_destroy(&attr);
		}
		known = 1;
	}
	if (bottom != 0 && at > bottom)
		room = at - bottom;
	/* keep a margin for the C library and the functions of the table */
	margin = room / 8 > ((size_t)256 << 10) ? room / 8 : ((size_t)256 << 10);
	s_stack_room = room > 2 * margin ? room - margin : room / 2;
	s_stack_base = at;
	return 1;
}

void mc_stack_leave(int entered)
{
	if (entered)
		s_stack_base = 0;
}

int mc_stack_ok(void)
{
	char here;

	/* signed: a frame beside the one that entered may sit a little above it */
	return s_stack_base == 0 || (intptr_t)(s_stack_base - (uintptr_t)&here) < (intptr_t)s_stack_room;
}

void mc_lang_set_depth_limit(int n)
{
	s_depth_limit = n < 20 ? 20 : n;
}

size_t mc_lang_repeat_limit(void) { return s_repeat_limit; }

void mc_lang_set_repeat_limit(size_t bytes)
{
	s_repeat_limit = bytes;
}

atomic_int *mc_lang_set_interrupt(atomic_int *flag)
{
	atomic_int *old = s_intr;

	s_intr = flag;
	return old;
}

int mc_lang_interrupted(void)
{
	return s_intr != NULL && atomic_load(s_intr);
}

void mc_lang_set_ename(const char *ename)
{
	s_pending_ename = ename;
}

const char *mc_lang_take_ename(void)
{
	const char *e = s_pending_ename;

	s_pending_ename = NULL;
	return e;
}

/* ---- the session ---- */

mc_interp *mc_interp_new(void)
{
	mc_interp *in = calloc(1, sizeof *in);

	if (in == NULL)
		return NULL;
	in->globals = mc_dict_new();
	if (in->globals == NULL) {
		free(in);
		return NULL;
	}
	return in;
}

void mc_interp_free(mc_interp *in)
{
	if (in == NULL)
		return;
	mc_unref(in->globals);
	free(in);
	/* what the session's variables held in cycles is garbage now */
	mc_gc_collect();
}

void mc_interp_set_label(mc_interp *in, const char *label)
{
	snprintf(in->label, sizeof in->label, "%s", label != NULL ? label : "");
}

mc_value *mc_interp_get_var(mc_interp *in, const char *name)
{
	return in != NULL ? mc_dict_get(in->globals, name) : NULL;
}

int mc_interp_set_var(mc_interp *in, const char *name, mc_value *v)
{
	return mc_dict_set_str(in->globals, name, mc_ref(v));
}

static int s_cmp_str(const void *a, const void *b)
{
	return strcmp(mc_as_str(*(mc_value *const *)a), mc_as_str(*(mc_value *const *)b));
}

mc_value *mc_interp_var_names(mc_interp *in)
{
	mc_value *list = mc_list_new();
	size_t i, n = mc_dict_len(in->globals), k = 0;
	mc_value **tmp;

	if (list == NULL)
		return NULL;
	tmp = calloc(n + 1, sizeof *tmp);
	if (tmp == NULL) {
		mc_unref(list);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (mc_type(mc_dict_key(in->globals, i)) == MC_T_STR)
			tmp[k++] = mc_dict_key(in->globals, i);
	qsort(tmp, k, sizeof *tmp, s_cmp_str);
	for (i = 0; i < k; i++)
		if (mc_list_append(list, mc_ref(tmp[i])) != 0) {
			mc_unref(list);
			list = NULL;
			break;
		}
	free(tmp);
	return list;
}

void mc_exec_error_clear(mc_exec_error *xerr)
{
	if (xerr == NULL)
		return;
	json_decref(xerr->traceback);
	xerr->traceback = NULL;
	xerr->ename[0] = '\0';
	xerr->evalue[0] = '\0';
}

/* ---- tracebacks ---- */

#define S_RED "\x1b[0;31m"
#define S_GREEN "\x1b[0;32m"
#define S_BGREEN "\x1b[1;32m"
#define S_CYAN "\x1b[0;36m"
#define S_RESET "\x1b[0m"

/* Appends s as a JSON string, made valid UTF-8 if it is not. */
static void s_tb_add(json_t *tb, const char *s, size_t n)
{
	char *clean = mc_utf8_clean(s, n);

	if (clean != NULL) {
		json_array_append_new(tb, json_string(clean));
		free(clean);
	}
}

/* 1 for code read from a file by run(): each run parses the file again. */
static int s_from_file(const mc_code *code)
{
	return code != NULL && strncmp(code->label, "File ", 5) == 0;
}

static void s_code_name(mc_text *t, const mc_code *code)
{
	/* code read from a file (run()) is labelled "File <path>" */
	if (s_from_file(code)) {
		mc_text_puts(t, code->label);
		return;
	}
	mc_text_puts(t, "Cell");
	if (code != NULL && code->label[0] != '\0') {
		mc_text_puts(t, " ");
		mc_text_puts(t, code->label);
	}
}

/* The source line and a caret under column col. */
static void s_tb_source(mc_text *t, const mc_code *code, int line, int col, const char *arrow)
{
	size_t len, cp, i, b = 0;
	const char *src = mc_code_line(code, line, &len);
	char num[32];
	int w;

	w = snprintf(num, sizeof num, "%s%d ", arrow, line);
	mc_text_printf(t, "%s%s%s", S_BGREEN, num, S_RESET);
	mc_text_put(t, src, len);
	mc_text_puts(t, "\n");
	for (i = 0; i < (size_t)w; i++)
		mc_text_puts(t, " ");
	cp = col > 1 ? (size_t)col - 1 : 0;
	/* b walks the line one code point at a time (as mc_utf8_offset counts
	 * them): linear in the column, not quadratic. */
	while (b < len && ((unsigned char)src[b] & 0xC0) == 0x80)
		b++;
	for (i = 0; i < cp; i++) {
		mc_text_puts(t, (b < len && src[b] == '\t') ? "\t" : " ");
		if (b < len)
			b++;
		while (b < len && ((unsigned char)src[b] & 0xC0) == 0x80)
			b++;
	}
	mc_text_printf(t, "%s^%s", S_RED, S_RESET);
}

typedef struct s_tbframe {
	const mc_code *code;
	const char *name, *sig;
	int line, col;
} s_tbframe;

static int s_same_frame(const s_tbframe *a, const s_tbframe *b)
{
	int same_code = a->code == b->code || (s_from_file(a->code) && s_from_file(b->code) &&
	                                       strcmp(a->code->label, b->code->label) == 0);

	return same_code && a->line == b->line && a->col == b->col &&
	       ((a->name == NULL && b->name == NULL) ||
	        (a->name != NULL && b->name != NULL && strcmp(a->name, b->name) == 0));
}

/* Fills xerr with ename, msg and a traceback of the frames (outermost first). */
static __attribute__((noinline)) void s_fill_error(mc_exec_error *xerr, const s_tbframe *fr,
                                                  size_t nfr, const char *ename, const char *msg)
{
	json_t *tb;
	mc_text t = { 0 };
	size_t i;

	snprintf(xerr->ename, sizeof xerr->ename, "%s", ename);
	snprintf(xerr->evalue, sizeof xerr->evalue, "%s", msg);
	xerr->line = nfr > 0 ? fr[nfr - 1].line : 0;
	xerr->col = nfr > 0 ? fr[nfr - 1].col : 0;
	xerr->nframes = (int)nfr;
	json_decref(xerr->traceback);
	xerr->traceback = tb = json_array();
	if (tb == NULL)
		return;
	mc_text_printf(&t, "%s---------------------------------------------------------------------------%s",
	          S_RED, S_RESET);
	s_tb_add(tb, t.s, t.n);
	t.n = 0;
	mc_text_printf(&t, "%s%-42s%s Traceback (most recent call last)", S_RED, ename, S_RESET);
	s_tb_add(tb, t.s, t.n);
	for (i = 0; i < nfr; i++) {
		size_t same = 0;

		while (i + same + 1 < nfr && s_same_frame(&fr[i], &fr[i + same + 1]))
			same++;
		t.n = 0;
		s_code_name(&t, fr[i].code);
		mc_text_printf(&t, ", %sline %d%s", S_GREEN, fr[i].line, S_RESET);
		if (fr[i].name != NULL)
			mc_text_printf(&t, ", in %s%s%s%s", S_CYAN, fr[i].name, S_RESET, fr[i].sig != NULL ? fr[i].sig : "");
		mc_text_puts(&t, "\n");
		s_tb_source(&t, fr[i].code, fr[i].line, fr[i].col, "----> ");
		s_tb_add(tb, t.s, t.n);
		if (same >= 3) {
			/* a recursion: once, then how often it repeats */
			t.n = 0;
			mc_text_printf(&t, "    [... skipping similar frames: %s at line %d (%zu times)]",
			          fr[i].name != NULL ? fr[i].name : s_from_file(fr[i].code) ?
			          fr[i].code->label + 5 : "cell", fr[i].line, same);
			s_tb_add(tb, t.s, t.n);
			i += same;
		}
	}
	t.n = 0;
	mc_text_printf(&t, "%s%s%s: %s", S_RED, ename, S_RESET, msg);
	s_tb_add(tb, t.s, t.n);
	free(t.s);
}

/* The traceback of a syntax error: where, the line, a caret, the message. */
static void s_fill_syntax(mc_exec_error *xerr, const char *src, const char *label,
                          const mc_syntax_error *serr)
{
	mc_code tmp;
	mc_text t = { 0 };
	json_t *tb;
	const char *ename = serr->ename[0] != '\0' ? serr->ename : "SyntaxError";

	memset(&tmp, 0, sizeof tmp);
	tmp.src = src;
	snprintf(tmp.label, sizeof tmp.label, "%s", label != NULL ? label : "");
	snprintf(xerr->ename, sizeof xerr->ename, "%s", ename);
	snprintf(xerr->evalue, sizeof xerr->evalue, "%s", serr->msg);
	xerr->line = serr->line;
	xerr->col = serr->col;
	xerr->nframes = 1;
	json_decref(xerr->traceback);
	xerr->traceback = tb = json_array();
	if (tb == NULL)
		return;
	mc_text_puts(&t, "  ");
	s_code_name(&t, &tmp);
	mc_text_printf(&t, ", %sline %d%s\n", S_GREEN, serr->line, S_RESET);
	s_tb_source(&t, &tmp, serr->line, serr->col, "    ");
	s_tb_add(tb, t.s, t.n);
	t.n = 0;
	mc_text_printf(&t, "%s%s%s: %s", S_RED, ename, S_RESET, serr->msg);
	s_tb_add(tb, t.s, t.n);
	free(t.s);
}

/* ---- errors ---- */

/* A cleared error record for one call whose failure is reported at once.
 * It lives in the context, not on the C stack: recursion stays light. */
static mc_error *s_err(s_ctx *c)
{
	mc_error_clear(c->scratch);
	return c->scratch;
}

static void s_fail_at(s_ctx *c, int line, int col, const char *ename, const char *fmt, ...)
	__attribute__((format(printf, 5, 6), noinline, cold));

static void s_fail_at(s_ctx *c, int line, int col, const char *ename, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	s_tbframe stack[64], *fr = stack;
	size_t n = 0, i;
	s_frame *f;

	if (c->failed)
		return;
	c->failed = 1;
	mc_lang_take_ename();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (f = c->frame; f != NULL; f = f->back)
		n++;
	if (n > sizeof stack / sizeof stack[0]) {
		fr = malloc(n * sizeof *fr);
		if (fr == NULL) {
			fr = stack;
			n = sizeof stack / sizeof stack[0];
		}
	}
	/* outermost first; the innermost frame fails at (line, col) */
	i = n;
	for (f = c->frame; f != NULL && i > 0; f = f->back) {
		i--;
		fr[i].code = f->code;
		fr[i].name = f->name;
		fr[i].sig = f->sig;
		fr[i].line = f == c->frame ? line : f->line;
		fr[i].col = f == c->frame ? col : f->col;
	}
	s_fill_error(c->xerr, fr + i, n - i, ename, msg);
	if (fr != stack)
		free(fr);
}

#define s_fail(c, at, ...) s_fail_at((c), (at)->line, (at)->col, __VA_ARGS__)

static __attribute__((noinline, cold)) void s_fail_err_at(s_ctx *c, int line, int col,
                                                         const mc_error *err)
{
	const char *ename = mc_lang_take_ename();

	if (c->failed)
		return;
	if (ename == NULL)
		ename = err->code == MC_ERR_INTERRUPTED ? "KeyboardInterrupt" : mc_error_name(err->code);
	s_fail_at(c, line, col, ename, "%s", err->text[0] != '\0' ? err->text : "failed");
}

#define s_fail_err(c, at, err) s_fail_err_at((c), (at)->line, (at)->col, (err))

static void s_nomem(s_ctx *c, const mc_node *at)
{
	s_fail(c, at, "MemoryError", "out of memory");
}

/* Non-zero (and the error set) once the user interrupted. */
static int s_poll(s_ctx *c, const mc_node *at)
{
	if ((c->io != NULL && c->io->interrupted != NULL && atomic_load(c->io->interrupted)) || mc_lang_interrupted()) {
		s_fail(c, at, "KeyboardInterrupt", "interrupted");
		return -1;
	}
	if (mc_gc_due())
		mc_gc_collect();
	return 0;
}

static int s_room(s_ctx *c, const mc_node *at)
{
	if (mc_stack_ok())
		return 0;
	s_fail(c, at, "RecursionError", "maximum recursion depth exceeded: the C stack is nearly "
	       "full (the code nests too deeply)");
	return -1;
}

/* ---- names ---- */

/* The hash of a NAME node's name (the parser computes it). */
static uint64_t s_name_hash(const mc_node *n)
{
	return n->hashed ? n->hash : mc_str_hash(n->name, strlen(n->name));
}

static mc_value *s_dict_name(const mc_value *d, const mc_node *n)
{
	return mc_dict_get_h(d, n->name, strlen(n->name), s_name_hash(n));
}

/* Appends name to a growing array of names; 0, or -1 without memory. */
static int s_push_name(const char ***names, size_t *n, size_t *cap, const char *name)
{
	if (*n == *cap) {
		const char **g = realloc(*names, 2 * *cap * sizeof *g);

		if (g == NULL)
			return -1;
		*names = g;
		*cap *= 2;
	}
	(*names)[(*n)++] = name;
	return 0;
}

/* Collects variable and function names for "did you mean". */
static const char **s_all_names(s_ctx *c, size_t *n)
{
	const s_scope *sc = &c->frame->scope;
	size_t cap = 64, t, i, k;
	const char **names = malloc(cap * sizeof *names);
	const mc_func_def *d;
	mc_value *dicts[2];

	*n = 0;
	if (names == NULL)
		return NULL;
	dicts[0] = sc->locals;
	dicts[1] = c->in->globals;
	for (k = 0; k < 2; k++)
		for (i = 0; dicts[k] != NULL && i < mc_dict_len(dicts[k]); i++)
			if (s_push_name(&names, n, &cap, mc_as_str(mc_dict_key(dicts[k], i))) != 0)
				return names;
	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++)
			if (strchr(d->name, '.') == NULL && s_push_name(&names, n, &cap, d->name) != 0)
				return names;
	return names;
}

static mc_value *s_lookup(s_ctx *c, const mc_node *n)
{
	const s_scope *sc = &c->frame->scope;
	const mc_fundef *fn = sc->fn;
	mc_value *v = NULL;
	const mc_func_def *def;
	const char **names;
	const char *near = NULL;
	size_t count, i;
	int global = fn != NULL && fn->nglobals > 0 && mc_names_has(fn->globals, fn->nglobals, n->name);

	if (!global && sc->locals != NULL) {
		v = s_dict_name(sc->locals, n);
		if (v != NULL)
			return mc_ref(v);
		if (fn != NULL && mc_names_has(fn->locals, fn->nlocals, n->name)) {
			s_fail(c, n, "UnboundLocalError", "cannot access local variable '%s' where it is not "
			       "associated with a value (it is assigned later in the function)", n->name);
			return NULL;
		}
	}
	if (!global)
		for (i = 0; i < mc_list_len(sc->env); i++) {
			v = s_dict_name(mc_list_get(sc->env, i), n);
			if (v != NULL)
				return mc_ref(v);
		}
	v = s_dict_name(c->in->globals, n);
	if (v != NULL)
		return mc_ref(v);
	def = mc_registry_find(n->name);
	if (def != NULL && strchr(n->name, '.') == NULL) {
		v = mc_func_new(def, NULL);
		if (v == NULL)
			s_nomem(c, n);
		return v;
	}
	names = s_all_names(c, &count);
	if (names != NULL)
		near = mc_closest(n->name, names, count);
	if (near != NULL)
		s_fail(c, n, "NameError", "name '%s' is not defined; did you mean '%s'?", n->name, near);
	else
		s_fail(c, n, "NameError", "name '%s' is not defined (see help() for the functions)", n->name);
	free(names);
	return NULL;
}

/* The dict a name is stored in, in the running scope. */
static mc_value *s_store_dict(s_ctx *c, const mc_node *n)
{
	const s_scope *sc = &c->frame->scope;
	const mc_fundef *fn = sc->fn;
	size_t i;

	if (sc->locals == NULL)
		return c->in->globals;
	if (fn != NULL && fn->nglobals > 0 && mc_names_has(fn->globals, fn->nglobals, n->name))
		return c->in->globals;
	if (fn != NULL && fn->nnonlocals > 0 && mc_names_has(fn->nonlocals, fn->nnonlocals, n->name)) {
		for (i = 0; i < mc_list_len(sc->env); i++)
			if (s_dict_name(mc_list_get(sc->env, i), n) != NULL)
				return mc_list_get(sc->env, i);
		return mc_list_len(sc->env) > 0 ? mc_list_get(sc->env, 0) : c->in->globals;
	}
	return sc->locals;
}

/* The key a NAME or DEF node's name is stored under: a str value the
 * parser made with the node. Borrowed. */
static mc_value *s_name_key(s_ctx *c, const mc_node *n)
{
	if (n->lit == NULL)
		s_nomem(c, n);
	return n->lit;
}

static int s_set_name(s_ctx *c, const mc_node *n, mc_value *v)
{
	mc_value *key = s_name_key(c, n);

	/* a variable may hide a function of the same name, as in Python */
	if (key == NULL)
		return -1;
	if (mc_dict_set(s_store_dict(c, n), key, mc_ref(v)) != 0) {
		s_nomem(c, n);
		return -1;
	}
	return 0;
}

/* The scopes a function or comprehension made here sees around it. */
static int s_nested_env(s_ctx *c, const mc_node *at, mc_value **env)
{
	const s_scope *sc = &c->frame->scope;
	size_t i;
	mc_value *l;

	*env = NULL;
	if (sc->locals == NULL)
		return 0;
	l = mc_list_new();
	if (l == NULL || mc_list_append(l, mc_ref(sc->locals)) != 0) {
		mc_unref(l);
		s_nomem(c, at);
		return -1;
	}
	for (i = 0; i < mc_list_len(sc->env); i++)
		if (mc_list_append(l, mc_ref(mc_list_get(sc->env, i))) != 0) {
			mc_unref(l);
			s_nomem(c, at);
			return -1;
		}
	*env = l;
	return 0;
}

/* ---- attributes ---- */

/* Methods ("Type.name") and attributes of v, for errors and dir(). */
mc_value *mc_value_dir(const mc_value *v)
{
	mc_value *list = mc_list_new();
	const char *prefix = mc_value_method_prefix(v);
	size_t plen = strlen(prefix), t;
	const mc_func_def *d;

	if (list == NULL)
		return NULL;
	if (mc_value_attr_names(v, list) != 0)
		goto fail;
	if (mc_userfn_of(v) != NULL) {
		if (mc_list_append(list, mc_str("__doc__")) != 0 || mc_list_append(list, mc_str("__name__")) != 0)
			goto fail;
	}
	for (t = 0; mc_registry[t].title != NULL; t++)
		for (d = mc_registry[t].funcs; d->name != NULL; d++)
			if (strncmp(d->name, prefix, plen) == 0 && d->name[plen] == '.' &&
			    strncmp(d->name + plen + 1, "__", 2) != 0 &&
			    mc_list_append(list, mc_str(d->name + plen + 1)) != 0)
				goto fail;
	return list;
fail:
	mc_unref(list);
	return NULL;
}

static __attribute__((noinline, cold)) void s_no_attr(s_ctx *c, const mc_node *n, mc_value *obj)
{
	mc_value *names = mc_value_dir(obj);
	const char **cands = NULL;
	const char *near = NULL;
	size_t i, k = mc_list_len(names);

	if (k > 0)
		cands = calloc(k, sizeof *cands);
	for (i = 0; cands != NULL && i < k; i++)
		cands[i] = mc_as_str(mc_list_get(names, i));
	if (cands != NULL)
		near = mc_closest(n->name, cands, k);
	if (near != NULL)
		s_fail(c, n, "AttributeError", "%s has no attribute '%s'; did you mean '%s'?",
		       mc_type_name(obj), n->name, near);
	else
		s_fail(c, n, "AttributeError", "%s has no attribute '%s' (dir(x) lists what it has)",
		       mc_type_name(obj), n->name);
	free(cands);
	mc_unref(names);
}

/* The table method obj.name, or NULL. */
static const mc_func_def *s_method(const mc_value *obj, const char *name)
{
	char full[256];

	if (strncmp(name, "__", 2) == 0)
		return NULL;
	snprintf(full, sizeof full, "%s.%s", mc_value_method_prefix(obj), name);
	return mc_registry_find(full);
}

static mc_value *s_getattr(s_ctx *c, const mc_node *n, mc_value *obj)
{
	const mc_func_def *def = s_method(obj, n->name);
	mc_value *v;
	mc_userfn *u;

	if (def != NULL) {
		v = mc_func_new(def, obj);
		if (v == NULL)
			s_nomem(c, n);
		return v;
	}
	if (mc_value_attrs(obj) != NULL || mc_object_class(obj) != NULL) {
		if (mc_value_getattr(&v, obj, n->name, s_err(c)) == 0)
			return v;
		if (c->scratch->code == MC_ERR_NOTFOUND)
			s_no_attr(c, n, obj);
		else
			s_fail_err(c, n, c->scratch);
		return NULL;
	}
	u = mc_userfn_of(obj);
	if (u != NULL && (strcmp(n->name, "__name__") == 0 || strcmp(n->name, "__doc__") == 0)) {
		v = n->name[2] == 'n' ? mc_str(u->def->name) :
			u->def->doc != NULL ? mc_str(u->def->doc) : mc_none();
		if (v == NULL)
			s_nomem(c, n);
		return v;
	}
	s_no_attr(c, n, obj);
	return NULL;
}

/* ---- truth ---- */

/* The truth of v; arrays of more than one element refuse, as numpy's do. */
static int s_truth(s_ctx *c, const mc_node *at, const mc_value *v)
{
	if (mc_type(v) == MC_T_ARRAY) {
		size_t n = mc_array_size(v);

		if (n > 1) {
			s_fail(c, at, "ValueError", "the truth value of an array with more than one element is "
			       "ambiguous: use a.any() or a.all()");
			return -1;
		}
		if (n == 1)
			return mc_array_at(v, 0) != 0.0;
		return 0;
	}
	return mc_as_bool(v);
}

/* The truth of expression e: 1, 0, or -1 with the error set. */
static mc_value *s_eval(s_ctx *c, const mc_node *n);

static int s_test(s_ctx *c, const mc_node *e)
{
	mc_value *v = s_eval(c, e);
	int t;

	if (v == NULL)
		return -1;
	t = s_truth(c, e, v);
	mc_unref(v);
	return t;
}

/* ---- operators ---- */

static int s_is_num(const mc_value *v)
{
	mc_vtype t = mc_type(v);

	return t == MC_T_INT || t == MC_T_FLOAT || t == MC_T_BOOL;
}

static int s_is_intlike(const mc_value *v)
{
	return mc_type(v) == MC_T_INT || mc_type(v) == MC_T_BOOL;
}

static int s_is_cmp(int op)
{
	return op >= MC_OP_EQ && op <= MC_OP_GE;
}

static int s_cmp_holds(int op, int c3)
{
	switch (op) {
	case MC_OP_EQ: return c3 == 0;
	case MC_OP_NE: return c3 != 0;
	case MC_OP_LT: return c3 < 0;
	case MC_OP_LE: return c3 <= 0;
	case MC_OP_GT: return c3 > 0;
	default: return c3 >= 0;
	}
}

static mc_value *s_repeat(s_ctx *c, int line, int col, mc_value *seq, int64_t times)
{
	mc_value *r;
	int64_t t;
	size_t i, len;

	if (times < 0)
		times = 0;
	if (mc_type(seq) == MC_T_STR) {
		char *buf;
		size_t total, done;

		len = mc_str_len(seq);
		if (len > 0 && (uint64_t)times > s_repeat_limit / len) {
			s_fail_at(c, line, col, "MemoryError", "the repeated string would be too long (%lld times %zu bytes)",
			          (long long)times, len);
			return NULL;
		}
		total = len * (size_t)times;
		buf = malloc(total + 1);
		if (buf == NULL) {
			s_fail_at(c, line, col, "MemoryError", "out of memory");
			return NULL;
		}
		/* one copy, then the part made so far doubles: a few dozen memcpy
		 * calls, not one per repetition ("ab" * 10**9) */
		done = total > 0 ? len : 0;
		if (done > 0)
			memcpy(buf, mc_as_str(seq), len);
		while (done < total) {
			size_t n = done < total - done ? done : total - done;

			memcpy(buf + done, buf, n);
			done += n;
		}
		r = mc_str_take(buf, total);
	} else {
		len = mc_list_len(seq);
		if (len > 0 && (uint64_t)times > s_repeat_limit / sizeof(mc_value *) / len) {
			s_fail_at(c, line, col, "MemoryError", "the repeated list would be too long (%lld times %zu items)",
			          (long long)times, len);
			return NULL;
		}
		r = mc_list_new();
		if (r != NULL && mc_list_reserve(r, len * (size_t)times) != 0) {
			mc_unref(r);
			r = NULL;
		}
		for (t = 0; r != NULL && t < times; t++) {
			if ((t & 0xFFF) == 0xFFF && mc_lang_interrupted()) {
				mc_unref(r);
				s_fail_at(c, line, col, "KeyboardInterrupt", "interrupted");
				return NULL;
			}
			for (i = 0; i < len; i++)
				if (mc_list_append(r, mc_ref(mc_list_get(seq, i))) != 0) {
					mc_unref(r);
					r = NULL;
					break;
				}
		}
	}
	if (r == NULL && !c->failed)
		s_fail_at(c, line, col, "MemoryError", "out of memory");
	return r;
}

static int s_contains(s_ctx *c, int line, int col, mc_value *item, mc_value *coll, int *found)
{
	size_t i;

	*found = 0;
	switch (mc_type(coll)) {
	case MC_T_LIST:
		for (i = 0; i < mc_list_len(coll) && !*found; i++) {
			int eq;

			if ((i & 0xFFFF) == 0xFFFF && mc_lang_interrupted()) {
				s_fail_at(c, line, col, "KeyboardInterrupt", "interrupted");
				return -1;
			}
			eq = mc_list_get(coll, i) == item ? 1 : mc_value_equal_checked(item, mc_list_get(coll, i));
			if (eq < 0) {
				s_fail_at(c, line, col, "RecursionError", "maximum recursion depth exceeded in comparison");
				return -1;
			}
			*found = eq;
		}
		return 0;
	case MC_T_DICT:
		if (!mc_value_hashable(item)) {
			s_fail_at(c, line, col, "TypeError", "unhashable type: '%s'", mc_type_name(item));
			return -1;
		}
		*found = mc_dict_lookup(coll, item) != NULL;
		return 0;
	case MC_T_STR:
		if (mc_type(item) != MC_T_STR) {
			s_fail_at(c, line, col, "TypeError", "'in <str>' needs a str on the left, got %s",
			          mc_type_name(item));
			return -1;
		}
		*found = memmem(mc_as_str(coll), mc_str_len(coll), mc_as_str(item), mc_str_len(item)) != NULL;
		return 0;
	case MC_T_ARRAY:
		if (!s_is_num(item)) {
			s_fail_at(c, line, col, "TypeError", "'in <array>' needs a number on the left, got %s",
			          mc_type_name(item));
			return -1;
		}
		*found = mc_array_contains(coll, mc_as_float(item));
		return 0;
	case MC_T_RANGE: {
		uint64_t len;
		int64_t start, step, v;
		__int128 d;

		if (!s_is_num(item))
			return 0;
		if (mc_type(item) == MC_T_FLOAT) {
			double f = mc_as_float(item);

			if (f != floor(f) || !(f >= -9.2233720368547758e18 && f < 9.2233720368547758e18))
				return 0;
		}
		v = mc_as_int(item);
		mc_range_get(coll, &len, &start, &step);
		d = (__int128)v - start;
		*found = len > 0 && d % step == 0 && d / step >= 0 && (unsigned __int128)(d / step) < len;
		return 0;
	}
	case MC_T_OBJECT: {
		mc_iter it;
		mc_value *x;
		int rc;

		if (mc_iter_init(&it, coll, c->io, c->in, s_err(c)) != 0) {
			s_fail_at(c, line, col, "TypeError", "argument of type '%s' is not iterable",
			          mc_type_name(coll));
			return -1;
		}
		while (!*found && (rc = mc_iter_next(&it, &x, s_err(c))) == 1) {
			*found = mc_value_equal(item, x);
			mc_unref(x);
		}
		mc_iter_clear(&it);
		if (c->scratch->code != 0) {
			s_fail_err_at(c, line, col, c->scratch);
			return -1;
		}
		return 0;
	}
	default:
		s_fail_at(c, line, col, "TypeError", "argument of type '%s' is not iterable",
		          mc_type_name(coll));
		return -1;
	}
}

static mc_value *s_concat(s_ctx *c, int line, int col, mc_value *l, mc_value *r)
{
	mc_value *v;
	size_t i;

	if (mc_type(l) == MC_T_STR) {
		size_t a = mc_str_len(l), b = mc_str_len(r);
		char *buf = malloc(a + b + 1);

		if (buf == NULL) {
			s_fail_at(c, line, col, "MemoryError", "out of memory");
			return NULL;
		}
		memcpy(buf, mc_as_str(l), a);
		memcpy(buf + a, mc_as_str(r), b);
		v = mc_str_take(buf, a + b);
	} else {
		v = mc_list_new();
		if (v != NULL && mc_list_reserve(v, mc_list_len(l) + mc_list_len(r)) != 0) {
			mc_unref(v);
			v = NULL;
		}
		for (i = 0; v != NULL && i < mc_list_len(l) + mc_list_len(r); i++) {
			mc_value *item = i < mc_list_len(l) ? mc_list_get(l, i) : mc_list_get(r, i - mc_list_len(l));

			if (mc_list_append(v, mc_ref(item)) != 0) {
				mc_unref(v);
				v = NULL;
			}
		}
	}
	if (v == NULL)
		s_fail_at(c, line, col, "MemoryError", "out of memory");
	return v;
}

/* Comparison of two numbers; NaN compares unequal to everything. */
static mc_value *s_num_compare(int op, mc_value *l, mc_value *r)
{
	if (mc_type(l) == MC_T_FLOAT || mc_type(r) == MC_T_FLOAT) {
		long double a = mc_type(l) == MC_T_FLOAT ? (long double)mc_as_float(l) : (long double)mc_as_int(l);
		long double b = mc_type(r) == MC_T_FLOAT ? (long double)mc_as_float(r) : (long double)mc_as_int(r);

		if (a != a || b != b)
			return mc_bool(op == MC_OP_NE);
		return mc_bool(s_cmp_holds(op, a < b ? -1 : a > b));
	}
	return mc_bool(s_cmp_holds(op, mc_as_int(l) < mc_as_int(r) ? -1 : mc_as_int(l) > mc_as_int(r)));
}

static int s_is_bitop(int op)
{
	return op == MC_OP_BITAND || op == MC_OP_BITOR || op == MC_OP_BITXOR || op == MC_OP_LSHIFT ||
	       op == MC_OP_RSHIFT;
}

/* & | ^ << >> of ints and bools (bool with bool stays bool, except shifts). */
static mc_value *s_int_bitop(s_ctx *c, int line, int col, int op, mc_value *l, mc_value *r)
{
	int64_t res;

	if (!s_is_intlike(l) || !s_is_intlike(r)) {
		s_fail_at(c, line, col, "TypeError", "unsupported operand types for %s: %s and %s",
		          mc_op_text(op), mc_type_name(l), mc_type_name(r));
		return NULL;
	}
	if ((op == MC_OP_LSHIFT || op == MC_OP_RSHIFT) && mc_as_int(r) < 0) {
		s_fail_at(c, line, col, "ValueError", "negative shift count");
		return NULL;
	}
	if (mc_int_op(op, mc_as_int(l), mc_as_int(r), &res) != MC_INT_OK) {
		s_fail_at(c, line, col, "OverflowError", "the shifted int does not fit in 64 bits");
		return NULL;
	}
	if (mc_type(l) == MC_T_BOOL && mc_type(r) == MC_T_BOOL && op != MC_OP_LSHIFT && op != MC_OP_RSHIFT)
		return mc_bool(res != 0);
	return mc_int(res);
}

/* / // % of floats (or of ints that took the float path). */
static int s_float_div(s_ctx *c, int line, int col, int op, mc_value *l, mc_value *r, double *res)
{
	double a = mc_as_float(l), b = mc_as_float(r), m;

	if (b == 0.0) {
		s_fail_at(c, line, col, "ZeroDivisionError", "%s",
		          op == MC_OP_MOD ? "float modulo by zero" :
		          s_is_intlike(l) && s_is_intlike(r) ? "division by zero" : "float division by zero");
		return -1;
	}
	if (op == MC_OP_DIV) {
		*res = a / b;
		return 0;
	}
	m = fmod(a, b);
	if (m != 0.0 && ((m < 0) != (b < 0)))
		m += b;
	*res = op == MC_OP_MOD ? m : round((a - m) / b);
	return 0;
}

static int s_float_pow(s_ctx *c, int line, int col, double a, double b, double *res)
{
	if (a == 0.0 && b < 0) {
		s_fail_at(c, line, col, "ZeroDivisionError", "0.0 cannot be raised to a negative power");
		return -1;
	}
	if (a < 0 && b != floor(b)) {
		s_fail_at(c, line, col, "ValueError", "a negative number to a fractional power has no real result");
		return -1;
	}
	*res = pow(a, b);
	if (isinf(*res) && isfinite(a) && isfinite(b)) {
		s_fail_at(c, line, col, "OverflowError", "the result is too large for a float");
		return -1;
	}
	return 0;
}

/* Arithmetic of two numbers: in int64 while the result fits, else in float. */
static mc_value *s_num_arith(s_ctx *c, int line, int col, int op, mc_value *l, mc_value *r)
{
	double a = mc_as_float(l), b = mc_as_float(r), res;

	if (op == MC_OP_MATMUL) {
		s_fail_at(c, line, col, "TypeError", "'@' multiplies two arrays, got %s and %s",
		          mc_type_name(l), mc_type_name(r));
		return NULL;
	}
	if (s_is_intlike(l) && s_is_intlike(r) && op != MC_OP_DIV && !(op == MC_OP_POW && mc_as_int(r) < 0)) {
		int64_t ires;
		int o = mc_int_op(op, mc_as_int(l), mc_as_int(r), &ires);

		if (o == MC_INT_ZERODIV) {
			s_fail_at(c, line, col, "ZeroDivisionError", "%s", op == MC_OP_MOD ?
			          "integer modulo by zero" : "integer division by zero");
			return NULL;
		}
		if (o == MC_INT_OK)
			return mc_int(ires);
		/* overflow: continue in floating point */
	}
	switch (op) {
	case MC_OP_ADD: res = a + b; break;
	case MC_OP_SUB: res = a - b; break;
	case MC_OP_MUL: res = a * b; break;
	case MC_OP_DIV:
	case MC_OP_FLOORDIV:
	case MC_OP_MOD:
		if (s_float_div(c, line, col, op, l, r, &res) != 0)
			return NULL;
		break;
	default:   /* MC_OP_POW */
		if (s_float_pow(c, line, col, a, b, &res) != 0)
			return NULL;
		break;
	}
	return mc_float(res);
}

/* Operators of two numbers (int, float, bool). */
static mc_value *s_binop_num(s_ctx *c, int line, int col, int op, mc_value *l, mc_value *r)
{
	if (s_is_cmp(op))
		return s_num_compare(op, l, r);
	if (s_is_bitop(op))
		return s_int_bitop(c, line, col, op, l, r);
	return s_num_arith(c, line, col, op, l, r);
}

/* Operators of anything else: + and * of str and list, == of anything,
 * ordering of what mc_value_order orders. */
static mc_value *s_binop_other(s_ctx *c, int line, int col, int op, mc_value *l, mc_value *r)
{
	if (op == MC_OP_ADD && ((mc_type(l) == MC_T_STR && mc_type(r) == MC_T_STR) ||
	                        (mc_type(l) == MC_T_LIST && mc_type(r) == MC_T_LIST)))
		return s_concat(c, line, col, l, r);
	if (op == MC_OP_MUL && (mc_type(l) == MC_T_STR || mc_type(l) == MC_T_LIST) && s_is_intlike(r))
		return s_repeat(c, line, col, l, mc_as_int(r));
	if (op == MC_OP_MUL && (mc_type(r) == MC_T_STR || mc_type(r) == MC_T_LIST) && s_is_intlike(l))
		return s_repeat(c, line, col, r, mc_as_int(l));
	if (op == MC_OP_EQ || op == MC_OP_NE) {
		int eq = mc_value_equal_checked(l, r);

		if (eq < 0) {
			s_fail_at(c, line, col, "RecursionError", "maximum recursion depth exceeded in comparison");
			return NULL;
		}
		return mc_bool(op == MC_OP_EQ ? eq : !eq);
	}
	if (s_is_cmp(op)) {
		int c3;

		if (mc_value_order(l, r, mc_op_text(op), &c3, s_err(c)) != 0) {
			s_fail_err_at(c, line, col, c->scratch);
			return NULL;
		}
		return mc_bool(s_cmp_holds(op, c3));
	}
	s_fail_at(c, line, col, "TypeError", "unsupported operand types for %s: %s and %s%s", mc_op_text(op),
	          mc_type_name(l), mc_type_name(r),
	          (op == MC_OP_ADD && (mc_type(l) == MC_T_STR || mc_type(r) == MC_T_STR)) ?
	          " (use str(x) to turn a value into text, or an f-string)" : "");
	return NULL;
}

/* l op r, by the kind of the operands: membership and identity of any
 * values, arrays (array.c), numbers, then the rest. */
static mc_value *s_binop(s_ctx *c, int line, int col, int op, mc_value *l, mc_value *r)
{
	if (op == MC_OP_IN || op == MC_OP_NOTIN) {
		int found;

		if (s_contains(c, line, col, l, r, &found) != 0)
			return NULL;
		return mc_bool(op == MC_OP_IN ? found : !found);
	}
	if (op == MC_OP_IS || op == MC_OP_ISNOT)
		return mc_bool((l == r) == (op == MC_OP_IS));
	if (mc_type(l) == MC_T_ARRAY || mc_type(r) == MC_T_ARRAY) {
		mc_value *out = NULL;

		if (mc_array_binop(&out, op, l, r, s_err(c)) != 0) {
			s_fail_err_at(c, line, col, c->scratch);
			return NULL;
		}
		return out;
	}
	if (s_is_num(l) && s_is_num(r))
		return s_binop_num(c, line, col, op, l, r);
	return s_binop_other(c, line, col, op, l, r);
}

static mc_value *s_unop(s_ctx *c, const mc_node *n, mc_value *v)
{
	int t;

	if (n->op == MC_OP_NOT) {
		t = s_truth(c, n, v);
		return t < 0 ? NULL : mc_bool(!t);
	}
	if (mc_type(v) == MC_T_ARRAY) {
		mc_value *out = NULL;

		if (mc_array_unop(&out, n->op, v, s_err(c)) != 0) {
			s_fail_err(c, n, c->scratch);
			return NULL;
		}
		return out;
	}
	if (n->op == MC_OP_POS && s_is_num(v))
		return mc_type(v) == MC_T_BOOL ? mc_int(mc_as_int(v)) : mc_ref(v);
	if (n->op == MC_OP_NEG) {
		if (s_is_intlike(v) && mc_as_int(v) != INT64_MIN)
			return mc_int(-mc_as_int(v));
		if (s_is_num(v))
			return mc_float(-mc_as_float(v));
	}
	if (n->op == MC_OP_INVERT && s_is_intlike(v))
		return mc_int(~mc_as_int(v));
	s_fail(c, n, "TypeError", "bad operand type for unary %s: %s", mc_op_text(n->op), mc_type_name(v));
	return NULL;
}

/* ---- expressions ---- */

static mc_value *s_eval(s_ctx *c, const mc_node *n);
static s_flow s_exec_block(s_ctx *c, const mc_node *block);
static int s_assign(s_ctx *c, const mc_node *t, mc_value *v);

/* The items of a starred value (*x in a display or a call). */
static mc_value *s_star_items(s_ctx *c, const mc_node *at, mc_value *v)
{
	mc_value *items = NULL;

	if (mc_value_items(&items, v, c->io, c->in, "*", s_err(c)) != 0) {
		s_fail_err(c, at, c->scratch);
		return NULL;
	}
	return items;
}

static mc_value *s_eval_list(s_ctx *c, const mc_node *n)
{
	mc_value *v = mc_list_new();
	size_t i, k;

	if (v == NULL || mc_list_reserve(v, n->nkids) != 0) {
		mc_unref(v);
		s_nomem(c, n);
		return NULL;
	}
	for (i = 0; i < n->nkids; i++) {
		const mc_node *kid = n->kids[i];
		mc_value *item = s_eval(c, kid->kind == MC_N_STAR ? kid->kids[0] : kid);

		if (item == NULL) {
			mc_unref(v);
			return NULL;
		}
		if (kid->kind == MC_N_STAR) {
			mc_value *items = s_star_items(c, kid, item);

			mc_unref(item);
			if (items == NULL) {
				mc_unref(v);
				return NULL;
			}
			for (k = 0; k < mc_list_len(items); k++)
				if (mc_list_append(v, mc_ref(mc_list_get(items, k))) != 0) {
					mc_unref(items);
					mc_unref(v);
					s_nomem(c, n);
					return NULL;
				}
			mc_unref(items);
			continue;
		}
		if (mc_list_append(v, item) != 0) {
			s_nomem(c, n);
			mc_unref(v);
			return NULL;
		}
	}
	return v;
}

static int s_dict_put(s_ctx *c, const mc_node *at, mc_value *d, mc_value *k, mc_value *item)
{
	if (!mc_value_hashable(k)) {
		s_fail(c, at, "TypeError", "unhashable type: '%s' (dict keys are str, int, float, bool or None)",
		       mc_type_name(k));
		mc_unref(item);
		return -1;
	}
	if (mc_dict_set(d, k, item) != 0) {
		s_nomem(c, at);
		return -1;
	}
	return 0;
}

static mc_value *s_eval_dict(s_ctx *c, const mc_node *n)
{
	mc_value *v = mc_dict_new();
	size_t i;

	if (v == NULL) {
		s_nomem(c, n);
		return NULL;
	}
	for (i = 0; i + 1 < n->nkids; i += 2) {
		mc_value *k = s_eval(c, n->kids[i]), *item;
		int rc;

		if (k == NULL) {
			mc_unref(v);
			return NULL;
		}
		item = s_eval(c, n->kids[i + 1]);
		rc = item == NULL ? -1 : s_dict_put(c, n->kids[i], v, k, item);
		mc_unref(k);
		if (rc != 0) {
			mc_unref(v);
			return NULL;
		}
		if ((i & 0xFFE) == 0xFFE && s_poll(c, n) != 0) {
			mc_unref(v);
			return NULL;
		}
	}
	return v;
}

/* A function value for a def or lambda node, in the running scope. */
static mc_value *s_make_function(s_ctx *c, const mc_node *n)
{
	const mc_fundef *f = n->fn;
	mc_userfn *u = calloc(1, sizeof *u);
	size_t i;
	const char *outer = c->frame->name;

	if (u == NULL) {
		s_nomem(c, n);
		return NULL;
	}
	u->code = mc_code_ref(c->frame->code);
	u->def = f;
	u->defaults = calloc(f->nparams + 1, sizeof *u->defaults);
	if (outer != NULL) {
		size_t len = strlen(outer) + strlen(f->name) + 16;

		u->qualname = malloc(len);
		if (u->qualname != NULL)
			snprintf(u->qualname, len, "%s.<locals>.%s", outer, f->name);
	} else {
		u->qualname = strdup(f->name);
	}
	if (u->defaults == NULL || u->qualname == NULL) {
		mc_userfn_free(u);
		s_nomem(c, n);
		return NULL;
	}
	for (i = 0; i < f->nparams; i++)
		if (f->params[i].dflt != NULL) {
			u->defaults[i] = s_eval(c, f->params[i].dflt);
			if (u->defaults[i] == NULL) {
				mc_userfn_free(u);
				return NULL;
			}
		}
	if (s_nested_env(c, n, &u->env) != 0) {
		mc_userfn_free(u);
		return NULL;
	}
	{
		mc_value *v = mc_userfn_new(u);

		if (v == NULL)
			s_nomem(c, n);
		return v;
	}
}

/* ---- f-strings ---- */

static mc_value *s_fstring(s_ctx *c, const mc_node *n)
{
	mc_text t = { 0 };
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		const mc_node *part = n->kids[i];
		mc_value *v, *spec = NULL, *conv = NULL;
		char *out = NULL;
		size_t len = 0;
		int rc;

		if (part->kind == MC_N_LITERAL) {
			mc_text_put(&t, mc_as_str(part->lit), mc_str_len(part->lit));
			continue;
		}
		v = s_eval(c, part->kids[0]);
		if (v == NULL)
			goto fail;
		if (part->op != 0) {
			char *s = part->op == 's' ? mc_value_str_n(v, &len) : mc_value_repr(v);

			if (s != NULL && part->op != 's')
				len = strlen(s);
			conv = s != NULL ? mc_str_take(s, len) : NULL;
			mc_unref(v);
			if (conv == NULL) {
				s_nomem(c, part);
				goto fail;
			}
			v = conv;
		}
		if (part->nkids > 1 && part->kids[1] != NULL) {
			spec = s_fstring(c, part->kids[1]);
			if (spec == NULL) {
				mc_unref(v);
				goto fail;
			}
		}
		rc = mc_format_value(v, spec != NULL ? mc_as_str(spec) : "", mc_str_len(spec), &out, &len, s_err(c));
		mc_unref(v);
		mc_unref(spec);
		if (rc != 0) {
			s_fail_err(c, part, c->scratch);
			goto fail;
		}
		mc_text_put(&t, out, len);
		free(out);
	}
	if (t.oom) {
		s_nomem(c, n);
		goto fail;
	}
	if (t.s == NULL)
		return mc_str("");
	{
		mc_value *v = mc_str_take(t.s, t.n);

		if (v == NULL)
			s_nomem(c, n);
		return v;
	}
fail:
	free(t.s);
	return NULL;
}

/* ---- comprehensions ---- */

static int s_comp_clause(s_ctx *c, const mc_node *n, size_t k, mc_value *out)
{
	const mc_node *cl;
	size_t head = n->op == MC_COMP_DICT ? 2 : 1;

	if (k == n->nkids) {
		mc_value *item = s_eval(c, n->kids[0]);

		if (item == NULL)
			return -1;
		if (n->op == MC_COMP_DICT) {
			mc_value *val = s_eval(c, n->kids[1]);
			int rc;

			if (val == NULL) {
				mc_unref(item);
				return -1;
			}
			rc = s_dict_put(c, n->kids[0], out, item, val);
			mc_unref(item);
			return rc;
		}
		if (mc_list_append(out, item) != 0) {
			s_nomem(c, n);
			return -1;
		}
		return 0;
	}
	(void)head;
	cl = n->kids[k];
	if (cl->kind == MC_N_COMPIF) {
		int t = s_test(c, cl->kids[0]);

		if (t < 0)
			return -1;
		return t ? s_comp_clause(c, n, k + 1, out) : 0;
	}
	{
		mc_value *seq = s_eval(c, cl->kids[1]), *x;
		mc_iter it;
		int rc, r2 = 0;

		if (seq == NULL)
			return -1;
		if (mc_iter_init(&it, seq, c->io, c->in, s_err(c)) != 0) {
			mc_unref(seq);
			s_fail_err(c, cl->kids[1], c->scratch);
			return -1;
		}
		mc_unref(seq);
		while ((rc = mc_iter_next(&it, &x, s_err(c))) == 1) {
			if (s_poll(c, cl) != 0 || s_assign(c, cl->kids[0], x) != 0) {
				mc_unref(x);
				r2 = -1;
				break;
			}
			mc_unref(x);
			if (s_comp_clause(c, n, k + 1, out) != 0) {
				r2 = -1;
				break;
			}
		}
		mc_iter_clear(&it);
		if (rc < 0) {
			s_fail_err(c, cl->kids[1], c->scratch);
			return -1;
		}
		return r2;
	}
}

static mc_value *s_comprehension(s_ctx *c, const mc_node *n)
{
	s_scope saved = c->frame->scope;
	mc_value *out = n->op == MC_COMP_DICT ? mc_dict_new() : mc_list_new();
	mc_value *locals = mc_dict_new(), *env = NULL;
	int rc;

	if (out == NULL || locals == NULL) {
		mc_unref(out);
		mc_unref(locals);
		s_nomem(c, n);
		return NULL;
	}
	if (s_nested_env(c, n, &env) != 0) {
		mc_unref(out);
		mc_unref(locals);
		return NULL;
	}
	c->frame->scope.locals = locals;
	c->frame->scope.env = env;
	c->frame->scope.fn = NULL;
	rc = s_comp_clause(c, n, n->op == MC_COMP_DICT ? 2 : 1, out);
	c->frame->scope = saved;
	mc_unref(locals);
	mc_unref(env);
	if (rc != 0) {
		mc_unref(out);
		return NULL;
	}
	return out;
}

/* ---- calls ---- */

static mc_value *s_call_user(s_ctx *c, int line, int col, mc_value *fnv, const mc_callarg *args,
                             size_t nargs, const mc_node *const *argnodes)
{
	mc_userfn *u = mc_userfn_of(fnv);
	const mc_fundef *f = u->def;
	mc_signature sig;
	mc_param *params;
	mc_value **vals, *locals, *out = NULL;
	unsigned char *given;
	int bad = -1;
	size_t i;
	s_frame frame;

	if (c->depth >= mc_lang_depth_limit()) {
		s_fail_at(c, line, col, "RecursionError", "maximum recursion depth exceeded: %d calls deep "
		          "(setrecursionlimit(n) raises the limit)", c->depth);
		return NULL;
	}
	if (!mc_stack_ok()) {
		s_fail_at(c, line, col, "RecursionError", "maximum recursion depth exceeded: the C stack is "
		          "nearly full at %d calls deep", c->depth);
		return NULL;
	}
	params = calloc(f->nparams + 1, sizeof *params);
	vals = calloc(f->nparams + 1, sizeof *vals);
	given = calloc(f->nparams + 1, 1);
	locals = mc_dict_new();
	if (params == NULL || vals == NULL || given == NULL || locals == NULL) {
		s_fail_at(c, line, col, "MemoryError", "out of memory");
		goto cleanup;
	}
	for (i = 0; i < f->nparams; i++) {
		params[i].name = f->params[i].name;
		params[i].kind = f->params[i].kind;
		params[i].dflt = u->defaults[i];
	}
	sig.params = params;
	sig.n = f->nparams;
	if (mc_bind_args(&sig, u->qualname, f->sigtext, args, nargs, vals, given, &bad, s_err(c)) != 0) {
		if (bad >= 0 && argnodes != NULL)
			s_fail_err(c, argnodes[bad], c->scratch);
		else
			s_fail_err_at(c, line, col, c->scratch);
		goto cleanup;
	}
	for (i = 0; i < f->nparams; i++) {
		if (mc_dict_set_str(locals, f->params[i].name, vals[i]) != 0) {
			vals[i] = NULL;
			s_fail_at(c, line, col, "MemoryError", "out of memory");
			goto cleanup;
		}
		vals[i] = NULL;
	}
	memset(&frame, 0, sizeof frame);
	frame.back = c->frame;
	frame.code = u->code;
	frame.name = u->qualname;
	frame.sig = f->sigtext;
	frame.scope.locals = locals;
	frame.scope.env = u->env;
	frame.scope.fn = f;
	/* the function value stays alive while it runs, whatever its body does */
	mc_ref(fnv);
	c->frame = &frame;
	c->depth++;
	if (f->body->kind != MC_N_BLOCK) {
		out = s_eval(c, f->body);
	} else {
		s_flow flow = s_exec_block(c, f->body);

		if (flow == S_RETURN) {
			out = c->ret;
			c->ret = NULL;
		} else if (flow != S_ERROR) {
			out = mc_none();
		}
	}
	c->depth--;
	c->frame = frame.back;
	mc_unref(fnv);
cleanup:
	for (i = 0; vals != NULL && i < f->nparams; i++)
		mc_unref(vals[i]);
	free(vals);
	free(given);
	free(params);
	mc_unref(locals);
	return out;
}

/* Calls a function of the table. Apart from the recursion of calls, so
 * that its error record weighs on the C stack only while a builtin runs. */
static __attribute__((noinline)) mc_value *s_call_table(s_ctx *c, int line, int col,
                                                        const mc_func_def *def, mc_value *self,
                                                        const mc_callarg *args, size_t nargs,
                                                        const mc_node *const *argnodes)
{
	mc_value *out = NULL;
	mc_error err;
	int bad = -1;

	mc_error_clear(&err);
	if (mc_call_def(def, self, args, nargs, c->io, c->in, c, &out, &bad, &err) != 0) {
		if (bad >= 0 && argnodes != NULL)
			s_fail_err(c, argnodes[bad], &err);
		else
			s_fail_err_at(c, line, col, &err);
		return NULL;
	}
	return out;
}

/* Calls any callable value; argnodes (may be NULL) point at each argument. */
static mc_value *s_call_value(s_ctx *c, int line, int col, mc_value *fn, mc_value *self_override,
                              const mc_func_def *def_override, const mc_callarg *args, size_t nargs,
                              const mc_node *const *argnodes)
{
	const mc_func_def *def = def_override != NULL ? def_override : mc_func_def_of(fn);

	c->frame->line = line;
	c->frame->col = col;
	if (def != NULL)
		return s_call_table(c, line, col, def, def_override != NULL ? self_override : mc_func_self(fn),
		                    args, nargs, argnodes);
	if (mc_userfn_of(fn) != NULL)
		return s_call_user(c, line, col, fn, args, nargs, argnodes);
	s_fail_at(c, line, col, "TypeError", "'%s' object is not callable", mc_type_name(fn));
	return NULL;
}

int mc_call_value(mc_call *call, mc_value *fn, mc_value *const *args, size_t nargs, mc_value **out,
                  mc_error *err)
{
	s_ctx *c = call->ctx;
	mc_callarg *ca;
	size_t i;
	int bad;

	*out = NULL;
	if (mc_func_def_of(fn) != NULL && c == NULL) {
		ca = calloc(nargs + 1, sizeof *ca);
		if (ca == NULL)
			return mc_error_nomem(err);
		for (i = 0; i < nargs; i++)
			ca[i].value = args[i];
		i = (size_t)mc_call_def(mc_func_def_of(fn), mc_func_self(fn), ca, nargs, call->io, call->interp,
		                        NULL, out, &bad, err);
		free(ca);
		return (int)i;
	}
	if (c == NULL)
		return mc_error_set(err, MC_ERR_STATE, "%s(): cannot call a function here", call->def->name);
	ca = calloc(nargs + 1, sizeof *ca);
	if (ca == NULL)
		return mc_error_nomem(err);
	for (i = 0; i < nargs; i++)
		ca[i].value = args[i];
	*out = s_call_value(c, c->frame->line, c->frame->col, fn, NULL, NULL, ca, nargs, NULL);
	free(ca);
	if (*out == NULL)
		return mc_error_set(err, c->failed && strcmp(c->xerr->ename, "KeyboardInterrupt") == 0 ?
		                    MC_ERR_INTERRUPTED : MC_ERR_INVALID, "%s", c->xerr->evalue);
	return 0;
}

/* The arguments of a call trailer, evaluated. */
typedef struct s_args {
	mc_callarg *a;
	const mc_node **nodes;
	mc_value **hold;     /* references to release: values, and dicts behind **kw names */
	size_t n, cap, nhold, holdcap;
} s_args;

static void s_args_free(s_args *a)
{
	size_t i;

	for (i = 0; i < a->nhold; i++)
		mc_unref(a->hold[i]);
	free(a->hold);
	free(a->a);
	free(a->nodes);
}

static int s_args_hold(s_args *a, mc_value *v)
{
	if (a->nhold == a->holdcap) {
		size_t cap = a->holdcap ? 2 * a->holdcap : 8;
		mc_value **h = realloc(a->hold, cap * sizeof *h);

		if (h == NULL) {
			mc_unref(v);
			return -1;
		}
		a->hold = h;
		a->holdcap = cap;
	}
	a->hold[a->nhold++] = v;
	return 0;
}

static int s_args_push(s_args *a, const char *name, mc_value *v, const mc_node *node)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		mc_callarg *g = realloc(a->a, cap * sizeof *g);
		const mc_node **gn;

		if (g == NULL)
			return -1;
		a->a = g;
		gn = realloc(a->nodes, cap * sizeof *gn);
		if (gn == NULL)
			return -1;
		a->nodes = gn;
		a->cap = cap;
	}
	a->a[a->n].name = name;
	a->a[a->n].value = v;
	a->nodes[a->n] = node;
	a->n++;
	return 0;
}

static int s_eval_args(s_ctx *c, const mc_node *call, s_args *a)
{
	size_t i, k;

	memset(a, 0, sizeof *a);
	for (i = 0; i < call->nkids; i++) {
		const mc_node *arg = call->kids[i];
		const mc_node *expr = (arg->kind == MC_N_KWARG || arg->kind == MC_N_STAR ||
		                       arg->kind == MC_N_DSTAR) ? arg->kids[0] : arg;
		mc_value *v = s_eval(c, expr);

		if (v == NULL)
			return -1;
		if (s_args_hold(a, v) != 0) {
			s_nomem(c, arg);
			return -1;
		}
		if (arg->kind == MC_N_STAR) {
			mc_value *items = s_star_items(c, arg, v);

			if (items == NULL)
				return -1;
			if (s_args_hold(a, items) != 0) {
				s_nomem(c, arg);
				return -1;
			}
			for (k = 0; k < mc_list_len(items); k++)
				if (s_args_push(a, NULL, mc_list_get(items, k), arg) != 0) {
					s_nomem(c, arg);
					return -1;
				}
			continue;
		}
		if (arg->kind == MC_N_DSTAR) {
			if (mc_type(v) != MC_T_DICT) {
				s_fail(c, arg, "TypeError", "argument after ** must be a dict, not %s", mc_type_name(v));
				return -1;
			}
			for (k = 0; k < mc_dict_len(v); k++) {
				mc_value *key = mc_dict_key(v, k);

				if (mc_type(key) != MC_T_STR) {
					s_fail(c, arg, "TypeError", "keywords must be strings, got %s", mc_type_name(key));
					return -1;
				}
				if (s_args_push(a, mc_as_str(key), mc_dict_value(v, k), arg) != 0) {
					s_nomem(c, arg);
					return -1;
				}
			}
			continue;
		}
		if (s_args_push(a, arg->kind == MC_N_KWARG ? arg->name : NULL, v, arg) != 0) {
			s_nomem(c, arg);
			return -1;
		}
	}
	return 0;
}

/* ---- subscripts ---- */

/* The bounds of a slice node: each part None or an int. */
static int s_slice_parts(s_ctx *c, const mc_node *sl, int64_t *v, int *has)
{
	int k;

	for (k = 0; k < 3; k++) {
		mc_value *x;

		has[k] = 0;
		if (sl->kids[k] == NULL)
			continue;
		x = s_eval(c, sl->kids[k]);
		if (x == NULL)
			return -1;
		if (mc_type(x) != MC_T_NONE) {
			if (!s_is_intlike(x)) {
				s_fail(c, sl->kids[k], "TypeError", "slice indices must be integers or None, got %s",
				       mc_type_name(x));
				mc_unref(x);
				return -1;
			}
			v[k] = mc_as_int(x);
			has[k] = 1;
		}
		mc_unref(x);
	}
	if (has[2] && v[2] == 0) {
		s_fail(c, sl->kids[2], "ValueError", "slice step cannot be zero");
		return -1;
	}
	return 0;
}

static int s_slice(s_ctx *c, const mc_node *sl, size_t len, int64_t *start, int64_t *step,
                   size_t *count)
{
	int64_t v[3] = { 0, 0, 0 };
	int has[3];

	if (s_slice_parts(c, sl, v, has) != 0)
		return -1;
	mc_slice_resolve(has[0] ? &v[0] : NULL, has[1] ? &v[1] : NULL, has[2] ? &v[2] : NULL, len, start,
	                 step, count);
	return 0;
}

static int s_norm_index(s_ctx *c, const mc_node *at, const mc_value *iv, size_t len, size_t *out,
                        const char *what)
{
	int64_t i;

	if (!s_is_intlike(iv)) {
		s_fail(c, at, "TypeError", "%s indices must be integers or slices, not %s", what, mc_type_name(iv));
		return -1;
	}
	i = mc_as_int(iv);
	if (i < 0)
		i += (int64_t)len;
	if (i < 0 || (uint64_t)i >= len) {
		s_fail(c, at, "IndexError", "%s index %lld out of range (length %zu)", what,
		       (long long)mc_as_int(iv), len);
		return -1;
	}
	*out = (size_t)i;
	return 0;
}

/* The axes of an array subscript; hold[] keeps index lists alive. */
static int s_axes(s_ctx *c, const mc_node *ixn, mc_value *a, mc_axis *ax, size_t *nax, mc_value **hold)
{
	const mc_node *parts[2];
	size_t k, n = ixn->kind == MC_N_TUPLE ? ixn->nkids : 1;

	hold[0] = hold[1] = NULL;
	if (n > 2 || (n == 2 && mc_array_cols(a) == 0)) {
		s_fail(c, ixn, "IndexError", "too many indices: the array is %s, expected at most %d",
		       mc_array_cols(a) == 0 ? "1-D" : "2-D", mc_array_cols(a) == 0 ? 1 : 2);
		return -1;
	}
	if (n == 0) {
		s_fail(c, ixn, "IndexError", "an array index cannot be empty");
		return -1;
	}
	parts[0] = ixn->kind == MC_N_TUPLE ? ixn->kids[0] : ixn;
	parts[1] = n == 2 ? ixn->kids[1] : NULL;
	for (k = 0; k < n; k++) {
		const mc_node *p = parts[k];
		size_t len = k == 0 ? mc_array_rows(a) : mc_array_cols(a);
		mc_value *iv;

		if (p->kind == MC_N_SLICE) {
			ax[k].kind = MC_AXIS_SLICE;
			if (s_slice(c, p, len, &ax[k].start, &ax[k].step, &ax[k].count) != 0)
				return -1;
			continue;
		}
		iv = s_eval(c, p);
		if (iv == NULL)
			return -1;
		hold[k] = iv;
		if (s_is_intlike(iv)) {
			ax[k].kind = MC_AXIS_INDEX;
			ax[k].index = mc_as_int(iv);
		} else if (mc_type(iv) == MC_T_LIST || mc_type(iv) == MC_T_ARRAY || mc_type(iv) == MC_T_RANGE) {
			if (mc_type(iv) == MC_T_RANGE) {
				mc_value *l = s_star_items(c, p, iv);

				if (l == NULL)
					return -1;
				mc_unref(iv);
				hold[k] = iv = l;
			}
			ax[k].kind = MC_AXIS_LIST;
			ax[k].list = iv;
		} else {
			s_fail(c, p, "TypeError", "array indices must be integers, slices, index lists or masks, "
			       "not %s", mc_type_name(iv));
			return -1;
		}
	}
	*nax = n;
	return 0;
}

static __attribute__((noinline, cold)) mc_value *s_key_error(s_ctx *c, const mc_node *at, mc_value *d,
                                                            mc_value *key)
{
	char *kr = mc_value_repr(key);
	const char **cands = NULL;
	const char *near = NULL;
	size_t i, nk = mc_dict_len(d);

	if (mc_type(key) == MC_T_STR && nk > 0) {
		cands = calloc(nk, sizeof *cands);
		for (i = 0; cands != NULL && i < nk; i++)
			cands[i] = mc_as_str(mc_dict_key(d, i));
		if (cands != NULL)
			near = mc_closest(mc_as_str(key), cands, nk);
	}
	if (near != NULL) {
		s_fail(c, at, "KeyError", "key %s not found; did you mean '%s'?", kr ? kr : "?", near);
	} else {
		mc_value *keys = mc_list_new();
		char *ks;

		for (i = 0; keys != NULL && i < nk && i < 20; i++)
			mc_list_append(keys, mc_ref(mc_dict_key(d, i)));
		ks = mc_value_repr(keys);
		s_fail(c, at, "KeyError", "key %s not found; the keys are %s%s", kr ? kr : "?",
		       ks ? ks : "?", nk > 20 ? " ..." : "");
		free(ks);
		mc_unref(keys);
	}
	free(cands);
	free(kr);
	return NULL;
}

/* a[...] (v NULL: *r is the selection) or a[...] = v, for an array:
 * evaluates the axes and blames the one an error is about. */
static int s_array_item(s_ctx *c, const mc_node *tr, mc_value *a, mc_value *v, mc_value **r)
{
	const mc_node *ixn = tr->kids[0];
	mc_axis ax[2];
	mc_value *hold[2];
	size_t nax = 0, bad = 0;
	int rc = -1;

	memset(ax, 0, sizeof ax);
	if (s_axes(c, ixn, a, ax, &nax, hold) == 0) {
		rc = v == NULL ? mc_array_select(r, a, ax, nax, &bad, s_err(c)) :
		                 mc_array_store(a, ax, nax, v, &bad, s_err(c));
		if (rc != 0)
			s_fail_err(c, v != NULL && (c->scratch->code == MC_ERR_TYPE || c->scratch->code == MC_ERR_SHAPE)
			           ? tr : (ixn->kind == MC_N_TUPLE ? ixn->kids[bad] : ixn), c->scratch);
	}
	mc_unref(hold[0]);
	mc_unref(hold[1]);
	return rc != 0 ? -1 : 0;
}

/* seq[start::step] of cnt items: a list, a range (or a list when the range
 * would not fit in int64), or a string of code points. */
static mc_value *s_slice_of(mc_value *seq, int64_t start, int64_t step, size_t cnt)
{
	mc_value *r = NULL;
	size_t k;

	if (mc_type(seq) == MC_T_LIST) {
		r = mc_list_new();
		if (r != NULL && mc_list_reserve(r, cnt) != 0) {
			mc_unref(r);
			return NULL;
		}
		for (k = 0; r != NULL && k < cnt; k++)
			if (mc_list_append(r, mc_ref(mc_list_get(seq, (size_t)((__int128)start + (__int128)k * step)))) != 0) {
				mc_unref(r);
				r = NULL;
			}
	} else if (mc_type(seq) == MC_T_RANGE) {
		uint64_t rlen;
		int64_t rstart, rstep;
		__int128 s0, st, stop;

		mc_range_get(seq, &rlen, &rstart, &rstep);
		s0 = (__int128)rstart + (__int128)start * rstep, st = (__int128)rstep * step;
		stop = s0 + (__int128)cnt * st;
		if (st >= INT64_MIN && st <= INT64_MAX && stop >= INT64_MIN && stop <= INT64_MAX && cnt > 0)
			return mc_range_new((int64_t)s0, (int64_t)stop, (int64_t)st);
		if (cnt == 0)
			return mc_range_new(0, 0, 1);
		r = mc_list_new();
		for (k = 0; r != NULL && k < cnt; k++)
			if (mc_list_append(r, mc_int((int64_t)(s0 + (__int128)k * st))) != 0) {
				mc_unref(r);
				r = NULL;
			}
	} else {
		const char *s = mc_as_str(seq);
		size_t n = mc_str_len(seq), o = 0;
		char *buf = malloc(n + 1);

		for (k = 0; buf != NULL && k < cnt; k++) {
			size_t b = mc_utf8_offset(s, n, (size_t)((__int128)start + (__int128)k * step));
			size_t e = mc_utf8_offset(s + b, n - b, 1) + b;

			memcpy(buf + o, s + b, e - b);
			o += e - b;
		}
		r = buf != NULL ? mc_str_take(buf, o) : NULL;
	}
	return r;
}

/* list[i], str[i] (a code point), range[i], and their slices. */
static mc_value *s_getindex_seq(s_ctx *c, const mc_node *tr, mc_value *obj)
{
	const mc_node *ixn = tr->kids[0];
	const char *what = mc_type(obj) == MC_T_LIST ? "list" : mc_type(obj) == MC_T_STR ? "string" : "range";
	uint64_t rlen = 0;
	int64_t rstart = 0, rstep = 1, start, step;
	mc_value *iv, *r = NULL;
	size_t len, k, cnt;

	if (mc_type(obj) == MC_T_RANGE) {
		mc_range_get(obj, &rlen, &rstart, &rstep);
		len = rlen > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)rlen;
	} else {
		len = mc_type(obj) == MC_T_LIST ? mc_list_len(obj) : mc_utf8_count(mc_as_str(obj), mc_str_len(obj));
	}
	if (ixn->kind == MC_N_TUPLE) {
		s_fail(c, ixn, "TypeError", "%s indices must be integers or slices, not tuple", what);
		return NULL;
	}
	if (ixn->kind == MC_N_SLICE) {
		if (s_slice(c, ixn, len, &start, &step, &cnt) != 0)
			return NULL;
		r = s_slice_of(obj, start, step, cnt);
		if (r == NULL)
			s_nomem(c, tr);
		return r;
	}
	iv = s_eval(c, ixn);
	if (iv == NULL)
		return NULL;
	if (mc_type(obj) == MC_T_RANGE && s_is_intlike(iv)) {
		int64_t i = mc_as_int(iv);
		__int128 j = i < 0 ? (__int128)rlen + i : i;

		if (j < 0 || j >= (__int128)rlen)
			s_fail(c, ixn, "IndexError", "range index %lld out of range (length %llu)", (long long)i,
			       (unsigned long long)rlen);
		else
			r = mc_int(mc_range_item(obj, (uint64_t)j));
	} else if (s_norm_index(c, ixn, iv, len, &k, what) == 0) {
		if (mc_type(obj) == MC_T_LIST) {
			r = mc_ref(mc_list_get(obj, k));
		} else {
			const char *s = mc_as_str(obj);
			size_t n = mc_str_len(obj), b = mc_utf8_offset(s, n, k);

			r = mc_strn(s + b, mc_utf8_offset(s + b, n - b, 1));
		}
		if (r == NULL)
			s_nomem(c, tr);
	}
	mc_unref(iv);
	return r;
}

static mc_value *s_getindex_dict(s_ctx *c, const mc_node *ixn, mc_value *obj)
{
	mc_value *iv, *r = NULL;

	if (ixn->kind == MC_N_SLICE || ixn->kind == MC_N_TUPLE) {
		s_fail(c, ixn, "TypeError", "dict keys are str, int, float, bool or None, not %s",
		       ixn->kind == MC_N_SLICE ? "slices" : "tuples");
		return NULL;
	}
	iv = s_eval(c, ixn);
	if (iv == NULL)
		return NULL;
	if (!mc_value_hashable(iv)) {
		s_fail(c, ixn, "TypeError", "unhashable type: '%s' (dict keys are str, int, float, bool or "
		       "None)", mc_type_name(iv));
	} else {
		r = mc_ref(mc_dict_lookup(obj, iv));
		if (r == NULL)
			s_key_error(c, ixn, obj, iv);
	}
	mc_unref(iv);
	return r;
}

/* obj[key] through the object's "__getitem__". */
static mc_value *s_getindex_object(s_ctx *c, const mc_node *tr, mc_value *obj, const mc_func_def *def)
{
	const mc_node *ixn = tr->kids[0];
	mc_callarg arg;
	mc_value *iv, *r;

	if (ixn->kind == MC_N_SLICE || ixn->kind == MC_N_TUPLE) {
		s_fail(c, tr, "TypeError", "%s cannot be indexed with [ ] by a slice or several indices",
		       mc_type_name(obj));
		return NULL;
	}
	iv = s_eval(c, ixn);
	if (iv == NULL)
		return NULL;
	arg.name = NULL;
	arg.value = iv;
	r = s_call_value(c, ixn->line, ixn->col, NULL, obj, def, &arg, 1, NULL);
	mc_unref(iv);
	return r;
}

/* obj[...], by the kind of obj. */
static mc_value *s_getindex(s_ctx *c, const mc_node *tr, mc_value *obj)
{
	const mc_func_def *def;
	mc_value *r = NULL;

	switch (mc_type(obj)) {
	case MC_T_ARRAY:
		s_array_item(c, tr, obj, NULL, &r);
		return r;
	case MC_T_LIST:
	case MC_T_STR:
	case MC_T_RANGE:
		return s_getindex_seq(c, tr, obj);
	case MC_T_DICT:
		return s_getindex_dict(c, tr->kids[0], obj);
	case MC_T_OBJECT:
		def = mc_special_method(obj, "__getitem__");
		if (def != NULL)
			return s_getindex_object(c, tr, obj, def);
		break;
	default:
		break;
	}
	s_fail(c, tr, "TypeError", "'%s' object is not subscriptable", mc_type_name(obj));
	return NULL;
}

/* The value of a postfix chain up to (not including) trailer stop. */
static mc_value *s_chain_to(s_ctx *c, const mc_node *n, size_t stop)
{
	mc_value *v = s_eval(c, n->kids[0]);
	size_t i;

	for (i = 1; v != NULL && i < stop; i++) {
		const mc_node *tr = n->kids[i];
		mc_value *next = NULL;

		switch (tr->kind) {
		case MC_N_ATTR:
			if (i + 1 < stop && n->kids[i + 1]->kind == MC_N_CALL) {
				/* obj.method(...): no bound-method value in between */
				const mc_func_def *def = s_method(v, tr->name);

				if (def != NULL) {
					s_args a;
					const mc_node *call = n->kids[i + 1];

					if (s_eval_args(c, call, &a) == 0)
						next = s_call_value(c, call->line, call->col, NULL, v, def, a.a, a.n, a.nodes);
					s_args_free(&a);
					i++;
					break;
				}
			}
			next = s_getattr(c, tr, v);
			break;
		case MC_N_INDEX:
			next = s_getindex(c, tr, v);
			break;
		case MC_N_CALL: {
			s_args a;

			if (s_eval_args(c, tr, &a) == 0)
				next = s_call_value(c, tr->line, tr->col, v, NULL, NULL, a.a, a.n, a.nodes);
			s_args_free(&a);
			break;
		}
		default:
			s_fail(c, tr, "SyntaxError", "bad trailer");
			break;
		}
		mc_unref(v);
		v = next;
		if (v == NULL && !c->failed)
			s_nomem(c, tr);
	}
	return v;
}

static mc_value *s_eval(s_ctx *c, const mc_node *n)
{
	mc_value *v = NULL, *l, *r;
	size_t i;
	int t;

	if (c->failed)
		return NULL;
	switch (n->kind) {
	case MC_N_LITERAL:
		return mc_ref(n->lit);
	case MC_N_NAME:
		return s_lookup(c, n);
	default:
		break;
	}
	if (s_room(c, n) != 0)
		return NULL;
	switch (n->kind) {
	case MC_N_LIST:
	case MC_N_TUPLE:
		return s_eval_list(c, n);
	case MC_N_DICT:
		return s_eval_dict(c, n);
	case MC_N_UNARY:
		l = s_eval(c, n->kids[0]);
		if (l == NULL)
			return NULL;
		v = s_unop(c, n, l);
		mc_unref(l);
		break;
	case MC_N_AND:
	case MC_N_OR:
		for (i = 0; i < n->nkids; i++) {
			l = s_eval(c, n->kids[i]);
			if (l == NULL)
				return NULL;
			if (i + 1 == n->nkids)
				return l;
			t = s_truth(c, n->kids[i], l);
			if (t < 0) {
				mc_unref(l);
				return NULL;
			}
			if (t == (n->kind == MC_N_OR))
				return l;
			mc_unref(l);
		}
		return NULL;
	case MC_N_BINARY:
	case MC_N_COMPARE:
		/* left to right; a < b < c is (a < b) and (b < c), b evaluated once */
		l = s_eval(c, n->kids[0]);
		for (i = 1; l != NULL && i < n->nkids; i++) {
			const mc_link *k = &n->links[i - 1];

			r = s_eval(c, n->kids[i]);
			if (r == NULL) {
				mc_unref(l);
				return NULL;
			}
			v = s_binop(c, k->line, k->col, k->op, l, r);
			mc_unref(l);
			if (n->kind == MC_N_BINARY || v == NULL || i + 1 == n->nkids) {
				mc_unref(r);
				l = v;
				continue;
			}
			t = s_truth(c, n, v);
			if (t <= 0) {
				mc_unref(r);
				if (t < 0) {
					mc_unref(v);
					return NULL;
				}
				return v;
			}
			mc_unref(v);
			l = r;
		}
		return l;
	case MC_N_IFEXP:
		t = s_test(c, n->kids[1]);
		if (t < 0)
			return NULL;
		return s_eval(c, n->kids[t ? 0 : 2]);
	case MC_N_LAMBDA:
		return s_make_function(c, n);
	case MC_N_COMP:
		return s_comprehension(c, n);
	case MC_N_FSTRING:
		return s_fstring(c, n);
	case MC_N_POSTFIX:
		return s_chain_to(c, n, n->nkids);
	case MC_N_SLICE:
		s_fail(c, n, "SyntaxError", "a slice a:b is only allowed inside [ ]");
		return NULL;
	case MC_N_KWARG:
		s_fail(c, n, "SyntaxError", "name=value is only allowed inside a call's ( )");
		return NULL;
	case MC_N_STAR:
	case MC_N_DSTAR:
		s_fail(c, n, "SyntaxError", "a starred expression is only allowed in a call, a list or an "
		       "assignment");
		return NULL;
	default:
		s_fail(c, n, "SyntaxError", "this is a statement, not an expression");
		return NULL;
	}
	if (v == NULL && !c->failed)
		s_nomem(c, n);
	return v;
}

/* ---- assignment ---- */

/* list[i:j:k] = v: a plain slice takes any number of items, an extended
 * one exactly as many as it selects. */
static int s_set_list_slice(s_ctx *c, const mc_node *tr, mc_value *obj, mc_value *v)
{
	const mc_node *ixn = tr->kids[0];
	int64_t start, step;
	size_t cnt, i, n = mc_list_len(obj);
	mc_value *items = s_star_items(c, tr, v), *copy;

	if (items == NULL || s_slice(c, ixn, n, &start, &step, &cnt) != 0) {
		mc_unref(items);
		return -1;
	}
	if (step != 1 && mc_list_len(items) != cnt) {
		s_fail(c, ixn, "ValueError", "attempt to assign a sequence of size %zu to an extended "
		       "slice of size %zu", mc_list_len(items), cnt);
		mc_unref(items);
		return -1;
	}
	if (step != 1) {
		for (i = 0; i < cnt; i++)
			mc_list_set(obj, (size_t)((__int128)start + (__int128)i * step), mc_ref(mc_list_get(items, i)));
		mc_unref(items);
		return 0;
	}
	/* replace [start, start + cnt) by the items */
	copy = mc_list_new();
	for (i = 0; copy != NULL && i < (size_t)start; i++)
		if (mc_list_append(copy, mc_ref(mc_list_get(obj, i))) != 0)
			copy = NULL;
	for (i = 0; copy != NULL && i < mc_list_len(items); i++)
		if (mc_list_append(copy, mc_ref(mc_list_get(items, i))) != 0)
			copy = NULL;
	for (i = (size_t)start + cnt; copy != NULL && i < n; i++)
		if (mc_list_append(copy, mc_ref(mc_list_get(obj, i))) != 0)
			copy = NULL;
	mc_unref(items);
	if (copy == NULL) {
		s_nomem(c, tr);
		return -1;
	}
	/* swap the contents: obj takes copy's items */
	while (mc_list_len(obj) > 0)
		mc_unref(mc_list_pop(obj, mc_list_len(obj) - 1));
	for (i = 0; i < mc_list_len(copy); i++)
		mc_list_append(obj, mc_ref(mc_list_get(copy, i)));
	mc_unref(copy);
	return 0;
}

static int s_set_list_item(s_ctx *c, const mc_node *tr, mc_value *obj, mc_value *v)
{
	const mc_node *ixn = tr->kids[0];
	mc_value *key;
	size_t k;
	int rc = -1;

	if (ixn->kind == MC_N_SLICE)
		return s_set_list_slice(c, tr, obj, v);
	if (ixn->kind == MC_N_TUPLE) {
		s_fail(c, ixn, "TypeError", "list indices must be integers or slices, not tuple");
		return -1;
	}
	key = s_eval(c, ixn);
	if (key == NULL)
		return -1;
	if (s_norm_index(c, ixn, key, mc_list_len(obj), &k, "list") == 0) {
		if (mc_list_set(obj, k, mc_ref(v)) != 0)
			s_nomem(c, tr);
		else
			rc = 0;
	}
	mc_unref(key);
	return rc;
}

/* obj[...] = v, by the kind of obj. */
static int s_set_item(s_ctx *c, const mc_node *tr, mc_value *obj, mc_value *v)
{
	const mc_node *ixn = tr->kids[0];
	mc_value *key;
	int rc;

	switch (mc_type(obj)) {
	case MC_T_ARRAY:
		return s_array_item(c, tr, obj, v, NULL);
	case MC_T_LIST:
		return s_set_list_item(c, tr, obj, v);
	case MC_T_DICT:
		if (ixn->kind == MC_N_SLICE || ixn->kind == MC_N_TUPLE) {
			s_fail(c, ixn, "TypeError", "dict keys are str, int, float, bool or None");
			return -1;
		}
		key = s_eval(c, ixn);
		if (key == NULL)
			return -1;
		rc = s_dict_put(c, ixn, obj, key, mc_ref(v));
		mc_unref(key);
		return rc;
	default:
		s_fail(c, tr, "TypeError", "'%s' object does not support item assignment", mc_type_name(obj));
		return -1;
	}
}

static int s_assign(s_ctx *c, const mc_node *t, mc_value *v)
{
	size_t i, n, nstar = (size_t)-1, len, k;
	mc_value *items, *obj;
	int rc;

	switch (t->kind) {
	case MC_N_NAME:
		return s_set_name(c, t, v);
	case MC_N_POSTFIX: {
		const mc_node *last = t->kids[t->nkids - 1];

		if (last->kind == MC_N_ATTR) {
			s_fail(c, last, "AttributeError", "cannot set attribute '%s': attributes are read-only; "
			       "use the object's methods to change it", last->name);
			return -1;
		}
		obj = s_chain_to(c, t, t->nkids - 1);
		if (obj == NULL)
			return -1;
		rc = s_set_item(c, last, obj, v);
		mc_unref(obj);
		return rc;
	}
	case MC_N_TUPLE:
	case MC_N_LIST: {
		n = t->nkids;
		for (i = 0; i < n; i++)
			if (t->kids[i]->kind == MC_N_STAR)
				nstar = i;
		if (mc_type(v) != MC_T_LIST && mc_type(v) != MC_T_ARRAY && mc_type(v) != MC_T_RANGE &&
		    mc_type(v) != MC_T_STR && mc_type(v) != MC_T_DICT && mc_type(v) != MC_T_OBJECT) {
			s_fail(c, t, "TypeError", "cannot unpack %s into %zu names: expected a list", mc_type_name(v), n);
			return -1;
		}
		if (mc_value_items(&items, v, c->io, c->in, "unpack", s_err(c)) != 0) {
			s_fail_err(c, t, c->scratch);
			return -1;
		}
		len = mc_list_len(items);
		if ((nstar == (size_t)-1 && len != n) || (nstar != (size_t)-1 && len < n - 1)) {
			if (nstar == (size_t)-1)
				s_fail(c, t, "ValueError", "cannot unpack %zu value%s into %zu name%s", len,
				       len == 1 ? "" : "s", n, n == 1 ? "" : "s");
			else
				s_fail(c, t, "ValueError", "not enough values to unpack (expected at least %zu, got %zu)",
				       n - 1, len);
			mc_unref(items);
			return -1;
		}
		k = 0;
		for (i = 0; i < n; i++) {
			if (i == nstar) {
				size_t take = len - (n - 1), j;
				mc_value *rest = mc_list_new();

				for (j = 0; rest != NULL && j < take; j++)
					if (mc_list_append(rest, mc_ref(mc_list_get(items, k + j))) != 0) {
						mc_unref(rest);
						rest = NULL;
					}
				if (rest == NULL) {
					s_nomem(c, t);
					mc_unref(items);
					return -1;
				}
				rc = s_assign(c, t->kids[i]->kids[0], rest);
				mc_unref(rest);
				k += take;
			} else {
				rc = s_assign(c, t->kids[i], mc_list_get(items, k++));
			}
			if (rc != 0) {
				mc_unref(items);
				return -1;
			}
		}
		mc_unref(items);
		return 0;
	}
	default:
		s_fail(c, t, "SyntaxError", "cannot assign to this expression");
		return -1;
	}
}

/* For a, b = v: checks the length before anything is assigned. */
static int s_check_unpack(s_ctx *c, const mc_node *t, mc_value *v)
{
	size_t n = t->nkids, have, i;
	int star = 0;

	if (t->kind != MC_N_TUPLE && t->kind != MC_N_LIST)
		return 0;
	for (i = 0; i < n; i++)
		star |= t->kids[i]->kind == MC_N_STAR;
	if (mc_type(v) == MC_T_LIST)
		have = mc_list_len(v);
	else if (mc_type(v) == MC_T_ARRAY)
		have = mc_array_rows(v);
	else
		return 0;   /* checked while assigning */
	if (star ? have < n - 1 : have != n) {
		if (star)
			s_fail(c, t, "ValueError", "not enough values to unpack (expected at least %zu, got %zu)",
			       n - 1, have);
		else
			s_fail(c, t, "ValueError", "cannot unpack %zu value%s into %zu name%s", have,
			       have == 1 ? "" : "s", n, n == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

static int s_del(s_ctx *c, const mc_node *t)
{
	size_t i;

	switch (t->kind) {
	case MC_N_NAME: {
		mc_value *d = s_store_dict(c, t), *key = mc_str(t->name);
		int rc;

		if (key == NULL) {
			s_nomem(c, t);
			return -1;
		}
		rc = mc_dict_del(d, key);
		mc_unref(key);
		if (rc != 0) {
			s_fail(c, t, "NameError", "name '%s' is not defined", t->name);
			return -1;
		}
		return 0;
	}
	case MC_N_TUPLE:
	case MC_N_LIST:
		for (i = 0; i < t->nkids; i++)
			if (s_del(c, t->kids[i]) != 0)
				return -1;
		return 0;
	case MC_N_POSTFIX: {
		const mc_node *last = t->kids[t->nkids - 1], *ixn;
		mc_value *obj, *key = NULL;
		int rc = -1;

		if (last->kind != MC_N_INDEX) {
			s_fail(c, last, "AttributeError", "cannot delete an attribute");
			return -1;
		}
		obj = s_chain_to(c, t, t->nkids - 1);
		if (obj == NULL)
			return -1;
		ixn = last->kids[0];
		if (mc_type(obj) == MC_T_LIST && ixn->kind == MC_N_SLICE) {
			int64_t start, step;
			size_t cnt, k, n = mc_list_len(obj);
			unsigned char *drop = calloc(n + 1, 1);

			if (drop != NULL && s_slice(c, ixn, n, &start, &step, &cnt) == 0) {
				for (k = 0; k < cnt; k++)
					drop[(size_t)((__int128)start + (__int128)k * step)] = 1;
				for (k = n; k > 0; k--)
					if (drop[k - 1])
						mc_unref(mc_list_pop(obj, k - 1));
				rc = 0;
			} else if (drop == NULL) {
				s_nomem(c, t);
			}
			free(drop);
		} else if (mc_type(obj) == MC_T_LIST) {
			size_t k;

			key = s_eval(c, ixn);
			if (key != NULL && s_norm_index(c, ixn, key, mc_list_len(obj), &k, "list") == 0) {
				mc_unref(mc_list_pop(obj, k));
				rc = 0;
			}
		} else if (mc_type(obj) == MC_T_DICT && ixn->kind != MC_N_SLICE && ixn->kind != MC_N_TUPLE) {
			key = s_eval(c, ixn);
			if (key != NULL) {
				if (mc_dict_del(obj, key) == 0)
					rc = 0;
				else
					s_key_error(c, ixn, obj, key);
			}
		} else {
			s_fail(c, last, "TypeError", "'%s' object does not support item deletion", mc_type_name(obj));
		}
		mc_unref(key);
		mc_unref(obj);
		return rc;
	}
	default:
		s_fail(c, t, "SyntaxError", "cannot delete this expression");
		return -1;
	}
}

/* target op= value, evaluating the target's object and index once. */
static int s_augassign(s_ctx *c, const mc_node *st)
{
	const mc_node *t = st->kids[0];
	mc_value *obj = NULL, *cur = NULL, *rhs = NULL, *res = NULL;
	int rc = -1;

	if (t->kind == MC_N_NAME) {
		cur = s_lookup(c, t);
	} else {
		const mc_node *last = t->kids[t->nkids - 1];

		if (last->kind == MC_N_ATTR) {
			s_fail(c, last, "AttributeError", "cannot set attribute '%s': attributes are read-only",
			       last->name);
			return -1;
		}
		obj = s_chain_to(c, t, t->nkids - 1);
		if (obj != NULL)
			cur = s_getindex(c, last, obj);
	}
	if (cur == NULL)
		goto cleanup;
	rhs = s_eval(c, st->kids[1]);
	if (rhs == NULL)
		goto cleanup;
	if (st->op == MC_OP_ADD && mc_type(cur) == MC_T_LIST) {
		/* lists grow in place, as in Python: a = b = []; a += [1] changes b */
		mc_value *items = s_star_items(c, st->kids[1], rhs);
		size_t i, n;

		if (items == NULL)
			goto cleanup;
		n = mc_list_len(items);
		for (i = 0; i < n; i++)
			if (mc_list_append(cur, mc_ref(mc_list_get(items, i))) != 0) {
				mc_unref(items);
				s_nomem(c, st);
				goto cleanup;
			}
		mc_unref(items);
		res = mc_ref(cur);
	} else {
		res = s_binop(c, st->line, st->col, st->op, cur, rhs);
		if (res == NULL)
			goto cleanup;
	}
	if (t->kind == MC_N_NAME)
		rc = s_set_name(c, t, res);
	else
		rc = s_set_item(c, t->kids[t->nkids - 1], obj, res);
cleanup:
	mc_unref(obj);
	mc_unref(cur);
	mc_unref(rhs);
	mc_unref(res);
	return rc;
}

/* ---- statements ---- */

static s_flow s_loop_body(s_ctx *c, const mc_node *body, int *broke)
{
	s_flow f = s_exec_block(c, body);

	if (f == S_BREAK) {
		*broke = 1;
		return S_BREAK;
	}
	return f == S_CONTINUE ? S_NEXT : f;
}

static s_flow s_exec_assign(s_ctx *c, const mc_node *st)
{
	mc_value *v = s_eval(c, st->kids[st->nkids - 1]);
	size_t i;

	if (v == NULL)
		return S_ERROR;
	for (i = 0; i + 1 < st->nkids; i++)
		if (s_check_unpack(c, st->kids[i], v) != 0) {
			mc_unref(v);
			return S_ERROR;
		}
	for (i = 0; i + 1 < st->nkids; i++)
		if (s_assign(c, st->kids[i], v) != 0) {
			mc_unref(v);
			return S_ERROR;
		}
	mc_unref(v);
	return S_NEXT;
}

static s_flow s_exec_if(s_ctx *c, const mc_node *st)
{
	size_t i;
	int t;

	for (i = 0; i + 1 < st->nkids; i += 2) {
		t = s_test(c, st->kids[i]);
		if (t < 0)
			return S_ERROR;
		if (t)
			return s_exec_block(c, st->kids[i + 1]);
	}
	if (st->nkids % 2 == 1)
		return s_exec_block(c, st->kids[st->nkids - 1]);
	return S_NEXT;
}

static s_flow s_exec_while(s_ctx *c, const mc_node *st)
{
	int t, broke = 0;
	s_flow f;

	for (;;) {
		if (s_poll(c, st) != 0)
			return S_ERROR;
		t = s_test(c, st->kids[0]);
		if (t < 0)
			return S_ERROR;
		if (!t)
			break;
		f = s_loop_body(c, st->kids[1], &broke);
		if (f == S_BREAK)
			break;
		if (f != S_NEXT)
			return f;
	}
	if (!broke && st->nkids > 2)
		return s_exec_block(c, st->kids[2]);
	return S_NEXT;
}

static s_flow s_exec_for(s_ctx *c, const mc_node *st)
{
	mc_iter it;
	mc_value *v, *x;
	int rc, broke = 0;
	s_flow f = S_NEXT;

	v = s_eval(c, st->kids[1]);
	if (v == NULL)
		return S_ERROR;
	if (mc_iter_init(&it, v, c->io, c->in, s_err(c)) != 0) {
		mc_unref(v);
		s_fail_err(c, st->kids[1], c->scratch);
		return S_ERROR;
	}
	mc_unref(v);
	while ((rc = mc_iter_next(&it, &x, s_err(c))) == 1) {
		if (s_poll(c, st) != 0 || s_assign(c, st->kids[0], x) != 0) {
			mc_unref(x);
			f = S_ERROR;
			break;
		}
		mc_unref(x);
		f = s_loop_body(c, st->kids[2], &broke);
		if (f != S_NEXT)
			break;
	}
	mc_iter_clear(&it);
	if (rc < 0) {
		s_fail_err(c, st->kids[1], c->scratch);
		return S_ERROR;
	}
	if (f == S_BREAK)
		return S_NEXT;
	if (f != S_NEXT)
		return f;
	if (st->nkids > 3)
		return s_exec_block(c, st->kids[3]);
	return S_NEXT;
}

static s_flow s_exec_return(s_ctx *c, const mc_node *st)
{
	mc_value *v;

	if (st->nkids > 0) {
		v = s_eval(c, st->kids[0]);
		if (v == NULL)
			return S_ERROR;
	} else {
		v = mc_none();
	}
	mc_unref(c->ret);
	c->ret = v;
	return S_RETURN;
}

static s_flow s_exec_def(s_ctx *c, const mc_node *st)
{
	mc_value *key, *v = s_make_function(c, st);
	int t = -1;

	if (v == NULL)
		return S_ERROR;
	key = s_name_key(c, st);
	if (key != NULL) {
		mc_node name;   /* where the name would be stored: as a NAME node would */

		memset(&name, 0, sizeof name);
		name.kind = MC_N_NAME;
		name.line = st->line;
		name.col = st->col;
		name.name = st->fn->name;
		t = mc_dict_set(s_store_dict(c, &name), key, mc_ref(v));
		if (t != 0)
			s_nomem(c, st);
	}
	mc_unref(v);
	return t == 0 ? S_NEXT : S_ERROR;
}

static s_flow s_exec_assert(s_ctx *c, const mc_node *st)
{
	char *msg = NULL;
	mc_value *v;
	int t = s_test(c, st->kids[0]);

	if (t < 0)
		return S_ERROR;
	if (t)
		return S_NEXT;
	if (st->nkids > 1) {
		v = s_eval(c, st->kids[1]);
		if (v == NULL)
			return S_ERROR;
		msg = mc_value_str(v);
		mc_unref(v);
	}
	s_fail(c, st, "AssertionError", "%s", msg != NULL ? msg : "the assertion failed");
	free(msg);
	return S_ERROR;
}

/* One statement, by its kind. */
static s_flow s_exec(s_ctx *c, const mc_node *st)
{
	mc_value *v;
	size_t i;

	if (s_room(c, st) != 0)
		return S_ERROR;
	switch (st->kind) {
	case MC_N_EXPR:
		v = s_eval(c, st->kids[0]);
		if (v == NULL)
			return S_ERROR;
		mc_unref(v);
		return S_NEXT;
	case MC_N_ASSIGN: return s_exec_assign(c, st);
	case MC_N_AUGASSIGN: return s_augassign(c, st) == 0 ? S_NEXT : S_ERROR;
	case MC_N_IF: return s_exec_if(c, st);
	case MC_N_WHILE: return s_exec_while(c, st);
	case MC_N_FOR: return s_exec_for(c, st);
	case MC_N_BREAK: return S_BREAK;
	case MC_N_CONTINUE: return S_CONTINUE;
	case MC_N_PASS:
	case MC_N_GLOBAL:
	case MC_N_NONLOCAL:
		return S_NEXT;
	case MC_N_RETURN: return s_exec_return(c, st);
	case MC_N_DEF: return s_exec_def(c, st);
	case MC_N_DEL:
		for (i = 0; i < st->nkids; i++)
			if (s_del(c, st->kids[i]) != 0)
				return S_ERROR;
		return S_NEXT;
	case MC_N_ASSERT: return s_exec_assert(c, st);
	case MC_N_BLOCK: return s_exec_block(c, st);
	default:
		s_fail(c, st, "SyntaxError", "not a statement");
		return S_ERROR;
	}
}

static s_flow s_exec_block(s_ctx *c, const mc_node *block)
{
	size_t i;

	for (i = 0; i < block->nkids; i++) {
		s_flow f;

		if (s_poll(c, block->kids[i]) != 0)
			return S_ERROR;
		f = s_exec(c, block->kids[i]);
		if (f != S_NEXT)
			return f;
	}
	return S_NEXT;
}

int mc_call_run_code(mc_call *call, const char *src, const char *label, mc_error *err)
{
	s_ctx *c = call->ctx;
	mc_code *cd = NULL;
	mc_syntax_error serr;
	s_frame frame;
	size_t i;
	int rc;

	if (c == NULL)
		return mc_error_set(err, MC_ERR_STATE, "%s(): cannot run code here", call->def->name);
	memset(&frame, 0, sizeof frame);
	frame.back = c->frame;
	if (c->depth >= mc_lang_depth_limit() || !mc_stack_ok()) {
		s_fail_at(c, c->frame->line, c->frame->col, "RecursionError", "maximum recursion depth "
		          "exceeded: %d calls deep (setrecursionlimit(n) raises the limit)", c->depth);
		return mc_error_set(err, MC_ERR_INVALID, "%s", c->xerr->evalue);
	}
	rc = mc_code_parse(&cd, src, label, &serr);
	if (rc == MC_ERR_NOMEM)
		return mc_error_set(err, MC_ERR_NOMEM, "out of memory");
	if (rc != 0) {
		/* a frame of the file's text alone, to show the line and a caret */
		mc_code tmp;

		memset(&tmp, 0, sizeof tmp);
		tmp.src = src;
		snprintf(tmp.label, sizeof tmp.label, "%s", label);
		frame.code = &tmp;
		c->frame = &frame;
		s_fail_at(c, serr.line, serr.col, serr.ename[0] != '\0' ? serr.ename : "SyntaxError", "%s",
		          serr.msg);
		c->frame = frame.back;
		return mc_error_set(err, MC_ERR_PARSE, "%s", c->xerr->evalue);
	}
	/* the file's statements run at the session's top level, in a frame of
	 * their own: a traceback shows the call, then the file's line */
	frame.code = cd;
	c->frame = &frame;
	c->depth++;
	for (i = 0; i < cd->prog.n; i++)
		if (s_poll(c, cd->prog.stmts[i]) != 0 || s_exec(c, cd->prog.stmts[i]) == S_ERROR)
			break;
	c->depth--;
	c->frame = frame.back;
	mc_code_unref(cd);
	if (c->failed)
		return mc_error_set(err, strcmp(c->xerr->ename, "KeyboardInterrupt") == 0 ?
		                    MC_ERR_INTERRUPTED : MC_ERR_INVALID, "%s", c->xerr->evalue);
	return 0;
}

/* ---- the entry points ---- */

static int s_status(const mc_exec_error *xerr)
{
	return strcmp(xerr->ename, "KeyboardInterrupt") == 0 ? MC_ERR_INTERRUPTED : MC_ERR_INVALID;
}

/* One run of an entry point: the evaluator of code at the top level of the
 * session (its context and top frame), and what to restore at the end. */
typedef struct s_run {
	s_ctx c;
	s_frame top;
	mc_error scratch;
	mc_code *cd;
	atomic_int *old_intr;
	int entered;
} s_run;

/* The start of both entries: xerr cleared, the stack entered, src parsed
 * (expr_only: it must be one expression) and r set up to evaluate it with
 * io. Returns 0 (finish with s_run_end), or MC_ERR_PARSE or MC_ERR_NOMEM
 * with xerr filled and the stack left. */
static int s_run_start(s_run *r, mc_interp *in, const char *src, int expr_only,
                       const mc_io *io, mc_exec_error *xerr)
{
	mc_syntax_error serr;
	int rc;

	memset(r, 0, sizeof *r);
	memset(xerr, 0, sizeof *xerr);
	r->entered = mc_stack_enter();
	rc = mc_code_parse(&r->cd, src, in->label, &serr);
	if (rc == 0 && expr_only &&
	    (r->cd->prog.n != 1 || r->cd->prog.stmts[0]->kind != MC_N_EXPR)) {
		memset(&serr, 0, sizeof serr);
		serr.line = r->cd->prog.n > 0 ? r->cd->prog.stmts[0]->line : 1;
		serr.col = r->cd->prog.n > 0 ? r->cd->prog.stmts[0]->col : 1;
		snprintf(serr.msg, sizeof serr.msg, "expected an expression, not a statement");
		mc_code_unref(r->cd);
		r->cd = NULL;
		rc = MC_ERR_PARSE;
	}
	if (rc != 0) {
		s_fill_syntax(xerr, src, in->label, &serr);
		mc_stack_leave(r->entered);
		return rc == MC_ERR_NOMEM ? MC_ERR_NOMEM : MC_ERR_PARSE;
	}
	r->old_intr = mc_lang_set_interrupt(io != NULL ? io->interrupted : NULL);
	r->c.in = in;
	r->c.io = io;
	r->c.xerr = xerr;
	r->c.frame = &r->top;
	r->c.scratch = &r->scratch;
	r->top.code = r->cd;
	return 0;
}

static void s_run_end(s_run *r)
{
	mc_unref(r->c.ret);
	mc_code_unref(r->cd);
	mc_lang_set_interrupt(r->old_intr);
	mc_stack_leave(r->entered);
}

int mc_interp_execute(mc_interp *in, const char *code, const mc_io *io, mc_value **result,
                      mc_exec_error *xerr)
{
	s_run r;
	mc_value *last = NULL;
	int rc;

	*result = NULL;
	if ((rc = s_run_start(&r, in, code, 0, io, xerr)) != 0)
		return rc;
	for (size_t i = 0; i < r.cd->prog.n; i++) {
		const mc_node *st = r.cd->prog.stmts[i];

		mc_unref(last);
		last = NULL;
		if (s_poll(&r.c, st) != 0)
			break;
		if (st->kind == MC_N_EXPR && !(st->flags & MC_F_HIDE) && i + 1 == r.cd->prog.n) {
			last = s_eval(&r.c, st->kids[0]);
			if (last == NULL)
				break;
			continue;
		}
		if (s_exec(&r.c, st) == S_ERROR)
			break;
	}
	s_run_end(&r);
	if (mc_gc_due())
		mc_gc_collect();
	if (r.c.failed) {
		mc_unref(last);
		return s_status(xerr);
	}
	if (last != NULL && mc_type(last) == MC_T_NONE) {
		mc_unref(last);
		last = NULL;
	}
	*result = last;
	return 0;
}

int mc_interp_eval(mc_interp *in, const char *expr, const mc_io *io, mc_value **result,
                   mc_exec_error *xerr)
{
	mc_io quiet = { .interrupted = io != NULL ? io->interrupted : NULL, .silent = 1 };
	s_run r;

	*result = NULL;
	if (s_run_start(&r, in, expr, 1, &quiet, xerr) != 0)
		return MC_ERR_PARSE;   /* no memory to parse is reported as MC_ERR_PARSE too */
	*result = s_eval(&r.c, r.cd->prog.stmts[0]->kids[0]);
	s_run_end(&r);
	if (*result == NULL)
		return s_status(xerr);
	return 0;
}
