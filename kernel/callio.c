/* This module implements what a table function shows and asks while it
 * runs (builtin.h): the progress bar (HTML, updated in place), interrupts,
 * printing, display and input. Argument binding is in args.c. */
#include "lang.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- interrupts ---- */

int mc_call_interrupted(mc_call *call)
{
	if (call->io != NULL && call->io->interrupted != NULL && atomic_load(call->io->interrupted))
		return 1;
	return mc_lang_interrupted();
}

/* ---- progress ---- */

static double s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void s_html_escape(char *out, size_t n, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < n; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		default: break;
		}
		if (rep != NULL) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

static void s_show_bar(mc_call *call, const char *state)
{
	const mc_io *io = call->io;
	char text[512], html[1024], what[256], bar[41];
	size_t done = call->last_done, total = call->last_total;
	double frac = total > 0 ? (double)done / (double)total : 0.0;
	int filled, i;
	json_t *data, *meta;

	if (frac > 1.0)
		frac = 1.0;
	filled = (int)(frac * 40.0);
	for (i = 0; i < 40; i++)
		bar[i] = i < filled ? '#' : '-';
	bar[40] = '\0';
	if (state != NULL)
		snprintf(text, sizeof text, "%s: [%s] %3.0f%% (%zu/%zu) %s", call->last_what, bar,
		         frac * 100.0, done, total, state);
	else
		snprintf(text, sizeof text, "%s: [%s] %3.0f%% (%zu/%zu)", call->last_what, bar,
		         frac * 100.0, done, total);
	s_html_escape(what, sizeof what, call->last_what);
	snprintf(html, sizeof html,
	         "<div class=\"mc-progress\"><progress value=\"%zu\" max=\"%zu\" style=\"width:30em\"></progress> "
	         "<span>%s: %.0f%% (%zu/%zu)%s%s</span></div>", done, total > 0 ? total : 1, what,
	         frac * 100.0, done, total, state != NULL ? " " : "", state != NULL ? state : "");
	data = json_pack("{s:s, s:s}", "text/plain", text, "text/html", html);
	meta = json_object();
	if (data != NULL && meta != NULL) {
		if (!call->bar_shown) {
			static unsigned long counter;

			snprintf(call->display_id, sizeof call->display_id, "mc-progress-%ld-%lu",
			         (long)getpid(), ++counter);
		}
		io->display(io->ctx, data, meta, call->display_id, call->bar_shown);
		call->bar_shown = 1;
	}
	json_decref(data);
	json_decref(meta);
}

#define S_BAR_DELAY 0.2      /* seconds before a bar appears */
#define S_BAR_INTERVAL 0.25  /* at most 4 updates per second */

static int s_progress_fn(void *ctx, size_t done, size_t total, const char *what)
{
	mc_call *call = ctx;
	const mc_io *io = call->io;
	double now;

	if (io == NULL)
		return 0;
	if (io->interrupted != NULL && atomic_load(io->interrupted)) {
		call->interrupted_seen = 1;
		return 1;
	}
	call->last_done = done;
	call->last_total = total;
	snprintf(call->last_what, sizeof call->last_what, "%s", what != NULL ? what : call->def->name);
	if (io->silent || io->display == NULL)
		return 0;
	now = s_now();
	if (call->last_update == 0.0) {
		call->last_update = now;   /* call start: wait before showing a bar */
		return 0;
	}
	if (now - call->last_update < (call->bar_shown ? S_BAR_INTERVAL : S_BAR_DELAY))
		return 0;
	call->last_update = now;
	s_show_bar(call, NULL);
	return 0;
}

const mc_progress *mc_call_progress(mc_call *call)
{
	call->progress.fn = s_progress_fn;
	call->progress.ctx = call;
	if (call->last_update == 0.0)
		call->last_update = s_now();
	return &call->progress;
}

void mc_call_finish_progress(mc_call *call, int status)
{
	if (!call->bar_shown || call->io == NULL || call->io->display == NULL)
		return;
	if (status == 0) {
		if (call->last_total == 0)
			call->last_total = 1;
		call->last_done = call->last_total;
		s_show_bar(call, "done");
	} else {
		s_show_bar(call, status == MC_ERR_INTERRUPTED ? "interrupted" : "failed");
	}
}

/* ---- output ---- */

int mc_call_return(mc_value **out, mc_value *v, mc_error *err)
{
	*out = v;
	return v != NULL ? 0 : mc_error_nomem(err);
}

void mc_call_payload(mc_call *call, json_t *payload)
{
	if (payload != NULL && call->io != NULL && call->io->payload != NULL)
		call->io->payload(call->io->ctx, payload);
	json_decref(payload);
}

int mc_call_print(mc_call *call, const char *text)
{
	char *clean;

	if (call->io == NULL || call->io->stream == NULL)
		return 0;
	/* the stream channel is JSON text: invalid UTF-8 would lose the message */
	clean = mc_utf8_clean(text, strlen(text));
	call->io->stream(call->io->ctx, "stdout", clean != NULL ? clean : text);
	free(clean);
	return 0;
}

int mc_call_display(mc_call *call, const mc_value *v, mc_error *err)
{
	json_t *data, *meta;
	int rc;

	if (call->io == NULL || call->io->display == NULL || call->io->silent)
		return 0;
	rc = mc_value_bundle(v, &data, &meta, err);
	if (rc != 0)
		return rc;
	call->io->display(call->io->ctx, data, meta, NULL, 0);
	json_decref(data);
	json_decref(meta);
	return 0;
}

int mc_call_input(mc_call *call, const char *prompt, int password, char **out, mc_error *err)
{
	*out = NULL;
	if (call->io == NULL || call->io->input == NULL ||
	    call->io->input(call->io->ctx, prompt != NULL ? prompt : "", password, out) != 0) {
		free(*out);
		*out = NULL;
		if (call->io != NULL && call->io->interrupted != NULL && atomic_load(call->io->interrupted))
			return mc_error_set(err, MC_ERR_INTERRUPTED, "interrupted while waiting for input");
		return mc_error_set(err, MC_ERR_STATE, "input() is not allowed: the front end did not allow stdin");
	}
	return 0;
}
