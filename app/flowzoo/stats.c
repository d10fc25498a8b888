/*
 * The stats loop: the only consumer of the workers' rings. It takes every
 * finished flow, counts it per application, encodes it once and hands it to
 * each sink; between batches it writes status lines and the progress line.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "app.h"
#include "ctl_glue.h"
#include "log.h"
#include "ports.h"

#define DEQ_BURST 64
#define JSON_CAP  4096

uint64_t fz_app_sum(const struct fz_app *app, size_t offset)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < app->n_workers; i++)
		sum +=
		    *(const uint64_t *)((const char *)fz_worker_counters(app->workers[i]) + offset);
	return sum;
}

uint64_t fz_app_parse_sum(const struct fz_app *app, int status)
{
	return fz_app_sum(app, offsetof(struct fz_worker_counters, parse) +
	                           (size_t)status * sizeof(uint64_t));
}

#define SUM(field) fz_app_sum(app, offsetof(struct fz_worker_counters, field))

static void handle_record(struct fz_app *app, const struct fz_flow_rec *r)
{
	static char json[JSON_CAP];
	struct fz_app_counts *c = &app->apps[r->app < app->n_apps ? r->app : 0];
	struct fz_sink_msg m;
	struct fz_zoo_result zoo;
	struct fz_flow_key key = r->key;
	int len;

	c->flows++;
	c->packets += r->packets[0] + r->packets[1];
	c->bytes += r->bytes[0] + r->bytes[1];
	app->records++;
	fz_stats_zoo_classify(app, r, &zoo);
	len = fz_record_flow_json(app->enc, r, &zoo, json, sizeof(json));
	if (len < 0) {
		app->encode_errors++;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.topic = FZ_TOPIC_FLOWS;
	m.app = app->app_names[r->app < app->n_apps ? r->app : 0];
	/* The canonical key (ends in a fixed order, whoever spoke first): every
	 * record of one flow key gets the same message key, so one partition. */
	fz_flow_key_canonicalize(&key);
	m.key = &key;
	m.key_len = sizeof(key);
	m.json = json;
	m.len = (size_t)len;
	for (unsigned s = 0; s < app->n_sinks; s++)
		fz_sink_write(app->sinks[s], &m);
}

/* Take what the rings hold; returns how many records. */
static unsigned drain(struct fz_app *app)
{
	struct fz_flow_rec recs[DEQ_BURST];
	unsigned total = 0;

	for (unsigned w = 0; w < app->n_workers; w++) {
		unsigned n = rte_ring_dequeue_burst_elem(app->rings[w], recs, sizeof(recs[0]),
		                                         DEQ_BURST, NULL);

		for (unsigned i = 0; i < n; i++)
			handle_record(app, &recs[i]);
		total += n;
	}
	return total;
}

static void status_line(struct fz_app *app, double elapsed)
{
	uint64_t drops = SUM(ring_full) + SUM(suspended);

	for (int r = 1; r < FZ_PARSE__COUNT; r++)
		drops += fz_app_parse_sum(app, r);
	FZ_LOG(INFO,
	       "status: %.0f s %s packets %llu bytes %llu flows_active %llu records %llu "
	       "not_counted %llu ring_full %llu imissed %llu rx_nombuf %llu\n",
	       elapsed, app->suspended ? "suspended" : "collecting",
	       (unsigned long long)SUM(packets), (unsigned long long)SUM(bytes),
	       (unsigned long long)SUM(flows_active), (unsigned long long)app->records,
	       (unsigned long long)drops, (unsigned long long)SUM(ring_full),
	       (unsigned long long)fz_ports_sum("imissed"),
	       (unsigned long long)fz_ports_sum("rx_nombuf"));
}

int fz_stats_progress_on(const struct fz_app *app)
{
	return app->opts.progress < 0 ? (app->offline && isatty(STDERR_FILENO))
	                              : app->opts.progress;
}

static void progress_line(struct fz_app *app, double elapsed, int final)
{
	uint64_t pk = SUM(packets);
	double pct = app->expect_packets ? 100.0 * (double)pk / (double)app->expect_packets : 0;

	fprintf(stderr, "\r%llu packets (%.1f%%), %llu flows, %.2f Mpps%s", (unsigned long long)pk,
	        pct, (unsigned long long)app->records,
	        elapsed > 0 ? (double)pk / elapsed / 1e6 : 0.0, final ? "\n" : "   ");
	fflush(stderr);
}

static int all_done(const struct fz_app *app)
{
	for (unsigned i = 0; i < app->n_workers; i++)
		if (!fz_worker_done(app->workers[i]))
			return 0;
	return 1;
}

void fz_stats_loop(struct fz_app *app)
{
	/* Time counts from here: port setup (net_pcap may load a whole capture) is not run time. */
	uint64_t start = app->start_tsc = rte_get_tsc_cycles();
	uint64_t hz = rte_get_tsc_hz();
	uint64_t next_status = start + (uint64_t)(app->opts.status_interval * (double)hz);
	uint64_t next_progress = start + hz / 4;
	uint64_t end = app->opts.duration > 0
	                   ? app->start_tsc + (uint64_t)(app->opts.duration * (double)hz)
	                   : UINT64_MAX;
	int progress = fz_stats_progress_on(app);

	for (;;) {
		int done = all_done(app); /* read before draining: then nothing is left behind */
		unsigned n = drain(app);
		uint64_t now = rte_get_tsc_cycles();
		double elapsed = (double)(now - app->start_tsc) / (double)hz;

		for (unsigned s = 0; s < app->n_sinks; s++)
			if (app->sinks[s]->ops->poll)
				app->sinks[s]->ops->poll(app->sinks[s]);
		fz_ctl_glue_poll(app);
		if (done && n == 0)
			break;
		fz_stats_zoo_tick(app, now, 0);
		if (now >= end)
			app->stop = 1;
		if (app->opts.status_interval > 0 && now >= next_status) {
			status_line(app, elapsed);
			fz_alerts_check(app);
			next_status = now + (uint64_t)(app->opts.status_interval * (double)hz);
		}
		if (progress && now >= next_progress) {
			progress_line(app, elapsed, 0);
			next_progress = now + hz / 4;
		}
		if (n == 0)
			usleep(100);
	}
	if (progress)
		progress_line(app, (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)hz, 1);
	fz_alerts_check(app);
	fz_stats_zoo_tick(app, rte_get_tsc_cycles(), 1); /* the last record of the run */
}
