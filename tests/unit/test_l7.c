/*
 * Unit tests for L7 classification (lib/l7): every default signature with
 * positive and negative payloads, on standard and non-standard ports, budgets,
 * directions, priorities and bad signature files. The prefilter (first bytes
 * a signature can begin with) is test_l7_prefilter.c.
 */
#include "l7_sigs.h"

static void test_names(void)
{
	const char *const *names = fz_l7_app_names(def);

	FZ_CHECK_INT(9, fz_l7_app_count(def));
	FZ_CHECK_STR("unknown", names[0]);
	FZ_CHECK_STR("bittorrent", names[1]);
	FZ_CHECK_INT(0, fz_l7_app_id(def, "unknown"));
	FZ_CHECK_INT(7, fz_l7_app_id(def, "tls"));
	FZ_CHECK_INT(-ENOENT, fz_l7_app_id(def, "quic"));
	FZ_CHECK_INT(8, sizeof(struct fz_l7_flow));
}

static void test_http(void)
{
	FZ_CHECK_STR("http",
	             one(TCP, 0, 40000, 80, STR("GET /index.html HTTP/1.1\r\nHost: a\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 8080, STR("POST /form HTTP/1.0\r\n\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("HEAD / HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("PUT /x HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("DELETE /x HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("OPTIONS * HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("PATCH /x HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("TRACE / HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("PROPFIND /dav/ HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("MKCOL /dav/new/ HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 1, 80, 40000, STR("HTTP/1.1 200 OK\r\nServer: x\r\n")));
	FZ_CHECK_STR("http", one(TCP, 1, 8080, 40000, STR("HTTP/1.0 404 Not Found\r\n")));
	FZ_CHECK_STR("http", one(TCP, 1, 80, 40000, STR("HTTP/1.1 304\r\n")));
	/* Text protocols on port 80 and lookalikes are not http. */
	FZ_CHECK_STR("unknown", one(TCP, 1, 80, 40000, STR("220 mail.example.com ESMTP\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 80, STR("EHLO client.example.com\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 80, STR("USER anonymous\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 80, STR("GET / HTTP/2.0\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 80, STR("get / HTTP/1.1\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 1, 80, 40000, STR("HTTP/1.1 600 Weird\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 80, STR("xxGET / HTTP/1.1\r\n")));
	/* HTTP text over UDP is not http. */
	FZ_CHECK_STR("unknown", one(UDP, 0, 40000, 80, STR("GET / HTTP/1.1\r\n")));
	/* Proxy requests have their own class. */
	FZ_CHECK_STR("http_proxy",
	             one(TCP, 0, 40000, 3128, STR("GET http://example.com/ HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 3128, STR("CONNECT example.com:443 HTTP/1.1\r\n")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("CONNECT [2001:db8::1]:443 HTTP/1.1\r\n")));
}

static void test_ssdp(void)
{
	FZ_CHECK_STR("ssdp", one(UDP, 0, 50000, 1900,
	                         STR("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n")));
	FZ_CHECK_STR("ssdp",
	             one(UDP, 0, 1900, 1900, STR("NOTIFY * HTTP/1.1\r\nNTS: ssdp:alive\r\n")));
	FZ_CHECK_STR("ssdp",
	             one(UDP, 1, 1900, 50000, STR("HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n")));
	/* On a non-standard port it is still ssdp, never http. */
	FZ_CHECK_STR("ssdp", one(UDP, 0, 50000, 8080, STR("M-SEARCH * HTTP/1.1\r\n")));
	FZ_CHECK_STR("unknown", one(UDP, 0, 50000, 1900, STR("M-SEARCH * HTTP/2\r\n")));
	FZ_CHECK_STR("unknown", one(UDP, 1, 1900, 50000, STR("HTTP/1.1 404 Not Found\r\n")));
}

static void test_tls(void)
{
	/* Record header, handshake header, client_version. */
	static const uint8_t ch_tls12[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00,
	                                   0x01, 0xfc, 0x03, 0x03, 0xaa, 0xbb};
	static const uint8_t ch_ssl3[] = {0x16, 0x03, 0x00, 0x00, 0x50, 0x01,
	                                  0x00, 0x00, 0x4c, 0x03, 0x00, 0x11};
	static const uint8_t sh_tls13[] = {0x16, 0x03, 0x03, 0x00, 0x7a, 0x02,
	                                   0x00, 0x00, 0x76, 0x03, 0x03, 0x22};
	static const uint8_t appdata[] = {0x17, 0x03, 0x03, 0x00, 0x40, 0x99, 0x12};
	static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x1a, 0x00, 0x00};
	static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
	static const uint8_t bad_version[] = {0x16, 0x03, 0x05, 0x02, 0x00, 0x01,
	                                      0x00, 0x01, 0xfc, 0x03, 0x03};
	static const uint8_t certificate[] = {0x16, 0x03, 0x03, 0x02, 0x00, 0x0b,
	                                      0x00, 0x01, 0xfc, 0x00, 0x01};
	static const uint8_t sslv2[] = {0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15};
	static const uint8_t v2hello_tls10[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00,
	                                        0x15, 0x00, 0x00, 0x00, 0x10, 0xaa};

	FZ_CHECK_STR("tls", one(TCP, 0, 40000, 443, ch_tls12, sizeof(ch_tls12)));
	FZ_CHECK_STR("tls", one(TCP, 0, 40000, 8443, ch_tls12, sizeof(ch_tls12)));
	FZ_CHECK_STR("tls", one(TCP, 0, 40000, 995, ch_ssl3, sizeof(ch_ssl3)));
	FZ_CHECK_STR("tls", one(TCP, 1, 443, 40000, sh_tls13, sizeof(sh_tls13)));
	/* Mid-flow: a record header at the start of a segment. */
	FZ_CHECK_STR("tls", one(TCP, 0, 443, 40000, appdata, sizeof(appdata)));
	FZ_CHECK_STR("tls", one(TCP, 1, 40000, 443, alert, sizeof(alert)));
	FZ_CHECK_STR("tls", one(TCP, 0, 40000, 443, ccs, sizeof(ccs)));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 443, bad_version, sizeof(bad_version)));
	FZ_CHECK_STR("unknown", one(TCP, 1, 443, 40000, certificate, sizeof(certificate)));
	/* SSL 2.0 itself is out of scope; its hello format offering TLS is not. */
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 443, sslv2, sizeof(sslv2)));
	FZ_CHECK_STR("tls", one(TCP, 0, 40000, 443, v2hello_tls10, sizeof(v2hello_tls10)));
	FZ_CHECK_STR("unknown", one(TCP, 1, 443, 40000, v2hello_tls10, sizeof(v2hello_tls10)));
	/* DTLS-like bytes on UDP are not tls. */
	FZ_CHECK_STR("unknown", one(UDP, 0, 40000, 443, ch_tls12, sizeof(ch_tls12)));
}

static void test_ssh(void)
{
	FZ_CHECK_STR("ssh", one(TCP, 1, 22, 40000, STR("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n")));
	FZ_CHECK_STR("ssh", one(TCP, 0, 40000, 2222, STR("SSH-2.0-PuTTY_Release_0.78\r\n")));
	FZ_CHECK_STR("ssh", one(TCP, 1, 22, 40000, STR("SSH-1.99-Cisco-1.25\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 1, 22, 40000, STR("SSH-3.0-x\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 1, 22, 40000, STR("SSH-2.0-\r\n")));
	FZ_CHECK_STR("unknown", one(TCP, 1, 22, 40000, STR("ssh-2.0-x\r\n")));
	FZ_CHECK_STR("unknown", one(UDP, 1, 22, 40000, STR("SSH-2.0-OpenSSH_8.9\r\n")));
}

static void test_bittorrent(void)
{
	uint8_t hs[68] = "\x13"
	                 "BitTorrent protocol";
	uint8_t utp_syn[20] = {0x41, 0x00, 0x12, 0x34, 1, 2, 3, 4, 0, 0,
	                       0,    0,    0,    0x10, 0, 0, 0, 1, 0, 0};
	uint8_t utp_data[88] = {0x01, 0x00, 0x12, 0x35, 1, 2, 3, 4, 0, 0,
	                        1,    0,    0,    0x10, 0, 0, 0, 2, 0, 1};
	static const uint8_t udp_tracker[16] = {0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80,
	                                        0, 0, 0, 0,    0xde, 0xad, 0xbe, 0xef};

	FZ_CHECK_STR("bittorrent", one(TCP, 0, 40000, 6881, hs, sizeof(hs)));
	/* On port 80 the handshake is still bittorrent, not http. */
	FZ_CHECK_STR("bittorrent", one(TCP, 0, 40000, 80, hs, sizeof(hs)));
	FZ_CHECK_STR("unknown", one(TCP, 0, 40000, 6881, hs + 1, sizeof(hs) - 1));
	FZ_CHECK_STR("bittorrent", one(UDP, 0, 40000, 6881, utp_syn, sizeof(utp_syn)));
	/* A uTP SYN has no payload: 21 bytes is not one. */
	FZ_CHECK_STR("unknown", one(UDP, 0, 40000, 6881, utp_syn, sizeof(utp_syn) - 1));
	memcpy(utp_data + 20, hs, sizeof(hs));
	FZ_CHECK_STR("bittorrent", one(UDP, 0, 40000, 6881, utp_data, sizeof(utp_data)));
	FZ_CHECK_STR("bittorrent",
	             one(UDP, 0, 40000, 6881,
	                 STR("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe")));
	FZ_CHECK_STR("bittorrent", one(UDP, 1, 6881, 40000,
	                               STR("d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re")));
	FZ_CHECK_STR("bittorrent",
	             one(UDP, 1, 6881, 40000,
	                 STR("d2:ip6:abcdef1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re")));
	FZ_CHECK_STR("bittorrent", one(UDP, 1, 6881, 40000,
	                               STR("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee")));
	FZ_CHECK_STR("bittorrent", one(UDP, 0, 40000, 6969, udp_tracker, sizeof(udp_tracker)));
	FZ_CHECK_STR(
	    "bittorrent",
	    one(UDP, 0, 6771, 6771, STR("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\n")));
	FZ_CHECK_STR(
	    "bittorrent",
	    one(TCP, 0, 40000, 80,
	        STR("GET /announce?info_hash=%12%34&peer_id=-TR2940-abc&port=51413 HTTP/1.1\r\n")));
	FZ_CHECK_STR("bittorrent",
	             one(TCP, 0, 40000, 80, STR("GET /scrape?info_hash=%12%34 HTTP/1.0\r\n")));
	/* Bencoded text that is not DHT, and an ordinary query string. */
	FZ_CHECK_STR("unknown", one(UDP, 0, 40000, 6881, STR("d3:foo3:bare")));
	FZ_CHECK_STR("http", one(TCP, 0, 40000, 80, STR("GET /announce?id=3 HTTP/1.1\r\n")));
}

static void test_dhcp(void)
{
	uint8_t p[300] = {0};

	p[0] = 1; /* BOOTREQUEST */
	p[1] = 1; /* Ethernet */
	p[2] = 6;
	p[236] = 0x63;
	p[237] = 0x82;
	p[238] = 0x53;
	p[239] = 0x63;
	p[240] = 53; /* option: message type */
	FZ_CHECK_STR("dhcp", one(UDP, 0, 68, 67, p, sizeof(p)));
	p[0] = 2; /* BOOTREPLY on other ports: a relay */
	FZ_CHECK_STR("dhcp", one(UDP, 1, 67, 67, p, sizeof(p)));
	/* Plain BOOTP (no cookie) and a cookie one byte off are not dhcp. */
	p[236] = 0;
	FZ_CHECK_STR("unknown", one(UDP, 0, 68, 67, p, sizeof(p)));
	p[237] = 0x63;
	p[238] = 0x82;
	p[239] = 0x53;
	p[240] = 0x63;
	FZ_CHECK_STR("unknown", one(UDP, 0, 68, 67, p, sizeof(p)));
	FZ_CHECK_STR("unknown", one(UDP, 0, 68, 67, p, 239));
}

static void test_negatives(void)
{
	/* A DNS query for www.example.com on 53, and QUIC-looking bytes on 443. */
	static const uint8_t dns[] = {0xbc, 0x1f, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	                              0x00, 0x00, 0x00, 0x03, 'w',  'w',  'w',  0x07, 'e',
	                              'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',
	                              'm',  0x00, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t quic[] = {0xc3, 0x00, 0x00, 0x00, 0x01, 0x08, 0x11, 0x22};

	FZ_CHECK_STR("unknown", one(UDP, 0, 40000, 53, dns, sizeof(dns)));
	FZ_CHECK_STR("unknown", one(UDP, 0, 40000, 443, quic, sizeof(quic)));
	FZ_CHECK_STR("gnutella", one(TCP, 0, 40000, 6346, STR("GNUTELLA CONNECT/0.6\r\n")));
}

/* A flow caught mid-connection: the first packet seen is the server's. */
static void test_mid_flow(void)
{
	struct fz_l7_flow st = {0};

	fz_l7_scan(def, def_s, &st, 0, TCP, 80, 40000, (const uint8_t *)"HTTP/1.1 200 OK\r\n", 17);
	FZ_CHECK_STR("http", fz_l7_app_names(def)[st.app]);
	FZ_CHECK_INT(1, st.done);
	memset(&st, 0, sizeof(st));
	fz_l7_scan(def, def_s, &st, 0, TCP, 40000, 80, (const uint8_t *)"<html><body>", 12);
	FZ_CHECK_INT(0, st.done);
	fz_l7_scan(def, def_s, &st, 0, TCP, 40000, 80, (const uint8_t *)"GET / HTTP/1.1\r\n", 16);
	FZ_CHECK_STR("http", fz_l7_app_names(def)[st.app]);
}

static void test_budget_packets(void)
{
	char err[256];
	struct fz_l7 *l7 = create_from_text("x /^HELLO/\n", 2, 0, err, sizeof(err));
	struct fz_l7_scratch *s = l7 ? fz_l7_scratch_create(l7) : NULL;
	struct fz_l7_flow st = {0};
	const uint8_t junk[] = "....", hello[] = "HELLO";

	FZ_CHECK(s != NULL);
	if (s == NULL)
		goto out;
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, junk, 4);
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, junk, 4);
	FZ_CHECK_INT(2, st.pkts[0]);
	FZ_CHECK_INT(8, st.bytes[0]);
	FZ_CHECK_INT(0, st.done);
	/* Direction 0 is spent: its third packet is not scanned. */
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, hello, 5);
	FZ_CHECK_INT(0, st.app);
	FZ_CHECK_INT(2, st.pkts[0]);
	/* Empty packets count for nothing. */
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, hello, 0);
	FZ_CHECK_INT(0, st.pkts[1]);
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, junk, 4);
	FZ_CHECK_INT(0, st.done);
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, junk, 4);
	FZ_CHECK_INT(1, st.done);
	FZ_CHECK_INT(0, st.app);
	/* Once done, nothing changes. */
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, hello, 5);
	FZ_CHECK_INT(0, st.app);
	FZ_CHECK_INT(2, st.pkts[1]);
out:
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
}

static void test_budget_bytes(void)
{
	char err[256];
	struct fz_l7 *l7 = create_from_text("x /^HELLO/\n", 0, 8, err, sizeof(err));
	struct fz_l7_scratch *s = l7 ? fz_l7_scratch_create(l7) : NULL;
	struct fz_l7_flow st = {0};

	FZ_CHECK(s != NULL);
	if (s == NULL)
		goto out;
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"abcd", 4);
	/* Only 4 bytes of budget are left: "HELL" does not match. */
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"HELLO", 5);
	FZ_CHECK_INT(0, st.app);
	FZ_CHECK_INT(8, st.bytes[0]);
	FZ_CHECK_INT(2, st.pkts[0]);
	/* The other direction has its own budget. */
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, (const uint8_t *)"HELLO", 5);
	FZ_CHECK_INT(1, st.app);
	FZ_CHECK_INT(1, st.done);
out:
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
}

static void test_defaults_and_limits(void)
{
	struct fz_l7_conf conf = {.max_pkts = 256};
	struct fz_l7_flow st = {0};
	char err[256];
	int i;

	conf.sig_path = "x";
	errno = 0;
	FZ_CHECK(fz_l7_create(&conf, err, sizeof(err)) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	FZ_CHECK_STR("L7 budget out of range (packets 1-255, bytes 1-65535)", err);
	/* Default budget: 8 packets per direction. */
	for (i = 0; i < 8; i++)
		fz_l7_scan(def, def_s, &st, i & 1, TCP, 1, 2, (const uint8_t *)"zz", 2);
	FZ_CHECK_INT(0, st.done);
	for (i = 0; i < 8; i++)
		fz_l7_scan(def, def_s, &st, i & 1, TCP, 1, 2, (const uint8_t *)"zz", 2);
	FZ_CHECK_INT(1, st.done);
	FZ_CHECK_INT(8, st.pkts[0]);
	FZ_CHECK_INT(8, st.pkts[1]);
	/* Default budget: 2048 bytes per direction. */
	memset(&st, 0, sizeof(st));
	{
		static uint8_t big[3000];

		fz_l7_scan(def, def_s, &st, 0, TCP, 1, 2, big, sizeof(big));
		FZ_CHECK_INT(2048, st.bytes[0]);
	}
}

static void test_direction(void)
{
	char err[256];
	struct fz_l7 *l7 = create_from_text("req dir=client /^REQ/\nresp dir=server /^RESP/\n", 0,
	                                    0, err, sizeof(err));
	struct fz_l7_scratch *s = l7 ? fz_l7_scratch_create(l7) : NULL;
	struct fz_l7_flow st = {0};

	FZ_CHECK(s != NULL);
	if (s == NULL)
		goto out;
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, (const uint8_t *)"REQ", 3);
	FZ_CHECK_INT(0, st.app);
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"RESP", 4);
	FZ_CHECK_INT(0, st.app);
	fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, (const uint8_t *)"RESP", 4);
	FZ_CHECK_STR("resp", fz_l7_app_names(l7)[st.app]);
	memset(&st, 0, sizeof(st));
	fz_l7_scan(l7, s, &st, 0, UDP, 1, 2, (const uint8_t *)"REQ", 3);
	FZ_CHECK_STR("req", fz_l7_app_names(l7)[st.app]);
	/* Other IP protocols see only proto=any signatures. */
	memset(&st, 0, sizeof(st));
	fz_l7_scan(l7, s, &st, 0, 132, 0, 0, (const uint8_t *)"REQ", 3);
	FZ_CHECK_STR("req", fz_l7_app_names(l7)[st.app]);
out:
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
}

static void test_precedence(void)
{
	char err[256];
	struct fz_l7 *l7 = create_from_text("a /^AB/\n"
	                                    "b ports=99 /^ABC/\n"
	                                    "c prio=150 /^ABCD/\n"
	                                    "d proto=tcp /^XY/\n"
	                                    "e /^XYZ/\n",
	                                    0, 0, err, sizeof(err));
	struct fz_l7_scratch *s = l7 ? fz_l7_scratch_create(l7) : NULL;
	struct fz_l7_flow st;

	FZ_CHECK(s != NULL);
	if (s == NULL)
		goto out;

#define CLASSIFY(proto, sp, dp, str)                                                               \
	(memset(&st, 0, sizeof(st)),                                                               \
	 fz_l7_scan(l7, s, &st, 0, proto, sp, dp, (const uint8_t *)str, sizeof(str) - 1),          \
	 fz_l7_app_names(l7)[st.app])
	/* Equal priority: the earlier line wins unless the later one lists a port. */
	FZ_CHECK_STR("a", CLASSIFY(TCP, 1000, 2000, "ABC"));
	FZ_CHECK_STR("b", CLASSIFY(TCP, 1000, 99, "ABC"));
	FZ_CHECK_STR("b", CLASSIFY(TCP, 99, 2000, "ABC"));
	/* A port alone names nothing. */
	FZ_CHECK_STR("unknown", CLASSIFY(TCP, 1000, 99, "QQQ"));
	/* Higher priority wins over ports and file order. */
	FZ_CHECK_STR("c", CLASSIFY(TCP, 1000, 99, "ABCD"));
	FZ_CHECK_STR("d", CLASSIFY(TCP, 1, 2, "XYZ"));
	FZ_CHECK_STR("e", CLASSIFY(UDP, 1, 2, "XYZ"));
#undef CLASSIFY
out:
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
}

static void test_bad_files(void)
{
	struct fz_l7_conf conf = {.sig_path = "/nonexistent/flowzoo.sigs"};
	char err[256], expected[300];
	struct fz_l7 *l7;
	const char *path;

	errno = 0;
	FZ_CHECK(fz_l7_create(&conf, err, sizeof(err)) == NULL);
	FZ_CHECK_INT(ENOENT, errno);
	FZ_CHECK_STR("/nonexistent/flowzoo.sigs: No such file or directory", err);

	/* Hyperscan's own message, with file and line. */
	path = tmp_sigs("good /abc/\n\nbad proto=tcp /(abc/\n");
	conf.sig_path = path;
	errno = 0;
	l7 = fz_l7_create(&conf, err, sizeof(err));
	unlink(path);
	FZ_CHECK(l7 == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	snprintf(expected, sizeof(expected),
	         "%s:3: bad: Missing close parenthesis for group started at index 0.", path);
	FZ_CHECK_STR(expected, err);

	path = tmp_sigs("empty proto=udp /a*/\n");
	conf.sig_path = path;
	l7 = fz_l7_create(&conf, err, sizeof(err));
	unlink(path);
	FZ_CHECK(l7 == NULL);
	snprintf(expected, sizeof(expected),
	         "%s:1: empty: Pattern matches empty buffer; use HS_FLAG_ALLOWEMPTY to enable "
	         "support.",
	         path);
	FZ_CHECK_STR(expected, err);

	/* Syntax errors from the loader come through unchanged. */
	path = tmp_sigs("x dir=sideways /a/\n");
	conf.sig_path = path;
	l7 = fz_l7_create(&conf, err, sizeof(err));
	unlink(path);
	FZ_CHECK(l7 == NULL);
	snprintf(expected, sizeof(expected), "%s:1: bad value \"sideways\" for option dir", path);
	FZ_CHECK_STR(expected, err);
}

/*
 * Random payloads (fixed seed) must never be named: a signature loose enough
 * to match noise would name encrypted or compressed traffic at random.
 */
static void test_random_payloads_unknown(void)
{
	static uint8_t buf[1500];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned i, j, named = 0;

	for (i = 0; i < 100000; i++) {
		struct fz_l7_flow st = {0};
		unsigned len = 1 + (unsigned)(x % sizeof(buf));

		for (j = 0; j < len; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[j] = (uint8_t)x;
		}
		fz_l7_scan(def, def_s, &st, i & 1, (i & 2) ? TCP : UDP, 40000, (i & 4) ? 443 : 80,
		           buf, len);
		named += st.app != 0;
	}
	FZ_CHECK_INT(0, named);
}

int main(void)
{
	if (load_defaults() != 0)
		return 1;
	FZ_RUN(test_names);
	FZ_RUN(test_http);
	FZ_RUN(test_ssdp);
	FZ_RUN(test_tls);
	FZ_RUN(test_ssh);
	FZ_RUN(test_bittorrent);
	FZ_RUN(test_dhcp);
	FZ_RUN(test_negatives);
	FZ_RUN(test_mid_flow);
	FZ_RUN(test_budget_packets);
	FZ_RUN(test_budget_bytes);
	FZ_RUN(test_defaults_and_limits);
	FZ_RUN(test_direction);
	FZ_RUN(test_precedence);
	FZ_RUN(test_bad_files);
	FZ_RUN(test_random_payloads_unknown);
	free_defaults();
	return fz_test_summary();
}
