/*
 * Views of a snapshot made by walking the declarations: the summary object
 * and the status line. (Prometheus and telemetry walk the same tables.)
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "fz_counters.h"

static json_t *value_json(const struct fz_counter_def *def, uint64_t v)
{
	if (def->type == FZ_CT_GAUGE_REAL)
		return json_real(fz_snap_real(v));
	return json_integer((json_int_t)v);
}

/* def's value(s) into obj under its name: a scalar, or an object by label. */
typedef uint64_t (*getter)(const struct fz_counter_snap *snap, unsigned s, unsigned i, unsigned d,
                           unsigned e);

static uint64_t get_total(const struct fz_counter_snap *snap, unsigned s, unsigned i, unsigned d,
                          unsigned e)
{
	(void)i;
	return fz_snap_total(snap, s, d, e);
}

static int put(json_t *obj, const struct fz_counter_snap *snap, unsigned s, unsigned i, unsigned d,
               getter get)
{
	const struct fz_counter_def *def = &fz_snap_set(snap, s)->defs[d];
	json_t *v;

	if (def->n == 1) {
		v = value_json(def, get(snap, s, i, d, 0));
	} else {
		v = json_object();
		for (unsigned e = 0; v && e < def->n; e++)
			json_object_set_new(v, def->label_values[e],
			                    value_json(def, get(snap, s, i, d, e)));
	}
	return v && json_object_set_new(obj, def->name, v) == 0 ? 0 : -ENOMEM;
}

static json_t *instance(const struct fz_counter_snap *snap, unsigned s, unsigned i)
{
	const struct fz_counter_set *set = fz_snap_set(snap, s);
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (set->shape == FZ_SET_LIST) {
		json_object_set_new(o, set->name, json_integer(i));
		if (set->label)
			json_object_set_new(o, "name", json_string(fz_snap_label(snap, s, i)));
	}
	for (unsigned d = 0; d < set->n_defs; d++)
		if ((set->defs[d].flags & FZ_CF_INSTANCE) &&
		    put(o, snap, s, i, d, fz_snap_value) < 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static json_t *instances(const struct fz_counter_snap *snap, unsigned s)
{
	const struct fz_counter_set *set = fz_snap_set(snap, s);
	unsigned n = fz_snap_instances(snap, s);
	json_t *all;

	if (set->shape == FZ_SET_SINGLE)
		return n ? instance(snap, s, 0) : json_object();
	all = set->shape == FZ_SET_KEYED ? json_object() : json_array();
	for (unsigned i = 0; all && i < n; i++) {
		json_t *o = instance(snap, s, i);

		if (o == NULL) {
			json_decref(all);
			return NULL;
		}
		if (set->shape == FZ_SET_KEYED)
			json_object_set_new(all, fz_snap_label(snap, s, i), o);
		else
			json_array_append_new(all, o);
	}
	return all;
}

int fz_counters_summary(const struct fz_counter_snap *snap, json_t *obj, int brief)
{
	json_t *drops = json_object();
	unsigned n_sets = fz_snap_sets(snap);

	if (drops == NULL)
		return -ENOMEM;
	for (unsigned s = 0; s < n_sets; s++) {
		const struct fz_counter_set *set = fz_snap_set(snap, s);

		for (unsigned d = 0; d < set->n_defs; d++) {
			const struct fz_counter_def *def = &set->defs[d];

			if (def->flags & FZ_CF_HIDDEN)
				continue;
			if ((def->flags & FZ_CF_TOTAL) && !(brief && def->n > 1) &&
			    put(obj, snap, s, 0, d, get_total) < 0)
				goto nomem;
			if (!(def->flags & FZ_CF_DROP))
				continue;
			for (unsigned e = 0; e < def->n; e++)
				json_object_set_new(
				    drops, def->n == 1 ? def->name : def->label_values[e],
				    json_integer((json_int_t)fz_snap_total(snap, s, d, e)));
		}
	}
	json_object_set_new(obj, "drops", drops);
	for (unsigned s = 0; s < n_sets; s++) {
		const struct fz_counter_set *set = fz_snap_set(snap, s);
		json_t *list;

		if (set->summary == NULL || (brief && set->shape != FZ_SET_SINGLE))
			continue;
		list = instances(snap, s);
		if (list == NULL)
			return -ENOMEM;
		json_object_set_new(obj, set->summary, list);
	}
	return 0;
nomem:
	json_decref(drops);
	return -ENOMEM;
}

int fz_counters_status_text(const struct fz_counter_snap *snap, char *buf, size_t cap)
{
	size_t len = 0;
	uint64_t not_counted = 0;
	int n;

	if (cap)
		buf[0] = '\0';
	for (unsigned s = 0; s < fz_snap_sets(snap); s++) {
		const struct fz_counter_set *set = fz_snap_set(snap, s);

		for (unsigned d = 0; d < set->n_defs; d++) {
			const struct fz_counter_def *def = &set->defs[d];

			for (unsigned e = 0; e < def->n; e++) {
				uint64_t v = fz_snap_total(snap, s, d, e);

				if (def->flags & FZ_CF_NOTCOUNT)
					not_counted += v;
				if (!(def->flags & FZ_CF_STATUS) || len >= cap)
					continue;
				n = snprintf(buf + len, cap - len, "%s%s %llu", len ? " " : "",
				             def->n == 1 ? def->name : def->label_values[e],
				             (unsigned long long)v);
				len += n > 0 ? (size_t)n : 0;
			}
		}
	}
	if (len < cap) {
		n = snprintf(buf + len, cap - len, "%snot_counted %llu", len ? " " : "",
		             (unsigned long long)not_counted);
		len += n > 0 ? (size_t)n : 0;
	}
	return (int)(len < cap ? len : (cap ? cap - 1 : 0));
}
