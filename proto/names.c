/*
 * names.c: the wire names of the sales-and-marketing enums (types.h), and
 * which conversations are open to everyone. A table's index is the enum's
 * value, which is also what the database stores: append, never reorder.
 */
#include <string.h>

#include "tandem/proto.h"
#include "tandem/types.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define ENUM(var, what, ...)                                               \
	static const char *const var##_names[] = { __VA_ARGS__ };         \
	const struct td_enum td_enum_##var = { what, var##_names,         \
					       NELEM(var##_names) }

ENUM(request_kind, "request kind", "case_study", "battle_card", "one_pager",
     "deck", "email_template", "video", "other");
ENUM(request_status, "request status", "new", "accepted", "in_progress",
     "waiting_on_requester", "in_review", "delivered", "closed", "declined",
     "reopened", "waiting_on_marketing");
ENUM(priority, "priority", "low", "normal", "high", "urgent");
ENUM(deal_stage, "deal stage", "none", "prospecting", "discovery", "demo",
     "proposal", "negotiation", "closed_won", "closed_lost");
ENUM(verdict, "verdict", "helped", "fell_flat", "outdated");
ENUM(feedback_kind, "feedback kind", "pain_point", "objection",
     "lost_reason", "product_fit", "competitor", "testimonial",
     "content_idea", "missing_content");
ENUM(feedback_status, "feedback status", "new", "acknowledged", "planned",
     "done", "closed");
ENUM(weight, "weight", "nice_to_have", "important", "deal_blocker");
ENUM(cadence, "cadence", "off", "weekly", "biweekly", "fourweekly");

const char *
td_enum_name(const struct td_enum *e, int v)
{
	if (v < 0 || v >= e->n)
		return "unknown";
	return e->names[v];
}

int
td_enum_parse(const struct td_enum *e, const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->names[i], s) == 0)
			return i;
	return -1;
}

bool
td_conv_is_open(const struct td_conv *c)
{
	switch (c->kind) {
	case TD_CONV_CHANNEL:
		return !c->is_private;
	case TD_CONV_REQUEST:
	case TD_CONV_FEEDBACK:
		return true;
	case TD_CONV_DM:
	case TD_CONV_GROUP:
		break;
	}
	return false;
}

bool
proto_valid_url(const char *s)
{
	size_t n;

	if (strncmp(s, "https://", 8) == 0)
		n = 8;
	else if (strncmp(s, "http://", 7) == 0)
		n = 7;
	else
		return false;
	if (s[n] == '\0')
		return false;
	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return false;
	return true;
}
