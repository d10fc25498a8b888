/*
 * Per-stage cost of the worker's hot path without DPDK: the capture is read
 * into memory once, then replayed REPEAT times through each stage in bursts
 * of 32, as the worker does: parse, flow table (canonicalize, hash, lookup or
 * insert, update, evict) with L7 (FZ_NO_L7=1 turns it off; FZ_SIGNATURES names
 * the file) and expiry. Prints ns per
 * packet for each stage, and is small enough to run under
 * `valgrind --tool=callgrind` for instruction counts per function.
 *
 *   bench_stages FILE.pcap [REPEAT] [FLOWS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "fz_flow_table.h"
#include "fz_parse.h"
#include "fz_l7.h"

#define BURST 32

struct frame {
	const uint8_t *data;
	uint32_t len;
	uint64_t ts_us;
};

static uint64_t exported;

static void count_export(void *arg, struct fz_flow_rec *rec, const uint64_t *app_state)
{
	(void)arg;
	(void)rec;
	(void)app_state;
	exported++;
}

struct l7_ctx {
	const struct fz_l7 *l7;
	struct fz_l7_scratch *scratch;
	const struct fz_pkt *pkts;
	uint16_t sport[BURST], dport[BURST];
};

static void on_packet(void *arg, unsigned i, const struct fz_flow_pkt_view *v)
{
	struct l7_ctx *c = arg;
	const struct fz_pkt *p = &c->pkts[i];
	struct fz_l7_flow *st = (struct fz_l7_flow *)v->app_state;

	if (!st->done && p->payload_len)
		fz_l7_scan(c->l7, c->scratch, st, v->dir, p->key.proto, c->sport[i], c->dport[i],
		           p->payload, p->payload_len);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum fz_parse_status parse(int dlt, const struct frame *f, struct fz_pkt *p)
{
	if (dlt == DLT_LINUX_SLL)
		return fz_parse_sll(f->data, f->len, p);
	if (dlt == DLT_RAW)
		return fz_parse_ip(f->data, f->len, p);
	return fz_parse_ether(f->data, f->len, p);
}

int main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct frame *frames = NULL;
	size_t n = 0, cap = 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	int dlt, repeat = argc > 2 ? atoi(argv[2]) : 20;
	uint32_t flows = argc > 3 ? (uint32_t)atoi(argv[3]) : 1u << 20;
	struct fz_pkt pkts[BURST];
	uint64_t when[BURST];
	double t0, t_parse = 0, t_table = 0, t_expire = 0;
	uint64_t parsed = 0, span_us;
	struct fz_flow_table_conf tc = {.capacity = flows,
	                                .idle_us = 15000000,
	                                .active_us = 1800000000ULL,
	                                .linger_us = 5000000,
	                                .export_fn = count_export};
	struct fz_flow_table *t;
	fz_flow_pkt_fn pkt_fn = NULL;
	void *pkt_arg = NULL;
	struct fz_l7_conf lc = {.sig_path = getenv("FZ_SIGNATURES")};
	struct l7_ctx l7c = {.pkts = pkts};
	char err[512];

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.pcap [REPEAT] [FLOWS]\n", argv[0]);
		return 2;
	}
	pc = pcap_open_offline(argv[1], ebuf);
	if (pc == NULL) {
		fprintf(stderr, "%s\n", ebuf);
		return 2;
	}
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		uint8_t *copy = malloc(h->caplen ? h->caplen : 1);

		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			frames = realloc(frames, cap * sizeof(*frames));
		}
		if (copy == NULL || frames == NULL)
			return 3;
		memcpy(copy, d, h->caplen);
		frames[n].data = copy;
		frames[n].len = h->caplen;
		frames[n].ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		n++;
	}
	pcap_close(pc);
	if (n == 0) {
		fprintf(stderr, "%s: no frames\n", argv[1]);
		return 2;
	}
	span_us = frames[n - 1].ts_us - frames[0].ts_us + 1;
	t = fz_flow_table_create(&tc);
	if (t == NULL)
		return 3;
	if (getenv("FZ_NO_L7") == NULL) {
		l7c.l7 = fz_l7_create(&lc, err, sizeof(err));
		if (l7c.l7 == NULL) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		l7c.scratch = fz_l7_scratch_create(l7c.l7);
		pkt_fn = on_packet;
		pkt_arg = &l7c;
	}

	for (int r = 0; r < repeat; r++) {
		/* Each pass is later in time, as a capture replayed in a loop. */
		uint64_t shift = (uint64_t)r * span_us;

		for (size_t base = 0; base < n; base += BURST) {
			unsigned m = n - base < BURST ? (unsigned)(n - base) : BURST, k = 0;

			t0 = now_s();
			for (unsigned i = 0; i < m; i++) {
				const struct frame *f = &frames[base + i];

				if (parse(dlt, f, &pkts[k]) != FZ_PARSE_OK)
					continue;
				when[k] = f->ts_us + shift;
				l7c.sport[k] = pkts[k].key.port[0];
				l7c.dport[k] = pkts[k].key.port[1];
				k++;
			}
			t_parse += now_s() - t0;
			parsed += k;
			t0 = now_s();
			fz_flow_table_update_burst(t, pkts, k, when, pkt_fn, pkt_arg);
			t_table += now_s() - t0;
			t0 = now_s();
			if (k)
				fz_flow_table_expire(t, when[k - 1], 64);
			t_expire += now_s() - t0;
		}
	}
	printf("{\"frames\": %zu, \"repeat\": %d, \"packets\": %llu, \"flows_created\": %llu, "
	       "\"exported\": %llu, \"parse_ns\": %.1f, \"table%s_ns\": %.1f, \"expire_ns\": %.1f, "
	       "\"total_ns\": %.1f}\n",
	       n, repeat, (unsigned long long)parsed,
	       (unsigned long long)fz_flow_table_stats(t)->created, (unsigned long long)exported,
	       1e9 * t_parse / (double)parsed, pkt_fn ? "_l7" : "", 1e9 * t_table / (double)parsed,
	       1e9 * t_expire / (double)parsed,
	       1e9 * (t_parse + t_table + t_expire) / (double)parsed);
	fz_flow_table_free(t);
	fz_l7_scratch_free(l7c.scratch);
	fz_l7_free((struct fz_l7 *)l7c.l7);
	for (size_t i = 0; i < n; i++)
		free((void *)frames[i].data);
	free(frames);
	return 0;
}
