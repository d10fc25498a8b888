/*
 * Packet parser: Ethernet, Linux cooked capture (SLL, SLL2), 802.1Q/QinQ,
 * IPv4 (options), IPv6 (extension headers), TCP, UDP, ICMP, ICMPv6, other IP
 * protocols. No DPDK dependency:
 * it reads only [data, data + len) and can be unit-tested and fuzzed alone.
 */
#ifndef FZ_PARSE_H
#define FZ_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Outcome of parsing one frame. FZ_PARSE_OK means the packet belongs to a
 * flow; every other value is a reason to count and drop it. One X-macro makes
 * the enum and the names used in counters and the summary.
 */
#define FZ_PARSE_STATUSES(X)                                                                       \
	X(OK, "ok")                                                                                \
	X(NON_IP, "non_ip")                                                                        \
	X(TRUNC_L2, "truncated_l2")                                                                \
	X(TOO_MANY_VLANS, "too_many_vlans")                                                        \
	X(TRUNC_IP, "truncated_ip")                                                                \
	X(BAD_IP_VERSION, "bad_ip_version")                                                        \
	X(BAD_IP_HDR_LEN, "bad_ip_header_length")                                                  \
	X(BAD_IP_TOTAL_LEN, "bad_ip_total_length")                                                 \
	X(BAD_IPV6_EXT, "bad_ipv6_extension")                                                      \
	X(TRUNC_L4, "truncated_l4")                                                                \
	X(BAD_TCP_HDR_LEN, "bad_tcp_header_length")

enum fz_parse_status {
#define FZ_X(name, str) FZ_PARSE_##name,
	FZ_PARSE_STATUSES(FZ_X)
#undef FZ_X
	    FZ_PARSE__COUNT
};

/* Counter names, indexed by enum fz_parse_status. */
extern const char *const fz_parse_status_names[FZ_PARSE__COUNT];

/*
 * A flow key as seen in one packet: end 0 is the sender, end 1 the receiver.
 * IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). Ports are in host
 * order and 0 for protocols without ports (and non-first fragments). vlan[0]
 * is the outer tag, vlan[1] the inner (QinQ) tag, 0 when absent. All padding
 * is zero so keys compare and hash as bytes.
 */
struct fz_flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan[2];
	uint8_t proto;
	uint8_t ip_version;
	uint8_t pad[2];
};

enum fz_frag_kind {
	FZ_FRAG_NONE = 0, /* not a fragment */
	FZ_FRAG_FIRST,    /* offset 0 with more fragments: carries the L4 header */
	FZ_FRAG_LATER,    /* offset > 0: no L4 header, ports unknown */
};

/* What the parser extracts from one frame. */
struct fz_pkt {
	struct fz_flow_key key;
	const uint8_t *payload;  /* L4 payload (NULL when none) */
	uint32_t payload_len;    /* bytes of payload present in the frame */
	uint32_t ip_len;         /* IP-level bytes: IP header + payload, from the IP header */
	uint32_t frag_id;        /* IPv4 identification or IPv6 fragment id */
	uint8_t tcp_flags;       /* TCP flags byte (FIN 0x01 ... CWR 0x80); 0 otherwise */
	uint8_t frag;            /* enum fz_frag_kind */
	uint8_t l4_offset_known; /* 1 when ports/flags were read from an L4 header */
	/* 1 when the IP header's length was 0 (TSO captures) and ip_len counts the
	 * bytes given to the parser: a caller that parsed only the first part of a
	 * longer frame (a chained mbuf) adds the rest. */
	uint8_t ip_len_from_frame;
};

#define FZ_TCP_FIN 0x01
#define FZ_TCP_SYN 0x02
#define FZ_TCP_RST 0x04
#define FZ_TCP_PSH 0x08
#define FZ_TCP_ACK 0x10

/*
 * Parse the Ethernet frame [data, data + len) into *pkt.
 * Returns FZ_PARSE_OK or the reason the frame is not a flow packet; never
 * reads outside the buffer.
 */
enum fz_parse_status fz_parse_ether(const uint8_t *data, uint32_t len, struct fz_pkt *pkt);

/* Same as fz_parse_ether for a Linux cooked-capture (SLL, 16-byte header) frame. */
enum fz_parse_status fz_parse_sll(const uint8_t *data, uint32_t len, struct fz_pkt *pkt);

/*
 * Same for a Linux cooked-capture v2 (SLL2, LINKTYPE_LINUX_SLL2 = 276) frame:
 * a 20-byte header that starts with the protocol (ethertype).
 */
enum fz_parse_status fz_parse_sll2(const uint8_t *data, uint32_t len, struct fz_pkt *pkt);

/* Same as fz_parse_ether for a frame that starts at the IP header (raw IP). */
enum fz_parse_status fz_parse_ip(const uint8_t *data, uint32_t len, struct fz_pkt *pkt);

/*
 * Put key in canonical order (the smaller (address, port) end first) so that
 * both directions of a flow give the same key. Returns true when it swapped.
 */
bool fz_flow_key_canonicalize(struct fz_flow_key *key);

/* A hash of the key's bytes; equal keys hash equally. */
uint32_t fz_flow_key_hash(const struct fz_flow_key *key);

#endif
