/*
 * Named networks: sets of IPv4 and IPv6 prefixes, and the lookup of an
 * address's network (longest prefix wins). The workers look up both ends of
 * a flow once, when its record starts; the table is read-only once built, so
 * any number of lcores share it. No DPDK dependency (docs/traffic.md).
 */
#ifndef FZ_NETWORKS_H
#define FZ_NETWORKS_H

#include <stddef.h>
#include <stdint.h>

#define FZ_NETWORKS_MAX     65534
#define FZ_NETWORK_NAME_MAX 64

struct fz_networks;

/*
 * Parse a networks file's text ({"networks": [{"name": ..., "prefixes":
 * [...]}, ...]}); source names it in messages. Returns NULL with a message
 * naming the source and the entry in err (and errno EINVAL, or ENOMEM).
 */
struct fz_networks *fz_networks_parse(const char *text, size_t len, const char *source, char *err,
                                      size_t errlen);

/* Read and parse a file; as fz_networks_parse, and errno from reading. */
struct fz_networks *fz_networks_load(const char *path, char *err, size_t errlen);

void fz_networks_free(struct fz_networks *n);

/* How many networks (ids 1..count); their names, index id - 1. */
unsigned fz_networks_count(const struct fz_networks *n);
const char *const *fz_networks_names(const struct fz_networks *n);

/* The network id of an address (16 bytes; IPv4 as ::ffff:a.b.c.d with ip_version 4), 0 for
 * none. */
uint16_t fz_networks_lookup(const struct fz_networks *n, const uint8_t addr[16], int ip_version);

/*
 * Parse one prefix "a.b.c.d/len" or "x:y::z/len" into 16 bytes (IPv4
 * mapped), its length in bits of the 128 and its version. Returns 0, or
 * -EINVAL with the reason in err ("host bits are set", ...).
 */
int fz_networks_parse_prefix(const char *s, uint8_t addr[16], unsigned *len128, int *version,
                             char *err, size_t errlen);

#endif
