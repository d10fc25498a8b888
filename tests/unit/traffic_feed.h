/*
 * What the unit tests of fz_traffic share (test_traffic.c,
 * test_traffic_edges.c): a traffic instance whose records are collected,
 * and the elements of workers' rings (finished flows, bin reports, marks)
 * fed to it. Static inline: each test program counts its own checks.
 */
#ifndef FZ_TRAFFIC_FEED_H
#define FZ_TRAFFIC_FEED_H

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_traffic.h"
#include "fz_test.h"
#include "fz_test_counters.h"

#define BIN_US UINT64_C(300000000)
/* The start of a bin: 1 700 000 100 s is 5 666 667 bins of 300 s. */
#define T0    UINT64_C(1700000100000000)
#define S(x)  ((uint64_t)(x)*1000000ull)
#define EMPTY UINT64_MAX /* a mark of a worker whose table is empty */

static const char *const net_names[] = {"campus", "dorms", "lab"};
static const char *const app_names[] = {"unknown", "http", "dns"};

/* ---- the records emitted ---- */

struct out {
	char *json[64];
	unsigned n;
};

static inline void emit(void *arg, struct fz_item *it)
{
	struct out *o = arg;
	const char *json = NULL;
	size_t len = 0;

	FZ_CHECK_INT(FZ_ITEM_TRAFFIC, it->kind);
	FZ_CHECK_STR("traffic", it->stream);
	FZ_CHECK_INT(0, fz_item_json(it, &json, &len));
	FZ_CHECK(o->n < 64);
	if (json == NULL || o->n >= 64)
		return;
	/* The Kafka key is the network's name: one network's bins meet in one partition. */
	FZ_CHECK_INT(0, strncmp(json + strlen("{\"type\":\"traffic\",\"schema_version\":1,"
	                                      "\"collector\":\"zoo-1\",\"network\":\""),
	                        it->key, it->key_len));
	o->json[o->n++] = strndup(json, len);
}

static inline void out_free(struct out *o)
{
	for (unsigned i = 0; i < o->n; i++)
		free(o->json[i]);
	o->n = 0;
}

static inline struct fz_traffic *make(struct out *o, unsigned n_workers, unsigned top_n,
                                      unsigned top_capacity)
{
	struct fz_traffic_conf c = {
	    .collector = "zoo-1",
	    .net_names = net_names,
	    .n_nets = 3,
	    .app_names = app_names,
	    .n_apps = 3,
	    .bin_us = BIN_US,
	    .top_n = top_n,
	    .top_capacity = top_capacity,
	    .n_workers = n_workers,
	    .emit = emit,
	    .emit_arg = o,
	};
	struct fz_traffic *t = fz_traffic_create(&c);

	FZ_CHECK(t != NULL);
	memset(o, 0, sizeof(*o));
	return t;
}

/* Record i must be network net's record of bin (counted from T0), fields from packets_in on. */
static inline void expect(const struct out *o, unsigned i, const char *net, uint64_t bin,
                          const char *rest)
{
	char want[4096];
	uint64_t start_ms = (T0 + bin * BIN_US) / 1000;

	snprintf(want, sizeof(want),
	         "{\"type\":\"traffic\",\"schema_version\":1,\"collector\":\"zoo-1\",\"network\":"
	         "\"%s\",\"bin_start_ms\":%" PRIu64 ",\"bin_end_ms\":%" PRIu64 ",%s",
	         net, start_ms, start_ms + (uint64_t)(BIN_US / 1000), rest);
	FZ_CHECK_STR(want, i < o->n ? o->json[i] : NULL);
}

#define ZEROS                                                                                      \
	"\"packets_in\":0,\"bytes_in\":0,\"packets_out\":0,\"bytes_out\":0,\"flows\":0,"           \
	"\"flows_new\":0,\"apps\":{},\"top\":{\"src_ip\":[],\"dst_ip\":[],\"dst_port\":[]},"       \
	"\"top_exact\":true,\"top_error_bytes\":0,"
#define ZERO         ZEROS "\"partial\":false}"
#define ZERO_PARTIAL ZEROS "\"partial\":true}"

/* The counter `name` of the traffic set, as fz_traffic_publish() leaves it. */
static inline uint64_t counter(struct fz_traffic *t, const char *name)
{
	fz_traffic_publish(t);
	return fz_test_counter(fz_traffic_counter_set(t), 0, name);
}

/* ---- ring elements ---- */

/* A flow: its ends, networks, application and counts; times are offsets from T0. */
struct fl {
	const char *src, *dst;
	uint16_t sport, dport, net0, net1, worker;
	uint8_t app;
	uint64_t first, last;
	uint64_t p0, p1, b0, b1;
};

static inline void put(struct fz_traffic *t, uint8_t kind, struct fl f)
{
	struct fz_flow_rec r;
	int v6 = strchr(f.src, ':') != NULL;

	memset(&r, 0, sizeof(r));
	for (int end = 0; end < 2; end++) {
		const char *s = end ? f.dst : f.src;

		if (v6) {
			FZ_CHECK_INT(1, inet_pton(AF_INET6, s, r.key.addr[end]));
		} else {
			r.key.addr[end][10] = r.key.addr[end][11] = 0xff;
			FZ_CHECK_INT(1, inet_pton(AF_INET, s, r.key.addr[end] + 12));
		}
	}
	r.key.port[0] = f.sport;
	r.key.port[1] = f.dport;
	r.key.proto = 6;
	r.key.ip_version = v6 ? 6 : 4;
	r.net[0] = f.net0;
	r.net[1] = f.net1;
	r.first_us = T0 + f.first;
	r.last_us = T0 + f.last;
	r.packets[0] = f.p0;
	r.packets[1] = f.p1;
	r.bytes[0] = f.b0;
	r.bytes[1] = f.b1;
	r.app = f.app;
	r.worker = f.worker;
	r.kind = kind;
	r.end_reason = kind == FZ_REC_FLOW ? FZ_END_IDLE : 0;
	fz_traffic_record(t, &r);
}

/* A worker's mark: its oldest flow's last packet (EMPTY: none) and its clock, from T0. */
static inline void mark(struct fz_traffic *t, uint16_t worker, uint64_t oldest, uint64_t now,
                        int done)
{
	struct fz_flow_rec m;

	memset(&m, 0, sizeof(m));
	m.kind = FZ_REC_MARK;
	m.worker = worker;
	m.first_us = oldest == EMPTY ? 0 : T0 + oldest;
	m.last_us = T0 + now;
	m.end_reason = (uint8_t)done;
	fz_traffic_record(t, &m);
}

/* The flow of the docs' example: campus host to a web server. */
static inline struct fl web(uint16_t worker, uint64_t first, uint64_t last)
{
	return (struct fl){.src = "200.20.1.7",
	                   .dst = "93.184.216.34",
	                   .sport = 40000,
	                   .dport = 443,
	                   .net0 = 1,
	                   .worker = worker,
	                   .app = 1,
	                   .first = first,
	                   .last = last,
	                   .p0 = 10,
	                   .p1 = 8,
	                   .b0 = 1000,
	                   .b1 = 8000};
}

#define WEB_CAMPUS(partial)                                                                        \
	"\"packets_in\":8,\"bytes_in\":8000,\"packets_out\":10,\"bytes_out\":1000,\"flows\":1,"    \
	"\"flows_new\":1,\"apps\":{\"http\":{\"flows\":1,\"packets\":18,\"bytes\":9000}},"         \
	"\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":18,\"bytes\":9000,\"flows\":1}]" \
	","                                                                                        \
	"\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":18,\"bytes\":9000,\"flows\":1}],"      \
	"\"dst_port\":[{\"key\":443,\"packets\":18,\"bytes\":9000,\"flows\":1}]},"                 \
	"\"top_exact\":true,\"top_error_bytes\":0,\"partial\":" partial "}"

#endif
