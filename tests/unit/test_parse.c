/*
 * Parser unit tests: IPv4, link layers (Ethernet, VLAN, PPPoE, MPLS, Linux
 * cooked v1 and v2, raw IP), what is not IP, status names, the key's
 * canonical order and hash. IPv6, ICMP, other protocols and fragments are in
 * test_parse_ip6.c; the frame builder is parse_frames.h.
 */
#include "parse_frames.h"

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
	FZ_RUN(test_sll_and_raw_ip);
	FZ_RUN(test_sll2);
	FZ_RUN(test_canonicalize_and_hash);
	return fz_test_summary();
}
