/* Shared between the Kafka sink's files; not part of the public interface. */
#ifndef FZ_KAFKA_PRIV_H
#define FZ_KAFKA_PRIV_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/*
 * Build the producer configuration: flowzoo's defaults, bootstrap.servers,
 * then the user's properties in order. Returns the configuration, or NULL
 * with errno (ENOENT unknown property, EINVAL bad value or syntax) and a
 * message in err.
 */
rd_kafka_conf_t *fz_kafka__conf_build(const char *brokers, const char *const *opts, unsigned n_opts,
                                      char *err, size_t errlen);

#endif
