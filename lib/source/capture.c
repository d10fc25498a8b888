/*
 * Capture files: open, tell classic pcap from pcapng, and read classic pcap
 * records. A file is read front to back into one buffer in reads of 256 KiB
 * (POSIX_FADV_SEQUENTIAL: the kernel reads ahead): one copy and one system
 * call per 256 KiB. The two buffers stay in the L2 cache, where the worker
 * reads the frames right after the copy, and take 128 page faults instead of
 * 2048 (4 MiB reads: the same speed on 1 GB files, 1 900 fewer faults on
 * every file; docs/benchmarks.md "Offline"). Mapping the file instead would
 * save the copy, but a writer that truncates a mapped file (tcpdump -W
 * reusing a name) makes the next access a SIGBUS; a read only comes up short.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_priv.h"

#define PCAP_HDR    24
#define PCAP_REC    16
#define MAGIC_US    0xa1b2c3d4u
#define MAGIC_NS    0xa1b23c4du
#define PCAPNG_SHB  0x0a0d0d0au
#define LT_LINKTYPE 0x03ffffffu  /* the link type bits of the header's field (the rest: FCS) */
#define CHUNK       (256u << 10) /* bytes per read */
#define FIRST_READ  (64u << 10)  /* the first read: many files may be open at once */

void fz_capture__stop(struct fz_capture *c, enum fz_capture_state st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	__atomic_store_n(&c->state, st, __ATOMIC_RELEASE); /* the message first */
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int open_pcap(struct fz_capture *c, char *err, size_t errlen)
{
	uint32_t m = le32(c->base);

	c->big_endian = m == __builtin_bswap32(MAGIC_US) || m == __builtin_bswap32(MAGIC_NS);
	c->nsec = cap_u32(c, c->base) == MAGIC_NS;
	if (c->size < PCAP_HDR) {
		snprintf(err, errlen, "truncated pcap file header: %zu of %u bytes", c->size,
		         PCAP_HDR);
		return -1;
	}
	c->snaplen = cap_u32(c, c->base + 16);
	c->linktype = cap_u32(c, c->base + 20) & LT_LINKTYPE;
	c->link = fz_link_of_linktype(c->linktype);
	c->pos = PCAP_HDR;
	return 0;
}

static int open_common(struct fz_capture *c, char *err, size_t errlen)
{
	uint32_t m;

	if (c->size < 4) {
		snprintf(err, errlen, "not a capture: %zu bytes, too short for a file header",
		         c->size);
		return -1;
	}
	m = le32(c->base);
	if (m == MAGIC_US || m == MAGIC_NS || m == __builtin_bswap32(MAGIC_US) ||
	    m == __builtin_bswap32(MAGIC_NS)) {
		if (open_pcap(c, err, errlen))
			return -1;
	} else if (m == PCAPNG_SHB) {
		c->pcapng = 1;
		if (fz_pcapng__open(c, err, errlen))
			return -1;
	} else {
		snprintf(err, errlen, "unknown file format"); /* libpcap's words */
		return -1;
	}
	return 0;
}

int fz_capture__refill(struct fz_capture *c, size_t n, unsigned k)
{
	size_t remain = c->size - c->pos, want = n > CHUNK ? n : CHUNK;
	int o = !c->cur;

	/* fz_capture__ensure found fewer than n bytes at hand. */
	if (c->fd < 0 || c->at_eof)
		return -1;
	/* Frames of this burst point into the current buffer; the other one is
	 * free (the last burst's frames are accounted). A second refill in one
	 * burst would reuse a buffer frames point into: end the burst first. */
	if (k && c->refills)
		return 0;
	if (c->cap[o] < want) {
		uint8_t *b = realloc(c->buf[o], want);

		if (b == NULL)
			return -1; /* reported as cut short: no memory for a block this large */
		c->buf[o] = b;
		c->cap[o] = want;
	}
	memcpy(c->buf[o], c->base + c->pos, remain);
	c->win_off += c->pos;
	c->cur = o;
	c->base = c->buf[o];
	c->size = remain;
	c->pos = 0;
	c->refills++;
	while (c->size < c->cap[o]) {
		ssize_t r = read(c->fd, c->buf[o] + c->size, c->cap[o] - c->size);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->at_eof = 1; /* an I/O error ends the file here too */
			break;
		}
		c->size += (size_t)r;
	}
	return c->size >= n ? 1 : -1;
}

/* A file read to its end: its buffers go (the last burst's frames are accounted). */
static void release_buffers(struct fz_capture *c)
{
	if (c->fd < 0)
		return;
	for (int i = 0; i < 2; i++) {
		free(c->buf[i]);
		c->buf[i] = NULL;
		c->cap[i] = 0;
	}
	c->base = NULL;
	c->size = c->pos = 0;
}

static struct fz_capture *capture_new(void)
{
	struct fz_capture *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->fd = -1;
	return c;
}

struct fz_capture *fz_capture_open_mem(const uint8_t *data, size_t size, char *err, size_t errlen)
{
	struct fz_capture *c = capture_new();

	if (c == NULL) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	c->base = data;
	c->size = size;
	c->file_size = size;
	if (open_common(c, err, errlen)) {
		free(c);
		errno = EINVAL;
		return NULL;
	}
	return c;
}

struct fz_capture *fz_capture_open(const char *path, char *err, size_t errlen)
{
	struct fz_capture *c = capture_new();
	struct stat st;
	int e;

	if (c == NULL) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0 || fstat(c->fd, &st) != 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e)); /* as libpcap says it */
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	posix_fadvise(c->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	c->file_size = (uint64_t)st.st_size;
	/* The first read fills a small buffer; the next ones CHUNK. */
	c->cap[1] = FIRST_READ;
	c->buf[1] = malloc(FIRST_READ);
	if (c->buf[1] == NULL) {
		e = ENOMEM;
		snprintf(err, errlen, "%s", strerror(e));
		goto fail;
	}
	c->cur = 1;
	c->base = c->buf[1];
	while (c->size < FIRST_READ) {
		ssize_t r = read(c->fd, c->buf[1] + c->size, FIRST_READ - c->size);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->at_eof = 1;
			break;
		}
		c->size += (size_t)r;
	}
	if (open_common(c, err, errlen)) {
		e = EINVAL;
		goto fail;
	}
	return c;
fail:
	fz_capture_close(c);
	errno = e;
	return NULL;
}

static unsigned pcap_burst(struct fz_capture *c, struct fz_frame *f, unsigned n)
{
	unsigned k = 0;

	while (k < n) {
		const uint8_t *h;
		uint32_t caplen, sec, frac;
		int r = fz_capture__ensure(c, PCAP_REC, k);
		size_t left = c->size - c->pos;

		if (r == 0)
			break;
		if (left == 0) {
			__atomic_store_n(&c->state, FZ_CAPTURE_EOF, __ATOMIC_RELEASE);
			break;
		}
		if (left < PCAP_REC) {
			fz_capture__stop(c, FZ_CAPTURE_TRUNCATED,
			                 "a record header cut short: %zu of %u bytes", left,
			                 PCAP_REC);
			break;
		}
		h = c->base + c->pos;
		caplen = cap_u32(c, h + 8);
		if (caplen > FZ_CAPTURE_MAX_CAPLEN) {
			fz_capture__stop(c, FZ_CAPTURE_CORRUPT,
			                 "a record claims %u captured bytes (at most %u)", caplen,
			                 FZ_CAPTURE_MAX_CAPLEN);
			break;
		}
		r = fz_capture__ensure(c, PCAP_REC + (size_t)caplen, k);
		if (r == 0)
			break;
		if (r < 0) {
			fz_capture__stop(c, FZ_CAPTURE_TRUNCATED,
			                 "a record cut short: %zu of %u bytes",
			                 c->size - c->pos - PCAP_REC, caplen);
			break;
		}
		h = c->base + c->pos; /* the buffer may have moved */
		sec = cap_u32(c, h);
		frac = cap_u32(c, h + 4);
		c->pos += PCAP_REC + caplen;
		if (c->link < 0) {
			__atomic_store_n(&c->skipped, c->skipped + 1, __ATOMIC_RELAXED);
			continue;
		}
		f[k].data = h + PCAP_REC;
		/* As libpcap: more than the snapshot length the header promised is cut. */
		f[k].len = c->snaplen && caplen > c->snaplen ? c->snaplen : caplen;
		f[k].pkt_len = f[k].len;
		f[k].ts_us = (uint64_t)sec * 1000000u + (c->nsec ? frac / 1000u : frac);
		f[k].link = (uint8_t)c->link;
		f[k].has_ts = 1;
		k++;
	}
	return k;
}

unsigned fz_capture_burst(struct fz_capture *c, struct fz_frame *f, unsigned n)
{
	unsigned k;

	if (c->state != FZ_CAPTURE_OK) {
		release_buffers(c);
		return 0;
	}
	c->refills = 0;
	k = c->pcapng ? fz_pcapng__burst(c, f, n) : pcap_burst(c, f, n);
	/* Other threads read the counts (progress, counters): whole words. */
	__atomic_store_n(&c->frames, c->frames + k, __ATOMIC_RELAXED);
	return k;
}

unsigned fz_capture_source_burst(void *ctx, struct fz_frame *f, unsigned n, int *ended)
{
	struct fz_capture *c = ctx;
	unsigned k = fz_capture_burst(c, f, n);

	*ended = k == 0 && fz_capture_state(c) != FZ_CAPTURE_OK;
	return k;
}

enum fz_capture_state fz_capture_state(const struct fz_capture *c)
{
	return __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
}

const char *fz_capture_error(const struct fz_capture *c)
{
	return c->msg;
}

uint64_t fz_capture_frames(const struct fz_capture *c)
{
	return __atomic_load_n(&c->frames, __ATOMIC_RELAXED);
}

uint64_t fz_capture_skipped(const struct fz_capture *c)
{
	return __atomic_load_n(&c->skipped, __ATOMIC_RELAXED);
}

int fz_capture_link(const struct fz_capture *c)
{
	return c->link;
}

uint32_t fz_capture_linktype(const struct fz_capture *c)
{
	return c->linktype;
}

uint64_t fz_capture_size(const struct fz_capture *c)
{
	return c->file_size;
}

uint64_t fz_capture_offset(const struct fz_capture *c)
{
	return c->win_off + c->pos;
}

void fz_capture_close(struct fz_capture *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	release_buffers(c);
	free(c);
}
