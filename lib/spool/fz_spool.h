/*
 * On-disk spool: a bounded, ordered, append-only queue of opaque records in
 * a directory. Records are written to segment files (<seq>.seg, 16 hex
 * digits), each record framed by its length and a CRC-32C, so that a torn
 * write at the tail after a crash is found and cut off at the next open.
 * A small cursor file remembers how far the reader got; segments the reader
 * has passed are deleted. Delivery is at-least-once across a crash (records
 * read after the last cursor save are read again) and exactly-once across a
 * clean close.
 *
 * Not thread-safe: one thread owns a spool.
 */
#ifndef FZ_SPOOL_H
#define FZ_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Largest record accepted by fz_spool_append(). */
#define FZ_SPOOL_MAX_RECORD (1u << 20)

struct fz_spool;

/*
 * Open (creating it when absent) the spool in dir, bounded to max_bytes of
 * segment files on disk. Existing segments are scanned and checked; a bad
 * or torn record cuts its segment at that point (counted as corrupt bytes).
 * The directory is locked (flock) while the spool is open: a second open,
 * from this process or another, fails with EBUSY.
 * Returns NULL and sets errno on failure, with a message in err.
 */
struct fz_spool *fz_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);

/*
 * Append one record made of n pieces. Returns 0, -EMSGSIZE when the record
 * is larger than FZ_SPOOL_MAX_RECORD, -ENOSPC when the spool is full, or
 * another negative errno on an I/O error. Every failure counts as a drop.
 */
int fz_spool_appendv(struct fz_spool *sp, const struct iovec *iov, int n);

/* Append one record of len bytes; errors as fz_spool_appendv(). */
int fz_spool_append(struct fz_spool *sp, const void *data, size_t len);

/*
 * Put n records (recs[i] is one whole record) in front of the oldest one,
 * in the given order: for records that were taken out of the spool, or
 * queued elsewhere before the spooled ones, and must go first again. The
 * unread part of the oldest segment is copied behind them (at most one
 * segment). Records that do not fit in the bound are dropped from the end
 * of recs and counted. Returns 0, -ENOSPC when some were dropped, or
 * another negative errno (then all n count as dropped).
 */
int fz_spool_prepend(struct fz_spool *sp, const struct iovec *recs, unsigned n);

/*
 * Look at the oldest record without consuming it. Sets *data and *len (valid
 * until the next call on the spool) and returns 1, returns 0 when the spool
 * is empty, or a negative errno on an I/O error.
 */
int fz_spool_peek(struct fz_spool *sp, const void **data, size_t *len);

/* Consume the record fz_spool_peek() returned. Returns 0, -ENOENT when there is none, or a negative
 * errno. */
int fz_spool_advance(struct fz_spool *sp);

/*
 * Write buffered records to their segment and save the reader's cursor, so
 * that a crash after this call loses nothing appended before it and replays
 * nothing consumed before it. Returns 0 or a negative errno.
 */
int fz_spool_sync(struct fz_spool *sp);

/* Bytes of segment files the spool holds (what counts against max_bytes). */
uint64_t fz_spool_bytes(const struct fz_spool *sp);

/* Records appended and not yet consumed. */
uint64_t fz_spool_records(const struct fz_spool *sp);

/* Records refused by fz_spool_append*() (full spool, too large, I/O error). */
uint64_t fz_spool_dropped(const struct fz_spool *sp);

/* Bytes cut off damaged segments when the spool was opened. */
uint64_t fz_spool_corrupt_bytes(const struct fz_spool *sp);

/* Sync (errors ignored; use fz_spool_sync() first to see them) and free. NULL is a no-op. */
void fz_spool_close(struct fz_spool *sp);

#endif
