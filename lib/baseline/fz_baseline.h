/*
 * Baselines per network (docs/alerts.md): for each network and series
 * (flows; packets in and out; bytes in and out) the mean and standard
 * deviation of the last `history` closed bins, and the alert state machine
 * over them: `bins` consecutive bins above max(floor, mean + k·sigma) start
 * an alert, as many consecutive bins back under it end it, at most one
 * update per bin in between, and a start within `suppress_ms` of packet time
 * after the same series' last end is suppressed and counted.
 *
 * The statistics are exact integer sums over a ring of the last values (see
 * baseline.c): no drift however long the run. One thread makes every call;
 * the counter set may be read from any thread. No DPDK dependency.
 */
#ifndef FZ_BASELINE_H
#define FZ_BASELINE_H

#include <stdint.h>

#include "fz_counters.h"

/* A network's series, in this order (names: fz_baseline_series_name). */
enum fz_baseline_series {
	FZ_BL_FLOWS = 0, /* metric "flows", direction "both": a flow counts once */
	FZ_BL_PACKETS_IN,
	FZ_BL_PACKETS_OUT,
	FZ_BL_BYTES_IN,
	FZ_BL_BYTES_OUT,
	FZ_BL__SERIES
};

/* The largest history a series keeps (bins), and the largest value it takes exactly. */
#define FZ_BASELINE_MAX_HISTORY 65536u
#define FZ_BASELINE_MAX_VALUE   (1ull << 47)

enum fz_baseline_state { FZ_BL_START = 0, FZ_BL_UPDATE, FZ_BL_END };

/* One network's overrides (the networks file's "alerts" object). */
struct fz_baseline_net {
	double k;                      /* < 0: the default k */
	uint64_t floor[FZ_BL__SERIES]; /* the threshold is never below this */
	unsigned disabled;             /* bit (1u << series): no alerts on it */
};

/* What an alert record says (the caller encodes it). */
struct fz_baseline_event {
	enum fz_baseline_state state;
	unsigned net; /* 0 .. n_nets - 1 */
	enum fz_baseline_series series;
	uint64_t time_ms;              /* the end of the bin that made the event (packet time) */
	uint64_t start_ms;             /* the start of the alert's first bin above the threshold */
	uint64_t end_ms;               /* FZ_BL_END: the start of its first bin back under */
	uint64_t value;                /* this bin's value */
	double mean, sigma, threshold; /* of the history this bin was compared with */
	const void *ctx;               /* as given to fz_baseline_bin (the bin's figures) */
};

struct fz_baseline_conf {
	unsigned n_nets;
	unsigned history;     /* bins kept per series, 1 .. FZ_BASELINE_MAX_HISTORY */
	unsigned min_history; /* no alert before this many bins, 1 .. history */
	unsigned bins;        /* consecutive bins that start and end an alert, >= 1 */
	double k;
	uint64_t suppress_ms;
	const struct fz_baseline_net *nets; /* n_nets overrides, or NULL (copied) */
	void (*event)(void *arg, const struct fz_baseline_event *ev);
	void *event_arg;
};

struct fz_baseline;

/* NULL and errno (EINVAL for a conf out of range, ENOMEM). */
struct fz_baseline *fz_baseline_create(const struct fz_baseline_conf *conf);
void fz_baseline_free(struct fz_baseline *b);

/*
 * One closed, complete bin [start_ms, end_ms) of network net: its values by
 * series (above FZ_BASELINE_MAX_VALUE taken as that). Calls event() for
 * each start, update and end it makes; ctx is handed to it. Returns -EINVAL
 * for a net out of range, else 0.
 */
int fz_baseline_bin(struct fz_baseline *b, unsigned net, uint64_t start_ms, uint64_t end_ms,
                    const uint64_t values[FZ_BL__SERIES], const void *ctx);

/* Mean and population standard deviation of a series' history now; its length. */
unsigned fz_baseline_stats(const struct fz_baseline *b, unsigned net, enum fz_baseline_series s,
                           double *mean, double *sigma);

/* "flows", "packets_in", ...; the metric ("flows", "packets", "bytes") and direction
 * ("both", "in", "out") of a series; "start", "update", "end". */
const char *fz_baseline_series_name(enum fz_baseline_series s);
const char *fz_baseline_metric(enum fz_baseline_series s);
const char *fz_baseline_direction(enum fz_baseline_series s);
const char *fz_baseline_state_name(enum fz_baseline_state st);

/* Add an event's end_ms (end only), metric, direction, value, mean, sigma and threshold to the
 * alert record o (a json_t object). 0, or -1 when jansson failed. */
struct json_t;
int fz_baseline_event_fields(const struct fz_baseline_event *ev, struct json_t *o);

/* The "alerts" counter set (started, updates, ended, suppressed, active), published by
 * fz_baseline_publish() on the owning thread. */
const struct fz_counter_set *fz_baseline_counter_set(struct fz_baseline *b);
void fz_baseline_publish(struct fz_baseline *b);

#endif
