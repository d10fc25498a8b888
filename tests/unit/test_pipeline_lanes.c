/* Unit tests of the export lanes (lib/pipeline/lanes.c): with 1, 2 and 3 lanes on threads the
 * exporters take exactly the items, in exactly the order, the stats lcore gives them alone;
 * events keep their place among the flows; each lane encodes with its own encoder; encode
 * errors, pending records and the exporters' counters are exact. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fz_pipeline.h"
#include "fz_test.h"
#include "fz_test_counters.h"

#define N_FLOWS 5000
#define BAD_ID  977 /* flows whose id % BAD_ID == BAD_ID - 1 cannot be encoded */

/* What the exporter took, one line per item. */
struct trace {
	char *buf;
	size_t len, cap;
	unsigned items;
};

static void trace_add(struct trace *t, const char *line)
{
	size_t n = strlen(line);

	if (t->len + n + 2 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1 << 16;
		while (t->len + n + 2 > t->cap)
			t->cap *= 2;
		t->buf = realloc(t->buf, t->cap);
		if (t->buf == NULL)
			abort();
	}
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
	t->items++;
}

/* Encoders: a flow as {"flow":<id>,"arg":"<encoder's arg>"}; an event as {"event":<n>}. */
static unsigned encodes_by_arg[4];
static const char *const args[4] = {"direct", "lane0", "lane1", "lane2"};

static int encode_flow(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct fz_flow_item *fi = it->body;
	int n;

	for (unsigned i = 0; i < 4; i++)
		if (arg == args[i])
			__atomic_add_fetch(&encodes_by_arg[i], 1, __ATOMIC_RELAXED);
	if (fi->rec->flow_id % BAD_ID == BAD_ID - 1)
		return -EINVAL;
	/* Every 1000th flow is long: the lane's arena and the pipeline's buffer grow. */
	n = snprintf(buf, cap, "{\"flow\":%llu,\"zoo\":%d,\"mean\":%.0f,\"pad\":\"%*s\"}",
	             (unsigned long long)fi->rec->flow_id, fi->zoo ? fi->zoo->size_class : -1,
	             fi->zoo ? fi->zoo->size_mean : -1.0, fi->rec->flow_id % 1000 == 0 ? 3000 : 1,
	             "");
	return n >= (int)cap ? -ENOSPC : n;
}

static int encode_event(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "{\"event\":%d}", *(const int *)it->body);

	(void)arg;
	return n >= (int)cap ? -ENOSPC : n;
}

/* The zoo's stand-in: a class from the flow id, so the result travels with its flow, and a
 * "mean" that is the sum of the flow ids before it, which the lanes replay from a copy. */
static struct fz_zoo_result zoo;
static uint64_t id_sum;

static void consumer_zoo_ordered(void *arg, const struct fz_flow_rec *rec,
                                 struct fz_flow_item *item)
{
	(void)arg;
	zoo.size_class = (int8_t)(rec->flow_id % 2);
	id_sum += rec->flow_id;
	item->zoo = &zoo;
}

static void consumer_zoo(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	zoo.size_mean = (double)id_sum;
	consumer_zoo_ordered(arg, rec, item);
}

/* A batch's copy is the sum before its first flow; its scratch counts its flows, gathered at
 * the lane's turn (and left zero for the next batch in the slot). */
static uint64_t turned, scratch_not_zero;

static void zoo_snapshot(void *arg, void *state)
{
	(void)arg;
	memcpy(state, &id_sum, sizeof(id_sum));
}

static void zoo_lane_flow(void *arg, void *state, void *scratch, const struct fz_flow_rec *rec,
                          struct fz_zoo_result *res)
{
	uint64_t *sum = state, *flows = scratch;

	(void)arg;
	res->size_mean = (double)*sum;
	*sum += rec->flow_id;
	if (flows[1] != 0)
		scratch_not_zero++;
	++*flows;
}

static void zoo_lane_turn(void *arg, void *state, void *scratch)
{
	uint64_t *flows = scratch;

	(void)arg;
	(void)state;
	turned += *flows;
	*flows = 0;
}

static int encode_event(const struct fz_item *it, void *arg, char *buf, size_t cap);

/* After the zoo, a consumer that emits 1100 events at flow 300: more than a batch takes, so a
 * cut is due while the zoo's state is past the flow, which is not in the batch yet. */
static void consumer_burst(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	static int body = 300300;
	struct fz_item it = {
	    .kind = FZ_ITEM_TRAFFIC, .stream = "traffic", .body = &body, .encode = encode_event};

	(void)item;
	for (unsigned i = 0; rec->flow_id == 300 && i < 1100; i++) {
		it.json_rc = 0;
		fz_pipeline_emit(arg, &it);
	}
}

/* Bin reports in the bursts: to the consumers that take reports, in their place. */
static uint64_t reports_seen, report_ids;

static void consumer_report(void *arg, const struct fz_flow_rec *rec)
{
	(void)arg;
	reports_seen++;
	report_ids += rec->flow_id;
}

/* A held item's JSON as take() saw it: still there at batch_end? */
struct kept {
	const char *json;
	size_t len;
	uint64_t sum;
};

struct fake {
	struct fz_exporter base;
	struct trace t;
	int polls;
	/* Held items since the last batch_end, and what batch_end found. */
	struct kept kept[4096];
	unsigned n_kept;
	uint64_t held, not_held, batch_ends, changed, kept_overflow;
	uint64_t key_crcs, bad_key_crcs; /* items with the key's CRC-32 made, and wrong ones */
};

static uint64_t text_sum(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* The exporter's own format of a flow: text from its id, an error for some. */
static int own_format(const struct fz_item *it, char *buf, size_t cap)
{
	uint64_t id = ((const struct fz_flow_item *)it->body)->rec->flow_id;

	if (id % 89 == 5)
		return -EIO;
	return snprintf(buf, cap, "id*7=%llu", (unsigned long long)id * 7);
}

static pthread_t main_thread;
static uint64_t prepared, prepared_off_main;

static int fake_prepare(const struct fz_exporter *e, const struct fz_item *it, void *buf,
                        size_t cap)
{
	(void)e;
	__atomic_add_fetch(&prepared, 1, __ATOMIC_RELAXED);
	if (!pthread_equal(pthread_self(), main_thread))
		__atomic_add_fetch(&prepared_off_main, 1, __ATOMIC_RELAXED);
	if (((uintptr_t)buf & 7) != 0)
		return -EFAULT; /* promised aligned to 8 */
	return own_format(it, buf, cap);
}

static int fake_take(struct fz_exporter *e, struct fz_item *it)
{
	struct fake *f = (struct fake *)e;
	const char *json = "";
	size_t len = 0;
	char line[4096], own[64] = "";
	int rc = fz_item_json(it, &json, &len), orc = 0;

	if (it->kind == FZ_ITEM_FLOW && it->prep_for == e) { /* made on a lane */
		orc = it->prep_rc;
		if (orc >= 0)
			snprintf(own, sizeof(own), "%.*s", (int)it->prep_len,
			         (const char *)it->prep);
	} else if (it->kind == FZ_ITEM_FLOW) {
		orc = own_format(it, own, sizeof(own));
	}
	snprintf(line, sizeof(line), "%s %s key=%.*s app=%s rc=%d %.*s own=%d:%s",
	         fz_item_kind_names[it->kind], it->stream, (int)(it->key ? it->key_len : 0),
	         it->key ? (const char *)it->key : "", it->app ? it->app : "-", rc,
	         rc == 0 ? (int)len : 0, rc == 0 ? json : "", orc < 0 ? orc : 0, own);
	trace_add(&f->t, line);
	if (it->key_crc_set) {
		f->key_crcs++;
		f->bad_key_crcs +=
		    !it->key || it->key_len == 0 ||
		    it->key_crc != crc32(0, (const Bytef *)it->key, (uInt)it->key_len);
	}
	if (!it->held) {
		f->not_held++;
	} else if (rc == 0 && f->n_kept < 4096) {
		f->held++;
		f->kept[f->n_kept++] = (struct kept){json, len, text_sum(json, len)};
	} else {
		f->held++;
		f->kept_overflow += rc == 0;
	}
	return rc;
}

/* Every held item's bytes are still as take() saw them. */
static void fake_batch_end(struct fz_exporter *e)
{
	struct fake *f = (struct fake *)e;

	for (unsigned i = 0; i < f->n_kept; i++)
		f->changed += text_sum(f->kept[i].json, f->kept[i].len) != f->kept[i].sum;
	f->n_kept = 0;
	f->batch_ends++;
}

static void fake_poll(struct fz_exporter *e)
{
	((struct fake *)e)->polls++;
}

static void fake_close(struct fz_exporter *e)
{
	(void)e;
}

static const struct fz_exporter_ops fake_ops = {.take = fake_take,
                                                .poll = fake_poll,
                                                .close = fake_close,
                                                .prepare = fake_prepare,
                                                .prepare_cap = 64,
                                                .batch_end = fake_batch_end};

static const char *const apps[] = {"unknown", "http", "tls"};

struct lane_arg {
	struct fz_pipeline *p;
	unsigned i;
};

static void *lane_thread(void *arg)
{
	struct lane_arg *a = arg;

	fz_pipeline_lane_run(a->p, a->i);
	return NULL;
}

static uint64_t counter(struct fz_pipeline *p, const char *name)
{
	fz_pipeline_publish(p);
	return fz_test_counter(fz_pipeline_counter_set(p), 0, name);
}

/*
 * N_FLOWS flows, a traffic event every 37 flows (with a key) and a stats
 * event every 101 (without), through a pipeline with n lanes (0: none).
 * Returns the exporter's trace; *errors the encode errors counted.
 */
static struct trace run(unsigned n, uint64_t *errors, uint64_t *pending_before_sync)
{
	struct fz_pipeline_conf conf = {
	    .flow_encode = encode_flow,
	    .flow_encode_arg = (void *)args[0],
	    .app_names = apps,
	    .n_apps = 3,
	};
	struct fz_pipeline *p = fz_pipeline_create(&conf);
	struct fz_consumer c = {.name = "zoo",
	                        .flow = consumer_zoo,
	                        .flow_ordered = consumer_zoo_ordered,
	                        .state_size = sizeof(id_sum),
	                        .scratch_size = 2 * sizeof(uint64_t),
	                        .snapshot = zoo_snapshot,
	                        .lane_flow = zoo_lane_flow,
	                        .lane_turn = zoo_lane_turn};
	struct fz_consumer burst = {
	    .name = "burst", .flow = consumer_burst, .report = consumer_report, .arg = p};
	struct fake *f = calloc(1, sizeof(*f));
	void *lane_args[3] = {(void *)args[1], (void *)args[2], (void *)args[3]};
	pthread_t th[3];
	struct lane_arg la[3];
	struct trace t;

	FZ_CHECK(p != NULL && f != NULL);
	f->base = (struct fz_exporter){.ops = &fake_ops,
	                               .name = "fake",
	                               .kinds = FZ_ITEM_ALL,
	                               .flags = FZ_EXPORTER_KEYS | FZ_EXPORTER_KEY_CRC};
	id_sum = 0;
	prepared = prepared_off_main = 0;
	turned = 0;
	scratch_not_zero = 0;
	reports_seen = 0;
	report_ids = 0;
	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c));
	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &burst));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &f->base));
	if (n) {
		FZ_CHECK_INT(0, fz_pipeline_lanes_create(p, n, lane_args));
		FZ_CHECK_INT(-EBUSY, fz_pipeline_lanes_create(p, n, lane_args));
		FZ_CHECK_INT(-EBUSY, fz_pipeline_add_consumer(p, &c)); /* its state has no room */
		for (unsigned i = 0; i < n; i++) {
			la[i] = (struct lane_arg){p, i};
			FZ_CHECK_INT(0, pthread_create(&th[i], NULL, lane_thread, &la[i]));
		}
	}
	for (unsigned k = 0; k < N_FLOWS; k++) {
		struct fz_flow_rec rec = {.flow_id = k, .app = (uint8_t)(k % 4), .last_us = k};

		rec.key.port[0] = (uint16_t)k;
		rec.key.proto = 6;
		rec.key.ip_version = 4;
		/* One at a time, or as a ring's burst (the stats loop's call), every 50th after a
		 * bin report. */
		if (k % 50 == 0) {
			struct fz_flow_rec two[2] = {{.flow_id = k, .kind = FZ_REC_BIN}, rec};

			fz_pipeline_flows(p, two, 2);
		} else if (k % 2) {
			fz_pipeline_flows(p, &rec, 1);
		} else {
			fz_pipeline_flow(p, &rec);
		}
		if (k % 37 == 0) {
			int body = (int)k;
			struct fz_item it = {.kind = FZ_ITEM_TRAFFIC,
			                     .stream = "traffic",
			                     .key = "net-a",
			                     .key_len = 5,
			                     .body = &body,
			                     .encode = encode_event};

			fz_pipeline_emit(p, &it);
			FZ_CHECK_INT(1, it.json_rc); /* encoded by the time emit returns */
		}
		if (k % 101 == 0) {
			int body = -(int)k;
			struct fz_item it = {.kind = FZ_ITEM_STATS,
			                     .stream = "stats",
			                     .body = &body,
			                     .encode = encode_event};

			fz_pipeline_emit(p, &it);
		}
	}
	*pending_before_sync = fz_pipeline_pending(p);
	fz_pipeline_sync(p);
	FZ_CHECK_INT(0, fz_pipeline_pending(p));
	if (n) {
		fz_pipeline_lanes_stop(p);
		for (unsigned i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		/* A batch is cut at 256 flows, the last one by the sync, and once right after
		 * flow 300 (1100 events): 0-255, 256-300, then 4 699 flows in 19 batches. */
		FZ_CHECK_INT(2 + 19, counter(p, "export_batches"));
		FZ_CHECK_INT(2, counter(p, "export_syncs")); /* the sync above, and the stop's */
	}
	/* After the lanes stopped the stats lcore exports itself again. */
	{
		int body = 424242;
		struct fz_item it = {.kind = FZ_ITEM_ALERT,
		                     .stream = "alerts",
		                     .body = &body,
		                     .encode = encode_event};

		fz_pipeline_emit(p, &it);
	}
	*errors = counter(p, "encode_errors");
	FZ_CHECK_INT(n ? N_FLOWS : 0, turned); /* every batch's flows, at the lanes' turns */
	/* With lanes every flow is prepared, on a lane; without, take() does it. */
	FZ_CHECK_INT(n ? N_FLOWS : 0, prepared);
	FZ_CHECK_INT(n ? N_FLOWS : 0, prepared_off_main);
	FZ_CHECK_INT(0, scratch_not_zero); /* given zero (its second word is never written) */
	FZ_CHECK_INT(N_FLOWS / 50, reports_seen);
	FZ_CHECK_INT(50 * (0 + 99) * 100 / 2, report_ids); /* 0 + 50 + ... + 4950 */
	FZ_CHECK(f->polls > 0 || n == 0);
	/* On a lane every item is held until its turn's batch_end, which comes once a
	 * batch; the stats lcore's own (no lanes, or after they stopped) are not. */
	FZ_CHECK_INT(n ? 2 + 19 : 0, f->batch_ends);
	FZ_CHECK_INT(n ? 1 : f->t.items, f->not_held);
	FZ_CHECK_INT(f->t.items - f->not_held, f->held);
	FZ_CHECK_INT(0, f->changed);
	FZ_CHECK_INT(0, f->kept_overflow);
	FZ_CHECK_INT(0, f->n_kept);
	/* Each flow's key CRC-32 is made on its lane; events' and the stats lcore's are not. */
	FZ_CHECK_INT(n ? N_FLOWS : 0, f->key_crcs);
	FZ_CHECK_INT(0, f->bad_key_crcs);
	t = f->t;
	fz_pipeline_free(p);
	free(f);
	return t;
}

static void test_same_items_same_order(void)
{
	main_thread = pthread_self();
	uint64_t errors0, pending0;
	struct trace ref = run(0, &errors0, &pending0);
	unsigned expect_items = N_FLOWS + (N_FLOWS + 36) / 37 + (N_FLOWS + 100) / 101 + 1 + 1100;

	FZ_CHECK_INT(expect_items, ref.items);
	FZ_CHECK_INT(N_FLOWS / BAD_ID, errors0);
	FZ_CHECK_INT(0, pending0); /* no exporter with pending(): nothing held */
	FZ_CHECK(strstr(ref.buf, " app=http rc=0 {\"flow\":1,\"zoo\":1,\"mean\":0,") != NULL);
	FZ_CHECK(strstr(ref.buf, " app=unknown rc=0 {\"flow\":3,\"zoo\":1,\"mean\":3,") != NULL);
	/* 0 + 1 + ... + 299 = 44 850, and the burst's events come before flow 300. */
	FZ_CHECK(strstr(ref.buf, "{\"event\":300300} own=0:\nflow flows key=") != NULL);
	FZ_CHECK(strstr(ref.buf, "{\"flow\":300,\"zoo\":0,\"mean\":44850,") != NULL);
	FZ_CHECK(strstr(ref.buf, "traffic traffic key=net-a app=- rc=0 {\"event\":37} own=0:\n") !=
	         NULL);
	FZ_CHECK(strstr(ref.buf, "stats stats key= app=- rc=0 {\"event\":-101} own=0:\n") != NULL);
	FZ_CHECK(strstr(ref.buf, "alert alerts key= app=- rc=0 {\"event\":424242} own=0:\n") !=
	         NULL);
	FZ_CHECK(strstr(ref.buf, " rc=-22  own=0:id*7=") != NULL);
	FZ_CHECK(strstr(ref.buf, "{\"flow\":301,\"zoo\":1,\"mean\":45150,\"pad\":\" \"} "
	                         "own=0:id*7=2107\n") != NULL);
	FZ_CHECK(strstr(ref.buf, " own=-5:\n") != NULL); /* flows 5, 94, ...: the format's error */
	for (unsigned n = 1; n <= 3; n++) {
		uint64_t errors, pending;
		struct trace t;

		memset(encodes_by_arg, 0, sizeof(encodes_by_arg));
		t = run(n, &errors, &pending);
		FZ_CHECK_INT(ref.items, t.items);
		FZ_CHECK_INT(ref.len, t.len);
		FZ_CHECK(t.buf && strcmp(ref.buf, t.buf) == 0);
		FZ_CHECK_INT(errors0, errors);
		FZ_CHECK(pending > 0); /* records in batches not yet written, or the open one */
		/* Flows are encoded by the lanes, each with its own encoder. */
		FZ_CHECK_INT(0, encodes_by_arg[0]);
		for (unsigned i = 0; i < n; i++)
			FZ_CHECK(encodes_by_arg[1 + i] >= N_FLOWS / 256 / n * 256);
		free(t.buf);
	}
	free(ref.buf);
}

static void test_bad_lanes(void)
{
	struct fz_pipeline_conf conf = {.flow_encode = encode_flow};
	struct fz_pipeline *p = fz_pipeline_create(&conf);
	struct fz_consumer half = {
	    .name = "half", .flow = consumer_zoo, .lane_flow = zoo_lane_flow};

	/* A consumer split in two comes whole. */
	FZ_CHECK_INT(-EINVAL, fz_pipeline_add_consumer(p, &half));
	FZ_CHECK_INT(-EINVAL, fz_pipeline_lanes_create(p, 0, NULL));
	FZ_CHECK_INT(-EINVAL, fz_pipeline_lanes_create(p, FZ_PIPELINE_MAX_LANES + 1, NULL));
	/* Without lanes these do nothing. */
	fz_pipeline_cut(p);
	fz_pipeline_sync(p);
	fz_pipeline_lanes_stop(p);
	fz_pipeline_free(p);
}

int main(void)
{
	FZ_RUN(test_same_items_same_order);
	FZ_RUN(test_bad_lanes);
	return fz_test_summary();
}
