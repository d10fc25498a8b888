/* Worker lcores, their rings to the stats lcore, and the "worker" counter set. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_thread.h>

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
static pthread_t threads[FZ_MAX_WORKERS]; /* without EAL */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t fz_workers_measure_tsc_hz(void)
{
	/* 200 us against the monotonic clock (ns resolution: within 0.05 %), spun
	 * rather than slept: a sleep on a busy machine can last many times longer. */
	uint64_t t0 = mono_ns(), c0 = rte_rdtsc(), t1, c1;

	do {
		t1 = mono_ns();
		c1 = rte_rdtsc();
	} while (t1 - t0 < 200000);
	return (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0));
}

int fz_workers_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	unsigned lcore;
	uint64_t hz = app->tsc_hz;

	/* Without EAL one worker thread reads the captures, as EAL's lcore 1 did. */
	if (app->no_eal) {
		app->wconf[0].id = 0;
		app->wconf[0].lcore = 1;
		app->n_workers = 1;
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (app->no_eal)
			break;
		struct fz_worker_conf *c;

		if ((app->opts.stats_lcore >= 0 && lcore == (unsigned)app->opts.stats_lcore) ||
		    fz_export_lcores_has(app, lcore))
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

/* A ring in memory of our own: EAL's memzones are not there. */
static struct rte_ring *ring_without_eal(const char *name, unsigned count)
{
	/* RING_F_EXACT_SZ: the slots are the next power of two above count, as
	 * rte_ring_create_elem sizes them. */
	ssize_t size = rte_ring_get_memsize_elem(FZ_RING_ELEM, rte_align32pow2(count + 1));
	struct rte_ring *r;

	if (size < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = aligned_alloc(RTE_CACHE_LINE_SIZE, ((size_t)size + RTE_CACHE_LINE_SIZE - 1) &
	                                           ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (rte_ring_init(r, name, count, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ) != 0) {
		free(r);
		rte_errno = EINVAL;
		return NULL;
	}
	return r;
}

static void *worker_thread(void *arg)
{
	fz_worker_run(arg);
	return NULL;
}

int fz_workers_launch(struct fz_appliance *app, char *err, size_t errlen)
{
	for (unsigned i = 0; i < app->n_workers; i++) {
		int rc;

		if (!app->no_eal) {
			rte_eal_remote_launch(fz_worker_run, app->workers[i], app->wconf[i].lcore);
			continue;
		}
		rc = pthread_create(&threads[i], NULL, worker_thread, app->workers[i]);
		if (rc != 0) {
			snprintf(err, errlen, "worker %u: cannot start its thread: %s", i,
			         strerror(rc));
			/* The ones started stop and are joined. */
			app->stop = 1;
			for (unsigned j = 0; j < i; j++)
				pthread_join(threads[j], NULL);
			return -1;
		}
		pthread_setname_np(threads[i], "fz-worker");
	}
	return 0;
}

void fz_workers_wait(struct fz_appliance *app)
{
	if (!app->no_eal) {
		rte_eal_mp_wait_lcore();
		return;
	}
	for (unsigned i = 0; i < app->n_workers; i++)
		pthread_join(threads[i], NULL);
}

unsigned fz_workers_running(const struct fz_appliance *app)
{
	unsigned n = 0;

	for (unsigned i = 0; i < app->n_workers; i++) {
		const struct fz_worker *w = app->workers[i];

		if (app->no_eal ? w && fz_worker_counters(w)->start_tsc && !fz_worker_done(w)
		                : rte_eal_get_lcore_state(app->wconf[i].lcore) == RUNNING)
			n++;
	}
	return n;
}

int fz_app_thread_create(const struct fz_appliance *app, pthread_t *t, const char *name,
                         void *(*fn)(void *), void *arg)
{
	int rc;

	if (!app->no_eal)
		return rte_ctrl_thread_create(t, name, NULL, fn, arg);
	rc = pthread_create(t, NULL, fn, arg);
	if (rc == 0)
		pthread_setname_np(*t, name);
	return rc ? -1 : 0;
}

int fz_workers_create(struct fz_appliance *app, char *err, size_t errlen)
{
	for (unsigned i = 0; i < app->n_workers; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fz_recs_%u", i);
		if (app->no_eal)
			app->rings[i] = ring_without_eal(name, (unsigned)app->opts.ring_size);
		else
			app->rings[i] =
			    rte_ring_create_elem(name, FZ_RING_ELEM, (unsigned)app->opts.ring_size,
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
	    b->c.start_tsc ? (double)(end - b->c.start_tsc) / (double)app->tsc_hz : 0.0);
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
		if (app->rings[i] && app->no_eal)
			free(app->rings[i]);
		else if (app->rings[i])
			rte_ring_free(app->rings[i]);
		app->rings[i] = NULL;
	}
	free(defs);
	defs = NULL;
}
