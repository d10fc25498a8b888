/*
 * Writing to a spool: appends are buffered in memory and written to the last
 * segment in large pieces; fz_spool_prepend() writes a new head segment in
 * front of the oldest one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_priv.h"

/* Start a new last segment. */
static int new_seg(struct fz_spool *sp)
{
	int r, fd;

	r = fz_spool__flush_wbuf(sp);
	if (r < 0)
		return r;
	fd = fz_spool__open_seg(sp, sp->next_seq, O_RDWR | O_CREAT | O_TRUNC);
	if (fd < 0)
		return -errno;
	r = fz_spool__segs_push(sp, sp->next_seq, SEG_HDR);
	if (r < 0 || (r = fz_spool__pwrite_all(fd, SEG_MAGIC, SEG_HDR, 0)) < 0) {
		if (r != -ENOMEM)
			sp->nsegs--;
		close(fd);
		fz_spool__unlink_seg(sp, sp->next_seq);
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
	fz_spool__frame(hdr, iov, n, len);
	/* The buffer takes whole records: flush it first when this one does not fit. */
	if (sp->wlen + REC_HDR + len > WBUF_SIZE && (r = fz_spool__flush_wbuf(sp)) < 0) {
		sp->dropped++;
		return r;
	}
	last = &sp->segs[sp->nsegs - 1];
	if (REC_HDR + len > WBUF_SIZE) {
		/* Too big to buffer: straight to the file, cut back on failure. */
		uint64_t off = last->size + REC_HDR;

		r = fz_spool__pwrite_all(sp->wfd, hdr, REC_HDR, last->size);
		for (int i = 0; r == 0 && i < n; off += iov[i].iov_len, i++)
			r = fz_spool__pwrite_all(sp->wfd, iov[i].iov_base, iov[i].iov_len, off);
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

		fz_spool__frame(hdr, &recs[i], 1, recs[i].iov_len);
		if ((r = fz_spool__pwrite_all(fd, hdr, REC_HDR, *off)) < 0 ||
		    (r = fz_spool__pwrite_all(fd, recs[i].iov_base, recs[i].iov_len,
		                              *off + REC_HDR)) < 0)
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
		ssize_t got = fz_spool__pread_full(src, sp->rbuf, n, from);
		int r;

		if (got != (ssize_t)n)
			return got < 0 ? (int)got : -EIO;
		if ((r = fz_spool__pwrite_all(dst, sp->rbuf, n, *off)) < 0)
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
	if (sp->nsegs == 1 && (r = fz_spool__flush_wbuf(sp)) < 0)
		goto fail;
	fd = openat(sp->dirfd, tmp_name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	src = fz_spool__open_seg(sp, sp->segs[0].seq, O_RDONLY);
	r = src < 0 ? -errno : fz_spool__pwrite_all(fd, SEG_MAGIC, SEG_HDR, 0);
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
	if ((r = fz_spool__save_cursor(sp)) < 0) {
		unlinkat(sp->dirfd, tmp_name, 0);
		goto fail_restore;
	}
	fz_spool__seg_name(seq, name, sizeof(name));
	if (renameat(sp->dirfd, tmp_name, sp->dirfd, name) != 0) {
		r = -errno;
		unlinkat(sp->dirfd, tmp_name, 0);
		goto fail_restore;
	}
	fz_spool__unlink_seg(sp, seq + 1);
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
	fz_spool__save_cursor(sp);
fail:
	sp->dropped += keep;
	return r;
}
