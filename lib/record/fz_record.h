/*
 * The finished-flow record that workers send to the stats lcore, and its
 * JSON encoding (jansson). The record is what travels through the rings;
 * JSON is made once, on the stats/export side.
 */
#ifndef FZ_RECORD_H
#define FZ_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "fz_parse.h"

#define FZ_END_REASONS(X)                                                                          \
	X(IDLE, "idle")                                                                            \
	X(ACTIVE, "active")                                                                        \
	X(TCP_END, "tcp_end")                                                                      \
	X(EVICTED, "evicted")                                                                      \
	X(EOF, "eof")                                                                              \
	X(SHUTDOWN, "shutdown")

enum fz_end_reason {
#define FZ_X(name, str) FZ_END_##name,
	FZ_END_REASONS(FZ_X)
#undef FZ_X
	    FZ_END__COUNT
};

extern const char *const fz_end_reason_names[FZ_END__COUNT];

/* Direction indexes: forward is initiator -> responder. */
#define FZ_FWD 0
#define FZ_REV 1

/* One finished flow. key end 0 is the initiator (the sender of the first packet). */
struct fz_flow_rec {
	struct fz_flow_key key;
	uint16_t net[2]; /* network id of each end (key end order), 0 = none (lib/networks) */
	uint64_t flow_id;
	uint64_t first_us; /* microseconds since the epoch (or since start with the TSC clock) */
	uint64_t last_us;
	uint64_t packets[2];
	uint64_t bytes[2]; /* IP-level bytes */
	uint8_t tcp_flags[2];
	uint8_t end_reason; /* enum fz_end_reason */
	uint8_t app;        /* index into the application-name table; 0 is "unknown" */
	uint16_t worker;
	uint8_t kind; /* enum fz_rec_kind: what this element of a worker's ring is */
	uint8_t pad;
};

/* No padding: a record written field by field has every byte set. */
_Static_assert(sizeof(struct fz_flow_rec) == sizeof(struct fz_flow_key) + 4 + 7 * 8 + 8,
               "struct fz_flow_rec has no padding");

/*
 * What travels on a worker's ring. A finished flow; a bin report (the
 * flow's state before a packet of a later traffic bin was counted: its
 * counts since the last report belong to the bin of last_us; not a flow
 * record); or a mark (first_us: the oldest last-packet time of the worker's
 * table, or its clock when the table is empty; last_us: its clock;
 * end_reason 1 when the worker is done).
 * With attack detection (lib/detect): a host report, what one destination
 * host received from the worker's packets in one second of packet time
 * (key.addr[1], net[1]: the host and its network; first_us: the second's
 * start; packets[0], bytes[0]: packets and IP bytes; packets[1]: SYNs
 * without ACK; bytes[1]: completed handshakes with it as the responder;
 * key.addr[0] and flow_id: the source leading its packets and the lead of
 * that majority vote, 0 when none); and a second (last_us: every second
 * before it was reported; end_reason 1 when the worker is done).
 */
enum fz_rec_kind { FZ_REC_FLOW = 0, FZ_REC_BIN, FZ_REC_MARK, FZ_REC_HOST, FZ_REC_SECOND };

/* Zoo classes of one flow as the stats lcore decided them. */
#define FZ_ZOO_NULL (-1)
struct fz_zoo_result {
	int8_t size_class;     /* 1 elephant, 0 mouse */
	int8_t duration_class; /* 1 tortoise, 0 dragonfly */
	int8_t rate_class;     /* 1 cheetah, 0 snail, FZ_ZOO_NULL when the flow has no rate */
	double size_mean;      /* the means the flow was compared with */
	double duration_mean;
	double rate_mean;
};

/* What every record of one appliance shares. */
struct fz_record_ctx {
	const char *collector;        /* collector id */
	const char *const *app_names; /* index = fz_flow_rec.app */
	unsigned n_apps;
	int schema_version;           /* added as "schema_version" when > 0 */
	const char *const *net_names; /* network id i (1..n_nets) is net_names[i - 1] */
	unsigned n_nets;
};

struct fz_record_enc;

/* Create an encoder; ctx must outlive it. Returns NULL and sets errno on failure. */
struct fz_record_enc *fz_record_enc_create(const struct fz_record_ctx *ctx);

void fz_record_enc_free(struct fz_record_enc *enc);

/*
 * Encode r (and zoo, when not NULL) as one JSON object, without newline, into
 * buf. Returns the length written (< cap, NUL-terminated), -ENOSPC when buf
 * is too small, or -ENOMEM.
 */
int fz_record_flow_json(struct fz_record_enc *enc, const struct fz_flow_rec *r,
                        const struct fz_zoo_result *zoo, char *buf, size_t cap);

/*
 * The key of a flow as text with its two ends in a canonical order (lower
 * address, then port, first), so that every record of one flow key,
 * whichever end started it, gets one text:
 * "<vlan>.<vlan_inner>/<ip_proto>/<addr>/<port>/<addr>/<port>". It is the
 * Kafka message key of a flow record. Returns the length (< cap,
 * NUL-terminated) or -ENOSPC.
 */
int fz_record_flow_key_text(const struct fz_flow_key *key, char *buf, size_t cap);

/* Version of every record's schema: "schema_version" (docs/flow-record.md). */
#define FZ_SCHEMA_VERSION 1

/* Format an address of a key as text (IPv4 dotted for ip_version 4). */
void fz_record_addr_str(const struct fz_flow_key *key, int end, char *buf, size_t cap);

/* The same for 16 bytes as a key holds them (IPv4-mapped when ip_version is 4). */
void fz_record_addr_text(const uint8_t addr[16], int ip_version, char *buf, size_t cap);

#endif
