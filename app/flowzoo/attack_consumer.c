/*
 * Attack detection (lib/detect, docs/alerts.md) wired to the pipeline: the
 * workers' host reports and seconds and the finished flows go to the
 * detector; each start, update and end becomes a "type":"alert" item on
 * the "alerts" stream, keyed by the host (volume, syn_flood) or the scanner
 * (scans), with a log line per start and end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "fz_detect.h"
#include "fz_networks.h"
#include "log.h"

struct fz_attacks {
	struct fz_appliance *app;
	struct fz_detect *d;
};

int fz_attacks_on(const struct fz_appliance *app)
{
	return app->opts.detect == 1 || (app->opts.detect == -1 && app->networks != NULL);
}

static const char *net_name(const struct fz_appliance *app, uint16_t net)
{
	return net && net <= app->rctx.n_nets ? app->rctx.net_names[net - 1] : NULL;
}

static void describe(const struct fz_attack_event *ev, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *now = ev->state == FZ_ATTACK_END ? "ended" : "under way";

	fz_record_addr_text(ev->host, ev->ip_version, a, sizeof(a));
	fz_record_addr_text(ev->scanner, ev->ip_version, b, sizeof(b));
	switch (ev->attack) {
	case FZ_ATTACK_VOLUME:
		snprintf(buf, cap, "volume to %s: %.0f %s over %.0f, %s", a, ev->value, ev->metric,
		         ev->threshold, now);
		break;
	case FZ_ATTACK_SYN_FLOOD:
		snprintf(buf, cap,
		         "SYN flood to %s: %.0f SYNs per second without handshake over %.0f, %s", a,
		         ev->value, ev->threshold, now);
		break;
	case FZ_ATTACK_PORT_SCAN:
		snprintf(buf, cap, "port scan of %s by %s: %.0f ports, %s", a, b, ev->value, now);
		break;
	default:
		snprintf(buf, cap, "address scan of port %u by %s: %.0f hosts, %s", ev->port, b,
		         ev->value, now);
		break;
	}
}

static json_t *sources(const struct fz_attack_event *ev)
{
	json_t *list = json_array();
	char buf[INET6_ADDRSTRLEN];

	for (unsigned i = 0; list && i < ev->n_sources; i++) {
		fz_record_addr_text(ev->sources[i].addr, ev->sources[i].ip_version, buf,
		                    sizeof(buf));
		json_array_append_new(list, json_pack("{s:s, s:I}", "src_ip", buf, "lead",
		                                      (json_int_t)ev->sources[i].lead));
	}
	return list;
}

static json_t *sample(const struct fz_attack_event *ev)
{
	json_t *list = json_array();
	char buf[INET6_ADDRSTRLEN];

	for (unsigned i = 0; list && i < ev->n_sample; i++) {
		if (ev->attack == FZ_ATTACK_PORT_SCAN) {
			json_array_append_new(list, json_integer(ev->ports[i]));
		} else {
			fz_record_addr_text(ev->sample[i], ev->ip_version, buf, sizeof(buf));
			json_array_append_new(list, json_string(buf));
		}
	}
	return list;
}

struct body {
	const struct fz_attacks *a;
	const struct fz_attack_event *ev;
};

static json_t *figures(const struct fz_attack_event *ev)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (ev->attack != FZ_ATTACK_ADDRESS_SCAN) {
		fz_record_addr_text(ev->host, ev->ip_version, buf, sizeof(buf));
		json_object_set_new(o, "host", json_string(buf));
	}
	if (ev->attack == FZ_ATTACK_PORT_SCAN || ev->attack == FZ_ATTACK_ADDRESS_SCAN) {
		fz_record_addr_text(ev->scanner, ev->ip_version, buf, sizeof(buf));
		json_object_set_new(o, "scanner", json_string(buf));
	}
	if (ev->attack == FZ_ATTACK_ADDRESS_SCAN) {
		json_object_set_new(o, "port", json_integer(ev->port));
		json_object_set_new(o, "ip_proto", json_integer(ev->proto));
	}
	json_object_set_new(o, "metric", json_string(ev->metric));
	if (ev->attack == FZ_ATTACK_VOLUME && strcmp(ev->metric, "mbps") == 0) {
		json_object_set_new(o, "value", json_real(ev->value));
		json_object_set_new(o, "peak", json_real(ev->peak));
	} else {
		json_object_set_new(o, "value", json_integer((json_int_t)ev->value));
		json_object_set_new(o, "peak", json_integer((json_int_t)ev->peak));
	}
	json_object_set_new(o, "threshold", json_integer((json_int_t)ev->threshold));
	if (ev->attack == FZ_ATTACK_VOLUME || ev->attack == FZ_ATTACK_SYN_FLOOD) {
		json_object_set_new(o, "packets", json_integer((json_int_t)ev->packets));
		json_object_set_new(o, "bytes", json_integer((json_int_t)ev->bytes));
		json_object_set_new(o, "syns", json_integer((json_int_t)ev->syns));
		json_object_set_new(o, "handshakes", json_integer((json_int_t)ev->handshakes));
		json_object_set_new(o, "top_sources", sources(ev));
	} else {
		json_object_set_new(o, ev->attack == FZ_ATTACK_PORT_SCAN ? "ports" : "hosts",
		                    sample(ev));
	}
	return o;
}

static int encode(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct body *b = it->body;
	const struct fz_attack_event *ev = b->ev;
	const char *net = net_name(b->a->app, ev->net);
	char message[256];
	json_t *o, *f;
	int rc;

	(void)arg;
	describe(ev, message, sizeof(message));
	o = json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:I}", "type", "alert",
	              "schema_version", FZ_SCHEMA_VERSION, "collector", b->a->app->collector,
	              "time_ms", (json_int_t)ev->time_ms, "alert", fz_attack_name(ev->attack),
	              "severity", ev->attack <= FZ_ATTACK_SYN_FLOOD ? "critical" : "warning",
	              "message", message, "state", fz_attack_state_name(ev->state), "network",
	              net ? json_string(net) : json_null(), "start_ms", (json_int_t)ev->start_ms);
	f = figures(ev);
	if (o == NULL || f == NULL) {
		json_decref(o);
		json_decref(f);
		return -ENOMEM;
	}
	if (ev->state == FZ_ATTACK_END)
		json_object_set_new(o, "end_ms", json_integer((json_int_t)ev->end_ms));
	json_object_update(o, f);
	json_decref(f);
	rc = fz_item_dump_json(o, buf, cap);
	json_decref(o);
	return rc;
}

static void event(void *arg, const struct fz_attack_event *ev)
{
	struct fz_attacks *a = arg;
	struct body body = {a, ev};
	char key[INET6_ADDRSTRLEN];
	struct fz_item it;

	if (ev->state != FZ_ATTACK_UPDATE) {
		char message[256];

		describe(ev, message, sizeof(message));
		FZ_LOG(WARNING, "alert %s %s: %s (start %llu ms%s)\n", fz_attack_name(ev->attack),
		       fz_attack_state_name(ev->state), message, (unsigned long long)ev->start_ms,
		       ev->state == FZ_ATTACK_END ? ", over" : "");
	}
	fz_record_addr_text(ev->attack <= FZ_ATTACK_SYN_FLOOD ? ev->host : ev->scanner,
	                    ev->ip_version, key, sizeof(key));
	memset(&it, 0, sizeof(it));
	it.kind = FZ_ITEM_ALERT;
	it.stream = "alerts";
	it.key = key; /* one host's or scanner's alerts keep their order */
	it.key_len = strlen(key);
	it.body = &body;
	it.encode = encode;
	fz_pipeline_emit(a->app->pipeline, &it);
}

static void take(void *arg, const struct fz_flow_rec *rec)
{
	fz_detect_report(arg, rec);
}

static void take_flow(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	(void)item;
	fz_detect_flow(arg, rec);
}

static void publish(void *arg, uint64_t now_us, int final)
{
	(void)now_us;
	if (final)
		fz_detect_finish(arg);
	fz_detect_publish(arg);
}

/* The networks file's thresholds, over the options' defaults. */
static struct fz_detect_thresholds *net_thresholds(const struct fz_appliance *app,
                                                   const struct fz_detect_thresholds *dflt)
{
	unsigned n = app->networks ? fz_networks_count(app->networks) : 0;
	struct fz_detect_thresholds *t = calloc(n ? n : 1, sizeof(*t));

	for (unsigned i = 0; t && i < n; i++) {
		const struct fz_network_alerts *na = fz_networks_alerts(app->networks, i + 1);
		uint64_t *f[FZ_NETWORKS_THRESHOLDS] = {&t[i].pps, &t[i].mbps, &t[i].syn};

		t[i] = *dflt;
		for (int j = 0; j < FZ_NETWORKS_THRESHOLDS; j++)
			if (na->threshold[j] >= 0)
				*f[j] = (uint64_t)na->threshold[j];
	}
	return t;
}

int fz_attacks_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	const struct fz_opts *o = &app->opts;
	struct fz_detect_conf dc = {
	    .n_workers = app->n_workers,
	    .n_nets = app->networks ? fz_networks_count(app->networks) : 0,
	    .thresholds = {o->threshold_pps, o->threshold_mbps, o->threshold_syn},
	    .all_hosts = app->networks == NULL,
	    .scan_ports = (unsigned)o->scan_ports,
	    .scan_hosts = (unsigned)o->scan_hosts,
	    .scan_window_ms = (uint64_t)(o->scan_window * 1000),
	    .end_ms = (uint64_t)(o->attack_end * 1000),
	    .update_ms = (uint64_t)o->traffic_interval * 1000,
	    .suppress_ms = (uint64_t)(o->alert_suppress * 1000),
	    .hosts = (uint32_t)o->detect_hosts,
	    .scan_keys = (uint32_t)o->scan_keys,
	    .event = event,
	};
	struct fz_consumer c = {.name = "attacks", .flow = take_flow, .report = take};
	struct fz_timer_conf t = {"attacks publish", FZ_TIMER_WALL, 100000, 1, publish, NULL};
	struct fz_detect_thresholds *nets;
	struct fz_attacks *a;

	if (!fz_attacks_on(app))
		return 0;
	a = calloc(1, sizeof(*a));
	nets = net_thresholds(app, &dc.thresholds);
	if (a == NULL || nets == NULL) {
		free(a);
		free(nets);
		snprintf(err, errlen, "attack detection: %s", strerror(ENOMEM));
		return -1;
	}
	dc.nets = nets;
	dc.event_arg = a;
	a->app = app;
	a->d = fz_detect_create(&dc);
	free(nets);
	if (a->d == NULL) {
		snprintf(err, errlen, "attack detection: %s", strerror(errno));
		free(a);
		return -1;
	}
	app->attacks = a;
	c.arg = t.arg = a->d;
	if (fz_pipeline_add_consumer(app->pipeline, &c) || fz_timers_add(app->timers, &t) ||
	    fz_counters_register(app->counters, fz_detect_attack_set(a->d)) ||
	    fz_counters_register(app->counters, fz_detect_machine_set(a->d))) {
		snprintf(err, errlen, "attack detection: cannot register");
		return -1;
	}
	return 0;
}

void fz_attacks_teardown(struct fz_appliance *app)
{
	if (app->attacks == NULL)
		return;
	fz_detect_free(app->attacks->d);
	free(app->attacks);
	app->attacks = NULL;
}
