/*
 * The HTTP server (--http) on a DPDK control thread of its own: never on a
 * worker or the stats lcore, and with the control threads' CPU set. Every
 * answer is made from counter snapshots, which any thread may take without
 * stopping the writers:
 *
 *   /metrics      Prometheus text (lib/metrics) of a snapshot
 *   /health       200 {"status":"ok"} while every worker runs and no loss
 *                 counter grew since the snapshot this thread took one to
 *                 two intervals ago; 503 with the reasons otherwise
 *   /api/summary  the --summary object, live
 *   /api/status   what zooctl status answers
 *
 * The summary's exporter objects ("jsonl", "kafka") are read by the
 * exporters' status() functions, which walk state only the stats lcore may
 * touch (librdkafka handles, spool files). So they are not called here: a
 * timer on the stats lcore encodes them once a second into a published
 * block (struct fz_counter_pub, a sequence lock: the stats lcore never
 * waits), and /api/summary adds that copy to the counters' snapshot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "app.h"
#include "dashboard.h"
#include "fz_http.h"
#include "fz_metrics.h"
#include "log.h"

#define EXPORTERS_JSON_MAX (64u << 10) /* bytes of the published exporter status */

struct fz_http {
	struct fz_appliance *app;
	struct fz_http_server *server;
	pthread_t thread;
	volatile int stop;
	struct fz_http_acl acl;
	struct fz_http_users users;
	char *cert, *key;
	uint64_t interval_ms;
	/* Health: snapshots this thread took at the last two interval ticks. */
	struct fz_counter_snap *prev, *cur;
	uint64_t cur_ms;
	/* The exporters' status, encoded on the stats lcore. */
	char *exporters_json; /* the stats lcore's buffer */
	struct fz_counter_pub *exporters_pub;
	struct fz_counter_set set;
	struct fz_dashboard *dashboard; /* NULL with --http-dashboard off */
	const char *paths[24];          /* what the server serves */
};

static const char *const own_paths[] = {"/metrics", "/health", "/api/summary", "/api/status", NULL};

static const struct fz_counter_def http_defs[] = {
    FZ_COUNTER(struct fz_http_counters, connections, FZ_CT_COUNTER, FZ_CF_INSTANCE, "connections",
               NULL, "HTTP connections accepted"),
    FZ_COUNTER(struct fz_http_counters, acl_refused, FZ_CT_COUNTER, FZ_CF_INSTANCE, "acl_refused",
               NULL, "HTTP connections refused by --http-acl"),
    FZ_COUNTER(struct fz_http_counters, requests, FZ_CT_COUNTER, FZ_CF_INSTANCE, "requests", NULL,
               "HTTP requests answered"),
    FZ_COUNTER(struct fz_http_counters, auth_failed, FZ_CT_COUNTER, FZ_CF_INSTANCE, "auth_failed",
               NULL, "HTTP requests without valid credentials (401)"),
    FZ_COUNTER(struct fz_http_counters, bad_method, FZ_CT_COUNTER, FZ_CF_INSTANCE, "bad_method",
               NULL, "HTTP requests other than GET and HEAD (405)"),
    FZ_COUNTER(struct fz_http_counters, not_found, FZ_CT_COUNTER, FZ_CF_INSTANCE, "not_found", NULL,
               "HTTP requests of an unknown path (404)"),
    FZ_COUNTER(struct fz_http_counters, handler_error, FZ_CT_COUNTER, FZ_CF_INSTANCE,
               "handler_error", NULL, "HTTP requests that failed inside flowzoo (500)"),
};

static double uptime_s(const struct fz_appliance *app)
{
	return (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)app->tsc_hz;
}

/* A JSON body into r; 0, or -1 (a 500) when it cannot be encoded. */
int fz_http_json_reply(struct fz_http_reply *r, unsigned status, json_t *o)
{
	r->status = status;
	r->type = "application/json";
	r->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (r->body == NULL)
		return -1;
	r->len = strlen(r->body);
	return 0;
}

static int metrics(struct fz_http *h, struct fz_http_reply *r)
{
	struct fz_counter_snap *snap = fz_counters_snapshot(h->app->counters);
	struct fz_metrics_info info = {FZ_VERSION, rte_version(), h->app->collector,
	                               uptime_s(h->app)};

	if (snap == NULL)
		return -1;
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
	r->body = fz_metrics_text(snap, &info, &r->len);
	fz_counter_snap_free(snap);
	return r->body ? 0 : -1;
}

/* Keep the snapshots of the last two interval ticks (this thread's loop calls it). */
static void health_tick(struct fz_http *h)
{
	uint64_t now = fz_reports_wall_ms();
	struct fz_counter_snap *snap;

	if (h->cur && now - h->cur_ms < h->interval_ms)
		return;
	snap = fz_counters_snapshot(h->app->counters);
	if (snap == NULL)
		return;
	fz_counter_snap_free(h->prev);
	h->prev = h->cur;
	h->cur = snap;
	h->cur_ms = now;
}

static int health(struct fz_http *h, struct fz_http_reply *r)
{
	struct fz_counter_snap *now = fz_counters_snapshot(h->app->counters);
	json_t *reasons = json_array(), *o;
	unsigned running = fz_workers_running(h->app);
	int lost;

	if (now == NULL || reasons == NULL) {
		fz_counter_snap_free(now);
		json_decref(reasons);
		return -1;
	}
	if (running < h->app->n_workers)
		json_array_append_new(
		    reasons, json_pack("{s:s, s:i, s:i}", "reason", "workers_not_running",
		                       "running", (int)running, "workers", (int)h->app->n_workers));
	lost = fz_metrics_losses(h->prev ? h->prev : h->cur, now, reasons);
	fz_counter_snap_free(now);
	if (lost < 0) {
		json_decref(reasons);
		return -1;
	}
	if (json_array_size(reasons) == 0) {
		json_decref(reasons);
		return fz_http_json_reply(r, 200, json_pack("{s:s}", "status", "ok"));
	}
	o = json_pack("{s:s, s:o, s:f}", "status", "fail", "reasons", reasons, "interval_s",
	              (double)h->interval_ms / 1000.0);
	return fz_http_json_reply(r, 503, o);
}

/* The counters' summary and the exporters' status the stats lcore last published. */
static int summary(struct fz_http *h, struct fz_http_reply *r)
{
	json_t *s = fz_reports_summary_counters(h->app, 0), *e = NULL;
	char *text = malloc(EXPORTERS_JSON_MAX);

	if (s && text) {
		fz_counter_pub_read(h->exporters_pub, text);
		text[EXPORTERS_JSON_MAX - 1] = '\0';
		e = json_loads(text, 0, NULL);
		if (e)
			json_object_update(s, e);
	}
	json_decref(e);
	free(text);
	return fz_http_json_reply(r, 200, s);
}

static int handle(void *arg, const struct fz_http_req *req, struct fz_http_reply *r)
{
	struct fz_http *h = arg;
	const char *path = req->path;

	if (strcmp(path, "/metrics") == 0)
		return metrics(h, r);
	if (strcmp(path, "/health") == 0)
		return health(h, r);
	if (strcmp(path, "/api/summary") == 0)
		return summary(h, r);
	if (strcmp(path, "/api/status") != 0)
		return fz_dashboard_handle(h->dashboard, req, r);
	return fz_http_json_reply(r, 200, fz_reports_status(h->app));
}

/* Stats lcore: the exporters' status objects into the published block. */
static void publish_exporters(void *arg, uint64_t now_us, int final)
{
	struct fz_http *h = arg;
	struct fz_pipeline *p = h->app->pipeline;
	json_t *o = json_object();
	size_t n = 0;

	(void)now_us;
	(void) final;
	fz_pipeline_sync(p); /* the exporters' state is the lanes' while they hold batches */
	for (unsigned i = 0; o && i < fz_pipeline_exporters(p); i++) {
		struct fz_exporter *e = fz_pipeline_exporter(p, i);

		if (e->ops->status)
			json_object_set_new(o, e->name, e->ops->status(e));
	}
	if (o)
		n = json_dumpb(o, h->exporters_json, EXPORTERS_JSON_MAX - 1, JSON_COMPACT);
	json_decref(o);
	if (n == 0 || n >= EXPORTERS_JSON_MAX)
		n = (size_t)snprintf(h->exporters_json, EXPORTERS_JSON_MAX, "{}");
	h->exporters_json[n] = '\0';
	fz_counter_pub_write(h->exporters_pub, h->exporters_json);
}

static void *run(void *arg)
{
	struct fz_http *h = arg;

	while (!h->stop) {
		if (fz_http_poll(h->server, 50) < 0)
			break;
		health_tick(h);
	}
	return NULL;
}

static void read_counters(void *arg, unsigned i, uint64_t *out)
{
	(void)i;
	fz_counters_load_words(fz_http_counters(((struct fz_http *)arg)->server), out,
	                       sizeof(struct fz_http_counters));
}

/* Read a PEM file whole (the options checked that it can be read). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0;

	if (f && getdelim(&buf, &n, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

/* The server's configuration from the options; 0, or -1 with a message. */
static int configure(struct fz_http *h, struct fz_http_conf *conf, char *err, size_t errlen)
{
	const struct fz_opts *o = &h->app->opts;
	char msg[512];
	unsigned n;

	memset(conf, 0, sizeof(*conf));
	if (fz_http_addr_parse(o->http, &conf->addr, msg, sizeof(msg))) {
		snprintf(err, errlen, "--http: %s", msg);
		return -1;
	}
	for (unsigned i = 0; i < o->n_http_acl; i++)
		if (fz_http_acl_parse(&h->acl, o->http_acl[i], msg, sizeof(msg))) {
			snprintf(err, errlen, "--http-acl: %s", msg);
			return -1;
		}
	if (o->http_auth && fz_http_users_load(&h->users, o->http_auth, msg, sizeof(msg))) {
		snprintf(err, errlen, "--http-auth %s", msg);
		return -1;
	}
	if (o->http_tls_cert) {
		h->cert = read_file(o->http_tls_cert);
		h->key = read_file(o->http_tls_key);
		if (h->cert == NULL || h->key == NULL) {
			snprintf(err, errlen, "--http-tls-cert/--http-tls-key: cannot read: %s",
			         strerror(errno));
			return -1;
		}
	}
	conf->acl = &h->acl;
	conf->users = o->http_auth ? &h->users : NULL;
	conf->tls_cert_pem = h->cert;
	conf->tls_key_pem = h->key;
	n = 0;
	for (unsigned i = 0; own_paths[i]; i++)
		h->paths[n++] = own_paths[i];
	for (unsigned i = 0; h->dashboard && fz_dashboard_paths[i]; i++)
		h->paths[n++] = fz_dashboard_paths[i];
	h->paths[n] = NULL;
	conf->paths = h->paths;
	conf->handler = handle;
	conf->arg = h;
	return 0;
}

static void free_http(struct fz_http *h)
{
	fz_http_free(h->server);
	fz_dashboard_free(h->dashboard);
	fz_counter_snap_free(h->prev);
	fz_counter_snap_free(h->cur);
	fz_counter_pub_free(h->exporters_pub);
	free(h->exporters_json);
	free(h->cert);
	free(h->key);
	memset(&h->users, 0, sizeof(h->users));
	free(h);
}

int fz_http_start(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_timer_conf t = {"http exporters", FZ_TIMER_WALL, 1000000, 1, NULL, NULL};
	struct fz_http_conf conf;
	struct fz_http *h;
	char msg[512];

	if (app->opts.http == NULL)
		return 0;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		goto nomem;
	h->app = app;
	h->interval_ms =
	    app->opts.status_interval > 0 ? (uint64_t)(app->opts.status_interval * 1000) : 5000;
	h->exporters_json = calloc(1, EXPORTERS_JSON_MAX);
	h->exporters_pub = fz_counter_pub_create(EXPORTERS_JSON_MAX);
	if (h->exporters_json == NULL || h->exporters_pub == NULL)
		goto nomem;
	if (fz_dashboard_create(app, &h->dashboard, err, errlen) ||
	    configure(h, &conf, err, errlen))
		goto fail;
	h->server = fz_http_create(&conf, msg, sizeof(msg));
	if (h->server == NULL) {
		snprintf(err, errlen, "--http %s: %s", app->opts.http, msg);
		goto fail;
	}
	h->set = (struct fz_counter_set){
	    .name = "http",
	    .summary = "http",
	    .shape = FZ_SET_SINGLE,
	    .defs = http_defs,
	    .n_defs = sizeof(http_defs) / sizeof(http_defs[0]),
	    .block = sizeof(struct fz_http_counters),
	    .instances = fz_counter_one_instance,
	    .read = read_counters,
	    .arg = h,
	};
	t.fire = publish_exporters;
	t.arg = h;
	publish_exporters(h, 0, 0);
	h->cur = fz_counters_snapshot(app->counters); /* the health baseline: the start */
	h->cur_ms = fz_reports_wall_ms();
	if (fz_counters_register(app->counters, &h->set) || fz_timers_add(app->timers, &t)) {
		snprintf(err, errlen, "--http: cannot register its counters and timer");
		goto fail;
	}
	if (fz_app_thread_create(app, &h->thread, "fz-http", run, h) != 0) {
		snprintf(err, errlen, "--http: cannot start its thread");
		goto fail;
	}
	app->http = h;
	FZ_LOG(INFO, "http: serving %s://%s/metrics, /health, /api/summary, /api/status%s%s%s\n",
	       h->cert ? "https" : "http", fz_http_bound(h->server),
	       h->dashboard ? ", the dashboard at /" : "", app->opts.n_http_acl ? " (ACL)" : "",
	       app->opts.http_auth ? " (basic auth)" : "");
	return 0;
nomem:
	snprintf(err, errlen, "--http: %s", strerror(ENOMEM));
fail:
	if (h)
		free_http(h);
	return -1;
}

void fz_http_stop(struct fz_appliance *app)
{
	struct fz_http *h = app->http;

	if (h == NULL)
		return;
	h->stop = 1;
	pthread_join(h->thread, NULL);
	app->http = NULL;
	free_http(h);
}
