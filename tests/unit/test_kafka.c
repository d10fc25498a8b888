/*
 * Kafka exporter without a network: start-up errors, the per-app topic
 * option, librdkafka's log lines through the log callback, and the
 * in-process mock cluster (--kafka-mock) with stream and per-app topics
 * read back by a consumer. Delivery under failures is tested in
 * tests/kafka/test_delivery.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../kafka/kafka_test.h"
#include "fz_kafka.h"
#include "fz_kafka_mock.h"
#include "fz_test.h"

/* Create an exporter that must fail; returns errno and leaves the message in err. */
static int create_fails(const char *brokers, const char *opt, char *err, size_t cap)
{
	const char *opts[1] = {opt};
	struct fz_kafka_conf c = {.brokers = brokers, .opts = opts, .n_opts = opt ? 1 : 0};
	struct fz_exporter *e;

	err[0] = '\0';
	errno = 0;
	e = fz_kafka_exporter_create(&c, err, cap);
	if (e != NULL) {
		e->ops->close(e);
		return 0;
	}
	return errno;
}

static void test_bad_brokers(void)
{
	static const char *bad[] = {
	    "",         "localhost", "host:",     ":9092", "host:0", "host:65536", "host:9x",
	    "a:1,,b:2", "a:1,b",     "[::1]9092", "[]:1",  "a b:1",  "1.2.3.4:-1", "host:99999999"};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FZ_CHECK_INT(-EINVAL, fz_kafka_check_brokers(bad[i], err, sizeof(err)));
		FZ_CHECK(strstr(err, "--kafka") != NULL);
	}
	FZ_CHECK_INT(EINVAL, create_fails("localhost", NULL, err, sizeof(err)));
	FZ_CHECK_STR("--kafka: broker 'localhost' is not host:port (port 1-65535)", err);
	FZ_CHECK_INT(EINVAL, create_fails(NULL, NULL, err, sizeof(err)));
	FZ_CHECK_STR("--kafka: empty broker list", err);
	FZ_CHECK_INT(0, fz_kafka_check_brokers("localhost:9092", err, sizeof(err)));
	FZ_CHECK_INT(0, fz_kafka_check_brokers("a:1,b.example:65535,[::1]:9092", err, sizeof(err)));
	FZ_CHECK_INT(0,
	             fz_kafka_check_brokers("PLAINTEXT://k1:9092,SSL://k2:9093", err, sizeof(err)));
}

static void test_bad_properties(void)
{
	char err[256];

	FZ_CHECK_INT(ENOENT, create_fails("127.0.0.1:9", "no.such.property=1", err, sizeof(err)));
	FZ_CHECK_STR("--kafka-opt no.such.property=1: unknown librdkafka property "
	             "'no.such.property'",
	             err);
	FZ_CHECK_INT(EINVAL,
	             create_fails("127.0.0.1:9", "compression.codec=brotli", err, sizeof(err)));
	FZ_CHECK(strncmp(err, "--kafka-opt compression.codec=brotli: ", 38) == 0);
	FZ_CHECK_INT(EINVAL, create_fails("127.0.0.1:9", "linger.ms=-5", err, sizeof(err)));
	FZ_CHECK(strncmp(err, "--kafka-opt linger.ms=-5: ", 26) == 0);
	FZ_CHECK_INT(EINVAL, create_fails("127.0.0.1:9", "linger.ms", err, sizeof(err)));
	FZ_CHECK_STR("--kafka-opt 'linger.ms': expected key=value", err);
	FZ_CHECK_INT(EINVAL, create_fails("127.0.0.1:9", "=5", err, sizeof(err)));
	/* The check alone finds the same errors, without a producer. */
	{
		const char *opts[1] = {"no.such.property=1"};
		struct fz_kafka_conf c = {.brokers = "127.0.0.1:9", .opts = opts, .n_opts = 1};

		FZ_CHECK_INT(-ENOENT, fz_kafka_conf_check(&c, err, sizeof(err)));
		c.n_opts = 0;
		FZ_CHECK_INT(0, fz_kafka_conf_check(&c, err, sizeof(err)));
		c.mock = 1;
		FZ_CHECK_INT(-EINVAL, fz_kafka_conf_check(&c, err, sizeof(err)));
		FZ_CHECK_STR("--kafka and --kafka-mock exclude each other", err);
		c.brokers = NULL;
		FZ_CHECK_INT(0, fz_kafka_conf_check(&c, err, sizeof(err)));
		c.topic_per_app = 3;
		FZ_CHECK_INT(-EINVAL, fz_kafka_conf_check(&c, err, sizeof(err)));
	}
	/* Values that only conflict when the producer starts are start-up errors too. */
	FZ_CHECK_INT(EINVAL, create_fails("127.0.0.1:9", "acks=1", err, sizeof(err)));
	FZ_CHECK(strncmp(err, "kafka: ", 7) == 0 && strstr(err, "acks") != NULL);
}

static void test_per_app_option(void)
{
	FZ_CHECK_INT(FZ_KAFKA_PER_APP_OFF, fz_kafka_parse_per_app("off"));
	FZ_CHECK_INT(FZ_KAFKA_PER_APP_ALSO, fz_kafka_parse_per_app("also"));
	FZ_CHECK_INT(FZ_KAFKA_PER_APP_INSTEAD, fz_kafka_parse_per_app("instead"));
	FZ_CHECK_INT(-EINVAL, fz_kafka_parse_per_app("yes"));
}

/* Take n flow items seq 0..n-1 with app "http" or "dns", key "k". */
static void take_apps(struct fz_exporter *e, int n)
{
	char json[128];

	for (int i = 0; i < n; i++) {
		const char *app = i % 2 ? "dns" : "http";
		struct fz_item it;

		snprintf(json, sizeof(json), "{\"seq\":%d,\"app\":\"%s\"}", i, app);
		it = kt_item(FZ_ITEM_FLOW, "flows", app, "k", json);
		FZ_CHECK_INT(0, e->ops->take(e, &it));
	}
}

/* librdkafka's log lines: how many, how many came from another thread, the last one. */
static struct {
	pthread_t owner;
	int lines, other_thread, worst_level;
	char last[512];
} logged;

static void log_line(void *arg, int level, const char *line)
{
	(void)arg;
	logged.lines++;
	logged.other_thread += !pthread_equal(pthread_self(), logged.owner);
	if (level < logged.worst_level)
		logged.worst_level = level;
	snprintf(logged.last, sizeof(logged.last), "%s", line);
}

/* Brokers that refuse connections: librdkafka says so through the callback,
 * on the thread that polls. */
static void test_log_callback(void)
{
	struct fz_kafka_conf c = {.brokers = "127.0.0.1:1", .log = log_line};
	char err[256];
	struct fz_exporter *e;
	double end;

	memset(&logged, 0, sizeof(logged));
	logged.owner = pthread_self();
	logged.worst_level = 8;
	e = fz_kafka_exporter_create(&c, err, sizeof(err));
	FZ_CHECK(e != NULL);
	if (e == NULL)
		return;
	end = kt_now() + 10;
	while (logged.lines == 0 && kt_now() < end) {
		e->ops->poll(e);
		kt_sleep_ms(20);
	}
	e->ops->close(e);
	FZ_CHECK(logged.lines > 0);
	FZ_CHECK_INT(0, logged.other_thread);
	FZ_CHECK(logged.worst_level <= 7);
	FZ_CHECK(strstr(logged.last, "127.0.0.1:1") != NULL);
	printf("     %d log lines, worst level %d, the last: %s\n", logged.lines,
	       logged.worst_level, logged.last);
}

static void test_mock_per_app(void)
{
	const char *opts[] = {"log_level=0"};
	struct fz_kafka_conf c = {.mock = 1,
	                          .topic_prefix = "fz",
	                          .topic_per_app = FZ_KAFKA_PER_APP_ALSO,
	                          .opts = opts,
	                          .n_opts = 1};
	struct fz_kafka_counters kc;
	char err[256], last[256] = "";
	struct fz_exporter *e = fz_kafka_exporter_create(&c, err, sizeof(err));
	const char *boot;
	json_t *st;

	FZ_CHECK(e != NULL);
	if (e == NULL)
		return;
	FZ_CHECK_STR("kafka", e->name);
	FZ_CHECK_INT(FZ_ITEM_ALL, e->kinds);
	/* Keys for the partitioner; with its default, consistent_random, their CRC-32 too. */
	FZ_CHECK_INT(FZ_EXPORTER_KEYS | FZ_EXPORTER_KEY_CRC, e->flags);
	boot = fz_kafka_exporter_bootstrap(e);
	FZ_CHECK(boot != NULL && strchr(boot, ':') != NULL);
	FZ_CHECK(fz_kafka_exporter_mock_cluster(e) != NULL);
	take_apps(e, 200);
	FZ_CHECK_INT(0, e->ops->flush(e, 10000));
	fz_kafka_exporter_counters(e, &kc);
	FZ_CHECK_INT(400, kc.produced);
	FZ_CHECK_INT(400, kc.delivered);
	FZ_CHECK_INT(0, e->ops->lost(e));
	st = e->ops->status(e);
	FZ_CHECK_STR(boot, json_string_value(json_object_get(st, "brokers")));
	FZ_CHECK(json_is_true(json_object_get(st, "mock")));
	FZ_CHECK_INT(16, json_object_size(st));
	json_decref(st);
	/* The mock creates every topic with 4 partitions. */
	kt_consume(boot, "fz.flows", 4, 200, 20, NULL, 0);
	FZ_CHECK_INT(200, kt_seen.total);
	FZ_CHECK_INT(200, kt_once(0, 200));
	kt_consume(boot, "fz.flows.dns", 4, 100, 20, last, sizeof(last));
	FZ_CHECK_INT(100, kt_seen.total);
	FZ_CHECK_INT(0, kt_seen.count[0]);
	FZ_CHECK_INT(1, kt_seen.count[199]);
	FZ_CHECK_STR("{\"seq\":199,\"app\":\"dns\"}", last);
	/* Messages are the items' JSON as it is: "schema_version" is the
	 * encoder's. Items of other kinds go to their stream's topic, whatever
	 * their app; any stream name is a topic. */
	{
		struct fz_item s0 = kt_item(FZ_ITEM_STATS, "stats", "http", "c",
		                            "{\"type\":\"stats\",\"schema_version\":1,\"seq\":0}");
		struct fz_item s1 =
		    kt_item(FZ_ITEM_STATS, "stats", NULL, "c", "{\"type\":\"stats\",\"seq\":1}");
		struct fz_item tr = kt_item(FZ_ITEM_STATS, "traffic", NULL, NULL, "{\"seq\":5}");

		FZ_CHECK_INT(0, e->ops->take(e, &s0));
		FZ_CHECK_INT(0, e->ops->take(e, &s1));
		FZ_CHECK_INT(0, e->ops->take(e, &tr));
		FZ_CHECK_INT(0, e->ops->flush(e, 10000));
		kt_consume(boot, "fz.stats", 4, 2, 20, last, sizeof(last));
		FZ_CHECK_INT(2, kt_seen.total);
		FZ_CHECK_INT(1, kt_seen.count[0]);
		/* One partition (one key): the last message is the second one. */
		FZ_CHECK_STR("{\"type\":\"stats\",\"seq\":1}", last);
		kt_consume(boot, "fz.traffic", 4, 1, 20, last, sizeof(last));
		FZ_CHECK_INT(1, kt_seen.total);
		FZ_CHECK_STR("{\"seq\":5}", last);
		kt_consume(boot, "fz.flows.http", 4, 100, 20, NULL, 0);
		FZ_CHECK_INT(100, kt_seen.total);
	}
	/* An item without a stream, or whose encoder fails, is dropped and counted. */
	{
		struct fz_item none = kt_item(FZ_ITEM_ALERT, NULL, NULL, NULL, "{}");
		struct fz_item bad = kt_item(FZ_ITEM_ALERT, "alerts", NULL, NULL, "{}");

		bad.jbuf = NULL;
		FZ_CHECK_INT(-EINVAL, e->ops->take(e, &none));
		FZ_CHECK_INT(-EINVAL, e->ops->take(e, &bad));
		FZ_CHECK_INT(2, e->ops->lost(e));
	}
	e->ops->close(e);

	/* instead: only the per-app topics. */
	c.topic_prefix = "fz2";
	c.topic_per_app = FZ_KAFKA_PER_APP_INSTEAD;
	e = fz_kafka_exporter_create(&c, err, sizeof(err));
	FZ_CHECK(e != NULL);
	if (e == NULL)
		return;
	take_apps(e, 10);
	FZ_CHECK_INT(0, e->ops->flush(e, 10000));
	fz_kafka_exporter_counters(e, &kc);
	FZ_CHECK_INT(10, kc.delivered);
	kt_consume(fz_kafka_exporter_bootstrap(e), "fz2.flows.http", 4, 5, 20, NULL, 0);
	FZ_CHECK_INT(5, kt_seen.total);
	kt_consume(fz_kafka_exporter_bootstrap(e), "fz2.flows", 4, 0, 3, NULL, 0);
	FZ_CHECK_INT(0, kt_seen.total);
	e->ops->close(e);
}

/* The lanes make the key's CRC-32 only for the partitioner whose hash it is. */
static void test_partitioner_flags(void)
{
	static const struct {
		const char *opt;
		unsigned flags;
	} cases[] = {
	    {"partitioner=consistent_random", FZ_EXPORTER_KEYS | FZ_EXPORTER_KEY_CRC},
	    {"partitioner=murmur2_random", FZ_EXPORTER_KEYS},
	    {"partitioner=consistent", FZ_EXPORTER_KEYS},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *opts[] = {"log_level=0", cases[i].opt};
		struct fz_kafka_conf c = {.mock = 1, .opts = opts, .n_opts = 2};
		char err[256];
		struct fz_exporter *e = fz_kafka_exporter_create(&c, err, sizeof(err));

		FZ_CHECK(e != NULL);
		if (e == NULL)
			continue;
		FZ_CHECK_INT(cases[i].flags, e->flags);
		e->ops->close(e);
	}
}

int main(void)
{
	FZ_RUN(test_bad_brokers);
	FZ_RUN(test_bad_properties);
	FZ_RUN(test_per_app_option);
	FZ_RUN(test_log_callback);
	FZ_RUN(test_mock_per_app);
	FZ_RUN(test_partitioner_flags);
	return fz_test_summary();
}
