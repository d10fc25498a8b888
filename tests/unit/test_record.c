/* Flow record encoding: exact JSON text, IPv6 addresses, zoo fields, errors. */
#include <errno.h>
#include <string.h>

#include "fz_record.h"
#include "fz_test.h"

static const char *const apps[] = {"unknown", "http", "tls"};

static struct fz_flow_rec v4_rec(void)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.key.addr[0][10] = r.key.addr[0][11] = 0xff;
	r.key.addr[1][10] = r.key.addr[1][11] = 0xff;
	memcpy(&r.key.addr[0][12], "\xc0\xa8\x01\x0d", 4); /* 192.168.1.13 */
	memcpy(&r.key.addr[1][12], "\xb2\x3e\xc5\x82", 4); /* 178.62.197.130 */
	r.key.port[0] = 55523;
	r.key.port[1] = 443;
	r.key.vlan[0] = 100;
	r.key.vlan[1] = 7;
	r.key.proto = 6;
	r.key.ip_version = 4;
	r.flow_id = (1ULL << 48) | 42;
	r.first_us = 1700000000123456ULL;
	r.last_us = 1700000002623457ULL;
	r.packets[0] = 51;
	r.packets[1] = 58;
	r.bytes[0] = 3000;
	r.bytes[1] = 69456;
	r.tcp_flags[0] = 0x1b;
	r.tcp_flags[1] = 0x1a;
	r.end_reason = FZ_END_TCP_END;
	r.app = 2;
	r.worker = 1;
	return r;
}

static void test_flow_v4(void)
{
	struct fz_record_ctx ctx = {.collector = "zoo-1", .app_names = apps, .n_apps = 3};
	struct fz_record_enc *enc = fz_record_enc_create(&ctx);
	struct fz_flow_rec r = v4_rec();
	char buf[2048];
	int n;

	FZ_CHECK(enc != NULL);
	n = fz_record_flow_json(enc, &r, NULL, buf, sizeof(buf));
	FZ_CHECK_STR("{\"type\":\"flow\",\"collector\":\"zoo-1\",\"flow_id\":281474976710698,"
	             "\"worker\":1,\"vlan\":100,\"vlan_inner\":7,\"ip_version\":4,\"ip_proto\":6,"
	             "\"src_ip\":\"192.168.1.13\",\"src_port\":55523,\"dst_ip\":\"178.62.197.130\","
	             "\"dst_port\":443,\"first_ms\":1700000000123,\"last_ms\":1700000002623,"
	             "\"duration_s\":2.500001,\"packets\":109,\"bytes\":72456,\"packets_fwd\":51,"
	             "\"bytes_fwd\":3000,\"packets_rev\":58,\"bytes_rev\":69456,"
	             "\"tcp_flags_fwd\":27,\"tcp_flags_rev\":26,\"end_reason\":\"tcp_end\","
	             "\"app\":\"tls\"}",
	             buf);
	FZ_CHECK_INT((int)strlen(buf), n);

	/* The same encoder again: values replaced, nothing left over. */
	r.app = 9; /* out of range: unknown */
	r.end_reason = FZ_END_EVICTED;
	r.first_us = r.last_us;
	n = fz_record_flow_json(enc, &r, NULL, buf, sizeof(buf));
	FZ_CHECK(n > 0);
	FZ_CHECK(strstr(buf, "\"duration_s\":0.0,") != NULL);
	FZ_CHECK(strstr(buf, "\"end_reason\":\"evicted\",\"app\":\"unknown\"}") != NULL);

	FZ_CHECK_INT(-ENOSPC, fz_record_flow_json(enc, &r, NULL, buf, 100));
	fz_record_enc_free(enc);
}

static void test_zoo_and_v6(void)
{
	struct fz_record_ctx ctx = {
	    .collector = "c", .app_names = apps, .n_apps = 3, .schema_version = 1};
	struct fz_record_enc *enc = fz_record_enc_create(&ctx);
	struct fz_flow_rec r = v4_rec();
	struct fz_zoo_result z = {.size_class = 1,
	                          .duration_class = 0,
	                          .rate_class = FZ_ZOO_NULL,
	                          .size_mean = 15000,
	                          .duration_mean = 4,
	                          .rate_mean = 500000};
	char buf[2048];

	memset(r.key.addr, 0, sizeof(r.key.addr));
	r.key.addr[0][0] = 0x20;
	r.key.addr[0][1] = 0x01;
	r.key.addr[0][2] = 0x0d;
	r.key.addr[0][3] = 0xb8;
	r.key.addr[0][15] = 1;
	r.key.addr[1][15] = 1; /* ::1 */
	r.key.ip_version = 6;
	FZ_CHECK(fz_record_flow_json(enc, &r, &z, buf, sizeof(buf)) > 0);
	FZ_CHECK(strncmp(buf, "{\"type\":\"flow\",\"schema_version\":1,\"collector\":\"c\"", 48) ==
	         0);
	FZ_CHECK(strstr(buf, "\"src_ip\":\"2001:db8::1\"") != NULL);
	FZ_CHECK(strstr(buf, "\"dst_ip\":\"::1\"") != NULL);
	FZ_CHECK(strstr(buf, "\"size_class\":\"elephant\",\"duration_class\":\"dragonfly\","
	                     "\"rate_class\":null,\"size_mean\":15000.0,\"duration_mean\":4.0,"
	                     "\"rate_mean\":500000.0}") != NULL);
	z.rate_class = 1;
	z.size_class = 0;
	z.duration_class = 1;
	z.rate_mean = 1234.5;
	FZ_CHECK(fz_record_flow_json(enc, &r, &z, buf, sizeof(buf)) > 0);
	FZ_CHECK(strstr(buf,
	                "\"size_class\":\"mouse\",\"duration_class\":\"tortoise\","
	                "\"rate_class\":\"cheetah\",\"size_mean\":15000.0,\"duration_mean\":4.0,"
	                "\"rate_mean\":1234.5}") != NULL);
	fz_record_enc_free(enc);
}

static void test_addr_str(void)
{
	struct fz_flow_rec r = v4_rec();
	char buf[64];

	fz_record_addr_str(&r.key, 1, buf, sizeof(buf));
	FZ_CHECK_STR("178.62.197.130", buf);
}

int main(void)
{
	FZ_RUN(test_flow_v4);
	FZ_RUN(test_zoo_and_v6);
	FZ_RUN(test_addr_str);
	return fz_test_summary();
}
