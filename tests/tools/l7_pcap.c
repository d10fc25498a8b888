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
 */
#include <arpa/inet.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_l7.h"

#define TABLE_SIZE (1u << 16)

struct key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan;
	uint8_t proto;
	uint8_t v6;
};

struct flow {
	struct key key; /* end 0 = initiator */
	uint64_t packets;
	struct fz_l7_flow l7;
	int used;
};

struct pkt {
	struct key key; /* end 0 = sender */
	const uint8_t *payload;
	uint32_t len;
	int ok;
};

static struct flow table[TABLE_SIZE];
static unsigned order[TABLE_SIZE];
static unsigned n_flows;

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void parse_l4(struct pkt *pk, const uint8_t *p, uint32_t len, uint8_t proto, int first_frag)
{
	pk->key.proto = proto;
	pk->ok = 1;
	if (!first_frag)
		return;
	if (proto == 6 && len >= 20) {
		uint32_t off = (uint32_t)(p[12] >> 4) * 4;

		pk->key.port[0] = rd16(p);
		pk->key.port[1] = rd16(p + 2);
		if (off >= 20 && off <= len) {
			pk->payload = p + off;
			pk->len = len - off;
		}
	} else if (proto == 17 && len >= 8) {
		pk->key.port[0] = rd16(p);
		pk->key.port[1] = rd16(p + 2);
		pk->payload = p + 8;
		pk->len = len - 8;
	}
}

static void parse_ip(struct pkt *pk, const uint8_t *p, uint32_t len)
{
	if (len >= 20 && (p[0] >> 4) == 4) {
		uint32_t hl = (uint32_t)(p[0] & 15) * 4, tot = rd16(p + 2);
		uint16_t frag = rd16(p + 6);

		if (hl < 20 || tot < hl)
			return;
		if (tot < len)
			len = tot;
		if (len < hl)
			return;
		memset(pk->key.addr, 0, sizeof(pk->key.addr));
		memcpy(pk->key.addr[0], p + 12, 4);
		memcpy(pk->key.addr[1], p + 16, 4);
		parse_l4(pk, p + hl, len - hl, p[9], (frag & 0x1fff) == 0);
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		uint32_t off = 40, plen = rd16(p + 4);
		uint8_t nh = p[6];
		int first = 1;

		if (plen + 40 < len)
			len = plen + 40;
		pk->key.v6 = 1;
		memcpy(pk->key.addr[0], p + 8, 16);
		memcpy(pk->key.addr[1], p + 24, 16);
		while ((nh == 0 || nh == 43 || nh == 60 || nh == 44) && off + 8 <= len) {
			if (nh == 44) {
				first = (rd16(p + off + 2) & 0xfff8) == 0;
				nh = p[off];
				off += 8;
			} else {
				nh = p[off];
				off += (uint32_t)(p[off + 1] + 1) * 8;
			}
		}
		if (off > len)
			return;
		parse_l4(pk, p + off, len - off, nh, first);
	}
}

static void parse_frame(struct pkt *pk, int dlt, const uint8_t *p, uint32_t len)
{
	uint16_t type;
	uint32_t off;

	memset(pk, 0, sizeof(*pk));
	if (dlt == DLT_RAW || dlt == 228 /* IPV4 */ || dlt == 229 /* IPV6 */) {
		parse_ip(pk, p, len);
		return;
	}
	if (dlt == DLT_LINUX_SLL) {
		if (len < 16)
			return;
		type = rd16(p + 14);
		off = 16;
	} else {
		if (len < 14)
			return;
		type = rd16(p + 12);
		off = 14;
	}
	/* Like nDPI, a QinQ flow is keyed by its innermost VLAN id. */
	while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 4 <= len) {
		pk->key.vlan = rd16(p + off) & 0xfff;
		type = rd16(p + off + 2);
		off += 4;
	}
	/* PPPoE session: 6-byte header, then the PPP protocol (0x21 IPv4, 0x57 IPv6). */
	if (type == 0x8864 && off + 8 <= len) {
		uint16_t ppp = rd16(p + off + 6);

		type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
		off += 8;
	}
	if (type == 0x0800 || type == 0x86dd)
		parse_ip(pk, p + off, len - off);
}

static unsigned hash_key(const struct key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* Key with the ends sorted, so both directions hash alike. */
static void canon(const struct key *k, struct key *c, int *swapped)
{
	int cmp = memcmp(k->addr[0], k->addr[1], 16);

	*c = *k;
	*swapped = cmp > 0 || (cmp == 0 && k->port[0] > k->port[1]);
	if (*swapped) {
		memcpy(c->addr[0], k->addr[1], 16);
		memcpy(c->addr[1], k->addr[0], 16);
		c->port[0] = k->port[1];
		c->port[1] = k->port[0];
	}
}

static struct flow *lookup(const struct key *k, unsigned *dir)
{
	struct key c, fc;
	int sw, fsw;
	unsigned h;

	canon(k, &c, &sw);
	for (h = hash_key(&c) & (TABLE_SIZE - 1);; h = (h + 1) & (TABLE_SIZE - 1)) {
		struct flow *f = &table[h];

		if (!f->used) {
			if (n_flows >= TABLE_SIZE / 2)
				return NULL;
			f->used = 1;
			f->key = *k;
			order[n_flows++] = h;
			*dir = 0;
			return f;
		}
		canon(&f->key, &fc, &fsw);
		if (memcmp(&fc, &c, sizeof(c)) == 0) {
			*dir = fsw == sw ? 0 : 1;
			return f;
		}
	}
}

static void print_addr(const struct key *k, int end)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(k->v6 ? AF_INET6 : AF_INET, k->addr[end], buf, sizeof(buf));
	printf("\"%s\"", buf);
}

static int read_file(const char *path, const struct fz_l7 *l7, struct fz_l7_scratch *s)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int dlt, rc;
	unsigned i;

	if (pc == NULL) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	memset(table, 0, sizeof(table));
	n_flows = 0;
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct pkt pk;
		struct flow *f;
		unsigned dir;

		parse_frame(&pk, dlt, data, h->caplen);
		if (!pk.ok || (pk.key.proto != 6 && pk.key.proto != 17))
			continue;
		f = lookup(&pk.key, &dir);
		if (f == NULL)
			continue;
		f->packets++;
		if (pk.len && !f->l7.done)
			fz_l7_scan(l7, s, &f->l7, dir, pk.key.proto, pk.key.port[0], pk.key.port[1],
			           pk.payload, pk.len);
	}
	pcap_close(pc);
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

	if (argc < 3) {
		fprintf(stderr, "usage: %s SIGNATURES FILE.pcap...\n", argv[0]);
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
		if (read_file(argv[i], l7, s) < 0)
			rc = 1;
	fz_l7_scratch_free(s);
	fz_l7_free(l7);
	return rc;
}
