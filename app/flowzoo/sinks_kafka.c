/*
 * Wiring of the Kafka sink (lib/kafka): the --kafka* and --spool* options
 * become a struct fz_kafka_conf, and the sink joins the others. Built
 * without librdkafka, asking for Kafka is a start-up error.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "log.h"
#ifdef FZ_HAVE_KAFKA
#include "fz_kafka.h"
#endif

/* The broker list from a "bootstrap.servers=" property (config file), or NULL. */
static const char *brokers_from_opts(const struct fz_opts *o)
{
	static const char key[] = "bootstrap.servers=";
	const char *b = NULL;

	for (unsigned i = 0; i < o->n_kafka_opts; i++)
		if (strncmp(o->kafka_opts[i], key, sizeof(key) - 1) == 0)
			b = o->kafka_opts[i] + sizeof(key) - 1;
	return b;
}

#ifdef FZ_HAVE_KAFKA
/* The sink's configuration from the options. */
static struct fz_kafka_conf kafka_conf(const struct fz_opts *o, const char *brokers)
{
	struct fz_kafka_conf c = {
	    .brokers = brokers,
	    .topic_prefix = o->kafka_topic_prefix,
	    .topic_per_app = o->kafka_topic_per_app,
	    .opts = o->kafka_opts,
	    .n_opts = o->n_kafka_opts,
	    .spool_dir = o->spool_dir,
	    .spool_max_bytes = o->spool_max_mb << 20,
	    .flush_timeout_ms = (int)(o->kafka_flush_timeout * 1000),
	    .mock = o->kafka_mock,
	};

	return c;
}
#endif

/* The broker list the options ask for; NULL without Kafka or with --kafka-mock. */
static const char *brokers_of(const struct fz_opts *o)
{
	return o->kafka ? o->kafka : o->kafka_mock ? NULL : brokers_from_opts(o);
}

int fz_sinks_kafka_check(const struct fz_opts *o, char *err, size_t errlen)
{
	const char *brokers = brokers_of(o);

	if (brokers == NULL && !o->kafka_mock)
		return 0;
#ifndef FZ_HAVE_KAFKA
	snprintf(err, errlen, "--kafka: this flowzoo was built without librdkafka");
	return -1;
#else
	struct fz_kafka_conf c = kafka_conf(o, brokers);

	return fz_kafka_conf_check(&c, err, errlen) < 0 ? -1 : 0;
#endif
}

int fz_sinks_kafka_open(struct fz_app *app, char *err, size_t errlen)
{
	const struct fz_opts *o = &app->opts;
	const char *brokers = brokers_of(o);

	if (brokers == NULL && !o->kafka_mock)
		return 0;
#ifndef FZ_HAVE_KAFKA
	snprintf(err, errlen, "--kafka: this flowzoo was built without librdkafka");
	return -1;
#else
	struct fz_kafka_conf c = kafka_conf(o, brokers);
	struct fz_sink *s;

	if (app->n_sinks == FZ_MAX_SINKS) {
		snprintf(err, errlen, "--kafka: too many sinks");
		return -1;
	}
	s = fz_kafka_sink_create(&c, err, errlen);
	if (s == NULL)
		return -1;
	app->sinks[app->n_sinks++] = s;
	if (fz_kafka_sink_bootstrap(s) != NULL) {
		/* Users need the address for kcat wherever the log goes. */
		FZ_LOG(NOTICE, "kafka: mock cluster at %s\n", fz_kafka_sink_bootstrap(s));
		if (o->log_file)
			fprintf(stderr, "flowzoo: kafka: mock cluster at %s\n",
			        fz_kafka_sink_bootstrap(s));
	}
	return 0;
#endif
}

void fz_sinks_kafka_report(const struct fz_app *app)
{
#ifdef FZ_HAVE_KAFKA
	for (unsigned i = 0; i < app->n_sinks; i++) {
		struct fz_kafka_counters c;

		if (fz_kafka_sink_counters(app->sinks[i], &c) != 0)
			continue;
		if (c.dropped > 0)
			FZ_LOG(ERR,
			       "kafka: %llu records dropped (spool full or absent, or rejected); "
			       "%llu delivered, %llu in the spool\n",
			       (unsigned long long)c.dropped, (unsigned long long)c.delivered,
			       (unsigned long long)c.spool_records);
		else
			FZ_LOG(INFO,
			       "kafka: %llu records delivered, %llu in the spool, none dropped\n",
			       (unsigned long long)c.delivered,
			       (unsigned long long)c.spool_records);
	}
#else
	(void)app;
#endif
}
