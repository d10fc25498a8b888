/*
 * librdkafka's callbacks (delivery reports, errors, statistics, log lines)
 * and the exporter's poll() and flush(), which serve them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "kafka_priv.h"

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

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_exporter *ks = opaque;
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
			fz_kafka__note_error(ks, "delivery", rd_kafka_err2str(m->err));
		return;
	}
	if (ks->collecting)
		fz_kafka__collect(ks, m, topic);
	else /* A message timeout set by the user: the record goes back, at the end. */
		fz_kafka__spool_put(ks, topic, m->key, m->key_len, m->payload, m->len);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kafka_exporter *ks = opaque;

	(void)rk;
	fz_kafka__note_error(ks, rd_kafka_err2name(err), reason);
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
	struct kafka_exporter *ks = opaque;
	json_t *root = json_loadb(json, len, 0, NULL);
	uint64_t tx, base;

	tx = (uint64_t)json_integer_value(json_object_get(root, "txmsgs"));
	json_decref(root);
	base = ks->c.delivered + ks->c.failed + (uint64_t)rd_kafka_outq_len(rk);
	if (tx > base && tx - base > ks->c.retries)
		ks->c.retries = tx - base;
	return 0;
}

void fz_kafka__poll(struct fz_exporter *e)
{
	struct kafka_exporter *ks = (struct kafka_exporter *)e;

	rd_kafka_poll(ks->rk, 0);
	if (ks->spool == NULL)
		return;
	if (fz_spool_records(ks->spool) > 0)
		fz_kafka__drain(ks, DRAIN_BUDGET);
	if (fz_kafka__now_ns() - ks->last_sync_ns > SYNC_INTERVAL_NS) {
		fz_spool_sync(ks->spool);
		ks->last_sync_ns = fz_kafka__now_ns();
	}
}

int fz_kafka__flush(struct fz_exporter *e, int timeout_ms)
{
	struct kafka_exporter *ks = (struct kafka_exporter *)e;
	uint64_t deadline =
	    fz_kafka__now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ull;
	int done;

	/* Nothing is held outside a lane's turn; if it were, it goes first. */
	fz_kafka__release(ks);
	for (;;) {
		uint64_t now;
		int wait;

		/* With no time to wait, moving spooled records to the queue only
		 * to take them back would be wasted work. */
		if (ks->spool != NULL && timeout_ms > 0)
			fz_kafka__drain(ks, DRAIN_BUDGET);
		rd_kafka_poll(ks->rk, 0);
		done = rd_kafka_outq_len(ks->rk) == 0 &&
		       (ks->spool == NULL || fz_spool_records(ks->spool) == 0);
		now = fz_kafka__now_ns();
		if (done || now >= deadline)
			break;
		wait = (int)((deadline - now) / 1000000ull);
		/* rd_kafka_flush() sends lingering batches at once. */
		rd_kafka_flush(ks->rk, wait < 1 ? 1 : wait > 100 ? 100 : wait);
	}
	if (!done && rd_kafka_outq_len(ks->rk) > 0) {
		if (ks->spool != NULL) {
			fz_kafka__purge_to_spool(ks);
		} else {
			/* No spool: the purge's delivery reports count the drops. */
			rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
			rd_kafka_flush(ks->rk, PURGE_WAIT_MS);
		}
	}
	if (ks->spool != NULL) {
		int r = fz_spool_sync(ks->spool);

		if (r < 0)
			fz_kafka__note_error(ks, "spool", strerror(-r));
	}
	ks->flushed = 1;
	return done ? 0 : -ETIMEDOUT;
}

/* librdkafka's log lines, served from rd_kafka_poll() (log.queue). */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct kafka_exporter *ks = rd_kafka_opaque(rk);
	char line[1024];

	if (ks == NULL || ks->log == NULL)
		return;
	snprintf(line, sizeof(line), "%s: %s", fac, buf);
	ks->log(ks->log_arg, level < 0 ? 0 : level > 7 ? 7 : level, line);
}

int fz_kafka__set_callbacks(struct kafka_exporter *ks, rd_kafka_conf_t *rconf, char *err,
                            size_t errlen)
{
	char rerr[256];

	rd_kafka_conf_set_opaque(rconf, ks);
	rd_kafka_conf_set_dr_msg_cb(rconf, dr_cb);
	rd_kafka_conf_set_error_cb(rconf, error_cb);
	rd_kafka_conf_set_stats_cb(rconf, stats_cb);
	if (ks->log == NULL)
		return 0;
	/* Queued, so that the callback runs on the exporter's thread, from
	 * rd_kafka_poll(), rather than on librdkafka's own threads. */
	if (rd_kafka_conf_set(rconf, "log.queue", "true", rerr, sizeof(rerr)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka: log.queue: %s", rerr);
		return -EINVAL;
	}
	rd_kafka_conf_set_log_cb(rconf, log_cb);
	return 0;
}

void fz_kafka__log_to_poll(struct kafka_exporter *ks)
{
	/* NULL: the main queue, which rd_kafka_poll() serves. */
	if (ks->log != NULL)
		rd_kafka_set_log_queue(ks->rk, NULL);
}
