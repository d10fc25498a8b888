/*
 * Frames built byte by byte for the parser's unit tests (test_parse.c,
 * test_parse_ip6.c): the builder records where each header starts and ends
 * so that the truncation sweep knows the exact status a frame cut at any
 * length must give. Static inline: each test program counts its own checks.
 */
#ifndef FZ_PARSE_FRAMES_H
#define FZ_PARSE_FRAMES_H

#include "fz_parse.h"
#include "fz_test.h"

enum link { LINK_ETHER, LINK_SLL, LINK_SLL2, LINK_IP };

struct frame {
	uint8_t b[2048];
	uint32_t n;
	enum link link;
	uint32_t l3;           /* start of the IP header */
	uint32_t ip_fixed_end; /* end of the fixed IPv4 (20) or IPv6 (40) header */
	uint32_t ip_hdr_end;   /* end of IPv4 options or the IPv6 extension chain */
	uint32_t l4_fixed_end; /* end of the fixed L4 header bytes */
	uint32_t l4_hdr_end;   /* end of the L4 header (TCP options included) */
	int ip_version;
};

static const uint8_t v4_a[4] = {192, 0, 2, 1};
static const uint8_t v4_b[4] = {198, 51, 100, 7};
static const uint8_t v6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t v6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static inline void put8(struct frame *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static inline void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static inline void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static inline void put_bytes(struct frame *f, const uint8_t *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static inline void put_fill(struct frame *f, uint8_t v, uint32_t n)
{
	memset(f->b + f->n, v, n);
	f->n += n;
}

static inline void start(struct frame *f, enum link link)
{
	memset(f, 0, sizeof(*f));
	f->link = link;
}

static inline void eth(struct frame *f, uint16_t type)
{
	static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	                                 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};

	start(f, LINK_ETHER);
	put_bytes(f, macs, sizeof(macs));
	put16(f, type);
}

static inline void vlan(struct frame *f, uint16_t tci, uint16_t type)
{
	put16(f, tci);
	put16(f, type);
}

/* PPPoE session header and the PPP protocol. */
static inline void pppoe(struct frame *f, uint16_t ppp_proto)
{
	put8(f, 0x11);
	put8(f, 0);
	put16(f, 0x1234); /* session */
	put16(f, 0);      /* length, not checked */
	put16(f, ppp_proto);
}

static inline void mpls(struct frame *f, uint32_t label, int bottom)
{
	put32(f, label << 12 | (bottom ? 0x100 : 0) | 64);
}

/* Linux cooked capture v1: packet type, ARPHRD, address length, address, protocol. */
static inline void sll(struct frame *f, uint16_t protocol)
{
	start(f, LINK_SLL);
	put16(f, 0); /* sent to us */
	put16(f, 1); /* ARPHRD_ETHER */
	put16(f, 6); /* address length */
	put_fill(f, 0xab, 8);
	put16(f, protocol);
}

/*
 * Linux cooked capture v2: protocol, reserved, interface index, ARPHRD,
 * packet type, address length, address.
 */
static inline void sll2(struct frame *f, uint16_t protocol)
{
	start(f, LINK_SLL2);
	put16(f, protocol);
	put16(f, 0); /* reserved */
	put32(f, 3); /* interface index */
	put16(f, 1); /* ARPHRD_ETHER */
	put8(f, 4);  /* outgoing */
	put8(f, 6);  /* address length */
	put_fill(f, 0xcd, 8);
}

/* IPv4 header with opt_words 4-byte words of options; total length set by finish(). */
static inline void ipv4(struct frame *f, uint8_t proto, uint16_t id, uint16_t frag_field,
                        unsigned int opt_words)
{
	unsigned int i;

	f->l3 = f->n;
	f->ip_version = 4;
	put8(f, (uint8_t)(0x40 | (5 + opt_words)));
	put8(f, 0);
	put16(f, 0); /* total length, patched by finish() */
	put16(f, id);
	put16(f, frag_field);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put_bytes(f, v4_a, 4);
	put_bytes(f, v4_b, 4);
	f->ip_fixed_end = f->n;
	/* Options: a router alert (4 bytes), then NOPs. */
	for (i = 0; i < opt_words; i++) {
		if (i == 0) {
			put8(f, 0x94);
			put8(f, 4);
			put16(f, 0);
		} else {
			put32(f, 0x01010101);
		}
	}
	f->ip_hdr_end = f->n;
}

static inline void ipv6(struct frame *f, uint8_t next)
{
	f->l3 = f->n;
	f->ip_version = 6;
	put32(f, 0x60000000);
	put16(f, 0); /* payload length, patched by finish() */
	put8(f, next);
	put8(f, 64);
	put_bytes(f, v6_a, 16);
	put_bytes(f, v6_b, 16);
	f->ip_fixed_end = f->n;
	f->ip_hdr_end = f->n;
}

/* An IPv6 options/routing extension header of (len8 + 1) * 8 bytes. */
static inline void ext6(struct frame *f, uint8_t next, uint8_t len8)
{
	put8(f, next);
	put8(f, len8);
	put_fill(f, 0, (uint32_t)(len8 + 1) * 8 - 2);
	f->ip_hdr_end = f->n;
}

/* An authentication header with n32 + 2 32-bit words. */
static inline void ah6(struct frame *f, uint8_t next, uint8_t n32)
{
	put8(f, next);
	put8(f, n32);
	put_fill(f, 0, (uint32_t)(n32 + 2) * 4 - 2);
	f->ip_hdr_end = f->n;
}

static inline void frag6(struct frame *f, uint8_t next, uint16_t offset8, int more, uint32_t id)
{
	put8(f, next);
	put8(f, 0);
	put16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put32(f, id);
	f->ip_hdr_end = f->n;
}

static inline void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags,
                       unsigned int opt_words)
{
	unsigned int i;

	f->l4_fixed_end = f->n + 20;
	put16(f, sport);
	put16(f, dport);
	put32(f, 1000);
	put32(f, 0);
	put8(f, (uint8_t)((5 + opt_words) << 4));
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	for (i = 0; i < opt_words; i++)
		put32(f, 0x01010101);
	f->l4_hdr_end = f->n;
}

static inline void udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 0);
	put16(f, 0);
	f->l4_fixed_end = f->n;
	f->l4_hdr_end = f->n;
}

/* ICMP/ICMPv6: the fixed header is type, code, checksum; identifier and sequence are payload. */
static inline void icmp(struct frame *f, uint8_t type)
{
	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	f->l4_fixed_end = f->n;
	f->l4_hdr_end = f->n;
	put32(f, 0x12340001);
}

/* Append payload and fix the IP length fields; a protocol without an L4 header ends at the IP
 * header. */
static inline void finish(struct frame *f, uint32_t payload)
{
	uint32_t i, len;

	if (f->l4_hdr_end == 0) {
		f->l4_fixed_end = f->ip_hdr_end;
		f->l4_hdr_end = f->ip_hdr_end;
	}
	for (i = 0; i < payload; i++)
		put8(f, (uint8_t)('a' + i % 26));
	len = f->n - f->l3;
	if (f->ip_version == 4) {
		f->b[f->l3 + 2] = (uint8_t)(len >> 8);
		f->b[f->l3 + 3] = (uint8_t)len;
	} else {
		len -= 40;
		f->b[f->l3 + 4] = (uint8_t)(len >> 8);
		f->b[f->l3 + 5] = (uint8_t)len;
	}
}

static inline enum fz_parse_status parse_len(const struct frame *f, uint32_t len,
                                             struct fz_pkt *pkt)
{
	/* A heap copy of exactly len bytes lets ASan catch any read past the end. */
	uint8_t *copy = malloc(len ? len : 1);
	enum fz_parse_status st;
	const uint8_t *base;

	memcpy(copy, f->b, len);
	switch (f->link) {
	case LINK_ETHER:
		st = fz_parse_ether(copy, len, pkt);
		break;
	case LINK_SLL:
		st = fz_parse_sll(copy, len, pkt);
		break;
	case LINK_SLL2:
		st = fz_parse_sll2(copy, len, pkt);
		break;
	default:
		st = fz_parse_ip(copy, len, pkt);
		break;
	}
	/* Rebase the payload pointer onto f->b so that tests can compare offsets. */
	base = copy;
	if (pkt->payload != NULL)
		pkt->payload = f->b + (pkt->payload - base);
	free(copy);
	return st;
}

static inline enum fz_parse_status parse(const struct frame *f, struct fz_pkt *pkt)
{
	return parse_len(f, f->n, pkt);
}

static inline void check_addrs4(const struct fz_pkt *pkt)
{
	static const uint8_t mapped_a[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                                     0, 0, 0xff, 0xff, 192, 0, 2, 1};
	static const uint8_t mapped_b[16] = {0, 0, 0,    0,    0,   0,  0,   0,
	                                     0, 0, 0xff, 0xff, 198, 51, 100, 7};

	FZ_CHECK_INT(4, pkt->key.ip_version);
	FZ_CHECK_INT(0, memcmp(mapped_a, pkt->key.addr[0], 16));
	FZ_CHECK_INT(0, memcmp(mapped_b, pkt->key.addr[1], 16));
}

static inline void check_addrs6(const struct fz_pkt *pkt)
{
	FZ_CHECK_INT(6, pkt->key.ip_version);
	FZ_CHECK_INT(0, memcmp(v6_a, pkt->key.addr[0], 16));
	FZ_CHECK_INT(0, memcmp(v6_b, pkt->key.addr[1], 16));
}

/*
 * The status a frame cut after len bytes must give, from the header
 * boundaries the builder recorded.
 */
static inline enum fz_parse_status expected_cut_status(const struct frame *f, uint32_t len)
{
	if (len < f->l3)
		return FZ_PARSE_TRUNC_L2;
	if (len < f->ip_fixed_end)
		return FZ_PARSE_TRUNC_IP;
	if (len < f->ip_hdr_end)
		return f->ip_version == 4 ? FZ_PARSE_BAD_IP_HDR_LEN : FZ_PARSE_BAD_IPV6_EXT;
	if (len < f->l4_fixed_end)
		return FZ_PARSE_TRUNC_L4;
	if (len < f->l4_hdr_end)
		return FZ_PARSE_BAD_TCP_HDR_LEN;
	return FZ_PARSE_OK;
}

/*
 * Cut the frame at every length from 0 to its full length: the status must
 * be exactly the one for the header the cut falls in, never OK before the
 * headers are complete, and the payload must be what is left.
 */
static inline void sweep(const struct frame *f, const char *name)
{
	struct fz_pkt full, pkt;
	uint32_t len;

	FZ_CHECK_INT(FZ_PARSE_OK, parse(f, &full));
	for (len = 0; len <= f->n; len++) {
		enum fz_parse_status want = expected_cut_status(f, len),
		                     got = parse_len(f, len, &pkt);

		FZ_CHECK_INT(want, got);
		if (want != got)
			fprintf(stderr, "  frame %s cut at %u of %u\n", name, len, f->n);
		if (got != FZ_PARSE_OK)
			continue;
		FZ_CHECK_INT(full.ip_len, pkt.ip_len);
		FZ_CHECK_INT(0, memcmp(&full.key, &pkt.key, sizeof(pkt.key)));
		if (full.frag == FZ_FRAG_LATER) {
			FZ_CHECK_INT(0, pkt.payload_len);
		} else {
			FZ_CHECK_INT(len - f->l4_hdr_end, pkt.payload_len);
			FZ_CHECK(pkt.payload_len == 0 ? pkt.payload == NULL
			                              : pkt.payload == f->b + f->l4_hdr_end);
		}
	}
}

#endif
