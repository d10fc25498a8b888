/*
 * The Kafka sink: librdkafka producer, spool fallback, delivery counters.
 *
 * A spool record is [u8 topic length][u8 0][u16 key length, little endian]
 * [topic][key][JSON]: the full topic name is kept so that each produced
 * message maps to exactly one spool record (with --kafka-topic-per-app also,
 * a flow is two messages) and a failed one can go back alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fz_kafka.h"
#include "fz_spool.h"
#include "kafka_priv.h"

#define MAX_TOPICS       128 /* 3 + one per application (the app has at most 64) */
#define SPOOL_REC_HDR    4
#define DRAIN_BUDGET     4096 /* spool records per poll(): a few ms at most per call */
#define DRAIN_IN_WRITE   64   /* spool records write() moves before deciding where to go */
#define SYNC_INTERVAL_NS 1000000000ull
#define PURGE_WAIT_MS    5000
#define DEFAULT_SPOOL    (UINT64_C(1) << 30)
#define DEFAULT_FLUSH_MS 10000

struct topic {
	char *name;
	const char *app; /* the app name pointer last seen for this per-app topic */
	rd_kafka_topic_t *rkt;
};

/* A record taken back from librdkafka at flush, in spool-record form. */
struct purged {
	uint64_t seq;
	struct iovec rec;
};

struct kafka_sink {
	struct fz_sink base;
	rd_kafka_t *rk;
	rd_kafka_t *mock_rk;
	rd_kafka_mock_cluster_t *mock;
	char *bootstrap; /* the mock's */
	char *brokers;
	char *prefix;
	int per_app;
	int flush_timeout_ms;
	struct topic topics[MAX_TOPICS]; /* 0..2 are flows, stats, alerts */
	unsigned n_topics;
	struct fz_spool *spool;
	char *spool_dir;
	struct fz_kafka_counters c;
	uint64_t seq; /* per-message sequence, the message opaque */
	int collecting;
	int flushed; /* flush() ran and nothing was written since */
	struct purged *purged;
	size_t n_purged, cap_purged;
	uint64_t last_sync_ns;
	char *vbuf; /* a message with "schema_version" spliced in */
	size_t vcap;
	uint64_t errors;
	char last_error[256];
};

static const char *const topic_suffix[FZ_TOPIC__COUNT] = {"flows", "stats", "alerts"};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void note_error(struct kafka_sink *ks, const char *what, const char *detail)
{
	ks->errors++;
	snprintf(ks->last_error, sizeof(ks->last_error), "%s: %s", what, detail);
}

/* The topic handle for name, created on first use; NULL when there are too many. */
static struct topic *find_topic(struct kafka_sink *ks, const char *name, size_t len)
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
	t->name = strndup(name, len);
	if (t->name == NULL)
		return NULL;
	t->rkt = rd_kafka_topic_new(ks->rk, t->name, NULL);
	if (t->rkt == NULL) {
		free(t->name);
		t->name = NULL;
		return NULL;
	}
	t->app = NULL;
	ks->n_topics++;
	return t;
}

/* <prefix>.flows.<app>, with characters Kafka does not allow in names as '_'. */
static struct topic *app_topic(struct kafka_sink *ks, const char *app)
{
	char name[256];
	struct topic *t;
	int n, base;

	for (unsigned i = FZ_TOPIC__COUNT; i < ks->n_topics; i++)
		if (ks->topics[i].app == app)
			return &ks->topics[i];
	base = snprintf(name, sizeof(name), "%s.flows.", ks->prefix);
	n = snprintf(name + base, sizeof(name) - (size_t)base, "%s", app);
	if (n <= 0 || (size_t)(base + n) >= sizeof(name))
		return NULL;
	for (char *p = name + base; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	t = find_topic(ks, name, (size_t)(base + n));
	if (t != NULL)
		t->app = app;
	return t;
}

/* Hand one message to librdkafka. Returns 0, -ENOBUFS when the queue is full, or another negative
 * errno. */
static int produce(struct kafka_sink *ks, struct topic *t, const void *key, size_t klen,
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
	note_error(ks, "produce", rd_kafka_err2str(err));
	return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? -EMSGSIZE : -EIO;
}

static void spool_rec_hdr(uint8_t h[SPOOL_REC_HDR], size_t tlen, size_t klen)
{
	h[0] = (uint8_t)tlen;
	h[1] = 0;
	h[2] = (uint8_t)klen;
	h[3] = (uint8_t)(klen >> 8);
}

/* Write one message to the spool, or count it as dropped. */
static int spool_put(struct kafka_sink *ks, const char *topic, const void *key, size_t klen,
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
static void drain(struct kafka_sink *ks, unsigned budget)
{
	const void *d;
	size_t n;

	while (budget-- > 0) {
		const uint8_t *p;
		size_t tlen, klen;
		struct topic *t = NULL;
		int r = fz_spool_peek(ks->spool, &d, &n);

		if (r < 0)
			note_error(ks, "spool", strerror(-r));
		if (r <= 0)
			return;
		p = d;
		tlen = n >= SPOOL_REC_HDR ? p[0] : 0;
		klen = n >= SPOOL_REC_HDR ? (size_t)p[2] | (size_t)p[3] << 8 : 0;
		if (tlen > 0 && SPOOL_REC_HDR + tlen + klen <= n)
			t = find_topic(ks, (const char *)p + SPOOL_REC_HDR, tlen);
		if (t == NULL) {
			/* Not a record this sink wrote (or too many topics): count it. */
			ks->c.dropped++;
			note_error(ks, "spool", "unusable record dropped");
		} else {
			r = produce(ks, t, klen ? p + SPOOL_REC_HDR + tlen : NULL, klen,
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

/* Send one record to topic t, through the spool when it holds older records. */
static int send_record(struct kafka_sink *ks, struct topic *t, const struct fz_sink_msg *m)
{
	int r;

	if (ks->spool != NULL && fz_spool_records(ks->spool) > 0) {
		drain(ks, DRAIN_IN_WRITE);
		if (fz_spool_records(ks->spool) > 0)
			return spool_put(ks, t->name, m->key, m->key_len, m->json, m->len);
	}
	r = produce(ks, t, m->key, m->key_len, m->json, m->len);
	if (r == -ENOBUFS) {
		rd_kafka_poll(ks->rk, 0);
		return spool_put(ks, t->name, m->key, m->key_len, m->json, m->len);
	}
	if (r < 0)
		ks->c.dropped++;
	return r;
}

/*
 * Every message carries "schema_version" right after "type". Records that
 * come without it (the flow encoder adds it only when asked; stats and
 * alerts never) get it spliced in. Returns m, or out pointing to a copy.
 */
static const struct fz_sink_msg *with_version(struct kafka_sink *ks, const struct fz_sink_msg *m,
                                              struct fz_sink_msg *out)
{
	static const char type[] = "{\"type\":\"", ver[] = ",\"schema_version\":";
	char add[32];
	const char *q;
	size_t head, n;
	int alen;

	if (m->len < sizeof(type) || memcmp(m->json, type, sizeof(type) - 1) != 0)
		return m;
	q = memchr(m->json + sizeof(type) - 1, '"', m->len - (sizeof(type) - 1));
	if (q == NULL)
		return m;
	head = (size_t)(q + 1 - m->json);
	if (m->len - head >= sizeof(ver) - 1 && memcmp(q + 1, ver, sizeof(ver) - 1) == 0)
		return m;
	alen = snprintf(add, sizeof(add), "%s%d", ver, FZ_KAFKA_SCHEMA_VERSION);
	n = m->len + (size_t)alen;
	if (n > ks->vcap) {
		char *b = realloc(ks->vbuf, n);

		if (b == NULL)
			return m;
		ks->vbuf = b;
		ks->vcap = n;
	}
	memcpy(ks->vbuf, m->json, head);
	memcpy(ks->vbuf + head, add, (size_t)alen);
	memcpy(ks->vbuf + head + alen, m->json + head, m->len - head);
	*out = *m;
	out->json = ks->vbuf;
	out->len = n;
	return out;
}

static int kafka_write(struct fz_sink *s, const struct fz_sink_msg *m)
{
	struct kafka_sink *ks = (struct kafka_sink *)s;
	struct fz_sink_msg text_msg, ver_msg;
	char text_key[160];
	int r = 0, per_app;

	ks->flushed = 0;
	if ((unsigned)m->topic >= FZ_TOPIC__COUNT) {
		ks->c.dropped++;
		return -EINVAL;
	}
	if (m->topic == FZ_TOPIC_FLOWS && m->key != NULL &&
	    m->key_len == sizeof(struct fz_flow_key)) {
		int n = fz_record_flow_key_text(m->key, text_key, sizeof(text_key));

		if (n > 0) {
			text_msg = *m;
			text_msg.key = text_key;
			text_msg.key_len = (size_t)n;
			m = &text_msg;
		}
	}
	m = with_version(ks, m, &ver_msg);
	per_app = m->topic == FZ_TOPIC_FLOWS && m->app != NULL ? ks->per_app : 0;
	if (per_app != FZ_KAFKA_PER_APP_INSTEAD)
		r = send_record(ks, &ks->topics[m->topic], m);
	if (per_app != FZ_KAFKA_PER_APP_OFF) {
		struct topic *t = app_topic(ks, m->app);
		int r2 = t ? send_record(ks, t, m) : -ENOSPC;

		if (t == NULL)
			ks->c.dropped++;
		if (r == 0)
			r = r2;
	}
	return r;
}

/* Errors after which the same message can succeed later. */
static int transient(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
	case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
	case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
	case RD_KAFKA_RESP_ERR__TRANSPORT:
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
	case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
	case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
	case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
	case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
		return 1;
	default:
		return 0;
	}
}

/* Keep a purged message for fz_spool_prepend(); on no memory, spool it at the end. */
static void collect(struct kafka_sink *ks, const rd_kafka_message_t *m, const char *topic)
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
	spool_put(ks, topic, m->key, m->key_len, m->payload, m->len);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *ks = opaque;
	const char *topic = rd_kafka_topic_name(m->rkt);

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		ks->c.delivered++;
		return;
	}
	/* Messages flush() takes back were not refused: they count as spooled. */
	if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
		ks->c.failed++;
	if (!transient(m->err) || ks->spool == NULL) {
		ks->c.dropped++;
		if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
		    m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
			note_error(ks, "delivery", rd_kafka_err2str(m->err));
		return;
	}
	if (ks->collecting)
		collect(ks, m, topic);
	else /* A message timeout set by the user: the record goes back, at the end. */
		spool_put(ks, topic, m->key, m->key_len, m->payload, m->len);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_sink *ks = opaque;

	(void)rk;
	note_error(ks, rd_kafka_err2name(err), reason);
}

/*
 * Count messages sent more than once. librdkafka's statistics give txmsgs,
 * the messages transmitted including retransmissions (after a produce
 * error the idempotent producer sends the failed batch and those after it
 * again). What was transmitted beyond the delivered, failed and still
 * queued messages was sent again: a lower bound while messages are in
 * flight, exact once the queue is empty.
 */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct kafka_sink *ks = opaque;
	json_t *root = json_loadb(json, len, 0, NULL);
	uint64_t tx, base;

	tx = (uint64_t)json_integer_value(json_object_get(root, "txmsgs"));
	json_decref(root);
	base = ks->c.delivered + ks->c.failed + (uint64_t)rd_kafka_outq_len(rk);
	if (tx > base && tx - base > ks->c.retries)
		ks->c.retries = tx - base;
	return 0;
}

static void kafka_poll(struct fz_sink *s)
{
	struct kafka_sink *ks = (struct kafka_sink *)s;

	rd_kafka_poll(ks->rk, 0);
	if (ks->spool == NULL)
		return;
	if (fz_spool_records(ks->spool) > 0)
		drain(ks, DRAIN_BUDGET);
	if (now_ns() - ks->last_sync_ns > SYNC_INTERVAL_NS) {
		fz_spool_sync(ks->spool);
		ks->last_sync_ns = now_ns();
	}
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
static void purge_to_spool(struct kafka_sink *ks)
{
	uint64_t start = now_ns();
	struct iovec *iov;
	int r;

	ks->collecting = 1;
	rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	while (rd_kafka_outq_len(ks->rk) > 0 && now_ns() - start < PURGE_WAIT_MS * 1000000ull)
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
			note_error(ks, "spool", strerror(-r));
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

static int kafka_flush(struct fz_sink *s, int timeout_ms)
{
	struct kafka_sink *ks = (struct kafka_sink *)s;
	uint64_t deadline = now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ull;
	int done;

	for (;;) {
		uint64_t now;
		int wait;

		/* With no time to wait, moving spooled records to the queue only
		 * to take them back would be wasted work. */
		if (ks->spool != NULL && timeout_ms > 0)
			drain(ks, DRAIN_BUDGET);
		rd_kafka_poll(ks->rk, 0);
		done = rd_kafka_outq_len(ks->rk) == 0 &&
		       (ks->spool == NULL || fz_spool_records(ks->spool) == 0);
		now = now_ns();
		if (done || now >= deadline)
			break;
		wait = (int)((deadline - now) / 1000000ull);
		/* rd_kafka_flush() sends lingering batches at once. */
		rd_kafka_flush(ks->rk, wait < 1 ? 1 : wait > 100 ? 100 : wait);
	}
	if (!done && rd_kafka_outq_len(ks->rk) > 0) {
		if (ks->spool != NULL) {
			purge_to_spool(ks);
		} else {
			/* No spool: the purge's delivery reports count the drops. */
			rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
			rd_kafka_flush(ks->rk, PURGE_WAIT_MS);
		}
	}
	if (ks->spool != NULL) {
		int r = fz_spool_sync(ks->spool);

		if (r < 0)
			note_error(ks, "spool", strerror(-r));
	}
	ks->flushed = 1;
	return done ? 0 : -ETIMEDOUT;
}

static void fill_counters(struct kafka_sink *ks, struct fz_kafka_counters *c)
{
	*c = ks->c;
	/* The sink's own drops and the spool's (full, write errors). */
	c->dropped += ks->spool ? fz_spool_dropped(ks->spool) : 0;
	c->in_queue = (uint64_t)rd_kafka_outq_len(ks->rk);
	c->spool_records = ks->spool ? fz_spool_records(ks->spool) : 0;
	c->spool_bytes = ks->spool ? fz_spool_bytes(ks->spool) : 0;
}

static json_t *kafka_status(struct fz_sink *s)
{
	struct kafka_sink *ks = (struct kafka_sink *)s;
	struct fz_kafka_counters c;
	json_t *o = json_object(), *sp = json_null();

	fill_counters(ks, &c);
	if (ks->spool != NULL)
		sp = json_pack("{s:s, s:I, s:I, s:I, s:I}", "dir", ks->spool_dir, "records",
		               (json_int_t)c.spool_records, "bytes", (json_int_t)c.spool_bytes,
		               "dropped", (json_int_t)fz_spool_dropped(ks->spool), "corrupt_bytes",
		               (json_int_t)fz_spool_corrupt_bytes(ks->spool));
	json_object_set_new(o, "brokers", json_string(ks->brokers));
	json_object_set_new(o, "mock", ks->bootstrap ? json_true() : json_false());
	json_object_set_new(o, "topic_prefix", json_string(ks->prefix));
#define FZ_X(f) json_object_set_new(o, #f, json_integer((json_int_t)c.f));
	FZ_X(produced)
	FZ_X(delivered)
	FZ_X(failed)
	FZ_X(retries)
	FZ_X(queue_full)
	FZ_X(spooled)
	FZ_X(unspooled)
	FZ_X(dropped)
	FZ_X(in_queue)
#undef FZ_X
	json_object_set_new(o, "spool", sp);
	json_object_set_new(o, "errors", json_integer((json_int_t)ks->errors));
	json_object_set_new(o, "last_error",
	                    ks->last_error[0] ? json_string(ks->last_error) : json_null());
	return o;
}

static void destroy(struct kafka_sink *ks)
{
	for (unsigned i = 0; i < ks->n_topics; i++) {
		rd_kafka_topic_destroy(ks->topics[i].rkt);
		free(ks->topics[i].name);
	}
	if (ks->rk != NULL)
		rd_kafka_destroy(ks->rk);
	fz_spool_close(ks->spool);
	if (ks->mock != NULL)
		rd_kafka_mock_cluster_destroy(ks->mock);
	if (ks->mock_rk != NULL)
		rd_kafka_destroy(ks->mock_rk);
	free(ks->purged);
	free(ks->vbuf);
	free(ks->bootstrap);
	free(ks->brokers);
	free(ks->prefix);
	free(ks->spool_dir);
	free(ks);
}

static void kafka_close(struct fz_sink *s)
{
	struct kafka_sink *ks = (struct kafka_sink *)s;

	/* Whatever is still queued goes to the spool (or is counted as dropped);
	 * after a flush() that already waited, without waiting again. */
	if (rd_kafka_outq_len(ks->rk) > 0)
		kafka_flush(s, ks->flushed ? 0 : ks->flush_timeout_ms);
	destroy(ks);
}

static const struct fz_sink_ops kafka_ops = {
    .write = kafka_write,
    .poll = kafka_poll,
    .flush = kafka_flush,
    .status = kafka_status,
    .close = kafka_close,
};

/* Start the in-process mock cluster and create the three topics on it. */
static int start_mock(struct kafka_sink *ks, unsigned n, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char rerr[256], name[300];

	rd_kafka_conf_set(conf, "client.id", "flowzoo-mock", rerr, sizeof(rerr));
	/* This handle only hosts the cluster: its notice about having no
	 * bootstrap.servers would mislead. */
	rd_kafka_conf_set(conf, "log_level", "4", rerr, sizeof(rerr));
	ks->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rerr, sizeof(rerr));
	if (ks->mock_rk == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "--kafka-mock: %s", rerr);
		return -EIO;
	}
	ks->mock = rd_kafka_mock_cluster_new(ks->mock_rk, (int)n);
	if (ks->mock == NULL) {
		snprintf(err, errlen, "--kafka-mock: cannot start a mock cluster");
		return -EIO;
	}
	ks->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(ks->mock));
	if (ks->bootstrap == NULL)
		return -ENOMEM;
	for (int i = 0; i < FZ_TOPIC__COUNT; i++) {
		snprintf(name, sizeof(name), "%s.%s", ks->prefix, topic_suffix[i]);
		rd_kafka_mock_topic_create(ks->mock, name, 4, n < 3 ? (int)n : 3);
	}
	return 0;
}

/* The checks that need no producer. Returns 0 or a negative errno. */
static int check_conf(const struct fz_kafka_conf *conf, char *err, size_t errlen)
{
	if (conf->mock && conf->brokers != NULL) {
		snprintf(err, errlen, "--kafka and --kafka-mock exclude each other");
		return -EINVAL;
	}
	if (!conf->mock && fz_kafka_check_brokers(conf->brokers, err, errlen) < 0)
		return -EINVAL;
	if (conf->topic_per_app < FZ_KAFKA_PER_APP_OFF ||
	    conf->topic_per_app > FZ_KAFKA_PER_APP_INSTEAD) {
		snprintf(err, errlen, "--kafka-topic-per-app: expected off, also or instead");
		return -EINVAL;
	}
	return 0;
}

int fz_kafka_conf_check(const struct fz_kafka_conf *conf, char *err, size_t errlen)
{
	rd_kafka_conf_t *rconf;
	int r = check_conf(conf, err, errlen);

	if (r < 0)
		return r;
	/* A mock's address is not known yet; any valid one checks the rest. */
	rconf = fz_kafka__conf_build(conf->mock ? "127.0.0.1:9092" : conf->brokers, conf->opts,
	                             conf->n_opts, err, errlen);
	if (rconf == NULL)
		return -errno;
	rd_kafka_conf_destroy(rconf);
	return 0;
}

struct fz_sink *fz_kafka_sink_create(const struct fz_kafka_conf *conf, char *err, size_t errlen)
{
	struct kafka_sink *ks;
	rd_kafka_conf_t *rconf;
	char rerr[512], name[300];
	int e = EINVAL;

	if (check_conf(conf, err, errlen) < 0) {
		errno = EINVAL;
		return NULL;
	}
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL)
		return NULL;
	ks->base.ops = &kafka_ops;
	ks->base.name = "kafka";
	ks->per_app = conf->topic_per_app;
	ks->flush_timeout_ms =
	    conf->flush_timeout_ms > 0 ? conf->flush_timeout_ms : DEFAULT_FLUSH_MS;
	ks->prefix =
	    strdup(conf->topic_prefix && *conf->topic_prefix ? conf->topic_prefix : "flowzoo");
	if (ks->prefix == NULL)
		goto nomem;
	if (conf->mock) {
		int r = start_mock(ks, conf->mock_brokers ? conf->mock_brokers : 3, err, errlen);

		if (r == -ENOMEM)
			goto nomem;
		if (r < 0) {
			e = -r;
			goto fail;
		}
	}
	ks->brokers = strdup(conf->mock ? ks->bootstrap : conf->brokers);
	if (ks->brokers == NULL)
		goto nomem;
	rconf = fz_kafka__conf_build(ks->brokers, conf->opts, conf->n_opts, err, errlen);
	if (rconf == NULL) {
		e = errno;
		goto fail;
	}
	rd_kafka_conf_set_opaque(rconf, ks);
	rd_kafka_conf_set_dr_msg_cb(rconf, dr_cb);
	rd_kafka_conf_set_error_cb(rconf, error_cb);
	rd_kafka_conf_set_stats_cb(rconf, stats_cb);
	ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rconf, rerr, sizeof(rerr));
	if (ks->rk == NULL) {
		rd_kafka_conf_destroy(rconf);
		snprintf(err, errlen, "kafka: %s", rerr);
		goto fail;
	}
	for (int i = 0; i < FZ_TOPIC__COUNT; i++) {
		int n = snprintf(name, sizeof(name), "%s.%s", ks->prefix, topic_suffix[i]);

		if (find_topic(ks, name, (size_t)n) == NULL) {
			snprintf(err, errlen, "kafka: cannot create topic handle %s", name);
			goto fail;
		}
	}
	if (conf->spool_dir != NULL) {
		ks->spool_dir = strdup(conf->spool_dir);
		if (ks->spool_dir == NULL)
			goto nomem;
		ks->spool = fz_spool_open(
		    conf->spool_dir, conf->spool_max_bytes ? conf->spool_max_bytes : DEFAULT_SPOOL,
		    err, errlen);
		if (ks->spool == NULL) {
			e = errno;
			goto fail;
		}
		/* What the last run left goes first; write() spools behind it
		 * until it is gone. */
		drain(ks, DRAIN_BUDGET);
	}
	ks->last_sync_ns = now_ns();
	return &ks->base;
nomem:
	snprintf(err, errlen, "kafka: out of memory");
	e = ENOMEM;
fail:
	destroy(ks);
	errno = e;
	return NULL;
}

const char *fz_kafka_sink_bootstrap(struct fz_sink *s)
{
	if (s == NULL || s->ops != &kafka_ops)
		return NULL;
	return ((struct kafka_sink *)s)->bootstrap;
}

rd_kafka_mock_cluster_t *fz_kafka_sink_mock_cluster(struct fz_sink *s)
{
	if (s == NULL || s->ops != &kafka_ops)
		return NULL;
	return ((struct kafka_sink *)s)->mock;
}

int fz_kafka_sink_counters(struct fz_sink *s, struct fz_kafka_counters *c)
{
	if (s == NULL || s->ops != &kafka_ops)
		return -EINVAL;
	fill_counters((struct kafka_sink *)s, c);
	return 0;
}
