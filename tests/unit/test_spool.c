/* Unit tests of the on-disk spool: order, bounds, restart, damaged tails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fz_spool.h"
#include "fz_test.h"

static char dir[256];

static void rm_dir(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *e;
	char p[512];

	if (dd == NULL)
		return;
	while ((e = readdir(dd)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
		unlink(p);
	}
	closedir(dd);
	rmdir(d);
}

static void fresh_dir(const char *name)
{
	snprintf(dir, sizeof(dir), "/tmp/fz_spool_test.%d.%s", (int)getpid(), name);
	rm_dir(dir);
}

/* Append record i as the text "rec-<i>-" padded with 'x' to len bytes. */
static int put(struct fz_spool *sp, int i, size_t len)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "rec-%d-", i);

	if (len < (size_t)n)
		len = (size_t)n;
	memset(buf + n, 'x', len - (size_t)n);
	return fz_spool_append(sp, buf, len);
}

/* Read and consume one record; returns its number, or -1. */
static int take(struct fz_spool *sp)
{
	const void *d;
	size_t n;
	int i = -1;

	if (fz_spool_peek(sp, &d, &n) != 1)
		return -1;
	if (sscanf(d, "rec-%d-", &i) != 1)
		return -1;
	if (fz_spool_advance(sp) != 0)
		return -1;
	return i;
}

static int count_files(const char *suffix)
{
	DIR *dd = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (dd == NULL)
		return -1;
	while ((e = readdir(dd)) != NULL) {
		size_t l = strlen(e->d_name), s = strlen(suffix);

		if (l > s && strcmp(e->d_name + l - s, suffix) == 0)
			n++;
	}
	closedir(dd);
	return n;
}

static void test_order_and_empty(void)
{
	char err[256];
	struct fz_spool *sp;
	int ok = 1;
	const void *d;
	size_t n;

	fresh_dir("order");
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(0, fz_spool_peek(sp, &d, &n));
	FZ_CHECK_INT(-ENOENT, fz_spool_advance(sp));
	for (int i = 0; i < 100000; i++)
		ok &= put(sp, i, 40 + i % 300) == 0;
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(100000, fz_spool_records(sp));
	/* Interleave reads and writes: order must hold across segments. */
	for (int i = 0; i < 50000; i++)
		ok &= take(sp) == i;
	for (int i = 100000; i < 120000; i++)
		ok &= put(sp, i, 100) == 0;
	for (int i = 50000; i < 120000; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(0, fz_spool_records(sp));
	FZ_CHECK_INT(0, fz_spool_peek(sp, &d, &n));
	/* An empty spool holds no segment files. */
	FZ_CHECK_INT(0, fz_spool_bytes(sp));
	FZ_CHECK_INT(0, count_files(".seg"));
	FZ_CHECK_INT(0, fz_spool_dropped(sp));
	fz_spool_close(sp);
	rm_dir(dir);
}

static void test_bound(void)
{
	char err[256];
	struct fz_spool *sp;
	int stored = 0, full = 0;

	fresh_dir("bound");
	/* 64 KiB: segments are 16 KiB; records are 100 + 8 bytes framed. */
	sp = fz_spool_open(dir, 64 << 10, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	for (int i = 0; i < 1000; i++) {
		int r = put(sp, i, 100);

		if (r == 0)
			stored++;
		else if (r == -ENOSPC)
			full++;
	}
	/* Per 16384-byte segment: 8 header bytes + 151 records of 108 bytes;
	 * 272 bytes are left after four such segments, room for a fifth with two. */
	FZ_CHECK_INT(4 * 151 + 2, stored);
	FZ_CHECK_INT(1000 - 4 * 151 - 2, full);
	FZ_CHECK_INT(1000 - 4 * 151 - 2, fz_spool_dropped(sp));
	FZ_CHECK_INT(4 * (8 + 151 * 108) + 8 + 2 * 108, fz_spool_bytes(sp));
	FZ_CHECK(fz_spool_bytes(sp) <= 64 << 10);
	/* Reading the first segment frees room for more. */
	for (int i = 0; i < 151; i++)
		FZ_CHECK_INT(i, take(sp));
	FZ_CHECK_INT(3 * (8 + 151 * 108) + 8 + 2 * 108, fz_spool_bytes(sp));
	FZ_CHECK_INT(0, put(sp, 5000, 100));
	FZ_CHECK_INT(-EMSGSIZE, fz_spool_append(sp, "", FZ_SPOOL_MAX_RECORD + 1));
	FZ_CHECK_INT(1000 - 4 * 151 - 2 + 1, fz_spool_dropped(sp));
	fz_spool_close(sp);
	rm_dir(dir);
}

static void test_reopen(void)
{
	char err[256];
	struct fz_spool *sp;
	int ok = 1;

	fresh_dir("reopen");
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	for (int i = 0; i < 30000; i++)
		ok &= put(sp, i, 200) == 0;
	for (int i = 0; i < 12345; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	fz_spool_close(sp);

	/* A clean close keeps the unread records and the read position. */
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(30000 - 12345, fz_spool_records(sp));
	FZ_CHECK_INT(0, fz_spool_corrupt_bytes(sp));
	FZ_CHECK_INT(12345, take(sp));
	/* Appends after a restart go after the old records. */
	for (int i = 30000; i < 30010; i++)
		ok &= put(sp, i, 50) == 0;
	for (int i = 12346; i < 30010; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(0, fz_spool_records(sp));
	fz_spool_close(sp);
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(0, fz_spool_records(sp));
	FZ_CHECK_INT(-1, take(sp));
	fz_spool_close(sp);
	rm_dir(dir);
}

/* Name of the newest segment file. */
static int last_seg(char *path, size_t cap)
{
	DIR *dd = opendir(dir);
	struct dirent *e;
	char best[256] = "";

	if (dd == NULL)
		return -1;
	while ((e = readdir(dd)) != NULL)
		if (strstr(e->d_name, ".seg") && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	closedir(dd);
	if (best[0] == '\0')
		return -1;
	snprintf(path, cap, "%s/%s", dir, best);
	return 0;
}

static void test_torn_tail(void)
{
	char err[256], path[512];
	struct fz_spool *sp;
	struct stat st;
	int ok = 1, fd;

	fresh_dir("torn");
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	for (int i = 0; i < 10; i++)
		ok &= put(sp, i, 100) == 0;
	fz_spool_close(sp);
	FZ_CHECK_INT(0, last_seg(path, sizeof(path)));
	/* A crash in the middle of the last record: cut 30 bytes off. */
	FZ_CHECK_INT(0, stat(path, &st));
	FZ_CHECK_INT(0, truncate(path, st.st_size - 30));
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(9, fz_spool_records(sp));
	FZ_CHECK_INT(108 - 30, fz_spool_corrupt_bytes(sp));
	for (int i = 0; i < 9; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(-1, take(sp));
	fz_spool_close(sp);

	/* A flipped payload byte in record 5 of 10: the segment is cut before it. */
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	for (int i = 0; i < 10; i++)
		ok &= put(sp, i, 100) == 0;
	fz_spool_close(sp);
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(0, last_seg(path, sizeof(path)));
	fd = open(path, O_RDWR);
	FZ_CHECK(fd >= 0);
	FZ_CHECK_INT(1, pwrite(fd, "Z", 1, 8 + 5 * 108 + 8 + 50));
	close(fd);
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(5, fz_spool_records(sp));
	FZ_CHECK_INT(5 * 108, fz_spool_corrupt_bytes(sp));
	for (int i = 0; i < 5; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	fz_spool_close(sp);

	/* Garbage in the cursor file: replay from the oldest record, lose nothing. */
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	for (int i = 0; i < 4; i++)
		ok &= put(sp, i, 100) == 0;
	FZ_CHECK_INT(0, take(sp));
	fz_spool_close(sp);
	snprintf(path, sizeof(path), "%s/cursor", dir);
	fd = open(path, O_RDWR);
	FZ_CHECK_INT(4, pwrite(fd, "junk", 4, 10));
	close(fd);
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK_INT(4, fz_spool_records(sp));
	FZ_CHECK_INT(0, take(sp));
	fz_spool_close(sp);
	rm_dir(dir);
}

static void test_prepend(void)
{
	char err[256], a[16], b[16];
	struct iovec v[2] = {{a, 0}, {b, 0}};
	struct fz_spool *sp;
	int ok = 1;

	fresh_dir("prepend");
	v[0].iov_len = (size_t)snprintf(a, sizeof(a), "rec-%d-", 1000);
	v[1].iov_len = (size_t)snprintf(b, sizeof(b), "rec-%d-", 1001);
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	/* On an empty spool a prepend is an append. */
	FZ_CHECK_INT(0, fz_spool_prepend(sp, v, 2));
	FZ_CHECK_INT(1000, take(sp));
	FZ_CHECK_INT(1001, take(sp));
	for (int i = 0; i < 10; i++)
		ok &= put(sp, i, 100) == 0;
	for (int i = 0; i < 3; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(0, fz_spool_prepend(sp, v, 2));
	FZ_CHECK_INT(9, fz_spool_records(sp));
	FZ_CHECK_INT(1000, take(sp));
	fz_spool_close(sp);
	/* The new order survives a restart; appends still go last. */
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(8, fz_spool_records(sp));
	ok &= put(sp, 10, 100) == 0;
	FZ_CHECK_INT(1001, take(sp));
	for (int i = 3; i < 11; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(0, fz_spool_records(sp));
	FZ_CHECK_INT(0, fz_spool_dropped(sp));
	fz_spool_close(sp);

	/* Full: the records that do not fit are dropped from the end and counted.
	 * 350 bytes hold a header and 3 records of 108 (332); a new head with the
	 * 3 records and one prepended 16-byte record takes 348, with two 364. */
	sp = fz_spool_open(dir, 350, err, sizeof(err));
	for (int i = 0; i < 4; i++)
		ok &= put(sp, i, 100) == 0;
	FZ_CHECK_INT(0, ok);
	FZ_CHECK_INT(3, fz_spool_records(sp));
	FZ_CHECK_INT(1, fz_spool_dropped(sp));
	v[0].iov_len = v[1].iov_len = 8;
	FZ_CHECK_INT(-ENOSPC, fz_spool_prepend(sp, v, 2));
	FZ_CHECK_INT(2, fz_spool_dropped(sp));
	FZ_CHECK_INT(348, fz_spool_bytes(sp));
	FZ_CHECK_INT(1000, take(sp));
	FZ_CHECK_INT(0, take(sp));
	FZ_CHECK_INT(1, take(sp));
	FZ_CHECK_INT(2, take(sp));
	FZ_CHECK_INT(-1, take(sp));
	fz_spool_close(sp);
	rm_dir(dir);
}

/*
 * A failing disk (here: RLIMIT_FSIZE at 300000 bytes): records that cannot
 * be written count as dropped, and the segment holds no torn record, so
 * every later record stays readable, also after a restart.
 */
static void test_write_error(void)
{
	char err[256];
	struct fz_spool *sp;
	struct rlimit old, lim;
	int ok = 1, stored = 0;

	fresh_dir("ioerr");
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 300000;
	setrlimit(RLIMIT_FSIZE, &lim);
	/* 208-byte records: the 256 KiB buffer holds 1260; the first 1260 fit in
	 * the file (8 + 262080 bytes), the next 740 cannot be written. */
	for (int i = 0; i < 2000; i++)
		stored += put(sp, i, 200) == 0;
	FZ_CHECK_INT(2000, stored);
	FZ_CHECK_INT(-EFBIG, fz_spool_sync(sp));
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	FZ_CHECK_INT(1260, fz_spool_records(sp));
	FZ_CHECK_INT(740, fz_spool_dropped(sp));
	FZ_CHECK_INT(8 + 1260 * 208, fz_spool_bytes(sp));
	for (int i = 5000; i < 5010; i++)
		ok &= put(sp, i, 100) == 0;
	for (int i = 0; i < 100; i++)
		ok &= take(sp) == i;
	fz_spool_close(sp);
	sp = fz_spool_open(dir, 64 << 20, err, sizeof(err));
	FZ_CHECK(sp != NULL);
	if (sp == NULL)
		return;
	FZ_CHECK_INT(0, fz_spool_corrupt_bytes(sp));
	FZ_CHECK_INT(1160 + 10, fz_spool_records(sp));
	for (int i = 100; i < 1260; i++)
		ok &= take(sp) == i;
	for (int i = 5000; i < 5010; i++)
		ok &= take(sp) == i;
	FZ_CHECK_INT(1, ok);
	FZ_CHECK_INT(-1, take(sp));
	fz_spool_close(sp);
	rm_dir(dir);
}

static void test_one_owner(void)
{
	char err[256] = "";
	struct fz_spool *a, *b;

	fresh_dir("owner");
	a = fz_spool_open(dir, 1 << 20, err, sizeof(err));
	FZ_CHECK(a != NULL);
	errno = 0;
	b = fz_spool_open(dir, 1 << 20, err, sizeof(err));
	FZ_CHECK(b == NULL);
	FZ_CHECK_INT(EBUSY, errno);
	FZ_CHECK(strstr(err, "in use") != NULL);
	fz_spool_close(a);
	/* Free again once closed. */
	b = fz_spool_open(dir, 1 << 20, err, sizeof(err));
	FZ_CHECK(b != NULL);
	fz_spool_close(b);
	rm_dir(dir);
}

static void test_bad_args(void)
{
	char err[256] = "";

	errno = 0;
	FZ_CHECK(fz_spool_open(NULL, 1 << 20, err, sizeof(err)) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	FZ_CHECK(fz_spool_open("/proc/nonexistent/dir", 1 << 20, err, sizeof(err)) == NULL);
	FZ_CHECK(strstr(err, "/proc/nonexistent/dir") != NULL);
}

int main(void)
{
	FZ_RUN(test_order_and_empty);
	FZ_RUN(test_bound);
	FZ_RUN(test_reopen);
	FZ_RUN(test_torn_tail);
	FZ_RUN(test_prepend);
	FZ_RUN(test_write_error);
	FZ_RUN(test_one_owner);
	FZ_RUN(test_bad_args);
	return fz_test_summary();
}
