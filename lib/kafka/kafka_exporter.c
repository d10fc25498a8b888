/*
 * The Kafka exporter as a whole: creating it (the mock cluster, the
 * producer, the spool), its status and counters, and closing it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fz_counters.h"
#include "kafka_priv.h"

#define DEFAULT_SPOOL    (UINT64_C(1) << 30)
#define DEFAULT_FLUSH_MS 10000

uint64_t fz_kafka__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void fz_kafka__note_error(struct kafka_exporter *ks, const char *what, const char *detail)
{
	ks->errors++;
	snprintf(ks->last_error, sizeof(ks->last_error), "%s: %s", what, detail);
}

static void fill_counters(struct kafka_exporter *ks, struct fz_kafka_counters *c)
{
	*c = ks->c;
	/* The exporter's own drops and the spool's (full, write errors). */
	c->dropped += ks->spool ? fz_spool_dropped(ks->spool) : 0;
	c->in_queue = (uint64_t)rd_kafka_outq_len(ks->rk);
	c->spool_records = ks->spool ? fz_spool_records(ks->spool) : 0;
	c->spool_bytes = ks->spool ? fz_spool_bytes(ks->spool) : 0;
	c->corrupt_bytes = ks->spool ? fz_spool_corrupt_bytes(ks->spool) : 0;
}

/* The keys are part of the summary's contract (docs/kafka-schema.md). */
static json_t *kafka_status(struct fz_exporter *e)
{
	struct kafka_exporter *ks = (struct kafka_exporter *)e;
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
	FZ_X(batches)
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

/* Records lost so far: the "dropped" of status(). */
static uint64_t kafka_lost(struct fz_exporter *e)
{
	struct fz_kafka_counters c;

	fill_counters((struct kafka_exporter *)e, &c);
	return c.dropped;
}

static void destroy(struct kafka_exporter *ks)
{
	for (unsigned i = 0; i < ks->n_topics; i++) {
		rd_kafka_topic_destroy(ks->topics[i].rkt);
		free(ks->topics[i].name);
		free(ks->topics[i].src);
		free(ks->topics[i].held);
	}
	if (ks->rk != NULL)
		rd_kafka_destroy(ks->rk);
	fz_spool_close(ks->spool);
	fz_kafka__mock_stop(ks);
	free(ks->purged);
	free(ks->grouped);
	free(ks->part_of);
	free(ks->bootstrap);
	free(ks->brokers);
	free(ks->prefix);
	free(ks->spool_dir);
	free(ks);
}

static void kafka_close(struct fz_exporter *e)
{
	struct kafka_exporter *ks = (struct kafka_exporter *)e;

	/* Whatever is still queued goes to the spool (or is counted as dropped);
	 * after a flush() that already waited, without waiting again. Nothing
	 * is held here (the lanes end their batches), but if it were, it would
	 * go first. */
	fz_kafka__release(ks);
	if (rd_kafka_outq_len(ks->rk) > 0)
		fz_kafka__flush(e, ks->flushed ? 0 : ks->flush_timeout_ms);
	/* The last log lines queued for the callback. */
	rd_kafka_poll(ks->rk, 0);
	destroy(ks);
}

/* The counters of status(), declared for the registry (/metrics: flowzoo_kafka_...). */
#define KC(m, t, u, h) FZ_COUNTER(struct fz_kafka_counters, m, t, FZ_CF_HIDDEN, #m, u, h)
static const struct fz_counter_def kafka_defs[] = {
    KC(produced, FZ_CT_COUNTER, "messages", "messages handed to librdkafka"),
    KC(delivered, FZ_CT_COUNTER, "messages", "delivery reports without error"),
    KC(failed, FZ_CT_COUNTER, "messages", "delivery reports with an error"),
    KC(retries, FZ_CT_COUNTER, "messages", "messages sent again after an error"),
    KC(queue_full, FZ_CT_COUNTER, NULL, "times librdkafka's queue was full"),
    KC(batches, FZ_CT_COUNTER, NULL,
       "calls handing held messages on at once (a topic's, a partition's)"),
    KC(spooled, FZ_CT_COUNTER, "records", "records written to the spool"),
    KC(unspooled, FZ_CT_COUNTER, "records", "records taken from the spool and produced"),
    KC(dropped, FZ_CT_COUNTER, "records", "records lost (spool full, absent or failing)"),
    KC(in_queue, FZ_CT_GAUGE, "messages", "messages in librdkafka now"),
    KC(spool_records, FZ_CT_GAUGE, "records", "records waiting in the spool"),
    KC(spool_bytes, FZ_CT_GAUGE, "bytes", "bytes of the spool on disk"),
    KC(corrupt_bytes, FZ_CT_COUNTER, "bytes", "spool bytes skipped as corrupt"),
};
#undef KC

static unsigned kafka_instances(struct fz_exporter *e)
{
	(void)e;
	return 1;
}

static void kafka_read(struct fz_exporter *e, unsigned i, uint64_t *out)
{
	(void)i;
	fill_counters(fz_kafka__of(e), (struct fz_kafka_counters *)out);
}

static const struct fz_exporter_counters kafka_counters = {
    .name = "kafka",
    .defs = kafka_defs,
    .n_defs = sizeof(kafka_defs) / sizeof(kafka_defs[0]),
    .block = sizeof(struct fz_kafka_counters),
    .instances = kafka_instances,
    .read = kafka_read,
};

/* Not acknowledged yet: the producer's queue (what a purge would spool or drop). */
static uint64_t kafka_pending(struct fz_exporter *e)
{
	struct kafka_exporter *ks = (struct kafka_exporter *)e;

	rd_kafka_poll(ks->rk, 0);
	return ks->n_held + (uint64_t)rd_kafka_outq_len(ks->rk);
}

static const struct fz_exporter_ops kafka_ops = {
    .take = fz_kafka__take,
    .poll = fz_kafka__poll,
    .flush = fz_kafka__flush,
    .status = kafka_status,
    .lost = kafka_lost,
    .pending = kafka_pending,
    .counters = &kafka_counters,
    .batch_end = fz_kafka__batch_end,
    .close = kafka_close,
};

struct kafka_exporter *fz_kafka__of(struct fz_exporter *e)
{
	return e != NULL && e->ops == &kafka_ops ? (struct kafka_exporter *)e : NULL;
}

/* The producer, with the callbacks. Returns 0 or a negative errno with a message in err. */
static int start_producer(struct kafka_exporter *ks, const struct fz_kafka_conf *conf, char *err,
                          size_t errlen)
{
	rd_kafka_conf_t *rconf;
	char rerr[512];
	int r;

	rconf = fz_kafka__conf_build(ks->brokers, conf->opts, conf->n_opts, err, errlen);
	if (rconf == NULL)
		return -errno;
	r = fz_kafka__set_callbacks(ks, rconf, err, errlen);
	if (r == 0 && fz_kafka__partitioner_setup(ks, rconf) < 0) {
		snprintf(err, errlen, "kafka: out of memory");
		r = -ENOMEM;
	}
	if (r < 0) {
		rd_kafka_conf_destroy(rconf);
		return r;
	}
	ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rconf, rerr, sizeof(rerr));
	if (ks->rk == NULL) {
		rd_kafka_conf_destroy(rconf);
		snprintf(err, errlen, "kafka: %s", rerr);
		return -EINVAL;
	}
	fz_kafka__log_to_poll(ks);
	return 0;
}

struct fz_exporter *fz_kafka_exporter_create(const struct fz_kafka_conf *conf, char *err,
                                             size_t errlen)
{
	struct kafka_exporter *ks;
	int r;

	if (fz_kafka__conf_check_plain(conf, err, errlen) < 0) {
		errno = EINVAL;
		return NULL;
	}
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL)
		return NULL;
	ks->base.ops = &kafka_ops;
	ks->base.name = "kafka";
	ks->base.kinds = FZ_ITEM_ALL;
	ks->base.flags = FZ_EXPORTER_KEYS; /* message keys keep one flow on one partition */
	ks->per_app = conf->topic_per_app;
	ks->log = conf->log;
	ks->log_arg = conf->log_arg;
	ks->flush_timeout_ms =
	    conf->flush_timeout_ms > 0 ? conf->flush_timeout_ms : DEFAULT_FLUSH_MS;
	ks->prefix =
	    strdup(conf->topic_prefix && *conf->topic_prefix ? conf->topic_prefix : "flowzoo");
	if (ks->prefix == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if (conf->mock) {
		r = fz_kafka__mock_start(ks, conf->mock_brokers ? conf->mock_brokers : 3, err,
		                         errlen);
		if (r < 0)
			goto fail;
	}
	ks->brokers = strdup(conf->mock ? ks->bootstrap : conf->brokers);
	if (ks->brokers == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	r = start_producer(ks, conf, err, errlen);
	if (r < 0)
		goto fail;
	if (conf->spool_dir != NULL) {
		ks->spool_dir = strdup(conf->spool_dir);
		if (ks->spool_dir == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		ks->spool = fz_spool_open(
		    conf->spool_dir, conf->spool_max_bytes ? conf->spool_max_bytes : DEFAULT_SPOOL,
		    err, errlen);
		if (ks->spool == NULL) {
			r = -errno;
			goto fail;
		}
		/* What the last run left goes first; take() spools behind it
		 * until it is gone. */
		fz_kafka__drain(ks, DRAIN_BUDGET);
	}
	ks->last_sync_ns = fz_kafka__now_ns();
	return &ks->base;
fail:
	if (r == -ENOMEM)
		snprintf(err, errlen, "kafka: out of memory");
	destroy(ks);
	errno = -r;
	return NULL;
}

int fz_kafka_exporter_counters(struct fz_exporter *e, struct fz_kafka_counters *c)
{
	struct kafka_exporter *ks = fz_kafka__of(e);

	if (ks == NULL)
		return -EINVAL;
	fill_counters(ks, c);
	return 0;
}
