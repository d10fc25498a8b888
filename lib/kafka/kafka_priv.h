/*
 * Shared between the Kafka exporter's files; not part of the public
 * interface:
 *   kafka_conf.c     configuration: broker lists, defaults, properties
 *   kafka_exporter.c create, close, status and counters (the ops table)
 *   kafka_take.c     topics by stream and application, take(), produce
 *   kafka_batch.c    messages held until the batch ends, produced a partition at a time
 *   kafka_delivery.c librdkafka's callbacks, poll() and flush()
 *   kafka_spool.c    the spool records, spilling and draining
 *   kafka_mock.c     the in-process mock cluster
 *
 * A spool record is [u8 topic length][u8 0][u16 key length, little endian]
 * [topic][key][JSON]: the full topic name is kept so that each produced
 * message maps to exactly one spool record (with --kafka-topic-per-app also,
 * a flow is two messages) and a failed one can go back alone.
 */
#ifndef FZ_KAFKA_PRIV_H
#define FZ_KAFKA_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "fz_kafka.h"
#include "fz_spool.h"

#define MAX_TOPICS       128 /* the streams and one per application (the app has at most 64) */
#define SPOOL_REC_HDR    4
#define DRAIN_BUDGET     4096 /* spool records per poll(): a few ms at most per call */
#define DRAIN_IN_TAKE    64   /* spool records take() moves before deciding where to go */
#define SYNC_INTERVAL_NS 1000000000ull
#define PURGE_WAIT_MS    5000
#define HELD_MAX         1024 /* messages held per topic before they are handed on anyway */

struct kafka_exporter;

/* A librdkafka partitioner (rd_kafka_msg_partitioner_*). */
typedef int32_t (*fz_kafka_part_fn)(const rd_kafka_topic_t *rkt, const void *key, size_t klen,
                                    int32_t partitions, void *rkt_opaque, void *msg_opaque);

/* A topic handle. Stream topics are <prefix>.<stream>, application topics
 * <prefix>.flows.<app>; src is the stream or application name it was made
 * for (NULL for a topic only seen in the spool), src_ptr the pointer last
 * seen for it (a fast path: the pipeline passes the same strings). */
struct topic {
	struct kafka_exporter *ks;
	char *name;
	char *src;
	const char *src_ptr;
	int per_app;
	rd_kafka_topic_t *rkt;
	/* Messages held for this topic until the batch ends (kafka_batch.c). */
	rd_kafka_message_t *held;
	unsigned n_held, cap_held;
	unsigned releases;  /* times they were handed on */
	int32_t partitions; /* what librdkafka last gave its partitioner (0: not yet; atomic) */
};

/* A record taken back from librdkafka at flush, in spool-record form. */
struct purged {
	uint64_t seq;
	struct iovec rec;
};

struct kafka_exporter {
	struct fz_exporter base;
	rd_kafka_t *rk;
	rd_kafka_t *mock_rk;
	rd_kafka_mock_cluster_t *mock;
	char *bootstrap; /* the mock's */
	char *brokers;
	char *prefix;
	int per_app;
	int flush_timeout_ms;
	struct topic topics[MAX_TOPICS];
	unsigned n_topics;
	struct fz_spool *spool;
	char *spool_dir;
	struct fz_kafka_counters c;
	uint64_t seq; /* per-message sequence, the message opaque */
	/* The topics holding messages (kafka_batch.c), in the order they got their first. */
	struct topic *held_topics[MAX_TOPICS];
	unsigned n_held_topics;
	uint64_t n_held;
	/* The partitioner librdkafka uses for keyed messages, when held messages
	 * are grouped by partition (kafka_batch.c; NULL: they are not), and
	 * room to group them. */
	fz_kafka_part_fn part_fn;
	rd_kafka_message_t *grouped;
	int32_t *part_of;
	int collecting;
	int flushed; /* flush() ran and nothing was taken since */
	struct purged *purged;
	size_t n_purged, cap_purged;
	uint64_t last_sync_ns;
	uint64_t errors;
	char last_error[256];
	void (*log)(void *arg, int level, const char *line);
	void *log_arg;
};

/* Monotonic clock in ns. */
uint64_t fz_kafka__now_ns(void);

/* Count an error and remember it as last_error ("what: detail"). */
void fz_kafka__note_error(struct kafka_exporter *ks, const char *what, const char *detail);

/*
 * Build the producer configuration: flowzoo's defaults, bootstrap.servers,
 * then the user's properties in order. Returns the configuration, or NULL
 * with errno (ENOENT unknown property, EINVAL bad value or syntax) and a
 * message in err.
 */
rd_kafka_conf_t *fz_kafka__conf_build(const char *brokers, const char *const *opts, unsigned n_opts,
                                      char *err, size_t errlen);

/* The checks of conf that need no producer. Returns 0 or -EINVAL with a message in err. */
int fz_kafka__conf_check_plain(const struct fz_kafka_conf *conf, char *err, size_t errlen);

/* The topic handle for a full topic name, created on first use; NULL when
 * there are too many or on no memory. */
struct topic *fz_kafka__find_topic(struct kafka_exporter *ks, const char *name, size_t len);

/* Hand one message to librdkafka. Returns 0, -ENOBUFS when the queue is
 * full, or another negative errno. */
int fz_kafka__produce(struct kafka_exporter *ks, struct topic *t, const void *key, size_t klen,
                      const void *payload, size_t len);

/* fz_kafka__produce, and on a full queue the spool (after serving the
 * delivery reports); other errors are counted as dropped. Returns 0 or the
 * negative errno. */
int fz_kafka__produce_or_spool(struct kafka_exporter *ks, struct topic *t, const void *key,
                               size_t klen, const void *payload, size_t len);

/* Hold a message of a held item (fz_item.held) for topic t until the batch
 * ends; key_crc is the key's CRC-32 when the lane made it (fz_item.key_crc),
 * else -1. Returns 0, or without memory to hold it, what
 * fz_kafka__produce_or_spool gave. */
int fz_kafka__hold(struct kafka_exporter *ks, struct topic *t, const void *key, size_t klen,
                   const void *payload, size_t len, int64_t key_crc);

/* Hand every held message to librdkafka, a topic at a time, in the order
 * taken; those the full queue refuses go to the spool, in order. */
void fz_kafka__release(struct kafka_exporter *ks);

/* Before rd_kafka_new: when the configured partitioner is one that groups
 * (consistent_random, the default, murmur2_random, fnv1a_random), put a
 * callback in front of it that notes each topic's partition count, so that
 * held messages can be handed on a partition at a time; with
 * consistent_random, whose hash is the key's CRC-32, also ask the lanes for
 * it (FZ_EXPORTER_KEY_CRC). Returns 0 or -ENOMEM; an other partitioner is
 * not an error (no grouping). */
int fz_kafka__partitioner_setup(struct kafka_exporter *ks, rd_kafka_conf_t *rconf);

/* A new topic's handle (its opaque: t, for the partitioner callback). */
rd_kafka_topic_t *fz_kafka__topic_new(struct kafka_exporter *ks, struct topic *t);

/* The exporter's batch_end(): fz_kafka__release. */
void fz_kafka__batch_end(struct fz_exporter *e);

/* The exporter's take(). */
int fz_kafka__take(struct fz_exporter *e, struct fz_item *it);

/* Write one message to the spool, or count it as dropped. Returns 0 or a negative errno. */
int fz_kafka__spool_put(struct kafka_exporter *ks, const char *topic, const void *key, size_t klen,
                        const void *payload, size_t len);

/* Move up to budget records from the spool to librdkafka, oldest first. */
void fz_kafka__drain(struct kafka_exporter *ks, unsigned budget);

/* In the delivery report of a message flush() took back: keep it for
 * fz_kafka__purge_to_spool() (on no memory, spool it at the end). */
void fz_kafka__collect(struct kafka_exporter *ks, const rd_kafka_message_t *m, const char *topic);

/* Take every message back from librdkafka and put it, in the order it was
 * produced, in front of the spool. */
void fz_kafka__purge_to_spool(struct kafka_exporter *ks);

/* Set librdkafka's callbacks (delivery, errors, statistics, and the log
 * when ks->log is set) on a producer configuration. */
int fz_kafka__set_callbacks(struct kafka_exporter *ks, rd_kafka_conf_t *rconf, char *err,
                            size_t errlen);

/* After rd_kafka_new(): serve the log lines from poll() (when ks->log is set). */
void fz_kafka__log_to_poll(struct kafka_exporter *ks);

/* The exporter's poll() and flush(). */
void fz_kafka__poll(struct fz_exporter *e);
int fz_kafka__flush(struct fz_exporter *e, int timeout_ms);

/* Start the in-process mock cluster of n brokers and create the stream
 * topics on it. Returns 0, -ENOMEM, or -EIO with a message in err. */
int fz_kafka__mock_start(struct kafka_exporter *ks, unsigned n, char *err, size_t errlen);

/* Stop the mock cluster (when there is one). */
void fz_kafka__mock_stop(struct kafka_exporter *ks);

/* The Kafka exporter behind e, or NULL when e is not one. */
struct kafka_exporter *fz_kafka__of(struct fz_exporter *e);

#endif
