/*
 * IPFIX encoder benchmark: flow records per CPU second of the calling
 * thread (the stats lcore's cost), for the JSON encoder (as the JSON-lines
 * and Kafka exporters pay it), flowzoo's direct IPFIX encoder, and, built
 * with libfixbuf, CERT's library doing the same work (a C struct filled
 * from the record, transcoded by fBufAppend). Every finished message is
 * written to /dev/null through stdio in both IPFIX phases.
 *
 *   bench_ipfix [-n RECORDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fz_record.h"
#include "ipfix_enc.h"
#ifdef FZ_HAVE_FIXBUF
#include <fixbuf/public.h>
#endif

static const char *const apps[] = {"unknown", "http", "tls", "ssh", "dns"};

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Synthetic IPv4 flows: clients spread over 64 K addresses, as in bench_kafka. */
static void make_flow(struct fz_flow_rec *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->key.ip_version = 4;
	r->key.proto = i % 5 ? 6 : 17;
	r->key.addr[0][10] = r->key.addr[0][11] = r->key.addr[1][10] = r->key.addr[1][11] = 0xff;
	r->key.addr[0][12] = 10;
	r->key.addr[0][14] = (uint8_t)(i >> 8);
	r->key.addr[0][15] = (uint8_t)i;
	r->key.addr[1][12] = 192;
	r->key.addr[1][13] = 0;
	r->key.addr[1][14] = 2;
	r->key.addr[1][15] = (uint8_t)(i % 7);
	r->key.port[0] = (uint16_t)(1024 + i % 60000);
	r->key.port[1] = 443;
	r->flow_id = i;
	r->first_us = 1700000000000000ull + i * 1000;
	r->last_us = r->first_us + 1500000 + i % 1000;
	r->packets[0] = 10 + i % 50;
	r->packets[1] = 12 + i % 70;
	r->bytes[0] = 1000 + i % 5000;
	r->bytes[1] = 50000 + i % 90000;
	r->tcp_flags[0] = 0x1b;
	r->tcp_flags[1] = 0x1a;
	r->end_reason = FZ_END_TCP_END;
	r->app = (uint8_t)(i % 5);
}

static const struct fz_zoo_result zoo = {1, 0, 1, 15000.0, 4.0, 500000.0};

static double bench_json(uint64_t n)
{
	struct fz_record_ctx ctx = {.collector = "bench",
	                            .app_names = apps,
	                            .n_apps = 5,
	                            .schema_version = FZ_SCHEMA_VERSION};
	struct fz_record_enc *enc = fz_record_enc_create(&ctx);
	static char buf[2048];
	struct fz_flow_rec r;
	uint64_t bytes = 0;
	double t0 = cpu_s();

	for (uint64_t i = 0; i < n; i++) {
		make_flow(&r, i);
		bytes += (uint64_t)fz_record_flow_json(enc, &r, &zoo, buf, sizeof(buf));
	}
	t0 = cpu_s() - t0;
	printf("json    %9.0f records per CPU second (%.0f bytes a record)\n", n / t0,
	       (double)bytes / n);
	fz_record_enc_free(enc);
	return t0;
}

static double bench_direct(uint64_t n, FILE *out)
{
	struct fz_ipfix_enc_conf c = {
	    .biflow = 1, .domain = 1, .pen = 32473, .app_names = apps, .n_apps = 5};
	struct fz_ipfix_enc *enc = fz_ipfix_enc_create(&c);
	static uint8_t buf[1400];
	struct fz_ipfix_rec rec[2];
	struct fz_ipfix_msg m;
	struct fz_flow_rec r;
	uint32_t seq = 0;
	uint64_t msgs = 0;
	double t0 = cpu_s();

	fz_ipfix_msg_init(&m, buf, sizeof(buf));
	for (uint64_t i = 0; i < n; i++) {
		make_flow(&r, i);
		fz_ipfix_enc_flow(enc, &r, &zoo, rec);
		if (fz_ipfix_msg_add(&m, &rec[0]) != 0) {
			fwrite(buf, 1, fz_ipfix_msg_finish(&m, 1, seq, 1), out);
			seq += m.n_data;
			msgs++;
			fz_ipfix_msg_init(&m, buf, sizeof(buf));
			fz_ipfix_msg_add(&m, &rec[0]);
		}
	}
	fwrite(buf, 1, fz_ipfix_msg_finish(&m, 1, seq, 1), out);
	t0 = cpu_s() - t0;
	printf("direct  %9.0f records per CPU second (%.0f records a 1400-byte message)\n", n / t0,
	       (double)n / (msgs + 1));
	fz_ipfix_enc_free(enc);
	return t0;
}

#ifdef FZ_HAVE_FIXBUF
/* The same fields as flowzoo's biflow IPv4 template, in wire order and length. */
struct __attribute__((packed)) fb_rec {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint8_t proto, ipver;
	uint16_t vlan, cvlan;
	uint64_t start, end, pkts, octs, rpkts, rocts;
	uint8_t rflags, flags, reason;
	uint8_t appid[3];
	uint64_t flow_id;
	uint8_t zsize, zdur, zrate;
};

static fbInfoElement_t zoo_ies[] = {
    FB_IE_INIT_FULL("flowzooSizeClass", 32473, 1, 1, FB_IE_F_ENDIAN, 0, 0, FB_UINT_8, NULL),
    FB_IE_INIT_FULL("flowzooDurationClass", 32473, 2, 1, FB_IE_F_ENDIAN, 0, 0, FB_UINT_8, NULL),
    FB_IE_INIT_FULL("flowzooRateClass", 32473, 3, 1, FB_IE_F_ENDIAN, 0, 0, FB_UINT_8, NULL),
    FB_IE_NULL};

static fbInfoElementSpec_t spec[] = {{"sourceIPv4Address", 4, 0},
                                     {"destinationIPv4Address", 4, 0},
                                     {"sourceTransportPort", 2, 0},
                                     {"destinationTransportPort", 2, 0},
                                     {"protocolIdentifier", 1, 0},
                                     {"ipVersion", 1, 0},
                                     {"vlanId", 2, 0},
                                     {"dot1qCustomerVlanId", 2, 0},
                                     {"flowStartMilliseconds", 8, 0},
                                     {"flowEndMilliseconds", 8, 0},
                                     {"packetDeltaCount", 8, 0},
                                     {"octetDeltaCount", 8, 0},
                                     {"reversePacketDeltaCount", 8, 0},
                                     {"reverseOctetDeltaCount", 8, 0},
                                     {"reverseTcpControlBits", 1, 0},
                                     {"tcpControlBits", 1, 0},
                                     {"flowEndReason", 1, 0},
                                     {"applicationId", 3, 0},
                                     {"flowId", 8, 0},
                                     {"flowzooSizeClass", 1, 0},
                                     {"flowzooDurationClass", 1, 0},
                                     {"flowzooRateClass", 1, 0},
                                     FB_IESPEC_NULL};

static double bench_fixbuf(uint64_t n)
{
	fbInfoModel_t *model = fbInfoModelAlloc();
	fbTemplate_t *tmpl;
	fbSession_t *session;
	fbExporter_t *exp;
	fBuf_t *fbuf;
	GError *err = NULL;
	struct fz_flow_rec r;
	struct fb_rec x;
	double t0;

	fbInfoModelAddElementArray(model, zoo_ies);
	tmpl = fbTemplateAlloc(model);
	if (!fbTemplateAppendSpecArray(tmpl, spec, 0xffffffff, &err)) {
		fprintf(stderr, "libfixbuf: %s\n", err->message);
		return 0;
	}
	session = fbSessionAlloc(model);
	fbSessionAddTemplate(session, TRUE, 256, tmpl, &err);
	fbSessionAddTemplate(session, FALSE, 256, tmpl, &err);
	exp = fbExporterAllocFile("/dev/null");
	fbuf = fBufAllocForExport(session, exp);
	fbSessionExportTemplates(session, &err);
	fBufSetInternalTemplate(fbuf, 256, &err);
	fBufSetExportTemplate(fbuf, 256, &err);
	t0 = cpu_s();
	for (uint64_t i = 0; i < n; i++) {
		make_flow(&r, i);
		memcpy(&x.sip, r.key.addr[0] + 12, 4);
		memcpy(&x.dip, r.key.addr[1] + 12, 4);
		x.sip = __builtin_bswap32(x.sip); /* libfixbuf takes addresses in host order */
		x.dip = __builtin_bswap32(x.dip);
		x.sport = r.key.port[0];
		x.dport = r.key.port[1];
		x.proto = r.key.proto;
		x.ipver = r.key.ip_version;
		x.vlan = r.key.vlan[0];
		x.cvlan = r.key.vlan[1];
		x.start = r.first_us / 1000;
		x.end = r.last_us / 1000;
		x.pkts = r.packets[0];
		x.octs = r.bytes[0];
		x.rpkts = r.packets[1];
		x.rocts = r.bytes[1];
		x.rflags = r.tcp_flags[1];
		x.flags = r.tcp_flags[0];
		x.reason = fz_ipfix_end_reason(r.end_reason);
		x.appid[0] = 6;
		x.appid[1] = 0;
		x.appid[2] = r.app;
		x.flow_id = r.flow_id;
		x.zsize = 1;
		x.zdur = 0;
		x.zrate = 1;
		if (!fBufAppend(fbuf, (uint8_t *)&x, sizeof(x), &err)) {
			fprintf(stderr, "libfixbuf: %s\n", err->message);
			return 0;
		}
	}
	fBufEmit(fbuf, &err);
	t0 = cpu_s() - t0;
	printf("fixbuf  %9.0f records per CPU second (its file exporter: messages up to 64 KiB)\n",
	       n / t0);
	fBufFree(fbuf);
	fbInfoModelFree(model);
	return t0;
}
#endif

int main(int argc, char **argv)
{
	uint64_t n = 2000000;
	FILE *null = fopen("/dev/null", "w");
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1)
		if (opt == 'n')
			n = strtoull(optarg, NULL, 10);
	if (null == NULL || n == 0)
		return 2;
	setvbuf(null, NULL, _IOFBF, 1 << 20);
	bench_json(n);
	bench_direct(n, null);
#ifdef FZ_HAVE_FIXBUF
	bench_fixbuf(n);
#else
	printf("fixbuf  not built (libfixbuf-dev missing)\n");
#endif
	fclose(null);
	return 0;
}
