/*
 * check.h: the unit tests' tiny harness. CHECK() records a failure and goes
 * on; check_summary() prints the closing "N passed, N failed" line and gives
 * the process exit status.
 */
#ifndef TANDEM_CHECK_H
#define TANDEM_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (cond) {                                                \
			check_passed++;                                    \
		} else {                                                   \
			check_failed++;                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
		}                                                          \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                 \
	do {                                                               \
		long long check_a_ = (long long)(a);                       \
		long long check_b_ = (long long)(b);                       \
		if (check_a_ == check_b_) {                                \
			check_passed++;                                    \
		} else {                                                   \
			check_failed++;                                    \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, check_a_, check_b_);  \
		}                                                          \
	} while (0)

static inline int
check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed,
	       check_failed);
	return check_failed ? 1 : 0;
}

#endif
