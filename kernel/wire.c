/* This module implements the Jupyter wire codec: framing, HMAC-SHA256
 * signatures (OpenSSL EVP_MAC), replay protection and message headers. */
#include "wire.h"

#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <uuid/uuid.h>

/* How many recent signatures are remembered to reject replays. */
#define REPLAY_SLOTS 4096
#define REPLAY_BUCKETS 8192

typedef struct replay_entry {
	unsigned char sig[MC_WIRE_SIG_HEX];
	int next;      /* next entry in the bucket chain, -1 ends */
	int used;
} replay_entry;

struct mc_wire {
	unsigned char *key;
	size_t key_len;
	EVP_MAC *mac;
	char session[37];
	char username[64];
	pthread_mutex_t lock;   /* guards the replay memory */
	replay_entry slots[REPLAY_SLOTS];
	int buckets[REPLAY_BUCKETS];
	int oldest;             /* next slot to reuse (FIFO) */
};

void mc_wire_uuid(char *buf)
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, buf);
}

void mc_wire_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char head[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", head, (long)(ts.tv_nsec / 1000));
}

mc_wire *mc_wire_new(const void *key, size_t key_len, const char *session)
{
	mc_wire *w = calloc(1, sizeof *w);
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];
	const char *user;

	if (w == NULL)
		return NULL;
	w->key = malloc(key_len + 1);
	w->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (w->key == NULL || w->mac == NULL) {
		mc_wire_free(w);
		return NULL;
	}
	if (key_len > 0)
		memcpy(w->key, key, key_len);
	w->key_len = key_len;
	if (session != NULL)
		snprintf(w->session, sizeof w->session, "%s", session);
	else
		mc_wire_uuid(w->session);
	user = getenv("USER");
	if ((user == NULL || *user == '\0') &&
	    getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp != NULL)
		user = pwp->pw_name;
	snprintf(w->username, sizeof w->username, "%s",
	         user != NULL && *user != '\0' ? user : "maskclean");
	pthread_mutex_init(&w->lock, NULL);
	for (int i = 0; i < REPLAY_BUCKETS; i++)
		w->buckets[i] = -1;
	return w;
}

void mc_wire_free(mc_wire *w)
{
	if (w == NULL)
		return;
	if (w->mac != NULL) {
		pthread_mutex_destroy(&w->lock);
		EVP_MAC_free(w->mac);
	}
	if (w->key != NULL)
		OPENSSL_cleanse(w->key, w->key_len);
	free(w->key);
	free(w);
}

const char *mc_wire_session(const mc_wire *w)
{
	return w->session;
}

int mc_wire_sign(const mc_wire *w, const mc_frame *frames, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t md_len = 0;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	int ok;

	hex[0] = '\0';
	if (w->key_len == 0)
		return 0;
	ctx = EVP_MAC_CTX_new(w->mac);
	if (ctx == NULL)
		return MC_ERR_INVALID;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, w->key, w->key_len, params);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(ctx, frames[i].data, frames[i].len);
	ok = ok && EVP_MAC_final(ctx, md, &md_len, sizeof md);
	EVP_MAC_CTX_free(ctx);
	if (!ok || md_len * 2 != MC_WIRE_SIG_HEX)
		return MC_ERR_INVALID;
	for (size_t i = 0; i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * md_len] = '\0';
	return 0;
}

static unsigned s_sig_hash(const unsigned char *sig)
{
	unsigned h = 2166136261u;

	for (int i = 0; i < MC_WIRE_SIG_HEX; i++)
		h = (h ^ sig[i]) * 16777619u;
	return h % REPLAY_BUCKETS;
}

/* Returns 1 if sig was seen recently; otherwise remembers it and returns 0. */
static int s_replay_check(mc_wire *w, const unsigned char *sig)
{
	unsigned b = s_sig_hash(sig);
	int seen = 0;

	pthread_mutex_lock(&w->lock);
	for (int i = w->buckets[b]; i >= 0; i = w->slots[i].next)
		if (memcmp(w->slots[i].sig, sig, MC_WIRE_SIG_HEX) == 0) {
			seen = 1;
			break;
		}
	if (!seen) {
		int slot = w->oldest;
		replay_entry *e = &w->slots[slot];

		if (e->used) {  /* unlink the evicted signature from its chain */
			int *link = &w->buckets[s_sig_hash(e->sig)];

			while (*link != slot)
				link = &w->slots[*link].next;
			*link = e->next;
		}
		memcpy(e->sig, sig, MC_WIRE_SIG_HEX);
		e->used = 1;
		e->next = w->buckets[b];
		w->buckets[b] = slot;
		w->oldest = (slot + 1) % REPLAY_SLOTS;
	}
	pthread_mutex_unlock(&w->lock);
	return seen;
}

static json_t *s_parse_object(const mc_frame *f, const char *what, mc_error *err)
{
	json_error_t jerr;
	/* JSON strings may hold U+0000 (code a user pasted): they are accepted,
	 * and whoever reads a string decides what to do with it. */
	json_t *j = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);

	if (j == NULL) {
		mc_error_set(err, MC_ERR_PARSE, "%s: malformed JSON at line %d column %d: %s",
		             what, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		mc_error_set(err, MC_ERR_PARSE, "%s: expected a JSON object", what);
		return NULL;
	}
	return j;
}

/* A JSON string without U+0000. */
static int s_plain_string(const json_t *j)
{
	const char *s = json_string_value(j);

	return s != NULL && strlen(s) == json_string_length(j);
}

int mc_wire_decode(mc_wire *w, mc_msg **out, const mc_frame *frames, size_t n,
                   mc_error *err)
{
	static const char *const names[4] = { "header", "parent_header", "metadata", "content" };
	size_t d = 0;
	char want[MC_WIRE_SIG_HEX + 1];
	json_t *parts[4] = { NULL, NULL, NULL, NULL };
	mc_msg *msg = NULL;
	int rc = MC_ERR_INVALID;

	*out = NULL;
	while (d < n && !(frames[d].len == strlen(MC_WIRE_DELIM) &&
	                  memcmp(frames[d].data, MC_WIRE_DELIM, frames[d].len) == 0))
		d++;
	if (d == n)
		return mc_error_set(err, MC_ERR_INVALID, "message has no %s delimiter", MC_WIRE_DELIM);
	if (n - d < 6)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "message has %zu frames after the delimiter, expected at least 5",
		                    n - d - 1);
	if (w->key_len > 0) {
		const mc_frame *sig = &frames[d + 1];

		if (sig->len == 0)
			return mc_error_set(err, MC_ERR_INVALID, "missing signature");
		if (sig->len != MC_WIRE_SIG_HEX)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "bad signature: %zu characters, expected %d",
			                    sig->len, MC_WIRE_SIG_HEX);
		if (mc_wire_sign(w, &frames[d + 2], 4, want) != 0)
			return mc_error_set(err, MC_ERR_INVALID, "cannot compute HMAC-SHA256");
		if (CRYPTO_memcmp(want, sig->data, MC_WIRE_SIG_HEX) != 0)
			return mc_error_set(err, MC_ERR_INVALID, "bad signature");
	}
	for (int i = 0; i < 4; i++) {
		parts[i] = s_parse_object(&frames[d + 2 + i], names[i], err);
		if (parts[i] == NULL) {
			rc = MC_ERR_PARSE;
			goto cleanup;
		}
	}
	if (!s_plain_string(json_object_get(parts[0], "msg_id")) ||
	    !s_plain_string(json_object_get(parts[0], "msg_type"))) {
		rc = mc_error_set(err, MC_ERR_PARSE,
		                  "header: expected msg_id and msg_type strings without U+0000");
		goto cleanup;
	}
	if (w->key_len > 0 && s_replay_check(w, frames[d + 1].data)) {
		rc = mc_error_set(err, MC_ERR_INVALID, "replayed signature");
		goto cleanup;
	}
	msg = calloc(1, sizeof *msg);
	if (msg == NULL || (d > 0 && (msg->idents = calloc(d, sizeof *msg->idents)) == NULL)) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < d; i++) {
		void *copy = malloc(frames[i].len + 1);

		if (copy == NULL) {
			rc = mc_error_set(err, MC_ERR_NOMEM, "out of memory");
			goto cleanup;
		}
		memcpy(copy, frames[i].data, frames[i].len);
		msg->idents[i].data = copy;
		msg->idents[i].len = frames[i].len;
		msg->n_idents++;
	}
	msg->header = parts[0];
	msg->parent_header = parts[1];
	msg->metadata = parts[2];
	msg->content = parts[3];
	*out = msg;
	return 0;

cleanup:
	for (int i = 0; i < 4; i++)
		json_decref(parts[i]);
	mc_msg_free(msg);
	return rc;
}

int mc_wire_encode(const mc_wire *w, const mc_msg *msg, mc_frame **out_frames,
                   size_t *out_n)
{
	const json_t *parts[4] = { msg->header, msg->parent_header, msg->metadata, msg->content };
	char *text[4] = { NULL, NULL, NULL, NULL };
	size_t lens[4], total, n = msg->n_idents + 6;
	mc_frame *frames = NULL;
	char *p;
	int rc = MC_ERR_NOMEM;

	*out_frames = NULL;
	*out_n = 0;
	total = n * sizeof *frames + MC_WIRE_SIG_HEX + 1;
	for (size_t i = 0; i < msg->n_idents; i++)
		total += msg->idents[i].len;
	for (int i = 0; i < 4; i++) {
		text[i] = parts[i] != NULL ? json_dumps(parts[i], JSON_COMPACT)
		                          : strdup("{}");
		if (text[i] == NULL)
			goto cleanup;
		lens[i] = strlen(text[i]);
		total += lens[i];
	}
	frames = malloc(total);
	if (frames == NULL)
		goto cleanup;
	p = (char *)(frames + n);
	for (size_t i = 0; i < msg->n_idents; i++) {
		memcpy(p, msg->idents[i].data, msg->idents[i].len);
		frames[i].data = p;
		frames[i].len = msg->idents[i].len;
		p += msg->idents[i].len;
	}
	frames[msg->n_idents].data = MC_WIRE_DELIM;
	frames[msg->n_idents].len = strlen(MC_WIRE_DELIM);
	for (int i = 0; i < 4; i++) {
		memcpy(p, text[i], lens[i]);
		frames[msg->n_idents + 2 + i].data = p;
		frames[msg->n_idents + 2 + i].len = lens[i];
		p += lens[i];
	}
	rc = mc_wire_sign(w, &frames[msg->n_idents + 2], 4, p);
	if (rc != 0)
		goto cleanup;
	frames[msg->n_idents + 1].data = p;
	frames[msg->n_idents + 1].len = strlen(p);
	*out_frames = frames;
	*out_n = n;
	frames = NULL;

cleanup:
	for (int i = 0; i < 4; i++)
		free(text[i]);
	free(frames);
	return rc;
}

mc_msg *mc_msg_new(const mc_wire *w, const char *msg_type, const mc_msg *parent,
                   json_t *content)
{
	mc_msg *msg = calloc(1, sizeof *msg);
	char id[37], date[40];

	if (content == NULL)
		content = json_object();
	if (msg == NULL || content == NULL)
		goto fail;
	msg->content = content;
	content = NULL;
	mc_wire_uuid(id);
	mc_wire_now(date, sizeof date);
	msg->header = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "msg_id", id,
	                        "msg_type", msg_type, "session", w->session,
	                        "username", w->username, "date", date,
	                        "version", MC_WIRE_PROTOCOL_VERSION);
	msg->parent_header = parent != NULL && parent->header != NULL
	                     ? json_deep_copy(parent->header) : json_object();
	msg->metadata = json_object();
	if (msg->header == NULL || msg->parent_header == NULL || msg->metadata == NULL)
		goto fail;
	if (parent != NULL && parent->n_idents > 0) {
		msg->idents = calloc(parent->n_idents, sizeof *msg->idents);
		if (msg->idents == NULL)
			goto fail;
		for (size_t i = 0; i < parent->n_idents; i++) {
			void *copy = malloc(parent->idents[i].len + 1);

			if (copy == NULL)
				goto fail;
			memcpy(copy, parent->idents[i].data, parent->idents[i].len);
			msg->idents[i].data = copy;
			msg->idents[i].len = parent->idents[i].len;
			msg->n_idents++;
		}
	}
	return msg;

fail:
	json_decref(content);
	mc_msg_free(msg);
	return NULL;
}

void mc_msg_free(mc_msg *msg)
{
	if (msg == NULL)
		return;
	for (size_t i = 0; i < msg->n_idents; i++)
		free(msg->idents[i].data);
	free(msg->idents);
	json_decref(msg->header);
	json_decref(msg->parent_header);
	json_decref(msg->metadata);
	json_decref(msg->content);
	free(msg);
}

const char *mc_msg_type(const mc_msg *msg)
{
	const char *t = msg != NULL ? json_string_value(json_object_get(msg->header, "msg_type"))
	                            : NULL;

	return t != NULL ? t : "";
}
