/*
 * JSON-lines exporter: one record per line to a file or standard output.
 *
 * stdio buffers the lines (1 MiB); the buffer is flushed at least every
 * flush_ms by poll() so that a reader of the file is never far behind. A
 * write or flush that fails (disk full, a closed pipe) loses the lines not
 * yet on disk: they are counted, the failure is logged once, and the
 * exporter stops writing (every later item is counted as lost) rather than
 * fail again on every record.
 *
 * Compressed (fz_jsonl_compress), the lines go through a zstd stream
 * (jsonl_zstd.c) before stdio's buffer: a flush makes every line so far
 * decodable from the file, and the file's zstd frame is ended when it is
 * closed or reopened, so that a rotated file is whole on its own.
 *
 * A regular file is written behind (writebehind.c): every 32 MiB the kernel
 * is told to write the new data, and 128 MiB later, once on disk, to drop it
 * from the page cache, instead of gigabytes of dirty pages throttled by the
 * kernel (the large flood's plain JSON: 30.3 s before, 10 s written behind).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fz_export.h"
#include "jsonl_zstd.h"
#include "writebehind.h"

/* stdio's buffer of a file. Given by us: glibc ignores setvbuf's size without a buffer. */
#define IOBUF_SIZE (1u << 20)
/* Bytes of lines between two write-behind steps (each an lseek). */
#define WB_EVERY (1u << 20)

struct jsonl {
	struct fz_exporter base;
	FILE *f;
	char *iobuf;              /* f's buffer (IOBUF_SIZE; NULL for stdout) */
	struct fz_jsonl_zstd *z;  /* compressed: the zstd stream in front of f; else NULL */
	struct fz_writebehind wb; /* f's data handed to the disk a window at a time */
	size_t wb_bytes;          /* bytes of lines since the last write-behind step */
	int is_stdout;
	enum fz_jsonl_mode mode;
	char *path;
	uint64_t written[FZ_ITEM__COUNT]; /* lines that reached the file */
	uint64_t pending[FZ_ITEM__COUNT]; /* lines in stdio's buffer */
	uint64_t unflushed;               /* their sum */
	uint64_t write_errors;            /* failed writes and flushes */
	uint64_t lost;                    /* records that never reached the file */
	int broken;                       /* a write failed: write nothing more */
	unsigned flush_ms;
	uint64_t last_flush_ms;
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A write failed: count what is lost, say so once, stop writing. */
static void fail(struct jsonl *j, int err, const char *what)
{
	char line[512];

	j->write_errors++;
	j->lost += j->unflushed;
	j->unflushed = 0;
	memset(j->pending, 0, sizeof(j->pending));
	if (j->z)
		fz_jsonl__zstd_reset(j->z);
	if (j->broken)
		return;
	j->broken = 1;
	if (j->log) {
		snprintf(line, sizeof(line),
		         "jsonl %s: %s failed: %s; records are lost from here on (counted as lost)",
		         j->path, what, strerror(err));
		j->log(j->log_arg, line);
	}
	if (!j->is_stdout && j->f) {
		fclose(j->f);
		j->f = NULL;
	}
}

/* Everything taken to the file; end: the zstd frame too (before a close or reopen). */
static int flush_lines(struct jsonl *j, int end)
{
	int rc;

	if (j->broken)
		return -EPIPE;
	j->last_flush_ms = mono_ms();
	if (j->z && (rc = fz_jsonl__zstd_flush(j->z, j->f, end)) < 0) {
		fail(j, -rc, "flush");
		return rc;
	}
	if (fflush(j->f) != 0) {
		int err = errno;

		fail(j, err, "flush");
		return -err;
	}
	for (int k = 0; k < FZ_ITEM__COUNT; k++) {
		j->written[k] += j->pending[k];
		j->pending[k] = 0;
	}
	j->unflushed = 0;
	return 0;
}

static int jsonl_flush(struct fz_exporter *e, int timeout_ms)
{
	(void)timeout_ms;
	return flush_lines((struct jsonl *)e, 0);
}

static int jsonl_take(struct fz_exporter *e, struct fz_item *it)
{
	struct jsonl *j = (struct jsonl *)e;
	const char *json;
	size_t len;
	int rc;

	if (j->broken) {
		j->lost++;
		return -EPIPE;
	}
	rc = fz_item_json(it, &json, &len);
	if (rc < 0) {
		j->lost++;
		return rc;
	}
	if (j->z)
		rc = fz_jsonl__zstd_line(j->z, j->f, json, len);
	else if (fwrite_unlocked(json, 1, len, j->f) != len || putc_unlocked('\n', j->f) == EOF)
		rc = errno ? -errno : -EIO; /* unlocked: one thread at a time uses an exporter */
	if (rc < 0) {
		j->unflushed++; /* this one too */
		fail(j, -rc, "write");
		return rc;
	}
	j->pending[it->kind]++;
	j->unflushed++;
	j->wb_bytes += len + 1;
	if (j->wb_bytes >= WB_EVERY) {
		j->wb_bytes = 0;
		rc = fz_jsonl__wb_step(&j->wb);
		if (rc < 0) {
			fail(j, -rc, "write-back");
			return rc;
		}
	}
	return 0;
}

static void jsonl_poll(struct fz_exporter *e)
{
	struct jsonl *j = (struct jsonl *)e;

	if (!j->broken && j->unflushed && mono_ms() - j->last_flush_ms >= j->flush_ms)
		jsonl_flush(e, 0);
}

static json_t *jsonl_status(struct fz_exporter *e)
{
	struct jsonl *j = (struct jsonl *)e;

	json_t *s = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "path", j->path, "flows",
	                      (json_int_t)j->written[FZ_ITEM_FLOW], "stats",
	                      (json_int_t)j->written[FZ_ITEM_STATS], "alerts",
	                      (json_int_t)j->written[FZ_ITEM_ALERT], "write_errors",
	                      (json_int_t)j->write_errors, "lost", (json_int_t)j->lost);

	/* Added after the others: the summary's fields keep their order. */
	if (s && j->written[FZ_ITEM_TRAFFIC])
		json_object_set_new(s, "traffic",
		                    json_integer((json_int_t)j->written[FZ_ITEM_TRAFFIC]));
	return s;
}

static uint64_t jsonl_lost(struct fz_exporter *e)
{
	return ((struct jsonl *)e)->lost;
}

static FILE *open_file(const char *path, enum fz_jsonl_mode mode, char *iobuf)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	struct stat st;
	FILE *f;
	int fd;

	if (mode == FZ_JSONL_TRUNCATE)
		flags |= O_TRUNC;
	else
		flags |= O_APPEND;
	fd = open(path, flags, 0644);
	if (fd < 0)
		return NULL;
	if (mode == FZ_JSONL_REFUSE && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0) {
		close(fd);
		errno = EEXIST;
		return NULL;
	}
	f = fdopen(fd, "a");
	if (f == NULL) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	/* Large buffer: records are small and many. */
	setvbuf(f, iobuf, _IOFBF, IOBUF_SIZE);
	return f;
}

/* SIGHUP (logrotate): flush, close, open the path again (appending). */
static int jsonl_reopen(struct fz_exporter *e)
{
	struct jsonl *j = (struct jsonl *)e;
	FILE *f;

	if (j->is_stdout || j->broken)
		return 0;
	flush_lines(j, 1);
	if (j->broken)
		return -EIO;
	/* Closed first: the new file takes over its (now empty) buffer. */
	fclose(j->f);
	j->f = NULL;
	f = open_file(j->path, FZ_JSONL_APPEND, j->iobuf);
	if (f == NULL) {
		int err = errno;

		fail(j, err, "reopen");
		return -err;
	}
	j->f = f;
	fz_jsonl__wb_init(&j->wb, fileno(f));
	return 0;
}

static void jsonl_close(struct fz_exporter *e)
{
	struct jsonl *j = (struct jsonl *)e;

	if (!j->broken)
		flush_lines(j, 1);
	if (j->f && !j->is_stdout) {
		FILE *f = j->f;

		j->f = NULL; /* so that fail() does not close it again */
		if (fclose(f) != 0 && !j->broken)
			fail(j, errno, "close");
	}
	fz_jsonl__zstd_free(j->z);
	free(j->iobuf);
	free(j->path);
	free(j);
}

static uint64_t jsonl_pending(struct fz_exporter *e)
{
	struct jsonl *j = (struct jsonl *)e;

	if (j->unflushed && !j->broken)
		jsonl_flush(e, 0); /* a failure loses the lines: counted in lost */
	return j->unflushed;
}

static const struct fz_exporter_ops jsonl_ops = {
    .take = jsonl_take,
    .poll = jsonl_poll,
    .flush = jsonl_flush,
    .status = jsonl_status,
    .lost = jsonl_lost,
    .pending = jsonl_pending,
    .reopen = jsonl_reopen,
    .close = jsonl_close,
};

struct fz_exporter *fz_jsonl_open(const char *path, enum fz_jsonl_mode mode, unsigned flush_ms,
                                  void (*log)(void *arg, const char *line), void *log_arg)
{
	struct jsonl *j;

	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->path = strdup(path);
	if (j->path == NULL) {
		free(j);
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		j->f = stdout;
		j->is_stdout = 1;
	} else {
		j->iobuf = malloc(IOBUF_SIZE);
		j->f = j->iobuf ? open_file(path, mode, j->iobuf) : NULL;
		if (j->f == NULL) {
			int e = j->iobuf ? errno : ENOMEM;

			free(j->iobuf);
			free(j->path);
			free(j);
			errno = e;
			return NULL;
		}
	}
	fz_jsonl__wb_init(&j->wb, fileno(j->f));
	j->mode = mode;
	j->flush_ms = flush_ms ? flush_ms : 1000;
	j->last_flush_ms = mono_ms();
	j->log = log;
	j->log_arg = log_arg;
	j->base.ops = &jsonl_ops;
	j->base.name = "jsonl";
	j->base.kinds = FZ_ITEM_ALL;
	return &j->base;
}

int fz_jsonl_compress(struct fz_exporter *e, int level)
{
	struct jsonl *j = (struct jsonl *)e;

	if (e->ops != &jsonl_ops || j->z || j->unflushed)
		return -EINVAL;
	for (int k = 0; k < FZ_ITEM__COUNT; k++)
		if (j->written[k])
			return -EINVAL; /* before the first line only */
	if (level == FZ_JSONL_PLAIN)
		return 0;
	j->z = fz_jsonl__zstd_new(level);
	return j->z ? 0 : -errno;
}
