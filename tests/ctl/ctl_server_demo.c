/*
 * A stand-in appliance for tests: lib/ctl's server with fake operations
 * (packet counters that grow while collecting and freeze while suspended).
 * It lets test_ctl.py run several "appliances" without DPDK.
 *
 * ctl_server_demo --port P --key FILE [--log-file FILE] [--loss P] [--id NAME]
 *                 [--bind ADDR] [--window CHUNKS]
 * Prints "ready PORT" on standard output once listening, logs to standard
 * error, and prints the server's counters as JSON when SIGTERM/SIGINT ends it.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fz_ctl_server.h"

struct demo {
	const char *id;
	int suspended;
	uint64_t packets, bytes, suspended_drops;
	struct timespec start, last;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Advance the fake traffic: 1000 packets of 100 bytes per second. */
static void tick(struct demo *d)
{
	struct timespec now;
	uint64_t n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	n = (uint64_t)(since(&d->last, &now) * 1000);
	if (n == 0)
		return;
	d->last = now;
	if (d->suspended) {
		d->suspended_drops += n;
	} else {
		d->packets += n;
		d->bytes += 100 * n;
	}
}

static json_t *identify(void *arg)
{
	struct demo *d = arg;
	struct timespec now;
	char host[256] = "";

	clock_gettime(CLOCK_MONOTONIC, &now);
	gethostname(host, sizeof(host) - 1);
	return json_pack("{s:s, s:s, s:s, s:[s], s:f}", "collector", d->id, "host", host, "version",
	                 "demo", "ports", "demo0", "uptime_s", since(&d->start, &now));
}

static json_t *status(void *arg)
{
	struct demo *d = arg;

	tick(d);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:{s:I}}", "collector", d->id, "state",
	                 d->suspended ? "suspended" : "collecting", "packets",
	                 (json_int_t)d->packets, "bytes", (json_int_t)d->bytes, "flows",
	                 (json_int_t)(d->packets / 10), "drops", "suspended",
	                 (json_int_t)d->suspended_drops);
}

static int suspend(void *arg)
{
	struct demo *d = arg;

	tick(d);
	d->suspended = 1;
	return 0;
}

static int resume(void *arg)
{
	struct demo *d = arg;

	tick(d);
	d->suspended = 0;
	return 0;
}

static void log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"port", required_argument, NULL, 'p'},     {"key", required_argument, NULL, 'k'},
	    {"log-file", required_argument, NULL, 'L'}, {"loss", required_argument, NULL, 'l'},
	    {"id", required_argument, NULL, 'i'},       {"bind", required_argument, NULL, 'b'},
	    {"window", required_argument, NULL, 'w'},   {NULL, 0, NULL, 0}};
	struct fz_ctl_server_conf conf = {.log = log_line};
	struct demo d = {.id = "demo"};
	struct fz_ctl_ops ops = {&d, identify, status, suspend, resume};
	struct fz_ctl_server *s;
	char err[256];
	json_t *counters;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			conf.port = (uint16_t)atoi(optarg);
			break;
		case 'k':
			conf.key_path = optarg;
			break;
		case 'L':
			conf.log_path = optarg;
			break;
		case 'l':
			conf.loss = atof(optarg);
			break;
		case 'i':
			d.id = optarg;
			break;
		case 'b':
			conf.bind_addr = optarg;
			break;
		case 'w': /* 1 = stop-and-wait, to measure the baseline */
			conf.window = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!conf.key_path) {
		fprintf(stderr, "ctl_server_demo: --key is required\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.start);
	d.last = d.start;
	s = fz_ctl_server_create(&conf, &ops, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "ctl_server_demo: %s\n", err);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready %u\n", fz_ctl_server_port(s));
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = {.fd = fz_ctl_server_fd(s), .events = POLLIN};
		int wait;

		/* As a control thread would: sleep until a datagram comes or a
		 * transfer's timer runs out; at most 100 ms, to see the stop flag. */
		fz_ctl_server_poll(s);
		wait = fz_ctl_server_timeout_ms(s);
		if (wait != 0)
			poll(&pfd, 1, wait < 0 || wait > 100 ? 100 : wait);
		tick(&d);
	}
	counters = fz_ctl_server_counters(s);
	json_dumpf(counters, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(counters);
	fz_ctl_server_free(s);
	return 0;
}
