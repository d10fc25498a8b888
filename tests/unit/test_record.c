/* Flow record encoding: exact JSON text, IPv6 addresses, zoo fields, errors;
 * the flow key as text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fz_record.h"
#include "fz_test.h"
#include "record_ref.h"

static const char *const apps[] = {"unknown", "http", "tls"};

static struct fz_flow_rec v4_rec(void)
{
	return ref_example_flow();
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
	             "\"dst_port\":443,\"src_network\":null,\"dst_network\":null,\"first_ms\":"
	             "1700000000123,\"last_ms\":1700000002623,"
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

static void v4(struct fz_flow_key *k, int end, uint32_t a, uint16_t port)
{
	memset(k->addr[end], 0, 16);
	k->addr[end][10] = k->addr[end][11] = 0xff;
	k->addr[end][12] = (uint8_t)(a >> 24);
	k->addr[end][13] = (uint8_t)(a >> 16);
	k->addr[end][14] = (uint8_t)(a >> 8);
	k->addr[end][15] = (uint8_t)a;
	k->port[end] = port;
}

/* The flow key as text: the lower end first, whichever end started the flow. */
static void test_flow_key_text(void)
{
	struct fz_flow_key k = {0}, r = {0};
	char a[128], b[128];

	k.ip_version = r.ip_version = 4;
	k.proto = r.proto = 6;
	k.vlan[0] = r.vlan[0] = 10;
	v4(&k, 0, 0xc0a80002, 51000); /* 192.168.0.2 */
	v4(&k, 1, 0x0a000001, 443);   /* 10.0.0.1 */
	v4(&r, 0, 0x0a000001, 443);
	v4(&r, 1, 0xc0a80002, 51000);
	FZ_CHECK_INT(37, fz_record_flow_key_text(&k, a, sizeof(a)));
	FZ_CHECK_STR("10.0/6/10.0.0.1/443/192.168.0.2/51000", a);
	/* The same flow key started from the other end: the same text. */
	FZ_CHECK_INT(37, fz_record_flow_key_text(&r, b, sizeof(b)));
	FZ_CHECK_STR(a, b);
	/* Same addresses: the port decides. */
	v4(&k, 0, 0x0a000001, 5353);
	v4(&k, 1, 0x0a000001, 53);
	fz_record_flow_key_text(&k, a, sizeof(a));
	FZ_CHECK_STR("10.0/6/10.0.0.1/53/10.0.0.1/5353", a);
	FZ_CHECK_INT(-ENOSPC, fz_record_flow_key_text(&k, a, 10));
	k.ip_version = 6;
	memset(k.addr[0], 0, 16);
	k.addr[0][0] = 0x20;
	k.addr[0][1] = 0x01;
	k.addr[0][15] = 1;
	fz_record_flow_key_text(&k, a, sizeof(a));
	FZ_CHECK_STR("10.0/6/::ffff:10.0.0.1/53/2001::1/5353", a);
	k.vlan[0] = 4095;
	k.vlan[1] = 65535;
	k.proto = 255;
	k.port[0] = 65535;
	memset(k.addr[1], 0xff, 16);
	FZ_CHECK_INT(71, fz_record_flow_key_text(&k, a, sizeof(a)));
	FZ_CHECK_STR("4095.65535/255/2001::1/65535/"
	             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/53",
	             a);
}

/* n random records encode to the same bytes as the jansson reference. */
static void vs_jansson(const struct fz_record_ctx *c, int n)
{
	struct fz_record_ctx ctx = *c;
	struct fz_record_enc *enc = fz_record_enc_create(&ctx);
	struct ref_enc *ref = ref_enc_create(&ctx);
	char want[2048], got[2048];
	unsigned bad = 0;

	FZ_CHECK(enc != NULL && ref != NULL);
	srand(11);
	for (int i = 0; i < n; i++) {
		struct fz_flow_rec r;
		struct fz_zoo_result z;
		uint8_t *b = (uint8_t *)&r;
		int nw, ng;

		for (size_t k = 0; k < sizeof(r); k++)
			b[k] = (uint8_t)rand();
		r.key.ip_version = (i & 1) ? 4 : 6;
		r.end_reason %= FZ_END__COUNT + 1;
		r.app %= 4;
		r.net[0] %= 4; /* 3: beyond the names, written as null */
		r.net[1] %= 4;
		/* jansson's integers are signed: keep counters below 2^63 */
		r.flow_id >>= 1 + i % 40;
		r.first_us >>= 1 + i % 30;
		r.last_us = r.first_us + ((i % 3) ? (uint64_t)rand() * (uint64_t)(i % 7) : 0);
		for (int d = 0; d < 2; d++) {
			r.packets[d] >>= 2 + i % 50;
			r.bytes[d] >>= 2 + i % 40;
		}
		z.size_class = (int8_t)(rand() % 2);
		z.duration_class = (int8_t)(rand() % 2);
		z.rate_class = (int8_t)(rand() % 3 - 1);
		z.size_mean = (double)rand() / (1 + rand() % 977);
		z.duration_mean = (double)(rand() % 100000) / 1e6;
		z.rate_mean = (double)rand() * (double)rand() / (1 + rand() % 13);
		nw = ref_flow_json(ref, &r, (i % 5) ? &z : NULL, want, sizeof(want));
		ng = fz_record_flow_json(enc, &r, (i % 5) ? &z : NULL, got, sizeof(got));
		if ((nw != ng || strcmp(want, got) != 0) && bad++ < 3)
			FZ_CHECK_STR(want, got);
		/* the reference keeps zoo fields once set: give it a fresh start */
		if (i % 5 == 4) {
			ref_enc_free(ref);
			ref = ref_enc_create(&ctx);
		}
	}
	FZ_CHECK_INT(0, (int)bad);
	ref_enc_free(ref);
	fz_record_enc_free(enc);
}

static void test_flow_vs_jansson(void)
{
	static const char *const names[] = {"unknown", "http", "we\"ird\\app\x01"};
	static const char *const nets[] = {"campus", "d\"orm\\s\x02"};
	struct fz_record_ctx ctx = {.collector = "zoo \"one\"\t\xc3\xa9",
	                            .app_names = names,
	                            .n_apps = 3,
	                            .schema_version = 2,
	                            .net_names = nets,
	                            .n_nets = 2};

	vs_jansson(&ctx, 50000);
}

/* Texts longer than the encoder's fixed copy (64 bytes) are copied whole. */
static void test_long_names_vs_jansson(void)
{
	static const char *const names[] = {
	    "unknown", "an-application-with-a-name-far-longer-than-sixty-four-bytes-of-text", "x"};
	static const char *const nets[] = {
	    "a-network-whose-name-is-well-over-sixty-four-bytes-long-in-its-json-text", "n"};
	struct fz_record_ctx ctx = {
	    .collector = "a-collector-id-that-is-longer-than-the-sixty-four-bytes-of-a-fixed-copy",
	    .app_names = names,
	    .n_apps = 3,
	    .schema_version = 1,
	    .net_names = nets,
	    .n_nets = 2};

	vs_jansson(&ctx, 5000);
}

int main(void)
{
	FZ_RUN(test_flow_v4);
	FZ_RUN(test_zoo_and_v6);
	FZ_RUN(test_addr_str);
	FZ_RUN(test_flow_key_text);
	FZ_RUN(test_flow_vs_jansson);
	FZ_RUN(test_long_names_vs_jansson);
	return fz_test_summary();
}
