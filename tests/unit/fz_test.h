/* Tiny assertion helpers for unit tests: expected value first, exact match. */
#ifndef FZ_TEST_H
#define FZ_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fz_test_failures;
static int fz_test_checks;

#define FZ_CHECK(cond)                                                                             \
	do {                                                                                       \
		fz_test_checks++;                                                                  \
		if (!(cond)) {                                                                     \
			fz_test_failures++;                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define FZ_CHECK_INT(expected, actual)                                                             \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		fz_test_checks++;                                                                  \
		if (e_ != a_) {                                                                    \
			fz_test_failures++;                                                        \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
			        __LINE__, #actual, e_, a_);                                        \
		}                                                                                  \
	} while (0)

#define FZ_CHECK_STR(expected, actual)                                                             \
	do {                                                                                       \
		const char *e_ = (expected), *a_ = (actual);                                       \
		fz_test_checks++;                                                                  \
		if (a_ == NULL || strcmp(e_, a_) != 0) {                                           \
			fz_test_failures++;                                                        \
			fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__,      \
			        __LINE__, #actual, e_, a_ ? a_ : "(null)");                        \
		}                                                                                  \
	} while (0)

#define FZ_CHECK_DBL(expected, actual, tol)                                                        \
	do {                                                                                       \
		double e_ = (expected), a_ = (actual), d_ = e_ - a_;                               \
		fz_test_checks++;                                                                  \
		if (d_ < -(tol) || d_ > (tol)) {                                                   \
			fz_test_failures++;                                                        \
			fprintf(stderr, "%s:%d: %s: expected %.9g, got %.9g\n", __FILE__,          \
			        __LINE__, #actual, e_, a_);                                        \
		}                                                                                  \
	} while (0)

/* Run one test function and report it by name. */
#define FZ_RUN(fn)                                                                                 \
	do {                                                                                       \
		int before_ = fz_test_failures;                                                    \
		fn();                                                                              \
		printf("%s %s\n", fz_test_failures == before_ ? "ok  " : "FAIL", #fn);             \
	} while (0)

/* A deterministic pseudo-random number (splitmix64), so that a failure repeats. */
static inline uint64_t fz_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Print the totals and return the process exit status. */
static inline int fz_test_summary(void)
{
	printf("%d checks, %d failed\n", fz_test_checks, fz_test_failures);
	return fz_test_failures ? 1 : 0;
}

#endif
