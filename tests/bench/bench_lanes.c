/*
 * The export stage alone (issue 23): flood-like flow records (one packet
 * each, zoo classes attached) go through the pipeline into the JSON-lines
 * exporter, with 0 lanes (the calling thread encodes and writes, as the
 * stats lcore does without --export-lcores) or with N lanes on threads of
 * their own (lib/pipeline/lanes.c). The feeding thread does only what the
 * stats lcore keeps: it hands the records on. Prints wall time, records per
 * wall second, and the CPU time of the feeder and of the lanes (per-thread
 * clocks), so that the scaling of the export stage from 1 to N lanes shows
 * on a box with N + 1 CPUs, and its records per CPU-second on any box.
 *
 *   bench_lanes [-n RECORDS] [-l LANES] [-o PATH] [-p CPU,CPU...] [-z stub|full|split]
 *               [-e jsonl|null]
 *
 * -p pins the feeder to the first CPU and lane i to the (i+2)th (wrapping);
 * -p 0,0 runs the feeder and a lane on one CPU, so that each thread's clock
 * holds its own work and not the other's (a thread that waits gives the CPU
 * away). -z: the zoo's classes are a fixed stand-in (stub), lib/zoo's on the
 * feeder (full: what the stats lcore did before the zoo classified on the
 * lanes), or lib/zoo split as flowzoo does with lanes (split: the feeder lets
 * each flow enter the means, the lanes classify). -e null: an exporter that
 * takes the flows without JSON, so that the lanes do only the zoo's part.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fz_export.h"
#include "fz_pipeline.h"
#include "fz_record.h"
#include "fz_zoo.h"

static const char *const apps[] = {"unknown", "http", "tls", "ssh", "dns"};

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A flood's record: a new TCP flow of one 64-byte packet, ended by eviction. */
static void make_flow(struct fz_flow_rec *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->key.ip_version = 4;
	r->key.proto = 6;
	r->key.addr[0][10] = r->key.addr[0][11] = r->key.addr[1][10] = r->key.addr[1][11] = 0xff;
	r->key.addr[0][12] = 10;
	r->key.addr[0][13] = (uint8_t)(i >> 16);
	r->key.addr[0][14] = (uint8_t)(i >> 8);
	r->key.addr[0][15] = (uint8_t)i;
	r->key.addr[1][12] = 192;
	r->key.addr[1][14] = 2;
	r->key.addr[1][15] = 1;
	r->key.port[0] = (uint16_t)(1024 + i % 60000);
	r->key.port[1] = 80;
	r->flow_id = i + 1;
	r->first_us = 1700000000000000ull + i;
	r->last_us = r->first_us;
	r->packets[0] = 1;
	r->bytes[0] = 46;
	r->tcp_flags[0] = 0x02;
	r->end_reason = FZ_END_EVICTED;
	r->app = 0;
}

static int encode_flow(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct fz_flow_item *f = it->body;

	return fz_record_flow_json(arg, f->rec, f->zoo, buf, cap);
}

/* The zoo's stand-in: the classes and means every flow of a flood gets. */
static struct fz_zoo_result zoo = {0, 0, FZ_ZOO_NULL, 46.0, 0.0, 0.0};

static void consumer_zoo(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	(void)arg;
	(void)rec;
	item->zoo = &zoo;
}

/* The real zoo, classifying on the feeder (full) or split with the lanes (split). */
static struct fz_zoo *real_zoo;
static struct fz_zoo_result real_res;

static void zoo_full(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	(void)arg;
	fz_zoo_classify(real_zoo, rec, &real_res);
	item->zoo = &real_res;
}

static void zoo_advance(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	(void)arg;
	fz_zoo_advance(real_zoo, rec);
	item->zoo = &real_res;
}

static void zoo_start(void *arg, void *state)
{
	(void)arg;
	fz_zoo_lane_start(real_zoo, state);
}

static void zoo_lane(void *arg, void *state, void *counts, const struct fz_flow_rec *rec,
                     struct fz_zoo_result *out)
{
	(void)arg;
	fz_zoo_lane_flow(real_zoo, state, counts, rec, out);
}

static void zoo_merge(void *arg, void *state, void *counts)
{
	(void)arg;
	(void)state;
	fz_zoo_lane_merge(real_zoo, counts);
}

/* -e null: takes flows, writes nothing. */
static int null_take(struct fz_exporter *e, struct fz_item *it)
{
	(void)e;
	(void)it;
	return 0;
}

static void null_close(struct fz_exporter *e)
{
	(void)e;
}

static const struct fz_exporter_ops null_ops = {.take = null_take, .close = null_close};
static struct fz_exporter null_exporter = {
    .ops = &null_ops, .name = "null", .kinds = FZ_ITEM_ALL, .flags = FZ_EXPORTER_BINARY};

struct lane_arg {
	struct fz_pipeline *p;
	unsigned i;
	int cpu; /* -1: not pinned */
	double cpu_s;
};

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "bench_lanes: cannot pin to CPU %d\n", cpu);
}

static void *lane_thread(void *arg)
{
	struct lane_arg *a = arg;

	pin(a->cpu);
	fz_pipeline_lane_run(a->p, a->i);
	a->cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t n = 2000000;
	unsigned lanes = 0, n_cpus = 0;
	int cpus[FZ_PIPELINE_MAX_LANES + 1];
	const char *path = "/dev/null";
	struct fz_record_ctx ctx = {
	    .collector = "bench", .app_names = apps, .n_apps = 5, .schema_version = 1};
	struct fz_record_enc *enc[FZ_PIPELINE_MAX_LANES + 1];
	struct lane_arg la[FZ_PIPELINE_MAX_LANES];
	pthread_t th[FZ_PIPELINE_MAX_LANES];
	struct fz_pipeline_conf conf = {.flow_encode = encode_flow, .app_names = apps, .n_apps = 5};
	struct fz_consumer zc = {.name = "zoo", .flow = consumer_zoo};
	struct fz_pipeline *p;
	struct fz_exporter *jsonl;
	struct fz_flow_rec rec[32];
	struct fz_zoo_conf zconf;
	const char *zmode = "stub", *emode = "jsonl";
	double w0, c0, wall, feed_s, lanes_s = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:l:o:p:z:e:")) != -1) {
		if (opt == 'n') {
			n = strtoull(optarg, NULL, 10);
		} else if (opt == 'l') {
			lanes = (unsigned)atoi(optarg);
		} else if (opt == 'o') {
			path = optarg;
		} else if (opt == 'z' && (!strcmp(optarg, "stub") || !strcmp(optarg, "full") ||
		                          !strcmp(optarg, "split"))) {
			zmode = optarg;
		} else if (opt == 'e' && (!strcmp(optarg, "jsonl") || !strcmp(optarg, "null"))) {
			emode = optarg;
		} else if (opt == 'p') {
			for (char *s = strtok(optarg, ","); s && n_cpus <= FZ_PIPELINE_MAX_LANES;
			     s = strtok(NULL, ","))
				cpus[n_cpus++] = atoi(s);
		} else {
			fprintf(stderr, "usage: bench_lanes [-n RECORDS] [-l LANES] [-o PATH] "
			                "[-p CPU,CPU...] [-z stub|full|split] [-e jsonl|null]\n");
			return 2;
		}
	}
	if (lanes > FZ_PIPELINE_MAX_LANES) {
		fprintf(stderr, "bench_lanes: at most %d lanes\n", FZ_PIPELINE_MAX_LANES);
		return 2;
	}
	for (unsigned i = 0; i <= lanes; i++) {
		enc[i] = fz_record_enc_create(&ctx);
		if (enc[i] == NULL)
			return 1;
	}
	conf.flow_encode_arg = enc[0];
	fz_zoo_conf_init(&zconf);
	real_zoo = fz_zoo_create(&zconf, 5, apps);
	if (real_zoo == NULL)
		return 1;
	if (strcmp(zmode, "stub") != 0)
		zc.flow = zoo_full;
	if (strcmp(zmode, "split") == 0) {
		zc.flow_ordered = zoo_advance;
		zc.state_size = fz_zoo_lane_size(real_zoo);
		zc.scratch_size = fz_zoo_lane_counts_size(real_zoo);
		zc.snapshot = zoo_start;
		zc.lane_flow = zoo_lane;
		zc.lane_turn = zoo_merge;
	}
	p = fz_pipeline_create(&conf);
	jsonl = strcmp(emode, "null") == 0
	            ? &null_exporter
	            : fz_jsonl_open(path, FZ_JSONL_TRUNCATE, 1000, NULL, NULL);
	if (p == NULL || jsonl == NULL || fz_pipeline_add_consumer(p, &zc) != 0 ||
	    fz_pipeline_add_exporter(p, jsonl) != 0) {
		fprintf(stderr, "bench_lanes: %s\n", strerror(errno));
		return 1;
	}
	if (n_cpus)
		pin(cpus[0]);
	if (lanes) {
		if (fz_pipeline_lanes_create(p, lanes, (void *const *)&enc[1]) != 0)
			return 1;
		for (unsigned i = 0; i < lanes; i++) {
			la[i] = (struct lane_arg){p, i, n_cpus ? cpus[(1 + i) % n_cpus] : -1, 0};
			if (pthread_create(&th[i], NULL, lane_thread, &la[i]) != 0)
				return 1;
		}
	}
	w0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	/* In bursts, as the stats loop takes them from a ring. */
	for (uint64_t i = 0; i < n; i += 32) {
		unsigned k = n - i < 32 ? (unsigned)(n - i) : 32;

		for (unsigned j = 0; j < k; j++)
			make_flow(&rec[j], i + j);
		fz_pipeline_flows(p, rec, k);
	}
	if (lanes) {
		fz_pipeline_lanes_stop(p);
		for (unsigned i = 0; i < lanes; i++) {
			pthread_join(th[i], NULL);
			lanes_s += la[i].cpu_s;
		}
	}
	feed_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	fz_pipeline_flush(p, 1000);
	wall = clock_s(CLOCK_MONOTONIC) - w0;
	printf("{\"lanes\": %u, \"zoo\": \"%s\", \"exporter\": \"%s\", \"records\": %llu, "
	       "\"wall_s\": %.3f, \"records_per_s\": %.0f, \"feeder_cpu_s\": %.3f, "
	       "\"records_per_feeder_cpu_s\": %.0f, \"lanes_cpu_s\": %.3f, "
	       "\"records_per_lane_cpu_s\": %.0f, \"zoo_flows\": %llu}\n",
	       lanes, zmode, emode, (unsigned long long)n, wall, (double)n / wall, feed_s,
	       (double)n / feed_s, lanes_s, lanes_s > 0 ? (double)n / lanes_s : 0.0,
	       (unsigned long long)fz_zoo_flows(real_zoo));
	fz_pipeline_free(p);
	fz_zoo_free(real_zoo);
	for (unsigned i = 0; i <= lanes; i++)
		fz_record_enc_free(enc[i]);
	return 0;
}
