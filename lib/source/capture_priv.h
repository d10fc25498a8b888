/* The capture reader's layout, shared by capture.c (files, classic pcap) and pcapng.c. */
#ifndef FZ_CAPTURE_PRIV_H
#define FZ_CAPTURE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "fz_capture.h"

#define PCAPNG_MAX_IFACES 64

struct pcapng_iface {
	int link;          /* enum fz_link_type, -1: not known to the parser */
	uint32_t linktype; /* LINKTYPE_ value */
	uint8_t pow2;      /* timestamps in units of 2^-res s (else 10^-res s) */
	uint8_t res;
	int64_t offset_s; /* if_tsoffset */
};

struct fz_capture {
	/* The bytes at hand: [base, base + size), read up to pos. A file is read
	 * into buf in large sequential reads (fd >= 0); memory of the caller is
	 * all at hand at once (fd < 0). */
	const uint8_t *base;
	size_t size, pos;
	int fd;
	/* Two buffers: a refill within a burst reads into the other one, so the
	 * frames already handed out stay where they are (bursts do not end at
	 * read boundaries; see fz_capture__ensure). */
	uint8_t *buf[2];
	size_t cap[2];
	int cur;
	unsigned refills;   /* in this burst */
	uint64_t win_off;   /* file offset of base[0] */
	uint64_t file_size; /* at open */
	int at_eof;         /* read() said the file ends at base + size */
	int pcapng;
	int big_endian; /* the file's (the section's) byte order */
	/* Classic pcap. */
	int nsec;
	int link;
	uint32_t linktype;
	uint32_t snaplen;
	/* pcapng: the current section's interfaces. */
	struct pcapng_iface ifs[PCAPNG_MAX_IFACES];
	unsigned n_ifs;
	enum fz_capture_state state;
	char msg[192];
	uint64_t frames, skipped; /* read by other threads: written whole (atomics) */
};

/* Fields in the file's byte order, read a byte at a time (any host, any alignment). */
static inline uint16_t cap_u16(const struct fz_capture *c, const uint8_t *p)
{
	uint16_t v = (uint16_t)(p[0] | p[1] << 8);

	return c->big_endian ? __builtin_bswap16(v) : v;
}

static inline uint32_t cap_u32(const struct fz_capture *c, const uint8_t *p)
{
	uint32_t v =
	    (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return c->big_endian ? __builtin_bswap32(v) : v;
}

/*
 * Make n bytes from pos at hand: 1 when they are; 0 when they are not and
 * frames of this burst (k) still point into the buffer (the next burst
 * reads on); -1 when the capture ends first (what is there stays at hand).
 * fz_capture__refill is its slow part, for when they are not in the buffer.
 */
int fz_capture__refill(struct fz_capture *c, size_t n, unsigned k);

static inline int fz_capture__ensure(struct fz_capture *c, size_t n, unsigned k)
{
	/* Nearly always there: the refill is out of line. */
	if (__builtin_expect(c->size - c->pos >= n, 1))
		return 1;
	return fz_capture__refill(c, n, k);
}

/* Stop reading: the state and why (printf-like). */
void fz_capture__stop(struct fz_capture *c, enum fz_capture_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* pcapng.c: the first section header at c->base (0, or -1 with a message). */
int fz_pcapng__open(struct fz_capture *c, char *err, size_t errlen);
unsigned fz_pcapng__burst(struct fz_capture *c, struct fz_frame *f, unsigned n);

#endif
