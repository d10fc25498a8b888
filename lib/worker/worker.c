/*
 * The worker lcore loop. Per burst: receive up to BURST frames (a port's
 * mbufs, or a packet source's frame descriptors, e.g. a capture file's),
 * take each packet's time (its timestamp or the TSC), parse, resolve
 * fragments, account the whole burst in the flow table with one bulk
 * lookup, run L7 on the first packets of each flow, free the mbufs, expire
 * what timed out and hand the finished records, which the flow table wrote
 * straight into the ring's memory, to the stats lcore in one ring operation.
 * With sources only, nothing here needs EAL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "fz_flow_table.h"
#include "fz_frag.h"
#include "fz_hostwatch.h"
#include "fz_l7.h"
#include "fz_networks.h"
#include "fz_worker.h"
#include "worker_ring.h"

#define BURST            32
#define EXPIRE_PER_BURST 64 /* bounded expiry work per burst */
#define FRAG_ENTRIES     4096
#define FRAG_TIMEOUT_US  30000000ULL
#define EOF_QUIET_US     2000000 /* offline: give up on a queue this long without packets */

struct fz_worker {
	struct fz_worker_conf conf;
	struct fz_flow_table *table;
	struct fz_frag_table *frag;
	struct fz_l7_scratch *scratch; /* NULL: no L7 */
	const struct fz_l7_gate *gate; /* L7's decisions without Hyperscan, inline */
	uint64_t *l7_skipped;          /* the scratch's count of payloads not scanned */
	struct fz_hostwatch *hw;       /* NULL: no attack detection */
	struct fz_worker_counters c;
	/* Rx timestamp dynamic field, when a port registered it. */
	int ts_off;
	uint64_t ts_flag;
	/* Time. */
	uint64_t now_us; /* latest time seen, for expiry */
	int pkt_clock;   /* time comes from packet timestamps, not the TSC */
	double us_per_tsc;
	/* The current burst. */
	struct fz_pkt pkts[BURST];
	uint64_t when[BURST];
	struct fz_hostwatch_pkt det[BURST]; /* attack detection: the burst's packets */
	unsigned n_det;
	/* Records are written straight into the ring's memory. */
	struct fz_ring_writer rw;
	/* Traffic bins: the last mark sent (bins of its two times, emptiness). */
	uint64_t mark_bins[2];
	int mark_sent, mark_empty;
	volatile int done;
};

static inline uint64_t tsc_now_us(const struct fz_worker *w)
{
	return w->conf.epoch_us_at_start +
	       (uint64_t)((double)(rte_rdtsc() - w->conf.tsc_at_start) * w->us_per_tsc);
}

/* Where the next record goes: straight into the ring's memory (worker_ring.h). */
static struct fz_flow_rec *stage_slot(void *arg)
{
	return fz_ring_writer_slot(&((struct fz_worker *)arg)->rw);
}

static void stage(struct fz_worker *w, const struct fz_flow_rec *rec)
{
	struct fz_flow_rec *slot = fz_ring_writer_slot(&w->rw);

	*slot = *rec;
	fz_ring_writer_keep(&w->rw);
}

/* The table built rec at stage_slot's place: keep it. */
static void on_export(void *arg, struct fz_flow_rec *rec, const uint64_t *app_state)
{
	struct fz_worker *w = arg;

	rec->app = ((const struct fz_l7_flow *)app_state)->app;
	if (rec->kind == FZ_REC_BIN)
		w->c.bin_reports++;
	fz_ring_writer_keep(&w->rw);
}

static void on_new_flow(void *arg, const struct fz_flow_key *key, uint16_t net[2])
{
	const struct fz_networks *n = arg;

	net[0] = fz_networks_lookup(n, key->addr[0], key->ip_version);
	net[1] = fz_networks_lookup(n, key->addr[1], key->ip_version);
}

/*
 * With traffic bins, tell the stats lcore (in order with the records) how
 * far this worker is: the last-packet time of its least recently active
 * flow (every flow with a packet before it has reported it), or its clock
 * when its table is empty. Sent when either time enters a new bin, when the
 * table becomes empty or not, and at the end (done).
 */
static void mark(struct fz_worker *w, int done)
{
	uint64_t oldest = fz_flow_table_oldest_us(w->table), bins[2];
	int empty = oldest == UINT64_MAX;
	struct fz_flow_rec m;

	if (!w->conf.bin_us)
		return;
	bins[0] = empty ? 0 : oldest / w->conf.bin_us;
	bins[1] = w->now_us / w->conf.bin_us;
	if (!done && w->mark_sent && empty == w->mark_empty && bins[0] == w->mark_bins[0] &&
	    bins[1] == w->mark_bins[1])
		return;
	memset(&m, 0, sizeof(m));
	m.kind = FZ_REC_MARK;
	m.first_us = empty ? 0 : oldest;
	m.last_us = w->now_us;
	m.end_reason = (uint8_t)done;
	m.worker = w->conf.id;
	stage(w, &m);
	w->mark_bins[0] = bins[0];
	w->mark_bins[1] = bins[1];
	w->mark_empty = empty;
	w->mark_sent = 1;
}

static void emit_report(void *arg, const struct fz_flow_rec *rec)
{
	stage(arg, rec);
}

static void on_packet(void *arg, unsigned i, const struct fz_flow_pkt_view *v)
{
	struct fz_worker *w = arg;
	const struct fz_pkt *p = &w->pkts[i];
	struct fz_l7_flow *st = (struct fz_l7_flow *)v->app_state;
	uint32_t len = p->payload_len;

	/* fz_l7_scan in two parts: most payloads are settled inline. */
	if (!st->done && len && w->scratch &&
	    fz_l7_gate_charge(w->gate, st, v->dir, p->key.proto, p->payload, &len, w->l7_skipped))
		/* The key is in canonical order now: the sender's end has its source port. */
		fz_l7_scan_charged(w->conf.l7, w->scratch, st, v->dir, p->key.proto,
		                   p->key.port[v->sender], p->key.port[!v->sender], p->payload,
		                   len);
	if (w->hw && (v->net[!v->sender] || w->conf.networks == NULL))
		w->det[w->n_det++] = (struct fz_hostwatch_pkt){
		    p->key.addr[!v->sender], p->key.addr[v->sender], w->when[i],   p->ip_len,
		    v->net[!v->sender],      p->key.ip_version,      p->tcp_flags, v->handshake};
}

static enum fz_parse_status parse_frame(uint8_t link, const uint8_t *d, uint32_t len,
                                        struct fz_pkt *p)
{
	switch (link) {
	case FZ_LINK_SLL:
		return fz_parse_sll(d, len, p);
	case FZ_LINK_SLL2:
		return fz_parse_sll2(d, len, p);
	case FZ_LINK_RAW:
		return fz_parse_ip(d, len, p);
	default:
		return fz_parse_ether(d, len, p);
	}
}

/* Account one received burst: frame descriptors, whatever the source. */
static void handle_burst(struct fz_worker *w, const struct fz_worker_queue *q,
                         const struct fz_frame *fr, unsigned n)
{
	/* The clock, the burst's latest time and its bytes stay in registers
	 * (the counters are read by a monitor: stored once a burst). */
	uint64_t tsc_us = 0, now = w->now_us, latest = 0, bytes = 0;
	unsigned k = 0;
	int use_ts = q->ts_us && w->pkt_clock;

	if (!use_ts || w->conf.clock == FZ_CLOCK_AUTO)
		tsc_us = tsc_now_us(w); /* for packets without a stamp */
	for (unsigned i = 0; i < n; i++) {
		const struct fz_frame *m = &fr[i];
		struct fz_pkt *p = &w->pkts[k];
		enum fz_parse_status st;
		uint64_t t = tsc_us;

		bytes += m->pkt_len;
		if (use_ts && m->has_ts)
			t = m->ts_us;
		else if (w->conf.clock == FZ_CLOCK_PCAP)
			t = now; /* no stamp on this packet: keep the clock where it is */
		if (t > now)
			now = t;
		st = parse_frame(m->link, m->data, m->len, p);
		if (st != FZ_PARSE_OK) {
			w->c.parse[st]++;
			continue;
		}
		/* Only the first segment was parsed; a length taken from the frame
		 * itself must count the other segments too. */
		if (p->ip_len_from_frame && m->pkt_len > m->len)
			p->ip_len += m->pkt_len - m->len;
		if (p->frag != FZ_FRAG_NONE) {
			w->c.fragments++;
			if (p->frag == FZ_FRAG_FIRST)
				fz_frag_table_note_first(w->frag, p, t);
			else if (!fz_frag_table_resolve(w->frag, p, t))
				w->c.fragments_unmatched++;
		}
		/* The flow table wants non-decreasing times within a burst. */
		if (t > latest)
			latest = t;
		w->when[k] = latest;
		k++;
	}
	w->now_us = now;
	w->c.packets += n;
	w->c.bytes += bytes;
	w->c.flow_packets += k; /* each goes through the table (on_packet) */
	w->n_det = 0;
	fz_flow_table_update_burst(w->table, w->pkts, k, w->when, on_packet, w);
	if (w->n_det)
		fz_hostwatch_burst(w->hw, w->det, w->n_det);
}

/* A DPDK port's mbufs as frame descriptors (the time from the rx timestamp dynfield). */
static void mbuf_frames(const struct fz_worker *w, const struct fz_worker_queue *q,
                        struct rte_mbuf **mb, unsigned n, struct fz_frame *fr)
{
	for (unsigned i = 0; i < n; i++) {
		const struct rte_mbuf *m = mb[i];

		fr[i].data = rte_pktmbuf_mtod(m, const uint8_t *);
		fr[i].len = m->data_len;
		fr[i].pkt_len = m->pkt_len;
		fr[i].link = q->link;
		fr[i].has_ts = w->ts_off >= 0 && (m->ol_flags & w->ts_flag) != 0;
		fr[i].ts_us = fr[i].has_ts
		                  ? *RTE_MBUF_DYNFIELD(m, w->ts_off, const rte_mbuf_timestamp_t *)
		                  : 0;
	}
}

/* Take a burst from a queue: a port's mbufs or a source's frames. Sets *ended
 * when a source has nothing more. */
static uint16_t queue_burst(struct fz_worker *w, const struct fz_worker_queue *q,
                            struct rte_mbuf **mb, struct fz_frame *fr, uint16_t want, int *ended)
{
	uint16_t n;

	*ended = 0;
	if (q->src.burst)
		return (uint16_t)q->src.burst(q->src.ctx, fr, want, ended);
	n = rte_eth_rx_burst(q->port, q->queue, mb, want);
	mbuf_frames(w, q, mb, n, fr);
	return n;
}

/* A quiet source's packet clock moves on, so that its flows still expire. */
static void quiet_source_clock(struct fz_worker *w, const struct fz_worker_queue *q)
{
	uint64_t t;

	if (!q->src.now_us || !w->pkt_clock)
		return;
	t = q->src.now_us(q->src.ctx);
	if (t > w->now_us)
		w->now_us = t;
}

static void publish_table_stats(struct fz_worker *w)
{
	const struct fz_flow_table_stats *s = fz_flow_table_stats(w->table);

	w->c.flows_created = s->created;
	w->c.flows_active = s->active;
	memcpy(w->c.flows_ended, s->ended, sizeof(w->c.flows_ended));
	if (w->scratch) {
		const struct fz_l7_scan_stats *l = fz_l7_scratch_stats(w->scratch);

		w->c.l7_scanned = l->scanned;
		w->c.l7_skipped = l->skipped;
	}
	if (w->hw) {
		const struct fz_hostwatch_stats *h = fz_hostwatch_stats(w->hw);

		w->c.host_reports = h->reports;
		w->c.detect_full = h->full;
	}
}

/*
 * Offline, a queue returned nothing. net_pcap does so only at the end of the
 * capture (or at a record it cannot read) or when it found no free mbuf,
 * which it counts in rx_nombuf: so the queue has ended when rx_nombuf did
 * not grow. Otherwise it is retried, and given up after staying quiet too
 * long; frames a counted capture still held are counted as missing_at_eof.
 */
static int offline_queue_ended(struct fz_worker *w, const struct fz_worker_queue *q, uint64_t got,
                               uint64_t *quiet_since, uint64_t *nombuf_seen, uint64_t quiet_tsc)
{
	uint64_t now = rte_rdtsc();
	struct rte_eth_stats st;
	int ended = 0;

	if (rte_eth_stats_get(q->port, &st) == 0) {
		ended = st.rx_nombuf == *nombuf_seen;
		*nombuf_seen = st.rx_nombuf;
	}
	if (!ended && *quiet_since == 0)
		*quiet_since = now;
	else if (!ended && now - *quiet_since > quiet_tsc)
		ended = 1;
	if (ended && q->expect_packets > got)
		w->c.missing_at_eof += q->expect_packets - got;
	return ended;
}

/*
 * Pacing: how many of want packets the worker may take now, so that after t
 * seconds of TSC time since the loop started it has taken at most
 * pace_pps * t. A stalled loop catches up at most a burst per queue and loop.
 */
static uint16_t paced_want(const struct fz_worker *w, uint16_t want, uint64_t received)
{
	unsigned __int128 due =
	    (unsigned __int128)(rte_rdtsc() - w->c.start_tsc) * w->conf.pace_pps / w->conf.tsc_hz;

	if (due <= received)
		return 0;
	return due - received < want ? (uint16_t)(due - received) : want;
}

int fz_worker_run(void *arg)
{
	struct fz_worker *w = arg;
	struct rte_mbuf *mb[BURST];
	struct fz_frame fr[BURST];
	uint64_t got[FZ_WORKER_MAX_QUEUES] = {0};
	uint64_t quiet_since[FZ_WORKER_MAX_QUEUES] = {0};
	uint64_t nombuf_seen[FZ_WORKER_MAX_QUEUES] = {0};
	unsigned cur = 0;      /* offline: the queue being read */
	uint64_t received = 0; /* packets from all queues (pacing) */
	enum fz_end_reason reason;
	uint64_t quiet_tsc = w->conf.tsc_hz * (EOF_QUIET_US / 1000) / 1000;

	w->c.start_tsc = rte_rdtsc();
	w->now_us = w->pkt_clock ? 0 : tsc_now_us(w);
	while (!*w->conf.stop) {
		unsigned first = w->conf.offline ? cur : 0;
		unsigned last = w->conf.offline ? cur + 1 : w->conf.n_queues;

		if (w->conf.offline && cur == w->conf.n_queues)
			break;
		for (unsigned qi = first; qi < last; qi++) {
			const struct fz_worker_queue *q = &w->conf.queues[qi];
			uint16_t want = BURST;
			uint16_t n;
			int ended = 0;

			if (q->expect_packets && q->expect_packets - got[qi] < BURST)
				want = (uint16_t)(q->expect_packets - got[qi]);
			if (w->conf.pace_pps)
				want = paced_want(w, want, received);
			n = want ? queue_burst(w, q, mb, fr, want, &ended) : 0;
			if (n == 0) {
				quiet_source_clock(w, q);
				if (!w->conf.offline)
					continue;
				/* Offline: the queue is done when it delivered what the
				 * capture holds (when counted), or at the capture's end. */
				if (want == 0 || ended ||
				    (!q->src.burst &&
				     offline_queue_ended(w, q, got[qi], &quiet_since[qi],
				                         &nombuf_seen[qi], quiet_tsc)))
					cur++;
				continue;
			}
			quiet_since[qi] = 0;
			got[qi] += n;
			received += n;
			if (*w->conf.suspended)
				w->c.suspended += n;
			else
				handle_burst(w, q, fr, n);
			if (!q->src.burst)
				rte_pktmbuf_free_bulk(mb, n);
		}
		if (!w->pkt_clock) {
			uint64_t t = tsc_now_us(w);

			if (t > w->now_us)
				w->now_us = t;
		}
		fz_flow_table_expire(w->table, w->now_us, EXPIRE_PER_BURST);
		if (w->hw)
			fz_hostwatch_tick(w->hw, w->now_us, 0);
		mark(w, 0);
		fz_ring_writer_close(&w->rw);
		publish_table_stats(w);
	}
	reason = w->conf.offline && !*w->conf.stop ? FZ_END_EOF : FZ_END_SHUTDOWN;
	/* From here on records wait for room in the ring: the flush must not lose any. */
	w->rw.offline = 1;
	/* Flows that had already timed out at the last moment seen end for that
	 * reason, not as cut by the end: expiry is bounded per burst while running. */
	fz_flow_table_expire(w->table, w->now_us, UINT32_MAX);
	fz_flow_table_flush(w->table, reason);
	if (w->hw)
		fz_hostwatch_tick(w->hw, w->now_us, 1);
	mark(w, 1);
	fz_ring_writer_close(&w->rw);
	publish_table_stats(w);
	w->c.stop_tsc = rte_rdtsc();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return 0;
}

struct fz_worker *fz_worker_create(const struct fz_worker_conf *conf)
{
	struct fz_worker *w;
	struct fz_flow_table_conf tc;

	if (conf == NULL || conf->ring == NULL || conf->stop == NULL || conf->suspended == NULL ||
	    conf->n_queues > FZ_WORKER_MAX_QUEUES || conf->tsc_hz == 0) {
		errno = EINVAL;
		return NULL;
	}
	w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
	if (w == NULL)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->conf = *conf;
	w->us_per_tsc = 1e6 / (double)conf->tsc_hz;
	w->rw.ring = conf->ring;
	w->rw.offline = conf->offline;
	w->rw.records = &w->c.records;
	w->rw.full = &w->c.ring_full;
	w->ts_off = -1;
	/* Only DPDK ports need the mbuf's timestamp (and EAL, to look it up). */
	for (unsigned i = 0; i < conf->n_queues; i++)
		if (!conf->queues[i].src.burst && w->ts_off < 0)
			w->ts_off =
			    rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	if (w->ts_off >= 0) {
		int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);

		if (bit < 0)
			w->ts_off = -1;
		else
			w->ts_flag = 1ULL << bit;
	}
	/* Packet time, when asked for or (auto) when a port stamps packets. */
	for (unsigned i = 0; i < conf->n_queues; i++)
		if (conf->queues[i].ts_us && (w->ts_off >= 0 || conf->queues[i].src.burst) &&
		    conf->clock != FZ_CLOCK_TSC)
			w->pkt_clock = 1;
	if (conf->clock == FZ_CLOCK_PCAP)
		w->pkt_clock = 1;
	memset(&tc, 0, sizeof(tc));
	tc.capacity = conf->flows;
	tc.idle_us = conf->idle_us;
	tc.active_us = conf->active_us;
	tc.linger_us = conf->linger_us;
	tc.worker = conf->id;
	tc.export_fn = on_export;
	tc.export_arg = w;
	tc.rec_slot = stage_slot;
	tc.rec_window = &w->rw.win;
	if (conf->networks) {
		tc.net_fn = on_new_flow;
		tc.net_arg = (void *)conf->networks;
	}
	tc.bin_us = conf->bin_us;
	w->table = fz_flow_table_create(&tc);
	w->frag = fz_frag_table_create(FRAG_ENTRIES, FRAG_TIMEOUT_US);
	if (w->table == NULL || w->frag == NULL)
		goto fail;
	if (conf->detect_hosts) {
		struct fz_hostwatch_conf hc = {.hosts = conf->detect_hosts,
		                               .all_hosts = conf->networks == NULL,
		                               .worker = conf->id,
		                               .emit = emit_report,
		                               .emit_arg = w};

		w->hw = fz_hostwatch_create(&hc);
		if (w->hw == NULL)
			goto fail;
	}
	if (conf->l7 != NULL) {
		w->scratch = fz_l7_scratch_create(conf->l7);
		if (w->scratch == NULL)
			goto fail;
		w->gate = fz_l7_gate(conf->l7);
		w->l7_skipped = &fz_l7_scratch_counts(w->scratch)->skipped;
	}
	return w;
fail:
	fz_worker_free(w);
	errno = ENOMEM;
	return NULL;
}

void fz_worker_free(struct fz_worker *w)
{
	if (w == NULL)
		return;
	fz_flow_table_free(w->table);
	fz_frag_table_free(w->frag);
	fz_l7_scratch_free(w->scratch);
	fz_hostwatch_free(w->hw);
	free(w);
}

const struct fz_worker_counters *fz_worker_counters(const struct fz_worker *w)
{
	return &w->c;
}

int fz_worker_done(const struct fz_worker *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

size_t fz_worker_bytes_per_flow(const struct fz_worker *w)
{
	return fz_flow_table_bytes_per_flow(w->table);
}
