/*
 * Baseline alerts (lib/baseline, docs/alerts.md) wired to the traffic bins:
 * each complete bin's per-network figures (the alert copy, without the
 * networks file's ignored pairs) go to the baselines, and each start,
 * update and end becomes a "type":"alert" item on the "alerts" stream,
 * keyed by the network's name, with a log line per start and end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "fz_baseline.h"
#include "fz_networks.h"
#include "fz_traffic.h"
#include "log.h"

/* Entries of each top list in an alert record, at most. */
#define ALERT_TOP 3

struct fz_alerts {
	struct fz_appliance *app;
	struct fz_baseline *bl;
	const char *const *names;
	unsigned top_n;
};

/* What the encoder of one alert item reads. */
struct alert_body {
	const struct fz_alerts *a;
	const struct fz_baseline_event *ev;
};

static json_t *top_list(const struct fz_traffic_top *t, unsigned n)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	json_t *list = json_array();
	char buf[INET6_ADDRSTRLEN];

	for (unsigned i = 0; list && i < n; i++) {
		if (memcmp(t[i].addr, mapped, sizeof(mapped)) == 0)
			inet_ntop(AF_INET, t[i].addr + 12, buf, sizeof(buf));
		else
			inet_ntop(AF_INET6, t[i].addr, buf, sizeof(buf));
		json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:I}", "key", buf, "packets",
		                                      (json_int_t)t[i].packets, "bytes",
		                                      (json_int_t)t[i].bytes, "flows",
		                                      (json_int_t)t[i].flows));
	}
	return list;
}

static void describe(const struct fz_alerts *a, const struct fz_baseline_event *ev, char *buf,
                     size_t cap)
{
	const char *how = ev->state == FZ_BL_END              ? "is back under its baseline"
	                  : (double)ev->value > ev->threshold ? "is above its baseline"
	                                                      : "is under its baseline, the alert "
	                                                        "lasts until enough bins are";

	snprintf(buf, cap, "%s %s of network %s %s", fz_baseline_metric(ev->series),
	         fz_baseline_direction(ev->series), a->names[ev->net], how);
}

static int encode(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct alert_body *b = it->body;
	const struct fz_baseline_event *ev = b->ev;
	const struct fz_traffic_figures *f = ev->ctx;
	unsigned n = b->a->top_n;
	char message[256];
	json_t *o;
	size_t len;

	(void)arg;
	describe(b->a, ev, message, sizeof(message));
	o = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "type", "alert",
	              "schema_version", FZ_SCHEMA_VERSION, "collector", b->a->app->collector,
	              "time_ms", (json_int_t)ev->time_ms, "alert", "baseline", "severity",
	              "warning", "message", message, "state", fz_baseline_state_name(ev->state),
	              "network", b->a->names[ev->net], "start_ms", (json_int_t)ev->start_ms);
	if (o == NULL)
		return -ENOMEM;
	fz_baseline_event_fields(ev, o);
	json_object_set_new(o, "top",
	                    json_pack("{s:o, s:o}", "src_ip",
	                              top_list(f->src, f->n_src < n ? f->n_src : n), "dst_ip",
	                              top_list(f->dst, f->n_dst < n ? f->n_dst : n)));
	len = json_dumpb(o, buf, cap, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(o);
	if (len == 0)
		return -ENOMEM;
	if (len >= cap)
		return -ENOSPC;
	buf[len] = '\0';
	return (int)len;
}

static void event(void *arg, const struct fz_baseline_event *ev)
{
	struct fz_alerts *a = arg;
	struct alert_body body = {a, ev};
	struct fz_item it;

	if (ev->state != FZ_BL_UPDATE) {
		char message[256];

		describe(a, ev, message, sizeof(message));
		FZ_LOG(WARNING,
		       "alert baseline %s: %s: %llu in the bin of %llu ms, threshold %.1f "
		       "(mean %.1f, sigma %.1f)\n",
		       fz_baseline_state_name(ev->state), message, (unsigned long long)ev->value,
		       (unsigned long long)(ev->time_ms), ev->threshold, ev->mean, ev->sigma);
	}
	memset(&it, 0, sizeof(it));
	it.kind = FZ_ITEM_ALERT;
	it.stream = "alerts";
	it.key = a->names[ev->net]; /* one network's alerts keep their order */
	it.key_len = strlen(a->names[ev->net]);
	it.body = &body;
	it.encode = encode;
	fz_pipeline_emit(a->app->pipeline, &it);
}

static void bin_closed(void *arg, unsigned net, uint64_t bin_start_ms, uint64_t bin_end_ms,
                       const struct fz_traffic_figures *f, int partial)
{
	struct fz_alerts *a = arg;
	uint64_t v[FZ_BL__SERIES];

	if (partial) /* a bin cut short by the end of the input is no sample of its history */
		return;
	v[FZ_BL_FLOWS] = f->alert.flows;
	v[FZ_BL_PACKETS_IN] = f->alert.packets_in;
	v[FZ_BL_PACKETS_OUT] = f->alert.packets_out;
	v[FZ_BL_BYTES_IN] = f->alert.bytes_in;
	v[FZ_BL_BYTES_OUT] = f->alert.bytes_out;
	fz_baseline_bin(a->bl, net, bin_start_ms, bin_end_ms, v, f);
}

static int ignored(void *arg, const struct fz_flow_rec *rec)
{
	return fz_networks_ignored(arg, rec->key.addr[0], rec->key.addr[1], rec->key.ip_version);
}

static void publish(void *arg, uint64_t now_us, int final)
{
	(void)now_us;
	(void) final;
	fz_baseline_publish(((struct fz_alerts *)arg)->bl);
}

/* The networks file's overrides, by the baseline's series (matched by name). */
static void overrides(const struct fz_networks *nets, struct fz_baseline_net *out, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct fz_network_alerts *na = fz_networks_alerts(nets, i + 1);

		out[i].k = na->k;
		out[i].disabled = 0;
		for (int s = 0; s < FZ_BL__SERIES; s++)
			for (int j = 0; j < FZ_NETWORKS_SERIES; j++)
				if (strcmp(fz_baseline_series_name((enum fz_baseline_series)s),
				           fz_networks_series[j]) == 0) {
					out[i].floor[s] = na->floor[j];
					if (na->disabled & (1u << j))
						out[i].disabled |= 1u << s;
				}
	}
}

int fz_alerts_setup(struct fz_appliance *app, struct fz_traffic_conf *tc, char *err, size_t errlen)
{
	const struct fz_opts *o = &app->opts;
	struct fz_alerts *a = calloc(1, sizeof(*a));
	struct fz_baseline_net *nets = calloc(tc->n_nets ? tc->n_nets : 1, sizeof(*nets));
	struct fz_baseline_conf bc = {
	    .n_nets = tc->n_nets,
	    .history = (unsigned)o->alert_history,
	    .min_history = (unsigned)o->alert_min_history,
	    .bins = (unsigned)o->alert_bins,
	    .k = o->alert_k,
	    .suppress_ms = (uint64_t)(o->alert_suppress * 1000),
	    .nets = nets,
	    .event = event,
	    .event_arg = a,
	};

	if (a == NULL || nets == NULL) {
		free(a);
		free(nets);
		snprintf(err, errlen, "baseline alerts: %s", strerror(ENOMEM));
		return -1;
	}
	overrides(app->networks, nets, tc->n_nets);
	a->app = app;
	a->names = tc->net_names;
	a->top_n = tc->top_n < ALERT_TOP ? tc->top_n : ALERT_TOP;
	a->bl = fz_baseline_create(&bc);
	free(nets);
	if (a->bl == NULL) {
		snprintf(err, errlen, "baseline alerts: %s", strerror(errno));
		free(a);
		return -1;
	}
	app->alerts = a;
	tc->bin_closed = bin_closed;
	tc->bin_closed_arg = a;
	if (fz_networks_ignore_count(app->networks)) {
		tc->alert_ignored = ignored;
		tc->alert_ignored_arg = app->networks;
	}
	return 0;
}

int fz_alerts_register(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_timer_conf t = {"baseline publish", FZ_TIMER_WALL, 100000, 1, publish,
	                          app->alerts};

	if (fz_timers_add(app->timers, &t) ||
	    fz_counters_register(app->counters, fz_baseline_counter_set(app->alerts->bl))) {
		snprintf(err, errlen, "baseline alerts: cannot register");
		return -1;
	}
	return 0;
}

void fz_alerts_teardown(struct fz_appliance *app)
{
	if (app->alerts == NULL)
		return;
	fz_baseline_free(app->alerts->bl);
	free(app->alerts);
	app->alerts = NULL;
}
