/*
 * Internals of the spool shared by its files: the layout of struct fz_spool,
 * the on-disk constants, and the helpers for segment files, the record
 * frame and the cursor. Not part of the public interface.
 *
 * Layout of a spool directory:
 *   <seq>.seg  segment files, 16 hex digits, read in ascending order; each
 *              starts with the 8-byte magic "FZSPOOL1" and holds records
 *              framed as [u32 len][u32 crc32c(len bytes, payload)][payload],
 *              little endian;
 *   cursor     [u32 crc32c][u32 0][u64 seq][u64 offset] of the next record
 *              to read, saved by fz_spool_sync() and fz_spool_close().
 * New segments start at sequence 2^32 so that fz_spool_prepend() can put a
 * segment in front of the oldest one.
 */
#ifndef FZ_SPOOL_PRIV_H
#define FZ_SPOOL_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

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

/* Fill the CRC-32C table (idempotent; called by fz_spool_open()). */
void fz_spool__crc_init(void);

/* CRC-32C of len bytes, continuing crc. */
uint32_t fz_spool__crc32c(uint32_t crc, const void *data, size_t len);

/* Little-endian integers. */
void fz_spool__put32(uint8_t *p, uint32_t v);
uint32_t fz_spool__get32(const uint8_t *p);

/* A record's frame header for the payload made of iov[0..n) (len bytes in all). */
void fz_spool__frame(uint8_t hdr[REC_HDR], const struct iovec *iov, int n, size_t len);

/* The file name of segment seq ("<16 hex digits>.seg"). */
void fz_spool__seg_name(uint64_t seq, char *buf, size_t cap);

/* Write all of buf at off; returns 0 or a negative errno. */
int fz_spool__pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/* Read up to len bytes at off; returns the count read or a negative errno. */
ssize_t fz_spool__pread_full(int fd, void *buf, size_t len, uint64_t off);

/* Add a segment at the end of sp->segs. Returns 0 or -ENOMEM. */
int fz_spool__segs_push(struct fz_spool *sp, uint64_t seq, uint64_t size);

/* Open segment seq in the spool's directory; returns the fd or -1 with errno. */
int fz_spool__open_seg(struct fz_spool *sp, uint64_t seq, int flags);

/* Remove segment seq's file. */
void fz_spool__unlink_seg(struct fz_spool *sp, uint64_t seq);

/*
 * Write the buffered appends (whole records only) to the last segment. When
 * that fails they are lost: the segment is cut back to where they started
 * and they count as dropped, so that no torn record sits before later ones.
 * Returns 0 or a negative errno.
 */
int fz_spool__flush_wbuf(struct fz_spool *sp);

/* Save the reader's position in the cursor file. Returns 0 or a negative errno. */
int fz_spool__save_cursor(struct fz_spool *sp);

/* Read the cursor; returns 0 and sets seq/off, or -1 when absent or damaged. */
int fz_spool__load_cursor(struct fz_spool *sp, uint64_t *seq, uint64_t *off);

#endif
