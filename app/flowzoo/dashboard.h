/*
 * The dashboard (docs/dashboard.md): a page served by the HTTP server and the
 * JSON it reads.
 *
 *   dashboard_history.c  on the stats lcore: a pipeline consumer that keeps
 *                        the recent traffic bins of each network, the last
 *                        stats record and the recent alerts, and publishes
 *                        copies (struct fz_counter_pub, a sequence lock) for
 *                        the HTTP thread; readers of those copies
 *   dashboard_events.c   on the stats lcore: the numbered events of the stream
 *                        (bins, alerts, health) in a ring of published slots,
 *                        and the live rates once a second
 *   dashboard_top.c      on the stats lcore: the top lists of the last closed
 *                        bins and, every 2 s, of the open ones; readers
 *   dashboard.c          on the HTTP thread: the page's files (read once at
 *                        start) and the /api endpoints made from the copies
 *   dashboard_stream.c   on the HTTP thread: /api/events, Server-Sent Events
 *                        made from the events' copies
 *
 * The HTTP thread never touches what the stats lcore keeps: it reads the
 * published copies only, and the stats lcore never waits for it.
 */
#ifndef FZ_DASHBOARD_H
#define FZ_DASHBOARD_H

#include <jansson.h>

#include "app.h"
#include "fz_http.h"

/* What the history keeps (docs/dashboard.md says why these bounds). */
#define FZ_DASH_BINS           288 /* traffic bins per network: a day of 5-minute bins */
#define FZ_DASH_NETWORKS       256 /* networks with a history: the first ones of the file */
#define FZ_DASH_TOP            10  /* entries of each top list kept */
#define FZ_DASH_ALERTS         32  /* alert records kept */
#define FZ_DASH_EVENTS         512 /* numbered events kept for clients that reconnect */
#define FZ_DASH_TOP_BINS       24  /* closed bins whose top lists are kept, per network */
#define FZ_DASH_DAYS           90  /* UTC days of in/out sums kept, per network */
#define FZ_DASH_STREAM_CLIENTS 32  /* default of --http-stream-clients */

/* The numbered events of the stream. */
enum fz_dash_event { FZ_DASH_EV_BIN, FZ_DASH_EV_ALERT, FZ_DASH_EV_HEALTH };

/* A published block: a count (or version) and a JSON text. */
struct fz_dash_text {
	uint64_t count;
	char text[];
};

/* Any thread: the text of a published struct fz_dash_text of size bytes in all (malloc'd,
 * "" before the first write; NULL without memory) and its count (when count is not NULL). */
char *fz_dash_read_text(const struct fz_counter_pub *pub, size_t size, uint64_t *count);

struct fz_dash_events;

/* The events and their timer (before the stats lcore runs). NULL and errno on failure. */
struct fz_dash_events *fz_dash_events_create(struct fz_appliance *app);
void fz_dash_events_free(struct fz_dash_events *e);

/* Stats lcore: number and publish an event (json of len bytes; a larger one than a slot
 * holds becomes an error object). */
void fz_dash_events_push(struct fz_dash_events *e, enum fz_dash_event type, const char *json,
                         size_t len);

/* Any thread: the last id published (0: none yet). */
uint64_t fz_dash_events_last(const struct fz_dash_events *e);

/* Any thread: event id (malloc'd JSON into *json). 0, -ENOENT when it is not (or no longer)
 * kept, -ENOMEM. */
int fz_dash_events_read(const struct fz_dash_events *e, uint64_t id, enum fz_dash_event *type,
                        char **json);

/* "bin", "alert", "health". */
const char *fz_dash_event_name(enum fz_dash_event type);

/* Any thread: the latest rates (malloc'd JSON, "" before the first, NULL without memory)
 * and their version (grows by one a second); the version alone. */
char *fz_dash_events_rates(const struct fz_dash_events *e, uint64_t *version);
uint64_t fz_dash_events_rates_version(const struct fz_dash_events *e);

/* Any thread: the latest health object (malloc'd JSON, "" before the first). */
char *fz_dash_events_health(const struct fz_dash_events *e);

/* Cut each top list of a traffic record to FZ_DASH_TOP entries and dump it into buf (the
 * applications left out, "apps_omitted", when it does not fit; an error object when it
 * still does not). */
void fz_dash_trim_dump(json_t *o, char *buf, size_t cap);

struct fz_dash_tops;

/* The top lists kept (dashboard_top.c) and the open bins' timer. NULL and errno. */
struct fz_dash_tops *fz_dash_tops_create(struct fz_appliance *app, unsigned n_nets);
void fz_dash_tops_free(struct fz_dash_tops *t);

/* Stats lcore: the top lists of a closed bin's traffic record of network net. */
void fz_dash_tops_take(struct fz_dash_tops *t, unsigned net, json_t *record);

/* A filter of top lists: one address (the address lists) or one port (the port list). */
struct fz_dash_top_filter {
	int has_host, has_port;
	uint8_t key[16];
};

/* The filter of ?host=ADDR or ?port=P (NULL: not given). 0, or -1 when not a valid one. */
int fz_dash_tops_key(const char *host, const char *port, struct fz_dash_top_filter *f);

/* Any thread: [{"bin_start_ms","bin_end_ms","top":{"src_ip":[...],...}}] of the last
 * max_bins closed bins of network net, oldest first, each entry with its "rank" in its list;
 * only the entries f passes (NULL: all). NULL without memory. */
json_t *fz_dash_tops_read(const struct fz_dash_tops *t, unsigned net, unsigned max_bins,
                          const struct fz_dash_top_filter *f);

/* Any thread: network net's open bin as a trimmed traffic record ("open": true), null before
 * the first copy or when no bin is open. NULL without memory. */
json_t *fz_dash_tops_open(const struct fz_dash_tops *t, unsigned net);

struct fz_dash_history;

/* Register the consumer (before the stats lcore runs). NULL and errno on failure. */
struct fz_dash_history *fz_dash_history_create(struct fz_appliance *app,
                                               struct fz_dash_events *events,
                                               struct fz_dash_tops *tops);
void fz_dash_history_free(struct fz_dash_history *d);

/* How many networks have a history (the first ones of --networks). */
unsigned fz_dash_history_networks(const struct fz_dash_history *d);

/*
 * Readers, any thread, from the published copies (new references; NULL when
 * out of memory). traffic: {"records","bins":[...oldest first],"latest"} of
 * network index net (< fz_dash_history_networks), at most max_bins bins.
 * zoo: the last stats record or null. alerts: {"total","alerts":[...]}.
 */
json_t *fz_dash_history_traffic(const struct fz_dash_history *d, unsigned net, unsigned max_bins);
json_t *fz_dash_history_zoo(const struct fz_dash_history *d);
/* {"days":[{"day":"YYYY-MM-DD","day_start_ms","packets_in","bytes_in","packets_out",
 * "bytes_out","bins"}...oldest first],"late_bins"}: the last max_days days of network net. */
json_t *fz_dash_history_days(const struct fz_dash_history *d, unsigned net, unsigned max_days);
json_t *fz_dash_history_alerts(const struct fz_dash_history *d);

struct fz_dashboard;

/*
 * The page's files and the history, with --http unless --http-dashboard off
 * (then *out is NULL). 0, or -1 with a message naming the option in err.
 */
int fz_dashboard_create(struct fz_appliance *app, struct fz_dashboard **out, char *err,
                        size_t errlen);
void fz_dashboard_free(struct fz_dashboard *d);

struct fz_dash_stream;

/* The stream's state on the HTTP thread and its counter set. NULL and errno on failure. */
struct fz_dash_stream *fz_dash_stream_create(struct fz_appliance *app,
                                             struct fz_dash_history *history,
                                             struct fz_dash_events *events);
void fz_dash_stream_free(struct fz_dash_stream *s);

/* GET /api/events (HTTP thread): the stream in r, or a 4xx/503. 0, or -1 for a 500. */
int fz_dash_stream_open(struct fz_dash_stream *s, const struct fz_http_req *req,
                        struct fz_http_reply *r);

/* dashboard.c: a 4xx (or 503) with {"error": message}. */
int fz_dashboard_refuse(struct fz_http_reply *r, unsigned status, const char *fmt, ...);

/* The paths the dashboard serves (NULL-terminated). */
extern const char *const fz_dashboard_paths[];

/* Answer a GET of one of fz_dashboard_paths (HTTP thread). 0, or -1 for a 500. */
int fz_dashboard_handle(struct fz_dashboard *d, const struct fz_http_req *req,
                        struct fz_http_reply *r);

#endif
