/*
 * The fleet (docs/fleet.md): what zooagg does with the records many
 * appliances write to Kafka, without Kafka or a database.
 *
 * - Parsing and validating the appliances' traffic, stats and alert records
 *   (docs/traffic.md, docs/zoo.md, docs/alerts.md): a record that is not
 *   what the schema says is refused with -EINVAL and a reason, never
 *   half-taken.
 * - Exact merges: the traffic bins of one network from several collectors
 *   (sums; the top-N lists merged exactly when every list was complete,
 *   otherwise with an error bound), and the zoo stats of several appliances
 *   (the rules of docs/zoo.md: integer sums, shares and means recomputed).
 * - Which merged bins are closed (every collector of the network is past
 *   them), and the identity of an alert, for deduplication.
 *
 * No DPDK; one thread makes every call on one object.
 */
#ifndef FZ_FLEET_H
#define FZ_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "fz_counters.h"

typedef unsigned __int128 fz_u128;

#define FZ_FLEET_NAME_MAX 64   /* collector and network names, as the appliance allows */
#define FZ_FLEET_KEY_MAX  48   /* a top entry's key as text (an IPv6 address, a port) */
#define FZ_FLEET_TOP_MAX  1000 /* entries per top list taken from a record */

enum fz_fleet_top_list { FZ_FLEET_SRC_IP = 0, FZ_FLEET_DST_IP, FZ_FLEET_DST_PORT, FZ_FLEET__LISTS };

struct fz_fleet_top_entry {
	char key[FZ_FLEET_KEY_MAX]; /* canonical text: an address as inet_ntop writes it, a port */
	uint64_t packets, bytes, flows;
};

struct fz_fleet_app {
	char name[FZ_FLEET_NAME_MAX + 1];
	uint64_t flows, packets, bytes;
};

/* A "type":"traffic" record (docs/traffic.md), or a merged bin of several. */
struct fz_fleet_traffic {
	char collector[FZ_FLEET_NAME_MAX + 1]; /* merged: "" */
	char network[FZ_FLEET_NAME_MAX + 1];
	uint64_t bin_start_ms, bin_end_ms;
	uint64_t packets_in, bytes_in, packets_out, bytes_out, flows, flows_new;
	unsigned n_apps;
	struct fz_fleet_app *apps;
	unsigned n_top[FZ_FLEET__LISTS];
	struct fz_fleet_top_entry *top[FZ_FLEET__LISTS];
	int top_exact;
	uint64_t top_error_bytes;
	int partial;
	unsigned collectors; /* merged: how many records went in; a record: 1 */
};

/*
 * Parse one traffic record of len bytes. 0, or -EINVAL with the reason in
 * why (why_cap bytes), or -ENOMEM. Free with fz_fleet_traffic_clear (also
 * after an error).
 */
int fz_fleet_traffic_parse(const char *buf, size_t len, struct fz_fleet_traffic *t, char *why,
                           size_t why_cap);
void fz_fleet_traffic_clear(struct fz_fleet_traffic *t);

/*
 * Merge n records of one network and one bin (the caller's rows) into out:
 * figures and applications summed, partial if any is, top lists merged to
 * at most top_n entries each (docs/fleet.md, "Top-N"). A record whose list
 * holds fewer than top_n entries and is exact is complete. 0, -EINVAL
 * (different networks or bins, n == 0) or -ENOMEM.
 */
int fz_fleet_traffic_merge(const struct fz_fleet_traffic *const *in, unsigned n, unsigned top_n,
                           struct fz_fleet_traffic *out);

/* The record as JSON text (a merged bin: "collector" is "fleet" and "collectors" is added);
 * malloc'ed, NULL on ENOMEM. apps_json/top_json: only that object. */
char *fz_fleet_traffic_json(const struct fz_fleet_traffic *t);
char *fz_fleet_traffic_apps_json(const struct fz_fleet_traffic *t);
char *fz_fleet_traffic_top_json(const struct fz_fleet_traffic *t);
/* Read back the apps and top objects written by the two calls above (or a record's). */
int fz_fleet_traffic_set_apps(struct fz_fleet_traffic *t, const char *apps_json);
int fz_fleet_traffic_set_top(struct fz_fleet_traffic *t, const char *top_json);

/* A flow record (docs/flow-record.md): the fields zooagg --flows keeps in columns. */
struct fz_fleet_flow {
	char collector[FZ_FLEET_NAME_MAX + 1];
	char src_ip[FZ_FLEET_KEY_MAX], dst_ip[FZ_FLEET_KEY_MAX];
	char app[FZ_FLEET_NAME_MAX + 1];
	char src_network[FZ_FLEET_NAME_MAX + 1], dst_network[FZ_FLEET_NAME_MAX + 1]; /* "": null */
	uint64_t flow_id, first_ms, last_ms, packets, bytes, src_port, dst_port, ip_proto;
};

/* 0, or -EINVAL with the reason. */
int fz_fleet_flow_parse(const char *buf, size_t len, struct fz_fleet_flow *f, char *why,
                        size_t why_cap);

/* An alert record (docs/alerts.md, docs/kafka-schema.md): the fields that identify it. */
struct fz_fleet_alert {
	char collector[FZ_FLEET_NAME_MAX + 1];
	char alert[FZ_FLEET_NAME_MAX + 1];
	char network[FZ_FLEET_NAME_MAX + 1]; /* "" when the record has none */
	char metric[16], direction[8], state[8];
	char severity[16];
	uint64_t time_ms, start_ms, value;
};

/* 0, or -EINVAL with the reason. */
int fz_fleet_alert_parse(const char *buf, size_t len, struct fz_fleet_alert *a, char *why,
                         size_t why_cap);

/* The zoo's classes in the stats record's order. */
#define FZ_FLEET_CLASSES 7

struct fz_fleet_counts {
	uint64_t flows, packets;
	fz_u128 bytes, duration_sum_us;
	uint64_t class_flows[FZ_FLEET_CLASSES];
	fz_u128 class_bytes[FZ_FLEET_CLASSES];
};

struct fz_fleet_means {
	fz_u128 size_sum, duration_sum_us;
	uint64_t size_n, duration_n, rate_n;
	double rate_sum, rate_c; /* Neumaier: the sum and its compensation */
};

struct fz_fleet_zoo_app {
	char name[FZ_FLEET_NAME_MAX + 1];
	struct fz_fleet_counts interval, total;
	struct fz_fleet_means means; /* zoo_scope app: its means; otherwise zero */
	int has_means;
};

/* A "type":"stats" record, or the merge of several. */
struct fz_fleet_zoo {
	char collector[FZ_FLEET_NAME_MAX + 1];
	uint64_t interval_start_ms, interval_end_ms;
	struct fz_fleet_counts interval, total;
	struct fz_fleet_means means; /* the global means (of the apps' when zoo_scope is app) */
	unsigned n_apps;
	struct fz_fleet_zoo_app *apps;
	unsigned collectors;
};

int fz_fleet_zoo_parse(const char *buf, size_t len, struct fz_fleet_zoo *z, char *why,
                       size_t why_cap);
void fz_fleet_zoo_clear(struct fz_fleet_zoo *z);
/* Add one record (or merge) into acc (zeroed or earlier merges): 0 or -ENOMEM. */
int fz_fleet_zoo_add(struct fz_fleet_zoo *acc, const struct fz_fleet_zoo *z);
/* The merged set as JSON (docs/fleet.md, "Merged zoo stats"); malloc'ed or NULL. */
char *fz_fleet_zoo_json(const struct fz_fleet_zoo *z);

/*
 * Which merged bins of one network are closed: a bin is closed when every
 * collector that sends the network's bins has sent a later bin or marked
 * this one partial, or is more than stale_bins bins behind the newest.
 */
struct fz_fleet_closer;

struct fz_fleet_closer *fz_fleet_closer_create(unsigned stale_bins);
void fz_fleet_closer_free(struct fz_fleet_closer *c);
/* A collector's record of bin [start_ms, end_ms) arrived (partial as in the record). Returns
 * 1 when the bin is one already closed (a late record), 0 otherwise, -ENOMEM. */
int fz_fleet_closer_add(struct fz_fleet_closer *c, const char *collector, uint64_t start_ms,
                        uint64_t end_ms, int partial);
/* The oldest bin start that is now closed and was not returned before, in order: 1 and
 * *start_ms, or 0 when none. */
int fz_fleet_closer_next(struct fz_fleet_closer *c, uint64_t *start_ms);
/* A collector that belongs to the network's fleet: until its first record no bin closes
 * (it is never stale before it was seen). 0 or -ENOMEM. */
int fz_fleet_closer_expect(struct fz_fleet_closer *c, const char *collector);
/* Bins before start_ms count as closed (state rebuilt from the database). */
void fz_fleet_closer_closed_before(struct fz_fleet_closer *c, uint64_t start_ms);

/* The identity of an alert record as text ("collector|alert|network|metric|direction|state|
 * start_ms|time_ms"): equal for a redelivered copy. -ENOSPC when cap is too small. */
int fz_fleet_alert_identity(const struct fz_fleet_alert *a, char *buf, size_t cap);

/* zooagg's counters (docs/fleet.md, "Counters"), declared once: the "fleet" set. */
struct fz_fleet_counters {
	uint64_t messages;       /* taken from Kafka */
	uint64_t traffic;        /* traffic records stored */
	uint64_t stats;          /* stats records stored */
	uint64_t alerts;         /* alert records stored (appliances' and redelivered) */
	uint64_t flows;          /* flow records stored (--flows) */
	uint64_t malformed;      /* messages skipped: not a record of their topic */
	uint64_t late_bins;      /* traffic records of a merged bin already closed */
	uint64_t fleet_alerts;   /* fleet-wide alert records made (start, update, end) */
	uint64_t merged_bins;    /* merged bins written */
	uint64_t db_errors;      /* failed database transactions (retried) */
	uint64_t commits;        /* offset commits after a database commit */
	uint64_t rebalances;     /* partition assignments and revocations */
	uint64_t consume_errors; /* errors the consumer reported (broker down, ...) */
};

/* The set, reading *c (one thread writes it and reads it). */
void fz_fleet_counter_set(struct fz_counter_set *set, struct fz_fleet_counters *c);

/* Parse an unsigned 128-bit JSON value (an integer or a string of decimal digits). */
struct json_t;
int fz_fleet_u128(const struct json_t *v, fz_u128 *out);

#endif
