/*
 * Configuration of the Kafka exporter: checking broker lists, the producer's
 * defaults and the user's pass-through properties.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_priv.h"

/*
 * Defaults, chosen for throughput with nothing lost (docs/benchmarks.md has
 * the measurements): the idempotent producer keeps order and removes
 * duplicates across retries; lz4 is the cheapest codec Debian's librdkafka
 * has; large batches with a short linger fill batches at high rates without
 * holding records long at low rates; message.timeout.ms=0 keeps records in
 * the queue for as long as the brokers are away (the spool takes over when
 * the queue is full, and flush() bounds the wait at exit).
 */
static const char *const defaults[][2] = {
    {"client.id", "flowzoo"},
    {"enable.idempotence", "true"},
    {"compression.codec", "lz4"},
    {"linger.ms", "20"},
    {"batch.num.messages", "10000"},
    {"batch.size", "1000000"},
    {"queue.buffering.max.messages", "500000"},
    {"queue.buffering.max.kbytes", "524288"},
    {"message.timeout.ms", "0"},
    {"statistics.interval.ms", "1000"},
};

/* Check one "host:port" entry of length len. */
static int check_broker(const char *b, size_t len, char *err, size_t errlen)
{
	const char *end = b + len, *scheme = NULL, *colon;
	char *p;
	unsigned long port;
	char num[8];

	for (const char *q = b; q + 2 < end; q++) {
		if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
			scheme = q;
			break;
		}
	}
	if (scheme != NULL)
		b = scheme + 3;
	if (b < end && *b == '[') {
		const char *close = memchr(b, ']', (size_t)(end - b));

		if (close == NULL || close == b + 1 || close + 1 >= end || close[1] != ':')
			goto bad;
		colon = close + 1;
	} else {
		colon = NULL;
		for (const char *q = b; q < end; q++)
			if (*q == ':')
				colon = q;
		if (colon == NULL || colon == b || memchr(b, ':', (size_t)(colon - b)) != NULL)
			goto bad;
		for (const char *q = b; q < colon; q++)
			if (*q == ' ' || *q == '/')
				goto bad;
	}
	if ((size_t)(end - colon - 1) == 0 || (size_t)(end - colon - 1) >= sizeof(num))
		goto bad;
	memcpy(num, colon + 1, (size_t)(end - colon - 1));
	num[end - colon - 1] = '\0';
	port = strtoul(num, &p, 10);
	if (*p != '\0' || num[0] < '0' || num[0] > '9' || port == 0 || port > 65535)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "--kafka: broker '%.*s' is not host:port (port 1-65535)", (int)len,
	         end - len);
	return -EINVAL;
}

int fz_kafka_check_brokers(const char *brokers, char *err, size_t errlen)
{
	const char *p = brokers;

	if (brokers == NULL || *brokers == '\0') {
		snprintf(err, errlen, "--kafka: empty broker list");
		return -EINVAL;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int r = check_broker(p, len, err, errlen);

		if (r < 0)
			return r;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int fz_kafka_parse_per_app(const char *s)
{
	if (s == NULL || strcmp(s, "off") == 0)
		return FZ_KAFKA_PER_APP_OFF;
	if (strcmp(s, "also") == 0)
		return FZ_KAFKA_PER_APP_ALSO;
	if (strcmp(s, "instead") == 0)
		return FZ_KAFKA_PER_APP_INSTEAD;
	return -EINVAL;
}

rd_kafka_conf_t *fz_kafka__conf_build(const char *brokers, const char *const *opts, unsigned n_opts,
                                      char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char rerr[256], key[256];

	if (conf == NULL) {
		snprintf(err, errlen, "kafka: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], rerr, sizeof(rerr)) !=
		    RD_KAFKA_CONF_OK) {
			/* Only a librdkafka built without a feature gets here. */
			snprintf(err, errlen, "kafka: default %s=%s: %s", defaults[i][0],
			         defaults[i][1], rerr);
			goto fail_inval;
		}
	}
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, rerr, sizeof(rerr)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "--kafka %s: %s", brokers, rerr);
		goto fail_inval;
	}
	for (unsigned i = 0; i < n_opts; i++) {
		const char *eq = opts[i] ? strchr(opts[i], '=') : NULL;
		size_t klen = eq ? (size_t)(eq - opts[i]) : 0;
		rd_kafka_conf_res_t res;

		if (eq == NULL || klen == 0 || klen >= sizeof(key)) {
			snprintf(err, errlen, "--kafka-opt '%s': expected key=value",
			         opts[i] ? opts[i] : "");
			goto fail_inval;
		}
		memcpy(key, opts[i], klen);
		key[klen] = '\0';
		res = rd_kafka_conf_set(conf, key, eq + 1, rerr, sizeof(rerr));
		if (res == RD_KAFKA_CONF_UNKNOWN) {
			snprintf(err, errlen, "--kafka-opt %s: unknown librdkafka property '%s'",
			         opts[i], key);
			rd_kafka_conf_destroy(conf);
			errno = ENOENT;
			return NULL;
		}
		if (res != RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "--kafka-opt %s: %s", opts[i], rerr);
			goto fail_inval;
		}
	}
	return conf;
fail_inval:
	rd_kafka_conf_destroy(conf);
	errno = EINVAL;
	return NULL;
}

int fz_kafka__conf_check_plain(const struct fz_kafka_conf *conf, char *err, size_t errlen)
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
	int r = fz_kafka__conf_check_plain(conf, err, errlen);

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
