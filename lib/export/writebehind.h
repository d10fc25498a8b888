/*
 * Write-behind for the JSON-lines exporter's file (private to lib/export).
 * Written data is handed to the disk a window at a time and, once the disk
 * has it, dropped from the page cache, so that a run writing gigabytes keeps
 * a few windows dirty instead of filling the page cache and being throttled
 * by the kernel's dirty-page accounting (docs/benchmarks.md "Offline": 8 GB
 * in 1 MiB writes took 28 s, 27.7 s of it system time, plain; 5.3 s with
 * this). Only regular files; advice on the data, never on what is written.
 */
#ifndef FZ_WRITEBEHIND_H
#define FZ_WRITEBEHIND_H

#include <sys/types.h>

struct fz_writebehind {
	int fd;      /* -1: off (not a regular file) */
	off_t start; /* the window being written: from start to the file offset */
	off_t prev;  /* the window before it, handed to the disk: [prev, start) */
};

/* Start on fd (its current offset); off unless fd is a regular file. */
void fz_jsonl__wb_init(struct fz_writebehind *w, int fd);

/*
 * After writes to fd: once a window has been written, start writing it to the
 * disk, wait for the window before it and drop that from the page cache.
 * 0, or a negative errno when the disk failed to write the window before
 * (the data written so far may not all be on disk).
 */
int fz_jsonl__wb_step(struct fz_writebehind *w);

#endif
