/*
 * The dashboard on the HTTP thread (docs/dashboard.md): the page's files and
 * the /api endpoints it reads.
 *
 * The files (share/dashboard/ and Debian's Chart.js) are read once at start,
 * into memory: a request never opens a file, a path never names one (no
 * traversal to guard against), and a missing file is a start-up error that
 * names --http-dashboard. They stay files rather than being compiled in so
 * that Chart.js comes from libjs-chart.js as Debian patches it, and the page
 * can be read and changed without a rebuild.
 *
 * The endpoints read the history's published copies (dashboard_history.c)
 * and the immutable list of networks; their arguments are checked strictly:
 * an unknown or repeated argument, a missing or bad value is a 400 with a
 * JSON message, an unknown network a 404.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "fz_networks.h"
#include "fz_traffic.h"

enum file_id { F_INDEX, F_JS, F_CSS, F_CHART, F__COUNT };

static const struct fz_http_file files[F__COUNT] = {
    [F_INDEX] = {"/", "index.html", "text/html; charset=utf-8"},
    [F_JS] = {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
    [F_CSS] = {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
    [F_CHART] = {"/chart.min.js", NULL, "text/javascript; charset=utf-8"},
};

const char *const fz_dashboard_paths[] = {
    "/",        "/dashboard.js", "/dashboard.css", "/chart.min.js", "/api/networks", "/api/traffic",
    "/api/top", "/api/zoo",      "/api/alerts",    "/api/events",   "/api/days",     NULL,
};

struct fz_dashboard {
	struct fz_appliance *app;
	struct fz_dash_history *history;
	struct fz_dash_events *events;
	struct fz_dash_tops *tops;
	struct fz_dash_stream *stream;
	struct fz_http_page page;
};

int fz_dashboard_create(struct fz_appliance *app, struct fz_dashboard **out, char *err,
                        size_t errlen)
{
	struct fz_dashboard *d;
	const char *dir = fz_app_shipped_file(FZ_INSTALLED_DASHBOARD, FZ_SOURCE_DASHBOARD);
	char path[PATH_MAX];
	int rc;

	*out = NULL;
	if (app->opts.http_dashboard_off)
		return 0;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "--http-dashboard: %s", strerror(ENOMEM));
		return -1;
	}
	d->app = app;
	rc = fz_http_page_load(&d->page, files, F__COUNT, dir, FZ_CHARTJS, path, sizeof(path));
	if (rc) {
		snprintf(err, errlen, "--http-dashboard: cannot read %s: %s%s", path, strerror(-rc),
		         strcmp(path, FZ_CHARTJS)
		             ? ""
		             : " (install libjs-chart.js, or --http-dashboard off)");
		fz_dashboard_free(d);
		return -1;
	}
	d->events = fz_dash_events_create(app);
	d->tops = fz_dash_tops_create(app, app->networks ? fz_networks_count(app->networks) : 0);
	d->history = d->events && d->tops ? fz_dash_history_create(app, d->events, d->tops) : NULL;
	d->stream = d->history ? fz_dash_stream_create(app, d->history, d->events) : NULL;
	if (d->stream == NULL) {
		snprintf(err, errlen, "--http-dashboard: %s", strerror(errno));
		fz_dashboard_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void fz_dashboard_free(struct fz_dashboard *d)
{
	if (d == NULL)
		return;
	fz_http_page_free(&d->page);
	fz_dash_stream_free(d->stream);
	fz_dash_history_free(d->history);
	fz_dash_events_free(d->events);
	fz_dash_tops_free(d->tops);
	free(d);
}

/* A 4xx with {"error": message}; bytes of the request that are not printable ASCII
 * (not UTF-8, or control characters) are shown as '?' so that the message is JSON. */
int fz_dashboard_refuse(struct fz_http_reply *r, unsigned status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return fz_http_json_reply(r, status, json_pack("{s:s}", "error", msg));
}

/* Every argument is one of allowed (NULL-terminated), at most once. 0, or -1 with the
 * 400 in r (ok is then the handler's result). */
static int check_args(const struct fz_http_req *req, const char *const *allowed,
                      struct fz_http_reply *r, int *ok)
{
	if (req->too_many_args) {
		*ok = fz_dashboard_refuse(r, 400, "too many query arguments");
		return -1;
	}
	for (unsigned i = 0; i < req->n_args; i++) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, req->args[i].key) != 0)
			a++;
		if (*a == NULL) {
			*ok = fz_dashboard_refuse(r, 400, "unknown query argument '%.64s'",
			                          req->args[i].key);
			return -1;
		}
		for (unsigned j = 0; j < i; j++)
			if (strcmp(req->args[j].key, req->args[i].key) == 0) {
				*ok = fz_dashboard_refuse(r, 400,
				                          "query argument '%.64s' given twice", *a);
				return -1;
			}
	}
	return 0;
}

/* ?network=NAME: its index, or -1 with the 400/404 in r. */
static int network_arg(struct fz_dashboard *d, const struct fz_http_req *req,
                       struct fz_http_reply *r, int *ok)
{
	const char *name = fz_http_arg(req, "network");
	const char *const *names;
	unsigned n;

	if (name == NULL || name[0] == '\0') {
		*ok = fz_dashboard_refuse(r, 400,
		                          "give ?network=NAME (the names are in /api/networks)");
		return -1;
	}
	if (d->app->networks == NULL) {
		*ok = fz_dashboard_refuse(r, 404, "no --networks: there are no traffic bins");
		return -1;
	}
	names = fz_networks_names(d->app->networks);
	n = fz_networks_count(d->app->networks);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			if (i < fz_dash_history_networks(d->history))
				return (int)i;
			*ok = fz_dashboard_refuse(
			    r, 404, "network '%.64s' has no history: only the first %u are kept",
			    name, FZ_DASH_NETWORKS);
			return -1;
		}
	*ok = fz_dashboard_refuse(r, 404, "unknown network '%.64s'", name);
	return -1;
}

static const char *const no_args[] = {NULL};

static int api_networks(struct fz_dashboard *d, const struct fz_http_req *req,
                        struct fz_http_reply *r)
{
	json_t *a;
	unsigned n = d->app->networks ? fz_networks_count(d->app->networks) : 0;
	unsigned kept = fz_dash_history_networks(d->history);
	int ok;

	if (check_args(req, no_args, r, &ok))
		return ok;
	a = json_array();
	for (unsigned i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:b}", "name",
		                                   fz_networks_names(d->app->networks)[i],
		                                   "history", i < kept));
	return fz_http_json_reply(
	    r, 200,
	    json_pack("{s:o, s:I, s:I, s:i, s:f}", "networks", a ? a : json_array(),
	              "traffic_interval_s", (json_int_t)d->app->opts.traffic_interval, "top_n",
	              (json_int_t)d->app->opts.top_n, "history_bins", FZ_DASH_BINS,
	              "stats_interval_s", d->app->opts.stats_interval));
}

/* ?name=N, 1 to max (max when absent): 0, or -1 with the 400 in r. */
static int count_arg(const struct fz_http_req *req, const char *name, unsigned max, unsigned *out,
                     struct fz_http_reply *r, int *ok)
{
	const char *bins = fz_http_arg(req, name);
	unsigned long v;
	char *end;

	*out = max;
	if (bins == NULL)
		return 0;
	errno = 0;
	v = strtoul(bins, &end, 10);
	if (bins[0] < '0' || bins[0] > '9' || *end || errno || v < 1 || v > max) {
		*ok = fz_dashboard_refuse(r, 400, "%s: '%.32s' is not a number from 1 to %u", name,
		                          bins, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int api_traffic(struct fz_dashboard *d, const struct fz_http_req *req,
                       struct fz_http_reply *r)
{
	static const char *const args[] = {"network", "bins", NULL};
	unsigned max;
	json_t *o;
	int net, ok;

	if (check_args(req, args, r, &ok) || (net = network_arg(d, req, r, &ok)) < 0 ||
	    count_arg(req, "bins", FZ_DASH_BINS, &max, r, &ok))
		return ok;
	o = fz_dash_history_traffic(d->history, (unsigned)net, max);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "network", json_string(fz_http_arg(req, "network")));
	json_object_set_new(o, "traffic_interval_s",
	                    json_integer((json_int_t)d->app->opts.traffic_interval));
	return fz_http_json_reply(r, 200, o);
}

static int api_days(struct fz_dashboard *d, const struct fz_http_req *req, struct fz_http_reply *r)
{
	static const char *const args[] = {"network", "days", NULL};
	unsigned max;
	json_t *o;
	int net, ok;

	if (check_args(req, args, r, &ok) || (net = network_arg(d, req, r, &ok)) < 0 ||
	    count_arg(req, "days", FZ_DASH_DAYS, &max, r, &ok))
		return ok;
	o = fz_dash_history_days(d->history, (unsigned)net, max);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "network", json_string(fz_http_arg(req, "network")));
	json_object_set_new(o, "days_kept", json_integer(FZ_DASH_DAYS));
	return fz_http_json_reply(r, 200, o);
}

/* Keep only the entries of a record's top lists that f passes (each with its rank). */
static void filter_lists(json_t *top, const struct fz_dash_top_filter *f)
{
	const char *name;
	json_t *list;

	json_object_foreach(top, name, list)
	{
		int port = strcmp(name, "dst_port") == 0;
		json_t *keep = json_array(), *e;
		size_t i;

		json_array_foreach(list, i, e)
		{
			uint8_t key[16];

			if ((port ? f->has_port : f->has_host) &&
			    fz_traffic_top_key_parse(json_object_get(e, "key"), port, key) == 0 &&
			    memcmp(key, f->key, 16) == 0) {
				json_object_set_new(e, "rank", json_integer((json_int_t)i + 1));
				json_array_append(keep, e);
			}
		}
		json_object_set_new(top, name, keep ? keep : json_array());
	}
}

/* A record's bin and top lists: {"bin_start_ms","bin_end_ms","partial","top","top_exact",
 * "top_error_bytes"}, or null. */
static json_t *top_of(json_t *record, const struct fz_dash_top_filter *f)
{
	static const char *const keep[] = {"bin_start_ms", "bin_end_ms",      "partial", "top",
	                                   "top_exact",    "top_error_bytes", NULL};
	json_t *o;

	if (!json_is_object(record))
		return json_null();
	o = json_object();
	for (const char *const *k = keep; o && *k; k++)
		json_object_set(o, *k, json_object_get(record, *k));
	if (f->has_host || f->has_port)
		filter_lists(json_object_get(o, "top"), f);
	return o ? o : json_null();
}

/*
 * /api/top: the latest closed bin's top lists at the top level (as before), the open bin's
 * in "open", and with bins, host or port the kept bins' lists in "bins"; host or port keep
 * only that address's or port's entries everywhere.
 */
static int api_top(struct fz_dashboard *d, const struct fz_http_req *req, struct fz_http_reply *r)
{
	static const char *const args[] = {"network", "bins", "host", "port", NULL};
	const char *host = fz_http_arg(req, "host"), *port = fz_http_arg(req, "port");
	struct fz_dash_top_filter f;
	json_t *o, *t, *open, *latest, *bins = NULL;
	unsigned max;
	int net, ok;

	if (check_args(req, args, r, &ok) || (net = network_arg(d, req, r, &ok)) < 0 ||
	    count_arg(req, "bins", FZ_DASH_TOP_BINS, &max, r, &ok))
		return ok;
	if (host && port)
		return fz_dashboard_refuse(r, 400, "give host or port, not both");
	if (fz_dash_tops_key(host, port, &f))
		return fz_dashboard_refuse(
		    r, 400, "%s: '%.64s' is not %s", host ? "host" : "port", host ? host : port,
		    host ? "an IPv4 or IPv6 address" : "a port from 0 to 65535");
	t = fz_dash_history_traffic(d->history, (unsigned)net, 0);
	open = fz_dash_tops_open(d->tops, (unsigned)net);
	if (t == NULL || open == NULL) {
		json_decref(t);
		json_decref(open);
		return -1;
	}
	latest = top_of(json_object_get(t, "latest"), &f);
	o = json_pack("{s:s, s:I, s:O, s:o}", "network", fz_http_arg(req, "network"),
	              "traffic_interval_s", (json_int_t)d->app->opts.traffic_interval, "records",
	              json_object_get(t, "records"), "open", top_of(open, &f));
	json_decref(t);
	json_decref(open);
	if (o == NULL) {
		json_decref(latest);
		return -1;
	}
	if (json_is_object(latest))
		json_object_update(o, latest);
	else
		json_object_set_new(o, "top", json_null());
	json_decref(latest);
	if (fz_http_arg(req, "bins") || host || port) {
		bins = fz_dash_tops_read(d->tops, (unsigned)net, max, &f);
		if (bins == NULL) {
			json_decref(o);
			return -1;
		}
		json_object_set_new(o, "bins", bins);
		if (host)
			json_object_set_new(o, "host", json_string(host));
		if (port)
			json_object_set_new(o, "port", json_integer(atoi(port)));
	}
	return fz_http_json_reply(r, 200, o);
}

static int api_plain(struct fz_dashboard *d, const struct fz_http_req *req, struct fz_http_reply *r,
                     int zoo)
{
	json_t *o;
	int ok;

	if (check_args(req, no_args, r, &ok))
		return ok;
	if (zoo) {
		json_t *s = fz_dash_history_zoo(d->history);

		o = s ? json_pack("{s:o, s:f}", "stats", s, "stats_interval_s",
		                  d->app->opts.stats_interval)
		      : NULL;
	} else {
		o = fz_dash_history_alerts(d->history);
	}
	return o ? fz_http_json_reply(r, 200, o) : -1;
}

int fz_dashboard_handle(struct fz_dashboard *d, const struct fz_http_req *req,
                        struct fz_http_reply *r)
{
	const char *p = req->path;
	int served = fz_http_page_reply(&d->page, p, r);

	if (served)
		return served < 0 ? -1 : 0;
	if (strcmp(p, "/api/days") == 0)
		return api_days(d, req, r);
	if (strcmp(p, "/api/events") == 0)
		return fz_dash_stream_open(d->stream, req, r);
	if (strcmp(p, "/api/networks") == 0)
		return api_networks(d, req, r);
	if (strcmp(p, "/api/traffic") == 0 || strcmp(p, "/api/top") == 0)
		return strcmp(p, "/api/top") == 0 ? api_top(d, req, r) : api_traffic(d, req, r);
	return api_plain(d, req, r, strcmp(p, "/api/zoo") == 0);
}
