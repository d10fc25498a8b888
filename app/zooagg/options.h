/* zooagg's options (docs/fleet.md, "Options"): command line and JSON config file. */
#ifndef ZOOAGG_OPTIONS_H
#define ZOOAGG_OPTIONS_H

#include <stdint.h>

#define ZOOAGG_MAX_KAFKA_OPTS 64
#define ZOOAGG_MAX_OWNED      64

struct zooagg_opts {
	const char *kafka, *group, *topic_prefix, *db, *http, *summary;
	const char *kafka_opts[ZOOAGG_MAX_KAFKA_OPTS][2];
	unsigned n_kafka_opts;
	const char **collectors; /* --collectors A,B,... */
	unsigned n_collectors;
	int flows;                     /* --flows: also <prefix>.flows into the flows table */
	char *owned[ZOOAGG_MAX_OWNED]; /* the config file's strings the options point into */
	unsigned n_owned;
	unsigned retention_days, top_n, stale_bins, batch;
	unsigned alert_history, alert_min_history, alert_bins;
	double alert_k;
	uint64_t alert_suppress_s;
};

/* Parse argv (and --config FILE) into o. 0; 1 after --help (printed); -1 after an error
 * printed to standard error. The strings live as long as the process. */
int zooagg_options(int argc, char **argv, struct zooagg_opts *o);

#endif
