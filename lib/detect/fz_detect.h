/*
 * Attack detection on the stats lcore (docs/alerts.md): the workers'
 * per-second host counts (fz_hostwatch.h) are merged by second of packet
 * time and compared with per-host thresholds (volume, syn_flood); finished
 * flows that were TCP connection attempts refused or not answered feed the
 * scan trackers (port_scan, address_scan). Each alert has one start, at
 * most one update per update period, and one end; the same alert on the
 * same key does not start again within the suppression time of its end.
 * One thread makes every call; the counter sets may be read from any
 * thread. Memory is bounded by the conf; what does not fit is counted.
 * No DPDK dependency.
 */
#ifndef FZ_DETECT_H
#define FZ_DETECT_H

#include <stdint.h>

#include "fz_counters.h"
#include "fz_record.h"

enum fz_attack {
	FZ_ATTACK_VOLUME = 0,
	FZ_ATTACK_SYN_FLOOD,
	FZ_ATTACK_PORT_SCAN,
	FZ_ATTACK_ADDRESS_SCAN,
	FZ_ATTACK__COUNT
};

enum fz_attack_state { FZ_ATTACK_START = 0, FZ_ATTACK_UPDATE, FZ_ATTACK_END };

/* Thresholds of a network (or the defaults); 0 disables that check. */
struct fz_detect_thresholds {
	uint64_t pps;  /* volume: packets per second to one host */
	uint64_t mbps; /* volume: megabits (10^6 bits, IP level) per second to one host */
	uint64_t syn;  /* syn_flood: SYNs per second to one host less its completed handshakes */
};

/* Sources that led a host's packets (volume, syn_flood): the majority vote's lead. */
struct fz_attack_source {
	uint8_t addr[16];
	uint8_t ip_version;
	uint64_t lead;
};

#define FZ_DETECT_SOURCES 8  /* sources kept per alert */
#define FZ_DETECT_SAMPLE  10 /* ports or hosts of a scan listed in its records */

/* What an alert record says (the caller encodes it). */
struct fz_attack_event {
	enum fz_attack attack;
	enum fz_attack_state state;
	uint16_t net;        /* the target's network id (0: none) */
	uint8_t ip_version;  /* of host and scanner */
	uint8_t proto;       /* address_scan: the IP protocol of the port (6) */
	uint8_t host[16];    /* volume, syn_flood, port_scan: the target host */
	uint8_t scanner[16]; /* port_scan, address_scan */
	uint16_t port;       /* address_scan: the destination port */
	uint64_t time_ms;    /* packet time of the event: the end of the second it was seen in */
	uint64_t start_ms; /* the start of the alert's first second above (scans: first attempt) */
	uint64_t end_ms; /* FZ_ATTACK_END: the end of the last second above (scans: last attempt) */
	/* volume: packets per second, or megabits per second when metric is "mbps";
	 * syn_flood: SYNs less handshakes per second; scans: distinct ports or hosts. */
	double value, threshold, peak;
	const char *metric; /* "pps", "mbps", "syn", "ports", "hosts" */
	/* volume, syn_flood: the second's figures for the host. */
	uint64_t packets, bytes, syns, handshakes;
	const struct fz_attack_source *sources; /* volume, syn_flood: by lead, highest first */
	unsigned n_sources;
	const uint8_t (*sample)[16]; /* scans: the first distinct hosts (address_scan)... */
	const uint16_t *ports;       /* ...or ports (port_scan), in order of arrival */
	unsigned n_sample;
};

struct fz_detect_conf {
	unsigned n_workers;
	unsigned n_nets;
	struct fz_detect_thresholds thresholds;  /* the defaults */
	const struct fz_detect_thresholds *nets; /* n_nets overrides (index net - 1), or NULL */
	int all_hosts;       /* 1: hosts and scan targets outside every network count too */
	unsigned scan_ports; /* port_scan: distinct ports of one host (0: off) */
	unsigned scan_hosts; /* address_scan: distinct hosts on one port (0: off) */
	uint64_t scan_window_ms;
	uint64_t end_ms;    /* volume, syn_flood end after this long under the threshold */
	uint64_t update_ms; /* at most one update per alert per this long */
	uint64_t suppress_ms;
	uint32_t hosts;     /* hosts of a merged second, at most */
	uint32_t scan_keys; /* scanner-target pairs tracked, at most */
	void (*event)(void *arg, const struct fz_attack_event *ev);
	void *event_arg;
};

struct fz_detect;

/* NULL and errno (EINVAL, ENOMEM). */
struct fz_detect *fz_detect_create(const struct fz_detect_conf *conf);
void fz_detect_free(struct fz_detect *d);

/* An element of a worker's ring of kind FZ_REC_HOST or FZ_REC_SECOND. */
void fz_detect_report(struct fz_detect *d, const struct fz_flow_rec *r);

/* A finished flow (FZ_REC_FLOW): a refused or unanswered TCP attempt feeds the scans. */
void fz_detect_flow(struct fz_detect *d, const struct fz_flow_rec *r);

/* The end of the input: judge every second still open. Alerts still on stay on. */
void fz_detect_finish(struct fz_detect *d);

/* "volume", "syn_flood", "port_scan", "address_scan"; "start", "update", "end". */
const char *fz_attack_name(enum fz_attack a);
const char *fz_attack_state_name(enum fz_attack_state s);

/* The counter sets: "attacks" (per attack: started, updates, ended, suppressed,
 * active) and "detect" (the machinery). Published by fz_detect_publish(). */
const struct fz_counter_set *fz_detect_attack_set(struct fz_detect *d);
const struct fz_counter_set *fz_detect_machine_set(struct fz_detect *d);
void fz_detect_publish(struct fz_detect *d);

#endif
