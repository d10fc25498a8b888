/*
 * The in-process mock cluster (--kafka-mock): librdkafka's mock brokers in
 * this process, with a topic for every stream the pipeline has or will
 * have, so that a consumer can read them at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_kafka_mock.h"
#include "kafka_priv.h"

#define MOCK_PARTITIONS 4

/* The streams whose topics the mock creates (others are made on first use). */
static const char *const mock_streams[] = {"flows", "stats", "alerts", "traffic"};

int fz_kafka__mock_start(struct kafka_exporter *ks, unsigned n, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char rerr[256], name[300];

	rd_kafka_conf_set(conf, "client.id", "flowzoo-mock", rerr, sizeof(rerr));
	/* This handle only hosts the cluster: its notice about having no
	 * bootstrap.servers would mislead. */
	rd_kafka_conf_set(conf, "log_level", "4", rerr, sizeof(rerr));
	ks->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rerr, sizeof(rerr));
	if (ks->mock_rk == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "--kafka-mock: %s", rerr);
		return -EIO;
	}
	ks->mock = rd_kafka_mock_cluster_new(ks->mock_rk, (int)n);
	if (ks->mock == NULL) {
		snprintf(err, errlen, "--kafka-mock: cannot start a mock cluster");
		return -EIO;
	}
	ks->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(ks->mock));
	if (ks->bootstrap == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(mock_streams) / sizeof(mock_streams[0]); i++) {
		snprintf(name, sizeof(name), "%s.%s", ks->prefix, mock_streams[i]);
		rd_kafka_mock_topic_create(ks->mock, name, MOCK_PARTITIONS, n < 3 ? (int)n : 3);
	}
	return 0;
}

void fz_kafka__mock_stop(struct kafka_exporter *ks)
{
	if (ks->mock != NULL)
		rd_kafka_mock_cluster_destroy(ks->mock);
	if (ks->mock_rk != NULL)
		rd_kafka_destroy(ks->mock_rk);
	ks->mock = NULL;
	ks->mock_rk = NULL;
}

rd_kafka_mock_cluster_t *fz_kafka_exporter_mock_cluster(struct fz_exporter *e)
{
	struct kafka_exporter *ks = fz_kafka__of(e);

	return ks ? ks->mock : NULL;
}

const char *fz_kafka_exporter_bootstrap(struct fz_exporter *e)
{
	struct kafka_exporter *ks = fz_kafka__of(e);

	return ks ? ks->bootstrap : NULL;
}
