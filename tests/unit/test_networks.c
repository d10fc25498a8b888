/*
 * Unit tests of lib/networks: prefix parsing, the networks file's errors
 * (exact messages), and the longest-prefix lookup at every edge of nested
 * prefixes. The lookup against a brute-force longest-prefix match is
 * test_networks_random.c, the file's alert settings test_networks_alerts.c.
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
	return fz_test_summary();
}
