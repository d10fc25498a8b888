/*
 * Networks and traffic bins (docs/traffic.md) wired to the options: the
 * networks file is read before the workers start (they look up each new
 * flow's ends), and the traffic bins are a pipeline consumer that takes
 * every element of the rings and writes "type":"traffic" items.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "fz_networks.h"
#include "fz_traffic.h"
#include "log.h"

int fz_networks_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	char msg[1024];

	if (!app->opts.networks)
		return 0;
	app->networks = fz_networks_load(app->opts.networks, msg, sizeof(msg));
	if (app->networks == NULL) {
		snprintf(err, errlen, "--networks %s", msg);
		return -1;
	}
	FZ_LOG(INFO, "networks: %u from %s; traffic bins of %llu s\n",
	       fz_networks_count(app->networks), app->opts.networks,
	       (unsigned long long)app->opts.traffic_interval);
	return 0;
}

static void emit(void *arg, struct fz_item *it)
{
	fz_pipeline_emit(arg, it);
}

static void take(void *arg, const struct fz_flow_rec *rec)
{
	fz_traffic_record(arg, rec);
}

static void take_flow(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	(void)item;
	fz_traffic_record(arg, rec);
}

static void publish(void *arg, uint64_t now_us, int final)
{
	(void)now_us;
	if (final)
		fz_traffic_finish(arg);
	fz_traffic_publish(arg);
}

int fz_traffic_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_traffic_conf tc = {
	    .collector = app->collector,
	    .app_names = app->app_names,
	    .n_apps = app->n_apps,
	    .bin_us = app->opts.traffic_interval * 1000000u,
	    .top_n = (unsigned)app->opts.top_n,
	    .top_capacity = (unsigned)app->opts.top_capacity,
	    .n_workers = app->n_workers,
	    .emit = emit,
	    .emit_arg = app->pipeline,
	};
	struct fz_consumer c = {.name = "traffic", .flow = take_flow, .report = take};
	struct fz_timer_conf t = {"traffic publish", FZ_TIMER_WALL, 100000, 1, publish, NULL};

	if (app->networks == NULL)
		return 0;
	tc.net_names = fz_networks_names(app->networks);
	tc.n_nets = fz_networks_count(app->networks);
	if (fz_alerts_setup(app, &tc, err, errlen))
		return -1;
	app->traffic = fz_traffic_create(&tc);
	if (app->traffic == NULL) {
		snprintf(err, errlen, "traffic bins: %s", strerror(errno));
		return -1;
	}
	c.arg = t.arg = app->traffic;
	if (fz_pipeline_add_consumer(app->pipeline, &c) || fz_timers_add(app->timers, &t) ||
	    fz_counters_register(app->counters, fz_traffic_counter_set(app->traffic))) {
		snprintf(err, errlen, "traffic bins: cannot register");
		return -1;
	}
	return fz_alerts_register(app, err, errlen);
}

void fz_traffic_teardown(struct fz_appliance *app)
{
	fz_traffic_free(app->traffic);
	app->traffic = NULL;
	fz_alerts_teardown(app);
	fz_networks_free(app->networks);
	app->networks = NULL;
}
