/*
 * Helpers of the Kafka tests: items with a given JSON text, and reading a
 * topic back with a librdkafka consumer, tallying what arrived. Records
 * carry {"seq": N}; seq % FZ_KT_KEYS is their key, so order per key is
 * order of seq within each key.
 */
#ifndef FZ_KAFKA_TEST_H
#define FZ_KAFKA_TEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "fz_export.h"

#define FZ_KT_KEYS    97
#define FZ_KT_MAX_SEQ 200000

static inline void kt_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static inline double kt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What a consumer saw on one topic. */
struct kt_seen {
	int count[FZ_KT_MAX_SEQ];
	int total;    /* messages */
	int dups;     /* messages whose seq was seen before */
	int disorder; /* messages whose seq is not above the last one of their key */
	int no_seq;   /* messages without a seq (counted in total) */
};

static struct kt_seen kt_seen;

/* An item encoder whose JSON is the text in arg. */
static inline int kt_text_encode(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	size_t n = strlen(arg);

	(void)it;
	if (n >= cap)
		return -ENOSPC;
	memcpy(buf, arg, n + 1);
	return (int)n;
}

static struct fz_json_buf kt_jbuf = {.max = 1 << 20};

/* An item of kind on stream with the JSON text json (which must outlive
 * the item) and the key key (NULL: none). */
static inline struct fz_item kt_item(enum fz_item_kind kind, const char *stream, const char *app,
                                     const char *key, const char *json)
{
	struct fz_item it = {.kind = kind, .stream = stream, .app = app, .key = key};

	it.key_len = key ? strlen(key) : 0;
	it.encode = kt_text_encode;
	it.encode_arg = (void *)json;
	it.jbuf = &kt_jbuf;
	return it;
}

/*
 * Read topic (partitions 0..nparts-1) from the beginning until every
 * partition is at its end and at least expect messages arrived, or timeout_s
 * passed. When last_json is not NULL, the last message is copied there.
 */
static inline void kt_consume(const char *bootstrap, const char *topic, int nparts, int expect,
                              double timeout_s, char *last_json, size_t cap)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(nparts);
	char err[256];
	rd_kafka_t *rk;
	int last[FZ_KT_KEYS], eof[64] = {0};
	double end = kt_now() + timeout_s;

	memset(&kt_seen, 0, sizeof(kt_seen));
	for (int k = 0; k < FZ_KT_KEYS; k++)
		last[k] = -1;
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "fz-test", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (rk == NULL) {
		fprintf(stderr, "consumer: %s\n", err);
		rd_kafka_topic_partition_list_destroy(parts);
		return;
	}
	for (int p = 0; p < nparts; p++)
		rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	while (kt_now() < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		int all_eof = 1;

		if (m != NULL) {
			if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->partition < 64) {
				eof[m->partition] = 1;
			} else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
				json_t *o = json_loadb(m->payload, m->len, 0, NULL);
				json_t *js = json_object_get(o, "seq");
				int seq = (int)json_integer_value(js);

				if (last_json != NULL && m->len < cap) {
					memcpy(last_json, m->payload, m->len);
					last_json[m->len] = '\0';
				}
				json_decref(o);
				if (m->partition < 64)
					eof[m->partition] = 0;
				kt_seen.total++;
				if (js == NULL || seq < 0 || seq >= FZ_KT_MAX_SEQ) {
					kt_seen.no_seq++;
				} else {
					if (kt_seen.count[seq]++ > 0)
						kt_seen.dups++;
					if (seq <= last[seq % FZ_KT_KEYS])
						kt_seen.disorder++;
					last[seq % FZ_KT_KEYS] = seq;
				}
			}
			rd_kafka_message_destroy(m);
		}
		for (int p = 0; p < nparts && p < 64; p++)
			all_eof &= eof[p];
		if (all_eof && kt_seen.total >= expect)
			break;
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

/* Number of seq in [from, to) seen exactly once. */
static inline int kt_once(int from, int to)
{
	int n = 0;

	for (int i = from; i < to; i++)
		n += kt_seen.count[i] == 1;
	return n;
}

#endif
