/*
 * Flows, packets and bytes per L7 application, counted as flows finish: a
 * pipeline consumer whose counters (the "application" set, the summary's
 * "apps") the stats lcore publishes for other threads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

struct app_block {
	uint64_t flows, packets, bytes;
};

struct fz_applications {
	const struct fz_appliance *app;
	unsigned n;
	struct app_block *counts; /* n, written by the stats lcore */
	struct fz_counter_pub *pub;
	struct fz_counter_set set;
};

static const struct fz_counter_def app_defs[] = {
    FZ_COUNTER(struct app_block, flows, FZ_CT_COUNTER, FZ_CF_INSTANCE, "flows", "flows",
               "flows of the application"),
    FZ_COUNTER(struct app_block, packets, FZ_CT_COUNTER, FZ_CF_INSTANCE, "packets", "packets",
               "packets of the application's flows"),
    FZ_COUNTER(struct app_block, bytes, FZ_CT_COUNTER, FZ_CF_INSTANCE, "bytes", "bytes",
               "bytes of the application's flows"),
};

static void count(void *arg, const struct fz_flow_rec *r, struct fz_flow_item *item)
{
	struct fz_applications *a = arg;
	struct app_block *c = &a->counts[r->app < a->n ? r->app : 0];

	(void)item;
	c->flows++;
	c->packets += r->packets[0] + r->packets[1];
	c->bytes += r->bytes[0] + r->bytes[1];
}

static void publish(void *arg, uint64_t now_us, int final)
{
	struct fz_applications *a = arg;

	(void)now_us;
	(void) final;
	fz_counter_pub_write(a->pub, a->counts);
}

static unsigned instances(void *arg)
{
	return ((struct fz_applications *)arg)->n;
}

static void read_app(void *arg, unsigned i, uint64_t *out)
{
	fz_counter_pub_read_block(((struct fz_applications *)arg)->pub, i, out);
}

static void label_app(void *arg, unsigned i, char *buf, size_t cap)
{
	const struct fz_applications *a = arg;

	snprintf(buf, cap, "%s", a->app->app_names[i]);
}

int fz_applications_init(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_applications *a = calloc(1, sizeof(*a));
	struct fz_consumer c = {.name = "applications", .flow = count, .arg = a};
	struct fz_timer_conf t = {"applications publish", FZ_TIMER_WALL, 100000, 1, publish, a};

	if (a == NULL)
		goto nomem;
	app->apps = a;
	a->app = app;
	a->n = app->n_apps;
	a->counts = calloc(a->n ? a->n : 1, sizeof(*a->counts));
	a->pub = fz_counter_pub_create_blocks(sizeof(struct app_block), a->n);
	if (a->counts == NULL || a->pub == NULL)
		goto nomem;
	a->set = (struct fz_counter_set){
	    .name = "application",
	    .summary = "apps",
	    .shape = FZ_SET_KEYED,
	    .defs = app_defs,
	    .n_defs = sizeof(app_defs) / sizeof(app_defs[0]),
	    .block = sizeof(struct app_block),
	    .instances = instances,
	    .read = read_app,
	    .label = label_app,
	    .arg = a,
	};
	if (fz_pipeline_add_consumer(app->pipeline, &c) || fz_timers_add(app->timers, &t)) {
		snprintf(err, errlen, "applications: cannot register");
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "applications: %s", strerror(ENOMEM));
	return -1;
}

const struct fz_counter_set *fz_applications_counter_set(struct fz_appliance *app)
{
	return &app->apps->set;
}

void fz_applications_free(struct fz_appliance *app)
{
	if (app->apps == NULL)
		return;
	free(app->apps->counts);
	fz_counter_pub_free(app->apps->pub);
	free(app->apps);
	app->apps = NULL;
}
