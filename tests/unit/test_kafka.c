/*
 * Kafka sink without a network: start-up errors, the message key, the
 * per-app topic option, and the in-process mock cluster (--kafka-mock)
 * with per-app topics read back by a consumer. Delivery under failures is
 * tested in tests/kafka/test_delivery.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../kafka/kafka_test.h"
#include "fz_kafka.h"
#include "fz_test.h"

/* Create a sink that must fail; returns errno and leaves the message in err. */
static int create_fails(const char *brokers, const char *opt, char *err, size_t cap)
{
	const char *opts[1] = {opt};
	struct fz_kafka_conf c = {.brokers = brokers, .opts = opts, .n_opts = opt ? 1 : 0};
	struct fz_sink *s;

	err[0] = '\0';
	errno = 0;
	s = fz_kafka_sink_create(&c, err, cap);
	if (s != NULL) {
		s->ops->close(s);
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

static void v4(struct fz_flow_key *k, int end, uint32_t a, uint16_t port)
{
	memset(k->addr[end], 0, 16);
	k->addr[end][10] = k->addr[end][11] = 0xff;
	k->addr[end][12] = (uint8_t)(a >> 24);
	k->addr[end][13] = (uint8_t)(a >> 16);
	k->addr[end][14] = (uint8_t)(a >> 8);
	k->addr[end][15] = (uint8_t)a;
	k->port[end] = port;
}

static void test_flow_key(void)
{
	struct fz_flow_key k = {0}, r = {0};
	char a[128], b[128];

	k.ip_version = r.ip_version = 4;
	k.proto = r.proto = 6;
	k.vlan[0] = r.vlan[0] = 10;
	v4(&k, 0, 0xc0a80002, 51000); /* 192.168.0.2 */
	v4(&k, 1, 0x0a000001, 443);   /* 10.0.0.1 */
	v4(&r, 0, 0x0a000001, 443);
	v4(&r, 1, 0xc0a80002, 51000);
	FZ_CHECK_INT(37, fz_record_flow_key_text(&k, a, sizeof(a)));
	FZ_CHECK_STR("10.0/6/10.0.0.1/443/192.168.0.2/51000", a);
	/* The same flow key started from the other end: the same message key. */
	FZ_CHECK_INT(37, fz_record_flow_key_text(&r, b, sizeof(b)));
	FZ_CHECK_STR(a, b);
	/* Same addresses: the port decides. */
	v4(&k, 0, 0x0a000001, 5353);
	v4(&k, 1, 0x0a000001, 53);
	fz_record_flow_key_text(&k, a, sizeof(a));
	FZ_CHECK_STR("10.0/6/10.0.0.1/53/10.0.0.1/5353", a);
	FZ_CHECK_INT(-ENOSPC, fz_record_flow_key_text(&k, a, 10));
	k.ip_version = 6;
	memset(k.addr[0], 0, 16);
	k.addr[0][0] = 0x20;
	k.addr[0][1] = 0x01;
	k.addr[0][15] = 1;
	fz_record_flow_key_text(&k, a, sizeof(a));
	FZ_CHECK_STR("10.0/6/::ffff:10.0.0.1/53/2001::1/5353", a);
	k.vlan[0] = 4095;
	k.vlan[1] = 65535;
	k.proto = 255;
	k.port[0] = 65535;
	memset(k.addr[1], 0xff, 16);
	FZ_CHECK_INT(71, fz_record_flow_key_text(&k, a, sizeof(a)));
	FZ_CHECK_STR("4095.65535/255/2001::1/65535/"
	             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/53",
	             a);
}

/* Write n flow records seq 0..n-1 with app "http" or "dns". */
static void write_apps(struct fz_sink *s, int n)
{
	char json[128];

	for (int i = 0; i < n; i++) {
		struct fz_sink_msg m = {.topic = FZ_TOPIC_FLOWS, .key = "k", .key_len = 1};

		m.app = i % 2 ? "dns" : "http";
		m.len =
		    (size_t)snprintf(json, sizeof(json), "{\"seq\":%d,\"app\":\"%s\"}", i, m.app);
		m.json = json;
		FZ_CHECK_INT(0, fz_sink_write(s, &m));
	}
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
	struct fz_sink *s = fz_kafka_sink_create(&c, err, sizeof(err));
	const char *boot;
	json_t *st;

	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	boot = fz_kafka_sink_bootstrap(s);
	FZ_CHECK(boot != NULL && strchr(boot, ':') != NULL);
	FZ_CHECK(fz_kafka_sink_mock_cluster(s) != NULL);
	write_apps(s, 200);
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	fz_kafka_sink_counters(s, &kc);
	FZ_CHECK_INT(400, kc.produced);
	FZ_CHECK_INT(400, kc.delivered);
	st = s->ops->status(s);
	FZ_CHECK_STR(boot, json_string_value(json_object_get(st, "brokers")));
	FZ_CHECK(json_is_true(json_object_get(st, "mock")));
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
	/* Records with a "type" get "schema_version" after it, unless they have it. */
	{
		struct fz_sink_msg m = {.topic = FZ_TOPIC_STATS, .key = "c", .key_len = 1};

		m.json = "{\"type\":\"stats\",\"schema_version\":7,\"seq\":1}";
		m.len = strlen(m.json);
		FZ_CHECK_INT(0, fz_sink_write(s, &m));
		m.json = "{\"type\":\"stats\",\"seq\":0}";
		m.len = strlen(m.json);
		FZ_CHECK_INT(0, fz_sink_write(s, &m));
		FZ_CHECK_INT(0, s->ops->flush(s, 10000));
		kt_consume(boot, "fz.stats", 4, 2, 20, last, sizeof(last));
		FZ_CHECK_INT(2, kt_seen.total);
		FZ_CHECK_INT(1, kt_seen.count[0]);
		/* One partition (one key): the last message is the second one. */
		FZ_CHECK_STR("{\"type\":\"stats\",\"schema_version\":1,\"seq\":0}", last);
	}
	s->ops->close(s);

	/* instead: only the per-app topics. */
	c.topic_prefix = "fz2";
	c.topic_per_app = FZ_KAFKA_PER_APP_INSTEAD;
	s = fz_kafka_sink_create(&c, err, sizeof(err));
	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	write_apps(s, 10);
	FZ_CHECK_INT(0, s->ops->flush(s, 10000));
	fz_kafka_sink_counters(s, &kc);
	FZ_CHECK_INT(10, kc.delivered);
	kt_consume(fz_kafka_sink_bootstrap(s), "fz2.flows.http", 4, 5, 20, NULL, 0);
	FZ_CHECK_INT(5, kt_seen.total);
	kt_consume(fz_kafka_sink_bootstrap(s), "fz2.flows", 4, 0, 3, NULL, 0);
	FZ_CHECK_INT(0, kt_seen.total);
	s->ops->close(s);
}

int main(void)
{
	FZ_RUN(test_bad_brokers);
	FZ_RUN(test_bad_properties);
	FZ_RUN(test_per_app_option);
	FZ_RUN(test_flow_key);
	FZ_RUN(test_mock_per_app);
	return fz_test_summary();
}
