/*
 * What the appliance tells about itself, all from one counter registry:
 * the status line and the offline progress line (log and terminal), the
 * health checks that raise alert records, the summary (--summary, zooctl
 * status), and the losses that decide the exit status.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "app.h"
#include "captures.h"
#include "log.h"
#include "ports.h"

static uint64_t wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static double elapsed_s(const struct fz_appliance *app)
{
	return (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)app->tsc_hz;
}

void fz_app_log_line(void *arg, const char *line)
{
	(void)arg;
	FZ_LOG(INFO, "%s\n", line);
}

static void log_warning(void *arg, const char *line)
{
	(void)arg;
	FZ_LOG(WARNING, "%s\n", line);
}

int fz_reports_progress_on(const struct fz_appliance *app)
{
	return app->opts.progress < 0 ? (app->offline && isatty(STDERR_FILENO))
	                              : app->opts.progress;
}

/* One counter's total in a snapshot (0 when it is not there). */
static uint64_t total_of(const struct fz_counter_snap *snap, const char *set, const char *name)
{
	unsigned s, d;

	return fz_snap_find(snap, set, name, &s, &d) == 0 ? fz_snap_total(snap, s, d, 0) : 0;
}

static void status_timer(void *arg, uint64_t now_us, int final)
{
	struct fz_appliance *app = arg;
	struct fz_counter_snap *snap = fz_counters_snapshot(app->counters);
	char text[1024];

	(void)now_us;
	(void) final;
	if (snap == NULL)
		return;
	fz_counters_status_text(snap, text, sizeof(text));
	FZ_LOG(INFO, "status: %.0f s %s %s\n", elapsed_s(app),
	       app->suspended ? "suspended" : "collecting", text);
	fz_counter_snap_free(snap);
}

static void progress_timer(void *arg, uint64_t now_us, int final)
{
	struct fz_appliance *app = arg;
	struct fz_counter_snap *snap = fz_counters_snapshot(app->counters);
	double elapsed = elapsed_s(app);
	uint64_t pk, flows;
	double pct;
	char files[128] = "", pcts[32] = "";

	(void)now_us;
	if (snap == NULL)
		return;
	pk = total_of(snap, "worker", "packets");
	flows = total_of(snap, "pipeline", "flows");
	pct = app->expect_packets ? 100.0 * (double)pk / (double)app->expect_packets : 0;
	/* A directory has no frame count ahead: files done and to do instead. */
	if (app->capture_dir)
		fz_capture_dir_progress(app, files, sizeof(files));
	else
		snprintf(pcts, sizeof(pcts), " (%.1f%%)", pct);
	fprintf(stderr, "\r%llu packets%s, %llu flows, %.2f Mpps%s%s", (unsigned long long)pk, pcts,
	        (unsigned long long)flows, elapsed > 0 ? (double)pk / elapsed / 1e6 : 0.0, files,
	        final ? "\n" : "   ");
	fflush(stderr);
	fz_counter_snap_free(snap);
}

static void emit_alert(void *arg, struct fz_item *it)
{
	fz_pipeline_emit(arg, it);
}

unsigned fz_reports_health_check(struct fz_appliance *app)
{
	struct fz_counter_snap *snap;
	unsigned raised;

	fz_pipeline_publish(app->pipeline); /* this thread's counters as they are now */
	snap = fz_counters_snapshot(app->counters);
	if (snap == NULL)
		return 0;
	raised = fz_health_check(app->health, snap, wall_ms(), emit_alert, app->pipeline,
	                         log_warning, NULL);
	if (raised) {
		fz_counter_snap_free(snap);
		fz_pipeline_publish(app->pipeline); /* with the alerts just sent */
		snap = fz_counters_snapshot(app->counters);
		if (snap)
			fz_health_rebase(app->health, snap, "exporter");
	}
	fz_counter_snap_free(snap);
	return raised;
}

static void health_timer(void *arg, uint64_t now_us, int final)
{
	(void)now_us;
	(void) final;
	fz_reports_health_check(arg);
}

static void publish_timer(void *arg, uint64_t now_us, int final)
{
	struct fz_appliance *app = arg;

	(void)now_us;
	(void) final;
	fz_pipeline_publish(app->pipeline);
}

int fz_reports_init(struct fz_appliance *app, char *err, size_t errlen)
{
	uint64_t status_us = (uint64_t)(app->opts.status_interval * 1e6);
	const struct fz_counter_set *sets[] = {
	    fz_workers_counter_set(app),
	    app->no_eal ? fz_captures_counter_set(app) : fz_ports_counter_set(),
	    fz_pipeline_counter_set(app->pipeline),
	    fz_pipeline_exporter_set(app->pipeline),
	    fz_applications_counter_set(app),
	};
	struct fz_timer_conf timers[] = {
	    {"publish", FZ_TIMER_WALL, 100000, 1, publish_timer, app},
	    {"progress", FZ_TIMER_WALL, fz_reports_progress_on(app) ? 250000 : 0,
	     fz_reports_progress_on(app), progress_timer, app},
	    {"status", FZ_TIMER_WALL, status_us, 0, status_timer, app},
	    {"health", FZ_TIMER_WALL, status_us, 1, health_timer, app},
	};

	app->health = fz_health_create(app->collector);
	if (app->health == NULL) {
		snprintf(err, errlen, "health checks: out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (sets[i] == NULL || fz_counters_register(app->counters, sets[i])) {
			snprintf(err, errlen, "counters: cannot register set %zu", i);
			return -1;
		}
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		if (fz_timers_add(app->timers, &timers[i])) {
			snprintf(err, errlen, "timer %s: cannot register", timers[i].name);
			return -1;
		}
	return 0;
}

void fz_reports_publish(struct fz_appliance *app)
{
	fz_pipeline_publish(app->pipeline);
}

json_t *fz_reports_summary_counters(struct fz_appliance *app, int brief)
{
	struct fz_counter_snap *snap = fz_counters_snapshot(app->counters);
	json_t *s = json_object();

	if (snap == NULL || s == NULL) {
		fz_counter_snap_free(snap);
		json_decref(s);
		return NULL;
	}
	json_object_set_new(s, "collector", json_string(app->collector));
	json_object_set_new(s, "version", json_string(FZ_VERSION));
	json_object_set_new(s, "tsc_hz", json_integer((json_int_t)app->tsc_hz));
	if (fz_counters_summary(snap, s, brief) < 0) {
		fz_counter_snap_free(snap);
		json_decref(s);
		return NULL;
	}
	fz_counter_snap_free(snap);
	return s;
}

json_t *fz_reports_summary(struct fz_appliance *app, int brief)
{
	json_t *s = fz_reports_summary_counters(app, brief);

	if (s == NULL || brief)
		return s;
	for (unsigned i = 0; i < fz_pipeline_exporters(app->pipeline); i++) {
		struct fz_exporter *e = fz_pipeline_exporter(app->pipeline, i);

		if (e->ops->status)
			json_object_set_new(s, e->name, e->ops->status(e));
	}
	return s;
}

json_t *fz_reports_status(struct fz_appliance *app)
{
	json_t *s = fz_reports_summary(app, 1);

	if (s == NULL)
		return NULL;
	json_object_set_new(s, "state", json_string(app->suspended ? "suspended" : "collecting"));
	json_object_set_new(s, "uptime_s", json_real(elapsed_s(app)));
	return s;
}

uint64_t fz_reports_losses(struct fz_appliance *app)
{
	struct fz_counter_snap *snap = fz_counters_snapshot(app->counters);
	uint64_t lost = 0;

	if (snap == NULL)
		return 0;
	/* Everything the summary counts as a drop, but what the operator asked
	 * for (suspended) and packets that are in no flow by nature (parse). */
	for (unsigned s = 0; s < fz_snap_sets(snap); s++) {
		const struct fz_counter_set *set = fz_snap_set(snap, s);

		for (unsigned d = 0; d < set->n_defs; d++)
			if (set->defs[d].watch && (set->defs[d].flags & FZ_CF_DROP) &&
			    strcmp(set->defs[d].watch->severity, "error") == 0)
				lost += fz_snap_total(snap, s, d, 0);
	}
	fz_counter_snap_free(snap);
	return lost + fz_pipeline_lost(app->pipeline);
}

uint64_t fz_reports_wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}
