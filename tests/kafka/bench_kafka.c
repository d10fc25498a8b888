/*
 * Kafka exporter benchmark: flow records per second delivered to librdkafka's
 * mock cluster on loopback from one producing thread, with the cost of
 * JSON encoding (fz_record_flow_json, with zoo classes and means as the stats
 * lcore encodes them) measured on its own.
 *
 *   bench_kafka [-n RECORDS] [-o key=value]... [-b BROKERS] [-c CPU] [-h HELD]
 *
 * Prints one line per phase: encode only, produce pre-encoded records (one
 * at a time, as the stats lcore takes them; then held, with batch_end after
 * every HELD records, default 256, as an export lane takes a batch), encode
 * + produce; each with records/s and, for the produce phases, the
 * delivered, failed and dropped counts (the run fails unless every record
 * was delivered). Without -b it starts a 3-broker mock cluster in-process.
 * -c pins the producing thread (only it: librdkafka's and the mock's
 * threads exist by then and keep their own affinity) to one CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fz_kafka.h"
#include "fz_record.h"

#define MAX_OPTS 32
#define REC_CAP  1024
#define HELD_MAX 4096

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/*
 * CPU seconds: the producing thread's (the stats lcore's share) and the
 * whole process's (adds librdkafka's broker threads and the mock cluster).
 * On a shared machine wall time depends on the neighbours; CPU time less.
 */
struct cpu {
	double wall, thread, process;
};

static struct cpu cpu_now(void)
{
	struct cpu c = {now_s(), clock_s(CLOCK_THREAD_CPUTIME_ID),
	                clock_s(CLOCK_PROCESS_CPUTIME_ID)};

	return c;
}

static void report(const char *phase, uint64_t n, struct cpu t0, const char *extra)
{
	struct cpu t1 = cpu_now();
	double w = t1.wall - t0.wall, th = t1.thread - t0.thread, pr = t1.process - t0.process;

	printf("%-15s %9.0f records/s wall, %9.0f /s of producer-thread CPU, %9.0f /s of process "
	       "CPU (%llu records, %.2f s wall)%s\n",
	       phase, (double)n / w, (double)n / th, (double)n / pr, (unsigned long long)n, w,
	       extra);
}

/* A produce phase's line: the counts it added to c0 (c1 now). Returns 1
 * when a record of the phase was not delivered. */
static int report_produce(const char *phase, uint64_t n, struct cpu t0,
                          const struct fz_kafka_counters *c0, const struct fz_kafka_counters *c1)
{
	char extra[256];

	snprintf(extra, sizeof(extra), "; delivered %llu, failed %llu, dropped %llu, spooled %llu",
	         (unsigned long long)(c1->delivered - c0->delivered),
	         (unsigned long long)(c1->failed - c0->failed),
	         (unsigned long long)(c1->dropped - c0->dropped),
	         (unsigned long long)(c1->spooled - c0->spooled));
	report(phase, n, t0, extra);
	return c1->delivered - c0->delivered != n || c1->dropped != 0;
}

/* A plausible finished flow: 64 K clients talking to 256 servers. */
static void make_rec(struct fz_flow_rec *r, uint64_t i)
{
	memset(r, 0, sizeof(*r));
	r->key.ip_version = 4;
	r->key.proto = i % 3 ? 6 : 17;
	for (int e = 0; e < 2; e++) {
		r->key.addr[e][10] = r->key.addr[e][11] = 0xff;
		r->key.addr[e][12] = e ? 10 : 192;
		r->key.addr[e][13] = e ? 0 : 168;
	}
	r->key.addr[0][14] = (uint8_t)(i >> 8);
	r->key.addr[0][15] = (uint8_t)i;
	r->key.addr[1][15] = (uint8_t)(i % 251);
	r->key.port[0] = (uint16_t)(1024 + i % 60000);
	r->key.port[1] = i % 2 ? 443 : 53;
	r->flow_id = i;
	r->first_us = 1795400000000000ull + i * 10;
	r->last_us = r->first_us + 1234567;
	r->packets[0] = 10 + i % 7;
	r->packets[1] = 8 + i % 5;
	r->bytes[0] = 1500 * r->packets[0];
	r->bytes[1] = 700 * r->packets[1];
	r->tcp_flags[0] = 0x1b;
	r->tcp_flags[1] = 0x1b;
	r->end_reason = (uint8_t)(i % FZ_END__COUNT);
	r->app = (uint8_t)(i % 4);
	r->worker = (uint16_t)(i % 4);
}

static const char *const apps[] = {"unknown", "http", "tls", "dns"};

/* Zoo classes and running means as the stats lcore gives them: cumulative
 * means of many flows, reals with all their digits. */
static void make_zoo(struct fz_zoo_result *z, uint64_t i)
{
	double n = (double)(i + 1000);

	z->size_class = (int8_t)(i % 7 == 0);
	z->duration_class = (int8_t)(i % 3 == 0);
	z->rate_class = (int8_t)(i % 11 == 0 ? FZ_ZOO_NULL : (int)(i % 5 == 0));
	z->size_mean = (14500000.0 + 1234.5 * (double)i) / n;
	z->duration_mean = (2300.25 + 0.731 * (double)i) / n;
	z->rate_mean = (98765432.1 + 4567.8 * (double)i) / n;
}

/* What the encoder of a flow item needs: the record, its zoo classes, the encoder. */
struct flow_enc {
	struct fz_record_enc *enc;
	struct fz_flow_rec r;
	struct fz_zoo_result z;
};

/* The item encoder of the pipeline's flow items: fz_record_flow_json. */
static int encode_flow(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	struct flow_enc *fe = arg;

	(void)it;
	return fz_record_flow_json(fe->enc, &fe->r, &fe->z, buf, cap);
}

/*
 * Take n flow items, as the stats lcore hands them over: the text key of
 * the flow, the app, and JSON encoded on demand when enc is not NULL, else
 * taken pre-encoded from pre (the item's JSON already made). held > 0: as
 * an export lane gives them, held, with batch_end after every held items
 * (pre-encoded only).
 */
static int produce(struct fz_exporter *s, struct fz_record_enc *enc, const char *pre,
                   const size_t *pre_len, uint64_t n, unsigned held, struct fz_kafka_counters *c)
{
	static char keys[HELD_MAX][128];
	struct fz_json_buf jbuf = {.max = REC_CAP};
	struct flow_enc fe = {.enc = enc};
	uint64_t npre = 4096;

	jbuf.buf = malloc(REC_CAP);
	jbuf.cap = REC_CAP;
	if (jbuf.buf == NULL)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		struct fz_item it = {.kind = FZ_ITEM_FLOW, .stream = "flows", .jbuf = &jbuf};
		char *key = keys[held ? i % held : 0];
		int len;

		make_rec(&fe.r, i);
		if (enc != NULL) {
			make_zoo(&fe.z, i);
			it.encode = encode_flow;
			it.encode_arg = &fe;
		} else {
			it.json = pre + (i % npre) * REC_CAP;
			it.len = pre_len[i % npre];
			it.json_rc = 1;
		}
		len = fz_record_flow_key_text(&fe.r.key, key, sizeof(keys[0]));
		it.key = key;
		it.key_len = (size_t)len;
		it.app = apps[fe.r.app];
		it.held = held > 0 && enc == NULL;
		s->ops->take(s, &it);
		if (held && (i % held == held - 1 || i + 1 == n))
			s->ops->batch_end(s);
		if ((i & 1023) == 0)
			s->ops->poll(s);
	}
	free(jbuf.buf);
	if (s->ops->flush(s, 60000) != 0)
		fprintf(stderr, "bench: flush timed out\n");
	return fz_kafka_exporter_counters(s, c);
}

int main(int argc, char **argv)
{
	const char *opts[MAX_OPTS];
	struct fz_kafka_conf kc = {.mock = 1, .topic_prefix = "bench"};
	/* Every record carries "schema_version" from its encoder (the exporter
	 * no longer adds it), so the bench encodes what the pipeline sends. */
	struct fz_record_ctx ctx = {.collector = "bench",
	                            .app_names = apps,
	                            .n_apps = 4,
	                            .schema_version = FZ_SCHEMA_VERSION};
	struct fz_kafka_counters c0 = {0}, c1;
	struct fz_record_enc *enc;
	struct fz_exporter *s;
	struct fz_flow_rec r;
	struct fz_zoo_result z;
	char err[512], *pre, buf[REC_CAP];
	size_t *pre_len, bytes = 0;
	uint64_t n = 2000000;
	unsigned n_opts = 0;
	struct cpu t0;
	char extra[256];
	int opt, fail = 0, pin = -1;
	unsigned held = 256;

	while ((opt = getopt(argc, argv, "n:o:b:c:h:")) != -1) {
		if (opt == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (opt == 'h' && atoi(optarg) > 0 && atoi(optarg) <= HELD_MAX)
			held = (unsigned)atoi(optarg);
		else if (opt == 'o' && n_opts < MAX_OPTS)
			opts[n_opts++] = optarg;
		else if (opt == 'b')
			kc.brokers = optarg, kc.mock = 0;
		else if (opt == 'c')
			pin = atoi(optarg);
		else {
			fprintf(stderr,
			        "usage: %s [-n RECORDS] [-o key=value]... [-b BROKERS] [-c CPU] "
			        "[-h HELD]\n",
			        argv[0]);
			return 2;
		}
	}
	kc.opts = opts;
	kc.n_opts = n_opts;
	enc = fz_record_enc_create(&ctx);
	pre = malloc(4096 * REC_CAP);
	pre_len = malloc(4096 * sizeof(*pre_len));
	if (enc == NULL || pre == NULL || pre_len == NULL)
		return 1;

	/* Phase 1: encoding alone. */
	t0 = cpu_now();
	for (uint64_t i = 0; i < n; i++) {
		int len;

		make_rec(&r, i);
		make_zoo(&z, i);
		len = fz_record_flow_json(enc, &r, &z, buf, sizeof(buf));
		if (len < 0)
			return 1;
		bytes += (size_t)len;
	}
	snprintf(extra, sizeof(extra), ", %.0f bytes/record", (double)bytes / (double)n);
	report("encode", n, t0, extra);
	for (int i = 0; i < 4096; i++) {
		int len;

		make_rec(&r, (uint64_t)i);
		make_zoo(&z, (uint64_t)i);
		len = fz_record_flow_json(enc, &r, &z, pre + (size_t)i * REC_CAP, REC_CAP);
		pre_len[i] = len > 0 ? (size_t)len : 0;
	}

	s = fz_kafka_exporter_create(&kc, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	if (pin >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
			fprintf(stderr, "bench: cannot pin to CPU %d\n", pin);
	}
	if (fz_kafka_exporter_bootstrap(s))
		printf("mock cluster    %s\n", fz_kafka_exporter_bootstrap(s));
	/* Phase 2: pre-encoded records, so the number is the exporter's and
	 * librdkafka's: one at a time (the stats lcore's take), then held and
	 * handed on a batch at a time (an export lane's turn); twice each,
	 * alternating, as the first phase also warms the producer and the mock. */
	for (int phase = 0; phase < 4; phase++) {
		int is_held = phase % 2;

		t0 = cpu_now();
		if (produce(s, NULL, pre, pre_len, n, is_held ? held : 0, &c1) != 0)
			return 1;
		fail |= report_produce(is_held ? "produce held" : "produce", n, t0, &c0, &c1);
		c0 = c1;
	}
	/* Last: encode + produce, what the stats lcore does per flow without lanes. */
	t0 = cpu_now();
	if (produce(s, enc, NULL, NULL, n, 0, &c1) != 0)
		return 1;
	fail |= report_produce("encode+produce", n, t0, &c0, &c1);
	s->ops->close(s);
	fz_record_enc_free(enc);
	free(pre);
	free(pre_len);
	if (fail)
		fprintf(stderr, "bench: records were lost\n");
	return fail;
}
