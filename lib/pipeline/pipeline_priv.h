/*
 * The pipeline's layout, shared by pipeline.c (consumers, exporters,
 * counters) and lanes.c (the export lanes: encoding and exporting on other
 * threads, fed in order).
 */
#ifndef FZ_PIPELINE_PRIV_H
#define FZ_PIPELINE_PRIV_H

#include <stdalign.h>
#include <stdint.h>

#include "fz_pipeline.h"

#define KEY_CAP 160

/* Counters of the stats lcore, published for other threads. */
struct pipe_counters {
	uint64_t flows;
	uint64_t items[FZ_ITEM__COUNT];
	uint64_t encode_errors;
	uint64_t batches;     /* batches handed to the export lanes */
	uint64_t batch_waits; /* times the stats lcore waited for a lane's free slot */
	uint64_t syncs;       /* times it waited until the lanes held nothing */
};

struct exp_counters {
	uint64_t taken;
	uint64_t failed;
	uint64_t lost;
};

/* An exporter's own counter set, published by whoever holds the exporters. */
struct exp_set {
	struct fz_pipeline *p;
	struct fz_exporter *e;
	const struct fz_exporter_counters *ec;
	unsigned n;    /* instances */
	uint64_t *tmp; /* n blocks */
	struct fz_counter_pub *pub;
	struct fz_counter_set set;
};

/* Slots of batches per lane, and the records of a batch. */
#define LANE_SLOTS  8
#define BATCH_RECS  256
#define BATCH_EVENT 16 /* events a batch holds before it grows its list */

/* A flow as it crosses to a lane: the worker's record and its zoo classes
 * (144 bytes, packed: 2.25 cache lines a record). */
struct lane_rec {
	struct fz_flow_rec rec;
	struct fz_zoo_result zoo; /* size_class NO_ZOO: no zoo ran */
};
#define NO_ZOO INT8_MIN

/* An event between the flows: before record at of its batch. Its key and
 * JSON (encoded on the stats lcore, which owns the event's body) are in the
 * batch's text. */
struct lane_event {
	unsigned at;
	enum fz_item_kind kind;
	int json_rc; /* 1, or the encoder's negative errno */
	const char *stream;
	size_t key_off, key_len; /* key_len 0 and has_key 0: no key */
	int has_key;
	size_t json_off, json_len;
};

/* What a lane made of one record: its JSON and key text in the lane's arena. */
struct lane_out {
	uint32_t json_off, json_len;
	uint32_t key_off, key_len;
	uint32_t key_crc; /* FZ_EXPORTER_KEY_CRC: CRC-32 of the key text (key_len > 0) */
	int json_rc;      /* 0: not encoded (no JSON exporter takes flows), 1, or < 0 */
	uint32_t prep_off;
	int prep_rc; /* the prepared exporter's bytes: their length, or < 0 */
};

struct lane_batch {
	uint64_t seq; /* the order of batches over every lane */
	unsigned n, n_ev, ev_cap;
	struct lane_rec *recs; /* BATCH_RECS */
	struct lane_event *ev;
	struct fz_json_buf text; /* the events' keys and JSON (max unused) */
	size_t text_len;
	struct lane_out *out; /* BATCH_RECS, the lane's */
	void *state;          /* the consumers' states before the batch's first flow */
	void *scratch;        /* the consumers' lane scratch (zero between batches) */
};

struct lane {
	struct lane_batch slot[LANE_SLOTS];
	void *encode_arg;
	struct fz_json_buf arena;  /* the records' JSON and keys of the batch at hand */
	struct fz_json_buf jbuf;   /* fz_item_json of an item not encoded ahead */
	alignas(64) uint64_t cut;  /* batches given (the stats lcore writes it) */
	alignas(64) uint64_t done; /* batches written (the lane writes it) */
};

struct fz_pipeline {
	struct fz_pipeline_conf conf;
	struct fz_consumer consumers[FZ_PIPELINE_MAX_CONSUMERS];
	unsigned n_consumers;
	/* The consumers that take flows, in order: their flow(), and what runs with lanes. */
	struct flow_call {
		void (*fn)(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item);
		void *arg;
	} flow_calls[FZ_PIPELINE_MAX_CONSUMERS], ordered_calls[FZ_PIPELINE_MAX_CONSUMERS];
	unsigned n_flow_calls;
	size_t state_off[FZ_PIPELINE_MAX_CONSUMERS];   /* in a batch's state */
	size_t scratch_off[FZ_PIPELINE_MAX_CONSUMERS]; /* in a batch's scratch */
	size_t state_size, scratch_size;               /* every consumer's, 64-byte rounded */
	struct fz_exporter *exporters[FZ_PIPELINE_MAX_EXPORTERS];
	unsigned n_exporters;
	unsigned kinds; /* union of the exporters' kinds */
	unsigned flags; /* union of the exporters' flags */
	int flow_json;  /* an exporter that takes flows reads their JSON */
	int prep_ex;    /* the exporter whose ops->prepare the lanes run, or -1 */
	struct fz_json_buf jbuf;
	uint64_t packet_us;
	struct pipe_counters c;
	struct exp_counters ec[FZ_PIPELINE_MAX_EXPORTERS];
	struct fz_counter_pub *pub, *epub;
	struct fz_counter_set set, eset;
	struct exp_set *own[FZ_PIPELINE_MAX_EXPORTERS]; /* exporters' own counters, or NULL */
	/* Export lanes (lanes.c); n_lanes 0: the stats lcore exports itself. */
	unsigned n_lanes;
	int lanes_on; /* batches go to the lanes (between create and stop) */
	struct lane *lanes;
	struct lane_batch *open;      /* the batch being filled, or NULL */
	void *state_next;             /* the consumers' states for the next batch */
	int in_flow;                  /* the consumers are at a flow: cuts wait for it */
	int cut_due;                  /* a cut asked for meanwhile */
	uint64_t seq_cut;             /* batches cut */
	uint64_t items_cut;           /* records and events in them */
	alignas(64) uint64_t written; /* batches written: the turn (lanes, atomic) */
	uint64_t items_written;       /* atomic */
	uint64_t lane_encode_errors;  /* atomic */
	uint64_t lost_pub;            /* exporters' losses when last published (atomic) */
	int publish_due;              /* the next turn publishes the exporters (atomic) */
	int stop;                     /* lanes return once their slots are empty (atomic) */
};

/* pipeline.c: every exporter that takes it->kind takes it; counts; returns the failures. */
unsigned fz_pipeline__take(struct fz_pipeline *p, struct fz_item *it);
/* pipeline.c: the exporters' counters and losses, by whoever holds the exporters. */
void fz_pipeline__publish_exporters(struct fz_pipeline *p);
/* pipeline.c: poll every exporter, by whoever holds the exporters. */
void fz_pipeline__poll_exporters(struct fz_pipeline *p);

/* The end of a lane's turn: each exporter's batch_end (the turn's items were held). */
void fz_pipeline__batch_end(struct fz_pipeline *p);

/* lanes.c: the stats lcore's side. */
void fz_pipeline__lane_flow(struct fz_pipeline *p, const struct fz_flow_rec *rec,
                            const struct fz_zoo_result *zoo);
void fz_pipeline__lane_event(struct fz_pipeline *p, const struct fz_item *it);
/* Do the lanes hold nothing of the exporters (every batch cut written)? */
int fz_pipeline__lanes_idle(const struct fz_pipeline *p);
/* Records and events taken but not yet written by the lanes. */
uint64_t fz_pipeline__lanes_pending(const struct fz_pipeline *p);
void fz_pipeline__lanes_free(struct fz_pipeline *p);

#endif
