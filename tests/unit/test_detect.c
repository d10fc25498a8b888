/*
 * Unit tests of attack detection: the keymap against a reference, the
 * worker's per-second host counts (hostwatch), the merge of several
 * workers' seconds, each detector's start/update/end with exact times and
 * values, suppression, per-network thresholds, and the bounds' counters.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_detect.h"
#include "fz_hostwatch.h"
#include "fz_test.h"
#include "fz_test_counters.h"
#include "keymap.h"

#define T0 1700000000ull /* seconds */

/* ---- keymap ------------------------------------------------------------ */

static void test_keymap(void)
{
	enum { N = 500, KEYS = 2000 };
	static uint64_t ref[KEYS]; /* 0: absent, else value */
	struct keymap m;
	unsigned seed = 7, present = 0;

	FZ_CHECK_INT(0, keymap_init(&m, N, 8, 8));
	memset(ref, 0, sizeof(ref));
	for (int step = 0; step < 200000; step++) {
		uint64_t k;
		uint64_t *v;
		int created;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % KEYS;
		if ((seed >> 4) & 1) {
			v = keymap_get(&m, &k, &created);
			if (present == N && !ref[k]) {
				FZ_CHECK(v == NULL);
				continue;
			}
			FZ_CHECK(v != NULL);
			if (v == NULL)
				return;
			FZ_CHECK_INT(!ref[k], created);
			present += created;
			*v = ref[k] = (uint64_t)step + 1;
		} else {
			/* Remove k when present: find its slot. */
			for (uint32_t i = 0; i <= m.mask; i++) {
				const uint64_t *kk = keymap_slot_key(&m, i);

				if (kk && *kk == k) {
					keymap_remove_slot(&m, i);
					ref[k] = 0;
					present--;
					break;
				}
			}
		}
	}
	FZ_CHECK_INT(present, m.n);
	for (uint64_t k = 0; k < KEYS; k++) {
		uint64_t *v = keymap_find(&m, &k);

		if (ref[k]) {
			FZ_CHECK(v != NULL && *v == ref[k]);
		} else {
			FZ_CHECK(v == NULL);
		}
	}
	keymap_clear(&m);
	FZ_CHECK_INT(0, m.n);
	keymap_destroy(&m);
	FZ_CHECK_INT(-1, keymap_init(&m, 0, 8, 8));
}

/* ---- hostwatch --------------------------------------------------------- */

static struct fz_flow_rec out[64];
static unsigned n_out;

static void collect(void *arg, const struct fz_flow_rec *r)
{
	(void)arg;
	if (n_out < 64)
		out[n_out++] = *r;
}

static void v4(uint8_t a[16], uint32_t ip)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(ip >> 24);
	a[13] = (uint8_t)(ip >> 16);
	a[14] = (uint8_t)(ip >> 8);
	a[15] = (uint8_t)ip;
}

static void test_hostwatch(void)
{
	struct fz_hostwatch_conf c = {.hosts = 2, .worker = 3, .emit = collect};
	struct fz_hostwatch *h = fz_hostwatch_create(&c);
	uint8_t h1[16], h2[16], h3[16], s1[16], s2[16];
	uint64_t t = T0 * 1000000;

	FZ_CHECK(h != NULL);
	if (h == NULL)
		return;
	n_out = 0;
	v4(h1, 0x0a010001);
	v4(h2, 0x0a010002);
	v4(h3, 0x0a010003);
	v4(s1, 0xcb007101);
	v4(s2, 0xcb007102);
	/* Second 0: h1 gets 3 from s1 (one a SYN), 1 from s2 (a handshake); h2 one. */
	fz_hostwatch_packet(h, t + 1, h1, s1, 4, 1, 100, 0x02, 0);
	fz_hostwatch_packet(h, t + 2, h1, s2, 4, 1, 50, 0x10, 1);
	fz_hostwatch_packet(h, t + 3, h1, s1, 4, 1, 100, 0x12, 0);
	fz_hostwatch_packet(h, t + 4, h1, s1, 4, 1, 100, 0x10, 0);
	fz_hostwatch_packet(h, t + 5, h2, s2, 4, 1, 40, 0, 0);
	/* Not in a network: not counted (all_hosts is 0). */
	fz_hostwatch_packet(h, t + 6, h3, s2, 4, 0, 40, 0, 0);
	FZ_CHECK_INT(0, n_out);
	/* A third host in the same second: the table holds 2. */
	fz_hostwatch_packet(h, t + 7, h3, s2, 4, 2, 40, 0, 0);
	FZ_CHECK_INT(1, fz_hostwatch_stats(h)->full);
	/* Second 2 (second 1 had nothing): hand over second 0, say "before 2". */
	fz_hostwatch_packet(h, t + 2000000, h2, s1, 4, 1, 60, 0x02, 0);
	FZ_CHECK_INT(3, n_out);
	FZ_CHECK_INT(FZ_REC_HOST, out[0].kind);
	FZ_CHECK(memcmp(out[0].key.addr[1], h1, 16) == 0);
	FZ_CHECK(memcmp(out[0].key.addr[0], s1, 16) == 0);
	FZ_CHECK_INT(3, out[0].worker);
	FZ_CHECK_INT(1, out[0].net[1]);
	FZ_CHECK_INT(T0 * 1000000, out[0].first_us);
	FZ_CHECK_INT(4, out[0].packets[0]);
	FZ_CHECK_INT(350, out[0].bytes[0]);
	FZ_CHECK_INT(1, out[0].packets[1]); /* SYN without ACK */
	FZ_CHECK_INT(1, out[0].bytes[1]);   /* handshakes */
	FZ_CHECK_INT(2, out[0].flow_id);    /* s1: 3 against 1 */
	FZ_CHECK(memcmp(out[1].key.addr[1], h2, 16) == 0);
	FZ_CHECK_INT(1, out[1].packets[0]);
	FZ_CHECK_INT(FZ_REC_SECOND, out[2].kind);
	FZ_CHECK_INT((T0 + 2) * 1000000, out[2].last_us);
	FZ_CHECK_INT(0, out[2].end_reason);
	/* The clock passes second 4 without packets: second 2 goes, "before 4". */
	fz_hostwatch_tick(h, t + 4000000, 0);
	FZ_CHECK_INT(5, n_out);
	FZ_CHECK_INT((T0 + 2) * 1000000, out[3].first_us);
	FZ_CHECK_INT((T0 + 4) * 1000000, out[4].last_us);
	/* Ticks in the same second say nothing new. */
	fz_hostwatch_tick(h, t + 4500000, 0);
	FZ_CHECK_INT(5, n_out);
	/* Done inside second 4 with a packet: second 4 goes, "before 5", done. */
	fz_hostwatch_packet(h, t + 4600000, h1, s1, 4, 1, 10, 0, 0);
	fz_hostwatch_tick(h, t + 4700000, 1);
	FZ_CHECK_INT(7, n_out);
	FZ_CHECK_INT(FZ_REC_HOST, out[5].kind);
	FZ_CHECK_INT(FZ_REC_SECOND, out[6].kind);
	FZ_CHECK_INT((T0 + 5) * 1000000, out[6].last_us);
	FZ_CHECK_INT(1, out[6].end_reason);
	FZ_CHECK_INT(4, fz_hostwatch_stats(h)->reports);
	fz_hostwatch_tick(h, t + 9000000, 1); /* after done: nothing */
	FZ_CHECK_INT(7, n_out);
	fz_hostwatch_free(h);
	c.hosts = 0;
	FZ_CHECK(fz_hostwatch_create(&c) == NULL && errno == EINVAL);
}

/* A burst gives the same host reports as its packets one by one. */
static void test_hostwatch_burst(void)
{
	struct fz_hostwatch_conf c = {.hosts = 64, .worker = 1, .emit = collect};
	struct fz_hostwatch *one = fz_hostwatch_create(&c), *many = fz_hostwatch_create(&c);
	static uint8_t hosts[40][16], srcs[40][16];
	struct fz_hostwatch_pkt p[40];
	struct fz_flow_rec first[64];
	unsigned n_first;

	if (one == NULL || many == NULL)
		return;
	for (unsigned i = 0; i < 40; i++) {
		v4(hosts[i], 0x0a010000 + i % 7);
		v4(srcs[i], 0xcb007100 + i % 3);
		p[i] = (struct fz_hostwatch_pkt){hosts[i],
		                                 srcs[i],
		                                 (T0 + i / 15) * 1000000 + i,
		                                 60 + i,
		                                 (uint16_t)(i % 5 ? 1 : 0),
		                                 4,
		                                 0x02,
		                                 0};
	}
	n_out = 0;
	for (unsigned i = 0; i < 40; i++)
		fz_hostwatch_packet(one, p[i].now_us, p[i].host, p[i].src, 4, p[i].net, p[i].ip_len,
		                    p[i].tcp_flags, 0);
	fz_hostwatch_tick(one, (T0 + 9) * 1000000, 1);
	n_first = n_out;
	memcpy(first, out, sizeof(first));
	n_out = 0;
	fz_hostwatch_burst(many, p, 40);
	fz_hostwatch_tick(many, (T0 + 9) * 1000000, 1);
	FZ_CHECK_INT(n_first, n_out);
	FZ_CHECK_INT(23, n_out); /* hosts 7 + 7 + 6 (net 0 not counted), 3 seconds */
	FZ_CHECK(memcmp(first, out, n_out * sizeof(out[0])) == 0);
	fz_hostwatch_free(one);
	fz_hostwatch_free(many);
}

/* ---- the detector -------------------------------------------------------- */

static struct fz_attack_event evs[64];
static struct fz_attack_source ev_src[64][FZ_DETECT_SOURCES];
static unsigned n_evs;

static void record(void *arg, const struct fz_attack_event *ev)
{
	(void)arg;
	if (n_evs < 64) {
		evs[n_evs] = *ev;
		memcpy(ev_src[n_evs], ev->sources, ev->n_sources * sizeof(*ev->sources));
		n_evs++;
	}
}

static struct fz_detect *make(unsigned workers, const struct fz_detect_thresholds *nets)
{
	struct fz_detect_conf c = {.n_workers = workers,
	                           .n_nets = 2,
	                           .thresholds = {.pps = 100, .mbps = 1, .syn = 50},
	                           .nets = nets,
	                           .scan_ports = 3,
	                           .scan_hosts = 4,
	                           .scan_window_ms = 10000,
	                           .end_ms = 2000,
	                           .update_ms = 5000,
	                           .suppress_ms = 20000,
	                           .hosts = 16,
	                           .scan_keys = 8,
	                           .event = record};

	n_evs = 0;
	return fz_detect_create(&c);
}

static void host(struct fz_detect *d, unsigned w, uint64_t s, uint32_t ip, uint16_t net,
                 uint64_t packets, uint64_t bytes, uint64_t syns, uint64_t hs, uint32_t src,
                 uint64_t lead)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = FZ_REC_HOST;
	r.worker = (uint16_t)w;
	r.key.ip_version = 4;
	v4(r.key.addr[1], ip);
	v4(r.key.addr[0], src);
	r.net[1] = net;
	r.first_us = (T0 + s) * 1000000;
	r.packets[0] = packets;
	r.bytes[0] = bytes;
	r.packets[1] = syns;
	r.bytes[1] = hs;
	r.flow_id = lead;
	fz_detect_report(d, &r);
}

static void second(struct fz_detect *d, unsigned w, uint64_t before, int done)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = FZ_REC_SECOND;
	r.worker = (uint16_t)w;
	r.last_us = (T0 + before) * 1000000;
	r.end_reason = (uint8_t)done;
	fz_detect_report(d, &r);
}

static uint64_t counter(struct fz_detect *d, const struct fz_counter_set *set, unsigned inst,
                        const char *name)
{
	fz_detect_publish(d);
	return fz_test_counter(set, inst, name);
}

#define MS(s) ((T0 + (s)) * 1000)

/* Two workers, each under 100 pps, together over it: merged exactly. */
static void test_volume_merge(void)
{
	struct fz_detect *d = make(2, NULL);
	uint32_t victim = 0x0a010005, a = 0xcb007101, b = 0xcb007102;

	FZ_CHECK(d != NULL);
	if (d == NULL)
		return;
	for (uint64_t s = 10; s < 13; s++) { /* seconds 10, 11, 12: 60 + 60 */
		unsigned before = n_evs;

		host(d, 0, s, victim, 1, 60, 6000, 0, 0, a, 50);
		host(d, 1, s, victim, 1, 60, 6000, 0, 0, b, 20);
		second(d, 0, s + 1, 0);
		FZ_CHECK_INT(before, n_evs); /* worker 1 has not passed s yet */
		second(d, 1, s + 1, 0);
	}
	FZ_CHECK_INT(1, n_evs);
	FZ_CHECK_INT(FZ_ATTACK_VOLUME, evs[0].attack);
	FZ_CHECK_INT(FZ_ATTACK_START, evs[0].state);
	FZ_CHECK_INT(MS(11), evs[0].time_ms);
	FZ_CHECK_INT(MS(10), evs[0].start_ms);
	FZ_CHECK_DBL(120, evs[0].value, 0);
	FZ_CHECK_DBL(100, evs[0].threshold, 0);
	FZ_CHECK_STR("pps", evs[0].metric);
	FZ_CHECK_INT(1, evs[0].net);
	FZ_CHECK_INT(2, evs[0].n_sources);
	FZ_CHECK_INT(50, ev_src[0][0].lead);
	FZ_CHECK_INT(20, ev_src[0][1].lead);
	/* Quiet seconds 13 and 14 (end_ms 2 s): the end comes when 14 is judged. */
	second(d, 0, 14, 0);
	second(d, 1, 14, 0);
	FZ_CHECK_INT(1, n_evs);
	second(d, 0, 15, 0);
	second(d, 1, 15, 0);
	FZ_CHECK_INT(2, n_evs);
	FZ_CHECK_INT(FZ_ATTACK_END, evs[1].state);
	FZ_CHECK_INT(MS(15), evs[1].time_ms);
	FZ_CHECK_INT(MS(13), evs[1].end_ms);
	FZ_CHECK_INT(MS(10), evs[1].start_ms);
	FZ_CHECK_DBL(120, evs[1].value, 0);
	FZ_CHECK_INT(150, ev_src[1][0].lead); /* a: 3 x 50 */
	FZ_CHECK_INT(1, counter(d, fz_detect_attack_set(d), FZ_ATTACK_VOLUME, "started"));
	FZ_CHECK_INT(1, counter(d, fz_detect_attack_set(d), FZ_ATTACK_VOLUME, "ended"));
	FZ_CHECK_INT(0, counter(d, fz_detect_attack_set(d), FZ_ATTACK_VOLUME, "active"));
	FZ_CHECK_INT(6, counter(d, fz_detect_machine_set(d), 0, "host_reports"));
	/* A report of a second already judged: counted, not merged. */
	host(d, 1, 12, victim, 1, 500, 0, 0, 0, b, 1);
	FZ_CHECK_INT(1, counter(d, fz_detect_machine_set(d), 0, "late_reports"));
	/* The same host again 10 s after the end (suppress 20 s): suppressed. */
	host(d, 0, 23, victim, 1, 200, 0, 0, 0, a, 1);
	second(d, 0, 24, 1);
	second(d, 1, 24, 1);
	FZ_CHECK_INT(2, n_evs);
	FZ_CHECK_INT(1, counter(d, fz_detect_attack_set(d), FZ_ATTACK_VOLUME, "suppressed"));
	fz_detect_free(d);
}

/* Megabits, SYNs less handshakes, updates, per-network thresholds. */
static void test_syn_and_nets(void)
{
	struct fz_detect_thresholds nets[2] = {{.pps = 100, .mbps = 1, .syn = 50},
	                                       {.pps = 0, .mbps = 0, .syn = 500}};
	struct fz_detect *d = make(1, nets);
	uint32_t srv = 0x0a010007, other = 0xc0000207;

	if (d == NULL)
		return;
	/* 80 SYNs, 20 handshakes: 60 > 50 for 8 seconds (one update at 5 s). */
	for (uint64_t s = 0; s < 8; s++) {
		host(d, 0, s, srv, 1, 90, 900, 80, 20, 0, 0);
		host(d, 0, s, other, 2, 1000, 200000, 80, 0, 0, 0); /* net 2: pps off, syn 500 */
		second(d, 0, s + 1, 0);
	}
	/* 126 000 bytes = 1.008 Mbit in second 8: volume by megabits. */
	host(d, 0, 8, srv, 1, 10, 126000, 0, 0, 0, 0);
	second(d, 0, 20, 1);
	fz_detect_finish(d);
	FZ_CHECK_INT(5, n_evs);
	FZ_CHECK_INT(FZ_ATTACK_SYN_FLOOD, evs[0].attack);
	FZ_CHECK_INT(FZ_ATTACK_START, evs[0].state);
	FZ_CHECK_DBL(60, evs[0].value, 0);
	FZ_CHECK_INT(80, evs[0].syns);
	FZ_CHECK_INT(20, evs[0].handshakes);
	FZ_CHECK_INT(MS(1), evs[0].time_ms);
	FZ_CHECK_INT(FZ_ATTACK_UPDATE, evs[1].state);
	FZ_CHECK_INT(MS(6), evs[1].time_ms);
	FZ_CHECK_INT(FZ_ATTACK_VOLUME, evs[2].attack);
	FZ_CHECK_STR("mbps", evs[2].metric);
	FZ_CHECK_DBL(1.008, evs[2].value, 1e-12);
	FZ_CHECK_INT(MS(9), evs[2].time_ms);
	/* Ends in time order: syn_flood (last above 8 s) at 10, volume at 11. */
	FZ_CHECK_INT(FZ_ATTACK_SYN_FLOOD, evs[3].attack);
	FZ_CHECK_INT(FZ_ATTACK_END, evs[3].state);
	FZ_CHECK_INT(MS(10), evs[3].time_ms);
	FZ_CHECK_INT(MS(8), evs[3].end_ms);
	FZ_CHECK_INT(FZ_ATTACK_VOLUME, evs[4].attack);
	FZ_CHECK_INT(MS(11), evs[4].time_ms);
	fz_detect_free(d);
}

static void attempt(struct fz_detect *d, uint32_t scanner, uint32_t target, uint16_t port,
                    uint64_t t_ms, uint8_t rev_flags)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = FZ_REC_FLOW;
	r.key.ip_version = 4;
	r.key.proto = 6;
	v4(r.key.addr[0], scanner);
	v4(r.key.addr[1], target);
	r.key.port[0] = 40000;
	r.key.port[1] = port;
	r.net[1] = 1;
	r.first_us = (T0 * 1000 + t_ms) * 1000;
	r.last_us = r.first_us + 1000;
	r.tcp_flags[FZ_FWD] = FZ_TCP_SYN;
	r.tcp_flags[FZ_REV] = rev_flags;
	fz_detect_flow(d, &r);
}

static void test_scans(void)
{
	struct fz_detect *d = make(1, NULL);
	uint32_t sc = 0xcb007163, tgt = 0x0a010028;

	if (d == NULL)
		return;
	/* Answered attempts (SYN-ACK) are no scan; refused (RST) and silent ones are. */
	attempt(d, sc, tgt, 22, 0, FZ_TCP_SYN | FZ_TCP_ACK);
	attempt(d, sc, tgt, 23, 0, FZ_TCP_SYN | FZ_TCP_ACK);
	attempt(d, sc, tgt, 24, 0, FZ_TCP_SYN | FZ_TCP_ACK);
	FZ_CHECK_INT(0, n_evs);
	attempt(d, sc, tgt, 1, 100, FZ_TCP_RST | FZ_TCP_ACK);
	attempt(d, sc, tgt, 2, 200, 0);
	attempt(d, sc, tgt, 2, 250, 0); /* the same port again: still 2 */
	FZ_CHECK_INT(0, n_evs);
	attempt(d, sc, tgt, 3, 300, FZ_TCP_RST);
	FZ_CHECK_INT(1, n_evs);
	FZ_CHECK_INT(FZ_ATTACK_PORT_SCAN, evs[0].attack);
	FZ_CHECK_INT(FZ_ATTACK_START, evs[0].state);
	FZ_CHECK_DBL(3, evs[0].value, 0);
	FZ_CHECK_INT(MS(0) + 100, evs[0].start_ms);
	FZ_CHECK_INT(MS(0) + 301, evs[0].time_ms);
	FZ_CHECK_INT(3, evs[0].n_sample);
	FZ_CHECK_INT(1, evs[0].ports[0]);
	FZ_CHECK_INT(3, evs[0].ports[2]);
	/* Address scan: 4 hosts on port 80, the window is 10 s: the first drops out. */
	attempt(d, sc, 0x0a010100, 80, 1000, 0);
	attempt(d, sc, 0x0a010101, 80, 12000, 0);
	attempt(d, sc, 0x0a010102, 80, 12100, 0);
	attempt(d, sc, 0x0a010103, 80, 12200, 0);
	FZ_CHECK_INT(1, n_evs);
	attempt(d, sc, 0x0a010104, 80, 12300, 0);
	FZ_CHECK_INT(2, n_evs);
	FZ_CHECK_INT(FZ_ATTACK_ADDRESS_SCAN, evs[1].attack);
	FZ_CHECK_INT(80, evs[1].port);
	FZ_CHECK_INT(6, evs[1].proto);
	FZ_CHECK_INT(MS(12), evs[1].start_ms);
	/* The port scan ends 10 s after its last attempt (300 ms) once time passes it. */
	second(d, 0, 20, 0);
	FZ_CHECK_INT(3, n_evs);
	FZ_CHECK_INT(FZ_ATTACK_PORT_SCAN, evs[2].attack);
	FZ_CHECK_INT(FZ_ATTACK_END, evs[2].state);
	FZ_CHECK_INT(MS(0) + 300, evs[2].end_ms);
	FZ_CHECK_INT(MS(10) + 300, evs[2].time_ms);
	second(d, 0, 23, 0);
	FZ_CHECK_INT(4, n_evs);
	FZ_CHECK_INT(MS(22) + 300, evs[3].time_ms);
	FZ_CHECK_INT(9, counter(d, fz_detect_machine_set(d), 0, "scan_attempts"));
	fz_detect_free(d);
}

/* Tracker table full (8 keys): the fifth scanner's two trackers are counted as scan_full. */
static void test_scan_bounds(void)
{
	struct fz_detect *d = make(1, NULL);

	if (d == NULL)
		return;
	/* 5 scanners x 2 trackers each = 10 > 8, all within the window. */
	for (uint32_t i = 0; i < 5; i++)
		attempt(d, 0xcb000000 + i, 0x0a010001, 1, 100 * i, 0);
	FZ_CHECK_INT(2, counter(d, fz_detect_machine_set(d), 0, "scan_full"));
	FZ_CHECK_INT(0, n_evs);
	fz_detect_free(d);
}

int main(void)
{
	FZ_RUN(test_keymap);
	FZ_RUN(test_hostwatch);
	FZ_RUN(test_hostwatch_burst);
	FZ_RUN(test_volume_merge);
	FZ_RUN(test_syn_and_nets);
	FZ_RUN(test_scans);
	FZ_RUN(test_scan_bounds);
	return fz_test_summary();
}
