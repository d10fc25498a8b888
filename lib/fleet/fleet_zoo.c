/*
 * The zoo stats of many appliances merged by the rules of docs/zoo.md
 * ("Merging the stats of many appliances"): integers are added in 128 bits,
 * applications matched by name, shares and cumulative means recomputed from
 * the sums; rate sums are added with Neumaier's compensation. EWMA means
 * cannot be merged and are not written.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_priv.h"

static const char *const class_names[FZ_FLEET_CLASSES] = {
    "elephant", "mouse", "tortoise", "dragonfly", "cheetah", "snail", "rate_null"};

json_t *fz_fleet__u128_json(fz_u128 v)
{
	char buf[48], *p = buf + sizeof(buf) - 1;

	if (v <= (fz_u128)INT64_MAX)
		return json_integer((json_int_t)v);
	*p = 0;
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	return json_string(p);
}

static int counts_from(const json_t *o, struct fz_fleet_counts *c)
{
	const json_t *cl = json_object_get(o, "classes");

	if (!json_is_object(o) || !json_is_object(cl) ||
	    fz_fleet__u64(o, "flows", &c->flows, 0, 0) ||
	    fz_fleet__u64(o, "packets", &c->packets, 0, 0) ||
	    fz_fleet_u128(json_object_get(o, "bytes"), &c->bytes) ||
	    fz_fleet_u128(json_object_get(o, "duration_sum_us"), &c->duration_sum_us))
		return -EINVAL;
	for (unsigned i = 0; i < FZ_FLEET_CLASSES; i++) {
		const json_t *e = json_object_get(cl, class_names[i]);

		if (!json_is_object(e) || fz_fleet__u64(e, "flows", &c->class_flows[i], 0, 0) ||
		    fz_fleet_u128(json_object_get(e, "bytes"), &c->class_bytes[i]))
			return -EINVAL;
	}
	return 0;
}

static int means_from(const json_t *o, struct fz_fleet_means *m)
{
	const json_t *rs = json_object_get(o, "rate_sum");

	if (!json_is_object(o) || fz_fleet_u128(json_object_get(o, "size_sum"), &m->size_sum) ||
	    fz_fleet_u128(json_object_get(o, "duration_sum_us"), &m->duration_sum_us) ||
	    fz_fleet__u64(o, "size_n", &m->size_n, 0, 0) ||
	    fz_fleet__u64(o, "duration_n", &m->duration_n, 0, 0) ||
	    fz_fleet__u64(o, "rate_n", &m->rate_n, 0, 0) || !json_is_number(rs) ||
	    !isfinite(json_number_value(rs)))
		return -EINVAL;
	m->rate_sum = json_number_value(rs);
	m->rate_c = 0;
	return 0;
}

void fz_fleet_zoo_clear(struct fz_fleet_zoo *z)
{
	free(z->apps);
	memset(z, 0, sizeof(*z));
}

static int zoo_from(const json_t *o, struct fz_fleet_zoo *z, char *why, size_t cap)
{
	const json_t *apps = json_object_get(o, "apps"), *a, *means = json_object_get(o, "means");
	int app_scope;
	size_t i;

	if (fz_fleet__str(o, "collector", z->collector, sizeof(z->collector), 0, why, cap) ||
	    fz_fleet__u64(o, "interval_start_ms", &z->interval_start_ms, why, cap) ||
	    fz_fleet__u64(o, "interval_end_ms", &z->interval_end_ms, why, cap))
		return -EINVAL;
	if (counts_from(json_object_get(o, "interval"), &z->interval) ||
	    counts_from(json_object_get(o, "total"), &z->total))
		return fz_fleet__why(why, cap, "'interval' or 'total' is not a counts object");
	app_scope = json_is_null(means);
	if (!app_scope && means_from(means, &z->means))
		return fz_fleet__why(why, cap, "'means' is not a means object");
	if (!json_is_array(apps) || json_array_size(apps) > 4096)
		return fz_fleet__why(why, cap, "'apps' is not an array");
	z->apps = calloc(json_array_size(apps) + 1, sizeof(*z->apps));
	if (!z->apps)
		return -ENOMEM;
	json_array_foreach(apps, i, a)
	{
		struct fz_fleet_zoo_app *za = &z->apps[i];

		if (!json_is_object(a) ||
		    fz_fleet__str(a, "app", za->name, sizeof(za->name), 0, NULL, 0) ||
		    counts_from(json_object_get(a, "interval"), &za->interval) ||
		    counts_from(json_object_get(a, "total"), &za->total) ||
		    (app_scope && means_from(json_object_get(a, "means"), &za->means)))
			return fz_fleet__why(why, cap, "'apps[%zu]' is malformed", i);
		za->has_means = app_scope;
		z->n_apps++;
	}
	return 0;
}

static void means_add(struct fz_fleet_means *acc, const struct fz_fleet_means *m)
{
	double vals[2] = {m->rate_sum, m->rate_c};

	acc->size_sum += m->size_sum;
	acc->duration_sum_us += m->duration_sum_us;
	acc->size_n += m->size_n;
	acc->duration_n += m->duration_n;
	acc->rate_n += m->rate_n;
	for (unsigned i = 0; i < 2; i++) {
		double t = acc->rate_sum + vals[i];

		if (fabs(acc->rate_sum) >= fabs(vals[i]))
			acc->rate_c += (acc->rate_sum - t) + vals[i];
		else
			acc->rate_c += (vals[i] - t) + acc->rate_sum;
		acc->rate_sum = t;
	}
}

int fz_fleet_zoo_parse(const char *buf, size_t len, struct fz_fleet_zoo *z, char *why, size_t cap)
{
	json_t *o;
	int rc;

	memset(z, 0, sizeof(*z));
	o = fz_fleet__load(buf, len, "stats", why, cap);
	if (!o)
		return -EINVAL;
	rc = zoo_from(o, z, why, cap);
	/* The global means of an app-scope record are the sums of the applications' (rule 4). */
	if (!rc && json_is_null(json_object_get(o, "means")))
		for (unsigned k = 0; k < z->n_apps; k++)
			means_add(&z->means, &z->apps[k].means);
	z->collectors = 1;
	json_decref(o);
	return rc;
}

static void counts_add(struct fz_fleet_counts *acc, const struct fz_fleet_counts *c)
{
	acc->flows += c->flows;
	acc->packets += c->packets;
	acc->bytes += c->bytes;
	acc->duration_sum_us += c->duration_sum_us;
	for (unsigned i = 0; i < FZ_FLEET_CLASSES; i++) {
		acc->class_flows[i] += c->class_flows[i];
		acc->class_bytes[i] += c->class_bytes[i];
	}
}

int fz_fleet_zoo_add(struct fz_fleet_zoo *acc, const struct fz_fleet_zoo *z)
{
	if (!acc->collectors || z->interval_start_ms < acc->interval_start_ms)
		acc->interval_start_ms = z->interval_start_ms;
	if (z->interval_end_ms > acc->interval_end_ms)
		acc->interval_end_ms = z->interval_end_ms;
	acc->collectors += z->collectors;
	counts_add(&acc->interval, &z->interval);
	counts_add(&acc->total, &z->total);
	means_add(&acc->means, &z->means);
	for (unsigned k = 0; k < z->n_apps; k++) {
		const struct fz_fleet_zoo_app *za = &z->apps[k];
		unsigned j;

		for (j = 0; j < acc->n_apps && strcmp(acc->apps[j].name, za->name) != 0; j++)
			;
		if (j == acc->n_apps) {
			struct fz_fleet_zoo_app *n =
			    realloc(acc->apps, (acc->n_apps + 1) * sizeof(*n));

			if (!n)
				return -ENOMEM;
			acc->apps = n;
			memset(&n[j], 0, sizeof(n[j]));
			strcpy(n[j].name, za->name);
			acc->n_apps++;
		}
		counts_add(&acc->apps[j].interval, &za->interval);
		counts_add(&acc->apps[j].total, &za->total);
		if (za->has_means) {
			means_add(&acc->apps[j].means, &za->means);
			acc->apps[j].has_means = 1;
		}
	}
	return 0;
}

static json_t *share(fz_u128 part, fz_u128 whole)
{
	return whole ? json_real((double)part / (double)whole) : json_null();
}

static json_t *counts_json(const struct fz_fleet_counts *c)
{
	json_t *cl = json_object();

	for (unsigned i = 0; i < FZ_FLEET_CLASSES; i++)
		json_object_set_new(cl, class_names[i],
		                    json_pack("{sIsososo}", "flows", (json_int_t)c->class_flows[i],
		                              "bytes", fz_fleet__u128_json(c->class_bytes[i]),
		                              "flow_share", share(c->class_flows[i], c->flows),
		                              "byte_share", share(c->class_bytes[i], c->bytes)));
	return json_pack("{sIsIsososo}", "flows", (json_int_t)c->flows, "packets",
	                 (json_int_t)c->packets, "bytes", fz_fleet__u128_json(c->bytes),
	                 "duration_sum_us", fz_fleet__u128_json(c->duration_sum_us), "classes", cl);
}

static json_t *means_json(const struct fz_fleet_means *m)
{
	double rs = m->rate_sum + m->rate_c;

	return json_pack(
	    "{sosososososIsIsfsI}", "size_mean",
	    m->size_n ? json_real((double)m->size_sum / (double)m->size_n) : json_null(),
	    "duration_mean",
	    m->duration_n ? json_real((double)m->duration_sum_us / (double)m->duration_n / 1e6)
	                  : json_null(),
	    "rate_mean", m->rate_n ? json_real(rs / (double)m->rate_n) : json_null(), "size_sum",
	    fz_fleet__u128_json(m->size_sum), "duration_sum_us",
	    fz_fleet__u128_json(m->duration_sum_us), "size_n", (json_int_t)m->size_n, "duration_n",
	    (json_int_t)m->duration_n, "rate_sum", rs, "rate_n", (json_int_t)m->rate_n);
}

char *fz_fleet_zoo_json(const struct fz_fleet_zoo *z)
{
	json_t *apps = json_array(), *o;
	char *s;

	for (unsigned k = 0; apps && k < z->n_apps; k++) {
		const struct fz_fleet_zoo_app *a = &z->apps[k];
		json_t *e = json_pack("{sssoso}", "app", a->name, "interval",
		                      counts_json(&a->interval), "total", counts_json(&a->total));

		if (e && a->has_means)
			json_object_set_new(e, "means", means_json(&a->means));
		json_array_append_new(apps, e);
	}
	o = json_pack("{sssisIsIsIsosososo}", "type", "fleet_stats", "schema_version", 1,
	              "collectors", (json_int_t)z->collectors, "interval_start_ms",
	              (json_int_t)z->interval_start_ms, "interval_end_ms",
	              (json_int_t)z->interval_end_ms, "means", means_json(&z->means), "interval",
	              counts_json(&z->interval), "total", counts_json(&z->total), "apps", apps);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(o);
	return s;
}
