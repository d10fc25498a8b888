/*
 * Write-behind for the JSON-lines exporter's file (private to lib/export).
 * Written data is handed to the disk a 32 MiB window at a time and, once the
 * disk has it (waited for 128 MiB later), dropped from the page cache, so
 * that a run writing gigabytes keeps a few windows dirty instead of filling
 * the page cache and being throttled by the kernel's dirty-page accounting
 * (docs/benchmarks.md "Offline": the large flood's 7.9 GB of JSON lines took
 * 30.3 s plain, 9.6-13.7 s written behind). Only regular files; advice on the
 * data, never a change to what is written.
 */
#ifndef FZ_WRITEBEHIND_H
#define FZ_WRITEBEHIND_H

#include <sys/types.h>

struct fz_writebehind {
	int fd;      /* -1: off (not a regular file) */
	off_t start; /* the window being written: from start to the file offset */
	off_t done;  /* before done: on the disk and dropped; [done, start): being written */
};

/* Start on fd (its current offset); off unless fd is a regular file. */
void fz_jsonl__wb_init(struct fz_writebehind *w, int fd);

/*
 * After writes to fd: once a window has been written, start writing it to the
 * disk; once more than 128 MiB are being written, wait for the oldest window
 * and drop it from the page cache. 0, or a negative errno (EIO) when the disk
 * failed to write a window waited for (data written so far may not all be on
 * disk).
 */
int fz_jsonl__wb_step(struct fz_writebehind *w);

#endif
