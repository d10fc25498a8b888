/*
 * pcapng (draft-ietf-opsawg-pcapng): blocks of type, length, body, length.
 * A section header sets the byte order and forgets the interfaces; each
 * interface description gives a link type, a timestamp resolution and
 * offset; enhanced, simple and obsolete packet blocks carry frames; every
 * other block is skipped whole.
 */
#include <stdio.h>
#include <string.h>

#include "capture_priv.h"

#define BT_SHB       0x0a0d0d0au
#define BT_IDB       1u
#define BT_OPB       2u /* obsolete packet block */
#define BT_SPB       3u
#define BT_EPB       6u
#define BOM          0x1a2b3c4du
#define MAX_BLOCK    (16u * 1024 * 1024) /* as libpcap: no capture writes larger blocks */
#define OPT_TSRESOL  9
#define OPT_TSOFFSET 14

/* The section header at c->pos: byte order. 0, or -1 when it is not one. */
static int read_shb(struct fz_capture *c, size_t left)
{
	const uint8_t *b = c->base + c->pos;
	uint32_t bom;

	if (left < 12)
		return -1;
	bom = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
	if (bom == BOM)
		c->big_endian = 0;
	else if (bom == __builtin_bswap32(BOM))
		c->big_endian = 1;
	else
		return -1;
	c->n_ifs = 0;
	return 0;
}

static void read_idb(struct fz_capture *c, const uint8_t *body, uint32_t len)
{
	struct pcapng_iface *i;
	uint32_t off = 8;

	if (c->n_ifs == PCAPNG_MAX_IFACES) {
		c->n_ifs++; /* more than we keep: its frames are skipped */
		return;
	}
	if (c->n_ifs > PCAPNG_MAX_IFACES)
		return;
	i = &c->ifs[c->n_ifs++];
	memset(i, 0, sizeof(*i));
	i->res = 6;
	i->linktype = len >= 2 ? cap_u16(c, body) : 0xffffu;
	i->link = len >= 8 ? fz_link_of_linktype(i->linktype) : -1;
	while (off + 4 <= len) {
		uint16_t code = cap_u16(c, body + off), olen = cap_u16(c, body + off + 2);

		off += 4;
		if (code == 0 || olen > len - off)
			break;
		if (code == OPT_TSRESOL && olen >= 1) {
			i->pow2 = body[off] >> 7;
			i->res = body[off] & 0x7f;
		} else if (code == OPT_TSOFFSET && olen >= 8) {
			uint64_t hi = cap_u32(c, body + off + (c->big_endian ? 0 : 4));
			uint64_t lo = cap_u32(c, body + off + (c->big_endian ? 4 : 0));

			i->offset_s = (int64_t)(hi << 32 | lo);
		}
		off += (olen + 3u) & ~3u;
	}
}

/* Timestamp units of an interface to microseconds since the epoch. */
static uint64_t to_us(const struct pcapng_iface *i, uint64_t ts)
{
	static const uint64_t p10[] = {1,
	                               10,
	                               100,
	                               1000,
	                               10000,
	                               100000,
	                               1000000,
	                               10000000,
	                               100000000,
	                               1000000000,
	                               10000000000,
	                               100000000000,
	                               1000000000000,
	                               10000000000000,
	                               100000000000000,
	                               1000000000000000,
	                               10000000000000000,
	                               100000000000000000,
	                               1000000000000000000};
	uint64_t us;

	if (i->pow2) {
		unsigned r = i->res > 63 ? 63 : i->res;
		us = (uint64_t)(((unsigned __int128)ts * 1000000u) >> r);
	} else if (i->res <= 6) {
		us = ts * p10[6 - i->res];
	} else {
		us = (size_t)(i->res - 6) < sizeof(p10) / sizeof(p10[0]) ? ts / p10[i->res - 6] : 0;
	}
	return us + (uint64_t)i->offset_s * 1000000u;
}

/* A packet of interface ifc: 1 when it became frame *f, 0 when skipped. */
static int frame_of(struct fz_capture *c, uint32_t ifc, const uint8_t *data, uint32_t caplen,
                    uint64_t ts, int has_ts, struct fz_frame *f)
{
	const struct pcapng_iface *i;

	if (ifc >= c->n_ifs || ifc >= PCAPNG_MAX_IFACES || c->ifs[ifc].link < 0) {
		__atomic_store_n(&c->skipped, c->skipped + 1, __ATOMIC_RELAXED);
		return 0;
	}
	i = &c->ifs[ifc];
	f->data = data;
	f->len = caplen;
	f->pkt_len = caplen;
	f->link = (uint8_t)i->link;
	f->has_ts = (uint8_t)has_ts;
	f->ts_us = has_ts ? to_us(i, ts) : 0;
	return 1;
}

/* One block at c->pos whose length is checked: 1 when it made a frame. */
static int block(struct fz_capture *c, uint32_t type, const uint8_t *body, uint32_t len,
                 struct fz_frame *f)
{
	uint32_t caplen;

	switch (type) {
	case BT_IDB:
		read_idb(c, body, len);
		return 0;
	case BT_EPB:
	case BT_OPB:
		if (len < 20)
			break;
		caplen = cap_u32(c, body + 12);
		if (caplen > len - 20 || caplen > FZ_CAPTURE_MAX_CAPLEN)
			break;
		return frame_of(c, type == BT_EPB ? cap_u32(c, body) : cap_u16(c, body), body + 20,
		                caplen, (uint64_t)cap_u32(c, body + 4) << 32 | cap_u32(c, body + 8),
		                1, f);
	case BT_SPB:
		if (len < 4)
			break;
		caplen = cap_u32(c, body);
		if (caplen > len - 4)
			caplen =
			    len - 4; /* the original length; the block holds what was captured */
		if (caplen > FZ_CAPTURE_MAX_CAPLEN)
			break;
		return frame_of(c, 0, body + 4, caplen, 0, 0, f);
	default:
		return 0;
	}
	fz_capture__stop(c, FZ_CAPTURE_CORRUPT, "a packet block of %u bytes with a wrong length",
	                 len + 12);
	return 0;
}

unsigned fz_pcapng__burst(struct fz_capture *c, struct fz_frame *f, unsigned n)
{
	unsigned k = 0;

	while (k < n && c->state == FZ_CAPTURE_OK) {
		int r = fz_capture__ensure(c, 12, k);
		size_t left = c->size - c->pos;
		const uint8_t *b = c->base + c->pos;
		uint32_t type, len;

		if (r == 0)
			break;
		if (left == 0) {
			__atomic_store_n(&c->state, FZ_CAPTURE_EOF, __ATOMIC_RELEASE);
			break;
		}
		if (left < 12) {
			fz_capture__stop(c, FZ_CAPTURE_TRUNCATED,
			                 "a block header cut short: %zu of 12 bytes", left);
			break;
		}
		type = cap_u32(c, b);
		if (type == BT_SHB && read_shb(c, left) != 0) {
			fz_capture__stop(c, FZ_CAPTURE_CORRUPT,
			                 "a section header with a bad byte-order magic");
			break;
		}
		len = cap_u32(c, b + 4);
		if (len < 12 || len % 4 || len > MAX_BLOCK) {
			fz_capture__stop(c, FZ_CAPTURE_CORRUPT,
			                 "a block of type 0x%x claims %u bytes", type, len);
			break;
		}
		r = fz_capture__ensure(c, len, k);
		if (r == 0)
			break;
		if (r < 0) {
			fz_capture__stop(c, FZ_CAPTURE_TRUNCATED,
			                 "a block cut short: %zu of %u bytes", c->size - c->pos,
			                 len);
			break;
		}
		b = c->base + c->pos; /* the buffer may have moved */
		c->pos += len;
		k += (unsigned)block(c, type, b + 8, len - 12, &f[k]);
	}
	return k;
}

int fz_pcapng__open(struct fz_capture *c, char *err, size_t errlen)
{
	size_t pos = 0;

	if (read_shb(c, c->size - c->pos) != 0) {
		snprintf(err, errlen,
		         "pcapng: the section header is cut short or has a bad "
		         "byte-order magic");
		return -1;
	}
	/* The link type the file is known by: its first interface's. */
	c->link = -1;
	c->linktype = 0;
	while (c->size - pos >= 12) {
		uint32_t type = cap_u32(c, c->base + pos), len = cap_u32(c, c->base + pos + 4);

		if (len < 12 || len % 4 || len > c->size - pos)
			break;
		if (type == BT_IDB && len >= 20) {
			c->linktype = cap_u16(c, c->base + pos + 8);
			c->link = fz_link_of_linktype(c->linktype);
			return 0;
		}
		if (type == BT_EPB || type == BT_SPB || type == BT_OPB)
			break;
		pos += len;
	}
	/* No interface before the first packet (or none at all): nothing to say yet;
	 * frames without an interface are skipped and counted. */
	c->link = FZ_LINK_ETHER;
	c->linktype = 1;
	return 0;
}
