/* Worker lcores, their rings to the stats lcore, and the "worker" counter set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "app.h"

/* One worker's counters as the set shows them: the worker's own, then what
 * the app knows of it. */
struct worker_block {
	struct fz_worker_counters c;
	uint64_t lcore;
	uint64_t elapsed_s; /* real */
	uint64_t bytes_per_flow;
};

static const struct fz_counter_def app_defs[] = {
    FZ_COUNTER(struct worker_block, lcore, FZ_CT_GAUGE, FZ_CF_INSTANCE, "lcore", NULL,
               "the lcore the worker runs on"),
    FZ_COUNTER(struct worker_block, elapsed_s, FZ_CT_GAUGE_REAL,
               FZ_CF_TOTAL | FZ_CF_MAX | FZ_CF_INSTANCE, "elapsed_s", "seconds",
               "how long the worker's loop has run"),
    FZ_COUNTER(struct worker_block, bytes_per_flow, FZ_CT_GAUGE, FZ_CF_TOTAL | FZ_CF_MAX,
               "bytes_per_flow", "bytes", "memory of the flow table per flow"),
};

static struct fz_counter_def *defs; /* the worker's declarations, then app_defs */
static struct fz_counter_set worker_set;

int fz_workers_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	unsigned lcore;
	uint64_t hz = rte_get_tsc_hz();

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct fz_worker_conf *c;

		if (app->opts.stats_lcore >= 0 && lcore == (unsigned)app->opts.stats_lcore)
			continue;
		c = &app->wconf[app->n_workers];
		c->id = (uint16_t)app->n_workers;
		c->lcore = lcore;
		app->n_workers++;
	}
	if (app->n_workers == 0) {
		snprintf(err, errlen,
		         "no worker lcore: give EAL at least two lcores (e.g. -l 0,1), one for "
		         "the main/stats loop and one per worker");
		return -1;
	}
	for (unsigned i = 0; i < app->n_workers; i++) {
		struct fz_worker_conf *c = &app->wconf[i];

		c->offline = app->offline;
		c->flows = (uint32_t)app->opts.flows_per_worker;
		c->idle_us = (uint64_t)(app->opts.idle_timeout * 1e6);
		c->active_us = (uint64_t)(app->opts.active_timeout * 1e6);
		c->linger_us = (uint64_t)(app->opts.tcp_linger * 1e6);
		c->clock = (enum fz_clock_mode)app->opts.clock;
		c->epoch_us_at_start = app->start_epoch_us;
		c->tsc_at_start = app->start_tsc;
		c->tsc_hz = hz;
		c->l7 = app->l7;
		c->networks = app->networks;
		c->bin_us = app->networks ? app->opts.traffic_interval * 1000000u : 0;
		c->detect_hosts = fz_attacks_on(app) ? (uint32_t)app->opts.detect_hosts : 0;
		c->stop = &app->stop;
		c->suspended = &app->suspended;
	}
	return 0;
}

int fz_workers_create(struct fz_appliance *app, char *err, size_t errlen)
{
	for (unsigned i = 0; i < app->n_workers; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fz_recs_%u", i);
		app->rings[i] = rte_ring_create_elem(
		    name, sizeof(struct fz_flow_rec), (unsigned)app->opts.ring_size,
		    (int)rte_lcore_to_socket_id(app->wconf[i].lcore),
		    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (app->rings[i] == NULL) {
			snprintf(err, errlen, "ring %s: %s", name, rte_strerror(rte_errno));
			return -1;
		}
		app->wconf[i].ring = app->rings[i];
		app->workers[i] = fz_worker_create(&app->wconf[i]);
		if (app->workers[i] == NULL) {
			snprintf(err, errlen, "worker %u (%llu flows): %s", i,
			         (unsigned long long)app->opts.flows_per_worker, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int fz_workers_all_done(const struct fz_appliance *app)
{
	for (unsigned i = 0; i < app->n_workers; i++)
		if (!fz_worker_done(app->workers[i]))
			return 0;
	return 1;
}

static unsigned n_workers(void *arg)
{
	const struct fz_appliance *app = arg;
	unsigned n = 0;

	while (n < app->n_workers && app->workers[n])
		n++;
	return n;
}

/* A worker writes its counters alone; each word is read atomically. */
static void read_worker(void *arg, unsigned i, uint64_t *out)
{
	const struct fz_appliance *app = arg;
	struct worker_block *b = (struct worker_block *)out;
	uint64_t end;

	fz_counters_load_words(fz_worker_counters(app->workers[i]), &b->c, sizeof(b->c));
	b->lcore = app->wconf[i].lcore;
	end = b->c.stop_tsc ? b->c.stop_tsc : rte_get_tsc_cycles();
	b->elapsed_s = fz_real_bits(
	    b->c.start_tsc ? (double)(end - b->c.start_tsc) / (double)rte_get_tsc_hz() : 0.0);
	b->bytes_per_flow = fz_worker_bytes_per_flow(app->workers[i]);
}

const struct fz_counter_set *fz_workers_counter_set(struct fz_appliance *app)
{
	size_t n = fz_worker_n_counter_defs, m = sizeof(app_defs) / sizeof(app_defs[0]);

	if (defs == NULL) {
		defs = calloc(n + m, sizeof(*defs));
		if (defs == NULL)
			return NULL;
		memcpy(defs, fz_worker_counter_defs, n * sizeof(*defs));
		memcpy(defs + n, app_defs, m * sizeof(*defs));
	}
	worker_set = (struct fz_counter_set){
	    .name = "worker",
	    .summary = "workers",
	    .shape = FZ_SET_LIST,
	    .defs = defs,
	    .n_defs = (unsigned)(n + m),
	    .block = sizeof(struct worker_block),
	    .instances = n_workers,
	    .read = read_worker,
	    .arg = app,
	};
	return &worker_set;
}

void fz_workers_free(struct fz_appliance *app)
{
	for (unsigned i = 0; i < app->n_workers; i++) {
		fz_worker_free(app->workers[i]);
		app->workers[i] = NULL;
		if (app->rings[i])
			rte_ring_free(app->rings[i]);
		app->rings[i] = NULL;
	}
	free(defs);
	defs = NULL;
}
