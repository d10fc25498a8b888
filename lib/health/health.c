/* Health checks on the watched counters (see fz_health.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_health.h"

#define MAX_WATCHED 64

struct seen {
	const struct fz_counter_def *def; /* the declaration, which identifies the counter */
	uint64_t value;
};

struct fz_health {
	char *collector;
	struct seen seen[MAX_WATCHED];
	unsigned n_seen;
	uint64_t alerts;
};

/* What an alert record says. */
struct alert {
	const char *collector;
	const struct fz_counter_watch *w;
	const char *counter;
	uint64_t time_ms, delta, total;
};

struct fz_health *fz_health_create(const char *collector)
{
	struct fz_health *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->collector = strdup(collector ? collector : "");
	if (h->collector == NULL) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

void fz_health_free(struct fz_health *h)
{
	if (h == NULL)
		return;
	free(h->collector);
	free(h);
}

uint64_t fz_health_alerts(const struct fz_health *h)
{
	return h->alerts;
}

static struct seen *seen_of(struct fz_health *h, const struct fz_counter_def *def)
{
	for (unsigned i = 0; i < h->n_seen; i++)
		if (h->seen[i].def == def)
			return &h->seen[i];
	if (h->n_seen == MAX_WATCHED)
		return NULL;
	h->seen[h->n_seen].def = def;
	h->seen[h->n_seen].value = 0;
	return &h->seen[h->n_seen++];
}

static int encode(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct alert *a = it->body;
	json_t *o;
	int n;

	(void)arg;
	o = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:s}", "type", "alert",
	              "schema_version", FZ_SCHEMA_VERSION, "collector", a->collector, "time_ms",
	              (json_int_t)a->time_ms, "alert", a->w->alert, "severity", a->w->severity,
	              "counter", a->counter, "delta", (json_int_t)a->delta, "total",
	              (json_int_t)a->total, "message", a->w->message);
	n = fz_item_dump_json(o, buf, cap);
	json_decref(o);
	return n;
}

void fz_health_rebase(struct fz_health *h, const struct fz_counter_snap *snap, const char *set)
{
	for (unsigned s = 0; s < fz_snap_sets(snap); s++) {
		const struct fz_counter_set *cs = fz_snap_set(snap, s);

		if (strcmp(cs->name, set) != 0)
			continue;
		for (unsigned d = 0; d < cs->n_defs; d++) {
			const struct fz_counter_def *def = &cs->defs[d];
			struct seen *seen = def->watch ? seen_of(h, def) : NULL;

			if (seen)
				seen->value =
				    fz_snap_total(snap, s, d, def->n > 1 ? def->watch->elem : 0);
		}
	}
}

unsigned fz_health_check(struct fz_health *h, const struct fz_counter_snap *snap, uint64_t time_ms,
                         void (*emit)(void *arg, struct fz_item *it), void *emit_arg,
                         void (*log)(void *arg, const char *line), void *log_arg)
{
	unsigned raised = 0;

	for (unsigned s = 0; s < fz_snap_sets(snap); s++) {
		const struct fz_counter_set *set = fz_snap_set(snap, s);

		for (unsigned d = 0; d < set->n_defs; d++) {
			const struct fz_counter_def *def = &set->defs[d];
			const struct fz_counter_watch *w = def->watch;
			struct seen *seen;
			struct alert a;
			struct fz_item it;
			uint64_t now;

			if (w == NULL || (seen = seen_of(h, def)) == NULL)
				continue;
			now = fz_snap_total(snap, s, d, def->n > 1 ? w->elem : 0);
			if (now <= seen->value)
				continue;
			a = (struct alert){h->collector,
			                   w,
			                   def->n > 1 ? def->label_values[w->elem] : def->name,
			                   time_ms,
			                   now - seen->value,
			                   now};
			seen->value = now;
			h->alerts++;
			raised++;
			if (log) {
				char line[512];

				snprintf(line, sizeof(line),
				         "alert %s (%s): %s: +%llu, %llu in all", w->alert,
				         w->severity, w->message, (unsigned long long)a.delta,
				         (unsigned long long)now);
				log(log_arg, line);
			}
			memset(&it, 0, sizeof(it));
			it.kind = FZ_ITEM_ALERT;
			it.stream = "alerts";
			it.key = w->alert;
			it.key_len = strlen(w->alert);
			it.body = &a;
			it.encode = encode;
			emit(emit_arg, &it);
		}
	}
	return raised;
}
