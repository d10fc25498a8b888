/*
 * flowzoo's commands on DPDK's telemetry socket, beside DPDK's own
 * (/ethdev/stats...), for dpdk-telemetry.py and anything that speaks
 * the socket:
 *
 *   /flowzoo/stats    the summary's totals (what zooctl status shows)
 *   /flowzoo/workers  every worker's counters, by worker
 *   /flowzoo/apps     flows, packets and bytes by application
 *
 * The callbacks run on DPDK's telemetry thread and read counter snapshots
 * only. DPDK 22.11 has no way to unregister a command, and the callback
 * has no argument: the appliance is kept here behind a mutex, and
 * fz_telemetry_stop() clears it before the counters are freed, after
 * which the commands answer an empty object.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"
#include "log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fz_appliance *the_app;

/* One JSON value into dict d under key: integers as u64, reals and strings as strings,
 * an object as a container (telemetry containers do not nest: deeper objects are left
 * out). */
static void add_value(struct rte_tel_data *d, const char *key, json_t *v, int depth)
{
	char text[RTE_TEL_MAX_STRING_LEN];

	if (json_is_integer(v)) {
		rte_tel_data_add_dict_u64(d, key, (uint64_t)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(text, sizeof(text), "%.6g", json_real_value(v));
		rte_tel_data_add_dict_string(d, key, text);
	} else if (json_is_string(v)) {
		rte_tel_data_add_dict_string(d, key, json_string_value(v));
	} else if (json_is_boolean(v)) {
		rte_tel_data_add_dict_int(d, key, json_is_true(v));
	} else if (json_is_object(v) && depth == 0) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		const char *k;
		json_t *e;

		if (c == NULL)
			return;
		rte_tel_data_start_dict(c);
		json_object_foreach(v, k, e)
		{
			add_value(c, k, e, depth + 1);
		}
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
}

static void add_object(struct rte_tel_data *d, json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		add_value(d, k, v, 0);
	}
}

/* The summary (brief for stats; the full one for the per-instance lists), under the lock. */
static json_t *summary_locked(int brief)
{
	return the_app ? fz_reports_summary_counters(the_app, brief) : NULL;
}

static int stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *s;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	s = the_app ? fz_reports_status(the_app) : NULL;
	pthread_mutex_unlock(&lock);
	if (s)
		add_object(d, s);
	json_decref(s);
	return 0;
}

/* The summary's list of one set (workers: an array of objects with "worker": i) as a dict
 * keyed by instance. */
static int instances(struct rte_tel_data *d, const char *key, const char *id_key)
{
	json_t *s, *list, *e;
	size_t i;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	s = summary_locked(0);
	pthread_mutex_unlock(&lock);
	list = s ? json_object_get(s, key) : NULL;
	if (json_is_array(list)) {
		json_array_foreach(list, i, e)
		{
			char id[32];

			snprintf(id, sizeof(id), "%lld",
			         (long long)json_integer_value(json_object_get(e, id_key)));
			add_value(d, id, e, 0);
		}
	} else if (json_is_object(list)) {
		add_object(d, list);
	}
	json_decref(s);
	return 0;
}

static int workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return instances(d, "workers", "worker");
}

static int apps(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return instances(d, "apps", NULL);
}

void fz_telemetry_start(struct fz_appliance *app)
{
	static int registered;

	pthread_mutex_lock(&lock);
	the_app = app;
	pthread_mutex_unlock(&lock);
	if (registered)
		return;
	registered = 1;
	if (rte_telemetry_register_cmd("/flowzoo/stats", stats,
	                               "flowzoo's totals, drops and state. Takes no parameters") ||
	    rte_telemetry_register_cmd("/flowzoo/workers", workers,
	                               "flowzoo's counters per worker. Takes no parameters") ||
	    rte_telemetry_register_cmd(
	        "/flowzoo/apps", apps,
	        "flows, packets, bytes per application. Takes no parameters"))
		FZ_LOG(WARNING, "telemetry: cannot register flowzoo's commands\n");
}

void fz_telemetry_stop(void)
{
	pthread_mutex_lock(&lock);
	the_app = NULL;
	pthread_mutex_unlock(&lock);
}
