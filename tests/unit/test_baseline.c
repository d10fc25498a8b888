/* Unit tests of the baselines: exact statistics, and the start/update/end/suppress machine. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fz_baseline.h"
#include "fz_test.h"
#include "fz_test_counters.h"

#define BIN_MS 10000u

static struct fz_baseline_event evs[64];
static unsigned n_evs;

static void record(void *arg, const struct fz_baseline_event *ev)
{
	(void)arg;
	if (n_evs < 64)
		evs[n_evs++] = *ev;
}

static struct fz_baseline *make(unsigned history, unsigned min_history, unsigned bins, double k,
                                uint64_t suppress_ms, const struct fz_baseline_net *nets)
{
	struct fz_baseline_conf c = {.n_nets = 2,
	                             .history = history,
	                             .min_history = min_history,
	                             .bins = bins,
	                             .k = k,
	                             .suppress_ms = suppress_ms,
	                             .nets = nets,
	                             .event = record};

	n_evs = 0;
	return fz_baseline_create(&c);
}

/* Bin i of network 0 with value v in series s (the others 0). */
static void feed(struct fz_baseline *b, unsigned i, enum fz_baseline_series s, uint64_t v)
{
	uint64_t vals[FZ_BL__SERIES] = {0};

	vals[s] = v;
	FZ_CHECK_INT(
	    0, fz_baseline_bin(b, 0, (uint64_t)i * BIN_MS, (uint64_t)(i + 1) * BIN_MS, vals, NULL));
}

static uint64_t counter(struct fz_baseline *b, const char *name)
{
	fz_baseline_publish(b);
	return fz_test_counter(fz_baseline_counter_set(b), 0, name);
}

/* 2 4 4 4 5 5 7 9: mean 5, population sigma 2; then 10 pushes 2 out: mean 6, sigma sqrt 5. */
static void test_stats_exact(void)
{
	static const uint64_t seq[] = {2, 4, 4, 4, 5, 5, 7, 9};
	struct fz_baseline *b = make(8, 8, 1, 3, 0, NULL);
	double mean, sigma;

	for (unsigned i = 0; i < 8; i++)
		feed(b, i, FZ_BL_FLOWS, seq[i]);
	FZ_CHECK_INT(8, fz_baseline_stats(b, 0, FZ_BL_FLOWS, &mean, &sigma));
	FZ_CHECK_DBL(5.0, mean, 0);
	FZ_CHECK_DBL(2.0, sigma, 0);
	feed(b, 8, FZ_BL_FLOWS, 10); /* under 5 + 3·2 = 11: enters, 2 leaves */
	FZ_CHECK_INT(0, n_evs);
	FZ_CHECK_INT(8, fz_baseline_stats(b, 0, FZ_BL_FLOWS, &mean, &sigma));
	FZ_CHECK_DBL(6.0, mean, 0);
	/* Σx = 48, Σx² = 328: (8·328 − 48²) / 64 = 5. */
	FZ_CHECK_DBL(2.2360679774997898, sigma, 0);
	FZ_CHECK_INT(0, fz_baseline_stats(b, 1, FZ_BL_FLOWS, &mean, &sigma));
	fz_baseline_free(b);
}

/* Large values with a small spread: exact where float sums of squares lose every digit. */
static void test_stats_large(void)
{
	static const uint64_t seq[] = {2, 4, 4, 4, 5, 5, 7, 9};
	const uint64_t base = 1000000000000ull; /* 1e12: squares near 1e24 */
	struct fz_baseline *b = make(8, 8, 1, 3, 0, NULL);
	double mean, sigma;

	/* Fill the ring twice over: removals must leave the sums exact. */
	for (unsigned i = 0; i < 24; i++)
		feed(b, i, FZ_BL_BYTES_IN, base + seq[i % 8]);
	FZ_CHECK_INT(8, fz_baseline_stats(b, 0, FZ_BL_BYTES_IN, &mean, &sigma));
	FZ_CHECK_DBL(1000000000005.0, mean, 0);
	FZ_CHECK_DBL(2.0, sigma, 0);
	FZ_CHECK_INT(0, n_evs);
	fz_baseline_free(b);
}

/* History alternating 10, 12: mean 11, sigma 1, threshold 11 + 3 = 14. */
static void fill(struct fz_baseline *b, unsigned *i, unsigned n)
{
	for (unsigned k = 0; k < n; k++, (*i)++)
		feed(b, *i, FZ_BL_FLOWS, *i % 2 ? 12 : 10);
}

static void test_start_update_end(void)
{
	struct fz_baseline *b = make(8, 4, 2, 3, 100000, NULL);
	unsigned i = 0;

	fill(b, &i, 8);
	feed(b, i++, FZ_BL_FLOWS, 100); /* bin 8: over 1 of 2 */
	FZ_CHECK_INT(0, n_evs);
	feed(b, i++, FZ_BL_FLOWS, 100); /* bin 9: start */
	FZ_CHECK_INT(1, n_evs);
	FZ_CHECK_INT(FZ_BL_START, evs[0].state);
	FZ_CHECK_INT(0, evs[0].net);
	FZ_CHECK_INT(FZ_BL_FLOWS, evs[0].series);
	FZ_CHECK_INT(8 * BIN_MS, evs[0].start_ms);
	FZ_CHECK_INT(10 * BIN_MS, evs[0].time_ms);
	FZ_CHECK_INT(100, evs[0].value);
	FZ_CHECK_DBL(11.0, evs[0].mean, 0);
	FZ_CHECK_DBL(1.0, evs[0].sigma, 0);
	FZ_CHECK_DBL(14.0, evs[0].threshold, 0);
	feed(b, i++, FZ_BL_FLOWS, 90); /* bin 10: update */
	FZ_CHECK_INT(2, n_evs);
	FZ_CHECK_INT(FZ_BL_UPDATE, evs[1].state);
	FZ_CHECK_INT(90, evs[1].value);
	FZ_CHECK_INT(8 * BIN_MS, evs[1].start_ms);
	fill(b, &i, 1); /* bin 11: under 1 of 2, still an update */
	FZ_CHECK_INT(3, n_evs);
	FZ_CHECK_INT(FZ_BL_UPDATE, evs[2].state);
	fill(b, &i, 1); /* bin 12: end */
	FZ_CHECK_INT(4, n_evs);
	FZ_CHECK_INT(FZ_BL_END, evs[3].state);
	FZ_CHECK_INT(8 * BIN_MS, evs[3].start_ms);
	FZ_CHECK_INT(11 * BIN_MS, evs[3].end_ms);
	FZ_CHECK_INT(13 * BIN_MS, evs[3].time_ms);
	/* The spike stayed out of the history, bin 11 (12) went in and pushed bin 0 (10)
	 * out: five 12s and three 10s, Σx = 90, Σx² = 1020, sigma = sqrt(8·1020 − 90²) / 8. */
	FZ_CHECK_DBL(11.25, evs[3].mean, 0);
	FZ_CHECK_DBL(sqrt(60.0) / 8, evs[3].sigma, 0);
	FZ_CHECK_INT(1, counter(b, "started"));
	FZ_CHECK_INT(2, counter(b, "updates"));
	FZ_CHECK_INT(1, counter(b, "ended"));
	FZ_CHECK_INT(0, counter(b, "active"));

	/* A one-bin blip: nothing with bins 2. */
	feed(b, i++, FZ_BL_FLOWS, 100);
	fill(b, &i, 3);
	FZ_CHECK_INT(4, n_evs);

	/* The same spike again within 100 s of the end (110 s): suppressed, counted once. */
	feed(b, i++, FZ_BL_FLOWS, 100);
	feed(b, i++, FZ_BL_FLOWS, 100);
	feed(b, i++, FZ_BL_FLOWS, 100);
	fill(b, &i, 2);
	FZ_CHECK_INT(4, n_evs);
	FZ_CHECK_INT(1, counter(b, "suppressed"));

	/* After the window: a new start. */
	fill(b, &i, 6);
	FZ_CHECK(i * BIN_MS >= 110000 + 100000);
	feed(b, i++, FZ_BL_FLOWS, 100);
	feed(b, i++, FZ_BL_FLOWS, 100);
	FZ_CHECK_INT(5, n_evs);
	FZ_CHECK_INT(FZ_BL_START, evs[4].state);
	FZ_CHECK_INT(2, counter(b, "started"));
	FZ_CHECK_INT(1, counter(b, "active"));
	fz_baseline_free(b);
}

static void test_min_history(void)
{
	struct fz_baseline *b = make(16, 4, 1, 0, 0, NULL);
	double mean, sigma;

	for (unsigned i = 0; i < 3; i++)
		feed(b, i, FZ_BL_FLOWS, 10);
	feed(b, 3, FZ_BL_FLOWS, 1000); /* the 4th bin: history 3 < 4, no comparison: it enters */
	FZ_CHECK_INT(0, n_evs);
	FZ_CHECK_INT(4, fz_baseline_stats(b, 0, FZ_BL_FLOWS, &mean, &sigma));
	FZ_CHECK_DBL(257.5, mean, 0);
	feed(b, 4, FZ_BL_FLOWS, 1000); /* k 0: above the mean 257.5 */
	FZ_CHECK_INT(1, n_evs);
	FZ_CHECK_DBL(257.5, evs[0].threshold, 0);
	fz_baseline_free(b);
}

static void test_floor_and_disable(void)
{
	struct fz_baseline_net nets[2] = {{.k = 4, .disabled = 1u << FZ_BL_FLOWS}, {.k = -1}};
	struct fz_baseline *b;

	nets[0].floor[FZ_BL_PACKETS_IN] = 50;
	nets[0].floor[FZ_BL_BYTES_IN] = 50;
	b = make(8, 4, 1, 3, 0, nets);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t v[FZ_BL__SERIES] = {10, 10, 0, 10, 0};

		FZ_CHECK_INT(0, fz_baseline_bin(b, 0, i * BIN_MS, (i + 1) * BIN_MS, v, NULL));
	}
	{
		/* Constant history: sigma 0, thresholds max(50, 10); packets_in 40 under its
		 * floor, bytes_in 60 above it, flows disabled. */
		uint64_t v[FZ_BL__SERIES] = {1000, 40, 0, 60, 0};

		fz_baseline_bin(b, 0, 4 * BIN_MS, 5 * BIN_MS, v, NULL);
		FZ_CHECK_INT(1, n_evs);
		FZ_CHECK_INT(FZ_BL_BYTES_IN, evs[0].series);
		FZ_CHECK_DBL(50.0, evs[0].threshold, 0);
		FZ_CHECK_STR("bytes", fz_baseline_metric(evs[0].series));
		FZ_CHECK_STR("in", fz_baseline_direction(evs[0].series));
	}
	FZ_CHECK_INT(-EINVAL, fz_baseline_bin(b, 2, 0, BIN_MS, (uint64_t[FZ_BL__SERIES]){0}, NULL));
	FZ_CHECK_STR("both", fz_baseline_direction(FZ_BL_FLOWS));
	FZ_CHECK_STR("packets_out", fz_baseline_series_name(FZ_BL_PACKETS_OUT));
	fz_baseline_free(b);
}

static void test_conf_errors(void)
{
	errno = 0;
	FZ_CHECK(make(0, 1, 1, 3, 0, NULL) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	FZ_CHECK(make(8, 9, 1, 3, 0, NULL) == NULL);
	FZ_CHECK(make(8, 8, 0, 3, 0, NULL) == NULL);
	FZ_CHECK(make(8, 8, 1, -1, 0, NULL) == NULL);
	FZ_CHECK(make(FZ_BASELINE_MAX_HISTORY + 1, 8, 1, 3, 0, NULL) == NULL);
}

int main(void)
{
	FZ_RUN(test_stats_exact);
	FZ_RUN(test_stats_large);
	FZ_RUN(test_start_update_end);
	FZ_RUN(test_min_history);
	FZ_RUN(test_floor_and_disable);
	FZ_RUN(test_conf_errors);
	return fz_test_summary();
}
