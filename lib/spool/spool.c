/*
 * On-disk spool. Layout of a directory:
 *   <seq>.seg  segment files, 16 hex digits, read in ascending order; each
 *              starts with the 8-byte magic "FZSPOOL1" and holds records
 *              framed as [u32 len][u32 crc32c(len bytes, payload)][payload],
 *              little endian;
 *   cursor     [u32 crc32c][u32 0][u64 seq][u64 offset] of the next record
 *              to read, saved by fz_spool_sync() and fz_spool_close().
 * Appends are buffered in memory and written in large pieces; the reader
 * reads through a window so that draining costs few system calls. New
 * segments start at sequence 2^32 so that fz_spool_prepend() can put a
 * segment in front of the oldest one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fz_spool.h"

#define SEG_MAGIC   "FZSPOOL1"
#define SEG_HDR     8u
#define REC_HDR     8u
#define FIRST_SEQ   (UINT64_C(1) << 32)
#define WBUF_SIZE   (256u << 10)
#define RBUF_SIZE   (256u << 10)
#define SEG_MIN     (16u << 10)
#define SEG_MAX     (16u << 20)
#define CURSOR_NAME "cursor"
#define CURSOR_LEN  24u

struct seg {
	uint64_t seq;
	uint64_t size; /* bytes, including those still in the write buffer */
};

struct fz_spool {
	char *dir;
	int dirfd;
	uint64_t max_bytes;
	uint64_t seg_max;
	struct seg *segs; /* ascending; segs[0] is read, segs[nsegs - 1] is written */
	unsigned nsegs, segs_cap;
	uint64_t next_seq;
	uint64_t disk_bytes;

	int wfd; /* the last segment, or -1 before the first append */
	uint8_t *wbuf;
	size_t wlen;    /* whole records only */
	uint64_t wrecs; /* records in wbuf */

	int rfd; /* segs[0], or -1 */
	uint64_t roff;
	uint8_t *rbuf;
	size_t rcap, rlen;
	uint64_t rbuf_off;
	size_t peek_len; /* payload length of the peeked record, 0 when none */
	int peeked;

	uint64_t records, dropped, corrupt;
	uint64_t saved_seq, saved_off;
};

static uint32_t crc_table[256];

static void crc_init(void)
{
	if (crc_table[1] != 0)
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1; /* CRC-32C (Castagnoli) */
		crc_table[i] = c;
	}
}

static uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void seg_name(uint64_t seq, char *buf, size_t cap)
{
	snprintf(buf, cap, "%016" PRIx64 ".seg", seq);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Write all of buf at off; returns 0 or a negative errno. */
static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Read up to len bytes at off; returns the count read or a negative errno. */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int segs_push(struct fz_spool *sp, uint64_t seq, uint64_t size)
{
	if (sp->nsegs == sp->segs_cap) {
		unsigned cap = sp->segs_cap ? sp->segs_cap * 2 : 16;
		struct seg *s = realloc(sp->segs, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		sp->segs = s;
		sp->segs_cap = cap;
	}
	sp->segs[sp->nsegs].seq = seq;
	sp->segs[sp->nsegs].size = size;
	sp->nsegs++;
	return 0;
}

static int open_seg(struct fz_spool *sp, uint64_t seq, int flags)
{
	char name[32];

	seg_name(seq, name, sizeof(name));
	return openat(sp->dirfd, name, flags | O_CLOEXEC, 0644);
}

static void unlink_seg(struct fz_spool *sp, uint64_t seq)
{
	char name[32];

	seg_name(seq, name, sizeof(name));
	unlinkat(sp->dirfd, name, 0);
}

/*
 * Write the buffered appends (whole records only) to the last segment. When
 * that fails they are lost: the segment is cut back to where they started
 * and they count as dropped, so that no torn record sits before later ones.
 */
static int flush_wbuf(struct fz_spool *sp)
{
	struct seg *last;
	uint64_t start;
	int r;

	if (sp->wlen == 0)
		return 0;
	last = &sp->segs[sp->nsegs - 1];
	start = last->size - sp->wlen;
	r = pwrite_all(sp->wfd, sp->wbuf, sp->wlen, start);
	if (r < 0) {
		if (ftruncate(sp->wfd, (off_t)start) != 0) {
			/* The next open cuts a torn tail anyway. */
		}
		last->size = start;
		sp->disk_bytes -= sp->wlen;
		sp->records -= sp->wrecs;
		sp->dropped += sp->wrecs;
	}
	sp->wlen = 0;
	sp->wrecs = 0;
	return r;
}

static int save_cursor(struct fz_spool *sp)
{
	uint8_t buf[CURSOR_LEN];
	uint64_t seq = sp->nsegs ? sp->segs[0].seq : sp->next_seq;
	uint64_t off = sp->nsegs ? sp->roff : SEG_HDR;
	int fd, r;

	if (seq == sp->saved_seq && off == sp->saved_off)
		return 0;
	put32(buf + 4, 0);
	put64(buf + 8, seq);
	put64(buf + 16, off);
	put32(buf, crc32c(0, buf + 4, CURSOR_LEN - 4));
	fd = openat(sp->dirfd, CURSOR_NAME, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* 24 bytes in one pwrite at offset 0 land together on Linux file systems;
	 * a torn cursor fails its CRC and the reader restarts at the oldest
	 * segment, which replays records rather than losing them. */
	r = pwrite_all(fd, buf, sizeof(buf), 0);
	close(fd);
	if (r == 0) {
		sp->saved_seq = seq;
		sp->saved_off = off;
	}
	return r;
}

/* Read the cursor; returns 0 and sets seq/off, or -1 when absent or damaged. */
static int load_cursor(struct fz_spool *sp, uint64_t *seq, uint64_t *off)
{
	uint8_t buf[CURSOR_LEN];
	int fd = openat(sp->dirfd, CURSOR_NAME, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread_full(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n != (ssize_t)sizeof(buf) || get32(buf) != crc32c(0, buf + 4, CURSOR_LEN - 4))
		return -1;
	*seq = get64(buf + 8);
	*off = get64(buf + 16);
	return 0;
}

/*
 * Check one segment: count the records from start_off on, cut the file at
 * the first damaged record. Returns the valid size, or 0 when the segment is
 * unusable (bad magic) and was removed.
 */
static uint64_t scan_seg(struct fz_spool *sp, uint64_t seq, uint64_t *start_off, uint64_t *nrec)
{
	int start_seen = *start_off <= SEG_HDR;
	int fd = open_seg(sp, seq, O_RDWR);
	struct stat st = {0};
	uint8_t hdr[REC_HDR];
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t off = SEG_HDR;

	*nrec = 0;
	if (fd < 0 || fstat(fd, &st) != 0)
		goto bad;
	if (pread_full(fd, hdr, SEG_HDR, 0) != SEG_HDR || memcmp(hdr, SEG_MAGIC, SEG_HDR) != 0)
		goto bad;
	while (off + REC_HDR <= (uint64_t)st.st_size) {
		uint32_t len, crc;

		if (pread_full(fd, hdr, REC_HDR, off) != REC_HDR)
			break;
		len = get32(hdr);
		if (len > FZ_SPOOL_MAX_RECORD || off + REC_HDR + len > (uint64_t)st.st_size)
			break;
		if (len > cap) {
			uint8_t *b = realloc(buf, len);

			if (b == NULL)
				break;
			buf = b;
			cap = len;
		}
		if (pread_full(fd, buf, len, off + REC_HDR) != (ssize_t)len)
			break;
		crc = crc32c(crc32c(0, hdr, 4), buf, len);
		if (crc != get32(hdr + 4))
			break;
		if (off == *start_off)
			start_seen = 1;
		if (off >= *start_off)
			(*nrec)++;
		off += REC_HDR + len;
	}
	free(buf);
	if (off == *start_off)
		start_seen = 1;
	if (!start_seen) {
		/* The cursor is not on a record boundary: replay the segment. */
		*start_off = SEG_HDR;
		close(fd);
		return scan_seg(sp, seq, start_off, nrec);
	}
	if (off < (uint64_t)st.st_size) {
		sp->corrupt += (uint64_t)st.st_size - off;
		if (ftruncate(fd, (off_t)off) != 0) {
			close(fd);
			return 0;
		}
	}
	close(fd);
	return off;
bad:
	if (fd >= 0) {
		sp->corrupt += (uint64_t)st.st_size;
		close(fd);
	}
	unlink_seg(sp, seq);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* List the segment sequence numbers in dir, ascending. */
static int list_segs(struct fz_spool *sp, uint64_t **out, unsigned *n)
{
	int fd = dup(sp->dirfd);
	DIR *d;
	struct dirent *e;
	uint64_t *v = NULL;
	unsigned cnt = 0, cap = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d)) != NULL) {
		uint64_t seq;
		char tail[8];

		if (strlen(e->d_name) != 20 ||
		    sscanf(e->d_name, "%16" SCNx64 "%7s", &seq, tail) != 2 ||
		    strcmp(tail, ".seg") != 0)
			continue;
		if (cnt == cap) {
			uint64_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (nv == NULL) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = seq;
	}
	closedir(d);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_u64);
	*out = v;
	*n = cnt;
	return 0;
}

struct fz_spool *fz_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
	struct fz_spool *sp;
	uint64_t *seqs = NULL, cseq = 0, coff = 0;
	unsigned nseqs = 0;
	int have_cursor, r, e;

	crc_init();
	if (dir == NULL || *dir == '\0' || max_bytes < SEG_HDR + REC_HDR) {
		set_err(err, errlen, "spool: need a directory and a size of at least %u bytes",
		        SEG_HDR + REC_HDR);
		errno = EINVAL;
		return NULL;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		e = errno;
		set_err(err, errlen, "spool: cannot create %s: %s", dir, strerror(e));
		errno = e;
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return NULL;
	sp->wfd = -1;
	sp->rfd = -1;
	sp->dirfd = -1;
	sp->max_bytes = max_bytes;
	sp->seg_max = max_bytes / 8;
	if (sp->seg_max < SEG_MIN)
		sp->seg_max = SEG_MIN;
	if (sp->seg_max > SEG_MAX)
		sp->seg_max = SEG_MAX;
	sp->dir = strdup(dir);
	sp->wbuf = malloc(WBUF_SIZE);
	sp->rbuf = malloc(RBUF_SIZE);
	sp->rcap = RBUF_SIZE;
	if (sp->dir == NULL || sp->wbuf == NULL || sp->rbuf == NULL) {
		e = ENOMEM;
		set_err(err, errlen, "spool: out of memory");
		goto fail;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		e = errno;
		set_err(err, errlen, "spool: cannot open %s: %s", dir, strerror(e));
		goto fail;
	}
	/* One owner at a time: two appliances on one spool would interleave and
	 * re-send each other's records. The lock goes with the descriptor. */
	if (flock(sp->dirfd, LOCK_EX | LOCK_NB) != 0) {
		e = errno == EWOULDBLOCK ? EBUSY : errno;
		set_err(err, errlen, "spool: %s is in use by another process", dir);
		goto fail;
	}
	r = list_segs(sp, &seqs, &nseqs);
	if (r < 0) {
		e = -r;
		set_err(err, errlen, "spool: cannot list %s: %s", dir, strerror(e));
		goto fail;
	}
	have_cursor = load_cursor(sp, &cseq, &coff) == 0;
	sp->next_seq = FIRST_SEQ;
	for (unsigned i = 0; i < nseqs; i++) {
		uint64_t nrec, size, start = SEG_HDR;

		/* Segments before the cursor's were read; a crash kept them. */
		if (have_cursor && seqs[i] < cseq) {
			unlink_seg(sp, seqs[i]);
			continue;
		}
		if (have_cursor && seqs[i] == cseq && sp->nsegs == 0)
			start = coff;
		size = scan_seg(sp, seqs[i], &start, &nrec);
		if (size == 0)
			continue;
		if (segs_push(sp, seqs[i], size) != 0) {
			e = ENOMEM;
			set_err(err, errlen, "spool: out of memory");
			goto fail;
		}
		if (sp->nsegs == 1)
			sp->roff = start;
		sp->records += nrec;
		sp->disk_bytes += size;
		sp->next_seq = seqs[i] + 1;
	}
	free(seqs);
	seqs = NULL;
	/* Never reuse a number at or below the cursor's: such a segment would
	 * count as read at the next open. */
	if (have_cursor && sp->next_seq <= cseq)
		sp->next_seq = cseq + 1;
	if (sp->nsegs > 0) {
		sp->saved_seq = sp->segs[0].seq;
		sp->saved_off = sp->roff;
	}
	return sp;
fail:
	free(seqs);
	fz_spool_close(sp);
	errno = e;
	return NULL;
}

/* Start a new last segment. */
static int new_seg(struct fz_spool *sp)
{
	int r, fd;

	r = flush_wbuf(sp);
	if (r < 0)
		return r;
	fd = open_seg(sp, sp->next_seq, O_RDWR | O_CREAT | O_TRUNC);
	if (fd < 0)
		return -errno;
	r = segs_push(sp, sp->next_seq, SEG_HDR);
	if (r < 0 || (r = pwrite_all(fd, SEG_MAGIC, SEG_HDR, 0)) < 0) {
		if (r != -ENOMEM)
			sp->nsegs--;
		close(fd);
		unlink_seg(sp, sp->next_seq);
		return r;
	}
	if (sp->wfd >= 0 && sp->wfd != sp->rfd)
		close(sp->wfd);
	sp->wfd = fd;
	sp->next_seq++;
	sp->disk_bytes += SEG_HDR;
	if (sp->nsegs == 1)
		sp->roff = SEG_HDR;
	return 0;
}

int fz_spool_appendv(struct fz_spool *sp, const struct iovec *iov, int n)
{
	struct seg *last;
	uint8_t hdr[REC_HDR];
	size_t len = 0;
	uint64_t need;
	uint32_t crc;
	int r, fresh;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len > FZ_SPOOL_MAX_RECORD) {
		sp->dropped++;
		return -EMSGSIZE;
	}
	/* A new segment when there is none, or when the last one is full. */
	fresh = sp->wfd < 0 || (sp->segs[sp->nsegs - 1].size > SEG_HDR &&
	                        sp->segs[sp->nsegs - 1].size + REC_HDR + len > sp->seg_max);
	need = REC_HDR + len + (fresh ? SEG_HDR : 0);
	if (sp->disk_bytes + need > sp->max_bytes) {
		sp->dropped++;
		return -ENOSPC;
	}
	if (fresh && (r = new_seg(sp)) < 0) {
		sp->dropped++;
		return r;
	}
	put32(hdr, (uint32_t)len);
	crc = crc32c(0, hdr, 4);
	for (int i = 0; i < n; i++)
		crc = crc32c(crc, iov[i].iov_base, iov[i].iov_len);
	put32(hdr + 4, crc);
	/* The buffer takes whole records: flush it first when this one does not fit. */
	if (sp->wlen + REC_HDR + len > WBUF_SIZE && (r = flush_wbuf(sp)) < 0) {
		sp->dropped++;
		return r;
	}
	last = &sp->segs[sp->nsegs - 1];
	if (REC_HDR + len > WBUF_SIZE) {
		/* Too big to buffer: straight to the file, cut back on failure. */
		uint64_t off = last->size + REC_HDR;

		r = pwrite_all(sp->wfd, hdr, REC_HDR, last->size);
		for (int i = 0; r == 0 && i < n; off += iov[i].iov_len, i++)
			r = pwrite_all(sp->wfd, iov[i].iov_base, iov[i].iov_len, off);
		if (r < 0) {
			if (ftruncate(sp->wfd, (off_t)last->size) != 0) {
				/* The next open cuts a torn tail anyway. */
			}
			sp->dropped++;
			return r;
		}
	} else {
		uint8_t *p = sp->wbuf + sp->wlen;

		memcpy(p, hdr, REC_HDR);
		p += REC_HDR;
		for (int i = 0; i < n; i++) {
			memcpy(p, iov[i].iov_base, iov[i].iov_len);
			p += iov[i].iov_len;
		}
		sp->wlen += REC_HDR + len;
		sp->wrecs++;
	}
	last->size += REC_HDR + len;
	sp->disk_bytes += REC_HDR + len;
	sp->records++;
	return 0;
}

int fz_spool_append(struct fz_spool *sp, const void *data, size_t len)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};

	return fz_spool_appendv(sp, &iov, 1);
}

/* Append framed records to fd at *off. */
static int write_recs(int fd, uint64_t *off, const struct iovec *recs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t hdr[REC_HDR];
		int r;

		put32(hdr, (uint32_t)recs[i].iov_len);
		put32(hdr + 4, crc32c(crc32c(0, hdr, 4), recs[i].iov_base, recs[i].iov_len));
		if ((r = pwrite_all(fd, hdr, REC_HDR, *off)) < 0 ||
		    (r = pwrite_all(fd, recs[i].iov_base, recs[i].iov_len, *off + REC_HDR)) < 0)
			return r;
		*off += REC_HDR + recs[i].iov_len;
	}
	return 0;
}

/* Copy bytes [from, to) of the file src to dst at *off, through rbuf. */
static int copy_range(struct fz_spool *sp, int src, uint64_t from, uint64_t to, int dst,
                      uint64_t *off)
{
	while (from < to) {
		size_t n = to - from < sp->rcap ? (size_t)(to - from) : sp->rcap;
		ssize_t got = pread_full(src, sp->rbuf, n, from);
		int r;

		if (got != (ssize_t)n)
			return got < 0 ? (int)got : -EIO;
		if ((r = pwrite_all(dst, sp->rbuf, n, *off)) < 0)
			return r;
		from += n;
		*off += n;
	}
	return 0;
}

int fz_spool_prepend(struct fz_spool *sp, const struct iovec *recs, unsigned n)
{
	static const char tmp_name[] = "prepend.tmp";
	uint64_t add = 0, rest, off = SEG_HDR, seq, old_roff = sp->roff;
	unsigned keep = n;
	char name[32];
	int fd, src, r, ret = 0;

	for (unsigned i = 0; i < n; i++) {
		if (recs[i].iov_len > FZ_SPOOL_MAX_RECORD) {
			sp->dropped += n;
			return -EMSGSIZE;
		}
	}
	if (sp->records == 0) {
		/* Nothing to go in front of: appending keeps the order. */
		for (unsigned i = 0; i < n; i++) {
			r = fz_spool_append(sp, recs[i].iov_base, recs[i].iov_len);
			if (r < 0 && ret == 0)
				ret = r;
		}
		return ret;
	}
	rest = sp->segs[0].size - sp->roff;
	for (unsigned i = 0; i < n; i++)
		add += REC_HDR + recs[i].iov_len;
	/* The new head replaces the old one: it holds the new records and the rest. */
	while (keep > 0 && sp->disk_bytes - sp->segs[0].size + SEG_HDR + add + rest > sp->max_bytes)
		add -= REC_HDR + recs[--keep].iov_len;
	if (keep < n) {
		sp->dropped += n - keep;
		ret = -ENOSPC;
	}
	if (keep == 0)
		return ret;
	if (sp->nsegs == 1 && (r = flush_wbuf(sp)) < 0)
		goto fail;
	fd = openat(sp->dirfd, tmp_name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	src = open_seg(sp, sp->segs[0].seq, O_RDONLY);
	r = src < 0 ? -errno : pwrite_all(fd, SEG_MAGIC, SEG_HDR, 0);
	if (r == 0)
		r = write_recs(fd, &off, recs, keep);
	sp->rlen = 0; /* copy_range() reuses the read window */
	sp->peeked = 0;
	if (r == 0)
		r = copy_range(sp, src, sp->roff, sp->segs[0].size, fd, &off);
	if (src >= 0)
		close(src);
	close(fd);
	if (r < 0) {
		unlinkat(sp->dirfd, tmp_name, 0);
		goto fail;
	}
	/* Cursor first: a crash after it replays the old head rather than
	 * deleting the new one as read. */
	seq = sp->segs[0].seq - 1;
	sp->segs[0].seq = seq;
	sp->roff = SEG_HDR;
	if ((r = save_cursor(sp)) < 0) {
		unlinkat(sp->dirfd, tmp_name, 0);
		goto fail_restore;
	}
	seg_name(seq, name, sizeof(name));
	if (renameat(sp->dirfd, tmp_name, sp->dirfd, name) != 0) {
		r = -errno;
		unlinkat(sp->dirfd, tmp_name, 0);
		goto fail_restore;
	}
	unlink_seg(sp, seq + 1);
	if (sp->rfd >= 0 && sp->rfd != sp->wfd)
		close(sp->rfd);
	sp->rfd = -1;
	sp->rlen = 0;
	sp->peeked = 0;
	if (sp->nsegs == 1 && sp->wfd >= 0) {
		/* The old head was also the segment being written: start a new one. */
		close(sp->wfd);
		sp->wfd = -1;
	}
	sp->disk_bytes = sp->disk_bytes - sp->segs[0].size + off;
	sp->segs[0].size = off;
	sp->records += keep;
	return ret;
fail_restore:
	/* The cursor may name a segment that does not exist: point it back. */
	sp->segs[0].seq = seq + 1;
	sp->roff = old_roff;
	save_cursor(sp);
fail:
	sp->dropped += keep;
	return r;
}

/* Make rbuf hold file bytes [off, off + n) of segs[0]. */
static int window(struct fz_spool *sp, uint64_t off, size_t n)
{
	size_t want = n > RBUF_SIZE ? n : RBUF_SIZE;
	ssize_t got;

	if (off >= sp->rbuf_off && off + n <= sp->rbuf_off + sp->rlen)
		return 0;
	if (sp->nsegs == 1 && sp->wlen > 0) {
		int r = flush_wbuf(sp); /* the reader caught up with the writer */

		if (r < 0)
			return r;
	}
	if (want > sp->rcap) {
		uint8_t *b = realloc(sp->rbuf, want);

		if (b == NULL)
			return -ENOMEM;
		sp->rbuf = b;
		sp->rcap = want;
	}
	got = pread_full(sp->rfd, sp->rbuf, want, off);
	if (got < 0)
		return (int)got;
	sp->rbuf_off = off;
	sp->rlen = (size_t)got;
	return (size_t)got >= n ? 0 : -EIO;
}

/* Drop segs[0] after it was read to the end. */
static void drop_head(struct fz_spool *sp)
{
	if (sp->rfd >= 0 && sp->rfd != sp->wfd)
		close(sp->rfd);
	if (sp->nsegs == 1) {
		if (sp->wfd >= 0)
			close(sp->wfd);
		sp->wfd = -1;
		sp->wlen = 0;
		sp->wrecs = 0;
	}
	sp->rfd = -1;
	sp->rlen = 0;
	sp->rbuf_off = 0;
	unlink_seg(sp, sp->segs[0].seq);
	sp->disk_bytes -= sp->segs[0].size;
	memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof(*sp->segs));
	sp->nsegs--;
	sp->roff = SEG_HDR;
}

int fz_spool_peek(struct fz_spool *sp, const void **data, size_t *len)
{
	int r;

	for (;;) {
		if (sp->records == 0 || sp->nsegs == 0)
			return 0;
		if (sp->roff + REC_HDR <= sp->segs[0].size)
			break;
		if (sp->nsegs == 1)
			return 0;
		drop_head(sp);
	}
	if (sp->rfd < 0) {
		sp->rfd = sp->nsegs == 1 && sp->wfd >= 0 ? sp->wfd
		                                         : open_seg(sp, sp->segs[0].seq, O_RDONLY);
		if (sp->rfd < 0)
			return -errno;
		sp->rlen = 0;
	}
	r = window(sp, sp->roff, REC_HDR);
	if (r == 0) {
		const uint8_t *h = sp->rbuf + (sp->roff - sp->rbuf_off);
		uint32_t n = get32(h);

		if (n > FZ_SPOOL_MAX_RECORD)
			return -EIO;
		r = window(sp, sp->roff, REC_HDR + n);
		if (r == 0) {
			*data = sp->rbuf + (sp->roff - sp->rbuf_off) + REC_HDR;
			*len = n;
			sp->peek_len = n;
			sp->peeked = 1;
			return 1;
		}
	}
	return r;
}

int fz_spool_advance(struct fz_spool *sp)
{
	if (!sp->peeked) {
		const void *d;
		size_t n;
		int r = fz_spool_peek(sp, &d, &n);

		if (r <= 0)
			return r == 0 ? -ENOENT : r;
	}
	sp->peeked = 0;
	sp->roff += REC_HDR + sp->peek_len;
	sp->records--;
	if (sp->records == 0) {
		/* Empty: remove every segment so that an idle spool holds no disk. */
		while (sp->nsegs > 0)
			drop_head(sp);
	} else if (sp->roff >= sp->segs[0].size && sp->nsegs > 1) {
		drop_head(sp);
	}
	return 0;
}

int fz_spool_sync(struct fz_spool *sp)
{
	int r = flush_wbuf(sp);

	if (r < 0)
		return r;
	return save_cursor(sp);
}

uint64_t fz_spool_bytes(const struct fz_spool *sp)
{
	return sp->disk_bytes;
}

uint64_t fz_spool_records(const struct fz_spool *sp)
{
	return sp->records;
}

uint64_t fz_spool_dropped(const struct fz_spool *sp)
{
	return sp->dropped;
}

uint64_t fz_spool_corrupt_bytes(const struct fz_spool *sp)
{
	return sp->corrupt;
}

void fz_spool_close(struct fz_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->dirfd >= 0)
		fz_spool_sync(sp);
	if (sp->rfd >= 0 && sp->rfd != sp->wfd)
		close(sp->rfd);
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->segs);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp->dir);
	free(sp);
}
