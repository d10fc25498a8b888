/* lib/agg's shared layout; not part of its interface. */
#ifndef FZ_AGG_PRIV_H
#define FZ_AGG_PRIV_H

#include <stdarg.h>

#include "fz_agg.h"
#include "fz_baseline.h"

/* One network's state: a cache of the database. */
struct agg_net {
	char name[FZ_FLEET_NAME_MAX + 1];
	struct fz_fleet_closer *closer;
	struct fz_baseline *bl;
	int replaying; /* feeding the history: no events */
	struct agg_net *next;
};

/* A fleet alert record waiting for the commit. */
struct agg_pending {
	char network[FZ_FLEET_NAME_MAX + 1];
	char *record;
	struct agg_pending *next;
};

struct fz_agg {
	struct fz_agg_conf conf;
	struct fz_db *db;
	struct agg_net *nets;
	struct agg_pending *pending, **pending_tail;
	struct fz_fleet_counters counters, batch;
	int stats_seen;
	int fail; /* a fleet alert could not be stored: the batch fails */
};

/* A traffic message: 0, -EINVAL (malformed, reason in why) or -EIO. */
int fz_agg__traffic(struct fz_agg *a, const char *buf, size_t len, char *why, size_t cap);
void fz_agg__drop_pending(struct fz_agg *a);
void fz_agg__log(struct fz_agg *a, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
