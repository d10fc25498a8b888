/*
 * The workers' seconds, merged (docs/alerts.md): host reports of second s
 * from every worker are summed in one of NSLOT tables; second s is judged
 * when every worker still running has handed over every second up to s, or
 * when the most advanced worker is LAG seconds past it (a worker without
 * packets under the packet clock must not hold detection back). Judging a
 * second compares each host's figures with its network's thresholds
 * (volume: packets or megabits per second; syn_flood: SYNs less completed
 * handshakes per second) and gives what is above to the alert states.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

#define LAG    (NSLOT - 1) /* seconds a worker may lag before its seconds are judged without it */
#define ALERTS 4096        /* alerts on or remembered for suppression, at most */

struct host_key {
	uint64_t addr[2];
	uint64_t net;
};

struct host_val {
	uint64_t packets, bytes, syns, handshakes;
	uint64_t ip_version;
	struct fz_attack_source src[2]; /* the workers' leading sources, highest leads */
};

static const struct fz_counter_def attack_defs[] = {
    FZ_COUNTER(struct attack_counters, started, FZ_CT_COUNTER, FZ_CF_INSTANCE, "started", "alerts",
               "attack alerts started"),
    FZ_COUNTER(struct attack_counters, updates, FZ_CT_COUNTER, FZ_CF_INSTANCE, "updates", NULL,
               "attack alert updates (at most one per update period and alert)"),
    FZ_COUNTER(struct attack_counters, ended, FZ_CT_COUNTER, FZ_CF_INSTANCE, "ended", "alerts",
               "attack alerts ended"),
    FZ_COUNTER(struct attack_counters, suppressed, FZ_CT_COUNTER, FZ_CF_INSTANCE, "suppressed",
               "alerts",
               "attack alerts not started: within --alert-suppress of the same key's end"),
    FZ_COUNTER(struct attack_counters, active, FZ_CT_GAUGE, FZ_CF_INSTANCE, "active", "alerts",
               "attack alerts on now"),
};

static const struct fz_counter_def machine_defs[] = {
    FZ_COUNTER(struct machine_counters, host_reports, FZ_CT_COUNTER, FZ_CF_INSTANCE, "host_reports",
               "records", "per-second host reports of the workers merged"),
    FZ_COUNTER(struct machine_counters, seconds, FZ_CT_COUNTER, FZ_CF_INSTANCE, "seconds",
               "seconds", "seconds of packet time judged"),
    FZ_COUNTER(struct machine_counters, late_reports, FZ_CT_COUNTER, FZ_CF_DROP | FZ_CF_INSTANCE,
               "late_reports", "records", "host reports of a second already judged, not counted"),
    FZ_COUNTER(struct machine_counters, hosts_full, FZ_CT_COUNTER, FZ_CF_DROP | FZ_CF_INSTANCE,
               "hosts_full", "records",
               "host reports not merged: the second's table was full (--detect-hosts)"),
    FZ_COUNTER(struct machine_counters, alerts_full, FZ_CT_COUNTER, FZ_CF_DROP | FZ_CF_INSTANCE,
               "alerts_full", "alerts", "attack alerts not started: the alert table was full"),
    FZ_COUNTER(struct machine_counters, scan_attempts, FZ_CT_COUNTER, FZ_CF_INSTANCE,
               "scan_attempts", "flows", "TCP connection attempts refused or not answered"),
    FZ_COUNTER(struct machine_counters, scan_full, FZ_CT_COUNTER, FZ_CF_DROP | FZ_CF_INSTANCE,
               "scan_full", "flows", "attempts not tracked: the scan table was full (--scan-keys)"),
    FZ_COUNTER(struct machine_counters, scan_capped, FZ_CT_COUNTER, FZ_CF_INSTANCE, "scan_capped",
               "flows",
               "attempts on a port or host beyond a tracker's list (the value stops there)"),
    FZ_COUNTER(struct machine_counters, bad_reports, FZ_CT_COUNTER, FZ_CF_DROP | FZ_CF_INSTANCE,
               "bad_reports", "records", "host reports or seconds of an unknown worker, ignored"),
};

static const char *const attack_names[FZ_ATTACK__COUNT] = {"volume", "syn_flood", "port_scan",
                                                           "address_scan"};
static const char *const state_names[] = {"start", "update", "end"};

const char *fz_attack_name(enum fz_attack a)
{
	return (unsigned)a < FZ_ATTACK__COUNT ? attack_names[a] : "?";
}

const char *fz_attack_state_name(enum fz_attack_state s)
{
	return (unsigned)s <= FZ_ATTACK_END ? state_names[s] : "?";
}

static void attack_label(void *arg, unsigned i, char *buf, size_t cap)
{
	(void)arg;
	strncpy(buf, fz_attack_name((enum fz_attack)i), cap - 1);
	buf[cap - 1] = '\0';
}

static int init_sets(struct fz_detect *d)
{
	d->pub_attacks =
	    fz_counter_pub_create_blocks(sizeof(struct attack_counters), FZ_ATTACK__COUNT);
	d->pub_machine = fz_counter_pub_create(sizeof(struct machine_counters));
	if (d->pub_attacks == NULL || d->pub_machine == NULL)
		return -1;
	d->set_attacks = (struct fz_counter_set){
	    .name = "attacks",
	    .summary = "attacks",
	    .shape = FZ_SET_KEYED,
	    .defs = attack_defs,
	    .n_defs = sizeof(attack_defs) / sizeof(attack_defs[0]),
	    .block = sizeof(struct attack_counters),
	    .instances = fz_counter_pub_instances,
	    .read = fz_counter_pub_read_block,
	    .label = attack_label,
	    .arg = d->pub_attacks,
	};
	d->set_machine = (struct fz_counter_set){
	    .name = "detect",
	    .summary = "detect",
	    .shape = FZ_SET_SINGLE,
	    .defs = machine_defs,
	    .n_defs = sizeof(machine_defs) / sizeof(machine_defs[0]),
	    .block = sizeof(struct machine_counters),
	    .instances = fz_counter_pub_instances,
	    .read = fz_counter_pub_read_block,
	    .arg = d->pub_machine,
	};
	return 0;
}

struct fz_detect *fz_detect_create(const struct fz_detect_conf *c)
{
	struct fz_detect *d;

	if (c == NULL || c->n_workers == 0 || c->event == NULL || c->hosts == 0 ||
	    c->scan_keys == 0 || (c->n_nets && c->n_nets > 65535)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->conf = *c;
	d->end_s = (c->end_ms + 999) / 1000;
	if (d->end_s == 0)
		d->end_s = 1;
	d->nets = calloc(c->n_nets ? c->n_nets : 1, sizeof(*d->nets));
	d->announced = calloc(c->n_workers, sizeof(*d->announced));
	d->done = calloc(c->n_workers, 1);
	if (d->nets == NULL || d->announced == NULL || d->done == NULL || init_sets(d))
		goto fail;
	for (unsigned i = 0; i < c->n_nets; i++)
		d->nets[i] = c->nets ? c->nets[i] : c->thresholds;
	d->conf.nets = d->nets;
	for (unsigned i = 0; i < NSLOT; i++)
		if (keymap_init(&d->slots[i].hosts, c->hosts, sizeof(struct host_key),
		                sizeof(struct host_val)))
			goto fail;
	d->ending = calloc(ALERTS, sizeof(*d->ending));
	if (d->ending == NULL ||
	    keymap_init(&d->alerts, ALERTS, sizeof(struct alert_key), alert_val_size()) ||
	    scan_init(d))
		goto fail;
	return d;
fail:
	fz_detect_free(d);
	errno = ENOMEM;
	return NULL;
}

void fz_detect_free(struct fz_detect *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < NSLOT; i++)
		keymap_destroy(&d->slots[i].hosts);
	keymap_destroy(&d->alerts);
	scan_destroy(d);
	fz_counter_pub_free(d->pub_attacks);
	fz_counter_pub_free(d->pub_machine);
	free(d->nets);
	free(d->announced);
	free(d->done);
	free(d->ending);
	free(d);
}

static const struct fz_detect_thresholds *thresholds(const struct fz_detect *d, uint16_t net)
{
	return net && net <= d->conf.n_nets ? &d->nets[net - 1] : &d->conf.thresholds;
}

/* One host's figures of second s, above a threshold or not. */
static void judge_host(struct fz_detect *d, uint64_t s, const struct host_key *k,
                       const struct host_val *v)
{
	const struct fz_detect_thresholds *t = thresholds(d, (uint16_t)k->net);
	double mbps = (double)v->bytes * 8 / 1e6;
	uint64_t syn = v->syns > v->handshakes ? v->syns - v->handshakes : 0;
	struct fz_attack_event ev;
	struct alert_key ak;
	struct alert_obs o;
	int vol_pps = t->pps && v->packets > t->pps, vol_mbps = t->mbps && mbps > (double)t->mbps;

	memset(&ev, 0, sizeof(ev));
	ev.net = (uint16_t)k->net;
	ev.ip_version = (uint8_t)v->ip_version;
	memcpy(ev.host, k->addr, 16);
	ev.packets = v->packets;
	ev.bytes = v->bytes;
	ev.syns = v->syns;
	ev.handshakes = v->handshakes;
	memset(&ak, 0, sizeof(ak));
	memcpy(ak.a, k->addr, 16);
	ak.b[0] = k->net;
	o = (struct alert_obs){.start_ms = s * 1000,
	                       .last_ms = (s + 1) * 1000,
	                       .time_ms = (s + 1) * 1000,
	                       .net = ev.net,
	                       .ip_version = ev.ip_version,
	                       .ev = &ev,
	                       .sources = v->src,
	                       .n_sources = v->src[1].lead   ? 2
	                                    : v->src[0].lead ? 1
	                                                     : 0};
	if (vol_pps || vol_mbps) {
		ev.attack = FZ_ATTACK_VOLUME;
		ev.metric = vol_pps ? "pps" : "mbps";
		ev.value = vol_pps ? (double)v->packets : mbps;
		ev.threshold = vol_pps ? (double)t->pps : (double)t->mbps;
		ak.attack = FZ_ATTACK_VOLUME;
		alert_above(d, &ak, &o);
	}
	if (t->syn && syn > t->syn) {
		ev.attack = FZ_ATTACK_SYN_FLOOD;
		ev.metric = "syn";
		ev.value = (double)syn;
		ev.threshold = (double)t->syn;
		ak.attack = FZ_ATTACK_SYN_FLOOD;
		alert_above(d, &ak, &o);
	}
}

/* Judge the second of slot sl (every second before it is judged). */
static void judge(struct fz_detect *d, struct second *sl)
{
	alert_expire(d, sl->sec * 1000);
	for (uint32_t i = 0; i <= sl->hosts.mask; i++) {
		const struct host_key *k = keymap_slot_key(&sl->hosts, i);

		if (k)
			judge_host(d, sl->sec, k, keymap_slot_val(&sl->hosts, i));
	}
	keymap_clear(&sl->hosts);
	sl->used = 0;
	d->mc.seconds++;
}

/* Judge every second before t. */
static void close_until(struct fz_detect *d, uint64_t t)
{
	while (d->closed_before < t) {
		struct second *sl = &d->slots[d->closed_before % NSLOT];

		if (sl->used && sl->sec == d->closed_before)
			judge(d, sl);
		d->closed_before++;
		/* Nothing open: jump to t. */
		if (d->closed_before < t) {
			int open = 0;

			for (unsigned i = 0; i < NSLOT; i++)
				open |= d->slots[i].used;
			if (!open) {
				d->mc.seconds += t - d->closed_before;
				d->closed_before = t;
			}
		}
	}
	alert_expire(d, t * 1000);
}

static void merge_source(struct host_val *v, const struct fz_flow_rec *r)
{
	struct fz_attack_source s;
	int low;

	if (r->flow_id == 0)
		return;
	memcpy(s.addr, r->key.addr[0], 16);
	s.ip_version = r->key.ip_version;
	s.lead = r->flow_id;
	for (int i = 0; i < 2; i++)
		if (v->src[i].lead && memcmp(v->src[i].addr, s.addr, 16) == 0) {
			v->src[i].lead += s.lead;
			return;
		}
	low = v->src[0].lead <= v->src[1].lead ? 0 : 1;
	if (s.lead > v->src[low].lead)
		v->src[low] = s;
}

static void host_report(struct fz_detect *d, const struct fz_flow_rec *r)
{
	uint64_t s = r->first_us / 1000000;
	struct second *sl;
	struct host_key k;
	struct host_val *v;
	int created;

	if (!d->started) {
		d->started = 1;
		d->closed_before = s;
	}
	if (s < d->closed_before) {
		d->mc.late_reports++;
		return;
	}
	if (s >= d->closed_before + NSLOT)
		close_until(d, s - NSLOT + 1);
	sl = &d->slots[s % NSLOT];
	if (!sl->used) {
		sl->used = 1;
		sl->sec = s;
	}
	memcpy(k.addr, r->key.addr[1], 16);
	k.net = r->net[1];
	v = keymap_get(&sl->hosts, &k, &created);
	if (v == NULL) {
		d->mc.hosts_full++;
		return;
	}
	d->mc.host_reports++;
	v->packets += r->packets[0];
	v->bytes += r->bytes[0];
	v->syns += r->packets[1];
	v->handshakes += r->bytes[1];
	v->ip_version = r->key.ip_version;
	merge_source(v, r);
}

static void second_report(struct fz_detect *d, const struct fz_flow_rec *r)
{
	uint64_t s = r->last_us / 1000000, lo = UINT64_MAX, hi = 0, t;
	unsigned w = r->worker;

	if (s > d->announced[w])
		d->announced[w] = s;
	if (r->end_reason)
		d->done[w] = 1;
	for (unsigned i = 0; i < d->conf.n_workers; i++) {
		if (!d->done[i] && d->announced[i] < lo)
			lo = d->announced[i];
		if (d->announced[i] > hi)
			hi = d->announced[i];
	}
	t = lo == UINT64_MAX ? hi : lo;
	if (hi > LAG && hi - LAG > t)
		t = hi - LAG;
	if (!d->started) {
		d->started = 1;
		d->closed_before = t;
	}
	close_until(d, t);
}

void fz_detect_report(struct fz_detect *d, const struct fz_flow_rec *r)
{
	if (r->worker >= d->conf.n_workers) {
		d->mc.bad_reports++;
		return;
	}
	if (r->kind == FZ_REC_HOST)
		host_report(d, r);
	else if (r->kind == FZ_REC_SECOND)
		second_report(d, r);
}

void fz_detect_finish(struct fz_detect *d)
{
	uint64_t last = d->closed_before;

	for (unsigned i = 0; i < NSLOT; i++)
		if (d->slots[i].used && d->slots[i].sec + 1 > last)
			last = d->slots[i].sec + 1;
	close_until(d, last);
}

const struct fz_counter_set *fz_detect_attack_set(struct fz_detect *d)
{
	return &d->set_attacks;
}

const struct fz_counter_set *fz_detect_machine_set(struct fz_detect *d)
{
	return &d->set_machine;
}

void fz_detect_publish(struct fz_detect *d)
{
	fz_counter_pub_write(d->pub_attacks, d->ac);
	fz_counter_pub_write(d->pub_machine, &d->mc);
}
