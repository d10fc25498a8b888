/* The summary JSON object written at exit (--summary). */
#include <stddef.h>

#include <jansson.h>
#include <rte_cycles.h>

#include "app.h"
#include "ports.h"

#define SUM(field) fz_app_sum(app, offsetof(struct fz_worker_counters, field))

static double worker_elapsed(const struct fz_worker_counters *c)
{
	uint64_t end = c->stop_tsc ? c->stop_tsc : rte_get_tsc_cycles();

	return c->start_tsc ? (double)(end - c->start_tsc) / (double)rte_get_tsc_hz() : 0.0;
}

json_t *fz_app_summary(const struct fz_app *app)
{
	json_t *s = json_object(), *drops = json_object(), *workers = json_array();
	json_t *ended = json_object(), *apps = json_object();
	double elapsed = 0;
	uint64_t ended_sum[FZ_END__COUNT] = {0};

	for (unsigned i = 0; i < app->n_workers; i++) {
		const struct fz_worker_counters *c = fz_worker_counters(app->workers[i]);
		json_t *w = json_object();
		double e = worker_elapsed(c);

		if (e > elapsed)
			elapsed = e;
		json_object_set_new(w, "worker", json_integer(i));
		json_object_set_new(w, "lcore", json_integer(app->wconf[i].lcore));
		json_object_set_new(w, "elapsed_s", json_real(e));
#define FZ_X(name) json_object_set_new(w, #name, json_integer((json_int_t)c->name));
		FZ_WORKER_COUNTERS(FZ_X)
#undef FZ_X
		json_object_set_new(w, "flows_created", json_integer((json_int_t)c->flows_created));
		for (int r = 0; r < FZ_END__COUNT; r++)
			ended_sum[r] += c->flows_ended[r];
		json_array_append_new(workers, w);
	}
	json_object_set_new(s, "collector", json_string(app->collector));
	json_object_set_new(s, "version", json_string(FZ_VERSION));
	json_object_set_new(s, "packets", json_integer((json_int_t)SUM(packets)));
	json_object_set_new(s, "bytes", json_integer((json_int_t)SUM(bytes)));
	json_object_set_new(s, "flows", json_integer((json_int_t)app->records));
	json_object_set_new(s, "elapsed_s", json_real(elapsed));
	json_object_set_new(s, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	for (int r = 1; r < FZ_PARSE__COUNT; r++) {
		uint64_t n = fz_app_parse_sum(app, r);

		json_object_set_new(drops, fz_parse_status_names[r], json_integer((json_int_t)n));
	}
	json_object_set_new(drops, "ring_full", json_integer((json_int_t)SUM(ring_full)));
	json_object_set_new(drops, "suspended", json_integer((json_int_t)SUM(suspended)));
	json_object_set_new(drops, "missing_at_eof", json_integer((json_int_t)SUM(missing_at_eof)));
	json_object_set_new(drops, "imissed", json_integer((json_int_t)fz_ports_sum("imissed")));
	json_object_set_new(drops, "ierrors", json_integer((json_int_t)fz_ports_sum("ierrors")));
	json_object_set_new(drops, "rx_nombuf",
	                    json_integer((json_int_t)fz_ports_sum("rx_nombuf")));
	json_object_set_new(drops, "encode_errors", json_integer((json_int_t)app->encode_errors));
	json_object_set_new(s, "drops", drops);
	json_object_set_new(s, "alerts", json_integer((json_int_t)app->alerts));
	json_object_set_new(s, "fragments", json_integer((json_int_t)SUM(fragments)));
	json_object_set_new(s, "fragments_unmatched",
	                    json_integer((json_int_t)SUM(fragments_unmatched)));
	json_object_set_new(s, "flows_created", json_integer((json_int_t)SUM(flows_created)));
	for (int r = 0; r < FZ_END__COUNT; r++)
		json_object_set_new(ended, fz_end_reason_names[r],
		                    json_integer((json_int_t)ended_sum[r]));
	json_object_set_new(s, "flows_ended", ended);
	for (unsigned a = 0; a < app->n_apps; a++)
		json_object_set_new(apps, app->app_names[a],
		                    json_pack("{s:I, s:I, s:I}", "flows",
		                              (json_int_t)app->apps[a].flows, "packets",
		                              (json_int_t)app->apps[a].packets, "bytes",
		                              (json_int_t)app->apps[a].bytes));
	json_object_set_new(s, "apps", apps);
	if (app->n_workers)
		json_object_set_new(
		    s, "bytes_per_flow",
		    json_integer((json_int_t)fz_worker_bytes_per_flow(app->workers[0])));
	json_object_set_new(s, "workers", workers);
	json_object_set_new(s, "ports", fz_ports_stats());
	for (unsigned k = 0; k < app->n_sinks; k++)
		if (app->sinks[k]->ops->status)
			json_object_set_new(s, app->sinks[k]->name,
			                    app->sinks[k]->ops->status(app->sinks[k]));
	return s;
}
