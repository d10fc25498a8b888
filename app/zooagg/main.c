/*
 * zooagg: the fleet aggregator (docs/fleet.md). Wiring only: options, the
 * database, lib/agg, the Kafka consumer (consumer.c), signals, the summary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fz_counters.h"
#include "zooagg.h"

volatile sig_atomic_t zooagg_stopping;

static void on_signal(int sig)
{
	(void)sig;
	zooagg_stopping = 1;
}

void zooagg_log(struct zooagg *z, int error, const char *fmt, ...)
{
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	(void)z;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ zooagg: %s", ts, now.tv_nsec / 1000000, error ? "error: " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void agg_log(void *arg, int error, const char *line)
{
	zooagg_log(arg, error, "%s", line);
}

static void agg_alert(void *arg, const char *network, const char *record)
{
	struct zooagg *z = arg;

	if (z->alert)
		z->alert(z->alert_arg, network, record);
}

void zooagg_retention(struct zooagg *z)
{
	unsigned long long keep = (unsigned long long)z->opts.retention_days * 86400000ull;
	unsigned long long now = (unsigned long long)time(NULL) * 1000ull;

	if (fz_db_begin(z->db) || fz_db_fleet_retention(z->db, now > keep ? now - keep : 0) ||
	    fz_db_commit(z->db)) {
		zooagg_log(z, 1, "retention: %s", fz_db_error(z->db));
		fz_db_rollback(z->db);
	}
}

/* The summary: the counter set "fleet" as the appliance writes its sets. */
static void summary(struct zooagg *z)
{
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_set set;
	struct fz_counter_snap *snap;
	json_t *o = json_object();
	char *s;

	fz_fleet_counter_set(&set, fz_agg_counters(z->agg));
	if (!reg || fz_counters_register(reg, &set) || !(snap = fz_counters_snapshot(reg))) {
		fz_counters_free(reg);
		json_decref(o);
		return;
	}
	fz_counters_summary(snap, o, 0);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		FILE *f = z->opts.summary ? fopen(z->opts.summary, "w") : NULL;

		if (z->opts.summary && !f)
			zooagg_log(z, 1, "--summary %s: %s", z->opts.summary, strerror(errno));
		fprintf(f ? f : stderr, "%s\n", s);
		if (f)
			fclose(f);
		free(s);
	}
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
	json_decref(o);
}

int main(int argc, char **argv)
{
	static struct zooagg z;
	struct sigaction sa = {.sa_handler = on_signal};
	struct fz_agg_conf ac;
	struct zooagg_http *http = NULL;
	char err[600];
	int rc;

	rc = zooagg_options(argc, argv, &z.opts);
	if (rc)
		return rc > 0 ? 0 : 2;
	z.db = fz_db_open(z.opts.db, err, sizeof(err));
	if (!z.db) {
		fprintf(stderr, "zooagg: --db: %s\n", err);
		return 2;
	}
	if (fz_db_fleet_schema(z.db)) {
		fprintf(stderr, "zooagg: --db: cannot create the tables: %s\n", fz_db_error(z.db));
		fz_db_close(z.db);
		return 2;
	}
	snprintf(z.collector, sizeof(z.collector), "zooagg:%s", z.opts.group);
	ac = (struct fz_agg_conf){.collector = z.collector,
	                          .top_n = z.opts.top_n,
	                          .stale_bins = z.opts.stale_bins,
	                          .collectors = z.opts.collectors,
	                          .n_collectors = z.opts.n_collectors,
	                          .history = z.opts.alert_history,
	                          .min_history = z.opts.alert_min_history,
	                          .bins = z.opts.alert_bins,
	                          .k = z.opts.alert_k,
	                          .suppress_ms = z.opts.alert_suppress_s * 1000,
	                          .alert = agg_alert,
	                          .alert_arg = &z,
	                          .log = agg_log,
	                          .log_arg = &z};
	z.agg = fz_agg_create(&ac, z.db);
	if (!z.agg) {
		fprintf(stderr, "zooagg: %s\n", strerror(errno));
		fz_db_close(z.db);
		return 2;
	}
	z.started = time(NULL);
	z.counters_pub = fz_counter_pub_create(sizeof(struct fz_fleet_counters));
	if (!z.counters_pub) {
		fprintf(stderr, "zooagg: out of memory\n");
		fz_agg_free(z.agg);
		fz_db_close(z.db);
		return 2;
	}
	fz_counter_pub_write(z.counters_pub, fz_agg_counters(z.agg));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	zooagg_log(&z, 0, "database %s (%s)", fz_db_kind(z.db),
	           strncmp(z.opts.db, "sqlite:", 7) == 0 ? z.opts.db + 7 : "server");
	if (z.opts.retention_days)
		zooagg_retention(&z);
	if (z.opts.http && !(http = zooagg_http_start(&z))) {
		fz_agg_free(z.agg);
		fz_db_close(z.db);
		return 2;
	}
	rc = zooagg_consume(&z);
	zooagg_http_stop(http);
	if (rc == 0) {
		summary(&z);
		zooagg_log(&z, 0, "stopped");
	}
	fz_agg_free(z.agg);
	fz_db_close(z.db);
	fz_counter_pub_free(z.counters_pub);
	return rc;
}
