/*
 * Zoo classification: running means (cumulative or EWMA, global or per
 * application) and the per-application class counters. Everything here runs
 * once per finished flow on the stats lcore: no allocation, no system call.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zoo_priv.h"

const char *const zoo_class_names[ZOO__CLASSES] = {
#define FZ_X(name, str) str,
    ZOO_CLASSES(FZ_X)
#undef FZ_X
};

void fz_zoo_conf_init(struct fz_zoo_conf *conf)
{
	conf->mean = FZ_ZOO_CUMULATIVE;
	conf->alpha = 0;
	conf->per_app = 0;
}

int fz_zoo_parse_mean(const char *s, struct fz_zoo_conf *conf, char *err, size_t errlen)
{
	const char *p;
	char *end;
	double a;

	if (s != NULL && strcmp(s, "cumulative") == 0) {
		conf->mean = FZ_ZOO_CUMULATIVE;
		conf->alpha = 0;
		return 0;
	}
	if (s != NULL && strncmp(s, "ewma:", 5) == 0) {
		p = s + 5;
		errno = 0;
		a = strtod(p, &end);
		/* "0 < a <= 1" is false for NaN as well; strtod would skip blanks, we do not. */
		if (end != p && *end == '\0' && *p != ' ' && *p != '\t' && errno == 0 && a > 0 &&
		    a <= 1) {
			conf->mean = FZ_ZOO_EWMA;
			conf->alpha = a;
			return 0;
		}
		snprintf(err, errlen,
		         "zoo mean '%s': ALPHA of ewma:ALPHA must be a number with 0 < ALPHA <= 1",
		         s);
		return -EINVAL;
	}
	snprintf(err, errlen, "zoo mean '%s': expected 'cumulative' or 'ewma:ALPHA'",
	         s ? s : "(null)");
	return -EINVAL;
}

int fz_zoo_parse_scope(const char *s, struct fz_zoo_conf *conf, char *err, size_t errlen)
{
	if (s != NULL && strcmp(s, "global") == 0) {
		conf->per_app = 0;
		return 0;
	}
	if (s != NULL && strcmp(s, "app") == 0) {
		conf->per_app = 1;
		return 0;
	}
	snprintf(err, errlen, "zoo scope '%s': expected 'global' or 'app'", s ? s : "(null)");
	return -EINVAL;
}

static void means_init(struct zoo_means *m)
{
	memset(m, 0, sizeof(*m));
	m->size_ewma = FZ_ZOO_INIT_SIZE;
	m->dur_ewma = FZ_ZOO_INIT_DURATION;
	m->rate_ewma = FZ_ZOO_INIT_RATE;
}

struct fz_zoo *fz_zoo_create(const struct fz_zoo_conf *conf, unsigned n_apps,
                             const char *const *app_names)
{
	static const char *const unknown[1] = {"unknown"};
	struct fz_zoo *z;
	size_t names_len = 0;
	char *p;

	if (conf == NULL || (conf->mean != FZ_ZOO_CUMULATIVE && conf->mean != FZ_ZOO_EWMA) ||
	    (conf->mean == FZ_ZOO_EWMA && !(conf->alpha > 0 && conf->alpha <= 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (n_apps == 0 || app_names == NULL) {
		n_apps = 1;
		app_names = unknown;
	}
	for (unsigned i = 0; i < n_apps; i++) {
		if (app_names[i] == NULL) {
			errno = EINVAL;
			return NULL;
		}
		names_len += strlen(app_names[i]) + 1;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		goto nomem;
	z->conf = *conf;
	z->n_apps = n_apps;
	z->n_means = conf->per_app ? n_apps : 1;
	z->apps = calloc(n_apps, sizeof(*z->apps));
	z->means = calloc(z->n_means, sizeof(*z->means));
	z->names = malloc(names_len);
	if (z->apps == NULL || z->means == NULL || z->names == NULL)
		goto nomem;
	p = z->names;
	for (unsigned i = 0; i < n_apps; i++) {
		size_t len = strlen(app_names[i]) + 1;

		memcpy(p, app_names[i], len);
		z->apps[i].name = p;
		p += len;
	}
	for (unsigned i = 0; i < z->n_means; i++)
		means_init(&z->means[i]);
	return z;
nomem:
	fz_zoo_free(z);
	errno = ENOMEM;
	return NULL;
}

void fz_zoo_free(struct fz_zoo *z)
{
	if (z == NULL)
		return;
	free(z->apps);
	free(z->means);
	free(z->names);
	free(z);
}

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

void fz_zoo_classify_ordered(struct fz_zoo *z, const struct fz_flow_rec *rec,
                             struct fz_zoo_result *out)
{
	unsigned app = rec->app;
	struct zoo_means *m;
	struct zoo_flow f;

	if (app >= z->n_apps) {
		z->app_out_of_range++;
		app = 0;
	}
	flow_metrics(rec, &f);
	m = means_of(z, z->means, app);
	classes(z, m, &f, out);
	means_add(&z->conf, m, &f);
	count(&z->apps[app].interval, rec->packets[0] + rec->packets[1], &f, out);
}

void fz_zoo_classify(struct fz_zoo *z, const struct fz_flow_rec *rec, struct fz_zoo_result *out)
{
	unsigned app = rec->app < z->n_apps ? rec->app : 0;

	zoo_current_means(z, means_of(z, z->means, app), &out->size_mean, &out->duration_mean,
	                  &out->rate_mean);
	fz_zoo_classify_ordered(z, rec, out);
}

size_t fz_zoo_means_size(const struct fz_zoo *z)
{
	return z->n_means * sizeof(struct zoo_means);
}

void fz_zoo_means_copy(const struct fz_zoo *z, void *copy)
{
	memcpy(copy, z->means, fz_zoo_means_size(z));
}

void fz_zoo_means_replay(const struct fz_zoo *z, void *copy, const struct fz_flow_rec *rec,
                         struct fz_zoo_result *out)
{
	struct zoo_means *m = means_of(z, copy, rec->app < z->n_apps ? rec->app : 0);
	struct zoo_flow f;

	zoo_current_means(z, m, &out->size_mean, &out->duration_mean, &out->rate_mean);
	flow_metrics(rec, &f);
	means_add(&z->conf, m, &f);
}

void zoo_counts_add(struct zoo_counts *sum, const struct zoo_counts *c)
{
	sum->flows += c->flows;
	sum->packets += c->packets;
	sum->bytes += c->bytes;
	sum->dur_sum_us += c->dur_sum_us;
	for (int i = 0; i < ZOO__CLASSES; i++) {
		sum->cls_flows[i] += c->cls_flows[i];
		sum->cls_bytes[i] += c->cls_bytes[i];
	}
}

void zoo_app_interval(const struct zoo_app *a, struct zoo_counts *out)
{
	const struct zoo_tally *t = &a->interval;

	memset(out, 0, sizeof(*out));
	out->packets = t->packets;
	out->dur_sum_us = t->dur_sum_us;
	for (unsigned s = 0; s < 2; s++)
		for (unsigned d = 0; d < 2; d++)
			for (int r = 0; r < 3; r++) {
				unsigned k = ZOO_COMBO(s, d, r == 2 ? FZ_ZOO_NULL : r);
				enum zoo_class cls[3] = {
				    s ? ZOO_ELEPHANT : ZOO_MOUSE,
				    d ? ZOO_TORTOISE : ZOO_DRAGONFLY,
				    r == 2 ? ZOO_RATE_NULL
				    : r    ? ZOO_CHEETAH
				           : ZOO_SNAIL,
				};

				out->flows += t->flows[k];
				out->bytes += t->bytes[k];
				for (int i = 0; i < 3; i++) {
					out->cls_flows[cls[i]] += t->flows[k];
					out->cls_bytes[cls[i]] += t->bytes[k];
				}
			}
}

void zoo_app_total(const struct zoo_app *a, struct zoo_counts *out)
{
	struct zoo_counts interval;

	*out = a->past;
	zoo_app_interval(a, &interval);
	zoo_counts_add(out, &interval);
}

void fz_zoo_interval_reset(struct fz_zoo *z)
{
	for (unsigned i = 0; i < z->n_apps; i++) {
		struct zoo_counts interval;

		zoo_app_interval(&z->apps[i], &interval);
		zoo_counts_add(&z->apps[i].past, &interval);
		memset(&z->apps[i].interval, 0, sizeof(z->apps[i].interval));
	}
}

int fz_zoo_app_means(const struct fz_zoo *z, unsigned app, double *size, double *duration,
                     double *rate)
{
	if (app >= z->n_apps)
		return -EINVAL;
	zoo_current_means(z, &z->means[z->conf.per_app ? app : 0], size, duration, rate);
	return 0;
}

void fz_zoo_means(const struct fz_zoo *z, double *size, double *duration, double *rate)
{
	zoo_current_means(z, &z->means[0], size, duration, rate);
}

uint64_t fz_zoo_flows(const struct fz_zoo *z)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < z->n_apps; i++) {
		n += z->apps[i].past.flows;
		for (unsigned k = 0; k < ZOO_COMBOS; k++)
			n += z->apps[i].interval.flows[k];
	}
	return n;
}
