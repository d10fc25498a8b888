/* Unit tests of the Prometheus exposition (exact text of a small registry) and the loss
 * comparison behind /health. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_metrics.h"
#include "fz_test.h"

/* A "worker" set of two instances, like the appliance's: packets and bytes (summary
 * totals), a per-worker counter, an array of drops, a watched drop, a gauge. */
struct wblock {
	uint64_t packets, bytes, l7_scanned, parse[2], ring_full, active;
};

/* A single "zoo" set with a real gauge, and an "application" set with its own packets. */
struct zblock {
	uint64_t duration_s, size_bytes;
};

struct ablock {
	uint64_t packets;
};

static struct wblock wb[2];
static struct zblock zb;
static struct ablock ab[2];

static const char *const parse_reasons[2] = {"non_ip", "truncated_l4"};
static const char *const app_names[2] = {"unknown", "http \"x\""};

static const struct fz_counter_watch ring_watch = {"records_lost", "error",
                                                   "records dropped: ring full", 0};

static const struct fz_counter_def wdefs[] = {
    FZ_COUNTER(struct wblock, packets, FZ_CT_COUNTER, FZ_CF_TOTAL, "packets", "packets",
               "packets received"),
    FZ_COUNTER(struct wblock, bytes, FZ_CT_COUNTER, FZ_CF_TOTAL, "bytes", "bytes",
               "bytes received"),
    FZ_COUNTER(struct wblock, l7_scanned, FZ_CT_COUNTER, FZ_CF_INSTANCE, "l7_scanned", "payloads",
               "payloads scanned"),
    {.name = "parse_drops",
     .help = "not in a flow",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP,
     .n = 2,
     .offset = offsetof(struct wblock, parse),
     .label = "reason",
     .label_values = parse_reasons},
    {.name = "ring_full",
     .help = "ring full",
     .unit = "records",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP,
     .n = 1,
     .offset = offsetof(struct wblock, ring_full),
     .watch = &ring_watch},
    FZ_COUNTER(struct wblock, active, FZ_CT_GAUGE, FZ_CF_TOTAL, "flows_active", "flows",
               "flows in the table now"),
};

static const struct fz_counter_def zdefs[] = {
    FZ_COUNTER(struct zblock, duration_s, FZ_CT_GAUGE_REAL, FZ_CF_INSTANCE, "duration_s", "seconds",
               "duration mean"),
    FZ_COUNTER(struct zblock, size_bytes, FZ_CT_GAUGE_REAL, FZ_CF_TOTAL, "size_bytes", "bytes",
               "size mean\nwith a \\ in its help"),
};

/* The application's "packets" is a summary total too: its short name is taken. */
static const struct fz_counter_def adefs[] = {
    FZ_COUNTER(struct ablock, packets, FZ_CT_COUNTER, FZ_CF_TOTAL, "packets", "packets",
               "packets of the application's flows"),
};

/* A set's arg is its number of instances. */
static unsigned instances(void *arg)
{
	return (unsigned)(uintptr_t)arg;
}

static void read_w(void *arg, unsigned i, uint64_t *out)
{
	(void)arg;
	memcpy(out, &wb[i], sizeof(wb[i]));
}

static void read_z(void *arg, unsigned i, uint64_t *out)
{
	(void)arg;
	(void)i;
	memcpy(out, &zb, sizeof(zb));
}

static void read_a(void *arg, unsigned i, uint64_t *out)
{
	(void)arg;
	memcpy(out, &ab[i], sizeof(ab[i]));
}

static void label_a(void *arg, unsigned i, char *buf, size_t cap)
{
	(void)arg;
	snprintf(buf, cap, "%s", app_names[i]);
}

static const struct fz_counter_set wset = {.name = "worker",
                                           .defs = wdefs,
                                           .n_defs = sizeof(wdefs) / sizeof(wdefs[0]),
                                           .block = sizeof(struct wblock),
                                           .instances = instances,
                                           .read = read_w,
                                           .arg = (void *)2};
static const struct fz_counter_set zset = {.name = "zoo",
                                           .shape = FZ_SET_SINGLE,
                                           .defs = zdefs,
                                           .n_defs = sizeof(zdefs) / sizeof(zdefs[0]),
                                           .block = sizeof(struct zblock),
                                           .instances = instances,
                                           .read = read_z,
                                           .arg = (void *)1};
static const struct fz_counter_set aset = {.name = "application",
                                           .shape = FZ_SET_KEYED,
                                           .defs = adefs,
                                           .n_defs = sizeof(adefs) / sizeof(adefs[0]),
                                           .block = sizeof(struct ablock),
                                           .instances = instances,
                                           .read = read_a,
                                           .label = label_a,
                                           .arg = (void *)2};

static const char expected[] =
    "# HELP flowzoo_packets_total packets received\n"
    "# TYPE flowzoo_packets_total counter\n"
    "flowzoo_packets_total{worker=\"0\"} 10\n"
    "flowzoo_packets_total{worker=\"1\"} 20\n"
    "# HELP flowzoo_bytes_total bytes received\n"
    "# TYPE flowzoo_bytes_total counter\n"
    "flowzoo_bytes_total{worker=\"0\"} 1000\n"
    "flowzoo_bytes_total{worker=\"1\"} 2000\n"
    "# HELP flowzoo_worker_l7_scanned_payloads_total payloads scanned\n"
    "# TYPE flowzoo_worker_l7_scanned_payloads_total counter\n"
    "flowzoo_worker_l7_scanned_payloads_total{worker=\"0\"} 3\n"
    "flowzoo_worker_l7_scanned_payloads_total{worker=\"1\"} 4\n"
    "# HELP flowzoo_packets_dropped_total packets dropped or lost, by reason (the summary's "
    "drops; see docs/operator-guide.md)\n"
    "# TYPE flowzoo_packets_dropped_total counter\n"
    "flowzoo_packets_dropped_total{worker=\"0\",reason=\"non_ip\"} 5\n"
    "flowzoo_packets_dropped_total{worker=\"0\",reason=\"truncated_l4\"} 6\n"
    "flowzoo_packets_dropped_total{worker=\"1\",reason=\"non_ip\"} 0\n"
    "flowzoo_packets_dropped_total{worker=\"1\",reason=\"truncated_l4\"} 1\n"
    "# HELP flowzoo_records_dropped_total records dropped or lost, by reason (the summary's "
    "drops; see docs/operator-guide.md)\n"
    "# TYPE flowzoo_records_dropped_total counter\n"
    "flowzoo_records_dropped_total{worker=\"0\",reason=\"ring_full\"} 0\n"
    "flowzoo_records_dropped_total{worker=\"1\",reason=\"ring_full\"} 7\n"
    "# HELP flowzoo_flows_active flows in the table now\n"
    "# TYPE flowzoo_flows_active gauge\n"
    "flowzoo_flows_active{worker=\"0\"} 8\n"
    "flowzoo_flows_active{worker=\"1\"} 9\n"
    "# HELP flowzoo_zoo_duration_seconds duration mean\n"
    "# TYPE flowzoo_zoo_duration_seconds gauge\n"
    "flowzoo_zoo_duration_seconds 1.5\n"
    "# HELP flowzoo_size_bytes size mean\\nwith a \\\\ in its help\n"
    "# TYPE flowzoo_size_bytes gauge\n"
    "flowzoo_size_bytes 15000.25\n"
    "# HELP flowzoo_application_packets_total packets of the application's flows\n"
    "# TYPE flowzoo_application_packets_total counter\n"
    "flowzoo_application_packets_total{application=\"unknown\"} 11\n"
    "flowzoo_application_packets_total{application=\"http \\\"x\\\"\"} 19\n"
    "# HELP flowzoo_build_info the appliance's version, DPDK's and its collector id\n"
    "# TYPE flowzoo_build_info gauge\n"
    "flowzoo_build_info{version=\"1.2.3\",dpdk=\"DPDK 22.11\",collector=\"zoo-1\"} 1\n"
    "# HELP flowzoo_uptime_seconds seconds since the appliance started\n"
    "# TYPE flowzoo_uptime_seconds gauge\n"
    "flowzoo_uptime_seconds 12.500\n";

static struct fz_counters *registry(void)
{
	struct fz_counters *reg = fz_counters_create();

	FZ_CHECK(reg != NULL);
	FZ_CHECK_INT(0, fz_counters_register(reg, &wset));
	FZ_CHECK_INT(0, fz_counters_register(reg, &zset));
	FZ_CHECK_INT(0, fz_counters_register(reg, &aset));
	return reg;
}

static void test_exposition(void)
{
	struct fz_metrics_info info = {"1.2.3", "DPDK 22.11", "zoo-1", 12.5};
	struct fz_counters *reg = registry();
	struct fz_counter_snap *snap;
	char *text, name[128];
	size_t len = 0;

	wb[0] = (struct wblock){10, 1000, 3, {5, 6}, 0, 8};
	wb[1] = (struct wblock){20, 2000, 4, {0, 1}, 7, 9};
	zb.duration_s = fz_real_bits(1.5);
	zb.size_bytes = fz_real_bits(15000.25);
	ab[0].packets = 11;
	ab[1].packets = 19;
	snap = fz_counters_snapshot(reg);
	text = fz_metrics_text(snap, &info, &len);
	FZ_CHECK_STR(expected, text);
	FZ_CHECK_INT(strlen(expected), len);
	FZ_CHECK_INT(strlen("flowzoo_application_packets_total"),
	             fz_metrics_name(snap, 2, 0, name, sizeof(name)));
	FZ_CHECK_STR("flowzoo_application_packets_total", name);
	FZ_CHECK_INT(-ENOSPC, fz_metrics_name(snap, 0, 0, name, 5));
	FZ_CHECK_INT(-ENOENT, fz_metrics_name(snap, 0, 99, name, sizeof(name)));
	free(text);
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
}

static void test_losses(void)
{
	struct fz_counters *reg = registry();
	struct fz_counter_snap *a, *b;
	json_t *reasons = json_array();
	char *text;

	memset(wb, 0, sizeof(wb));
	wb[1].ring_full = 2;
	a = fz_counters_snapshot(reg);
	wb[0].parse[0] = 100; /* a drop, but not a loss counter: no reason */
	b = fz_counters_snapshot(reg);
	FZ_CHECK_INT(0, fz_metrics_losses(a, b, reasons));
	FZ_CHECK_INT(0, json_array_size(reasons));
	fz_counter_snap_free(b);
	wb[0].ring_full = 3;
	b = fz_counters_snapshot(reg);
	FZ_CHECK_INT(1, fz_metrics_losses(a, b, reasons));
	text = json_dumps(reasons, JSON_COMPACT);
	FZ_CHECK_STR("[{\"reason\":\"records_lost\",\"counter\":\"ring_full\",\"set\":\"worker\","
	             "\"delta\":3,\"total\":5,\"message\":\"records dropped: ring full\"}]",
	             text);
	free(text);
	/* Without a previous snapshot every loss since the start counts. */
	json_array_clear(reasons);
	FZ_CHECK_INT(1, fz_metrics_losses(NULL, a, reasons));
	fz_counter_snap_free(a);
	fz_counter_snap_free(b);
	json_decref(reasons);
	fz_counters_free(reg);
}

int main(void)
{
	FZ_RUN(test_exposition);
	FZ_RUN(test_losses);
	return fz_test_summary();
}
