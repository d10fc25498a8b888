/*
 * The fakes the pipeline's unit tests share (test_pipeline.c,
 * test_pipeline_timers.c): encoders, consumers and exporters that write what
 * they did into a trace, and the records and events fed to them. Static:
 * each test program has its own trace and counts its own checks.
 */
#ifndef FZ_PIPELINE_FAKES_H
#define FZ_PIPELINE_FAKES_H

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

static inline void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void note(const char *fmt, ...)
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

static inline int finish(int n, char *buf, size_t cap)
{
	if (encodes <= 16)
		caps[encodes - 1] = cap;
	if (always_enospc || cap < need || (size_t)n >= cap)
		return -ENOSPC;
	(void)buf;
	return n;
}

static inline int encode_flow(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	const struct fz_flow_item *fi = it->body;

	FZ_CHECK_STR("flow-arg", arg);
	encodes++;
	return finish(snprintf(buf, cap, "{\"flow\":%llu}", (unsigned long long)fi->rec->flow_id),
	              buf, cap);
}

static inline int encode_event(const struct fz_item *it, void *arg, char *buf, size_t cap)
{
	(void)arg;
	encodes++;
	return finish(snprintf(buf, cap, "{\"event\":%d}", *(const int *)it->body), buf, cap);
}

/* Consumers: c1 points item->zoo at its result, c2 says whether it sees it. */
static struct fz_zoo_result zoo_result;

static inline void consumer_zoo(void *arg, const struct fz_flow_rec *rec, struct fz_flow_item *item)
{
	FZ_CHECK(item->rec == rec);
	note("%s:%llu", (const char *)arg, (unsigned long long)rec->flow_id);
	item->zoo = &zoo_result;
}

static inline void consumer_look(void *arg, const struct fz_flow_rec *rec,
                                 struct fz_flow_item *item)
{
	note("%s:%llu%s", (const char *)arg, (unsigned long long)rec->flow_id,
	     item->zoo == &zoo_result ? "+zoo" : "");
}

/* An event consumer: notes the kind and the JSON text (made by then when an exporter wanted it). */
static inline void consumer_item(void *arg, struct fz_item *it)
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

static inline int fake_take(struct fz_exporter *e, struct fz_item *it)
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

static inline void fake_poll(struct fz_exporter *e)
{
	((struct fake *)e)->polls++;
}

static inline int fake_flush(struct fz_exporter *e, int timeout_ms)
{
	note("%s:flush:%d", e->name, timeout_ms);
	return ((struct fake *)e)->flush_rc;
}

static inline int fake_reopen(struct fz_exporter *e)
{
	note("%s:reopen", e->name);
	return ((struct fake *)e)->reopen_rc;
}

static inline uint64_t fake_lost(struct fz_exporter *e)
{
	return ((struct fake *)e)->lost;
}

static inline void fake_close(struct fz_exporter *e)
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

static inline struct fake fake(const char *name, unsigned kinds, int json)
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

static inline unsigned own_instances(struct fz_exporter *e)
{
	(void)e;
	return 2;
}

static inline void own_read(struct fz_exporter *e, unsigned i, uint64_t *out)
{
	struct own_block *b = (struct own_block *)out;

	(void)e;
	b->sent = own_sent * (i + 1);
	b->queued = 7 + i;
}

static inline void own_label(struct fz_exporter *e, unsigned i, char *buf, size_t cap)
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

static inline struct fz_pipeline *pipeline(size_t json_max)
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

static inline struct fz_flow_rec flow(uint64_t id, uint64_t last_us)
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

static inline struct fz_item event(enum fz_item_kind kind, const int *n)
{
	return (struct fz_item){.kind = kind,
	                        .stream = kind == FZ_ITEM_ALERT ? "alerts" : "stats",
	                        .body = n,
	                        .encode = encode_event};
}

#endif
