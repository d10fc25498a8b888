/*
 * Start-up check of the output paths: a run that would end unable to write
 * its summary, or start without its log, is refused before EAL starts and
 * before any packet is counted. Nothing is changed: a file that did not
 * exist is made and removed again, an existing one is opened for appending
 * and closed, never emptied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

/*
 * Can path be written as a file? Leaves errno and returns -1 when not. With
 * refuse_nonempty an existing regular file that is not empty is an error
 * (EEXIST). Pipes and devices (e.g. /dev/null) are only checked for write
 * permission: opening a pipe would wait for its reader.
 */
static int file_writable(const char *path, int refuse_nonempty)
{
	struct stat st;
	int fd;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return -1;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		close(fd);
		unlink(path);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return access(path, W_OK);
	if (refuse_nonempty && st.st_size > 0) {
		errno = EEXIST;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Is dir a directory that can be written, or can it be made? A directory made here is removed
 * again (the spool makes it when it opens). */
static int dir_writable(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0755) != 0)
			return -1;
		rmdir(dir);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(dir, W_OK | X_OK);
}

static int fail(const char *option, const char *path, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "--%s %s: %s", option, path, why);
	return -1;
}

int fz_opts_check_outputs(const struct fz_opts *o, char *err, size_t errlen)
{
	int refuse = o->jsonl_mode == FZ_JSONL_REFUSE;

	if (o->summary && file_writable(o->summary, 0))
		return fail("summary", o->summary, strerror(errno), err, errlen);
	if (o->log_file && file_writable(o->log_file, 0))
		return fail("log-file", o->log_file, strerror(errno), err, errlen);
	if (o->jsonl && strcmp(o->jsonl, "-") != 0 && file_writable(o->jsonl, refuse))
		return fail("jsonl", o->jsonl,
		            refuse && errno == EEXIST
		                ? "the file exists and is not empty (--jsonl-mode refuse)"
		                : strerror(errno),
		            err, errlen);
	if (o->spool_dir && dir_writable(o->spool_dir))
		return fail("spool-dir", o->spool_dir, strerror(errno), err, errlen);
	return 0;
}
