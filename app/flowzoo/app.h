/*
 * What the main lcore of flowzoo holds: options, workers and their rings,
 * the record encoder and the sinks. The stats loop (stats.c) is the only
 * consumer of the rings and the only user of the sinks.
 */
#ifndef FZ_APP_H
#define FZ_APP_H

#include <stdint.h>

#include <rte_lcore.h>

#include "fz_record.h"
#include "fz_sink.h"
#include "fz_worker.h"
#include "options.h"

struct fz_ctl_server;

#define FZ_MAX_WORKERS RTE_MAX_LCORE
#define FZ_MAX_SINKS   4
#define FZ_MAX_APPS    64

struct fz_app_counts {
	uint64_t flows, packets, bytes;
};

/* Loss counters the stats loop raises alerts on (alerts.c). */
enum fz_alert_kind {
	FZ_ALERT_RING_FULL,
	FZ_ALERT_IMISSED,
	FZ_ALERT_RX_NOMBUF,
	FZ_ALERT_IERRORS,
	FZ_ALERT_MISSING_AT_EOF,
	FZ_ALERT_ENCODE,
	FZ_ALERT_EVICTED,
	FZ_ALERTS__COUNT
};

struct fz_app {
	struct fz_opts opts;
	char collector[256];
	int offline;
	uint64_t expect_packets; /* offline: frames in all captures */
	unsigned n_workers;
	struct fz_worker_conf wconf[RTE_MAX_LCORE];
	struct fz_worker *workers[RTE_MAX_LCORE];
	struct rte_ring *rings[RTE_MAX_LCORE];
	volatile int stop;
	volatile int suspended;
	uint64_t start_tsc, start_epoch_us;
	/* Applications: names from L7, index 0 = unknown. */
	struct fz_l7 *l7;
	const char *sig_path;
	const char *const *app_names;
	unsigned n_apps;
	struct fz_app_counts apps[FZ_MAX_APPS];
	/* Output. */
	struct fz_record_ctx rctx;
	struct fz_record_enc *enc;
	struct fz_sink *sinks[FZ_MAX_SINKS];
	unsigned n_sinks;
	uint64_t records; /* flow records taken off the rings */
	uint64_t encode_errors;
	struct fz_ctl_server *ctl;             /* NULL without --ctl-key */
	uint64_t alert_seen[FZ_ALERTS__COUNT]; /* counter values already alerted on */
	uint64_t alerts;                       /* alert records sent */
	struct fz_stats_zoo *zoo;              /* stats_zoo.c */
};

/*
 * The zoo (stats_zoo.c): check the zoo options before EAL starts and init
 * from them (0, or -1 with a message),
 * classify a flow before it is encoded, publish the stats record when the
 * interval is over or final, free.
 */
int fz_stats_zoo_check(const struct fz_opts *opts, char *err, size_t errlen);
int fz_stats_zoo_init(struct fz_app *app, char *err, size_t errlen);
void fz_stats_zoo_classify(struct fz_app *app, const struct fz_flow_rec *r,
                           struct fz_zoo_result *res);
void fz_stats_zoo_tick(struct fz_app *app, uint64_t now_tsc, int final);
void fz_stats_zoo_free(struct fz_app *app);
/* The zoo itself (its means for status), or NULL before init. */
const struct fz_zoo *fz_stats_zoo_get(const struct fz_app *app);

/* Run the stats loop on the calling lcore until every worker is done. */
void fz_stats_loop(struct fz_app *app);

/* Whether the offline progress line is shown (--progress, or auto on a terminal). */
int fz_stats_progress_on(const struct fz_app *app);

/* Totals over the workers: one counter of struct fz_worker_counters by offset. */
uint64_t fz_app_sum(const struct fz_app *app, size_t offset);

/* Compile the signatures (--signatures, else the shipped file); sets l7 and
 * the application names. Returns 0 or -1 with a message in err. */
int fz_l7_setup(struct fz_app *app, char *err, size_t errlen);

/* Raise an alert for every loss counter that grew since the last check. */
void fz_alerts_check(struct fz_app *app);

/* The Kafka sink (sinks_kafka.c): check its options before EAL starts, add
 * the sink when --kafka or --kafka-mock asks for it. Return 0 or -1 with a
 * message in err. */
int fz_sinks_kafka_check(const struct fz_opts *o, char *err, size_t errlen);
int fz_sinks_kafka_open(struct fz_app *app, char *err, size_t errlen);
/* Log the Kafka sink's deliveries and drops (after the final flush). */
void fz_sinks_kafka_report(const struct fz_app *app);

/* Totals over the workers of one parse outcome (enum fz_parse_status). */
uint64_t fz_app_parse_sum(const struct fz_app *app, int status);

/* The summary object (see docs/operator-guide.md). */
json_t *fz_app_summary(const struct fz_app *app);

#endif
