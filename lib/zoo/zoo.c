/*
 * The zoo's state: options, creation, the per-application counters over
 * intervals, the means as read (classification is zoo_classify.c).
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

void zoo_app_counts(const struct zoo_app *a, struct zoo_counts *interval, struct zoo_counts *total)
{
	zoo_app_interval(a, interval);
	*total = a->past;
	zoo_counts_add(total, interval);
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

	/* Every flow classified entered one mean state: the counters may be a
	 * lane's to write meanwhile, the means are the stats lcore's. */
	for (unsigned i = 0; i < z->n_means; i++)
		n += z->means[i].n;
	return n;
}
