/* Flow table: both directions, expiry reasons, eviction order, capacity. */
#include <string.h>

#include "fz_flow_table.h"
#include "fz_test.h"

#define MAX_RECS 64

static struct fz_flow_rec recs[MAX_RECS];
static unsigned n_recs;

static void collect(void *arg, struct fz_flow_rec *rec, const uint64_t *app_state)
{
	(void)arg;
	(void)app_state;
	if (n_recs < MAX_RECS)
		recs[n_recs++] = *rec;
}

static struct fz_flow_table *make(uint32_t cap)
{
	struct fz_flow_table_conf c = {
	    .capacity = cap,
	    .idle_us = 15000000,
	    .active_us = 60000000,
	    .linger_us = 2000000,
	    .worker = 3,
	    .export_fn = collect,
	};

	n_recs = 0;
	return fz_flow_table_create(&c);
}

/* A packet from host a:pa to host b:pb (IPv4 10.0.0.a -> 10.0.0.b). */
static struct fz_pkt pkt(uint8_t proto, uint8_t a, uint16_t pa, uint8_t b, uint16_t pb,
                         uint32_t ip_len, uint8_t flags)
{
	struct fz_pkt p;

	memset(&p, 0, sizeof(p));
	for (int e = 0; e < 2; e++) {
		p.key.addr[e][10] = 0xff;
		p.key.addr[e][11] = 0xff;
		p.key.addr[e][12] = 10;
		p.key.addr[e][15] = e ? b : a;
	}
	p.key.port[0] = pa;
	p.key.port[1] = pb;
	p.key.proto = proto;
	p.key.ip_version = 4;
	p.ip_len = ip_len;
	p.tcp_flags = flags;
	return p;
}

static void one(struct fz_flow_table *t, struct fz_pkt p, uint64_t now)
{
	fz_flow_table_update_burst(t, &p, 1, &now, NULL, NULL);
}

static void test_bidirectional(void)
{
	struct fz_flow_table *t = make(16);

	one(t, pkt(17, 2, 5000, 1, 53, 60, 0), 1000); /* initiator is the larger address */
	one(t, pkt(17, 1, 53, 2, 5000, 100, 0), 2000);
	one(t, pkt(17, 2, 5000, 1, 53, 70, 0), 3500);
	FZ_CHECK_INT(1, fz_flow_table_stats(t)->active);
	fz_flow_table_flush(t, FZ_END_EOF);
	FZ_CHECK_INT(1, n_recs);
	FZ_CHECK_INT(2, recs[0].key.addr[0][15]);
	FZ_CHECK_INT(5000, recs[0].key.port[0]);
	FZ_CHECK_INT(1, recs[0].key.addr[1][15]);
	FZ_CHECK_INT(53, recs[0].key.port[1]);
	FZ_CHECK_INT(2, recs[0].packets[FZ_FWD]);
	FZ_CHECK_INT(130, recs[0].bytes[FZ_FWD]);
	FZ_CHECK_INT(1, recs[0].packets[FZ_REV]);
	FZ_CHECK_INT(100, recs[0].bytes[FZ_REV]);
	FZ_CHECK_INT(1000, recs[0].first_us);
	FZ_CHECK_INT(3500, recs[0].last_us);
	FZ_CHECK_INT(FZ_END_EOF, recs[0].end_reason);
	FZ_CHECK_INT(3, recs[0].worker);
	FZ_CHECK_INT((3ULL << 48) | 0, recs[0].flow_id);
	FZ_CHECK_INT(0, fz_flow_table_stats(t)->active);
	fz_flow_table_free(t);
}

static void test_idle(void)
{
	struct fz_flow_table *t = make(16);

	one(t, pkt(17, 1, 1, 2, 2, 50, 0), 0);
	one(t, pkt(17, 1, 1, 2, 2, 50, 0), 15000000); /* exactly the timeout: same flow */
	FZ_CHECK_INT(0, n_recs);
	one(t, pkt(17, 1, 1, 2, 2, 50, 0), 30000001); /* longer than the timeout: new record */
	FZ_CHECK_INT(1, n_recs);
	FZ_CHECK_INT(FZ_END_IDLE, recs[0].end_reason);
	FZ_CHECK_INT(2, recs[0].packets[0]);
	/* The sweep: nothing at the timeout, the flow just after it. */
	FZ_CHECK_INT(0, fz_flow_table_expire(t, 45000001, 10));
	FZ_CHECK_INT(1, fz_flow_table_expire(t, 45000002, 10));
	FZ_CHECK_INT(2, n_recs);
	FZ_CHECK_INT(FZ_END_IDLE, recs[1].end_reason);
	FZ_CHECK_INT(1, recs[1].packets[0]);
	FZ_CHECK_INT(30000001, recs[1].first_us);
	FZ_CHECK_INT(2, fz_flow_table_stats(t)->created);
	FZ_CHECK_INT(2, fz_flow_table_stats(t)->ended[FZ_END_IDLE]);
	fz_flow_table_free(t);
}

static void test_active(void)
{
	struct fz_flow_table *t = make(16);

	for (uint64_t s = 0; s <= 70; s += 10)
		one(t, pkt(6, 1, 1000, 2, 80, 40, FZ_TCP_ACK), s * 1000000);
	/* Packets at 0..50 s; the one at 60 s starts the continuation. */
	FZ_CHECK_INT(1, n_recs);
	FZ_CHECK_INT(FZ_END_ACTIVE, recs[0].end_reason);
	FZ_CHECK_INT(6, recs[0].packets[0]);
	FZ_CHECK_INT(50000000, recs[0].last_us);
	fz_flow_table_flush(t, FZ_END_SHUTDOWN);
	FZ_CHECK_INT(2, n_recs);
	FZ_CHECK_INT(2, recs[1].packets[0]);
	FZ_CHECK_INT(60000000, recs[1].first_us);
	FZ_CHECK_INT(FZ_END_SHUTDOWN, recs[1].end_reason);
	FZ_CHECK_INT(1, recs[1].flow_id - recs[0].flow_id);
	fz_flow_table_free(t);
}

static void test_tcp_end(void)
{
	struct fz_flow_table *t = make(16);

	one(t, pkt(6, 1, 1000, 2, 80, 60, FZ_TCP_SYN), 0);
	one(t, pkt(6, 2, 80, 1, 1000, 60, FZ_TCP_SYN | FZ_TCP_ACK), 10);
	one(t, pkt(6, 1, 1000, 2, 80, 52, FZ_TCP_FIN | FZ_TCP_ACK), 20);
	one(t, pkt(6, 2, 80, 1, 1000, 52, FZ_TCP_FIN | FZ_TCP_ACK), 30);
	one(t, pkt(6, 1, 1000, 2, 80, 52, FZ_TCP_ACK), 40); /* the last ACK, in the linger */
	FZ_CHECK_INT(0, n_recs);
	FZ_CHECK_INT(0, fz_flow_table_expire(t, 2000040, 10));
	FZ_CHECK_INT(1, fz_flow_table_expire(t, 2000041, 10));
	FZ_CHECK_INT(FZ_END_TCP_END, recs[0].end_reason);
	FZ_CHECK_INT(3, recs[0].packets[0]);
	FZ_CHECK_INT(2, recs[0].packets[1]);
	FZ_CHECK_INT(FZ_TCP_SYN | FZ_TCP_FIN | FZ_TCP_ACK, recs[0].tcp_flags[0]);
	FZ_CHECK_INT(FZ_TCP_SYN | FZ_TCP_FIN | FZ_TCP_ACK, recs[0].tcp_flags[1]);

	/* RST, then a SYN on the same key within the linger: two records. */
	one(t, pkt(6, 1, 1001, 2, 80, 60, FZ_TCP_SYN), 5000000);
	one(t, pkt(6, 2, 80, 1, 1001, 40, FZ_TCP_RST), 5000010);
	one(t, pkt(6, 1, 1001, 2, 80, 60, FZ_TCP_SYN), 5000020);
	FZ_CHECK_INT(2, n_recs);
	FZ_CHECK_INT(FZ_END_TCP_END, recs[1].end_reason);
	FZ_CHECK_INT(FZ_TCP_RST, recs[1].tcp_flags[1]);
	fz_flow_table_flush(t, FZ_END_EOF);
	FZ_CHECK_INT(3, n_recs);
	FZ_CHECK_INT(1, recs[2].packets[0]);
	FZ_CHECK_INT(0, recs[2].packets[1]);
	FZ_CHECK_INT(5000020, recs[2].first_us);
	fz_flow_table_free(t);
}

static void test_eviction(void)
{
	struct fz_flow_table *t = make(3);

	one(t, pkt(17, 1, 1, 2, 1, 40, 0), 100);
	one(t, pkt(17, 1, 2, 2, 2, 40, 0), 200);
	one(t, pkt(17, 1, 3, 2, 3, 40, 0), 300);
	one(t, pkt(17, 2, 1, 1, 1, 40, 0), 400); /* flow 1 is now the most recent */
	one(t, pkt(17, 1, 4, 2, 4, 40, 0), 500); /* table full: flow 2 is the least recent */
	FZ_CHECK_INT(1, n_recs);
	FZ_CHECK_INT(FZ_END_EVICTED, recs[0].end_reason);
	FZ_CHECK_INT(2, recs[0].key.port[0]);
	one(t, pkt(17, 1, 5, 2, 5, 40, 0), 600); /* then flow 3 */
	FZ_CHECK_INT(2, n_recs);
	FZ_CHECK_INT(3, recs[1].key.port[0]);
	FZ_CHECK_INT(3, fz_flow_table_stats(t)->active);
	FZ_CHECK_INT(5, fz_flow_table_stats(t)->created);
	FZ_CHECK_INT(2, fz_flow_table_stats(t)->ended[FZ_END_EVICTED]);
	/* Flush exports oldest first: flow 1 (400), 4 (500), 5 (600). */
	fz_flow_table_flush(t, FZ_END_EOF);
	FZ_CHECK_INT(5, n_recs);
	FZ_CHECK_INT(1, recs[2].key.port[0]);
	FZ_CHECK_INT(2, recs[2].packets[0] + recs[2].packets[1]);
	FZ_CHECK_INT(4, recs[3].key.port[0]);
	FZ_CHECK_INT(5, recs[4].key.port[0]);
	fz_flow_table_free(t);
}

/*
 * Least-recently-active order on both lists when packets come back to back
 * (the entry is already the head), from the tail and from the middle.
 */
static void test_lru_order(void)
{
	static const uint16_t want[] = {4, 1, 6, 3, 5, 2};
	struct fz_flow_table *t = make(8);

	one(t, pkt(17, 1, 1, 2, 1, 40, 0), 100);
	one(t, pkt(17, 1, 2, 2, 2, 40, 0), 200);
	one(t, pkt(17, 1, 3, 2, 3, 40, 0), 300);
	one(t, pkt(17, 1, 4, 2, 4, 40, 0), 400);
	one(t, pkt(17, 2, 4, 1, 4, 40, 0), 500);   /* already the head */
	one(t, pkt(17, 1, 1, 2, 1, 40, 0), 600);   /* from the tail */
	one(t, pkt(6, 1, 5, 2, 5, 40, 0x04), 610); /* RST: lingers */
	one(t, pkt(6, 1, 6, 2, 6, 40, 0x04), 620);
	one(t, pkt(6, 2, 5, 1, 5, 40, 0x10), 630); /* linger tail to head */
	one(t, pkt(6, 2, 6, 1, 6, 40, 0x10), 640); /* and back */
	one(t, pkt(17, 1, 3, 2, 3, 40, 0), 700);   /* from the middle */
	one(t, pkt(17, 1, 3, 2, 3, 40, 0), 800);   /* the head again */
	one(t, pkt(6, 2, 5, 1, 5, 40, 0x10), 850);
	one(t, pkt(6, 2, 5, 1, 5, 40, 0x10), 860);
	one(t, pkt(17, 2, 2, 1, 2, 40, 0), 900);
	FZ_CHECK_INT(0, n_recs);
	/* Oldest first across both lists: 4 (500), 1 (600), 6 (640), 3 (800), 5 (860), 2 (900). */
	fz_flow_table_flush(t, FZ_END_EOF);
	FZ_CHECK_INT(6, n_recs);
	for (unsigned i = 0; i < n_recs && i < 6; i++) {
		FZ_CHECK_INT(want[i], recs[i].key.port[0]);
		FZ_CHECK_INT(FZ_END_EOF, recs[i].end_reason);
	}
	FZ_CHECK_INT(500, recs[0].last_us);
	FZ_CHECK_INT(2, recs[0].packets[0] + recs[0].packets[1]);
	FZ_CHECK_INT(3, recs[3].packets[0]);
	FZ_CHECK_INT(3, recs[4].packets[1]);
	fz_flow_table_free(t);
}

static void test_bytes_per_flow(void)
{
	struct fz_flow_table *t = make(1024);

	/* 128-byte entry plus two 4-byte chain heads. */
	FZ_CHECK_INT(136, fz_flow_table_bytes_per_flow(t));
	fz_flow_table_free(t);
}

static void test_bad_conf(void)
{
	struct fz_flow_table_conf c = {.capacity = 0, .export_fn = collect};

	FZ_CHECK(fz_flow_table_create(&c) == NULL);
	c.capacity = 4;
	c.export_fn = NULL;
	FZ_CHECK(fz_flow_table_create(&c) == NULL);
}

static void test_burst_many(void)
{
	enum { N = 100 };
	struct fz_flow_table *t = make(64);
	struct fz_pkt p[N];
	uint64_t now[N];

	/* 100 distinct flows through a 64-entry table in one burst: 36 evictions. */
	for (int i = 0; i < N; i++) {
		p[i] = pkt(17, 1, (uint16_t)(i + 1), 2, 9, 40, 0);
		now[i] = (uint64_t)i;
	}
	fz_flow_table_update_burst(t, p, N, now, NULL, NULL);
	FZ_CHECK_INT(36, fz_flow_table_stats(t)->ended[FZ_END_EVICTED]);
	FZ_CHECK_INT(64, fz_flow_table_stats(t)->active);
	for (unsigned i = 0; i < n_recs; i++)
		FZ_CHECK_INT(i + 1, recs[i].key.port[0]);
	fz_flow_table_free(t);
}

/* Records built in place (rec_slot) equal the table's own, field for field. */
static struct fz_flow_rec slots[MAX_RECS];
static unsigned n_slots, slot_mismatch;

static struct fz_flow_rec *next_slot(void *arg)
{
	(void)arg;
	memset(&slots[n_slots], 0xa5, sizeof(slots[0])); /* what was there before */
	return &slots[n_slots];
}

static void keep_slot(void *arg, struct fz_flow_rec *rec, const uint64_t *app_state)
{
	(void)arg;
	(void)app_state;
	if (rec != &slots[n_slots])
		slot_mismatch++;
	n_slots++;
}

/* A window of WIN slots at a time; rec_slot is called only at its end and opens the next. */
#define WIN 5
static struct fz_rec_window win;
static unsigned n_refills;

static struct fz_flow_rec *refill(void *arg)
{
	(void)arg;
	n_refills++;
	memset(&slots[n_slots], 0xa5, WIN * sizeof(slots[0]));
	win.next = &slots[n_slots];
	win.end = win.next + WIN;
	return win.next;
}

static void keep_window(void *arg, struct fz_flow_rec *rec, const uint64_t *app_state)
{
	(void)arg;
	(void)app_state;
	if (rec != win.next || rec != &slots[n_slots])
		slot_mismatch++;
	win.next++;
	n_slots++;
}

static void run_mixed(struct fz_flow_table *t)
{
	/* 3 evictions, a bin report, 4 idle into the free list, their reuse and
	 * one more eviction, 4 flushed. */
	for (uint16_t i = 1; i <= 6; i++)
		one(t, pkt(17, 1, i, 2, 9, 40 + i, 0), 100 * i);
	one(t, pkt(6, 2, 80, 1, 7, 60, FZ_TCP_SYN), 1000);
	one(t, pkt(17, 2, 9, 1, 6, 52, 0), 1500000); /* flow 6 answered, next bin */
	fz_flow_table_expire(t, 20000000, 64);
	for (uint16_t i = 10; i <= 14; i++)
		one(t, pkt(17, 1, i, 3, 9, 40, 0), 20000000 + i);
	fz_flow_table_flush(t, FZ_END_EOF);
}

static void test_rec_slot(void)
{
	struct fz_flow_table_conf c = {
	    .capacity = 4,
	    .idle_us = 15000000,
	    .active_us = 60000000,
	    .linger_us = 2000000,
	    .worker = 3,
	    .export_fn = collect,
	    .bin_us = 1000000,
	};
	struct fz_flow_table *t = fz_flow_table_create(&c);

	n_recs = 0;
	run_mixed(t);
	FZ_CHECK_INT(4, fz_flow_table_stats(t)->ended[FZ_END_EVICTED]);
	FZ_CHECK_INT(4, fz_flow_table_stats(t)->ended[FZ_END_IDLE]);
	FZ_CHECK_INT(4, fz_flow_table_stats(t)->ended[FZ_END_EOF]);
	FZ_CHECK_INT(12, fz_flow_table_stats(t)->created);
	FZ_CHECK_INT(0, fz_flow_table_stats(t)->active);
	FZ_CHECK_INT(13, n_recs); /* 12 flows and one bin report */
	FZ_CHECK_INT(FZ_REC_BIN, recs[3].kind);
	FZ_CHECK_INT(6, recs[3].key.port[0]);
	FZ_CHECK(recs[0].flow_id == (3ULL << 48));
	FZ_CHECK(recs[12].flow_id == (3ULL << 48 | 11));
	fz_flow_table_free(t);

	c.export_fn = keep_slot;
	c.rec_slot = next_slot;
	t = fz_flow_table_create(&c);
	n_slots = slot_mismatch = 0;
	run_mixed(t);
	FZ_CHECK_INT(0, slot_mismatch);
	FZ_CHECK_INT(13, n_slots);
	FZ_CHECK(memcmp(slots, recs, 13 * sizeof(recs[0])) == 0);
	fz_flow_table_free(t);

	/* The same records through a window: 13 records, 3 windows of 5. */
	c.export_fn = keep_window;
	c.rec_slot = refill;
	c.rec_window = &win;
	t = fz_flow_table_create(&c);
	memset(slots, 0, sizeof(slots));
	n_slots = slot_mismatch = n_refills = 0;
	win.next = win.end = NULL;
	run_mixed(t);
	FZ_CHECK_INT(0, slot_mismatch);
	FZ_CHECK_INT(13, n_slots);
	FZ_CHECK_INT(3, n_refills);
	FZ_CHECK(memcmp(slots, recs, 13 * sizeof(recs[0])) == 0);
	fz_flow_table_free(t);
}

int main(void)
{
	FZ_RUN(test_bidirectional);
	FZ_RUN(test_idle);
	FZ_RUN(test_active);
	FZ_RUN(test_tcp_end);
	FZ_RUN(test_eviction);
	FZ_RUN(test_lru_order);
	FZ_RUN(test_bytes_per_flow);
	FZ_RUN(test_bad_conf);
	FZ_RUN(test_burst_many);
	FZ_RUN(test_rec_slot);
	return fz_test_summary();
}
