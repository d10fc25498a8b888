/*
 * A worker lcore: polls its RX queues in bursts, parses, accounts packets in
 * its own flow table, runs L7 matching on the first packets of each flow,
 * expires flows and sends finished records to the stats lcore through its
 * single-producer/single-consumer ring. One worker owns its table alone.
 */
#ifndef FZ_WORKER_H
#define FZ_WORKER_H

#include <stdint.h>

#include "fz_counters.h"
#include "fz_parse.h"
#include "fz_record.h"
#include "fz_source.h"

struct fz_l7;
struct fz_networks;
struct rte_ring;

/*
 * Worker counters, declared once: one line of this X-macro makes the field
 * and its declaration (struct fz_counter_def in worker_counters.c: name,
 * type, where it shows, unit, help, health watch). The arrays after it are
 * declared in worker_counters.c too.
 */
#define FZ_WORKER_COUNTERS(X)                                                                      \
	X(packets, FZ_CF_TOTAL | FZ_CF_INSTANCE | FZ_CF_STATUS, "packets", "packets received",     \
	  NULL)                                                                                    \
	X(bytes, FZ_CF_TOTAL | FZ_CF_INSTANCE | FZ_CF_STATUS, "bytes",                             \
	  "bytes received (IP level)", NULL)                                                       \
	X(flow_packets, FZ_CF_INSTANCE, "packets", "packets accounted in a flow", NULL)            \
	X(fragments, FZ_CF_TOTAL | FZ_CF_INSTANCE, "packets", "IP fragments seen", NULL)           \
	X(fragments_unmatched, FZ_CF_TOTAL | FZ_CF_INSTANCE, "packets",                            \
	  "non-first fragments whose first fragment was not seen", NULL)                           \
	X(missing_at_eof, FZ_CF_DROP | FZ_CF_INSTANCE, "packets",                                  \
	  "frames a capture announced but did not deliver", &fz_worker_watch_missing)              \
	X(suspended, FZ_CF_DROP | FZ_CF_INSTANCE | FZ_CF_NOTCOUNT, "packets",                      \
	  "packets dropped while suspended", NULL)                                                 \
	X(ring_full, FZ_CF_DROP | FZ_CF_INSTANCE | FZ_CF_STATUS | FZ_CF_NOTCOUNT, "records",       \
	  "flow records dropped: the ring to the stats lcore was full", &fz_worker_watch_ring)     \
	X(records, FZ_CF_INSTANCE, "records", "flow records put on the ring", NULL)                \
	X(l7_scanned, FZ_CF_INSTANCE, "payloads", "payloads given to Hyperscan", NULL)             \
	X(l7_skipped, FZ_CF_INSTANCE, "payloads", "payloads no signature can match, not scanned",  \
	  NULL)                                                                                    \
	X(bin_reports, FZ_CF_INSTANCE, "records",                                                  \
	  "bin reports: a flow's counts handed over as its packets cross a traffic bin", NULL)     \
	X(host_reports, FZ_CF_INSTANCE, "records",                                                 \
	  "attack detection: per-second destination-host reports handed over", NULL)               \
	X(detect_full, FZ_CF_DROP | FZ_CF_INSTANCE, "packets",                                     \
	  "packets attack detection did not count: the second's host table was full "              \
	  "(--detect-hosts)",                                                                      \
	  NULL)

struct fz_worker_counters {
#define FZ_X(name, flags, unit, help, watch) uint64_t name;
	FZ_WORKER_COUNTERS(FZ_X)
#undef FZ_X
	uint64_t parse[FZ_PARSE__COUNT]; /* [FZ_PARSE_OK] unused; the others are drops */
	uint64_t flows_created;
	uint64_t flows_active;
	uint64_t flows_ended[FZ_END__COUNT];
	uint64_t start_tsc; /* when the loop started and, once it has, stopped */
	uint64_t stop_tsc;
};

/* The declarations of struct fz_worker_counters (offsets within it). */
extern const struct fz_counter_def fz_worker_counter_defs[];
extern const unsigned fz_worker_n_counter_defs;
extern const struct fz_counter_watch fz_worker_watch_missing, fz_worker_watch_ring;

enum fz_clock_mode {
	FZ_CLOCK_AUTO = 0, /* packet timestamps when the port gives them, else TSC */
	FZ_CLOCK_PCAP,     /* packet timestamps only */
	FZ_CLOCK_TSC,      /* TSC only */
};

#define FZ_WORKER_MAX_QUEUES 64

/*
 * What a worker reads: an RX queue of a DPDK port, or (src.burst set) a
 * packet source of frame descriptors such as a capture file, which needs
 * no EAL at all.
 */
struct fz_worker_queue {
	uint16_t port;
	uint16_t queue;
	uint8_t link;  /* enum fz_link_type (a port's; a source gives it per frame) */
	uint8_t ts_us; /* the port stamps packets with microseconds since the epoch (net_pcap) */
	uint64_t expect_packets; /* offline: stop this queue after so many packets (0: never) */
	struct fz_source src;    /* burst NULL: the DPDK port's queue */
};

struct fz_worker_conf {
	uint16_t id; /* worker index: records' "worker" and flow-id prefix */
	unsigned lcore;
	struct fz_worker_queue queues[FZ_WORKER_MAX_QUEUES];
	unsigned n_queues;
	/* Offline: read the queues one after another, each to its expect_packets,
	 * and never drop a record on a full ring (wait instead). */
	int offline;
	struct rte_ring *ring;              /* to the stats lcore: FZ_RING_ELEM-byte elements */
	const struct fz_l7 *l7;             /* NULL: no L7 */
	const struct fz_networks *networks; /* NULL: no networks (records' net ids 0) */
	uint64_t bin_us;                    /* traffic bins (0: none): bin reports and marks */
	uint32_t detect_hosts; /* attack detection: hosts per second (0: no detection) */
	uint32_t flows;        /* table capacity */
	uint64_t idle_us, active_us, linger_us;
	enum fz_clock_mode clock;
	uint64_t epoch_us_at_start; /* wall clock at tsc_at_start, for the TSC clock */
	uint64_t tsc_at_start;
	uint64_t tsc_hz;
	/* Pacing (flowzoo --replay): receive at most this many packets per second of
	 * TSC time from all queues together, counted from the start of the loop; 0:
	 * as fast as the queues deliver. */
	uint64_t pace_pps;
	const volatile int *stop;      /* set by main: finish and flush */
	const volatile int *suspended; /* set by main: drop and count arriving packets */
};

/*
 * A record crosses the ring to the stats lcore as one element of
 * FZ_RING_ELEM bytes, written in place by the worker and read in place by
 * the stats lcore (DPDK's zero-copy ring API, which needs a single producer
 * and a single consumer): nothing copies it on its way. Create the ring
 * with RING_F_SP_ENQ | RING_F_SC_DEQ, FZ_RING_ELEM-byte elements and as
 * many elements as the records it is to hold.
 */
#define FZ_RING_ELEM ((unsigned)sizeof(struct fz_flow_rec))

/* Records of a worker's ring in place, oldest first: part[0][0..n[0]), then
 * part[1][0..n[1]) (the ring wraps around between the two). */
struct fz_ring_view {
	const struct fz_flow_rec *part[2];
	unsigned n[2];
};

/*
 * Stats lcore: look at up to max records of a worker's ring without taking
 * them; returns how many (v's two parts hold them). They stay in place,
 * unchanged, until fz_ring_release gives them back to the worker; call it
 * before the next fz_ring_peek of the same ring.
 */
unsigned fz_ring_peek(struct rte_ring *r, unsigned max, struct fz_ring_view *v);

/* Give the n records of the last fz_ring_peek (its return value) back to the worker. */
void fz_ring_release(struct rte_ring *r, unsigned n);

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
