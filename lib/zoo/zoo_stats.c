/*
 * The "type":"stats" record and the terminal table. Both run once per stats
 * interval, so building a fresh jansson tree each time is fine here (unlike
 * the per-flow record encoder, which reuses one object).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "zoo_priv.h"

/* Decimal text of a 128-bit value; buf needs 40 bytes. */
static const char *u128_str(zoo_u128 v, char buf[40])
{
	char *p = buf + 39;

	*p = '\0';
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	return p;
}

/*
 * A sum as JSON: an integer while it fits jansson's int64, else its decimal
 * text, so that it stays exact (2^63 bytes is 230 years at 10 Gb/s).
 */
static json_t *u128_json(zoo_u128 v)
{
	char buf[40];

	if (v <= (zoo_u128)INT64_MAX)
		return json_integer((json_int_t)v);
	return json_string(u128_str(v, buf));
}

static json_t *share_json(zoo_u128 part, zoo_u128 whole)
{
	return whole ? json_real((double)part / (double)whole) : json_null();
}

/*
 * Set obj[key] = value, remembering a failure in *ok; jansson steals value
 * even when it fails, and accepts a NULL value as an error.
 */
static void put(json_t *obj, const char *key, json_t *value, int *ok)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0)
		*ok = 0;
}

static json_t *means_json(const struct fz_zoo *z, const struct zoo_means *m, int *ok)
{
	json_t *o = json_object();
	double size, duration, rate;

	if (o == NULL) {
		*ok = 0;
		return NULL;
	}
	zoo_current_means(z, m, &size, &duration, &rate);
	put(o, "size_mean", json_real(size), ok);
	put(o, "duration_mean", json_real(duration), ok);
	put(o, "rate_mean", json_real(rate), ok);
	put(o, "size_sum", u128_json(m->size_sum), ok);
	put(o, "size_n", json_integer((json_int_t)m->n), ok);
	put(o, "duration_sum_us", u128_json(m->dur_sum_us), ok);
	put(o, "duration_n", json_integer((json_int_t)m->n), ok);
	put(o, "rate_sum", json_real(zoo_ksum_value(&m->rate_sum)), ok);
	put(o, "rate_n", json_integer((json_int_t)m->rate_n), ok);
	return o;
}

static json_t *counts_json(const struct zoo_counts *c, int *ok)
{
	json_t *o = json_object(), *classes = json_object();

	if (o == NULL || classes == NULL) {
		json_decref(o);
		json_decref(classes);
		*ok = 0;
		return NULL;
	}
	put(o, "flows", json_integer((json_int_t)c->flows), ok);
	put(o, "packets", json_integer((json_int_t)c->packets), ok);
	put(o, "bytes", u128_json(c->bytes), ok);
	put(o, "duration_sum_us", u128_json(c->dur_sum_us), ok);
	for (int i = 0; i < ZOO__CLASSES; i++) {
		json_t *k = json_object();

		if (k == NULL) {
			*ok = 0;
			break;
		}
		put(k, "flows", json_integer((json_int_t)c->cls_flows[i]), ok);
		put(k, "bytes", u128_json(c->cls_bytes[i]), ok);
		put(k, "flow_share", share_json(c->cls_flows[i], c->flows), ok);
		put(k, "byte_share", share_json(c->cls_bytes[i], c->bytes), ok);
		put(classes, zoo_class_names[i], k, ok);
	}
	put(o, "classes", classes, ok);
	return o;
}

static json_t *stats_object(const struct fz_zoo *z, const char *collector, uint64_t start_ms,
                            uint64_t end_ms)
{
	json_t *o = json_object(), *apps = json_array();
	struct zoo_counts all_interval, all_total;
	int ok = 1;

	if (o == NULL || apps == NULL) {
		json_decref(o);
		json_decref(apps);
		return NULL;
	}
	memset(&all_interval, 0, sizeof(all_interval));
	memset(&all_total, 0, sizeof(all_total));
	put(o, "type", json_string("stats"), &ok);
	put(o, "schema_version", json_integer(FZ_SCHEMA_VERSION), &ok);
	put(o, "collector", json_string(collector ? collector : ""), &ok);
	put(o, "interval_start_ms", json_integer((json_int_t)start_ms), &ok);
	put(o, "interval_end_ms", json_integer((json_int_t)end_ms), &ok);
	put(o, "zoo_mean", json_string(z->conf.mean == FZ_ZOO_EWMA ? "ewma" : "cumulative"), &ok);
	put(o, "zoo_alpha", z->conf.mean == FZ_ZOO_EWMA ? json_real(z->conf.alpha) : json_null(),
	    &ok);
	put(o, "zoo_scope", json_string(z->conf.per_app ? "app" : "global"), &ok);
	put(o, "means", z->conf.per_app ? json_null() : means_json(z, &z->means[0], &ok), &ok);
	for (unsigned i = 0; i < z->n_apps; i++) {
		const struct zoo_app *a = &z->apps[i];
		json_t *e = json_object();
		struct zoo_counts interval, total;

		if (e == NULL || json_array_append_new(apps, e) != 0) {
			ok = 0;
			break;
		}
		put(e, "app", json_string(a->name), &ok);
		if (z->conf.per_app)
			put(e, "means", means_json(z, &z->means[i], &ok), &ok);
		zoo_app_counts(a, &interval, &total);
		put(e, "interval", counts_json(&interval, &ok), &ok);
		put(e, "total", counts_json(&total, &ok), &ok);
		zoo_counts_add(&all_interval, &interval);
		zoo_counts_add(&all_total, &total);
	}
	put(o, "interval", counts_json(&all_interval, &ok), &ok);
	put(o, "total", counts_json(&all_total, &ok), &ok);
	put(o, "app_out_of_range", json_integer((json_int_t)z->app_out_of_range), &ok);
	put(o, "apps", apps, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int fz_zoo_stats_json(struct fz_zoo *z, const char *collector, uint64_t start_ms, uint64_t end_ms,
                      char *buf, size_t cap)
{
	json_t *o = stats_object(z, collector, start_ms, end_ms);
	size_t n;

	if (o == NULL)
		return -ENOMEM;
	/* 17 digits: every double reads back as itself, so merged means are exact. */
	n = json_dumpb(o, buf, cap, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	if (n == 0)
		return -ENOMEM;
	if (n >= cap || n > (size_t)INT32_MAX)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

/* snprintf at *pos that never moves *pos past cap - 1 (output is truncated). */
static void appendf(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos + 1 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos = (size_t)n < cap - *pos ? *pos + (size_t)n : cap - 1;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void table_line(char *buf, size_t cap, size_t *pos, const char *name,
                       const struct zoo_counts *c)
{
	char bytes[40];

	appendf(buf, cap, pos, "%-16.16s %12llu %7.1f %7.1f %7.1f %16s\n", name,
	        (unsigned long long)c->flows, pct(c->cls_flows[ZOO_ELEPHANT], c->flows),
	        pct(c->cls_flows[ZOO_TORTOISE], c->flows), pct(c->cls_flows[ZOO_CHEETAH], c->flows),
	        u128_str(c->bytes, bytes));
}

int fz_zoo_table_text(const struct fz_zoo *z, char *buf, size_t cap)
{
	struct zoo_counts all;
	size_t pos = 0;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	memset(&all, 0, sizeof(all));
	appendf(buf, cap, &pos, "%-16s %12s %7s %7s %7s %16s\n", "app", "flows", "eleph%", "tort%",
	        "cheet%", "bytes");
	for (unsigned i = 0; i < z->n_apps; i++) {
		struct zoo_counts interval, total;

		zoo_app_counts(&z->apps[i], &interval, &total);
		if (total.flows == 0)
			continue;
		table_line(buf, cap, &pos, z->apps[i].name, &total);
		zoo_counts_add(&all, &total);
	}
	table_line(buf, cap, &pos, "all", &all);
	return (int)pos;
}
