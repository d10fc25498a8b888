/* What the fuzz targets share: a check that aborts, so libFuzzer reports it. */
#ifndef FZ_FUZZ_CHECK_H
#define FZ_FUZZ_CHECK_H

#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#endif
