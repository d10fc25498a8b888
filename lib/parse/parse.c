/*
 * Packet parser. Every read is checked against the end of the frame first;
 * the frame may be cut short by the capture (snaplen) or be malformed, and
 * both are counted, never read past.
 */
#include <string.h>

#include "fz_parse.h"

const char *const fz_parse_status_names[FZ_PARSE__COUNT] = {
#define FZ_X(name, str) str,
    FZ_PARSE_STATUSES(FZ_X)
#undef FZ_X
};

#define ETH_P_IPV4       0x0800
#define ETH_P_IPV6       0x86dd
#define ETH_P_8021Q      0x8100
#define ETH_P_8021AD     0x88a8
#define ETH_P_QINQ1      0x9100
#define ETH_P_PPPOE_SESS 0x8864
#define ETH_P_MPLS_UC    0x8847
#define ETH_P_MPLS_MC    0x8848
#define PPP_IPV4         0x0021
#define PPP_IPV6         0x0057

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static enum fz_parse_status parse_l4(const uint8_t *d, uint32_t len, struct fz_pkt *pkt)
{
	uint8_t proto = pkt->key.proto;

	if (pkt->frag == FZ_FRAG_LATER)
		return FZ_PARSE_OK; /* no L4 header in this fragment */
	switch (proto) {
	case 6: {
		uint32_t hl;

		if (len < 20)
			return FZ_PARSE_TRUNC_L4;
		hl = (uint32_t)(d[12] >> 4) * 4;
		if (hl < 20 || hl > len)
			return FZ_PARSE_BAD_TCP_HDR_LEN;
		pkt->key.port[0] = rd16(d);
		pkt->key.port[1] = rd16(d + 2);
		pkt->tcp_flags = d[13];
		pkt->l4_offset_known = 1;
		pkt->payload = d + hl;
		pkt->payload_len = len - hl;
		break;
	}
	case 17:
	case 136: /* UDP-Lite has the same ports */
		if (len < 8)
			return FZ_PARSE_TRUNC_L4;
		pkt->key.port[0] = rd16(d);
		pkt->key.port[1] = rd16(d + 2);
		pkt->l4_offset_known = 1;
		pkt->payload = d + 8;
		pkt->payload_len = len - 8;
		break;
	case 1:
	case 58:
		/* ICMP: no ports, so an echo and its reply are one flow. */
		if (len < 4)
			return FZ_PARSE_TRUNC_L4;
		pkt->l4_offset_known = 1;
		pkt->payload = d + 4;
		pkt->payload_len = len - 4;
		break;
	default:
		pkt->payload = len ? d : NULL;
		pkt->payload_len = len;
		break;
	}
	if (pkt->payload_len == 0)
		pkt->payload = NULL;
	return FZ_PARSE_OK;
}

static void set_v4_mapped(uint8_t *dst, const uint8_t *v4)
{
	memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	memcpy(dst + 12, v4, 4);
}

static enum fz_parse_status parse_ipv4(const uint8_t *d, uint32_t len, struct fz_pkt *pkt)
{
	uint32_t hl, tot, avail;
	uint16_t frag;

	if (len < 20)
		return FZ_PARSE_TRUNC_IP;
	hl = (uint32_t)(d[0] & 0x0f) * 4;
	if (hl < 20)
		return FZ_PARSE_BAD_IP_HDR_LEN;
	if (hl > len)
		return FZ_PARSE_TRUNC_IP;
	tot = rd16(d + 2);
	if (tot < hl)
		return FZ_PARSE_BAD_IP_TOTAL_LEN;
	pkt->key.ip_version = 4;
	pkt->key.proto = d[9];
	set_v4_mapped(pkt->key.addr[0], d + 12);
	set_v4_mapped(pkt->key.addr[1], d + 16);
	pkt->ip_len = tot;
	frag = rd16(d + 6);
	if (frag & 0x1fff) {
		pkt->frag = FZ_FRAG_LATER;
		pkt->frag_id = rd16(d + 4);
	} else if (frag & 0x2000) {
		pkt->frag = FZ_FRAG_FIRST;
		pkt->frag_id = rd16(d + 4);
	}
	/* Payload present: bounded by the header's length (Ethernet pads short frames). */
	avail = (tot < len ? tot : len) - hl;
	return parse_l4(d + hl, avail, pkt);
}

static enum fz_parse_status parse_ipv6(const uint8_t *d, uint32_t len, struct fz_pkt *pkt)
{
	uint32_t off = 40, end, plen;
	uint8_t nh;

	if (len < 40)
		return FZ_PARSE_TRUNC_IP;
	plen = rd16(d + 4);
	pkt->key.ip_version = 6;
	memcpy(pkt->key.addr[0], d + 8, 16);
	memcpy(pkt->key.addr[1], d + 24, 16);
	pkt->ip_len = 40 + plen;
	end = 40 + plen < len ? 40 + plen : len;
	nh = d[6];
	for (int hops = 0;; hops++) {
		uint32_t elen;

		if (hops > 8)
			return FZ_PARSE_BAD_IPV6_EXT;
		if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51)
			break;
		if (off + 8 > end)
			return FZ_PARSE_BAD_IPV6_EXT;
		if (nh == 44) {
			uint16_t fo = rd16(d + off + 2);

			pkt->frag_id = ((uint32_t)d[off + 4] << 24) | ((uint32_t)d[off + 5] << 16) |
			               ((uint32_t)d[off + 6] << 8) | d[off + 7];
			if (fo & 0xfff8)
				pkt->frag = FZ_FRAG_LATER;
			else if (fo & 1)
				pkt->frag = FZ_FRAG_FIRST;
			elen = 8;
		} else if (nh == 51) {
			elen = ((uint32_t)d[off + 1] + 2) * 4; /* AH counts 4-byte words */
		} else {
			elen = ((uint32_t)d[off + 1] + 1) * 8;
		}
		if (off + elen > end)
			return FZ_PARSE_BAD_IPV6_EXT;
		nh = d[off];
		off += elen;
		if (pkt->frag == FZ_FRAG_LATER)
			break; /* what follows is the middle of the original packet */
	}
	pkt->key.proto = nh;
	return parse_l4(d + off, end - off, pkt);
}

static enum fz_parse_status parse_l3(uint16_t type, const uint8_t *d, uint32_t len,
                                     struct fz_pkt *pkt)
{
	if (type == ETH_P_IPV4) {
		if (len >= 1 && (d[0] >> 4) != 4)
			return FZ_PARSE_BAD_IP_VERSION;
		return parse_ipv4(d, len, pkt);
	}
	if (type == ETH_P_IPV6) {
		if (len >= 1 && (d[0] >> 4) != 6)
			return FZ_PARSE_BAD_IP_VERSION;
		return parse_ipv6(d, len, pkt);
	}
	return FZ_PARSE_NON_IP;
}

/*
 * What may sit between the Ethernet header and IP on an access or core link:
 * a PPPoE session header (the PPP protocol names IPv4 or IPv6) or an MPLS
 * label stack (IP follows the bottom label; its version nibble says which).
 */
static enum fz_parse_status parse_encap(uint16_t type, const uint8_t *d, uint32_t len,
                                        struct fz_pkt *pkt)
{
	if (type == ETH_P_PPPOE_SESS) {
		uint16_t ppp;

		if (len < 8)
			return FZ_PARSE_TRUNC_L2;
		ppp = rd16(d + 6);
		if (ppp == PPP_IPV4)
			return parse_l3(ETH_P_IPV4, d + 8, len - 8, pkt);
		if (ppp == PPP_IPV6)
			return parse_l3(ETH_P_IPV6, d + 8, len - 8, pkt);
		return FZ_PARSE_NON_IP;
	}
	if (type == ETH_P_MPLS_UC || type == ETH_P_MPLS_MC) {
		uint32_t off = 0;

		for (;;) {
			if (off + 4 > len)
				return FZ_PARSE_TRUNC_L2;
			off += 4;
			if (d[off - 2] & 0x01) /* bottom of stack */
				break;
			if (off >= 4 * 8)
				return FZ_PARSE_NON_IP; /* deeper stacks are not IP flows we follow
				                         */
		}
		if (off >= len)
			return FZ_PARSE_TRUNC_IP;
		if ((d[off] >> 4) == 4)
			return parse_ipv4(d + off, len - off, pkt);
		if ((d[off] >> 4) == 6)
			return parse_ipv6(d + off, len - off, pkt);
		return FZ_PARSE_NON_IP;
	}
	return parse_l3(type, d, len, pkt);
}

static void reset(struct fz_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
}

enum fz_parse_status fz_parse_ether(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	uint32_t off = 12;
	uint16_t type;
	int tags = 0;

	reset(pkt);
	if (len < 14)
		return FZ_PARSE_TRUNC_L2;
	type = rd16(data + off);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ1) {
		if (tags == 2)
			return FZ_PARSE_TOO_MANY_VLANS;
		if (off + 6 > len)
			return FZ_PARSE_TRUNC_L2;
		pkt->key.vlan[tags++] = rd16(data + off + 2) & 0x0fff;
		off += 4;
		type = rd16(data + off);
	}
	off += 2;
	return parse_encap(type, data + off, len - off, pkt);
}

enum fz_parse_status fz_parse_sll(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	reset(pkt);
	if (len < 16)
		return FZ_PARSE_TRUNC_L2;
	return parse_l3(rd16(data + 14), data + 16, len - 16, pkt);
}

enum fz_parse_status fz_parse_ip(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	reset(pkt);
	if (len < 1)
		return FZ_PARSE_TRUNC_IP;
	switch (data[0] >> 4) {
	case 4:
		return parse_ipv4(data, len, pkt);
	case 6:
		return parse_ipv6(data, len, pkt);
	default:
		return FZ_PARSE_BAD_IP_VERSION;
	}
}

bool fz_flow_key_canonicalize(struct fz_flow_key *key)
{
	int c = memcmp(key->addr[0], key->addr[1], 16);
	uint8_t tmp[16];
	uint16_t p;

	if (c < 0 || (c == 0 && key->port[0] <= key->port[1]))
		return false;
	memcpy(tmp, key->addr[0], 16);
	memcpy(key->addr[0], key->addr[1], 16);
	memcpy(key->addr[1], tmp, 16);
	p = key->port[0];
	key->port[0] = key->port[1];
	key->port[1] = p;
	return true;
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
	return h;
}

uint32_t fz_flow_key_hash(const struct fz_flow_key *key)
{
	uint64_t w[6] = {0};
	uint64_t h = 0x243f6a8885a308d3ULL;

	_Static_assert(sizeof(*key) <= sizeof(w), "key fits six words");
	memcpy(w, key, sizeof(*key));
	for (int i = 0; i < 6; i++)
		h = mix(h, w[i]);
	h ^= h >> 32;
	return (uint32_t)h;
}
