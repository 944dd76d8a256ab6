/*
 * jtree.c: read-only JSON documents for clients (jtree.h), over jansson.
 * A struct jtree is a json_t in disguise; this file must never hand out a
 * reference the caller would have to release, other than the root.
 */
#include <jansson.h>

#include "tandem/jtree.h"

static const json_t *
jt(const struct jtree *v)
{
	return (const json_t *)v;
}

struct jtree *
jtree_parse(const char *buf, size_t len)
{
	return (struct jtree *)json_loadb(buf, len, JSON_REJECT_DUPLICATES,
					  NULL);
}

void
jtree_free(struct jtree *root)
{
	json_decref((json_t *)root);
}

const struct jtree *
jtree_get(const struct jtree *obj, const char *key)
{
	if (!obj || !json_is_object(jt(obj)))
		return NULL;
	return (const struct jtree *)json_object_get(jt(obj), key);
}

size_t
jtree_len(const struct jtree *arr)
{
	return arr && json_is_array(jt(arr)) ? json_array_size(jt(arr)) : 0;
}

const struct jtree *
jtree_at(const struct jtree *arr, size_t i)
{
	if (!arr || !json_is_array(jt(arr)))
		return NULL;
	return (const struct jtree *)json_array_get(jt(arr), i);
}

const char *
jtree_str(const struct jtree *v, const char *dflt)
{
	return v && json_is_string(jt(v)) ? json_string_value(jt(v)) : dflt;
}

int64_t
jtree_int(const struct jtree *v, int64_t dflt)
{
	return v && json_is_integer(jt(v)) ? (int64_t)json_integer_value(jt(v))
					   : dflt;
}

bool
jtree_bool(const struct jtree *v, bool dflt)
{
	return v && json_is_boolean(jt(v)) ? json_is_true(jt(v)) : dflt;
}

bool
jtree_is_null(const struct jtree *v)
{
	return !v || json_is_null(jt(v));
}
