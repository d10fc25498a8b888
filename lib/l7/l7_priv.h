/* Internal to lib/l7: shared between l7.c and first_bytes.c. */
#ifndef FZ_L7_PRIV_H
#define FZ_L7_PRIV_H

#include <stdint.h>

/*
 * Add to set (a 256-bit set, bit b of set[b / 64]) every byte that can begin
 * a payload the signature regex re with FZ_SIG_* flags matches. Sets every
 * bit when it cannot tell, so the result is always a superset.
 */
void fz_l7__first_bytes(const char *re, unsigned flags, uint64_t set[4]);

#endif
