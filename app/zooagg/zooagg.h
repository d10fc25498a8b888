/* zooagg's wiring, shared by its files (docs/fleet.md). */
#ifndef ZOOAGG_H
#define ZOOAGG_H

#include <signal.h>
#include <time.h>

#include "fz_agg.h"
#include "fz_counters.h"
#include "fz_db.h"
#include "options.h"

struct zooagg {
	struct zooagg_opts opts;
	struct fz_db *db;
	struct fz_agg *agg;
	char collector[300]; /* "zooagg:<group>": the fleet alerts' collector */
	/* Where fleet alerts go once the database has them (the consumer's producer). */
	void (*alert)(void *arg, const char *network, const char *record);
	void *alert_arg;
	/* The counters as the consumer last published them (after each batch), for --http. */
	struct fz_counter_pub *counters_pub;
	time_t started;
};

extern volatile sig_atomic_t zooagg_stopping;

/* A log line on standard error with a UTC timestamp. */
void zooagg_log(struct zooagg *z, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Delete what is older than --retention-days. */
void zooagg_retention(struct zooagg *z);
/* --http: the API and page in a thread of their own; NULL after an error (printed). */
struct zooagg_http;
struct zooagg_http *zooagg_http_start(struct zooagg *z);
void zooagg_http_stop(struct zooagg_http *h);
/* Consume until SIGTERM/SIGINT: 0, or 2 after a start-up error (printed). */
int zooagg_consume(struct zooagg *z);

#endif
