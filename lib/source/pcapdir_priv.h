/* The directory source's layout, shared by pcapdir.c and pcapdir_journal.c. */
#ifndef FZ_PCAPDIR_PRIV_H
#define FZ_PCAPDIR_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "fz_pcapdir.h"

/* Names in version order (strverscmp), each its own allocation; kept backwards
 * (desc) when they are taken from the front, so that taking one moves nothing. */
struct fz_names {
	char **v;
	size_t n, cap;
	int desc;
};

/* A FIFO of finished files. */
struct fz_files {
	struct fz_pcapdir_file *v;
	size_t head, n, cap;
};

/* A file that ended within the last burst: handed over at the next one. */
struct ended {
	struct fz_capture *cap; /* NULL: it could not be opened */
	struct fz_pcapdir_file file;
};

struct fz_pcapdir {
	char dir[PATH_MAX];
	int dirfd, ifd, jfd;
	int watch;
	const volatile int *stop;
	/* Reader thread only. */
	struct fz_names seen; /* identities journaled or read: not read again */
	struct fz_names todo; /* to read, first in order first */
	struct fz_capture *cur;
	char cur_name[FZ_PCAPDIR_NAME_MAX];
	uint64_t cur_size;
	int64_t cur_mtime_ns;
	struct ended *ended;
	size_t n_ended, cap_ended;
	/* Both threads, under lock. */
	pthread_mutex_t lock;
	struct fz_files finished;
	uint64_t finished_lost;
	/* Written by the reader, read by anyone (whole words). */
	uint64_t files_done, files_to_do, files_bad, frames, skipped;
	uint64_t last_ts_us, last_mono_us;
};

int fz_names__has(const struct fz_names *l, const char *name);
int fz_names__add(struct fz_names *l, const char *name); /* 0 or -ENOMEM; kept in order */
char *fz_names__pop_first(struct fz_names *l);           /* the caller frees it */
void fz_names__free(struct fz_names *l);

int fz_files__push(struct fz_files *q, const struct fz_pcapdir_file *f); /* 0 or -ENOMEM */
int fz_files__pop(struct fz_files *q, struct fz_pcapdir_file *out);      /* 0 or -1: empty */

/* "NAME\tSIZE\tMTIME_NS": a file's identity in the journal and in d->seen. */
void fz_pcapdir__identity(const char *name, uint64_t size, int64_t mtime_ns, char *buf, size_t cap);

/* Read the journal's names into d->seen and open it for appending. 0, or an errno
 * with a message. */
int fz_pcapdir__journal_open(struct fz_pcapdir *d, const char *path, char *err, size_t errlen);

#endif
