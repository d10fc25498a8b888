/*
 * The traffic zoo: every finished flow is classified on three dimensions
 * (size, duration, rate) against running means of the flows finished before
 * it, and counted per application so that the share of each class can be
 * published every stats interval. The stats lcore owns one struct fz_zoo and
 * is its only user, so nothing here locks. See docs/zoo.md for the exact
 * definitions and the "type":"stats" record.
 */
#ifndef FZ_ZOO_H
#define FZ_ZOO_H

#include <stddef.h>
#include <stdint.h>

#include "fz_record.h"

/* Initial means, used until a flow has entered the mean (issue 4). */
#define FZ_ZOO_INIT_SIZE     15000.0  /* bytes */
#define FZ_ZOO_INIT_DURATION 4.0      /* seconds */
#define FZ_ZOO_INIT_RATE     500000.0 /* bytes per second */

enum fz_zoo_mean_kind {
	FZ_ZOO_CUMULATIVE = 0, /* arithmetic mean over every flow so far */
	FZ_ZOO_EWMA,           /* mean = alpha * x + (1 - alpha) * mean */
};

struct fz_zoo_conf {
	enum fz_zoo_mean_kind mean;
	double alpha; /* EWMA weight of the newest flow, 0 < alpha <= 1 */
	int per_app;  /* 0: one set of means for all flows; 1: one per application */
};

struct fz_zoo;

/* Set conf to the defaults: cumulative, global. */
void fz_zoo_conf_init(struct fz_zoo_conf *conf);

/*
 * Parse the mean kind: "cumulative" or "ewma:ALPHA" with 0 < ALPHA <= 1.
 * Returns 0, or -EINVAL with a message naming the value in err.
 */
int fz_zoo_parse_mean(const char *s, struct fz_zoo_conf *conf, char *err, size_t errlen);

/*
 * Parse the scope of the means: "global" or "app".
 * Returns 0, or -EINVAL with a message naming the value in err.
 */
int fz_zoo_parse_scope(const char *s, struct fz_zoo_conf *conf, char *err, size_t errlen);

/*
 * Create a zoo for n_apps applications named app_names[0..n_apps) (index 0
 * is "unknown"; the names are copied). n_apps 0 or app_names NULL gives one
 * application, "unknown". Returns NULL and sets errno: EINVAL for a bad conf
 * (unknown mean kind, alpha out of range), ENOMEM.
 */
struct fz_zoo *fz_zoo_create(const struct fz_zoo_conf *conf, unsigned n_apps,
                             const char *const *app_names);

/* Free a zoo (NULL is fine). */
void fz_zoo_free(struct fz_zoo *z);

/*
 * Classify one finished flow, in the order the stats lcore receives them,
 * into out (the classes and the means the flow was compared with); then let
 * the flow enter the means and the per-application counters (interval and
 * since start). rec->app >= n_apps is counted as application 0 (and in the
 * stats record's "app_out_of_range"). No allocation, no system call.
 */
void fz_zoo_classify(struct fz_zoo *z, const struct fz_flow_rec *rec, struct fz_zoo_result *out);

/*
 * fz_zoo_classify in two parts, for export lanes (lib/pipeline):
 * fz_zoo_advance, on the stats lcore in the flows' order, lets a flow enter
 * the means (and counts an application out of range); a lane does the rest
 * from a copy made before a batch's first flow: fz_zoo_lane_start writes the
 * copy of the means (fz_zoo_lane_size bytes, 16-byte aligned),
 * fz_zoo_lane_flow classifies the batch's flows in their order on it exactly
 * as fz_zoo_classify does (classes and means into out; the flow enters the
 * copy's means) and counts them in the batch's counters (fz_zoo_lane_counts_size
 * bytes, 16-byte aligned, zero at first), and fz_zoo_lane_merge adds those
 * counters to the zoo's and zeroes them, one batch at a time in batch order.
 * fz_zoo_lane_start and fz_zoo_lane_flow read only z's configuration, which
 * does not change after fz_zoo_create; fz_zoo_lane_merge writes the counters,
 * which nothing else reads or writes meanwhile (the stats record and the
 * table are made when the lanes hold nothing).
 */
void fz_zoo_advance(struct fz_zoo *z, const struct fz_flow_rec *rec);
size_t fz_zoo_lane_size(const struct fz_zoo *z);
size_t fz_zoo_lane_counts_size(const struct fz_zoo *z);
void fz_zoo_lane_start(const struct fz_zoo *z, void *copy);
void fz_zoo_lane_flow(const struct fz_zoo *z, void *copy, void *counts,
                      const struct fz_flow_rec *rec, struct fz_zoo_result *out);
void fz_zoo_lane_merge(struct fz_zoo *z, void *counts);

/*
 * Write the "type":"stats" record for the interval [start_ms, end_ms] as one
 * compact JSON object (no newline, NUL-terminated) into buf. Returns its
 * length, -ENOSPC when cap is too small for it, or -ENOMEM.
 */
int fz_zoo_stats_json(struct fz_zoo *z, const char *collector, uint64_t start_ms, uint64_t end_ms,
                      char *buf, size_t cap);

/* Start a new interval (call after each stats record): interval counters go to zero. */
void fz_zoo_interval_reset(struct fz_zoo *z);

/*
 * A compact text table for a terminal, counted since start: one line per
 * application that has flows (flows, elephants %, tortoises %, cheetahs %,
 * bytes) and a line for all applications. Returns the length written,
 * truncated to fit cap (NUL-terminated when cap > 0).
 */
int fz_zoo_table_text(const struct fz_zoo *z, char *buf, size_t cap);

/*
 * The means the next flow would be compared with: the global means, or with
 * per-application scope those of application 0 ("unknown"). Use
 * fz_zoo_app_means for another application.
 */
void fz_zoo_means(const struct fz_zoo *z, double *size, double *duration, double *rate);

/*
 * The means the next flow of application app would be compared with (the
 * global means when the scope is global). Returns 0, or -EINVAL when app is
 * out of range.
 */
int fz_zoo_app_means(const struct fz_zoo *z, unsigned app, double *size, double *duration,
                     double *rate);

/* Flows classified since start. */
uint64_t fz_zoo_flows(const struct fz_zoo *z);

#endif
