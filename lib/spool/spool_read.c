/*
 * Reading a spool: the oldest record is read through a window (few system
 * calls while draining), consumed segments are deleted; and the calls that
 * save the state and report the counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_priv.h"

/* Make rbuf hold file bytes [off, off + n) of segs[0]. */
static int window(struct fz_spool *sp, uint64_t off, size_t n)
{
	size_t want = n > RBUF_SIZE ? n : RBUF_SIZE;
	ssize_t got;

	if (off >= sp->rbuf_off && off + n <= sp->rbuf_off + sp->rlen)
		return 0;
	if (sp->nsegs == 1 && sp->wlen > 0) {
		int r = fz_spool__flush_wbuf(sp); /* the reader caught up with the writer */

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
	got = fz_spool__pread_full(sp->rfd, sp->rbuf, want, off);
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
	fz_spool__unlink_seg(sp, sp->segs[0].seq);
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
		sp->rfd = sp->nsegs == 1 && sp->wfd >= 0
		              ? sp->wfd
		              : fz_spool__open_seg(sp, sp->segs[0].seq, O_RDONLY);
		if (sp->rfd < 0)
			return -errno;
		sp->rlen = 0;
	}
	r = window(sp, sp->roff, REC_HDR);
	if (r == 0) {
		const uint8_t *h = sp->rbuf + (sp->roff - sp->rbuf_off);
		uint32_t n = fz_spool__get32(h);

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
	int r = fz_spool__flush_wbuf(sp);

	if (r < 0)
		return r;
	return fz_spool__save_cursor(sp);
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
