/*
 * test_proto.c: unit tests for proto/: the error table, the text rules, the
 * request decoder (every op, every error class), the JSON writer and the
 * encoders, checked by decoding what they write with proto_decode_frame().
 *
 * The tests use only the public API in tandem/proto.h; they must never
 * depend on jansson directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tandem/proto.h"

#define TOKEN43 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Z"

static char why[256];

/* Decode a NUL-terminated frame into *r; the caller finis *r. */
static int
dec(const char *json, struct proto_request *r, int64_t *id)
{
	int64_t dummy;

	return proto_decode_request(json, strlen(json), r, id ? id : &dummy,
				    why, sizeof(why));
}

/* Decode, fini, and give only the result code. */
static int
dec_rc(const char *json)
{
	struct proto_request r;
	int rc = dec(json, &r, NULL);

	proto_request_fini(&r);
	return rc;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
why_has(const char *needle)
{
	if (strstr(why, needle) != NULL)
		return true;
	fprintf(stderr, "why \"%s\" lacks \"%s\"\n", why, needle);
	return false;
}

static void
test_errors(void)
{
	static const char *const codes[] = { "ok",
					     "bad_json",
					     "bad_request",
					     "unknown_op",
					     "unauthenticated",
					     "already_authenticated",
					     "invalid_credentials",
					     "bad_token",
					     "invite_required",
					     "weak_password",
					     "handle_taken",
					     "forbidden",
					     "not_found",
					     "conflict",
					     "nonce_conflict",
					     "archived",
					     "rate_limited",
					     "too_large",
					     "busy",
					     "storage_failed",
					     "internal" };

	for (int i = 0; i < TD_ERR__COUNT; i++) {
		CHECK(strcmp(td_err_code(-i), codes[i]) == 0);
		CHECK(td_err_message(-i)[0] != '\0');
	}
	CHECK(strcmp(td_err_code(TD_ERR_STORAGE), "storage_failed") == 0);
	CHECK(strcmp(td_err_code(5), "internal") == 0);
	CHECK(strcmp(td_err_code(-TD_ERR__COUNT), "internal") == 0);
	CHECK(strcmp(td_err_code(-1000000), "internal") == 0);
	CHECK(td_err_message(42) != NULL);
}

static void
test_enums(void)
{
	enum td_team t;
	enum td_role r;
	enum td_conv_kind k;

	CHECK(strcmp(td_team_name(TD_TEAM_MARKETING), "marketing") == 0);
	CHECK(strcmp(td_role_name(TD_ROLE_ADMIN), "admin") == 0);
	CHECK(strcmp(td_conv_kind_name(TD_CONV_FEEDBACK), "feedback") == 0);
	CHECK(strcmp(td_conv_kind_name(TD_CONV_DM), "dm") == 0);
	CHECK(td_team_parse("other", &t) == 0 && t == TD_TEAM_OTHER);
	CHECK(td_team_parse("Sales", &t) == -1);
	CHECK(td_role_parse("member", &r) == 0 && r == TD_ROLE_MEMBER);
	CHECK(td_role_parse("root", &r) == -1);
	CHECK(td_conv_kind_parse("request", &k) == 0 && k == TD_CONV_REQUEST);
	CHECK(td_conv_kind_parse("", &k) == -1);
	CHECK(strcmp(td_team_name((enum td_team)99), "unknown") == 0);
}

static void
test_text_rules(void)
{
	char buf[80];

	CHECK(proto_valid_handle("ana"));
	CHECK(proto_valid_handle("a1"));
	CHECK(proto_valid_handle("a.b_c-d9"));
	CHECK(!proto_valid_handle("a"));
	CHECK(!proto_valid_handle("Ana"));
	CHECK(!proto_valid_handle("1ana"));
	CHECK(!proto_valid_handle("an a"));
	CHECK(!proto_valid_handle("_ana"));
	CHECK(!proto_valid_handle(""));
	memset(buf, 'a', 32);
	buf[32] = '\0';
	CHECK(proto_valid_handle(buf));
	buf[32] = 'a';
	buf[33] = '\0';
	CHECK(!proto_valid_handle(buf));

	CHECK(proto_valid_channel_name("general"));
	CHECK(proto_valid_channel_name("1"));
	CHECK(proto_valid_channel_name("q3-plans_x"));
	CHECK(!proto_valid_channel_name("-x"));
	CHECK(!proto_valid_channel_name("_x"));
	CHECK(!proto_valid_channel_name("General"));
	CHECK(!proto_valid_channel_name("a.b"));
	CHECK(!proto_valid_channel_name(""));
	memset(buf, 'c', 64);
	buf[64] = '\0';
	CHECK(proto_valid_channel_name(buf));
	buf[64] = 'c';
	buf[65] = '\0';
	CHECK(!proto_valid_channel_name(buf));

	CHECK(proto_valid_line("Ana Reyes", 64, false));
	CHECK(proto_valid_line("Zo\xc3\xab \xe6\x97\xa5\xf0\x9f\x98\x80", 6,
			       false));
	CHECK(!proto_valid_line("Zo\xc3\xab \xe6\x97\xa5\xf0\x9f\x98\x80", 5,
				false));
	CHECK(!proto_valid_line("", 64, false));
	CHECK(proto_valid_line("", 64, true));
	CHECK(!proto_valid_line("a\tb", 64, false));
	CHECK(!proto_valid_line("a\nb", 64, false));
	CHECK(!proto_valid_line("a\x7f", 64, false));
	CHECK(!proto_valid_line("a\xc2\x85", 64, false));	 /* U+0085 */
	CHECK(!proto_valid_line("a\xc2\x9f", 64, false));	 /* U+009F */
	CHECK(proto_valid_line("a\xc2\xa0", 64, false));	 /* U+00A0 */
	CHECK(!proto_valid_line("\xe2\x80\xaeZvil", 64, false)); /* RLO */
	CHECK(!proto_valid_line("\xe2\x80\xaa", 64, false));	 /* LRE */
	CHECK(!proto_valid_line("\xe2\x81\xa6", 64, false));	 /* LRI */
	CHECK(!proto_valid_line("\xe2\x81\xa9", 64, false));	 /* PDI */
	CHECK(proto_valid_line("\xe2\x80\xaf", 64, false));	 /* U+202F */
	CHECK(!proto_valid_line("\xc0\xaf", 64, false));	 /* overlong */
	CHECK(!proto_valid_line("\xe0\x80\xaf", 64, false));	 /* overlong */
	CHECK(!proto_valid_line("\xf0\x80\x80\xaf", 64, false));
	CHECK(!proto_valid_line("\xed\xa0\x80", 64, false));	 /* U+D800 */
	CHECK(!proto_valid_line("\xed\xbf\xbf", 64, false));	 /* U+DFFF */
	CHECK(proto_valid_line("\xed\x9f\xbf", 64, false));	 /* U+D7FF */
	CHECK(!proto_valid_line("\xf4\x90\x80\x80", 64, false)); /* >10FFFF */
	CHECK(proto_valid_line("\xf4\x8f\xbf\xbf", 64, false));
	CHECK(!proto_valid_line("\xf5\x80\x80\x80", 64, false));
	CHECK(!proto_valid_line("\xe6\x97", 64, false)); /* truncated */
	CHECK(!proto_valid_line("\x80", 64, false));	 /* lone cont */
	CHECK(!proto_valid_line("\xff", 64, false));

	CHECK(proto_valid_body("hi", 2));
	CHECK(proto_valid_body("line1\n\tline2", 12));
	CHECK(proto_valid_body("\xe2\x80\xaeok", 5)); /* bidi ok */
	CHECK(!proto_valid_body("", 0));
	CHECK(!proto_valid_body(" \n\t ", 4));
	CHECK(!proto_valid_body("\xe3\x80\x80", 3)); /* U+3000 */
	CHECK(!proto_valid_body("a\rb", 3));
	CHECK(!proto_valid_body("a\x1b[31m", 6));
	CHECK(!proto_valid_body("a\0b", 3));
	CHECK(!proto_valid_body("a\x7f", 2));
	CHECK(!proto_valid_body("\xed\xa0\x80", 3));
	CHECK(!proto_valid_body("\xc1\xbf", 2));

	CHECK_EQ_INT(proto_utf8_chars(""), 0);
	CHECK_EQ_INT(proto_utf8_chars("abc"), 3);
	CHECK_EQ_INT(proto_utf8_chars("\xc3\xab\xe6\x97\xa5\xf0\x9f\x98\x80"),
		     3);
}

/* Every op decodes from a valid frame, and its fields land where expected. */
static void
test_decode_ops(void)
{
	struct proto_request r;
	int64_t id;

	CHECK_EQ_INT(dec("{\"op\":\"hello\",\"id\":0}", &r, &id), 0);
	CHECK_EQ_INT(r.op, PROTO_OP_HELLO);
	CHECK_EQ_INT(id, 0);
	CHECK_EQ_INT(r.present, 0);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec("{\"op\":\"hello\",\"id\":1,\"token\":\"" TOKEN43
			 "\",\"since\":1042}",
			 &r, &id),
		     0);
	CHECK(strcmp(r.token, TOKEN43) == 0);
	CHECK_EQ_INT(r.since, 1042);
	CHECK_EQ_INT(r.present, PF_TOKEN | PF_SINCE);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec("{\"op\":\"register\",\"id\":2,\"handle\":\"ana\","
			 "\"password\":\"correct horse\",\"display_name\":"
			 "\"Ana Reyes\",\"team\":\"marketing\",\"invite\":"
			 "\"AbCdEfGhIjKlMnOpQrStUv\",\"since\":0}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.op, PROTO_OP_REGISTER);
	CHECK(strcmp(r.handle, "ana") == 0);
	CHECK(r.password != NULL && strcmp(r.password, "correct horse") == 0);
	CHECK(strcmp(r.display_name, "Ana Reyes") == 0);
	CHECK_EQ_INT(r.team, TD_TEAM_MARKETING);
	CHECK(strcmp(r.invite, "AbCdEfGhIjKlMnOpQrStUv") == 0);
	CHECK(r.present & PF_SINCE);
	proto_request_fini(&r);
	CHECK(r.password == NULL);

	CHECK_EQ_INT(dec("{\"id\":3,\"op\":\"login\",\"handle\":\"Ana!\","
			 "\"password\":\"x\"}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.op, PROTO_OP_LOGIN);
	CHECK_EQ_INT(id, 3);
	CHECK(strcmp(r.handle, "Ana!") == 0);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec_rc("{\"op\":\"logout\",\"id\":4}"), 0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":5}"), 0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"user.list\",\"id\":6}"), 0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.list\",\"id\":7}"), 0);

	CHECK_EQ_INT(dec("{\"op\":\"invite.create\",\"id\":8}", &r, &id), 0);
	CHECK_EQ_INT(r.max_uses, 1);
	CHECK_EQ_INT(r.ttl_hours, 168);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec("{\"op\":\"invite.create\",\"id\":8,\"max_uses\":"
			 "1000,\"ttl_hours\":720}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.max_uses, 1000);
	CHECK_EQ_INT(r.ttl_hours, 720);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec("{\"op\":\"conv.get\",\"id\":9,\"conv\":3}", &r, &id),
		     0);
	CHECK_EQ_INT(r.op, PROTO_OP_CONV_GET);
	CHECK_EQ_INT(r.conv, 3);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec("{\"op\":\"conv.create\",\"id\":10,\"kind\":"
			 "\"channel\",\"name\":\"q3-plans\",\"topic\":\"\","
			 "\"private\":true}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.kind, TD_CONV_CHANNEL);
	CHECK(strcmp(r.name, "q3-plans") == 0);
	CHECK(r.is_private);
	CHECK(r.present & PF_TOPIC);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec("{\"op\":\"conv.create\",\"id\":11,\"kind\":\"group\","
			 "\"members\":[2,3,3]}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.kind, TD_CONV_GROUP);
	CHECK_EQ_INT(r.n_members, 3);
	CHECK_EQ_INT(r.members[0], 2);
	CHECK_EQ_INT(r.members[2], 3);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec("{\"op\":\"dm.open\",\"id\":12,\"user\":2}", &r, &id),
		     0);
	CHECK_EQ_INT(r.user, 2);
	proto_request_fini(&r);

	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.join\",\"id\":13,\"conv\":1}"), 0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.leave\",\"id\":14,\"conv\":1}"), 0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.invite\",\"id\":15,\"conv\":1,"
			    "\"user\":4}"),
		     0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.remove\",\"id\":16,\"conv\":1,"
			    "\"user\":4}"),
		     0);
	CHECK_EQ_INT(dec("{\"op\":\"conv.update\",\"id\":17,\"conv\":1,"
			 "\"topic\":\"Q3 \xf0\x9f\x9a\x80\",\"name\":\"q3\"}",
			 &r, &id),
		     0);
	CHECK(strcmp(r.topic, "Q3 \xf0\x9f\x9a\x80") == 0);
	CHECK_EQ_INT(r.present, PF_CONV | PF_TOPIC | PF_NAME);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.archive\",\"id\":18,\"conv\":1}"),
		     0);

	CHECK_EQ_INT(dec("{\"op\":\"msg.send\",\"id\":7,\"conv\":3,\"body\":"
			 "\"hi\\n\\tthere \\u00e9\",\"nonce\":\"c1-42\"}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.op, PROTO_OP_MSG_SEND);
	CHECK(r.body != NULL && strcmp(r.body, "hi\n\tthere \xc3\xa9") == 0);
	CHECK(strcmp(r.nonce, "c1-42") == 0);
	proto_request_fini(&r);
	CHECK(r.body == NULL);

	CHECK_EQ_INT(dec("{\"op\":\"msg.edit\",\"id\":20,\"message\":17,"
			 "\"body\":\"fixed\"}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.message, 17);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.delete\",\"id\":21,\"message\":17}"),
		     0);

	CHECK_EQ_INT(
		dec("{\"op\":\"msg.history\",\"id\":22,\"conv\":3}", &r, &id),
		0);
	CHECK_EQ_INT(r.limit, TD_HISTORY_DEFAULT);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec("{\"op\":\"msg.history\",\"id\":22,\"conv\":3,"
			 "\"before\":99,\"limit\":200}",
			 &r, &id),
		     0);
	CHECK_EQ_INT(r.before, 99);
	CHECK_EQ_INT(r.limit, 200);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.history\",\"id\":22,\"conv\":3,"
			    "\"after\":0,\"limit\":1}"),
		     0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"typing\",\"id\":23,\"conv\":3}"), 0);

	/* Whitespace around the object is fine; the maximum id is too. */
	CHECK_EQ_INT(
		dec(" \n{\"op\":\"ping\",\"id\":9007199254740991} \n", &r, &id),
		0);
	CHECK_EQ_INT(id, 9007199254740991LL);
	proto_request_fini(&r);
}

/* Each op name written by proto_request_open() decodes back to its op. */
static void
test_op_names(void)
{
	int ok = 0;

	CHECK(proto_op_name(PROTO_OP__COUNT) == NULL);
	CHECK(proto_op_name((enum proto_op)(-1)) == NULL);
	CHECK(strcmp(proto_op_name(PROTO_OP_MSG_HISTORY), "msg.history") == 0);
	for (int op = 0; op < PROTO_OP__COUNT; op++) {
		struct proto_request r;
		struct jw w;
		int rc;

		jw_init(&w, 0);
		proto_request_open(&w, (enum proto_op)op, op);
		proto_request_close(&w);
		rc = proto_decode_request(jw_text(&w), jw_text_len(&w), &r,
					  NULL, why, sizeof(why));
		/* Ops with required fields fail on a missing field only. */
		if ((rc == 0 && (int)r.op == op) ||
		    (rc == TD_ERR_BAD_REQUEST && why_has("missing field")))
			ok++;
		proto_request_fini(&r);
		jw_fini(&w);
	}
	CHECK_EQ_INT(ok, PROTO_OP__COUNT);
}

static void
test_decode_bad_json(void)
{
	struct proto_request r;
	char *deep;
	size_t n = 10000;
	int64_t id;

	CHECK_EQ_INT(dec_rc(""), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("nonsense"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":1}x"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":1}{}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":1,\"id\":2}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"op\":\"ping\",\"id\":1}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("[]"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("[{\"op\":\"ping\",\"id\":1}]"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("42"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("\"ping\""), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("null"), TD_ERR_BAD_JSON);
	/* Single quotes, comments and trailing commas are not JSON. */
	CHECK_EQ_INT(dec_rc("{'op':'ping','id':1}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":1,}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\"/*c*/,\"id\":1}"),
		     TD_ERR_BAD_JSON);
	/* A NUL byte inside the frame ends the text early: bad JSON. */
	CHECK_EQ_INT(proto_decode_request("{\"op\":\"ping\",\0\"id\":1}", 21,
					  &r, &id, why, sizeof(why)),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(id, -1);
	proto_request_fini(&r);
	/* jansson's message quotes the input; why stays printable ASCII. */
	CHECK_EQ_INT(dec_rc("{\"op\":\x01\xff}"), TD_ERR_BAD_JSON);
	CHECK(why_has("invalid JSON"));
	for (const char *p = why; *p != '\0'; p++)
		CHECK(*p >= 0x20 && *p < 0x7f);
	/* A NULL buffer and a tiny why buffer are both survivable. */
	CHECK_EQ_INT(proto_decode_request(NULL, 0, &r, &id, why, 1),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(why[0], '\0');
	proto_request_fini(&r);
	CHECK_EQ_INT(proto_decode_request("{}", 2, &r, NULL, NULL, 0),
		     TD_ERR_BAD_REQUEST);
	proto_request_fini(&r);

	/* 10000 nested arrays: jansson's depth limit refuses it. */
	deep = malloc(2 * n + 64);
	CHECK(deep != NULL);
	if (deep != NULL) {
		size_t k = 0;

		k += (size_t)sprintf(deep, "{\"op\":\"ping\",\"id\":1,\"x\":");
		memset(deep + k, '[', n);
		k += n;
		memset(deep + k, ']', n);
		k += n;
		deep[k++] = '}';
		CHECK_EQ_INT(proto_decode_request(deep, k, &r, &id, why,
						  sizeof(why)),
			     TD_ERR_BAD_JSON);
		proto_request_fini(&r);
		free(deep);
	}

	/* Invalid UTF-8 inside a string: jansson refuses it (bad_json). */
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"a\xff\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"\xed\xa0\x80\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"\xc0\xaf\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_JSON);
	/* Lone surrogate escapes: jansson refuses them (bad_json). */
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"\\ud800\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"x\\udc00y\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_JSON);
	/* A paired surrogate escape is one valid code point. */
	CHECK_EQ_INT(dec("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			 "\"body\":\"\\ud83d\\ude00\",\"nonce\":\"n\"}",
			 &r, &id),
		     0);
	CHECK(r.body != NULL && strcmp(r.body, "\xf0\x9f\x98\x80") == 0);
	proto_request_fini(&r);
	/* NUL via \u0000 is valid JSON but no valid text: bad_request. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"a\\u0000b\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"login\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"\\u0000\"}"),
		     TD_ERR_BAD_REQUEST);
	/* An integer beyond 64 bits is refused by jansson itself. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":"
			    "123456789012345678901234567890}"),
		     TD_ERR_BAD_JSON);
}

static void
test_decode_bad_envelope(void)
{
	int64_t id;
	struct proto_request r;

	CHECK_EQ_INT(dec("{\"op\":\"ping\"}", &r, &id), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(id, -1);
	CHECK(why_has("'id'"));
	proto_request_fini(&r);
	CHECK_EQ_INT(dec("{\"op\":\"ping\",\"id\":9007199254740992}", &r, &id),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(id, -1);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":-1}"), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":1.0}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":1e2}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":\"1\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":null}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"ping\",\"id\":true}"),
		     TD_ERR_BAD_REQUEST);

	CHECK_EQ_INT(dec("{\"id\":5}", &r, &id), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(id, 5);
	CHECK(why_has("'op'"));
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"id\":5,\"op\":7}"), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"id\":5,\"op\":null}"), TD_ERR_BAD_REQUEST);

	CHECK_EQ_INT(dec("{\"op\":\"msg.sendx\",\"id\":6}", &r, &id),
		     TD_ERR_UNKNOWN_OP);
	CHECK_EQ_INT(id, 6);
	CHECK(why_has("msg.sendx"));
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"op\":\"\",\"id\":6}"), TD_ERR_UNKNOWN_OP);
	CHECK_EQ_INT(dec_rc("{\"op\":\"PING\",\"id\":6}"), TD_ERR_UNKNOWN_OP);
	/* The echoed op name is cut and made printable. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"\\n\\u001b[31maaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"id\":6}"),
		     TD_ERR_UNKNOWN_OP);
	CHECK(strchr(why, '\n') == NULL && strchr(why, '\x1b') == NULL);
	CHECK(strlen(why) < 64);
}

static void
test_decode_bad_fields(void)
{
	struct proto_request r;
	int64_t id;
	char *big;

	/* Unknown fields, for the op and overall. */
	CHECK_EQ_INT(dec("{\"op\":\"ping\",\"id\":1,\"conv\":3}", &r, &id),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(id, 1);
	CHECK(why_has("unknown field 'conv'"));
	proto_request_fini(&r);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"x\",\"nonce\":\"n\",\"extra\":1}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'extra'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"login\",\"id\":1,\"handle\":\"a\","
			    "\"password\":\"p\",\"token\":\"" TOKEN43 "\"}"),
		     TD_ERR_BAD_REQUEST);

	/* Missing required fields name the field. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"x\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("missing field 'nonce'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"A\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'team'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1}"),
		     TD_ERR_BAD_REQUEST);

	/* Wrong JSON types. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1,\"conv\":\"3\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("field 'conv' must be an integer"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1,\"conv\":3.0}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1,\"conv\":null}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1,\"conv\":[3]}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":"
			    "\"channel\",\"name\":\"x\",\"private\":\"true\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'private'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":"
			    "\"channel\",\"name\":\"x\",\"private\":1}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":42,\"nonce\":\"n\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("field 'body' must be a string"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"A\",\"team\":\"engineering\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'team'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"dm\","
			    "\"members\":[2]}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'kind'"));
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"members\":{}}"),
		TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"members\":[2,\"3\"]}"),
		TD_ERR_BAD_REQUEST);

	/* Out of range numbers. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.history\",\"id\":1,\"conv\":1,"
			    "\"limit\":0}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("field 'limit' must be an integer from 1 to 200"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.history\",\"id\":1,\"conv\":1,"
			    "\"limit\":201}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.history\",\"id\":1,\"conv\":1,"
			    "\"before\":0}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.history\",\"id\":1,\"conv\":1,"
			    "\"after\":-1}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.history\",\"id\":1,\"conv\":1,"
			    "\"before\":5,\"after\":1}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'before' and 'after'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1,\"conv\":0}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.get\",\"id\":1,"
			    "\"conv\":9007199254740992}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"hello\",\"id\":1,\"since\":-1}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"invite.create\",\"id\":1,"
			    "\"max_uses\":1001}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"invite.create\",\"id\":1,"
			    "\"ttl_hours\":0}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"invite.create\",\"id\":1,"
			    "\"ttl_hours\":721}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"members\":[]}"),
		0);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"members\":[2,0]}"),
		TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"members\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
		       "16,17]}"),
		TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"members\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
		       "16]}"),
		0);

	/* conv.create's per-kind rules. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.create\",\"id\":1,"
			    "\"kind\":\"channel\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'name'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.create\",\"id\":1,"
			    "\"kind\":\"group\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'members'"));
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"conv.create\",\"id\":1,\"kind\":\"group\","
		       "\"name\":\"g\",\"members\":[2,3]}"),
		TD_ERR_BAD_REQUEST);

	/* Tokens, invites, handles, nonces, names. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"hello\",\"id\":1,\"token\":\"abc\"}"),
		     TD_ERR_BAD_TOKEN);
	CHECK(why_has("'token'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"hello\",\"id\":1,\"token\":\"" TOKEN43
			    "A\"}"),
		     TD_ERR_BAD_TOKEN);
	CHECK_EQ_INT(dec_rc("{\"op\":\"hello\",\"id\":1,\"token\":"
			    "\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123+/Z\"}"),
		     TD_ERR_BAD_TOKEN);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
		       "\"password\":\"pppppppppp\",\"display_name\":\"A\","
		       "\"team\":\"other\",\"invite\":\"\"}"),
		TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
		       "\"password\":\"pppppppppp\",\"display_name\":\"A\","
		       "\"team\":\"other\",\"invite\":"
		       "\"AbCdEfGhIjKlMnOpQrStUvW\"}"),
		TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"Ana\","
		       "\"password\":\"pppppppppp\",\"display_name\":\"A\","
		       "\"team\":\"other\"}"),
		TD_ERR_BAD_REQUEST);
	CHECK(why_has("'handle'"));
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"a\","
		       "\"password\":\"pppppppppp\",\"display_name\":\"A\","
		       "\"team\":\"other\"}"),
		TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"login\",\"id\":1,\"handle\":\"a b\","
			    "\"password\":\"p\"}"),
		     0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"login\",\"id\":1,\"handle\":\"\","
			    "\"password\":\"p\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"login\",\"id\":1,\"handle\":"
			    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
			    "\"password\":\"p\"}"),
		     TD_ERR_TOO_LARGE);
	CHECK_EQ_INT(dec_rc("{\"op\":\"login\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"x\",\"nonce\":\"a b\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"x\",\"nonce\":\"\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"x\",\"nonce\":\"\\u00e9\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(
		dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
		       "\"body\":\"x\",\"nonce\":\"aaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"),
		TD_ERR_TOO_LARGE);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.update\",\"id\":1,\"conv\":1,"
			    "\"name\":\"Bad Name\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'name'"));

	/* Display names and topics: no controls, no bidi overrides. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"A\\u202eB\",\"team\":\"other\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'display_name'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"A\\nB\",\"team\":\"other\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"\",\"team\":\"other\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"A\\u0085\",\"team\":\"other\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.update\",\"id\":1,\"conv\":1,"
			    "\"topic\":\"x\\u2066y\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'topic'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.update\",\"id\":1,\"conv\":1,"
			    "\"topic\":\"x\\ty\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"conv.update\",\"id\":1,\"conv\":1,"
			    "\"topic\":\"x\\u007f\"}"),
		     TD_ERR_BAD_REQUEST);

	/* Bodies: bidi allowed, other controls and blank bodies refused. */
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"\\u202eabc\\u2069\",\"nonce\":\"n\"}"),
		     0);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"a\\rb\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK(why_has("'body'"));
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\" \\n\\t \",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
			    "\"body\":\"\",\"nonce\":\"n\"}"),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(dec_rc("{\"op\":\"msg.edit\",\"id\":1,\"message\":1,"
			    "\"body\":\"\\u001b[2J\"}"),
		     TD_ERR_BAD_REQUEST);

	/* Lengths: the body's byte limit, characters of lines. */
	big = malloc(TD_MAX_BODY + 128);
	CHECK(big != NULL);
	if (big != NULL) {
		int k = sprintf(big, "{\"op\":\"msg.send\",\"id\":1,\"conv\":1,"
				     "\"nonce\":\"n\",\"body\":\"");
		memset(big + k, 'x', TD_MAX_BODY);
		strcpy(big + k + TD_MAX_BODY, "\"}");
		CHECK_EQ_INT(dec(big, &r, &id), 0);
		CHECK(r.body != NULL && strlen(r.body) == TD_MAX_BODY);
		proto_request_fini(&r);
		memset(big + k, 'x', TD_MAX_BODY + 1);
		strcpy(big + k + TD_MAX_BODY + 1, "\"}");
		CHECK_EQ_INT(dec(big, &r, &id), TD_ERR_TOO_LARGE);
		CHECK(why_has("'body'"));
		proto_request_fini(&r);
		free(big);
	}
	CHECK_EQ_INT(dec_rc("{\"op\":\"register\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"pppppppppp\",\"display_name\":"
			    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaa\",\"team\":\"other\"}"),
		     TD_ERR_TOO_LARGE);
	CHECK(why_has("64 characters"));
	/* 64 two-byte characters fit; 33 four-byte ones pass 128 bytes. */
	{
		char frame[1024];
		int k = sprintf(frame, "{\"op\":\"register\",\"id\":1,"
				       "\"handle\":\"ana\",\"password\":"
				       "\"pppppppppp\",\"team\":\"other\","
				       "\"display_name\":\"");

		for (int i = 0; i < 64; i++)
			k += sprintf(frame + k, "\xc3\xa9");
		strcpy(frame + k, "\"}");
		CHECK_EQ_INT(dec(frame, &r, &id), 0);
		CHECK_EQ_INT(proto_utf8_chars(r.display_name), 64);
		proto_request_fini(&r);
	}
}

/* Decode the frame head + n copies of unit + tail; give the result code. */
static int
dec_repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *frame = malloc(hl + ul * n + tl + 1);
	int rc;

	if (frame == NULL)
		return 1;
	memcpy(frame, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(frame + hl + i * ul, unit, ul);
	memcpy(frame + hl + ul * n, tail, tl + 1);
	rc = dec_rc(frame);
	free(frame);
	return rc;
}

/* Length limits in bytes and characters, at and just past each edge. */
static void
test_decode_limits(void)
{
	const char *topic = "{\"op\":\"conv.update\",\"id\":1,\"conv\":1,"
			    "\"topic\":\"";
	const char *login = "{\"op\":\"login\",\"id\":1,\"handle\":\"ana\","
			    "\"password\":\"";
	const char *chan = "{\"op\":\"conv.create\",\"id\":1,\"kind\":"
			   "\"channel\",\"name\":\"";

	CHECK_EQ_INT(dec_repeat(topic, "t", 250, "\"}"), 0);
	CHECK_EQ_INT(dec_repeat(topic, "t", 251, "\"}"), TD_ERR_TOO_LARGE);
	CHECK(why_has("250 characters"));
	CHECK_EQ_INT(dec_repeat(topic, "\xf0\x9f\x98\x80", 250, "\"}"), 0);
	CHECK_EQ_INT(dec_repeat(topic, "\xf0\x9f\x98\x80", 251, "\"}"),
		     TD_ERR_TOO_LARGE);
	CHECK_EQ_INT(dec_repeat(topic, "t", 5000, "\"}"), TD_ERR_TOO_LARGE);
	CHECK_EQ_INT(dec_repeat(login, "p", TD_PASSWORD_MAX, "\"}"), 0);
	CHECK_EQ_INT(dec_repeat(login, "p", TD_PASSWORD_MAX + 1, "\"}"),
		     TD_ERR_TOO_LARGE);
	CHECK(why_has("'password'"));
	/* Passwords may hold any text but NUL, spaces and controls too. */
	CHECK_EQ_INT(dec_repeat(login, "\\t \xc3\xa9", 3, "\"}"), 0);
	CHECK_EQ_INT(dec_repeat(chan, "c", 64, "\"}"), 0);
	CHECK_EQ_INT(dec_repeat(chan, "c", 65, "\"}"), TD_ERR_TOO_LARGE);
	/* A display name holds 64 characters of any width, not 65. */
	CHECK_EQ_INT(dec_repeat("{\"op\":\"register\",\"id\":1,\"handle\":"
				"\"ana\",\"password\":\"pppppppppp\","
				"\"team\":\"other\",\"display_name\":\"",
				"\xf0\x9f\x98\x80", 64, "\"}"),
		     0);
	CHECK_EQ_INT(dec_repeat("{\"op\":\"register\",\"id\":1,\"handle\":"
				"\"ana\",\"password\":\"pppppppppp\","
				"\"team\":\"other\",\"display_name\":\"",
				"\xf0\x9f\x98\x80", 65, "\"}"),
		     TD_ERR_TOO_LARGE);
}

/* The why buffer and the request are reset on every call. */
static void
test_decode_reset(void)
{
	struct proto_request r;
	int64_t id = 77;
	char small[8];

	CHECK_EQ_INT(dec("{\"op\":\"conv.get\",\"id\":1,\"conv\":0}", &r, &id),
		     TD_ERR_BAD_REQUEST);
	proto_request_fini(&r);
	CHECK_EQ_INT(dec("{\"op\":\"ping\",\"id\":2}", &r, &id), 0);
	CHECK_EQ_INT(why[0], '\0');
	CHECK_EQ_INT(r.conv, 0);
	proto_request_fini(&r);
	CHECK_EQ_INT(proto_decode_request("{\"id\":1}", 8, &r, &id, small,
					  sizeof(small)),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(strlen(small), sizeof(small) - 1);
	proto_request_fini(&r);
}

static void
test_jw(void)
{
	struct jw w;
	char *buf;
	size_t len;

	jw_init(&w, 16);
	CHECK_EQ_INT(jw_text_len(&w), 0);
	jw_obj_open(&w);
	jw_kint(&w, "a", -5);
	jw_key(&w, "b");
	jw_arr_open(&w);
	jw_int(&w, 1);
	jw_bool(&w, true);
	jw_null(&w);
	jw_obj_open(&w);
	jw_obj_close(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_str(&w, NULL);
	jw_arr_close(&w);
	jw_kbool(&w, "c", false);
	jw_kstr(&w, "d", "x");
	jw_obj_close(&w);
	CHECK(strcmp(jw_text(&w),
		     "{\"a\":-5,\"b\":[1,true,null,{},[],\"\"],\"c\":false,"
		     "\"d\":\"x\"}") == 0);
	CHECK(jw_text(&w) == w.buf + 16);
	CHECK_EQ_INT(w.len, 16 + jw_text_len(&w));
	buf = jw_take(&w, &len);
	CHECK(buf != NULL);
	CHECK_EQ_INT(len, strlen(buf + 16));
	CHECK(w.buf == NULL);
	free(buf);

	/* Escaping: quotes, backslash, every control, non-ASCII as is. */
	jw_init(&w, 0);
	jw_str(&w, "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80");
	CHECK(strcmp(jw_text(&w),
		     "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f "
		     "\xc3\xa9\xf0\x9f\x98\x80\"") == 0);
	jw_fini(&w);

	/* Invalid UTF-8 never reaches the output. */
	jw_init(&w, 0);
	jw_strn(&w,
		"a\xff"
		"b\xc3"
		"c\xed\xa0\x80",
		8);
	CHECK(strcmp(jw_text(&w),
		     "\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffd\"") == 0);
	jw_fini(&w);

	/* jw_strn honours its length, including embedded NULs. */
	jw_init(&w, 0);
	jw_strn(&w, "ab\0cd", 5);
	CHECK(strcmp(jw_text(&w), "\"ab\\u0000cd\"") == 0);
	jw_fini(&w);

	/* Keys are escaped too; growth past the first buffer works. */
	jw_init(&w, 4);
	jw_obj_open(&w);
	jw_kstr(&w, "k\"", "v");
	for (int i = 0; i < 1000; i++)
		jw_kint(&w, "n", i);
	jw_obj_close(&w);
	CHECK(starts_with(jw_text(&w), "{\"k\\\"\":\"v\",\"n\":0,\"n\":1,"));
	CHECK(jw_text(&w)[jw_text_len(&w) - 1] == '}');
	CHECK(w.cap >= w.len + 1);
	jw_fini(&w);
	CHECK(w.buf == NULL);

	/* INT64 extremes print exactly. */
	jw_init(&w, 0);
	jw_arr_open(&w);
	jw_int(&w, INT64_MIN);
	jw_int(&w, INT64_MAX);
	jw_arr_close(&w);
	CHECK(strcmp(jw_text(&w),
		     "[-9223372036854775808,9223372036854775807]") == 0);
	jw_fini(&w);
}

static void
fill_user(struct td_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = 1;
	strcpy(u->handle, "ana");
	strcpy(u->display_name, "Ana \"A\\R\" Reyes \xc3\xa9\t");
	u->team = TD_TEAM_SALES;
	u->role = TD_ROLE_ADMIN;
}

static void
test_encode_reply(void)
{
	struct td_user u;
	struct td_conv c;
	struct td_message m;
	struct proto_frame f;
	struct jw w;

	fill_user(&u);
	memset(&c, 0, sizeof(c));
	c.id = 3;
	c.kind = TD_CONV_CHANNEL;
	strcpy(c.name, "general");
	strcpy(c.topic, "Q3 \xf0\x9f\x9a\x80 \"plans\"");
	c.is_private = true;
	c.created_by = 1;
	c.created_at = 1763870000000LL;
	c.last_message_id = 17;
	c.member_count = 4;
	c.member = true;
	memset(&m, 0, sizeof(m));
	m.id = 17;
	m.conv = 3;
	m.author = 1;
	m.body = (char[]){ "hello\n\"world\" \\ \x01 \xe2\x80\xae" };
	strcpy(m.nonce, "c1-42");
	m.created_at = 1763870000000LL;
	m.edited_at = 1763870000500LL;

	jw_init(&w, 8);
	proto_reply_open(&w, 7);
	jw_key(&w, "user");
	proto_write_user(&w, &u, -1);
	jw_key(&w, "conversation");
	proto_write_conv(&w, &c);
	jw_key(&w, "message");
	proto_write_message(&w, &m);
	jw_kstr(&w, "token", TOKEN43);
	jw_kint(&w, "head", 1042);
	jw_kbool(&w, "resync", true);
	jw_kbool(&w, "more", true);
	jw_kint(&w, "expires_at", 99);
	jw_key(&w, "members");
	jw_arr_open(&w);
	jw_int(&w, 1);
	jw_int(&w, 2);
	jw_arr_close(&w);
	proto_reply_close(&w);
	CHECK(strstr(jw_text(&w), "\"online\"") == NULL);
	CHECK(starts_with(jw_text(&w),
			  "{\"id\":7,\"result\":{\"user\":{\"id\":1,"
			  "\"handle\":\"ana\","));

	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK_EQ_INT(f.kind, PROTO_FRAME_REPLY);
	CHECK_EQ_INT(f.id, 7);
	CHECK_EQ_INT(f.n_users, 1);
	if (f.n_users == 1) {
		CHECK_EQ_INT(f.users[0].id, 1);
		CHECK(strcmp(f.users[0].handle, "ana") == 0);
		CHECK(strcmp(f.users[0].display_name, u.display_name) == 0);
		CHECK_EQ_INT(f.users[0].team, TD_TEAM_SALES);
		CHECK_EQ_INT(f.users[0].role, TD_ROLE_ADMIN);
	}
	CHECK_EQ_INT(f.n_convs, 1);
	if (f.n_convs == 1) {
		CHECK_EQ_INT(f.convs[0].id, 3);
		CHECK_EQ_INT(f.convs[0].kind, TD_CONV_CHANNEL);
		CHECK(strcmp(f.convs[0].name, "general") == 0);
		CHECK(strcmp(f.convs[0].topic, c.topic) == 0);
		CHECK(f.convs[0].is_private);
		CHECK(!f.convs[0].archived);
		CHECK_EQ_INT(f.convs[0].created_by, 1);
		CHECK_EQ_INT(f.convs[0].created_at, 1763870000000LL);
		CHECK_EQ_INT(f.convs[0].last_message_id, 17);
		CHECK_EQ_INT(f.convs[0].member_count, 4);
		CHECK(f.convs[0].member);
	}
	CHECK_EQ_INT(f.n_messages, 1);
	if (f.n_messages == 1) {
		CHECK_EQ_INT(f.messages[0].id, 17);
		CHECK_EQ_INT(f.messages[0].conv, 3);
		CHECK_EQ_INT(f.messages[0].author, 1);
		CHECK(strcmp(f.messages[0].body, m.body) == 0);
		CHECK(strcmp(f.messages[0].nonce, "c1-42") == 0);
		CHECK_EQ_INT(f.messages[0].edited_at, 1763870000500LL);
		CHECK(!f.messages[0].deleted);
	}
	CHECK(strcmp(f.token, TOKEN43) == 0);
	CHECK_EQ_INT(f.head, 1042);
	CHECK(f.resync);
	CHECK(f.more);
	CHECK_EQ_INT(f.expires_at, 99);
	CHECK_EQ_INT(f.n_members, 2);
	proto_frame_fini(&f);
	CHECK(f.messages == NULL && f.users == NULL);
	jw_fini(&w);

	/* Arrays, online flags and tombstones. */
	jw_init(&w, 0);
	proto_reply_open(&w, 8);
	jw_key(&w, "users");
	jw_arr_open(&w);
	proto_write_user(&w, &u, 1);
	u.id = 2;
	proto_write_user(&w, &u, 0);
	jw_arr_close(&w);
	jw_key(&w, "messages");
	jw_arr_open(&w);
	m.deleted = true;
	proto_write_message(&w, &m);
	m.deleted = false;
	proto_write_message(&w, &m);
	jw_arr_close(&w);
	jw_key(&w, "conversations");
	jw_arr_open(&w);
	jw_arr_close(&w);
	proto_reply_close(&w);
	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK_EQ_INT(f.n_users, 2);
	CHECK(f.users_online != NULL && f.users_online[0] &&
	      !f.users_online[1]);
	CHECK_EQ_INT(f.n_messages, 2);
	CHECK(f.n_messages == 2 && f.messages[0].deleted &&
	      f.messages[0].body[0] == '\0');
	CHECK(f.n_messages == 2 && strcmp(f.messages[1].body, m.body) == 0);
	CHECK_EQ_INT(f.n_convs, 0);
	CHECK_EQ_INT(f.head, -1);
	proto_frame_fini(&f);
	jw_fini(&w);
}

static void
test_encode_events_errors(void)
{
	struct proto_frame f;
	struct td_user u;
	struct jw w;

	jw_init(&w, 0);
	proto_write_error(&w, 7, TD_ERR_NOT_FOUND, "no such conversation");
	CHECK(strcmp(jw_text(&w),
		     "{\"id\":7,\"error\":{\"code\":\"not_found\","
		     "\"message\":\"no such conversation\"}}") == 0);
	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK_EQ_INT(f.kind, PROTO_FRAME_ERROR);
	CHECK_EQ_INT(f.id, 7);
	CHECK(strcmp(f.error_code, "not_found") == 0);
	CHECK(strcmp(f.error_message, "no such conversation") == 0);
	proto_frame_fini(&f);
	jw_fini(&w);

	jw_init(&w, 0);
	proto_write_error(&w, -1, TD_ERR_BAD_JSON, NULL);
	CHECK(starts_with(jw_text(&w), "{\"id\":null,\"error\":{\"code\":"
				       "\"bad_json\",\"message\":\""));
	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK_EQ_INT(f.id, -1);
	CHECK(strcmp(f.error_message, td_err_message(TD_ERR_BAD_JSON)) == 0);
	proto_frame_fini(&f);
	jw_fini(&w);

	/* A durable event with a User, then an ephemeral one without seq. */
	fill_user(&u);
	jw_init(&w, 0);
	proto_event_open(&w, "member.join", 1042);
	jw_kint(&w, "conv", 3);
	jw_key(&w, "user");
	proto_write_user(&w, &u, -1);
	jw_kint(&w, "by", 9);
	proto_event_close(&w);
	CHECK(starts_with(jw_text(&w),
			  "{\"event\":\"member.join\",\"seq\":1042,"
			  "\"data\":{\"conv\":3,"));
	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK_EQ_INT(f.kind, PROTO_FRAME_EVENT);
	CHECK(strcmp(f.event, "member.join") == 0);
	CHECK_EQ_INT(f.seq, 1042);
	CHECK_EQ_INT(f.conv_id, 3);
	CHECK_EQ_INT(f.by, 9);
	CHECK_EQ_INT(f.n_users, 1);
	proto_frame_fini(&f);
	jw_fini(&w);

	jw_init(&w, 0);
	proto_event_open(&w, "presence", -1);
	jw_kint(&w, "user", 4);
	jw_kbool(&w, "online", true);
	proto_event_close(&w);
	CHECK(strcmp(jw_text(&w), "{\"event\":\"presence\",\"data\":{\"user\":"
				  "4,\"online\":true}}") == 0);
	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK_EQ_INT(f.seq, -1);
	CHECK_EQ_INT(f.user_id, 4);
	CHECK(f.online);
	CHECK_EQ_INT(f.n_users, 0);
	proto_frame_fini(&f);
	jw_fini(&w);

	/* A hello reply with limits: unknown members are ignored. */
	jw_init(&w, 0);
	proto_reply_open(&w, 0);
	jw_kstr(&w, "protocol", TD_PROTOCOL_NAME);
	jw_key(&w, "limits");
	proto_write_limits(&w);
	jw_kbool(&w, "needs_invite", true);
	jw_kint(&w, "head", 0);
	proto_reply_close(&w);
	CHECK(strstr(jw_text(&w), "\"max_body_bytes\":16384") != NULL);
	CHECK_EQ_INT(proto_decode_frame(jw_text(&w), jw_text_len(&w), &f), 0);
	CHECK(f.needs_invite);
	CHECK_EQ_INT(f.head, 0);
	proto_frame_fini(&f);
	jw_fini(&w);

	/* Requests written by proto_request_open() decode as requests. */
	jw_init(&w, 0);
	proto_request_open(&w, PROTO_OP_MSG_SEND, 7);
	jw_kint(&w, "conv", 3);
	jw_kstr(&w, "body", "hi \"there\"");
	jw_kstr(&w, "nonce", "c1-42");
	proto_request_close(&w);
	{
		struct proto_request r;
		int64_t id;

		CHECK_EQ_INT(proto_decode_request(jw_text(&w), jw_text_len(&w),
						  &r, &id, why, sizeof(why)),
			     0);
		CHECK_EQ_INT(id, 7);
		CHECK(r.body != NULL && strcmp(r.body, "hi \"there\"") == 0);
		proto_request_fini(&r);
	}
	jw_fini(&w);
}

static int
frame_rc(const char *json)
{
	struct proto_frame f;
	int rc = proto_decode_frame(json, strlen(json), &f);

	proto_frame_fini(&f);
	return rc;
}

static void
test_decode_frame_bad(void)
{
	CHECK_EQ_INT(frame_rc(""), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("[]"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":[]}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":\"1\",\"result\":{}}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"error\":\"x\"}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"event\":5,\"data\":{}}"), TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"head\":\"x\"}}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"user\":\"x\"}}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"users\":{}}}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"users\":[{\"team\":"
			      "\"pirates\"}]}}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(
		frame_rc("{\"id\":1,\"result\":{\"token\":\"" TOKEN43 "xx\"}}"),
		TD_ERR_TOO_LARGE);
	/* A bad message after good ones frees every body (ASan checks). */
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"messages\":[{\"body\":"
			      "\"a\"},{\"body\":\"b\"},{\"body\":3}]}}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"messages\":[{\"body\":"
			      "\"a\"},{\"id\":\"b\"}]}}"),
		     TD_ERR_BAD_JSON);
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"conversations\":["
			      "{\"member_count\":-1}]}}"),
		     TD_ERR_BAD_JSON);
	/* Unknown members and unknown events are fine. */
	CHECK_EQ_INT(frame_rc("{\"id\":1,\"result\":{\"future\":[1,{}]},"
			      "\"x\":1}"),
		     0);
	CHECK_EQ_INT(frame_rc("{\"event\":\"future.thing\",\"seq\":3,"
			      "\"data\":{\"x\":true}}"),
		     0);
}

static void
test_mentions(void)
{
	struct proto_mentions pm;

	proto_parse_mentions("hi @Ana and @ben.  @ana again", &pm);
	CHECK_EQ_INT(pm.n_handles, 2);
	CHECK(strcmp(pm.handles[0], "ana") == 0);
	CHECK(strcmp(pm.handles[1], "ben") == 0);
	CHECK(!pm.channel && !pm.team_sales && !pm.team_marketing);
	proto_parse_mentions("mail cy@example.com or @@x or a+@dee", &pm);
	CHECK_EQ_INT(pm.n_handles, 0);
	proto_parse_mentions("@channel (@team-sales, @team-marketing!)", &pm);
	CHECK(pm.channel && pm.team_sales && pm.team_marketing);
	CHECK_EQ_INT(pm.n_handles, 0);
	proto_parse_mentions("@ @1abc @x @\xc3\xa9 \xc3\xa9@ana @", &pm);
	CHECK_EQ_INT(pm.n_handles, 0);
	proto_parse_mentions("end @ana-", &pm);
	CHECK_EQ_INT(pm.n_handles, 1);
	CHECK(strcmp(pm.handles[0], "ana") == 0);
	proto_parse_mentions(NULL, &pm);
	CHECK_EQ_INT(pm.n_handles, 0);
	CHECK(proto_valid_emoji("+1"));
	CHECK(proto_valid_emoji("thumbs_up-2"));
	CHECK(!proto_valid_emoji(""));
	CHECK(!proto_valid_emoji("Smile"));
	CHECK(!proto_valid_emoji("a:b"));
	CHECK(!proto_valid_emoji("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_search_parse(void)
{
	struct proto_search ps;

	CHECK_EQ_INT(proto_parse_search("onboard deck", &ps), 0);
	CHECK(strcmp(ps.fts, "\"onboard\" AND \"deck\"") == 0);
	CHECK_EQ_INT(proto_parse_search("say \"hi\" OR* in:#gen-1 "
					"from:@ana before:2024-03-01 "
					"after:2024-02-29 has:link", &ps), 0);
	CHECK(strcmp(ps.fts, "\"say\" AND \"\"\"hi\"\"\" AND \"OR*\"") == 0);
	CHECK(strcmp(ps.in_channel, "gen-1") == 0);
	CHECK(strcmp(ps.from, "ana") == 0);
	CHECK_EQ_INT(ps.before_ms, 1709251200000LL);
	CHECK_EQ_INT(ps.after_ms, 1709251200000LL);
	CHECK(ps.has_link);
	CHECK_EQ_INT(proto_parse_search("in:@ben", &ps), 0);
	CHECK(strcmp(ps.in_dm, "ben") == 0);
	CHECK_EQ_INT(ps.n_terms, 0);
	CHECK_EQ_INT(proto_parse_search("a b", &ps), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(proto_parse_search("   ", &ps), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(proto_parse_search("before:2023-02-29", &ps),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(proto_parse_search("after:2024-1-01", &ps),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(proto_parse_search("in:#", &ps), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(proto_parse_search("from:@No", &ps), TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(proto_parse_search("has:pdf", &ps), TD_ERR_BAD_REQUEST);
	CHECK(ps.why != NULL);
}

/* The payload view: members the frame struct has no field for. */
static void
test_frame_payload(void)
{
	static const char text[] =
		"{\"id\":3,\"result\":{\"request\":{\"id\":7,\"title\":"
		"\"a\\u0000b\",\"asset\":null,\"value\":120000,\"ratio\":2.5,"
		"\"open\":true,\"feedback\":[12,14]},\"more\":false}}";
	const struct proto_value *r, *v;
	struct proto_frame f;
	struct jw w;

	CHECK_EQ_INT(proto_decode_frame(text, sizeof(text) - 1, &f), 0);
	r = proto_value_get(f.payload, "request");
	CHECK_EQ_INT(proto_value_type(r), PROTO_VALUE_OBJECT);
	CHECK_EQ_INT(proto_value_int(proto_value_get(r, "id"), 0), 7);
	CHECK_EQ_INT(proto_value_int(proto_value_get(r, "value"), 0), 120000);
	CHECK(proto_value_real(proto_value_get(r, "ratio"), 0) == 2.5);
	CHECK(proto_value_bool(proto_value_get(r, "open"), false));
	CHECK(strcmp(proto_value_str(proto_value_get(r, "title"), "?"), "a") ==
	      0);
	CHECK_EQ_INT(proto_value_type(proto_value_get(r, "asset")),
		     PROTO_VALUE_NULL);
	/* Absent members and wrong types read as the defaults. */
	CHECK(proto_value_get(r, "nope") == NULL);
	CHECK_EQ_INT(proto_value_type(proto_value_get(r, "nope")),
		     PROTO_VALUE_ABSENT);
	CHECK_EQ_INT(proto_value_int(proto_value_get(r, "title"), -1), -1);
	CHECK(strcmp(proto_value_str(proto_value_get(r, "id"), "d"), "d") == 0);
	CHECK(proto_value_get(proto_value_get(r, "id"), "x") == NULL);
	CHECK(proto_value_at(r, 0) == NULL);
	CHECK_EQ_INT(proto_value_len(NULL), 0);
	v = proto_value_get(r, "feedback");
	CHECK_EQ_INT(proto_value_len(v), 2);
	CHECK_EQ_INT(proto_value_int(proto_value_at(v, 1), 0), 14);
	CHECK(proto_value_at(v, 2) == NULL);
	CHECK(strcmp(proto_value_key_at(r, 1, &v), "title") == 0);
	CHECK(proto_value_key_at(r, 99, &v) == NULL && v == NULL);
	/* Written back whole, the NUL inside a string included. */
	jw_init(&w, 0);
	proto_value_write(&w, proto_value_get(r, "title"));
	CHECK(strcmp(jw_text(&w), "\"a\\u0000b\"") == 0);
	jw_fini(&w);
	jw_init(&w, 0);
	proto_value_write(&w, proto_value_get(r, "feedback"));
	CHECK(strcmp(jw_text(&w), "[12,14]") == 0);
	jw_fini(&w);
	proto_frame_fini(&f);
	CHECK(f.payload == NULL);
}

int
main(void)
{
	test_errors();
	test_enums();
	test_text_rules();
	test_decode_ops();
	test_op_names();
	test_decode_bad_json();
	test_decode_bad_envelope();
	test_decode_bad_fields();
	test_decode_limits();
	test_decode_reset();
	test_jw();
	test_encode_reply();
	test_encode_events_errors();
	test_decode_frame_bad();
	test_mentions();
	test_search_parse();
	test_frame_payload();
	return check_summary("proto");
}
