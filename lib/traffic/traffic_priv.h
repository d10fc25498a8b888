/* Shared by traffic.c (bins) and traffic_record.c (the record). */
#ifndef FZ_TRAFFIC_PRIV_H
#define FZ_TRAFFIC_PRIV_H

#include "fz_traffic.h"
#include "seen.h"
#include "topn.h"

enum { TOP_SRC_IP = 0, TOP_DST_IP, TOP_DST_PORT, TOP__COUNT };

/* One network in one bin. */
struct net_bin {
	uint64_t packets_in, bytes_in, packets_out, bytes_out, flows, flows_new;
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
};

/* Write bin b's records (one per network); partial when the run ended inside it. */
void fz_traffic_write_bin(struct fz_traffic *t, struct bin *b, int partial);
void fz_traffic_free_bin(struct fz_traffic *t, struct bin *b);

#endif
