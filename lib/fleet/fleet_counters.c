/* zooagg's counters, declared once (the summary and /metrics iterate this table). */
#include <string.h>

#include "fz_fleet.h"

#define C(m, unit, help)                                                                           \
	FZ_COUNTER(struct fz_fleet_counters, m, FZ_CT_COUNTER, FZ_CF_TOTAL, #m, unit, help)

static const struct fz_counter_def defs[] = {
    C(messages, "messages", "messages taken from Kafka"),
    C(traffic, "records", "traffic records stored"),
    C(stats, "records", "stats records stored"),
    C(alerts, "records", "alert records stored"),
    C(flows, "records", "flow records stored (--flows)"),
    C(malformed, "messages", "messages skipped because they are not a record of their topic"),
    C(late_bins, "records", "traffic records of a merged bin already closed"),
    C(fleet_alerts, "records", "fleet-wide alert records made"),
    C(merged_bins, "records", "merged bins written"),
    C(db_errors, NULL, "failed database transactions"),
    C(commits, NULL, "offset commits after a database commit"),
    C(rebalances, NULL, "partition assignments and revocations"),
    C(consume_errors, NULL, "errors the consumer reported"),
};

static unsigned one(void *arg)
{
	(void)arg;
	return 1;
}

static void read_block(void *arg, unsigned i, uint64_t *out)
{
	(void)i;
	memcpy(out, arg, sizeof(struct fz_fleet_counters));
}

void fz_fleet_counter_set(struct fz_counter_set *set, struct fz_fleet_counters *c)
{
	memset(set, 0, sizeof(*set));
	set->name = "fleet";
	set->summary = "fleet";
	set->shape = FZ_SET_SINGLE;
	set->defs = defs;
	set->n_defs = sizeof(defs) / sizeof(defs[0]);
	set->block = sizeof(*c);
	set->instances = one;
	set->read = read_block;
	set->arg = c;
}
