/*
 * --export-lcores: the pipeline's export lanes (lib/pipeline/lanes.c) on
 * lcores of their own. In the DPDK modes a lane is an EAL lcore (taken out
 * of the workers); with --pcap read without EAL it is a thread pinned to
 * that CPU when the CPU exists. Each lane has a record encoder of its own.
 * The stats loop stops the lanes at its end (fz_pipeline_lanes_stop); EAL
 * lanes are waited for with the workers, threads by fz_export_lcores_wait.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_launch.h>
#include <rte_lcore.h>

#include "app.h"
#include "log.h"

struct lane_start {
	struct fz_appliance *app;
	unsigned i;
};

struct fz_export_lcores {
	struct fz_record_enc *enc[FZ_MAX_EXPORT_LCORES];
	struct lane_start start[FZ_MAX_EXPORT_LCORES];
	pthread_t threads[FZ_MAX_EXPORT_LCORES];
	unsigned started; /* threads running (without EAL) */
};

int fz_opts_lcore_list(const char *v, unsigned *ids, unsigned max, char *why, size_t whylen)
{
	const char *s = v;
	unsigned n = 0;

	for (;;) {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*s))
			goto bad;
		a = b = strtoul(s, &end, 10);
		s = end;
		if (*s == '-') {
			if (!isdigit((unsigned char)*++s))
				goto bad;
			b = strtoul(s, &end, 10);
			s = end;
		}
		if (b < a) {
			snprintf(why, whylen, "the range %lu-%lu runs backwards", a, b);
			return -1;
		}
		if (b > RTE_MAX_LCORE - 1) {
			snprintf(why, whylen, "lcore %lu is out of range (0 to %d)", b,
			         RTE_MAX_LCORE - 1);
			return -1;
		}
		for (unsigned long x = a; x <= b; x++) {
			for (unsigned k = 0; k < n; k++)
				if (ids[k] == x) {
					snprintf(why, whylen, "lcore %lu is given twice", x);
					return -1;
				}
			if (n == max) {
				snprintf(why, whylen, "more than %u lcores", max);
				return -1;
			}
			ids[n++] = (unsigned)x;
		}
		if (*s == '\0')
			return (int)n;
		if (*s++ != ',')
			goto bad;
	}
bad:
	snprintf(why, whylen, "not a list of lcore ids (e.g. 2,3 or 2-5)");
	return -1;
}

int fz_export_lcores_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	const char *v = app->opts.export_lcores;
	char why[256];
	int n;

	if (v == NULL)
		return 0;
	n = fz_opts_lcore_list(v, app->export_ids, FZ_MAX_EXPORT_LCORES, why, sizeof(why));
	if (n < 0) {
		snprintf(err, errlen, "--export-lcores: '%s': %s", v, why);
		return -1;
	}
	app->n_export = (unsigned)n;
	for (unsigned i = 0; !app->no_eal && i < app->n_export; i++) {
		unsigned l = app->export_ids[i];

		if (!rte_lcore_is_enabled(l)) {
			snprintf(err, errlen,
			         "--export-lcores %s: lcore %u is not enabled (EAL runs %u lcores; "
			         "give lcores of EAL's -l list)",
			         v, l, rte_lcore_count());
			return -1;
		}
		if (l == rte_get_main_lcore() ||
		    (app->opts.stats_lcore >= 0 && l == (unsigned)app->opts.stats_lcore)) {
			snprintf(
			    err, errlen,
			    "--export-lcores %s: lcore %u runs the stats loop; give other lcores",
			    v, l);
			return -1;
		}
	}
	return 0;
}

int fz_export_lcores_has(const struct fz_appliance *app, unsigned lcore)
{
	for (unsigned i = 0; i < app->n_export; i++)
		if (app->export_ids[i] == lcore)
			return 1;
	return 0;
}

int fz_export_lcores_open(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_export_lcores *x;
	void *args[FZ_MAX_EXPORT_LCORES];
	int rc;

	if (app->n_export == 0)
		return 0;
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "--export-lcores: %s", strerror(ENOMEM));
		return -1;
	}
	app->export = x;
	for (unsigned i = 0; i < app->n_export; i++) {
		x->enc[i] = fz_record_enc_create(&app->rctx);
		if (x->enc[i] == NULL) {
			snprintf(err, errlen, "--export-lcores: %s", strerror(ENOMEM));
			return -1;
		}
		args[i] = x->enc[i];
		x->start[i] = (struct lane_start){app, i};
	}
	rc = fz_pipeline_lanes_create(app->pipeline, app->n_export, args);
	if (rc < 0) {
		snprintf(err, errlen, "--export-lcores: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

static int lane_main(void *arg)
{
	struct lane_start *s = arg;

	return fz_pipeline_lane_run(s->app->pipeline, s->i);
}

static void *lane_thread(void *arg)
{
	lane_main(arg);
	return NULL;
}

int fz_export_lcores_launch(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_export_lcores *x = app->export;

	for (unsigned i = 0; i < app->n_export; i++) {
		unsigned cpu = app->export_ids[i];
		cpu_set_t set;
		int rc;

		if (!app->no_eal) {
			rte_eal_remote_launch(lane_main, &x->start[i], cpu);
			continue;
		}
		rc = pthread_create(&x->threads[i], NULL, lane_thread, &x->start[i]);
		if (rc != 0) {
			snprintf(err, errlen, "--export-lcores: cannot start a thread: %s",
			         strerror(rc));
			fz_pipeline_lanes_stop(app->pipeline);
			fz_export_lcores_wait(app);
			return -1;
		}
		x->started++;
		pthread_setname_np(x->threads[i], "fz-export");
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		rc = pthread_setaffinity_np(x->threads[i], sizeof(set), &set);
		if (rc != 0)
			FZ_LOG(NOTICE,
			       "--export-lcores: CPU %u: cannot pin the thread (%s); it runs "
			       "where the kernel puts it\n",
			       cpu, strerror(rc));
	}
	return 0;
}

void fz_export_lcores_wait(struct fz_appliance *app)
{
	struct fz_export_lcores *x = app->export;

	for (unsigned i = 0; x && i < x->started; i++)
		pthread_join(x->threads[i], NULL);
	if (x)
		x->started = 0;
}

void fz_export_lcores_free(struct fz_appliance *app)
{
	struct fz_export_lcores *x = app->export;

	if (x == NULL)
		return;
	for (unsigned i = 0; i < FZ_MAX_EXPORT_LCORES; i++)
		fz_record_enc_free(x->enc[i]);
	free(x);
	app->export = NULL;
}
