/*
 * The directory source's bookkeeping: the journal of delivered files
 * (one name a line, appended and synced), what becomes of a delivered file
 * (deleted or moved), the ordered name lists and the queue of finished files.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapdir_priv.h"

#define DEFAULT_JOURNAL ".flowzoo-journal"

static size_t lower_bound(const struct fz_names *l, const char *name)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		int cmp = strverscmp(l->v[mid], name);

		if (l->desc ? cmp > 0 : cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int fz_names__has(const struct fz_names *l, const char *name)
{
	size_t i = lower_bound(l, name);

	return i < l->n && strcmp(l->v[i], name) == 0;
}

int fz_names__add(struct fz_names *l, const char *name)
{
	size_t i = lower_bound(l, name);
	char *c;

	if (i < l->n && strcmp(l->v[i], name) == 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	c = strdup(name);
	if (c == NULL)
		return -ENOMEM;
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
	l->v[i] = c;
	l->n++;
	return 0;
}

char *fz_names__pop_first(struct fz_names *l)
{
	char *first;

	if (l->n == 0)
		return NULL;
	if (l->desc)
		return l->v[--l->n];
	first = l->v[0];
	memmove(&l->v[0], &l->v[1], (l->n - 1) * sizeof(*l->v));
	l->n--;
	return first;
}

void fz_names__free(struct fz_names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int fz_files__push(struct fz_files *q, const struct fz_pcapdir_file *f)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct fz_pcapdir_file *v = malloc(cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	q->v[(q->head + q->n) % q->cap] = *f;
	q->n++;
	return 0;
}

int fz_files__pop(struct fz_files *q, struct fz_pcapdir_file *out)
{
	if (q->n == 0)
		return -1;
	*out = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return 0;
}

int fz_pcapdir__journal_open(struct fz_pcapdir *d, const char *path, char *err, size_t errlen)
{
	char def[PATH_MAX + sizeof(DEFAULT_JOURNAL) + 1], line[FZ_PCAPDIR_NAME_MAX + 64];
	FILE *f;
	int e, created;

	if (path == NULL) {
		snprintf(def, sizeof(def), "%s/%s", d->dir, DEFAULT_JOURNAL);
		path = def;
	}
	created = access(path, F_OK) != 0;
	d->jfd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (d->jfd < 0) {
		e = errno;
		snprintf(err, errlen, "journal %s: %s", path, strerror(e));
		return e;
	}
	/* A new journal's name must survive a crash too. */
	if (created)
		fsync(d->dirfd);
	f = fdopen(dup(d->jfd), "r");
	if (f == NULL) {
		e = errno;
		snprintf(err, errlen, "journal %s: %s", path, strerror(e));
		return e;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		/* A line cut by a crash (no newline) was never synced as done. */
		if (line[n] != '\n' || n == 0)
			continue;
		line[n] = '\0';
		if (fz_names__add(&d->seen, line)) {
			fclose(f);
			snprintf(err, errlen, "journal %s: %s", path, strerror(ENOMEM));
			return ENOMEM;
		}
	}
	fclose(f);
	return 0;
}

void fz_pcapdir__identity(const char *name, uint64_t size, int64_t mtime_ns, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s\t%llu\t%lld", name, (unsigned long long)size, (long long)mtime_ns);
}

int fz_pcapdir_journal_add(struct fz_pcapdir *d, const struct fz_pcapdir_file *f)
{
	char line[FZ_PCAPDIR_NAME_MAX + 64];
	int n;

	if (strpbrk(f->name, "\t\n"))
		return -EINVAL; /* a name the journal cannot hold: the file is kept */
	fz_pcapdir__identity(f->name, f->size, f->mtime_ns, line, sizeof(line) - 1);
	n = (int)strlen(line);
	line[n++] = '\n';
	if (write(d->jfd, line, (size_t)n) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int fz_pcapdir_journal_sync(struct fz_pcapdir *d)
{
	return fdatasync(d->jfd) == 0 ? 0 : -errno;
}

int fz_pcapdir_dispose(struct fz_pcapdir *d, const char *name, const char *to_dir)
{
	int rc;

	if (to_dir == NULL) {
		rc = unlinkat(d->dirfd, name, 0);
	} else {
		char to[PATH_MAX + FZ_PCAPDIR_NAME_MAX];

		snprintf(to, sizeof(to), "%s/%s", to_dir, name);
		rc = renameat(d->dirfd, name, AT_FDCWD, to);
	}
	if (rc != 0)
		return -errno;
	return fsync(d->dirfd) == 0 ? 0 : -errno;
}
