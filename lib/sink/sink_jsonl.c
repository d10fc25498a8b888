/*
 * JSON-lines sink: one record per line to a file or stdout. stdio buffers
 * the writes; a failed write is counted as a dropped record and reported in
 * status, never fatal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_sink.h"

struct jsonl_sink {
	struct fz_sink base;
	FILE *f;
	int is_stdout;
	char *path;
	uint64_t written[FZ_TOPIC__COUNT];
	uint64_t failed;
};

static int jsonl_write(struct fz_sink *s, const struct fz_sink_msg *m)
{
	struct jsonl_sink *j = (struct jsonl_sink *)s;

	if (fwrite(m->json, 1, m->len, j->f) != m->len || fputc('\n', j->f) == EOF) {
		j->failed++;
		return -EIO;
	}
	j->written[m->topic]++;
	return 0;
}

static void jsonl_poll(struct fz_sink *s)
{
	(void)s;
}

static int jsonl_flush(struct fz_sink *s, int timeout_ms)
{
	struct jsonl_sink *j = (struct jsonl_sink *)s;

	(void)timeout_ms;
	return fflush(j->f) == 0 ? 0 : -errno;
}

static json_t *jsonl_status(struct fz_sink *s)
{
	struct jsonl_sink *j = (struct jsonl_sink *)s;

	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "path", j->path, "flows",
	                 (json_int_t)j->written[FZ_TOPIC_FLOWS], "stats",
	                 (json_int_t)j->written[FZ_TOPIC_STATS], "alerts",
	                 (json_int_t)j->written[FZ_TOPIC_ALERTS], "write_errors",
	                 (json_int_t)j->failed);
}

static void jsonl_close(struct fz_sink *s)
{
	struct jsonl_sink *j = (struct jsonl_sink *)s;

	if (j->is_stdout)
		fflush(j->f);
	else
		fclose(j->f);
	free(j->path);
	free(j);
}

static const struct fz_sink_ops jsonl_ops = {
    .write = jsonl_write,
    .poll = jsonl_poll,
    .flush = jsonl_flush,
    .status = jsonl_status,
    .close = jsonl_close,
};

struct fz_sink *fz_sink_jsonl_open(const char *path)
{
	struct jsonl_sink *j;

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
		j->f = fopen(path, "w");
		if (j->f == NULL) {
			int e = errno;

			free(j->path);
			free(j);
			errno = e;
			return NULL;
		}
		/* Large buffer: records are small and many. */
		setvbuf(j->f, NULL, _IOFBF, 1 << 20);
	}
	j->base.ops = &jsonl_ops;
	j->base.name = "jsonl";
	return &j->base;
}
