/*
 * Kafka exporter (librdkafka): every item to the topic <prefix>.<stream>
 * (<prefix>.flows, <prefix>.stats, <prefix>.alerts, ...: any stream name
 * works, its topic handle is made on first use), and with per-application
 * topics the flows also (or only) to <prefix>.flows.<app>. Each message is
 * the item's JSON (fz_item_json(), which already carries "schema_version")
 * with the item's key sent as it is (for a flow, the pipeline passes the
 * text of fz_record_flow_key_text()).
 *
 * Nothing is lost silently: when librdkafka's queue is full the records go
 * to an on-disk spool (lib/spool) and are sent, in order, once the brokers
 * take them again; records are written to the spool, not to Kafka, while
 * the spool holds any, so that order per key holds. At flush the records
 * not delivered within the timeout are put back in front of the spool, and
 * the next exporter on that spool sends them first. Only a full spool (or
 * no spool, or a spool that cannot write) drops records, and every drop is
 * counted in status() and lost().
 *
 * One thread owns an exporter (the one calling take, poll, flush, close):
 * librdkafka's delivery, error, statistics and log callbacks run in that
 * thread, from take(), poll(), flush() and close().
 */
#ifndef FZ_KAFKA_H
#define FZ_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "fz_export.h"

/* Values of fz_kafka_conf.topic_per_app. */
#define FZ_KAFKA_PER_APP_OFF     0
#define FZ_KAFKA_PER_APP_ALSO    1 /* <prefix>.flows and <prefix>.flows.<app> */
#define FZ_KAFKA_PER_APP_INSTEAD 2 /* <prefix>.flows.<app> only */

struct fz_kafka_conf {
	const char *brokers; /* host:port[,host:port...]; NULL with mock: the mock's bootstrap */
	const char *topic_prefix; /* NULL: "flowzoo" */
	int topic_per_app;        /* FZ_KAFKA_PER_APP_* */
	const char *const *opts;  /* librdkafka properties "key=value", applied in order */
	unsigned n_opts;
	const char *spool_dir;    /* NULL: no spool (a full queue drops and counts) */
	uint64_t spool_max_bytes; /* 0: 1 GiB */
	int flush_timeout_ms;     /* used by close() when flush() was not called; <= 0: 10 s */
	int mock;                 /* start librdkafka's mock cluster in-process */
	unsigned mock_brokers;    /* 0: 3 */
	/*
	 * librdkafka's own log lines (level: syslog's 0 emergency .. 7 debug;
	 * line: "<facility>: <message>", no newline). They are queued and the
	 * callback is called from take(), poll(), flush() and close(), on the
	 * exporter's thread, never from librdkafka's threads: it need not be
	 * thread-safe. Lines logged while close() destroys the producer, after
	 * its last poll, are dropped. NULL: librdkafka prints them to standard
	 * error itself, from its own threads. (The mock cluster's own handle
	 * always prints its warnings to standard error.)
	 */
	void (*log)(void *arg, int level, const char *line);
	void *log_arg;
};

/* Counters of a Kafka exporter, as status() reports them. */
struct fz_kafka_counters {
	uint64_t produced;   /* messages handed to librdkafka (from take() or the spool) */
	uint64_t delivered;  /* delivery reports without error */
	uint64_t failed;     /* delivery reports with an error, not counting flush()'s take-backs */
	uint64_t retries;    /* messages sent again after an error (librdkafka's statistics) */
	uint64_t queue_full; /* times librdkafka's queue was full */
	uint64_t batches;   /* rd_kafka_produce_batch calls: held messages of a topic (partition) */
	uint64_t spooled;   /* records written to the spool */
	uint64_t unspooled; /* records taken from the spool and handed to librdkafka */
	uint64_t dropped;   /* records lost: spool full, absent or failing, or a permanent error */
	uint64_t in_queue;  /* messages in librdkafka now (queued, in flight, or reports) */
	uint64_t spool_records; /* records waiting in the spool */
	uint64_t spool_bytes;   /* bytes of the spool on disk */
	uint64_t corrupt_bytes; /* spool bytes skipped as corrupt (torn or damaged records) */
};

/*
 * Create the exporter: check the configuration, start the mock cluster when
 * asked, and send what an existing spool holds before anything new. It
 * takes every kind of item (FZ_ITEM_ALL); per-application topics apply to
 * items of kind FZ_ITEM_FLOW with an app. Returns NULL and sets errno, with
 * a message naming the offending item in err, on: malformed brokers
 * (EINVAL), an unknown librdkafka property (ENOENT), a rejected value
 * (EINVAL), a spool that cannot be opened, or a failure to create the
 * producer.
 */
struct fz_exporter *fz_kafka_exporter_create(const struct fz_kafka_conf *conf, char *err,
                                             size_t errlen);

/*
 * Check conf without creating anything (for start-up, before the costly
 * parts): brokers, the per-app mode, every property name and value.
 * Conflicts between properties show only in fz_kafka_exporter_create().
 * Returns 0, or a negative errno with a message in err (as create).
 */
int fz_kafka_conf_check(const struct fz_kafka_conf *conf, char *err, size_t errlen);

/* The mock cluster's bootstrap address ("host:port,..."), or NULL without
 * one (or when e is not a Kafka exporter). */
const char *fz_kafka_exporter_bootstrap(struct fz_exporter *e);

/* Copy the counters of a Kafka exporter. Returns 0, or -EINVAL when e is not one. */
int fz_kafka_exporter_counters(struct fz_exporter *e, struct fz_kafka_counters *c);

/*
 * Check a broker list "host:port[,host:port...]" (IPv6 hosts in brackets, an
 * optional "scheme://" prefix per entry). Returns 0, or -EINVAL with a
 * message in err.
 */
int fz_kafka_check_brokers(const char *brokers, char *err, size_t errlen);

/*
 * Parse the --kafka-topic-per-app value: "also" or "instead" (and "off").
 * Returns FZ_KAFKA_PER_APP_* or -EINVAL.
 */
int fz_kafka_parse_per_app(const char *s);

#endif
