/* The control server's operations on the running app (see ctl_glue.h). */
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "app.h"
#include "ctl_glue.h"
#include "fz_ctl.h"
#include "fz_zoo.h"
#include "log.h"

static double uptime_s(const struct fz_app *app)
{
	return (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)rte_get_tsc_hz();
}

static json_t *identify(void *arg)
{
	struct fz_app *app = arg;
	json_t *ports = json_array();
	char host[256] = "";
	uint16_t pid;

	gethostname(host, sizeof(host) - 1);
	RTE_ETH_FOREACH_DEV(pid)
	{
		char name[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_dev_get_name_by_port(pid, name) == 0)
			json_array_append_new(ports, json_string(name));
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:i, s:f, s:b}", "collector", app->collector, "host",
	                 host, "version", FZ_VERSION, "ports", ports, "workers",
	                 (int)app->n_workers, "uptime_s", uptime_s(app), "offline", app->offline);
}

/* The summary's counters, without the per-worker and per-application detail
 * (which may not fit one datagram), plus the state. */
static json_t *status(void *arg)
{
	struct fz_app *app = arg;
	json_t *s = fz_app_summary(app);
	static const char *const detail[] = {"workers", "apps", "flows_ended", "tsc_hz",
	                                     "bytes_per_flow"};
	const struct fz_zoo *zoo = fz_stats_zoo_get(app);
	double size, duration, rate;

	for (size_t i = 0; i < sizeof(detail) / sizeof(detail[0]); i++)
		json_object_del(s, detail[i]);
	if (zoo) { /* what the next flow is compared with */
		fz_zoo_means(zoo, &size, &duration, &rate);
		json_object_set_new(s, "zoo_means",
		                    json_pack("{s:f, s:f, s:f, s:I}", "size_bytes", size,
		                              "duration_s", duration, "rate_bytes_per_s", rate,
		                              "flows", (json_int_t)fz_zoo_flows(zoo)));
	}
	json_object_set_new(s, "state", json_string(app->suspended ? "suspended" : "collecting"));
	json_object_set_new(s, "uptime_s", json_real(uptime_s(app)));
	json_object_set_new(s, "flows_active",
	                    json_integer((json_int_t)fz_app_sum(
	                        app, offsetof(struct fz_worker_counters, flows_active))));
	return s;
}

static int suspend(void *arg)
{
	struct fz_app *app = arg;

	app->suspended = 1;
	return 0;
}

static int resume(void *arg)
{
	struct fz_app *app = arg;

	app->suspended = 0;
	return 0;
}

static void log_line(void *arg, const char *line)
{
	(void)arg;
	FZ_LOG(INFO, "%s\n", line);
}

int fz_ctl_glue_start(struct fz_app *app, char *err, size_t errlen)
{
	struct fz_ctl_server_conf conf = {
	    .port = (uint16_t)app->opts.ctl_port,
	    .key_path = app->opts.ctl_key,
	    .log_path = app->opts.log_file,
	    .loss = app->opts.loss,
	    .log = log_line,
	};
	struct fz_ctl_ops ops = {app, identify, status, suspend, resume};
	char msg[512];

	if (!app->opts.ctl_key) {
		FZ_LOG(INFO, "control server off: no --ctl-key\n");
		return 0;
	}
	app->ctl = fz_ctl_server_create(&conf, &ops, msg, sizeof(msg));
	if (!app->ctl) {
		snprintf(err, errlen, "control server: %s", msg);
		return -1;
	}
	if (!app->opts.log_file)
		FZ_LOG(INFO, "ctl: no --log-file: zooctl logs will answer that there is none\n");
	return 0;
}

/*
 * The stats loop turns fast while records flow; one recvfrom per turn would
 * cost more than it brings, so the server is polled at most every 200 µs
 * (a window of 128 chunks per poll still allows hundreds of MB/s).
 */
void fz_ctl_glue_poll(struct fz_app *app)
{
	static uint64_t next;
	uint64_t now;

	if (!app->ctl)
		return;
	now = rte_get_tsc_cycles();
	if (now < next)
		return;
	next = now + rte_get_tsc_hz() / 5000;
	fz_ctl_server_poll(app->ctl);
}

void fz_ctl_glue_stop(struct fz_app *app)
{
	fz_ctl_server_free(app->ctl);
	app->ctl = NULL;
}
