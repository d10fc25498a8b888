/*
 * GET /api/events: the dashboard's Server-Sent Events (docs/dashboard.md,
 * "The event stream"), on the HTTP thread.
 *
 * Each client has its own cursor into the numbered events the stats lcore
 * publishes (dashboard_events.c): the next id to send, and the version of
 * the last rates it got. The server asks read() for bytes when the client
 * can take them; with nothing new the connection waits (suspended, not
 * polled) until ready() sees a newer id or rates. So the stats lcore never
 * waits for a client, and a slow client only falls behind: when the ring
 * no longer holds its next id it gets a "gap" event and the current state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "fz_networks.h"

struct stream_counters {
	uint64_t clients;  /* connected now */
	uint64_t accepted; /* streams opened */
	uint64_t refused;  /* refused: --http-stream-clients were connected */
	uint64_t gaps;     /* clients told that events they asked for are gone */
	uint64_t events;   /* events sent, all clients */
};

static const struct fz_counter_def stream_defs[] = {
    FZ_COUNTER(struct stream_counters, clients, FZ_CT_GAUGE, FZ_CF_INSTANCE, "stream_clients", NULL,
               "clients of the event stream /api/events connected now"),
    FZ_COUNTER(struct stream_counters, accepted, FZ_CT_COUNTER, FZ_CF_INSTANCE, "stream_accepted",
               NULL, "event stream clients accepted"),
    FZ_COUNTER(struct stream_counters, refused, FZ_CT_COUNTER, FZ_CF_INSTANCE, "stream_refused",
               NULL, "event stream clients refused (503): --http-stream-clients were connected"),
    FZ_COUNTER(struct stream_counters, gaps, FZ_CT_COUNTER, FZ_CF_INSTANCE, "stream_gaps", NULL,
               "event stream clients sent a gap: the events they asked for were no longer kept"),
    FZ_COUNTER(struct stream_counters, events, FZ_CT_COUNTER, FZ_CF_INSTANCE, "stream_events", NULL,
               "events sent on the event stream, all clients"),
};

struct fz_dash_stream {
	struct fz_appliance *app;
	struct fz_dash_history *history;
	struct fz_dash_events *events;
	unsigned max_clients;
	struct stream_counters c; /* written by the HTTP thread, words read by others */
	struct fz_counter_set set;
};

struct client {
	struct fz_dash_stream *s;
	uint64_t next_id;    /* the next numbered event to send */
	uint64_t rates_seen; /* the version of the last rates sent */
	int state_due;       /* the state goes first */
	char *buf;           /* bytes not sent yet: buf[off, len) */
	size_t len, off, cap;
};

static void set_counter(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

/* One event ("id: N" only for numbered ones) after what is left in the buffer. */
static int queue(struct client *cl, const char *event, int with_id, uint64_t id, const char *data)
{
	size_t need = strlen(data) + strlen(event) + 64;
	char *b;

	if (cl->off == cl->len)
		cl->off = cl->len = 0;
	if (cl->len + need > cl->cap) {
		b = realloc(cl->buf, cl->len + need);
		if (b == NULL)
			return -1;
		cl->buf = b;
		cl->cap = cl->len + need;
	}
	if (with_id)
		cl->len += (size_t)snprintf(cl->buf + cl->len, cl->cap - cl->len, "id: %llu\n",
		                            (unsigned long long)id);
	cl->len += (size_t)snprintf(cl->buf + cl->len, cl->cap - cl->len, "event: %s\ndata: %s\n\n",
	                            event, data);
	set_counter(&cl->s->c.events, cl->s->c.events + 1);
	return 0;
}

static uint64_t oldest_id(uint64_t last)
{
	return last > FZ_DASH_EVENTS ? last - FZ_DASH_EVENTS + 1 : 1;
}

/* A malloc'd JSON text as a value (null when empty or not JSON). */
static json_t *parsed(char *text)
{
	json_t *v = text && text[0] ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return v ? v : json_null();
}

/* The state event: what a client that starts now should show. */
static int queue_state(struct client *cl)
{
	struct fz_dash_stream *s = cl->s;
	uint64_t last = fz_dash_events_last(s->events), version = 0;
	unsigned n = fz_dash_history_networks(s->history);
	json_t *nets = json_array(), *alerts = fz_dash_history_alerts(s->history), *o;
	char *text;
	int rc;

	for (unsigned i = 0; nets && i < n; i++) {
		json_t *t = fz_dash_history_traffic(s->history, i, 1);
		json_t *bin = json_array_get(json_object_get(t, "bins"), 0);

		json_array_append_new(nets, json_pack("{s:s, s:O}", "network",
		                                      fz_networks_names(s->app->networks)[i], "bin",
		                                      bin ? bin : json_null()));
		json_decref(t);
	}
	text = fz_dash_events_rates(s->events, &version);
	o = json_pack("{s:I, s:I, s:i, s:o, s:o, s:o, s:o}", "last_id", (json_int_t)last,
	              "oldest_id", (json_int_t)oldest_id(last), "kept", FZ_DASH_EVENTS, "rates",
	              parsed(text), "health", parsed(fz_dash_events_health(s->events)), "networks",
	              nets ? nets : json_array(), "alerts", alerts ? alerts : json_null());
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL)
		return -1;
	rc = queue(cl, "state", 1, last, text);
	free(text);
	cl->next_id = last + 1;
	cl->rates_seen = version;
	cl->state_due = 0;
	return rc;
}

/* The events from next_id on are not kept (or were never made here): say so, then the state. */
static int queue_gap(struct client *cl, const char *reason)
{
	uint64_t last = fz_dash_events_last(cl->s->events);
	char data[256];

	snprintf(data, sizeof(data),
	         "{\"reason\":\"%s\",\"missed_from\":%llu,\"oldest_id\":%llu,\"last_id\":%llu}",
	         reason, (unsigned long long)cl->next_id, (unsigned long long)oldest_id(last),
	         (unsigned long long)last);
	set_counter(&cl->s->c.gaps, cl->s->c.gaps + 1);
	cl->state_due = 1;
	return queue(cl, "gap", 0, 0, data);
}

/* Queue what is due next: the state, the next numbered event, new rates. 1 when something
 * was queued, 0 when nothing is due, -1 without memory. */
static int next_event(struct client *cl)
{
	struct fz_dash_stream *s = cl->s;
	enum fz_dash_event type;
	uint64_t version;
	char *json;
	int rc;

	if (cl->state_due)
		return queue_state(cl) ? -1 : 1;
	if (cl->next_id <= fz_dash_events_last(s->events)) {
		rc = fz_dash_events_read(s->events, cl->next_id, &type, &json);
		if (rc == -ENOENT)
			return queue_gap(cl, "evicted") ? -1 : 1;
		if (rc)
			return -1;
		rc = queue(cl, fz_dash_event_name(type), 1, cl->next_id, json);
		free(json);
		cl->next_id++;
		return rc ? -1 : 1;
	}
	if (fz_dash_events_rates_version(s->events) == cl->rates_seen)
		return 0;
	json = fz_dash_events_rates(s->events, &version);
	if (json == NULL)
		return -1;
	rc = json[0] ? queue(cl, "rates", 0, 0, json) : 0;
	cl->rates_seen = version;
	free(json);
	return rc ? -1 : 1;
}

static long stream_read(void *arg, char *buf, size_t cap)
{
	struct client *cl = arg;
	size_t n;

	if (cl->off == cl->len) {
		int rc = next_event(cl);

		if (rc <= 0)
			return rc;
	}
	n = cl->len - cl->off < cap ? cl->len - cl->off : cap;
	memcpy(buf, cl->buf + cl->off, n);
	cl->off += n;
	return (long)n;
}

static int stream_ready(void *arg)
{
	struct client *cl = arg;
	const struct fz_dash_events *e = cl->s->events;

	return cl->off < cl->len || cl->state_due || cl->next_id <= fz_dash_events_last(e) ||
	       fz_dash_events_rates_version(e) != cl->rates_seen;
}

static void stream_close(void *arg)
{
	struct client *cl = arg;

	set_counter(&cl->s->c.clients, cl->s->c.clients - 1);
	free(cl->buf);
	free(cl);
}

static const struct fz_http_stream_ops stream_ops = {stream_read, stream_ready, stream_close};

int fz_dash_stream_open(struct fz_dash_stream *s, const struct fz_http_req *req,
                        struct fz_http_reply *r)
{
	const char *last_seen = fz_http_header(req, "Last-Event-ID");
	uint64_t id = 0, last = fz_dash_events_last(s->events);
	struct client *cl;

	if (req->n_args || req->too_many_args)
		return fz_dashboard_refuse(r, 400, "/api/events takes no query arguments");
	if (last_seen && last_seen[0] && fz_http_event_id_parse(last_seen, &id))
		return fz_dashboard_refuse(r, 400,
		                           "Last-Event-ID: '%.32s' is not an event id (a decimal "
		                           "number below 2^64, as this stream sent)",
		                           last_seen);
	if (s->c.clients >= s->max_clients) {
		set_counter(&s->c.refused, s->c.refused + 1);
		return fz_dashboard_refuse(r, 503,
		                           "%u clients of the event stream are connected "
		                           "(--http-stream-clients): try again later",
		                           s->max_clients);
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return -1;
	cl->s = s;
	cl->state_due = 1;
	if (last_seen && last_seen[0]) {
		cl->next_id = id + 1;
		if (id > last || id + 1 < oldest_id(last)) {
			if (queue_gap(cl, id > last ? "unknown" : "evicted")) {
				free(cl);
				return -1;
			}
		} else {
			cl->state_due = 0;
		}
	}
	set_counter(&s->c.clients, s->c.clients + 1);
	set_counter(&s->c.accepted, s->c.accepted + 1);
	r->status = 200;
	r->type = "text/event-stream; charset=utf-8";
	r->stream_ops = &stream_ops;
	r->stream = cl;
	return 0;
}

static void read_counters(void *arg, unsigned i, uint64_t *out)
{
	(void)i;
	fz_counters_load_words(&((struct fz_dash_stream *)arg)->c, out,
	                       sizeof(struct stream_counters));
}

struct fz_dash_stream *fz_dash_stream_create(struct fz_appliance *app,
                                             struct fz_dash_history *history,
                                             struct fz_dash_events *events)
{
	struct fz_dash_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->app = app;
	s->history = history;
	s->events = events;
	s->max_clients = app->opts.http_stream_clients ? (unsigned)app->opts.http_stream_clients
	                                               : FZ_DASH_STREAM_CLIENTS;
	s->set = (struct fz_counter_set){
	    .name = "dashboard",
	    .summary = "dashboard",
	    .shape = FZ_SET_SINGLE,
	    .defs = stream_defs,
	    .n_defs = sizeof(stream_defs) / sizeof(stream_defs[0]),
	    .block = sizeof(struct stream_counters),
	    .instances = fz_counter_one_instance,
	    .read = read_counters,
	    .arg = s,
	};
	if (fz_counters_register(app->counters, &s->set)) {
		free(s);
		errno = ENOSPC;
		return NULL;
	}
	return s;
}

void fz_dash_stream_free(struct fz_dash_stream *s)
{
	free(s);
}
