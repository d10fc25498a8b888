/*
 * Taking items: the topic of an item (<prefix>.<stream>, and with
 * per-application topics <prefix>.flows.<app>), and handing its JSON to
 * librdkafka, or to the spool while the spool holds older records or the
 * queue is full.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_priv.h"

struct topic *fz_kafka__find_topic(struct kafka_exporter *ks, const char *name, size_t len)
{
	struct topic *t;

	for (unsigned i = 0; i < ks->n_topics; i++) {
		t = &ks->topics[i];
		if (strncmp(t->name, name, len) == 0 && t->name[len] == '\0')
			return t;
	}
	if (ks->n_topics == MAX_TOPICS)
		return NULL;
	t = &ks->topics[ks->n_topics];
	memset(t, 0, sizeof(*t));
	t->name = strndup(name, len);
	if (t->name == NULL)
		return NULL;
	t->rkt = fz_kafka__topic_new(ks, t);
	if (t->rkt == NULL) {
		free(t->name);
		t->name = NULL;
		return NULL;
	}
	ks->n_topics++;
	return t;
}

/*
 * The topic of a stream (per_app 0: <prefix>.<stream>) or of an application
 * (per_app 1: <prefix>.flows.<app>, with characters Kafka does not allow in
 * names as '_'), made on first use. The pointer last seen for a name is
 * tried first; its text is compared too, so that a reused buffer never
 * sends to a stale topic. NULL when the name is too long or there are too
 * many topics.
 */
static struct topic *named_topic(struct kafka_exporter *ks, const char *src, int per_app)
{
	char name[256];
	struct topic *t;
	int n, base;

	for (unsigned i = 0; i < ks->n_topics; i++) {
		t = &ks->topics[i];
		if (t->src_ptr == src && t->per_app == per_app && strcmp(t->src, src) == 0)
			return t;
	}
	for (unsigned i = 0; i < ks->n_topics; i++) {
		t = &ks->topics[i];
		if (t->src != NULL && t->per_app == per_app && strcmp(t->src, src) == 0) {
			t->src_ptr = src;
			return t;
		}
	}
	base = snprintf(name, sizeof(name), per_app ? "%s.flows." : "%s.", ks->prefix);
	n = snprintf(name + base, sizeof(name) - (size_t)base, "%s", src);
	if (n <= 0 || (size_t)(base + n) >= sizeof(name))
		return NULL;
	for (char *p = name + base; per_app && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	t = fz_kafka__find_topic(ks, name, (size_t)(base + n));
	if (t == NULL)
		return NULL;
	if (t->src == NULL) {
		/* A topic first seen in the spool gets its name's source now. */
		t->src = strdup(src);
		if (t->src == NULL)
			return NULL;
		t->per_app = per_app;
	}
	t->src_ptr = src;
	return t;
}

int fz_kafka__produce(struct kafka_exporter *ks, struct topic *t, const void *key, size_t klen,
                      const void *payload, size_t len)
{
	rd_kafka_resp_err_t err;

	if (rd_kafka_produce(t->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)payload,
	                     len, key, klen, (void *)(uintptr_t)++ks->seq) == 0) {
		ks->c.produced++;
		return 0;
	}
	err = rd_kafka_last_error();
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		ks->c.queue_full++;
		return -ENOBUFS;
	}
	fz_kafka__note_error(ks, "produce", rd_kafka_err2str(err));
	return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? -EMSGSIZE : -EIO;
}

int fz_kafka__produce_or_spool(struct kafka_exporter *ks, struct topic *t, const void *key,
                               size_t klen, const void *payload, size_t len)
{
	int r = fz_kafka__produce(ks, t, key, klen, payload, len);

	if (r == -ENOBUFS) {
		rd_kafka_poll(ks->rk, 0);
		return fz_kafka__spool_put(ks, t->name, key, klen, payload, len);
	}
	if (r < 0)
		ks->c.dropped++;
	return r;
}

/*
 * Send one record to topic t, through the spool when it holds older
 * records; a held item's is held until the batch ends (kafka_batch.c). The
 * held messages are older than this one: they go first whenever it does not
 * join them.
 */
static int send_record(struct kafka_exporter *ks, struct topic *t, const struct fz_item *it,
                       const char *json, size_t len)
{
	const void *key = it->key;
	size_t klen = key ? it->key_len : 0;

	if (ks->spool != NULL && fz_spool_records(ks->spool) > 0) {
		fz_kafka__release(ks);
		fz_kafka__drain(ks, DRAIN_IN_TAKE);
		if (fz_spool_records(ks->spool) > 0)
			return fz_kafka__spool_put(ks, t->name, key, klen, json, len);
	}
	if (it->held)
		return fz_kafka__hold(ks, t, key, klen, json, len,
		                      it->key_crc_set ? (int64_t)it->key_crc : -1);
	if (ks->n_held)
		fz_kafka__release(ks);
	return fz_kafka__produce_or_spool(ks, t, key, klen, json, len);
}

/* Send to the topic of src (see named_topic()), or count the record as dropped. */
static int send_to(struct kafka_exporter *ks, const char *src, int per_app,
                   const struct fz_item *it, const char *json, size_t len)
{
	struct topic *t = named_topic(ks, src, per_app);

	if (t == NULL) {
		ks->c.dropped++;
		return -ENOSPC;
	}
	return send_record(ks, t, it, json, len);
}

int fz_kafka__take(struct fz_exporter *e, struct fz_item *it)
{
	struct kafka_exporter *ks = (struct kafka_exporter *)e;
	const char *json;
	size_t len;
	int r = 0, per_app;

	ks->flushed = 0;
	if (it->stream == NULL || it->stream[0] == '\0') {
		ks->c.dropped++;
		return -EINVAL;
	}
	r = fz_item_json(it, &json, &len);
	if (r < 0) {
		ks->c.dropped++;
		return r;
	}
	per_app = it->kind == FZ_ITEM_FLOW && it->app != NULL ? ks->per_app : FZ_KAFKA_PER_APP_OFF;
	if (per_app != FZ_KAFKA_PER_APP_INSTEAD)
		r = send_to(ks, it->stream, 0, it, json, len);
	if (per_app != FZ_KAFKA_PER_APP_OFF) {
		int r2 = send_to(ks, it->app, 1, it, json, len);

		if (r == 0)
			r = r2;
	}
	return r;
}
