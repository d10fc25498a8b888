/*
 * The networks file's alert settings (docs/alerts.md): a network's "alerts"
 * overrides and the top-level "ignore" list of source/destination prefix
 * pairs, and the ignore list's match.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_networks.h"
#include "networks_priv.h"

const char *const fz_networks_series[FZ_NETWORKS_SERIES] = {"flows", "packets_in", "packets_out",
                                                            "bytes_in", "bytes_out"};
const char *const fz_networks_thresholds[FZ_NETWORKS_THRESHOLDS] = {
    "threshold_pps", "threshold_mbps", "threshold_syn"};

static int threshold_index(const char *s)
{
	for (int i = 0; i < FZ_NETWORKS_THRESHOLDS; i++)
		if (strcmp(s, fz_networks_thresholds[i]) == 0)
			return i;
	return -1;
}

static int series_index(const char *s)
{
	for (int i = 0; i < FZ_NETWORKS_SERIES; i++)
		if (strcmp(s, fz_networks_series[i]) == 0)
			return i;
	return -1;
}

/* The series bits a "disable" word names: a series, or a metric (both directions). */
static unsigned disable_bits(const char *w)
{
	int i = series_index(w);

	if (i >= 0)
		return 1u << i;
	if (strcmp(w, "packets") == 0)
		return (1u << 1) | (1u << 2);
	if (strcmp(w, "bytes") == 0)
		return (1u << 3) | (1u << 4);
	return 0;
}

int fz_networks__parse_alerts(struct fz_networks *n, unsigned idx, json_t *alerts, char *err,
                              size_t errlen)
{
	struct fz_network_alerts *a = &n->alerts[idx];
	json_t *v, *floor, *dis;
	const char *k;

	memset(a, 0, sizeof(*a));
	a->k = -1;
	for (int i = 0; i < FZ_NETWORKS_THRESHOLDS; i++)
		a->threshold[i] = -1;
	if (alerts == NULL)
		return 0;
	if (!json_is_object(alerts)) {
		snprintf(err, errlen,
		         "expected an object {\"k\": ..., \"floor\": {...}, "
		         "\"disable\": [...], \"threshold_pps\": N, ...}");
		return -EINVAL;
	}
	json_object_foreach(alerts, k, v)
	{
		int t = threshold_index(k);

		if (t >= 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				snprintf(err, errlen, "\"%s\" must be an integer >= 0 (0: off)", k);
				return -EINVAL;
			}
			a->threshold[t] = json_integer_value(v);
		} else if (strcmp(k, "k") && strcmp(k, "floor") && strcmp(k, "disable")) {
			snprintf(err, errlen,
			         "unknown key '%s' (expected \"k\", \"floor\", \"disable\", "
			         "\"threshold_pps\", \"threshold_mbps\", \"threshold_syn\")",
			         k);
			return -EINVAL;
		}
	}
	v = json_object_get(alerts, "k");
	if (v) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
		    json_number_value(v) > FZ_NETWORKS_K_MAX) {
			snprintf(err, errlen, "\"k\" must be a number from 0 to %d",
			         FZ_NETWORKS_K_MAX);
			return -EINVAL;
		}
		a->k = json_number_value(v);
	}
	floor = json_object_get(alerts, "floor");
	if (floor && !json_is_object(floor)) {
		snprintf(err, errlen, "\"floor\" must be an object {SERIES: N, ...}");
		return -EINVAL;
	}
	json_object_foreach(floor, k, v)
	{
		int i = series_index(k);

		if (i < 0) {
			snprintf(err, errlen,
			         "\"floor\": unknown series '%s' (expected flows, packets_in, "
			         "packets_out, bytes_in, bytes_out)",
			         k);
			return -EINVAL;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			snprintf(err, errlen, "\"floor\": \"%s\" must be an integer >= 0", k);
			return -EINVAL;
		}
		a->floor[i] = (uint64_t)json_integer_value(v);
	}
	dis = json_object_get(alerts, "disable");
	if (dis && !json_is_array(dis)) {
		snprintf(err, errlen, "\"disable\" must be an array of series or metrics");
		return -EINVAL;
	}
	for (size_t i = 0; dis && i < json_array_size(dis); i++) {
		json_t *w = json_array_get(dis, i);
		unsigned bits = json_is_string(w) ? disable_bits(json_string_value(w)) : 0;

		if (bits == 0) {
			snprintf(
			    err, errlen,
			    "\"disable\"[%zu] must be one of flows, packets, bytes, packets_in, "
			    "packets_out, bytes_in, bytes_out",
			    i);
			return -EINVAL;
		}
		a->disabled |= bits;
	}
	return 0;
}

/* One prefix of an ignore pair. */
static int pair_prefix(json_t *pair, const char *key, uint8_t addr[16], unsigned *len, int *ver,
                       char *why, size_t whylen)
{
	json_t *v = json_object_get(pair, key);
	char reason[256];

	if (!json_is_string(v)) {
		snprintf(why, whylen, "\"%s\" must be a prefix string", key);
		return -EINVAL;
	}
	if (fz_networks_parse_prefix(json_string_value(v), addr, len, ver, reason,
	                             sizeof(reason))) {
		snprintf(why, whylen, "\"%s\": prefix \"%s\": %s", key, json_string_value(v),
		         reason);
		return -EINVAL;
	}
	return 0;
}

int fz_networks__parse_ignore(struct fz_networks *n, json_t *ignore, const char *source, char *err,
                              size_t errlen)
{
	char why[512];

	if (ignore == NULL)
		return 0;
	if (!json_is_array(ignore)) {
		snprintf(err, errlen,
		         "%s: \"ignore\" must be an array of {\"src\": ..., \"dst\": ...}", source);
		return -EINVAL;
	}
	if (json_array_size(ignore) > FZ_NETWORKS_MAX) {
		snprintf(err, errlen, "%s: \"ignore\": %zu pairs, at most %d", source,
		         json_array_size(ignore), FZ_NETWORKS_MAX);
		return -EINVAL;
	}
	n->ignore = calloc(json_array_size(ignore) + 1, sizeof(*n->ignore));
	if (n->ignore == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(ignore); i++) {
		json_t *pair = json_array_get(ignore, i), *v;
		struct ignore_pair *p = &n->ignore[n->n_ignore];
		const char *k;
		int v2;

		if (!json_is_object(pair)) {
			snprintf(err, errlen,
			         "%s: ignore[%zu]: expected an object {\"src\": PREFIX, "
			         "\"dst\": PREFIX}",
			         source, i);
			return -EINVAL;
		}
		json_object_foreach(pair, k, v)
		{
			if (strcmp(k, "src") && strcmp(k, "dst")) {
				snprintf(
				    err, errlen,
				    "%s: ignore[%zu]: unknown key '%s' (expected \"src\", \"dst\")",
				    source, i, k);
				return -EINVAL;
			}
		}
		if (pair_prefix(pair, "src", p->src, &p->src_len, &p->version, why, sizeof(why)) ||
		    pair_prefix(pair, "dst", p->dst, &p->dst_len, &v2, why, sizeof(why))) {
			snprintf(err, errlen, "%s: ignore[%zu]: %s", source, i, why);
			return -EINVAL;
		}
		if (v2 != p->version) {
			snprintf(err, errlen,
			         "%s: ignore[%zu]: \"src\" and \"dst\" must be of one "
			         "address family",
			         source, i);
			return -EINVAL;
		}
		n->n_ignore++;
	}
	return 0;
}

/* Whether the first len bits of a and p agree. */
static int in_prefix(const uint8_t a[16], const uint8_t p[16], unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, p, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ p[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

const struct fz_network_alerts *fz_networks_alerts(const struct fz_networks *n, unsigned id)
{
	return id >= 1 && id <= n->n ? &n->alerts[id - 1] : NULL;
}

unsigned fz_networks_ignore_count(const struct fz_networks *n)
{
	return n->n_ignore;
}

int fz_networks_ignored(const struct fz_networks *n, const uint8_t src[16], const uint8_t dst[16],
                        int ip_version)
{
	for (unsigned i = 0; i < n->n_ignore; i++) {
		const struct ignore_pair *p = &n->ignore[i];

		if (p->version == ip_version && in_prefix(src, p->src, p->src_len) &&
		    in_prefix(dst, p->dst, p->dst_len))
			return 1;
	}
	return 0;
}
