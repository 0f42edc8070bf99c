/* Tests of the Jupyter wire codec: signing, framing, rejection of bad
 * messages, and header formats. */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "wire.h"
#include "suite_run.h"

#define KEY "a0436f6c-1916-498b-8eb9-e81ab9368e84"

/* Frames of msg, as a copy that outlives the encoder's block. */
typedef struct wire_copy {
	mc_frame frames[16];
	char *data[16];
	size_t n;
} wire_copy;

static void s_copy_encode(const mc_wire *w, const mc_msg *msg, wire_copy *c)
{
	mc_frame *frames;
	size_t n;

	ck_assert_int_eq(mc_wire_encode(w, msg, &frames, &n), 0);
	ck_assert_uint_le(n, 16);
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		c->data[i] = malloc(frames[i].len + 1);
		memcpy(c->data[i], frames[i].data, frames[i].len);
		c->data[i][frames[i].len] = '\0';
		c->frames[i].data = c->data[i];
		c->frames[i].len = frames[i].len;
	}
	free(frames);
}

static void s_copy_set(wire_copy *c, size_t i, const char *text)
{
	free(c->data[i]);
	c->data[i] = strdup(text);
	c->frames[i].data = c->data[i];
	c->frames[i].len = strlen(text);
}

static void s_copy_free(wire_copy *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->data[i]);
}

/* An execute_request from a client with routing identity "client-1". */
static mc_msg *s_request(const mc_wire *w)
{
	mc_msg *req = mc_msg_new(w, "execute_request", NULL,
	                         json_pack("{s:s, s:b}", "code", "x = 1", "silent", 0));

	ck_assert_ptr_nonnull(req);
	req->idents = calloc(1, sizeof *req->idents);
	req->idents[0].data = strdup("client-1");
	req->idents[0].len = strlen("client-1");
	req->n_idents = 1;
	return req;
}

/* Index of the signature frame (after idents and the delimiter). */
static size_t s_sig_index(const wire_copy *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->frames[i].len == strlen(MC_WIRE_DELIM) &&
		    memcmp(c->frames[i].data, MC_WIRE_DELIM, c->frames[i].len) == 0)
			return i + 1;
	ck_abort_msg("no delimiter");
	return 0;
}

START_TEST(test_sign_rfc4231)
{
	/* RFC 4231 test case 2, signed in parts: multi-part signing must equal
	 * the HMAC of the concatenation. */
	mc_wire *w = mc_wire_new("Jefe", 4, NULL);
	mc_frame parts[4] = {
		{ "what do ya", 10 }, { " want ", 6 }, { "for nothing?", 12 }, { "", 0 }
	};
	char hex[MC_WIRE_SIG_HEX + 1];

	ck_assert_int_eq(mc_wire_sign(w, parts, 4, hex), 0);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	mc_wire_free(w);
}
END_TEST

START_TEST(test_sign_empty_key)
{
	mc_wire *w = mc_wire_new("", 0, NULL);
	mc_frame part = { "{}", 2 };
	char hex[MC_WIRE_SIG_HEX + 1] = "x";

	ck_assert_int_eq(mc_wire_sign(w, &part, 1, hex), 0);
	ck_assert_str_eq(hex, "");
	mc_wire_free(w);
}
END_TEST

START_TEST(test_round_trip)
{
	mc_wire *kernel = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_wire *client = mc_wire_new(KEY, strlen(KEY), "client-session");
	mc_msg *req = s_request(client), *got = NULL, *reply;
	wire_copy c;
	mc_error err;
	char hex[MC_WIRE_SIG_HEX + 1];
	size_t s;

	mc_error_clear(&err);
	s_copy_encode(client, req, &c);
	ck_assert_uint_eq(c.n, 7);
	ck_assert_str_eq(c.data[0], "client-1");
	ck_assert_str_eq(c.data[1], MC_WIRE_DELIM);
	s = s_sig_index(&c);
	ck_assert_int_eq(mc_wire_sign(client, &c.frames[s + 1], 4, hex), 0);
	ck_assert_str_eq(c.data[s], hex);

	ck_assert_int_eq(mc_wire_decode(kernel, &got, c.frames, c.n, &err), 0);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(mc_msg_type(got), "execute_request");
	ck_assert_str_eq(json_string_value(json_object_get(got->content, "code")), "x = 1");
	ck_assert_str_eq(json_string_value(json_object_get(got->header, "session")),
	                 "client-session");
	ck_assert_uint_eq(got->n_idents, 1);
	ck_assert_mem_eq(got->idents[0].data, "client-1", 8);

	/* A reply goes back to the same identity with the request as parent. */
	reply = mc_msg_new(kernel, "execute_reply", got, json_pack("{s:s}", "status", "ok"));
	ck_assert_uint_eq(reply->n_idents, 1);
	ck_assert_mem_eq(reply->idents[0].data, "client-1", 8);
	ck_assert_str_eq(json_string_value(json_object_get(reply->parent_header, "msg_id")),
	                 json_string_value(json_object_get(req->header, "msg_id")));
	ck_assert_str_eq(json_string_value(json_object_get(reply->header, "session")),
	                 mc_wire_session(kernel));

	mc_msg_free(reply);
	mc_msg_free(got);
	mc_msg_free(req);
	s_copy_free(&c);
	mc_wire_free(client);
	mc_wire_free(kernel);
}
END_TEST

/* Decodes c and expects a rejection whose message contains what. */
static void s_expect_reject(mc_wire *w, wire_copy *c, const char *what)
{
	mc_msg *got = (mc_msg *)1;
	mc_error err;

	mc_error_clear(&err);
	ck_assert_int_lt(mc_wire_decode(w, &got, c->frames, c->n, &err), 0);
	ck_assert_ptr_null(got);
	ck_assert_msg(strstr(err.text, what) != NULL, "error \"%s\" should mention \"%s\"",
	              err.text, what);
}

START_TEST(test_reject_wrong_signature)
{
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_wire *other = mc_wire_new("another key", 11, NULL);
	mc_msg *req = s_request(w);
	wire_copy c, d;
	size_t s;

	s_copy_encode(w, req, &c);
	s = s_sig_index(&c);
	c.data[s][10] = c.data[s][10] == 'a' ? 'b' : 'a';
	s_expect_reject(w, &c, "bad signature");

	/* signed with another key */
	s_copy_encode(other, req, &d);
	s_expect_reject(w, &d, "bad signature");

	/* a valid signature over a modified content */
	s_copy_free(&c);
	s_copy_encode(w, req, &c);
	s_copy_set(&c, s + 4, "{\"code\": \"rm -rf\"}");
	s_expect_reject(w, &c, "bad signature");

	s_copy_free(&d);
	s_copy_free(&c);
	mc_msg_free(req);
	mc_wire_free(other);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_reject_missing_or_short_signature)
{
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_msg *req = s_request(w);
	wire_copy c;
	size_t s;
	char prefix[17];

	s_copy_encode(w, req, &c);
	s = s_sig_index(&c);
	memcpy(prefix, c.data[s], 16);
	prefix[16] = '\0';
	s_copy_set(&c, s, "");
	s_expect_reject(w, &c, "missing signature");
	s_copy_set(&c, s, prefix);  /* a correct prefix is still rejected */
	s_expect_reject(w, &c, "16 characters, expected 64");
	s_copy_free(&c);
	mc_msg_free(req);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_reject_replay)
{
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_msg *req = s_request(w), *got = NULL;
	wire_copy c;
	mc_error err;

	mc_error_clear(&err);
	s_copy_encode(w, req, &c);
	ck_assert_int_eq(mc_wire_decode(w, &got, c.frames, c.n, &err), 0);
	mc_msg_free(got);
	s_expect_reject(w, &c, "replayed signature");
	s_copy_free(&c);
	mc_msg_free(req);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_replay_memory_is_bounded_and_correct)
{
	/* Many distinct messages are all accepted once and rejected the second
	 * time while they are recent. */
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	int n = 5000;
	wire_copy *cs = calloc((size_t)n, sizeof *cs);
	mc_error err;

	for (int i = 0; i < n; i++) {
		mc_msg *req = s_request(w), *got = NULL;

		s_copy_encode(w, req, &cs[i]);
		mc_error_clear(&err);
		ck_assert_int_eq(mc_wire_decode(w, &got, cs[i].frames, cs[i].n, &err), 0);
		mc_msg_free(got);
		mc_msg_free(req);
	}
	for (int i = n - 100; i < n; i++)
		s_expect_reject(w, &cs[i], "replayed signature");
	for (int i = 0; i < n; i++)
		s_copy_free(&cs[i]);
	free(cs);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_reject_malformed)
{
	mc_wire *w = mc_wire_new("", 0, NULL);  /* unsigned: only framing and JSON */
	mc_msg *req = s_request(w);
	wire_copy c;
	size_t s;

	s_copy_encode(w, req, &c);
	s = s_sig_index(&c);
	s_copy_set(&c, s + 4, "{\"code\": ");
	s_expect_reject(w, &c, "content: malformed JSON");
	s_copy_set(&c, s + 4, "[1, 2]");
	s_expect_reject(w, &c, "content: expected a JSON object");
	s_copy_set(&c, s + 4, "{}");
	s_copy_set(&c, s + 1, "{\"msg_id\": \"x\"}");
	s_expect_reject(w, &c, "header: expected msg_id and msg_type");
	s_copy_set(&c, s + 2, "\xff\xfe");
	s_expect_reject(w, &c, "parent_header: malformed JSON");
	s_copy_free(&c);

	/* no delimiter */
	s_copy_encode(w, req, &c);
	s_copy_set(&c, s - 1, "<IDS|MSG");
	s_expect_reject(w, &c, "no <IDS|MSG> delimiter");
	s_copy_free(&c);

	/* too few frames */
	s_copy_encode(w, req, &c);
	c.n -= 2;
	s_expect_reject(w, &c, "3 frames after the delimiter");
	c.n += 2;
	s_copy_free(&c);

	mc_msg_free(req);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_nul_in_strings)
{
	/* JSON may hold U+0000 (a cell a user pasted): the message is decoded,
	 * the string keeps its length, and the server answers it. A msg_type or
	 * msg_id holding it cannot be dispatched and is rejected. */
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_msg *req = s_request(w), *got = NULL;
	json_t *code;
	wire_copy c;
	mc_error err;
	char hex[MC_WIRE_SIG_HEX + 1];
	size_t s;

	json_object_set_new(req->content, "code", json_stringn("a\0b", 3));
	s_copy_encode(w, req, &c);
	s = s_sig_index(&c);
	ck_assert_ptr_nonnull(strstr(c.data[s + 4], "\\u0000"));
	mc_error_clear(&err);
	ck_assert_msg(mc_wire_decode(w, &got, c.frames, c.n, &err) == 0, "%s", err.text);
	code = json_object_get(got->content, "code");
	ck_assert_uint_eq(json_string_length(code), 3);
	ck_assert_int_eq(memcmp(json_string_value(code), "a\0b", 3), 0);
	mc_msg_free(got);
	s_copy_free(&c);

	s_copy_encode(w, req, &c);
	s_copy_set(&c, s + 1, "{\"msg_id\": \"1\", \"msg_type\": \"execute_request\\u0000x\"}");
	ck_assert_int_eq(mc_wire_sign(w, &c.frames[s + 1], 4, hex), 0);
	s_copy_set(&c, s, hex);
	s_expect_reject(w, &c, "header: expected msg_id and msg_type strings without U+0000");
	s_copy_free(&c);
	mc_msg_free(req);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_malformed_signed_not_remembered)
{
	/* A signed message whose JSON is malformed is dropped, and dropping it
	 * must not break the next, valid message. */
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_msg *req = s_request(w), *got = NULL;
	wire_copy c;
	mc_error err;
	char hex[MC_WIRE_SIG_HEX + 1];
	size_t s;

	s_copy_encode(w, req, &c);
	s = s_sig_index(&c);
	s_copy_set(&c, s + 1, "{not json");
	ck_assert_int_eq(mc_wire_sign(w, &c.frames[s + 1], 4, hex), 0);
	s_copy_set(&c, s, hex);
	s_expect_reject(w, &c, "header: malformed JSON");
	s_copy_free(&c);
	s_copy_encode(w, req, &c);
	mc_error_clear(&err);
	ck_assert_int_eq(mc_wire_decode(w, &got, c.frames, c.n, &err), 0);
	mc_msg_free(got);
	s_copy_free(&c);
	mc_msg_free(req);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_header_format)
{
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	mc_msg *a = mc_msg_new(w, "status", NULL, json_pack("{s:s}", "execution_state", "idle"));
	mc_msg *b = mc_msg_new(w, "status", NULL, NULL);
	regex_t date_re, uuid_re;
	const char *date, *id;
	uuid_t u;

	ck_assert_int_eq(regcomp(&date_re,
	                         "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	                         "\\.[0-9]{6}(Z|[+-][0-9]{2}:[0-9]{2})$",
	                         REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_int_eq(regcomp(&uuid_re,
	                         "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
	                         REG_EXTENDED | REG_NOSUB), 0);
	date = json_string_value(json_object_get(a->header, "date"));
	id = json_string_value(json_object_get(a->header, "msg_id"));
	ck_assert_ptr_nonnull(date);
	ck_assert_ptr_nonnull(id);
	ck_assert_msg(regexec(&date_re, date, 0, NULL, 0) == 0, "bad date %s", date);
	ck_assert_msg(regexec(&uuid_re, id, 0, NULL, 0) == 0, "bad msg_id %s", id);
	ck_assert_int_eq(uuid_parse(id, u), 0);
	ck_assert_msg(regexec(&uuid_re, mc_wire_session(w), 0, NULL, 0) == 0, "bad session");
	ck_assert_str_ne(id, json_string_value(json_object_get(b->header, "msg_id")));
	ck_assert_str_eq(json_string_value(json_object_get(a->header, "version")), "5.3");
	ck_assert_str_eq(json_string_value(json_object_get(a->header, "msg_type")), "status");
	ck_assert_str_eq(json_string_value(json_object_get(a->header, "session")),
	                 mc_wire_session(w));
	ck_assert(json_string_length(json_object_get(a->header, "username")) > 0);
	ck_assert_int_eq(json_object_size(a->parent_header), 0);
	ck_assert(json_is_object(b->content));
	ck_assert_int_eq(json_object_size(b->content), 0);
	regfree(&date_re);
	regfree(&uuid_re);
	mc_msg_free(a);
	mc_msg_free(b);
	mc_wire_free(w);
}
END_TEST

START_TEST(test_encode_utf8)
{
	/* Non-ASCII text travels as UTF-8 and decodes to the same string. */
	mc_wire *w = mc_wire_new(KEY, strlen(KEY), NULL);
	const char *text = "caf\xc3\xa9 \xe2\x9c\x93";
	mc_msg *m = mc_msg_new(w, "stream", NULL, json_pack("{s:s, s:s}", "name", "stdout",
	                                                     "text", text));
	mc_msg *got = NULL;
	wire_copy c;
	mc_error err;

	mc_error_clear(&err);
	s_copy_encode(w, m, &c);
	ck_assert_ptr_nonnull(strstr(c.data[c.n - 1], text));
	ck_assert_int_eq(mc_wire_decode(w, &got, c.frames, c.n, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(got->content, "text")), text);
	ck_assert_uint_eq(got->n_idents, 0);
	mc_msg_free(got);
	s_copy_free(&c);
	mc_msg_free(m);
	mc_wire_free(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sign_rfc4231);
	tcase_add_test(tc, test_sign_empty_key);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_reject_wrong_signature);
	tcase_add_test(tc, test_reject_missing_or_short_signature);
	tcase_add_test(tc, test_reject_replay);
	tcase_add_test(tc, test_replay_memory_is_bounded_and_correct);
	tcase_add_test(tc, test_reject_malformed);
	tcase_add_test(tc, test_nul_in_strings);
	tcase_add_test(tc, test_malformed_signed_not_remembered);
	tcase_add_test(tc, test_header_format);
	tcase_add_test(tc, test_encode_utf8);
	suite_add_tcase(s, tc);
	return mc_check_run(s);
}
