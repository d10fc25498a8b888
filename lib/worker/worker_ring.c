/*
 * Both ends of a worker's ring: the worker writes records in place
 * (worker_ring.h) and the stats lcore reads them in place (fz_ring_peek),
 * so a record is written once and never copied on its way.
 */
#include <time.h>

#include <rte_pause.h>

#include "worker_ring.h"

#define WAIT_SPINS 256 /* offline, ring full: pauses before sleeping */

static const struct timespec ring_wait = {0, 20000}; /* offline, ring still full: 20 us */

_Static_assert(FZ_RING_ELEM % 4 == 0, "DPDK's ring elements are multiples of 4 bytes");

/* Records written (or spilled) since the last publish. */
static unsigned written(const struct fz_ring_writer *rw)
{
	return rw->before + (unsigned)(rw->win.next - rw->base);
}

static void publish(struct fz_ring_writer *rw)
{
	unsigned k = written(rw);

	if (rw->base == &rw->spill) {
		*rw->full += k;
	} else {
		if (rw->n)
			rte_ring_enqueue_zc_elem_finish(rw->ring, k);
		*rw->records += k;
	}
	rw->base = rw->win.next = rw->win.end = NULL;
	rw->n = rw->before = 0;
}

void fz_ring_writer_close(struct fz_ring_writer *rw)
{
	publish(rw);
	rw->blocked = 0;
}

static struct fz_flow_rec *piece(struct fz_ring_writer *rw, void *at, unsigned n, unsigned before)
{
	rw->base = rw->win.next = at;
	rw->win.end = rw->base + n;
	rw->before = before;
	return rw->win.next;
}

__attribute__((noinline)) struct fz_flow_rec *fz_ring_writer__reserve(struct fz_ring_writer *rw)
{
	unsigned spins = 0;

	/* A record is one element, so the wrap falls between two records. */
	if (rw->n > rw->zc.n1 && rw->base == rw->zc.ptr1)
		return piece(rw, rw->zc.ptr2, rw->n - rw->zc.n1, rw->zc.n1);
	publish(rw);
	if (rw->blocked)
		return piece(rw, &rw->spill, 1, 0);
	for (;;) {
		/* One producer: the room only grows until we use it. */
		rw->n = rte_ring_enqueue_zc_burst_elem_start(rw->ring, FZ_RING_ELEM,
		                                             FZ_RING_RESERVE, &rw->zc, NULL);
		if (rw->n)
			return piece(rw, rw->zc.ptr1, rw->zc.n1, 0);
		if (!rw->offline) {
			rw->blocked = 1;
			return piece(rw, &rw->spill, 1, 0);
		}
		/* Offline the stats lcore is the bottleneck here: after a short
		 * spin, sleep rather than take the CPU it may share with us. */
		if (++spins < WAIT_SPINS)
			rte_pause();
		else
			nanosleep(&ring_wait, NULL);
	}
}

unsigned fz_ring_peek(struct rte_ring *r, unsigned max, struct fz_ring_view *v)
{
	struct rte_ring_zc_data zc;
	unsigned n = rte_ring_dequeue_zc_burst_elem_start(r, FZ_RING_ELEM, max, &zc, NULL);

	if (n == 0) {
		*v = (struct fz_ring_view){{NULL, NULL}, {0, 0}};
		return 0;
	}
	v->part[0] = zc.ptr1;
	v->n[0] = n < zc.n1 ? n : zc.n1;
	v->part[1] = zc.ptr2;
	v->n[1] = n - v->n[0];
	return n;
}

void fz_ring_release(struct rte_ring *r, unsigned n)
{
	if (n)
		rte_ring_dequeue_zc_elem_finish(r, n);
}
