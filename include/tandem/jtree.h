/*
 * jtree.h: read-only access to a decoded JSON document, for clients that
 * show records the typed frame decoder (proto.h) does not cover: request
 * and feedback lists, buddy.get, unread.counts. The implementation
 * (proto/jtree.c) keeps jansson inside proto/; nothing here exposes it.
 *
 * Every accessor accepts NULL (a missing member) and then answers its
 * default, so a caller walks a reply without checking each step.
 */
#ifndef TANDEM_JTREE_H
#define TANDEM_JTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jtree;

/* Parse len bytes of JSON text. Returns the root (free it with
 * jtree_free()) or NULL when the text is not JSON. */
struct jtree *jtree_parse(const char *buf, size_t len);
void jtree_free(struct jtree *root);

/* A member of an object, or NULL (not an object, or no such key).
 * Borrowed: valid as long as the root. */
const struct jtree *jtree_get(const struct jtree *obj, const char *key);
/* The number of elements of an array (0 for anything else). */
size_t jtree_len(const struct jtree *arr);
/* Element i of an array, or NULL. */
const struct jtree *jtree_at(const struct jtree *arr, size_t i);

/* A string's value (borrowed), else dflt. */
const char *jtree_str(const struct jtree *v, const char *dflt);
/* An integer's value, else dflt. */
int64_t jtree_int(const struct jtree *v, int64_t dflt);
/* A boolean's value, else dflt. */
bool jtree_bool(const struct jtree *v, bool dflt);
/* True for a JSON null (or a missing value). */
bool jtree_is_null(const struct jtree *v);

#endif
