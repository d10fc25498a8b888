/*
 * A stdio stream that prefixes every line with a UTC timestamp, so DPDK's
 * messages and ours share one readable, dated log (the file that zooctl's
 * "logs" command downloads).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int fz_logtype = RTE_LOGTYPE_USER1;

static FILE *out;      /* the file (or stderr) */
static char *out_path; /* NULL: stderr */
static FILE *stream;   /* the timestamping stream given to DPDK */
static int at_line_start = 1;

static void stamp(void)
{
	struct timeval tv;
	struct tm tm;
	char buf[40];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "%s.%03ldZ ", buf, (long)(tv.tv_usec / 1000));
}

static ssize_t stamp_write(void *cookie, const char *buf, size_t size)
{
	size_t i = 0;

	(void)cookie;
	while (i < size) {
		const char *nl = memchr(buf + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : size - i;

		if (at_line_start)
			stamp();
		fwrite(buf + i, 1, n, out);
		at_line_start = nl != NULL;
		i += n;
	}
	fflush(out);
	return (ssize_t)size;
}

int fz_log_open(const char *path)
{
	cookie_io_functions_t io = {.write = stamp_write};
	int t = rte_log_register_type_and_pick_level("flowzoo", RTE_LOG_INFO);

	if (t >= 0)
		fz_logtype = t;
	out = stderr;
	if (path != NULL) {
		out = fopen(path, "a");
		if (out == NULL)
			return -errno;
		out_path = strdup(path);
	}
	stream = fopencookie(NULL, "w", io);
	if (stream == NULL)
		return -errno;
	setvbuf(stream, NULL, _IOLBF, 0);
	rte_openlog_stream(stream);
	return 0;
}

void fz_log_close(void)
{
	if (stream == NULL)
		return;
	rte_openlog_stream(NULL);
	fclose(stream);
	if (out != stderr)
		fclose(out);
	stream = NULL;
	free(out_path);
	out_path = NULL;
}

int fz_log_reopen(void)
{
	FILE *f;

	if (stream == NULL || out_path == NULL)
		return 0;
	f = fopen(out_path, "a");
	if (f == NULL)
		return -errno;
	/* Writers hold the stream's lock while they write to out. */
	flockfile(stream);
	fclose(out);
	out = f;
	funlockfile(stream);
	return 0;
}
