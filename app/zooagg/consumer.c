/*
 * zooagg's Kafka side: a high-level consumer in group --group on
 * <prefix>.traffic, .stats and .alerts with manual offset commits, and a
 * producer for the fleet alerts on <prefix>.alerts.
 *
 * A batch of messages (at most --batch, or what arrived within 200 ms) goes
 * to the database in one transaction; only after its commit are the
 * offsets committed to Kafka (synchronously). A batch the database refused
 * is kept and tried again a second later: nothing is committed to Kafka
 * that the database does not have. When partitions are revoked the batch in
 * hand is finished and committed first, and every network's state is
 * forgotten (the next owner rebuilds it from the database).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "zooagg.h"

struct batch {
	rd_kafka_message_t **m;
	unsigned n, cap;
};

struct consumer {
	struct zooagg *z;
	rd_kafka_t *rk, *producer;
	char topics[4][256];
	struct batch b;
	/* Offsets whose commit the group refused (a rebalance in progress): committed with the
	 * next ones, or in the revocation, so that their messages are not delivered again. */
	rd_kafka_topic_partition_list_t *uncommitted;
};

static enum fz_agg_kind kind_of(const struct consumer *c, const char *topic)
{
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(topic, c->topics[i]) == 0)
			return (enum fz_agg_kind)i;
	return FZ_AGG_TRAFFIC;
}

/* Commit offs (and the offsets a refused commit left), synchronously; keep them when refused. */
static void commit(struct consumer *c, rd_kafka_topic_partition_list_t *offs)
{
	rd_kafka_resp_err_t err;

	for (int i = 0; c->uncommitted && i < c->uncommitted->cnt; i++) {
		const rd_kafka_topic_partition_t *u = &c->uncommitted->elems[i];

		if (!rd_kafka_topic_partition_list_find(offs, u->topic, u->partition))
			rd_kafka_topic_partition_list_add(offs, u->topic, u->partition)->offset =
			    u->offset;
	}
	if (c->uncommitted)
		rd_kafka_topic_partition_list_destroy(c->uncommitted);
	c->uncommitted = NULL;
	if (offs->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(offs);
		return;
	}
	err = rd_kafka_commit(c->rk, offs, 0);
	if (err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
		c->uncommitted = offs;
		return;
	}
	if (err)
		zooagg_log(c->z, 1,
		           "kafka: offset commit failed: %s (the rows are in the "
		           "database; a redelivery replaces them)",
		           rd_kafka_err2str(err));
	else
		fz_agg_counters(c->z->agg)->commits++;
	rd_kafka_topic_partition_list_destroy(offs);
}

/* The batch to the database, then its offsets to Kafka. 0 or -EIO (the batch stays). */
static int flush(struct consumer *c)
{
	rd_kafka_topic_partition_list_t *offs;
	struct fz_agg *a = c->z->agg;
	int rc;

	if (!c->b.n)
		return 0;
	rc = fz_agg_begin(a);
	for (unsigned i = 0; !rc && i < c->b.n; i++) {
		rd_kafka_message_t *m = c->b.m[i];
		const char *topic = rd_kafka_topic_name(m->rkt);
		char where[300];

		snprintf(where, sizeof(where), "%s[%d]@%lld", topic, (int)m->partition,
		         (long long)m->offset);
		rc = fz_agg_message(a, kind_of(c, topic), m->payload ? m->payload : "", m->len,
		                    where);
	}
	if (!rc)
		rc = fz_agg_commit(a);
	if (rc) {
		fz_agg_abort(a);
		return -EIO;
	}
	offs = rd_kafka_topic_partition_list_new((int)c->b.n);
	for (unsigned i = 0; i < c->b.n; i++) {
		rd_kafka_message_t *m = c->b.m[i];
		rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
		    offs, rd_kafka_topic_name(m->rkt), m->partition);

		if (!p)
			p = rd_kafka_topic_partition_list_add(offs, rd_kafka_topic_name(m->rkt),
			                                      m->partition);
		if (m->offset + 1 > p->offset)
			p->offset = m->offset + 1;
		rd_kafka_message_destroy(m);
	}
	c->b.n = 0;
	commit(c, offs);
	fz_counter_pub_write(c->z->counters_pub, fz_agg_counters(a));
	return 0;
}

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer *c = opaque;

	fz_agg_counters(c->z->agg)->rebalances++;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		zooagg_log(c->z, 0, "kafka: %d partitions assigned", parts->cnt);
		rd_kafka_assign(rk, parts);
		return;
	}
	/* Finish what was taken from the revoked partitions; keep trying while the database
	 * refuses, unless we are stopping (then the next owner gets them again). */
	while (flush(c) && !zooagg_stopping)
		sleep(1);
	if (c->uncommitted)
		commit(c, rd_kafka_topic_partition_list_new(0));
	if (c->uncommitted) {
		zooagg_log(c->z, 1,
		           "kafka: offset commit refused during the revocation (a "
		           "redelivery replaces the rows)");
		rd_kafka_topic_partition_list_destroy(c->uncommitted);
		c->uncommitted = NULL;
	}
	fz_agg_forget(c->z->agg);
	zooagg_log(c->z, 0, "kafka: %d partitions revoked", parts->cnt);
	rd_kafka_assign(rk, NULL);
}

static void alert_out(void *arg, const char *network, const char *record)
{
	struct consumer *c = arg;

	if (rd_kafka_producev(c->producer, RD_KAFKA_V_TOPIC(c->topics[FZ_AGG_ALERTS]),
	                      RD_KAFKA_V_KEY(network, strlen(network)),
	                      RD_KAFKA_V_VALUE((void *)record, strlen(record)),
	                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
		zooagg_log(c->z, 1, "kafka: fleet alert not produced (it is in the database)");
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, int user)
{
	char err[256];

	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	fprintf(stderr, "zooagg: %s%s=%s: %s\n", user ? "--kafka-opt " : "", k, v, err);
	return -1;
}

static rd_kafka_conf_t *make_conf(const struct zooagg_opts *o, int consumer)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int rc = set(conf, "bootstrap.servers", o->kafka, 0) | set(conf, "client.id", "zooagg", 0);

	if (consumer)
		rc |= set(conf, "group.id", o->group, 0) |
		      set(conf, "enable.auto.commit", "false", 0) |
		      set(conf, "enable.auto.offset.store", "false", 0) |
		      set(conf, "auto.offset.reset", "earliest", 0);
	for (unsigned i = 0; !rc && i < o->n_kafka_opts; i++)
		rc = set(conf, o->kafka_opts[i][0], o->kafka_opts[i][1], 1);
	if (rc) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

/* Is any broker there? A clear error at start instead of silent retries. */
static int reachable(rd_kafka_t *rk, const char *brokers)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, NULL, &md, 10000);

	if (err) {
		fprintf(stderr, "zooagg: --kafka %s: no broker answered within 10 s: %s\n", brokers,
		        rd_kafka_err2str(err));
		return -1;
	}
	rd_kafka_metadata_destroy(md);
	return 0;
}

int zooagg_consume(struct zooagg *z)
{
	struct consumer c = {.z = z};
	const struct zooagg_opts *o = &z->opts;
	rd_kafka_conf_t *conf = make_conf(o, 1), *pconf = make_conf(o, 0);
	rd_kafka_topic_partition_list_t *subs;
	char err[256];
	time_t last_retention = 0;
	static const char *const streams[4] = {"traffic", "stats", "alerts", "flows"};

	if (!conf || !pconf) {
		if (conf)
			rd_kafka_conf_destroy(conf);
		if (pconf)
			rd_kafka_conf_destroy(pconf);
		return 2;
	}
	for (unsigned i = 0; i < 4; i++)
		snprintf(c.topics[i], sizeof(c.topics[i]), "%s.%s", o->topic_prefix, streams[i]);
	rd_kafka_conf_set_rebalance_cb(conf, rebalance);
	rd_kafka_conf_set_opaque(conf, &c);
	c.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	c.producer = c.rk ? rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err)) : NULL;
	if (!c.rk || !c.producer) {
		fprintf(stderr, "zooagg: --kafka %s: %s\n", o->kafka, err);
		if (c.rk)
			rd_kafka_destroy(c.rk);
		return 2;
	}
	if (reachable(c.rk, o->kafka)) {
		rd_kafka_destroy(c.producer);
		rd_kafka_destroy(c.rk);
		return 2;
	}
	rd_kafka_poll_set_consumer(c.rk);
	z->alert = alert_out;
	z->alert_arg = &c;
	subs = rd_kafka_topic_partition_list_new(4);
	for (unsigned i = 0; i < (o->flows ? 4u : 3u); i++)
		rd_kafka_topic_partition_list_add(subs, c.topics[i], RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(c.rk, subs)) {
		fprintf(stderr, "zooagg: cannot subscribe to %s.*\n", o->topic_prefix);
		rd_kafka_topic_partition_list_destroy(subs);
		rd_kafka_destroy(c.producer);
		rd_kafka_destroy(c.rk);
		return 2;
	}
	rd_kafka_topic_partition_list_destroy(subs);
	zooagg_log(z, 0, "consuming %s.{traffic,stats,alerts} in group %s", o->topic_prefix,
	           o->group);
	c.b.m = calloc(o->batch, sizeof(*c.b.m));
	c.b.cap = o->batch;
	while (!zooagg_stopping) {
		rd_kafka_message_t *m;

		/* A full batch the database refused: try it again before taking more. (Not
		 * polling for longer than max.poll.interval.ms makes the member leave the group:
		 * its partitions go to the others.) */
		if (c.b.n == c.b.cap) {
			if (flush(&c))
				sleep(1);
			continue;
		}
		m = rd_kafka_consumer_poll(c.rk, c.b.n ? 200 : 500);

		if (m && m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				fz_agg_counters(z->agg)->consume_errors++;
				zooagg_log(z, 1, "kafka: %s", rd_kafka_message_errstr(m));
			}
			rd_kafka_message_destroy(m);
			m = NULL;
		}
		if (m)
			c.b.m[c.b.n++] = m;
		if ((!m || c.b.n == c.b.cap) && c.b.n && flush(&c))
			sleep(1);
		rd_kafka_poll(c.producer, 0);
		if (o->retention_days && time(NULL) - last_retention >= 3600) {
			last_retention = time(NULL);
			zooagg_retention(z);
		}
	}
	/* SIGTERM: what is in hand goes to the database and its offsets to Kafka. */
	if (flush(&c))
		zooagg_log(z, 1,
		           "stopping with %u messages not in the database (they will be "
		           "delivered again)",
		           c.b.n);
	for (unsigned i = 0; i < c.b.n; i++)
		rd_kafka_message_destroy(c.b.m[i]);
	c.b.n = 0;
	rd_kafka_consumer_close(c.rk);
	rd_kafka_flush(c.producer, 5000);
	rd_kafka_destroy(c.producer);
	rd_kafka_destroy(c.rk);
	free(c.b.m);
	return 0;
}
