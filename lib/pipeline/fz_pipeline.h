/*
 * The pipeline after the workers, on the stats lcore: every finished flow
 * goes to the registered consumers in order (the zoo, per-application
 * counts; later traffic bins and detectors), then as a typed item to every
 * exporter that takes flows. Consumers and timers emit event items (stats,
 * alerts) to the exporters that take their kind. Periodic work is a timer.
 *
 * One thread (the stats lcore) makes every call, except that the counter
 * set (fz_pipeline_counter_set) may be read from any thread, and each export
 * lane runs fz_pipeline_lane_run on a thread of its own.
 *
 * Export lanes (fz_pipeline_lanes_create): the stats lcore keeps the ordered
 * work (consumers, the zoo's running means) and copies each flow with its
 * zoo classes into a batch; events (stats, traffic, alerts) are encoded on
 * the stats lcore and go into the batch in their place among the flows.
 * Batches are numbered and handed round-robin to the lanes' single-producer
 * single-consumer slots; a lane encodes its batch (the parallel part), then
 * waits for its turn (every earlier batch written) and gives the items to
 * the exporters in order. The exporters see exactly the items, in exactly
 * the order, they see without lanes. Nothing is dropped on this path: when
 * every slot of the next lane is full the stats lcore waits (counted), and
 * the workers' rings take the back-pressure (ring_full when they drop).
 */
#ifndef FZ_PIPELINE_H
#define FZ_PIPELINE_H

#include <stdint.h>

#include "fz_counters.h"
#include "fz_export.h"
#include "fz_record.h"

#define FZ_PIPELINE_MAX_CONSUMERS 16
#define FZ_PIPELINE_MAX_EXPORTERS 16

/* A consumer sees every finished flow once, in the order the stats lcore takes them. */
struct fz_consumer {
	const char *name;
	/* May fill parts of item (the zoo points item->zoo at its result): consumers
	 * run in registration order, so a later one sees what an earlier one set.
	 * May be NULL: a consumer of events only. */
	void (*flow)(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item);
	/* Optional: the other elements of the workers' rings (bin reports and marks,
	 * enum fz_rec_kind), which are not flow records. */
	void (*report)(void *arg, const struct fz_flow_rec *rec);
	/* Optional: the events emitted (fz_pipeline_emit) of the kinds in item_kinds
	 * (FZ_ITEM_BIT()s), after the exporters took them, so that their JSON text is
	 * usually made already (fz_item_json); flows are never passed here. */
	void (*item)(void *arg, struct fz_item *it);
	unsigned item_kinds;
	void *arg;
	/*
	 * Optional, when export lanes carry the flows: what of flow() needs no
	 * order is done on the lanes, side by side. The stats lcore then calls
	 * flow_ordered() instead of flow(), and at each batch snapshot() writes
	 * state_size bytes (64-byte aligned) from the consumer's state as it is
	 * before the batch's first flow; the lane, before it encodes the batch,
	 * calls lane_flow() for each of its flows in order with that copy (which
	 * lane_flow advances), the batch's scratch of scratch_size bytes (zero
	 * when the batch starts) and the flow's zoo result as flow_ordered() left
	 * it, and at its turn (one lane at a time, in batch order) lane_turn(), if
	 * set, with the copy and the scratch, which it leaves zero again. The
	 * state snapshot() reads changes only with flows; lane_flow() reads
	 * nothing of arg that the stats lcore writes, and what lane_turn() writes
	 * the stats lcore reads only when the lanes hold nothing
	 * (fz_pipeline_sync). Such a consumer is registered after every consumer
	 * whose flow() emits events, and before the lanes exist.
	 */
	void (*flow_ordered)(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item);
	size_t state_size, scratch_size;
	void (*snapshot)(void *arg, void *state);
	void (*lane_flow)(void *arg, void *state, void *scratch, const struct fz_flow_rec *rec,
	                  struct fz_zoo_result *zoo);
	void (*lane_turn)(void *arg, void *state, void *scratch);
};

struct fz_pipeline_conf {
	/* The flow record's JSON encoder (arg: flow_encode_arg). */
	fz_item_encode_fn flow_encode;
	void *flow_encode_arg;
	size_t json_max; /* largest JSON text of an item (0: 16 MiB) */
	/* Application names by fz_flow_rec.app (0 is "unknown"), for it->app. */
	const char *const *app_names;
	unsigned n_apps;
};

struct fz_pipeline;

/* NULL and errno on failure. */
struct fz_pipeline *fz_pipeline_create(const struct fz_pipeline_conf *conf);

/* Close every exporter and free. */
void fz_pipeline_free(struct fz_pipeline *p);

/* Register a consumer (copied) or an exporter (owned from now on). 0 or -ENOSPC. */
int fz_pipeline_add_consumer(struct fz_pipeline *p, const struct fz_consumer *c);
int fz_pipeline_add_exporter(struct fz_pipeline *p, struct fz_exporter *e);

/* The exporters, for their status in the summary. */
unsigned fz_pipeline_exporters(const struct fz_pipeline *p);
struct fz_exporter *fz_pipeline_exporter(const struct fz_pipeline *p, unsigned i);

/* An element of a worker's ring: a finished flow goes to the consumers, then the
 * exporters; a bin report or a mark to the consumers that take reports. */
void fz_pipeline_flow(struct fz_pipeline *p, const struct fz_flow_rec *rec);
/* The same for n elements of a ring, in order (one call a burst). */
void fz_pipeline_flows(struct fz_pipeline *p, const struct fz_flow_rec *recs, unsigned n);

/*
 * An event: to every exporter that takes it->kind. it->jbuf is set to the
 * pipeline's buffer when NULL. Returns how many exporters failed to take it.
 */
unsigned fz_pipeline_emit(struct fz_pipeline *p, struct fz_item *it);

/*
 * Export lanes: n (1..FZ_PIPELINE_MAX_LANES) threads that encode and export,
 * each with its encode_args[i] for the flow encoder (an encoder of its own:
 * lanes encode at the same time). From now on flows and events go to the
 * lanes, which must run fz_pipeline_lane_run(p, i) until it returns. 0,
 * -EINVAL (n), -EBUSY (lanes made already), or -ENOMEM.
 */
#define FZ_PIPELINE_MAX_LANES 16
int fz_pipeline_lanes_create(struct fz_pipeline *p, unsigned n, void *const *encode_args);

/* Lane i's loop: encode and export its batches in turn; returns 0 after
 * fz_pipeline_lanes_stop once its slots are empty. */
int fz_pipeline_lane_run(struct fz_pipeline *p, unsigned i);

/* Hand the records taken so far to the lanes (the stats loop calls it when
 * the rings run dry, so that a trickle is not held back). No-op without lanes. */
void fz_pipeline_cut(struct fz_pipeline *p);

/* Cut, and wait until the lanes wrote every batch: the exporters are the
 * caller's again until the next flow or event (status(), direct calls).
 * No-op without lanes. */
void fz_pipeline_sync(struct fz_pipeline *p);

/* Sync, then let the lanes return: from now on the stats lcore exports
 * itself again (the final flush, health alerts at exit). */
void fz_pipeline_lanes_stop(struct fz_pipeline *p);

/* The packet clock: the largest last-packet time (µs) of the flows seen, 0 before any. */
uint64_t fz_pipeline_packet_us(const struct fz_pipeline *p);

/* Let the exporters do their background work (with lanes: when they hold
 * nothing, else the lane whose turn it is does it). */
void fz_pipeline_poll(struct fz_pipeline *p);

/* Flush every exporter (each waits at most timeout_ms). Returns 0 or the first error. */
int fz_pipeline_flush(struct fz_pipeline *p, int timeout_ms);

/* Reopen every exporter's files (SIGHUP). Returns 0 or the first error. */
int fz_pipeline_reopen(struct fz_pipeline *p);

/* Records the exporters took but have not delivered or stored durably yet (each
 * exporter's pending(); nothing is dropped); with lanes, first the records and
 * events not yet written by them. */
uint64_t fz_pipeline_pending(const struct fz_pipeline *p);

/* Records lost by the exporters so far (take failures and their own losses);
 * while lanes hold batches, the value when the exporters' counters were last
 * published. */
uint64_t fz_pipeline_lost(const struct fz_pipeline *p);

/*
 * Counters: "pipeline" (flows taken, items emitted per kind, encode errors)
 * and "exporter" (per exporter: items taken, failed, lost). The stats lcore
 * publishes them with fz_pipeline_publish(); other threads read the last
 * published values through the sets.
 */
const struct fz_counter_set *fz_pipeline_counter_set(const struct fz_pipeline *p);
const struct fz_counter_set *fz_pipeline_exporter_set(const struct fz_pipeline *p);
void fz_pipeline_publish(struct fz_pipeline *p);
/* Exporter i's own counter set (fz_exporter_ops.counters), or NULL; published with the
 * others. Register it with the registry after the exporter is added. */
const struct fz_counter_set *fz_pipeline_exporter_own_set(const struct fz_pipeline *p, unsigned i);

/*
 * Timers: periodic work on the stats lcore, each with its own period and
 * clock. A wall-clock timer fires when its period has passed since it last
 * fired (or since the first run); a packet-clock timer fires once for each
 * boundary k * period (µs since the epoch) the packet clock crosses, with
 * now_us the boundary (traffic bins). At the end of a run every timer that
 * asks for it fires once more with final set, in registration order.
 */
enum fz_timer_clock { FZ_TIMER_WALL = 0, FZ_TIMER_PACKET };

struct fz_timer_conf {
	const char *name;
	enum fz_timer_clock clock;
	uint64_t period_us; /* 0: only at the end (with at_final) */
	int at_final;       /* fire once more at the end of the run */
	void (*fire)(void *arg, uint64_t now_us, int final);
	void *arg;
};

struct fz_timers;

struct fz_timers *fz_timers_create(void);
void fz_timers_free(struct fz_timers *t);
/* Register (copied). 0, -EINVAL (no fire function), -ENOSPC. */
int fz_timers_add(struct fz_timers *t, const struct fz_timer_conf *c);
/* Fire what is due; wall_us a monotonic clock, packet_us the packet clock (0: none yet). */
void fz_timers_run(struct fz_timers *t, uint64_t wall_us, uint64_t packet_us);
/* The end of the run: every at_final timer, in registration order. */
void fz_timers_final(struct fz_timers *t, uint64_t wall_us, uint64_t packet_us);

#endif
