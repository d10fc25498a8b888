/* Internal to lib/l7: shared between l7.c and first_bytes.c. */
#ifndef FZ_L7_PRIV_H
#define FZ_L7_PRIV_H

#include <stdint.h>

#include <hs.h>

/*
 * Add to set (a 256-bit set, bit b of set[b / 64]) every byte that can begin
 * a payload the signature regex re with FZ_SIG_* flags matches. Sets every
 * bit when it cannot tell, so the result is always a superset.
 */
void fz_l7__first_bytes(const char *re, unsigned flags, uint64_t set[4]);

/* l7_cache.c: compiled databases kept in dir (NULL: no cache) under a key made of
 * Hyperscan's version, the platform, the mode and every expression, flag and id. */
void fz_l7__cache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                      unsigned n, uint64_t key[2]);
/* The database stored under key (and its shortest match), or NULL. */
hs_database_t *fz_l7__cache_load(const char *dir, const uint64_t key[2], uint32_t *min_len);
/* Store it (best effort: a failure only means compiling next time). */
void fz_l7__cache_store(const char *dir, const uint64_t key[2], const hs_database_t *db,
                        uint32_t min_len);

#endif
