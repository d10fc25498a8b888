/*
 * Packet parser. Every read is preceded by a length check against the end of
 * the captured frame, so the parser never touches a byte outside
 * [data, data + len) whatever the headers claim.
 */
#include <string.h>

#include "fz_parse.h"

const char *const fz_parse_status_names[FZ_PARSE__COUNT] = {
#define FZ_X(name, str) [FZ_PARSE_##name] = str,
    FZ_PARSE_STATUSES(FZ_X)
#undef FZ_X
};

#define ETH_HDR_LEN   14
#define VLAN_TAG_LEN  4
#define SLL_HDR_LEN   16
#define SLL2_HDR_LEN  20
#define IPV4_HDR_MIN  20
#define IPV6_HDR_LEN  40
#define TCP_HDR_MIN   20
#define UDP_HDR_LEN   8
#define ICMP_HDR_LEN  4
#define MAX_VLAN_TAGS 2
/*
 * Real packets carry two or three extension headers; the bound keeps the
 * per-packet cost of a hostile chain of thousands small.
 */
#define MAX_IPV6_EXT 16

#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_IPV6     0x86dd
#define ETHERTYPE_VLAN     0x8100
#define ETHERTYPE_QINQ     0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_PPPOE    0x8864
#define ETHERTYPE_MPLS_UC  0x8847
#define ETHERTYPE_MPLS_MC  0x8848

#define PPPOE_HDR_LEN   8 /* PPPoE session header (6) and PPP protocol (2) */
#define PPP_IPV4        0x0021
#define PPP_IPV6        0x0057
#define MPLS_LABEL_LEN  4
#define MPLS_MAX_LABELS 8

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_ICMP_     1
#define IPPROTO_TCP_      6
#define IPPROTO_UDP_      17
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_       51
#define IPPROTO_ICMPV6_   58
#define IPPROTO_DSTOPTS_  60
#define IPPROTO_UDPLITE_  136

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline bool is_vlan_tpid(uint16_t ethertype)
{
	return ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
	       ethertype == ETHERTYPE_QINQ_OLD;
}

/*
 * Parse the L4 header at l4 (l4_len bytes of it inside the IP packet and the
 * frame). The protocol is already in pkt->key.proto. Inlined into each IP
 * parser, as parse_ipv4 is into its callers: the calls cost 7 of the 112
 * instructions of a flood packet's parse (issue 23).
 */
static inline __attribute__((always_inline)) enum fz_parse_status
parse_l4(const uint8_t *l4, uint32_t l4_len, struct fz_pkt *pkt)
{
	uint32_t hdr_len;

	switch (pkt->key.proto) {
	case IPPROTO_TCP_:
		if (l4_len < TCP_HDR_MIN)
			return FZ_PARSE_TRUNC_L4;
		hdr_len = (uint32_t)(l4[12] >> 4) * 4;
		if (hdr_len < TCP_HDR_MIN || hdr_len > l4_len)
			return FZ_PARSE_BAD_TCP_HDR_LEN;
		pkt->key.port[0] = rd16(l4);
		pkt->key.port[1] = rd16(l4 + 2);
		pkt->tcp_flags = l4[13];
		pkt->l4_offset_known = 1;
		break;
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_: /* same ports as UDP */
		if (l4_len < UDP_HDR_LEN)
			return FZ_PARSE_TRUNC_L4;
		hdr_len = UDP_HDR_LEN;
		pkt->key.port[0] = rd16(l4);
		pkt->key.port[1] = rd16(l4 + 2);
		pkt->l4_offset_known = 1;
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		/*
		 * Ports stay 0 so that an echo request and its reply, whose
		 * types differ, are one flow. The fixed header is type, code
		 * and checksum; the rest depends on the type.
		 */
		if (l4_len < ICMP_HDR_LEN)
			return FZ_PARSE_TRUNC_L4;
		hdr_len = ICMP_HDR_LEN;
		pkt->l4_offset_known = 1;
		break;
	default:
		/* Other protocols (GRE, ESP, SCTP...) are flows without ports. */
		hdr_len = 0;
		break;
	}
	if (l4_len > hdr_len) {
		pkt->payload = l4 + hdr_len;
		pkt->payload_len = l4_len - hdr_len;
	}
	return FZ_PARSE_OK;
}

static void map_ipv4(uint8_t dst[16], const uint8_t *src)
{
	/*
	 * ::ffff:a.b.c.d; the first 8 bytes are already zero. Bytes 8-15 go in
	 * one 8-byte store so that the hash's 8-byte load of them is forwarded
	 * from the store instead of stalling on four smaller ones.
	 */
	uint8_t w[8] = {0, 0, 0xff, 0xff, src[0], src[1], src[2], src[3]};

	memcpy(dst + 8, w, sizeof(w));
}

/* ip points at the IPv4 header, avail bytes of the frame from there on. */
static inline __attribute__((always_inline)) enum fz_parse_status
parse_ipv4(const uint8_t *ip, uint32_t avail, struct fz_pkt *pkt)
{
	uint32_t hdr_len, total_len, end;
	uint16_t frag_field;

	if (avail < 1)
		return FZ_PARSE_TRUNC_IP;
	if (ip[0] >> 4 != 4)
		return FZ_PARSE_BAD_IP_VERSION;
	if (avail < IPV4_HDR_MIN)
		return FZ_PARSE_TRUNC_IP;
	hdr_len = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hdr_len < IPV4_HDR_MIN || hdr_len > avail)
		return FZ_PARSE_BAD_IP_HDR_LEN;
	total_len = rd16(ip + 2);
	/*
	 * A total length of 0 is what captures taken on the sending host show
	 * for TCP segmentation offload: the NIC fills it in later. Count the
	 * bytes that were captured, as Wireshark does.
	 */
	if (total_len == 0) {
		total_len = avail;
		pkt->ip_len_from_frame = 1;
	}
	if (total_len < hdr_len)
		return FZ_PARSE_BAD_IP_TOTAL_LEN;

	pkt->key.ip_version = 4;
	pkt->key.proto = ip[9];
	map_ipv4(pkt->key.addr[0], ip + 12);
	map_ipv4(pkt->key.addr[1], ip + 16);
	pkt->ip_len = total_len;
	pkt->frag_id = rd16(ip + 4);

	frag_field = rd16(ip + 6);
	if ((frag_field & 0x1fff) != 0) {
		pkt->frag = FZ_FRAG_LATER;
		return FZ_PARSE_OK;
	}
	if (frag_field & 0x2000)
		pkt->frag = FZ_FRAG_FIRST;

	/* Ethernet padding after the IP packet is not payload. */
	end = total_len < avail ? total_len : avail;
	return parse_l4(ip + hdr_len, end - hdr_len, pkt);
}

/* ip points at the IPv6 header, avail bytes of the frame from there on. */
static enum fz_parse_status parse_ipv6(const uint8_t *ip, uint32_t avail, struct fz_pkt *pkt)
{
	uint32_t payload_len, end, pos, ext_len;
	unsigned int exts = 0;
	uint8_t next;
	bool seen_frag = false;

	if (avail < 1)
		return FZ_PARSE_TRUNC_IP;
	if (ip[0] >> 4 != 6)
		return FZ_PARSE_BAD_IP_VERSION;
	if (avail < IPV6_HDR_LEN)
		return FZ_PARSE_TRUNC_IP;
	payload_len = rd16(ip + 4);
	next = ip[6];
	/*
	 * Payload length 0 with a next header other than "no next header" (59)
	 * is a TSO capture (or a jumbogram): count the captured bytes.
	 */
	if (payload_len == 0 && next != 59) {
		payload_len = avail - IPV6_HDR_LEN;
		pkt->ip_len_from_frame = 1;
	}

	pkt->key.ip_version = 6;
	memcpy(pkt->key.addr[0], ip + 8, 16);
	memcpy(pkt->key.addr[1], ip + 24, 16);
	pkt->ip_len = IPV6_HDR_LEN + payload_len;

	end = pkt->ip_len < avail ? pkt->ip_len : avail;
	pos = IPV6_HDR_LEN;
	for (;;) {
		const uint8_t *ext = ip + pos;

		if (next != IPPROTO_HOPOPTS_ && next != IPPROTO_ROUTING_ &&
		    next != IPPROTO_FRAGMENT_ && next != IPPROTO_DSTOPTS_ && next != IPPROTO_AH_)
			break;
		/* Hop-by-hop options may only follow the IPv6 header (RFC 8200). */
		if ((next == IPPROTO_HOPOPTS_ && exts > 0) || exts == MAX_IPV6_EXT)
			return FZ_PARSE_BAD_IPV6_EXT;
		/* Every extension header is at least 8 bytes long. */
		if (end - pos < 8)
			return FZ_PARSE_BAD_IPV6_EXT;
		if (next == IPPROTO_FRAGMENT_) {
			uint16_t off_field = rd16(ext + 2);

			if (seen_frag)
				return FZ_PARSE_BAD_IPV6_EXT;
			seen_frag = true;
			pkt->frag_id = rd32(ext + 4);
			if ((off_field & 0xfff8) != 0) {
				/* Later fragment: what follows is not a header. */
				pkt->key.proto = ext[0];
				pkt->frag = FZ_FRAG_LATER;
				return FZ_PARSE_OK;
			}
			if (off_field & 1)
				pkt->frag = FZ_FRAG_FIRST;
			ext_len = 8;
		} else if (next == IPPROTO_AH_) {
			ext_len = ((uint32_t)ext[1] + 2) * 4;
		} else {
			ext_len = ((uint32_t)ext[1] + 1) * 8;
		}
		if (ext_len > end - pos)
			return FZ_PARSE_BAD_IPV6_EXT;
		next = ext[0];
		pos += ext_len;
		exts++;
	}
	pkt->key.proto = next;
	return parse_l4(ip + pos, end - pos, pkt);
}

/* ip points at a header whose first nibble is the IP version. */
static enum fz_parse_status parse_ip_by_version(const uint8_t *ip, uint32_t avail,
                                                struct fz_pkt *pkt)
{
	if (avail < 1)
		return FZ_PARSE_TRUNC_IP;
	switch (ip[0] >> 4) {
	case 4:
		return parse_ipv4(ip, avail, pkt);
	case 6:
		return parse_ipv6(ip, avail, pkt);
	default:
		return FZ_PARSE_BAD_IP_VERSION;
	}
}

/*
 * A PPPoE session header: the PPP protocol says IPv4 or IPv6; anything else
 * (LCP, IPCP...) is link control, not a flow.
 */
static enum fz_parse_status parse_pppoe(const uint8_t *d, uint32_t avail, struct fz_pkt *pkt)
{
	uint16_t ppp;

	if (avail < PPPOE_HDR_LEN)
		return FZ_PARSE_TRUNC_L2;
	ppp = rd16(d + 6);
	if (ppp == PPP_IPV4)
		return parse_ipv4(d + PPPOE_HDR_LEN, avail - PPPOE_HDR_LEN, pkt);
	if (ppp == PPP_IPV6)
		return parse_ipv6(d + PPPOE_HDR_LEN, avail - PPPOE_HDR_LEN, pkt);
	return FZ_PARSE_NON_IP;
}

/*
 * An MPLS label stack: IP follows the bottom label and has no type field,
 * so its version nibble decides. Anything else after the stack (Ethernet
 * pseudowires with a control word) and very deep stacks are not followed.
 */
static enum fz_parse_status parse_mpls(const uint8_t *d, uint32_t avail, struct fz_pkt *pkt)
{
	uint32_t off = 0;
	unsigned int labels;

	for (labels = 0;; labels++) {
		if (labels == MPLS_MAX_LABELS)
			return FZ_PARSE_NON_IP;
		if (avail - off < MPLS_LABEL_LEN)
			return FZ_PARSE_TRUNC_L2;
		off += MPLS_LABEL_LEN;
		if (d[off - 2] & 0x01) /* bottom of stack */
			break;
	}
	if (avail - off >= 1 && d[off] >> 4 != 4 && d[off] >> 4 != 6)
		return FZ_PARSE_NON_IP;
	return parse_ip_by_version(d + off, avail - off, pkt);
}

static enum fz_parse_status parse_l3(const uint8_t *d, uint32_t avail, uint16_t ethertype,
                                     struct fz_pkt *pkt)
{
	switch (ethertype) {
	case ETHERTYPE_IPV4:
		return parse_ipv4(d, avail, pkt);
	case ETHERTYPE_IPV6:
		return parse_ipv6(d, avail, pkt);
	case ETHERTYPE_PPPOE:
		return parse_pppoe(d, avail, pkt);
	case ETHERTYPE_MPLS_UC:
	case ETHERTYPE_MPLS_MC:
		return parse_mpls(d, avail, pkt);
	default:
		return FZ_PARSE_NON_IP;
	}
}

/*
 * Read up to two VLAN tags starting at data + *off, where ethertype is the
 * type field just read. Leaves the inner ethertype in *ethertype.
 */
static enum fz_parse_status parse_vlans(const uint8_t *data, uint32_t len, uint32_t *off,
                                        uint16_t *ethertype, struct fz_pkt *pkt)
{
	unsigned int tags = 0;

	while (is_vlan_tpid(*ethertype)) {
		if (tags == MAX_VLAN_TAGS)
			return FZ_PARSE_TOO_MANY_VLANS;
		if (len - *off < VLAN_TAG_LEN)
			return FZ_PARSE_TRUNC_L2;
		pkt->key.vlan[tags++] = rd16(data + *off) & 0x0fff;
		*ethertype = rd16(data + *off + 2);
		*off += VLAN_TAG_LEN;
	}
	return FZ_PARSE_OK;
}

/*
 * A link-layer header of hdr_len bytes with the ethertype at type_off, then
 * up to two VLAN tags, then IP.
 */
static enum fz_parse_status parse_link(const uint8_t *data, uint32_t len, uint32_t hdr_len,
                                       uint32_t type_off, struct fz_pkt *pkt)
{
	enum fz_parse_status st;
	uint32_t off = hdr_len;
	uint16_t ethertype;

	memset(pkt, 0, sizeof(*pkt));
	if (len < hdr_len)
		return FZ_PARSE_TRUNC_L2;
	ethertype = rd16(data + type_off);
	st = parse_vlans(data, len, &off, &ethertype, pkt);
	if (st != FZ_PARSE_OK)
		return st;
	return parse_l3(data + off, len - off, ethertype, pkt);
}

enum fz_parse_status fz_parse_ether(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	return parse_link(data, len, ETH_HDR_LEN, ETH_HDR_LEN - 2, pkt);
}

enum fz_parse_status fz_parse_sll(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	/*
	 * The protocol is at offset 14 of the 16-byte header. The kernel
	 * usually strips VLAN tags, but a cooked capture may keep them.
	 */
	return parse_link(data, len, SLL_HDR_LEN, SLL_HDR_LEN - 2, pkt);
}

enum fz_parse_status fz_parse_sll2(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	/* SLL2 (tcpdump -i any since libpcap 1.10) moved the protocol to offset 0. */
	return parse_link(data, len, SLL2_HDR_LEN, 0, pkt);
}

enum fz_parse_status fz_parse_ip(const uint8_t *data, uint32_t len, struct fz_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	return parse_ip_by_version(data, len, pkt);
}

/*
 * The key is read in the widths it was written (8-byte address words, 2-byte
 * ports and VLANs, single bytes) so that loads right after the parser's
 * stores are forwarded from them; one wide load over several narrow stores
 * would stall the pipeline on every packet.
 */
static inline uint64_t addr_word(const struct fz_flow_key *key, int end, int i)
{
	uint64_t w;

	memcpy(&w, key->addr[end] + 8 * i, sizeof(w));
	return w;
}

bool fz_flow_key_canonicalize(struct fz_flow_key *key)
{
	uint64_t a0 = addr_word(key, 0, 0), a1 = addr_word(key, 0, 1);
	uint64_t b0 = addr_word(key, 1, 0), b1 = addr_word(key, 1, 1);
	uint16_t port;

	/* Compare as big-endian numbers: the order memcmp would give. */
	if (a0 != b0) {
		if (__builtin_bswap64(a0) < __builtin_bswap64(b0))
			return false;
	} else if (a1 != b1) {
		if (__builtin_bswap64(a1) < __builtin_bswap64(b1))
			return false;
	} else if (key->port[0] <= key->port[1]) {
		return false;
	}
	memcpy(key->addr[0], &b0, 8);
	memcpy(key->addr[0] + 8, &b1, 8);
	memcpy(key->addr[1], &a0, 8);
	memcpy(key->addr[1] + 8, &a1, 8);
	port = key->port[0];
	key->port[0] = key->port[1];
	key->port[1] = port;
	return true;
}

static inline uint64_t mix64(uint64_t h)
{
	/* The finalizer of MurmurHash3: every input bit affects every output bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint32_t fz_flow_key_hash(const struct fz_flow_key *key)
{
	uint64_t rest = (uint64_t)key->port[0] | (uint64_t)key->port[1] << 16 |
	                (uint64_t)key->vlan[0] << 32 | (uint64_t)key->vlan[1] << 48;
	uint64_t small = (uint64_t)key->proto | (uint64_t)key->ip_version << 8;
	uint64_t h;

	_Static_assert(sizeof(struct fz_flow_key) == 44, "flow key layout changed");
	/*
	 * Each field word times its own odd constant, summed: the multiplies are
	 * independent, so they run in parallel; the finalizer spreads the bits.
	 */
	h = addr_word(key, 0, 0) * 0x9fb21c651e98df25ULL +
	    addr_word(key, 0, 1) * 0xc2b2ae3d27d4eb4fULL +
	    addr_word(key, 1, 0) * 0x165667b19e3779f9ULL +
	    addr_word(key, 1, 1) * 0xd6e8feb86659fd93ULL + rest * 0x9e3779b97f4a7c15ULL +
	    small * 0xff51afd7ed558ccdULL;
	h = mix64(h);
	return (uint32_t)(h ^ (h >> 32));
}
