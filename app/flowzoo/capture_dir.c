/*
 * --pcap-dir: a directory of captures as the worker's one packet source
 * (lib/source/fz_pcapdir.h), and what becomes of each file once its
 * records are delivered: a timer on the stats lcore takes the files the
 * reader finished, waits until the ring has given the stats lcore every
 * record the worker had made by then and the exporters hold none of them
 * undelivered, then journals the file and keeps, deletes or moves it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_ring.h>

#include "app.h"
#include "captures.h"
#include "fz_pcapdir.h"
#include "log.h"
#include "ports.h"

/* A file whose records are on their way: done once the consumer passed mark. */
struct settling {
	struct fz_pcapdir_file f;
	uint32_t mark; /* the ring's producer tail when the file was taken */
	int bad;
	int jrc; /* journal_and_dispose: the journal write's result */
};

struct fz_capture_dir {
	struct fz_pcapdir *src;
	const char *move_to; /* --done move:DIR */
	int delete;
	struct settling *v;
	size_t n, cap;
	int loss_said;
	uint64_t journal_errors;
};

int fz_capture_dir_open(struct fz_appliance *app, char *err, size_t errlen)
{
	const struct fz_opts *o = &app->opts;
	struct fz_pcapdir_conf c = {o->pcap_dir, o->pcap_journal, o->pcap_watch, &app->stop};
	struct fz_capture_dir *d = calloc(1, sizeof(*d));
	char why[512];

	if (d == NULL) {
		snprintf(err, errlen, "--pcap-dir: %s", strerror(ENOMEM));
		return -1;
	}
	app->capture_dir = d;
	if (o->pcap_done && strncmp(o->pcap_done, "move:", 5) == 0) {
		struct stat a, b;

		d->move_to = o->pcap_done + 5;
		/* A rename cannot cross file systems; a copy could half happen. */
		if (stat(o->pcap_dir, &a) || stat(d->move_to, &b) || a.st_dev != b.st_dev) {
			snprintf(
			    err, errlen,
			    "--done move:%s: not on the file system of --pcap-dir %s (files are "
			    "renamed, never copied)",
			    d->move_to, o->pcap_dir);
			return -1;
		}
	}
	d->delete = o->pcap_done && strcmp(o->pcap_done, "delete") == 0;
	d->src = fz_pcapdir_open(&c, why, sizeof(why));
	if (d->src == NULL) {
		snprintf(err, errlen, "--pcap-dir %s: %s", o->pcap_dir, why);
		return -1;
	}
	return 0;
}

void fz_capture_dir_bind(struct fz_appliance *app, struct fz_worker_queue *q)
{
	q->src.burst = fz_captures_source_burst_dir;
	q->src.now_us = fz_pcapdir_now_us;
	q->src.ctx = app->capture_dir->src;
}

static void report_file(const struct fz_appliance *app, const struct fz_pcapdir_file *f)
{
	const char *dir = app->opts.pcap_dir;

	if (!f->opened)
		FZ_LOG(ERR, "--pcap-dir %s: %s: %s; skipped (counted in ierrors)\n", dir, f->name,
		       f->error);
	else if (f->state == FZ_CAPTURE_TRUNCATED)
		FZ_LOG(ERR,
		       "--pcap-dir %s: %s: the capture is truncated: %llu frames read, then %s "
		       "(counted in ierrors)\n",
		       dir, f->name, (unsigned long long)f->frames, f->error);
	else if (f->state == FZ_CAPTURE_CORRUPT)
		FZ_LOG(ERR,
		       "--pcap-dir %s: %s: the capture is corrupt: %llu frames read, then %s; the "
		       "rest is not read (counted in ierrors)\n",
		       dir, f->name, (unsigned long long)f->frames, f->error);
	if (f->skipped)
		FZ_LOG(ERR,
		       "--pcap-dir %s: %s: %llu frames skipped: their interface's link type is not "
		       "supported, or they name no interface (counted in ierrors)\n",
		       dir, f->name, (unsigned long long)f->skipped);
}

/* Keep, delete or move a journaled file (a bad one is always kept). */
static void dispose(struct fz_appliance *app, const struct settling *s)
{
	struct fz_capture_dir *d = app->capture_dir;
	int rc;

	if (s->bad || (!d->delete &&!d->move_to))
		return;
	rc = fz_pcapdir_dispose(d->src, s->f.name, d->move_to);
	if (rc)
		FZ_LOG(ERR, "--pcap-dir %s: %s: cannot %s it: %s\n", app->opts.pcap_dir, s->f.name,
		       d->move_to ? "move" : "delete", strerror(-rc));
}

/* Journal the first n files with one sync, then dispose of them. */
static void journal_and_dispose(struct fz_appliance *app, size_t n)
{
	struct fz_capture_dir *d = app->capture_dir;
	int sync;

	for (size_t i = 0; i < n; i++)
		d->v[i].jrc = fz_pcapdir_journal_add(d->src, &d->v[i].f);
	sync = fz_pcapdir_journal_sync(d->src);
	for (size_t i = 0; i < n; i++) {
		int rc = d->v[i].jrc ? d->v[i].jrc : sync;

		if (rc == 0) {
			dispose(app, &d->v[i]);
			continue;
		}
		d->journal_errors++;
		FZ_LOG(ERR, "--pcap-dir %s: %s: cannot write the journal: %s; the file is kept\n",
		       app->opts.pcap_dir, d->v[i].f.name, strerror(-rc));
	}
}

/* Room for one more file waiting to settle. 0, or -1 (no memory: later). */
static int room(struct fz_capture_dir *d)
{
	size_t cap = d->cap ? d->cap * 2 : 16;
	struct settling *v;

	if (d->n < d->cap)
		return 0;
	v = realloc(d->v, cap * sizeof(*v));
	if (v == NULL)
		return -1;
	d->v = v;
	d->cap = cap;
	return 0;
}

/* Files delivered up to now. final: the workers are done, the pipeline flushed. */
static void settle(struct fz_appliance *app, int final)
{
	struct fz_capture_dir *d = app->capture_dir;
	struct rte_ring *r = app->rings[0];
	struct fz_pcapdir_file f;
	size_t done = 0;

	while (room(d) == 0 && fz_pcapdir_next_finished(d->src, &f)) {
		report_file(app, &f);
		d->v[d->n].f = f;
		/* Read after the file was taken: every record made before is behind it. */
		d->v[d->n].mark = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
		d->v[d->n].bad = !f.opened || f.state != FZ_CAPTURE_EOF;
		d->n++;
	}
	if (d->n == 0)
		return;
	if (fz_pipeline_lost(app->pipeline)) {
		if (!d->loss_said)
			FZ_LOG(ERR,
			       "--pcap-dir %s: records were lost: files read from now on are "
			       "kept and not journaled, so that a restart reads them again\n",
			       app->opts.pcap_dir);
		d->loss_said = 1;
		return;
	}
	if (fz_pipeline_pending(app->pipeline))
		return;
	while (done < d->n && (final || (int32_t)(r->cons.tail - d->v[done].mark) >= 0))
		done++;
	if (done == 0)
		return;
	journal_and_dispose(app, done);
	memmove(d->v, d->v + done, (d->n - done) * sizeof(*d->v));
	d->n -= done;
}

static void settle_timer(void *arg, uint64_t now_us, int final)
{
	(void)now_us;
	(void) final; /* the final settle comes after the final flush (fz_captures_finish) */
	settle(arg, 0);
}

int fz_capture_dir_start(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_timer_conf t = {"pcap-dir", FZ_TIMER_WALL, 100000, 0, settle_timer, app};

	if (fz_timers_add(app->timers, &t)) {
		snprintf(err, errlen, "--pcap-dir: cannot add its timer");
		return -1;
	}
	return 0;
}

void fz_capture_dir_finish(struct fz_appliance *app)
{
	settle(app, 1);
	if (app->capture_dir->n)
		FZ_LOG(ERR,
		       "--pcap-dir %s: %zu file(s) kept and not journaled: their records were "
		       "not all delivered\n",
		       app->opts.pcap_dir, app->capture_dir->n);
}

void fz_capture_dir_counts(const struct fz_appliance *app, struct fz_port_counts *b)
{
	struct fz_pcapdir_progress p;

	fz_pcapdir_progress(app->capture_dir->src, &p);
	b->ipackets = p.frames;
	b->ierrors = p.files_bad + p.skipped;
}

void fz_capture_dir_progress(const struct fz_appliance *app, char *buf, size_t cap)
{
	struct fz_pcapdir_progress p;

	fz_pcapdir_progress(app->capture_dir->src, &p);
	snprintf(buf, cap, ", files %llu done, %llu to do%s", (unsigned long long)p.files_done,
	         (unsigned long long)p.files_to_do, app->opts.pcap_watch ? " (watching)" : "");
}

void fz_capture_dir_close(struct fz_appliance *app)
{
	struct fz_capture_dir *d = app->capture_dir;

	if (d == NULL)
		return;
	fz_pcapdir_close(d->src);
	free(d->v);
	free(d);
	app->capture_dir = NULL;
}
