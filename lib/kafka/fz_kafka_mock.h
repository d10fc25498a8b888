/*
 * The Kafka exporter's in-process mock cluster (fz_kafka_conf.mock), for
 * tests that steer it: brokers down, injected errors. Apart from
 * fz_kafka.h so that the exporter's users need not see librdkafka.
 */
#ifndef FZ_KAFKA_MOCK_H
#define FZ_KAFKA_MOCK_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "fz_kafka.h"

/* The mock cluster of a Kafka exporter created with mock = 1, or NULL
 * (no mock, or e is not a Kafka exporter). Valid until e is closed. */
rd_kafka_mock_cluster_t *fz_kafka_exporter_mock_cluster(struct fz_exporter *e);

#endif
