/*
 * Unit tests of lib/networks: prefix parsing, the networks file's errors
 * (exact messages), and the longest-prefix lookup at every edge of nested
 * prefixes and against a brute-force longest-prefix match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fz_networks.h"
#include "fz_test.h"

typedef unsigned __int128 u128;

/* ---- helpers ---- */

static struct fz_networks *parse_str(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return fz_networks_parse(text, strlen(text), "f.json", err, errlen);
}

/* A 16-byte address of text (IPv4 mapped for dotted quads). */
static void addr_of(const char *text, uint8_t a[16], int *version)
{
	memset(a, 0, 16);
	if (strchr(text, ':') == NULL) {
		a[10] = a[11] = 0xff;
		*version = inet_pton(AF_INET, text, a + 12) == 1 ? 4 : -1;
	} else {
		*version = inet_pton(AF_INET6, text, a) == 1 ? 6 : -1;
	}
}

static uint16_t lookup_str(const struct fz_networks *n, const char *text)
{
	uint8_t a[16];
	int v;

	addr_of(text, a, &v);
	if (v < 0) {
		fprintf(stderr, "bad test address %s\n", text);
		return 0xffff;
	}
	return fz_networks_lookup(n, a, v);
}

/* The value of an address in its family's width, and back. */
static u128 value_of(const uint8_t a[16], int version)
{
	u128 x = 0;

	for (int i = version == 4 ? 12 : 0; i < 16; i++)
		x = (x << 8) | a[i];
	return x;
}

static void bytes_of(u128 x, int version, uint8_t a[16])
{
	memset(a, 0, 16);
	if (version == 4)
		a[10] = a[11] = 0xff;
	for (int i = 15; i >= (version == 4 ? 12 : 0); i--, x >>= 8)
		a[i] = (uint8_t)x;
}

/* ---- prefixes ---- */

struct prefix_ok {
	const char *text;
	const char *addr; /* the 16 bytes as an IPv6 text */
	unsigned len128;
	int version;
};

static void test_prefix_ok(void)
{
	static const struct prefix_ok cases[] = {
	    {"0.0.0.0/0", "::ffff:0.0.0.0", 96, 4},
	    {"10.0.0.0/8", "::ffff:10.0.0.0", 104, 4},
	    {"200.20.128.0/17", "::ffff:200.20.128.0", 113, 4},
	    {"10.1.2.3/32", "::ffff:10.1.2.3", 128, 4},
	    {"255.255.255.255/32", "::ffff:255.255.255.255", 128, 4},
	    {"10.0.0.0/008", "::ffff:10.0.0.0", 104, 4},
	    {"::/0", "::", 0, 6},
	    {"2001:db8::/32", "2001:db8::", 32, 6},
	    {"2001:db8:1::/48", "2001:db8:1::", 48, 6},
	    {"2001:db8::1/128", "2001:db8::1", 128, 6},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 6},
	    {"::ffff:10.0.0.0/104", "::ffff:10.0.0.0", 104, 6},
	    {"8000::/1", "8000::", 1, 6},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t got[16], want[16];
		unsigned len = 999;
		int ver = 0;
		char err[128] = "";

		FZ_CHECK_INT(
		    0, fz_networks_parse_prefix(cases[i].text, got, &len, &ver, err, sizeof(err)));
		FZ_CHECK_STR("", err);
		FZ_CHECK_INT(1, inet_pton(AF_INET6, cases[i].addr, want));
		FZ_CHECK_INT(0, memcmp(want, got, 16));
		FZ_CHECK_INT(cases[i].len128, len);
		FZ_CHECK_INT(cases[i].version, ver);
	}
}

struct prefix_bad {
	const char *text;
	const char *err;
};

static void test_prefix_errors(void)
{
	static const struct prefix_bad cases[] = {
	    {"10.0.0.0", "no /LENGTH"},
	    {"2001:db8::", "no /LENGTH"},
	    {"", "no /LENGTH"},
	    {"10.0.0.0/", "length '' is not from 0 to 32"},
	    {"10.0.0.0/-1", "length '-1' is not from 0 to 32"},
	    {"10.0.0.0/+8", "length '+8' is not from 0 to 32"},
	    {"10.0.0.0/ 8", "length ' 8' is not from 0 to 32"},
	    {"10.0.0.0/8x", "length '8x' is not from 0 to 32"},
	    {"10.0.0.0/8/8", "length '8/8' is not from 0 to 32"},
	    {"10.0.0.0/33", "length '33' is not from 0 to 32"},
	    {"10.0.0.0/4294967304", "length '4294967304' is not from 0 to 32"},
	    {"10.0.0.0/99999999999999999999999",
	     "length '99999999999999999999999' is not from 0 to 32"},
	    {"::/129", "length '129' is not from 0 to 128"},
	    {"::/-1", "length '-1' is not from 0 to 128"},
	    {"::/0x10", "length '0x10' is not from 0 to 128"},
	    {"10.0.0.1/8", "host bits are set (the network is 10.0.0.0/8 with them zero)"},
	    {"10.1.2.3/31", "host bits are set (the network is 10.1.2.2/31 with them zero)"},
	    {"0.0.0.1/0", "host bits are set (the network is 0.0.0.0/0 with them zero)"},
	    {"200.20.200.0/17",
	     "host bits are set (the network is 200.20.128.0/17 with them zero)"},
	    {"::1/0", "host bits are set (the network is ::/0 with them zero)"},
	    {"2001:db8::1/127", "host bits are set (the network is 2001:db8::/127 with them zero)"},
	    {"2001:db8:1::/32", "host bits are set (the network is 2001:db8::/32 with them zero)"},
	    {"garbage/8", "'garbage' is not an IPv4 address"},
	    {"/8", "'' is not an IPv4 address"},
	    {"10.0.0/8", "'10.0.0' is not an IPv4 address"},
	    {"10.0.0.256/32", "'10.0.0.256' is not an IPv4 address"},
	    {"10.0.0.0.0/8", "'10.0.0.0.0' is not an IPv4 address"},
	    {" 10.0.0.0/8", "' 10.0.0.0' is not an IPv4 address"},
	    {"2001:db8::g/32", "'2001:db8::g' is not an IPv6 address"},
	    {"2001:db8:::/32", "'2001:db8:::' is not an IPv6 address"},
	    {":/0", "':' is not an IPv6 address"},
	    {"1:2:3:4:5:6:7:8:9/128", "'1:2:3:4:5:6:7:8:9' is not an IPv6 address"},
	    /* 64 characters: too long for any prefix. */
	    {"0000:0000:0000:0000:0000:0000:0000:0000/000000000000000000000000", "too long"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[16];
		unsigned len = 999;
		int ver = 0;
		char err[128] = "";

		FZ_CHECK_INT(-EINVAL, fz_networks_parse_prefix(cases[i].text, a, &len, &ver, err,
		                                               sizeof(err)));
		FZ_CHECK_STR(cases[i].err, err);
		FZ_CHECK_INT(999, len); /* nothing written on error */
		FZ_CHECK_INT(0, ver);
	}
	/* 63 characters is not too long: the same text one '0' shorter parses. */
	{
		uint8_t a[16];
		unsigned len = 999;
		int ver = 0;
		char err[128] = "";
		const char *s = "0000:0000:0000:0000:0000:0000:0000:0000/00000000000000000000000";

		FZ_CHECK_INT(63, strlen(s));
		FZ_CHECK_INT(0, fz_networks_parse_prefix(s, a, &len, &ver, err, sizeof(err)));
		FZ_CHECK_INT(0, len);
		FZ_CHECK_INT(6, ver);
	}
}

/* ---- the file ---- */

struct file_bad {
	const char *text;
	const char *err;
};

static void test_file_errors(void)
{
	static const struct file_bad cases[] = {
	    {"", "f.json:1: '[' or '{' expected near end of file"},
	    {"{\"networks\": [\n  {\"name\": }\n]}", "f.json:2: unexpected token near '}'"},
	    {"[]", "f.json: expected an object {\"networks\": [...]}"},
	    {"{}", "f.json: \"networks\" must be an array of networks"},
	    {"{\"networks\": {}}", "f.json: \"networks\" must be an array of networks"},
	    {"{\"networks\": [], \"alerts\": []}",
	     "f.json: unknown key 'alerts' (expected \"networks\", \"ignore\")"},
	    {"{\"networks\": [7]}",
	     "f.json: networks[0]: expected an object {\"name\": ..., \"prefixes\": [...]}"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\"], \"prefix\": 1}]}",
	     "f.json: networks[0] (\"a\"): unknown key 'prefix' (expected \"name\", \"prefixes\", "
	     "\"alerts\")"},
	    {"{\"networks\": [{\"prefixes\": [\"10.0.0.0/8\"]}]}",
	     "f.json: networks[0]: \"name\" must be a string of 1 to 64 characters"},
	    {"{\"networks\": [{\"name\": 5, \"prefixes\": [\"10.0.0.0/8\"]}]}",
	     "f.json: networks[0]: \"name\" must be a string of 1 to 64 characters"},
	    {"{\"networks\": [{\"name\": \"\", \"prefixes\": [\"10.0.0.0/8\"]}]}",
	     "f.json: networks[0] (\"\"): \"name\" must be a string of 1 to 64 characters"},
	    {"{\"networks\": [{\"name\": "
	     "\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm\", "
	     "\"prefixes\": [\"10.0.0.0/8\"]}]}",
	     "f.json: networks[0] "
	     "(\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm\"):"
	     " \"name\" must be a string of 1 to 64 characters"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\"]},\n"
	     " {\"name\": \"b\", \"prefixes\": [\"11.0.0.0/8\"]},\n"
	     " {\"name\": \"a\", \"prefixes\": [\"12.0.0.0/8\"]}]}",
	     "f.json: networks[2] (\"a\"): the name is already used by networks[0]"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": []}]}",
	     "f.json: networks[0] (\"a\"): \"prefixes\" must be a non-empty array of strings"},
	    {"{\"networks\": [{\"name\": \"a\"}]}",
	     "f.json: networks[0] (\"a\"): \"prefixes\" must be a non-empty array of strings"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": \"10.0.0.0/8\"}]}",
	     "f.json: networks[0] (\"a\"): \"prefixes\" must be a non-empty array of strings"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\", 11]}]}",
	     "f.json: networks[0] (\"a\"): prefixes[1] is not a string"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [null]}]}",
	     "f.json: networks[0] (\"a\"): prefixes[0] is not a string"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.1/8\"]}]}",
	     "f.json: networks[0] (\"a\"): prefix \"10.0.0.1/8\": host bits are set (the network "
	     "is 10.0.0.0/8 with them zero)"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0\"]}]}",
	     "f.json: networks[0] (\"a\"): prefix \"10.0.0.0\": no /LENGTH"},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\"]},\n"
	     " {\"name\": \"b\", \"prefixes\": [\"11.0.0.0/8\", \"10.0.0.0/8\"]}]}",
	     "f.json: networks[1] (\"b\"): prefix \"10.0.0.0/8\" is already in network \"a\""},
	    /* The same prefix written differently is the same prefix. */
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"2001:db8::/32\"]},\n"
	     " {\"name\": \"b\", \"prefixes\": [\"2001:0db8:0:0::/32\"]}]}",
	     "f.json: networks[1] (\"b\"): prefix \"2001:0db8:0:0::/32\" is already in network "
	     "\"a\""},
	    {"{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\", \"10.0.0.0/8\"]}]}",
	     "f.json: networks[0] (\"a\"): prefix \"10.0.0.0/8\" is already in network \"a\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512];

		errno = 0;
		FZ_CHECK(parse_str(cases[i].text, err, sizeof(err)) == NULL);
		FZ_CHECK_INT(EINVAL, errno);
		FZ_CHECK_STR(cases[i].err, err);
	}
}

/* 65 535 networks are one too many; 64-character names are allowed. */
static void test_file_limits(void)
{
	size_t cap = (size_t)(FZ_NETWORKS_MAX + 1) * 3 + 64;
	char *text = malloc(cap), err[512];
	size_t len = 0;
	struct fz_networks *n;
	const char *name64 = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";
	char buf[256];

	len += (size_t)snprintf(text, cap, "{\"networks\": [");
	for (unsigned i = 0; i < FZ_NETWORKS_MAX + 1; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s{}", i ? "," : "");
	len += (size_t)snprintf(text + len, cap - len, "]}");
	errno = 0;
	FZ_CHECK(fz_networks_parse(text, len, "f.json", err, sizeof(err)) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	FZ_CHECK_STR("f.json: 65535 networks, at most 65534", err);
	free(text);

	FZ_CHECK_INT(64, strlen(name64));
	snprintf(buf, sizeof(buf), "{\"networks\": [{\"name\": \"%s\", \"prefixes\": [\"::/0\"]}]}",
	         name64);
	n = parse_str(buf, err, sizeof(err));
	FZ_CHECK(n != NULL);
	if (n) {
		FZ_CHECK_INT(1, fz_networks_count(n));
		FZ_CHECK_STR(name64, fz_networks_names(n)[0]);
		fz_networks_free(n);
	}
	/* An empty list of networks is a valid file: nothing matches. */
	n = parse_str("{\"networks\": []}", err, sizeof(err));
	FZ_CHECK(n != NULL);
	if (n) {
		FZ_CHECK_INT(0, fz_networks_count(n));
		FZ_CHECK_INT(0, lookup_str(n, "10.0.0.1"));
		FZ_CHECK_INT(0, lookup_str(n, "::1"));
		fz_networks_free(n);
	}
}

static void test_file_load(void)
{
	char path[] = "/tmp/fz_networks_XXXXXX", err[512];
	const char *text =
	    "{\"networks\": [{\"name\": \"campus\", \"prefixes\": [\"200.20.0.0/16\", "
	    "\"2001:db8:1::/48\"]},\n"
	    "{\"name\": \"dorms\", \"prefixes\": [\"200.20.128.0/17\"]}]}\n";
	int fd = mkstemp(path);
	struct fz_networks *n;

	FZ_CHECK(fd >= 0);
	if (fd < 0)
		return;
	FZ_CHECK_INT((long long)strlen(text), write(fd, text, strlen(text)));
	close(fd);
	n = fz_networks_load(path, err, sizeof(err));
	FZ_CHECK(n != NULL);
	if (n) {
		FZ_CHECK_INT(2, fz_networks_count(n));
		FZ_CHECK_STR("campus", fz_networks_names(n)[0]);
		FZ_CHECK_STR("dorms", fz_networks_names(n)[1]);
		/* The examples of docs/traffic.md. */
		FZ_CHECK_INT(2, lookup_str(n, "200.20.200.1"));
		FZ_CHECK_INT(1, lookup_str(n, "200.20.1.1"));
		FZ_CHECK_INT(1, lookup_str(n, "2001:db8:1::77"));
		fz_networks_free(n);
	}
	/* A file that is not JSON names the file and the line. */
	fd = open(path, O_WRONLY | O_TRUNC);
	FZ_CHECK_INT(9, write(fd, "{\n\n\"x\": }", 9));
	close(fd);
	errno = 0;
	FZ_CHECK(fz_networks_load(path, err, sizeof(err)) == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	{
		char want[600];

		snprintf(want, sizeof(want), "%s:3: unexpected token near '}'", path);
		FZ_CHECK_STR(want, err);
	}
	unlink(path);
	errno = 0;
	FZ_CHECK(fz_networks_load(path, err, sizeof(err)) == NULL);
	FZ_CHECK_INT(ENOENT, errno);
	{
		char want[600];

		snprintf(want, sizeof(want), "%s: No such file or directory", path);
		FZ_CHECK_STR(want, err);
	}
}

/* ---- lookups ---- */

struct probe {
	const char *addr;
	uint16_t id;
};

/* Parse text (count networks) and look every probe up. */
static void check_lookups(const char *text, unsigned count, const struct probe *p, size_t np)
{
	char err[512];
	struct fz_networks *n = parse_str(text, err, sizeof(err));

	FZ_CHECK(n != NULL);
	if (n == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	FZ_CHECK_INT(count, fz_networks_count(n));
	for (size_t i = 0; i < np; i++) {
		uint16_t got = lookup_str(n, p[i].addr);

		if (got != p[i].id)
			fprintf(stderr, "lookup %s\n", p[i].addr);
		FZ_CHECK_INT(p[i].id, got);
	}
	fz_networks_free(n);
}

#define N_PROBES(p) (sizeof(p) / sizeof((p)[0]))

/* Nested IPv4 prefixes, no default: every prefix's first and last address and
 * the addresses just outside it. */
static void test_lookup_v4_nested(void)
{
	static const char *text =
	    "{\"networks\": ["
	    "{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\", \"10.1.2.128/25\"]},"
	    "{\"name\": \"b\", \"prefixes\": [\"10.1.0.0/16\"]},"
	    "{\"name\": \"c\", \"prefixes\": [\"10.1.2.0/24\"]},"
	    "{\"name\": \"d\", \"prefixes\": [\"10.1.2.255/32\", \"10.1.2.0/32\"]},"
	    "{\"name\": \"e\", \"prefixes\": [\"0.0.0.0/32\", \"255.255.255.255/32\"]},"
	    "{\"name\": \"f\", \"prefixes\": [\"10.255.255.0/24\"]}"
	    "]}";
	static const struct probe probes[] = {
	    {"0.0.0.0", 5},         {"0.0.0.1", 0},         {"9.255.255.255", 0},
	    {"10.0.0.0", 1},        {"10.0.255.255", 1},    {"10.1.0.0", 2},
	    {"10.1.1.255", 2},      {"10.1.2.0", 4},        {"10.1.2.1", 3},
	    {"10.1.2.127", 3},      {"10.1.2.128", 1},      {"10.1.2.254", 1},
	    {"10.1.2.255", 4},      {"10.1.3.0", 2},        {"10.1.255.255", 2},
	    {"10.2.0.0", 1},        {"10.255.254.255", 1},  {"10.255.255.0", 6},
	    {"10.255.255.255", 6},  {"11.0.0.0", 0},        {"255.255.255.254", 0},
	    {"255.255.255.255", 5}, {"::ffff:10.1.2.1", 0}, {"::a01:201", 0},
	};
	check_lookups(text, 6, probes, N_PROBES(probes));
}

static void test_lookup_v6_nested(void)
{
	static const char *text =
	    "{\"networks\": ["
	    "{\"name\": \"a\", \"prefixes\": [\"2001:db8::/32\"]},"
	    "{\"name\": \"b\", \"prefixes\": [\"2001:db8:1::/48\", \"2001:db8:1:0:8000::/65\"]},"
	    "{\"name\": \"c\", \"prefixes\": [\"2001:db8:1::/64\"]},"
	    "{\"name\": \"d\", \"prefixes\": [\"2001:db8:1::1/128\", "
	    "\"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128\", \"::/128\"]},"
	    "{\"name\": \"e\", \"prefixes\": [\"8000::/1\"]}"
	    "]}";
	static const struct probe probes[] = {
	    {"::", 4},
	    {"::1", 0},
	    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0},
	    {"2001:db8::", 1},
	    {"2001:db8:0:ffff:ffff:ffff:ffff:ffff", 1},
	    {"2001:db8:1::", 3},
	    {"2001:db8:1::1", 4},
	    {"2001:db8:1::2", 3},
	    {"2001:db8:1:0:7fff:ffff:ffff:ffff", 3},
	    {"2001:db8:1:0:8000::", 2},
	    {"2001:db8:1:0:ffff:ffff:ffff:ffff", 2},
	    {"2001:db8:1:1::", 2},
	    {"2001:db8:1:ffff:ffff:ffff:ffff:ffff", 2},
	    {"2001:db8:2::", 1},
	    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1},
	    {"2001:db9::", 0},
	    {"7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
	    {"8000::", 5},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 5},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 4},
	    {"10.0.0.1", 0},
	};
	check_lookups(text, 5, probes, N_PROBES(probes));
}

/* Default routes: each family's /0 covers its whole space and only it. */
static void test_lookup_defaults(void)
{
	static const char *text = "{\"networks\": ["
	                          "{\"name\": \"world4\", \"prefixes\": [\"0.0.0.0/0\"]},"
	                          "{\"name\": \"world6\", \"prefixes\": [\"::/0\"]},"
	                          "{\"name\": \"in\", \"prefixes\": [\"192.168.0.0/16\", "
	                          "\"fd00::/8\"]},"
	                          "{\"name\": \"mapped\", \"prefixes\": [\"::ffff:0.0.0.0/96\"]}"
	                          "]}";
	static const struct probe probes[] = {
	    {"0.0.0.0", 1},
	    {"192.167.255.255", 1},
	    {"192.168.0.0", 3},
	    {"192.168.255.255", 3},
	    {"192.169.0.0", 1},
	    {"255.255.255.255", 1},
	    {"::", 2},
	    {"fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2},
	    {"fd00::", 3},
	    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 3},
	    {"fe00::", 2},
	    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2},
	    /* An IPv4-mapped prefix is IPv6: it matches IPv6 lookups only. */
	    {"::ffff:192.168.1.1", 4},
	    {"::fffe:ffff:ffff", 2},
	    {"::1:0:0:0", 2},
	};
	static const struct probe only6[] = {
	    {"0.0.0.0", 0}, {"10.1.2.3", 0}, {"::", 1}, {"2001:db8::1", 1}};
	static const struct probe only4[] = {
	    {"0.0.0.0", 1}, {"255.255.255.255", 1}, {"::", 0}, {"::ffff:10.1.2.3", 0}};
	check_lookups(text, 4, probes, N_PROBES(probes));

	/* Only an IPv6 default: IPv4 addresses are in no network, and the reverse. */
	check_lookups("{\"networks\": [{\"name\": \"w\", \"prefixes\": [\"::/0\"]}]}", 1, only6,
	              N_PROBES(only6));
	check_lookups("{\"networks\": [{\"name\": \"w\", \"prefixes\": [\"0.0.0.0/0\"]}]}", 1,
	              only4, N_PROBES(only4));
}

/* ---- random prefixes against a brute-force longest-prefix match ---- */

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	return fz_test_rand(&rng_state);
}

struct rprefix {
	u128 lo, hi;
	unsigned len;
	uint16_t id;
};

static u128 rnd_value(int version)
{
	u128 x = ((u128)rnd() << 64) | rnd();

	return version == 4 ? (x & 0xffffffffu) : x;
}

static u128 host_mask(unsigned width, unsigned len)
{
	if (len == 0)
		return width == 128 ? ~(u128)0 : (((u128)1 << width) - 1);
	return len == width ? 0 : (((u128)1 << (width - len)) - 1);
}

static uint16_t brute(const struct rprefix *p, unsigned np, u128 v)
{
	int best = -1;

	for (unsigned i = 0; i < np; i++)
		if (v >= p[i].lo && v <= p[i].hi && (best < 0 || p[i].len > p[best].len))
			best = (int)i;
	return best < 0 ? 0 : p[best].id;
}

static void random_family(int version, unsigned nprefix, unsigned nnets, unsigned naddr)
{
	unsigned width = version == 4 ? 32 : 128, np = 0;
	struct rprefix *p = calloc(nprefix, sizeof(*p));
	size_t cap = (size_t)nprefix * 64 + (size_t)nnets * 64 + 64, len = 0;
	char *text = malloc(cap), err[512];
	struct fz_networks *n;
	unsigned mismatches = 0;

	/* Prefixes clustered under a few roots, so that many nest. */
	while (np < nprefix) {
		struct rprefix q;
		unsigned dup = 0;

		if (np > 0 && rnd() % 4 != 0) { /* inside an earlier prefix */
			const struct rprefix *outer = &p[rnd() % np];

			q.len = outer->len + (unsigned)(rnd() % (width - outer->len + 1));
			q.lo = outer->lo | (rnd_value(version) & host_mask(width, outer->len));
		} else {
			q.len = (unsigned)(rnd() % (width + 1));
			q.lo = rnd_value(version);
		}
		q.lo &= ~host_mask(width, q.len);
		if (version == 4)
			q.lo &= 0xffffffffu;
		q.hi = q.lo | host_mask(width, q.len);
		q.id = (uint16_t)(1 + rnd() % nnets);
		for (unsigned i = 0; i < np && !dup; i++)
			dup = p[i].lo == q.lo && p[i].len == q.len;
		if (!dup)
			p[np++] = q;
	}
	len += (size_t)snprintf(text, cap, "{\"networks\": [");
	for (unsigned id = 1; id <= nnets; id++) {
		unsigned k = 0;

		len +=
		    (size_t)snprintf(text + len, cap - len, "%s{\"name\": \"n%u\", \"prefixes\": [",
		                     id > 1 ? ",\n" : "", id);
		for (unsigned i = 0; i < np; i++) {
			uint8_t a[16];
			char s[INET6_ADDRSTRLEN];

			if (p[i].id != id)
				continue;
			bytes_of(p[i].lo, version, a);
			inet_ntop(version == 4 ? AF_INET : AF_INET6, version == 4 ? a + 12 : a, s,
			          sizeof(s));
			len += (size_t)snprintf(text + len, cap - len, "%s\"%s/%u\"",
			                        k++ ? ", " : "", s, p[i].len);
		}
		if (k == 0) /* every network needs a prefix: give it one of the other family */
			len += (size_t)snprintf(text + len, cap - len, "\"%s\"",
			                        version == 4 ? "fe80::/10" : "169.254.0.0/16");
		len += (size_t)snprintf(text + len, cap - len, "]}");
	}
	len += (size_t)snprintf(text + len, cap - len, "]}");
	FZ_CHECK(len < cap);
	n = fz_networks_parse(text, len, "random.json", err, sizeof(err));
	FZ_CHECK(n != NULL);
	if (n == NULL) {
		fprintf(stderr, "%s\n", err);
		free(text);
		free(p);
		return;
	}
	FZ_CHECK_INT(nnets, fz_networks_count(n));
	for (unsigned i = 0; i < naddr; i++) {
		u128 v;
		uint8_t a[16];
		uint16_t want, got;

		switch (rnd() % 4) {
		case 0: /* anywhere */
			v = rnd_value(version);
			break;
		case 1: /* at or just outside an edge of a prefix */
		{
			const struct rprefix *q = &p[rnd() % np];
			u128 top = version == 4 ? (u128)0xffffffffu : ~(u128)0;

			switch (rnd() % 4) {
			case 0:
				v = q->lo;
				break;
			case 1:
				v = q->hi;
				break;
			case 2:
				v = q->lo ? q->lo - 1 : q->lo;
				break;
			default:
				v = q->hi != top ? q->hi + 1 : q->hi;
				break;
			}
			break;
		}
		default: /* inside a prefix */
		{
			const struct rprefix *q = &p[rnd() % np];

			v = q->lo | (rnd_value(version) & host_mask(width, q->len));
			break;
		}
		}
		bytes_of(v, version, a);
		FZ_CHECK(value_of(a, version) == v);
		want = brute(p, np, v);
		got = fz_networks_lookup(n, a, version);
		if (want != got && mismatches++ < 5) {
			char s[INET6_ADDRSTRLEN];

			inet_ntop(version == 4 ? AF_INET : AF_INET6, version == 4 ? a + 12 : a, s,
			          sizeof(s));
			fprintf(stderr, "random v%d: %s: expected %u, got %u\n", version, s, want,
			        got);
		}
	}
	FZ_CHECK_INT(0, mismatches);
	fz_networks_free(n);
	free(text);
	free(p);
}

static void test_lookup_random(void)
{
	random_family(4, 400, 37, 100000);
	random_family(6, 400, 37, 100000);
	/* Few networks, many prefixes: long runs of one id merge. */
	random_family(4, 1000, 3, 100000);
	random_family(6, 1000, 3, 100000);
}

/* The networks file's alert settings ("alerts" overrides, "ignore"): lib/baseline's keys. */
static struct fz_networks *alerts_parse(const char *text, char *err, size_t errlen)
{
	return fz_networks_parse(text, strlen(text), "n.json", err, errlen);
}

static void alerts_v4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = b0;
	a[13] = b1;
	a[14] = b2;
	a[15] = b3;
}

static void test_overrides(void)
{
	char err[512] = "";
	struct fz_networks *n = alerts_parse(
	    "{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\"], \"alerts\": "
	    "{\"k\": 4.5, \"floor\": {\"bytes_in\": 1000000, \"flows\": 7}, \"disable\": "
	    "[\"packets\", \"bytes_out\"], \"threshold_pps\": 300, \"threshold_syn\": 0}}, "
	    "{\"name\": \"b\", \"prefixes\": "
	    "[\"192.0.2.0/24\"]}]}",
	    err, sizeof(err));
	const struct fz_network_alerts *a;

	FZ_CHECK(n != NULL);
	if (n == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	a = fz_networks_alerts(n, 1);
	FZ_CHECK_DBL(4.5, a->k, 0);
	FZ_CHECK_INT(7, a->floor[0]);
	FZ_CHECK_INT(1000000, a->floor[3]);
	FZ_CHECK_INT(0, a->floor[4]);
	FZ_CHECK_INT((1u << 1) | (1u << 2) | (1u << 4), a->disabled);
	FZ_CHECK_INT(300, a->threshold[0]);
	FZ_CHECK_INT(-1, a->threshold[1]);
	FZ_CHECK_INT(0, a->threshold[2]);
	FZ_CHECK_STR("threshold_mbps", fz_networks_thresholds[1]);
	a = fz_networks_alerts(n, 2);
	FZ_CHECK_DBL(-1.0, a->k, 0);
	FZ_CHECK_INT(0, a->disabled);
	FZ_CHECK_INT(-1, a->threshold[0]);
	FZ_CHECK_INT(-1, a->threshold[2]);
	FZ_CHECK(fz_networks_alerts(n, 3) == NULL);
	FZ_CHECK(fz_networks_alerts(n, 0) == NULL);
	FZ_CHECK_INT(0, fz_networks_ignore_count(n));
	FZ_CHECK_STR("bytes_in", fz_networks_series[3]);
	fz_networks_free(n);
}

static void test_ignore(void)
{
	char err[512] = "";
	struct fz_networks *n = alerts_parse(
	    "{\"networks\": [{\"name\": \"a\", \"prefixes\": [\"192.0.2.0/24\"]}], \"ignore\": "
	    "[{\"src\": \"198.51.100.0/25\", \"dst\": \"192.0.2.0/24\"}, {\"src\": "
	    "\"2001:db8::/32\", \"dst\": \"::/0\"}]}",
	    err, sizeof(err));
	uint8_t s[16], d[16];

	FZ_CHECK(n != NULL);
	if (n == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	FZ_CHECK_INT(2, fz_networks_ignore_count(n));
	alerts_v4(s, 198, 51, 100, 127);
	alerts_v4(d, 192, 0, 2, 5);
	FZ_CHECK_INT(1, fz_networks_ignored(n, s, d, 4));
	FZ_CHECK_INT(0, fz_networks_ignored(n, d, s, 4)); /* the pair has a direction */
	alerts_v4(s, 198, 51, 100, 128);                  /* just past the /25 */
	FZ_CHECK_INT(0, fz_networks_ignored(n, s, d, 4));
	memset(s, 0, 16);
	s[0] = 0x20;
	s[1] = 0x01;
	s[2] = 0x0d;
	s[3] = 0xb8;
	FZ_CHECK_INT(1, fz_networks_ignored(n, s, d, 6));
	s[3] = 0xb9;
	FZ_CHECK_INT(0, fz_networks_ignored(n, s, d, 6));
	fz_networks_free(n);
}

static void alerts_expect_error(const char *text, const char *message)
{
	char err[512] = "";
	struct fz_networks *n;

	errno = 0;
	n = alerts_parse(text, err, sizeof(err));
	FZ_CHECK(n == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	FZ_CHECK_STR(message, err);
	fz_networks_free(n);
}

#define ALERTS_NET_A "{\"name\": \"a\", \"prefixes\": [\"10.0.0.0/8\"]"

static void test_alert_errors(void)
{
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"k\": 1001}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": \"k\" must be a number from 0 to "
	    "1000");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"sigma\": 1}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": unknown key 'sigma' (expected "
	    "\"k\", \"floor\", \"disable\", \"threshold_pps\", \"threshold_mbps\", "
	    "\"threshold_syn\")");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"threshold_pps\": -1}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": \"threshold_pps\" must be an integer "
	    ">= 0 (0: off)");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"threshold_syn\": \"5\"}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": \"threshold_syn\" must be an integer "
	    ">= 0 (0: off)");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"floor\": {\"bytes\": 1}}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": \"floor\": unknown series 'bytes' "
	    "(expected flows, packets_in, packets_out, bytes_in, bytes_out)");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"floor\": {\"flows\": 1.5}}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": \"floor\": \"flows\" must be an "
	    "integer >= 0");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": {\"disable\": [\"syn\"]}}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": \"disable\"[0] must be one of flows, "
	    "packets, bytes, packets_in, packets_out, bytes_in, bytes_out");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A ", \"alerts\": 3}]}",
	    "n.json: networks[0] (\"a\"): \"alerts\": expected an object {\"k\": ..., "
	    "\"floor\": {...}, \"disable\": [...], \"threshold_pps\": N, ...}");
	alerts_expect_error("{\"networks\": [" ALERTS_NET_A "}], \"ignore\": {}}",
	                    "n.json: \"ignore\" must be an array of {\"src\": ..., \"dst\": ...}");
	alerts_expect_error("{\"networks\": [" ALERTS_NET_A
	                    "}], \"ignore\": [{\"src\": \"10.0.0.0/8\"}]}",
	                    "n.json: ignore[0]: \"dst\" must be a prefix string");
	alerts_expect_error(
	    "{\"networks\": [" ALERTS_NET_A "}], \"ignore\": [{\"src\": \"10.0.0.1/8\", "
	    "\"dst\": \"::/0\"}]}",
	    "n.json: ignore[0]: \"src\": prefix \"10.0.0.1/8\": host bits are set (the "
	    "network is 10.0.0.0/8 with them zero)");
	alerts_expect_error("{\"networks\": [" ALERTS_NET_A
	                    "}], \"ignore\": [{\"src\": \"10.0.0.0/8\", "
	                    "\"dst\": \"::/0\"}]}",
	                    "n.json: ignore[0]: \"src\" and \"dst\" must be of one address family");
	alerts_expect_error("{\"networks\": [" ALERTS_NET_A
	                    "}], \"ignore\": [{\"src\": \"10.0.0.0/8\", "
	                    "\"dst\": \"10.0.0.0/8\", \"port\": 1}]}",
	                    "n.json: ignore[0]: unknown key 'port' (expected \"src\", \"dst\")");
	alerts_expect_error("{\"networks\": [" ALERTS_NET_A "}], \"colour\": 1}",
	                    "n.json: unknown key 'colour' (expected \"networks\", \"ignore\")");
}

int main(void)
{
	FZ_RUN(test_prefix_ok);
	FZ_RUN(test_prefix_errors);
	FZ_RUN(test_file_errors);
	FZ_RUN(test_file_limits);
	FZ_RUN(test_file_load);
	FZ_RUN(test_lookup_v4_nested);
	FZ_RUN(test_lookup_v6_nested);
	FZ_RUN(test_lookup_defaults);
	FZ_RUN(test_lookup_random);
	FZ_RUN(test_overrides);
	FZ_RUN(test_ignore);
	FZ_RUN(test_alert_errors);
	return fz_test_summary();
}
