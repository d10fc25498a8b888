/*
 * Unit tests of lib/networks: the networks file's alert settings ("alerts"
 * overrides and "ignore", lib/baseline's keys) and their errors (exact
 * messages). The rest of lib/networks is test_networks.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fz_networks.h"
#include "fz_test.h"

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
	FZ_RUN(test_overrides);
	FZ_RUN(test_ignore);
	FZ_RUN(test_alert_errors);
	return fz_test_summary();
}
