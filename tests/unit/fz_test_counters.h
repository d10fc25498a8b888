/* Reading one counter of a counter set by name, for unit tests (after the module published). */
#ifndef FZ_TEST_COUNTERS_H
#define FZ_TEST_COUNTERS_H

#include "fz_counters.h"
#include "fz_test.h"

/* Instance inst's value of the counter called name; a name the set does not have (or a block
 * larger than this helper reads) is a failed check and UINT64_MAX. */
static inline uint64_t fz_test_counter(const struct fz_counter_set *set, unsigned inst,
                                       const char *name)
{
	uint64_t v[64] = {0};

	FZ_CHECK(set->block <= sizeof(v));
	if (set->block > sizeof(v))
		return UINT64_MAX;
	set->read(set->arg, inst, v);
	for (unsigned i = 0; i < set->n_defs; i++)
		if (strcmp(set->defs[i].name, name) == 0)
			return v[set->defs[i].offset / 8];
	FZ_CHECK_STR(name, "(no such counter)");
	return UINT64_MAX;
}

#endif
