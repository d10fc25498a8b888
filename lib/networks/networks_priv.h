/* Shared by networks.c (the table) and networks_file.c (the file). */
#ifndef FZ_NETWORKS_PRIV_H
#define FZ_NETWORKS_PRIV_H

#include <stdint.h>

#include "fz_networks.h"

typedef unsigned __int128 u128;

struct prefix {
	u128 lo, hi; /* first and last address, in the family's own width */
	unsigned len;
	uint16_t id;
};

/* One family's intervals: starts[i] .. starts[i+1]-1 belong to ids[i]. */
struct family {
	u128 *starts;
	uint32_t *starts4; /* IPv4: the same starts in 32 bits (a quarter of the compares' work) */
	uint16_t *ids;
	unsigned n;
};

struct fz_networks {
	char **names;
	unsigned n;
	struct family fam[2]; /* [0] IPv4 (32-bit values), [1] IPv6 */
};

/* A parsed prefix (fz_networks_parse_prefix) as an interval with its network id. */
int fz_networks_add_prefix(struct prefix *p, const uint8_t addr[16], unsigned len128, int version,
                           uint16_t id);

/* Build family fam (0 IPv4, 1 IPv6) from its prefixes (reordered). 0 or -ENOMEM. */
int fz_networks_build(struct fz_networks *n, int fam, struct prefix *p, unsigned np);

#endif
