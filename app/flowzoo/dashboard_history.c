/*
 * The dashboard's history, kept on the stats lcore (see dashboard.h): a
 * pipeline consumer that takes the traffic, stats and alert records after
 * the exporters, keeps a bounded copy of the recent ones and publishes it at
 * once (the sequence lock of struct fz_counter_pub: the stats lcore copies
 * and never waits; a reader retries while a copy is under way).
 *
 * One block per network (its ring of bins as numbers and its latest record,
 * top lists cut to FZ_DASH_TOP entries), one for the last stats record and
 * one for the recent alerts. A block is rewritten only when a record of its
 * own arrives: a traffic record per network per bin, a stats record per
 * --stats-interval, an alert when a loss counter grew.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dashboard.h"
#include "fz_networks.h"

#define LATEST_MAX (16u << 10)  /* the latest traffic record of a network, trimmed */
#define ZOO_MAX    (512u << 10) /* the last stats record */
#define ALERT_MAX  2048u        /* one alert record */

/* The numbers of one traffic bin: the record's fields of these names (partial: 0 or 1). */
static const char *const bin_fields[] = {"bin_start_ms", "bin_end_ms",  "packets_in",
                                         "bytes_in",     "packets_out", "bytes_out",
                                         "flows",        "flows_new",   "partial"};

#define BIN_FIELDS (sizeof(bin_fields) / sizeof(bin_fields[0]))

struct bin {
	uint64_t v[BIN_FIELDS];
};

/* One UTC day of a network: the sums of its closed bins that start in it. */
struct day {
	uint64_t day; /* days since 1970-01-01 */
	uint64_t packets_in, bytes_in, packets_out, bytes_out, bins;
};

#define DAY_MS 86400000u

struct net_block {
	uint64_t records; /* traffic records taken for this network */
	uint32_t n;       /* bins in the ring */
	uint32_t next;    /* the slot of the next bin */
	struct bin bins[FZ_DASH_BINS];
	char latest[LATEST_MAX]; /* JSON, "" before the first record */
	uint32_t n_days, next_day;
	uint64_t late_bins; /* bins of a day before the newest one that is not kept */
	struct day days[FZ_DASH_DAYS];
};

struct fz_dash_history {
	struct fz_appliance *app;
	struct fz_dash_events *events;
	struct fz_dash_tops *tops;
	unsigned n_nets;
	const char *const *net_names;
	struct net_block *nets;       /* the stats lcore's, n_nets */
	struct fz_counter_pub **pubs; /* one per network */
	struct fz_dash_text *zoo;     /* the stats lcore's */
	struct fz_counter_pub *zoo_pub;
	char alerts[FZ_DASH_ALERTS][ALERT_MAX]; /* ring of alert records */
	unsigned n_alerts, next_alert;
	struct fz_dash_text *alerts_text; /* "[...]", the stats lcore's */
	struct fz_counter_pub *alerts_pub;
};

#define ALERTS_BLOCK (sizeof(struct fz_dash_text) + FZ_DASH_ALERTS * ALERT_MAX + 64)
#define ZOO_BLOCK    (sizeof(struct fz_dash_text) + ZOO_MAX)

static uint64_t field_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_true(v))
		return 1;
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

void fz_dash_trim_dump(json_t *o, char *buf, size_t cap)
{
	json_t *top = json_object_get(o, "top"), *list;
	const char *key;
	size_t n;

	json_object_foreach(top, key, list)
	{
		while (json_array_size(list) > FZ_DASH_TOP)
			json_array_remove(list, json_array_size(list) - 1);
	}
	n = json_dumpb(o, buf, cap - 1, JSON_COMPACT);
	if (n == 0 || n >= cap - 1) {
		json_object_del(o, "apps");
		json_object_set_new(o, "apps_omitted", json_true());
		n = json_dumpb(o, buf, cap - 1, JSON_COMPACT);
	}
	if (n == 0 || n >= cap - 1)
		n = (size_t)snprintf(buf, cap, "{\"error\":\"the record is too large to keep\"}");
	buf[n] = '\0';
}

static int network_index(const struct fz_dash_history *d, const char *name)
{
	for (unsigned i = 0; name && i < d->n_nets; i++)
		if (strcmp(d->net_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* One bin's numbers as an object (the names of the traffic record). */
static json_t *bin_object(const uint64_t *v)
{
	json_t *e = json_object();

	for (unsigned f = 0; e && f < BIN_FIELDS; f++)
		json_object_set_new(e, bin_fields[f],
		                    f == BIN_FIELDS - 1 ? json_boolean(v[f])
		                                        : json_integer((json_int_t)v[f]));
	return e;
}

/* The stream's "bin" event: the network's name and the bin's numbers. */
static void push_bin(struct fz_dash_history *d, int net, const uint64_t *v)
{
	json_t *e = bin_object(v);
	char buf[1024];
	size_t n;

	if (e == NULL)
		return;
	json_object_set_new(e, "network", json_string(d->net_names[net]));
	n = json_dumpb(e, buf, sizeof(buf), JSON_COMPACT);
	json_decref(e);
	if (n > 0 && n < sizeof(buf))
		fz_dash_events_push(d->events, FZ_DASH_EV_BIN, buf, n);
}

/* Add a closed bin (its numbers v, as bin_fields) to the day it starts in. Bins close in
 * order, so its day is the newest or a new one; an older day not kept is counted. */
static struct day *add_day(struct net_block *b, const uint64_t *v)
{
	uint64_t day = v[0] / DAY_MS;
	struct day *d = NULL;

	for (uint32_t k = 0; k < b->n_days; k++) {
		struct day *x = &b->days[(b->next_day + FZ_DASH_DAYS - 1 - k) % FZ_DASH_DAYS];

		if (x->day == day)
			d = x;
		if (x->day <= day)
			break;
	}
	if (d == NULL && b->n_days &&
	    day < b->days[(b->next_day + FZ_DASH_DAYS - 1) % FZ_DASH_DAYS].day) {
		b->late_bins++;
		return NULL;
	}
	if (d == NULL) {
		d = &b->days[b->next_day];
		memset(d, 0, sizeof(*d));
		d->day = day;
		b->next_day = (b->next_day + 1) % FZ_DASH_DAYS;
		if (b->n_days < FZ_DASH_DAYS)
			b->n_days++;
	}
	d->packets_in += v[2];
	d->bytes_in += v[3];
	d->packets_out += v[4];
	d->bytes_out += v[5];
	d->bins++;
	return d;
}

static void take_traffic(struct fz_dash_history *d, const char *json, size_t len)
{
	json_t *o = json_loadb(json, len, 0, NULL);
	int i = network_index(d, json_string_value(json_object_get(o, "network")));
	struct net_block *b;
	struct day *day;
	uint64_t *v;

	if (i < 0) {
		json_decref(o);
		return;
	}
	b = &d->nets[i];
	v = b->bins[b->next].v;
	for (unsigned f = 0; f < BIN_FIELDS; f++)
		v[f] = field_u64(o, bin_fields[f]);
	b->next = (b->next + 1) % FZ_DASH_BINS;
	if (b->n < FZ_DASH_BINS)
		b->n++;
	b->records++;
	day = add_day(b, v);
	fz_dash_tops_take(d->tops, (unsigned)i, o);
	fz_dash_trim_dump(o, b->latest, sizeof(b->latest));
	json_decref(o);
	/* Only what changed is copied (the block is 41 KiB, a bin's share of it 0.1 KiB plus the
	 * latest record's text). */
	{
		struct fz_counter_pub_part parts[] = {
		    {0, offsetof(struct net_block, bins)},
		    {(size_t)((char *)v - (char *)b), sizeof(struct bin)},
		    {offsetof(struct net_block, latest), strlen(b->latest) + 1},
		    {offsetof(struct net_block, n_days),
		     offsetof(struct net_block, days) - offsetof(struct net_block, n_days)},
		    {day ? (size_t)((char *)day - (char *)b) : 0, day ? sizeof(*day) : 0},
		};

		fz_counter_pub_write_parts(d->pubs[i], b, parts, sizeof(parts) / sizeof(parts[0]));
	}
	push_bin(d, i, v);
}

static void take_zoo(struct fz_dash_history *d, const char *json, size_t len)
{
	if (len >= ZOO_MAX)
		snprintf(d->zoo->text, ZOO_MAX,
		         "{\"error\":\"the stats record is larger than %u bytes\"}", ZOO_MAX);
	else
		memcpy(d->zoo->text, json, len + 1);
	d->zoo->count++;
	fz_counter_pub_write(d->zoo_pub, d->zoo);
}

static void take_alert(struct fz_dash_history *d, const char *json, size_t len)
{
	char *out = d->alerts_text->text;
	size_t at = 0;

	if (len >= ALERT_MAX)
		snprintf(d->alerts[d->next_alert], ALERT_MAX,
		         "{\"error\":\"alert record too large\"}");
	else
		memcpy(d->alerts[d->next_alert], json, len + 1);
	d->next_alert = (d->next_alert + 1) % FZ_DASH_ALERTS;
	if (d->n_alerts < FZ_DASH_ALERTS)
		d->n_alerts++;
	d->alerts_text->count++;
	/* Oldest first: the ring's slots from the oldest one kept. */
	out[at++] = '[';
	for (unsigned k = 0; k < d->n_alerts; k++) {
		unsigned slot = (d->next_alert + FZ_DASH_ALERTS - d->n_alerts + k) % FZ_DASH_ALERTS;
		size_t l = strlen(d->alerts[slot]);

		if (k)
			out[at++] = ',';
		memcpy(out + at, d->alerts[slot], l);
		at += l;
	}
	out[at++] = ']';
	out[at] = '\0';
	fz_counter_pub_write(d->alerts_pub, d->alerts_text);
	fz_dash_events_push(d->events, FZ_DASH_EV_ALERT, json, len);
}

static void take(void *arg, struct fz_item *it)
{
	struct fz_dash_history *d = arg;
	const char *json;
	size_t len;

	if (fz_item_json(it, &json, &len) != 0)
		return;
	if (it->kind == FZ_ITEM_TRAFFIC)
		take_traffic(d, json, len);
	else if (it->kind == FZ_ITEM_STATS)
		take_zoo(d, json, len);
	else if (it->kind == FZ_ITEM_ALERT)
		take_alert(d, json, len);
}

struct fz_dash_history *fz_dash_history_create(struct fz_appliance *app,
                                               struct fz_dash_events *events,
                                               struct fz_dash_tops *tops)
{
	struct fz_dash_history *d = calloc(1, sizeof(*d));
	struct fz_consumer c = {
	    .name = "dashboard",
	    .item = take,
	    .item_kinds = FZ_ITEM_BIT(FZ_ITEM_TRAFFIC) | FZ_ITEM_BIT(FZ_ITEM_STATS) |
	                  FZ_ITEM_BIT(FZ_ITEM_ALERT),
	};
	int nomem = 0;

	if (d == NULL)
		return NULL;
	d->app = app;
	d->events = events;
	d->tops = tops;
	if (app->networks) {
		d->n_nets = fz_networks_count(app->networks);
		if (d->n_nets > FZ_DASH_NETWORKS)
			d->n_nets = FZ_DASH_NETWORKS;
		d->net_names = fz_networks_names(app->networks);
	}
	d->nets = calloc(d->n_nets ? d->n_nets : 1, sizeof(*d->nets));
	d->pubs = calloc(d->n_nets ? d->n_nets : 1, sizeof(*d->pubs));
	nomem = d->nets == NULL || d->pubs == NULL;
	for (unsigned i = 0; !nomem && i < d->n_nets; i++) {
		d->pubs[i] = fz_counter_pub_create(sizeof(struct net_block));
		nomem = d->pubs[i] == NULL;
	}
	d->zoo = calloc(1, ZOO_BLOCK);
	d->zoo_pub = fz_counter_pub_create(ZOO_BLOCK);
	d->alerts_text = calloc(1, ALERTS_BLOCK);
	d->alerts_pub = fz_counter_pub_create(ALERTS_BLOCK);
	if (nomem || !d->zoo || !d->zoo_pub || !d->alerts_text || !d->alerts_pub)
		goto nomem;
	strcpy(d->alerts_text->text, "[]");
	fz_counter_pub_write(d->alerts_pub, d->alerts_text);
	c.arg = d;
	if (fz_pipeline_add_consumer(app->pipeline, &c)) {
		fz_dash_history_free(d);
		errno = ENOSPC;
		return NULL;
	}
	return d;
nomem:
	fz_dash_history_free(d);
	errno = ENOMEM;
	return NULL;
}

void fz_dash_history_free(struct fz_dash_history *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; d->pubs && i < d->n_nets; i++)
		fz_counter_pub_free(d->pubs[i]);
	free(d->pubs);
	free(d->nets);
	fz_counter_pub_free(d->zoo_pub);
	free(d->zoo);
	fz_counter_pub_free(d->alerts_pub);
	free(d->alerts_text);
	free(d);
}

unsigned fz_dash_history_networks(const struct fz_dash_history *d)
{
	return d->n_nets;
}

json_t *fz_dash_history_traffic(const struct fz_dash_history *d, unsigned net, unsigned max_bins)
{
	struct net_block *b = malloc(sizeof(*b));
	json_t *o = NULL, *bins = json_array(), *latest;
	unsigned n;

	if (b == NULL || bins == NULL)
		goto out;
	fz_counter_pub_read(d->pubs[net], b);
	n = b->n < max_bins ? b->n : max_bins;
	for (unsigned k = 0; k < n; k++) {
		const uint64_t *v = b->bins[(b->next + FZ_DASH_BINS - n + k) % FZ_DASH_BINS].v;

		json_array_append_new(bins, bin_object(v));
	}
	b->latest[LATEST_MAX - 1] = '\0';
	latest = b->latest[0] ? json_loads(b->latest, 0, NULL) : json_null();
	o = json_pack("{s:I, s:o, s:o}", "records", (json_int_t)b->records, "bins", bins, "latest",
	              latest ? latest : json_null());
	bins = NULL;
out:
	json_decref(bins);
	free(b);
	return o;
}

/* A published text block's JSON, or null before the first record. */
static json_t *read_text(const struct fz_counter_pub *pub, size_t size, uint64_t *count)
{
	char *text = fz_dash_read_text(pub, size, count);
	json_t *v;

	if (text == NULL)
		return NULL;
	v = text[0] ? json_loads(text, 0, NULL) : json_null();
	free(text);
	return v;
}

json_t *fz_dash_history_zoo(const struct fz_dash_history *d)
{
	uint64_t count;

	return read_text(d->zoo_pub, ZOO_BLOCK, &count);
}

json_t *fz_dash_history_alerts(const struct fz_dash_history *d)
{
	uint64_t count = 0;
	json_t *a = read_text(d->alerts_pub, ALERTS_BLOCK, &count);

	if (a == NULL)
		return NULL;
	return json_pack("{s:I, s:i, s:o}", "total", (json_int_t)count, "kept", FZ_DASH_ALERTS,
	                 "alerts", a);
}

json_t *fz_dash_history_days(const struct fz_dash_history *d, unsigned net, unsigned max_days)
{
	struct net_block *b = malloc(sizeof(*b));
	json_t *days = json_array(), *o = NULL;
	unsigned n;

	if (b == NULL || days == NULL) {
		free(b);
		json_decref(days);
		return NULL;
	}
	fz_counter_pub_read(d->pubs[net], b);
	n = b->n_days < max_days ? b->n_days : max_days;
	for (unsigned k = 0; k < n; k++) {
		const struct day *x = &b->days[(b->next_day + FZ_DASH_DAYS - n + k) % FZ_DASH_DAYS];
		time_t t = (time_t)(x->day * 86400u);
		struct tm tm;
		char date[16];

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		json_array_append_new(
		    days, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "day", date,
		                    "day_start_ms", (json_int_t)(x->day * DAY_MS), "packets_in",
		                    (json_int_t)x->packets_in, "bytes_in", (json_int_t)x->bytes_in,
		                    "packets_out", (json_int_t)x->packets_out, "bytes_out",
		                    (json_int_t)x->bytes_out, "bins", (json_int_t)x->bins));
	}
	o = json_pack("{s:o, s:I}", "days", days, "late_bins", (json_int_t)b->late_bins);
	free(b);
	return o;
}
