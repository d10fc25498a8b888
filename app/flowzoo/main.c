/*
 * flowzoo: DPDK workers account packets in per-core flow tables, the stats
 * lcore turns finished flows into records for the exporters.
 *
 *   flowzoo [EAL options] -- [options]
 *   flowzoo --pcap FILE [--pcap FILE...] [options]     (offline shortcut)
 *
 * The offline shortcut reads the files itself, on threads, and never
 * starts EAL (captures.c); --pcap-eal, EAL options or --stats-lcore take
 * the EAL path with net_pcap ports (pcapfiles.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "app.h"
#include "captures.h"
#include "fz_l7.h"
#include "fz_networks.h"
#include "log.h"
#include "pcapfiles.h"
#include "ports.h"
#include "replay.h"

static struct fz_appliance the_app;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		the_app.reopen = 1; /* logrotate: the stats lcore reopens the files */
	else
		the_app.stop = 1;
}

/* From the first moment: a signal during start-up stops the run as cleanly as later. */
static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe (--jsonl - | head) is a write error the exporter counts. */
	signal(SIGPIPE, SIG_IGN);
}

/* A start-up error: say what is wrong, free what the options hold, exit 2. */
static int die(const char *msg)
{
	fprintf(stderr, "flowzoo: %s\n", msg);
	fz_traffic_teardown(&the_app);
	fz_opts_free(&the_app.opts);
	return FZ_EXIT_USAGE;
}

static uint64_t wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/*
 * EAL leaves its runtime directory (/var/run/dpdk/PREFIX as root) behind,
 * and a prefix made per run (--pcap-eal's flowzoo<pid>, a test's own) would
 * leave one for every run: it goes too when it is empty, as it is with
 * --no-shconf. It is removed at exit, after the last file in it: DPDK's
 * telemetry removes its socket there in an atexit handler registered by
 * rte_eal_init, and ours, registered before it, runs after it.
 */
static char eal_runtime_dir[4096];

static void remove_eal_runtime_dir(void)
{
	if (eal_runtime_dir[0])
		rmdir(eal_runtime_dir); /* fails, harmlessly, while it holds files */
}

/* EAL's cleanup, when it was started; its directory goes at exit (above). */
static void eal_cleanup(const struct fz_appliance *app)
{
	if (app->no_eal)
		return;
	snprintf(eal_runtime_dir, sizeof(eal_runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
}

static int stats_lcore_main(void *arg)
{
	fz_stats_loop(arg);
	return 0;
}

/* --stats-lcore must be an lcore EAL runs. */
static int check_stats_lcore(const struct fz_appliance *app, char *err, size_t errlen)
{
	int64_t l = app->opts.stats_lcore;

	if (l < 0 || (unsigned)l == rte_get_main_lcore())
		return 0;
	if (l >= RTE_MAX_LCORE || !rte_lcore_is_enabled((unsigned)l)) {
		snprintf(err, errlen,
		         "--stats-lcore %lld: lcore %lld is not enabled (EAL runs %u lcores; give "
		         "one of those, or leave --stats-lcore out to use the main lcore)",
		         (long long)l, (long long)l, rte_lcore_count());
		return -1;
	}
	return 0;
}

static int encode_flow(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct fz_flow_item *f = it->body;

	/* arg: the stats lcore's encoder, or an export lane's own. */
	return fz_record_flow_json(arg, f->rec, f->zoo, buf, cap);
}

/* The record encoder, the pipeline with its consumers, timers, counters and exporters. */
static int open_pipeline(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_pipeline_conf pc = {
	    .flow_encode = encode_flow,
	    .app_names = app->app_names,
	    .n_apps = app->n_apps,
	};

	app->rctx.collector = app->collector;
	app->rctx.app_names = app->app_names;
	app->rctx.n_apps = app->n_apps;
	app->rctx.schema_version = FZ_SCHEMA_VERSION;
	if (app->networks) {
		app->rctx.net_names = fz_networks_names(app->networks);
		app->rctx.n_nets = fz_networks_count(app->networks);
	}
	app->enc = fz_record_enc_create(&app->rctx);
	pc.flow_encode_arg = app->enc;
	app->pipeline = app->enc ? fz_pipeline_create(&pc) : NULL;
	app->timers = fz_timers_create();
	app->counters = fz_counters_create();
	if (app->enc == NULL || app->pipeline == NULL || app->timers == NULL ||
	    app->counters == NULL) {
		snprintf(err, errlen, "pipeline: %s", strerror(ENOMEM));
		return -1;
	}
	/* Timers fire in the order they are added, also at the end of a run:
	 * counters published, the progress line's last state, the health
	 * checks' alerts, the last traffic bins, and the zoo's stats record last. */
	if (fz_applications_init(app, err, errlen) || fz_reports_init(app, err, errlen) ||
	    fz_traffic_setup(app, err, errlen) || fz_attacks_setup(app, err, errlen) ||
	    fz_zoo_consumer_init(app, err, errlen) || fz_exporters_open(app, err, errlen) ||
	    fz_export_lcores_open(app, err, errlen))
		return -1;
	/* The exporters' own counters (Kafka, IPFIX), for the summary's peers: /metrics. */
	for (unsigned i = 0; i < fz_pipeline_exporters(app->pipeline); i++) {
		const struct fz_counter_set *set = fz_pipeline_exporter_own_set(app->pipeline, i);

		if (set && fz_counters_register(app->counters, set)) {
			snprintf(err, errlen, "counters: cannot register the set of exporter %s",
			         fz_pipeline_exporter(app->pipeline, i)->name);
			return -1;
		}
	}
	return 0;
}

/* Write the summary file (--summary). 0, or -1 after saying why. */
static int write_summary(struct fz_appliance *app)
{
	json_t *s;
	int rc = 0;

	if (!app->opts.summary)
		return 0;
	s = fz_reports_summary(app, 0);
	if (s == NULL || json_dump_file(s, app->opts.summary, JSON_INDENT(2)) != 0) {
		FZ_LOG(ERR, "--summary %s: cannot write: %s\n", app->opts.summary, strerror(errno));
		rc = -1;
	}
	json_decref(s);
	return rc;
}

/* The last line of a run, and its exit status. */
static int finish(struct fz_appliance *app)
{
	struct fz_counter_snap *snap;
	uint64_t packets = 0, flows = 0, lost;
	unsigned s, d;
	int rc;

	int flush_ms = (int)(app->opts.kafka_flush_timeout * 1000);

	/* The final flush may lose records too (a full disk): say so with an
	 * alert, and deliver that. */
	fz_pipeline_flush(app->pipeline, flush_ms);
	if (fz_reports_health_check(app))
		fz_pipeline_flush(app->pipeline, flush_ms);
	if (app->no_eal)
		fz_captures_finish(app); /* --pcap-dir: what was delivered is journaled */
	fz_exporters_report(app);
	fz_reports_publish(app);
	lost = fz_reports_losses(app);
	snap = fz_counters_snapshot(app->counters);
	if (snap && fz_snap_find(snap, "worker", "packets", &s, &d) == 0)
		packets = fz_snap_total(snap, s, d, 0);
	if (snap && fz_snap_find(snap, "pipeline", "flows", &s, &d) == 0)
		flows = fz_snap_total(snap, s, d, 0);
	fz_counter_snap_free(snap);
	rc = write_summary(app);
	if (lost)
		FZ_LOG(
		    ERR,
		    "done: %llu packets, %llu flow records; %llu records or packets LOST (see the "
		    "summary's drops and exporters): exit status %d\n",
		    (unsigned long long)packets, (unsigned long long)flows,
		    (unsigned long long)lost, FZ_EXIT_LOST);
	else
		FZ_LOG(INFO, "done: %llu packets, %llu flow records\n", (unsigned long long)packets,
		       (unsigned long long)flows);
	if (rc)
		return FZ_EXIT_ERROR;
	return lost ? FZ_EXIT_LOST : FZ_EXIT_OK;
}

static void free_all(struct fz_appliance *app)
{
	fz_telemetry_stop();
	fz_control_stop(app);
	fz_http_stop(app);
	fz_pipeline_free(app->pipeline); /* closes the exporters */
	app->pipeline = NULL;
	fz_workers_free(app);
	fz_record_enc_free(app->enc);
	app->enc = NULL;
	fz_export_lcores_free(app);
	fz_l7_free(app->l7);
	app->l7 = NULL;
	fz_zoo_consumer_free(app);
	fz_attacks_teardown(app);
	fz_traffic_teardown(app);
	fz_applications_free(app);
	fz_health_free(app->health);
	app->health = NULL;
	fz_timers_free(app->timers);
	app->timers = NULL;
	fz_counters_free(app->counters);
	app->counters = NULL;
}

/* What start-up does beside EAL's initialisation, on a thread of its own. */
struct prestart {
	struct fz_appliance *app;
	struct fz_pcap_set *pcaps;
	int rc;
	char err[1024];
};

static void *prestart_run(void *arg)
{
	struct prestart *p = arg;

	/* Only the progress line needs the frame count: the workers see the
	 * end of a capture themselves. On a large capture the count costs a
	 * second read of the whole file. */
	if (p->pcaps->n && fz_reports_progress_on(p->app))
		fz_pcap_set_count(p->pcaps);
	p->rc = fz_l7_setup(p->app, p->err, sizeof(p->err));
	return NULL;
}

int main(int argc, char **argv)
{
	struct fz_appliance *app = &the_app;
	struct fz_pcap_set pcaps;
	struct fz_replay replay;
	char err[1024];
	char *eal_argv[FZ_EAL_MAX_ARGS];
	int eal_argc = 0, opt_first = 1, rc, user_eal = 0, pre_started = 0;
	struct prestart pre;
	pthread_t pre_thread;

	/* EAL options end at "--"; without it every argument is ours. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			user_eal = 1;
			opt_first = i + 1;
			break;
		}
	install_signals();
	fz_opts_init(&app->opts);
	if (fz_opts_parse(&app->opts, argc - opt_first, argv + opt_first, err, sizeof(err)) ||
	    fz_zoo_consumer_check(&app->opts, err, sizeof(err)) ||
	    fz_exporters_check(&app->opts, err, sizeof(err)))
		return die(err);
	if (fz_opts_wants_doc(&app->opts)) {
		fz_opts_print_doc(&app->opts, stdout);
		fz_opts_free(&app->opts);
		return 0;
	}
	if (fz_opts_check_outputs(&app->opts, err, sizeof(err)) ||
	    fz_networks_setup(app, err, sizeof(err)) ||
	    fz_replay_prepare(&replay, &app->opts, err, sizeof(err)))
		return die(err);
	if (!user_eal && app->opts.n_pcaps == 0 && !app->opts.pcap_dir && !app->opts.replay)
		return die("nothing to read: give EAL options and a port before '--', or --pcap "
		           "FILE (see --help)");
	memset(&pcaps, 0, sizeof(pcaps));
	app->no_eal = fz_captures_wanted(app, user_eal);
	if (app->opts.pcap_dir && user_eal)
		return die(
		    "--pcap-dir reads without EAL: give no EAL options (nothing before '--')");
	if (app->opts.n_pcaps && !app->no_eal &&
	    fz_pcap_set_open(&pcaps, app->opts.pcaps, app->opts.n_pcaps, err, sizeof(err)))
		return die(err);
	app->offline = app->opts.n_pcaps > 0 || app->opts.pcap_dir;
	/* net_pcap reading a file holds no mbufs in its RX ring: a worker holds
	 * one burst at a time. A small pool starts faster (its pages are
	 * touched when it is made). */
	if (app->offline && !user_eal && app->opts.mbufs == 0)
		app->opts.mbufs = 2047 + 256 * (uint64_t)pcaps.n;
	/* Offline a worker waits for room in its ring, so a small one loses
	 * nothing, and it is made (and zeroed again when freed) faster. */
	if (app->opts.ring_size == 0)
		app->opts.ring_size = app->offline && !user_eal ? 8192 : 65536;

	eal_argv[eal_argc++] = argv[0];
	if (user_eal)
		for (int i = 1; i < opt_first - 1 && eal_argc < FZ_EAL_MAX_ARGS - 32; i++)
			eal_argv[eal_argc++] = argv[i];
	if (app->offline)
		eal_argc = fz_pcap_set_eal_args(&pcaps, !user_eal, eal_argv, eal_argc);
	if (app->opts.replay)
		eal_argc = fz_replay_eal_args(&replay, !user_eal, eal_argv, eal_argc);

	if (fz_log_open(app->opts.log_file) < 0)
		return die("--log-file: cannot open the log file");
	/* Signatures compile, and captures are counted, while EAL starts (it
	 * sleeps 100 ms to measure the TSC and loads every PMD); a bad
	 * signature is still a start-up error with exit status 2. */
	pre.app = app;
	pre.pcaps = &pcaps;
	if (app->no_eal || pthread_create(&pre_thread, NULL, prestart_run, &pre) != 0)
		prestart_run(&pre);
	else
		pre_started = 1;
	if (!app->no_eal)
		atexit(remove_eal_runtime_dir);
	rc = app->no_eal ? 0 : rte_eal_init(eal_argc, eal_argv);
	if (pre_started)
		pthread_join(pre_thread, NULL);
	if (app->no_eal && pre.rc == 0 && fz_captures_open(app, pre.err, sizeof(pre.err)))
		pre.rc = -1;
	if (!app->no_eal)
		app->expect_packets = pcaps.total_packets;
	if (rc < 0) {
		snprintf(err, sizeof(err), "EAL initialisation failed: %s",
		         rte_strerror(rte_errno));
		fz_l7_free(app->l7);
		fz_pcap_set_close(&pcaps);
		fz_replay_close(&replay);
		return die(err);
	}
	if (pre.rc) {
		fz_l7_free(app->l7);
		fz_pcap_set_close(&pcaps);
		fz_replay_close(&replay);
		fz_captures_close(app);
		eal_cleanup(app);
		return die(pre.err);
	}
	app->tsc_hz = app->no_eal ? fz_workers_measure_tsc_hz() : rte_get_tsc_hz();
	app->start_tsc = rte_get_tsc_cycles();
	app->start_epoch_us = wall_us();
	if (app->opts.collector_id)
		snprintf(app->collector, sizeof(app->collector), "%s", app->opts.collector_id);
	else if (gethostname(app->collector, sizeof(app->collector) - 1))
		snprintf(app->collector, sizeof(app->collector), "flowzoo");

	if ((!app->no_eal && check_stats_lcore(app, err, sizeof(err))) ||
	    fz_export_lcores_setup(app, err, sizeof(err)) ||
	    fz_workers_setup(app, err, sizeof(err)))
		goto fail;
	if (app->no_eal)
		fz_captures_bind(app);
	else if (fz_ports_setup(app->wconf, app->n_workers, app->opts.mbufs, err, sizeof(err)) ||
	         (app->offline &&
	          fz_pcap_set_bind(&pcaps, app->wconf, app->n_workers, err, sizeof(err))))
		goto fail;
	if (app->opts.replay &&
	    fz_replay_bind(&replay, app->wconf, app->n_workers, err, sizeof(err)))
		goto fail;
	if (fz_workers_create(app, err, sizeof(err)) || open_pipeline(app, err, sizeof(err)) ||
	    (app->no_eal && fz_captures_start(app, err, sizeof(err))) ||
	    fz_http_start(app, err, sizeof(err)) || fz_control_start(app, err, sizeof(err)))
		goto fail;
	if (!app->no_eal)
		fz_telemetry_start(app);

	FZ_LOG(INFO, "collector %s: %u worker(s), %llu flows each (%zu bytes per flow)%s\n",
	       app->collector, app->n_workers, (unsigned long long)app->opts.flows_per_worker,
	       fz_worker_bytes_per_flow(app->workers[0]), app->offline ? ", offline" : "");
	/* The lanes first: a lane that cannot start leaves no worker running. */
	if (fz_export_lcores_launch(app, err, sizeof(err)) ||
	    fz_workers_launch(app, err, sizeof(err)))
		goto fail;
	if (app->opts.stats_lcore >= 0 && (unsigned)app->opts.stats_lcore != rte_get_main_lcore())
		rte_eal_remote_launch(stats_lcore_main, app, (unsigned)app->opts.stats_lcore);
	else
		fz_stats_loop(app);
	fz_workers_wait(app);
	fz_export_lcores_wait(app);

	fz_control_stop(app);
	if (app->no_eal)
		fz_captures_report(app);
	else if (app->offline)
		fz_pcap_set_report_truncated(&pcaps);
	rc = finish(app);
	free_all(app);
	if (!app->no_eal)
		fz_ports_close();
	fz_pcap_set_close(&pcaps);
	fz_replay_close(&replay);
	fz_captures_close(app);
	eal_cleanup(app);
	fz_log_close();
	fz_opts_free(&app->opts);
	return rc;
fail:
	FZ_LOG(ERR, "%s\n", err);
	if (app->opts.log_file)
		fprintf(stderr, "flowzoo: %s\n", err);
	free_all(app);
	fz_pcap_set_close(&pcaps);
	fz_replay_close(&replay);
	fz_captures_close(app);
	eal_cleanup(app);
	fz_opts_free(&app->opts);
	return FZ_EXIT_USAGE;
}
