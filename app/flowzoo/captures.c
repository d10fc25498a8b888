#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "app.h"
#include "captures.h"
#include "fz_capture.h"
#include "fz_pcapdir.h"
#include "log.h"
#include "ports.h"

#define PER_PORT 16 /* files per "port", as net_pcap had queues per vdev */
/* The bytes of a frame the parser and L7 see: what the first segment of a
 * DPDK mbuf holds (RTE_MBUF_DEFAULT_DATAROOM), so that a jumbo frame gives
 * the same results read from a file as through a port. Bytes count whole. */
#define FIRST_SEGMENT 2048

struct fz_captures {
	unsigned n;
	struct fz_capture *cap[FZ_MAX_PCAPS];
};

int fz_captures_wanted(const struct fz_appliance *app, int user_eal)
{
	if (app->opts.pcap_dir)
		return 1;
	return app->opts.n_pcaps > 0 && !user_eal && !app->opts.pcap_eal &&
	       app->opts.stats_lcore <= 0;
}

/* Frames in a capture: a walk over its record headers. */
static uint64_t count_frames(const char *path)
{
	struct fz_frame f[64];
	char err[256];
	struct fz_capture *c = fz_capture_open(path, err, sizeof(err));
	uint64_t n = 0;
	unsigned k;

	if (c == NULL)
		return 0;
	while ((k = fz_capture_burst(c, f, 64)) > 0)
		n += k;
	if (fz_capture_state(c) != FZ_CAPTURE_EOF)
		fprintf(stderr, "flowzoo: --pcap %s: %s (reading the first %llu frames)\n", path,
		        fz_capture_error(c), (unsigned long long)n);
	fz_capture_close(c);
	return n;
}

int fz_captures_open(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_captures *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "--pcap: %s", strerror(ENOMEM));
		return -1;
	}
	app->captures = s;
	if (app->opts.pcap_dir)
		return fz_capture_dir_open(app, err, errlen);
	for (unsigned i = 0; i < app->opts.n_pcaps; i++) {
		const char *path = app->opts.pcaps[i];
		char why[256];
		struct fz_capture *c = fz_capture_open(path, why, sizeof(why));

		if (c == NULL) {
			snprintf(err, errlen, "--pcap %s: %s", path, why);
			return -1;
		}
		s->cap[s->n++] = c;
		if (fz_capture_link(c) < 0) {
			const char *name = pcap_datalink_val_to_name((int)fz_capture_linktype(c));

			snprintf(err, errlen,
			         "--pcap %s: link type %s is not supported (Ethernet, Linux cooked "
			         "SLL and SLL2, raw IP are)",
			         path, name ? name : "unknown");
			return -1;
		}
	}
	/* Only the progress line needs the frame count: the worker sees the end itself. */
	if (fz_reports_progress_on(app))
		for (unsigned i = 0; i < s->n; i++)
			app->expect_packets += count_frames(app->opts.pcaps[i]);
	return 0;
}

static unsigned first_segment(struct fz_frame *f, unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		if (f[i].len > FIRST_SEGMENT)
			f[i].len = FIRST_SEGMENT;
	return k;
}

static unsigned capture_burst(void *ctx, struct fz_frame *f, unsigned n, int *ended)
{
	return first_segment(f, fz_capture_source_burst(ctx, f, n, ended));
}

unsigned fz_captures_source_burst_dir(void *ctx, struct fz_frame *f, unsigned n, int *ended)
{
	return first_segment(f, fz_pcapdir_burst(ctx, f, n, ended));
}

void fz_captures_bind(struct fz_appliance *app)
{
	struct fz_worker_conf *c = &app->wconf[0];
	struct fz_captures *s = app->captures;

	if (app->capture_dir) {
		memset(&c->queues[0], 0, sizeof(c->queues[0]));
		c->queues[0].ts_us = 1;
		fz_capture_dir_bind(app, &c->queues[0]);
		c->n_queues = 1;
		return;
	}
	c->n_queues = s->n;
	for (unsigned i = 0; i < s->n; i++) {
		struct fz_worker_queue *q = &c->queues[i];

		memset(q, 0, sizeof(*q));
		q->port = (uint16_t)(i / PER_PORT);
		q->queue = (uint16_t)(i % PER_PORT);
		q->ts_us = 1;
		q->src.burst = capture_burst;
		q->src.ctx = s->cap[i];
	}
}

void fz_captures_report(struct fz_appliance *app)
{
	struct fz_captures *s = app->captures;

	for (unsigned i = 0; s && i < s->n; i++) {
		struct fz_capture *c = s->cap[i];
		const char *path = app->opts.pcaps[i];
		unsigned long long read = (unsigned long long)fz_capture_frames(c);

		if (fz_capture_state(c) == FZ_CAPTURE_TRUNCATED)
			FZ_LOG(
			    ERR,
			    "--pcap %s: the capture is truncated: %llu frames read, then a record "
			    "cut short (counted in ierrors)\n",
			    path, read);
		else if (fz_capture_state(c) == FZ_CAPTURE_CORRUPT)
			FZ_LOG(ERR,
			       "--pcap %s: the capture is corrupt: %llu frames read, then %s; the "
			       "rest is not read (counted in ierrors)\n",
			       path, read, fz_capture_error(c));
		if (fz_capture_skipped(c))
			FZ_LOG(ERR,
			       "--pcap %s: %llu frames skipped: their interface's link type is not "
			       "supported, or they name no interface (counted in ierrors)\n",
			       path, (unsigned long long)fz_capture_skipped(c));
	}
}

int fz_captures_start(struct fz_appliance *app, char *err, size_t errlen)
{
	return app->capture_dir ? fz_capture_dir_start(app, err, errlen) : 0;
}

void fz_captures_finish(struct fz_appliance *app)
{
	if (app->capture_dir)
		fz_capture_dir_finish(app);
}

static unsigned n_ports(void *arg)
{
	const struct fz_appliance *app = arg;

	if (app->capture_dir)
		return 1;
	return app->captures ? (app->captures->n + PER_PORT - 1) / PER_PORT : 0;
}

/* ipackets, imissed, ierrors, rx_nombuf (struct fz_port_counts) of files [16 i, 16 i + 16). */
static void read_port(void *arg, unsigned i, uint64_t *out)
{
	const struct fz_captures *s = ((const struct fz_appliance *)arg)->captures;
	struct fz_port_counts *b = (struct fz_port_counts *)out;

	memset(b, 0, sizeof(*b));
	if (((const struct fz_appliance *)arg)->capture_dir) {
		fz_capture_dir_counts(arg, b);
		return;
	}
	for (unsigned f = i * PER_PORT; f < s->n && f < (i + 1) * PER_PORT; f++) {
		enum fz_capture_state st = fz_capture_state(s->cap[f]);

		b->ipackets += fz_capture_frames(s->cap[f]);
		b->ierrors += fz_capture_skipped(s->cap[f]);
		b->ierrors += st == FZ_CAPTURE_TRUNCATED || st == FZ_CAPTURE_CORRUPT;
	}
}

static void label_port(void *arg, unsigned i, char *buf, size_t cap)
{
	if (((const struct fz_appliance *)arg)->capture_dir)
		snprintf(buf, cap, "pcap-dir");
	else
		snprintf(buf, cap, "net_pcap%u", i);
}

const struct fz_counter_set *fz_captures_counter_set(struct fz_appliance *app)
{
	return fz_ports_counter_set_of(n_ports, read_port, label_port, app);
}

void fz_captures_close(struct fz_appliance *app)
{
	struct fz_captures *s = app->captures;

	fz_capture_dir_close(app);
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n; i++)
		fz_capture_close(s->cap[i]);
	free(s);
	app->captures = NULL;
}
