/*
 * store_feedback.c: (placeholder until the feature lands).
 */
#include "store_priv.h"
