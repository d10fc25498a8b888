/*
 * flowzoo: DPDK workers account packets in per-core flow tables, the stats
 * lcore turns finished flows into records for the sinks.
 *
 *   flowzoo [EAL options] -- [options]
 *   flowzoo --pcap FILE [--pcap FILE...] [options]     (offline shortcut)
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
#include "ctl_glue.h"
#include "fz_l7.h"
#include "log.h"
#include "pcapfiles.h"
#include "ports.h"

static struct fz_app the_app;

static void on_signal(int sig)
{
	(void)sig;
	the_app.stop = 1;
}

/* A start-up error: say what is wrong, free what the options hold, exit 2. */
static int die(const char *msg)
{
	fprintf(stderr, "flowzoo: %s\n", msg);
	fz_opts_free(&the_app.opts);
	return 2;
}

static uint64_t wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static int stats_lcore_main(void *arg)
{
	fz_stats_loop(arg);
	return 0;
}

/* Give the workers every lcore but the main one and the stats lcore. */
static int setup_workers(struct fz_app *app, char *err, size_t errlen)
{
	unsigned lcore;
	uint64_t hz = rte_get_tsc_hz();

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct fz_worker_conf *c;

		if (app->opts.stats_lcore >= 0 && lcore == (unsigned)app->opts.stats_lcore)
			continue;
		c = &app->wconf[app->n_workers];
		c->id = (uint16_t)app->n_workers;
		c->lcore = lcore;
		app->n_workers++;
	}
	if (app->n_workers == 0) {
		snprintf(err, errlen,
		         "no worker lcore: give EAL at least two lcores (e.g. -l 0,1), one for "
		         "the main/stats loop and one per worker");
		return -1;
	}
	for (unsigned i = 0; i < app->n_workers; i++) {
		struct fz_worker_conf *c = &app->wconf[i];

		c->offline = app->offline;
		c->flows = (uint32_t)app->opts.flows_per_worker;
		c->idle_us = (uint64_t)(app->opts.idle_timeout * 1e6);
		c->active_us = (uint64_t)(app->opts.active_timeout * 1e6);
		c->linger_us = (uint64_t)(app->opts.tcp_linger * 1e6);
		c->clock = (enum fz_clock_mode)app->opts.clock;
		c->epoch_us_at_start = app->start_epoch_us;
		c->tsc_at_start = app->start_tsc;
		c->tsc_hz = hz;
		c->l7 = app->l7;
		c->stop = &app->stop;
		c->suspended = &app->suspended;
	}
	return 0;
}

static int create_rings_and_workers(struct fz_app *app, char *err, size_t errlen)
{
	for (unsigned i = 0; i < app->n_workers; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fz_recs_%u", i);
		app->rings[i] = rte_ring_create_elem(
		    name, sizeof(struct fz_flow_rec), (unsigned)app->opts.ring_size,
		    (int)rte_lcore_to_socket_id(app->wconf[i].lcore),
		    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (app->rings[i] == NULL) {
			snprintf(err, errlen, "ring %s: %s", name, rte_strerror(rte_errno));
			return -1;
		}
		app->wconf[i].ring = app->rings[i];
		app->workers[i] = fz_worker_create(&app->wconf[i]);
		if (app->workers[i] == NULL) {
			snprintf(err, errlen, "worker %u (%llu flows): %s", i,
			         (unsigned long long)app->opts.flows_per_worker, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int open_sinks(struct fz_app *app, char *err, size_t errlen)
{
	if (app->opts.jsonl) {
		struct fz_sink *s = fz_sink_jsonl_open(app->opts.jsonl);

		if (s == NULL) {
			snprintf(err, errlen, "--jsonl %s: %s", app->opts.jsonl, strerror(errno));
			return -1;
		}
		app->sinks[app->n_sinks++] = s;
	}
	return fz_sinks_kafka_open(app, err, errlen);
}

static void close_sinks(struct fz_app *app)
{
	for (unsigned s = 0; s < app->n_sinks; s++) {
		if (app->sinks[s]->ops->flush)
			app->sinks[s]->ops->flush(app->sinks[s],
			                          (int)(app->opts.kafka_flush_timeout * 1000));
	}
	fz_sinks_kafka_report(app);
}

static int write_summary(struct fz_app *app)
{
	json_t *s = fz_app_summary(app);
	int rc = 0;

	if (app->opts.summary && json_dump_file(s, app->opts.summary, JSON_INDENT(2)) != 0) {
		FZ_LOG(ERR, "--summary %s: cannot write\n", app->opts.summary);
		rc = -1;
	}
	json_decref(s);
	return rc;
}

static void log_summary_line(struct fz_app *app)
{
	FZ_LOG(INFO, "done: %llu packets, %llu flow records\n",
	       (unsigned long long)fz_app_sum(app, offsetof(struct fz_worker_counters, packets)),
	       (unsigned long long)app->records);
}

static void free_all(struct fz_app *app)
{
	for (unsigned s = 0; s < app->n_sinks; s++)
		app->sinks[s]->ops->close(app->sinks[s]);
	app->n_sinks = 0;
	for (unsigned i = 0; i < app->n_workers; i++) {
		fz_worker_free(app->workers[i]);
		if (app->rings[i])
			rte_ring_free(app->rings[i]);
	}
	fz_record_enc_free(app->enc);
	fz_l7_free(app->l7);
	app->l7 = NULL;
	fz_stats_zoo_free(app);
	fz_ctl_glue_stop(app);
}

/* What start-up does beside EAL's initialisation, on a thread of its own. */
struct prestart {
	struct fz_app *app;
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
	if (p->pcaps->n && fz_stats_progress_on(p->app))
		fz_pcap_set_count(p->pcaps);
	p->rc = fz_l7_setup(p->app, p->err, sizeof(p->err));
	return NULL;
}

int main(int argc, char **argv)
{
	struct fz_app *app = &the_app;
	struct fz_pcap_set pcaps;
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
	fz_opts_init(&app->opts);
	if (fz_opts_parse(&app->opts, argc - opt_first, argv + opt_first, err, sizeof(err)) ||
	    fz_stats_zoo_check(&app->opts, err, sizeof(err)) ||
	    fz_sinks_kafka_check(&app->opts, err, sizeof(err)))
		return die(err);
	if (app->opts.help || app->opts.version) {
		if (app->opts.help)
			fz_opts_usage(stdout);
		else
			printf("flowzoo %s\n", FZ_VERSION);
		fz_opts_free(&app->opts);
		return 0;
	}
	if (!user_eal && app->opts.n_pcaps == 0)
		return die("nothing to read: give EAL options and a port before '--', or --pcap "
		           "FILE (see --help)");
	memset(&pcaps, 0, sizeof(pcaps));
	if (app->opts.n_pcaps &&
	    fz_pcap_set_open(&pcaps, app->opts.pcaps, app->opts.n_pcaps, err, sizeof(err)))
		return die(err);
	app->offline = app->opts.n_pcaps > 0;
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

	if (fz_log_open(app->opts.log_file) < 0)
		return die("--log-file: cannot open the log file");
	/* Signatures compile, and captures are counted, while EAL starts (it
	 * sleeps 100 ms to measure the TSC and loads every PMD); a bad
	 * signature is still a start-up error with exit status 2. */
	pre.app = app;
	pre.pcaps = &pcaps;
	if (pthread_create(&pre_thread, NULL, prestart_run, &pre) != 0)
		prestart_run(&pre);
	else
		pre_started = 1;
	rc = rte_eal_init(eal_argc, eal_argv);
	if (pre_started)
		pthread_join(pre_thread, NULL);
	app->expect_packets = pcaps.total_packets;
	if (rc < 0) {
		snprintf(err, sizeof(err), "EAL initialisation failed: %s",
		         rte_strerror(rte_errno));
		fz_l7_free(app->l7);
		return die(err);
	}
	if (pre.rc) {
		rte_eal_cleanup();
		return die(pre.err);
	}
	app->start_tsc = rte_get_tsc_cycles();
	app->start_epoch_us = wall_us();
	if (app->opts.collector_id)
		snprintf(app->collector, sizeof(app->collector), "%s", app->opts.collector_id);
	else if (gethostname(app->collector, sizeof(app->collector) - 1))
		snprintf(app->collector, sizeof(app->collector), "flowzoo");

	if (setup_workers(app, err, sizeof(err)) ||
	    fz_ports_setup(app->wconf, app->n_workers, app->opts.mbufs, err, sizeof(err)))
		goto fail;
	if (app->offline && fz_pcap_set_bind(&pcaps, app->wconf, app->n_workers, err, sizeof(err)))
		goto fail;
	if (create_rings_and_workers(app, err, sizeof(err)))
		goto fail;
	app->rctx.collector = app->collector;
	app->rctx.app_names = app->app_names;
	app->rctx.n_apps = app->n_apps;
	app->enc = fz_record_enc_create(&app->rctx);
	if (app->enc == NULL) {
		snprintf(err, sizeof(err), "record encoder: %s", strerror(errno));
		goto fail;
	}
	if (fz_stats_zoo_init(app, err, sizeof(err)) || open_sinks(app, err, sizeof(err)) ||
	    fz_ctl_glue_start(app, err, sizeof(err)))
		goto fail;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	FZ_LOG(INFO, "collector %s: %u worker(s), %llu flows each (%zu bytes per flow)%s\n",
	       app->collector, app->n_workers, (unsigned long long)app->opts.flows_per_worker,
	       fz_worker_bytes_per_flow(app->workers[0]), app->offline ? ", offline" : "");
	for (unsigned i = 0; i < app->n_workers; i++)
		rte_eal_remote_launch(fz_worker_run, app->workers[i], app->wconf[i].lcore);
	if (app->opts.stats_lcore >= 0 && (unsigned)app->opts.stats_lcore != rte_get_main_lcore())
		rte_eal_remote_launch(stats_lcore_main, app, (unsigned)app->opts.stats_lcore);
	else
		fz_stats_loop(app);
	rte_eal_mp_wait_lcore();

	fz_ctl_glue_stop(app);
	close_sinks(app);
	log_summary_line(app);
	rc = write_summary(app);
	free_all(app);
	fz_ports_close();
	fz_pcap_set_close(&pcaps);
	rte_eal_cleanup();
	fz_log_close();
	fz_opts_free(&app->opts);
	return rc ? 1 : 0;
fail:
	FZ_LOG(ERR, "%s\n", err);
	if (app->opts.log_file)
		fprintf(stderr, "flowzoo: %s\n", err);
	free_all(app);
	fz_pcap_set_close(&pcaps);
	rte_eal_cleanup();
	fz_opts_free(&app->opts);
	return 2;
}
