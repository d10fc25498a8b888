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

#include <jansson.h>

#include "fz_counters.h"
#include "fz_export.h"
#include "fz_record.h"

/* Runs of more empty bins than this (a day of 1-minute bins) are not written
 * but counted (skipped_bins): captures of different days read together. */
#define FZ_TRAFFIC_MAX_GAP 1440

/* The first entries of a bin's top lists handed to bin_closed (sources, destinations). */
#define FZ_TRAFFIC_TOP_MAX 5

struct fz_traffic_top {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint64_t packets, bytes, flows;
};

/* One network's counts in one bin. */
struct fz_traffic_counts {
	uint64_t packets_in, bytes_in, packets_out, bytes_out, flows, flows_new;
};

/* What bin_closed learns of one network in one bin. */
struct fz_traffic_figures {
	struct fz_traffic_counts all;   /* as in the traffic record */
	struct fz_traffic_counts alert; /* the same without the flows alert_ignored() named */
	unsigned n_src, n_dst;
	struct fz_traffic_top src[FZ_TRAFFIC_TOP_MAX]; /* top sources by bytes, all flows */
	struct fz_traffic_top dst[FZ_TRAFFIC_TOP_MAX]; /* top destinations by bytes */
};

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
	/*
	 * Optional (NULL: none). bin_closed sees each network's figures of each
	 * bin right after its traffic record (net 0 .. n_nets - 1; partial as in
	 * the record); the alert baselines take them. alert_ignored says whether
	 * a flow stays out of the figures' "alert" counts (the networks file's
	 * ignore list); it is asked once per ring element with packets.
	 */
	void (*bin_closed)(void *arg, unsigned net, uint64_t bin_start_ms, uint64_t bin_end_ms,
	                   const struct fz_traffic_figures *f, int partial);
	void *bin_closed_arg;
	int (*alert_ignored)(void *arg, const struct fz_flow_rec *rec);
	void *alert_ignored_arg;
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
 * Each network's counts since start (index net - 1 for network id net): all
 * that was added to a bin (late records are not). Rates are the difference
 * of two reads. The stats lcore's, like every call here.
 */
const struct fz_traffic_counts *fz_traffic_totals(const struct fz_traffic *t);

/*
 * The record network net (0 .. n_nets - 1) would get if the newest open bin
 * (the latest by packet time) closed now: a traffic record object with
 * "partial" and "open" true, its figures and top lists so far. NULL with
 * errno ENOENT when no bin is open, ENOMEM. Stats lcore only; it goes over
 * each top list (up to --top-capacity keys) and builds the object in
 * jansson, so call it sparingly.
 */
json_t *fz_traffic_open_record(struct fz_traffic *t, unsigned net);

/*
 * A top list's key as the record writes it (a port number with port set, else
 * the address text, IPv4 as a.b.c.d), and back: 0, or -EINVAL when k is not
 * such a key. Keys are 16 bytes: IPv4 as ::ffff:a.b.c.d, a port in the last two.
 */
json_t *fz_traffic_top_key(int port, const uint8_t k[16]);
int fz_traffic_top_key_parse(json_t *k, int port, uint8_t out[16]);

/*
 * The "traffic" counter set (records written, bin reports taken, flows
 * tracked across bins, open bins, late records and bytes), published by
 * fz_traffic_publish() on the stats lcore.
 */
const struct fz_counter_set *fz_traffic_counter_set(struct fz_traffic *t);
void fz_traffic_publish(struct fz_traffic *t);

#endif
