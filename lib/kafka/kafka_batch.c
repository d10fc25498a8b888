/*
 * Messages held until the batch ends. An item the export lanes give is held
 * (fz_item.held): its JSON and key stay the lane's until the end of its turn,
 * when the pipeline calls batch_end. So take() only notes where each message
 * is, per topic, and batch_end hands each topic's messages to librdkafka in
 * rd_kafka_produce_batch calls (docs/benchmarks.md, "Kafka's messages handed
 * on a turn at a time").
 *
 * When librdkafka's partitioner is one whose function it exports (its
 * default, consistent_random, and murmur2_random, fnv1a_random), a topic's
 * keyed messages are grouped by the partition that function gives them and
 * each group is one call for that partition, which librdkafka takes for
 * about half the CPU of a call it must partition message by message; the
 * partition count is the one librdkafka last gave the partitioner, which a
 * callback in front of it notes (fz_kafka__partitioner_setup).
 *
 * Order: Kafka keeps order per partition, so per call is enough. A call's
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_priv.h"

#define GROUP_PARTS   256 /* a topic of more partitions is not grouped */
#define REFRESH_EVERY 64  /* releases of a topic: one message through librdkafka's partitioner */

/* In front of the configured partitioner: note the topic's partition count. It
 * runs on the thread that produces, and on librdkafka's for messages it
 * partitions later. */
static int32_t note_partitions(const rd_kafka_topic_t *rkt, const void *key, size_t klen,
                               int32_t partitions, void *rkt_opaque, void *msg_opaque)
{
	struct topic *t = rkt_opaque;

	if (t == NULL) /* not one of ours: librdkafka's default */
		return rd_kafka_msg_partitioner_consistent_random(rkt, key, klen, partitions,
		                                                  rkt_opaque, msg_opaque);
	__atomic_store_n(&t->partitions, partitions, __ATOMIC_RELAXED);
	return t->ks->part_fn(rkt, key, klen, partitions, rkt_opaque, msg_opaque);
}

int fz_kafka__partitioner_setup(struct kafka_exporter *ks, rd_kafka_conf_t *rconf)
{
	/* Those with which librdkafka itself spreads keyless messages (sticky
	 * partitioning), as it still does behind the callback. */
	static const struct {
		const char *name;
		fz_kafka_part_fn fn;
	} known[] = {
	    {"consistent_random", rd_kafka_msg_partitioner_consistent_random},
	    {"murmur2_random", rd_kafka_msg_partitioner_murmur2_random},
	    {"fnv1a_random", rd_kafka_msg_partitioner_fnv1a_random},
	};
	char name[64];
	size_t size = sizeof(name);
	rd_kafka_topic_conf_t *tc;
	fz_kafka_part_fn fn = NULL;

	if (rd_kafka_conf_get(rconf, "partitioner", name, &size) != RD_KAFKA_CONF_OK)
		snprintf(name, sizeof(name), "consistent_random"); /* librdkafka's default */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i].name) == 0)
			fn = known[i].fn;
	if (fn == NULL)
		return 0;
	ks->grouped = malloc(HELD_MAX * sizeof(*ks->grouped));
	ks->part_of = malloc(HELD_MAX * sizeof(*ks->part_of));
	tc = rd_kafka_conf_get_default_topic_conf(rconf);
	if (tc == NULL && (tc = rd_kafka_topic_conf_new()) != NULL)
		rd_kafka_conf_set_default_topic_conf(rconf, tc);
	if (ks->grouped == NULL || ks->part_of == NULL || tc == NULL)
		return -ENOMEM;
	rd_kafka_topic_conf_set_partitioner_cb(tc, note_partitions);
	ks->part_fn = fn;
	/* Its hash is the key's CRC-32: the lanes make it side by side. */
	if (fn == rd_kafka_msg_partitioner_consistent_random)
		ks->base.flags |= FZ_EXPORTER_KEY_CRC;
	return 0;
}

rd_kafka_topic_t *fz_kafka__topic_new(struct kafka_exporter *ks, struct topic *t)
{
	rd_kafka_topic_conf_t *tc;
	rd_kafka_topic_t *rkt;

	t->ks = ks;
	if (ks->part_fn == NULL)
		return rd_kafka_topic_new(ks->rk, t->name, NULL);
	/* The default topic configuration (the user's topic properties, the
	 * callback), with the topic as its opaque. */
	tc = rd_kafka_default_topic_conf_dup(ks->rk);
	if (tc == NULL)
		return NULL;
	rd_kafka_topic_conf_set_opaque(tc, t);
	rkt = rd_kafka_topic_new(ks->rk, t->name, tc);
	if (rkt == NULL)
		rd_kafka_topic_conf_destroy(tc); /* the topic owns it only when made */
	return rkt;
}

/* Hand n messages of topic t to librdkafka in one call, for partition part
 * (RD_KAFKA_PARTITION_UA: its partitioner decides each); those a full queue
 * refuses go to the spool, in order (see the top). */
static void produce_group(struct kafka_exporter *ks, struct topic *t, int32_t part,
                          rd_kafka_message_t *msgs, int n, int *polled)
{
	int good = rd_kafka_produce_batch(t->rkt, part, RD_KAFKA_MSG_F_COPY, msgs, n);

	ks->c.batches++;
	ks->c.produced += good > 0 ? (uint64_t)good : 0;
	for (int i = 0; good < n && i < n; i++) {
		rd_kafka_message_t *m = &msgs[i];

		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			ks->c.queue_full++;
			if (!(*polled)++) /* serve the delivery reports: room for the next turn */
				rd_kafka_poll(ks->rk, 0);
			fz_kafka__spool_put(ks, t->name, m->key, m->key_len, m->payload, m->len);
			continue;
		}
		fz_kafka__note_error(ks, "produce", rd_kafka_err2str(m->err));
		ks->c.dropped++;
	}
}

/*
 * Hand msgs on a partition at a time, each keyed message to the partition
 * librdkafka's own partitioner gives it for parts partitions (the same
 * function it would call), keyless ones last through the partitioner itself
 * (which spreads them). A call for one partition costs librdkafka about
 * half as much a message as one whose messages it partitions itself
 * (docs/benchmarks.md). Each partition's messages keep their order.
 */
static void produce_grouped(struct kafka_exporter *ks, struct topic *t, int32_t parts,
                            rd_kafka_message_t *msgs, int n, int *polled)
{
	unsigned count[GROUP_PARTS + 1], at[GROUP_PARTS + 1], sum = 0;
	/* Another exporter may ask the lanes for the CRC: it is this one's hash only so. */
	int crc_is_hash = (ks->base.flags & FZ_EXPORTER_KEY_CRC) != 0;

	memset(count, 0, ((size_t)parts + 1) * sizeof(count[0]));
	for (int i = 0; i < n; i++) {
		const rd_kafka_message_t *m = &msgs[i];
		int32_t p = parts; /* keyless: the partitioner's own way */

		if (m->key_len > 0 && m->offset >= 0 && crc_is_hash) {
			/* The lane made the key's CRC-32: consistent_random's hash. */
			p = (int32_t)((uint32_t)m->offset % (uint32_t)parts);
		} else if (m->key_len > 0) {
			p = ks->part_fn(t->rkt, m->key, m->key_len, parts, t, m->_private);
			if (p < 0 || p > parts)
				p = parts;
		}
		ks->part_of[i] = p;
		count[p]++;
	}
	for (int32_t p = 0; p <= parts; p++) {
		at[p] = sum;
		sum += count[p];
	}
	for (int i = 0; i < n; i++)
		ks->grouped[at[ks->part_of[i]]++] = msgs[i];
	for (int32_t p = 0, off = 0; p <= parts; off += (int)count[p++])
		if (count[p] > 0)
			produce_group(ks, t, p < parts ? p : RD_KAFKA_PARTITION_UA,
			              &ks->grouped[off], (int)count[p], polled);
}

/* Hand topic t's held messages on (see the top). */
static void release_topic(struct kafka_exporter *ks, struct topic *t)
{
	rd_kafka_message_t *msgs = t->held;
	int n = (int)t->n_held, polled = 0;
	int32_t parts;

	if (n == 0)
		return;
	/* Now and then the first message goes through librdkafka's partitioner,
	 * which tells the partition count again (it may grow). */
	if (ks->part_fn != NULL && t->releases++ % REFRESH_EVERY == 0) {
		produce_group(ks, t, RD_KAFKA_PARTITION_UA, msgs, 1, &polled);
		msgs++;
		n--;
	}
	parts = __atomic_load_n(&t->partitions, __ATOMIC_RELAXED);
	if (n > 1 && ks->part_fn != NULL && parts > 0 && parts <= GROUP_PARTS)
		produce_grouped(ks, t, parts, msgs, n, &polled);
	else if (n > 0)
		produce_group(ks, t, RD_KAFKA_PARTITION_UA, msgs, n, &polled);
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
                   const void *payload, size_t len, int64_t key_crc)
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
	m->offset = key_crc; /* an output field: librdkafka does not read it (produce_grouped) */
	ks->n_held++;
	return 0;
}
