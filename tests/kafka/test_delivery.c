/*
 * Kafka exporter against librdkafka's mock cluster (in this process): every
 * record arrives exactly once, in order per key, across brokers going
 * down, injected produce errors, queue overflow into the spool, a full
 * spool and a restart with a non-empty spool. A librdkafka consumer reads
 * the topics back (tests/kafka/kafka_test.h).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <zlib.h>

#include "fz_kafka.h"
#include "fz_test.h"
#include "kafka_test.h"

#define PARTITIONS     4
#define NKEYS          FZ_KT_KEYS
#define HELD_BATCH_MAX 512

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mc;
static const char *bootstrap;
static char spool_dir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the spool directory and everything in it. */
static void clear_spool(void)
{
	nftw(spool_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void topics(const char *prefix)
{
	char name[128];

	snprintf(name, sizeof(name), "%s.flows", prefix);
	rd_kafka_mock_topic_create(mc, name, PARTITIONS, 3);
}

static void brokers_down(int down)
{
	for (int b = 1; b <= 3; b++) {
		if (down)
			rd_kafka_mock_broker_set_down(mc, b);
		else
			rd_kafka_mock_broker_set_up(mc, b);
	}
}

/* Test options: quick reconnects so that recovery takes ms, not seconds. */
static const char *base_opts[] = {"reconnect.backoff.ms=50", "reconnect.backoff.max.ms=300",
                                  "log_level=0", NULL, NULL};

static struct fz_exporter *exporter_app(const char *prefix, const char *spool, uint64_t spool_max,
                                        const char *extra, int per_app)
{
	struct fz_kafka_conf c = {.topic_per_app = per_app};
	char err[512] = "";
	struct fz_exporter *s;

	base_opts[3] = extra;
	c.brokers = bootstrap;
	c.topic_prefix = prefix;
	c.opts = base_opts;
	c.n_opts = extra ? 4 : 3;
	c.spool_dir = spool;
	c.spool_max_bytes = spool_max;
	c.flush_timeout_ms = 1000;
	s = fz_kafka_exporter_create(&c, err, sizeof(err));
	if (s == NULL)
		fprintf(stderr, "exporter: %s\n", err);
	return s;
}

static struct fz_exporter *exporter(const char *prefix, const char *spool, uint64_t spool_max,
                                    const char *extra)
{
	return exporter_app(prefix, spool, spool_max, extra, FZ_KAFKA_PER_APP_OFF);
}

/* Take flow items seq [from, to) for the flows stream, key "k<seq % NKEYS>". */
static int write_range(struct fz_exporter *s, int from, int to)
{
	char json[128], key[16];
	int bad = 0;

	for (int i = from; i < to; i++) {
		struct fz_item it;

		snprintf(key, sizeof(key), "k%d", i % NKEYS);
		snprintf(json, sizeof(json), "{\"type\":\"flow\",\"seq\":%d}", i);
		it = kt_item(FZ_ITEM_FLOW, "flows", NULL, key, json);
		bad += s->ops->take(s, &it) != 0;
		if (i % 256 == 0)
			s->ops->poll(s);
	}
	return bad;
}

/*
 * Take flow items seq [from, to) as the export lanes give them: held (each
 * item's JSON and key in a buffer of its own), batch_end after every batch
 * items and at the end, then poll. Each batch's buffers are overwritten
 * after batch_end: a message read after it would arrive damaged. Items of
 * odd seq have app "http", of even seq "tls" and the key's CRC-32 made (as
 * a lane makes it). Returns the takes that failed.
 */
static int write_held(struct fz_exporter *s, int from, int to, int batch)
{
	static char json[HELD_BATCH_MAX][64], key[HELD_BATCH_MAX][16];
	int bad = 0, k = 0;

	for (int i = from; i < to; i++) {
		struct fz_item it;
		int n;

		snprintf(key[k], sizeof(key[k]), "k%d", i % NKEYS);
		n = snprintf(json[k], sizeof(json[k]), "{\"type\":\"flow\",\"seq\":%d}", i);
		it = kt_item(FZ_ITEM_FLOW, "flows", i % 2 ? "http" : "tls", key[k], json[k]);
		it.json = json[k];
		it.len = (size_t)n;
		it.json_rc = 1;
		it.held = 1;
		if (i % 2 == 0) { /* the key's CRC-32 as a lane makes it, for half of them */
			it.key_crc =
			    (uint32_t)crc32(0, (const Bytef *)key[k], (uInt)strlen(key[k]));
			it.key_crc_set = 1;
		}
		bad += s->ops->take(s, &it) != 0;
		if (++k == batch || i + 1 == to) {
			s->ops->batch_end(s);
			memset(json, 'x', sizeof(json));
			memset(key, 'y', sizeof(key));
			k = 0;
			s->ops->poll(s);
		}
	}
	return bad;
}

static struct fz_kafka_counters counters(struct fz_exporter *s)
{
	struct fz_kafka_counters c;

	memset(&c, 0xff, sizeof(c));
	fz_kafka_exporter_counters(s, &c);
	return c;
}

/* Read topic back: n of the records seq [from, to) arrived, each once, in order per key. */
static void check_received(const char *topic, int to, int n)
{
	kt_consume(bootstrap, topic, PARTITIONS, n, 30, NULL, 0);
	FZ_CHECK_INT(n, kt_seen.total);
	FZ_CHECK_INT(n, kt_once(0, to));
	FZ_CHECK_INT(0, kt_seen.dups);
	FZ_CHECK_INT(0, kt_seen.disorder);
	FZ_CHECK_INT(0, kt_seen.no_seq);
}

/* Read topic back: every record seq [from, to) arrived exactly once, in order per key. */
static void check_exactly_once(const char *topic, int from, int to)
{
	check_received(topic, to, to - from);
	FZ_CHECK_INT(to - from, kt_once(from, to));
}

/* Poll until every record produced so far was delivered (or timeout). */
static void wait_delivered(struct fz_exporter *s, double timeout_s)
{
	double end = kt_now() + timeout_s;

	while (kt_now() < end) {
		struct fz_kafka_counters c;

		s->ops->poll(s);
		fz_kafka_exporter_counters(s, &c);
		if (c.spool_records == 0 && c.in_queue == 0)
			return;
		kt_sleep_ms(10);
	}
}

static void test_all_arrive(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;
	json_t *st;

	topics("t1");
	s = exporter("t1", NULL, 0, NULL);
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	FZ_CHECK_INT(0, write_range(s, 0, 20000));
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	c = counters(s);
	FZ_CHECK_INT(20000, c.produced);
	FZ_CHECK_INT(20000, c.delivered);
	FZ_CHECK_INT(0, c.failed);
	FZ_CHECK_INT(0, c.dropped);
	FZ_CHECK_INT(0, c.in_queue);
	st = s->ops->status(s);
	FZ_CHECK_INT(20000, json_integer_value(json_object_get(st, "delivered")));
	FZ_CHECK(json_is_null(json_object_get(st, "spool")));
	json_decref(st);
	s->ops->close(s);
	check_exactly_once("t1.flows", 0, 20000);
}

static void test_brokers_down(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;
	double t0;
	int i = 0;

	topics("t2");
	s = exporter("t2", NULL, 0, NULL);
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	FZ_CHECK_INT(0, write_range(s, 0, 1000));
	brokers_down(1);
	/* Produce for 3 s while every broker is down. */
	t0 = kt_now();
	while (kt_now() - t0 < 3.0) {
		FZ_CHECK_INT(0, write_range(s, 1000 + i * 100, 1000 + (i + 1) * 100));
		i++;
		kt_sleep_ms(10);
	}
	FZ_CHECK(i > 100);
	brokers_down(0);
	FZ_CHECK_INT(0, write_range(s, 1000 + i * 100, 1000 + i * 100 + 1000));
	FZ_CHECK_INT(0, s->ops->flush(s, 30000));
	c = counters(s);
	FZ_CHECK_INT(2000 + i * 100, c.delivered);
	FZ_CHECK_INT(0, c.failed);
	FZ_CHECK_INT(0, c.dropped);
	s->ops->close(s);
	check_exactly_once("t2.flows", 0, 2000 + i * 100);
}

static void test_produce_errors(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;
	double end;

	topics("t3");
	s = exporter("t3", NULL, 0, NULL);
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	FZ_CHECK_INT(0, write_range(s, 0, 100));
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	/* The next four Produce requests fail with retriable errors. */
	rd_kafka_mock_push_request_errors(
	    mc, 0 /* Produce */, 4, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
	    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
	    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
	FZ_CHECK_INT(0, write_range(s, 100, 5000));
	FZ_CHECK_INT(0, s->ops->flush(s, 20000));
	/* Retries show up in the next statistics (every second). */
	end = kt_now() + 3;
	do {
		s->ops->poll(s);
		kt_sleep_ms(50);
		c = counters(s);
	} while (c.retries == 0 && kt_now() < end);
	FZ_CHECK_INT(5000, c.delivered);
	FZ_CHECK_INT(0, c.failed);
	FZ_CHECK_INT(0, c.dropped);
	/* How many depends on batching; that some were is what is checked. */
	FZ_CHECK(c.retries > 0);
	s->ops->close(s);
	check_exactly_once("t3.flows", 0, 5000);
}

static void test_spill_to_spool(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;
	json_t *st;

	topics("t4");
	clear_spool();
	s = exporter("t4", spool_dir, 64 << 20, "queue.buffering.max.messages=1000");
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	brokers_down(1);
	/* 1000 fit in librdkafka's queue, the other 9000 go to the spool. */
	FZ_CHECK_INT(0, write_range(s, 0, 10000));
	c = counters(s);
	FZ_CHECK_INT(1000, c.produced);
	FZ_CHECK_INT(9000, c.spooled);
	FZ_CHECK_INT(9000, c.spool_records);
	st = s->ops->status(s);
	FZ_CHECK_INT(9000,
	             json_integer_value(json_object_get(json_object_get(st, "spool"), "records")));
	json_decref(st);
	kt_sleep_ms(1000);
	brokers_down(0);
	wait_delivered(s, 30);
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	c = counters(s);
	FZ_CHECK_INT(10000, c.delivered);
	FZ_CHECK_INT(9000, c.unspooled);
	FZ_CHECK_INT(0, c.dropped);
	FZ_CHECK_INT(0, c.spool_records);
	FZ_CHECK_INT(0, c.spool_bytes);
	s->ops->close(s);
	check_exactly_once("t4.flows", 0, 10000);
}

static void test_spool_full(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;
	int bad;

	topics("t5");
	clear_spool();
	/* 64 KiB of spool holds a few hundred of these records. */
	s = exporter("t5", spool_dir, 64 << 10, "queue.buffering.max.messages=1000");
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	brokers_down(1);
	bad = write_range(s, 0, 5000);
	c = counters(s);
	FZ_CHECK(c.dropped > 0);
	FZ_CHECK_INT(c.dropped, bad);
	FZ_CHECK_INT(5000, c.produced + c.spooled + c.dropped);
	brokers_down(0);
	wait_delivered(s, 30);
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	c = counters(s);
	FZ_CHECK_INT(5000 - bad, c.delivered);
	s->ops->close(s);
	/* The drop count equals the records missing. */
	check_received("t5.flows", 5000, 5000 - (int)c.dropped);
}

static void test_restart_with_spool(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;

	topics("t6");
	clear_spool();
	s = exporter("t6", spool_dir, 64 << 20, "queue.buffering.max.messages=1000");
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	brokers_down(1);
	FZ_CHECK_INT(0, write_range(s, 0, 3000));
	/* Flush cannot deliver: the 1000 queued go back in front of the spool. */
	FZ_CHECK_INT(-ETIMEDOUT, s->ops->flush(s, 300));
	c = counters(s);
	FZ_CHECK_INT(0, c.delivered);
	FZ_CHECK_INT(3000, c.spooled);
	FZ_CHECK_INT(0, c.failed);
	FZ_CHECK_INT(0, c.dropped);
	FZ_CHECK_INT(3000, c.spool_records);
	s->ops->close(s);

	/* Next start: the spool goes first, then the new records. */
	brokers_down(0);
	s = exporter("t6", spool_dir, 64 << 20, NULL);
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	FZ_CHECK_INT(0, write_range(s, 3000, 4000));
	FZ_CHECK_INT(0, s->ops->flush(s, 20000));
	c = counters(s);
	FZ_CHECK_INT(3000, c.unspooled);
	FZ_CHECK_INT(4000, c.delivered);
	FZ_CHECK_INT(0, c.dropped);
	s->ops->close(s);
	/* In order per key across the restart: the spool was sent first. */
	check_exactly_once("t6.flows", 0, 4000);
	clear_spool();
}

/* Held items (the export lanes'): a batch's messages to a topic go to librdkafka in one call. */
static void test_held_all_arrive(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;

	topics("t7");
	s = exporter("t7", NULL, 0, NULL);
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	/* One record first, alone: once it is delivered librdkafka has given its
	 * partitioner the partition count, and the held ones are grouped. */
	FZ_CHECK_INT(0, write_range(s, 0, 1));
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	FZ_CHECK_INT(0, write_held(s, 1, 20000, 256));
	c = counters(s);
	FZ_CHECK_INT(20000, c.produced);
	/* 79 batches (78 of 256, one of 31), each a call for each of the 4
	 * partitions, and the first message of the 1st and the 65th alone through
	 * librdkafka's partitioner (which tells the count again). Ungrouped it
	 * would be 79 + 2. */
	FZ_CHECK_INT(79 * 4 + 2, c.batches);
	FZ_CHECK_INT(0, c.spooled);
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	c = counters(s);
	FZ_CHECK_INT(20000, c.delivered);
	FZ_CHECK_INT(0, c.failed);
	FZ_CHECK_INT(0, c.dropped);
	FZ_CHECK_INT(0, s->ops->pending(s));
	s->ops->close(s);
	check_exactly_once("t7.flows", 0, 20000);
}

/*
 * Held items to three topics at once (--kafka-topic-per-app also: flows,
 * flows.http, flows.tls) while every broker is down and librdkafka's queue
 * holds 900: the messages the full queue refuses go to the spool, and each
 * topic's records still arrive exactly once and in order per key.
 */
static void test_held_spill(void)
{
	struct fz_exporter *s;
	struct fz_kafka_counters c;

	topics("t8");
	clear_spool();
	/* Down from the start: librdkafka never learns the partition count, so
	 * it partitions every message itself (the spill is the same with it). */
	brokers_down(1);
	s = exporter_app("t8", spool_dir, 64 << 20, "queue.buffering.max.messages=900",
	                 FZ_KAFKA_PER_APP_ALSO);
	FZ_CHECK(s != NULL);
	if (s == NULL) {
		brokers_down(0);
		return;
	}
	/* Two messages a flow: batch 1 (1024 messages: 512 to flows, 256 each
	 * to flows.http and flows.tls, handed on in that order) fills the queue
	 * at 900, and the last 124 of flows.tls go to the spool (in order: some
	 * share a key); from then on the spool holds older records, so every
	 * later message joins it. */
	FZ_CHECK_INT(0, write_held(s, 0, 5000, 512));
	c = counters(s);
	FZ_CHECK_INT(900, c.produced);
	FZ_CHECK_INT(9100, c.spooled);
	FZ_CHECK_INT(9100, c.spool_records);
	/* Batch 1's three topics: each its first message alone, then the rest. */
	FZ_CHECK_INT(6, c.batches);
	/* 124 refused in batch 1's call; then each of the 8976 later messages'
	 * take, and each of the 10 polls, tried the spool's oldest record first. */
	FZ_CHECK_INT(124 + 8976 + 10, c.queue_full);
	FZ_CHECK_INT(10000, s->ops->pending(s) + c.spool_records);
	brokers_down(0);
	wait_delivered(s, 30);
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	c = counters(s);
	FZ_CHECK_INT(10000, c.delivered);
	FZ_CHECK_INT(9100, c.unspooled);
	FZ_CHECK_INT(0, c.dropped);
	FZ_CHECK_INT(0, c.spool_records);
	s->ops->close(s);
	check_exactly_once("t8.flows", 0, 5000);
	check_received("t8.flows.http", 5000, 2500);
	check_received("t8.flows.tls", 5000, 2500);
	clear_spool();
}

int main(void)
{
	char err[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	snprintf(spool_dir, sizeof(spool_dir), "/tmp/fz_kafka_test.%d", (int)getpid());
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	mc = rd_kafka_mock_cluster_new(mock_rk, 3);
	bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
	FZ_RUN(test_all_arrive);
	FZ_RUN(test_brokers_down);
	FZ_RUN(test_produce_errors);
	FZ_RUN(test_spill_to_spool);
	FZ_RUN(test_spool_full);
	FZ_RUN(test_restart_with_spool);
	FZ_RUN(test_held_all_arrive);
	FZ_RUN(test_held_spill);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mock_rk);
	return fz_test_summary();
}
