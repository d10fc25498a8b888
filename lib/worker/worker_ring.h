/*
 * The worker's side of its ring to the stats lcore (private to lib/worker).
 * Records are written straight into the ring's memory (DPDK's zero-copy
 * API, rte_ring_peek_zc.h): the writer holds a reservation of up to
 * FZ_RING_RESERVE records, the flow table fills the next one in place
 * (fz_ring_writer_slot, then fz_ring_writer_keep), and the records written so far go to the stats
 * lcore at once (fz_ring_writer_close: once a round of the worker's loop,
 * and whenever the reservation is used up). A record is one element of the
 * ring, so a reservation that wraps around the ring's end comes in two
 * pieces of whole records.
 */
#ifndef FZ_WORKER_RING_H
#define FZ_WORKER_RING_H

#include <stdint.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "fz_flow_table.h"
#include "fz_worker.h"

#define FZ_RING_RESERVE 256 /* records reserved on the ring at once */

struct fz_ring_writer {
	/* The piece of the reservation being written: its first record, and
	 * win, the next record to write and its end (the flow table's
	 * rec_window: it writes there without a call). next == end: reserve
	 * again. */
	struct fz_flow_rec *base;
	struct fz_rec_window win;
	unsigned n;                 /* records reserved (0: none) */
	unsigned before;            /* records of the reservation before this piece (0, or zc.n1) */
	struct rte_ring_zc_data zc; /* the open reservation */
	struct rte_ring *ring;      /* single producer (this writer), single consumer */
	/* Offline: wait for room. Live: never wait; a record that finds no room
	 * is built in spill and dropped (counted in ring_full), and so is every
	 * record until the next close (blocked), so a full ring costs one look
	 * a round, not one a record. */
	int offline, blocked;
	uint64_t *records, *full; /* the worker's counters: records, ring_full */
	struct fz_flow_rec spill;
};

/* The piece is used up: its second piece (after the ring's wrap), or publish
 * and reserve again (or wait, or spill). Out of line, once a reservation. */
struct fz_flow_rec *fz_ring_writer__reserve(struct fz_ring_writer *rw);

/* Where the next record goes: the reservation's next element (or spill).
 * Every slot taken must be kept (fz_ring_writer_keep) before the next. */
static inline struct fz_flow_rec *fz_ring_writer_slot(struct fz_ring_writer *rw)
{
	if (__builtin_expect(rw->win.next == rw->win.end, 0))
		return fz_ring_writer__reserve(rw);
	return rw->win.next;
}

/* The record at fz_ring_writer_slot's place is complete. */
static inline void fz_ring_writer_keep(struct fz_ring_writer *rw)
{
	rw->win.next++;
}

/* Hand the records written so far to the stats lcore (the unused rest of the
 * reservation goes back to the ring) and count them; end the round. */
void fz_ring_writer_close(struct fz_ring_writer *rw);

#endif
