/*
 * encode.c: the server's and the client's side of writing tandem.v1 frames:
 * entities (User, Conversation, Message) exactly as PROTOCOL.md "Objects"
 * shows them, reply, error, event and request envelopes, and the limits
 * object of the hello reply.
 *
 * It only writes through struct jw; it must never emit a member that
 * PROTOCOL.md does not describe, and never decide policy (who may see what
 * is the caller's business).
 */
#include <string.h>

#include "tandem/proto.h"

void
proto_write_user(struct jw *w, const struct td_user *u, int online)
{
	jw_obj_open(w);
	jw_kint(w, "id", u->id);
	jw_kstr(w, "handle", u->handle);
	jw_kstr(w, "display_name", u->display_name);
	jw_kstr(w, "team", td_team_name(u->team));
	jw_kstr(w, "role", td_role_name(u->role));
	if (u->approver)
		jw_kbool(w, "approver", true);
	if (online >= 0)
		jw_kbool(w, "online", online > 0);
	jw_obj_close(w);
}

void
proto_write_conv(struct jw *w, const struct td_conv *c)
{
	jw_obj_open(w);
	jw_kint(w, "id", c->id);
	jw_kstr(w, "kind", td_conv_kind_name(c->kind));
	jw_kstr(w, "name", c->name);
	jw_kstr(w, "topic", c->topic);
	jw_kbool(w, "private", c->is_private);
	jw_kbool(w, "archived", c->archived);
	jw_kint(w, "created_by", c->created_by);
	jw_kint(w, "created_at", c->created_at);
	jw_kint(w, "last_message_id", c->last_message_id);
	jw_kint(w, "member_count", c->member_count);
	jw_kbool(w, "member", c->member);
	jw_obj_close(w);
}

void
proto_write_message(struct jw *w, const struct td_message *m)
{
	jw_obj_open(w);
	jw_kint(w, "id", m->id);
	jw_kint(w, "conv", m->conv);
	jw_kint(w, "author", m->author);
	/* A tombstone's body is empty whatever the struct still holds. */
	jw_kstr(w, "body", m->deleted || m->body == NULL ? "" : m->body);
	jw_kstr(w, "nonce", m->nonce);
	jw_kint(w, "created_at", m->created_at);
	jw_kint(w, "edited_at", m->edited_at);
	jw_kbool(w, "deleted", m->deleted);
	jw_kint(w, "thread", m->thread);
	if (m->system)
		jw_kbool(w, "system", true);
	jw_kint(w, "reply_count", m->reply_count);
	jw_kint(w, "last_reply_at", m->last_reply_at);
	jw_key(w, "participants");
	jw_arr_open(w);
	for (size_t i = 0; i < m->n_participants; i++)
		jw_int(w, m->participants[i]);
	jw_arr_close(w);
	proto_write_reactions(w, m);
	jw_obj_close(w);
}

/*
 * "reactions": one {emoji, count, users} per emoji. m->reactions is sorted
 * by emoji, so each run of equal emoji becomes one entry.
 */
void
proto_write_reactions(struct jw *w, const struct td_message *m)
{
	size_t i = 0, j;

	jw_key(w, "reactions");
	jw_arr_open(w);
	while (i < m->n_reactions) {
		for (j = i; j < m->n_reactions &&
			    strcmp(m->reactions[j].emoji,
				   m->reactions[i].emoji) == 0;
		     j++)
			;
		jw_obj_open(w);
		jw_kstr(w, "emoji", m->reactions[i].emoji);
		jw_kint(w, "count", (int64_t)(j - i));
		jw_key(w, "users");
		jw_arr_open(w);
		for (size_t k = i; k < j; k++)
			jw_int(w, m->reactions[k].user);
		jw_arr_close(w);
		jw_obj_close(w);
		i = j;
	}
	jw_arr_close(w);
}

void
proto_write_limits(struct jw *w)
{
	jw_obj_open(w);
	jw_kint(w, "max_frame_bytes", TD_MAX_FRAME);
	jw_kint(w, "max_body_bytes", TD_MAX_BODY);
	jw_kint(w, "history_max", TD_HISTORY_MAX);
	jw_kint(w, "rate_per_sec", TD_RATE_PER_SEC);
	jw_kint(w, "rate_burst", TD_RATE_BURST);
	jw_kint(w, "queue_max_frames", TD_QUEUE_MAX_FRAMES);
	jw_obj_close(w);
}

void
proto_reply_open(struct jw *w, int64_t id)
{
	jw_obj_open(w);
	jw_kint(w, "id", id);
	jw_key(w, "result");
	jw_obj_open(w);
}

void
proto_reply_close(struct jw *w)
{
	jw_obj_close(w);
	jw_obj_close(w);
}

void
proto_write_error(struct jw *w, int64_t id, int err, const char *message)
{
	jw_obj_open(w);
	jw_key(w, "id");
	if (id < 0)
		jw_null(w);
	else
		jw_int(w, id);
	jw_key(w, "error");
	jw_obj_open(w);
	jw_kstr(w, "code", td_err_code(err));
	jw_kstr(w, "message",
		message != NULL && message[0] != '\0' ? message
						      : td_err_message(err));
	jw_obj_close(w);
	jw_obj_close(w);
}

void
proto_event_open(struct jw *w, const char *name, int64_t seq)
{
	jw_obj_open(w);
	jw_kstr(w, "event", name);
	if (seq >= 0)
		jw_kint(w, "seq", seq);
	jw_key(w, "data");
	jw_obj_open(w);
}

void
proto_event_close(struct jw *w)
{
	jw_obj_close(w);
	jw_obj_close(w);
}

void
proto_request_open(struct jw *w, enum proto_op op, int64_t id)
{
	const char *name = proto_op_name(op);

	jw_obj_open(w);
	jw_kstr(w, "op", name != NULL ? name : "");
	jw_kint(w, "id", id);
}

void
proto_request_close(struct jw *w)
{
	jw_obj_close(w);
}
