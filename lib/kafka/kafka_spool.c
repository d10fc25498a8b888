/*
 * The Kafka exporter and its spool: records go to the spool when
 * librdkafka's queue is full (and behind them while it holds any), come back
 * from it oldest first, and at flush the messages librdkafka still holds are
 * taken back and put in front of it. kafka_priv.h describes a spool record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_priv.h"

static void spool_rec_hdr(uint8_t h[SPOOL_REC_HDR], size_t tlen, size_t klen)
{
	h[0] = (uint8_t)tlen;
	h[1] = 0;
	h[2] = (uint8_t)klen;
	h[3] = (uint8_t)(klen >> 8);
}

/* Write one message to the spool, or count it as dropped. */
int fz_kafka__spool_put(struct kafka_exporter *ks, const char *topic, const void *key, size_t klen,
                        const void *payload, size_t len)
{
	uint8_t h[SPOOL_REC_HDR];
	size_t tlen = strlen(topic);
	struct iovec iov[4] = {{h, sizeof(h)},
	                       {(void *)topic, tlen},
	                       {(void *)key, key ? klen : 0},
	                       {(void *)payload, len}};
	int r;

	if (ks->spool == NULL) {
		ks->c.dropped++;
		return -ENOBUFS;
	}
	if (tlen > 255 || klen > 65535) {
		ks->c.dropped++;
		return -EMSGSIZE;
	}
	spool_rec_hdr(h, tlen, key ? klen : 0);
	r = fz_spool_appendv(ks->spool, iov, 4);
	if (r < 0)
		return r; /* counted by the spool (full, or a write error) */
	ks->c.spooled++;
	return 0;
}

/* Move up to budget records from the spool to librdkafka, oldest first. */
void fz_kafka__drain(struct kafka_exporter *ks, unsigned budget)
{
	const void *d;
	size_t n;

	while (budget-- > 0) {
		const uint8_t *p;
		size_t tlen, klen;
		struct topic *t = NULL;
		int r = fz_spool_peek(ks->spool, &d, &n);

		if (r < 0)
			fz_kafka__note_error(ks, "spool", strerror(-r));
		if (r <= 0)
			return;
		p = d;
		tlen = n >= SPOOL_REC_HDR ? p[0] : 0;
		klen = n >= SPOOL_REC_HDR ? (size_t)p[2] | (size_t)p[3] << 8 : 0;
		if (tlen > 0 && SPOOL_REC_HDR + tlen + klen <= n)
			t = fz_kafka__find_topic(ks, (const char *)p + SPOOL_REC_HDR, tlen);
		if (t == NULL) {
			/* Not a record this sink wrote (or too many topics): count it. */
			ks->c.dropped++;
			fz_kafka__note_error(ks, "spool", "unusable record dropped");
		} else {
			r = fz_kafka__produce(ks, t, klen ? p + SPOOL_REC_HDR + tlen : NULL, klen,
			                      p + SPOOL_REC_HDR + tlen + klen,
			                      n - SPOOL_REC_HDR - tlen - klen);
			if (r == -ENOBUFS)
				return;
			if (r < 0)
				ks->c.dropped++;
			else
				ks->c.unspooled++;
		}
		fz_spool_advance(ks->spool);
	}
}

/* Keep a purged message for fz_spool_prepend(); on no memory, spool it at the end. */
void fz_kafka__collect(struct kafka_exporter *ks, const rd_kafka_message_t *m, const char *topic)
{
	size_t tlen = strlen(topic), klen = m->key ? m->key_len : 0;
	size_t n = SPOOL_REC_HDR + tlen + klen + m->len;
	struct purged *p;
	uint8_t *b;

	if (ks->n_purged == ks->cap_purged) {
		size_t cap = ks->cap_purged ? ks->cap_purged * 2 : 1024;

		p = realloc(ks->purged, cap * sizeof(*p));
		if (p == NULL)
			goto fallback;
		ks->purged = p;
		ks->cap_purged = cap;
	}
	if (tlen > 255 || klen > 65535 || (b = malloc(n)) == NULL)
		goto fallback;
	spool_rec_hdr(b, tlen, klen);
	memcpy(b + SPOOL_REC_HDR, topic, tlen);
	if (klen)
		memcpy(b + SPOOL_REC_HDR + tlen, m->key, klen);
	memcpy(b + SPOOL_REC_HDR + tlen + klen, m->payload, m->len);
	p = &ks->purged[ks->n_purged++];
	p->seq = (uint64_t)(uintptr_t)m->_private;
	p->rec.iov_base = b;
	p->rec.iov_len = n;
	return;
fallback:
	fz_kafka__spool_put(ks, topic, m->key, m->key_len, m->payload, m->len);
}

static int cmp_purged(const void *a, const void *b)
{
	uint64_t x = ((const struct purged *)a)->seq, y = ((const struct purged *)b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * Take every message back from librdkafka and put it, in the order it was
 * produced, in front of the spool: they are older than anything spooled.
 */
void fz_kafka__purge_to_spool(struct kafka_exporter *ks)
{
	uint64_t start = fz_kafka__now_ns();
	struct iovec *iov;
	int r;

	ks->collecting = 1;
	rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	while (rd_kafka_outq_len(ks->rk) > 0 &&
	       fz_kafka__now_ns() - start < PURGE_WAIT_MS * 1000000ull)
		rd_kafka_poll(ks->rk, 10);
	rd_kafka_poll(ks->rk, 0);
	ks->collecting = 0;
	if (ks->n_purged == 0)
		return;
	qsort(ks->purged, ks->n_purged, sizeof(*ks->purged), cmp_purged);
	iov = malloc(ks->n_purged * sizeof(*iov));
	if (iov != NULL) {
		uint64_t before = fz_spool_dropped(ks->spool);

		for (size_t i = 0; i < ks->n_purged; i++)
			iov[i] = ks->purged[i].rec;
		r = fz_spool_prepend(ks->spool, iov, (unsigned)ks->n_purged);
		if (r < 0 && r != -ENOSPC)
			fz_kafka__note_error(ks, "spool", strerror(-r));
		/* The spool counts what it could not take. */
		ks->c.spooled += ks->n_purged - (fz_spool_dropped(ks->spool) - before);
		free(iov);
	} else {
		for (size_t i = 0; i < ks->n_purged; i++) {
			struct iovec one = ks->purged[i].rec;

			if (fz_spool_append(ks->spool, one.iov_base, one.iov_len) == 0)
				ks->c.spooled++;
		}
	}
	for (size_t i = 0; i < ks->n_purged; i++)
		free(ks->purged[i].rec.iov_base);
	ks->n_purged = 0;
}
