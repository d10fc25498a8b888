/*
 * Internals shared by detect.c (seconds, volume, syn_flood), alert_state.c
 * (every alert's start, update, end and suppression) and scan.c (the scan
 * trackers).
 */
#ifndef FZ_DETECT_PRIV_H
#define FZ_DETECT_PRIV_H

#include "fz_counters.h"
#include "fz_detect.h"
#include "keymap.h"

#define NSLOT 4 /* seconds merged at once */

/* Per attack ("attacks" set, one instance per attack). */
struct attack_counters {
	uint64_t started, updates, ended, suppressed, active;
};

/* The machinery ("detect" set). */
struct machine_counters {
	uint64_t host_reports;  /* FZ_REC_HOST elements merged */
	uint64_t seconds;       /* seconds judged */
	uint64_t late_reports;  /* host reports of a second already judged: not counted */
	uint64_t hosts_full;    /* host reports not merged: the second's table was full */
	uint64_t alerts_full;   /* alerts not started: the alert table was full */
	uint64_t scan_attempts; /* refused or unanswered TCP attempts seen */
	uint64_t scan_full;     /* attempts not tracked: the tracker table was full */
	uint64_t scan_capped;   /* distinct ports or hosts beyond a tracker's list, not listed */
	uint64_t bad_reports;   /* elements of a worker the detector was not made for */
};

/* The key of an alert: the attack and what it is about. */
struct alert_key {
	uint8_t attack;
	uint8_t proto;
	uint16_t port;
	uint32_t pad;
	uint64_t a[2]; /* host (volume, syn_flood, port_scan) or scanner (address_scan) */
	uint64_t b[2]; /* scanner (port_scan) */
};

/* What the caller of alert_above knows about one observation above a threshold. */
struct alert_obs {
	uint64_t start_ms; /* where an alert it starts starts */
	uint64_t last_ms;  /* the end of the second above (scans: the attempt) */
	uint64_t time_ms;  /* the event's time */
	uint16_t net;
	uint8_t ip_version;
	struct fz_attack_event *ev; /* filled by the caller but for state, times, peak, sources */
	const struct fz_attack_source *sources; /* this observation's leading sources */
	unsigned n_sources;
};

struct second {
	uint64_t sec;
	int used;
	struct keymap hosts; /* struct host_key -> struct host_val */
};

/* An alert whose quiet time is over: alert_expire's list, ended in time order. */
struct alert_ending {
	uint64_t time_ms;
	uint32_t slot;
};

struct fz_detect {
	struct fz_detect_conf conf;
	struct fz_detect_thresholds *nets;
	uint64_t end_s; /* conf.end_ms in whole seconds, at least 1 */
	struct second slots[NSLOT];
	uint64_t closed_before; /* every second before it has been judged */
	int started;
	uint64_t *announced; /* per worker: its seconds before this are all handed over */
	uint8_t *done;
	struct keymap alerts;        /* struct alert_key -> struct alert_val */
	struct keymap scans;         /* struct scan_key -> struct scan_val */
	unsigned active;             /* alerts on (written or suppressed) */
	struct alert_ending *ending; /* alerts.limit entries, for alert_expire */
	struct attack_counters ac[FZ_ATTACK__COUNT];
	struct machine_counters mc;
	struct fz_counter_pub *pub_attacks, *pub_machine;
	struct fz_counter_set set_attacks, set_machine;
};

/* Bytes of an alert table's value (alert_state.c). */
size_t alert_val_size(void);

/* An observation above the threshold: start, update or nothing (alert_state.c). */
void alert_above(struct fz_detect *d, const struct alert_key *k, struct alert_obs *o);

/* End the alerts whose quiet time is over at now_ms; forget old ones. */
void alert_expire(struct fz_detect *d, uint64_t now_ms);

int scan_init(struct fz_detect *d);
void scan_destroy(struct fz_detect *d);

#endif
