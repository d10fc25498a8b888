/*
 * The health verdict's loss part: which loss counters grew between two
 * snapshots. A loss counter is a declaration whose watch has severity
 * "error" (records or packets were lost), the same ones that decide the
 * exit status; warnings (a full flow table) are not a failure.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "fz_metrics.h"

static int is_loss(const struct fz_counter_def *def)
{
	return def->watch && def->watch->severity && strcmp(def->watch->severity, "error") == 0;
}

/* The index of set in snap, or -1. */
static int set_index(const struct fz_counter_snap *snap, const struct fz_counter_set *set)
{
	for (unsigned s = 0; s < fz_snap_sets(snap); s++)
		if (fz_snap_set(snap, s) == set)
			return (int)s;
	return -1;
}

int fz_metrics_losses(const struct fz_counter_snap *prev, const struct fz_counter_snap *now,
                      json_t *reasons)
{
	int grew = 0;

	for (unsigned s = 0; s < fz_snap_sets(now); s++) {
		const struct fz_counter_set *set = fz_snap_set(now, s);
		int ps = prev ? set_index(prev, set) : -1;

		for (unsigned d = 0; d < set->n_defs; d++) {
			const struct fz_counter_def *def = &set->defs[d];
			unsigned e;
			uint64_t before, after;
			json_t *r;

			if (!is_loss(def))
				continue;
			e = def->n > 1 ? def->watch->elem : 0;
			after = fz_snap_total(now, s, d, e);
			before = ps >= 0 ? fz_snap_total(prev, (unsigned)ps, d, e) : 0;
			if (after <= before)
				continue;
			r = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "reason", def->watch->alert,
			              "counter", def->n > 1 ? def->label_values[e] : def->name,
			              "set", set->name, "delta", (json_int_t)(after - before),
			              "total", (json_int_t)after, "message", def->watch->message);
			if (r == NULL || json_array_append_new(reasons, r) != 0)
				return -ENOMEM;
			grew++;
		}
	}
	return grew;
}
