/*
 * Where records go: the stats lcore hands every JSON record to each sink.
 * A sink is an object with a small operation table so that the JSON-lines
 * file and Kafka (lib/kafka) plug in the same way.
 */
#ifndef FZ_SINK_H
#define FZ_SINK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum fz_sink_topic { FZ_TOPIC_FLOWS = 0, FZ_TOPIC_STATS, FZ_TOPIC_ALERTS, FZ_TOPIC__COUNT };

/* One record for a sink. */
struct fz_sink_msg {
	enum fz_sink_topic topic;
	const char *app; /* application name of a flow record, NULL otherwise */
	const void *key; /* partitioning key (may be NULL) */
	size_t key_len;
	const char *json; /* one JSON object, no newline */
	size_t len;
};

struct fz_sink;

struct fz_sink_ops {
	/* Take one record. Returns 0, or a negative errno when the record was dropped
	 * (the sink counts it). Must not block for long. */
	int (*write)(struct fz_sink *s, const struct fz_sink_msg *m);
	/* Serve callbacks and background work; called often by the stats lcore. */
	void (*poll)(struct fz_sink *s);
	/* Deliver or persist everything pending, waiting at most timeout_ms. */
	int (*flush)(struct fz_sink *s, int timeout_ms);
	/* Counters and state for status and the summary (a new reference). */
	json_t *(*status)(struct fz_sink *s);
	void (*close)(struct fz_sink *s);
};

struct fz_sink {
	const struct fz_sink_ops *ops;
	const char *name;
};

/*
 * Open the JSON-lines sink writing to path ("-" is stdout), one record per
 * line. Returns NULL and sets errno on failure.
 */
struct fz_sink *fz_sink_jsonl_open(const char *path);

static inline int fz_sink_write(struct fz_sink *s, const struct fz_sink_msg *m)
{
	return s->ops->write(s, m);
}

#endif
