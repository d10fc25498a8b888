/*
 * The worker's ring to the stats lcore (lib/worker/worker_ring.h): records
 * written in place and read in place arrive whole, byte for byte, in order,
 * across the ring's wrap (a reservation and a peek then come in two
 * pieces); live, a record that finds no room is dropped and counted, and so
 * is every record until the end of the round; offline nothing is dropped.
 * The ring is made in plain memory, as flowzoo --pcap makes it (no EAL).
 */
#include <stdint.h>
#include <stdlib.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "fz_test.h"
#include "fz_worker.h"
#include "worker_ring.h"

#define CAPACITY 8 /* records: a small ring wraps often */

static struct rte_ring *ring_make(unsigned count)
{
	ssize_t size = rte_ring_get_memsize_elem(FZ_RING_ELEM, rte_align32pow2(count + 1));
	struct rte_ring *r = aligned_alloc(64, ((size_t)size + 63) & ~(size_t)63);

	if (r && rte_ring_init(r, "test", count, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ)) {
		free(r);
		return NULL;
	}
	return r;
}

/* Record number seq: every byte depends on seq, so a torn or stale one shows. */
static void rec_of(uint64_t seq, struct fz_flow_rec *rec)
{
	uint8_t *b = (uint8_t *)rec;

	for (size_t i = 0; i < sizeof(*rec); i++)
		b[i] = (uint8_t)(seq * 131 + i * 7 + (seq >> 8));
	rec->flow_id = seq;
}

/* The writer as the worker sets it up. */
static struct fz_ring_writer rw;
static uint64_t records, full;

static void writer_init(struct rte_ring *r, int offline)
{
	memset(&rw, 0, sizeof(rw));
	rw.ring = r;
	rw.offline = offline;
	rw.records = &records;
	rw.full = &full;
	records = full = 0;
}

/* Write record seq as the flow table does: fill the slot, then keep it.
 * Returns 1 when it went to the ring, 0 when it was spilled (dropped). */
static int write_one(uint64_t seq, int *second_piece)
{
	struct fz_flow_rec *slot = fz_ring_writer_slot(&rw);
	int kept = slot != &rw.spill;

	rec_of(seq, slot);
	if (rw.before)
		*second_piece = 1;
	fz_ring_writer_keep(&rw);
	return kept;
}

/* Take up to max records off the ring, checking them against the expected
 * sequence of kept records; returns how many. */
static unsigned read_some(struct rte_ring *r, unsigned max, const uint64_t *kept, size_t n_kept,
                          size_t *next, int *wrapped)
{
	struct fz_ring_view v;
	unsigned n = fz_ring_peek(r, max, &v);

	FZ_CHECK_INT(n, v.n[0] + v.n[1]);
	if (v.n[1])
		*wrapped = 1;
	for (unsigned p = 0; p < 2; p++)
		for (unsigned i = 0; i < v.n[p]; i++) {
			struct fz_flow_rec want;

			FZ_CHECK(*next < n_kept);
			if (*next >= n_kept)
				return n;
			rec_of(kept[(*next)++], &want);
			FZ_CHECK(memcmp(&want, &v.part[p][i], sizeof(want)) == 0);
		}
	fz_ring_release(r, n);
	return n;
}

/* Live, rounds of random sizes against a consumer taking random amounts. */
static void test_live_rounds(void)
{
	struct rte_ring *r = ring_make(CAPACITY);
	static uint64_t kept[20000];
	size_t n_kept = 0, next = 0;
	uint64_t seq = 0, state = 23, dropped = 0;
	int second_piece = 0, wrapped = 0;

	FZ_CHECK(r != NULL);
	if (r == NULL)
		return;
	writer_init(r, 0);
	for (int round = 0; round < 1000; round++) {
		unsigned k = (unsigned)(fz_test_rand(&state) % 12);
		int blocked = 0;

		for (unsigned i = 0; i < k; i++, seq++) {
			int in = write_one(seq, &second_piece);

			/* Once a record found no room, the rest of the round is dropped. */
			FZ_CHECK(!(blocked && in));
			blocked |= !in;
			if (in)
				kept[n_kept++] = seq;
			else
				dropped++;
		}
		fz_ring_writer_close(&rw);
		read_some(r, (unsigned)(fz_test_rand(&state) % 10), kept, n_kept, &next, &wrapped);
	}
	while (read_some(r, 64, kept, n_kept, &next, &wrapped))
		;
	FZ_CHECK_INT(n_kept, next);
	FZ_CHECK_INT(n_kept, records);
	FZ_CHECK_INT(dropped, full);
	FZ_CHECK_INT(seq, records + full);
	FZ_CHECK(dropped > 0);  /* the consumer is slower than the writer at times */
	FZ_CHECK(second_piece); /* a reservation wrapped around the ring's end */
	FZ_CHECK(wrapped);      /* and so did a peek */
	free(r);
}

/* Live, a full ring: dropped until the round ends, then room is looked for again. */
static void test_live_full(void)
{
	struct rte_ring *r = ring_make(CAPACITY);
	uint64_t kept[CAPACITY + 1];
	size_t next = 0;
	int second_piece = 0, wrapped = 0;

	FZ_CHECK(r != NULL);
	if (r == NULL)
		return;
	writer_init(r, 0);
	for (uint64_t s = 0; s < CAPACITY; s++) {
		FZ_CHECK_INT(1, write_one(s, &second_piece));
		kept[s] = s;
	}
	FZ_CHECK_INT(0, write_one(100, &second_piece));
	fz_ring_writer_close(&rw);
	FZ_CHECK_INT(CAPACITY, records);
	FZ_CHECK_INT(1, full);
	FZ_CHECK_INT(0, write_one(101, &second_piece)); /* still full */
	FZ_CHECK_INT(CAPACITY, read_some(r, 64, kept, CAPACITY, &next, &wrapped));
	FZ_CHECK_INT(0, write_one(102, &second_piece)); /* room now, but not this round */
	fz_ring_writer_close(&rw);
	FZ_CHECK_INT(3, full);
	FZ_CHECK_INT(1, write_one(103, &second_piece));
	fz_ring_writer_close(&rw);
	kept[CAPACITY] = 103;
	FZ_CHECK_INT(1, read_some(r, 64, kept, CAPACITY + 1, &next, &wrapped));
	FZ_CHECK_INT(CAPACITY + 1, records);
	FZ_CHECK_INT(3, full);
	free(r);
}

/* Offline nothing is dropped: rounds may fill the ring exactly, across its wrap. */
static void test_offline_fills(void)
{
	struct rte_ring *r = ring_make(CAPACITY);
	uint64_t kept[3 + 2 * CAPACITY];
	size_t next = 0;
	uint64_t s = 0;
	int second_piece = 0, wrapped = 0;

	FZ_CHECK(r != NULL);
	if (r == NULL)
		return;
	writer_init(r, 1);
	for (size_t i = 0; i < 3 + 2 * CAPACITY; i++)
		kept[i] = i;
	for (; s < 3; s++)
		FZ_CHECK_INT(1, write_one(s, &second_piece));
	fz_ring_writer_close(&rw);
	FZ_CHECK_INT(3, read_some(r, 64, kept, 3 + 2 * CAPACITY, &next, &wrapped));
	/* The ring has 16 elements (8 records and EXACT_SZ): the second round wraps. */
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < CAPACITY; i++, s++)
			FZ_CHECK_INT(1, write_one(s, &second_piece));
		fz_ring_writer_close(&rw);
		FZ_CHECK_INT(CAPACITY, read_some(r, 64, kept, 3 + 2 * CAPACITY, &next, &wrapped));
	}
	FZ_CHECK(second_piece);
	FZ_CHECK(wrapped);
	FZ_CHECK_INT(3 + 2 * CAPACITY, records);
	FZ_CHECK_INT(0, full);
	free(r);
}

int main(void)
{
	FZ_RUN(test_live_rounds);
	FZ_RUN(test_live_full);
	FZ_RUN(test_offline_fills);
	return fz_test_summary();
}
