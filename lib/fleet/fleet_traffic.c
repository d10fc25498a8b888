/*
 * Merging the traffic bins of one network from several collectors
 * (docs/fleet.md, "Merged bins" and "Top-N"): figures and applications are
 * sums; the top lists are merged by key. A collector's list is complete when
 * it is exact and shorter than top_n: every key it saw is in it. Keys a
 * collector did not list had at most its list's smallest bytes there (plus
 * its own error), so the merged list is exact when every list was complete
 * and otherwise no entry's bytes is off by more than the sum of those holes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_priv.h"

/* Keys as the appliance orders them: addresses as 16-byte IPv4-mapped values, ports as
 * numbers. */
static void key_bytes(const char *key, unsigned char out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, key, out + 12) == 1)
		out[10] = out[11] = 0xff;
	else if (inet_pton(AF_INET6, key, out) != 1) {
		unsigned long p = strtoul(key, NULL, 10);

		out[14] = (unsigned char)(p >> 8);
		out[15] = (unsigned char)p;
	}
}

static int key_cmp(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	key_bytes(a, x);
	key_bytes(b, y);
	return memcmp(x, y, 16);
}

static int by_key(const void *pa, const void *pb)
{
	return key_cmp(((const struct fz_fleet_top_entry *)pa)->key,
	               ((const struct fz_fleet_top_entry *)pb)->key);
}

static int by_bytes(const void *pa, const void *pb)
{
	const struct fz_fleet_top_entry *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return key_cmp(a->key, b->key);
}

/* Merge list l of the inputs into out->top[l]; the bound on its error in *bound. */
static int merge_list(const struct fz_fleet_traffic *const *in, unsigned n, unsigned top_n,
                      unsigned l, struct fz_fleet_traffic *out, uint64_t *bound, int *exact)
{
	size_t total = 0, m = 0;
	struct fz_fleet_top_entry *all;

	*bound = 0;
	*exact = 1;
	for (unsigned c = 0; c < n; c++) {
		unsigned k = in[c]->n_top[l];

		total += k;
		if (!(in[c]->top_exact && k < top_n)) {
			*exact = 0;
			*bound += (k ? in[c]->top[l][k - 1].bytes : 0) + in[c]->top_error_bytes;
		}
	}
	all = calloc(total + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (unsigned c = 0; c < n; c++)
		if (in[c]->n_top[l])
			memcpy(all + m, in[c]->top[l], in[c]->n_top[l] * sizeof(*all)),
			    m += in[c]->n_top[l];
	qsort(all, m, sizeof(*all), by_key);
	total = 0;
	for (size_t i = 0; i < m; i++) {
		if (total && strcmp(all[total - 1].key, all[i].key) == 0) {
			all[total - 1].packets += all[i].packets;
			all[total - 1].bytes += all[i].bytes;
			all[total - 1].flows += all[i].flows;
		} else {
			all[total++] = all[i];
		}
	}
	qsort(all, total, sizeof(*all), by_bytes);
	out->n_top[l] = (unsigned)(total < top_n ? total : top_n);
	out->top[l] = all;
	return 0;
}

static int add_app(struct fz_fleet_traffic *out, const struct fz_fleet_app *a, unsigned cap)
{
	for (unsigned i = 0; i < out->n_apps; i++)
		if (strcmp(out->apps[i].name, a->name) == 0) {
			out->apps[i].flows += a->flows;
			out->apps[i].packets += a->packets;
			out->apps[i].bytes += a->bytes;
			return 0;
		}
	if (out->n_apps >= cap)
		return -ENOMEM;
	out->apps[out->n_apps++] = *a;
	return 0;
}

int fz_fleet_traffic_merge(const struct fz_fleet_traffic *const *in, unsigned n, unsigned top_n,
                           struct fz_fleet_traffic *out)
{
	unsigned cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0 || top_n == 0)
		return -EINVAL;
	for (unsigned c = 0; c < n; c++) {
		if (strcmp(in[c]->network, in[0]->network) != 0 ||
		    in[c]->bin_start_ms != in[0]->bin_start_ms)
			return -EINVAL;
		cap += in[c]->n_apps;
	}
	strcpy(out->network, in[0]->network);
	out->bin_start_ms = in[0]->bin_start_ms;
	out->bin_end_ms = in[0]->bin_end_ms;
	out->top_exact = 1;
	out->apps = calloc(cap + 1, sizeof(*out->apps));
	if (!out->apps)
		return -ENOMEM;
	for (unsigned c = 0; c < n; c++) {
		const struct fz_fleet_traffic *t = in[c];

		out->packets_in += t->packets_in;
		out->bytes_in += t->bytes_in;
		out->packets_out += t->packets_out;
		out->bytes_out += t->bytes_out;
		out->flows += t->flows;
		out->flows_new += t->flows_new;
		out->partial |= t->partial;
		out->collectors += t->collectors ? t->collectors : 1;
		if (t->bin_end_ms > out->bin_end_ms)
			out->bin_end_ms = t->bin_end_ms;
		for (unsigned a = 0; a < t->n_apps; a++)
			add_app(out, &t->apps[a], cap);
	}
	for (unsigned l = 0; l < FZ_FLEET__LISTS && !rc; l++) {
		uint64_t bound;
		int exact;

		rc = merge_list(in, n, top_n, l, out, &bound, &exact);
		if (!exact)
			out->top_exact = 0;
		if (bound > out->top_error_bytes)
			out->top_error_bytes = bound;
	}
	if (out->top_exact)
		out->top_error_bytes = 0;
	if (rc)
		fz_fleet_traffic_clear(out);
	return rc;
}

static json_t *apps_obj(const struct fz_fleet_traffic *t)
{
	json_t *o = json_object();

	for (unsigned i = 0; o && i < t->n_apps; i++)
		json_object_set_new(o, t->apps[i].name,
		                    json_pack("{sIsIsI}", "flows", (json_int_t)t->apps[i].flows,
		                              "packets", (json_int_t)t->apps[i].packets, "bytes",
		                              (json_int_t)t->apps[i].bytes));
	return o;
}

static json_t *top_obj(const struct fz_fleet_traffic *t)
{
	json_t *o = json_object();

	for (unsigned l = 0; o && l < FZ_FLEET__LISTS; l++) {
		json_t *arr = json_array();

		for (unsigned i = 0; arr && i < t->n_top[l]; i++) {
			const struct fz_fleet_top_entry *e = &t->top[l][i];
			json_t *k = l == FZ_FLEET_DST_PORT ? json_integer(strtol(e->key, NULL, 10))
			                                   : json_string(e->key);

			json_array_append_new(arr, json_pack("{sosIsIsI}", "key", k, "packets",
			                                     (json_int_t)e->packets, "bytes",
			                                     (json_int_t)e->bytes, "flows",
			                                     (json_int_t)e->flows));
		}
		json_object_set_new(o, fz_fleet__list_name(l), arr);
	}
	return o;
}

static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return s;
}

char *fz_fleet_traffic_apps_json(const struct fz_fleet_traffic *t)
{
	return dump(apps_obj(t));
}

char *fz_fleet_traffic_top_json(const struct fz_fleet_traffic *t)
{
	return dump(top_obj(t));
}

char *fz_fleet_traffic_json(const struct fz_fleet_traffic *t)
{
	json_t *o = json_pack(
	    "{sssisssssIsIsIsIsIsIsIsIsosos}", "type", "traffic", "schema_version", 1, "collector",
	    t->collector[0] ? t->collector : "fleet", "network", t->network, "bin_start_ms",
	    (json_int_t)t->bin_start_ms, "bin_end_ms", (json_int_t)t->bin_end_ms, "packets_in",
	    (json_int_t)t->packets_in, "bytes_in", (json_int_t)t->bytes_in, "packets_out",
	    (json_int_t)t->packets_out, "bytes_out", (json_int_t)t->bytes_out, "flows",
	    (json_int_t)t->flows, "flows_new", (json_int_t)t->flows_new, "apps", apps_obj(t), "top",
	    top_obj(t));

	if (!o)
		return NULL;
	json_object_set_new(o, "top_exact", json_boolean(t->top_exact));
	json_object_set_new(o, "top_error_bytes", json_integer((json_int_t)t->top_error_bytes));
	json_object_set_new(o, "partial", json_boolean(t->partial));
	if (!t->collector[0])
		json_object_set_new(o, "collectors", json_integer(t->collectors));
	return dump(o);
}

static int set_from(struct fz_fleet_traffic *t, const char *text, int top)
{
	json_t *o = json_loads(text, 0, NULL);
	int rc;

	if (!o)
		return -EINVAL;
	rc = top ? fz_fleet__top_from(t, o, NULL, 0) : fz_fleet__apps_from(t, o, NULL, 0);
	json_decref(o);
	return rc;
}

int fz_fleet_traffic_set_apps(struct fz_fleet_traffic *t, const char *apps_json)
{
	return set_from(t, apps_json, 0);
}

int fz_fleet_traffic_set_top(struct fz_fleet_traffic *t, const char *top_json)
{
	return set_from(t, top_json, 1);
}
