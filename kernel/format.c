/* This module implements Python's format-spec mini-language for the
 * command language (lang.h): f"{x:>10.3f}", format(x, spec) and
 * str.format. Numbers format through C's printf for the digits; fill,
 * alignment, signs, zero padding, thousands separators, '#' prefixes and
 * '%' are done here, with Python's defaults (numbers to the right, text to
 * the left). */
#include "lang.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_spec {
	char fill[5];      /* one UTF-8 character */
	char align;        /* '<', '>', '^', '=' or 0 */
	char sign;         /* '+', '-', ' ' or 0 */
	int alt;           /* '#' */
	int zero;          /* '0' before the width */
	long width;        /* -1 when none */
	char group;        /* ',', '_' or 0 */
	long precision;    /* -1 when none */
	char type;         /* 0 when none */
} s_spec;

/* [[fill]align] at the start of s: fill is one character, which may be
 * several bytes. Returns where the rest starts. */
static size_t s_fill_align(const char *s, size_t n, s_spec *sp)
{
	size_t k = n > 0 ? mc_utf8_valid_at(s, n) : 0;

	if (k > 0 && k < n && strchr("<>=^", s[k]) != NULL) {
		memcpy(sp->fill, s, k);
		sp->fill[k] = '\0';
		sp->align = s[k];
		return k + 1;
	}
	if (n > 0 && strchr("<>=^", s[0]) != NULL) {
		sp->align = s[0];
		return 1;
	}
	return 0;
}

/* The number written by the digits at s[*i] in *out; -1 once it passes max. */
static int s_digits(const char *s, size_t n, size_t *i, long max, long *out)
{
	*out = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (*out > max)
			return -1;
		*out = *out * 10 + (s[(*i)++] - '0');
	}
	return 0;
}

static int s_parse_spec(const char *s, size_t n, s_spec *sp, mc_error *err)
{
	size_t i;

	memset(sp, 0, sizeof *sp);
	sp->width = -1;
	sp->precision = -1;
	sp->fill[0] = ' ';
	i = s_fill_align(s, n, sp);
	if (i < n && (s[i] == '+' || s[i] == '-' || s[i] == ' '))
		sp->sign = s[i++];
	if (i < n && s[i] == 'z')
		i++;
	if (i < n && s[i] == '#') {
		sp->alt = 1;
		i++;
	}
	if (i < n && s[i] == '0') {
		sp->zero = 1;
		i++;
	}
	if (i < n && s[i] >= '0' && s[i] <= '9' && s_digits(s, n, &i, 100000, &sp->width) != 0)
		return mc_error_set(err, MC_ERR_INVALID, "format spec '%.*s': width too large", (int)n, s);
	if (i < n && (s[i] == ',' || s[i] == '_'))
		sp->group = s[i++];
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return mc_error_set(err, MC_ERR_INVALID, "format spec '%.*s': expected digits after '.'",
			                    (int)n, s);
		if (s_digits(s, n, &i, 1000, &sp->precision) != 0)
			return mc_error_set(err, MC_ERR_INVALID, "format spec '%.*s': precision too large",
			                    (int)n, s);
	}
	if (i < n && strchr("sbcdoxXneEfFgG%", s[i]) != NULL)
		sp->type = s[i++];
	if (i != n)
		return mc_error_set(err, MC_ERR_INVALID, "invalid format spec '%.*s': expected "
		                    "[[fill]align][sign][#][0][width][,][.precision][type]", (int)n, s);
	if (sp->zero && sp->align == 0) {
		sp->fill[0] = '0';
		sp->fill[1] = '\0';
		sp->align = '=';
	}
	return 0;
}

/* Pads body (sign and prefix apart, for '=' alignment) to the width. */
static void s_pad(mc_text *o, const s_spec *sp, const char *sign, const char *body, size_t blen,
                  char dflt_align)
{
	size_t slen = strlen(sign), w = mc_utf8_count(sign, slen) + mc_utf8_count(body, blen), pad = 0,
	       left = 0, right = 0, k;
	char align = sp->align ? sp->align : dflt_align;

	if (sp->width > 0 && (size_t)sp->width > w)
		pad = (size_t)sp->width - w;
	if (align == '<')
		right = pad;
	else if (align == '^') {
		left = pad / 2;
		right = pad - left;
	} else {
		left = pad;
	}
	if (align == '=') {
		mc_text_put(o, sign, slen);
		for (k = 0; k < left; k++)
			mc_text_put(o, sp->fill, strlen(sp->fill));
	} else {
		for (k = 0; k < left; k++)
			mc_text_put(o, sp->fill, strlen(sp->fill));
		mc_text_put(o, sign, slen);
	}
	mc_text_put(o, body, blen);
	for (k = 0; k < right; k++)
		mc_text_put(o, sp->fill, strlen(sp->fill));
}

/* Inserts sep every every digits into the leading digit run of s. */
static void s_group(char *out, size_t outn, const char *s, char sep, int every)
{
	size_t digits = strspn(s, "0123456789abcdefABCDEF"), i, o = 0;

	for (i = 0; i < digits && o + 2 < outn; i++) {
		if (i > 0 && (digits - i) % (size_t)every == 0)
			out[o++] = sep;
		out[o++] = s[i];
	}
	snprintf(out + o, outn - o, "%s", s + digits);
}

static int s_format_int(mc_text *o, const s_spec *sp, int64_t v, mc_error *err)
{
	char digits[160], grouped[240], sign[4] = "", prefix[3] = "";
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char type = sp->type ? sp->type : 'd';
	int base = 10, every = 3;
	size_t n = 0;

	if (type == 'c') {
		char ch[8];
		size_t len;

		if (v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			return mc_error_set(err, MC_ERR_INVALID, "format 'c': %lld is not a character code",
			                    (long long)v);
		if (v < 0x80) {
			ch[0] = (char)v;
			len = 1;
		} else if (v < 0x800) {
			ch[0] = (char)(0xC0 | (v >> 6));
			ch[1] = (char)(0x80 | (v & 0x3F));
			len = 2;
		} else if (v < 0x10000) {
			ch[0] = (char)(0xE0 | (v >> 12));
			ch[1] = (char)(0x80 | ((v >> 6) & 0x3F));
			ch[2] = (char)(0x80 | (v & 0x3F));
			len = 3;
		} else {
			ch[0] = (char)(0xF0 | (v >> 18));
			ch[1] = (char)(0x80 | ((v >> 12) & 0x3F));
			ch[2] = (char)(0x80 | ((v >> 6) & 0x3F));
			ch[3] = (char)(0x80 | (v & 0x3F));
			len = 4;
		}
		s_pad(o, sp, "", ch, len, '<');
		return 0;
	}
	if (type == 'b')
		base = 2;
	else if (type == 'o')
		base = 8;
	else if (type == 'x' || type == 'X')
		base = 16;
	if (base != 10)
		every = 4;
	if (sp->group == ',' && base != 10)
		return mc_error_set(err, MC_ERR_INVALID, "cannot use ',' with format '%c'", type);
	do {
		int d = (int)(mag % (uint64_t)base);

		digits[n++] = (char)(d < 10 ? '0' + d : (type == 'X' ? 'A' : 'a') + d - 10);
		mag /= (uint64_t)base;
	} while (mag > 0);
	{
		size_t i;

		for (i = 0; i < n / 2; i++) {
			char t = digits[i];

			digits[i] = digits[n - 1 - i];
			digits[n - 1 - i] = t;
		}
	}
	digits[n] = '\0';
	if (sp->alt && base != 10) {
		prefix[0] = '0';
		prefix[1] = type == 'b' ? 'b' : type == 'o' ? 'o' : (type == 'X' ? 'X' : 'x');
	}
	if (v < 0)
		strcpy(sign, "-");
	else if (sp->sign == '+')
		strcpy(sign, "+");
	else if (sp->sign == ' ')
		strcpy(sign, " ");
	strcat(sign, prefix);
	if (sp->group != 0)
		s_group(grouped, sizeof grouped, digits, sp->group, every);
	else
		snprintf(grouped, sizeof grouped, "%s", digits);
	s_pad(o, sp, sign, grouped, strlen(grouped), '>');
	return 0;
}

/* a (>= 0) in C's conversion t (e, E, f, F, g or G) at precision prec,
 * with the alternate form ('#') when alt. */
static void s_float_body(char *buf, size_t n, char t, int alt, int prec, double a)
{
	/* the formats stay literals, so that the compiler checks them */
#define S_FLOAT(L) \
	(void)(alt ? snprintf(buf, n, "%#.*" #L, prec, a) : snprintf(buf, n, "%.*" #L, prec, a))
	switch (t) {
	case 'e': S_FLOAT(e); break;
	case 'E': S_FLOAT(E); break;
	case 'f': S_FLOAT(f); break;
	case 'F': S_FLOAT(F); break;
	case 'G': S_FLOAT(G); break;
	default: S_FLOAT(g); break;
	}
#undef S_FLOAT
}

static int s_format_float(mc_text *o, const s_spec *sp, double f, mc_error *err)
{
	char body[512], grouped[768], sign[2] = "";
	char type = sp->type;
	long prec = sp->precision;
	int neg = signbit(f) != 0 && !isnan(f);
	double a = fabs(f);

	(void)err;
	if (neg)
		strcpy(sign, "-");
	else if (sp->sign == '+')
		strcpy(sign, "+");
	else if (sp->sign == ' ')
		strcpy(sign, " ");
	if (isnan(f) || isinf(f)) {
		int upper = type == 'F' || type == 'E' || type == 'G';

		snprintf(body, sizeof body, "%s%s", isnan(f) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"),
		         type == '%' ? "%" : "");
		s_pad(o, sp, sign, body, strlen(body), '>');
		return 0;
	}
	if (type == 0 && prec < 0) {
		/* repr */
		mc_value *v = mc_float(a);
		char *r = v != NULL ? mc_value_repr(v) : NULL;

		mc_unref(v);
		if (r == NULL)
			return mc_error_nomem(err);
		snprintf(body, sizeof body, "%s", r);
		free(r);
	} else {
		char t = type;

		if (t == 0 || t == 'n')
			t = 'g';
		if (t == '%') {
			a *= 100.0;
			t = 'f';
		}
		if (prec < 0)
			prec = 6;
		if ((t == 'g' || t == 'G') && prec == 0)
			prec = 1;
		s_float_body(body, sizeof body, t, sp->alt, (int)prec, a);
		if (type == 0 && strpbrk(body, ".e") == NULL)
			strcat(body, ".0");
		if (type == '%')
			strcat(body, "%");
	}
	if (sp->group != 0)
		s_group(grouped, sizeof grouped, body, sp->group, 3);
	else
		snprintf(grouped, sizeof grouped, "%s", body);
	s_pad(o, sp, sign, grouped, strlen(grouped), '>');
	return 0;
}

static int s_format(mc_text *o, const mc_value *v, const char *spec, size_t spec_len, mc_error *err)
{
	s_spec sp;
	int rc;

	if (spec_len == 0) {
		size_t n = 0;
		char *s = mc_value_str_n(v, &n);

		if (s == NULL)
			return mc_error_nomem(err);
		mc_text_put(o, s, n);
		free(s);
		return 0;
	}
	rc = s_parse_spec(spec, spec_len, &sp, err);
	if (rc != 0)
		return rc;
	switch (mc_type(v)) {
	case MC_T_STR: {
		const char *s = mc_as_str(v);
		size_t n = mc_str_len(v);

		if (sp.type != 0 && sp.type != 's')
			return mc_error_set(err, MC_ERR_INVALID, "unknown format code '%c' for a str", sp.type);
		if (sp.sign != 0 || sp.align == '=' || sp.group != 0)
			return mc_error_set(err, MC_ERR_INVALID, "format spec '%.*s' is for numbers, got a str",
			                    (int)spec_len, spec);
		if (sp.precision >= 0)
			n = mc_utf8_offset(s, n, (size_t)sp.precision);
		s_pad(o, &sp, "", s, n, '<');
		return 0;
	}
	case MC_T_BOOL:
	case MC_T_INT:
		if (sp.type == 's')
			return mc_error_set(err, MC_ERR_INVALID, "unknown format code 's' for an int");
		if (sp.type != 0 && strchr("eEfFgG%", sp.type) != NULL)
			return s_format_float(o, &sp, (double)mc_as_int(v), err);
		if (sp.precision >= 0)
			return mc_error_set(err, MC_ERR_INVALID, "precision is not allowed for an int: use a "
			                    "float format such as '.2f'");
		return s_format_int(o, &sp, mc_as_int(v), err);
	case MC_T_FLOAT:
		if (sp.type != 0 && strchr("sbcdoxX", sp.type) != NULL)
			return mc_error_set(err, MC_ERR_INVALID, "unknown format code '%c' for a float", sp.type);
		return s_format_float(o, &sp, mc_as_float(v), err);
	default:
		return mc_error_set(err, MC_ERR_TYPE, "unsupported format string passed to %s.__format__",
		                    mc_type_name(v));
	}
}

/* Hands the text over (rc 0), or drops it (rc an error). */
static int s_take(mc_text *o, int rc, char **out, size_t *n, mc_error *err)
{
	size_t len = o->n;
	char *s;

	if (rc != 0) {
		free(o->s);
		return rc;
	}
	s = mc_text_finish(o);
	if (s == NULL)
		return mc_error_nomem(err);
	*out = s;
	*n = len;
	return 0;
}

int mc_format_value(const mc_value *v, const char *spec, size_t spec_len, char **out, size_t *n,
                    mc_error *err)
{
	mc_text o = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	rc = s_format(&o, v, spec, spec_len, err);
	return s_take(&o, rc, out, n, err);
}

/* One replacement field of str.format: {name!conv:spec}. */
typedef struct s_field {
	size_t f0, f1;   /* the name: fmt[f0, f1) */
	size_t s0, s1;   /* the spec: fmt[s0, s1) */
	int conv;        /* 'r', 's', 'a' or 0 */
} s_field;

/* The field whose '{' is at fmt[*i - 1]; *i moves past its '}'. */
static int s_field_scan(const char *fmt, size_t len, size_t *i, s_field *f, mc_error *err)
{
	size_t k = *i;
	int depth = 0;

	memset(f, 0, sizeof *f);
	f->f0 = k;
	while (k < len && fmt[k] != '}' && fmt[k] != '!' && fmt[k] != ':')
		k++;
	f->f1 = k;
	if (k < len && fmt[k] == '!') {
		if (k + 1 >= len || strchr("rsa", fmt[k + 1]) == NULL)
			return mc_error_set(err, MC_ERR_INVALID, "str.format(): expected 'r', 's' or 'a' after '!'");
		f->conv = fmt[k + 1];
		k += 2;
	}
	if (k < len && fmt[k] == ':') {
		f->s0 = ++k;
		while (k < len && (fmt[k] != '}' || depth > 0)) {
			if (fmt[k] == '{')
				depth++;
			else if (fmt[k] == '}')
				depth--;
			k++;
		}
		f->s1 = k;
	}
	if (k >= len || fmt[k] != '}')
		return mc_error_set(err, MC_ERR_INVALID, "str.format(): expected '}' to close the '{' at "
		                    "position %zu", f->f0 - 1);
	*i = k + 1;
	return 0;
}

/* Automatic ({}) or manual ({0}) numbering: a format uses one of them. */
typedef struct s_numbering {
	size_t next_auto;
	int manual, autonum;
} s_numbering;

static int s_positional(const mc_value *args, size_t k, const mc_value **v, mc_error *err)
{
	*v = mc_list_get(args, k);
	if (*v != NULL)
		return 0;
	mc_lang_set_ename("IndexError");
	return mc_error_set(err, MC_ERR_INVALID, "str.format(): replacement field %zu has no "
	                    "argument (%zu given)", k, mc_list_len(args));
}

/* The argument a field names: {} the next positional one, {0} by position,
 * {name} by keyword. Borrowed. */
static int s_field_arg(const char *fmt, const s_field *f, const mc_value *args, const mc_value *kwargs,
                       s_numbering *nb, const mc_value **v, mc_error *err)
{
	size_t k = 0, j;

	if (f->f1 == f->f0) {
		if (nb->manual)
			return mc_error_set(err, MC_ERR_INVALID, "cannot switch from manual field numbering "
			                    "to automatic field numbering");
		nb->autonum = 1;
		return s_positional(args, nb->next_auto++, v, err);
	}
	if (fmt[f->f0] >= '0' && fmt[f->f0] <= '9') {
		if (nb->autonum)
			return mc_error_set(err, MC_ERR_INVALID, "cannot switch from automatic field "
			                    "numbering to manual field specification");
		nb->manual = 1;
		for (j = f->f0; j < f->f1 && fmt[j] >= '0' && fmt[j] <= '9' && k < 100000; j++)
			k = k * 10 + (size_t)(fmt[j] - '0');
		if (j != f->f1)
			return mc_error_set(err, MC_ERR_INVALID, "str.format(): '%.*s': fields are {}, {0} or "
			                    "{name}", (int)(f->f1 - f->f0), fmt + f->f0);
		return s_positional(args, k, v, err);
	}
	*v = mc_dict_get_n(kwargs, fmt + f->f0, f->f1 - f->f0);
	if (*v == NULL)
		return mc_error_set(err, MC_ERR_NOTFOUND, "str.format(): no argument named '%.*s'",
		                    (int)(f->f1 - f->f0), fmt + f->f0);
	return 0;
}

/* Formats one field's argument into o: its conversion, then its spec
 * (which may hold fields of its own: "{:{width}}"). */
static int s_field_format(mc_text *o, const char *fmt, const s_field *f, const mc_value *v,
                          const mc_value *args, const mc_value *kwargs, mc_error *err)
{
	char spec[256];
	size_t speclen = 0;
	mc_value *sv = NULL;
	int rc = 0;

	if (f->conv != 0) {
		char *r = f->conv == 's' ? mc_value_str(v) : mc_value_repr(v);

		sv = r != NULL ? mc_str(r) : NULL;
		free(r);
		if (sv == NULL)
			return mc_error_nomem(err);
		v = sv;
	}
	if (f->s1 > f->s0 && memchr(fmt + f->s0, '{', f->s1 - f->s0) != NULL) {
		char *inner = NULL;
		size_t innern = 0;

		rc = mc_format_str(fmt + f->s0, f->s1 - f->s0, args, kwargs, &inner, &innern, err);
		if (rc == 0) {
			speclen = innern < sizeof spec ? innern : sizeof spec - 1;
			memcpy(spec, inner, speclen);
		}
		free(inner);
	} else {
		speclen = f->s1 - f->s0 < sizeof spec ? f->s1 - f->s0 : sizeof spec - 1;
		memcpy(spec, fmt + f->s0, speclen);
	}
	if (rc == 0)
		rc = s_format(o, v, spec, speclen, err);
	mc_unref(sv);
	return rc;
}

int mc_format_str(const char *fmt, size_t len, const mc_value *args, const mc_value *kwargs,
                  char **out, size_t *n, mc_error *err)
{
	mc_text o = { 0 };
	size_t i = 0, lit = 0;
	s_numbering nb = { 0, 0, 0 };
	int rc = 0;

	*out = NULL;
	*n = 0;
	while (i < len && rc == 0) {
		char c = fmt[i];
		const mc_value *v = NULL;
		s_field f;

		if ((c == '{' || c == '}') && i + 1 < len && fmt[i + 1] == c) {
			mc_text_put(&o, fmt + lit, i + 1 - lit);
			i += 2;
			lit = i;
			continue;
		}
		if (c == '}') {
			rc = mc_error_set(err, MC_ERR_INVALID, "str.format(): single '}' at position %zu "
			                  "(write '}}' for a brace)", i);
			break;
		}
		if (c != '{') {
			i++;
			continue;
		}
		mc_text_put(&o, fmt + lit, i - lit);
		i++;
		rc = s_field_scan(fmt, len, &i, &f, err);
		if (rc == 0)
			rc = s_field_arg(fmt, &f, args, kwargs, &nb, &v, err);
		if (rc == 0)
			rc = s_field_format(&o, fmt, &f, v, args, kwargs, err);
		lit = i;
	}
	if (rc == 0)
		mc_text_put(&o, fmt + lit, len - lit);
	return s_take(&o, rc, out, n, err);
}
