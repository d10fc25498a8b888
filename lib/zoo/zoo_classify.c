/*
 * Zoo classification: each flow against the running means (cumulative or
 * EWMA, global or per application), then into the means and the
 * per-application counters; in one call (fz_zoo_classify) or, with export
 * lanes, in two parts (fz_zoo_advance in order on the stats lcore, the rest
 * on a lane from a copy: fz_zoo_lane_*). One code for both, so that the
 * results are the same bit for bit. No allocation, no system call.
 */
#include <math.h>
#include <string.h>

#include "zoo_priv.h"

/*
 * Neumaier's variant of Kahan summation: the compensation also catches the
 * case where the new term is larger than the running sum, which happens with
 * rates (a single fast flow can exceed the sum of many slow ones).
 */
static void ksum_add(struct zoo_ksum *k, double x)
{
	double t = k->sum + x;

	if (fabs(k->sum) >= fabs(x))
		k->comp += (k->sum - t) + x;
	else
		k->comp += (x - t) + k->sum;
	k->sum = t;
}

/* The nearest double, as (double)x gives it; without the library call while x < 2^64. */
static inline double u128_double(zoo_u128 x)
{
	return (x >> 64) == 0 ? (double)(uint64_t)x : (double)x;
}

void zoo_current_means(const struct fz_zoo *z, const struct zoo_means *m, double *size,
                       double *duration, double *rate)
{
	if (z->conf.mean == FZ_ZOO_EWMA) {
		*size = m->size_ewma;
		*duration = m->dur_ewma;
		*rate = m->rate_ewma;
		return;
	}
	*size = m->n ? u128_double(m->size_sum) / (double)m->n : FZ_ZOO_INIT_SIZE;
	*duration = m->n ? u128_double(m->dur_sum_us) / (double)m->n / 1e6 : FZ_ZOO_INIT_DURATION;
	*rate = m->rate_n ? zoo_ksum_value(&m->rate_sum) / (double)m->rate_n : FZ_ZOO_INIT_RATE;
}

/* What the zoo measures of one flow; every part computes it with this one code. */
struct zoo_flow {
	uint64_t size, dur_us;
	double dur_s, rate;
};

static inline void flow_metrics(const struct fz_flow_rec *rec, struct zoo_flow *f)
{
	f->size = rec->bytes[0] + rec->bytes[1];
	/* A clock that went backwards must not make a flow last 584 000 years. */
	f->dur_us = rec->last_us > rec->first_us ? rec->last_us - rec->first_us : 0;
	f->dur_s = (double)f->dur_us / 1e6;
	f->rate = f->dur_us ? (double)f->size / f->dur_s : 0;
}

static void count(struct zoo_tally *t, uint64_t packets, const struct zoo_flow *f,
                  const struct fz_zoo_result *out)
{
	unsigned k = ZOO_COMBO(out->size_class, out->duration_class, out->rate_class);

	t->packets += packets;
	t->dur_sum_us += f->dur_us;
	t->flows[k]++;
	t->bytes[k] += f->size;
}

/* The flow enters the means (the EWMAs only when they are the means). */
static inline void means_add(const struct fz_zoo_conf *conf, struct zoo_means *m,
                             const struct zoo_flow *f)
{
	double alpha = conf->alpha;

	m->n++;
	m->size_sum += f->size;
	m->dur_sum_us += f->dur_us;
	if (conf->mean == FZ_ZOO_EWMA) {
		m->size_ewma = alpha * (double)f->size + (1.0 - alpha) * m->size_ewma;
		m->dur_ewma = alpha * f->dur_s + (1.0 - alpha) * m->dur_ewma;
	}
	if (f->dur_us) {
		m->rate_n++;
		ksum_add(&m->rate_sum, f->rate);
		if (conf->mean == FZ_ZOO_EWMA)
			m->rate_ewma = alpha * f->rate + (1.0 - alpha) * m->rate_ewma;
	}
}

/* The mean state a flow of application app (in range) is compared with. */
static inline struct zoo_means *means_of(const struct fz_zoo *z, struct zoo_means *means,
                                         unsigned app)
{
	return &means[z->conf.per_app ? app : 0];
}

/*
 * The flow's three classes against m, as it is before the flow. The means
 * compared with are what zoo_current_means() gives; they are computed here
 * only where the comparison needs them (EWMA, and the rate).
 */
static void classes(const struct fz_zoo *z, const struct zoo_means *m, const struct zoo_flow *f,
                    struct fz_zoo_result *out)
{
	double rate_mean;

	if (z->conf.mean == FZ_ZOO_CUMULATIVE && m->n > 0) {
		/*
		 * size >= sum / n and dur >= sum / n are decided in integers
		 * (size * n >= sum), so a flow that sits exactly on the mean is an
		 * elephant however large the sums grow; the printed mean is the
		 * nearest double. Both products fit: each factor is below 2^64.
		 */
		out->size_class = (zoo_u128)f->size * m->n >= m->size_sum;
		out->duration_class = (zoo_u128)f->dur_us * m->n >= m->dur_sum_us;
	} else if (z->conf.mean == FZ_ZOO_CUMULATIVE) {
		out->size_class = f->size >= (uint64_t)FZ_ZOO_INIT_SIZE;
		out->duration_class = f->dur_us >= (uint64_t)(FZ_ZOO_INIT_DURATION * 1e6);
	} else {
		out->size_class = (double)f->size >= m->size_ewma;
		out->duration_class = f->dur_s >= m->dur_ewma;
	}
	if (!f->dur_us) {
		out->rate_class = FZ_ZOO_NULL;
		return;
	}
	if (z->conf.mean == FZ_ZOO_EWMA)
		rate_mean = m->rate_ewma;
	else
		rate_mean =
		    m->rate_n ? zoo_ksum_value(&m->rate_sum) / (double)m->rate_n : FZ_ZOO_INIT_RATE;
	out->rate_class = f->rate >= rate_mean;
}

/* rec's application: one out of range is application 0 (the stats lcore counts it). */
static inline unsigned app_of(const struct fz_zoo *z, const struct fz_flow_rec *rec)
{
	return rec->app < z->n_apps ? rec->app : 0;
}

static inline unsigned app_counted(struct fz_zoo *z, const struct fz_flow_rec *rec)
{
	if (rec->app < z->n_apps)
		return rec->app;
	z->app_out_of_range++;
	return 0;
}

void fz_zoo_classify(struct fz_zoo *z, const struct fz_flow_rec *rec, struct fz_zoo_result *out)
{
	unsigned app = app_counted(z, rec);
	struct zoo_means *m;
	struct zoo_flow f;

	flow_metrics(rec, &f);
	m = means_of(z, z->means, app);
	zoo_current_means(z, m, &out->size_mean, &out->duration_mean, &out->rate_mean);
	classes(z, m, &f, out);
	means_add(&z->conf, m, &f);
	count(&z->apps[app].interval, rec->packets[0] + rec->packets[1], &f, out);
}

void fz_zoo_advance(struct fz_zoo *z, const struct fz_flow_rec *rec)
{
	unsigned app = app_counted(z, rec);
	struct zoo_flow f;

	flow_metrics(rec, &f);
	means_add(&z->conf, means_of(z, z->means, app), &f);
}

size_t fz_zoo_lane_size(const struct fz_zoo *z)
{
	return z->n_means * sizeof(struct zoo_means);
}

size_t fz_zoo_lane_counts_size(const struct fz_zoo *z)
{
	return z->n_apps * sizeof(struct zoo_tally);
}

void fz_zoo_lane_start(const struct fz_zoo *z, void *copy)
{
	memcpy(copy, z->means, z->n_means * sizeof(struct zoo_means));
}

void fz_zoo_lane_flow(const struct fz_zoo *z, void *copy, void *counts,
                      const struct fz_flow_rec *rec, struct fz_zoo_result *out)
{
	unsigned app = app_of(z, rec);
	struct zoo_means *m = means_of(z, copy, app);
	struct zoo_flow f;

	flow_metrics(rec, &f);
	zoo_current_means(z, m, &out->size_mean, &out->duration_mean, &out->rate_mean);
	classes(z, m, &f, out);
	means_add(&z->conf, m, &f);
	count((struct zoo_tally *)counts + app, rec->packets[0] + rec->packets[1], &f, out);
}

void fz_zoo_lane_merge(struct fz_zoo *z, void *counts)
{
	struct zoo_tally *t = counts;

	for (unsigned i = 0; i < z->n_apps; i++) {
		struct zoo_tally *s = &z->apps[i].interval;
		uint64_t any = 0;

		for (unsigned k = 0; k < ZOO_COMBOS; k++)
			any |= t[i].flows[k];
		if (any == 0)
			continue; /* no flow of this application in the batch: all zero */
		s->packets += t[i].packets;
		s->dur_sum_us += t[i].dur_sum_us;
		for (unsigned k = 0; k < ZOO_COMBOS; k++) {
			s->flows[k] += t[i].flows[k];
			s->bytes[k] += t[i].bytes[k];
		}
		memset(&t[i], 0, sizeof(t[i]));
	}
}
