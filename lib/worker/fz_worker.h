/*
 * A worker lcore: polls its RX queues in bursts, parses, accounts packets in
 * its own flow table, runs L7 matching on the first packets of each flow,
 * expires flows and sends finished records to the stats lcore through its
 * single-producer/single-consumer ring. One worker owns its table alone.
 */
#ifndef FZ_WORKER_H
#define FZ_WORKER_H

#include <stdint.h>

#include "fz_parse.h"
#include "fz_record.h"

struct fz_l7;
struct rte_ring;

/* Worker counters: one X-macro makes the fields and their names. */
#define FZ_WORKER_COUNTERS(X)                                                                      \
	X(packets)                                                                                 \
	X(bytes)                                                                                   \
	X(flow_packets)                                                                            \
	X(fragments)                                                                               \
	X(fragments_unmatched)                                                                     \
	X(missing_at_eof)                                                                          \
	X(suspended)                                                                               \
	X(ring_full)                                                                               \
	X(records)                                                                                 \
	X(l7_scanned)                                                                              \
	X(l7_skipped)

struct fz_worker_counters {
#define FZ_X(name) uint64_t name;
	FZ_WORKER_COUNTERS(FZ_X)
#undef FZ_X
	uint64_t parse[FZ_PARSE__COUNT]; /* [FZ_PARSE_OK] unused; the others are drops */
	uint64_t flows_created;
	uint64_t flows_active;
	uint64_t flows_ended[FZ_END__COUNT];
	uint64_t start_tsc; /* when the loop started and, once it has, stopped */
	uint64_t stop_tsc;
};

extern const char *const fz_worker_counter_names[];

enum fz_clock_mode {
	FZ_CLOCK_AUTO = 0, /* packet timestamps when the port gives them, else TSC */
	FZ_CLOCK_PCAP,     /* packet timestamps only */
	FZ_CLOCK_TSC,      /* TSC only */
};

enum fz_link_type {
	FZ_LINK_ETHER = 0,
	FZ_LINK_SLL,
	FZ_LINK_RAW,
	FZ_LINK_SLL2,
};

#define FZ_WORKER_MAX_QUEUES 64

struct fz_worker_queue {
	uint16_t port;
	uint16_t queue;
	uint8_t link;  /* enum fz_link_type */
	uint8_t ts_us; /* the port stamps packets with microseconds since the epoch (net_pcap) */
	uint64_t expect_packets; /* offline: stop this queue after so many packets (0: never) */
};

struct fz_worker_conf {
	uint16_t id; /* worker index: records' "worker" and flow-id prefix */
	unsigned lcore;
	struct fz_worker_queue queues[FZ_WORKER_MAX_QUEUES];
	unsigned n_queues;
	/* Offline: read the queues one after another, each to its expect_packets,
	 * and never drop a record on a full ring (wait instead). */
	int offline;
	struct rte_ring *ring;  /* to the stats lcore; elements are struct fz_flow_rec */
	const struct fz_l7 *l7; /* NULL: no L7 */
	uint32_t flows;         /* table capacity */
	uint64_t idle_us, active_us, linger_us;
	enum fz_clock_mode clock;
	uint64_t epoch_us_at_start; /* wall clock at tsc_at_start, for the TSC clock */
	uint64_t tsc_at_start;
	uint64_t tsc_hz;
	const volatile int *stop;      /* set by main: finish and flush */
	const volatile int *suspended; /* set by main: drop and count arriving packets */
};

struct fz_worker;

/* Create a worker (table, fragment table, L7 scratch). NULL + errno on failure. */
struct fz_worker *fz_worker_create(const struct fz_worker_conf *conf);

void fz_worker_free(struct fz_worker *w);

/*
 * The lcore loop (an lcore_function_t): runs until *stop is set or, offline,
 * until every queue has delivered its packets; then exports every flow
 * (end reason shutdown or eof) and returns 0.
 */
int fz_worker_run(void *worker);

/* The worker's counters, updated by the worker only; safe to read at any time. */
const struct fz_worker_counters *fz_worker_counters(const struct fz_worker *w);

/* Set when the loop has returned and every record is on the ring. */
int fz_worker_done(const struct fz_worker *w);

/* Bytes of memory per flow of the worker's table. */
size_t fz_worker_bytes_per_flow(const struct fz_worker *w);

#endif
