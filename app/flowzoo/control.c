/*
 * The control server (zooctl) on a thread of its own: it answers from
 * counter snapshots and never runs on the lcore that drains the rings, so
 * a status request costs the data path nothing. suspend/resume set a flag
 * the workers read.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "app.h"
#include "fz_ctl_server.h"
#include "log.h"

struct fz_control {
	struct fz_appliance *app;
	struct fz_ctl_server *server;
	pthread_t thread;
	volatile int stop;
};

static double uptime_s(const struct fz_appliance *app)
{
	return (double)(rte_get_tsc_cycles() - app->start_tsc) / (double)app->tsc_hz;
}

static json_t *identify(void *arg)
{
	struct fz_appliance *app = arg;
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

/* The summary's totals (no per-instance detail: it must fit one datagram), the zoo's
 * means and the state. */
static json_t *status(void *arg)
{
	return fz_reports_status(arg);
}

static int suspend(void *arg)
{
	((struct fz_appliance *)arg)->suspended = 1;
	return 0;
}

static int resume(void *arg)
{
	((struct fz_appliance *)arg)->suspended = 0;
	return 0;
}

/* Sleep in poll(2) until a datagram comes or a transfer's next chunk or
 * resend is due; wake at least every 50 ms to see the stop flag. */
static void *run(void *arg)
{
	struct fz_control *c = arg;
	struct pollfd pfd = {.fd = fz_ctl_server_fd(c->server), .events = POLLIN};

	while (!c->stop) {
		int t = fz_ctl_server_timeout_ms(c->server);

		if (poll(&pfd, 1, t < 0 || t > 50 ? 50 : t) < 0 && errno != EINTR)
			break;
		fz_ctl_server_poll(c->server);
	}
	return NULL;
}

int fz_control_start(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_ctl_server_conf conf = {
	    .port = (uint16_t)app->opts.ctl_port,
	    .key_path = app->opts.ctl_key,
	    .log_path = app->opts.log_file,
	    .loss = app->opts.loss,
	    .log = fz_app_log_line,
	};
	struct fz_ctl_ops ops = {app, identify, status, suspend, resume};
	struct fz_control *c;
	char msg[512];

	if (!app->opts.ctl_key) {
		FZ_LOG(INFO, "control server off: no --ctl-key\n");
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "control server: %s", strerror(ENOMEM));
		return -1;
	}
	c->app = app;
	c->server = fz_ctl_server_create(&conf, &ops, msg, sizeof(msg));
	if (!c->server) {
		snprintf(err, errlen, "control server: %s", msg);
		free(c);
		return -1;
	}
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		snprintf(err, errlen, "control server: cannot start its thread");
		fz_ctl_server_free(c->server);
		free(c);
		return -1;
	}
	app->control = c;
	if (!app->opts.log_file)
		FZ_LOG(INFO, "ctl: no --log-file: zooctl logs will answer that there is none\n");
	return 0;
}

void fz_control_stop(struct fz_appliance *app)
{
	struct fz_control *c = app->control;

	if (c == NULL)
		return;
	c->stop = 1;
	pthread_join(c->thread, NULL);
	fz_ctl_server_free(c->server);
	free(c);
	app->control = NULL;
}
