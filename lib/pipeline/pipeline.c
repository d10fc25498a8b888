/* The pipeline: consumers, exporters, their counters (see fz_pipeline.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_priv.h"

static const struct fz_counter_watch encode_watch = {"records_lost", "error",
                                                     "flow records could not be encoded", 0};

static const struct fz_counter_def pipe_defs[] = {
    FZ_COUNTER(struct pipe_counters, flows, FZ_CT_COUNTER, FZ_CF_TOTAL | FZ_CF_STATUS, "flows",
               "records", "flow records taken off the workers' rings"),
    {.name = "alerts",
     .help = "health alert records sent",
     .unit = "records",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_TOTAL,
     .n = 1,
     .offset = offsetof(struct pipe_counters, items) + FZ_ITEM_ALERT * sizeof(uint64_t)},
    {.name = "items",
     .help = "items given to the exporters, by kind",
     .unit = "records",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_HIDDEN,
     .n = FZ_ITEM__COUNT,
     .offset = offsetof(struct pipe_counters, items),
     .label = "kind",
     .label_values = fz_item_kind_names},
    {.name = "encode_errors",
     .help = "records that could not be encoded",
     .unit = "records",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_DROP,
     .n = 1,
     .offset = offsetof(struct pipe_counters, encode_errors),
     .watch = &encode_watch},
    FZ_COUNTER(struct pipe_counters, batches, FZ_CT_COUNTER, FZ_CF_HIDDEN, "export_batches",
               "batches", "batches of records handed to the export lcores"),
    FZ_COUNTER(struct pipe_counters, batch_waits, FZ_CT_COUNTER, FZ_CF_HIDDEN, "export_batch_waits",
               "waits",
               "times the stats lcore waited for an export lcore's free slot (back-pressure: "
               "the workers' rings fill meanwhile)"),
    FZ_COUNTER(struct pipe_counters, syncs, FZ_CT_COUNTER, FZ_CF_HIDDEN, "export_syncs", "waits",
               "times the stats lcore waited until the export lcores held nothing (each zoo "
               "stats record, exporters' status, flush, reopen)"),
};

static const struct fz_counter_watch lost_watch = {
    "records_lost", "error", "an exporter lost records (see its status in the summary)", 0};

static const struct fz_counter_def exp_defs[] = {
    FZ_COUNTER(struct exp_counters, taken, FZ_CT_COUNTER, FZ_CF_HIDDEN, "taken", "records",
               "items the exporter took"),
    FZ_COUNTER(struct exp_counters, failed, FZ_CT_COUNTER, FZ_CF_HIDDEN, "failed", "records",
               "items the exporter refused or could not take"),
    {.name = "lost",
     .help = "records the exporter lost (counted by the exporter)",
     .unit = "records",
     .type = FZ_CT_COUNTER,
     .flags = FZ_CF_HIDDEN,
     .n = 1,
     .offset = offsetof(struct exp_counters, lost),
     .watch = &lost_watch},
};

static unsigned n_exp(void *arg)
{
	return ((struct fz_pipeline *)arg)->n_exporters;
}

static void read_exp(void *arg, unsigned i, uint64_t *out)
{
	fz_counter_pub_read_block(((struct fz_pipeline *)arg)->epub, i, out);
}

static void label_exp(void *arg, unsigned i, char *buf, size_t cap)
{
	struct fz_pipeline *p = arg;

	strncpy(buf, p->exporters[i]->name, cap - 1);
	buf[cap - 1] = '\0';
}

struct fz_pipeline *fz_pipeline_create(const struct fz_pipeline_conf *conf)
{
	struct fz_pipeline *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->conf = *conf;
	p->prep_ex = -1;
	p->jbuf.max = conf->json_max ? conf->json_max : (16u << 20);
	p->pub = fz_counter_pub_create(sizeof(struct pipe_counters));
	p->epub = fz_counter_pub_create_blocks(sizeof(p->ec[0]), FZ_PIPELINE_MAX_EXPORTERS);
	if (p->pub == NULL || p->epub == NULL) {
		fz_pipeline_free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->set = (struct fz_counter_set){
	    .name = "pipeline",
	    .shape = FZ_SET_SINGLE, /* one block: no instance label in /metrics */
	    .defs = pipe_defs,
	    .n_defs = sizeof(pipe_defs) / sizeof(pipe_defs[0]),
	    .block = sizeof(struct pipe_counters),
	    .instances = fz_counter_pub_instances,
	    .read = fz_counter_pub_read_block,
	    .arg = p->pub,
	};
	p->eset = (struct fz_counter_set){
	    .name = "exporter",
	    .defs = exp_defs,
	    .n_defs = sizeof(exp_defs) / sizeof(exp_defs[0]),
	    .block = sizeof(struct exp_counters),
	    .instances = n_exp,
	    .read = read_exp,
	    .label = label_exp,
	    .arg = p,
	};
	return p;
}

static unsigned own_instances(void *arg)
{
	return ((struct exp_set *)arg)->n;
}

/* Instance i of the last published copy. */
static void own_read(void *arg, unsigned i, uint64_t *out)
{
	fz_counter_pub_read_block(((struct exp_set *)arg)->pub, i, out);
}

static void own_label(void *arg, unsigned i, char *buf, size_t cap)
{
	struct exp_set *x = arg;

	if (x->ec->label)
		x->ec->label(x->e, i, buf, cap);
	else
		snprintf(buf, cap, "%u", i);
}

static void own_free(struct exp_set *x)
{
	if (x == NULL)
		return;
	free(x->tmp);
	fz_counter_pub_free(x->pub);
	free(x);
}

/* The exporter's own counter set, when it declares counters. */
static int own_create(struct fz_pipeline *p, unsigned i, struct fz_exporter *e)
{
	const struct fz_exporter_counters *ec = e->ops->counters;
	struct exp_set *x;

	if (ec == NULL)
		return 0;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->p = p;
	x->e = e;
	x->ec = ec;
	x->n = ec->instances(e);
	x->tmp = calloc(x->n ? x->n : 1, ec->block);
	x->pub = fz_counter_pub_create_blocks(ec->block, x->n);
	if (x->tmp == NULL || x->pub == NULL) {
		own_free(x);
		return -ENOMEM;
	}
	x->set = (struct fz_counter_set){
	    .name = ec->name,
	    .shape = x->n == 1 ? FZ_SET_SINGLE : FZ_SET_LIST,
	    .defs = ec->defs,
	    .n_defs = ec->n_defs,
	    .block = ec->block,
	    .instances = own_instances,
	    .read = own_read,
	    .label = own_label,
	    .arg = x,
	};
	p->own[i] = x;
	return 0;
}

const struct fz_counter_set *fz_pipeline_exporter_own_set(const struct fz_pipeline *p, unsigned i)
{
	return i < p->n_exporters && p->own[i] ? &p->own[i]->set : NULL;
}

void fz_pipeline_free(struct fz_pipeline *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n_exporters; i++)
		own_free(p->own[i]);
	for (unsigned i = 0; i < p->n_exporters; i++)
		p->exporters[i]->ops->close(p->exporters[i]);
	fz_counter_pub_free(p->pub);
	fz_counter_pub_free(p->epub);
	fz_pipeline__lanes_free(p);
	free(p->jbuf.buf);
	free(p);
}

int fz_pipeline_add_consumer(struct fz_pipeline *p, const struct fz_consumer *c)
{
	int split = c->flow_ordered || c->snapshot || c->lane_flow || c->lane_turn ||
	            c->state_size || c->scratch_size;

	if (p->n_consumers == FZ_PIPELINE_MAX_CONSUMERS)
		return -ENOSPC;
	/* The split into an ordered part and a lane part comes whole, before the lanes. */
	if (split && (!c->flow || !c->flow_ordered || !c->snapshot || !c->lane_flow))
		return -EINVAL;
	if (split && p->lanes)
		return -EBUSY;
	p->consumers[p->n_consumers] = *c;
	if (c->flow) {
		p->flow_calls[p->n_flow_calls] = (struct flow_call){c->flow, c->arg};
		p->ordered_calls[p->n_flow_calls++] =
		    (struct flow_call){c->flow_ordered ? c->flow_ordered : c->flow, c->arg};
	}
	p->state_off[p->n_consumers] = p->state_size;
	p->state_size += (c->state_size + 63) & ~(size_t)63;
	p->scratch_off[p->n_consumers] = p->scratch_size;
	p->scratch_size += (c->scratch_size + 63) & ~(size_t)63;
	p->n_consumers++;
	return 0;
}

int fz_pipeline_add_exporter(struct fz_pipeline *p, struct fz_exporter *e)
{
	if (p->n_exporters == FZ_PIPELINE_MAX_EXPORTERS)
		return -ENOSPC;
	if (own_create(p, p->n_exporters, e) < 0)
		return -ENOMEM;
	p->exporters[p->n_exporters++] = e;
	p->kinds |= e->kinds;
	p->flags |= e->flags;
	if ((e->kinds & FZ_ITEM_BIT(FZ_ITEM_FLOW)) && !(e->flags & FZ_EXPORTER_BINARY))
		p->flow_json = 1;
	if ((e->kinds & FZ_ITEM_BIT(FZ_ITEM_FLOW)) && e->ops->prepare && e->ops->prepare_cap &&
	    p->prep_ex < 0)
		p->prep_ex = (int)p->n_exporters - 1;
	return 0;
}

unsigned fz_pipeline_exporters(const struct fz_pipeline *p)
{
	return p->n_exporters;
}

struct fz_exporter *fz_pipeline_exporter(const struct fz_pipeline *p, unsigned i)
{
	return i < p->n_exporters ? p->exporters[i] : NULL;
}

unsigned fz_pipeline__take(struct fz_pipeline *p, struct fz_item *it)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < p->n_exporters; i++) {
		struct fz_exporter *e = p->exporters[i];

		if (!(e->kinds & FZ_ITEM_BIT(it->kind)))
			continue;
		if (e->ops->take(e, it) < 0) {
			p->ec[i].failed++;
			failed++;
		} else {
			p->ec[i].taken++;
		}
	}
	return failed;
}

unsigned fz_pipeline_emit(struct fz_pipeline *p, struct fz_item *it)
{
	unsigned failed = 0;
	const char *json;
	size_t len;

	if (it->jbuf == NULL)
		it->jbuf = &p->jbuf;
	p->c.items[it->kind]++;
	if (p->lanes_on && it->kind != FZ_ITEM_FLOW) {
		/* The body is the caller's until we return: its JSON is made here and
		 * travels in the batch, in its place among the flows. */
		if (p->kinds & FZ_ITEM_BIT(it->kind)) {
			fz_item_json(it, &json, &len);
			fz_pipeline__lane_event(p, it);
		}
	} else {
		failed = fz_pipeline__take(p, it);
	}
	for (unsigned i = 0; it->kind != FZ_ITEM_FLOW && i < p->n_consumers; i++)
		if (p->consumers[i].item && (p->consumers[i].item_kinds & FZ_ITEM_BIT(it->kind)))
			p->consumers[i].item(p->consumers[i].arg, it);
	if (it->json_rc < 0)
		p->c.encode_errors++;
	return failed;
}

/* A bin report or a mark: to the consumers that take reports. */
static void report(struct fz_pipeline *p, const struct fz_flow_rec *rec)
{
	for (unsigned i = 0; i < p->n_consumers; i++)
		if (p->consumers[i].report)
			p->consumers[i].report(p->consumers[i].arg, rec);
}

/* A flow when export lanes take flows: the consumers (their ordered part), then the batch. */
static inline void flow_to_lanes(struct fz_pipeline *p, const struct fz_flow_rec *rec)
{
	struct fz_flow_item fi = {.rec = rec, .zoo = NULL};

	p->c.flows++;
	/* The flow joins the open batch: no cut until it has (lanes.c). */
	p->in_flow = 1;
	for (unsigned i = 0; i < p->n_flow_calls; i++)
		p->ordered_calls[i].fn(p->ordered_calls[i].arg, rec, &fi);
	p->in_flow = 0;
	p->c.items[FZ_ITEM_FLOW]++;
	fz_pipeline__lane_flow(p, rec, fi.zoo);
}

/* A flow without export lanes taking flows: the consumers, then the exporters from here. */
static void flow_here(struct fz_pipeline *p, const struct fz_flow_rec *rec)
{
	struct fz_flow_item fi = {.rec = rec, .zoo = NULL};
	struct fz_item it;
	char key[KEY_CAP];
	int klen;

	p->c.flows++;
	for (unsigned i = 0; i < p->n_flow_calls; i++)
		p->flow_calls[i].fn(p->flow_calls[i].arg, rec, &fi);
	if (!(p->kinds & FZ_ITEM_BIT(FZ_ITEM_FLOW)))
		return;
	memset(&it, 0, sizeof(it));
	it.kind = FZ_ITEM_FLOW;
	it.stream = "flows";
	/* The key text only when an exporter reads keys (Kafka's partitioning). */
	if (p->flags & FZ_EXPORTER_KEYS) {
		klen = fz_record_flow_key_text(&rec->key, key, sizeof(key));
		it.key = key;
		it.key_len = klen > 0 ? (size_t)klen : 0;
	}
	it.body = &fi;
	it.encode = p->conf.flow_encode;
	it.encode_arg = p->conf.flow_encode_arg;
	if (p->conf.n_apps)
		it.app = p->conf.app_names[rec->app < p->conf.n_apps ? rec->app : 0];
	fz_pipeline_emit(p, &it);
}

/* Do flows go to the export lanes (which only fz_pipeline_lanes_stop changes)? */
static inline int lanes_take_flows(const struct fz_pipeline *p)
{
	return p->lanes_on && (p->kinds & FZ_ITEM_BIT(FZ_ITEM_FLOW));
}

/* One element of a worker's ring, to where it goes. */
static inline void element(struct fz_pipeline *p, const struct fz_flow_rec *rec, int lanes)
{
	if (rec->last_us > p->packet_us)
		p->packet_us = rec->last_us;
	if (rec->kind != FZ_REC_FLOW)
		report(p, rec);
	else if (lanes)
		flow_to_lanes(p, rec);
	else
		flow_here(p, rec);
}

void fz_pipeline_flow(struct fz_pipeline *p, const struct fz_flow_rec *rec)
{
	element(p, rec, lanes_take_flows(p));
}

void fz_pipeline_flows(struct fz_pipeline *p, const struct fz_flow_rec *recs, unsigned n)
{
	int lanes = lanes_take_flows(p);

	for (unsigned i = 0; i < n; i++)
		element(p, &recs[i], lanes);
}

uint64_t fz_pipeline_packet_us(const struct fz_pipeline *p)
{
	return p->packet_us;
}

void fz_pipeline__poll_exporters(struct fz_pipeline *p)
{
	for (unsigned i = 0; i < p->n_exporters; i++)
		if (p->exporters[i]->ops->poll)
			p->exporters[i]->ops->poll(p->exporters[i]);
}

void fz_pipeline__batch_end(struct fz_pipeline *p)
{
	for (unsigned i = 0; i < p->n_exporters; i++)
		if (p->exporters[i]->ops->batch_end)
			p->exporters[i]->ops->batch_end(p->exporters[i]);
}

void fz_pipeline_poll(struct fz_pipeline *p)
{
	/* While the lanes hold the exporters, the lane whose turn it is polls them. */
	if (!p->lanes_on || fz_pipeline__lanes_idle(p))
		fz_pipeline__poll_exporters(p);
}

int fz_pipeline_flush(struct fz_pipeline *p, int timeout_ms)
{
	int rc = 0;

	fz_pipeline_sync(p);
	for (unsigned i = 0; i < p->n_exporters; i++)
		if (p->exporters[i]->ops->flush) {
			int r = p->exporters[i]->ops->flush(p->exporters[i], timeout_ms);

			if (rc == 0)
				rc = r;
		}
	return rc;
}

int fz_pipeline_reopen(struct fz_pipeline *p)
{
	int rc = 0;

	fz_pipeline_sync(p);
	for (unsigned i = 0; i < p->n_exporters; i++)
		if (p->exporters[i]->ops->reopen) {
			int r = p->exporters[i]->ops->reopen(p->exporters[i]);

			if (rc == 0)
				rc = r;
		}
	return rc;
}

uint64_t fz_pipeline_pending(const struct fz_pipeline *p)
{
	uint64_t pending = p->lanes_on ? fz_pipeline__lanes_pending(p) : 0;

	/* Records in the lanes are pending; once there are none the exporters are ours. */
	if (pending)
		return pending;
	for (unsigned i = 0; i < p->n_exporters; i++) {
		struct fz_exporter *e = p->exporters[i];

		if (e->ops->pending)
			pending += e->ops->pending(e);
	}
	return pending;
}

static uint64_t exporters_lost(const struct fz_pipeline *p)
{
	uint64_t lost = 0;

	for (unsigned i = 0; i < p->n_exporters; i++) {
		struct fz_exporter *e = p->exporters[i];
		uint64_t own = e->ops->lost ? e->ops->lost(e) : 0;

		/* An exporter that counts its own losses counts the failed takes among them. */
		lost += e->ops->lost ? own : p->ec[i].failed;
	}
	return lost;
}

uint64_t fz_pipeline_lost(const struct fz_pipeline *p)
{
	if (p->lanes_on && !fz_pipeline__lanes_idle(p))
		return __atomic_load_n(&p->lost_pub, __ATOMIC_ACQUIRE);
	return exporters_lost(p);
}

const struct fz_counter_set *fz_pipeline_counter_set(const struct fz_pipeline *p)
{
	return &p->set;
}

const struct fz_counter_set *fz_pipeline_exporter_set(const struct fz_pipeline *p)
{
	return &p->eset;
}

void fz_pipeline__publish_exporters(struct fz_pipeline *p)
{
	for (unsigned i = 0; i < p->n_exporters; i++) {
		struct fz_exporter *e = p->exporters[i];

		p->ec[i].lost = e->ops->lost ? e->ops->lost(e) : p->ec[i].failed;
	}
	fz_counter_pub_write(p->epub, p->ec);
	for (unsigned i = 0; i < p->n_exporters; i++) {
		struct exp_set *x = p->own[i];

		if (x == NULL)
			continue;
		for (unsigned k = 0; k < x->n; k++)
			x->ec->read(x->e, k, (uint64_t *)((char *)x->tmp + k * x->ec->block));
		fz_counter_pub_write(x->pub, x->tmp);
	}
	__atomic_store_n(&p->lost_pub, exporters_lost(p), __ATOMIC_RELEASE);
}

void fz_pipeline_publish(struct fz_pipeline *p)
{
	struct pipe_counters c = p->c;

	c.encode_errors += __atomic_load_n(&p->lane_encode_errors, __ATOMIC_RELAXED);
	fz_counter_pub_write(p->pub, &c);
	/* The exporters' counters by whoever holds them: here, or the next lane's turn. */
	if (!p->lanes_on || fz_pipeline__lanes_idle(p))
		fz_pipeline__publish_exporters(p);
	else
		__atomic_store_n(&p->publish_due, 1, __ATOMIC_RELEASE);
}
