/* The declarations of the worker counters (see FZ_WORKER_COUNTERS). */
#include "fz_worker.h"

const struct fz_counter_watch fz_worker_watch_missing = {
    "packets_lost", "error", "a capture ended before all its frames were delivered", 0};
const struct fz_counter_watch fz_worker_watch_ring = {
    "records_lost", "error", "flow records dropped: a worker's ring to the stats lcore was full",
    0};
static const struct fz_counter_watch watch_evicted = {
    "table_full", "warning",
    "flow tables are full: least recently active flows were exported early (raise "
    "--flows-per-worker)",
    FZ_END_EVICTED};

const struct fz_counter_def fz_worker_counter_defs[] = {
#define FZ_X(name_, flags_, unit_, help_, watch_)                                                  \
	{.name = #name_,                                                                           \
	 .help = (help_),                                                                          \
	 .unit = (unit_),                                                                          \
	 .type = FZ_CT_COUNTER,                                                                    \
	 .flags = (flags_),                                                                        \
	 .n = 1,                                                                                   \
	 .offset = offsetof(struct fz_worker_counters, name_),                                     \
	 .watch = (watch_)},
    FZ_WORKER_COUNTERS(FZ_X)
#undef FZ_X
    /* Element 0 of parse is FZ_PARSE_OK, not a drop. */
    {.name = "parse_drops",
     .help = "packets not accounted in a flow, by parser outcome",
     .unit = "packets",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP | FZ_CF_NOTCOUNT,
     .n = FZ_PARSE__COUNT - 1,
     .offset = offsetof(struct fz_worker_counters, parse) + sizeof(uint64_t),
     .label = "reason",
     .label_values = fz_parse_status_names + 1},
    {.name = "flows_created",
     .help = "flows created in the table",
     .unit = "flows",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_TOTAL | FZ_CF_INSTANCE,
     .n = 1,
     .offset = offsetof(struct fz_worker_counters, flows_created)},
    {.name = "flows_active",
     .help = "flows in the table now",
     .unit = "flows",
     .type = FZ_CT_GAUGE,
     .flags = FZ_CF_TOTAL | FZ_CF_STATUS,
     .n = 1,
     .offset = offsetof(struct fz_worker_counters, flows_active)},
    {.name = "flows_ended",
     .help = "flows ended, by reason",
     .unit = "flows",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_TOTAL,
     .n = FZ_END__COUNT,
     .offset = offsetof(struct fz_worker_counters, flows_ended),
     .label = "reason",
     .label_values = fz_end_reason_names,
     .watch = &watch_evicted},
};

const unsigned fz_worker_n_counter_defs =
    sizeof(fz_worker_counter_defs) / sizeof(fz_worker_counter_defs[0]);
