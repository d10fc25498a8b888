/*
 * Scans (docs/alerts.md): a finished TCP flow whose initiator sent a SYN and
 * whose responder never answered with a SYN-ACK (a refused or unanswered
 * connection attempt) is an attempt of its initiator (the scanner) on the
 * responder's host and port. Two trackers per attempt: (scanner, host) lists
 * the distinct ports, (scanner, port) the distinct hosts, each with the time
 * of its last attempt; entries older than the window drop out. A tracker
 * that reaches the threshold is an observation above it. Trackers are
 * bounded (--scan-keys); when the table is full, trackers idle for longer
 * than the window are forgotten first, else the attempt is counted and
 * dropped. A tracker lists at most CAP elements (scan_capped counts more).
 */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

#define CAP 1024

struct scan_key {
	uint8_t attack; /* FZ_ATTACK_PORT_SCAN or FZ_ATTACK_ADDRESS_SCAN */
	uint8_t proto;
	uint16_t port; /* address_scan */
	uint32_t pad;
	uint64_t scanner[2];
	uint64_t host[2]; /* port_scan */
};

struct elem {
	uint64_t what[2]; /* a port (what[0]) or a host */
	uint64_t t_ms;
};

struct scan_val {
	struct elem *e;
	uint32_t n, cap;
	uint64_t last_ms;
	uint16_t net;
	uint8_t ip_version;
	uint8_t pad[5];
};

int scan_init(struct fz_detect *d)
{
	return keymap_init(&d->scans, d->conf.scan_keys, sizeof(struct scan_key),
	                   sizeof(struct scan_val));
}

void scan_destroy(struct fz_detect *d)
{
	if (d->scans.slots)
		for (uint32_t i = 0; i <= d->scans.mask; i++)
			if (keymap_slot_key(&d->scans, i))
				free(((struct scan_val *)keymap_slot_val(&d->scans, i))->e);
	keymap_destroy(&d->scans);
}

/* Forget trackers without an attempt in the window before now_ms. */
static void sweep(struct fz_detect *d, uint64_t now_ms)
{
	for (uint32_t i = 0; i <= d->scans.mask; i++) {
		struct scan_val *v = keymap_slot_val(&d->scans, i);

		while (keymap_slot_key(&d->scans, i) &&
		       v->last_ms + d->conf.scan_window_ms < now_ms) {
			free(v->e);
			keymap_remove_slot(&d->scans, i);
		}
	}
}

static struct scan_val *tracker(struct fz_detect *d, const struct scan_key *k, uint64_t t_ms)
{
	struct scan_val *v;
	int created;

	v = keymap_get(&d->scans, k, &created);
	if (v == NULL) {
		sweep(d, t_ms);
		v = keymap_get(&d->scans, k, &created);
	}
	if (v == NULL)
		d->mc.scan_full++;
	return v;
}

/* Add one attempt's element; drop those older than the window. 0, or -1 on ENOMEM. */
static int add(struct fz_detect *d, struct scan_val *v, const uint64_t what[2], uint64_t t_ms)
{
	uint32_t n = 0;
	int found = 0;

	for (uint32_t i = 0; i < v->n; i++) {
		if (v->e[i].t_ms + d->conf.scan_window_ms < t_ms)
			continue;
		if (v->e[i].what[0] == what[0] && v->e[i].what[1] == what[1]) {
			if (t_ms > v->e[i].t_ms)
				v->e[i].t_ms = t_ms;
			found = 1;
		}
		v->e[n++] = v->e[i];
	}
	v->n = n;
	if (t_ms > v->last_ms)
		v->last_ms = t_ms;
	if (found)
		return 0;
	if (v->n == CAP) {
		d->mc.scan_capped++;
		return 0;
	}
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 8;
		struct elem *e = realloc(v->e, cap * sizeof(*e));

		if (e == NULL)
			return -1;
		v->e = e;
		v->cap = cap;
	}
	v->e[v->n++] = (struct elem){{what[0], what[1]}, t_ms};
	return 0;
}

static void attempt(struct fz_detect *d, const struct fz_flow_rec *r, enum fz_attack attack)
{
	unsigned threshold =
	    attack == FZ_ATTACK_PORT_SCAN ? d->conf.scan_ports : d->conf.scan_hosts;
	uint64_t t_ms = r->first_us / 1000, what[2] = {r->key.port[1], 0};
	uint8_t hosts[FZ_DETECT_SAMPLE][16];
	uint16_t ports[FZ_DETECT_SAMPLE];
	struct fz_attack_event ev;
	struct scan_key k;
	struct scan_val *v;
	struct alert_key ak;
	struct alert_obs o;
	uint64_t first_ms = UINT64_MAX;

	if (threshold == 0)
		return;
	memset(&k, 0, sizeof(k));
	k.attack = (uint8_t)attack;
	memcpy(k.scanner, r->key.addr[0], 16);
	if (attack == FZ_ATTACK_PORT_SCAN) {
		memcpy(k.host, r->key.addr[1], 16);
	} else {
		k.port = r->key.port[1];
		k.proto = r->key.proto;
		memcpy(what, r->key.addr[1], 16);
	}
	v = tracker(d, &k, t_ms);
	if (v == NULL)
		return;
	if (v->n == 0) {
		v->net = r->net[1];
		v->ip_version = r->key.ip_version;
	}
	if (add(d, v, what, t_ms) || v->n < threshold)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.attack = attack;
	ev.net = v->net;
	ev.ip_version = v->ip_version;
	ev.proto = k.proto;
	ev.port = k.port;
	memcpy(ev.scanner, k.scanner, 16);
	memcpy(ev.host, k.host, 16);
	ev.value = v->n;
	ev.threshold = threshold;
	ev.metric = attack == FZ_ATTACK_PORT_SCAN ? "ports" : "hosts";
	ev.n_sample = v->n < FZ_DETECT_SAMPLE ? v->n : FZ_DETECT_SAMPLE;
	for (uint32_t i = 0; i < v->n; i++)
		if (v->e[i].t_ms < first_ms)
			first_ms = v->e[i].t_ms;
	for (unsigned i = 0; i < ev.n_sample; i++) {
		ports[i] = (uint16_t)v->e[i].what[0];
		memcpy(hosts[i], v->e[i].what, 16);
	}
	if (attack == FZ_ATTACK_PORT_SCAN)
		ev.ports = ports;
	else
		ev.sample = (const uint8_t(*)[16])hosts;
	memset(&ak, 0, sizeof(ak));
	ak.attack = (uint8_t)attack;
	ak.proto = k.proto;
	ak.port = k.port;
	memcpy(ak.a, k.scanner, 16);
	memcpy(ak.b, k.host, 16);
	o = (struct alert_obs){.start_ms = first_ms,
	                       .last_ms = v->last_ms,
	                       .time_ms = r->last_us / 1000,
	                       .net = v->net,
	                       .ip_version = v->ip_version,
	                       .ev = &ev};
	alert_above(d, &ak, &o);
}

void fz_detect_flow(struct fz_detect *d, const struct fz_flow_rec *r)
{
	if (r->kind != FZ_REC_FLOW || r->key.proto != 6 || !(r->tcp_flags[FZ_FWD] & FZ_TCP_SYN) ||
	    (r->tcp_flags[FZ_REV] & (FZ_TCP_SYN | FZ_TCP_ACK)) == (FZ_TCP_SYN | FZ_TCP_ACK))
		return;
	if (r->net[1] == 0 && !d->conf.all_hosts)
		return;
	d->mc.scan_attempts++;
	attempt(d, r, FZ_ATTACK_PORT_SCAN);
	attempt(d, r, FZ_ATTACK_ADDRESS_SCAN);
}
