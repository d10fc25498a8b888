/*
 * Traffic bins: each ring element's packets go to the bin of their own
 * timestamps (docs/traffic.md). A flow's counts since its last bin report
 * all lie in the bin of its last packet (the worker reports before it
 * counts a packet of a later bin), so each element adds its counts less
 * what was reported before to that one bin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "traffic_priv.h"

static const struct fz_counter_def defs[] = {
    FZ_COUNTER(struct traffic_counters, records, FZ_CT_COUNTER, FZ_CF_INSTANCE, "records",
               "records", "traffic records written"),
    FZ_COUNTER(struct traffic_counters, bin_reports, FZ_CT_COUNTER, FZ_CF_INSTANCE, "bin_reports",
               "records", "bin reports taken from the workers"),
    FZ_COUNTER(struct traffic_counters, tracked_flows, FZ_CT_GAUGE, FZ_CF_INSTANCE, "tracked_flows",
               "flows", "flows whose counts were partly reported, now"),
    FZ_COUNTER(struct traffic_counters, open_bins, FZ_CT_GAUGE, FZ_CF_INSTANCE, "open_bins", NULL,
               "bins not written yet, now"),
    FZ_COUNTER(struct traffic_counters, late_records, FZ_CT_COUNTER, FZ_CF_INSTANCE, "late_records",
               "records", "flows and bin reports for a bin already written"),
    FZ_COUNTER(struct traffic_counters, late_bytes, FZ_CT_COUNTER, FZ_CF_INSTANCE, "late_bytes",
               "bytes", "their bytes, not in any traffic record"),
    FZ_COUNTER(struct traffic_counters, skipped_bins, FZ_CT_COUNTER, FZ_CF_INSTANCE, "skipped_bins",
               NULL,
               "empty bins not written: gaps of more than 1440 bins between the input's packets"),
    FZ_COUNTER(struct traffic_counters, no_memory, FZ_CT_COUNTER, FZ_CF_INSTANCE, "no_memory",
               "records", "contributions lost to a failed allocation"),
};

struct fz_traffic *fz_traffic_create(const struct fz_traffic_conf *conf)
{
	struct fz_traffic *t;

	if (conf->bin_us == 0 || conf->n_workers == 0 || conf->top_capacity == 0 ||
	    conf->emit == NULL) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->conf = *conf;
	t->jbuf.max = 64u << 20;
	t->marks = calloc(conf->n_workers, sizeof(*t->marks));
	t->totals = calloc(conf->n_nets ? conf->n_nets : 1, sizeof(*t->totals));
	t->pub = fz_counter_pub_create(sizeof(struct traffic_counters));
	if (t->marks == NULL || t->totals == NULL || t->pub == NULL || seen_init(&t->seen) < 0 ||
	    fz_traffic_text_init(t) < 0) {
		fz_traffic_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->set = (struct fz_counter_set){
	    .name = "traffic",
	    .summary = "traffic",
	    .shape = FZ_SET_SINGLE,
	    .defs = defs,
	    .n_defs = sizeof(defs) / sizeof(defs[0]),
	    .block = sizeof(struct traffic_counters),
	    .instances = fz_counter_pub_instances,
	    .read = fz_counter_pub_read_block,
	    .arg = t->pub,
	};
	return t;
}

void fz_traffic_free_bin(struct fz_traffic *t, struct bin *b)
{
	for (unsigned i = 0; b->nets && i < t->conf.n_nets; i++) {
		free(b->nets[i].apps);
		for (int k = 0; k < TOP__COUNT && b->nets[i].has_top; k++)
			topn_free(&b->nets[i].top[k]);
	}
	free(b->nets);
	b->nets = NULL;
}

void fz_traffic_free(struct fz_traffic *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i < t->n_bins; i++)
		fz_traffic_free_bin(t, &t->bins[i]);
	free(t->bins);
	free(t->marks);
	free(t->totals);
	seen_free(&t->seen);
	fz_traffic_text_free(t);
	fz_counter_pub_free(t->pub);
	free(t->jbuf.buf);
	free(t);
}

const struct fz_counter_set *fz_traffic_counter_set(struct fz_traffic *t)
{
	return &t->set;
}

const struct fz_traffic_counts *fz_traffic_totals(const struct fz_traffic *t)
{
	return t->totals;
}

void fz_traffic_publish(struct fz_traffic *t)
{
	t->c.tracked_flows = t->seen.n;
	t->c.open_bins = t->n_bins;
	fz_counter_pub_write(t->pub, &t->c);
}

/* Insert an empty bin for index at position pos of the sorted array. */
static struct bin *insert_bin(struct fz_traffic *t, unsigned pos, uint64_t index)
{
	struct net_bin *nets = calloc(t->conf.n_nets ? t->conf.n_nets : 1, sizeof(*nets));

	if (nets == NULL)
		return NULL;
	if (t->n_bins == t->cap_bins) {
		unsigned cap = t->cap_bins ? t->cap_bins * 2 : 8;
		struct bin *nb = realloc(t->bins, cap * sizeof(*nb));

		if (nb == NULL) {
			free(nets);
			return NULL;
		}
		t->bins = nb;
		t->cap_bins = cap;
	}
	memmove(&t->bins[pos + 1], &t->bins[pos], (t->n_bins - pos) * sizeof(*t->bins));
	t->bins[pos].index = index;
	t->bins[pos].nets = nets;
	t->n_bins++;
	return &t->bins[pos];
}

/*
 * The bin of index, made when missing together with the empty bins between
 * it and its neighbours (written as zeros) — unless a gap is longer than
 * FZ_TRAFFIC_MAX_GAP bins (captures of different days replayed together):
 * such empty bins are counted as skipped, not written.
 */
static struct bin *bin_at(struct fz_traffic *t, uint64_t index)
{
	unsigned pos = t->n_bins;

	while (pos > 0 && t->bins[pos - 1].index > index)
		pos--;
	if (pos > 0 && t->bins[pos - 1].index == index)
		return &t->bins[pos - 1];
	t->started = 1;
	/* Fill the gaps below (to the previous bin, or the last one written) and above. */
	{
		uint64_t below = pos > 0      ? t->bins[pos - 1].index + 1
		                 : t->written ? t->next
		                              : index;
		uint64_t above = pos < t->n_bins ? t->bins[pos].index : index + 1;
		unsigned at;

		if (index - below > FZ_TRAFFIC_MAX_GAP)
			t->c.skipped_bins += index - below;
		else
			for (uint64_t k = below; k < index; k++)
				if (insert_bin(t, pos++, k) == NULL)
					return NULL;
		at = pos;
		if (insert_bin(t, pos++, index) == NULL)
			return NULL;
		if (above - index - 1 > FZ_TRAFFIC_MAX_GAP)
			t->c.skipped_bins += above - index - 1;
		else
			for (uint64_t k = index + 1; k < above; k++)
				if (insert_bin(t, pos++, k) == NULL)
					return NULL;
		return &t->bins[at];
	}
}

/* A record's packets and bytes as one network sees them: sent out of it and come in. */
struct inout {
	uint64_t packets_out, bytes_out, packets_in, bytes_in;
};

static void add_counts(struct fz_traffic_counts *c, const struct inout *d, int is_new)
{
	c->packets_out += d->packets_out;
	c->bytes_out += d->bytes_out;
	c->packets_in += d->packets_in;
	c->bytes_in += d->bytes_in;
	c->flows++;
	c->flows_new += (uint64_t)is_new;
}

/* One flow record's contribution (packets and bytes by direction) to network id in nb. */
static int add_to_net(struct fz_traffic *t, struct net_bin *nb, const struct fz_flow_rec *r,
                      unsigned id, const uint64_t p[2], const uint64_t by[2], int is_new,
                      int ignored)
{
	unsigned app = r->app < t->conf.n_apps ? r->app : 0;
	/* The initiator's side sends the forward packets; a flow within one network
	 * sends both directions out of it and into it. */
	int fwd_out = id == r->net[0], fwd_in = id == r->net[1];
	struct inout d = {
	    .packets_out = (fwd_out ? p[0] : 0) + (fwd_in ? p[1] : 0),
	    .bytes_out = (fwd_out ? by[0] : 0) + (fwd_in ? by[1] : 0),
	    .packets_in = (fwd_out ? p[1] : 0) + (fwd_in ? p[0] : 0),
	    .bytes_in = (fwd_out ? by[1] : 0) + (fwd_in ? by[0] : 0),
	};
	uint8_t port[16];

	if (!ignored) /* the alert metrics' copy (docs/alerts.md) */
		add_counts(&nb->alert, &d, is_new);
	add_counts(&nb->all, &d, is_new);
	add_counts(&t->totals[id - 1], &d, is_new);
	if (nb->apps == NULL && (nb->apps = calloc((t->conf.n_apps ? t->conf.n_apps : 1) * 3,
	                                           sizeof(uint64_t))) == NULL)
		return -ENOMEM;
	nb->apps[app * 3] += 1;
	nb->apps[app * 3 + 1] += p[0] + p[1];
	nb->apps[app * 3 + 2] += by[0] + by[1];
	if (!nb->has_top) {
		for (int k = 0; k < TOP__COUNT; k++)
			if (topn_init(&nb->top[k], t->conf.top_capacity) < 0) {
				while (k-- > 0)
					topn_free(&nb->top[k]);
				return -ENOMEM;
			}
		nb->has_top = 1;
	}
	traffic_port_key(port, r->key.port[1]);
	topn_add(&nb->top[TOP_SRC_IP], r->key.addr[0], p[0] + p[1], by[0] + by[1]);
	topn_add(&nb->top[TOP_DST_IP], r->key.addr[1], p[0] + p[1], by[0] + by[1]);
	topn_add(&nb->top[TOP_DST_PORT], port, p[0] + p[1], by[0] + by[1]);
	return 0;
}

/* rec's counts since its last report, to the bin of its last packet. */
static void account(struct fz_traffic *t, const struct fz_flow_rec *r, int final)
{
	struct seen_entry *s = seen_find(&t->seen, r);
	uint64_t p[2], by[2], index = r->last_us / t->conf.bin_us, start;
	struct bin *b;
	int ignored, is_new;

	for (int d = 0; d < 2; d++) {
		p[d] = r->packets[d] - (s ? s->packets[d] : 0);
		by[d] = r->bytes[d] - (s ? s->bytes[d] : 0);
	}
	if (final) {
		if (s)
			seen_remove(&t->seen, s);
	} else if (seen_put(&t->seen, r) < 0) {
		t->c.no_memory++;
	}
	/* Every record with packets makes its bin exist, so that the bins run from
	 * the first packet of the input to the last, also where no network is. */
	if (p[0] + p[1] == 0)
		return;
	if (t->started && index < t->next && t->written) {
		t->c.late_records++;
		t->c.late_bytes += by[0] + by[1];
		return;
	}
	b = bin_at(t, index);
	if (b == NULL) {
		t->c.no_memory++;
		return;
	}
	/* New in this bin: the first packet too lies in it (a multiplication, not a division). */
	start = index * t->conf.bin_us;
	is_new = r->first_us >= start && r->first_us - start < t->conf.bin_us;
	ignored = t->conf.alert_ignored && (r->net[0] || r->net[1]) &&
	          t->conf.alert_ignored(t->conf.alert_ignored_arg, r);
	for (int end = 0; end < 2; end++) {
		unsigned id = r->net[end];

		if (id == 0 || id > t->conf.n_nets || (end == 1 && id == r->net[0]))
			continue;
		if (add_to_net(t, &b->nets[id - 1], r, id, p, by, is_new, ignored) < 0)
			t->c.no_memory++;
	}
}

/* Write the bins every worker is past. */
static void close_bins(struct fz_traffic *t, int all)
{
	uint64_t w = UINT64_MAX;
	unsigned done = 0;

	for (unsigned i = 0; i < t->conf.n_workers && !all; i++) {
		const struct worker_mark *m = &t->marks[i];
		uint64_t wi;

		if (!m->heard)
			return;
		wi = m->done    ? UINT64_MAX
		     : m->empty ? (m->now_us > t->clock ? m->now_us : t->clock)
		                : m->oldest_us;
		if (wi < w)
			w = wi;
	}
	while (done < t->n_bins && (all || (t->bins[done].index + 1) * t->conf.bin_us <= w)) {
		struct bin *b = &t->bins[done];

		fz_traffic_write_bin(t, b, (b->index + 1) * t->conf.bin_us > t->clock);
		fz_traffic_free_bin(t, b);
		done++;
	}
	if (done) {
		t->next = t->bins[done - 1].index + 1;
		memmove(&t->bins[0], &t->bins[done], (t->n_bins - done) * sizeof(*t->bins));
		t->n_bins -= done;
		t->written = 1;
	}
}

void fz_traffic_record(struct fz_traffic *t, const struct fz_flow_rec *r)
{
	switch (r->kind) {
	case FZ_REC_FLOW:
		account(t, r, 1);
		break;
	case FZ_REC_BIN:
		t->c.bin_reports++;
		account(t, r, 0);
		break;
	case FZ_REC_MARK:
		if (r->worker < t->conf.n_workers) {
			struct worker_mark *m = &t->marks[r->worker];

			m->heard = 1;
			m->done = r->end_reason != 0;
			m->empty = r->first_us == 0;
			m->oldest_us = r->first_us;
			m->now_us = r->last_us;
			if (r->last_us > t->clock)
				t->clock = r->last_us;
			close_bins(t, 0);
		}
		break;
	}
}

void fz_traffic_finish(struct fz_traffic *t)
{
	close_bins(t, 1);
}
