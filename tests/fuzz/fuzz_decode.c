/*
 * fuzz_decode.c: a libFuzzer target for proto/'s two parsers. Each input is
 * fed to proto_decode_request() (client frames, the server's attack
 * surface) and to proto_decode_frame() (server frames, the client's).
 *
 * It must never reject an input itself: whatever the bytes, both decoders
 * have to return cleanly, and the sanitizers catch any crash, leak or
 * undefined behaviour. Decoded results are re-encoded so the writer is
 * exercised with every string the decoders accept.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode what a successful request decode produced, as a client would. */
static void
reencode_request(const struct proto_request *req)
{
	struct jw w;

	jw_init(&w, 16);
	proto_request_open(&w, req->op, req->id);
	if (req->body != NULL)
		jw_kstr(&w, "body", req->body);
	jw_kstr(&w, "display_name", req->display_name);
	jw_kstr(&w, "topic", req->topic);
	jw_kstr(&w, "name", req->name);
	jw_kstr(&w, "nonce", req->nonce);
	proto_request_close(&w);
	jw_fini(&w);
}

/* Encode a decoded frame's entities back, as the server would. */
static void
reencode_frame(const struct proto_frame *f)
{
	struct jw w;

	jw_init(&w, 16);
	proto_reply_open(&w, f->id < 0 ? 0 : f->id);
	jw_key(&w, "users");
	jw_arr_open(&w);
	for (size_t i = 0; i < f->n_users; i++)
		proto_write_user(&w, &f->users[i], f->users_online[i]);
	jw_arr_close(&w);
	jw_key(&w, "conversations");
	jw_arr_open(&w);
	for (size_t i = 0; i < f->n_convs; i++)
		proto_write_conv(&w, &f->convs[i]);
	jw_arr_close(&w);
	jw_key(&w, "messages");
	jw_arr_open(&w);
	for (size_t i = 0; i < f->n_messages; i++)
		proto_write_message(&w, &f->messages[i]);
	jw_arr_close(&w);
	proto_reply_close(&w);
	jw_fini(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct proto_frame frame;
	char why[128];
	int64_t id;

	if (proto_decode_request((const char *)data, size, &req, &id, why,
				 sizeof(why)) == 0)
		reencode_request(&req);
	proto_request_fini(&req);

	if (proto_decode_frame((const char *)data, size, &frame) == 0)
		reencode_frame(&frame);
	proto_frame_fini(&frame);
	return 0;
}
