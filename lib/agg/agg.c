/*
 * zooagg's engine: one database transaction per batch of messages. Traffic
 * records go to agg_network.c; stats records are stored and, once per
 * batch, the fleet's zoo is merged again from each collector's latest
 * record; alert records are stored under their identity (a redelivered or
 * repeated one replaces its row). Fleet alerts made during the batch are
 * handed out only after the commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_priv.h"

struct fz_agg *fz_agg_create(const struct fz_agg_conf *conf, struct fz_db *db)
{
	struct fz_agg *a;

	if (!conf->collector || conf->top_n == 0 || conf->history == 0 || conf->min_history == 0 ||
	    conf->min_history > conf->history || conf->bins == 0 || !(conf->k >= 0)) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		errno = ENOMEM;
		return NULL;
	}
	a->conf = *conf;
	a->db = db;
	a->pending_tail = &a->pending;
	return a;
}

void fz_agg_free(struct fz_agg *a)
{
	if (!a)
		return;
	fz_agg_forget(a);
	fz_agg__drop_pending(a);
	free(a);
}

struct fz_fleet_counters *fz_agg_counters(struct fz_agg *a)
{
	return &a->counters;
}

void fz_agg__log(struct fz_agg *a, int error, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!a->conf.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->conf.log(a->conf.log_arg, error, line);
}

int fz_agg_begin(struct fz_agg *a)
{
	a->stats_seen = 0;
	a->batch = (struct fz_fleet_counters){0};
	if (fz_db_begin(a->db) == 0)
		return 0;
	fz_agg__log(a, 1, "database: %s", fz_db_error(a->db));
	return -EIO;
}

static const char *const kind_names[] = {"traffic", "stats", "alert", "flow"};

static int flow_message(struct fz_agg *a, const char *buf, size_t len, char *why, size_t cap)
{
	struct fz_fleet_flow f;
	char *rec;
	int rc = fz_fleet_flow_parse(buf, len, &f, why, cap);

	if (rc)
		return rc;
	rec = strndup(buf, len);
	rc = rec ? fz_db_fleet_put_flow(a->db, &f, rec) : -ENOMEM;
	free(rec);
	if (rc)
		return -EIO;
	a->batch.flows++;
	return 0;
}

static int stats_message(struct fz_agg *a, const char *buf, size_t len, char *why, size_t cap)
{
	struct fz_fleet_zoo z;
	char *rec;
	int rc = fz_fleet_zoo_parse(buf, len, &z, why, cap);

	if (rc == 0) {
		rec = strndup(buf, len);
		rc = rec ? fz_db_fleet_put_stats(a->db, &z, rec) : -ENOMEM;
		free(rec);
		if (rc == 0) {
			a->batch.stats++;
			a->stats_seen = 1;
		} else {
			rc = -EIO;
		}
	}
	fz_fleet_zoo_clear(&z);
	return rc;
}

static int alert_message(struct fz_agg *a, const char *buf, size_t len, char *why, size_t cap)
{
	struct fz_fleet_alert al;
	char *rec;
	int rc = fz_fleet_alert_parse(buf, len, &al, why, cap);

	if (rc)
		return rc;
	rec = strndup(buf, len);
	rc = rec ? fz_db_fleet_put_alert(a->db, &al, rec) : -ENOMEM;
	free(rec);
	if (rc)
		return -EIO;
	a->batch.alerts++;
	return 0;
}

int fz_agg_message(struct fz_agg *a, enum fz_agg_kind kind, const char *buf, size_t len,
                   const char *where)
{
	char why[160] = "";
	int rc;

	a->batch.messages++;
	switch (kind) {
	case FZ_AGG_TRAFFIC:
		rc = fz_agg__traffic(a, buf, len, why, sizeof(why));
		break;
	case FZ_AGG_STATS:
		rc = stats_message(a, buf, len, why, sizeof(why));
		break;
	case FZ_AGG_ALERTS:
		rc = alert_message(a, buf, len, why, sizeof(why));
		break;
	case FZ_AGG_FLOWS:
		rc = flow_message(a, buf, len, why, sizeof(why));
		break;
	default:
		rc = -EINVAL;
	}
	if (rc == -EINVAL) {
		a->batch.malformed++;
		fz_agg__log(a, 1, "%s record at %s skipped: %s", kind_names[kind % 4], where, why);
		return 0;
	}
	if (rc)
		fz_agg__log(a, 1, "database: %s", fz_db_error(a->db));
	return rc ? -EIO : 0;
}

static void add_counters(struct fz_fleet_counters *to, const struct fz_fleet_counters *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;

	for (size_t i = 0; i < sizeof(*to) / sizeof(uint64_t); i++)
		t[i] += f[i];
}

int fz_agg_commit(struct fz_agg *a)
{
	struct fz_fleet_zoo acc = {0};
	int rc = 0;

	if (a->stats_seen)
		rc = fz_db_fleet_merge_zoo(a->db, &acc);
	fz_fleet_zoo_clear(&acc);
	if (!rc)
		rc = fz_db_commit(a->db);
	if (rc) {
		fz_agg__log(a, 1, "database: %s", fz_db_error(a->db));
		return -EIO;
	}
	add_counters(&a->counters, &a->batch);
	for (struct agg_pending *p = a->pending; p; p = p->next)
		if (a->conf.alert)
			a->conf.alert(a->conf.alert_arg, p->network, p->record);
	fz_agg__drop_pending(a);
	return 0;
}

void fz_agg_abort(struct fz_agg *a)
{
	fz_db_rollback(a->db);
	/* The batch is taken again: its messages count when it succeeds. */
	a->counters.db_errors++;
	fz_agg__drop_pending(a);
	/* The networks' state may be ahead of the database now: rebuild it from there. */
	fz_agg_forget(a);
}
