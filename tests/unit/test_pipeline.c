/* Unit tests of the pipeline: consumers and exporters in order, JSON made once, counters, and
 * the timers. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_pipeline.h"
#include "fz_test.h"

/* Everything the fakes did, in order, as text: "c1:7 e1:flow:7:zoo ...". */
static char trace[4096];

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	size_t len = strlen(trace);
	va_list ap;

	if (len)
		trace[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(trace + len, sizeof(trace) - len, fmt, ap);
	va_end(ap);
}

/* Encoders: a flow as {"flow":<id>}, an event as {"event":<n>}; both count their calls. */
static int encodes;
static size_t need;     /* the encoders say -ENOSPC while cap < need */
static size_t caps[16]; /* the caps they were called with */
static int always_enospc;

static int finish(int n, char *buf, size_t cap)
{
	if (encodes <= 16)
		caps[encodes - 1] = cap;
	if (always_enospc || cap < need || (size_t)n >= cap)
		return -ENOSPC;
	(void)buf;
	return n;
}

static int encode_flow(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct fz_flow_item *fi = it->body;

	FZ_CHECK_STR("flow-arg", arg);
	encodes++;
	return finish(snprintf(buf, cap, "{\"flow\":%llu}", (unsigned long long)fi->rec->flow_id),
	              buf, cap);
}

static int encode_event(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	(void)arg;
	encodes++;
	return finish(snprintf(buf, cap, "{\"event\":%d}", *(const int *)it->body), buf, cap);
}

/* Consumers: c1 points item->zoo at its result, c2 says whether it sees it. */
static struct fz_zoo_result zoo_result;

static void consumer_zoo(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	FZ_CHECK(item->rec == rec);
	note("%s:%llu", (const char *)arg, (unsigned long long)rec->flow_id);
	item->zoo = &zoo_result;
}

static void consumer_look(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	note("%s:%llu%s", (const char *)arg, (unsigned long long)rec->flow_id,
	     item->zoo == &zoo_result ? "+zoo" : "");
}

/* An event consumer: notes the kind and the JSON text (made by then when an exporter wanted it). */
static void consumer_item(void *arg, struct fz_item *it)
{
	note("%s:%s:%s", (const char *)arg, fz_item_kind_names[it->kind],
	     it->json_rc == 1 ? it->json : "-");
}

/* A fake exporter: notes what it takes, with the JSON when it asks for it. */
struct fake {
	struct fz_exporter base;
	int json;      /* asks for the JSON text */
	int fail;      /* take returns this when not 0 */
	uint64_t lost; /* what its lost() says (when it has one) */
	int polls, closes, flush_rc, reopen_rc;
	char key[160];
	const char *app, *stream;
};

static int fake_take(struct fz_exporter *e, struct fz_item *it)
{
	struct fake *f = (struct fake *)e;
	const char *json = NULL;
	size_t len = 0;
	char what[64] = "";
	int rc = 0;

	if (f->json) {
		rc = fz_item_json(it, &json, &len);
		if (rc == 0)
			snprintf(what, sizeof(what), ":%.*s", (int)len, json);
		else
			snprintf(what, sizeof(what), ":rc=%d", rc);
	}
	if (it->kind == FZ_ITEM_FLOW) {
		const struct fz_flow_item *fi = it->body;

		note("%s:flow:%llu%s%s", e->name, (unsigned long long)fi->rec->flow_id,
		     fi->zoo == &zoo_result ? ":zoo" : "", what);
		snprintf(f->key, sizeof(f->key), "%.*s", (int)it->key_len, (const char *)it->key);
	} else {
		note("%s:%s:%d%s", e->name, fz_item_kind_names[it->kind], *(const int *)it->body,
		     what);
	}
	f->app = it->app;
	f->stream = it->stream;
	return f->fail ? f->fail : rc;
}

static void fake_poll(struct fz_exporter *e)
{
	((struct fake *)e)->polls++;
}

static int fake_flush(struct fz_exporter *e, int timeout_ms)
{
	note("%s:flush:%d", e->name, timeout_ms);
	return ((struct fake *)e)->flush_rc;
}

static int fake_reopen(struct fz_exporter *e)
{
	note("%s:reopen", e->name);
	return ((struct fake *)e)->reopen_rc;
}

static uint64_t fake_lost(struct fz_exporter *e)
{
	return ((struct fake *)e)->lost;
}

static void fake_close(struct fz_exporter *e)
{
	((struct fake *)e)->closes++;
}

static const struct fz_exporter_ops fake_ops = {
    .take = fake_take,
    .poll = fake_poll,
    .flush = fake_flush,
    .lost = fake_lost,
    .reopen = fake_reopen,
    .close = fake_close,
};

/* Without lost(), poll(), flush() and reopen(): the pipeline counts its failures as lost. */
static const struct fz_exporter_ops bare_ops = {.take = fake_take, .close = fake_close};

static struct fake fake(const char *name, unsigned kinds, int json)
{
	return (struct fake){.base = {.ops = &fake_ops, .name = name, .kinds = kinds},
	                     .json = json};
}

/* An exporter with counters of its own: two instances ("a", "b") of {sent, queued}. */
struct own_block {
	uint64_t sent, queued;
};

static const struct fz_counter_def own_defs[] = {
    FZ_COUNTER(struct own_block, sent, FZ_CT_COUNTER, FZ_CF_HIDDEN, "sent", "records", "sent"),
    FZ_COUNTER(struct own_block, queued, FZ_CT_GAUGE, FZ_CF_HIDDEN, "queued", "records", "queued"),
};

static uint64_t own_sent; /* what the fake exporter has sent so far */

static unsigned own_instances(struct fz_exporter *e)
{
	(void)e;
	return 2;
}

static void own_read(struct fz_exporter *e, unsigned i, uint64_t *out)
{
	struct own_block *b = (struct own_block *)out;

	(void)e;
	b->sent = own_sent * (i + 1);
	b->queued = 7 + i;
}

static void own_label(struct fz_exporter *e, unsigned i, char *buf, size_t cap)
{
	(void)e;
	snprintf(buf, cap, "%s", i ? "b" : "a");
}

static const struct fz_exporter_counters own_counters = {
    .name = "fakeexp",
    .defs = own_defs,
    .n_defs = 2,
    .block = sizeof(struct own_block),
    .instances = own_instances,
    .read = own_read,
    .label = own_label,
};

static struct fz_pipeline *pipeline(size_t json_max)
{
	struct fz_pipeline_conf conf = {
	    .flow_encode = encode_flow,
	    .flow_encode_arg = "flow-arg",
	    .json_max = json_max,
	};
	struct fz_pipeline *p = fz_pipeline_create(&conf);

	FZ_CHECK(p != NULL);
	trace[0] = '\0';
	encodes = 0;
	need = 0;
	always_enospc = 0;
	memset(caps, 0, sizeof(caps));
	return p;
}

static struct fz_flow_rec flow(uint64_t id, uint64_t last_us)
{
	struct fz_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.first_us = last_us / 2;
	r.last_us = last_us;
	r.key.ip_version = 4;
	r.key.proto = 6;
	/* IPv4 addresses in the last 4 bytes. */
	memcpy(r.key.addr[0] + 12, (const uint8_t[]){10, 0, 0, 2}, 4);
	memcpy(r.key.addr[1] + 12, (const uint8_t[]){10, 0, 0, 1}, 4);
	r.key.port[0] = 80;
	r.key.port[1] = 1234;
	r.key.vlan[0] = 7;
	return r;
}

static struct fz_item event(enum fz_item_kind kind, const int *n)
{
	return (struct fz_item){.kind = kind,
	                        .stream = kind == FZ_ITEM_ALERT ? "alerts" : "stats",
	                        .body = n,
	                        .encode = encode_event};
}

static void test_order(void)
{
	struct fz_pipeline *p = pipeline(0);
	struct fake e1 = fake("e1", FZ_ITEM_BIT(FZ_ITEM_FLOW) | FZ_ITEM_BIT(FZ_ITEM_STATS), 1);
	struct fake e2 = fake("e2", FZ_ITEM_BIT(FZ_ITEM_FLOW), 1);
	struct fake e3 = fake("e3", FZ_ITEM_BIT(FZ_ITEM_ALERT), 0);
	struct fz_consumer c1 = {.name = "zoo", .flow = consumer_zoo, .arg = "c1"};
	struct fz_consumer c2 = {.name = "look", .flow = consumer_look, .arg = "c2"};
	struct fz_consumer c3 = {.name = "events",
	                         .flow = consumer_look,
	                         .item = consumer_item,
	                         .item_kinds =
	                             FZ_ITEM_BIT(FZ_ITEM_STATS) | FZ_ITEM_BIT(FZ_ITEM_ALERT),
	                         .arg = "c3"};
	struct fz_flow_rec r1 = flow(1, 500), r2 = flow(2, 400);
	int n5 = 5, n6 = 6;
	struct fz_item stats = event(FZ_ITEM_STATS, &n5), alert = event(FZ_ITEM_ALERT, &n6);

	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c1));
	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c2));
	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c3));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e1.base));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e2.base));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e3.base));
	FZ_CHECK_INT(0, fz_pipeline_packet_us(p));
	fz_pipeline_flow(p, &r1);
	fz_pipeline_flow(p, &r2);
	FZ_CHECK_INT(0, fz_pipeline_emit(p, &stats));
	FZ_CHECK_INT(0, fz_pipeline_emit(p, &alert));
	/* Events reach a consumer after the exporters; flows only through flow(). */
	FZ_CHECK_STR("c1:1 c2:1+zoo c3:1+zoo e1:flow:1:zoo:{\"flow\":1} e2:flow:1:zoo:{\"flow\":1} "
	             "c1:2 c2:2+zoo c3:2+zoo e1:flow:2:zoo:{\"flow\":2} e2:flow:2:zoo:{\"flow\":2} "
	             "e1:stats:5:{\"event\":5} c3:stats:{\"event\":5} e3:alert:6 c3:alert:-",
	             trace);
	/* One encoding per item that an exporter wanted as JSON: two flows and the stats. */
	FZ_CHECK_INT(3, encodes);
	/* An event gets the pipeline's buffer. */
	FZ_CHECK(stats.jbuf != NULL);
	FZ_CHECK(alert.jbuf == stats.jbuf);
	FZ_CHECK_STR("stats", e1.stream);
	FZ_CHECK_STR("flows", e2.stream);
	/* The packet clock: the largest last-packet time so far. */
	FZ_CHECK_INT(500, fz_pipeline_packet_us(p));
	r2.last_us = 900;
	fz_pipeline_flow(p, &r2);
	FZ_CHECK_INT(900, fz_pipeline_packet_us(p));

	/* poll, flush and reopen go to every exporter; flush and reopen say the first error. */
	e2.flush_rc = -EIO;
	e3.flush_rc = -ENOSPC;
	e3.reopen_rc = -EACCES;
	trace[0] = '\0';
	fz_pipeline_poll(p);
	FZ_CHECK_INT(-EIO, fz_pipeline_flush(p, 25));
	FZ_CHECK_INT(-EACCES, fz_pipeline_reopen(p));
	FZ_CHECK_STR("e1:flush:25 e2:flush:25 e3:flush:25 e1:reopen e2:reopen e3:reopen", trace);
	FZ_CHECK_INT(1, e1.polls);
	FZ_CHECK_INT(1, e3.polls);

	FZ_CHECK_INT(3, fz_pipeline_exporters(p));
	FZ_CHECK(fz_pipeline_exporter(p, 1) == &e2.base);
	FZ_CHECK(fz_pipeline_exporter(p, 3) == NULL);
	fz_pipeline_free(p);
	FZ_CHECK_INT(1, e1.closes);
	FZ_CHECK_INT(1, e2.closes);
	FZ_CHECK_INT(1, e3.closes);
}

/* No exporter asks for JSON: nothing is encoded. No exporter takes flows: consumers still run. */
static void test_no_json(void)
{
	struct fz_pipeline *p = pipeline(0);
	struct fake bin = fake("ipfix", FZ_ITEM_BIT(FZ_ITEM_FLOW), 0);
	struct fz_consumer c1 = {.name = "look", .flow = consumer_look, .arg = "c1"};
	struct fz_flow_rec r = flow(3, 10);

	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c1));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &bin.base));
	fz_pipeline_flow(p, &r);
	fz_pipeline_flow(p, &r);
	FZ_CHECK_STR("c1:3 ipfix:flow:3 c1:3 ipfix:flow:3", trace);
	FZ_CHECK_INT(0, encodes);
	fz_pipeline_free(p);

	p = pipeline(0);
	bin = fake("stats_only", FZ_ITEM_BIT(FZ_ITEM_STATS), 1);
	FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c1));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &bin.base));
	fz_pipeline_flow(p, &r);
	FZ_CHECK_STR("c1:3", trace);
	FZ_CHECK_INT(0, encodes);
	fz_pipeline_free(p);
}

/* JSON grows its buffer by doubling from 65536 up to json_max, and caches an error. */
static void test_json_grow(void)
{
	struct fz_pipeline *p = pipeline(300000);
	struct fake e1 = fake("e1", FZ_ITEM_ALL, 1), e2 = fake("e2", FZ_ITEM_ALL, 1);
	struct fz_flow_rec r = flow(4, 10);
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_snap *snap;
	unsigned s, d;
	int n = 9;
	struct fz_item it = event(FZ_ITEM_STATS, &n);

	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e1.base));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e2.base));
	FZ_CHECK_INT(0, fz_counters_register(reg, fz_pipeline_counter_set(p)));
	need = 100000;
	fz_pipeline_flow(p, &r);
	FZ_CHECK_STR("e1:flow:4:{\"flow\":4} e2:flow:4:{\"flow\":4}", trace);
	FZ_CHECK_INT(2, encodes);
	FZ_CHECK_INT(65536, caps[0]);
	FZ_CHECK_INT(131072, caps[1]);

	/* Never enough room: up to json_max, then the error for every exporter, encoded once. */
	trace[0] = '\0';
	encodes = 0;
	always_enospc = 1;
	FZ_CHECK_INT(2, fz_pipeline_emit(p, &it));
	FZ_CHECK_STR("e1:stats:9:rc=-28 e2:stats:9:rc=-28", trace);
	FZ_CHECK_INT(3, encodes);
	FZ_CHECK_INT(131072, caps[0]);
	FZ_CHECK_INT(262144, caps[1]);
	FZ_CHECK_INT(300000, caps[2]);
	FZ_CHECK_INT(-ENOSPC, it.json_rc);

	/* An item of its own buffer starting empty: 65536, 131072, then json_max. */
	struct fz_json_buf own = {.max = 200000};
	struct fz_item it2 = event(FZ_ITEM_ALERT, &n);
	const char *json = "unset";
	size_t len = 77;

	it2.jbuf = &own;
	encodes = 0;
	FZ_CHECK_INT(-ENOSPC, fz_item_json(&it2, &json, &len));
	FZ_CHECK_INT(-ENOSPC, fz_item_json(&it2, &json, &len));
	FZ_CHECK_INT(3, encodes);
	FZ_CHECK_INT(65536, caps[0]);
	FZ_CHECK_INT(131072, caps[1]);
	FZ_CHECK_INT(200000, caps[2]);
	FZ_CHECK_INT(200000, own.cap);
	FZ_CHECK_STR("unset", json);
	FZ_CHECK_INT(77, len);
	free(own.buf);

	/* An item with no encoder or no buffer: -EINVAL. */
	struct fz_item bare = {.kind = FZ_ITEM_STATS, .encode = encode_event, .body = &n};

	FZ_CHECK_INT(-EINVAL, fz_item_json(&bare, &json, &len));

	fz_pipeline_publish(p);
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "encode_errors", &s, &d));
	FZ_CHECK_INT(1, fz_snap_total(snap, s, d, 0));
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
	fz_pipeline_free(p);
}

/* The failed takes, per exporter, and the losses. */
static void test_failures(void)
{
	struct fz_pipeline *p = pipeline(0);
	struct fake bad = fake("bad", FZ_ITEM_ALL, 0), own = fake("own", FZ_ITEM_ALL, 0);
	struct fake ok = fake("ok", FZ_ITEM_BIT(FZ_ITEM_FLOW), 1);
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_snap *snap;
	struct fz_flow_rec r = flow(5, 10);
	int n = 1;
	struct fz_item alert = event(FZ_ITEM_ALERT, &n);
	unsigned s, d;

	bad.base.ops = &bare_ops;
	bad.fail = -EIO;
	own.fail = -EAGAIN;
	own.lost = 40;
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &bad.base));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &own.base));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &ok.base));
	FZ_CHECK_INT(0, fz_counters_register(reg, fz_pipeline_counter_set(p)));
	FZ_CHECK_INT(0, fz_counters_register(reg, fz_pipeline_exporter_set(p)));
	for (int i = 0; i < 3; i++)
		fz_pipeline_flow(p, &r);
	FZ_CHECK_INT(2, fz_pipeline_emit(p, &alert));
	own.fail = 0;
	fz_pipeline_flow(p, &r);

	/* Nothing is visible before it is published. */
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "flows", &s, &d));
	FZ_CHECK_INT(0, fz_snap_total(snap, s, d, 0));
	FZ_CHECK_INT(3, fz_snap_instances(snap, 1));
	FZ_CHECK_INT(0, fz_snap_find(snap, "exporter", "failed", &s, &d));
	FZ_CHECK_INT(0, fz_snap_value(snap, s, 0, d, 0));
	fz_counter_snap_free(snap);

	fz_pipeline_publish(p);
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "flows", &s, &d));
	FZ_CHECK_INT(4, fz_snap_total(snap, s, d, 0));
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "alerts", &s, &d));
	FZ_CHECK_INT(1, fz_snap_total(snap, s, d, 0));
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "items", &s, &d));
	FZ_CHECK_INT(4, fz_snap_total(snap, s, d, FZ_ITEM_FLOW));
	FZ_CHECK_INT(0, fz_snap_total(snap, s, d, FZ_ITEM_STATS));
	FZ_CHECK_INT(1, fz_snap_total(snap, s, d, FZ_ITEM_ALERT));
	FZ_CHECK_INT(0, fz_snap_find(snap, "pipeline", "encode_errors", &s, &d));
	FZ_CHECK_INT(0, fz_snap_total(snap, s, d, 0));

	FZ_CHECK_STR("bad", fz_snap_label(snap, 1, 0));
	FZ_CHECK_STR("own", fz_snap_label(snap, 1, 1));
	FZ_CHECK_STR("ok", fz_snap_label(snap, 1, 2));
	FZ_CHECK_INT(0, fz_snap_find(snap, "exporter", "taken", &s, &d));
	FZ_CHECK_INT(0, fz_snap_value(snap, s, 0, d, 0));
	FZ_CHECK_INT(1, fz_snap_value(snap, s, 1, d, 0));
	FZ_CHECK_INT(4, fz_snap_value(snap, s, 2, d, 0));
	FZ_CHECK_INT(0, fz_snap_find(snap, "exporter", "failed", &s, &d));
	FZ_CHECK_INT(5, fz_snap_value(snap, s, 0, d, 0));
	FZ_CHECK_INT(4, fz_snap_value(snap, s, 1, d, 0));
	FZ_CHECK_INT(0, fz_snap_value(snap, s, 2, d, 0));
	/* Lost: the exporter's own count when it keeps one, else its failed takes. */
	FZ_CHECK_INT(0, fz_snap_find(snap, "exporter", "lost", &s, &d));
	FZ_CHECK_INT(5, fz_snap_value(snap, s, 0, d, 0));
	FZ_CHECK_INT(40, fz_snap_value(snap, s, 1, d, 0));
	FZ_CHECK_INT(0, fz_snap_value(snap, s, 2, d, 0));
	fz_counter_snap_free(snap);
	FZ_CHECK_INT(45, fz_pipeline_lost(p));
	fz_counters_free(reg);
	fz_pipeline_free(p);
}

/* item->app from the application names, and the key: the flow key's text. */
static void test_app_and_key(void)
{
	static const char *const apps[] = {"unknown", "http", "dns"};
	struct fz_pipeline_conf conf = {
	    .flow_encode = encode_flow,
	    .flow_encode_arg = "flow-arg",
	    .app_names = apps,
	    .n_apps = 3,
	};
	struct fz_pipeline *p = fz_pipeline_create(&conf);
	struct fake e = fake("e", FZ_ITEM_ALL, 0);
	struct fz_flow_rec r = flow(6, 10);
	char key[160];

	/* No exporter reads keys: no key text is made. */
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e.base));
	fz_pipeline_flow(p, &r);
	FZ_CHECK_STR("", e.key);
	fz_pipeline_free(p);
	p = fz_pipeline_create(&conf);
	e = fake("e", FZ_ITEM_ALL, 0);
	e.base.flags = FZ_EXPORTER_KEYS;
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e.base));
	r.app = 2;
	fz_pipeline_flow(p, &r);
	FZ_CHECK_STR("dns", e.app);
	/* The canonical text: lower end first, whichever end started the flow. */
	FZ_CHECK_STR("7.0/6/10.0.0.1/1234/10.0.0.2/80", e.key);
	FZ_CHECK_INT(31, fz_record_flow_key_text(&r.key, key, sizeof(key)));
	FZ_CHECK_STR(key, e.key);
	r.app = 3; /* beyond the names: "unknown" */
	fz_pipeline_flow(p, &r);
	FZ_CHECK_STR("unknown", e.app);
	fz_pipeline_free(p);

	/* No names: no app. */
	p = pipeline(0);
	e = fake("e", FZ_ITEM_ALL, 0);
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e.base));
	r.app = 1;
	fz_pipeline_flow(p, &r);
	FZ_CHECK(e.app == NULL);
	fz_pipeline_free(p);
}

static void test_limits(void)
{
	struct fz_pipeline *p = pipeline(0);
	struct fake e[FZ_PIPELINE_MAX_EXPORTERS + 1];
	struct fz_consumer c = {.name = "look", .flow = consumer_look, .arg = "c"};

	for (int i = 0; i < FZ_PIPELINE_MAX_CONSUMERS; i++)
		FZ_CHECK_INT(0, fz_pipeline_add_consumer(p, &c));
	FZ_CHECK_INT(-ENOSPC, fz_pipeline_add_consumer(p, &c));
	for (int i = 0; i <= FZ_PIPELINE_MAX_EXPORTERS; i++)
		e[i] = fake("e", FZ_ITEM_ALL, 0);
	for (int i = 0; i < FZ_PIPELINE_MAX_EXPORTERS; i++)
		FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e[i].base));
	FZ_CHECK_INT(-ENOSPC, fz_pipeline_add_exporter(p, &e[FZ_PIPELINE_MAX_EXPORTERS].base));
	FZ_CHECK_INT(FZ_PIPELINE_MAX_EXPORTERS, fz_pipeline_exporters(p));
	fz_pipeline_free(p);
	for (int i = 0; i < FZ_PIPELINE_MAX_EXPORTERS; i++)
		FZ_CHECK_INT(1, e[i].closes);
	/* The refused one is not the pipeline's. */
	FZ_CHECK_INT(0, e[FZ_PIPELINE_MAX_EXPORTERS].closes);
}

/* Timers note "<name>@<now>" or "<name>@<now>!" when final. */
static void fire(void *arg, uint64_t now_us, int final)
{
	note("%s@%llu%s", (const char *)arg, (unsigned long long)now_us, final ? "!" : "");
}

static int fired;

static void count_fire(void *arg, uint64_t now_us, int final)
{
	(void)arg;
	(void)now_us;
	fired += final;
}

static void test_wall_timers(void)
{
	struct fz_timers *t = fz_timers_create();
	struct fz_timer_conf a = {.name = "a", .period_us = 100, .fire = fire, .arg = "a"};
	struct fz_timer_conf b = {.name = "b", .period_us = 250, .fire = fire, .arg = "b"};
	struct fz_timer_conf c = {.name = "c", .period_us = 100, .fire = fire, .arg = "c"};

	trace[0] = '\0';
	FZ_CHECK_INT(0, fz_timers_add(t, &a));
	FZ_CHECK_INT(0, fz_timers_add(t, &b));
	fz_timers_run(t, 1000, 0); /* the first run starts the periods */
	fz_timers_run(t, 1099, 0);
	FZ_CHECK_STR("", trace);
	fz_timers_run(t, 1100, 0);
	FZ_CHECK_STR("a@1100", trace);
	FZ_CHECK_INT(0, fz_timers_add(t, &c)); /* starts at its own first run */
	fz_timers_run(t, 1150, 0);
	fz_timers_run(t, 1199, 0);
	FZ_CHECK_STR("a@1100", trace);
	fz_timers_run(t, 1200, 0);
	fz_timers_run(t, 1249, 0);
	FZ_CHECK_STR("a@1100 a@1200", trace);
	fz_timers_run(t, 1250, 0);
	FZ_CHECK_STR("a@1100 a@1200 b@1250 c@1250", trace);
	/* A late run fires each once, and the next period starts from then. */
	trace[0] = '\0';
	fz_timers_run(t, 2000, 0);
	fz_timers_run(t, 2099, 0);
	FZ_CHECK_STR("a@2000 b@2000 c@2000", trace);
	fz_timers_free(t);
}

static void test_packet_timers(void)
{
	const uint64_t s = 1000000; /* µs */
	struct fz_timers *t = fz_timers_create();
	struct fz_timer_conf bins = {.name = "bins",
	                             .clock = FZ_TIMER_PACKET,
	                             .period_us = 300 * s,
	                             .fire = fire,
	                             .arg = "bins"};

	trace[0] = '\0';
	FZ_CHECK_INT(0, fz_timers_add(t, &bins));
	fz_timers_run(t, 5, 0); /* no packet yet */
	fz_timers_run(t, 6, 1000 * s);
	fz_timers_run(t, 7, 1199 * s);
	FZ_CHECK_STR("", trace);
	/* From 1199 s to 2000 s: the boundaries 1200, 1500 and 1800 s, in order. */
	fz_timers_run(t, 8, 2000 * s);
	FZ_CHECK_STR("bins@1200000000 bins@1500000000 bins@1800000000", trace);
	trace[0] = '\0';
	fz_timers_run(t, 9, 2000 * s);
	fz_timers_run(t, 10, 2099 * s);
	FZ_CHECK_STR("", trace);
	fz_timers_run(t, 11, 2100 * s);
	FZ_CHECK_STR("bins@2100000000", trace);
	fz_timers_free(t);
}

static void test_final_timers(void)
{
	struct fz_timers *t = fz_timers_create();
	struct fz_timer_conf c[4] = {
	    {.name = "w", .period_us = 100, .at_final = 1, .fire = fire, .arg = "w"},
	    {.name = "n", .period_us = 100, .at_final = 0, .fire = fire, .arg = "n"},
	    {.name = "p",
	     .clock = FZ_TIMER_PACKET,
	     .period_us = 100,
	     .at_final = 1,
	     .fire = fire,
	     .arg = "p"},
	    {.name = "end", .period_us = 0, .at_final = 1, .fire = fire, .arg = "end"},
	};
	struct fz_timer_conf nofire = {.name = "x", .period_us = 1};
	struct fz_timer_conf counted = {.name = "counted", .at_final = 1, .fire = count_fire};
	int rc = 0, added = 0;

	trace[0] = '\0';
	for (int i = 0; i < 4; i++)
		FZ_CHECK_INT(0, fz_timers_add(t, &c[i]));
	fz_timers_run(t, 10, 0);
	fz_timers_run(t, 10000, 0); /* a timer of period 0 never fires before the end */
	FZ_CHECK_STR("w@10000 n@10000", trace);
	trace[0] = '\0';
	fz_timers_final(t, 20000, 777);
	FZ_CHECK_STR("w@20000! p@777! end@20000!", trace);

	FZ_CHECK_INT(-EINVAL, fz_timers_add(t, &nofire));
	/* Room for a bounded number; every accepted one is kept. */
	while (added < 1000 && (rc = fz_timers_add(t, &counted)) == 0)
		added++;
	FZ_CHECK_INT(-ENOSPC, rc);
	FZ_CHECK(added > 0 && added < 1000);
	trace[0] = '\0';
	fired = 0;
	fz_timers_final(t, 1, 2);
	FZ_CHECK_INT(added, fired);
	FZ_CHECK_STR("w@1! p@2! end@1!", trace);
	fz_timers_free(t);
}

/* An exporter's own counters: a set of its own, published copies only. */
static void test_exporter_own_counters(void)
{
	struct fz_pipeline *p = pipeline(0);
	struct fake e = fake("e", FZ_ITEM_ALL, 0), plain = fake("plain", FZ_ITEM_ALL, 0);
	struct fz_exporter_ops ops = fake_ops;
	struct fz_counters *reg = fz_counters_create();
	struct fz_counter_snap *snap;
	unsigned s, d;

	ops.counters = &own_counters;
	e.base.ops = &ops;
	own_sent = 5;
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &plain.base));
	FZ_CHECK_INT(0, fz_pipeline_add_exporter(p, &e.base));
	FZ_CHECK(fz_pipeline_exporter_own_set(p, 0) == NULL);
	FZ_CHECK(fz_pipeline_exporter_own_set(p, 2) == NULL);
	FZ_CHECK_INT(0, fz_counters_register(reg, fz_pipeline_exporter_own_set(p, 1)));
	/* Nothing published yet: zeros. */
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(0, fz_snap_find(snap, "fakeexp", "sent", &s, &d));
	FZ_CHECK_INT(2, fz_snap_instances(snap, s));
	FZ_CHECK_INT(0, fz_snap_value(snap, s, 1, d, 0));
	fz_counter_snap_free(snap);
	fz_pipeline_publish(p);
	own_sent = 9; /* read again only at the next publish */
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(5, fz_snap_value(snap, s, 0, d, 0));
	FZ_CHECK_INT(10, fz_snap_value(snap, s, 1, d, 0));
	FZ_CHECK_INT(15, fz_snap_total(snap, s, d, 0));
	FZ_CHECK_INT(8, fz_snap_value(snap, s, 1, 1, 0));
	FZ_CHECK_STR("b", fz_snap_label(snap, s, 1));
	fz_counter_snap_free(snap);
	fz_pipeline_publish(p);
	snap = fz_counters_snapshot(reg);
	FZ_CHECK_INT(27, fz_snap_total(snap, s, d, 0));
	fz_counter_snap_free(snap);
	fz_counters_free(reg);
	fz_pipeline_free(p);
}

int main(void)
{
	FZ_RUN(test_exporter_own_counters);
	FZ_RUN(test_order);
	FZ_RUN(test_no_json);
	FZ_RUN(test_json_grow);
	FZ_RUN(test_failures);
	FZ_RUN(test_app_and_key);
	FZ_RUN(test_limits);
	FZ_RUN(test_wall_timers);
	FZ_RUN(test_packet_timers);
	FZ_RUN(test_final_timers);
	return fz_test_summary();
}
