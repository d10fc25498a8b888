/*
 * A librdkafka mock cluster in its own process, for tests and for trying
 * flowzoo without a broker:
 *
 *   mock_cluster [-b BROKERS] [-p PARTITIONS] [-t TOPIC]...
 *
 * creates the topics (default: flowzoo.<stream> for the streams flows,
 * stats, alerts and traffic) with PARTITIONS partitions (default 4) on a
 * cluster of BROKERS brokers (default 3), prints the bootstrap address on a
 * line of its own, and runs
 * until its standard input ends or it gets SIGINT/SIGTERM. Lines on standard
 * input steer it: "down ID", "up ID" (a broker, 1..BROKERS), "down all",
 * "up all"; each is answered with "ok" or "error".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 32

/* The topics of the pipeline's streams (the Kafka exporter's mock makes the same). */
static const char *const default_topics[] = {"flowzoo.flows", "flowzoo.stats", "flowzoo.alerts",
                                             "flowzoo.traffic"};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Apply one steering line; returns 0 or -1. */
static int command(rd_kafka_mock_cluster_t *mc, int nbrokers, const char *line)
{
	char what[16], who[16];
	int down, from, to;

	if (sscanf(line, "%15s %15s", what, who) != 2)
		return -1;
	if (strcmp(what, "down") != 0 && strcmp(what, "up") != 0)
		return -1;
	down = what[0] == 'd';
	if (strcmp(who, "all") == 0) {
		from = 1;
		to = nbrokers;
	} else {
		from = to = atoi(who);
		if (from < 1 || from > nbrokers)
			return -1;
	}
	for (int b = from; b <= to; b++) {
		if ((down ? rd_kafka_mock_broker_set_down(mc, b)
		          : rd_kafka_mock_broker_set_up(mc, b)) != RD_KAFKA_RESP_ERR_NO_ERROR)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *topics[MAX_TOPICS];
	int nbrokers = 3, parts = 4, ntopics = 0, opt;
	rd_kafka_conf_t *conf;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *rk;
	char err[256], line[256];

	while ((opt = getopt(argc, argv, "b:p:t:")) != -1) {
		if (opt == 'b')
			nbrokers = atoi(optarg);
		else if (opt == 'p')
			parts = atoi(optarg);
		else if (opt == 't' && ntopics < MAX_TOPICS)
			topics[ntopics++] = optarg;
		else {
			fprintf(stderr, "usage: %s [-b BROKERS] [-p PARTITIONS] [-t TOPIC]...\n",
			        argv[0]);
			return 2;
		}
	}
	if (nbrokers < 1 || parts < 1) {
		fprintf(stderr, "mock_cluster: need at least one broker and one partition\n");
		return 2;
	}
	if (ntopics == 0)
		for (size_t i = 0; i < sizeof(default_topics) / sizeof(default_topics[0]); i++)
			topics[ntopics++] = default_topics[i];
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "4", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL) {
		fprintf(stderr, "mock_cluster: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, nbrokers);
	if (mc == NULL) {
		fprintf(stderr, "mock_cluster: cannot start the cluster\n");
		return 1;
	}
	for (int i = 0; i < ntopics; i++)
		rd_kafka_mock_topic_create(mc, topics[i], parts, nbrokers < 3 ? nbrokers : 3);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (!stop && fgets(line, sizeof(line), stdin) != NULL) {
		printf("%s\n", command(mc, nbrokers, line) == 0 ? "ok" : "error");
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
