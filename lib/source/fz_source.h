/*
 * Packet sources: what a worker takes its bursts from. A source fills an
 * array of frame descriptors (where the bytes are, how long, when); the
 * worker accounts them without knowing whether they came from a DPDK port
 * or a capture file. No DPDK dependency.
 */
#ifndef FZ_SOURCE_H
#define FZ_SOURCE_H

#include <stdint.h>

enum fz_link_type {
	FZ_LINK_ETHER = 0,
	FZ_LINK_SLL,
	FZ_LINK_RAW,
	FZ_LINK_SLL2,
};

/* One received frame. The bytes stay valid until the source's next burst. */
struct fz_frame {
	const uint8_t *data; /* the first (or only) segment */
	uint32_t len;        /* bytes at data */
	uint32_t pkt_len;    /* bytes captured in all segments (what "bytes" counts) */
	uint64_t ts_us;      /* microseconds since the epoch, when has_ts */
	uint8_t link;        /* enum fz_link_type */
	uint8_t has_ts;
};

/*
 * A source of frames. burst fills up to n frames and returns how many; it
 * returns 0 with *ended set when the source has nothing more, ever (end of
 * the last file), and 0 with *ended clear when nothing is there now.
 */
struct fz_source {
	unsigned (*burst)(void *ctx, struct fz_frame *f, unsigned n, int *ended);
	/* May be NULL. The packet clock while the source is quiet (0: unknown), so
	 * that flows of a quiet input still expire: a watched directory's last
	 * frame time plus the time since it came. */
	uint64_t (*now_us)(void *ctx);
	void *ctx;
};

/* The link type of a pcap/pcapng LINKTYPE_ value, or -1 when the parser knows none. */
int fz_link_of_linktype(uint32_t linktype);

#endif
