/* Unit tests of the pipeline: consumers and exporters in order, JSON made once, counters (the
 * timers are test_pipeline_timers.c; the fakes pipeline_fakes.h). */
#include "pipeline_fakes.h"

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
	return fz_test_summary();
}
