/*
 * Messages held until the batch ends. An item the export lanes give is held
 * (fz_item.held): its JSON and key stay the lane's until the end of its turn,
 * when the pipeline calls batch_end. So take() only notes where each message
 * is, per topic, and batch_end hands each topic's messages to librdkafka in
 * one rd_kafka_produce_batch call, which costs the lane about half the CPU of
 * one rd_kafka_produce a message (docs/benchmarks.md, "Kafka's messages
 * handed on a turn at a time").
 *
 * Order: Kafka keeps order per partition, so per topic is enough. A topic's
 * messages go in the order taken; librdkafka refuses a full queue's message
 * and every one after it in the call (it propagates the error), and those go
 * to the spool in the same order, so nothing later of that topic overtakes
 * them. Before anything goes to or comes from the spool, and before a message
 * of an item not held is produced, the held ones are handed on
 * (kafka_take.c). The opaque of each message is its place in take order
 * (ks->seq), as for single messages, so flush()'s purge puts them back in
 * front of the spool in that order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_priv.h"

/* Hand topic t's held messages on (see the top). */
static void release_topic(struct kafka_exporter *ks, struct topic *t)
{
	int n = (int)t->n_held, good;
	int polled = 0;

	if (n == 0)
		return;
	good =
	    rd_kafka_produce_batch(t->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, t->held, n);
	ks->c.batches++;
	ks->c.produced += good > 0 ? (uint64_t)good : 0;
	for (int i = 0; good < n && i < n; i++) {
		rd_kafka_message_t *m = &t->held[i];

		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			ks->c.queue_full++;
			if (!polled++) /* serve the delivery reports: room for the next turn */
				rd_kafka_poll(ks->rk, 0);
			fz_kafka__spool_put(ks, t->name, m->key, m->key_len, m->payload, m->len);
			continue;
		}
		fz_kafka__note_error(ks, "produce", rd_kafka_err2str(m->err));
		ks->c.dropped++;
	}
	ks->n_held -= t->n_held;
	t->n_held = 0;
}

void fz_kafka__release(struct kafka_exporter *ks)
{
	for (unsigned i = 0; i < ks->n_held_topics; i++)
		release_topic(ks, ks->held_topics[i]);
	ks->n_held_topics = 0;
}

void fz_kafka__batch_end(struct fz_exporter *e)
{
	fz_kafka__release((struct kafka_exporter *)e);
}

/* Room for one more held message of t (below HELD_MAX): 0, or -ENOMEM. */
static int room(struct topic *t)
{
	unsigned cap = t->cap_held ? t->cap_held * 2 : 64;
	rd_kafka_message_t *v;

	if (t->n_held < t->cap_held)
		return 0;
	if (cap > HELD_MAX)
		cap = HELD_MAX;
	v = realloc(t->held, cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	t->held = v;
	t->cap_held = cap;
	return 0;
}

int fz_kafka__hold(struct kafka_exporter *ks, struct topic *t, const void *key, size_t klen,
                   const void *payload, size_t len)
{
	rd_kafka_message_t *m;

	if (t->n_held == HELD_MAX)
		release_topic(ks, t); /* still listed in held_topics: released again, empty */
	if (room(t) < 0) {
		/* No memory to hold it: this topic's held messages, then it, now. */
		release_topic(ks, t);
		return fz_kafka__produce_or_spool(ks, t, key, klen, payload, len);
	}
	if (t->n_held == 0) {
		unsigned i = 0;

		while (i < ks->n_held_topics && ks->held_topics[i] != t)
			i++;
		if (i == ks->n_held_topics)
			ks->held_topics[ks->n_held_topics++] = t;
	}
	m = &t->held[t->n_held++];
	memset(m, 0, sizeof(*m));
	m->partition = RD_KAFKA_PARTITION_UA;
	m->payload = (void *)payload;
	m->len = len;
	m->key = (void *)key;
	m->key_len = key ? klen : 0;
	m->_private = (void *)(uintptr_t)++ks->seq;
	ks->n_held++;
	return 0;
}
