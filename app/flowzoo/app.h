/*
 * flowzoo's wiring: what main() sets up and the stats lcore and the control
 * thread use. Logic lives in lib/ (pipeline, counters, health, exporters);
 * the files here connect it to the options, DPDK and the clock:
 *
 *   main.c         start-up and shutdown, exit status
 *   options*.c     the command line and the config file
 *   ports.c        Ethernet ports and their counter set
 *   workers.c      worker lcores, their rings and their counter set
 *   exporters.c    JSON lines and Kafka from the options
 *   zoo_consumer.c the zoo as a pipeline consumer, its stats records
 *   traffic_consumer.c networks and traffic bins
 *   applications.c flows, packets and bytes per L7 application
 *   stats_lcore.c  the loop that drains the rings into the pipeline, timers
 *   reports.c      status line, progress line, health checks, summary
 *   control.c      the zooctl server on a thread of its own
 *   http.c         the HTTP server (/metrics, /health, /api) on a thread of its own
 *   dashboard*.c   the dashboard's page and API (dashboard.h, docs/dashboard.md)
 *   telemetry.c    flowzoo's DPDK telemetry commands (/flowzoo/stats, ...)
 */
#ifndef FZ_APP_H
#define FZ_APP_H

#include <pthread.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "fz_counters.h"
#include "fz_health.h"
#include "fz_pipeline.h"
#include "fz_record.h"
#include "fz_worker.h"
#include "options.h"

struct fz_ctl_server;
struct fz_zoo_consumer;
struct fz_applications;
struct fz_control;
struct fz_networks;
struct fz_traffic;
struct fz_attacks;
struct fz_http;
struct fz_captures;
struct fz_capture_dir;
struct fz_export_lcores;

#define FZ_MAX_WORKERS RTE_MAX_LCORE
#define FZ_MAX_APPS    64

/* Exit statuses (docs/operator-guide.md). */
#define FZ_EXIT_OK    0 /* finished, nothing lost */
#define FZ_EXIT_ERROR 1 /* a failure after start (an output could not be written at exit) */
#define FZ_EXIT_USAGE 2 /* a start-up error: options, config, devices */
#define FZ_EXIT_LOST  3 /* finished, but records or packets were lost (see the summary) */

struct fz_appliance {
	struct fz_opts opts;
	char collector[256];
	int offline;
	int no_eal;                   /* --pcap read by threads, EAL never started (captures.h) */
	struct fz_captures *captures; /* with no_eal */
	struct fz_capture_dir *capture_dir; /* --pcap-dir (capture_dir.c) */
	uint64_t tsc_hz;                    /* EAL's, or measured at start without EAL */
	uint64_t expect_packets;            /* offline: frames in all captures */
	unsigned n_workers;
	struct fz_worker_conf wconf[RTE_MAX_LCORE];
	struct fz_worker *workers[RTE_MAX_LCORE];
	struct rte_ring *rings[RTE_MAX_LCORE];
	volatile int stop;
	volatile int suspended;
	volatile int reopen; /* SIGHUP: reopen the log and the exporters' files */
	uint64_t start_tsc, start_epoch_us;
	/* Applications: names from L7, index 0 = unknown. */
	struct fz_l7 *l7;
	const char *sig_path;
	const char *const *app_names;
	unsigned n_apps;
	/* After the workers. */
	struct fz_record_ctx rctx;
	struct fz_record_enc *enc;
	struct fz_pipeline *pipeline;
	struct fz_timers *timers;
	struct fz_counters *counters;
	struct fz_health *health;
	struct fz_zoo_consumer *zoo;
	struct fz_applications *apps;
	struct fz_control *control;   /* NULL without --ctl-key */
	struct fz_networks *networks; /* NULL without --networks */
	struct fz_traffic *traffic;   /* traffic bins, with networks */
	struct fz_alerts *alerts;     /* baseline alerts over the traffic bins, with networks */
	struct fz_attacks *attacks;   /* attack detection (fz_attacks_on) */
	struct fz_http *http;         /* NULL without --http */
	uint64_t exporters_lost;      /* records the exporters lost, at exit */
	/* --export-lcores (export_lcores.c): the pipeline's export lanes. */
	unsigned n_export;
	unsigned export_ids[FZ_MAX_EXPORT_LCORES];
	struct fz_export_lcores *export;
};

/* workers.c: lcores, rings, workers; the "worker" counter set. */
int fz_workers_setup(struct fz_appliance *app, char *err, size_t errlen);
int fz_workers_create(struct fz_appliance *app, char *err, size_t errlen);
int fz_workers_all_done(const struct fz_appliance *app);
/* Start every worker on its lcore (EAL) or thread (no EAL); wait until all returned. */
int fz_workers_launch(struct fz_appliance *app, char *err, size_t errlen);
void fz_workers_wait(struct fz_appliance *app);
/* Workers whose loop runs now (before the launch and after the end, none). */
unsigned fz_workers_running(const struct fz_appliance *app);
/* The TSC's frequency measured against the monotonic clock (a few ms), for runs without EAL. */
uint64_t fz_workers_measure_tsc_hz(void);
/* A thread of the control plane (HTTP): EAL's control thread, or a plain one. */
int fz_app_thread_create(const struct fz_appliance *app, pthread_t *t, const char *name,
                         void *(*fn)(void *), void *arg);
const struct fz_counter_set *fz_workers_counter_set(struct fz_appliance *app);
void fz_workers_free(struct fz_appliance *app);

/* exporters.c: check the exporters' options before EAL starts; open them
 * into the pipeline. 0, or -1 with a message in err. */
int fz_exporters_check(const struct fz_opts *o, char *err, size_t errlen);
int fz_exporters_open(struct fz_appliance *app, char *err, size_t errlen);
/* Log what each exporter delivered and lost (after the final flush). */
void fz_exporters_report(struct fz_appliance *app);

/* export_lcores.c: --export-lcores parsed and checked against EAL's lcores (before the
 * workers take theirs); is lcore one of them; the lanes and their encoders (after the
 * exporters); their lcores or threads started (before the workers); threads joined
 * (after the stats loop stopped the lanes); freed. 0, or -1 with a message in err. */
int fz_export_lcores_setup(struct fz_appliance *app, char *err, size_t errlen);
int fz_export_lcores_has(const struct fz_appliance *app, unsigned lcore);
int fz_export_lcores_open(struct fz_appliance *app, char *err, size_t errlen);
int fz_export_lcores_launch(struct fz_appliance *app, char *err, size_t errlen);
void fz_export_lcores_wait(struct fz_appliance *app);
void fz_export_lcores_free(struct fz_appliance *app);

/* zoo_consumer.c: the zoo's options, the consumer, its stats timer and "zoo" counter set. */
int fz_zoo_consumer_check(const struct fz_opts *opts, char *err, size_t errlen);
int fz_zoo_consumer_init(struct fz_appliance *app, char *err, size_t errlen);
void fz_zoo_consumer_free(struct fz_appliance *app);

/* applications.c: flows, packets, bytes per application; the "application" counter set. */
int fz_applications_init(struct fz_appliance *app, char *err, size_t errlen);
const struct fz_counter_set *fz_applications_counter_set(struct fz_appliance *app);
void fz_applications_free(struct fz_appliance *app);

/* traffic_consumer.c: read --networks (before the workers), the traffic bins consumer
 * (after the pipeline exists); 0, or -1 with a message in err. */
int fz_networks_setup(struct fz_appliance *app, char *err, size_t errlen);
int fz_traffic_setup(struct fz_appliance *app, char *err, size_t errlen);
void fz_traffic_teardown(struct fz_appliance *app);

/*
 * Baseline alerts (baseline_consumer.c, docs/alerts.md): made before the
 * traffic bins, whose conf it hooks (bin_closed, alert_ignored); then
 * fz_alerts_register adds its timer and counter set. 0, or -1 with a message.
 */
struct fz_traffic_conf;
/*
 * Attack detection (attack_consumer.c, lib/detect, docs/alerts.md): on with
 * --detect on, or auto with --networks; the consumer, its timer and its
 * counter sets. 0, or -1 with a message.
 */
int fz_attacks_on(const struct fz_appliance *app);
int fz_attacks_setup(struct fz_appliance *app, char *err, size_t errlen);
void fz_attacks_teardown(struct fz_appliance *app);
int fz_alerts_setup(struct fz_appliance *app, struct fz_traffic_conf *tc, char *err, size_t errlen);
int fz_alerts_register(struct fz_appliance *app, char *err, size_t errlen);
void fz_alerts_teardown(struct fz_appliance *app);

/* reports.c: the counter registry, status/progress/health timers, the summary. */
int fz_reports_init(struct fz_appliance *app, char *err, size_t errlen);
/* Whether the offline progress line is shown (--progress, or auto on a terminal). */
int fz_reports_progress_on(const struct fz_appliance *app);
/* The summary object from a snapshot (see docs/operator-guide.md); brief for zooctl. */
json_t *fz_reports_summary(struct fz_appliance *app, int brief);
/* The summary without the exporters' status objects (they are the stats lcore's state):
 * counters only, from a snapshot; any thread. */
json_t *fz_reports_summary_counters(struct fz_appliance *app, int brief);
/* What zooctl status and /api/status answer: the brief summary, the state, the uptime. */
json_t *fz_reports_status(struct fz_appliance *app);
/* Check the watched counters now and send the alerts (the health timer, and after the
 * final flush, which may lose records too). Returns how many were raised. */
unsigned fz_reports_health_check(struct fz_appliance *app);
/* Publish the stats lcore's counters for other threads. */
void fz_reports_publish(struct fz_appliance *app);
/* Lost records and packets over every loss counter, for the exit status. */
uint64_t fz_reports_losses(struct fz_appliance *app);
/* Wall-clock milliseconds since 1970. */
uint64_t fz_reports_wall_ms(void);

/* stats_lcore.c: run the stats loop on the calling lcore until every worker is done. */
void fz_stats_loop(struct fz_appliance *app);

/* control.c: the zooctl server on a thread of its own (nothing without --ctl-key). */
int fz_control_start(struct fz_appliance *app, char *err, size_t errlen);
void fz_control_stop(struct fz_appliance *app);

/* http.c: the HTTP server on a thread of its own (nothing without --http); its timer
 * on the stats lcore publishes the exporters' status for /api/summary. */
int fz_http_start(struct fz_appliance *app, char *err, size_t errlen);
void fz_http_stop(struct fz_appliance *app);
/* A JSON reply for the server (o is stolen); 0, or -1 (a 500) when it cannot be encoded. */
struct fz_http_reply;
int fz_http_json_reply(struct fz_http_reply *r, unsigned status, json_t *o);

/* telemetry.c: register /flowzoo/stats, /flowzoo/workers, /flowzoo/apps with DPDK
 * telemetry; stop makes them answer nothing before the counters are freed. */
void fz_telemetry_start(struct fz_appliance *app);
void fz_telemetry_stop(void);

/* l7_setup.c: a file flowzoo ships (the signatures, the dashboard's page): the installed
 * copy for an installed flowzoo, else the one in the source tree it was built from. */
const char *fz_app_shipped_file(const char *installed, const char *source);

/* l7_setup.c: compile the signatures (--signatures, else the shipped file); sets l7
 * and the application names. Returns 0 or -1 with a message in err. */
int fz_l7_setup(struct fz_appliance *app, char *err, size_t errlen);

/* A log callback for lib/ modules: one line, no newline. */
void fz_app_log_line(void *arg, const char *line);

#endif
