/*
 * Unit tests of lib/traffic: fz_traffic driven directly with the elements
 * of workers' rings (finished flows, bin reports, marks), every traffic
 * record compared whole; and the top-N lists (topn.h, private to the
 * module), exact and as a Space-Saving summary.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_traffic.h"
#include "fz_test.h"
#include "fz_test_counters.h"

#include "../../lib/traffic/topn.h"
#include "topn_keys.h"

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

static void emit(void *arg, struct fz_item *it)
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

static void out_free(struct out *o)
{
	for (unsigned i = 0; i < o->n; i++)
		free(o->json[i]);
	o->n = 0;
}

static struct fz_traffic *make(struct out *o, unsigned n_workers, unsigned top_n,
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
static void expect(const struct out *o, unsigned i, const char *net, uint64_t bin, const char *rest)
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
static uint64_t counter(struct fz_traffic *t, const char *name)
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

static void put(struct fz_traffic *t, uint8_t kind, struct fl f)
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
static void mark(struct fz_traffic *t, uint16_t worker, uint64_t oldest, uint64_t now, int done)
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
static struct fl web(uint16_t worker, uint64_t first, uint64_t last)
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

/* ---- bins ---- */

/* A flow inside one bin; the bin is written when the mark reaches its end, not before. */
static void test_one_bin(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	FZ_CHECK_INT(0, o.n);
	mark(t, 0, EMPTY, S(300) - 1, 0); /* the last microsecond of the bin */
	FZ_CHECK_INT(0, o.n);
	FZ_CHECK_INT(1, counter(t, "open_bins"));
	mark(t, 0, EMPTY, S(300), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	expect(&o, 1, "dorms", 0, ZERO);
	expect(&o, 2, "lab", 0, ZERO);
	fz_traffic_finish(t); /* nothing open: nothing more */
	FZ_CHECK_INT(3, o.n);
	FZ_CHECK_INT(3, counter(t, "records"));
	FZ_CHECK_INT(0, counter(t, "open_bins"));
	FZ_CHECK_INT(0, counter(t, "bin_reports"));
	FZ_CHECK_INT(0, counter(t, "late_records"));
	out_free(&o);
	fz_traffic_free(t);
}

/* A flow reported at two bin boundaries and finished in a third bin: each bin
 * gets exactly the packets of its own time; flows_new only in the first. */
static void test_bin_reports(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl f = web(0, S(10), S(290));

	if (t == NULL)
		return;
	f.p0 = 5, f.p1 = 3, f.b0 = 500, f.b1 = 3000;
	put(t, FZ_REC_BIN, f);
	FZ_CHECK_INT(1, counter(t, "tracked_flows"));
	mark(t, 0, S(290), S(290), 0);
	FZ_CHECK_INT(0, o.n);
	/* A packet at 305 s: the flow's oldest packet is now in bin 1. */
	mark(t, 0, S(305), S(305), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":3,\"bytes_in\":3000,\"packets_out\":5,\"bytes_out\":500,"
	       "\"flows\":1,\"flows_new\":1,\"apps\":{\"http\":{\"flows\":1,\"packets\":8,"
	       "\"bytes\":3500}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":8,"
	       "\"bytes\":3500,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":8,"
	       "\"bytes\":3500,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":8,"
	       "\"bytes\":3500,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":false}");
	f.last = S(599), f.p0 = 6, f.b0 = 600; /* one packet forward in bin 1 */
	put(t, FZ_REC_BIN, f);
	FZ_CHECK_INT(1, counter(t, "tracked_flows"));
	f.last = S(610), f.p0 = 7, f.p1 = 4, f.b0 = 700, f.b1 = 4000; /* one each way in bin 2 */
	put(t, FZ_REC_FLOW, f);
	FZ_CHECK_INT(0, counter(t, "tracked_flows"));
	FZ_CHECK_INT(2, counter(t, "bin_reports"));
	mark(t, 0, EMPTY, S(620), 1);
	FZ_CHECK_INT(9, o.n);
	expect(&o, 3, "campus", 1,
	       "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":1,\"bytes_out\":100,"
	       "\"flows\":1,\"flows_new\":0,\"apps\":{\"http\":{\"flows\":1,\"packets\":1,"
	       "\"bytes\":100}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":1,"
	       "\"bytes\":100,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":1,"
	       "\"bytes\":100,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":1,"
	       "\"bytes\":100,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":false}");
	expect(&o, 4, "dorms", 1, ZERO);
	expect(&o, 5, "lab", 1, ZERO);
	expect(&o, 6, "campus", 2,
	       "\"packets_in\":1,\"bytes_in\":1000,\"packets_out\":1,\"bytes_out\":100,"
	       "\"flows\":1,\"flows_new\":0,\"apps\":{\"http\":{\"flows\":1,\"packets\":2,"
	       "\"bytes\":1100}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":2,"
	       "\"bytes\":1100,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":2,"
	       "\"bytes\":1100,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":2,"
	       "\"bytes\":1100,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":true}");
	expect(&o, 7, "dorms", 2, ZERO_PARTIAL);
	expect(&o, 8, "lab", 2, ZERO_PARTIAL);
	out_free(&o);
	fz_traffic_free(t);
}

/* Bins close only when every worker is past their end; a worker with an empty
 * table counts as at the largest clock of any worker. */
static void test_workers(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 2, 10, 64);
	struct fl dns = {.src = "200.20.128.9",
	                 .dst = "8.8.8.8",
	                 .sport = 5353,
	                 .dport = 53,
	                 .net0 = 2,
	                 .worker = 1,
	                 .app = 2,
	                 .first = S(100),
	                 .last = S(250),
	                 .p0 = 1,
	                 .p1 = 1,
	                 .b0 = 80,
	                 .b1 = 120};

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	mark(t, 0, EMPTY, S(400), 0);
	FZ_CHECK_INT(0, o.n); /* worker 1 has not said how far it is */
	mark(t, 1, S(250), S(400), 0);
	FZ_CHECK_INT(0, o.n); /* worker 1 still has a flow in bin 0 */
	put(t, FZ_REC_FLOW, dns);
	/* Worker 1 is empty at its own clock 260 s, inside bin 0; worker 0's 400 s counts. */
	mark(t, 1, EMPTY, S(260), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	expect(&o, 1, "dorms", 0,
	       "\"packets_in\":1,\"bytes_in\":120,\"packets_out\":1,\"bytes_out\":80,\"flows\":1,"
	       "\"flows_new\":1,\"apps\":{\"dns\":{\"flows\":1,\"packets\":2,\"bytes\":200}},"
	       "\"top\":{\"src_ip\":[{\"key\":\"200.20.128.9\",\"packets\":2,\"bytes\":200,"
	       "\"flows\":1}],\"dst_ip\":[{\"key\":\"8.8.8.8\",\"packets\":2,\"bytes\":200,"
	       "\"flows\":1}],\"dst_port\":[{\"key\":53,\"packets\":2,\"bytes\":200,\"flows\":1}]},"
	       "\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}");
	expect(&o, 2, "lab", 0, ZERO);
	/* Bin 1: worker 0's oldest flow holds it until that flow is past its end. */
	put(t, FZ_REC_FLOW, web(0, S(305), S(350)));
	mark(t, 0, S(350), S(700), 0);
	mark(t, 1, EMPTY, S(700), 0);
	FZ_CHECK_INT(3, o.n);
	mark(t, 0, S(599), S(700), 0);
	FZ_CHECK_INT(3, o.n);
	mark(t, 0, S(600), S(700), 0);
	FZ_CHECK_INT(6, o.n);
	expect(&o, 3, "campus", 1, WEB_CAMPUS("false"));
	out_free(&o);
	fz_traffic_free(t);
}

/* A worker that sees no packets does not hold bins back; one that never marks does. */
static void test_idle_worker(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 3, 10, 64);

	if (t == NULL)
		return;
	mark(t, 1, EMPTY, 0, 0); /* no packet yet: its clock is 0 */
	mark(t, 2, EMPTY, 0, 0);
	for (unsigned b = 0; b < 4; b++) {
		put(t, FZ_REC_FLOW, web(0, S(300 * b + 5), S(300 * b + 20)));
		mark(t, 0, S(300 * b + 20), S(300 * b + 20), 0);
		FZ_CHECK_INT(3 * b, o.n);
		mark(t, 0, EMPTY, S(300 * b + 300), 0);
		FZ_CHECK_INT(3 * (b + 1), o.n);
		expect(&o, 3 * b, "campus", b, WEB_CAMPUS("false"));
	}
	out_free(&o);
	fz_traffic_free(t);

	t = make(&o, 2, 10, 64);
	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	mark(t, 0, EMPTY, S(1000), 0);
	FZ_CHECK_INT(0, o.n); /* worker 1 never marked */
	fz_traffic_finish(t);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	out_free(&o);
	fz_traffic_free(t);
}

/* A done worker no longer holds anything; when all are done every bin is
 * written, the last partial (the run ended before it did). */
static void test_done(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 2, 10, 64);
	struct fl late = web(1, S(100), S(200));

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	put(t, FZ_REC_FLOW, web(0, S(310), S(320)));
	mark(t, 0, EMPTY, S(320), 1);
	mark(t, 1, S(200), S(330), 0);
	FZ_CHECK_INT(0, o.n);
	late.sport = 40001;
	put(t, FZ_REC_FLOW, late);
	mark(t, 1, EMPTY, S(330), 1);
	FZ_CHECK_INT(6, o.n);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":16,\"bytes_in\":16000,\"packets_out\":20,\"bytes_out\":2000,"
	       "\"flows\":2,\"flows_new\":2,\"apps\":{\"http\":{\"flows\":2,\"packets\":36,"
	       "\"bytes\":18000}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":36,"
	       "\"bytes\":18000,\"flows\":2}],\"dst_ip\":[{\"key\":\"93.184.216.34\","
	       "\"packets\":36,\"bytes\":18000,\"flows\":2}],\"dst_port\":[{\"key\":443,"
	       "\"packets\":36,\"bytes\":18000,\"flows\":2}]},\"top_exact\":true,"
	       "\"top_error_bytes\":0,\"partial\":false}");
	expect(&o, 1, "dorms", 0, ZERO);
	expect(&o, 3, "campus", 1, WEB_CAMPUS("true"));
	expect(&o, 4, "dorms", 1, ZERO_PARTIAL);
	expect(&o, 5, "lab", 1, ZERO_PARTIAL);
	fz_traffic_finish(t);
	FZ_CHECK_INT(6, o.n);
	out_free(&o);
	fz_traffic_free(t);
}

/* Bins without traffic between two with traffic are written as zeros; a bin
 * before the first one (another worker's earlier records) is made in front;
 * fz_traffic_finish writes what is open, the last bin partial. An IPv6 flow. */
static void test_empty_bins_and_finish(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl v6 = {.src = "2001:db8:1::5",
	                .dst = "2001:db8::1",
	                .sport = 50000,
	                .dport = 8080,
	                .net0 = 3,
	                .first = S(905),
	                .last = S(910),
	                .p0 = 2,
	                .p1 = 1,
	                .b0 = 300,
	                .b1 = 1500};

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, v6);
	put(t, FZ_REC_FLOW, web(0, S(5), S(20)));
	mark(t, 0, S(905), S(1000), 0);
	FZ_CHECK_INT(9, o.n);
	expect(&o, 0, "campus", 0, WEB_CAMPUS("false"));
	expect(&o, 1, "dorms", 0, ZERO);
	expect(&o, 2, "lab", 0, ZERO);
	for (unsigned b = 1; b <= 2; b++)
		for (unsigned k = 0; k < 3; k++)
			expect(&o, 3 * b + k, net_names[k], b, ZERO);
	FZ_CHECK_INT(1, counter(t, "open_bins"));
	fz_traffic_finish(t);
	FZ_CHECK_INT(12, o.n);
	expect(&o, 9, "campus", 3, ZERO_PARTIAL);
	expect(&o, 10, "dorms", 3, ZERO_PARTIAL);
	expect(&o, 11, "lab", 3,
	       "\"packets_in\":1,\"bytes_in\":1500,\"packets_out\":2,\"bytes_out\":300,"
	       "\"flows\":1,\"flows_new\":1,\"apps\":{\"unknown\":{\"flows\":1,\"packets\":3,"
	       "\"bytes\":1800}},\"top\":{\"src_ip\":[{\"key\":\"2001:db8:1::5\",\"packets\":3,"
	       "\"bytes\":1800,\"flows\":1}],\"dst_ip\":[{\"key\":\"2001:db8::1\",\"packets\":3,"
	       "\"bytes\":1800,\"flows\":1}],\"dst_port\":[{\"key\":8080,\"packets\":3,"
	       "\"bytes\":1800,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":true}");
	FZ_CHECK_INT(12, counter(t, "records"));
	FZ_CHECK_INT(0, counter(t, "open_bins"));
	out_free(&o);
	fz_traffic_free(t);
}

/* Flows and bin reports for a bin already written are counted as late, not lost
 * silently and not added to a later bin. */
static void test_late(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl f = web(0, S(310), S(320));
	struct fl old = web(0, S(100), S(200));

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, f);
	mark(t, 0, EMPTY, S(610), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 1, WEB_CAMPUS("false"));
	old.b0 = 100, old.b1 = 50;
	put(t, FZ_REC_FLOW, old); /* bin 0: before the first bin written */
	FZ_CHECK_INT(1, counter(t, "late_records"));
	FZ_CHECK_INT(150, counter(t, "late_bytes"));
	f.sport = 40001, f.b0 = 30, f.b1 = 0, f.p0 = 1, f.p1 = 0;
	put(t, FZ_REC_BIN, f); /* bin 1, written */
	FZ_CHECK_INT(2, counter(t, "late_records"));
	FZ_CHECK_INT(180, counter(t, "late_bytes"));
	/* The rest of that flow comes in bin 2: only what was not reported. */
	f.last = S(700), f.b0 = 130, f.b1 = 7, f.p0 = 2, f.p1 = 1;
	put(t, FZ_REC_FLOW, f);
	FZ_CHECK_INT(2, counter(t, "late_records"));
	FZ_CHECK_INT(3, o.n);
	fz_traffic_finish(t);
	FZ_CHECK_INT(6, o.n);
	expect(&o, 3, "campus", 2,
	       "\"packets_in\":1,\"bytes_in\":7,\"packets_out\":1,\"bytes_out\":100,"
	       "\"flows\":1,\"flows_new\":0,\"apps\":{\"http\":{\"flows\":1,\"packets\":2,"
	       "\"bytes\":107}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":2,"
	       "\"bytes\":107,\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":2,"
	       "\"bytes\":107,\"flows\":1}],\"dst_port\":[{\"key\":443,\"packets\":2,"
	       "\"bytes\":107,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":true}");
	FZ_CHECK_INT(0, counter(t, "tracked_flows"));
	out_free(&o);
	fz_traffic_free(t);
}

/* Between two networks each sees the flow from its side; within one network
 * a packet counts in and out, and the flow once. */
static void test_between_and_within(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 10, 64);
	struct fl between = {.src = "200.20.1.7",
	                     .dst = "200.20.128.9",
	                     .sport = 40000,
	                     .dport = 80,
	                     .net0 = 1,
	                     .net1 = 2,
	                     .app = 1,
	                     .first = S(1),
	                     .last = S(2),
	                     .p0 = 4,
	                     .p1 = 3,
	                     .b0 = 400,
	                     .b1 = 3000};
	struct fl within = {.src = "200.20.1.7",
	                    .dst = "200.20.1.8",
	                    .sport = 40001,
	                    .dport = 22,
	                    .net0 = 1,
	                    .net1 = 1,
	                    .app = 0,
	                    .first = S(1),
	                    .last = S(2),
	                    .p0 = 2,
	                    .p1 = 2,
	                    .b0 = 200,
	                    .b1 = 300};

	if (t == NULL)
		return;
	put(t, FZ_REC_FLOW, between);
	put(t, FZ_REC_FLOW, within);
	mark(t, 0, EMPTY, S(300), 0);
	FZ_CHECK_INT(3, o.n);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":7,\"bytes_in\":3500,\"packets_out\":8,\"bytes_out\":900,"
	       "\"flows\":2,\"flows_new\":2,\"apps\":{\"unknown\":{\"flows\":1,\"packets\":4,"
	       "\"bytes\":500},\"http\":{\"flows\":1,\"packets\":7,\"bytes\":3400}},"
	       "\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":11,\"bytes\":3900,"
	       "\"flows\":2}],\"dst_ip\":[{\"key\":\"200.20.128.9\",\"packets\":7,\"bytes\":3400,"
	       "\"flows\":1},{\"key\":\"200.20.1.8\",\"packets\":4,\"bytes\":500,\"flows\":1}],"
	       "\"dst_port\":[{\"key\":80,\"packets\":7,\"bytes\":3400,\"flows\":1},"
	       "{\"key\":22,\"packets\":4,\"bytes\":500,\"flows\":1}]},"
	       "\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}");
	expect(&o, 1, "dorms", 0,
	       "\"packets_in\":4,\"bytes_in\":400,\"packets_out\":3,\"bytes_out\":3000,"
	       "\"flows\":1,\"flows_new\":1,\"apps\":{\"http\":{\"flows\":1,\"packets\":7,"
	       "\"bytes\":3400}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.7\",\"packets\":7,"
	       "\"bytes\":3400,\"flows\":1}],\"dst_ip\":[{\"key\":\"200.20.128.9\",\"packets\":7,"
	       "\"bytes\":3400,\"flows\":1}],\"dst_port\":[{\"key\":80,\"packets\":7,"
	       "\"bytes\":3400,\"flows\":1}]},\"top_exact\":true,\"top_error_bytes\":0,"
	       "\"partial\":false}");
	expect(&o, 2, "lab", 0, ZERO);
	out_free(&o);
	fz_traffic_free(t);
}

/* Top lists in the record: at most top_n entries, ties by key; past the
 * capacity, Space-Saving with its error. */
static void test_record_top(void)
{
	struct out o;
	struct fz_traffic *t = make(&o, 1, 2, 2);
	static const char *const src[] = {"200.20.1.1", "200.20.1.2", "200.20.1.3"};
	static const uint64_t bytes[] = {100, 200, 50};

	if (t == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		struct fl f = web(0, S(1), S(2));

		f.src = src[i];
		f.p0 = 1, f.p1 = 0, f.b0 = bytes[i], f.b1 = 0;
		put(t, FZ_REC_FLOW, f);
	}
	mark(t, 0, EMPTY, S(300), 0);
	/* 200.20.1.3 took the place of 200.20.1.1 (100 bytes, now its error). */
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":3,\"bytes_out\":350,"
	       "\"flows\":3,\"flows_new\":3,\"apps\":{\"http\":{\"flows\":3,\"packets\":3,"
	       "\"bytes\":350}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.2\",\"packets\":1,"
	       "\"bytes\":200,\"flows\":1},{\"key\":\"200.20.1.3\",\"packets\":2,\"bytes\":150,"
	       "\"flows\":2}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":3,\"bytes\":350,"
	       "\"flows\":3}],\"dst_port\":[{\"key\":443,\"packets\":3,\"bytes\":350,"
	       "\"flows\":3}]},\"top_exact\":false,\"top_error_bytes\":100,\"partial\":false}");
	out_free(&o);
	fz_traffic_free(t);

	/* Exact but longer than top_n: the first two by bytes, ties by key ascending. */
	t = make(&o, 1, 2, 64);
	if (t == NULL)
		return;
	for (int i = 0; i < 3; i++) {
		struct fl f = web(0, S(1), S(2));

		f.src = src[2 - i];
		f.p0 = 1, f.p1 = 0, f.b0 = 100, f.b1 = 0;
		put(t, FZ_REC_FLOW, f);
	}
	mark(t, 0, EMPTY, S(300), 0);
	expect(&o, 0, "campus", 0,
	       "\"packets_in\":0,\"bytes_in\":0,\"packets_out\":3,\"bytes_out\":300,"
	       "\"flows\":3,\"flows_new\":3,\"apps\":{\"http\":{\"flows\":3,\"packets\":3,"
	       "\"bytes\":300}},\"top\":{\"src_ip\":[{\"key\":\"200.20.1.1\",\"packets\":1,"
	       "\"bytes\":100,\"flows\":1},{\"key\":\"200.20.1.2\",\"packets\":1,\"bytes\":100,"
	       "\"flows\":1}],\"dst_ip\":[{\"key\":\"93.184.216.34\",\"packets\":3,\"bytes\":300,"
	       "\"flows\":3}],\"dst_port\":[{\"key\":443,\"packets\":3,\"bytes\":300,"
	       "\"flows\":3}]},\"top_exact\":true,\"top_error_bytes\":0,\"partial\":false}");
	out_free(&o);
	fz_traffic_free(t);
}

/* ---- top-N lists ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return fz_test_rand(&rng_state);
}

struct topn_case {
	uint32_t key;
	uint64_t packets, bytes;
};

static void test_topn_exact(void)
{
	static const struct topn_case adds[] = {
	    {3, 1, 100}, {1, 2, 100}, {2, 3, 300}, {3, 4, 50}, {4, 5, 10}, {5, 6, 100},
	};
	static const struct topn_case want[] = {
	    {2, 3, 300}, {3, 5, 150}, {1, 2, 100}, {5, 6, 100}, {4, 5, 10},
	};
	static const uint64_t want_flows[] = {1, 2, 1, 1, 1};
	struct topn t;
	const struct topn_entry *e[8];
	uint8_t k[16];

	FZ_CHECK_INT(0, topn_init(&t, 8));
	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		key_of(adds[i].key, k);
		topn_add(&t, k, adds[i].packets, adds[i].bytes);
	}
	FZ_CHECK_INT(0, t.full);
	FZ_CHECK_INT(5, topn_top(&t, 8, e));
	for (unsigned i = 0; i < 5; i++) {
		FZ_CHECK_INT(want[i].key, index_of(e[i]->key));
		FZ_CHECK_INT(want[i].packets, e[i]->packets);
		FZ_CHECK_INT(want[i].bytes, e[i]->bytes);
		FZ_CHECK_INT(want_flows[i], e[i]->flows);
		FZ_CHECK_INT(0, e[i]->err);
	}
	FZ_CHECK_INT(2, topn_top(&t, 2, e));
	FZ_CHECK_INT(2, index_of(e[0]->key));
	FZ_CHECK_INT(3, index_of(e[1]->key));
	topn_free(&t);

	FZ_CHECK_INT(0, topn_init(&t, 4));
	FZ_CHECK_INT(0, topn_top(&t, 4, e));
	topn_free(&t);
}

/* Space-Saving on a Zipf stream: its guarantees, checked against the truth. */
static void test_topn_zipf(void)
{
	enum { KEYS = 10000, ADDS = 100000, CAP = 256 };
	double *cdf = malloc(KEYS * sizeof(*cdf)), sum = 0;
	uint64_t *true_b = calloc(KEYS, sizeof(uint64_t)), *true_p = calloc(KEYS, sizeof(uint64_t));
	uint64_t *true_f = calloc(KEYS, sizeof(uint64_t));
	uint64_t total = 0, total_p = 0, listed_b = 0, listed_p = 0, listed_f = 0, max_err = 0;
	const struct topn_entry **e = malloc(CAP * sizeof(*e));
	unsigned heavy = 0, n, missing = 0, bad = 0;
	char *listed = calloc(KEYS, 1);
	struct topn t;

	FZ_CHECK_INT(0, topn_init(&t, CAP));
	for (unsigned i = 0; i < KEYS; i++)
		cdf[i] = sum += 1.0 / (i + 1); /* Zipf, s = 1 */
	for (unsigned a = 0; a < ADDS; a++) {
		double u = (double)(rnd() >> 11) / 9007199254740992.0 * sum;
		unsigned lo = 0, hi = KEYS - 1;
		uint64_t bytes = 40 + rnd() % 1461, packets = 1 + bytes / 500;
		uint8_t k[16];

		while (lo < hi) { /* the first key whose cdf exceeds u */
			unsigned mid = (lo + hi) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		/* Scatter the ranks over the key space, so heavy keys are not all small. */
		key_of((lo * 7919u) % KEYS, k);
		topn_add(&t, k, packets, bytes);
		true_b[(lo * 7919u) % KEYS] += bytes;
		true_p[(lo * 7919u) % KEYS] += packets;
		true_f[(lo * 7919u) % KEYS]++;
		total += bytes;
		total_p += packets;
	}
	FZ_CHECK_INT(1, t.full);
	n = topn_top(&t, CAP, e);
	FZ_CHECK_INT(CAP, n);
	for (unsigned i = 0; i < n; i++) {
		uint32_t key = index_of(e[i]->key);

		if (key >= KEYS || listed[key]) {
			bad++;
			continue;
		}
		listed[key] = 1;
		/* Never understated; overstated by at most its error; the error bounded. */
		bad += e[i]->bytes < true_b[key] || e[i]->bytes > true_b[key] + e[i]->err;
		/* Packets and flows are upper bounds too, overstated by at most what a
		 * replaced entry had. */
		bad += e[i]->packets < true_p[key] || e[i]->flows < true_f[key];
		bad += e[i]->packets > true_p[key] + t.evicted_packets;
		bad += e[i]->flows > true_f[key] + t.evicted_flows;
		bad += e[i]->err * CAP > total;
		bad += i > 0 && e[i]->bytes > e[i - 1]->bytes;
		listed_b += e[i]->bytes;
		listed_p += e[i]->packets;
		listed_f += e[i]->flows;
		if (e[i]->err > max_err)
			max_err = e[i]->err;
	}
	FZ_CHECK_INT(0, bad);
	/* Every add's bytes went to exactly one entry. */
	FZ_CHECK_INT(total, listed_b);
	FZ_CHECK(listed_p >= total_p);
	FZ_CHECK(listed_f >= ADDS);
	FZ_CHECK(max_err > 0);
	FZ_CHECK(t.max_err * CAP <= total);
	for (unsigned k = 0; k < KEYS; k++)
		if (true_b[k] * CAP > total) {
			heavy++;
			missing += !listed[k];
		}
	FZ_CHECK(heavy >= 10); /* the guarantee is about something */
	FZ_CHECK_INT(0, missing);
	topn_free(&t);
	free(listed);
	free(e);
	free(cdf);
	free(true_b);
	free(true_p);
	free(true_f);
}

/* Every entry's key stays findable through replacements (backward-shift
 * deletion in a small, crowded table): re-adding a listed key finds it. */
static void test_topn_delete(void)
{
	static const unsigned caps[] = {1, 2, 3, 5, 8, 13};

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		unsigned cap = caps[c], keys = 4 * cap + 3, bad = 0;
		uint8_t pool[4 * 13 + 3][16];
		struct topn t;

		/* Random keys: sequential ones spread evenly over a multiplicative
		 * hash and would seldom collide. */
		for (unsigned i = 0; i < keys; i++)
			for (unsigned b = 0; b < 16; b++)
				pool[i][b] = (uint8_t)rnd();
		FZ_CHECK_INT(0, topn_init(&t, cap));
		for (unsigned a = 0; a < 5000; a++) {
			uint8_t before[16][16];
			uint64_t flows[16];
			unsigned used = 0, n0;

			topn_add(&t, pool[rnd() % keys], 1, 1 + rnd() % 100);
			for (uint32_t s = 0; s <= t.mask; s++)
				used += t.slots[s] != 0;
			bad += used != t.n;
			for (unsigned i = 0; i < t.n; i++) {
				memcpy(before[i], t.e[i].key, 16);
				flows[i] = t.e[i].flows;
				for (unsigned j = 0; j < i; j++)
					bad += memcmp(t.e[i].key, t.e[j].key, 16) == 0;
			}
			n0 = t.n;
			for (unsigned i = 0; i < n0; i++) {
				topn_add(&t, before[i], 0, 0);
				bad += t.n != n0;
				for (unsigned j = 0; j < n0; j++)
					bad += memcmp(before[j], t.e[j].key, 16) != 0;
				bad += t.e[i].flows != flows[i] + 1;
			}
		}
		FZ_CHECK_INT(cap, t.n);
		FZ_CHECK_INT(0, bad);
		topn_free(&t);
	}
}

int main(void)
{
	FZ_RUN(test_one_bin);
	FZ_RUN(test_bin_reports);
	FZ_RUN(test_workers);
	FZ_RUN(test_idle_worker);
	FZ_RUN(test_done);
	FZ_RUN(test_empty_bins_and_finish);
	FZ_RUN(test_late);
	FZ_RUN(test_between_and_within);
	FZ_RUN(test_record_top);
	FZ_RUN(test_topn_exact);
	FZ_RUN(test_topn_zipf);
	FZ_RUN(test_topn_delete);
	return fz_test_summary();
}
