/*
 * The dashboard's events, made on the stats lcore (see dashboard.h and
 * docs/dashboard.md, "The event stream"):
 *
 * - the numbered events (a closed traffic bin, an alert record, a change of
 *   health) go into a ring of FZ_DASH_EVENTS slots, each slot published
 *   alone (struct fz_counter_pub: the stats lcore copies and never waits, a
 *   reader retries while a copy is under way) and then the last id (an
 *   atomic store): a reader sees a slot only once it is whole, and knows it
 *   was overwritten by the id the slot carries;
 * - the live rates, once a second (a wall-clock timer), are one published
 *   block, rewritten each time, with a version.
 *
 * The HTTP thread reads these copies only (dashboard_stream.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "fz_networks.h"
#include "fz_traffic.h"

#define SLOT_TEXT       (4096u - 16u) /* bytes of one numbered event's JSON */
#define RATES_MAX       (64u << 10)   /* the rates event: 256 networks of about 200 bytes */
#define HEALTH_MAX      4096u
#define HEALTH_EVERY_US 10000000u /* a health event at most every 10 s */

struct slot {
	uint64_t id;
	uint32_t type; /* enum fz_dash_event */
	uint32_t len;
	char text[SLOT_TEXT];
};

struct fz_dash_events {
	struct fz_appliance *app;
	struct fz_counter_pub *slots[FZ_DASH_EVENTS];
	uint64_t last; /* the last id published (atomic); 0: none yet */
	struct slot scratch;
	struct fz_dash_text *rates; /* the stats lcore's, RATES_MAX */
	struct fz_counter_pub *rates_pub;
	uint64_t rates_version;      /* atomic: the version published */
	struct fz_dash_text *health; /* the stats lcore's, HEALTH_MAX */
	struct fz_counter_pub *health_pub;
	uint64_t health_us; /* when the last health event was made */
	/* The previous tick's totals: the rates are their differences. */
	uint64_t prev_us, prev_packets, prev_bytes, prev_flows;
	struct fz_traffic_counts *prev_nets;
	unsigned n_nets;
};

static const char *const type_names[] = {
    [FZ_DASH_EV_BIN] = "bin",
    [FZ_DASH_EV_ALERT] = "alert",
    [FZ_DASH_EV_HEALTH] = "health",
};

const char *fz_dash_event_name(enum fz_dash_event type)
{
	return type < sizeof(type_names) / sizeof(type_names[0]) ? type_names[type] : "unknown";
}

void fz_dash_events_push(struct fz_dash_events *e, enum fz_dash_event type, const char *json,
                         size_t len)
{
	struct slot *s = &e->scratch;
	uint64_t id = e->last + 1;

	s->id = id;
	s->type = type;
	if (len >= SLOT_TEXT)
		len = (size_t)snprintf(s->text, SLOT_TEXT,
		                       "{\"error\":\"the %s event is larger than %u bytes\"}",
		                       fz_dash_event_name(type), SLOT_TEXT - 1);
	else
		memcpy(s->text, json, len);
	s->text[len] = '\0';
	s->len = (uint32_t)len;
	{ /* the header and the text: not the rest of the 4 KiB slot */
		struct fz_counter_pub_part part = {0, offsetof(struct slot, text) + len + 1};

		fz_counter_pub_write_parts(e->slots[id % FZ_DASH_EVENTS], s, &part, 1);
	}
	__atomic_store_n(&e->last, id, __ATOMIC_RELEASE);
}

uint64_t fz_dash_events_last(const struct fz_dash_events *e)
{
	return __atomic_load_n(&e->last, __ATOMIC_ACQUIRE);
}

int fz_dash_events_read(const struct fz_dash_events *e, uint64_t id, enum fz_dash_event *type,
                        char **json)
{
	struct slot *s;

	if (id == 0 || id > fz_dash_events_last(e))
		return -ENOENT;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	fz_counter_pub_read(e->slots[id % FZ_DASH_EVENTS], s);
	if (s->id != id) { /* overwritten by a newer event */
		free(s);
		return -ENOENT;
	}
	s->text[SLOT_TEXT - 1] = '\0';
	*type = (enum fz_dash_event)s->type;
	*json = strdup(s->text);
	free(s);
	return *json ? 0 : -ENOMEM;
}

char *fz_dash_read_text(const struct fz_counter_pub *pub, size_t size, uint64_t *count)
{
	struct fz_dash_text *t = malloc(size);
	char *text;

	if (t == NULL)
		return NULL;
	fz_counter_pub_read(pub, t);
	t->text[size - sizeof(*t) - 1] = '\0';
	if (count)
		*count = t->count;
	text = strdup(t->text);
	free(t);
	return text;
}

uint64_t fz_dash_events_rates_version(const struct fz_dash_events *e)
{
	return __atomic_load_n(&e->rates_version, __ATOMIC_ACQUIRE);
}

char *fz_dash_events_rates(const struct fz_dash_events *e, uint64_t *version)
{
	return fz_dash_read_text(e->rates_pub, sizeof(struct fz_dash_text) + RATES_MAX, version);
}

char *fz_dash_events_health(const struct fz_dash_events *e)
{
	return fz_dash_read_text(e->health_pub, sizeof(struct fz_dash_text) + HEALTH_MAX, NULL);
}

static double per_s(uint64_t now, uint64_t before, double s)
{
	return now > before && s > 0 ? (double)(now - before) / s : 0.0;
}

/* Each network's rates in and out, from the traffic bins' totals. */
static json_t *network_rates(struct fz_dash_events *e, double s)
{
	const struct fz_traffic_counts *t = fz_traffic_totals(e->app->traffic);
	const char *const *names = fz_networks_names(e->app->networks);
	json_t *a = json_array();

	for (unsigned i = 0; a && i < e->n_nets; i++) {
		struct fz_traffic_counts *p = &e->prev_nets[i];

		json_array_append_new(
		    a, json_pack("{s:s, s:f, s:f, s:f, s:f, s:f}", "network", names[i],
		                 "packets_in_per_s", per_s(t[i].packets_in, p->packets_in, s),
		                 "bytes_in_per_s", per_s(t[i].bytes_in, p->bytes_in, s),
		                 "packets_out_per_s", per_s(t[i].packets_out, p->packets_out, s),
		                 "bytes_out_per_s", per_s(t[i].bytes_out, p->bytes_out, s),
		                 "flows_new_per_s", per_s(t[i].flows_new, p->flows_new, s)));
		*p = t[i];
	}
	return a;
}

/* Dump o into a text block (at most cap bytes of JSON) and publish it. */
static void publish_block(struct fz_dash_text *b, size_t cap, struct fz_counter_pub *pub, json_t *o)
{
	size_t n = o ? json_dumpb(o, b->text, cap - 1, JSON_COMPACT) : 0;

	if (n == 0 || n >= cap - 1)
		n = (size_t)snprintf(b->text, cap, "{\"error\":\"too large\"}");
	b->text[n] = '\0';
	b->count++;
	fz_counter_pub_write(pub, b);
}

/* A health event when the losses or the running workers changed (at most every 10 s). */
static void health(struct fz_dash_events *e, uint64_t now_us, json_t *drops, uint64_t lost)
{
	unsigned running = fz_workers_running(e->app);
	json_t *o = json_pack("{s:s, s:I, s:o, s:i, s:i}", "status",
	                      lost || running < e->app->n_workers ? "fail" : "ok", "lost",
	                      (json_int_t)lost, "drops", drops ? json_incref(drops) : json_object(),
	                      "workers_running", (int)running, "workers", (int)e->app->n_workers);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (text && strcmp(text, e->health->text) != 0 &&
	    (e->health->count == 0 || now_us - e->health_us >= HEALTH_EVERY_US)) {
		e->health_us = now_us;
		publish_block(e->health, HEALTH_MAX, e->health_pub, o);
		fz_dash_events_push(e, FZ_DASH_EV_HEALTH, e->health->text, strlen(e->health->text));
	}
	free(text);
	json_decref(o);
}

/* Stats lcore, once a second: the rates event, and health when it changed. */
static void tick(void *arg, uint64_t now_us, int final)
{
	struct fz_dash_events *e = arg;
	json_t *s = fz_reports_summary_counters(e->app, 1), *o;
	uint64_t packets, bytes, flows, lost;
	double dt = e->prev_us ? (double)(now_us - e->prev_us) / 1e6 : 0.0;

	(void) final;
	if (s == NULL)
		return;
	packets = (uint64_t)json_integer_value(json_object_get(s, "packets"));
	bytes = (uint64_t)json_integer_value(json_object_get(s, "bytes"));
	flows = (uint64_t)json_integer_value(json_object_get(s, "flows"));
	lost = fz_reports_losses(e->app);
	o = json_pack("{s:I, s:f, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:o}", "time_ms",
	              (json_int_t)fz_reports_wall_ms(), "interval_s", dt, "packets",
	              (json_int_t)packets, "bytes", (json_int_t)bytes, "flows", (json_int_t)flows,
	              "packets_per_s", per_s(packets, e->prev_packets, dt), "bytes_per_s",
	              per_s(bytes, e->prev_bytes, dt), "flows_per_s",
	              per_s(flows, e->prev_flows, dt), "lost", (json_int_t)lost, "networks",
	              e->app->traffic ? network_rates(e, dt) : json_array());
	e->prev_us = now_us;
	e->prev_packets = packets;
	e->prev_bytes = bytes;
	e->prev_flows = flows;
	publish_block(e->rates, RATES_MAX, e->rates_pub, o);
	__atomic_store_n(&e->rates_version, e->rates->count, __ATOMIC_RELEASE);
	health(e, now_us, json_object_get(s, "drops"), lost);
	json_decref(o);
	json_decref(s);
}

struct fz_dash_events *fz_dash_events_create(struct fz_appliance *app)
{
	struct fz_dash_events *e = calloc(1, sizeof(*e));
	struct fz_timer_conf t = {"dashboard events", FZ_TIMER_WALL, 1000000, 0, tick, e};
	int nomem;

	if (e == NULL)
		return NULL;
	e->app = app;
	e->n_nets = app->traffic ? fz_networks_count(app->networks) : 0;
	e->prev_nets = calloc(e->n_nets ? e->n_nets : 1, sizeof(*e->prev_nets));
	e->rates = calloc(1, sizeof(struct fz_dash_text) + RATES_MAX);
	e->rates_pub = fz_counter_pub_create(sizeof(struct fz_dash_text) + RATES_MAX);
	e->health = calloc(1, sizeof(struct fz_dash_text) + HEALTH_MAX);
	e->health_pub = fz_counter_pub_create(sizeof(struct fz_dash_text) + HEALTH_MAX);
	nomem = !e->prev_nets || !e->rates || !e->rates_pub || !e->health || !e->health_pub;
	for (unsigned i = 0; !nomem && i < FZ_DASH_EVENTS; i++)
		nomem = (e->slots[i] = fz_counter_pub_create(sizeof(struct slot))) == NULL;
	if (nomem) {
		fz_dash_events_free(e);
		errno = ENOMEM;
		return NULL;
	}
	if (fz_timers_add(app->timers, &t)) {
		fz_dash_events_free(e);
		errno = ENOSPC;
		return NULL;
	}
	return e;
}

void fz_dash_events_free(struct fz_dash_events *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; i < FZ_DASH_EVENTS; i++)
		fz_counter_pub_free(e->slots[i]);
	free(e->prev_nets);
	free(e->rates);
	fz_counter_pub_free(e->rates_pub);
	free(e->health);
	fz_counter_pub_free(e->health_pub);
	free(e);
}
