/*
 * zooagg's engine (docs/fleet.md, "What a member does"): records taken from
 * the appliances' topics are stored in the database, merged bins are
 * rewritten from the database's rows, closed merged bins feed a baseline
 * per network, and their starts, updates and ends become fleet alert
 * records. No Kafka here: the program hands messages in and sends the
 * alerts out. The state per network is a cache of the database: dropped
 * when partitions move or a transaction fails, and rebuilt from the
 * database the next time the network is seen.
 */
#ifndef FZ_AGG_H
#define FZ_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "fz_db.h"
#include "fz_fleet.h"

enum fz_agg_kind { FZ_AGG_TRAFFIC = 0, FZ_AGG_STATS, FZ_AGG_ALERTS, FZ_AGG_FLOWS };

struct fz_agg_conf {
	const char *collector; /* of the fleet's alert records: "zooagg:<group>" */
	unsigned top_n;        /* entries of a merged top list */
	unsigned stale_bins;   /* a collector this many bins behind is not waited for */
	/* The fleet's collectors, waited for before their first record (may be none). */
	const char *const *collectors;
	unsigned n_collectors;
	/* The baseline of each network's merged bins (lib/baseline). */
	unsigned history, min_history, bins;
	double k;
	uint64_t suppress_ms;
	/* A fleet alert record made (JSON text, key: the network), after the database has it. */
	void (*alert)(void *arg, const char *network, const char *record);
	void *alert_arg;
	/* A log line (a malformed message, a fleet alert's start and end). */
	void (*log)(void *arg, int error, const char *line);
	void *log_arg;
};

struct fz_agg;

/* NULL and errno (EINVAL for a conf out of range, ENOMEM). */
struct fz_agg *fz_agg_create(const struct fz_agg_conf *conf, struct fz_db *db);
void fz_agg_free(struct fz_agg *a);

/*
 * One batch: fz_agg_begin, fz_agg_message for each message (where: "topic[p]@offset" for
 * the log), fz_agg_commit. A message that is not a record of its kind is counted and skipped
 * (0). Any other error is the database's: -EIO; then the caller calls fz_agg_abort and
 * processes the batch again later (redelivery replaces rows).
 */
int fz_agg_begin(struct fz_agg *a);
int fz_agg_message(struct fz_agg *a, enum fz_agg_kind kind, const char *buf, size_t len,
                   const char *where);
int fz_agg_commit(struct fz_agg *a);
void fz_agg_abort(struct fz_agg *a);

/* Partitions moved: forget every network's state (rebuilt from the database). */
void fz_agg_forget(struct fz_agg *a);

/* The counters (read and written by the caller's thread only). */
struct fz_fleet_counters *fz_agg_counters(struct fz_agg *a);

#endif
