/*
 * l7_pcap: an offline harness for the signatures. Reads captures with
 * libpcap, groups packets into bidirectional flows (VLAN, IP protocol, both
 * address/port ends; the initiator sends the first packet seen), runs
 * fz_l7_scan on each packet's payload exactly as a worker does, and prints
 * one JSON line per flow with the same field names as flowzoo's flow records
 * (app, src_ip, src_port, dst_ip, dst_port, ip_proto, vlan, packets), so
 * scripts/accuracy.py reads either. It is a test tool, not part of the app:
 * it keeps its own small parser so signatures can be tuned without DPDK.
 *
 *   l7_pcap SIGS FILE.pcap... > flows.jsonl
 *   l7_pcap --bench ROUNDS SIGS FILE.pcap...    (block vs streaming mode, docs/l7.md)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_l7.h"
#include "l7_pcap.h"

struct classify_ctx {
	const struct fz_l7 *l7;
	struct fz_l7_scratch *s;
};

/* What a worker does: scan payload packets until the flow is done. */
static void classify_packet(void *arg, struct flow *f, unsigned dir, const struct pkt *pk)
{
	struct classify_ctx *c = arg;

	if (pk->len && !f->l7.done)
		fz_l7_scan(c->l7, c->s, &f->l7, dir, pk->key.proto, pk->key.port[0],
		           pk->key.port[1], pk->payload, pk->len);
}

static int classify_file(const char *path, const struct fz_l7 *l7, struct fz_l7_scratch *s)
{
	struct classify_ctx c = {l7, s};
	unsigned i;

	if (read_file(path, classify_packet, &c) < 0)
		return -1;
	for (i = 0; i < n_flows; i++) {
		const struct flow *f = &table[order[i]];

		printf("{\"type\":\"flow\",\"file\":\"%s\",\"app\":\"%s\",\"src_ip\":",
		       strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
		       fz_l7_app_names(l7)[f->l7.app]);
		print_addr(&f->key, 0);
		printf(",\"src_port\":%u,\"dst_ip\":", f->key.port[0]);
		print_addr(&f->key, 1);
		printf(",\"dst_port\":%u,\"ip_proto\":%u,\"vlan\":%u,\"packets\":%llu}\n",
		       f->key.port[1], f->key.proto, f->key.vlan, (unsigned long long)f->packets);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fz_l7_conf conf = {0};
	struct fz_l7_scratch *s;
	struct fz_l7 *l7;
	char err[512];
	int i, rc = 0;

	if (argc >= 5 && strcmp(argv[1], "--bench") == 0)
		return run_bench(argv[3], argv + 4, argc - 4, (unsigned)atoi(argv[2]));
	if (argc < 3) {
		fprintf(stderr,
		        "usage: %s SIGNATURES FILE.pcap...\n"
		        "       %s --bench ROUNDS SIGNATURES FILE.pcap...\n",
		        argv[0], argv[0]);
		return 2;
	}
	conf.sig_path = argv[1];
	l7 = fz_l7_create(&conf, err, sizeof(err));
	if (l7 == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	s = fz_l7_scratch_create(l7);
	if (s == NULL) {
		fprintf(stderr, "cannot allocate scratch\n");
		fz_l7_free(l7);
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (classify_file(argv[i], l7, s) < 0)
			rc = 1;
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
	return rc;
}
