/*
 * Traffic bins per network (docs/traffic.md): a consumer of the stats
 * lcore. It takes every finished flow and every bin report and mark of the
 * workers' rings, adds each record's packets to the bin of their own
 * timestamps, and when no worker can add to a bin any more writes one
 * "type":"traffic" item per network through emit(). One thread (the stats
 * lcore) makes every call; the counter set may be read from any thread.
 */
#ifndef FZ_TRAFFIC_H
#define FZ_TRAFFIC_H

#include <stdint.h>

#include "fz_counters.h"
#include "fz_export.h"
#include "fz_record.h"

/* Runs of more empty bins than this (a day of 1-minute bins) are not written
 * but counted (skipped_bins): captures of different days read together. */
#define FZ_TRAFFIC_MAX_GAP 1440

struct fz_traffic_conf {
	const char *collector;
	const char *const *net_names; /* network id i (1..n_nets) is net_names[i - 1] */
	unsigned n_nets;
	const char *const *app_names; /* by fz_flow_rec.app; 0 is "unknown" */
	unsigned n_apps;
	uint64_t bin_us;       /* bin length */
	unsigned top_n;        /* entries per top list in a record */
	unsigned top_capacity; /* distinct keys kept exactly per list and bin */
	unsigned n_workers;    /* marks from this many workers close bins */
	void (*emit)(void *arg, struct fz_item *it);
	void *emit_arg;
};

struct fz_traffic;

/* NULL and errno (EINVAL, ENOMEM). */
struct fz_traffic *fz_traffic_create(const struct fz_traffic_conf *conf);
void fz_traffic_free(struct fz_traffic *t);

/* One element of a worker's ring: a finished flow, a bin report or a mark. */
void fz_traffic_record(struct fz_traffic *t, const struct fz_flow_rec *rec);

/* The end of the run: write every open bin (the last one partial). */
void fz_traffic_finish(struct fz_traffic *t);

/*
 * The "traffic" counter set (records written, bin reports taken, flows
 * tracked across bins, open bins, late records and bytes), published by
 * fz_traffic_publish() on the stats lcore.
 */
const struct fz_counter_set *fz_traffic_counter_set(struct fz_traffic *t);
void fz_traffic_publish(struct fz_traffic *t);

#endif
