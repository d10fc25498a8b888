/*
 * Parser unit tests. Every frame is built byte by byte; the builder records
 * where each header starts and ends so that the truncation sweep knows the
 * exact status a frame cut at any length must give.
 */
#include "fz_test.h"
#include "fz_parse.h"

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

static void put8(struct frame *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void put_bytes(struct frame *f, const uint8_t *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put_fill(struct frame *f, uint8_t v, uint32_t n)
{
	memset(f->b + f->n, v, n);
	f->n += n;
}

static void start(struct frame *f, enum link link)
{
	memset(f, 0, sizeof(*f));
	f->link = link;
}

static void eth(struct frame *f, uint16_t type)
{
	static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	                                 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};

	start(f, LINK_ETHER);
	put_bytes(f, macs, sizeof(macs));
	put16(f, type);
}

static void vlan(struct frame *f, uint16_t tci, uint16_t type)
{
	put16(f, tci);
	put16(f, type);
}

/* PPPoE session header and the PPP protocol. */
static void pppoe(struct frame *f, uint16_t ppp_proto)
{
	put8(f, 0x11);
	put8(f, 0);
	put16(f, 0x1234); /* session */
	put16(f, 0);      /* length, not checked */
	put16(f, ppp_proto);
}

static void mpls(struct frame *f, uint32_t label, int bottom)
{
	put32(f, label << 12 | (bottom ? 0x100 : 0) | 64);
}

/* Linux cooked capture v1: packet type, ARPHRD, address length, address, protocol. */
static void sll(struct frame *f, uint16_t protocol)
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
static void sll2(struct frame *f, uint16_t protocol)
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
static void ipv4(struct frame *f, uint8_t proto, uint16_t id, uint16_t frag_field,
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

static void ipv6(struct frame *f, uint8_t next)
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
static void ext6(struct frame *f, uint8_t next, uint8_t len8)
{
	put8(f, next);
	put8(f, len8);
	put_fill(f, 0, (uint32_t)(len8 + 1) * 8 - 2);
	f->ip_hdr_end = f->n;
}

/* An authentication header with n32 + 2 32-bit words. */
static void ah6(struct frame *f, uint8_t next, uint8_t n32)
{
	put8(f, next);
	put8(f, n32);
	put_fill(f, 0, (uint32_t)(n32 + 2) * 4 - 2);
	f->ip_hdr_end = f->n;
}

static void frag6(struct frame *f, uint8_t next, uint16_t offset8, int more, uint32_t id)
{
	put8(f, next);
	put8(f, 0);
	put16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put32(f, id);
	f->ip_hdr_end = f->n;
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags,
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

static void udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 0);
	put16(f, 0);
	f->l4_fixed_end = f->n;
	f->l4_hdr_end = f->n;
}

/* ICMP/ICMPv6: the fixed header is type, code, checksum; identifier and sequence are payload. */
static void icmp(struct frame *f, uint8_t type)
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
static void finish(struct frame *f, uint32_t payload)
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

static enum fz_parse_status parse_len(const struct frame *f, uint32_t len, struct fz_pkt *pkt)
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

static enum fz_parse_status parse(const struct frame *f, struct fz_pkt *pkt)
{
	return parse_len(f, f->n, pkt);
}

static void check_addrs4(const struct fz_pkt *pkt)
{
	static const uint8_t mapped_a[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                                     0, 0, 0xff, 0xff, 192, 0, 2, 1};
	static const uint8_t mapped_b[16] = {0, 0, 0,    0,    0,   0,  0,   0,
	                                     0, 0, 0xff, 0xff, 198, 51, 100, 7};

	FZ_CHECK_INT(4, pkt->key.ip_version);
	FZ_CHECK_INT(0, memcmp(mapped_a, pkt->key.addr[0], 16));
	FZ_CHECK_INT(0, memcmp(mapped_b, pkt->key.addr[1], 16));
}

static void check_addrs6(const struct fz_pkt *pkt)
{
	FZ_CHECK_INT(6, pkt->key.ip_version);
	FZ_CHECK_INT(0, memcmp(v6_a, pkt->key.addr[0], 16));
	FZ_CHECK_INT(0, memcmp(v6_b, pkt->key.addr[1], 16));
}

/*
 * The status a frame cut after len bytes must give, from the header
 * boundaries the builder recorded.
 */
static enum fz_parse_status expected_cut_status(const struct frame *f, uint32_t len)
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
static void sweep(const struct frame *f, const char *name)
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

static void test_status_names(void)
{
	FZ_CHECK_STR("ok", fz_parse_status_names[FZ_PARSE_OK]);
	FZ_CHECK_STR("non_ip", fz_parse_status_names[FZ_PARSE_NON_IP]);
	FZ_CHECK_STR("truncated_l2", fz_parse_status_names[FZ_PARSE_TRUNC_L2]);
	FZ_CHECK_STR("too_many_vlans", fz_parse_status_names[FZ_PARSE_TOO_MANY_VLANS]);
	FZ_CHECK_STR("truncated_ip", fz_parse_status_names[FZ_PARSE_TRUNC_IP]);
	FZ_CHECK_STR("bad_ip_version", fz_parse_status_names[FZ_PARSE_BAD_IP_VERSION]);
	FZ_CHECK_STR("bad_ip_header_length", fz_parse_status_names[FZ_PARSE_BAD_IP_HDR_LEN]);
	FZ_CHECK_STR("bad_ip_total_length", fz_parse_status_names[FZ_PARSE_BAD_IP_TOTAL_LEN]);
	FZ_CHECK_STR("bad_ipv6_extension", fz_parse_status_names[FZ_PARSE_BAD_IPV6_EXT]);
	FZ_CHECK_STR("truncated_l4", fz_parse_status_names[FZ_PARSE_TRUNC_L4]);
	FZ_CHECK_STR("bad_tcp_header_length", fz_parse_status_names[FZ_PARSE_BAD_TCP_HDR_LEN]);
	FZ_CHECK_INT(11, FZ_PARSE__COUNT);
}

static void test_ipv4_tcp(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x0800);
	ipv4(&f, 6, 0x1234, 0x4000, 0);
	tcp(&f, 40000, 443, FZ_TCP_SYN | FZ_TCP_ACK, 0);
	finish(&f, 10);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(6, pkt.key.proto);
	FZ_CHECK_INT(40000, pkt.key.port[0]);
	FZ_CHECK_INT(443, pkt.key.port[1]);
	FZ_CHECK_INT(0, pkt.key.vlan[0]);
	FZ_CHECK_INT(0, pkt.key.vlan[1]);
	FZ_CHECK_INT(0x12, pkt.tcp_flags);
	FZ_CHECK_INT(50, pkt.ip_len);
	FZ_CHECK_INT(10, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + 54);
	FZ_CHECK_INT(FZ_FRAG_NONE, pkt.frag);
	FZ_CHECK_INT(1, pkt.l4_offset_known);
	FZ_CHECK_INT(0x1234, pkt.frag_id);
	FZ_CHECK_INT(0, pkt.key.pad[0] | pkt.key.pad[1]);
	sweep(&f, "ipv4_tcp");
}

static void test_ipv4_options_tcp_options(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x0800);
	ipv4(&f, 6, 1, 0, 3); /* IHL 8: 12 bytes of options */
	tcp(&f, 22, 50000, FZ_TCP_PSH | FZ_TCP_ACK, 3);
	finish(&f, 5);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(22, pkt.key.port[0]);
	FZ_CHECK_INT(50000, pkt.key.port[1]);
	FZ_CHECK_INT(0x18, pkt.tcp_flags);
	FZ_CHECK_INT(32 + 32 + 5, pkt.ip_len);
	FZ_CHECK_INT(5, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + 14 + 32 + 32);
	sweep(&f, "ipv4_options");
}

static void test_ipv4_udp_padding(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x0800);
	ipv4(&f, 17, 7, 0, 0);
	udp(&f, 5353, 53);
	finish(&f, 4);
	/* Minimum Ethernet frame: 14 + 32 = 46 bytes, padded to 60. */
	put_fill(&f, 0, 60 - f.n);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(5353, pkt.key.port[0]);
	FZ_CHECK_INT(53, pkt.key.port[1]);
	FZ_CHECK_INT(32, pkt.ip_len);
	FZ_CHECK_INT(4, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + 42);
	FZ_CHECK_INT(0, pkt.tcp_flags);
	FZ_CHECK_INT(1, pkt.l4_offset_known);
}

static void test_ipv4_snaplen(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x0800);
	ipv4(&f, 6, 7, 0, 0);
	tcp(&f, 1, 2, FZ_TCP_ACK, 0);
	finish(&f, 200);
	/* Captured with a snaplen of 96: ip_len still counts the whole packet. */
	FZ_CHECK_INT(FZ_PARSE_OK, parse_len(&f, 96, &pkt));
	FZ_CHECK_INT(240, pkt.ip_len);
	FZ_CHECK_INT(96 - 54, pkt.payload_len);
}

static void test_ipv4_bad_lengths(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x0800);
	ipv4(&f, 6, 7, 0, 0);
	tcp(&f, 1, 2, FZ_TCP_ACK, 0);
	finish(&f, 20);

	f.b[14] = 0x44; /* IHL 4 */
	FZ_CHECK_INT(FZ_PARSE_BAD_IP_HDR_LEN, parse(&f, &pkt));
	f.b[14] = 0x4f; /* IHL 15: 60 bytes, more than the 54 in the frame */
	f.n = 14 + 54;
	FZ_CHECK_INT(FZ_PARSE_BAD_IP_HDR_LEN, parse(&f, &pkt));
	f.n = 14 + 60;
	f.b[14] = 0x45;
	f.b[16] = 0;
	f.b[17] = 19; /* total length below the header length */
	FZ_CHECK_INT(FZ_PARSE_BAD_IP_TOTAL_LEN, parse(&f, &pkt));
	f.b[17] = 30; /* ends inside the TCP header */
	FZ_CHECK_INT(FZ_PARSE_TRUNC_L4, parse(&f, &pkt));
	f.b[17] = 40; /* exactly the headers: no payload */
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(40, pkt.ip_len);
	FZ_CHECK_INT(0, pkt.payload_len);
	FZ_CHECK(pkt.payload == NULL);
	f.b[17] = 0; /* TSO capture: total length 0 counts the captured bytes */
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(60, pkt.ip_len);
	FZ_CHECK_INT(20, pkt.payload_len);
	f.b[17] = 60;
	f.b[14] = 0x65; /* version 6 behind ethertype 0x0800 */
	FZ_CHECK_INT(FZ_PARSE_BAD_IP_VERSION, parse(&f, &pkt));
	f.b[14] = 0x45;
	f.b[46] = 0x40; /* TCP data offset 4 */
	FZ_CHECK_INT(FZ_PARSE_BAD_TCP_HDR_LEN, parse(&f, &pkt));
	f.b[46] = 0xf0; /* data offset 15: 60 bytes, only 40 in the packet */
	FZ_CHECK_INT(FZ_PARSE_BAD_TCP_HDR_LEN, parse(&f, &pkt));
	f.b[46] = 0xa0; /* data offset 10: exactly the 40 bytes */
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(0, pkt.payload_len);
}

static void test_vlan_tags(void)
{
	static const uint16_t tpids[3] = {0x8100, 0x88a8, 0x9100};
	struct frame f;
	struct fz_pkt pkt;
	int i;

	eth(&f, 0x8100);
	vlan(&f, 0xe064, 0x0800); /* PCP 7, VLAN 100 */
	ipv4(&f, 17, 1, 0, 0);
	udp(&f, 1000, 2000);
	finish(&f, 3);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(100, pkt.key.vlan[0]);
	FZ_CHECK_INT(0, pkt.key.vlan[1]);
	FZ_CHECK_INT(1000, pkt.key.port[0]);
	FZ_CHECK(pkt.payload == f.b + 18 + 28);
	sweep(&f, "vlan");

	for (i = 0; i < 3; i++) {
		eth(&f, tpids[i]);
		vlan(&f, 0x0fff, 0x8100); /* outer VLAN 4095 */
		vlan(&f, 0x1002, 0x86dd); /* inner VLAN 2 */
		ipv6(&f, 17);
		udp(&f, 1000, 2000);
		finish(&f, 3);
		FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
		FZ_CHECK_INT(4095, pkt.key.vlan[0]);
		FZ_CHECK_INT(2, pkt.key.vlan[1]);
		check_addrs6(&pkt);
		FZ_CHECK_INT(51, pkt.ip_len);
		FZ_CHECK_INT(3, pkt.payload_len);
		sweep(&f, "qinq");
	}

	/* A third tag. */
	eth(&f, 0x88a8);
	vlan(&f, 10, 0x8100);
	vlan(&f, 20, 0x8100);
	vlan(&f, 30, 0x0800);
	ipv4(&f, 17, 1, 0, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_TOO_MANY_VLANS, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_PARSE_TOO_MANY_VLANS, parse_len(&f, 22, &pkt));
	FZ_CHECK_INT(FZ_PARSE_TRUNC_L2, parse_len(&f, 21, &pkt));
}

static void test_non_ip(void)
{
	static const uint16_t types[] = {0x0806, 0x88cc, 0x888e, 0x8847, 0x8864, 0x0026};
	struct frame f;
	struct fz_pkt pkt;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		eth(&f, types[i]);
		put_fill(&f, 0, 46);
		FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));
	}
	eth(&f, 0x8100);
	vlan(&f, 5, 0x0806);
	put_fill(&f, 0, 28);
	FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));
	FZ_CHECK_INT(5, pkt.key.vlan[0]);
	/* IPv4 version nibble behind the IPv6 ethertype. */
	eth(&f, 0x86dd);
	ipv4(&f, 17, 1, 0, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_BAD_IP_VERSION, parse(&f, &pkt));
}

static void test_pppoe_mpls_udplite(void)
{
	struct frame f;
	struct fz_pkt pkt;
	int i;

	eth(&f, 0x8864);
	pppoe(&f, 0x0021);
	ipv4(&f, 6, 1, 0, 0);
	tcp(&f, 3000, 80, FZ_TCP_SYN, 0);
	finish(&f, 2);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(3000, pkt.key.port[0]);
	FZ_CHECK_INT(42, pkt.ip_len);
	FZ_CHECK(pkt.payload == f.b + 14 + 8 + 40);
	sweep(&f, "pppoe4");

	eth(&f, 0x8100);
	vlan(&f, 33, 0x8864);
	pppoe(&f, 0x0057);
	ipv6(&f, 17);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs6(&pkt);
	FZ_CHECK_INT(33, pkt.key.vlan[0]);
	sweep(&f, "vlan_pppoe6");

	eth(&f, 0x8864);
	pppoe(&f, 0xc021); /* LCP */
	put_fill(&f, 0, 20);
	FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));

	/* Two MPLS labels, then IPv4; one label, then IPv6. */
	eth(&f, 0x8847);
	mpls(&f, 100, 0);
	mpls(&f, 200, 1);
	ipv4(&f, 17, 1, 0, 0);
	udp(&f, 67, 68);
	finish(&f, 10);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(67, pkt.key.port[0]);
	FZ_CHECK_INT(38, pkt.ip_len);
	FZ_CHECK_INT(10, pkt.payload_len);
	sweep(&f, "mpls4");

	eth(&f, 0x8848);
	mpls(&f, 5, 1);
	ipv6(&f, 6);
	tcp(&f, 1, 2, FZ_TCP_ACK, 1);
	finish(&f, 3);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs6(&pkt);
	FZ_CHECK_INT(67, pkt.ip_len);
	sweep(&f, "mpls6");

	/* A pseudowire control word (first nibble 0) after the stack is not IP. */
	eth(&f, 0x8847);
	mpls(&f, 5, 1);
	put32(&f, 0);
	put_fill(&f, 0, 60);
	FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));

	/* Eight labels are followed; a ninth is not. */
	eth(&f, 0x8847);
	for (i = 0; i < 7; i++)
		mpls(&f, (uint32_t)i, 0);
	mpls(&f, 7, 1);
	ipv4(&f, 17, 1, 0, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(1, pkt.key.port[0]);
	sweep(&f, "mpls8");
	f.b[14 + 7 * 4 + 2] &= 0xfe; /* the eighth label is not the bottom */
	FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));

	/* UDP-Lite has UDP's ports. */
	eth(&f, 0x0800);
	ipv4(&f, 136, 1, 0, 0);
	udp(&f, 5004, 5005);
	finish(&f, 12);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(136, pkt.key.proto);
	FZ_CHECK_INT(5004, pkt.key.port[0]);
	FZ_CHECK_INT(5005, pkt.key.port[1]);
	FZ_CHECK_INT(12, pkt.payload_len);
	sweep(&f, "udplite");
}

static void test_ipv6_tcp(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x86dd);
	ipv6(&f, 6);
	tcp(&f, 51000, 80, FZ_TCP_FIN | FZ_TCP_ACK, 2);
	finish(&f, 100);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs6(&pkt);
	FZ_CHECK_INT(6, pkt.key.proto);
	FZ_CHECK_INT(51000, pkt.key.port[0]);
	FZ_CHECK_INT(80, pkt.key.port[1]);
	FZ_CHECK_INT(0x11, pkt.tcp_flags);
	FZ_CHECK_INT(40 + 28 + 100, pkt.ip_len);
	FZ_CHECK_INT(100, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + 14 + 40 + 28);
	FZ_CHECK_INT(FZ_FRAG_NONE, pkt.frag);
	FZ_CHECK_INT(0, pkt.frag_id);
	sweep(&f, "ipv6_tcp");
}

static void test_ipv6_extensions(void)
{
	struct frame f;
	struct fz_pkt pkt;
	int i;

	/* Hop-by-hop, routing, destination options, AH, then UDP. */
	eth(&f, 0x86dd);
	ipv6(&f, 0);
	ext6(&f, 43, 0);
	ext6(&f, 60, 2);
	ext6(&f, 51, 1);
	ah6(&f, 17, 4);
	udp(&f, 546, 547);
	finish(&f, 7);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs6(&pkt);
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(546, pkt.key.port[0]);
	FZ_CHECK_INT(547, pkt.key.port[1]);
	FZ_CHECK_INT(40 + 8 + 24 + 16 + 24 + 8 + 7, pkt.ip_len);
	FZ_CHECK_INT(7, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + 14 + 40 + 8 + 24 + 16 + 24 + 8);
	sweep(&f, "ipv6_ext");

	/* Hop-by-hop after another extension header is malformed. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext6(&f, 0, 0);
	ext6(&f, 17, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_BAD_IPV6_EXT, parse(&f, &pkt));

	/* Sixteen extension headers are followed, a seventeenth is not. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	for (i = 0; i < 15; i++)
		ext6(&f, 60, 0);
	ext6(&f, 17, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(40 + 16 * 8 + 8, pkt.ip_len);
	f.b[14 + 40 + 15 * 8] = 60;
	FZ_CHECK_INT(FZ_PARSE_BAD_IPV6_EXT, parse(&f, &pkt));

	/* An extension header longer than the payload length says. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext6(&f, 17, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	f.b[14 + 40 + 1] = 2; /* claims 24 bytes, the packet has 16 after the header */
	FZ_CHECK_INT(FZ_PARSE_BAD_IPV6_EXT, parse(&f, &pkt));

	/* No next header (59) after a destination options header: a flow without ports. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext6(&f, 59, 0);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(59, pkt.key.proto);
	FZ_CHECK_INT(48, pkt.ip_len);
	FZ_CHECK_INT(0, pkt.l4_offset_known);
	sweep(&f, "ipv6_nonext");
}

static void test_icmp(void)
{
	struct frame f;
	struct fz_pkt req, rep;

	eth(&f, 0x0800);
	ipv4(&f, 1, 9, 0, 0);
	icmp(&f, 8);
	finish(&f, 56);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &req));
	FZ_CHECK_INT(1, req.key.proto);
	FZ_CHECK_INT(0, req.key.port[0]);
	FZ_CHECK_INT(0, req.key.port[1]);
	FZ_CHECK_INT(84, req.ip_len);
	FZ_CHECK_INT(60, req.payload_len);
	FZ_CHECK(req.payload == f.b + 38);
	FZ_CHECK_INT(1, req.l4_offset_known);
	sweep(&f, "icmp");
	f.b[34] = 0; /* echo reply: same key */
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &rep));
	FZ_CHECK_INT(0, memcmp(&req.key, &rep.key, sizeof(req.key)));

	eth(&f, 0x86dd);
	ipv6(&f, 58);
	icmp(&f, 128);
	finish(&f, 16);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &req));
	check_addrs6(&req);
	FZ_CHECK_INT(58, req.key.proto);
	FZ_CHECK_INT(0, req.key.port[0]);
	FZ_CHECK_INT(0, req.key.port[1]);
	FZ_CHECK_INT(64, req.ip_len);
	FZ_CHECK_INT(20, req.payload_len);
	sweep(&f, "icmpv6");
	f.b[54] = 129;
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &rep));
	FZ_CHECK_INT(0, memcmp(&req.key, &rep.key, sizeof(req.key)));
}

static void test_other_protocols(void)
{
	struct frame f;
	struct fz_pkt pkt;

	/* GRE carrying 20 bytes. */
	eth(&f, 0x0800);
	ipv4(&f, 47, 3, 0, 0);
	finish(&f, 24);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(47, pkt.key.proto);
	FZ_CHECK_INT(0, pkt.key.port[0]);
	FZ_CHECK_INT(0, pkt.key.port[1]);
	FZ_CHECK_INT(44, pkt.ip_len);
	FZ_CHECK_INT(24, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + 34);
	FZ_CHECK_INT(0, pkt.l4_offset_known);
	sweep(&f, "gre");

	/* ESP over IPv6 behind a destination options header. */
	eth(&f, 0x86dd);
	ipv6(&f, 60);
	ext6(&f, 50, 0);
	finish(&f, 32);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(50, pkt.key.proto);
	FZ_CHECK_INT(80, pkt.ip_len);
	FZ_CHECK_INT(32, pkt.payload_len);
	sweep(&f, "esp6");
}

static void test_ipv4_fragments(void)
{
	struct frame f;
	struct fz_pkt pkt;

	/* First fragment: MF, offset 0, ports read. */
	eth(&f, 0x0800);
	ipv4(&f, 17, 0xbeef, 0x2000, 0);
	udp(&f, 4000, 5000);
	finish(&f, 1472);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_FIRST, pkt.frag);
	FZ_CHECK_INT(0xbeef, pkt.frag_id);
	FZ_CHECK_INT(4000, pkt.key.port[0]);
	FZ_CHECK_INT(5000, pkt.key.port[1]);
	FZ_CHECK_INT(1, pkt.l4_offset_known);
	FZ_CHECK_INT(1500, pkt.ip_len);
	FZ_CHECK_INT(1472, pkt.payload_len);

	/* Later fragment (offset 1480 / 8 = 185), last one (no MF). */
	eth(&f, 0x0800);
	ipv4(&f, 17, 0xbeef, 185, 0);
	finish(&f, 100);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_LATER, pkt.frag);
	FZ_CHECK_INT(0xbeef, pkt.frag_id);
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(0, pkt.key.port[0]);
	FZ_CHECK_INT(0, pkt.key.port[1]);
	FZ_CHECK_INT(0, pkt.l4_offset_known);
	FZ_CHECK_INT(120, pkt.ip_len);
	FZ_CHECK_INT(0, pkt.payload_len);
	FZ_CHECK(pkt.payload == NULL);
	check_addrs4(&pkt);
	sweep(&f, "ipv4_later");

	/* A middle fragment with MF is LATER too. */
	f.b[20] = 0x20;
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_LATER, pkt.frag);

	/* A TCP first fragment that ends inside the TCP header. */
	eth(&f, 0x0800);
	ipv4(&f, 6, 1, 0x2000, 0);
	finish(&f, 8);
	FZ_CHECK_INT(FZ_PARSE_TRUNC_L4, parse(&f, &pkt));

	/* DF alone is not a fragment. */
	eth(&f, 0x0800);
	ipv4(&f, 17, 1, 0x4000, 0);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_NONE, pkt.frag);
}

static void test_ipv6_fragments(void)
{
	struct frame f;
	struct fz_pkt pkt;

	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 17, 0, 1, 0xdeadbeef);
	udp(&f, 7000, 8000);
	finish(&f, 64);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_FIRST, pkt.frag);
	FZ_CHECK_INT(0xdeadbeef, pkt.frag_id);
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(7000, pkt.key.port[0]);
	FZ_CHECK_INT(8000, pkt.key.port[1]);
	FZ_CHECK_INT(40 + 8 + 8 + 64, pkt.ip_len);
	FZ_CHECK_INT(64, pkt.payload_len);
	sweep(&f, "ipv6_first");

	/* Later fragment behind a hop-by-hop header. */
	eth(&f, 0x86dd);
	ipv6(&f, 0);
	ext6(&f, 44, 0);
	frag6(&f, 17, 9, 0, 0xdeadbeef);
	finish(&f, 30);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_LATER, pkt.frag);
	FZ_CHECK_INT(0xdeadbeef, pkt.frag_id);
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(0, pkt.key.port[0]);
	FZ_CHECK_INT(0, pkt.l4_offset_known);
	FZ_CHECK_INT(86, pkt.ip_len);
	FZ_CHECK_INT(0, pkt.payload_len);
	sweep(&f, "ipv6_later");

	/* Atomic fragment (offset 0, no MF): not a fragment, ports read. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 6, 0, 0, 77);
	tcp(&f, 1, 2, FZ_TCP_RST, 0);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_NONE, pkt.frag);
	FZ_CHECK_INT(77, pkt.frag_id);
	FZ_CHECK_INT(FZ_TCP_RST, pkt.tcp_flags);
	sweep(&f, "ipv6_atomic");

	/*
	 * The fragmentable part starts with destination options: the first
	 * fragment is parsed through to UDP, a later one only names header 60
	 * (the fragment table gives it the first fragment's protocol).
	 */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 60, 0, 1, 99);
	ext6(&f, 17, 0);
	udp(&f, 546, 547);
	finish(&f, 8);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_FIRST, pkt.frag);
	FZ_CHECK_INT(17, pkt.key.proto);
	FZ_CHECK_INT(546, pkt.key.port[0]);
	FZ_CHECK_INT(8, pkt.payload_len);
	sweep(&f, "ipv6_first_dstopts");
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 60, 3, 0, 99);
	finish(&f, 8);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(FZ_FRAG_LATER, pkt.frag);
	FZ_CHECK_INT(60, pkt.key.proto);

	/* Two fragment headers. */
	eth(&f, 0x86dd);
	ipv6(&f, 44);
	frag6(&f, 44, 0, 1, 1);
	frag6(&f, 17, 0, 1, 2);
	udp(&f, 1, 2);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_BAD_IPV6_EXT, parse(&f, &pkt));
}

/*
 * The same IPv4/TCP, IPv6/UDP, VLAN-tagged and ARP frames behind a cooked
 * header of either version (hdr writes it, hdr_len bytes): exact values,
 * and every cut.
 */
static void check_cooked(void (*hdr)(struct frame *, uint16_t), uint32_t hdr_len, const char *name)
{
	struct frame f;
	struct fz_pkt pkt;

	fprintf(stderr, "  cooked capture %s\n", name);
	hdr(&f, 0x0800);
	FZ_CHECK_INT(hdr_len, f.n);
	ipv4(&f, 6, 1, 0, 0);
	tcp(&f, 1234, 80, FZ_TCP_SYN, 0);
	finish(&f, 5);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(1234, pkt.key.port[0]);
	FZ_CHECK_INT(80, pkt.key.port[1]);
	FZ_CHECK_INT(6, pkt.key.proto);
	FZ_CHECK_INT(FZ_TCP_SYN, pkt.tcp_flags);
	FZ_CHECK_INT(45, pkt.ip_len);
	FZ_CHECK_INT(5, pkt.payload_len);
	FZ_CHECK(pkt.payload == f.b + hdr_len + 40);
	sweep(&f, name);

	hdr(&f, 0x86dd);
	ipv6(&f, 17);
	udp(&f, 53, 33000);
	finish(&f, 12);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs6(&pkt);
	FZ_CHECK_INT(53, pkt.key.port[0]);
	FZ_CHECK_INT(33000, pkt.key.port[1]);
	FZ_CHECK_INT(60, pkt.ip_len);
	FZ_CHECK_INT(12, pkt.payload_len);
	sweep(&f, name);

	/* A VLAN tag the kernel left in the frame follows the header. */
	hdr(&f, 0x8100);
	vlan(&f, 0x2064, 0x0800);
	ipv4(&f, 17, 2, 0, 0);
	udp(&f, 5000, 5001);
	finish(&f, 3);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	FZ_CHECK_INT(0x064, pkt.key.vlan[0]);
	FZ_CHECK_INT(0, pkt.key.vlan[1]);
	FZ_CHECK_INT(5001, pkt.key.port[1]);
	sweep(&f, name);

	hdr(&f, 0x0806);
	put_fill(&f, 0, 28);
	FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));
}

static void test_sll_and_raw_ip(void)
{
	struct frame f;
	struct fz_pkt pkt;

	check_cooked(sll, 16, "sll");

	start(&f, LINK_IP);
	ipv4(&f, 17, 1, 0, 1);
	udp(&f, 123, 123);
	finish(&f, 48);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs4(&pkt);
	FZ_CHECK_INT(123, pkt.key.port[1]);
	FZ_CHECK_INT(80, pkt.ip_len);
	FZ_CHECK_INT(48, pkt.payload_len);
	sweep(&f, "raw4");

	start(&f, LINK_IP);
	ipv6(&f, 6);
	tcp(&f, 443, 60000, FZ_TCP_ACK, 0);
	finish(&f, 1);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &pkt));
	check_addrs6(&pkt);
	FZ_CHECK_INT(61, pkt.ip_len);
	sweep(&f, "raw6");

	f.b[0] = 0x50;
	FZ_CHECK_INT(FZ_PARSE_BAD_IP_VERSION, parse(&f, &pkt));
}

static void test_sll2(void)
{
	struct frame f;
	struct fz_pkt pkt;

	check_cooked(sll2, 20, "sll2");
	/* The protocol is read at offset 0, not at SLL v1's 14. */
	sll2(&f, 0x0806);
	f.b[14] = 0x08;
	f.b[15] = 0x00;
	ipv4(&f, 6, 1, 0, 0);
	tcp(&f, 1, 2, FZ_TCP_SYN, 0);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_NON_IP, parse(&f, &pkt));
}

static void test_canonicalize_and_hash(void)
{
	struct frame f;
	struct fz_pkt fwd, rev;
	struct fz_flow_key k1, k2;
	static uint32_t buckets[4096];
	uint32_t i, max = 0;

	/* The same TCP connection in both directions. */
	eth(&f, 0x0800);
	ipv4(&f, 6, 1, 0, 0);
	tcp(&f, 40000, 443, FZ_TCP_SYN, 0);
	finish(&f, 0);
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &fwd));
	memcpy(f.b + 26, v4_b, 4);
	memcpy(f.b + 30, v4_a, 4);
	f.b[34] = 443 >> 8;
	f.b[35] = 443 & 0xff;
	f.b[36] = 40000 >> 8;
	f.b[37] = 40000 & 0xff;
	FZ_CHECK_INT(FZ_PARSE_OK, parse(&f, &rev));
	FZ_CHECK(fz_flow_key_hash(&fwd.key) != fz_flow_key_hash(&rev.key));
	/* 192.0.2.1 < 198.51.100.7: the forward key is already canonical. */
	FZ_CHECK_INT(0, fz_flow_key_canonicalize(&fwd.key));
	FZ_CHECK_INT(1, fz_flow_key_canonicalize(&rev.key));
	FZ_CHECK_INT(0, memcmp(&fwd.key, &rev.key, sizeof(fwd.key)));
	FZ_CHECK_INT(fz_flow_key_hash(&fwd.key), fz_flow_key_hash(&rev.key));
	FZ_CHECK_INT(40000, rev.key.port[0]);
	FZ_CHECK_INT(0, fz_flow_key_canonicalize(&rev.key));

	/* Equal addresses: the port decides; equal ends do not swap. */
	memset(&k1, 0, sizeof(k1));
	k1.port[0] = 9;
	k1.port[1] = 8;
	k2 = k1;
	FZ_CHECK_INT(1, fz_flow_key_canonicalize(&k1));
	FZ_CHECK_INT(8, k1.port[0]);
	FZ_CHECK_INT(9, k1.port[1]);
	k2.port[1] = 9;
	FZ_CHECK_INT(0, fz_flow_key_canonicalize(&k2));

	/*
	 * Keys that differ in one port spread evenly: 65536 keys over 4096
	 * buckets of the hash's low bits average 16 per bucket.
	 */
	memset(&k1, 0, sizeof(k1));
	k1.proto = 6;
	for (i = 0; i < 65536; i++) {
		k1.port[0] = (uint16_t)i;
		buckets[fz_flow_key_hash(&k1) & 4095]++;
	}
	for (i = 0; i < 4096; i++)
		if (buckets[i] > max)
			max = buckets[i];
	FZ_CHECK(max < 40);
	/* Every byte of the key matters, including the VLANs and the protocol. */
	memset(&k1, 0, sizeof(k1));
	k2 = k1;
	k2.vlan[1] = 1;
	FZ_CHECK(fz_flow_key_hash(&k1) != fz_flow_key_hash(&k2));
	k2 = k1;
	k2.proto = 17;
	FZ_CHECK(fz_flow_key_hash(&k1) != fz_flow_key_hash(&k2));
	k2 = k1;
	k2.addr[1][15] = 1;
	FZ_CHECK(fz_flow_key_hash(&k1) != fz_flow_key_hash(&k2));
}

int main(void)
{
	FZ_RUN(test_status_names);
	FZ_RUN(test_ipv4_tcp);
	FZ_RUN(test_ipv4_options_tcp_options);
	FZ_RUN(test_ipv4_udp_padding);
	FZ_RUN(test_ipv4_snaplen);
	FZ_RUN(test_ipv4_bad_lengths);
	FZ_RUN(test_vlan_tags);
	FZ_RUN(test_non_ip);
	FZ_RUN(test_pppoe_mpls_udplite);
	FZ_RUN(test_ipv6_tcp);
	FZ_RUN(test_ipv6_extensions);
	FZ_RUN(test_icmp);
	FZ_RUN(test_other_protocols);
	FZ_RUN(test_ipv4_fragments);
	FZ_RUN(test_ipv6_fragments);
	FZ_RUN(test_sll_and_raw_ip);
	FZ_RUN(test_sll2);
	FZ_RUN(test_canonicalize_and_hash);
	return fz_test_summary();
}
