/*
 * Export lanes (fz_pipeline.h): the stats lcore cuts numbered batches of
 * flows (the worker's record and its zoo classes, copied) and events (their
 * JSON made on the stats lcore), and hands batch s to lane s % n through the
 * lane's ring of LANE_SLOTS batch slots (single producer, single consumer:
 * `cut` and `done`). A lane encodes the records of its batch (JSON, and the
 * key text when an exporter reads keys) into its arena without waiting for
 * anyone, then waits until `written` is s (its turn), gives every item to
 * the exporters in order (held: its bytes are the batch's until the turn
 * ends with each exporter's batch_end, so Kafka hands a turn's messages to
 * librdkafka a partition at a time), polls them, publishes their counters
 * when asked, and sets `written` to s + 1. The exporters are touched by one
 * thread at a time, in batch order, each turn after the one before (release/acquire on
 * `written`): the JSON-lines file, IPFIX sequence numbers and Kafka's
 * per-partition order are what they are without lanes.
 *
 * Nothing is dropped here: a stats lcore that finds the next lane's slots
 * full waits for one (counted in export_batch_waits).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "pipeline_priv.h"

/* Events a batch takes before it is cut, and bytes of their text: bounds a batch's memory. */
#define BATCH_EVENTS_MAX 1024
#define BATCH_TEXT_MAX   (4u << 20)
/* A record's JSON is first tried in this much room of the arena. */
#define REC_ROOM 2048
/* A lane's arena's first size. */
#define ARENA_FIRST (64 * 1024)

static uint64_t load_acq(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void store_rel(uint64_t *v, uint64_t x)
{
	__atomic_store_n(v, x, __ATOMIC_RELEASE);
}

/* Waiting for another thread. The box may have fewer CPUs than threads:
 * give the CPU away rather than spin. */
static void wait_a_little(unsigned *spins)
{
	struct timespec ts = {0, 20000};

	if (++*spins < 64)
		sched_yield();
	else
		nanosleep(&ts, NULL);
}

static void batch_free(struct lane_batch *b)
{
	free(b->recs);
	free(b->out);
	free(b->ev);
	free(b->text.buf);
	free(b->state);
	free(b->scratch);
}

void fz_pipeline__lanes_free(struct fz_pipeline *p)
{
	if (p->lanes == NULL)
		return;
	for (unsigned i = 0; i < p->n_lanes; i++) {
		for (unsigned s = 0; s < LANE_SLOTS; s++)
			batch_free(&p->lanes[i].slot[s]);
		free(p->lanes[i].arena.buf);
		free(p->lanes[i].jbuf.buf);
	}
	free(p->lanes);
	p->lanes = NULL;
	free(p->state_next);
	p->state_next = NULL;
}

/* The consumers' states as they are now, for the next batch. */
static void snapshot(struct fz_pipeline *p)
{
	for (unsigned i = 0; p->state_size && i < p->n_consumers; i++)
		if (p->consumers[i].snapshot)
			p->consumers[i].snapshot(p->consumers[i].arg,
			                         (char *)p->state_next + p->state_off[i]);
}

/* size bytes (a multiple of 64), 64-byte aligned and zero; NULL for 0 or without memory. */
static void *area(size_t size)
{
	void *a = size ? aligned_alloc(64, size) : NULL;

	if (a)
		memset(a, 0, size);
	return a;
}

int fz_pipeline_lanes_create(struct fz_pipeline *p, unsigned n, void *const *encode_args)
{
	if (n == 0 || n > FZ_PIPELINE_MAX_LANES)
		return -EINVAL;
	if (p->lanes)
		return -EBUSY;
	p->lanes = area(n * sizeof(*p->lanes));
	if (p->lanes == NULL)
		return -ENOMEM;
	p->n_lanes = n;
	for (unsigned i = 0; i < n; i++) {
		struct lane *l = &p->lanes[i];

		l->encode_arg = encode_args ? encode_args[i] : p->conf.flow_encode_arg;
		l->arena.max = p->jbuf.max;
		l->jbuf.max = p->jbuf.max;
		for (unsigned s = 0; s < LANE_SLOTS; s++) {
			struct lane_batch *b = &l->slot[s];

			b->recs = aligned_alloc(64, BATCH_RECS * sizeof(*b->recs));
			b->out = malloc(BATCH_RECS * sizeof(*b->out));
			b->state = area(p->state_size);
			b->scratch = area(p->scratch_size);
			if (b->recs == NULL || b->out == NULL || (p->state_size && !b->state) ||
			    (p->scratch_size && !b->scratch))
				goto nomem;
		}
	}
	if (p->state_size && (p->state_next = area(p->state_size)) == NULL)
		goto nomem;
	snapshot(p);
	p->lanes_on = 1;
	return 0;
nomem:
	fz_pipeline__lanes_free(p);
	p->n_lanes = 0;
	return -ENOMEM;
}

/* The stats lcore's side. */

/* The batch being filled: the next lane's next slot, once that slot is free. */
static struct lane_batch *open_batch(struct fz_pipeline *p)
{
	struct lane *l;
	struct lane_batch *b;
	unsigned spins = 0;

	if (p->open)
		return p->open;
	l = &p->lanes[p->seq_cut % p->n_lanes];
	if (l->cut - load_acq(&l->done) >= LANE_SLOTS) {
		p->c.batch_waits++;
		while (l->cut - load_acq(&l->done) >= LANE_SLOTS)
			wait_a_little(&spins);
	}
	b = &l->slot[l->cut % LANE_SLOTS];
	b->seq = p->seq_cut;
	b->n = 0;
	b->n_ev = 0;
	b->text_len = 0;
	if (p->state_size)
		memcpy(b->state, p->state_next, p->state_size);
	p->open = b;
	return b;
}

/* Hand the open batch to its lane; the consumers' states are then the next batch's. */
static void cut_now(struct fz_pipeline *p)
{
	struct lane *l;

	p->cut_due = 0;
	if (!p->lanes_on || p->open == NULL)
		return;
	l = &p->lanes[p->seq_cut % p->n_lanes];
	p->items_cut += p->open->n + p->open->n_ev;
	p->open = NULL;
	p->seq_cut++;
	p->c.batches++;
	snapshot(p);
	store_rel(&l->cut, l->cut + 1);
}

/* While the consumers are at a flow, the flow is not in the batch yet and
 * their states may be past it: the cut waits until the flow is in. */
void fz_pipeline_cut(struct fz_pipeline *p)
{
	if (p->in_flow)
		p->cut_due = 1;
	else
		cut_now(p);
}

void fz_pipeline__lane_flow(struct fz_pipeline *p, const struct fz_flow_rec *rec,
                            const struct fz_zoo_result *zoo)
{
	struct lane_batch *b = p->open ? p->open : open_batch(p);
	struct lane_rec *r = &b->recs[b->n++];

	r->rec = *rec;
	if (zoo)
		r->zoo = *zoo;
	else
		r->zoo.size_class = NO_ZOO;
	if (b->n == BATCH_RECS || p->cut_due)
		cut_now(p);
}

/* Room for need more bytes after len in b, doubling from first. 0 or -ENOMEM. */
static int buf_room(struct fz_json_buf *b, size_t len, size_t need, size_t first)
{
	size_t cap = b->cap ? b->cap : first;
	char *bigger;

	if (b->cap - len >= need)
		return 0;
	while (cap - len < need)
		cap *= 2;
	bigger = realloc(b->buf, cap);
	if (bigger == NULL)
		return -ENOMEM;
	b->buf = bigger;
	b->cap = cap;
	return 0;
}

/* Append n bytes to the batch's text; its offset in *off. 0 or -ENOMEM. */
static int text_add(struct lane_batch *b, const void *s, size_t n, size_t *off)
{
	if (buf_room(&b->text, b->text_len, n + 1, 4096))
		return -ENOMEM;
	memcpy(b->text.buf + b->text_len, s, n);
	b->text.buf[b->text_len + n] = '\0';
	*off = b->text_len;
	b->text_len += n + 1;
	return 0;
}

/* An event's place among the flows: its kind, stream, key and JSON (made already). */
static int event_add(struct lane_batch *b, const struct fz_item *it)
{
	struct lane_event *e;

	if (b->n_ev == b->ev_cap) {
		unsigned cap = b->ev_cap ? b->ev_cap * 2 : BATCH_EVENT;
		struct lane_event *v = realloc(b->ev, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		b->ev = v;
		b->ev_cap = cap;
	}
	e = &b->ev[b->n_ev];
	memset(e, 0, sizeof(*e));
	e->at = b->n;
	e->kind = it->kind;
	e->stream = it->stream;
	e->json_rc = it->json_rc;
	e->has_key = it->key != NULL;
	e->key_len = it->key_len;
	if ((e->has_key && text_add(b, it->key, it->key_len, &e->key_off)) ||
	    (it->json_rc == 1 && text_add(b, it->json, it->len, &e->json_off)))
		return -ENOMEM;
	e->json_len = it->json_rc == 1 ? it->len : 0;
	b->n_ev++;
	return 0;
}

void fz_pipeline__lane_event(struct fz_pipeline *p, const struct fz_item *it)
{
	struct lane_batch *b = open_batch(p);

	if (event_add(b, it) < 0) {
		/* No memory for its copy: everything before it is written, then it
		 * goes to the exporters from here, still in its place. */
		fz_pipeline_sync(p);
		fz_pipeline__take(p, (struct fz_item *)it);
		return;
	}
	if (b->n_ev >= BATCH_EVENTS_MAX || b->text_len >= BATCH_TEXT_MAX)
		fz_pipeline_cut(p);
}

int fz_pipeline__lanes_idle(const struct fz_pipeline *p)
{
	return load_acq(&p->written) == p->seq_cut;
}

uint64_t fz_pipeline__lanes_pending(const struct fz_pipeline *p)
{
	uint64_t open = p->open ? p->open->n + p->open->n_ev : 0;

	return open + p->items_cut - load_acq(&p->items_written);
}

void fz_pipeline_sync(struct fz_pipeline *p)
{
	unsigned spins = 0;

	if (!p->lanes_on)
		return;
	p->c.syncs++;
	cut_now(p);
	while (!fz_pipeline__lanes_idle(p))
		wait_a_little(&spins);
}

void fz_pipeline_lanes_stop(struct fz_pipeline *p)
{
	if (!p->lanes_on)
		return;
	fz_pipeline_sync(p);
	p->lanes_on = 0;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
}

/* A lane's side. */

static void flow_item(const struct fz_pipeline *p, struct lane *l, struct lane_rec *r,
                      struct fz_flow_item *fi, struct fz_item *it)
{
	fi->rec = &r->rec;
	fi->zoo = r->zoo.size_class == NO_ZOO ? NULL : &r->zoo;
	memset(it, 0, sizeof(*it));
	it->kind = FZ_ITEM_FLOW;
	it->stream = "flows";
	it->body = fi;
	it->encode = p->conf.flow_encode;
	it->encode_arg = l->encode_arg;
	it->jbuf = &l->jbuf;
	if (p->conf.n_apps)
		it->app = p->conf.app_names[r->rec.app < p->conf.n_apps ? r->rec.app : 0];
}

/* Consumer i's part of a batch's state or scratch (NULL when there is none). */
static void *part(void *area, size_t off)
{
	return area ? (char *)area + off : NULL;
}

/* What the consumers left to the lanes, flow by flow in the batch's order. */
static void lane_consumers(struct fz_pipeline *p, struct lane_batch *b)
{
	for (unsigned i = 0; i < p->n_consumers; i++) {
		const struct fz_consumer *c = &p->consumers[i];

		void *state = part(b->state, p->state_off[i]);
		void *scratch = part(b->scratch, p->scratch_off[i]);

		if (c->lane_flow == NULL)
			continue;
		for (unsigned k = 0; k < b->n; k++)
			c->lane_flow(c->arg, state, scratch, &b->recs[k].rec, &b->recs[k].zoo);
	}
}

/* At the lane's turn: what the consumers gather from the batches in order. */
static void lane_turn(struct fz_pipeline *p, struct lane_batch *b)
{
	for (unsigned i = 0; i < p->n_consumers; i++)
		if (p->consumers[i].lane_turn)
			p->consumers[i].lane_turn(p->consumers[i].arg,
			                          part(b->state, p->state_off[i]),
			                          part(b->scratch, p->scratch_off[i]));
}

/* The prepared exporter's bytes of the flow item it, into the arena at len (aligned). */
static size_t prepare_rec(struct fz_pipeline *p, struct fz_json_buf *a, const struct fz_item *it,
                          struct lane_out *o, size_t len)
{
	const struct fz_exporter *e = p->exporters[p->prep_ex];
	size_t cap = e->ops->prepare_cap;

	len = (len + 7) & ~(size_t)7;
	if (buf_room(a, len, cap, ARENA_FIRST) < 0) {
		o->prep_rc = -ENOMEM;
		return len;
	}
	o->prep_off = (uint32_t)len;
	o->prep_rc = e->ops->prepare(e, it, a->buf + len, cap);
	return o->prep_rc > 0 ? len + (size_t)o->prep_rc : len;
}

/* Record i's key text, the prepared exporter's bytes and JSON into the arena (the part
 * lanes do side by side). */
static size_t encode_rec(struct fz_pipeline *p, struct lane *l, struct lane_batch *b, unsigned i,
                         size_t len)
{
	struct fz_json_buf *a = &l->arena;
	struct lane_out *o = &b->out[i];
	struct fz_flow_item fi;
	struct fz_item it;
	size_t room = REC_ROOM;
	int n;

	o->json_rc = 0;
	o->key_len = 0;
	if ((p->flags & FZ_EXPORTER_KEYS) && buf_room(a, len, KEY_CAP, ARENA_FIRST) == 0) {
		n = fz_record_flow_key_text(&b->recs[i].rec.key, a->buf + len, KEY_CAP);
		o->key_off = (uint32_t)len;
		o->key_len = n > 0 ? (uint32_t)n : 0;
		if ((p->flags & FZ_EXPORTER_KEY_CRC) && o->key_len > 0)
			o->key_crc = (uint32_t)crc32(0, (const Bytef *)a->buf + len, o->key_len);
		len += o->key_len;
	}
	if (p->prep_ex < 0 && !p->flow_json)
		return len;
	flow_item(p, l, &b->recs[i], &fi, &it);
	if (p->prep_ex >= 0)
		len = prepare_rec(p, a, &it, o, len);
	if (!p->flow_json)
		return len;
	for (;;) {
		if (buf_room(a, len, room, ARENA_FIRST) < 0) {
			n = -ENOMEM;
			break;
		}
		n = it.encode ? it.encode(&it, it.encode_arg, a->buf + len, a->cap - len) : -EINVAL;
		if (n != -ENOSPC || a->cap - len >= a->max)
			break;
		room = (a->cap - len) * 2;
		if (room > a->max)
			room = a->max;
	}
	if (n < 0) {
		o->json_rc = n;
		__atomic_add_fetch(&p->lane_encode_errors, 1, __ATOMIC_RELAXED);
		return len;
	}
	o->json_rc = 1;
	o->json_off = (uint32_t)len;
	o->json_len = (uint32_t)n;
	return len + (size_t)n + 1;
}

static void write_rec(struct fz_pipeline *p, struct lane *l, struct lane_batch *b, unsigned i)
{
	const struct lane_out *o = &b->out[i];
	struct fz_flow_item fi;
	struct fz_item it;

	flow_item(p, l, &b->recs[i], &fi, &it);
	if (p->flags & FZ_EXPORTER_KEYS) {
		it.key = l->arena.buf + o->key_off;
		it.key_len = o->key_len;
		it.key_crc = o->key_crc;
		it.key_crc_set = (p->flags & FZ_EXPORTER_KEY_CRC) && o->key_len > 0;
	}
	if (o->json_rc == 1) {
		it.json = l->arena.buf + o->json_off;
		it.len = o->json_len;
	}
	it.json_rc = o->json_rc;
	it.held = 1; /* the arena is the lane's until the end of its turn */
	if (p->prep_ex >= 0) {
		it.prep_for = p->exporters[p->prep_ex];
		it.prep_rc = o->prep_rc;
		it.prep = o->prep_rc >= 0 ? l->arena.buf + o->prep_off : NULL;
		it.prep_len = o->prep_rc >= 0 ? (size_t)o->prep_rc : 0;
	}
	fz_pipeline__take(p, &it);
}

static void write_event(struct fz_pipeline *p, struct lane *l, const struct lane_batch *b,
                        const struct lane_event *e)
{
	struct fz_item it = {
	    .kind = e->kind,
	    .stream = e->stream,
	    .key = e->has_key ? b->text.buf + e->key_off : NULL,
	    .key_len = e->key_len,
	    .jbuf = &l->jbuf,
	    .json = e->json_rc == 1 ? b->text.buf + e->json_off : NULL,
	    .len = e->json_len,
	    .json_rc = e->json_rc,
	    .held = 1, /* the batch's text is the lane's until the end of its turn */
	};

	fz_pipeline__take(p, &it);
}

int fz_pipeline_lane_run(struct fz_pipeline *p, unsigned i)
{
	struct lane *l = &p->lanes[i];
	unsigned idle = 0;

	for (;;) {
		uint64_t done = l->done;
		struct lane_batch *b;
		size_t len = 0;
		unsigned e = 0, spins = 0;

		if (done == load_acq(&l->cut)) {
			if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) &&
			    done == load_acq(&l->cut))
				return 0;
			wait_a_little(&idle);
			continue;
		}
		idle = 0;
		b = &l->slot[done % LANE_SLOTS];
		if (p->state_size || p->scratch_size)
			lane_consumers(p, b);
		for (unsigned k = 0; k < b->n; k++)
			len = encode_rec(p, l, b, k, len);
		while (load_acq(&p->written) != b->seq)
			wait_a_little(&spins);
		/* Our turn: the exporters are ours until written moves on. */
		if (p->state_size || p->scratch_size)
			lane_turn(p, b);
		for (unsigned k = 0; k <= b->n; k++) {
			while (e < b->n_ev && b->ev[e].at == k)
				write_event(p, l, b, &b->ev[e++]);
			if (k < b->n)
				write_rec(p, l, b, k);
		}
		fz_pipeline__batch_end(p);
		if (__atomic_exchange_n(&p->publish_due, 0, __ATOMIC_ACQ_REL))
			fz_pipeline__publish_exporters(p);
		fz_pipeline__poll_exporters(p);
		store_rel(&p->items_written,
		          __atomic_load_n(&p->items_written, __ATOMIC_RELAXED) + b->n + b->n_ev);
		store_rel(&p->written, b->seq + 1);
		store_rel(&l->done, done + 1);
	}
}
