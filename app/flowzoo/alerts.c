/*
 * Alerts: when a loss counter grows, the stats loop says so once per check
 * (every --status-interval and at exit) with a "type":"alert" record on the
 * sinks' alerts topic and a log line, so that a consumer of the telemetry
 * learns about drops without polling the summary.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>

#include "app.h"
#include "log.h"
#include "ports.h"

struct watch {
	const char *alert;    /* alert name */
	const char *counter;  /* counter name in the summary */
	const char *severity; /* error: records or packets were lost; warning: degraded */
	const char *message;
};

static const struct watch watches[FZ_ALERTS__COUNT] = {
    [FZ_ALERT_RING_FULL] = {"records_lost", "ring_full", "error",
                            "flow records dropped: a worker's ring to the stats lcore was full"},
    [FZ_ALERT_IMISSED] = {"packets_lost", "imissed", "error",
                          "the port dropped packets: the workers did not keep up"},
    [FZ_ALERT_RX_NOMBUF] = {"packets_lost", "rx_nombuf", "error",
                            "the port dropped packets: no free mbuf (raise --mbufs)"},
    [FZ_ALERT_IERRORS] = {"packets_lost", "ierrors", "error", "the port reported receive errors"},
    [FZ_ALERT_MISSING_AT_EOF] = {"packets_lost", "missing_at_eof", "error",
                                 "a capture ended before all its frames were delivered"},
    [FZ_ALERT_ENCODE] = {"records_lost", "encode_errors", "error",
                         "flow records could not be encoded"},
    [FZ_ALERT_EVICTED] = {"table_full", "evicted", "warning",
                          "flow tables are full: least recently active flows were exported "
                          "early (raise --flows-per-worker)"},
};

static uint64_t current(const struct fz_app *app, int which)
{
	switch (which) {
	case FZ_ALERT_RING_FULL:
		return fz_app_sum(app, offsetof(struct fz_worker_counters, ring_full));
	case FZ_ALERT_IMISSED:
		return fz_ports_sum("imissed");
	case FZ_ALERT_RX_NOMBUF:
		return fz_ports_sum("rx_nombuf");
	case FZ_ALERT_IERRORS:
		return fz_ports_sum("ierrors");
	case FZ_ALERT_MISSING_AT_EOF:
		return fz_app_sum(app, offsetof(struct fz_worker_counters, missing_at_eof));
	case FZ_ALERT_ENCODE:
		return app->encode_errors;
	case FZ_ALERT_EVICTED:
		return fz_app_sum(app, offsetof(struct fz_worker_counters, flows_ended) +
		                           FZ_END_EVICTED * sizeof(uint64_t));
	}
	return 0;
}

void fz_alerts_check(struct fz_app *app)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	for (int i = 0; i < FZ_ALERTS__COUNT; i++) {
		uint64_t now = current(app, i), delta = now - app->alert_seen[i];
		const struct watch *w = &watches[i];
		struct fz_sink_msg m = {0};
		json_t *a;
		char *text;

		if (now <= app->alert_seen[i])
			continue;
		app->alert_seen[i] = now;
		app->alerts++;
		FZ_LOG(WARNING, "alert %s (%s): %s: +%llu, %llu in all\n", w->alert, w->severity,
		       w->message, (unsigned long long)delta, (unsigned long long)now);
		a = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:s}", "type", "alert",
		              "collector", app->collector, "time_ms",
		              (json_int_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, "alert", w->alert,
		              "severity", w->severity, "counter", w->counter, "delta",
		              (json_int_t)delta, "total", (json_int_t)now, "message", w->message);
		text = a ? json_dumps(a, JSON_COMPACT) : NULL;
		json_decref(a);
		if (text == NULL)
			continue;
		m.topic = FZ_TOPIC_ALERTS;
		m.key = w->alert;
		m.key_len = strlen(w->alert);
		m.json = text;
		m.len = strlen(text);
		for (unsigned s = 0; s < app->n_sinks; s++)
			fz_sink_write(app->sinks[s], &m);
		free(text);
	}
}
