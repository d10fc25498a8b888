/*
 * Parser unit tests: IPv6 and its extension headers, ICMP and other
 * protocols, IPv4 and IPv6 fragments (the rest is test_parse.c; the frame
 * builder is parse_frames.h).
 */
#include "parse_frames.h"

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

int main(void)
{
	FZ_RUN(test_ipv6_tcp);
	FZ_RUN(test_ipv6_extensions);
	FZ_RUN(test_icmp);
	FZ_RUN(test_other_protocols);
	FZ_RUN(test_ipv4_fragments);
	FZ_RUN(test_ipv6_fragments);
	return fz_test_summary();
}
