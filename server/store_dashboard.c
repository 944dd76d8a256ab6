/*
 * store_dashboard.c: (placeholder until the feature lands).
 */
#include "store_priv.h"
