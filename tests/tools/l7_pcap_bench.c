/* l7_pcap --bench: the signatures in Hyperscan's block mode against streaming mode (l7_pcap.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs.h>

#include "fz_sigs.h"
#include "l7_pcap.h"

/*
 * Benchmark mode. All captures are first loaded into memory as a list of
 * payload packets with their flow number and direction, then replayed
 * through the classifier several times: block mode (fz_l7_scan, what the
 * workers run), Hyperscan streaming mode on the same signatures, and the
 * bare replay loop as a baseline.
 */
struct bench_pkt {
	uint32_t flow;
	uint8_t dir;
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t len;
	const uint8_t *payload;
};

struct bench {
	struct bench_pkt *pkts;
	size_t n_pkts, cap;
	uint64_t all_pkts; /* including packets without payload */
	uint32_t n_flows;  /* over all files */
	uint32_t base;     /* flow number of the current file's first flow */
};

static void collect_packet(void *arg, struct flow *f, unsigned dir, const struct pkt *pk)
{
	struct bench *b = arg;
	struct bench_pkt *bp;
	uint8_t *copy;

	b->all_pkts++;
	if (pk->len == 0)
		return;
	if (b->n_pkts == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->pkts = realloc(b->pkts, b->cap * sizeof(*b->pkts));
		if (b->pkts == NULL)
			abort();
	}
	copy = malloc(pk->len);
	if (copy == NULL)
		abort();
	memcpy(copy, pk->payload, pk->len);
	bp = &b->pkts[b->n_pkts++];
	bp->flow = b->base + (uint32_t)(f - table); /* slot, renumbered below */
	bp->dir = (uint8_t)dir;
	bp->proto = pk->key.proto;
	bp->sport = pk->key.port[0];
	bp->dport = pk->key.port[1];
	bp->len = pk->len;
	bp->payload = copy;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Replay through fz_l7_scan; returns the fastest round's ns (the machine is
 * shared, so the minimum is the least disturbed measurement) and counts scans.
 */
static double bench_block(const struct bench *b, const struct fz_l7 *l7, struct fz_l7_scratch *s,
                          struct fz_l7_flow *st, unsigned rounds, uint64_t *scans, unsigned *named)
{
	double t0, t = 0;
	unsigned r;
	size_t i;

	*scans = 0;
	for (r = 0; r < rounds; r++) {
		memset(st, 0, b->n_flows * sizeof(*st));
		t0 = now_ns();
		for (i = 0; i < b->n_pkts; i++) {
			const struct bench_pkt *p = &b->pkts[i];

			if (!st[p->flow].done)
				fz_l7_scan(l7, s, &st[p->flow], p->dir, p->proto, p->sport,
				           p->dport, p->payload, p->len);
		}
		t0 = now_ns() - t0;
		if (r == 0 || t0 < t)
			t = t0;
	}
	*named = 0;
	for (i = 0; i < b->n_flows; i++) {
		*named += st[i].app != 0;
		*scans += (uint64_t)st[i].pkts[0] + st[i].pkts[1];
	}
	return t;
}

/* The bare loop: what the replay costs without classification. */
static double bench_baseline(const struct bench *b, unsigned rounds, uint64_t *sink)
{
	double t0, t = 0;
	unsigned r;
	size_t i;

	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < b->n_pkts; i++)
			*sink += b->pkts[i].len + b->pkts[i].payload[0];
		t0 = now_ns() - t0;
		if (r == 0 || t0 < t)
			t = t0;
	}
	return t;
}

/* Streaming mode: the same signatures, one Hyperscan stream per flow direction. */
struct stream_flow {
	hs_stream_t *hs[2];
	uint8_t done, app, pkts[2];
	uint16_t bytes[2];
};

struct stream_match {
	const struct fz_sigs *sigs;
	unsigned dir;
	int best;
};

static int on_stream_match(unsigned int id, unsigned long long from, unsigned long long to,
                           unsigned int flags, void *arg)
{
	struct stream_match *m = arg;
	const struct fz_sig *sig = &m->sigs->sigs[id];

	(void)from;
	(void)to;
	(void)flags;
	if ((sig->dir == FZ_SIG_DIR_INITIATOR && m->dir != 0) ||
	    (sig->dir == FZ_SIG_DIR_RESPONDER && m->dir != 1))
		return 0;
	if (m->best < 0 || sig->prio > m->sigs->sigs[m->best].prio)
		m->best = (int)id;
	return 0;
}

static hs_database_t *compile_stream_db(const struct fz_sigs *sigs, uint8_t proto)
{
	const char **ex = calloc(sigs->n_sigs, sizeof(*ex));
	unsigned *fl = calloc(sigs->n_sigs, sizeof(*fl));
	unsigned *ids = calloc(sigs->n_sigs, sizeof(*ids));
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	unsigned i, n = 0;

	for (i = 0; i < sigs->n_sigs; i++) {
		const struct fz_sig *sg = &sigs->sigs[i];

		if (sg->proto != FZ_SIG_PROTO_ANY && sg->proto != proto)
			continue;
		ex[n] = sg->regex;
		fl[n] = HS_FLAG_SINGLEMATCH |
		        ((sg->flags & FZ_SIG_CASELESS) ? HS_FLAG_CASELESS : 0) |
		        ((sg->flags & FZ_SIG_DOTALL) ? HS_FLAG_DOTALL : 0) |
		        ((sg->flags & FZ_SIG_MULTILINE) ? HS_FLAG_MULTILINE : 0);
		ids[n++] = i;
	}
	if (n && hs_compile_multi(ex, fl, ids, n, HS_MODE_STREAM, NULL, &db, &cerr) != HS_SUCCESS) {
		fprintf(stderr, "stream compile: %s\n", cerr->message);
		hs_free_compile_error(cerr);
		db = NULL;
	}
	free(ex);
	free(fl);
	free(ids);
	return db;
}

static double bench_stream(const struct bench *b, const struct fz_sigs *sigs, unsigned rounds,
                           unsigned max_pkts, unsigned max_bytes, size_t *state_size,
                           unsigned *named)
{
	hs_database_t *db[2] = {compile_stream_db(sigs, 6), compile_stream_db(sigs, 17)};
	struct stream_flow *sf = calloc(b->n_flows, sizeof(*sf));
	hs_scratch_t *scratch = NULL;
	double t0, t = 0;
	unsigned r, d;
	size_t i;

	if (db[0] == NULL || db[1] == NULL || sf == NULL)
		return -1;
	hs_alloc_scratch(db[0], &scratch);
	hs_alloc_scratch(db[1], &scratch);
	hs_stream_size(db[0], state_size);
	for (r = 0; r < rounds; r++) {
		memset(sf, 0, b->n_flows * sizeof(*sf));
		t0 = now_ns();
		for (i = 0; i < b->n_pkts; i++) {
			const struct bench_pkt *p = &b->pkts[i];
			struct stream_flow *f = &sf[p->flow];
			struct stream_match m = {sigs, p->dir, -1};
			uint32_t len = p->len;

			if (f->done || f->pkts[p->dir] >= max_pkts || f->bytes[p->dir] >= max_bytes)
				continue;
			if (len > max_bytes - f->bytes[p->dir])
				len = max_bytes - f->bytes[p->dir];
			f->pkts[p->dir]++;
			f->bytes[p->dir] = (uint16_t)(f->bytes[p->dir] + len);
			if (f->hs[p->dir] == NULL &&
			    hs_open_stream(db[p->proto == 17], 0, &f->hs[p->dir]) != HS_SUCCESS)
				abort();
			hs_scan_stream(f->hs[p->dir], (const char *)p->payload, len, 0, scratch,
			               on_stream_match, &m);
			if (m.best >= 0) {
				f->app = sigs->sigs[m.best].app;
				f->done = 1;
			}
			if (f->done || ((f->pkts[0] >= max_pkts || f->bytes[0] >= max_bytes) &&
			                (f->pkts[1] >= max_pkts || f->bytes[1] >= max_bytes))) {
				f->done = 1;
				for (d = 0; d < 2; d++)
					if (f->hs[d])
						hs_close_stream(f->hs[d], scratch, NULL, NULL);
				f->hs[0] = f->hs[1] = NULL;
			}
		}
		t0 = now_ns() - t0;
		if (r == 0 || t0 < t)
			t = t0;
		for (i = 0; i < b->n_flows; i++)
			for (d = 0; d < 2; d++)
				if (sf[i].hs[d])
					hs_close_stream(sf[i].hs[d], scratch, NULL, NULL);
	}
	*named = 0;
	for (i = 0; i < b->n_flows; i++)
		*named += sf[i].app != 0;
	free(sf);
	hs_free_scratch(scratch);
	hs_free_database(db[0]);
	hs_free_database(db[1]);
	return t;
}

int run_bench(const char *sig_path, char **files, int n_files, unsigned rounds)
{
	struct fz_l7_conf conf = {.sig_path = sig_path};
	struct bench b = {0};
	struct fz_l7 *l7;
	struct fz_l7_scratch *s;
	struct fz_l7_flow *st;
	struct fz_sigs *sigs;
	uint32_t *slot_to_flow = calloc(TABLE_SIZE, sizeof(uint32_t));
	char err[512];
	uint64_t scans, sink = 0;
	unsigned named;
	size_t state = 0, first, i;
	double t, base;
	int fi;

	l7 = fz_l7_create(&conf, err, sizeof(err));
	sigs = fz_sigs_load(sig_path, err, sizeof(err));
	if (l7 == NULL || sigs == NULL || slot_to_flow == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	s = fz_l7_scratch_create(l7);
	for (fi = 0; fi < n_files; fi++) {
		first = b.n_pkts;
		b.base = 0;
		if (read_file(files[fi], collect_packet, &b) < 0)
			return 1;
		/* Number this file's flows after the previous files' flows. */
		for (i = 0; i < n_flows; i++)
			slot_to_flow[order[i]] = b.n_flows + (uint32_t)i;
		for (i = first; i < b.n_pkts; i++)
			b.pkts[i].flow = slot_to_flow[b.pkts[i].flow];
		b.n_flows += n_flows;
	}
	st = calloc(b.n_flows, sizeof(*st));
	printf("input: %d captures, %u flows, %llu packets, %zu with payload; %u rounds; %u "
	       "signatures\n",
	       n_files, b.n_flows, (unsigned long long)b.all_pkts, b.n_pkts, rounds,
	       fz_l7_sig_count(l7));
	base = bench_baseline(&b, rounds, &sink);
	printf("baseline loop:   %7.1f ns per payload packet (sink %llu)\n",
	       base / (double)b.n_pkts, (unsigned long long)(sink & 1));
	t = bench_block(&b, l7, s, st, rounds, &scans, &named);
	printf("block mode:      %7.1f ns per scanned packet, %7.1f ns per packet, %7.1f ns per "
	       "flow; %llu scans, %u flows named; state 8 bytes per flow\n",
	       t / (double)scans, t / (double)b.all_pkts, t / (double)b.n_flows,
	       (unsigned long long)scans, named);
	t = bench_stream(&b, sigs, rounds, FZ_L7_DEFAULT_MAX_PKTS, FZ_L7_DEFAULT_MAX_BYTES, &state,
	                 &named);
	printf("streaming mode:  %7.1f ns per packet, %7.1f ns per flow; %u flows named; "
	       "state %zu bytes per stream (2 per flow) + 8\n",
	       t / (double)b.all_pkts, t / (double)b.n_flows, named, state);
	for (i = 0; i < b.n_pkts; i++)
		free((void *)b.pkts[i].payload);
	free(b.pkts);
	free(st);
	free(slot_to_flow);
	fz_sigs_free(sigs);
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
	return 0;
}
