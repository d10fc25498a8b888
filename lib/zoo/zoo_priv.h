/*
 * Private layout of struct fz_zoo, shared by zoo.c (classification, means,
 * counters) and zoo_stats.c (the stats record and the terminal table).
 */
#ifndef FZ_ZOO_PRIV_H
#define FZ_ZOO_PRIV_H

#include <stdint.h>

#include "fz_zoo.h"

/*
 * Byte and microsecond sums are kept in 128 bits so that they stay exact
 * however long the appliance runs (2^64 bytes is 470 years at 10 Gb/s, but
 * a sum of products in a comparison needs the room anyway).
 */
typedef unsigned __int128 zoo_u128;

/* A Neumaier compensated sum: the value is sum + comp. */
struct zoo_ksum {
	double sum;
	double comp;
};

/* The six classes and the flows without a rate, in stats-record order. */
#define ZOO_CLASSES(X)                                                                             \
	X(ELEPHANT, "elephant")                                                                    \
	X(MOUSE, "mouse")                                                                          \
	X(TORTOISE, "tortoise")                                                                    \
	X(DRAGONFLY, "dragonfly")                                                                  \
	X(CHEETAH, "cheetah")                                                                      \
	X(SNAIL, "snail")                                                                          \
	X(RATE_NULL, "rate_null")

enum zoo_class {
#define FZ_X(name, str) ZOO_##name,
	ZOO_CLASSES(FZ_X)
#undef FZ_X
	    ZOO__CLASSES
};

extern const char *const zoo_class_names[ZOO__CLASSES];

/*
 * The state behind one set of means (the global one, or one application's).
 * Sums and counts are kept for both mean kinds: with EWMA they are what a
 * consumer needs to compute the cumulative mean, and they cost nothing.
 */
struct zoo_means {
	zoo_u128 size_sum;   /* bytes */
	zoo_u128 dur_sum_us; /* microseconds */
	struct zoo_ksum rate_sum;
	uint64_t n;      /* flows that entered the size and duration means */
	uint64_t rate_n; /* flows that entered the rate mean (duration > 0) */
	double size_ewma, dur_ewma, rate_ewma;
};

/* Counters of one application over one period (an interval or since start). */
struct zoo_counts {
	uint64_t flows, packets;
	zoo_u128 bytes;
	zoo_u128 dur_sum_us;
	uint64_t cls_flows[ZOO__CLASSES];
	zoo_u128 cls_bytes[ZOO__CLASSES];
};

/*
 * The current interval of one application as the stats lcore counts it: a flow by its three
 * classes together (2 sizes x 2 durations x 3 rates: ZOO_COMBO()), one counter and one sum a
 * flow; the struct zoo_counts of the interval is added up from it when it is read
 * (zoo_app_interval()).
 */
#define ZOO_COMBOS 12
#define ZOO_COMBO(size_class, duration_class, rate_class)                                          \
	(((size_class)*2 + (duration_class)) * 3 + ((rate_class) == FZ_ZOO_NULL ? 2 : (rate_class)))
struct zoo_tally {
	uint64_t packets;
	zoo_u128 dur_sum_us;
	uint64_t flows[ZOO_COMBOS];
	zoo_u128 bytes[ZOO_COMBOS];
};

/*
 * A flow is counted once, in the interval; the counts since start are the past intervals'
 * (added up at each interval's end) plus the current one: zoo_app_counts().
 */
struct zoo_app {
	const char *name;
	struct zoo_tally interval;
	struct zoo_counts past;
};

struct fz_zoo {
	struct fz_zoo_conf conf;
	unsigned n_apps;
	struct zoo_app *apps;
	struct zoo_means *means; /* 1 (global) or n_apps (per application) */
	unsigned n_means;
	uint64_t app_out_of_range; /* since start */
	char *names;               /* storage of the copied application names */
};

/* The current means of one mean state (what the next flow is compared with). */
void zoo_current_means(const struct fz_zoo *z, const struct zoo_means *m, double *size,
                       double *duration, double *rate);

/* The value of a compensated sum. */
static inline double zoo_ksum_value(const struct zoo_ksum *k)
{
	return k->sum + k->comp;
}

/* sum += c, field by field. */
void zoo_counts_add(struct zoo_counts *sum, const struct zoo_counts *c);

/* The counts of app's current interval. */
void zoo_app_interval(const struct zoo_app *a, struct zoo_counts *out);

/* The counts of app's current interval, and since start (its past intervals and the current one).
 */
void zoo_app_counts(const struct zoo_app *a, struct zoo_counts *interval, struct zoo_counts *total);

#endif
