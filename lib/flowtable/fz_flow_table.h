/*
 * Per-worker flow table: fixed capacity, bidirectional flows, exact
 * least-recently-active eviction, idle / active / TCP-end expiry. Written by
 * one worker only, so it takes no locks; it allocates only when created.
 * No DPDK dependency.
 */
#ifndef FZ_FLOW_TABLE_H
#define FZ_FLOW_TABLE_H

#include <stdint.h>

#include "fz_parse.h"
#include "fz_record.h"

struct fz_flow_table;

/*
 * Called for every record the table exports. app_state is the flow's 8-byte
 * application state (see fz_flow_table_update); the callback may set rec->app
 * from it before it keeps the record.
 */
typedef void (*fz_flow_export_fn)(void *arg, struct fz_flow_rec *rec, const uint64_t *app_state);

/* A run of record slots [next, end) (fz_flow_table_conf.rec_window). */
struct fz_rec_window {
	struct fz_flow_rec *next, *end;
};

struct fz_flow_table_conf {
	uint32_t capacity;  /* flows the table holds at once */
	uint64_t idle_us;   /* a flow with no packet for longer than this ends (idle) */
	uint64_t active_us; /* a flow this old is exported and continues as a new record */
	uint64_t linger_us; /* after FIN both ways or RST, the flow ends this long after its last
	                       packet */
	uint16_t worker;    /* goes into records and the top 16 bits of flow ids */
	fz_flow_export_fn export_fn;
	void *export_arg;
	/* Optional: where to write the next record (called with export_arg).
	 * The table fills the record there and then calls export_fn with it,
	 * so records are built where they are kept, with no copy in between.
	 * NULL: the table builds each record on its own stack. */
	struct fz_flow_rec *(*rec_slot)(void *arg);
	/* Optional, with rec_slot: free slots the table fills in order without
	 * a call (issue 23: a flood exports a record per packet). While
	 * next != end the next record is built at next, and export_fn keeps it
	 * by advancing next; at end the table calls rec_slot, which may give a
	 * new window. */
	const struct fz_rec_window *rec_window;
	/* Optional: the network id of each end of a new record's key (canonical
	 * order), kept in the entry and written into its records (rec->net). */
	void (*net_fn)(void *arg, const struct fz_flow_key *key, uint16_t net[2]);
	void *net_arg;
	/* Traffic bins of this length (0: none): when a packet of a later bin
	 * than the flow's last packet comes, the flow's state before it is
	 * exported as a bin report (rec->kind FZ_REC_BIN) first. */
	uint64_t bin_us;
};

/* Table counters; read by the owner or, without locks, by a monitor. */
struct fz_flow_table_stats {
	uint64_t created;
	uint64_t active; /* flows in the table now */
	uint64_t ended[FZ_END__COUNT];
};

/*
 * Create a table. Returns NULL and sets errno: EINVAL for a zero capacity or
 * no export function, ENOMEM.
 */
struct fz_flow_table *fz_flow_table_create(const struct fz_flow_table_conf *conf);

void fz_flow_table_free(struct fz_flow_table *t);

/* Bytes of memory one flow takes (entry and its share of the hash index). */
size_t fz_flow_table_bytes_per_flow(const struct fz_flow_table *t);

/*
 * What the per-packet callback learns about the flow of packet i, valid
 * only during the call.
 */
struct fz_flow_pkt_view {
	uint64_t *app_state; /* the flow's 8-byte application state (zero for a new record) */
	const uint16_t *net; /* the network id of each end of the canonical key */
	uint8_t dir;         /* 0 when the initiator sent the packet, 1 otherwise */
	uint8_t sender;      /* the end of the (canonicalized) key that sent the packet */
	uint8_t handshake;   /* 1 on the packet that completed a TCP handshake: the
	                        initiator's first ACK after the responder's SYN-ACK */
	uint8_t pad;
};

/* Called right after packet i of a burst is accounted. */
typedef void (*fz_flow_pkt_fn)(void *arg, unsigned i, const struct fz_flow_pkt_view *v);

/*
 * Account n parsed packets, pkts[i] at time now_us[i] (microseconds,
 * non-decreasing), calling pkt_fn (when not NULL) after each. Packets of a
 * flow that has timed out start a new record; so does a SYN on a flow that
 * has ended. Keys are canonicalized in place.
 */
void fz_flow_table_update_burst(struct fz_flow_table *t, struct fz_pkt *pkts, unsigned n,
                                const uint64_t *now_us, fz_flow_pkt_fn pkt_fn, void *arg);

/*
 * Export flows that are idle or whose TCP linger is over at time now_us, at
 * most max of them. Returns how many were exported.
 */
unsigned fz_flow_table_expire(struct fz_flow_table *t, uint64_t now_us, unsigned max);

/* Export every flow with the given end reason (FZ_END_EOF or FZ_END_SHUTDOWN). */
void fz_flow_table_flush(struct fz_flow_table *t, enum fz_end_reason reason);

const struct fz_flow_table_stats *fz_flow_table_stats(const struct fz_flow_table *t);

/* The last-packet time of the least recently active flow, or UINT64_MAX when empty. */
uint64_t fz_flow_table_oldest_us(const struct fz_flow_table *t);

#endif
