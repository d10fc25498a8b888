/*
 * l7_pcap: an offline harness for the signatures. Reads captures with
 * libpcap, groups packets into bidirectional flows (VLAN, IP protocol, both
 * address/port ends; the initiator sends the first packet seen), runs
 * fz_l7_scan on each packet's payload exactly as a worker does, and prints
 * one JSON line per flow with the same field names as flowzoo's flow records
 * (app, src_ip, src_port, dst_ip, dst_port, ip_proto, vlan, packets), so
 * scripts/accuracy.py reads either. It is a test tool, not part of the app:
 * it keeps its own small parser so signatures can be tuned without DPDK.
 *
 *   l7_pcap SIGS FILE.pcap... > flows.jsonl
 *   l7_pcap --bench ROUNDS SIGS FILE.pcap...    (block vs streaming mode, docs/l7.md)
 */
#include <arpa/inet.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs.h>

#include "fz_l7.h"
#include "fz_sigs.h"

#define TABLE_SIZE (1u << 16)

struct key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan;
	uint8_t proto;
	uint8_t v6;
};

struct flow {
	struct key key; /* end 0 = initiator */
	uint64_t packets;
	struct fz_l7_flow l7;
	int used;
};

struct pkt {
	struct key key; /* end 0 = sender */
	const uint8_t *payload;
	uint32_t len;
	int ok;
};

static struct flow table[TABLE_SIZE];
static unsigned order[TABLE_SIZE];
static unsigned n_flows;

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void parse_l4(struct pkt *pk, const uint8_t *p, uint32_t len, uint8_t proto, int first_frag)
{
	pk->key.proto = proto;
	pk->ok = 1;
	if (!first_frag)
		return;
	if (proto == 6 && len >= 20) {
		uint32_t off = (uint32_t)(p[12] >> 4) * 4;

		pk->key.port[0] = rd16(p);
		pk->key.port[1] = rd16(p + 2);
		if (off >= 20 && off <= len) {
			pk->payload = p + off;
			pk->len = len - off;
		}
	} else if (proto == 17 && len >= 8) {
		pk->key.port[0] = rd16(p);
		pk->key.port[1] = rd16(p + 2);
		pk->payload = p + 8;
		pk->len = len - 8;
	}
}

static void parse_ip(struct pkt *pk, const uint8_t *p, uint32_t len)
{
	if (len >= 20 && (p[0] >> 4) == 4) {
		uint32_t hl = (uint32_t)(p[0] & 15) * 4, tot = rd16(p + 2);
		uint16_t frag = rd16(p + 6);

		if (hl < 20 || tot < hl)
			return;
		if (tot < len)
			len = tot;
		if (len < hl)
			return;
		memset(pk->key.addr, 0, sizeof(pk->key.addr));
		memcpy(pk->key.addr[0], p + 12, 4);
		memcpy(pk->key.addr[1], p + 16, 4);
		parse_l4(pk, p + hl, len - hl, p[9], (frag & 0x1fff) == 0);
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		uint32_t off = 40, plen = rd16(p + 4);
		uint8_t nh = p[6];
		int first = 1;

		if (plen + 40 < len)
			len = plen + 40;
		pk->key.v6 = 1;
		memcpy(pk->key.addr[0], p + 8, 16);
		memcpy(pk->key.addr[1], p + 24, 16);
		while ((nh == 0 || nh == 43 || nh == 60 || nh == 44) && off + 8 <= len) {
			if (nh == 44) {
				first = (rd16(p + off + 2) & 0xfff8) == 0;
				nh = p[off];
				off += 8;
			} else {
				nh = p[off];
				off += (uint32_t)(p[off + 1] + 1) * 8;
			}
		}
		if (off > len)
			return;
		parse_l4(pk, p + off, len - off, nh, first);
	}
}

static void parse_frame(struct pkt *pk, int dlt, const uint8_t *p, uint32_t len)
{
	uint16_t type;
	uint32_t off;

	memset(pk, 0, sizeof(*pk));
	if (dlt == DLT_RAW || dlt == 228 /* IPV4 */ || dlt == 229 /* IPV6 */) {
		parse_ip(pk, p, len);
		return;
	}
	if (dlt == DLT_LINUX_SLL) {
		if (len < 16)
			return;
		type = rd16(p + 14);
		off = 16;
	} else {
		if (len < 14)
			return;
		type = rd16(p + 12);
		off = 14;
	}
	/* Like nDPI, a QinQ flow is keyed by its innermost VLAN id. */
	while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 4 <= len) {
		pk->key.vlan = rd16(p + off) & 0xfff;
		type = rd16(p + off + 2);
		off += 4;
	}
	/* PPPoE session: 6-byte header, then the PPP protocol (0x21 IPv4, 0x57 IPv6). */
	if (type == 0x8864 && off + 8 <= len) {
		uint16_t ppp = rd16(p + off + 6);

		type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
		off += 8;
	}
	if (type == 0x0800 || type == 0x86dd)
		parse_ip(pk, p + off, len - off);
}

static unsigned hash_key(const struct key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* Key with the ends sorted, so both directions hash alike. */
static void canon(const struct key *k, struct key *c, int *swapped)
{
	int cmp = memcmp(k->addr[0], k->addr[1], 16);

	*c = *k;
	*swapped = cmp > 0 || (cmp == 0 && k->port[0] > k->port[1]);
	if (*swapped) {
		memcpy(c->addr[0], k->addr[1], 16);
		memcpy(c->addr[1], k->addr[0], 16);
		c->port[0] = k->port[1];
		c->port[1] = k->port[0];
	}
}

static struct flow *lookup(const struct key *k, unsigned *dir)
{
	struct key c, fc;
	int sw, fsw;
	unsigned h;

	canon(k, &c, &sw);
	for (h = hash_key(&c) & (TABLE_SIZE - 1);; h = (h + 1) & (TABLE_SIZE - 1)) {
		struct flow *f = &table[h];

		if (!f->used) {
			if (n_flows >= TABLE_SIZE / 2)
				return NULL;
			f->used = 1;
			f->key = *k;
			order[n_flows++] = h;
			*dir = 0;
			return f;
		}
		canon(&f->key, &fc, &fsw);
		if (memcmp(&fc, &c, sizeof(c)) == 0) {
			*dir = fsw == sw ? 0 : 1;
			return f;
		}
	}
}

static void print_addr(const struct key *k, int end)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(k->v6 ? AF_INET6 : AF_INET, k->addr[end], buf, sizeof(buf));
	printf("\"%s\"", buf);
}

/* Called for each TCP/UDP packet of a capture, after its flow is found. */
typedef void (*packet_fn)(void *ctx, struct flow *f, unsigned dir, const struct pkt *pk);

/* Read one capture into the (cleared) flow table, calling fn per packet. */
static int read_file(const char *path, packet_fn fn, void *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int dlt;

	if (pc == NULL) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	memset(table, 0, sizeof(table));
	n_flows = 0;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		struct pkt pk;
		struct flow *f;
		unsigned dir;

		parse_frame(&pk, dlt, data, h->caplen);
		if (!pk.ok || (pk.key.proto != 6 && pk.key.proto != 17))
			continue;
		f = lookup(&pk.key, &dir);
		if (f == NULL)
			continue;
		f->packets++;
		fn(ctx, f, dir, &pk);
	}
	pcap_close(pc);
	return 0;
}

struct classify_ctx {
	const struct fz_l7 *l7;
	struct fz_l7_scratch *s;
};

/* What a worker does: scan payload packets until the flow is done. */
static void classify_packet(void *arg, struct flow *f, unsigned dir, const struct pkt *pk)
{
	struct classify_ctx *c = arg;

	if (pk->len && !f->l7.done)
		fz_l7_scan(c->l7, c->s, &f->l7, dir, pk->key.proto, pk->key.port[0],
		           pk->key.port[1], pk->payload, pk->len);
}

static int classify_file(const char *path, const struct fz_l7 *l7, struct fz_l7_scratch *s)
{
	struct classify_ctx c = {l7, s};
	unsigned i;

	if (read_file(path, classify_packet, &c) < 0)
		return -1;
	for (i = 0; i < n_flows; i++) {
		const struct flow *f = &table[order[i]];

		printf("{\"type\":\"flow\",\"file\":\"%s\",\"app\":\"%s\",\"src_ip\":",
		       strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
		       fz_l7_app_names(l7)[f->l7.app]);
		print_addr(&f->key, 0);
		printf(",\"src_port\":%u,\"dst_ip\":", f->key.port[0]);
		print_addr(&f->key, 1);
		printf(",\"dst_port\":%u,\"ip_proto\":%u,\"vlan\":%u,\"packets\":%llu}\n",
		       f->key.port[1], f->key.proto, f->key.vlan, (unsigned long long)f->packets);
	}
	return 0;
}

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

static int run_bench(const char *sig_path, char **files, int n_files, unsigned rounds)
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

int main(int argc, char **argv)
{
	struct fz_l7_conf conf = {0};
	struct fz_l7_scratch *s;
	struct fz_l7 *l7;
	char err[512];
	int i, rc = 0;

	if (argc >= 5 && strcmp(argv[1], "--bench") == 0)
		return run_bench(argv[3], argv + 4, argc - 4, (unsigned)atoi(argv[2]));
	if (argc < 3) {
		fprintf(stderr,
		        "usage: %s SIGNATURES FILE.pcap...\n"
		        "       %s --bench ROUNDS SIGNATURES FILE.pcap...\n",
		        argv[0], argv[0]);
		return 2;
	}
	conf.sig_path = argv[1];
	l7 = fz_l7_create(&conf, err, sizeof(err));
	if (l7 == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	s = fz_l7_scratch_create(l7);
	if (s == NULL) {
		fprintf(stderr, "cannot allocate scratch\n");
		fz_l7_free(l7);
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (classify_file(argv[i], l7, s) < 0)
			rc = 1;
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
	return rc;
}
