/*
 * Unit tests of the L7 prefilter (lib/l7): the first bytes each protocol's
 * signatures can begin with, payloads skipped without a scan, the same
 * results as a scan of every payload, and two scratches side by side.
 */
#include "l7_sigs.h"

/* Bytes b for which fz_l7_can_begin(l7, proto, b) holds, as a count and a string. */
static unsigned begin_set(const struct fz_l7 *l7, uint8_t proto, char *out, size_t outlen)
{
	unsigned b, n = 0, o = 0;

	for (b = 0; b < 256; b++) {
		if (!fz_l7_can_begin(l7, proto, (uint8_t)b))
			continue;
		n++;
		if (o + 5 >= outlen)
			continue;
		if (b > ' ' && b < 127)
			out[o++] = (char)b;
		else
			o += (unsigned)snprintf(out + o, outlen - o, "\\x%02x", b);
	}
	out[o] = '\0';
	return n;
}

/* The shortest match and the possible first bytes of the default signatures. */
static void test_prefilter_defaults(void)
{
	char set[1200];

	FZ_CHECK_INT(4, fz_l7_min_len(def, TCP)); /* tls: ^\x17\x03[\x01-\x04][\x00-\x48] */
	FZ_CHECK_INT(9, fz_l7_min_len(def, UDP)); /* bittorrent: ^d.{1,400}1:y1:[qre]e$ */
	FZ_CHECK_INT(0, fz_l7_min_len(def, 1));   /* no signature for other protocols */
	FZ_CHECK_INT(15, begin_set(def, UDP, set, sizeof(set)));
	FZ_CHECK_STR("\\x00\\x01\\x02\\x11!1ABHMNdhmn", set);
	/* \x13-\x17 (bittorrent, tls), A-Z (http, ssh, gnutella), \x80-\xff (SSLv2 hello). */
	FZ_CHECK_INT(5 + 26 + 128, begin_set(def, TCP, set, sizeof(set)));
	FZ_CHECK(strncmp("\\x13\\x14\\x15\\x16\\x17ABCDEFGHIJKLMNOPQRSTUVWXYZ\\x80", set, 46) == 0);
	FZ_CHECK_INT(0, begin_set(def, 1, set, sizeof(set)));
}

/* What the first-byte analysis reads from single signatures, and where it gives up. */
static void test_prefilter_first_bytes(void)
{
	static const struct {
		const char *sig;
		unsigned n;
		const char *set;
	} cases[] = {
	    {"x /^HELLO/\n", 1, "H"},
	    {"x /^hello/i\n", 2, "Hh"},
	    {"x /^\\x41\\x00/\n", 1, "A"},
	    {"x /^\\./\n", 1, "."},
	    {"x /^a+b/\n", 1, "a"},
	    {"x /^a{2}b/\n", 1, "a"},
	    {"x /^a{1,}b/\n", 1, "a"},
	    {"x /^[a-c]x/\n", 3, "abc"},
	    {"x /^[a-]x/\n", 2, "-a"},
	    {"x /^[]a]x/\n", 2, "]a"},
	    {"x /^[\\d_]/\n", 11, "0123456789_"},
	    {"x /^[^\\x00-\\xfe]/\n", 1, "\\xff"},
	    {"x /^[A-C]x/i\n", 6, "ABCabc"},
	    {"x /^\\r\\n/\n", 1, "\\x0d"},
	    {"x /^(?:a)b/\n", 256, NULL}, /* a group first */
	    {"x /^a|b/\n", 256, NULL},    /* the second branch is not anchored */
	    {"x /^(?i)a/\n", 256, NULL},  /* option settings */
	    {"x /^a?b/\n", 256, NULL},    /* optional first item */
	    {"x /^a*b/\n", 256, NULL},
	    {"x /^a{0,3}b/\n", 256, NULL},
	    {"x /^a{,3}b/\n", 256, NULL},
	    {"x /^./s\n", 256, NULL},
	    {"x /^\\w/\n", 256, NULL},
	    {"x /^[[:alpha:]]/\n", 256, NULL},
	    {"x /^\\Qa|b\\E/\n", 256, NULL},
	    {"x /^x/m\n", 256, NULL}, /* ^ after every newline */
	    {"x /^x/8\n", 256, NULL},
	    {"x /HELLO/\n", 256, NULL}, /* not anchored */
	    {"x proto=udp /^U/\ny proto=tcp /^T/\nz /^A/\n", 2, "AT"},
	};
	char err[256], set[1200];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fz_l7 *l7 = create_from_text(cases[i].sig, 0, 0, err, sizeof(err));

		FZ_CHECK(l7 != NULL);
		if (l7 == NULL) {
			fprintf(stderr, "%s: %s\n", cases[i].sig, err);
			continue;
		}
		FZ_CHECK_INT(cases[i].n, begin_set(l7, TCP, set, sizeof(set)));
		if (cases[i].set)
			FZ_CHECK_STR(cases[i].set, set);
		fz_l7_free(l7);
	}
}

/* A payload that cannot match is charged to the budget exactly as a scanned one. */
static void test_prefilter_skip(void)
{
	char err[256];
	struct fz_l7 *l7 = create_from_text("x /^HELLO/\n", 4, 0, err, sizeof(err));
	struct fz_l7_scratch *s = l7 ? fz_l7_scratch_create(l7) : NULL;
	const struct fz_l7_scan_stats *ss;
	struct fz_l7_flow st = {0};

	FZ_CHECK(s != NULL);
	if (s == NULL)
		goto out;
	ss = fz_l7_scratch_stats(s);
	FZ_CHECK_INT(5, fz_l7_min_len(l7, TCP));
	/* Shorter than any match. */
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"HELL", 4);
	FZ_CHECK_INT(1, st.pkts[0]);
	FZ_CHECK_INT(4, st.bytes[0]);
	FZ_CHECK_INT(1, ss->skipped);
	FZ_CHECK_INT(0, ss->scanned);
	/* A first byte no signature begins with. */
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"xHELLO", 6);
	FZ_CHECK_INT(2, st.pkts[0]);
	FZ_CHECK_INT(10, st.bytes[0]);
	FZ_CHECK_INT(2, ss->skipped);
	FZ_CHECK_INT(0, ss->scanned);
	FZ_CHECK_INT(0, st.app);
	/* Long enough, right first byte, no match: scanned. */
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"HELP!", 5);
	FZ_CHECK_INT(1, ss->scanned);
	FZ_CHECK_INT(0, st.app);
	fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"HELLO", 5);
	FZ_CHECK_INT(2, ss->scanned);
	FZ_CHECK_INT(2, ss->skipped);
	FZ_CHECK_INT(1, st.app);
	FZ_CHECK_INT(1, st.done);
	/* Budgets spent by skipped packets alone end the flow unnamed. */
	memset(&st, 0, sizeof(st));
	for (unsigned i = 0; i < 4; i++) {
		fz_l7_scan(l7, s, &st, 0, TCP, 1, 2, (const uint8_t *)"ab", 2);
		fz_l7_scan(l7, s, &st, 1, TCP, 2, 1, (const uint8_t *)"zzzzzz", 6);
	}
	FZ_CHECK_INT(4, st.pkts[0]);
	FZ_CHECK_INT(4, st.pkts[1]);
	FZ_CHECK_INT(8, st.bytes[0]);
	FZ_CHECK_INT(24, st.bytes[1]);
	FZ_CHECK_INT(1, st.done);
	FZ_CHECK_INT(0, st.app);
	FZ_CHECK_INT(10, ss->skipped);
	FZ_CHECK_INT(2, ss->scanned);
out:
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
}

/*
 * The skip never changes a result: every known payload of the default
 * signatures, with each of the 256 first bytes, gets the same name as from a
 * database that scans everything (the default file plus an unanchored
 * signature that never matches these payloads, which allows every first byte).
 */
static void test_prefilter_same_results(void)
{
	static const uint8_t ch_tls12[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00,
	                                   0x01, 0xfc, 0x03, 0x03, 0xaa, 0xbb};
	static const uint8_t v2hello[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00,
	                                  0x15, 0x00, 0x00, 0x00, 0x10, 0xaa};
	static const uint8_t appdata[] = {0x17, 0x03, 0x03, 0x00, 0x40, 0x99, 0x12};
	static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
	static const uint8_t utp_syn[] = {0x41, 0x00, 0x12, 0x34, 1, 2, 3, 4, 0, 0,
	                                  0,    0,    0,    0x10, 0, 0, 0, 1, 0, 0};
	static const uint8_t tracker[] = {0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80,
	                                  0, 0, 0, 0,    0xde, 0xad, 0xbe, 0xef};
	static const char *const text[] = {
	    "GET /index.html HTTP/1.1\r\n",
	    "HTTP/1.1 200 OK\r\n",
	    "GET http://example.com/ HTTP/1.1\r\n",
	    "SSH-2.0-OpenSSH_8.9p1\r\n",
	    ("\x13"
	     "BitTorrent protocol"),
	    "GNUTELLA CONNECT/0.6\r\n",
	    "M-SEARCH * HTTP/1.1\r\n",
	    "NOTIFY * HTTP/1.1\r\n",
	    "BT-SEARCH * HTTP/1.1\r\n",
	    "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
	    "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
	    "d3:foo3:bare",
	    "<html><body>",
	};
	struct {
		const uint8_t *p;
		size_t len;
	} pay[32];
	const char *src = getenv("FZ_SRC");
	char path[PATH_MAX], err[512], *all_text = NULL;
	struct fz_l7 *all = NULL;
	struct fz_l7_scratch *all_s = NULL;
	uint8_t buf[300] = {0};
	unsigned n = 0, differ = 0, named = 0, b, i, j;
	size_t tlen;
	FILE *f;

	snprintf(path, sizeof(path), "%s/signatures/flowzoo.sigs", src ? src : ".");
	f = fopen(path, "r");
	FZ_CHECK(f != NULL);
	if (f == NULL)
		return;
	all_text = calloc(1, 1 << 16);
	tlen = all_text ? fread(all_text, 1, (1 << 16) - 100, f) : 0;
	fclose(f);
	if (all_text == NULL)
		return;
	snprintf(all_text + tlen, 100, "\nzz_scan_all proto=any prio=1 /\\xfe\\xfdNEVER/\n");
	all = create_from_text(all_text, 0, 0, err, sizeof(err));
	all_s = all ? fz_l7_scratch_create(all) : NULL;
	FZ_CHECK(all_s != NULL);
	if (all_s == NULL)
		goto out;
	FZ_CHECK_INT(256, begin_set(all, TCP, path, sizeof(path)));
	FZ_CHECK_INT(256, begin_set(all, UDP, path, sizeof(path)));

	pay[n].p = ch_tls12, pay[n++].len = sizeof(ch_tls12);
	pay[n].p = v2hello, pay[n++].len = sizeof(v2hello);
	pay[n].p = appdata, pay[n++].len = sizeof(appdata);
	pay[n].p = ccs, pay[n++].len = sizeof(ccs);
	pay[n].p = utp_syn, pay[n++].len = sizeof(utp_syn);
	pay[n].p = tracker, pay[n++].len = sizeof(tracker);
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		pay[n].p = (const uint8_t *)text[i], pay[n++].len = strlen(text[i]);
	for (i = 0; i < n; i++) {
		for (b = 0; b < 256; b++) {
			for (j = 0; j < 8; j++) {
				uint8_t proto = (j & 1) ? UDP : TCP;
				unsigned dir = (j >> 1) & 1;
				uint16_t port = (j & 4) ? 443 : 80;
				struct fz_l7_flow x = {0}, y = {0};
				const char *nx, *ny;

				memcpy(buf, pay[i].p, pay[i].len);
				buf[0] = (uint8_t)b;
				fz_l7_scan(def, def_s, &x, dir, proto, 40000, port, buf,
				           (uint32_t)pay[i].len);
				fz_l7_scan(all, all_s, &y, dir, proto, 40000, port, buf,
				           (uint32_t)pay[i].len);
				nx = fz_l7_app_names(def)[x.app];
				ny = fz_l7_app_names(all)[y.app];
				differ += strcmp(nx, ny) != 0 || x.done != y.done ||
				          memcmp(x.pkts, y.pkts, sizeof(x.pkts)) != 0 ||
				          memcmp(x.bytes, y.bytes, sizeof(x.bytes)) != 0;
				named += y.app != 0;
				if (y.app != 0 && !fz_l7_can_begin(def, proto, (uint8_t)b))
					fprintf(stderr, "payload %u first byte 0x%02x: %s\n", i, b,
					        ny);
			}
		}
	}
	FZ_CHECK_INT(0, differ);
	FZ_CHECK(named > 100); /* the comparison saw real matches */
	/* DHCP: the first byte of a 300-byte payload. */
	buf[1] = 1, buf[2] = 6, buf[236] = 0x63, buf[237] = 0x82, buf[238] = 0x53, buf[239] = 0x63;
	for (b = 0; b < 256; b++) {
		struct fz_l7_flow x = {0}, y = {0};

		buf[0] = (uint8_t)b;
		fz_l7_scan(def, def_s, &x, 0, UDP, 68, 67, buf, sizeof(buf));
		fz_l7_scan(all, all_s, &y, 0, UDP, 68, 67, buf, sizeof(buf));
		FZ_CHECK_STR(fz_l7_app_names(all)[y.app], fz_l7_app_names(def)[x.app]);
	}
out:
	fz_l7_scratch_free(all_s);
	fz_l7_free(all);
	free(all_text);
}

/* The worker's path: fz_l7_gate_charge inline, then fz_l7_scan_charged with the clamped length. */
static void test_gate_then_scan(void)
{
	char err[256];
	struct fz_l7 *l7 = create_from_text("x proto=tcp /^HELLO/\n", 4, 7, err, sizeof(err));
	struct fz_l7_scratch *s = l7 ? fz_l7_scratch_create(l7) : NULL;
	const struct fz_l7_gate *g;
	struct fz_l7_scan_stats *c;
	struct fz_l7_flow st = {0};
	uint32_t len;

	FZ_CHECK(s != NULL);
	if (s == NULL)
		goto out;
	g = fz_l7_gate(l7);
	c = fz_l7_scratch_counts(s);
	FZ_CHECK(c == fz_l7_scratch_stats(s));
	FZ_CHECK_INT(4, g->max_pkts);
	FZ_CHECK_INT(7, g->max_bytes);
	FZ_CHECK_INT(1, g->has_db[0]);
	FZ_CHECK_INT(0, g->has_db[1]);
	FZ_CHECK_INT(0, g->has_db[2]);
	FZ_CHECK_INT(5, g->min_len[0]);
	/* Longer than the budget: charged and handed on clamped to it. */
	len = 10;
	FZ_CHECK_INT(
	    1, fz_l7_gate_charge(g, &st, 1, TCP, (const uint8_t *)"HELLOHELLO", &len, &c->skipped));
	FZ_CHECK_INT(7, len);
	FZ_CHECK_INT(1, st.pkts[1]);
	FZ_CHECK_INT(7, st.bytes[1]);
	fz_l7_scan_charged(l7, s, &st, 1, TCP, 80, 40000, (const uint8_t *)"HELLOHELLO", len);
	FZ_CHECK_INT(1, st.app);
	FZ_CHECK_INT(1, st.done);
	FZ_CHECK_INT(1, c->scanned);
	FZ_CHECK_INT(0, c->skipped);
	/* Named: settled without a charge. */
	len = 5;
	FZ_CHECK_INT(
	    0, fz_l7_gate_charge(g, &st, 0, TCP, (const uint8_t *)"HELLO", &len, &c->skipped));
	FZ_CHECK_INT(0, st.pkts[0]);
	/* A first byte no signature begins with: charged, skipped. */
	memset(&st, 0, sizeof(st));
	len = 4;
	FZ_CHECK_INT(0,
	             fz_l7_gate_charge(g, &st, 1, TCP, (const uint8_t *)"abcd", &len, &c->skipped));
	FZ_CHECK_INT(4, st.bytes[1]);
	FZ_CHECK_INT(1, c->skipped);
	/* Clamped to the 3 bytes left, shorter than any match: skipped, though it would match
	 * whole. */
	len = 5;
	FZ_CHECK_INT(
	    0, fz_l7_gate_charge(g, &st, 1, TCP, (const uint8_t *)"HELLO", &len, &c->skipped));
	FZ_CHECK_INT(7, st.bytes[1]);
	FZ_CHECK_INT(2, st.pkts[1]);
	FZ_CHECK_INT(2, c->skipped);
	FZ_CHECK_INT(0, st.done);
	/* That direction is spent: nothing more is charged to it. */
	len = 5;
	FZ_CHECK_INT(
	    0, fz_l7_gate_charge(g, &st, 1, TCP, (const uint8_t *)"HELLO", &len, &c->skipped));
	FZ_CHECK_INT(2, st.pkts[1]);
	FZ_CHECK_INT(2, c->skipped);
	/* No UDP signature: charged, neither scanned nor counted as skipped. */
	for (unsigned i = 0; i < 3; i++) {
		len = 2;
		FZ_CHECK_INT(
		    0, fz_l7_gate_charge(g, &st, 0, UDP, (const uint8_t *)"HE", &len, &c->skipped));
	}
	FZ_CHECK_INT(3, st.pkts[0]);
	FZ_CHECK_INT(6, st.bytes[0]);
	FZ_CHECK_INT(0, st.done);
	/* The fourth packet spends the last budget: done, unnamed. */
	len = 1;
	FZ_CHECK_INT(0, fz_l7_gate_charge(g, &st, 0, UDP, (const uint8_t *)"H", &len, &c->skipped));
	FZ_CHECK_INT(4, st.pkts[0]);
	FZ_CHECK_INT(1, st.done);
	FZ_CHECK_INT(0, st.app);
	FZ_CHECK_INT(2, c->skipped);
	FZ_CHECK_INT(1, c->scanned);
out:
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
}

/* Two scratches (two workers) classify independently. */
static void test_two_scratches(void)
{
	struct fz_l7_scratch *s2 = fz_l7_scratch_create(def);
	struct fz_l7_flow a = {0}, b = {0};

	FZ_CHECK(s2 != NULL);
	if (s2 == NULL)
		return;
	fz_l7_scan(def, def_s, &a, 0, TCP, 1, 22, (const uint8_t *)"SSH-2.0-x\r\n", 11);
	fz_l7_scan(def, s2, &b, 0, TCP, 1, 80, (const uint8_t *)"GET / HTTP/1.1\r\n", 16);
	FZ_CHECK_STR("ssh", fz_l7_app_names(def)[a.app]);
	FZ_CHECK_STR("http", fz_l7_app_names(def)[b.app]);
	fz_l7_scratch_free(s2);
}

int main(void)
{
	if (load_defaults() != 0)
		return 1;
	FZ_RUN(test_two_scratches);
	FZ_RUN(test_prefilter_defaults);
	FZ_RUN(test_prefilter_first_bytes);
	FZ_RUN(test_prefilter_skip);
	FZ_RUN(test_gate_then_scan);
	FZ_RUN(test_prefilter_same_results);
	free_defaults();
	return fz_test_summary();
}
