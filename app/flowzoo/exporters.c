/*
 * The exporters the options ask for, into the pipeline: JSON lines
 * (--jsonl) and Kafka (--kafka, --kafka-mock, or bootstrap.servers in the
 * config's "kafka" object; lib/kafka) and IPFIX (--ipfix; lib/ipfix). Built
 * without librdkafka, asking for Kafka is a start-up error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fz_ipfix.h"
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

/* The broker list the options ask for; NULL without Kafka or with --kafka-mock. */
static const char *brokers_of(const struct fz_opts *o)
{
	return o->kafka ? o->kafka : o->kafka_mock ? NULL : brokers_from_opts(o);
}

static int kafka_wanted(const struct fz_opts *o, char *err, size_t errlen)
{
	if (brokers_of(o) == NULL && !o->kafka_mock)
		return 0;
#ifndef FZ_HAVE_KAFKA
	snprintf(err, errlen, "--kafka: this flowzoo was built without librdkafka");
	return -1;
#else
	(void)err;
	(void)errlen;
	return 1;
#endif
}

#ifdef FZ_HAVE_KAFKA
/* librdkafka's own lines, stamped and in the appliance's log (any thread). */
static void kafka_log(void *arg, int level, const char *line)
{
	(void)arg;
	rte_log(level <= 3   ? RTE_LOG_ERR
	        : level <= 4 ? RTE_LOG_WARNING
	                     : RTE_LOG_INFO,
	        fz_logtype, "flowzoo: kafka: %s\n", line);
}

/* The exporter's configuration from the options. */
static struct fz_kafka_conf kafka_conf(const struct fz_opts *o)
{
	struct fz_kafka_conf c = {
	    .brokers = brokers_of(o),
	    .topic_prefix = o->kafka_topic_prefix,
	    .topic_per_app = o->kafka_topic_per_app,
	    .opts = o->kafka_opts,
	    .n_opts = o->n_kafka_opts,
	    .spool_dir = o->spool_dir,
	    .spool_max_bytes = o->spool_max_mb << 20,
	    .flush_timeout_ms = (int)(o->kafka_flush_timeout * 1000),
	    .mock = o->kafka_mock,
	    .log = kafka_log,
	};

	return c;
}
#endif

int fz_exporters_check(const struct fz_opts *o, char *err, size_t errlen)
{
	struct fz_ipfix_conf ic = {.collectors = o->ipfix, .n_collectors = o->n_ipfix};
	int k;

	if (fz_ipfix_conf_check(&ic, err, errlen))
		return -1;
	k = kafka_wanted(o, err, errlen);
	if (k <= 0)
		return k;
#ifdef FZ_HAVE_KAFKA
	struct fz_kafka_conf c = kafka_conf(o);

	return fz_kafka_conf_check(&c, err, errlen) < 0 ? -1 : 0;
#else
	return 0;
#endif
}

static int add(struct fz_appliance *app, struct fz_exporter *e, char *err, size_t errlen)
{
	if (fz_pipeline_add_exporter(app->pipeline, e) == 0)
		return 0;
	snprintf(err, errlen, "%s: too many exporters", e->name);
	e->ops->close(e);
	return -1;
}

static int open_kafka(struct fz_appliance *app, char *err, size_t errlen)
{
	int k = kafka_wanted(&app->opts, err, errlen);

	if (k <= 0)
		return k;
#ifdef FZ_HAVE_KAFKA
	struct fz_kafka_conf c = kafka_conf(&app->opts);
	struct fz_exporter *e = fz_kafka_exporter_create(&c, err, errlen);
	const char *boot;

	if (e == NULL || add(app, e, err, errlen))
		return -1;
	boot = fz_kafka_exporter_bootstrap(e);
	if (boot != NULL) {
		/* Users need the address for kcat wherever the log goes. */
		FZ_LOG(NOTICE, "kafka: mock cluster at %s\n", boot);
		if (app->opts.log_file)
			fprintf(stderr, "flowzoo: kafka: mock cluster at %s\n", boot);
	}
#endif
	return 0;
}

/* The IPFIX exporter, one for all --ipfix collectors; its lines go to the log. */
static int open_ipfix(struct fz_appliance *app, unsigned flush_ms, char *err, size_t errlen)
{
	const struct fz_opts *o = &app->opts;
	struct fz_ipfix_conf c = {
	    .collectors = o->ipfix,
	    .n_collectors = o->n_ipfix,
	    .biflow = o->ipfix_biflow,
	    .domain = (uint32_t)o->ipfix_domain,
	    .mtu = (unsigned)o->ipfix_mtu,
	    .pen = (uint32_t)o->ipfix_pen,
	    .template_messages = (unsigned)o->ipfix_template_messages,
	    .template_ms = (unsigned)(o->ipfix_template_interval * 1000),
	    .flush_ms = flush_ms,
	    .app_names = app->app_names,
	    .n_apps = app->n_apps,
	    .log = fz_app_log_line,
	};
	struct fz_exporter *e;

	if (o->n_ipfix == 0)
		return 0;
	e = fz_ipfix_open(&c, err, errlen);
	return e == NULL || add(app, e, err, errlen) ? -1 : 0;
}

/* --jsonl-compress (auto: by the file name's .zst suffix). 0, or -1 with a message. */
static int open_jsonl_compress(struct fz_exporter *e, const struct fz_opts *o, char *err,
                               size_t errlen)
{
	const char *spec = o->jsonl_compress ? o->jsonl_compress : "auto";
	int level, rc;

	if (fz_jsonl_compress_parse(spec, o->jsonl, &level) != 0)
		rc = -EINVAL; /* checked with the options already */
	else
		rc = fz_jsonl_compress(e, level);
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "--jsonl-compress %s: %s", spec, strerror(-rc));
	e->ops->close(e);
	return -1;
}

int fz_exporters_open(struct fz_appliance *app, char *err, size_t errlen)
{
	const struct fz_opts *o = &app->opts;
	/* Flush at least every status interval: a reader of the file is never
	 * more than that behind (and at most a second with the default). */
	unsigned flush_ms = o->status_interval > 0 && o->status_interval < 1.0
	                        ? (unsigned)(o->status_interval * 1000)
	                        : 1000;

	if (o->jsonl) {
		struct fz_exporter *e = fz_jsonl_open(o->jsonl, (enum fz_jsonl_mode)o->jsonl_mode,
		                                      flush_ms, fz_app_log_line, NULL);

		if (e == NULL) {
			snprintf(err, errlen, "--jsonl %s: %s", o->jsonl, strerror(errno));
			return -1;
		}
		if (open_jsonl_compress(e, o, err, errlen) || add(app, e, err, errlen))
			return -1;
	}
	if (open_kafka(app, err, errlen) || open_ipfix(app, flush_ms, err, errlen))
		return -1;
	if (fz_pipeline_exporters(app->pipeline) == 0)
		FZ_LOG(NOTICE,
		       "no exporter (--jsonl, --kafka, --ipfix): flow records are counted in the "
		       "summary, and not written anywhere\n");
	return 0;
}

void fz_exporters_report(struct fz_appliance *app)
{
	for (unsigned i = 0; i < fz_pipeline_exporters(app->pipeline); i++) {
		struct fz_exporter *e = fz_pipeline_exporter(app->pipeline, i);
		uint64_t lost = e->ops->lost ? e->ops->lost(e) : 0;

#ifdef FZ_HAVE_KAFKA
		struct fz_kafka_counters c;

		if (fz_kafka_exporter_counters(e, &c) == 0) {
			if (c.dropped > 0 || c.corrupt_bytes > 0)
				FZ_LOG(ERR,
				       "kafka: %llu records dropped (spool full or absent, or "
				       "rejected), "
				       "%llu corrupt spool bytes skipped; %llu delivered (flow, "
				       "stats and "
				       "alert records), %llu in the spool\n",
				       (unsigned long long)c.dropped,
				       (unsigned long long)c.corrupt_bytes,
				       (unsigned long long)c.delivered,
				       (unsigned long long)c.spool_records);
			else
				FZ_LOG(INFO,
				       "kafka: %llu records delivered (flow, stats and alert "
				       "records), "
				       "%llu in the spool, none dropped\n",
				       (unsigned long long)c.delivered,
				       (unsigned long long)c.spool_records);
			continue;
		}
#endif
		if (lost)
			FZ_LOG(ERR, "%s: %llu records lost\n", e->name, (unsigned long long)lost);
	}
}
