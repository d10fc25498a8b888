/*
 * A capture file reader with no DPDK and no libpcap: classic pcap (both
 * byte orders, microsecond and nanosecond timestamps) and pcapng (section
 * headers in either byte order, interface descriptions with their link
 * types, timestamp resolutions and offsets, enhanced, simple and obsolete
 * packet blocks; other blocks are skipped). A file is read in large
 * sequential reads (256 KiB) into one buffer: one copy, and frames point into
 * the buffer. A file cut shorter while it is read (a writer truncating it)
 * only looks truncated: nothing is mapped, so nothing faults.
 *
 * A record cut short at the end makes the capture "truncated", a record
 * that cannot be right (a length no capture writes) "corrupt": the frames
 * before it are delivered, the reader stops there and says why.
 */
#ifndef FZ_CAPTURE_H
#define FZ_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "fz_source.h"

#define FZ_CAPTURE_MAX_CAPLEN 262144u /* libpcap's largest snapshot length */

enum fz_capture_state {
	FZ_CAPTURE_OK = 0,    /* frames may follow */
	FZ_CAPTURE_EOF,       /* every record read */
	FZ_CAPTURE_TRUNCATED, /* the last record is cut short */
	FZ_CAPTURE_CORRUPT,   /* a record that cannot be right: reading stopped there */
};

struct fz_capture;

/*
 * Open the capture at path and read its file header. NULL with
 * errno and a message in err (not a capture, unsupported format, I/O
 * errors) on failure. A link type the parser does not know is not an error
 * here (fz_capture_link says -1): its frames are skipped and counted.
 */
struct fz_capture *fz_capture_open(const char *path, char *err, size_t errlen);

/* The same over bytes in memory (kept by the caller until close): tests and fuzzing. */
struct fz_capture *fz_capture_open_mem(const uint8_t *data, size_t size, char *err, size_t errlen);

/*
 * Read up to n frames; returns how many. Frames point into the capture's
 * buffer and stay valid until the next call (or the close). Frames of an interface whose link type
 * the parser does not know are skipped and counted (fz_capture_skipped). Returns 0 once the state
 * is not FZ_CAPTURE_OK.
 */
unsigned fz_capture_burst(struct fz_capture *c, struct fz_frame *f, unsigned n);

/* A struct fz_source's burst over a capture (ctx is the capture). */
unsigned fz_capture_source_burst(void *ctx, struct fz_frame *f, unsigned n, int *ended);

enum fz_capture_state fz_capture_state(const struct fz_capture *c);

/* Why the capture is truncated or corrupt ("" otherwise). */
const char *fz_capture_error(const struct fz_capture *c);

/* Frames delivered so far, and frames skipped (unknown link type or interface). */
uint64_t fz_capture_frames(const struct fz_capture *c);
uint64_t fz_capture_skipped(const struct fz_capture *c);

/* The parser's link type (enum fz_link_type) of the file or of a pcapng's first
 * interface, -1 when the parser does not know it. */
int fz_capture_link(const struct fz_capture *c);

/* The link type (LINKTYPE_ value) of the file, or of a pcapng's first interface. */
uint32_t fz_capture_linktype(const struct fz_capture *c);

/* Bytes of the file, and how far reading has come. */
uint64_t fz_capture_size(const struct fz_capture *c);
uint64_t fz_capture_offset(const struct fz_capture *c);

void fz_capture_close(struct fz_capture *c);

#endif
