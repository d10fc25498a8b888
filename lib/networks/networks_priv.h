/* Shared by networks.c (the table) and networks_file.c (the file). */
#ifndef FZ_NETWORKS_PRIV_H
#define FZ_NETWORKS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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

/* One pair of the ignore list: prefixes as 16 bytes and a length of the 128 bits. */
struct ignore_pair {
	uint8_t src[16], dst[16];
	unsigned src_len, dst_len;
	int version;
};

struct fz_networks {
	char **names;
	unsigned n;
	struct fz_network_alerts *alerts; /* one per network (room for every entry of the file) */
	struct ignore_pair *ignore;
	unsigned n_ignore;
	struct family fam[2]; /* [0] IPv4 (32-bit values), [1] IPv6 */
};

/* A parsed prefix (fz_networks_parse_prefix) as an interval with its network id. */
int fz_networks_add_prefix(struct prefix *p, const uint8_t addr[16], unsigned len128, int version,
                           uint16_t id);

/* Build family fam (0 IPv4, 1 IPv6) from its prefixes (reordered). 0 or -ENOMEM. */
int fz_networks_build(struct fz_networks *n, int fam, struct prefix *p, unsigned np);

/*
 * The file's "alerts" object of network index idx (NULL: absent) and its
 * "ignore" array (NULL: absent), into n (networks_alerts.c). 0, or -EINVAL
 * with the reason in err (without the entry's name: the caller adds it), or
 * -ENOMEM.
 */
int fz_networks__parse_alerts(struct fz_networks *n, unsigned idx, json_t *alerts, char *err,
                              size_t errlen);
int fz_networks__parse_ignore(struct fz_networks *n, json_t *ignore, const char *source, char *err,
                              size_t errlen);

#endif
