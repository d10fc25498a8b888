/*
 * The spool's files: segment files and their record frame (length and
 * CRC-32C), the buffered writes to the last segment, and the cursor file
 * (spool_priv.h has the layout).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool_priv.h"

static uint32_t crc_table[256];

void fz_spool__crc_init(void)
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

uint32_t fz_spool__crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void fz_spool__put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t fz_spool__get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)fz_spool__get32(p) | (uint64_t)fz_spool__get32(p + 4) << 32;
}

void fz_spool__frame(uint8_t hdr[REC_HDR], const struct iovec *iov, int n, size_t len)
{
	uint32_t crc;

	fz_spool__put32(hdr, (uint32_t)len);
	crc = fz_spool__crc32c(0, hdr, 4);
	for (int i = 0; i < n; i++)
		crc = fz_spool__crc32c(crc, iov[i].iov_base, iov[i].iov_len);
	fz_spool__put32(hdr + 4, crc);
}

void fz_spool__seg_name(uint64_t seq, char *buf, size_t cap)
{
	snprintf(buf, cap, "%016" PRIx64 ".seg", seq);
}

/* Write all of buf at off; returns 0 or a negative errno. */
int fz_spool__pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
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
ssize_t fz_spool__pread_full(int fd, void *buf, size_t len, uint64_t off)
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

int fz_spool__segs_push(struct fz_spool *sp, uint64_t seq, uint64_t size)
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

int fz_spool__open_seg(struct fz_spool *sp, uint64_t seq, int flags)
{
	char name[32];

	fz_spool__seg_name(seq, name, sizeof(name));
	return openat(sp->dirfd, name, flags | O_CLOEXEC, 0644);
}

void fz_spool__unlink_seg(struct fz_spool *sp, uint64_t seq)
{
	char name[32];

	fz_spool__seg_name(seq, name, sizeof(name));
	unlinkat(sp->dirfd, name, 0);
}

/*
 * Write the buffered appends (whole records only) to the last segment. When
 * that fails they are lost: the segment is cut back to where they started
 * and they count as dropped, so that no torn record sits before later ones.
 */
int fz_spool__flush_wbuf(struct fz_spool *sp)
{
	struct seg *last;
	uint64_t start;
	int r;

	if (sp->wlen == 0)
		return 0;
	last = &sp->segs[sp->nsegs - 1];
	start = last->size - sp->wlen;
	r = fz_spool__pwrite_all(sp->wfd, sp->wbuf, sp->wlen, start);
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

int fz_spool__save_cursor(struct fz_spool *sp)
{
	uint8_t buf[CURSOR_LEN];
	uint64_t seq = sp->nsegs ? sp->segs[0].seq : sp->next_seq;
	uint64_t off = sp->nsegs ? sp->roff : SEG_HDR;
	int fd, r;

	if (seq == sp->saved_seq && off == sp->saved_off)
		return 0;
	fz_spool__put32(buf + 4, 0);
	put64(buf + 8, seq);
	put64(buf + 16, off);
	fz_spool__put32(buf, fz_spool__crc32c(0, buf + 4, CURSOR_LEN - 4));
	fd = openat(sp->dirfd, CURSOR_NAME, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* 24 bytes in one pwrite at offset 0 land together on Linux file systems;
	 * a torn cursor fails its CRC and the reader restarts at the oldest
	 * segment, which replays records rather than losing them. */
	r = fz_spool__pwrite_all(fd, buf, sizeof(buf), 0);
	close(fd);
	if (r == 0) {
		sp->saved_seq = seq;
		sp->saved_off = off;
	}
	return r;
}

/* Read the cursor; returns 0 and sets seq/off, or -1 when absent or damaged. */
int fz_spool__load_cursor(struct fz_spool *sp, uint64_t *seq, uint64_t *off)
{
	uint8_t buf[CURSOR_LEN];
	int fd = openat(sp->dirfd, CURSOR_NAME, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = fz_spool__pread_full(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n != (ssize_t)sizeof(buf) ||
	    fz_spool__get32(buf) != fz_spool__crc32c(0, buf + 4, CURSOR_LEN - 4))
		return -1;
	*seq = get64(buf + 8);
	*off = get64(buf + 16);
	return 0;
}
