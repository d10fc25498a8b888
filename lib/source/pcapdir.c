/*
 * A directory of captures read as one input (fz_pcapdir.h): the names to
 * read, kept in version order; the current capture; the files finished,
 * handed to another thread through a small locked queue (once per file,
 * never per packet); inotify when watching.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fz_pcapdir.h"
#include "pcapdir_priv.h"

#define WAIT_MS 10

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int fz_pcapdir_skip_name(const char *name)
{
	static const char *const tails[] = {".tmp", ".part", ".current"};
	size_t n = strlen(name);

	if (n == 0 || name[0] == '.')
		return 1;
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t t = strlen(tails[i]);

		if (n >= t && strcmp(name + n - t, tails[i]) == 0)
			return 1;
	}
	return 0;
}

/* Another process holds the file open for writing (a read lease is refused then). */
static int being_written(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK), busy = 0;

	if (fd < 0)
		return 0;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	else
		busy = errno == EAGAIN;
	close(fd);
	return busy;
}

/* A name to read: not a temporary name, not waiting or being read already, and not
 * this very file (name, size, mtime) journaled or read before. */
static int offer(struct fz_pcapdir *d, const char *name, int check_writer)
{
	char id[FZ_PCAPDIR_NAME_MAX + 64];
	struct stat st;

	if (fz_pcapdir_skip_name(name) || strlen(name) >= FZ_PCAPDIR_NAME_MAX ||
	    fz_names__has(&d->todo, name) || (d->cur && strcmp(d->cur_name, name) == 0))
		return 0;
	if (fstatat(d->dirfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode))
		return 0;
	fz_pcapdir__identity(name, (uint64_t)st.st_size,
	                     (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, id,
	                     sizeof(id));
	if (fz_names__has(&d->seen, id) || fz_names__has(&d->seen, name))
		return 0;
	/* Watching, a file still being written is taken when it is closed. */
	if (check_writer && d->watch && being_written(d->dirfd, name))
		return 0;
	return fz_names__add(&d->todo, name) ? -ENOMEM : 1;
}

/* Every file in the directory now (at start, and after an inotify overflow). */
static int scan(struct fz_pcapdir *d)
{
	int fd = dup(d->dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(dir);
	while ((e = readdir(dir)) != NULL)
		if (offer(d, e->d_name, 1) < 0) {
			closedir(dir);
			return -ENOMEM;
		}
	closedir(dir);
	return 0;
}

/* New names from inotify (files closed after writing, or renamed in). */
static void take_events(struct fz_pcapdir *d, int wait_ms)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = {d->ifd, POLLIN, 0};
	ssize_t len;

	if (poll(&p, 1, wait_ms) <= 0)
		return;
	while ((len = read(d->ifd, buf, sizeof(buf))) > 0)
		for (char *q = buf; q < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)q;

			if (ev->mask & IN_Q_OVERFLOW)
				scan(d);
			else if (ev->len)
				offer(d, ev->name, 0);
			q += sizeof(*ev) + ev->len;
		}
}

static void publish_progress(struct fz_pcapdir *d)
{
	__atomic_store_n(&d->files_to_do, d->todo.n + (d->cur != NULL), __ATOMIC_RELAXED);
}

/* The current file is read to its end (or could not be opened): hand it over. */
static void finish(struct fz_pcapdir *d, struct fz_pcapdir_file *f)
{
	int bad = !f->opened || f->state != FZ_CAPTURE_EOF;
	char id[FZ_PCAPDIR_NAME_MAX + 64];

	/* Read: not again in this run (a rescan), unless written again. */
	fz_pcapdir__identity(f->name, f->size, f->mtime_ns, id, sizeof(id));
	fz_names__add(&d->seen, id);
	pthread_mutex_lock(&d->lock);
	if (fz_files__push(&d->finished, f) != 0)
		d->finished_lost++; /* no memory: the file is neither journaled nor disposed of */
	pthread_mutex_unlock(&d->lock);
	__atomic_store_n(&d->files_done, d->files_done + 1, __ATOMIC_RELAXED);
	if (bad)
		__atomic_store_n(&d->files_bad, d->files_bad + 1, __ATOMIC_RELAXED);
}

/* The current file ended: finished once its frames are accounted (the next call). */
static int defer_current(struct fz_pcapdir *d)
{
	struct ended *e;

	if (d->n_ended == d->cap_ended) {
		size_t cap = d->cap_ended ? d->cap_ended * 2 : 8;
		struct ended *v = realloc(d->ended, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		d->ended = v;
		d->cap_ended = cap;
	}
	e = &d->ended[d->n_ended++];
	memset(e, 0, sizeof(*e));
	e->cap = d->cur;
	snprintf(e->file.name, sizeof(e->file.name), "%s", d->cur_name);
	e->file.size = d->cur_size;
	e->file.mtime_ns = d->cur_mtime_ns;
	d->cur = NULL;
	return 0;
}

/* Hand over the files that ended before this call: their frames are accounted. */
static void finish_ended(struct fz_pcapdir *d)
{
	for (size_t i = 0; i < d->n_ended; i++) {
		struct fz_pcapdir_file *f = &d->ended[i].file;
		struct fz_capture *c = d->ended[i].cap;

		if (c) {
			f->opened = 1;
			f->state = fz_capture_state(c);
			f->frames = fz_capture_frames(c);
			f->skipped = fz_capture_skipped(c);
			snprintf(f->error, sizeof(f->error), "%s", fz_capture_error(c));
			__atomic_store_n(&d->skipped, d->skipped + f->skipped, __ATOMIC_RELAXED);
			fz_capture_close(c);
		}
		finish(d, f);
	}
	d->n_ended = 0;
}

/* Open the next name in order; 1 when one is open, 0 when none is waiting. A file
 * that cannot be opened ends at once (after those before it). */
static int open_next(struct fz_pcapdir *d)
{
	while (d->todo.n) {
		char path[PATH_MAX + FZ_PCAPDIR_NAME_MAX], err[256];
		char *name = fz_names__pop_first(&d->todo);

		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", d->dir, name);
		memset(&st, 0, sizeof(st));
		stat(path, &st);
		d->cur_size = (uint64_t)st.st_size;
		d->cur_mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		d->cur = fz_capture_open(path, err, sizeof(err));
		snprintf(d->cur_name, sizeof(d->cur_name), "%s", name);
		free(name);
		if (d->cur) {
			publish_progress(d);
			return 1;
		}
		if (defer_current(d) == 0) /* cur is NULL: an entry with opened 0 */
			snprintf(d->ended[d->n_ended - 1].file.error,
			         sizeof(d->ended[0].file.error), "%s", err);
	}
	publish_progress(d);
	return 0;
}

/*
 * Bursts run on from one file into the next, as over the files' concatenation:
 * the worker sees the same bursts (and so expires flows at the same moments).
 */
unsigned fz_pcapdir_burst(void *ctx, struct fz_frame *f, unsigned n, int *ended)
{
	struct fz_pcapdir *d = ctx;
	unsigned k = 0;
	int waited = 0;

	*ended = 0;
	finish_ended(d);
	while (k < n) {
		if (d->cur) {
			k += fz_capture_burst(d->cur, f + k, n - k);
			/* Short and not ended: the capture must read again before more
			 * (its frames in this burst keep their buffer until then). */
			if (fz_capture_state(d->cur) == FZ_CAPTURE_OK)
				break;
			if (defer_current(d) != 0)
				break; /* no memory: ended at the next call */
		}
		if (d->watch)
			take_events(d, 0);
		if (open_next(d))
			continue;
		if (k || !d->watch || *d->stop || waited)
			break;
		take_events(d, WAIT_MS);
		waited = 1;
	}
	if (k) {
		__atomic_store_n(&d->frames, d->frames + k, __ATOMIC_RELAXED);
		if (f[k - 1].has_ts) {
			__atomic_store_n(&d->last_ts_us, f[k - 1].ts_us, __ATOMIC_RELAXED);
			__atomic_store_n(&d->last_mono_us, mono_us(), __ATOMIC_RELAXED);
		}
		return k;
	}
	finish_ended(d); /* no frame of theirs is out */
	*ended = d->cur == NULL && (!d->watch || *d->stop);
	return 0;
}

uint64_t fz_pcapdir_now_us(void *ctx)
{
	const struct fz_pcapdir *d = ctx;
	uint64_t ts = __atomic_load_n(&d->last_ts_us, __ATOMIC_RELAXED);

	return ts ? ts + (mono_us() - __atomic_load_n(&d->last_mono_us, __ATOMIC_RELAXED)) : 0;
}

int fz_pcapdir_next_finished(struct fz_pcapdir *d, struct fz_pcapdir_file *out)
{
	int got;

	pthread_mutex_lock(&d->lock);
	got = fz_files__pop(&d->finished, out) == 0;
	pthread_mutex_unlock(&d->lock);
	return got;
}

void fz_pcapdir_progress(const struct fz_pcapdir *d, struct fz_pcapdir_progress *p)
{
	p->files_done = __atomic_load_n(&d->files_done, __ATOMIC_RELAXED);
	p->files_to_do = __atomic_load_n(&d->files_to_do, __ATOMIC_RELAXED);
	p->files_bad = __atomic_load_n(&d->files_bad, __ATOMIC_RELAXED);
	p->frames = __atomic_load_n(&d->frames, __ATOMIC_RELAXED);
	p->skipped = __atomic_load_n(&d->skipped, __ATOMIC_RELAXED);
}

struct fz_pcapdir *fz_pcapdir_open(const struct fz_pcapdir_conf *conf, char *err, size_t errlen)
{
	struct fz_pcapdir *d = calloc(1, sizeof(*d));
	int e;

	if (d == NULL) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->dirfd = d->ifd = d->jfd = -1;
	d->watch = conf->watch;
	d->stop = conf->stop;
	d->todo.desc = 1; /* taken first in order first: from the end */
	snprintf(d->dir, sizeof(d->dir), "%s", conf->dir);
	d->dirfd = open(conf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0) {
		e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		goto fail;
	}
	if (d->watch) {
		d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (d->ifd < 0 ||
		    inotify_add_watch(d->ifd, conf->dir,
		                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
			e = errno;
			snprintf(err, errlen, "cannot watch it: %s", strerror(e));
			goto fail;
		}
	}
	e = fz_pcapdir__journal_open(d, conf->journal, err, errlen);
	if (e)
		goto fail;
	e = -scan(d);
	if (e) {
		snprintf(err, errlen, "cannot list it: %s", strerror(e));
		goto fail;
	}
	publish_progress(d);
	return d;
fail:
	fz_pcapdir_close(d);
	errno = e;
	return NULL;
}

void fz_pcapdir_close(struct fz_pcapdir *d)
{
	if (d == NULL)
		return;
	fz_capture_close(d->cur);
	for (size_t i = 0; i < d->n_ended; i++)
		fz_capture_close(d->ended[i].cap);
	free(d->ended);
	if (d->dirfd >= 0)
		close(d->dirfd);
	if (d->ifd >= 0)
		close(d->ifd);
	if (d->jfd >= 0)
		close(d->jfd);
	fz_names__free(&d->seen);
	fz_names__free(&d->todo);
	free(d->finished.v);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
