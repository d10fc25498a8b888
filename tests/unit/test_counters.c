/* Unit tests of the counter registry: totals, views and errors (consistent snapshots while a
 * writer thread keeps counting, and published copies, are test_counters_pub.c). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fz_counters.h"
#include "fz_test.h"

/* Three fake sources, one per summary shape, read from static blocks. */
struct worker_block {
	uint64_t packets;
	uint64_t bytes;
	uint64_t discards[2];
	uint64_t elapsed_s; /* real */
	uint64_t depth;
	uint64_t retries;
};

struct port_block {
	uint64_t rx_packets;
	uint64_t missed;
};

struct pipe_block {
	uint64_t flows;
	uint64_t queue;
};

static struct worker_block workers[2];
static struct port_block ports[2];
static struct pipe_block pipe_counters;

static const char *const discard_reasons[2] = {"ring_full", "no_mbuf"};
static const char *const port_names[2] = {"eth0", "eth1"};

static const struct fz_counter_def worker_defs[] = {
    FZ_COUNTER(struct worker_block, packets, FZ_CT_COUNTER,
               FZ_CF_TOTAL | FZ_CF_INSTANCE | FZ_CF_STATUS, "packets", "packets", "packets seen"),
    FZ_COUNTER(struct worker_block, bytes, FZ_CT_COUNTER, FZ_CF_TOTAL | FZ_CF_INSTANCE, "bytes",
               "bytes", "bytes seen"),
    {.name = "discards",
     .help = "packets discarded, by reason",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_TOTAL | FZ_CF_DROP | FZ_CF_INSTANCE | FZ_CF_STATUS | FZ_CF_NOTCOUNT,
     .n = 2,
     .offset = offsetof(struct worker_block, discards),
     .label = "reason",
     .label_values = discard_reasons},
    FZ_COUNTER(struct worker_block, elapsed_s, FZ_CT_GAUGE_REAL,
               FZ_CF_TOTAL | FZ_CF_MAX | FZ_CF_INSTANCE, "elapsed_s", "seconds", "run time"),
    FZ_COUNTER(struct worker_block, depth, FZ_CT_GAUGE, FZ_CF_TOTAL | FZ_CF_MAX, "depth", NULL,
               "deepest queue"),
    FZ_COUNTER(struct worker_block, retries, FZ_CT_COUNTER, FZ_CF_HIDDEN | FZ_CF_STATUS, "retries",
               NULL, "retries (status only)"),
};

static const struct fz_counter_def port_defs[] = {
    FZ_COUNTER(struct port_block, rx_packets, FZ_CT_COUNTER, FZ_CF_TOTAL | FZ_CF_INSTANCE,
               "rx_packets", "packets", "packets received"),
    FZ_COUNTER(struct port_block, missed, FZ_CT_COUNTER, FZ_CF_DROP | FZ_CF_NOTCOUNT, "missed",
               "packets", "packets the NIC missed"),
};

static const struct fz_counter_def pipe_defs[] = {
    FZ_COUNTER(struct pipe_block, flows, FZ_CT_COUNTER, FZ_CF_TOTAL | FZ_CF_INSTANCE | FZ_CF_STATUS,
               "flows", "flows", "flows taken"),
    FZ_COUNTER(struct pipe_block, queue, FZ_CT_GAUGE, FZ_CF_INSTANCE, "queue", NULL,
               "records waiting"),
};

static unsigned two(void *arg)
{
	(void)arg;
	return 2;
}

static unsigned one(void *arg)
{
	(void)arg;
	return 1;
}

static int reads; /* calls of the read functions, to see that a snapshot reads every block */

/* Where a fake source's blocks are (arg of read_blocks). */
struct blocks {
	const void *base;
	size_t size;
};

static const struct blocks worker_blocks = {workers, sizeof(workers[0])};
static const struct blocks port_blocks = {ports, sizeof(ports[0])};
static const struct blocks pipe_blocks = {&pipe_counters, sizeof(pipe_counters)};

static void read_blocks(void *arg, unsigned i, uint64_t *out)
{
	const struct blocks *b = arg;

	reads++;
	memcpy(out, (const char *)b->base + i * b->size, b->size);
}

static void label_port(void *arg, unsigned i, char *buf, size_t cap)
{
	(void)arg;
	snprintf(buf, cap, "%s", port_names[i]);
}

#define N_DEFS(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static const struct fz_counter_set worker_set = {
    .name = "worker",
    .summary = "workers",
    .shape = FZ_SET_LIST,
    .defs = worker_defs,
    .n_defs = N_DEFS(worker_defs),
    .block = sizeof(struct worker_block),
    .instances = two,
    .read = read_blocks,
    .arg = (void *)&worker_blocks,
};

static const struct fz_counter_set port_set = {
    .name = "port",
    .summary = "ports",
    .shape = FZ_SET_KEYED,
    .defs = port_defs,
    .n_defs = N_DEFS(port_defs),
    .block = sizeof(struct port_block),
    .instances = two,
    .read = read_blocks,
    .arg = (void *)&port_blocks,
    .label = label_port,
};

static const struct fz_counter_set pipe_set = {
    .name = "pipeline",
    .summary = "pipeline",
    .shape = FZ_SET_SINGLE,
    .defs = pipe_defs,
    .n_defs = N_DEFS(pipe_defs),
    .block = sizeof(struct pipe_block),
    .instances = one,
    .read = read_blocks,
    .arg = (void *)&pipe_blocks,
};

static void fill_values(void)
{
	workers[0] = (struct worker_block){100, 1000, {1, 2}, fz_real_bits(1.5), 7, 11};
	workers[1] = (struct worker_block){200, 3000, {10, 20}, fz_real_bits(2.25), 5, 22};
	ports[0] = (struct port_block){300, 4};
	ports[1] = (struct port_block){400, 6};
	pipe_counters = (struct pipe_block){42, 3};
}

/* A registry of the three sets in the order worker, port, pipeline. */
static struct fz_counters *three_sets(void)
{
	struct fz_counters *reg = fz_counters_create();

	FZ_CHECK(reg != NULL);
	FZ_CHECK_INT(0, fz_counters_register(reg, &worker_set));
	FZ_CHECK_INT(0, fz_counters_register(reg, &port_set));
	FZ_CHECK_INT(0, fz_counters_register(reg, &pipe_set));
	return reg;
}

static void test_totals(void)
{
	struct fz_counters *reg;
	struct fz_counter_snap *snap;
	unsigned s = 99, d = 99;

	fill_values();
	reg = three_sets();
	reads = 0;
	snap = fz_counters_snapshot(reg);
	FZ_CHECK(snap != NULL);
	FZ_CHECK_INT(5, reads);
	/* Later changes do not show in a snapshot already taken. */
	workers[0].packets = 999;
	FZ_CHECK_INT(3, fz_snap_sets(snap));
	FZ_CHECK_STR("port", fz_snap_set(snap, 1)->name);
	FZ_CHECK_INT(2, fz_snap_instances(snap, 0));
	FZ_CHECK_INT(1, fz_snap_instances(snap, 2));
	/* Labels: the label function's, else the index. */
	FZ_CHECK_STR("1", fz_snap_label(snap, 0, 1));
	FZ_CHECK_STR("eth1", fz_snap_label(snap, 1, 1));

	FZ_CHECK_INT(100, fz_snap_value(snap, 0, 0, 0, 0));
	FZ_CHECK_INT(300, fz_snap_total(snap, 0, 0, 0));
	FZ_CHECK_INT(4000, fz_snap_total(snap, 0, 1, 0));
	/* An array: each element by its index, summed over instances. */
	FZ_CHECK_INT(20, fz_snap_value(snap, 0, 1, 2, 1));
	FZ_CHECK_INT(11, fz_snap_total(snap, 0, 2, 0));
	FZ_CHECK_INT(22, fz_snap_total(snap, 0, 2, 1));
	/* Out of range: an element past the array, an instance past the last. */
	FZ_CHECK_INT(0, fz_snap_value(snap, 0, 0, 2, 2));
	FZ_CHECK_INT(0, fz_snap_value(snap, 0, 2, 0, 0));
	/* FZ_CF_MAX: the largest instance, for integers and reals alike. */
	FZ_CHECK_INT(7, fz_snap_total(snap, 0, 4, 0));
	FZ_CHECK_DBL(2.25, fz_snap_real(fz_snap_total(snap, 0, 3, 0)), 0.0);
	FZ_CHECK_DBL(1.5, fz_snap_real(fz_snap_value(snap, 0, 0, 3, 0)), 0.0);
	FZ_CHECK_INT(10, fz_snap_total(snap, 1, 1, 0));

	FZ_CHECK_INT(0, fz_snap_find(snap, "port", "missed", &s, &d));
	FZ_CHECK_INT(1, s);
	FZ_CHECK_INT(1, d);
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "queue", &s, &d));
	FZ_CHECK_INT(2, s);
	FZ_CHECK_INT(1, d);
	FZ_CHECK_INT(-ENOENT, fz_snap_find(snap, "port", "flows", &s, &d));
	FZ_CHECK_INT(-ENOENT, fz_snap_find(snap, "ports", "missed", &s, &d));

	fz_counter_snap_free(snap);
	fz_counters_free(reg);
}

static char *summary_text(struct fz_counter_snap *snap, int brief)
{
	json_t *o = json_object();
	char *text;

	FZ_CHECK_INT(0, fz_counters_summary(snap, o, brief));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static void test_summary(void)
{
	struct fz_counters *reg;
	struct fz_counter_snap *snap;
	char *text;

	fill_values();
	reg = three_sets();
	snap = fz_counters_snapshot(reg);

	text = summary_text(snap, 0);
	FZ_CHECK_STR("{\"packets\":300,\"bytes\":4000,"
	             "\"discards\":{\"ring_full\":11,\"no_mbuf\":22},"
	             "\"elapsed_s\":2.25,\"depth\":7,\"rx_packets\":700,\"flows\":42,"
	             "\"drops\":{\"ring_full\":11,\"no_mbuf\":22,\"missed\":10},"
	             "\"workers\":["
	             "{\"worker\":0,\"packets\":100,\"bytes\":1000,"
	             "\"discards\":{\"ring_full\":1,\"no_mbuf\":2},\"elapsed_s\":1.5},"
	             "{\"worker\":1,\"packets\":200,\"bytes\":3000,"
	             "\"discards\":{\"ring_full\":10,\"no_mbuf\":20},\"elapsed_s\":2.25}],"
	             "\"ports\":{\"eth0\":{\"rx_packets\":300},\"eth1\":{\"rx_packets\":400}},"
	             "\"pipeline\":{\"flows\":42,\"queue\":3}}",
	             text);
	free(text);

	/* Brief: no arrays at the top level, no instance lists but the single one. */
	text = summary_text(snap, 1);
	FZ_CHECK_STR("{\"packets\":300,\"bytes\":4000,\"elapsed_s\":2.25,\"depth\":7,"
	             "\"rx_packets\":700,\"flows\":42,"
	             "\"drops\":{\"ring_full\":11,\"no_mbuf\":22,\"missed\":10},"
	             "\"pipeline\":{\"flows\":42,\"queue\":3}}",
	             text);
	free(text);
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
}

/* A LIST set with labels names each instance; a set with no summary key shows no list. */
static const char *const exp_names[2] = {"jsonl", "kafka"};

static void label_exp(void *arg, unsigned i, char *buf, size_t cap)
{
	(void)arg;
	snprintf(buf, cap, "%s", exp_names[i]);
}

static void test_summary_labels(void)
{
	struct fz_counter_set named = worker_set, quiet = port_set;
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_snap *snap;
	char *text;

	fill_values();
	named.defs = worker_defs; /* packets and bytes only */
	named.n_defs = 2;
	named.summary = "exporters";
	named.label = label_exp;
	quiet.summary = NULL;
	FZ_CHECK_INT(0, fz_counters_register(reg, &named));
	FZ_CHECK_INT(0, fz_counters_register(reg, &quiet));
	snap = fz_counters_snapshot(reg);
	text = summary_text(snap, 0);
	FZ_CHECK_STR("{\"packets\":300,\"bytes\":4000,\"rx_packets\":700,\"drops\":{\"missed\":10},"
	             "\"exporters\":["
	             "{\"worker\":0,\"name\":\"jsonl\",\"packets\":100,\"bytes\":1000},"
	             "{\"worker\":1,\"name\":\"kafka\",\"packets\":200,\"bytes\":3000}]}",
	             text);
	free(text);
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
}

static void test_status_text(void)
{
	struct fz_counters *reg;
	struct fz_counter_snap *snap;
	char buf[256];

	fill_values();
	reg = three_sets();
	snap = fz_counters_snapshot(reg);
	/* STATUS counters in declaration order (array elements by label), then the
	 * NOTCOUNT ones summed: discards 11 + 22, missed 10. */
	FZ_CHECK_INT(70, fz_counters_status_text(snap, buf, sizeof(buf)));
	FZ_CHECK_STR("packets 300 ring_full 11 no_mbuf 22 retries 33 flows 42 not_counted 43", buf);
	/* Truncated to fit, NUL-terminated, the length what was kept. */
	memset(buf, 'x', sizeof(buf));
	FZ_CHECK_INT(9, fz_counters_status_text(snap, buf, 10));
	FZ_CHECK_STR("packets 3", buf);
	FZ_CHECK_INT(0, fz_counters_status_text(snap, buf, 0));
	FZ_CHECK_INT('p', buf[0]);
	fz_counter_snap_free(snap);
	fz_counters_free(reg);

	/* An empty registry: only not_counted. */
	reg = fz_counters_create();
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(13, fz_counters_status_text(snap, buf, sizeof(buf)));
	FZ_CHECK_STR("not_counted 0", buf);
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
}

static void test_register_errors(void)
{
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_def beyond[2] = {port_defs[0], port_defs[1]};
	struct fz_counter_def long_array = worker_defs[2];
	struct fz_counter_set bad = port_set;
	struct fz_counter_snap *snap;
	int rc = 0;

	/* A scalar that starts at the end of the block. */
	beyond[1].offset = sizeof(struct port_block);
	bad.defs = beyond;
	FZ_CHECK_INT(-EINVAL, fz_counters_register(reg, &bad));
	/* An array whose first value fits but whose last does not. */
	long_array.offset = sizeof(struct port_block) - sizeof(uint64_t);
	bad.defs = &long_array;
	bad.n_defs = 1;
	FZ_CHECK_INT(-EINVAL, fz_counters_register(reg, &bad));
	/* A block that is not a whole number of words; no read or instances function. */
	bad = port_set;
	bad.block = 12;
	FZ_CHECK_INT(-EINVAL, fz_counters_register(reg, &bad));
	bad = port_set;
	bad.read = NULL;
	FZ_CHECK_INT(-EINVAL, fz_counters_register(reg, &bad));
	bad = port_set;
	bad.instances = NULL;
	FZ_CHECK_INT(-EINVAL, fz_counters_register(reg, &bad));
	FZ_CHECK_INT(-EINVAL, fz_counters_register(reg, NULL));
	/* Refused sets are not in the registry. */
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(0, fz_snap_sets(snap));
	fz_counter_snap_free(snap);

	for (int i = 0; i < FZ_COUNTERS_MAX_SETS && rc == 0; i++)
		rc = fz_counters_register(reg, &pipe_set);
	FZ_CHECK_INT(0, rc);
	FZ_CHECK_INT(-ENOSPC, fz_counters_register(reg, &pipe_set));
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(FZ_COUNTERS_MAX_SETS, fz_snap_sets(snap));
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
}

int main(void)
{
	FZ_RUN(test_totals);
	FZ_RUN(test_summary);
	FZ_RUN(test_summary_labels);
	FZ_RUN(test_status_text);
	FZ_RUN(test_register_errors);
	return fz_test_summary();
}
