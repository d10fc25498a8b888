/*
 * L7 classification: names a flow's application from the payload of its
 * first packets with Hyperscan. The signature file is compiled once at start
 * (fz_l7_create) into one block-mode database per transport; each worker
 * clones its own scratch (fz_l7_scratch_create) and the hot path only calls
 * fz_l7_scan. Per-flow state is the 8-byte struct fz_l7_flow, which lives in
 * the flow table entry. docs/l7.md explains why block mode, with numbers.
 */
#ifndef FZ_L7_H
#define FZ_L7_H

#include <stddef.h>
#include <stdint.h>

#define FZ_L7_DEFAULT_MAX_PKTS  8
#define FZ_L7_DEFAULT_MAX_BYTES 2048
#define FZ_L7_APP_UNKNOWN       0

/* Configuration. Budgets are per direction; 0 selects the default. */
struct fz_l7_conf {
	const char *sig_path;  /* signature file (docs/signatures.md) */
	unsigned max_pkts;     /* payload packets scanned per direction, 1..255 */
	unsigned max_bytes;    /* payload bytes scanned per direction, 1..65535 */
	const char *cache_dir; /* compiled databases kept here for the next start (NULL: none) */
};

/*
 * Per-flow state: 8 bytes, zeroed for a new flow record. app is 0
 * ("unknown") until a signature names the flow; done is set once the flow is
 * named or both directions' budgets are spent, after which the caller need
 * not call fz_l7_scan again.
 */
struct fz_l7_flow {
	uint8_t app;
	uint8_t done;
	uint8_t pkts[2];
	uint16_t bytes[2];
};

struct fz_l7;
struct fz_l7_scratch;

/*
 * Load the signature file and compile it. Returns NULL on failure, sets errno
 * (ENOENT etc. from opening the file, EINVAL for a bad signature or option,
 * ENOMEM) and writes a message into err, e.g.
 * "signatures/x.sigs:12: http: <Hyperscan's message>".
 */
struct fz_l7 *fz_l7_create(const struct fz_l7_conf *conf, char *err, size_t errlen);

/* Free the databases; NULL is allowed. Free every scratch first. */
void fz_l7_free(struct fz_l7 *l7);

/* Number of application names, including [0] = "unknown". */
unsigned fz_l7_app_count(const struct fz_l7 *l7);

/* Application names indexed by fz_l7_flow.app: [0] = "unknown", then classes in file order. */
const char *const *fz_l7_app_names(const struct fz_l7 *l7);

/* Id of the application called name, or -ENOENT. */
int fz_l7_app_id(const struct fz_l7 *l7, const char *name);

/* Number of signatures loaded. */
unsigned fz_l7_sig_count(const struct fz_l7 *l7);

/*
 * Allocate one worker's scratch space (cloned from the prototype made at
 * create time). Returns NULL and sets errno (ENOMEM) on failure. Call it on
 * the control path, one per worker; a scratch must not be shared.
 */
struct fz_l7_scratch *fz_l7_scratch_create(const struct fz_l7 *l7);

/* Free a scratch; NULL is allowed. */
void fz_l7_scratch_free(struct fz_l7_scratch *s);

/* What one scratch (one worker) did with the packets given to fz_l7_scan. */
struct fz_l7_scan_stats {
	uint64_t scanned; /* payloads handed to Hyperscan */
	uint64_t skipped; /* payloads charged to the budget but not scanned: they cannot match */
};

/* The scratch's counters; read by its worker, or by a monitor without locks. */
const struct fz_l7_scan_stats *fz_l7_scratch_stats(const struct fz_l7_scratch *s);

/*
 * Shortest payload (bytes) that any signature for IP protocol proto can
 * match: the least of Hyperscan's min_width over the signatures of that
 * transport's database, 0 when it has none. Shorter payloads are charged to
 * the budget but not scanned, since block mode scans each packet alone.
 */
unsigned fz_l7_min_len(const struct fz_l7 *l7, uint8_t proto);

/*
 * Whether a payload beginning with byte can match a signature for IP protocol
 * proto (1) or certainly cannot (0). Worked out at create time from the
 * signatures anchored at the payload's start (/^.../); a signature the
 * analysis does not fully read allows every byte. A payload that cannot match
 * is charged to the budget but not scanned.
 */
int fz_l7_can_begin(const struct fz_l7 *l7, uint8_t proto, uint8_t byte);

/*
 * The part of fz_l7_scan that needs no Hyperscan, for a worker to run inline
 * (issue 23: most payloads of a flood are charged and skipped, and a call
 * with eight arguments cost more than the decision). Made once at create
 * time; read-only after. The databases are indexed by transport: TCP, UDP,
 * other (FZ_L7_GATE_DB).
 */
struct fz_l7_gate {
	uint16_t max_pkts;  /* payload packets scanned per direction */
	uint16_t max_bytes; /* payload bytes scanned per direction */
	uint8_t has_db[3];  /* some signature applies to this transport */
	/* Shortest match any signature of the database can make, in bytes: a
	 * payload shorter than this cannot match, so it is not scanned. */
	uint32_t min_len[3];
	/* Bytes that can begin a payload one of the database's signatures
	 * matches (bit b of first[db][b / 64]); another first byte is a miss. */
	uint64_t first[3][4];
};

/* The database of IP protocol proto in fz_l7_gate's arrays. */
#define FZ_L7_GATE_DB(proto) ((proto) == 6 ? 0 : (proto) == 17 ? 1 : 2)

/* The gate of l7's databases. */
const struct fz_l7_gate *fz_l7_gate(const struct fz_l7 *l7);

static inline int fz_l7__spent(const struct fz_l7_gate *g, const struct fz_l7_flow *st, unsigned d)
{
	return st->pkts[d] >= g->max_pkts || st->bytes[d] >= g->max_bytes;
}

/* Whether byte can begin a match of database k (fz_l7_gate.first). */
static inline int fz_l7__can_begin(const struct fz_l7_gate *g, unsigned k, uint8_t byte)
{
	return (int)((g->first[k][byte >> 6] >> (byte & 63)) & 1);
}

/*
 * Charge one payload of len > 0 bytes sent in direction d (0 by the
 * initiator, 1 by the responder; nothing else) to st's budget,
 * as fz_l7_scan does, and decide without Hyperscan what it can. Returns 1
 * when the payload's first *len bytes (clamped to the budget) must be handed
 * to fz_l7_scan_charged; 0 when it is settled: st was done or its budget in
 * d spent, or no signature can match the payload (then *skipped is counted).
 * Sets st->done when both directions' budgets are spent.
 */
static inline int fz_l7_gate_charge(const struct fz_l7_gate *g, struct fz_l7_flow *st, unsigned d,
                                    uint8_t proto, const uint8_t *payload, uint32_t *len,
                                    uint64_t *skipped)
{
	unsigned k = FZ_L7_GATE_DB(proto);
	uint32_t room, n = *len;

	if (st->done)
		return 0;
	if (!fz_l7__spent(g, st, d)) {
		room = (uint32_t)g->max_bytes - st->bytes[d];
		if (n > room)
			n = room;
		st->pkts[d]++;
		st->bytes[d] = (uint16_t)(st->bytes[d] + n);
		if (g->has_db[k]) {
			if (n >= g->min_len[k] && fz_l7__can_begin(g, k, payload[0])) {
				*len = n;
				return 1;
			}
			/* Too short for any signature, or a first byte none can
			 * begin with: charged as scanned, but Hyperscan's fixed cost
			 * per call is not paid for a certain miss. */
			(*skipped)++;
		}
	}
	/* d first: the other direction's budget is unchanged by this packet. */
	if (fz_l7__spent(g, st, d) && fz_l7__spent(g, st, !d))
		st->done = 1;
	return 0;
}

/*
 * The rest of fz_l7_scan, after fz_l7_gate_charge returned 1 for the same
 * payload (len is what it left in *len): hand it to Hyperscan, name the flow
 * when a signature matches, and set st->done as fz_l7_scan does.
 */
void fz_l7_scan_charged(const struct fz_l7 *l7, struct fz_l7_scratch *s, struct fz_l7_flow *st,
                        unsigned dir, uint8_t proto, uint16_t sport, uint16_t dport,
                        const uint8_t *payload, uint32_t len);

/* The scan counters of a scratch, for its worker to count inline (fz_l7_gate_charge). */
struct fz_l7_scan_stats *fz_l7_scratch_counts(struct fz_l7_scratch *s);

/*
 * Hot path: scan one packet's L4 payload. dir 0 = sent by the flow's
 * initiator, 1 = by the responder; proto = IP protocol; sport/dport = this
 * packet's own source and destination ports (host order). Sets st->app and
 * st->done when a signature names the flow; sets st->done when both
 * directions' budgets are spent. Ports only break ties between signatures of
 * equal priority that both match; they never name a flow alone. No
 * allocation, no system calls. Packets with len 0 are ignored. A payload
 * shorter than fz_l7_min_len, or whose first byte fz_l7_can_begin rules out,
 * is charged to the budget like any other but not handed to Hyperscan.
 */
void fz_l7_scan(const struct fz_l7 *l7, struct fz_l7_scratch *s, struct fz_l7_flow *st,
                unsigned dir, uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *payload,
                uint32_t len);

#endif
