/*
 * Capture reader unit tests: classic pcap in both byte orders with micro-
 * and nanosecond stamps, pcapng with several interfaces (link types,
 * resolutions, offsets), simple and unknown blocks, and every way a file
 * can be cut short or corrupt.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fz_capture.h"
#include "fz_pcapdir.h"
#include "fz_source.h"
#include "fz_test.h"

/* A capture under construction, in either byte order. */
struct buf {
	uint8_t b[4096];
	size_t n;
	int big;
};

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void u8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void u16(struct buf *b, uint16_t v)
{
	u8(b, (uint8_t)(b->big ? v >> 8 : v));
	u8(b, (uint8_t)(b->big ? v : v >> 8));
}

static void u32(struct buf *b, uint32_t v)
{
	if (b->big) {
		u16(b, (uint16_t)(v >> 16));
		u16(b, (uint16_t)v);
	} else {
		u16(b, (uint16_t)v);
		u16(b, (uint16_t)(v >> 16));
	}
}

static void pcap_header(struct buf *b, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
	u32(b, magic);
	u16(b, 2);
	u16(b, 4);
	u32(b, 0);
	u32(b, 0);
	u32(b, snaplen);
	u32(b, linktype);
}

static void pcap_record(struct buf *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint8_t fill)
{
	u32(b, sec);
	u32(b, frac);
	u32(b, caplen);
	u32(b, caplen + 4);
	for (uint32_t i = 0; i < caplen; i++)
		u8(b, fill);
}

static struct fz_capture *open_buf(const struct buf *b)
{
	char err[256];
	struct fz_capture *c = fz_capture_open_mem(b->b, b->n, err, sizeof(err));

	if (c == NULL)
		fprintf(stderr, "open: %s\n", err);
	return c;
}

static void test_pcap_both_orders(void)
{
	for (int big = 0; big < 2; big++)
		for (int ns = 0; ns < 2; ns++) {
			struct buf b = {.big = big};
			struct fz_frame f[4];
			struct fz_capture *c;

			pcap_header(&b, ns ? 0xa1b23c4d : 0xa1b2c3d4, 65535, 1);
			pcap_record(&b, 1700000000, ns ? 123456789 : 123456, 60, 0xaa);
			pcap_record(&b, 1700000001, ns ? 999 : 7, 14, 0xbb);
			c = open_buf(&b);
			FZ_CHECK(c != NULL);
			if (c == NULL)
				continue;
			FZ_CHECK_INT(FZ_LINK_ETHER, fz_capture_link(c));
			FZ_CHECK_INT(2, fz_capture_burst(c, f, 4));
			FZ_CHECK_INT(1700000000123456ULL, f[0].ts_us);
			FZ_CHECK_INT(ns ? 1700000001000000ULL : 1700000001000007ULL, f[1].ts_us);
			FZ_CHECK_INT(60, f[0].len);
			FZ_CHECK_INT(60, f[0].pkt_len);
			FZ_CHECK_INT(14, f[1].len);
			FZ_CHECK_INT(0xbb, f[1].data[13]);
			FZ_CHECK(f[0].data == b.b + 24 + 16);
			FZ_CHECK_INT(1, f[0].has_ts);
			FZ_CHECK_INT(FZ_CAPTURE_EOF, fz_capture_state(c));
			FZ_CHECK_INT(0, fz_capture_burst(c, f, 4));
			FZ_CHECK_INT(2, fz_capture_frames(c));
			fz_capture_close(c);
		}
}

static void test_pcap_bursts_and_links(void)
{
	static const uint32_t lt[] = {1, 113, 276, 101, 12, 228, 229};
	static const int want[] = {FZ_LINK_ETHER, FZ_LINK_SLL, FZ_LINK_SLL2, FZ_LINK_RAW,
	                           FZ_LINK_RAW,   FZ_LINK_RAW, FZ_LINK_RAW};
	struct buf b = {0};
	struct fz_frame f[3];
	struct fz_capture *c;
	int ended = -1;

	for (unsigned i = 0; i < sizeof(lt) / sizeof(lt[0]); i++) {
		b.n = 0;
		pcap_header(&b, 0xa1b2c3d4, 0, lt[i] | 0x10000000u); /* FCS bits are not the type */
		pcap_record(&b, 1, 0, 20, 0x45);
		c = open_buf(&b);
		FZ_CHECK_INT(want[i], c ? fz_capture_link(c) : -2);
		FZ_CHECK_INT(1, c ? fz_capture_burst(c, f, 3) : 0);
		FZ_CHECK_INT(want[i], f[0].link);
		fz_capture_close(c);
	}
	/* Five records in bursts of three; the source says when it ended. */
	b.n = 0;
	pcap_header(&b, 0xa1b2c3d4, 0, 1);
	for (int i = 0; i < 5; i++)
		pcap_record(&b, 10, (uint32_t)i, 20, (uint8_t)i);
	c = open_buf(&b);
	FZ_CHECK_INT(3, fz_capture_source_burst(c, f, 3, &ended));
	FZ_CHECK_INT(0, ended);
	FZ_CHECK_INT(2, fz_capture_source_burst(c, f, 3, &ended));
	FZ_CHECK_INT(4, f[1].data[0]);
	FZ_CHECK_INT(0, fz_capture_source_burst(c, f, 3, &ended));
	FZ_CHECK_INT(1, ended);
	FZ_CHECK_INT(b.n, fz_capture_offset(c));
	fz_capture_close(c);
}

static void test_pcap_bad(void)
{
	struct buf b = {0};
	struct fz_frame f[4];
	struct fz_capture *c;
	char err[256] = "";

	/* Not captures. */
	FZ_CHECK(fz_capture_open_mem((const uint8_t *)"no", 2, err, sizeof(err)) == NULL);
	FZ_CHECK_STR("not a capture: 2 bytes, too short for a file header", err);
	FZ_CHECK(fz_capture_open_mem((const uint8_t *)"not a pcap file", 15, err, sizeof(err)) ==
	         NULL);
	FZ_CHECK_STR("unknown file format", err);
	pcap_header(&b, 0xa1b2c3d4, 0, 1);
	FZ_CHECK(fz_capture_open_mem(b.b, 20, err, sizeof(err)) == NULL);
	FZ_CHECK_STR("truncated pcap file header: 20 of 24 bytes", err);
	/* A record header cut short. */
	pcap_record(&b, 1, 0, 30, 1);
	b.n += 10; /* ten bytes of a next header */
	c = open_buf(&b);
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 4));
	FZ_CHECK_INT(FZ_CAPTURE_TRUNCATED, fz_capture_state(c));
	FZ_CHECK_STR("a record header cut short: 10 of 16 bytes", fz_capture_error(c));
	fz_capture_close(c);
	/* A record's data cut short. */
	b.n = 24;
	pcap_record(&b, 1, 0, 30, 1);
	pcap_record(&b, 1, 0, 30, 1);
	b.n -= 5;
	c = open_buf(&b);
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 4));
	FZ_CHECK_INT(0, fz_capture_burst(c, f, 4));
	FZ_CHECK_INT(FZ_CAPTURE_TRUNCATED, fz_capture_state(c));
	FZ_CHECK_STR("a record cut short: 25 of 30 bytes", fz_capture_error(c));
	fz_capture_close(c);
	/* A length no capture has. */
	b.n = 24;
	pcap_record(&b, 1, 0, 10, 1);
	u32(&b, 1);
	u32(&b, 0);
	u32(&b, 0x7fffffff);
	u32(&b, 0x7fffffff);
	c = open_buf(&b);
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 4));
	FZ_CHECK_INT(FZ_CAPTURE_CORRUPT, fz_capture_state(c));
	FZ_CHECK_STR("a record claims 2147483647 captured bytes (at most 262144)",
	             fz_capture_error(c));
	fz_capture_close(c);
	/* More than the snapshot length: cut to it, as libpcap does. */
	b.n = 0;
	pcap_header(&b, 0xa1b2c3d4, 16, 1);
	pcap_record(&b, 1, 0, 40, 1);
	c = open_buf(&b);
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 4));
	FZ_CHECK_INT(16, f[0].len);
	FZ_CHECK_INT(FZ_CAPTURE_EOF, fz_capture_state(c));
	fz_capture_close(c);
	/* A link type the parser does not know: frames skipped and counted. */
	b.n = 0;
	pcap_header(&b, 0xa1b2c3d4, 0, 105);
	pcap_record(&b, 1, 0, 40, 1);
	pcap_record(&b, 1, 0, 40, 1);
	c = open_buf(&b);
	FZ_CHECK_INT(-1, fz_capture_link(c));
	FZ_CHECK_INT(105, fz_capture_linktype(c));
	FZ_CHECK_INT(0, fz_capture_burst(c, f, 4));
	FZ_CHECK_INT(2, fz_capture_skipped(c));
	FZ_CHECK_INT(FZ_CAPTURE_EOF, fz_capture_state(c));
	fz_capture_close(c);
}

/* pcapng blocks. */
static void block_begin(struct buf *b, uint32_t type, size_t *start)
{
	*start = b->n;
	u32(b, type);
	u32(b, 0); /* length, set by block_end */
}

static void block_end(struct buf *b, size_t start)
{
	size_t save;
	uint32_t len;

	while (b->n % 4)
		u8(b, 0);
	len = (uint32_t)(b->n - start + 4);
	u32(b, len);
	save = b->n;
	b->n = start + 4;
	u32(b, len);
	b->n = save;
}

static void shb(struct buf *b)
{
	size_t s;

	block_begin(b, 0x0a0d0d0a, &s);
	u32(b, 0x1a2b3c4d);
	u16(b, 1);
	u16(b, 0);
	u32(b, 0xffffffff);
	u32(b, 0xffffffff);
	block_end(b, s);
}

/* An interface: tsresol < 0 leaves the option out; tsoffset 0 too. */
static void idb(struct buf *b, uint16_t linktype, int tsresol, uint64_t tsoffset)
{
	size_t s;

	block_begin(b, 1, &s);
	u16(b, linktype);
	u16(b, 0);
	u32(b, 0);
	if (tsresol >= 0) {
		u16(b, 9);
		u16(b, 1);
		u8(b, (uint8_t)tsresol);
		u8(b, 0);
		u16(b, 0);
	}
	if (tsoffset) {
		u16(b, 14);
		u16(b, 8);
		u32(b, (uint32_t)(b->big ? tsoffset >> 32 : tsoffset));
		u32(b, (uint32_t)(b->big ? tsoffset : tsoffset >> 32));
	}
	u16(b, 0); /* opt_endofopt */
	u16(b, 0);
	block_end(b, s);
}

static void epb(struct buf *b, uint32_t ifc, uint64_t ts, uint32_t caplen, uint8_t fill)
{
	size_t s;

	block_begin(b, 6, &s);
	u32(b, ifc);
	u32(b, (uint32_t)(ts >> 32));
	u32(b, (uint32_t)ts);
	u32(b, caplen);
	u32(b, caplen);
	for (uint32_t i = 0; i < caplen; i++)
		u8(b, fill);
	block_end(b, s);
}

static void test_pcapng(void)
{
	for (int big = 0; big < 2; big++) {
		struct buf b = {.big = big};
		struct fz_frame f[8];
		struct fz_capture *c;
		size_t s;

		shb(&b);
		idb(&b, 1, -1, 0);            /* 0: Ethernet, microseconds */
		idb(&b, 276, 9, 0);           /* 1: SLL2, nanoseconds */
		idb(&b, 105, -1, 0);          /* 2: 802.11: skipped */
		idb(&b, 101, 0x80 | 10, 100); /* 3: raw IP, 2^-10 s, 100 s later */
		block_begin(&b, 0xbad, &s);   /* unknown: skipped */
		u32(&b, 42);
		block_end(&b, s);
		epb(&b, 0, 1700000000123456ULL, 60, 0xa0);
		epb(&b, 1, 1700000000123456789ULL, 33, 0xa1);
		epb(&b, 2, 5, 10, 0xa2);
		epb(&b, 3, (5ULL << 10) | 512, 20, 0xa3);
		epb(&b, 9, 5, 10, 0xa4); /* no interface 9 */
		block_begin(&b, 3, &s);  /* simple packet block: interface 0, no time */
		u32(&b, 50);
		for (int i = 0; i < 40; i++)
			u8(&b, 0xa5);
		block_end(&b, s);
		c = open_buf(&b);
		FZ_CHECK(c != NULL);
		if (c == NULL)
			continue;
		FZ_CHECK_INT(FZ_LINK_ETHER, fz_capture_link(c));
		FZ_CHECK_INT(4, fz_capture_burst(c, f, 8));
		FZ_CHECK_INT(FZ_LINK_ETHER, f[0].link);
		FZ_CHECK_INT(1700000000123456ULL, f[0].ts_us);
		FZ_CHECK_INT(60, f[0].len);
		FZ_CHECK_INT(0xa0, f[0].data[59]);
		FZ_CHECK_INT(FZ_LINK_SLL2, f[1].link);
		FZ_CHECK_INT(1700000000123456ULL, f[1].ts_us);
		FZ_CHECK_INT(33, f[1].len);
		FZ_CHECK_INT(FZ_LINK_RAW, f[2].link);
		FZ_CHECK_INT(105500000ULL, f[2].ts_us);
		FZ_CHECK_INT(0xa3, f[2].data[19]);
		FZ_CHECK_INT(40, f[3].len); /* the original length was 50: 40 captured */
		FZ_CHECK_INT(0, f[3].has_ts);
		FZ_CHECK_INT(0xa5, f[3].data[39]);
		FZ_CHECK_INT(2, fz_capture_skipped(c));
		FZ_CHECK_INT(FZ_CAPTURE_EOF, fz_capture_state(c));
		fz_capture_close(c);
	}
}

static void test_pcapng_sections_and_bad(void)
{
	struct buf b = {0};
	struct fz_frame f[8];
	struct fz_capture *c;
	char err[256];
	size_t cut;

	/* A second section (big-endian) forgets the first one's interfaces. */
	shb(&b);
	idb(&b, 1, -1, 0);
	epb(&b, 0, 7, 20, 1);
	b.big = 1;
	shb(&b);
	epb(&b, 0, 7, 20, 2); /* no interface yet in this section */
	idb(&b, 113, 3, 0);   /* milliseconds */
	epb(&b, 0, 7, 20, 3);
	c = open_buf(&b);
	FZ_CHECK_INT(2, fz_capture_burst(c, f, 8));
	FZ_CHECK_INT(FZ_LINK_SLL, f[1].link);
	FZ_CHECK_INT(7000, f[1].ts_us);
	FZ_CHECK_INT(1, fz_capture_skipped(c));
	fz_capture_close(c);
	/* The first interface's link type not known: the file is known by it. */
	b.n = 0;
	b.big = 0;
	shb(&b);
	idb(&b, 147, -1, 0);
	c = open_buf(&b);
	FZ_CHECK_INT(-1, c ? fz_capture_link(c) : 0);
	FZ_CHECK_INT(147, c ? fz_capture_linktype(c) : 0);
	fz_capture_close(c);
	/* A block cut short, then one of a length no block has. */
	b.n = 0;
	shb(&b);
	idb(&b, 1, -1, 0);
	epb(&b, 0, 7, 20, 1);
	cut = b.n;
	epb(&b, 0, 7, 20, 1);
	c = fz_capture_open_mem(b.b, b.n - 3, err, sizeof(err));
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 8));
	FZ_CHECK_INT(FZ_CAPTURE_TRUNCATED, fz_capture_state(c));
	FZ_CHECK_STR("a block cut short: 49 of 52 bytes", fz_capture_error(c));
	fz_capture_close(c);
	b.b[cut + 4] = 13; /* not a multiple of 4 */
	c = open_buf(&b);
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 8));
	FZ_CHECK_INT(FZ_CAPTURE_CORRUPT, fz_capture_state(c));
	FZ_CHECK_STR("a block of type 0x6 claims 13 bytes", fz_capture_error(c));
	fz_capture_close(c);
	/* A packet block whose captured length exceeds the block. */
	b.b[cut + 4] = 52;
	b.b[cut + 20] = 200;
	c = open_buf(&b);
	FZ_CHECK_INT(1, fz_capture_burst(c, f, 8));
	FZ_CHECK_INT(FZ_CAPTURE_CORRUPT, fz_capture_state(c));
	FZ_CHECK_STR("a packet block of 52 bytes with a wrong length", fz_capture_error(c));
	fz_capture_close(c);
	/* A section header with a bad byte-order magic. */
	b.n = 0;
	shb(&b);
	b.b[8] = 0;
	FZ_CHECK(fz_capture_open_mem(b.b, b.n, err, sizeof(err)) == NULL);
	FZ_CHECK_STR("pcapng: the section header is cut short or has a bad byte-order magic", err);
}

static void test_files(void)
{
	char dir[] = "/tmp/fz_source_XXXXXX", path[64], err[256];
	struct buf b = {0};
	struct fz_frame f[4];
	struct fz_capture *c;
	FILE *fp;

	FZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a.pcap", dir);
	FZ_CHECK(fz_capture_open(path, err, sizeof(err)) == NULL);
	FZ_CHECK_INT(ENOENT, errno);
	pcap_header(&b, 0xa1b2c3d4, 0, 1);
	pcap_record(&b, 3, 4, 20, 9);
	fp = fopen(path, "wb");
	fwrite(b.b, 1, b.n, fp);
	fclose(fp);
	c = fz_capture_open(path, err, sizeof(err));
	FZ_CHECK(c != NULL);
	FZ_CHECK_INT(b.n, c ? fz_capture_size(c) : 0);
	FZ_CHECK_INT(1, c ? fz_capture_burst(c, f, 4) : 0);
	FZ_CHECK_INT(3000004, f[0].ts_us);
	fz_capture_close(c);
	/* An empty file is no capture. */
	fp = fopen(path, "wb");
	fclose(fp);
	FZ_CHECK(fz_capture_open(path, err, sizeof(err)) == NULL);
	FZ_CHECK_STR("not a capture: 0 bytes, too short for a file header", err);
	unlink(path);
	rmdir(dir);
}

/* A file of many reads (256 KiB each): records across read boundaries, each frame intact. */
static void test_large_file(void)
{
	char path[] = "/tmp/fz_source_large_XXXXXX";
	struct buf b = {0};
	struct fz_frame f[32];
	struct fz_capture *c;
	char err[256];
	uint8_t frame[1500];
	unsigned k, bad = 0, bursts = 0;
	uint64_t n = 0;
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;

	FZ_CHECK(fp != NULL);
	if (fp == NULL)
		return;
	pcap_header(&b, 0xa1b2c3d4, 0, 1);
	fwrite(b.b, 1, b.n, fp);
	for (uint32_t i = 0; i < 7000; i++) {
		uint32_t len = 60 + i % 1441, h[4] = {i, 0, len, len};

		memset(frame, (int)(i & 0xff), len);
		fwrite(h, 1, sizeof(h), fp);
		fwrite(frame, 1, len, fp);
	}
	fwrite(frame, 1, 7, fp); /* then a header cut short */
	fclose(fp);
	c = fz_capture_open(path, err, sizeof(err));
	FZ_CHECK(c != NULL);
	/* Full bursts of 32 however the reads fall: as from one buffer. */
	while (c && (k = fz_capture_burst(c, f, 32)) > 0 && ++bursts)
		for (unsigned i = 0; i < k; i++, n++)
			if (f[i].len != 60 + n % 1441 || f[i].ts_us != n * 1000000 ||
			    f[i].data[0] != (uint8_t)n || f[i].data[f[i].len - 1] != (uint8_t)n)
				bad++;
	FZ_CHECK_INT(7000, n);
	FZ_CHECK_INT(0, bad);
	FZ_CHECK_INT(219, bursts); /* 218 x 32 + 24 */
	FZ_CHECK_INT(FZ_CAPTURE_TRUNCATED, c ? fz_capture_state(c) : 0);
	FZ_CHECK_STR("a record header cut short: 7 of 16 bytes", c ? fz_capture_error(c) : "");
	fz_capture_close(c);
	unlink(path);
}

static void test_skip_names(void)
{
	FZ_CHECK_INT(1, fz_pcapdir_skip_name(".flowzoo-journal"));
	FZ_CHECK_INT(1, fz_pcapdir_skip_name("a.pcap.tmp"));
	FZ_CHECK_INT(1, fz_pcapdir_skip_name("a.pcap.part"));
	FZ_CHECK_INT(1, fz_pcapdir_skip_name("a.pcap.current"));
	FZ_CHECK_INT(1, fz_pcapdir_skip_name(""));
	FZ_CHECK_INT(0, fz_pcapdir_skip_name("a.pcap"));
	FZ_CHECK_INT(0, fz_pcapdir_skip_name("trace10"));
	FZ_CHECK_INT(0, fz_pcapdir_skip_name("tmp"));
	FZ_CHECK_INT(0, fz_pcapdir_skip_name("a.tmp.pcap"));
}

int main(void)
{
	FZ_RUN(test_pcap_both_orders);
	FZ_RUN(test_pcap_bursts_and_links);
	FZ_RUN(test_pcap_bad);
	FZ_RUN(test_pcapng);
	FZ_RUN(test_pcapng_sections_and_bad);
	FZ_RUN(test_files);
	FZ_RUN(test_large_file);
	FZ_RUN(test_skip_names);
	return fz_test_summary();
}
