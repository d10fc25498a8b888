/*
 * Metrics and health from counter snapshots, for the HTTP server and any
 * other reader: the Prometheus text exposition (format 0.0.4) made by
 * walking a snapshot's sets, declarations and instances, and the health
 * verdict made by comparing the loss counters of two snapshots. Nothing
 * here reads a counter by name: a counter added to a declaration table
 * shows up in /metrics and in the health checks by itself.
 *
 * Metric names (docs/observability.md):
 *   flowzoo_[<set>_]<name>[_<unit>][_total]
 * - <set> is left out for the summary's top-level figures (FZ_CF_TOTAL):
 *   the workers' packets are flowzoo_packets_total{worker="0"}; when two
 *   such names meet, the later declaration keeps its set's name;
 * - the unit is added unless the name already says what it counts (it
 *   ends with the unit, or one of its words is a counted thing: packets,
 *   bytes, flows, records, payloads, alerts, seconds); "_s" and "_per_s"
 *   are spelled out for seconds;
 * - counters end in _total; gauges (FZ_CT_GAUGE, FZ_CT_GAUGE_REAL) do not;
 * - every FZ_CF_DROP counter becomes a sample of flowzoo_<unit>_dropped_total
 *   with its name (or its array's label value) as reason="...", so the
 *   drops of all sources sum like the summary's "drops" object;
 * - an instance is a label named after its set (worker="0",
 *   port="net_pcap0", application="http", exporter="jsonl"); sets of shape
 *   FZ_SET_SINGLE have none; an array's elements are its label (reason=...).
 */
#ifndef FZ_METRICS_H
#define FZ_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "fz_counters.h"

/* What /metrics tells beside the counters. */
struct fz_metrics_info {
	const char *version;   /* flowzoo_build_info{version=...} */
	const char *dpdk;      /* flowzoo_build_info{dpdk=...}, or NULL */
	const char *collector; /* flowzoo_build_info{collector=...} */
	double uptime_s;       /* flowzoo_uptime_seconds */
};

/*
 * The exposition of snap: every counter and gauge with HELP and TYPE,
 * families in declaration order, then flowzoo_build_info and
 * flowzoo_uptime_seconds. Returns a malloc'd NUL-terminated text (its
 * length in *len when len is not NULL), or NULL with errno ENOMEM.
 */
char *fz_metrics_text(const struct fz_counter_snap *snap, const struct fz_metrics_info *info,
                      size_t *len);

/*
 * The metric name of def d of set s in snap, as fz_metrics_text writes it
 * (the name-collision rule looks at the defs before it). Returns the
 * length, or -ENOSPC when cap is too small.
 */
int fz_metrics_name(const struct fz_counter_snap *snap, unsigned s, unsigned d, char *buf,
                    size_t cap);

/*
 * Health: every loss counter (a def whose watch has severity "error") that
 * is larger in now than in prev adds one object to reasons (a json_t
 * array): {"reason":"records_lost","counter":"ring_full","set":"worker",
 * "delta":N,"total":M,"message":...}. Sets are matched by their
 * declaration (the same registry's snapshots). Returns how many grew, or
 * -ENOMEM.
 */
struct json_t;
int fz_metrics_losses(const struct fz_counter_snap *prev, const struct fz_counter_snap *now,
                      struct json_t *reasons);

#endif
