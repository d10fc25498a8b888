/* Shared by traffic.c (bins) and traffic_record.c (the record). */
#ifndef FZ_TRAFFIC_PRIV_H
#define FZ_TRAFFIC_PRIV_H

#include <string.h>

#include "fz_traffic.h"
#include "seen.h"
#include "topn.h"

enum { TOP_SRC_IP = 0, TOP_DST_IP, TOP_DST_PORT, TOP__COUNT };

/* One network in one bin. */
struct net_bin {
	struct fz_traffic_counts all;   /* the record's counts */
	struct fz_traffic_counts alert; /* the same less the flows alert_ignored() names */
	uint64_t *apps;                 /* n_apps x (flows, packets, bytes), made on first use */
	struct topn top[TOP__COUNT];
	int has_top;
};

struct bin {
	uint64_t index; /* the bin [index * bin_us, (index + 1) * bin_us) */
	struct net_bin *nets;
};

struct worker_mark {
	int heard; /* a mark came */
	int done;
	int empty;
	uint64_t oldest_us, now_us;
};

struct traffic_counters {
	uint64_t records;       /* traffic records written */
	uint64_t bin_reports;   /* bin reports taken */
	uint64_t tracked_flows; /* flows with reported counts, now */
	uint64_t open_bins;     /* bins not written yet, now */
	uint64_t late_records;  /* bin reports or flows for a bin already written */
	uint64_t late_bytes;
	uint64_t skipped_bins; /* empty bins of long gaps, not written */
	uint64_t no_memory;    /* contributions lost to a failed allocation */
};

/* Entries per top list a record can list (--top-n is capped to it). */
#define TRAFFIC_LIST_MAX 256

/* A destination port as a top-list key: zeros, then the port in network order. */
static inline void traffic_port_key(uint8_t k[16], uint16_t port)
{
	memset(k, 0, 14);
	k[14] = (uint8_t)(port >> 8);
	k[15] = (uint8_t)port;
}

/* Entries of each top list a record shows: --top-n, capped. */
static inline unsigned traffic_list_len(const struct fz_traffic_conf *conf)
{
	return conf->top_n < TRAFFIC_LIST_MAX ? conf->top_n : TRAFFIC_LIST_MAX;
}

/* One network's top lists in one bin, selected once for its record and its figures. */
struct bin_tops {
	const struct topn_entry *e[TOP__COUNT][TRAFFIC_LIST_MAX];
	unsigned n[TOP__COUNT];
	int exact; /* no list is a Space-Saving summary */
};

/*
 * The record's constant parts as jansson writes them, made once: each
 * network's opening up to "bin_start_ms": and each application's name as an
 * object key. NULL text (ok == 0) when they cannot be (a name jansson would
 * refuse, or two applications of one name): the records are then built in
 * jansson, as the open record always is.
 */
struct traffic_text {
	int ok;
	char **net_head; /* n_nets */
	size_t *net_head_len;
	char **app_key; /* n_apps (1 when none): "name":{"flows": or NULL */
	size_t *app_key_len;
};

struct fz_traffic {
	struct fz_traffic_conf conf;
	struct seen seen;
	struct bin *bins; /* open bins, by index (contiguous but across long gaps) */
	unsigned n_bins, cap_bins;
	uint64_t next;  /* the first bin not written yet */
	int started;    /* a bin exists or was written */
	int written;    /* a bin was written: a record for an earlier one is late */
	uint64_t clock; /* the largest packet clock of any mark */
	struct worker_mark *marks;
	struct fz_traffic_counts *totals; /* per network since start (n_nets) */
	struct traffic_counters c;
	struct fz_counter_pub *pub;
	struct fz_counter_set set;
	struct fz_json_buf jbuf;
	struct traffic_text text;
	struct bin_tops tops; /* the record being made (6 kB: not on the stack) */
};

/* Write bin b's records (one per network); partial when the run ended inside it. */
void fz_traffic_write_bin(struct fz_traffic *t, struct bin *b, int partial);
void fz_traffic_free_bin(struct fz_traffic *t, struct bin *b);

/* Make t->text (traffic_text.c): 0, or -ENOMEM. text.ok says whether it can be used. */
int fz_traffic_text_init(struct fz_traffic *t);
void fz_traffic_text_free(struct fz_traffic *t);

/*
 * Network net's record of bin b, written directly into buf (NUL-terminated),
 * byte for byte what json_dumpb(JSON_COMPACT) writes for the jansson record
 * of the same bin. Needs t->text.ok. Returns the length, or -ENOSPC.
 */
int fz_traffic_text_record(const struct fz_traffic *t, const struct bin *b, unsigned net,
                           int partial, const struct bin_tops *tops, char *buf, size_t cap);

#endif
