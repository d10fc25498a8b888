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
 * Alert overrides of a network and the ignore list (docs/alerts.md): the
 * networks file's "alerts" object in a network ({"k": K, "floor": {SERIES:
 * N, ...}, "disable": [SERIES or METRIC, ...]}) and its top-level "ignore"
 * array of {"src": PREFIX, "dst": PREFIX} pairs. The series, in this order:
 */
#define FZ_NETWORKS_SERIES 5
extern const char *const fz_networks_series[FZ_NETWORKS_SERIES]; /* "flows", "packets_in", ... */
#define FZ_NETWORKS_K_MAX 1000

/* The attack thresholds a network's "alerts" may set, in this order. */
#define FZ_NETWORKS_THRESHOLDS 3
extern const char *const fz_networks_thresholds[FZ_NETWORKS_THRESHOLDS]; /* "threshold_pps", ... */

struct fz_network_alerts {
	double k;                                  /* < 0: not given (the --alert-k default) */
	uint64_t floor[FZ_NETWORKS_SERIES];        /* 0: none */
	unsigned disabled;                         /* bit (1u << series index) */
	int64_t threshold[FZ_NETWORKS_THRESHOLDS]; /* < 0: not given (the option's default) */
};

/* Network id's overrides (id 1..count; all defaults when the file has none); NULL for a bad id. */
const struct fz_network_alerts *fz_networks_alerts(const struct fz_networks *n, unsigned id);

/* How many ignore pairs; whether a flow from src to dst (16 bytes each, IPv4 mapped, of
 * ip_version) matches one (src in the pair's src prefix and dst in its dst prefix). */
unsigned fz_networks_ignore_count(const struct fz_networks *n);
int fz_networks_ignored(const struct fz_networks *n, const uint8_t src[16], const uint8_t dst[16],
                        int ip_version);

/*
 * Parse one prefix "a.b.c.d/len" or "x:y::z/len" into 16 bytes (IPv4
 * mapped), its length in bits of the 128 and its version. Returns 0, or
 * -EINVAL with the reason in err ("host bits are set", ...).
 */
int fz_networks_parse_prefix(const char *s, uint8_t addr[16], unsigned *len128, int *version,
                             char *err, size_t errlen);

#endif
