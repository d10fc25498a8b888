/*
 * Every attack alert's life (docs/alerts.md): an observation above the
 * threshold starts an alert or, while it is on, extends it (one update per
 * update period at most); an alert ends when its quiet time has passed
 * without one (volume, syn_flood: --attack-end; scans: --scan-window). A
 * start within the suppression time after the end of the same key's last
 * written alert is suppressed: counted, kept on silently, ended silently.
 * Ended alerts are remembered until their suppression time is over.
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

struct alert_val {
	struct fz_attack_event ev; /* the last observation's figures; pointers unused */
	uint64_t last_ms;          /* the end of the last second above, or the last attempt */
	uint64_t last_update_ms;
	uint64_t end_written_ms; /* the end of the last alert written (has_end) */
	uint8_t active;          /* 0: off; 1: on; 2: on, suppressed */
	uint8_t has_end;
	uint8_t pad[2];
	uint32_t n_src;
	struct fz_attack_source src[FZ_DETECT_SOURCES];
	uint8_t sample[FZ_DETECT_SAMPLE][16];
	uint16_t ports[FZ_DETECT_SAMPLE];
	uint32_t n_sample;
	uint32_t pad2;
};

size_t alert_val_size(void)
{
	return sizeof(struct alert_val);
}

/* Space-Saving over the sources: a new source takes the place of the smallest. */
static void add_source(struct alert_val *v, const struct fz_attack_source *s)
{
	unsigned min = 0;

	for (unsigned i = 0; i < v->n_src; i++) {
		if (memcmp(v->src[i].addr, s->addr, 16) == 0) {
			v->src[i].lead += s->lead;
			return;
		}
		if (v->src[i].lead < v->src[min].lead)
			min = i;
	}
	if (v->n_src < FZ_DETECT_SOURCES) {
		v->src[v->n_src++] = *s;
		return;
	}
	if (s->lead > 0) {
		uint64_t lead = v->src[min].lead + s->lead;

		v->src[min] = *s;
		v->src[min].lead = lead;
	}
}

static int by_lead(const void *a, const void *b)
{
	const struct fz_attack_source *x = a, *y = b;

	if (x->lead != y->lead)
		return x->lead > y->lead ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static void emit(struct fz_detect *d, struct alert_val *v, enum fz_attack_state st,
                 uint64_t time_ms)
{
	struct fz_attack_event ev = v->ev;
	struct fz_attack_source src[FZ_DETECT_SOURCES];

	memcpy(src, v->src, sizeof(src));
	qsort(src, v->n_src, sizeof(src[0]), by_lead);
	ev.state = st;
	ev.time_ms = time_ms;
	ev.end_ms = st == FZ_ATTACK_END ? v->last_ms : 0;
	ev.sources = src;
	ev.n_sources = v->n_src;
	ev.sample = (const uint8_t(*)[16])v->sample;
	ev.ports = v->ports;
	ev.n_sample = v->n_sample;
	if (st == FZ_ATTACK_END)
		ev.value = ev.peak;
	d->conf.event(d->conf.event_arg, &ev);
}

/* Take the observation's figures; keep the alert's start and peak. */
static void observe(struct alert_val *v, const struct alert_obs *o)
{
	uint64_t start = v->ev.start_ms;
	double peak = v->ev.peak;

	v->ev = *o->ev;
	v->ev.start_ms = start;
	v->ev.peak = o->ev->value > peak ? o->ev->value : peak;
	if (o->last_ms > v->last_ms)
		v->last_ms = o->last_ms;
	for (unsigned i = 0; i < o->n_sources; i++)
		add_source(v, &o->sources[i]);
	if (o->ev->n_sample) {
		v->n_sample = o->ev->n_sample;
		for (unsigned i = 0; i < o->ev->n_sample; i++) {
			if (o->ev->sample)
				memcpy(v->sample[i], o->ev->sample[i], 16);
			if (o->ev->ports)
				v->ports[i] = o->ev->ports[i];
		}
	}
}

void alert_above(struct fz_detect *d, const struct alert_key *k, struct alert_obs *o)
{
	struct attack_counters *c = &d->ac[k->attack];
	struct alert_val *v;
	int created;

	v = keymap_get(&d->alerts, k, &created);
	if (v == NULL) {
		d->mc.alerts_full++;
		return;
	}
	if (v->active) {
		observe(v, o);
		if (v->active == 1 && o->time_ms >= v->last_update_ms + d->conf.update_ms) {
			v->last_update_ms = o->time_ms;
			c->updates++;
			emit(d, v, FZ_ATTACK_UPDATE, o->time_ms);
		}
		return;
	}
	v->n_src = 0;
	v->n_sample = 0;
	v->last_ms = 0;
	v->ev.peak = 0;
	v->ev.start_ms = o->start_ms;
	observe(v, o);
	v->last_update_ms = o->time_ms;
	d->active++;
	if (v->has_end && o->start_ms < v->end_written_ms + d->conf.suppress_ms) {
		v->active = 2;
		c->suppressed++;
		return;
	}
	v->active = 1;
	c->started++;
	c->active++;
	emit(d, v, FZ_ATTACK_START, o->time_ms);
}

static uint64_t quiet_ms(const struct fz_detect *d, const struct alert_val *v)
{
	if (v->ev.attack == FZ_ATTACK_PORT_SCAN || v->ev.attack == FZ_ATTACK_ADDRESS_SCAN)
		return d->conf.scan_window_ms;
	return d->end_s * 1000;
}

static int by_time(const void *a, const void *b)
{
	const struct alert_ending *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

void alert_expire(struct fz_detect *d, uint64_t now_ms)
{
	struct alert_ending *end = d->ending;
	unsigned n = 0;

	if (d->alerts.n == 0)
		return;
	for (uint32_t i = 0; d->active && i <= d->alerts.mask; i++) {
		struct alert_val *v = keymap_slot_val(&d->alerts, i);

		if (keymap_slot_key(&d->alerts, i) && v->active &&
		    v->last_ms + quiet_ms(d, v) <= now_ms && n < d->active)
			end[n++] = (struct alert_ending){v->last_ms + quiet_ms(d, v), i};
	}
	/* In the order they ended (then by slot), whatever the table's order. */
	if (n > 1)
		qsort(end, n, sizeof(*end), by_time);
	for (unsigned j = 0; j < n; j++) {
		struct alert_val *v = keymap_slot_val(&d->alerts, end[j].slot);
		struct attack_counters *c = &d->ac[v->ev.attack];

		if (v->active == 1) {
			c->ended++;
			c->active--;
			v->has_end = 1;
			v->end_written_ms = v->last_ms;
			emit(d, v, FZ_ATTACK_END, end[j].time_ms);
		}
		v->active = 0;
		d->active--;
	}
	/* Forget what can no longer suppress anything. */
	for (uint32_t i = 0; d->alerts.n > d->active && i <= d->alerts.mask; i++) {
		struct alert_val *v = keymap_slot_val(&d->alerts, i);

		while (keymap_slot_key(&d->alerts, i) && !v->active &&
		       (!v->has_end || now_ms >= v->end_written_ms + d->conf.suppress_ms))
			keymap_remove_slot(&d->alerts, i);
	}
}
