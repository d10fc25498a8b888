/*
 * The stats lcore's loop: the only consumer of the workers' rings. Every
 * finished flow goes into the pipeline (consumers, then exporters); between
 * batches the exporters do their background work and the timers fire.
 */
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "app.h"
#include "log.h"

#define DEQ_BURST 64

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Take what the rings hold; returns how many records. The records are read
 * where the worker wrote them, and given back once the pipeline is done with
 * them (it keeps no pointer to a record after the call). */
static unsigned drain(struct fz_appliance *app)
{
	unsigned total = 0;

	for (unsigned w = 0; w < app->n_workers; w++) {
		struct fz_ring_view v;
		unsigned n = fz_ring_peek(app->rings[w], DEQ_BURST, &v);

		if (n == 0)
			continue;
		fz_pipeline_flows(app->pipeline, v.part[0], v.n[0]);
		if (v.n[1])
			fz_pipeline_flows(app->pipeline, v.part[1], v.n[1]);
		fz_ring_release(app->rings[w], n);
		total += n;
	}
	return total;
}

/* --duration: stop the workers (they flush their tables, the loop drains them). */
static void duration_timer(void *arg, uint64_t now_us, int final)
{
	struct fz_appliance *app = arg;

	(void)now_us;
	if (!final)
		app->stop = 1;
}

void fz_stats_loop(struct fz_appliance *app)
{
	struct fz_timer_conf duration = {
	    "duration", FZ_TIMER_WALL,  (uint64_t)(app->opts.duration * 1e6),
	    0,          duration_timer, app};

	/* Time counts from here: port setup (net_pcap may load a whole capture) is not run time. */
	app->start_tsc = rte_get_tsc_cycles();
	if (app->opts.duration > 0)
		fz_timers_add(app->timers, &duration);
	for (;;) {
		int done =
		    fz_workers_all_done(app); /* read before draining: nothing is left behind */
		unsigned n = drain(app);

		fz_pipeline_poll(app->pipeline);
		if (done && n == 0)
			break;
		if (app->reopen) {
			app->reopen = 0;
			fz_log_reopen();
			if (fz_pipeline_reopen(app->pipeline) == 0)
				FZ_LOG(NOTICE, "SIGHUP: log and output files reopened\n");
		}
		fz_timers_run(app->timers, mono_us(), fz_pipeline_packet_us(app->pipeline));
		/* Rings not full: hand what was taken to the export lanes now, so that a
		 * trickle of records is not held back by a batch that fills slowly. */
		if (n < DEQ_BURST)
			fz_pipeline_cut(app->pipeline);
		if (n == 0)
			usleep(100);
	}
	fz_timers_final(app->timers, mono_us(), fz_pipeline_packet_us(app->pipeline));
	/* Everything the lanes hold is written; the final flush is the main thread's. */
	fz_pipeline_lanes_stop(app->pipeline);
}
