/*
 * value.c: a read-only view of a server frame's payload (a reply's result
 * or an event's data), for clients that need members struct proto_frame
 * has no field for: requests, feedback items, search results, the
 * dashboard. With decode.c, the only files that include jansson: a
 * struct proto_value is a jansson value, never exposed as one.
 *
 * Every accessor takes NULL (an absent member) and answers its default, so
 * a client reads optional or mistyped members without checking each step;
 * nothing here allocates, prints or aborts.
 */
#include <stdint.h>

#include <jansson.h>

#include "tandem/proto.h"

/*
 * The jansson value behind a view. jansson's object iterators take a
 * non-const json_t even to read; nothing here writes through it.
 */
static json_t *
value_json(const struct proto_value *v)
{
	return (json_t *)(uintptr_t)v;
}

static const struct proto_value *
value_of(const json_t *j)
{
	return (const struct proto_value *)j;
}

enum proto_value_type
proto_value_type(const struct proto_value *v)
{
	const json_t *j = value_json(v);

	if (j == NULL)
		return PROTO_VALUE_ABSENT;
	switch (json_typeof(j)) {
	case JSON_OBJECT: return PROTO_VALUE_OBJECT;
	case JSON_ARRAY: return PROTO_VALUE_ARRAY;
	case JSON_STRING: return PROTO_VALUE_STRING;
	case JSON_INTEGER: return PROTO_VALUE_INT;
	case JSON_REAL: return PROTO_VALUE_REAL;
	case JSON_TRUE:
	case JSON_FALSE: return PROTO_VALUE_BOOL;
	default: return PROTO_VALUE_NULL;
	}
}

const struct proto_value *
proto_value_get(const struct proto_value *obj, const char *key)
{
	const json_t *j = value_json(obj);

	if (!json_is_object(j))
		return NULL;
	return value_of(json_object_get(j, key));
}

const struct proto_value *
proto_value_at(const struct proto_value *arr, size_t i)
{
	const json_t *j = value_json(arr);

	if (!json_is_array(j))
		return NULL;
	return value_of(json_array_get(j, i));
}

size_t
proto_value_len(const struct proto_value *v)
{
	const json_t *j = value_json(v);

	if (json_is_array(j))
		return json_array_size(j);
	if (json_is_object(j))
		return json_object_size(j);
	return 0;
}

const char *
proto_value_key_at(const struct proto_value *obj, size_t i,
		   const struct proto_value **val)
{
	json_t *j = value_json(obj);
	void *it;

	*val = NULL;
	if (!json_is_object(j))
		return NULL;
	for (it = json_object_iter(j); it && i > 0; i--)
		it = json_object_iter_next(j, it);
	if (it == NULL)
		return NULL;
	*val = value_of(json_object_iter_value(it));
	return json_object_iter_key(it);
}

const char *
proto_value_str(const struct proto_value *v, const char *dflt)
{
	const json_t *j = value_json(v);

	return json_is_string(j) ? json_string_value(j) : dflt;
}

int64_t
proto_value_int(const struct proto_value *v, int64_t dflt)
{
	const json_t *j = value_json(v);

	return json_is_integer(j) ? (int64_t)json_integer_value(j) : dflt;
}

double
proto_value_real(const struct proto_value *v, double dflt)
{
	const json_t *j = value_json(v);

	return json_is_number(j) ? json_number_value(j) : dflt;
}

bool
proto_value_bool(const struct proto_value *v, bool dflt)
{
	const json_t *j = value_json(v);

	return json_is_boolean(j) ? json_is_true(j) : dflt;
}

void
proto_value_write(struct jw *w, const struct proto_value *v)
{
	json_t *j = value_json(v);
	size_t i, n = proto_value_len(v);
	void *it;

	switch (proto_value_type(v)) {
	case PROTO_VALUE_OBJECT:
		jw_obj_open(w);
		for (it = json_object_iter(j); it;
		     it = json_object_iter_next(j, it)) {
			jw_key(w, json_object_iter_key(it));
			proto_value_write(w,
					  value_of(json_object_iter_value(it)));
		}
		jw_obj_close(w);
		break;
	case PROTO_VALUE_ARRAY:
		jw_arr_open(w);
		for (i = 0; i < n; i++)
			proto_value_write(w, proto_value_at(v, i));
		jw_arr_close(w);
		break;
	case PROTO_VALUE_STRING:
		jw_strn(w, json_string_value(j), json_string_length(j));
		break;
	case PROTO_VALUE_INT: jw_int(w, json_integer_value(j)); break;
	case PROTO_VALUE_REAL: jw_double(w, json_real_value(j)); break;
	case PROTO_VALUE_BOOL: jw_bool(w, json_is_true(j)); break;
	default: jw_null(w); break;
	}
}
