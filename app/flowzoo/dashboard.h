/*
 * The dashboard (docs/dashboard.md): a page served by the HTTP server and the
 * JSON it reads.
 *
 *   dashboard_history.c  on the stats lcore: a pipeline consumer that keeps
 *                        the recent traffic bins of each network, the last
 *                        stats record and the recent alerts, and publishes
 *                        copies (struct fz_counter_pub, a sequence lock) for
 *                        the HTTP thread; readers of those copies
 *   dashboard.c          on the HTTP thread: the page's files (read once at
 *                        start) and the /api endpoints made from the copies
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
#define FZ_DASH_BINS     288 /* traffic bins per network: a day of 5-minute bins */
#define FZ_DASH_NETWORKS 256 /* networks with a history: the first ones of the file */
#define FZ_DASH_TOP      10  /* entries of each top list kept */
#define FZ_DASH_ALERTS   32  /* alert records kept */

struct fz_dash_history;

/* Register the consumer (before the stats lcore runs). NULL and errno on failure. */
struct fz_dash_history *fz_dash_history_create(struct fz_appliance *app);
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
json_t *fz_dash_history_alerts(const struct fz_dash_history *d);

struct fz_dashboard;

/*
 * The page's files and the history, with --http unless --http-dashboard off
 * (then *out is NULL). 0, or -1 with a message naming the option in err.
 */
int fz_dashboard_create(struct fz_appliance *app, struct fz_dashboard **out, char *err,
                        size_t errlen);
void fz_dashboard_free(struct fz_dashboard *d);

/* The paths the dashboard serves (NULL-terminated). */
extern const char *const fz_dashboard_paths[];

/* Answer a GET of one of fz_dashboard_paths (HTTP thread). 0, or -1 for a 500. */
int fz_dashboard_handle(struct fz_dashboard *d, const struct fz_http_req *req,
                        struct fz_http_reply *r);

#endif
