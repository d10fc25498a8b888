/* l7_pcap's capture reader: its own small parser and a bidirectional flow table (l7_pcap.h). */
#include <arpa/inet.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "l7_pcap.h"

struct flow table[TABLE_SIZE];
unsigned order[TABLE_SIZE];
unsigned n_flows;

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

void print_addr(const struct key *k, int end)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(k->v6 ? AF_INET6 : AF_INET, k->addr[end], buf, sizeof(buf));
	printf("\"%s\"", buf);
}

/* Read one capture into the (cleared) flow table, calling fn per packet. */
int read_file(const char *path, packet_fn fn, void *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int dlt;

	if (pc == NULL) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	memset(table, 0, sizeof(table));
	n_flows = 0;
	while (pcap_next_ex(pc, &h, &data) == 1) {
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
		fn(ctx, f, dir, &pk);
	}
	pcap_close(pc);
	return 0;
}
