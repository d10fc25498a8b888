/*
 * zooagg --http: the fleet's JSON API and page (docs/fleet.md, "HTTP API")
 * on lib/http, in a thread of its own with a database connection of its
 * own (read-only queries; SQLite's WAL and PostgreSQL let them run beside
 * the consumer's writes). Every query argument is checked: a bad one is a
 * 400 with a message, never a 5xx.
 *
 * The page is the appliance's dashboard (share/dashboard/, docs/dashboard.md),
 * its files read once at start like the appliance does: it asks /api/status
 * what serves it and, for zooagg ("program":"zooagg"), loads fleet.js and
 * reads the /api/fleet/ endpoints.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_db.h"
#include "fz_http.h"
#include "fz_metrics.h"
#include "zooagg.h"

/* The page's files: share/dashboard/ and Debian's Chart.js (libjs-chart.js). */
enum page_file { P_INDEX, P_JS, P_FLEET_JS, P_CSS, P_CHART, P__COUNT };

static const struct fz_http_file files[P__COUNT] = {
    [P_INDEX] = {"/", "index.html", "text/html; charset=utf-8"},
    [P_JS] = {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
    [P_FLEET_JS] = {"/fleet.js", "fleet.js", "text/javascript; charset=utf-8"},
    [P_CSS] = {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
    [P_CHART] = {"/chart.min.js", NULL, "text/javascript; charset=utf-8"},
};

struct zooagg_http {
	struct zooagg *z;
	struct fz_db *db;
	struct fz_http_server *server;
	struct fz_http_page page;
	pthread_t thread;
	volatile int stop;
};

static const char *const paths[] = {"/",
                                    "/dashboard.js",
                                    "/fleet.js",
                                    "/dashboard.css",
                                    "/chart.min.js",
                                    "/api/status",
                                    "/api/fleet/networks",
                                    "/api/fleet/latest",
                                    "/api/fleet/bins",
                                    "/api/fleet/top",
                                    "/api/fleet/daily",
                                    "/api/fleet/daily_hosts",
                                    "/api/fleet/zoo",
                                    "/api/fleet/alerts",
                                    "/metrics",
                                    NULL};

static int reply(struct fz_http_reply *r, unsigned status, json_t *o)
{
	r->status = status;
	r->type = "application/json";
	r->body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	r->len = r->body ? strlen(r->body) : 0;
	return r->body ? 0 : -1;
}

/* A 400 with {"error": message}; bytes of the request that are not printable ASCII are shown
 * as '?' so that the message is JSON (jansson refuses text that is not UTF-8). */
static int bad(struct fz_http_reply *r, const char *fmt, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), fmt, what);
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return reply(r, 400, json_pack("{ss}", "error", msg));
}

/* A name argument: 1 to 64 characters of UTF-8 (as every name the records carry, so that the
 * answer can echo it), or absent (NULL) when optional. */
static int name_arg(const struct fz_http_req *q, const char *key, int required, const char **out)
{
	const char *v = fz_http_arg(q, key);
	json_t *utf8;

	*out = v;
	if (!v)
		return required ? -1 : 0;
	if (!v[0] || strlen(v) > 64 || !(utf8 = json_string(v)))
		return -1;
	json_decref(utf8);
	return 0;
}

static int num_arg(const struct fz_http_req *q, const char *key, unsigned long long lo,
                   unsigned long long hi, unsigned long long *out)
{
	const char *v = fz_http_arg(q, key);
	char *end;

	if (!v)
		return 0;
	if (v[0] < '0' || v[0] > '9' || strlen(v) > 19)
		return -1;
	*out = strtoull(v, &end, 10);
	return *end || *out < lo || *out > hi ? -1 : 0;
}

static int answer(struct zooagg_http *h, const struct fz_http_req *q, struct fz_http_reply *r);

static void read_pub(void *arg, unsigned i, uint64_t *out)
{
	(void)i;
	fz_counter_pub_read(arg, out);
}

/* Prometheus text of zooagg's counters (lib/metrics), from the consumer's published copy. */
static int metrics(struct zooagg_http *h, struct fz_http_reply *r)
{
	struct fz_metrics_info info = {FZ_VERSION, NULL, h->z->collector,
	                               (double)(time(NULL) - h->z->started)};
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_snap *snap = NULL;
	struct fz_counter_set set;

	fz_fleet_counter_set(&set, NULL);
	set.read = read_pub;
	set.arg = h->z->counters_pub;
	if (reg && fz_counters_register(reg, &set) == 0)
		snap = fz_counters_snapshot(reg);
	r->body = snap ? fz_metrics_text(snap, &info, &r->len) : NULL;
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
	return r->body ? 0 : -1;
}

/* What serves the page: {"program":"zooagg","collector","version","db","uptime_s","counters"}. */
static int status(struct zooagg_http *h, const struct fz_http_req *q, struct fz_http_reply *r)
{
	struct fz_fleet_counters v;
	struct fz_counter_set set;
	json_t *c;

	if (q->n_args)
		return bad(r, "unknown query argument '%.64s' (/api/status takes none)",
		           q->args[0].key ? q->args[0].key : "");
	c = json_object();
	fz_counter_pub_read(h->z->counters_pub, &v);
	fz_fleet_counter_set(&set, &v);
	for (unsigned i = 0; c && i < set.n_defs; i++) {
		uint64_t x;

		memcpy(&x, (const char *)&v + set.defs[i].offset, sizeof(x));
		json_object_set_new(c, set.defs[i].name, json_integer((json_int_t)x));
	}
	return reply(r, 200,
	             json_pack("{sssssssssIso}", "program", "zooagg", "collector", h->z->collector,
	                       "version", FZ_VERSION, "db", fz_db_kind(h->db), "uptime_s",
	                       (json_int_t)(time(NULL) - h->z->started), "counters", c));
}

/* A failing query is logged with the database's message (and answered 500 by lib/http). */
static int handle(void *arg, const struct fz_http_req *q, struct fz_http_reply *r)
{
	struct zooagg_http *h = arg;
	int rc = answer(h, q, r);

	if (rc)
		zooagg_log(h->z, 1, "http: %s: %s", q->path, fz_db_error(h->db));
	return rc;
}

static int answer(struct zooagg_http *h, const struct fz_http_req *q, struct fz_http_reply *r)
{
	const char *net = NULL, *coll = NULL;
	unsigned long long bins = 12, at = 9000000000000000000ull, limit = 50;
	json_t *o;
	int served = fz_http_page_reply(&h->page, q->path, r);

	if (served)
		return served < 0 ? -1 : 0;
	if (strcmp(q->path, "/api/status") == 0)
		return status(h, q, r);
	if (strcmp(q->path, "/metrics") == 0)
		return metrics(h, r);
	if (strcmp(q->path, "/api/fleet/networks") == 0)
		return reply(r, 200, json_pack("{so}", "networks", fz_db_fleet_networks(h->db)));
	if (strcmp(q->path, "/api/fleet/zoo") == 0)
		return reply(r, 200, json_pack("{so}", "zoo", fz_db_fleet_zoo(h->db)));
	if (strcmp(q->path, "/api/fleet/alerts") == 0) {
		if (num_arg(q, "limit", 1, 1000, &limit))
			return bad(r, "%s must be an integer from 1 to 1000", "limit");
		return reply(r, 200, json_pack("{so}", "alerts", fz_db_fleet_alerts(h->db, limit)));
	}
	if (name_arg(q, "collector", 0, &coll))
		return bad(r, "%s must be a collector id (1 to 64 characters of UTF-8)",
		           "collector");
	if (strcmp(q->path, "/api/fleet/latest") == 0) {
		o = fz_db_fleet_latest(h->db, coll);
		return o ? reply(r, 200,
		                 json_pack("{ssso}", "collector", coll ? coll : "fleet", "bins", o))
		         : -1;
	}
	if (name_arg(q, "network", 1, &net))
		return bad(r, "%s is required: a network's name (1 to 64 characters of UTF-8)",
		           "network");
	if (strcmp(q->path, "/api/fleet/daily_hosts") == 0) {
		if (num_arg(q, "limit", 1, 1000, &limit))
			return bad(r, "%s must be an integer from 1 to 1000", "limit");
		o = fz_db_fleet_daily_hosts(h->db, net, coll, (unsigned)limit);
		return o ? reply(r, 200,
		                 json_pack("{ssssso}", "network", net, "collector",
		                           coll ? coll : "fleet", "days", o))
		         : -1;
	}
	if (strcmp(q->path, "/api/fleet/daily") == 0) {
		o = fz_db_fleet_daily(h->db, net, coll);
		return o ? reply(r, 200,
		                 json_pack("{ssssso}", "network", net, "collector",
		                           coll ? coll : "fleet", "days", o))
		         : -1;
	}
	if (num_arg(q, "bins", 1, 10000, &bins))
		return bad(r, "%s must be an integer from 1 to 10000", "bins");
	if (num_arg(q, "bin_start_ms", 0, 9000000000000000000ull, &at))
		return bad(r, "%s must be a time in ms since the epoch", "bin_start_ms");
	if (strcmp(q->path, "/api/fleet/top") == 0) {
		if (!fz_http_arg(q, "bin_start_ms"))
			return bad(r, "%s is required", "bin_start_ms");
		o = fz_db_fleet_bins(h->db, net, coll, 1, at);
		if (!o)
			return -1;
		if (json_array_size(o) == 0 ||
		    json_integer_value(json_object_get(json_array_get(o, 0), "bin_start_ms")) !=
		        (json_int_t)at) {
			json_decref(o);
			return reply(r, 404, json_pack("{ss}", "error", "no such bin"));
		}
		{
			json_t *bin = json_pack("{sssIsO}", "network", net, "bin_start_ms",
			                        (json_int_t)at, "bin", json_array_get(o, 0));

			json_decref(o);
			return reply(r, 200, bin);
		}
	}
	o = fz_db_fleet_bins(h->db, net, coll, (unsigned)bins, at);
	if (!o)
		return -1;
	return reply(
	    r, 200,
	    json_pack("{ssssso}", "network", net, "collector", coll ? coll : "fleet", "bins", o));
}

static void *run(void *arg)
{
	struct zooagg_http *h = arg;

	while (!h->stop && !zooagg_stopping)
		if (fz_http_poll(h->server, 100) < 0)
			break;
	return NULL;
}

/* The page's files, from the source tree or else the installed copy; 0, or -1 with the
 * path that could not be read in err. */
static int load_page(struct zooagg_http *h, char *err, size_t cap)
{
	char index[512], path[512];
	const char *dir = ZOOAGG_SOURCE_DASHBOARD;
	FILE *f;

	snprintf(index, sizeof(index), "%s/index.html", dir);
	f = fopen(index, "rb");
	if (f)
		fclose(f);
	else
		dir = ZOOAGG_INSTALLED_DASHBOARD;
	if (fz_http_page_load(&h->page, files, P__COUNT, dir, ZOOAGG_CHARTJS, path, sizeof(path))) {
		snprintf(err, cap, "cannot read the page's %s%s", path,
		         strcmp(path, ZOOAGG_CHARTJS) ? "" : " (install libjs-chart.js)");
		return -1;
	}
	return 0;
}

struct zooagg_http *zooagg_http_start(struct zooagg *z)
{
	struct zooagg_http *h = calloc(1, sizeof(*h));
	struct fz_http_conf conf = {.paths = paths, .handler = handle};
	char err[600];

	if (!h)
		return NULL;
	h->z = z;
	conf.arg = h;
	if (fz_http_addr_parse(z->opts.http, &conf.addr, err, sizeof(err))) {
		fprintf(stderr, "zooagg: --http %s: %s\n", z->opts.http, err);
		free(h);
		return NULL;
	}
	if (load_page(h, err, sizeof(err)) || !(h->db = fz_db_open(z->opts.db, err, sizeof(err)))) {
		fprintf(stderr, "zooagg: --http: %s\n", err);
		goto fail;
	}
	h->server = fz_http_create(&conf, err, sizeof(err));
	if (!h->server) {
		fprintf(stderr, "zooagg: --http %s: %s\n", z->opts.http, err);
		goto fail;
	}
	if (pthread_create(&h->thread, NULL, run, h)) {
		fz_http_free(h->server);
		goto fail;
	}
	zooagg_log(z, 0, "http: listening on %s", fz_http_bound(h->server));
	return h;
fail:
	fz_db_close(h->db);
	fz_http_page_free(&h->page);
	free(h);
	return NULL;
}

void zooagg_http_stop(struct zooagg_http *h)
{
	if (!h)
		return;
	h->stop = 1;
	pthread_join(h->thread, NULL);
	fz_http_free(h->server);
	fz_db_close(h->db);
	fz_http_page_free(&h->page);
	free(h);
}
